/* wm-therapist-editor.c: the form for one therapist on the register.
 *
 * Validation asks the core, never a copy of its rules: the widgets are read into a scratch
 * record and wm_therapist_check() runs on it. That check stops at the first bad field, so
 * each bad field is set aside (blanked or given a harmless value) and the check runs again,
 * until every problem of the form is known and can be shown next to its own field at once.
 *
 * "Unchanged" is judged the same way: the widgets read into a record when the therapist was
 * loaded are compared with the widgets read now, so a value the widgets cannot show exactly
 * (a gender nobody stated, a language list written with semicolons) is not a change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "wm-accessible.h"
#include "wm-gui-util.h"
#include "wm-location-row.h"
#include "wm-therapist-editor.h"
#include "wm-validate.h"
#include "wm-vocab.h"

/* Compliance: the matcher's rules (see check_filters() in wm-matcher.c) for one therapist. */

static guint32
julian_from_iso (const char *iso)
{
  g_autofree char *normalised = NULL;
  int y, m, d;
  GDate date;

  if (wm_value_is_blank (iso) || !wm_parse_date ("date", iso, FALSE, &normalised, NULL)
      || normalised == NULL || sscanf (normalised, "%d-%d-%d", &y, &m, &d) != 3)
    return 0;
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  return g_date_get_julian (&date);
}

/* The oldest DBS check still valid on @today: the same calendar day @years earlier
 * (g_date_subtract_years() turns 29 February into the 28th, as the matcher does). */
static guint32
dbs_oldest_valid (guint32 today,
                  guint   years)
{
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_julian (&date, today);
  if (g_date_get_year (&date) <= years)
    return 1;
  g_date_subtract_years (&date, years);
  return g_date_get_julian (&date);
}

gboolean
wm_compliance_check (WmCompliance *out,
                     const char   *registration_expires,
                     const char   *insurance_expires,
                     const char   *dbs_checked,
                     gboolean      training_completed,
                     guint32       today,
                     guint         dbs_validity_years)
{
  guint32 registration = julian_from_iso (registration_expires);
  guint32 insurance = julian_from_iso (insurance_expires);
  guint32 dbs = julian_from_iso (dbs_checked);
  gboolean any = FALSE;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (today > 0, FALSE);

  memset (out, 0, sizeof *out);
  out->dbs_validity_years = dbs_validity_years > 0 ? dbs_validity_years : 3;

  out->date[WM_COMPLIANCE_REGISTRATION] = registration;
  out->state[WM_COMPLIANCE_REGISTRATION] = registration == 0 ? WM_COMPLIANCE_MISSING
                                           : registration < today ? WM_COMPLIANCE_EXPIRED
                                           : WM_COMPLIANCE_OK;
  out->date[WM_COMPLIANCE_INSURANCE] = insurance;
  out->state[WM_COMPLIANCE_INSURANCE] = insurance == 0 ? WM_COMPLIANCE_MISSING
                                        : insurance < today ? WM_COMPLIANCE_EXPIRED
                                        : WM_COMPLIANCE_OK;
  out->date[WM_COMPLIANCE_DBS] = dbs;
  out->state[WM_COMPLIANCE_DBS] = dbs == 0 ? WM_COMPLIANCE_MISSING
                                  : dbs < dbs_oldest_valid (today, out->dbs_validity_years)
                                  ? WM_COMPLIANCE_EXPIRED
                                  : WM_COMPLIANCE_OK;
  out->state[WM_COMPLIANCE_TRAINING] = training_completed ? WM_COMPLIANCE_OK
                                                          : WM_COMPLIANCE_MISSING;

  for (guint i = 0; i < WM_COMPLIANCE_N_ITEMS; i++)
    any |= out->state[i] != WM_COMPLIANCE_OK;
  return any;
}

gboolean
wm_therapist_check_compliance (WmTherapist  *therapist,
                               guint32       today,
                               guint         dbs_validity_years,
                               WmCompliance *out)
{
  g_return_val_if_fail (WM_IS_THERAPIST (therapist), FALSE);

  return wm_compliance_check (out, therapist->registration_expires,
                              therapist->insurance_expires, therapist->dbs_checked,
                              therapist->training_completed, today, dbs_validity_years);
}

/* @format: a g_date_time_format() format. */
static char *
format_julian (guint32     julian,
               const char *format)
{
  g_autoptr(GDateTime) dt = NULL;
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_julian (&date, julian);
  dt = g_date_time_new_utc (g_date_get_year (&date), g_date_get_month (&date),
                            g_date_get_day (&date), 0, 0, 0);
  return dt != NULL ? g_date_time_format (dt, format) : g_strdup ("");
}

/* "3 Mar 2026" */
static char *
format_short_date (guint32 julian)
{
  /* Translators: a short date, e.g. "3 Mar 2026"; see g_date_time_format(). */
  return format_julian (julian, _("%-d %b %Y"));
}

/* "3 March 2026" */
static char *
format_long_date (guint32 julian)
{
  /* Translators: a date in full, e.g. "3 March 2026"; see g_date_time_format(). */
  return format_julian (julian, _("%-d %B %Y"));
}

char *
wm_compliance_describe (const WmCompliance *c)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *date = NULL;

  g_return_val_if_fail (c != NULL, NULL);

  switch (c->state[WM_COMPLIANCE_REGISTRATION])
    {
    case WM_COMPLIANCE_EXPIRED:
      date = format_short_date (c->date[WM_COMPLIANCE_REGISTRATION]);
      g_ptr_array_add (lines, g_strdup_printf (_("Registration expired on %s"), date));
      g_clear_pointer (&date, g_free);
      break;
    case WM_COMPLIANCE_MISSING:
      g_ptr_array_add (lines, g_strdup (_("No registration expiry date on record")));
      break;
    case WM_COMPLIANCE_OK:
    default:
      break;
    }
  switch (c->state[WM_COMPLIANCE_INSURANCE])
    {
    case WM_COMPLIANCE_EXPIRED:
      date = format_short_date (c->date[WM_COMPLIANCE_INSURANCE]);
      g_ptr_array_add (lines, g_strdup_printf (_("Insurance expired on %s"), date));
      g_clear_pointer (&date, g_free);
      break;
    case WM_COMPLIANCE_MISSING:
      g_ptr_array_add (lines, g_strdup (_("No insurance expiry date on record")));
      break;
    case WM_COMPLIANCE_OK:
    default:
      break;
    }
  switch (c->state[WM_COMPLIANCE_DBS])
    {
    case WM_COMPLIANCE_EXPIRED:
      date = format_short_date (c->date[WM_COMPLIANCE_DBS]);
      /* Translators: "DBS check more than 3 years old (2 Jan 2022)"; the date is of the check. */
      g_ptr_array_add (lines, g_strdup_printf (ngettext ("DBS check more than %u year old (%s)",
                                                         "DBS check more than %u years old (%s)",
                                                         c->dbs_validity_years),
                                               c->dbs_validity_years, date));
      g_clear_pointer (&date, g_free);
      break;
    case WM_COMPLIANCE_MISSING:
      g_ptr_array_add (lines, g_strdup (_("No DBS check on record")));
      break;
    case WM_COMPLIANCE_OK:
    default:
      break;
    }
  if (c->state[WM_COMPLIANCE_TRAINING] != WM_COMPLIANCE_OK)
    g_ptr_array_add (lines, g_strdup (_("Specialist training not completed")));

  if (lines->len == 0)
    return NULL;
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

