/* test-cases-page.c: the case list page, in process.
 *
 * One encrypted store with 1,000 made-up cases (varied towns, categories, statuses, a few
 * urgent or at risk) is shown in a window: more rows than the case list keeps in its cache,
 * so a view that read them all would show. The tests find controls the way a screen reader
 * does, by role and accessible name, and check: searching and each filter give the rows the
 * query should; the count; that the view reads the core's paged list and only a few pages of
 * it; that the list follows the store; activation; risk flags; names for every control; and
 * that no client name is ever on screen. Needs a display: run under xvfb-run with
 * GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-case-list.h"
#include "wm-cases-page.h"
#include "wm-session.h"
#include "wm-vocab.h"

#define N_CASES 1000
#define PASSWORD "correct horse battery staple"

/* Names that must never reach the screen. None starts with "harro", so a search for it finds
 * towns only. */
static const char * const given_names[] = { "Quentin", "Rosalind", "Peregrine", "Ottoline" };
static const char * const family_names[] = { "Fairweather", "Blackwood", "Ashdown" };
static const char * const towns[] = { "Harrogate", "Leeds", "York", "Bradford", "Ripon" };

typedef struct
{
  gint64 id;
  char *reference;
  const char *given_name;
  const char *town;
  const char *category;
  const char *status;
  gboolean flagged; /* urgent or at risk */
} Expected;

static WmApplication *app;
static char *tmp_dir;
static WmSession *session;
static Expected cases[N_CASES];
static GPtrArray *extra_sessions;

/* Widgets */

/* The text a label or an inscription (the list's cells) shows, or NULL. */
static const char *
cell_text (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_text (GTK_LABEL (widget));
  if (GTK_IS_INSCRIPTION (widget))
    return gtk_inscription_get_text (GTK_INSCRIPTION (widget));
  return NULL;
}

/* find_control() among the widgets on screen only. */
static GtkWidget *
find_shown (GtkWidget  *root,
            GType       type,
            const char *label)
{
  return find_control_full (root, type, label, FIND_CONTROL_ON_SCREEN);
}

/* The page and its window */

typedef struct
{
  GtkWindow *window;
  WmCasesPage *page;
  GtkColumnView *column_view;
  GListModel *model;    /* the column view's: its items are the view's rows */
  GListModel *list;     /* the core's list of cases under them */
  guint n_changes;      /* of the list: one a query */
} Page;

static void
model_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Page       *p)
{
  p->n_changes++;
}

static WmCaseList *page_case_list (Page *p);

static void
page_open (Page      *p,
           WmSession *s)
{
  p->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (p->window, 1100, 700);
  p->page = WM_CASES_PAGE (wm_cases_page_new (s));
  gtk_window_set_child (p->window, GTK_WIDGET (p->page));
  gtk_window_present (p->window);
  while (!gtk_widget_get_mapped (GTK_WIDGET (p->page)))
    g_main_context_iteration (NULL, TRUE);
  run_for (100);

  p->column_view = GTK_COLUMN_VIEW (find_one (GTK_WIDGET (p->page), GTK_TYPE_COLUMN_VIEW));
  p->model = G_LIST_MODEL (gtk_column_view_get_model (p->column_view));
  p->list = G_LIST_MODEL (page_case_list (p));
  p->n_changes = 0;
  g_signal_connect (p->list, "items-changed", G_CALLBACK (model_changed_cb), p);
}

static void
page_close (Page *p)
{
  g_signal_handlers_disconnect_by_func (p->list, model_changed_cb, p);
  gtk_window_destroy (p->window);
  run_for (10);
}

/* Waits for the list to change after @before changes (filters change it at once, the store
 * on its next idle), and for the view to show it. */
static void
wait_for_change (Page  *p,
                 guint  before)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (p->n_changes == before && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_cmpuint (p->n_changes, >, before);
  run_for (50);
}

static void
search_changed_cb (GtkSearchEntry  *entry,
                   char           **searched)
{
  g_free (*searched);
  *searched = g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)));
}

/* Types @text and waits for the search: search-as-you-type waits a moment first. Connected
 * after the page's own handler, so the list has changed when this one runs. */
