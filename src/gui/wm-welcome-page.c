/* wm-welcome-page.c: the first page: open a database, or create a new one.
 *
 * Creating runs in three steps inside the page: the start, a form (organisation, file, first
 * administrator, password), and the recovery key. The form is checked as it is typed, with
 * the same checks the core applies (wm_keyring_validate_username(), wm_password_check(),
 * wm_validate_text()), so "Create Database" is only sensitive when creating can succeed.
 * Creating derives a key on purpose slowly, so it runs in a worker thread; the password is
 * copied out of the entry into sodium memory for that thread only and wiped as soon as the
 * keyring has it. The new session is handed on only once the recovery key has been
 * acknowledged: after that it can never be shown again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wm-keyring.h"
#include "wm-password.h"
#include "wm-recovery-key-page.h"
#include "wm-validate.h"
#include "wm-welcome-page.h"

#define FILE_SUFFIX ".waymark"
#define ORGANISATION_MAX_CHARS 200
#define DISPLAY_NAME_MAX_CHARS 100

struct _WmWelcomePage
{
  AdwBin parent_instance;

  GSettings *settings;
  GCancellable *cancellable;
  char *recent_path;
  char *database_path;
  GtkFileChooserNative *chooser;
  /* Created, waiting for its recovery key to be acknowledged. */
  WmSession *session;
  gboolean creating;

  /* Template widgets */
  GtkStack *stack;
  GtkListBox *recent_list;
  AdwActionRow *recent_row;
  GtkWidget *form_box;
  AdwEntryRow *organisation_row;
  AdwActionRow *file_row;
  GtkLabel *organisation_error;
  AdwEntryRow *username_row;
  AdwEntryRow *display_name_row;
  GtkLabel *administrator_error;
  AdwPasswordEntryRow *password_row;
  AdwPasswordEntryRow *repeat_row;
  GtkLevelBar *strength_bar;
  GtkLabel *password_message;
  GtkLabel *repeat_error;
  GtkLabel *create_error;
  GtkButton *cancel_button;
  GtkButton *create_button;
  GtkSpinner *create_spinner;
  WmRecoveryKeyPage *recovery_key_page;
};

G_DEFINE_FINAL_TYPE (WmWelcomePage, wm_welcome_page, ADW_TYPE_BIN)

enum
{
  SIGNAL_OPEN_REQUESTED,
  SIGNAL_CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the worker thread needs; the password is sodium memory. */
typedef struct
{
  char *path;
  char *organisation;
  char *username;
  char *display_name;
  char *password;
  WmKdfStrength strength;
} CreateData;

typedef struct
{
  WmSession *session;
  char *recovery_key; /* sodium memory */
} CreateResult;

static void
create_data_free (CreateData *data)
{
  g_free (data->path);
  g_free (data->organisation);
  g_free (data->username);
  g_free (data->display_name);
  g_clear_pointer (&data->password, wm_secret_string_free);
  g_free (data);
}

static void
create_result_free (CreateResult *result)
{
  g_clear_object (&result->session);
  g_clear_pointer (&result->recovery_key, wm_secret_string_free);
  g_free (result);
}

/* The worker's callback holds the page weakly: the page can go away while a database is
 * being created, and the callback then only does what must be done regardless. */
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

/* "/home/sam/Documents" → "~/Documents": shorter, and the same thing to the person. */
static char *
display_folder (const char *path)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *display = g_filename_display_name (folder);
  g_autofree char *home = g_filename_display_name (g_get_home_dir ());
  gsize home_len = strlen (home);

  if (g_str_has_prefix (display, home) && (display[home_len] == '/' || display[home_len] == '\0'))
    return g_strconcat ("~", display + home_len, NULL);
  return g_steal_pointer (&display);
}

static char *
display_path (const char *path)
{
  g_autofree char *folder = display_folder (path);
  g_autofree char *basename = g_filename_display_basename (path);

  return g_build_filename (folder, basename, NULL);
}

static gboolean
database_exists (const char *path)
{
  g_autofree char *keys_path = wm_keyring_path_for (path);

  return g_file_test (path, G_FILE_TEST_EXISTS) || g_file_test (keys_path, G_FILE_TEST_EXISTS);
}

