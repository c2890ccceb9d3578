/* wm-recovery-key-page.c: a new database's recovery key, shown once.
 *
 * The recovery key is the data key itself: it opens the database without any password, in
 * Waymark or in the stock sqlcipher shell. It is shown exactly once, straight after the
 * database is created, so this page insists on an explicit "I have stored it" before it lets
 * go, and then wipes its copy. The page's copy lives in sodium memory; the label's and Pango's
 * copies are beyond our reach, which is one more reason to clear the label as soon as the key
 * has been acknowledged.
 *
 * The printout carries the key, what it is for, and the date, under a neutral title: no
 * organisation name, nothing that says what the database holds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wm-keyring.h"
#include "wm-recovery-key-page.h"

/* The grouped form: 16 groups of 4 digits. */
#define GROUP_CHARS 5
#define GROUPS_PER_LINE 4

struct _WmRecoveryKeyPage
{
  AdwBin parent_instance;

  char *key; /* sodium memory */

  /* Template widgets */
  GtkLabel *key_label;
  GtkButton *print_button;
  GtkCheckButton *stored_check;
  GtkButton *continue_button;
};

G_DEFINE_FINAL_TYPE (WmRecoveryKeyPage, wm_recovery_key_page, ADW_TYPE_BIN)

enum
{
  SIGNAL_ACKNOWLEDGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The key in lines of four groups, for the screen and for paper; the result is sodium
 * memory. A line break takes the place of a space, so the text is as long as the key and
 * still reads as one key when copied. */
static char *
key_in_lines (const char *key)
{
  gsize len = strlen (key);
  char *out = wm_secret_strdup (key);

  for (gsize i = 0; i < len; i++)
    {
      if (out[i] == ' ' && (i + 1) % (GROUP_CHARS * GROUPS_PER_LINE) == 0)
        out[i] = '\n';
    }
  return out;
}

static void
print_paragraph (cairo_t              *cr,
                 PangoLayout          *layout,
                 const char           *text,
                 const char           *font,
                 double               *y)
{
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string (font);
  int height;

  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, 0, *y);
  pango_cairo_show_layout (cr, layout);
  pango_layout_get_size (layout, NULL, &height);
  *y += (double) height / PANGO_SCALE;
}

static void
wm_recovery_key_page_draw_page_cb (GtkPrintOperation *operation,
                                   GtkPrintContext   *context,
                                   int                page_nr,
                                   gpointer           user_data)
{
  WmRecoveryKeyPage *self = user_data;
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  double width = gtk_print_context_get_width (context);
  g_autoptr(PangoLayout) layout = gtk_print_context_create_pango_layout (context);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%-d %B %Y");
  g_autofree char *printed = NULL;
  g_auto(WmSecretString) lines = NULL;
  double y = 0;

  if (self->key == NULL)
    return;

  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
  cairo_set_source_rgb (cr, 0, 0, 0);

  print_paragraph (cr, layout, _("Waymark recovery key"), "Sans Bold 18", &y);
  y += 18;
  print_paragraph (cr, layout,
                   _("This key opens the Waymark database without any password, so anyone "
                     "who has it can read everything. Keep this paper locked away, and do "
                     "not copy the key onto a computer."),
                   "Sans 11", &y);
  y += 10;
  print_paragraph (cr, layout,
                   _("If every administrator has lost their password, open the database "
                     "with this key. Without Waymark, the file also opens with the standard "
                     "sqlcipher program, using the key’s 64 digits without spaces."),
                   "Sans 11", &y);
  y += 28;

  lines = key_in_lines (self->key);
  print_paragraph (cr, layout, lines, "Monospace Bold 20", &y);
  y += 28;

  /* Translators: %s is a date such as "12 May 2026". */
  printed = g_strdup_printf (_("Printed on %s"), date);
  print_paragraph (cr, layout, printed, "Sans 9", &y);
}

static void
wm_recovery_key_page_print_done_cb (GtkPrintOperation       *operation,
                                    GtkPrintOperationResult  result,
                                    gpointer                 user_data)
{
  WmRecoveryKeyPage *self = user_data;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;

  if (result != GTK_PRINT_OPERATION_RESULT_ERROR)
    return;

  gtk_print_operation_get_error (operation, &error);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Could Not Print"),
                                   error != NULL ? error->message : NULL);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
