/* test-therapists.c: the therapist directory and form, in process.
 *
 * A register of 50 therapists (varied specialisms, some not accepting, some with lapsed
 * insurance, some inactive) is written through the store; the page is then driven the way a
 * person would (typing, ticking filters, editing rows, pressing Save) and checked against
 * the store. Controls are found by what they show or their accessible name, not by struct
 * field. Needs a display: run under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <adwaita.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-session.h"
#include "wm-therapist-editor.h"
#include "wm-therapists-page.h"
#include "wm-validate.h"
#include "wm-vocab.h"

#define N_THERAPISTS 50

static WmApplication *app;

typedef struct
{
  char *dir;
  char *path;
  WmSession *session;
  WmStore *store;
  GtkWindow *window;
  WmTherapistsPage *page;
} Fixture;

/* The register: who is what follows from the index, so the tests can count. */

static gboolean
is_active (guint i)
{
  return i % 10 != 9;
}

static gboolean
is_accepting (guint i)
{
  return i % 5 != 0;
}

static gboolean
has_expired_insurance (guint i)
{
  return i % 7 == 3;
}

static gboolean
has_young_people (guint i)
{
  return i % 4 == 1;
}

static const char *
town_of (guint i)
{
  static const char *towns[] = { "Leeds", "York", "Harrogate", "Bradford", "Wakefield" };

  return towns[i % G_N_ELEMENTS (towns)];
}

static char *
date_days_ago (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, -days);

  return g_date_time_format (then, "%Y-%m-%d");
}

static void
fill_register (Fixture *f)
{
  static const char *given[] = { "Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Kim" };
  static const struct { const char *postcode; double lat; double lon; } places[] = {
    { "LS1 4AP", 53.7997, -1.5492 },
    { "YO1 7HH", 53.9590, -1.0815 },
    { "HG1 1BB", 53.9921, -1.5418 },
    { "BD1 1HY", 53.7960, -1.7594 },
    { "WF1 2AA", 53.6833, -1.4977 },
  };
  g_autofree char *dbs = date_days_ago (200);
  g_autoptr(GError) commit_error = NULL;

  /* One transaction: one sync to disk rather than fifty. */
  wm_store_begin (f->store, &commit_error);
  g_assert_no_error (commit_error);
  for (guint i = 0; i < N_THERAPISTS; i++)
    {
      g_autoptr(WmTherapist) t = wm_therapist_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GStrvBuilder) codes = g_strv_builder_new ();
      g_auto(GStrv) specialisms = NULL;
      g_autofree char *family = g_strdup_printf ("Family%02u", i);
      g_autofree char *external_id = g_strdup_printf ("T-%04u", i + 1);
      WmRecord *r = WM_RECORD (t);

      wm_record_set_string (r, "external_id", external_id);
      wm_record_set_string (r, "given_name", given[i % G_N_ELEMENTS (given)]);
      /* One memorable name for the searches. */
      wm_record_set_string (r, "family_name", i == 17 ? "Okonkwo" : family);
      wm_record_set_string (r, "email", "therapist@example.org");
      wm_record_set_string (r, "town", town_of (i));
      wm_record_set_string (r, "postcode", places[i % G_N_ELEMENTS (places)].postcode);
      wm_record_set_double (r, "latitude", places[i % G_N_ELEMENTS (places)].lat);
      wm_record_set_double (r, "longitude", places[i % G_N_ELEMENTS (places)].lon);
      wm_record_set_bool (r, "in_person", TRUE);
      wm_record_set_bool (r, "online", i % 2 == 0);
      wm_record_set_int (r, "max_caseload", 8);
      wm_record_set_bool (r, "accepting", is_accepting (i));
      wm_record_set_bool (r, "active", is_active (i));
      wm_record_set_string (r, "registration_body", "BACP");
      wm_record_set_string (r, "registration_expires", "2099-12-31");
      wm_record_set_string (r, "insurance_expires",
                            has_expired_insurance (i) ? "2020-03-03" : "2099-12-31");
      wm_record_set_string (r, "dbs_checked", dbs);
      wm_record_set_bool (r, "training_completed", TRUE);

      g_strv_builder_add (codes, "pre-offence");
      if (i % 3 == 0)
        g_strv_builder_add (codes, "online-offending");
      if (has_young_people (i))
        g_strv_builder_add (codes, "young-people");
      specialisms = g_strv_builder_end (codes);
      wm_record_set_strv (r, "specialisms", (const char * const *) specialisms);

      wm_store_save_therapist (f->store, t, &error);
      g_assert_no_error (error);
    }
  wm_store_commit (f->store, &commit_error);
  g_assert_no_error (commit_error);
}