/* A free "organisation.waymark" in Documents (or the home folder without one). */
static char *
default_database_path (void)
{
  const char *folder = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);

  if (folder == NULL || !g_file_test (folder, G_FILE_TEST_IS_DIR))
    folder = g_get_home_dir ();

  for (guint i = 1; i < 100; i++)
    {
      g_autofree char *name = i == 1 ? g_strdup ("organisation" FILE_SUFFIX)
                                     : g_strdup_printf ("organisation-%u" FILE_SUFFIX, i);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      if (!database_exists (path))
        return g_steal_pointer (&path);
    }
  return g_build_filename (folder, "organisation" FILE_SUFFIX, NULL);
}

static GtkFileFilter *
database_filter_new (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Waymark Databases"));
  gtk_file_filter_add_pattern (filter, "*" FILE_SUFFIX);
  return filter;
}

/* The row's error style and accessible state; the message itself goes in the group's label. */
static void
mark_row (gpointer    row,
          const char *message)
{
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                      -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
show_messages (GtkLabel   *label,
               const char *first,
               const char *second)
{
  g_autofree char *text = NULL;

  if (first != NULL && second != NULL)
    text = g_strjoin ("\n", first, second, NULL);
  else
    text = g_strdup (first != NULL ? first : second);

  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
}

static void
show_create_error (WmWelcomePage *self,
                   const char    *message)
{
  gtk_label_set_text (self->create_error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->create_error), message != NULL);
}

/* Checks every field, shows what is wrong next to it, and returns whether creating can go
 * ahead. Blank fields only hold the button back: nobody needs to be told off for a field
 * they have not reached yet. */
static gboolean
wm_welcome_page_validate (WmWelcomePage *self)
{
  const char *organisation = gtk_editable_get_text (GTK_EDITABLE (self->organisation_row));
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));
  const char *display_name = gtk_editable_get_text (GTK_EDITABLE (self->display_name_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  const char *repeat = gtk_editable_get_text (GTK_EDITABLE (self->repeat_row));
  g_autoptr(GError) organisation_error = NULL;
  g_autoptr(GError) username_error = NULL;
  g_autoptr(GError) display_name_error = NULL;
  g_autoptr(GError) password_error = NULL;
  g_autofree char *file_error = NULL;
  const char *repeat_error = NULL;
  gboolean valid = TRUE;
  int score = 0;

  if (wm_value_is_blank (organisation))
    valid = FALSE;
  else if (!wm_validate_text ("organisation", organisation, ORGANISATION_MAX_CHARS, FALSE, TRUE,
                              &organisation_error))
    valid = FALSE;
  mark_row (self->organisation_row, organisation_error ? organisation_error->message : NULL);

  if (self->database_path == NULL)
    valid = FALSE;
  else if (database_exists (self->database_path))
    {
      file_error = g_strdup (_("file: a database of this name already exists; choose "
                               "another name"));
      valid = FALSE;
    }
  mark_row (self->file_row, file_error);
  show_messages (self->organisation_error,
                 organisation_error ? organisation_error->message : NULL, file_error);

  if (*username == '\0')
    valid = FALSE;
  else if (!wm_keyring_validate_username (username, &username_error))
    valid = FALSE;
  mark_row (self->username_row, username_error ? username_error->message : NULL);

  if (wm_value_is_blank (display_name))
    valid = FALSE;
  else if (!wm_validate_text ("display_name", display_name, DISPLAY_NAME_MAX_CHARS, FALSE, TRUE,
                              &display_name_error))
    valid = FALSE;
  mark_row (self->display_name_row, display_name_error ? display_name_error->message : NULL);
  show_messages (self->administrator_error,
                 username_error ? username_error->message : NULL,
                 display_name_error ? display_name_error->message : NULL);

  if (*password == '\0')
    {
      valid = FALSE;
      show_messages (self->password_message, NULL, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->strength_bar), FALSE);
      mark_row (self->password_row, NULL);
    }
  else if (!wm_password_check (password, username, &score, &password_error))
    {
      valid = FALSE;
      gtk_widget_add_css_class (GTK_WIDGET (self->password_message), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->password_message), "dim-label");
      show_messages (self->password_message, password_error->message, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->strength_bar), FALSE);
      mark_row (self->password_row, password_error->message);
    }
  else
    {
      const char *hint;

      if (score < 30)
        hint = _("Fair password");
      else if (score < 60)
        hint = _("Good password");
      else
        hint = _("Strong password");
      gtk_widget_remove_css_class (GTK_WIDGET (self->password_message), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->password_message), "dim-label");
      show_messages (self->password_message, hint, NULL);
      /* A sliver even at score 0, so the bar reads as a bar and not as an empty field. */
      gtk_level_bar_set_value (self->strength_bar, MAX (score, 5));
      gtk_widget_set_visible (GTK_WIDGET (self->strength_bar), TRUE);
      mark_row (self->password_row, NULL);
    }

  if (*repeat == '\0')
    valid = FALSE;
  else if (strcmp (password, repeat) != 0)
    {
      repeat_error = _("repeat password: does not match the password");
      valid = FALSE;
    }
  mark_row (self->repeat_row, repeat_error);
  show_messages (self->repeat_error, repeat_error, NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button), valid && !self->creating);
  return valid;
}

