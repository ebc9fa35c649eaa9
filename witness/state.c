/*
 * state.c: the witness's durable per-origin state (state.h).
 */
#include "witness/state.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "ledger/checkpoint.h"

static void state_path(char *out, size_t cap, const char *dir, const char *origin)
{
	uint8_t h[32];
	char hex[33];

	crypto_hash_sha256(h, (const uint8_t *)origin, strlen(origin));
	util_hex(hex, h, 16);
	snprintf(out, cap, "%s/state/%s.cp", dir, hex);
}

int wstate_load(struct wstate_log *log, const char *dir, char *err, size_t err_cap)
{
	char path[4200], why[256];
	struct checkpoint *c = NULL;
	struct note *n = NULL;
	const char *body;
	uint8_t *text = NULL;
	size_t len, blen;
	int rc;

	memset(&log->st, 0, sizeof log->st);
	state_path(path, sizeof path, dir, log->origin);
	rc = util_read_file(&text, &len, path, NOTE_MAX_SIZE);
	if (rc == SJ_ENOENT)
		return SJ_OK;
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot read the state %s: %s", path, sj_strerror(rc));
		return rc == SJ_ENOMEM ? SJ_ENOMEM : SJ_EIO;
	}
	rc = SJ_EINVAL;
	if ((c = malloc(sizeof *c)) == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	if (note_parse(&n, (const char *)text, len, why, sizeof why) != SJ_OK) {
		snprintf(err, err_cap, "the state %s is not a signed note: %s", path, why);
		goto out;
	}
	body = note_body(n, &blen);
	if (checkpoint_parse(c, body, blen, why, sizeof why) != SJ_OK) {
		snprintf(err, err_cap, "the state %s is not a checkpoint: %s", path, why);
		goto out;
	}
	if (strcmp(c->origin, log->origin) != 0 || note_verify(n, &log->key) != SJ_OK) {
		snprintf(err, err_cap, "the state %s is not a checkpoint of %s signed by %s", path,
		         log->origin, log->key.name);
		goto out;
	}
	log->st.known = 1;
	log->st.size = c->size;
	memcpy(log->st.root, c->root, 32);
	rc = SJ_OK;
out:
	note_free(n);
	free(c);
	free(text);
	return rc;
}

/* The rename of a new state is durable only once its directory is. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), rc = SJ_OK;
	if (fd < 0)
		return SJ_EIO;
	if (fsync(fd) != 0)
		rc = SJ_EIO;
	close(fd);
	return rc;
}

int wstate_store(struct wstate_log *log, const char *dir, const char *note, size_t len,
                 const struct checkpoint *c)
{
	char path[4200], sdir[4200];

	snprintf(sdir, sizeof sdir, "%s/state", dir);
	if (mkdir(sdir, 0700) != 0 && errno != EEXIST)
		return SJ_EIO;
	state_path(path, sizeof path, dir, log->origin);
	if (util_write_file(path, note, len, 0600) != SJ_OK || sync_dir(sdir) != SJ_OK)
		return SJ_EIO;
	log->st.known = 1;
	log->st.size = c->size;
	memcpy(log->st.root, c->root, 32);
	return SJ_OK;
}
