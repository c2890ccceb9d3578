/* wm-cases-page.c: the searchable case list.
 *
 * The column view shows the core's WmCaseList through WmCaseRows (one item per row of the
 * view) and a selection model, nothing else: a sort or filter model in between would read
 * every row, and the point of the paged list is that 100,000 cases never become 100,000
 * objects. Searching and filtering are queries on the store, run on the main thread. After a
 * search the rows on screen stay and are bound to the cases now at their places: GTK 4.8
 * would otherwise destroy and rebuild every row widget it keeps (about 200), which cost three
 * times the query itself (see WmCaseRows). Rows come in the store's order, newest first; the
 * columns do not sort, since sorting in the view would read every row.
 *
 * Client names are not shown: the list is read across an office. Search still finds cases by
 * name, and the case view shows the name once a case is opened on purpose.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-accessible.h"
#include "wm-case-list.h"
#include "wm-cases-page.h"
#include "wm-gui-util.h"
#include "wm-vocab.h"

struct _WmCasesPage
{
  AdwBin parent_instance;

  WmSession *session;
  WmStore *store;
  WmCaseList *list;
  WmCaseRows *rows;
  gulong store_changed_id;
  guint refresh_id;

  const WmVocabEntry *statuses;
  guint n_statuses;
  const WmVocabEntry *categories;
  guint n_categories;

  /* Template widgets */
  GtkWidget *toolbar;
  GtkWidget *toolbar_separator;
  GtkSearchEntry *search_entry;
  GtkDropDown *status_drop_down;
  GtkDropDown *category_drop_down;
  GtkToggleButton *risk_toggle;
  GtkToggleButton *open_toggle;
  GtkStack *stack;
  GtkScrolledWindow *scrolled_window;
  GtkColumnView *column_view;
  GtkSingleSelection *selection;
  GtkLabel *count_label;
};

G_DEFINE_FINAL_TYPE (WmCasesPage, wm_cases_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  SIGNAL_CASE_ACTIVATED,
  SIGNAL_NEW_ENQUIRY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* "Any …" first, then the vocabulary's labels in its own order. */
static void
set_vocab_choices (GtkDropDown        *drop_down,
                   WmVocab             vocab,
                   const char         *any,
                   const WmVocabEntry **entries,
                   guint              *n_entries)
{
  g_autoptr(GtkStringList) choices = gtk_string_list_new (NULL);

  *entries = wm_vocab_entries (vocab, n_entries);
  gtk_string_list_append (choices, any);
  for (guint i = 0; i < *n_entries; i++)
    gtk_string_list_append (choices, wm_vocab_label (vocab, (*entries)[i].code));
  gtk_drop_down_set_model (drop_down, G_LIST_MODEL (choices));
}

static const char *
chosen_code (GtkDropDown        *drop_down,
             const WmVocabEntry *entries,
             guint               n_entries)
{
  guint selected = gtk_drop_down_get_selected (drop_down);

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION || selected > n_entries)
    return NULL;
  return entries[selected - 1].code;
}

static void
wm_cases_page_update_state (WmCasesPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  g_autofree char *count = NULL;
  gboolean no_cases;

  /* The locale's digit grouping: "1,234 cases" in English. */
  count = g_strdup_printf (ngettext ("%'u case", "%'u cases", n), n);
  gtk_label_set_label (self->count_label, count);

  /* With nothing recorded at all, the search and filters have nothing to work on: the empty
   * state's own button is the one thing to do. */
  no_cases = n == 0 && wm_store_count_cases (self->store) == 0;
  gtk_widget_set_visible (self->toolbar, !no_cases);
  gtk_widget_set_visible (self->toolbar_separator, !no_cases);
  if (no_cases)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else if (n == 0)
    gtk_stack_set_visible_child_name (self->stack, "no-results");
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

static gint64
item_id (WmCasesPage *self,
         guint        position)
{
  g_autoptr(WmCaseSummary) item = g_list_model_get_item (G_LIST_MODEL (self->list), position);

  return item != NULL ? wm_case_summary_get_id (item) : -1;
}

/* Attached again, the list shows its first rows: bring the selected case back into view.
 * GTK 4.8 has no gtk_column_view_scroll_to(); the column view's inner list view has the
 * action. */
static void
scroll_to (WmCasesPage *self,
           guint        position)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_VIEW (child))
        gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
    }
}

/* Runs the query the controls describe. A new query starts without a selection, at the top
 * of the list; a refresh of the same query keeps the selected case when it is still at, or
 * one row from, where it was: the usual changes are a case edited in place or one added at
 * the top. Finding it anywhere else would mean reading the whole list. */
