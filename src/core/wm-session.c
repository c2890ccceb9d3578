/* wm-session.c: creating, unlocking and administering a Waymark database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "wm-login-throttle.h"
#include "wm-session.h"

struct _WmSession
{
  GObject parent_instance;

  char *db_path;
  WmKeyring *keyring;
  guint8 *data_key; /* sodium memory */
  WmStore *store;
  WmUser *user;     /* NULL when opened with the recovery key */
};

G_DEFINE_FINAL_TYPE (WmSession, wm_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (wm-session-error-quark, wm_session_error)

static void
wm_session_finalize (GObject *object)
{
  wm_session_lock (WM_SESSION (object));
  g_clear_pointer (&WM_SESSION (object)->db_path, g_free);
  G_OBJECT_CLASS (wm_session_parent_class)->finalize (object);
}

static void
wm_session_class_init (WmSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wm_session_finalize;
}

static void
wm_session_init (WmSession *self)
{
}

void
wm_session_lock (WmSession *self)
{
  g_return_if_fail (WM_IS_SESSION (self));

  if (self->store != NULL)
    wm_store_close (self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->user);
  g_clear_pointer (&self->keyring, wm_keyring_free);
  g_clear_pointer (&self->data_key, wm_data_key_free);
}

WmRole
wm_session_get_role (WmSession *self)
{
  g_return_val_if_fail (WM_IS_SESSION (self), WM_ROLE_THERAPIST);

  if (self->user == NULL)
    return self->store != NULL ? WM_ROLE_SYSTEM : WM_ROLE_THERAPIST;
  return wm_role_from_string (self->user->role);
}

gboolean
wm_session_must_change_password (WmSession *self)
{
  g_return_val_if_fail (WM_IS_SESSION (self), FALSE);
  return self->user != NULL && self->user->must_change_password;
}

gboolean
wm_session_user_has_key (WmSession  *self,
                         const char *username)
{
  g_return_val_if_fail (WM_IS_SESSION (self), FALSE);
  return self->keyring != NULL && wm_keyring_has_user (self->keyring, username);
}

WmStore *
wm_session_get_store (WmSession *self)
{
  g_return_val_if_fail (WM_IS_SESSION (self), NULL);
  return self->store;
}

WmUser *
wm_session_get_user (WmSession *self)
{
  g_return_val_if_fail (WM_IS_SESSION (self), NULL);
  return self->user;
}

gboolean
wm_session_is_admin (WmSession *self)
{
  g_return_val_if_fail (WM_IS_SESSION (self), FALSE);

  /* The recovery key is the organisation's master key: whoever holds it administers. */
  return self->user == NULL || g_strcmp0 (self->user->role, "admin") == 0;
}

static gboolean
require_admin (WmSession  *self,
               GError    **error)
{
  if (self->store == NULL)
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED, _("The database is locked"));
      return FALSE;
    }
  if (!wm_session_is_admin (self))
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_PERMISSION,
                   _("Only an administrator can manage users"));
      return FALSE;
    }
  return TRUE;
}

