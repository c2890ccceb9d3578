/* test-window.c: the main window, in process.
 *
 * Finds controls the way a screen reader would (by role and accessible name, not by struct
 * field), and checks what must hold whatever the GUI grows into: the title is only ever
 * "Waymark", the main menu is labelled, the app actions and their accelerators exist, and the
 * window size survives a restart. Needs a display: run under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include <glib/gstdio.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-login-page.h"
#include "wm-main-view.h"
#include "wm-welcome-page.h"
#include "wm-window.h"

static WmApplication *app;

static WmWindow *
open_window (void)
{
  WmWindow *window = wm_window_new (app);

  gtk_window_present (GTK_WINDOW (window));
  wait_until_mapped (GTK_WIDGET (window));

  return window;
}

static void
reset_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  g_settings_reset (settings, "window-maximized");
}

static void
test_window_title (void)
{
  WmWindow *window = open_window ();

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Waymark");

  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkStack *
pages_stack (WmWindow *window)
{
  g_autoptr(GPtrArray) welcome = find_widgets (GTK_WIDGET (window), WM_TYPE_WELCOME_PAGE);
  GtkWidget *parent;

  /* The window's page stack is the one holding the welcome page. */
  g_assert_cmpuint (welcome->len, ==, 1);
  parent = gtk_widget_get_parent (welcome->pdata[0]);
  g_assert_true (GTK_IS_STACK (parent));
  return GTK_STACK (parent);
}

/* No database remembered: the welcome page, and nothing to lock or search. */
static void
test_window_starts_at_welcome (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  WmWindow *window;

  g_settings_reset (settings, "last-database");
  window = open_window ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pages_stack (window)), ==, "welcome");
  g_assert_true (g_type_is_a (G_OBJECT_TYPE (gtk_stack_get_visible_child (pages_stack (window))),
                              WM_TYPE_WELCOME_PAGE));
  /* Disabled: the buttons are hidden and the shortcuts do nothing. */
  {
    g_autoptr(GPtrArray) buttons = find_widgets (GTK_WIDGET (window), GTK_TYPE_BUTTON);
    guint checked = 0;

    for (guint i = 0; i < buttons->len; i++)
      {
        const char *action = gtk_actionable_get_action_name (buttons->pdata[i]);

        if (g_strcmp0 (action, "win.lock") == 0 || g_strcmp0 (action, "win.new-enquiry") == 0)
          {
            g_assert_false (gtk_widget_get_visible (buttons->pdata[i]));
            checked++;
          }
      }
    g_assert_cmpuint (checked, ==, 2);
  }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-enquiry", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.lock", NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pages_stack (window)), ==, "welcome");
  g_assert_null (wm_window_get_session (window));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A remembered database opens at the login; logging in shows Cases and Therapists; locking
 * closes the store, forgets the session and returns to the login; the title never changes. */
static void
test_window_login_and_lock (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(TmpDir) dir = tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "org.waymark", NULL);
  g_autoptr(WmSession) created = NULL;
  g_autoptr(WmSession) session = NULL;
  g_autoptr(GPtrArray) logins = NULL;
  g_autoptr(GPtrArray) switchers = NULL;
  WmStore *store;
  WmWindow *window;

  created = create_test_session (path, "Example Trust", "admin", NULL, "Plover-Quince-Harbour-58",
                                 NULL);
  g_clear_object (&created);
  g_settings_set_string (settings, "last-database", path);

  window = open_window ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pages_stack (window)), ==, "login");
  logins = find_widgets (GTK_WIDGET (window), WM_TYPE_LOGIN_PAGE);
  g_assert_cmpuint (logins->len, ==, 1);
  g_assert_cmpstr (wm_login_page_get_path (logins->pdata[0]), ==, path);

  session = wm_session_unlock (path, "admin", "Plover-Quince-Harbour-58", &error);
  g_assert_no_error (error);
  store = g_object_ref (wm_session_get_store (session));
  g_signal_emit_by_name (logins->pdata[0], "unlocked", session);
  run_for (50);

  g_assert_cmpstr (gtk_stack_get_visible_child_name (pages_stack (window)), ==, "main");
  g_assert_true (wm_window_get_session (window) == session);
  g_assert_true (WM_IS_MAIN_VIEW (wm_window_get_main_view (window)));
  switchers = find_widgets (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_TITLE);
  g_assert_cmpuint (switchers->len, ==, 1);
  g_assert_true (adw_view_switcher_title_get_stack (switchers->pdata[0])
                 == wm_main_view_get_stack (WM_MAIN_VIEW (wm_window_get_main_view (window))));
  g_assert_nonnull (adw_view_stack_get_child_by_name (
                      wm_main_view_get_stack (WM_MAIN_VIEW (wm_window_get_main_view (window))),
                      "cases"));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Waymark");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.lock", NULL));
  run_for (50);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pages_stack (window)), ==, "login");
  g_assert_null (wm_window_get_session (window));
  g_assert_null (wm_window_get_main_view (window));
  /* The session was locked: its store is closed, so nothing can read through it. */
  g_assert_null (wm_session_get_store (session));
  g_assert_cmpint (wm_store_get_schema_version (store), ==, -1);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Waymark");

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (store);
  g_settings_reset (settings, "last-database");
}

