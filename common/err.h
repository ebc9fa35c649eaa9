/*
 * err.h: the one error vocabulary of suiji.
 *
 * Every function that can fail returns int: 0 (SJ_OK) on success, or one of
 * the negative codes below. A function never both returns an error and
 * reports success through an out-parameter; on failure its out-parameters
 * hold nothing the caller may use unless its own header says otherwise.
 */
#ifndef SUIJI_COMMON_ERR_H
#define SUIJI_COMMON_ERR_H

#if defined(__GNUC__) || defined(__clang__)
#define SJ_WUR __attribute__((warn_unused_result))
#else
#define SJ_WUR
#endif

enum sj_err {
	SJ_OK = 0,
	SJ_ENOMEM = -1,   /* an allocation failed */
	SJ_EINVAL = -2,   /* malformed or out-of-range input, named in the message */
	SJ_EIO = -3,      /* a file, socket or SQLite call failed */
	SJ_EVERIFY = -4,  /* a signature, hash, chain or proof did not verify */
	SJ_ECORRUPT = -5, /* the stored ledger does not verify; appends refused */
	SJ_ERANGE = -6,   /* a size, index or count is out of bounds */
	SJ_ENOENT = -7,   /* the thing asked for does not exist */
	SJ_EEXIST = -8,   /* the thing to create exists already */
	SJ_EPERM = -9,    /* the actor may not do this */
	SJ_EFULL = -10,   /* storage is full; nothing was written */
};

/* Returns a short, static English description of err (never NULL). */
const char *sj_strerror(int err);

#endif