WmSession *
wm_session_create (const char     *db_path,
                   const char     *organisation,
                   const char     *username,
                   const char     *display_name,
                   const char     *password,
                   WmKdfStrength   strength,
                   char          **recovery_key,
                   GError        **error)
{
  g_autoptr(WmSession) self = NULL;
  g_autoptr(WmUser) user = NULL;
  g_autofree char *keys_path = wm_keyring_path_for (db_path);

  g_return_val_if_fail (db_path != NULL, NULL);

  if (g_file_test (db_path, G_FILE_TEST_EXISTS) || g_file_test (keys_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_EXISTS,
                   _("db: “%s” already exists; choose a new file name"), db_path);
      return NULL;
    }
  if (!wm_keyring_validate_username (username, error))
    return NULL;
  if (organisation == NULL || *organisation == '\0')
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("organisation: is required"));
      return NULL;
    }

  self = g_object_new (WM_TYPE_SESSION, NULL);
  self->db_path = g_strdup (db_path);
  self->data_key = wm_data_key_new_random ();

  /* The database first, the sidecar last: until the sidecar exists nobody could open the
   * file, so a failure in between leaves nothing usable behind, and we remove it. */
  self->store = wm_store_open (db_path, self->data_key, WM_STORE_OPEN_CREATE, error);
  if (self->store == NULL)
    goto fail;

  user = g_object_new (WM_TYPE_USER, "username", username, "display-name", display_name,
                       "role", "admin", NULL);
  if (!wm_store_begin (self->store, error))
    goto fail;
  if (!wm_store_set_setting (self->store, "org.name", organisation, error)
      || !wm_store_save_user (self->store, user, error))
    {
      wm_store_rollback (self->store);
      goto fail;
    }
  if (!wm_store_set_principal (self->store, wm_record_get_id (WM_RECORD (user)), WM_ROLE_ADMIN,
                               -1, error)
      || !wm_store_audit (self->store, "create", "database", -1, "database created", error)
      || !wm_store_commit (self->store, error))
    goto fail;

  self->keyring = wm_keyring_create (db_path, username, password, strength, self->data_key,
                                     error);
  if (self->keyring == NULL)
    goto fail;

  self->user = g_steal_pointer (&user);
  if (recovery_key != NULL)
    *recovery_key = wm_data_key_format_recovery (self->data_key);
  return g_steal_pointer (&self);

fail:
  if (self->store != NULL)
    wm_store_close (self->store);
  g_unlink (db_path);
  return NULL;
}

/* Tries @key on the database; on a wrong key returns NULL without an error set. */
static WmStore *
try_open (const char    *db_path,
          const guint8  *key,
          GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  WmStore *store = wm_store_open (db_path, key, WM_STORE_OPEN_NONE, &local_error);

  if (store == NULL && !g_error_matches (local_error, WM_STORE_ERROR, WM_STORE_ERROR_WRONG_KEY))
    g_propagate_error (error, g_steal_pointer (&local_error));
  return store;
}

static gboolean
attach_user (WmSession   *self,
             const char  *username,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  self->user = wm_store_find_user (self->store, username, &local_error);
  if (self->user == NULL || self->user->disabled)
    {
      /* The same answer as a wrong password: a login screen does not confirm accounts. */
      if (self->user != NULL)
        wm_store_audit (self->store, "login-refused", "user",
                        wm_record_get_id (WM_RECORD (self->user)), "account disabled", NULL);
      g_clear_object (&self->user);
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_LOGIN,
                   _("Wrong username or password"));
      return FALSE;
    }
  /* From here on the store answers only what this person's role may see. */
  if (!wm_store_set_principal (self->store, wm_record_get_id (WM_RECORD (self->user)),
                               wm_role_from_string (self->user->role), self->user->therapist_id,
                               error))
    {
      g_clear_object (&self->user);
      return FALSE;
    }
  return wm_store_audit (self->store, "login", "user", wm_record_get_id (WM_RECORD (self->user)),
                         "logged in", error);
}

static WmSession *
unlock (const char  *db_path,
        const char  *username,
        const char  *password,
        GError     **error)
{
  g_autoptr(WmSession) self = g_object_new (WM_TYPE_SESSION, NULL);
  g_autoptr(GError) local_error = NULL;

  self->db_path = g_strdup (db_path);
  if (!g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("db: “%s” does not exist"), db_path);
      return NULL;
    }
  self->keyring = wm_keyring_load (db_path, error);
  if (self->keyring == NULL)
    return NULL;

  /* A re-key that was interrupted after the database changed key: the pending sidecar holds
   * the new key. Whichever key opens the file tells which sidecar is true. */
  if (wm_keyring_has_pending (self->keyring))
    {
      g_auto(WmSecretBytes) pending_key =
        wm_keyring_unlock_pending (self->keyring, username, password, NULL);

      if (pending_key != NULL)
        {
          self->store = try_open (db_path, pending_key, error);
          if (self->store == NULL && error != NULL && *error != NULL)
            return NULL;
          if (self->store != NULL)
            {
              if (!wm_keyring_commit_pending (self->keyring, error))
                return NULL;
              self->data_key = g_steal_pointer (&pending_key);
            }
        }
    }

  if (self->store == NULL)
    {
      self->data_key = wm_keyring_unlock (self->keyring, username, password, &local_error);
      if (self->data_key == NULL)
        {
          if (g_error_matches (local_error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_WRONG_PASSWORD))
            g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_LOGIN,
                         _("Wrong username or password"));
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      self->store = try_open (db_path, self->data_key, error);
      if (self->store == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                         _("The keyring does not match this database; open it with the "
                           "recovery key"));
          return NULL;
        }
      if (wm_keyring_has_pending (self->keyring)
          && !wm_keyring_discard_pending (self->keyring, error))
        return NULL;
    }

  if (!attach_user (self, username, error))
    return NULL;
  return g_steal_pointer (&self);
}

