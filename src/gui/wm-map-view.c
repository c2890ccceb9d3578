/* wm-map-view.c: the map of therapists, a client's area, the search radius and the matches.
 *
 * Layers, bottom to top: the tiles (none offline: a plain background), the client's area, the
 * search radius, the therapists, the offline gazetteer's town names (over the markers, which
 * would hide them at the scale of the country; clicks go through), and the pins.
 *
 * Tiles come from WmTileSource below rather than ShumateTileDownloader: libshumate 1.0.3's
 * downloader sends "libshumate/1.0.3" as its User-Agent whatever shumate_set_user_agent() says
 * (with libsoup 3 it hard-codes it) and keeps its cache where it chooses, while OpenStreetMap's
 * tile policy asks each application to name itself. The source does what the downloader does
 * (the file cache first, revalidated with its ETag after a week, two connections at most)
 * with Waymark's own User-Agent and cache directory.
 *
 * Tile requests show the tile server which area is being looked at, so they are made only
 * while the "online-map-tiles" setting is on and there is a network: otherwise the tile
 * source does not exist, and town names keep the map readable.
 *
 * Therapist markers are made once per therapist and kept: a filter only shows or hides them
 * (2,000 of them in a few milliseconds), and a store change replaces only the markers whose
 * description changed (WmMapMarkers keeps the unchanged items).
 *
 * Clusters: ShumateMarkerLayer measures, places and allocates every shown marker on every
 * frame of a pan, and each is drawn: with 2,000 shown, panning ran at about 12 frames a second
 * (tests/bench/bench-map.c). Markers that would overlap are drawn as one cluster marker with a
 * count instead (a grid of WM_MAP_CLUSTER_CELL_PX cells fixed to the map,
 * wm_map_markers_cluster()), and its members are hidden: hidden markers cost the layer next to
 * nothing. The clusters are worked out again only when a whole zoom level is crossed or the
 * markers or filters change, never while panning. Cluster widgets are kept and reused.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <math.h>
#include <shumate/shumate.h>

#include "wm-accessible.h"
#include "wm-explain.h"
#include "wm-geo.h"
#include "wm-map-view.h"
#include "wm-vocab.h"

#define USER_AGENT "Waymark/" PACKAGE_VERSION " (GNOME case-management app; libshumate)"
/* OpenStreetMap's tile policy: no more than two connections. */
#define MAX_CONNECTIONS 2
/* Tiles older than this are revalidated (If-None-Match) before use, as libshumate does. */
#define TILE_MAX_AGE (7 * G_TIME_SPAN_DAY)
#define CACHE_SIZE_LIMIT (100 * 1000 * 1000)
#define MIN_ZOOM 4
#define MAX_ZOOM 18
/* Enough points that a ring looks round at any zoom the map allows. */
#define CIRCLE_POINTS 96

/* Tile source: OpenStreetMap raster tiles over libsoup 3 with Waymark's User-Agent. */

#define WM_TYPE_TILE_SOURCE (wm_tile_source_get_type ())
G_DECLARE_FINAL_TYPE (WmTileSource, wm_tile_source, WM, TILE_SOURCE, ShumateDataSource)

struct _WmTileSource
{
  ShumateDataSource parent_instance;

  char *url_template;
  SoupSession *session;
  ShumateFileCache *cache;
  gboolean failing;             /* the last request that reached no tile failed */
  gboolean closed;              /* let go of: asks nothing of the network any more */
};

G_DEFINE_FINAL_TYPE (WmTileSource, wm_tile_source, SHUMATE_TYPE_DATA_SOURCE)

enum {
  TILE_PROP_0,
  TILE_PROP_FAILING,
  TILE_N_PROPS
};

static GParamSpec *tile_properties[TILE_N_PROPS];

typedef struct
{
  int x;
  int y;
  int z;
  GBytes *cached;               /* a stale copy from the cache, used if the network fails */
  char *etag;
  SoupMessage *message;
} TileRequest;

static void
tile_request_free (TileRequest *request)
{
  g_clear_pointer (&request->cached, g_bytes_unref);
  g_free (request->etag);
  g_clear_object (&request->message);
  g_free (request);
}

static void
wm_tile_source_set_failing (WmTileSource *self,
                            gboolean      failing)
{
  if (self->failing == failing)
    return;
  self->failing = failing;
  g_object_notify_by_pspec (G_OBJECT (self), tile_properties[TILE_PROP_FAILING]);
}

static char *
tile_uri (WmTileSource *self,
          int           x,
          int           y,
          int           z)
{
  GString *uri = g_string_new (self->url_template);
  char buf[16];

  g_snprintf (buf, sizeof buf, "%d", x);
  g_string_replace (uri, "{x}", buf, 0);
  g_snprintf (buf, sizeof buf, "%d", y);
  g_string_replace (uri, "{y}", buf, 0);
  g_snprintf (buf, sizeof buf, "%d", z);
  g_string_replace (uri, "{z}", buf, 0);
  g_snprintf (buf, sizeof buf, "%d", (1 << z) - y - 1);
  g_string_replace (uri, "{tmsy}", buf, 0);
  return g_string_free (uri, FALSE);
}

static void
tile_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WmTileSource *self = g_task_get_source_object (task);
  TileRequest *request = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  SoupStatus status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        wm_tile_source_set_failing (self, request->cached == NULL);
      if (request->cached != NULL)
        g_task_return_pointer (task, g_steal_pointer (&request->cached),
                               (GDestroyNotify) g_bytes_unref);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  status = soup_message_get_status (request->message);
  if (status == SOUP_STATUS_NOT_MODIFIED && request->cached != NULL)
    {
      shumate_file_cache_mark_up_to_date (self->cache, request->x, request->y, request->z);
      wm_tile_source_set_failing (self, FALSE);
      g_task_return_pointer (task, g_steal_pointer (&request->cached),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      wm_tile_source_set_failing (self, request->cached == NULL);
      if (request->cached != NULL)
        g_task_return_pointer (task, g_steal_pointer (&request->cached),
                               (GDestroyNotify) g_bytes_unref);
      else
        g_task_return_new_error (task, SHUMATE_TILE_DOWNLOADER_ERROR,
                                 SHUMATE_TILE_DOWNLOADER_ERROR_BAD_RESPONSE,
                                 "Unable to download tile: HTTP %u", status);
      return;
    }

  shumate_file_cache_store_tile_async (self->cache, request->x, request->y, request->z, body,
                                       soup_message_headers_get_one (
                                         soup_message_get_response_headers (request->message),
                                         "ETag"),
                                       NULL, NULL, NULL);
  wm_tile_source_set_failing (self, FALSE);
  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static void
tile_fetch (GTask *task)
{
  WmTileSource *self = g_task_get_source_object (task);
  TileRequest *request = g_task_get_task_data (task);
  g_autofree char *uri = NULL;

  /* A cache read that finishes after the map went offline stops here. */
  if (self->closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Online tiles are off");
      g_object_unref (task);
      return;
    }
  uri = tile_uri (self, request->x, request->y, request->z);
  request->message = soup_message_new (SOUP_METHOD_GET, uri);
  if (request->message == NULL)
    {
      g_task_return_new_error (task, SHUMATE_TILE_DOWNLOADER_ERROR,
                               SHUMATE_TILE_DOWNLOADER_ERROR_MALFORMED_URL,
                               "Not a valid tile URL");
      g_object_unref (task);
      return;
    }
  if (request->etag != NULL)
    soup_message_headers_append (soup_message_get_request_headers (request->message),
                                 "If-None-Match", request->etag);

  if (self->session == NULL)
    self->session = soup_session_new_with_options ("user-agent", USER_AGENT,
                                                   "max-conns", MAX_CONNECTIONS,
                                                   "max-conns-per-host", MAX_CONNECTIONS,
                                                   NULL);
  soup_session_send_and_read_async (self->session, request->message, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), tile_fetched_cb, task);
}

static void
tile_cache_read_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  WmTileSource *self = g_task_get_source_object (task);
  TileRequest *request = g_task_get_task_data (task);
  g_autoptr(GDateTime) modified = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *etag = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = shumate_file_cache_get_tile_finish (SHUMATE_FILE_CACHE (source), &etag, &modified,
                                              result, NULL);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (bytes != NULL)
    {
      /* Shown at once, even if it is then revalidated. */
      g_signal_emit_by_name (self, "received-data", request->x, request->y, request->z, bytes);
      if (modified != NULL && g_date_time_difference (now, modified) < TILE_MAX_AGE)
        {
          g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
          g_object_unref (task);
          return;
        }
      request->cached = g_steal_pointer (&bytes);
      request->etag = g_steal_pointer (&etag);
    }
  tile_fetch (task);
}

static void
wm_tile_source_get_tile_data_async (ShumateDataSource   *source,
                                    int                  x,
                                    int                  y,
                                    int                  zoom_level,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  WmTileSource *self = WM_TILE_SOURCE (source);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  TileRequest *request = g_new0 (TileRequest, 1);

  g_task_set_source_tag (task, wm_tile_source_get_tile_data_async);
  request->x = x;
  request->y = y;
  request->z = zoom_level;
  g_task_set_task_data (task, request, (GDestroyNotify) tile_request_free);
  if (self->closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Online tiles are off");
      g_object_unref (task);
      return;
    }
  shumate_file_cache_get_tile_async (self->cache, x, y, zoom_level, cancellable,
                                     tile_cache_read_cb, task);
}

