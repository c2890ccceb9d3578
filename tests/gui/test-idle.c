/* test-idle.c: the idle monitor behind auto-lock, against the real clock.
 *
 * Each test shows a window, attaches a WmIdleMonitor and waits on the main loop, measuring
 * with g_get_monotonic_time(): ::idle comes after the timeout with no input and not long
 * after; input (a reset, or a key press delivered through the monitor's own key controller)
 * postpones it; 0 means never; ::warning comes before ::idle (the lead shortened through the
 * test-only setter so nobody waits a minute) and input after it cancels it with ::activity;
 * the monitor cleans up its controllers and stops when the window goes. Needs a display: run
 * under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "gui-test-util.h"
#include "wm-idle-monitor.h"
#include "wm-idle-monitor-private.h"

typedef struct
{
  GtkWindow *window;
  WmIdleMonitor *monitor;
  gint64 start;
  gint64 idle_at;
  gint64 warning_at;
  gint64 activity_at;
  guint n_idle;
  guint n_warning;
  guint n_activity;
  guint seconds_left;
} Fixture;

static void
idle_cb (WmIdleMonitor *monitor,
         Fixture       *f)
{
  f->n_idle++;
  f->idle_at = g_get_monotonic_time ();
}

static void
warning_cb (WmIdleMonitor *monitor,
            guint          seconds_left,
            Fixture       *f)
{
  f->n_warning++;
  f->warning_at = g_get_monotonic_time ();
  f->seconds_left = seconds_left;
}

static void
activity_cb (WmIdleMonitor *monitor,
             Fixture       *f)
{
  f->n_activity++;
  f->activity_at = g_get_monotonic_time ();
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (f->window, "Waymark");
  gtk_window_set_default_size (f->window, 400, 300);
  gtk_window_set_child (f->window, gtk_button_new_with_label ("Button"));
  gtk_window_present (f->window);
  while (!gtk_widget_get_mapped (GTK_WIDGET (f->window)))
    g_main_context_iteration (NULL, TRUE);

  f->monitor = wm_idle_monitor_new (f->window);
  g_signal_connect (f->monitor, "idle", G_CALLBACK (idle_cb), f);
  g_signal_connect (f->monitor, "warning", G_CALLBACK (warning_cb), f);
  g_signal_connect (f->monitor, "activity", G_CALLBACK (activity_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->monitor);
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* Runs the main loop for @seconds, or until ::idle has come @n_idle times. */
static void
run_until_idle (Fixture *f,
                guint    n_idle,
                double   seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add ((guint) (seconds * 1000), timed_out_cb, &timed_out);

  while (!timed_out && f->n_idle < n_idle)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
}

static double
seconds_since (Fixture *f,
               gint64   when)
{
  return (when - f->start) / (double) G_USEC_PER_SEC;
}

/* The monitor's key controller on the window: input goes through it as a key press would. */
static GtkEventController *
monitor_key_controller (Fixture *f)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->window));
  GtkEventController *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (c)
          && g_strcmp0 (gtk_event_controller_get_name (c), "wm-idle-monitor") == 0)
        {
          g_assert_null (found);
          found = c;
        }
    }
  g_assert_nonnull (found);
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (found), ==, GTK_PHASE_CAPTURE);
  return found;
}

static guint
count_monitor_controllers (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (c), "wm-idle-monitor") == 0)
        n++;
    }
  return n;
}

static void
test_fires (Fixture       *f,
            gconstpointer  data)
{
  f->start = g_get_monotonic_time ();
  wm_idle_monitor_set_timeout (f->monitor, 3);
  g_assert_cmpuint (wm_idle_monitor_get_timeout (f->monitor), ==, 3);
  run_until_idle (f, 1, 8);

  g_assert_cmpuint (f->n_idle, ==, 1);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), >=, 3.0);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), <, 6.0);
  /* A 3 s timeout is shorter than twice the warning lead: no warning. */
  g_assert_cmpuint (f->n_warning, ==, 0);

  /* Once: no second ::idle without input... */
  run_for (1500);
  g_assert_cmpuint (f->n_idle, ==, 1);

  /* ...and a reset arms it again. */
  f->start = g_get_monotonic_time ();
  wm_idle_monitor_reset (f->monitor);
  run_until_idle (f, 2, 8);
  g_assert_cmpuint (f->n_idle, ==, 2);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), >=, 3.0);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), <, 6.0);
}

static gboolean
send_key_cb (gpointer user_data)
{
  Fixture *f = user_data;
  gboolean handled = TRUE;

  g_signal_emit_by_name (monitor_key_controller (f), "key-pressed", GDK_KEY_a, 38, 0,
                         &handled);
  /* The monitor only watches: the key goes on to the widgets. */
  g_assert_false (handled);
  return G_SOURCE_REMOVE;
}

static gboolean
reset_cb (gpointer user_data)
{
  wm_idle_monitor_reset (WM_IDLE_MONITOR (user_data));
  return G_SOURCE_REMOVE;
}

