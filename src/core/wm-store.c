/* wm-store.c: the encrypted case store.
 *
 * Opening sets the key before anything touches the file, states the cipher settings
 * explicitly (so files open with SQLCipher 3.4 and 4.x alike) and refuses to go on when the
 * SQLite actually loaded is not SQLCipher. Statements are prepared once and cached.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wm-audit.h"
#include "wm-csv.h"
#include "wm-letter.h"
#include "wm-store.h"
#include "wm-vocab.h"

struct _WmStore
{
  GObject parent_instance;

  sqlite3 *db;
  char *path;
  char *cipher_version;
  GHashTable *statements; /* SQL text → sqlite3_stmt* */
  GHashTable *statements_by_address; /* fixed SQL's address → sqlite3_stmt* (prepare_fixed) */
  GHashTable *record_sql; /* WmRecordClass → SQL text for insert, update, select */
  gint64 actor;
  WmRole role;            /* the principal: what this handle may see and do */
  gint64 therapist_id;    /* the principal's therapist record (THERAPIST), else -1 */
  guint tx_depth;
  gboolean tx_failed;
  GArray *pending_changes; /* PendingChange, announced once the transaction commits */

  /* What this transaction last wrote, so a bulk insert need not read it back for every row.
   * Valid only inside the transaction that wrote it: BEGIN IMMEDIATE holds the write lock,
   * so no other connection can change either meanwhile. */
  gboolean audit_tail_known;
  gint64 audit_tail_id;
  guint8 audit_tail_hash[WM_AUDIT_HASH_BYTES];
  gboolean reference_known;
  gboolean reference_dirty; /* reference_last is not written yet: flushed at COMMIT */
  int reference_year;
  gint64 reference_last;

};

typedef struct
{
  const char *entity; /* static strings from the audit calls */
  gint64 id;
} PendingChange;

/* Beyond this many changes in one transaction (an import), one signal per kind of record. */
#define MAX_CHANGES_ANNOUNCED 64

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WmStore, wm_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (wm-store-error-quark, wm_store_error)

/* Helpers */

static gboolean
set_sql_error (WmStore  *self,
               GError  **error)
{
  int code = sqlite3_extended_errcode (self->db);
  WmStoreError kind = WM_STORE_ERROR_FAILED;

  if ((code & 0xff) == SQLITE_NOTADB)
    kind = WM_STORE_ERROR_WRONG_KEY;
  else if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
    kind = WM_STORE_ERROR_BUSY;
  else if ((code & 0xff) == SQLITE_CORRUPT)
    kind = WM_STORE_ERROR_CORRUPT;
  else if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
    kind = WM_STORE_ERROR_EXISTS;

  /* SQLite's messages name tables and constraints, never bound values. */
  g_set_error (error, WM_STORE_ERROR, kind, _("Database error: %s"), sqlite3_errmsg (self->db));
  return FALSE;
}

/* The current second in UTC, formatted once per second per thread: saving a case asks for
 * it several times, and formatting was 3% of that. */
typedef struct
{
  time_t second;
  int year;
  char iso8601[32];
} Clock;

static const Clock *
clock_now (void)
{
  static _Thread_local Clock clock = { .second = -1 };
  time_t now = time (NULL);
  struct tm tm;

  if (now != clock.second)
    {
      if (gmtime_r (&now, &tm) == NULL
          || strftime (clock.iso8601, sizeof clock.iso8601, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        g_error ("The system clock cannot be read");
      clock.year = tm.tm_year + 1900;
      clock.second = now;
    }
  return &clock;
}

static char *
now_iso8601 (void)
{
  return g_strdup (clock_now ()->iso8601);
}

/* The statement cache's hash: the length and the first and last 32 bytes. Statements run
 * several times per saved record, and g_str_hash over a 400-byte INSERT cost more than the
 * rest of the lookup; equality still compares the whole text, so this is only faster. */
static guint
statement_hash (gconstpointer key)
{
  const char *sql = key;
  gsize len = strlen (sql);
  guint h = (guint) len;

  for (gsize i = 0; i < MIN (len, 32); i++)
    h = h * 31 + (guchar) sql[i];
  for (gsize i = len > 64 ? len - 32 : MIN (len, 32); i < len; i++)
    h = h * 31 + (guchar) sql[i];
  return h;
}

/* Returns a cached statement, reset and with bindings cleared. */
static sqlite3_stmt *
prepare (WmStore     *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/* prepare() for SQL text that lives as long as the store: a literal, or record_sql()'s.
 * Its address finds the statement without hashing the text, for the statements saving a
 * record runs each time. The text is still compared, so a mistaken caller gets the right
 * statement, only more slowly. */
static sqlite3_stmt *
prepare_fixed (WmStore     *self,
               const char  *sql,
               GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements_by_address, sql);

  if (stmt != NULL && strcmp (sqlite3_sql (stmt), sql) == 0)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  stmt = prepare (self, sql, error);
  if (stmt != NULL)
    g_hash_table_insert (self->statements_by_address, (gpointer) sql, stmt);
  return stmt;
}

static gboolean
exec (WmStore     *self,
      const char  *sql,
      GError     **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, WM_STORE_ERROR,
                   (sqlite3_errcode (self->db) == SQLITE_NOTADB) ? WM_STORE_ERROR_WRONG_KEY
                                                                  : WM_STORE_ERROR_FAILED,
                   _("Database error: %s"), msg ? msg : sqlite3_errmsg (self->db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Steps a statement that returns no rows. */
static gboolean
step_done (WmStore       *self,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sql_error (self, error);
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           i,
           const char   *value)
{
  if (value == NULL || *value == '\0')
    sqlite3_bind_null (stmt, i);
  else
    sqlite3_bind_text (stmt, i, value, -1, SQLITE_TRANSIENT);
}

static void
bind_nullable_int (sqlite3_stmt *stmt,
                   int           i,
                   gint64        value)
{
  if (value < 0)
    sqlite3_bind_null (stmt, i);
  else
    sqlite3_bind_int64 (stmt, i, value);
}

static char *
dup_column_text (sqlite3_stmt *stmt,
                 int           i)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, i));
}

/* Transactions */


/* Emits ::changed for what the committed transaction changed. Signals are emitted only after
 * COMMIT, so a handler that reads the store sees the new state, and never for a rollback. */
static void
announce_changes (WmStore *self)
{
  g_autoptr(GArray) changes = self->pending_changes;

  self->pending_changes = g_array_new (FALSE, FALSE, sizeof (PendingChange));
  if (changes->len > MAX_CHANGES_ANNOUNCED)
    {
      g_autoptr(GHashTable) kinds = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < changes->len; i++)
        {
          const char *entity = g_array_index (changes, PendingChange, i).entity;

          if (g_hash_table_add (kinds, (gpointer) entity))
            g_signal_emit (self, signals[SIGNAL_CHANGED], 0, entity, (gint64) -1);
        }
      return;
    }
  for (guint i = 0; i < changes->len; i++)
    {
      const PendingChange *c = &g_array_index (changes, PendingChange, i);

      g_signal_emit (self, signals[SIGNAL_CHANGED], 0, c->entity, c->id);
    }
}

/* Writes the year's reference counter that next_reference() kept in memory: once per
 * transaction rather than once per case. */
static gboolean
flush_reference_counter (WmStore  *self,
                         GError  **error)
{
  sqlite3_stmt *stmt;

  if (!self->reference_dirty)
    return TRUE;
  stmt = prepare_fixed (self,
                        "INSERT OR REPLACE INTO reference_counters (year, last) VALUES (?, ?)",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, self->reference_year);
  sqlite3_bind_int64 (stmt, 2, self->reference_last);
  if (!step_done (self, stmt, error))
    return FALSE;
  self->reference_dirty = FALSE;
  return TRUE;
}

static void
forget_transaction_state (WmStore *self)
{
  self->audit_tail_known = FALSE;
  self->reference_known = FALSE;
  self->reference_dirty = FALSE;
}

gboolean
wm_store_begin (WmStore  *self,
                GError  **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (self->tx_depth == 0)
    {
      /* IMMEDIATE takes the write lock now, so a busy database fails before any work. */
      if (!exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      self->tx_failed = FALSE;
      forget_transaction_state (self);
    }
  self->tx_depth++;
  return TRUE;
}

gboolean
wm_store_commit (WmStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->tx_depth > 0, FALSE);

  if (--self->tx_depth > 0)
    return TRUE;
  if (self->tx_failed)
    {
      exec (self, "ROLLBACK", NULL);
      g_array_set_size (self->pending_changes, 0);
      forget_transaction_state (self);
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_FAILED,
                   _("The changes were not saved because part of them failed"));
      return FALSE;
    }
  if (!flush_reference_counter (self, error) || !exec (self, "COMMIT", error))
    {
      exec (self, "ROLLBACK", NULL);
      g_array_set_size (self->pending_changes, 0);
      forget_transaction_state (self);
      return FALSE;
    }
  forget_transaction_state (self);
  announce_changes (self);
  return TRUE;
}

void
wm_store_rollback (WmStore *self)
{
  g_return_if_fail (WM_IS_STORE (self));
  g_return_if_fail (self->tx_depth > 0);

  /* An inner failure dooms the whole outer transaction: imports are all-or-nothing. */
  if (--self->tx_depth > 0)
    {
      self->tx_failed = TRUE;
      return;
    }
  exec (self, "ROLLBACK", NULL);
  g_array_set_size (self->pending_changes, 0);
  forget_transaction_state (self);
}

