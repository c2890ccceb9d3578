/* test-users.c: user management in process: the administrator's Users page (add, disable,
 * reset a password, remove with a new recovery key) and the dialog in which people change
 * their own password, forced or not.
 *
 * Each test gets a fresh encrypted database with its first administrator and one therapist
 * record, shows WmUsersPage in a Preferences window and drives it the way a person would:
 * rows found by their titles, buttons by their accessible names, row menus through the
 * page's actions, message dialogs through their response buttons. The key derivation runs in
 * worker threads, so the tests turn the main loop until the dialog is done, with a time
 * limit. What is checked is what the database then lets in: who can unlock it with which
 * password, and what the page shows. Needs a display: run under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-password.h"
#include "wm-password-dialog.h"
#include "wm-recovery-key-page.h"
#include "wm-session.h"
#include "wm-users-page.h"

#define ADMIN_PASSWORD "correct horse battery staple"
#define NEW_PASSWORD "plum orbit lantern ninety"
#define OTHER_PASSWORD "quiet harbour violin sixty"
#define WAIT_SECONDS 30

static WmApplication *app;

typedef struct
{
  char *dir;
  char *path;
  char *recovery_key;
  WmSession *session;
  WmStore *store;
  gint64 therapist_id;
  GtkWindow *window;
  WmUsersPage *page;
} Fixture;

/* Widgets */

/* The one preferences row under @root titled @title, or NULL. */
static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  g_autoptr(GPtrArray) rows = find_widgets (root, ADW_TYPE_PREFERENCES_ROW);
  GtkWidget *found = NULL;

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
      {
        g_assert_null (found);
        found = rows->pdata[i];
      }
  return found;
}

/* Turns the main loop until *@flag is set, failing after WAIT_SECONDS. */
static void
wait_for (gboolean *flag)
{
  wait_for_flag (flag, WAIT_SECONDS);
  flush ();
}

static void
set_flag_cb (gpointer instance,
             gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
poll_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Turns the main loop until @widget is sensitive again (a worker is done), failing after
 * WAIT_SECONDS. */
static void
wait_until_sensitive (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  guint id = g_timeout_add (20, poll_cb, NULL);

  while (!gtk_widget_is_sensitive (widget))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (id);
  flush ();
}

/* The visible toplevel of @type other than the fixture's window, or NULL. */
static GtkWindow *
find_window (Fixture *f,
             GType    type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWindow *found = NULL;

  flush ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (window != f->window && g_type_is_a (G_OBJECT_TYPE (window), type)
          && !ADW_IS_MESSAGE_DIALOG (window)
          && gtk_widget_get_visible (GTK_WIDGET (window)))
        {
          g_assert_null (found);
          found = window;
        }
    }
  return found;
}

static void
type_into (GtkWidget  *root,
           const char *row_title,
           const char *text)
{
  GtkWidget *row = find_row (root, row_title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  flush ();
}

/* The row of the page for @username: its subtitle starts with the username. */
static GtkWidget *
user_row (Fixture    *f,
          const char *username)
{
  g_autoptr(GPtrArray) rows = find_widgets (GTK_WIDGET (f->page), ADW_TYPE_ACTION_ROW);
  g_autofree char *prefix = g_strconcat (username, " · ", NULL);
  GtkWidget *found = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      const char *subtitle = adw_action_row_get_subtitle (rows->pdata[i]);

      if (subtitle != NULL && g_str_has_prefix (subtitle, prefix))
        {
          g_assert_null (found);
          found = rows->pdata[i];
        }
    }
  g_assert_nonnull (found);
  return found;
}

static gboolean
row_says (GtkWidget  *row,
          const char *text)
{
  g_autofree char *said = widget_text_if (row, gtk_widget_is_visible);
  g_auto(GStrv) lines = g_strsplit (said, "\n", -1);

  return g_strv_contains ((const char * const *) lines, text);
}

