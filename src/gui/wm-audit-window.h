/* wm-audit-window.h: the administrator's audit log viewer: who did what to which record and
 * when, newest first, filtered by user, action, kind of record, dates and text; "Verify
 * Chain" checks the hash chain and says where it breaks; "Export CSV…" writes the filtered
 * rows for the data-protection officer (the export is itself audited).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_TYPE_AUDIT_WINDOW (wm_audit_window_get_type ())
G_DECLARE_FINAL_TYPE (WmAuditWindow, wm_audit_window, WM, AUDIT_WINDOW, AdwWindow)

GtkWidget *wm_audit_window_new (GtkWindow *parent,
                                WmStore   *store);

G_END_DECLS
