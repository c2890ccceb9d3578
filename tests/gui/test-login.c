/* test-login.c: the welcome, recovery-key and login pages, in process.
 *
 * Real databases in a temporary directory (KDF at its minimum), the pages in a window, and
 * controls found by what is on screen, as a person or a screen reader finds them. Checks:
 * a wrong password gives exactly one inline message and nothing else; the right one unlocks
 * and remembers the username (never the password); the create form holds its button back
 * until every field is valid and says why next to the field; creating shows a recovery key
 * that really opens the file, and hands the session on only once the key is acknowledged;
 * every control on screen has a name. Needs a display: run under xvfb-run with
 * GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-keyring.h"
#include "wm-login-page.h"
#include "wm-password.h"
#include "wm-recovery-key-page.h"
#include "wm-session.h"
#include "wm-welcome-page.h"

#define PASSWORD "correct horse battery staple"
/* On screen the key is broken into four lines of four groups. */
#define KEY_PATTERN "^([0-9a-f]{4}[ \n]){15}[0-9a-f]{4}$"
/* How long a login or a new database (key derivation in a thread) may take. */
#define LOGIN_TIMEOUT_S 30

static WmApplication *app;

/* Temporary files */

static char *
create_database (const char *dir)
{
  char *path = g_build_filename (dir, "test.waymark", NULL);
  g_autoptr(WmSession) session = create_test_session (path, "Test Service", "admin",
                                                      "Alex Admin", PASSWORD, NULL);

  return path;
}

static void
reset_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_reset (settings, "last-database");
  g_settings_reset (settings, "last-username");
}

/* Widgets */

/* The text a button shows, mnemonic underscores left out. */
static gboolean
button_shows (GtkWidget  *button,
              const char *text)
{
  g_autoptr(GPtrArray) labels = find_widgets (button, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The one mapped button that shows @text. */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *text)
{
  g_autoptr(GPtrArray) buttons = find_widgets (root, GTK_TYPE_BUTTON);
  GtkWidget *found = NULL;

  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = buttons->pdata[i];

      if (GTK_IS_CHECK_BUTTON (button) || !gtk_widget_get_mapped (button))
        continue;
      if (button_shows (button, text))
        {
          g_assert_null (found);
          found = button;
        }
    }
  if (found == NULL)
    g_error ("No button “%s” on screen", text);
  return found;
}

/* The one mapped row (entry row, action row) titled @title. */
static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  g_autoptr(GPtrArray) rows = find_widgets (root, ADW_TYPE_PREFERENCES_ROW);
  GtkWidget *found = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = rows->pdata[i];

      if (!gtk_widget_get_mapped (row))
        continue;
      if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
        {
          g_assert_null (found);
          found = row;
        }
    }
  if (found == NULL)
    g_error ("No row “%s” on screen", title);
  return found;
}

static GtkWidget *
find_check_button (GtkWidget  *root,
                   const char *text)
{
  g_autoptr(GPtrArray) checks = find_widgets (root, GTK_TYPE_CHECK_BUTTON);

  for (guint i = 0; i < checks->len; i++)
    {
      if (gtk_widget_get_mapped (checks->pdata[i])
          && g_strcmp0 (gtk_check_button_get_label (checks->pdata[i]), text) == 0)
        return checks->pdata[i];
    }
  g_error ("No check button “%s” on screen", text);
}

/* The mapped label whose text is exactly @text, or NULL. */
static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  g_autoptr(GPtrArray) labels = find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      if (gtk_widget_get_mapped (labels->pdata[i])
          && g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
        return labels->pdata[i];
    }
  return NULL;
}

/* The text of the mapped label that matches @pattern, or NULL. */
static const char *
find_label_matching (GtkWidget  *root,
                     const char *pattern)
{
  g_autoptr(GPtrArray) labels = find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      const char *text = gtk_label_get_text (labels->pdata[i]);

      if (gtk_widget_get_mapped (labels->pdata[i])
          && g_regex_match_simple (pattern, text, 0, 0))
        return text;
    }
  return NULL;
}

