/* test-letters.c: a case's Letters dialog in process: the preview shows the letter's pages,
 * "Automatic" picks the discreet letter when it must, Export writes a PDF and records it once
 * on the case and in the audit log, printing draws the same pages, and a failed export or a
 * case without a referral offers nothing and records nothing.
 *
 * The file chooser and the print dialog cannot be driven here: export goes through the
 * dialog's "letters.export-to" action (where the chooser's answer leads), and printing runs
 * the dialog's own print operation as an export to PDF, which draws every page the way the
 * printer gets them. Needs a display: run under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-letter.h"
#include "wm-letters-dialog-private.h"
#include "wm-session.h"

#define PASSWORD "correct horse battery staple"

static WmApplication *app;

typedef struct
{
  char *dir;
  WmSession *session;
  WmStore *store;
  gint64 therapist_id;
  GtkWindow *parent;
  WmLettersDialog *dialog;
} Fixture;

/* Widgets */

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  g_autoptr(GPtrArray) buttons = find_widgets (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      return buttons->pdata[i];
  g_error ("No button “%s”", label);
}

/* Lets the frame clock lay @widget out (a flush alone may end before it has). */
static void
wait_until_allocated (GtkWidget *widget)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add (5000, timed_out_cb, &timed_out);

  while (gtk_widget_get_width (widget) == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (source);
}

/* The page previews on screen, in order. */
static GPtrArray *
preview_pages (Fixture *f)
{
  g_autoptr(GPtrArray) areas = find_widgets (GTK_WIDGET (f->dialog), GTK_TYPE_DRAWING_AREA);
  GPtrArray *pages = g_ptr_array_new ();

  for (guint i = 0; i < areas->len; i++)
    if (gtk_widget_get_mapped (areas->pdata[i]))
      g_ptr_array_add (pages, areas->pdata[i]);
  return pages;
}

static char *
visible_problem (Fixture *f)
{
  GtkStack *stack = GTK_STACK (find_one (GTK_WIDGET (f->dialog), GTK_TYPE_STACK));
  GtkWidget *page = gtk_stack_get_visible_child (stack);

  if (!ADW_IS_STATUS_PAGE (page))
    return NULL;
  return g_strdup (adw_status_page_get_description (ADW_STATUS_PAGE (page)));
}

/* The error line above the preview, or NULL when none is shown. */
static const char *
shown_message (Fixture *f)
{
  GtkRevealer *revealer = GTK_REVEALER (find_one (GTK_WIDGET (f->dialog), GTK_TYPE_REVEALER));
  g_autoptr(GPtrArray) labels = NULL;

  if (!gtk_revealer_get_reveal_child (revealer))
    return NULL;
  labels = find_widgets (GTK_WIDGET (revealer), GTK_TYPE_LABEL);
  g_assert_cmpuint (labels->len, ==, 1);
  return gtk_label_get_text (labels->pdata[0]);
}

/* Data */

static void
set (WmStore    *store,
     const char *key,
     const char *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wm_store_set_setting (store, key, value, &error));
  g_assert_no_error (error);
}

