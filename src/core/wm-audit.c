/* wm-audit.c: appending to and verifying the audit hash chain.
 *
 * The canonical form of a row is each field as "<length>:<bytes>" so that no two different
 * rows can serialise to the same bytes, whatever they contain.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "wm-audit.h"
#include "wm-store.h"

static void
add_field (crypto_generichash_state *state,
           const char               *value)
{
  g_autofree char *prefix = g_strdup_printf ("%zu:", value ? strlen (value) : (gsize) 0);

  crypto_generichash_update (state, (const guint8 *) prefix, strlen (prefix));
  if (value != NULL)
    crypto_generichash_update (state, (const guint8 *) value, strlen (value));
}

static void
add_int (crypto_generichash_state *state,
         gint64                    value,
         gboolean                  is_null)
{
  char buf[32];

  if (is_null)
    add_field (state, NULL);
  else
    {
      g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, value);
      add_field (state, buf);
    }
}

static void
row_hash (const guint8 *prev_hash,
          gint64        id,
          const char   *at,
          gint64        user_id,
          gboolean      user_null,
          const char   *action,
          const char   *entity,
          gint64        entity_id,
          gboolean      entity_null,
          const char   *summary,
          guint8       *out)
{
  crypto_generichash_state state;

  crypto_generichash_init (&state, NULL, 0, WM_AUDIT_HASH_BYTES);
  crypto_generichash_update (&state, prev_hash, WM_AUDIT_HASH_BYTES);
  add_int (&state, id, FALSE);
  add_field (&state, at);
  add_int (&state, user_id, user_null);
  add_field (&state, action);
  add_field (&state, entity);
  add_int (&state, entity_id, entity_null);
  add_field (&state, summary);
  crypto_generichash_final (&state, out, WM_AUDIT_HASH_BYTES);
}

static gboolean
sql_error (sqlite3  *db,
           GError  **error)
{
  g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_FAILED,
               _("Audit log: %s"), sqlite3_errmsg (db));
  return FALSE;
}

gboolean
wm_audit_append (sqlite3     *db,
                 const char  *at,
                 gint64       user_id,
                 const char  *action,
                 const char  *entity,
                 gint64       entity_id,
                 const char  *summary,
                 GError     **error)
{
  guint8 prev[WM_AUDIT_HASH_BYTES] = { 0 };
  guint8 hash[WM_AUDIT_HASH_BYTES];
  gint64 id = 1;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
                          -1, &stmt, NULL) != SQLITE_OK)
    return sql_error (db, error);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (stmt, 0) + 1;
      if (sqlite3_column_bytes (stmt, 1) == WM_AUDIT_HASH_BYTES)
        memcpy (prev, sqlite3_column_blob (stmt, 1), WM_AUDIT_HASH_BYTES);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return sql_error (db, error);

  row_hash (prev, id, at, user_id, user_id < 0, action, entity, entity_id, entity_id < 0,
            summary, hash);

  if (sqlite3_prepare_v2 (db,
                          "INSERT INTO audit_log (id, at, user_id, action, entity, entity_id,"
                          " summary, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    return sql_error (db, error);
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, at, -1, SQLITE_TRANSIENT);
  if (user_id >= 0)
    sqlite3_bind_int64 (stmt, 3, user_id);
  sqlite3_bind_text (stmt, 4, action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, entity, -1, SQLITE_TRANSIENT);
  if (entity_id >= 0)
    sqlite3_bind_int64 (stmt, 6, entity_id);
  sqlite3_bind_text (stmt, 7, summary, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 8, prev, WM_AUDIT_HASH_BYTES, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 9, hash, WM_AUDIT_HASH_BYTES, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return sql_error (db, error);
  return TRUE;
}

gboolean
wm_audit_verify (sqlite3  *db,
                 gint64   *first_broken,
                 gint64   *n_rows,
                 GError  **error)
{
  guint8 prev[WM_AUDIT_HASH_BYTES] = { 0 };
  sqlite3_stmt *stmt = NULL;
  gint64 expected_id = 1;
  gint64 count = 0;
  int rc;

  *first_broken = 0;
  if (sqlite3_prepare_v2 (db,
                          "SELECT id, at, user_id, action, entity, entity_id, summary,"
                          " prev_hash, hash FROM audit_log ORDER BY id",
                          -1, &stmt, NULL) != SQLITE_OK)
    return sql_error (db, error);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint8 hash[WM_AUDIT_HASH_BYTES];
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gboolean ok;

      count++;
      row_hash (prev, id,
                (const char *) sqlite3_column_text (stmt, 1),
                sqlite3_column_int64 (stmt, 2), sqlite3_column_type (stmt, 2) == SQLITE_NULL,
                (const char *) sqlite3_column_text (stmt, 3),
                (const char *) sqlite3_column_text (stmt, 4),
                sqlite3_column_int64 (stmt, 5), sqlite3_column_type (stmt, 5) == SQLITE_NULL,
                (const char *) sqlite3_column_text (stmt, 6),
                hash);

      /* A deleted row shows as a gap in the ids as well as a prev_hash mismatch. */
      ok = id == expected_id
           && sqlite3_column_bytes (stmt, 7) == WM_AUDIT_HASH_BYTES
           && sqlite3_column_bytes (stmt, 8) == WM_AUDIT_HASH_BYTES
           && memcmp (sqlite3_column_blob (stmt, 7), prev, WM_AUDIT_HASH_BYTES) == 0
           && memcmp (sqlite3_column_blob (stmt, 8), hash, WM_AUDIT_HASH_BYTES) == 0;
      if (!ok && *first_broken == 0)
        *first_broken = id;

      /* Continue from the stored hash so one edit reports one row, not every row after it. */
      if (sqlite3_column_bytes (stmt, 8) == WM_AUDIT_HASH_BYTES)
        memcpy (prev, sqlite3_column_blob (stmt, 8), WM_AUDIT_HASH_BYTES);
      expected_id = id + 1;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return sql_error (db, error);
  if (n_rows != NULL)
    *n_rows = count;
  return TRUE;
}
