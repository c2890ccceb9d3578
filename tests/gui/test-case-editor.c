/* test-case-editor.c: the case editor and the location row, in process.
 *
 * The widgets are found the way a person finds them, by the titles of their rows (and the
 * accessible names a screen reader would speak), not by struct fields. The tests check that
 * a case shows and round-trips through apply field for field; that bad values are named next
 * to their field, keep "valid" false and leave the case alone; "dirty"; the town search, the
 * postcode and the precision of the location row; and that every control has a name. Needs a
 * display: run under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gui-test-util.h"
#include "wm-case-editor.h"
#include "wm-location-row.h"
#include "wm-model.h"
#include "wm-resources.h"

/* Long enough for the first gazetteer search (it loads the gazetteer) on a slow machine. */
#define SEARCH_TIMEOUT_S 10

/* Columns the editor does not edit: the store's, the status (changed through the case view's
 * transitions only), and outcome and links (set elsewhere). Every other column of a case and
 * its client must round-trip, so a column added later cannot be forgotten by the form. */
static const char * const not_edited[] = {
  "reference", "client_id", "status", "linked_case_id", "assigned_therapist_id", "opened_at",
  "closed_at", "outcome", "created_by", "updated_by", "updated_at",
  /* The client's own language; the form asks for the language of therapy (the case's). */
  "language@clients",
  NULL
};

/* Widgets */

static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  g_autoptr(GPtrArray) rows = find_widgets (root, ADW_TYPE_PREFERENCES_ROW);
  GtkWidget *found = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = rows->pdata[i];
      GtkWidget *outer = gtk_widget_get_ancestor (gtk_widget_get_parent (row),
                                                  ADW_TYPE_PREFERENCES_ROW);

      if (g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) != 0)
        continue;
      /* An expander row draws its title with a row of its own inside. */
      if (outer != NULL
          && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (outer)), title) == 0)
        continue;
      if (found != NULL)
        g_error ("two rows titled “%s”", title);
      found = row;
    }
  if (found == NULL)
    g_error ("no row titled “%s”", title);
  return found;
}

/* The switch or check button a row toggles. */
static GtkWidget *
row_control (GtkWidget  *root,
             const char *title)
{
  GtkWidget *row = find_row (root, title);
  GtkWidget *control = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));

  g_assert_nonnull (control);
  return control;
}

static void
set_switch (GtkWidget  *root,
            const char *title,
            gboolean    active)
{
  gtk_switch_set_active (GTK_SWITCH (row_control (root, title)), active);
}

static gboolean
get_switch (GtkWidget  *root,
            const char *title)
{
  return gtk_switch_get_active (GTK_SWITCH (row_control (root, title)));
}

static void
set_entry (GtkWidget  *root,
           const char *title,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (find_row (root, title)), text);
}

static const char *
get_entry (GtkWidget  *root,
           const char *title)
{
  return gtk_editable_get_text (GTK_EDITABLE (find_row (root, title)));
}

/* Enter in an entry row: what a person does to say they are done with it. */
static void
commit_entry (GtkWidget  *root,
              const char *title)
{
  g_signal_emit_by_name (find_row (root, title), "entry-activated");
}

/* Picks the item of a combo row by its label, as a person would. */
static void
choose (GtkWidget  *root,
        const char *title,
        const char *label)
{
  AdwComboRow *row = ADW_COMBO_ROW (find_row (root, title));
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), label) == 0)
      {
        adw_combo_row_set_selected (row, i);
        return;
      }
  g_error ("“%s” has no item “%s”", title, label);
}

static const char *
chosen (GtkWidget  *root,
        const char *title)
{
  AdwComboRow *row = ADW_COMBO_ROW (find_row (root, title));

  return gtk_string_object_get_string (adw_combo_row_get_selected_item (row));
}

/* The check button of the row @label inside the expander row @title. */
static GtkCheckButton *
specialism_check (GtkWidget  *root,
                  const char *title,
                  const char *label)
{
  GtkWidget *expander = find_row (root, title);

  return GTK_CHECK_BUTTON (row_control (expander, label));
}

static const char *
expander_subtitle (GtkWidget  *root,
                   const char *title)
{
  return adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (find_row (root, title)));
}

static GtkSpinButton *
distance_spin (GtkWidget *root)
{
  return GTK_SPIN_BUTTON (row_control (root, "Maximum distance (km)"));
}

static char *
text_view_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static GtkTextView *
text_view_named (GtkWidget  *root,
                 const char *name)
{
  g_autoptr(GPtrArray) views = find_widgets (root, GTK_TYPE_TEXT_VIEW);

  for (guint i = 0; i < views->len; i++)
    {
      g_autofree char *actual = NULL;

      if (!gtk_test_accessible_has_property (views->pdata[i], GTK_ACCESSIBLE_PROPERTY_LABEL))
        continue;
      actual = gtk_test_accessible_check_property (views->pdata[i],
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL, name);
      if (actual == NULL)
        return views->pdata[i];
    }
  g_error ("no text view named “%s”", name);
}

