/* wm-case-view.c: one case, from the first enquiry to closing it.
 *
 * The view keeps the case as it is stored; the editor (WmCaseEditor) holds what is being
 * typed. Saving applies the editor to a copy and stores the copy, so a refused save leaves the
 * stored case and the view as they were. Status moves go only through the store's state
 * machine (the menu offers nothing else), and the store writes their events.
 *
 * The view follows WmStore::changed for its case. Most changes (a note, a referral's event)
 * leave the case row alone, and the timeline and the matching panel follow those themselves.
 * When what the header shows has moved (the status after a referral from the matching panel,
 * a risk flag saved elsewhere) the case is read again: the store changes other fields along
 * with a status (the assigned therapist), and a later save from a stale copy would undo them.
 * Unsaved edits in the editor are never overwritten.
 *
 * For a therapist (the store's principal has WM_ROLE_THERAPIST) the view is for reading and
 * for their own part of the work: a read-only summary of what they need to make contact
 * (name, contact details and what is safe, the situation, needs and preferences) instead of
 * the editor; no status menu, Save, matching or letters; their referral's next steps
 * (WmReferralActions) near the top; the timeline with Add Note as for everyone. The store
 * refuses the rest anyway: the view only does not offer it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-accessible.h"
#include "wm-case-editor.h"
#include "wm-case-view.h"
#include "wm-gui-util.h"
#include "wm-match-panel.h"
#include "wm-referral-actions.h"
#include "wm-timeline.h"
#include "wm-vocab.h"

struct _WmCaseView
{
  AdwBin parent_instance;

  WmSession *session;
  WmStore *store;
  gulong changed_id;

  WmCase *kase;                 /* as stored; id 0 for a new enquiry not saved yet */
  gboolean save_failed;         /* the editor was applied but the store refused the copy */
  gboolean saving;              /* our own save is announcing itself: nothing to follow */
  gboolean therapist;           /* the principal is a therapist: therapist mode */
  GtkWidget *referral_actions;  /* therapist mode: for case_id (self) */
  GPtrArray *summary_groups;    /* therapist mode: the groups in summary_page */

  /* Template widgets */
  GtkLabel *reference_label;
  GtkWidget *status_badge;
  GtkLabel *status_label;
  AdwViewSwitcher *switcher;
  AdwViewSwitcher *narrow_switcher;
  AdwViewSwitcherBar *switcher_bar;
  GtkButton *letters_button;
  GtkMenuButton *status_button;
  GtkButton *save_button;
  GtkBox *referral_slot;
  AdwPreferencesPage *summary_page;
  AdwViewStackPage *matching_page;
  GtkRevealer *risk_revealer;
  GtkLabel *risk_label;
  AdwViewStack *view_stack;
  WmCaseEditor *editor;
  WmTimeline *timeline;
  WmMatchPanel *match_panel;
};

