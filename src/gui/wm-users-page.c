/* wm-users-page.c: the administrator's user management, a page of Preferences.
 *
 * One row a user: name, username, role and state, with a menu for what can be done to them.
 * Adding a user and resetting a password derive a key from the password, which is slow on
 * purpose, so the session call runs in a worker thread while the dialog waits with a spinner.
 * The store emits ::changed from whichever thread commits, and the pages listening are GTK
 * code, so an outer transaction is opened on the main thread first: the session's own
 * transaction nests inside it, and the commit that announces the change happens back here.
 *
 * Removing a user re-keys the database (no key derivation, so it runs here, at once) and
 * shows the new recovery key once, in the page the first administrator saw it in, with the
 * warning that the old one no longer opens anything.
 *
 * The page follows WmStore::changed ("user") to stay current.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wm-accessible.h"
#include "wm-gui-util.h"
#include "wm-keyring.h"
#include "wm-password-rows.h"
#include "wm-recovery-key-page.h"
#include "wm-users-page.h"
#include "wm-vocab.h"

/* Helpers */

/* The field a core message names ("username: …" → "username"), or NULL. */
static char *
dup_message_field (const char *message)
{
  const char *colon = message != NULL ? strstr (message, ": ") : NULL;

  if (colon == NULL || colon == message)
    return NULL;
  for (const char *p = message; p < colon; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return NULL;
  return g_strndup (message, colon - message);
}

static void
set_label_message (GtkLabel   *label,
                   const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static GtkLabel *
message_label_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_add_css_class (label, "error");
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_visible (label, FALSE);
  return GTK_LABEL (label);
}

static void
show_error_dialog (GtkWidget  *widget,
                   const char *heading,
                   const char *message)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *body = message != NULL ? wm_password_rows_dup_problem (message) : NULL;
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The work the worker thread does: adding a user or resetting a password. */

typedef enum
{
  FORM_ADD,
  FORM_RESET,
} FormMode;

typedef struct
{
  FormMode mode;
  WmSession *session;
  char *username;
  char *display_name;
  char *role;
  gint64 therapist_id;
  char *password;        /* sodium memory */
  gboolean must_change;
  WmKdfStrength strength;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->session);
  g_free (job->username);
  g_free (job->display_name);
  g_free (job->role);
  g_clear_pointer (&job->password, wm_secret_string_free);
  g_free (job);
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (job->mode == FORM_ADD)
    ok = wm_session_add_user (job->session, job->username, job->display_name, job->role,
                              job->therapist_id, job->password, job->must_change,
                              job->strength, &error);
  else
    ok = wm_session_reset_password (job->session, job->username, job->password,
                                    job->must_change, job->strength, &error);
  g_clear_pointer (&job->password, wm_secret_string_free);
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* WmUserForm: the Add User and Reset Password dialogs, which share the password part. */

#define WM_TYPE_USER_FORM (wm_user_form_get_type ())
G_DECLARE_FINAL_TYPE (WmUserForm, wm_user_form, WM, USER_FORM, AdwWindow)

struct _WmUserForm
{
  AdwWindow parent_instance;

  FormMode mode;
  WmSession *session;
  char *username;              /* RESET: whose password */
  gboolean busy;
  GArray *therapist_ids;       /* gint64, parallel to the therapist choices; [0] = -1 */
  GtkWidget *page;             /* weak: where the toast goes */

  GtkWidget *cancel_button;
  GtkWidget *ok_button;
  GtkSpinner *spinner;
  GtkWidget *form_box;
  GtkWidget *username_row;
  GtkWidget *display_name_row;
  GtkWidget *role_row;
  GtkWidget *therapist_row;
  GtkLabel *identity_message;
  GtkWidget *password_row;
  GtkWidget *repeat_row;
  GtkLabel *password_message;
  GtkSwitch *must_change_switch;
};

G_DEFINE_FINAL_TYPE (WmUserForm, wm_user_form, ADW_TYPE_WINDOW)

static const char *roles[] = { "admin", "coordinator", "therapist" };

static const char *
form_text (GtkWidget *row)
{
  return row != NULL ? gtk_editable_get_text (GTK_EDITABLE (row)) : "";
}

static const char *
form_role (WmUserForm *self)
{
  guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (self->role_row));

  return i < G_N_ELEMENTS (roles) ? roles[i] : "therapist";
}

