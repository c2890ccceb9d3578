/* test-case-view.c: one case in process: its header, status menu, risk banner, timeline,
 * matching panel and the unsaved-changes guard.
 *
 * Each test gets a fresh encrypted store with a small register around Harrogate (Harrogate,
 * Leeds and York; one therapist lacking the required specialism, one with no free place) and
 * a client in Harrogate, shows a WmCaseView for it in a window, and drives it the way a person
 * would: menus through their models and actions, buttons found by role and accessible name,
 * dialogs answered through their response buttons. What is checked is what the store then
 * holds, and what the view shows afterwards. Needs a display: run under xvfb-run with
 * GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-case-editor.h"
#include "wm-case-view.h"
#include "wm-explain.h"
#include "wm-match-panel.h"
#include "wm-matching.h"
#include "wm-referral-actions.h"
#include "wm-session.h"
#include "wm-timeline.h"
#include "wm-vocab.h"

#define PASSWORD "correct horse battery staple"
#define CLIENT_NAME "Quentin"

static WmApplication *app;

typedef struct
{
  char *dir;
  WmSession *session;
  WmStore *store;
  GtkWindow *window;
  WmCaseView *view;
} Fixture;

/* Widgets */

static GPtrArray *
list_rows (GtkListBox *list)
{
  GPtrArray *rows = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && gtk_widget_get_visible (child))
      g_ptr_array_add (rows, child);
  return rows;
}

static void
count_signal_cb (gpointer  instance,
                 gpointer  user_data)
{
  (*(int *) user_data)++;
}

static void
record_id_cb (gpointer  instance,
              gint64    id,
              gpointer  user_data)
{
  *(gint64 *) user_data = id;
}

/* Data */

static gint64
add_case (WmStore    *store,
          const char *status,
          gboolean    self_harm,
          gboolean    urgent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = wm_case_new ();
  const char *needs[] = { "pre-offence", NULL };

  g_object_set (kase,
                "status", status,
                "category", "at-risk",
                "needs", needs,
                "risk-self-harm", self_harm,
                "urgent", urgent,
                NULL);
  g_object_set (wm_case_get_client (kase),
                "given-name", CLIENT_NAME,
                "town", "Harrogate",
                "latitude", 53.9921,
                "longitude", -1.5418,
                "location-precision", "town",
                NULL);
  g_assert_true (wm_store_save_case (store, kase, &error));
  g_assert_no_error (error);
  return wm_record_get_id (WM_RECORD (kase));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = NULL;
  char *recovery = NULL;

  f->dir = tmpdir_new ();
  path = g_build_filename (f->dir, "cases.waymark", NULL);
  f->session = create_test_session (path, "Example Trust", "coordinator", "Casey Coordinator",
                                    PASSWORD, &recovery);
  wm_secret_string_free (recovery);
  f->store = wm_session_get_store (f->session);

  /* Around Harrogate: near, in Leeds (~21 km), in York (~30 km). */
  add_test_therapist (f->store, "T-ANN", "Ann", "Ashworth", "Harrogate", 53.995, -1.537,
                      "pre-offence;online-offending", 5);
  add_test_therapist (f->store, "T-BEN", "Ben", "Barker", "Leeds", 53.7997, -1.5492,
                      "pre-offence", 5);
  add_test_therapist (f->store, "T-CAT", "Cat", "Collins", "York", 53.9590, -1.0815,
                      "pre-offence;trauma", 5);
  add_test_therapist (f->store, "T-DAN", "Dan", "Dunmore", "Knaresborough", 54.0084, -1.4700,
                      "trauma", 5);
  add_test_therapist (f->store, "T-EVE", "Eve", "Easton", "Leeds", 53.8008, -1.5491,
                      "pre-offence", 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  flush ();
  g_clear_object (&f->session);

  tmpdir_free (f->dir);
}

static void
show_case_as (Fixture   *f,
              WmSession *session,
              gint64     case_id)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *view = wm_case_view_new (session, case_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (view);
  f->view = WM_CASE_VIEW (view);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (f->window, "Waymark");
  gtk_window_set_default_size (f->window, 1100, 800);
  gtk_window_set_child (f->window, view);
  gtk_window_present (f->window);
  wait_until_mapped (view);
  flush ();
}

static void
show_case (Fixture *f,
           gint64   case_id)
{
  show_case_as (f, f->session, case_id);
}

static void
show_page (Fixture    *f,
           const char *name)
{
  AdwViewStack *stack = ADW_VIEW_STACK (find_one (GTK_WIDGET (f->view), ADW_TYPE_VIEW_STACK));

  adw_view_stack_set_visible_child_name (stack, name);
  flush ();
}

static char *
stored_status (Fixture *f,
               gint64   case_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = wm_store_get_case (f->store, case_id, &error);

  g_assert_no_error (error);
  return g_strdup (kase->status);
}

static GtkListBox *
timeline_list (Fixture *f)
{
  GtkWidget *timeline = find_one (GTK_WIDGET (f->view), WM_TYPE_TIMELINE);

  return GTK_LIST_BOX (find_control (timeline, GTK_TYPE_LIST_BOX, "Case events, newest first"));
}

static char *
first_timeline_row (Fixture *f)
{
  g_autoptr(GPtrArray) rows = list_rows (timeline_list (f));

  g_assert_cmpuint (rows->len, >, 0);
  return widget_text (rows->pdata[0]);
}

/* Tests */

static void
collect_menu_items (GMenuModel *model,
                    GPtrArray  *labels,
                    GPtrArray  *targets)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);
      char *label = NULL;
      char *action = NULL;
      g_autoptr(GVariant) target = NULL;

      if (section != NULL)
        {
          collect_menu_items (section, labels, targets);
          continue;
        }
      g_assert_true (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_LABEL, "s",
                                                      &label));
      g_assert_true (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s",
                                                      &action));
      g_assert_cmpstr (action, ==, "case.set-status");
      g_free (action);
      target = g_menu_model_get_item_attribute_value (model, i, G_MENU_ATTRIBUTE_TARGET,
                                                      G_VARIANT_TYPE_STRING);
      g_assert_nonnull (target);
      g_ptr_array_add (labels, label);
      g_ptr_array_add (targets, g_variant_dup_string (target, NULL));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The menu offers exactly the moves the state machine allows from @status. */
