/* wm-password-dialog.c: a person changes their own password.
 *
 * The key derivation is slow on purpose, so wm_session_change_password() runs in a worker
 * thread while the dialog waits, insensitive, with a spinner. The store emits ::changed from
 * whichever thread commits, and every page listening is GTK code, so the dialog opens an
 * outer transaction on the main thread first: the session's own transaction nests inside it,
 * and the commit that announces the change happens back here. For the same reason the user
 * object's notifications are held until the thread is done.
 *
 * Forced (first login after an administrator set the password): no Cancel, no close button,
 * close requests are refused; only a changed password, or the window being locked and the
 * dialog destroyed, ends it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-gui-util.h"
#include "wm-keyring.h"
#include "wm-password-dialog.h"
#include "wm-password-rows.h"

struct _WmPasswordDialog
{
  AdwWindow parent_instance;

  WmSession *session;
  gboolean forced;
  gboolean busy;
  gboolean done;
  GtkWindow *parent;         /* weak: for the toast once done */

  /* Template widgets */
  AdwWindowTitle *window_title;
  GtkButton *cancel_button;
  GtkButton *change_button;
  GtkSpinner *spinner;
  GtkWidget *form_box;
  GtkLabel *forced_label;
  AdwPasswordEntryRow *current_row;
  GtkLabel *current_message;
  AdwPasswordEntryRow *new_row;
  AdwPasswordEntryRow *repeat_row;
  GtkLabel *new_message;
};