static GBytes *
wm_tile_source_get_tile_data_finish (ShumateDataSource  *source,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wm_tile_source_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case TILE_PROP_FAILING:
      g_value_set_boolean (value, WM_TILE_SOURCE (object)->failing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_tile_source_dispose (GObject *object)
{
  WmTileSource *self = WM_TILE_SOURCE (object);

  /* Nothing may still be on its way once the source is let go. The cache stays until
   * finalize: reads already started still finish into it. */
  self->closed = TRUE;
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wm_tile_source_parent_class)->dispose (object);
}

static void
wm_tile_source_finalize (GObject *object)
{
  WmTileSource *self = WM_TILE_SOURCE (object);

  g_clear_object (&self->cache);
  g_free (self->url_template);

  G_OBJECT_CLASS (wm_tile_source_parent_class)->finalize (object);
}

static void
wm_tile_source_class_init (WmTileSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  object_class->get_property = wm_tile_source_get_property;
  object_class->dispose = wm_tile_source_dispose;
  object_class->finalize = wm_tile_source_finalize;
  source_class->get_tile_data_async = wm_tile_source_get_tile_data_async;
  source_class->get_tile_data_finish = wm_tile_source_get_tile_data_finish;

  tile_properties[TILE_PROP_FAILING] =
    g_param_spec_boolean ("failing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, TILE_N_PROPS, tile_properties);
}

static void
wm_tile_source_init (WmTileSource *self)
{
}

static WmTileSource *
wm_tile_source_new (const char *url_template)
{
  WmTileSource *self = g_object_new (WM_TYPE_TILE_SOURCE, NULL);
  g_autofree char *cache_dir = g_build_filename (g_get_user_cache_dir (), "waymark", "tiles",
                                                 NULL);
  g_autofree char *cache_key = NULL;

  self->url_template = g_strdup (url_template);
  /* One cache per tile server, named after its URL as libshumate does. */
  cache_key = g_strcanon (g_strdup (url_template),
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", '_');
  self->cache = shumate_file_cache_new_full (CACHE_SIZE_LIMIT, cache_key, cache_dir);
  return self;
}

/* Blank source: the projection and zoom range, and no tiles at all. Town names, markers and
 * rings are drawn over the map's plain background. */

#define WM_TYPE_BLANK_SOURCE (wm_blank_source_get_type ())
G_DECLARE_FINAL_TYPE (WmBlankSource, wm_blank_source, WM, BLANK_SOURCE, ShumateMapSource)

struct _WmBlankSource
{
  ShumateMapSource parent_instance;
};

G_DEFINE_FINAL_TYPE (WmBlankSource, wm_blank_source, SHUMATE_TYPE_MAP_SOURCE)

static void
wm_blank_source_fill_tile_async (ShumateMapSource    *source,
                                 ShumateTile         *tile,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source, cancellable, callback, user_data);

  g_task_set_source_tag (task, wm_blank_source_fill_tile_async);
  shumate_tile_set_state (tile, SHUMATE_STATE_DONE);
  g_task_return_boolean (task, TRUE);
}

static gboolean
wm_blank_source_fill_tile_finish (ShumateMapSource  *source,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
wm_blank_source_class_init (WmBlankSourceClass *klass)
{
  ShumateMapSourceClass *source_class = SHUMATE_MAP_SOURCE_CLASS (klass);

  source_class->fill_tile_async = wm_blank_source_fill_tile_async;
  source_class->fill_tile_finish = wm_blank_source_fill_tile_finish;
}

static void
wm_blank_source_init (WmBlankSource *self)
{
}

static ShumateMapSource *
wm_blank_source_new (void)
{
  return g_object_new (WM_TYPE_BLANK_SOURCE,
                       "id", "waymark-offline",
                       "name", _("Town names"),
                       /* Translators: the attribution of the offline map's town names. */
                       "license", _("Town names: GeoNames (CC BY)"),
                       "license-uri", "https://www.geonames.org/",
                       "min-zoom-level", MIN_ZOOM,
                       "max-zoom-level", MAX_ZOOM,
                       "tile-size", 256,
                       "projection", SHUMATE_MAP_PROJECTION_MERCATOR,
                       NULL);
}

/* The map view */

typedef enum
{
  TILES_ONLINE,
  TILES_OFF,                    /* the setting is off */
  TILES_NO_NETWORK,
} TilesMode;

struct _WmMapView
{
  AdwBin parent_instance;

  WmSession *session;
  WmStore *store;               /* the session's, or the one given with a match */
  WmMapMarkers *markers;
  gboolean compact;
  char *refer_action;

  GSettings *settings;
  GNetworkMonitor *network;
  char *tile_url;
  TilesMode tiles_mode;
  ShumateMapSource *blank_source;
  WmTileSource *tile_source;    /* only while online */
  ShumateMapSource *online_source;
  ShumateMapLayer *tile_layer;

  ShumateViewport *viewport;
  ShumateMarkerLayer *town_layer;
  ShumatePathLayer *area_layer;
  ShumatePathLayer *radius_layer;
  ShumateMarkerLayer *therapist_layer;
  ShumateMarkerLayer *pin_layer;
  GHashTable *marker_widgets;   /* gint64 * (in the item) → ShumateMarker */
  gboolean markers_built;
  int cluster_zoom;             /* the zoom level the clusters are for; -1: none yet */
  GPtrArray *clusters;          /* WmMapCluster */
  GHashTable *clustered;        /* WmMapMarker (a cluster's member) → itself */
  GPtrArray *cluster_widgets;   /* ShumateMarker: the first clusters->len show the clusters */
  int town_zoom;                /* the zoom step the town labels were laid out for; -1 none */
  gboolean towns_built;

  /* The match shown (panel), or the town searched for (page) */
  double centre_latitude;
  double centre_longitude;
  char *centre_name;            /* "Harrogate", or NULL for the client's area */
  double view_latitude;         /* what to show once the map has a size */
  double view_longitude;
  double view_radius_km;        /* 0: nothing pending */
  guint view_tick;
  guint n_unplaced_matches;
  gboolean case_unplaced;
  ShumateMarker *pin;

  GtkPopover *popover;
  GCancellable *place_cancellable;

  /* Template widgets */
  GtkWidget *toolbar;
  GtkWidget *toolbar_separator;
  GtkSearchEntry *place_entry;
  GtkDropDown *specialism_dropdown;
  GtkToggleButton *accepting_toggle;
  GtkLabel *count_label;
  GtkMenuButton *options_button;
  GtkSwitch *online_tiles_switch;
  ShumateSimpleMap *map;
  GtkWidget *legend;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (WmMapView, wm_map_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_COMPACT,
  PROP_ONLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_LOCATION_CLICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void wm_map_view_update_towns (WmMapView *self);
static void wm_map_view_update_status (WmMapView *self);
static void wm_map_view_set_session (WmMapView *self,
                                     WmSession *session);

/* Styles: the markers' shapes differ as well as their colours, so the states can be told
 * apart without colour. Loaded once per display, with the theme's colours where they fit. */
static const char map_css[] =
  ".wm-map-therapist, .wm-map-swatch {"
  "  min-width: 10px; min-height: 10px; padding: 0; margin: 0;"
  "  border: 2px solid white; border-radius: 9999px;"
  "  background-image: none; box-shadow: none;"
  "  color: white; font-weight: bold; font-size: 0.75em;"
  "}"
  ".wm-map-swatch { min-width: 8px; min-height: 8px; box-shadow: 0 0 1px alpha(black, 0.6); }"
  ".wm-map-therapist.available, .wm-map-swatch.available { background-color: #26a269; }"
  ".wm-map-therapist.online-only, .wm-map-swatch.online-only {"
  "  background-color: #1c71d8; border-radius: 3px;"
  "}"
  ".wm-map-therapist.full, .wm-map-swatch.full {"
  "  background-color: white; border: 3px solid #77767b; min-width: 8px; min-height: 8px;"
  "}"
  ".wm-map-therapist.not-compliant, .wm-map-swatch.not-compliant {"
  "  background-color: #c01c28; border-radius: 1px; transform: rotate(45deg);"
  "}"
  ".wm-map-therapist.ranked { min-width: 20px; min-height: 20px; }"
  ".wm-map-therapist.ranked.full { color: #3d3846; }"
  ".wm-map-therapist:hover { box-shadow: 0 0 0 3px alpha(@accent_bg_color, 0.5); }"
  ".wm-map-therapist:checked { box-shadow: 0 0 0 3px @accent_bg_color; }"
  /* Clusters: neutral, since their members' states differ; larger as they hold more. */
  ".wm-map-cluster {"
  "  min-width: 22px; min-height: 22px; padding: 0 3px; margin: 0;"
  "  border: 2px solid white; border-radius: 9999px;"
  "  background-image: none; background-color: alpha(#3d3846, 0.88);"
  /* No shadow: blurred shadows under a few hundred clusters cost a software renderer about
   * a tenth of each frame (bench-map). */
  "  box-shadow: none;"
  "  color: white; font-weight: bold; font-size: 0.8em;"
  "}"
  ".wm-map-cluster.medium { min-width: 28px; min-height: 28px; }"
  ".wm-map-cluster.large { min-width: 34px; min-height: 34px; font-size: 0.85em; }"
  ".wm-map-cluster:hover { box-shadow: 0 0 0 3px alpha(@accent_bg_color, 0.5); }"
  ".wm-map-town {"
  "  font-size: 0.8em; color: #3d3846;"
  "  text-shadow: 1px 0 white, -1px 0 white, 0 1px white, 0 -1px white;"
  "}"
  ".wm-map-town.city { font-size: 0.95em; font-weight: bold; }"
  ".wm-map-pin { color: #c01c28; -gtk-icon-shadow: 0 1px 2px alpha(black, 0.5); }"
  ".wm-map-pin.place { color: #613583; }"
  ".wm-map-plain {"
  "  background-color: mix(@view_bg_color, #c8d8b0, 0.3);"
  "}"
  ".wm-map-legend, .wm-map-note {"
  "  background-color: alpha(@view_bg_color, 0.92); color: @view_fg_color;"
  "  border-radius: 8px; padding: 6px 10px; box-shadow: 0 1px 3px alpha(black, 0.3);"
  "}"
  ".wm-map-legend label { font-size: 0.9em; }"
  ".wm-map-note { border-radius: 9999px; padding: 4px 12px; font-size: 0.9em; }";

static void
ensure_css (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  g_autoptr(GtkCssProvider) provider = NULL;

  if (g_object_get_data (G_OBJECT (display), "wm-map-css") != NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, map_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "wm-map-css", g_steal_pointer (&provider),
                          g_object_unref);
}

static ShumateMap *
get_map (WmMapView *self)
{
  return shumate_simple_map_get_map (self->map);
}

/* The zoom that shows a circle of @radius_km around @latitude with some room around it. */
static double
zoom_for_radius (WmMapView *self,
                 double     latitude,
                 double     radius_km)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->map));
  int height = gtk_widget_get_height (GTK_WIDGET (self->map));
  double span = 0.8 * MIN (width > 0 ? width : 480, height > 0 ? height : 320);
  /* Metres per pixel at zoom 0 on the equator, for 256-pixel tiles. */
  double metres_per_pixel = 2.0 * radius_km * 1000.0 / span;
  double zoom = log2 (156543.03392 * cos (latitude * G_PI / 180.0) / metres_per_pixel);

  return CLAMP (zoom, MIN_ZOOM, MAX_ZOOM - 2);
}

static void
apply_view (WmMapView *self)
{
  shumate_viewport_set_zoom_level (self->viewport,
                                   zoom_for_radius (self, self->view_latitude,
                                                    self->view_radius_km));
  shumate_map_center_on (get_map (self), self->view_latitude, self->view_longitude);
}

static gboolean
view_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  WmMapView *self = WM_MAP_VIEW (widget);

  if (gtk_widget_get_width (GTK_WIDGET (self->map)) == 0)
    return G_SOURCE_CONTINUE;
  self->view_tick = 0;
  if (self->view_radius_km > 0)
    apply_view (self);
  return G_SOURCE_REMOVE;
}

/* Shows @radius_km around a point: at once when the map has a size, else as soon as it has
 * one (the matching panel fills its map before the page is ever shown). */
static void
set_view (WmMapView *self,
          double     latitude,
          double     longitude,
          double     radius_km)
{
  self->view_latitude = latitude;
  self->view_longitude = longitude;
  self->view_radius_km = radius_km;
  if (gtk_widget_get_width (GTK_WIDGET (self->map)) > 0)
    apply_view (self);
  else if (self->view_tick == 0)
    self->view_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), view_tick_cb, NULL, NULL);
}