/* Lets GTK lay out and draw, so list rows exist for what is on screen. */
static void
settle (void)
{
  gint64 end = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (5000);
    }
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = tmpdir_new ();
  f->path = g_build_filename (f->dir, "test.waymark", NULL);
  f->session = create_test_session (f->path, "Test Trust", "admin", "Ada Admin",
                                    "correct horse battery", NULL);
  f->store = wm_session_get_store (f->session);
  fill_register (f);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1000, 800);
  f->page = WM_THERAPISTS_PAGE (wm_therapists_page_new (f->session));
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);
  wait_until_mapped (GTK_WIDGET (f->page));
  settle ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      gtk_window_destroy (l->data);
  g_list_free (toplevels);

  gtk_window_destroy (f->window);
  settle ();
  wm_session_lock (f->session);
  g_clear_object (&f->session);
  g_free (f->path);
  tmpdir_free (f->dir);
}

/* Finding controls */

static GtkWidget *
find_by_accessible_label (GtkWidget  *root,
                          GType       type,
                          const char *label)
{
  g_autoptr(GPtrArray) widgets = find_widgets (root, type);

  for (guint i = 0; i < widgets->len; i++)
    if (has_accessible_label (widgets->pdata[i], label))
      return widgets->pdata[i];
  g_error ("no %s named “%s”", g_type_name (type), label);
  return NULL;
}

static GtkCheckButton *
find_check (Fixture    *f,
            const char *label)
{
  g_autoptr(GPtrArray) checks = find_widgets (GTK_WIDGET (f->page), GTK_TYPE_CHECK_BUTTON);

  for (guint i = 0; i < checks->len; i++)
    if (g_strcmp0 (gtk_check_button_get_label (checks->pdata[i]), label) == 0)
      return checks->pdata[i];
  g_error ("no check button “%s”", label);
  return NULL;
}

/* An editor row by its title (entry rows, action rows). */
static GtkWidget *
find_row (Fixture    *f,
          const char *title)
{
  g_autoptr(GPtrArray) rows = find_widgets (GTK_WIDGET (f->page), ADW_TYPE_PREFERENCES_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
      return rows->pdata[i];
  g_error ("no row “%s”", title);
  return NULL;
}

static GtkButton *
find_save (Fixture *f)
{
  g_autoptr(GPtrArray) buttons = find_widgets (GTK_WIDGET (f->page), GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), "_Save") == 0)
      return buttons->pdata[i];
  g_error ("no Save button");
  return NULL;
}

static GtkListView *
find_list (Fixture *f)
{
  /* Drop-downs have list views of their own, in popovers. */
  return GTK_LIST_VIEW (find_by_accessible_label (GTK_WIDGET (f->page), GTK_TYPE_LIST_VIEW,
                                                  "Therapists"));
}

static guint
n_listed (Fixture *f)
{
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (find_list (f))));
}

static WmTherapist *
listed (Fixture *f,
        guint    position)
{
  return g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (find_list (f))), position);
}

static guint
expected (gboolean (*predicate) (guint i))
{
  guint n = 0;

  for (guint i = 0; i < N_THERAPISTS; i++)
    if (is_active (i) && (predicate == NULL || predicate (i)))
      n++;
  return n;
}

