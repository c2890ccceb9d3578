/* wm-therapists-page.c: the therapist directory and the therapist form, side by side.
 *
 * The directory is a GtkListView over a filter model over a sort model over a GListStore
 * holding the store's therapists, so only the rows on screen are widgets. What a row shows
 * besides the record (open referrals, compliance problems, the text searched) is worked out
 * for every therapist at once when the list is loaded: open referrals come from the matcher's
 * snapshot, one query for all, never one a row.
 *
 * The page follows WmStore::changed: "therapist" reloads the list (keeping the selection),
 * "case" refreshes the places free, "setting" the DBS rule.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wm-accessible.h"
#include "wm-gui-util.h"
#include "wm-therapist-editor.h"
#include "wm-therapists-page.h"
#include "wm-vocab.h"

/* What the directory knows about a therapist besides the record. */
typedef struct
{
  int open_referrals;
  char *problems;   /* compliance problems, one a line; NULL: none */
  char *search_key; /* names, town, ID and postcode district, case-folded */
} Info;

static void
info_free (Info *info)
{
  g_free (info->problems);
  g_free (info->search_key);
  g_free (info);
}

struct _WmTherapistsPage
{
  AdwBin parent_instance;

  WmSession *session;
  WmStore *store;
  gulong changed_id;

  /* Template widgets */
  AdwLeaflet *leaflet;
  GtkSearchEntry *search_entry;
  GtkButton *new_button;
  GtkDropDown *specialism_dropdown;
  GtkCheckButton *accepting_check;
  GtkCheckButton *compliance_check;
  GtkCheckButton *inactive_check;
  GtkLabel *count_label;
  GtkStack *list_stack;
  GtkListView *list_view;
  AdwStatusPage *empty_page;
  GtkWidget *editor_bar;
  GtkWidget *editor_bar_separator;
  GtkButton *back_button;
  GtkLabel *editor_title;
  GtkButton *save_button;
  GtkStack *content_stack;
  WmTherapistEditor *editor;

  GListStore *therapists;
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  GHashTable *info;          /* gint64 id → Info */

  guint32 today;
  guint dbs_validity_years;

  /* Filters */
  char **search_words;       /* case-folded; NULL: no search */
  const char *specialism;    /* a code; NULL: any */

  WmTherapist *current;      /* what the editor was loaded from; NULL: nothing open */
  gint64 pending_id;         /* what to open once unsaved changes are dealt with */
  gboolean pending_new;
  AdwMessageDialog *unsaved_dialog;
  gboolean syncing_selection;
  gboolean saving;
};

G_DEFINE_FINAL_TYPE (WmTherapistsPage, wm_therapists_page, ADW_TYPE_BIN)

static void open_now (WmTherapistsPage *self,
                      gint64            id,
                      gboolean          is_new);

/* Per-therapist information */

static Info *
lookup_info (WmTherapistsPage *self,
             WmTherapist      *t)
{
  gint64 id = wm_record_get_id (WM_RECORD (t));

  return g_hash_table_lookup (self->info, &id);
}

/* "LS6 2AB" → "LS6": only the district is searched, as directories show no more. */
static char *
dup_district (const char *postcode)
{
  const char *space;

  if (postcode == NULL)
    return NULL;
  space = strchr (postcode, ' ');
  return space != NULL ? g_strndup (postcode, space - postcode) : g_strdup (postcode);
}

static char *
build_search_key (WmTherapist *t)
{
  g_autofree char *district = dup_district (t->postcode);
  g_autofree char *joined = NULL;
  const char *parts[] = {
    t->title, t->given_name, t->family_name, t->town, t->external_id, district,
  };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] != NULL)
      g_strv_builder_add (builder, parts[i]);
  strv = g_strv_builder_end (builder);
  joined = g_strjoinv ("\n", strv);
  return g_utf8_casefold (joined, -1);
}

