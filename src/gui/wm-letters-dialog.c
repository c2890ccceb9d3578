/* wm-letters-dialog.c: a case's letters: choose the letter, see every page, print or export.
 *
 * The preview, the printer and the PDF all draw with wm_letter_render() from one WmLetter,
 * so what is seen here is what leaves the building, page breaks included. A letter counts as
 * sent once it is printed or written: only then is it recorded on the case (the template's
 * name, never the text), and a PDF whose record fails is taken back, as the CLI does.
 *
 * Nothing personal goes into the window title, the toasts or the print job's name: they can
 * be read over a shoulder or in a printer queue.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "wm-gui-util.h"
#include "wm-letter.h"
#include "wm-letters-dialog-private.h"

/* The width of a page in the preview; the height follows from A4. */
#define PREVIEW_PAGE_WIDTH 520

struct _WmLettersDialog
{
  AdwWindow parent_instance;

  WmStore *store;
  gint64 case_id;
  WmCase *kase;
  gulong changed_id;

  GPtrArray *names;            /* template names of the choices, "auto" first */
  WmLetter *letter;            /* NULL when the choice cannot be made into a letter */
  gboolean reloading;          /* the choices are being rebuilt: no letter yet */
  GtkFileChooserNative *chooser;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkButton *print_button;
  GtkButton *export_button;
  AdwComboRow *template_row;
  GtkRevealer *message_revealer;
  GtkLabel *message_label;
  GtkStack *stack;
  GtkBox *pages_box;
  AdwStatusPage *problem_page;
};

G_DEFINE_FINAL_TYPE (WmLettersDialog, wm_letters_dialog, ADW_TYPE_WINDOW)

static void
show_message (WmLettersDialog *self,
              const char      *message)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL);
}

static void
toast (WmLettersDialog *self,
       const char      *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static const char *
selected_name (WmLettersDialog *self)
{
  guint i = adw_combo_row_get_selected (self->template_row);

  if (self->names == NULL || i >= self->names->len)
    return WM_LETTER_AUTO;
  return self->names->pdata[i];
}

/* Who the chosen letter goes to, under the chooser: for "Automatic" this says whether the
 * discreet letter was chosen, and why. */
static char *
describe_choice (WmLettersDialog *self,
                 const char      *name)
{
  const char *resolved = wm_letter_resolve_template_name (self->store, self->kase, name);
  gboolean automatic = g_str_equal (name, WM_LETTER_AUTO);

  switch (wm_letter_recipient_for (resolved))
    {
    case WM_LETTER_TO_THERAPIST:
      return g_strdup (_("To the therapist"));
    case WM_LETTER_TO_CLIENT_DISCREET:
      return g_strdup (automatic
                       ? _("To the client, discreet: their letters may be read by others")
                       : _("To the client, discreet: names neither the service nor its subject"));
    case WM_LETTER_TO_CLIENT:
    default:
      return g_strdup (automatic ? _("To the client: their letters are private")
                                 : _("To the client"));
    }
}

/* Makes the chosen letter and shows it, or says why it cannot be made. */
static void
update_letter (WmLettersDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  const char *name;

  if (self->reloading)
    return;
  name = selected_name (self);
  g_clear_object (&self->letter);
  wm_gui_show_letter_pages (self->pages_box, NULL, PREVIEW_PAGE_WIDTH);
  show_message (self, NULL);

  description = describe_choice (self, name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->template_row), description);

  self->letter = wm_letter_new (self->store, self->kase, name, &error);
  if (self->letter != NULL)
    {
      wm_gui_show_letter_pages (self->pages_box, self->letter, PREVIEW_PAGE_WIDTH);
      gtk_stack_set_visible_child_name (self->stack, "preview");
    }
  else
    {
      adw_status_page_set_description (self->problem_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "problem");
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "letters.print", self->letter != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "letters.export", self->letter != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "letters.export-to", self->letter != NULL);
}

/* The choices: "Automatic", then every stored template by its title. The choice made is kept
 * across a reload when its template is still there. */
static void
load_templates (WmLettersDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) templates = wm_store_list_letter_templates (self->store, &error);
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);
  g_autofree char *previous = g_strdup (self->names != NULL ? selected_name (self) : NULL);
  guint selected = 0;

  g_clear_pointer (&self->names, g_ptr_array_unref);
  self->names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->names, g_strdup (WM_LETTER_AUTO));
  gtk_string_list_append (titles, _("Automatic"));
  for (guint i = 0; templates != NULL && i < templates->len; i++)
    {
      WmLetterTemplate *tmpl = templates->pdata[i];

      if (g_strcmp0 (tmpl->name, previous) == 0)
        selected = self->names->len;
      g_ptr_array_add (self->names, g_strdup (tmpl->name));
      gtk_string_list_append (titles, tmpl->title != NULL && *tmpl->title != '\0'
                                        ? tmpl->title : tmpl->name);
    }

  self->reloading = TRUE;
  adw_combo_row_set_model (self->template_row, G_LIST_MODEL (titles));
  adw_combo_row_set_selected (self->template_row, selected);
  self->reloading = FALSE;
  update_letter (self);
  if (templates == NULL)
    show_message (self, error->message);
}

