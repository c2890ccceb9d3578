/* wm-match-panel.c: who should this client see, and what happened to the referrals so far.
 *
 * The panel runs the matcher on the main thread (a register of 10,000 therapists ranks in a
 * few milliseconds) whenever its case, the case's referrals or the register change, and shows
 * the outcome as it was computed: the rows are built from the structured result, with the
 * explanation from wm-explain, so what the coordinator reads is what the matcher decided.
 *
 * Referring and marking a referral declined or without contact go through the store, which
 * moves the case along its state machine and writes the events; the panel only asks, confirms
 * and then follows the store's ::changed signal like every other page.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "wm-explain.h"
#include "wm-gui-util.h"
#include "wm-map-view.h"
#include "wm-match-panel.h"
#include "wm-matching.h"
#include "wm-vocab.h"

struct _WmMatchPanel
{
  AdwBin parent_instance;

  WmSession *session;
  WmStore *store;
  gulong changed_id;

  WmCase *kase;
  char *status;                 /* the case's status as stored now */
  WmMatchOutcome *outcome;
  WmMatchSnapshot *snapshot;
  GListModel *referrals;
  gboolean excluded_built;

  /* Template widgets (the stack, the bin's own child, is reached through the bin: AdwBin
   * unparents it itself, so it must not be a template child as well) */
  GtkWidget *refer_note;
  GtkLabel *refer_note_label;
  GtkWidget *start_matching_button;
  GtkWidget *referrals_box;
  GtkListBox *referrals_list;
  GtkWidget *summary_box;
  GtkWidget *summary_icon;
  GtkLabel *summary_label;
  WmMapView *map_view;
  GtkListBox *results_list;
  GtkToggleButton *excluded_toggle;
  GtkRevealer *excluded_revealer;
  GtkListBox *excluded_list;
};

G_DEFINE_FINAL_TYPE (WmMatchPanel, wm_match_panel, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_REFERRED,
  SIGNAL_REFERRAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void wm_match_panel_refresh (WmMatchPanel *self);

static gint64
case_id (WmMatchPanel *self)
{
  return self->kase != NULL ? wm_record_get_id (WM_RECORD (self->kase)) : 0;
}

/* Store errors name fields and states, never a person; anything else gets a plain sentence,
 * since validation messages can quote what was typed. */
static void
toast_error (WmMatchPanel *self,
             const char   *fallback,
             const GError *error)
{
  if (error != NULL && error->domain == WM_STORE_ERROR)
    wm_gui_toast (GTK_WIDGET (self), error->message);
  else
    wm_gui_toast (GTK_WIDGET (self), fallback);
}

static GtkWindow *
parent_window (WmMatchPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* "empty" (no case yet) or "match". The stack is the bin's own child. */
static void
show_page (WmMatchPanel *self,
           const char   *name)
{
  gtk_stack_set_visible_child_name (GTK_STACK (adw_bin_get_child (ADW_BIN (self))), name);
}

static void
clear_list_box (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    {
      if (GTK_IS_LIST_BOX_ROW (child))
        gtk_list_box_remove (list, child);
      else
        break;
    }
}

static const WmMatchTherapist *
find_therapist (WmMatchPanel *self,
                gint64        therapist_id)
{
  guint n;

  if (self->snapshot == NULL)
    return NULL;
  n = wm_match_snapshot_get_n (self->snapshot);
  for (guint i = 0; i < n; i++)
    {
      const WmMatchTherapist *t = wm_match_snapshot_get (self->snapshot, i);

      if (t->id == therapist_id)
        return t;
    }
  return NULL;
}

static char *
dup_therapist_name (WmMatchPanel *self,
                    gint64        therapist_id)
{
  const WmMatchTherapist *t = find_therapist (self, therapist_id);
  g_autoptr(WmTherapist) therapist = NULL;

  if (t != NULL && t->name != NULL)
    return g_strdup (t->name);
  if (self->store != NULL)
    therapist = wm_store_get_therapist (self->store, therapist_id, NULL);
  if (therapist != NULL)
    return g_strstrip (wm_therapist_dup_display_name (therapist));
  return g_strdup (_("Unknown therapist"));
}

static const WmMatchResult *
find_result (WmMatchPanel *self,
             gint64        therapist_id)
{
  if (self->outcome == NULL)
    return NULL;
  for (guint i = 0; i < self->outcome->results->len; i++)
    {
      const WmMatchResult *r = &g_array_index (self->outcome->results, WmMatchResult, i);

      if (r->therapist_id == therapist_id)
        return r;
    }
  return NULL;
}

static WmReferral *
find_referral (WmMatchPanel *self,
               gint64        referral_id)
{
  guint n = self->referrals != NULL ? g_list_model_get_n_items (self->referrals) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmReferral) referral = g_list_model_get_item (self->referrals, i);

      if (wm_record_get_id (WM_RECORD (referral)) == referral_id)
        return g_steal_pointer (&referral);
    }
  return NULL;
}