static gint64
form_therapist_id (WmUserForm *self)
{
  guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (self->therapist_row));

  if (g_strcmp0 (form_role (self), "therapist") != 0 || i >= self->therapist_ids->len)
    return -1;
  return g_array_index (self->therapist_ids, gint64, i);
}

/* The identity part (ADD only); TRUE when it may be sent. Problems show once something is
 * typed: an empty username is not yet a mistake. */
static gboolean
validate_identity (WmUserForm *self)
{
  const char *username = form_text (self->username_row);
  const char *display_name = form_text (self->display_name_row);
  GtkWidget *identity_rows[] = {
    self->username_row, self->display_name_row, self->role_row, self->therapist_row
  };
  g_autoptr(WmUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *field = NULL;
  GtkWidget *row = NULL;

  if (*username != '\0' && !wm_keyring_validate_username (username, &error))
    field = g_strdup ("username");
  else if (*username != '\0')
    {
      g_autoptr(WmUser) existing = wm_store_find_user (wm_session_get_store (self->session),
                                                       username, NULL);

      if (existing != NULL)
        {
          field = g_strdup ("username");
          /* Translators: a username may not be used twice, even after its user was removed
           * (the audit log still names them). */
          g_set_error (&error, WM_SESSION_ERROR, WM_SESSION_ERROR_EXISTS,
                       _("username: is already taken"));
        }
    }
  if (error == NULL)
    {
      /* The record's own check names the field; a placeholder stands in for an empty
       * username so the other fields are checked too. */
      user = g_object_new (WM_TYPE_USER,
                           "username", *username != '\0' ? username : "placeholder",
                           "display-name", *display_name != '\0' ? display_name : NULL,
                           "role", form_role (self),
                           "therapist-id", form_therapist_id (self),
                           NULL);
      if (!wm_user_check (user, &error))
        field = dup_message_field (error->message);
    }

  if (error != NULL)
    problem = wm_password_rows_dup_problem (error->message);
  if (g_strcmp0 (field, "therapist_id") == 0 && self->therapist_ids->len <= 1)
    {
      g_free (problem);
      problem = g_strdup (_("There are no therapist records yet: add this therapist to the "
                            "directory first"));
    }

  if (g_strcmp0 (field, "username") == 0)
    row = self->username_row;
  else if (g_strcmp0 (field, "display_name") == 0)
    row = self->display_name_row;
  else if (g_strcmp0 (field, "role") == 0)
    row = self->role_row;
  else if (g_strcmp0 (field, "therapist_id") == 0)
    row = self->therapist_row;

  for (guint i = 0; i < G_N_ELEMENTS (identity_rows); i++)
    wm_password_rows_show_problem (identity_rows[i], identity_rows[i] == row ? problem : NULL);
  set_label_message (self->identity_message, problem);

  return problem == NULL && *username != '\0';
}

static gboolean
validate_password (WmUserForm *self)
{
  const char *username = self->mode == FORM_ADD ? form_text (self->username_row)
                                                : self->username;

  return wm_password_rows_validate (self->password_row, self->repeat_row,
                                    *username != '\0' ? username : NULL, NULL,
                                    self->password_message);
}

static void
wm_user_form_update (WmUserForm *self)
{
  gboolean valid;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (self->mode == FORM_ADD)
    gtk_widget_set_visible (self->therapist_row,
                            g_strcmp0 (form_role (self), "therapist") == 0);

  /* Both run, so both parts show their problems. */
  valid = self->mode == FORM_ADD ? validate_identity (self) : TRUE;
  valid = validate_password (self) && valid;

  /* GTK 4.8 warns when a focused entry turns insensitive under the cursor: let go first. */
  if (self->busy && focus != NULL && gtk_widget_is_ancestor (focus, self->form_box))
    gtk_root_set_focus (GTK_ROOT (self), NULL);
  gtk_widget_set_sensitive (self->form_box, !self->busy);
  gtk_widget_set_sensitive (self->cancel_button, !self->busy);
  gtk_widget_set_sensitive (self->ok_button, !self->busy && valid);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->busy);
  gtk_spinner_set_spinning (self->spinner, self->busy);
}

