/*
 * config.h: suijid's settings for `suijid run`: embedded defaults, then a
 * config file of `key = value` lines (docs/config.md is the reference).
 *
 * Pure code apart from config_load, which reads one file. The struct is
 * plain data: the server copies it at start-up and never changes it.
 */
#ifndef SUIJI_DAEMON_CONFIG_H
#define SUIJI_DAEMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/note.h"

#define CONFIG_PATH_MAX 4096
/* A Unix socket path must fit struct sockaddr_un's sun_path (108 bytes on
 * Linux, its NUL included). */
#define CONFIG_UNIX_PATH_MAX 107
#define CONFIG_FILE_MAX      (64u * 1024u) /* largest config file read */
#define CONFIG_FILE_NAME     "suijid.conf" /* looked for in the data directory */
#define CONFIG_SOCKET_NAME   "suijid.sock"
/* A checkpoint is signed this long after a batch of mutations (and no
 * more often); docs/config.md. */
#define CONFIG_CHECKPOINT_DELAY_MS     2000
#define CONFIG_CHECKPOINT_DELAY_MAX_MS (60u * 60u * 1000u)

#define CONFIG_MAX_WITNESSES 16
#define CONFIG_URL_MAX       512

/* A witness the daemon pushes its checkpoints to (daemon/witnesspush.h):
 * a `witness = URL VERIFIER_KEY` line, which may be given once per witness. */
struct config_witness {
	char url[CONFIG_URL_MAX]; /* http:// or https://, the witness's base URL */
	struct note_vkey key;     /* its cosignature/v1 verifier key */
};

struct config {
	char listen_tcp[256];                       /* "HOST:PORT", "" when off */
	char listen_unix[CONFIG_UNIX_PATH_MAX + 1]; /* socket path, "" when off */
	char data_dir[CONFIG_PATH_MAX];
	uint32_t max_connections;      /* open connections; one more is closed at once */
	uint32_t max_handshakes;       /* handshakes in progress; more wait their turn */
	uint32_t handshake_timeout_ms; /* from accept to an authenticated client */
	uint32_t idle_timeout_ms;      /* between two complete frames */
	uint32_t max_frame;            /* largest frame body after the handshake */
	uint32_t rate_per_sec;         /* requests per second per client key, 0: no limit */
	uint32_t rate_burst;           /* requests a client key may send at once */
	uint32_t max_write_queue;      /* reply bytes a client may leave unread */
	int log_level;                 /* enum log_level (daemon/log.h) */
	int log_syslog;                /* 1: log to syslog instead of stderr */
	uint32_t checkpoint_delay_ms;  /* after a mutation, before its checkpoint; 0: off */
	/* Set by config_parse for the keys a file gave, so that defaults
	 * derived from others (the socket in the data directory) follow. */
	int listen_unix_set;
	struct config_witness witnesses[CONFIG_MAX_WITNESSES];
	size_t n_witnesses;
	/* R18 at reveal (docs/witness.md): with a quorum, a draw is revealed
	 * only if that many of the witnesses above cosigned its commitment
	 * more than witness_margin_s seconds before its beacon values were
	 * public. 0: no such check. */
	uint32_t witness_quorum;
	uint32_t witness_margin_s;
};

/* The embedded defaults, with data_dir (copied) as the data directory and
 * the Unix socket inside it. */
void config_defaults(struct config *c, const char *data_dir);

/*
 * Applies the lines of text[0..len) (borrowed) over *c. name (a file name,
 * for messages) is borrowed. Every line is blank, a comment starting with
 * '#', or `key = value`; a value ends at the end of the line or at a '#'
 * after white space. Errors: SJ_EINVAL for an unknown key, a key given
 * twice, a missing '=' or a value out of range, with err saying
 * "NAME:LINE: ..."; *c may then hold some of the file's settings.
 */
SJ_WUR int config_parse(struct config *c, const char *text, size_t len, const char *name, char *err,
                        size_t err_cap);

/*
 * Reads the file at path and applies it with config_parse. When the file
 * does not exist: SJ_ENOENT if must_exist, else SJ_OK with *c unchanged.
 * Errors also SJ_EIO, SJ_ERANGE (larger than CONFIG_FILE_MAX), SJ_EINVAL.
 */
SJ_WUR int config_load(struct config *c, const char *path, int must_exist, char *err,
                       size_t err_cap);

/* Fills the settings that derive from others (the Unix socket follows
 * data_dir unless it was set) and checks the whole. Errors: SJ_EINVAL
 * (no listener at all, a derived socket path too long), err saying why. */
SJ_WUR int config_finish(struct config *c, char *err, size_t err_cap);

#endif
