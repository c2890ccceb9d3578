/* wm-audit.h: the tamper-evident audit log inside the store.
 *
 * Each row carries hash = BLAKE2b-256(prev_hash || canonical row), so editing or deleting a
 * row in the middle breaks the chain at that row. Rows are appended by the store in the same
 * transaction as the change they describe. Summaries name actions and fields, never values.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define WM_AUDIT_HASH_BYTES 32

/* Appends a row; must run inside the caller's write transaction. @user_id < 0: no user. */
gboolean wm_audit_append (sqlite3     *db,
                          const char  *at,
                          gint64       user_id,
                          const char  *action,
                          const char  *entity,
                          gint64       entity_id,
                          const char  *summary,
                          GError     **error);

/* Walks the whole chain. Returns FALSE with an error only when the log cannot be read; a
 * broken chain sets *first_broken to the id of the first row that fails (0 when intact). */
gboolean wm_audit_verify (sqlite3     *db,
                          gint64      *first_broken,
                          gint64      *n_rows,
                          GError     **error);

G_END_DECLS