static void
assert_status_menu (Fixture    *f,
                    const char *status)
{
  GtkWidget *button = find_control (GTK_WIDGET (f->view), GTK_TYPE_MENU_BUTTON,
                                    "Change Status");
  GMenuModel *model = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) expected_labels = g_ptr_array_new ();
  g_autoptr(GPtrArray) expected_targets = g_ptr_array_new ();
  g_autofree const char **next = wm_case_status_next (status);

  g_assert_nonnull (model);
  collect_menu_items (model, labels, targets);
  for (guint i = 0; next[i] != NULL; i++)
    {
      g_ptr_array_add (expected_labels, (gpointer) wm_vocab_label (WM_VOCAB_CASE_STATUS, next[i]));
      g_ptr_array_add (expected_targets, (gpointer) next[i]);
    }
  g_assert_cmpuint (labels->len, ==, expected_labels->len);
  g_ptr_array_sort (labels, compare_strings);
  g_ptr_array_sort (targets, compare_strings);
  g_ptr_array_sort (expected_labels, compare_strings);
  g_ptr_array_sort (expected_targets, compare_strings);
  for (guint i = 0; i < labels->len; i++)
    {
      g_assert_cmpstr (labels->pdata[i], ==, expected_labels->pdata[i]);
      g_assert_cmpstr (targets->pdata[i], ==, expected_targets->pdata[i]);
    }
  g_assert_true (gtk_widget_is_sensitive (button) == (labels->len > 0));
}

static void
test_status_menu (Fixture       *f,
                  gconstpointer  data)
{
  gint64 id = add_case (f->store, "enquiry", FALSE, FALSE);
  g_autoptr(GListModel) events = NULL;
  g_autofree char *status = NULL;
  g_autofree char *first = NULL;
  AdwMessageDialog *dialog;
  guint n_rows;

  show_case (f, id);
  assert_status_menu (f, "enquiry");

  show_page (f, "timeline");
  {
    g_autoptr(GPtrArray) rows = list_rows (timeline_list (f));
    n_rows = rows->len;
  }
  g_assert_cmpuint (n_rows, ==, 1);

  /* Choosing Triage asks for an optional note, then moves the case. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "case.set-status", "s", "triage");
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)),
                         "Called back as agreed");
  answer_dialog (dialog, "_Change Status");

  status = stored_status (f, id);
  g_assert_cmpstr (status, ==, "triage");
  events = wm_store_list_case_events (f->store, id, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (events), ==, 2);

  /* The timeline shows it on top; the header and the menu follow the new status. */
  {
    g_autoptr(GPtrArray) rows = list_rows (timeline_list (f));
    g_assert_cmpuint (rows->len, ==, n_rows + 1);
  }
  first = first_timeline_row (f);
  g_assert_nonnull (strstr (first, "Status change"));
  g_assert_nonnull (strstr (first, "Enquiry → Triage"));
  g_assert_nonnull (strstr (first, "Called back as agreed"));
  assert_status_menu (f, "triage");

  /* Cancelling changes nothing. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "case.set-status", "s", "matching");
  answer_dialog (find_dialog (), "_Cancel");
  g_free (status);
  status = stored_status (f, id);
  g_assert_cmpstr (status, ==, "triage");

  /* When the store refuses (the case moved on while the dialog was open), nothing changes. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "case.set-status", "s", "matching");
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(WmCase) behind = wm_store_get_case (f->store, id, &error);

    g_assert_no_error (error);
    g_assert_true (wm_store_set_case_status (f->store, behind, "matching", NULL, &error));
    g_assert_no_error (error);
  }
  g_clear_object (&events);
  events = wm_store_list_case_events (f->store, id, NULL);
  n_rows = g_list_model_get_n_items (events);
  answer_dialog (dialog, "_Change Status");
  g_clear_object (&events);
  events = wm_store_list_case_events (f->store, id, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (events), ==, n_rows);
  g_free (status);
  status = stored_status (f, id);
  g_assert_cmpstr (status, ==, "matching");
  assert_status_menu (f, "matching");

  /* A move the state machine refuses is never offered, and asking for it does nothing. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "case.set-status", "s", "closed");
  g_assert_null (find_dialog ());
  g_free (status);
  status = stored_status (f, id);
  g_assert_cmpstr (status, ==, "matching");
}

static GtkListBox *
results_list (Fixture *f)
{
  GtkWidget *panel = find_one (GTK_WIDGET (f->view), WM_TYPE_MATCH_PANEL);

  return GTK_LIST_BOX (find_control (panel, GTK_TYPE_LIST_BOX,
                                     "Suggested therapists, best first"));
}

static GtkListBox *
excluded_list (Fixture *f)
{
  GtkWidget *panel = find_one (GTK_WIDGET (f->view), WM_TYPE_MATCH_PANEL);

  return GTK_LIST_BOX (find_control (panel, GTK_TYPE_LIST_BOX,
                                     "Excluded therapists, by reason"));
}

/* The names the store's own match gives, best first, and the excluded with their reasons. */
static void
expected_match (Fixture    *f,
                gint64      case_id,
                GPtrArray  *names,
                GHashTable *excluded)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = wm_store_get_case (f->store, case_id, &error);
  g_autoptr(WmMatchSnapshot) snapshot = NULL;
  g_autoptr(WmMatchOutcome) outcome = NULL;

  g_assert_no_error (error);
  outcome = wm_matching_run (f->store, kase, &snapshot, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < outcome->results->len; i++)
    {
      const WmMatchResult *r = &g_array_index (outcome->results, WmMatchResult, i);

      g_ptr_array_add (names, g_strdup (wm_match_snapshot_get (snapshot, r->index)->name));
    }
  for (guint i = 0; i < outcome->excluded->len; i++)
    {
      const WmMatchExclusion *e = &g_array_index (outcome->excluded, WmMatchExclusion, i);

      g_hash_table_insert (excluded, g_strdup (wm_match_snapshot_get (snapshot, e->index)->name),
                           GINT_TO_POINTER (e->reason));
    }
}