/* Tiles */

static TilesMode
wanted_tiles_mode (WmMapView *self)
{
  if (!g_settings_get_boolean (self->settings, "online-map-tiles"))
    return TILES_OFF;
  if (!g_network_monitor_get_network_available (self->network))
    return TILES_NO_NETWORK;
  return TILES_ONLINE;
}

static gboolean towns_wanted (WmMapView *self);

/* Without tiles, a plain land colour under the town names. */
static void
update_background (WmMapView *self)
{
  if (towns_wanted (self))
    gtk_widget_add_css_class (GTK_WIDGET (self->map), "wm-map-plain");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->map), "wm-map-plain");
}

static void
tile_source_failing_cb (WmMapView *self)
{
  update_background (self);
  wm_map_view_update_towns (self);
  wm_map_view_update_status (self);
}

static void
drop_online_source (WmMapView *self)
{
  if (self->tile_source != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->tile_source, self);
      /* Cancels whatever is still on its way. */
      g_object_run_dispose (G_OBJECT (self->tile_source));
    }
  g_clear_object (&self->tile_source);
  g_clear_object (&self->online_source);
}

/* The tile layer is managed here rather than with shumate_simple_map_set_map_source(), which
 * in libshumate 1.0 cannot go back to no source. Offline there is no tile layer at all: the
 * blank source only gives the viewport its projection and zoom range. */
static void
show_blank_source (WmMapView *self)
{
  ShumateLicense *license = shumate_simple_map_get_license (self->map);

  if (self->tile_layer != NULL)
    {
      shumate_map_remove_layer (get_map (self), SHUMATE_LAYER (self->tile_layer));
      self->tile_layer = NULL;
      shumate_license_remove_map_source (license, self->online_source);
    }
  shumate_viewport_set_reference_map_source (self->viewport, self->blank_source);
  shumate_license_set_extra_text (license, shumate_map_source_get_license (self->blank_source));
}

static void
show_online_source (WmMapView *self)
{
  ShumateLicense *license = shumate_simple_map_get_license (self->map);

  shumate_viewport_set_reference_map_source (self->viewport, self->online_source);
  self->tile_layer = shumate_map_layer_new (self->online_source, self->viewport);
  /* Under everything else. (libshumate 1.0.3 declares shumate_simple_map_insert_overlay_layer()
   * but does not export it: the map's own call is used.) */
  shumate_map_insert_layer_behind (get_map (self), SHUMATE_LAYER (self->tile_layer),
                                   SHUMATE_LAYER (self->area_layer));
  shumate_license_set_extra_text (license, NULL);
  shumate_license_append_map_source (license, self->online_source);
}

static void
wm_map_view_update_tiles (WmMapView *self)
{
  TilesMode mode = wanted_tiles_mode (self);
  gboolean was_online = self->tile_source != NULL;

  self->tiles_mode = mode;
  if (mode == TILES_ONLINE && self->tile_source == NULL)
    {
      self->tile_source = wm_tile_source_new (self->tile_url);
      g_signal_connect_swapped (self->tile_source, "notify::failing",
                                G_CALLBACK (tile_source_failing_cb), self);
      self->online_source = SHUMATE_MAP_SOURCE (
        shumate_raster_renderer_new_full ("osm-mapnik", "OpenStreetMap",
                                          "© OpenStreetMap contributors",
                                          "https://www.openstreetmap.org/copyright",
                                          MIN_ZOOM, MAX_ZOOM, 256,
                                          SHUMATE_MAP_PROJECTION_MERCATOR,
                                          SHUMATE_DATA_SOURCE (self->tile_source)));
      show_online_source (self);
    }
  else if (mode != TILES_ONLINE)
    {
      show_blank_source (self);
      drop_online_source (self);
    }

  update_background (self);
  wm_map_view_update_towns (self);
  wm_map_view_update_status (self);
  if (was_online != (self->tile_source != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

static void
settings_changed_cb (WmMapView *self)
{
  wm_map_view_update_tiles (self);
}

/* Town names, for when there are no tiles */

static gboolean
towns_wanted (WmMapView *self)
{
  return self->tile_source == NULL || self->tile_source->failing;
}

static void
build_towns (WmMapView *self)
{
  guint n;
  const WmMapTown *towns = wm_map_towns (&n);

  for (guint i = 0; i < n; i++)
    {
      ShumateMarker *marker = shumate_marker_new ();
      GtkWidget *label = gtk_label_new (towns[i].name);

      gtk_widget_add_css_class (label, "wm-map-town");
      if (towns[i].population >= 250000)
        gtk_widget_add_css_class (label, "city");
      gtk_widget_set_can_target (GTK_WIDGET (marker), FALSE);
      gtk_widget_set_focusable (GTK_WIDGET (marker), FALSE);
      shumate_marker_set_child (marker, label);
      shumate_location_set_location (SHUMATE_LOCATION (marker), towns[i].latitude,
                                     towns[i].longitude);
      gtk_widget_set_visible (GTK_WIDGET (marker), FALSE);
      g_object_set_data (G_OBJECT (marker), "town", (gpointer) &towns[i]);
      shumate_marker_layer_add_marker (self->town_layer, marker);
    }
  self->towns_built = TRUE;
}

typedef struct
{
  double x1, y1, x2, y2;
} Box;

/* Largest towns first, each labelled unless it would overlap one already labelled, among those
 * big enough for the zoom: more and smaller towns appear as the map zooms in. */
static void
layout_towns (WmMapView *self,
              double     zoom)
{
  g_autoptr(GArray) placed = g_array_new (FALSE, FALSE, sizeof (Box));
  guint min_population = wm_map_town_min_population (zoom);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->markers));

  /* Numbered matches are what the map is for: no name covers one. (Every therapist would be
   * too many: at the scale of the country they would leave no name at all.) */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmMapMarker) item = g_list_model_get_item (G_LIST_MODEL (self->markers), i);
      double x;
      double y;
      Box box;

      if (item->rank == 0 || !item->shown)
        continue;
      x = shumate_map_source_get_x (self->blank_source, zoom, item->longitude);
      y = shumate_map_source_get_y (self->blank_source, zoom, item->latitude);
      box = (Box) { x - 10, y - 10, x + 10, y + 10 };
      g_array_append_val (placed, box);
    }
  /* Nor a cluster's count, which a name over it would make unreadable. */
  for (guint i = 0; self->clusters != NULL && i < self->clusters->len; i++)
    {
      WmMapCluster *cluster = g_ptr_array_index (self->clusters, i);
      guint members = cluster->members->len;
      double half = members >= 100 ? 19 : members >= 10 ? 16 : 13;
      double x = shumate_map_source_get_x (self->blank_source, zoom, cluster->longitude);
      double y = shumate_map_source_get_y (self->blank_source, zoom, cluster->latitude);
      Box box = { x - half, y - half, x + half, y + half };

      g_array_append_val (placed, box);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->town_layer));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const WmMapTown *town = g_object_get_data (G_OBJECT (child), "town");
      gboolean show = town != NULL && town->population >= min_population;

      if (show)
        {
          double x = shumate_map_source_get_x (self->blank_source, zoom, town->longitude);
          double y = shumate_map_source_get_y (self->blank_source, zoom, town->latitude);
          /* An estimate of the label's size is enough to keep labels apart. */
          double half_width = 3.6 * g_utf8_strlen (town->name, -1) + 6;
          Box box = { x - half_width, y - 7, x + half_width, y + 7 };

          for (guint i = 0; i < placed->len && show; i++)
            {
              Box *other = &g_array_index (placed, Box, i);

              show = box.x2 < other->x1 || box.x1 > other->x2
                     || box.y2 < other->y1 || box.y1 > other->y2;
            }
          if (show)
            g_array_append_val (placed, box);
        }
      gtk_widget_set_visible (child, show);
    }
}

