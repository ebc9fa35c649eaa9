/*
 * test_cli.c: the binaries as an operator, a witness, an auditor and a
 * business use them: exit codes (0 success, 1 a check failed, 2 usage or
 * I/O), what they print, and that bad input loses nothing stored.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"
#include "tests/fixture.h"
#include "tests/harness.h"

#define SUIJID harness_bin("suijid")
#define SUIJI harness_bin("suiji")
#define VERIFY harness_bin("suiji-verify")

/* Builds a small log through the command line in dir: two agencies, a
 * client, a witness, a checkpoint cosigned by the witness and stored. */
static int cli_log(const char *d)
{
	char *out = NULL;
	int rc = harness_run(&out,
			     "cd %s && %s -d data init --origin suiji.test/cli >/dev/null && "
			     "%s -d data log-key > log.vkey && "
			     "%s -d data add-agency --code sfj --name 司法局 && "
			     "%s -d data add-agency --code scjg --name 市场监管局 --parent sfj && "
			     "%s keygen -k op.key --name op@scjg > op.vkey && "
			     "%s -d data add-client --key op.vkey --agency scjg --role operator && "
			     "%s keygen -k w.key --name witness.test/w --witness > w.vkey && "
			     "%s -d data add-witness --key w.vkey && "
			     "%s -d data checkpoint -o cp1 && "
			     "%s cosign -k w.key --log-key log.vkey --state w.state cp1 -o cp1.cosigned && "
			     "%s -d data cosign cp1.cosigned",
			     d, SUIJID, SUIJID, SUIJID, SUIJID, SUIJI, SUIJID, SUIJI, SUIJID, SUIJID,
			     SUIJI, SUIJID);
	if (rc != 0)
		printf("    %s\n", out ? out : "");
	free(out);
	return rc;
}

TEST(cli_operator_cycle, "an operator builds a log, a witness cosigns it, and the verifier accepts it with log key, witness and quorum pinned")
{
	const char *d = harness_tmpdir();
	char *out = NULL;
	CHECK_INT(cli_log(d), ==, 0);
	CHECK_INT(harness_run(&out,
			      "cd %s && %s --log-key log.vkey --witness w.vkey --quorum 1 "
			      "data/ledger.db",
			      d, VERIFY),
		  ==, 0);
	CHECK_STR_HAS(out, "ok: suiji.test/cli: 5 entries, 1 checkpoints");
	CHECK_STR_HAS(out, "1 cosignatures");
	free(out);
}

TEST(cli_export_verifies_json, "an export verifies on its own and --json says ok with the counts")
{
	const char *d = harness_tmpdir();
	char *out = NULL;
	cJSON *j;
	CHECK_INT(cli_log(d), ==, 0);
	CHECK_INT(harness_run(NULL, "cd %s && %s -d data export -o ledger.export", d, SUIJID), ==,
		  0);
	CHECK_INT(harness_run(&out, "cd %s && %s --json --log-key log.vkey ledger.export 2>/dev/null",
			      d, VERIFY),
		  ==, 0);
	j = cJSON_Parse(out);
	CHECK(j != NULL);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
	CHECK_INT(cJSON_GetObjectItem(j, "entries")->valueint, ==, 5);
	CHECK_INT(cJSON_GetObjectItem(j, "cosignatures")->valueint, ==, 1);
	cJSON_Delete(j);
	free(out);
}

TEST(cli_tampered_fails_naming_entry, "the verifier exits 1 on a tampered ledger, names the entry, and --json gives it as failed_entry")
{
	const char *d = harness_tmpdir();
	char *out = NULL, db[600];
	CHECK_INT(cli_log(d), ==, 0);
	snprintf(db, sizeof db, "%s/data/ledger.db", d);
	CHECK_INT(fixture_flip(db, 2, 95, 1), ==, SJ_OK);
	CHECK_INT(harness_run(&out, "cd %s && %s data/ledger.db", d, VERIFY), ==, 1);
	CHECK_STR_HAS(out, "FAILED");
	CHECK_STR_HAS(out, "entry 2");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s --json data/ledger.db", d, VERIFY), ==, 1);
	CHECK_STR_HAS(out, "\"failed_entry\":2");
	free(out);
	/* The daemon refuses to append to it and says why. */
	CHECK_INT(harness_run(&out, "cd %s && %s -d data add-agency --code x --name y", d, SUIJID),
		  ==, 1);
	CHECK_STR_HAS(out, "does not verify");
	free(out);
}

