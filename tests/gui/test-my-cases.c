/* test-my-cases.c: a therapist's own cases (WmMyCasesPage) and their referral's next steps
 * (WmReferralActions), in process.
 *
 * Each test gets a fresh encrypted store opened with a raw key (the system), two therapists
 * and three cases, two referred to Ann and one to Ben. One of Ann's referrals is backdated
 * through the SQLCipher C API (the store offers no way to send a referral in the past, as it
 * should not), so its no-contact deadline has passed. The store is then bound to Ann as a
 * therapist principal, the way a therapist's login does, and what the widgets show and do is
 * checked against what the store holds. Needs a display: run under xvfb-run with
 * GDK_BACKEND=x11.
 *
 * With WM_TEST_SCREENSHOT=my-cases set, the program shows the page for a while instead of
 * running the tests (for a screenshot under Xvfb).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-my-cases-page.h"
#include "wm-referral-actions.h"
#include "wm-store.h"

#define OVERDUE_DAYS 10   /* the backdated referral was sent this long ago */

static WmApplication *app;

typedef struct
{
  char *dir;
  char *path;
  guint8 key[32];
  WmStore *store;
  gint64 ann;
  gint64 ben;
  gint64 urgent_case;     /* Ann's, sent now, urgent */
  gint64 overdue_case;    /* Ann's, sent OVERDUE_DAYS ago */
  gint64 other_case;      /* Ben's */
  char *urgent_ref;
  char *overdue_ref;
  char *other_ref;
  GtkWindow *window;
} Fixture;

/* Widgets */

static void
show_in_window (Fixture   *f,
                GtkWidget *child)
{
  if (f->window == NULL)
    {
      f->window = GTK_WINDOW (gtk_window_new ());
      gtk_window_set_title (f->window, "Waymark");
      gtk_window_set_default_size (f->window, 900, 700);
    }
  gtk_window_set_child (f->window, child);
  gtk_window_present (f->window);
  wait_until_mapped (child);
  flush ();
}

/* The page's three lists, in order: To Contact, In Contact, Ended. */
static GtkListBox *
page_list (GtkWidget  *page,
           const char *name)
{
  return GTK_LIST_BOX (find_control (page, GTK_TYPE_LIST_BOX, name));
}

static GPtrArray *
list_rows (GtkListBox *list)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);

  if (!gtk_widget_is_visible (GTK_WIDGET (list)))
    return rows;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && gtk_widget_get_visible (child))
      g_ptr_array_add (rows, widget_text_if (child, gtk_widget_get_mapped));
  return rows;
}

static GtkListBoxRow *
nth_row (GtkListBox *list,
         guint       n)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, (int) n);

  g_assert_nonnull (row);
  return row;
}

/* Data */

/* A therapist in Harrogate with five places, offering pre-offence work. */
static gint64
add_therapist (WmStore    *store,
               const char *external_id,
               const char *given_name,
               const char *family_name)
{
  return add_test_therapist (store, external_id, given_name, family_name, "Harrogate", 53.995,
                             -1.537, "pre-offence", 5);
}

static gint64
add_referred_case (WmStore    *store,
                   const char *given_name,
                   const char *town,
                   gboolean    urgent,
                   gint64      therapist_id,
                   char      **reference)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = wm_case_new ();
  g_autoptr(WmReferral) referral = NULL;
  const char *needs[] = { "pre-offence", NULL };
  gint64 id;

  g_object_set (kase,
                "status", "matching",
                "category", "at-risk",
                "needs", needs,
                "urgent", urgent,
                NULL);
  g_object_set (wm_case_get_client (kase),
                "given-name", given_name,
                "town", town,
                "latitude", 53.9921,
                "longitude", -1.5418,
                "location-precision", "town",
                NULL);
  g_assert_true (wm_store_save_case (store, kase, &error));
  g_assert_no_error (error);
  id = wm_record_get_id (WM_RECORD (kase));
  referral = wm_store_create_referral (store, id, therapist_id, 0.9, "test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (referral);
  *reference = g_strdup (kase->reference);
  return id;
}

/* Runs @sql on the closed database file through the SQLCipher C API, keyed the way the store
 * keys it (wm-store.c apply_key, configure_cipher; as tests/core/test-audit.c does). */
