/* wm-users-page.h: the administrator's user management, a page of Preferences: every user
 * with their role and state; add (role, therapist record for a therapist, initial password
 * checked with libpwquality, "must change at first login"), disable/enable, reset password,
 * remove (re-keys the database; the new recovery key is shown once).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_USERS_PAGE (wm_users_page_get_type ())
G_DECLARE_FINAL_TYPE (WmUsersPage, wm_users_page, WM, USERS_PAGE, AdwPreferencesPage)

GtkWidget *wm_users_page_new (WmSession *session);

G_END_DECLS
