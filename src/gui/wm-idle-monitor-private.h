/* wm-idle-monitor-private.h: what the idle monitor's tests may change and nobody else
 * should: how long before the timeout ::warning comes (WM_IDLE_MONITOR_WARNING_SECONDS in
 * the application), so a test can see the warning without waiting over a minute.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "wm-idle-monitor.h"

G_BEGIN_DECLS

void wm_idle_monitor_set_warning_lead (WmIdleMonitor *self,
                                       guint          seconds);

G_END_DECLS
