/* wm-my-cases-page.h: what a therapist sees after logging in: the cases referred to them,
 * what they must act on first at the top (new referrals not yet contacted, nearest
 * no-contact deadline first; overdue ones marked), then clients in contact, then ended.
 * Follows the store's ::changed.
 *
 * Signals: ::case-activated (gint64 case_id) when a row is opened.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_TYPE_MY_CASES_PAGE (wm_my_cases_page_get_type ())
G_DECLARE_FINAL_TYPE (WmMyCasesPage, wm_my_cases_page, WM, MY_CASES_PAGE, AdwBin)

GtkWidget *wm_my_cases_page_new     (WmStore       *store,
                                     gint64         therapist_id);
/* Re-reads the list (also done on the store's ::changed). */
void       wm_my_cases_page_reload  (WmMyCasesPage *self);

G_END_DECLS
