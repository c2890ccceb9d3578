/* wm-case-list.c: a paged GListModel over the cases table, and the same as rows for a view
 * (WmCaseRows, see wm-case-list.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "wm-case-list.h"

/* Enough pages for a screenful in each of a few views without reloading while scrolling. */
#define MAX_CACHED_PAGES 8

struct _WmCaseSummary
{
  GObject parent_instance;
  WmCaseSummaryData data;
};

G_DEFINE_FINAL_TYPE (WmCaseSummary, wm_case_summary, G_TYPE_OBJECT)

enum {
  SUMMARY_PROP_0,
  SUMMARY_PROP_REFERENCE,
  SUMMARY_PROP_STATUS,
  SUMMARY_PROP_CATEGORY,
  SUMMARY_PROP_TOWN,
  SUMMARY_PROP_DISPLAY_NAME,
  SUMMARY_PROP_THERAPIST_NAME,
  SUMMARY_PROP_OPENED_AT,
  SUMMARY_PROP_URGENT,
  SUMMARY_PROP_RISK,
  SUMMARY_N_PROPS
};

static GParamSpec *summary_properties[SUMMARY_N_PROPS];

static void
wm_case_summary_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  WmCaseSummaryData *d = &WM_CASE_SUMMARY (object)->data;

  switch (prop_id)
    {
    case SUMMARY_PROP_REFERENCE: g_value_set_string (value, d->reference); break;
    case SUMMARY_PROP_STATUS: g_value_set_string (value, d->status); break;
    case SUMMARY_PROP_CATEGORY: g_value_set_string (value, d->category); break;
    case SUMMARY_PROP_TOWN: g_value_set_string (value, d->town); break;
    case SUMMARY_PROP_DISPLAY_NAME: g_value_set_string (value, d->display_name); break;
    case SUMMARY_PROP_THERAPIST_NAME: g_value_set_string (value, d->therapist_name); break;
    case SUMMARY_PROP_OPENED_AT: g_value_set_string (value, d->opened_at); break;
    case SUMMARY_PROP_URGENT: g_value_set_boolean (value, d->urgent); break;
    case SUMMARY_PROP_RISK: g_value_set_boolean (value, d->risk); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_case_summary_finalize (GObject *object)
{
  wm_case_summary_data_clear (&WM_CASE_SUMMARY (object)->data);
  G_OBJECT_CLASS (wm_case_summary_parent_class)->finalize (object);
}

static void
wm_case_summary_class_init (WmCaseSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = wm_case_summary_get_property;
  object_class->finalize = wm_case_summary_finalize;

  summary_properties[SUMMARY_PROP_REFERENCE] =
    g_param_spec_string ("reference", NULL, NULL, NULL, flags);
  summary_properties[SUMMARY_PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  summary_properties[SUMMARY_PROP_CATEGORY] =
    g_param_spec_string ("category", NULL, NULL, NULL, flags);
  summary_properties[SUMMARY_PROP_TOWN] = g_param_spec_string ("town", NULL, NULL, NULL, flags);
  summary_properties[SUMMARY_PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  summary_properties[SUMMARY_PROP_THERAPIST_NAME] =
    g_param_spec_string ("therapist-name", NULL, NULL, NULL, flags);
  summary_properties[SUMMARY_PROP_OPENED_AT] =
    g_param_spec_string ("opened-at", NULL, NULL, NULL, flags);
  summary_properties[SUMMARY_PROP_URGENT] =
    g_param_spec_boolean ("urgent", NULL, NULL, FALSE, flags);
  summary_properties[SUMMARY_PROP_RISK] = g_param_spec_boolean ("risk", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, SUMMARY_N_PROPS, summary_properties);
}

static void
wm_case_summary_init (WmCaseSummary *self)
{
}

gint64 wm_case_summary_get_id (WmCaseSummary *self) { return self->data.id; }
const char *wm_case_summary_get_reference (WmCaseSummary *self) { return self->data.reference; }
const char *wm_case_summary_get_status (WmCaseSummary *self) { return self->data.status; }
const char *wm_case_summary_get_category (WmCaseSummary *self) { return self->data.category; }
const char *wm_case_summary_get_town (WmCaseSummary *self) { return self->data.town; }
const char *wm_case_summary_get_display_name (WmCaseSummary *self) { return self->data.display_name; }
const char *wm_case_summary_get_therapist_name (WmCaseSummary *self) { return self->data.therapist_name; }
const char *wm_case_summary_get_opened_at (WmCaseSummary *self) { return self->data.opened_at; }
gboolean wm_case_summary_get_urgent (WmCaseSummary *self) { return self->data.urgent; }
gboolean wm_case_summary_get_risk (WmCaseSummary *self) { return self->data.risk; }

/* The list */

struct _WmCaseList
{
  GObject parent_instance;

  WmStore *store;
  GArray *ids;          /* gint64, in display order */
  GHashTable *pages;    /* page number → GPtrArray of WmCaseSummary */
  GQueue lru;           /* page numbers, most recent first */

  /* The query, owned copies */
  char *text;
  char *status;
  char *category;
  gboolean only_risk;
  gboolean only_open;
};

static void wm_case_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WmCaseList, wm_case_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, wm_case_list_model_init))

static GType
wm_case_list_get_item_type (GListModel *model)
{
  return WM_TYPE_CASE_SUMMARY;
}

static guint
wm_case_list_get_n_items (GListModel *model)
{
  return WM_CASE_LIST (model)->ids->len;
}

static GPtrArray *
load_page (WmCaseList *self,
           guint       page)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) data = g_array_new (FALSE, TRUE, sizeof (WmCaseSummaryData));
  guint first = page * WM_CASE_LIST_PAGE_SIZE;
  guint n = MIN (WM_CASE_LIST_PAGE_SIZE, self->ids->len - first);
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);

  if (!wm_store_load_case_summaries (self->store, &g_array_index (self->ids, gint64, first), n,
                                     data, &error))
    {
      /* A view cannot take an error here; show empty rows rather than crash, and say why
       * without any personal data. */
      g_warning ("Could not load case list rows: %s", error->message);
    }
  for (guint i = 0; i < n; i++)
    {
      WmCaseSummary *item = g_object_new (WM_TYPE_CASE_SUMMARY, NULL);

      if (i < data->len)
        item->data = g_array_index (data, WmCaseSummaryData, i);
      else
        item->data.id = g_array_index (self->ids, gint64, first + i);
      g_ptr_array_add (items, item);
    }
  return items;
}

