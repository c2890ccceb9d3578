/* wm-geo.h: distances, the offline gazetteer and how precisely a location is known.
 *
 * Shared by the matcher (distances), the imports (town → coordinates), the case editor
 * (search as you type) and the map (radius rings, the client's approximate area).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Mean Earth radius (IUGG): a sphere of this radius keeps UK distances within 0.5% of the
 * WGS84 geodesic. */
#define WM_GEO_EARTH_RADIUS_KM 6371.0088

/* Great-circle distance (haversine) in km. Any NAN coordinate gives NAN, so a missing
 * location never looks like a distance of 0. */
double wm_geo_distance_km (double lat1,
                           double lon1,
                           double lat2,
                           double lon2);

/* The point @distance_km from (@lat, @lon) along the great circle leaving at @bearing_deg
 * (0 = north, 90 = east), on the same sphere as wm_geo_distance_km(): the map draws the search
 * radius as a ring of these points. Longitude comes back in [-180, 180). */
void   wm_geo_destination (double  lat,
                           double  lon,
                           double  bearing_deg,
                           double  distance_km,
                           double *out_lat,
                           double *out_lon);

#define WM_GEO_ERROR (wm_geo_error_quark ())

typedef enum
{
  WM_GEO_ERROR_NOT_FOUND,
  WM_GEO_ERROR_AMBIGUOUS,
} WmGeoError;

GQuark wm_geo_error_quark (void);

/* A gazetteer entry. @region is what geonames gives as the state: for the UK, the nation
 * ("England", "Wales", "Scotland", "Northern Ireland"). @country_code is ISO 3166 ("GB"). */
typedef struct
{
  char *name;
  char *region;
  char *country_code;
  double latitude;
  double longitude;
  guint population;
} WmPlace;

#define WM_TYPE_PLACE (wm_place_get_type ())

GType    wm_place_get_type (void) G_GNUC_CONST;
WmPlace *wm_place_copy     (const WmPlace *place);
void     wm_place_free     (WmPlace       *place);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmPlace, wm_place_free)

/* Gazetteer search as the user types. Names compare ignoring case, accents, apostrophes and
 * punctuation ("stoke on trent" finds Stoke-on-Trent, "bishops" Bishop's Stortford). UK places
 * come first; within the UK and then within the rest of the world, whole-name matches come
 * first, then names that start with @query, then names with a later word that starts with it
 * ("keynes" finds Milton Keynes); within each of those, larger populations first. So "Newcastle"
 * offers Newcastle upon Tyne before Newcastle, New South Wales. At most @limit places (0: no
 * limit); a blank or NULL @query gives none.
 *
 * Returns a GPtrArray of WmPlace (it frees them). The only error is G_IO_ERROR_CANCELLED.
 * The first search in a process loads the gazetteer (about 0.1 s); later ones take under a
 * millisecond. The async version runs in a worker thread, so that first search never blocks
 * the GUI; cancel the previous search on each keystroke. */
void       wm_geo_search_places        (const char           *query,
                                        guint                 limit,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
GPtrArray *wm_geo_search_places_finish (GAsyncResult         *result,
                                        GError              **error);
GPtrArray *wm_geo_search_places_sync   (const char           *query,
                                        guint                 limit,
                                        GCancellable         *cancellable,
                                        GError              **error);

/* The UK town called @name, compared as in the search but on the whole name. A name that
 * belongs to more than one UK place (Newport, Bangor, Hayes, Ashford, Neston) fails with
 * WM_GEO_ERROR_AMBIGUOUS rather than guessing, since a guess could put someone at the other
 * end of the country without anyone noticing; "Bangor, Wales" picks by region where that is
 * enough. An unknown name fails with WM_GEO_ERROR_NOT_FOUND, suggesting UK names that start
 * the same way. Messages name the value but not the field, so callers can prefix their own. */
WmPlace   *wm_geo_lookup_uk_town       (const char           *name,
                                        GError              **error);

/* How far from its stored point a person with a location of @precision (a
 * WM_VOCAB_PRECISION code) may really be, in km. The map draws the client's area as a circle of
 * this radius so that it never shows more than is known:
 *   exact     0.05  a geocoded address: the building and the geocoder's error
 *   postcode  0.3   a full unit postcode (about 15 addresses); its centroid is within this of
 *                   every address in towns, the common case
 *   district  5     an outward code ("HG1"): the UK's ~2,900 districts average ~80 km², a
 *                   circle of radius 5 km
 *   town      8     a gazetteer town's centre point: its built-up area and the villages whose
 *                   people say they live "near" it
 *   region    40    a county or wider area: about a county's extent, and the default
 *                   matching radius
 * NULL or an unknown code counts as region, the least precise. */
double     wm_geo_precision_radius_km  (const char           *precision);

G_END_DECLS