/* The rows hold a password: cleared as the dialog goes, rather than left to the allocator. */
static void
wm_user_form_clear_passwords (WmUserForm *self)
{
  g_signal_handlers_disconnect_by_func (self->password_row, wm_user_form_update, self);
  g_signal_handlers_disconnect_by_func (self->repeat_row, wm_user_form_update, self);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->repeat_row), "");
}

static void
wm_user_form_done_cb (GObject      *source_object,
                      GAsyncResult *res,
                      gpointer      user_data)
{
  WmUserForm *self = WM_USER_FORM (source_object);
  Job *job = g_task_get_task_data (G_TASK (res));
  WmStore *store = wm_session_get_store (job->session);
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (res), &error);

  /* The outer transaction is closed whatever happened, even if the dialog is gone. */
  if (store != NULL)
    {
      if (ok)
        ok = wm_store_commit (store, &error);
      else
        wm_store_rollback (store);
    }

  self->busy = FALSE;
  wm_user_form_update (self);
  if (!ok)
    {
      g_autofree char *field = dup_message_field (error->message);
      g_autofree char *problem = wm_password_rows_dup_problem (error->message);

      /* Someone may have taken the username meanwhile; anything else goes under the
       * password, the part that was being worked on. */
      if (self->mode == FORM_ADD && g_strcmp0 (field, "username") == 0)
        {
          wm_password_rows_show_problem (self->username_row, problem);
          set_label_message (self->identity_message, problem);
        }
      else
        set_label_message (self->password_message, problem);
      return;
    }

  if (self->page != NULL)
    wm_gui_toast (self->page, self->mode == FORM_ADD ? _("User added") : _("Password reset"));
  wm_user_form_clear_passwords (self);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
wm_user_form_ok_clicked_cb (WmUserForm *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  WmStore *store = wm_session_get_store (self->session);
  Job *job;

  if (self->busy || !gtk_widget_get_sensitive (self->ok_button))
    return;

  /* Announcements of the change wait for the commit on this thread; see the top. */
  if (store == NULL || !wm_store_begin (store, &error))
    {
      const char *message = error != NULL ? error->message : _("The database is locked");
      g_autofree char *problem = wm_password_rows_dup_problem (message);

      set_label_message (self->password_message, problem);
      return;
    }

  job = g_new0 (Job, 1);
  job->mode = self->mode;
  job->session = g_object_ref (self->session);
  job->password = wm_secret_strdup (form_text (self->password_row));
  job->must_change = gtk_switch_get_active (self->must_change_switch);
  job->strength = wm_kdf_strength_default ();
  if (self->mode == FORM_ADD)
    {
      const char *display_name = form_text (self->display_name_row);

      job->username = g_strdup (form_text (self->username_row));
      job->display_name = *display_name != '\0' ? g_strdup (display_name) : NULL;
      job->role = g_strdup (form_role (self));
      job->therapist_id = form_therapist_id (self);
    }
  else
    job->username = g_strdup (self->username);

  self->busy = TRUE;
  wm_user_form_update (self);

  task = g_task_new (self, NULL, wm_user_form_done_cb, NULL);
  g_task_set_source_tag (task, wm_user_form_ok_clicked_cb);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
}

static gboolean
wm_user_form_close_request (GtkWindow *window)
{
  WmUserForm *self = WM_USER_FORM (window);

  /* The worker is using the session until it is done. */
  if (self->busy)
    return TRUE;
  wm_user_form_clear_passwords (self);
  return GTK_WINDOW_CLASS (wm_user_form_parent_class)->close_request (window);
}

