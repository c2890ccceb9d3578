/* wm-login-page.c: log in to a database.
 *
 * The key derivation is slow on purpose (that is what makes guessing passwords slow), so
 * wm_session_unlock() runs in a worker thread while the form waits, insensitive, with a
 * spinner. The password is copied out of the entry into sodium memory for the thread, wiped
 * as soon as the unlock returns, and the entry is cleared whatever the outcome: a wrong
 * password leaves an empty, focused field and one plain message, and nothing else happens.
 * Only the username is remembered between runs, never the password.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "wm-keyring.h"
#include "wm-login-page.h"

struct _WmLoginPage
{
  AdwBin parent_instance;

  GSettings *settings;
  char *path;
  /* The unlock in progress, if any. */
  GCancellable *cancellable;

  /* Template widgets */
  AdwActionRow *file_row;
  GtkWidget *form_box;
  AdwEntryRow *username_row;
  AdwPasswordEntryRow *password_row;
  GtkLabel *error_label;
  GtkButton *back_button;
  GtkButton *log_in_button;
  GtkSpinner *spinner;
};

G_DEFINE_FINAL_TYPE (WmLoginPage, wm_login_page, ADW_TYPE_BIN)

enum
{
  SIGNAL_UNLOCKED,
  SIGNAL_BACK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the worker thread needs; the password is sodium memory. */
typedef struct
{
  char *path;
  char *username;
  char *password;
} UnlockData;

static void
unlock_data_free (UnlockData *data)
{
  g_free (data->path);
  g_free (data->username);
  g_clear_pointer (&data->password, wm_secret_string_free);
  g_free (data);
}

/* The worker's callback holds the page weakly: a page that goes away while a password is
 * being checked is disposed at once, which cancels the check. */
static GWeakRef *
weak_ref_new (gpointer object)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, object);
  return ref;
}

static gpointer
weak_ref_steal (GWeakRef *ref)
{
  gpointer object = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  return object;
}

static gboolean
wm_login_page_is_busy (WmLoginPage *self)
{
  return self->cancellable != NULL;
}

static void
wm_login_page_update_sensitivity (WmLoginPage *self)
{
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  gboolean busy = wm_login_page_is_busy (self);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  /* GTK 4.8 warns when a focused entry turns insensitive under the cursor: let go first. */
  if (busy && focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    gtk_root_set_focus (root, NULL);
  gtk_widget_set_sensitive (self->form_box, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->log_in_button),
                            !busy && self->path != NULL && *username != '\0' && *password != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
wm_login_page_show_error (WmLoginPage *self,
                          const char  *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);

  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->password_row), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->password_row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->password_row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                      -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->password_row), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->password_row),
                                  GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->password_row),
                                     GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

/* Focus goes where typing should start: the password when the username is known. */
static void
wm_login_page_focus_first_empty (WmLoginPage *self)
{
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));

  if (*username == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
wm_login_page_cancel (WmLoginPage *self)
{
  if (self->cancellable == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

static void
wm_login_page_unlock_thread (GTask        *task,
                             gpointer      source_object,
                             gpointer      task_data,
                             GCancellable *cancellable)
{
  UnlockData *data = task_data;
  g_autoptr(GError) error = NULL;
  WmSession *session;

  session = wm_session_unlock (data->path, data->username, data->password, &error);
  g_clear_pointer (&data->password, wm_secret_string_free);
  if (session == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, session, g_object_unref);
}

static void
wm_login_page_unlock_done_cb (GObject      *source_object,
                              GAsyncResult *res,
                              gpointer      user_data)
{
  g_autoptr(WmLoginPage) self = weak_ref_steal (user_data);
  GTask *task = G_TASK (res);
  UnlockData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = g_task_propagate_pointer (task, &error);

  /* Cancelled: the page was disposed or moved on to another file. A session that opened
   * anyway was freed, and so locked, by the task. */
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  wm_login_page_update_sensitivity (self);

  if (session == NULL)
    {
      wm_login_page_show_error (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  g_settings_set_string (self->settings, "last-username", data->username);
  g_settings_set_string (self->settings, "last-database", data->path);
  g_signal_emit (self, signals[SIGNAL_UNLOCKED], 0, session);
}

static void
wm_login_page_log_in_clicked_cb (WmLoginPage *self)
{
  g_autoptr(GTask) task = NULL;
  UnlockData *data;

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->log_in_button)))
    return;

  data = g_new0 (UnlockData, 1);
  data->path = g_strdup (self->path);
  data->username = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row)));
  g_strstrip (data->username);
  data->password = wm_secret_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));

  wm_login_page_show_error (self, NULL);
  self->cancellable = g_cancellable_new ();
  wm_login_page_update_sensitivity (self);

  task = g_task_new (NULL, self->cancellable, wm_login_page_unlock_done_cb,
                     weak_ref_new (self));
  g_task_set_source_tag (task, wm_login_page_log_in_clicked_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) unlock_data_free);
  g_task_run_in_thread (task, wm_login_page_unlock_thread);
}

