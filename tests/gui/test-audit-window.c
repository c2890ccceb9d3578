/* test-audit-window.c: the administrator's audit log viewer in process: the rows it lists
 * against what the store holds, its filters, Verify Chain on an intact and on a tampered
 * log, the CSV export (and that the export is itself audited), a coordinator being refused,
 * and every control's accessible name.
 *
 * Each test gets a fresh encrypted database made by wm_session_create: an administrator who
 * adds therapists and cases, and a coordinator who logs in separately and works on a case of
 * their own, so the log holds rows by the system, the administrator and the coordinator.
 * Tampering goes through a second, raw SQLCipher connection with the data key taken from the
 * recovery key, exactly as someone holding the recovery key could. Needs a display: run
 * under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../core/test-raw.h"
#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-audit-window.h"
#include "wm-keyring.h"
#include "wm-session.h"

#define PASSWORD "correct horse battery staple"

static WmApplication *app;

typedef struct
{
  char *dir;
  char *path;
  char *recovery;
  WmSession *session;
  WmStore *store;
  char *admin_case;       /* references */
  char *coord_case;
  GtkWindow *window;
} Fixture;

/* Widgets */

/* Lets the list lay out its rows: a few frames. */
static void
settle (void)
{
  for (int i = 0; i < 5; i++)
    {
      g_usleep (20000);
      flush ();
    }
}

/* What the column view shows: one string a row on screen, its cells joined by " | ". The
 * list recycles row widgets, so the order is not the screen's; hidden spare rows are left
 * out. */
static GPtrArray *
shown_rows (GtkColumnView *view)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);

  for (GtkWidget *list = gtk_widget_get_first_child (GTK_WIDGET (view));
       list != NULL;
       list = gtk_widget_get_next_sibling (list))
    {
      if (!GTK_IS_LIST_VIEW (list))
        continue;
      for (GtkWidget *row = gtk_widget_get_first_child (list);
           row != NULL;
           row = gtk_widget_get_next_sibling (row))
        {
          g_autoptr(GPtrArray) labels = NULL;
          GString *text;

          if (!gtk_widget_get_child_visible (row) || !gtk_widget_get_visible (row))
            continue;
          labels = find_widgets (row, GTK_TYPE_LABEL);
          if (labels->len == 0)
            continue;
          text = g_string_new (NULL);
          for (guint i = 0; i < labels->len; i++)
            g_string_append_printf (text, "%s%s", i > 0 ? " | " : "",
                                    gtk_label_get_text (labels->pdata[i]));
          g_ptr_array_add (rows, g_string_free (text, FALSE));
        }
    }
  return rows;
}

static guint
n_listed (Fixture *f)
{
  GtkColumnView *view = GTK_COLUMN_VIEW (find_one (GTK_WIDGET (f->window),
                                                   GTK_TYPE_COLUMN_VIEW));

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (view)));
}

/* Which of the list, "no matching entries" and the refusal is on show. */
static const char *
stack_page (Fixture *f)
{
  g_autoptr(GPtrArray) stacks = find_widgets (GTK_WIDGET (f->window), GTK_TYPE_STACK);
  GtkStack *found = NULL;

  for (guint i = 0; i < stacks->len; i++)
    if (gtk_stack_get_child_by_name (stacks->pdata[i], "list") != NULL)
      {
        g_assert_null (found);
        found = stacks->pdata[i];
      }
  g_assert_nonnull (found);
  return gtk_stack_get_visible_child_name (found);
}

static const char *
count_text (Fixture *f)
{
  g_autoptr(GPtrArray) labels = find_widgets (GTK_WIDGET (f->window), GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      const char *text = gtk_label_get_text (labels->pdata[i]);

      if (g_regex_match_simple ("^[0-9,]+ entr(y|ies)$", text, 0, 0)
          || g_str_has_prefix (text, "Showing the newest"))
        return text;
    }
  return NULL;
}