static void
load_open_referrals (WmTherapistsPage *self,
                     GHashTable       *counts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmMatchSnapshot) snapshot = wm_store_load_match_snapshot (self->store, &error);

  if (snapshot == NULL)
    {
      g_warning ("Could not count open referrals: %s", error->message);
      return;
    }
  for (guint i = 0; i < wm_match_snapshot_get_n (snapshot); i++)
    {
      const WmMatchTherapist *t = wm_match_snapshot_get (snapshot, i);

      g_hash_table_insert (counts, g_memdup2 (&t->id, sizeof t->id),
                           GINT_TO_POINTER (t->open_referrals));
    }
}

static void
load_rules (WmTherapistsPage *self)
{
  WmMatchWeights weights;
  WmMatchOptions options;

  wm_store_load_match_settings (self->store, &weights, &options);
  self->today = options.today;
  self->dbs_validity_years = options.dbs_validity_years > 0 ? options.dbs_validity_years : 3;
  wm_therapist_editor_set_rules (self->editor, self->today, self->dbs_validity_years);
}

/* Rows */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *details = gtk_label_new (NULL);
  GtkWidget *warning = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (details), 0);
  gtk_label_set_ellipsize (GTK_LABEL (details), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (details, "caption");
  gtk_widget_add_css_class (details, "dim-label");
  gtk_widget_set_valign (warning, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (warning, "warning");
  gtk_box_append (GTK_BOX (text), name);
  gtk_box_append (GTK_BOX (text), details);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), warning);

  g_object_set_data (G_OBJECT (box), "name", name);
  g_object_set_data (G_OBJECT (box), "details", details);
  g_object_set_data (G_OBJECT (box), "warning", warning);
  gtk_list_item_set_child (item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          WmTherapistsPage         *self)
{
  WmTherapist *t = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkLabel *name = g_object_get_data (G_OBJECT (box), "name");
  GtkLabel *details = g_object_get_data (G_OBJECT (box), "details");
  GtkWidget *warning = g_object_get_data (G_OBJECT (box), "warning");
  Info *info = lookup_info (self, t);
  g_autofree char *display_name = wm_therapist_dup_display_name (t);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;
  guint n_specialisms = t->specialisms != NULL ? g_strv_length (t->specialisms) : 0;
  int open = info != NULL ? info->open_referrals : 0;

  gtk_label_set_text (name, g_strstrip (display_name));

  if (!t->active)
    g_ptr_array_add (parts, g_strdup (_("Inactive")));
  if (t->town != NULL)
    g_ptr_array_add (parts, g_strdup (t->town));
  else if (!t->in_person && t->online)
    g_ptr_array_add (parts, g_strdup (_("Online only")));
  if (!t->accepting)
    g_ptr_array_add (parts, g_strdup (_("Not accepting")));
  else
    /* Translators: "3 of 8 places free"; the plural goes with the second number. */
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%d of %d place free",
                                                       "%d of %d places free",
                                                       (int) t->max_caseload),
                                             MAX ((int) t->max_caseload - open, 0),
                                             (int) t->max_caseload));
  g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u specialism", "%u specialisms",
                                                     n_specialisms),
                                           n_specialisms));
  g_ptr_array_add (parts, NULL);
  /* Translators: the separator between the facts under a therapist's name. */
  joined = g_strjoinv (_(" · "), (char **) parts->pdata);
  gtk_label_set_text (details, joined);

  if (t->active)
    gtk_widget_remove_css_class (GTK_WIDGET (name), "dim-label");
  else
    gtk_widget_add_css_class (GTK_WIDGET (name), "dim-label");

  gtk_widget_set_visible (warning, info != NULL && info->problems != NULL);
  gtk_widget_set_tooltip_text (warning, info != NULL ? info->problems : NULL);
  if (info != NULL && info->problems != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (warning),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, info->problems, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (warning), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

/* Filtering and sorting */

static gboolean
filter_therapist (gpointer item,
                  gpointer user_data)
{
  WmTherapistsPage *self = user_data;
  WmTherapist *t = item;
  Info *info = lookup_info (self, t);

  if (!t->active && !gtk_check_button_get_active (self->inactive_check))
    return FALSE;
  if (gtk_check_button_get_active (self->accepting_check) && !t->accepting)
    return FALSE;
  if (gtk_check_button_get_active (self->compliance_check)
      && (info == NULL || info->problems == NULL))
    return FALSE;
  if (self->specialism != NULL && !wm_therapist_has_specialism (t, self->specialism))
    return FALSE;
  for (guint i = 0; self->search_words != NULL && self->search_words[i] != NULL; i++)
    if (info == NULL || strstr (info->search_key, self->search_words[i]) == NULL)
      return FALSE;
  return TRUE;
}

static int
compare_therapists (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  const WmTherapist *x = a;
  const WmTherapist *y = b;
  int cmp = g_utf8_collate (x->family_name != NULL ? x->family_name : "",
                            y->family_name != NULL ? y->family_name : "");

  if (cmp == 0)
    cmp = g_utf8_collate (x->given_name != NULL ? x->given_name : "",
                          y->given_name != NULL ? y->given_name : "");
  if (cmp == 0)
    {
      gint64 ix = wm_record_get_id (WM_RECORD ((gpointer) x));
      gint64 iy = wm_record_get_id (WM_RECORD ((gpointer) y));

      cmp = ix < iy ? -1 : ix > iy;
    }
  return cmp;
}

static void
update_count (WmTherapistsPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  g_autofree char *text = g_strdup_printf (ngettext ("%u therapist", "%u therapists", n), n);

  gtk_label_set_text (self->count_label, text);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->therapists)) == 0)
    {
      adw_status_page_set_title (self->empty_page, _("No Therapists Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Add therapists with the + button, or import them"));
    }
  else
    {
      adw_status_page_set_title (self->empty_page, _("No Therapists Found"));
      adw_status_page_set_description (self->empty_page,
                                       _("Try a different search or fewer filters"));
    }
  gtk_stack_set_visible_child_name (self->list_stack, n > 0 ? "list" : "empty");
}

