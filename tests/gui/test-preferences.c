/* test-preferences.c: Preferences in process: the General page drives this computer's
 * GSettings; only administrators get the Organisation and Letters pages; organisation fields
 * are checked before they are stored and a bad one changes nothing; the template editor names
 * an unknown placeholder and keeps Save off, and stores a valid edit; templates can be added
 * and (unless built in) deleted; more pages can still be added to the window.
 *
 * GSettings is the memory backend (GSETTINGS_BACKEND=memory from the test environment).
 * Needs a display: run under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-preferences-window.h"
#include "wm-session.h"
#include "wm-template-editor.h"

#define PASSWORD "correct horse battery staple"

static WmApplication *app;

typedef struct
{
  char *dir;
  char *path;
  WmSession *session;
  WmSession *coordinator;
  WmStore *store;
  GSettings *settings;
  GtkWindow *parent;
  GtkWindow *window;
} Fixture;

/* Widgets */

/* find_control(), where a preferences row also answers to its title. */
static GtkWidget *
find_field (GtkWidget  *root,
            GType       type,
            const char *label)
{
  return find_control_full (root, type, label, FIND_CONTROL_ROW_TITLE);
}

/* The page titles the window offers. */
static char *
page_titles (GtkWindow *window)
{
  g_autoptr(GPtrArray) pages = find_widgets (GTK_WIDGET (window), ADW_TYPE_PREFERENCES_PAGE);
  GString *titles = g_string_new (NULL);

  for (guint i = 0; i < pages->len; i++)
    {
      const char *title = adw_preferences_page_get_title (pages->pdata[i]);

      /* The window's own search results page has no title. */
      if (title == NULL || *title == '\0')
        continue;
      if (titles->len > 0)
        g_string_append_c (titles, ',');
      g_string_append (titles, title);
    }
  return g_string_free (titles, FALSE);
}

static void
show_page (Fixture    *f,
           const char *name)
{
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->window), name);
  flush ();
}

static char *
setting (Fixture    *f,
         const char *key)
{
  return wm_store_get_setting (f->store, key);
}

static void
set_body (GtkWidget  *editor,
          const char *text)
{
  GtkTextView *view = GTK_TEXT_VIEW (find_field (editor, GTK_TYPE_TEXT_VIEW, "Body"));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, -1);
  flush ();
}

/* The problem line the editor shows, or NULL. */
static const char *
shown_problem (GtkWidget *editor)
{
  g_autoptr(GPtrArray) labels = find_widgets (editor, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_has_css_class (labels->pdata[i], "error")
        && gtk_widget_get_mapped (labels->pdata[i]))
      return gtk_label_get_text (labels->pdata[i]);
  return NULL;
}

static GtkWidget *
open_editor (Fixture    *f,
             const char *name)
{
  GtkWidget *editor;

  if (name != NULL)
    gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.edit-template", "s", name);
  else
    gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.new-template", NULL);
  flush ();
  editor = find_one (GTK_WIDGET (f->window), WM_TYPE_TEMPLATE_EDITOR);
  wait_until_mapped (editor);
  return editor;
}

/* Fixture */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  char *recovery = NULL;

  f->dir = tmpdir_new ();
  f->path = g_build_filename (f->dir, "cases.waymark", NULL);
  f->session = create_test_session (f->path, "Harbour Light Trust", "admin", "Ada Admin", PASSWORD,
                                    &recovery);
  wm_secret_string_free (recovery);
  f->store = wm_session_get_store (f->session);
  f->settings = g_settings_new (APP_ID);
  g_settings_reset (f->settings, "online-map-tiles");
  g_settings_reset (f->settings, "auto-lock-minutes");

  f->parent = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (f->parent, "Waymark");
  gtk_window_present (f->parent);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  gtk_window_destroy (f->parent);
  flush ();
  g_clear_object (&f->coordinator);
  g_clear_object (&f->session);
  g_clear_object (&f->settings);

  tmpdir_free (f->dir);
  g_free (f->path);
}

static void
show_window (Fixture   *f,
             WmSession *session)
{
  f->window = GTK_WINDOW (wm_preferences_window_new (f->parent, session));
  g_assert_nonnull (f->window);
  gtk_window_present (f->window);
  wait_until_mapped (GTK_WIDGET (f->window));
  flush ();
}

/* Tests */

