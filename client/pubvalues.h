/*
 * pubvalues.h: `suiji pubvalues sign`, run by a public-values signer (a
 * notary office, the justice bureau) on its own machine with its own key:
 * it signs RFC 3797 values drawn in public as a public-values entry
 * (entry type 48, docs/beacon.md section 6) for the log named by origin,
 * and writes the signed entry for the log operator to append with
 * `suijid pubvalues add`. The log operator never holds the key.
 */
#ifndef SUIJI_CLIENT_PUBVALUES_H
#define SUIJI_CLIENT_PUBVALUES_H

/* Takes main's argv; returns an exit status (0, 2 usage or I/O). */
int pubvalues_sign_main(int argc, char **argv);

#endif