G_DEFINE_FINAL_TYPE (WmPasswordDialog, wm_password_dialog, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the worker needs; the passwords are sodium memory. */
typedef struct
{
  WmSession *session;
  char *old_password;
  char *new_password;
  WmKdfStrength strength;
} ChangeData;

static void
change_data_free (ChangeData *data)
{
  g_clear_object (&data->session);
  g_clear_pointer (&data->old_password, wm_secret_string_free);
  g_clear_pointer (&data->new_password, wm_secret_string_free);
  g_free (data);
}

/* The parent window's toast overlay: the window wraps its content in one, below
 * AdwApplicationWindow's own child, so it is looked for downwards. */
static GtkWidget *
find_toast_overlay (GtkWidget *widget)
{
  if (ADW_IS_TOAST_OVERLAY (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_toast_overlay (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Shows @message (NULL or "" for none) in @label and, with @row, on the row it is about. */
static void
show_message (GtkLabel   *label,
              GtkWidget  *row,
              const char *message)
{
  gboolean shown = message != NULL && *message != '\0';

  gtk_label_set_text (label, shown ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), shown);
  if (row != NULL)
    wm_password_rows_show_problem (row, message);
}

static const char *
row_text (AdwPasswordEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* Checks the new password as it is typed; TRUE when the form may be sent. */
static gboolean
wm_password_dialog_validate (WmPasswordDialog *self)
{
  const char *current = row_text (self->current_row);
  WmUser *user = wm_session_get_user (self->session);
  gboolean valid;

  valid = wm_password_rows_validate (GTK_WIDGET (self->new_row), GTK_WIDGET (self->repeat_row),
                                     user != NULL ? user->username : NULL, current,
                                     self->new_message);
  return valid && *current != '\0';
}

static void
wm_password_dialog_update (WmPasswordDialog *self)
{
  gboolean valid = wm_password_dialog_validate (self);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  /* GTK 4.8 warns when a focused entry turns insensitive under the cursor: let go first. */
  if (self->busy && focus != NULL && gtk_widget_is_ancestor (focus, self->form_box))
    gtk_root_set_focus (GTK_ROOT (self), NULL);
  gtk_widget_set_sensitive (self->form_box, !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->change_button), !self->busy && valid);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->busy);
  gtk_spinner_set_spinning (self->spinner, self->busy);
}

static void
wm_password_dialog_changed_cb (WmPasswordDialog *self)
{
  wm_password_dialog_update (self);
}

static void
wm_password_dialog_current_changed_cb (WmPasswordDialog *self)
{
  /* A "wrong password" message goes as soon as they start typing it again. */
  show_message (self->current_message, GTK_WIDGET (self->current_row), NULL);
  wm_password_dialog_update (self);
}

static void
wm_password_dialog_next_cb (WmPasswordDialog *self,
                            GtkWidget        *row)
{
  gtk_widget_grab_focus (row == GTK_WIDGET (self->current_row) ? GTK_WIDGET (self->new_row)
                                                                : GTK_WIDGET (self->repeat_row));
}

static void
wm_password_dialog_thread (GTask        *task,
                           gpointer      source_object,
                           gpointer      task_data,
                           GCancellable *cancellable)
{
  ChangeData *data = task_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = wm_session_change_password (data->session, data->old_password, data->new_password,
                                   data->strength, &error);
  g_clear_pointer (&data->old_password, wm_secret_string_free);
  g_clear_pointer (&data->new_password, wm_secret_string_free);
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
wm_password_dialog_done_cb (GObject      *source_object,
                            GAsyncResult *res,
                            gpointer      user_data)
{
  WmPasswordDialog *self = WM_PASSWORD_DIALOG (source_object);
  ChangeData *data = g_task_get_task_data (G_TASK (res));
  WmStore *store = wm_session_get_store (data->session);
  WmUser *user = wm_session_get_user (data->session);
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (res), &error);
  GtkWidget *overlay;

  /* The outer transaction is closed whatever happened, even if the dialog is gone. */
  if (store != NULL)
    {
      if (ok)
        ok = wm_store_commit (store, &error);
      else
        wm_store_rollback (store);
    }
  if (user != NULL)
    g_object_thaw_notify (G_OBJECT (user));

  self->busy = FALSE;
  if (!ok)
    {
      if (g_error_matches (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_WRONG_PASSWORD))
        {
          gtk_editable_set_text (GTK_EDITABLE (self->current_row), "");
          show_message (self->current_message, GTK_WIDGET (self->current_row),
                        _("The current password is wrong"));
          wm_password_dialog_update (self);
          gtk_widget_grab_focus (GTK_WIDGET (self->current_row));
        }
      else
        {
          g_autofree char *problem = wm_password_rows_dup_problem (error->message);

          wm_password_dialog_update (self);
          show_message (self->new_message, NULL, problem);
        }
      return;
    }

  self->done = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->current_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->new_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->repeat_row), "");
  overlay = self->parent != NULL ? find_toast_overlay (GTK_WIDGET (self->parent)) : NULL;
  if (overlay != NULL)
    wm_gui_toast (overlay, _("Password changed"));
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
wm_password_dialog_change_clicked_cb (WmPasswordDialog *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  WmStore *store = wm_session_get_store (self->session);
  WmUser *user = wm_session_get_user (self->session);
  ChangeData *data;

  if (self->busy || !gtk_widget_get_sensitive (GTK_WIDGET (self->change_button)))
    return;

  /* Announcements of the change wait for the commit on this thread; see the top. */
  if (store == NULL || !wm_store_begin (store, &error))
    {
      const char *message = error != NULL ? error->message : _("The database is locked");
      g_autofree char *problem = wm_password_rows_dup_problem (message);

      show_message (self->new_message, NULL, problem);
      return;
    }
  if (user != NULL)
    g_object_freeze_notify (G_OBJECT (user));

  data = g_new0 (ChangeData, 1);
  data->session = g_object_ref (self->session);
  data->old_password = wm_secret_strdup (row_text (self->current_row));
  data->new_password = wm_secret_strdup (row_text (self->new_row));
  data->strength = wm_kdf_strength_default ();

  show_message (self->current_message, GTK_WIDGET (self->current_row), NULL);
  self->busy = TRUE;
  wm_password_dialog_update (self);

  task = g_task_new (self, NULL, wm_password_dialog_done_cb, NULL);
  g_task_set_source_tag (task, wm_password_dialog_change_clicked_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) change_data_free);
  g_task_run_in_thread (task, wm_password_dialog_thread);
}

static void
wm_password_dialog_cancel_clicked_cb (WmPasswordDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
wm_password_dialog_close_request (GtkWindow *window)
{
  WmPasswordDialog *self = WM_PASSWORD_DIALOG (window);

  /* Forced: the new password is the only way on. Busy: the thread is using the session. */
  if (self->busy || (self->forced && !self->done))
    return TRUE;

  /* The rows hold passwords: cleared as the dialog goes, rather than left to the allocator. */
  gtk_editable_set_text (GTK_EDITABLE (self->current_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->new_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->repeat_row), "");

  return GTK_WINDOW_CLASS (wm_password_dialog_parent_class)->close_request (window);
}

static gboolean
wm_password_dialog_escape_cb (GtkWidget *widget,
                              GVariant  *args,
                              gpointer   user_data)
{
  gtk_window_close (GTK_WINDOW (widget));
  return TRUE;
}

static void
wm_password_dialog_dispose (GObject *object)
{
  WmPasswordDialog *self = WM_PASSWORD_DIALOG (object);

  g_clear_weak_pointer (&self->parent);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_PASSWORD_DIALOG);

  G_OBJECT_CLASS (wm_password_dialog_parent_class)->dispose (object);
}

static void
wm_password_dialog_class_init (WmPasswordDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = wm_password_dialog_dispose;
  window_class->close_request = wm_password_dialog_close_request;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /* Escape goes through close-request, so a forced dialog ignores it. */
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0,
                                wm_password_dialog_escape_cb, NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/"
                                               "wm-password-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, change_button);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, form_box);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, forced_label);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, current_row);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, current_message);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, new_row);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, repeat_row);
  gtk_widget_class_bind_template_child (widget_class, WmPasswordDialog, new_message);
  gtk_widget_class_bind_template_callback (widget_class, wm_password_dialog_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_password_dialog_current_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_password_dialog_next_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_password_dialog_change_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_password_dialog_cancel_clicked_cb);
}

static void
wm_password_dialog_init (WmPasswordDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wm_password_dialog_new (GtkWindow *parent,
                        WmSession *session,
                        gboolean   forced)
{
  WmPasswordDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (WM_IS_SESSION (session), NULL);

  self = g_object_new (WM_TYPE_PASSWORD_DIALOG,
                       "transient-for", parent,
                       "deletable", !forced,
                       NULL);
  self->session = g_object_ref (session);
  self->forced = forced;
  g_set_weak_pointer (&self->parent, parent);

  gtk_widget_set_visible (GTK_WIDGET (self->forced_label), forced);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), !forced);
  if (forced)
    {
      adw_window_title_set_title (self->window_title, _("Choose Your Own Password"));
      adw_window_title_set_subtitle (self->window_title, _("Your password is temporary"));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->current_row),
                                     _("Temporary password"));
    }
  if (forced)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    gtk_label_get_text (self->forced_label), -1);
  wm_password_dialog_update (self);

  return GTK_WIDGET (self);
}
