/* test-map.c: the map, in process: its marker model against the store, the geometry of the
 * rings it draws, that it makes no network request while online tiles are off, "Pick on Map",
 * clusters, and 2,000 markers drawn as clusters that still stand for exactly the therapists
 * the filters show. (How fast: tests/bench/bench-map.c.)
 *
 * The tile test points the map's tile source at a listener on 127.0.0.1 that counts the
 * connections it gets: none may come while the setting is off, and (the control that shows
 * the test can fail) some do once it is on, with Waymark's User-Agent. Needs a display: run
 * under xvfb-run with GDK_BACKEND=x11. With WAYMARK_TEST_SCREENSHOTS set to a directory, the
 * cluster tests save what the map showed there as PNG files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <adwaita.h>
#include <math.h>
#include <shumate/shumate.h>

#include "wm-application.h"
#include "wm-geo.h"
#include "wm-location-row.h"
#include "wm-map-markers.h"
#include "wm-map-view.h"
#include "wm-session.h"

static WmApplication *app;
static char *cache_home;

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

typedef struct
{
  char *dir;
  WmSession *session;
  WmStore *store;
  GtkWindow *window;
} Fixture;

/* Helpers */

static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static void
wait_until_mapped (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (!gtk_widget_get_mapped (widget) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_get_mapped (widget));
}

static char *
date_days_from_now (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

/* A compliant therapist, accepting, in person, near @lat/@lon. */
static WmTherapist *
new_therapist (guint       i,
               const char *family,
               double      latitude,
               double      longitude)
{
  WmTherapist *t = wm_therapist_new ();
  WmRecord *r = WM_RECORD (t);
  g_autofree char *external_id = g_strdup_printf ("MAP-%05u", i);
  g_autofree char *dbs = date_days_from_now (-100);
  g_autofree char *expires = date_days_from_now (365);
  const char *specialisms[] = { "pre-offence", i % 2 == 0 ? "online-offending" : "trauma", NULL };

  wm_record_set_string (r, "external_id", external_id);
  wm_record_set_string (r, "given_name", "Jane");
  wm_record_set_string (r, "family_name", family);
  wm_record_set_string (r, "email", "therapist@example.org");
  wm_record_set_string (r, "town", "Harrogate");
  wm_record_set_double (r, "latitude", latitude);
  wm_record_set_double (r, "longitude", longitude);
  wm_record_set_bool (r, "in_person", TRUE);
  wm_record_set_bool (r, "online", FALSE);
  wm_record_set_int (r, "max_caseload", 3);
  wm_record_set_bool (r, "accepting", TRUE);
  wm_record_set_bool (r, "active", TRUE);
  wm_record_set_string (r, "registration_body", "BACP");
  wm_record_set_string (r, "registration_expires", expires);
  wm_record_set_string (r, "insurance_expires", expires);
  wm_record_set_string (r, "dbs_checked", dbs);
  wm_record_set_bool (r, "training_completed", TRUE);
  wm_record_set_strv (r, "specialisms", specialisms);
  return t;
}

static gint64
add_therapist (Fixture    *f,
               guint       i,
               const char *family,
               double      latitude,
               double      longitude)
{
  g_autoptr(WmTherapist) t = new_therapist (i, family, latitude, longitude);
  g_autoptr(GError) error = NULL;

  wm_store_save_therapist (f->store, t, &error);
  g_assert_no_error (error);
  return wm_record_get_id (WM_RECORD (t));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("waymark-map-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "test.waymark", NULL);
  f->session = wm_session_create (path, "Test Trust", "admin", "Ada Admin",
                                  "correct horse battery", WM_KDF_MIN, NULL, &error);
  g_assert_no_error (error);
  f->store = wm_session_get_store (f->session);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (f->window != NULL)
    gtk_window_destroy (f->window);
  settle (50);
  wm_session_lock (f->session);
  g_clear_object (&f->session);

  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (f->dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static GtkWidget *
show_in_window (Fixture   *f,
                GtkWidget *child,
                int        width,
                int        height)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, width, height);
  gtk_window_set_child (f->window, child);
  gtk_window_present (f->window);
  wait_until_mapped (child);
  settle (100);
  return child;
}

static void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *found)
{
  if (g_type_is_a (G_OBJECT_TYPE (widget), type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, found);
}

static GPtrArray *
find_widgets (GtkWidget *root,
              GType      type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect_widgets (root, type, found);
  return found;
}

static gboolean
has_accessible_label (GtkWidget  *widget,
                      const char *label)
{
  g_autofree char *problem = NULL;

  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  return problem == NULL;
}

/* Visible therapist buttons on the map with this accessible name. */
static guint
count_marker_buttons (GtkWidget  *view,
                      const char *label)
{
  g_autoptr(GPtrArray) buttons = find_widgets (view, GTK_TYPE_BUTTON);
  guint n = 0;

  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (buttons, i);

      if (gtk_widget_has_css_class (button, "wm-map-therapist")
          && gtk_widget_is_visible (button)
          && (label == NULL || has_accessible_label (button, label)))
        n++;
    }
  return n;
}

/* The number a cluster shows, from its visible label. */
static guint
cluster_count (GtkWidget *button)
{
  GtkWidget *label = gtk_button_get_child (GTK_BUTTON (button));

  g_assert_true (GTK_IS_LABEL (label));
  return (guint) g_ascii_strtoull (gtk_label_get_text (GTK_LABEL (label)), NULL, 10);
}

/* Visible cluster buttons on the map with this accessible name (NULL: any). */
static guint
count_cluster_buttons (GtkWidget  *view,
                       const char *label)
{
  g_autoptr(GPtrArray) buttons = find_widgets (view, GTK_TYPE_BUTTON);
  guint n = 0;

  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (buttons, i);

      if (gtk_widget_has_css_class (button, "wm-map-cluster")
          && gtk_widget_is_visible (button)
          && (label == NULL || has_accessible_label (button, label)))
        n++;
    }
  return n;
}

