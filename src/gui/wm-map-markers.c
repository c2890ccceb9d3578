/* wm-map-markers.c: the map's marker model, the gazetteer's towns and circles on the ground.
 *
 * The markers come from the matcher's snapshot (one query for every therapist with their open
 * referrals and specialisms), so a marker says "full" exactly when the matcher would find no
 * place free, and "compliance problem" by the same rules as the directory and the matcher
 * (wm_compliance_check()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <geonames/geonames.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wm-geo.h"
#include "wm-map-markers.h"
#include "wm-therapist-editor.h"
#include "wm-vocab.h"

/* WmMapMarker */

G_DEFINE_FINAL_TYPE (WmMapMarker, wm_map_marker, G_TYPE_OBJECT)

static void
wm_map_marker_finalize (GObject *object)
{
  WmMapMarker *self = WM_MAP_MARKER (object);

  g_free (self->name);
  g_free (self->problems);

  G_OBJECT_CLASS (wm_map_marker_parent_class)->finalize (object);
}

static void
wm_map_marker_class_init (WmMapMarkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wm_map_marker_finalize;
}

static void
wm_map_marker_init (WmMapMarker *self)
{
  self->latitude = NAN;
  self->longitude = NAN;
  self->distance_km = NAN;
  self->shown = TRUE;
}

/* Whether two descriptions draw the same: @rank and @shown are not part of it. */
static gboolean
wm_map_marker_same (WmMapMarker *a,
                    WmMapMarker *b)
{
  return a->therapist_id == b->therapist_id
         && g_strcmp0 (a->name, b->name) == 0
         && a->latitude == b->latitude
         && a->longitude == b->longitude
         && a->state == b->state
         && a->accepting == b->accepting
         && a->in_person == b->in_person
         && a->online == b->online
         && a->places_free == b->places_free
         && a->places_total == b->places_total
         && a->specialisms == b->specialisms
         && g_strcmp0 (a->problems, b->problems) == 0;
}

const char *
wm_map_marker_state_label (WmMapMarkerState state)
{
  switch (state)
    {
    case WM_MAP_MARKER_NOT_COMPLIANT:
      return _("Compliance problem");
    case WM_MAP_MARKER_FULL:
      return _("Full");
    case WM_MAP_MARKER_ONLINE_ONLY:
      return _("Online only");
    case WM_MAP_MARKER_AVAILABLE:
      return _("Accepting");
    default:
      g_return_val_if_reached ("");
    }
}

const char *
wm_map_marker_state_style (WmMapMarkerState state)
{
  switch (state)
    {
    case WM_MAP_MARKER_NOT_COMPLIANT:
      return "not-compliant";
    case WM_MAP_MARKER_FULL:
      return "full";
    case WM_MAP_MARKER_ONLINE_ONLY:
      return "online-only";
    case WM_MAP_MARKER_AVAILABLE:
      return "available";
    default:
      g_return_val_if_reached ("");
    }
}

char *
wm_map_marker_dup_places_text (WmMapMarker *self)
{
  g_return_val_if_fail (WM_IS_MAP_MARKER (self), NULL);

  if (!self->accepting)
    return g_strdup (_("Not accepting new clients"));
  if (self->places_free <= 0)
    /* Translators: "Full (8 of 8 places taken)"; the plural goes with the second number. */
    return g_strdup_printf (ngettext ("Full (%d of %d place taken)",
                                      "Full (%d of %d places taken)", self->places_total),
                            self->places_total - MAX (self->places_free, 0), self->places_total);
  /* Translators: "3 of 8 places free"; the plural goes with the second number. */
  return g_strdup_printf (ngettext ("%d of %d place free", "%d of %d places free",
                                    self->places_total),
                          self->places_free, self->places_total);
}

