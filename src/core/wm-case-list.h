/* wm-case-list.h: the case list as a GListModel that pages from the database.
 *
 * A query reads only the matching ids (8 bytes a case); rows become objects a page at a time
 * when a view asks for them, and only a few pages are kept. A 100,000-case list never becomes
 * 100,000 objects.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_TYPE_CASE_SUMMARY (wm_case_summary_get_type ())
G_DECLARE_FINAL_TYPE (WmCaseSummary, wm_case_summary, WM, CASE_SUMMARY, GObject)

gint64      wm_case_summary_get_id             (WmCaseSummary *self);
const char *wm_case_summary_get_reference      (WmCaseSummary *self);
const char *wm_case_summary_get_status         (WmCaseSummary *self);
const char *wm_case_summary_get_category       (WmCaseSummary *self);
const char *wm_case_summary_get_town           (WmCaseSummary *self);
const char *wm_case_summary_get_display_name   (WmCaseSummary *self);
const char *wm_case_summary_get_therapist_name (WmCaseSummary *self);
const char *wm_case_summary_get_opened_at      (WmCaseSummary *self);
gboolean    wm_case_summary_get_urgent         (WmCaseSummary *self);
gboolean    wm_case_summary_get_risk           (WmCaseSummary *self);

#define WM_TYPE_CASE_LIST (wm_case_list_get_type ())
G_DECLARE_FINAL_TYPE (WmCaseList, wm_case_list, WM, CASE_LIST, GObject)

#define WM_CASE_LIST_PAGE_SIZE 100

WmCaseList *wm_case_list_new           (WmStore           *store);
/* Runs @query (copied) and replaces the list's contents in one items-changed. */
gboolean    wm_case_list_set_query     (WmCaseList        *self,
                                        const WmCaseQuery *query,
                                        GError           **error);
/* Runs the current query again, e.g. after a case was saved. */
gboolean    wm_case_list_refresh       (WmCaseList        *self,
                                        GError           **error);
/* How many row objects the list holds right now (for tests and diagnostics). */
guint       wm_case_list_get_n_cached  (WmCaseList        *self);

/* WmCaseRows: the list as rows for a list view, one WmCaseRow per position.
 *
 * WmCaseList's items are cases, so a new query replaces them all, and GTK 4.8's list views
 * answer that by destroying every row widget and building new ones (about 200 rows of six
 * cells, whatever fits on screen), which costs far more than the query. Here an item is a
 * row of the view: a new query keeps the rows that are still there, tells only that rows
 * were added or removed at the end, and each kept row notifies "summary" so its cells show
 * the case now at its position. Row widgets are then bound again, not rebuilt. */
#define WM_TYPE_CASE_ROW (wm_case_row_get_type ())
G_DECLARE_FINAL_TYPE (WmCaseRow, wm_case_row, WM, CASE_ROW, GObject)

guint          wm_case_row_get_position (WmCaseRow *self);
/* The case at this row's position now, loaded on first use; NULL once the row is past the
 * end of the list. Owned by the row; it changes when "summary" is notified. */
WmCaseSummary *wm_case_row_get_summary  (WmCaseRow *self);

#define WM_TYPE_CASE_ROWS (wm_case_rows_get_type ())
G_DECLARE_FINAL_TYPE (WmCaseRows, wm_case_rows, WM, CASE_ROWS, GObject)

WmCaseRows *wm_case_rows_new      (WmCaseList *list);
WmCaseList *wm_case_rows_get_list (WmCaseRows *self);
/* Stops following the list: the rows keep what they show until wm_case_rows_follow(). For a
 * view hidden while its list is empty ("No matching cases"), which then keeps its row
 * widgets for the next search instead of building them all again. */
void        wm_case_rows_hold     (WmCaseRows *self);
/* Follows the list again, catching up with it in one change. */
void        wm_case_rows_follow   (WmCaseRows *self);

G_END_DECLS