/* Chooses the item reading @label, as a click in the drop-down's popover would. */
static void
choose (GtkDropDown *drop_down,
        const char  *label)
{
  GListModel *model = gtk_drop_down_get_model (drop_down);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), label) == 0)
        {
          gtk_drop_down_set_selected (drop_down, i);
          flush ();
          return;
        }
    }
  g_error ("No choice “%s”", label);
}

static GtkDropDown *
drop_down (Fixture    *f,
           const char *label)
{
  return GTK_DROP_DOWN (find_control (GTK_WIDGET (f->window), GTK_TYPE_DROP_DOWN, label));
}

static GtkEntry *
date_entry (Fixture    *f,
            const char *label)
{
  return GTK_ENTRY (find_control (GTK_WIDGET (f->window), GTK_TYPE_ENTRY, label));
}

static GtkWidget *
banner_title (Fixture *f)
{
  GtkRevealer *revealer = GTK_REVEALER (find_one (GTK_WIDGET (f->window), GTK_TYPE_REVEALER));
  GtkWidget *box = gtk_revealer_get_child (revealer);

  if (!gtk_revealer_get_reveal_child (revealer))
    return NULL;
  return box;
}

static guint
audit_count (WmStore            *store,
             const WmAuditQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = wm_store_query_audit (store, query, &error);

  g_assert_no_error (error);
  return entries->len;
}

/* With WAYMARK_TEST_SCREENSHOTS=<dir>, writes the window as <dir>/<name>.png: for looking at
 * what the tests drive. */
static void
screenshot (Fixture    *f,
            const char *name)
{
  const char *dir = g_getenv ("WAYMARK_TEST_SCREENSHOTS");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL)
    return;
  settle ();
  width = gtk_widget_get_width (GTK_WIDGET (f->window));
  height = gtk_widget_get_height (GTK_WIDGET (f->window));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (f->window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (f->window)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_strdup_printf ("%s/%s.png", dir, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* Data */

static gint64
add_therapist (WmStore    *store,
               const char *external_id,
               const char *given_name,
               const char *family_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  const char *specialisms[] = { "pre-offence", NULL };

  g_object_set (t,
                "external-id", external_id,
                "given-name", given_name,
                "family-name", family_name,
                "email", "therapist@example.org",
                "town", "Harrogate",
                "latitude", 53.99,
                "longitude", -1.54,
                "specialisms", specialisms,
                "max-caseload", (gint64) 5,
                NULL);
  g_assert_true (wm_store_save_therapist (store, t, &error));
  g_assert_no_error (error);
  return wm_record_get_id (WM_RECORD (t));
}

static char *
add_case (WmStore    *store,
          const char *given_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) kase = wm_case_new ();
  const char *needs[] = { "pre-offence", NULL };

  g_object_set (kase, "category", "at-risk", "needs", needs, NULL);
  g_object_set (wm_case_get_client (kase), "given-name", given_name, "town", "Harrogate", NULL);
  g_assert_true (wm_store_save_case (store, kase, &error));
  g_assert_no_error (error);
  return g_strdup (kase->reference);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) coordinator = NULL;
  g_autoptr(WmCase) viewed = NULL;
  g_autoptr(WmCase) theirs = NULL;
  WmStore *coord_store;

  f->dir = tmpdir_new ();
  f->path = g_build_filename (f->dir, "cases.waymark", NULL);
  f->session = create_test_session (f->path, "Example Trust", "admin", "Ada Admin", PASSWORD,
                                    &f->recovery);
  f->store = wm_session_get_store (f->session);

  g_assert_true (wm_session_add_user (f->session, "coord", "Casey Coordinator", "coordinator",
                                      -1, PASSWORD, FALSE, WM_KDF_MIN, &error));
  g_assert_no_error (error);
  add_therapist (f->store, "T-ANN", "Ann", "Ashworth");
  add_therapist (f->store, "T-BEN", "Ben", "Barker");
  f->admin_case = add_case (f->store, "Quentin");
  viewed = wm_store_find_case (f->store, f->admin_case, &error);
  g_assert_no_error (error);

  /* The coordinator logs in on their own and opens a case. */
  coordinator = wm_session_unlock (f->path, "coord", PASSWORD, &error);
  g_assert_no_error (error);
  coord_store = wm_session_get_store (coordinator);
  f->coord_case = add_case (coord_store, "Rowena");
  theirs = wm_store_find_case (coord_store, f->coord_case, &error);
  g_assert_no_error (error);
  g_assert_true (wm_store_set_case_status (coord_store, theirs, "triage", NULL, &error));
  g_assert_no_error (error);
  wm_session_lock (coordinator);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  flush ();
  g_clear_object (&f->session);
  wm_secret_string_free (f->recovery);
  g_free (f->admin_case);
  g_free (f->coord_case);

  tmpdir_free (f->dir);
  g_free (f->path);
}

