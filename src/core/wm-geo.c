/* wm-geo.c: distances on the sphere, the offline gazetteer and location precision.
 *
 * The gazetteer is libgeonames' table of ~24,000 towns (783 in the UK). Its own search,
 * geonames_query_cities_sync(), takes about 80 ms a query whatever the query, too slow to search
 * as the user types; instead each name's folded search key is computed once, and a search scans
 * those keys in well under a millisecond. Only the places found are read back from libgeonames,
 * which is safe from any thread: it loads its data once under g_once and only reads it after.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <geonames/geonames.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wm-geo.h"

#define DEG_TO_RAD (G_PI / 180.0)
#define RAD_TO_DEG (180.0 / G_PI)

/* Names echoed in messages are cut short and cleaned: an import prints them on one line. */
#define SHOWN_MAX_CHARS 40

/* How many UK names an unknown-town message suggests, and the shortest start of the name it
 * tries when looking for them. */
#define N_SUGGESTIONS 3
#define MIN_SUGGESTION_KEY 3

typedef struct
{
  const char *key;          /* name_key() of the name */
  int index;                /* for geonames_get_city() */
  guint population;
  gboolean uk;
} Entry;

typedef struct
{
  GStringChunk *keys;
  Entry *entries;           /* UK first, then larger population first */
  guint n_entries;
} Gazetteer;

/* Where a name matched the query; the order is the order of the results. */
typedef enum
{
  MATCH_WHOLE,
  MATCH_START,
  MATCH_WORD,
  N_MATCHES
} Match;

G_DEFINE_QUARK (wm-geo-error-quark, wm_geo_error)

G_DEFINE_BOXED_TYPE (WmPlace, wm_place, wm_place_copy, wm_place_free)

/* Distances */

double
wm_geo_distance_km (double lat1,
                    double lon1,
                    double lat2,
                    double lon2)
{
  double phi1, phi2, half_dphi, half_dlambda, a;

  if (isnan (lat1) || isnan (lon1) || isnan (lat2) || isnan (lon2))
    return NAN;

  phi1 = lat1 * DEG_TO_RAD;
  phi2 = lat2 * DEG_TO_RAD;
  half_dphi = (phi2 - phi1) / 2.0;
  half_dlambda = (lon2 - lon1) * DEG_TO_RAD / 2.0;
  a = sin (half_dphi) * sin (half_dphi)
      + cos (phi1) * cos (phi2) * sin (half_dlambda) * sin (half_dlambda);

  /* Rounding can push a just past 1 for antipodal points; atan2 stays exact for tiny
   * distances where asin (sqrt (a)) would lose digits. */
  a = CLAMP (a, 0.0, 1.0);
  return 2.0 * WM_GEO_EARTH_RADIUS_KM * atan2 (sqrt (a), sqrt (1.0 - a));
}

void
wm_geo_destination (double  lat,
                    double  lon,
                    double  bearing_deg,
                    double  distance_km,
                    double *out_lat,
                    double *out_lon)
{
  double phi1, theta, delta, sin_phi2, phi2, lambda2;

  g_return_if_fail (out_lat != NULL);
  g_return_if_fail (out_lon != NULL);

  phi1 = lat * DEG_TO_RAD;
  theta = bearing_deg * DEG_TO_RAD;
  delta = distance_km / WM_GEO_EARTH_RADIUS_KM;

  sin_phi2 = sin (phi1) * cos (delta) + cos (phi1) * sin (delta) * cos (theta);
  phi2 = asin (CLAMP (sin_phi2, -1.0, 1.0));
  lambda2 = lon * DEG_TO_RAD
            + atan2 (sin (theta) * sin (delta) * cos (phi1),
                     cos (delta) - sin (phi1) * sin_phi2);

  *out_lat = phi2 * RAD_TO_DEG;
  /* A ring around a point near 180° would otherwise jump between +180 and beyond. */
  *out_lon = fmod (lambda2 * RAD_TO_DEG + 540.0, 360.0) - 180.0;
}

/* Places */

WmPlace *
wm_place_copy (const WmPlace *place)
{
  WmPlace *copy;

  g_return_val_if_fail (place != NULL, NULL);

  copy = g_new0 (WmPlace, 1);
  copy->name = g_strdup (place->name);
  copy->region = g_strdup (place->region);
  copy->country_code = g_strdup (place->country_code);
  copy->latitude = place->latitude;
  copy->longitude = place->longitude;
  copy->population = place->population;
  return copy;
}

void
wm_place_free (WmPlace *place)
{
  if (place == NULL)
    return;
  g_free (place->name);
  g_free (place->region);
  g_free (place->country_code);
  g_free (place);
}

