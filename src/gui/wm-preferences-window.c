/* wm-preferences-window.c: Preferences: this computer's settings for everyone, and for
 * administrators the organisation's letterhead and the letter templates.
 *
 * General is GSettings, bound straight to the controls. Organisation is the database's
 * settings table: a field is checked with wm-validate and stored when it is applied (Enter,
 * the row's apply button, or leaving the field) and when the window closes, never while it is
 * only half typed; a field that does not pass keeps its problem under it and nothing is
 * stored. The administrator's pages are not even built into the window for anyone else (the
 * store refuses their changes anyway).
 *
 * More pages can be added with adw_preferences_window_add() after construction: the users
 * page is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-gui-util.h"
#include "wm-preferences-window.h"
#include "wm-template-editor.h"
#include "wm-validate.h"

typedef enum
{
  FIELD_TEXT,
  FIELD_MULTILINE,
  FIELD_PHONE,
  FIELD_EMAIL,
} FieldKind;

/* One organisation setting and where it is typed. */
typedef struct
{
  const char *key;             /* "org.phone" */
  FieldKind kind;
  GtkWidget *widget;           /* an AdwEntryRow or a GtkTextView */
  GtkWidget *message_row;      /* under an entry row, or NULL */
  GtkLabel *message_label;     /* its text, or the label under a text view */
  gboolean showing_problem;
} OrgField;

#define MAX_CHARS_LINE 200
#define MAX_CHARS_ADDRESS 500

struct _WmPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  WmSession *session;
  WmStore *store;
  GSettings *settings;
  gulong changed_id;
  GArray *fields;              /* OrgField; empty for non-administrators */
  gboolean loading;
  AdwMessageDialog *delete_dialog;

  /* Template widgets */
  AdwPreferencesPage *general_page;
  GtkSpinButton *lock_spin;
  GtkSwitch *tiles_switch;
  AdwPreferencesPage *organisation_page;
  AdwEntryRow *name_row;
  AdwEntryRow *phone_row;
  AdwEntryRow *email_row;
  AdwEntryRow *charity_row;
  AdwEntryRow *signatory_row;
  GtkTextView *address_view;
  GtkLabel *address_message;
  GtkSwitch *sensitive_switch;
  AdwEntryRow *sender_row;
  GtkTextView *discreet_address_view;
  GtkLabel *discreet_address_message;
  AdwPreferencesPage *letters_page;
  GtkListBox *templates_list;
};

G_DEFINE_FINAL_TYPE (WmPreferencesWindow, wm_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* Organisation */

static char *
field_text (OrgField *field)
{
  if (GTK_IS_TEXT_VIEW (field->widget))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (field->widget));
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    }
  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (field->widget)));
}

static void
set_field_text (OrgField   *field,
                const char *text)
{
  if (GTK_IS_TEXT_VIEW (field->widget))
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (field->widget)),
                              text != NULL ? text : "", -1);
  else
    gtk_editable_set_text (GTK_EDITABLE (field->widget), text != NULL ? text : "");
}

/* What people call the field: messages read "E-mail: is not a valid address". */
static char *
field_label (OrgField *field)
{
  if (ADW_IS_PREFERENCES_ROW (field->widget))
    return g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (field->widget)));
  return g_strdup (g_object_get_data (G_OBJECT (field->widget), "wm-label"));
}

/* Checks what is typed; *value gets what to store (trimmed, a phone number in its usual
 * groups). */
static gboolean
check_field (OrgField  *field,
             char     **value,
             GError   **error)
{
  g_autofree char *label = field_label (field);
  g_autofree char *text = field_text (field);
  g_autofree char *normalised = NULL;

  switch (field->kind)
    {
    case FIELD_MULTILINE:
      /* Trailing blank lines would only push the letter down. */
      g_strchomp (text);
      if (!wm_validate_text (label, text, MAX_CHARS_ADDRESS, TRUE, FALSE, error))
        return FALSE;
      *value = g_steal_pointer (&text);
      return TRUE;
    case FIELD_PHONE:
      if (!wm_validate_uk_phone (label, text, FALSE, &normalised, error))
        return FALSE;
      *value = g_strdup (normalised != NULL ? normalised : "");
      return TRUE;
    case FIELD_EMAIL:
      g_strstrip (text);
      if (!wm_validate_email (label, text, FALSE, error))
        return FALSE;
      *value = g_steal_pointer (&text);
      return TRUE;
    case FIELD_TEXT:
    default:
      g_strstrip (text);
      if (!wm_validate_text (label, text, MAX_CHARS_LINE, FALSE, FALSE, error))
        return FALSE;
      *value = g_steal_pointer (&text);
      return TRUE;
    }
}