static char *
load_status (WmMatchPanel *self)
{
  g_autoptr(GArray) summaries = g_array_new (FALSE, TRUE, sizeof (WmCaseSummaryData));
  gint64 id = case_id (self);

  /* The case's own copy can be stale (a referral moves the case in the store); a summary
   * reads the status without counting as opening the case. */
  g_array_set_clear_func (summaries, (GDestroyNotify) wm_case_summary_data_clear);
  if (wm_store_load_case_summaries (self->store, &id, 1, summaries, NULL)
      && summaries->len == 1
      && g_array_index (summaries, WmCaseSummaryData, 0).status != NULL)
    return g_strdup (g_array_index (summaries, WmCaseSummaryData, 0).status);
  return g_strdup (self->kase->status);
}

/* Rows */

static GtkWidget *
create_referral_row (WmMatchPanel *self,
                     WmReferral   *referral)
{
  g_autofree char *name = dup_therapist_name (self, referral->therapist_id);
  g_autofree char *sent = wm_gui_format_timestamp (referral->sent_at);
  g_autofree char *subtitle = NULL;
  gint64 id = wm_record_get_id (WM_RECORD (referral));
  GtkWidget *row;
  GtkWidget *state;

  if (referral->decline_reason != NULL && *referral->decline_reason != '\0')
    /* Translators: "Sent 27 Nov 2026, 10:15 · Reason: no space until spring". */
    subtitle = g_strdup_printf (_("Sent %s · Reason: %s"), sent, referral->decline_reason);
  else
    /* Translators: "Sent 27 Nov 2026, 10:15". */
    subtitle = g_strdup_printf (_("Sent %s"), sent);

  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  state = gtk_label_new (wm_vocab_label (WM_VOCAB_REFERRAL_STATE, referral->state));
  gtk_widget_add_css_class (state, wm_referral_state_is_open (referral->state) ? "accent"
                                                                               : "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), state);

  if (wm_referral_state_can_transition (referral->state, "declined"))
    {
      GtkWidget *declined = gtk_button_new_with_mnemonic (_("_Declined…"));
      GtkWidget *no_contact = gtk_button_new_with_mnemonic (_("_No Contact…"));
      g_autofree char *declined_name = NULL;
      g_autofree char *no_contact_name = NULL;

      /* Translators: the accessible name of the "Declined…" button; %s is a therapist. */
      declined_name = g_strdup_printf (_("Mark the referral to %s as declined"), name);
      /* Translators: the accessible name of the "No Contact…" button; %s is a therapist. */
      no_contact_name = g_strdup_printf (_("Mark the referral to %s as no contact"), name);

      gtk_widget_set_valign (declined, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (declined), "match.declined");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (declined), "x", id);
      gtk_accessible_update_property (GTK_ACCESSIBLE (declined),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, declined_name, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), declined);

      gtk_widget_set_valign (no_contact, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (no_contact), "match.no-contact");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (no_contact), "x", id);
      gtk_accessible_update_property (GTK_ACCESSIBLE (no_contact),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, no_contact_name, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), no_contact);
    }

  return row;
}

