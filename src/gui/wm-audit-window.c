/* wm-audit-window.c: the administrator's audit log viewer.
 *
 * The filters become one WmAuditQuery on the store, run on the main thread: the store keeps
 * the filtering in SQL and the window asks for at most MAX_ROWS + 1 rows (the extra one only
 * says that there are more), so even a log of years answers at once. The store refuses
 * anyone but an administrator; the window then shows that refusal and nothing else.
 *
 * Verify Chain also runs on the main thread, on purpose: the store may only be used from one
 * thread at a time, and the main window behind this modal one still has timers (auto-lock)
 * that touch it. Checking 100,000 rows takes well under a second.
 *
 * Export is the window action "audit.export-to" with a path, which the file chooser behind
 * "Export CSV…" activates too, so tests (and people with a keyboard) reach the same code.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wm-accessible.h"
#include "wm-audit-window.h"
#include "wm-gui-util.h"
#include "wm-validate.h"

/* As many as a person can read through; beyond that, filtering is the way. */
#define MAX_ROWS 2000

/* One audit entry in the list model */

#define WM_TYPE_AUDIT_ROW (wm_audit_row_get_type ())
G_DECLARE_FINAL_TYPE (WmAuditRow, wm_audit_row, WM, AUDIT_ROW, GObject)

struct _WmAuditRow
{
  GObject parent_instance;

  WmAuditEntry *entry;
};

G_DEFINE_FINAL_TYPE (WmAuditRow, wm_audit_row, G_TYPE_OBJECT)

static void
wm_audit_row_finalize (GObject *object)
{
  WmAuditRow *self = WM_AUDIT_ROW (object);

  g_clear_pointer (&self->entry, wm_audit_entry_free);

  G_OBJECT_CLASS (wm_audit_row_parent_class)->finalize (object);
}

static void
wm_audit_row_class_init (WmAuditRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wm_audit_row_finalize;
}

static void
wm_audit_row_init (WmAuditRow *self)
{
}

/* Takes @entry. */
static WmAuditRow *
wm_audit_row_new (WmAuditEntry *entry)
{
  WmAuditRow *self = g_object_new (WM_TYPE_AUDIT_ROW, NULL);

  self->entry = entry;
  return self;
}

/* Vocabulary: the codes the store writes, and what a person reads */

typedef struct
{
  const char *code;
  const char *label;
} Choice;

/* Every action the core writes today; an action found in the log that is not here (from a
 * newer Waymark) is offered by its code. */
static const Choice actions[] = {
  { "create", NC_("audit action", "Created") },
  { "update", NC_("audit action", "Changed") },
  { "view", NC_("audit action", "Opened") },
  { "status", NC_("audit action", "Status changed") },
  { "event", NC_("audit action", "Timeline entry") },
  { "refer", NC_("audit action", "Referred") },
  { "referral", NC_("audit action", "Referral updated") },
  { "letter", NC_("audit action", "Letter") },
  { "import", NC_("audit action", "Imported") },
  { "export", NC_("audit action", "Exported") },
  { "backup", NC_("audit action", "Backed up") },
  { "login", NC_("audit action", "Logged in") },
  { "login-refused", NC_("audit action", "Login refused") },
  { "password", NC_("audit action", "Password changed") },
  { "password-reset", NC_("audit action", "Password reset") },
  { "remove", NC_("audit action", "Removed") },
  { "delete", NC_("audit action", "Deleted") },
  { "rekey", NC_("audit action", "Key replaced") },
  { "migrate", NC_("audit action", "Schema updated") },
};

static const Choice kinds[] = {
  { "case", NC_("audit record", "Case") },
  { "therapist", NC_("audit record", "Therapist") },
  { "user", NC_("audit record", "User") },
  { "setting", NC_("audit record", "Setting") },
  { "letter-template", NC_("audit record", "Letter template") },
  { "database", NC_("audit record", "Database") },
  { "audit", NC_("audit record", "Audit log") },
};

static const char *
choice_label (const Choice *choices,
              guint         n_choices,
              const char   *context,
              const char   *code)
{
  for (guint i = 0; i < n_choices; i++)
    if (g_strcmp0 (choices[i].code, code) == 0)
      return g_dpgettext2 (NULL, context, choices[i].label);
  return code;
}

