/* wm-explain.c: match results and exclusions in words a coordinator can read out to a client
 * or put in a referral record.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdarg.h>

#include "wm-explain.h"

char *
wm_match_format_distance (double km)
{
  double tenths;
  double whole;

  if (!isfinite (km) || km < 0.0)
    return g_strdup (_("unknown distance"));

  /* Locations are town or postcode centres: below 1 km, the nearest 100 m is as precise as
   * is honest; "0 m" would claim the same street. */
  tenths = round (km * 10.0);
  if (tenths < 10.0)
    return g_strdup_printf (_("%d m"), (int) MAX (tenths, 1.0) * 100);
  if (tenths < 100.0)
    /* Translators: a distance under 10 km, e.g. "2.5 km". */
    return g_strdup_printf (_("%.1f km"), tenths / 10.0);

  whole = round (km);
  /* Translators: a distance in kilometres, e.g. "12 km". */
  return g_strdup_printf (ngettext ("%.0f km", "%.0f km",
                                    whole < G_MAXULONG ? (gulong) whole : G_MAXULONG),
                          whole);
}

static void add_printf (GPtrArray  *parts,
                        const char *format,
                        ...) G_GNUC_PRINTF (2, 3);

static void
add_printf (GPtrArray  *parts,
            const char *format,
            ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (parts, g_strdup_vprintf (format, args));
  va_end (args);
}

GStrv
wm_match_explain_parts (const WmMatchResult *result)
{
  GPtrArray *parts;

  g_return_val_if_fail (result != NULL, NULL);

  parts = g_ptr_array_new ();

  if (result->mode == WM_MODE_ONLINE)
    {
      g_ptr_array_add (parts, g_strdup (_("Online")));
    }
  else
    {
      g_autofree char *distance = wm_match_format_distance (result->distance_km);

      /* Translators: %s is a distance such as "12 km" or "800 m". */
      add_printf (parts, _("%s away"), distance);
    }

  if (result->needs_total == 1)
    g_ptr_array_add (parts, g_strdup (_("covers the required specialism")));
  else if (result->needs_total == 2)
    g_ptr_array_add (parts, g_strdup (_("covers both required specialisms")));
  else if (result->needs_total > 2)
    add_printf (parts, ngettext ("covers all %u required specialisms",
                                 "covers all %u required specialisms",
                                 result->needs_total),
                result->needs_total);

  if (result->desired_total > 0)
    /* Translators: "1 of 3 preferred specialisms"; the plural goes with the second number. */
    add_printf (parts, ngettext ("%u of %u preferred specialism",
                                 "%u of %u preferred specialisms",
                                 result->desired_total),
                result->desired_covered, result->desired_total);

  /* Translators: "3 of 8 places free"; the plural goes with the second number. */
  add_printf (parts, ngettext ("%d of %d place free",
                               "%d of %d places free",
                               result->places_total),
              result->places_free, result->places_total);

  if (result->mode == WM_MODE_IN_PERSON && result->offers_online)
    g_ptr_array_add (parts, g_strdup (_("offers online")));
  if (result->gender_met)
    g_ptr_array_add (parts, g_strdup (_("same gender as asked")));
  if (result->language_met)
    g_ptr_array_add (parts, g_strdup (_("speaks the client’s language")));
  if (result->low_cost_met)
    g_ptr_array_add (parts, g_strdup (_("offers low-cost sessions")));

  g_ptr_array_add (parts, NULL);
  return (GStrv) g_ptr_array_free (parts, FALSE);
}

char *
wm_match_explain (const WmMatchResult *result)
{
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (result != NULL, NULL);

  parts = wm_match_explain_parts (result);
  /* Translators: separates the parts of a match explanation on one line. */
  return g_strjoinv (C_("explanation separator", " · "), parts);
}

const char *
wm_exclusion_label (WmExclusion reason)
{
  static const char * const labels[WM_EXCLUDE_N] = {
    [WM_EXCLUDE_INACTIVE] = N_("Not accepting new clients"),
    [WM_EXCLUDE_COMPLIANCE] = N_("Insurance, registration, training or DBS out of date"),
    [WM_EXCLUDE_CAPACITY] = N_("No free places"),
    [WM_EXCLUDE_DECLINED] = N_("Declined or no contact before"),
    [WM_EXCLUDE_CONFLICT] = N_("Treating a linked family member"),
    [WM_EXCLUDE_SPECIALISM] = N_("Lacks a required specialism"),
    [WM_EXCLUDE_GENDER] = N_("Not the gender the client requires"),
    [WM_EXCLUDE_LANGUAGE] = N_("Does not speak the client’s language"),
    [WM_EXCLUDE_DISTANCE] = N_("Too far away and not online"),
  };

  g_return_val_if_fail (reason < WM_EXCLUDE_N, NULL);
  return _(labels[reason]);
}

char *
wm_match_outcome_summary (const WmMatchOutcome *outcome)
{
  g_autofree char *radius = NULL;
  g_autofree char *requested = NULL;
  gboolean any_online = FALSE;
  guint n;

  g_return_val_if_fail (outcome != NULL, NULL);

  n = outcome->results->len;
  radius = wm_match_format_distance (outcome->radius_km);
  requested = wm_match_format_distance (outcome->requested_radius_km);
  for (guint i = 0; i < n; i++)
    any_online |= g_array_index (outcome->results, WmMatchResult, i).mode == WM_MODE_ONLINE;

  if (!outcome->case_located)
    {
      if (n == 0)
        return g_strdup (_("No therapists online; the client’s area is not known"));
      return g_strdup_printf (ngettext ("%u therapist online; the client’s area is not known",
                                        "%u therapists online; the client’s area is not known",
                                        n),
                              n);
    }

  if (outcome->widened)
    {
      if (n == 0)
        /* Translators: "Fewer than 3 within 40 km: widened to 160 km — none found". */
        return g_strdup_printf (_("Fewer than %d within %s: widened to %s — none found"),
                                WM_MATCH_MIN_ELIGIBLE, requested, radius);
      /* Translators: "Fewer than 3 within 40 km: widened to 80 km — 4 therapists"; the plural
       * goes with the last number. */
      return g_strdup_printf (ngettext ("Fewer than %d within %s: widened to %s — %u therapist",
                                        "Fewer than %d within %s: widened to %s — %u therapists",
                                        n),
                              WM_MATCH_MIN_ELIGIBLE, requested, radius, n);
    }

  if (n == 0)
    /* Translators: %s is a radius such as "40 km". */
    return g_strdup_printf (_("No therapists within %s"), radius);
  if (any_online)
    /* Translators: some of the therapists are beyond the radius but work online. */
    return g_strdup_printf (ngettext ("%u therapist within %s or online",
                                      "%u therapists within %s or online",
                                      n),
                            n, radius);
  return g_strdup_printf (ngettext ("%u therapist within %s",
                                    "%u therapists within %s",
                                    n),
                          n, radius);
}