static GtkWidget *
find_cluster_button (GtkWidget  *view,
                     const char *label)
{
  g_autoptr(GPtrArray) buttons = find_widgets (view, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (buttons, i);

      if (gtk_widget_has_css_class (button, "wm-map-cluster")
          && gtk_widget_is_visible (button) && has_accessible_label (button, label))
        return button;
    }
  return NULL;
}

/* The therapists the map draws: one for each single marker, the count of each cluster. */
static guint
count_therapists_drawn (GtkWidget *view)
{
  g_autoptr(GPtrArray) buttons = find_widgets (view, GTK_TYPE_BUTTON);
  guint n = 0;

  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (buttons, i);

      if (!gtk_widget_is_visible (button))
        continue;
      if (gtk_widget_has_css_class (button, "wm-map-therapist"))
        n++;
      else if (gtk_widget_has_css_class (button, "wm-map-cluster"))
        n += cluster_count (button);
    }
  return n;
}

/* Until the map stops moving (a click on a cluster animates the zoom). */
static void
settle_map (WmMapView *view)
{
  ShumateViewport *viewport = NULL;
  g_autoptr(GPtrArray) maps = find_widgets (GTK_WIDGET (view), SHUMATE_TYPE_MAP);
  gint64 end = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  double zoom = -1;

  g_assert_cmpuint (maps->len, ==, 1);
  viewport = shumate_map_get_viewport (g_ptr_array_index (maps, 0));
  while (g_get_monotonic_time () < end)
    {
      double now;

      settle (150);
      now = shumate_viewport_get_zoom_level (viewport);
      if (now == zoom)
        break;
      zoom = now;
    }
}

static double
map_zoom (WmMapView *view)
{
  g_autoptr(GPtrArray) maps = find_widgets (GTK_WIDGET (view), SHUMATE_TYPE_MAP);

  return shumate_viewport_get_zoom_level (shumate_map_get_viewport (g_ptr_array_index (maps,
                                                                                       0)));
}

/* Saves what @widget shows, when WAYMARK_TEST_SCREENSHOTS names a directory. */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("WAYMARK_TEST_SCREENSHOTS");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (dir == NULL)
    return;
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  file = g_strdup_printf ("%s/%s.png", dir, name);
  g_assert_true (gdk_texture_save_to_png (texture, file));
  g_test_message ("saved %s", file);
}

/* Every button on the map has a name a screen reader can say. */
static void
assert_buttons_named (GtkWidget *root)
{
  g_autoptr(GPtrArray) buttons = find_widgets (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (buttons, i);

      if (!gtk_widget_get_mapped (button) || gtk_button_get_label (GTK_BUTTON (button)) != NULL)
        continue;
      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (button),
                                             GTK_ACCESSIBLE_PROPERTY_LABEL)
          && !gtk_test_accessible_has_relation (GTK_ACCESSIBLE (button),
                                                GTK_ACCESSIBLE_RELATION_LABELLED_BY))
        g_error ("%s in %s has no accessible name", G_OBJECT_TYPE_NAME (button),
                 G_OBJECT_TYPE_NAME (gtk_widget_get_parent (button)));
    }
}

/* The marker model is the store's state: every active therapist with a location, where they
 * are, with their name and places. */
static void
assert_markers_match_store (WmMapMarkers *markers,
                            WmStore      *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) therapists = wm_store_list_therapists (store, &error);
  guint n_expected = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (therapists); i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (therapists, i);
      WmMapMarker *marker = wm_map_markers_find (markers, wm_record_get_id (WM_RECORD (t)));
      g_autofree char *name = g_strstrip (wm_therapist_dup_display_name (t));

      if (!t->active || !isfinite (t->latitude))
        {
          g_assert_null (marker);
          continue;
        }
      n_expected++;
      g_assert_nonnull (marker);
      g_assert_cmpstr (marker->name, ==, name);
      g_assert_cmpfloat (marker->latitude, ==, t->latitude);
      g_assert_cmpfloat (marker->longitude, ==, t->longitude);
      g_assert_cmpint (marker->accepting, ==, t->accepting);
      g_assert_cmpint (marker->places_total, ==, t->max_caseload);
      if (!t->accepting)
        g_assert_cmpint (marker->state, ==, WM_MAP_MARKER_FULL);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (markers)), ==, n_expected);
}

/* The marker model follows the store */

