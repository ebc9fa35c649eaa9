/*
 * blame.h: who failed a draw that was committed and not revealed by its
 * deadline (an abandoned commitment), from what the ledger proves.
 */
#ifndef SUIJI_RULES_BLAME_H
#define SUIJI_RULES_BLAME_H

#include <stddef.h>

#include "rules/draws.h"

enum blame_who { BLAME_LOG_OPERATOR = 1, BLAME_BEACON = 2 };

/*
 * Draw i of d (committed, not revealed): BLAME_LOG_OPERATOR when the ledger
 * proves every value it names was available by its deadline: for a chained
 * source, a reveal holds its round or a later one (which proves it exists)
 * and the round was due by the deadline; for public values, a signed
 * public-values entry the draw could use was appended by the deadline.
 * Otherwise BLAME_BEACON. why (why_cap bytes) gets the evidence, or what
 * never came. A round the beacon published late, after the deadline, counts
 * as on time when its due time was before it: the ledger cannot tell.
 */
enum blame_who blame_draw(const struct draws *d, const struct pubvalues *pv, size_t i, char *why,
                          size_t why_cap);

#endif
