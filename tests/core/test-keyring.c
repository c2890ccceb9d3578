/* test-keyring.c: the keyring sidecar: unlocking, user management, re-keying on removal and its
 * crash safety, the recovery key format, and refusal of damaged files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "wm-keyring.h"

#define ALICE_PW "correct horse battery staple"
#define BOB_PW "tr0ub4dor&3"
#define CAROL_PW "hunter2 but longer"

typedef struct
{
  char *dir;
  char *db_path;
  char *keys_path;
  char *pending_path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("waymark-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->db_path = g_build_filename (fixture->dir, "case.db", NULL);
  fixture->keys_path = g_strconcat (fixture->db_path, ".keys", NULL);
  fixture->pending_path = g_strconcat (fixture->db_path, ".keys.pending", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);

  g_free (fixture->dir);
  g_free (fixture->db_path);
  g_free (fixture->keys_path);
  g_free (fixture->pending_path);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static void
write_bytes (const char *path,
             GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* Sorted names in the directory, so tests can see that no stray file was left or made. */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv ("|", (char **) names->pdata);
}

/* Identity of the file on disk, so an identical rewrite still counts as a change. */
typedef struct
{
  GBytes *bytes;
  ino_t ino;
  struct timespec mtime;
  char *listing;
} FileState;

static FileState *
file_state_new (Fixture *fixture)
{
  FileState *state = g_new0 (FileState, 1);
  g_autofree char *dir = g_path_get_dirname (fixture->keys_path);
  struct stat st;

  g_assert_cmpint (g_stat (fixture->keys_path, &st), ==, 0);
  state->bytes = read_bytes (fixture->keys_path);
  state->ino = st.st_ino;
  state->mtime = st.st_mtim;
  state->listing = list_dir (dir);
  return state;
}

static void
file_state_free (FileState *state)
{
  g_bytes_unref (state->bytes);
  g_free (state->listing);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FileState, file_state_free)

static void
assert_unchanged (Fixture   *fixture,
                  FileState *before)
{
  g_autoptr(FileState) after = file_state_new (fixture);

  g_assert_true (g_bytes_equal (before->bytes, after->bytes));
  g_assert_cmpuint (before->ino, ==, after->ino);
  g_assert_cmpint (before->mtime.tv_sec, ==, after->mtime.tv_sec);
  g_assert_cmpint (before->mtime.tv_nsec, ==, after->mtime.tv_nsec);
  g_assert_cmpstr (before->listing, ==, after->listing);
}

static void
assert_key_equal (const guint8 *a,
                  const guint8 *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpmem (a, WM_DATA_KEY_BYTES, b, WM_DATA_KEY_BYTES);
}

static void
assert_unlocks_to (WmKeyring    *keyring,
                   const char   *username,
                   const char   *password,
                   const guint8 *expected)
{
  g_autoptr(GError) error = NULL;
  g_auto (WmSecretBytes) key = wm_keyring_unlock (keyring, username, password, &error);

  g_assert_no_error (error);
  assert_key_equal (key, expected);
}

static void
assert_wrong_password (WmKeyring  *keyring,
                       const char *username,
                       const char *password)
{
  g_autoptr(GError) error = NULL;
  g_auto (WmSecretBytes) key = wm_keyring_unlock (keyring, username, password, &error);

  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_WRONG_PASSWORD);
  g_assert_cmpstr (error->message, ==, "Wrong username or password");
  g_assert_null (key);
}

/* alice, plus whoever else is named with their password, all sealed to @key. */
static WmKeyring *
make_keyring (Fixture      *fixture,
              const guint8 *key,
              ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmKeyring) keyring = NULL;
  const char *username;
  va_list args;

  keyring = wm_keyring_create (fixture->db_path, "alice", ALICE_PW, WM_KDF_MIN, key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (keyring);

  va_start (args, key);
  while ((username = va_arg (args, const char *)) != NULL)
    {
      const char *password = va_arg (args, const char *);

      wm_keyring_add_user (keyring, key, username, password, WM_KDF_MIN, &error);
      g_assert_no_error (error);
    }
  va_end (args);

  return g_steal_pointer (&keyring);
}

static WmKeyring *
reload (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  WmKeyring *keyring = wm_keyring_load (fixture->db_path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (keyring);
  return keyring;
}

static void
test_create_unlock (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = NULL;
  g_autoptr(WmKeyring) loaded = NULL;
  g_autofree char *path = wm_keyring_path_for (fixture->db_path);
  g_auto (GStrv) users = NULL;

  g_assert_cmpstr (path, ==, fixture->keys_path);
  g_assert_false (wm_keyring_exists (fixture->db_path));

  keyring = make_keyring (fixture, key, NULL);
  g_assert_true (wm_keyring_exists (fixture->db_path));
  assert_unlocks_to (keyring, "alice", ALICE_PW, key);

  users = wm_keyring_list_users (keyring);
  g_assert_cmpstrv (users, ((const char *[]) { "alice", NULL }));
  g_assert_true (wm_keyring_has_user (keyring, "alice"));
  g_assert_false (wm_keyring_has_pending (keyring));

  loaded = reload (fixture);
  assert_unlocks_to (loaded, "alice", ALICE_PW, key);
}

static void
test_create_refuses_existing (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_auto (WmSecretBytes) other_key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, NULL);
  g_autoptr(WmKeyring) second = NULL;
  g_autoptr(FileState) before = file_state_new (fixture);
  g_autoptr(GError) error = NULL;

  second = wm_keyring_create (fixture->db_path, "mallory", BOB_PW, WM_KDF_MIN, other_key,
                              &error);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO);
  g_assert_null (second);
  assert_unchanged (fixture, before);
}

