/* wm-referral-actions.c: on a case, the therapist's own referral and its next steps.
 *
 * Shows where the referral stands (when it was sent, the no-contact deadline while first
 * contact is awaited, when contact was made or the referral ended) and one button for each
 * move the referral state machine allows from there, nothing else. Declining and "no contact"
 * need a reason, which the store records on the case's timeline; ending asks first, since
 * nothing moves a referral on from "ended". The store checks every move again (the role and
 * the transition), and what it refuses is shown here, under the buttons.
 *
 * The widget follows WmStore::changed for its case, so a move made anywhere (the coordinator
 * marking no contact) shows at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-gui-util.h"
#include "wm-referral-actions.h"
#include "wm-vocab.h"

typedef enum
{
  MOVE_ACCEPT,
  MOVE_FIRST_CONTACT,
  MOVE_DECLINE,
  MOVE_NO_CONTACT,
  MOVE_END,
  N_MOVES
} Move;

static const char * const move_states[N_MOVES] = {
  [MOVE_ACCEPT] = "accepted",
  [MOVE_FIRST_CONTACT] = "first-contact",
  [MOVE_DECLINE] = "declined",
  [MOVE_NO_CONTACT] = "no-contact",
  [MOVE_END] = "ended",
};

struct _WmReferralActions
{
  AdwBin parent_instance;

  WmStore *store;
  gint64 case_id;
  gint64 therapist_id;
  gulong changed_id;

  WmReferral *referral;         /* the newest referral of the case to this therapist */

  GtkLabel *title_label;
  GtkLabel *detail_label;
  GtkLabel *error_label;
  GtkWidget *buttons[N_MOVES];
};

G_DEFINE_FINAL_TYPE (WmReferralActions, wm_referral_actions, ADW_TYPE_BIN)

static GtkWindow *
parent_window (WmReferralActions *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
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

/* Days left before the no-contact deadline, counted as the store counts them for the
 * therapist's list (wm_store_list_therapist_cases), so both say the same. */
static int
days_to_deadline (WmReferralActions *self)
{
  g_autoptr(GDateTime) sent = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  if (self->referral->sent_at == NULL
      || (sent = g_date_time_new_from_iso8601 (self->referral->sent_at, NULL)) == NULL)
    return G_MAXINT;
  return wm_store_get_no_contact_days (self->store)
         - (int) (g_date_time_difference (now, sent) / G_TIME_SPAN_DAY);
}

static void
set_detail (WmReferralActions *self,
            const char        *text,
            const char        *style)
{
  const char *styles[] = { "dim-label", "warning", "error" };

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->detail_label), styles[i]);
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->detail_label), style);
  gtk_label_set_text (self->detail_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), text != NULL && *text != '\0');
}

