/* wm-case-editor.c: the form for a case and its client.
 *
 * The widgets are the editor's only state while editing: every change re-reads them into a
 * scratch copy of the case, so validity, the first problem and "dirty" always describe
 * exactly what apply would write. Each field is checked with the same wm-validate function
 * the CLI and the imports use, and the whole case with wm_case_check(), so the GUI accepts
 * and refuses exactly what they do.
 *
 * Messages are shown next to their field, "late to complain, quick to forgive": a problem in
 * the field being typed in shows once the field is left or Enter is pressed, and goes as soon
 * as it is fixed. Shown messages leave off the "field: " prefix, since the field is the one
 * they sit under; wm_case_editor_get_first_problem() keeps it.
 *
 * Contact permissions default to off: a voicemail, letter or e-mail that reaches the wrong
 * person can reveal what the service is about.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "wm-case-editor.h"
#include "wm-location-row.h"
#include "wm-validate.h"
#include "wm-vocab.h"

typedef enum
{
  FIELD_GIVEN_NAME,
  FIELD_FAMILY_NAME,
  FIELD_PREFERRED_NAME,
  FIELD_BIRTH_YEAR,
  FIELD_PHONE,
  FIELD_EMAIL,
  FIELD_ADDRESS,
  FIELD_LANGUAGE,
  FIELD_NOTES,
  N_FIELDS
} FieldId;

/* A field that can be wrong, and where its message goes. */
typedef struct
{
  GtkWidget *row;            /* takes the "error" style class */
  GtkWidget *focus;          /* where the user types */
  GtkWidget *message_row;    /* the list row under an entry row; NULL for the others */
  GtkLabel *message;         /* NULL: the message goes in the row's subtitle */
  char *problem;             /* "field: problem" */
  gboolean blank_required;   /* the problem is that a required field is empty */
  gboolean touched;          /* edited or left since the case was loaded */
  gboolean shown;
} Field;

/* A combo row over a vocabulary, optionally with a first item for "no value". */
typedef struct
{
  AdwComboRow *row;
  GPtrArray *codes;          /* item → code; NULL for the "no value" item */
  const char *skipped;       /* the code that the "no value" item also stands for */
  char *none_value;          /* what "no value" writes back: NULL, or the skipped code as
                              * loaded, so that loading and applying changes nothing */
} Choice;

typedef enum
{
  CHOICE_GENDER,
  CHOICE_CATEGORY,
  CHOICE_CJS_STATUS,
  CHOICE_PREFERRED_GENDER,
  CHOICE_FUNDING,
  N_CHOICES
} ChoiceId;

/* The columns the editor writes; apply leaves every other one alone. */
static const char * const client_columns[] = {
  "given_name", "family_name", "preferred_name", "gender", "birth_year", "phone", "email",
  "address", "town", "postcode", "latitude", "longitude", "location_precision",
  "contact_voicemail_ok", "contact_letter_ok", "contact_email_ok",
};

static const char * const case_columns[] = {
  "category", "cjs_status", "police_aware", "needs", "desired", "preferred_gender",
  "gender_required", "language", "online_ok", "max_distance_km", "funding",
  "risk_safeguarding", "risk_self_harm", "urgent", "notes",
};

struct _WmCaseEditor
{
  AdwBin parent_instance;

  /* Template widgets. The page, AdwBin's child, is not bound: AdwBin unparents its child
   * itself, and gtk_widget_dispose_template() would do it a second time. */
  AdwEntryRow *given_name_row;
  AdwEntryRow *family_name_row;
  AdwEntryRow *preferred_name_row;
  AdwComboRow *gender_row;
  AdwEntryRow *birth_year_row;
  AdwEntryRow *phone_row;
  AdwEntryRow *email_row;
  GtkSwitch *voicemail_switch;
  GtkSwitch *letter_switch;
  GtkSwitch *email_ok_switch;
  WmLocationRow *location_row;
  AdwExpanderRow *address_row;
  GtkTextView *address_view;
  AdwComboRow *category_row;
  AdwComboRow *cjs_status_row;
  GtkSwitch *police_switch;
  AdwExpanderRow *needs_row;
  AdwExpanderRow *desired_row;
  AdwComboRow *preferred_gender_row;
  AdwActionRow *gender_required_row;
  GtkSwitch *gender_required_switch;
  AdwEntryRow *language_row;
  GtkSwitch *online_switch;
  GtkSpinButton *distance_spin;
  AdwComboRow *funding_row;
  GtkSwitch *safeguarding_switch;
  GtkSwitch *self_harm_switch;
  GtkSwitch *urgent_switch;
  GtkFrame *notes_frame;
  GtkTextView *notes_view;
  GtkLabel *notes_message;

  GPtrArray *need_checks;    /* GtkCheckButton, in vocabulary order */
  GPtrArray *desired_checks;

  Field fields[N_FIELDS];
  Choice choices[N_CHOICES];

  WmCase *kase;              /* the case last set or applied */
  WmCase *baseline;          /* what the widgets said right after it was loaded */
  char *first_problem;
  gboolean valid;
  gboolean dirty;
  guint loading;             /* > 0 while widgets are filled from the case */
};