static void
test_input_postpones (Fixture       *f,
                      gconstpointer  data)
{
  f->start = g_get_monotonic_time ();
  wm_idle_monitor_set_timeout (f->monitor, 2);
  /* A key at 1.5 s, a reset at 3 s: idle no sooner than 5 s. */
  g_timeout_add (1500, send_key_cb, f);
  g_timeout_add (3000, reset_cb, f->monitor);
  run_until_idle (f, 1, 10);

  g_assert_cmpuint (f->n_idle, ==, 1);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), >=, 5.0);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), <, 8.0);
}

static void
test_zero_never (Fixture       *f,
                 gconstpointer  data)
{
  wm_idle_monitor_set_timeout (f->monitor, 1);
  wm_idle_monitor_set_timeout (f->monitor, 0);
  g_assert_cmpuint (wm_idle_monitor_get_timeout (f->monitor), ==, 0);
  wm_idle_monitor_reset (f->monitor);
  run_for (3000);
  g_assert_cmpuint (f->n_idle, ==, 0);
  g_assert_cmpuint (f->n_warning, ==, 0);
}

static void
test_warning (Fixture       *f,
              gconstpointer  data)
{
  /* A 1 s lead on a 3 s timeout: ::warning at 2 s, then ::idle at 3 s. */
  wm_idle_monitor_set_warning_lead (f->monitor, 1);
  f->start = g_get_monotonic_time ();
  wm_idle_monitor_set_timeout (f->monitor, 3);
  run_until_idle (f, 1, 8);

  g_assert_cmpuint (f->n_warning, ==, 1);
  g_assert_cmpuint (f->n_idle, ==, 1);
  g_assert_cmpuint (f->n_activity, ==, 0);
  g_assert_cmpint (f->warning_at, <, f->idle_at);
  g_assert_cmpfloat (seconds_since (f, f->warning_at), >=, 2.0);
  g_assert_cmpuint (f->seconds_left, >=, 1);
  g_assert_cmpuint (f->seconds_left, <=, 1);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), >=, 3.0);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), <, 6.0);
}

static gboolean
reset_after_warning_cb (gpointer user_data)
{
  Fixture *f = user_data;

  if (f->n_warning == 0)
    return G_SOURCE_CONTINUE;
  send_key_cb (f);
  return G_SOURCE_REMOVE;
}

static void
test_warning_cancelled (Fixture       *f,
                        gconstpointer  data)
{
  gint64 input_at;

  wm_idle_monitor_set_warning_lead (f->monitor, 1);
  f->start = g_get_monotonic_time ();
  wm_idle_monitor_set_timeout (f->monitor, 3);
  g_timeout_add (50, reset_after_warning_cb, f);
  run_until_idle (f, 1, 12);

  /* Input after the warning cancelled it, announced as ::activity; the countdown started
   * over from there, with its own warning. */
  g_assert_cmpuint (f->n_activity, ==, 1);
  g_assert_cmpuint (f->n_warning, ==, 2);
  g_assert_cmpuint (f->n_idle, ==, 1);
  input_at = f->activity_at;
  g_assert_cmpfloat ((f->idle_at - input_at) / (double) G_USEC_PER_SEC, >=, 3.0);
  g_assert_cmpfloat (seconds_since (f, f->idle_at), >=, 5.0);
}

static void
test_lead_needs_room (Fixture       *f,
                      gconstpointer  data)
{
  /* A 2 s lead on a 3 s timeout would warn almost at once: not at all. */
  wm_idle_monitor_set_warning_lead (f->monitor, 2);
  wm_idle_monitor_set_timeout (f->monitor, 3);
  run_until_idle (f, 1, 8);
  g_assert_cmpuint (f->n_idle, ==, 1);
  g_assert_cmpuint (f->n_warning, ==, 0);
}

static void
test_cleanup (Fixture       *f,
              gconstpointer  data)
{
  WmIdleMonitor *other;

  /* Its four controllers, gone with the monitor. */
  g_assert_cmpuint (count_monitor_controllers (GTK_WIDGET (f->window)), ==, 4);
  g_clear_object (&f->monitor);
  g_assert_cmpuint (count_monitor_controllers (GTK_WIDGET (f->window)), ==, 0);

  /* A window that goes stops the countdown, and the monitor outlives it safely. */
  other = wm_idle_monitor_new (f->window);
  g_signal_connect (other, "idle", G_CALLBACK (idle_cb), f);
  wm_idle_monitor_set_timeout (other, 1);
  gtk_window_destroy (f->window);
  f->window = NULL;
  run_for (1500);
  g_assert_cmpuint (f->n_idle, ==, 0);
  wm_idle_monitor_reset (other);
  wm_idle_monitor_set_timeout (other, 1);
  run_for (1500);
  g_assert_cmpuint (f->n_idle, ==, 0);
  g_object_unref (other);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/idle/fires", test_fires);
  ADD ("/idle/input-postpones", test_input_postpones);
  ADD ("/idle/zero-never", test_zero_never);
  ADD ("/idle/warning", test_warning);
  ADD ("/idle/warning-cancelled", test_warning_cancelled);
  ADD ("/idle/lead-needs-room", test_lead_needs_room);
  ADD ("/idle/cleanup", test_cleanup);
#undef ADD

  return g_test_run ();
}