wm_recovery_key_page_print_clicked_cb (WmRecoveryKeyPage *self)
{
  g_autoptr(GtkPrintOperation) operation = wm_recovery_key_page_create_print_operation (self);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (operation == NULL)
    return;

  gtk_print_operation_set_allow_async (operation, TRUE);
  g_signal_connect_object (operation, "done",
                           G_CALLBACK (wm_recovery_key_page_print_done_cb), self, 0);
  gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                           GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL);
}

static void
wm_recovery_key_page_continue_clicked_cb (WmRecoveryKeyPage *self)
{
  if (!gtk_check_button_get_active (self->stored_check))
    return;

  wm_recovery_key_page_clear (self);
  g_signal_emit (self, signals[SIGNAL_ACKNOWLEDGED], 0);
}

static void
wm_recovery_key_page_map (GtkWidget *widget)
{
  WmRecoveryKeyPage *self = WM_RECOVERY_KEY_PAGE (widget);

  GTK_WIDGET_CLASS (wm_recovery_key_page_parent_class)->map (widget);

  /* Not the key: a selectable label selects all of itself when it takes the focus. */
  gtk_widget_grab_focus (GTK_WIDGET (self->print_button));
}

static void
wm_recovery_key_page_dispose (GObject *object)
{
  WmRecoveryKeyPage *self = WM_RECOVERY_KEY_PAGE (object);

  g_clear_pointer (&self->key, wm_secret_string_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_RECOVERY_KEY_PAGE);

  G_OBJECT_CLASS (wm_recovery_key_page_parent_class)->dispose (object);
}

static void
wm_recovery_key_page_class_init (WmRecoveryKeyPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_recovery_key_page_dispose;
  widget_class->map = wm_recovery_key_page_map;

  signals[SIGNAL_ACKNOWLEDGED] =
    g_signal_new ("acknowledged",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/"
                                               "wm-recovery-key-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WmRecoveryKeyPage, key_label);
  gtk_widget_class_bind_template_child (widget_class, WmRecoveryKeyPage, print_button);
  gtk_widget_class_bind_template_child (widget_class, WmRecoveryKeyPage, stored_check);
  gtk_widget_class_bind_template_child (widget_class, WmRecoveryKeyPage, continue_button);
  gtk_widget_class_bind_template_callback (widget_class, wm_recovery_key_page_print_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class,
                                           wm_recovery_key_page_continue_clicked_cb);
}

static void
wm_recovery_key_page_init (WmRecoveryKeyPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wm_recovery_key_page_new (void)
{
  return g_object_new (WM_TYPE_RECOVERY_KEY_PAGE, NULL);
}

void
wm_recovery_key_page_set_key (WmRecoveryKeyPage *self,
                              const char        *key)
{
  g_auto(WmSecretString) lines = NULL;

  g_return_if_fail (WM_IS_RECOVERY_KEY_PAGE (self));
  g_return_if_fail (key != NULL);

  g_clear_pointer (&self->key, wm_secret_string_free);
  self->key = wm_secret_strdup (key);
  lines = key_in_lines (self->key);
  gtk_label_set_text (self->key_label, lines);
  gtk_check_button_set_active (self->stored_check, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->print_button), TRUE);
}

void
wm_recovery_key_page_clear (WmRecoveryKeyPage *self)
{
  g_return_if_fail (WM_IS_RECOVERY_KEY_PAGE (self));

  g_clear_pointer (&self->key, wm_secret_string_free);
  gtk_label_set_text (self->key_label, "");
  gtk_check_button_set_active (self->stored_check, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->print_button), FALSE);
}

GtkPrintOperation *
wm_recovery_key_page_create_print_operation (WmRecoveryKeyPage *self)
{
  GtkPrintOperation *operation;

  g_return_val_if_fail (WM_IS_RECOVERY_KEY_PAGE (self), NULL);

  if (self->key == NULL)
    return NULL;

  operation = gtk_print_operation_new ();
  /* The job name shows in print queues and becomes the title of a PDF: keep it neutral. */
  gtk_print_operation_set_job_name (operation, _("Waymark recovery key"));
  gtk_print_operation_set_n_pages (operation, 1);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  g_signal_connect_object (operation, "draw-page",
                           G_CALLBACK (wm_recovery_key_page_draw_page_cb), self, 0);
  return operation;
}