TEST(cli_usage_errors_exit_2, "usage errors and unreadable files exit 2 with a message")
{
	const char *d = harness_tmpdir();
	char *out = NULL;
	CHECK_INT(harness_run(&out, "%s", VERIFY), ==, 2);
	free(out);
	CHECK_INT(harness_run(&out, "%s --bogus x", VERIFY), ==, 2);
	CHECK_STR_HAS(out, "--bogus");
	free(out);
	CHECK_INT(harness_run(&out, "%s %s/none.db", VERIFY, d), ==, 2);
	CHECK_STR_HAS(out, "none.db");
	free(out);
	CHECK_INT(harness_run(&out, "%s --log-key not-a-key x", VERIFY), ==, 2);
	CHECK_STR_HAS(out, "not a verifier key");
	free(out);
	CHECK_INT(harness_run(&out, "%s --quorum 2 --witness nope x", VERIFY), ==, 2);
	free(out);
	CHECK_INT(harness_run(&out, "%s -d %s/none frobnicate", SUIJID, d), ==, 2);
	CHECK_STR_HAS(out, "unknown command");
	free(out);
	CHECK_INT(harness_run(&out, "%s nothing", SUIJI), ==, 2);
	free(out);
}

TEST(cli_garbage_ledger_fails, "a file that is neither SQLite nor an export fails verification as malformed")
{
	const char *d = harness_tmpdir();
	char *out = NULL;
	CHECK_INT(harness_run(NULL, "echo hello > %s/garbage", d), ==, 0);
	CHECK_INT(harness_run(&out, "%s %s/garbage", VERIFY, d), ==, 1);
	CHECK_STR_HAS(out, "malformed");
	free(out);
}

TEST(cli_bad_input_loses_nothing, "refused registrations name the problem and leave the ledger as it was")
{
	const char *d = harness_tmpdir();
	char *out = NULL;
	CHECK_INT(cli_log(d), ==, 0);
	CHECK_INT(harness_run(&out, "cd %s && %s -d data add-agency --code z --name n --parent nope",
			      d, SUIJID),
		  ==, 1);
	CHECK_STR_HAS(out, "unknown superior agency nope");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s -d data add-client --key op.vkey --agency scjg "
				    "--role operator",
			      d, SUIJID),
		  ==, 1);
	CHECK_STR_HAS(out, "registered already");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s -d data add-client --key op.vkey --agency scjg "
				    "--role king",
			      d, SUIJID),
		  ==, 2);
	CHECK_STR_HAS(out, "king");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s -d data add-witness --key op.vkey", d, SUIJID), ==,
		  2);
	CHECK_STR_HAS(out, "cosignature/v1");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s -d data init --origin again", d, SUIJID), !=, 0);
	CHECK_STR_HAS(out, "already");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s -d data status", d, SUIJID), ==, 0);
	CHECK_STR_HAS(out, "entries: 5");
	free(out);
}

TEST(cli_inclusion_proof, "a business checks its entry with an inclusion proof and the log key alone, and a different entry fails")
{
	const char *d = harness_tmpdir();
	char *out = NULL;
	CHECK_INT(cli_log(d), ==, 0);
	CHECK_INT(harness_run(NULL,
			      "cd %s && %s -d data prove-inclusion 4 -o p4 && "
			      "%s -d data entry 4 -o e4 && %s -d data entry 3 -o e3",
			      d, SUIJID, SUIJID, SUIJID),
		  ==, 0);
	CHECK_INT(harness_run(&out,
			      "cd %s && %s proof inclusion --log-key log.vkey --witness w.vkey "
			      "--quorum 1 --entry e4 p4",
			      d, VERIFY),
		  ==, 0);
	CHECK_STR_HAS(out, "entry 4 is in suiji.test/cli at tree size 5");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s proof inclusion --log-key log.vkey --entry e3 p4",
			      d, VERIFY),
		  ==, 1);
	CHECK_STR_HAS(out, "not proven");
	free(out);
	/* A proof whose checkpoint another key signed fails too. */
	CHECK_INT(harness_run(&out,
			      "cd %s && %s keygen -k other.key --name suiji.test/cli > other.vkey && "
			      "%s proof inclusion --log-key other.vkey --entry e4 p4",
			      d, SUIJI, VERIFY),
		  ==, 1);
	CHECK_STR_HAS(out, "not signed by the log key");
	free(out);
}

