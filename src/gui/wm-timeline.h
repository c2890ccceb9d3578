/* wm-timeline.h: the timeline of a case: its events (notes, calls, status changes, referrals)
 * newest first, each with its time, kind and text, and an "Add Note" entry at the top.
 *
 * Follows WmStore::changed for its case, so events written anywhere (a status change, a
 * referral, a note) appear without a reload.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_TIMELINE (wm_timeline_get_type ())
G_DECLARE_FINAL_TYPE (WmTimeline, wm_timeline, WM, TIMELINE, AdwBin)

GtkWidget *wm_timeline_new         (WmSession  *session);
/* Shows the events of @case_id; 0: no case yet (nothing shown, nothing can be added). */
void       wm_timeline_set_case_id (WmTimeline *self,
                                    gint64      case_id);
gint64     wm_timeline_get_case_id (WmTimeline *self);

G_END_DECLS
