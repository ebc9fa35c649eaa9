/*
 * print.h: a draw's result as people read it, shared by suiji-verify
 * (draw) and the client (draw-get): each stratum with its counts and
 * published cutoff (so a business can compare its own score, R7), then the
 * drawn objects in visit order with their teams (R8, R11) and experts (R2);
 * a joint check's team (R14) as one part per agency, "hb: F1 F2; scjg: F3
 * F4".
 */
#ifndef SUIJI_DRAW_PRINT_H
#define SUIJI_DRAW_PRINT_H

#include <stdio.h>

#include "draw/result.h"

void draw_print_text(FILE *f, const struct draw_result *res);
/* One drawn object's officers, each preceded by a space: " F1 F2", or for
 * a joint check " hb: F1 F2; scjg: F3 F4". */
void draw_print_team(FILE *f, const struct draw_result *res, const struct draw_pick *p);

#endif
