/* wm-idle-monitor.c: notices when nobody has used a window for a while, for auto-lock.
 *
 * Input is watched with capture-phase controllers on the window, so it counts whichever
 * widget receives it; none of them claims or stops an event. Each input only records the
 * time: the countdown is a one-second tick that compares the time since the last input with
 * the timeout, rather than a timer restarted on every key press or pointer move.
 *
 * Time is read from CLOCK_BOOTTIME where there is one. CLOCK_MONOTONIC (and so GLib's timers
 * and g_get_monotonic_time()) stops while the machine is suspended: a laptop closed for an
 * hour would otherwise wake up with the case it showed still open and the countdown where it
 * was. With the boot clock the first tick after resume sees the hour and locks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <time.h>

#include "wm-idle-monitor.h"
#include "wm-idle-monitor-private.h"

/* Pointer moves smaller than this (in window coordinates) are not input: X11 servers, Xvfb
 * among them, send motion events without a move when windows map or restack. */
#define MOTION_THRESHOLD 2.0

struct _WmIdleMonitor
{
  GObject parent_instance;

  GtkWindow *window;            /* not owned: a weak reference */
  gulong destroy_id;
  GtkEventController *controllers[4];

  guint timeout;                /* seconds; 0: never idle */
  guint warning_lead;           /* seconds before the timeout for ::warning */
  gint64 last_input;            /* now_us() of the last input (or reset) */
  guint tick_id;
  gboolean warned;              /* ::warning emitted and not yet cancelled by input */
  gboolean idle;                /* ::idle emitted; waits for input or a reset */

  gboolean have_pointer;
  double pointer_x;
  double pointer_y;
};

G_DEFINE_FINAL_TYPE (WmIdleMonitor, wm_idle_monitor, G_TYPE_OBJECT)

enum {
  SIGNAL_WARNING,
  SIGNAL_ACTIVITY,
  SIGNAL_IDLE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64
now_us (void)
{
#ifdef CLOCK_BOOTTIME
  struct timespec ts;

  if (clock_gettime (CLOCK_BOOTTIME, &ts) == 0)
    return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
#endif
  return g_get_monotonic_time ();
}

static gboolean tick_cb (gpointer user_data);

static void
stop_countdown (WmIdleMonitor *self)
{
  g_clear_handle_id (&self->tick_id, g_source_remove);
}

static void
start_countdown (WmIdleMonitor *self)
{
  stop_countdown (self);
  self->last_input = now_us ();
  self->warned = FALSE;
  self->idle = FALSE;
  if (self->timeout > 0 && self->window != NULL)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
}

static gboolean
warning_applies (WmIdleMonitor *self)
{
  /* A warning half a short timeout long would be more nagging than help. */
  return self->warning_lead > 0 && self->timeout > 2 * self->warning_lead;
}

static gboolean
tick_cb (gpointer user_data)
{
  g_autoptr(WmIdleMonitor) self = g_object_ref (WM_IDLE_MONITOR (user_data));
  gint64 elapsed = now_us () - self->last_input;
  gint64 timeout_us = (gint64) self->timeout * G_USEC_PER_SEC;

  if (elapsed >= timeout_us)
    {
      /* Once: the tick stops here, and only input or a reset starts it again. */
      self->tick_id = 0;
      self->idle = TRUE;
      self->warned = FALSE;
      g_signal_emit (self, signals[SIGNAL_IDLE], 0);
      return G_SOURCE_REMOVE;
    }

  if (!self->warned && warning_applies (self)
      && elapsed >= timeout_us - (gint64) self->warning_lead * G_USEC_PER_SEC)
    {
      gint64 left = (timeout_us - elapsed + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;

      self->warned = TRUE;
      g_signal_emit (self, signals[SIGNAL_WARNING], 0, (guint) left);
    }

  return G_SOURCE_CONTINUE;
}

static void
note_input (WmIdleMonitor *self)
{
  gboolean was_warned = self->warned;

  if (self->timeout == 0)
    return;

  self->last_input = now_us ();
  self->warned = FALSE;
  /* After ::idle the countdown waits; input starts it again. */
  if (self->idle || self->tick_id == 0)
    start_countdown (self);
  if (was_warned)
    g_signal_emit (self, signals[SIGNAL_ACTIVITY], 0);
}

/* Input */

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                WmIdleMonitor         *self)
{
  note_input (self);
  return GDK_EVENT_PROPAGATE;
}

static void
click_pressed_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  WmIdleMonitor   *self)
{
  note_input (self);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           WmIdleMonitor            *self)
{
  note_input (self);
  return GDK_EVENT_PROPAGATE;
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           WmIdleMonitor            *self)
{
  gboolean moved = self->have_pointer
                   && (fabs (x - self->pointer_x) >= MOTION_THRESHOLD
                       || fabs (y - self->pointer_y) >= MOTION_THRESHOLD);

  /* The first position seen is only where the pointer is, not a move. */
  if (!self->have_pointer || moved)
    {
      self->have_pointer = TRUE;
      self->pointer_x = x;
      self->pointer_y = y;
    }
  if (moved)
    note_input (self);
}