G_DEFINE_FINAL_TYPE (WmCaseEditor, wm_case_editor, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_VALID,
  PROP_DIRTY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void wm_case_editor_changed (WmCaseEditor *self);

/* Reading the widgets */

static char *
dup_stripped_or_null (const char *text)
{
  if (wm_value_is_blank (text))
    return NULL;
  return g_strstrip (g_strdup (text));
}

static char *
entry_dup_value (AdwEntryRow *row)
{
  return dup_stripped_or_null (gtk_editable_get_text (GTK_EDITABLE (row)));
}

static char *
text_view_dup_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Multi-line text is kept as typed, but only-whitespace is no text. */
static char *
text_view_dup_value (GtkTextView *view)
{
  g_autofree char *text = text_view_dup_text (view);

  if (wm_value_is_blank (text))
    return NULL;
  return g_steal_pointer (&text);
}

static void
text_view_set_text (GtkTextView *view,
                    const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text != NULL ? text : "", -1);
}

static void
entry_set_text (AdwEntryRow *row,
                const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

static gboolean
has_focus_within (GtkWidget *widget)
{
  return (gtk_widget_get_state_flags (widget) & GTK_STATE_FLAG_FOCUS_WITHIN) != 0;
}

/* Choices */

static void
choice_init (Choice      *choice,
             AdwComboRow *row,
             WmVocab      vocab,
             const char  *none_label,
             const char  *skipped)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (vocab, &n);

  choice->row = row;
  choice->codes = g_ptr_array_new ();
  choice->skipped = skipped;

  if (none_label != NULL)
    {
      gtk_string_list_append (labels, none_label);
      g_ptr_array_add (choice->codes, NULL);
    }
  for (guint i = 0; i < n; i++)
    {
      if (g_strcmp0 (entries[i].code, skipped) == 0)
        continue;
      gtk_string_list_append (labels, _(entries[i].label));
      g_ptr_array_add (choice->codes, (gpointer) entries[i].code);
    }
  adw_combo_row_set_model (row, G_LIST_MODEL (labels));
}

static void
choice_clear (Choice *choice)
{
  g_clear_pointer (&choice->codes, g_ptr_array_unref);
  g_clear_pointer (&choice->none_value, g_free);
}

static gboolean
choice_has_none (Choice *choice)
{
  return choice->codes->len > 0 && g_ptr_array_index (choice->codes, 0) == NULL;
}

static void
choice_set (Choice     *choice,
            const char *code)
{
  guint selected = choice_has_none (choice) ? 0 : GTK_INVALID_LIST_POSITION;

  g_clear_pointer (&choice->none_value, g_free);
  if (choice_has_none (choice) && (code == NULL || g_strcmp0 (code, choice->skipped) == 0))
    choice->none_value = g_strdup (code);
  else
    for (guint i = 0; i < choice->codes->len; i++)
      if (g_strcmp0 (g_ptr_array_index (choice->codes, i), code) == 0)
        selected = i;

  adw_combo_row_set_selected (choice->row, selected);
}

/* The "no value" item is chosen (whatever it writes back). */
static gboolean
choice_is_none (Choice *choice)
{
  guint selected = adw_combo_row_get_selected (choice->row);

  return selected >= choice->codes->len || g_ptr_array_index (choice->codes, selected) == NULL;
}

static const char *
choice_get (Choice *choice)
{
  guint selected = adw_combo_row_get_selected (choice->row);

  if (selected >= choice->codes->len)
    return NULL;
  if (g_ptr_array_index (choice->codes, selected) == NULL)
    return choice->none_value;
  return g_ptr_array_index (choice->codes, selected);
}

/* Specialisms */

static GPtrArray *
add_specialism_rows (WmCaseEditor   *self,
                     AdwExpanderRow *expander)
{
  GPtrArray *checks = g_ptr_array_new ();
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);

  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(entries[i].label));
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _(entries[i].label),
                                      -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_expander_row_add_row (expander, row);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (wm_case_editor_changed), self);
      g_ptr_array_add (checks, check);
    }
  return checks;
}

static void
set_specialisms (GPtrArray          *checks,
                 const char * const *codes)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);

  for (guint i = 0; i < n && i < checks->len; i++)
    gtk_check_button_set_active (g_ptr_array_index (checks, i),
                                 codes != NULL && g_strv_contains (codes, entries[i].code));
}

/* The codes ticked: those already in @before keep their order (so that loading and applying
 * changes nothing), new ones follow in vocabulary order. */
static GStrv
get_specialisms (GPtrArray          *checks,
                 const char * const *before)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);

  for (guint j = 0; before != NULL && before[j] != NULL; j++)
    for (guint i = 0; i < n && i < checks->len; i++)
      if (g_str_equal (entries[i].code, before[j])
          && gtk_check_button_get_active (g_ptr_array_index (checks, i)))
        g_strv_builder_add (builder, entries[i].code);

  for (guint i = 0; i < n && i < checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (checks, i))
        && (before == NULL || !g_strv_contains (before, entries[i].code)))
      g_strv_builder_add (builder, entries[i].code);

  return g_strv_builder_end (builder);
}