static void
show_error (WmReferralActions *self,
            const GError      *error)
{
  /* Store errors name the state and the rule, never a person; anything else gets a plain
   * sentence. */
  if (error == NULL)
    {
      gtk_label_set_text (self->error_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
      return;
    }
  gtk_label_set_text (self->error_label,
                      error->domain == WM_STORE_ERROR ? error->message
                                                      : _("Could not update the referral"));
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void
update (WmReferralActions *self)
{
  WmReferral *r = self->referral;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *sent = NULL;
  const char *style = "dim-label";

  for (guint i = 0; i < N_MOVES; i++)
    gtk_widget_set_visible (self->buttons[i],
                            r != NULL && wm_referral_state_can_transition (r->state,
                                                                          move_states[i]));
  /* One accent: the usual next step. On a new referral that is accepting it; recording
   * contact (allowed straight away too) takes the accent once accepted. */
  gtk_widget_add_css_class (self->buttons[MOVE_ACCEPT], "suggested-action");
  if (gtk_widget_get_visible (self->buttons[MOVE_ACCEPT]))
    gtk_widget_remove_css_class (self->buttons[MOVE_FIRST_CONTACT], "suggested-action");
  else
    gtk_widget_add_css_class (self->buttons[MOVE_FIRST_CONTACT], "suggested-action");

  if (r == NULL)
    {
      gtk_label_set_text (self->title_label, _("No referral to you on this case"));
      set_detail (self, NULL, NULL);
      return;
    }

  sent = format_day (r->sent_at);
  if (g_strcmp0 (r->state, "sent") == 0 || g_strcmp0 (r->state, "accepted") == 0)
    {
      int days = days_to_deadline (self);

      /* Translators: %s is a date, e.g. "Referred on 12 November 2026". */
      title = g_strcmp0 (r->state, "accepted") == 0
              ? g_strdup_printf (_("Accepted · referred on %s"), sent)
              : g_strdup_printf (_("Referred on %s"), sent);
      if (days == G_MAXINT)
        style = NULL;
      else if (days < 0)
        {
          detail = g_strdup_printf (ngettext ("First contact overdue by %d day",
                                              "First contact overdue by %d days", -days),
                                    -days);
          style = "error";
        }
      else if (days == 0)
        {
          detail = g_strdup (_("First contact due today"));
          style = "warning";
        }
      else
        {
          detail = g_strdup_printf (ngettext ("First contact due in %d day",
                                              "First contact due in %d days", days),
                                    days);
          style = days == 1 ? "warning" : "dim-label";
        }
    }
  else if (g_strcmp0 (r->state, "first-contact") == 0)
    {
      g_autofree char *day = format_day (r->first_contact_at);

      /* Translators: %s is a date. */
      title = g_strdup_printf (_("First contact made on %s"), day);
      detail = g_strdup_printf (_("Referred on %s"), sent);
    }
  else if (g_strcmp0 (r->state, "ended") == 0)
    {
      g_autofree char *day = format_day (r->ended_at);

      /* Translators: %s is a date. */
      title = g_strdup_printf (_("Referral ended on %s"), day);
      detail = g_strdup_printf (_("Referred on %s"), sent);
    }
  else
    {
      /* Declined or no contact: the reason was typed by a person, so it is shown only here,
       * on the case, never in a toast. */
      title = g_strdup_printf ("%s · %s", wm_vocab_label (WM_VOCAB_REFERRAL_STATE, r->state),
                               sent);
      if (r->decline_reason != NULL && *r->decline_reason != '\0')
        /* Translators: %s is the reason someone typed. */
        detail = g_strdup_printf (_("Reason: %s"), r->decline_reason);
    }

  gtk_label_set_text (self->title_label, title);
  set_detail (self, detail, style);
}

static void
reload (WmReferralActions *self)
{
  g_autoptr(GListModel) referrals = NULL;
  g_autoptr(GError) error = NULL;
  WmReferral *newest = NULL;

  if (self->store != NULL && self->case_id > 0)
    referrals = wm_store_list_referrals (self->store, self->case_id, &error);
  /* A therapist who declined (or gave up reaching the client) no longer sees the case: the
   * store says it is not found. What they just did stays on screen, from the referral as it
   * was moved. */
  if (referrals == NULL && self->referral != NULL
      && !wm_referral_state_is_open (self->referral->state)
      && g_strcmp0 (self->referral->state, "ended") != 0)
    {
      update (self);
      return;
    }
  g_clear_object (&self->referral);
  for (guint i = 0; referrals != NULL && i < g_list_model_get_n_items (referrals); i++)
    {
      g_autoptr(WmReferral) r = g_list_model_get_item (referrals, i);

      if (r->therapist_id != self->therapist_id)
        continue;
      if (newest == NULL
          || wm_record_get_id (WM_RECORD (r)) > wm_record_get_id (WM_RECORD (newest)))
        g_set_object (&newest, r);
    }
  self->referral = newest;
  if (error != NULL)
    show_error (self, error);
  update (self);
}

static void
store_changed_cb (WmStore           *store,
                  const char        *entity,
                  gint64             id,
                  WmReferralActions *self)
{
  if (g_strcmp0 (entity, "case") == 0 && (id == self->case_id || id < 0))
    reload (self);
  else if (g_strcmp0 (entity, "setting") == 0)
    update (self);
}

/* Moving the referral */

static void
move_to (WmReferralActions *self,
         const char        *state,
         const char        *reason)
{
  g_autoptr(WmReferralActions) keep = g_object_ref (self);
  g_autoptr(WmReferral) referral = NULL;
  g_autoptr(GError) error = NULL;

  if (self->referral == NULL)
    return;

  /* The store announces the change before returning, and reload() replaces the referral
   * then: hold on to the one being moved. */
  referral = g_object_ref (self->referral);
  if (!wm_store_set_referral_state (self->store, referral, state, reason, &error))
    {
      show_error (self, error);
      return;
    }
  show_error (self, NULL);
  g_set_object (&self->referral, referral);
  reload (self);
  wm_gui_toast (GTK_WIDGET (self), _("Referral updated"));
}

static void
reason_changed_cb (GtkEditable      *editable,
                   AdwMessageDialog *dialog)
{
  g_autofree char *reason = g_strdup (gtk_editable_get_text (editable));

  adw_message_dialog_set_response_enabled (dialog, "confirm", *g_strstrip (reason) != '\0');
}

static void
dialog_response_cb (AdwMessageDialog  *dialog,
                    const char        *response,
                    WmReferralActions *self)
{
  const char *state = g_object_get_data (G_OBJECT (dialog), "state");
  GtkWidget *extra = adw_message_dialog_get_extra_child (dialog);
  g_autofree char *reason = NULL;

  if (g_strcmp0 (response, "confirm") != 0)
    return;
  if (extra != NULL)
    {
      reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (extra))));
      /* Required: the button is insensitive without one, and the store refuses too. */
      if (*reason == '\0')
        return;
    }
  move_to (self, state, reason);
}

