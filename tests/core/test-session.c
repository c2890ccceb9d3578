/* test-session.c: creating a database, logging in, and who can open it after users change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "test-util.h"
#include "wm-login-throttle.h"
#include "wm-session.h"

typedef struct
{
  char *dir;
  char *path;
  char *keys_path;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "org.waymark", NULL);
  f->keys_path = g_strconcat (f->path, ".keys", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_free (f->path);
  g_free (f->keys_path);
  test_tmpdir_free (f->dir);
}

static WmSession *
create_db (Fixture  *f,
           char    **recovery)
{
  g_autoptr(GError) error = NULL;
  WmSession *s = wm_session_create (f->path, "Example Trust", "admin", "Ada Admin",
                                    "correct horse battery", WM_KDF_MIN, recovery, &error);

  g_assert_no_error (error);
  g_assert_nonnull (s);
  return s;
}

static void
test_create_and_unlock (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) s = NULL;
  g_autoptr(WmSession) again = NULL;
  g_autofree char *org = NULL;
  g_auto(WmSecretString) recovery = NULL;

  s = create_db (f, &recovery);
  g_assert_cmpuint (strlen (recovery), ==, 79);
  g_assert_cmpstr (wm_session_get_user (s)->role, ==, "admin");
  g_assert_true (wm_session_is_admin (s));
  g_clear_object (&s);

  /* Creating over an existing database is refused and changes nothing. */
  {
    g_autoptr(GBytes) before = test_read_file (f->path);
    g_autoptr(GBytes) after = NULL;
    s = wm_session_create (f->path, "Other", "x", NULL, "another password", WM_KDF_MIN, NULL,
                           &error);
    g_assert_null (s);
    g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_EXISTS);
    g_clear_error (&error);
    after = test_read_file (f->path);
    g_assert_true (g_bytes_equal (before, after));
  }

  again = wm_session_unlock (f->path, "admin", "correct horse battery", &error);
  g_assert_no_error (error);
  org = wm_store_get_setting (wm_session_get_store (again), "org.name");
  g_assert_cmpstr (org, ==, "Example Trust");
  g_clear_object (&again);

  /* The recovery key opens it too. */
  again = wm_session_unlock_recovery (f->path, recovery, &error);
  g_assert_no_error (error);
  g_assert_true (wm_session_is_admin (again));
}

/* A wrong password gives a clear error and leaves both files byte for byte as they were. */
static void
test_wrong_password_changes_nothing (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) db_before = NULL, keys_before = NULL, db_after = NULL, keys_after = NULL;
  g_autoptr(WmSession) s = create_db (f, NULL);
  WmSession *bad;

  g_clear_object (&s);
  db_before = test_read_file (f->path);
  keys_before = test_read_file (f->keys_path);

  bad = wm_session_unlock (f->path, "admin", "wrong horse", &error);
  g_assert_null (bad);
  g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_LOGIN);
  g_assert_cmpstr (error->message, ==, "Wrong username or password");
  g_clear_error (&error);
  /* An unknown user gets the very same answer. */
  bad = wm_session_unlock (f->path, "nobody", "correct horse battery", &error);
  g_assert_null (bad);
  g_assert_cmpstr (error->message, ==, "Wrong username or password");

  db_after = test_read_file (f->path);
  keys_after = test_read_file (f->keys_path);
  g_assert_true (g_bytes_equal (db_before, db_after));
  g_assert_true (g_bytes_equal (keys_before, keys_after));
}

static void
test_remove_user_rekeys (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) s = NULL;
  g_autoptr(WmSession) check = NULL;
  g_auto(WmSecretString) old_recovery = NULL;
  g_auto(WmSecretString) new_recovery = NULL;
  g_auto(WmSecretBytes) old_key = NULL;
  WmStore *store;

  s = create_db (f, &old_recovery);
  g_assert_true (wm_session_add_user (s, "coord", "Cora", "coordinator", -1, "coordinator pass", FALSE,
                                      WM_KDF_MIN, &error));
  g_assert_no_error (error);
  g_assert_true (wm_session_add_user (s, "leaver", "Lee", "coordinator", -1, "leaver pass", FALSE,
                                      WM_KDF_MIN, &error));
  g_assert_no_error (error);
  g_clear_object (&s);

  /* Everyone opens it now; a coordinator cannot manage users. */
  check = wm_session_unlock (f->path, "leaver", "leaver pass", &error);
  g_assert_no_error (error);
  g_clear_object (&check);
  check = wm_session_unlock (f->path, "coord", "coordinator pass", &error);
  g_assert_no_error (error);
  g_assert_false (wm_session_remove_user (check, "leaver", NULL, &error));
  g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_PERMISSION);
  g_clear_error (&error);
  g_clear_object (&check);

  s = wm_session_unlock (f->path, "admin", "correct horse battery", &error);
  g_assert_no_error (error);
  g_assert_true (wm_session_remove_user (s, "leaver", &new_recovery, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (old_recovery, !=, new_recovery);
  g_clear_object (&s);

  /* The removed password opens nothing. */
  check = wm_session_unlock (f->path, "leaver", "leaver pass", &error);
  g_assert_null (check);
  g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_LOGIN);
  g_clear_error (&error);

  /* The others still open it. */
  check = wm_session_unlock (f->path, "coord", "coordinator pass", &error);
  g_assert_no_error (error);
  g_clear_object (&check);
  check = wm_session_unlock (f->path, "admin", "correct horse battery", &error);
  g_assert_no_error (error);
  g_clear_object (&check);

  /* The old data key (which the leaver could have kept) no longer opens the file. */
  old_key = wm_data_key_parse_recovery (old_recovery, &error);
  g_assert_no_error (error);
  store = wm_store_open (f->path, old_key, WM_STORE_OPEN_NONE, &error);
  g_assert_null (store);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_WRONG_KEY);
  g_clear_error (&error);
  check = wm_session_unlock_recovery (f->path, old_recovery, &error);
  g_assert_null (check);
  g_clear_error (&error);

  /* And the new recovery key does. */
  check = wm_session_unlock_recovery (f->path, new_recovery, &error);
  g_assert_no_error (error);
  g_assert_nonnull (check);
}

