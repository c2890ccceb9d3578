/* test-store.c: the store's records, migrations, validation, state machine and search.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "test-raw.h"
#include "test-util.h"
#include "wm-case-list.h"
#include "wm-store.h"
#include "wm-validate.h"

typedef struct
{
  char *dir;
  char *path;
  guint8 *key;
  WmStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "cases.waymark", NULL);
  f->key = test_key_new ();
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  sodium_free (f->key);
  g_free (f->path);
  test_tmpdir_free (f->dir);
}

static WmTherapist *
make_therapist (const char *external_id,
                const char *family_name)
{
  WmTherapist *t = wm_therapist_new ();
  const char *specialisms[] = { "pre-offence", "online-offending", NULL };

  g_object_set (t,
                "external-id", external_id,
                "given-name", "Alex",
                "family-name", family_name,
                "email", "alex@example.org",
                "phone", "01632960123",
                "town", "Harrogate",
                "postcode", "hg12ab",
                "latitude", 53.99,
                "longitude", -1.54,
                "specialisms", specialisms,
                "max-caseload", (gint64) 6,
                NULL);
  return t;
}

static WmCase *
make_case (const char *given_name,
           const char *town)
{
  WmCase *c = wm_case_new ();
  const char *needs[] = { "pre-offence", NULL };

  g_object_set (c, "category", "at-risk", "needs", needs, NULL);
  g_object_set (wm_case_get_client (c), "given-name", given_name, "family-name", "Testperson",
                "town", town, NULL);
  return c;
}

static gint64
count (WmStore    *store,
       const char *what)
{
  if (g_str_equal (what, "cases"))
    return wm_store_count_cases (store);
  return wm_store_count_therapists (store);
}

static void
test_migrations_from_empty (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 broken = -1, rows = 0;

  g_assert_cmpint (wm_store_get_schema_version (f->store), ==, WM_STORE_SCHEMA_VERSION);
  g_assert_nonnull (wm_store_get_cipher_version (f->store));
  g_assert_cmpint (count (f->store, "cases"), ==, 0);

  /* Reopening does not migrate again: the audit log holds one migration row. */
  g_clear_object (&f->store);
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows, &error));
  g_assert_cmpint (broken, ==, 0);
  g_assert_cmpint (rows, ==, 1);
}

/* A version 2 file (full reference in the search index, cases_client index) is migrated to
 * version 3 with every case still found by name, town and reference number. */
static void
test_migration_3 (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *version = NULL;
  g_autofree char *index = NULL;
  WmCaseQuery q = { 0 };
  sqlite3 *db;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(WmCase) c = make_case (i == 1 ? "Morwenna" : "Alexis", "Harrogate");

      g_assert_true (wm_store_save_case (f->store, c, &error));
      g_assert_no_error (error);
    }
  g_clear_object (&f->store);

  /* Back to version 2's search table and indexes, as a file written before this change. */
  db = test_raw_open (f->path, f->key);
  test_raw_exec (db,
                 "DROP TABLE case_search;"
                 "CREATE VIRTUAL TABLE case_search USING fts4 ("
                 "  reference, names, town, tokenize=unicode61, prefix=\"2\");"
                 "INSERT INTO case_search (docid, reference, names, town)"
                 "  SELECT c.id, c.reference, cl.given_name || '  ' || cl.family_name,"
                 "         cl.town || ' '"
                 "  FROM cases c JOIN clients cl ON cl.id = c.client_id;"
                 "CREATE INDEX cases_client ON cases (client_id);"
                 "DROP INDEX cases_opened;"
                 "CREATE INDEX cases_opened ON cases (opened_at DESC, id DESC);"
                 "CREATE INDEX cases_status ON cases (status, opened_at DESC, id DESC);"
                 "PRAGMA user_version = 2;");
  sqlite3_close (db);

  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wm_store_get_schema_version (f->store), ==, 3);

  q.text = "morw";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_clear_pointer (&ids, g_array_unref);
  q.text = "alexis harrogate";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 2);
  g_clear_pointer (&ids, g_array_unref);
  q.text = "0002";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_clear_pointer (&ids, g_array_unref);
  q.text = NULL;
  q.status = "enquiry";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 3);
  g_clear_pointer (&ids, g_array_unref);
  g_clear_object (&f->store);

  db = test_raw_open (f->path, f->key);
  version = test_raw_text (db, "PRAGMA user_version");
  index = test_raw_text (db, "SELECT count(*) FROM sqlite_master"
                             " WHERE name IN ('cases_client', 'cases_status')");
  sqlite3_close (db);
  g_assert_cmpstr (version, ==, "3");
  g_assert_cmpstr (index, ==, "0");
}