static void
show_window (Fixture *f,
             WmStore *store)
{
  gint64 start = g_get_monotonic_time ();

  f->window = GTK_WINDOW (wm_audit_window_new (NULL, store));
  g_test_message ("window made in %.0f ms", (g_get_monotonic_time () - start) / 1000.0);
  gtk_window_present (f->window);
  wait_until_mapped (GTK_WIDGET (f->window));
  settle ();
}

/* Tests */

/* The window lists what the store holds, newest first, said the way a person reads it. */
static void
test_lists_entries (Fixture       *f,
                    gconstpointer  data)
{
  GtkColumnView *view;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *expected_count = NULL;
  g_autofree char *admin_record = g_strdup_printf ("Case %s", f->admin_case);
  g_autofree char *coord_record = g_strdup_printf ("Case %s", f->coord_case);
  guint total = audit_count (f->store, &(WmAuditQuery) { 0 });
  gboolean saw_admin_case = FALSE, saw_coord_status = FALSE;

  show_window (f, f->store);
  g_test_message ("%u entries in the log", total);
  g_assert_cmpuint (total, >=, 10);
  g_assert_cmpuint (n_listed (f), ==, total);
  g_assert_cmpstr (stack_page (f), ==, "list");
  expected_count = g_strdup_printf ("%u entries", total);
  g_assert_cmpstr (count_text (f), ==, expected_count);

  view = GTK_COLUMN_VIEW (find_one (GTK_WIDGET (f->window), GTK_TYPE_COLUMN_VIEW));
  rows = shown_rows (view);
  g_assert_cmpuint (rows->len, >=, 8);
  for (guint i = 0; i < rows->len; i++)
    {
      const char *row = rows->pdata[i];

      g_test_message ("row: %s", row);
      if (strstr (row, " | admin | Created | ") && strstr (row, admin_record))
        saw_admin_case = TRUE;
      if (strstr (row, " | coord | Status changed | ") && strstr (row, coord_record))
        saw_coord_status = TRUE;
    }
  g_assert_true (saw_admin_case);
  g_assert_true (saw_coord_status);
}

static void
assert_every_row (Fixture    *f,
                  const char *needle)
{
  GtkColumnView *view = GTK_COLUMN_VIEW (find_one (GTK_WIDGET (f->window),
                                                   GTK_TYPE_COLUMN_VIEW));
  g_autoptr(GPtrArray) rows = NULL;

  settle ();
  rows = shown_rows (view);
  g_assert_cmpuint (rows->len, >, 0);
  for (guint i = 0; i < rows->len; i++)
    if (strstr (rows->pdata[i], needle) == NULL)
      g_error ("row “%s” lacks “%s”", (char *) rows->pdata[i], needle);
}

