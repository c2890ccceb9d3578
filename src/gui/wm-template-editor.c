/* wm-template-editor.c: one letter template: its text, the core's check, a live preview.
 *
 * The check is the core's own (wm_letter_check_template, the same one the store runs before
 * saving), run on every keystroke: it is cheap, and Save must never be on for a template the
 * store would refuse. The preview fills the template in with made-up details
 * (wm_letter_new_sample) and lays out whole pages, which takes longer, so it waits until
 * typing has paused.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-gui-util.h"
#include "wm-letter.h"
#include "wm-template-editor.h"

/* How long typing must pause before the preview is laid out again. */
#define PREVIEW_DELAY_MS 300
#define PREVIEW_PAGE_WIDTH 300
/* Where a value after "Label<TAB>" starts in the body view, so columns line up as typed. */
#define TAB_STOP_PX 140

struct _WmTemplateEditor
{
  AdwBin parent_instance;

  WmStore *store;
  char *name;                  /* NULL: a new template, named in name_row */
  gboolean builtin;
  char *saved_title;           /* as stored, to tell whether anything changed */
  char *saved_body;
  char *problem;               /* NULL when the template could be saved */
  guint preview_source;
  AdwMessageDialog *discard_dialog;

  /* Template widgets */
  AdwWindowTitle *window_title;
  GtkButton *save_button;
  AdwEntryRow *name_row;
  AdwEntryRow *title_row;
  GtkTextView *body_view;
  GtkWidget *problem_box;
  GtkLabel *problem_label;
  AdwExpanderRow *placeholders_row;
  GtkWidget *restore_button;
  GtkBox *preview_box;
};

G_DEFINE_FINAL_TYPE (WmTemplateEditor, wm_template_editor, ADW_TYPE_BIN)

enum {
  SIGNAL_SAVED,
  SIGNAL_CLOSE_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
body_text (WmTemplateEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const char *
current_name (WmTemplateEditor *self)
{
  if (self->name != NULL)
    return self->name;
  return gtk_editable_get_text (GTK_EDITABLE (self->name_row));
}

gboolean
wm_template_editor_has_changes (WmTemplateEditor *self)
{
  g_autofree char *body = NULL;

  g_return_val_if_fail (WM_IS_TEMPLATE_EDITOR (self), FALSE);

  body = body_text (self);
  if (self->name == NULL
      && *gtk_editable_get_text (GTK_EDITABLE (self->name_row)) != '\0')
    return TRUE;
  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->title_row)),
                    self->saved_title != NULL ? self->saved_title : "") != 0
         || g_strcmp0 (body, self->saved_body != NULL ? self->saved_body : "") != 0;
}

const char *
wm_template_editor_get_problem (WmTemplateEditor *self)
{
  g_return_val_if_fail (WM_IS_TEMPLATE_EDITOR (self), NULL);
  return self->problem;
}

static void
set_problem (WmTemplateEditor *self,
             const char       *problem)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
  gtk_label_set_text (self->problem_label, problem != NULL ? problem : "");
  gtk_widget_set_visible (self->problem_box, problem != NULL);
}

/* Preview */

static gboolean
preview_timeout_cb (gpointer user_data)
{
  WmTemplateEditor *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WmLetter) letter = NULL;
  g_autofree char *body = body_text (self);
  const char *name = current_name (self);

  self->preview_source = 0;
  /* A new template without a usable name yet is previewed as a letter to the client. */
  if (self->name == NULL && !wm_letter_check_template (name, "x", "x", NULL))
    name = "client-letter";
  letter = wm_letter_new_sample (self->store, name,
                                 gtk_editable_get_text (GTK_EDITABLE (self->title_row)),
                                 body, &error);
  /* While the template is invalid the last good preview stays, faded, rather than flicker
   * away at every unfinished placeholder. */
  gtk_widget_set_opacity (GTK_WIDGET (self->preview_box), letter != NULL ? 1.0 : 0.4);
  if (letter != NULL)
    wm_gui_show_letter_pages (self->preview_box, letter, PREVIEW_PAGE_WIDTH);
  else if (self->problem == NULL)
    set_problem (self, error->message);  /* the sample itself was refused (discretion) */
  return G_SOURCE_REMOVE;
}

static void
schedule_preview (WmTemplateEditor *self)
{
  g_clear_handle_id (&self->preview_source, g_source_remove);
  self->preview_source = g_timeout_add (PREVIEW_DELAY_MS, preview_timeout_cb, self);
}