static char *
save_new_case (WmStore    *store,
               const char *reference)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) c = make_case ("Alexis", "Leeds");

  if (reference != NULL)
    g_object_set (c, "reference", reference, NULL);
  g_assert_true (wm_store_save_case (store, c, &error));
  g_assert_no_error (error);
  return g_strdup (c->reference + strlen ("WM-2026-"));
}

/* The year's counter is held in memory during a transaction and written at COMMIT: it must
 * survive a reopen, forget a rollback, and never hand out an imported number again. */
static void
test_reference_counter (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *imported = g_strdup_printf ("WM-%d-0040", g_date_time_get_year (now));
  g_autofree char *n = NULL;

  g_assert_true (wm_store_begin (f->store, &error));
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%04u", i);

      g_free (n);
      n = save_new_case (f->store, NULL);
      g_assert_cmpstr (n, ==, expected);
    }
  g_assert_true (wm_store_commit (f->store, &error));

  g_clear_object (&f->store);
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  g_free (n);
  n = save_new_case (f->store, NULL);
  g_assert_cmpstr (n, ==, "0004");

  /* A rolled-back case gives its number back. */
  g_assert_true (wm_store_begin (f->store, &error));
  g_free (n);
  n = save_new_case (f->store, NULL);
  g_assert_cmpstr (n, ==, "0005");
  wm_store_rollback (f->store);
  g_free (n);
  n = save_new_case (f->store, NULL);
  g_assert_cmpstr (n, ==, "0005");

  /* An imported reference in the same transaction raises the counter past it. */
  g_assert_true (wm_store_begin (f->store, &error));
  g_free (n);
  n = save_new_case (f->store, NULL);
  g_assert_cmpstr (n, ==, "0006");
  g_free (n);
  n = save_new_case (f->store, imported);
  g_free (n);
  n = save_new_case (f->store, NULL);
  g_assert_cmpstr (n, ==, "0041");
  g_assert_true (wm_store_commit (f->store, &error));
  g_clear_object (&f->store);
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_free (n);
  n = save_new_case (f->store, NULL);
  g_assert_cmpstr (n, ==, "0042");

  /* Past four digits the number grows. */
  g_free (imported);
  imported = g_strdup_printf ("WM-%d-99999", g_date_time_get_year (now));
  g_free (n);
  n = save_new_case (f->store, imported);
  g_free (n);
  n = save_new_case (f->store, NULL);
  g_assert_cmpstr (n, ==, "100000");
}