#define ACTION_LABEL(code) choice_label (actions, G_N_ELEMENTS (actions), "audit action", code)
#define KIND_LABEL(code) choice_label (kinds, G_N_ELEMENTS (kinds), "audit record", code)

/* The window */

struct _WmAuditWindow
{
  AdwWindow parent_instance;

  WmStore *store;
  GListStore *rows;
  GtkFileChooserNative *chooser;
  /* What the drop-downs' items after their first ("Everyone", "Any …") stand for. */
  GPtrArray *user_choices;     /* usernames, after "Everyone" and "System" */
  GPtrArray *action_codes;
  GPtrArray *kind_codes;
  /* The dates the list was last filtered by; kept while the entries hold something else. */
  char *since;
  char *until;
  gboolean dates_valid;
  gboolean ready;              /* the filters are set up: their changes now reload */

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkRevealer *verify_revealer;
  GtkWidget *verify_box;
  GtkImage *verify_icon;
  GtkLabel *verify_title;
  GtkLabel *verify_detail;
  GtkWidget *filter_bar;
  GtkDropDown *user_drop_down;
  GtkDropDown *action_drop_down;
  GtkDropDown *kind_drop_down;
  GtkEntry *from_entry;
  GtkEntry *to_entry;
  GtkSearchEntry *search_entry;
  GtkLabel *filter_error_label;
  GtkStack *stack;
  GtkColumnView *column_view;
  GtkNoSelection *selection;
  AdwStatusPage *error_page;
  GtkLabel *count_label;
};

G_DEFINE_FINAL_TYPE (WmAuditWindow, wm_audit_window, ADW_TYPE_WINDOW)

static const char *
chosen (GtkDropDown *drop_down,
        GPtrArray   *codes,
        guint        n_fixed)
{
  guint selected = gtk_drop_down_get_selected (drop_down);

  if (selected == GTK_INVALID_LIST_POSITION || selected < n_fixed
      || selected - n_fixed >= codes->len)
    return NULL;
  return g_ptr_array_index (codes, selected - n_fixed);
}

/* NULL: everyone; "": the system; else a username. */
static const char *
chosen_user (WmAuditWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->user_drop_down);

  if (selected == 1)
    return "";
  return chosen (self->user_drop_down, self->user_choices, 2);
}

/* The query the filters describe, borrowing their strings. */
static WmAuditQuery
current_query (WmAuditWindow *self,
               guint          limit)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  return (WmAuditQuery) {
    .username = chosen_user (self),
    .action = chosen (self->action_drop_down, self->action_codes, 1),
    .entity = chosen (self->kind_drop_down, self->kind_codes, 1),
    .since = self->since,
    .until = self->until,
    .text = text[0] != '\0' ? text : NULL,
    .limit = limit,
  };
}

static void
update_actions (WmAuditWindow *self,
                gboolean       readable)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "audit.verify", readable);
  /* What is exported is what the filters say, so not while a date is wrong. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "audit.export",
                                 readable && self->dates_valid);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "audit.export-to",
                                 readable && self->dates_valid);
}

static void
reload (WmAuditWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  WmAuditQuery query = current_query (self, MAX_ROWS + 1);
  gboolean truncated;
  guint n;

  entries = wm_store_query_audit (self->store, &query, &error);
  if (entries == NULL)
    {
      /* Nothing of the log is shown to someone the store refuses. */
      g_list_store_remove_all (self->rows);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      gtk_label_set_label (self->count_label, "");
      gtk_widget_set_sensitive (self->filter_bar, FALSE);
      update_actions (self, FALSE);
      return;
    }

  truncated = entries->len > MAX_ROWS;
  n = MIN (entries->len, MAX_ROWS);
  /* The entries move into the rows: the array must not free them. */
  g_ptr_array_set_free_func (entries, NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      if (i < n)
        g_ptr_array_add (items, wm_audit_row_new (g_ptr_array_index (entries, i)));
      else
        wm_audit_entry_free (g_ptr_array_index (entries, i));
    }
  /* Detached while all rows are replaced: GTK 4.8's list views otherwise look for the rows
   * they show among all the new ones (see wm-cases-page.c). */
  gtk_no_selection_set_model (self->selection, NULL);
  g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                       items->pdata, items->len);
  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->rows));

  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
  if (truncated)
    {
      g_autofree char *note = g_strdup_printf (_("Showing the newest %'u entries; narrow "
                                                 "the filters"), (guint) MAX_ROWS);

      gtk_label_set_label (self->count_label, note);
    }
  else
    {
      g_autofree char *count = g_strdup_printf (ngettext ("%'u entry", "%'u entries", n), n);

      gtk_label_set_label (self->count_label, count);
    }
  update_actions (self, TRUE);
}