static void
test_markers_follow_store (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(WmMapMarkers) markers = NULL;
  g_autoptr(WmTherapist) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WmMapMarker) untouched = NULL;
  GtkWidget *view;
  gint64 first;
  gint64 second;
  gint64 added;
  WmMapMarker *marker;

  first = add_therapist (f, 1, "Example", 53.9921, -1.5418);
  second = add_therapist (f, 2, "Sample", 53.7997, -1.5492);

  markers = wm_map_markers_new (f->store);
  assert_markers_match_store (markers, f->store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (markers)), ==, 2);

  /* The same through the widgets, as a screen reader finds them; close enough that each is
   * drawn on its own (Harrogate and Leeds are one cluster at the scale of the country). */
  view = show_in_window (f, wm_map_view_new (f->session), 900, 700);
  wm_map_view_go_to (WM_MAP_VIEW (view), 53.9, -1.5, WM_MAP_CLUSTER_MAX_ZOOM);
  settle (50);
  g_assert_cmpuint (count_marker_buttons (view, "Therapist: Jane Example, 3 places free"), ==, 1);
  assert_buttons_named (view);

  /* Added */
  untouched = g_list_model_get_item (G_LIST_MODEL (markers), 1);
  added = add_therapist (f, 3, "Newcomer", 54.0, -1.0);
  assert_markers_match_store (markers, f->store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (markers)), ==, 3);
  /* The others keep their items (and so their widgets on the map). */
  g_assert_true (wm_map_markers_find (markers, second) == untouched);
  settle (50);
  g_assert_cmpuint (count_marker_buttons (view, "Therapist: Jane Newcomer, 3 places free"), ==, 1);

  /* Moved */
  t = wm_store_get_therapist (f->store, first, &error);
  g_assert_no_error (error);
  wm_record_set_double (WM_RECORD (t), "latitude", 51.5072);
  wm_record_set_double (WM_RECORD (t), "longitude", -0.1276);
  wm_store_save_therapist (f->store, t, &error);
  g_assert_no_error (error);
  assert_markers_match_store (markers, f->store);
  marker = wm_map_markers_find (markers, first);
  g_assert_cmpfloat_with_epsilon (marker->latitude, 51.5072, 1e-9);

  /* No longer accepting */
  wm_record_set_bool (WM_RECORD (t), "accepting", FALSE);
  wm_store_save_therapist (f->store, t, &error);
  g_assert_no_error (error);
  assert_markers_match_store (markers, f->store);
  g_assert_cmpint (wm_map_markers_find (markers, first)->state, ==, WM_MAP_MARKER_FULL);
  settle (50);
  g_assert_cmpuint (count_marker_buttons (view, "Therapist: Jane Example, not accepting"), ==, 1);

  /* Deactivated */
  wm_record_set_bool (WM_RECORD (t), "active", FALSE);
  wm_store_save_therapist (f->store, t, &error);
  g_assert_no_error (error);
  assert_markers_match_store (markers, f->store);
  g_assert_null (wm_map_markers_find (markers, first));
  g_assert_nonnull (wm_map_markers_find (markers, added));
  settle (50);
  g_assert_cmpuint (count_marker_buttons (view, "Therapist: Jane Example, not accepting"), ==, 0);
  g_assert_cmpuint (count_marker_buttons (view, NULL), ==, 2);
}

/* States and filters */

static void
test_states_and_filters (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(WmMapMarkers) markers = NULL;
  g_autoptr(WmTherapist) online = new_therapist (10, "Online", 53.0, -2.0);
  g_autoptr(WmTherapist) lapsed = new_therapist (11, "Lapsed", 53.1, -2.0);
  g_autoptr(GError) error = NULL;
  gint64 available;

  available = add_therapist (f, 12, "Available", 53.2, -2.0);
  wm_record_set_bool (WM_RECORD (online), "in_person", FALSE);
  wm_record_set_bool (WM_RECORD (online), "online", TRUE);
  wm_store_save_therapist (f->store, online, &error);
  g_assert_no_error (error);
  wm_record_set_string (WM_RECORD (lapsed), "insurance_expires", "2020-01-31");
  wm_store_save_therapist (f->store, lapsed, &error);
  g_assert_no_error (error);

  markers = wm_map_markers_new (f->store);
  g_assert_cmpint (wm_map_markers_find (markers, available)->state, ==, WM_MAP_MARKER_AVAILABLE);
  g_assert_cmpint (wm_map_markers_find (markers, wm_record_get_id (WM_RECORD (online)))->state,
                   ==, WM_MAP_MARKER_ONLINE_ONLY);
  g_assert_cmpint (wm_map_markers_find (markers, wm_record_get_id (WM_RECORD (lapsed)))->state,
                   ==, WM_MAP_MARKER_NOT_COMPLIANT);
  g_assert_nonnull (wm_map_markers_find (markers, wm_record_get_id (WM_RECORD (lapsed)))->problems);

  wm_map_markers_set_filter (markers, NULL, TRUE);
  g_assert_cmpuint (wm_map_markers_get_n_shown (markers), ==, 2);
  g_assert_false (wm_map_markers_find (markers, wm_record_get_id (WM_RECORD (lapsed)))->shown);
  /* 12 is even: online offending; 10 too; 11 has trauma. */
  wm_map_markers_set_filter (markers, "trauma", FALSE);
  g_assert_cmpuint (wm_map_markers_get_n_shown (markers), ==, 1);
  g_assert_true (wm_map_markers_find (markers, wm_record_get_id (WM_RECORD (lapsed)))->shown);
  wm_map_markers_set_filter (markers, NULL, FALSE);
  g_assert_cmpuint (wm_map_markers_get_n_shown (markers), ==, 3);
}

/* Rings */

static void
assert_ring (GList  *nodes,
             double  latitude,
             double  longitude,
             double  radius_km)
{
  guint n = 0;

  for (GList *l = nodes; l != NULL; l = l->next, n++)
    {
      double d = wm_geo_distance_km (latitude, longitude,
                                     shumate_location_get_latitude (l->data),
                                     shumate_location_get_longitude (l->data));

      g_assert_cmpfloat (fabs (d - radius_km), <=, 0.01 * radius_km);
    }
  g_assert_cmpuint (n, >=, 32);
}

static void
test_ring_geometry (void)
{
  static const double radii[] = { 0.05, 0.3, 5, 8, 40, 80, 160 };

  for (guint r = 0; r < G_N_ELEMENTS (radii); r++)
    {
      g_autoptr(GArray) points = wm_map_circle_points (53.9921, -1.5418, radii[r], 96);
      double min_lat = 90;
      double max_lat = -90;

      g_assert_cmpuint (points->len, ==, 96);
      for (guint i = 0; i < points->len; i++)
        {
          WmMapPoint *p = &g_array_index (points, WmMapPoint, i);
          double d = wm_geo_distance_km (53.9921, -1.5418, p->latitude, p->longitude);

          g_assert_cmpfloat (fabs (d - radii[r]), <=, 0.01 * radii[r]);
          min_lat = MIN (min_lat, p->latitude);
          max_lat = MAX (max_lat, p->latitude);
        }
      /* All the way round: north and south of the centre. */
      g_assert_cmpfloat (max_lat, >, 53.9921);
      g_assert_cmpfloat (min_lat, <, 53.9921);
    }
}

