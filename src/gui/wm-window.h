/* wm-window.h: Waymark's main window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-application.h"
#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_WINDOW (wm_window_get_type ())
G_DECLARE_FINAL_TYPE (WmWindow, wm_window, WM, WINDOW, AdwApplicationWindow)

WmWindow  *wm_window_new           (WmApplication *application);
/* A toast in this window. Never personal data: toasts can be read over a shoulder. */
void       wm_window_add_toast     (WmWindow      *self,
                                    const char    *text);
/* The logged-in session, or NULL while locked. */
WmSession *wm_window_get_session   (WmWindow      *self);
GtkWidget *wm_window_get_main_view (WmWindow      *self);
/* Locks after @seconds without input instead of the auto-lock-minutes setting (tests, and a
 * stricter local policy); 0 goes back to the setting. */
void       wm_window_set_auto_lock_seconds (WmWindow  *self,
                                            guint      seconds);

G_END_DECLS
