/* test-audit.c: the audit log: one row per change (in the change's own transaction), no
 * personal data in any column, and a hash chain that shows where someone with the key edited
 * or removed rows behind Waymark's back.
 *
 * Some checks read and tamper with the file directly through the SQLCipher C API, with the
 * store's raw key, exactly as an attacker holding the recovery key could.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "test-raw.h"
#include "test-util.h"
#include "wm-audit.h"
#include "wm-store.h"

typedef struct
{
  char *dir;
  char *path;
  guint8 *key;
  WmStore *store;
  gint64 rows;           /* audit rows seen at the last check */
  gint64 actor;          /* what the store was told with wm_store_set_actor */
  GPtrArray *expected;   /* "action entity entity_id user_id" for every row, in order */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "audit.waymark", NULL);
  f->key = test_key_new ();
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  f->actor = -1;
  f->expected = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  g_clear_pointer (&f->expected, g_ptr_array_unref);
  sodium_free (f->key);
  g_free (f->path);
  test_tmpdir_free (f->dir);
}

/* Runs @sql on the closed database file, behind the store's back. */
static void
tamper (Fixture    *f,
        const char *sql)
{
  sqlite3 *db;

  g_assert_null (f->store);
  db = test_raw_open (f->path, f->key);
  test_raw_exec (db, sql);
  g_test_message ("tampered: %s (%d rows changed)", sql, sqlite3_changes (db));
  sqlite3_close (db);
}

/* Every row and column of @table as one lower-cased byte string (blobs included). */
static GByteArray *
raw_dump_table (sqlite3    *db,
                const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s", table);
  GByteArray *out = g_byte_array_new ();
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      {
        /* column_blob gives integers and reals in their text form too. */
        const guint8 *v = sqlite3_column_blob (stmt, i);
        int n = sqlite3_column_bytes (stmt, i);

        if (v != NULL)
          g_byte_array_append (out, v, n);
        g_byte_array_append (out, (const guint8 *) "\x1f", 1);
      }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  for (guint i = 0; i < out->len; i++)
    out->data[i] = g_ascii_tolower (out->data[i]);
  return out;
}

static gboolean
dump_contains (GByteArray *dump,
               const char *needle)
{
  g_autofree char *lower = g_ascii_strdown (needle, -1);
  g_autoptr(GBytes) bytes = g_bytes_new_static (dump->data, dump->len);

  return test_bytes_contain (bytes, lower);
}

/* Counting through the public API */

static gint64
audit_rows (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gint64 broken = -1, rows = -1;

  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows, &error));
  g_assert_no_error (error);
  g_assert_cmpint (broken, ==, 0);
  return rows;
}