static void
clear_passwords (WmWelcomePage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->repeat_row), "");
}

static void
wm_welcome_page_set_busy (WmWelcomePage *self,
                          gboolean       busy)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  /* GTK 4.8 warns when a focused entry turns insensitive under the cursor: let go first. */
  if (busy && focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    gtk_root_set_focus (root, NULL);
  self->creating = busy;
  gtk_widget_set_sensitive (self->form_box, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->create_spinner), busy);
  gtk_spinner_set_spinning (self->create_spinner, busy);
  wm_welcome_page_validate (self);
}

/* Back to the start with an empty form, as if the page were new. */
static void
wm_welcome_page_reset (WmWelcomePage *self)
{
  clear_passwords (self);
  gtk_editable_set_text (GTK_EDITABLE (self->organisation_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->display_name_row), "");
  wm_welcome_page_set_database_path (self, NULL);
  show_create_error (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "start");
}

static void
wm_welcome_page_update_recent (WmWelcomePage *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "last-database");
  gboolean usable = *path != '\0' && g_file_test (path, G_FILE_TEST_IS_REGULAR);

  g_clear_pointer (&self->recent_path, g_free);
  if (usable)
    {
      g_autofree char *basename = g_filename_display_basename (path);
      g_autofree char *folder = display_folder (path);
      /* Translators: %s is a file name, such as "organisation.waymark". */
      g_autofree char *title = g_strdup_printf (_("Open %s"), basename);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->recent_row), title);
      adw_action_row_set_subtitle (self->recent_row, folder);
      self->recent_path = g_steal_pointer (&path);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_list), usable);
}

static void
wm_welcome_page_forget_chooser (WmWelcomePage *self)
{
  if (self->chooser == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}

static GtkWindow *
wm_welcome_page_get_window (WmWelcomePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
wm_welcome_page_create_thread (GTask        *task,
                               gpointer      source_object,
                               gpointer      task_data,
                               GCancellable *cancellable)
{
  CreateData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(WmSecretString) recovery_key = NULL;
  g_autoptr(WmSession) session = NULL;
  CreateResult *result;

  session = wm_session_create (data->path, data->organisation, data->username,
                               data->display_name, data->password, data->strength,
                               &recovery_key, &error);
  /* The keyring has what it needs: the password goes now, not when the task does. */
  g_clear_pointer (&data->password, wm_secret_string_free);
  if (session == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result = g_new0 (CreateResult, 1);
  result->session = g_steal_pointer (&session);
  result->recovery_key = g_steal_pointer (&recovery_key);
  g_task_return_pointer (task, result, (GDestroyNotify) create_result_free);
}

static void
wm_welcome_page_create_done_cb (GObject      *source_object,
                                GAsyncResult *res,
                                gpointer      user_data)
{
  g_autoptr(WmWelcomePage) self = weak_ref_steal (user_data);
  GTask *task = G_TASK (res);
  CreateData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  CreateResult *result = g_task_propagate_pointer (task, &error);
  g_autoptr(GSettings) settings = NULL;

  if (result != NULL)
    {
      /* Remembered at once, even if the page has gone meanwhile: the file exists now and
       * its administrator's password opens it. */
      settings = g_settings_new (APP_ID);
      g_settings_set_string (settings, "last-database", data->path);
      g_settings_set_string (settings, "last-username", data->username);
    }

  if (self == NULL || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_clear_pointer (&result, create_result_free);
      return;
    }

  wm_welcome_page_set_busy (self, FALSE);
  if (result == NULL)
    {
      /* A file that appeared meanwhile is shown next to the file row, by the validation. */
      if (!g_error_matches (error, WM_SESSION_ERROR, WM_SESSION_ERROR_EXISTS))
        show_create_error (self, error->message);
      return;
    }

  /* The form has done its job: empty it now rather than leave it behind the key. */
  wm_welcome_page_reset (self);
  g_set_object (&self->session, result->session);
  wm_recovery_key_page_set_key (self->recovery_key_page, result->recovery_key);
  create_result_free (result);
  gtk_stack_set_visible_child_name (self->stack, "recovery-key");
}

static void
wm_welcome_page_create_clicked_cb (WmWelcomePage *self)
{
  g_autoptr(GTask) task = NULL;
  CreateData *data;

  if (self->creating || !wm_welcome_page_validate (self))
    return;

  data = g_new0 (CreateData, 1);
  data->path = g_strdup (self->database_path);
  data->organisation = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->organisation_row)));
  data->username = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row)));
  data->display_name = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->display_name_row)));
  data->password = wm_secret_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  g_strstrip (data->organisation);
  g_strstrip (data->display_name);
  data->strength = wm_kdf_strength_default ();

  show_create_error (self, NULL);
  wm_welcome_page_set_busy (self, TRUE);

  task = g_task_new (NULL, self->cancellable, wm_welcome_page_create_done_cb,
                     weak_ref_new (self));
  g_task_set_source_tag (task, wm_welcome_page_create_clicked_cb);
  /* Cancelling cannot stop a database half-way through being created; the callback decides
   * what to keep (see wm_welcome_page_create_done_cb()). */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) create_data_free);
  g_task_run_in_thread (task, wm_welcome_page_create_thread);
}

