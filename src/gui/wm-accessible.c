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
/* Names @wrapper and the toggle button inside it that takes focus and the press action. */
static void
label_wrapper_and_toggle (GtkWidget  *wrapper,
                          const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (wrapper),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);

  for (GtkWidget *child = gtk_widget_get_first_child (wrapper);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TOGGLE_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                        -1);
    }
}

void
wm_accessible_label_menu_button (GtkMenuButton *button,
                                 const char    *label)
{
  g_return_if_fail (GTK_IS_MENU_BUTTON (button));
  g_return_if_fail (label != NULL);

  label_wrapper_and_toggle (GTK_WIDGET (button), label);
}

/**
 * wm_accessible_label_drop_down:
 * @drop_down: a drop-down
 * @label: its accessible name, translated
 *
 * The same for GtkDropDown, whose toggle button a screen reader would otherwise announce by
 * its current choice alone ("Any status").
 */
void
wm_accessible_label_drop_down (GtkDropDown *drop_down,
                               const char  *label)
{
  g_return_if_fail (GTK_IS_DROP_DOWN (drop_down));
  g_return_if_fail (label != NULL);

  label_wrapper_and_toggle (GTK_WIDGET (drop_down), label);
}