static void
wm_cases_page_reload (WmCasesPage *self,
                      gboolean     new_query)
{
  g_autoptr(GError) error = NULL;
  guint position = gtk_single_selection_get_selected (self->selection);
  gint64 selected_id = -1;
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  gboolean scrolled = gtk_adjustment_get_value (vadjustment) > 0;
  gboolean detached = new_query && scrolled;
  gboolean kept = FALSE;
  gboolean ok;
  guint n;

  if (!new_query && position != GTK_INVALID_LIST_POSITION)
    selected_id = item_id (self, position);

  /* A new list from far down goes back to the top. GTK 4.8 keeps its place by the rows it
   * had, and neither scroll-to-item nor the adjustment moves it reliably right after a
   * change; detached and attached again, the view starts at the top. That rebuilds its rows,
   * which a search from the top, the usual case, does not need. */
  if (detached)
    gtk_single_selection_set_model (self->selection, NULL);

  /* The list replaces all its cases in one change; WmCaseRows passes it on to the view as
   * rows added or removed at the end, and the rows that stay show their new cases. An empty
   * list is shown as "No matching cases" with the view hidden: the view then keeps its rows,
   * untouched, for the next search (see below). */
  wm_case_rows_hold (self->rows);
  if (new_query)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
      const char *status = chosen_code (self->status_drop_down, self->statuses, self->n_statuses);
      WmCaseQuery query = {
        .text = text[0] != '\0' ? text : NULL,
        .status = status,
        .category = chosen_code (self->category_drop_down, self->categories,
                                 self->n_categories),
        .only_risk = gtk_toggle_button_get_active (self->risk_toggle),
        /* Asking for a status answers the open-or-closed question already. */
        .only_open = status == NULL && gtk_toggle_button_get_active (self->open_toggle),
      };

      ok = wm_case_list_set_query (self->list, &query, &error);
    }
  else
    ok = wm_case_list_refresh (self->list, &error);

  /* Values are bound, never part of the SQL, so the message carries no personal data. */
  if (!ok)
    g_warning ("Could not list cases: %s", error->message);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  if (n > 0 || detached)
    wm_case_rows_follow (self->rows);

  if (detached)
    gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->rows));

  if (selected_id >= 0)
    {
      guint first = position > 0 ? position - 1 : 0;

      for (guint i = first; i <= position + 1 && i < n; i++)
        {
          if (item_id (self, i) == selected_id)
            {
              gtk_single_selection_set_selected (self->selection, i);
              scroll_to (self, i);
              kept = TRUE;
              break;
            }
        }
    }
  /* The selection is a row: left alone, it would pass to whichever case is there now. */
  if (!kept)
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      /* A refresh that lost the selection far down: to the top, as above. */
      if (scrolled && !detached && n > 0)
        {
          gtk_single_selection_set_model (self->selection, NULL);
          gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->rows));
        }
    }

  wm_cases_page_update_state (self);
}

static gboolean
refresh_cb (gpointer user_data)
{
  WmCasesPage *self = user_data;

  self->refresh_id = 0;
  wm_cases_page_reload (self, FALSE);

  return G_SOURCE_REMOVE;
}

/* One transaction announces each case it touched: refresh once, after the burst. Therapist
 * changes count too, as the list shows the assigned therapist's name. */
static void
store_changed_cb (WmStore     *store,
                  const char  *entity,
                  gint64       id,
                  WmCasesPage *self)
{
  if (g_strcmp0 (entity, "case") != 0 && g_strcmp0 (entity, "therapist") != 0)
    return;
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add (refresh_cb, self);
}

static void
search_changed_cb (WmCasesPage *self)
{
  if (self->list == NULL)
    return;
  wm_cases_page_reload (self, TRUE);
}

static void
stop_search_cb (WmCasesPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
filter_changed_cb (WmCasesPage *self)
{
  /* Not there until the session is: the template sets the filters' defaults first. */
  if (self->list == NULL)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (self->open_toggle),
                            chosen_code (self->status_drop_down, self->statuses,
                                         self->n_statuses) == NULL);
  wm_cases_page_reload (self, TRUE);
}

static void
new_enquiry_cb (WmCasesPage *self)
{
  g_signal_emit (self, signals[SIGNAL_NEW_ENQUIRY], 0);
}

static void
column_view_activate_cb (WmCasesPage *self,
                         guint        position)
{
  gint64 id = item_id (self, position);

  if (id >= 0)
    g_signal_emit (self, signals[SIGNAL_CASE_ACTIVATED], 0, id);
}

/* Cells
 *
 * A cell's item is a WmCaseRow. The cell shows the row's case when bound and again whenever
 * the row moves on to another case (a new search), until it is unbound. */