static void
assert_ranking_shown (Fixture *f,
                      gint64   case_id)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) excluded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) rows = list_rows (results_list (f));

  expected_match (f, case_id, names, excluded);
  g_assert_cmpuint (names->len, >, 0);
  g_assert_cmpuint (rows->len, ==, names->len);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *rank = g_strdup_printf ("%u", i + 1);
      g_autofree char *refer = g_strdup_printf ("Refer to %s", (char *) names->pdata[i]);
      g_autofree char *text = widget_text (rows->pdata[i]);

      g_assert_cmpstr (adw_preferences_row_get_title (rows->pdata[i]), ==, names->pdata[i]);
      g_assert_true (g_str_has_prefix (text, rank));
      find_control (rows->pdata[i], GTK_TYPE_BUTTON, refer);
    }
}

/* The therapists in one group of the excluded list, opened as a person would. (The group's
 * own header is a row too, titled with the reason; no therapist is called that.) */
static GPtrArray *
excluded_members (AdwExpanderRow *group)
{
  const char *reason = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (group));
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *members = g_ptr_array_new ();

  adw_expander_row_set_expanded (group, TRUE);
  flush ();
  rows = find_widgets (GTK_WIDGET (group), ADW_TYPE_ACTION_ROW);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), reason) != 0)
      g_ptr_array_add (members, rows->pdata[i]);
  return members;
}

static void
assert_excluded_shown (Fixture    *f,
                       gint64      case_id)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) excluded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) groups = list_rows (excluded_list (f));
  int last_reason = -1;
  guint n_shown = 0;

  expected_match (f, case_id, names, excluded);
  g_assert_cmpuint (groups->len, >, 0);
  for (guint i = 0; i < groups->len; i++)
    {
      AdwExpanderRow *group = groups->pdata[i];
      const char *label = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (group));
      g_autoptr(GPtrArray) members = excluded_members (group);
      g_autofree char *count = g_strdup_printf (members->len == 1 ? "%u therapist"
                                                                  : "%u therapists",
                                                members->len);
      int reason = -1;

      g_assert_cmpuint (members->len, >, 0);
      g_assert_cmpstr (adw_expander_row_get_subtitle (group), ==, count);
      for (guint j = 0; j < members->len; j++)
        {
          const char *name = adw_preferences_row_get_title (members->pdata[j]);
          gpointer expected;

          g_assert_true (g_hash_table_lookup_extended (excluded, name, NULL, &expected));
          g_assert_cmpstr (label, ==, wm_exclusion_label (GPOINTER_TO_INT (expected)));
          g_assert_cmpstr (adw_action_row_get_subtitle (members->pdata[j]), ==, label);
          reason = GPOINTER_TO_INT (expected);
          n_shown++;
        }
      /* One group a reason, in the matcher's order. */
      g_assert_cmpint (reason, >, last_reason);
      last_reason = reason;
    }
  g_assert_cmpuint (n_shown, ==, g_hash_table_size (excluded));
}

