/* wm-map-markers.h: what the map shows, as plain data: one marker description per therapist
 * on the register, the towns of the offline gazetteer, and the geometry of circles on the
 * ground. Nothing here needs a map or a display, so the tests check it directly.
 *
 * WmMapMarkers is a GListModel of WmMapMarker, one for every active therapist with a location,
 * in the order of their ids. Given a store it follows ::changed ("therapist", "case" for the
 * places free, "setting" for the DBS rule) and reloads from wm_store_load_match_snapshot();
 * otherwise it shows the snapshots it is given. A reload keeps the items whose description did
 * not change, so a view can keep their widgets; items-changed covers the rest.
 *
 * Filters and a match ranking only change which markers are shown (WmMapMarker.shown) and
 * their rank: ::shown-changed says so without touching the items, since toggling 2,000
 * widgets is cheap and rebuilding them is not.
 *
 * Clusters: at the scale of a region, 2,000 markers overlap and a map that lays out 2,000
 * widgets on every frame cannot pan smoothly. wm_map_markers_cluster() groups the markers that
 * would overlap into one marker with a count, on a grid fixed to the map (so panning never
 * changes it); the view draws a few hundred widgets instead of 2,000.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "wm-matcher.h"
#include "wm-store.h"

G_BEGIN_DECLS

/* How a therapist looks on the map: the first that applies, in this order of importance. */
typedef enum
{
  WM_MAP_MARKER_NOT_COMPLIANT, /* insurance, registration, DBS or training: not referable */
  WM_MAP_MARKER_FULL,          /* not accepting new clients, or every place taken */
  WM_MAP_MARKER_ONLINE_ONLY,   /* accepting with a place free, but sees clients only online */
  WM_MAP_MARKER_AVAILABLE,     /* accepting with a place free, in person */
} WmMapMarkerState;

/* "Compliance problem", "Full", "Online only", "Accepting": for the legend and popovers. */
const char *wm_map_marker_state_label      (WmMapMarkerState state);
/* "not-compliant", "full", "online-only", "available": the marker's style class. */
const char *wm_map_marker_state_style      (WmMapMarkerState state);

#define WM_TYPE_MAP_MARKER (wm_map_marker_get_type ())
G_DECLARE_FINAL_TYPE (WmMapMarker, wm_map_marker, WM, MAP_MARKER, GObject)

/* A description, not a widget: replaced, never changed, when the therapist changes (except
 * @shown and @rank, which follow the filters and the ranking in place). */
struct _WmMapMarker
{
  GObject parent_instance;

  gint64 therapist_id;
  char *name;
  double latitude;
  double longitude;
  WmMapMarkerState state;
  gboolean accepting;
  gboolean in_person;
  gboolean online;
  int places_free;
  int places_total;
  WmSpecialismSet specialisms;
  char *problems;              /* the compliance problems, one a line; NULL when none */

  guint rank;                  /* 1..N in the ranking shown; 0 when not ranked */
  double distance_km;          /* from the client's area when ranked; NAN otherwise */
  gboolean shown;              /* passes the filters */
};

/* "Therapist: Jane Example, 3 places free"; a ranked one starts "Match 2: ". */
char       *wm_map_marker_dup_accessible_name (WmMapMarker *self);
/* "3 of 8 places free", "Full (8 of 8 places taken)", "Not accepting new clients". */
char       *wm_map_marker_dup_places_text     (WmMapMarker *self);

#define WM_TYPE_MAP_MARKERS (wm_map_markers_get_type ())
G_DECLARE_FINAL_TYPE (WmMapMarkers, wm_map_markers, WM, MAP_MARKERS, GObject)

/* @store: NULL, or a store to load from now and to follow. */
WmMapMarkers *wm_map_markers_new             (WmStore               *store);
/* Reloads from the store (done on ::changed; tests and a "try again" can call it). */
gboolean      wm_map_markers_reload          (WmMapMarkers          *self,
                                              GError               **error);
/* Builds the markers from @snapshot. @today is a Julian day and @dbs_validity_years the DBS
 * rule (wm_store_load_match_settings()), for the compliance state. */