static void
raw_exec (Fixture    *f,
          const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char hex[65];
  g_autofree char *pragma = NULL;
  g_autofree char *version = NULL;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA cipher_version", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  g_assert_nonnull (version);

  sodium_bin2hex (hex, sizeof hex, f->key, sizeof f->key);
  pragma = g_strdup_printf ("PRAGMA key = \"x'%s'\";%s PRAGMA cipher_page_size = 4096;", hex,
                            atoi (version) >= 4 ? " PRAGMA cipher_compatibility = 3;" : "");
  if (sqlite3_exec (db, pragma, NULL, NULL, &msg) != SQLITE_OK
      || sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg != NULL ? msg : sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

static void
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->store = wm_store_open (f->path, f->key, WM_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, -OVERDUE_DAYS);
  g_autofree char *sent_at = g_date_time_format_iso8601 (then);
  g_autofree char *sql = NULL;

  f->dir = tmpdir_new ();
  f->path = g_build_filename (f->dir, "cases.waymark", NULL);
  randombytes_buf (f->key, sizeof f->key);
  open_store (f);

  f->ann = add_therapist (f->store, "T-ANN", "Ann", "Ashworth");
  f->ben = add_therapist (f->store, "T-BEN", "Ben", "Barker");
  f->overdue_case = add_referred_case (f->store, "Olive", "Ripon", FALSE, f->ann,
                                       &f->overdue_ref);
  f->urgent_case = add_referred_case (f->store, "Una", "Harrogate", TRUE, f->ann,
                                      &f->urgent_ref);
  f->other_case = add_referred_case (f->store, "Otto", "Leeds", FALSE, f->ben, &f->other_ref);

  /* Send Olive's referral OVERDUE_DAYS ago, behind the store's back. */
  g_clear_object (&f->store);
  sql = g_strdup_printf ("UPDATE referrals SET sent_at = '%s' WHERE case_id = %" G_GINT64_FORMAT,
                         sent_at, f->overdue_case);
  raw_exec (f, sql);
  open_store (f);
}

/* Ann logs in: the store is hers from here on. */
static void
become_ann (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wm_store_set_principal (f->store, -1, WM_ROLE_THERAPIST, f->ann, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  flush ();
  g_clear_object (&f->store);

  tmpdir_free (f->dir);
  g_free (f->path);
  g_free (f->urgent_ref);
  g_free (f->overdue_ref);
  g_free (f->other_ref);
  sodium_memzero (f->key, sizeof f->key);
}

/* The referral's state as stored, read through a system handle of its own: once declined,
 * the case is no longer the therapist's to see. */
static char *
stored_state (Fixture *f,
              gint64   case_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmStore) system = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(WmReferral) referral = NULL;

  g_assert_no_error (error);
  referrals = wm_store_list_referrals (system, case_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (referrals), ==, 1);
  referral = g_list_model_get_item (referrals, 0);
  return g_strdup (referral->state);
}

/* The buttons WmReferralActions shows, by label, sorted. */
static char *
shown_actions (GtkWidget *actions)
{
  g_autoptr(GPtrArray) buttons = find_widgets (actions, GTK_TYPE_BUTTON);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  for (guint i = 0; i < buttons->len; i++)
    if (gtk_widget_is_visible (buttons->pdata[i]))
      g_ptr_array_add (labels, (gpointer) gtk_button_get_label (buttons->pdata[i]));
  g_ptr_array_add (labels, NULL);
  return g_strjoinv ("|", (char **) labels->pdata);
}

static void
click (GtkWidget  *root,
       const char *label)
{
  GtkWidget *button = find_control (root, GTK_TYPE_BUTTON, label);

  g_assert_true (gtk_widget_is_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  flush ();
}

static void
record_id_cb (gpointer  instance,
              gint64    id,
              gpointer  user_data)
{
  *(gint64 *) user_data = id;
}

/* Tests */

static void
test_lists_own_cases (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *page;
  g_autoptr(GPtrArray) to_contact = NULL;
  g_autoptr(GPtrArray) in_contact = NULL;
  g_autoptr(GPtrArray) ended = NULL;
  g_autofree char *all = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  gboolean overdue_styled = FALSE;
  gint64 activated = 0;

  become_ann (f);
  page = wm_my_cases_page_new (f->store, f->ann);
  show_in_window (f, page);

  /* Exactly Ann's two, the overdue one first. */
  to_contact = list_rows (page_list (page, "To Contact"));
  in_contact = list_rows (page_list (page, "In Contact"));
  ended = list_rows (page_list (page, "Ended"));
  g_assert_cmpuint (to_contact->len, ==, 2);
  g_assert_cmpuint (in_contact->len, ==, 0);
  g_assert_cmpuint (ended->len, ==, 0);
  all = widget_text_if (page, gtk_widget_get_mapped);
  g_assert_null (strstr (all, f->other_ref));
  g_assert_null (strstr (all, "Otto"));

  g_assert_nonnull (strstr (to_contact->pdata[0], f->overdue_ref));
  g_assert_nonnull (strstr (to_contact->pdata[0], "Olive"));
  g_assert_nonnull (strstr (to_contact->pdata[0], "Ripon"));
  g_assert_nonnull (strstr (to_contact->pdata[0], "Referred 10 days ago"));
  g_assert_nonnull (strstr (to_contact->pdata[0], "Overdue by 3 days"));
  g_assert_nonnull (strstr (to_contact->pdata[1], f->urgent_ref));
  g_assert_nonnull (strstr (to_contact->pdata[1], "Una"));
  g_assert_nonnull (strstr (to_contact->pdata[1], "Referred today"));
  g_assert_nonnull (strstr (to_contact->pdata[1], "Contact due in 7 days"));
  /* Urgent, in words as well as colour, and nothing of the kind on the other. */
  g_assert_nonnull (strstr (to_contact->pdata[1], "Urgent"));
  g_assert_null (strstr (to_contact->pdata[0], "Urgent"));

  /* The overdue deadline carries the error style. */
  labels = find_widgets (GTK_WIDGET (nth_row (page_list (page, "To Contact"), 0)),
                         GTK_TYPE_LABEL);
  for (guint i = 0; i < labels->len; i++)
    if (g_str_has_prefix (gtk_label_get_text (labels->pdata[i]), "Overdue")
        && gtk_widget_has_css_class (labels->pdata[i], "error"))
      overdue_styled = TRUE;
  g_assert_true (overdue_styled);

  /* Opening a row names its case. */
  g_signal_connect (page, "case-activated", G_CALLBACK (record_id_cb), &activated);
  g_signal_emit_by_name (nth_row (page_list (page, "To Contact"), 1), "activate");
  g_assert_cmpint (activated, ==, f->urgent_case);
  g_signal_emit_by_name (nth_row (page_list (page, "To Contact"), 0), "activate");
  g_assert_cmpint (activated, ==, f->overdue_case);
}

static void
test_not_anothers (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *page;
  g_autofree char *text = NULL;

  /* Ann cannot see Ben's list: the page fails closed, showing nothing of it. */
  become_ann (f);
  page = wm_my_cases_page_new (f->store, f->ben);
  show_in_window (f, page);
  text = widget_text_if (page, gtk_widget_get_mapped);
  g_assert_nonnull (strstr (text, "Could not load your cases"));
  g_assert_null (strstr (text, f->other_ref));
  g_assert_null (strstr (text, "Otto"));
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *page;
  g_autofree char *text = NULL;
  gint64 cat = add_therapist (f->store, "T-CAT", "Cat", "Collins");

  page = wm_my_cases_page_new (f->store, cat);
  show_in_window (f, page);
  text = widget_text_if (page, gtk_widget_get_mapped);
  g_assert_nonnull (strstr (text, "No cases referred to you"));
  g_assert_null (strstr (text, f->urgent_ref));

  /* A referral sent to Cat appears without a reload. */
  {
    g_autofree char *ref = NULL;

    add_referred_case (f->store, "Ivy", "York", FALSE, cat, &ref);
    flush ();
    g_clear_pointer (&text, g_free);
    text = widget_text_if (page, gtk_widget_get_mapped);
    g_assert_nonnull (strstr (text, ref));
    g_assert_null (strstr (text, "No cases referred to you"));
  }
}

static void
test_referral_actions (Fixture       *f,
                       gconstpointer  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page;
  GtkWidget *actions;
  g_autofree char *shown = NULL;
  g_autofree char *state = NULL;
  g_autofree char *text = NULL;

  become_ann (f);
  page = wm_my_cases_page_new (f->store, f->ann);
  actions = wm_referral_actions_new (f->store, f->urgent_case, f->ann);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), actions);
  gtk_box_append (GTK_BOX (box), page);
  show_in_window (f, box);

  /* Sent: accept, contact, decline or no contact; not end. */
  shown = shown_actions (actions);
  g_assert_cmpstr (shown, ==, "_Accept|Record _First Contact|_Decline…|_No Contact…");
  text = widget_text_if (actions, gtk_widget_get_mapped);
  g_assert_nonnull (strstr (text, "Referred on "));
  g_assert_nonnull (strstr (text, "First contact due in 7 days"));

  click (actions, "_Accept");
  state = stored_state (f, f->urgent_case);
  g_assert_cmpstr (state, ==, "accepted");
  g_clear_pointer (&shown, g_free);
  shown = shown_actions (actions);
  g_assert_cmpstr (shown, ==, "Record _First Contact|_Decline…|_No Contact…");
  {
    g_autoptr(GPtrArray) rows = list_rows (page_list (page, "To Contact"));

    g_assert_cmpuint (rows->len, ==, 2);
    g_assert_nonnull (strstr (rows->pdata[1], "Accepted"));
  }

  /* First contact: the case moves to "In Contact" on the page. */
  click (actions, "Record _First Contact");
  g_clear_pointer (&state, g_free);
  state = stored_state (f, f->urgent_case);
  g_assert_cmpstr (state, ==, "first-contact");
  g_clear_pointer (&shown, g_free);
  shown = shown_actions (actions);
  g_assert_cmpstr (shown, ==, "_End Referral…");
  {
    g_autoptr(GPtrArray) to_contact = list_rows (page_list (page, "To Contact"));
    g_autoptr(GPtrArray) in_contact = list_rows (page_list (page, "In Contact"));

    g_assert_cmpuint (to_contact->len, ==, 1);
    g_assert_cmpuint (in_contact->len, ==, 1);
    g_assert_nonnull (strstr (in_contact->pdata[0], f->urgent_ref));
  }

  /* Ending asks first; Cancel changes nothing. */
  click (actions, "_End Referral…");
  answer_dialog (find_dialog (), "_Cancel");
  g_clear_pointer (&state, g_free);
  state = stored_state (f, f->urgent_case);
  g_assert_cmpstr (state, ==, "first-contact");
  click (actions, "_End Referral…");
  answer_dialog (find_dialog (), "_End Referral");
  g_clear_pointer (&state, g_free);
  state = stored_state (f, f->urgent_case);
  g_assert_cmpstr (state, ==, "ended");
  g_clear_pointer (&shown, g_free);
  shown = shown_actions (actions);
  g_assert_cmpstr (shown, ==, "");
  {
    g_autoptr(GPtrArray) ended = list_rows (page_list (page, "Ended"));

    g_assert_cmpuint (ended->len, ==, 1);
    g_assert_nonnull (strstr (ended->pdata[0], f->urgent_ref));
  }
}