G_DEFINE_FINAL_TYPE (WmCaseView, wm_case_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CASE_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_CLOSE_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void wm_case_view_update_summary (WmCaseView *self);

static gint64
case_id (WmCaseView *self)
{
  return self->kase != NULL ? wm_record_get_id (WM_RECORD (self->kase)) : 0;
}

/* Store errors name fields and states, never a person; anything else (validation messages
 * can quote what was typed) gets a plain sentence. */
static void
toast_error (WmCaseView   *self,
             const char   *fallback,
             const GError *error)
{
  if (error != NULL && error->domain == WM_STORE_ERROR)
    wm_gui_toast (GTK_WIDGET (self), error->message);
  else
    wm_gui_toast (GTK_WIDGET (self), fallback);
}

static GtkWindow *
parent_window (WmCaseView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static WmCase *
copy_case (WmCase *kase)
{
  WmCase *copy = wm_case_new ();

  wm_record_copy_into (WM_RECORD (copy), WM_RECORD (kase));
  wm_record_copy_into (WM_RECORD (wm_case_get_client (copy)),
                       WM_RECORD (wm_case_get_client (kase)));
  return copy;
}

/* Whether the stored case differs from ours in what the header shows (reference, status,
 * risk), read without loading the whole case, which counts as opening it. FALSE when the
 * case cannot be read just now: then the view stays as it is. */
static gboolean
stored_header_differs (WmCaseView *self)
{
  g_autoptr(GArray) summaries = g_array_new (FALSE, TRUE, sizeof (WmCaseSummaryData));
  const WmCaseSummaryData *stored;
  gint64 id = case_id (self);

  g_array_set_clear_func (summaries, (GDestroyNotify) wm_case_summary_data_clear);
  if (!wm_store_load_case_summaries (self->store, &id, 1, summaries, NULL)
      || summaries->len != 1)
    return FALSE;
  stored = &g_array_index (summaries, WmCaseSummaryData, 0);
  if (stored->status == NULL)
    return FALSE;
  return g_strcmp0 (stored->status, self->kase->status) != 0
         || g_strcmp0 (stored->reference, self->kase->reference) != 0
         || stored->urgent != self->kase->urgent
         || stored->risk != (self->kase->risk_safeguarding || self->kase->risk_self_harm);
}

static char *
describe_risk (WmCase *kase)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  if (kase->risk_safeguarding)
    g_ptr_array_add (parts, (gpointer) _("Safeguarding concern"));
  if (kase->risk_self_harm)
    g_ptr_array_add (parts, (gpointer) _("Self-harm risk"));
  if (kase->urgent)
    g_ptr_array_add (parts, (gpointer) _("Urgent"));
  g_ptr_array_add (parts, NULL);
  /* Translators: separates the risks in the banner: "Safeguarding concern · Urgent". */
  return g_strjoinv (C_("risk separator", " · "), (char **) parts->pdata);
}

static void
wm_case_view_update_status_menu (WmCaseView *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) onward = g_menu_new ();
  g_autoptr(GMenu) aside = g_menu_new ();
  g_autofree const char **next = NULL;
  gboolean any = FALSE;

  if (case_id (self) > 0)
    next = wm_case_status_next (self->kase->status);

  /* The working path first; pausing and withdrawing apart, as the moves out of it. */
  for (guint i = 0; next != NULL && next[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (wm_vocab_label (WM_VOCAB_CASE_STATUS,
                                                                   next[i]), NULL);
      gboolean is_aside = g_strcmp0 (next[i], "on-hold") == 0
                          || g_strcmp0 (next[i], "withdrawn") == 0;

      g_menu_item_set_action_and_target_value (item, "case.set-status",
                                               g_variant_new_string (next[i]));
      g_menu_append_item (is_aside ? aside : onward, item);
      any = TRUE;
    }
  if (g_menu_model_get_n_items (G_MENU_MODEL (onward)) > 0)
    g_menu_append_section (menu, NULL, G_MENU_MODEL (onward));
  if (g_menu_model_get_n_items (G_MENU_MODEL (aside)) > 0)
    g_menu_append_section (menu, NULL, G_MENU_MODEL (aside));

  gtk_menu_button_set_menu_model (self->status_button, G_MENU_MODEL (menu));
  gtk_widget_set_sensitive (GTK_WIDGET (self->status_button), any);
}

static void
wm_case_view_update_save (WmCaseView *self)
{
  gboolean valid = wm_case_editor_get_valid (self->editor);
  gboolean unsaved = wm_case_editor_get_dirty (self->editor) || self->save_failed;
  const char *tooltip = NULL;

  if (self->therapist)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.save", FALSE);
      return;
    }

  if (!valid)
    {
      tooltip = wm_case_editor_get_first_problem (self->editor);
      if (tooltip == NULL)
        tooltip = _("Some fields need attention");
    }
  else if (!unsaved)
    tooltip = _("No changes to save");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.save", valid && unsaved);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_button), tooltip);
}