/* Appends a row to the audit log's hash chain; must run inside the caller's transaction. */
static gboolean
audit_append (WmStore     *self,
              const char  *at,
              const char  *action,
              const char  *entity,
              gint64       entity_id,
              const char  *summary,
              GError     **error)
{
  guint8 prev[WM_AUDIT_HASH_BYTES] = { 0 };
  guint8 hash[WM_AUDIT_HASH_BYTES];
  gint64 id = 1;
  sqlite3_stmt *stmt;
  int rc;

  if (self->tx_depth > 0 && self->audit_tail_known)
    {
      id = self->audit_tail_id + 1;
      memcpy (prev, self->audit_tail_hash, WM_AUDIT_HASH_BYTES);
    }
  else
    {
      stmt = prepare (self, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", error);
      if (stmt == NULL)
        return FALSE;
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          id = sqlite3_column_int64 (stmt, 0) + 1;
          if (sqlite3_column_bytes (stmt, 1) == WM_AUDIT_HASH_BYTES)
            memcpy (prev, sqlite3_column_blob (stmt, 1), WM_AUDIT_HASH_BYTES);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return set_sql_error (self, error);
    }

  wm_audit_row_hash (prev, id, at, self->actor, action, entity, entity_id, summary, hash);

  stmt = prepare_fixed (self, "INSERT INTO audit_log (id, at, user_id, action, entity,"
                              " entity_id, summary, prev_hash, hash)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  /* Bound without copies: every value outlives the step, which step_done() resets. */
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, at, -1, SQLITE_STATIC);
  bind_nullable_int (stmt, 3, self->actor);
  sqlite3_bind_text (stmt, 4, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, entity, -1, SQLITE_STATIC);
  bind_nullable_int (stmt, 6, entity_id);
  sqlite3_bind_text (stmt, 7, summary, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 8, prev, WM_AUDIT_HASH_BYTES, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 9, hash, WM_AUDIT_HASH_BYTES, SQLITE_STATIC);
  if (!step_done (self, stmt, error))
    {
      self->audit_tail_known = FALSE;
      return FALSE;
    }
  self->audit_tail_known = self->tx_depth > 0;
  self->audit_tail_id = id;
  memcpy (self->audit_tail_hash, hash, WM_AUDIT_HASH_BYTES);
  return TRUE;
}

static gboolean
audit (WmStore     *self,
       const char  *at,
       const char  *action,
       const char  *entity,
       gint64       entity_id,
       const char  *summary,
       GError     **error)
{
  g_autofree char *now = NULL;
  static const char * const not_changes[] = {
    "view", "login", "login-refused", "export", "backup", "migrate", "rekey", NULL
  };

  if (at == NULL)
    at = now = now_iso8601 ();
  if (!audit_append (self, at, action, entity, entity_id, summary, error))
    return FALSE;
  /* Every change writes exactly one audit row, so this is where changes are noticed. */
  if (!g_strv_contains (not_changes, action))
    {
      PendingChange change = { g_intern_string (entity), entity_id };
      g_array_append_val (self->pending_changes, change);
    }
  return TRUE;
}

gboolean
wm_store_audit (WmStore     *self,
                const char  *action,
                const char  *entity,
                gint64       entity_id,
                const char  *summary,
                GError     **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (!wm_store_begin (self, error))
    return FALSE;
  if (!audit (self, NULL, action, entity, entity_id, summary, error))
    {
      wm_store_rollback (self);
      return FALSE;
    }
  return wm_store_commit (self, error);
}

/* Schema */

static const char migration_1[] =
  "CREATE TABLE settings ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT);"
  "CREATE TABLE specialisms ("
  "  code TEXT PRIMARY KEY,"
  "  label TEXT NOT NULL);"
  "CREATE TABLE therapists ("
  "  id INTEGER PRIMARY KEY,"
  "  external_id TEXT UNIQUE,"
  "  title TEXT, given_name TEXT NOT NULL, family_name TEXT NOT NULL, gender TEXT,"
  "  email TEXT, phone TEXT, address TEXT, town TEXT, postcode TEXT,"
  "  latitude REAL, longitude REAL,"
  "  in_person INTEGER NOT NULL, online INTEGER NOT NULL, languages TEXT,"
  "  max_caseload INTEGER NOT NULL, accepting INTEGER NOT NULL,"
  "  fee_min INTEGER, fee_max INTEGER, low_cost INTEGER NOT NULL,"
  "  registration_body TEXT, registration_number TEXT, registration_expires TEXT,"
  "  insurance_expires TEXT, dbs_checked TEXT,"
  "  training_completed INTEGER NOT NULL, supervision_confirmed INTEGER NOT NULL,"
  "  notes TEXT, active INTEGER NOT NULL,"
  "  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
  "CREATE INDEX therapists_name ON therapists (family_name, given_name);"
  "CREATE TABLE therapist_specialisms ("
  "  therapist_id INTEGER NOT NULL REFERENCES therapists (id) ON DELETE CASCADE,"
  "  code TEXT NOT NULL REFERENCES specialisms (code),"
  "  PRIMARY KEY (therapist_id, code)) WITHOUT ROWID;"
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  username TEXT NOT NULL UNIQUE,"
  "  display_name TEXT,"
  "  role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'therapist')),"
  "  therapist_id INTEGER REFERENCES therapists (id),"
  "  disabled INTEGER NOT NULL DEFAULT 0,"
  "  must_change_password INTEGER NOT NULL DEFAULT 0,"
  "  created_at TEXT NOT NULL);"
  "CREATE TABLE clients ("
  "  id INTEGER PRIMARY KEY,"
  "  given_name TEXT, family_name TEXT, preferred_name TEXT, gender TEXT, birth_year INTEGER,"
  "  phone TEXT, email TEXT, address TEXT, town TEXT, postcode TEXT,"
  "  latitude REAL, longitude REAL, location_precision TEXT NOT NULL, language TEXT,"
  "  contact_voicemail_ok INTEGER NOT NULL, contact_letter_ok INTEGER NOT NULL,"
  "  contact_email_ok INTEGER NOT NULL);"
  "CREATE TABLE cases ("
  "  id INTEGER PRIMARY KEY,"
  "  reference TEXT NOT NULL UNIQUE,"
  "  client_id INTEGER NOT NULL REFERENCES clients (id),"
  "  status TEXT NOT NULL, category TEXT NOT NULL, cjs_status TEXT NOT NULL,"
  "  police_aware INTEGER NOT NULL, needs TEXT, desired TEXT,"
  "  preferred_gender TEXT, gender_required INTEGER NOT NULL, language TEXT,"
  "  online_ok INTEGER NOT NULL, max_distance_km INTEGER, funding TEXT NOT NULL,"
  "  risk_safeguarding INTEGER NOT NULL, risk_self_harm INTEGER NOT NULL,"
  "  urgent INTEGER NOT NULL,"
  "  linked_case_id INTEGER REFERENCES cases (id),"
  "  assigned_therapist_id INTEGER REFERENCES therapists (id),"
  "  opened_at TEXT NOT NULL, closed_at TEXT, outcome TEXT, notes TEXT,"
  "  created_by INTEGER REFERENCES users (id), updated_by INTEGER REFERENCES users (id),"
  "  updated_at TEXT NOT NULL);"
  "CREATE INDEX cases_opened ON cases (opened_at DESC, id DESC);"
  /* The case list filters by status or risk and always orders newest first: indexes in
   * that order spare a sort of every matching row (100 ms on 100,000 cases without). */
  "CREATE INDEX cases_status ON cases (status, opened_at DESC, id DESC);"
  "CREATE INDEX cases_risk ON cases (opened_at DESC, id DESC)"
  "  WHERE urgent OR risk_safeguarding OR risk_self_harm;"
  "CREATE INDEX cases_client ON cases (client_id);"
  "CREATE TABLE case_events ("
  "  id INTEGER PRIMARY KEY,"
  "  case_id INTEGER NOT NULL REFERENCES cases (id),"
  "  at TEXT NOT NULL,"
  "  user_id INTEGER REFERENCES users (id),"
  "  kind TEXT NOT NULL,"
  "  body TEXT);"
  "CREATE INDEX case_events_case ON case_events (case_id, id);"
  "CREATE TABLE referrals ("
  "  id INTEGER PRIMARY KEY,"
  "  case_id INTEGER NOT NULL REFERENCES cases (id),"
  "  therapist_id INTEGER NOT NULL REFERENCES therapists (id),"
  "  state TEXT NOT NULL, score REAL, explanation TEXT,"
  "  sent_at TEXT, first_contact_at TEXT, ended_at TEXT, decline_reason TEXT,"
  "  created_by INTEGER REFERENCES users (id));"
  "CREATE INDEX referrals_case ON referrals (case_id);"
  "CREATE INDEX referrals_therapist ON referrals (therapist_id, state);"
  "CREATE TABLE reference_counters ("
  "  year INTEGER PRIMARY KEY,"
  "  last INTEGER NOT NULL);"
  "CREATE TABLE audit_log ("
  "  id INTEGER PRIMARY KEY,"
  "  at TEXT NOT NULL, user_id INTEGER, action TEXT NOT NULL, entity TEXT NOT NULL,"
  "  entity_id INTEGER, summary TEXT,"
  "  prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
  /* A 2-letter prefix index keeps search-as-you-type fast; more prefix indexes cost 10% of a
   * bulk insert each and measured no faster search. */
  "CREATE VIRTUAL TABLE case_search USING fts4 ("
  "  reference, names, town, tokenize=unicode61, prefix=\"2\");";

/* Letter templates; seeded with the built-in ones (seed_letter_templates). */
static const char migration_2[] =
  "CREATE TABLE letter_templates ("
  "  name TEXT PRIMARY KEY,"
  "  title TEXT,"
  "  body TEXT NOT NULL,"
  "  builtin INTEGER,"
  "  updated_at TEXT);";

/* A cheaper search index, for bulk inserts (issue 2's 100,000 cases in 3 s):
 * - References are searched through their unique index (see wm_store_query_case_ids), not
 *   the full-text index: "WM" and the year were in every document, and the number in only
 *   one, which made it a new term each time (together 0.36 G instructions per 20,000
 *   cases saved, measured with bench-store).
 * - The FTS3 form of the same SQLite module: FTS4 adds only per-document sizes and totals
 *   for ranking, written with every insert (6.5% of saving a case), and the case list orders
 *   by date, never by rank. Tokenizer, prefix index and queries are the same.
 * - cases_client served no query: clients are always reached from their case.
 * - cases_status goes; cases_opened carries the status instead, so a status filter reads
 *   that one index in date order without touching the table: 10-25 ms over 100,000 cases
 *   (from under 1 ms for a rare status), for one index write less per case (6.7%). */
static const char migration_3[] =
  "DROP INDEX IF EXISTS cases_client;"
  "DROP INDEX IF EXISTS cases_status;"
  "DROP INDEX IF EXISTS cases_opened;"
  "CREATE INDEX cases_opened ON cases (opened_at DESC, id DESC, status);"
  "DROP TABLE case_search;"
  "CREATE VIRTUAL TABLE case_search USING fts3 ("
  "  names, town, tokenize=unicode61, prefix=\"2\");"
  "INSERT INTO case_search (docid, names, town)"
  "  SELECT c.id,"
  "         coalesce(cl.given_name, '') || ' ' || coalesce(cl.preferred_name, '') || ' '"
  "           || coalesce(cl.family_name, ''),"
  "         coalesce(cl.town, '') || ' ' || coalesce(cl.postcode, '')"
  "  FROM cases c JOIN clients cl ON cl.id = c.client_id;";

/* migrations[v] takes a database from version v - 1 to v. Never edit a shipped one: add. */
static const char * const migrations[] = {
  NULL,
  migration_1,
  migration_2,
  migration_3,
};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == WM_STORE_SCHEMA_VERSION + 1);

static gboolean
seed_specialisms (WmStore  *self,
                  GError  **error)
{
  const WmVocabEntry *entries;
  guint n;
  sqlite3_stmt *stmt;

  entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  stmt = prepare (self, "INSERT INTO specialisms (code, label) VALUES (?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      sqlite3_bind_text (stmt, 1, entries[i].code, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, entries[i].label, -1, SQLITE_STATIC);
      if (!step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* The built-in templates in the language of whoever creates the database; from then on
 * they are the organisation's to edit. */
static gboolean
seed_letter_templates (WmStore  *self,
                       GError  **error)
{
  g_autofree char *now = now_iso8601 ();
  const WmLetterBuiltin *builtins;
  guint n;
  sqlite3_stmt *stmt;

  builtins = wm_letter_builtin_templates (&n);
  stmt = prepare (self, "INSERT INTO letter_templates (name, title, body, builtin, updated_at)"
                        " VALUES (?, ?, ?, 1, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      sqlite3_bind_text (stmt, 1, builtins[i].name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, _(builtins[i].title), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, _(builtins[i].body), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, now, -1, SQLITE_TRANSIENT);
      if (!step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
apply_migrations (WmStore  *self,
                  GError  **error)
{
  sqlite3_stmt *stmt;
  int version;

  stmt = prepare (self, "PRAGMA user_version", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return set_sql_error (self, error);
  version = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);

  if (version > WM_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TOO_NEW,
                   _("This database was written by a newer version of Waymark (schema %d)"),
                   version);
      return FALSE;
    }
  if (version == WM_STORE_SCHEMA_VERSION)
    return TRUE;

  /* All pending migrations in one transaction: a crash leaves the old schema intact. */
  if (!wm_store_begin (self, error))
    return FALSE;
  for (int v = version + 1; v <= WM_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", v);
      const char *sql = migrations[v];

      if (!exec (self, sql, error)
          || (v == 1 && !seed_specialisms (self, error))
          || (v == 2 && !seed_letter_templates (self, error))
          || !exec (self, set_version, error))
        {
          wm_store_rollback (self);
          return FALSE;
        }
    }
  if (!audit (self, NULL, "migrate", "database", -1, "schema migrated", error))
    {
      wm_store_rollback (self);
      return FALSE;
    }
  return wm_store_commit (self, error);
}

/* Opening */

/* Runs PRAGMA key or rekey with the key in SQLCipher's raw-key form. The statement text is
 * built in sodium memory so the hex form of the key is wiped after use. */
static gboolean
apply_key (WmStore       *self,
           const char    *pragma,
           const guint8  *key,
           GError       **error)
{
  enum { SQL_LEN = 128 };
  char *sql = sodium_malloc (SQL_LEN);
  char *hex = sodium_malloc (65);
  gboolean ok;

  g_assert (sql != NULL && hex != NULL);
  sodium_bin2hex (hex, 65, key, 32);
  g_snprintf (sql, SQL_LEN, "PRAGMA %s = \"x'%s'\"", pragma, hex);
  ok = sqlite3_exec (self->db, sql, NULL, NULL, NULL) == SQLITE_OK;
  sodium_free (hex);
  sodium_free (sql);
  if (!ok)
    return set_sql_error (self, error);
  return TRUE;
}

static gboolean
read_cipher_version (WmStore  *self,
                     GError  **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA cipher_version", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    self->cipher_version = dup_column_text (stmt, 0);
  sqlite3_finalize (stmt);

  if (self->cipher_version == NULL || *self->cipher_version == '\0')
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_SQLCIPHER,
                   _("The SQLite library in use is not SQLCipher; refusing to open the database "
                     "without encryption"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
configure_cipher (WmStore  *self,
                  GError  **error)
{
  /* SQLCipher 4 changed its defaults; these are the 3.x settings with 4 KiB pages, which
   * both versions read when told so. The HMAC stays on (the default in both). */
  if (g_ascii_strtoll (self->cipher_version, NULL, 10) >= 4
      && !exec (self, "PRAGMA cipher_compatibility = 3", error))
    return FALSE;
  return exec (self, "PRAGMA cipher_page_size = 4096", error);
}

/* Process-wide settings, which SQLite takes only before its first use. Memory statistics
 * take a global mutex on every allocation (7% of a bulk insert) and nothing reads them. If
 * something else in the process initialised SQLite first, this fails harmlessly. */
static void
configure_sqlite_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&done, 1);
    }
}

WmStore *
wm_store_open (const char        *path,
               const guint8      *key,
               WmStoreOpenFlags   flags,
               GError           **error)
{
  g_autoptr(WmStore) self = NULL;
  /* Always with CREATE: ATTACH (for backups) may only create files when the connection may.
   * A missing file without WM_STORE_OPEN_CREATE is refused below, before SQLite sees it.
   * NOMUTEX: a WmStore is used by one thread at a time (its statement cache and transaction
   * depth are unlocked; the GUI hands a store to a worker only while it waits), so SQLite's
   * per-connection mutex guarded nothing more and cost 4% of a bulk insert. */
  int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  gboolean encrypted = (flags & WM_STORE_OPEN_UNENCRYPTED) == 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (!encrypted || key != NULL, NULL);

  if (sodium_init () < 0)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_FAILED,
                   _("The cryptography library could not be initialised"));
      return NULL;
    }
  configure_sqlite_once ();
  if (!(flags & WM_STORE_OPEN_CREATE) && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND,
                   _("Cannot open the database file: it does not exist"));
      return NULL;
    }

  self = g_object_new (WM_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  if (sqlite3_open_v2 (path, &self->db, open_flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND,
                   _("Cannot open the database file: %s"),
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);

  if (!read_cipher_version (self, error))
    return NULL;
  if (encrypted && !apply_key (self, "key", key, error))
    return NULL;
  if (encrypted && !configure_cipher (self, error))
    return NULL;

  /* The first read proves the key before anything could be written. */
  if (!exec (self, "SELECT count(*) FROM sqlite_master", error))
    {
      if (error != NULL && *error != NULL && (*error)->code == WM_STORE_ERROR_WRONG_KEY)
        {
          g_clear_error (error);
          g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_WRONG_KEY,
                       _("The key does not open this database, or the file is not a Waymark "
                         "database"));
        }
      return NULL;
    }

  /* Rollback journal rather than WAL: SQLCipher 3.4 cannot re-key a WAL database. The
   * journal is encrypted like the database; FULL sync makes a commit survive power loss. */
  if (!exec (self,
             "PRAGMA foreign_keys = ON;"
             "PRAGMA secure_delete = ON;"
             "PRAGMA journal_mode = DELETE;"
             "PRAGMA synchronous = FULL;"
             "PRAGMA temp_store = MEMORY;"
             /* 64 MiB of decrypted pages: without it every search re-reads and decrypts the
              * same pages of a large file (2.6 times slower than plaintext, measured). */
             "PRAGMA cache_size = -65536;",
             error))
    return NULL;
  sqlite3_busy_timeout (self->db, 5000);

  if (!apply_migrations (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
wm_store_close (WmStore *self)
{
  g_return_if_fail (WM_IS_STORE (self));

  g_hash_table_remove_all (self->statements_by_address);
  g_hash_table_remove_all (self->statements);
  if (self->db != NULL)
    {
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
}

const char *
wm_store_get_path (WmStore *self)
{
  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  return self->path;
}

const char *
wm_store_get_cipher_version (WmStore *self)
{
  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  return self->cipher_version;
}

int
wm_store_get_schema_version (WmStore *self)
{
  sqlite3_stmt *stmt;
  int version = -1;

  g_return_val_if_fail (WM_IS_STORE (self), -1);
  stmt = prepare (self, "PRAGMA user_version", NULL);
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return version;
}

void
wm_store_set_actor (WmStore *self,
                    gint64   user_id)
{
  g_return_if_fail (WM_IS_STORE (self));
  /* Once a person is bound, the audit log must keep naming them. */
  g_return_if_fail (self->role == WM_ROLE_SYSTEM);
  self->actor = user_id < 0 ? -1 : user_id;
}

gint64
wm_store_get_actor (WmStore *self)
{
  g_return_val_if_fail (WM_IS_STORE (self), -1);
  return self->actor;
}

WmRole
wm_role_from_string (const char *role)
{
  if (g_strcmp0 (role, "admin") == 0)
    return WM_ROLE_ADMIN;
  if (g_strcmp0 (role, "coordinator") == 0)
    return WM_ROLE_COORDINATOR;
  return WM_ROLE_THERAPIST;
}

gboolean
wm_store_set_principal (WmStore  *self,
                        gint64    user_id,
                        WmRole    role,
                        gint64    therapist_id,
                        GError  **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  /* A handle only ever narrows: code holding a therapist's store cannot widen it. */
  if (self->role != WM_ROLE_SYSTEM)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_PERMISSION,
                   _("The person using this database is already set"));
      return FALSE;
    }
  if (role == WM_ROLE_THERAPIST && therapist_id <= 0)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_PERMISSION,
                   _("therapist_id: a therapist user must be linked to a therapist record"));
      return FALSE;
    }
  self->actor = user_id < 0 ? -1 : user_id;
  self->role = role;
  self->therapist_id = role == WM_ROLE_THERAPIST ? therapist_id : -1;
  return TRUE;
}

WmRole
wm_store_get_role (WmStore *self)
{
  g_return_val_if_fail (WM_IS_STORE (self), WM_ROLE_THERAPIST);
  return self->role;
}

gint64
wm_store_get_principal_therapist (WmStore *self)
{
  g_return_val_if_fail (WM_IS_STORE (self), -1);
  return self->therapist_id;
}

/* Permission checks. Each names what was refused, never any data. @what is marked with
 * N_() and translated only when refused: the checks run for every saved record. */
static gboolean
deny (GError     **error,
      const char  *what)
{
  g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_PERMISSION,
               _("Permission denied: your role may not %s"), _(what));
  return FALSE;
}

static gboolean
require_admin (WmStore     *self,
               const char  *what,
               GError     **error)
{
  if (self->role == WM_ROLE_SYSTEM || self->role == WM_ROLE_ADMIN)
    return TRUE;
  return deny (error, what);
}

static gboolean
require_staff (WmStore     *self,
               const char  *what,
               GError     **error)
{
  if (self->role != WM_ROLE_THERAPIST)
    return TRUE;
  return deny (error, what);
}

/* Whether the principal may see @case_id: staff see every case, a therapist only those with a
 * referral to their own record. A case they may not see reads as not found, so a therapist
 * cannot even learn which references exist. */
/* The referral states that let a therapist see a case: a live referral, or one they worked
 * on. A referral they declined, or that never reached the client, shows them nothing more. */
#define THERAPIST_REFERRAL_STATES "('sent', 'accepted', 'first-contact', 'ended')"

static gboolean
may_see_case (WmStore  *self,
              gint64    case_id,
              GError  **error)
{
  sqlite3_stmt *stmt;
  gboolean found;

  if (self->role != WM_ROLE_THERAPIST)
    return TRUE;
  stmt = prepare (self, "SELECT 1 FROM referrals WHERE case_id = ? AND therapist_id = ?"
                        " AND state IN " THERAPIST_REFERRAL_STATES, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, case_id);
  sqlite3_bind_int64 (stmt, 2, self->therapist_id);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (!found)
    g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND, _("No such case"));
  return found;
}