static void
wm_map_view_update_towns (WmMapView *self)
{
  double zoom;
  int step;

  if (!towns_wanted (self) || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->town_layer), towns_wanted (self));
      return;
    }
  if (!self->towns_built)
    build_towns (self);
  gtk_widget_set_visible (GTK_WIDGET (self->town_layer), TRUE);

  /* Laid out again only when the zoom moves a half step: not on every frame of a zoom. */
  zoom = shumate_viewport_get_zoom_level (self->viewport);
  step = (int) floor (zoom * 2);
  if (step == self->town_zoom)
    return;
  self->town_zoom = step;
  layout_towns (self, zoom);
}

static void recluster (WmMapView *self);

static void
zoom_changed_cb (WmMapView *self)
{
  double zoom = shumate_viewport_get_zoom_level (self->viewport);

  /* A new grid only when a whole zoom level is crossed: not on every frame of a zoom. */
  if (self->markers_built
      && (int) floor (CLAMP (zoom, MIN_ZOOM, MAX_ZOOM)) != self->cluster_zoom)
    {
      recluster (self);
      /* The names make way for the new clusters. */
      self->town_zoom = -1;
    }
  if (towns_wanted (self))
    wm_map_view_update_towns (self);
}

static void
wm_map_view_update_status (WmMapView *self)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;

  if (self->tile_source != NULL && self->tile_source->failing)
    g_ptr_array_add (lines, g_strdup (_("Map tiles could not be loaded: showing town names")));
  else if (self->tiles_mode == TILES_NO_NETWORK)
    g_ptr_array_add (lines, g_strdup (_("No network: showing town names")));
  else if (self->tiles_mode == TILES_OFF && !self->compact)
    g_ptr_array_add (lines, g_strdup (_("Online map tiles are off: showing town names")));

  if (self->case_unplaced)
    g_ptr_array_add (lines, g_strdup (_("The client’s area is not known")));
  if (self->n_unplaced_matches > 0)
    /* Translators: online-only therapists in the ranking have no place to be drawn. */
    g_ptr_array_add (lines, g_strdup_printf (ngettext ("%u match works online only and is not "
                                                       "on the map",
                                                       "%u matches work online only and are "
                                                       "not on the map",
                                                       self->n_unplaced_matches),
                                             self->n_unplaced_matches));

  g_ptr_array_add (lines, NULL);
  text = g_strjoinv ("\n", (char **) lines->pdata);
  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), *text != '\0');
}

/* Therapist markers */

static void
update_count (WmMapView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->markers));
  guint shown = wm_map_markers_get_n_shown (self->markers);
  guint unplaced = wm_map_markers_get_n_unplaced (self->markers);
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;

  if (shown == n)
    count = g_strdup_printf (ngettext ("%u therapist", "%u therapists", n), n);
  else
    /* Translators: "42 of 200 therapists"; the plural goes with the second number. */
    count = g_strdup_printf (ngettext ("%u of %u therapist", "%u of %u therapists", n), shown, n);
  if (unplaced > 0)
    /* Translators: "200 therapists · 4 online only, not on the map". */
    text = g_strdup_printf (ngettext ("%s · %u online only, not on the map",
                                      "%s · %u online only, not on the map", unplaced),
                            count, unplaced);
  else
    text = g_steal_pointer (&count);
  gtk_label_set_text (self->count_label, text);
}

/* The filters and the ranking: visibility always, the number and the accessible name only
 * when they change (or @described, for a new description), so a filter over 2,000 markers
 * does little more than show and hide them. */
static void
apply_shown (WmMapView     *self,
             ShumateMarker *marker,
             WmMapMarker   *item,
             gboolean       described)
{
  GtkWidget *button = shumate_marker_get_child (marker);
  guint applied_rank = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (marker), "rank"));
  /* A cluster's member is drawn as part of the cluster. */
  gboolean visible = item->shown && !g_hash_table_contains (self->clustered, item);

  if (gtk_widget_get_visible (GTK_WIDGET (marker)) != visible)
    gtk_widget_set_visible (GTK_WIDGET (marker), visible);
  if (!described && applied_rank == item->rank)
    return;

  if (applied_rank != item->rank)
    {
      GtkWidget *label = gtk_button_get_child (GTK_BUTTON (button));
      char rank[16];

      g_snprintf (rank, sizeof rank, "%u", item->rank);
      gtk_label_set_text (GTK_LABEL (label), item->rank > 0 ? rank : "");
      gtk_widget_set_visible (label, item->rank > 0);
      if (item->rank > 0)
        gtk_widget_add_css_class (button, "ranked");
      else
        gtk_widget_remove_css_class (button, "ranked");
      g_object_set_data (G_OBJECT (marker), "rank", GUINT_TO_POINTER (item->rank));
    }

  {
    g_autofree char *name = wm_map_marker_dup_accessible_name (item);

    gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  }
}

static void
describe_marker (WmMapView     *self,
                 ShumateMarker *marker,
                 WmMapMarker   *item)
{
  GtkWidget *button = shumate_marker_get_child (marker);
  WmMapMarker *old = g_object_get_data (G_OBJECT (marker), "item");

  /* Style classes change only when the state does: each change restyles the widget. */
  if (old == NULL || old->state != item->state)
    {
      if (old != NULL)
        gtk_widget_remove_css_class (button, wm_map_marker_state_style (old->state));
      gtk_widget_add_css_class (button, wm_map_marker_state_style (item->state));
    }
  shumate_location_set_location (SHUMATE_LOCATION (marker), item->latitude, item->longitude);
  g_object_set_data_full (G_OBJECT (marker), "item", g_object_ref (item), g_object_unref);
  apply_shown (self, marker, item, TRUE);
}

static void marker_clicked_cb (GtkButton *button,
                               WmMapView *self);

/* The name on hover, asked for only then: gtk_widget_set_tooltip_text() on each of 2,000
 * markers would query the pointer for each one. */
static gboolean
marker_query_tooltip_cb (GtkWidget  *button,
                         int         x,
                         int         y,
                         gboolean    keyboard,
                         GtkTooltip *tooltip,
                         gpointer    user_data)
{
  WmMapMarker *item = g_object_get_data (G_OBJECT (gtk_widget_get_parent (button)), "item");

  if (item == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, item->name);
  return TRUE;
}

static ShumateMarker *
create_marker (WmMapView   *self,
               WmMapMarker *item)
{
  ShumateMarker *marker = shumate_marker_new ();
  GtkWidget *button = gtk_button_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_visible (label, FALSE);
  gtk_widget_add_css_class (button, "wm-map-therapist");
  gtk_button_set_child (GTK_BUTTON (button), label);
  gtk_widget_set_focus_on_click (button, FALSE);
  g_signal_connect (button, "clicked", G_CALLBACK (marker_clicked_cb), self);
  g_signal_connect (button, "query-tooltip", G_CALLBACK (marker_query_tooltip_cb), NULL);
  gtk_widget_set_has_tooltip (button, TRUE);
  shumate_marker_set_child (marker, button);
  describe_marker (self, marker, item);
  return marker;
}

static int
compare_rank_descending (gconstpointer a,
                         gconstpointer b)
{
  WmMapMarker *x = g_object_get_data (*(GObject **) a, "item");
  WmMapMarker *y = g_object_get_data (*(GObject **) b, "item");

  return (x->rank < y->rank) - (x->rank > y->rank);
}

/* Matches drawn last, the best last of all: where two share a town, number 1 is on top. */
static void
raise_ranked (WmMapView *self)
{
  g_autoptr(GPtrArray) ranked = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->marker_widgets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((WmMapMarker *) g_object_get_data (value, "item"))->rank > 0)
      g_ptr_array_add (ranked, value);
  g_ptr_array_sort (ranked, compare_rank_descending);
  for (guint i = 0; i < ranked->len; i++)
    gtk_widget_insert_before (g_ptr_array_index (ranked, i), GTK_WIDGET (self->therapist_layer),
                              NULL);
}

/* Clusters */

static void cluster_clicked_cb (GtkButton *button,
                                WmMapView *self);