static GtkWindow *
show_in_window (GtkWidget *page)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 800, 700);
  gtk_window_set_child (window, page);
  gtk_window_present (window);
  while (!gtk_widget_get_mapped (page))
    g_main_context_iteration (NULL, TRUE);
  return window;
}

/* As a click does it: GtkButton's activate signal only clicks after a visual delay. */
static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* Login */

typedef struct
{
  GtkWidget *root;
  WmSession *session;
  guint n_unlocked;
} LoginState;

static void
unlocked_cb (WmLoginPage *page,
             WmSession   *session,
             LoginState  *state)
{
  state->n_unlocked++;
  g_set_object (&state->session, session);
}

static gboolean
login_finished (gpointer data)
{
  LoginState *state = data;

  return state->n_unlocked > 0 || find_label (state->root, "Wrong username or password") != NULL;
}

static void
test_login_wrong_then_right (void)
{
  g_autoptr(TmpDir) dir = tmpdir_new ();
  g_autofree char *path = create_database (dir);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *page = wm_login_page_new ();
  GtkWindow *window;
  GtkWidget *username_row;
  GtkWidget *password_row;
  GtkWidget *log_in;
  GtkWidget *error;
  GtkWidget *focus;
  LoginState state = { 0 };

  reset_settings ();
  g_signal_connect (page, "unlocked", G_CALLBACK (unlocked_cb), &state);
  window = show_in_window (page);
  state.root = GTK_WIDGET (window);
  wm_login_page_set_path (WM_LOGIN_PAGE (page), path);
  g_assert_cmpstr (wm_login_page_get_path (WM_LOGIN_PAGE (page)), ==, path);

  /* The file by name, with the way back. */
  find_row (GTK_WIDGET (window), "test.waymark");
  find_button (GTK_WIDGET (window), "Choose Another…");
  g_assert_cmpuint (assert_controls_named (GTK_WIDGET (window)), >, 0);

  username_row = find_row (GTK_WIDGET (window), "Username");
  password_row = find_row (GTK_WIDGET (window), "Password");
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (password_row));
  log_in = find_button (GTK_WIDGET (window), "Log In");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (username_row)), ==, "");
  g_assert_false (gtk_widget_get_sensitive (log_in));

  gtk_editable_set_text (GTK_EDITABLE (username_row), "admin");
  gtk_editable_set_text (GTK_EDITABLE (password_row), "not the password");
  g_assert_true (gtk_widget_get_sensitive (log_in));
  click (log_in);

  /* While the key is derived the form waits. */
  g_assert_false (gtk_widget_is_sensitive (password_row));
  g_assert_false (gtk_widget_is_sensitive (log_in));

  spin_until (login_finished, &state, LOGIN_TIMEOUT_S);
  g_assert_cmpuint (state.n_unlocked, ==, 0);
  error = find_label (GTK_WIDGET (window), "Wrong username or password");
  g_assert_nonnull (error);
  g_assert_true (gtk_widget_is_visible (error));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password_row)), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (username_row)), ==, "admin");
  g_assert_true (gtk_widget_is_sensitive (password_row));
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_nonnull (focus);
  g_assert_true (focus == password_row || gtk_widget_is_ancestor (focus, password_row));
  /* Nothing remembered from a failed attempt. */
  g_assert_cmpstr (g_settings_get_string (settings, "last-username"), ==, "");

  /* The right password, with Enter in the password row. */
  gtk_editable_set_text (GTK_EDITABLE (password_row), PASSWORD);
  g_signal_emit_by_name (password_row, "entry-activated");
  spin_until (login_finished, &state, LOGIN_TIMEOUT_S);
  g_assert_cmpuint (state.n_unlocked, ==, 1);
  g_assert_true (WM_IS_SESSION (state.session));
  g_assert_cmpstr (wm_session_get_user (state.session)->username, ==, "admin");
  g_assert_true (wm_session_is_admin (state.session));
  g_assert_cmpstr (g_settings_get_string (settings, "last-username"), ==, "admin");
  g_assert_cmpstr (g_settings_get_string (settings, "last-database"), ==, path);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password_row)), ==, "");
  g_assert_null (find_label (GTK_WIDGET (window), "Wrong username or password"));

  gtk_window_destroy (window);
  g_clear_object (&state.session);

  /* Next time the username is filled in, and only the username. */
  page = wm_login_page_new ();
  window = show_in_window (page);
  wm_login_page_set_path (WM_LOGIN_PAGE (page), path);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (page, "Username"))), ==,
                   "admin");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (page, "Password"))), ==, "");
  gtk_window_destroy (window);
  reset_settings ();
}