/* Each filter narrows the rows to the matching ones, and only to them. */
static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  guint total = audit_count (f->store, &(WmAuditQuery) { 0 });
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *today_text = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *tomorrow_text = g_date_time_format (tomorrow, "%Y-%m-%d");
  GtkEntry *from, *to;
  GtkWidget *search;
  guint n;

  show_window (f, f->store);

  /* Who */
  choose (drop_down (f, "User"), "coord");
  n = n_listed (f);
  g_assert_cmpuint (n, ==, audit_count (f->store, &(WmAuditQuery) { .username = "coord" }));
  g_assert_cmpuint (n, >=, 3);
  g_assert_cmpuint (n, <, total);
  assert_every_row (f, " | coord | ");

  choose (drop_down (f, "User"), "System");
  n = n_listed (f);
  g_assert_cmpuint (n, ==, audit_count (f->store, &(WmAuditQuery) { .username = "" }));
  g_assert_cmpuint (n, >=, 1);
  assert_every_row (f, " | System | ");
  choose (drop_down (f, "User"), "Everyone");
  g_assert_cmpuint (n_listed (f), ==, total);

  /* What kind of record, and what was done */
  choose (drop_down (f, "Record kind"), "Case");
  n = n_listed (f);
  g_assert_cmpuint (n, ==, audit_count (f->store, &(WmAuditQuery) { .entity = "case" }));
  g_assert_cmpuint (n, >=, 4);
  assert_every_row (f, " | Case WM-");
  choose (drop_down (f, "Action"), "Opened");
  n = n_listed (f);
  g_assert_cmpuint (n, ==, audit_count (f->store, &(WmAuditQuery) { .entity = "case",
                                                                    .action = "view" }));
  g_assert_cmpuint (n, ==, 2);
  assert_every_row (f, " | Opened | Case WM-");

  /* Together with the user */
  choose (drop_down (f, "User"), "coord");
  g_assert_cmpuint (n_listed (f), ==, 1);
  assert_every_row (f, " | coord | Opened | Case WM-");
  choose (drop_down (f, "User"), "admin");
  choose (drop_down (f, "Action"), "Referred");
  g_assert_cmpuint (n_listed (f), ==, 0);
  g_assert_cmpstr (stack_page (f), ==, "empty");
  choose (drop_down (f, "User"), "Everyone");
  choose (drop_down (f, "Action"), "Any action");
  choose (drop_down (f, "Record kind"), "Any record");
  g_assert_cmpuint (n_listed (f), ==, total);

  /* Text in the record or summary */
  search = find_control (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY, "Search the audit log");
  gtk_editable_set_text (GTK_EDITABLE (search), f->coord_case);
  /* The search waits for typing to pause. */
  while (n_listed (f) == total)
    g_main_context_iteration (NULL, TRUE);
  n = n_listed (f);
  g_assert_cmpuint (n, ==, audit_count (f->store, &(WmAuditQuery) { .text = f->coord_case }));
  g_assert_cmpuint (n, ==, 3);
  assert_every_row (f, f->coord_case);
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  while (n_listed (f) != total)
    g_main_context_iteration (NULL, TRUE);

  /* Dates: today holds everything, tomorrow nothing. */
  from = date_entry (f, "From date");
  to = date_entry (f, "To date");
  gtk_editable_set_text (GTK_EDITABLE (from), today_text);
  g_assert_cmpuint (n_listed (f), ==, total);
  gtk_editable_set_text (GTK_EDITABLE (from), tomorrow_text);
  g_assert_cmpuint (n_listed (f), ==, 0);
  g_assert_cmpstr (stack_page (f), ==, "empty");
  gtk_editable_set_text (GTK_EDITABLE (from), "");
  gtk_editable_set_text (GTK_EDITABLE (to), today_text);
  g_assert_cmpuint (n_listed (f), ==, total);
  gtk_editable_set_text (GTK_EDITABLE (to), "2000-01-01");
  g_assert_cmpuint (n_listed (f), ==, 0);

  /* A date that is not one: the entry says so, and the list stays as it was. */
  gtk_editable_set_text (GTK_EDITABLE (to), "");
  g_assert_cmpuint (n_listed (f), ==, total);
  gtk_editable_set_text (GTK_EDITABLE (from), "2026-02-30");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (from), "error"));
  g_assert_cmpuint (n_listed (f), ==, total);
  {
    g_autofree char *text = widget_text (GTK_WIDGET (f->window));

    g_assert_nonnull (strstr (text, "From: "));
  }
  g_assert_false (gtk_widget_is_sensitive (find_control (GTK_WIDGET (f->window),
                                                         GTK_TYPE_BUTTON, "_Export CSV…")));
  /* Half typed, no complaint until Enter. */
  gtk_editable_set_text (GTK_EDITABLE (from), "2026-0");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (from), "error"));
  g_signal_emit_by_name (from, "activate");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (from), "error"));
  screenshot (f, "audit-date-error");
  /* The wrong way round. */
  gtk_editable_set_text (GTK_EDITABLE (from), tomorrow_text);
  gtk_editable_set_text (GTK_EDITABLE (to), today_text);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (from), "error"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (to), "error"));
  /* Put right, the error goes and the filter applies again. */
  gtk_editable_set_text (GTK_EDITABLE (from), "");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (to), "error"));
  g_assert_cmpuint (n_listed (f), ==, total);
  g_assert_true (gtk_widget_is_sensitive (find_control (GTK_WIDGET (f->window),
                                                        GTK_TYPE_BUTTON, "_Export CSV…")));
}

