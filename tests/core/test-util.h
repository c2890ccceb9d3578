/* test-util.h: small helpers shared by the core tests (temporary directories, keys, files).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

/* A fresh directory under the system temp dir, removed by test_tmpdir_free. */
static inline char *
test_tmpdir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("waymark-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static inline void
test_tmpdir_free (char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
  g_free (dir);
}

static inline guint8 *
test_key_new (void)
{
  guint8 *key;

  g_assert_cmpint (sodium_init (), >=, 0);
  key = sodium_malloc (32);
  randombytes_buf (key, 32);
  return key;
}

static inline GBytes *
test_read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static inline gboolean
test_bytes_contain (GBytes     *bytes,
                    const char *needle)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  gsize n = strlen (needle);

  /* Binary data: g_strstr_len would stop at the first NUL byte. */
  for (gsize i = 0; n <= len && i <= len - n; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}