static void
filter_changed_cb (WmAuditWindow *self)
{
  if (self->ready)
    reload (self);
}

static void
search_changed_cb (WmAuditWindow *self)
{
  if (self->ready)
    reload (self);
}

static void
stop_search_cb (WmAuditWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

/* Dates */

static void
set_entry_error (GtkEntry   *entry,
                 const char *message)
{
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (entry),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                      -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("YYYY-MM-DD"),
                                      -1);
    }
}

/* Checks one date entry with the core's rules. A half-typed date is not complained about
 * until it has all its ten characters or the person presses Enter or leaves the entry. */
static gboolean
check_date (GtkEntry    *entry,
            const char  *field,
            gboolean     insist,
            char       **normalised,
            GString     *problems)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  if (wm_parse_date (field, trimmed, FALSE, normalised, &error))
    {
      set_entry_error (entry, NULL);
      return TRUE;
    }
  if (insist || strlen (trimmed) >= 10)
    {
      set_entry_error (entry, error->message);
      if (problems->len > 0)
        g_string_append_c (problems, '\n');
      g_string_append (problems, error->message);
    }
  else
    set_entry_error (entry, NULL);
  return FALSE;
}

/* Reads both dates; when both are good (or blank) the list follows them, otherwise it keeps
 * the last good ones and the problem is shown by the entry. */
static void
check_dates (WmAuditWindow *self,
             gboolean       insist)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  gboolean ok;

  /* Translators: the names of the date filters in messages such as "From: is not a real
   * date"; they match the entries' placeholders. */
  ok = check_date (self->from_entry, _("From"), insist, &since, problems);
  ok = check_date (self->to_entry, _("To"), insist, &until, problems) && ok;
  if (ok && since != NULL && until != NULL && strcmp (since, until) > 0)
    {
      const char *message = _("To: must not be before the From date");

      set_entry_error (self->to_entry, message);
      g_string_append (problems, message);
      ok = FALSE;
    }

  gtk_label_set_label (self->filter_error_label, problems->str);
  gtk_widget_set_visible (GTK_WIDGET (self->filter_error_label), problems->len > 0);

  self->dates_valid = ok;
  if (!ok)
    {
      update_actions (self, TRUE);
      return;
    }
  if (g_strcmp0 (since, self->since) == 0 && g_strcmp0 (until, self->until) == 0)
    {
      update_actions (self, TRUE);
      return;
    }
  g_free (self->since);
  self->since = g_steal_pointer (&since);
  g_free (self->until);
  self->until = g_steal_pointer (&until);
  if (self->ready)
    reload (self);
}

static void
date_changed_cb (WmAuditWindow *self)
{
  check_dates (self, FALSE);
}

static void
date_activate_cb (WmAuditWindow *self)
{
  check_dates (self, TRUE);
}

static void
date_focus_leave_cb (GtkEventControllerFocus *controller,
                     WmAuditWindow           *self)
{
  check_dates (self, TRUE);
}

/* Verify */