char *
wm_map_marker_dup_accessible_name (WmMapMarker *self)
{
  g_autofree char *status = NULL;

  g_return_val_if_fail (WM_IS_MAP_MARKER (self), NULL);

  switch (self->state)
    {
    case WM_MAP_MARKER_NOT_COMPLIANT:
      status = g_strdup (_("compliance problem"));
      break;
    case WM_MAP_MARKER_FULL:
      status = g_strdup (self->accepting ? _("full") : _("not accepting"));
      break;
    case WM_MAP_MARKER_ONLINE_ONLY:
      /* Translators: "online only, 3 places free" in a marker's accessible name. */
      status = g_strdup_printf (ngettext ("online only, %d place free",
                                          "online only, %d places free", self->places_free),
                                self->places_free);
      break;
    case WM_MAP_MARKER_AVAILABLE:
    default:
      /* Translators: "3 places free" in a marker's accessible name. */
      status = g_strdup_printf (ngettext ("%d place free", "%d places free", self->places_free),
                                self->places_free);
      break;
    }

  if (self->rank > 0)
    /* Translators: a numbered match on the map: "Match 2: Jane Example, 3 places free". */
    return g_strdup_printf (_("Match %u: %s, %s"), self->rank, self->name, status);
  /* Translators: a therapist on the map: "Therapist: Jane Example, 3 places free". */
  return g_strdup_printf (_("Therapist: %s, %s"), self->name, status);
}

/* WmMapMarkers */

struct _WmMapMarkers
{
  GObject parent_instance;

  WmStore *store;
  gulong changed_id;

  GPtrArray *items;             /* WmMapMarker, by therapist id */
  GHashTable *by_id;            /* gint64 * → WmMapMarker (borrowed from items) */
  guint n_unplaced;

  WmSpecialismSet filter_specialisms;  /* 0: any */
  gboolean accepting_only;
  GHashTable *ranks;            /* gint64 * → Rank */
  gboolean only_ranked;
  guint n_shown;
};

typedef struct
{
  guint rank;
  double distance_km;
} Rank;

static void wm_map_markers_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WmMapMarkers, wm_map_markers, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      wm_map_markers_list_model_init))