static gpointer
wm_case_list_get_item (GListModel *model,
                       guint       position)
{
  WmCaseList *self = WM_CASE_LIST (model);
  guint page = position / WM_CASE_LIST_PAGE_SIZE;
  GPtrArray *items;

  if (position >= self->ids->len)
    return NULL;

  items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (items == NULL)
    {
      items = load_page (self, page);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);
      if (g_queue_get_length (&self->lru) >= MAX_CACHED_PAGES)
        g_hash_table_remove (self->pages, g_queue_pop_tail (&self->lru));
    }
  else
    g_queue_remove (&self->lru, GUINT_TO_POINTER (page));
  g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));

  return g_object_ref (g_ptr_array_index (items, position % WM_CASE_LIST_PAGE_SIZE));
}

static void
wm_case_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = wm_case_list_get_item_type;
  iface->get_n_items = wm_case_list_get_n_items;
  iface->get_item = wm_case_list_get_item;
}

static void
wm_case_list_finalize (GObject *object)
{
  WmCaseList *self = WM_CASE_LIST (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_queue_clear (&self->lru);
  g_free (self->text);
  g_free (self->status);
  g_free (self->category);
  G_OBJECT_CLASS (wm_case_list_parent_class)->finalize (object);
}

static void
wm_case_list_class_init (WmCaseListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wm_case_list_finalize;
}

static void
wm_case_list_init (WmCaseList *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_queue_init (&self->lru);
}

WmCaseList *
wm_case_list_new (WmStore *store)
{
  WmCaseList *self;

  g_return_val_if_fail (WM_IS_STORE (store), NULL);
  self = g_object_new (WM_TYPE_CASE_LIST, NULL);
  self->store = g_object_ref (store);
  return self;
}

gboolean
wm_case_list_refresh (WmCaseList  *self,
                      GError     **error)
{
  WmCaseQuery query = {
    .text = self->text,
    .status = self->status,
    .category = self->category,
    .only_risk = self->only_risk,
    .only_open = self->only_open,
  };
  GArray *ids;
  guint old_n;

  g_return_val_if_fail (WM_IS_CASE_LIST (self), FALSE);

  ids = wm_store_query_case_ids (self->store, &query, error);
  if (ids == NULL)
    return FALSE;
  old_n = self->ids->len;
  g_array_unref (self->ids);
  self->ids = ids;
  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, ids->len);
  return TRUE;
}

