/* test-demo.c: the demonstration data: size, variety, validity, determinism, all-or-nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "test-util.h"
#include "wm-demo.h"
#include "wm-store.h"
#include "wm-validate.h"
#include "wm-vocab.h"

typedef struct
{
  char *dir;
  guint8 *key;
  WmStore *store;
} Fixture;

static WmStore *
open_store (const char   *dir,
            const char   *name,
            const guint8 *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  WmStore *store = wm_store_open (path, key, WM_STORE_OPEN_CREATE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = test_tmpdir_new ();
  f->key = test_key_new ();
  f->store = open_store (f->dir, "demo.waymark", f->key);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  sodium_free (f->key);
  test_tmpdir_free (f->dir);
}

static gboolean
date_before_today (const char *date)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");

  return date != NULL && strcmp (date, today) < 0;
}

static GPtrArray *
all_cases (WmStore *store)
{
  g_autoptr(GError) error = NULL;
  WmCaseQuery query = { 0 };
  g_autoptr(GArray) ids = wm_store_query_case_ids (store, &query, &error);
  GPtrArray *cases = g_ptr_array_new_with_free_func (g_object_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    {
      WmCase *kase = wm_store_get_case (store, g_array_index (ids, gint64, i), &error);

      g_assert_no_error (error);
      g_ptr_array_add (cases, kase);
    }
  return cases;
}

static void
test_populate (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) therapists = NULL;
  g_autoptr(GPtrArray) cases = NULL;
  g_autoptr(GHashTable) statuses = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) categories = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) towns = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_therapists, n_lapsed = 0, n_online_only = 0, n_not_accepting = 0, n_inactive = 0;
  guint n_open_referrals = 0, n_risk = 0, n_referral_states = 0;
  gint64 broken = -1, n_rows = 0;
  g_autoptr(GHashTable) referral_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                                 NULL);
  const WmVocabEntry *entries;
  guint n_entries;

  g_assert_true (wm_demo_populate (f->store, &error));
  g_assert_no_error (error);

  therapists = wm_store_list_therapists (f->store, &error);
  g_assert_no_error (error);
  n_therapists = g_list_model_get_n_items (therapists);
  g_assert_cmpuint (n_therapists, >=, 150);
  g_assert_cmpuint (n_therapists, <=, 250);

  for (guint i = 0; i < n_therapists; i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (therapists, i);

      /* Valid by the same rules as any other entry point. */
      g_assert_true (wm_therapist_check (t, &error));
      g_assert_no_error (error);

      /* Clearly fictional. */
      g_assert_true (g_str_has_suffix (t->email, "@example.org"));
      g_assert_true (g_str_has_prefix (t->phone, "07700 900")
                     || g_str_has_prefix (t->phone, "01632 960")
                     || g_str_has_prefix (t->phone, "020 7946 0"));
      g_assert_true (g_str_has_prefix (t->external_id, "DEMO-"));
      g_assert_nonnull (t->specialisms);
      g_assert_cmpint (t->max_caseload, >=, 2);
      g_assert_cmpint (t->max_caseload, <=, 10);
      g_assert_cmpint (t->fee_min, >=, 40);
      g_assert_cmpint (t->fee_max, <=, 100);
      g_assert_cmpint (t->fee_min, <=, t->fee_max);

      if (t->in_person)
        {
          g_assert_false (isnan (t->latitude));
          g_assert_cmpfloat (t->latitude, >=, 49.8);
          g_assert_cmpfloat (t->latitude, <=, 60.9);
          g_assert_cmpfloat (t->longitude, >=, -8.7);
          g_assert_cmpfloat (t->longitude, <=, 1.8);
        }
      else
        {
          g_assert_true (t->online);
          n_online_only++;
        }
      if (date_before_today (t->insurance_expires) || date_before_today (t->registration_expires))
        n_lapsed++;
      if (!t->accepting)
        n_not_accepting++;
      if (!t->active)
        n_inactive++;
      g_hash_table_add (towns, t->town);
    }
  g_test_message ("%u therapists in %u towns: %u lapsed, %u online only, %u not accepting, "
                  "%u inactive", n_therapists, g_hash_table_size (towns), n_lapsed,
                  n_online_only, n_not_accepting, n_inactive);
  g_assert_cmpuint (n_lapsed, >=, 1);
  g_assert_cmpuint (n_online_only, >=, 1);
  g_assert_cmpuint (n_not_accepting, >=, 1);
  g_assert_cmpuint (n_inactive, >=, 1);
  g_assert_cmpuint (g_hash_table_size (towns), >=, 100);

  cases = all_cases (f->store);
  g_assert_cmpuint (cases->len, >=, 30);
  g_assert_cmpuint (cases->len, <=, 50);
  for (guint i = 0; i < cases->len; i++)
    {
      WmCase *kase = g_ptr_array_index (cases, i);
      g_autoptr(GListModel) referrals = NULL;

      g_assert_true (wm_case_check (kase, &error));
      g_assert_no_error (error);
      g_hash_table_add (statuses, kase->status);
      g_hash_table_add (categories, kase->category);
      if (wm_case_has_risk (kase))
        n_risk++;

      referrals = wm_store_list_referrals (f->store, wm_record_get_id (WM_RECORD (kase)), &error);
      g_assert_no_error (error);
      for (guint r = 0; r < g_list_model_get_n_items (referrals); r++)
        {
          g_autoptr(WmReferral) referral = g_list_model_get_item (referrals, r);

          g_hash_table_add (referral_states, g_strdup (referral->state));
          if (wm_referral_state_is_open (referral->state))
            n_open_referrals++;
        }
      /* A case under way has its therapist; a case still to be matched has none. */
      if (g_str_equal (kase->status, "referred") || g_str_equal (kase->status, "in-therapy"))
        g_assert_cmpint (kase->assigned_therapist_id, >, 0);
      if (g_str_equal (kase->status, "enquiry") || g_str_equal (kase->status, "matching"))
        g_assert_cmpint (kase->assigned_therapist_id, <, 0);
    }

  entries = wm_vocab_entries (WM_VOCAB_CASE_STATUS, &n_entries);
  for (guint i = 0; i < n_entries; i++)
    if (!g_hash_table_contains (statuses, entries[i].code))
      g_error ("no demo case has status %s", entries[i].code);
  entries = wm_vocab_entries (WM_VOCAB_CATEGORY, &n_entries);
  for (guint i = 0; i < n_entries; i++)
    if (!g_hash_table_contains (categories, entries[i].code))
      g_error ("no demo case has category %s", entries[i].code);
  n_referral_states = g_hash_table_size (referral_states);
  g_test_message ("%u cases, %u with risk, %u open referrals, %u referral states", cases->len,
                  n_risk, n_open_referrals, n_referral_states);
  g_assert_cmpuint (n_risk, >=, 1);
  g_assert_cmpuint (n_open_referrals, >=, 10);
  for (guint i = 0; i < 5; i++)
    {
      const char *expected[] = { "sent", "accepted", "first-contact", "ended", "declined" };

      if (!g_hash_table_contains (referral_states, expected[i]))
        g_error ("no demo referral is in state %s", expected[i]);
    }

  g_assert_true (wm_store_verify_audit (f->store, &broken, &n_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpint (broken, ==, 0);
  g_assert_cmpint (n_rows, >, n_therapists + cases->len);
  g_assert_true (wm_store_check_integrity (f->store, &error));
  g_assert_no_error (error);
}

/* At least one therapist is full: demo capacity is visibly used. */
static void
test_capacity_used (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) therapists = NULL;
  g_autoptr(GPtrArray) cases = NULL;
  g_autoptr(GHashTable) open = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint n_busy = 0, n_full = 0;

  g_assert_true (wm_demo_populate (f->store, &error));
  cases = all_cases (f->store);
  for (guint i = 0; i < cases->len; i++)
    {
      WmCase *kase = g_ptr_array_index (cases, i);
      g_autoptr(GListModel) referrals =
        wm_store_list_referrals (f->store, wm_record_get_id (WM_RECORD (kase)), &error);

      for (guint r = 0; r < g_list_model_get_n_items (referrals); r++)
        {
          g_autoptr(WmReferral) referral = g_list_model_get_item (referrals, r);
          gint64 id = referral->therapist_id;

          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (open, &id));

          if (wm_referral_state_is_open (referral->state))
            g_hash_table_insert (open, g_memdup2 (&id, sizeof id), GUINT_TO_POINTER (n + 1));
        }
    }
  therapists = wm_store_list_therapists (f->store, &error);
  for (guint i = 0; i < g_list_model_get_n_items (therapists); i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (therapists, i);
      gint64 id = wm_record_get_id (WM_RECORD (t));
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (open, &id));

      /* Never over capacity. */
      g_assert_cmpuint (n, <=, (guint) t->max_caseload);
      if (n >= 2)
        n_busy++;
      if (n > 0 && n == (guint) t->max_caseload)
        n_full++;
    }
  g_test_message ("%u therapists with two or more open referrals, %u full", n_busy, n_full);
  g_assert_cmpuint (n_busy, >=, 3);
  g_assert_cmpuint (n_full, >=, 1);
}