/* What wm_password_check() says about @password, as shown beside the field. */
static char *
dup_password_problem (const char *password,
                      const char *username)
{
  g_autoptr(GError) error = NULL;
  const char *problem;

  g_assert_false (wm_password_check (password, username, NULL, &error));
  problem = strstr (error->message, ": ");
  g_assert_nonnull (problem);
  problem += 2;
  return g_strdup_printf ("%c%s", g_ascii_toupper (problem[0]), problem + 1);
}

/* Database checks */

static gboolean
can_unlock (Fixture    *f,
            const char *username,
            const char *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = wm_session_unlock (f->path, username, password, &error);

  if (session != NULL)
    wm_session_lock (session);
  return session != NULL;
}

static void
add_user (Fixture    *f,
          const char *username,
          const char *role,
          const char *password,
          gboolean    must_change)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wm_session_add_user (f->session, username, "Casey Coordinator", role, -1,
                                      password, must_change, WM_KDF_MIN, &error));
  g_assert_no_error (error);
  flush ();
}

/* Fixture */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  const char *specialisms[] = { "pre-offence", NULL };

  f->dir = tmpdir_new ();
  f->path = g_build_filename (f->dir, "cases.waymark", NULL);
  f->session = create_test_session (f->path, "Example Trust", "ada", "Ada Admin", ADMIN_PASSWORD,
                                    &f->recovery_key);
  f->store = wm_session_get_store (f->session);

  g_object_set (t, "external-id", "T-ANN", "given-name", "Ann", "family-name", "Ashworth",
                "email", "ann@example.org", "town", "Harrogate",
                "latitude", 53.995, "longitude", -1.537, "specialisms", specialisms,
                "max-caseload", (gint64) 5, "registration-body", "BACP",
                "registration-number", "000000", NULL);
  wm_store_save_therapist (f->store, t, &error);
  g_assert_no_error (error);
  f->therapist_id = wm_record_get_id (WM_RECORD (t));

  f->window = GTK_WINDOW (adw_preferences_window_new ());
  gtk_window_set_title (f->window, "Waymark");
  gtk_window_set_default_size (f->window, 720, 640);
  f->page = WM_USERS_PAGE (wm_users_page_new (f->session));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (f->window),
                              ADW_PREFERENCES_PAGE (f->page));
  gtk_window_present (f->window);
  wait_until_mapped (GTK_WIDGET (f->page));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  /* Everything still open, dialogs included (a forced password dialog refuses to close). */
  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }
  flush ();
  g_clear_object (&f->session);
  g_clear_pointer (&f->recovery_key, wm_secret_string_free);

  tmpdir_free (f->dir);
  g_free (f->path);
}

/* Opens Add User… and returns the dialog. */
static GtkWindow *
open_add_dialog (Fixture *f)
{
  GtkWidget *button = find_control (GTK_WIDGET (f->page), GTK_TYPE_BUTTON, "_Add User…");
  GtkWindow *dialog;

  g_signal_emit_by_name (button, "clicked");
  dialog = find_window (f, ADW_TYPE_WINDOW);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "Waymark");
  g_assert_true (gtk_window_get_modal (dialog));
  return dialog;
}

/* Tests */

static void
test_list (Fixture       *f,
           gconstpointer  data)
{
  GtkWidget *me = user_row (f, "ada");

  g_assert_cmpstr (adw_preferences_page_get_title (ADW_PREFERENCES_PAGE (f->page)), ==, "Users");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (me)), ==, "Ada Admin");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (me)), ==,
                   "ada · Administrator · You");
  g_assert_true (row_says (me, "Active"));
  /* The row's menu button is named for the person. */
  find_control (me, GTK_TYPE_MENU_BUTTON, "Actions for Ada Admin");

  /* A user added elsewhere appears without a reload. */
  add_user (f, "casey", "coordinator", NEW_PASSWORD, TRUE);
  g_assert_true (row_says (user_row (f, "casey"), "Must change password"));
}