static void
test_create_refuses_leftover_pending (Fixture       *fixture,
                                      gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = NULL;
  g_autoptr(GError) error = NULL;

  write_text (fixture->pending_path, "[keyring]\nversion=1\n");
  keyring = wm_keyring_create (fixture->db_path, "alice", ALICE_PW, WM_KDF_MIN, key, &error);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO);
  g_assert_null (keyring);
  g_assert_false (g_file_test (fixture->keys_path, G_FILE_TEST_EXISTS));
}

static gsize
decoded_length (GKeyFile   *file,
                const char *group,
                const char *key)
{
  g_autofree char *text = g_key_file_get_string (file, group, key, NULL);
  g_autofree guchar *data = NULL;
  gsize len = 0;

  g_assert_nonnull (text);
  data = g_base64_decode (text, &len);
  return len;
}

static void
test_file_format (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *alice_salt = NULL;
  g_autofree char *bob_salt = NULL;
  struct stat st;

  g_assert_cmpint (g_stat (fixture->keys_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_key_file_load_from_file (file, fixture->keys_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_key_file_get_integer (file, "keyring", "version", NULL), ==, 1);
  g_assert_true (g_key_file_has_group (file, "user alice"));
  g_assert_true (g_key_file_has_group (file, "user bob"));

  g_assert_cmpuint (decoded_length (file, "user alice", "public-key"), ==,
                    crypto_box_PUBLICKEYBYTES);
  g_assert_cmpuint (decoded_length (file, "user alice", "salt"), ==, crypto_pwhash_SALTBYTES);
  g_assert_cmpuint (decoded_length (file, "user alice", "secret-nonce"), ==,
                    crypto_secretbox_NONCEBYTES);
  g_assert_cmpuint (decoded_length (file, "user alice", "secret-box"), ==,
                    crypto_secretbox_MACBYTES + crypto_box_SECRETKEYBYTES);
  g_assert_cmpuint (decoded_length (file, "user alice", "sealed-data-key"), ==,
                    crypto_box_SEALBYTES + WM_DATA_KEY_BYTES);
  g_assert_cmpuint (g_key_file_get_uint64 (file, "user alice", "opslimit", NULL), ==,
                    crypto_pwhash_OPSLIMIT_MIN);
  g_assert_cmpuint (g_key_file_get_uint64 (file, "user alice", "memlimit", NULL), ==,
                    crypto_pwhash_MEMLIMIT_MIN);
  g_assert_cmpint (g_key_file_get_integer (file, "user alice", "alg", NULL), ==,
                   crypto_pwhash_ALG_ARGON2ID13);

  alice_salt = g_key_file_get_string (file, "user alice", "salt", NULL);
  bob_salt = g_key_file_get_string (file, "user bob", "salt", NULL);
  g_assert_cmpstr (alice_salt, !=, bob_salt);
}

static void
test_kdf_default (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("WAYMARK_KDF"));

  g_setenv ("WAYMARK_KDF", "min", TRUE);
  g_assert_cmpint (wm_kdf_strength_default (), ==, WM_KDF_MIN);
  g_setenv ("WAYMARK_KDF", "fast please", TRUE);
  g_assert_cmpint (wm_kdf_strength_default (), ==, WM_KDF_MODERATE);
  g_unsetenv ("WAYMARK_KDF");
  g_assert_cmpint (wm_kdf_strength_default (), ==, WM_KDF_MODERATE);

  if (saved != NULL)
    g_setenv ("WAYMARK_KDF", saved, TRUE);
}

/* The slot's own limits decide how it is unlocked, whatever the default is at the time. */
static void
test_kdf_moderate (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autofree char *saved = g_strdup (g_getenv ("WAYMARK_KDF"));
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = NULL;
  g_autoptr(WmKeyring) loaded = NULL;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_setenv ("WAYMARK_KDF", "min", TRUE);
  keyring = wm_keyring_create (fixture->db_path, "alice", ALICE_PW, WM_KDF_MODERATE, key,
                               &error);
  g_assert_no_error (error);

  g_key_file_load_from_file (file, fixture->keys_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_key_file_get_uint64 (file, "user alice", "opslimit", NULL), ==,
                    crypto_pwhash_OPSLIMIT_MODERATE);
  g_assert_cmpuint (g_key_file_get_uint64 (file, "user alice", "memlimit", NULL), ==,
                    crypto_pwhash_MEMLIMIT_MODERATE);

  loaded = reload (fixture);
  assert_unlocks_to (loaded, "alice", ALICE_PW, key);

  /* And a MIN slot still opens when the default says MODERATE. */
  g_unsetenv ("WAYMARK_KDF");
  wm_keyring_add_user (loaded, key, "bob", BOB_PW, WM_KDF_MIN, &error);
  g_assert_no_error (error);
  assert_unlocks_to (loaded, "bob", BOB_PW, key);

  if (saved != NULL)
    g_setenv ("WAYMARK_KDF", saved, TRUE);
}

static void
test_wrong_password (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autoptr(FileState) before = file_state_new (fixture);
  g_autoptr(GError) error = NULL;

  assert_wrong_password (keyring, "alice", "correct horse battery stapler");
  assert_wrong_password (keyring, "alice", BOB_PW);
  assert_wrong_password (keyring, "alice", "");
  assert_unchanged (fixture, before);

  g_assert_false (wm_keyring_change_password (keyring, "alice", BOB_PW, "new password",
                                              WM_KDF_MIN, &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_WRONG_PASSWORD);
  assert_unchanged (fixture, before);

  assert_unlocks_to (keyring, "alice", ALICE_PW, key);
}

static void
test_unknown_user (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, NULL);
  g_autoptr(FileState) before = file_state_new (fixture);

  assert_wrong_password (keyring, "bob", ALICE_PW);
  assert_wrong_password (keyring, "Alice", ALICE_PW);
  assert_wrong_password (keyring, "not a valid name", ALICE_PW);
  assert_wrong_password (keyring, NULL, ALICE_PW);
  assert_unchanged (fixture, before);
}

static void
test_add_user (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "zed", CAROL_PW, "bob", BOB_PW,
                                               NULL);
  g_autoptr(WmKeyring) loaded = NULL;
  g_autoptr(FileState) before = NULL;
  g_autoptr(GError) error = NULL;
  g_auto (GStrv) users = wm_keyring_list_users (keyring);

  g_assert_cmpstrv (users, ((const char *[]) { "alice", "bob", "zed", NULL }));
  g_assert_true (wm_keyring_has_user (keyring, "bob"));
  g_assert_false (wm_keyring_has_user (keyring, "carol"));

  assert_unlocks_to (keyring, "alice", ALICE_PW, key);
  assert_unlocks_to (keyring, "bob", BOB_PW, key);
  assert_wrong_password (keyring, "bob", ALICE_PW);

  before = file_state_new (fixture);
  g_assert_false (wm_keyring_add_user (keyring, key, "bob", "another", WM_KDF_MIN, &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_USER_EXISTS);
  assert_unchanged (fixture, before);
  assert_unlocks_to (keyring, "bob", BOB_PW, key);

  loaded = reload (fixture);
  assert_unlocks_to (loaded, "bob", BOB_PW, key);
  assert_unlocks_to (loaded, "zed", CAROL_PW, key);
}

static void
test_change_password (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autoptr(WmKeyring) loaded = NULL;
  g_autoptr(FileState) before = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (wm_keyring_change_password (keyring, "bob", BOB_PW, "new secret",
                                             WM_KDF_MIN, &error));
  g_assert_no_error (error);
  assert_wrong_password (keyring, "bob", BOB_PW);
  assert_unlocks_to (keyring, "bob", "new secret", key);
  assert_unlocks_to (keyring, "alice", ALICE_PW, key);

  loaded = reload (fixture);
  assert_wrong_password (loaded, "bob", BOB_PW);
  assert_unlocks_to (loaded, "bob", "new secret", key);

  before = file_state_new (fixture);
  g_assert_false (wm_keyring_change_password (keyring, "bob", "new secret", "", WM_KDF_MIN,
                                              &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (wm_keyring_change_password (keyring, "carol", "new secret", "x", WM_KDF_MIN,
                                              &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_WRONG_PASSWORD);
  assert_unchanged (fixture, before);
}

static char *
public_key_of (Fixture    *fixture,
               const char *username)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *group = g_strconcat ("user ", username, NULL);
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (file, fixture->keys_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_key_file_get_string (file, group, "public-key", NULL);
}

static void
test_reset_password (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autoptr(WmKeyring) loaded = NULL;
  g_autoptr(FileState) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bob_public_before = public_key_of (fixture, "bob");
  g_autofree char *alice_public_before = public_key_of (fixture, "alice");
  g_autofree char *bob_public_after = NULL;
  g_autofree char *alice_public_after = NULL;

  g_assert_true (wm_keyring_reset_password (keyring, key, "bob", "reset by admin", WM_KDF_MIN,
                                            &error));
  g_assert_no_error (error);
  assert_wrong_password (keyring, "bob", BOB_PW);
  assert_unlocks_to (keyring, "bob", "reset by admin", key);
  assert_unlocks_to (keyring, "alice", ALICE_PW, key);

  /* A fresh key pair: nothing derived from the old password is still useful. */
  bob_public_after = public_key_of (fixture, "bob");
  alice_public_after = public_key_of (fixture, "alice");
  g_assert_cmpstr (bob_public_before, !=, bob_public_after);
  g_assert_cmpstr (alice_public_before, ==, alice_public_after);

  loaded = reload (fixture);
  assert_wrong_password (loaded, "bob", BOB_PW);
  assert_unlocks_to (loaded, "bob", "reset by admin", key);

  before = file_state_new (fixture);
  g_assert_false (wm_keyring_reset_password (keyring, key, "carol", "whatever", WM_KDF_MIN,
                                             &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_NO_SUCH_USER);
  assert_unchanged (fixture, before);
}

typedef struct
{
  guint calls;
  guint8 old_key[WM_DATA_KEY_BYTES];
  guint8 new_key[WM_DATA_KEY_BYTES];
  gboolean fail;
  gboolean fail_silently;
  Fixture *fixture;
  GBytes *main_during;     /* the sidecar while the database is being re-keyed */
  GBytes *pending_during;  /* the pending file then */
} RekeyRecord;

static void
rekey_record_clear (RekeyRecord *record)
{
  g_clear_pointer (&record->main_during, g_bytes_unref);
  g_clear_pointer (&record->pending_during, g_bytes_unref);
}

#define TEST_REKEY_ERROR (g_quark_from_static_string ("test-rekey-error"))

static gboolean
record_rekey (const guint8  *old_key,
              const guint8  *new_key,
              gpointer       user_data,
              GError       **error)
{
  RekeyRecord *record = user_data;

  record->calls++;
  memcpy (record->old_key, old_key, WM_DATA_KEY_BYTES);
  memcpy (record->new_key, new_key, WM_DATA_KEY_BYTES);

  if (record->fixture != NULL)
    {
      g_clear_pointer (&record->main_during, g_bytes_unref);
      g_clear_pointer (&record->pending_during, g_bytes_unref);
      record->main_during = read_bytes (record->fixture->keys_path);
      if (g_file_test (record->fixture->pending_path, G_FILE_TEST_EXISTS))
        record->pending_during = read_bytes (record->fixture->pending_path);
    }

  if (record->fail_silently)
    return FALSE;
  if (record->fail)
    {
      g_set_error_literal (error, TEST_REKEY_ERROR, 7, "database is locked");
      return FALSE;
    }
  return TRUE;
}

static void
test_remove_user (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_auto (WmSecretBytes) new_key = NULL;
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, "carol", CAROL_PW,
                                               NULL);
  g_autoptr(WmKeyring) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_auto (GStrv) users = NULL;
  RekeyRecord record = { 0 };

  g_assert_true (wm_keyring_remove_user (keyring, key, "bob", record_rekey, &record, &new_key,
                                         &error));
  g_assert_no_error (error);
  g_assert_nonnull (new_key);

  g_assert_cmpuint (record.calls, ==, 1);
  assert_key_equal (record.old_key, key);
  assert_key_equal (record.new_key, new_key);
  g_assert_true (memcmp (new_key, key, WM_DATA_KEY_BYTES) != 0);

  g_assert_false (wm_keyring_has_user (keyring, "bob"));
  users = wm_keyring_list_users (keyring);
  g_assert_cmpstrv (users, ((const char *[]) { "alice", "carol", NULL }));
  assert_wrong_password (keyring, "bob", BOB_PW);
  assert_unlocks_to (keyring, "alice", ALICE_PW, new_key);
  assert_unlocks_to (keyring, "carol", CAROL_PW, new_key);
  g_assert_false (wm_keyring_has_pending (keyring));
  g_assert_false (g_file_test (fixture->pending_path, G_FILE_TEST_EXISTS));

  loaded = reload (fixture);
  g_assert_false (wm_keyring_has_user (loaded, "bob"));
  assert_wrong_password (loaded, "bob", BOB_PW);
  assert_unlocks_to (loaded, "alice", ALICE_PW, new_key);
  assert_unlocks_to (loaded, "carol", CAROL_PW, new_key);
}

static void
test_remove_user_rekey_fails (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autoptr(FileState) before = file_state_new (fixture);
  g_autoptr(GError) error = NULL;
  guint8 *new_key = NULL;
  RekeyRecord record = { .fail = TRUE, .fixture = fixture };

  g_assert_false (wm_keyring_remove_user (keyring, key, "bob", record_rekey, &record, &new_key,
                                          &error));
  g_assert_error (error, TEST_REKEY_ERROR, 7);
  g_assert_nonnull (strstr (error->message, "database is locked"));
  g_assert_null (new_key);
  g_assert_cmpuint (record.calls, ==, 1);
  /* The pending file did exist while the callback ran, and is gone again. */
  g_assert_nonnull (record.pending_during);
  g_assert_false (g_file_test (fixture->pending_path, G_FILE_TEST_EXISTS));
  g_assert_false (wm_keyring_has_pending (keyring));
  assert_unchanged (fixture, before);

  g_assert_true (wm_keyring_has_user (keyring, "bob"));
  assert_unlocks_to (keyring, "bob", BOB_PW, key);
  assert_unlocks_to (keyring, "alice", ALICE_PW, key);

  /* A callback that fails without saying why still yields an error. */
  g_clear_error (&error);
  record.fail = FALSE;
  record.fail_silently = TRUE;
  g_assert_false (wm_keyring_remove_user (keyring, key, "bob", record_rekey, &record, &new_key,
                                          &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED);
  g_assert_null (new_key);
  assert_unchanged (fixture, before);

  rekey_record_clear (&record);
}

/* Puts the files back as they would be had the process died after re-keying the database but
 * before replacing the sidecar. */
static WmKeyring *
simulate_crash (Fixture *fixture,
                GBytes  *main_bytes,
                GBytes  *pending_bytes)
{
  write_bytes (fixture->keys_path, main_bytes);
  write_bytes (fixture->pending_path, pending_bytes);
  return reload (fixture);
}

static void
test_remove_user_crash (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_auto (WmSecretBytes) new_key = NULL;
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autoptr(WmKeyring) crashed = NULL;
  g_autoptr(GBytes) original = read_bytes (fixture->keys_path);
  g_autoptr(GBytes) pending = NULL;
  g_autoptr(GBytes) current = NULL;
  g_autoptr(GError) error = NULL;
  RekeyRecord record = { .fixture = fixture };
  g_auto (WmSecretBytes) unlocked = NULL;
  guint calls;

  g_assert_true (wm_keyring_remove_user (keyring, key, "bob", record_rekey, &record, &new_key,
                                         &error));
  g_assert_no_error (error);

  /* While the database was re-keyed, the new key was already durable in the pending file and
   * the sidecar was still the old one. */
  g_assert_nonnull (record.pending_during);
  g_assert_true (g_bytes_equal (record.main_during, original));
  pending = g_bytes_ref (record.pending_during);

  crashed = simulate_crash (fixture, original, pending);
  g_assert_true (wm_keyring_has_pending (crashed));
  assert_unlocks_to (crashed, "alice", ALICE_PW, key);

  unlocked = wm_keyring_unlock_pending (crashed, "alice", ALICE_PW, &error);
  g_assert_no_error (error);
  assert_key_equal (unlocked, new_key);
  g_clear_pointer (&unlocked, wm_data_key_free);

  unlocked = wm_keyring_unlock_pending (crashed, "bob", BOB_PW, &error);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_WRONG_PASSWORD);
  g_assert_null (unlocked);
  g_clear_error (&error);

  /* No further change until the interrupted one is resolved, or it could be lost. */
  g_assert_false (wm_keyring_add_user (crashed, key, "dave", "dave's password", WM_KDF_MIN,
                                       &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_PENDING);
  g_clear_error (&error);
  calls = record.calls;
  g_assert_false (wm_keyring_remove_user (crashed, key, "bob", record_rekey, &record, NULL,
                                          &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_PENDING);
  g_clear_error (&error);
  g_assert_cmpuint (record.calls, ==, calls);
  g_clear_pointer (&current, g_bytes_unref);
  current = read_bytes (fixture->pending_path);
  g_assert_true (g_bytes_equal (current, pending));

  /* The session found the database under the pending key. */
  g_assert_true (wm_keyring_commit_pending (crashed, &error));
  g_assert_no_error (error);
  g_assert_false (wm_keyring_has_pending (crashed));
  g_assert_false (wm_keyring_has_user (crashed, "bob"));
  assert_unlocks_to (crashed, "alice", ALICE_PW, new_key);
  g_clear_pointer (&crashed, wm_keyring_free);
  crashed = reload (fixture);
  assert_unlocks_to (crashed, "alice", ALICE_PW, new_key);
  g_assert_false (wm_keyring_has_user (crashed, "bob"));

  g_assert_false (wm_keyring_commit_pending (crashed, &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED);
  g_clear_error (&error);
  unlocked = wm_keyring_unlock_pending (crashed, "alice", ALICE_PW, &error);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED);
  g_assert_null (unlocked);
  g_clear_error (&error);
  g_clear_pointer (&crashed, wm_keyring_free);

  /* The crash came before the re-key took: the main key opens the database. */
  crashed = simulate_crash (fixture, original, pending);
  g_assert_true (wm_keyring_discard_pending (crashed, &error));
  g_assert_no_error (error);
  g_assert_false (wm_keyring_has_pending (crashed));
  g_assert_false (g_file_test (fixture->pending_path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&current, g_bytes_unref);
  current = read_bytes (fixture->keys_path);
  g_assert_true (g_bytes_equal (current, original));
  assert_unlocks_to (crashed, "alice", ALICE_PW, key);
  assert_unlocks_to (crashed, "bob", BOB_PW, key);
  g_assert_true (wm_keyring_discard_pending (crashed, &error));
  g_assert_no_error (error);

  rekey_record_clear (&record);
}

/* The callback re-keys, then something stops the sidecar being replaced: here a directory put
 * in its way. The database is under the new key by then, so the pending file must stay. */
static gboolean
rekey_then_block_sidecar (const guint8  *old_key,
                          const guint8  *new_key,
                          gpointer       user_data,
                          GError       **error)
{
  Fixture *fixture = user_data;
  g_autofree char *inner = g_build_filename (fixture->keys_path, "blocker", NULL);

  g_assert_cmpint (g_unlink (fixture->keys_path), ==, 0);
  g_assert_cmpint (g_mkdir (fixture->keys_path, 0700), ==, 0);
  write_text (inner, "");
  return TRUE;
}

static void
test_remove_user_rename_fails (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autofree char *inner = g_build_filename (fixture->keys_path, "blocker", NULL);
  g_autoptr(GError) error = NULL;
  g_auto (WmSecretBytes) pending_key = NULL;
  guint8 *new_key = NULL;

  g_assert_false (wm_keyring_remove_user (keyring, key, "bob", rekey_then_block_sidecar, fixture,
                                          &new_key, &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_PENDING);
  g_assert_null (new_key);
  g_assert_true (wm_keyring_has_pending (keyring));
  g_clear_error (&error);

  pending_key = wm_keyring_unlock_pending (keyring, "alice", ALICE_PW, &error);
  g_assert_no_error (error);
  g_assert_true (memcmp (pending_key, key, WM_DATA_KEY_BYTES) != 0);

  g_assert_cmpint (g_unlink (inner), ==, 0);
  g_assert_cmpint (g_rmdir (fixture->keys_path), ==, 0);
}

static void
test_remove_last_user (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, NULL);
  g_autoptr(FileState) before = file_state_new (fixture);
  g_autoptr(GError) error = NULL;
  guint8 *new_key = NULL;
  RekeyRecord record = { 0 };

  g_assert_false (wm_keyring_remove_user (keyring, key, "alice", record_rekey, &record,
                                          &new_key, &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED);
  g_assert_null (new_key);
  g_assert_cmpuint (record.calls, ==, 0);
  g_assert_true (wm_keyring_has_user (keyring, "alice"));
  assert_unchanged (fixture, before);
  assert_unlocks_to (keyring, "alice", ALICE_PW, key);
}

static void
test_remove_unknown_user (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autoptr(FileState) before = file_state_new (fixture);
  g_autoptr(GError) error = NULL;
  RekeyRecord record = { 0 };

  g_assert_false (wm_keyring_remove_user (keyring, key, "carol", record_rekey, &record, NULL,
                                          &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_NO_SUCH_USER);
  g_assert_cmpuint (record.calls, ==, 0);
  assert_unchanged (fixture, before);
}

/* Two handles on one sidecar, as with a second window or the CLI running alongside. */
static void
test_changed_elsewhere (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) first = make_keyring (fixture, key, NULL);
  g_autoptr(WmKeyring) second = reload (fixture);
  g_autoptr(FileState) before = NULL;
  g_autoptr(GError) error = NULL;
  RekeyRecord record = { 0 };

  wm_keyring_add_user (first, key, "bob", BOB_PW, WM_KDF_MIN, &error);
  g_assert_no_error (error);
  before = file_state_new (fixture);

  g_assert_false (wm_keyring_add_user (second, key, "carol", CAROL_PW, WM_KDF_MIN, &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CHANGED);
  g_clear_error (&error);
  g_assert_false (wm_keyring_change_password (second, "alice", ALICE_PW, "x", WM_KDF_MIN,
                                              &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CHANGED);
  g_clear_error (&error);
  assert_unchanged (fixture, before);

  wm_keyring_add_user (first, key, "carol", CAROL_PW, WM_KDF_MIN, &error);
  g_assert_no_error (error);
  g_clear_pointer (&before, file_state_free);
  before = file_state_new (fixture);
  g_assert_false (wm_keyring_remove_user (second, key, "alice", record_rekey, &record, NULL,
                                          &error));
  g_assert_cmpuint (record.calls, ==, 0);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CHANGED);
  assert_unchanged (fixture, before);
}

static void
test_load_missing (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(WmKeyring) keyring = NULL;
  g_autoptr(GError) error = NULL;

  keyring = wm_keyring_load (fixture->db_path, &error);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO);
  g_assert_null (keyring);
}

static void
test_recovery_round_trip (void)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_auto (WmSecretBytes) parsed = NULL;
  g_auto (WmSecretString) text = NULL;
  g_auto (WmSecretString) known_text = NULL;
  g_autofree char *squashed = NULL;
  g_autofree char *spread = NULL;
  g_autoptr(GError) error = NULL;
  guint8 known[WM_DATA_KEY_BYTES];

  for (guint i = 0; i < WM_DATA_KEY_BYTES; i++)
    known[i] = (guint8) (i * 7 + 0xa0);
  known_text = wm_data_key_format_recovery (known);
  g_assert_cmpstr (known_text, ==,
                   "a0a7 aeb5 bcc3 cad1 d8df e6ed f4fb 0209 1017 1e25 2c33 3a41 484f 565d "
                   "646b 7279");

  text = wm_data_key_format_recovery (key);
  g_assert_cmpuint (strlen (text), ==, 79);
  for (guint i = 0; i < 79; i++)
    {
      if (i % 5 == 4)
        g_assert_cmpint (text[i], ==, ' ');
      else
        g_assert_true (g_ascii_isdigit (text[i]) || (text[i] >= 'a' && text[i] <= 'f'));
    }

  parsed = wm_data_key_parse_recovery (text, &error);
  g_assert_no_error (error);
  assert_key_equal (parsed, key);
  g_clear_pointer (&parsed, wm_data_key_free);

  squashed = g_ascii_strup (text, -1);
  g_strdelimit (squashed, " ", '\t');
  parsed = wm_data_key_parse_recovery (squashed, &error);
  g_assert_no_error (error);
  assert_key_equal (parsed, key);
  g_clear_pointer (&parsed, wm_data_key_free);

  spread = g_strdup_printf ("  %.39s\n%s \n", text, text + 39);
  parsed = wm_data_key_parse_recovery (spread, &error);
  g_assert_no_error (error);
  assert_key_equal (parsed, key);
}

static void
assert_recovery_rejected (const char *text,
                          const char *expected_in_message)
{
  g_autoptr(GError) error = NULL;
  g_auto (WmSecretBytes) key = wm_data_key_parse_recovery (text, &error);

  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID);
  g_assert_null (key);
  g_assert_nonnull (strstr (error->message, expected_in_message));
  /* The message must never echo what was typed: it is nearly the key. */
  g_assert_null (strstr (error->message, "0123"));
}

static void
test_recovery_invalid (void)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  for (guint i = 0; i < 63; i++)
    g_string_append_c (digits, "0123456789abcdef"[i % 16]);
  assert_recovery_rejected (digits->str, "64");
  assert_recovery_rejected (digits->str, "63");

  g_string_append (digits, "01");
  assert_recovery_rejected (digits->str, "65");

  g_string_truncate (digits, 63);
  g_string_append_c (digits, 'g');
  assert_recovery_rejected (digits->str, "0–9");
  g_string_overwrite (digits, 63, "-");
  assert_recovery_rejected (digits->str, "0–9");

  assert_recovery_rejected ("", "64");
}

/* Base64 of 79 zero bytes. */
#define SEALED_79_BYTES \
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

typedef struct
{
  const char *name;
  const char *pattern;     /* applied to every line of a good two-user sidecar */
  const char *replacement;
  const char *in_message;
} CorruptCase;

static const CorruptCase corrupt_cases[] = {
  { "truncated-base64", "^(public-key=.*)....$", "\\1", "public-key" },
  { "bad-padding", "^(salt=.*).$", "\\1", "salt" },
  { "trailing-garbage", "^(public-key=.*)$", "\\1!!", "public-key" },
  { "not-base64", "^sealed-data-key=.{4}", "sealed-data-key=!!!!", "sealed-data-key" },
  { "missing-field", "^secret-box=.*\\n", "", "secret-box" },
  { "missing-nonce", "^secret-nonce=.*\\n", "", "secret-nonce" },
  /* Valid base64 of the wrong length: 15 bytes where the salt has 16. */
  { "short-salt", "^salt=.*$", "salt=AAAAAAAAAAAAAAAAAAAA", "salt" },
  /* A sealed key one byte short would unseal to 31 bytes. */
  { "short-sealed-key", "^sealed-data-key=.*$",
    "sealed-data-key=" SEALED_79_BYTES, "sealed-data-key" },
  { "opslimit-not-number", "^opslimit=.*$", "opslimit=abc", "opslimit" },
  { "memlimit-too-small", "^memlimit=.*$", "memlimit=1", "memlimit" },
  { "memlimit-negative", "^memlimit=.*$", "memlimit=-1", "memlimit" },
  { "alg-argon2i", "^alg=.*$", "alg=1", "alg" },
  { "version-2", "^version=1$", "version=2", "version" },
  { "no-version", "^version=1\\n", "", "version" },
  { "no-keyring-group", "^\\[keyring\\]$", "[keyrings]", "version" },
  { "unknown-group", "^\\[user bob\\]$", "[usr bob]", "usr bob" },
  { "bad-username", "^\\[user bob\\]$", "[user Bob]", "user Bob" },
  { "not-a-key-file", "^\\[keyring\\]$", "this is not a key file", "damaged" },
};

static char *
good_two_user_sidecar (Fixture *fixture)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = make_keyring (fixture, key, "bob", BOB_PW, NULL);
  g_autoptr(GBytes) bytes = read_bytes (fixture->keys_path);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
assert_load_corrupt (Fixture    *fixture,
                     const char *contents,
                     gssize      len,
                     const char *in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmKeyring) keyring = NULL;

  g_file_set_contents (fixture->keys_path, contents, len, &error);
  g_assert_no_error (error);

  keyring = wm_keyring_load (fixture->db_path, &error);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT);
  g_assert_null (keyring);
  if (in_message != NULL)
    g_assert_nonnull (strstr (error->message, in_message));
}

static void
test_corrupt (Fixture       *fixture,
              gconstpointer  user_data)
{
  const CorruptCase *test_case = user_data;
  g_autofree char *good = good_two_user_sidecar (fixture);
  g_autofree char *bad = NULL;
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GError) error = NULL;

  regex = g_regex_new (test_case->pattern, G_REGEX_MULTILINE, 0, &error);
  g_assert_no_error (error);
  bad = g_regex_replace (regex, good, -1, 0, test_case->replacement, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bad, !=, good);

  assert_load_corrupt (fixture, bad, -1, test_case->in_message);
}

static void
test_corrupt_whole_file (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree char *good = good_two_user_sidecar (fixture);
  static const char binary[] = "\0\x01\x02\xff\xfe garbage";

  /* Every cut through the file must be refused, wherever it falls (short of the final
   * newline, which carries nothing). */
  for (gsize len = 0; len < strlen (good) - 1; len += 7)
    assert_load_corrupt (fixture, good, len, NULL);

  assert_load_corrupt (fixture, binary, sizeof binary - 1, NULL);
  assert_load_corrupt (fixture, "[keyring]\nversion=1\n", -1, "no users");
}

/* Swaps one field of alice's slot for bob's: the file parses, but alice's password must not
 * then yield a key it did not seal. */
static void
swap_field_and_unlock (Fixture    *fixture,
                       const char *field,
                       const char *in_message)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(WmKeyring) keyring = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bob_value = NULL;
  g_auto (WmSecretBytes) key = NULL;

  g_key_file_load_from_file (file, fixture->keys_path, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  bob_value = g_key_file_get_string (file, "user bob", field, NULL);
  g_key_file_set_string (file, "user alice", field, bob_value);
  g_key_file_save_to_file (file, fixture->keys_path, &error);
  g_assert_no_error (error);

  keyring = reload (fixture);
  key = wm_keyring_unlock (keyring, "alice", ALICE_PW, &error);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT);
  g_assert_null (key);
  g_assert_nonnull (strstr (error->message, in_message));
}

static void
test_corrupt_slot (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autofree char *good = good_two_user_sidecar (fixture);

  swap_field_and_unlock (fixture, "public-key", "key pair");
  write_text (fixture->keys_path, good);
  swap_field_and_unlock (fixture, "sealed-data-key", "data key");
}

static const char *const valid_usernames[] = {
  "a",
  "a.b_c-9",
  "0",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
};

static const char *const invalid_usernames[] = {
  "",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
  "Alice",
  "al ice",
  "al/ice",
  "al]ice",
  "al=ice",
  "al\nice",
  "ålice",
  NULL,
};

static void
test_username_validation (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = NULL;
  g_autoptr(FileState) before = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (invalid_usernames); i++)
    {
      g_autoptr(WmKeyring) refused = NULL;

      g_assert_false (wm_keyring_validate_username (invalid_usernames[i], &error));
      g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, "username"));
      g_clear_error (&error);

      refused = wm_keyring_create (fixture->db_path, invalid_usernames[i], ALICE_PW, WM_KDF_MIN,
                                   key, &error);
      g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "username"));
      g_assert_null (refused);
      g_assert_false (wm_keyring_exists (fixture->db_path));
      g_clear_error (&error);
    }

  keyring = make_keyring (fixture, key, NULL);
  before = file_state_new (fixture);
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_usernames); i++)
    {
      g_assert_false (wm_keyring_add_user (keyring, key, invalid_usernames[i], BOB_PW,
                                           WM_KDF_MIN, &error));
      g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "username"));
      g_clear_error (&error);
    }
  assert_unchanged (fixture, before);

  for (gsize i = 0; i < G_N_ELEMENTS (valid_usernames); i++)
    {
      g_assert_true (wm_keyring_validate_username (valid_usernames[i], &error));
      g_assert_no_error (error);
      wm_keyring_add_user (keyring, key, valid_usernames[i], BOB_PW, WM_KDF_MIN, &error);
      g_assert_no_error (error);
    }
  g_clear_pointer (&keyring, wm_keyring_free);

  keyring = reload (fixture);
  for (gsize i = 0; i < G_N_ELEMENTS (valid_usernames); i++)
    assert_unlocks_to (keyring, valid_usernames[i], BOB_PW, key);
}