static void
test_open_missing_file (void)
{
  g_autofree char *dir = test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "nothing.waymark", NULL);
  g_autoptr(GError) error = NULL;
  guint8 *key = test_key_new ();
  WmStore *store;

  /* Without CREATE, a missing file is an error and no file appears. */
  store = wm_store_open (path, key, WM_STORE_OPEN_NONE, &error);
  g_assert_null (store);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  sodium_free (key);
  test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_therapist_crud (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) t = make_therapist ("T-1", "Example");
  g_autoptr(WmTherapist) loaded = NULL;
  g_autoptr(WmTherapist) by_ext = NULL;
  g_autoptr(GListModel) list = NULL;
  const char *two[] = { "trauma", NULL };
  gint64 id;

  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_no_error (error);
  id = wm_record_get_id (WM_RECORD (t));
  g_assert_cmpint (id, >, 0);
  /* Normalised on the way in. */
  g_assert_cmpstr (t->postcode, ==, "HG1 2AB");
  g_assert_cmpstr (t->phone, ==, "01632 960123");

  loaded = wm_store_get_therapist (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->family_name, ==, "Example");
  g_assert_cmpfloat_with_epsilon (loaded->latitude, 53.99, 1e-9);
  g_assert_cmpint (loaded->fee_min, ==, -1);
  g_assert_cmpint (loaded->max_caseload, ==, 6);
  g_assert_nonnull (loaded->specialisms);
  g_assert_cmpuint (g_strv_length (loaded->specialisms), ==, 2);
  g_assert_true (wm_therapist_has_specialism (loaded, "online-offending"));
  g_assert_nonnull (loaded->created_at);

  /* Update */
  g_object_set (loaded, "family-name", "Changed", "specialisms", two, "fee-min", (gint64) 45,
                NULL);
  g_assert_true (wm_store_save_therapist (f->store, loaded, &error));
  g_assert_no_error (error);
  by_ext = wm_store_find_therapist (f->store, "T-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_ext->family_name, ==, "Changed");
  g_assert_cmpint (by_ext->fee_min, ==, 45);
  g_assert_cmpstrv (by_ext->specialisms, two);

  list = wm_store_list_therapists (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  {
    g_autoptr(WmTherapist) first = g_list_model_get_item (list, 0);
    g_assert_cmpstrv (first->specialisms, two);
  }

  /* A second therapist with the same external id is refused, naming the field. */
  {
    g_autoptr(WmTherapist) dup = make_therapist ("T-1", "Other");
    g_assert_false (wm_store_save_therapist (f->store, dup, &error));
    g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_EXISTS);
    g_assert_true (g_str_has_prefix (error->message, "external_id:"));
    g_assert_cmpint (wm_record_get_id (WM_RECORD (dup)), ==, 0);
    g_assert_cmpint (count (f->store, "therapists"), ==, 1);
  }
}

/* Invalid input names the field and writes nothing (not even an audit row). */
static void
test_invalid_rejected (Fixture       *f,
                       gconstpointer  data)
{
  struct { const char *property; const char *value; const char *field; } bad[] = {
    { "email", "not-an-email", "email" },
    { "postcode", "ZZ99 9ZZZ", "postcode" },
    { "phone", "12", "phone" },
    { "given-name", "", "given_name" },
    { "insurance-expires", "2026-02-30", "insurance_expires" },
    { "gender", "robot", "gender" },
  };
  gint64 rows_before = 0, rows_after = 0, broken = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows_before, &error));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(WmTherapist) t = make_therapist (NULL, "Bad");

      g_object_set (t, bad[i].property, bad[i].value, NULL);
      g_assert_false (wm_store_save_therapist (f->store, t, &error));
      g_assert_error (error, WM_VALIDATION_ERROR, error->code);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, bad[i].field));
      g_assert_cmpint (error->message[strlen (bad[i].field)], ==, ':');
      g_clear_error (&error);
    }
  {
    g_autoptr(WmTherapist) t = make_therapist (NULL, "Bad");
    g_object_set (t, "latitude", 95.0, NULL);
    g_assert_false (wm_store_save_therapist (f->store, t, &error));
    g_assert_true (g_str_has_prefix (error->message, "latitude:"));
    g_clear_error (&error);
  }
  {
    g_autoptr(WmCase) c = make_case ("Sam", "Leeds");
    g_object_set (c, "category", "nonsense", NULL);
    g_assert_false (wm_store_save_case (f->store, c, &error));
    g_assert_true (g_str_has_prefix (error->message, "category:"));
    g_clear_error (&error);
    g_object_set (c, "category", "at-risk", NULL);
    g_object_set (wm_case_get_client (c), "email", "a@b", NULL);
    g_assert_false (wm_store_save_case (f->store, c, &error));
    g_assert_true (g_str_has_prefix (error->message, "email:"));
    g_clear_error (&error);
    g_assert_cmpint (wm_record_get_id (WM_RECORD (c)), ==, 0);
    g_assert_null (c->reference);
  }

  g_assert_cmpint (count (f->store, "therapists"), ==, 0);
  g_assert_cmpint (count (f->store, "cases"), ==, 0);
  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows_after, &error));
  g_assert_cmpint (rows_after, ==, rows_before);
}