static void
wm_store_finalize (GObject *object)
{
  WmStore *self = WM_STORE (object);

  wm_store_close (self);
  g_clear_pointer (&self->statements_by_address, g_hash_table_unref);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->record_sql, g_hash_table_unref);
  g_clear_pointer (&self->pending_changes, g_array_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->cipher_version, g_free);
  G_OBJECT_CLASS (wm_store_parent_class)->finalize (object);
}

static void
wm_store_class_init (WmStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wm_store_finalize;

  /**
   * WmStore::changed:
   * @entity: "case", "therapist", "user", "setting", ...
   * @id: the record's id, or -1 for many records of that kind at once
   *
   * Emitted after a transaction that changed records has committed.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_INT64);
}

static void
record_sql_free (gpointer data)
{
  char **by_op = data;

  for (guint i = 0; i < 3; i++)
    g_free (by_op[i]);
  g_free (by_op);
}

static void
wm_store_init (WmStore *self)
{
  self->statements_by_address = g_hash_table_new (NULL, NULL);
  self->statements = g_hash_table_new_full (statement_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
  self->record_sql = g_hash_table_new_full (NULL, NULL, NULL, record_sql_free);
  self->pending_changes = g_array_new (FALSE, FALSE, sizeof (PendingChange));
  self->actor = -1;
  self->role = WM_ROLE_SYSTEM;
  self->therapist_id = -1;
}

/* Maintenance */

gboolean
wm_store_rekey (WmStore       *self,
                const guint8  *new_key,
                GError       **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  g_return_val_if_fail (new_key != NULL, FALSE);
  g_return_val_if_fail (self->tx_depth == 0, FALSE);

  if (!require_admin (self, N_("re-key the database"), error))
    return FALSE;

  /* Statements hold pages of the old key's cipher context; drop them first. */
  g_hash_table_remove_all (self->statements_by_address);
  g_hash_table_remove_all (self->statements);
  if (!apply_key (self, "rekey", new_key, error))
    return FALSE;
  return wm_store_audit (self, "rekey", "database", -1, "data key replaced", error);
}

gboolean
wm_store_check_integrity (WmStore  *self,
                          GError  **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *result = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  stmt = prepare (self, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    result = dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  if (g_strcmp0 (result, "ok") != 0)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_CORRUPT,
                   _("The database failed its integrity check: %s"),
                   result ? result : sqlite3_errmsg (self->db));
      return FALSE;
    }
  return TRUE;
}

gboolean
wm_store_verify_audit (WmStore  *self,
                       gint64   *first_broken,
                       gint64   *n_rows,
                       GError  **error)
{
  guint8 prev[WM_AUDIT_HASH_BYTES] = { 0 };
  sqlite3_stmt *stmt;
  gint64 expected_id = 1;
  gint64 count = 0;
  gint64 broken = 0;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (!require_admin (self, N_("verify the audit log"), error))
    return FALSE;

  stmt = prepare (self, "SELECT id, at, user_id, action, entity, entity_id, summary,"
                        " prev_hash, hash FROM audit_log ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint8 hash[WM_AUDIT_HASH_BYTES];
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gboolean ok;

      count++;
      wm_audit_row_hash (prev, id,
                         (const char *) sqlite3_column_text (stmt, 1),
                         sqlite3_column_type (stmt, 2) == SQLITE_NULL
                           ? -1 : sqlite3_column_int64 (stmt, 2),
                         (const char *) sqlite3_column_text (stmt, 3),
                         (const char *) sqlite3_column_text (stmt, 4),
                         sqlite3_column_type (stmt, 5) == SQLITE_NULL
                           ? -1 : sqlite3_column_int64 (stmt, 5),
                         (const char *) sqlite3_column_text (stmt, 6),
                         hash);

      /* A deleted row shows as a gap in the ids as well as a prev_hash mismatch. */
      ok = id == expected_id
           && sqlite3_column_bytes (stmt, 7) == WM_AUDIT_HASH_BYTES
           && sqlite3_column_bytes (stmt, 8) == WM_AUDIT_HASH_BYTES
           && memcmp (sqlite3_column_blob (stmt, 7), prev, WM_AUDIT_HASH_BYTES) == 0
           && memcmp (sqlite3_column_blob (stmt, 8), hash, WM_AUDIT_HASH_BYTES) == 0;
      if (!ok && broken == 0)
        broken = id;

      /* Continue from the stored hash so one edit reports one row, not every row after it. */
      if (sqlite3_column_bytes (stmt, 8) == WM_AUDIT_HASH_BYTES)
        memcpy (prev, sqlite3_column_blob (stmt, 8), WM_AUDIT_HASH_BYTES);
      expected_id = id + 1;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sql_error (self, error);
  *first_broken = broken;
  if (n_rows != NULL)
    *n_rows = count;
  return TRUE;
}

gboolean
wm_store_backup (WmStore     *self,
                 const char  *dest_path,
                 GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (!require_staff (self, N_("back up the database"), error))
    return FALSE;

  if (g_file_test (dest_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_EXISTS,
                   _("to: “%s” already exists; choose a new file"), dest_path);
      return FALSE;
    }
  /* Record the backup first, so the copy holds its own audit row. */
  if (!wm_store_audit (self, "backup", "database", -1, "backup written", error))
    return FALSE;

  /* No KEY clause: the copy takes the main database's key. (KEY '' would mean plaintext.) */
  if (sqlite3_prepare_v2 (self->db, "ATTACH DATABASE ? AS backup", -1, &stmt, NULL)
      != SQLITE_OK)
    return set_sql_error (self, error);
  sqlite3_bind_text (stmt, 1, dest_path, -1, SQLITE_TRANSIENT);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  if (!ok)
    return set_sql_error (self, error);

  ok = exec (self,
             "PRAGMA backup.cipher_page_size = 4096;"
             "SELECT sqlcipher_export('backup');"
             "PRAGMA backup.user_version = " G_STRINGIFY (WM_STORE_SCHEMA_VERSION) ";",
             error);
  exec (self, "DETACH DATABASE backup", NULL);
  if (!ok)
    g_unlink (dest_path);
  return ok;
}

/* Settings */

char *
wm_store_get_setting (WmStore    *self,
                      const char *key)
{
  sqlite3_stmt *stmt;
  char *value = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  stmt = prepare (self, "SELECT value FROM settings WHERE key = ?", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

gboolean
wm_store_set_setting (WmStore     *self,
                      const char  *key,
                      const char  *value,
                      GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *summary = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (!require_admin (self, N_("change the organisation’s settings"), error))
    return FALSE;

  if (!wm_store_begin (self, error))
    return FALSE;
  stmt = prepare (self, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  bind_text (stmt, 2, value);
  summary = g_strdup_printf ("setting %s changed", key);
  if (!step_done (self, stmt, error)
      || !audit (self, NULL, "update", "setting", -1, summary, error))
    goto fail;
  return wm_store_commit (self, error);

fail:
  wm_store_rollback (self);
  return FALSE;
}

/* Generic record SQL, built from each type's field table (identifiers only, never values). */

static gboolean
is_column (const WmField *field)
{
  return (field->flags & WM_FIELD_NO_COLUMN) == 0;
}

static const char *
record_sql (WmStore       *self,
            WmRecordClass *klass,
            const char    *op)
{
  /* Keyed by the class and the operation's first letter (i, u or s): no string is built for
   * the lookup, which runs for every record saved. */
  char **by_op = g_hash_table_lookup (self->record_sql, klass);
  int slot = op[0] == 'i' ? 0 : op[0] == 'u' ? 1 : 2;
  const char *sql;
  GString *s;

  if (by_op == NULL)
    {
      by_op = g_new0 (char *, 3);
      g_hash_table_insert (self->record_sql, klass, by_op);
    }
  if (by_op[slot] != NULL)
    return by_op[slot];

  s = g_string_new (NULL);
  if (strcmp (op, "insert") == 0)
    {
      guint n = 0;

      g_string_append_printf (s, "INSERT INTO %s (", klass->table);
      for (guint i = 0; i < klass->n_fields; i++)
        if (is_column (&klass->fields[i]))
          g_string_append_printf (s, "%s%s", n++ ? ", " : "", klass->fields[i].column);
      g_string_append (s, ") VALUES (");
      for (guint i = 0; i < n; i++)
        g_string_append (s, i ? ", ?" : "?");
      g_string_append (s, ")");
    }
  else if (strcmp (op, "update") == 0)
    {
      guint n = 0;

      g_string_append_printf (s, "UPDATE %s SET ", klass->table);
      for (guint i = 0; i < klass->n_fields; i++)
        if (is_column (&klass->fields[i]))
          g_string_append_printf (s, "%s%s = ?", n++ ? ", " : "", klass->fields[i].column);
      g_string_append (s, " WHERE id = ?");
    }
  else
    {
      g_assert (strcmp (op, "select") == 0);
      g_string_append (s, "SELECT id");
      for (guint i = 0; i < klass->n_fields; i++)
        if (is_column (&klass->fields[i]))
          g_string_append_printf (s, ", %s", klass->fields[i].column);
      g_string_append_printf (s, " FROM %s", klass->table);
    }

  sql = g_string_free (s, FALSE);
  by_op[slot] = (char *) sql;
  return sql;
}

/* Binds the record's columns from parameter 1 on; returns the next free index. Strings are
 * bound without a copy: the record outlives the step, and prepare() clears the bindings
 * before the statement is used again. */
static int
bind_record (sqlite3_stmt *stmt,
             WmRecord     *record)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (record);
  int p = 1;

  for (guint i = 0; i < klass->n_fields; i++)
    {
      const WmField *field = &klass->fields[i];
      gconstpointer v = (const guint8 *) record + field->offset;

      if (!is_column (field))
        continue;
      switch (field->type)
        {
        case WM_FIELD_STRING:
          {
            const char *text = *(char * const *) v;

            if (text == NULL || *text == '\0')
              sqlite3_bind_null (stmt, p);
            else
              sqlite3_bind_text (stmt, p, text, -1, SQLITE_STATIC);
          }
          break;
        case WM_FIELD_INT:
          if (field->flags & WM_FIELD_NULLABLE)
            bind_nullable_int (stmt, p, *(const gint64 *) v);
          else
            sqlite3_bind_int64 (stmt, p, *(const gint64 *) v);
          break;
        case WM_FIELD_BOOL:
          sqlite3_bind_int (stmt, p, *(const gboolean *) v ? 1 : 0);
          break;
        case WM_FIELD_DOUBLE:
          if (isnan (*(const double *) v))
            sqlite3_bind_null (stmt, p);
          else
            sqlite3_bind_double (stmt, p, *(const double *) v);
          break;
        case WM_FIELD_STRV:
          {
            char * const *strv = *(char * const * const *) v;

            if (strv == NULL || strv[0] == NULL)
              sqlite3_bind_null (stmt, p);
            else
              {
                g_autofree char *joined = g_strjoinv (";", (char **) strv);
                sqlite3_bind_text (stmt, p, joined, -1, SQLITE_TRANSIENT);
              }
          }
          break;
        default:
          g_assert_not_reached ();
        }
      p++;
    }
  return p;
}

/* Loads a row selected with record_sql (…, "select"): column 0 is the id. */
static void
load_record (sqlite3_stmt *stmt,
             WmRecord     *record)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (record);
  int c = 1;

  wm_record_set_id (record, sqlite3_column_int64 (stmt, 0));
  for (guint i = 0; i < klass->n_fields; i++)
    {
      const WmField *field = &klass->fields[i];
      gpointer v = (guint8 *) record + field->offset;
      gboolean is_null;

      if (!is_column (field))
        continue;
      is_null = sqlite3_column_type (stmt, c) == SQLITE_NULL;
      switch (field->type)
        {
        case WM_FIELD_STRING:
          g_free (*(char **) v);
          *(char **) v = dup_column_text (stmt, c);
          break;
        case WM_FIELD_INT:
          *(gint64 *) v = is_null && (field->flags & WM_FIELD_NULLABLE)
                          ? -1 : sqlite3_column_int64 (stmt, c);
          break;
        case WM_FIELD_BOOL:
          *(gboolean *) v = sqlite3_column_int (stmt, c) != 0;
          break;
        case WM_FIELD_DOUBLE:
          *(double *) v = is_null ? NAN : sqlite3_column_double (stmt, c);
          break;
        case WM_FIELD_STRV:
          g_strfreev (*(char ***) v);
          *(char ***) v = is_null ? NULL
                                  : g_strsplit ((const char *) sqlite3_column_text (stmt, c),
                                                ";", -1);
          break;
        default:
          g_assert_not_reached ();
        }
      c++;
    }
}

/* Inserts (id 0) or updates the record's own row. */
static gboolean
write_record (WmStore   *self,
              WmRecord  *record,
              GError   **error)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (record);
  gboolean is_new = wm_record_get_id (record) == 0;
  sqlite3_stmt *stmt;
  int p;

  stmt = prepare_fixed (self, record_sql (self, klass, is_new ? "insert" : "update"), error);
  if (stmt == NULL)
    return FALSE;
  p = bind_record (stmt, record);
  if (!is_new)
    sqlite3_bind_int64 (stmt, p, wm_record_get_id (record));
  if (!step_done (self, stmt, error))
    return FALSE;
  if (is_new)
    wm_record_set_id (record, sqlite3_last_insert_rowid (self->db));
  else if (sqlite3_changes (self->db) != 1)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND,
                   _("The record to update no longer exists"));
      return FALSE;
    }
  return TRUE;
}

