/* wm-password-rows.c: the password checks shared by the password dialog and the users page.
 *
 * Both forms check as people type and show the first problem twice: on the row (its "error"
 * style and accessible description, so a screen reader says why the row is marked) and in a
 * message label under the group. Keeping that in one place keeps the two forms saying the
 * same thing in the same way.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wm-password.h"
#include "wm-password-rows.h"

char *
wm_password_rows_dup_problem (const char *message)
{
  const char *colon = strstr (message, ": ");
  const char *problem = message;
  gunichar first;

  /* Only a column-like name before the colon is a field; the row beside the message already
   * names it. */
  if (colon != NULL)
    {
      gboolean is_field = colon > message;

      for (const char *p = message; is_field && p < colon; p++)
        is_field = g_ascii_isalnum (*p) || *p == '_';
      if (is_field)
        problem = colon + 2;
    }
  first = g_utf8_get_char (problem);
  return g_strdup_printf ("%C%s", g_unichar_toupper (first), g_utf8_next_char (problem));
}

void
wm_password_rows_show_problem (GtkWidget  *row,
                               const char *problem)
{
  if (problem != NULL && *problem != '\0')
    {
      gtk_widget_add_css_class (row, "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, problem, -1);
    }
  else
    {
      gtk_widget_remove_css_class (row, "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

gboolean
wm_password_rows_validate (GtkWidget  *password_row,
                           GtkWidget  *repeat_row,
                           const char *username,
                           const char *current,
                           GtkLabel   *message)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (password_row));
  const char *repeat = gtk_editable_get_text (GTK_EDITABLE (repeat_row));
  g_autoptr(GError) error = NULL;
  g_autofree char *problem = NULL;
  GtkWidget *row = NULL;

  /* Nothing typed yet is not a mistake: no message, just nothing to send. */
  if (*password != '\0' && !wm_password_check (password, username, NULL, &error))
    {
      problem = wm_password_rows_dup_problem (error->message);
      row = password_row;
    }
  else if (*password != '\0' && current != NULL && g_strcmp0 (password, current) == 0)
    {
      problem = g_strdup (_("The new password must be different from the current one"));
      row = password_row;
    }
  else if (*repeat != '\0' && g_strcmp0 (password, repeat) != 0)
    {
      problem = g_strdup (_("The passwords do not match"));
      row = repeat_row;
    }

  wm_password_rows_show_problem (password_row, row == password_row ? problem : NULL);
  wm_password_rows_show_problem (repeat_row, row == repeat_row ? problem : NULL);
  gtk_label_set_text (message, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (message), problem != NULL);

  return problem == NULL && *password != '\0' && g_strcmp0 (password, repeat) == 0;
}
