/* wm-explain.h: match results in words, for the match list, the referral record and the CLI.
 *
 * Built only from the structured result, so what is shown is always what was computed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "wm-matcher.h"

G_BEGIN_DECLS

/* "12 km", "2.5 km", "800 m": rounded to what a town-level location can honestly say. */
char        *wm_match_format_distance  (double                km);

/* The parts of the explanation, most important first ("12 km away", "covers both required
 * specialisms", "3 of 8 places free", ...): the "reasons" of `match --format json`. */
GStrv        wm_match_explain_parts    (const WmMatchResult  *result);

/* The parts on one line: "12 km away · 3 of 8 places free · offers online". */
char        *wm_match_explain          (const WmMatchResult  *result);

/* "No free places", ...: why a therapist was not offered, for people. */
const char  *wm_exclusion_label        (WmExclusion           reason);

/* "7 therapists within 40 km", "Fewer than 3 within 40 km: widened to 80 km — 4 therapists". */
char        *wm_match_outcome_summary  (const WmMatchOutcome *outcome);

G_END_DECLS