static void
wm_case_view_update_header (WmCaseView *self)
{
  gboolean saved = case_id (self) > 0;
  gboolean risk = saved && wm_case_has_risk (self->kase);
  GtkWidget *switchers[] = {
    GTK_WIDGET (self->switcher),
    GTK_WIDGET (self->narrow_switcher),
    GTK_WIDGET (self->switcher_bar),
  };

  gtk_label_set_text (self->reference_label, saved ? self->kase->reference : _("New Enquiry"));
  gtk_label_set_text (self->status_label, wm_vocab_label (WM_VOCAB_CASE_STATUS,
                                                          self->kase->status));
  gtk_widget_set_visible (self->status_badge, saved);

  if (risk)
    {
      g_autofree char *text = describe_risk (self->kase);

      gtk_label_set_text (self->risk_label, text);
    }
  gtk_revealer_set_reveal_child (self->risk_revealer, risk);

  if (!self->therapist)
    wm_case_view_update_status_menu (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.set-status", !self->therapist);
  gtk_widget_set_sensitive (GTK_WIDGET (self->letters_button), saved);
  wm_case_view_update_save (self);

  /* Nothing to show on the timeline or to match until the enquiry is stored. */
  for (guint i = 0; i < G_N_ELEMENTS (switchers); i++)
    {
      gtk_widget_set_sensitive (switchers[i], saved);
      gtk_widget_set_tooltip_text (switchers[i],
                                   saved ? NULL
                                         : _("Save the enquiry to see its timeline and "
                                             "matching"));
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->timeline), saved);
  gtk_widget_set_sensitive (GTK_WIDGET (self->match_panel), saved);
  if (!saved)
    adw_view_stack_set_visible_child_name (self->view_stack, "details");
}

/* @kase is the stored case (or a new one); the editor is loaded from it unless it holds
 * changes nobody has saved yet. */
static void
wm_case_view_show_case (WmCaseView *self,
                        WmCase     *kase,
                        gboolean    load_editor)
{
  gint64 old_id = case_id (self);

  g_set_object (&self->kase, kase);
  if (load_editor)
    {
      self->save_failed = FALSE;
      wm_case_editor_set_case (self->editor, kase);
    }
  wm_case_view_update_header (self);
  wm_timeline_set_case_id (self->timeline, case_id (self));
  if (self->therapist)
    {
      wm_case_view_update_summary (self);
      if (old_id != case_id (self) || self->referral_actions == NULL)
        {
          if (self->referral_actions != NULL)
            gtk_box_remove (self->referral_slot, self->referral_actions);
          self->referral_actions =
            wm_referral_actions_new (self->store, case_id (self),
                                     wm_store_get_principal_therapist (self->store));
          gtk_box_append (self->referral_slot, self->referral_actions);
        }
    }
  else
    wm_match_panel_set_case (self->match_panel, case_id (self) > 0 ? kase : NULL);
  if (old_id != case_id (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE_ID]);
}

static void
wm_case_view_emit_close (WmCaseView *self)
{
  g_autoptr(WmCaseView) keep = g_object_ref (self);

  g_signal_emit (self, signals[SIGNAL_CLOSE_REQUESTED], 0);
}

/* Status changes */

static void
set_status_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        WmCaseView       *self)
{
  g_autoptr(WmCaseView) keep = g_object_ref (self);
  g_autoptr(WmCase) kase = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const char *status = g_object_get_data (G_OBJECT (dialog), "status");
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));

  if (g_strcmp0 (response, "change") != 0 || case_id (self) <= 0)
    return;

  note = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  /* The store announces the change before this returns, and the view may replace its case
   * then: hold on to the one being changed. */
  kase = g_object_ref (self->kase);
  if (!wm_store_set_case_status (self->store, kase, status, *note != '\0' ? note : NULL,
                                 &error))
    {
      toast_error (self, _("Could not change the status"), error);
      return;
    }
  wm_gui_toast (GTK_WIDGET (self), _("Status changed"));
}