static void
show_verify_result (WmAuditWindow *self,
                    gboolean       good,
                    const char    *title,
                    const char    *detail)
{
  gtk_label_set_label (self->verify_title, title);
  gtk_label_set_label (self->verify_detail, detail != NULL ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->verify_detail), detail != NULL);
  gtk_image_set_from_icon_name (self->verify_icon,
                                good ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  /* The card keeps its own text colour, so the icon and the heading carry the verdict's,
   * and the icon's shape says it to those who cannot tell the colours apart. */
  for (guint i = 0; i < 3; i++)
    {
      GtkWidget *widget = i == 0 ? self->verify_box
                          : i == 1 ? GTK_WIDGET (self->verify_icon)
                          : GTK_WIDGET (self->verify_title);

      gtk_widget_remove_css_class (widget, good ? "error" : "success");
      gtk_widget_add_css_class (widget, good ? "success" : "error");
    }
  gtk_revealer_set_reveal_child (self->verify_revealer, TRUE);
  /* A screen reader hears the result without having to find it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->verify_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
}

static void
verify_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  WmAuditWindow *self = WM_AUDIT_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  gint64 broken = 0, n_rows = 0;

  if (!wm_store_verify_audit (self->store, &broken, &n_rows, &error))
    {
      show_verify_result (self, FALSE, _("The audit log could not be checked"), error->message);
      return;
    }
  if (broken == 0)
    {
      title = g_strdup_printf (ngettext ("The audit log is intact: %'u entry checked",
                                         "The audit log is intact: %'u entries checked",
                                         (gulong) n_rows),
                               (guint) n_rows);
      show_verify_result (self, TRUE, title, NULL);
    }
  else
    {
      title = g_strdup_printf (_("The audit log has been altered at entry %'u"),
                               (guint) broken);
      show_verify_result (self, FALSE, title,
                          _("The entries before it check out; this entry and those after it "
                            "may have been changed or removed. Tell your data protection "
                            "officer."));
    }
}

static void
verify_close_cb (WmAuditWindow *self)
{
  gtk_revealer_set_reveal_child (self->verify_revealer, FALSE);
}

/* Export */

static void
show_error (WmAuditWindow *self,
            const char    *heading,
            const char    *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
export_to (WmAuditWindow  *self,
           const char     *path,
           GError        **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  /* Everything the filters select, not only the rows on screen. */
  WmAuditQuery query = current_query (self, 0);
  gboolean existed = g_file_query_exists (file, NULL);

  /* Private: the log names users and cases. Replacing a file goes through a temporary one,
   * renamed on close, so a failed export does not lose what was there. */
  out = g_file_replace (file, NULL, FALSE,
                        G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION, NULL, error);
  if (out == NULL)
    return FALSE;
  if (!wm_store_export_audit_csv (self->store, &query, G_OUTPUT_STREAM (out), error))
    {
      g_autoptr(GCancellable) cancel = g_cancellable_new ();

      /* Closing cancelled drops the temporary file and keeps whatever was there before; a
       * new file was written in place, and an export the log does not record must not stay
       * behind. */
      g_cancellable_cancel (cancel);
      g_output_stream_close (G_OUTPUT_STREAM (out), cancel, NULL);
      if (!existed)
        g_file_delete (file, NULL, NULL);
      return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

static void
export_to_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  WmAuditWindow *self = WM_AUDIT_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!export_to (self, g_variant_get_string (parameter, NULL), &error))
    {
      show_error (self, _("The Audit Log Was Not Exported"), error->message);
      return;
    }
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Audit log exported")));
  /* The export is itself in the log now. */
  reload (self);
}

static void
chooser_response_cb (WmAuditWindow        *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  gboolean not_local;
  g_autofree char *path = wm_gui_chosen_local_path (GTK_FILE_CHOOSER (chooser), response,
                                                    &not_local);

  g_clear_object (&self->chooser);
  if (not_local)
    show_error (self, _("The Audit Log Was Not Exported"),
                _("Export CSV: choose a folder on this computer"));
  else if (path != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "audit.export-to", "s", path);
}

static void
export_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  WmAuditWindow *self = WM_AUDIT_WINDOW (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *filename = g_date_time_format (now, "audit-log-%Y-%m-%d.csv");

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Export Audit Log"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), filename);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Cells */

static WmAuditEntry *
item_entry (GtkListItem *list_item)
{
  return WM_AUDIT_ROW (gtk_list_item_get_item (list_item))->entry;
}

/* A cell cut short by its column shows its whole text as a tooltip. Asked for only when
 * the pointer rests on it: a tooltip set at every bind costs more than the rest of the row
 * (GTK 4.8 binds a few hundred rows before the list first knows its height). */
static gboolean
cell_query_tooltip_cb (GtkLabel   *label,
                       int         x,
                       int         y,
                       gboolean    keyboard,
                       GtkTooltip *tooltip,
                       gpointer    user_data)
{
  if (!pango_layout_is_ellipsized (gtk_label_get_layout (label)))
    return FALSE;
  gtk_tooltip_set_text (tooltip, gtk_label_get_text (label));
  return TRUE;
}

static void
label_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                WmAuditWindow            *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_widget_set_has_tooltip (label, TRUE);
  g_signal_connect (label, "query-tooltip", G_CALLBACK (cell_query_tooltip_cb), NULL);
  gtk_list_item_set_child (list_item, label);
}

static void
set_cell (GtkListItem *list_item,
          const char  *text)
{
  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (list_item)),
                       text != NULL ? text : "");
}