static void
search_for (Page       *p,
            const char *text)
{
  GtkWidget *entry = find_shown (GTK_WIDGET (p->page), GTK_TYPE_SEARCH_ENTRY, "Search cases");
  GtkEditable *editable = GTK_EDITABLE (entry);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_autofree char *searched = NULL;
  int old_len = g_utf8_strlen (gtk_editable_get_text (editable), -1);
  int pos = old_len;
  gulong id;

  id = g_signal_connect (entry, "search-changed", G_CALLBACK (search_changed_cb), &searched);
  /* As a person replaces a search: the new text typed after the old, the old deleted, so the
   * entry passes through empty (which searches at once) only when clearing it. */
  gtk_editable_insert_text (editable, text, -1, &pos);
  gtk_editable_delete_text (editable, 0, old_len);
  while (g_strcmp0 (searched, text) != 0 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_signal_handler_disconnect (entry, id);
  g_assert_cmpstr (searched, ==, text);
  run_for (50);
}

static GtkScrolledWindow *
page_scrolled_window (Page *p)
{
  return GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (p->column_view),
                                                      GTK_TYPE_SCROLLED_WINDOW));
}

static WmCaseList *
page_case_list (Page *p)
{
  GListModel *rows;

  /* The selection wraps the core's rows over its list: no copy, no sort or filter model
   * between them that would read every row. */
  g_assert_true (GTK_IS_SINGLE_SELECTION (p->model));
  rows = gtk_single_selection_get_model (GTK_SINGLE_SELECTION (p->model));
  g_assert_true (WM_IS_CASE_ROWS (rows));

  return wm_case_rows_get_list (WM_CASE_ROWS (rows));
}

/* The case the view shows at @position. */
static WmCaseSummary *
summary_at (Page  *p,
            guint  position)
{
  g_autoptr(WmCaseRow) row = g_list_model_get_item (p->model, position);

  g_assert_nonnull (row);
  return g_object_ref (wm_case_row_get_summary (row));
}

static gboolean
label_shown (GtkWidget  *root,
             const char *text)
{
  g_autoptr(GPtrArray) widgets = find_widgets (root, GTK_TYPE_WIDGET);

  for (guint i = 0; i < widgets->len; i++)
    if (gtk_widget_get_mapped (widgets->pdata[i])
        && g_strcmp0 (cell_text (widgets->pdata[i]), text) == 0)
      return TRUE;

  return FALSE;
}

/* Whether the row showing @reference is within the visible part of the list: GTK 4.8 keeps
 * rows ready above and below it. */
static gboolean
row_on_screen (Page       *p,
               const char *reference)
{
  GtkWidget *viewport = GTK_WIDGET (page_scrolled_window (p));
  g_autoptr(GPtrArray) cells = find_widgets (GTK_WIDGET (p->column_view), GTK_TYPE_INSCRIPTION);

  for (guint i = 0; i < cells->len; i++)
    {
      graphene_rect_t bounds;

      if (!gtk_widget_get_mapped (cells->pdata[i])
          || g_strcmp0 (cell_text (cells->pdata[i]), reference) != 0
          || !gtk_widget_compute_bounds (cells->pdata[i], viewport, &bounds))
        continue;
      if (bounds.origin.y >= 0
          && bounds.origin.y + bounds.size.height <= gtk_widget_get_height (viewport))
        return TRUE;
    }

  return FALSE;
}

/* Scrolling takes the view a frame or two. */
static void
wait_for_row_on_screen (Page       *p,
                        const char *reference)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!row_on_screen (p, reference) && g_get_monotonic_time () < deadline)
    run_for (20);
  if (!row_on_screen (p, reference))
    g_error ("The row of %s is not on screen", reference);
}

static void
assert_count_shown (Page  *p,
                    guint  n)
{
  g_autofree char *text = g_strdup_printf (n == 1 ? "%u case" : "%u cases", n);

  if (!label_shown (GTK_WIDGET (p->page), text))
    g_error ("The count “%s” is not shown", text);
}

static gboolean
search_shown (Page *p)
{
  g_autoptr(GPtrArray) entries = find_widgets (GTK_WIDGET (p->page), GTK_TYPE_SEARCH_ENTRY);

  for (guint i = 0; i < entries->len; i++)
    if (gtk_widget_get_mapped (entries->pdata[i]))
      return TRUE;

  return FALSE;
}

static const char *
visible_page_title (Page *p)
{
  g_autoptr(GPtrArray) pages = find_widgets (GTK_WIDGET (p->page), ADW_TYPE_STATUS_PAGE);
  const char *title = NULL;

  for (guint i = 0; i < pages->len; i++)
    if (gtk_widget_get_mapped (pages->pdata[i]))
      {
        g_assert_null (title);
        title = adw_status_page_get_title (pages->pdata[i]);
      }

  return title;
}

/* Expected results, from what was saved */