/* Typing in the search entry filters after a short delay, as for a person. */
static void
search (Fixture    *f,
        const char *text,
        guint       n_expected)
{
  GtkWidget *entry = find_by_accessible_label (GTK_WIDGET (f->page), GTK_TYPE_SEARCH_ENTRY,
                                               "Search therapists");
  gint64 end = g_get_monotonic_time () + 3 * G_TIME_SPAN_SECOND;

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  while (n_listed (f) != n_expected && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (n_listed (f), ==, n_expected);
}

/* The row widgets drawn for the list, with the labels they show. */
static gboolean
list_shows_label (Fixture    *f,
                  const char *text)
{
  g_autoptr(GPtrArray) labels = find_widgets (GTK_WIDGET (find_list (f)), GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_mapped (labels->pdata[i])
        && strstr (gtk_label_get_text (labels->pdata[i]), text) != NULL)
      return TRUE;
  return FALSE;
}

static void
select_position (Fixture *f,
                 guint    position)
{
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_list_view_get_model (find_list (f))),
                                     position);
  settle ();
}

/* Tests */

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *drop_down;
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  guint young_people = 0;

  /* Active only by default. */
  g_assert_cmpuint (n_listed (f), ==, expected (NULL));
  g_assert_cmpuint (n_listed (f), ==, 45);

  /* Searching by name, town, therapist ID, postcode district; words narrow it down. */
  search (f, "okonkwo", 1);
  {
    g_autoptr(WmTherapist) t = listed (f, 0);

    g_assert_cmpstr (t->family_name, ==, "Okonkwo");
  }
  search (f, "harrogate", 10);
  search (f, "HG1", 10);
  search (f, "T-0018", 1);
  search (f, "harrogate sam", 1);
  search (f, "nobody-is-called-this", 0);
  search (f, "", expected (NULL));

  /* Specialism */
  drop_down = find_by_accessible_label (GTK_WIDGET (f->page), GTK_TYPE_DROP_DOWN, "Specialism");
  for (guint i = 0; i < n; i++)
    if (g_str_equal (entries[i].code, "young-people"))
      young_people = i + 1; /* after "Any specialism" */
  g_assert_cmpuint (young_people, >, 0);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (drop_down), young_people);
  g_assert_cmpuint (n_listed (f), ==, expected (has_young_people));
  for (guint i = 0; i < n_listed (f); i++)
    {
      g_autoptr(WmTherapist) t = listed (f, i);

      g_assert_true (wm_therapist_has_specialism (t, "young-people"));
    }
  gtk_drop_down_set_selected (GTK_DROP_DOWN (drop_down), 0);
  g_assert_cmpuint (n_listed (f), ==, expected (NULL));

  /* Accepting, compliance problems, each alone. */
  gtk_check_button_set_active (find_check (f, "Accepting new clients only"), TRUE);
  g_assert_cmpuint (n_listed (f), ==, expected (is_accepting));
  gtk_check_button_set_active (find_check (f, "Accepting new clients only"), FALSE);

  gtk_check_button_set_active (find_check (f, "Compliance problems only"), TRUE);
  g_assert_cmpuint (n_listed (f), ==, expected (has_expired_insurance));
  g_assert_cmpuint (n_listed (f), >, 0);
  gtk_check_button_set_active (find_check (f, "Compliance problems only"), FALSE);

  /* Inactive ones too */
  gtk_check_button_set_active (find_check (f, "Show inactive"), TRUE);
  g_assert_cmpuint (n_listed (f), ==, N_THERAPISTS);
  gtk_check_button_set_active (find_check (f, "Show inactive"), FALSE);
  g_assert_cmpuint (n_listed (f), ==, expected (NULL));

  /* Sorted by family name. */
  for (guint i = 1; i < n_listed (f); i++)
    {
      g_autoptr(WmTherapist) a = listed (f, i - 1);
      g_autoptr(WmTherapist) b = listed (f, i);

      g_assert_cmpint (g_utf8_collate (a->family_name, b->family_name), <=, 0);
    }
}