static void
test_match_panel (Fixture       *f,
                  gconstpointer  data)
{
  gint64 id = add_case (f->store, "matching", FALSE, FALSE);
  GtkWidget *panel;
  GtkWidget *toggle;
  GtkWidget *revealer;
  GtkWidget *declined_button;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) excluded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(WmReferral) referral = NULL;
  g_autofree char *first_name = NULL;
  g_autofree char *refer_label = NULL;
  g_autofree char *declined_label = NULL;
  g_autofree char *status = NULL;
  AdwMessageDialog *dialog;
  gint64 referred_id = 0;
  gint64 failed_id = 0;

  show_case (f, id);
  show_page (f, "matching");
  panel = find_one (GTK_WIDGET (f->view), WM_TYPE_MATCH_PANEL);
  g_signal_connect (panel, "referred", G_CALLBACK (record_id_cb), &referred_id);
  g_signal_connect (panel, "referral-failed", G_CALLBACK (record_id_cb), &failed_id);

  /* The ranking is the store's own, in its order. */
  assert_ranking_shown (f, id);
  expected_match (f, id, names, excluded);
  g_assert_cmpuint (names->len, ==, 3);
  first_name = g_strdup (names->pdata[0]);
  g_assert_cmpstr (first_name, ==, "Ann Ashworth");
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (excluded, "Dan Dunmore")), ==,
                   WM_EXCLUDE_SPECIALISM);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (excluded, "Eve Easton")), ==,
                   WM_EXCLUDE_CAPACITY);

  /* The excluded therapists are behind the toggle, with their reasons. */
  toggle = find_control (panel, GTK_TYPE_TOGGLE_BUTTON, "Show _Excluded Therapists");
  revealer = gtk_widget_get_ancestor (GTK_WIDGET (excluded_list (f)), GTK_TYPE_REVEALER);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  flush ();
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  assert_excluded_shown (f, id);

  /* Refer to the first: confirm, and the store has a referral sent and the case referred. */
  refer_label = g_strdup_printf ("Refer to %s", first_name);
  {
    g_autoptr(GPtrArray) rows = list_rows (results_list (f));
    GtkWidget *refer = find_control (rows->pdata[0], GTK_TYPE_BUTTON, refer_label);

    g_assert_true (gtk_widget_is_sensitive (refer));
    g_signal_emit_by_name (refer, "clicked");
  }
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), first_name));
  answer_dialog (dialog, "_Refer");

  referrals = wm_store_list_referrals (f->store, id, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (referrals), ==, 1);
  referral = g_list_model_get_item (referrals, 0);
  g_assert_cmpstr (referral->state, ==, "sent");
  g_assert_cmpint (referred_id, ==, wm_record_get_id (WM_RECORD (referral)));
  status = stored_status (f, id);
  g_assert_cmpstr (status, ==, "referred");

  /* The panel shows the referral; nobody else can be referred while it is open. */
  {
    GtkListBox *list = GTK_LIST_BOX (find_control (panel, GTK_TYPE_LIST_BOX, "Referrals"));
    g_autoptr(GPtrArray) rows = list_rows (list);
    g_autoptr(GPtrArray) results = list_rows (results_list (f));

    g_assert_cmpuint (rows->len, ==, 1);
    g_assert_cmpstr (adw_preferences_row_get_title (rows->pdata[0]), ==, first_name);
    g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (list)));
    g_assert_cmpuint (results->len, >, 0);
    for (guint i = 0; i < results->len; i++)
      {
        g_autofree char *name = g_strdup_printf ("Refer to %s",
                                                 adw_preferences_row_get_title (results->pdata[i]));

        g_assert_false (gtk_widget_is_sensitive (find_control (results->pdata[i],
                                                               GTK_TYPE_BUTTON, name)));
      }
  }

  /* Declined: a reason is required; then the case is back in matching and the therapist is
   * excluded as having declined. */
  declined_label = g_strdup_printf ("Mark the referral to %s as declined", first_name);
  declined_button = find_control (panel, GTK_TYPE_BUTTON, declined_label);
  g_signal_emit_by_name (declined_button, "clicked");
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "confirm"));
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)),
                         "No space until the spring");
  answer_dialog (dialog, "_Mark Declined");

  g_clear_object (&referrals);
  g_clear_object (&referral);
  referrals = wm_store_list_referrals (f->store, id, NULL);
  referral = g_list_model_get_item (referrals, 0);
  g_assert_cmpstr (referral->state, ==, "declined");
  g_assert_cmpstr (referral->decline_reason, ==, "No space until the spring");
  g_assert_cmpint (failed_id, ==, wm_record_get_id (WM_RECORD (referral)));
  g_free (status);
  status = stored_status (f, id);
  g_assert_cmpstr (status, ==, "matching");

  g_ptr_array_set_size (names, 0);
  g_hash_table_remove_all (excluded);
  expected_match (f, id, names, excluded);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (excluded, first_name)), ==,
                   WM_EXCLUDE_DECLINED);
  assert_ranking_shown (f, id);
  assert_excluded_shown (f, id);
  {
    g_autoptr(GPtrArray) groups = list_rows (excluded_list (f));
    gboolean seen = FALSE;

    for (guint i = 0; i < groups->len; i++)
      {
        g_autoptr(GPtrArray) members = excluded_members (groups->pdata[i]);

        for (guint j = 0; j < members->len; j++)
          if (g_strcmp0 (adw_preferences_row_get_title (members->pdata[j]), first_name) == 0)
            {
              g_assert_cmpstr (adw_action_row_get_subtitle (members->pdata[j]), ==,
                               wm_exclusion_label (WM_EXCLUDE_DECLINED));
              seen = TRUE;
            }
      }
    g_assert_true (seen);
  }

  /* Referring is possible again. */
  {
    g_autoptr(GPtrArray) rows = list_rows (results_list (f));
    g_autofree char *name = g_strdup_printf ("Refer to %s",
                                             adw_preferences_row_get_title (rows->pdata[0]));

    g_assert_true (gtk_widget_is_sensitive (find_control (rows->pdata[0], GTK_TYPE_BUTTON,
                                                          name)));
  }
}

static void
test_refer_needs_matching (Fixture       *f,
                           gconstpointer  data)
{
  gint64 id = add_case (f->store, "triage", FALSE, FALSE);
  GtkWidget *panel;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *text = NULL;
  g_autofree char *status = NULL;

  show_case (f, id);
  show_page (f, "matching");
  panel = find_one (GTK_WIDGET (f->view), WM_TYPE_MATCH_PANEL);

  /* The ranking is shown, but Refer waits for the case to reach Matching, and says so. */
  assert_ranking_shown (f, id);
  rows = list_rows (results_list (f));
  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *name = g_strdup_printf ("Refer to %s",
                                               adw_preferences_row_get_title (rows->pdata[i]));

      g_assert_false (gtk_widget_is_sensitive (find_control (rows->pdata[i], GTK_TYPE_BUTTON,
                                                             name)));
    }
  text = widget_text (panel);
  g_assert_nonnull (strstr (text, "Move the case to Matching to refer."));

  /* Its "Move to Matching" does that, and Refer becomes available. */
  g_signal_emit_by_name (find_control (panel, GTK_TYPE_BUTTON, "_Move to Matching"), "clicked");
  flush ();
  status = stored_status (f, id);
  g_assert_cmpstr (status, ==, "matching");
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = list_rows (results_list (f));
  {
    g_autofree char *name = g_strdup_printf ("Refer to %s",
                                             adw_preferences_row_get_title (rows->pdata[0]));

    g_assert_true (gtk_widget_is_sensitive (find_control (rows->pdata[0], GTK_TYPE_BUTTON,
                                                          name)));
  }
}

static GtkRevealer *
risk_revealer (Fixture *f)
{
  g_autoptr(GPtrArray) revealers = find_widgets (GTK_WIDGET (f->view), GTK_TYPE_REVEALER);

  /* The banner is the revealer at the top of the view, above the pages. */
  for (guint i = 0; i < revealers->len; i++)
    if (gtk_widget_get_ancestor (revealers->pdata[i], ADW_TYPE_VIEW_STACK) == NULL)
      return revealers->pdata[i];
  g_assert_not_reached ();
}