static void
refilter (WmTherapistsPage *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_search_changed (WmTherapistsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *folded = g_utf8_casefold (text, -1);
  g_auto(GStrv) words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_strv_builder_add (builder, words[i]);
  g_strfreev (self->search_words);
  self->search_words = g_strv_builder_end (builder);
  if (self->search_words[0] == NULL)
    g_clear_pointer (&self->search_words, g_strfreev);
  refilter (self);
}

static void
on_specialism_selected (WmTherapistsPage *self)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  guint selected = gtk_drop_down_get_selected (self->specialism_dropdown);

  /* Item 0 is "Any specialism". */
  self->specialism = selected >= 1 && selected <= n ? entries[selected - 1].code : NULL;
  refilter (self);
}

/* The selection */

static guint
find_position (WmTherapistsPage *self,
               gint64            id)
{
  GListModel *model = G_LIST_MODEL (self->filtered);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (model, i);

      if (wm_record_get_id (WM_RECORD (t)) == id)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static gint64
current_id (WmTherapistsPage *self)
{
  return self->current != NULL ? wm_record_get_id (WM_RECORD (self->current)) : 0;
}

/* Selects the row of the therapist in the editor (or none), without opening anything. */
static void
sync_selection (WmTherapistsPage *self)
{
  gint64 id = current_id (self);

  self->syncing_selection = TRUE;
  gtk_single_selection_set_selected (self->selection,
                                     id > 0 ? find_position (self, id)
                                            : GTK_INVALID_LIST_POSITION);
  self->syncing_selection = FALSE;
}

static void
update_save_sensitivity (WmTherapistsPage *self)
{
  gboolean valid = wm_therapist_editor_get_valid (self->editor);

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button),
                            self->current != NULL && valid
                            && wm_therapist_editor_get_dirty (self->editor));
  /* Why it cannot be saved, for a problem the form does not show yet (a name not filled in
   * on a new form). */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_button),
                               valid ? NULL
                                     : wm_therapist_editor_get_first_problem_text (self->editor));
}

