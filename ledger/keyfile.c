#include "ledger/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYFILE_MAX 1024

static int keyfile_create(const char *path, const char *name, uint8_t type, char *err,
			  size_t err_cap)
{
	struct note_skey *k = NULL;
	char *text = NULL;
	size_t len = 0, off = 0;
	int fd = -1, rc;

	rc = note_skey_generate(&k, name, type);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot generate key \"%s\": %s", name, sj_strerror(rc));
		return rc;
	}
	rc = note_skey_format(&text, &len, k);
	if (rc != SJ_OK)
		goto free_key;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, err_cap, "cannot create key file %s: %s", path, strerror(errno));
		rc = SJ_EIO;
		goto free_text;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, err_cap, "cannot write key file %s: %s", path,
				 strerror(errno));
			rc = SJ_EIO;
			goto close_fd;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		snprintf(err, err_cap, "cannot sync key file %s: %s", path, strerror(errno));
		rc = SJ_EIO;
	}
close_fd:
	close(fd);
	if (rc != SJ_OK)
		unlink(path);
free_text:
	note_skey_string_free(text);
free_key:
	note_skey_free(k);
	return rc;
}

int keyfile_load(struct note_skey **out, const char *path, const char *name, uint8_t type,
		 int create, int *created, char *err, size_t err_cap)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd, rc = SJ_OK;

	if (created)
		*created = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		rc = keyfile_create(path, name, type, err, err_cap);
		if (rc != SJ_OK)
			return rc;
		if (created)
			*created = 1;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(err, err_cap, "cannot open key file %s: %s", path, strerror(errno));
		return errno == ENOENT ? SJ_ENOENT : SJ_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_cap, "key file %s is not a regular file", path);
		rc = SJ_EIO;
		goto close_fd;
	}
	if (st.st_mode & 077) {
		snprintf(err, err_cap, "key file %s may be read by others (mode %03o); chmod 600 it",
			 path, (unsigned)(st.st_mode & 0777));
		rc = SJ_EPERM;
		goto close_fd;
	}
	buf = sodium_malloc(KEYFILE_MAX);
	if (buf == NULL) {
		rc = SJ_ENOMEM;
		goto close_fd;
	}
	while (got < KEYFILE_MAX) {
		n = read(fd, buf + got, KEYFILE_MAX - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, err_cap, "cannot read key file %s: %s", path,
				 strerror(errno));
			rc = SJ_EIO;
			goto free_buf;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == KEYFILE_MAX) {
		snprintf(err, err_cap, "key file %s is too large to be a key", path);
		rc = SJ_EINVAL;
		goto free_buf;
	}
	rc = note_skey_parse(out, buf, got);
	if (rc != SJ_OK)
		snprintf(err, err_cap, "key file %s does not hold a valid private key", path);
free_buf:
	sodium_memzero(buf, KEYFILE_MAX);
	sodium_free(buf);
close_fd:
	close(fd);
	return rc;
}