static void
template_selected_cb (WmLettersDialog *self)
{
  update_letter (self);
}

static void
store_changed_cb (WmLettersDialog *self,
                  const char      *entity,
                  gint64           id)
{
  /* Templates and the letterhead can change under an open dialog (an administrator in
   * Preferences); the case and its referral cannot while this modal dialog is up. */
  if (g_strcmp0 (entity, "letter-template") == 0)
    load_templates (self);
  else if (g_strcmp0 (entity, "setting") == 0 || g_strcmp0 (entity, "therapist") == 0)
    update_letter (self);
}

/* Export */

static void
export_to (WmLettersDialog *self,
           const char      *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmLetter) letter = NULL;

  g_return_if_fail (path != NULL);

  if (self->letter == NULL)
    return;
  letter = g_object_ref (self->letter);
  show_message (self, NULL);
  if (!wm_letter_write_pdf (letter, path, &error))
    {
      show_message (self, error->message);
      return;
    }
  /* A letter that is not on record is not sent: take it back if the record fails. */
  if (!wm_store_record_letter (self->store, self->case_id,
                               wm_letter_get_template_name (letter), WM_LETTER_OUTPUT_PDF,
                               &error))
    {
      g_unlink (path);
      show_message (self, error->message);
      return;
    }
  toast (self, _("Letter exported as PDF"));
}

static void
export_to_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  export_to (WM_LETTERS_DIALOG (widget), g_variant_get_string (parameter, NULL));
}

static void
chooser_response_cb (WmLettersDialog      *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  gboolean not_local;
  g_autofree char *path = wm_gui_chosen_local_path (GTK_FILE_CHOOSER (chooser), response,
                                                    &not_local);

  g_clear_object (&self->chooser);
  if (not_local)
    show_message (self, _("Export PDF: choose a folder on this computer"));
  else if (path != NULL)
    export_to (self, path);
}