static void
save_and_open_pending (WmTherapistsPage *self)
{
  if (wm_therapists_page_save (self))
    open_now (self, self->pending_id, self->pending_new);
}

static void
on_unsaved_response (AdwMessageDialog *dialog,
                     const char       *response,
                     WmTherapistsPage *self)
{
  self->unsaved_dialog = NULL;
  if (g_str_equal (response, "discard"))
    open_now (self, self->pending_id, self->pending_new);
  else if (g_str_equal (response, "save"))
    save_and_open_pending (self);
  else
    sync_selection (self);
}

static void
ask_about_unsaved (WmTherapistsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (self->unsaved_dialog != NULL)
    return;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Save Changes?"),
                                   _("This therapist’s record has unsaved changes. Changes "
                                     "which are not saved will be lost."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  /* Invalid changes cannot be saved: only discarding them or going back to fix them. */
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "save",
                                           wm_therapist_editor_get_valid (self->editor));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog),
                                           wm_therapist_editor_get_valid (self->editor)
                                           ? "save" : "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_unsaved_response), self);
  self->unsaved_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_editor (WmTherapistsPage *self,
             gboolean          shown)
{
  gtk_stack_set_visible_child_name (self->content_stack, shown ? "editor" : "none");
  gtk_widget_set_visible (self->editor_bar, shown);
  gtk_widget_set_visible (self->editor_bar_separator, shown);
}

/* Side by side both are shown already; moving the leaflet's visible child then would only
 * pull keyboard focus out of the list while someone arrows through it. */
static void
show_form (WmTherapistsPage *self)
{
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "editor");
}

static void
update_title (WmTherapistsPage *self)
{
  if (self->current == NULL)
    gtk_label_set_text (self->editor_title, "");
  else if (wm_record_get_id (WM_RECORD (self->current)) == 0)
    gtk_label_set_text (self->editor_title, _("New Therapist"));
  else
    {
      g_autofree char *name = wm_therapist_dup_display_name (self->current);

      gtk_label_set_text (self->editor_title, g_strstrip (name));
    }
}

/* Opens @id (or a new therapist) in the editor, whatever the editor holds. */
static void
open_now (WmTherapistsPage *self,
          gint64            id,
          gboolean          is_new)
{
  g_autoptr(WmTherapist) therapist = NULL;
  g_autoptr(GError) error = NULL;

  if (is_new)
    therapist = wm_therapist_new ();
  else
    {
      /* Fresh from the store: the list may be a moment behind. */
      therapist = wm_store_get_therapist (self->store, id, &error);
      if (therapist == NULL)
        {
          g_warning ("Could not open a therapist: %s", error->message);
          wm_gui_toast (GTK_WIDGET (self), _("Could not open the therapist"));
          sync_selection (self);
          return;
        }
    }

  g_set_object (&self->current, therapist);
  wm_therapist_editor_set_therapist (self->editor, therapist);
  update_title (self);
  show_editor (self, TRUE);
  sync_selection (self);
  update_save_sensitivity (self);
  show_form (self);
  if (is_new)
    wm_therapist_editor_focus (self->editor);
}

/* Opens @id (or a new therapist), asking first if that would lose changes. */
static void
request_open (WmTherapistsPage *self,
              gint64            id,
              gboolean          is_new)
{
  if (self->current != NULL && wm_therapist_editor_get_dirty (self->editor))
    {
      self->pending_id = id;
      self->pending_new = is_new;
      sync_selection (self);
      ask_about_unsaved (self);
      return;
    }
  open_now (self, id, is_new);
}