static GtkWidget *
create_result_row (WmMatchPanel        *self,
                   guint                rank,
                   const WmMatchResult *result)
{
  const WmMatchTherapist *t = wm_match_snapshot_get (self->snapshot, result->index);
  g_autofree char *explanation = wm_match_explain (result);
  g_autofree char *rank_text = g_strdup_printf ("%u", rank);
  g_autofree char *score_text = g_strdup_printf ("%.2f", result->score);
  g_autofree char *score_name = NULL;
  g_autofree char *refer_name = NULL;
  GtkWidget *row;
  GtkWidget *rank_label;
  GtkWidget *where_box;
  GtkWidget *mode_label;
  GtkWidget *score_box;
  GtkWidget *score_label;
  GtkWidget *score_bar;
  GtkWidget *refer;

  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), t->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), explanation);

  rank_label = gtk_label_new (rank_text);
  gtk_label_set_width_chars (GTK_LABEL (rank_label), 2);
  gtk_label_set_xalign (GTK_LABEL (rank_label), 1.0);
  gtk_widget_add_css_class (rank_label, "title-4");
  gtk_widget_add_css_class (rank_label, "numeric");
  gtk_widget_add_css_class (rank_label, "dim-label");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), rank_label);

  /* Mode over distance, right-aligned, so the column lines up down the list. */
  where_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_valign (where_box, GTK_ALIGN_CENTER);
  mode_label = gtk_label_new (result->mode == WM_MODE_ONLINE ? _("Online") : _("In person"));
  gtk_label_set_xalign (GTK_LABEL (mode_label), 1.0);
  gtk_widget_add_css_class (mode_label, "caption-heading");
  gtk_box_append (GTK_BOX (where_box), mode_label);
  if (isfinite (result->distance_km))
    {
      g_autofree char *distance = wm_match_format_distance (result->distance_km);
      GtkWidget *distance_label = gtk_label_new (distance);

      gtk_label_set_xalign (GTK_LABEL (distance_label), 1.0);
      gtk_widget_add_css_class (distance_label, "caption");
      gtk_widget_add_css_class (distance_label, "dim-label");
      gtk_widget_add_css_class (distance_label, "numeric");
      gtk_box_append (GTK_BOX (where_box), distance_label);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), where_box);

  /* Translators: a match score between 0 and 1, e.g. "Score 0.82 of 1". */
  score_name = g_strdup_printf (_("Score %s of 1"), score_text);
  score_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  gtk_widget_set_valign (score_box, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (score_box, score_name);
  score_label = gtk_label_new (score_text);
  gtk_widget_add_css_class (score_label, "numeric");
  gtk_box_append (GTK_BOX (score_box), score_label);
  score_bar = gtk_level_bar_new_for_interval (0.0, 1.0);
  gtk_level_bar_set_value (GTK_LEVEL_BAR (score_bar), CLAMP (result->score, 0.0, 1.0));
  /* The bar's own offsets colour low values as a warning; a lower score is not a problem. */
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (score_bar), GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (score_bar), GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (score_bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_widget_set_size_request (score_bar, 48, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (score_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, score_name, -1);
  gtk_box_append (GTK_BOX (score_box), score_bar);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), score_box);

  /* Translators: the accessible name of a "Refer" button; %s is a therapist. */
  refer_name = g_strdup_printf (_("Refer to %s"), t->name);
  refer = gtk_button_new_with_mnemonic (_("_Refer…"));
  gtk_widget_set_valign (refer, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (refer), "match.refer");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (refer), "x", result->therapist_id);
  gtk_accessible_update_property (GTK_ACCESSIBLE (refer),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, refer_name, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), refer);

  return row;
}

static int
compare_exclusions (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  WmMatchPanel *self = user_data;
  const WmMatchExclusion *ea = a;
  const WmMatchExclusion *eb = b;

  if (ea->reason != eb->reason)
    return ea->reason < eb->reason ? -1 : 1;
  return g_utf8_collate (wm_match_snapshot_get (self->snapshot, ea->index)->name,
                         wm_match_snapshot_get (self->snapshot, eb->index)->name);
}

/* The names of one group, added when it is first opened: a large register can exclude
 * thousands, and most groups are never looked into. */
static void
excluded_group_expanded_cb (AdwExpanderRow *group,
                            GParamSpec     *pspec,
                            WmMatchPanel   *self)
{
  GArray *members = g_object_get_data (G_OBJECT (group), "members");
  WmExclusion reason = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (group), "reason"));

  if (!adw_expander_row_get_expanded (group) || members == NULL || self->snapshot == NULL)
    return;

  for (guint i = 0; i < members->len; i++)
    {
      const WmMatchTherapist *t = wm_match_snapshot_get (self->snapshot,
                                                         g_array_index (members, guint, i));
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), t->name);
      /* The reason again, for whoever meets the row on its own (a screen reader, a search). */
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), wm_exclusion_label (reason));
      adw_expander_row_add_row (group, row);
    }
  g_object_set_data (G_OBJECT (group), "members", NULL);
}

