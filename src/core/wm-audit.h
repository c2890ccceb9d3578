/* wm-audit.h: the hash chain of the audit log.
 *
 * Each row carries hash = BLAKE2b-256(prev_hash || canonical row), so editing or deleting a
 * row in the middle breaks the chain at that row. The store writes and reads the rows (SQL
 * lives in wm-store.c); this module only defines the canonical form and the hash, so the
 * writer and the verifier cannot disagree about it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WM_AUDIT_HASH_BYTES 32

/* @user_id and @entity_id < 0 mean NULL. */
void wm_audit_row_hash (const guint8 *prev_hash,
                        gint64        id,
                        const char   *at,
                        gint64        user_id,
                        const char   *action,
                        const char   *entity,
                        gint64        entity_id,
                        const char   *summary,
                        guint8       *out);

G_END_DECLS