typedef void (*CellShowFunc) (GtkListItem   *list_item,
                              WmCaseSummary *summary);

static GQuark cell_show_quark;
static GQuark cell_handler_quark;

static void
row_summary_changed_cb (WmCaseRow   *row,
                        GParamSpec  *pspec,
                        GtkListItem *list_item)
{
  CellShowFunc show = g_object_get_qdata (G_OBJECT (list_item), cell_show_quark);

  show (list_item, wm_case_row_get_summary (row));
}

static void
cell_bind (GtkListItem  *list_item,
           CellShowFunc  show)
{
  WmCaseRow *row = gtk_list_item_get_item (list_item);
  gulong id;

  g_object_set_qdata (G_OBJECT (list_item), cell_show_quark, show);
  show (list_item, wm_case_row_get_summary (row));
  id = g_signal_connect (row, "notify::summary", G_CALLBACK (row_summary_changed_cb), list_item);
  g_object_set_qdata (G_OBJECT (list_item), cell_handler_quark, GSIZE_TO_POINTER ((gsize) id));
}

static void
cell_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                WmCasesPage              *self)
{
  WmCaseRow *row = gtk_list_item_get_item (list_item);
  gulong id = (gulong) GPOINTER_TO_SIZE (g_object_steal_qdata (G_OBJECT (list_item),
                                                               cell_handler_quark));

  if (row != NULL && id != 0)
    g_signal_handler_disconnect (row, id);
}

/* Cell text is a GtkInscription, made for list cells: its size comes from the font, not
 * from its text, so a row bound to another case is not measured again (with labels, measuring
 * the new texts cost as much as the rest of a search). A screen reader reads it as a label. */
static GtkWidget *
cell_text_new (void)
{
  GtkWidget *inscription = gtk_inscription_new (NULL);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (inscription),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  /* What the columns without a fixed width ask for (a town, a therapist's name). */
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (inscription), 16);
  gtk_widget_set_hexpand (inscription, TRUE);
  return inscription;
}

static void
label_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                WmCasesPage              *self)
{
  gtk_list_item_set_child (list_item, cell_text_new ());
}

static void
set_cell_text (GtkListItem *list_item,
               const char  *text)
{
  gtk_inscription_set_text (GTK_INSCRIPTION (gtk_list_item_get_child (list_item)), text);
}

/* The risk flag sits with the reference, the column a coordinator reads first: an icon for
 * those who cannot tell the colour, the .risk colours for a glance down the list. */
static void
reference_setup_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    WmCasesPage              *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_widget_set_visible (icon, FALSE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), cell_text_new ());
  gtk_list_item_set_child (list_item, box);
}

static void
reference_show (GtkListItem   *list_item,
                WmCaseSummary *item)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *text = gtk_widget_get_next_sibling (icon);
  gboolean risk = item != NULL && wm_case_summary_get_risk (item);
  gboolean urgent = item != NULL && wm_case_summary_get_urgent (item);
  gboolean flagged = risk || urgent;
  /* Urgent without a named risk is flagged the same way, and said as what it is. */
  const char *flag = risk ? _("Risk") : _("Urgent");

  gtk_inscription_set_text (GTK_INSCRIPTION (text),
                            item != NULL ? wm_case_summary_get_reference (item) : NULL);
  gtk_widget_set_visible (icon, flagged);
  if (flagged)
    gtk_widget_add_css_class (box, "risk");
  else
    gtk_widget_remove_css_class (box, "risk");
  gtk_widget_set_tooltip_text (icon, flagged ? flag : NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, flag,
                                  -1);
}

static void
status_show (GtkListItem   *list_item,
             WmCaseSummary *item)
{
  const char *status = item != NULL ? wm_case_summary_get_status (item) : NULL;

  set_cell_text (list_item, status ? wm_vocab_label (WM_VOCAB_CASE_STATUS, status) : NULL);
}

static void
category_show (GtkListItem   *list_item,
               WmCaseSummary *item)
{
  const char *category = item != NULL ? wm_case_summary_get_category (item) : NULL;

  set_cell_text (list_item, category ? wm_vocab_label (WM_VOCAB_CATEGORY, category) : NULL);
}

static void
town_show (GtkListItem   *list_item,
           WmCaseSummary *item)
{
  set_cell_text (list_item, item != NULL ? wm_case_summary_get_town (item) : NULL);
}

static void
age_show (GtkListItem   *list_item,
          WmCaseSummary *item)
{
  const char *opened_at = item != NULL ? wm_case_summary_get_opened_at (item) : NULL;
  g_autofree char *age = opened_at != NULL ? wm_gui_format_age (opened_at) : NULL;

  set_cell_text (list_item, age);
}