static void
test_general (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *tiles;
  GtkWidget *lock;

  show_window (f, f->session);
  g_assert_cmpstr (gtk_window_get_title (f->window), ==, "Waymark");
  tiles = find_field (GTK_WIDGET (f->window), GTK_TYPE_SWITCH, "Online map tiles");
  lock = find_field (GTK_WIDGET (f->window), GTK_TYPE_SPIN_BUTTON, "Lock after idle minutes");

  /* The controls show the settings (tiles are off in the test schema's override)... */
  g_assert_false (g_settings_get_boolean (f->settings, "online-map-tiles"));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (tiles)));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (lock)), ==,
                   g_settings_get_uint (f->settings, "auto-lock-minutes"));

  /* ...and change them. */
  gtk_switch_set_active (GTK_SWITCH (tiles), TRUE);
  flush ();
  g_assert_true (g_settings_get_boolean (f->settings, "online-map-tiles"));
  gtk_switch_set_active (GTK_SWITCH (tiles), FALSE);
  flush ();
  g_assert_false (g_settings_get_boolean (f->settings, "online-map-tiles"));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (lock), 30);
  flush ();
  g_assert_cmpuint (g_settings_get_uint (f->settings, "auto-lock-minutes"), ==, 30);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (lock), 0);
  flush ();
  g_assert_cmpuint (g_settings_get_uint (f->settings, "auto-lock-minutes"), ==, 0);
  /* The schema's range holds: no more than four hours. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (lock), 1000);
  flush ();
  g_assert_cmpuint (g_settings_get_uint (f->settings, "auto-lock-minutes"), ==, 240);

  /* A change made elsewhere shows. */
  g_settings_set_boolean (f->settings, "online-map-tiles", TRUE);
  flush ();
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (tiles)));
  g_settings_reset (f->settings, "online-map-tiles");
}

static void
test_pages_by_role (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *admin_pages = NULL;
  g_autofree char *coordinator_pages = NULL;
  g_autofree char *with_users = NULL;
  GtkWidget *users;

  show_window (f, f->session);
  admin_pages = page_titles (f->window);
  g_assert_cmpstr (admin_pages, ==, "General,Organisation,Letters");

  /* A page added afterwards (the users page is) joins the others. */
  users = adw_preferences_page_new ();
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (users), "Users");
  adw_preferences_page_set_name (ADW_PREFERENCES_PAGE (users), "users");
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (f->window), ADW_PREFERENCES_PAGE (users));
  show_page (f, "users");
  g_assert_true (gtk_widget_get_mapped (users));
  with_users = page_titles (f->window);
  g_assert_cmpstr (with_users, ==, "General,Organisation,Letters,Users");
  gtk_window_destroy (f->window);
  f->window = NULL;
  flush ();

  g_assert_true (wm_session_add_user (f->session, "cora", "Cora Ordinator", "coordinator", -1,
                                      PASSWORD, FALSE, WM_KDF_MIN, &error));
  g_assert_no_error (error);
  f->coordinator = wm_session_unlock (f->path, "cora", PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_false (wm_session_is_admin (f->coordinator));
  show_window (f, f->coordinator);
  coordinator_pages = page_titles (f->window);
  g_assert_cmpstr (coordinator_pages, ==, "General");
  find_field (GTK_WIDGET (f->window), GTK_TYPE_SWITCH, "Online map tiles");
}