static void
test_risk_banner (Fixture       *f,
                  gconstpointer  data)
{
  gint64 calm = add_case (f->store, "enquiry", FALSE, FALSE);
  gint64 risky = add_case (f->store, "enquiry", TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = NULL;
  g_autofree char *text = NULL;
  GtkRevealer *banner;

  show_case (f, calm);
  banner = risk_revealer (f);
  g_assert_false (gtk_revealer_get_reveal_child (banner));

  /* When the stored case gains a flag (saved from anywhere), the banner follows. */
  kase = wm_store_get_case (f->store, calm, &error);
  g_assert_no_error (error);
  g_object_set (kase, "risk-safeguarding", TRUE, NULL);
  g_assert_true (wm_store_save_case (f->store, kase, &error));
  g_assert_no_error (error);
  flush ();
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  text = widget_text (gtk_revealer_get_child (banner));
  g_assert_cmpstr (text, ==, "Safeguarding concern\n");
  g_clear_pointer (&text, g_free);

  g_object_set (kase, "risk-safeguarding", FALSE, NULL);
  g_assert_true (wm_store_save_case (f->store, kase, &error));
  g_assert_no_error (error);
  flush ();
  g_assert_false (gtk_revealer_get_reveal_child (banner));

  gtk_window_destroy (f->window);
  f->window = NULL;
  flush ();

  show_case (f, risky);
  banner = risk_revealer (f);
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  g_assert_true (gtk_widget_get_mapped (gtk_revealer_get_child (banner)));
  text = widget_text (gtk_revealer_get_child (banner));
  g_assert_cmpstr (text, ==, "Self-harm risk · Urgent\n");
}

/* The editor's field holding @text: where a person would type. */
static GtkEditable *
find_field_with_text (Fixture    *f,
                      const char *text)
{
  GtkWidget *editor = find_one (GTK_WIDGET (f->view), WM_TYPE_CASE_EDITOR);
  g_autoptr(GPtrArray) editables = find_widgets (editor, GTK_TYPE_EDITABLE);

  for (guint i = 0; i < editables->len; i++)
    if (g_strcmp0 (gtk_editable_get_text (editables->pdata[i]), text) == 0)
      return editables->pdata[i];
  g_error ("No field holds “%s”", text);
}

static void
test_unsaved_guard (Fixture       *f,
                    gconstpointer  data)
{
  gint64 id = add_case (f->store, "enquiry", FALSE, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) stored = NULL;
  GtkWidget *save_button;
  int closed = 0;

  show_case (f, id);
  g_signal_connect (f->view, "close-requested", G_CALLBACK (count_signal_cb), &closed);
  save_button = find_control (GTK_WIDGET (f->view), GTK_TYPE_BUTTON, "_Save");

  /* Nothing changed: Save is off, and Back leaves at once. */
  g_assert_false (gtk_widget_is_sensitive (save_button));
  g_assert_false (wm_case_view_has_unsaved_changes (f->view));
  wm_case_view_request_close (f->view);
  g_assert_null (find_dialog ());
  g_assert_cmpint (closed, ==, 1);

  /* Typed but not saved: Back asks first, and Cancel stays. */
  gtk_editable_set_text (find_field_with_text (f, CLIENT_NAME), "Quentina");
  flush ();
  g_assert_true (wm_case_view_has_unsaved_changes (f->view));
  g_assert_true (gtk_widget_is_sensitive (save_button));
  wm_case_view_request_close (f->view);
  g_assert_nonnull (find_dialog ());
  g_assert_cmpint (closed, ==, 1);
  answer_dialog (find_dialog (), "_Cancel");
  g_assert_cmpint (closed, ==, 1);
  g_assert_true (wm_case_view_has_unsaved_changes (f->view));

  /* Discard leaves, and nothing was stored. */
  wm_case_view_request_close (f->view);
  answer_dialog (find_dialog (), "_Discard");
  g_assert_cmpint (closed, ==, 2);
  g_assert_false (wm_case_view_has_unsaved_changes (f->view));
  stored = wm_store_get_case (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wm_case_get_client (stored)->given_name, ==, CLIENT_NAME);
  g_clear_object (&stored);

  /* Save from the dialog stores the change, then leaves. */
  gtk_editable_set_text (find_field_with_text (f, CLIENT_NAME), "Quentina");
  flush ();
  wm_case_view_request_close (f->view);
  answer_dialog (find_dialog (), "_Save");
  g_assert_cmpint (closed, ==, 3);
  g_assert_false (wm_case_view_has_unsaved_changes (f->view));
  stored = wm_store_get_case (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wm_case_get_client (stored)->given_name, ==, "Quentina");
}

static void
test_unsaved_kept_on_change (Fixture       *f,
                             gconstpointer  data)
{
  gint64 id = add_case (f->store, "triage", FALSE, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) stored = NULL;
  AdwMessageDialog *dialog;

  show_case (f, id);

  /* A status change while something is typed leaves the typing alone... */
  gtk_editable_set_text (find_field_with_text (f, CLIENT_NAME), "Quentina");
  flush ();
  gtk_widget_activate_action (GTK_WIDGET (f->view), "case.set-status", "s", "matching");
  dialog = find_dialog ();
  answer_dialog (dialog, "_Change Status");
  g_assert_true (wm_case_view_has_unsaved_changes (f->view));
  find_field_with_text (f, "Quentina");
  assert_status_menu (f, "matching");

  /* ...and saving it afterwards keeps the new status. */
  g_assert_true (wm_case_view_save (f->view));
  stored = wm_store_get_case (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->status, ==, "matching");
  g_assert_cmpstr (wm_case_get_client (stored)->given_name, ==, "Quentina");
}

static void
test_add_note (Fixture       *f,
               gconstpointer  data)
{
  gint64 id = add_case (f->store, "enquiry", FALSE, FALSE);
  g_autoptr(GListModel) events = NULL;
  g_autoptr(WmCaseEvent) newest = NULL;
  g_autofree char *first = NULL;
  GtkWidget *timeline;
  GtkWidget *entry;
  GtkWidget *add;

  show_case (f, id);
  show_page (f, "timeline");
  timeline = find_one (GTK_WIDGET (f->view), WM_TYPE_TIMELINE);
  entry = find_control (timeline, GTK_TYPE_ENTRY, "Note");
  add = find_control (timeline, GTK_TYPE_BUTTON, "_Add Note");

  g_assert_false (gtk_widget_is_sensitive (add));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Left a voicemail as agreed");
  g_assert_true (gtk_widget_is_sensitive (add));
  g_signal_emit_by_name (add, "clicked");
  flush ();

  events = wm_store_list_case_events (f->store, id, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (events), ==, 2);
  newest = g_list_model_get_item (events, 0);
  g_assert_cmpstr (newest->kind, ==, "note");
  g_assert_cmpstr (newest->body, ==, "Left a voicemail as agreed");

  first = first_timeline_row (f);
  g_assert_true (g_str_has_prefix (first, "Note\n"));
  g_assert_nonnull (strstr (first, "Left a voicemail as agreed"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_false (gtk_widget_is_sensitive (add));
}

static void
test_new_enquiry (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) switchers = NULL;
  GtkWidget *timeline;
  GtkWidget *panel;
  GtkWidget *save_button;
  GtkWidget *editor;
  g_autoptr(GPtrArray) editables = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) stored = NULL;
  g_autofree char *text = NULL;
  gint64 count = wm_store_count_cases (f->store);
  gboolean made_valid = FALSE;

  show_case (f, 0);
  g_assert_cmpint (wm_case_view_get_case_id (f->view), ==, 0);
  text = widget_text (GTK_WIDGET (f->view));
  g_assert_nonnull (strstr (text, "New Enquiry"));

  /* Nothing to see on the timeline or to match until it is saved. */
  switchers = find_widgets (GTK_WIDGET (f->view), ADW_TYPE_VIEW_SWITCHER);
  g_ptr_array_extend_and_steal (switchers, find_widgets (GTK_WIDGET (f->view),
                                                         ADW_TYPE_VIEW_SWITCHER_BAR));
  g_assert_cmpuint (switchers->len, >, 0);
  timeline = find_one (GTK_WIDGET (f->view), WM_TYPE_TIMELINE);
  panel = find_one (GTK_WIDGET (f->view), WM_TYPE_MATCH_PANEL);
  save_button = find_control (GTK_WIDGET (f->view), GTK_TYPE_BUTTON, "_Save");
  for (guint i = 0; i < switchers->len; i++)
    g_assert_false (gtk_widget_is_sensitive (switchers->pdata[i]));
  g_assert_false (gtk_widget_is_sensitive (timeline));
  g_assert_false (gtk_widget_is_sensitive (panel));
  g_assert_false (gtk_widget_is_sensitive (save_button));
  editor = find_one (GTK_WIDGET (f->view), WM_TYPE_CASE_EDITOR);
  if (!wm_case_editor_get_valid (WM_CASE_EDITOR (editor)))
    g_assert_cmpstr (gtk_widget_get_tooltip_text (save_button), ==,
                     wm_case_editor_get_first_problem (WM_CASE_EDITOR (editor)));
  g_assert_false (gtk_widget_is_sensitive (find_control (GTK_WIDGET (f->view),
                                                         GTK_TYPE_MENU_BUTTON,
                                                         "Change Status")));

  /* Type a name in the first field that makes the form valid: Save stores a new case and the
   * view becomes that case. */
  editables = find_widgets (editor, GTK_TYPE_EDITABLE);
  for (guint i = 0; i < editables->len && !made_valid; i++)
    {
      if (!gtk_widget_is_sensitive (editables->pdata[i])
          || !gtk_editable_get_editable (editables->pdata[i])
          || GTK_IS_TEXT (editables->pdata[i]))
        continue;
      gtk_editable_set_text (editables->pdata[i], CLIENT_NAME);
      flush ();
      made_valid = wm_case_editor_get_valid (WM_CASE_EDITOR (editor));
      if (!made_valid)
        gtk_editable_set_text (editables->pdata[i], "");
    }
  g_assert_true (made_valid);
  g_assert_true (gtk_widget_is_sensitive (save_button));
  g_signal_emit_by_name (save_button, "clicked");
  flush ();

  g_assert_cmpint (wm_store_count_cases (f->store), ==, count + 1);
  g_assert_cmpint (wm_case_view_get_case_id (f->view), >, 0);
  stored = wm_store_get_case (f->store, wm_case_view_get_case_id (f->view), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->status, ==, "enquiry");
  g_clear_pointer (&text, g_free);
  text = widget_text (GTK_WIDGET (f->view));
  g_assert_nonnull (strstr (text, stored->reference));
  g_assert_null (strstr (text, "New Enquiry"));
  for (guint i = 0; i < switchers->len; i++)
    g_assert_true (gtk_widget_is_sensitive (switchers->pdata[i]));
  g_assert_true (gtk_widget_is_sensitive (timeline));
  g_assert_true (gtk_widget_is_sensitive (panel));
  g_assert_false (gtk_widget_is_sensitive (save_button));
  g_assert_false (wm_case_view_has_unsaved_changes (f->view));
  assert_status_menu (f, "enquiry");

  show_page (f, "timeline");
  {
    g_autoptr(GPtrArray) rows = list_rows (timeline_list (f));
    g_assert_cmpuint (rows->len, ==, 1);
  }
}

static void
test_controls_named (Fixture       *f,
                     gconstpointer  data)
{
  gint64 id = add_case (f->store, "matching", TRUE, FALSE);
  const char *pages[] = { "details", "timeline", "matching" };
  GtkWidget *panel;
  AdwMessageDialog *dialog;

  show_case (f, id);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      show_page (f, pages[i]);
      g_assert_cmpuint (assert_controls_named (GTK_WIDGET (f->view)), >, 3);
    }

  /* With a referral and the excluded list open, too. */
  panel = find_one (GTK_WIDGET (f->view), WM_TYPE_MATCH_PANEL);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_control (panel, GTK_TYPE_TOGGLE_BUTTON,
                                                                 "Show _Excluded Therapists")),
                                TRUE);
  {
    g_autoptr(GPtrArray) groups = list_rows (excluded_list (f));
    g_autoptr(GPtrArray) members = excluded_members (groups->pdata[0]);

    g_assert_cmpuint (members->len, >, 0);
  }
  g_signal_emit_by_name (find_control (panel, GTK_TYPE_BUTTON, "Refer to Ann Ashworth"),
                         "clicked");
  answer_dialog (find_dialog (), "_Refer");
  flush ();
  assert_controls_named (GTK_WIDGET (f->view));

  /* And the dialogs. */
  g_signal_emit_by_name (find_control (panel, GTK_TYPE_BUTTON,
                                       "Mark the referral to Ann Ashworth as no contact"),
                         "clicked");
  dialog = find_dialog ();
  wait_until_mapped (GTK_WIDGET (dialog));
  assert_controls_named (GTK_WIDGET (dialog));
  answer_dialog (dialog, "_Cancel");

  gtk_widget_activate_action (GTK_WIDGET (f->view), "case.set-status", "s", "on-hold");
  dialog = find_dialog ();
  wait_until_mapped (GTK_WIDGET (dialog));
  assert_controls_named (GTK_WIDGET (dialog));
  answer_dialog (dialog, "_Cancel");
}