static WmRecord *
read_record (WmStore     *self,
             GType        type,
             const char  *where,
             gint64       int_arg,
             const char  *text_arg,
             GError     **error)
{
  g_autoptr(WmRecordClass) klass = g_type_class_ref (type);
  g_autofree char *sql = g_strdup_printf ("%s WHERE %s", record_sql (self, klass, "select"), where);
  g_autoptr(WmRecord) record = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  if (text_arg != NULL)
    sqlite3_bind_text (stmt, 1, text_arg, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_int64 (stmt, 1, int_arg);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      record = g_object_new (type, NULL);
      load_record (stmt, record);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW)
    return g_steal_pointer (&record);
  if (rc == SQLITE_DONE)
    g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND, _("No such record"));
  else
    set_sql_error (self, error);
  return NULL;
}

/* The names of the columns whose values differ: audit summaries say what changed, never to
 * what. */
static char *
changed_columns (WmRecord *before,
                 WmRecord *after)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (after);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < klass->n_fields; i++)
    {
      const WmField *field = &klass->fields[i];
      gconstpointer a = (const guint8 *) before + field->offset;
      gconstpointer b = (const guint8 *) after + field->offset;
      gboolean same = TRUE;

      if (field->flags & WM_FIELD_MANAGED)
        continue;
      switch (field->type)
        {
        case WM_FIELD_STRING:
          same = g_strcmp0 (*(char * const *) a, *(char * const *) b) == 0;
          break;
        case WM_FIELD_INT:
          same = *(const gint64 *) a == *(const gint64 *) b;
          break;
        case WM_FIELD_BOOL:
          same = *(const gboolean *) a == *(const gboolean *) b;
          break;
        case WM_FIELD_DOUBLE:
          same = (isnan (*(const double *) a) && isnan (*(const double *) b))
                 || *(const double *) a == *(const double *) b;
          break;
        case WM_FIELD_STRV:
          {
            const char * const *sa = *(const char * const * const *) a;
            const char * const *sb = *(const char * const * const *) b;
            same = (sa == NULL || sa[0] == NULL) ? (sb == NULL || sb[0] == NULL)
                                                  : (sb != NULL && g_strv_equal (sa, sb));
          }
          break;
        default:
          g_assert_not_reached ();
        }
      if (!same)
        g_string_append_printf (s, "%s%s", s->len ? ", " : "", field->column);
    }
  return g_string_free (s, FALSE);
}

/* Users */

gboolean
wm_store_save_user (WmStore  *self,
                    WmUser   *user,
                    GError  **error)
{
  gboolean is_new;
  g_autofree char *now = now_iso8601 ();
  g_autofree char *summary = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  g_return_val_if_fail (WM_IS_USER (user), FALSE);

  if (!require_admin (self, N_("manage users"), error) || !wm_user_check (user, error))
    return FALSE;
  is_new = wm_record_get_id (WM_RECORD (user)) == 0;
  if (is_new && user->created_at == NULL)
    wm_record_set_string (WM_RECORD (user), "created_at", now);

  if (!wm_store_begin (self, error))
    return FALSE;
  summary = g_strdup_printf ("role %s%s", user->role, user->disabled ? ", disabled" : "");
  if (!write_record (self, WM_RECORD (user), error)
      || !audit (self, now, is_new ? "create" : "update", "user",
                 wm_record_get_id (WM_RECORD (user)), summary, error))
    {
      wm_store_rollback (self);
      if (is_new)
        wm_record_set_id (WM_RECORD (user), 0);
      if (error != NULL && *error != NULL && (*error)->code == WM_STORE_ERROR_EXISTS)
        {
          g_clear_error (error);
          g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_EXISTS,
                       _("username: “%s” is already taken"), user->username);
        }
      return FALSE;
    }
  return wm_store_commit (self, error);
}

WmUser *
wm_store_find_user (WmStore     *self,
                    const char  *username,
                    GError     **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  if (self->role != WM_ROLE_SYSTEM && self->role != WM_ROLE_ADMIN)
    {
      g_autoptr(WmUser) user = (WmUser *) read_record (self, WM_TYPE_USER, "username = ?", 0,
                                                       username, error);

      /* Anyone may read their own account, and only that. */
      if (user != NULL && wm_record_get_id (WM_RECORD (user)) != self->actor)
        {
          deny (error, N_("manage users"));
          return NULL;
        }
      return g_steal_pointer (&user);
    }
  return (WmUser *) read_record (self, WM_TYPE_USER, "username = ?", 0, username, error);
}

/* @arg and @arg2 are bound to the first and second parameter of @tail when ≥ 0. */
static GListModel *
list_records (WmStore     *self,
              GType        type,
              const char  *tail,
              gint64       arg,
              gint64       arg2,
              GError     **error)
{
  g_autoptr(WmRecordClass) klass = g_type_class_ref (type);
  g_autofree char *sql = g_strdup_printf ("%s %s", record_sql (self, klass, "select"), tail);
  g_autoptr(GListStore) list = g_list_store_new (type);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt;
  int rc;

  stmt = prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  if (arg >= 0)
    sqlite3_bind_int64 (stmt, 1, arg);
  if (arg2 >= 0)
    sqlite3_bind_int64 (stmt, 2, arg2);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WmRecord *record = g_object_new (type, NULL);

      load_record (stmt, record);
      g_ptr_array_add (items, record);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error);
      return NULL;
    }
  g_list_store_splice (list, 0, 0, items->pdata, items->len);
  return G_LIST_MODEL (g_steal_pointer (&list));
}

GListModel *
wm_store_list_users (WmStore  *self,
                     GError  **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  if (!require_admin (self, N_("manage users"), error))
    return NULL;
  return list_records (self, WM_TYPE_USER, "ORDER BY username", -1, -1, error);
}

gboolean
wm_store_delete_user (WmStore  *self,
                      gint64    user_id,
                      GError  **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  /* The row stays, disabled, so the audit log and case events keep a name to point at. */
  if (!require_admin (self, N_("manage users"), error) || !wm_store_begin (self, error))
    return FALSE;
  stmt = prepare (self, "UPDATE users SET disabled = 1 WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (!step_done (self, stmt, error))
    goto fail;
  if (sqlite3_changes (self->db) != 1)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND, _("No such user"));
      goto fail;
    }
  if (!audit (self, NULL, "remove", "user", user_id, "user removed", error))
    goto fail;
  return wm_store_commit (self, error);

fail:
  wm_store_rollback (self);
  return FALSE;
}

gboolean
wm_store_mark_password_changed (WmStore  *self,
                                GError  **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (self->actor < 0)
    return TRUE;
  if (!wm_store_begin (self, error))
    return FALSE;
  stmt = prepare (self, "UPDATE users SET must_change_password = 0 WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, self->actor);
  if (!step_done (self, stmt, error)
      || !audit (self, NULL, "update", "user", self->actor, "chose own password", error))
    goto fail;
  return wm_store_commit (self, error);

fail:
  wm_store_rollback (self);
  return FALSE;
}

char *
wm_store_dup_actor_name (WmStore *self)
{
  sqlite3_stmt *stmt;
  char *name = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);

  if (self->actor < 0)
    return NULL;
  stmt = prepare (self, "SELECT coalesce(nullif(display_name, ''), username) FROM users"
                        " WHERE id = ?", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, self->actor);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    name = dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return name;
}

/* Therapists */