/* The offline map's towns: the UK only, largest first, more of them as the map zooms in. */
static void
test_towns (void)
{
  gint64 start = g_get_monotonic_time ();
  guint n;
  const WmMapTown *towns = wm_map_towns (&n);
  double load_ms = (g_get_monotonic_time () - start) / 1000.0;
  gboolean harrogate = FALSE;
  guint previous = G_MAXUINT;

  g_test_message ("%u UK towns read from the gazetteer in %.1f ms", n, load_ms);
  g_assert_cmpuint (n, >, 500);
  g_assert_cmpstr (towns[0].name, ==, "London");
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (towns[i].population, <=, previous);
      previous = towns[i].population;
      /* Within the UK's bounds. */
      g_assert_cmpfloat (towns[i].latitude, >, 49.5);
      g_assert_cmpfloat (towns[i].latitude, <, 61.0);
      g_assert_cmpfloat (towns[i].longitude, >, -8.7);
      g_assert_cmpfloat (towns[i].longitude, <, 2.0);
      harrogate |= g_str_equal (towns[i].name, "Harrogate");
    }
  g_assert_true (harrogate);

  previous = G_MAXUINT;
  for (double zoom = 4; zoom <= 12; zoom += 0.5)
    {
      guint min = wm_map_town_min_population (zoom);

      g_assert_cmpuint (min, <=, previous);
      previous = min;
    }
  g_assert_cmpuint (wm_map_town_min_population (5), >, wm_map_town_min_population (9));
  g_assert_cmpuint (wm_map_town_min_population (12), ==, 0);
}

/* What the matching panel's map draws for a case: the ring at the radius searched, the area
 * as large as the precision, a pin only for an exact location, and numbered matches. */
static void
test_match_map (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(WmMatchSnapshot) snapshot = NULL;
  g_autoptr(WmMatchOutcome) outcome = NULL;
  g_autoptr(WmCase) kase = wm_case_new ();
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GPtrArray) refers = NULL;
  g_autoptr(GError) error = NULL;
  WmMatchWeights weights;
  WmMatchOptions options;
  WmMatchCase mc = { 0 };
  WmClient *client = wm_case_get_client (kase);
  WmMapView *view;
  GList *area_nodes = NULL;
  GList *ring_nodes = NULL;
  gboolean found_refer = FALSE;
  gint64 near;

  near = add_therapist (f, 20, "Near", 53.95, -1.50);
  add_therapist (f, 21, "Far", 51.5, -0.12);

  /* Harrogate, known to the town. */
  client->latitude = 53.9921;
  client->longitude = -1.5418;
  g_free (client->location_precision);
  client->location_precision = g_strdup ("town");

  snapshot = wm_store_load_match_snapshot (f->store, &error);
  g_assert_no_error (error);
  wm_store_load_match_settings (f->store, &weights, &options);
  mc.latitude = client->latitude;
  mc.longitude = client->longitude;
  mc.max_distance_km = 40;
  outcome = wm_match (snapshot, &mc, &weights, &options);
  g_assert_cmpuint (outcome->results->len, >=, 1);

  view = WM_MAP_VIEW (show_in_window (f, wm_map_view_new (NULL), 700, 500));
  wm_map_view_set_compact (view, TRUE);
  wm_map_view_set_refer_action (view, "match.refer");
  wm_map_view_show_match (view, f->store, kase, outcome, snapshot);
  settle (100);

  /* The first path layer is the client's area, the second the radius. */
  paths = find_widgets (GTK_WIDGET (view), SHUMATE_TYPE_PATH_LAYER);
  g_assert_cmpuint (paths->len, ==, 2);
  area_nodes = shumate_path_layer_get_nodes (g_ptr_array_index (paths, 0));
  ring_nodes = shumate_path_layer_get_nodes (g_ptr_array_index (paths, 1));
  assert_ring (area_nodes, client->latitude, client->longitude,
               wm_geo_precision_radius_km ("town"));
  assert_ring (ring_nodes, client->latitude, client->longitude, outcome->radius_km);
  g_list_free (area_nodes);
  g_list_free (ring_nodes);

  /* No pin at the client's point: only the area. */
  images = find_widgets (GTK_WIDGET (view), GTK_TYPE_IMAGE);
  for (guint i = 0; i < images->len; i++)
    g_assert_false (gtk_widget_has_css_class (g_ptr_array_index (images, i), "wm-map-pin"));

  /* Only the matches, numbered. */
  g_assert_cmpuint (count_marker_buttons (GTK_WIDGET (view), NULL), ==, outcome->results->len);
  g_assert_cmpuint (count_marker_buttons (GTK_WIDGET (view),
                                          "Match 1: Jane Near, 3 places free"), ==, 1);
  g_assert_cmpuint (wm_map_markers_find (wm_map_view_get_markers (view), near)->rank, ==, 1);

  /* Its popover offers the panel's Refer. */
  g_assert_true (wm_map_view_open_marker (view, near));
  settle (50);
  refers = find_widgets (GTK_WIDGET (view), GTK_TYPE_BUTTON);
  for (guint i = 0; i < refers->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (g_ptr_array_index (refers, i)),
                   "match.refer") == 0
        && has_accessible_label (g_ptr_array_index (refers, i), "Refer to Jane Near"))
      found_refer = TRUE;
  g_assert_true (found_refer);

  /* An exact location is a pin, and no area. */
  g_free (client->location_precision);
  client->location_precision = g_strdup ("exact");
  wm_map_view_show_match (view, f->store, kase, outcome, snapshot);
  settle (50);
  area_nodes = shumate_path_layer_get_nodes (g_ptr_array_index (paths, 0));
  g_assert_null (area_nodes);
  g_clear_pointer (&images, g_ptr_array_unref);
  images = find_widgets (GTK_WIDGET (view), GTK_TYPE_IMAGE);
  {
    guint pins = 0;

    for (guint i = 0; i < images->len; i++)
      pins += gtk_widget_has_css_class (g_ptr_array_index (images, i), "wm-map-pin");
    g_assert_cmpuint (pins, ==, 1);
  }
}