static WmPlace *
place_new (const Entry *entry)
{
  g_autoptr(GeonamesCity) city = geonames_get_city (entry->index);
  WmPlace *place = g_new0 (WmPlace, 1);

  place->name = g_strdup (geonames_city_get_name (city));
  place->region = g_strdup (geonames_city_get_state (city));
  place->country_code = g_strdup (geonames_city_get_country_code (city));
  place->latitude = geonames_city_get_latitude (city);
  place->longitude = geonames_city_get_longitude (city);
  place->population = entry->population;
  return place;
}

/* The gazetteer */

static void
key_append (GString  *key,
            gboolean *word_break,
            gunichar  c)
{
  if (c == '\'')
    return;
  if (!g_unichar_isalnum (c))
    {
      *word_break = TRUE;
      return;
    }
  if (*word_break && key->len > 0)
    g_string_append_c (key, ' ');
  *word_break = FALSE;
  g_string_append_unichar (key, g_unichar_tolower (c));
}

/* Names compare as lower-case words: accents go ("sao paulo" finds São Paulo, "zürich" Zurich),
 * apostrophes join ("bishops" finds Bishop's Stortford), and any other run of punctuation or
 * space is one space ("stoke on trent" finds Stoke-on-Trent, "st. albans" St Albans). Words are
 * kept apart so that a query can match a later word of a name. A letter with no Latin
 * transliteration (Azerbaijani ə) stays itself rather than splitting its word. */
static char *
name_key (const char *name)
{
  g_autofree char *valid = g_utf8_make_valid (name != NULL ? name : "", -1);
  g_autofree char *composed = NULL;
  GString *key = g_string_sized_new (strlen (valid));
  gboolean word_break = FALSE;

  /* Almost every name is plain ASCII; only the others pay for normalising. */
  if (!g_str_is_ascii (valid))
    {
      composed = g_utf8_normalize (valid, -1, G_NORMALIZE_NFC);
      g_free (valid);
      valid = g_steal_pointer (&composed);
    }

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      char utf8[8] = { 0 };
      g_autofree char *ascii = NULL;

      if (c < 0x80)
        {
          key_append (key, &word_break, c);
          continue;
        }
      if (g_unichar_ismark (c))
        continue;
      g_unichar_to_utf8 (c, utf8);
      ascii = g_str_to_ascii (utf8, "C");
      if (strchr (ascii, '?') != NULL)
        key_append (key, &word_break, c);
      else
        for (const char *a = ascii; *a != '\0'; a++)
          key_append (key, &word_break, *a);
    }
  return g_string_free (key, FALSE);
}