/* Checking */

static void
update_state (WmTemplateEditor *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmLetterTemplate) existing = NULL;
  g_autofree char *body = body_text (self);
  const char *name = current_name (self);

  /* A new template must not quietly replace a stored one of the same name. */
  if (self->name == NULL && *name != '\0')
    existing = wm_store_get_letter_template (self->store, name, NULL);
  if (!wm_letter_check_template (name, gtk_editable_get_text (GTK_EDITABLE (self->title_row)),
                                 body, &error))
    set_problem (self, error->message);
  else if (existing != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("name: a template called “%s” already exists"), name);

      set_problem (self, message);
    }
  else
    set_problem (self, NULL);

  if (self->name == NULL)
    {
      if (self->problem != NULL && g_str_has_prefix (self->problem, "name:"))
        gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "template.save",
                                 self->problem == NULL && wm_template_editor_has_changes (self));
  schedule_preview (self);
}

static void
text_changed_cb (WmTemplateEditor *self)
{
  update_state (self);
}

/* Saving */

gboolean
wm_template_editor_save (WmTemplateEditor  *self,
                         GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *name = NULL;
  const char *title;

  g_return_val_if_fail (WM_IS_TEMPLATE_EDITOR (self), FALSE);

  update_state (self);
  if (self->problem != NULL)
    {
      g_set_error_literal (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE, self->problem);
      return FALSE;
    }
  body = body_text (self);
  name = g_strdup (current_name (self));
  title = gtk_editable_get_text (GTK_EDITABLE (self->title_row));
  if (!wm_store_save_letter_template (self->store, name, title, body, &local_error))
    {
      set_problem (self, local_error->message);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "template.save", FALSE);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* From now on this is the stored template: later edits compare with what was saved. */
  if (self->name == NULL)
    {
      self->name = g_strdup (name);
      gtk_widget_set_visible (GTK_WIDGET (self->name_row), FALSE);
      adw_window_title_set_title (self->window_title, _("Edit Template"));
      adw_window_title_set_subtitle (self->window_title, self->name);
    }
  g_free (self->saved_title);
  self->saved_title = g_strdup (title);
  g_free (self->saved_body);
  self->saved_body = g_steal_pointer (&body);
  update_state (self);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, name);
  return TRUE;
}

static void
save_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  WmTemplateEditor *self = WM_TEMPLATE_EDITOR (widget);

  if (wm_template_editor_save (self, NULL))
    g_signal_emit (self, signals[SIGNAL_CLOSE_REQUESTED], 0);
}

static void
discard_response_cb (WmTemplateEditor *self,
                     const char       *response)
{
  self->discard_dialog = NULL;
  if (g_strcmp0 (response, "discard") == 0)
    g_signal_emit (self, signals[SIGNAL_CLOSE_REQUESTED], 0);
}

void
wm_template_editor_request_close (WmTemplateEditor *self)
{
  GtkRoot *root;

  g_return_if_fail (WM_IS_TEMPLATE_EDITOR (self));

  if (!wm_template_editor_has_changes (self))
    {
      g_signal_emit (self, signals[SIGNAL_CLOSE_REQUESTED], 0);
      return;
    }
  if (self->discard_dialog != NULL)
    return;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  self->discard_dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                            _("Discard Changes?"),
                            _("The changes to this template have not been saved.")));
  adw_message_dialog_add_responses (self->discard_dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (self->discard_dialog, "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (self->discard_dialog, "cancel");
  adw_message_dialog_set_close_response (self->discard_dialog, "cancel");
  g_signal_connect_object (self->discard_dialog, "response",
                           G_CALLBACK (discard_response_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->discard_dialog));
}

static void
back_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  wm_template_editor_request_close (WM_TEMPLATE_EDITOR (widget));
}

static void
restore_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  WmTemplateEditor *self = WM_TEMPLATE_EDITOR (widget);
  const WmLetterBuiltin *builtins;
  guint n;

  builtins = wm_letter_builtin_templates (&n);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (builtins[i].name, self->name) == 0)
      {
        /* Into the fields only: nothing is stored until Save. */
        gtk_editable_set_text (GTK_EDITABLE (self->title_row), _(builtins[i].title));
        gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view),
                                  _(builtins[i].body), -1);
        return;
      }
}

/* Placeholders */

