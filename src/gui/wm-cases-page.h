/* wm-cases-page.h: the searchable case list (search-as-you-type over reference, names, town;
 * filters by status, category and risk) over the core's paged WmCaseList.
 *
 * Signals:
 *   ::case-activated (gint64 case_id): open this case.
 *   ::new-enquiry (): start a new enquiry (the "New Enquiry" button).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_CASES_PAGE (wm_cases_page_get_type ())
G_DECLARE_FINAL_TYPE (WmCasesPage, wm_cases_page, WM, CASES_PAGE, AdwBin)

/* Follows the session's store: the list refreshes when cases change (WmStore::changed). */
GtkWidget *wm_cases_page_new          (WmSession   *session);
/* Ctrl+F: show and focus the search entry. */
void       wm_cases_page_focus_search (WmCasesPage *self);

G_END_DECLS