static void
test_add_coordinator (Fixture       *f,
                      gconstpointer  data)
{
  GtkWindow *dialog = open_add_dialog (f);
  GtkWidget *add = find_control (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "Add");
  GtkWidget *must_change = find_control (GTK_WIDGET (dialog), GTK_TYPE_SWITCH,
                                         "Must change password at first login");
  g_autoptr(WmUser) user = NULL;
  g_autoptr(WmSession) session = NULL;
  g_autoptr(GError) error = NULL;
  gboolean destroyed = FALSE;

  g_assert_false (gtk_widget_is_sensitive (add));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (must_change)));
  /* The therapist record is asked for only for the therapist role. */
  g_assert_false (gtk_widget_get_visible (find_row (GTK_WIDGET (dialog), "Therapist record")));

  type_into (GTK_WIDGET (dialog), "Username", "casey");
  type_into (GTK_WIDGET (dialog), "Display name", "Casey Coordinator");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find_row (GTK_WIDGET (dialog),
                                                                         "Role"))), ==, 1);
  type_into (GTK_WIDGET (dialog), "Password", NEW_PASSWORD);
  g_assert_false (gtk_widget_is_sensitive (add));
  type_into (GTK_WIDGET (dialog), "Repeat password", NEW_PASSWORD);
  g_assert_true (gtk_widget_is_sensitive (add));

  g_signal_connect (dialog, "destroy", G_CALLBACK (set_flag_cb), &destroyed);
  g_signal_emit_by_name (add, "clicked");
  /* Busy: nothing can be changed or sent twice while the key is derived. */
  g_assert_false (gtk_widget_is_sensitive (add));
  wait_for (&destroyed);

  user = wm_store_find_user (f->store, "casey", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->role, ==, "coordinator");
  g_assert_cmpstr (user->display_name, ==, "Casey Coordinator");
  g_assert_true (user->must_change_password);
  g_assert_true (row_says (user_row (f, "casey"), "Must change password"));

  session = wm_session_unlock (f->path, "casey", NEW_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (wm_session_must_change_password (session));
  g_assert_cmpint (wm_session_get_role (session), ==, WM_ROLE_COORDINATOR);
  wm_session_lock (session);
}

static void
test_weak_password (Fixture       *f,
                    gconstpointer  data)
{
  GtkWindow *dialog = open_add_dialog (f);
  GtkWidget *add = find_control (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "Add");
  GtkWidget *password_row = find_row (GTK_WIDGET (dialog), "Password");
  g_autofree char *short_problem = dup_password_problem ("lantern", "casey");
  g_autofree char *name_problem = NULL;
  g_autofree char *text = NULL;

  type_into (GTK_WIDGET (dialog), "Username", "casey");
  type_into (GTK_WIDGET (dialog), "Display name", "Casey Coordinator");
  type_into (GTK_WIDGET (dialog), "Password", "lantern");
  type_into (GTK_WIDGET (dialog), "Repeat password", "lantern");

  /* libpwquality's verdict, shown as they type, and no way to send it. */
  text = widget_text_if (GTK_WIDGET (dialog), gtk_widget_is_visible);
  g_assert_nonnull (strstr (text, short_problem));
  g_assert_true (gtk_widget_has_css_class (password_row, "error"));
  g_assert_false (gtk_widget_is_sensitive (add));

  /* Long enough, but it contains the username: still refused, with pwquality's reason. */
  name_problem = dup_password_problem ("casey-casey-casey", "casey");
  type_into (GTK_WIDGET (dialog), "Password", "casey-casey-casey");
  type_into (GTK_WIDGET (dialog), "Repeat password", "casey-casey-casey");
  g_clear_pointer (&text, g_free);
  text = widget_text_if (GTK_WIDGET (dialog), gtk_widget_is_visible);
  g_assert_nonnull (strstr (text, name_problem));
  g_assert_false (gtk_widget_is_sensitive (add));

  /* A good password that is repeated wrongly. */
  type_into (GTK_WIDGET (dialog), "Password", NEW_PASSWORD);
  type_into (GTK_WIDGET (dialog), "Repeat password", OTHER_PASSWORD);
  g_clear_pointer (&text, g_free);
  text = widget_text_if (GTK_WIDGET (dialog), gtk_widget_is_visible);
  g_assert_nonnull (strstr (text, "The passwords do not match"));
  g_assert_false (gtk_widget_has_css_class (password_row, "error"));
  g_assert_false (gtk_widget_is_sensitive (add));

  type_into (GTK_WIDGET (dialog), "Repeat password", NEW_PASSWORD);
  g_assert_true (gtk_widget_is_sensitive (add));

  /* A bad username names the problem next to the field. */
  type_into (GTK_WIDGET (dialog), "Username", "Casey Smith");
  g_assert_true (gtk_widget_has_css_class (find_row (GTK_WIDGET (dialog), "Username"), "error"));
  g_assert_false (gtk_widget_is_sensitive (add));
  /* So does one already taken. */
  type_into (GTK_WIDGET (dialog), "Username", "ada");
  g_clear_pointer (&text, g_free);
  text = widget_text_if (GTK_WIDGET (dialog), gtk_widget_is_visible);
  g_assert_nonnull (strstr (text, "Is already taken"));
  g_assert_false (gtk_widget_is_sensitive (add));

  /* Cancelling adds nobody. */
  gtk_window_close (dialog);
  flush ();
  g_assert_null (find_window (f, ADW_TYPE_WINDOW));
  g_assert_null (wm_store_find_user (f->store, "casey", NULL));
}

