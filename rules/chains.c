/*
 * chains.c: chained beacon rounds the ledger holds (chains.h).
 */
#include "rules/chains.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "rules/rules.h"

struct chains_round {
	char source[65];
	uint64_t round;
	uint8_t sig[BEACON_SUIJI_SIG];
	uint8_t prev[BEACON_SUIJI_SIG];
	uint64_t seq; /* the reveal that used it */
};

struct chains {
	struct chains_round *r;
	size_t n, cap;
};

int chains_new(struct chains **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SJ_OK : SJ_ENOMEM;
}

void chains_free(struct chains *c)
{
	if (c == NULL)
		return;
	free(c->r);
	free(c);
}

int chains_check(const struct chains *c, const char *source, const struct beacon_round *r,
                 char *err, size_t err_cap)
{
	for (size_t k = 0; k < c->n; k++) {
		const struct chains_round *x = &c->r[k];
		if (strcmp(x->source, source) != 0)
			continue;
		if (x->round == r->round && memcmp(x->sig, r->signature, BEACON_SUIJI_SIG) != 0)
			return rules_fail(err, err_cap,
			                  "R6: beacon %s round %llu is not the round %llu the "
			                  "reveal at entry %llu used: the chain was forked",
			                  source, (unsigned long long)r->round,
			                  (unsigned long long)x->round, (unsigned long long)x->seq);
		if (x->round + 1 == r->round &&
		    memcmp(x->sig, r->previous_signature, BEACON_SUIJI_SIG) != 0)
			return rules_fail(
			    err, err_cap,
			    "R6: beacon %s round %llu: its previous-round link is not "
			    "the signature of round %llu, which the reveal at entry "
			    "%llu holds",
			    source, (unsigned long long)r->round, (unsigned long long)x->round,
			    (unsigned long long)x->seq);
		if (x->round == r->round + 1 &&
		    memcmp(x->prev, r->signature, BEACON_SUIJI_SIG) != 0)
			return rules_fail(
			    err, err_cap,
			    "R6: beacon %s round %llu is not the round that round %llu "
			    "(revealed at entry %llu) links back to",
			    source, (unsigned long long)r->round, (unsigned long long)x->round,
			    (unsigned long long)x->seq);
	}
	return SJ_OK;
}

int chains_add(struct chains *c, const char *source, const struct beacon_round *r, uint64_t seq)
{
	struct chains_round x;
	int rc;
	memset(&x, 0, sizeof x);
	snprintf(x.source, sizeof x.source, "%s", source);
	x.round = r->round;
	x.seq = seq;
	memcpy(x.sig, r->signature, BEACON_SUIJI_SIG);
	memcpy(x.prev, r->previous_signature, BEACON_SUIJI_SIG);
	if ((rc = util_grow((void **)&c->r, &c->cap, c->n, sizeof *c->r)) != SJ_OK)
		return rc;
	c->r[c->n++] = x;
	return SJ_OK;
}

uint64_t chains_holds(const struct chains *c, const char *source, uint64_t round)
{
	for (size_t k = 0; k < c->n; k++)
		if (c->r[k].round >= round && strcmp(c->r[k].source, source) == 0)
			return c->r[k].seq;
	return UINT64_MAX;
}

size_t chains_count(const struct chains *c)
{
	return c->n;
}

void chains_truncate(struct chains *c, size_t n)
{
	if (n < c->n)
		c->n = n;
}

void chains_rollback(struct chains *c, uint64_t seq)
{
	while (c->n && c->r[c->n - 1].seq >= seq)
		c->n--;
}