static void
test_compliance_warning (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) images = NULL;
  guint warnings = 0;

  /* Therapist 3 (Family03) has insurance that lapsed on 3 March 2020. */
  search (f, "Family03", 1);
  settle ();
  g_assert_true (list_shows_label (f, "Family03"));
  g_assert_true (list_shows_label (f, "8 of 8 places free"));

  images = find_widgets (GTK_WIDGET (find_list (f)), GTK_TYPE_IMAGE);
  for (guint i = 0; i < images->len; i++)
    {
      GtkWidget *image = images->pdata[i];

      if (!gtk_widget_get_mapped (image))
        continue;
      warnings++;
      g_assert_cmpstr (gtk_widget_get_tooltip_text (image), ==, "Insurance expired on 3 Mar 2020");
      g_assert_true (has_accessible_label (image, "Insurance expired on 3 Mar 2020"));
    }
  g_assert_cmpuint (warnings, ==, 1);

  /* Someone in order shows none. */
  search (f, "Family04", 1);
  settle ();
  images = (g_ptr_array_unref (images), find_widgets (GTK_WIDGET (find_list (f)), GTK_TYPE_IMAGE));
  for (guint i = 0; i < images->len; i++)
    g_assert_false (gtk_widget_get_mapped (images->pdata[i]));

  /* The form explains it next to the date. */
  search (f, "Family03", 1);
  select_position (f, 0);
  {
    GtkWidget *row = find_row (f, "Insurance expires");

    g_assert_true (gtk_widget_has_css_class (row, "error"));
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                     "Expired on 3 March 2020: no referrals until renewed");
    g_assert_false (gtk_widget_has_css_class (find_row (f, "Registration expires"), "error"));
  }
}

static void
test_compliance_rules (void)
{
  WmCompliance c;
  GDate date;
  guint32 today;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, 3, G_DATE_MARCH, 2026);
  today = g_date_get_julian (&date);

  /* Valid through the expiry day; the DBS check until the same day N years on. */
  g_assert_false (wm_compliance_check (&c, "2026-03-03", "2026-03-03", "2023-03-03", TRUE,
                                       today, 3));
  g_assert_true (wm_compliance_check (&c, "2026-03-03", "2026-03-02", "2023-03-03", TRUE,
                                      today, 3));
  g_assert_cmpint (c.state[WM_COMPLIANCE_INSURANCE], ==, WM_COMPLIANCE_EXPIRED);
  g_assert_cmpint (c.state[WM_COMPLIANCE_REGISTRATION], ==, WM_COMPLIANCE_OK);
  {
    g_autofree char *text = wm_compliance_describe (&c);

    g_assert_cmpstr (text, ==, "Insurance expired on 2 Mar 2026");
  }

  g_assert_true (wm_compliance_check (&c, "2027-01-01", "2027-01-01", "2023-03-02", TRUE,
                                      today, 3));
  g_assert_cmpint (c.state[WM_COMPLIANCE_DBS], ==, WM_COMPLIANCE_EXPIRED);
  g_assert_false (wm_compliance_check (&c, "2027-01-01", "2027-01-01", "2023-03-02", TRUE,
                                       today, 5));

  /* Unknown dates and missing training are problems too. */
  g_assert_true (wm_compliance_check (&c, NULL, "2027-01-01", "2025-01-01", TRUE, today, 3));
  g_assert_cmpint (c.state[WM_COMPLIANCE_REGISTRATION], ==, WM_COMPLIANCE_MISSING);
  g_assert_true (wm_compliance_check (&c, "2027-01-01", "2027-01-01", "2025-01-01", FALSE,
                                      today, 3));
  {
    g_autofree char *text = wm_compliance_describe (&c);

    g_assert_cmpstr (text, ==, "Specialist training not completed");
  }
}