static gboolean
cluster_query_tooltip_cb (GtkWidget  *button,
                          int         x,
                          int         y,
                          gboolean    keyboard,
                          GtkTooltip *tooltip,
                          gpointer    user_data)
{
  const char *text = g_object_get_data (G_OBJECT (button), "tooltip");

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static ShumateMarker *
create_cluster_widget (WmMapView *self)
{
  ShumateMarker *marker = shumate_marker_new ();
  GtkWidget *button = gtk_button_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (button, "wm-map-cluster");
  gtk_widget_add_css_class (label, "numeric");
  gtk_button_set_child (GTK_BUTTON (button), label);
  gtk_widget_set_focus_on_click (button, FALSE);
  g_signal_connect (button, "clicked", G_CALLBACK (cluster_clicked_cb), self);
  g_signal_connect (button, "query-tooltip", G_CALLBACK (cluster_query_tooltip_cb), NULL);
  gtk_widget_set_has_tooltip (button, TRUE);
  shumate_marker_set_child (marker, button);
  shumate_marker_layer_add_marker (self->therapist_layer, marker);
  return marker;
}

/* One size class, so that a cluster's size says roughly how many it holds. */
static void
set_cluster_size (GtkWidget *button,
                  guint      n)
{
  const char *size = n >= 100 ? "large" : n >= 10 ? "medium" : NULL;
  const char *applied = g_object_get_data (G_OBJECT (button), "size");

  if (g_strcmp0 (size, applied) == 0)
    return;
  if (applied != NULL)
    gtk_widget_remove_css_class (button, applied);
  if (size != NULL)
    gtk_widget_add_css_class (button, size);
  g_object_set_data (G_OBJECT (button), "size", (gpointer) size);
}

static void
describe_cluster (WmMapView          *self,
                  ShumateMarker      *marker,
                  const WmMapCluster *cluster,
                  guint               index)
{
  GtkWidget *button = shumate_marker_get_child (marker);
  GtkWidget *label = gtk_button_get_child (GTK_BUTTON (button));
  guint n = cluster->members->len;
  g_autofree char *name = NULL;
  char count[16];

  /* Moved before its count changes: the layer measures the marker on each move, and a new
   * count would make that a new text layout, twice for each cluster. */
  if (shumate_location_get_latitude (SHUMATE_LOCATION (marker)) != cluster->latitude
      || shumate_location_get_longitude (SHUMATE_LOCATION (marker)) != cluster->longitude)
    shumate_location_set_location (SHUMATE_LOCATION (marker), cluster->latitude,
                                   cluster->longitude);
  g_object_set_data (G_OBJECT (button), "cluster", GUINT_TO_POINTER (index + 1));
  g_object_set_data_full (G_OBJECT (marker), "cell", g_memdup2 (&cluster->cell, sizeof (gint64)),
                          g_free);

  g_snprintf (count, sizeof count, "%u", n);
  if (g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), count) != 0)
    gtk_label_set_text (GTK_LABEL (label), count);
  set_cluster_size (button, n);

  name = wm_map_cluster_dup_accessible_name (cluster, self->cluster_zoom);
  if (g_strcmp0 (g_object_get_data (G_OBJECT (button), "name"), name) != 0)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      name, -1);
      g_object_set_data_full (G_OBJECT (button), "name", g_strdup (name), g_free);
    }
  g_object_set_data_full (G_OBJECT (button), "tooltip",
                          /* Translators: a cluster's tooltip: "12 therapists near Leeds ·
                           * 5 can take a referral". */
                          g_strdup_printf (ngettext ("%s · %u can take a referral",
                                                     "%s · %u can take a referral",
                                                     cluster->n_referable),
                                           name, cluster->n_referable),
                          g_free);
}

/* Works out the clusters for the current zoom level: which markers are drawn as part of a
 * cluster. The widgets follow in apply_clusters(). */
static void
compute_clusters (WmMapView *self)
{
  double zoom = shumate_viewport_get_zoom_level (self->viewport);

  self->cluster_zoom = (int) floor (CLAMP (zoom, MIN_ZOOM, MAX_ZOOM));
  g_clear_pointer (&self->clusters, g_ptr_array_unref);
  self->clusters = wm_map_markers_cluster (self->markers, self->cluster_zoom,
                                           WM_MAP_CLUSTER_CELL_PX);
  g_hash_table_remove_all (self->clustered);
  for (guint i = 0; i < self->clusters->len; i++)
    {
      WmMapCluster *cluster = g_ptr_array_index (self->clusters, i);

      for (guint j = 0; j < cluster->members->len; j++)
        g_hash_table_add (self->clustered, g_ptr_array_index (cluster->members, j));
    }
}

/* Shows a widget for each cluster and hides the rest. A cluster whose cell already has a
 * widget keeps it, so after a filter only the counts change: moving a marker makes the layer
 * measure and place it again (about 0.1 ms each: 20 ms for 200 clusters). */
static void
apply_clusters (WmMapView *self)
{
  guint n = self->clusters != NULL ? self->clusters->len : 0;
  g_autoptr(GHashTable) by_cell = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GPtrArray) free_widgets = g_ptr_array_new ();
  g_autoptr(GPtrArray) placed = g_ptr_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    {
      WmMapCluster *cluster = g_ptr_array_index (self->clusters, i);

      g_hash_table_insert (by_cell, &cluster->cell, GUINT_TO_POINTER (i + 1));
    }
  g_ptr_array_set_size (placed, n);
  for (guint i = 0; i < self->cluster_widgets->len; i++)
    {
      ShumateMarker *marker = g_ptr_array_index (self->cluster_widgets, i);
      gint64 *cell = g_object_get_data (G_OBJECT (marker), "cell");
      guint index = cell != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (by_cell, cell)) : 0;

      if (index != 0 && g_ptr_array_index (placed, index - 1) == NULL)
        g_ptr_array_index (placed, index - 1) = marker;
      else
        g_ptr_array_add (free_widgets, marker);
    }

  for (guint i = 0; i < n; i++)
    {
      ShumateMarker *marker = g_ptr_array_index (placed, i);

      if (marker == NULL && free_widgets->len > 0)
        marker = g_ptr_array_steal_index_fast (free_widgets, free_widgets->len - 1);
      if (marker == NULL)
        {
          marker = create_cluster_widget (self);
          g_ptr_array_add (self->cluster_widgets, marker);
        }
      describe_cluster (self, marker, g_ptr_array_index (self->clusters, i), i);
      gtk_widget_set_visible (GTK_WIDGET (marker), TRUE);
    }
  for (guint i = 0; i < free_widgets->len; i++)
    {
      ShumateMarker *marker = g_ptr_array_index (free_widgets, i);

      if (gtk_widget_get_visible (GTK_WIDGET (marker)))
        gtk_widget_set_visible (GTK_WIDGET (marker), FALSE);
      g_object_set_data (G_OBJECT (shumate_marker_get_child (marker)), "cluster", NULL);
    }
}

/* The zoom level changed: each marker or cluster shown or hidden for the new grid. */
static void
recluster (WmMapView *self)
{
  GHashTableIter iter;
  gpointer value;

  compute_clusters (self);
  g_hash_table_iter_init (&iter, self->marker_widgets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    apply_shown (self, value, g_object_get_data (value, "item"), FALSE);
  apply_clusters (self);
}

/* Zooms in far enough that the cluster's members come apart. */
static void
cluster_clicked_cb (GtkButton *button,
                    WmMapView *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "cluster"));
  WmMapCluster *cluster;
  double extent_km;
  double zoom;

  if (index == 0 || self->clusters == NULL || index > self->clusters->len)
    return;
  cluster = g_ptr_array_index (self->clusters, index - 1);
  extent_km = wm_geo_distance_km (cluster->min_latitude, cluster->min_longitude,
                                  cluster->max_latitude, cluster->max_longitude) / 2.0;
  zoom = extent_km > 0 ? zoom_for_radius (self, cluster->latitude, extent_km) : MAX_ZOOM;
  /* At least a whole level closer, so each click splits it further. */
  zoom = CLAMP (MAX (zoom, self->cluster_zoom + 1), MIN_ZOOM, MAX_ZOOM);
  self->view_radius_km = 0;
  shumate_map_go_to_full (get_map (self), (cluster->min_latitude + cluster->max_latitude) / 2,
                          (cluster->min_longitude + cluster->max_longitude) / 2, zoom);
}

/* Brings the marker widgets in line with the model: unchanged items keep their widget. */
static void
sync_markers (WmMapView *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->markers));
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  compute_clusters (self);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmMapMarker) item = g_list_model_get_item (G_LIST_MODEL (self->markers), i);
      ShumateMarker *marker = g_hash_table_lookup (self->marker_widgets, &item->therapist_id);

      if (marker == NULL)
        {
          marker = create_marker (self, item);
          shumate_marker_layer_add_marker (self->therapist_layer, marker);
        }
      else if (g_object_get_data (G_OBJECT (marker), "item") != item)
        describe_marker (self, marker, item);
      else
        apply_shown (self, marker, item, FALSE);
      /* Keyed by the id inside the item, which the marker keeps alive. */
      item = g_object_get_data (G_OBJECT (marker), "item");
      g_hash_table_steal (self->marker_widgets, &item->therapist_id);
      g_hash_table_insert (self->marker_widgets, &item->therapist_id, marker);
      g_hash_table_add (seen, marker);
    }

  g_hash_table_iter_init (&iter, self->marker_widgets);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, value))
      {
        g_hash_table_iter_steal (&iter);
        shumate_marker_layer_remove_marker (self->therapist_layer, value);
      }

  self->markers_built = TRUE;
  apply_clusters (self);
  raise_ranked (self);
  update_count (self);
}

static void
markers_changed_cb (WmMapView *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) || self->markers_built)
    sync_markers (self);
  else
    update_count (self);
  self->town_zoom = -1;
  wm_map_view_update_towns (self);
}

static void
markers_shown_changed_cb (WmMapView *self)
{
  if (!self->markers_built)
    {
      update_count (self);
      return;
    }
  recluster (self);
  raise_ranked (self);
  update_count (self);
  /* The numbered matches moved: the names make way for them again. */
  self->town_zoom = -1;
  wm_map_view_update_towns (self);
}

static void
set_markers (WmMapView    *self,
             WmMapMarkers *markers)
{
  GHashTableIter iter;
  gpointer value;

  if (self->markers != NULL)
    g_signal_handlers_disconnect_by_data (self->markers, self);
  g_set_object (&self->markers, markers);
  g_signal_connect_swapped (self->markers, "items-changed", G_CALLBACK (markers_changed_cb), self);
  g_signal_connect_swapped (self->markers, "shown-changed",
                            G_CALLBACK (markers_shown_changed_cb), self);

  g_hash_table_iter_init (&iter, self->marker_widgets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    shumate_marker_layer_remove_marker (self->therapist_layer, value);
  g_hash_table_remove_all (self->marker_widgets);
  /* The clusters were of the old model's markers. */
  g_clear_pointer (&self->clusters, g_ptr_array_unref);
  g_hash_table_remove_all (self->clustered);
  apply_clusters (self);
  self->markers_built = FALSE;
  markers_changed_cb (self);
}

/* The popover of a therapist */

static GtkWidget *
popover_label (const char *text,
               const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 36);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

static char *
dup_specialisms_text (WmSpecialismSet set)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  for (guint i = 0; i < n && i < 32; i++)
    if (set & (1u << i))
      g_ptr_array_add (labels, (gpointer) _(entries[i].label));
  if (labels->len == 0)
    return g_strdup (_("No specialisms recorded"));
  g_ptr_array_add (labels, NULL);
  /* Translators: the separator in a list of specialisms. */
  return g_strjoinv (_(", "), (char **) labels->pdata);
}

