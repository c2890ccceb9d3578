/* wm-gui-util.c: toasts, timestamps and inline errors shared by the pages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-gui-util.h"

void
wm_gui_toast (GtkWidget  *widget,
              const char *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

  /* The window wraps its content in a toast overlay; a page shown on its own (in a test)
   * has none, and the toast is simply not shown. */
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (text));
}

static GDateTime *
parse_utc (const char *iso8601)
{
  if (iso8601 == NULL || *iso8601 == '\0')
    return NULL;
  return g_date_time_new_from_iso8601 (iso8601, NULL);
}

char *
wm_gui_format_timestamp (const char *iso8601)
{
  g_autoptr(GDateTime) utc = parse_utc (iso8601);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup (iso8601 != NULL ? iso8601 : "");
  local = g_date_time_to_local (utc);
  /* Translators: a date and time, e.g. "27 Nov 2026, 10:15"; see g_date_time_format(). */
  return g_date_time_format (local, _("%-d %b %Y, %H:%M"));
}

char *
wm_gui_format_age (const char *iso8601)
{
  g_autoptr(GDateTime) then = parse_utc (iso8601);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan span;
  gint64 days;

  if (then == NULL)
    return g_strdup ("");
  span = g_date_time_difference (now, then);
  days = span / G_TIME_SPAN_DAY;
  if (days < 1)
    return g_strdup (_("Today"));
  /* int: the spans are small, and gettext cannot check a G_GINT64_FORMAT in a msgid. */
  if (days < 14)
    return g_strdup_printf (ngettext ("%d day", "%d days", days), (int) days);
  if (days < 70)
    return g_strdup_printf (ngettext ("%d week", "%d weeks", days / 7), (int) (days / 7));
  if (days < 730)
    return g_strdup_printf (ngettext ("%d month", "%d months", days / 30), (int) (days / 30));
  return g_strdup_printf (ngettext ("%d year", "%d years", days / 365), (int) (days / 365));
}

void
wm_gui_set_row_error (GtkWidget  *row,
                      const char *message)
{
  if (message != NULL && *message != '\0')
    {
      gtk_widget_add_css_class (row, "error");
      gtk_widget_set_tooltip_text (row, message);
      if (ADW_IS_ACTION_ROW (row))
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), message);
    }
  else
    {
      gtk_widget_remove_css_class (row, "error");
      gtk_widget_set_tooltip_text (row, NULL);
      if (ADW_IS_ACTION_ROW (row))
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), NULL);
    }
}

GtkWidget *
wm_gui_add_message_row (GtkWidget  *row,
                        GtkLabel  **label_out)
{
  GtkWidget *list = gtk_widget_get_parent (row);
  GtkWidget *message_row = adw_preferences_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_accessible_update_state (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (message_row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (message_row), FALSE);
  gtk_widget_set_focusable (message_row, FALSE);
  gtk_widget_add_css_class (message_row, "error");
  gtk_widget_set_visible (message_row, FALSE);

  g_return_val_if_fail (GTK_IS_LIST_BOX (list), message_row);
  gtk_list_box_insert (GTK_LIST_BOX (list), message_row,
                       gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)) + 1);
  *label_out = GTK_LABEL (label);
  return message_row;
}

static void
draw_letter_page (GtkDrawingArea *area,
                  cairo_t        *cr,
                  int             width,
                  int             height,
                  gpointer        user_data)
{
  int page = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (area), "wm-page"));

  wm_letter_render_fitted (WM_LETTER (user_data), cr, page, width, height);
}

void
wm_gui_show_letter_pages (GtkBox   *box,
                          WmLetter *letter,
                          int       page_width)
{
  GtkWidget *child;
  double width, height;
  int n_pages;

  g_return_if_fail (GTK_IS_BOX (box));
  g_return_if_fail (letter == NULL || WM_IS_LETTER (letter));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
  if (letter == NULL)
    return;

  n_pages = wm_letter_get_n_pages (letter);
  wm_letter_get_page_size (letter, &width, &height);
  for (int i = 0; i < n_pages; i++)
    {
      g_autofree char *label = g_strdup_printf (_("Page %d of %d"), i + 1, n_pages);
      GtkWidget *area = g_object_new (GTK_TYPE_DRAWING_AREA,
                                      "accessible-role", GTK_ACCESSIBLE_ROLE_IMG,
                                      "content-width", page_width,
                                      "content-height", (int) (page_width * height / width),
                                      "halign", GTK_ALIGN_CENTER,
                                      NULL);

      gtk_widget_add_css_class (area, "card");
      gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      g_object_set_data (G_OBJECT (area), "wm-page", GINT_TO_POINTER (i));
      /* Each page holds the letter it draws, so a page never draws another letter's text. */
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_letter_page,
                                      g_object_ref (letter), g_object_unref);
      gtk_box_append (box, area);
    }
}

char *
wm_gui_chosen_local_path (GtkFileChooser *chooser,
                          int             response,
                          gboolean       *not_local)
{
  g_autoptr(GFile) file = NULL;
  char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (chooser);
  if (file != NULL)
    path = g_file_get_path (file);
  *not_local = file != NULL && path == NULL;
  return path;
}
