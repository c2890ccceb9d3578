/* test-roles.c: roles are enforced in the store, on every query path.
 *
 * One database holds three cases: one referred to therapist A (sent), one referred to
 * therapist B, and one A declined. A second handle on the same file, bound to A as a
 * therapist principal, must see exactly the first case through every way the store can read,
 * search, count or export cases, and be refused everything a therapist may not do. A
 * coordinator handle may work with cases but not manage users, settings, templates or the
 * audit log. At the session level, a therapist user's login gives a therapist store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-util.h"
#include "wm-import.h"
#include "wm-letter.h"
#include "wm-session.h"
#include "wm-store.h"

typedef struct
{
  char *dir;
  char *path;
  guint8 *key;
  WmStore *system;        /* the raw key: everything */
  WmStore *store;         /* the handle under test, bound to a principal */
  gint64 therapist_a;
  gint64 therapist_b;
  gint64 case_a;          /* referred to A */
  gint64 case_b;          /* referred to B */
  gint64 case_declined;   /* referred to A, who declined */
  char *ref_b;
  gint64 referral_a;
  gint64 referral_b;
} Fixture;

static gint64
add_therapist (WmStore    *store,
               const char *external_id,
               const char *family_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  const char *specialisms[] = { "pre-offence", NULL };

  g_object_set (t, "external-id", external_id, "given-name", "Alex", "family-name", family_name,
                "email", "alex@example.org", "town", "Harrogate", "latitude", 53.99,
                "longitude", -1.54, "specialisms", specialisms, "max-caseload", (gint64) 6,
                NULL);
  g_assert_true (wm_store_save_therapist (store, t, &error));
  g_assert_no_error (error);
  return wm_record_get_id (WM_RECORD (t));
}

/* A case in matching, referred to @therapist_id; returns the case id. */
static gint64
add_referred_case (WmStore    *store,
                   const char *given_name,
                   gint64      therapist_id,
                   gint64     *referral_id,
                   char      **reference)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) c = wm_case_new ();
  g_autoptr(WmReferral) r = NULL;
  const char *needs[] = { "pre-offence", NULL };

  g_object_set (c, "category", "at-risk", "needs", needs, NULL);
  g_object_set (wm_case_get_client (c), "given-name", given_name, "family-name", "Testperson",
                "town", "Harrogate", NULL);
  g_assert_true (wm_store_save_case (store, c, &error));
  g_assert_true (wm_store_set_case_status (store, c, "triage", NULL, &error));
  g_assert_true (wm_store_set_case_status (store, c, "matching", NULL, &error));
  r = wm_store_create_referral (store, wm_record_get_id (WM_RECORD (c)), therapist_id, 0.5,
                                "test", &error);
  g_assert_no_error (error);
  if (referral_id != NULL)
    *referral_id = wm_record_get_id (WM_RECORD (r));
  if (reference != NULL)
    *reference = g_strdup (c->reference);
  return wm_record_get_id (WM_RECORD (c));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmReferral) declined = NULL;
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(WmUser) user = NULL;
  gint64 declined_id;

  f->dir = test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "roles.db", NULL);
  f->key = test_key_new ();
  f->system = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);

  f->therapist_a = add_therapist (f->system, "T-A", "Ashby");
  f->therapist_b = add_therapist (f->system, "T-B", "Bexley");
  f->case_a = add_referred_case (f->system, "Annika", f->therapist_a, &f->referral_a, NULL);
  f->case_b = add_referred_case (f->system, "Bartholomew", f->therapist_b, &f->referral_b,
                                 &f->ref_b);
  f->case_declined = add_referred_case (f->system, "Desmond", f->therapist_a, &declined_id, NULL);
  referrals = wm_store_list_referrals (f->system, f->case_declined, &error);
  declined = g_list_model_get_item (referrals, 0);
  g_assert_true (wm_store_set_referral_state (f->system, declined, "declined", "no space",
                                              &error));
  g_assert_no_error (error);

  /* A second handle on the same file, as a person would have after logging in. */
  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  if (GPOINTER_TO_INT (data) == WM_ROLE_THERAPIST)
    {
      user = g_object_new (WM_TYPE_USER, "username", "ash", "role", "therapist",
                           "therapist-id", f->therapist_a, NULL);
      g_assert_true (wm_store_save_user (f->system, user, &error));
      g_assert_true (wm_store_set_principal (f->store, wm_record_get_id (WM_RECORD (user)),
                                             WM_ROLE_THERAPIST, f->therapist_a, &error));
    }
  else
    {
      user = g_object_new (WM_TYPE_USER, "username", "cora", "role", "coordinator", NULL);
      g_assert_true (wm_store_save_user (f->system, user, &error));
      g_assert_true (wm_store_set_principal (f->store, wm_record_get_id (WM_RECORD (user)),
                                             GPOINTER_TO_INT (data), -1, &error));
    }
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  g_clear_object (&f->system);
  sodium_free (f->key);
  g_free (f->ref_b);
  g_free (f->path);
  test_tmpdir_free (f->dir);
}

