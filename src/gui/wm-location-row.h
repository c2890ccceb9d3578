/* wm-location-row.h: where someone is: a town searched in the offline gazetteer as you type
 * (async, each keystroke cancelling the last search), a UK postcode (normalised), and the
 * precision kept with it. Used by the case editor and the therapist editor.
 *
 * Rows for an AdwPreferencesGroup: add it with adw_preferences_group_add() — it is a GtkBox
 * of rows (town entry row with a suggestions popover, postcode entry row, precision combo row).
 *
 * Properties (read-write, notify on change):
 *   "town" (string), "postcode" (string, normalised when valid), "latitude", "longitude"
 *   (double, NAN unknown), "precision" (string: exact|postcode|district|town|region),
 *   "show-precision" (gboolean, default TRUE; therapists don't need it),
 *   "valid" (gboolean, read-only), "problem" (string, read-only: "postcode: …" or NULL).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WM_TYPE_LOCATION_ROW (wm_location_row_get_type ())
G_DECLARE_FINAL_TYPE (WmLocationRow, wm_location_row, WM, LOCATION_ROW, GtkBox)

GtkWidget *wm_location_row_new (void);

G_END_DECLS
