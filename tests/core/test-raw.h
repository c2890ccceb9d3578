/* test-raw.h: direct access to a store's file through the SQLCipher C API, behind the
 * store's back, exactly as someone holding the raw (recovery) key could: for tampering
 * tests and for building files in an older schema.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>

static inline void
test_raw_exec (sqlite3    *db,
               const char *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg ? msg : sqlite3_errmsg (db));
}

static inline char *
test_raw_text (sqlite3    *db,
               const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

/* Opens the file the way the store does (wm-store.c apply_key, configure_cipher). */
static inline sqlite3 *
test_raw_open (const char   *path,
               const guint8 *key)
{
  sqlite3 *db = NULL;
  char hex[65];
  char sql[128];
  g_autofree char *version = NULL;
  g_autofree char *tables = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  version = test_raw_text (db, "PRAGMA cipher_version");
  g_assert_nonnull (version);

  sodium_bin2hex (hex, sizeof hex, key, 32);
  g_snprintf (sql, sizeof sql, "PRAGMA key = \"x'%s'\"", hex);
  test_raw_exec (db, sql);
  sodium_memzero (hex, sizeof hex);
  sodium_memzero (sql, sizeof sql);
  if (atoi (version) >= 4)
    test_raw_exec (db, "PRAGMA cipher_compatibility = 3");
  test_raw_exec (db, "PRAGMA cipher_page_size = 4096");

  /* Proves the key: a wrong one fails here with "file is not a database". */
  tables = test_raw_text (db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'");
  g_assert_cmpstr (tables, ==, "1");
  return db;
}