typedef gboolean (*CaseFilter) (const Expected *c, gconstpointer data);

static gboolean
is_open (const Expected *c)
{
  return wm_case_status_is_open (c->status);
}

static guint
count_cases (CaseFilter    filter,
             gconstpointer data)
{
  guint n = 0;

  for (guint i = 0; i < N_CASES; i++)
    n += filter (&cases[i], data) ? 1 : 0;

  return n;
}

static gboolean
open_filter (const Expected *c,
             gconstpointer   data)
{
  return is_open (c);
}

static gboolean
open_in_town (const Expected *c,
              gconstpointer   town)
{
  return is_open (c) && g_str_equal (c->town, town);
}

static gboolean
open_named (const Expected *c,
            gconstpointer   given_name)
{
  return is_open (c) && g_str_equal (c->given_name, given_name);
}

static gboolean
with_status (const Expected *c,
             gconstpointer   status)
{
  return g_str_equal (c->status, status);
}

static gboolean
open_in_category (const Expected *c,
                  gconstpointer   category)
{
  return is_open (c) && g_str_equal (c->category, category);
}

static gboolean
open_flagged (const Expected *c,
              gconstpointer   data)
{
  return is_open (c) && c->flagged;
}

static gboolean
any_case (const Expected *c,
          gconstpointer   data)
{
  return TRUE;
}

static guint
vocab_index (WmVocab     vocab,
             const char *code)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (vocab, &n);

  for (guint i = 0; i < n; i++)
    if (g_str_equal (entries[i].code, code))
      return i;
  g_assert_not_reached ();
}

static const Expected *
expected_by_reference (const char *reference)
{
  for (guint i = 0; i < N_CASES; i++)
    if (g_strcmp0 (cases[i].reference, reference) == 0)
      return &cases[i];

  return NULL;
}

/* Tests */

static void
test_search_and_filters (void)
{
  Page p;
  GtkWidget *root;
  GtkDropDown *status;
  GtkDropDown *category;
  GtkToggleButton *risk;
  GtkToggleButton *open;
  guint before;
  guint n;

  page_open (&p, session);
  root = GTK_WIDGET (p.page);
  status = GTK_DROP_DOWN (find_shown (root, GTK_TYPE_DROP_DOWN, "Status"));
  category = GTK_DROP_DOWN (find_shown (root, GTK_TYPE_DROP_DOWN, "Category"));
  risk = GTK_TOGGLE_BUTTON (find_shown (root, GTK_TYPE_TOGGLE_BUTTON, "_Risk Only"));
  open = GTK_TOGGLE_BUTTON (find_shown (root, GTK_TYPE_TOGGLE_BUTTON, "_Open Cases Only"));

  /* Open cases, unfiltered. */
  n = count_cases (open_filter, NULL);
  g_assert_cmpuint (n, <, N_CASES);
  g_assert_true (gtk_toggle_button_get_active (open));
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n);
  assert_count_shown (&p, n);

  /* The prefix of a town. */
  search_for (&p, "harro");
  n = count_cases (open_in_town, "Harrogate");
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n);
  assert_count_shown (&p, n);

  /* A whole reference: one case, and the count says so in the singular. */
  search_for (&p, cases[4].reference);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, 1);
  assert_count_shown (&p, 1);

  /* A client's name is searched, though never shown. */
  search_for (&p, "Ottoline");
  n = count_cases (open_named, "Ottoline");
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n);

  search_for (&p, "");

  /* A status; the open-only filter does not apply to it. */
  before = p.n_changes;
  gtk_drop_down_set_selected (status, 1 + vocab_index (WM_VOCAB_CASE_STATUS, "triage"));
  wait_for_change (&p, before);
  n = count_cases (with_status, "triage");
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (open)));

  before = p.n_changes;
  gtk_drop_down_set_selected (status, 1 + vocab_index (WM_VOCAB_CASE_STATUS, "withdrawn"));
  wait_for_change (&p, before);
  n = count_cases (with_status, "withdrawn");
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n);
  assert_count_shown (&p, n);

  before = p.n_changes;
  gtk_drop_down_set_selected (status, 0);
  wait_for_change (&p, before);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (open)));

  /* A category. */
  before = p.n_changes;
  gtk_drop_down_set_selected (category, 1 + vocab_index (WM_VOCAB_CATEGORY, "survivor"));
  wait_for_change (&p, before);
  n = count_cases (open_in_category, "survivor");
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n);

  before = p.n_changes;
  gtk_drop_down_set_selected (category, 0);
  wait_for_change (&p, before);

  /* Risk only: urgent, safeguarding or self-harm. */
  before = p.n_changes;
  gtk_toggle_button_set_active (risk, TRUE);
  wait_for_change (&p, before);
  n = count_cases (open_flagged, NULL);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n);
  assert_count_shown (&p, n);

  /* Everything, closed too. */
  gtk_toggle_button_set_active (risk, FALSE);
  before = p.n_changes;
  gtk_toggle_button_set_active (open, FALSE);
  wait_for_change (&p, before);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, count_cases (any_case, NULL));
  g_assert_cmpstr (visible_page_title (&p), ==, NULL);
  /* A new query over rows on screen reads the rows it shows, not all of them (GTK 4.8 looks
   * for replaced rows among the new ones unless the page guards against it). */
  g_assert_cmpuint (wm_case_list_get_n_cached (page_case_list (&p)), <=,
                    3 * WM_CASE_LIST_PAGE_SIZE);

  /* Nothing found: an empty state that says so, not an empty table. */
  search_for (&p, "zzqxv");
  g_assert_cmpuint (g_list_model_get_n_items (p.list), ==, 0);
  g_assert_cmpstr (visible_page_title (&p), ==, "No matching cases");
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (p.column_view)));

  page_close (&p);
}