/* A label on screen that says @text, or (with @partial) that says it among other things. */
static gboolean
shows_text (GtkWidget  *root,
            const char *text,
            gboolean    partial)
{
  g_autoptr(GPtrArray) labels = find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      const char *label = gtk_label_get_text (labels->pdata[i]);

      if (gtk_widget_get_mapped (labels->pdata[i])
          && (partial ? strstr (label, text) != NULL : g_str_equal (label, text)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
shows_label (GtkWidget  *root,
             const char *text)
{
  return shows_text (root, text, FALSE);
}

static void
drain_events (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GtkWindow *
show_in_window (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *page;

  /* The location row goes into a preferences group, as its users put it. */
  if (WM_IS_LOCATION_ROW (child))
    {
      GtkWidget *group = adw_preferences_group_new ();

      page = adw_preferences_page_new ();
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), child);
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
      child = page;
    }
  gtk_window_set_default_size (window, 700, 800);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  wait_until_mapped (child);
  return window;
}

/* Records */

static WmCase *
filled_case (void)
{
  WmCase *kase = wm_case_new ();
  const char *needs[] = { "trauma", "online-offending", NULL };
  const char *desired[] = { "family-partners", NULL };

  g_object_set (kase->client,
                "given-name", "Ada",
                "family-name", "Lovelace",
                "preferred-name", "Addie",
                "gender", "female",
                "birth-year", (gint64) 1985,
                "phone", "07700 900123",
                "email", "ada@example.org",
                "address", "1 Station Road\nHarrogate",
                "town", "Harrogate",
                "latitude", 53.99078,
                "longitude", -1.5373,
                "postcode", "HG1 1AA",
                "location-precision", "postcode",
                "contact-voicemail-ok", TRUE,
                "contact-letter-ok", FALSE,
                "contact-email-ok", TRUE,
                NULL);
  /* needs out of vocabulary order: apply must keep the order it was given. */
  g_object_set (kase,
                "category", "offended-online",
                "cjs-status", "under-investigation",
                "police-aware", TRUE,
                "needs", needs,
                "desired", desired,
                "preferred-gender", "male",
                "gender-required", TRUE,
                "language", "Polish",
                "online-ok", FALSE,
                "max-distance-km", (gint64) 25,
                "funding", "hardship",
                "risk-safeguarding", FALSE,
                "risk-self-harm", TRUE,
                "urgent", TRUE,
                "notes", "Called after a search warrant.\nCalls after 6pm only.",
                NULL);
  return kase;
}

static gboolean
is_edited (const char *table,
           const char *column)
{
  g_autofree char *qualified = g_strdup_printf ("%s@%s", column, table);

  return !g_strv_contains (not_edited, column) && !g_strv_contains (not_edited, qualified);
}

/* Every column of @a and @b that the editor edits is equal (or, with @edited_only FALSE,
 * every column at all). */
static void
assert_records_equal (WmRecord *a,
                      WmRecord *b,
                      gboolean  edited_only)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (a);

  for (guint i = 0; i < klass->n_fields; i++)
    {
      const WmField *field = &klass->fields[i];
      const char *column = field->column;

      if (edited_only && !is_edited (klass->table, column))
        continue;

      switch (field->type)
        {
        case WM_FIELD_STRING:
          if (g_strcmp0 (wm_record_get_string (a, column), wm_record_get_string (b, column)) != 0)
            g_error ("%s: “%s” ≠ “%s”", column, wm_record_get_string (a, column),
                     wm_record_get_string (b, column));
          break;
        case WM_FIELD_INT:
          if (wm_record_get_int (a, column) != wm_record_get_int (b, column))
            g_error ("%s: %" G_GINT64_FORMAT " ≠ %" G_GINT64_FORMAT, column,
                     wm_record_get_int (a, column), wm_record_get_int (b, column));
          break;
        case WM_FIELD_BOOL:
          if (!wm_record_get_bool (a, column) != !wm_record_get_bool (b, column))
            g_error ("%s: %d ≠ %d", column, wm_record_get_bool (a, column),
                     wm_record_get_bool (b, column));
          break;
        case WM_FIELD_DOUBLE:
          {
            double x = wm_record_get_double (a, column);
            double y = wm_record_get_double (b, column);

            if (!(x == y || (isnan (x) && isnan (y))))
              g_error ("%s: %g ≠ %g", column, x, y);
          }
          break;
        case WM_FIELD_STRV:
          {
            static const char * const none[] = { NULL };
            const char * const *xv = wm_record_get_strv (a, column);
            const char * const *yv = wm_record_get_strv (b, column);
            g_autofree char *x = g_strjoinv (";", (char **) (xv != NULL ? xv : none));
            g_autofree char *y = g_strjoinv (";", (char **) (yv != NULL ? yv : none));

            if (g_strcmp0 (x, y) != 0)
              g_error ("%s: “%s” ≠ “%s”", column, x, y);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

static void
assert_cases_equal (WmCase   *a,
                    WmCase   *b,
                    gboolean  edited_only)
{
  assert_records_equal (WM_RECORD (a), WM_RECORD (b), edited_only);
  assert_records_equal (WM_RECORD (a->client), WM_RECORD (b->client), edited_only);
}

static WmCase *
copy_case (WmCase *kase)
{
  WmCase *copy = wm_case_new ();

  wm_record_copy_into (WM_RECORD (copy), WM_RECORD (kase));
  wm_record_copy_into (WM_RECORD (copy->client), WM_RECORD (kase->client));
  return copy;
}

/* The editor */

static void
test_editor_shows_case (void)
{
  g_autoptr(WmCase) kase = filled_case ();
  GtkWidget *editor = wm_case_editor_new ();
  GtkWindow *window = show_in_window (editor);
  g_autofree char *notes = NULL;
  g_autofree char *address = NULL;
  g_autofree char *town = NULL;
  g_autoptr(GPtrArray) location_rows = NULL;

  wm_case_editor_set_case (WM_CASE_EDITOR (editor), kase);

  g_assert_cmpstr (get_entry (editor, "Given name"), ==, "Ada");
  g_assert_cmpstr (get_entry (editor, "Family name"), ==, "Lovelace");
  g_assert_cmpstr (get_entry (editor, "Preferred name"), ==, "Addie");
  g_assert_cmpstr (chosen (editor, "Gender"), ==, "Female");
  g_assert_cmpstr (get_entry (editor, "Birth year"), ==, "1985");
  g_assert_cmpstr (get_entry (editor, "Phone"), ==, "07700 900123");
  g_assert_cmpstr (get_entry (editor, "E-mail"), ==, "ada@example.org");
  g_assert_true (get_switch (editor, "Voicemail OK"));
  g_assert_false (get_switch (editor, "Letters OK"));
  g_assert_true (get_switch (editor, "E-mail OK"));
  g_assert_cmpstr (get_entry (editor, "Town"), ==, "Harrogate");
  g_assert_cmpstr (get_entry (editor, "Postcode"), ==, "HG1 1AA");
  g_assert_cmpstr (chosen (editor, "Precision"), ==, "Full postcode");
  address = text_view_text (text_view_named (editor, "Postal address"));
  g_assert_cmpstr (address, ==, "1 Station Road\nHarrogate");
  g_assert_cmpstr (chosen (editor, "Category"), ==, "Offended online");
  g_assert_cmpstr (chosen (editor, "Criminal justice status"), ==, "Under investigation");
  g_assert_true (get_switch (editor, "Police aware"));
  g_assert_true (gtk_check_button_get_active (specialism_check (editor, "Required specialisms",
                                                                "Trauma")));
  g_assert_true (gtk_check_button_get_active (specialism_check (editor, "Required specialisms",
                                                                "Online offending")));
  g_assert_false (gtk_check_button_get_active (specialism_check (editor, "Required specialisms",
                                                                 "Paraphilias")));
  g_assert_cmpstr (expander_subtitle (editor, "Required specialisms"), ==, "2 selected");
  g_assert_true (gtk_check_button_get_active (specialism_check (editor, "Desired specialisms",
                                                                "Families and partners")));
  g_assert_cmpstr (chosen (editor, "Therapist gender"), ==, "Male");
  g_assert_true (get_switch (editor, "Gender required"));
  g_assert_cmpstr (get_entry (editor, "Language (empty for English)"), ==, "Polish");
  g_assert_false (get_switch (editor, "Online sessions OK"));
  g_assert_cmpfloat (gtk_spin_button_get_value (distance_spin (editor)), ==, 25);
  g_assert_cmpstr (chosen (editor, "Paid by"), ==, "Hardship fund");
  g_assert_false (get_switch (editor, "Safeguarding concern"));
  g_assert_true (get_switch (editor, "Self-harm or suicide risk"));
  g_assert_true (get_switch (editor, "Urgent"));
  notes = text_view_text (text_view_named (editor, "Notes"));
  g_assert_cmpstr (notes, ==, "Called after a search warrant.\nCalls after 6pm only.");

  /* A risk that is on stands out. */
  g_assert_true (gtk_widget_has_css_class (find_row (editor, "Self-harm or suicide risk"), "risk"));
  g_assert_false (gtk_widget_has_css_class (find_row (editor, "Safeguarding concern"), "risk"));

  g_assert_true (wm_case_editor_get_valid (WM_CASE_EDITOR (editor)));
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));
  g_assert_null (wm_case_editor_get_first_problem (WM_CASE_EDITOR (editor)));

  location_rows = find_widgets (editor, WM_TYPE_LOCATION_ROW);
  g_assert_cmpuint (location_rows->len, ==, 1);
  g_object_get (location_rows->pdata[0], "town", &town, NULL);
  g_assert_cmpstr (town, ==, "Harrogate");

  gtk_window_destroy (window);
}

static void
test_editor_round_trip (void)
{
  g_autoptr(WmCase) kase = filled_case ();
  g_autoptr(WmCase) fresh = wm_case_new ();
  g_autoptr(WmCase) untouched = NULL;
  GtkWidget *editor = wm_case_editor_new ();
  GtkWindow *window = show_in_window (editor);

  /* Not what wm_case_new() gives, so that apply is seen to leave them alone. */
  g_object_set (fresh, "status", "triage", "outcome", "Referred on", NULL);
  untouched = copy_case (fresh);

  wm_case_editor_set_case (WM_CASE_EDITOR (editor), kase);
  g_assert_true (wm_case_editor_apply (WM_CASE_EDITOR (editor), fresh));

  assert_cases_equal (fresh, kase, TRUE);
  g_assert_cmpstr (fresh->status, ==, "triage");
  g_assert_cmpstr (fresh->outcome, ==, "Referred on");
  g_assert_cmpstr (fresh->reference, ==, untouched->reference);
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));

  /* And a blank form gives a blank case: the discreet defaults, nothing left over. */
  {
    g_autoptr(WmCase) blank = wm_case_new ();
    g_autoptr(WmCase) target = filled_case ();

    wm_case_editor_set_case (WM_CASE_EDITOR (editor), NULL);
    g_assert_false (get_switch (editor, "Voicemail OK"));
    g_assert_false (get_switch (editor, "Letters OK"));
    g_assert_false (get_switch (editor, "E-mail OK"));
    set_entry (editor, "Given name", "Sam");
    g_object_set (blank->client, "given-name", "Sam", NULL);
    g_assert_true (wm_case_editor_apply (WM_CASE_EDITOR (editor), target));
    assert_cases_equal (target, blank, TRUE);
  }

  gtk_window_destroy (window);
}

/* Typing @bad into the entry row @title makes the form invalid, names the problem next to the
 * field, and keeps apply away from the case; @good fixes it. */
static void
check_bad_entry (const char *title,
                 const char *bad,
                 const char *shown,
                 const char *field,
                 const char *good)
{
  g_autoptr(WmCase) kase = filled_case ();
  g_autoptr(WmCase) before = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s: ", field);
  GtkWidget *editor = wm_case_editor_new ();
  GtkWindow *window = show_in_window (editor);
  GtkWidget *row;

  wm_case_editor_set_case (WM_CASE_EDITOR (editor), kase);
  before = copy_case (kase);
  row = find_row (editor, title);

  gtk_widget_grab_focus (row);
  set_entry (editor, title, bad);
  g_assert_false (wm_case_editor_get_valid (WM_CASE_EDITOR (editor)));
  g_assert_true (g_str_has_prefix (wm_case_editor_get_first_problem (WM_CASE_EDITOR (editor)),
                                   prefix));

  /* While typing, the message waits; leaving the field (here: Enter) shows it. */
  commit_entry (editor, title);
  g_assert_true (shows_label (editor, shown));
  g_assert_true (gtk_widget_has_css_class (row, "error"));

  g_assert_false (wm_case_editor_apply (WM_CASE_EDITOR (editor), kase));
  assert_cases_equal (kase, before, FALSE);

  /* Quick to forgive: the message goes as soon as the value is right. */
  set_entry (editor, title, good);
  g_assert_true (wm_case_editor_get_valid (WM_CASE_EDITOR (editor)));
  g_assert_null (wm_case_editor_get_first_problem (WM_CASE_EDITOR (editor)));
  g_assert_false (shows_label (editor, shown));
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_true (wm_case_editor_apply (WM_CASE_EDITOR (editor), kase));

  gtk_window_destroy (window);
}

static void
test_editor_bad_email (void)
{
  check_bad_entry ("E-mail", "ada@", "Not a valid e-mail address", "email", "ada@example.com");
}

static void
test_editor_bad_phone (void)
{
  g_autoptr(WmCase) kase = filled_case ();
  GtkWidget *editor;
  GtkWindow *window;

  check_bad_entry ("Phone", "0123", "“0123” is not a UK phone number", "phone",
                   "+44 (0)7700 900456");

  /* The number is stored, and then shown, the way wm_validate_uk_phone() writes it. */
  editor = wm_case_editor_new ();
  window = show_in_window (editor);
  wm_case_editor_set_case (WM_CASE_EDITOR (editor), kase);
  set_entry (editor, "Phone", "+44 (0)7700 900456");
  g_assert_true (wm_case_editor_apply (WM_CASE_EDITOR (editor), kase));
  g_assert_cmpstr (kase->client->phone, ==, "07700 900456");
  g_assert_cmpstr (get_entry (editor, "Phone"), ==, "07700 900456");
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));
  gtk_window_destroy (window);
}