/* No network request while online tiles are off */

typedef struct
{
  GMutex lock;
  guint connections;
  char *user_agent;
} Listener;

static gboolean
listener_run_cb (GThreadedSocketService *service,
                 GSocketConnection      *connection,
                 GObject                *source,
                 Listener               *listener)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GDataInputStream) data = g_data_input_stream_new (in);
  static const char reply[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                              "Connection: close\r\n\r\n";
  char *line;

  g_mutex_lock (&listener->lock);
  listener->connections++;
  g_mutex_unlock (&listener->lock);

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (data), FALSE);
  while ((line = g_data_input_stream_read_line (data, NULL, NULL, NULL)) != NULL)
    {
      g_strchomp (line);
      if (*line == '\0')
        {
          g_free (line);
          break;
        }
      if (g_ascii_strncasecmp (line, "User-Agent:", 11) == 0)
        {
          g_mutex_lock (&listener->lock);
          g_free (listener->user_agent);
          listener->user_agent = g_strdup (g_strstrip (line + 11));
          g_mutex_unlock (&listener->lock);
        }
      g_free (line);
    }
  g_output_stream_write_all (out, reply, sizeof reply - 1, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static guint
listener_connections (Listener *listener)
{
  guint n;

  g_mutex_lock (&listener->lock);
  n = listener->connections;
  g_mutex_unlock (&listener->lock);
  return n;
}

static void
test_no_requests_when_offline (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GSocketService) service = g_threaded_socket_service_new (4);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *tiles_dir = g_build_filename (cache_home, "waymark", "tiles", NULL);
  Listener listener = { 0 };
  WmMapView *view;
  gint64 end;

  g_mutex_init (&listener.lock);
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "run", G_CALLBACK (listener_run_cb), &listener);
  g_socket_service_start (service);
  url = g_strdup_printf ("http://127.0.0.1:%u/{z}/{x}/{y}.png",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  /* Off: the map is shown, moved and zoomed, and nothing is asked of anyone. */
  g_settings_set_boolean (settings, "online-map-tiles", FALSE);
  view = WM_MAP_VIEW (wm_map_view_new (NULL));
  wm_map_view_set_tile_url (view, url);
  show_in_window (f, GTK_WIDGET (view), 800, 600);
  settle (500);
  wm_map_view_go_to (view, 53.9921, -1.5418, 10);
  settle (500);
  g_assert_false (wm_map_view_get_online (view));
  g_assert_cmpuint (listener_connections (&listener), ==, 0);
  /* Not even a tile cache was made. */
  g_assert_false (g_file_test (tiles_dir, G_FILE_TEST_EXISTS));

  /* On: the control, showing the listener does see the map's requests. */
  g_settings_set_boolean (settings, "online-map-tiles", TRUE);
  g_assert_true (wm_map_view_get_online (view));
  end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (listener_connections (&listener) == 0 && g_get_monotonic_time () < end)
    settle (20);
  g_assert_cmpuint (listener_connections (&listener), >, 0);
  g_mutex_lock (&listener.lock);
  g_assert_nonnull (listener.user_agent);
  g_assert_true (g_str_has_prefix (listener.user_agent, "Waymark/" PACKAGE_VERSION));
  g_mutex_unlock (&listener.lock);
  g_assert_true (g_file_test (tiles_dir, G_FILE_TEST_IS_DIR));

  /* Off again: whatever was on its way is dropped, and moving the map asks for nothing. */
  g_settings_set_boolean (settings, "online-map-tiles", FALSE);
  g_assert_false (wm_map_view_get_online (view));
  settle (300);
  g_mutex_lock (&listener.lock);
  listener.connections = 0;
  g_mutex_unlock (&listener.lock);
  wm_map_view_go_to (view, 51.5072, -0.1276, 11);
  settle (500);
  wm_map_view_go_to (view, 55.9533, -3.1883, 8);
  settle (500);
  g_assert_cmpuint (listener_connections (&listener), ==, 0);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_free (listener.user_agent);
  g_mutex_clear (&listener.lock);
}

/* Pick on Map */

static GtkWidget *
find_by_label (GtkWidget  *root,
               GType       type,
               const char *label)
{
  g_autoptr(GPtrArray) found = find_widgets (root, type);

  for (guint i = 0; i < found->len; i++)
    if (has_accessible_label (g_ptr_array_index (found, i), label))
      return g_ptr_array_index (found, i);
  return NULL;
}

static GtkWidget *
find_button_with_label (GtkWidget  *root,
                        const char *text)
{
  g_autoptr(GPtrArray) found = find_widgets (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < found->len; i++)
    if (g_strcmp0 (gtk_button_get_label (g_ptr_array_index (found, i)), text) == 0)
      return g_ptr_array_index (found, i);
  return NULL;
}

/* Opens "Pick on Map", clicks the map at a point, sets "exact address" as asked and uses
 * the point. Returns whether "exact address" was ticked when the popover opened. */
