/* wm-welcome-page.h: the first page: create a new organisation database, or open one.
 *
 * Signals:
 *   ::open-requested (const char *path): open an existing database (the window then asks
 *     for a login).
 *   ::created (WmSession *session): a new database was created, its recovery key shown and
 *     acknowledged; the session is logged in as the first administrator.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_WELCOME_PAGE (wm_welcome_page_get_type ())
G_DECLARE_FINAL_TYPE (WmWelcomePage, wm_welcome_page, WM, WELCOME_PAGE, AdwBin)

GtkWidget  *wm_welcome_page_new                (void);
/* The file a new database is created as, as if picked with "Choose…" (the tests use this,
 * as they cannot drive a file chooser). */
void        wm_welcome_page_set_database_path  (WmWelcomePage *self,
                                                const char    *path);
const char *wm_welcome_page_get_database_path  (WmWelcomePage *self);

G_END_DECLS
