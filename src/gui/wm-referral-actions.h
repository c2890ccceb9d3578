/* wm-referral-actions.h: on a case, the logged-in therapist's own referral and what they can
 * do with it: Accept, Record First Contact, Decline (reason required), No Contact (reason
 * required), End. Offers only the transitions the referral state machine allows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_TYPE_REFERRAL_ACTIONS (wm_referral_actions_get_type ())
G_DECLARE_FINAL_TYPE (WmReferralActions, wm_referral_actions, WM, REFERRAL_ACTIONS, AdwBin)

/* Shows the referrals of @case_id to @therapist_id (the principal's own). */
GtkWidget *wm_referral_actions_new (WmStore *store,
                                    gint64   case_id,
                                    gint64   therapist_id);

G_END_DECLS
