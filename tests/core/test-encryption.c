/* test-encryption.c: the database is encrypted at rest, and the charity can always read its
 * own data with the stock sqlcipher shell and the recovery key.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "test-util.h"
#include "wm-keyring.h"
#include "wm-store.h"

#define MARKER "Zanzibar-Quokka-7f3a91"

typedef struct
{
  char *dir;
  char *path;
  guint8 *key;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "enc.waymark", NULL);
  f->key = test_key_new ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  sodium_free (f->key);
  g_free (f->path);
  test_tmpdir_free (f->dir);
}

static WmCase *
save_marker_case (WmStore *store)
{
  g_autoptr(GError) error = NULL;
  WmCase *c = wm_case_new ();

  g_object_set (c, "notes", "Notes mention " MARKER " twice: " MARKER, NULL);
  g_object_set (wm_case_get_client (c), "given-name", MARKER, "town", "Harrogate", NULL);
  g_assert_true (wm_store_save_case (store, c, &error));
  g_assert_no_error (error);
  return c;
}

static void
assert_not_plaintext (const char *path)
{
  g_autoptr(GBytes) bytes = test_read_file (path);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpuint (len, >, 0);
  g_assert_false (len >= 15 && memcmp (data, "SQLite format 3", 15) == 0);
  g_assert_false (test_bytes_contain (bytes, MARKER));
  g_assert_false (test_bytes_contain (bytes, "CREATE TABLE"));
}

static void
test_file_encrypted (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmStore) store = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_autoptr(WmCase) c = NULL;

  g_assert_no_error (error);
  c = save_marker_case (store);
  g_clear_object (&store);
  assert_not_plaintext (f->path);
}

/* The same check catches a plain file: the assertion above can fail. */
static void
test_plain_file_is_detectable (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmStore) store = wm_store_open (f->path, NULL,
                                            WM_STORE_OPEN_CREATE | WM_STORE_OPEN_UNENCRYPTED,
                                            &error);
  g_autoptr(WmCase) c = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_no_error (error);
  c = save_marker_case (store);
  g_clear_object (&store);
  bytes = test_read_file (f->path);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 15, "SQLite format 3", 15);
  g_assert_true (test_bytes_contain (bytes, MARKER));
}

/* While a transaction is open the rollback journal holds the old pages, marker included:
 * it must be as unreadable as the database. */
static void
test_journal_encrypted (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmStore) store = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_autoptr(WmCase) c = NULL;
  g_autofree char *journal = g_strconcat (f->path, "-journal", NULL);
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autoptr(GBytes) bytes = NULL;

  g_assert_no_error (error);
  c = save_marker_case (store);

  g_assert_true (wm_store_begin (store, &error));
  g_object_set (c, "notes", "replaced", NULL);
  g_object_set (wm_case_get_client (c), "given-name", "Someone", NULL);
  g_assert_true (wm_store_save_case (store, c, &error));
  g_assert_no_error (error);

  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (journal, G_FILE_TEST_EXISTS));
  bytes = test_read_file (journal);
  g_assert_cmpuint (g_bytes_get_size (bytes), >, 4096);
  g_assert_false (test_bytes_contain (bytes, MARKER));
  g_assert_false (test_bytes_contain (bytes, "SQLite format 3"));
  wm_store_rollback (store);
  g_clear_object (&store);
  assert_not_plaintext (f->path);
}

static char *
run_sqlcipher_shell (const char *path,
                     const char *script,
                     char      **stderr_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  char *out = NULL;

  /* The key goes in on standard input, as the README tells people to do: never in argv. */
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                           | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           "sqlcipher", path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, script, NULL, &out, stderr_text, &error);
  g_assert_no_error (error);
  return out;
}

static void
test_stock_shell_reads_with_recovery_key (Fixture       *f,
                                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmStore) store = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_autoptr(WmCase) c = NULL;
  g_auto(WmSecretString) recovery = NULL;
  g_autoptr(GString) hex = g_string_new (NULL);
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;

  if (g_find_program_in_path ("sqlcipher") == NULL)
    {
      g_test_fail_printf ("the sqlcipher shell is not installed (tools/install-deps installs it)");
      return;
    }

  g_assert_no_error (error);
  c = save_marker_case (store);
  g_clear_object (&store);

  /* Exactly what README.md tells an administrator to type: the grouped recovery key with the
   * spaces taken out. */
  recovery = wm_data_key_format_recovery (f->key);
  for (const char *p = recovery; *p; p++)
    if (*p != ' ')
      g_string_append_c (hex, *p);
  script = g_strdup_printf ("PRAGMA key = \"x'%s'\";\n"
                            "PRAGMA cipher_page_size = 4096;\n"
                            "SELECT reference || '|' || given_name FROM cases"
                            " JOIN clients ON clients.id = cases.client_id;\n",
                            hex->str);
  out = run_sqlcipher_shell (f->path, script, &err);
  expected = g_strdup_printf ("%s|%s\n", c->reference, MARKER);
  g_assert_cmpstr (out, ==, expected);

  /* And a wrong key reads nothing. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  hex->str[0] = hex->str[0] == '0' ? '1' : '0';
  g_free (script);
  script = g_strdup_printf ("PRAGMA key = \"x'%s'\";\nPRAGMA cipher_page_size = 4096;\n"
                            "SELECT count(*) FROM cases;\n", hex->str);
  out = run_sqlcipher_shell (f->path, script, &err);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "not a database"));
}

static void
test_wrong_key_leaves_file_alone (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmStore) store = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_autoptr(WmCase) c = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  guint8 *other = test_key_new ();
  WmStore *wrong;

  c = save_marker_case (store);
  g_clear_object (&store);
  before = test_read_file (f->path);

  wrong = wm_store_open (f->path, other, WM_STORE_OPEN_NONE, &error);
  g_assert_null (wrong);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_WRONG_KEY);
  after = test_read_file (f->path);
  g_assert_true (g_bytes_equal (before, after));
  sodium_free (other);
}

static void
test_backup_is_encrypted_copy (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmStore) store = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_autoptr(WmCase) c = NULL;
  g_autoptr(WmCase) copy = NULL;
  g_autofree char *backup = g_build_filename (f->dir, "backup.waymark", NULL);
  g_autoptr(WmStore) restored = NULL;

  c = save_marker_case (store);
  g_assert_true (wm_store_backup (store, backup, &error));
  g_assert_no_error (error);
  /* Never over an existing file. */
  g_assert_false (wm_store_backup (store, backup, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_clear_object (&store);

  assert_not_plaintext (backup);
  restored = wm_store_open (backup, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  copy = wm_store_find_case (restored, c->reference, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (copy->client->given_name, ==, MARKER);
  g_assert_true (wm_store_check_integrity (restored, &error));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/encryption/file-encrypted", test_file_encrypted);
  ADD ("/encryption/plain-file-is-detectable", test_plain_file_is_detectable);
  ADD ("/encryption/journal-encrypted", test_journal_encrypted);
  ADD ("/encryption/stock-shell-reads-with-recovery-key", test_stock_shell_reads_with_recovery_key);
  ADD ("/encryption/wrong-key-leaves-file-alone", test_wrong_key_leaves_file_alone);
  ADD ("/encryption/backup-is-encrypted-copy", test_backup_is_encrypted_copy);
#undef ADD

  return g_test_run ();
}