static void
set_status_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  WmCaseView *self = WM_CASE_VIEW (widget);
  const char *status = g_variant_get_string (parameter, NULL);
  GtkWidget *dialog;
  GtkWidget *entry;
  gboolean final;

  if (self->therapist || case_id (self) <= 0
      || !wm_case_status_can_transition (self->kase->status, status))
    return;

  dialog = adw_message_dialog_new (parent_window (self), NULL, NULL);
  /* Translators: %s is a case status, e.g. "Change Status to Triage?". */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Change Status to %s?"),
                                     wm_vocab_label (WM_VOCAB_CASE_STATUS, status));
  /* Closing and withdrawing are for good: nothing moves a case on from there. */
  final = !wm_case_status_is_open (status);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               final ? _("The case cannot be reopened afterwards. The change is "
                                         "recorded on its timeline, with a note if you add "
                                         "one.")
                                     : _("The change is recorded on the case’s timeline, with a "
                                         "note if you add one."));

  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Note (optional)"));
  gtk_entry_set_max_length (GTK_ENTRY (entry), 2000);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Note"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "change", _("_Change Status"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "change",
                                              final ? ADW_RESPONSE_DESTRUCTIVE
                                                    : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog),
                                           final ? "cancel" : "change");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  g_object_set_data_full (G_OBJECT (dialog), "status", g_strdup (status), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (set_status_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
save_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  wm_case_view_save (WM_CASE_VIEW (widget));
}

static void
close_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  wm_case_view_request_close (WM_CASE_VIEW (widget));
}

/* Leaving with unsaved changes */

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     WmCaseView       *self)
{
  g_autoptr(WmCaseView) keep = g_object_ref (self);

  if (g_strcmp0 (response, "discard") == 0)
    {
      /* Back to what is stored, so nothing half-typed lingers if the view is shown again. */
      self->save_failed = FALSE;
      wm_case_editor_set_case (self->editor, self->kase);
      wm_case_view_update_save (self);
      wm_case_view_emit_close (self);
    }
  else if (g_strcmp0 (response, "save") == 0)
    {
      if (wm_case_view_save (self))
        wm_case_view_emit_close (self);
    }
}

/* Therapist mode: the read-only summary */

static AdwPreferencesGroup *
summary_group (WmCaseView *self,
               const char *title,
               const char *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  adw_preferences_page_add (self->summary_page, ADW_PREFERENCES_GROUP (group));
  g_ptr_array_add (self->summary_groups, group);
  return ADW_PREFERENCES_GROUP (group);
}

/* A row naming a field, its value underneath; nothing when there is no value. Values were
 * typed by people: never markup. */
static GtkWidget *
summary_row (AdwPreferencesGroup *group,
             const char          *title,
             const char          *value)
{
  GtkWidget *row;

  if (value == NULL || *value == '\0')
    return NULL;
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_add_css_class (row, "summary");
  adw_preferences_group_add (group, row);
  return row;
}

/* Whether it is safe to reach the client one way: a clear yes or no, with a sign. */
static void
summary_safety_row (AdwPreferencesGroup *group,
                    const char          *title,
                    gboolean             safe,
                    const char          *safe_text,
                    const char          *unsafe_text)
{
  GtkWidget *row = summary_row (group, title, safe ? safe_text : unsafe_text);
  GtkWidget *icon = gtk_image_new_from_icon_name (safe ? "emblem-ok-symbolic"
                                                       : "action-unavailable-symbolic");

  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  safe ? _("Safe") : _("Not safe"), -1);
  if (!safe)
    gtk_widget_add_css_class (icon, "warning");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
}

static char *
join_labels (WmVocab             vocab,
             const char * const *codes)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    g_ptr_array_add (labels, (gpointer) wm_vocab_label (vocab, codes[i]));
  g_ptr_array_add (labels, NULL);
  /* Translators: separates items of a list, e.g. "Pre-offence, Trauma". */
  return g_strjoinv (C_("list separator", ", "), (char **) labels->pdata);
}