#define assert_denied(error) \
  g_assert_error ((error), WM_STORE_ERROR, WM_STORE_ERROR_PERMISSION)

static void
test_therapist_reads_only_own_cases (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) own = NULL;
  g_autoptr(WmCase) other = NULL;
  g_autoptr(WmCase) declined = NULL;
  g_autoptr(WmCase) by_ref = NULL;

  own = wm_store_get_case (f->store, f->case_a, &error);
  g_assert_no_error (error);
  g_assert_nonnull (own);

  other = wm_store_get_case (f->store, f->case_b, &error);
  g_assert_null (other);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  declined = wm_store_get_case (f->store, f->case_declined, &error);
  g_assert_null (declined);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  by_ref = wm_store_find_case (f->store, f->ref_b, &error);
  g_assert_null (by_ref);
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Events and referrals of someone else's case */
  g_assert_null (wm_store_list_case_events (f->store, f->case_b, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (wm_store_list_referrals (f->store, f->case_b, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (wm_store_add_case_event (f->store, f->case_b, "note", "hello", &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_therapist_search_and_count (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  WmCaseQuery all = { 0 };
  WmCaseQuery by_name = { .text = "Bartholomew" };
  WmCaseQuery by_own_name = { .text = "Annika" };
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GArray) own = NULL;
  g_autoptr(GArray) summaries = g_array_new (FALSE, TRUE, sizeof (WmCaseSummaryData));
  g_autoptr(GPtrArray) mine = NULL;

  /* The system sees all three; the therapist one. */
  g_assert_cmpint (wm_store_count_cases (f->system), ==, 3);
  g_assert_cmpint (wm_store_count_cases (f->store), ==, 1);

  ids = wm_store_query_case_ids (f->store, &all, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, f->case_a);

  none = wm_store_query_case_ids (f->store, &by_name, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  own = wm_store_query_case_ids (f->store, &by_own_name, &error);
  g_assert_cmpuint (own->len, ==, 1);

  /* Summaries by id: the case list's second query cannot be used to read around the first. */
  g_assert_false (wm_store_load_case_summaries (f->store, &f->case_b, 1, summaries, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (wm_store_load_case_summaries (f->store, &f->case_a, 1, summaries, &error));
  g_assert_cmpuint (summaries->len, ==, 1);
  wm_case_summary_data_clear (&g_array_index (summaries, WmCaseSummaryData, 0));

  /* My cases: only A's live one; B's list is refused. */
  mine = wm_store_list_therapist_cases (f->store, f->therapist_a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mine->len, ==, 1);
  g_assert_cmpint (((WmTherapistCase *) mine->pdata[0])->case_id, ==, f->case_a);
  g_assert_null (wm_store_list_therapist_cases (f->store, f->therapist_b, &error));
  assert_denied (error);
}

static void
test_therapist_cannot_export_or_manage (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) own = wm_store_get_case (f->system, f->case_a, NULL);
  g_autofree char *backup = g_build_filename (f->dir, "copy.db", NULL);
  g_autoptr(WmTherapist) self_record = NULL;
  WmMatchWeights weights;
  WmMatchOptions options;
  GArray *declined = NULL, *conflicts = NULL;
  WmAuditQuery audit = { 0 };

  g_assert_false (wm_store_save_case (f->store, own, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (wm_store_set_case_status (f->store, own, "on-hold", NULL, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_null (wm_store_create_referral (f->store, f->case_a, f->therapist_a, 1, "x", &error));
  assert_denied (error);
  g_clear_error (&error);

  /* The directory: only their own record */
  g_assert_null (wm_store_list_therapists (f->store, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_null (wm_store_get_therapist (f->store, f->therapist_b, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_null (wm_store_find_therapist (f->store, "T-B", &error));
  assert_denied (error);
  g_clear_error (&error);
  self_record = wm_store_get_therapist (f->store, f->therapist_a, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wm_store_count_therapists (f->store), ==, 1);

  /* Matching */
  g_assert_null (wm_store_load_match_snapshot (f->store, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (wm_store_load_match_history (f->store, own, &declined, &conflicts, &error));
  assert_denied (error);
  g_clear_error (&error);
  wm_store_load_match_settings (f->store, &weights, &options);

  /* Export in every form: backup, CSV, letters */
  g_assert_false (wm_store_backup (f->store, backup, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
  g_assert_null (wm_export_therapists (f->store, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (wm_store_record_letter (f->store, f->case_a, "therapist-referral",
                                          WM_LETTER_OUTPUT_PDF, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_null (wm_letter_new (f->store, own, "auto", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* The audit log, users, settings */
  g_assert_null (wm_store_query_audit (f->store, &audit, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_null (wm_store_list_users (f->store, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (wm_store_set_setting (f->store, "org.name", "Other", &error));
  assert_denied (error);
  g_clear_error (&error);

  /* And it cannot widen itself again. */
  g_assert_false (wm_store_set_principal (f->store, 7, WM_ROLE_ADMIN, -1, &error));
  assert_denied (error);
  g_assert_cmpint (wm_store_get_role (f->store), ==, WM_ROLE_THERAPIST);
}

static void
test_therapist_works_own_referral (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(GListModel) events = NULL;
  g_autoptr(GListModel) other = wm_store_list_referrals (f->system, f->case_b, NULL);
  g_autoptr(WmReferral) theirs = g_list_model_get_item (other, 0);
  g_autoptr(WmReferral) mine = NULL;

  /* Their own referral only, not the declined history of anyone else. */
  referrals = wm_store_list_referrals (f->store, f->case_a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (referrals), ==, 1);
  mine = g_list_model_get_item (referrals, 0);
  g_assert_cmpint (mine->therapist_id, ==, f->therapist_a);

  g_assert_true (wm_store_set_referral_state (f->store, mine, "accepted", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (wm_store_add_case_event (f->store, f->case_a, "note", "first call booked",
                                          &error));
  g_assert_no_error (error);
  events = wm_store_list_case_events (f->store, f->case_a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (events), >, 0);

  /* Someone else's referral, even when the caller's object claims it is theirs. */
  wm_record_set_int (WM_RECORD (theirs), "therapist_id", f->therapist_a);
  g_assert_false (wm_store_set_referral_state (f->store, theirs, "declined", "none", &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND);
}

static void
test_coordinator_cannot_manage_users (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmUser) user = g_object_new (WM_TYPE_USER, "username", "sneaky", "role", "admin",
                                         NULL);
  g_autoptr(GListModel) therapists = NULL;
  g_autoptr(WmCase) kase = NULL;
  WmAuditQuery audit = { 0 };
  gint64 broken, rows;

  /* Cases and therapists: yes */
  therapists = wm_store_list_therapists (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (therapists), ==, 2);
  kase = wm_store_get_case (f->store, f->case_b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wm_store_count_cases (f->store), ==, 3);

  /* Users, settings, templates, the audit log, re-keying: no */
  g_assert_false (wm_store_save_user (f->store, user, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_cmpint (wm_record_get_id (WM_RECORD (user)), ==, 0);
  g_assert_null (wm_store_list_users (f->store, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (wm_store_delete_user (f->store, 1, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (wm_store_set_setting (f->store, "org.name", "Other", &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (wm_store_save_letter_template (f->store, "mine", "T", "Body", &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_null (wm_store_query_audit (f->store, &audit, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (wm_store_verify_audit (f->store, &broken, &rows, &error));
  assert_denied (error);
  g_clear_error (&error);
  g_assert_false (wm_store_rekey (f->store, f->key, &error));
  assert_denied (error);
}

/* Through the session: the role in the users table decides the store's principal. */
static void
test_session_binds_role (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "s.db", NULL);
  g_autoptr(WmSession) admin = NULL;
  g_autoptr(WmSession) therapist = NULL;
  g_autoptr(WmSession) coordinator = NULL;
  g_autoptr(WmSession) orphan = NULL;
  g_auto(WmSecretString) recovery = NULL;
  WmStore *store;
  gint64 t;
  gint64 case_a;

  admin = wm_session_create (path, "Org", "boss", "Boss", "admin password 1", WM_KDF_MIN,
                             &recovery, &error);
  g_assert_no_error (error);
  store = wm_session_get_store (admin);
  g_assert_cmpint (wm_store_get_role (store), ==, WM_ROLE_ADMIN);
  t = add_therapist (store, "T-1", "Ashby");
  case_a = add_referred_case (store, "Annika", t, NULL, NULL);
  add_referred_case (store, "Other", add_therapist (store, "T-2", "Bexley"), NULL, NULL);
  g_assert_true (wm_session_add_user (admin, "ash", "Ash", "therapist", t, "therapist pass 1",
                                      TRUE, WM_KDF_MIN, &error));
  g_assert_true (wm_session_add_user (admin, "cora", "Cora", "coordinator", -1,
                                      "coordinator pass 1", FALSE, WM_KDF_MIN, &error));
  g_assert_no_error (error);
  g_clear_object (&admin);

  therapist = wm_session_unlock (path, "ash", "therapist pass 1", &error);
  g_assert_no_error (error);
  store = wm_session_get_store (therapist);
  g_assert_cmpint (wm_session_get_role (therapist), ==, WM_ROLE_THERAPIST);
  g_assert_cmpint (wm_store_get_role (store), ==, WM_ROLE_THERAPIST);
  g_assert_cmpint (wm_store_get_principal_therapist (store), ==, t);
  g_assert_cmpint (wm_store_count_cases (store), ==, 1);
  g_assert_true (wm_session_must_change_password (therapist));
  /* Their own account is theirs to read and to change the password of. */
  g_assert_true (wm_session_change_password (therapist, "therapist pass 1", "therapist pass 2",
                                             WM_KDF_MIN, &error));
  g_assert_no_error (error);
  g_assert_false (wm_session_must_change_password (therapist));
  g_assert_nonnull (wm_store_get_case (store, case_a, &error));
  g_clear_object (&therapist);

  coordinator = wm_session_unlock (path, "cora", "coordinator pass 1", &error);
  g_assert_no_error (error);
  g_assert_false (wm_session_add_user (coordinator, "x", NULL, "admin", -1, "some password 1",
                                       FALSE, WM_KDF_MIN, &error));
  g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_PERMISSION);
  g_clear_error (&error);
  g_clear_object (&coordinator);

  /* The must-change flag was cleared in the database, not just in memory. */
  therapist = wm_session_unlock (path, "ash", "therapist pass 2", &error);
  g_assert_no_error (error);
  g_assert_false (wm_session_must_change_password (therapist));
  g_clear_object (&therapist);

  orphan = wm_session_unlock (path, "ash", "therapist pass 1", &error);
  g_assert_null (orphan);
  g_assert_error (error, WM_SESSION_ERROR, WM_SESSION_ERROR_LOGIN);

  g_unlink (path);
  {
    g_autofree char *keys = g_strconcat (path, ".keys", NULL);
    g_autofree char *logins = g_strconcat (path, ".logins", NULL);
    g_unlink (keys);
    g_unlink (logins);
  }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, role, fn) \
  g_test_add (path, Fixture, GINT_TO_POINTER (role), fixture_set_up, fn, fixture_tear_down)
  ADD ("/roles/therapist/reads-only-own-cases", WM_ROLE_THERAPIST,
       test_therapist_reads_only_own_cases);
  ADD ("/roles/therapist/search-and-count", WM_ROLE_THERAPIST, test_therapist_search_and_count);
  ADD ("/roles/therapist/cannot-export-or-manage", WM_ROLE_THERAPIST,
       test_therapist_cannot_export_or_manage);
  ADD ("/roles/therapist/works-own-referral", WM_ROLE_THERAPIST,
       test_therapist_works_own_referral);
  ADD ("/roles/coordinator/cannot-manage-users", WM_ROLE_COORDINATOR,
       test_coordinator_cannot_manage_users);
  g_test_add_func ("/roles/session-binds-role", test_session_binds_role);
  return g_test_run ();
}