enum {
  SIGNAL_SHOWN_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GType
wm_map_markers_get_item_type (GListModel *list)
{
  return WM_TYPE_MAP_MARKER;
}

static guint
wm_map_markers_get_n_items (GListModel *list)
{
  return WM_MAP_MARKERS (list)->items->len;
}

static gpointer
wm_map_markers_get_item (GListModel *list,
                         guint       position)
{
  WmMapMarkers *self = WM_MAP_MARKERS (list);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
wm_map_markers_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = wm_map_markers_get_item_type;
  iface->get_n_items = wm_map_markers_get_n_items;
  iface->get_item = wm_map_markers_get_item;
}

static char *
iso_from_julian (guint32 julian)
{
  GDate date;
  char buf[16];

  if (julian == 0 || !g_date_valid_julian (julian))
    return NULL;
  g_date_clear (&date, 1);
  g_date_set_julian (&date, julian);
  g_snprintf (buf, sizeof buf, "%04u-%02u-%02u", g_date_get_year (&date),
              g_date_get_month (&date), g_date_get_day (&date));
  return g_strdup (buf);
}

static WmMapMarker *
marker_from_therapist (const WmMatchTherapist *t,
                       guint32                 today,
                       guint                   dbs_validity_years)
{
  WmMapMarker *marker = g_object_new (WM_TYPE_MAP_MARKER, NULL);
  g_autofree char *registration = iso_from_julian (t->registration_expires);
  g_autofree char *insurance = iso_from_julian (t->insurance_expires);
  g_autofree char *dbs = iso_from_julian (t->dbs_checked);
  WmCompliance compliance;
  gboolean problem;

  marker->therapist_id = t->id;
  marker->name = g_strdup (t->name);
  marker->latitude = t->latitude;
  marker->longitude = t->longitude;
  marker->accepting = t->accepting;
  marker->in_person = t->in_person;
  marker->online = t->online;
  marker->places_total = MAX (t->max_caseload, 0);
  marker->places_free = MAX (t->max_caseload - t->open_referrals, 0);
  marker->specialisms = t->specialisms;

  problem = wm_compliance_check (&compliance, registration, insurance, dbs,
                                 t->training_completed, today, dbs_validity_years);
  if (problem)
    marker->problems = wm_compliance_describe (&compliance);

  if (problem)
    marker->state = WM_MAP_MARKER_NOT_COMPLIANT;
  else if (!t->accepting || marker->places_free <= 0)
    marker->state = WM_MAP_MARKER_FULL;
  else if (!t->in_person)
    marker->state = WM_MAP_MARKER_ONLINE_ONLY;
  else
    marker->state = WM_MAP_MARKER_AVAILABLE;
  return marker;
}

static gboolean
marker_passes (WmMapMarkers *self,
               WmMapMarker  *marker)
{
  if (self->only_ranked && marker->rank == 0)
    return FALSE;
  if (self->filter_specialisms != 0
      && (marker->specialisms & self->filter_specialisms) != self->filter_specialisms)
    return FALSE;
  if (self->accepting_only
      && marker->state != WM_MAP_MARKER_AVAILABLE
      && marker->state != WM_MAP_MARKER_ONLINE_ONLY)
    return FALSE;
  return TRUE;
}

/* Applies the ranking and the filters to every item; TRUE when anything shown changed. */
static gboolean
apply_filters (WmMapMarkers *self)
{
  gboolean changed = FALSE;

  self->n_shown = 0;
  for (guint i = 0; i < self->items->len; i++)
    {
      WmMapMarker *marker = g_ptr_array_index (self->items, i);
      Rank *rank = self->ranks != NULL ? g_hash_table_lookup (self->ranks, &marker->therapist_id)
                                       : NULL;
      guint new_rank = rank != NULL ? rank->rank : 0;
      double distance = rank != NULL ? rank->distance_km : NAN;
      gboolean shown;

      if (marker->rank != new_rank)
        {
          marker->rank = new_rank;
          changed = TRUE;
        }
      marker->distance_km = distance;
      shown = marker_passes (self, marker);
      if (shown != marker->shown)
        {
          marker->shown = shown;
          changed = TRUE;
        }
      self->n_shown += shown;
    }
  return changed;
}

void
wm_map_markers_load_snapshot (WmMapMarkers          *self,
                              const WmMatchSnapshot *snapshot,
                              guint32                today,
                              guint                  dbs_validity_years)
{
  g_autoptr(GPtrArray) items = NULL;
  guint n;
  guint old_n;
  guint first_change;
  guint last_same_old;
  guint last_same_new;

  g_return_if_fail (WM_IS_MAP_MARKERS (self));
  g_return_if_fail (snapshot != NULL);

  n = wm_match_snapshot_get_n (snapshot);
  items = g_ptr_array_new_full (n, g_object_unref);
  self->n_unplaced = 0;
  for (guint i = 0; i < n; i++)
    {
      const WmMatchTherapist *t = wm_match_snapshot_get (snapshot, i);
      WmMapMarker *old;
      g_autoptr(WmMapMarker) marker = NULL;

      if (!t->active)
        continue;
      if (!isfinite (t->latitude) || !isfinite (t->longitude))
        {
          self->n_unplaced++;
          continue;
        }

      marker = marker_from_therapist (t, today, dbs_validity_years);
      /* An unchanged therapist keeps their item, so a view keeps its widget. */
      old = g_hash_table_lookup (self->by_id, &t->id);
      if (old != NULL && wm_map_marker_same (old, marker))
        g_ptr_array_add (items, g_object_ref (old));
      else
        g_ptr_array_add (items, g_steal_pointer (&marker));
    }

  /* The smallest span of items that differ: a single edit is a single items-changed. */
  old_n = self->items->len;
  first_change = 0;
  while (first_change < old_n && first_change < items->len
         && g_ptr_array_index (self->items, first_change)
            == g_ptr_array_index (items, first_change))
    first_change++;
  last_same_old = old_n;
  last_same_new = items->len;
  while (last_same_old > first_change && last_same_new > first_change
         && g_ptr_array_index (self->items, last_same_old - 1)
            == g_ptr_array_index (items, last_same_new - 1))
    {
      last_same_old--;
      last_same_new--;
    }

  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&items);
  g_hash_table_remove_all (self->by_id);
  for (guint i = 0; i < self->items->len; i++)
    {
      WmMapMarker *marker = g_ptr_array_index (self->items, i);

      g_hash_table_insert (self->by_id, &marker->therapist_id, marker);
    }

