/* wm-accessible.c: accessibility helpers for what GTK 4.8 leaves unnamed.
 *
 * Every control needs a name a screen reader can speak (and the end-to-end tests find controls
 * by those names). Where a stock widget does not pass a name on in GTK 4.8, the fix-up lives
 * here, once, rather than in each window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "wm-accessible.h"

/**
 * wm_accessible_label_menu_button:
 * @button: an icon-only menu button
 * @label: its accessible name, translated
 *
 * In GTK 4.8 a GtkMenuButton is a wrapper around a toggle button: a label set on the wrapper
 * stays there, while keyboard focus and the press action belong to the toggle button, which a
 * screen reader then announces as just "toggle button". Names both.
 */
void
wm_accessible_label_menu_button (GtkMenuButton *button,
                                 const char    *label)
{
  g_return_if_fail (GTK_IS_MENU_BUTTON (button));
  g_return_if_fail (label != NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (button));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TOGGLE_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                        -1);
    }
}