static int
entry_compare (const void *a,
               const void *b)
{
  const Entry *x = a;
  const Entry *y = b;
  int cmp;

  if (x->uk != y->uk)
    return x->uk ? -1 : 1;
  if (x->population != y->population)
    return x->population > y->population ? -1 : 1;
  /* The rest only makes the order, and so the results, the same on every run. */
  if ((cmp = strcmp (x->key, y->key)) != 0)
    return cmp;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Reading every name through libgeonames (which looks each one up in its translations) is
 * most of the load time; the other fields are read only for the places found. */
static const Gazetteer *
gazetteer_get (void)
{
  static Gazetteer *gazetteer = NULL;

  if (g_once_init_enter (&gazetteer))
    {
      Gazetteer *g = g_new0 (Gazetteer, 1);
      int n = geonames_get_n_cities ();

      g->keys = g_string_chunk_new (64 * 1024);
      g->entries = g_new0 (Entry, MAX (n, 0));
      for (int i = 0; i < n; i++)
        {
          g_autoptr(GeonamesCity) city = geonames_get_city (i);
          g_autofree char *key = NULL;
          Entry *entry;

          if (city == NULL)
            continue;
          key = name_key (geonames_city_get_name (city));
          entry = &g->entries[g->n_entries++];
          entry->key = g_string_chunk_insert (g->keys, key);
          entry->index = i;
          entry->population = geonames_city_get_population (city);
          entry->uk = g_strcmp0 (geonames_city_get_country_code (city), "GB") == 0;
        }
      /* Sorted once here, a search only has to group by how the name matched: the order within
       * each group is already the order of the entries. */
      qsort (g->entries, g->n_entries, sizeof (Entry), entry_compare);
      g_once_init_leave (&gazetteer, g);
    }
  return gazetteer;
}

static gboolean
key_has_word_starting (const char *key,
                       const char *query_key,
                       gsize       query_len)
{
  for (const char *p = strchr (key, ' '); p != NULL; p = strchr (p + 1, ' '))
    if (strncmp (p + 1, query_key, query_len) == 0)
      return TRUE;
  return FALSE;
}

/* Entries (not copies) matching @query_key, best first, at most @limit (0: all). UK places
 * come before the rest whatever the match: typing "Newcastle" should offer Newcastle upon Tyne
 * before Newcastle in New South Wales, though only the latter is called exactly that. */
static GPtrArray *
gazetteer_search (const Gazetteer *gazetteer,
                  const char      *query_key,
                  guint            limit)
{
  gsize query_len = strlen (query_key);
  GPtrArray *found[2][N_MATCHES];
  GPtrArray *result = g_ptr_array_new ();

  if (query_len == 0)
    return result;
  if (limit == 0)
    limit = G_MAXUINT;

  for (guint uk = 0; uk < 2; uk++)
    for (guint m = 0; m < N_MATCHES; m++)
      found[uk][m] = g_ptr_array_new ();

  for (guint i = 0; i < gazetteer->n_entries; i++)
    {
      const Entry *entry = &gazetteer->entries[i];
      Match match;
      GPtrArray *bucket;

      if (strncmp (entry->key, query_key, query_len) == 0)
        match = entry->key[query_len] == '\0' ? MATCH_WHOLE : MATCH_START;
      else if (key_has_word_starting (entry->key, query_key, query_len))
        match = MATCH_WORD;
      else
        continue;

      bucket = found[entry->uk ? 0 : 1][match];
      if (bucket->len < limit)
        g_ptr_array_add (bucket, (gpointer) entry);
    }

  for (guint uk = 0; uk < 2; uk++)
    for (guint m = 0; m < N_MATCHES; m++)
      {
        GPtrArray *bucket = found[uk][m];

        for (guint i = 0; i < bucket->len && result->len < limit; i++)
          g_ptr_array_add (result, g_ptr_array_index (bucket, i));
        g_ptr_array_unref (bucket);
      }
  return result;
}

GPtrArray *
wm_geo_search_places_sync (const char    *query,
                           guint          limit,
                           GCancellable  *cancellable,
                           GError       **error)
{
  const Gazetteer *gazetteer;
  g_autofree char *query_key = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  GPtrArray *places;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  gazetteer = gazetteer_get ();
  /* The first search waits for the load, long enough for the user to have typed on. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  query_key = name_key (query);
  entries = gazetteer_search (gazetteer, query_key, limit);
  places = g_ptr_array_new_full (entries->len, (GDestroyNotify) wm_place_free);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (places, place_new (g_ptr_array_index (entries, i)));
  return places;
}

typedef struct
{
  char *query;
  guint limit;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_free (data->query);
  g_free (data);
}

static void
search_places_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SearchData *data = task_data;
  GError *error = NULL;
  GPtrArray *places;

  places = wm_geo_search_places_sync (data->query, data->limit, cancellable, &error);
  if (places == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, places, (GDestroyNotify) g_ptr_array_unref);
}

void
wm_geo_search_places (const char          *query,
                      guint                limit,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SearchData *data;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wm_geo_search_places);
  data = g_new0 (SearchData, 1);
  data->query = g_strdup (query);
  data->limit = limit;
  g_task_set_task_data (task, data, (GDestroyNotify) search_data_free);
  g_task_run_in_thread (task, search_places_thread);
}

GPtrArray *
wm_geo_search_places_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wm_geo_search_places, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Looking up one town */

static char *
shown (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);
  GString *s = g_string_new (NULL);
  guint n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n++ == SHOWN_MAX_CHARS)
        {
          g_string_append (s, "…");
          break;
        }
      g_string_append_unichar (s, g_unichar_iscntrl (c) ? ' ' : c);
    }
  return g_string_free (s, FALSE);
}

/* UK names that start like @town_key, trying shorter starts until some turn up, so that a typo
 * late in the name ("Harogate") still finds its town. NULL when there are none. */