static void
test_organisation (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *email = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *sensitive = NULL;
  g_autofree char *address = NULL;
  g_autofree char *name_before = setting (f, "org.name");
  GtkWidget *email_row;
  GtkWidget *phone_row;
  GtkWidget *name_row;
  GtkTextView *address_view;

  show_window (f, f->session);
  show_page (f, "organisation");
  email_row = find_field (GTK_WIDGET (f->window), ADW_TYPE_ENTRY_ROW, "E-mail");
  phone_row = find_field (GTK_WIDGET (f->window), ADW_TYPE_ENTRY_ROW, "Telephone");
  name_row = find_field (GTK_WIDGET (f->window), ADW_TYPE_ENTRY_ROW, "Organisation name");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name_row)), ==, name_before);

  /* A bad address is named under its row and stored nowhere. */
  gtk_editable_set_text (GTK_EDITABLE (email_row), "office at example");
  g_signal_emit_by_name (email_row, "apply");
  flush ();
  g_assert_true (gtk_widget_has_css_class (email_row, "error"));
  {
    g_autoptr(GPtrArray) labels = find_widgets (gtk_widget_get_parent (email_row),
                                                GTK_TYPE_LABEL);
    gboolean shown = FALSE;

    for (guint i = 0; i < labels->len; i++)
      if (gtk_widget_get_mapped (labels->pdata[i])
          && g_str_has_prefix (gtk_label_get_text (labels->pdata[i]), "E-mail: "))
        shown = TRUE;
    g_assert_true (shown);
  }
  email = setting (f, "org.email");
  g_assert_null (email);

  /* Fixed, it is stored and the problem goes. */
  gtk_editable_set_text (GTK_EDITABLE (email_row), " office@harbourlight.example ");
  flush ();
  g_assert_false (gtk_widget_has_css_class (email_row, "error"));
  g_signal_emit_by_name (email_row, "apply");
  flush ();
  email = setting (f, "org.email");
  g_assert_cmpstr (email, ==, "office@harbourlight.example");

  /* A telephone number is stored in its usual groups. */
  gtk_editable_set_text (GTK_EDITABLE (phone_row), "01134960001");
  g_signal_emit_by_name (phone_row, "apply");
  flush ();
  phone = setting (f, "org.phone");
  g_assert_cmpstr (phone, ==, "0113 496 0001");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (phone_row)), ==, "0113 496 0001");
  g_clear_pointer (&phone, g_free);
  gtk_editable_set_text (GTK_EDITABLE (phone_row), "12");
  g_signal_emit_by_name (phone_row, "apply");
  flush ();
  phone = setting (f, "org.phone");
  g_assert_cmpstr (phone, ==, "0113 496 0001");
  g_assert_true (gtk_widget_has_css_class (phone_row, "error"));

  gtk_switch_set_active (GTK_SWITCH (find_field (GTK_WIDGET (f->window), GTK_TYPE_SWITCH,
                                                 "Organisation name is sensitive")),
                         TRUE);
  flush ();
  sensitive = setting (f, "org.name_sensitive");
  g_assert_cmpstr (sensitive, ==, "yes");

  /* What was typed but not applied is kept when the window closes, if it passes. */
  address_view = GTK_TEXT_VIEW (find_field (GTK_WIDGET (f->window), GTK_TYPE_TEXT_VIEW,
                                            "Address"));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (address_view),
                            "Unit 4, Mill Yard\nLeeds\nLS1 4AB\n\n", -1);
  gtk_window_close (f->window);
  f->window = NULL;
  flush ();
  address = setting (f, "org.address");
  g_assert_cmpstr (address, ==, "Unit 4, Mill Yard\nLeeds\nLS1 4AB");
  g_clear_pointer (&phone, g_free);
  phone = setting (f, "org.phone");
  g_assert_cmpstr (phone, ==, "0113 496 0001");
}

static void
test_template_editor (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmLetterTemplate) before = wm_store_get_letter_template (f->store, "client-referral",
                                                                     &error);
  g_autoptr(WmLetterTemplate) after = NULL;
  GtkWidget *editor;
  GtkWidget *save;
  const char *problem;

  g_assert_no_error (error);
  show_window (f, f->session);
  show_page (f, "letters");
  editor = open_editor (f, "client-referral");
  save = find_field (editor, GTK_TYPE_BUTTON, "_Save");
  g_assert_false (gtk_widget_is_sensitive (save));
  g_assert_null (shown_problem (editor));

  /* An unknown placeholder is named, and Save stays off. */
  set_body (editor, "Dear {client.given_name},\n\nYour shoe size is {client.shoesize}.");
  problem = shown_problem (editor);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem, "{client.shoesize}"));
  g_assert_false (gtk_widget_is_sensitive (save));
  /* Nor does Ctrl+S (the action) store it. */
  gtk_widget_activate_action (editor, "template.save", NULL);
  flush ();
  after = wm_store_get_letter_template (f->store, "client-referral", &error);
  g_assert_cmpstr (after->body, ==, before->body);
  g_clear_pointer (&after, wm_letter_template_free);

  /* Valid again: Save stores it and the editor closes (and goes). */
  set_body (editor, "Dear {client.given_name},\n\nWe will be in touch soon.");
  g_assert_null (shown_problem (editor));
  g_assert_true (gtk_widget_is_sensitive (save));
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  g_signal_emit_by_name (save, "clicked");
  flush ();
  after = wm_store_get_letter_template (f->store, "client-referral", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after->body, ==, "Dear {client.given_name},\n\nWe will be in touch soon.");
  g_assert_true (after->builtin);
  g_clear_pointer (&after, wm_letter_template_free);

  /* Restoring the built-in text puts the original back into the fields, for Save to store. */
  while (editor != NULL)
    g_main_context_iteration (NULL, TRUE);
  editor = open_editor (f, "client-referral");
  gtk_widget_activate_action (editor, "template.restore", NULL);
  flush ();
  g_signal_emit_by_name (find_field (editor, GTK_TYPE_BUTTON, "_Save"), "clicked");
  flush ();
  after = wm_store_get_letter_template (f->store, "client-referral", &error);
  g_assert_cmpstr (after->body, ==, before->body);
  g_assert_cmpstr (after->title, ==, before->title);
}