/* One expandable group a reason, in the order the matcher checks them, with how many it
 * excluded: why nobody suitable is left is then clear at a glance. */
static void
wm_match_panel_build_excluded (WmMatchPanel *self)
{
  g_autoptr(GArray) sorted = NULL;
  guint start = 0;

  clear_list_box (self->excluded_list);
  self->excluded_built = TRUE;
  if (self->outcome == NULL)
    return;

  sorted = g_array_copy (self->outcome->excluded);
  g_array_sort_with_data (sorted, compare_exclusions, self);
  while (start < sorted->len)
    {
      WmExclusion reason = g_array_index (sorted, WmMatchExclusion, start).reason;
      GArray *members = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autofree char *count = NULL;
      GtkWidget *group;

      for (; start < sorted->len; start++)
        {
          const WmMatchExclusion *e = &g_array_index (sorted, WmMatchExclusion, start);

          if (e->reason != reason)
            break;
          g_array_append_val (members, e->index);
        }

      count = g_strdup_printf (ngettext ("%u therapist", "%u therapists", members->len),
                               members->len);
      group = adw_expander_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (group), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (group), wm_exclusion_label (reason));
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (group), count);
      g_object_set_data (G_OBJECT (group), "reason", GINT_TO_POINTER (reason));
      g_object_set_data_full (G_OBJECT (group), "members", members,
                              (GDestroyNotify) g_array_unref);
      g_signal_connect_object (group, "notify::expanded",
                               G_CALLBACK (excluded_group_expanded_cb), self, 0);
      gtk_list_box_append (self->excluded_list, group);
    }
}

/* State */

static void
wm_match_panel_update_referring (WmMatchPanel *self,
                                 gboolean      has_open_referral)
{
  gboolean can_refer = !has_open_referral
                       && wm_case_status_can_transition (self->status, "referred");
  gboolean can_start = !has_open_referral
                       && wm_case_status_can_transition (self->status, "matching");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "match.refer", can_refer);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "match.start-matching", can_start);
  gtk_widget_set_visible (self->start_matching_button, can_start);
  gtk_widget_set_visible (self->refer_note, !can_refer);
  if (has_open_referral)
    gtk_label_set_text (self->refer_note_label,
                        _("A referral is open. Mark it declined or no contact before referring "
                          "again."));
  else if (wm_case_status_is_open (self->status))
    gtk_label_set_text (self->refer_note_label, _("Move the case to Matching to refer."));
  else
    gtk_label_set_text (self->refer_note_label, _("The case is closed: it cannot be referred."));
}

static void
wm_match_panel_show_summary (WmMatchPanel *self)
{
  g_autofree char *summary = NULL;
  gboolean notable;

  if (self->outcome == NULL)
    {
      gtk_label_set_text (self->summary_label, _("The match could not be run."));
      return;
    }

  /* A widened radius, or a client whose area is unknown, changes what the list means. */
  summary = wm_match_outcome_summary (self->outcome);
  notable = self->outcome->widened || !self->outcome->case_located;
  gtk_label_set_text (self->summary_label, summary);
  gtk_widget_set_visible (self->summary_icon, notable);
  if (notable)
    {
      gtk_widget_add_css_class (self->summary_box, "card");
      gtk_widget_remove_css_class (GTK_WIDGET (self->summary_label), "dim-label");
      gtk_widget_set_margin_top (GTK_WIDGET (self->summary_label), 12);
      gtk_widget_set_margin_bottom (GTK_WIDGET (self->summary_label), 12);
      gtk_widget_set_margin_end (GTK_WIDGET (self->summary_label), 12);
    }
  else
    {
      gtk_widget_remove_css_class (self->summary_box, "card");
      gtk_widget_add_css_class (GTK_WIDGET (self->summary_label), "dim-label");
      gtk_widget_set_margin_top (GTK_WIDGET (self->summary_label), 0);
      gtk_widget_set_margin_bottom (GTK_WIDGET (self->summary_label), 0);
      gtk_widget_set_margin_end (GTK_WIDGET (self->summary_label), 0);
    }
}