static void
detach (WmIdleMonitor *self)
{
  stop_countdown (self);
  if (self->window == NULL)
    return;

  g_clear_signal_handler (&self->destroy_id, self->window);
  for (guint i = 0; i < G_N_ELEMENTS (self->controllers); i++)
    if (self->controllers[i] != NULL)
      {
        gtk_widget_remove_controller (GTK_WIDGET (self->window), self->controllers[i]);
        self->controllers[i] = NULL;
      }
  g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  self->window = NULL;
}

static void
window_destroy_cb (GtkWidget     *window,
                   WmIdleMonitor *self)
{
  detach (self);
}

static void
attach (WmIdleMonitor *self,
        GtkWindow     *window)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);
  self->destroy_id = g_signal_connect (window, "destroy", G_CALLBACK (window_destroy_cb), self);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  self->controllers[0] = controller;

  /* Button 0: every button; the gesture never claims a press, so widgets get it as usual. */
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  g_signal_connect (click, "pressed", G_CALLBACK (click_pressed_cb), self);
  self->controllers[1] = GTK_EVENT_CONTROLLER (click);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  self->controllers[2] = controller;

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  self->controllers[3] = controller;

  for (guint i = 0; i < G_N_ELEMENTS (self->controllers); i++)
    {
      gtk_event_controller_set_propagation_phase (self->controllers[i], GTK_PHASE_CAPTURE);
      gtk_event_controller_set_name (self->controllers[i], "wm-idle-monitor");
      gtk_widget_add_controller (GTK_WIDGET (window), self->controllers[i]);
    }
}

/* Overrides */

static void
wm_idle_monitor_finalize (GObject *object)
{
  WmIdleMonitor *self = WM_IDLE_MONITOR (object);

  detach (self);

  G_OBJECT_CLASS (wm_idle_monitor_parent_class)->finalize (object);
}

static void
wm_idle_monitor_class_init (WmIdleMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wm_idle_monitor_finalize;

  signals[SIGNAL_WARNING] =
    g_signal_new ("warning",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_ACTIVITY] =
    g_signal_new ("activity",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[SIGNAL_IDLE] =
    g_signal_new ("idle",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
wm_idle_monitor_init (WmIdleMonitor *self)
{
  self->warning_lead = WM_IDLE_MONITOR_WARNING_SECONDS;
  self->last_input = now_us ();
}

/* Public API */

WmIdleMonitor *
wm_idle_monitor_new (GtkWindow *window)
{
  WmIdleMonitor *self;

  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);

  self = g_object_new (WM_TYPE_IDLE_MONITOR, NULL);
  attach (self, window);

  return self;
}

void
wm_idle_monitor_set_timeout (WmIdleMonitor *self,
                             guint          seconds)
{
  g_return_if_fail (WM_IS_IDLE_MONITOR (self));

  self->timeout = seconds;
  if (seconds == 0)
    {
      stop_countdown (self);
      self->warned = FALSE;
      self->idle = FALSE;
      return;
    }
  start_countdown (self);
}

guint
wm_idle_monitor_get_timeout (WmIdleMonitor *self)
{
  g_return_val_if_fail (WM_IS_IDLE_MONITOR (self), 0);

  return self->timeout;
}

void
wm_idle_monitor_reset (WmIdleMonitor *self)
{
  g_return_if_fail (WM_IS_IDLE_MONITOR (self));

  note_input (self);
}

void
wm_idle_monitor_set_warning_lead (WmIdleMonitor *self,
                                  guint          seconds)
{
  g_return_if_fail (WM_IS_IDLE_MONITOR (self));

  self->warning_lead = seconds;
}