static void
ask (WmReferralActions *self,
     Move               move)
{
  GtkWidget *dialog = adw_message_dialog_new (parent_window (self), NULL, NULL);
  GtkWidget *entry = NULL;
  const char *confirm = NULL;

  switch (move)
    {
    case MOVE_DECLINE:
      adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (dialog), _("Decline Referral?"));
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                   _("Say why you cannot take this client. The coordinator "
                                     "sees the reason and looks for another therapist."));
      confirm = _("_Decline");
      break;
    case MOVE_NO_CONTACT:
      adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (dialog), _("No Contact?"));
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                   _("Say what you tried to reach the client. The coordinator "
                                     "sees it and looks for another way forward."));
      confirm = _("_Mark No Contact");
      break;
    case MOVE_END:
    default:
      adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (dialog), _("End Referral?"));
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                   _("The referral is closed for good and the client no "
                                     "longer counts in your caseload. This is recorded on the "
                                     "case’s timeline."));
      confirm = _("_End Referral");
      break;
    }

  if (move == MOVE_DECLINE || move == MOVE_NO_CONTACT)
    {
      entry = gtk_entry_new ();
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Reason (required)"));
      gtk_entry_set_max_length (GTK_ENTRY (entry), 500);
      gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"),
                                      GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE,
                                      -1);
      adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
      g_signal_connect_object (entry, "changed", G_CALLBACK (reason_changed_cb), dialog, 0);
    }

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "confirm", confirm,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "confirm",
                                              move == MOVE_END ? ADW_RESPONSE_DESTRUCTIVE
                                                               : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "confirm",
                                           entry == NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog),
                                           move == MOVE_END ? "cancel" : "confirm");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "state", (gpointer) move_states[move]);
  g_signal_connect_object (dialog, "response", G_CALLBACK (dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  if (entry != NULL)
    gtk_widget_grab_focus (entry);
}

static void
button_clicked_cb (GtkButton         *button,
                   WmReferralActions *self)
{
  Move move = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "move"));

  show_error (self, NULL);
  if (self->referral == NULL
      || !wm_referral_state_can_transition (self->referral->state, move_states[move]))
    return;
  if (move == MOVE_ACCEPT || move == MOVE_FIRST_CONTACT)
    move_to (self, move_states[move], NULL);
  else
    ask (self, move);
}

/* Overrides */

static void
wm_referral_actions_dispose (GObject *object)
{
  WmReferralActions *self = WM_REFERRAL_ACTIONS (object);

  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->referral);

  G_OBJECT_CLASS (wm_referral_actions_parent_class)->dispose (object);
}

static void
wm_referral_actions_class_init (WmReferralActionsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wm_referral_actions_dispose;
}

static void
wm_referral_actions_init (WmReferralActions *self)
{
  static const struct { const char *label; const char *tooltip; } buttons[N_MOVES] = {
    [MOVE_ACCEPT] = { N_("_Accept"), N_("Take this client on") },
    [MOVE_FIRST_CONTACT] = { N_("Record _First Contact"), N_("You have spoken with the client") },
    [MOVE_DECLINE] = { N_("_Decline…"), N_("You cannot take this client") },
    [MOVE_NO_CONTACT] = { N_("_No Contact…"), N_("You could not reach the client") },
    [MOVE_END] = { N_("_End Referral…"), N_("Work with this client has finished") },
  };
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *button_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  /* A bar across the view under the header and the risk banner, lined up with them, so it
   * stays in sight on every page of the case. */
  gtk_widget_set_margin_top (top, 9);
  gtk_widget_set_margin_bottom (top, 9);
  gtk_widget_set_margin_start (top, 18);
  gtk_widget_set_margin_end (top, 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (card), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Your referral"), -1);

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title_label, 0);
  gtk_label_set_wrap (self->title_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  self->detail_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->detail_label, 0);
  gtk_label_set_wrap (self->detail_label, TRUE);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (text), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (text), GTK_WIDGET (self->detail_label));
  gtk_box_append (GTK_BOX (top), text);

  gtk_widget_set_valign (button_box, GTK_ALIGN_CENTER);
  for (guint i = 0; i < N_MOVES; i++)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_(buttons[i].label));

      gtk_widget_set_tooltip_text (button, _(buttons[i].tooltip));
      g_object_set_data (G_OBJECT (button), "move", GINT_TO_POINTER (i));
      g_signal_connect (button, "clicked", G_CALLBACK (button_clicked_cb), self);
      gtk_widget_set_visible (button, FALSE);
      gtk_box_append (GTK_BOX (button_box), button);
      self->buttons[i] = button;
    }
  gtk_box_append (GTK_BOX (top), button_box);
  gtk_box_append (GTK_BOX (card), top);

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->error_label, 0);
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->error_label), 18);
  gtk_widget_set_margin_end (GTK_WIDGET (self->error_label), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->error_label), 9);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (card), GTK_WIDGET (self->error_label));
  gtk_box_append (GTK_BOX (card), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  adw_bin_set_child (ADW_BIN (self), card);
}

/* Public API */

GtkWidget *
wm_referral_actions_new (WmStore *store,
                         gint64   case_id,
                         gint64   therapist_id)
{
  WmReferralActions *self;

  g_return_val_if_fail (WM_IS_STORE (store), NULL);

  self = g_object_new (WM_TYPE_REFERRAL_ACTIONS, NULL);
  self->store = g_object_ref (store);
  self->case_id = case_id;
  self->therapist_id = therapist_id;
  self->changed_id = g_signal_connect (store, "changed", G_CALLBACK (store_changed_cb), self);
  reload (self);

  return GTK_WIDGET (self);
}