static void
wm_match_panel_refresh (WmMatchPanel *self)
{
  g_autoptr(GError) error = NULL;
  gboolean has_open_referral = FALSE;
  guint n_referrals;

  clear_list_box (self->results_list);
  clear_list_box (self->referrals_list);
  clear_list_box (self->excluded_list);
  self->excluded_built = FALSE;
  g_clear_pointer (&self->outcome, wm_match_outcome_free);
  g_clear_pointer (&self->snapshot, wm_match_snapshot_free);
  g_clear_object (&self->referrals);
  g_clear_pointer (&self->status, g_free);

  if (self->store == NULL || case_id (self) <= 0)
    {
      wm_map_view_show_match (self->map_view, NULL, NULL, NULL, NULL);
      show_page (self, "empty");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "match.refer", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "match.start-matching", FALSE);
      return;
    }
  show_page (self, "match");

  self->status = load_status (self);
  self->outcome = wm_matching_run (self->store, self->kase, &self->snapshot, &error);
  if (self->outcome == NULL)
    wm_gui_toast (GTK_WIDGET (self), _("Could not run the match"));

  self->referrals = wm_store_list_referrals (self->store, case_id (self), NULL);
  n_referrals = self->referrals != NULL ? g_list_model_get_n_items (self->referrals) : 0;
  for (guint i = 0; i < n_referrals; i++)
    {
      g_autoptr(WmReferral) referral = g_list_model_get_item (self->referrals, i);

      has_open_referral |= wm_referral_state_is_open (referral->state);
      gtk_list_box_append (self->referrals_list, create_referral_row (self, referral));
    }
  gtk_widget_set_visible (self->referrals_box, n_referrals > 0);

  wm_match_panel_show_summary (self);
  wm_map_view_show_match (self->map_view, self->store, self->kase, self->outcome, self->snapshot);
  if (self->outcome != NULL)
    for (guint i = 0; i < self->outcome->results->len; i++)
      gtk_list_box_append (self->results_list,
                           create_result_row (self, i + 1,
                                              &g_array_index (self->outcome->results,
                                                              WmMatchResult, i)));

  if (gtk_toggle_button_get_active (self->excluded_toggle))
    wm_match_panel_build_excluded (self);

  wm_match_panel_update_referring (self, has_open_referral);
}

/* Referring */

static void
refer_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   WmMatchPanel     *self)
{
  g_autoptr(WmMatchPanel) keep = g_object_ref (self);
  g_autoptr(WmReferral) referral = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *explanation = NULL;
  gint64 therapist_id = *(gint64 *) g_object_get_data (G_OBJECT (dialog), "therapist-id");
  const WmMatchResult *result;
  double score;

  if (g_strcmp0 (response, "refer") != 0)
    return;

  /* The list may have been re-run while the dialog was open: refer from what is current. */
  result = find_result (self, therapist_id);
  if (result == NULL || case_id (self) <= 0)
    {
      wm_gui_toast (GTK_WIDGET (self), _("The therapist is no longer suggested for this case"));
      return;
    }
  score = result->score;
  explanation = wm_match_explain (result);

  referral = wm_store_create_referral (self->store, case_id (self), therapist_id, score,
                                       explanation, &error);
  if (referral == NULL)
    {
      toast_error (self, _("Could not send the referral"), error);
      return;
    }
  wm_gui_toast (GTK_WIDGET (self), _("Referral sent"));
  g_signal_emit (self, signals[SIGNAL_REFERRED], 0, wm_record_get_id (WM_RECORD (referral)));
}

