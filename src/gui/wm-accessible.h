/* wm-accessible.h: accessibility helpers for what GTK 4.8 leaves unnamed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void wm_accessible_label_menu_button (GtkMenuButton *button,
                                      const char    *label);
void wm_accessible_label_drop_down   (GtkDropDown   *drop_down,
                                      const char    *label);

G_END_DECLS