static void
export_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  WmLettersDialog *self = WM_LETTERS_DIALOG (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *filename = NULL;

  if (self->letter == NULL || self->chooser != NULL)
    return;
  filename = wm_letter_dup_default_filename (self->letter);
  self->chooser = gtk_file_chooser_native_new (_("Export PDF"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_set_name (filter, _("PDF documents"));
  gtk_file_filter_add_suffix (filter, "pdf");
  gtk_file_filter_add_mime_type (filter, "application/pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), filename);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Print */

static void
draw_print_page (GtkPrintOperation *op,
                 GtkPrintContext   *context,
                 int                page,
                 gpointer           user_data)
{
  WmLetter *letter = g_object_get_data (G_OBJECT (op), "wm-letter");

  /* The context is in points over the full sheet; on paper other than A4 the letter is
   * scaled to fit rather than cut off. */
  wm_letter_render_fitted (letter, gtk_print_context_get_cairo_context (context), page,
                           gtk_print_context_get_width (context),
                           gtk_print_context_get_height (context));
}

static gboolean
end_preview_cb (gpointer data)
{
  gtk_print_operation_preview_end_preview (GTK_PRINT_OPERATION_PREVIEW (data));
  return G_SOURCE_REMOVE;
}

static gboolean
print_preview_cb (GtkPrintOperation        *op,
                  GtkPrintOperationPreview *preview,
                  GtkPrintContext          *context,
                  GtkWindow                *parent)
{
  /* A preview is not a letter sent. GTK's own preview would write the letter, unencrypted,
   * to a temporary PDF for an outside viewer that may never delete it; the Letters window
   * already shows every page as it will print, so the preview is declined here. */
  g_object_set_data (G_OBJECT (op), "wm-previewed", GINT_TO_POINTER (TRUE));
  g_idle_add_full (G_PRIORITY_DEFAULT, end_preview_cb, g_object_ref (preview), g_object_unref);
  return TRUE;
}

GtkPrintOperation *
wm_letters_dialog_create_print_operation (WmLettersDialog *self)
{
  g_autoptr(GtkPageSetup) setup = NULL;
  g_autoptr(GtkPaperSize) a4 = NULL;
  GtkPrintOperation *op;

  g_return_val_if_fail (WM_IS_LETTERS_DIALOG (self), NULL);

  if (self->letter == NULL)
    return NULL;
  op = gtk_print_operation_new ();
  setup = gtk_page_setup_new ();
  a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);
  gtk_page_setup_set_paper_size (setup, a4);
  gtk_page_setup_set_orientation (setup, GTK_PAGE_ORIENTATION_PORTRAIT);
  gtk_print_operation_set_default_page_setup (op, setup);
  /* Printer queues are visible to others: never a name or a reference here. */
  gtk_print_operation_set_job_name (op, _("Waymark letter"));
  gtk_print_operation_set_n_pages (op, wm_letter_get_n_pages (self->letter));
  gtk_print_operation_set_use_full_page (op, TRUE);
  gtk_print_operation_set_unit (op, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (op, TRUE);
  g_object_set_data_full (G_OBJECT (op), "wm-letter", g_object_ref (self->letter),
                          g_object_unref);
  g_signal_connect (op, "draw-page", G_CALLBACK (draw_print_page), NULL);
  g_signal_connect (op, "preview", G_CALLBACK (print_preview_cb), NULL);
  return op;
}

GtkPrintOperationResult
wm_letters_dialog_run_print (WmLettersDialog         *self,
                             GtkPrintOperation       *op,
                             GtkPrintOperationAction  action)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmLettersDialog) hold = g_object_ref (self);
  WmLetter *letter;
  GtkPrintOperationResult result;

  g_return_val_if_fail (WM_IS_LETTERS_DIALOG (self), GTK_PRINT_OPERATION_RESULT_ERROR);
  g_return_val_if_fail (GTK_IS_PRINT_OPERATION (op), GTK_PRINT_OPERATION_RESULT_ERROR);

  letter = g_object_get_data (G_OBJECT (op), "wm-letter");
  show_message (self, NULL);
  result = gtk_print_operation_run (op, action, GTK_WINDOW (self), &error);
  switch (result)
    {
    case GTK_PRINT_OPERATION_RESULT_ERROR:
      show_message (self, error != NULL ? error->message
                                         : _("Print: the letter could not be printed"));
      break;
    case GTK_PRINT_OPERATION_RESULT_APPLY:
      if (g_object_get_data (G_OBJECT (op), "wm-previewed") != NULL)
        break;
      if (!wm_store_record_letter (self->store, self->case_id,
                                   wm_letter_get_template_name (letter),
                                   WM_LETTER_OUTPUT_PRINT, &error))
        {
          /* Too late to take the paper back: say so, so it can be noted by hand. */
          show_message (self, error->message);
          break;
        }
      toast (self, _("Letter sent to the printer"));
      break;
    case GTK_PRINT_OPERATION_RESULT_CANCEL:
    case GTK_PRINT_OPERATION_RESULT_IN_PROGRESS:
    default:
      break;
    }
  return result;
}

WmLetter *
wm_letters_dialog_get_letter (WmLettersDialog *self)
{
  g_return_val_if_fail (WM_IS_LETTERS_DIALOG (self), NULL);
  return self->letter;
}

static void
print_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  WmLettersDialog *self = WM_LETTERS_DIALOG (widget);
  g_autoptr(GtkPrintOperation) op = wm_letters_dialog_create_print_operation (self);

  if (op != NULL)
    wm_letters_dialog_run_print (self, op, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG);
}

/* The object */

static void
wm_letters_dialog_dispose (GObject *object)
{
  WmLettersDialog *self = WM_LETTERS_DIALOG (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_signal_handler (&self->changed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_LETTERS_DIALOG);

  G_OBJECT_CLASS (wm_letters_dialog_parent_class)->dispose (object);
}

static void
wm_letters_dialog_finalize (GObject *object)
{
  WmLettersDialog *self = WM_LETTERS_DIALOG (object);

  g_clear_object (&self->letter);
  g_clear_object (&self->kase);
  g_clear_object (&self->store);
  g_clear_pointer (&self->names, g_ptr_array_unref);

  G_OBJECT_CLASS (wm_letters_dialog_parent_class)->finalize (object);
}

static void
wm_letters_dialog_class_init (WmLettersDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_letters_dialog_dispose;
  object_class->finalize = wm_letters_dialog_finalize;

  gtk_widget_class_install_action (widget_class, "letters.print", NULL, print_activated);
  gtk_widget_class_install_action (widget_class, "letters.export", NULL, export_activated);
  /* Export to a path chosen already: what the file chooser's answer leads to, and what the
   * tests use, as they cannot drive a native file chooser. */
  gtk_widget_class_install_action (widget_class, "letters.export-to", "s",
                                   export_to_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "letters.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "letters.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-letters-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, print_button);
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, template_row);
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, pages_box);
  gtk_widget_class_bind_template_child (widget_class, WmLettersDialog, problem_page);
}

static void
wm_letters_dialog_init (WmLettersDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wm_letters_dialog_new (GtkWindow *parent,
                       WmStore   *store,
                       WmCase    *kase)
{
  WmLettersDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (WM_IS_STORE (store), NULL);
  g_return_val_if_fail (WM_IS_CASE (kase) && wm_record_get_id (WM_RECORD (kase)) > 0, NULL);

  self = g_object_new (WM_TYPE_LETTERS_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "title", "Waymark",
                       NULL);
  self->store = g_object_ref (store);
  self->case_id = wm_record_get_id (WM_RECORD (kase));
  self->kase = g_object_ref (kase);

  g_signal_connect_object (self->template_row, "notify::selected",
                           G_CALLBACK (template_selected_cb), self, G_CONNECT_SWAPPED);
  self->changed_id = g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb),
                                              self, G_CONNECT_SWAPPED);
  load_templates (self);
  return GTK_WIDGET (self);
}
