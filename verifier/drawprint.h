/*
 * drawprint.h: a draw's result as people read it, shared by suiji-verify
 * (draw) and the client (draw-get): each stratum with its counts and
 * published cutoff (so a business can compare its own score, R7), then the
 * drawn objects in visit order with their teams (R8, R11) and experts (R2).
 */
#ifndef SUIJI_VERIFIER_DRAWPRINT_H
#define SUIJI_VERIFIER_DRAWPRINT_H

#include <stdio.h>

#include "draw/result.h"

void drawprint_text(FILE *f, const struct draw_result *res);

#endif