static gboolean
write_specialisms (WmStore      *self,
                   WmTherapist  *therapist,
                   GError      **error)
{
  gint64 id = wm_record_get_id (WM_RECORD (therapist));
  sqlite3_stmt *stmt;

  stmt = prepare (self, "DELETE FROM therapist_specialisms WHERE therapist_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step_done (self, stmt, error))
    return FALSE;

  stmt = prepare (self, "INSERT OR IGNORE INTO therapist_specialisms (therapist_id, code)"
                        " VALUES (?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; therapist->specialisms != NULL && therapist->specialisms[i] != NULL; i++)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_text (stmt, 2, therapist->specialisms[i], -1, SQLITE_TRANSIENT);
      if (!step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_specialisms (WmStore      *self,
                  WmTherapist  *therapist,
                  GError      **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  int rc;

  stmt = prepare (self, "SELECT code FROM therapist_specialisms WHERE therapist_id = ?"
                        " ORDER BY code", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, wm_record_get_id (WM_RECORD (therapist)));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sql_error (self, error);
  g_strfreev (therapist->specialisms);
  therapist->specialisms = g_strv_builder_end (builder);
  if (therapist->specialisms[0] == NULL)
    g_clear_pointer (&therapist->specialisms, g_strfreev);
  return TRUE;
}

gboolean
wm_store_save_therapist (WmStore      *self,
                         WmTherapist  *therapist,
                         GError      **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autofree char *summary = NULL;
  gboolean is_new;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  g_return_val_if_fail (WM_IS_THERAPIST (therapist), FALSE);

  if (!require_staff (self, N_("edit therapists"), error) || !wm_therapist_check (therapist, error))
    return FALSE;
  is_new = wm_record_get_id (WM_RECORD (therapist)) == 0;

  if (!wm_store_begin (self, error))
    return FALSE;
  if (!is_new)
    {
      g_autoptr(WmTherapist) before =
        wm_store_get_therapist (self, wm_record_get_id (WM_RECORD (therapist)), error);

      if (before == NULL)
        goto fail;
      summary = changed_columns (WM_RECORD (before), WM_RECORD (therapist));
      if (*summary == '\0')
        {
          /* Nothing changed: no write, no audit row. */
          wm_store_rollback (self);
          return TRUE;
        }
    }
  else
    {
      wm_record_set_string (WM_RECORD (therapist), "created_at", now);
      summary = g_strdup ("therapist added");
    }
  wm_record_set_string (WM_RECORD (therapist), "updated_at", now);

  if (!write_record (self, WM_RECORD (therapist), error)
      || !write_specialisms (self, therapist, error)
      || !audit (self, now, is_new ? "create" : "update", "therapist",
                 wm_record_get_id (WM_RECORD (therapist)), summary, error))
    goto fail;
  if (!wm_store_commit (self, error))
    goto fail_committed;
  return TRUE;

fail:
  wm_store_rollback (self);
fail_committed:
  if (is_new)
    wm_record_set_id (WM_RECORD (therapist), 0);
  if (error != NULL && *error != NULL && (*error)->code == WM_STORE_ERROR_EXISTS
      && therapist->external_id != NULL)
    {
      g_clear_error (error);
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_EXISTS,
                   _("external_id: “%s” is already used by another therapist"),
                   therapist->external_id);
    }
  return FALSE;
}

WmTherapist *
wm_store_get_therapist (WmStore  *self,
                        gint64    id,
                        GError  **error)
{
  g_autoptr(WmTherapist) therapist = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  /* A therapist may read their own record, no one else's. */
  if (self->role == WM_ROLE_THERAPIST && id != self->therapist_id)
    {
      deny (error, N_("read other therapists’ records"));
      return NULL;
    }
  therapist = (WmTherapist *) read_record (self, WM_TYPE_THERAPIST, "id = ?", id, NULL, error);
  if (therapist == NULL || !read_specialisms (self, therapist, error))
    return NULL;
  return g_steal_pointer (&therapist);
}

WmTherapist *
wm_store_find_therapist (WmStore     *self,
                         const char  *external_id,
                         GError     **error)
{
  g_autoptr(WmTherapist) therapist = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  if (!require_staff (self, N_("read the therapist directory"), error))
    return NULL;
  therapist = (WmTherapist *) read_record (self, WM_TYPE_THERAPIST, "external_id = ?", 0,
                                           external_id, error);
  if (therapist == NULL || !read_specialisms (self, therapist, error))
    return NULL;
  return g_steal_pointer (&therapist);
}

GListModel *
wm_store_list_therapists (WmStore  *self,
                          GError  **error)
{
  g_autoptr(GListModel) list = NULL;
  g_autoptr(GHashTable) by_id = NULL;
  g_autoptr(GHashTable) codes = NULL;
  sqlite3_stmt *stmt;
  guint n;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);

  if (!require_staff (self, N_("read the therapist directory"), error))
    return NULL;
  list = list_records (self, WM_TYPE_THERAPIST, "ORDER BY family_name, given_name, id", -1, -1,
                       error);
  if (list == NULL)
    return NULL;

  /* Specialisms for all therapists in one pass, not one query each. */
  n = g_list_model_get_n_items (list);
  by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                 (GDestroyNotify) g_ptr_array_unref);
  codes = g_hash_table_new (g_str_hash, g_str_equal);
  stmt = prepare (self, "SELECT therapist_id, code FROM therapist_specialisms"
                        " ORDER BY therapist_id, code", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      GPtrArray *list_for_id = g_hash_table_lookup (by_id, &id);

      if (list_for_id == NULL)
        {
          list_for_id = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (by_id, g_memdup2 (&id, sizeof id), list_for_id);
        }
      g_ptr_array_add (list_for_id, dup_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmTherapist) therapist = g_list_model_get_item (list, i);
      gint64 id = wm_record_get_id (WM_RECORD (therapist));
      GPtrArray *found = g_hash_table_lookup (by_id, &id);

      if (found != NULL)
        {
          g_ptr_array_add (found, NULL);
          g_strfreev (therapist->specialisms);
          therapist->specialisms = (char **) g_ptr_array_steal (found, NULL);
        }
    }
  return g_steal_pointer (&list);
}

static gint64
count_rows (WmStore    *self,
            const char *sql)
{
  sqlite3_stmt *stmt = prepare (self, sql, NULL);
  gint64 n = -1;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return n;
}

/* The same, with the principal's therapist record bound to the one parameter. */
static gint64
count_rows_for_therapist (WmStore    *self,
                          const char *sql)
{
  sqlite3_stmt *stmt = prepare (self, sql, NULL);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, self->therapist_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

gint64
wm_store_count_therapists (WmStore *self)
{
  g_return_val_if_fail (WM_IS_STORE (self), -1);
  if (self->role == WM_ROLE_THERAPIST)
    return count_rows_for_therapist (self, "SELECT count(*) FROM therapists WHERE id = ?");
  return count_rows (self, "SELECT count(*) FROM therapists");
}

/* Cases */

/* "WM-2026-0042": the year, and the number with at least four digits. By hand, as printf
 * was 1.5% of saving a case. */
static char *
format_reference (int    year,
                  gint64 number)
{
  char digits[24];
  char *out = g_malloc (3 + 4 + 1 + sizeof digits);
  char *p = out;
  int n = 0;

  g_assert (year >= 1000 && year <= 9999 && number >= 0);
  do
    {
      digits[n++] = (char) ('0' + number % 10);
      number /= 10;
    }
  while (number != 0);
  while (n < 4)
    digits[n++] = '0';
  memcpy (p, "WM-", 3);
  p += 3;
  for (int d = 1000; d > 0; d /= 10)
    *p++ = (char) ('0' + year / d % 10);
  *p++ = '-';
  while (n > 0)
    *p++ = digits[--n];
  *p = '\0';
  return out;
}

static gboolean
next_reference (WmStore  *self,
                char    **reference,
                GError  **error)
{
  int year = clock_now ()->year;
  sqlite3_stmt *stmt;
  gint64 last = 0;
  int rc;

  /* Only inside a transaction: its COMMIT writes the counter. */
  g_return_val_if_fail (self->tx_depth > 0, FALSE);

  /* At midnight on New Year's Eve, the old year's counter is written before the new one. */
  if (self->reference_known && self->reference_year != year
      && !flush_reference_counter (self, error))
    return FALSE;
  if (self->reference_known && self->reference_year == year)
    last = self->reference_last;
  else
    {
      stmt = prepare (self, "SELECT last FROM reference_counters WHERE year = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int (stmt, 1, year);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        last = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return set_sql_error (self, error);
    }

  self->reference_known = TRUE;
  self->reference_dirty = TRUE;
  self->reference_year = year;
  self->reference_last = last + 1;
  *reference = format_reference (year, last + 1);
  return TRUE;
}

/* Imported references ("WM-2025-0042") must not be handed out again. */
static gboolean
note_reference (WmStore     *self,
                const char  *reference,
                GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 year, number;

  if (reference == NULL || strlen (reference) < 9)
    return TRUE;
  year = g_ascii_strtoll (reference + 3, NULL, 10);
  number = g_ascii_strtoll (reference + 8, NULL, 10);
  /* A counter still in memory is written first, as this one may raise it. */
  if (!flush_reference_counter (self, error))
    return FALSE;
  self->reference_known = FALSE;
  stmt = prepare (self,
                  "INSERT OR REPLACE INTO reference_counters (year, last) VALUES (?1,"
                  " max(?2, coalesce((SELECT last FROM reference_counters WHERE year = ?1), 0)))",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, year);
  sqlite3_bind_int64 (stmt, 2, number);
  return step_done (self, stmt, error);
}

static gboolean
write_case_search (WmStore   *self,
                   WmCase    *kase,
                   gboolean   is_new,
                   GError   **error)
{
  WmClient *client = kase->client;
  g_autofree char *names = g_strjoin (" ",
                                      client->given_name ? client->given_name : "",
                                      client->preferred_name ? client->preferred_name : "",
                                      client->family_name ? client->family_name : "",
                                      NULL);
  g_autofree char *place = g_strjoin (" ",
                                      client->town ? client->town : "",
                                      client->postcode ? client->postcode : "",
                                      NULL);
  sqlite3_stmt *stmt;

  /* OR REPLACE costs a lookup in the index that a new case does not need. */
  stmt = prepare_fixed (self, is_new ? "INSERT INTO case_search (docid, names, town)"
                                       " VALUES (?, ?, ?)"
                                     : "INSERT OR REPLACE INTO case_search (docid, names, town)"
                                       " VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, wm_record_get_id (WM_RECORD (kase)));
  sqlite3_bind_text (stmt, 2, names, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, place, -1, SQLITE_STATIC);
  return step_done (self, stmt, error);
}

static gboolean
insert_event (WmStore     *self,
              gint64       case_id,
              const char  *at,
              const char  *kind,
              const char  *body,
              GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = prepare_fixed (self, "INSERT INTO case_events (case_id, at, user_id, kind, body)"
                              " VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  /* Bound without copies: every value outlives the step, which step_done() resets. */
  sqlite3_bind_int64 (stmt, 1, case_id);
  sqlite3_bind_text (stmt, 2, at, -1, SQLITE_STATIC);
  bind_nullable_int (stmt, 3, self->actor);
  sqlite3_bind_text (stmt, 4, kind, -1, SQLITE_STATIC);
  if (body == NULL || *body == '\0')
    sqlite3_bind_null (stmt, 5);
  else
    sqlite3_bind_text (stmt, 5, body, -1, SQLITE_STATIC);
  return step_done (self, stmt, error);
}

static WmCase *read_case (WmStore *self, const char *where, gint64 id, const char *ref,
                          GError **error);

gboolean
wm_store_save_case (WmStore  *self,
                    WmCase   *kase,
                    GError  **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autofree char *summary = NULL;
  g_autofree char *reference = NULL;
  WmRecord *record = WM_RECORD (kase);
  gboolean is_new;
  gboolean had_reference = kase->reference != NULL;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  g_return_val_if_fail (WM_IS_CASE (kase), FALSE);

  if (!require_staff (self, N_("create or edit cases"), error) || !wm_case_check (kase, error))
    return FALSE;
  is_new = wm_record_get_id (record) == 0;

  if (!wm_store_begin (self, error))
    return FALSE;

  if (is_new)
    {
      if (kase->reference == NULL)
        {
          if (!next_reference (self, &reference, error))
            goto fail;
          wm_record_set_string (record, "reference", reference);
        }
      else if (!note_reference (self, kase->reference, error))
        goto fail;
      if (kase->opened_at == NULL)
        wm_record_set_string (record, "opened_at", now);
      wm_record_set_int (record, "created_by", self->actor);
      summary = g_strconcat ("case opened, status ", kase->status, NULL);
    }
  else
    {
      g_autoptr(WmCase) before = read_case (self, "id = ?", wm_record_get_id (record), NULL,
                                            error);
      g_autofree char *case_changes = NULL;
      g_autofree char *client_changes = NULL;

      if (before == NULL)
        goto fail;
      /* Status moves go through wm_store_set_case_status so each is checked and recorded. */
      if (g_strcmp0 (before->status, kase->status) != 0)
        {
          g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION,
                       _("status: change the status with a status change, not an edit"));
          goto fail;
        }
      case_changes = changed_columns (WM_RECORD (before), record);
      client_changes = changed_columns (WM_RECORD (before->client), WM_RECORD (kase->client));
      if (*case_changes == '\0' && *client_changes == '\0')
        {
          wm_store_rollback (self);
          return TRUE;
        }
      summary = g_strdup_printf ("updated: %s%s%s", case_changes,
                                 *case_changes && *client_changes ? ", " : "", client_changes);
    }
  wm_record_set_int (record, "updated_by", self->actor);
  wm_record_set_string (record, "updated_at", now);

  if (!write_record (self, WM_RECORD (kase->client), error))
    goto fail;
  wm_record_set_int (record, "client_id", wm_record_get_id (WM_RECORD (kase->client)));
  if (!write_record (self, record, error)
      || !write_case_search (self, kase, is_new, error)
      || (is_new && !insert_event (self, wm_record_get_id (record), now,
                                   had_reference ? "import" : "status",
                                   kase->status, error))
      || !audit (self, now, is_new ? "create" : "update", "case", wm_record_get_id (record),
                 summary, error))
    goto fail;
  if (!wm_store_commit (self, error))
    goto fail_committed;
  return TRUE;

fail:
  wm_store_rollback (self);
fail_committed:
  if (is_new)
    {
      wm_record_set_id (record, 0);
      wm_record_set_id (WM_RECORD (kase->client), 0);
      if (!had_reference)
        wm_record_set_string (record, "reference", NULL);
    }
  if (error != NULL && *error != NULL && (*error)->code == WM_STORE_ERROR_EXISTS)
    {
      g_clear_error (error);
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_EXISTS,
                   _("reference: “%s” is already used by another case"), kase->reference);
    }
  return FALSE;
}

static WmCase *
read_case (WmStore     *self,
           const char  *where,
           gint64       id,
           const char  *reference,
           GError     **error)
{
  g_autoptr(WmCase) kase = NULL;
  g_autoptr(WmClient) client = NULL;

  kase = (WmCase *) read_record (self, WM_TYPE_CASE, where, id, reference, error);
  if (kase == NULL)
    return NULL;
  client = (WmClient *) read_record (self, WM_TYPE_CLIENT, "id = ?", kase->client_id, NULL, error);
  if (client == NULL)
    return NULL;
  g_set_object (&kase->client, client);
  return g_steal_pointer (&kase);
}

static WmCase *
view_case (WmStore     *self,
           const char  *where,
           gint64       id,
           const char  *reference,
           GError     **error)
{
  g_autoptr(WmCase) kase = NULL;

  if (!wm_store_begin (self, error))
    return NULL;
  kase = read_case (self, where, id, reference, error);
  if (kase == NULL
      || !may_see_case (self, wm_record_get_id (WM_RECORD (kase)), error)
      || !audit (self, NULL, "view", "case", wm_record_get_id (WM_RECORD (kase)), "case opened",
                 error))
    {
      wm_store_rollback (self);
      return NULL;
    }
  if (!wm_store_commit (self, error))
    return NULL;
  return g_steal_pointer (&kase);
}

WmCase *
wm_store_get_case (WmStore  *self,
                   gint64    id,
                   GError  **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  return view_case (self, "id = ?", id, NULL, error);
}

WmCase *
wm_store_find_case (WmStore     *self,
                    const char  *reference,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  WmCase *kase;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  kase = view_case (self, "reference = ?", 0, reference, &local_error);
  if (kase == NULL && local_error->code == WM_STORE_ERROR_NOT_FOUND)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND,
                   _("case: no case with reference “%s”"), reference);
      return NULL;
    }
  if (kase == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return kase;
}

gboolean
wm_store_set_case_status (WmStore     *self,
                          WmCase      *kase,
                          const char  *status,
                          const char  *note,
                          GError     **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autofree char *current = NULL;
  gint64 id = wm_record_get_id (WM_RECORD (kase));
  sqlite3_stmt *stmt;
  gboolean closing;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  g_return_val_if_fail (WM_IS_CASE (kase), FALSE);

  if (!require_staff (self, N_("change a case’s status"), error) || !wm_store_begin (self, error))
    return FALSE;

  /* Check against the stored status, not the caller's copy, which may be stale. */
  stmt = prepare (self, "SELECT status FROM cases WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    current = dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  if (current == NULL)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND, _("No such case"));
      goto fail;
    }
  if (!wm_case_status_can_transition (current, status))
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION,
                   _("status: a case cannot move from “%s” to “%s”"),
                   wm_vocab_label (WM_VOCAB_CASE_STATUS, current),
                   wm_vocab_label (WM_VOCAB_CASE_STATUS, status));
      goto fail;
    }

  closing = !wm_case_status_is_open (status);
  stmt = prepare (self, "UPDATE cases SET status = ?, closed_at = ?, updated_at = ?,"
                        " updated_by = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, status, -1, SQLITE_TRANSIENT);
  if (closing)
    sqlite3_bind_text (stmt, 2, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_TRANSIENT);
  bind_nullable_int (stmt, 4, self->actor);
  sqlite3_bind_int64 (stmt, 5, id);

  summary = g_strdup_printf ("status %s -> %s", current, status);
  body = note != NULL && *note != '\0' ? g_strdup_printf ("%s → %s\n%s", current, status, note)
                                       : g_strdup_printf ("%s → %s", current, status);
  if (!step_done (self, stmt, error)
      || !insert_event (self, id, now, "status", body, error)
      || !audit (self, now, "status", "case", id, summary, error))
    goto fail;
  if (!wm_store_commit (self, error))
    return FALSE;

  wm_record_set_string (WM_RECORD (kase), "status", status);
  wm_record_set_string (WM_RECORD (kase), "closed_at", closing ? now : NULL);
  wm_record_set_string (WM_RECORD (kase), "updated_at", now);
  return TRUE;

fail:
  wm_store_rollback (self);
  return FALSE;
}

gint64
wm_store_count_cases (WmStore *self)
{
  g_return_val_if_fail (WM_IS_STORE (self), -1);
  if (self->role == WM_ROLE_THERAPIST)
    return count_rows_for_therapist (self, "SELECT count(DISTINCT case_id) FROM referrals"
                                           " WHERE therapist_id = ?"
                                           " AND state IN " THERAPIST_REFERRAL_STATES);
  return count_rows (self, "SELECT count(*) FROM cases");
}

gboolean
wm_store_add_case_event (WmStore     *self,
                         gint64       case_id,
                         const char  *kind,
                         const char  *body,
                         GError     **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autofree char *summary = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (!wm_vocab_contains (WM_VOCAB_EVENT_KIND, kind))
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_FAILED,
                   _("kind: “%s” is not a kind of case event"), kind);
      return FALSE;
    }
  if (!may_see_case (self, case_id, error) || !wm_store_begin (self, error))
    return FALSE;
  summary = g_strdup_printf ("%s added", kind);
  if (!insert_event (self, case_id, now, kind, body, error)
      || !audit (self, now, "event", "case", case_id, summary, error))
    {
      wm_store_rollback (self);
      if (error != NULL && *error != NULL
          && sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
        {
          g_clear_error (error);
          g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND, _("No such case"));
        }
      return FALSE;
    }
  return wm_store_commit (self, error);
}