/* Edits the closed database file behind the store's back, with the recovery key. */
static void
tamper (Fixture    *f,
        const char *sql)
{
  g_autoptr(GError) error = NULL;
  guint8 *key = wm_data_key_parse_recovery (f->recovery, &error);
  sqlite3 *db;

  g_assert_no_error (error);
  db = test_raw_open (f->path, key);
  wm_data_key_free (key);
  test_raw_exec (db, sql);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *verify;
  GtkWidget *banner;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  gint64 broken = -1, n_rows = 0;

  g_assert_true (wm_store_verify_audit (f->store, &broken, &n_rows, &error));
  g_assert_cmpint (broken, ==, 0);

  show_window (f, f->store);
  g_assert_null (banner_title (f));

  /* Intact, with the number of rows checked. */
  verify = find_control (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, "_Verify Chain");
  g_signal_emit_by_name (verify, "clicked");
  flush ();
  banner = banner_title (f);
  g_assert_nonnull (banner);
  text = widget_text (banner);
  g_test_message ("%s", text);
  expected = g_strdup_printf ("The audit log is intact: %" G_GINT64_FORMAT " entries checked",
                              n_rows);
  g_assert_nonnull (strstr (text, expected));
  g_assert_true (has_accessible_label (banner, expected));
  g_assert_false (gtk_widget_has_css_class (banner, "error"));
  screenshot (f, "audit-intact");

  /* Dismissed, it goes. */
  g_signal_emit_by_name (find_control (banner, GTK_TYPE_BUTTON,
                                       "Dismiss the verification result"), "clicked");
  flush ();
  g_assert_null (banner_title (f));

  /* Someone with the key edits the fourth row behind Waymark's back. */
  tamper (f, "UPDATE audit_log SET summary = 'nothing to see' WHERE id = 4");
  g_signal_emit_by_name (verify, "clicked");
  flush ();
  banner = banner_title (f);
  g_assert_nonnull (banner);
  g_clear_pointer (&text, g_free);
  text = widget_text (banner);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "The audit log has been altered at entry 4"));
  g_assert_true (gtk_widget_has_css_class (banner, "error"));
  screenshot (f, "audit-altered");

  /* The store agrees. */
  g_assert_true (wm_store_verify_audit (f->store, &broken, &n_rows, &error));
  g_assert_cmpint (broken, ==, 4);
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