gboolean
wm_case_list_set_query (WmCaseList         *self,
                        const WmCaseQuery  *query,
                        GError            **error)
{
  g_return_val_if_fail (WM_IS_CASE_LIST (self), FALSE);

  g_free (self->text);
  g_free (self->status);
  g_free (self->category);
  self->text = g_strdup (query->text);
  self->status = g_strdup (query->status);
  self->category = g_strdup (query->category);
  self->only_risk = query->only_risk;
  self->only_open = query->only_open;
  return wm_case_list_refresh (self, error);
}

guint
wm_case_list_get_n_cached (WmCaseList *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (WM_IS_CASE_LIST (self), 0);
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((GPtrArray *) value)->len;
  return n;
}

/* Rows */

struct _WmCaseRows
{
  GObject parent_instance;

  WmCaseList *list;
  gulong items_changed_id;
  guint n_items;
  GHashTable *live;     /* position → WmCaseRow, not owned: the rows someone holds */
  gboolean held;
  guint changed_from;   /* while held: the first position the list changed, or G_MAXUINT */
};

struct _WmCaseRow
{
  GObject parent_instance;

  WmCaseRows *rows;     /* owned: a row outliving its model still finds its list */
  guint position;
  gboolean past_end;
  WmCaseSummary *summary;
};

G_DEFINE_FINAL_TYPE (WmCaseRow, wm_case_row, G_TYPE_OBJECT)

enum {
  ROW_PROP_0,
  ROW_PROP_SUMMARY,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

static void
wm_case_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  switch (prop_id)
    {
    case ROW_PROP_SUMMARY:
      g_value_set_object (value, wm_case_row_get_summary (WM_CASE_ROW (object)));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_case_row_finalize (GObject *object)
{
  WmCaseRow *self = WM_CASE_ROW (object);

  if (!self->past_end
      && g_hash_table_lookup (self->rows->live, GUINT_TO_POINTER (self->position)) == self)
    g_hash_table_remove (self->rows->live, GUINT_TO_POINTER (self->position));
  g_clear_object (&self->summary);
  g_clear_object (&self->rows);
  G_OBJECT_CLASS (wm_case_row_parent_class)->finalize (object);
}

static void
wm_case_row_class_init (WmCaseRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wm_case_row_get_property;
  object_class->finalize = wm_case_row_finalize;

  row_properties[ROW_PROP_SUMMARY] =
    g_param_spec_object ("summary", NULL, NULL, WM_TYPE_CASE_SUMMARY,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
wm_case_row_init (WmCaseRow *self)
{
}

guint
wm_case_row_get_position (WmCaseRow *self)
{
  g_return_val_if_fail (WM_IS_CASE_ROW (self), G_MAXUINT);
  return self->position;
}

WmCaseSummary *
wm_case_row_get_summary (WmCaseRow *self)
{
  g_return_val_if_fail (WM_IS_CASE_ROW (self), NULL);

  if (self->summary == NULL && !self->past_end)
    self->summary = g_list_model_get_item (G_LIST_MODEL (self->rows->list), self->position);
  return self->summary;
}

static void wm_case_rows_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WmCaseRows, wm_case_rows, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      wm_case_rows_model_init))

static GType
wm_case_rows_get_item_type (GListModel *model)
{
  return WM_TYPE_CASE_ROW;
}

static guint
wm_case_rows_get_n_items (GListModel *model)
{
  return WM_CASE_ROWS (model)->n_items;
}

/* The same object for a position for as long as anyone holds it: views find their rows by
 * identity. */
static gpointer
wm_case_rows_get_item (GListModel *model,
                       guint       position)
{
  WmCaseRows *self = WM_CASE_ROWS (model);
  WmCaseRow *row;

  if (position >= self->n_items)
    return NULL;
  row = g_hash_table_lookup (self->live, GUINT_TO_POINTER (position));
  if (row != NULL)
    return g_object_ref (row);

  row = g_object_new (WM_TYPE_CASE_ROW, NULL);
  row->rows = g_object_ref (self);
  row->position = position;
  g_hash_table_insert (self->live, GUINT_TO_POINTER (position), row);
  return row;
}

static void
wm_case_rows_model_init (GListModelInterface *iface)
{
  iface->get_item_type = wm_case_rows_get_item_type;
  iface->get_n_items = wm_case_rows_get_n_items;
  iface->get_item = wm_case_rows_get_item;
}

/* The list changed from @position on: rows past its new end go, rows added at the end come,
 * and every row still there from @position on shows whatever case is at its place now. */
static void
catch_up (WmCaseRows *self,
          guint       position)
{
  guint old_n = self->n_items;
  guint new_n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      WmCaseRow *row = value;

      if (row->position < position)
        continue;
      g_clear_object (&row->summary);
      if (row->position >= new_n)
        {
          /* Its view lets it go on the items-changed below; until then it shows nothing. */
          row->past_end = TRUE;
          g_hash_table_iter_remove (&iter);
        }
      else
        g_ptr_array_add (changed, g_object_ref (row));
    }

  self->n_items = new_n;
  if (new_n < old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), new_n, old_n - new_n, 0);
  else if (new_n > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, new_n - old_n);

