/* test-login-throttle.c: the login throttle: delays by the number of failures in a row, how
 * long a username must still wait, what survives a restart, what a success forgets, and what
 * the file next to the database gives away (no usernames) or does when damaged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-util.h"
#include "wm-login-throttle.h"

#define T0 G_GINT64_CONSTANT (1800000000) /* a fixed "now": 2027-01-15 */

typedef struct
{
  char *dir;
  char *db_path;
  char *logins_path;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = test_tmpdir_new ();
  f->db_path = g_build_filename (f->dir, "cases.waymark", NULL);
  f->logins_path = g_strconcat (f->db_path, ".logins", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_free (f->logins_path);
  g_free (f->db_path);
  test_tmpdir_free (f->dir);
}

static WmLoginThrottle *
load (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  WmLoginThrottle *throttle = wm_login_throttle_load (f->db_path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (throttle);
  return throttle;
}

static void
fail_n (WmLoginThrottle *throttle,
        const char      *username,
        guint            n,
        gint64           now)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      guint before_count = i + 1;

      g_assert_cmpuint (wm_login_throttle_record_failure (throttle, username, now, &error),
                        ==, before_count);
      g_assert_no_error (error);
    }
}

static void
test_delays (void)
{
  for (guint i = 0; i < WM_LOGIN_THROTTLE_FREE_ATTEMPTS; i++)
    g_assert_cmpint (wm_login_throttle_delay_for (i), ==, 0);
  g_assert_cmpint (wm_login_throttle_delay_for (5), ==, 30);
  g_assert_cmpint (wm_login_throttle_delay_for (6), ==, 60);
  g_assert_cmpint (wm_login_throttle_delay_for (7), ==, 120);
  g_assert_cmpint (wm_login_throttle_delay_for (8), ==, 240);
  g_assert_cmpint (wm_login_throttle_delay_for (9), ==, 480);
  g_assert_cmpint (wm_login_throttle_delay_for (10), ==, WM_LOGIN_THROTTLE_MAX_DELAY);
  g_assert_cmpint (wm_login_throttle_delay_for (11), ==, WM_LOGIN_THROTTLE_MAX_DELAY);
  g_assert_cmpint (wm_login_throttle_delay_for (40), ==, WM_LOGIN_THROTTLE_MAX_DELAY);
  g_assert_cmpint (wm_login_throttle_delay_for (G_MAXUINT), ==, WM_LOGIN_THROTTLE_MAX_DELAY);
}

static void
test_wait_seconds (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(WmLoginThrottle) throttle = load (f);

  /* Nobody has failed: go. The file appears only with the first failure. */
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0), ==, 0);
  g_assert_false (g_file_test (f->logins_path, G_FILE_TEST_EXISTS));

  /* Four free failures. */
  fail_n (throttle, "alice", 4, T0);
  g_assert_true (g_file_test (f->logins_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0), ==, 0);

  /* The fifth costs 30 s, counted from the failure. */
  g_assert_cmpuint (wm_login_throttle_record_failure (throttle, "alice", T0 + 10, NULL), ==, 5);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 10), ==, 30);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 25), ==, 15);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 39), ==, 1);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 40), ==, 0);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 5000), ==, 0);

  /* The sixth doubles it, the seventh again. */
  g_assert_cmpuint (wm_login_throttle_record_failure (throttle, "alice", T0 + 100, NULL), ==, 6);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 100), ==, 60);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 130), ==, 30);
  g_assert_cmpuint (wm_login_throttle_record_failure (throttle, "alice", T0 + 200, NULL), ==, 7);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 200), ==, 120);

  /* Capped. */
  fail_n (throttle, "bob", 30, T0);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "bob", T0),
                   ==, WM_LOGIN_THROTTLE_MAX_DELAY);

  /* A clock set back does not lock anyone out for longer than the delay. */
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 - 86400), ==, 120);
}