static void
test_case_crud_and_status (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) c = make_case ("Jordan", "York");
  g_autoptr(WmCase) loaded = NULL;
  g_autoptr(GListModel) events = NULL;
  g_autofree char *year_prefix = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  g_assert_true (wm_store_save_case (f->store, c, &error));
  g_assert_no_error (error);
  year_prefix = g_strdup_printf ("WM-%d-", g_date_time_get_year (now));
  g_assert_true (g_str_has_prefix (c->reference, year_prefix));
  g_assert_cmpstr (c->reference + strlen (year_prefix), ==, "0001");

  loaded = wm_store_find_case (f->store, c->reference, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->client->given_name, ==, "Jordan");
  g_assert_cmpstr (loaded->status, ==, "enquiry");
  g_assert_cmpstr (loaded->needs[0], ==, "pre-offence");

  /* Edits keep the status; a status change in an edit is refused. */
  g_object_set (wm_case_get_client (loaded), "phone", "07700 900123", NULL);
  g_assert_true (wm_store_save_case (f->store, loaded, &error));
  g_assert_no_error (error);
  g_object_set (loaded, "status", "closed", NULL);
  g_assert_false (wm_store_save_case (f->store, loaded, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION);
  g_clear_error (&error);
  g_object_set (loaded, "status", "enquiry", NULL);

  /* Only valid transitions. */
  g_assert_false (wm_store_set_case_status (f->store, loaded, "referred", NULL, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION);
  g_clear_error (&error);
  g_assert_true (wm_store_set_case_status (f->store, loaded, "triage", "called back", &error));
  g_assert_no_error (error);
  g_assert_true (wm_store_set_case_status (f->store, loaded, "matching", NULL, &error));
  g_assert_cmpstr (loaded->status, ==, "matching");

  events = wm_store_list_case_events (f->store, wm_record_get_id (WM_RECORD (loaded)), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (events), ==, 3);
  {
    g_autoptr(WmCaseEvent) newest = g_list_model_get_item (events, 0);
    g_assert_cmpstr (newest->kind, ==, "status");
    g_assert_cmpstr (newest->body, ==, "triage → matching");
  }

  /* Second case gets the next number. */
  {
    g_autoptr(WmCase) c2 = make_case ("Robin", "Leeds");
    g_assert_true (wm_store_save_case (f->store, c2, &error));
    g_assert_cmpstr (c2->reference + strlen (year_prefix), ==, "0002");
  }
}

static void
test_referral_flow (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) c = make_case ("Kim", "Ripon");
  g_autoptr(WmTherapist) t = make_therapist ("T-9", "Referee");
  g_autoptr(WmReferral) r = NULL;
  g_autoptr(WmCase) after = NULL;
  gint64 case_id;

  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_true (wm_store_save_case (f->store, c, &error));
  case_id = wm_record_get_id (WM_RECORD (c));

  /* An enquiry cannot be referred straight away. */
  r = wm_store_create_referral (f->store, case_id, wm_record_get_id (WM_RECORD (t)), 0.8, "x",
                                &error);
  g_assert_null (r);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION);
  g_clear_error (&error);

  g_assert_true (wm_store_set_case_status (f->store, c, "triage", NULL, &error));
  g_assert_true (wm_store_set_case_status (f->store, c, "matching", NULL, &error));
  r = wm_store_create_referral (f->store, case_id, wm_record_get_id (WM_RECORD (t)), 0.8,
                                "12 km away", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->state, ==, "sent");
  after = wm_store_get_case (f->store, case_id, &error);
  g_assert_cmpstr (after->status, ==, "referred");
  g_assert_cmpint (after->assigned_therapist_id, ==, wm_record_get_id (WM_RECORD (t)));

  /* Declining needs a reason and sends the case back to matching. */
  g_assert_false (wm_store_set_referral_state (f->store, r, "declined", NULL, &error));
  g_clear_error (&error);
  g_assert_true (wm_store_set_referral_state (f->store, r, "declined", "full this month", &error));
  g_assert_no_error (error);
  g_clear_object (&after);
  after = wm_store_get_case (f->store, case_id, &error);
  g_assert_cmpstr (after->status, ==, "matching");
  g_assert_cmpint (after->assigned_therapist_id, ==, -1);
  /* A declined referral cannot be accepted afterwards. */
  g_assert_false (wm_store_set_referral_state (f->store, r, "accepted", NULL, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_TRANSITION);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *names[] = { "Morgan", "Morwenna", "Alexis", "Zoë" };
  const char *towns[] = { "Harrogate", "Leeds", "Harrogate", "Bristol" };
  WmCaseQuery q = { 0 };
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) summaries = g_array_new (FALSE, TRUE, sizeof (WmCaseSummaryData));

  g_array_set_clear_func (summaries, (GDestroyNotify) wm_case_summary_data_clear);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(WmCase) c = make_case (names[i], towns[i]);
      if (i == 3)
        g_object_set (c, "urgent", TRUE, NULL);
      g_assert_true (wm_store_save_case (f->store, c, &error));
    }

  q.text = "mor";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 2);
  g_clear_pointer (&ids, g_array_unref);

  q.text = "harrogate";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 2);
  g_clear_pointer (&ids, g_array_unref);

  q.text = "alexis harro";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_true (wm_store_load_case_summaries (f->store, (gint64 *) ids->data, ids->len,
                                               summaries, &error));
  g_assert_cmpstr (g_array_index (summaries, WmCaseSummaryData, 0).display_name, ==,
                   "Alexis Testperson");
  g_assert_cmpstr (g_array_index (summaries, WmCaseSummaryData, 0).town, ==, "Harrogate");
  g_clear_pointer (&ids, g_array_unref);

  /* Diacritics fold; FTS syntax in the input is inert. */
  q.text = "zoe";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_clear_pointer (&ids, g_array_unref);
  q.text = "\"mor OR* NEAR(";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 0);
  g_clear_pointer (&ids, g_array_unref);

  /* The reference is searchable by its number, and whole or in part as on a letter. */
  q.text = "0003";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_clear_pointer (&ids, g_array_unref);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autofree char *third = g_strdup_printf ("WM-%d-0003", g_date_time_get_year (now));
    g_autofree char *lower = g_ascii_strdown (third, -1);
    struct { const char *text; guint hits; } refs[] = {
      { third, 1 },
      { lower, 1 },            /* as typed, in lower case */
      { third + 3, 1 },        /* "2026-0003" */
      { "  wm-", 4 },          /* the start of every reference */
      { "WM", 4 },
      { "WM-1999", 0 },
      { "WM-2026-00x3", 0 },   /* not a reference: searched as words, and no word matches */
      { "mor 0002", 1 },       /* a name and a number: Morwenna's case */
      { "mor 0003", 0 },
      { "00", 4 },             /* numbers are prefixes too */
    };

    for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
      {
        q.text = refs[i].text;
        ids = wm_store_query_case_ids (f->store, &q, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (ids->len, ==, refs[i].hits);
        g_clear_pointer (&ids, g_array_unref);
      }
    q.text = third;
    ids = wm_store_query_case_ids (f->store, &q, &error);
    g_assert_true (wm_store_load_case_summaries (f->store, (gint64 *) ids->data, ids->len,
                                                 summaries, &error));
    g_assert_cmpstr (g_array_index (summaries, WmCaseSummaryData, 1).reference, ==, third);
    g_clear_pointer (&ids, g_array_unref);
  }

  q.text = NULL;
  q.only_risk = TRUE;
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_clear_pointer (&ids, g_array_unref);

  q.only_risk = FALSE;
  q.status = "enquiry";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 4);
  g_clear_pointer (&ids, g_array_unref);
  q.status = "closed";
  ids = wm_store_query_case_ids (f->store, &q, &error);
  g_assert_cmpuint (ids->len, ==, 0);
}