/* The editor */

/* Where the problems of one field are shown. */
typedef struct
{
  const char *field;       /* the column, as messages name it */
  GtkWidget *row;          /* gets the error style; NULL: none */
  GtkWidget *message_row;  /* a line under an entry row, or NULL */
  GtkLabel *message_label; /* its text, or a label under a text view */
  const char *subtitle;    /* an action row's own subtitle, shown when there is no problem */
  const char *label;       /* what people call the field, for messages */
  gboolean visited;        /* changed, or focused and left, since the therapist was loaded */
} FieldView;

struct _WmTherapistEditor
{
  AdwBin parent_instance;

  /* Template widgets */
  AdwPreferencesPage *page;
  AdwEntryRow *title_row;
  AdwEntryRow *given_name_row;
  AdwEntryRow *family_name_row;
  AdwComboRow *gender_row;
  AdwEntryRow *external_id_row;
  AdwEntryRow *email_row;
  AdwEntryRow *phone_row;
  GtkTextView *address_view;
  GtkLabel *address_message;
  AdwPreferencesGroup *location_group;
  GtkWidget *location_row;
  GtkLabel *location_message;
  AdwActionRow *in_person_row;
  GtkSwitch *in_person_switch;
  AdwActionRow *online_row;
  GtkSwitch *online_switch;
  AdwEntryRow *languages_row;
  AdwActionRow *max_caseload_row;
  GtkSpinButton *max_caseload_spin;
  AdwActionRow *accepting_row;
  GtkSwitch *accepting_switch;
  AdwEntryRow *fee_min_row;
  AdwEntryRow *fee_max_row;
  AdwActionRow *low_cost_row;
  GtkSwitch *low_cost_switch;
  AdwPreferencesGroup *specialisms_group;
  AdwEntryRow *registration_body_row;
  AdwEntryRow *registration_number_row;
  AdwActionRow *registration_expires_row;
  GtkEntry *registration_expires_entry;
  GtkMenuButton *registration_expires_button;
  AdwActionRow *insurance_expires_row;
  GtkEntry *insurance_expires_entry;
  GtkMenuButton *insurance_expires_button;
  AdwActionRow *dbs_checked_row;
  GtkEntry *dbs_checked_entry;
  GtkMenuButton *dbs_checked_button;
  AdwActionRow *training_row;
  GtkSwitch *training_switch;
  AdwActionRow *supervision_row;
  GtkSwitch *supervision_switch;
  GtkTextView *notes_view;
  GtkLabel *notes_message;
  AdwActionRow *active_row;
  GtkSwitch *active_switch;

  GPtrArray *specialism_checks; /* GtkCheckButton, in the order of WM_VOCAB_SPECIALISM */
  GArray *views;                /* FieldView */

  WmTherapist *loaded;          /* a copy of the therapist set, or a new blank one */
  WmTherapist *baseline;        /* the widgets as read right after loading or saving */
  GHashTable *problems;         /* field → message ("email: not a valid e-mail address") */
  GHashTable *required;         /* fields whose problem is that they are blank */
  char *first_problem;
  char *first_problem_text;     /* the same for people: "E-mail: Not a valid e-mail address" */
  gboolean location_visited;
  char *save_problem;           /* from the store, until its field is edited */
  char *save_problem_field;

  guint32 today;                /* 0: no compliance highlights */
  guint dbs_validity_years;

  gboolean loading;
  gboolean valid;
  gboolean dirty;
};

G_DEFINE_FINAL_TYPE (WmTherapistEditor, wm_therapist_editor, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_VALID,
  PROP_DIRTY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update (WmTherapistEditor *self);

/* Reading and writing the widgets */

static char *
dup_entry_text (GtkEditable *editable)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (editable));

  g_strstrip (text);
  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

static void
set_entry_text (GtkEditable *editable,
                const char  *text)
{
  gtk_editable_set_text (editable, text != NULL ? text : "");
}

static char *
dup_view_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start;
  GtkTextIter end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return wm_value_is_blank (text) ? NULL : g_steal_pointer (&text);
}

static void
set_view_text (GtkTextView *view,
               const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text != NULL ? text : "", -1);
}

/* "English, Polish" or "English; Polish": items trimmed, empty ones and repeats dropped. */
static char **
parse_languages (const char *text)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) items = NULL;
  g_auto(GStrv) result = NULL;

  if (text == NULL)
    return NULL;
  items = g_strsplit_set (text, ",;", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *folded = NULL;
      gboolean repeated = FALSE;

      g_strstrip (items[i]);
      if (*items[i] == '\0')
        continue;
      folded = g_utf8_casefold (items[i], -1);
      for (guint j = 0; j < seen->len && !repeated; j++)
        repeated = strcmp (seen->pdata[j], folded) == 0;
      if (repeated)
        continue;
      g_ptr_array_add (seen, g_steal_pointer (&folded));
      g_strv_builder_add (builder, items[i]);
    }
  result = g_strv_builder_end (builder);
  return result[0] != NULL ? g_steal_pointer (&result) : NULL;
}

/* A fee in whole pounds, "£" allowed; blank is unknown (-1). On a bad value the problem goes
 * to @problems and the fee counts as unknown, so the rest of the form can still be checked. */
static gint64
read_fee (AdwEntryRow *row,
          const char  *field,
          GHashTable  *problems)
{
  g_autofree char *text = dup_entry_text (GTK_EDITABLE (row));
  g_autoptr(GError) error = NULL;
  const char *digits = text;
  gint64 value = -1;

  if (text == NULL)
    return -1;
  if (g_str_has_prefix (digits, "£"))
    digits += strlen ("£");
  if (!wm_parse_int (field, digits, 0, 100000, TRUE, &value, &error))
    {
      g_hash_table_replace (problems, (gpointer) field, g_strdup (error->message));
      return -1;
    }
  return value;
}

static const char *
selected_gender (WmTherapistEditor *self)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_GENDER, &n);
  guint selected = adw_combo_row_get_selected (self->gender_row);

  return selected < n ? entries[selected].code : NULL;
}

