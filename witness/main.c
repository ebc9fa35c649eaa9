/*
 * main.c: suiji-witness, a witness another body runs for a suiji log (the
 * justice bureau, a notary office, a neighbouring city's log).
 *
 * It speaks C2SP tlog-witness (c2sp.org/tlog-witness) over HTTP: the log
 * posts each checkpoint it signs with a consistency proof from the size
 * this witness last cosigned, and the witness answers with a C2SP
 * cosignature/v1 line (c2sp.org/tlog-cosignature) only if the checkpoint
 * extends what it cosigned before. A log operator who forks the log to
 * try several outcomes of one draw can then get only one branch cosigned
 * (docs/witness.md, SECURITY.md).
 *
 *   suiji-witness init --dir DIR --name NAME
 *   suiji-witness run --dir DIR [--listen IPv4:PORT]
 *
 * DIR holds witness.key (0600), witness.vkey, witness.conf and state/.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"
#include "ledger/vkeyfile.h"
#include "witness/http.h"
#include "witness/state.h"

#define WITNESS_VERSION  "1.0"
#define WITNESS_MAX_LOGS 64

static void usage(FILE *f)
{
	fprintf(f, "usage: suiji-witness init --dir DIR --name NAME\n"
	           "       suiji-witness run --dir DIR [--listen IPv4:PORT]\n"
	           "       suiji-witness --help | --version\n"
	           "\n"
	           "init makes the witness's cosignature/v1 key (DIR/witness.key, mode 0600),\n"
	           "prints its verifier key (also in DIR/witness.vkey) and writes a\n"
	           "DIR/witness.conf to fill in. run serves C2SP tlog-witness add-checkpoint\n"
	           "over HTTP for the logs witness.conf names (docs/witness.md):\n"
	           "  listen = 127.0.0.1:7380\n"
	           "  log = ORIGIN LOG_VERIFIER_KEY     (one line per log)\n");
}

static const char *arg(int argc, char **argv, const char *name)
{
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int cmd_init(const char *dir, const char *name)
{
	char path[4200], vkey[NOTE_MAX_VKEY + 1], err[512];
	struct note_skey *k = NULL;
	struct note_vkey v;
	int created = 0;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "suiji-witness: cannot create %s: %s\n", dir, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof path, "%s/witness.key", dir);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "suiji-witness: %s exists already; not overwriting a key\n", path);
		return 2;
	}
	if (keyfile_load(&k, path, name, NOTE_TYPE_COSIG_V1, 1, &created, err, sizeof err) !=
	    SJ_OK) {
		fprintf(stderr, "suiji-witness: %s\n", err);
		return 2;
	}
	note_skey_public(&v, k);
	note_skey_free(k);
	if (note_vkey_format(vkey, sizeof vkey - 1, v.name, v.type, v.pk) != SJ_OK)
		return 2;
	printf("%s\n", vkey);
	strcat(vkey, "\n");
	snprintf(path, sizeof path, "%s/witness.vkey", dir);
	if (util_write_file(path, vkey, strlen(vkey), 0644) != SJ_OK) {
		fprintf(stderr, "suiji-witness: cannot write %s\n", path);
		return 2;
	}
	snprintf(path, sizeof path, "%s/witness.conf", dir);
	if (access(path, F_OK) != 0) {
		static const char conf[] =
		    "# suiji-witness settings (docs/witness.md).\n"
		    "listen = 127.0.0.1:7380\n"
		    "# One line per log this witness witnesses: its origin and the\n"
		    "# verifier key of its log key (suijid log-key), or a file holding it.\n"
		    "# log = suiji.example/city city+0123abcd+AQ...\n";
		if (util_write_file(path, conf, sizeof conf - 1, 0644) != SJ_OK) {
			fprintf(stderr, "suiji-witness: cannot write %s\n", path);
			return 2;
		}
	}
	return 0;
}

struct wconf {
	char listen[256];
	struct wstate_log logs[WITNESS_MAX_LOGS];
	size_t nlogs;
};

/* One `key = value` line of witness.conf; 0, or -1 with why. */
static int conf_line(struct wconf *c, char *key, char *val, char *why, size_t cap)
{
	char *sp;
	struct wstate_log *l;

	if (strcmp(key, "listen") == 0) {
		if (strlen(val) >= sizeof c->listen) {
			snprintf(why, cap, "listen is too long");
			return -1;
		}
		snprintf(c->listen, sizeof c->listen, "%s", val);
		return 0;
	}
	if (strcmp(key, "log") != 0) {
		snprintf(why, cap, "unknown key \"%s\"", key);
		return -1;
	}
	if (c->nlogs == WITNESS_MAX_LOGS) {
		snprintf(why, cap, "more than %d logs", WITNESS_MAX_LOGS);
		return -1;
	}
	l = &c->logs[c->nlogs];
	sp = strrchr(val, ' ');
	if (sp == NULL || sp == val || (size_t)(sp - val) > CHECKPOINT_MAX_ORIGIN) {
		snprintf(why, cap, "log takes ORIGIN VERIFIER_KEY");
		return -1;
	}
	*sp = '\0';
	snprintf(l->origin, sizeof l->origin, "%s", val);
	for (size_t i = 0; i < c->nlogs; i++)
		if (strcmp(c->logs[i].origin, l->origin) == 0) {
			snprintf(why, cap, "log %s is named twice", l->origin);
			return -1;
		}
	if (vkeyfile_load(&l->key, sp + 1, why, cap) != SJ_OK)
		return -1;
	if (l->key.type != NOTE_TYPE_ED25519) {
		snprintf(why, cap, "the key of log %s is not a log (Ed25519 note) key", l->origin);
		return -1;
	}
	c->nlogs++;
	return 0;
}