GListModel *
wm_store_list_case_events (WmStore  *self,
                           gint64    case_id,
                           GError  **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  if (!may_see_case (self, case_id, error))
    return NULL;
  return list_records (self, WM_TYPE_CASE_EVENT, "WHERE case_id = ? ORDER BY id DESC",
                       case_id, -1, error);
}

/* Referrals */

WmReferral *
wm_store_create_referral (WmStore     *self,
                          gint64       case_id,
                          gint64       therapist_id,
                          double       score,
                          const char  *explanation,
                          GError     **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autofree char *body = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *status = NULL;
  g_autoptr(WmReferral) referral = g_object_new (WM_TYPE_REFERRAL, NULL);
  g_autoptr(WmTherapist) therapist = NULL;
  g_autofree char *therapist_name = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);

  if (!require_staff (self, N_("refer cases"), error) || !wm_store_begin (self, error))
    return NULL;

  therapist = wm_store_get_therapist (self, therapist_id, error);
  if (therapist == NULL)
    goto fail;
  stmt = prepare (self, "SELECT status FROM cases WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, case_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    status = dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  if (status == NULL)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND, _("No such case"));
      goto fail;
    }
  if (g_strcmp0 (status, "referred") != 0 && !wm_case_status_can_transition (status, "referred"))
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION,
                   _("status: a case in “%s” cannot be referred"),
                   wm_vocab_label (WM_VOCAB_CASE_STATUS, status));
      goto fail;
    }

  wm_record_set_int (WM_RECORD (referral), "case_id", case_id);
  wm_record_set_int (WM_RECORD (referral), "therapist_id", therapist_id);
  wm_record_set_string (WM_RECORD (referral), "state", "sent");
  wm_record_set_double (WM_RECORD (referral), "score", score);
  wm_record_set_string (WM_RECORD (referral), "explanation", explanation);
  wm_record_set_string (WM_RECORD (referral), "sent_at", now);
  wm_record_set_int (WM_RECORD (referral), "created_by", self->actor);
  if (!write_record (self, WM_RECORD (referral), error))
    goto fail;

  stmt = prepare (self, "UPDATE cases SET status = 'referred', assigned_therapist_id = ?,"
                        " updated_at = ?, updated_by = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, therapist_id);
  sqlite3_bind_text (stmt, 2, now, -1, SQLITE_TRANSIENT);
  bind_nullable_int (stmt, 3, self->actor);
  sqlite3_bind_int64 (stmt, 4, case_id);
  therapist_name = wm_therapist_dup_display_name (therapist);
  body = g_strdup_printf (_("Referred to %s"), therapist_name);
  summary = g_strdup_printf ("referral %" G_GINT64_FORMAT " sent to therapist %" G_GINT64_FORMAT,
                             wm_record_get_id (WM_RECORD (referral)), therapist_id);
  if (!step_done (self, stmt, error)
      || !insert_event (self, case_id, now, "referral", body, error)
      || (g_strcmp0 (status, "referred") != 0
          && !insert_event (self, case_id, now, "status", "→ referred", error))
      || !audit (self, now, "refer", "case", case_id, summary, error))
    goto fail;
  if (!wm_store_commit (self, error))
    return NULL;
  return g_steal_pointer (&referral);

fail:
  wm_store_rollback (self);
  return NULL;
}

gboolean
wm_store_set_referral_state (WmStore     *self,
                             WmReferral  *referral,
                             const char  *state,
                             const char  *reason,
                             GError     **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autofree char *current = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  gint64 id = wm_record_get_id (WM_RECORD (referral));
  gboolean failed = g_strcmp0 (state, "declined") == 0 || g_strcmp0 (state, "no-contact") == 0;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (failed && (reason == NULL || *reason == '\0'))
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_FAILED,
                   _("decline_reason: is required when a referral is declined or gets no "
                     "contact"));
      return FALSE;
    }
  if (!wm_store_begin (self, error))
    return FALSE;
  stmt = prepare (self, "SELECT state, therapist_id FROM referrals WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW
      && (self->role != WM_ROLE_THERAPIST
          || sqlite3_column_int64 (stmt, 1) == self->therapist_id))
    current = dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  /* Checked against the stored row: the caller's copy could name any therapist. */
  if (current == NULL || !may_see_case (self, referral->case_id, NULL))
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND, _("No such referral"));
      goto fail;
    }
  if (!wm_referral_state_can_transition (current, state))
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION,
                   _("state: a referral cannot move from “%s” to “%s”"),
                   wm_vocab_label (WM_VOCAB_REFERRAL_STATE, current),
                   wm_vocab_label (WM_VOCAB_REFERRAL_STATE, state));
      goto fail;
    }

  wm_record_set_string (WM_RECORD (referral), "state", state);
  if (failed)
    wm_record_set_string (WM_RECORD (referral), "decline_reason", reason);
  if (g_strcmp0 (state, "first-contact") == 0)
    wm_record_set_string (WM_RECORD (referral), "first_contact_at", now);
  if (g_strcmp0 (state, "ended") == 0 || failed)
    wm_record_set_string (WM_RECORD (referral), "ended_at", now);

  stmt = prepare (self, "UPDATE referrals SET state = ?, decline_reason = ?,"
                        " first_contact_at = ?, ended_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
  bind_text (stmt, 2, referral->decline_reason);
  bind_text (stmt, 3, referral->first_contact_at);
  bind_text (stmt, 4, referral->ended_at);
  sqlite3_bind_int64 (stmt, 5, id);
  summary = g_strdup_printf ("referral %" G_GINT64_FORMAT " %s -> %s", id, current, state);
  body = failed ? g_strdup_printf ("%s: %s", wm_vocab_label (WM_VOCAB_REFERRAL_STATE, state),
                                   reason)
                : g_strdup (wm_vocab_label (WM_VOCAB_REFERRAL_STATE, state));
  if (!step_done (self, stmt, error)
      || !insert_event (self, referral->case_id, now, "referral", body, error)
      || !audit (self, now, "referral", "case", referral->case_id, summary, error))
    goto fail;

  /* A failed referral sends the case back to matching and frees the therapist. */
  if (failed)
    {
      stmt = prepare (self, "UPDATE cases SET status = 'matching', assigned_therapist_id = NULL,"
                            " updated_at = ?, updated_by = ? WHERE id = ? AND status = 'referred'",
                      error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, now, -1, SQLITE_TRANSIENT);
      bind_nullable_int (stmt, 2, self->actor);
      sqlite3_bind_int64 (stmt, 3, referral->case_id);
      if (!step_done (self, stmt, error))
        goto fail;
      if (sqlite3_changes (self->db) == 1
          && !insert_event (self, referral->case_id, now, "status", "referred → matching", error))
        goto fail;
    }
  return wm_store_commit (self, error);

fail:
  wm_store_rollback (self);
  return FALSE;
}

GListModel *
wm_store_list_referrals (WmStore  *self,
                         gint64    case_id,
                         GError  **error)
{
  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  if (!may_see_case (self, case_id, error))
    return NULL;
  /* A therapist sees only their own referral, not who else was asked or declined. */
  if (self->role == WM_ROLE_THERAPIST)
    return list_records (self, WM_TYPE_REFERRAL,
                         "WHERE case_id = ? AND therapist_id = ? ORDER BY id DESC", case_id,
                         self->therapist_id, error);
  return list_records (self, WM_TYPE_REFERRAL, "WHERE case_id = ? ORDER BY id DESC", case_id, -1,
                       error);
}

/* The case list */

/* Turns what someone typed into an FTS prefix query: each word must match the start of a
 * token. Only letters and digits pass, so FTS operators in the input mean nothing. Words of
 * ASCII digits only are case numbers ("0042"), which the full-text index does not hold:
 * they are added to @numbers instead. */
static char *
fts_query_from_text (const char *text,
                     GPtrArray  *numbers)
{
  GString *q = g_string_new (NULL);
  GString *word = g_string_new (NULL);

  for (const char *p = text; ; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && g_unichar_isalnum (c))
        g_string_append_unichar (word, c);
      else if (word->len > 0)
        {
          if (strspn (word->str, "0123456789") == word->len)
            g_ptr_array_add (numbers, g_strdup (word->str));
          else
            g_string_append_printf (q, "%s%s*", q->len ? " " : "", word->str);
          g_string_truncate (word, 0);
        }
      if (c == 0)
        break;
    }
  g_string_free (word, TRUE);
  return g_string_free (q, FALSE);
}

/* If what someone typed is the start of a case reference, returns that start in its stored
 * form ("wm-2026-004" gives "WM-2026-004"; "2026-0042" gives "WM-2026-0042"), else NULL.
 * References are looked up through their unique index, not the full-text index. */
static char *
reference_prefix_from_text (const char *text)
{
  g_autofree char *t = g_ascii_strup (text, -1);
  const char *p;
  gsize n;

  g_strstrip (t);
  p = t;
  if (g_str_has_prefix (p, "WM"))
    {
      p += 2;
      if (*p == '\0')
        return g_strdup ("WM");
      if (*p++ != '-')
        return NULL;
    }
  else if (strspn (p, "0123456789") != 4 || p[4] != '-')
    return NULL; /* without "WM", only "2026-…" is clearly a reference */
  n = strspn (p, "0123456789");
  if (n > 4 || (p[n] != '\0' && (n < 4 || p[n] != '-')))
    return NULL;
  if (p[n] == '-' && strspn (p + n + 1, "0123456789") != strlen (p + n + 1))
    return NULL;
  return g_strconcat ("WM-", p, NULL);
}