static void
test_paged (void)
{
  Page p;
  WmCaseList *list;
  GtkAdjustment *adj;
  guint n;

  page_open (&p, session);
  list = page_case_list (&p);
  n = g_list_model_get_n_items (p.model);
  /* Enough rows that reading them all would leave at least 7 pages in the list's cache. */
  g_assert_cmpuint (n, >, 7 * WM_CASE_LIST_PAGE_SIZE);

  /* The view has read the rows it keeps ready (about 200 in GTK 4.8), not the whole list. */
  g_assert_cmpuint (wm_case_list_get_n_cached (list), >, 0);
  g_assert_cmpuint (wm_case_list_get_n_cached (list), <=, 3 * WM_CASE_LIST_PAGE_SIZE);

  /* Scrolled to the end: the pages there join those at the top, and the ones on the way are
   * never read. */
  adj = gtk_scrolled_window_get_vadjustment (page_scrolled_window (&p));
  for (int i = 0; i < 5; i++)
    {
      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
      run_for (50);
    }
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >, 0);
  g_assert_cmpuint (wm_case_list_get_n_cached (list), <=, 6 * WM_CASE_LIST_PAGE_SIZE);

  page_close (&p);
}

static void
test_risk_marked (void)
{
  Page p;
  g_autoptr(GPtrArray) labels = NULL;
  guint n_rows = 0;
  guint n_flagged = 0;

  page_open (&p, session);
  labels = find_widgets (GTK_WIDGET (p.column_view), GTK_TYPE_INSCRIPTION);

  /* Every bound row's reference cell: flagged cases carry the warning icon, named for a
   * screen reader, and the .risk colours; others carry neither. */
  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = labels->pdata[i];
      const Expected *c = expected_by_reference (cell_text (label));
      GtkWidget *cell;
      GtkWidget *icon;

      if (c == NULL || !gtk_widget_get_mapped (label))
        continue;
      n_rows++;
      /* A screen reader reads the reference. */
      g_assert_true (has_accessible_label (label, c->reference));
      cell = gtk_widget_get_parent (label);
      icon = gtk_widget_get_first_child (cell);
      g_assert_true (GTK_IS_IMAGE (icon));
      g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, "dialog-warning-symbolic");
      g_assert_cmpint (gtk_widget_get_visible (icon), ==, c->flagged);
      g_assert_cmpint (gtk_widget_has_css_class (cell, "risk"), ==, c->flagged);
      if (c->flagged)
        {
          n_flagged++;
          g_assert_true (has_accessible_label (icon, "Risk") || has_accessible_label (icon, "Urgent"));
        }
    }
  g_assert_cmpuint (n_rows, >=, 5);
  g_assert_cmpuint (n_flagged, >=, 2);
  g_assert_cmpuint (n_flagged, <, n_rows);

  page_close (&p);
}