static void
test_edit_and_save (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(WmTherapist) chosen = NULL;
  g_autoptr(WmTherapist) saved = NULL;
  g_autoptr(GError) error = NULL;
  GtkButton *save = find_save (f);
  GtkWidget *family;
  GtkWidget *caseload;
  gint64 id;

  search (f, "Okonkwo", 1);
  chosen = listed (f, 0);
  id = wm_record_get_id (WM_RECORD (chosen));
  select_position (f, 0);

  family = find_row (f, "Family name");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (family)), ==, "Okonkwo");
  /* Unchanged: nothing to save. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (save)));

  gtk_editable_set_text (GTK_EDITABLE (family), "Okonkwo-Reid");
  caseload = find_by_accessible_label (find_row (f, "Maximum caseload"), GTK_TYPE_SPIN_BUTTON,
                                       "Maximum caseload");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (caseload), 12);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  g_signal_emit_by_name (save, "clicked");
  settle ();

  saved = wm_store_get_therapist (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (saved->family_name, ==, "Okonkwo-Reid");
  g_assert_cmpint (saved->max_caseload, ==, 12);
  /* Everything else as it was. */
  g_assert_cmpstr (saved->given_name, ==, chosen->given_name);
  g_assert_cmpstr (saved->insurance_expires, ==, chosen->insurance_expires);
  g_assert_true (g_strv_equal ((const char * const *) saved->specialisms,
                               (const char * const *) chosen->specialisms));
  g_assert_cmpfloat (saved->latitude, ==, chosen->latitude);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (save)));

  /* The list follows through WmStore::changed. */
  search (f, "Okonkwo", 1);
  settle ();
  g_assert_true (list_shows_label (f, "Okonkwo-Reid"));
  g_assert_true (list_shows_label (f, "12 of 12 places free"));
  {
    GtkSingleSelection *selection =
      GTK_SINGLE_SELECTION (gtk_list_view_get_model (find_list (f)));

    g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  }
}

static void
test_invalid_email (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) expected_error = NULL;
  GtkButton *save = find_save (f);
  GtkWidget *email;
  GtkWidget *given;
  GtkWidget *next;
  g_autoptr(GPtrArray) labels = NULL;
  const char *problem;
  gboolean shown = FALSE;

  select_position (f, 0);
  email = find_row (f, "E-mail");
  given = find_row (f, "Given name");

  /* The message is the core's, without the column name. */
  g_assert_false (wm_validate_email ("email", "not an address", FALSE, &expected_error));
  problem = strstr (expected_error->message, ": ") + 2;

  gtk_editable_set_text (GTK_EDITABLE (given), "Changed");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  gtk_editable_set_text (GTK_EDITABLE (email), "not an address");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  g_assert_true (gtk_widget_has_css_class (email, "error"));

  /* Shown right under the field. */
  next = gtk_widget_get_next_sibling (email);
  g_assert_nonnull (next);
  g_assert_true (gtk_widget_get_visible (next));
  labels = find_widgets (next, GTK_TYPE_LABEL);
  for (guint i = 0; i < labels->len; i++)
    /* The core's words, capitalised to start the line. */
    shown |= g_ascii_strcasecmp (gtk_label_get_text (labels->pdata[i]), problem) == 0;
  g_assert_true (shown);
  g_assert_false (wm_therapists_page_save (f->page));

  /* Fixing it clears the message and allows saving. */
  gtk_editable_set_text (GTK_EDITABLE (email), "someone@example.org");
  g_assert_false (gtk_widget_has_css_class (email, "error"));
  g_assert_false (gtk_widget_get_visible (next));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (save)));

  /* So does a fee the wrong way round, reported by wm_therapist_check(). */
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Lowest fee per session (£)")), "80");
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Highest fee per session (£)")), "50");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  g_assert_true (gtk_widget_has_css_class (find_row (f, "Highest fee per session (£)"), "error"));
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Highest fee per session (£)")), "£90");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (save)));
}