static void
summarise_specialisms (AdwExpanderRow *expander,
                       GPtrArray      *checks)
{
  g_autofree char *summary = NULL;
  guint n_selected = 0;

  for (guint i = 0; i < checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (checks, i)))
      n_selected++;

  if (n_selected == 0)
    summary = g_strdup (_("None selected"));
  else
    summary = g_strdup_printf (ngettext ("%u selected", "%u selected", n_selected), n_selected);
  adw_expander_row_set_subtitle (expander, summary);
}

/* Widgets → record */

/* Writes what the widgets say into @kase and its client, as apply would store it: trimmed,
 * phone normalised, blank as NULL. Values that do not parse are written as typed, so that
 * wm_case_check() names them. Specialisms keep the order of the case they were loaded from. */
static void
write_widgets (WmCaseEditor *self,
               WmCase       *kase)
{
  WmCase *before = self->kase;
  WmRecord *c = WM_RECORD (kase);
  WmRecord *cl = WM_RECORD (wm_case_get_client (kase));
  g_autofree char *given = entry_dup_value (self->given_name_row);
  g_autofree char *family = entry_dup_value (self->family_name_row);
  g_autofree char *preferred = entry_dup_value (self->preferred_name_row);
  g_autofree char *birth_year = entry_dup_value (self->birth_year_row);
  g_autofree char *phone = entry_dup_value (self->phone_row);
  g_autofree char *phone_normalised = NULL;
  g_autofree char *email = entry_dup_value (self->email_row);
  g_autofree char *address = text_view_dup_value (self->address_view);
  g_autofree char *language = entry_dup_value (self->language_row);
  g_autofree char *notes = text_view_dup_value (self->notes_view);
  g_autofree char *town = NULL;
  g_autofree char *postcode = NULL;
  g_autofree char *precision = NULL;
  g_auto(GStrv) needs = NULL;
  g_auto(GStrv) desired = NULL;
  Choice *preference = &self->choices[CHOICE_PREFERRED_GENDER];
  gint64 year = -1;
  gint64 distance = (gint64) gtk_spin_button_get_value_as_int (self->distance_spin);
  double latitude;
  double longitude;

  if (birth_year != NULL && !wm_parse_int ("birth_year", birth_year, G_MININT64, G_MAXINT64,
                                           FALSE, &year, NULL))
    year = -1;
  if (wm_validate_uk_phone ("phone", phone, FALSE, &phone_normalised, NULL)
      && phone_normalised != NULL)
    {
      g_free (phone);
      phone = g_steal_pointer (&phone_normalised);
    }

  g_object_get (self->location_row,
                "town", &town,
                "postcode", &postcode,
                "latitude", &latitude,
                "longitude", &longitude,
                "precision", &precision,
                NULL);

  wm_record_set_string (cl, "given_name", given);
  wm_record_set_string (cl, "family_name", family);
  wm_record_set_string (cl, "preferred_name", preferred);
  wm_record_set_string (cl, "gender", choice_get (&self->choices[CHOICE_GENDER]));
  wm_record_set_int (cl, "birth_year", year);
  wm_record_set_string (cl, "phone", phone);
  wm_record_set_string (cl, "email", email);
  wm_record_set_string (cl, "address", address);
  wm_record_set_string (cl, "town", town);
  wm_record_set_string (cl, "postcode", postcode);
  wm_record_set_double (cl, "latitude", latitude);
  wm_record_set_double (cl, "longitude", longitude);
  if (precision != NULL)
    wm_record_set_string (cl, "location_precision", precision);
  wm_record_set_bool (cl, "contact_voicemail_ok", gtk_switch_get_active (self->voicemail_switch));
  wm_record_set_bool (cl, "contact_letter_ok", gtk_switch_get_active (self->letter_switch));
  wm_record_set_bool (cl, "contact_email_ok", gtk_switch_get_active (self->email_ok_switch));

  needs = get_specialisms (self->need_checks, (const char * const *) before->needs);
  desired = get_specialisms (self->desired_checks, (const char * const *) before->desired);

  wm_record_set_string (c, "category", choice_get (&self->choices[CHOICE_CATEGORY]));
  wm_record_set_string (c, "cjs_status", choice_get (&self->choices[CHOICE_CJS_STATUS]));
  wm_record_set_bool (c, "police_aware", gtk_switch_get_active (self->police_switch));
  wm_record_set_strv (c, "needs", (const char * const *) needs);
  wm_record_set_strv (c, "desired", (const char * const *) desired);
  wm_record_set_string (c, "preferred_gender", choice_get (preference));
  /* A requirement without a preference means nothing; the switch is insensitive then. */
  wm_record_set_bool (c, "gender_required",
                      !choice_is_none (preference)
                      && gtk_switch_get_active (self->gender_required_switch));
  wm_record_set_string (c, "language", language);
  wm_record_set_bool (c, "online_ok", gtk_switch_get_active (self->online_switch));
  wm_record_set_int (c, "max_distance_km", distance > 0 ? distance : -1);
  wm_record_set_string (c, "funding", choice_get (&self->choices[CHOICE_FUNDING]));
  wm_record_set_bool (c, "risk_safeguarding", gtk_switch_get_active (self->safeguarding_switch));
  wm_record_set_bool (c, "risk_self_harm", gtk_switch_get_active (self->self_harm_switch));
  wm_record_set_bool (c, "urgent", gtk_switch_get_active (self->urgent_switch));
  wm_record_set_string (c, "notes", notes);
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

/* Copies the @columns of @src into @dest (records of one type) through the setters, so that
 * whatever is bound to @dest hears of each change and of nothing else. Returns whether all
 * of them were equal already. */
static gboolean
copy_columns (WmRecord           *dest,
              WmRecord           *src,
              const char * const *columns,
              guint               n_columns,
              gboolean            write)
{
  gboolean equal = TRUE;

  for (guint i = 0; i < n_columns; i++)
    {
      const WmField *field = wm_record_find_field (WM_RECORD_GET_CLASS (src), columns[i]);
      const char *column = columns[i];
      gboolean same = FALSE;

      g_assert (field != NULL);
      switch (field->type)
        {
        case WM_FIELD_STRING:
          same = g_strcmp0 (wm_record_get_string (dest, column),
                            wm_record_get_string (src, column)) == 0;
          if (!same && write)
            wm_record_set_string (dest, column, wm_record_get_string (src, column));
          break;
        case WM_FIELD_INT:
          same = wm_record_get_int (dest, column) == wm_record_get_int (src, column);
          if (!same && write)
            wm_record_set_int (dest, column, wm_record_get_int (src, column));
          break;
        case WM_FIELD_BOOL:
          same = !wm_record_get_bool (dest, column) == !wm_record_get_bool (src, column);
          if (!same && write)
            wm_record_set_bool (dest, column, wm_record_get_bool (src, column));
          break;
        case WM_FIELD_DOUBLE:
          {
            double a = wm_record_get_double (dest, column);
            double b = wm_record_get_double (src, column);

            same = a == b || (isnan (a) && isnan (b));
            if (!same && write)
              wm_record_set_double (dest, column, b);
          }
          break;
        case WM_FIELD_STRV:
          {
            const char * const *a = wm_record_get_strv (dest, column);
            const char * const *b = wm_record_get_strv (src, column);
            static const char * const empty[] = { NULL };

            same = g_strv_equal (a != NULL ? a : empty, b != NULL ? b : empty);
            if (!same && write)
              wm_record_set_strv (dest, column, b);
          }
          break;
        default:
          g_assert_not_reached ();
        }
      equal = equal && same;
    }
  return equal;
}

static gboolean
copy_edited (WmCase   *dest,
             WmCase   *src,
             gboolean  write)
{
  gboolean client_equal = copy_columns (WM_RECORD (wm_case_get_client (dest)),
                                        WM_RECORD (wm_case_get_client (src)),
                                        client_columns, G_N_ELEMENTS (client_columns), write);
  gboolean case_equal = copy_columns (WM_RECORD (dest), WM_RECORD (src),
                                      case_columns, G_N_ELEMENTS (case_columns), write);

  return client_equal && case_equal;
}

/* Field checks */

static GError *
check_field (WmCaseEditor *self,
             FieldId       id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  gint64 year;

  switch (id)
    {
    case FIELD_GIVEN_NAME:
      value = entry_dup_value (self->given_name_row);
      wm_validate_text ("given_name", value, 100, FALSE, TRUE, &error);
      break;
    case FIELD_FAMILY_NAME:
      value = entry_dup_value (self->family_name_row);
      wm_validate_text ("family_name", value, 100, FALSE, FALSE, &error);
      break;
    case FIELD_PREFERRED_NAME:
      value = entry_dup_value (self->preferred_name_row);
      wm_validate_text ("preferred_name", value, 100, FALSE, FALSE, &error);
      break;
    case FIELD_BIRTH_YEAR:
      value = entry_dup_value (self->birth_year_row);
      if (value != NULL
          && wm_parse_int ("birth_year", value, G_MININT64, G_MAXINT64, FALSE, &year, &error))
        wm_validate_birth_year ("birth_year", year, &error);
      break;
    case FIELD_PHONE:
      value = entry_dup_value (self->phone_row);
      wm_validate_uk_phone ("phone", value, FALSE, NULL, &error);
      break;
    case FIELD_EMAIL:
      value = entry_dup_value (self->email_row);
      wm_validate_email ("email", value, FALSE, &error);
      break;
    case FIELD_ADDRESS:
      value = text_view_dup_value (self->address_view);
      wm_validate_text ("address", value, 500, TRUE, FALSE, &error);
      break;
    case FIELD_LANGUAGE:
      value = entry_dup_value (self->language_row);
      wm_validate_text ("language", value, 50, FALSE, FALSE, &error);
      break;
    case FIELD_NOTES:
      value = text_view_dup_value (self->notes_view);
      wm_validate_text ("notes", value, 100000, TRUE, FALSE, &error);
      break;
    case N_FIELDS:
    default:
      g_assert_not_reached ();
    }

  return g_steal_pointer (&error);
}

/* "email: not a valid e-mail address" → "Not a valid e-mail address". */
static char *
problem_for_display (const char *problem)
{
  const char *colon = strstr (problem, ": ");
  const char *text = colon != NULL ? colon + 2 : problem;
  gunichar first = g_utf8_get_char (text);
  char buf[8];
  int len = g_unichar_to_utf8 (g_unichar_totitle (first), buf);

  return g_strdup_printf ("%.*s%s", len, buf, g_utf8_next_char (text));
}

static void
show_field (WmCaseEditor *self,
            Field        *field)
{
  g_autofree char *text = NULL;
  gboolean show = field->shown && field->problem != NULL;

  /* "Is required" under an empty field reads oddly; the shorter word says it. */
  if (show)
    text = field->blank_required ? g_strdup (_("Required")) : problem_for_display (field->problem);

  if (show)
    {
      gtk_widget_add_css_class (field->row, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (field->focus),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
    }
  else
    {
      gtk_widget_remove_css_class (field->row, "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (field->focus), GTK_ACCESSIBLE_STATE_INVALID);
    }

  if (field->message != NULL)
    {
      gtk_label_set_text (field->message, show ? text : "");
      gtk_widget_set_visible (field->message_row != NULL ? field->message_row
                                                         : GTK_WIDGET (field->message),
                              show);
      if (show)
        gtk_accessible_update_relation (GTK_ACCESSIBLE (field->focus),
                                        GTK_ACCESSIBLE_RELATION_DESCRIBED_BY,
                                        field->message, NULL,
                                        -1);
      else
        gtk_accessible_reset_relation (GTK_ACCESSIBLE (field->focus),
                                       GTK_ACCESSIBLE_RELATION_DESCRIBED_BY);
    }
  else if (field->row == GTK_WIDGET (self->address_row))
    adw_expander_row_set_subtitle (self->address_row,
                                   show ? text : _("Only needed for letters"));
}

static void
check_fields (WmCaseEditor *self)
{
  for (guint i = 0; i < N_FIELDS; i++)
    {
      Field *field = &self->fields[i];
      g_autoptr(GError) error = check_field (self, i);

      g_free (field->problem);
      field->problem = error != NULL ? g_strdup (error->message) : NULL;
      field->blank_required = g_error_matches (error, WM_VALIDATION_ERROR,
                                               WM_VALIDATION_ERROR_REQUIRED);

      /* Quick to forgive, late to complain; and an empty form is not an error until someone
       * has been in the field (Save stays insensitive meanwhile). */
      if (field->problem == NULL)
        field->shown = FALSE;
      else if (!has_focus_within (field->focus) && (field->touched || !field->blank_required))
        field->shown = TRUE;
      show_field (self, field);
    }
}

/* A risk that is on is seen at a glance: its row takes the app's .risk style (the case view
 * shows the banner). On the rows rather than the whole group, which it would paint as one
 * slab behind the rounded list. */
static void
update_risk_rows (WmCaseEditor *self)
{
  GtkSwitch *risks[] = { self->safeguarding_switch, self->self_harm_switch,
                         self->urgent_switch };

  for (guint i = 0; i < G_N_ELEMENTS (risks); i++)
    {
      GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (risks[i]), ADW_TYPE_ACTION_ROW);

      if (gtk_switch_get_active (risks[i]))
        gtk_widget_add_css_class (row, "risk");
      else
        gtk_widget_remove_css_class (row, "risk");
    }
}

/* Everything that follows from the widgets: messages, validity, dirtiness, summaries. */
static void
wm_case_editor_changed (WmCaseEditor *self)
{
  g_autoptr(WmCase) scratch = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *location_problem = NULL;
  const char *first = NULL;
  gboolean valid;
  gboolean dirty;

  if (self->loading > 0)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (self->gender_required_row),
                            !choice_is_none (&self->choices[CHOICE_PREFERRED_GENDER]));
  summarise_specialisms (self->needs_row, self->need_checks);
  summarise_specialisms (self->desired_row, self->desired_checks);
  update_risk_rows (self);

  check_fields (self);
  g_object_get (self->location_row, "problem", &location_problem, NULL);

  scratch = copy_case (self->kase);
  write_widgets (self, scratch);
  wm_case_check (scratch, &error);

  /* In the order of the form; the location sits between e-mail and the postal address. */
  for (guint i = 0; i < N_FIELDS && first == NULL; i++)
    {
      if (i == FIELD_ADDRESS && location_problem != NULL)
        first = location_problem;
      else if (self->fields[i].problem != NULL)
        first = self->fields[i].problem;
    }
  if (first == NULL && error != NULL)
    first = error->message;

  g_free (self->first_problem);
  self->first_problem = g_strdup (first);

  valid = first == NULL;
  dirty = self->baseline != NULL && !copy_edited (self->baseline, scratch, FALSE);

  if (valid != self->valid)
    {
      self->valid = valid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
    }
  if (dirty != self->dirty)
    {
      self->dirty = dirty;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
    }
}

/* Leaving a field (or Enter in it) shows its problem, and writes a phone number the way it
 * will be stored. */
static void
commit_field (WmCaseEditor *self,
              FieldId       id)
{
  Field *field = &self->fields[id];

  if (id == FIELD_PHONE)
    {
      g_autofree char *phone = entry_dup_value (self->phone_row);
      g_autofree char *normalised = NULL;

      if (wm_validate_uk_phone ("phone", phone, FALSE, &normalised, NULL)
          && normalised != NULL
          && g_strcmp0 (normalised, gtk_editable_get_text (GTK_EDITABLE (self->phone_row))) != 0)
        gtk_editable_set_text (GTK_EDITABLE (self->phone_row), normalised);
    }

  field->touched = TRUE;
  field->shown = field->problem != NULL;
  show_field (self, field);
}

static void
field_committed_cb (GtkWidget    *widget,
                    WmCaseEditor *self)
{
  if (self->loading > 0)
    return;
  for (guint i = 0; i < N_FIELDS; i++)
    if (self->fields[i].focus == widget)
      commit_field (self, i);
}

/* An edit by the user (not a load) makes a field fair game for its messages. */
static void
field_edited_cb (GObject      *object,
                 WmCaseEditor *self)
{
  if (self->loading > 0)
    return;
  for (guint i = 0; i < N_FIELDS; i++)
    {
      GtkWidget *focus = self->fields[i].focus;

      if (G_OBJECT (focus) == object
          || (GTK_IS_TEXT_VIEW (focus)
              && G_OBJECT (gtk_text_view_get_buffer (GTK_TEXT_VIEW (focus))) == object))
        self->fields[i].touched = TRUE;
    }
  wm_case_editor_changed (self);
}

static void
focus_left_cb (GtkEventController *controller,
               WmCaseEditor       *self)
{
  field_committed_cb (gtk_event_controller_get_widget (controller), self);
}

static void
field_init (WmCaseEditor *self,
            FieldId       id,
            GtkWidget    *row,
            GtkWidget    *focus)
{
  Field *field = &self->fields[id];
  GtkEventController *controller = gtk_event_controller_focus_new ();

  field->row = row;
  field->focus = focus;

  g_signal_connect (controller, "leave", G_CALLBACK (focus_left_cb), self);
  gtk_widget_add_controller (focus, controller);

  if (ADW_IS_ENTRY_ROW (row))
    {
      /* An entry row has no subtitle: its message goes in a row of its own right under it. */
      GtkWidget *list = gtk_widget_get_parent (row);
      GtkWidget *label = gtk_label_new (NULL);
      GtkWidget *message_row = gtk_list_box_row_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_set_margin_top (label, 8);
      gtk_widget_set_margin_bottom (label, 8);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "error");

      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (message_row), label);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (message_row), FALSE);
      gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (message_row), FALSE);
      gtk_widget_set_focusable (message_row, FALSE);
      gtk_widget_set_visible (message_row, FALSE);
      gtk_list_box_insert (GTK_LIST_BOX (list), message_row,
                           gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)) + 1);

      field->message_row = message_row;
      field->message = GTK_LABEL (label);

      g_signal_connect (row, "changed", G_CALLBACK (field_edited_cb), self);
      g_signal_connect (row, "entry-activated", G_CALLBACK (field_committed_cb), self);
    }
  else if (GTK_IS_TEXT_VIEW (focus))
    g_signal_connect (gtk_text_view_get_buffer (GTK_TEXT_VIEW (focus)), "changed",
                      G_CALLBACK (field_edited_cb), self);
}

