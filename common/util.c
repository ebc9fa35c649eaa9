#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t util_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t util_request_counter(void)
{
	static _Atomic uint64_t last;
	/* 12 random low bits keep two processes signing with one key in the
	 * same microsecond apart; 2^12 microseconds-since-1970 fit a u64
	 * until the year 2112. */
	uint64_t now = ((uint64_t)util_now_us() << 12) | randombytes_uniform(1u << 12);
	uint64_t prev = atomic_load(&last), next;
	do
		next = now > prev ? now : prev + 1;
	while (!atomic_compare_exchange_weak(&last, &prev, next));
	return next;
}

int util_read_file(uint8_t **out, size_t *len, const char *path, size_t max)
{
	int fd, rc = SJ_OK;
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? SJ_ENOENT : SJ_EIO;
	if (fstat(fd, &st) != 0) {
		rc = SJ_EIO;
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = SJ_EIO;
		goto close_fd;
	}
	if ((uint64_t)st.st_size > max) {
		rc = SJ_ERANGE;
		goto close_fd;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = SJ_ENOMEM;
		goto close_fd;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = SJ_EIO;
			goto free_buf;
		}
		got += (size_t)n;
	}
	buf[got] = 0;
	*out = buf;
	*len = got;
	goto close_fd;
free_buf:
	free(buf);
close_fd:
	close(fd);
	return rc;
}

int util_write_file(const char *path, const void *buf, size_t len, unsigned mode)
{
	char tmp[4096];
	int fd, rc = SJ_OK;
	size_t off = 0;

	if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return SJ_EINVAL;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return SJ_EIO;
	while (off < len) {
		ssize_t n = write(fd, (const uint8_t *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = errno == ENOSPC ? SJ_EFULL : SJ_EIO;
			goto unlink_tmp;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		rc = SJ_EIO;
		goto unlink_tmp;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = SJ_EIO;
		goto unlink_tmp;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = SJ_EIO;
		goto unlink_tmp;
	}
	return SJ_OK;
unlink_tmp:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

int util_b64_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
	if (cap < sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL))
		return SJ_ERANGE;
	sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_ORIGINAL);
	return SJ_OK;
}

/*
 * Decoding is libsodium's, which stops at the first character outside the
 * alphabet and refuses wrong padding and non-zero padding bits. The
 * re-encoding comparison then makes "canonical" a property this function
 * checks rather than one it inherits from a library version: the decoded
 * bytes are encoded again, 48 at a time to stay on the stack, and must give
 * back exactly the text. Without it one signature or hash could have
 * several spellings, which breaks "store and sign the exact bytes".
 */
int util_b64_decode(uint8_t *out, size_t cap, size_t *out_len, const char *in, size_t in_len)
{
	char chunk[sodium_base64_ENCODED_LEN(48, sodium_base64_VARIANT_ORIGINAL)];
	const char *end = NULL;
	size_t got = 0, done, n, enc;

	*out_len = 0;
	if (in_len == 0)
		return SJ_OK;
	if (in_len % 4 != 0)
		return SJ_EINVAL;
	if (sodium_base642bin(out, cap, in, in_len, NULL, &got, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != in + in_len)
		return SJ_EINVAL;
	if (got / 3 * 4 + (got % 3 ? 4 : 0) != in_len)
		return SJ_EVERIFY;
	for (done = 0; done < got; done += n) {
		n = got - done < 48 ? got - done : 48;
		sodium_bin2base64(chunk, sizeof chunk, out + done, n,
		                  sodium_base64_VARIANT_ORIGINAL);
		enc = strlen(chunk);
		if (enc > in_len - done / 3 * 4 || memcmp(chunk, in + done / 3 * 4, enc) != 0)
			return SJ_EVERIFY;
	}
	*out_len = got;
	return SJ_OK;
}

int util_b64_decode_exact(uint8_t *out, size_t want, const char *in, size_t in_len)
{
	size_t got = 0;

	if (in_len != sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1)
		return SJ_EINVAL;
	if (util_b64_decode(out, want, &got, in, in_len) != SJ_OK || got != want)
		return SJ_EINVAL;
	return SJ_OK;
}

int util_grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t nc;
	void *p;
	if (n < *cap)
		return SJ_OK;
	nc = *cap ? *cap * 2 : 16;
	if (nc <= n)
		nc = n + 1;
	p = realloc(*arr, nc * sz);
	if (p == NULL)
		return SJ_ENOMEM;
	*arr = p;
	*cap = nc;
	return SJ_OK;
}

void util_hex(char *out, const uint8_t *in, size_t len)
{
	sodium_bin2hex(out, 2 * len + 1, in, len);
}
