/* test-fail-closed.c: built against plain SQLite instead of SQLCipher on purpose. The store
 * must refuse to open anything rather than write an unencrypted database.
 *
 * This is the hazard of the GUI: libshumate links libsqlite3, and if its symbols won the
 * store would silently run unencrypted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-util.h"
#include "wm-store.h"

static void
test_plain_sqlite_refused (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "never.waymark", NULL);
  guint8 *key = test_key_new ();
  WmStore *store;

  store = wm_store_open (path, key, WM_STORE_OPEN_CREATE, &error);
  g_assert_null (store);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_SQLCIPHER);

  /* Nothing was written: SQLite creates the file lazily, and we stopped before any write. */
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GBytes) bytes = test_read_file (path);
      g_assert_cmpuint (g_bytes_get_size (bytes), ==, 0);
    }
  sodium_free (key);
  test_tmpdir_free (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fail-closed/plain-sqlite-refused", test_plain_sqlite_refused);
  return g_test_run ();
}