static void
therapist_show (GtkListItem   *list_item,
                WmCaseSummary *item)
{
  const char *name = item != NULL ? wm_case_summary_get_therapist_name (item) : NULL;
  GtkWidget *cell = gtk_list_item_get_child (list_item);

  if (item == NULL)
    set_cell_text (list_item, NULL);
  else if (name != NULL && name[0] != '\0')
    {
      set_cell_text (list_item, name);
      gtk_widget_remove_css_class (cell, "dim-label");
    }
  else
    {
      set_cell_text (list_item, _("Not assigned"));
      gtk_widget_add_css_class (cell, "dim-label");
    }
}

static void
reference_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   WmCasesPage              *self)
{
  cell_bind (list_item, reference_show);
}

static void
status_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                WmCasesPage              *self)
{
  cell_bind (list_item, status_show);
}

static void
category_bind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  WmCasesPage              *self)
{
  cell_bind (list_item, category_show);
}

static void
town_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              WmCasesPage              *self)
{
  cell_bind (list_item, town_show);
}

static void
age_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             WmCasesPage              *self)
{
  cell_bind (list_item, age_show);
}

static void
therapist_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   WmCasesPage              *self)
{
  cell_bind (list_item, therapist_show);
}

/* The object */

static void
wm_cases_page_set_session (WmCasesPage *self,
                           WmSession   *session)
{
  g_return_if_fail (WM_IS_SESSION (session));

  self->session = g_object_ref (session);
  self->store = g_object_ref (wm_session_get_store (session));
  self->list = wm_case_list_new (self->store);
  self->rows = wm_case_rows_new (self->list);
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->rows));
  self->store_changed_id = g_signal_connect (self->store, "changed",
                                             G_CALLBACK (store_changed_cb), self);
  wm_cases_page_reload (self, TRUE);
}

static void
wm_cases_page_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  WmCasesPage *self = WM_CASES_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      wm_cases_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_cases_page_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WmCasesPage *self = WM_CASES_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_cases_page_dispose (GObject *object)
{
  WmCasesPage *self = WM_CASES_PAGE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_signal_handler (&self->store_changed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_CASES_PAGE);
  g_clear_object (&self->rows);
  g_clear_object (&self->list);
  g_clear_object (&self->store);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wm_cases_page_parent_class)->dispose (object);
}

static void
wm_cases_page_class_init (WmCasesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->set_property = wm_cases_page_set_property;
  object_class->get_property = wm_cases_page_get_property;
  object_class->dispose = wm_cases_page_dispose;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         WM_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WmCasesPage::case-activated:
   * @case_id: the case's id
   *
   * A row was activated (double-click, Enter): open this case.
   */
  signals[SIGNAL_CASE_ACTIVATED] =
    g_signal_new ("case-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  /**
   * WmCasesPage::new-enquiry:
   *
   * "New Enquiry" was pressed.
   */
  signals[SIGNAL_NEW_ENQUIRY] =
    g_signal_new ("new-enquiry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  cell_show_quark = g_quark_from_static_string ("wm-cell-show");
  cell_handler_quark = g_quark_from_static_string ("wm-cell-handler");

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-cases-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, toolbar);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, toolbar_separator);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, status_drop_down);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, category_drop_down);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, risk_toggle);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, open_toggle);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, stack);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, selection);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, count_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_enquiry_cb);
  gtk_widget_class_bind_template_callback (widget_class, column_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, label_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, cell_unbind_cb);
  gtk_widget_class_bind_template_callback (widget_class, reference_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, reference_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, status_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, category_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, town_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, age_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, therapist_bind_cb);
}

static void
wm_cases_page_init (WmCasesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  set_vocab_choices (self->status_drop_down, WM_VOCAB_CASE_STATUS, _("Any status"),
                     &self->statuses, &self->n_statuses);
  set_vocab_choices (self->category_drop_down, WM_VOCAB_CATEGORY, _("Any category"),
                     &self->categories, &self->n_categories);
  wm_accessible_label_drop_down (self->status_drop_down, _("Status"));
  wm_accessible_label_drop_down (self->category_drop_down, _("Category"));

  /* Typing anywhere on the page searches. */
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
}

GtkWidget *
wm_cases_page_new (WmSession *session)
{
  g_return_val_if_fail (WM_IS_SESSION (session), NULL);

  return g_object_new (WM_TYPE_CASES_PAGE,
                       "session", session,
                       NULL);
}

void
wm_cases_page_focus_search (WmCasesPage *self)
{
  g_return_if_fail (WM_IS_CASES_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}