static void
assert_appended (Fixture    *f,
                 const char *action,
                 const char *entity,
                 gint64      entity_id)
{
  gint64 rows = audit_rows (f);

  g_assert_cmpint (rows, ==, f->rows + 1);
  f->rows = rows;
  g_ptr_array_add (f->expected,
                   g_strdup_printf ("%s %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                                    action, entity, entity_id, f->actor));
}

static void
assert_nothing_appended (Fixture *f)
{
  g_assert_cmpint (audit_rows (f), ==, f->rows);
}

static void
set_actor (Fixture *f,
           gint64   user_id)
{
  wm_store_set_actor (f->store, user_id);
  f->actor = user_id;
}

static WmTherapist *
make_therapist (const char *external_id)
{
  WmTherapist *t = wm_therapist_new ();
  const char *specialisms[] = { "pre-offence", "trauma", NULL };

  g_object_set (t,
                "external-id", external_id,
                "given-name", "Ophelia",
                "family-name", "Thistlewood",
                "email", "ophelia@thistlewood.example",
                "phone", "01632 960777",
                "address", "3 Cobble Yard",
                "town", "Ripon",
                "latitude", 54.138,
                "longitude", -1.523,
                "specialisms", specialisms,
                NULL);
  return t;
}

static WmCase *
make_case (const char *given_name)
{
  WmCase *c = wm_case_new ();
  const char *needs[] = { "pre-offence", NULL };

  g_object_set (c, "category", "at-risk", "needs", needs, NULL);
  g_object_set (wm_case_get_client (c), "given-name", given_name, "family-name", "Example",
                "town", "Leeds", NULL);
  return c;
}

/* Every kind of change appends exactly one row, in the same transaction; anything that fails
 * or changes nothing appends none. */
static void
test_one_row_per_change (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) t = make_therapist ("T-1");
  g_autoptr(WmCase) c = make_case ("Sam");
  g_autoptr(WmCase) viewed = NULL;
  g_autoptr(WmUser) user = g_object_new (WM_TYPE_USER, "username", "coord",
                                         "role", "coordinator", NULL);
  g_autoptr(WmReferral) referral = NULL;
  gint64 t_id, c_id, u_id;

  /* A new database holds the migration row only. */
  f->rows = audit_rows (f);
  g_assert_cmpint (f->rows, ==, 1);
  g_ptr_array_add (f->expected, g_strdup ("migrate database -1 -1"));

  /* Users */
  g_assert_true (wm_store_save_user (f->store, user, &error));
  g_assert_no_error (error);
  u_id = wm_record_get_id (WM_RECORD (user));
  assert_appended (f, "create", "user", u_id);
  set_actor (f, u_id);

  /* Therapists: create, unchanged save, edit, invalid, duplicate. */
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_no_error (error);
  t_id = wm_record_get_id (WM_RECORD (t));
  assert_appended (f, "create", "therapist", t_id);
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  assert_nothing_appended (f);
  g_object_set (t, "max-caseload", (gint64) 9, NULL);
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_no_error (error);
  assert_appended (f, "update", "therapist", t_id);
  {
    g_autoptr(WmTherapist) bad = make_therapist ("T-2");
    g_autoptr(WmTherapist) dup = make_therapist ("T-1");

    g_object_set (bad, "email", "not-an-email", NULL);
    g_assert_false (wm_store_save_therapist (f->store, bad, &error));
    g_clear_error (&error);
    assert_nothing_appended (f);
    g_assert_false (wm_store_save_therapist (f->store, dup, &error));
    g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_EXISTS);
    g_clear_error (&error);
    assert_nothing_appended (f);
  }

  /* Cases: create, view by id and by reference, edit, refused edits. */
  g_assert_true (wm_store_save_case (f->store, c, &error));
  g_assert_no_error (error);
  c_id = wm_record_get_id (WM_RECORD (c));
  assert_appended (f, "create", "case", c_id);
  viewed = wm_store_get_case (f->store, c_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (viewed);
  assert_appended (f, "view", "case", c_id);
  g_clear_object (&viewed);
  viewed = wm_store_find_case (f->store, c->reference, &error);
  g_assert_no_error (error);
  assert_appended (f, "view", "case", c_id);
  g_assert_null (wm_store_get_case (f->store, c_id + 1000, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_nothing_appended (f);

  g_object_set (wm_case_get_client (viewed), "phone", "07700 900123", NULL);
  g_assert_true (wm_store_save_case (f->store, viewed, &error));
  g_assert_no_error (error);
  assert_appended (f, "update", "case", c_id);
  g_assert_true (wm_store_save_case (f->store, viewed, &error));
  assert_nothing_appended (f);
  g_object_set (viewed, "status", "closed", NULL);
  g_assert_false (wm_store_save_case (f->store, viewed, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION);
  g_clear_error (&error);
  g_object_set (viewed, "status", "enquiry", NULL);
  assert_nothing_appended (f);
  g_object_set (wm_case_get_client (viewed), "email", "a@b", NULL);
  g_assert_false (wm_store_save_case (f->store, viewed, &error));
  g_clear_error (&error);
  assert_nothing_appended (f);

  /* Status changes */
  g_assert_false (wm_store_set_case_status (f->store, c, "in-therapy", NULL, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION);
  g_clear_error (&error);
  assert_nothing_appended (f);
  g_assert_true (wm_store_set_case_status (f->store, c, "triage", NULL, &error));
  g_assert_no_error (error);
  assert_appended (f, "status", "case", c_id);
  g_assert_true (wm_store_set_case_status (f->store, c, "matching", "called back", &error));
  assert_appended (f, "status", "case", c_id);

  /* Events */
  g_assert_true (wm_store_add_case_event (f->store, c_id, "note", "spoke briefly", &error));
  g_assert_no_error (error);
  assert_appended (f, "event", "case", c_id);
  g_assert_false (wm_store_add_case_event (f->store, c_id, "gossip", "x", &error));
  g_clear_error (&error);
  assert_nothing_appended (f);
  g_assert_false (wm_store_add_case_event (f->store, c_id + 1000, "note", "x", &error));
  g_clear_error (&error);
  assert_nothing_appended (f);

  /* Referrals */
  referral = wm_store_create_referral (f->store, c_id, t_id, 0.7, "close by", &error);
  g_assert_no_error (error);
  g_assert_nonnull (referral);
  assert_appended (f, "refer", "case", c_id);
  g_assert_false (wm_store_set_referral_state (f->store, referral, "declined", NULL, &error));
  g_clear_error (&error);
  assert_nothing_appended (f);
  g_assert_false (wm_store_set_referral_state (f->store, referral, "ended", NULL, &error));
  g_clear_error (&error);
  assert_nothing_appended (f);
  g_assert_true (wm_store_set_referral_state (f->store, referral, "accepted", NULL, &error));
  g_assert_no_error (error);
  assert_appended (f, "referral", "case", c_id);

  /* Settings, users, things outside the store */
  g_assert_true (wm_store_set_setting (f->store, "org.name", "Example Trust", &error));
  assert_appended (f, "update", "setting", -1);
  g_assert_true (wm_store_audit (f->store, "export", "case", c_id, "letter exported", &error));
  assert_appended (f, "export", "case", c_id);
  set_actor (f, -1);
  g_assert_true (wm_store_delete_user (f->store, u_id, &error));
  g_assert_no_error (error);
  assert_appended (f, "remove", "user", u_id);
  g_assert_false (wm_store_delete_user (f->store, u_id + 1000, &error));
  g_clear_error (&error);
  assert_nothing_appended (f);

  /* The audit row belongs to the change's transaction: rolled back together... */
  {
    g_autoptr(WmTherapist) t2 = make_therapist ("T-3");
    g_autoptr(WmCase) c2 = make_case ("Robin");

    g_assert_true (wm_store_begin (f->store, &error));
    g_assert_true (wm_store_save_therapist (f->store, t2, &error));
    g_assert_true (wm_store_save_case (f->store, c2, &error));
    g_assert_no_error (error);
    wm_store_rollback (f->store);
    assert_nothing_appended (f);
    g_assert_cmpint (wm_store_count_therapists (f->store), ==, 1);
    g_assert_cmpint (wm_store_count_cases (f->store), ==, 1);

    /* ...and committed together: one row per change inside it. */
    wm_record_set_id (WM_RECORD (t2), 0);
    g_assert_true (wm_store_begin (f->store, &error));
    g_assert_true (wm_store_save_therapist (f->store, t2, &error));
    g_assert_no_error (error);
    g_assert_true (wm_store_commit (f->store, &error));
    g_assert_no_error (error);
    assert_appended (f, "create", "therapist", wm_record_get_id (WM_RECORD (t2)));
  }

  /* The rows themselves, read straight from the file, say who did what to which record. */
  g_clear_object (&f->store);
  {
    sqlite3 *db = test_raw_open (f->path, f->key);
    sqlite3_stmt *stmt = NULL;
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

    g_assert_cmpint (sqlite3_prepare_v2 (db,
                                         "SELECT action, entity, coalesce(entity_id, -1),"
                                         " coalesce(user_id, -1) FROM audit_log ORDER BY id",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_ptr_array_add (found,
                       g_strdup_printf ("%s %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                                        sqlite3_column_text (stmt, 0),
                                        sqlite3_column_text (stmt, 1),
                                        (gint64) sqlite3_column_int64 (stmt, 2),
                                        (gint64) sqlite3_column_int64 (stmt, 3)));
    sqlite3_finalize (stmt);
    sqlite3_close (db);

    g_ptr_array_add (found, NULL);
    g_ptr_array_add (f->expected, NULL);
    g_assert_cmpstrv (found->pdata, f->expected->pdata);
  }
}

/* Names, contact details, notes and free text never reach the audit log, in any column. */
static void
test_no_personal_data (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) c = wm_case_new ();
  g_autoptr(WmTherapist) t = make_therapist ("T-77");
  g_autoptr(WmReferral) referral = NULL;
  g_autoptr(GByteArray) audit_dump = NULL;
  g_autoptr(GByteArray) data_dump = NULL;
  g_autofree char *update_summary = NULL;
  gint64 c_id;
  sqlite3 *db;
  /* Each of these is written somewhere below; "kept" ones are still in the data at the end,
   * the others were overwritten by an edit (and secure_delete wiped them). */
  const struct { const char *value; gboolean kept; } secrets[] = {
    { "Zebedee", TRUE }, { "Quattlebaum", TRUE }, { "Zebby", TRUE },
    { "900461", FALSE }, { "zebedee.q@example.net", FALSE },
    { "900987", TRUE }, { "zq.new@example.org", TRUE },
    { "Larkspur Mews", TRUE }, { "Knaresborough", TRUE },
    { "worried about his nephew", TRUE }, { "Lower Wensleydale", TRUE },
    { "voicemail with sister Philippa", TRUE }, { "Ravenscar Lodge", TRUE },
    { "walkable from Pateley", TRUE }, { "knows the Quattlebaum family", TRUE },
    { "Ophelia", TRUE }, { "Thistlewood", TRUE }, { "ophelia@thistlewood.example", TRUE },
    { "960777", FALSE }, { "960778", TRUE }, { "Cobble Yard", TRUE },
  };

  g_object_set (c, "category", "at-risk", "notes", "Caller is worried about his nephew",
                "outcome", "Lower Wensleydale service", NULL);
  g_object_set (wm_case_get_client (c),
                "given-name", "Zebedee",
                "family-name", "Quattlebaum",
                "preferred-name", "Zebby",
                "phone", "07700 900461",
                "email", "zebedee.q@example.net",
                "address", "7 Larkspur Mews",
                "town", "Knaresborough",
                NULL);
  g_assert_true (wm_store_save_case (f->store, c, &error));
  g_assert_no_error (error);
  c_id = wm_record_get_id (WM_RECORD (c));
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_no_error (error);

  /* Edit contact details and notes, change status with a note, add a note event, refer and
   * decline with a reason, view the case. */
  g_object_set (wm_case_get_client (c), "phone", "07700 900987", "email", "zq.new@example.org",
                NULL);
  g_object_set (c, "notes", "Caller is still worried about his nephew", NULL);
  g_assert_true (wm_store_save_case (f->store, c, &error));
  g_assert_no_error (error);
  g_assert_true (wm_store_set_case_status (f->store, c, "triage",
                                           "Left a voicemail with sister Philippa", &error));
  g_assert_no_error (error);
  g_assert_true (wm_store_set_case_status (f->store, c, "matching", NULL, &error));
  g_assert_true (wm_store_add_case_event (f->store, c_id, "note",
                                          "Mentions staying at Ravenscar Lodge", &error));
  g_assert_no_error (error);
  referral = wm_store_create_referral (f->store, c_id, wm_record_get_id (WM_RECORD (t)), 0.9,
                                       "walkable from Pateley Bridge", &error);
  g_assert_no_error (error);
  g_assert_true (wm_store_set_referral_state (f->store, referral, "declined",
                                              "Therapist knows the Quattlebaum family", &error));
  g_assert_no_error (error);
  g_object_set (t, "phone", "01632 960778", NULL);
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_clear_object (&c);
  c = wm_store_get_case (f->store, c_id, &error);
  g_assert_no_error (error);
  g_clear_object (&f->store);

  db = test_raw_open (f->path, f->key);
  audit_dump = raw_dump_table (db, "audit_log");
  data_dump = g_byte_array_new ();
  {
    const char *tables[] = { "clients", "cases", "case_events", "referrals", "therapists" };

    for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
      {
        g_autoptr(GByteArray) d = raw_dump_table (db, tables[i]);
        g_byte_array_append (data_dump, d->data, d->len);
      }
  }
  update_summary = test_raw_text (db, "SELECT summary FROM audit_log WHERE action = 'update'"
                                 " AND entity = 'case'");
  sqlite3_close (db);

  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      /* Where it belongs it is (so this reads the right file with the right key)... */
      if (dump_contains (data_dump, secrets[i].value) != secrets[i].kept)
        g_error ("“%s” is %s the data tables", secrets[i].value,
                 secrets[i].kept ? "missing from" : "still in");
      /* ...and the audit log never has it. */
      if (dump_contains (audit_dump, secrets[i].value))
        g_error ("the audit log holds “%s”", secrets[i].value);
    }

  /* The summary of an edit names what changed, not the values. */
  g_test_message ("update summary: %s", update_summary);
  g_assert_nonnull (update_summary);
  g_assert_nonnull (strstr (update_summary, "notes"));
  g_assert_nonnull (strstr (update_summary, "phone"));
  g_assert_nonnull (strstr (update_summary, "email"));
  g_assert_null (strstr (update_summary, "given_name"));
}

/* A database with ten audit rows, closed:
 *   1 migrate  2 create user (no actor)  and, by user 1:
 *   3 create therapist  4 create case A  5 create case B  6 status A  7 event A  8 view A
 *   9 update A  10 update setting */
static void
populate (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmUser) user = g_object_new (WM_TYPE_USER, "username", "coord",
                                         "role", "coordinator", NULL);
  g_autoptr(WmTherapist) t = make_therapist ("T-1");
  g_autoptr(WmCase) a = make_case ("Alex");
  g_autoptr(WmCase) b = make_case ("Billie");
  g_autoptr(WmCase) viewed = NULL;
  gint64 broken = -1, rows = 0;

  g_assert_true (wm_store_save_user (f->store, user, &error));
  g_assert_cmpint (wm_record_get_id (WM_RECORD (user)), ==, 1);
  wm_store_set_actor (f->store, 1);
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_true (wm_store_save_case (f->store, a, &error));
  g_assert_true (wm_store_save_case (f->store, b, &error));
  g_assert_true (wm_store_set_case_status (f->store, a, "triage", NULL, &error));
  g_assert_true (wm_store_add_case_event (f->store, wm_record_get_id (WM_RECORD (a)), "call",
                                          NULL, &error));
  viewed = wm_store_get_case (f->store, wm_record_get_id (WM_RECORD (a)), &error);
  g_assert_no_error (error);
  g_object_set (viewed, "urgent", TRUE, NULL);
  g_assert_true (wm_store_save_case (f->store, viewed, &error));
  g_assert_true (wm_store_set_setting (f->store, "org.name", "Example Trust", &error));
  g_assert_no_error (error);

  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows, &error));
  g_assert_cmpint (broken, ==, 0);
  g_assert_cmpint (rows, ==, 10);
  g_clear_object (&f->store);
}

static void
reopen_and_verify (Fixture *f,
                   gint64  *broken,
                   gint64  *rows)
{
  g_autoptr(GError) error = NULL;

  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  *broken = -1;
  *rows = -1;
  g_assert_true (wm_store_verify_audit (f->store, broken, rows, &error));
  g_assert_no_error (error);
}

/* A chain nobody touched verifies, also after reopening and after an edit that writes the
 * same values back. */
static void
test_untouched_chain (Fixture       *f,
                      gconstpointer  data)
{
  gint64 broken, rows;

  populate (f);
  reopen_and_verify (f, &broken, &rows);
  g_assert_cmpint (broken, ==, 0);
  g_assert_cmpint (rows, ==, 10);
  g_clear_object (&f->store);

  tamper (f, "UPDATE audit_log SET summary = summary, at = at, user_id = user_id");
  reopen_and_verify (f, &broken, &rows);
  g_assert_cmpint (broken, ==, 0);
  g_assert_cmpint (rows, ==, 10);
}

typedef struct
{
  const char *name;
  const char *sql;
  gint64 first_broken;
  gint64 rows;
} Tampering;

static const Tampering tamperings[] = {
  { "summary", "UPDATE audit_log SET summary = 'x' WHERE id = 3", 3, 10 },
  { "summary-null", "UPDATE audit_log SET summary = NULL WHERE id = 4", 4, 10 },
  { "user-id", "UPDATE audit_log SET user_id = 2 WHERE id = 4", 4, 10 },
  { "user-id-null", "UPDATE audit_log SET user_id = NULL WHERE id = 5", 5, 10 },
  { "user-id-set", "UPDATE audit_log SET user_id = 1 WHERE id = 2", 2, 10 },
  { "at", "UPDATE audit_log SET at = '2020-01-01T00:00:00Z' WHERE id = 6", 6, 10 },
  { "action", "UPDATE audit_log SET action = 'view' WHERE id = 7", 7, 10 },
  { "entity", "UPDATE audit_log SET entity = 'therapist' WHERE id = 8", 8, 10 },
  { "entity-id", "UPDATE audit_log SET entity_id = entity_id + 1 WHERE id = 8", 8, 10 },
  { "hash", "UPDATE audit_log SET hash = zeroblob(32) WHERE id = 9", 9, 10 },
  { "prev-hash", "UPDATE audit_log SET prev_hash = zeroblob(32) WHERE id = 9", 9, 10 },
  /* Valid summaries, on the wrong rows. */
  { "swap-summaries",
    "UPDATE audit_log SET summary = 'status enquiry -> triage' WHERE id = 3;"
    "UPDATE audit_log SET summary = 'therapist added' WHERE id = 6", 3, 10 },
  /* A deleted row shows where the next row no longer follows: the row after the gap. */
  { "delete-middle", "DELETE FROM audit_log WHERE id = 5", 6, 9 },
  { "delete-first", "DELETE FROM audit_log WHERE id = 1", 2, 9 },
  { "delete-range", "DELETE FROM audit_log WHERE id BETWEEN 4 AND 7", 8, 6 },
  /* Renumbering to close the gap breaks the hash instead. */
  { "delete-and-renumber",
    "DELETE FROM audit_log WHERE id = 5; UPDATE audit_log SET id = id - 1 WHERE id > 5", 5, 9 },
  { "forged-append",
    "INSERT INTO audit_log (id, at, user_id, action, entity, entity_id, summary, prev_hash,"
    " hash) SELECT 11, at, user_id, 'view', 'case', 1, 'case opened', hash, hash"
    " FROM audit_log WHERE id = 10", 11, 11 },
};

static void
test_tampering (Fixture       *f,
                gconstpointer  data)
{
  const Tampering *t = data;
  g_autoptr(GError) error = NULL;
  gint64 broken, rows;

  populate (f);
  tamper (f, t->sql);
  reopen_and_verify (f, &broken, &rows);
  g_test_message ("%s: first broken row %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT,
                  t->name, broken, rows);
  g_assert_cmpint (broken, !=, 0);
  g_assert_cmpint (broken, ==, t->first_broken);
  g_assert_cmpint (rows, ==, t->rows);

  /* Appending more afterwards does not hide the damage. */
  g_assert_true (wm_store_audit (f->store, "export", "database", -1, "export written",
                                 &error));
  g_assert_no_error (error);
  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows, &error));
  g_assert_cmpint (broken, ==, t->first_broken);
  g_assert_cmpint (rows, ==, t->rows + 1);
}