static void
test_therapist_needs_record (Fixture       *f,
                             gconstpointer  data)
{
  GtkWindow *dialog = open_add_dialog (f);
  GtkWidget *add = find_control (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "Add");
  GtkWidget *therapist_row = find_row (GTK_WIDGET (dialog), "Therapist record");
  GListModel *choices = adw_combo_row_get_model (ADW_COMBO_ROW (therapist_row));
  g_autoptr(WmUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  g_autofree char *text = NULL;
  gboolean destroyed = FALSE;

  type_into (GTK_WIDGET (dialog), "Username", "ann");
  type_into (GTK_WIDGET (dialog), "Display name", "Ann Ashworth");
  type_into (GTK_WIDGET (dialog), "Password", NEW_PASSWORD);
  type_into (GTK_WIDGET (dialog), "Repeat password", NEW_PASSWORD);
  g_assert_true (gtk_widget_is_sensitive (add));

  adw_combo_row_set_selected (ADW_COMBO_ROW (find_row (GTK_WIDGET (dialog), "Role")), 2);
  flush ();
  g_assert_true (gtk_widget_get_visible (therapist_row));
  g_assert_true (gtk_widget_has_css_class (therapist_row, "error"));
  text = widget_text_if (GTK_WIDGET (dialog), gtk_widget_is_visible);
  g_assert_nonnull (strstr (text, "A therapist user must be linked to a therapist record"));
  g_assert_false (gtk_widget_is_sensitive (add));

  /* The choices are the directory's therapists, after "Not chosen". */
  g_assert_cmpuint (g_list_model_get_n_items (choices), ==, 2);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (choices), 1), ==,
                   "Ann Ashworth");
  adw_combo_row_set_selected (ADW_COMBO_ROW (therapist_row), 1);
  flush ();
  g_assert_false (gtk_widget_has_css_class (therapist_row, "error"));
  g_assert_true (gtk_widget_is_sensitive (add));

  g_signal_connect (dialog, "destroy", G_CALLBACK (set_flag_cb), &destroyed);
  g_signal_emit_by_name (add, "clicked");
  wait_for (&destroyed);

  user = wm_store_find_user (f->store, "ann", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->role, ==, "therapist");
  g_assert_cmpint (user->therapist_id, ==, f->therapist_id);
  session = wm_session_unlock (f->path, "ann", NEW_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wm_session_get_role (session), ==, WM_ROLE_THERAPIST);
  wm_session_lock (session);
}