/* Record → widgets */

static void
load_widgets (WmCaseEditor *self)
{
  WmCase *kase = self->kase;
  WmClient *client = wm_case_get_client (kase);
  g_autofree char *birth_year = NULL;
  g_autofree char *distance = NULL;

  if (client->birth_year >= 0)
    birth_year = g_strdup_printf ("%" G_GINT64_FORMAT, client->birth_year);

  self->loading++;

  entry_set_text (self->given_name_row, client->given_name);
  entry_set_text (self->family_name_row, client->family_name);
  entry_set_text (self->preferred_name_row, client->preferred_name);
  choice_set (&self->choices[CHOICE_GENDER], client->gender);
  entry_set_text (self->birth_year_row, birth_year);
  entry_set_text (self->phone_row, client->phone);
  entry_set_text (self->email_row, client->email);
  gtk_switch_set_active (self->voicemail_switch, client->contact_voicemail_ok);
  gtk_switch_set_active (self->letter_switch, client->contact_letter_ok);
  gtk_switch_set_active (self->email_ok_switch, client->contact_email_ok);

  g_object_set (self->location_row,
                "town", client->town,
                "latitude", client->latitude,
                "longitude", client->longitude,
                "postcode", client->postcode,
                "precision", client->location_precision,
                NULL);
  text_view_set_text (self->address_view, client->address);

  choice_set (&self->choices[CHOICE_CATEGORY], kase->category);
  choice_set (&self->choices[CHOICE_CJS_STATUS], kase->cjs_status);
  gtk_switch_set_active (self->police_switch, kase->police_aware);

  set_specialisms (self->need_checks, (const char * const *) kase->needs);
  set_specialisms (self->desired_checks, (const char * const *) kase->desired);
  choice_set (&self->choices[CHOICE_PREFERRED_GENDER], kase->preferred_gender);
  gtk_switch_set_active (self->gender_required_switch,
                         kase->gender_required
                         && !choice_is_none (&self->choices[CHOICE_PREFERRED_GENDER]));
  entry_set_text (self->language_row, kase->language);
  gtk_switch_set_active (self->online_switch, kase->online_ok);
  gtk_spin_button_set_value (self->distance_spin,
                             kase->max_distance_km > 0 ? (double) kase->max_distance_km : 0.0);

  choice_set (&self->choices[CHOICE_FUNDING], kase->funding);

  gtk_switch_set_active (self->safeguarding_switch, kase->risk_safeguarding);
  gtk_switch_set_active (self->self_harm_switch, kase->risk_self_harm);
  gtk_switch_set_active (self->urgent_switch, kase->urgent);

  text_view_set_text (self->notes_view, kase->notes);

  self->loading--;

  /* What was loaded is not the user's doing: its problems show at once, except that of a
   * required field still empty in a new case. */
  for (guint i = 0; i < N_FIELDS; i++)
    {
      self->fields[i].shown = FALSE;
      self->fields[i].touched = FALSE;
    }

  g_clear_object (&self->baseline);
  self->baseline = copy_case (kase);
  write_widgets (self, self->baseline);

  wm_case_editor_changed (self);
}