/* The viewer's query */

static GPtrArray *
query_audit (Fixture            *f,
             const WmAuditQuery *query)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = wm_store_query_audit (f->store, query, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

/* The ids of what @query finds, newest first: "10 9 8". */
static char *
query_ids (Fixture            *f,
           const WmAuditQuery *query)
{
  g_autoptr(GPtrArray) entries = query_audit (f, query);
  GString *ids = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      WmAuditEntry *e = g_ptr_array_index (entries, i);

      g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "", e->id);
    }
  return g_string_free (ids, FALSE);
}

static void
assert_query (Fixture            *f,
              const WmAuditQuery *query,
              const char         *expected)
{
  g_autofree char *ids = query_ids (f, query);

  g_assert_cmpstr (ids, ==, expected);
}

static WmAuditEntry *
find_entry (GPtrArray *entries,
            gint64     id)
{
  for (guint i = 0; i < entries->len; i++)
    if (((WmAuditEntry *) g_ptr_array_index (entries, i))->id == id)
      return g_ptr_array_index (entries, i);
  g_error ("no audit entry %" G_GINT64_FORMAT, id);
  return NULL;
}

/* Each filter of the administrator's viewer on its own and together, over populate()'s ten
 * rows, with the first three moved into 2020 so that the date bounds have days to tell
 * apart. */
