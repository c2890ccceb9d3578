/* wm-application.c: the Waymark application object.
 *
 * One instance per session: launching Waymark again raises the window that is already open
 * rather than opening the same database twice. Owns the application-wide actions (about,
 * quit) and their accelerators; everything tied to an open database lives on the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-application.h"
#include "wm-renderer.h"
#include "wm-resources.h"
#include "wm-window.h"

struct _WmApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (WmApplication, wm_application, ADW_TYPE_APPLICATION)

static void
wm_application_about_activated_cb (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  WmApplication *self = user_data;
  static const char *developers[] = { "The Waymark developers", NULL };
  GtkWidget *about;

  about = adw_about_window_new ();
  gtk_window_set_transient_for (GTK_WINDOW (about),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_set_modal (GTK_WINDOW (about), TRUE);
  adw_about_window_set_application_name (ADW_ABOUT_WINDOW (about), "Waymark");
  adw_about_window_set_application_icon (ADW_ABOUT_WINDOW (about), APP_ID);
  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), PACKAGE_VERSION);
  adw_about_window_set_developer_name (ADW_ABOUT_WINDOW (about), _("The Waymark developers"));
  adw_about_window_set_developers (ADW_ABOUT_WINDOW (about), developers);
  adw_about_window_set_copyright (ADW_ABOUT_WINDOW (about), "© 2026 The Waymark developers");
  adw_about_window_set_license_type (ADW_ABOUT_WINDOW (about), GTK_LICENSE_GPL_3_0);
  /* Translators: replace with your names, one a line, to be credited in the About window. */
  adw_about_window_set_translator_credits (ADW_ABOUT_WINDOW (about), _("translator-credits"));
  gtk_window_present (GTK_WINDOW (about));
}

static void
wm_application_quit_activated_cb (GSimpleAction *action,
                                  GVariant      *parameter,
                                  gpointer       user_data)
{
  WmApplication *self = user_data;
  GList *windows;

  /* Closing rather than g_application_quit() lets each window save its state and, later,
   * lock its database and refuse while there are unsaved changes. The application exits
   * when its last window has gone. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free_full (windows, g_object_unref);
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = wm_application_about_activated_cb },
  { .name = "quit", .activate = wm_application_quit_activated_cb },
};

static void
wm_application_startup (GApplication *application)
{
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (wm_application_parent_class)->startup (application);

  wm_renderer_choose ();

  /* Ctrl+? for win.show-help-overlay comes from GtkApplication, which finds
   * gtk/help-overlay.ui under the resource base path. */
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit", quit_accels);
}

static void
wm_application_activate (GApplication *application)
{
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  if (window == NULL)
    window = GTK_WINDOW (wm_window_new (WM_APPLICATION (application)));

  gtk_window_present (window);
}

/* "waymark FILE" (tools/demo does this): remember the database so the window offers it. */
static void
wm_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  if (path != NULL)
    g_settings_set_string (settings, "last-database", path);
  wm_application_activate (application);
}

static void
wm_application_class_init (WmApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = wm_application_startup;
  app_class->activate = wm_application_activate;
  app_class->open = wm_application_open;

  /* The resources are compiled into a static library with manual registration: an
   * automatic constructor in an object nothing refers to would be dropped by the linker. */
  wm_register_resource ();
}

static void
wm_application_init (WmApplication *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
}

WmApplication *
wm_application_new (void)
{
  return g_object_new (WM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/waymark/Waymark",
                       NULL);
}