static void
show_field_problem (OrgField   *field,
                    const char *message)
{
  field->showing_problem = message != NULL;
  if (message != NULL)
    gtk_widget_add_css_class (field->widget, "error");
  else
    gtk_widget_remove_css_class (field->widget, "error");
  gtk_widget_set_tooltip_text (field->widget, message);
  gtk_label_set_text (field->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (field->message_row != NULL ? field->message_row
                                                     : GTK_WIDGET (field->message_label),
                          message != NULL);
  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (field->widget),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (field->widget),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

/* Stores the field if it passes and differs from what is stored. */
static gboolean
apply_field (WmPreferencesWindow *self,
             OrgField            *field)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  g_autofree char *stored = NULL;

  if (!check_field (field, &value, &error))
    {
      show_field_problem (field, error->message);
      return FALSE;
    }
  stored = wm_store_get_setting (self->store, field->key);
  if (g_strcmp0 (value, stored != NULL ? stored : "") != 0
      && !wm_store_set_setting (self->store, field->key, value, &error))
    {
      show_field_problem (field, error->message);
      return FALSE;
    }
  show_field_problem (field, NULL);
  /* Show what was stored (a phone number in its usual groups), without starting over. */
  self->loading = TRUE;
  {
    g_autofree char *shown = field_text (field);

    if (g_strcmp0 (shown, value) != 0)
      set_field_text (field, value);
  }
  self->loading = FALSE;
  return TRUE;
}

static OrgField *
find_field (WmPreferencesWindow *self,
            GtkWidget           *widget)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      OrgField *field = &g_array_index (self->fields, OrgField, i);

      if (field->widget == widget)
        return field;
    }
  return NULL;
}

static void
field_apply_cb (GtkWidget           *widget,
                WmPreferencesWindow *self)
{
  OrgField *field = find_field (self, widget);

  if (field != NULL)
    apply_field (self, field);
}

static void
field_focus_left_cb (GtkEventControllerFocus *controller,
                     WmPreferencesWindow     *self)
{
  field_apply_cb (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)), self);
}

static void
field_changed_cb (GtkWidget           *widget,
                  WmPreferencesWindow *self)
{
  OrgField *field;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  if (self->loading)
    return;
  if (GTK_IS_TEXT_BUFFER (widget))
    widget = g_object_get_data (G_OBJECT (widget), "wm-view");
  field = find_field (self, widget);
  /* A problem shown goes away as soon as it is fixed; a new one waits until the field is
   * applied, so nobody is told off for an address they have not finished typing. */
  if (field != NULL && field->showing_problem && check_field (field, &value, &error))
    show_field_problem (field, NULL);
}

static void
add_field (WmPreferencesWindow *self,
           const char          *key,
           FieldKind            kind,
           GtkWidget           *widget,
           GtkLabel            *message_label)
{
  OrgField field = { key, kind, widget, NULL, message_label, FALSE };
  GtkEventController *focus = gtk_event_controller_focus_new ();
  g_autofree char *stored = wm_store_get_setting (self->store, key);

  if (ADW_IS_ENTRY_ROW (widget))
    field.message_row = wm_gui_add_message_row (widget, &field.message_label);
  g_array_append_val (self->fields, field);

  set_field_text (&field, stored);
  if (ADW_IS_ENTRY_ROW (widget))
    {
      /* Only now: text set while the apply button is off does not count as a change. */
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (widget), TRUE);
      g_signal_connect_object (widget, "apply", G_CALLBACK (field_apply_cb), self, 0);
      g_signal_connect_object (widget, "changed", G_CALLBACK (field_changed_cb), self, 0);
    }
  else
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));

      g_object_set_data (G_OBJECT (buffer), "wm-view", widget);
      g_signal_connect_object (buffer, "changed", G_CALLBACK (field_changed_cb), self, 0);
    }
  g_signal_connect_object (focus, "leave", G_CALLBACK (field_focus_left_cb), self, 0);
  gtk_widget_add_controller (widget, focus);
}

static gboolean
setting_is_yes (WmStore    *store,
                const char *key)
{
  g_autofree char *value = wm_store_get_setting (store, key);
  gboolean yes = FALSE;

  return value != NULL && wm_parse_bool (key, value, FALSE, &yes, NULL) && yes;
}

static void
sensitive_changed_cb (WmPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  gboolean active = gtk_switch_get_active (self->sensitive_switch);

  if (self->loading || active == setting_is_yes (self->store, "org.name_sensitive"))
    return;
  if (!wm_store_set_setting (self->store, "org.name_sensitive", active ? "yes" : "no", &error))
    {
      /* Not stored: the switch goes back to what letters will actually do. */
      self->loading = TRUE;
      gtk_switch_set_active (self->sensitive_switch, !active);
      self->loading = FALSE;
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (error->message));
    }
}

