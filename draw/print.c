/* print.c: a draw's result as text (print.h). */
#include "draw/print.h"

void draw_print_team(FILE *f, const struct draw_result *res, const struct draw_pick *p)
{
	if (res->n_team_agencies == 0 || res->team_size == 0) {
		for (unsigned k = 0; k < p->n_officers; k++)
			fprintf(f, " %s", p->officers[k]);
		return;
	}
	/* A joint check (R14): each agency's part under its name, in the
	 * order the inputs list the agencies. */
	for (size_t g = 0; g < res->n_team_agencies; g++) {
		fprintf(f, "%s %s:", g ? ";" : "", res->team_agencies[g]);
		for (unsigned k = 0; k < res->team_size; k++)
			fprintf(f, " %s", p->officers[g * res->team_size + k]);
	}
}

void draw_print_text(FILE *f, const struct draw_result *res)
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
		draw_print_team(f, res, p);
		if (p->n_experts) {
			fprintf(f, "  experts");
			for (unsigned k = 0; k < p->n_experts; k++)
				fprintf(f, " %s", p->experts[k]);
		}
		fprintf(f, "\n");
	}
}
