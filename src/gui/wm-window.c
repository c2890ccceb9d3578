/* wm-window.c: Waymark's main window.
 *
 * Moves between the welcome page, the login page and the main view of a logged-in session,
 * and owns the window-wide actions (new enquiry, search, save, print, preferences, audit log,
 * change password, lock) and toasts. The title is the product name and nothing else, whatever
 * is open: titles leak into task switchers, window lists and screen-sharing previews. The
 * window's size is kept in GSettings.
 *
 * Locking, by hand (Ctrl+L) or after the idle minutes of the auto-lock-minutes setting, closes
 * every window the session opened, drops the views (unsaved edits are discarded, never
 * written anywhere; a toast warns 30 seconds before an auto-lock), closes the store and wipes
 * the key.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-accessible.h"
#include "wm-audit-window.h"
#include "wm-gui-util.h"
#include "wm-idle-monitor.h"
#include "wm-letters-dialog.h"
#include "wm-login-page.h"
#include "wm-main-view.h"
#include "wm-password-dialog.h"
#include "wm-preferences-window.h"
#include "wm-users-page.h"
#include "wm-welcome-page.h"
#include "wm-window.h"

struct _WmWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  WmSession *session;       /* NULL while locked */
  GtkWidget *main_view;     /* NULL while locked */
  WmIdleMonitor *idle_monitor;
  guint auto_lock_seconds;  /* a test's override of the setting; 0: use the setting */
  AdwToast *lock_warning;   /* the "about to lock" toast while it shows */

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwHeaderBar *header_bar;
  AdwViewSwitcherTitle *switcher_title;
  GtkWidget *new_enquiry_button;
  GtkWidget *lock_button;
  GtkMenuButton *menu_button;
  GtkStack *pages;
  WmWelcomePage *welcome_page;
  WmLoginPage *login_page;
};

G_DEFINE_FINAL_TYPE (WmWindow, wm_window, ADW_TYPE_APPLICATION_WINDOW)

static void
wm_window_restore_state (WmWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
wm_window_save_state (WmWindow *self)
{
  int width;
  int height;

  /* The default size is the unmaximized size, so a maximized window still comes back at a
   * sensible size once it is unmaximized. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  g_settings_delay (self->settings);
  if (width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static void
set_unlocked_actions (WmWindow *self,
                      gboolean  unlocked)
{
  WmRole role = unlocked ? wm_session_get_role (self->session) : WM_ROLE_THERAPIST;
  gboolean staff = unlocked && role != WM_ROLE_THERAPIST;
  gboolean admin = unlocked && (role == WM_ROLE_ADMIN || role == WM_ROLE_SYSTEM);

  /* The store refuses a role what it may not do; the GUI only stops offering it. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-enquiry", staff);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", staff);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", unlocked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.print", staff);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.preferences", unlocked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.audit-log", admin);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.change-password",
                                 unlocked && wm_session_get_user (self->session) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lock", unlocked);
  gtk_widget_set_visible (self->new_enquiry_button, staff);
  gtk_widget_set_visible (self->lock_button, unlocked);
}

static void
show_login (WmWindow   *self,
            const char *path)
{
  wm_login_page_set_path (self->login_page, path);
  gtk_stack_set_visible_child_name (self->pages, "login");
}

static void
show_welcome (WmWindow *self)
{
  gtk_stack_set_visible_child_name (self->pages, "welcome");
}

static void
update_auto_lock (WmWindow *self)
{
  guint seconds = self->auto_lock_seconds;

  if (seconds == 0)
    seconds = g_settings_get_uint (self->settings, "auto-lock-minutes") * 60;
  /* Only a session is worth locking; the countdown restarts on every change. */
  wm_idle_monitor_set_timeout (self->idle_monitor, self->session != NULL ? seconds : 0);
}

static void
enter_session (WmWindow  *self,
               WmSession *session)
{
  g_set_object (&self->session, session);
  self->main_view = wm_main_view_new (session);
  gtk_stack_add_named (self->pages, self->main_view, "main");
  adw_view_switcher_title_set_stack (self->switcher_title,
                                     wm_main_view_get_stack (WM_MAIN_VIEW (self->main_view)));
  gtk_stack_set_visible_child_name (self->pages, "main");
  set_unlocked_actions (self, TRUE);
  update_auto_lock (self);

  /* A password an administrator set is theirs as much as the user's: replace it first. */
  if (wm_session_must_change_password (session))
    {
      /* It says "Password changed" itself once done. */
      gtk_window_present (GTK_WINDOW (wm_password_dialog_new (GTK_WINDOW (self), session, TRUE)));
    }
}

/* Every dialog and window opened over this one shows data of the session. */
static void
close_session_windows (WmWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* owned by GTK */
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (gtk_window_get_transient_for (window) == GTK_WINDOW (self))
        g_ptr_array_add (doomed, window);
    }
  for (guint i = 0; i < doomed->len; i++)
    gtk_window_destroy (doomed->pdata[i]);
}