static void
wm_case_view_update_summary (WmCaseView *self)
{
  WmCase *kase = self->kase;
  WmClient *client = wm_case_get_client (kase);
  AdwPreferencesGroup *group;
  g_autofree char *name = NULL;
  g_autofree char *birth_year = NULL;
  g_autofree char *place = NULL;
  g_autofree char *needs = NULL;
  g_autofree char *desired = NULL;
  g_autofree char *gender = NULL;

  for (guint i = 0; i < self->summary_groups->len; i++)
    adw_preferences_page_remove (self->summary_page, self->summary_groups->pdata[i]);
  g_ptr_array_set_size (self->summary_groups, 0);

  group = summary_group (self, _("Client"), NULL);
  name = g_strstrip (g_strjoin (" ", client->given_name ? client->given_name : "",
                                client->family_name ? client->family_name : "", NULL));
  summary_row (group, _("Name"), name);
  summary_row (group, _("Preferred name"), client->preferred_name);
  if (client->gender != NULL && g_strcmp0 (client->gender, "unknown") != 0)
    summary_row (group, _("Gender"), wm_vocab_label (WM_VOCAB_GENDER, client->gender));
  if (client->birth_year > 0)
    birth_year = g_strdup_printf ("%" G_GINT64_FORMAT, client->birth_year);
  summary_row (group, _("Birth year"), birth_year);
  summary_row (group, _("Language"), client->language);

  group = summary_group (self, _("Contact"), NULL);
  summary_row (group, _("Phone"), client->phone);
  summary_row (group, _("E-mail"), client->email);
  summary_row (group, _("Postal address"), client->address);
  place = g_strstrip (g_strjoin (" ", client->town ? client->town : "",
                                 client->postcode ? client->postcode : "", NULL));
  summary_row (group, _("Town"), place);

  group = summary_group (self, _("Contact Safety"),
                         _("What the client has said is safe. Someone else may see or hear "
                           "anything else."));
  summary_safety_row (group, _("Voicemail"), client->contact_voicemail_ok,
                      _("Messages may be left"), _("Do not leave messages"));
  summary_safety_row (group, _("Letters"), client->contact_letter_ok,
                      _("Letters may be sent"), _("Do not send letters"));
  summary_safety_row (group, _("E-mail"), client->contact_email_ok,
                      _("E-mail may be sent"), _("Do not send e-mail"));

  group = summary_group (self, _("Situation"), NULL);
  summary_row (group, _("Category"), wm_vocab_label (WM_VOCAB_CATEGORY, kase->category));
  summary_row (group, _("Criminal justice status"),
               wm_vocab_label (WM_VOCAB_CJS_STATUS, kase->cjs_status));
  summary_row (group, _("Police aware"), kase->police_aware ? _("Yes") : _("No"));

  group = summary_group (self, _("Needs and Preferences"), NULL);
  needs = join_labels (WM_VOCAB_SPECIALISM, (const char * const *) kase->needs);
  desired = join_labels (WM_VOCAB_SPECIALISM, (const char * const *) kase->desired);
  summary_row (group, _("Required specialisms"), needs);
  summary_row (group, _("Desired specialisms"), desired);
  if (kase->preferred_gender != NULL && *kase->preferred_gender != '\0')
    gender = kase->gender_required
             /* Translators: a therapist gender the client requires, e.g. "Female (required)". */
             ? g_strdup_printf (_("%s (required)"),
                                wm_vocab_label (WM_VOCAB_GENDER, kase->preferred_gender))
             : g_strdup (wm_vocab_label (WM_VOCAB_GENDER, kase->preferred_gender));
  summary_row (group, _("Therapist gender"), gender);
  summary_row (group, _("Language"), kase->language);
  summary_row (group, _("Online sessions"), kase->online_ok ? _("Yes") : _("No"));
}

/* Staff: the window's win.print shows the letters for the case on screen. */
static void
letters_clicked_cb (GtkButton  *button,
                    WmCaseView *self)
{
  if (self->therapist || case_id (self) <= 0)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.print", NULL);
}

/* Signal handlers */

static void
store_changed_cb (WmStore    *store,
                  const char *entity,
                  gint64      id,
                  WmCaseView *self)
{
  g_autoptr(WmCase) fresh = NULL;
  gint64 my_id = case_id (self);
  gboolean unsaved;

  if (self->saving || my_id <= 0 || g_strcmp0 (entity, "case") != 0
      || (id != my_id && id >= 0))
    return;

  /* A note or a referral's event leaves the case row alone: the timeline and the matching
   * panel follow those themselves, and reading the case again would only add a "view" to the
   * audit log. */
  if (!stored_header_differs (self))
    return;

  fresh = wm_store_get_case (self->store, my_id, NULL);
  if (fresh == NULL)
    return;
  unsaved = wm_case_editor_get_dirty (self->editor) || self->save_failed;
  wm_case_view_show_case (self, fresh, !unsaved);
}