  apply_filters (self);
  if (first_change < old_n || first_change < self->items->len)
    g_list_model_items_changed (G_LIST_MODEL (self), first_change,
                                last_same_old - first_change, last_same_new - first_change);
}

gboolean
wm_map_markers_reload (WmMapMarkers  *self,
                       GError       **error)
{
  g_autoptr(WmMatchSnapshot) snapshot = NULL;
  WmMatchWeights weights;
  WmMatchOptions options;

  g_return_val_if_fail (WM_IS_MAP_MARKERS (self), FALSE);
  g_return_val_if_fail (self->store != NULL, FALSE);

  snapshot = wm_store_load_match_snapshot (self->store, error);
  if (snapshot == NULL)
    return FALSE;
  wm_store_load_match_settings (self->store, &weights, &options);
  wm_map_markers_load_snapshot (self, snapshot, options.today, options.dbs_validity_years);
  return TRUE;
}

static void
store_changed_cb (WmStore      *store,
                  const char   *entity,
                  gint64        id,
                  WmMapMarkers *self)
{
  g_autoptr(GError) error = NULL;

  /* "case": a referral made or ended changes the places free. */
  if (!g_str_equal (entity, "therapist") && !g_str_equal (entity, "case")
      && !g_str_equal (entity, "setting"))
    return;
  if (!wm_map_markers_reload (self, &error))
    g_warning ("Could not reload the map's therapists: %s", error->message);
}

static void
wm_map_markers_dispose (GObject *object)
{
  WmMapMarkers *self = WM_MAP_MARKERS (object);

  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (wm_map_markers_parent_class)->dispose (object);
}

static void
wm_map_markers_finalize (GObject *object)
{
  WmMapMarkers *self = WM_MAP_MARKERS (object);

  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->items);
  g_clear_pointer (&self->ranks, g_hash_table_unref);

  G_OBJECT_CLASS (wm_map_markers_parent_class)->finalize (object);
}

