/* wm-timeline.c: the events of one case, newest first, and "Add Note".
 *
 * A case has tens of events, not thousands, so a boxed GtkListBox bound to the store's list is
 * enough. The list is read again whenever the store says the case changed: the store writes
 * events for status changes and referrals itself, and they belong here as soon as they exist.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-gui-util.h"
#include "wm-timeline.h"
#include "wm-vocab.h"

struct _WmTimeline
{
  AdwBin parent_instance;

  WmSession *session;
  WmStore *store;
  gulong changed_id;
  gint64 case_id;

  /* Template widgets */
  GtkEntry *note_entry;
  GtkButton *add_button;
  GtkListBox *events_list;
};

G_DEFINE_FINAL_TYPE (WmTimeline, wm_timeline, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CASE_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
kind_icon_name (const char *kind)
{
  static const struct { const char *kind, *icon; } icons[] = {
    { "note", "document-edit-symbolic" },
    { "call", "call-start-symbolic" },
    { "email", "mail-unread-symbolic" },
    { "letter", "x-office-document-symbolic" },
    { "status", "emblem-synchronizing-symbolic" },
    { "referral", "mail-send-symbolic" },
    { "import", "document-open-symbolic" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (icons); i++)
    if (g_strcmp0 (icons[i].kind, kind) == 0)
      return icons[i].icon;
  return "text-x-generic-symbolic";
}

/* The store records status changes with their codes ("enquiry → triage", "→ referred", or
 * just "enquiry" when the case was opened or imported), so that the record does not depend on
 * the language of whoever wrote it; people read the labels. A note given with the change
 * follows on the next lines and is kept as written. */
static char *
describe_status_event (const char *kind,
                       const char *body)
{
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) steps = NULL;
  g_autofree char *first = NULL;

  if (body == NULL || *body == '\0')
    return g_strdup ("");

  lines = g_strsplit (body, "\n", 2);
  steps = g_strsplit (lines[0], "→", 2);
  if (steps[1] == NULL)
    first = g_strdup_printf (g_strcmp0 (kind, "import") == 0 ? _("Imported as %s")
                                                             : _("Opened as %s"),
                             wm_vocab_label (WM_VOCAB_CASE_STATUS, g_strstrip (steps[0])));
  else if (*g_strstrip (steps[0]) == '\0')
    /* Translators: a status change recorded without the status it came from. */
    first = g_strdup_printf (_("Moved to %s"),
                             wm_vocab_label (WM_VOCAB_CASE_STATUS, g_strstrip (steps[1])));
  else
    /* Translators: a status change, e.g. "Triage → Matching". */
    first = g_strdup_printf (_("%s → %s"),
                             wm_vocab_label (WM_VOCAB_CASE_STATUS, steps[0]),
                             wm_vocab_label (WM_VOCAB_CASE_STATUS, g_strstrip (steps[1])));

  if (lines[1] != NULL)
    return g_strdup_printf ("%s\n%s", first, lines[1]);
  return g_steal_pointer (&first);
}

static GtkWidget *
create_event_row (gpointer item,
                  gpointer user_data)
{
  WmCaseEvent *event = WM_CASE_EVENT (item);
  g_autofree char *time = wm_gui_format_timestamp (event->at);
  g_autofree char *body = NULL;
  GtkWidget *row;
  GtkWidget *box;
  GtkWidget *icon;
  GtkWidget *text_box;
  GtkWidget *header;
  GtkWidget *kind_label;
  GtkWidget *time_label;
  GtkWidget *body_label;

  if (g_strcmp0 (event->kind, "status") == 0 || g_strcmp0 (event->kind, "import") == 0)
    body = describe_status_event (event->kind, event->body);
  else
    body = g_strdup (event->body != NULL ? event->body : "");

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  icon = gtk_image_new_from_icon_name (kind_icon_name (event->kind));
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_widget_add_css_class (icon, "dim-label");
  gtk_box_append (GTK_BOX (box), icon);

  text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  gtk_widget_set_hexpand (text_box, TRUE);
  gtk_box_append (GTK_BOX (box), text_box);

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_append (GTK_BOX (text_box), header);

  kind_label = gtk_label_new (wm_vocab_label (WM_VOCAB_EVENT_KIND, event->kind));
  gtk_label_set_xalign (GTK_LABEL (kind_label), 0.0);
  gtk_widget_add_css_class (kind_label, "heading");
  gtk_box_append (GTK_BOX (header), kind_label);

  time_label = gtk_label_new (time);
  gtk_label_set_xalign (GTK_LABEL (time_label), 1.0);
  gtk_widget_set_hexpand (time_label, TRUE);
  gtk_widget_add_css_class (time_label, "dim-label");
  gtk_widget_add_css_class (time_label, "numeric");
  gtk_box_append (GTK_BOX (header), time_label);

  body_label = gtk_label_new (body);
  gtk_label_set_xalign (GTK_LABEL (body_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (body_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (body_label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_visible (body_label, *body != '\0');
  gtk_box_append (GTK_BOX (text_box), body_label);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

static void
wm_timeline_reload (WmTimeline *self)
{
  g_autoptr(GListModel) events = NULL;
  g_autoptr(GError) error = NULL;

  if (self->store != NULL && self->case_id > 0)
    {
      events = wm_store_list_case_events (self->store, self->case_id, &error);
      if (events == NULL)
        wm_gui_toast (GTK_WIDGET (self), _("Could not read the timeline"));
    }
  gtk_list_box_bind_model (self->events_list, events, create_event_row, self, NULL);
}

static void
wm_timeline_update_add_button (WmTimeline *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->note_entry)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button),
                            self->case_id > 0 && *g_strstrip (text) != '\0');
}

static void
wm_timeline_add_note (WmTimeline *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->note_entry)));
  g_autoptr(GError) error = NULL;

  g_strstrip (text);
  if (self->store == NULL || self->case_id <= 0 || *text == '\0')
    return;

  /* The store announces the change, and the list follows from that. */
  if (!wm_store_add_case_event (self->store, self->case_id, "note", text, &error))
    {
      wm_gui_toast (GTK_WIDGET (self), _("Could not add the note"));
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->note_entry), "");
  wm_gui_toast (GTK_WIDGET (self), _("Note added"));
}