static void
test_persistence (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(WmLoginThrottle) throttle = load (f);
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  fail_n (throttle, "alice", 6, T0);
  g_clear_pointer (&throttle, wm_login_throttle_free);

  /* Only the owner may read or write it. */
  g_assert_cmpint (g_stat (f->logins_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Restarting Waymark does not wipe the slate. */
  throttle = load (f);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0), ==, 60);
  g_assert_cmpuint (wm_login_throttle_record_failure (throttle, "alice", T0 + 60, &error), ==, 7);
  g_assert_no_error (error);
  g_clear_pointer (&throttle, wm_login_throttle_free);

  throttle = load (f);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0 + 60), ==, 120);
}

static void
test_success_resets (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(WmLoginThrottle) throttle = load (f);
  g_autoptr(GError) error = NULL;

  /* A success with no failures before it reports none and writes nothing. */
  g_assert_cmpuint (wm_login_throttle_record_success (throttle, "alice", &error), ==, 0);
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->logins_path, G_FILE_TEST_EXISTS));

  fail_n (throttle, "alice", 6, T0);
  g_assert_cmpuint (wm_login_throttle_record_success (throttle, "alice", &error), ==, 6);
  g_assert_no_error (error);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0), ==, 0);
  /* Counting starts again from zero. */
  g_assert_cmpuint (wm_login_throttle_record_failure (throttle, "alice", T0, NULL), ==, 1);
  g_assert_cmpuint (wm_login_throttle_record_success (throttle, "alice", NULL), ==, 1);
  g_assert_cmpuint (wm_login_throttle_record_success (throttle, "alice", NULL), ==, 0);
  g_clear_pointer (&throttle, wm_login_throttle_free);

  /* The reset is saved too. */
  throttle = load (f);
  fail_n (throttle, "alice", 5, T0);
  g_clear_pointer (&throttle, wm_login_throttle_free);
  throttle = load (f);
  g_assert_cmpuint (wm_login_throttle_record_success (throttle, "alice", NULL), ==, 5);
  g_clear_pointer (&throttle, wm_login_throttle_free);
  throttle = load (f);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0), ==, 0);
  g_assert_cmpuint (wm_login_throttle_record_success (throttle, "alice", NULL), ==, 0);
}

static void
test_users_independent (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(WmLoginThrottle) throttle = load (f);

  fail_n (throttle, "alice", 7, T0);
  fail_n (throttle, "bob", 2, T0);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0), ==, 120);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "bob", T0), ==, 0);
  /* Usernames are compared exactly, as the keyring does. */
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alicia", T0), ==, 0);

  /* Bob's success forgets nothing about Alice. */
  g_assert_cmpuint (wm_login_throttle_record_success (throttle, "bob", NULL), ==, 2);
  g_clear_pointer (&throttle, wm_login_throttle_free);
  throttle = load (f);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0), ==, 120);
  g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "bob", T0), ==, 0);
  g_assert_cmpuint (wm_login_throttle_record_failure (throttle, "bob", T0, NULL), ==, 1);
}

/* The file lies outside the encrypted database: it must not list who uses Waymark. The salt
 * differs between files, so the same username gives different entries in two databases. */
