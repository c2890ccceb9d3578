/* wm-idle-monitor.h: notices when nobody has used a window for a while, for auto-lock.
 * Watches key presses, clicks, scrolling and pointer motion on the window (capture phase, so
 * every widget's input counts) and restarts its countdown on each.
 *
 * Signals: ::warning (guint seconds_left) once, WM_IDLE_MONITOR_WARNING_SECONDS before the
 * timeout (when the timeout is longer than that); ::idle () when the timeout is reached.
 * Any input after ::warning cancels it (and ::activity () is emitted).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WM_IDLE_MONITOR_WARNING_SECONDS 30

#define WM_TYPE_IDLE_MONITOR (wm_idle_monitor_get_type ())
G_DECLARE_FINAL_TYPE (WmIdleMonitor, wm_idle_monitor, WM, IDLE_MONITOR, GObject)

WmIdleMonitor *wm_idle_monitor_new          (GtkWindow     *window);
/* 0 stops the countdown (never idle). Restarts the countdown. */
void           wm_idle_monitor_set_timeout  (WmIdleMonitor *self,
                                             guint          seconds);
guint          wm_idle_monitor_get_timeout  (WmIdleMonitor *self);
/* As if there had been input now. */
void           wm_idle_monitor_reset        (WmIdleMonitor *self);

G_END_DECLS