/* When even the narrow switcher does not fit in the bar, it moves to the bottom. */
static void
switcher_squeezed_cb (AdwSqueezer *squeezer,
                      GParamSpec  *pspec,
                      WmCaseView  *self)
{
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    adw_squeezer_get_visible_child (squeezer) == NULL);
}

static void
editor_state_changed_cb (GObject    *editor,
                         GParamSpec *pspec,
                         WmCaseView *self)
{
  wm_case_view_update_save (self);
}

/* Overrides */

static void
wm_case_view_set_session (WmCaseView *self,
                          WmSession  *session)
{
  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      self->store = g_object_ref (wm_session_get_store (session));
      self->changed_id = g_signal_connect (self->store, "changed",
                                           G_CALLBACK (store_changed_cb), self);
    }
  self->therapist = self->store != NULL
                    && wm_store_get_role (self->store) == WM_ROLE_THERAPIST;
  g_object_set (self->timeline, "session", session, NULL);
  /* A therapist may not match: the panel is never given the store. */
  g_object_set (self->match_panel, "session", self->therapist ? NULL : session, NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->letters_button), !self->therapist);
  gtk_widget_set_visible (GTK_WIDGET (self->status_button), !self->therapist);
  gtk_widget_set_visible (GTK_WIDGET (self->save_button), !self->therapist);
  gtk_widget_set_visible (GTK_WIDGET (self->referral_slot), self->therapist);
  gtk_widget_set_visible (GTK_WIDGET (self->editor), !self->therapist);
  gtk_widget_set_sensitive (GTK_WIDGET (self->editor), !self->therapist);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_page), self->therapist);
  adw_view_stack_page_set_visible (self->matching_page, !self->therapist);
}

static void
wm_case_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WmCaseView *self = WM_CASE_VIEW (object);

  switch (prop_id)
    {
    case PROP_CASE_ID:
      g_value_set_int64 (value, case_id (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_case_view_dispose (GObject *object)
{
  WmCaseView *self = WM_CASE_VIEW (object);

  g_clear_signal_handler (&self->changed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_CASE_VIEW);
  g_clear_object (&self->store);
  g_clear_object (&self->session);
  g_clear_object (&self->kase);
  g_clear_pointer (&self->summary_groups, g_ptr_array_unref);
  self->referral_actions = NULL;

  G_OBJECT_CLASS (wm_case_view_parent_class)->dispose (object);
}

static void
wm_case_view_class_init (WmCaseViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_case_view_dispose;
  object_class->get_property = wm_case_view_get_property;

  properties[PROP_CASE_ID] =
    g_param_spec_int64 ("case-id", NULL, NULL,
                        0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CLOSE_REQUESTED] =
    g_signal_new ("close-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "case.set-status", "s", set_status_activated);
  gtk_widget_class_install_action (widget_class, "case.save", NULL, save_activated);
  gtk_widget_class_install_action (widget_class, "case.close", NULL, close_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "case.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "case.close", NULL);

  g_type_ensure (WM_TYPE_CASE_EDITOR);
  g_type_ensure (WM_TYPE_TIMELINE);
  g_type_ensure (WM_TYPE_MATCH_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-case-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, reference_label);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, status_badge);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, status_label);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, switcher);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, narrow_switcher);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, letters_button);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, status_button);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, save_button);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, risk_revealer);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, risk_label);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, editor);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, timeline);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, match_panel);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, referral_slot);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, summary_page);
  gtk_widget_class_bind_template_child (widget_class, WmCaseView, matching_page);
  gtk_widget_class_bind_template_callback (widget_class, editor_state_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, switcher_squeezed_cb);
  gtk_widget_class_bind_template_callback (widget_class, letters_clicked_cb);
}

static void
wm_case_view_init (WmCaseView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->summary_groups = g_ptr_array_new ();

  wm_accessible_label_menu_button (self->status_button, _("Change Status"));
}