static gint64
add_case (Fixture  *f,
          gboolean  letters_private,
          gboolean  with_referral)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = wm_case_new ();
  g_autoptr(WmReferral) referral = NULL;
  g_autoptr(GString) notes = g_string_new (NULL);
  const char *needs[] = { "pre-offence", NULL };

  /* Notes long enough that the letter to the therapist runs onto a second page. */
  for (int i = 0; i < 40; i++)
    g_string_append (notes, "Talked through what support would help and when to call. ");
  g_object_set (kase, "category", "at-risk", "needs", needs, "notes", notes->str, NULL);
  g_object_set (wm_case_get_client (kase),
                "given-name", "Tobias",
                "family-name", "Wren",
                "address", "7 Orchard Row",
                "town", "York",
                "postcode", "YO1 7HH",
                "phone", "07700900123",
                "contact-letter-ok", letters_private,
                NULL);
  g_assert_true (wm_store_save_case (f->store, kase, &error));
  g_assert_no_error (error);
  if (with_referral)
    {
      g_assert_true (wm_store_set_case_status (f->store, kase, "triage", NULL, &error));
      g_assert_true (wm_store_set_case_status (f->store, kase, "matching", NULL, &error));
      g_assert_no_error (error);
      referral = wm_store_create_referral (f->store, wm_record_get_id (WM_RECORD (kase)),
                                           f->therapist_id, 0.8, "close by", &error);
      g_assert_no_error (error);
    }
  return wm_record_get_id (WM_RECORD (kase));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  g_autofree char *path = NULL;
  const char *specialisms[] = { "pre-offence", NULL };
  char *recovery = NULL;

  f->dir = tmpdir_new ();
  path = g_build_filename (f->dir, "cases.waymark", NULL);
  f->session = create_test_session (path, "Harbour Light Trust", "admin", "Ada Admin", PASSWORD,
                                    &recovery);
  wm_secret_string_free (recovery);
  f->store = wm_session_get_store (f->session);

  set (f->store, "org.address", "Unit 4, Mill Yard\nLeeds\nLS1 4AB");
  set (f->store, "org.phone", "0113 496 0000");
  set (f->store, "org.email", "hello@harbourlight.example");

  g_object_set (t,
                "external-id", "T-1",
                "title", "Dr",
                "given-name", "Morag",
                "family-name", "Fairbairn",
                "email", "morag@fairbairn.example",
                "phone", "01632960123",
                "address", "12 Quarry Lane",
                "town", "Harrogate",
                "postcode", "HG1 2AB",
                "latitude", 53.99,
                "longitude", -1.54,
                "specialisms", specialisms,
                "max-caseload", (gint64) 6,
                NULL);
  g_assert_true (wm_store_save_therapist (f->store, t, &error));
  g_assert_no_error (error);
  f->therapist_id = wm_record_get_id (WM_RECORD (t));

  f->parent = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (f->parent, "Waymark");
  gtk_window_present (f->parent);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (f->dialog));
  gtk_window_destroy (f->parent);
  flush ();
  g_clear_object (&f->session);

  tmpdir_free (f->dir);
}

static guint
count_audit_rows (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  WmAuditQuery query = { 0 };
  g_autoptr(GPtrArray) entries = wm_store_query_audit (f->store, &query, &error);

  g_assert_no_error (error);
  return entries->len;
}

/* Opens the dialog as the window does, with the case the case view already holds. Opening it
 * records nothing: the case view recorded the view, and only printing or exporting a letter
 * adds to the audit log. */
static void
show_dialog (Fixture *f,
             gint64   case_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = wm_store_get_case (f->store, case_id, &error);
  guint rows_before;

  g_assert_no_error (error);
  rows_before = count_audit_rows (f);
  f->dialog = WM_LETTERS_DIALOG (wm_letters_dialog_new (f->parent, f->store, kase));
  g_assert_nonnull (f->dialog);
  gtk_window_present (GTK_WINDOW (f->dialog));
  wait_until_mapped (GTK_WIDGET (f->dialog));
  flush ();
  g_assert_cmpuint (count_audit_rows (f), ==, rows_before);
}

/* Chooses the template called @name in the dialog, by its title as the list shows it. */
static void
choose_template (Fixture    *f,
                 const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmLetterTemplate) tmpl = wm_store_get_letter_template (f->store, name, &error);
  AdwComboRow *row = ADW_COMBO_ROW (find_one (GTK_WIDGET (f->dialog), ADW_TYPE_COMBO_ROW));
  GListModel *model = adw_combo_row_get_model (row);

  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), tmpl->title) == 0)
        {
          adw_combo_row_set_selected (row, i);
          flush ();
          return;
        }
    }
  g_error ("No choice for the template %s", name);
}

static guint
count_letter_events (Fixture *f,
                     gint64   case_id,
                     char   **body)
{
  g_autoptr(GListModel) events = wm_store_list_case_events (f->store, case_id, NULL);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (events); i++)
    {
      g_autoptr(WmCaseEvent) event = g_list_model_get_item (events, i);

      if (g_strcmp0 (event->kind, "letter") != 0)
        continue;
      n++;
      if (body != NULL)
        {
          g_free (*body);
          *body = g_strdup (event->body);
        }
    }
  return n;
}

static guint
count_letter_audit_rows (Fixture *f,
                         gint64   case_id)
{
  g_autoptr(GError) error = NULL;
  WmAuditQuery query = { .action = "letter" };
  g_autoptr(GPtrArray) entries = wm_store_query_audit (f->store, &query, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < entries->len; i++)
    {
      WmAuditEntry *entry = entries->pdata[i];

      if (entry->entity_id == case_id)
        n++;
    }
  return n;
}

static void
assert_pdf (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 4);
  g_assert_true (memcmp (contents, "%PDF", 4) == 0);
}

/* Tests */