static void
wm_map_markers_class_init (WmMapMarkersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wm_map_markers_dispose;
  object_class->finalize = wm_map_markers_finalize;

  /**
   * WmMapMarkers::shown-changed:
   *
   * The filters or the ranking changed which markers are shown, or their numbers; the items
   * themselves are the same.
   */
  signals[SIGNAL_SHOWN_CHANGED] =
    g_signal_new ("shown-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
wm_map_markers_init (WmMapMarkers *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
}

WmMapMarkers *
wm_map_markers_new (WmStore *store)
{
  WmMapMarkers *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (store == NULL || WM_IS_STORE (store), NULL);

  self = g_object_new (WM_TYPE_MAP_MARKERS, NULL);
  if (store != NULL)
    {
      self->store = g_object_ref (store);
      self->changed_id = g_signal_connect (store, "changed", G_CALLBACK (store_changed_cb), self);
      if (!wm_map_markers_reload (self, &error))
        g_warning ("Could not load the map's therapists: %s", error->message);
    }
  return self;
}

void
wm_map_markers_set_filter (WmMapMarkers *self,
                           const char   *specialism,
                           gboolean      accepting_only)
{
  const char *codes[] = { specialism, NULL };

  g_return_if_fail (WM_IS_MAP_MARKERS (self));

  self->filter_specialisms = specialism != NULL ? wm_specialism_set_from_codes (codes) : 0;
  self->accepting_only = accepting_only;
  if (apply_filters (self))
    g_signal_emit (self, signals[SIGNAL_SHOWN_CHANGED], 0);
}

void
wm_map_markers_set_ranking (WmMapMarkers         *self,
                            const WmMatchOutcome *outcome,
                            gboolean              only_ranked)
{
  g_return_if_fail (WM_IS_MAP_MARKERS (self));

  g_clear_pointer (&self->ranks, g_hash_table_unref);
  if (outcome != NULL)
    {
      self->ranks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
      for (guint i = 0; i < outcome->results->len; i++)
        {
          const WmMatchResult *r = &g_array_index (outcome->results, WmMatchResult, i);
          Rank *rank = g_new (Rank, 1);

          rank->rank = i + 1;
          rank->distance_km = r->distance_km;
          g_hash_table_insert (self->ranks, g_memdup2 (&r->therapist_id, sizeof (gint64)), rank);
        }
    }
  self->only_ranked = only_ranked;
  if (apply_filters (self))
    g_signal_emit (self, signals[SIGNAL_SHOWN_CHANGED], 0);
}

WmMapMarker *
wm_map_markers_find (WmMapMarkers *self,
                     gint64        therapist_id)
{
  g_return_val_if_fail (WM_IS_MAP_MARKERS (self), NULL);
  return g_hash_table_lookup (self->by_id, &therapist_id);
}

guint
wm_map_markers_get_n_shown (WmMapMarkers *self)
{
  g_return_val_if_fail (WM_IS_MAP_MARKERS (self), 0);
  return self->n_shown;
}

guint
wm_map_markers_get_n_unplaced (WmMapMarkers *self)
{
  g_return_val_if_fail (WM_IS_MAP_MARKERS (self), 0);
  return self->n_unplaced;
}

/* Clusters */

/* Web Mercator, as libshumate draws it with 256-pixel tiles: pixels from the top left of the
 * world at @zoom_level. */
static void
project (double  latitude,
         double  longitude,
         int     zoom_level,
         double *x,
         double *y)
{
  double size = 256.0 * (double) (1u << zoom_level);
  double phi = CLAMP (latitude, -85.05112878, 85.05112878) * G_PI / 180.0;

  *x = (longitude + 180.0) / 360.0 * size;
  *y = (1.0 - log (tan (phi) + 1.0 / cos (phi)) / G_PI) / 2.0 * size;
}

static void
unproject (double  x,
           double  y,
           int     zoom_level,
           double *latitude,
           double *longitude)
{
  double size = 256.0 * (double) (1u << zoom_level);

  *longitude = x / size * 360.0 - 180.0;
  *latitude = atan (sinh (G_PI * (1.0 - 2.0 * y / size))) * 180.0 / G_PI;
}

typedef struct
{
  WmMapCluster cluster;
  double sum_x;                 /* everyone's points, in pixels at the zoom clustered for */
  double sum_y;
  guint n_placed;
} Cell;

static void
cell_free (Cell *cell)
{
  g_ptr_array_unref (cell->cluster.members);
  g_free (cell);
}

GPtrArray *
wm_map_markers_cluster (WmMapMarkers *self,
                        int           zoom_level,
                        guint         cell_px)
{
  g_autoptr(GHashTable) cells = NULL;
  g_autoptr(GPtrArray) order = NULL;
  GPtrArray *clusters;

  g_return_val_if_fail (WM_IS_MAP_MARKERS (self), NULL);
  g_return_val_if_fail (cell_px > 0, NULL);

  clusters = g_ptr_array_new_with_free_func ((GDestroyNotify) cell_free);
  if (zoom_level >= WM_MAP_CLUSTER_MAX_ZOOM)
    return clusters;
  zoom_level = MAX (zoom_level, 0);

  /* Cell (x, y) → Cell; the cells in the order of the first therapist in them, so the same
   * markers always give the same clusters in the same order. */
  cells = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  order = g_ptr_array_new ();
  for (guint i = 0; i < self->items->len; i++)
    {
      WmMapMarker *marker = g_ptr_array_index (self->items, i);
      double x;
      double y;
      gint64 key;
      Cell *cell;

      project (marker->latitude, marker->longitude, zoom_level, &x, &y);
      /* Under 2^24 cells a side at any zoom the map allows; the zoom level above them. */
      key = ((gint64) zoom_level << 56) | ((gint64) floor (x / cell_px) << 28)
            | (gint64) floor (y / cell_px);
      cell = g_hash_table_lookup (cells, &key);
      if (cell == NULL)
        {
          cell = g_new0 (Cell, 1);
          cell->cluster.cell = key;
          cell->cluster.members = g_ptr_array_new ();
          g_ptr_array_add (order, cell);
          g_hash_table_insert (cells, g_memdup2 (&key, sizeof key), cell);
        }
      /* Everyone in the cell places it: a filter changes the count, not the place (which
       * would make the map move each cluster). */
      cell->sum_x += x;
      cell->sum_y += y;
      cell->n_placed++;
      if (!marker->shown || marker->rank > 0)
        continue;
      if (cell->cluster.members->len == 0)
        {
          /* The members' extent: the first one shown starts it. */
          cell->cluster.min_latitude = cell->cluster.max_latitude = marker->latitude;
          cell->cluster.min_longitude = cell->cluster.max_longitude = marker->longitude;
        }
      g_ptr_array_add (cell->cluster.members, marker);
      cell->cluster.min_latitude = MIN (cell->cluster.min_latitude, marker->latitude);
      cell->cluster.max_latitude = MAX (cell->cluster.max_latitude, marker->latitude);
      cell->cluster.min_longitude = MIN (cell->cluster.min_longitude, marker->longitude);
      cell->cluster.max_longitude = MAX (cell->cluster.max_longitude, marker->longitude);
      if (marker->state == WM_MAP_MARKER_AVAILABLE || marker->state == WM_MAP_MARKER_ONLINE_ONLY)
        cell->cluster.n_referable++;
    }

  for (guint i = 0; i < order->len; i++)
    {
      Cell *cell = g_ptr_array_index (order, i);
      guint n = cell->cluster.members->len;

      if (n < 2)
        {
          cell_free (cell);
          continue;
        }
      /* The mean in map pixels, not in degrees: what the eye takes as the middle. */
      unproject (cell->sum_x / cell->n_placed, cell->sum_y / cell->n_placed, zoom_level,
                 &cell->cluster.latitude, &cell->cluster.longitude);
      g_ptr_array_add (clusters, cell);
    }
  return clusters;
}

char *
wm_map_cluster_dup_accessible_name (const WmMapCluster *cluster,
                                    int                 zoom_level)
{
  guint n;
  const WmMapTown *town;
  double cell_km;

  g_return_val_if_fail (cluster != NULL, NULL);

  n = cluster->members->len;
  /* Near: within about a cell of the grid, a town big enough to be named at this scale,
   * else any town. */
  cell_km = WM_MAP_CLUSTER_CELL_PX * 156543.03392 * cos (cluster->latitude * G_PI / 180.0)
            / (double) (1u << CLAMP (zoom_level, 0, 30)) / 1000.0;
  town = wm_map_town_nearest (cluster->latitude, cluster->longitude,
                              wm_map_town_min_population (zoom_level), cell_km);
  if (town == NULL)
    town = wm_map_town_nearest (cluster->latitude, cluster->longitude, 0, cell_km);
  if (town != NULL)
    /* Translators: a group of therapists drawn as one marker: "12 therapists near Leeds". */
    return g_strdup_printf (ngettext ("%u therapist near %s", "%u therapists near %s", n),
                            n, town->name);
  /* Translators: a group of therapists drawn as one marker. */
  return g_strdup_printf (ngettext ("%u therapist", "%u therapists", n), n);
}

/* Circles */

GArray *
wm_map_circle_points (double latitude,
                      double longitude,
                      double radius_km,
                      guint  n_points)
{
  GArray *points = g_array_sized_new (FALSE, FALSE, sizeof (WmMapPoint), n_points);

  for (guint i = 0; i < n_points; i++)
    {
      WmMapPoint p;

      wm_geo_destination (latitude, longitude, 360.0 * i / n_points, radius_km,
                          &p.latitude, &p.longitude);
      g_array_append_val (points, p);
    }
  return points;
}

/* Towns */

typedef struct
{
  GStringChunk *names;
  WmMapTown *towns;
  guint n_towns;
} Towns;

static int
town_compare (const void *a,
              const void *b)
{
  const WmMapTown *x = a;
  const WmMapTown *y = b;

  if (x->population != y->population)
    return x->population > y->population ? -1 : 1;
  return strcmp (x->name, y->name);
}

const WmMapTown *
wm_map_towns (guint *n_towns)
{
  static Towns *towns = NULL;

  /* wm-geo searches the gazetteer but has no listing of it: read libgeonames directly, once,
   * keeping only the UK (783 of its ~24,000 places). */
  if (g_once_init_enter (&towns))
    {
      Towns *t = g_new0 (Towns, 1);
      int n = geonames_get_n_cities ();
      g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (WmMapTown));

      t->names = g_string_chunk_new (16 * 1024);
      for (int i = 0; i < n; i++)
        {
          g_autoptr(GeonamesCity) city = geonames_get_city (i);
          WmMapTown town;

          if (city == NULL || g_strcmp0 (geonames_city_get_country_code (city), "GB") != 0)
            continue;
          town.name = g_string_chunk_insert (t->names, geonames_city_get_name (city));
          town.latitude = geonames_city_get_latitude (city);
          town.longitude = geonames_city_get_longitude (city);
          town.population = geonames_city_get_population (city);
          g_array_append_val (found, town);
        }
      g_array_sort (found, town_compare);
      t->n_towns = found->len;
      t->towns = (WmMapTown *) g_array_free (g_steal_pointer (&found), FALSE);
      g_once_init_leave (&towns, t);
    }

  if (n_towns != NULL)
    *n_towns = towns->n_towns;
  return towns->towns;
}

guint
wm_map_town_min_population (double zoom_level)
{
  /* Cities at the scale of the whole country, market towns at the scale of a county; the
   * labels themselves are then thinned so none overlap. */
  static const struct { double zoom; guint population; } steps[] = {
    { 5.5, 250000 },
    { 6.5, 100000 },
    { 7.5, 40000 },
    { 8.5, 15000 },
    { 9.5, 5000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (zoom_level < steps[i].zoom)
      return steps[i].population;
  return 0;
}

const WmMapTown *
wm_map_town_nearest (double latitude,
                     double longitude,
                     guint  min_population,
                     double max_km)
{
  guint n;
  const WmMapTown *towns = wm_map_towns (&n);
  const WmMapTown *best = NULL;
  double best_d2 = G_MAXDOUBLE;
  double x_scale = cos (latitude * G_PI / 180.0);

  if (!isfinite (latitude) || !isfinite (longitude))
    return NULL;
  /* Flat-earth distances to choose (a cluster is named for each of a few hundred clusters on
   * each change of zoom), the sphere's to decide whether it is near enough. */
  for (guint i = 0; i < n && towns[i].population >= min_population; i++)
    {
      double dx = (towns[i].longitude - longitude) * x_scale;
      double dy = towns[i].latitude - latitude;
      double d2 = dx * dx + dy * dy;

      if (d2 < best_d2)
        {
          best_d2 = d2;
          best = &towns[i];
        }
    }
  if (best == NULL
      || wm_geo_distance_km (latitude, longitude, best->latitude, best->longitude) > max_km)
    return NULL;
  return best;
}