static void
setup_organisation (WmPreferencesWindow *self)
{
  g_object_set_data (G_OBJECT (self->address_view), "wm-label", (gpointer) _("Address"));
  g_object_set_data (G_OBJECT (self->discreet_address_view), "wm-label",
                     (gpointer) _("Return address"));

  add_field (self, "org.name", FIELD_TEXT, GTK_WIDGET (self->name_row), NULL);
  add_field (self, "org.phone", FIELD_PHONE, GTK_WIDGET (self->phone_row), NULL);
  add_field (self, "org.email", FIELD_EMAIL, GTK_WIDGET (self->email_row), NULL);
  add_field (self, "org.charity_number", FIELD_TEXT, GTK_WIDGET (self->charity_row), NULL);
  add_field (self, "org.signatory", FIELD_TEXT, GTK_WIDGET (self->signatory_row), NULL);
  add_field (self, "org.address", FIELD_MULTILINE, GTK_WIDGET (self->address_view),
             self->address_message);
  add_field (self, "org.discreet_sender", FIELD_TEXT, GTK_WIDGET (self->sender_row), NULL);
  add_field (self, "org.discreet_address", FIELD_MULTILINE,
             GTK_WIDGET (self->discreet_address_view), self->discreet_address_message);

  self->loading = TRUE;
  gtk_switch_set_active (self->sensitive_switch, setting_is_yes (self->store,
                                                                 "org.name_sensitive"));
  self->loading = FALSE;
  g_signal_connect_object (self->sensitive_switch, "notify::active",
                           G_CALLBACK (sensitive_changed_cb), self, G_CONNECT_SWAPPED);
}

/* Letters */

static void
load_templates (WmPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) templates = wm_store_list_letter_templates (self->store, &error);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->templates_list))) != NULL)
    gtk_list_box_remove (self->templates_list, child);

  if (templates == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Templates not available"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error->message);
      gtk_widget_add_css_class (row, "error");
      gtk_list_box_append (self->templates_list, row);
      return;
    }

  for (guint i = 0; i < templates->len; i++)
    {
      WmLetterTemplate *tmpl = templates->pdata[i];
      const char *title = tmpl->title != NULL && *tmpl->title != '\0' ? tmpl->title
                                                                       : tmpl->name;
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

      /* Titles are typed by people and may hold placeholders: never markup. */
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      /* Translators: under a letter template's title: "Built in · client-referral". */
      subtitle = tmpl->builtin ? g_strdup_printf (_("Built in · %s"), tmpl->name)
                               : g_strdup (tmpl->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_name (row, tmpl->name);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "prefs.edit-template");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", tmpl->name);

      if (!tmpl->builtin)
        {
          g_autofree char *label = g_strdup_printf (_("Delete “%s”"), title);
          GtkWidget *delete = gtk_button_new_from_icon_name ("user-trash-symbolic");

          gtk_widget_set_valign (delete, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (delete, "flat");
          gtk_widget_set_tooltip_text (delete, _("Delete"));
          gtk_accessible_update_property (GTK_ACCESSIBLE (delete),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
          gtk_actionable_set_action_name (GTK_ACTIONABLE (delete), "prefs.delete-template");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (delete), "s", tmpl->name);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), delete);
        }
      gtk_accessible_update_state (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE,
                                   -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
      gtk_list_box_append (self->templates_list, row);
    }
}

static void
editor_saved_cb (WmPreferencesWindow *self)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Template saved")));
}

static void
editor_close_cb (WmPreferencesWindow *self)
{
  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (self));
}

static void
open_editor (WmPreferencesWindow *self,
             const char          *name)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *editor = wm_template_editor_new (self->store, name, &error);

  if (editor == NULL)
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (error->message));
      return;
    }
  g_signal_connect_object (editor, "saved", G_CALLBACK (editor_saved_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (editor, "close-requested", G_CALLBACK (editor_close_cb), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_window_present_subpage (ADW_PREFERENCES_WINDOW (self), editor);
}

static void
edit_template_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  open_editor (WM_PREFERENCES_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
new_template_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  open_editor (WM_PREFERENCES_WINDOW (widget), NULL);
}

static void
delete_response_cb (AdwMessageDialog    *dialog,
                    const char          *response,
                    WmPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  const char *name = g_object_get_data (G_OBJECT (dialog), "wm-template");

  self->delete_dialog = NULL;
  if (g_strcmp0 (response, "delete") != 0)
    return;
  if (!wm_store_delete_letter_template (self->store, name, &error))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                      adw_toast_new (error->message));
  else
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                      adw_toast_new (_("Template deleted")));
}