static void
test_decline_needs_reason (Fixture       *f,
                           gconstpointer  data)
{
  GtkWidget *page;
  GtkWidget *actions;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  AdwMessageDialog *dialog;
  GtkWidget *confirm;
  GtkEditable *entry;
  g_autofree char *state = NULL;
  g_autofree char *text = NULL;

  become_ann (f);
  page = wm_my_cases_page_new (f->store, f->ann);
  actions = wm_referral_actions_new (f->store, f->overdue_case, f->ann);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), actions);
  gtk_box_append (GTK_BOX (box), page);
  show_in_window (f, box);

  text = widget_text_if (actions, gtk_widget_get_mapped);
  g_assert_nonnull (strstr (text, "First contact overdue by 3 days"));

  click (actions, "_Decline…");
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  confirm = dialog_button (dialog, "_Decline");
  entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  /* No reason, no declining: blanks do not count. */
  g_assert_false (gtk_widget_is_sensitive (confirm));
  gtk_editable_set_text (entry, "   ");
  g_assert_false (gtk_widget_is_sensitive (confirm));
  gtk_editable_set_text (entry, "No space until spring");
  g_assert_true (gtk_widget_is_sensitive (confirm));
  answer_dialog (dialog, "_Decline");

  state = stored_state (f, f->overdue_case);
  g_assert_cmpstr (state, ==, "declined");
  g_clear_pointer (&text, g_free);
  text = widget_text_if (actions, gtk_widget_get_mapped);
  g_assert_nonnull (strstr (text, "No space until spring"));
  {
    g_autofree char *shown = shown_actions (actions);

    g_assert_cmpstr (shown, ==, "");
  }

  /* Gone from the page: a declined referral is not the therapist's case. */
  {
    g_autoptr(GPtrArray) to_contact = list_rows (page_list (page, "To Contact"));

    g_assert_cmpuint (to_contact->len, ==, 1);
    g_assert_nonnull (strstr (to_contact->pdata[0], f->urgent_ref));
  }
}