static void
on_selection_changed (WmTherapistsPage *self)
{
  WmTherapist *t;
  gint64 id;

  if (self->syncing_selection)
    return;
  t = gtk_single_selection_get_selected_item (self->selection);
  if (t == NULL)
    return;
  id = wm_record_get_id (WM_RECORD (t));
  if (id == current_id (self))
    {
      show_form (self);
      return;
    }
  request_open (self, id, FALSE);
}

static void
on_row_activated (WmTherapistsPage *self,
                  guint             position)
{
  /* Selecting opens a therapist already; activating a row again (Enter, or a click on a
   * folded leaflet) shows the form. */
  g_autoptr(WmTherapist) t = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  if (t != NULL && wm_record_get_id (WM_RECORD (t)) == current_id (self))
    show_form (self);
}

/* Loading */

/* Reloads every therapist, their open referrals and the rules, keeping the selection. */
static void
reload (WmTherapistsPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) list = wm_store_list_therapists (self->store, &error);
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(GPtrArray) items = NULL;
  guint selected;
  guint n;

  if (list == NULL)
    {
      g_warning ("Could not list therapists: %s", error->message);
      wm_gui_toast (GTK_WIDGET (self), _("Could not load the therapists"));
      return;
    }

  load_rules (self);
  counts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  load_open_referrals (self, counts);

  n = g_list_model_get_n_items (list);
  items = g_ptr_array_new_full (n, g_object_unref);
  g_hash_table_remove_all (self->info);
  for (guint i = 0; i < n; i++)
    {
      WmTherapist *t = g_list_model_get_item (list, i);
      gint64 id = wm_record_get_id (WM_RECORD (t));
      Info *info = g_new0 (Info, 1);
      WmCompliance compliance;

      info->open_referrals = GPOINTER_TO_INT (g_hash_table_lookup (counts, &id));
      if (wm_therapist_check_compliance (t, self->today, self->dbs_validity_years, &compliance))
        info->problems = wm_compliance_describe (&compliance);
      info->search_key = build_search_key (t);
      g_hash_table_insert (self->info, g_memdup2 (&id, sizeof id), info);
      g_ptr_array_add (items, t);
    }

  self->syncing_selection = TRUE;
  g_list_store_splice (self->therapists, 0,
                       g_list_model_get_n_items (G_LIST_MODEL (self->therapists)),
                       items->pdata, items->len);
  self->syncing_selection = FALSE;
  sync_selection (self);
  update_count (self);

  /* A new name can move the therapist being edited anywhere in the list: keep it in view.
   * (GTK 4.8 has no gtk_list_view_scroll_to(); the list's own action does it.) */
  selected = gtk_single_selection_get_selected (self->selection);
  if (selected != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                                selected);
}

/* Places free changed (a referral made or ended): rebinds the rows whose count moved. */
static void
reload_open_referrals (WmTherapistsPage *self)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->therapists));

  load_open_referrals (self, counts);
  self->syncing_selection = TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (G_LIST_MODEL (self->therapists), i);
      gint64 id = wm_record_get_id (WM_RECORD (t));
      Info *info = g_hash_table_lookup (self->info, &id);
      int open = GPOINTER_TO_INT (g_hash_table_lookup (counts, &id));

      if (info != NULL && info->open_referrals != open)
        {
          info->open_referrals = open;
          /* Replacing an item with itself is how a GListStore says it changed. */
          g_list_store_splice (self->therapists, i, 1, (gpointer *) &t, 1);
        }
    }
  self->syncing_selection = FALSE;
  sync_selection (self);
}