static GtkWidget *
build_popover_content (WmMapView   *self,
                       WmMapMarker *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *state_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *swatch = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  g_autofree char *places = wm_map_marker_dup_places_text (item);
  g_autofree char *state = NULL;
  g_autofree char *specialisms = dup_specialisms_text (item->specialisms);
  g_autoptr(WmTherapist) therapist = NULL;
  g_autoptr(GPtrArray) where = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *where_text = NULL;
  double distance = item->distance_km;

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);

  gtk_box_append (GTK_BOX (box), popover_label (item->name, "heading"));

  gtk_widget_add_css_class (swatch, "wm-map-swatch");
  gtk_widget_add_css_class (swatch, wm_map_marker_state_style (item->state));
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (swatch), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  wm_map_marker_state_label (item->state), -1);
  gtk_box_append (GTK_BOX (state_box), swatch);
  if (item->state == WM_MAP_MARKER_NOT_COMPLIANT || item->state == WM_MAP_MARKER_FULL)
    /* Translators: "Full · Not accepting new clients", "Compliance problem · 3 of 8 places
     * free": the state, then the places. */
    state = g_strdup_printf (_("%s · %s"), wm_map_marker_state_label (item->state), places);
  else
    state = g_strdup (places);
  gtk_box_append (GTK_BOX (state_box), popover_label (state, NULL));
  gtk_box_append (GTK_BOX (box), state_box);

  if (item->problems != NULL)
    gtk_box_append (GTK_BOX (box), popover_label (item->problems, "warning"));

  if (item->rank > 0)
    g_ptr_array_add (where, g_strdup_printf (_("Match %u"), item->rank));
  if (self->store != NULL)
    therapist = wm_store_get_therapist (self->store, item->therapist_id, NULL);
  if (therapist != NULL && therapist->town != NULL && *therapist->town != '\0')
    g_ptr_array_add (where, g_strdup (therapist->town));
  if (item->in_person && item->online)
    g_ptr_array_add (where, g_strdup (_("In person and online")));
  else if (item->in_person)
    g_ptr_array_add (where, g_strdup (_("In person")));
  else
    g_ptr_array_add (where, g_strdup (_("Online only")));
  g_ptr_array_add (where, NULL);
  /* Translators: the separator between facts about a therapist. */
  where_text = g_strjoinv (_(" · "), (char **) where->pdata);
  gtk_box_append (GTK_BOX (box), popover_label (where_text, NULL));

  if (!isfinite (distance) && isfinite (self->centre_latitude))
    distance = wm_geo_distance_km (self->centre_latitude, self->centre_longitude,
                                   item->latitude, item->longitude);
  if (isfinite (distance))
    {
      g_autofree char *km = wm_match_format_distance (distance);
      g_autofree char *text = NULL;

      if (self->centre_name != NULL)
        /* Translators: "12 km from Harrogate". */
        text = g_strdup_printf (_("%s from %s"), km, self->centre_name);
      else
        /* Translators: "12 km from the client’s area". */
        text = g_strdup_printf (_("%s from the client’s area"), km);
      gtk_box_append (GTK_BOX (box), popover_label (text, NULL));
    }

  gtk_box_append (GTK_BOX (box), popover_label (specialisms, "caption"));

  if (self->refer_action != NULL && item->rank > 0)
    {
      GtkWidget *refer = gtk_button_new_with_mnemonic (_("_Refer…"));
      g_autofree char *refer_name = NULL;

      /* Translators: the accessible name of a "Refer" button; %s is a therapist. */
      refer_name = g_strdup_printf (_("Refer to %s"), item->name);
      gtk_widget_add_css_class (refer, "suggested-action");
      gtk_widget_set_halign (refer, GTK_ALIGN_END);
      gtk_widget_set_margin_top (refer, 6);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (refer), self->refer_action);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (refer), "x", item->therapist_id);
      gtk_accessible_update_property (GTK_ACCESSIBLE (refer),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, refer_name, -1);
      g_signal_connect_swapped (refer, "clicked", G_CALLBACK (gtk_popover_popdown),
                                self->popover);
      gtk_box_append (GTK_BOX (box), refer);
    }

  return box;
}

static void
popover_closed_cb (WmMapView *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->marker_widgets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    gtk_widget_unset_state_flags (shumate_marker_get_child (value), GTK_STATE_FLAG_CHECKED);
}

/* @moved: the map has just been moved to show the marker, which has not been placed yet. */
static void
open_popover (WmMapView     *self,
              ShumateMarker *marker,
              gboolean       moved)
{
  WmMapMarker *item = g_object_get_data (G_OBJECT (marker), "item");
  GtkWidget *button = shumate_marker_get_child (marker);
  graphene_rect_t bounds;
  GdkRectangle rect = { gtk_widget_get_width (GTK_WIDGET (self)) / 2,
                        gtk_widget_get_height (GTK_WIDGET (self)) / 2, 1, 1 };
  double x;
  double y;

  if (moved)
    {
      /* Where the layer will put it. */
      shumate_viewport_location_to_widget_coords (self->viewport, GTK_WIDGET (get_map (self)),
                                                  item->latitude, item->longitude, &x, &y);
      if (gtk_widget_translate_coordinates (GTK_WIDGET (get_map (self)), GTK_WIDGET (self),
                                            x, y, &x, &y))
        rect = (GdkRectangle) { (int) x - 7, (int) y - 7, 14, 14 };
    }
  else if (gtk_widget_compute_bounds (button, GTK_WIDGET (self), &bounds))
    {
      rect.x = (int) bounds.origin.x;
      rect.y = (int) bounds.origin.y;
      rect.width = MAX ((int) bounds.size.width, 1);
      rect.height = MAX ((int) bounds.size.height, 1);
    }
  gtk_popover_popdown (self->popover);
  gtk_popover_set_child (self->popover, build_popover_content (self, item));
  gtk_popover_set_pointing_to (self->popover, &rect);
  gtk_widget_set_state_flags (button, GTK_STATE_FLAG_CHECKED, FALSE);
  gtk_popover_popup (self->popover);
}

static void
marker_clicked_cb (GtkButton *button,
                   WmMapView *self)
{
  open_popover (self, SHUMATE_MARKER (gtk_widget_get_parent (GTK_WIDGET (button))), FALSE);
}

/* Rings and pins */

static void
fill_path (ShumatePathLayer *layer,
           double            latitude,
           double            longitude,
           double            radius_km)
{
  g_autoptr(GArray) points = NULL;

  shumate_path_layer_remove_all (layer);
  if (!isfinite (latitude) || radius_km <= 0)
    return;
  points = wm_map_circle_points (latitude, longitude, radius_km, CIRCLE_POINTS);
  for (guint i = 0; i < points->len; i++)
    {
      WmMapPoint *p = &g_array_index (points, WmMapPoint, i);

      shumate_path_layer_add_node (layer,
                                   SHUMATE_LOCATION (shumate_coordinate_new_full (p->latitude,
                                                                                  p->longitude)));
    }
}

static void
set_pin (WmMapView  *self,
         double      latitude,
         double      longitude,
         const char *style,
         const char *accessible_name)
{
  GtkWidget *image;

  if (self->pin != NULL)
    {
      shumate_marker_layer_remove_marker (self->pin_layer, self->pin);
      self->pin = NULL;
    }
  if (!isfinite (latitude) || !isfinite (longitude))
    return;

  image = gtk_image_new_from_icon_name ("mark-location-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (image), 28);
  /* The marker is centred on its point: a margin as tall as the icon puts the tip there. */
  gtk_widget_set_margin_bottom (image, 28);
  gtk_widget_add_css_class (image, "wm-map-pin");
  if (style != NULL)
    gtk_widget_add_css_class (image, style);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_name, -1);
  self->pin = shumate_marker_new ();
  gtk_widget_set_can_target (GTK_WIDGET (self->pin), FALSE);
  shumate_marker_set_child (self->pin, image);
  shumate_location_set_location (SHUMATE_LOCATION (self->pin), latitude, longitude);
  shumate_marker_layer_add_marker (self->pin_layer, self->pin);
}

static void
clear_centre (WmMapView *self)
{
  self->centre_latitude = NAN;
  self->centre_longitude = NAN;
  g_clear_pointer (&self->centre_name, g_free);
  fill_path (self->area_layer, NAN, NAN, 0);
  fill_path (self->radius_layer, NAN, NAN, 0);
  set_pin (self, NAN, NAN, NULL, NULL);
}

/* The place search of the Map page */

static void
place_found_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WmMapView) self = user_data;
  g_autoptr(GPtrArray) places = NULL;
  g_autoptr(GError) error = NULL;
  const WmPlace *place;

  places = wm_geo_search_places_finish (result, &error);
  if (places == NULL)
    return;
  if (places->len == 0 || g_strcmp0 (((WmPlace *) g_ptr_array_index (places, 0))->country_code,
                                     "GB") != 0)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->place_entry), "error");
      return;
    }
  place = g_ptr_array_index (places, 0);

  clear_centre (self);
  self->centre_latitude = place->latitude;
  self->centre_longitude = place->longitude;
  self->centre_name = g_strdup (place->name);
  /* The radius the matcher searches first: who is "near" her, in its terms. */
  fill_path (self->radius_layer, place->latitude, place->longitude, WM_MATCH_DEFAULT_RADIUS_KM);
  set_pin (self, place->latitude, place->longitude, "place", place->name);
  set_view (self, place->latitude, place->longitude, WM_MATCH_DEFAULT_RADIUS_KM);
}