static void
test_new_therapist (Fixture       *f,
                    gconstpointer  data)
{
  GtkWidget *new_button = find_by_accessible_label (GTK_WIDGET (f->page), GTK_TYPE_BUTTON,
                                                    "New Therapist");
  GtkButton *save = find_save (f);
  gint64 before = wm_store_count_therapists (f->store);
  guint listed_before = n_listed (f);
  GtkWidget *online;
  GtkWidget *in_person;

  g_signal_emit_by_name (new_button, "clicked");
  settle ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (f, "Family name"))), ==, "");
  /* Names are required: Save says so, the blank form is not red all over before anything
   * was typed, and a name typed and then removed is marked. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (save)), ==,
                   "Given name: Is required");
  g_assert_false (gtk_widget_has_css_class (find_row (f, "Family name"), "error"));
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Family name")), "A");
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Family name")), "");
  g_assert_true (gtk_widget_has_css_class (find_row (f, "Family name"), "error"));

  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Given name")), "Nadia");
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Family name")), "Aabel");
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Therapist ID")), "T-9000");
  /* Online only: no location needed. */
  in_person = find_by_accessible_label (GTK_WIDGET (f->page), GTK_TYPE_SWITCH,
                                        "Sees clients in person");
  online = find_by_accessible_label (GTK_WIDGET (f->page), GTK_TYPE_SWITCH,
                                     "Sees clients online");
  gtk_switch_set_active (GTK_SWITCH (in_person), FALSE);
  gtk_switch_set_active (GTK_SWITCH (online), TRUE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  g_assert_true (wm_therapists_page_save (f->page));
  settle ();

  g_assert_cmpint (wm_store_count_therapists (f->store), ==, before + 1);
  g_assert_cmpuint (n_listed (f), ==, listed_before + 1);
  {
    /* First by family name, selected, and saved as entered. */
    g_autoptr(WmTherapist) first = listed (f, 0);
    g_autoptr(WmTherapist) stored = wm_store_find_therapist (f->store, "T-9000", NULL);
    GtkSingleSelection *selection =
      GTK_SINGLE_SELECTION (gtk_list_view_get_model (find_list (f)));

    g_assert_cmpstr (first->family_name, ==, "Aabel");
    g_assert_nonnull (stored);
    g_assert_cmpstr (stored->given_name, ==, "Nadia");
    g_assert_false (stored->in_person);
    g_assert_true (stored->online);
    g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  }
  g_assert_true (list_shows_label (f, "Aabel"));

  /* A second one with the same ID: the store refuses, the form says why, next to the ID. */
  g_signal_emit_by_name (new_button, "clicked");
  settle ();
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Given name")), "Other");
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Family name")), "Person");
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Therapist ID")), "T-9000");
  gtk_switch_set_active (GTK_SWITCH (in_person), FALSE);
  gtk_switch_set_active (GTK_SWITCH (online), TRUE);
  g_assert_false (wm_therapists_page_save (f->page));
  g_assert_true (gtk_widget_has_css_class (find_row (f, "Therapist ID"), "error"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  g_assert_cmpint (wm_store_count_therapists (f->store), ==, before + 1);
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  AdwMessageDialog *found = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static void
test_unsaved_changes (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(WmTherapist) first = listed (f, 0);
  g_autoptr(WmTherapist) second = listed (f, 1);
  g_autoptr(WmTherapist) stored = NULL;
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (find_list (f)));
  AdwMessageDialog *dialog;

  select_position (f, 0);
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Phone")), "0113 496 0000");

  /* Choosing another asks first, and Cancel keeps the edits and the selection. */
  select_position (f, 1);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  adw_message_dialog_response (dialog, "cancel");
  settle ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (f, "Phone"))), ==,
                   "0113 496 0000");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (f, "Family name"))), ==,
                   first->family_name);

  /* Save stores them, then opens the other one. */
  select_position (f, 1);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "save");
  settle ();
  stored = wm_store_get_therapist (f->store, wm_record_get_id (WM_RECORD (first)), NULL);
  g_assert_cmpstr (stored->phone, ==, "0113 496 0000");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (f, "Family name"))), ==,
                   second->family_name);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 1);

  /* Discard drops them. */
  gtk_editable_set_text (GTK_EDITABLE (find_row (f, "Phone")), "0113 496 0999");
  select_position (f, 0);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "discard");
  settle ();
  g_clear_object (&stored);
  stored = wm_store_get_therapist (f->store, wm_record_get_id (WM_RECORD (second)), NULL);
  g_assert_cmpstr (stored->phone, !=, "0113 496 0999");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (f, "Family name"))), ==,
                   first->family_name);
}