/* Signs a checkpoint with the log's own key file: what a rogue operator
 * could do to fork the log. */
static char *forge_checkpoint(const char *d, uint64_t size, size_t *len)
{
	struct note_skey *k = NULL;
	struct checkpoint c = {0};
	char path[700], err[300], body[512], *note = NULL;
	size_t blen;
	snprintf(path, sizeof path, "%s/data/log.key", d);
	if (keyfile_load(&k, path, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK)
		return NULL;
	snprintf(c.origin, sizeof c.origin, "suiji.test/cli");
	c.size = size;
	randombytes_buf(c.root, 32);
	if (checkpoint_format(body, sizeof body, &blen, &c) != SJ_OK ||
	    note_sign(&note, len, body, blen, k) != SJ_OK)
		note = NULL;
	note_skey_free(k);
	return note;
}

TEST(cli_witness_refuses_fork, "a witness refuses a checkpoint that does not extend the one it cosigned, and cosigns one that does with a consistency proof")
{
	const char *d = harness_tmpdir();
	char *out = NULL, *fork, path[700];
	size_t len;
	CHECK(sodium_init() >= 0);
	CHECK_INT(cli_log(d), ==, 0);
	fork = forge_checkpoint(d, 5, &len);
	CHECK(fork != NULL);
	snprintf(path, sizeof path, "%s/fork", d);
	CHECK_INT(util_write_file(path, fork, len, 0644), ==, SJ_OK);
	free(fork);
	CHECK_INT(harness_run(&out, "cd %s && %s cosign -k w.key --log-key log.vkey --state w.state fork",
			      d, SUIJI),
		  ==, 1);
	CHECK_STR_HAS(out, "does not extend");
	free(out);
	/* The log grows; without a proof the witness will not move on... */
	CHECK_INT(harness_run(NULL,
			      "cd %s && %s -d data add-agency --code more --name m && "
			      "%s -d data checkpoint -o cp2 && %s -d data prove-consistency 5 -o c5",
			      d, SUIJID, SUIJID, SUIJID),
		  ==, 0);
	CHECK_INT(harness_run(&out, "cd %s && %s cosign -k w.key --log-key log.vkey --state w.state cp2",
			      d, SUIJI),
		  ==, 2);
	CHECK_STR_HAS(out, "consistency proof");
	free(out);
	/* ...with one it does, and the auditor's consistency check agrees. */
	CHECK_INT(harness_run(&out,
			      "cd %s && %s cosign -k w.key --log-key log.vkey --state w.state "
			      "--proof c5 cp2 -o cp2.cosigned && %s -d data cosign cp2.cosigned",
			      d, SUIJI, SUIJID),
		  ==, 0);
	free(out);
	CHECK_INT(harness_run(&out,
			      "cd %s && %s proof consistency --log-key log.vkey --checkpoint cp1 c5",
			      d, VERIFY),
		  ==, 0);
	CHECK_STR_HAS(out, "extends size 5");
	free(out);
	/* A forged newer checkpoint against an honest older one fails. */
	fork = forge_checkpoint(d, 6, &len);
	CHECK(fork != NULL);
	snprintf(path, sizeof path, "%s/fork6", d);
	CHECK_INT(util_write_file(path, fork, len, 0644), ==, SJ_OK);
	free(fork);
	CHECK_INT(harness_run(&out,
			      "cd %s && head -n 2 c5 > c5f && tail -n +3 c5 | sed -n '/^$/q;p' >> "
			      "c5f && echo >> c5f && cat fork6 >> c5f && "
			      "%s proof consistency --log-key log.vkey --checkpoint cp1 c5f",
			      d, VERIFY),
		  ==, 1);
	CHECK_STR_HAS(out, "fork");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s --log-key log.vkey --checkpoint fork6 data/ledger.db",
			      d, VERIFY),
		  ==, 1);
	free(out);
}

