/* wm-my-cases-page.c: a therapist's own cases, grouped by what they have to do next.
 *
 * The store hands the list over already ordered (wm_store_list_therapist_cases): new
 * referrals waiting for first contact, nearest no-contact deadline first, then clients in
 * contact, then ended referrals. The page only splits it into those three groups, keeping
 * the order within each. A therapist has a handful of cases, so the page is rebuilt whole
 * whenever the store announces a change to a case (referral changes are announced as "case")
 * or a setting (the no-contact days).
 *
 * The client's name is shown: this is the therapist's own screen, and the name is what they
 * will recognise. Risk is shown as text as well as colour, so it survives high contrast and
 * screen readers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-gui-util.h"
#include "wm-my-cases-page.h"
#include "wm-vocab.h"

typedef enum
{
  GROUP_TO_CONTACT,
  GROUP_IN_CONTACT,
  GROUP_ENDED,
  N_GROUPS
} Group;

struct _WmMyCasesPage
{
  AdwBin parent_instance;

  WmStore *store;
  gint64 therapist_id;
  gulong changed_id;

  GtkStack *stack;
  AdwStatusPage *empty_page;
  GtkWidget *group_boxes[N_GROUPS];
  GtkListBox *lists[N_GROUPS];
};

G_DEFINE_FINAL_TYPE (WmMyCasesPage, wm_my_cases_page, ADW_TYPE_BIN)

enum {
  SIGNAL_CASE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static Group
group_of (const WmTherapistCase *item)
{
  if (g_strcmp0 (item->referral_state, "sent") == 0
      || g_strcmp0 (item->referral_state, "accepted") == 0)
    return GROUP_TO_CONTACT;
  if (g_strcmp0 (item->referral_state, "first-contact") == 0)
    return GROUP_IN_CONTACT;
  return GROUP_ENDED;
}

static char *
format_day (const char *iso8601)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso8601 == NULL || (utc = g_date_time_new_from_iso8601 (iso8601, NULL)) == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (utc);
  /* Translators: a date, e.g. "12 November 2026"; see g_date_time_format(). */
  return g_date_time_format (local, _("%-d %B %Y"));
}

/* "Referred today", "Referred 3 days ago". */
static char *
format_referred (const char *sent_at)
{
  g_autoptr(GDateTime) sent = sent_at != NULL ? g_date_time_new_from_iso8601 (sent_at, NULL)
                                              : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *age = NULL;

  if (sent == NULL)
    return g_strdup (_("Referred"));
  if (g_date_time_difference (now, sent) < G_TIME_SPAN_DAY)
    return g_strdup (_("Referred today"));
  age = wm_gui_format_age (sent_at);
  /* Translators: %s is a span of time, e.g. "Referred 3 days ago". */
  return g_strdup_printf (_("Referred %s ago"), age);
}

/* The no-contact deadline as text, and the style that says how pressing it is. */
static char *
format_deadline (int          days,
                 const char **style)
{
  if (days < 0)
    {
      *style = "error";
      return g_strdup_printf (ngettext ("Overdue by %d day", "Overdue by %d days", -days), -days);
    }
  if (days == 0)
    {
      *style = "warning";
      return g_strdup (_("Contact due today"));
    }
  *style = days == 1 ? "warning" : NULL;
  return g_strdup_printf (ngettext ("Contact due in %d day", "Contact due in %d days", days),
                          days);
}

static GtkWidget *
small_label (const char *text,
             const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "caption");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

