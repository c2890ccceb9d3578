/* wm-login-page.h: log in to a database: username and password; the key derivation runs in
 * a worker thread with a spinner; a wrong password shows an inline error and nothing else.
 *
 * Signals:
 *   ::unlocked (WmSession *session)
 *   ::back (): the user wants to choose another database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_LOGIN_PAGE (wm_login_page_get_type ())
G_DECLARE_FINAL_TYPE (WmLoginPage, wm_login_page, WM, LOGIN_PAGE, AdwBin)

GtkWidget  *wm_login_page_new      (void);
/* The database to log in to; the last username for it comes from GSettings. Clears the
 * password field and any error. */
void        wm_login_page_set_path (WmLoginPage *self,
                                    const char  *path);
const char *wm_login_page_get_path (WmLoginPage *self);

G_END_DECLS