TEST(cli_saved_checkpoint_catches_truncation, "an auditor's saved checkpoint catches a ledger cut short")
{
	const char *d = harness_tmpdir();
	char *out = NULL, db[600];
	CHECK_INT(cli_log(d), ==, 0);
	snprintf(db, sizeof db, "%s/data/ledger.db", d);
	CHECK_INT(fixture_sql(db, "DELETE FROM cosignatures; DELETE FROM checkpoints; "
				  "DELETE FROM entries WHERE seq >= 4"),
		  ==, 0);
	CHECK_INT(harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", d, VERIFY), ==,
		  0);
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s --log-key log.vkey --checkpoint cp1 data/ledger.db",
			      d, VERIFY),
		  ==, 1);
	CHECK_STR_HAS(out, "truncated");
	free(out);
}

/* Runs the raw proof check of suiji-verify on one vector file. */
static int decide_vector(const char *path, int inclusion, int *want_err)
{
	uint8_t *buf = NULL;
	size_t len;
	char cmd[8192];
	int n, rc;
	cJSON *j, *h;

	if (util_read_file(&buf, &len, path, 1 << 20) != SJ_OK)
		return -1;
	j = cJSON_Parse((const char *)buf);
	free(buf);
	if (j == NULL)
		return -1;
	*want_err = cJSON_IsTrue(cJSON_GetObjectItem(j, "wantErr"));
	if (inclusion) {
		/* Indexes may exceed a double's precision: such vectors are
		 * rejected by size alone, so a clamped value decides alike. */
		double idx = cJSON_GetObjectItem(j, "leafIdx")->valuedouble;
		n = snprintf(cmd, sizeof cmd,
			     "%s proof inclusion --raw --index %.0f --size %.0f --root '%s' "
			     "--leaf-hash '%s'",
			     VERIFY, idx > 1.8e19 ? 1.8e19 : idx,
			     cJSON_GetObjectItem(j, "treeSize")->valuedouble,
			     cJSON_GetStringValue(cJSON_GetObjectItem(j, "root")),
			     cJSON_GetStringValue(cJSON_GetObjectItem(j, "leafHash")));
	} else {
		n = snprintf(cmd, sizeof cmd,
			     "%s proof consistency --raw --size1 %.0f --size2 %.0f --root1 '%s' "
			     "--root2 '%s'",
			     VERIFY, cJSON_GetObjectItem(j, "size1")->valuedouble,
			     cJSON_GetObjectItem(j, "size2")->valuedouble,
			     cJSON_GetStringValue(cJSON_GetObjectItem(j, "root1")),
			     cJSON_GetStringValue(cJSON_GetObjectItem(j, "root2")));
	}
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(j, "proof"))
		n += snprintf(cmd + n, sizeof cmd - (size_t)n, " --hash '%s'",
			      cJSON_GetStringValue(h));
	cJSON_Delete(j);
	rc = harness_run(NULL, "%s", cmd);
	return rc;
}

/* Decides every vector file under dir, recursively. */
static void decide_dir(const char *dir, int inclusion, int *total, int *wrong)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char p[1300];
		int want = 0, rc;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (!strstr(e->d_name, ".json")) {
			decide_dir(p, inclusion, total, wrong);
			continue;
		}
		rc = decide_vector(p, inclusion, &want);
		(*total)++;
		/* Exit 1 (does not verify) or 2 (malformed input) both reject. */
		if ((rc == 0) == want || rc < 0 || rc > 2) {
			printf("    %s: exit %d, wantErr %d\n", p, rc, want);
			(*wrong)++;
		}
	}
	closedir(d);
}