static char *
describe_therapists (WmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) list = wm_store_list_therapists (store, &error);
  GString *s = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (list, i);
      g_autofree char *specialisms = g_strjoinv (";", t->specialisms);

      g_string_append_printf (s, "%s|%s|%s|%s|%.9f|%.9f|%s|%d|%d|%" G_GINT64_FORMAT "|%s\n",
                              t->external_id, t->given_name, t->family_name, t->town,
                              t->latitude, t->longitude, specialisms, t->in_person, t->online,
                              t->max_caseload, t->phone);
    }
  return g_string_free (s, FALSE);
}

static char *
describe_cases (WmStore *store)
{
  g_autoptr(GPtrArray) cases = all_cases (store);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < cases->len; i++)
    {
      WmCase *kase = g_ptr_array_index (cases, i);

      g_string_append_printf (s, "%s|%s|%s|%s|%s|%" G_GINT64_FORMAT "\n", kase->reference,
                              kase->status, kase->category, kase->client->given_name,
                              kase->client->town, kase->assigned_therapist_id);
    }
  return g_string_free (s, FALSE);
}

static void
test_deterministic (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = test_tmpdir_new ();
  guint8 *key = test_key_new ();
  g_autoptr(WmStore) one = open_store (dir, "one.waymark", key);
  g_autoptr(WmStore) two = open_store (dir, "two.waymark", key);
  g_autofree char *t1 = NULL, *t2 = NULL, *c1 = NULL, *c2 = NULL;

  g_assert_true (wm_demo_populate (one, &error));
  g_assert_no_error (error);
  g_assert_true (wm_demo_populate (two, &error));
  g_assert_no_error (error);

  t1 = describe_therapists (one);
  t2 = describe_therapists (two);
  g_assert_cmpuint (strlen (t1), >, 1000);
  g_assert_cmpstr (t1, ==, t2);
  c1 = describe_cases (one);
  c2 = describe_cases (two);
  g_assert_cmpstr (c1, ==, c2);

  g_clear_object (&one);
  g_clear_object (&two);
  sodium_free (key);
  test_tmpdir_free (dir);
}