static gboolean
pick (GtkWidget *row,
      double     latitude,
      double     longitude,
      gboolean   exact)
{
  GtkMenuButton *button = GTK_MENU_BUTTON (find_by_label (row, GTK_TYPE_MENU_BUTTON,
                                                          "Pick on Map"));
  GtkPopover *popover;
  g_autoptr(GPtrArray) maps = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  gboolean was_exact;
  gint64 end;

  g_assert_nonnull (button);
  gtk_menu_button_popup (button);
  settle (100);
  popover = gtk_menu_button_get_popover (button);
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));

  maps = find_widgets (GTK_WIDGET (popover), WM_TYPE_MAP_VIEW);
  g_assert_cmpuint (maps->len, ==, 1);
  /* What a click on the map reports. */
  g_signal_emit_by_name (g_ptr_array_index (maps, 0), "location-clicked", latitude, longitude);

  checks = find_widgets (GTK_WIDGET (popover), GTK_TYPE_CHECK_BUTTON);
  g_assert_cmpuint (checks->len, ==, 1);
  was_exact = gtk_check_button_get_active (g_ptr_array_index (checks, 0));
  gtk_check_button_set_active (g_ptr_array_index (checks, 0), exact);

  gtk_widget_activate (find_button_with_label (GTK_WIDGET (popover), "_Use This Point"));
  end = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;
  while (gtk_widget_get_visible (GTK_WIDGET (popover)) && g_get_monotonic_time () < end)
    settle (10);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (popover)));
  return was_exact;
}

static void
test_pick_on_map (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *row = wm_location_row_new ();
  g_autofree char *precision = NULL;
  double latitude;
  double longitude;

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  g_object_set (row, "town", "Harrogate", "latitude", 53.9921, "longitude", -1.5418,
                "precision", "town", NULL);
  show_in_window (f, group, 700, 500);

  /* A click alone moves the point but claims nothing more. */
  g_assert_false (pick (row, 53.9950, -1.5300, FALSE));
  g_object_get (row, "latitude", &latitude, "longitude", &longitude, "precision", &precision,
                NULL);
  g_assert_cmpfloat (latitude, ==, 53.9950);
  g_assert_cmpfloat (longitude, ==, -1.5300);
  g_assert_cmpstr (precision, ==, "town");
  g_clear_pointer (&precision, g_free);

  /* Exact only when confirmed. */
  g_assert_false (pick (row, 53.9960, -1.5310, TRUE));
  g_object_get (row, "latitude", &latitude, "precision", &precision, NULL);
  g_assert_cmpfloat (latitude, ==, 53.9960);
  g_assert_cmpstr (precision, ==, "exact");
  g_clear_pointer (&precision, g_free);

  /* Another point, not confirmed this time, is no longer exact. */
  g_assert_true (pick (row, 53.9970, -1.5320, FALSE));
  g_object_get (row, "latitude", &latitude, "precision", &precision, NULL);
  g_assert_cmpfloat (latitude, ==, 53.9970);
  g_assert_cmpstr (precision, ==, "town");
}

/* Clusters */

/* Thirty therapists in Leeds (ten of them not accepting), one in Truro. */
static void
add_leeds_and_truro (Fixture *f,
                     GArray  *leeds_ids,
                     gint64  *truro_id)
{
  g_autoptr(GError) error = NULL;

  wm_store_begin (f->store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *family = g_strdup_printf ("Leeds%02u", i);
      g_autoptr(WmTherapist) t = new_therapist (100 + i, family, 53.795 + 0.0007 * (i % 6),
                                                -1.555 + 0.0011 * (i / 6));
      gint64 id;

      wm_record_set_bool (WM_RECORD (t), "accepting", i % 3 != 0);
      wm_store_save_therapist (f->store, t, &error);
      g_assert_no_error (error);
      id = wm_record_get_id (WM_RECORD (t));
      g_array_append_val (leeds_ids, id);
    }
  *truro_id = add_therapist (f, 200, "Truro", 50.2632, -5.0510);
  wm_store_commit (f->store, &error);
  g_assert_no_error (error);
}