static void
test_settings_and_users (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmUser) u = g_object_new (WM_TYPE_USER, "username", "coord", "role", "coordinator",
                                      NULL);
  g_autoptr(WmUser) dup = g_object_new (WM_TYPE_USER, "username", "coord", "role", "admin",
                                        NULL);
  g_autoptr(WmUser) bad = g_object_new (WM_TYPE_USER, "username", "x", "role", "boss", NULL);
  g_autoptr(WmUser) found = NULL;
  g_autofree char *name = NULL;

  g_assert_true (wm_store_set_setting (f->store, "org.name", "Example Trust", &error));
  name = wm_store_get_setting (f->store, "org.name");
  g_assert_cmpstr (name, ==, "Example Trust");

  g_assert_true (wm_store_save_user (f->store, u, &error));
  g_assert_no_error (error);
  g_assert_false (wm_store_save_user (f->store, dup, &error));
  g_assert_true (g_str_has_prefix (error->message, "username:"));
  g_clear_error (&error);
  g_assert_false (wm_store_save_user (f->store, bad, &error));
  g_assert_true (g_str_has_prefix (error->message, "role:"));
  g_clear_error (&error);

  found = wm_store_find_user (f->store, "coord", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->role, ==, "coordinator");
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *counts)
{
  counts[0] = position;
  counts[1] = removed;
  counts[2] = added;
}

