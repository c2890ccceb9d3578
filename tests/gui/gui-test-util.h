/* gui-test-util.h: helpers shared by the in-process GTK tests (tests/gui/test-*.c).
 *
 * The tests drive widgets the way a person or a screen reader would: they walk the widget
 * tree, find controls by their accessible name, answer message dialogs through the button on
 * screen, and run the main loop until something has happened. These are the one copy of each
 * of those steps. Everything here is static inline, so a test includes what it uses and
 * nothing needs linking; names are plain (find_control, flush…) because they read as the
 * test's own words.
 *
 * Needs GTK_A11Y=test (tests/gui/meson.build sets it) for the accessible-name checks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "wm-application.h"
#include "wm-session.h"

/* The application */

/* A registered WmApplication, for the template resources and the style. Not unique, so a
 * test never hands anything to a Waymark the user has open. */
static inline WmApplication *
test_application_new (void)
{
  g_autoptr(GError) error = NULL;
  WmApplication *app = wm_application_new ();

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  return app;
}

/* Walking the widget tree */

/* Adds @widget and everything below it that is a @type to @found, in tree order. */
static inline void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *found)
{
  if (g_type_is_a (G_OBJECT_TYPE (widget), type))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, found);
}

/* Every @type at or below @root, in tree order (borrowed widgets, owned array). */
static inline GPtrArray *
find_widgets (GtkWidget *root,
              GType      type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect_widgets (root, type, found);
  return found;
}

/* The first @type at or below @root, or NULL. */
static inline GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  g_autoptr(GPtrArray) found = find_widgets (root, type);

  return found->len > 0 ? found->pdata[0] : NULL;
}

/* The only @type at or below @root; fails the test if there is none or more than one. */
static inline GtkWidget *
find_one (GtkWidget *root,
          GType      type)
{
  g_autoptr(GPtrArray) found = find_widgets (root, type);

  g_assert_cmpuint (found->len, ==, 1);
  return found->pdata[0];
}

/* Accessible names */

/* Whether a screen reader calls @widget @label (its accessible label property). */
static inline gboolean
has_accessible_label (GtkWidget  *widget,
                      const char *label)
{
  g_autofree char *actual = NULL;

  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;

  /* NULL means it matched; otherwise the actual value comes back. */
  actual = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                               GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  return actual == NULL;
}

typedef enum
{
  FIND_CONTROL_DEFAULT = 0,
  /* Only widgets on screen (mapped) count: pages keep hidden copies of some controls. */
  FIND_CONTROL_ON_SCREEN = 1 << 0,
  /* A preferences row also answers to its title (Adw 1.2 rows carry no accessible label of
   * their own). */
  FIND_CONTROL_ROW_TITLE = 1 << 1,
} FindControlFlags;

/* The one widget of @type under @root that a screen reader calls @label, or, for a button,
 * whose label reads @label; @flags widen or narrow what counts. Fails the test if there is
 * none or more than one. */
static inline GtkWidget *
find_control_full (GtkWidget        *root,
                   GType             type,
                   const char       *label,
                   FindControlFlags  flags)
{
  g_autoptr(GPtrArray) widgets = find_widgets (root, type);
  GtkWidget *found = NULL;

  for (guint i = 0; i < widgets->len; i++)
    {
      GtkWidget *widget = widgets->pdata[i];

      if ((flags & FIND_CONTROL_ON_SCREEN) && !gtk_widget_get_mapped (widget))
        continue;
      if (has_accessible_label (widget, label)
          || (GTK_IS_BUTTON (widget)
              && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
          || ((flags & FIND_CONTROL_ROW_TITLE)
              && ADW_IS_PREFERENCES_ROW (widget)
              && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)),
                            label) == 0))
        {
          g_assert_null (found);
          found = widget;
        }
    }
  if (found == NULL)
    g_error ("No %s called “%s”%s", g_type_name (type), label,
             (flags & FIND_CONTROL_ON_SCREEN) ? " on screen" : "");

  return found;
}

/* find_control_full() with the default flags. */
static inline GtkWidget *
find_control (GtkWidget  *root,
              GType       type,
              const char *label)
{
  return find_control_full (root, type, label, FIND_CONTROL_DEFAULT);
}