static void
when_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              WmAuditWindow            *self)
{
  WmAuditEntry *entry = item_entry (list_item);
  g_autoptr(GDateTime) utc = entry->at != NULL
                               ? g_date_time_new_from_iso8601 (entry->at, NULL) : NULL;
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  /* Translators: an audit entry's local time, e.g. "27 Nov 2026, 10:15:03"; see
   * g_date_time_format(). Seconds matter here: they order what happened. */
  g_autofree char *text = local != NULL ? g_date_time_format (local, _("%-d %b %Y, %H:%M:%S"))
                                        : g_strdup (entry->at);

  set_cell (list_item, text);
}

static void
who_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             WmAuditWindow            *self)
{
  WmAuditEntry *entry = item_entry (list_item);

  set_cell (list_item, entry->username != NULL ? entry->username : _("System"));
}

static void
action_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                WmAuditWindow            *self)
{
  set_cell (list_item, ACTION_LABEL (item_entry (list_item)->action));
}

static char *
record_text (WmAuditEntry *entry)
{
  const char *kind = KIND_LABEL (entry->entity);

  if (entry->record == NULL || entry->record[0] == '\0')
    return g_strdup (kind);
  /* Translators: a record in the audit log: its kind and its label, "Case WM-2026-0001". */
  return g_strdup_printf (C_("audit record", "%s %s"), kind, entry->record);
}

static void
record_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                WmAuditWindow            *self)
{
  g_autofree char *text = record_text (item_entry (list_item));

  set_cell (list_item, text);
}

static void
summary_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 WmAuditWindow            *self)
{
  set_cell (list_item, item_entry (list_item)->summary);
}

/* Setting up */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
fill_choices (GtkDropDown  *drop_down,
              const char   *any,
              const Choice *choices,
              guint         n_choices,
              const char   *context,
              GPtrArray    *codes,
              GHashTable   *seen)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GHashTableIter iter;
  gpointer code;
  g_autoptr(GPtrArray) extra = g_ptr_array_new ();

  gtk_string_list_append (labels, any);
  for (guint i = 0; i < n_choices; i++)
    {
      gtk_string_list_append (labels, g_dpgettext2 (NULL, context, choices[i].label));
      g_ptr_array_add (codes, g_strdup (choices[i].code));
    }
  /* Codes in the log this Waymark has no name for, sorted so their order is stable. */
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &code, NULL))
    if (!g_ptr_array_find_with_equal_func (codes, code, g_str_equal, NULL))
      g_ptr_array_add (extra, code);
  g_ptr_array_sort (extra, compare_strings);
  for (guint i = 0; i < extra->len; i++)
    {
      const char *c = extra->pdata[i];

      gtk_string_list_append (labels, c);
      g_ptr_array_add (codes, g_strdup (c));
    }
  gtk_drop_down_set_model (drop_down, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (drop_down, 0);
}