static void
test_query_filters (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *today_text = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *tomorrow_text = g_date_time_format (tomorrow, "%Y-%m-%d");
  g_autofree char *reference_b = NULL;
  WmAuditEntry *e;

  populate (f);
  tamper (f, "UPDATE audit_log SET at = '2020-01-01T00:00:00Z' WHERE id = 1;"
             "UPDATE audit_log SET at = '2020-01-01T23:59:59Z' WHERE id = 2;"
             "UPDATE audit_log SET at = '2020-01-02T12:00:00Z' WHERE id = 3");
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);

  /* Everything, newest first, with who, what and which record. */
  all = query_audit (f, &(WmAuditQuery) { 0 });
  g_assert_cmpuint (all->len, ==, 10);
  assert_query (f, &(WmAuditQuery) { 0 }, "10 9 8 7 6 5 4 3 2 1");
  e = find_entry (all, 2);
  g_assert_null (e->username);
  g_assert_cmpint (e->user_id, ==, -1);
  g_assert_cmpstr (e->action, ==, "create");
  g_assert_cmpstr (e->entity, ==, "user");
  g_assert_cmpstr (e->record, ==, "coord");
  e = find_entry (all, 3);
  g_assert_cmpstr (e->username, ==, "coord");
  g_assert_cmpint (e->user_id, ==, 1);
  g_assert_cmpstr (e->entity, ==, "therapist");
  g_assert_cmpstr (e->record, ==, "Ophelia Thistlewood");
  g_assert_cmpstr (e->at, ==, "2020-01-02T12:00:00Z");
  e = find_entry (all, 5);
  g_assert_cmpstr (e->entity, ==, "case");
  g_assert_nonnull (e->record);
  g_assert_true (g_str_has_prefix (e->record, "WM-"));
  reference_b = g_strdup (e->record);
  e = find_entry (all, 10);
  g_assert_cmpstr (e->entity, ==, "setting");
  g_assert_null (e->record);

  /* Who: a user, the system (""), someone who did nothing. */
  assert_query (f, &(WmAuditQuery) { .username = "coord" }, "10 9 8 7 6 5 4 3");
  assert_query (f, &(WmAuditQuery) { .username = "" }, "2 1");
  assert_query (f, &(WmAuditQuery) { .username = "nobody" }, "");

  /* What, and to which kind of record. */
  assert_query (f, &(WmAuditQuery) { .action = "update" }, "10 9");
  assert_query (f, &(WmAuditQuery) { .action = "view" }, "8");
  assert_query (f, &(WmAuditQuery) { .action = "delete" }, "");
  assert_query (f, &(WmAuditQuery) { .entity = "case" }, "9 8 7 6 5 4");
  assert_query (f, &(WmAuditQuery) { .entity = "user" }, "2");
  assert_query (f, &(WmAuditQuery) { .entity = "setting" }, "10");

  /* Dates: both bounds inclusive, whole days. */
  assert_query (f, &(WmAuditQuery) { .until = "2020-01-01" }, "2 1");
  assert_query (f, &(WmAuditQuery) { .since = "2020-01-02", .until = "2020-01-02" }, "3");
  assert_query (f, &(WmAuditQuery) { .since = "2020-01-01", .until = "2020-01-02" }, "3 2 1");
  assert_query (f, &(WmAuditQuery) { .since = "2020-01-02" }, "10 9 8 7 6 5 4 3");
  assert_query (f, &(WmAuditQuery) { .since = today_text }, "10 9 8 7 6 5 4");
  assert_query (f, &(WmAuditQuery) { .until = today_text }, "10 9 8 7 6 5 4 3 2 1");
  assert_query (f, &(WmAuditQuery) { .since = tomorrow_text }, "");
  assert_query (f, &(WmAuditQuery) { .until = "2019-12-31" }, "");

  /* Text: in the record's label or the summary, any case; "" is no filter. */
  assert_query (f, &(WmAuditQuery) { .text = reference_b }, "5");
  assert_query (f, &(WmAuditQuery) { .text = "THISTLEWOOD" }, "3");
  assert_query (f, &(WmAuditQuery) { .text = "triage" }, "6");
  assert_query (f, &(WmAuditQuery) { .text = "no such words" }, "");
  assert_query (f, &(WmAuditQuery) { .text = "" }, "10 9 8 7 6 5 4 3 2 1");

  /* The newest first, up to the limit. */
  assert_query (f, &(WmAuditQuery) { .limit = 3 }, "10 9 8");
  assert_query (f, &(WmAuditQuery) { .entity = "case", .limit = 2 }, "9 8");
  assert_query (f, &(WmAuditQuery) { .limit = 100 }, "10 9 8 7 6 5 4 3 2 1");

  /* Together, every filter must hold. */
  assert_query (f, &(WmAuditQuery) { .username = "coord", .entity = "case", .action = "view" },
                "8");
  assert_query (f, &(WmAuditQuery) { .username = "", .entity = "case" }, "");
  assert_query (f, &(WmAuditQuery) { .action = "create", .since = "2020-01-02" }, "5 4 3");

  /* Reading the log is not itself a change. */
  g_clear_pointer (&all, g_ptr_array_unref);
  all = query_audit (f, &(WmAuditQuery) { 0 });
  g_assert_cmpuint (all->len, ==, 10);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;
  return n;
}