static void
refer_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  WmMatchPanel *self = WM_MATCH_PANEL (widget);
  gint64 therapist_id = g_variant_get_int64 (parameter);
  g_autofree char *name = NULL;
  GtkWidget *dialog;

  if (find_result (self, therapist_id) == NULL)
    return;
  name = dup_therapist_name (self, therapist_id);

  dialog = adw_message_dialog_new (parent_window (self), _("Refer Client?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("Refer this client to %s? The case moves to Referred, and "
                                    "the referral is recorded on its timeline."),
                                  name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "refer", _("_Refer"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "refer",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "refer");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "therapist-id",
                          g_memdup2 (&therapist_id, sizeof therapist_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (refer_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A referral that did not work out */

static void
reason_changed_cb (GtkEditable      *editable,
                   AdwMessageDialog *dialog)
{
  g_autofree char *reason = g_strdup (gtk_editable_get_text (editable));

  adw_message_dialog_set_response_enabled (dialog, "confirm", *g_strstrip (reason) != '\0');
}

static void
failed_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    WmMatchPanel     *self)
{
  g_autoptr(WmMatchPanel) keep = g_object_ref (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  WmReferral *referral = g_object_get_data (G_OBJECT (dialog), "referral");
  const char *state = g_object_get_data (G_OBJECT (dialog), "state");
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  gint64 referral_id = wm_record_get_id (WM_RECORD (referral));

  if (g_strcmp0 (response, "confirm") != 0)
    return;

  reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  if (*reason == '\0')
    return;

  /* The store sends the case back to matching; ::changed then re-runs the match, where this
   * therapist now shows as excluded. */
  if (!wm_store_set_referral_state (self->store, referral, state, reason, &error))
    {
      toast_error (self, _("Could not update the referral"), error);
      return;
    }
  wm_gui_toast (GTK_WIDGET (self), g_strcmp0 (state, "declined") == 0
                                   ? _("Referral marked declined")
                                   : _("Referral marked no contact"));
  g_signal_emit (self, signals[SIGNAL_REFERRAL_FAILED], 0, referral_id);
}

static void
ask_why_referral_failed (WmMatchPanel *self,
                         gint64        referral_id,
                         const char   *state)
{
  g_autoptr(WmReferral) referral = find_referral (self, referral_id);
  g_autofree char *name = NULL;
  gboolean declined = g_strcmp0 (state, "declined") == 0;
  GtkWidget *dialog;
  GtkWidget *entry;

  if (referral == NULL || !wm_referral_state_can_transition (referral->state, state))
    return;
  name = dup_therapist_name (self, referral->therapist_id);

  dialog = adw_message_dialog_new (parent_window (self),
                                   declined ? _("Referral Declined?") : _("No Contact?"), NULL);
  if (declined)
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    _("Say why %s declined. The case goes back to Matching, "
                                      "and they are not suggested for this client again."),
                                    name);
  else
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    _("Say what was tried to reach %s. The case goes back "
                                      "to Matching, and they are not suggested for this "
                                      "client again."),
                                    name);

  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Reason (required)"));
  gtk_entry_set_max_length (GTK_ENTRY (entry), 500);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"),
                                  GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE,
                                  -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "confirm", declined ? _("_Mark Declined")
                                                        : _("_Mark No Contact"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "confirm",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "confirm", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "confirm");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  g_object_set_data_full (G_OBJECT (dialog), "referral", g_object_ref (referral),
                          g_object_unref);
  g_object_set_data (G_OBJECT (dialog), "state", (gpointer) (declined ? "declined"
                                                                      : "no-contact"));
  g_signal_connect_object (entry, "changed", G_CALLBACK (reason_changed_cb), dialog, 0);
  g_signal_connect_object (dialog, "response", G_CALLBACK (failed_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
declined_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ask_why_referral_failed (WM_MATCH_PANEL (widget), g_variant_get_int64 (parameter), "declined");
}

static void
no_contact_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ask_why_referral_failed (WM_MATCH_PANEL (widget), g_variant_get_int64 (parameter),
                           "no-contact");
}

static void
start_matching_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  WmMatchPanel *self = WM_MATCH_PANEL (widget);
  g_autoptr(WmMatchPanel) keep = g_object_ref (self);
  g_autoptr(WmCase) kase = self->kase != NULL ? g_object_ref (self->kase) : NULL;
  g_autoptr(GError) error = NULL;

  if (kase == NULL || self->store == NULL)
    return;
  if (!wm_store_set_case_status (self->store, kase, "matching", NULL, &error))
    toast_error (self, _("Could not change the status"), error);
  else
    wm_gui_toast (GTK_WIDGET (self), _("Status changed"));
}

/* Signal handlers */

static void
store_changed_cb (WmStore      *store,
                  const char   *entity,
                  gint64        id,
                  WmMatchPanel *self)
{
  if (case_id (self) <= 0)
    return;
  /* A referral anywhere changes caseloads; a therapist edit can change anyone's eligibility. */
  if (g_strcmp0 (entity, "therapist") == 0
      || (g_strcmp0 (entity, "case") == 0 && (id == case_id (self) || id < 0))
      || g_strcmp0 (entity, "setting") == 0)
    wm_match_panel_refresh (self);
}

static void
excluded_toggle_toggled_cb (GtkToggleButton *toggle,
                            WmMatchPanel    *self)
{
  gboolean active = gtk_toggle_button_get_active (toggle);

  if (active && !self->excluded_built)
    wm_match_panel_build_excluded (self);
  gtk_revealer_set_reveal_child (self->excluded_revealer, active);
  gtk_button_set_label (GTK_BUTTON (toggle), active ? _("Hide _Excluded Therapists")
                                                    : _("Show _Excluded Therapists"));
}

/* Overrides */

static void
wm_match_panel_set_session (WmMatchPanel *self,
                            WmSession    *session)
{
  if (self->session == session)
    return;

  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      self->store = g_object_ref (wm_session_get_store (session));
      self->changed_id = g_signal_connect (self->store, "changed",
                                           G_CALLBACK (store_changed_cb), self);
    }
  wm_match_panel_refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
wm_match_panel_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WmMatchPanel *self = WM_MATCH_PANEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_match_panel_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  WmMatchPanel *self = WM_MATCH_PANEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      wm_match_panel_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_match_panel_dispose (GObject *object)
{
  WmMatchPanel *self = WM_MATCH_PANEL (object);

  g_clear_signal_handler (&self->changed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_MATCH_PANEL);
  g_clear_object (&self->store);
  g_clear_object (&self->session);
  g_clear_object (&self->kase);
  g_clear_object (&self->referrals);
  g_clear_pointer (&self->outcome, wm_match_outcome_free);
  g_clear_pointer (&self->snapshot, wm_match_snapshot_free);
  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (wm_match_panel_parent_class)->dispose (object);
}

static void
wm_match_panel_class_init (WmMatchPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_match_panel_dispose;
  object_class->get_property = wm_match_panel_get_property;
  object_class->set_property = wm_match_panel_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         WM_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_REFERRED] =
    g_signal_new ("referred",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_REFERRAL_FAILED] =
    g_signal_new ("referral-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_install_action (widget_class, "match.refer", "x", refer_activated);
  gtk_widget_class_install_action (widget_class, "match.declined", "x", declined_activated);
  gtk_widget_class_install_action (widget_class, "match.no-contact", "x",
                                   no_contact_activated);
  gtk_widget_class_install_action (widget_class, "match.start-matching", NULL,
                                   start_matching_activated);

  g_type_ensure (WM_TYPE_MAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-match-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, refer_note);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, refer_note_label);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, start_matching_button);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, referrals_box);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, referrals_list);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, summary_box);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, summary_icon);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, map_view);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, results_list);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, excluded_toggle);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, excluded_revealer);
  gtk_widget_class_bind_template_child (widget_class, WmMatchPanel, excluded_list);
  gtk_widget_class_bind_template_callback (widget_class, excluded_toggle_toggled_cb);
}

static void
wm_match_panel_init (WmMatchPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The map's numbered matches offer the same "Refer…" as the rows. */
  wm_map_view_set_refer_action (self->map_view, "match.refer");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "match.refer", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "match.start-matching", FALSE);
}

GtkWidget *
wm_match_panel_new (WmSession *session)
{
  g_return_val_if_fail (session == NULL || WM_IS_SESSION (session), NULL);

  return g_object_new (WM_TYPE_MATCH_PANEL, "session", session, NULL);
}

void
wm_match_panel_set_case (WmMatchPanel *self,
                         WmCase       *kase)
{
  g_return_if_fail (WM_IS_MATCH_PANEL (self));
  g_return_if_fail (kase == NULL || WM_IS_CASE (kase));

  g_set_object (&self->kase, kase);
  wm_match_panel_refresh (self);
}