static void
test_no_names_shown (void)
{
  Page p;
  g_autoptr(GPtrArray) widgets = NULL;
  guint n_texts = 0;
  gboolean town_shown = FALSE;

  page_open (&p, session);

  /* Even when the search is for a name, the rows it finds show none. */
  search_for (&p, "Fairweather");
  g_assert_cmpuint (g_list_model_get_n_items (p.model), >, 0);

  widgets = find_widgets (GTK_WIDGET (p.page), GTK_TYPE_WIDGET);
  for (guint i = 0; i < widgets->len; i++)
    {
      const char *text = cell_text (widgets->pdata[i]);
      const char *tooltip = gtk_widget_get_tooltip_text (widgets->pdata[i]);

      if (text == NULL)
        continue;
      n_texts++;
      /* The cells are there to be checked: a town is shown. */
      for (guint j = 0; j < G_N_ELEMENTS (towns); j++)
        town_shown |= g_strcmp0 (text, towns[j]) == 0 && gtk_widget_get_mapped (widgets->pdata[i]);
      for (guint j = 0; j < G_N_ELEMENTS (given_names); j++)
        {
          g_assert_null (strstr (text, given_names[j]));
          g_assert_true (tooltip == NULL || strstr (tooltip, given_names[j]) == NULL);
        }
      for (guint j = 0; j < G_N_ELEMENTS (family_names); j++)
        {
          g_assert_null (strstr (text, family_names[j]));
          g_assert_true (tooltip == NULL || strstr (tooltip, family_names[j]) == NULL);
        }
    }
  g_assert_cmpuint (n_texts, >, 10);
  g_assert_true (town_shown);

  page_close (&p);
}

static void
case_activated_cb (WmCasesPage *page,
                   gint64       case_id,
                   gint64      *out)
{
  *out = case_id;
}

static void
signal_cb (WmCasesPage *page,
           guint       *count)
{
  (*count)++;
}

static void
test_activate (void)
{
  Page p;
  GtkWidget *list_view;
  g_autoptr(WmCaseSummary) item = NULL;
  gint64 activated = -1;
  guint n_new = 0;

  page_open (&p, session);
  g_signal_connect (p.page, "case-activated", G_CALLBACK (case_activated_cb), &activated);
  g_signal_connect (p.page, "new-enquiry", G_CALLBACK (signal_cb), &n_new);

  /* Double-click and Enter both end in the list's activate-item action. */
  item = summary_at (&p, 3);
  list_view = find_one (GTK_WIDGET (p.column_view), GTK_TYPE_LIST_VIEW);
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 3));
  g_assert_cmpint (activated, ==, wm_case_summary_get_id (item));
  g_assert_nonnull (expected_by_reference (wm_case_summary_get_reference (item)));
  g_assert_cmpint (activated, ==,
                   expected_by_reference (wm_case_summary_get_reference (item))->id);

  /* A button shows itself pressed for a moment before it clicks. */
  gtk_widget_activate (find_shown (GTK_WIDGET (p.page), GTK_TYPE_BUTTON, "_New Enquiry"));
  run_for (500);
  g_assert_cmpuint (n_new, ==, 1);

  /* Ctrl+F lands in the search entry. */
  gtk_widget_grab_focus (list_view);
  wm_cases_page_focus_search (p.page);
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (p.window)),
                                         find_shown (GTK_WIDGET (p.page),
                                                     GTK_TYPE_SEARCH_ENTRY, "Search cases")));

  page_close (&p);
}

static void
test_controls_named (void)
{
  Page p;

  page_open (&p, session);
  g_assert_cmpuint (assert_controls_named (GTK_WIDGET (p.page)), >=, 1);
  g_assert_true (has_accessible_label (GTK_WIDGET (p.column_view), "Cases"));
  page_close (&p);
}

static char *
make_tmp_subdir (const char *name)
{
  char *dir = g_build_filename (tmp_dir, name, NULL);

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);

  return dir;
}

static WmSession *
create_session (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "cases.waymark", NULL);
  char *recovery = NULL;
  WmSession *s = create_test_session (path, "Example Trust", "admin", "Ada Admin", PASSWORD,
                                      &recovery);

  wm_secret_string_free (recovery);

  return s;
}

static WmCase *
new_case (guint i)
{
  WmCase *c = wm_case_new ();
  const char *needs[] = { "pre-offence", NULL };
  guint n_categories;
  const WmVocabEntry *categories = wm_vocab_entries (WM_VOCAB_CATEGORY, &n_categories);

  g_object_set (c,
                "category", categories[i % n_categories].code,
                "needs", needs,
                "urgent", i % 50 == 0,
                "risk-safeguarding", i % 37 == 1,
                "risk-self-harm", i % 41 == 2,
                NULL);
  g_object_set (wm_case_get_client (c),
                "given-name", given_names[i % G_N_ELEMENTS (given_names)],
                "family-name", family_names[i % G_N_ELEMENTS (family_names)],
                "town", towns[i % G_N_ELEMENTS (towns)],
                NULL);

  return c;
}