static void
test_export_csv (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GPtrArray) after = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *csv = NULL;
  WmAuditEntry *e;

  populate (f);
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);

  g_assert_true (wm_store_export_audit_csv (f->store, &(WmAuditQuery) { .entity = "case" },
                                            out, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  csv = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
  g_test_message ("%s", csv);

  /* The header, then the six case rows, newest first. */
  g_assert_cmpuint (count_lines (csv), ==, 7);
  lines = g_strsplit (csv, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "id,at,user,action,entity,entity_id,record,summary"));
  g_assert_true (g_str_has_prefix (lines[1], "9,"));
  g_assert_nonnull (strstr (lines[1], ",coord,update,case,"));
  g_assert_true (g_str_has_prefix (lines[6], "4,"));
  g_assert_nonnull (strstr (lines[6], ",coord,create,case,"));

  /* The export is in the log, as the newest row, and the chain still holds. */
  after = query_audit (f, &(WmAuditQuery) { 0 });
  g_assert_cmpuint (after->len, ==, 11);
  e = g_ptr_array_index (after, 0);
  g_assert_cmpint (e->id, ==, 11);
  g_assert_cmpstr (e->action, ==, "export");
  g_assert_cmpstr (e->entity, ==, "audit");
  g_assert_nonnull (strstr (e->summary, "6 rows"));
  g_assert_cmpint (audit_rows (f), ==, 11);
}