/* 1,000 cases listed: only the pages a view touches become objects. */
static void
test_case_list_pages (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCaseList) list = wm_case_list_new (f->store);
  g_autoptr(WmCaseSummary) first = NULL;
  g_autoptr(WmCaseSummary) last = NULL;
  g_autofree char *first_ref = NULL;
  WmCaseQuery all = { 0 };
  WmCaseQuery some = { .text = "Leeds" };
  guint counts[3] = { 0 };

  g_assert_true (wm_store_begin (f->store, &error));
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(WmCase) c = make_case (i % 2 ? "Odd" : "Even", i % 10 == 0 ? "Leeds" : "York");
      g_assert_true (wm_store_save_case (f->store, c, &error));
      if (i == 0)
        first_ref = g_strdup (c->reference);
    }
  g_assert_true (wm_store_commit (f->store, &error));

  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), counts);
  g_assert_true (wm_case_list_set_query (list, &all, &error));
  g_assert_cmpuint (counts[2], ==, 1000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1000);
  g_assert_cmpuint (wm_case_list_get_n_cached (list), ==, 0);

  /* Newest first: the first case saved is the last row. */
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  last = g_list_model_get_item (G_LIST_MODEL (list), 999);
  g_assert_cmpstr (wm_case_summary_get_reference (last), ==, first_ref);
  g_assert_cmpstr (wm_case_summary_get_status (first), ==, "enquiry");
  g_assert_cmpstr (wm_case_summary_get_display_name (first), ==, "Odd Testperson");
  g_assert_cmpuint (wm_case_list_get_n_cached (list), ==, 2 * WM_CASE_LIST_PAGE_SIZE);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 1000));

  /* Scrolling through everything keeps only a bounded number of rows. */
  for (guint i = 0; i < 1000; i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
  g_assert_cmpuint (wm_case_list_get_n_cached (list), <=, 8 * WM_CASE_LIST_PAGE_SIZE);

  g_assert_true (wm_case_list_set_query (list, &some, &error));
  g_assert_cmpuint (counts[1], ==, 1000);
  g_assert_cmpuint (counts[2], ==, 100);
  g_assert_cmpuint (wm_case_list_get_n_cached (list), ==, 0);
}