static gboolean
wm_user_form_escape_cb (GtkWidget *widget,
                        GVariant  *args,
                        gpointer   user_data)
{
  gtk_window_close (GTK_WINDOW (widget));
  return TRUE;
}

static void
wm_user_form_dispose (GObject *object)
{
  WmUserForm *self = WM_USER_FORM (object);

  g_clear_weak_pointer (&self->page);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wm_user_form_parent_class)->dispose (object);
}

static void
wm_user_form_finalize (GObject *object)
{
  WmUserForm *self = WM_USER_FORM (object);

  g_free (self->username);
  g_clear_pointer (&self->therapist_ids, g_array_unref);

  G_OBJECT_CLASS (wm_user_form_parent_class)->finalize (object);
}

static void
wm_user_form_class_init (WmUserFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = wm_user_form_dispose;
  object_class->finalize = wm_user_form_finalize;
  window_class->close_request = wm_user_form_close_request;

  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, wm_user_form_escape_cb, NULL);
}

static void
wm_user_form_init (WmUserForm *self)
{
  self->therapist_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static GtkWidget *
entry_row_new (const char *title,
               gboolean    password)
{
  GtkWidget *row = password ? adw_password_entry_row_new () : adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  return row;
}

static void
load_therapists (WmUserForm    *self,
                 GtkStringList *names)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) therapists = wm_store_list_therapists (wm_session_get_store (self->session),
                                                               &error);
  gint64 none = -1;

  gtk_string_list_append (names, _("Not chosen"));
  g_array_append_val (self->therapist_ids, none);
  if (therapists == NULL)
    {
      g_warning ("Could not list therapists: %s", error->message);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (therapists); i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (therapists, i);
      g_autofree char *name = wm_therapist_dup_display_name (t);
      gint64 id = wm_record_get_id (WM_RECORD (t));

      if (!t->active)
        {
          /* Translators: a therapist no longer active in the directory. */
          g_autofree char *inactive = g_strdup_printf (_("%s (inactive)"), g_strstrip (name));

          gtk_string_list_append (names, inactive);
        }
      else
        gtk_string_list_append (names, g_strstrip (name));
      g_array_append_val (self->therapist_ids, id);
    }
}

