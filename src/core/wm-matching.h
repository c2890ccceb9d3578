/* wm-matching.h: runs the matcher for a stored case.
 *
 * Gathers what the pure matcher needs from the store (the therapist snapshot, the case's
 * history, the organisation's weights), places the client (their coordinates, else their
 * town in the gazetteer), and returns the outcome together with the snapshot its indices
 * point into. Used alike by the GUI's matching panel and `waymark-cli match`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "wm-matcher.h"
#include "wm-store.h"

G_BEGIN_DECLS

WmMatchOutcome *wm_matching_run (WmStore          *store,
                                 WmCase           *kase,
                                 WmMatchSnapshot **snapshot,
                                 GError          **error);

G_END_DECLS
