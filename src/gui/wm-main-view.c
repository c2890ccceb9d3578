/* wm-main-view.c: the Cases, Therapists and Map views of a logged-in session.
 *
 * The Cases view is a stack of the case list and, on top of it, the case that is open; the
 * list stays alive underneath so going back keeps its search and scroll position.
 *
 * A therapist gets "My Cases" (the cases referred to them) in place of all three: the store
 * would refuse them the case list, the directory and the map anyway, so they are not built.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-case-view.h"
#include "wm-cases-page.h"
#include "wm-gui-util.h"
#include "wm-main-view.h"
#include "wm-map-view.h"
#include "wm-my-cases-page.h"
#include "wm-therapists-page.h"

struct _WmMainView
{
  AdwBin parent_instance;

  WmSession *session;
  AdwViewStack *stack;
  GtkStack *cases_stack;
  GtkWidget *cases_page;     /* the case list, or a therapist's My Cases */
  GtkWidget *case_view;      /* the open case, or NULL */
  GtkWidget *therapists_page; /* NULL for a therapist */
  GtkWidget *map_page;       /* NULL for a therapist */
};

G_DEFINE_FINAL_TYPE (WmMainView, wm_main_view, ADW_TYPE_BIN)

static void
close_case (WmMainView *self)
{
  if (self->case_view == NULL)
    return;
  gtk_stack_set_visible_child (self->cases_stack, self->cases_page);
  gtk_stack_remove (self->cases_stack, self->case_view);
  self->case_view = NULL;
}

static void
case_view_close_requested_cb (WmCaseView *view,
                              WmMainView *self)
{
  close_case (self);
}

static void
show_case (WmMainView *self,
           gint64      case_id)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *view;

  view = wm_case_view_new (self->session, case_id, &error);
  if (view == NULL)
    {
      wm_gui_toast (GTK_WIDGET (self), _("The case could not be opened"));
      g_warning ("Could not open a case: %s", error->message);
      return;
    }
  close_case (self);
  self->case_view = view;
  g_signal_connect (view, "close-requested", G_CALLBACK (case_view_close_requested_cb), self);
  gtk_stack_add_child (self->cases_stack, view);
  gtk_stack_set_visible_child (self->cases_stack, view);
  adw_view_stack_set_visible_child_name (self->stack, "cases");
}

static void
case_activated_cb (WmCasesPage *page,
                   gint64       case_id,
                   WmMainView  *self)
{
  show_case (self, case_id);
}

static void
new_enquiry_cb (WmCasesPage *page,
                WmMainView  *self)
{
  wm_main_view_new_enquiry (self);
}

static gboolean
close_unreadable_case_cb (gpointer data)
{
  WmMainView *self = data;

  if (self->case_view != NULL)
    {
      close_case (self);
      wm_gui_toast (GTK_WIDGET (self), _("The case is no longer referred to you"));
    }
  return G_SOURCE_REMOVE;
}

/* A therapist who declines a referral, or whose referral is marked "no contact", may no
 * longer see the case: the store now refuses it, so the view closes rather than show a
 * case it can no longer read. */
static void
store_changed_cb (WmStore    *store,
                  const char *entity,
                  gint64      id,
                  WmMainView *self)
{
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(GError) error = NULL;
  gint64 open_id;

  if (self->case_view == NULL || g_strcmp0 (entity, "case") != 0)
    return;
  open_id = wm_case_view_get_case_id (WM_CASE_VIEW (self->case_view));
  if (open_id <= 0 || (id >= 0 && id != open_id))
    return;
  referrals = wm_store_list_referrals (store, open_id, &error);
  /* Closed from an idle: the change may come from a button inside the case view. */
  if (referrals == NULL && g_error_matches (error, WM_STORE_ERROR, WM_STORE_ERROR_NOT_FOUND))
    g_idle_add_full (G_PRIORITY_DEFAULT, close_unreadable_case_cb, g_object_ref (self),
                     g_object_unref);
}

static void
wm_main_view_dispose (GObject *object)
{
  WmMainView *self = WM_MAIN_VIEW (object);

  adw_bin_set_child (ADW_BIN (self), NULL);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (wm_main_view_parent_class)->dispose (object);
}

static void
wm_main_view_class_init (WmMainViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wm_main_view_dispose;
}

static void
wm_main_view_init (WmMainView *self)
{
}