static void
on_store_changed (WmStore          *store,
                  const char       *entity,
                  gint64            id,
                  WmTherapistsPage *self)
{
  if (g_str_equal (entity, "case"))
    {
      reload_open_referrals (self);
      return;
    }
  if (!g_str_equal (entity, "therapist") && !g_str_equal (entity, "setting"))
    return;

  reload (self);

  /* Someone else changed the therapist in the form: show it, unless that would lose edits
   * made here (saving then overwrites theirs, as with any editor). */
  if (g_str_equal (entity, "therapist") && !self->saving && self->current != NULL
      && current_id (self) > 0 && (id < 0 || id == current_id (self))
      && !wm_therapist_editor_get_dirty (self->editor))
    {
      g_autoptr(WmTherapist) fresh = wm_store_get_therapist (self->store, current_id (self), NULL);

      if (fresh != NULL)
        {
          g_set_object (&self->current, fresh);
          wm_therapist_editor_set_therapist (self->editor, fresh);
          update_title (self);
        }
    }
}

/* Actions */

static void
on_new_clicked (WmTherapistsPage *self)
{
  wm_therapists_page_new_therapist (self);
}

static void
on_save_clicked (WmTherapistsPage *self)
{
  wm_therapists_page_save (self);
}

static void
on_back_clicked (WmTherapistsPage *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
on_editor_state (WmTherapistsPage *self)
{
  update_save_sensitivity (self);
}

/* GObject */

static void
wm_therapists_page_dispose (GObject *object)
{
  WmTherapistsPage *self = WM_THERAPISTS_PAGE (object);

  if (self->unsaved_dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->unsaved_dialog, self);
      gtk_window_destroy (GTK_WINDOW (self->unsaved_dialog));
      self->unsaved_dialog = NULL;
    }
  g_clear_signal_handler (&self->changed_id, self->store);
  /* The template's top widget is the bin's child: the bin lets go of it first, or it would
   * unparent a widget the template has already dropped. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_THERAPISTS_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->therapists);
  g_clear_object (&self->current);
  g_clear_object (&self->store);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wm_therapists_page_parent_class)->dispose (object);
}

static void
wm_therapists_page_finalize (GObject *object)
{
  WmTherapistsPage *self = WM_THERAPISTS_PAGE (object);

  g_clear_pointer (&self->info, g_hash_table_unref);
  g_strfreev (self->search_words);

  G_OBJECT_CLASS (wm_therapists_page_parent_class)->finalize (object);
}

static void
wm_therapists_page_class_init (WmTherapistsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_therapists_page_dispose;
  object_class->finalize = wm_therapists_page_finalize;

  g_type_ensure (WM_TYPE_THERAPIST_EDITOR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-therapists-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, WmTherapistsPage, name)
  BIND (leaflet);
  BIND (search_entry);
  BIND (new_button);
  BIND (specialism_dropdown);
  BIND (accepting_check);
  BIND (compliance_check);
  BIND (inactive_check);
  BIND (count_label);
  BIND (list_stack);
  BIND (list_view);
  BIND (empty_page);
  BIND (editor_bar);
  BIND (editor_bar_separator);
  BIND (back_button);
  BIND (editor_title);
  BIND (save_button);
  BIND (content_stack);
  BIND (editor);
#undef BIND
}

static void
wm_therapists_page_init (WmTherapistsPage *self)
{
  g_autoptr(GtkStringList) specialisms = gtk_string_list_new (NULL);
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkCustomSorter *sorter;
  GtkSortListModel *sorted;
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->info = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                      (GDestroyNotify) info_free);

  /* store → sort by family name → filter → single selection → list view */
  self->therapists = g_list_store_new (WM_TYPE_THERAPIST);
  sorter = gtk_custom_sorter_new (compare_therapists, NULL, NULL);
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->therapists)),
                                    GTK_SORTER (sorter));
  self->filter = gtk_custom_filter_new (filter_therapist, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (sorted),
                                              GTK_FILTER (g_object_ref (self->filter)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_swapped (self->selection, "notify::selected",
                            G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (update_count), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->list_view, "activate", G_CALLBACK (on_row_activated), self);

  gtk_string_list_append (specialisms, _("Any specialism"));
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (specialisms, wm_vocab_label (WM_VOCAB_SPECIALISM, entries[i].code));
  gtk_drop_down_set_model (self->specialism_dropdown, G_LIST_MODEL (specialisms));
  wm_accessible_label_drop_down (self->specialism_dropdown, _("Specialism"));

  g_signal_connect_swapped (self->search_entry, "search-changed",
                            G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->specialism_dropdown, "notify::selected",
                            G_CALLBACK (on_specialism_selected), self);
  g_signal_connect_swapped (self->accepting_check, "toggled", G_CALLBACK (refilter), self);
  g_signal_connect_swapped (self->compliance_check, "toggled", G_CALLBACK (refilter), self);
  g_signal_connect_swapped (self->inactive_check, "toggled", G_CALLBACK (refilter), self);
  g_signal_connect_swapped (self->new_button, "clicked", G_CALLBACK (on_new_clicked), self);
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (on_save_clicked), self);
  g_signal_connect_swapped (self->back_button, "clicked", G_CALLBACK (on_back_clicked), self);
  g_signal_connect_swapped (self->editor, "notify::valid", G_CALLBACK (on_editor_state), self);
  g_signal_connect_swapped (self->editor, "notify::dirty", G_CALLBACK (on_editor_state), self);

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self->list_view));

  show_editor (self, FALSE);
  update_count (self);
}