static void
test_editor_bad_postcode (void)
{
  check_bad_entry ("Postcode", "ZZ9 9ZZ", "“ZZ9 9ZZ” is not a UK postcode", "postcode",
                   "hg1 2ab");
}

static void
test_editor_bad_birth_year (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *shown = g_strdup_printf ("Must be between 1900 and %d",
                                            g_date_time_get_year (now));

  check_bad_entry ("Birth year", "1850", shown, "birth_year", "1950");
}

static void
test_editor_given_name_required (void)
{
  GtkWidget *editor = wm_case_editor_new ();
  GtkWindow *window = show_in_window (editor);

  /* A new case is not valid without a name, but an untouched form shows no error yet. */
  wm_case_editor_set_case (WM_CASE_EDITOR (editor), NULL);
  g_assert_false (wm_case_editor_get_valid (WM_CASE_EDITOR (editor)));
  g_assert_cmpstr (wm_case_editor_get_first_problem (WM_CASE_EDITOR (editor)), ==,
                   "given_name: is required");
  g_assert_false (shows_label (editor, "Required"));
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));

  check_bad_entry ("Given name", "", "Required", "given_name", "Ada");

  /* A name of only spaces is no name. */
  set_entry (editor, "Given name", "   ");
  commit_entry (editor, "Given name");
  g_assert_false (wm_case_editor_get_valid (WM_CASE_EDITOR (editor)));
  g_assert_true (shows_label (editor, "Required"));
  g_assert_true (gtk_widget_has_css_class (find_row (editor, "Given name"), "error"));

  gtk_window_destroy (window);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