/* An empty database: an empty state with its own way in, and the list as soon as a case
 * is saved (through the store, as the case editor would). */
static void
test_empty_then_first_case (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_subdir ("empty");
  WmSession *s = create_session (dir);
  g_autoptr(WmCase) c = new_case (3);
  Page p;
  guint n_new = 0;
  guint before;

  g_ptr_array_add (extra_sessions, s);
  page_open (&p, s);
  g_signal_connect (p.page, "new-enquiry", G_CALLBACK (signal_cb), &n_new);
  g_assert_cmpstr (visible_page_title (&p), ==, "No cases yet");
  g_assert_false (search_shown (&p));
  g_assert_cmpuint (assert_controls_named (GTK_WIDGET (p.page)), >=, 1);

  /* A button shows itself pressed for a moment before it clicks. */
  gtk_widget_activate (find_shown (GTK_WIDGET (p.page), GTK_TYPE_BUTTON, "_New Enquiry"));
  run_for (500);
  g_assert_cmpuint (n_new, ==, 1);

  before = p.n_changes;
  g_assert_true (wm_store_save_case (wm_session_get_store (s), c, &error));
  g_assert_no_error (error);
  wait_for_change (&p, before);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, 1);
  g_assert_null (visible_page_title (&p));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (p.column_view)));
  g_assert_true (label_shown (GTK_WIDGET (p.page), c->reference));
  assert_count_shown (&p, 1);

  page_close (&p);
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

/* The mapped reference cells of the list, top to bottom. */
static GPtrArray *
shown_references (Page *p)
{
  g_autoptr(GPtrArray) cells = find_widgets (GTK_WIDGET (p->column_view), GTK_TYPE_INSCRIPTION);
  GPtrArray *shown = g_ptr_array_new ();

  for (guint i = 0; i < cells->len; i++)
    if (gtk_widget_get_mapped (cells->pdata[i])
        && expected_by_reference (cell_text (cells->pdata[i])) != NULL)
      g_ptr_array_add (shown, cells->pdata[i]);

  return shown;
}

/* A search keeps the row widgets on screen and binds them to the cases found (GTK 4.8 would
 * otherwise destroy and rebuild them all, the main cost of a search over a large list): the
 * view hears of rows removed at the end only, the same label widgets stay, and every row
 * shows a case the search found, in the list's order. */
static void
test_search_rebinds_rows (void)
{
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  GtkWidget *first_label;
  guint n_before;
  guint n;
  Page p;

  page_open (&p, session);
  n_before = g_list_model_get_n_items (p.model);
  before = shown_references (&p);
  g_assert_cmpuint (before->len, >=, 5);
  first_label = before->pdata[0];
  g_object_add_weak_pointer (G_OBJECT (first_label), (gpointer *) &first_label);
  g_signal_connect (p.model, "items-changed", G_CALLBACK (rows_changed_cb), changes);

  search_for (&p, "harro");
  n = count_cases (open_in_town, "Harrogate");
  g_assert_cmpuint (n, <, n_before);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n);

  /* One change for the view: the rows past the new end removed, nothing replaced. */
  g_assert_cmpuint (changes->len, ==, 3);
  g_assert_cmpuint (g_array_index (changes, guint, 0), ==, n);
  g_assert_cmpuint (g_array_index (changes, guint, 1), ==, n_before - n);
  g_assert_cmpuint (g_array_index (changes, guint, 2), ==, 0);

  /* The top row's label is the same widget, now showing the first case found. */
  g_assert_nonnull (first_label);
  g_assert_true (gtk_widget_get_mapped (first_label));
  {
    g_autoptr(WmCaseSummary) top = summary_at (&p, 0);

    g_assert_cmpstr (cell_text (first_label), ==,
                     wm_case_summary_get_reference (top));
    /* and says so to a screen reader */
    g_assert_true (has_accessible_label (first_label, wm_case_summary_get_reference (top)));
  }
  after = shown_references (&p);
  g_assert_cmpuint (after->len, >=, 5);
  for (guint i = 0; i < after->len; i++)
    {
      const Expected *c = expected_by_reference (cell_text (after->pdata[i]));
      g_autoptr(WmCaseSummary) at = summary_at (&p, i);

      g_assert_cmpstr (c->town, ==, "Harrogate");
      g_assert_true (is_open (c));
      g_assert_cmpstr (cell_text (after->pdata[i]), ==,
                       wm_case_summary_get_reference (at));
    }

  /* Nothing found: "No matching cases", and the hidden view keeps its rows as they were. */
  g_array_set_size (changes, 0);
  search_for (&p, "zzqxv");
  g_assert_cmpuint (g_list_model_get_n_items (p.list), ==, 0);
  g_assert_cmpstr (visible_page_title (&p), ==, "No matching cases");
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (p.column_view)));
  g_assert_cmpuint (changes->len, ==, 0);
  g_assert_nonnull (first_label);

  /* Back to every open case: rows added at the end, the same widgets, and the top row shows
   * the newest. */
  search_for (&p, "");
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n_before);
  g_assert_cmpuint (changes->len, ==, 3);
  g_assert_cmpuint (g_array_index (changes, guint, 0), ==, n);
  g_assert_cmpuint (g_array_index (changes, guint, 1), ==, 0);
  g_assert_cmpuint (g_array_index (changes, guint, 2), ==, n_before - n);
  g_assert_nonnull (first_label);
  g_assert_true (gtk_widget_get_mapped (first_label));
  {
    g_autoptr(WmCaseSummary) top = summary_at (&p, 0);

    g_assert_cmpstr (cell_text (first_label), ==,
                     wm_case_summary_get_reference (top));
  }

  g_object_remove_weak_pointer (G_OBJECT (first_label), (gpointer *) &first_label);
  g_signal_handlers_disconnect_by_func (p.model, rows_changed_cb, changes);
  page_close (&p);
}

