/* wm-password.h: password quality, checked the same way by the GUI and the CLI.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WM_PASSWORD_ERROR (wm_password_error_quark ())
GQuark wm_password_error_quark (void);

typedef enum
{
  WM_PASSWORD_ERROR_WEAK,
} WmPasswordError;

/* libpwquality's verdict with the system's settings, plus a length floor of 10 characters
 * (the data is special-category). The message says why, never repeating the password.
 * @score, if not NULL, gets libpwquality's 0–100 score. */
gboolean wm_password_check (const char  *password,
                            const char  *username,
                            int         *score,
                            GError     **error);

G_END_DECLS