static char *
town_suggestions (const Gazetteer *gazetteer,
                  const char      *town_key)
{
  g_autofree char *key = g_strdup (town_key);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (gsize len = strlen (key); len >= MIN_SUGGESTION_KEY && names->len == 0; len--)
    {
      g_autoptr(GPtrArray) entries = NULL;

      key[len] = '\0';
      entries = gazetteer_search (gazetteer, key, 0);
      for (guint i = 0; i < entries->len && names->len < N_SUGGESTIONS; i++)
        {
          const Entry *entry = g_ptr_array_index (entries, i);
          g_autoptr(WmPlace) place = NULL;

          if (!entry->uk)
            break;
          place = place_new (entry);
          if (!g_ptr_array_find_with_equal_func (names, place->name, g_str_equal, NULL))
            g_ptr_array_add (names, g_steal_pointer (&place->name));
        }
    }
  if (names->len == 0)
    return NULL;
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

static char *
describe_places (GPtrArray *places)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < places->len; i++)
    {
      const WmPlace *place = g_ptr_array_index (places, i);
      char lat[G_ASCII_DTOSTR_BUF_SIZE];
      char lon[G_ASCII_DTOSTR_BUF_SIZE];

      if (i > 0)
        g_string_append (s, "; ");
      /* Coordinates tell apart two places of the same name in the same nation (Hayes). */
      g_string_append_printf (s, "%s, %s (%s, %s)", place->name, place->region,
                              g_ascii_formatd (lat, sizeof lat, "%.3f", place->latitude),
                              g_ascii_formatd (lon, sizeof lon, "%.3f", place->longitude));
    }
  return g_string_free (s, FALSE);
}

WmPlace *
wm_geo_lookup_uk_town (const char  *name,
                       GError     **error)
{
  const Gazetteer *gazetteer;
  g_autofree char *town = NULL;
  g_autofree char *town_key = NULL;
  g_autofree char *region_key = NULL;
  g_autofree char *s = NULL;
  g_autofree char *hint = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) wm_place_free);
  g_autoptr(GHashTable) regions = g_hash_table_new (g_str_hash, g_str_equal);
  const char *comma;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  gazetteer = gazetteer_get ();
  s = shown (name);

  /* "Bangor, Wales": what follows the last comma must be the region. */
  comma = name != NULL ? strrchr (name, ',') : NULL;
  town = comma != NULL ? g_strndup (name, comma - name) : g_strdup (name);
  town_key = name_key (town);
  if (comma != NULL)
    region_key = name_key (comma + 1);
  if (region_key != NULL && *region_key == '\0')
    g_clear_pointer (&region_key, g_free);

  if (*town_key == '\0')
    {
      g_set_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND, _("no town given"));
      return NULL;
    }

  for (guint i = 0; i < gazetteer->n_entries && gazetteer->entries[i].uk; i++)
    {
      const Entry *entry = &gazetteer->entries[i];
      g_autoptr(WmPlace) place = NULL;
      g_autofree char *place_region_key = NULL;

      if (strcmp (entry->key, town_key) != 0)
        continue;
      place = place_new (entry);
      place_region_key = name_key (place->region);
      if (region_key != NULL && strcmp (place_region_key, region_key) != 0)
        continue;
      g_hash_table_add (regions, place->region);
      g_ptr_array_add (found, g_steal_pointer (&place));
    }

  if (found->len == 1)
    return g_steal_pointer (&g_ptr_array_index (found, 0));

  if (found->len > 1)
    {
      g_autofree char *places = describe_places (found);
      const WmPlace *first = g_ptr_array_index (found, 0);

      if (g_hash_table_size (regions) == found->len)
        g_set_error (error, WM_GEO_ERROR, WM_GEO_ERROR_AMBIGUOUS,
                     /* Translators: the second %s lists the places; the last two are an
                      * example, "Newport, Wales" */
                     _("“%s” names more than one UK place (%s); add the nation, as in "
                       "“%s, %s”, or give latitude and longitude"),
                     s, places, first->name, first->region);
      else
        g_set_error (error, WM_GEO_ERROR, WM_GEO_ERROR_AMBIGUOUS,
                     _("“%s” names more than one UK place (%s); give latitude and longitude"),
                     s, places);
      return NULL;
    }

  hint = town_suggestions (gazetteer, town_key);
  if (hint != NULL)
    g_set_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND,
                 _("“%s” is not a UK town in the gazetteer (did you mean %s?)"), s, hint);
  else
    g_set_error (error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND,
                 _("“%s” is not a UK town in the gazetteer"), s);
  return NULL;
}

/* Precision */

typedef struct
{
  const char *precision;
  double radius_km;
} PrecisionRadius;

/* Why these values: see wm_geo_precision_radius_km() in wm-geo.h. */
static const PrecisionRadius precision_radii[] = {
  { "exact", 0.05 },
  { "postcode", 0.3 },
  { "district", 5.0 },
  { "town", 8.0 },
  { "region", 40.0 },
};

double
wm_geo_precision_radius_km (const char *precision)
{
  for (guint i = 0; i < G_N_ELEMENTS (precision_radii); i++)
    if (g_strcmp0 (precision, precision_radii[i].precision) == 0)
      return precision_radii[i].radius_km;
  /* Unknown means we cannot say how precise it is: never draw it as more precise than the
   * least precise level. */
  return precision_radii[G_N_ELEMENTS (precision_radii) - 1].radius_km;
}