/* Public API */

GtkWidget *
wm_therapists_page_new (WmSession *session)
{
  WmTherapistsPage *self;

  g_return_val_if_fail (WM_IS_SESSION (session), NULL);

  self = g_object_new (WM_TYPE_THERAPISTS_PAGE, NULL);
  self->session = g_object_ref (session);
  self->store = g_object_ref (wm_session_get_store (session));
  self->changed_id = g_signal_connect (self->store, "changed",
                                       G_CALLBACK (on_store_changed), self);
  reload (self);

  return GTK_WIDGET (self);
}

void
wm_therapists_page_focus_search (WmTherapistsPage *self)
{
  g_return_if_fail (WM_IS_THERAPISTS_PAGE (self));

  adw_leaflet_set_visible_child_name (self->leaflet, "directory");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
wm_therapists_page_new_therapist (WmTherapistsPage *self)
{
  g_return_if_fail (WM_IS_THERAPISTS_PAGE (self));

  request_open (self, 0, TRUE);
}

gboolean
wm_therapists_page_save (WmTherapistsPage *self)
{
  g_autoptr(WmTherapist) therapist = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_return_val_if_fail (WM_IS_THERAPISTS_PAGE (self), FALSE);

  if (self->current == NULL || !wm_therapist_editor_get_dirty (self->editor)
      || !wm_therapist_editor_get_valid (self->editor))
    return FALSE;

  therapist = wm_therapist_new ();
  wm_record_copy_into (WM_RECORD (therapist), WM_RECORD (self->current));
  if (!wm_therapist_editor_apply (self->editor, therapist))
    return FALSE;

  self->saving = TRUE;
  ok = wm_store_save_therapist (self->store, therapist, &error);
  self->saving = FALSE;
  if (!ok)
    {
      /* A problem with a field (a therapist ID already in use) goes next to it. */
      wm_therapist_editor_show_problem (self->editor, error->message);
      if (wm_therapist_editor_get_valid (self->editor))
        {
          g_warning ("Could not save a therapist: %s", error->message);
          wm_gui_toast (GTK_WIDGET (self), _("Could not save the therapist"));
        }
      return FALSE;
    }

  /* Reloaded from what was saved, so the form shows the values as the store normalised them
   * (postcode, phone number) and counts as unchanged. */
  g_set_object (&self->current, therapist);
  wm_therapist_editor_set_therapist (self->editor, therapist);
  update_title (self);
  sync_selection (self);
  update_save_sensitivity (self);
  wm_gui_toast (GTK_WIDGET (self), _("Therapist saved"));
  return TRUE;
}
