/*
 * publiccmd.h: the verifier's public checks of draws, for the businesses and
 * the public (一公开, R17) as much as for auditors:
 *   suiji-verify draw LEDGER SEQ [--json] [--out DIR]
 *       verifies the whole ledger, then prints draw SEQ as its replay
 *       re-derived it; --out writes the published inputs for `derive`;
 *   suiji-verify check-entity LEDGER --id ID [--json]
 *       verifies the whole ledger, then tells, for every draw whose pool
 *       held ID, whether it was drawn, its score against its stratum's
 *       cutoff, or why it was excluded;
 *   suiji-verify derive --inputs F --objects F --officers F [--experts F]
 *       --seed HEX --entry-hash HEX --beacon SOURCE:ROUND:HEX... [--json]
 *       recomputes a draw from published inputs alone, without the ledger.
 */
#ifndef SUIJI_VERIFIER_PUBLICCMD_H
#define SUIJI_VERIFIER_PUBLICCMD_H

/* argv[0] is the command. Returns the exit code (0, 1 or 2). */
int publiccmd_main(int argc, char **argv);

#endif
