/*
 * blame.c: who failed an abandoned draw (blame.h).
 */
#include "rules/blame.h"

#include <stdio.h>

#include "rules/chains.h"
#include "rules/pubvalues.h"

enum blame_who blame_draw(const struct draws *d, const struct pubvalues *pv, size_t i, char *why,
                          size_t why_cap)
{
	const struct draw_inputs *in = draws_inputs(d, i);
	const struct draw_spec *sp;
	struct draws_info di;
	size_t off = 0;

	draws_get(d, i, &di);
	if (in == NULL) {
		snprintf(why, why_cap, "the draw's inputs are no longer held");
		return BLAME_BEACON;
	}
	sp = draw_inputs_spec(in);
	why[0] = '\0';
	for (size_t b = 0; b < sp->n_beacons; b++) {
		const char *id = sp->beacons[b].source, *url;
		const struct beacon_chain *chain;
		int manual;
		int64_t margin, due;
		uint64_t seq;
		if (draws_source(d, id, &chain, &manual, &margin, &url) != SJ_OK)
			continue;
		if (manual) {
			if (pv == NULL ||
			    pubvalues_first(pv, id, di.commit_seq, di.commit_time_us + margin,
			                    di.deadline_us, &seq) == NULL) {
				snprintf(
				    why, why_cap,
				    "no signed public values of %s usable by the draw came before "
				    "its deadline",
				    id);
				return BLAME_BEACON;
			}
		} else {
			seq = chains_holds(draws_chains(d), id, sp->beacons[b].round);
			if (seq == UINT64_MAX ||
			    beacon_round_time(&due, chain, sp->beacons[b].round) != SJ_OK ||
			    due * 1000000 > di.deadline_us) {
				snprintf(
				    why, why_cap,
				    "no reveal in the ledger shows that round %llu of %s was out "
				    "before the deadline",
				    (unsigned long long)sp->beacons[b].round, id);
				return BLAME_BEACON;
			}
		}
		if (off < why_cap)
			off +=
			    (size_t)snprintf(why + off, why_cap - off,
			                     "%s%s %s available (entry %llu)", off ? "; " : "", id,
			                     manual ? "values" : "round", (unsigned long long)seq);
	}
	return BLAME_LOG_OPERATOR;
}