/* Exports the filtered rows to @name in the test directory; returns the file's text. */
static char *
export (Fixture    *f,
        const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  char *csv = NULL;
  GStatBuf st;

  gtk_widget_activate_action (GTK_WIDGET (f->window), "audit.export-to", "s", path);
  flush ();
  g_assert_true (g_file_get_contents (path, &csv, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
  return csv;
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  guint total = audit_count (f->store, &(WmAuditQuery) { 0 });
  guint cases = audit_count (f->store, &(WmAuditQuery) { .entity = "case" });
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *case_csv = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  WmAuditEntry *newest;
  gboolean saw_export = FALSE;

  show_window (f, f->store);
  g_assert_cmpuint (n_listed (f), ==, total);

  /* Everything: the header and one line a row. */
  csv = export (f, "all.csv");
  g_assert_true (g_str_has_prefix (csv, "id,at,user,action,entity,entity_id,record,summary"));
  g_assert_cmpuint (count_lines (csv), ==, 1 + total);

  /* The export is in the log, and the window shows it at the top. */
  after = wm_store_query_audit (f->store, &(WmAuditQuery) { 0 }, NULL);
  g_assert_cmpuint (after->len, ==, total + 1);
  newest = g_ptr_array_index (after, 0);
  g_assert_cmpstr (newest->action, ==, "export");
  g_assert_cmpstr (newest->entity, ==, "audit");
  g_assert_cmpstr (newest->username, ==, "admin");
  g_assert_cmpuint (n_listed (f), ==, total + 1);
  settle ();
  rows = shown_rows (GTK_COLUMN_VIEW (find_one (GTK_WIDGET (f->window),
                                                GTK_TYPE_COLUMN_VIEW)));
  for (guint i = 0; i < rows->len; i++)
    if (strstr (rows->pdata[i], " | admin | Exported | Audit log | "))
      saw_export = TRUE;
  g_assert_true (saw_export);

  /* What the filters select, not what is on screen. */
  choose (drop_down (f, "Record kind"), "Case");
  case_csv = export (f, "cases.csv");
  g_assert_cmpuint (count_lines (case_csv), ==, 1 + cases);
  g_assert_null (strstr (case_csv, ",therapist,"));
  g_assert_nonnull (strstr (case_csv, f->coord_case));
  g_assert_cmpuint (audit_count (f->store, &(WmAuditQuery) { .action = "export",
                                                             .entity = "audit" }), ==, 2);

  /* A file that cannot be written: a message, and no export in the log. */
  {
    g_autofree char *bad = g_build_filename (f->dir, "no-such-folder", "x.csv", NULL);
    GListModel *toplevels = gtk_window_get_toplevels ();
    GtkWindow *dialog = NULL;

    gtk_widget_activate_action (GTK_WIDGET (f->window), "audit.export-to", "s", bad);
    flush ();
    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

        if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
          dialog = GTK_WINDOW (window);
      }
    g_assert_nonnull (dialog);
    g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)),
                     ==, "The Audit Log Was Not Exported");
    gtk_window_destroy (dialog);
    g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (audit_count (f->store, &(WmAuditQuery) { .action = "export",
                                                               .entity = "audit" }), ==, 2);
  }
}

/* A long log shows its newest MAX_ROWS entries and says so; narrowing the filters below that
 * shows them all again. */