/* Therapist mode */

/* Refers @case_id to Ann and logs her in as a therapist user: her own session, whose store
 * is bound to her therapist record. */
static WmSession *
refer_and_log_in_ann (Fixture *f,
                      gint64   case_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) ann = wm_store_find_therapist (f->store, "T-ANN", &error);
  g_autoptr(WmReferral) referral = NULL;
  g_autofree char *path = g_build_filename (f->dir, "cases.waymark", NULL);
  WmSession *session;

  g_assert_no_error (error);
  referral = wm_store_create_referral (f->store, case_id, wm_record_get_id (WM_RECORD (ann)),
                                       0.9, "test", &error);
  g_assert_no_error (error);
  g_assert_true (wm_session_add_user (f->session, "ann", "Ann Ashworth", "therapist",
                                      wm_record_get_id (WM_RECORD (ann)), PASSWORD, FALSE,
                                      WM_KDF_MIN, &error));
  g_assert_no_error (error);
  session = wm_session_unlock (path, "ann", PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wm_store_get_role (wm_session_get_store (session)), ==, WM_ROLE_THERAPIST);
  return session;
}

static guint
count_mapped_inputs (GtkWidget *root)
{
  GType types[] = {
    GTK_TYPE_EDITABLE, GTK_TYPE_SWITCH, GTK_TYPE_CHECK_BUTTON, GTK_TYPE_DROP_DOWN,
    GTK_TYPE_SPIN_BUTTON, GTK_TYPE_TEXT_VIEW,
  };
  guint n = 0;

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr(GPtrArray) widgets = find_widgets (root, types[t]);

      for (guint i = 0; i < widgets->len; i++)
        if (gtk_widget_get_mapped (widgets->pdata[i]))
          n++;
    }
  return n;
}