/* A search made while scrolled far down shows the first cases found, from the top. */
static void
test_search_from_far_down (void)
{
  GtkAdjustment *adj;
  Page p;

  page_open (&p, session);
  adj = gtk_scrolled_window_get_vadjustment (page_scrolled_window (&p));
  for (int i = 0; i < 5; i++)
    {
      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) / 2);
      run_for (50);
    }
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >, 0);

  search_for (&p, "York");
  {
    g_autoptr(WmCaseSummary) top = summary_at (&p, 0);

    g_assert_cmpstr (expected_by_reference (wm_case_summary_get_reference (top))->town, ==,
                     "York");
    wait_for_row_on_screen (&p, wm_case_summary_get_reference (top));
  }

  page_close (&p);
}

/* A case saved elsewhere appears without a restart; the selected case stays selected, and in
 * view, as the rows below the new one move down; the refresh reads only the rows it shows.
 * Runs last: it adds cases to the shared store. */
static void
test_follows_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmCase) c = new_case (7);
  g_autoptr(WmCaseSummary) selected = NULL;
  g_autoptr(WmCaseSummary) first = NULL;
  GtkSingleSelection *selection;
  GtkAdjustment *adj;
  WmCaseList *list;
  Page p;
  guint n;
  guint before;

  page_open (&p, session);
  list = page_case_list (&p);
  selection = GTK_SINGLE_SELECTION (p.model);
  n = g_list_model_get_n_items (p.model);

  /* Near the end of the list, far from the rows a fresh view shows. */
  adj = gtk_scrolled_window_get_vadjustment (page_scrolled_window (&p));
  for (int i = 0; i < 5; i++)
    {
      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
      run_for (50);
    }
  gtk_single_selection_set_selected (selection, n - 3);
  selected = summary_at (&p, n - 3);
  wait_for_row_on_screen (&p, wm_case_summary_get_reference (selected));

  before = p.n_changes;
  g_assert_true (wm_store_save_case (wm_session_get_store (session), c, &error));
  g_assert_no_error (error);
  wait_for_change (&p, before);

  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n + 1);
  assert_count_shown (&p, n + 1);
  first = summary_at (&p, 0);
  g_assert_cmpstr (wm_case_summary_get_reference (first), ==, c->reference);

  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, n - 2);
  g_assert_cmpint (wm_case_summary_get_id (wm_case_row_get_summary (
                     gtk_single_selection_get_selected_item (selection))),
                   ==, wm_case_summary_get_id (selected));
  wait_for_row_on_screen (&p, wm_case_summary_get_reference (selected));
  /* The rows at the top, shown first, and those at the end: not every row on the way (which
   * would leave at least 7 pages). */
  g_assert_cmpuint (wm_case_list_get_n_cached (list), <=, 6 * WM_CASE_LIST_PAGE_SIZE);

  /* Without a selection, the new case shows at the top. */
  gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
  g_clear_object (&c);
  c = new_case (8);
  before = p.n_changes;
  g_assert_true (wm_store_save_case (wm_session_get_store (session), c, &error));
  g_assert_no_error (error);
  wait_for_change (&p, before);
  g_assert_cmpuint (g_list_model_get_n_items (p.model), ==, n + 2);
  wait_for_row_on_screen (&p, c->reference);

  page_close (&p);
}