static void
test_window_controls_named (void)
{
  WmWindow *window = open_window ();

  g_assert_cmpuint (assert_controls_named (GTK_WIDGET (window)), >, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_main_menu (void)
{
  WmWindow *window = open_window ();
  g_autoptr(GPtrArray) buttons = find_widgets (GTK_WIDGET (window), GTK_TYPE_MENU_BUTTON);
  GtkMenuButton *main_menu = NULL;
  GMenuModel *model;
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < buttons->len; i++)
    {
      if (has_accessible_label (buttons->pdata[i], "Main menu"))
        {
          g_assert_null (main_menu);
          main_menu = buttons->pdata[i];
        }
    }
  g_assert_nonnull (main_menu);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (main_menu)));
  g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (main_menu)));

  /* Focus and the press action are on the toggle button inside: it carries the name too. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (main_menu));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TOGGLE_BUTTON (child))
        g_assert_true (has_accessible_label (child, "Main menu"));
    }

  /* Each entry of the menu is backed by an action that exists. */
  model = gtk_menu_button_get_menu_model (main_menu);
  g_assert_nonnull (model);
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);

      g_assert_nonnull (section);
      for (int j = 0; j < g_menu_model_get_n_items (section); j++)
        {
          char *action = NULL;

          g_assert_true (g_menu_model_get_item_attribute (section, j, G_MENU_ATTRIBUTE_ACTION,
                                                          "s", &action));
          g_ptr_array_add (actions, action);
        }
    }
  g_assert_cmpuint (actions->len, ==, 7);
  g_assert_cmpstr (actions->pdata[0], ==, "win.preferences");
  g_assert_cmpstr (actions->pdata[1], ==, "win.audit-log");
  g_assert_cmpstr (actions->pdata[2], ==, "win.change-password");
  g_assert_cmpstr (actions->pdata[3], ==, "win.lock");
  g_assert_cmpstr (actions->pdata[4], ==, "win.show-help-overlay");
  g_assert_cmpstr (actions->pdata[5], ==, "app.about");
  g_assert_cmpstr (actions->pdata[6], ==, "app.quit");

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
assert_accel (const char *action,
              const char *accel)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), action);

  g_assert_true (g_strv_contains ((const char * const *) accels, accel));
}

static void
test_window_shortcuts (void)
{
  WmWindow *window = open_window ();

  assert_accel ("app.quit", "<Control>q");
  assert_accel ("win.show-help-overlay", "<Control>question");
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_size_kept (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  WmWindow *window;
  int width;
  int height;

  reset_settings ();
  g_settings_set_int (settings, "window-width", 700);
  g_settings_set_int (settings, "window-height", 500);

  window = open_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 500);

  gtk_window_set_default_size (GTK_WINDOW (window), 820, 610);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);

  /* app.quit closes windows the ordinary way, so they save their state on the way out. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_assert_null (window);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 820);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 610);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  reset_settings ();
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  app = test_application_new ();

  g_test_add_func ("/window/title", test_window_title);
  g_test_add_func ("/window/starts-at-welcome", test_window_starts_at_welcome);
  g_test_add_func ("/window/login-and-lock", test_window_login_and_lock);
  g_test_add_func ("/window/controls-named", test_window_controls_named);
  g_test_add_func ("/window/main-menu", test_window_main_menu);
  g_test_add_func ("/window/shortcuts", test_window_shortcuts);
  g_test_add_func ("/window/size-kept", test_window_size_kept);

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
