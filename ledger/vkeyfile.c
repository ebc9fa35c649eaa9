/* vkeyfile.c: a verifier key from the command line (vkeyfile.h). */
#include "ledger/vkeyfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/util.h"

int vkeyfile_load(struct note_vkey *out, const char *arg, char *err, size_t err_cap)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if (access(arg, F_OK) == 0) {
		rc = util_read_file(&buf, &len, arg, 4096);
		if (rc != SJ_OK) {
			snprintf(err, err_cap, "cannot read key file %s: %s", arg, sj_strerror(rc));
			return SJ_EIO;
		}
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = 0;
		rc = note_vkey_parse(out, (const char *)buf);
		free(buf);
	} else {
		rc = note_vkey_parse(out, arg);
	}
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "\"%s\" is not a verifier key (name+keyid+base64)", arg);
		return SJ_EINVAL;
	}
	return SJ_OK;
}