static GtkWidget *
wm_user_form_new (GtkWidget  *page,
                  WmSession  *session,
                  FormMode    mode,
                  const char *username,
                  const char *display_name)
{
  WmUserForm *self;
  GtkRoot *root = gtk_widget_get_root (page);
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *title;
  GtkWidget *button_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *button_label;
  GtkWidget *group;
  GtkWidget *switch_row;
  GtkWidget *clamp;

  self = g_object_new (WM_TYPE_USER_FORM,
                       "title", "Waymark",
                       "modal", TRUE,
                       "transient-for", GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                       "default-width", 480,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->mode = mode;
  self->session = g_object_ref (session);
  self->username = g_strdup (username);
  g_set_weak_pointer (&self->page, page);

  /* Header: Cancel, the title, and the action with its spinner. */
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  if (mode == FORM_ADD)
    title = adw_window_title_new (_("Add User"), NULL);
  else
    title = adw_window_title_new (_("Reset Password"), display_name);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);

  self->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (gtk_window_close), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->cancel_button);

  self->ok_button = gtk_button_new ();
  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  button_label = gtk_label_new_with_mnemonic (mode == FORM_ADD ? _("_Add") : _("_Reset"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (button_label), self->ok_button);
  gtk_box_append (GTK_BOX (button_box), GTK_WIDGET (self->spinner));
  gtk_box_append (GTK_BOX (button_box), button_label);
  gtk_button_set_child (GTK_BUTTON (self->ok_button), button_box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->ok_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  mode == FORM_ADD ? _("Add") : _("Reset"), -1);
  gtk_widget_add_css_class (self->ok_button, "suggested-action");
  g_signal_connect_swapped (self->ok_button, "clicked",
                            G_CALLBACK (wm_user_form_ok_clicked_cb), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->ok_button);
  gtk_box_append (GTK_BOX (content), header);

  self->form_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (self->form_box, 18);
  gtk_widget_set_margin_bottom (self->form_box, 24);
  gtk_widget_set_margin_start (self->form_box, 18);
  gtk_widget_set_margin_end (self->form_box, 18);

  if (mode == FORM_ADD)
    {
      GtkStringList *role_names = gtk_string_list_new (NULL);
      GtkStringList *therapist_names = gtk_string_list_new (NULL);

      group = adw_preferences_group_new ();
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Account"));
      self->username_row = entry_row_new (_("Username"), FALSE);
      adw_entry_row_set_input_hints (ADW_ENTRY_ROW (self->username_row),
                                     GTK_INPUT_HINT_NO_SPELLCHECK | GTK_INPUT_HINT_LOWERCASE
                                     | GTK_INPUT_HINT_NO_EMOJI);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->username_row);
      self->display_name_row = entry_row_new (_("Display name"), FALSE);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->display_name_row);

      for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
        gtk_string_list_append (role_names, wm_vocab_label (WM_VOCAB_ROLE, roles[i]));
      self->role_row = adw_combo_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->role_row), _("Role"));
      adw_combo_row_set_model (ADW_COMBO_ROW (self->role_row), G_LIST_MODEL (role_names));
      /* The everyday role; administrators are few. */
      adw_combo_row_set_selected (ADW_COMBO_ROW (self->role_row), 1);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->role_row);
      g_object_unref (role_names);

      load_therapists (self, therapist_names);
      self->therapist_row = adw_combo_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->therapist_row),
                                     _("Therapist record"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->therapist_row),
                                   _("They see only the cases referred to this therapist"));
      adw_combo_row_set_model (ADW_COMBO_ROW (self->therapist_row),
                               G_LIST_MODEL (therapist_names));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->therapist_row);
      g_object_unref (therapist_names);

      self->identity_message = message_label_new ();
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 GTK_WIDGET (self->identity_message));
      gtk_box_append (GTK_BOX (self->form_box), group);

      g_signal_connect_swapped (self->username_row, "changed",
                                G_CALLBACK (wm_user_form_update), self);
      g_signal_connect_swapped (self->display_name_row, "changed",
                                G_CALLBACK (wm_user_form_update), self);
      g_signal_connect_swapped (self->role_row, "notify::selected",
                                G_CALLBACK (wm_user_form_update), self);
      g_signal_connect_swapped (self->therapist_row, "notify::selected",
                                G_CALLBACK (wm_user_form_update), self);
    }

  group = adw_preferences_group_new ();
  if (mode == FORM_ADD)
    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Initial Password"));
  else
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                           _("Tell them the new password in person or by "
                                             "phone, never by email."));
  self->password_row = entry_row_new (mode == FORM_ADD ? _("Password") : _("New password"), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->password_row);
  self->repeat_row = entry_row_new (_("Repeat password"), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->repeat_row);
  self->password_message = message_label_new ();
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->password_message));
  gtk_box_append (GTK_BOX (self->form_box), group);
  g_signal_connect_swapped (self->password_row, "changed",
                            G_CALLBACK (wm_user_form_update), self);
  g_signal_connect_swapped (self->repeat_row, "changed",
                            G_CALLBACK (wm_user_form_update), self);

  group = adw_preferences_group_new ();
  switch_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (switch_row),
                                 mode == FORM_ADD ? _("Must change password at first login")
                                                  : _("Must change at first login"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (switch_row),
                               _("Then only they know their password"));
  self->must_change_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_switch_set_active (self->must_change_switch, TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->must_change_switch), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->must_change_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (switch_row)),
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (switch_row), GTK_WIDGET (self->must_change_switch));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (switch_row),
                                         GTK_WIDGET (self->must_change_switch));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), switch_row);
  gtk_box_append (GTK_BOX (self->form_box), group);

  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 520);
  adw_clamp_set_child (ADW_CLAMP (clamp), self->form_box);
  gtk_box_append (GTK_BOX (content), clamp);
  adw_window_set_content (ADW_WINDOW (self), content);

  wm_user_form_update (self);
  gtk_widget_grab_focus (mode == FORM_ADD ? self->username_row : self->password_row);

  return GTK_WIDGET (self);
}

