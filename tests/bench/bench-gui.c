/* bench-gui.c: the coordinator's view over a large database, timed in a real window.
 *
 * Fills an encrypted store with 100,000 cases, then measures: from a logged-in session to the
 * case list drawn on screen; from a search to the updated list drawn (GtkSearchEntry's own
 * 150 ms typing pause excluded and reported apart); and the process's resident memory.
 * Needs a display (xvfb-run). Prints one JSON object.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <adwaita.h>
#include <stdio.h>
#include <string.h>

#include "wm-main-view.h"
#include "wm-resources.h"
#include "wm-session.h"

static const char *given[] = { "Alex", "Sam", "Jordan", "Robin", "Morgan", "Casey", "Jamie",
                               "Taylor", "Charlie", "Drew", "Kim", "Lee" };
static const char *family[] = { "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson",
                                "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans" };
static const char *towns[] = { "Harrogate", "Leeds", "York", "Bristol", "Cardiff", "Glasgow",
                               "Norwich", "Exeter", "Derby", "Preston", "Bangor, Wales", "Truro" };
static const char *categories[] = { "at-risk", "offended-online", "family-member", "survivor" };

static gint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtoll (line + 6, NULL, 10) : -1;
}

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (g_type_is_a (G_OBJECT_TYPE (widget), type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect (c, type, found);
}

static gboolean painted;

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  painted = TRUE;
}

/* Runs the main loop until the window has painted a frame after now. */
static void
wait_for_paint (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  painted = FALSE;
  gtk_widget_queue_draw (window);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
  (void) clock;
}

static GtkSearchEntry *
find_search (GtkWidget *root)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect (root, GTK_TYPE_SEARCH_ENTRY, found);
  g_assert (found->len > 0);
  return found->pdata[0];
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* @values sorted. */
static double
median (GArray *values)
{
  return values->len ? g_array_index (values, double, values->len / 2) : 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(WmSession) session = NULL;
  g_autoptr(GArray) search_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) query_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) paint_ms = g_array_new (FALSE, FALSE, sizeof (double));
  const char *queries[] = { "har", "leeds", "mor", "jones", "wm", "cas", "bri", "2026", "zz" };
  guint n_cases = 100000;
  GtkWidget *window;
  GtkWidget *view;
  GRand *rand = g_rand_new_with_seed (7);
  gint64 t0, rss_before, rss_after;
  double login_to_list_ms;

  if (argc > 2 && g_str_equal (argv[1], "--cases"))
    n_cases = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  g_setenv ("WAYMARK_KDF", "min", TRUE);

  /* The database is filled by a child process, so the memory measured below is that of a
   * coordinator who logged in, not of the bulk insert. */
  if (argc > 3 && g_str_equal (argv[3], "--populate"))
    {
      path = g_strdup (argv[4]);
      goto populate;
    }
  dir = g_dir_make_tmp ("waymark-bench-gui-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "bench.waymark", NULL);
  {
    g_autofree char *count = g_strdup_printf ("%u", n_cases);
    const char *child_argv[] = { argv[0], "--cases", count, "--populate", path, NULL };
    int status = 0;

    g_spawn_sync (NULL, (char **) child_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    g_assert (g_spawn_check_wait_status (status, NULL));
  }
  goto measure;

populate:
  session = wm_session_create (path, "Bench", "admin", NULL, "Plover-Quince-Harbour-58",
                               WM_KDF_MIN, NULL, &error);
  g_assert_no_error (error);

  g_assert (wm_store_begin (wm_session_get_store (session), &error));
  for (guint i = 0; i < n_cases; i++)
    {
      g_autoptr(WmCase) c = wm_case_new ();
      const char *needs[] = { "pre-offence", NULL };

      g_object_set (c, "category", categories[g_rand_int_range (rand, 0, 4)], "needs", needs,
                    "urgent", g_rand_int_range (rand, 0, 50) == 0, NULL);
      g_object_set (wm_case_get_client (c),
                    "given-name", given[g_rand_int_range (rand, 0, G_N_ELEMENTS (given))],
                    "family-name", family[g_rand_int_range (rand, 0, G_N_ELEMENTS (family))],
                    "town", towns[g_rand_int_range (rand, 0, G_N_ELEMENTS (towns))], NULL);
      g_assert (wm_store_save_case (wm_session_get_store (session), c, &error));
    }
  g_assert (wm_store_commit (wm_session_get_store (session), &error));
  g_clear_object (&session);
  g_rand_free (rand);
  return 0;

measure:
  gtk_init ();
  adw_init ();
  wm_register_resource ();
  /* A fresh login, as a coordinator would have. */
  session = wm_session_unlock (path, "admin", "Plover-Quince-Harbour-58", &error);
  g_assert_no_error (error);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (window))
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint_cb), NULL);
  rss_before = rss_kib ();

  /* Login accepted → the case list drawn. */
  t0 = g_get_monotonic_time ();
  view = wm_main_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), view);
  wait_for_paint (window);
  wait_for_paint (window);
  login_to_list_ms = (g_get_monotonic_time () - t0) / 1000.0;

  /* A search (as GtkSearchEntry fires it after its typing pause) → the list drawn again. */
  for (guint round = 0; round < 3; round++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        GtkSearchEntry *entry = find_search (view);
        double ms;

        gtk_editable_set_text (GTK_EDITABLE (entry), queries[q]);
        t0 = g_get_monotonic_time ();
        g_signal_emit_by_name (entry, "search-changed");
        ms = (g_get_monotonic_time () - t0) / 1000.0;
        g_array_append_val (query_ms, ms);
        wait_for_paint (window);
        ms = (g_get_monotonic_time () - t0) / 1000.0;
        g_array_append_val (search_ms, ms);
        t0 = g_get_monotonic_time ();
        wait_for_paint (window);
        ms = (g_get_monotonic_time () - t0) / 1000.0;
        g_array_append_val (paint_ms, ms);
      }
  g_array_sort (search_ms, cmp_double);
  g_array_sort (query_ms, cmp_double);
  g_array_sort (paint_ms, cmp_double);
  rss_after = rss_kib ();

  printf ("{\"benchmark\": \"gui\", \"cases\": %u, \"login_to_case_list_ms\": %.1f, "
          "\"search_to_list_median_ms\": %.1f, \"search_to_list_max_ms\": %.1f, "
          "\"search_query_and_model_median_ms\": %.1f, \"repaint_unchanged_median_ms\": %.1f, "
          "\"search_entry_typing_pause_ms\": 150, "
          "\"rss_mib\": %.1f, \"rss_before_view_mib\": %.1f, "
          "\"targets\": {\"login_to_case_list_ms\": 1000, \"search_to_list_ms\": 100, "
          "\"rss_mib\": 200}, "
          "\"pass\": {\"login_to_case_list\": %s, \"search_to_list\": %s, \"rss\": %s}}\n",
          n_cases, login_to_list_ms, median (search_ms),
          g_array_index (search_ms, double, search_ms->len - 1),
          median (query_ms), median (paint_ms),
          rss_after / 1024.0, rss_before / 1024.0,
          login_to_list_ms <= 1000 ? "true" : "false",
          median (search_ms) <= 100 ? "true" : "false",
          rss_after / 1024.0 <= 200 ? "true" : "false");

  gtk_window_destroy (GTK_WINDOW (window));
  wm_session_lock (session);
  {
    g_autofree char *keys = g_strconcat (path, ".keys", NULL);
    g_unlink (path);
    g_unlink (keys);
    g_rmdir (dir);
  }
  g_rand_free (rand);
  return 0;
}