static void
back_cb (WmLoginPage *page,
         guint       *n_back)
{
  (*n_back)++;
}

static void
test_login_back (void)
{
  g_autoptr(TmpDir) dir = tmpdir_new ();
  g_autofree char *path = create_database (dir);
  GtkWidget *page = wm_login_page_new ();
  GtkWindow *window = show_in_window (page);
  guint n_back = 0;

  g_signal_connect (page, "back", G_CALLBACK (back_cb), &n_back);
  wm_login_page_set_path (WM_LOGIN_PAGE (page), path);
  click (find_button (page, "Choose Another…"));
  g_assert_cmpuint (n_back, ==, 1);
  gtk_window_destroy (window);
}

static void
test_login_disposed_while_busy (void)
{
  g_autoptr(TmpDir) dir = tmpdir_new ();
  g_autofree char *path = create_database (dir);
  GtkWidget *page = wm_login_page_new ();
  GtkWindow *window = show_in_window (page);
  LoginState state = { 0 };

  reset_settings ();
  g_signal_connect (page, "unlocked", G_CALLBACK (unlocked_cb), &state);
  g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &page);
  wm_login_page_set_path (WM_LOGIN_PAGE (page), path);
  gtk_editable_set_text (GTK_EDITABLE (find_row (page, "Username")), "admin");
  gtk_editable_set_text (GTK_EDITABLE (find_row (page, "Password")), PASSWORD);
  click (find_button (page, "Log In"));
  gtk_window_destroy (window);

  /* The page goes at once; the worker finishes on its own, and nothing is said. */
  g_assert_null (page);
  run_for (1000);
  g_assert_cmpuint (state.n_unlocked, ==, 0);
  g_assert_null (state.session);
}

/* Welcome */

typedef struct
{
  GtkWidget *root;
  WmSession *session;
  guint n_created;
  char *open_path;
} WelcomeState;

static void
created_cb (WmWelcomePage *page,
            WmSession     *session,
            WelcomeState  *state)
{
  state->n_created++;
  g_set_object (&state->session, session);
}

static void
open_requested_cb (WmWelcomePage *page,
                   const char    *path,
                   WelcomeState  *state)
{
  g_free (state->open_path);
  state->open_path = g_strdup (path);
}

static gboolean
key_shown (gpointer data)
{
  WelcomeState *state = data;

  return find_label_matching (state->root, KEY_PATTERN) != NULL;
}