/* The widgets' values in a new record, based on the one loaded (id, timestamps). Problems
 * that come from reading the widgets (a fee that is not a number) go to @problems. */
static WmTherapist *
read_widgets (WmTherapistEditor *self,
              GHashTable        *problems)
{
  WmTherapist *t = wm_therapist_new ();
  WmRecord *r = WM_RECORD (t);
  g_autoptr(GStrvBuilder) codes = g_strv_builder_new ();
  g_auto(GStrv) specialisms = NULL;
  g_auto(GStrv) languages = NULL;
  g_autofree char *languages_text = NULL;
  g_autofree char *town = NULL;
  g_autofree char *postcode = NULL;
  double latitude = NAN;
  double longitude = NAN;
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  struct { const char *column; gpointer editable; } entries_text[] = {
    { "external_id", self->external_id_row },
    { "title", self->title_row },
    { "given_name", self->given_name_row },
    { "family_name", self->family_name_row },
    { "email", self->email_row },
    { "phone", self->phone_row },
    { "registration_body", self->registration_body_row },
    { "registration_number", self->registration_number_row },
    { "registration_expires", self->registration_expires_entry },
    { "insurance_expires", self->insurance_expires_entry },
    { "dbs_checked", self->dbs_checked_entry },
  };

  wm_record_copy_into (r, WM_RECORD (self->loaded));

  for (guint i = 0; i < G_N_ELEMENTS (entries_text); i++)
    {
      g_autofree char *text = dup_entry_text (GTK_EDITABLE (entries_text[i].editable));

      wm_record_set_string (r, entries_text[i].column, text);
    }
  {
    const char *gender = selected_gender (self);

    /* "Not stated" shows a gender left blank too: keep it blank rather than write "unknown". */
    if (g_strcmp0 (gender, "unknown") == 0 && self->loaded->gender == NULL)
      gender = NULL;
    wm_record_set_string (r, "gender", gender);
  }
  {
    g_autofree char *address = dup_view_text (self->address_view);
    g_autofree char *notes = dup_view_text (self->notes_view);

    wm_record_set_string (r, "address", address);
    wm_record_set_string (r, "notes", notes);
  }

  g_object_get (self->location_row,
                "town", &town,
                "postcode", &postcode,
                "latitude", &latitude,
                "longitude", &longitude,
                NULL);
  wm_record_set_string (r, "town", wm_value_is_blank (town) ? NULL : town);
  wm_record_set_string (r, "postcode", wm_value_is_blank (postcode) ? NULL : postcode);
  wm_record_set_double (r, "latitude", latitude);
  wm_record_set_double (r, "longitude", longitude);

  wm_record_set_bool (r, "in_person", gtk_switch_get_active (self->in_person_switch));
  wm_record_set_bool (r, "online", gtk_switch_get_active (self->online_switch));
  languages_text = dup_entry_text (GTK_EDITABLE (self->languages_row));
  languages = parse_languages (languages_text);
  wm_record_set_strv (r, "languages", (const char * const *) languages);
  wm_record_set_int (r, "max_caseload", gtk_spin_button_get_value_as_int (self->max_caseload_spin));
  wm_record_set_bool (r, "accepting", gtk_switch_get_active (self->accepting_switch));
  wm_record_set_int (r, "fee_min", read_fee (self->fee_min_row, "fee_min", problems));
  wm_record_set_int (r, "fee_max", read_fee (self->fee_max_row, "fee_max", problems));
  wm_record_set_bool (r, "low_cost", gtk_switch_get_active (self->low_cost_switch));

  for (guint i = 0; i < n && i < self->specialism_checks->len; i++)
    if (gtk_check_button_get_active (self->specialism_checks->pdata[i]))
      g_strv_builder_add (codes, entries[i].code);
  specialisms = g_strv_builder_end (codes);
  wm_record_set_strv (r, "specialisms", (const char * const *) specialisms);

  wm_record_set_bool (r, "training_completed", gtk_switch_get_active (self->training_switch));
  wm_record_set_bool (r, "supervision_confirmed",
                      gtk_switch_get_active (self->supervision_switch));
  wm_record_set_bool (r, "active", gtk_switch_get_active (self->active_switch));

  return t;
}

/* "Unknown" is NAN, which g_object_set() refuses for any double property (GLib validates
 * the value against the range, and NAN is in no range): so it goes to the class's setter. */
static void
set_coordinate (GObject    *object,
                const char *name,
                double      value)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  g_auto(GValue) v = G_VALUE_INIT;
  GObjectClass *owner;

  g_return_if_fail (pspec != NULL);
  if (!isnan (value))
    {
      g_object_set (object, name, value, NULL);
      return;
    }
  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, value);
  owner = g_type_class_peek (pspec->owner_type);
  owner->set_property (object, pspec->param_id, &v, pspec);
}

static void
write_widgets (WmTherapistEditor *self,
               WmTherapist       *t)
{
  g_autofree char *languages = NULL;
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_GENDER, &n);
  guint gender = n - 1; /* "unknown": not stated */

  set_entry_text (GTK_EDITABLE (self->external_id_row), t->external_id);
  set_entry_text (GTK_EDITABLE (self->title_row), t->title);
  set_entry_text (GTK_EDITABLE (self->given_name_row), t->given_name);
  set_entry_text (GTK_EDITABLE (self->family_name_row), t->family_name);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (entries[i].code, t->gender) == 0
        || (t->gender == NULL && g_strcmp0 (entries[i].code, "unknown") == 0))
      gender = i;
  adw_combo_row_set_selected (self->gender_row, gender);
  set_entry_text (GTK_EDITABLE (self->email_row), t->email);
  set_entry_text (GTK_EDITABLE (self->phone_row), t->phone);
  set_view_text (self->address_view, t->address);

  g_object_set (self->location_row, "town", t->town, "postcode", t->postcode, NULL);
  set_coordinate (G_OBJECT (self->location_row), "latitude", t->latitude);
  set_coordinate (G_OBJECT (self->location_row), "longitude", t->longitude);

  gtk_switch_set_active (self->in_person_switch, t->in_person);
  gtk_switch_set_active (self->online_switch, t->online);
  if (t->languages != NULL)
    languages = g_strjoinv (", ", t->languages);
  set_entry_text (GTK_EDITABLE (self->languages_row), languages);
  gtk_spin_button_set_value (self->max_caseload_spin, (double) t->max_caseload);
  gtk_switch_set_active (self->accepting_switch, t->accepting);
  {
    g_autofree char *fee_min = t->fee_min >= 0
                               ? g_strdup_printf ("%" G_GINT64_FORMAT, t->fee_min) : NULL;
    g_autofree char *fee_max = t->fee_max >= 0
                               ? g_strdup_printf ("%" G_GINT64_FORMAT, t->fee_max) : NULL;

    set_entry_text (GTK_EDITABLE (self->fee_min_row), fee_min);
    set_entry_text (GTK_EDITABLE (self->fee_max_row), fee_max);
  }
  gtk_switch_set_active (self->low_cost_switch, t->low_cost);

  entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  for (guint i = 0; i < n && i < self->specialism_checks->len; i++)
    gtk_check_button_set_active (self->specialism_checks->pdata[i],
                                 wm_therapist_has_specialism (t, entries[i].code));

  set_entry_text (GTK_EDITABLE (self->registration_body_row), t->registration_body);
  set_entry_text (GTK_EDITABLE (self->registration_number_row), t->registration_number);
  set_entry_text (GTK_EDITABLE (self->registration_expires_entry), t->registration_expires);
  set_entry_text (GTK_EDITABLE (self->insurance_expires_entry), t->insurance_expires);
  set_entry_text (GTK_EDITABLE (self->dbs_checked_entry), t->dbs_checked);
  gtk_switch_set_active (self->training_switch, t->training_completed);
  gtk_switch_set_active (self->supervision_switch, t->supervision_confirmed);
  set_view_text (self->notes_view, t->notes);
  gtk_switch_set_active (self->active_switch, t->active);
}