static void
test_empty_password (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_auto (WmSecretBytes) key = wm_data_key_new_random ();
  g_autoptr(WmKeyring) keyring = NULL;
  g_autoptr(FileState) before = NULL;
  g_autoptr(GError) error = NULL;

  keyring = wm_keyring_create (fixture->db_path, "alice", "", WM_KDF_MIN, key, &error);
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "password"));
  g_assert_null (keyring);
  g_assert_false (wm_keyring_exists (fixture->db_path));
  g_clear_error (&error);

  keyring = make_keyring (fixture, key, NULL);
  before = file_state_new (fixture);
  g_assert_false (wm_keyring_add_user (keyring, key, "bob", "", WM_KDF_MIN, &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (wm_keyring_reset_password (keyring, key, "alice", "", WM_KDF_MIN, &error));
  g_assert_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID);
  assert_unchanged (fixture, before);
}

static void
test_data_key_random (void)
{
  g_auto (WmSecretBytes) a = wm_data_key_new_random ();
  g_auto (WmSecretBytes) b = wm_data_key_new_random ();
  static const guint8 zero[WM_DATA_KEY_BYTES] = { 0 };

  g_assert_true (memcmp (a, b, WM_DATA_KEY_BYTES) != 0);
  g_assert_true (memcmp (a, zero, WM_DATA_KEY_BYTES) != 0);

  wm_data_key_free (NULL);
  wm_secret_string_free (NULL);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/keyring/data-key-random", test_data_key_random);
  g_test_add_func ("/keyring/kdf-default", test_kdf_default);
  g_test_add_func ("/keyring/recovery/round-trip", test_recovery_round_trip);
  g_test_add_func ("/keyring/recovery/invalid", test_recovery_invalid);

  ADD ("/keyring/create-unlock", test_create_unlock);
  ADD ("/keyring/create-refuses-existing", test_create_refuses_existing);
  ADD ("/keyring/create-refuses-leftover-pending", test_create_refuses_leftover_pending);
  ADD ("/keyring/file-format", test_file_format);
  ADD ("/keyring/kdf-moderate", test_kdf_moderate);
  ADD ("/keyring/wrong-password", test_wrong_password);
  ADD ("/keyring/unknown-user", test_unknown_user);
  ADD ("/keyring/add-user", test_add_user);
  ADD ("/keyring/change-password", test_change_password);
  ADD ("/keyring/reset-password", test_reset_password);
  ADD ("/keyring/remove-user", test_remove_user);
  ADD ("/keyring/remove-user-rekey-fails", test_remove_user_rekey_fails);
  ADD ("/keyring/remove-user-crash", test_remove_user_crash);
  ADD ("/keyring/remove-user-rename-fails", test_remove_user_rename_fails);
  ADD ("/keyring/remove-last-user", test_remove_last_user);
  ADD ("/keyring/remove-unknown-user", test_remove_unknown_user);
  ADD ("/keyring/changed-elsewhere", test_changed_elsewhere);
  ADD ("/keyring/load-missing", test_load_missing);
  ADD ("/keyring/username-validation", test_username_validation);
  ADD ("/keyring/empty-password", test_empty_password);
  ADD ("/keyring/corrupt/whole-file", test_corrupt_whole_file);
  ADD ("/keyring/corrupt/slot-mismatch", test_corrupt_slot);

  for (gsize i = 0; i < G_N_ELEMENTS (corrupt_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/keyring/corrupt/", corrupt_cases[i].name, NULL);

      g_test_add (path, Fixture, &corrupt_cases[i], fixture_set_up, test_corrupt,
                  fixture_tear_down);
    }

  return g_test_run ();
}