static void
delete_template_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  WmPreferencesWindow *self = WM_PREFERENCES_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WmLetterTemplate) tmpl = wm_store_get_letter_template (self->store, name, &error);
  g_autofree char *body = NULL;

  if (tmpl == NULL || tmpl->builtin || self->delete_dialog != NULL)
    return;
  body = g_strdup_printf (_("The template “%s” will be deleted. Letters already printed or "
                            "exported are not affected."),
                          tmpl->title != NULL && *tmpl->title != '\0' ? tmpl->title
                                                                       : tmpl->name);
  self->delete_dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                    _("Delete Template?"),
                                                                    body));
  adw_message_dialog_add_responses (self->delete_dialog,
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (self->delete_dialog, "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (self->delete_dialog, "cancel");
  adw_message_dialog_set_close_response (self->delete_dialog, "cancel");
  g_object_set_data_full (G_OBJECT (self->delete_dialog), "wm-template", g_strdup (name),
                          g_free);
  g_signal_connect_object (self->delete_dialog, "response", G_CALLBACK (delete_response_cb),
                           self, 0);
  gtk_window_present (GTK_WINDOW (self->delete_dialog));
}

static void
store_changed_cb (WmPreferencesWindow *self,
                  const char          *entity,
                  gint64               id)
{
  if (g_strcmp0 (entity, "letter-template") == 0 && self->letters_page != NULL)
    load_templates (self);
}

/* The object */

static gboolean
wm_preferences_window_close_request (GtkWindow *window)
{
  WmPreferencesWindow *self = WM_PREFERENCES_WINDOW (window);

  /* What was typed but not yet applied is kept if it passes; what does not pass is not
   * stored (its problem was on screen). */
  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    apply_field (self, &g_array_index (self->fields, OrgField, i));

  return GTK_WINDOW_CLASS (wm_preferences_window_parent_class)->close_request (window);
}

static void
wm_preferences_window_dispose (GObject *object)
{
  WmPreferencesWindow *self = WM_PREFERENCES_WINDOW (object);

  if (self->delete_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->delete_dialog));
  self->delete_dialog = NULL;
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (wm_preferences_window_parent_class)->dispose (object);
}

static void
wm_preferences_window_finalize (GObject *object)
{
  WmPreferencesWindow *self = WM_PREFERENCES_WINDOW (object);

  g_clear_pointer (&self->fields, g_array_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wm_preferences_window_parent_class)->finalize (object);
}

static void
wm_preferences_window_class_init (WmPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = wm_preferences_window_dispose;
  object_class->finalize = wm_preferences_window_finalize;
  window_class->close_request = wm_preferences_window_close_request;

  gtk_widget_class_install_action (widget_class, "prefs.edit-template", "s",
                                   edit_template_activated);
  gtk_widget_class_install_action (widget_class, "prefs.new-template", NULL,
                                   new_template_activated);
  gtk_widget_class_install_action (widget_class, "prefs.delete-template", "s",
                                   delete_template_activated);

  g_type_ensure (WM_TYPE_TEMPLATE_EDITOR);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/waymark/Waymark/wm-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, general_page);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, lock_spin);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, tiles_switch);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, organisation_page);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, phone_row);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, email_row);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, charity_row);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, signatory_row);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, address_view);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, address_message);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, sensitive_switch);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, sender_row);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow,
                                        discreet_address_view);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow,
                                        discreet_address_message);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, letters_page);
  gtk_widget_class_bind_template_child (widget_class, WmPreferencesWindow, templates_list);
}

static void
wm_preferences_window_init (WmPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->fields = g_array_new (FALSE, TRUE, sizeof (OrgField));
  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "auto-lock-minutes", self->lock_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "online-map-tiles", self->tiles_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
}

GtkWidget *
wm_preferences_window_new (GtkWindow *parent,
                           WmSession *session)
{
  WmPreferencesWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (WM_IS_SESSION (session), NULL);

  self = g_object_new (WM_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "title", "Waymark",
                       NULL);
  self->session = g_object_ref (session);
  self->store = g_object_ref (wm_session_get_store (session));

  if (!wm_session_is_admin (session))
    {
      /* Not hidden but gone: nothing of the organisation's settings is even read. */
      adw_preferences_window_remove (ADW_PREFERENCES_WINDOW (self),
                                     self->organisation_page);
      adw_preferences_window_remove (ADW_PREFERENCES_WINDOW (self), self->letters_page);
      self->organisation_page = NULL;
      self->letters_page = NULL;
      self->templates_list = NULL;
      return GTK_WIDGET (self);
    }

  setup_organisation (self);
  load_templates (self);
  self->changed_id = g_signal_connect_object (self->store, "changed",
                                              G_CALLBACK (store_changed_cb), self,
                                              G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}