GtkWidget *
wm_main_view_new (WmSession *session)
{
  WmMainView *self;
  AdwViewStackPage *page;

  g_return_val_if_fail (WM_IS_SESSION (session), NULL);

  self = g_object_new (WM_TYPE_MAIN_VIEW, NULL);
  self->session = g_object_ref (session);

  self->stack = ADW_VIEW_STACK (adw_view_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);

  self->cases_stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->cases_stack, GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT_RIGHT);
  if (wm_session_get_role (session) == WM_ROLE_THERAPIST)
    {
      WmStore *store = wm_session_get_store (session);

      self->cases_page = wm_my_cases_page_new (store, wm_store_get_principal_therapist (store));
      g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self, 0);
      g_signal_connect (self->cases_page, "case-activated", G_CALLBACK (case_activated_cb), self);
      gtk_stack_add_child (self->cases_stack, self->cases_page);
      page = adw_view_stack_add_titled (self->stack, GTK_WIDGET (self->cases_stack), "cases",
                                        _("My Cases"));
      adw_view_stack_page_set_icon_name (page, "folder-documents-symbolic");
      adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->stack));
      return GTK_WIDGET (self);
    }
  self->cases_page = wm_cases_page_new (session);
  g_signal_connect (self->cases_page, "case-activated", G_CALLBACK (case_activated_cb), self);
  g_signal_connect (self->cases_page, "new-enquiry", G_CALLBACK (new_enquiry_cb), self);
  gtk_stack_add_child (self->cases_stack, self->cases_page);
  page = adw_view_stack_add_titled (self->stack, GTK_WIDGET (self->cases_stack), "cases",
                                    _("Cases"));
  adw_view_stack_page_set_icon_name (page, "folder-documents-symbolic");

  self->therapists_page = wm_therapists_page_new (session);
  page = adw_view_stack_add_titled (self->stack, self->therapists_page, "therapists",
                                    _("Therapists"));
  adw_view_stack_page_set_icon_name (page, "system-users-symbolic");

  self->map_page = wm_map_view_new (session);
  page = adw_view_stack_add_titled (self->stack, self->map_page, "map", _("Map"));
  adw_view_stack_page_set_icon_name (page, "mark-location-symbolic");

  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->stack));
  return GTK_WIDGET (self);
}

AdwViewStack *
wm_main_view_get_stack (WmMainView *self)
{
  g_return_val_if_fail (WM_IS_MAIN_VIEW (self), NULL);
  return self->stack;
}

void
wm_main_view_open_case (WmMainView *self,
                        gint64      case_id)
{
  g_return_if_fail (WM_IS_MAIN_VIEW (self));
  show_case (self, case_id);
}

void
wm_main_view_new_enquiry (WmMainView *self)
{
  g_return_if_fail (WM_IS_MAIN_VIEW (self));

  if (self->therapists_page == NULL)
    return; /* a therapist does not take enquiries */
  /* Never drop unsaved edits of the open case without asking: let it ask first. */
  if (self->case_view != NULL && wm_case_view_has_unsaved_changes (WM_CASE_VIEW (self->case_view)))
    {
      adw_view_stack_set_visible_child_name (self->stack, "cases");
      wm_case_view_request_close (WM_CASE_VIEW (self->case_view));
      return;
    }
  show_case (self, 0);
}

void
wm_main_view_focus_search (WmMainView *self)
{
  const char *visible;

  g_return_if_fail (WM_IS_MAIN_VIEW (self));

  visible = adw_view_stack_get_visible_child_name (self->stack);
  if (g_strcmp0 (visible, "therapists") == 0)
    wm_therapists_page_focus_search (WM_THERAPISTS_PAGE (self->therapists_page));
  else if (WM_IS_CASES_PAGE (self->cases_page))
    {
      if (self->case_view != NULL)
        wm_case_view_request_close (WM_CASE_VIEW (self->case_view));
      if (self->case_view == NULL)
        wm_cases_page_focus_search (WM_CASES_PAGE (self->cases_page));
    }
}

gboolean
wm_main_view_save (WmMainView *self)
{
  const char *visible;

  g_return_val_if_fail (WM_IS_MAIN_VIEW (self), FALSE);

  visible = adw_view_stack_get_visible_child_name (self->stack);
  if (g_strcmp0 (visible, "therapists") == 0)
    return wm_therapists_page_save (WM_THERAPISTS_PAGE (self->therapists_page));
  if (self->case_view != NULL)
    return wm_case_view_save (WM_CASE_VIEW (self->case_view));
  return FALSE;
}

gboolean
wm_main_view_has_unsaved_changes (WmMainView *self)
{
  g_return_val_if_fail (WM_IS_MAIN_VIEW (self), FALSE);
  return self->case_view != NULL
         && wm_case_view_has_unsaved_changes (WM_CASE_VIEW (self->case_view));
}

static gboolean
case_view_showing (WmMainView *self)
{
  return self->case_view != NULL
         && gtk_stack_get_visible_child (self->cases_stack) == self->case_view
         && g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "cases") == 0;
}

gint64
wm_main_view_get_open_case_id (WmMainView *self)
{
  g_return_val_if_fail (WM_IS_MAIN_VIEW (self), 0);

  if (!case_view_showing (self))
    return 0;
  return wm_case_view_get_case_id (WM_CASE_VIEW (self->case_view));
}

/* A copy of the open case as stored, or NULL when no saved case is showing. */
WmCase *
wm_main_view_dup_open_case (WmMainView *self)
{
  g_return_val_if_fail (WM_IS_MAIN_VIEW (self), NULL);

  if (!case_view_showing (self))
    return NULL;
  return wm_case_view_dup_case (WM_CASE_VIEW (self->case_view));
}