void          wm_map_markers_load_snapshot   (WmMapMarkers          *self,
                                              const WmMatchSnapshot *snapshot,
                                              guint32                today,
                                              guint                  dbs_validity_years);
/* @specialism: a specialism code, or NULL for any. @accepting_only: only those who can take a
 * referral now (available or online only). */
void          wm_map_markers_set_filter      (WmMapMarkers          *self,
                                              const char            *specialism,
                                              gboolean               accepting_only);
/* Numbers the results of @outcome 1..N (NULL: none). With @only_ranked, only they are shown. */
void          wm_map_markers_set_ranking     (WmMapMarkers          *self,
                                              const WmMatchOutcome  *outcome,
                                              gboolean               only_ranked);
WmMapMarker  *wm_map_markers_find            (WmMapMarkers          *self,
                                              gint64                 therapist_id);
guint         wm_map_markers_get_n_shown     (WmMapMarkers          *self);
/* Active therapists with no location (online only): counted, since they cannot be drawn. */
guint         wm_map_markers_get_n_unplaced  (WmMapMarkers          *self);

/* Clusters */

/* A group of markers that would overlap on screen, drawn as one marker with a count. */
typedef struct
{
  gint64 cell;                 /* the grid cell and zoom level: equal for the same place */
  double latitude;             /* where it is drawn: the mean point on the map of everyone in */
  double longitude;            /* the cell, shown or not, so a filter never moves it */
  double min_latitude;         /* the members' extent: a click zooms in to it */
  double max_latitude;
  double min_longitude;
  double max_longitude;
  guint n_referable;           /* members who can take a referral now (accepting, a place free) */
  GPtrArray *members;          /* WmMapMarker (borrowed from the model), two or more */
} WmMapCluster;

/* The side of a grid cell, in pixels on screen at the zoom level clustered for. */
#define WM_MAP_CLUSTER_CELL_PX 48
/* From this zoom level on, every marker is drawn on its own. */
#define WM_MAP_CLUSTER_MAX_ZOOM 14

/* Groups the shown markers that fall in the same @cell_px square of the (Web Mercator, 256-px
 * tile) pixel grid at integer @zoom_level. Ranked markers are never grouped: a numbered match
 * is always drawn on its own. A marker alone in its cell is not a cluster. Nothing is grouped
 * at WM_MAP_CLUSTER_MAX_ZOOM and beyond. The grid is fixed to the map, not to the window: the
 * same markers give the same clusters wherever the map is panned, and a filter changes a
 * cluster's members but not where it is.
 *
 * Returns a GPtrArray of WmMapCluster (freed with it), in the order of the first therapist in
 * their cell. */
GPtrArray  *wm_map_markers_cluster           (WmMapMarkers          *self,
                                              int                    zoom_level,
                                              guint                  cell_px);
/* "12 therapists near Leeds", or "12 therapists" with no town near enough: what a screen
 * reader says for a cluster. @zoom_level picks which towns are big enough to name. */
char       *wm_map_cluster_dup_accessible_name (const WmMapCluster  *cluster,
                                                int                  zoom_level);

/* Points on the ground */

typedef struct
{
  double latitude;
  double longitude;
} WmMapPoint;

/* @n_points points of the circle of @radius_km around the centre, clockwise from north, on
 * the sphere of wm_geo_distance_km(): each lies exactly @radius_km from the centre. An array
 * of WmMapPoint. */
GArray     *wm_map_circle_points            (double                 latitude,
                                              double                 longitude,
                                              double                 radius_km,
                                              guint                  n_points);

/* Towns */

typedef struct
{
  const char *name;
  double latitude;
  double longitude;
  guint population;
} WmMapTown;

/* The UK towns of the offline gazetteer, largest first. Read once (about 40 ms, when the map
 * first needs town names) and kept for the life of the process; safe from any thread. */
const WmMapTown *wm_map_towns                (guint                 *n_towns);
/* The smallest town worth a label at @zoom_level: more towns as the map zooms in. */
guint            wm_map_town_min_population  (double                 zoom_level);
/* The nearest town of at least @min_population within @max_km of a point; NULL if none. */
const WmMapTown *wm_map_town_nearest         (double                 latitude,
                                              double                 longitude,
                                              guint                  min_population,
                                              double                 max_km);

G_END_DECLS