static void
test_disable (Fixture       *f,
              gconstpointer  data)
{
  AdwMessageDialog *dialog;
  GtkWidget *row;

  add_user (f, "casey", "coordinator", NEW_PASSWORD, FALSE);
  g_assert_true (row_says (user_row (f, "casey"), "Active"));
  g_assert_true (can_unlock (f, "casey", NEW_PASSWORD));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "users.disable", "s", "casey"));
  flush ();
  row = user_row (f, "casey");
  g_assert_true (row_says (row, "Disabled"));
  g_assert_false (can_unlock (f, "casey", NEW_PASSWORD));
  g_assert_null (find_dialog ());

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "users.enable", "s", "casey"));
  flush ();
  g_assert_true (row_says (user_row (f, "casey"), "Active"));
  g_assert_true (can_unlock (f, "casey", NEW_PASSWORD));

  /* Not yourself: the core says no, and the page says why. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "users.disable", "s", "ada"));
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==, "You cannot disable yourself");
  click_dialog_button (dialog, "_Close");
  g_assert_true (row_says (user_row (f, "ada"), "Active"));
  g_assert_true (can_unlock (f, "ada", ADMIN_PASSWORD));
}

static void
test_remove (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) key_pages = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) recovered = NULL;
  g_autoptr(WmSession) old_recovered = NULL;
  g_autofree char *key = NULL;
  AdwMessageDialog *dialog;
  GtkWindow *key_window;
  GtkWidget *row;
  gboolean destroyed = FALSE;

  add_user (f, "casey", "coordinator", NEW_PASSWORD, FALSE);

  /* Cancel changes nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "users.remove", "s", "casey"));
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  click_dialog_button (dialog, "_Cancel");
  g_assert_null (find_window (f, ADW_TYPE_WINDOW));
  g_assert_true (can_unlock (f, "casey", NEW_PASSWORD));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "users.remove", "s", "casey"));
  dialog = find_dialog ();
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "recovery key"));
  click_dialog_button (dialog, "_Remove");

  /* The new recovery key, once, with the warning about the old one. */
  key_window = find_window (f, ADW_TYPE_WINDOW);
  g_assert_nonnull (key_window);
  g_assert_cmpstr (gtk_window_get_title (key_window), ==, "Waymark");
  g_assert_false (gtk_window_get_deletable (key_window));
  key_pages = find_widgets (GTK_WIDGET (key_window), WM_TYPE_RECOVERY_KEY_PAGE);
  g_assert_cmpuint (key_pages->len, ==, 1);
  {
    g_autofree char *text = widget_text_if (GTK_WIDGET (key_window), gtk_widget_is_visible);

    g_assert_nonnull (strstr (text, "previous recovery key no longer opens it"));
  }
  labels = find_widgets (key_pages->pdata[0], GTK_TYPE_LABEL);
  for (guint i = 0; i < labels->len && key == NULL; i++)
    if (gtk_label_get_selectable (labels->pdata[i]))
      key = g_strdup (gtk_label_get_text (labels->pdata[i]));
  g_assert_nonnull (key);
  g_strdelimit (key, "\n", ' ');

  /* The new key opens the database; the old one no longer does. */
  recovered = wm_session_unlock_recovery (f->path, key, &error);
  g_assert_no_error (error);
  wm_session_lock (recovered);
  old_recovered = wm_session_unlock_recovery (f->path, f->recovery_key, &error);
  g_assert_null (old_recovered);
  g_clear_error (&error);

  /* The removed user's password opens nothing; everyone else's still does. */
  g_assert_false (can_unlock (f, "casey", NEW_PASSWORD));
  g_assert_true (can_unlock (f, "ada", ADMIN_PASSWORD));

  /* Removed: still listed, for the record, with nothing left to do to them. */
  row = user_row (f, "casey");
  g_assert_true (row_says (row, "Removed"));
  {
    g_autoptr(GPtrArray) menus = find_widgets (row, GTK_TYPE_MENU_BUTTON);

    g_assert_cmpuint (menus->len, ==, 0);
  }

  /* Only "I have stored it" lets go of the key. */
  gtk_window_close (key_window);
  flush ();
  g_assert_true (find_window (f, ADW_TYPE_WINDOW) == key_window);
  g_signal_connect (key_window, "destroy", G_CALLBACK (set_flag_cb), &destroyed);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_control (GTK_WIDGET (key_window),
                                                               GTK_TYPE_CHECK_BUTTON,
                                                               "I have stored the recovery key safely")),
                               TRUE);
  g_signal_emit_by_name (find_control (GTK_WIDGET (key_window), GTK_TYPE_BUTTON, "_Continue"),
                         "clicked");
  flush ();
  g_assert_true (destroyed);
}

