/* wm-preferences-window.h: Preferences. General (auto-lock minutes, online map tiles: this
 * computer's GSettings) for everyone; for administrators also the organisation's profile
 * (org.* settings used on letters), letter templates (wm-template-editor) and users
 * (wm-users-page).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_PREFERENCES_WINDOW (wm_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (WmPreferencesWindow, wm_preferences_window, WM, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *wm_preferences_window_new (GtkWindow *parent,
                                      WmSession *session);

G_END_DECLS