/* Signal callbacks */

static void
preferred_gender_selected_cb (WmCaseEditor *self)
{
  /* No preference, nothing to require: off, so it does not come back on by itself. */
  if (self->loading == 0 && choice_is_none (&self->choices[CHOICE_PREFERRED_GENDER]))
    gtk_switch_set_active (self->gender_required_switch, FALSE);
  wm_case_editor_changed (self);
}

/* GObject */

static void
wm_case_editor_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WmCaseEditor *self = WM_CASE_EDITOR (object);

  switch (prop_id)
    {
    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;
    case PROP_DIRTY:
      g_value_set_boolean (value, self->dirty);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_case_editor_dispose (GObject *object)
{
  WmCaseEditor *self = WM_CASE_EDITOR (object);

  /* Children going away still emit (focus leaving, buffers emptied): nothing to update. */
  self->loading++;
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_CASE_EDITOR);
  g_clear_pointer (&self->need_checks, g_ptr_array_unref);
  g_clear_pointer (&self->desired_checks, g_ptr_array_unref);
  for (guint i = 0; i < N_CHOICES; i++)
    choice_clear (&self->choices[i]);
  g_clear_object (&self->kase);
  g_clear_object (&self->baseline);

  G_OBJECT_CLASS (wm_case_editor_parent_class)->dispose (object);
}