/* Public API */

GtkWidget *
wm_case_view_new (WmSession  *session,
                  gint64      case_id,
                  GError    **error)
{
  g_autoptr(WmCase) kase = NULL;
  WmCaseView *self;

  g_return_val_if_fail (WM_IS_SESSION (session), NULL);
  g_return_val_if_fail (case_id >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* A therapist works only on cases referred to them; a new enquiry is not theirs to open. */
  if (case_id == 0
      && wm_store_get_role (wm_session_get_store (session)) == WM_ROLE_THERAPIST)
    {
      g_set_error (error, WM_STORE_ERROR, WM_STORE_ERROR_PERMISSION,
                   _("Permission denied: your role may not open a new enquiry"));
      return NULL;
    }
  if (case_id > 0)
    kase = wm_store_get_case (wm_session_get_store (session), case_id, error);
  else
    kase = wm_case_new ();
  if (kase == NULL)
    return NULL;

  self = g_object_new (WM_TYPE_CASE_VIEW, NULL);
  wm_case_view_set_session (self, session);
  wm_case_view_show_case (self, kase, TRUE);

  return GTK_WIDGET (self);
}

gint64
wm_case_view_get_case_id (WmCaseView *self)
{
  g_return_val_if_fail (WM_IS_CASE_VIEW (self), 0);

  return case_id (self);
}

/* A copy of the case as stored (not as being edited), or NULL for an enquiry not saved yet:
 * for windows that work on the open case without reading it again, which would record
 * another view of it in the audit log. */
WmCase *
wm_case_view_dup_case (WmCaseView *self)
{
  g_return_val_if_fail (WM_IS_CASE_VIEW (self), NULL);

  if (case_id (self) <= 0)
    return NULL;
  return copy_case (self->kase);
}

gboolean
wm_case_view_has_unsaved_changes (WmCaseView *self)
{
  g_return_val_if_fail (WM_IS_CASE_VIEW (self), FALSE);

  return wm_case_editor_get_dirty (self->editor) || self->save_failed;
}

gboolean
wm_case_view_save (WmCaseView *self)
{
  g_autoptr(WmCaseView) keep = NULL;
  g_autoptr(WmCase) copy = NULL;
  g_autoptr(GError) error = NULL;
  gboolean is_new;
  gboolean saved;

  g_return_val_if_fail (WM_IS_CASE_VIEW (self), FALSE);

  if (self->store == NULL || self->therapist || !wm_case_editor_get_valid (self->editor))
    return FALSE;

  keep = g_object_ref (self);
  copy = copy_case (self->kase);
  if (!wm_case_editor_apply (self->editor, copy))
    return FALSE;

  is_new = case_id (self) <= 0;
  self->saving = TRUE;
  saved = wm_store_save_case (self->store, copy, &error);
  self->saving = FALSE;
  if (!saved)
    {
      /* The editor counts what it applied as clean: remember it was not stored. */
      self->save_failed = TRUE;
      wm_case_view_update_save (self);
      toast_error (self, is_new ? _("Could not save the enquiry") : _("Could not save the case"),
                   error);
      return FALSE;
    }

  wm_case_view_show_case (self, copy, TRUE);
  wm_gui_toast (GTK_WIDGET (self), is_new ? _("Enquiry saved") : _("Case saved"));
  return TRUE;
}

void
wm_case_view_request_close (WmCaseView *self)
{
  GtkWidget *dialog;
  gboolean is_new;

  g_return_if_fail (WM_IS_CASE_VIEW (self));

  if (!wm_case_view_has_unsaved_changes (self))
    {
      wm_case_view_emit_close (self);
      return;
    }

  is_new = case_id (self) <= 0;
  dialog = adw_message_dialog_new (parent_window (self), _("Discard Changes?"),
                                   is_new ? _("This enquiry has not been saved. If you discard "
                                              "it, what was entered is lost.")
                                          : _("This case has changes that are not saved. If "
                                              "you discard them, they are lost."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "save",
                                           wm_case_editor_get_valid (self->editor));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}
