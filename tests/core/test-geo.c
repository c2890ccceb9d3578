/* test-geo.c: distances agree with the WGS84 geodesic, radius rings are round, the gazetteer
 * finds UK towns first and fast enough to search as the user types, and location precision
 * radii grow with vagueness.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "wm-geo.h"

/* Within 10 km: the gazetteer's point for a town need not be the one we picked as its centre. */
#define SAME_TOWN_KM 10.0

/* A keystroke must feel instant; the best of several runs keeps a busy machine from failing the
 * test by accident while still catching a search that is slow by design. */
#define KEYSTROKE_BUDGET_MS 10.0
#define TIMING_RUNS 5

typedef struct
{
  const char *what;
  double lat1, lon1, lat2, lon2;
  double geodesic_km;
} Reference;

/* Geodesic distances on the WGS84 ellipsoid, computed with PROJ 9.1.1's geod (proj-bin) as
 *   echo "LAT1 LON1 LAT2 LON2" | geod +ellps=WGS84 -I +units=km -f "%.4f" -F "%.4f"
 * with the coordinates below (degrees, north and east positive); the third output column is
 * the distance in km. */
static const Reference references[] = {
  { "London–Edinburgh", 51.5074, -0.1278, 55.9533, -3.1883, 534.3343 },
  { "Cardiff–Belfast", 51.4816, -3.1791, 54.5973, -5.9301, 392.7074 },
  { "Inverness–Aberdeen", 57.4778, -4.2247, 57.1497, -2.0943, 133.4698 },
  { "Oxford–Reading", 51.7520, -1.2577, 51.4543, -0.9781, 38.3709 },
  { "Harrogate–York", 53.9921, -1.5418, 53.9600, -1.0873, 30.0345 },
  { "Leeds–Bradford", 53.7997, -1.5492, 53.7960, -1.7594, 13.8568 },
  { "Manchester–Salford", 53.4808, -2.2426, 53.4875, -2.2901, 3.2402 },
  { "Brighton–Hove", 50.8225, -0.1372, 50.8279, -0.1688, 2.3062 },
};

static void
test_distance_geodesic (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (references); i++)
    {
      const Reference *r = &references[i];
      double d = wm_geo_distance_km (r->lat1, r->lon1, r->lat2, r->lon2);
      double error = fabs (d - r->geodesic_km) / r->geodesic_km;

      g_test_message ("%s: %.4f km, geodesic %.4f km, %+.3f%%", r->what, d, r->geodesic_km,
                      100.0 * (d - r->geodesic_km) / r->geodesic_km);
      if (!(error < 0.005))
        g_error ("%s: %.4f km is not within 0.5%% of the geodesic %.4f km",
                 r->what, d, r->geodesic_km);
    }
}

static void
test_distance_properties (void)
{
  const double lat = 53.9921, lon = -1.5418;

  for (guint i = 0; i < G_N_ELEMENTS (references); i++)
    {
      const Reference *r = &references[i];

      g_assert_cmpfloat (wm_geo_distance_km (r->lat1, r->lon1, r->lat2, r->lon2), ==,
                         wm_geo_distance_km (r->lat2, r->lon2, r->lat1, r->lon1));
    }

  g_assert_cmpfloat (wm_geo_distance_km (lat, lon, lat, lon), ==, 0.0);
  g_assert_cmpfloat (wm_geo_distance_km (0.0, 0.0, 0.0, 0.0), ==, 0.0);

  /* Half the circumference, however the points are placed. */
  g_assert_cmpfloat_with_epsilon (wm_geo_distance_km (0.0, 0.0, 0.0, 180.0),
                                  G_PI * WM_GEO_EARTH_RADIUS_KM, 1e-6);
  g_assert_cmpfloat_with_epsilon (wm_geo_distance_km (90.0, 0.0, -90.0, 0.0),
                                  G_PI * WM_GEO_EARTH_RADIUS_KM, 1e-6);
  /* Near the antipode the haversine loses digits: a metre is plenty. */
  g_assert_cmpfloat_with_epsilon (wm_geo_distance_km (lat, lon, -lat, lon + 180.0),
                                  G_PI * WM_GEO_EARTH_RADIUS_KM, 1e-3);

  /* One degree of latitude. */
  g_assert_cmpfloat_with_epsilon (wm_geo_distance_km (53.0, -1.0, 54.0, -1.0),
                                  G_PI / 180.0 * WM_GEO_EARTH_RADIUS_KM, 1e-9);

  g_assert_true (isnan (wm_geo_distance_km (NAN, lon, lat, lon)));
  g_assert_true (isnan (wm_geo_distance_km (lat, NAN, lat, lon)));
  g_assert_true (isnan (wm_geo_distance_km (lat, lon, NAN, lon)));
  g_assert_true (isnan (wm_geo_distance_km (lat, lon, lat, NAN)));
  g_assert_true (isnan (wm_geo_distance_km (NAN, NAN, NAN, NAN)));
}