static void
test_preview_pages (Fixture       *f,
                    gconstpointer  data)
{
  gint64 id = add_case (f, TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = wm_store_get_case (f->store, id, &error);
  g_autoptr(WmLetter) therapist_letter = NULL;
  g_autoptr(WmLetter) client_letter = NULL;
  g_autoptr(GPtrArray) pages = NULL;

  g_assert_no_error (error);
  client_letter = wm_letter_new (f->store, kase, WM_LETTER_AUTO, &error);
  g_assert_no_error (error);
  therapist_letter = wm_letter_new (f->store, kase, WM_LETTER_THERAPIST_REFERRAL, &error);
  g_assert_no_error (error);
  /* The fixture is meant to tell one page from several. */
  g_assert_cmpint (wm_letter_get_n_pages (therapist_letter), >=, 2);
  g_assert_cmpint (wm_letter_get_n_pages (client_letter), ==, 1);

  show_dialog (f, id);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->dialog)), ==, "Waymark");
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (f->dialog)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (f->dialog)) == f->parent);

  /* Automatic, with letters the client may receive privately: the ordinary client letter. */
  pages = preview_pages (f);
  g_assert_cmpuint (pages->len, ==, wm_letter_get_n_pages (client_letter));
  g_assert_cmpstr (wm_letter_get_template_name (wm_letters_dialog_get_letter (f->dialog)), ==,
                   WM_LETTER_CLIENT_REFERRAL);
  g_clear_pointer (&pages, g_ptr_array_unref);

  choose_template (f, WM_LETTER_THERAPIST_REFERRAL);
  pages = preview_pages (f);
  g_assert_cmpuint (pages->len, ==, wm_letter_get_n_pages (therapist_letter));
  g_assert_cmpstr (wm_letter_get_template_name (wm_letters_dialog_get_letter (f->dialog)), ==,
                   WM_LETTER_THERAPIST_REFERRAL);
  for (guint i = 0; i < pages->len; i++)
    {
      /* Drawn at a readable size, upright like A4. */
      wait_until_allocated (pages->pdata[i]);
      g_assert_cmpint (gtk_widget_get_width (pages->pdata[i]), >=, 400);
      g_assert_cmpint (gtk_widget_get_height (pages->pdata[i]), >,
                       gtk_widget_get_width (pages->pdata[i]));
    }
  g_assert_true (gtk_widget_is_sensitive (find_button (GTK_WIDGET (f->dialog), "_Print…")));
  g_assert_true (gtk_widget_is_sensitive (find_button (GTK_WIDGET (f->dialog),
                                                       "_Export PDF…")));
}

static void
test_automatic_discreet (Fixture       *f,
                         gconstpointer  data)
{
  gint64 id = add_case (f, FALSE, TRUE);
  WmLetter *letter;

  show_dialog (f, id);
  letter = wm_letters_dialog_get_letter (f->dialog);
  g_assert_nonnull (letter);
  g_assert_true (wm_letter_is_discreet (letter));
  g_assert_cmpstr (wm_letter_get_template_name (letter), ==, WM_LETTER_CLIENT_DISCREET);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (
                              ADW_ACTION_ROW (find_one (GTK_WIDGET (f->dialog),
                                                        ADW_TYPE_COMBO_ROW))),
                            "discreet"));
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  gint64 id = add_case (f, TRUE, TRUE);
  g_autofree char *path = g_build_filename (f->dir, "letter.pdf", NULL);
  g_autofree char *body = NULL;

  show_dialog (f, id);
  choose_template (f, WM_LETTER_THERAPIST_REFERRAL);
  g_assert_cmpuint (count_letter_events (f, id, NULL), ==, 0);
  g_assert_cmpuint (count_letter_audit_rows (f, id), ==, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "letters.export-to", "s",
                                             path));
  flush ();
  assert_pdf (path);
  g_assert_null (shown_message (f));
  g_assert_cmpuint (count_letter_events (f, id, &body), ==, 1);
  g_assert_nonnull (strstr (body, WM_LETTER_THERAPIST_REFERRAL));
  g_assert_cmpuint (count_letter_audit_rows (f, id), ==, 1);
}

static void
test_export_fails (Fixture       *f,
                   gconstpointer  data)
{
  gint64 id = add_case (f, TRUE, TRUE);
  g_autofree char *path = g_build_filename (f->dir, "no-such-folder", "letter.pdf", NULL);

  show_dialog (f, id);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "letters.export-to", "s",
                                             path));
  flush ();
  /* Said inline, nothing written, nothing recorded. */
  g_assert_nonnull (shown_message (f));
  g_assert_cmpstr (shown_message (f), !=, "");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_letter_events (f, id, NULL), ==, 0);
  g_assert_cmpuint (count_letter_audit_rows (f, id), ==, 0);
}