/* Drops every view of the data, closes the store and wipes the key; back to the login. */
static void
lock_session (WmWindow *self)
{
  g_autofree char *path = NULL;

  if (self->session == NULL)
    return;
  path = g_strdup (wm_store_get_path (wm_session_get_store (self->session)));
  /* Toasts are left to expire: dismissing one while the page under it goes away crashed
   * libadwaita 1.2 (cairo renderer, e2e). They never name anyone, and the lock warning's own
   * timeout ends with the countdown. */
  close_session_windows (self);
  adw_view_switcher_title_set_stack (self->switcher_title, NULL);
  set_unlocked_actions (self, FALSE);
  show_login (self, path);
  if (self->main_view != NULL)
    gtk_stack_remove (self->pages, self->main_view);
  self->main_view = NULL;
  wm_session_lock (self->session);
  g_clear_object (&self->session);
  update_auto_lock (self);
}

static void
lock_warning_dismissed_cb (AdwToast *toast,
                           WmWindow *self)
{
  if (self->lock_warning == toast)
    self->lock_warning = NULL;
}

static void
idle_warning_cb (WmIdleMonitor *monitor,
                 guint          seconds_left,
                 WmWindow      *self)
{
  gboolean unsaved = self->main_view != NULL
                     && wm_main_view_has_unsaved_changes (WM_MAIN_VIEW (self->main_view));
  AdwToast *toast;

  if (self->session == NULL || self->lock_warning != NULL)
    return;
  toast = adw_toast_new (unsaved ? _("Waymark will lock in 30 seconds and discard unsaved "
                                     "changes. Use it to stay signed in.")
                                 : _("Waymark will lock in 30 seconds. Use it to stay signed "
                                     "in."));
  adw_toast_set_timeout (toast, seconds_left);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect (toast, "dismissed", G_CALLBACK (lock_warning_dismissed_cb), self);
  self->lock_warning = toast;
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
idle_activity_cb (WmIdleMonitor *monitor,
                  WmWindow      *self)
{
  if (self->lock_warning != NULL)
    adw_toast_dismiss (self->lock_warning);
}

static void
idle_cb (WmIdleMonitor *monitor,
         WmWindow      *self)
{
  if (self->session == NULL)
    return;
  lock_session (self);
  wm_window_add_toast (self, _("Locked after a time without use"));
}

static void
auto_lock_setting_changed_cb (GSettings  *settings,
                              const char *key,
                              WmWindow   *self)
{
  update_auto_lock (self);
}

static void
welcome_open_requested_cb (WmWelcomePage *page,
                           const char    *path,
                           WmWindow      *self)
{
  g_settings_set_string (self->settings, "last-database", path);
  show_login (self, path);
}

static void
welcome_created_cb (WmWelcomePage *page,
                    WmSession     *session,
                    WmWindow      *self)
{
  enter_session (self, session);
  wm_window_add_toast (self, _("Database created"));
}

static void
login_unlocked_cb (WmLoginPage *page,
                   WmSession   *session,
                   WmWindow    *self)
{
  enter_session (self, session);
}

static void
login_back_cb (WmLoginPage *page,
               WmWindow    *self)
{
  show_welcome (self);
}

static void
new_enquiry_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  WmWindow *self = WM_WINDOW (widget);

  if (self->main_view != NULL)
    wm_main_view_new_enquiry (WM_MAIN_VIEW (self->main_view));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WmWindow *self = WM_WINDOW (widget);

  if (self->main_view != NULL)
    wm_main_view_focus_search (WM_MAIN_VIEW (self->main_view));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WmWindow *self = WM_WINDOW (widget);

  if (self->main_view != NULL)
    wm_main_view_save (WM_MAIN_VIEW (self->main_view));
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  WmWindow *self = WM_WINDOW (widget);
  g_autoptr(WmCase) kase = NULL;

  if (self->main_view == NULL)
    return;
  kase = wm_main_view_dup_open_case (WM_MAIN_VIEW (self->main_view));
  if (kase == NULL)
    {
      wm_window_add_toast (self, _("Open a saved case to print its letters"));
      return;
    }
  gtk_window_present (GTK_WINDOW (wm_letters_dialog_new (GTK_WINDOW (self),
                                                         wm_session_get_store (self->session),
                                                         kase)));
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  WmWindow *self = WM_WINDOW (widget);
  GtkWidget *preferences;

  if (self->session == NULL)
    return;
  preferences = wm_preferences_window_new (GTK_WINDOW (self), self->session);
  if (wm_session_is_admin (self->session) && wm_session_get_user (self->session) != NULL)
    adw_preferences_window_add (ADW_PREFERENCES_WINDOW (preferences),
                                ADW_PREFERENCES_PAGE (wm_users_page_new (self->session)));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
audit_log_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  WmWindow *self = WM_WINDOW (widget);

  if (self->session == NULL)
    return;
  gtk_window_present (GTK_WINDOW (wm_audit_window_new (GTK_WINDOW (self),
                                                       wm_session_get_store (self->session))));
}

static void
change_password_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  WmWindow *self = WM_WINDOW (widget);
  if (self->session == NULL)
    return;
  gtk_window_present (GTK_WINDOW (wm_password_dialog_new (GTK_WINDOW (self), self->session,
                                                          FALSE)));
}