test_editor_dirty (void)
{
  g_autoptr(WmCase) kase = filled_case ();
  GtkWidget *editor = wm_case_editor_new ();
  GtkWindow *window = show_in_window (editor);
  GtkCheckButton *check;
  GtkTextBuffer *notes;
  guint n_notified = 0;

  wm_case_editor_set_case (WM_CASE_EDITOR (editor), kase);
  g_signal_connect_swapped (editor, "notify::dirty", G_CALLBACK (count_cb), &n_notified);
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));

  set_entry (editor, "Family name", "Byron");
  g_assert_true (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));
  set_entry (editor, "Family name", "Lovelace");
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));
  g_assert_cmpuint (n_notified, ==, 2);

  set_switch (editor, "Letters OK", TRUE);
  g_assert_true (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));
  set_switch (editor, "Letters OK", FALSE);
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));

  check = specialism_check (editor, "Desired specialisms", "Trauma");
  gtk_check_button_set_active (check, TRUE);
  g_assert_true (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));
  g_assert_cmpstr (expander_subtitle (editor, "Desired specialisms"), ==, "2 selected");
  gtk_check_button_set_active (check, FALSE);
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));

  choose (editor, "Paid by", "Self-funded");
  g_assert_true (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));
  choose (editor, "Paid by", "Hardship fund");
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));

  notes = gtk_text_view_get_buffer (text_view_named (editor, "Notes"));
  gtk_text_buffer_insert_at_cursor (notes, "More. ", -1);
  g_assert_true (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));

  /* Applied, the form matches the case again. */
  g_assert_true (wm_case_editor_apply (WM_CASE_EDITOR (editor), kase));
  g_assert_nonnull (strstr (kase->notes, "More. "));
  g_assert_false (wm_case_editor_get_dirty (WM_CASE_EDITOR (editor)));

  gtk_window_destroy (window);
}

