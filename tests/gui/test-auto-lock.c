/* test-auto-lock.c: the window locks itself, closes what the session opened, and shows each
 * role only what it may do.
 *
 * - Auto-lock: with the timeout shortened, a window left alone returns to the login page,
 *   and the store handle of the session is closed.
 * - Locking closes every window opened over the main one (here Preferences).
 * - A therapist's window has My Cases and no Therapists or Map; a user whose password an
 *   administrator set is asked for a new one straight after login.
 *
 * Needs a display: run under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "gui-test-util.h"
#include "wm-application.h"
#include "wm-login-page.h"
#include "wm-main-view.h"
#include "wm-password-dialog.h"
#include "wm-preferences-window.h"
#include "wm-session.h"
#include "wm-window.h"

#define ADMIN_PASSWORD "Plover-Quince-Harbour-58"
#define THERAPIST_PASSWORD "Lantern-Oxbow-Meadow-71"

static WmApplication *app;

typedef struct
{
  char *dir;
  char *path;
  gint64 therapist_id;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) admin = NULL;
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  const char *specialisms[] = { "pre-offence", NULL };

  f->dir = tmpdir_new ();
  f->path = g_build_filename (f->dir, "org.waymark", NULL);
  admin = create_test_session (f->path, "Example Trust", "admin", NULL, ADMIN_PASSWORD, NULL);
  g_object_set (t, "given-name", "Alex", "family-name", "Ashby", "town", "Harrogate",
                "latitude", 53.99, "longitude", -1.54, "specialisms", specialisms, NULL);
  g_assert_true (wm_store_save_therapist (wm_session_get_store (admin), t, &error));
  f->therapist_id = wm_record_get_id (WM_RECORD (t));
  g_assert_true (wm_session_add_user (admin, "ash", "Alex Ashby", "therapist", f->therapist_id,
                                      THERAPIST_PASSWORD, TRUE, WM_KDF_MIN, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tmpdir_free (f->dir);
  g_free (f->path);
}

/* A window logged in as @username, the way the login page hands over a session. */
static WmWindow *
logged_in_window (Fixture    *f,
                  const char *username,
                  const char *password,
                  WmSession **session_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  WmWindow *window = wm_window_new (app);
  GtkWidget *login;

  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);
  session = wm_session_unlock (f->path, username, password, &error);
  g_assert_no_error (error);
  login = find_widget (GTK_WIDGET (window), WM_TYPE_LOGIN_PAGE);
  g_assert_nonnull (login);
  g_signal_emit_by_name (login, "unlocked", session);
  run_for (50);
  g_assert_true (wm_window_get_session (window) == session);
  if (session_out != NULL)
    *session_out = g_object_ref (session);
  return window;
}

static const char *
visible_page (WmWindow *window)
{
  GtkWidget *login = find_widget (GTK_WIDGET (window), WM_TYPE_LOGIN_PAGE);

  return gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_parent (login)));
}

static void
test_locks_when_idle (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(WmSession) session = NULL;
  g_autoptr(WmStore) store = NULL;
  WmWindow *window = logged_in_window (f, "admin", ADMIN_PASSWORD, &session);
  gint64 start, elapsed;

  store = g_object_ref (wm_session_get_store (session));
  g_assert_cmpstr (visible_page (window), ==, "main");

  start = g_get_monotonic_time ();
  wm_window_set_auto_lock_seconds (window, 2);
  while (g_strcmp0 (visible_page (window), "main") == 0
         && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE);
  elapsed = g_get_monotonic_time () - start;

  g_assert_cmpstr (visible_page (window), ==, "login");
  g_assert_cmpint (elapsed, >=, 2 * G_USEC_PER_SEC - 100000);
  g_assert_null (wm_window_get_session (window));
  g_assert_null (wm_window_get_main_view (window));
  /* The store handle is closed: nothing can read through it any more. */
  g_assert_null (wm_session_get_store (session));
  g_assert_cmpint (wm_store_get_schema_version (store), ==, -1);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_lock_closes_session_windows (Fixture       *f,
                                  gconstpointer  data)
{
  WmWindow *window = logged_in_window (f, "admin", ADMIN_PASSWORD, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  run_for (50);
  g_assert_nonnull (find_transient_window (GTK_WINDOW (window), WM_TYPE_PREFERENCES_WINDOW));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.lock", NULL));
  run_for (50);
  g_assert_cmpstr (visible_page (window), ==, "login");
  g_assert_null (find_transient_window (GTK_WINDOW (window), WM_TYPE_PREFERENCES_WINDOW));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Ctrl+L over unsaved edits asks first: Cancel keeps working, Discard and Lock locks. */
static void
test_lock_asks_about_unsaved_changes (Fixture       *f,
                                      gconstpointer  data)
{
  WmWindow *window = logged_in_window (f, "admin", ADMIN_PASSWORD, NULL);
  WmMainView *view = WM_MAIN_VIEW (wm_window_get_main_view (window));
  GtkWidget *given;

  wm_main_view_new_enquiry (view);
  run_for (50);
  given = find_control_full (GTK_WIDGET (window), ADW_TYPE_ENTRY_ROW, "Given name",
                             FIND_CONTROL_ROW_TITLE | FIND_CONTROL_ON_SCREEN);
  gtk_editable_set_text (GTK_EDITABLE (given), "Unsaved");
  flush ();
  g_assert_true (wm_main_view_has_unsaved_changes (view));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.lock", NULL));
  run_for (50);
  g_assert_nonnull (find_dialog ());
  g_assert_cmpstr (visible_page (window), ==, "main");
  answer_dialog (find_dialog (), "_Cancel");
  run_for (50);
  g_assert_cmpstr (visible_page (window), ==, "main");
  g_assert_true (wm_main_view_has_unsaved_changes (view));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.lock", NULL));
  run_for (50);
  answer_dialog (find_dialog (), "_Discard and Lock");
  run_for (50);
  g_assert_cmpstr (visible_page (window), ==, "login");
  g_assert_null (wm_window_get_session (window));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_therapist_window (Fixture       *f,
                       gconstpointer  data)
{
  WmWindow *window = logged_in_window (f, "ash", THERAPIST_PASSWORD, NULL);
  AdwViewStack *stack = wm_main_view_get_stack (WM_MAIN_VIEW (wm_window_get_main_view (window)));
  GtkWindow *forced;

  g_assert_nonnull (adw_view_stack_get_child_by_name (stack, "cases"));
  g_assert_cmpstr (adw_view_stack_page_get_title (
                     adw_view_stack_get_page (stack,
                                              adw_view_stack_get_child_by_name (stack, "cases"))),
                   ==, "My Cases");
  g_assert_null (adw_view_stack_get_child_by_name (stack, "therapists"));
  g_assert_null (adw_view_stack_get_child_by_name (stack, "map"));

  /* The administrator set this password: the user is asked for their own first. */
  forced = find_transient_window (GTK_WINDOW (window), WM_TYPE_PASSWORD_DIALOG);
  g_assert_nonnull (forced);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (forced)));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  app = test_application_new ();

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/auto-lock/locks-when-idle", test_locks_when_idle);
  ADD ("/auto-lock/lock-closes-session-windows", test_lock_closes_session_windows);
  ADD ("/auto-lock/lock-asks-about-unsaved-changes", test_lock_asks_about_unsaved_changes);
  ADD ("/roles/therapist-window", test_therapist_window);

  ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