/* Comparing records field by field; timestamps set by the store do not count. */
static gboolean
strv_equal (const char * const *a,
            const char * const *b)
{
  if (a == NULL || b == NULL)
    return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);
  return g_strv_equal (a, b);
}

static gboolean
values_equal (WmRecord      *a,
              WmRecord      *b,
              const WmField *f)
{
  gboolean same = TRUE;

  switch (f->type)
        {
        case WM_FIELD_STRING:
          same = g_strcmp0 (wm_record_get_string (a, f->column),
                            wm_record_get_string (b, f->column)) == 0;
          break;
        case WM_FIELD_INT:
          same = wm_record_get_int (a, f->column) == wm_record_get_int (b, f->column);
          break;
        case WM_FIELD_BOOL:
          same = !wm_record_get_bool (a, f->column) == !wm_record_get_bool (b, f->column);
          break;
        case WM_FIELD_DOUBLE:
          {
            double x = wm_record_get_double (a, f->column);
            double y = wm_record_get_double (b, f->column);

            same = (isnan (x) && isnan (y)) || x == y;
          }
          break;
        case WM_FIELD_STRV:
          same = strv_equal (wm_record_get_strv (a, f->column), wm_record_get_strv (b, f->column));
          break;
        default:
          g_assert_not_reached ();
        }
  return same;
}

static gboolean
records_equal (WmRecord *a,
               WmRecord *b)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (a);

  for (guint i = 0; i < klass->n_fields; i++)
    if (!(klass->fields[i].flags & WM_FIELD_MANAGED) && !values_equal (a, b, &klass->fields[i]))
      return FALSE;
  return TRUE;
}

/* TRUE also for a name that is no column (there is nothing to differ). */
static gboolean
field_equal (WmRecord   *a,
             WmRecord   *b,
             const char *column)
{
  const WmField *f = wm_record_find_field (WM_RECORD_GET_CLASS (a), column);

  return f == NULL || values_equal (a, b, f);
}

/* Validation */