GArray *
wm_store_query_case_ids (WmStore            *self,
                         const WmCaseQuery  *query,
                         GError            **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT c.id FROM cases c");
  g_autofree char *fts = NULL;
  g_autofree char *reference = NULL;
  g_autoptr(GPtrArray) numbers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int p = 1;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);

  if (query->text != NULL)
    reference = reference_prefix_from_text (query->text);
  if (query->text != NULL && reference == NULL)
    {
      fts = fts_query_from_text (query->text, numbers);
      if (*fts == '\0')
        g_clear_pointer (&fts, g_free);
    }
  if (fts != NULL)
    g_string_append (sql, " JOIN case_search s ON s.docid = c.id AND case_search MATCH ?");
  g_string_append (sql, " WHERE 1");
  /* GLOB, unlike LIKE, uses the unique index; the prefix holds only "WM-" and digits. */
  if (reference != NULL)
    g_string_append (sql, " AND c.reference GLOB ?");
  /* A case number of any year ("0042", or its start) is compared with the number part of
   * every reference (valid ones all start it at the 9th character). The subquery reads only
   * the reference index: about 10 ms for 100,000 cases. */
  for (guint i = 0; i < numbers->len; i++)
    g_string_append (sql, " AND c.id IN (SELECT id FROM cases"
                          " WHERE substr (reference, 9, ?) = ?)");
  if (query->status != NULL)
    g_string_append (sql, " AND c.status = ?");
  if (query->category != NULL)
    g_string_append (sql, " AND c.category = ?");
  if (query->only_risk)
    g_string_append (sql, " AND (c.urgent OR c.risk_safeguarding OR c.risk_self_harm)");
  if (query->only_open)
    g_string_append (sql, " AND c.status NOT IN ('closed', 'withdrawn')");
  if (self->role == WM_ROLE_THERAPIST)
    g_string_append (sql, " AND c.id IN (SELECT case_id FROM referrals WHERE therapist_id = ?"
                          " AND state IN " THERAPIST_REFERRAL_STATES ")");
  g_string_append (sql, " ORDER BY c.opened_at DESC, c.id DESC");

  stmt = prepare (self, sql->str, error);
  if (stmt == NULL)
    return NULL;
  if (fts != NULL)
    sqlite3_bind_text (stmt, p++, fts, -1, SQLITE_TRANSIENT);
  if (reference != NULL)
    {
      g_autofree char *pattern = g_strconcat (reference, "*", NULL);

      sqlite3_bind_text (stmt, p++, pattern, -1, SQLITE_TRANSIENT);
    }
  for (guint i = 0; i < numbers->len; i++)
    {
      sqlite3_bind_int (stmt, p++, (int) strlen (numbers->pdata[i]));
      sqlite3_bind_text (stmt, p++, numbers->pdata[i], -1, SQLITE_TRANSIENT);
    }
  if (query->status != NULL)
    sqlite3_bind_text (stmt, p++, query->status, -1, SQLITE_TRANSIENT);
  if (query->category != NULL)
    sqlite3_bind_text (stmt, p++, query->category, -1, SQLITE_TRANSIENT);
  if (self->role == WM_ROLE_THERAPIST)
    sqlite3_bind_int64 (stmt, p++, self->therapist_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

void
wm_case_summary_data_clear (WmCaseSummaryData *data)
{
  g_clear_pointer (&data->reference, g_free);
  g_clear_pointer (&data->status, g_free);
  g_clear_pointer (&data->category, g_free);
  g_clear_pointer (&data->town, g_free);
  g_clear_pointer (&data->display_name, g_free);
  g_clear_pointer (&data->therapist_name, g_free);
  g_clear_pointer (&data->opened_at, g_free);
}

gboolean
wm_store_load_case_summaries (WmStore       *self,
                              const gint64  *ids,
                              guint          n_ids,
                              GArray        *out,
                              GError       **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  /* One cached statement per row keeps this simple; a page is ~100 rows and each is a
   * primary-key lookup. */
  stmt = prepare (self,
                  "SELECT c.id, c.reference, c.status, c.category, cl.town,"
                  " coalesce(cl.preferred_name, cl.given_name), cl.family_name,"
                  " t.given_name, t.family_name, c.opened_at, c.urgent,"
                  " c.risk_safeguarding OR c.risk_self_harm"
                  " FROM cases c JOIN clients cl ON cl.id = c.client_id"
                  " LEFT JOIN therapists t ON t.id = c.assigned_therapist_id"
                  " WHERE c.id = ?", error);
  if (stmt == NULL)
    return FALSE;

  for (guint i = 0; i < n_ids; i++)
    {
      WmCaseSummaryData data = { 0 };
      int rc;

      /* Ids come from the caller: a therapist gets nothing for a case not theirs. */
      if (!may_see_case (self, ids[i], error))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, ids[i]);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          const char *tg = (const char *) sqlite3_column_text (stmt, 7);
          const char *tf = (const char *) sqlite3_column_text (stmt, 8);

          data.id = sqlite3_column_int64 (stmt, 0);
          data.reference = dup_column_text (stmt, 1);
          data.status = dup_column_text (stmt, 2);
          data.category = dup_column_text (stmt, 3);
          data.town = dup_column_text (stmt, 4);
          data.display_name = g_strjoin (" ", sqlite3_column_text (stmt, 5)
                                               ? (const char *) sqlite3_column_text (stmt, 5) : "",
                                         sqlite3_column_text (stmt, 6)
                                               ? (const char *) sqlite3_column_text (stmt, 6) : "",
                                         NULL);
          g_strstrip (data.display_name);
          data.therapist_name = tf ? g_strjoin (" ", tg ? tg : "", tf, NULL) : NULL;
          data.opened_at = dup_column_text (stmt, 9);
          data.urgent = sqlite3_column_int (stmt, 10) != 0;
          data.risk = sqlite3_column_int (stmt, 11) != 0;
        }
      else
        data.id = ids[i]; /* deleted since the ids were read: an empty row, not a crash */
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return set_sql_error (self, error);
      g_array_append_val (out, data);
    }
  return TRUE;
}

/* Matching */

/* "YYYY-MM-DD" to a Julian day number; 0 when absent or malformed. */
static guint32
julian_from_iso_date (const char *text)
{
  int y, m, d;

  if (text == NULL || sscanf (text, "%4d-%2d-%2d", &y, &m, &d) != 3
      || !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return 0;
  {
    GDate date;

    g_date_clear (&date, 1);
    g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
    return g_date_get_julian (&date);
  }
}

WmMatchSnapshot *
wm_store_load_match_snapshot (WmStore  *self,
                              GError  **error)
{
  g_autoptr(WmMatchSnapshot) snapshot = wm_match_snapshot_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);

  if (!require_staff (self, N_("match cases"), error))
    return NULL;

  /* Aggregates joined once rather than a subquery or a query per therapist. */
  stmt = prepare (self,
                  "SELECT t.id, t.external_id, t.title, t.given_name, t.family_name, t.gender,"
                  " t.latitude, t.longitude, t.active, t.accepting, t.in_person, t.online,"
                  " t.languages, t.max_caseload, t.registration_expires, t.insurance_expires,"
                  " t.dbs_checked, t.training_completed, t.low_cost,"
                  " coalesce(o.n, 0), s.codes"
                  " FROM therapists t"
                  " LEFT JOIN (SELECT therapist_id, count(*) AS n FROM referrals"
                  "   WHERE state IN ('sent', 'accepted', 'first-contact')"
                  "   GROUP BY therapist_id) o ON o.therapist_id = t.id"
                  " LEFT JOIN (SELECT therapist_id, group_concat(code, ';') AS codes"
                  "   FROM therapist_specialisms GROUP BY therapist_id) s"
                  "   ON s.therapist_id = t.id"
                  " ORDER BY t.id", error);
  if (stmt == NULL)
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WmMatchTherapist t = { 0 };
      g_auto(GStrv) languages = NULL;
      g_auto(GStrv) codes = NULL;
      g_autofree char *name = NULL;
      const char *title = (const char *) sqlite3_column_text (stmt, 2);
      const char *given = (const char *) sqlite3_column_text (stmt, 3);
      const char *family = (const char *) sqlite3_column_text (stmt, 4);

      name = title != NULL ? g_strdup_printf ("%s %s %s", title, given, family)
                           : g_strdup_printf ("%s %s", given, family);
      if (sqlite3_column_type (stmt, 12) != SQLITE_NULL)
        languages = g_strsplit ((const char *) sqlite3_column_text (stmt, 12), ";", -1);
      if (sqlite3_column_type (stmt, 20) != SQLITE_NULL)
        codes = g_strsplit ((const char *) sqlite3_column_text (stmt, 20), ";", -1);

      t.id = sqlite3_column_int64 (stmt, 0);
      t.external_id = (const char *) sqlite3_column_text (stmt, 1);
      t.name = name;
      t.gender = (const char *) sqlite3_column_text (stmt, 5);
      t.latitude = sqlite3_column_type (stmt, 6) == SQLITE_NULL ? NAN
                                                                : sqlite3_column_double (stmt, 6);
      t.longitude = sqlite3_column_type (stmt, 7) == SQLITE_NULL ? NAN
                                                                 : sqlite3_column_double (stmt, 7);
      t.active = sqlite3_column_int (stmt, 8) != 0;
      t.accepting = sqlite3_column_int (stmt, 9) != 0;
      t.in_person = sqlite3_column_int (stmt, 10) != 0;
      t.online = sqlite3_column_int (stmt, 11) != 0;
      t.languages = (const char * const *) languages;
      t.max_caseload = sqlite3_column_int (stmt, 13);
      t.registration_expires = julian_from_iso_date ((const char *) sqlite3_column_text (stmt, 14));
      t.insurance_expires = julian_from_iso_date ((const char *) sqlite3_column_text (stmt, 15));
      t.dbs_checked = julian_from_iso_date ((const char *) sqlite3_column_text (stmt, 16));
      t.training_completed = sqlite3_column_int (stmt, 17) != 0;
      t.low_cost = sqlite3_column_int (stmt, 18) != 0;
      t.open_referrals = sqlite3_column_int (stmt, 19);
      t.specialisms = wm_specialism_set_from_codes ((const char * const *) codes);
      wm_match_snapshot_add (snapshot, &t);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&snapshot);
}

static gboolean
collect_ids (WmStore       *self,
             sqlite3_stmt  *stmt,
             GArray        *ids,
             GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sql_error (self, error);
  return TRUE;
}

gboolean
wm_store_load_match_history (WmStore  *self,
                             WmCase   *kase,
                             GArray  **declined,
                             GArray  **conflicts,
                             GError  **error)
{
  g_autoptr(GArray) d = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) c = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 id = wm_record_get_id (WM_RECORD (kase));
  sqlite3_stmt *stmt;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (!require_staff (self, N_("match cases"), error))
    return FALSE;

  stmt = prepare (self, "SELECT DISTINCT therapist_id FROM referrals"
                        " WHERE case_id = ? AND state IN ('declined', 'no-contact')"
                        " ORDER BY therapist_id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!collect_ids (self, stmt, d, error))
    return FALSE;

  /* Family cases are linked one way (this case to another, or another to this one); either
   * way, a therapist working with one of them is not offered the other. */
  stmt = prepare (self,
                  "SELECT DISTINCT t FROM ("
                  "  SELECT r.therapist_id AS t FROM referrals r JOIN cases k ON k.id = r.case_id"
                  "   WHERE (k.id = ?1 OR k.linked_case_id = ?2) AND k.id != ?2"
                  "   AND r.state IN ('sent', 'accepted', 'first-contact')"
                  "  UNION SELECT k.assigned_therapist_id FROM cases k"
                  "   WHERE (k.id = ?1 OR k.linked_case_id = ?2) AND k.id != ?2"
                  "   AND k.assigned_therapist_id IS NOT NULL"
                  "   AND k.status NOT IN ('closed', 'withdrawn'))"
                  " ORDER BY t", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, kase->linked_case_id);
  sqlite3_bind_int64 (stmt, 2, id);
  if (!collect_ids (self, stmt, c, error))
    return FALSE;

  *declined = g_steal_pointer (&d);
  *conflicts = g_steal_pointer (&c);
  return TRUE;
}

static double
setting_fraction (WmStore    *self,
                  const char *key,
                  double      fallback)
{
  g_autofree char *text = wm_store_get_setting (self, key);
  char *end = NULL;
  double v;

  if (text == NULL)
    return fallback;
  v = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !(v >= 0.0 && v <= 1.0))
    return fallback;
  return v;
}

void
wm_store_load_match_settings (WmStore        *self,
                              WmMatchWeights *weights,
                              WmMatchOptions *options)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *years = NULL;
  GDate today;

  g_return_if_fail (WM_IS_STORE (self));

  wm_match_weights_init_default (weights);
  weights->proximity = setting_fraction (self, "match.weight.proximity", weights->proximity);
  weights->specialism = setting_fraction (self, "match.weight.specialism", weights->specialism);
  weights->capacity = setting_fraction (self, "match.weight.capacity", weights->capacity);
  weights->preferences = setting_fraction (self, "match.weight.preferences",
                                           weights->preferences);

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, (GDateDay) g_date_time_get_day_of_month (now),
                  (GDateMonth) g_date_time_get_month (now),
                  (GDateYear) g_date_time_get_year (now));
  options->today = g_date_get_julian (&today);
  years = wm_store_get_setting (self, "dbs.validity_years");
  options->dbs_validity_years = years != NULL ? (guint) CLAMP (g_ascii_strtoll (years, NULL, 10),
                                                               0, 50)
                                              : 3;
}

/* Letter templates */

void
wm_letter_template_free (WmLetterTemplate *tmpl)
{
  if (tmpl == NULL)
    return;
  g_free (tmpl->name);
  g_free (tmpl->title);
  g_free (tmpl->body);
  g_free (tmpl->updated_at);
  g_free (tmpl);
}

static WmLetterTemplate *
letter_template_from_row (sqlite3_stmt *stmt)
{
  WmLetterTemplate *tmpl = g_new0 (WmLetterTemplate, 1);

  tmpl->name = dup_column_text (stmt, 0);
  tmpl->title = dup_column_text (stmt, 1);
  tmpl->body = dup_column_text (stmt, 2);
  tmpl->builtin = sqlite3_column_int (stmt, 3) != 0;
  tmpl->updated_at = dup_column_text (stmt, 4);
  return tmpl;
}