static void
test_new_and_delete (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmLetterTemplate) stored = NULL;
  GtkWidget *editor;
  GtkWidget *name_row;
  GtkWidget *save;
  GtkListBox *list;

  show_window (f, f->session);
  show_page (f, "letters");
  list = GTK_LIST_BOX (find_field (GTK_WIDGET (f->window), GTK_TYPE_LIST_BOX,
                                   "Letter templates"));
  editor = open_editor (f, NULL);
  name_row = find_field (editor, ADW_TYPE_ENTRY_ROW, "Name");
  save = find_field (editor, GTK_TYPE_BUTTON, "_Save");
  gtk_editable_set_text (GTK_EDITABLE (find_field (editor, ADW_TYPE_ENTRY_ROW, "Title")),
                         "Thank you");
  set_body (editor, "Dear {client.given_name},\n\nThank you for calling.");

  /* A new template may not take over a stored one's name. */
  gtk_editable_set_text (GTK_EDITABLE (name_row), "client-referral");
  flush ();
  g_assert_false (gtk_widget_is_sensitive (save));
  g_assert_nonnull (strstr (shown_problem (editor), "already exists"));
  gtk_editable_set_text (GTK_EDITABLE (name_row), "Client Thanks");
  flush ();
  g_assert_false (gtk_widget_is_sensitive (save));
  g_assert_true (g_str_has_prefix (shown_problem (editor), "name: "));

  gtk_editable_set_text (GTK_EDITABLE (name_row), "client-thanks");
  flush ();
  g_assert_true (gtk_widget_is_sensitive (save));
  g_signal_emit_by_name (save, "clicked");
  flush ();
  stored = wm_store_get_letter_template (f->store, "client-thanks", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->title, ==, "Thank you");
  g_assert_false (stored->builtin);
  find_field (GTK_WIDGET (list), ADW_TYPE_ACTION_ROW, "Thank you");
  find_field (GTK_WIDGET (list), GTK_TYPE_BUTTON, "Delete “Thank you”");

  /* Built-in templates cannot be deleted: no delete button, and the action does nothing. */
  {
    g_autoptr(GPtrArray) buttons = find_widgets (GTK_WIDGET (list), GTK_TYPE_BUTTON);

    g_assert_cmpuint (buttons->len, ==, 1);
  }
  gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.delete-template", "s",
                              "client-referral");
  g_assert_null (find_dialog ());

  /* Cancel keeps it; Delete removes it. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.delete-template", "s",
                              "client-thanks");
  click_dialog_button (find_dialog (), "_Cancel");
  g_assert_null (find_dialog ());
  g_clear_pointer (&stored, wm_letter_template_free);
  stored = wm_store_get_letter_template (f->store, "client-thanks", &error);
  g_assert_no_error (error);
  g_clear_pointer (&stored, wm_letter_template_free);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.delete-template", "s",
                              "client-thanks");
  click_dialog_button (find_dialog (), "_Delete");
  g_assert_null (find_dialog ());
  stored = wm_store_get_letter_template (f->store, "client-thanks", &error);
  g_assert_null (stored);
  g_assert_nonnull (error);
  {
    g_autoptr(GPtrArray) buttons = find_widgets (GTK_WIDGET (list), GTK_TYPE_BUTTON);

    g_assert_cmpuint (buttons->len, ==, 0);
  }
}

/* What counts as a control in this window's check: fewer roles than is_control(). */
static gboolean
is_preferences_control (GtkWidget *widget)
{
  switch ((int) gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget)))
    {
    case GTK_ACCESSIBLE_ROLE_BUTTON:
    case GTK_ACCESSIBLE_ROLE_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_COMBO_BOX:
    case GTK_ACCESSIBLE_ROLE_SPIN_BUTTON:
    case GTK_ACCESSIBLE_ROLE_SWITCH:
    case GTK_ACCESSIBLE_ROLE_TEXT_BOX:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
test_controls_named (Fixture       *f,
                     gconstpointer  data)
{
  const char *pages[] = { "general", "organisation", "letters" };

  g_assert_true (wm_store_save_letter_template (f->store, "client-thanks", "Thank you",
                                                "Dear {client.given_name},", NULL));
  show_window (f, f->session);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      show_page (f, pages[i]);
      g_assert_cmpuint (assert_controls_named_full (GTK_WIDGET (f->window),
                                                    is_preferences_control), >=, 2);
    }
  assert_controls_named_full (open_editor (f, "client-referral"), is_preferences_control);
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
  ADD ("/preferences/general", test_general);
  ADD ("/preferences/pages-by-role", test_pages_by_role);
  ADD ("/preferences/organisation", test_organisation);
  ADD ("/preferences/template-editor", test_template_editor);
  ADD ("/preferences/new-and-delete", test_new_and_delete);
  ADD ("/preferences/controls-named", test_controls_named);
#undef ADD

  ret = g_test_run ();

  g_object_unref (app);

  return ret;
}