static void
wm_case_editor_finalize (GObject *object)
{
  WmCaseEditor *self = WM_CASE_EDITOR (object);

  for (guint i = 0; i < N_FIELDS; i++)
    g_free (self->fields[i].problem);
  g_free (self->first_problem);

  G_OBJECT_CLASS (wm_case_editor_parent_class)->finalize (object);
}

static void
wm_case_editor_class_init (WmCaseEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wm_case_editor_get_property;
  object_class->dispose = wm_case_editor_dispose;
  object_class->finalize = wm_case_editor_finalize;

  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WM_TYPE_LOCATION_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-case-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, given_name_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, family_name_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, preferred_name_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, gender_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, birth_year_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, phone_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, email_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, voicemail_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, letter_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, email_ok_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, location_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, address_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, address_view);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, category_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, cjs_status_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, police_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, needs_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, desired_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, preferred_gender_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, gender_required_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, gender_required_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, language_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, online_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, distance_spin);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, funding_row);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, safeguarding_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, self_harm_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, urgent_switch);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, notes_frame);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, notes_view);
  gtk_widget_class_bind_template_child (widget_class, WmCaseEditor, notes_message);
}

static void
wm_case_editor_init (WmCaseEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->loading++;

  choice_init (&self->choices[CHOICE_GENDER], self->gender_row, WM_VOCAB_GENDER,
               _(wm_vocab_label (WM_VOCAB_GENDER, "unknown")), "unknown");
  choice_init (&self->choices[CHOICE_CATEGORY], self->category_row, WM_VOCAB_CATEGORY,
               NULL, NULL);
  choice_init (&self->choices[CHOICE_CJS_STATUS], self->cjs_status_row, WM_VOCAB_CJS_STATUS,
               NULL, NULL);
  choice_init (&self->choices[CHOICE_PREFERRED_GENDER], self->preferred_gender_row,
               WM_VOCAB_GENDER, _("No preference"), "unknown");
  choice_init (&self->choices[CHOICE_FUNDING], self->funding_row, WM_VOCAB_FUNDING,
               NULL, NULL);

  self->need_checks = add_specialism_rows (self, self->needs_row);
  self->desired_checks = add_specialism_rows (self, self->desired_row);

  field_init (self, FIELD_GIVEN_NAME, GTK_WIDGET (self->given_name_row),
              GTK_WIDGET (self->given_name_row));
  field_init (self, FIELD_FAMILY_NAME, GTK_WIDGET (self->family_name_row),
              GTK_WIDGET (self->family_name_row));
  field_init (self, FIELD_PREFERRED_NAME, GTK_WIDGET (self->preferred_name_row),
              GTK_WIDGET (self->preferred_name_row));
  field_init (self, FIELD_BIRTH_YEAR, GTK_WIDGET (self->birth_year_row),
              GTK_WIDGET (self->birth_year_row));
  field_init (self, FIELD_PHONE, GTK_WIDGET (self->phone_row), GTK_WIDGET (self->phone_row));
  field_init (self, FIELD_EMAIL, GTK_WIDGET (self->email_row), GTK_WIDGET (self->email_row));
  field_init (self, FIELD_ADDRESS, GTK_WIDGET (self->address_row),
              GTK_WIDGET (self->address_view));
  field_init (self, FIELD_LANGUAGE, GTK_WIDGET (self->language_row),
              GTK_WIDGET (self->language_row));
  field_init (self, FIELD_NOTES, GTK_WIDGET (self->notes_frame), GTK_WIDGET (self->notes_view));
  self->fields[FIELD_NOTES].message = self->notes_message;

  {
    GtkSwitch *switches[] = {
      self->voicemail_switch, self->letter_switch, self->email_ok_switch, self->police_switch,
      self->gender_required_switch, self->online_switch, self->safeguarding_switch,
      self->self_harm_switch, self->urgent_switch,
    };

    for (guint i = 0; i < G_N_ELEMENTS (switches); i++)
      g_signal_connect_swapped (switches[i], "notify::active",
                                G_CALLBACK (wm_case_editor_changed), self);
  }
  g_signal_connect_swapped (self->preferred_gender_row, "notify::selected",
                            G_CALLBACK (preferred_gender_selected_cb), self);
  g_signal_connect_swapped (self->gender_row, "notify::selected",
                            G_CALLBACK (wm_case_editor_changed), self);
  g_signal_connect_swapped (self->category_row, "notify::selected",
                            G_CALLBACK (wm_case_editor_changed), self);
  g_signal_connect_swapped (self->cjs_status_row, "notify::selected",
                            G_CALLBACK (wm_case_editor_changed), self);
  g_signal_connect_swapped (self->funding_row, "notify::selected",
                            G_CALLBACK (wm_case_editor_changed), self);
  g_signal_connect_swapped (self->distance_spin, "value-changed",
                            G_CALLBACK (wm_case_editor_changed), self);
  g_signal_connect_swapped (self->location_row, "notify",
                            G_CALLBACK (wm_case_editor_changed), self);

  self->loading--;

  self->kase = wm_case_new ();
  load_widgets (self);
}