static int conf_load(struct wconf *c, const char *path, char *err, size_t cap)
{
	uint8_t *text = NULL;
	size_t len, lineno = 0;
	char *p, *line, why[400];
	int rc = -1;

	if (util_read_file(&text, &len, path, 1 << 20) != SJ_OK) {
		snprintf(err, cap, "cannot read %s", path);
		return -1;
	}
	for (p = (char *)text; (line = strsep(&p, "\n")) != NULL;) {
		char *eq, *key, *val, *e;
		lineno++;
		if ((e = strchr(line, '#')) != NULL)
			*e = '\0';
		for (key = line; *key == ' ' || *key == '\t'; key++)
			;
		for (e = key + strlen(key);
		     e > key && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
			*--e = '\0';
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, cap, "%s:%zu: expected key = value", path, lineno);
			goto out;
		}
		for (val = eq + 1; *val == ' ' || *val == '\t'; val++)
			;
		for (e = eq; e > key && (e[-1] == ' ' || e[-1] == '\t');)
			e--;
		*e = '\0';
		if (conf_line(c, key, val, why, sizeof why) != 0) {
			snprintf(err, cap, "%s:%zu: %s", path, lineno, why);
			goto out;
		}
	}
	rc = 0;
out:
	free(text);
	return rc;
}

static int cmd_run(const char *dir, const char *listen)
{
	struct wconf *c = calloc(1, sizeof *c);
	struct note_skey *k = NULL;
	struct whttp_opts o;
	char path[4200], err[4800];
	int rc = 2;

	if (c == NULL)
		return 2;
	snprintf(path, sizeof path, "%s/witness.conf", dir);
	if (conf_load(c, path, err, sizeof err) != 0) {
		fprintf(stderr, "suiji-witness: %s\n", err);
		goto out;
	}
	if (listen != NULL)
		snprintf(c->listen, sizeof c->listen, "%s", listen);
	if (c->listen[0] == '\0' || c->nlogs == 0) {
		fprintf(stderr, "suiji-witness: %s needs listen and at least one log line\n", path);
		goto out;
	}
	for (size_t i = 0; i < c->nlogs; i++)
		if (wstate_load(&c->logs[i], dir, err, sizeof err) != SJ_OK) {
			fprintf(stderr, "suiji-witness: %s; refusing to start\n", err);
			goto out;
		}
	snprintf(path, sizeof path, "%s/witness.key", dir);
	if (keyfile_load(&k, path, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji-witness: %s\n", err);
		goto out;
	}
	o.listen = c->listen;
	o.dir = dir;
	o.key = k;
	o.logs = c->logs;
	o.nlogs = c->nlogs;
	if (whttp_serve(&o, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji-witness: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	note_skey_free(k);
	free(c);
	return rc;
}

int main(int argc, char **argv)
{
	const char *dir;

	if (sodium_init() < 0) {
		fprintf(stderr, "suiji-witness: libsodium failed to start\n");
		return 2;
	}
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("suiji-witness %s\n", WITNESS_VERSION);
		return 0;
	}
	if (argc < 2 || (dir = arg(argc, argv, "--dir")) == NULL) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "init") == 0) {
		const char *name = arg(argc, argv, "--name");
		if (name == NULL) {
			usage(stderr);
			return 2;
		}
		return cmd_init(dir, name);
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(dir, arg(argc, argv, "--listen"));
	usage(stderr);
	return 2;
}
