/* wm-password-rows.h: the checks every "new password, repeat it" form makes as people type
 * (libpwquality's verdict, the repeat matching), and how a problem is shown on the row it is
 * about. Used by the password dialog (own password) and the users page (add, reset).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A core message as read next to the field it names: "password: must be at least 10
 * characters long" → "Must be at least 10 characters long". */
char     *wm_password_rows_dup_problem   (const char *message);

/* Marks @row as holding @problem (the "error" style class, and the problem as its accessible
 * description), or, with NULL, as fine. */
void      wm_password_rows_show_problem  (GtkWidget  *row,
                                          const char *problem);

/* Checks the new password in @password_row and its repeat in @repeat_row: libpwquality's
 * verdict (knowing @username, may be NULL), then, with @current non-NULL, that it differs
 * from the current password, then that the repeat matches. Nothing typed yet is not a
 * mistake. Shows the first problem on its row and in @message (hidden when there is none)
 * and returns TRUE when the new password is typed, acceptable and repeated. */
gboolean  wm_password_rows_validate      (GtkWidget  *password_row,
                                          GtkWidget  *repeat_row,
                                          const char *username,
                                          const char *current,
                                          GtkLabel   *message);

G_END_DECLS