/* The model's grid: who is grouped at which zoom, and never a numbered match. */
static void
test_cluster_model (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GArray) leeds = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(WmMapMarkers) markers = NULL;
  g_autoptr(GPtrArray) clusters = NULL;
  g_autoptr(WmMatchSnapshot) snapshot = NULL;
  g_autoptr(WmMatchOutcome) outcome = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  WmMatchWeights weights;
  WmMatchOptions options;
  WmMatchCase mc = { 0 };
  WmMapCluster *cluster;
  gint64 truro;
  guint ranked = 0;

  add_leeds_and_truro (f, leeds, &truro);
  markers = wm_map_markers_new (f->store);

  /* The scale of the country: Leeds is one cluster of 30; Truro is alone, so no cluster. */
  clusters = wm_map_markers_cluster (markers, 6, WM_MAP_CLUSTER_CELL_PX);
  g_assert_cmpuint (clusters->len, ==, 1);
  cluster = g_ptr_array_index (clusters, 0);
  g_assert_cmpuint (cluster->members->len, ==, 30);
  g_assert_cmpuint (cluster->n_referable, ==, 20);
  for (guint i = 0; i < cluster->members->len; i++)
    g_assert_cmpint (((WmMapMarker *) g_ptr_array_index (cluster->members, i))->therapist_id,
                     !=, truro);
  /* Drawn among its members, and named after the city. */
  g_assert_cmpfloat (cluster->latitude, >=, cluster->min_latitude);
  g_assert_cmpfloat (cluster->latitude, <=, cluster->max_latitude);
  g_assert_cmpfloat (cluster->longitude, >=, cluster->min_longitude);
  g_assert_cmpfloat (cluster->longitude, <=, cluster->max_longitude);
  name = wm_map_cluster_dup_accessible_name (cluster, 6);
  g_assert_cmpstr (name, ==, "30 therapists near Leeds");
  g_clear_pointer (&clusters, g_ptr_array_unref);

  /* Filtered out: not in any cluster either. */
  wm_map_markers_set_filter (markers, NULL, TRUE);
  clusters = wm_map_markers_cluster (markers, 6, WM_MAP_CLUSTER_CELL_PX);
  g_assert_cmpuint (clusters->len, ==, 1);
  g_assert_cmpuint (((WmMapCluster *) g_ptr_array_index (clusters, 0))->members->len, ==, 20);
  g_clear_pointer (&clusters, g_ptr_array_unref);
  wm_map_markers_set_filter (markers, NULL, FALSE);

  /* Close in, the 30 come apart: nothing at all is grouped from the last clustered level on. */
  clusters = wm_map_markers_cluster (markers, WM_MAP_CLUSTER_MAX_ZOOM - 1,
                                     WM_MAP_CLUSTER_CELL_PX);
  g_assert_cmpuint (clusters->len, >, 1);
  for (guint i = 0; i < clusters->len; i++)
    g_assert_cmpuint (((WmMapCluster *) g_ptr_array_index (clusters, i))->members->len, <, 30);
  g_clear_pointer (&clusters, g_ptr_array_unref);
  clusters = wm_map_markers_cluster (markers, WM_MAP_CLUSTER_MAX_ZOOM, WM_MAP_CLUSTER_CELL_PX);
  g_assert_cmpuint (clusters->len, ==, 0);
  g_clear_pointer (&clusters, g_ptr_array_unref);

  /* Numbered matches are never grouped, even with everyone else shown. */
  snapshot = wm_store_load_match_snapshot (f->store, &error);
  g_assert_no_error (error);
  wm_store_load_match_settings (f->store, &weights, &options);
  mc.latitude = 53.7997;
  mc.longitude = -1.5492;
  mc.max_distance_km = 40;
  outcome = wm_match (snapshot, &mc, &weights, &options);
  g_assert_cmpuint (outcome->results->len, >, 0);
  wm_map_markers_set_ranking (markers, outcome, FALSE);
  for (guint i = 0; i < leeds->len; i++)
    ranked += wm_map_markers_find (markers, g_array_index (leeds, gint64, i))->rank > 0;
  g_assert_cmpuint (ranked, ==, outcome->results->len);
  g_assert_cmpuint (ranked, <, 30);
  clusters = wm_map_markers_cluster (markers, 6, WM_MAP_CLUSTER_CELL_PX);
  g_assert_cmpuint (clusters->len, ==, 1);
  cluster = g_ptr_array_index (clusters, 0);
  g_assert_cmpuint (cluster->members->len, ==, 30 - ranked);
  for (guint i = 0; i < cluster->members->len; i++)
    g_assert_cmpuint (((WmMapMarker *) g_ptr_array_index (cluster->members, i))->rank, ==, 0);
}

/* The Map page: a cluster marker with a count and a name, its members hidden; the filters
 * change its count; a click zooms in until they come apart; a clustered therapist can still
 * be opened. */
static void
test_clusters (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GArray) leeds = g_array_new (FALSE, FALSE, sizeof (gint64));
  WmMapView *view;
  GtkWidget *button;
  gint64 truro;
  double zoom;

  add_leeds_and_truro (f, leeds, &truro);
  view = WM_MAP_VIEW (show_in_window (f, wm_map_view_new (f->session), 1000, 800));
  wm_map_view_go_to (view, 53.0, -2.5, 7);
  settle (100);

  g_assert_cmpuint (count_cluster_buttons (GTK_WIDGET (view), NULL), ==, 1);
  button = find_cluster_button (GTK_WIDGET (view), "30 therapists near Leeds");
  g_assert_nonnull (button);
  g_assert_cmpuint (cluster_count (button), ==, 30);
  /* Its members are drawn only as the cluster; Truro on her own. */
  g_assert_cmpuint (count_marker_buttons (GTK_WIDGET (view), NULL), ==, 1);
  g_assert_cmpuint (count_marker_buttons (GTK_WIDGET (view),
                                          "Therapist: Jane Truro, 3 places free"), ==, 1);
  g_assert_cmpuint (count_therapists_drawn (GTK_WIDGET (view)), ==, 31);
  assert_buttons_named (GTK_WIDGET (view));
  save_screenshot (GTK_WIDGET (view), "map-clusters-leeds");

  /* Panning keeps the grid: the same cluster, at the same place. */
  {
    GtkWidget *marker = gtk_widget_get_parent (button);
    double latitude = shumate_location_get_latitude (SHUMATE_LOCATION (marker));

    wm_map_view_go_to (view, 53.5, -1.0, 7);
    settle (50);
    g_assert_true (find_cluster_button (GTK_WIDGET (view), "30 therapists near Leeds") == button);
    g_assert_cmpfloat (shumate_location_get_latitude (SHUMATE_LOCATION (marker)), ==, latitude);
  }

  /* Accepting only: ten fewer in the cluster, which stays where it was (a filter changes
   * counts, it does not move the clusters). */
  {
    GtkWidget *before = button;
    double latitude = shumate_location_get_latitude (SHUMATE_LOCATION (gtk_widget_get_parent (
                                                       button)));

    wm_map_view_set_filter (view, NULL, TRUE);
    settle (50);
    button = find_cluster_button (GTK_WIDGET (view), "20 therapists near Leeds");
    g_assert_true (button == before);
    g_assert_cmpfloat (shumate_location_get_latitude (SHUMATE_LOCATION (gtk_widget_get_parent (
                                                        button))), ==, latitude);
  }
  g_assert_nonnull (button);
  g_assert_cmpuint (cluster_count (button), ==, 20);
  g_assert_cmpuint (count_therapists_drawn (GTK_WIDGET (view)), ==, 21);

  /* A click zooms in to the cluster, far enough that its members come apart. */
  zoom = map_zoom (view);
  g_signal_emit_by_name (button, "clicked");
  settle_map (view);
  g_assert_cmpfloat (map_zoom (view), >, zoom);
  g_assert_cmpuint (count_cluster_buttons (GTK_WIDGET (view), NULL), ==, 0);
  g_assert_cmpuint (count_marker_buttons (GTK_WIDGET (view), NULL), ==, 21);
  g_assert_cmpuint (count_marker_buttons (GTK_WIDGET (view),
                                          "Therapist: Jane Leeds01, 3 places free"), ==, 1);
  assert_buttons_named (GTK_WIDGET (view));
  save_screenshot (GTK_WIDGET (view), "map-clusters-opened");

  /* Zoomed out again, a clustered therapist's popover still opens: the map goes to her. */
  wm_map_view_go_to (view, 53.0, -2.5, 6);
  settle (50);
  g_assert_cmpuint (count_cluster_buttons (GTK_WIDGET (view), NULL), ==, 1);
  g_assert_true (wm_map_view_open_marker (view, g_array_index (leeds, gint64, 1)));
  settle (100);
  g_assert_cmpfloat (map_zoom (view), >=, WM_MAP_CLUSTER_MAX_ZOOM);
  g_assert_cmpuint (count_marker_buttons (GTK_WIDGET (view),
                                          "Therapist: Jane Leeds01, 3 places free"), ==, 1);
  {
    g_autoptr(GPtrArray) popovers = find_widgets (GTK_WIDGET (view), GTK_TYPE_POPOVER);
    gboolean open = FALSE;

    for (guint i = 0; i < popovers->len; i++)
      open |= gtk_widget_get_visible (g_ptr_array_index (popovers, i));
    g_assert_true (open);
  }
  /* Not accepting, so filtered out: not opened, clustered or not. */
  g_assert_false (wm_map_view_open_marker (view, g_array_index (leeds, gint64, 0)));
}

