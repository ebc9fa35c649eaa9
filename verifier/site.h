/*
 * site.h: the public portal (一公开, R17) as a static site written by the
 * verifier from a ledger it verified (docs/portal.md): the public records,
 * per draw what a browser needs to check it itself, the charts' data and
 * the downloads, beside a copy of the portal's own files.
 *
 * Use: site_new; put site_on_draw and site_on_entry into verify_opts with
 * the site as context; site_attach once the verifier exists; verify; and
 * only if the ledger holds, site_write.
 */
#ifndef SUIJI_VERIFIER_SITE_H
#define SUIJI_VERIFIER_SITE_H

#include "rules/draws.h"
#include "ledger/entry.h"
#include "verifier/verify.h"

struct site;

SJ_WUR int site_new(struct site **out);
void site_free(struct site *s);
void site_attach(struct site *s, const struct verifier *v);

/* The replay's observers (verify_opts.on_draw, .on_entry). */
void site_on_draw(void *ctx, const struct draws_observed *o);
void site_on_entry(void *ctx, const struct entry *e, const uint8_t *bytes, size_t len);

/*
 * Writes the site into out (created if missing), copying the portal's
 * files from assets. Returns 0, 1 (no checkpoint to prove against, or a
 * file refused by the privacy scan, named on stderr) or 2 (I/O).
 */
int site_write(struct site *s, const struct verifier *v, const char *out, const char *assets);

#endif
