/* wm-map-view.h: therapists, the client's area, the search radius and the matches on a map
 * (libshumate's ShumateSimpleMap).
 *
 * Three uses:
 *  - the Map page (wm_map_view_new (session)): every active therapist with a location, styled
 *    by state, with filters (specialism, accepting only) and a place search that draws the
 *    default search radius around a town; it follows the store's ::changed signal. Below
 *    zoom level WM_MAP_CLUSTER_MAX_ZOOM, therapists whose markers would overlap are drawn as
 *    one cluster marker with their number ("12 therapists near Leeds"); a click on it zooms
 *    in until they come apart;
 *  - a case's matching panel (compact, wm_map_view_show_match ()): the client's approximate
 *    area, the search radius and the ranked matches numbered 1..N, with "Refer" in each
 *    match's popover when a refer action is set;
 *  - picking a point (compact, no session): ::location-clicked for each click on the map.
 *
 * Tiles: OpenStreetMap raster tiles, fetched by Waymark's own tile source (libshumate 1.0's
 * ShumateTileDownloader cannot be given a User-Agent or a cache directory) into
 * $XDG_CACHE_HOME/waymark/tiles. The GSettings key "online-map-tiles" turns them off; then,
 * and while there is no network, no request is made at all (the source is not even created)
 * and town names from the offline gazetteer keep the map readable.
 *
 * Properties:
 *   "session" (WmSession, read-write): whose therapists to show (the Map page).
 *   "compact" (gboolean, read-write): no toolbar or key (the panel's map and the picker).
 *   "online" (gboolean, read-only): tiles are being fetched from the network.
 *
 * Signals:
 *   ::location-clicked (double latitude, double longitude): a click (not a drag) on the map.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-map-markers.h"
#include "wm-session.h"

G_BEGIN_DECLS

#define WM_MAP_VIEW_OSM_URL "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

#define WM_TYPE_MAP_VIEW (wm_map_view_get_type ())
G_DECLARE_FINAL_TYPE (WmMapView, wm_map_view, WM, MAP_VIEW, AdwBin)

GtkWidget    *wm_map_view_new               (WmSession            *session);
void          wm_map_view_set_compact       (WmMapView            *self,
                                             gboolean              compact);
WmMapMarkers *wm_map_view_get_markers       (WmMapView            *self);
/* What the filter controls do: @specialism a code or NULL for any. */
void          wm_map_view_set_filter        (WmMapView            *self,
                                             const char           *specialism,
                                             gboolean              accepting_only);
/* Shows @kase's match: the client's area (a circle as large as the location's precision; a
 * pin only when it is exact), the radius the matcher searched, and the results numbered
 * 1..N, from @snapshot (the one @outcome indexes). @store gives today's date and the DBS rule.
 * @kase NULL clears. */
void          wm_map_view_show_match        (WmMapView             *self,
                                             WmStore               *store,
                                             WmCase                *kase,
                                             const WmMatchOutcome  *outcome,
                                             const WmMatchSnapshot *snapshot);
/* An action taking the therapist id ("x"), offered as "Refer…" in a ranked match's popover
 * ("match.refer" in the matching panel); NULL: none. */
void          wm_map_view_set_refer_action  (WmMapView            *self,
                                             const char           *action_name);
/* A pin at a point (the picker's choice); NAN clears it. */
void          wm_map_view_set_pin           (WmMapView            *self,
                                             double                latitude,
                                             double                longitude);
void          wm_map_view_go_to             (WmMapView            *self,
                                             double                latitude,
                                             double                longitude,
                                             double                zoom_level);
/* Where tiles come from ({x}, {y}, {z} and {tmsy} replaced): another tile server, or a test's
 * listener. Takes effect at once. */
void          wm_map_view_set_tile_url      (WmMapView            *self,
                                             const char           *url_template);
gboolean      wm_map_view_get_online        (WmMapView            *self);
/* Opens the popover of a therapist's marker, as a click on it does (first moving the map close
 * enough to her when she is in a cluster); FALSE when the filters hide her. */
gboolean      wm_map_view_open_marker       (WmMapView            *self,
                                             gint64                therapist_id);

G_END_DECLS