static void
rows_changed_cb (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added,
                 GArray     *changes)
{
  guint change[3] = { position, removed, added };

  g_array_append_vals (changes, change, 3);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* The rows a list view shows: a new query keeps the row objects that remain, changes only
 * the tail, and each kept row announces the case now at its position. */
static void
test_case_rows_rebind (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCaseList) list = wm_case_list_new (f->store);
  g_autoptr(WmCaseRows) rows = wm_case_rows_new (list);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(WmCaseRow) top = NULL;
  g_autoptr(WmCaseRow) top_again = NULL;
  WmCaseQuery all = { 0 };
  WmCaseQuery leeds = { .text = "Leeds" };
  guint notified = 0;

  g_assert_true (wm_store_begin (f->store, &error));
  for (guint i = 0; i < 30; i++)
    {
      g_autoptr(WmCase) c = make_case ("Person", i % 3 == 2 ? "Leeds" : "York");
      g_assert_true (wm_store_save_case (f->store, c, &error));
    }
  g_assert_true (wm_store_commit (f->store, &error));

  g_signal_connect (rows, "items-changed", G_CALLBACK (rows_changed_cb), changes);
  g_assert_true (wm_case_list_set_query (list, &all, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (rows)), ==, 30);
  top = g_list_model_get_item (G_LIST_MODEL (rows), 0);
  g_assert_cmpuint (wm_case_row_get_position (top), ==, 0);
  g_assert_cmpstr (wm_case_summary_get_town (wm_case_row_get_summary (top)), ==, "Leeds");
  g_signal_connect (top, "notify::summary", G_CALLBACK (count_notify_cb), &notified);

  /* Ten of thirty are in Leeds: twenty rows go from the end, the first ten stay. */
  g_array_set_size (changes, 0);
  g_assert_true (wm_case_list_set_query (list, &leeds, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (rows)), ==, 10);
  g_assert_cmpuint (changes->len, ==, 3);
  g_assert_cmpuint (g_array_index (changes, guint, 0), ==, 10);
  g_assert_cmpuint (g_array_index (changes, guint, 1), ==, 20);
  g_assert_cmpuint (g_array_index (changes, guint, 2), ==, 0);
  top_again = g_list_model_get_item (G_LIST_MODEL (rows), 0);
  g_assert_true (top_again == top);
  g_assert_cmpuint (notified, ==, 1);
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(WmCaseRow) row = g_list_model_get_item (G_LIST_MODEL (rows), i);

      g_assert_cmpstr (wm_case_summary_get_town (wm_case_row_get_summary (row)), ==, "Leeds");
    }
}

static void
changed_cb (WmStore    *store,
            const char *entity,
            gint64      id,
            GPtrArray  *seen)
{
  g_ptr_array_add (seen, g_strdup_printf ("%s:%" G_GINT64_FORMAT, entity, id));
}

/* ::changed comes once per committed change, after the commit, and never for a rollback or a
 * mere view. */
static void
test_changed_signal (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(WmTherapist) t = make_therapist ("T-5", "Signal");
  g_autoptr(WmCase) c = make_case ("Sig", "Leeds");
  g_autoptr(WmCase) viewed = NULL;
  g_autofree char *expected = NULL;

  g_signal_connect (f->store, "changed", G_CALLBACK (changed_cb), seen);
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_cmpuint (seen->len, ==, 1);
  expected = g_strdup_printf ("therapist:%" G_GINT64_FORMAT, wm_record_get_id (WM_RECORD (t)));
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, expected);

  /* Inside an outer transaction nothing is announced until the commit. */
  g_assert_true (wm_store_begin (f->store, &error));
  g_assert_true (wm_store_save_case (f->store, c, &error));
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_true (wm_store_commit (f->store, &error));
  g_assert_cmpuint (seen->len, ==, 2);

  /* Rolled back: nothing. */
  g_assert_true (wm_store_begin (f->store, &error));
  g_assert_true (wm_store_add_case_event (f->store, wm_record_get_id (WM_RECORD (c)), "note",
                                          "x", &error));
  wm_store_rollback (f->store);
  g_assert_cmpuint (seen->len, ==, 2);

  viewed = wm_store_get_case (f->store, wm_record_get_id (WM_RECORD (c)), &error);
  g_assert_nonnull (viewed);
  g_assert_cmpuint (seen->len, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/store/migrations-from-empty", test_migrations_from_empty);
  g_test_add_func ("/store/open-missing-file", test_open_missing_file);
  ADD ("/store/therapist-crud", test_therapist_crud);
  ADD ("/store/invalid-rejected", test_invalid_rejected);
  ADD ("/store/case-crud-and-status", test_case_crud_and_status);
  ADD ("/store/referral-flow", test_referral_flow);
  ADD ("/store/search", test_search);
  ADD ("/store/migration-3", test_migration_3);
  ADD ("/store/reference-counter", test_reference_counter);
  ADD ("/store/settings-and-users", test_settings_and_users);
  ADD ("/store/case-list-pages", test_case_list_pages);
  ADD ("/store/case-rows-rebind", test_case_rows_rebind);
  ADD ("/store/changed-signal", test_changed_signal);
#undef ADD

  return g_test_run ();
}