/* Whether @widget is something a person operates, by its accessible role. */
static inline gboolean
is_control (GtkWidget *widget)
{
  switch ((int) gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget)))
    {
    case GTK_ACCESSIBLE_ROLE_BUTTON:
    case GTK_ACCESSIBLE_ROLE_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_COMBO_BOX:
    case GTK_ACCESSIBLE_ROLE_LINK:
    case GTK_ACCESSIBLE_ROLE_RADIO:
    case GTK_ACCESSIBLE_ROLE_SEARCH_BOX:
    case GTK_ACCESSIBLE_ROLE_SLIDER:
    case GTK_ACCESSIBLE_ROLE_SPIN_BUTTON:
    case GTK_ACCESSIBLE_ROLE_SWITCH:
    case GTK_ACCESSIBLE_ROLE_TEXT_BOX:
      return TRUE;
    default:
      return FALSE;
    }
}

typedef gboolean (*ControlFilter) (GtkWidget *widget);

/* What a screen reader can reach on screen under @root must have a name to speak: a label of
 * its own or a relation to one. Fails the test naming the first control without; returns how
 * many controls (as @controls picks them) were checked, for the caller to judge. */
static inline guint
assert_controls_named_full (GtkWidget     *root,
                            ControlFilter  controls)
{
  g_autoptr(GPtrArray) widgets = find_widgets (root, GTK_TYPE_WIDGET);
  guint n_controls = 0;

  for (guint i = 0; i < widgets->len; i++)
    {
      GtkWidget *widget = widgets->pdata[i];

      if (!gtk_widget_get_mapped (widget) || !controls (widget))
        continue;

      n_controls++;
      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                             GTK_ACCESSIBLE_PROPERTY_LABEL)
          && !gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_RELATION_LABELLED_BY))
        g_error ("%s in %s has no accessible name",
                 G_OBJECT_TYPE_NAME (widget),
                 G_OBJECT_TYPE_NAME (gtk_widget_get_parent (widget)));
    }
  return n_controls;
}

/* assert_controls_named_full() over every is_control(). */
static inline guint
assert_controls_named (GtkWidget *root)
{
  return assert_controls_named_full (root, is_control);
}

/* What is shown */

/* The text of every label under @widget for which @shown holds (gtk_widget_get_visible,
 * gtk_widget_is_visible, gtk_widget_get_mapped…), each followed by a newline: what a row or
 * a page says. */