static void
test_destination (void)
{
  static const double radii[] = { 40.0, 80.0, 160.0 };
  static const double centres[][2] = {
    { 53.9921, -1.5418 },  /* Harrogate */
    { 58.9700, -2.9600 },  /* Kirkwall: rings stretch most in longitude this far north */
    { 51.4800, 179.9000 }, /* beside the antimeridian */
  };

  for (guint c = 0; c < G_N_ELEMENTS (centres); c++)
    for (guint r = 0; r < G_N_ELEMENTS (radii); r++)
      for (int bearing = 0; bearing <= 360; bearing += 15)
        {
          double lat0 = centres[c][0], lon0 = centres[c][1];
          double lat, lon, lat_opposite, lon_opposite, d;

          wm_geo_destination (lat0, lon0, bearing, radii[r], &lat, &lon);
          g_assert_cmpfloat (lon, >=, -180.0);
          g_assert_cmpfloat (lon, <, 180.0);
          d = wm_geo_distance_km (lat0, lon0, lat, lon);
          if (!(fabs (d - radii[r]) / radii[r] < 0.001))
            g_error ("bearing %d° from (%g, %g): %.4f km, asked for %g km",
                     bearing, lat0, lon0, d, radii[r]);

          /* Points on opposite bearings lie a diameter apart: a ring, not one point. */
          wm_geo_destination (lat0, lon0, bearing + 180, radii[r], &lat_opposite,
                              &lon_opposite);
          d = wm_geo_distance_km (lat, lon, lat_opposite, lon_opposite);
          g_assert_cmpfloat (fabs (d - 2.0 * radii[r]) / (2.0 * radii[r]), <, 0.001);
        }

  /* Bearings go clockwise from north. */
  {
    double lat, lon;

    wm_geo_destination (53.9921, -1.5418, 0.0, 40.0, &lat, &lon);
    g_assert_cmpfloat (lat, >, 53.9921);
    g_assert_cmpfloat_with_epsilon (lon, -1.5418, 1e-9);
    wm_geo_destination (53.9921, -1.5418, 90.0, 40.0, &lat, &lon);
    g_assert_cmpfloat (lon, >, -1.5418);
    wm_geo_destination (53.9921, -1.5418, 180.0, 40.0, &lat, &lon);
    g_assert_cmpfloat (lat, <, 53.9921);
    wm_geo_destination (53.9921, -1.5418, 270.0, 40.0, &lat, &lon);
    g_assert_cmpfloat (lon, <, -1.5418);
  }
}

/* The gazetteer */