WmSession *
wm_session_unlock (const char  *db_path,
                   const char  *username,
                   const char  *password,
                   GError     **error)
{
  g_autoptr(WmLoginThrottle) throttle = NULL;
  g_autoptr(WmSession) self = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 wait;
  guint failures;

  throttle = wm_login_throttle_load (db_path, error);
  if (throttle == NULL)
    return NULL;
  wait = wm_login_throttle_wait_seconds (throttle, username, now);
  if (wait > 0)
    {
      /* Checked before the key derivation: a guesser gets no answer at all while waiting. */
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_THROTTLED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "Too many wrong passwords. Try again in %d second.",
                                "Too many wrong passwords. Try again in %d seconds.",
                                (gulong) wait),
                   (int) wait);
      return NULL;
    }

  self = unlock (db_path, username, password, &local_error);
  if (self == NULL)
    {
      if (g_error_matches (local_error, WM_SESSION_ERROR, WM_SESSION_ERROR_LOGIN))
        wm_login_throttle_record_failure (throttle, username, now, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  failures = wm_login_throttle_record_success (throttle, username, NULL);
  if (failures > 0)
    {
      g_autofree char *summary = g_strdup_printf ("%u wrong passwords before this login",
                                                  failures);

      if (!wm_store_audit (self->store, "login-failures", "user",
                           wm_record_get_id (WM_RECORD (self->user)), summary, error))
        return NULL;
    }
  return g_steal_pointer (&self);
}

WmSession *
wm_session_unlock_recovery (const char  *db_path,
                            const char  *recovery_key,
                            GError     **error)
{
  g_autoptr(WmSession) self = g_object_new (WM_TYPE_SESSION, NULL);

  self->db_path = g_strdup (db_path);
  self->data_key = wm_data_key_parse_recovery (recovery_key, error);
  if (self->data_key == NULL)
    return NULL;
  self->store = wm_store_open (db_path, self->data_key, WM_STORE_OPEN_NONE, error);
  if (self->store == NULL)
    return NULL;
  if (wm_keyring_exists (db_path))
    {
      self->keyring = wm_keyring_load (db_path, error);
      if (self->keyring == NULL)
        return NULL;
    }
  if (!wm_store_audit (self->store, "login", "database", -1, "opened with the recovery key",
                       error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
wm_session_add_user (WmSession      *self,
                     const char     *username,
                     const char     *display_name,
                     const char     *role,
                     gint64          therapist_id,
                     const char     *password,
                     gboolean        must_change,
                     WmKdfStrength   strength,
                     GError        **error)
{
  g_autoptr(WmUser) user = NULL;

  g_return_val_if_fail (WM_IS_SESSION (self), FALSE);

  if (!require_admin (self, error) || !wm_keyring_validate_username (username, error))
    return FALSE;
  if (self->keyring == NULL)
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("This database has no keyring; it was opened with the recovery key alone"));
      return FALSE;
    }

  user = g_object_new (WM_TYPE_USER, "username", username, "display-name", display_name,
                       "role", role, "therapist-id", therapist_id,
                       "must-change-password", must_change, NULL);

  /* The row is written in a transaction that commits only once the keyring holds the slot,
   * so a failure in either leaves neither. */
  if (!wm_store_begin (wm_session_get_store (self), error))
    return FALSE;
  if (!wm_store_save_user (self->store, user, error)
      || !wm_keyring_add_user (self->keyring, self->data_key, username, password, strength,
                               error))
    {
      wm_store_rollback (self->store);
      return FALSE;
    }
  return wm_store_commit (self->store, error);
}

static gboolean
rekey_store_cb (const guint8  *old_key,
                const guint8  *new_key,
                gpointer       user_data,
                GError       **error)
{
  return wm_store_rekey (WM_STORE (user_data), new_key, error);
}

gboolean
wm_session_remove_user (WmSession  *self,
                        const char *username,
                        char      **new_recovery_key,
                        GError    **error)
{
  g_autoptr(WmUser) user = NULL;
  guint8 *new_key = NULL;

  g_return_val_if_fail (WM_IS_SESSION (self), FALSE);

  if (!require_admin (self, error))
    return FALSE;
  if (self->user != NULL && g_strcmp0 (self->user->username, username) == 0)
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("username: you cannot remove yourself"));
      return FALSE;
    }
  user = wm_store_find_user (self->store, username, NULL);
  if (user == NULL || self->keyring == NULL || !wm_keyring_has_user (self->keyring, username))
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("username: there is no user “%s”"), username);
      return FALSE;
    }

  if (!wm_keyring_remove_user (self->keyring, self->data_key, username, rekey_store_cb,
                               self->store, &new_key, error))
    return FALSE;
  wm_data_key_free (self->data_key);
  self->data_key = new_key;

  if (!wm_store_delete_user (self->store, wm_record_get_id (WM_RECORD (user)), error))
    return FALSE;
  if (new_recovery_key != NULL)
    *new_recovery_key = wm_data_key_format_recovery (self->data_key);
  return TRUE;
}

