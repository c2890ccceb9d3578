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

G_END_DECLS