static GPtrArray *
search (const char *query,
        guint       limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *places = wm_geo_search_places_sync (query, limit, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (places);
  return places;
}

static void
assert_first_is (const char *query,
                 const char *name,
                 const char *region,
                 double      latitude,
                 double      longitude)
{
  g_autoptr(GPtrArray) places = search (query, 10);
  const WmPlace *first;
  double d;

  if (places->len == 0)
    g_error ("“%s” found nothing", query);
  first = g_ptr_array_index (places, 0);
  g_assert_cmpstr (first->name, ==, name);
  g_assert_cmpstr (first->region, ==, region);
  g_assert_cmpstr (first->country_code, ==, "GB");
  g_assert_cmpuint (first->population, >, 0);
  d = wm_geo_distance_km (first->latitude, first->longitude, latitude, longitude);
  if (!(d < SAME_TOWN_KM))
    g_error ("“%s”: %s is %.1f km from where it should be", query, first->name, d);
}

static void
test_search_towns (void)
{
  assert_first_is ("Harrogate", "Harrogate", "England", 53.9921, -1.5418);
  assert_first_is ("harrogate", "Harrogate", "England", 53.9921, -1.5418);
  assert_first_is ("milton keynes", "Milton Keynes", "England", 52.0406, -0.7594);
  assert_first_is ("  MILTON   KEYNES ", "Milton Keynes", "England", 52.0406, -0.7594);
  assert_first_is ("Wrexham", "Wrexham", "Wales", 53.0430, -2.9925);
  assert_first_is ("York", "York", "England", 53.9600, -1.0873);
  assert_first_is ("Edinburgh", "Edinburgh", "Scotland", 55.9533, -3.1883);
  assert_first_is ("Belfast", "Belfast", "Northern Ireland", 54.5973, -5.9301);

  /* Prefixes and later words. */
  assert_first_is ("Harro", "Harrogate", "England", 53.9921, -1.5418);
  assert_first_is ("keynes", "Milton Keynes", "England", 52.0406, -0.7594);

  /* Punctuation, apostrophes and hyphens do not matter. */
  assert_first_is ("stoke on trent", "Stoke-on-Trent", "England", 53.0027, -2.1794);
  assert_first_is ("Stoke-on", "Stoke-on-Trent", "England", 53.0027, -2.1794);
  assert_first_is ("st. albans", "St Albans", "England", 51.7550, -0.3360);
  assert_first_is ("bishops stort", "Bishop's Stortford", "England", 51.8720, 0.1725);
  assert_first_is ("Bishop’s", "Bishop's Stortford", "England", 51.8720, 0.1725);

  /* A UK town comes first even where only a foreign one has exactly the name typed. */
  assert_first_is ("Newcastle", "Newcastle upon Tyne", "England", 54.9783, -1.6178);
}

static void
test_search_foreign (void)
{
  g_autoptr(GPtrArray) sao_paulo = search ("sao paulo", 5);
  g_autoptr(GPtrArray) zurich = search ("zürich", 5);
  g_autoptr(GPtrArray) new_york = search ("new york", 5);
  const WmPlace *place;

  /* Accents are ignored on both sides. */
  g_assert_cmpuint (sao_paulo->len, >=, 1);
  place = g_ptr_array_index (sao_paulo, 0);
  g_assert_cmpstr (place->name, ==, "São Paulo");
  g_assert_cmpstr (place->country_code, ==, "BR");

  g_assert_cmpuint (zurich->len, >=, 1);
  place = g_ptr_array_index (zurich, 0);
  g_assert_cmpstr (place->name, ==, "Zurich");
  g_assert_cmpstr (place->country_code, ==, "CH");

  g_assert_cmpuint (new_york->len, >=, 1);
  place = g_ptr_array_index (new_york, 0);
  g_assert_cmpstr (place->name, ==, "New York");
  g_assert_cmpstr (place->country_code, ==, "US");
}

static gboolean
folded_has_prefix (const char *name,
                   const char *prefix)
{
  g_autofree char *ascii = g_str_to_ascii (name, "C");

  return g_ascii_strncasecmp (ascii, prefix, strlen (prefix)) == 0;
}

static gboolean
folded_has_word_prefix (const char *name,
                        const char *prefix)
{
  g_autofree char *ascii = g_str_to_ascii (name, "C");

  if (g_ascii_strncasecmp (ascii, prefix, strlen (prefix)) == 0)
    return TRUE;
  for (const char *p = ascii; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '\''
        && g_ascii_strncasecmp (p + 1, prefix, strlen (prefix)) == 0)
      return TRUE;
  return FALSE;
}

/* What the order promises: UK first; then whole names, then starts, then later words; then
 * larger populations. */
static void
test_search_order (void)
{
  static const char * const queries[] = { "h", "ha", "har", "new", "york", "bath", "milton" };

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr(GPtrArray) places = search (queries[q], 0);
      gboolean seen_foreign = FALSE;
      int last_rank = -1;
      guint last_population = G_MAXUINT;
      guint n_uk = 0;

      g_assert_cmpuint (places->len, >, 0);
      for (guint i = 0; i < places->len; i++)
        {
          const WmPlace *place = g_ptr_array_index (places, i);
          gboolean uk = g_strcmp0 (place->country_code, "GB") == 0;
          int rank;

          g_assert_true (folded_has_word_prefix (place->name, queries[q]));
          if (g_ascii_strcasecmp (place->name, queries[q]) == 0)
            rank = 0;
          else if (folded_has_prefix (place->name, queries[q]))
            rank = 1;
          else
            rank = 2;

          if (uk)
            {
              g_assert_false (seen_foreign);
              n_uk++;
            }
          else if (!seen_foreign)
            {
              seen_foreign = TRUE;
              last_rank = -1;
            }
          g_assert_cmpint (rank, >=, last_rank);
          if (rank != last_rank)
            last_population = G_MAXUINT;
          g_assert_cmpuint (place->population, <=, last_population);
          last_rank = rank;
          last_population = place->population;
        }
      g_test_message ("“%s”: %u places, %u in the UK", queries[q], places->len, n_uk);
    }
}