static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint users = audit_count (f->store, &(WmAuditQuery) { .entity = "user" });
  g_autofree char *expected = NULL;
  gint64 start;

  g_assert_true (wm_store_begin (f->store, &error));
  for (int i = 0; i < 2100; i++)
    g_assert_true (wm_store_audit (f->store, "export", "therapist", -1, "list exported",
                                   &error));
  g_assert_true (wm_store_commit (f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (audit_count (f->store, &(WmAuditQuery) { 0 }), >, 2100);

  start = g_get_monotonic_time ();
  f->window = GTK_WINDOW (wm_audit_window_new (NULL, f->store));
  g_test_message ("window with 2,000 rows made in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  gtk_window_present (f->window);
  wait_until_mapped (GTK_WIDGET (f->window));
  g_test_message ("and mapped after %.0f ms", (g_get_monotonic_time () - start) / 1000.0);
  settle ();
  g_assert_cmpuint (n_listed (f), ==, 2000);
  g_assert_true (g_regex_match_simple ("^Showing the newest 2,?000 entries; narrow the filters$",
                                       count_text (f), 0, 0));
  screenshot (f, "audit-truncated");

  choose (drop_down (f, "Record kind"), "User");
  g_assert_cmpuint (n_listed (f), ==, users);
  expected = g_strdup_printf ("%u entries", users);
  g_assert_cmpstr (count_text (f), ==, expected);
}

/* Opened by a coordinator (the lead only offers it to administrators, but the store decides):
 * the log is not shown, and nothing can be exported or checked. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) coordinator = wm_session_unlock (f->path, "coord", PASSWORD, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  show_window (f, wm_session_get_store (coordinator));
  g_assert_cmpstr (stack_page (f), ==, "error");
  g_assert_cmpuint (n_listed (f), ==, 0);
  text = widget_text (GTK_WIDGET (f->window));
  g_assert_nonnull (strstr (text, "The Audit Log Cannot Be Shown"));
  g_assert_false (gtk_widget_is_sensitive (find_control (GTK_WIDGET (f->window),
                                                         GTK_TYPE_BUTTON, "_Export CSV…")));
  g_assert_false (gtk_widget_is_sensitive (find_control (GTK_WIDGET (f->window),
                                                         GTK_TYPE_BUTTON, "_Verify Chain")));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (drop_down (f, "User"))));
  gtk_window_destroy (f->window);
  f->window = NULL;
  flush ();
}

/* Every control is reachable by name, and the title gives nothing away. */
static void
test_controls_named (Fixture       *f,
                     gconstpointer  data)
{
  const struct { GType type; const char *label; } named[] = {
    { GTK_TYPE_DROP_DOWN, "User" },
    { GTK_TYPE_DROP_DOWN, "Action" },
    { GTK_TYPE_DROP_DOWN, "Record kind" },
    { GTK_TYPE_ENTRY, "From date" },
    { GTK_TYPE_ENTRY, "To date" },
    { GTK_TYPE_SEARCH_ENTRY, "Search the audit log" },
    { GTK_TYPE_COLUMN_VIEW, "Audit entries" },
  };
  g_autoptr(GPtrArray) buttons = NULL;

  show_window (f, f->store);
  g_assert_cmpstr (gtk_window_get_title (f->window), ==, "Waymark");
  g_assert_true (gtk_window_get_modal (f->window));

  for (guint i = 0; i < G_N_ELEMENTS (named); i++)
    find_control (GTK_WIDGET (f->window), named[i].type, named[i].label);
  find_control (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, "_Verify Chain");
  find_control (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, "_Export CSV…");

  /* A button without a label of its own has an accessible name. */
  buttons = find_widgets (GTK_WIDGET (f->window), GTK_TYPE_BUTTON);
  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = buttons->pdata[i];

      if (!gtk_widget_get_mapped (button) || gtk_button_get_label (GTK_BUTTON (button)) != NULL)
        continue;
      if (GTK_IS_TOGGLE_BUTTON (button) && GTK_IS_DROP_DOWN (gtk_widget_get_parent (button)))
        continue;   /* named with its drop-down */
      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (button),
                                             GTK_ACCESSIBLE_PROPERTY_LABEL))
        g_error ("an unnamed %s", G_OBJECT_TYPE_NAME (button));
    }
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
  ADD ("/audit-window/lists-entries", test_lists_entries);
  ADD ("/audit-window/filters", test_filters);
  ADD ("/audit-window/verify", test_verify);
  ADD ("/audit-window/export", test_export);
  ADD ("/audit-window/truncated", test_truncated);
  ADD ("/audit-window/refused", test_refused);
  ADD ("/audit-window/controls-named", test_controls_named);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