static void
test_therapist_mode (Fixture       *f,
                     gconstpointer  data)
{
  gint64 id = add_case (f->store, "matching", TRUE, FALSE);
  g_autoptr(WmSession) ann = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) events = NULL;
  g_autoptr(WmCaseEvent) newest = NULL;
  g_autoptr(WmSession) panel_session = NULL;
  g_autofree char *text = NULL;
  AdwViewStack *stack;
  GtkWidget *panel;
  GtkWidget *actions;
  GtkWidget *timeline;
  GtkWidget *editor;

  {
    g_autoptr(WmCase) kase = wm_store_get_case (f->store, id, &error);

    g_assert_no_error (error);
    g_object_set (wm_case_get_client (kase), "phone", "07700 900123", NULL);
    g_assert_true (wm_store_save_case (f->store, kase, &error));
    g_assert_no_error (error);
  }
  ann = refer_and_log_in_ann (f, id);

  /* A new enquiry is not hers to open. */
  g_assert_null (wm_case_view_new (ann, 0, &error));
  g_assert_error (error, WM_STORE_ERROR, WM_STORE_ERROR_PERMISSION);
  g_clear_error (&error);

  show_case_as (f, ann, id);

  /* No status menu, Save, letters or matching. */
  g_assert_false (gtk_widget_get_mapped (find_control (GTK_WIDGET (f->view),
                                                       GTK_TYPE_MENU_BUTTON,
                                                       "Change Status")));
  g_assert_false (gtk_widget_get_mapped (find_control (GTK_WIDGET (f->view), GTK_TYPE_BUTTON,
                                                       "_Save")));
  g_assert_false (gtk_widget_get_mapped (find_control (GTK_WIDGET (f->view), GTK_TYPE_BUTTON,
                                                       "Letters")));
  g_assert_false (wm_case_view_save (f->view));
  stack = ADW_VIEW_STACK (find_one (GTK_WIDGET (f->view), ADW_TYPE_VIEW_STACK));
  panel = find_one (GTK_WIDGET (f->view), WM_TYPE_MATCH_PANEL);
  g_assert_false (adw_view_stack_page_get_visible (adw_view_stack_get_page (stack, panel)));
  g_object_get (panel, "session", &panel_session, NULL);
  g_assert_null (panel_session);

  /* The details are a summary to read, nothing to edit: what she needs to make contact. */
  show_page (f, "details");
  editor = find_one (GTK_WIDGET (f->view), WM_TYPE_CASE_EDITOR);
  g_assert_false (gtk_widget_get_mapped (editor));
  g_assert_cmpuint (count_mapped_inputs (GTK_WIDGET (f->view)), ==, 0);
  text = widget_text (GTK_WIDGET (f->view));
  g_assert_nonnull (strstr (text, CLIENT_NAME));
  g_assert_nonnull (strstr (text, "07700 900123"));
  g_assert_nonnull (strstr (text, "Do not leave messages"));
  g_assert_nonnull (strstr (text, "Harrogate"));
  /* The risk banner as for everyone. */
  g_assert_nonnull (strstr (text, "Self-harm risk"));

  /* Her referral's next steps, near the top. */
  actions = find_one (GTK_WIDGET (f->view), WM_TYPE_REFERRAL_ACTIONS);
  g_assert_true (gtk_widget_get_mapped (actions));
  g_assert_true (gtk_widget_get_mapped (find_control (actions, GTK_TYPE_BUTTON, "_Accept")));
  g_signal_emit_by_name (find_control (actions, GTK_TYPE_BUTTON, "_Accept"), "clicked");
  flush ();
  {
    g_autoptr(GListModel) referrals = wm_store_list_referrals (f->store, id, &error);
    g_autoptr(WmReferral) referral = g_list_model_get_item (referrals, 0);

    g_assert_no_error (error);
    g_assert_cmpstr (referral->state, ==, "accepted");
  }

  /* The timeline, with Add Note, stays. */
  show_page (f, "timeline");
  timeline = find_one (GTK_WIDGET (f->view), WM_TYPE_TIMELINE);
  gtk_editable_set_text (GTK_EDITABLE (find_control (timeline, GTK_TYPE_ENTRY, "Note")),
                         "Left a voicemail as agreed");
  g_signal_emit_by_name (find_control (timeline, GTK_TYPE_BUTTON, "_Add Note"), "clicked");
  flush ();
  events = wm_store_list_case_events (f->store, id, NULL);
  newest = g_list_model_get_item (events, 0);
  g_assert_cmpstr (newest->kind, ==, "note");
  g_assert_cmpstr (newest->body, ==, "Left a voicemail as agreed");
  assert_controls_named (GTK_WIDGET (f->view));

  /* Closing first, while her session is still open. */
  gtk_window_destroy (f->window);
  f->window = NULL;
  flush ();
}