/* "email: not a valid e-mail address" → "email" (NULL when the message names no field). */
static char *
dup_message_field (const char *message)
{
  const char *colon = message != NULL ? strstr (message, ": ") : NULL;

  if (colon == NULL || colon == message)
    return NULL;
  for (const char *p = message; p < colon; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return NULL;
  return g_strndup (message, colon - message);
}

/* What people read next to the field: the problem without the column name. */
static const char *
message_problem (const char *message)
{
  g_autofree char *field = dup_message_field (message);

  return field != NULL ? message + strlen (field) + 2 : message;
}

/* Sets @field aside so the check can go on to the next problem; FALSE if it cannot be. */
static gboolean
set_aside (WmTherapist *t,
           const char  *field,
           int          code)
{
  WmRecord *r = WM_RECORD (t);
  const WmField *f;

  if (g_str_equal (field, "in_person"))
    {
      wm_record_set_bool (r, "online", TRUE);
      return TRUE;
    }
  if (g_str_equal (field, "latitude") || g_str_equal (field, "longitude"))
    {
      wm_record_set_double (r, "latitude", 51.5);
      wm_record_set_double (r, "longitude", -0.1);
      return TRUE;
    }
  if (g_str_equal (field, "max_caseload"))
    {
      wm_record_set_int (r, "max_caseload", 5);
      return TRUE;
    }

  f = wm_record_find_field (WM_RECORD_GET_CLASS (r), field);
  if (f == NULL)
    return FALSE;
  switch (f->type)
    {
    case WM_FIELD_STRING:
      wm_record_set_string (r, field, code == WM_VALIDATION_ERROR_REQUIRED ? "-" : NULL);
      return TRUE;
    case WM_FIELD_INT:
      wm_record_set_int (r, field, (f->flags & WM_FIELD_NULLABLE) ? -1 : 0);
      return TRUE;
    case WM_FIELD_STRV:
      wm_record_set_strv (r, field, NULL);
      return TRUE;
    case WM_FIELD_DOUBLE:
      wm_record_set_double (r, field, NAN);
      return TRUE;
    case WM_FIELD_BOOL:
    default:
      return FALSE;
    }
}

/* Runs wm_therapist_check() on @t (changing it) until it passes, collecting every problem. */
static void
collect_problems (WmTherapist *t,
                  GHashTable  *problems,
                  GHashTable  *required,
                  GPtrArray   *order)
{
  for (guint round = 0; round < 64; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *field = NULL;

      if (wm_therapist_check (t, &error))
        return;
      field = dup_message_field (error->message);
      if (field == NULL)
        field = g_strdup ("");
      if (!g_hash_table_contains (problems, field))
        {
          const char *key = g_intern_string (field);

          g_hash_table_insert (problems, (gpointer) key, g_strdup (error->message));
          g_ptr_array_add (order, (gpointer) key);
          if (g_error_matches (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_REQUIRED))
            g_hash_table_add (required, (gpointer) key);
        }
      else if (round > 0)
        return; /* the same field again: it cannot be set aside */
      if (*field == '\0' || !set_aside (t, field, error->code))
        return;
    }
}

static FieldView *
find_view (WmTherapistEditor *self,
           const char        *field)
{
  for (guint i = 0; i < self->views->len; i++)
    {
      FieldView *view = &g_array_index (self->views, FieldView, i);

      if (g_str_equal (view->field, field))
        return view;
    }
  return NULL;
}

static gboolean
is_location_field (const char *field)
{
  return g_str_equal (field, "town") || g_str_equal (field, "postcode")
         || g_str_equal (field, "latitude") || g_str_equal (field, "longitude");
}

/* A problem as people read it next to its field: without the column name, capitalised, and
 * any other field it mentions called by its label ("must not be less than the lowest fee"). */
static char *
display_problem (WmTherapistEditor *self,
                 const char        *field,
                 const char        *message)
{
  g_autoptr(GString) text = NULL;
  gunichar first;

  /* The coordinates are not on the form: they come with a town chosen from the gazetteer. */
  if (g_str_equal (field, "latitude") || g_str_equal (field, "longitude"))
    return g_strdup (_("Choose the town from the suggestions, so that clients can be matched "
                       "by distance, or turn off “Sees clients in person”"));

  text = g_string_new (message_problem (message));
  for (guint i = 0; i < self->views->len; i++)
    {
      FieldView *view = &g_array_index (self->views, FieldView, i);
      g_autofree char *label = NULL;

      /* Only names like "fee_min": "address" or "title" are ordinary words too. */
      if (view->label == NULL || strchr (view->field, '_') == NULL
          || strstr (text->str, view->field) == NULL)
        continue;
      label = g_strdup_printf ("%c%s", g_ascii_tolower (view->label[0]), view->label + 1);
      g_string_replace (text, view->field, label, 0);
    }
  first = g_utf8_get_char (text->str);
  if (g_unichar_islower (first))
    {
      char buf[6];
      int len = g_unichar_to_utf8 (g_unichar_totitle (first), buf);

      g_string_erase (text, 0, g_utf8_next_char (text->str) - text->str);
      g_string_insert_len (text, 0, buf, len);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* "Late to complain": a blank required field says nothing until someone has been there, so
 * a new form is not red all over before anything was typed. */
static gboolean
problem_hidden (WmTherapistEditor *self,
                const char        *field,
                gboolean           visited)
{
  return g_hash_table_contains (self->required, field) && !visited;
}

static void
set_subtitle (GtkWidget  *row,
              const char *text)
{
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text != NULL ? text : "");
}

/* A compliance problem shown under a date or switch row, or NULL. */
static char *
compliance_note (const WmCompliance *c,
                 const char         *field)
{
  WmComplianceItem item;
  g_autofree char *date = NULL;

  if (g_str_equal (field, "registration_expires"))
    item = WM_COMPLIANCE_REGISTRATION;
  else if (g_str_equal (field, "insurance_expires"))
    item = WM_COMPLIANCE_INSURANCE;
  else if (g_str_equal (field, "dbs_checked"))
    item = WM_COMPLIANCE_DBS;
  else if (g_str_equal (field, "training_completed"))
    item = WM_COMPLIANCE_TRAINING;
  else
    return NULL;

  switch (c->state[item])
    {
    case WM_COMPLIANCE_EXPIRED:
      if (item == WM_COMPLIANCE_DBS)
        return g_strdup_printf (ngettext ("More than %u year old: no referrals until renewed",
                                          "More than %u years old: no referrals until renewed",
                                          c->dbs_validity_years),
                                c->dbs_validity_years);
      date = format_long_date (c->date[item]);
      /* Translators: "Expired on 3 March 2026: no referrals until renewed". */
      return g_strdup_printf (_("Expired on %s: no referrals until renewed"), date);
    case WM_COMPLIANCE_MISSING:
      if (item == WM_COMPLIANCE_TRAINING)
        return g_strdup (_("Not completed: no referrals until completed"));
      return g_strdup (_("Not on record: no referrals until one is added"));
    case WM_COMPLIANCE_OK:
    default:
      return NULL;
    }
}

static void
show_problems (WmTherapistEditor *self)
{
  WmCompliance compliance;
  gboolean rules = self->today > 0;
  g_autofree char *location_problem = NULL;

  if (rules)
    {
      g_autofree char *registration = dup_entry_text (GTK_EDITABLE (self->registration_expires_entry));
      g_autofree char *insurance = dup_entry_text (GTK_EDITABLE (self->insurance_expires_entry));
      g_autofree char *dbs = dup_entry_text (GTK_EDITABLE (self->dbs_checked_entry));

      wm_compliance_check (&compliance, registration, insurance, dbs,
                           gtk_switch_get_active (self->training_switch),
                           self->today, self->dbs_validity_years);
    }

  g_object_get (self->location_row, "problem", &location_problem, NULL);

  for (guint i = 0; i < self->views->len; i++)
    {
      FieldView *view = &g_array_index (self->views, FieldView, i);
      const char *message = g_hash_table_lookup (self->problems, view->field);
      g_autofree char *note = rules ? compliance_note (&compliance, view->field) : NULL;
      g_autofree char *problem = NULL;
      const char *shown;

      if (message != NULL && problem_hidden (self, view->field, view->visited))
        message = NULL;
      if (message != NULL)
        problem = display_problem (self, view->field, message);
      shown = problem != NULL ? problem : note;

      if (view->row != NULL)
        {
          if (shown != NULL)
            gtk_widget_add_css_class (view->row, "error");
          else
            gtk_widget_remove_css_class (view->row, "error");
          gtk_widget_set_tooltip_text (view->row, message != NULL ? shown : NULL);
          if (shown != NULL)
            gtk_accessible_update_property (GTK_ACCESSIBLE (view->row),
                                            GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, shown, -1);
          else
            gtk_accessible_reset_property (GTK_ACCESSIBLE (view->row),
                                           GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
        }
      if (view->message_label != NULL)
        {
          gtk_label_set_text (view->message_label, shown != NULL ? shown : "");
          gtk_widget_set_visible (view->message_row != NULL ? view->message_row
                                                            : GTK_WIDGET (view->message_label),
                                  shown != NULL);
        }
      else if (view->row != NULL && ADW_IS_ACTION_ROW (view->row))
        set_subtitle (view->row, shown != NULL ? shown : view->subtitle);
    }

  /* The location fields share one line under the location rows; the location row shows a
   * postcode problem itself. */
  {
    const char *fields[] = { "latitude", "longitude", "town", "postcode" };
    g_autofree char *shown = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (fields) && shown == NULL; i++)
      {
        const char *message = g_hash_table_lookup (self->problems, fields[i]);

        if (message != NULL && !(g_str_equal (fields[i], "postcode") && location_problem != NULL)
            && !problem_hidden (self, fields[i], self->location_visited))
          shown = display_problem (self, fields[i], message);
      }
    gtk_label_set_text (self->location_message, shown != NULL ? shown : "");
    gtk_widget_set_visible (GTK_WIDGET (self->location_message), shown != NULL);
  }
}

static void
set_flags (WmTherapistEditor *self,
           gboolean           valid,
           gboolean           dirty)
{
  if (self->valid != valid)
    {
      self->valid = valid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
    }
  if (self->dirty != dirty)
    {
      self->dirty = dirty;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
    }
}

static void
update (WmTherapistEditor *self)
{
  g_autoptr(WmTherapist) current = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  gboolean location_valid = TRUE;
  g_autofree char *location_problem = NULL;

  if (self->loading || self->loaded == NULL)
    return;

  g_hash_table_remove_all (self->problems);
  g_hash_table_remove_all (self->required);
  current = read_widgets (self, self->problems);
  {
    GHashTableIter iter;
    gpointer key;

    /* Problems found while reading come first, in form order below. */
    g_hash_table_iter_init (&iter, self->problems);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (order, key);
  }
  g_object_get (self->location_row, "valid", &location_valid, "problem", &location_problem, NULL);
  if (!location_valid && location_problem != NULL
      && !g_hash_table_contains (self->problems, "postcode"))
    {
      g_hash_table_insert (self->problems, (gpointer) "postcode", g_strdup (location_problem));
      g_ptr_array_add (order, (gpointer) "postcode");
    }
  if (self->save_problem != NULL && !g_hash_table_contains (self->problems, self->save_problem_field))
    {
      const char *key = g_intern_string (self->save_problem_field);

      g_hash_table_insert (self->problems, (gpointer) key, g_strdup (self->save_problem));
      g_ptr_array_add (order, (gpointer) key);
    }

  {
    g_autoptr(WmTherapist) scratch = wm_therapist_new ();

    wm_record_copy_into (WM_RECORD (scratch), WM_RECORD (current));
    collect_problems (scratch, self->problems, self->required, order);
  }

  /* A field changed from what was loaded has been visited, whoever left it. */
  if (self->baseline != NULL)
    {
      for (guint i = 0; i < self->views->len; i++)
        {
          FieldView *view = &g_array_index (self->views, FieldView, i);

          if (!view->visited && !field_equal (WM_RECORD (current), WM_RECORD (self->baseline),
                                              view->field))
            view->visited = TRUE;
        }
      if (!field_equal (WM_RECORD (current), WM_RECORD (self->baseline), "town")
          || !field_equal (WM_RECORD (current), WM_RECORD (self->baseline), "postcode"))
        self->location_visited = TRUE;
    }

  g_clear_pointer (&self->first_problem, g_free);
  g_clear_pointer (&self->first_problem_text, g_free);
  if (order->len > 0)
    {
      const char *field = order->pdata[0];
      FieldView *view = find_view (self, field);
      g_autofree char *problem = NULL;

      self->first_problem = g_strdup (g_hash_table_lookup (self->problems, field));
      problem = display_problem (self, field, self->first_problem);
      if (view != NULL && view->label != NULL)
        /* Translators: a problem with a field, as in "E-mail: Not a valid e-mail address". */
        self->first_problem_text = g_strdup_printf (_("%s: %s"), view->label, problem);
      else if (is_location_field (field))
        self->first_problem_text = g_strdup_printf (_("%s: %s"), _("Location"), problem);
      else
        self->first_problem_text = g_steal_pointer (&problem);
    }

  show_problems (self);
  set_flags (self, g_hash_table_size (self->problems) == 0,
             self->baseline != NULL && !records_equal (WM_RECORD (current),
                                                       WM_RECORD (self->baseline)));
}

static void
on_changed (WmTherapistEditor *self)
{
  update (self);
}

static void
on_external_id_changed (WmTherapistEditor *self)
{
  /* A clash the store found is about the value that was saved: editing it clears it. */
  g_clear_pointer (&self->save_problem, g_free);
  g_clear_pointer (&self->save_problem_field, g_free);
  update (self);
}

/* Dates: a typed YYYY-MM-DD, or picked from a calendar in a popover. */

static void
on_calendar_day_selected (GtkCalendar *calendar,
                          GtkEntry    *entry)
{
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *text = NULL;

  if (g_object_get_data (G_OBJECT (calendar), "wm-syncing") != NULL)
    return;
  date = gtk_calendar_get_date (calendar);
  text = g_date_time_format (date, "%Y-%m-%d");
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  gtk_popover_popdown (GTK_POPOVER (gtk_widget_get_ancestor (GTK_WIDGET (calendar),
                                                              GTK_TYPE_POPOVER)));
}

static void
on_calendar_popover_show (GtkPopover *popover,
                          GtkEntry   *entry)
{
  GtkCalendar *calendar = GTK_CALENDAR (gtk_popover_get_child (popover));
  guint32 julian = julian_from_iso (gtk_editable_get_text (GTK_EDITABLE (entry)));
  g_autoptr(GDateTime) date = NULL;

  if (julian > 0)
    {
      GDate d;

      g_date_clear (&d, 1);
      g_date_set_julian (&d, julian);
      date = g_date_time_new_local (g_date_get_year (&d), g_date_get_month (&d),
                                    g_date_get_day (&d), 0, 0, 0);
    }
  else
    date = g_date_time_new_now_local ();

  g_object_set_data (G_OBJECT (calendar), "wm-syncing", GINT_TO_POINTER (TRUE));
  gtk_calendar_select_day (calendar, date);
  g_object_set_data (G_OBJECT (calendar), "wm-syncing", NULL);
}

static void
setup_date (GtkEntry      *entry,
            GtkMenuButton *button,
            const char    *accessible_name,
            const char    *button_name)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *calendar = gtk_calendar_new ();

  gtk_popover_set_child (GTK_POPOVER (popover), calendar);
  g_signal_connect (popover, "show", G_CALLBACK (on_calendar_popover_show), entry);
  g_signal_connect (calendar, "day-selected", G_CALLBACK (on_calendar_day_selected), entry);
  gtk_menu_button_set_popover (button, popover);

  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (calendar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_name, -1);
  wm_accessible_label_menu_button (button, button_name);
}

/* Rows */

/* A switch, spin button or check button at the end of a row is named by the row's title. */
static void
name_after_row (GtkWidget  *widget,
                AdwActionRow *row)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                                  -1);
}