/* A store with data in it is refused, and nothing is added to it. */
static void
test_refuses_non_empty (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  gint64 rows_before = 0, rows_after = 0, broken = 0;

  g_object_set (t, "external-id", "REAL-1", "given-name", "Alex", "family-name", "Example",
                "in-person", FALSE, "online", TRUE, NULL);
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows_before, &error));

  g_assert_false (wm_demo_populate (f->store, &error));
  g_assert_error (error, WM_DEMO_ERROR, WM_DEMO_ERROR_NOT_EMPTY);
  g_clear_error (&error);
  g_assert_cmpint (wm_store_count_therapists (f->store), ==, 1);
  g_assert_cmpint (wm_store_count_cases (f->store), ==, 0);
  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows_after, &error));
  g_assert_cmpint (rows_after, ==, rows_before);
}

/* The demo is one transaction: inside a caller's transaction that is rolled back, none of it
 * stays (not a therapist, not an audit row), and the store can be filled afterwards. */
static void
test_all_or_nothing (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 rows_before = 0, rows_after = 0, broken = 0;

  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows_before, &error));
  g_assert_true (wm_store_begin (f->store, &error));
  g_assert_true (wm_demo_populate (f->store, &error));
  g_assert_cmpint (wm_store_count_therapists (f->store), >, 0);
  wm_store_rollback (f->store);

  g_assert_cmpint (wm_store_count_therapists (f->store), ==, 0);
  g_assert_cmpint (wm_store_count_cases (f->store), ==, 0);
  g_assert_true (wm_store_verify_audit (f->store, &broken, &rows_after, &error));
  g_assert_cmpint (rows_after, ==, rows_before);
  /* And it can then be filled for real. */
  g_assert_true (wm_demo_populate (f->store, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/demo/populate", Fixture, NULL, fixture_setup, test_populate, fixture_teardown);
  g_test_add ("/demo/capacity-used", Fixture, NULL, fixture_setup, test_capacity_used,
              fixture_teardown);
  g_test_add_func ("/demo/deterministic", test_deterministic);
  g_test_add ("/demo/refuses-non-empty", Fixture, NULL, fixture_setup, test_refuses_non_empty,
              fixture_teardown);
  g_test_add ("/demo/all-or-nothing", Fixture, NULL, fixture_setup, test_all_or_nothing,
              fixture_teardown);

  return g_test_run ();
}