static void
test_reset_password (Fixture       *f,
                     gconstpointer  data)
{
  GtkWindow *dialog;
  GtkWidget *reset;
  g_autoptr(WmSession) session = NULL;
  g_autoptr(GError) error = NULL;
  gboolean destroyed = FALSE;

  add_user (f, "casey", "coordinator", NEW_PASSWORD, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "users.reset-password", "s",
                                             "casey"));
  dialog = find_window (f, ADW_TYPE_WINDOW);
  g_assert_nonnull (dialog);
  reset = find_control (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "Reset");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (find_control (GTK_WIDGET (dialog),
                                                                  GTK_TYPE_SWITCH,
                                                                  "Must change at first login"))));

  type_into (GTK_WIDGET (dialog), "New password", "short");
  type_into (GTK_WIDGET (dialog), "Repeat password", "short");
  g_assert_false (gtk_widget_is_sensitive (reset));
  type_into (GTK_WIDGET (dialog), "New password", OTHER_PASSWORD);
  type_into (GTK_WIDGET (dialog), "Repeat password", OTHER_PASSWORD);
  g_assert_true (gtk_widget_is_sensitive (reset));

  g_signal_connect (dialog, "destroy", G_CALLBACK (set_flag_cb), &destroyed);
  g_signal_emit_by_name (reset, "clicked");
  wait_for (&destroyed);

  g_assert_false (can_unlock (f, "casey", NEW_PASSWORD));
  session = wm_session_unlock (f->path, "casey", OTHER_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (wm_session_must_change_password (session));
  wm_session_lock (session);
  g_assert_true (row_says (user_row (f, "casey"), "Must change password"));
}