static void
test_passwords (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) s = create_db (f, NULL);
  g_autoptr(WmSession) check = NULL;
  g_autoptr(WmUser) user = NULL;

  g_assert_true (wm_session_add_user (s, "coord", NULL, "coordinator", -1, "first password", FALSE,
                                      WM_KDF_MIN, &error));
  g_assert_true (wm_session_change_password (s, "correct horse battery", "new admin password",
                                             WM_KDF_MIN, &error));
  g_assert_no_error (error);
  g_assert_true (wm_session_reset_password (s, "coord", "temporary one", TRUE, WM_KDF_MIN, &error));
  g_assert_no_error (error);
  g_clear_object (&s);

  g_assert_null (wm_session_unlock (f->path, "admin", "correct horse battery", &error));
  g_clear_error (&error);
  s = wm_session_unlock (f->path, "admin", "new admin password", &error);
  g_assert_no_error (error);
  g_clear_object (&s);

  g_assert_null (wm_session_unlock (f->path, "coord", "first password", &error));
  g_clear_error (&error);
  check = wm_session_unlock (f->path, "coord", "temporary one", &error);
  g_assert_no_error (error);
  g_assert_true (wm_session_get_user (check)->must_change_password);
}

/* Five wrong passwords in a row earn a wait, even for the right password; a later success
 * records the failures in the audit log. */
static void
test_failed_logins_slow_down (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) s = create_db (f, NULL);
  g_autoptr(GPtrArray) entries = NULL;
  WmAuditQuery query = { .action = "login-failures" };

  g_assert_true (wm_session_add_user (s, "coord", NULL, "coordinator", -1, "coordinator pass",
                                      FALSE, WM_KDF_MIN, &error));
  g_clear_object (&s);

  /* Three failures, then a success: the count is reported and reset. */
  for (int i = 0; i < 3; i++)
    {
      g_assert_null (wm_session_unlock (f->path, "coord", "guess", &error));
      g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_LOGIN);
      g_clear_error (&error);
    }
  s = wm_session_unlock (f->path, "coord", "coordinator pass", &error);
  g_assert_no_error (error);
  g_clear_object (&s);
  s = wm_session_unlock (f->path, "admin", "correct horse battery", &error);
  g_assert_no_error (error);
  entries = wm_store_query_audit (wm_session_get_store (s), &query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (((WmAuditEntry *) entries->pdata[0])->username, ==, "coord");
  g_assert_cmpstr (((WmAuditEntry *) entries->pdata[0])->summary, ==,
                   "3 wrong passwords before this login");
  g_clear_object (&s);

  /* Five in a row: now even the right password must wait, and another user need not. */
  for (int i = 0; i < WM_LOGIN_THROTTLE_FREE_ATTEMPTS; i++)
    {
      g_assert_null (wm_session_unlock (f->path, "coord", "guess", &error));
      g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_LOGIN);
      g_clear_error (&error);
    }
  g_assert_null (wm_session_unlock (f->path, "coord", "coordinator pass", &error));
  g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_THROTTLED);
  g_assert_nonnull (strstr (error->message, "Try again in"));
  g_clear_error (&error);
  s = wm_session_unlock (f->path, "admin", "correct horse battery", &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/session/create-and-unlock", test_create_and_unlock);
  ADD ("/session/wrong-password-changes-nothing", test_wrong_password_changes_nothing);
  ADD ("/session/failed-logins-slow-down", test_failed_logins_slow_down);
  ADD ("/session/remove-user-rekeys", test_remove_user_rekeys);
  ADD ("/session/passwords", test_passwords);
#undef ADD

  return g_test_run ();
}
