/* wm-matching.c: from a stored case to a ranked, explained list of therapists.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "wm-geo.h"
#include "wm-matching.h"

WmMatchOutcome *
wm_matching_run (WmStore          *store,
                 WmCase           *kase,
                 WmMatchSnapshot **snapshot_out,
                 GError          **error)
{
  g_autoptr(WmMatchSnapshot) snapshot = NULL;
  g_autoptr(GArray) declined = NULL;
  g_autoptr(GArray) conflicts = NULL;
  WmClient *client = wm_case_get_client (kase);
  WmMatchWeights weights;
  WmMatchOptions options;
  WmMatchCase mc = { 0 };
  WmMatchOutcome *outcome;

  g_return_val_if_fail (WM_IS_STORE (store), NULL);
  g_return_val_if_fail (WM_IS_CASE (kase), NULL);

  snapshot = wm_store_load_match_snapshot (store, error);
  if (snapshot == NULL
      || !wm_store_load_match_history (store, kase, &declined, &conflicts, error))
    return NULL;
  wm_store_load_match_settings (store, &weights, &options);

  mc.latitude = client->latitude;
  mc.longitude = client->longitude;
  if (isnan (mc.latitude) && client->town != NULL)
    {
      /* A town that is unknown or shared by two places leaves the client unplaced: then only
       * online therapists can be offered, which the outcome says. */
      g_autoptr(WmPlace) place = wm_geo_lookup_uk_town (client->town, NULL);

      if (place != NULL)
        {
          mc.latitude = place->latitude;
          mc.longitude = place->longitude;
        }
    }
  mc.needs = wm_specialism_set_from_codes ((const char * const *) kase->needs);
  mc.desired = wm_specialism_set_from_codes ((const char * const *) kase->desired);
  mc.preferred_gender = kase->preferred_gender;
  mc.gender_required = kase->gender_required;
  mc.language = kase->language;
  mc.online_ok = kase->online_ok;
  mc.low_cost_wanted = g_strcmp0 (kase->funding, "hardship") == 0;
  mc.max_distance_km = kase->max_distance_km > 0 ? (double) kase->max_distance_km : 0.0;
  mc.declined = (const gint64 *) declined->data;
  mc.n_declined = declined->len;
  mc.conflicts = (const gint64 *) conflicts->data;
  mc.n_conflicts = conflicts->len;

  outcome = wm_match (snapshot, &mc, &weights, &options);
  if (snapshot_out != NULL)
    *snapshot_out = g_steal_pointer (&snapshot);
  return outcome;
}
