/*
 * fuzz_addckpt.c: libFuzzer target for suiji-witness's add-checkpoint
 * request (witness/addckpt.c, ledger/witcheck.c), the witness's front door.
 *
 * The first byte picks the witness's state before the request: nothing
 * cosigned yet, or the checkpoint at size 1 of the seed corpus's log
 * (whose fixed key is below). The rest is the request body. Beyond "no
 * crash and no sanitizer report", every input checks:
 *   - the status is one tlog-witness defines (200, 400, 403, 404, 409,
 *     422) or 500;
 *   - only a 200 moves the state, and never to a smaller tree;
 *   - a 409 answers with exactly the witness's size and a newline.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sodium.h>
#include <unistd.h>

#include "ledger/note_sign.h"
#include "witness/addckpt.h"

/* The seed corpus's log: origin suiji.fuzz/log, its key made from the
 * seed f0 f1 ... ff (fuzz/corpus/addckpt holds checkpoints it signed). */
#define LOG_VKEY "suiji.fuzz/log+87141206+AfOFhO7qu2ZZlhOClLUmIMGBn9LwFbQX6GUsrPwc/XKr"
#define CP1_ROOT "pWg7OnxvVA4mua9xIrhDY0VqPKoEC4LuGz0kM8H/Cw8="

static struct wstate_log log1;
static struct note_skey *wkey;
static char dir[64] = "/tmp/suiji-fuzz-witness-XXXXXX";
static uint8_t cp1_root[32];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The state the handler wrote goes with the run. */
static void cleanup(void)
{
	char sdir[128], path[512];
	struct dirent *e;
	DIR *d;

	snprintf(sdir, sizeof sdir, "%s/state", dir);
	if ((d = opendir(sdir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.') {
				snprintf(path, sizeof path, "%s/%s", sdir, e->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(sdir);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t n;
	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || note_vkey_parse(&log1.key, LOG_VKEY) != SJ_OK ||
	    note_skey_generate(&wkey, "fuzz.test/witness", NOTE_TYPE_COSIG_V1) != SJ_OK ||
	    mkdtemp(dir) == NULL ||
	    sodium_base642bin(cp1_root, 32, CP1_ROOT, strlen(CP1_ROOT), NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		abort();
	snprintf(log1.origin, sizeof log1.origin, "suiji.fuzz/log");
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addckpt_reply r;
	struct witcheck_state before;
	char want[32];

	if (size < 1 || size > ADDCKPT_MAX_BODY + 1)
		return 0;
	memset(&log1.st, 0, sizeof log1.st);
	if (data[0] & 1) {
		log1.st.known = 1;
		log1.st.size = 1;
		memcpy(log1.st.root, cp1_root, 32);
	}
	before = log1.st;
	addckpt_handle(&r, &log1, 1, dir, wkey, 1700000000, (const char *)data + 1, size - 1);
	switch (r.status) {
	case 200:
		if (!log1.st.known || (before.known && log1.st.size < before.size))
			abort();
		if (before.known && log1.st.size == before.size &&
		    memcmp(log1.st.root, before.root, 32) != 0)
			abort();
		break;
	case 400:
	case 403:
	case 404:
	case 409:
	case 422:
	case 500:
		if (memcmp(&before, &log1.st, sizeof before) != 0)
			abort();
		break;
	default: abort();
	}
	if (r.status == 409) {
		snprintf(want, sizeof want, "%llu\n",
		         (unsigned long long)(before.known ? before.size : 0));
		if (strcmp(r.body, want) != 0)
			abort();
	}
	return 0;
}