/* WmUsersPage */

struct _WmUsersPage
{
  AdwPreferencesPage parent_instance;

  WmSession *session;
  WmStore *store;
  gulong changed_id;
  GPtrArray *rows;

  /* Template widgets */
  AdwPreferencesGroup *users_group;
  GtkButton *add_button;
};

G_DEFINE_FINAL_TYPE (WmUsersPage, wm_users_page, ADW_TYPE_PREFERENCES_PAGE)

static const char *
user_name (WmUser *user)
{
  return user->display_name != NULL && *user->display_name != '\0' ? user->display_name
                                                                     : user->username;
}

static GMenuModel *
user_menu (WmUser *user)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) danger = g_menu_new ();
  g_autoptr(GMenuItem) item = NULL;

  if (user->disabled)
    item = g_menu_item_new (_("_Enable"), NULL);
  else
    item = g_menu_item_new (_("_Disable"), NULL);
  g_menu_item_set_action_and_target (item, user->disabled ? "users.enable" : "users.disable",
                                     "s", user->username);
  g_menu_append_item (menu, item);
  g_clear_object (&item);

  /* The core resets only enabled accounts: enable first. */
  if (!user->disabled)
    {
      item = g_menu_item_new (_("Reset _Password…"), NULL);
      g_menu_item_set_action_and_target (item, "users.reset-password", "s", user->username);
      g_menu_append_item (menu, item);
      g_clear_object (&item);
    }

  item = g_menu_item_new (_("_Remove…"), NULL);
  g_menu_item_set_action_and_target (item, "users.remove", "s", user->username);
  g_menu_append_item (danger, item);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (danger));

  return G_MENU_MODEL (menu);
}

static GtkWidget *
user_row_new (WmUsersPage *self,
              WmUser      *user)
{
  WmUser *me = wm_session_get_user (self->session);
  gboolean is_me = me != NULL && g_strcmp0 (me->username, user->username) == 0;
  gboolean removed = !wm_session_user_has_key (self->session, user->username);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *state = gtk_label_new (NULL);
  g_autofree char *subtitle = NULL;
  const char *role = wm_vocab_label (WM_VOCAB_ROLE, user->role);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), user_name (user));
  if (is_me)
    /* Translators: under the name of the administrator using Waymark: "jsmith · Administrator · You". */
    subtitle = g_strdup_printf (_("%s · %s · You"), user->username, role != NULL ? role : user->role);
  else
    /* Translators: under a user's name: "jsmith · Coordinator". */
    subtitle = g_strdup_printf (_("%s · %s"), user->username, role != NULL ? role : user->role);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  if (removed)
    gtk_label_set_text (GTK_LABEL (state), _("Removed"));
  else if (user->disabled)
    gtk_label_set_text (GTK_LABEL (state), _("Disabled"));
  else if (user->must_change_password)
    gtk_label_set_text (GTK_LABEL (state), _("Must change password"));
  else
    gtk_label_set_text (GTK_LABEL (state), _("Active"));
  gtk_widget_add_css_class (state, "caption");
  if (removed || user->disabled)
    gtk_widget_add_css_class (state, "dim-label");
  /* Greyed out whole only when nothing can be done any more: a disabled user's menu works. */
  if (removed)
    gtk_widget_add_css_class (row, "dim-label");
  else if (user->must_change_password)
    gtk_widget_add_css_class (state, "warning");
  else
    gtk_widget_add_css_class (state, "success");
  gtk_widget_set_valign (state, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), state);
  g_object_set_data_full (G_OBJECT (row), "username", g_strdup (user->username), g_free);
  g_object_set_data (G_OBJECT (row), "state", state);

  /* A removed user's row stays for the record; nothing can be done to it. */
  if (!removed)
    {
      g_autoptr(GMenuModel) menu = user_menu (user);
      GtkWidget *button = gtk_menu_button_new ();
      /* Translators: the accessible name of the menu button on a user's row. */
      g_autofree char *label = g_strdup_printf (_("Actions for %s"), user_name (user));

      gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
      gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), menu);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Actions"));
      wm_accessible_label_menu_button (GTK_MENU_BUTTON (button), label);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }

  return row;
}