static void
test_editor_gender_required (void)
{
  g_autoptr(WmCase) kase = filled_case ();
  GtkWidget *editor = wm_case_editor_new ();
  GtkWindow *window = show_in_window (editor);

  wm_case_editor_set_case (WM_CASE_EDITOR (editor), kase);
  g_assert_true (gtk_widget_get_sensitive (find_row (editor, "Gender required")));

  /* No preference, nothing to require. */
  choose (editor, "Therapist gender", "No preference");
  g_assert_false (gtk_widget_get_sensitive (find_row (editor, "Gender required")));
  g_assert_false (get_switch (editor, "Gender required"));
  g_assert_true (wm_case_editor_get_valid (WM_CASE_EDITOR (editor)));
  g_assert_true (wm_case_editor_apply (WM_CASE_EDITOR (editor), kase));
  g_assert_null (kase->preferred_gender);
  g_assert_false (kase->gender_required);

  /* 0 km is the usual radius, stored as "no maximum of its own". */
  gtk_spin_button_set_value (distance_spin (editor), 0);
  g_assert_true (wm_case_editor_apply (WM_CASE_EDITOR (editor), kase));
  g_assert_cmpint (kase->max_distance_km, ==, -1);

  gtk_window_destroy (window);
}

/* The location row */


static GtkListBoxRow *
suggestion_row (GtkWidget  *root,
                const char *text)
{
  g_autoptr(GPtrArray) popovers = find_widgets (root, GTK_TYPE_POPOVER);

  for (guint p = 0; p < popovers->len; p++)
    {
      g_autoptr(GPtrArray) labels = find_widgets (popovers->pdata[p], GTK_TYPE_LABEL);

      if (!gtk_widget_get_mapped (popovers->pdata[p]))
        continue;
      for (guint i = 0; i < labels->len; i++)
        if (g_str_has_prefix (gtk_label_get_text (labels->pdata[i]), text))
          return GTK_LIST_BOX_ROW (gtk_widget_get_ancestor (labels->pdata[i],
                                                            GTK_TYPE_LIST_BOX_ROW));
    }
  return NULL;
}