/* Only an administrator (or the system) reads the log: a coordinator is refused, and the
 * refusal writes nothing anywhere. */
static void
test_query_permission (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GPtrArray) entries = NULL;

  populate (f);
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (wm_store_set_principal (f->store, 1, WM_ROLE_COORDINATOR, -1, &error));
  g_assert_no_error (error);

  entries = wm_store_query_audit (f->store, &(WmAuditQuery) { 0 }, &error);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_PERMISSION);
  g_assert_null (entries);
  g_clear_error (&error);

  g_assert_false (wm_store_export_audit_csv (f->store, &(WmAuditQuery) { 0 }, out, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_PERMISSION);
  g_clear_error (&error);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), ==, 0);

  /* Counted as the system: the coordinator may not verify the chain either. */
  g_clear_object (&f->store);
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (audit_rows (f), ==, 10);
}

/* The canonical form is fixed forever: files written by any version must keep verifying.
 * The expected hashes are BLAKE2b-256 of the form as wm-audit.c describes it, computed
 * independently (Python's hashlib). */
static void
test_row_hash_known_answers (void)
{
  guint8 prev[WM_AUDIT_HASH_BYTES];
  guint8 zero[WM_AUDIT_HASH_BYTES] = { 0 };
  guint8 out[WM_AUDIT_HASH_BYTES];
  char hex[2 * WM_AUDIT_HASH_BYTES + 1];

  for (guint i = 0; i < sizeof prev; i++)
    prev[i] = (guint8) i;
  wm_audit_row_hash (prev, 12345, "2026-11-27T16:20:35Z", -1, "create", "case", 42,
                     "case opened, status new", out);
  sodium_bin2hex (hex, sizeof hex, out, sizeof out);
  g_assert_cmpstr (hex, ==, "cb916c86619ec52604fccab9f9cf9e16c90c6b486d483601686b06a214fde978");

  wm_audit_row_hash (zero, 1, "2026-01-01T00:00:00Z", 7, "view", "case", -1, NULL, out);
  sodium_bin2hex (hex, sizeof hex, out, sizeof out);
  g_assert_cmpstr (hex, ==, "0bf3e0352be24a54c6258e343997acc141273d6ca10a63f72cd7b4b082be1d2e");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/audit/row-hash-known-answers", test_row_hash_known_answers);
#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/audit/one-row-per-change", test_one_row_per_change);
  ADD ("/audit/no-personal-data", test_no_personal_data);
  ADD ("/audit/untouched-chain", test_untouched_chain);
  ADD ("/audit/query-filters", test_query_filters);
  ADD ("/audit/export-csv", test_export_csv);
  ADD ("/audit/query-permission", test_query_permission);
#undef ADD
  for (guint i = 0; i < G_N_ELEMENTS (tamperings); i++)
    {
      g_autofree char *name = g_strdup_printf ("/audit/tamper/%s", tamperings[i].name);

      g_test_add (name, Fixture, &tamperings[i], fixture_setup, test_tampering,
                  fixture_teardown);
    }

  return g_test_run ();
}
