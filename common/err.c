#include "common/err.h"

const char *sj_strerror(int err)
{
	switch (err) {
	case SJ_OK: return "success";
	case SJ_ENOMEM: return "out of memory";
	case SJ_EINVAL: return "invalid input";
	case SJ_EIO: return "input/output error";
	case SJ_EVERIFY: return "verification failed";
	case SJ_ECORRUPT: return "ledger is corrupt";
	case SJ_ERANGE: return "out of range";
	case SJ_ENOENT: return "not found";
	case SJ_EEXIST: return "already exists";
	case SJ_EPERM: return "not permitted";
	case SJ_EFULL: return "storage full";
	}
	return "unknown error";
}
