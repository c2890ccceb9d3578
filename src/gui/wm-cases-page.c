/* wm-cases-page.c: the searchable case list.
 *
 * The column view shows the core's WmCaseList as it is, through a selection model and
 * nothing else: a sort or filter model in between would read every row, and the point of the
 * paged list is that 100,000 cases never become 100,000 objects. Searching and filtering are
 * queries on the store, run on the main thread: a search and its first rows take milliseconds
 * over 100,000 cases. Rows come in the store's order, newest first; the columns do not sort,
 * since sorting in the view would read every row.
 *
 * Client names are not shown: the list is read across an office. Search still finds cases by
 * name, and the case view shows the name once a case is opened on purpose.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

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

/* In GTK 4.8 a GtkDropDown is a wrapper around a toggle button that takes the focus and the
 * press action; a name set on the wrapper stays there, and a screen reader announces the
 * button by its current choice alone ("Any status"). Names both, as
 * wm_accessible_label_menu_button() does for menu buttons. */
static void
label_drop_down (GtkDropDown *drop_down,
                 const char  *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (drop_down),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (drop_down));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TOGGLE_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                        -1);
    }
}

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

/* Runs the query the controls describe. A new query starts without a selection; a refresh
 * of the same query keeps the selected case when it is still at, or one row from, where it
 * was: the usual changes are a case edited in place or one added at the top. Finding it
 * anywhere else would mean reading the whole list. */
static void
wm_cases_page_reload (WmCasesPage *self,
                      gboolean     new_query)
{
  g_autoptr(GError) error = NULL;
  guint position = gtk_single_selection_get_selected (self->selection);
  gint64 selected_id = -1;
  gboolean ok;

  if (!new_query && position != GTK_INVALID_LIST_POSITION)
    selected_id = item_id (self, position);

  /* The list replaces all its rows in one change. GTK 4.8's list views, seeing rows they
   * show replaced, look for them among every new row to keep their place, and over a paged
   * list that reads every row there is. Detached and attached again, the list is removed
   * and then added, which reads only the rows on screen. */
  gtk_single_selection_set_model (self->selection, NULL);

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

  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->list));

  if (selected_id >= 0)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
      guint first = position > 0 ? position - 1 : 0;

      for (guint i = first; i <= position + 1 && i < n; i++)
        {
          if (item_id (self, i) == selected_id)
            {
              gtk_single_selection_set_selected (self->selection, i);
              scroll_to (self, i);
              break;
            }
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

/* Cells */

static GtkWidget *
cell_label_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);

  return label;
}

static void
label_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                WmCasesPage              *self)
{
  gtk_list_item_set_child (list_item, cell_label_new ());
}

static void
set_cell_text (GtkListItem *list_item,
               const char  *text)
{
  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (list_item)), text ? text : "");
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
  gtk_box_append (GTK_BOX (box), cell_label_new ());
  gtk_list_item_set_child (list_item, box);
}

static void
reference_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   WmCasesPage              *self)
{
  WmCaseSummary *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (icon);
  gboolean risk = wm_case_summary_get_risk (item);
  gboolean urgent = wm_case_summary_get_urgent (item);
  /* Urgent without a named risk is flagged the same way, and said as what it is. */
  const char *flag = risk ? _("Risk") : _("Urgent");

  gtk_label_set_label (GTK_LABEL (label), wm_case_summary_get_reference (item));
  gtk_widget_set_visible (icon, risk || urgent);
  gtk_widget_set_tooltip_text (icon, risk || urgent ? flag : NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, flag,
                                  -1);
  if (risk || urgent)
    gtk_widget_add_css_class (box, "risk");
  else
    gtk_widget_remove_css_class (box, "risk");
}

static void
status_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                WmCasesPage              *self)
{
  WmCaseSummary *item = gtk_list_item_get_item (list_item);
  const char *status = wm_case_summary_get_status (item);

  set_cell_text (list_item, status ? wm_vocab_label (WM_VOCAB_CASE_STATUS, status) : NULL);
}

static void
category_bind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  WmCasesPage              *self)
{
  WmCaseSummary *item = gtk_list_item_get_item (list_item);
  const char *category = wm_case_summary_get_category (item);

  set_cell_text (list_item, category ? wm_vocab_label (WM_VOCAB_CATEGORY, category) : NULL);
}

static void
town_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              WmCasesPage              *self)
{
  set_cell_text (list_item, wm_case_summary_get_town (gtk_list_item_get_item (list_item)));
}

static void
age_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             WmCasesPage              *self)
{
  const char *opened_at = wm_case_summary_get_opened_at (gtk_list_item_get_item (list_item));
  g_autofree char *age = opened_at != NULL ? wm_gui_format_age (opened_at) : NULL;

  set_cell_text (list_item, age);
}

static void
therapist_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   WmCasesPage              *self)
{
  const char *name = wm_case_summary_get_therapist_name (gtk_list_item_get_item (list_item));
  GtkWidget *label = gtk_list_item_get_child (list_item);

  if (name != NULL && name[0] != '\0')
    {
      gtk_label_set_label (GTK_LABEL (label), name);
      gtk_widget_remove_css_class (label, "dim-label");
    }
  else
    {
      gtk_label_set_label (GTK_LABEL (label), _("Not assigned"));
      gtk_widget_add_css_class (label, "dim-label");
    }
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
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->list));
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
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, selection);
  gtk_widget_class_bind_template_child (widget_class, WmCasesPage, count_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_enquiry_cb);
  gtk_widget_class_bind_template_callback (widget_class, column_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, label_setup_cb);
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
  label_drop_down (self->status_drop_down, _("Status"));
  label_drop_down (self->category_drop_down, _("Category"));

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