static void
placeholder_activated_cb (AdwActionRow     *row,
                          WmTemplateEditor *self)
{
  const char *name = g_object_get_data (G_OBJECT (row), "wm-placeholder");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *text = g_strdup_printf ("{%s}", name);

  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
add_placeholder_rows (WmTemplateEditor *self)
{
  const WmLetterPlaceholder *placeholders;
  guint n;

  placeholders = wm_letter_placeholders (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("{%s}", placeholders[i].name);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(placeholders[i].description));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "wm-placeholder", (gpointer) placeholders[i].name);
      g_signal_connect_object (row, "activated", G_CALLBACK (placeholder_activated_cb), self, 0);
      adw_expander_row_add_row (self->placeholders_row, row);
    }
}

/* The object */

static void
wm_template_editor_dispose (GObject *object)
{
  WmTemplateEditor *self = WM_TEMPLATE_EDITOR (object);

  g_clear_handle_id (&self->preview_source, g_source_remove);
  if (self->discard_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->discard_dialog));
  self->discard_dialog = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_TEMPLATE_EDITOR);

  G_OBJECT_CLASS (wm_template_editor_parent_class)->dispose (object);
}

static void
wm_template_editor_finalize (GObject *object)
{
  WmTemplateEditor *self = WM_TEMPLATE_EDITOR (object);

  g_clear_object (&self->store);
  g_free (self->name);
  g_free (self->saved_title);
  g_free (self->saved_body);
  g_free (self->problem);

  G_OBJECT_CLASS (wm_template_editor_parent_class)->finalize (object);
}

static void
wm_template_editor_class_init (WmTemplateEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_template_editor_dispose;
  object_class->finalize = wm_template_editor_finalize;

  signals[SIGNAL_SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_CLOSE_REQUESTED] =
    g_signal_new ("close-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "template.save", NULL, save_activated);
  gtk_widget_class_install_action (widget_class, "template.back", NULL, back_activated);
  gtk_widget_class_install_action (widget_class, "template.restore", NULL, restore_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "template.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "template.back", NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-template-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, title_row);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, body_view);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, problem_box);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, problem_label);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, placeholders_row);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, restore_button);
  gtk_widget_class_bind_template_child (widget_class, WmTemplateEditor, preview_box);
}

static void
wm_template_editor_init (WmTemplateEditor *self)
{
  PangoTabArray *tabs;

  gtk_widget_init_template (GTK_WIDGET (self));

  tabs = pango_tab_array_new_with_positions (1, TRUE, PANGO_TAB_LEFT, TAB_STOP_PX);
  gtk_text_view_set_tabs (self->body_view, tabs);
  pango_tab_array_free (tabs);
  add_placeholder_rows (self);
}

GtkWidget *
wm_template_editor_new (WmStore     *store,
                        const char  *name,
                        GError     **error)
{
  g_autoptr(WmLetterTemplate) tmpl = NULL;
  WmTemplateEditor *self;

  g_return_val_if_fail (WM_IS_STORE (store), NULL);

  if (name != NULL)
    {
      tmpl = wm_store_get_letter_template (store, name, error);
      if (tmpl == NULL)
        return NULL;
    }

  self = g_object_new (WM_TYPE_TEMPLATE_EDITOR, NULL);
  self->store = g_object_ref (store);
  if (tmpl != NULL)
    {
      self->name = g_strdup (tmpl->name);
      self->builtin = tmpl->builtin;
      self->saved_title = g_strdup (tmpl->title != NULL ? tmpl->title : "");
      self->saved_body = g_strdup (tmpl->body != NULL ? tmpl->body : "");
      gtk_editable_set_text (GTK_EDITABLE (self->title_row), self->saved_title);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), self->saved_body,
                                -1);
      adw_window_title_set_title (self->window_title, _("Edit Template"));
      adw_window_title_set_subtitle (self->window_title, self->name);
      gtk_widget_set_visible (self->restore_button, self->builtin);
    }
  else
    {
      adw_window_title_set_title (self->window_title, _("New Template"));
      gtk_widget_set_visible (GTK_WIDGET (self->name_row), TRUE);
    }

  g_signal_connect_object (self->name_row, "changed", G_CALLBACK (text_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->title_row, "changed", G_CALLBACK (text_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_text_view_get_buffer (self->body_view), "changed",
                           G_CALLBACK (text_changed_cb), self, G_CONNECT_SWAPPED);
  update_state (self);
  /* The first preview at once: there is nothing to wait for. */
  g_clear_handle_id (&self->preview_source, g_source_remove);
  preview_timeout_cb (self);
  return GTK_WIDGET (self);
}
