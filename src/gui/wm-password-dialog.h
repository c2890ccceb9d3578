/* wm-password-dialog.h: a person changes their own password: current, new (libpwquality's
 * message shown as they type), repeat. The key derivation runs off the main thread.
 * @forced: at first login after an administrator set the password; the dialog cannot be
 * dismissed, only completed (or the window locked).
 *
 * Signals: ::changed () once the new password is in place.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_PASSWORD_DIALOG (wm_password_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WmPasswordDialog, wm_password_dialog, WM, PASSWORD_DIALOG, AdwWindow)

GtkWidget *wm_password_dialog_new (GtkWindow *parent,
                                   WmSession *session,
                                   gboolean   forced);

G_END_DECLS