static gboolean
has_town_suggestions (gpointer data)
{
  return suggestion_row (data, "") != NULL;
}

static gboolean
has_suggestion (gpointer data)
{
  return suggestion_row (data, "Harrogate — ") != NULL;
}

typedef struct
{
  GtkWidget *root;
  const char *text;
} LabelWait;

static gboolean
shows_wanted_label (gpointer data)
{
  LabelWait *wait = data;

  return shows_text (wait->root, wait->text, TRUE);
}

static gboolean
has_coordinates (gpointer data)
{
  double latitude;

  g_object_get (data, "latitude", &latitude, NULL);
  return !isnan (latitude);
}

static void
assert_near_harrogate (WmLocationRow *row)
{
  double latitude;
  double longitude;

  g_object_get (row, "latitude", &latitude, "longitude", &longitude, NULL);
  g_assert_cmpfloat_with_epsilon (latitude, 53.99, 0.05);
  g_assert_cmpfloat_with_epsilon (longitude, -1.54, 0.05);
}

static void
test_location_town_search (void)
{
  GtkWidget *row = wm_location_row_new ();
  GtkWindow *window = show_in_window (row);
  GtkListBoxRow *suggestion;
  g_autofree char *town = NULL;
  g_autofree char *precision = NULL;
  double latitude;

  g_object_get (row, "latitude", &latitude, NULL);
  g_assert_true (isnan (latitude));

  gtk_widget_grab_focus (find_row (row, "Town"));
  set_entry (row, "Town", "Harrog");
  spin_until (has_suggestion, row, SEARCH_TIMEOUT_S);
  suggestion = suggestion_row (row, "Harrogate — ");
  g_assert_nonnull (suggestion);
  g_assert_cmpint (gtk_list_box_row_get_index (suggestion), ==, 0);

  gtk_widget_activate (GTK_WIDGET (suggestion));
  g_object_get (row, "town", &town, "precision", &precision, NULL);
  g_assert_cmpstr (town, ==, "Harrogate");
  g_assert_cmpstr (get_entry (row, "Town"), ==, "Harrogate");
  g_assert_cmpstr (precision, ==, "town");
  assert_near_harrogate (WM_LOCATION_ROW (row));
  drain_events ();
  g_assert_null (suggestion_row (row, "Harrogate — "));

  /* UK places only; two of one name are told apart by where they are. */
  set_entry (row, "Town", "Newcastle");
  spin_until (has_town_suggestions, row, SEARCH_TIMEOUT_S);
  g_assert_nonnull (suggestion_row (row, "Newcastle upon Tyne — England"));
  g_assert_null (suggestion_row (row, "Newcastle — "));
  set_entry (row, "Town", "Hayes");
  spin_until (has_town_suggestions, row, SEARCH_TIMEOUT_S);
  {
    GtkListBoxRow *first = suggestion_row (row, "Hayes — England (");
    GtkListBoxRow *second = NULL;
    GtkWidget *label;

    g_assert_nonnull (first);
    second = GTK_LIST_BOX_ROW (gtk_widget_get_next_sibling (GTK_WIDGET (first)));
    g_assert_nonnull (second);
    label = gtk_list_box_row_get_child (second);
    g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)),
                                     "Hayes — England ("));
  }
  set_entry (row, "Town", "Harrogate");

  /* Another name: the coordinates were Harrogate's, so they go. */
  set_entry (row, "Town", "Harrogate Spa");
  g_object_get (row, "latitude", &latitude, NULL);
  g_assert_true (isnan (latitude));
  set_entry (row, "Town", "Harrogate");
  assert_near_harrogate (WM_LOCATION_ROW (row));

  gtk_window_destroy (window);
}

/* A key press as the row's own key handling sees it: GTK 4 has no public way to synthesise
 * input events, so the capture-phase key controllers of @widget get it, in order, until one
 * handles it. */
static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller)
          && gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  return handled;
}