static void
test_no_usernames (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(WmLoginThrottle) throttle = load (f);
  g_autoptr(WmLoginThrottle) other = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GBytes) other_contents = NULL;
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GKeyFile) other_keys = g_key_file_new ();
  g_autofree char *other_db = g_build_filename (f->dir, "other.waymark", NULL);
  g_autofree char *other_logins = g_strconcat (other_db, ".logins", NULL);
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) other_groups = NULL;
  const char *names[] = { "alice", "bob.smith", "coordinator" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    fail_n (throttle, names[i], 3, T0);

  contents = test_read_file (f->logins_path);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_false (test_bytes_contain (contents, names[i]));
  g_assert_false (test_bytes_contain (contents, "smith"));

  /* One group per user besides the header, yet not one of them named for the user. */
  g_assert_true (g_key_file_load_from_bytes (keys, contents, G_KEY_FILE_NONE, NULL));
  groups = g_key_file_get_groups (keys, NULL);
  g_assert_cmpuint (g_strv_length (groups), ==, 1 + G_N_ELEMENTS (names));

  other = wm_login_throttle_load (other_db, NULL);
  g_assert_nonnull (other);
  fail_n (other, "alice", 1, T0);
  other_contents = test_read_file (other_logins);
  g_assert_true (g_key_file_load_from_bytes (other_keys, other_contents, G_KEY_FILE_NONE, NULL));
  other_groups = g_key_file_get_groups (other_keys, NULL);
  g_assert_cmpuint (g_strv_length (other_groups), ==, 2);
  for (guint i = 0; groups[i] != NULL; i++)
    if (g_strcmp0 (groups[i], "throttle") != 0)
      g_assert_false (g_strv_contains ((const char * const *) other_groups, groups[i]));
}

static const struct
{
  const char *name;
  const char *contents;
} corruptions[] = {
  { "garbage", "\x01\x02 this is not a key file \xff\n" },
  { "no-header", "[0123]\nfailures=1\n" },
  { "bad-version", "[throttle]\nversion=9\nsalt=00112233445566778899aabbccddeeff\n" },
  { "bad-salt", "[throttle]\nversion=1\nsalt=nothex\n" },
  { "bad-count",
    "[throttle]\nversion=1\nsalt=00112233445566778899aabbccddeeff\n"
    "[0000000000000000000000000000000000000000000000000000000000000000]\n"
    "failures=many\nlast_failure=1800000000\n" },
  { "negative-count",
    "[throttle]\nversion=1\nsalt=00112233445566778899aabbccddeeff\n"
    "[0000000000000000000000000000000000000000000000000000000000000000]\n"
    "failures=-3\nlast_failure=1800000000\n" },
  { "username-group",
    "[throttle]\nversion=1\nsalt=00112233445566778899aabbccddeeff\n"
    "[alice]\nfailures=3\nlast_failure=1800000000\n" },
};

static void
test_corrupt (Fixture       *f,
              gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WmLoginThrottle) throttle = NULL;

      g_test_message ("corruption: %s", corruptions[i].name);
      g_assert_true (g_file_set_contents (f->logins_path, corruptions[i].contents, -1, NULL));
      throttle = wm_login_throttle_load (f->db_path, &error);
      g_assert_null (throttle);
      g_assert_nonnull (error);
      /* The message names the file, so someone can find it. */
      g_assert_nonnull (strstr (error->message, f->logins_path));
    }

  /* An unreadable file is an error too, not an empty throttle. */
  g_unlink (f->logins_path);
  g_assert_cmpint (g_mkdir (f->logins_path, 0700), ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(WmLoginThrottle) throttle = wm_login_throttle_load (f->db_path, &error);

    g_assert_null (throttle);
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, f->logins_path));
  }
  g_rmdir (f->logins_path);

  /* A valid file written by hand loads. */
  g_assert_true (g_file_set_contents (f->logins_path,
                                      "[throttle]\nversion=1\n"
                                      "salt=00112233445566778899aabbccddeeff\n", -1, NULL));
  {
    g_autoptr(WmLoginThrottle) throttle = load (f);

    g_assert_cmpint (wm_login_throttle_wait_seconds (throttle, "alice", T0), ==, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/login-throttle/delays", test_delays);
#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/login-throttle/wait-seconds", test_wait_seconds);
  ADD ("/login-throttle/persistence", test_persistence);
  ADD ("/login-throttle/success-resets", test_success_resets);
  ADD ("/login-throttle/users-independent", test_users_independent);
  ADD ("/login-throttle/no-usernames", test_no_usernames);
  ADD ("/login-throttle/corrupt", test_corrupt);
#undef ADD

  return g_test_run ();
}
