/* wm-main-view.h: what a logged-in user works in: Cases and Therapists in an AdwViewStack
 * (the window's header shows the switcher), and the navigation from the case list to a case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_MAIN_VIEW (wm_main_view_get_type ())
G_DECLARE_FINAL_TYPE (WmMainView, wm_main_view, WM, MAIN_VIEW, AdwBin)

GtkWidget    *wm_main_view_new              (WmSession  *session);
AdwViewStack *wm_main_view_get_stack        (WmMainView *self);
/* Ctrl+N, Ctrl+F, Ctrl+S: act on whatever is showing. */
void          wm_main_view_new_enquiry      (WmMainView *self);
void          wm_main_view_focus_search     (WmMainView *self);
gboolean      wm_main_view_save             (WmMainView *self);
/* Opens a case by id (from the list, or a test). */
void          wm_main_view_open_case        (WmMainView *self,
                                             gint64      case_id);
/* The case on screen (for Ctrl+P: its letters), or 0 when none is, or it is not saved yet. */
gint64        wm_main_view_get_open_case_id (WmMainView *self);
WmCase       *wm_main_view_dup_open_case    (WmMainView *self);
/* Whether an open case has edits not yet saved (asked about before locking or quitting). */
gboolean      wm_main_view_has_unsaved_changes (WmMainView *self);

G_END_DECLS