static void
reload (WmUsersPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) users = wm_store_list_users (self->store, &error);

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->users_group, self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);

  if (users == NULL)
    {
      g_warning ("Could not list users: %s", error->message);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (users); i++)
    {
      g_autoptr(WmUser) user = g_list_model_get_item (users, i);
      GtkWidget *row = user_row_new (self, user);

      adw_preferences_group_add (self->users_group, row);
      g_ptr_array_add (self->rows, row);
    }
}

static void
on_store_changed (WmStore     *store,
                  const char  *entity,
                  gint64       id,
                  WmUsersPage *self)
{
  if (g_strcmp0 (entity, "user") == 0)
    reload (self);
}

static void
wm_users_page_add_clicked_cb (WmUsersPage *self)
{
  GtkWidget *form = wm_user_form_new (GTK_WIDGET (self), self->session, FORM_ADD, NULL, NULL);

  gtk_window_present (GTK_WINDOW (form));
}

static void
set_disabled (WmUsersPage *self,
              const char  *username,
              gboolean     disabled)
{
  g_autoptr(GError) error = NULL;

  if (!wm_session_set_user_disabled (self->session, username, disabled, &error))
    {
      show_error_dialog (GTK_WIDGET (self),
                         disabled ? _("Could Not Disable the User")
                                  : _("Could Not Enable the User"),
                         error->message);
      return;
    }
  wm_gui_toast (GTK_WIDGET (self), disabled ? _("User disabled") : _("User enabled"));
}

static void
disable_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  set_disabled (WM_USERS_PAGE (widget), g_variant_get_string (parameter, NULL),
                g_str_equal (action_name, "users.disable"));
}

static void
reset_password_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  WmUsersPage *self = WM_USERS_PAGE (widget);
  const char *username = g_variant_get_string (parameter, NULL);
  g_autoptr(WmUser) user = wm_store_find_user (self->store, username, NULL);
  GtkWidget *form;

  if (user == NULL)
    return;
  form = wm_user_form_new (widget, self->session, FORM_RESET, username, user_name (user));
  gtk_window_present (GTK_WINDOW (form));
}

static gboolean
refuse_close_cb (GtkWindow *window)
{
  return TRUE;
}

/* Shows the new recovery key once, over @parent, in the page the first administrator saw the
 * first one in. Only "I have stored it" closes it. */
