/* wm-session.h: an unlocked database: the keyring, the store and the person using them.
 *
 * Creating a database, logging in, and managing who may open the file all need both the
 * keyring (the sidecar) and the store (the users table); this module keeps the two in step.
 * The data key stays in locked memory while the session lives and is wiped when it ends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "wm-keyring.h"
#include "wm-store.h"

G_BEGIN_DECLS

#define WM_SESSION_ERROR (wm_session_error_quark ())
GQuark wm_session_error_quark (void);

typedef enum
{
  WM_SESSION_ERROR_FAILED,
  WM_SESSION_ERROR_LOGIN,      /* wrong username or password, or the account is disabled */
  WM_SESSION_ERROR_EXISTS,     /* creating over an existing database */
  WM_SESSION_ERROR_PERMISSION, /* the role may not do this */
  WM_SESSION_ERROR_THROTTLED,  /* too many wrong passwords in a row: wait and try again */
} WmSessionError;

#define WM_TYPE_SESSION (wm_session_get_type ())
G_DECLARE_FINAL_TYPE (WmSession, wm_session, WM, SESSION, GObject)

/* Creates a new database with its first administrator. *recovery_key gets the data key in
 * recovery form (free with wm_secret_string_free): show it once, then forget it. */
WmSession  *wm_session_create           (const char     *db_path,
                                         const char     *organisation,
                                         const char     *username,
                                         const char     *display_name,
                                         const char     *password,
                                         WmKdfStrength   strength,
                                         char          **recovery_key,
                                         GError        **error);
/* Logs in. The key derivation is slow on purpose: call it from a worker thread in a GUI. */
WmSession  *wm_session_unlock           (const char     *db_path,
                                         const char     *username,
                                         const char     *password,
                                         GError        **error);
/* Opens with the recovery key, as the system (no user): for an administrator locked out. */
WmSession  *wm_session_unlock_recovery  (const char     *db_path,
                                         const char     *recovery_key,
                                         GError        **error);

WmStore    *wm_session_get_store        (WmSession      *self);
WmUser     *wm_session_get_user         (WmSession      *self);
gboolean    wm_session_is_admin         (WmSession      *self);
WmRole      wm_session_get_role         (WmSession      *self);
/* Whether the user must choose a new password before working (set by an administrator when
 * adding the user or resetting their password; cleared by wm_session_change_password). */
gboolean    wm_session_must_change_password (WmSession  *self);
/* Whether @username still has a slot in the keyring (removed users keep their row, disabled,
 * so the audit log can name them, but can no longer open the file). */
gboolean    wm_session_user_has_key     (WmSession      *self,
                                         const char     *username);
/* Disables or re-enables an account without re-keying (ADMIN). A disabled user cannot log
 * in; removing them (wm_session_remove_user) also takes their key away. */
gboolean    wm_session_set_user_disabled (WmSession     *self,
                                          const char    *username,
                                          gboolean       disabled,
                                          GError       **error);
/* Closes the store and wipes the key; the session is unusable afterwards. */
void        wm_session_lock             (WmSession      *self);

/* Adds a user (ADMIN). @must_change: they choose their own password at first login. A
 * therapist user needs @therapist_id, their therapist record; others pass -1. */
gboolean    wm_session_add_user         (WmSession      *self,
                                         const char     *username,
                                         const char     *display_name,
                                         const char     *role,
                                         gint64          therapist_id,
                                         const char     *password,
                                         gboolean        must_change,
                                         WmKdfStrength   strength,
                                         GError        **error);
/* Removes a user and re-keys the database: the old key and their password open nothing.
 * *new_recovery_key (optional) gets the new recovery key. */
gboolean    wm_session_remove_user      (WmSession      *self,
                                         const char     *username,
                                         char          **new_recovery_key,
                                         GError        **error);
gboolean    wm_session_change_password  (WmSession      *self,
                                         const char     *old_password,
                                         const char     *new_password,
                                         WmKdfStrength   strength,
                                         GError        **error);
/* An administrator sets a new password for someone who forgot theirs; @must_change makes them
 * choose their own at their next login. */
gboolean    wm_session_reset_password   (WmSession      *self,
                                         const char     *username,
                                         const char     *new_password,
                                         gboolean        must_change,
                                         WmKdfStrength   strength,
                                         GError        **error);

G_END_DECLS