WmLetterTemplate *
wm_store_get_letter_template (WmStore     *self,
                              const char  *name,
                              GError     **error)
{
  WmLetterTemplate *tmpl = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!require_staff (self, N_("use letter templates"), error))
    return NULL;

  stmt = prepare (self, "SELECT name, title, body, builtin, updated_at FROM letter_templates"
                        " WHERE name = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    tmpl = letter_template_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND,
                 _("template: no template named “%s”"), name);
  else if (rc != SQLITE_ROW)
    set_sql_error (self, error);
  return tmpl;
}

GPtrArray *
wm_store_list_letter_templates (WmStore  *self,
                                GError  **error)
{
  g_autoptr(GPtrArray) list = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);

  if (!require_staff (self, N_("use letter templates"), error))
    return NULL;

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) wm_letter_template_free);

  stmt = prepare (self, "SELECT name, title, body, builtin, updated_at FROM letter_templates"
                        " ORDER BY builtin DESC, name", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, letter_template_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

gboolean
wm_store_save_letter_template (WmStore     *self,
                               const char  *name,
                               const char  *title,
                               const char  *body,
                               GError     **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autofree char *summary = NULL;
  sqlite3_stmt *stmt;
  gboolean exists = FALSE;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (!require_admin (self, N_("edit letter templates"), error))
    return FALSE;

  if (!wm_letter_check_template (name, title, body, error))
    return FALSE;
  if (!wm_store_begin (self, error))
    return FALSE;
  stmt = prepare (self, "SELECT 1 FROM letter_templates WHERE name = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  exists = rc == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      set_sql_error (self, error);
      goto fail;
    }
  if (exists)
    stmt = prepare (self, "UPDATE letter_templates SET title = ?2, body = ?3, updated_at = ?4"
                          " WHERE name = ?1", error);
  else
    stmt = prepare (self, "INSERT INTO letter_templates (name, title, body, builtin, updated_at)"
                          " VALUES (?1, ?2, ?3, 0, ?4)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  bind_text (stmt, 2, title);
  sqlite3_bind_text (stmt, 3, body, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_TRANSIENT);
  summary = g_strdup_printf ("letter template %s saved", name);
  if (!step_done (self, stmt, error)
      || !audit (self, now, exists ? "update" : "create", "letter-template", -1, summary, error))
    goto fail;
  return wm_store_commit (self, error);

fail:
  wm_store_rollback (self);
  return FALSE;
}

gboolean
wm_store_delete_letter_template (WmStore     *self,
                                 const char  *name,
                                 GError     **error)
{
  g_autoptr(WmLetterTemplate) tmpl = NULL;
  g_autofree char *summary = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);

  if (!require_admin (self, N_("edit letter templates"), error))
    return FALSE;

  if (!wm_store_begin (self, error))
    return FALSE;
  tmpl = wm_store_get_letter_template (self, name, error);
  if (tmpl == NULL)
    goto fail;
  if (tmpl->builtin)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_FAILED,
                   _("template: “%s” is built in and cannot be deleted"), name);
      goto fail;
    }
  stmt = prepare (self, "DELETE FROM letter_templates WHERE name = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  summary = g_strdup_printf ("letter template %s deleted", name);
  if (!step_done (self, stmt, error)
      || !audit (self, NULL, "delete", "letter-template", -1, summary, error))
    goto fail;
  return wm_store_commit (self, error);

fail:
  wm_store_rollback (self);
  return FALSE;
}

gboolean
wm_store_record_letter (WmStore         *self,
                        gint64           case_id,
                        const char      *template_name,
                        WmLetterOutput   output,
                        GError         **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autofree char *body = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(WmLetterTemplate) tmpl = NULL;
  gboolean printed = output == WM_LETTER_OUTPUT_PRINT;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  g_return_val_if_fail (template_name != NULL, FALSE);

  if (!require_staff (self, N_("print or export letters"), error))
    return FALSE;

  if (!wm_store_begin (self, error))
    return FALSE;
  /* Only a stored template's name goes into the log, never free text. */
  tmpl = wm_store_get_letter_template (self, template_name, error);
  if (tmpl == NULL)
    goto fail;
  body = printed ? g_strdup_printf (_("Letter “%s” printed"), tmpl->name)
                 : g_strdup_printf (_("Letter “%s” exported as PDF"), tmpl->name);
  summary = g_strdup_printf (printed ? "letter %s printed" : "letter %s exported as PDF",
                             tmpl->name);
  if (!insert_event (self, case_id, now, "letter", body, error)
      || !audit (self, now, "letter", "case", case_id, summary, error))
    {
      if (error != NULL && *error != NULL
          && sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
        {
          g_clear_error (error);
          g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND, _("No such case"));
        }
      goto fail;
    }
  return wm_store_commit (self, error);

fail:
  wm_store_rollback (self);
  return FALSE;
}

/* The audit log viewer */

void
wm_audit_entry_free (WmAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->at);
  g_free (entry->username);
  g_free (entry->action);
  g_free (entry->entity);
  g_free (entry->record);
  g_free (entry->summary);
  g_free (entry);
}

/* Binds an optional filter: NULL (no filter) stays NULL in SQL, so one cached statement
 * serves every combination. */
static void
bind_optional_text (sqlite3_stmt *stmt,
                    int           index,
                    const char   *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

GPtrArray *
wm_store_query_audit (WmStore             *self,
                      const WmAuditQuery  *query,
                      GError             **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) wm_audit_entry_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!require_admin (self, N_("read the audit log"), error))
    return NULL;

  stmt = prepare (self,
                  "SELECT * FROM ("
                  " SELECT a.id, a.at, a.user_id, u.username, a.action, a.entity, a.entity_id,"
                  "  CASE a.entity"
                  "   WHEN 'case' THEN (SELECT reference FROM cases WHERE id = a.entity_id)"
                  "   WHEN 'user' THEN (SELECT username FROM users WHERE id = a.entity_id)"
                  "   WHEN 'therapist' THEN (SELECT trim(coalesce(given_name, '') || ' ' ||"
                  "     coalesce(family_name, '')) FROM therapists WHERE id = a.entity_id)"
                  "  END AS record,"
                  "  a.summary"
                  " FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
                  " WHERE (?1 IS NULL OR (?1 = '' AND a.user_id IS NULL) OR u.username = ?1)"
                  "  AND (?2 IS NULL OR a.action = ?2)"
                  "  AND (?3 IS NULL OR a.entity = ?3)"
                  "  AND (?4 IS NULL OR a.at >= ?4)"
                  "  AND (?5 IS NULL OR a.at < date(?5, '+1 day')))"
                  " WHERE ?6 IS NULL"
                  "  OR instr(lower(coalesce(record, '') || ' ' || coalesce(summary, '')),"
                  "           lower(?6)) > 0"
                  " ORDER BY id DESC LIMIT ?7",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_optional_text (stmt, 1, query->username);
  bind_optional_text (stmt, 2, query->action);
  bind_optional_text (stmt, 3, query->entity);
  bind_optional_text (stmt, 4, query->since);
  bind_optional_text (stmt, 5, query->until);
  bind_optional_text (stmt, 6, query->text != NULL && *query->text != '\0' ? query->text : NULL);
  sqlite3_bind_int64 (stmt, 7, query->limit > 0 ? (gint64) query->limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WmAuditEntry *entry = g_new0 (WmAuditEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->at = dup_column_text (stmt, 1);
      entry->user_id = sqlite3_column_type (stmt, 2) == SQLITE_NULL
                         ? -1 : sqlite3_column_int64 (stmt, 2);
      entry->username = dup_column_text (stmt, 3);
      entry->action = dup_column_text (stmt, 4);
      entry->entity = dup_column_text (stmt, 5);
      entry->entity_id = sqlite3_column_type (stmt, 6) == SQLITE_NULL
                           ? -1 : sqlite3_column_int64 (stmt, 6);
      entry->record = dup_column_text (stmt, 7);
      entry->summary = dup_column_text (stmt, 8);
      g_ptr_array_add (entries, entry);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&entries);
}

gboolean
wm_store_export_audit_csv (WmStore             *self,
                           const WmAuditQuery  *query,
                           GOutputStream       *out,
                           GError             **error)
{
  static const char * const header[] = {
    "id", "at", "user", "action", "entity", "entity_id", "record", "summary",
  };
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GString) csv = g_string_new (NULL);
  g_autofree char *summary = NULL;

  g_return_val_if_fail (WM_IS_STORE (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  entries = wm_store_query_audit (self, query, error);
  if (entries == NULL)
    return FALSE;

  wm_csv_append_row (csv, header, G_N_ELEMENTS (header), TRUE);
  for (guint i = 0; i < entries->len; i++)
    {
      WmAuditEntry *e = g_ptr_array_index (entries, i);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, e->id);
      g_autofree char *entity_id = e->entity_id >= 0
                                     ? g_strdup_printf ("%" G_GINT64_FORMAT, e->entity_id) : NULL;
      const char *fields[] = {
        id, e->at, e->username, e->action, e->entity, entity_id, e->record, e->summary,
      };

      wm_csv_append_row (csv, fields, G_N_ELEMENTS (fields), TRUE);
    }
  if (!g_output_stream_write_all (out, csv->str, csv->len, NULL, NULL, error))
    return FALSE;
  summary = g_strdup_printf ("audit log exported (%u rows)", entries->len);
  return wm_store_audit (self, "export", "audit", -1, summary, error);
}

/* A therapist's own cases */

void
wm_therapist_case_free (WmTherapistCase *item)
{
  if (item == NULL)
    return;
  g_free (item->reference);
  g_free (item->referral_state);
  g_free (item->sent_at);
  g_free (item->first_contact_at);
  g_free (item->case_status);
  g_free (item->category);
  g_free (item->town);
  g_free (item->display_name);
  g_free (item);
}

int
wm_store_get_no_contact_days (WmStore *self)
{
  g_autofree char *value = wm_store_get_setting (self, "referral.no-contact-days");
  gint64 days;

  if (value != NULL && g_ascii_string_to_signed (value, 10, 1, 365, &days, NULL))
    return (int) days;
  return 7;
}

static int
therapist_case_rank (const WmTherapistCase *item)
{
  if (g_strcmp0 (item->referral_state, "sent") == 0
      || g_strcmp0 (item->referral_state, "accepted") == 0)
    return 0;
  if (g_strcmp0 (item->referral_state, "first-contact") == 0)
    return 1;
  return 2;
}

static int
compare_therapist_cases (gconstpointer a,
                         gconstpointer b)
{
  const WmTherapistCase *x = *(WmTherapistCase * const *) a;
  const WmTherapistCase *y = *(WmTherapistCase * const *) b;
  int rx = therapist_case_rank (x), ry = therapist_case_rank (y);

  if (rx != ry)
    return rx < ry ? -1 : 1;
  if (rx == 0 && x->days_to_deadline != y->days_to_deadline)
    return x->days_to_deadline < y->days_to_deadline ? -1 : 1;
  /* Otherwise the newest referral first. */
  return -g_strcmp0 (x->sent_at, y->sent_at);
}

GPtrArray *
wm_store_list_therapist_cases (WmStore  *self,
                               gint64    therapist_id,
                               GError  **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) wm_therapist_case_free);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  int no_contact_days;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (WM_IS_STORE (self), NULL);

  if (self->role == WM_ROLE_THERAPIST && therapist_id != self->therapist_id)
    {
      deny (error, N_("see another therapist’s cases"));
      return NULL;
    }
  no_contact_days = wm_store_get_no_contact_days (self);

  stmt = prepare (self,
                  "SELECT c.id, r.id, c.reference, r.state, r.sent_at, r.first_contact_at,"
                  " c.status, c.category, cl.town,"
                  " coalesce(cl.preferred_name, cl.given_name), cl.family_name, c.urgent,"
                  " c.risk_safeguarding OR c.risk_self_harm"
                  " FROM referrals r JOIN cases c ON c.id = r.case_id"
                  " JOIN clients cl ON cl.id = c.client_id"
                  " WHERE r.therapist_id = ?"
                  "  AND r.state IN ('sent', 'accepted', 'first-contact', 'ended')",
                  error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, therapist_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WmTherapistCase *item = g_new0 (WmTherapistCase, 1);
      const char *given = (const char *) sqlite3_column_text (stmt, 9);
      const char *family = (const char *) sqlite3_column_text (stmt, 10);

      item->case_id = sqlite3_column_int64 (stmt, 0);
      item->referral_id = sqlite3_column_int64 (stmt, 1);
      item->reference = dup_column_text (stmt, 2);
      item->referral_state = dup_column_text (stmt, 3);
      item->sent_at = dup_column_text (stmt, 4);
      item->first_contact_at = dup_column_text (stmt, 5);
      item->case_status = dup_column_text (stmt, 6);
      item->category = dup_column_text (stmt, 7);
      item->town = dup_column_text (stmt, 8);
      item->display_name = g_strstrip (g_strjoin (" ", given ? given : "", family ? family : "",
                                                  NULL));
      item->urgent = sqlite3_column_int (stmt, 11) != 0;
      item->risk = sqlite3_column_int (stmt, 12) != 0;
      item->days_to_deadline = G_MAXINT;
      if (therapist_case_rank (item) == 0 && item->sent_at != NULL)
        {
          g_autoptr(GDateTime) sent = g_date_time_new_from_iso8601 (item->sent_at, NULL);

          if (sent != NULL)
            {
              gint64 waited = g_date_time_difference (now, sent) / G_TIME_SPAN_DAY;

              item->days_to_deadline = no_contact_days - (int) waited;
            }
        }
      g_ptr_array_add (items, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error);
      return NULL;
    }
  g_ptr_array_sort (items, compare_therapist_cases);
  return g_steal_pointer (&items);
}