gboolean
wm_session_change_password (WmSession      *self,
                            const char     *old_password,
                            const char     *new_password,
                            WmKdfStrength   strength,
                            GError        **error)
{
  g_return_val_if_fail (WM_IS_SESSION (self), FALSE);

  if (self->user == NULL || self->keyring == NULL)
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("Log in as a user to change a password"));
      return FALSE;
    }
  if (!wm_keyring_change_password (self->keyring, self->user->username, old_password,
                                   new_password, strength, error))
    return FALSE;
  if (self->user->must_change_password)
    {
      if (!wm_store_mark_password_changed (self->store, error))
        return FALSE;
      wm_record_set_bool (WM_RECORD (self->user), "must_change_password", FALSE);
    }
  return wm_store_audit (self->store, "password", "user", wm_record_get_id (WM_RECORD (self->user)),
                         "password changed", error);
}

gboolean
wm_session_reset_password (WmSession      *self,
                           const char     *username,
                           const char     *new_password,
                           gboolean        must_change,
                           WmKdfStrength   strength,
                           GError        **error)
{
  g_autoptr(WmUser) user = NULL;

  g_return_val_if_fail (WM_IS_SESSION (self), FALSE);

  if (!require_admin (self, error))
    return FALSE;
  user = wm_store_find_user (self->store, username, NULL);
  if (user == NULL || user->disabled || self->keyring == NULL)
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("username: there is no user “%s”"), username);
      return FALSE;
    }
  if (!wm_keyring_reset_password (self->keyring, self->data_key, username, new_password,
                                  strength, error))
    return FALSE;
  /* Whoever set it knows it: normally the user must choose their own at next login. */
  wm_record_set_bool (WM_RECORD (user), "must_change_password", must_change);
  if (!wm_store_save_user (self->store, user, error))
    return FALSE;
  return wm_store_audit (self->store, "password-reset", "user", wm_record_get_id (WM_RECORD (user)),
                         "password reset by an administrator", error);
}

gboolean
wm_session_set_user_disabled (WmSession  *self,
                              const char *username,
                              gboolean    disabled,
                              GError    **error)
{
  g_autoptr(WmUser) user = NULL;

  g_return_val_if_fail (WM_IS_SESSION (self), FALSE);

  if (!require_admin (self, error))
    return FALSE;
  if (disabled && self->user != NULL && g_strcmp0 (self->user->username, username) == 0)
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("username: you cannot disable yourself"));
      return FALSE;
    }
  user = wm_store_find_user (self->store, username, NULL);
  if (user == NULL || !wm_session_user_has_key (self, username))
    {
      g_set_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_FAILED,
                   _("username: there is no user “%s”"), username);
      return FALSE;
    }
  wm_record_set_bool (WM_RECORD (user), "disabled", disabled);
  return wm_store_save_user (self->store, user, error);
}