static inline char *
widget_text_if (GtkWidget *widget,
                gboolean (*shown) (GtkWidget *widget))
{
  g_autoptr(GPtrArray) labels = find_widgets (widget, GTK_TYPE_LABEL);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < labels->len; i++)
    {
      if (!shown (labels->pdata[i]))
        continue;
      g_string_append (text, gtk_label_get_text (labels->pdata[i]));
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

/* widget_text_if() over the labels that are themselves visible. */
static inline char *
widget_text (GtkWidget *widget)
{
  return widget_text_if (widget, gtk_widget_get_visible);
}

/* The main loop */

/* Runs whatever is ready to run, without waiting. */
static inline void
flush (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* Runs the main loop until @widget is on screen. */
static inline void
wait_until_mapped (GtkWidget *widget)
{
  while (!gtk_widget_get_mapped (widget))
    g_main_context_iteration (NULL, TRUE);
}

/* A GSourceFunc that sets the gboolean at @flag and runs once: the end of a timeout. */
static inline gboolean
timed_out_cb (gpointer flag)
{
  *(gboolean *) flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms milliseconds: for what takes time of its own (animations,
 * debounced searches, idle timers). */
static inline void
run_for (guint ms)
{
  gboolean timed_out = FALSE;

  g_timeout_add (ms, timed_out_cb, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @condition holds for @data; fails the test after @timeout_s
 * seconds without. */
static inline void
spin_until (Condition condition,
            gpointer  data,
            guint     timeout_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, timed_out_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
}

/* Runs the main loop until the gboolean at @flag is set (by a signal handler, say); fails
 * the test after @timeout_s seconds without. */
static inline void
wait_for_flag (gboolean *flag,
               guint     timeout_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, timed_out_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_true (*flag);
}

/* Windows and message dialogs */

/* A window of @type that is transient for @parent, or NULL. */
static inline GtkWindow *
find_transient_window (GtkWindow *parent,
                       GType      type)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (gtk_window_get_transient_for (window) == parent
          && g_type_is_a (G_OBJECT_TYPE (window), type))
        return window;
    }
  return NULL;
}

/* The message dialog on screen, if any; fails the test if there are two. */
static inline AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  AdwMessageDialog *found = NULL;

  flush ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        {
          g_assert_null (found);
          found = ADW_MESSAGE_DIALOG (window);
        }
    }
  return found;
}

/* The response button of @dialog showing @label, once the dialog is on screen. (The dialog
 * keeps its buttons twice, for a wide and a narrow layout; the one on screen counts.) */
static inline GtkWidget *
dialog_button (AdwMessageDialog *dialog,
               const char       *label)
{
  g_autoptr(GPtrArray) buttons = NULL;
  GtkWidget *button = NULL;

  g_assert_nonnull (dialog);
  wait_until_mapped (GTK_WIDGET (dialog));
  buttons = find_widgets (GTK_WIDGET (dialog), GTK_TYPE_BUTTON);
  for (guint i = 0; i < buttons->len; i++)
    if (gtk_widget_get_mapped (buttons->pdata[i])
        && g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      {
        g_assert_null (button);
        button = buttons->pdata[i];
      }
  g_assert_nonnull (button);
  return button;
}

/* Clicks the button of @dialog showing @label and lets the response run. */
static inline void
click_dialog_button (AdwMessageDialog *dialog,
                     const char       *label)
{
  g_signal_emit_by_name (dialog_button (dialog, label), "clicked");
  flush ();
}

/* Answers @dialog the way a click would, through the button showing @label, which must be
 * sensitive; afterwards no message dialog is left on screen. */
static inline void
answer_dialog (AdwMessageDialog *dialog,
               const char       *label)
{
  GtkWidget *button = dialog_button (dialog, label);

  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  flush ();
  g_assert_null (find_dialog ());
}

/* Test data */

/* Saves a therapist to @store who passes every compliance check (registration and insurance
 * valid for a year, DBS checked, training done), offering @specialisms_text (";"-separated)
 * from @town; returns the new id. */
static inline gint64
add_test_therapist (WmStore    *store,
                    const char *external_id,
                    const char *given_name,
                    const char *family_name,
                    const char *town,
                    double      latitude,
                    double      longitude,
                    const char *specialisms_text,
                    gint64      max_caseload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  g_auto(GStrv) specialisms = g_strsplit (specialisms_text, ";", -1);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) next_year = g_date_time_add_years (now, 1);
  g_autoptr(GDateTime) last_year = g_date_time_add_years (now, -1);
  g_autofree char *expires = g_date_time_format (next_year, "%Y-%m-%d");
  g_autofree char *checked = g_date_time_format (last_year, "%Y-%m-%d");

  g_object_set (t,
                "external-id", external_id,
                "given-name", given_name,
                "family-name", family_name,
                "email", "therapist@example.org",
                "town", town,
                "latitude", latitude,
                "longitude", longitude,
                "specialisms", specialisms,
                "max-caseload", max_caseload,
                "registration-body", "BACP",
                "registration-number", "000000",
                "registration-expires", expires,
                "insurance-expires", expires,
                "dbs-checked", checked,
                "training-completed", TRUE,
                NULL);
  g_assert_true (wm_store_save_therapist (store, t, &error));
  g_assert_no_error (error);
  return wm_record_get_id (WM_RECORD (t));
}

/* Temporary databases */

/* A fresh directory under the system temp dir; tmpdir_free() removes it. */
static inline char *
tmpdir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("waymark-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* Removes @path and everything below it (a database, its key file, exports…). */
static inline void
tmpdir_remove (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        tmpdir_remove (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static inline void
tmpdir_free (char *dir)
{
  tmpdir_remove (dir);
  g_free (dir);
}

/* For g_autoptr(TmpDir): a directory removed with everything in it when it goes. */
typedef char TmpDir;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmpDir, tmpdir_free)

/* A new database at @path with its first account, an administrator, at the minimum key
 * derivation cost; @recovery (may be NULL) receives the recovery key, sodium memory. */
static inline WmSession *
create_test_session (const char  *path,
                     const char  *organisation,
                     const char  *username,
                     const char  *display_name,
                     const char  *password,
                     char       **recovery)
{
  g_autoptr(GError) error = NULL;
  WmSession *session = wm_session_create (path, organisation, username, display_name, password,
                                          WM_KDF_MIN, recovery, &error);

  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}