static void
test_follows_changes (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(WmReferral) referral = NULL;
  GtkWidget *actions;
  g_autofree char *shown = NULL;
  g_autofree char *text = NULL;

  become_ann (f);
  actions = wm_referral_actions_new (f->store, f->urgent_case, f->ann);
  show_in_window (f, actions);

  /* Someone else moves the referral on meanwhile (another window): the widget follows... */
  referrals = wm_store_list_referrals (f->store, f->urgent_case, &error);
  g_assert_no_error (error);
  referral = g_list_model_get_item (referrals, 0);
  g_assert_true (wm_store_set_referral_state (f->store, referral, "accepted", NULL, &error));
  g_assert_no_error (error);
  flush ();
  shown = shown_actions (actions);
  g_assert_cmpstr (shown, ==, "Record _First Contact|_Decline…|_No Contact…");
  text = widget_text_if (actions, gtk_widget_get_mapped);
  g_assert_nonnull (strstr (text, "Accepted"));
}

static void
test_refused_inline (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmStore) elsewhere = NULL;
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(WmReferral) referral = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  GtkWidget *actions;
  GtkWidget *error_label = NULL;
  g_autofree char *state = NULL;

  become_ann (f);
  actions = wm_referral_actions_new (f->store, f->urgent_case, f->ann);
  show_in_window (f, actions);

  /* Another program moves the referral on through its own handle, so this one hears
   * nothing of it and still offers Accept. */
  elsewhere = wm_store_open (f->path, f->key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  referrals = wm_store_list_referrals (elsewhere, f->urgent_case, &error);
  g_assert_no_error (error);
  referral = g_list_model_get_item (referrals, 0);
  g_assert_true (wm_store_set_referral_state (elsewhere, referral, "first-contact", NULL,
                                              &error));
  g_assert_no_error (error);
  g_clear_object (&elsewhere);

  /* Accepting now is refused: the store's message shows under the buttons, nothing moves. */
  click (actions, "_Accept");
  state = stored_state (f, f->urgent_case);
  g_assert_cmpstr (state, ==, "first-contact");
  labels = find_widgets (actions, GTK_TYPE_LABEL);
  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_has_css_class (labels->pdata[i], "error")
        && gtk_widget_is_visible (labels->pdata[i]))
      error_label = labels->pdata[i];
  g_assert_nonnull (error_label);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (error_label)), "state:"));
}

