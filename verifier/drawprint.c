/* drawprint.c: a draw's result as text (drawprint.h). */
#include "verifier/drawprint.h"

void drawprint_text(FILE *f, const struct draw_result *res)
{
	for (size_t i = 0; i < res->n_strata; i++) {
		const struct draw_stratum_result *st = &res->strata[i];
		fprintf(f, "stratum %s: %u eligible, %u drawn", st->name, st->n, st->k);
		if (st->k)
			fprintf(f, ", cutoff %016llx (%s)", (unsigned long long)st->cutoff_score,
				st->cutoff_id);
		fprintf(f, "\n");
	}
	for (size_t i = 0; i < res->n_picks; i++) {
		const struct draw_pick *p = &res->picks[i];
		fprintf(f, "%4zu. %s  stratum %s  slot %u  officers", i + 1, p->id,
			res->strata[p->stratum].name, p->slot);
		for (unsigned k = 0; k < p->n_officers; k++)
			fprintf(f, " %s", p->officers[k]);
		if (p->n_experts) {
			fprintf(f, "  experts");
			for (unsigned k = 0; k < p->n_experts; k++)
				fprintf(f, " %s", p->experts[k]);
		}
		fprintf(f, "\n");
	}
}