static void
on_focus_left (WmTherapistEditor  *self,
               GtkEventController *controller)
{
  const char *field = g_object_get_data (G_OBJECT (controller), "wm-field");
  FieldView *view = field != NULL ? find_view (self, field) : NULL;

  if (view != NULL)
    view->visited = TRUE;
  else
    self->location_visited = TRUE;
  update (self);
}

static void
add_view (WmTherapistEditor *self,
          const char        *field,
          gpointer           row,
          GtkLabel          *label)
{
  FieldView view = { field, row, NULL, label, NULL, NULL, FALSE };

  if (row != NULL && ADW_IS_PREFERENCES_ROW (row))
    view.label = adw_preferences_row_get_title (row);
  if (row != NULL && ADW_IS_ENTRY_ROW (row))
    {
      GtkEventController *focus = gtk_event_controller_focus_new ();

      view.message_row = wm_gui_add_message_row (row, &view.message_label);
      g_object_set_data (G_OBJECT (focus), "wm-field", (gpointer) field);
      g_signal_connect_swapped (focus, "leave", G_CALLBACK (on_focus_left), self);
      gtk_widget_add_controller (row, focus);
    }
  else if (row != NULL && ADW_IS_ACTION_ROW (row))
    {
      const char *subtitle = adw_action_row_get_subtitle (row);

      view.subtitle = subtitle != NULL && *subtitle != '\0' ? g_intern_string (subtitle) : NULL;
    }
  g_array_append_val (self->views, view);
}