static void
store_changed_cb (WmStore    *store,
                  const char *entity,
                  gint64      id,
                  WmTimeline *self)
{
  if (g_strcmp0 (entity, "case") == 0 && self->case_id > 0 && (id == self->case_id || id < 0))
    wm_timeline_reload (self);
}

static void
note_entry_activated_cb (GtkEntry   *entry,
                         WmTimeline *self)
{
  wm_timeline_add_note (self);
}

static void
note_entry_changed_cb (GtkEditable *editable,
                       WmTimeline  *self)
{
  wm_timeline_update_add_button (self);
}

static void
add_button_clicked_cb (GtkButton  *button,
                       WmTimeline *self)
{
  wm_timeline_add_note (self);
}

static void
wm_timeline_set_session (WmTimeline *self,
                         WmSession  *session)
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
  wm_timeline_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
wm_timeline_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  WmTimeline *self = WM_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_CASE_ID:
      g_value_set_int64 (value, self->case_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_timeline_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  WmTimeline *self = WM_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      wm_timeline_set_session (self, g_value_get_object (value));
      break;
    case PROP_CASE_ID:
      wm_timeline_set_case_id (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_timeline_dispose (GObject *object)
{
  WmTimeline *self = WM_TIMELINE (object);

  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_TIMELINE);

  G_OBJECT_CLASS (wm_timeline_parent_class)->dispose (object);
}

static void
wm_timeline_class_init (WmTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_timeline_dispose;
  object_class->get_property = wm_timeline_get_property;
  object_class->set_property = wm_timeline_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         WM_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CASE_ID] =
    g_param_spec_int64 ("case-id", NULL, NULL,
                        0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-timeline.ui");
  gtk_widget_class_bind_template_child (widget_class, WmTimeline, note_entry);
  gtk_widget_class_bind_template_child (widget_class, WmTimeline, add_button);
  gtk_widget_class_bind_template_child (widget_class, WmTimeline, events_list);
  gtk_widget_class_bind_template_callback (widget_class, note_entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, note_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_button_clicked_cb);
}

static void
wm_timeline_init (WmTimeline *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->note_entry), FALSE);
}

GtkWidget *
wm_timeline_new (WmSession *session)
{
  g_return_val_if_fail (session == NULL || WM_IS_SESSION (session), NULL);

  return g_object_new (WM_TYPE_TIMELINE, "session", session, NULL);
}

void
wm_timeline_set_case_id (WmTimeline *self,
                         gint64      case_id)
{
  g_return_if_fail (WM_IS_TIMELINE (self));
  g_return_if_fail (case_id >= 0);

  if (self->case_id == case_id)
    return;

  self->case_id = case_id;
  gtk_editable_set_text (GTK_EDITABLE (self->note_entry), "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->note_entry), case_id > 0);
  wm_timeline_update_add_button (self);
  wm_timeline_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE_ID]);
}

gint64
wm_timeline_get_case_id (WmTimeline *self)
{
  g_return_val_if_fail (WM_IS_TIMELINE (self), 0);

  return self->case_id;
}