static void
setup_filters (WmAuditWindow *self)
{
  g_autoptr(GtkStringList) users = gtk_string_list_new (NULL);
  g_autoptr(GListModel) user_list = NULL;
  g_autoptr(GHashTable) seen_actions = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                              g_free, NULL);
  g_autoptr(GHashTable) seen_kinds = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                            g_free, NULL);
  g_autoptr(GPtrArray) newest = NULL;

  gtk_string_list_append (users, _("Everyone"));
  gtk_string_list_append (users, _("System"));
  /* Users who were removed keep their row (disabled), so the log can still be filtered by
   * them. A refusal shows on the list; the filter then stays at "Everyone". */
  user_list = wm_store_list_users (self->store, NULL);
  for (guint i = 0; user_list != NULL && i < g_list_model_get_n_items (user_list); i++)
    {
      g_autoptr(WmUser) user = g_list_model_get_item (user_list, i);

      gtk_string_list_append (users, user->username);
      g_ptr_array_add (self->user_choices, g_strdup (user->username));
    }
  gtk_drop_down_set_model (self->user_drop_down, G_LIST_MODEL (users));

  /* Actions and kinds beyond the known ones, from the newest rows. */
  newest = wm_store_query_audit (self->store, &(WmAuditQuery) { .limit = MAX_ROWS }, NULL);
  for (guint i = 0; newest != NULL && i < newest->len; i++)
    {
      WmAuditEntry *e = g_ptr_array_index (newest, i);

      if (e->action != NULL)
        g_hash_table_add (seen_actions, g_strdup (e->action));
      if (e->entity != NULL)
        g_hash_table_add (seen_kinds, g_strdup (e->entity));
    }
  fill_choices (self->action_drop_down, _("Any action"), actions, G_N_ELEMENTS (actions),
                "audit action", self->action_codes, seen_actions);
  fill_choices (self->kind_drop_down, _("Any record"), kinds, G_N_ELEMENTS (kinds),
                "audit record", self->kind_codes, seen_kinds);
}

static void
wm_audit_window_dispose (GObject *object)
{
  WmAuditWindow *self = WM_AUDIT_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (wm_audit_window_parent_class)->dispose (object);
}

static void
wm_audit_window_finalize (GObject *object)
{
  WmAuditWindow *self = WM_AUDIT_WINDOW (object);

  g_clear_object (&self->rows);
  g_clear_pointer (&self->user_choices, g_ptr_array_unref);
  g_clear_pointer (&self->action_codes, g_ptr_array_unref);
  g_clear_pointer (&self->kind_codes, g_ptr_array_unref);
  g_free (self->since);
  g_free (self->until);

  G_OBJECT_CLASS (wm_audit_window_parent_class)->finalize (object);
}

static void
wm_audit_window_class_init (WmAuditWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_audit_window_dispose;
  object_class->finalize = wm_audit_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-audit-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, verify_revealer);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, verify_box);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, verify_icon);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, verify_title);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, verify_detail);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, user_drop_down);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, action_drop_down);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, kind_drop_down);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, from_entry);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, to_entry);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, filter_error_label);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, column_view);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, selection);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, WmAuditWindow, count_label);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, date_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, date_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, verify_close_cb);
  gtk_widget_class_bind_template_callback (widget_class, label_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, when_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, who_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, action_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, record_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, summary_bind_cb);

  gtk_widget_class_install_action (widget_class, "audit.verify", NULL, verify_activated);
  gtk_widget_class_install_action (widget_class, "audit.export", NULL, export_activated);
  gtk_widget_class_install_action (widget_class, "audit.export-to", "s", export_to_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
wm_audit_window_init (WmAuditWindow *self)
{
  GtkEntry *date_entries[2];

  self->user_choices = g_ptr_array_new_with_free_func (g_free);
  self->action_codes = g_ptr_array_new_with_free_func (g_free);
  self->kind_codes = g_ptr_array_new_with_free_func (g_free);
  self->rows = g_list_store_new (WM_TYPE_AUDIT_ROW);
  self->dates_valid = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->rows));
  wm_accessible_label_drop_down (self->user_drop_down, _("User"));
  wm_accessible_label_drop_down (self->action_drop_down, _("Action"));
  wm_accessible_label_drop_down (self->kind_drop_down, _("Record kind"));

  date_entries[0] = self->from_entry;
  date_entries[1] = self->to_entry;
  for (guint i = 0; i < G_N_ELEMENTS (date_entries); i++)
    {
      GtkEventController *focus = gtk_event_controller_focus_new ();

      g_signal_connect_object (focus, "leave", G_CALLBACK (date_focus_leave_cb), self, 0);
      gtk_widget_add_controller (GTK_WIDGET (date_entries[i]), focus);
    }
}

GtkWidget *
wm_audit_window_new (GtkWindow *parent,
                     WmStore   *store)
{
  WmAuditWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (WM_IS_STORE (store), NULL);

  self = g_object_new (WM_TYPE_AUDIT_WINDOW, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  setup_filters (self);
  self->ready = TRUE;
  reload (self);

  return GTK_WIDGET (self);
}