static gboolean
lock_later_cb (gpointer data)
{
  lock_session (WM_WINDOW (data));
  return G_SOURCE_REMOVE;
}

static void
lock_confirm_response_cb (AdwMessageDialog *dialog,
                          const char       *response,
                          WmWindow         *self)
{
  /* After the dialog has closed itself: locking closes every window over this one. */
  if (g_strcmp0 (response, "lock") == 0)
    g_idle_add_full (G_PRIORITY_HIGH_IDLE, lock_later_cb, g_object_ref (self), g_object_unref);
}

static void
lock_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WmWindow *self = WM_WINDOW (widget);
  GtkWidget *dialog;

  if (self->main_view == NULL
      || !wm_main_view_has_unsaved_changes (WM_MAIN_VIEW (self->main_view)))
    {
      lock_session (self);
      return;
    }
  /* Unsaved edits are never written anywhere to survive a lock: say so first. The idle
   * lock still fires over this dialog, and then discards them (its toast warned). */
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Discard Changes and Lock?"),
                                   _("The open case has changes that are not saved. Locking "
                                     "discards them."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "lock", _("_Discard and Lock"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "lock",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (lock_confirm_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
wm_window_close_request (GtkWindow *window)
{
  WmWindow *self = WM_WINDOW (window);

  wm_window_save_state (self);
  lock_session (self);
  return GTK_WINDOW_CLASS (wm_window_parent_class)->close_request (window);
}

static void
wm_window_dispose (GObject *object)
{
  WmWindow *self = WM_WINDOW (object);

  if (self->session != NULL)
    wm_session_lock (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->idle_monitor);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wm_window_parent_class)->dispose (object);
}

static void
wm_window_class_init (WmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = wm_window_dispose;
  window_class->close_request = wm_window_close_request;

  g_type_ensure (WM_TYPE_WELCOME_PAGE);
  g_type_ensure (WM_TYPE_LOGIN_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WmWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, WmWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, WmWindow, new_enquiry_button);
  gtk_widget_class_bind_template_child (widget_class, WmWindow, lock_button);
  gtk_widget_class_bind_template_child (widget_class, WmWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, WmWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, WmWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, WmWindow, login_page);
  gtk_widget_class_bind_template_callback (widget_class, welcome_open_requested_cb);
  gtk_widget_class_bind_template_callback (widget_class, welcome_created_cb);
  gtk_widget_class_bind_template_callback (widget_class, login_unlocked_cb);
  gtk_widget_class_bind_template_callback (widget_class, login_back_cb);

  gtk_widget_class_install_action (widget_class, "win.new-enquiry", NULL, new_enquiry_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.audit-log", NULL, audit_log_action);
  gtk_widget_class_install_action (widget_class, "win.change-password", NULL,
                                   change_password_action);
  gtk_widget_class_install_action (widget_class, "win.lock", NULL, lock_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "win.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-enquiry", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "win.lock", NULL);
}

static void
wm_window_init (WmWindow *self)
{
  g_autofree char *last = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  wm_accessible_label_menu_button (self->menu_button, _("Main menu"));

  self->settings = g_settings_new (APP_ID);
  wm_window_restore_state (self);
  set_unlocked_actions (self, FALSE);

  self->idle_monitor = wm_idle_monitor_new (GTK_WINDOW (self));
  g_signal_connect (self->idle_monitor, "warning", G_CALLBACK (idle_warning_cb), self);
  g_signal_connect (self->idle_monitor, "activity", G_CALLBACK (idle_activity_cb), self);
  g_signal_connect (self->idle_monitor, "idle", G_CALLBACK (idle_cb), self);
  g_signal_connect_object (self->settings, "changed::auto-lock-minutes",
                           G_CALLBACK (auto_lock_setting_changed_cb), self, 0);

  /* Straight to the login when the last database is still there. */
  last = g_settings_get_string (self->settings, "last-database");
  if (last != NULL && *last != '\0' && g_file_test (last, G_FILE_TEST_IS_REGULAR))
    show_login (self, last);
  else
    show_welcome (self);
}

WmWindow *
wm_window_new (WmApplication *application)
{
  g_return_val_if_fail (WM_IS_APPLICATION (application), NULL);

  return g_object_new (WM_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

void
wm_window_add_toast (WmWindow   *self,
                     const char *text)
{
  g_return_if_fail (WM_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

WmSession *
wm_window_get_session (WmWindow *self)
{
  g_return_val_if_fail (WM_IS_WINDOW (self), NULL);
  return self->session;
}

GtkWidget *
wm_window_get_main_view (WmWindow *self)
{
  g_return_val_if_fail (WM_IS_WINDOW (self), NULL);
  return self->main_view;
}

void
wm_window_set_auto_lock_seconds (WmWindow *self,
                                 guint     seconds)
{
  g_return_if_fail (WM_IS_WINDOW (self));
  self->auto_lock_seconds = seconds;
  update_auto_lock (self);
}