GtkWidget *
wm_case_editor_new (void)
{
  return g_object_new (WM_TYPE_CASE_EDITOR, NULL);
}

/**
 * wm_case_editor_set_case:
 * @self: the editor
 * @kase: (nullable): the case to edit; NULL starts a new one
 *
 * Loads the widgets from @kase and its client. The editor keeps a reference, to know what
 * "dirty" is measured against; @kase itself only changes in wm_case_editor_apply().
 */
void
wm_case_editor_set_case (WmCaseEditor *self,
                         WmCase       *kase)
{
  g_return_if_fail (WM_IS_CASE_EDITOR (self));
  g_return_if_fail (kase == NULL || WM_IS_CASE (kase));

  g_clear_object (&self->kase);
  self->kase = kase != NULL ? g_object_ref (kase) : wm_case_new ();
  load_widgets (self);
}

gboolean
wm_case_editor_apply (WmCaseEditor *self,
                      WmCase       *kase)
{
  g_autoptr(WmCase) result = NULL;
  g_autofree char *phone = NULL;

  g_return_val_if_fail (WM_IS_CASE_EDITOR (self), FALSE);
  g_return_val_if_fail (WM_IS_CASE (kase), FALSE);

  wm_case_editor_changed (self);
  if (!self->valid)
    return FALSE;

  /* Checked as a whole on a copy of @kase itself: the fields the editor does not show are
   * part of what must be valid. */
  result = copy_case (kase);
  write_widgets (self, result);
  if (!wm_case_check (result, NULL))
    return FALSE;

  copy_edited (kase, result, TRUE);

  /* The widgets now show what was stored: the forms it was normalised to, and no changes. */
  if (self->kase != kase)
    {
      g_clear_object (&self->kase);
      self->kase = g_object_ref (kase);
    }
  self->loading++;
  phone = entry_dup_value (self->phone_row);
  if (g_strcmp0 (phone, kase->client->phone) != 0)
    entry_set_text (self->phone_row, kase->client->phone);
  g_object_set (self->location_row, "postcode", kase->client->postcode, NULL);
  self->loading--;

  g_clear_object (&self->baseline);
  self->baseline = copy_case (kase);
  write_widgets (self, self->baseline);
  wm_case_editor_changed (self);

  return TRUE;
}

gboolean
wm_case_editor_get_valid (WmCaseEditor *self)
{
  g_return_val_if_fail (WM_IS_CASE_EDITOR (self), FALSE);
  return self->valid;
}

gboolean
wm_case_editor_get_dirty (WmCaseEditor *self)
{
  g_return_val_if_fail (WM_IS_CASE_EDITOR (self), FALSE);
  return self->dirty;
}

const char *
wm_case_editor_get_first_problem (WmCaseEditor *self)
{
  g_return_val_if_fail (WM_IS_CASE_EDITOR (self), NULL);
  return self->first_problem;
}