static void
test_location_town_keyboard (void)
{
  GtkWidget *row = wm_location_row_new ();
  GtkWindow *window = show_in_window (row);
  GtkWidget *town = find_row (row, "Town");
  g_autofree char *name = NULL;
  g_autofree char *first = NULL;
  GtkListBoxRow *suggestion;

  gtk_widget_grab_focus (town);
  /* Many UK places start with "New". */
  set_entry (row, "Town", "New");
  spin_until (has_town_suggestions, row, SEARCH_TIMEOUT_S);

  /* Escape closes the list, and only then goes on to close whatever holds the row. */
  g_assert_true (press_key (town, GDK_KEY_Escape));
  drain_events ();
  g_assert_null (suggestion_row (row, ""));
  g_assert_false (press_key (town, GDK_KEY_Escape));

  /* Down opens it again and moves through it; Up moves back; Enter chooses. */
  g_assert_true (press_key (town, GDK_KEY_Down));
  drain_events ();
  suggestion = suggestion_row (row, "");
  g_assert_nonnull (suggestion);
  first = g_strdup (gtk_label_get_text (GTK_LABEL (gtk_list_box_row_get_child (suggestion))));
  g_assert_true (gtk_list_box_row_is_selected (suggestion));
  g_assert_true (press_key (town, GDK_KEY_Down));
  g_assert_false (gtk_list_box_row_is_selected (suggestion));
  g_assert_true (press_key (town, GDK_KEY_Up));
  g_assert_true (gtk_list_box_row_is_selected (suggestion));
  g_assert_true (press_key (town, GDK_KEY_Return));

  g_object_get (row, "town", &name, NULL);
  g_assert_true (g_str_has_prefix (first, name));
  g_assert_true (g_str_has_prefix (name, "New"));
  g_assert_true (has_coordinates (row));
  drain_events ();
  g_assert_null (suggestion_row (row, ""));

  /* With the list closed, Enter is the entry's own (it looks the name up). */
  g_assert_false (press_key (town, GDK_KEY_Return));

  gtk_window_destroy (window);
}

static void
test_location_town_typed (void)
{
  GtkWidget *row = wm_location_row_new ();
  GtkWindow *window = show_in_window (row);
  g_autofree char *town = NULL;

  /* A whole name, never chosen from the list: Enter looks it up. */
  set_entry (row, "Town", "harrogate");
  commit_entry (row, "Town");
  spin_until (has_coordinates, row, SEARCH_TIMEOUT_S);
  assert_near_harrogate (WM_LOCATION_ROW (row));
  g_object_get (row, "town", &town, NULL);
  g_assert_cmpstr (town, ==, "Harrogate");

  /* Not in the gazetteer: said so, but the town is still a valid thing to keep. */
  set_entry (row, "Town", "Harogate");
  commit_entry (row, "Town");
  spin_until (shows_wanted_label, &(LabelWait) { row, "Not placed on the map" },
              SEARCH_TIMEOUT_S);
  g_assert_true (shows_text (row, "“Harogate” is not a UK town in the gazetteer", TRUE));
  g_assert_true (gtk_widget_has_css_class (find_row (row, "Town"), "warning"));
  g_assert_false (has_coordinates (row));

  gtk_window_destroy (window);
}

static void
test_location_postcode (void)
{
  GtkWidget *row = wm_location_row_new ();
  GtkWindow *window = show_in_window (row);
  g_autofree char *postcode = NULL;
  g_autofree char *precision = NULL;
  g_autofree char *problem = NULL;
  gboolean valid;

  g_object_set (row, "town", "Harrogate", "latitude", 53.99, "longitude", -1.54,
                "precision", "town", NULL);

  /* A full postcode: normalised, and the precision follows. */
  gtk_widget_grab_focus (find_row (row, "Postcode"));
  set_entry (row, "Postcode", "hg1 2ab");
  commit_entry (row, "Postcode");
  g_assert_cmpstr (get_entry (row, "Postcode"), ==, "HG1 2AB");
  g_object_get (row, "postcode", &postcode, "precision", &precision, "valid", &valid, NULL);
  g_assert_cmpstr (postcode, ==, "HG1 2AB");
  g_assert_cmpstr (precision, ==, "postcode");
  g_assert_true (valid);
  g_assert_true (shows_label (row, "Location from the town; the postcode is kept for letters"));
  assert_near_harrogate (WM_LOCATION_ROW (row));
  g_clear_pointer (&postcode, g_free);
  g_clear_pointer (&precision, g_free);

  /* A district. */
  set_entry (row, "Postcode", "hg1");
  commit_entry (row, "Postcode");
  g_object_get (row, "postcode", &postcode, "precision", &precision, NULL);
  g_assert_cmpstr (postcode, ==, "HG1");
  g_assert_cmpstr (precision, ==, "district");
  g_clear_pointer (&postcode, g_free);
  g_clear_pointer (&precision, g_free);

  /* Not a postcode. */
  set_entry (row, "Postcode", "ZZ9 9ZZ");
  commit_entry (row, "Postcode");
  g_object_get (row, "valid", &valid, "problem", &problem, NULL);
  g_assert_false (valid);
  g_assert_true (g_str_has_prefix (problem, "postcode: "));
  g_assert_true (shows_label (row, "“ZZ9 9ZZ” is not a UK postcode"));
  g_assert_true (gtk_widget_has_css_class (find_row (row, "Postcode"), "error"));
  g_clear_pointer (&problem, g_free);

  set_entry (row, "Postcode", "");
  g_object_get (row, "valid", &valid, "problem", &problem, "postcode", &postcode, NULL);
  g_assert_true (valid);
  g_assert_null (problem);
  g_assert_null (postcode);
  g_assert_false (gtk_widget_has_css_class (find_row (row, "Postcode"), "error"));

  gtk_window_destroy (window);
}