static void
add_specialism_rows (WmTherapistEditor *self)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);

  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     wm_vocab_label (WM_VOCAB_SPECIALISM, entries[i].code));
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      name_after_row (check, ADW_ACTION_ROW (row));
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (on_changed), self);
      adw_preferences_group_add (self->specialisms_group, row);
      g_ptr_array_add (self->specialism_checks, check);
    }
}

/* GObject */

static void
wm_therapist_editor_dispose (GObject *object)
{
  WmTherapistEditor *self = WM_THERAPIST_EDITOR (object);

  /* Widgets going away emit their last signals (a text buffer, the location row): there is
   * nothing left to validate. */
  g_clear_object (&self->loaded);
  if (self->address_view != NULL)
    g_signal_handlers_disconnect_by_data (gtk_text_view_get_buffer (self->address_view), self);
  if (self->notes_view != NULL)
    g_signal_handlers_disconnect_by_data (gtk_text_view_get_buffer (self->notes_view), self);
  /* The template's top widget is the bin's child: the bin lets go of it first, or it would
   * unparent a widget the template has already dropped. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_THERAPIST_EDITOR);

  G_OBJECT_CLASS (wm_therapist_editor_parent_class)->dispose (object);
}

static void
wm_therapist_editor_finalize (GObject *object)
{
  WmTherapistEditor *self = WM_THERAPIST_EDITOR (object);

  g_clear_object (&self->loaded);
  g_clear_object (&self->baseline);
  g_clear_pointer (&self->specialism_checks, g_ptr_array_unref);
  g_clear_pointer (&self->views, g_array_unref);
  g_clear_pointer (&self->problems, g_hash_table_unref);
  g_clear_pointer (&self->required, g_hash_table_unref);
  g_free (self->first_problem);
  g_free (self->first_problem_text);
  g_free (self->save_problem);
  g_free (self->save_problem_field);

  G_OBJECT_CLASS (wm_therapist_editor_parent_class)->finalize (object);
}

static void
wm_therapist_editor_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  WmTherapistEditor *self = WM_THERAPIST_EDITOR (object);

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
wm_therapist_editor_class_init (WmTherapistEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wm_therapist_editor_dispose;
  object_class->finalize = wm_therapist_editor_finalize;
  object_class->get_property = wm_therapist_editor_get_property;

  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WM_TYPE_LOCATION_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-therapist-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, WmTherapistEditor, name)
  BIND (page);
  BIND (title_row);
  BIND (given_name_row);
  BIND (family_name_row);
  BIND (gender_row);
  BIND (external_id_row);
  BIND (email_row);
  BIND (phone_row);
  BIND (address_view);
  BIND (address_message);
  BIND (location_group);
  BIND (location_row);
  BIND (location_message);
  BIND (in_person_row);
  BIND (in_person_switch);
  BIND (online_row);
  BIND (online_switch);
  BIND (languages_row);
  BIND (max_caseload_row);
  BIND (max_caseload_spin);
  BIND (accepting_row);
  BIND (accepting_switch);
  BIND (fee_min_row);
  BIND (fee_max_row);
  BIND (low_cost_row);
  BIND (low_cost_switch);
  BIND (specialisms_group);
  BIND (registration_body_row);
  BIND (registration_number_row);
  BIND (registration_expires_row);
  BIND (registration_expires_entry);
  BIND (registration_expires_button);
  BIND (insurance_expires_row);
  BIND (insurance_expires_entry);
  BIND (insurance_expires_button);
  BIND (dbs_checked_row);
  BIND (dbs_checked_entry);
  BIND (dbs_checked_button);
  BIND (training_row);
  BIND (training_switch);
  BIND (supervision_row);
  BIND (supervision_switch);
  BIND (notes_view);
  BIND (notes_message);
  BIND (active_row);
  BIND (active_switch);
#undef BIND
}

static void
connect_changes (WmTherapistEditor *self)
{
  gpointer editables[] = {
    self->title_row, self->given_name_row, self->family_name_row, self->email_row,
    self->phone_row, self->languages_row, self->fee_min_row, self->fee_max_row,
    self->registration_body_row, self->registration_number_row,
    self->registration_expires_entry, self->insurance_expires_entry, self->dbs_checked_entry,
  };
  struct { GtkWidget *widget; AdwActionRow *row; } suffixes[] = {
    { GTK_WIDGET (self->in_person_switch), self->in_person_row },
    { GTK_WIDGET (self->online_switch), self->online_row },
    { GTK_WIDGET (self->max_caseload_spin), self->max_caseload_row },
    { GTK_WIDGET (self->accepting_switch), self->accepting_row },
    { GTK_WIDGET (self->low_cost_switch), self->low_cost_row },
    { GTK_WIDGET (self->training_switch), self->training_row },
    { GTK_WIDGET (self->supervision_switch), self->supervision_row },
    { GTK_WIDGET (self->active_switch), self->active_row },
  };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      name_after_row (suffixes[i].widget, suffixes[i].row);
      if (GTK_IS_SWITCH (suffixes[i].widget))
        g_signal_connect_swapped (suffixes[i].widget, "notify::active",
                                  G_CALLBACK (on_changed), self);
    }
  for (guint i = 0; i < G_N_ELEMENTS (editables); i++)
    g_signal_connect_swapped (editables[i], "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->external_id_row, "changed",
                            G_CALLBACK (on_external_id_changed), self);
  g_signal_connect_swapped (self->gender_row, "notify::selected", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->address_view), "changed",
                            G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->notes_view), "changed",
                            G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->max_caseload_spin, "value-changed",
                            G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->location_row, "notify", G_CALLBACK (on_changed), self);
}

static void
wm_therapist_editor_init (WmTherapistEditor *self)
{
  g_autoptr(GtkStringList) genders = gtk_string_list_new (NULL);
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_GENDER, &n);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->specialism_checks = g_ptr_array_new ();
  self->views = g_array_new (FALSE, TRUE, sizeof (FieldView));
  self->problems = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self->required = g_hash_table_new (g_str_hash, g_str_equal);
  self->loaded = wm_therapist_new ();

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (genders, _(entries[i].label));
  adw_combo_row_set_model (self->gender_row, G_LIST_MODEL (genders));

  add_specialism_rows (self);

  /* The fields in the order wm_therapist_check() looks at them. */
  add_view (self, "external_id", self->external_id_row, NULL);
  add_view (self, "title", self->title_row, NULL);
  add_view (self, "given_name", self->given_name_row, NULL);
  add_view (self, "family_name", self->family_name_row, NULL);
  add_view (self, "gender", self->gender_row, NULL);
  add_view (self, "email", self->email_row, NULL);
  add_view (self, "phone", self->phone_row, NULL);
  add_view (self, "address", NULL, self->address_message);
  find_view (self, "address")->label = _("Postal address");
  add_view (self, "languages", self->languages_row, NULL);
  add_view (self, "registration_body", self->registration_body_row, NULL);
  add_view (self, "registration_number", self->registration_number_row, NULL);
  add_view (self, "registration_expires", self->registration_expires_row, NULL);
  add_view (self, "insurance_expires", self->insurance_expires_row, NULL);
  add_view (self, "dbs_checked", self->dbs_checked_row, NULL);
  add_view (self, "training_completed", self->training_row, NULL);
  add_view (self, "notes", NULL, self->notes_message);
  find_view (self, "notes")->label = _("Notes");
  add_view (self, "max_caseload", self->max_caseload_row, NULL);
  add_view (self, "fee_min", self->fee_min_row, NULL);
  add_view (self, "fee_max", self->fee_max_row, NULL);
  add_view (self, "in_person", self->in_person_row, NULL);

  setup_date (self->registration_expires_entry, self->registration_expires_button,
              _("Registration expires"), _("Choose registration expiry date"));
  setup_date (self->insurance_expires_entry, self->insurance_expires_button,
              _("Insurance expires"), _("Choose insurance expiry date"));
  setup_date (self->dbs_checked_entry, self->dbs_checked_button,
              _("DBS check date"), _("Choose DBS check date"));

  connect_changes (self);
  {
    GtkEventController *focus = gtk_event_controller_focus_new ();

    g_signal_connect_swapped (focus, "leave", G_CALLBACK (on_focus_left), self);
    gtk_widget_add_controller (self->location_row, focus);
  }

  wm_therapist_editor_set_therapist (self, NULL);
}