static void
place_entry_activated_cb (WmMapView *self)
{
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->place_entry));
  g_autofree char *text = g_strstrip (g_strdup (typed));

  g_cancellable_cancel (self->place_cancellable);
  g_clear_object (&self->place_cancellable);
  if (*text == '\0')
    return;
  self->place_cancellable = g_cancellable_new ();
  wm_geo_search_places (text, 1, self->place_cancellable, place_found_cb, g_object_ref (self));
}

static void
place_entry_changed_cb (WmMapView *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->place_entry), "error");
  if (*gtk_editable_get_text (GTK_EDITABLE (self->place_entry)) == '\0'
      && self->centre_name != NULL)
    clear_centre (self);
}

/* Filters */

static void
filters_changed_cb (WmMapView *self)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  guint selected = gtk_drop_down_get_selected (self->specialism_dropdown);
  const char *code = selected >= 1 && selected <= n ? entries[selected - 1].code : NULL;

  /* The controls' signals fire while the template is built, before there are markers. */
  if (self->markers == NULL)
    return;
  wm_map_markers_set_filter (self->markers, code,
                             gtk_toggle_button_get_active (self->accepting_toggle));
}

/* Clicks */

static void
map_clicked_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                WmMapView       *self)
{
  double latitude;
  double longitude;

  if (n_press != 1)
    return;
  shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (get_map (self)), x, y,
                                              &latitude, &longitude);
  g_signal_emit (self, signals[SIGNAL_LOCATION_CLICKED], 0, latitude, longitude);
}

/* GObject and GtkWidget */

static void
wm_map_view_map (GtkWidget *widget)
{
  WmMapView *self = WM_MAP_VIEW (widget);

  GTK_WIDGET_CLASS (wm_map_view_parent_class)->map (widget);
  /* Made when first shown: logging in does not wait for 2,000 widgets nobody looks at. */
  if (!self->markers_built)
    sync_markers (self);
  wm_map_view_update_towns (self);
}

/* A popover left open while its window goes away can outlive its surface: close it first. */
static void
wm_map_view_unmap (GtkWidget *widget)
{
  WmMapView *self = WM_MAP_VIEW (widget);

  if (self->popover != NULL)
    gtk_popover_popdown (self->popover);
  GTK_WIDGET_CLASS (wm_map_view_parent_class)->unmap (widget);
}

static void
wm_map_view_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  WmMapView *self = WM_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_COMPACT:
      g_value_set_boolean (value, self->compact);
      break;
    case PROP_ONLINE:
      g_value_set_boolean (value, self->tile_source != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_map_view_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  WmMapView *self = WM_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      wm_map_view_set_session (self, g_value_get_object (value));
      break;
    case PROP_COMPACT:
      wm_map_view_set_compact (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_map_view_dispose (GObject *object)
{
  WmMapView *self = WM_MAP_VIEW (object);

  g_cancellable_cancel (self->place_cancellable);
  g_clear_object (&self->place_cancellable);
  if (self->view_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->view_tick);
      self->view_tick = 0;
    }
  if (self->popover != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->popover));
      self->popover = NULL;
    }
  if (self->markers != NULL)
    g_signal_handlers_disconnect_by_data (self->markers, self);
  g_clear_object (&self->markers);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  drop_online_source (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_MAP_VIEW);
  g_clear_object (&self->blank_source);
  g_clear_object (&self->store);
  g_clear_object (&self->session);
  g_clear_pointer (&self->marker_widgets, g_hash_table_unref);
  g_clear_pointer (&self->clusters, g_ptr_array_unref);
  g_clear_pointer (&self->clustered, g_hash_table_unref);
  g_clear_pointer (&self->cluster_widgets, g_ptr_array_unref);

  G_OBJECT_CLASS (wm_map_view_parent_class)->dispose (object);
}

static void
wm_map_view_finalize (GObject *object)
{
  WmMapView *self = WM_MAP_VIEW (object);

  g_free (self->tile_url);
  g_free (self->refer_action);
  g_free (self->centre_name);

  G_OBJECT_CLASS (wm_map_view_parent_class)->finalize (object);
}

static void
wm_map_view_class_init (WmMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wm_map_view_get_property;
  object_class->set_property = wm_map_view_set_property;
  object_class->dispose = wm_map_view_dispose;
  object_class->finalize = wm_map_view_finalize;
  widget_class->map = wm_map_view_map;
  widget_class->unmap = wm_map_view_unmap;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         WM_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPACT] =
    g_param_spec_boolean ("compact", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_LOCATION_CLICKED] =
    g_signal_new ("location-clicked",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  g_type_ensure (SHUMATE_TYPE_SIMPLE_MAP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-map-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WmMapView, toolbar);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, toolbar_separator);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, place_entry);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, specialism_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, accepting_toggle);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, count_label);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, options_button);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, online_tiles_switch);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, map);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, legend);
  gtk_widget_class_bind_template_child (widget_class, WmMapView, status_label);
  gtk_widget_class_bind_template_callback (widget_class, place_entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, place_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);
}

static void
build_legend (WmMapView *self)
{
  static const WmMapMarkerState states[] = {
    WM_MAP_MARKER_AVAILABLE, WM_MAP_MARKER_ONLINE_ONLY, WM_MAP_MARKER_FULL,
    WM_MAP_MARKER_NOT_COMPLIANT,
  };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *swatch = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      GtkWidget *label = gtk_label_new (wm_map_marker_state_label (states[i]));

      gtk_widget_add_css_class (swatch, "wm-map-swatch");
      gtk_widget_add_css_class (swatch, wm_map_marker_state_style (states[i]));
      gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
      gtk_widget_set_halign (swatch, GTK_ALIGN_CENTER);
      gtk_widget_set_size_request (swatch, 14, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (swatch), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      wm_map_marker_state_label (states[i]), -1);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (GTK_BOX (row), swatch);
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (GTK_BOX (self->legend), row);
    }
}

/* libshumate 1.0's zoom buttons are icons without a name: a screen reader would only say
 * "button". */
static void
name_zoom_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *image = GTK_IS_BUTTON (child) ? gtk_button_get_child (GTK_BUTTON (child)) : NULL;
      const char *icon = NULL;

      if (GTK_IS_BUTTON (child))
        icon = GTK_IS_IMAGE (image) ? gtk_image_get_icon_name (GTK_IMAGE (image))
                                    : gtk_button_get_icon_name (GTK_BUTTON (child));

      if (g_strcmp0 (icon, "zoom-in-symbolic") == 0)
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        _("Zoom In"), -1);
      else if (g_strcmp0 (icon, "zoom-out-symbolic") == 0)
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        _("Zoom Out"), -1);
      else
        name_zoom_buttons (child);
    }
}

static void
wm_map_view_init (WmMapView *self)
{
  g_autoptr(GtkStringList) specialisms = gtk_string_list_new (NULL);
  g_autoptr(WmMapMarkers) markers = NULL;
  GdkRGBA area_fill = { 0.11, 0.44, 0.85, 0.18 };
  GdkRGBA area_stroke = { 0.11, 0.44, 0.85, 0.9 };
  GdkRGBA radius_stroke = { 0.38, 0.21, 0.51, 0.9 };
  g_autoptr(GList) dash = NULL;
  GtkGesture *click;
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);

  self->centre_latitude = NAN;
  self->centre_longitude = NAN;
  self->town_zoom = -1;
  self->tile_url = g_strdup (WM_MAP_VIEW_OSM_URL);
  self->marker_widgets = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->cluster_zoom = -1;
  self->clustered = g_hash_table_new (NULL, NULL);
  self->cluster_widgets = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  ensure_css (GTK_WIDGET (self));
  name_zoom_buttons (GTK_WIDGET (self->map));
  wm_accessible_label_drop_down (self->specialism_dropdown, _("Specialism"));
  wm_accessible_label_menu_button (self->options_button, _("Map Options"));

  gtk_string_list_append (specialisms, _("All Specialisms"));
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (specialisms, _(entries[i].label));
  gtk_drop_down_set_model (self->specialism_dropdown, G_LIST_MODEL (specialisms));
  build_legend (self);

  self->viewport = shumate_simple_map_get_viewport (self->map);
  shumate_viewport_set_min_zoom_level (self->viewport, MIN_ZOOM);
  shumate_viewport_set_max_zoom_level (self->viewport, MAX_ZOOM);
  g_signal_connect_object (self->viewport, "notify::zoom-level", G_CALLBACK (zoom_changed_cb),
                           self, G_CONNECT_SWAPPED);

  self->area_layer = shumate_path_layer_new (self->viewport);
  shumate_path_layer_set_closed (self->area_layer, TRUE);
  shumate_path_layer_set_fill (self->area_layer, TRUE);
  shumate_path_layer_set_fill_color (self->area_layer, &area_fill);
  shumate_path_layer_set_stroke_color (self->area_layer, &area_stroke);
  shumate_path_layer_set_stroke_width (self->area_layer, 1.5);
  shumate_simple_map_add_overlay_layer (self->map, SHUMATE_LAYER (self->area_layer));

  self->radius_layer = shumate_path_layer_new (self->viewport);
  shumate_path_layer_set_closed (self->radius_layer, TRUE);
  shumate_path_layer_set_stroke_color (self->radius_layer, &radius_stroke);
  shumate_path_layer_set_stroke_width (self->radius_layer, 2.0);
  dash = g_list_append (g_list_append (NULL, GUINT_TO_POINTER (8)), GUINT_TO_POINTER (6));
  shumate_path_layer_set_dash (self->radius_layer, dash);
  shumate_simple_map_add_overlay_layer (self->map, SHUMATE_LAYER (self->radius_layer));

  self->therapist_layer = shumate_marker_layer_new (self->viewport);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->therapist_layer),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Therapists on the map"), -1);
  shumate_simple_map_add_overlay_layer (self->map, SHUMATE_LAYER (self->therapist_layer));

  /* Over the markers, which they would otherwise hide at the scale of the country; clicks
   * go through them to the markers. */
  self->town_layer = shumate_marker_layer_new (self->viewport);
  gtk_widget_set_can_target (GTK_WIDGET (self->town_layer), FALSE);
  shumate_simple_map_add_overlay_layer (self->map, SHUMATE_LAYER (self->town_layer));

  self->pin_layer = shumate_marker_layer_new (self->viewport);
  gtk_widget_set_can_target (GTK_WIDGET (self->pin_layer), FALSE);
  shumate_simple_map_add_overlay_layer (self->map, SHUMATE_LAYER (self->pin_layer));

  self->popover = GTK_POPOVER (gtk_popover_new ());
  gtk_widget_set_parent (GTK_WIDGET (self->popover), GTK_WIDGET (self));
  g_signal_connect_swapped (self->popover, "closed", G_CALLBACK (popover_closed_cb), self);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (map_clicked_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (get_map (self)), GTK_EVENT_CONTROLLER (click));

  /* The whole of Great Britain and Northern Ireland until something is shown. */
  shumate_viewport_set_zoom_level (self->viewport, 5.6);
  shumate_map_center_on (get_map (self), 54.4, -3.2);
  set_view (self, 54.4, -3.2, 400.0);

  self->blank_source = wm_blank_source_new ();
  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "online-map-tiles", self->online_tiles_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_swapped (self->settings, "changed::online-map-tiles",
                            G_CALLBACK (settings_changed_cb), self);
  self->network = g_network_monitor_get_default ();
  g_signal_connect_object (self->network, "notify::network-available",
                           G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);

  markers = wm_map_markers_new (NULL);
  set_markers (self, markers);
  wm_map_view_update_tiles (self);
}