TEST(cli_proof_vectors, "suiji-verify proof --raw decides every case in the shared Merkle vectors as wantErr says")
{
	const char *base = harness_shared_vectors("merkle");
	int total = 0, wrong = 0;
	char dir[700];
	if (base == NULL) {
		harness_skip("../shared/vectors/merkle is not present");
		return;
	}
	snprintf(dir, sizeof dir, "%s/inclusion", base);
	decide_dir(dir, 1, &total, &wrong);
	snprintf(dir, sizeof dir, "%s/consistency", base);
	decide_dir(dir, 0, &total, &wrong);
	printf("    %d vector files decided through the command line\n", total);
	CHECK(total > 100);
	CHECK_INT(wrong, ==, 0);
}

/* Writes a task-draw file whose field (request_id, task or agency) holds
 * raw, a JSON string body given as it goes into the file. */
static int write_task_draw(const char *d, const char *field, const char *raw)
{
	char path[4200], text[1024];
	int n;
	snprintf(path, sizeof path, "%.4000s/draw.json", d);
	n = snprintf(text, sizeof text,
		     "{\"request_id\": \"%s\", \"task\": \"%s\", \"agency\": \"%s\", "
		     "\"beacons\": [{\"source\": \"m\", \"round\": 1}]}\n",
		     strcmp(field, "request_id") == 0 ? raw : "r1",
		     strcmp(field, "task") == 0 ? raw : "t1",
		     strcmp(field, "agency") == 0 ? raw : "scjg");
	return util_write_file(path, text, (size_t)n, 0644);
}

TEST(cli_draw_task_names_stay_inside, "suijid draw task refuses a request id, task or agency code that is not a name (a path out of DATA/draws, '/', an escaped NUL, 65 bytes), naming the field, and writes nothing")
{
	const char *d = harness_tmpdir();
	static const char *const fields[] = {"request_id", "task", "agency"};
	static const char *const bad[] = {"../../../x", "/", "..", "a\\u0000/../../../x",
					  "a/b", ".hidden"};
	char over[66], probe[4096];
	char *out = NULL;

	memset(over, 'a', 65);
	over[65] = '\0';
	CHECK_INT(harness_run(&out, "cd %s && mkdir -p w/a/b && cd w/a/b && %s -d data init "
				    "--origin suiji.test/names >/dev/null",
			      d, SUIJID),
		  ==, 0);
	free(out);
	out = NULL;
	for (size_t f = 0; f < 3; f++)
		for (size_t b = 0; b < sizeof bad / sizeof bad[0] + 1; b++) {
			const char *raw = b < sizeof bad / sizeof bad[0] ? bad[b] : over;
			char dir[4096];
			snprintf(dir, sizeof dir, "%.4000s/w/a/b", d);
			CHECK_INT(write_task_draw(dir, fields[f], raw), ==, SJ_OK);
			CHECK_INT(harness_run(&out, "cd %s && %s -d data draw task draw.json", dir,
					      SUIJID),
				  ==, 1);
			if (strstr(raw, "u0000") != NULL) {
				CHECK_STR_HAS(out, "NUL");
			} else {
				char want[64];
				snprintf(want, sizeof want, "\"%s\"", fields[f]);
				CHECK_STR_HAS(out, want);
				CHECK_STR_HAS(out, "is not a name");
			}
			free(out);
			out = NULL;
		}
	/* Nothing was written: not above the data folder, not in it. */
	snprintf(probe, sizeof probe, "%.4000s/w/a/x", d);
	CHECK_INT(access(probe, F_OK), !=, 0);
	snprintf(probe, sizeof probe, "%.4000s/w/x", d);
	CHECK_INT(access(probe, F_OK), !=, 0);
	CHECK_INT(harness_run(&out, "cd %s && find . -name spec.json -o -name objects.csv", d),
		  ==, 0);
	CHECK(out == NULL || strstr(out, "spec.json") == NULL);
	CHECK(out == NULL || strstr(out, "objects.csv") == NULL);
	free(out);
}