static void
print_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  (*(int *) user_data)++;
}

static void
test_letters_button (Fixture       *f,
                     gconstpointer  data)
{
  gint64 id = add_case (f->store, "matching", FALSE, FALSE);
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) print = g_simple_action_new ("print", NULL);
  GtkWidget *letters;
  int printed = 0;

  show_case (f, id);
  g_signal_connect (print, "activate", G_CALLBACK (print_activated), &printed);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (print));
  gtk_widget_insert_action_group (GTK_WIDGET (f->window), "win", G_ACTION_GROUP (group));

  /* For staff, next to the status menu, named for a screen reader; it asks the window. */
  letters = find_control (GTK_WIDGET (f->view), GTK_TYPE_BUTTON, "Letters");
  g_assert_true (gtk_widget_get_mapped (letters));
  g_assert_true (gtk_widget_is_sensitive (letters));
  g_signal_emit_by_name (letters, "clicked");
  flush ();
  g_assert_cmpint (printed, ==, 1);
  /* The window hands the Letters window the view's own copy of the stored case. */
  {
    g_autoptr(WmCase) copy = wm_case_view_dup_case (f->view);

    g_assert_nonnull (copy);
    g_assert_cmpint (wm_record_get_id (WM_RECORD (copy)), ==, id);
    g_assert_nonnull (copy->reference);
    g_assert_cmpstr (wm_case_get_client (copy)->given_name, !=, NULL);
  }
  /* Staff get no referral actions: those are a therapist's own. */
  {
    g_autoptr(GPtrArray) actions = find_widgets (GTK_WIDGET (f->view),
                                                 WM_TYPE_REFERRAL_ACTIONS);

    g_assert_cmpuint (actions->len, ==, 0);
  }
}

static void
test_letters_not_for_new (Fixture       *f,
                          gconstpointer  data)
{
  show_case (f, 0);
  g_assert_false (gtk_widget_is_sensitive (find_control (GTK_WIDGET (f->view), GTK_TYPE_BUTTON,
                                                         "Letters")));
  g_assert_null (wm_case_view_dup_case (f->view));
}

/* WM_TEST_SCREENSHOT=case-view: a therapist's case view on screen for a while;
 * =case-view-staff: the same case as the coordinator sees it. */
static void
screenshot (gboolean staff)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  g_autoptr(WmSession) ann = NULL;
  gint64 id;

  fixture_set_up (f, NULL);
  id = add_case (f->store, "matching", TRUE, TRUE);
  {
    g_autoptr(WmCase) kase = wm_store_get_case (f->store, id, NULL);

    g_object_set (wm_case_get_client (kase), "family-name", "Quill", "phone", "07700 900123",
                  "email", "q@example.org", "contact-voicemail-ok", TRUE, NULL);
    g_assert_true (wm_store_save_case (f->store, kase, NULL));
  }
  ann = refer_and_log_in_ann (f, id);
  show_case_as (f, staff ? f->session : ann, id);
  for (gint64 end = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;
       g_get_monotonic_time () < end;)
    {
      flush ();
      g_usleep (20000);
    }
  gtk_window_destroy (f->window);
  f->window = NULL;
  fixture_tear_down (f, NULL);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  app = test_application_new ();

  if (g_str_has_prefix (g_getenv ("WM_TEST_SCREENSHOT") ?: "", "case-view"))
    {
      screenshot (g_strcmp0 (g_getenv ("WM_TEST_SCREENSHOT"), "case-view-staff") == 0);
      g_object_unref (app);
      return 0;
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/case-view/status-menu", test_status_menu);
  ADD ("/case-view/match-panel", test_match_panel);
  ADD ("/case-view/refer-needs-matching", test_refer_needs_matching);
  ADD ("/case-view/risk-banner", test_risk_banner);
  ADD ("/case-view/unsaved-guard", test_unsaved_guard);
  ADD ("/case-view/unsaved-kept-on-change", test_unsaved_kept_on_change);
  ADD ("/case-view/add-note", test_add_note);
  ADD ("/case-view/new-enquiry", test_new_enquiry);
  ADD ("/case-view/controls-named", test_controls_named);
  ADD ("/case-view/therapist-mode", test_therapist_mode);
  ADD ("/case-view/letters-button", test_letters_button);
  ADD ("/case-view/letters-not-for-new", test_letters_not_for_new);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