static void
test_follows_store (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(WmTherapist) t = NULL;
  g_autoptr(GError) error = NULL;
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (find_list (f)));

  search (f, "Okonkwo", 1);
  select_position (f, 0);
  search (f, "", expected (NULL));
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), !=, GTK_INVALID_LIST_POSITION);

  /* Changed elsewhere (another window, an import): list and form follow, selection stays. */
  t = wm_store_find_therapist (f->store, "T-0018", &error);
  g_assert_no_error (error);
  wm_record_set_string (WM_RECORD (t), "family_name", "Aaronson");
  wm_store_save_therapist (f->store, t, &error);
  g_assert_no_error (error);
  settle ();

  {
    g_autoptr(WmTherapist) first = listed (f, 0);

    g_assert_cmpstr (first->family_name, ==, "Aaronson");
  }
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (f, "Family name"))), ==,
                   "Aaronson");
  g_assert_true (list_shows_label (f, "Aaronson"));

  /* Made inactive elsewhere: gone from the list. */
  wm_record_set_bool (WM_RECORD (t), "active", FALSE);
  wm_store_save_therapist (f->store, t, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_listed (f), ==, expected (NULL) - 1);
}

static void
test_places_free (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(WmCase) kase = wm_case_new ();
  g_autoptr(WmTherapist) t = NULL;
  g_autoptr(WmReferral) referral = NULL;
  g_autoptr(GError) error = NULL;

  search (f, "Okonkwo", 1);
  settle ();
  g_assert_true (list_shows_label (f, "8 of 8 places free"));

  /* A referral sent to them takes a place, and the row says so without a reload. */
  wm_record_set_string (WM_RECORD (wm_case_get_client (kase)), "given_name", "Client");
  wm_store_save_case (f->store, kase, &error);
  g_assert_no_error (error);
  wm_store_set_case_status (f->store, kase, "triage", NULL, &error);
  g_assert_no_error (error);
  wm_store_set_case_status (f->store, kase, "matching", NULL, &error);
  g_assert_no_error (error);
  t = wm_store_find_therapist (f->store, "T-0018", &error);
  g_assert_no_error (error);
  referral = wm_store_create_referral (f->store, wm_record_get_id (WM_RECORD (kase)),
                                       wm_record_get_id (WM_RECORD (t)), 0.5, "test", &error);
  g_assert_no_error (error);
  settle ();
  g_assert_true (list_shows_label (f, "7 of 8 places free"));
  g_assert_false (list_shows_label (f, "8 of 8 places free"));
}

static void
test_controls_named (Fixture       *f,
                     gconstpointer  data)
{
  /* The directory and the form, both on screen. */
  select_position (f, 0);
  /* Search, filters, list rows' neighbours, and the whole form. */
  g_assert_cmpuint (assert_controls_named (GTK_WIDGET (f->window)), >, 40);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  app = test_application_new ();

  g_test_add_func ("/therapists/compliance-rules", test_compliance_rules);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/therapists/filters", test_filters);
  ADD ("/therapists/compliance-warning", test_compliance_warning);
  ADD ("/therapists/edit-and-save", test_edit_and_save);
  ADD ("/therapists/invalid-email", test_invalid_email);
  ADD ("/therapists/new-therapist", test_new_therapist);
  ADD ("/therapists/unsaved-changes", test_unsaved_changes);
  ADD ("/therapists/follows-store", test_follows_store);
  ADD ("/therapists/places-free", test_places_free);
  ADD ("/therapists/controls-named", test_controls_named);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