static void
test_welcome_start (void)
{
  g_autoptr(TmpDir) dir = tmpdir_new ();
  g_autofree char *path = create_database (dir);
  g_autofree char *gone = g_build_filename (dir, "gone.waymark", NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *page;
  GtkWindow *window;
  WelcomeState state = { 0 };
  GtkWidget *row;

  /* Nothing to reopen: just the two choices. */
  reset_settings ();
  page = wm_welcome_page_new ();
  window = show_in_window (page);
  g_assert_true (gtk_widget_has_css_class (find_button (page, "Create a New Database"),
                                           "suggested-action"));
  find_button (page, "Open a Database…");
  g_assert_nonnull (find_label (page, "Welcome to Waymark"));
  g_assert_null (find_label (page, "Open test.waymark"));
  g_assert_cmpuint (assert_controls_named (page), >, 0);
  gtk_window_destroy (window);

  /* A remembered file that has gone is not offered. */
  g_settings_set_string (settings, "last-database", gone);
  page = wm_welcome_page_new ();
  window = show_in_window (page);
  g_assert_null (find_label (page, "Open gone.waymark"));
  gtk_window_destroy (window);

  /* One that exists is, by name, with its folder; choosing it asks to open it. */
  g_settings_set_string (settings, "last-database", path);
  page = wm_welcome_page_new ();
  g_signal_connect (page, "open-requested", G_CALLBACK (open_requested_cb), &state);
  window = show_in_window (page);
  row = find_row (page, "Open test.waymark");
  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
  g_assert_nonnull (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  g_assert_cmpuint (assert_controls_named (page), >, 0);
  gtk_widget_activate (row);
  g_assert_cmpstr (state.open_path, ==, path);
  gtk_window_destroy (window);

  g_free (state.open_path);
  reset_settings ();
}

static void
assert_message_shown (GtkWidget  *root,
                      const char *message)
{
  if (find_label (root, message) == NULL)
    g_error ("“%s” is not on screen", message);
}

/* 79 characters, four groups of four digits a line. */
static void
assert_key_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  g_assert_cmpuint (strlen (text), ==, 79);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_true (g_regex_match_simple ("^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$",
                                         lines[i], 0, 0));
}

static void
test_welcome_create (void)
{
  g_autoptr(TmpDir) dir = tmpdir_new ();
  g_autofree char *existing = create_database (dir);
  g_autofree char *path = g_build_filename (dir, "new.waymark", NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) weak_error = NULL;
  g_autoptr(GError) username_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) recovered = NULL;
  g_autofree char *key = NULL;
  GtkWidget *page = wm_welcome_page_new ();
  GtkWindow *window;
  WelcomeState state = { 0 };
  GtkWidget *create;
  GtkWidget *username_row;
  GtkWidget *password_row;
  GtkWidget *repeat_row;
  GtkWidget *stored;
  GtkWidget *continue_button;
  GtkWidget *key_label;

  reset_settings ();
  g_signal_connect (page, "created", G_CALLBACK (created_cb), &state);
  window = show_in_window (page);
  state.root = page;

  click (find_button (page, "Create a New Database"));
  run_for (50);
  create = find_button (page, "Create Database");
  g_assert_true (gtk_widget_has_css_class (create, "suggested-action"));
  g_assert_false (gtk_widget_get_sensitive (create));
  find_button (page, "Choose…");
  /* Something sensible is offered before anyone chooses. */
  g_assert_nonnull (wm_welcome_page_get_database_path (WM_WELCOME_PAGE (page)));
  g_assert_true (g_str_has_suffix (wm_welcome_page_get_database_path (WM_WELCOME_PAGE (page)),
                                   ".waymark"));

  username_row = find_row (page, "Username");
  password_row = find_row (page, "Password");
  repeat_row = find_row (page, "Repeat Password");
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (password_row));
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (repeat_row));
  gtk_editable_set_text (GTK_EDITABLE (find_row (page, "Organisation Name")), "Test Service");
  gtk_editable_set_text (GTK_EDITABLE (find_row (page, "Your Name")), "Alex Admin");

  /* A database that exists already is refused next to the file. */
  wm_welcome_page_set_database_path (WM_WELCOME_PAGE (page), existing);
  gtk_editable_set_text (GTK_EDITABLE (username_row), "admin");
  gtk_editable_set_text (GTK_EDITABLE (password_row), PASSWORD);
  gtk_editable_set_text (GTK_EDITABLE (repeat_row), PASSWORD);
  g_assert_false (gtk_widget_get_sensitive (create));
  g_assert_true (gtk_widget_has_css_class (find_row (page, "Database File"), "error"));
  g_assert_nonnull (find_label_matching (page, "^file: .*already exists"));

  wm_welcome_page_set_database_path (WM_WELCOME_PAGE (page), path);
  g_assert_cmpstr (wm_welcome_page_get_database_path (WM_WELCOME_PAGE (page)), ==, path);
  g_assert_true (gtk_widget_get_sensitive (create));
  g_assert_false (gtk_widget_has_css_class (find_row (page, "Database File"), "error"));
  g_assert_null (find_label_matching (page, "already exists"));

  /* A username the keyring would refuse. */
  gtk_editable_set_text (GTK_EDITABLE (username_row), "Alex Admin");
  g_assert_false (wm_keyring_validate_username ("Alex Admin", &username_error));
  g_assert_false (gtk_widget_get_sensitive (create));
  assert_message_shown (page, username_error->message);
  g_assert_true (gtk_widget_has_css_class (username_row, "error"));
  gtk_editable_set_text (GTK_EDITABLE (username_row), "admin");
  g_assert_true (gtk_widget_get_sensitive (create));
  g_assert_null (find_label (page, username_error->message));
  g_assert_false (gtk_widget_has_css_class (username_row, "error"));

  /* A weak password, with libpwquality's reason. */
  g_assert_false (wm_password_check ("abc", "admin", NULL, &weak_error));
  gtk_editable_set_text (GTK_EDITABLE (password_row), "abc");
  gtk_editable_set_text (GTK_EDITABLE (repeat_row), "abc");
  g_assert_false (gtk_widget_get_sensitive (create));
  assert_message_shown (page, weak_error->message);
  g_assert_true (gtk_widget_has_css_class (password_row, "error"));

  /* A strong one, repeated wrongly. */
  g_assert_true (wm_password_check (PASSWORD, "admin", NULL, NULL));
  gtk_editable_set_text (GTK_EDITABLE (password_row), PASSWORD);
  gtk_editable_set_text (GTK_EDITABLE (repeat_row), PASSWORD "!");
  g_assert_false (gtk_widget_get_sensitive (create));
  g_assert_null (find_label (page, weak_error->message));
  assert_message_shown (page, "repeat password: does not match the password");
  g_assert_true (gtk_widget_has_css_class (repeat_row, "error"));

  /* Everything valid. */
  gtk_editable_set_text (GTK_EDITABLE (repeat_row), PASSWORD);
  g_assert_true (gtk_widget_get_sensitive (create));
  g_assert_null (find_label (page, "repeat password: does not match the password"));
  g_assert_false (gtk_widget_has_css_class (repeat_row, "error"));
  g_assert_cmpuint (assert_controls_named (page), >, 0);

  click (create);
  g_assert_false (gtk_widget_is_sensitive (password_row));
  g_assert_false (gtk_widget_get_sensitive (create));
  spin_until (key_shown, &state, LOGIN_TIMEOUT_S);

  /* The key step: nothing is handed on until the key is acknowledged. */
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (state.n_created, ==, 0);
  key = g_strdup (find_label_matching (page, KEY_PATTERN));
  assert_key_lines (key);
  g_strdelimit (key, "\n", ' ');
  g_assert_true (g_regex_match_simple ("^([0-9a-f]{4} ){15}[0-9a-f]{4}$", key, 0, 0));
  g_assert_cmpuint (strlen (key), ==, 79);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password_row)), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (repeat_row)), ==, "");
  /* The file is remembered as soon as it exists. */
  g_assert_cmpstr (g_settings_get_string (settings, "last-database"), ==, path);
  g_assert_cmpstr (g_settings_get_string (settings, "last-username"), ==, "admin");

  find_button (page, "Print…");
  stored = find_check_button (page, "I have stored the recovery key safely");
  continue_button = find_button (page, "Continue");
  g_assert_true (gtk_widget_has_css_class (continue_button, "suggested-action"));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (stored)));
  g_assert_false (gtk_widget_get_sensitive (continue_button));
  g_assert_cmpuint (assert_controls_named (page), >, 0);
  key_label = find_label (page, find_label_matching (page, KEY_PATTERN));
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (key_label)));

  gtk_check_button_set_active (GTK_CHECK_BUTTON (stored), TRUE);
  g_assert_true (gtk_widget_get_sensitive (continue_button));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (stored), FALSE);
  g_assert_false (gtk_widget_get_sensitive (continue_button));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (stored), TRUE);
  click (continue_button);

  g_assert_cmpuint (state.n_created, ==, 1);
  g_assert_true (WM_IS_SESSION (state.session));
  g_assert_cmpstr (wm_session_get_user (state.session)->username, ==, "admin");
  g_assert_cmpstr (wm_session_get_user (state.session)->display_name, ==, "Alex Admin");
  g_assert_true (wm_session_is_admin (state.session));
  /* The key is off the screen for good. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (key_label)), ==, "");
  g_assert_null (find_label_matching (GTK_WIDGET (window), "[0-9a-f]{4} [0-9a-f]{4}"));

  /* What was shown is the real recovery key. */
  g_clear_object (&state.session);
  recovered = wm_session_unlock_recovery (path, key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (recovered);

  gtk_window_destroy (window);
  reset_settings ();
}

