/* wm-cli-password.h: reading passwords for waymark-cli, from the terminal without echo or
 * from a file, into locked memory. Never from the command line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads one password. With @file, line @line (0-based) of that file; otherwise a prompt on
 * the controlling terminal with echo off. The result is in sodium memory: free it with
 * wm_secret_string_free (). */
char *wm_cli_read_password (const char  *prompt,
                            const char  *file,
                            guint        line,
                            GError     **error);

/* Asks twice on a terminal (once from a file) and checks both agree. */
char *wm_cli_read_new_password (const char  *prompt,
                                const char  *file,
                                guint        line,
                                GError     **error);

G_END_DECLS