static void
wm_login_page_username_activated_cb (WmLoginPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
wm_login_page_changed_cb (WmLoginPage *self)
{
  wm_login_page_update_sensitivity (self);
}

static void
wm_login_page_back_clicked_cb (WmLoginPage *self)
{
  g_signal_emit (self, signals[SIGNAL_BACK], 0);
}

static void
wm_login_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (wm_login_page_parent_class)->map (widget);

  wm_login_page_focus_first_empty (WM_LOGIN_PAGE (widget));
}

static void
wm_login_page_dispose (GObject *object)
{
  WmLoginPage *self = WM_LOGIN_PAGE (object);

  wm_login_page_cancel (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_LOGIN_PAGE);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wm_login_page_parent_class)->dispose (object);
}

static void
wm_login_page_finalize (GObject *object)
{
  WmLoginPage *self = WM_LOGIN_PAGE (object);

  g_free (self->path);

  G_OBJECT_CLASS (wm_login_page_parent_class)->finalize (object);
}

static void
wm_login_page_class_init (WmLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_login_page_dispose;
  object_class->finalize = wm_login_page_finalize;
  widget_class->map = wm_login_page_map;

  signals[SIGNAL_UNLOCKED] =
    g_signal_new ("unlocked",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, WM_TYPE_SESSION);
  signals[SIGNAL_BACK] =
    g_signal_new ("back",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WmLoginPage, file_row);
  gtk_widget_class_bind_template_child (widget_class, WmLoginPage, form_box);
  gtk_widget_class_bind_template_child (widget_class, WmLoginPage, username_row);
  gtk_widget_class_bind_template_child (widget_class, WmLoginPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, WmLoginPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, WmLoginPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, WmLoginPage, log_in_button);
  gtk_widget_class_bind_template_child (widget_class, WmLoginPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, wm_login_page_log_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_login_page_username_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_login_page_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_login_page_back_clicked_cb);
}

static void
wm_login_page_init (WmLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  wm_login_page_update_sensitivity (self);
}

GtkWidget *
wm_login_page_new (void)
{
  return g_object_new (WM_TYPE_LOGIN_PAGE, NULL);
}

void
wm_login_page_set_path (WmLoginPage *self,
                        const char  *path)
{
  g_autofree char *username = NULL;

  g_return_if_fail (WM_IS_LOGIN_PAGE (self));

  wm_login_page_cancel (self);

  if (path != self->path)
    {
      g_free (self->path);
      self->path = g_strdup (path);
    }

  if (path != NULL)
    {
      g_autofree char *basename = g_filename_display_basename (path);
      g_autofree char *folder = g_path_get_dirname (path);
      g_autofree char *display_folder = g_filename_display_name (folder);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_row), basename);
      adw_action_row_set_subtitle (self->file_row, display_folder);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_row), "");
      adw_action_row_set_subtitle (self->file_row, NULL);
    }

  username = g_settings_get_string (self->settings, "last-username");
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  wm_login_page_show_error (self, NULL);
  wm_login_page_update_sensitivity (self);

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    wm_login_page_focus_first_empty (self);
}

const char *
wm_login_page_get_path (WmLoginPage *self)
{
  g_return_val_if_fail (WM_IS_LOGIN_PAGE (self), NULL);

  return self->path;
}