/* Screenshot mode */

static void
screenshot (void)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  GtkWidget *page;
  g_autofree char *ref = NULL;
  gint64 in_contact;
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(WmReferral) referral = NULL;

  fixture_set_up (f, NULL);
  in_contact = add_referred_case (f->store, "Ivo", "Knaresborough", FALSE, f->ann, &ref);
  referrals = wm_store_list_referrals (f->store, in_contact, NULL);
  referral = g_list_model_get_item (referrals, 0);
  g_assert_true (wm_store_set_referral_state (f->store, referral, "first-contact", NULL, NULL));
  become_ann (f);
  page = wm_my_cases_page_new (f->store, f->ann);
  show_in_window (f, page);
  gtk_window_set_default_size (f->window, 800, 640);
  for (gint64 end = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;
       g_get_monotonic_time () < end;)
    {
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
    }
  fixture_tear_down (f, NULL);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  g_assert_cmpint (sodium_init (), >=, 0);

  app = test_application_new ();

  if (g_strcmp0 (g_getenv ("WM_TEST_SCREENSHOT"), "my-cases") == 0)
    {
      screenshot ();
      g_object_unref (app);
      return 0;
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/my-cases/lists-own-cases", test_lists_own_cases);
  ADD ("/my-cases/not-anothers", test_not_anothers);
  ADD ("/my-cases/empty", test_empty);
  ADD ("/my-cases/referral-actions", test_referral_actions);
  ADD ("/my-cases/decline-needs-reason", test_decline_needs_reason);
  ADD ("/my-cases/follows-changes", test_follows_changes);
  ADD ("/my-cases/refused-inline", test_refused_inline);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
