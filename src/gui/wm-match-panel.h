/* wm-match-panel.h: the matching panel of a case: the ranked therapists with their
 * explanation, mode, distance and score; excluded therapists behind a toggle with their
 * reasons; a widened radius announced; "Refer" on each result; the case's referrals with
 * "Declined" and "No contact" (each asking for the reason).
 *
 * Properties:
 *   "session" (WmSession, read-write): whose store to match from; the panel follows its
 *   ::changed signal and re-runs when the case, its referrals or the register change.
 *
 * Signals:
 *   ::referred (gint64 referral_id): a referral was created (the case is now "referred").
 *   ::referral-failed (gint64 referral_id): marked declined or no contact (back to matching).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_MATCH_PANEL (wm_match_panel_get_type ())
G_DECLARE_FINAL_TYPE (WmMatchPanel, wm_match_panel, WM, MATCH_PANEL, AdwBin)

GtkWidget *wm_match_panel_new      (WmSession    *session);
/* Runs the match for @kase (a stored case) and shows it; call again after changes. */
void       wm_match_panel_set_case (WmMatchPanel *self,
                                    WmCase       *kase);

G_END_DECLS