static GtkWidget *
risk_badge (const WmTherapistCase *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  GtkWidget *label;
  const char *text;

  if (item->risk && item->urgent)
    text = _("Risk · Urgent");
  else if (item->risk)
    text = _("Risk");
  else
    text = _("Urgent");
  label = gtk_label_new (text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Warning"), -1);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_add_css_class (box, "error");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  return box;
}

static GtkWidget *
make_row (const WmTherapistCase *item)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *end = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GPtrArray *subtitle_parts = g_ptr_array_new ();
  g_autoptr(GPtrArray) accessible_parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *subtitle = NULL;
  g_autofree char *accessible = NULL;
  g_autofree char *when = NULL;
  g_autofree char *deadline = NULL;
  const char *deadline_style = NULL;
  const char *name = item->display_name != NULL && *item->display_name != '\0'
                     ? item->display_name : _("Client");
  Group group = group_of (item);

  /* Names and towns are typed in: never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);

  g_ptr_array_add (subtitle_parts, item->reference);
  if (item->town != NULL && *item->town != '\0')
    g_ptr_array_add (subtitle_parts, item->town);
  if (item->category != NULL)
    g_ptr_array_add (subtitle_parts, (gpointer) wm_vocab_label (WM_VOCAB_CATEGORY,
                                                                item->category));
  g_ptr_array_add (subtitle_parts, NULL);
  subtitle = g_strjoinv (" · ", (char **) subtitle_parts->pdata);
  g_ptr_array_free (subtitle_parts, TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  g_ptr_array_add (accessible_parts, g_strdup (name));
  if (item->risk || item->urgent)
    {
      GtkWidget *badge = risk_badge (item);

      /* At the end, beside the dates: a prefix would push this row's name out of line
       * with the others. */
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
      g_ptr_array_add (accessible_parts, g_strdup (item->risk && item->urgent
                                                   ? _("Risk and urgent")
                                                   : item->risk ? _("Risk") : _("Urgent")));
    }
  g_ptr_array_add (accessible_parts, g_strdup (subtitle));

  switch (group)
    {
    case GROUP_TO_CONTACT:
      when = format_referred (item->sent_at);
      if (g_strcmp0 (item->referral_state, "accepted") == 0)
        {
          g_autofree char *referred = g_steal_pointer (&when);

          /* Translators: "Accepted · Referred 3 days ago". */
          when = g_strdup_printf (_("Accepted · %s"), referred);
        }
      if (item->days_to_deadline != G_MAXINT)
        deadline = format_deadline (item->days_to_deadline, &deadline_style);
      break;
    case GROUP_IN_CONTACT:
      {
        g_autofree char *day = format_day (item->first_contact_at);

        /* Translators: %s is a date, e.g. "In contact since 14 November 2026". */
        when = *day != '\0' ? g_strdup_printf (_("In contact since %s"), day)
                            : g_strdup (_("In contact"));
      }
      break;
    case GROUP_ENDED:
    default:
      {
        g_autofree char *day = format_day (item->sent_at);

        /* Translators: %s is a date, e.g. "Referred on 12 November 2026". */
        when = g_strdup_printf (_("Referred on %s"), day);
      }
      break;
    }

  gtk_widget_set_valign (end, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (end), small_label (when, "dim-label"));
  g_ptr_array_add (accessible_parts, g_strdup (when));
  if (deadline != NULL)
    {
      GtkWidget *label = small_label (deadline, deadline_style);

      if (deadline_style != NULL)
        {
          gtk_widget_remove_css_class (label, "caption");
          gtk_widget_add_css_class (label, "caption-heading");
        }
      gtk_box_append (GTK_BOX (end), label);
      g_ptr_array_add (accessible_parts, g_strdup (deadline));
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), end);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));

  /* What a screen reader says for the row: everything on it, in reading order. */
  g_ptr_array_add (accessible_parts, NULL);
  accessible = g_strjoinv (", ", (char **) accessible_parts->pdata);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "case-id64", g_memdup2 (&item->case_id,
                                                                  sizeof item->case_id),
                          g_free);
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
row_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  WmMyCasesPage *self)
{
  const gint64 *id = g_object_get_data (G_OBJECT (row), "case-id64");

  if (id != NULL)
    g_signal_emit (self, signals[SIGNAL_CASE_ACTIVATED], 0, *id);
}

static void
store_changed_cb (WmStore       *store,
                  const char    *entity,
                  gint64         id,
                  WmMyCasesPage *self)
{
  if (g_strcmp0 (entity, "case") == 0 || g_strcmp0 (entity, "setting") == 0)
    wm_my_cases_page_reload (self);
}