static void
test_print (Fixture       *f,
            gconstpointer  data)
{
  gint64 id = add_case (f, TRUE, TRUE);
  g_autofree char *path = g_build_filename (f->dir, "printed.pdf", NULL);
  g_autoptr(GtkPrintOperation) op = NULL;
  g_autofree char *body = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *pdfinfo = g_find_program_in_path ("pdfinfo");
  int n_pages;
  GtkPrintOperationResult result;

  show_dialog (f, id);
  choose_template (f, WM_LETTER_THERAPIST_REFERRAL);
  n_pages = wm_letter_get_n_pages (wm_letters_dialog_get_letter (f->dialog));

  op = wm_letters_dialog_create_print_operation (f->dialog);
  g_assert_nonnull (op);
  g_object_get (op, "n-pages", &n_pages, NULL);
  g_assert_cmpint (n_pages, ==, wm_letter_get_n_pages (wm_letters_dialog_get_letter (f->dialog)));
  {
    g_autofree char *job_name = NULL;

    g_object_get (op, "job-name", &job_name, NULL);
    g_assert_cmpstr (job_name, ==, "Waymark letter");
  }

  gtk_print_operation_set_export_filename (op, path);
  result = wm_letters_dialog_run_print (f->dialog, op, GTK_PRINT_OPERATION_ACTION_EXPORT);
  flush ();
  g_assert_cmpint (result, ==, GTK_PRINT_OPERATION_RESULT_APPLY);
  assert_pdf (path);
  g_assert_cmpuint (count_letter_events (f, id, &body), ==, 1);
  g_assert_nonnull (strstr (body, "printed"));
  g_assert_cmpuint (count_letter_audit_rows (f, id), ==, 1);

  /* Every page drawn, and drawn with the letter's text. */
  if (pdfinfo != NULL)
    {
      const char *argv[] = { "pdfinfo", path, NULL };

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                    NULL, NULL, &out, NULL, NULL, NULL);
      g_assert_nonnull (out);
      expected = g_strdup_printf ("Pages:           %d\n", n_pages);
      g_assert_nonnull (strstr (out, expected));
    }
}

static void
test_no_referral (Fixture       *f,
                  gconstpointer  data)
{
  gint64 id = add_case (f, TRUE, FALSE);
  g_autofree char *path = g_build_filename (f->dir, "letter.pdf", NULL);
  g_autofree char *problem = NULL;
  g_autoptr(GPtrArray) pages = NULL;

  show_dialog (f, id);
  problem = visible_problem (f);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem, "no referral"));
  pages = preview_pages (f);
  g_assert_cmpuint (pages->len, ==, 0);
  g_assert_null (wm_letters_dialog_get_letter (f->dialog));
  g_assert_null (wm_letters_dialog_create_print_operation (f->dialog));
  g_assert_false (gtk_widget_is_sensitive (find_button (GTK_WIDGET (f->dialog), "_Print…")));
  g_assert_false (gtk_widget_is_sensitive (find_button (GTK_WIDGET (f->dialog),
                                                        "_Export PDF…")));
  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "letters.export-to", "s", path);
  flush ();
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_letter_events (f, id, NULL), ==, 0);
}

static void
test_template_change_followed (Fixture       *f,
                               gconstpointer  data)
{
  gint64 id = add_case (f, TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  AdwComboRow *row;

  show_dialog (f, id);
  row = ADW_COMBO_ROW (find_one (GTK_WIDGET (f->dialog), ADW_TYPE_COMBO_ROW));
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), ==, 4);

  /* A template added in Preferences while the dialog is open is offered at once. */
  g_assert_true (wm_store_save_letter_template (f->store, "client-thanks", "Thank you",
                                                "Dear {client.given_name},\n\nThank you.",
                                                &error));
  g_assert_no_error (error);
  flush ();
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), ==, 5);
  choose_template (f, "client-thanks");
  g_assert_cmpstr (wm_letter_get_template_name (wm_letters_dialog_get_letter (f->dialog)), ==,
                   "client-thanks");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  app = test_application_new ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/letters/preview-pages", test_preview_pages);
  ADD ("/letters/automatic-discreet", test_automatic_discreet);
  ADD ("/letters/export", test_export);
  ADD ("/letters/export-fails", test_export_fails);
  ADD ("/letters/print", test_print);
  ADD ("/letters/no-referral", test_no_referral);
  ADD ("/letters/template-change-followed", test_template_change_followed);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