/* Public API */

GtkWidget *
wm_therapist_editor_new (void)
{
  return g_object_new (WM_TYPE_THERAPIST_EDITOR, NULL);
}

void
wm_therapist_editor_set_rules (WmTherapistEditor *self,
                               guint32            today,
                               guint              dbs_validity_years)
{
  g_return_if_fail (WM_IS_THERAPIST_EDITOR (self));

  self->today = today;
  self->dbs_validity_years = dbs_validity_years;
  update (self);
}

void
wm_therapist_editor_set_therapist (WmTherapistEditor *self,
                                   WmTherapist       *therapist)
{
  g_return_if_fail (WM_IS_THERAPIST_EDITOR (self));
  g_return_if_fail (therapist == NULL || WM_IS_THERAPIST (therapist));

  g_clear_object (&self->loaded);
  self->loaded = wm_therapist_new ();
  if (therapist != NULL)
    wm_record_copy_into (WM_RECORD (self->loaded), WM_RECORD (therapist));
  g_clear_pointer (&self->save_problem, g_free);
  g_clear_pointer (&self->save_problem_field, g_free);
  for (guint i = 0; i < self->views->len; i++)
    g_array_index (self->views, FieldView, i).visited = FALSE;
  self->location_visited = FALSE;

  self->loading = TRUE;
  write_widgets (self, self->loaded);
  self->loading = FALSE;

  wm_therapist_editor_mark_saved (self);
}

void
wm_therapist_editor_mark_saved (WmTherapistEditor *self)
{
  g_autoptr(GHashTable) ignored = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_return_if_fail (WM_IS_THERAPIST_EDITOR (self));

  g_clear_object (&self->baseline);
  self->baseline = read_widgets (self, ignored);
  update (self);
}

gboolean
wm_therapist_editor_apply (WmTherapistEditor *self,
                           WmTherapist       *therapist)
{
  g_autoptr(GHashTable) problems = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(WmTherapist) current = NULL;
  gint64 id;

  g_return_val_if_fail (WM_IS_THERAPIST_EDITOR (self), FALSE);
  g_return_val_if_fail (WM_IS_THERAPIST (therapist), FALSE);

  update (self);
  if (!self->valid)
    return FALSE;
  current = read_widgets (self, problems);
  if (g_hash_table_size (problems) > 0 || !wm_therapist_check (current, NULL))
    return FALSE;

  /* The record keeps its own id: the editor may have been loaded from another copy. */
  id = wm_record_get_id (WM_RECORD (therapist));
  wm_record_copy_into (WM_RECORD (therapist), WM_RECORD (current));
  if (id != 0)
    wm_record_set_id (WM_RECORD (therapist), id);
  return TRUE;
}

gboolean
wm_therapist_editor_get_valid (WmTherapistEditor *self)
{
  g_return_val_if_fail (WM_IS_THERAPIST_EDITOR (self), FALSE);
  return self->valid;
}

gboolean
wm_therapist_editor_get_dirty (WmTherapistEditor *self)
{
  g_return_val_if_fail (WM_IS_THERAPIST_EDITOR (self), FALSE);
  return self->dirty;
}

const char *
wm_therapist_editor_get_first_problem (WmTherapistEditor *self)
{
  g_return_val_if_fail (WM_IS_THERAPIST_EDITOR (self), NULL);
  return self->first_problem;
}

const char *
wm_therapist_editor_get_first_problem_text (WmTherapistEditor *self)
{
  g_return_val_if_fail (WM_IS_THERAPIST_EDITOR (self), NULL);
  return self->first_problem_text;
}

void
wm_therapist_editor_show_problem (WmTherapistEditor *self,
                                  const char        *message)
{
  g_autofree char *field = NULL;

  g_return_if_fail (WM_IS_THERAPIST_EDITOR (self));

  field = dup_message_field (message);
  g_clear_pointer (&self->save_problem, g_free);
  g_clear_pointer (&self->save_problem_field, g_free);
  if (message != NULL && field != NULL && find_view (self, field) != NULL)
    {
      self->save_problem = g_strdup (message);
      self->save_problem_field = g_steal_pointer (&field);
    }
  update (self);
}

void
wm_therapist_editor_focus (WmTherapistEditor *self)
{
  g_return_if_fail (WM_IS_THERAPIST_EDITOR (self));

  /* libadwaita 1.2 has no adw_preferences_page_scroll_to_top(): the page is a scrolled
   * window inside. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->page));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_SCROLLED_WINDOW (child))
      gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (child)),
                                0);
  gtk_widget_grab_focus (GTK_WIDGET (self->given_name_row));
}