static void
test_location_precision_choice (void)
{
  GtkWidget *row = wm_location_row_new ();
  GtkWindow *window = show_in_window (row);
  g_autofree char *precision = NULL;

  /* Chosen by hand, coarser than the postcode: it stays when the postcode changes. */
  set_entry (row, "Postcode", "HG1 2AB");
  choose (row, "Precision", "Postcode district");
  set_entry (row, "Postcode", "LS1 4AP");
  g_object_get (row, "precision", &precision, NULL);
  g_assert_cmpstr (precision, ==, "district");
  g_clear_pointer (&precision, g_free);

  /* A choice never claims more than was given. */
  choose (row, "Precision", "Exact address");
  set_entry (row, "Postcode", "LS1");
  g_object_get (row, "precision", &precision, NULL);
  g_assert_cmpstr (precision, ==, "district");
  g_clear_pointer (&precision, g_free);

  /* Without its row, for records that do not need it. */
  g_assert_true (gtk_widget_get_visible (find_row (row, "Precision")));
  g_object_set (row, "show-precision", FALSE, NULL);
  g_assert_false (gtk_widget_get_visible (find_row (row, "Precision")));

  gtk_window_destroy (window);
}

/* Accessible names */

static void
test_controls_named (void)
{
  g_autoptr(WmCase) kase = filled_case ();
  GtkWidget *editor = wm_case_editor_new ();
  GtkWindow *window = show_in_window (editor);
  g_autoptr(GPtrArray) expanders = NULL;

  wm_case_editor_set_case (WM_CASE_EDITOR (editor), kase);
  expanders = find_widgets (editor, ADW_TYPE_EXPANDER_ROW);
  g_assert_cmpuint (expanders->len, ==, 3);
  for (guint i = 0; i < expanders->len; i++)
    adw_expander_row_set_expanded (expanders->pdata[i], TRUE);
  drain_events ();

  /* Text boxes, combos, switches, 26 check buttons, the spin button and its buttons. */
  g_assert_cmpuint (assert_controls_named (editor), >, 50);

  /* And the town suggestions, once they show. */
  gtk_widget_grab_focus (find_row (editor, "Town"));
  set_entry (editor, "Town", "Harrog");
  spin_until (has_suggestion, editor, SEARCH_TIMEOUT_S);
  g_assert_nonnull (suggestion_row (editor, "Harrogate — "));
  assert_controls_named (editor);

  gtk_window_destroy (window);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Nothing keeps the widgets alive once their window has gone, not even a search on its way. */
static void
test_finalized (void)
{
  g_autoptr(WmCase) kase = filled_case ();
  GtkWidget *editor = wm_case_editor_new ();
  GtkWindow *window = show_in_window (editor);
  GObject *location;
  g_autoptr(GPtrArray) rows = NULL;

  wm_case_editor_set_case (WM_CASE_EDITOR (editor), kase);
  rows = find_widgets (editor, WM_TYPE_LOCATION_ROW);
  location = rows->pdata[0];
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  g_object_add_weak_pointer (location, (gpointer *) &location);

  set_entry (editor, "Town", "Leed");
  commit_entry (editor, "Town");
  gtk_window_destroy (window);
  spin_until (is_null, &editor, SEARCH_TIMEOUT_S);
  spin_until (is_null, &location, SEARCH_TIMEOUT_S);

  /* The case is the caller's, untouched by the editor going away. */
  g_assert_cmpstr (kase->client->town, ==, "Harrogate");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  wm_register_resource ();

  g_test_add_func ("/case-editor/shows-case", test_editor_shows_case);
  g_test_add_func ("/case-editor/round-trip", test_editor_round_trip);
  g_test_add_func ("/case-editor/bad-email", test_editor_bad_email);
  g_test_add_func ("/case-editor/bad-phone", test_editor_bad_phone);
  g_test_add_func ("/case-editor/bad-postcode", test_editor_bad_postcode);
  g_test_add_func ("/case-editor/bad-birth-year", test_editor_bad_birth_year);
  g_test_add_func ("/case-editor/given-name-required", test_editor_given_name_required);
  g_test_add_func ("/case-editor/dirty", test_editor_dirty);
  g_test_add_func ("/case-editor/gender-required", test_editor_gender_required);
  g_test_add_func ("/case-editor/controls-named", test_controls_named);
  g_test_add_func ("/case-editor/finalized", test_finalized);
  g_test_add_func ("/location-row/town-search", test_location_town_search);
  g_test_add_func ("/location-row/town-keyboard", test_location_town_keyboard);
  g_test_add_func ("/location-row/town-typed", test_location_town_typed);
  g_test_add_func ("/location-row/postcode", test_location_postcode);
  g_test_add_func ("/location-row/precision-choice", test_location_precision_choice);

  return g_test_run ();
}