/* The shared store */

static void
set_status (WmStore    *store,
            WmCase     *c,
            const char *path)
{
  g_auto(GStrv) steps = g_strsplit (path, " ", -1);

  for (guint i = 0; steps[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (wm_store_set_case_status (store, c, steps[i], NULL, &error));
      g_assert_no_error (error);
    }
}

static void
fill_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_subdir ("shared");
  g_autoptr(WmTherapist) therapist = wm_therapist_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  const char *specialisms[] = { "pre-offence", NULL };
  WmStore *store;

  session = create_session (dir);
  store = wm_session_get_store (session);

  g_object_set (therapist,
                "external-id", "T-1",
                "given-name", "Alex",
                "family-name", "Therapist",
                "email", "alex@example.org",
                "phone", "01632960123",
                "town", "Harrogate",
                "postcode", "hg12ab",
                "latitude", 53.99,
                "longitude", -1.54,
                "specialisms", specialisms,
                "max-caseload", (gint64) 6,
                NULL);

  g_assert_true (wm_store_begin (store, &error));
  g_assert_true (wm_store_save_therapist (store, therapist, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < N_CASES; i++)
    {
      g_autoptr(WmCase) c = new_case (i);
      /* Newest first in the list: spread over days, the first cases the newest. */
      g_autoptr(GDateTime) opened = g_date_time_add_minutes (now, -(i % 400) * 24 * 60
                                                                  - (int) (1 + i / 400));
      g_autofree char *opened_at = g_date_time_format (opened, "%Y-%m-%dT%H:%M:%SZ");

      g_object_set (c, "opened-at", opened_at, NULL);
      if (i % 7 == 0)
        g_object_set (c, "assigned-therapist-id", wm_record_get_id (WM_RECORD (therapist)), NULL);
      g_assert_true (wm_store_save_case (store, c, &error));
      g_assert_no_error (error);

      if (i % 100 == 3)
        set_status (store, c, "triage matching referred in-therapy closed");
      else if (i % 10 == 6)
        set_status (store, c, "triage");
      else if (i % 10 == 7)
        set_status (store, c, "triage matching");
      else if (i % 10 == 8)
        set_status (store, c, "on-hold");
      else if (i % 10 == 9)
        set_status (store, c, "withdrawn");

      cases[i].id = wm_record_get_id (WM_RECORD (c));
      cases[i].reference = g_strdup (c->reference);
      cases[i].given_name = given_names[i % G_N_ELEMENTS (given_names)];
      cases[i].town = towns[i % G_N_ELEMENTS (towns)];
      cases[i].category = g_intern_string (c->category);
      cases[i].status = g_intern_string (c->status);
      cases[i].flagged = c->urgent || c->risk_safeguarding || c->risk_self_harm;
    }
  g_assert_true (wm_store_commit (store, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  app = test_application_new ();

  tmp_dir = tmpdir_new ();
  extra_sessions = g_ptr_array_new_with_free_func (g_object_unref);
  fill_store ();

  g_test_add_func ("/cases-page/search-and-filters", test_search_and_filters);
  g_test_add_func ("/cases-page/paged", test_paged);
  g_test_add_func ("/cases-page/risk-marked", test_risk_marked);
  g_test_add_func ("/cases-page/no-names-shown", test_no_names_shown);
  g_test_add_func ("/cases-page/activate", test_activate);
  g_test_add_func ("/cases-page/controls-named", test_controls_named);
  g_test_add_func ("/cases-page/empty-then-first-case", test_empty_then_first_case);
  g_test_add_func ("/cases-page/search-rebinds-rows", test_search_rebinds_rows);
  g_test_add_func ("/cases-page/search-from-far-down", test_search_from_far_down);
  /* Last: it adds cases to the shared store. */
  g_test_add_func ("/cases-page/follows-store", test_follows_store);

  ret = g_test_run ();

  g_clear_pointer (&extra_sessions, g_ptr_array_unref);
  g_clear_object (&session);
  for (guint i = 0; i < N_CASES; i++)
    g_free (cases[i].reference);
  tmpdir_free (tmp_dir);
  g_object_unref (app);

  return ret;
}