static void
test_change_password (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(WmSession) casey = NULL;
  g_autoptr(WmUser) stored = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;
  GtkWidget *change;
  GtkWidget *current_row;
  g_autofree char *text = NULL;
  gboolean changed = FALSE;
  gboolean destroyed = FALSE;

  add_user (f, "casey", "coordinator", NEW_PASSWORD, TRUE);
  casey = wm_session_unlock (f->path, "casey", NEW_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (wm_session_must_change_password (casey));

  dialog = wm_password_dialog_new (f->window, casey, FALSE);
  g_signal_connect (dialog, "changed", G_CALLBACK (set_flag_cb), &changed);
  g_signal_connect (dialog, "destroy", G_CALLBACK (set_flag_cb), &destroyed);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Waymark");
  change = find_control (dialog, GTK_TYPE_BUTTON, "Change");
  current_row = find_row (dialog, "Current password");
  g_assert_false (gtk_widget_is_sensitive (change));

  /* A weak new password: pwquality's message, and no way on. */
  type_into (dialog, "Current password", NEW_PASSWORD);
  type_into (dialog, "New password", "short");
  type_into (dialog, "Repeat new password", "short");
  text = widget_text_if (dialog, gtk_widget_is_visible);
  {
    g_autofree char *problem = dup_password_problem ("short", "casey");

    g_assert_nonnull (strstr (text, problem));
  }
  g_assert_false (gtk_widget_is_sensitive (change));

  /* A wrong current password: said next to it, nothing changed. */
  type_into (dialog, "Current password", "not the password at all");
  type_into (dialog, "New password", OTHER_PASSWORD);
  type_into (dialog, "Repeat new password", OTHER_PASSWORD);
  g_assert_true (gtk_widget_is_sensitive (change));
  g_signal_emit_by_name (change, "clicked");
  g_assert_false (gtk_widget_is_sensitive (current_row));
  wait_until_sensitive (current_row);
  g_assert_true (gtk_widget_has_css_class (current_row, "error"));
  g_clear_pointer (&text, g_free);
  text = widget_text_if (dialog, gtk_widget_is_visible);
  g_assert_nonnull (strstr (text, "The current password is wrong"));
  g_assert_false (changed);
  g_assert_true (can_unlock (f, "casey", NEW_PASSWORD));
  g_assert_true (wm_session_must_change_password (casey));

  /* The right one. */
  type_into (dialog, "Current password", NEW_PASSWORD);
  g_assert_false (gtk_widget_has_css_class (current_row, "error"));
  g_assert_true (gtk_widget_is_sensitive (change));
  g_signal_emit_by_name (change, "clicked");
  wait_for (&changed);
  g_assert_true (destroyed);

  g_assert_false (can_unlock (f, "casey", NEW_PASSWORD));
  g_assert_true (can_unlock (f, "casey", OTHER_PASSWORD));
  g_assert_false (wm_session_must_change_password (casey));
  stored = wm_store_find_user (f->store, "casey", &error);
  g_assert_no_error (error);
  g_assert_false (stored->must_change_password);
  wm_session_lock (casey);
}

static void
test_forced_cannot_close (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *dialog;
  GtkWidget *optional;
  gboolean destroyed = FALSE;
  g_autofree char *text = NULL;

  dialog = wm_password_dialog_new (f->window, f->session, TRUE);
  g_signal_connect (dialog, "destroy", G_CALLBACK (set_flag_cb), &destroyed);
  gtk_window_present (GTK_WINDOW (dialog));
  flush ();

  g_assert_false (gtk_window_get_deletable (GTK_WINDOW (dialog)));
  text = widget_text_if (dialog, gtk_widget_is_visible);
  g_assert_nonnull (strstr (text, "An administrator set a temporary password for you"));
  /* No Cancel. */
  g_assert_false (gtk_widget_is_visible (find_control (dialog, GTK_TYPE_BUTTON, "_Cancel")));

  gtk_window_close (GTK_WINDOW (dialog));
  flush ();
  g_assert_false (destroyed);
  g_assert_true (gtk_widget_get_visible (dialog));

  /* Nor through the window's close action (what Escape and Alt+F4 do). */
  gtk_widget_activate_action (dialog, "window.close", NULL);
  flush ();
  g_assert_false (destroyed);
  g_assert_true (gtk_widget_get_visible (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
  flush ();

  /* The ordinary dialog, by contrast, closes. */
  destroyed = FALSE;
  optional = wm_password_dialog_new (f->window, f->session, FALSE);
  g_signal_connect (optional, "destroy", G_CALLBACK (set_flag_cb), &destroyed);
  gtk_window_present (GTK_WINDOW (optional));
  flush ();
  g_assert_true (gtk_window_get_deletable (GTK_WINDOW (optional)));
  gtk_window_close (GTK_WINDOW (optional));
  flush ();
  g_assert_true (destroyed);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  app = test_application_new ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/users/list", test_list);
  ADD ("/users/add-coordinator", test_add_coordinator);
  ADD ("/users/weak-password", test_weak_password);
  ADD ("/users/therapist-needs-record", test_therapist_needs_record);
  ADD ("/users/disable", test_disable);
  ADD ("/users/remove", test_remove);
  ADD ("/users/reset-password", test_reset_password);
  ADD ("/password/change", test_change_password);
  ADD ("/password/forced-cannot-close", test_forced_cannot_close);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