/* 2,000 markers: at the scale of a region a few hundred widgets stand for them, and after
 * each filter they stand for exactly the therapists it shows. */
static void
test_many_markers (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (2026);
  WmMapView *view;
  WmMapMarkers *markers;
  static const struct { const char *specialism; gboolean accepting; } filters[] = {
    { "trauma", FALSE }, { NULL, TRUE }, { "online-offending", TRUE }, { NULL, FALSE },
  };

  wm_store_begin (f->store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *family = g_strdup_printf ("Bulk%04u", i);
      g_autoptr(WmTherapist) t = new_therapist (1000 + i, family,
                                                g_rand_double_range (rand, 50.5, 55.5),
                                                g_rand_double_range (rand, -4.5, 1.0));

      wm_record_set_bool (WM_RECORD (t), "accepting", i % 4 != 0);
      wm_store_save_therapist (f->store, t, &error);
      g_assert_no_error (error);
    }
  wm_store_commit (f->store, &error);
  g_assert_no_error (error);

  view = WM_MAP_VIEW (show_in_window (f, wm_map_view_new (f->session), 1200, 900));
  markers = wm_map_view_get_markers (view);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (markers)), ==, 2000);
  g_assert_cmpuint (count_therapists_drawn (GTK_WIDGET (view)), ==, 2000);
  save_screenshot (GTK_WIDGET (view), "map-2000-country");

  wm_map_view_go_to (view, 53.0, -2.0, 7);
  settle (100);
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      guint widgets;

      wm_map_view_set_filter (view, filters[i].specialism, filters[i].accepting);
      settle (50);
      widgets = count_marker_buttons (GTK_WIDGET (view), NULL)
                + count_cluster_buttons (GTK_WIDGET (view), NULL);
      g_assert_cmpuint (count_therapists_drawn (GTK_WIDGET (view)), ==,
                        wm_map_markers_get_n_shown (markers));
      /* The point of the clusters. */
      g_assert_cmpuint (widgets, <=, 400);
      g_test_message ("filter %s%s: %u therapists shown by %u markers",
                      filters[i].specialism ? filters[i].specialism : "any specialism",
                      filters[i].accepting ? ", accepting only" : "",
                      wm_map_markers_get_n_shown (markers), widgets);
    }
  save_screenshot (GTK_WIDGET (view), "map-2000-region");
  assert_buttons_named (GTK_WIDGET (view));

  /* Close in, every marker is its own. */
  wm_map_view_go_to (view, 53.0, -2.0, WM_MAP_CLUSTER_MAX_ZOOM);
  settle (50);
  g_assert_cmpuint (count_cluster_buttons (GTK_WIDGET (view), NULL), ==, 0);
  g_assert_cmpuint (count_marker_buttons (GTK_WIDGET (view), NULL), ==, 2000);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  /* Before anything reads them: the tile cache goes to a directory of the test's own, the
   * network counts as available whatever the machine's routes (so the control of the tile
   * test can connect), and no proxy stands between the map and the listener. */
  cache_home = g_dir_make_tmp ("waymark-map-cache-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  g_setenv ("GIO_USE_NETWORK_MONITOR", "base", TRUE);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_unsetenv ("http_proxy");
  g_unsetenv ("HTTP_PROXY");
  g_unsetenv ("all_proxy");

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  /* Off for every test but the one about it, so no test of this program asks a tile server
   * for anything. */
  {
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);

    g_settings_set_boolean (settings, "online-map-tiles", FALSE);
  }

  app = wm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/map/ring-geometry", test_ring_geometry);
  g_test_add_func ("/map/towns", test_towns);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/map/markers-follow-store", test_markers_follow_store);
  ADD ("/map/states-and-filters", test_states_and_filters);
  ADD ("/map/match-map", test_match_map);
  ADD ("/map/no-requests-when-offline", test_no_requests_when_offline);
  ADD ("/map/pick-on-map", test_pick_on_map);
  ADD ("/map/cluster-model", test_cluster_model);
  ADD ("/map/clusters", test_clusters);
  ADD ("/map/many-markers", test_many_markers);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);
  remove_tree (cache_home);
  g_free (cache_home);
  return ret;
}