static GtkWidget *
recovery_key_window_new (GtkWindow  *parent,
                         const char *key)
{
  GtkWidget *window;
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *warning = gtk_label_new (_("The database has been encrypted under a new key. "
                                        "The previous recovery key no longer opens it: "
                                        "destroy every copy of it and keep this one instead."));
  GtkWidget *page = wm_recovery_key_page_new ();

  window = g_object_new (ADW_TYPE_WINDOW,
                         "title", "Waymark",
                         "modal", TRUE,
                         "transient-for", parent,
                         "deletable", FALSE,
                         "destroy-with-parent", TRUE,
                         "default-width", 640,
                         "default-height", 770,
                         NULL);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                   adw_window_title_new (_("New Recovery Key"), NULL));
  gtk_box_append (GTK_BOX (content), header);

  gtk_label_set_wrap (GTK_LABEL (warning), TRUE);
  gtk_label_set_justify (GTK_LABEL (warning), GTK_JUSTIFY_CENTER);
  gtk_widget_set_margin_top (warning, 12);
  gtk_widget_set_margin_bottom (warning, 12);
  gtk_widget_set_margin_start (warning, 18);
  gtk_widget_set_margin_end (warning, 18);
  gtk_widget_add_css_class (warning, "warning");
  gtk_box_append (GTK_BOX (content), warning);
  gtk_box_append (GTK_BOX (content), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  gtk_widget_set_vexpand (page, TRUE);
  /* With the warning above it, the full-size status page would push "I have stored it" out of
   * sight on a laptop screen. */
  if (ADW_IS_STATUS_PAGE (adw_bin_get_child (ADW_BIN (page))))
    gtk_widget_add_css_class (adw_bin_get_child (ADW_BIN (page)), "compact");
  wm_recovery_key_page_set_key (WM_RECOVERY_KEY_PAGE (page), key);
  g_signal_connect_swapped (page, "acknowledged", G_CALLBACK (gtk_window_destroy), window);
  gtk_box_append (GTK_BOX (content), page);

  adw_window_set_content (ADW_WINDOW (window), content);
  /* Not closed by accident (Alt+F4, the window manager): the key would be lost for good. */
  g_signal_connect (window, "close-request", G_CALLBACK (refuse_close_cb), NULL);
  return window;
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    WmUsersPage      *self)
{
  const char *username = g_object_get_data (G_OBJECT (dialog), "username");
  g_autoptr(GError) error = NULL;
  g_auto(WmSecretString) key = NULL;
  GtkRoot *root;
  GtkWidget *window;

  if (!g_str_equal (response, "remove"))
    return;

  if (!wm_session_remove_user (self->session, username, &key, &error))
    {
      show_error_dialog (GTK_WIDGET (self), _("Could Not Remove the User"), error->message);
      return;
    }

  root = gtk_widget_get_root (GTK_WIDGET (self));
  window = recovery_key_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, key);
  gtk_window_present (GTK_WINDOW (window));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WmUsersPage *self = WM_USERS_PAGE (widget);
  const char *username = g_variant_get_string (parameter, NULL);
  g_autoptr(WmUser) user = wm_store_find_user (self->store, username, NULL);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog;

  if (user == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL, NULL);
  /* Translators: %s is a person's name. */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove %s?"),
                                     user_name (user));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("They will no longer be able to open the database. To make "
                                 "sure of it, the whole database is encrypted again under a "
                                 "new key, and a new recovery key is shown next, once: the "
                                 "current recovery key will no longer work. Their name stays "
                                 "in the audit log."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "username", g_strdup (username), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
wm_users_page_dispose (GObject *object)
{
  WmUsersPage *self = WM_USERS_PAGE (object);

  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->session);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_USERS_PAGE);

  G_OBJECT_CLASS (wm_users_page_parent_class)->dispose (object);
}

static void
wm_users_page_class_init (WmUsersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_users_page_dispose;

  gtk_widget_class_install_action (widget_class, "users.disable", "s", disable_action);
  gtk_widget_class_install_action (widget_class, "users.enable", "s", disable_action);
  gtk_widget_class_install_action (widget_class, "users.reset-password", "s",
                                   reset_password_action);
  gtk_widget_class_install_action (widget_class, "users.remove", "s", remove_action);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-users-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WmUsersPage, users_group);
  gtk_widget_class_bind_template_child (widget_class, WmUsersPage, add_button);
  gtk_widget_class_bind_template_callback (widget_class, wm_users_page_add_clicked_cb);
}

static void
wm_users_page_init (WmUsersPage *self)
{
  self->rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wm_users_page_new (WmSession *session)
{
  WmUsersPage *self;

  g_return_val_if_fail (WM_IS_SESSION (session), NULL);

  self = g_object_new (WM_TYPE_USERS_PAGE, NULL);
  self->session = g_object_ref (session);
  self->store = g_object_ref (wm_session_get_store (session));
  self->changed_id = g_signal_connect (self->store, "changed",
                                       G_CALLBACK (on_store_changed), self);
  reload (self);

  return GTK_WIDGET (self);
}