  for (guint i = 0; i < changed->len; i++)
    g_object_notify_by_pspec (changed->pdata[i], row_properties[ROW_PROP_SUMMARY]);
}

static void
list_items_changed_cb (GListModel *list,
                       guint       position,
                       guint       removed,
                       guint       added,
                       WmCaseRows *self)
{
  if (self->held)
    self->changed_from = MIN (self->changed_from, position);
  else
    catch_up (self, position);
}

static void
wm_case_rows_dispose (GObject *object)
{
  WmCaseRows *self = WM_CASE_ROWS (object);

  g_clear_signal_handler (&self->items_changed_id, self->list);
  G_OBJECT_CLASS (wm_case_rows_parent_class)->dispose (object);
}

static void
wm_case_rows_finalize (GObject *object)
{
  WmCaseRows *self = WM_CASE_ROWS (object);

  /* Every row holds a reference: none is left. */
  g_clear_pointer (&self->live, g_hash_table_unref);
  g_clear_object (&self->list);
  G_OBJECT_CLASS (wm_case_rows_parent_class)->finalize (object);
}

static void
wm_case_rows_class_init (WmCaseRowsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wm_case_rows_dispose;
  object_class->finalize = wm_case_rows_finalize;
}

static void
wm_case_rows_init (WmCaseRows *self)
{
  self->live = g_hash_table_new (NULL, NULL);
  self->changed_from = G_MAXUINT;
}

WmCaseRows *
wm_case_rows_new (WmCaseList *list)
{
  WmCaseRows *self;

  g_return_val_if_fail (WM_IS_CASE_LIST (list), NULL);
  self = g_object_new (WM_TYPE_CASE_ROWS, NULL);
  self->list = g_object_ref (list);
  self->n_items = g_list_model_get_n_items (G_LIST_MODEL (list));
  self->items_changed_id = g_signal_connect (list, "items-changed",
                                             G_CALLBACK (list_items_changed_cb), self);
  return self;
}

WmCaseList *
wm_case_rows_get_list (WmCaseRows *self)
{
  g_return_val_if_fail (WM_IS_CASE_ROWS (self), NULL);
  return self->list;
}

void
wm_case_rows_hold (WmCaseRows *self)
{
  g_return_if_fail (WM_IS_CASE_ROWS (self));
  self->held = TRUE;
}

void
wm_case_rows_follow (WmCaseRows *self)
{
  guint from;

  g_return_if_fail (WM_IS_CASE_ROWS (self));
  from = self->changed_from;
  self->held = FALSE;
  self->changed_from = G_MAXUINT;
  if (from != G_MAXUINT)
    catch_up (self, from);
}
