/* wm-login-throttle.h: slows down password guessing at the login screen.
 *
 * Counts wrong passwords in a row per username in a small file next to the database,
 * <db>.logins (outside the encrypted file, since it must be read before anything is
 * unlocked; it holds only a keyed hash of each username, counts and times). After
 * WM_LOGIN_THROTTLE_FREE_ATTEMPTS failures in a row, each further attempt must wait a delay
 * that doubles with every failure, capped. A successful login resets the count and reports
 * how many failures preceded it, for the audit log. Writes are atomic (write and rename).
 *
 * This is a speed bump for someone at the keyboard; the real defence against a copied file
 * is Argon2id in the keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WM_LOGIN_THROTTLE_FREE_ATTEMPTS 5
#define WM_LOGIN_THROTTLE_FIRST_DELAY   30   /* seconds, after the 5th failure in a row */
#define WM_LOGIN_THROTTLE_MAX_DELAY     900  /* seconds */

typedef struct _WmLoginThrottle WmLoginThrottle;

/* A missing file is an empty throttle; an unreadable one is an error. */
WmLoginThrottle *wm_login_throttle_load           (const char       *db_path,
                                                   GError          **error);
void             wm_login_throttle_free           (WmLoginThrottle  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmLoginThrottle, wm_login_throttle_free)

/* The delay owed after @failures wrong passwords in a row: 0 below the free attempts. */
gint64           wm_login_throttle_delay_for      (guint             failures);
/* Seconds @username must still wait at @now (Unix seconds) before another attempt; 0: go. */
gint64           wm_login_throttle_wait_seconds   (WmLoginThrottle  *self,
                                                   const char       *username,
                                                   gint64            now);
/* Records a wrong password at @now and saves; returns the failures in a row so far. */
guint            wm_login_throttle_record_failure (WmLoginThrottle  *self,
                                                   const char       *username,
                                                   gint64            now,
                                                   GError          **error);
/* Records a successful login and saves; returns how many failures came before it. */
guint            wm_login_throttle_record_success (WmLoginThrottle  *self,
                                                   const char       *username,
                                                   GError          **error);

G_END_DECLS