static void
test_search_blank (void)
{
  static const char * const blank[] = { NULL, "", " ", "\t", "--", "'", "...", "\xff" };

  for (guint i = 0; i < G_N_ELEMENTS (blank); i++)
    {
      g_autoptr(GPtrArray) places = search (blank[i], 10);

      g_assert_cmpuint (places->len, ==, 0);
    }
}

static void
test_search_limit (void)
{
  g_autoptr(GPtrArray) all = search ("b", 0);
  g_autoptr(GPtrArray) five = search ("b", 5);
  g_autoptr(GPtrArray) one = search ("b", 1);

  g_assert_cmpuint (all->len, >, 100);
  g_assert_cmpuint (five->len, ==, 5);
  g_assert_cmpuint (one->len, ==, 1);

  /* A limit cuts the same list short, it does not pick other places. */
  for (guint i = 0; i < five->len; i++)
    {
      const WmPlace *a = g_ptr_array_index (all, i);
      const WmPlace *b = g_ptr_array_index (five, i);

      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpfloat (a->latitude, ==, b->latitude);
    }
  g_assert_cmpstr (((WmPlace *) g_ptr_array_index (one, 0))->name, ==,
                   ((WmPlace *) g_ptr_array_index (five, 0))->name);

  /* Fewer matches than the limit: all of them. */
  {
    g_autoptr(GPtrArray) harrogate = search ("harrogate", 50);

    g_assert_cmpuint (harrogate->len, ==, 1);
  }
}

static void
got_result_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (source_object);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
assert_same_places (GPtrArray *a,
                    GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const WmPlace *x = g_ptr_array_index (a, i);
      const WmPlace *y = g_ptr_array_index (b, i);

      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpstr (x->region, ==, y->region);
      g_assert_cmpstr (x->country_code, ==, y->country_code);
      g_assert_cmpfloat (x->latitude, ==, y->latitude);
      g_assert_cmpfloat (x->longitude, ==, y->longitude);
      g_assert_cmpuint (x->population, ==, y->population);
    }
}

static void
test_search_async (void)
{
  static const char * const queries[] = { "Harro", "milton keynes", "w", "new", "" };

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) sync_places = search (queries[i], 20);
      g_autoptr(GPtrArray) async_places = NULL;

      wm_geo_search_places (queries[i], 20, NULL, got_result_cb, &result);
      async_places = wm_geo_search_places_finish (wait_for (&result), &error);
      g_assert_no_error (error);
      g_assert_nonnull (async_places);
      assert_same_places (sync_places, async_places);
    }
}

