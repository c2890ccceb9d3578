/* wm-case-view.h: one case: its header (reference, status with only the valid transitions,
 * Save), a prominent risk banner when safeguarding, self-harm or urgent is set, the editor,
 * the timeline of case events (newest first, "Add note"), the referrals and the matching panel.
 *
 * Opening an existing case reads it with wm_store_get_case(), which writes a "view" audit row.
 *
 * Staff get a "Letters…" button that activates the window's "win.print". When the store's
 * principal is a therapist the view is read-only: a summary of the client instead of the
 * editor, no status menu, Save, matching or letters, and the therapist's own referral with its
 * next steps (WmReferralActions) under the header; the timeline and Add Note stay. A therapist
 * cannot open a new enquiry (@case_id 0): wm_case_view_new() fails with PERMISSION.
 *
 * Properties:
 *   "case-id" (gint64, read-only): the case shown; 0 until a new enquiry is first saved.
 *
 * Signals:
 *   ::close-requested (): the user pressed Back (after the unsaved-changes guard).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_CASE_VIEW (wm_case_view_get_type ())
G_DECLARE_FINAL_TYPE (WmCaseView, wm_case_view, WM, CASE_VIEW, AdwBin)

/* @case_id 0: a new enquiry. NULL (with @error) when the case cannot be read. */
GtkWidget *wm_case_view_new               (WmSession  *session,
                                           gint64      case_id,
                                           GError    **error);
gint64     wm_case_view_get_case_id       (WmCaseView *self);
WmCase    *wm_case_view_dup_case          (WmCaseView *self);
gboolean   wm_case_view_has_unsaved_changes (WmCaseView *self);
/* Ctrl+S. Returns FALSE when invalid (the editor shows why) or the store refused (toast). */
gboolean   wm_case_view_save              (WmCaseView *self);
/* Asks about unsaved changes when there are any ("Discard" / "Save" / "Cancel") and emits
 * ::close-requested when the user agrees to leave. */
void       wm_case_view_request_close     (WmCaseView *self);

G_END_DECLS
