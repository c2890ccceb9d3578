/* wm-therapists-page.h: the therapist directory (search; filters by specialism, accepting,
 * compliance problems) and the therapist editor (specialisms as check rows, capacity, fees,
 * modality, compliance dates with expired ones highlighted and explained, location via the
 * gazetteer and postcode).
 *
 * Follows WmStore::changed so edits elsewhere show without a restart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-session.h"

G_BEGIN_DECLS

#define WM_TYPE_THERAPISTS_PAGE (wm_therapists_page_get_type ())
G_DECLARE_FINAL_TYPE (WmTherapistsPage, wm_therapists_page, WM, THERAPISTS_PAGE, AdwBin)

GtkWidget *wm_therapists_page_new          (WmSession        *session);
void       wm_therapists_page_focus_search (WmTherapistsPage *self);
/* Opens the editor for a new therapist. */
void       wm_therapists_page_new_therapist (WmTherapistsPage *self);
/* Ctrl+S while the editor is open; FALSE if nothing to save or invalid. */
gboolean   wm_therapists_page_save         (WmTherapistsPage *self);

G_END_DECLS