/* Building */

static GtkWidget *
make_group (WmMyCasesPage *self,
            Group          group,
            const char    *title)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *list = gtk_list_box_new ();

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_accessible_update_property (GTK_ACCESSIBLE (heading), GTK_ACCESSIBLE_PROPERTY_LEVEL, 2,
                                  -1);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  g_signal_connect (list, "row-activated", G_CALLBACK (row_activated_cb), self);

  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), list);
  self->group_boxes[group] = box;
  self->lists[group] = GTK_LIST_BOX (list);
  return box;
}

static void
wm_my_cases_page_dispose (GObject *object)
{
  WmMyCasesPage *self = WM_MY_CASES_PAGE (object);

  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (wm_my_cases_page_parent_class)->dispose (object);
}

static void
wm_my_cases_page_class_init (WmMyCasesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wm_my_cases_page_dispose;

  signals[SIGNAL_CASE_ACTIVATED] =
    g_signal_new ("case-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
wm_my_cases_page_init (WmMyCasesPage *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);

  self->stack = GTK_STACK (gtk_stack_new ());

  self->empty_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty_page, "folder-documents-symbolic");
  adw_status_page_set_title (self->empty_page, _("No cases referred to you"));
  adw_status_page_set_description (self->empty_page,
                                   _("New referrals appear here as soon as they are sent."));
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty_page), "empty");

  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_box_append (GTK_BOX (box), make_group (self, GROUP_TO_CONTACT, _("To Contact")));
  gtk_box_append (GTK_BOX (box), make_group (self, GROUP_IN_CONTACT, _("In Contact")));
  gtk_box_append (GTK_BOX (box), make_group (self, GROUP_ENDED, _("Ended")));
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 800);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_stack_add_named (self->stack, scrolled, "list");

  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->stack));
}

/* Public API */

GtkWidget *
wm_my_cases_page_new (WmStore *store,
                      gint64   therapist_id)
{
  WmMyCasesPage *self;

  g_return_val_if_fail (WM_IS_STORE (store), NULL);

  self = g_object_new (WM_TYPE_MY_CASES_PAGE, NULL);
  self->store = g_object_ref (store);
  self->therapist_id = therapist_id;
  self->changed_id = g_signal_connect (store, "changed", G_CALLBACK (store_changed_cb), self);
  wm_my_cases_page_reload (self);

  return GTK_WIDGET (self);
}

void
wm_my_cases_page_reload (WmMyCasesPage *self)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  guint counts[N_GROUPS] = { 0, };

  g_return_if_fail (WM_IS_MY_CASES_PAGE (self));

  for (guint g = 0; g < N_GROUPS; g++)
    clear_list (self->lists[g]);

  items = wm_store_list_therapist_cases (self->store, self->therapist_id, &error);
  if (items == NULL)
    {
      /* Fail closed: nothing half-shown. The message names no case or person. */
      adw_status_page_set_icon_name (self->empty_page, "dialog-error-symbolic");
      adw_status_page_set_title (self->empty_page, _("Could not load your cases"));
      adw_status_page_set_description (self->empty_page,
                                       error != NULL && error->domain == WM_STORE_ERROR
                                       ? error->message : NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < items->len; i++)
    {
      const WmTherapistCase *item = items->pdata[i];
      Group group = group_of (item);

      gtk_list_box_append (self->lists[group], make_row (item));
      counts[group]++;
    }
  for (guint g = 0; g < N_GROUPS; g++)
    gtk_widget_set_visible (self->group_boxes[g], counts[g] > 0);

  adw_status_page_set_icon_name (self->empty_page, "folder-documents-symbolic");
  adw_status_page_set_title (self->empty_page, _("No cases referred to you"));
  adw_status_page_set_description (self->empty_page,
                                   _("New referrals appear here as soon as they are sent."));
  gtk_stack_set_visible_child_name (self->stack, items->len > 0 ? "list" : "empty");
}