static void
test_search_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) places = NULL;

  g_cancellable_cancel (cancellable);

  wm_geo_search_places ("Harrogate", 10, cancellable, got_result_cb, &result);
  places = wm_geo_search_places_finish (wait_for (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (places);
  g_clear_error (&error);

  places = wm_geo_search_places_sync ("Harrogate", 10, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (places);
}

/* Typing "Har" then "Harr": the first search is cancelled, only the second answers. */
static void
test_search_keystrokes (void)
{
  g_autoptr(GCancellable) first = g_cancellable_new ();
  g_autoptr(GCancellable) second = g_cancellable_new ();
  g_autoptr(GAsyncResult) first_result = NULL;
  g_autoptr(GAsyncResult) second_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) places = NULL;

  wm_geo_search_places ("Har", 10, first, got_result_cb, &first_result);
  g_cancellable_cancel (first);
  wm_geo_search_places ("Harro", 10, second, got_result_cb, &second_result);

  places = wm_geo_search_places_finish (wait_for (&first_result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (places);
  g_clear_error (&error);

  places = wm_geo_search_places_finish (wait_for (&second_result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (places->len, >=, 1);
  g_assert_cmpstr (((WmPlace *) g_ptr_array_index (places, 0))->name, ==, "Harrogate");
}

static double
search_ms (const char *query)
{
  double best = G_MAXDOUBLE;

  for (guint i = 0; i < TIMING_RUNS; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GPtrArray) places = search (query, 20);

      best = MIN (best, (g_get_monotonic_time () - start) / 1000.0);
      g_assert_cmpuint (places->len, >, 0);
    }
  return best;
}

static void
test_search_speed (void)
{
  static const char * const prefixes[] = { "h", "ha", "har", "harrogate", "milton keynes" };
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GPtrArray) warm_up = search ("b", 20);

  g_test_message ("first search (loads the gazetteer unless an earlier test did): %.2f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      double ms = search_ms (prefixes[i]);

      g_test_message ("search “%s”: %.3f ms (best of %d)", prefixes[i], ms, TIMING_RUNS);
      /* Valgrind runs code some 20 times slower: time only real runs. */
      if (!RUNNING_ON_VALGRIND && !(ms < KEYSTROKE_BUDGET_MS))
        g_error ("search “%s” took %.2f ms, over the %.0f ms a keystroke may take",
                 prefixes[i], ms, KEYSTROKE_BUDGET_MS);
    }
}

static void
test_lookup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmPlace) york = wm_geo_lookup_uk_town ("York", &error);
  g_autoptr(WmPlace) wrexham = NULL;
  g_autoptr(WmPlace) stoke = NULL;
  g_autoptr(WmPlace) copy = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (york);
  g_assert_cmpstr (york->name, ==, "York");
  g_assert_cmpstr (york->region, ==, "England");
  g_assert_cmpstr (york->country_code, ==, "GB");
  g_assert_cmpfloat (wm_geo_distance_km (york->latitude, york->longitude, 53.9600, -1.0873),
                     <, SAME_TOWN_KM);

  wrexham = wm_geo_lookup_uk_town (" wrexham ", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wrexham->region, ==, "Wales");

  stoke = wm_geo_lookup_uk_town ("Stoke on Trent", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stoke->name, ==, "Stoke-on-Trent");

  copy = wm_place_copy (york);
  g_assert_true (copy != york);
  g_assert_true (copy->name != york->name);
  g_assert_cmpstr (copy->name, ==, york->name);
  g_assert_cmpstr (copy->region, ==, york->region);
  g_assert_cmpfloat (copy->latitude, ==, york->latitude);
  g_assert_cmpuint (copy->population, ==, york->population);
  g_assert_true (G_TYPE_IS_BOXED (WM_TYPE_PLACE));
}

static void
test_lookup_prefix_is_not_enough (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmPlace) place = NULL;

  /* An import must not place someone in Milton Keynes because they wrote "Milton". */
  place = wm_geo_lookup_uk_town ("Harro", &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND);
  g_assert_null (place);
  g_assert_nonnull (strstr (error->message, "Harrogate"));
  g_clear_error (&error);

  /* A typo late in the name still gets a hint. */
  place = wm_geo_lookup_uk_town ("Harogate", &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "Harrogate"));
  g_clear_error (&error);

  /* UK only. */
  place = wm_geo_lookup_uk_town ("New York", &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  place = wm_geo_lookup_uk_town ("Qzxv", &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND);
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  place = wm_geo_lookup_uk_town ("  ", &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  place = wm_geo_lookup_uk_town (NULL, &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND);
}

static void
test_lookup_ambiguous (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmPlace) place = NULL;

  /* Bangor in Wales and in Northern Ireland: the nation tells them apart. */
  place = wm_geo_lookup_uk_town ("Bangor", &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_AMBIGUOUS);
  g_assert_null (place);
  g_assert_nonnull (strstr (error->message, "Wales"));
  g_assert_nonnull (strstr (error->message, "Northern Ireland"));
  g_clear_error (&error);

  place = wm_geo_lookup_uk_town ("Bangor, Wales", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (place->name, ==, "Bangor");
  g_assert_cmpstr (place->region, ==, "Wales");
  g_assert_cmpfloat (wm_geo_distance_km (place->latitude, place->longitude, 53.2274, -4.1293),
                     <, SAME_TOWN_KM);
  g_clear_pointer (&place, wm_place_free);

  place = wm_geo_lookup_uk_town ("bangor,northern ireland", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (place->region, ==, "Northern Ireland");
  g_clear_pointer (&place, wm_place_free);

  place = wm_geo_lookup_uk_town ("Bangor, Scotland", &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Two Hayes in England: only coordinates will do. */
  place = wm_geo_lookup_uk_town ("Hayes, England", &error);
  g_assert_error (error, WM_GEO_ERROR, WM_GEO_ERROR_AMBIGUOUS);
  g_assert_nonnull (strstr (error->message, "latitude"));
  g_clear_error (&error);

  /* A nation given where none was needed is fine too. */
  place = wm_geo_lookup_uk_town ("York, England", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (place->name, ==, "York");
}

static void
test_precision (void)
{
  static const char * const order[] = { "exact", "postcode", "district", "town", "region" };
  double last = 0.0;

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      double r = wm_geo_precision_radius_km (order[i]);

      g_test_message ("%s: %g km", order[i], r);
      g_assert_cmpfloat (r, >, last);
      last = r;
    }

  /* Unknown is as vague as it gets. */
  g_assert_cmpfloat (wm_geo_precision_radius_km (NULL), ==, last);
  g_assert_cmpfloat (wm_geo_precision_radius_km (""), ==, last);
  g_assert_cmpfloat (wm_geo_precision_radius_km ("Exact"), ==, last);
  g_assert_cmpfloat (wm_geo_precision_radius_km ("street"), ==, last);

  /* A postcode district is not drawn as a point, nor a town as a county. */
  g_assert_cmpfloat (wm_geo_precision_radius_km ("exact"), <=, 0.1);
  g_assert_cmpfloat (wm_geo_precision_radius_km ("district"), >=, 1.0);
  g_assert_cmpfloat (wm_geo_precision_radius_km ("town"), <, 20.0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* The first test to search, so that its first search times loading the gazetteer. */
  g_test_add_func ("/geo/search/speed", test_search_speed);
  g_test_add_func ("/geo/distance/geodesic", test_distance_geodesic);
  g_test_add_func ("/geo/distance/properties", test_distance_properties);
  g_test_add_func ("/geo/destination", test_destination);
  g_test_add_func ("/geo/search/towns", test_search_towns);
  g_test_add_func ("/geo/search/foreign", test_search_foreign);
  g_test_add_func ("/geo/search/order", test_search_order);
  g_test_add_func ("/geo/search/blank", test_search_blank);
  g_test_add_func ("/geo/search/limit", test_search_limit);
  g_test_add_func ("/geo/search/async", test_search_async);
  g_test_add_func ("/geo/search/cancelled", test_search_cancelled);
  g_test_add_func ("/geo/search/keystrokes", test_search_keystrokes);
  g_test_add_func ("/geo/lookup/town", test_lookup);
  g_test_add_func ("/geo/lookup/prefix-is-not-enough", test_lookup_prefix_is_not_enough);
  g_test_add_func ("/geo/lookup/ambiguous", test_lookup_ambiguous);
  g_test_add_func ("/geo/precision", test_precision);

  return g_test_run ();
}