static void
wm_welcome_page_row_activated_cb (WmWelcomePage *self)
{
  if (gtk_widget_get_sensitive (GTK_WIDGET (self->create_button)))
    wm_welcome_page_create_clicked_cb (self);
}

static void
wm_welcome_page_form_changed_cb (WmWelcomePage *self)
{
  wm_welcome_page_validate (self);
}

static void
wm_welcome_page_save_response_cb (GtkNativeDialog *dialog,
                                  int              response,
                                  gpointer         user_data)
{
  WmWelcomePage *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          /* The suffix is what "Open a Database…" filters on. */
          if (!g_str_has_suffix (path, FILE_SUFFIX))
            {
              char *with_suffix = g_strconcat (path, FILE_SUFFIX, NULL);

              g_free (path);
              path = with_suffix;
            }
          wm_welcome_page_set_database_path (self, path);
        }
    }
  wm_welcome_page_forget_chooser (self);
}

static void
wm_welcome_page_choose_clicked_cb (WmWelcomePage *self)
{
  g_autofree char *initial = self->database_path != NULL ? g_strdup (self->database_path)
                                                         : default_database_path ();
  g_autofree char *folder_path = g_path_get_dirname (initial);
  g_autofree char *name = g_path_get_basename (initial);
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
  g_autoptr(GtkFileFilter) filter = database_filter_new ();

  wm_welcome_page_forget_chooser (self);
  self->chooser = gtk_file_chooser_native_new (_("New Database File"),
                                               wm_welcome_page_get_window (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
  /* Shown with a sensible name; a file of this name, if one exists, is refused later. */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response",
                    G_CALLBACK (wm_welcome_page_save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
wm_welcome_page_open_response_cb (GtkNativeDialog *dialog,
                                  int              response,
                                  gpointer         user_data)
{
  WmWelcomePage *self = user_data;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      path = file != NULL ? g_file_get_path (file) : NULL;
    }
  wm_welcome_page_forget_chooser (self);

  if (path != NULL)
    g_signal_emit (self, signals[SIGNAL_OPEN_REQUESTED], 0, path);
}

static void
wm_welcome_page_open_clicked_cb (WmWelcomePage *self)
{
  g_autoptr(GtkFileFilter) filter = database_filter_new ();
  g_autofree char *initial = self->recent_path != NULL ? g_strdup (self->recent_path)
                                                       : default_database_path ();
  g_autofree char *folder_path = g_path_get_dirname (initial);
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);

  wm_welcome_page_forget_chooser (self);
  self->chooser = gtk_file_chooser_native_new (_("Open a Database"),
                                               wm_welcome_page_get_window (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
  g_signal_connect (self->chooser, "response",
                    G_CALLBACK (wm_welcome_page_open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
wm_welcome_page_recent_activated_cb (WmWelcomePage *self)
{
  g_autofree char *path = g_strdup (self->recent_path);

  if (path != NULL)
    g_signal_emit (self, signals[SIGNAL_OPEN_REQUESTED], 0, path);
}

static void
wm_welcome_page_create_start_clicked_cb (WmWelcomePage *self)
{
  if (self->database_path == NULL)
    {
      g_autofree char *path = default_database_path ();

      wm_welcome_page_set_database_path (self, path);
    }
  wm_welcome_page_validate (self);
  gtk_stack_set_visible_child_name (self->stack, "form");
  gtk_widget_grab_focus (GTK_WIDGET (self->organisation_row));
}

static void
wm_welcome_page_cancel_clicked_cb (WmWelcomePage *self)
{
  if (self->creating)
    return;

  wm_welcome_page_reset (self);
}

static void
wm_welcome_page_key_acknowledged_cb (WmWelcomePage *self)
{
  g_autoptr(WmSession) session = g_steal_pointer (&self->session);

  g_return_if_fail (session != NULL);

  wm_welcome_page_reset (self);
  g_signal_emit (self, signals[SIGNAL_CREATED], 0, session);
}

static void
wm_welcome_page_last_database_changed_cb (WmWelcomePage *self)
{
  wm_welcome_page_update_recent (self);
}

static void
wm_welcome_page_dispose (GObject *object)
{
  WmWelcomePage *self = WM_WELCOME_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  wm_welcome_page_forget_chooser (self);
  /* The stack is both AdwBin's child and a template child: AdwBin lets go of it first, so
   * it is unparented once. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_WELCOME_PAGE);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wm_welcome_page_parent_class)->dispose (object);
}

static void
wm_welcome_page_finalize (GObject *object)
{
  WmWelcomePage *self = WM_WELCOME_PAGE (object);

  g_clear_object (&self->cancellable);
  g_free (self->recent_path);
  g_free (self->database_path);

  G_OBJECT_CLASS (wm_welcome_page_parent_class)->finalize (object);
}

static void
wm_welcome_page_class_init (WmWelcomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_welcome_page_dispose;
  object_class->finalize = wm_welcome_page_finalize;

  signals[SIGNAL_OPEN_REQUESTED] =
    g_signal_new ("open-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_CREATED] =
    g_signal_new ("created",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, WM_TYPE_SESSION);

  g_type_ensure (WM_TYPE_RECOVERY_KEY_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-welcome-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, stack);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, recent_list);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, recent_row);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, form_box);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, organisation_row);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, file_row);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, organisation_error);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, username_row);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, display_name_row);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, administrator_error);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, password_row);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, repeat_row);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, strength_bar);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, password_message);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, repeat_error);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, create_error);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, create_button);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, create_spinner);
  gtk_widget_class_bind_template_child (widget_class, WmWelcomePage, recovery_key_page);
  gtk_widget_class_bind_template_callback (widget_class, wm_welcome_page_recent_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class,
                                           wm_welcome_page_create_start_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_welcome_page_open_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_welcome_page_form_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_welcome_page_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_welcome_page_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_welcome_page_cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_welcome_page_create_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, wm_welcome_page_key_acknowledged_cb);
}

static void
wm_welcome_page_init (WmWelcomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APP_ID);
  g_signal_connect_object (self->settings, "changed::last-database",
                           G_CALLBACK (wm_welcome_page_last_database_changed_cb), self,
                           G_CONNECT_SWAPPED);
  wm_welcome_page_update_recent (self);
  wm_welcome_page_set_database_path (self, NULL);
}

GtkWidget *
wm_welcome_page_new (void)
{
  return g_object_new (WM_TYPE_WELCOME_PAGE, NULL);
}

void
wm_welcome_page_set_database_path (WmWelcomePage *self,
                                   const char    *path)
{
  g_return_if_fail (WM_IS_WELCOME_PAGE (self));

  if (path != self->database_path)
    {
      g_free (self->database_path);
      self->database_path = g_strdup (path);
    }
  if (path != NULL)
    {
      g_autofree char *display = display_path (path);

      adw_action_row_set_subtitle (self->file_row, display);
    }
  else
    {
      adw_action_row_set_subtitle (self->file_row, _("No file chosen"));
    }
  show_create_error (self, NULL);
  wm_welcome_page_validate (self);
}

const char *
wm_welcome_page_get_database_path (WmWelcomePage *self)
{
  g_return_val_if_fail (WM_IS_WELCOME_PAGE (self), NULL);

  return self->database_path;
}