/* PDFs hold NUL bytes, which the string functions stop at. */
static gboolean
bytes_contain (const char *data,
               gsize       len,
               const char *needle)
{
  gsize needle_len = strlen (needle);

  for (gsize i = 0; i + needle_len <= len; i++)
    {
      if (memcmp (data + i, needle, needle_len) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_recovery_key_print (void)
{
  g_autoptr(TmpDir) dir = tmpdir_new ();
  g_autofree char *pdf_path = g_build_filename (dir, "key.pdf", NULL);
  g_auto(WmSecretBytes) data_key = wm_data_key_new_random ();
  g_auto(WmSecretString) key = wm_data_key_format_recovery (data_key);
  GtkWidget *page = wm_recovery_key_page_new ();
  GtkWindow *window = show_in_window (page);
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *shown = NULL;
  gsize pdf_len = 0;

  g_assert_null (wm_recovery_key_page_create_print_operation (WM_RECOVERY_KEY_PAGE (page)));
  wm_recovery_key_page_set_key (WM_RECOVERY_KEY_PAGE (page), key);
  shown = g_strdup (find_label_matching (page, KEY_PATTERN));
  g_assert_nonnull (shown);
  assert_key_lines (shown);
  g_strdelimit (shown, "\n", ' ');
  g_assert_cmpstr (shown, ==, key);

  operation = wm_recovery_key_page_create_print_operation (WM_RECOVERY_KEY_PAGE (page));
  g_assert_nonnull (operation);
  gtk_print_operation_set_export_filename (operation, pdf_path);
  g_assert_cmpint (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT,
                                            NULL, &error),
                   ==, GTK_PRINT_OPERATION_RESULT_APPLY);
  g_assert_no_error (error);
  g_file_get_contents (pdf_path, &pdf, &pdf_len, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (pdf, "%PDF"));
  /* One page, and no title or subject in the metadata: nothing there to say what it is. */
  g_assert_true (bytes_contain (pdf, pdf_len, "/Count 1"));
  g_assert_false (bytes_contain (pdf, pdf_len, "/Title"));
  g_assert_false (bytes_contain (pdf, pdf_len, "/Subject"));

  wm_recovery_key_page_clear (WM_RECOVERY_KEY_PAGE (page));
  g_assert_null (find_label_matching (page, KEY_PATTERN));
  g_assert_null (wm_recovery_key_page_create_print_operation (WM_RECOVERY_KEY_PAGE (page)));
  g_assert_false (gtk_widget_get_sensitive (find_button (page, "Print…")));
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  app = test_application_new ();

  g_test_add_func ("/login/wrong-then-right", test_login_wrong_then_right);
  g_test_add_func ("/login/back", test_login_back);
  g_test_add_func ("/login/disposed-while-busy", test_login_disposed_while_busy);
  g_test_add_func ("/welcome/start", test_welcome_start);
  g_test_add_func ("/welcome/create", test_welcome_create);
  g_test_add_func ("/recovery-key/print", test_recovery_key_print);

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