static void
wm_map_view_set_session (WmMapView *self,
                         WmSession *session)
{
  g_autoptr(WmMapMarkers) markers = NULL;

  if (self->session == session)
    return;
  g_set_object (&self->session, session);
  g_clear_object (&self->store);
  if (session != NULL)
    self->store = g_object_ref (wm_session_get_store (session));
  markers = wm_map_markers_new (self->store);
  set_markers (self, markers);
  filters_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

GtkWidget *
wm_map_view_new (WmSession *session)
{
  g_return_val_if_fail (session == NULL || WM_IS_SESSION (session), NULL);

  return g_object_new (WM_TYPE_MAP_VIEW, "session", session, NULL);
}

void
wm_map_view_set_compact (WmMapView *self,
                         gboolean   compact)
{
  g_return_if_fail (WM_IS_MAP_VIEW (self));

  compact = !!compact;
  if (self->compact == compact)
    return;
  self->compact = compact;
  gtk_widget_set_visible (self->toolbar, !compact);
  gtk_widget_set_visible (self->toolbar_separator, !compact);
  gtk_widget_set_visible (self->legend, !compact);
  wm_map_view_update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPACT]);
}

WmMapMarkers *
wm_map_view_get_markers (WmMapView *self)
{
  g_return_val_if_fail (WM_IS_MAP_VIEW (self), NULL);
  return self->markers;
}

void
wm_map_view_set_filter (WmMapView  *self,
                        const char *specialism,
                        gboolean    accepting_only)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  guint selected = 0;

  g_return_if_fail (WM_IS_MAP_VIEW (self));

  for (guint i = 0; i < n && specialism != NULL; i++)
    if (g_str_equal (entries[i].code, specialism))
      selected = i + 1;
  /* Through the controls, so they show what is applied; each applies it once. */
  g_signal_handlers_block_by_func (self->specialism_dropdown, filters_changed_cb, self);
  g_signal_handlers_block_by_func (self->accepting_toggle, filters_changed_cb, self);
  gtk_drop_down_set_selected (self->specialism_dropdown, selected);
  gtk_toggle_button_set_active (self->accepting_toggle, accepting_only);
  g_signal_handlers_unblock_by_func (self->specialism_dropdown, filters_changed_cb, self);
  g_signal_handlers_unblock_by_func (self->accepting_toggle, filters_changed_cb, self);
  filters_changed_cb (self);
}

void
wm_map_view_show_match (WmMapView             *self,
                        WmStore               *store,
                        WmCase                *kase,
                        const WmMatchOutcome  *outcome,
                        const WmMatchSnapshot *snapshot)
{
  WmClient *client;
  double latitude;
  double longitude;
  double area_km;
  WmMatchWeights weights;
  WmMatchOptions options;

  g_return_if_fail (WM_IS_MAP_VIEW (self));
  g_return_if_fail (store == NULL || WM_IS_STORE (store));
  g_return_if_fail (kase == NULL || WM_IS_CASE (kase));

  g_set_object (&self->store, store);
  clear_centre (self);
  self->n_unplaced_matches = 0;
  self->case_unplaced = FALSE;

  if (kase == NULL || outcome == NULL || snapshot == NULL || store == NULL)
    {
      wm_map_markers_set_ranking (self->markers, NULL, TRUE);
      wm_map_view_update_status (self);
      return;
    }

  /* The ranking first, so a reload of the markers keeps their numbers. */
  wm_map_markers_set_ranking (self->markers, outcome, TRUE);
  wm_store_load_match_settings (store, &weights, &options);
  wm_map_markers_load_snapshot (self->markers, snapshot, options.today,
                                options.dbs_validity_years);
  for (guint i = 0; i < outcome->results->len; i++)
    {
      const WmMatchResult *r = &g_array_index (outcome->results, WmMatchResult, i);

      if (wm_map_markers_find (self->markers, r->therapist_id) == NULL)
        self->n_unplaced_matches++;
    }

  /* Where the matcher placed the client: their coordinates, else their town. */
  client = wm_case_get_client (kase);
  latitude = client->latitude;
  longitude = client->longitude;
  if (!isfinite (latitude) && client->town != NULL)
    {
      g_autoptr(WmPlace) place = wm_geo_lookup_uk_town (client->town, NULL);

      if (place != NULL)
        {
          latitude = place->latitude;
          longitude = place->longitude;
        }
    }
  if (!outcome->case_located || !isfinite (latitude) || !isfinite (longitude))
    {
      self->case_unplaced = TRUE;
      wm_map_view_update_status (self);
      return;
    }

  self->centre_latitude = latitude;
  self->centre_longitude = longitude;
  /* Never more than is known: the area the precision allows, and a pin only for an exact
   * location (an address the coordinator geocoded on purpose). */
  area_km = wm_geo_precision_radius_km (client->location_precision);
  if (g_strcmp0 (client->location_precision, "exact") == 0)
    set_pin (self, latitude, longitude, NULL, _("The client’s location"));
  else
    fill_path (self->area_layer, latitude, longitude, area_km);
  fill_path (self->radius_layer, latitude, longitude, outcome->radius_km);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->area_layer),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("The client’s area"), -1);
  set_view (self, latitude, longitude, MAX (outcome->radius_km, area_km));
  wm_map_view_update_status (self);
}

void
wm_map_view_set_refer_action (WmMapView  *self,
                              const char *action_name)
{
  g_return_if_fail (WM_IS_MAP_VIEW (self));

  g_free (self->refer_action);
  self->refer_action = g_strdup (action_name);
}

void
wm_map_view_set_pin (WmMapView *self,
                     double     latitude,
                     double     longitude)
{
  g_return_if_fail (WM_IS_MAP_VIEW (self));

  set_pin (self, latitude, longitude, NULL, _("The point chosen"));
}

void
wm_map_view_go_to (WmMapView *self,
                   double     latitude,
                   double     longitude,
                   double     zoom_level)
{
  g_return_if_fail (WM_IS_MAP_VIEW (self));

  self->view_radius_km = 0;
  shumate_viewport_set_zoom_level (self->viewport, CLAMP (zoom_level, MIN_ZOOM, MAX_ZOOM));
  shumate_map_center_on (get_map (self), latitude, longitude);
}

void
wm_map_view_set_tile_url (WmMapView  *self,
                          const char *url_template)
{
  g_return_if_fail (WM_IS_MAP_VIEW (self));
  g_return_if_fail (url_template != NULL);

  if (g_strcmp0 (self->tile_url, url_template) == 0)
    return;
  g_free (self->tile_url);
  self->tile_url = g_strdup (url_template);
  if (self->tile_source != NULL)
    {
      show_blank_source (self);
      drop_online_source (self);
      wm_map_view_update_tiles (self);
    }
}

gboolean
wm_map_view_get_online (WmMapView *self)
{
  g_return_val_if_fail (WM_IS_MAP_VIEW (self), FALSE);
  return self->tile_source != NULL;
}

gboolean
wm_map_view_open_marker (WmMapView *self,
                         gint64     therapist_id)
{
  ShumateMarker *marker;
  WmMapMarker *item;
  gboolean moved = FALSE;

  g_return_val_if_fail (WM_IS_MAP_VIEW (self), FALSE);

  if (!self->markers_built)
    sync_markers (self);
  marker = g_hash_table_lookup (self->marker_widgets, &therapist_id);
  if (marker == NULL)
    return FALSE;
  item = g_object_get_data (G_OBJECT (marker), "item");
  if (!item->shown)
    return FALSE;
  if (g_hash_table_contains (self->clustered, item))
    {
      /* In a cluster: close enough that it is drawn on its own, in the middle. */
      wm_map_view_go_to (self, item->latitude, item->longitude,
                         MAX (WM_MAP_CLUSTER_MAX_ZOOM,
                              shumate_viewport_get_zoom_level (self->viewport)));
      moved = TRUE;
    }
  if (!gtk_widget_get_visible (GTK_WIDGET (marker)))
    return FALSE;
  open_popover (self, marker, moved);
  return TRUE;
}
