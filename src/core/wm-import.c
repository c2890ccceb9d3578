/* wm-import.c: CSV import of therapists and cases, and export of the therapist register.
 *
 * An import runs in two phases. First every row is parsed into a record with the shared
 * wm-validate checks, collecting every problem with its line; duplicates are looked for in the
 * file and in the database; towns are placed with the offline gazetteer. Only a file without a
 * single problem reaches the second phase, which saves the records in one transaction, so a
 * failure there (the store checks again) also leaves the database as it was.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "wm-csv.h"
#include "wm-geo.h"
#include "wm-import.h"
#include "wm-model.h"
#include "wm-validate.h"
#include "wm-vocab.h"

G_DEFINE_QUARK (wm-import-error-quark, wm_import_error)

/* Columns. The first *_N_REQUIRED are DESIGN.md's interface and must all be in the header;
 * the rest are optional, so files written to the documented columns still import. */

enum
{
  TC_EXTERNAL_ID,
  TC_TITLE,
  TC_GIVEN_NAME,
  TC_FAMILY_NAME,
  TC_GENDER,
  TC_EMAIL,
  TC_PHONE,
  TC_ADDRESS,
  TC_TOWN,
  TC_POSTCODE,
  TC_LATITUDE,
  TC_LONGITUDE,
  TC_IN_PERSON,
  TC_ONLINE,
  TC_LANGUAGES,
  TC_SPECIALISMS,
  TC_MAX_CASELOAD,
  TC_ACCEPTING,
  TC_FEE_MIN,
  TC_FEE_MAX,
  TC_LOW_COST,
  TC_REGISTRATION_BODY,
  TC_REGISTRATION_NUMBER,
  TC_REGISTRATION_EXPIRES,
  TC_INSURANCE_EXPIRES,
  TC_DBS_CHECKED,
  TC_TRAINING_COMPLETED,
  TC_NOTES,
  TC_N_REQUIRED,
  /* Not in DESIGN.md's list, but an export without them would turn a therapist who has left
   * (inactive) into one who gets referrals after a round trip. */
  TC_SUPERVISION_CONFIRMED = TC_N_REQUIRED,
  TC_ACTIVE,
  TC_N
};

static const char * const therapist_columns[TC_N] = {
  "external_id", "title", "given_name", "family_name", "gender", "email", "phone", "address",
  "town", "postcode", "latitude", "longitude", "in_person", "online", "languages",
  "specialisms", "max_caseload", "accepting", "fee_min", "fee_max", "low_cost",
  "registration_body", "registration_number", "registration_expires", "insurance_expires",
  "dbs_checked", "training_completed", "notes", "supervision_confirmed", "active",
};

enum
{
  CC_REFERENCE,
  CC_GIVEN_NAME,
  CC_FAMILY_NAME,
  CC_GENDER,
  CC_PHONE,
  CC_EMAIL,
  CC_TOWN,
  CC_POSTCODE,
  CC_LATITUDE,
  CC_LONGITUDE,
  CC_CATEGORY,
  CC_CJS_STATUS,
  CC_NEEDS,
  CC_DESIRED,
  CC_PREFERRED_GENDER,
  CC_GENDER_REQUIRED,
  CC_LANGUAGE,
  CC_ONLINE_OK,
  CC_MAX_DISTANCE_KM,
  CC_FUNDING,
  CC_RISK_SAFEGUARDING,
  CC_RISK_SELF_HARM,
  CC_STATUS,
  CC_OPENED_ON,
  CC_NOTES,
  CC_N_REQUIRED,
  CC_N = CC_N_REQUIRED
};

static const char * const case_columns[CC_N] = {
  "reference", "given_name", "family_name", "gender", "phone", "email", "town", "postcode",
  "latitude", "longitude", "category", "cjs_status", "needs", "desired", "preferred_gender",
  "gender_required", "language", "online_ok", "max_distance_km", "funding",
  "risk_safeguarding", "risk_self_harm", "status", "opened_on", "notes",
};

/* Text helpers */

#define SHOWN_MAX_CHARS 40

/* A value as it may appear in a message: one line, cut short. Messages end up on terminals
 * and in dialogs, whatever bytes the file held. */
static char *
shown (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);
  GString *s = g_string_new (NULL);
  guint n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n++ == SHOWN_MAX_CHARS)
        {
          g_string_append (s, "…");
          break;
        }
      if (g_unichar_iscntrl (c))
        g_string_append_c (s, ' ');
      else
        g_string_append_unichar (s, c);
    }
  return g_string_free (s, FALSE);
}

/* Trims Unicode white space in place (spreadsheets leave no-break spaces around values). */
static void
trim_in_place (char *value)
{
  char *start = value;
  char *end;

  while (*start != '\0' && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  end = start + strlen (start);
  while (end > start)
    {
      char *prev = g_utf8_prev_char (end);

      if (!g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  memmove (value, start, end - start);
  value[end - start] = '\0';
}

/* Undoes wm_csv_append_row()'s formula protection, so that exporting and importing again
 * gives back the same text rather than one more apostrophe each time. */
static void
unneutralise_in_place (char *value)
{
  if (value[0] == '\'' && value[1] != '\0' && strchr ("=+-@\t\r", value[1]) != NULL)
    memmove (value, value + 1, strlen (value));
}

static gboolean
row_is_blank (GPtrArray *fields)
{
  for (guint i = 0; i < fields->len; i++)
    if (!wm_value_is_blank (g_ptr_array_index (fields, i)))
      return FALSE;
  return TRUE;
}

/* The gazetteer */

/* Where a town is, or why it cannot be placed; one per distinct town in a file. */
typedef struct
{
  double latitude;
  double longitude;
  GError *error;
} TownResult;

static void
town_result_free (TownResult *result)
{
  g_clear_error (&result->error);
  g_free (result);
}

/* Places @town with the shared gazetteer lookup (whole UK town names only: a guess from a
 * partial name could put someone at the other end of the country). Results are kept in
 * @cache, since a register names the same towns over and over. On failure sets an error
 * "town: ..." asking for something that can be placed. */
static gboolean
resolve_town (GHashTable  *cache,
              const char  *town,
              double      *latitude,
              double      *longitude,
              GError     **error)
{
  TownResult *result = g_hash_table_lookup (cache, town);

  if (result == NULL)
    {
      g_autoptr(WmPlace) place = NULL;

      result = g_new0 (TownResult, 1);
      place = wm_geo_lookup_uk_town (town, &result->error);
      if (place != NULL)
        {
          result->latitude = place->latitude;
          result->longitude = place->longitude;
        }
      g_hash_table_insert (cache, g_strdup (town), result);
    }

  if (result->error == NULL)
    {
      *latitude = result->latitude;
      *longitude = result->longitude;
      return TRUE;
    }
  if (g_error_matches (result->error, WM_GEO_ERROR, WM_GEO_ERROR_NOT_FOUND))
    g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                 _("town: %s; give the town’s full name, the nearest larger town, or latitude "
                   "and longitude"), result->error->message);
  else
    g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                 "town: %s", result->error->message);
  return FALSE;
}

/* Headers */

/* Maps each known column to its position in @header (-1: absent). Unknown, repeated and
 * missing required columns all go into @report, on the header's line. */
static void
map_header (GPtrArray           *header,
            guint                line,
            const char * const  *columns,
            guint                n_columns,
            guint                n_required,
            int                 *position,
            WmValidationReport  *report)
{
  for (guint c = 0; c < n_columns; c++)
    position[c] = -1;

  for (guint i = 0; i < header->len; i++)
    {
      g_autofree char *name = g_strdup (g_ptr_array_index (header, i));
      gboolean known = FALSE;

      trim_in_place (name);
      for (guint c = 0; c < n_columns; c++)
        {
          if (g_ascii_strcasecmp (name, columns[c]) != 0)
            continue;
          known = TRUE;
          if (position[c] >= 0)
            {
              g_autoptr(GError) e = g_error_new (WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER,
                                                 _("%s: the column appears more than once"),
                                                 columns[c]);
              wm_validation_report_add (report, line, e);
            }
          else
            position[c] = (int) i;
          break;
        }
      if (!known)
        {
          g_autofree char *s = shown (name);
          g_autoptr(GError) e = NULL;

          if (*s == '\0')
            e = g_error_new (WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER,
                             _("column %u: has no name"), i + 1);
          else
            e = g_error_new (WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER,
                             _("%s: is not a column Waymark knows"), s);
          wm_validation_report_add (report, line, e);
        }
    }

  for (guint c = 0; c < n_required; c++)
    if (position[c] < 0)
      {
        g_autoptr(GError) e = g_error_new (WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER,
                                           _("%s: the column is missing"), columns[c]);
        wm_validation_report_add (report, line, e);
      }
}

/* Rows */

typedef struct
{
  GPtrArray *fields;
  const int *position;
  const char * const *columns;
  guint line;
  WmValidationReport *report;
} Row;

/* The cleaned cell of column @c, or NULL when the (optional) column is not in the file. */
static const char *
cell (Row *row,
      guint c)
{
  if (row->position[c] < 0)
    return NULL;
  return g_ptr_array_index (row->fields, row->position[c]);
}

static gboolean
take (Row     *row,
      GError **e)
{
  return wm_validation_report_take (row->report, row->line, e);
}

static void
problem (Row        *row,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
problem (Row        *row,
         const char *format,
         ...)
{
  g_autoptr(GError) e = NULL;
  va_list args;

  va_start (args, format);
  e = g_error_new_valist (WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID, format, args);
  va_end (args);
  wm_validation_report_add (row->report, row->line, e);
}

/* Cleans the cells in place and checks the row has one per header column. */
static gboolean
prepare_row (Row  *row,
             guint n_header)
{
  for (guint i = 0; i < row->fields->len; i++)
    {
      char *value = g_ptr_array_index (row->fields, i);

      trim_in_place (value);
      unneutralise_in_place (value);
    }
  if (row->fields->len == n_header)
    return TRUE;

  /* Cells cannot be matched to columns any more: one message for the row, not one per cell. */
  problem (row, _("row: has %u fields where the header has %u (a missing or extra comma, or "
                  "an unquoted comma inside a value?)"), row->fields->len, n_header);
  return FALSE;
}

static void
set_text (Row        *row,
          WmRecord   *record,
          guint       c,
          const char *record_column,
          gsize       max_chars,
          gboolean    multiline,
          gboolean    required)
{
  const char *value = cell (row, c);
  g_autoptr(GError) e = NULL;

  if (!wm_validate_text (row->columns[c], value, max_chars, multiline, required, &e))
    take (row, &e);
  else if (value != NULL)
    wm_record_set_string (record, record_column, *value != '\0' ? value : NULL);
}

static void
set_bool (Row      *row,
          WmRecord *record,
          guint     c,
          gboolean  blank_value)
{
  const char *value = cell (row, c);
  g_autoptr(GError) e = NULL;
  gboolean b = blank_value;

  if (value == NULL)
    return; /* optional column absent: the record's default stands */
  if (wm_value_is_blank (value))
    wm_record_set_bool (record, row->columns[c], blank_value);
  else if (!wm_parse_bool (row->columns[c], value, FALSE, &b, &e))
    take (row, &e);
  else
    wm_record_set_bool (record, row->columns[c], b);
}

/* Blank gives @blank_value, e.g. -1 for "unknown". */
static void
set_int (Row      *row,
         WmRecord *record,
         guint     c,
         gint64    min,
         gint64    max,
         gint64    blank_value)
{
  const char *value = cell (row, c);
  g_autoptr(GError) e = NULL;
  gint64 i = blank_value;

  if (!wm_value_is_blank (value) && !wm_parse_int (row->columns[c], value, min, max, FALSE, &i, &e))
    take (row, &e);
  else
    wm_record_set_int (record, row->columns[c], i);
}

static void
set_date (Row        *row,
          WmRecord   *record,
          guint       c)
{
  g_autofree char *date = NULL;
  g_autoptr(GError) e = NULL;

  if (!wm_parse_date (row->columns[c], cell (row, c), FALSE, &date, &e))
    take (row, &e);
  else
    wm_record_set_string (record, row->columns[c], date);
}

/* Blank gives @blank_value (the record's default). */
static void
set_enum (Row        *row,
          WmRecord   *record,
          guint       c,
          WmVocab     vocab,
          const char *blank_value)
{
  const char *value = cell (row, c);
  g_autoptr(GError) e = NULL;

  if (wm_value_is_blank (value))
    wm_record_set_string (record, row->columns[c], blank_value);
  else if (!wm_validate_enum (row->columns[c], vocab, value, FALSE, &e))
    take (row, &e);
  else
    wm_record_set_string (record, row->columns[c], value);
}

static void
set_codes (Row      *row,
           WmRecord *record,
           guint     c,
           WmVocab   vocab)
{
  g_auto(GStrv) codes = NULL;
  g_autoptr(GError) e = NULL;

  if (!wm_parse_code_list (row->columns[c], vocab, cell (row, c), &codes, &e))
    take (row, &e);
  else
    wm_record_set_strv (record, row->columns[c],
                        codes[0] != NULL ? (const char * const *) codes : NULL);
}

/* A ";" list of free text (languages): items trimmed, empty ones and repeats dropped. */
static void
set_text_list (Row      *row,
               WmRecord *record,
               guint     c,
               gsize     max_chars)
{
  g_auto(GStrv) items = g_strsplit (cell (row, c) != NULL ? cell (row, c) : "", ";", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autoptr(GError) e = NULL;

      trim_in_place (items[i]);
      if (items[i][0] == '\0'
          || g_ptr_array_find_with_equal_func (seen, items[i], g_str_equal, NULL))
        continue;
      if (!wm_validate_text (row->columns[c], items[i], max_chars, FALSE, FALSE, &e))
        {
          take (row, &e);
          return;
        }
      g_ptr_array_add (seen, items[i]);
      g_strv_builder_add (builder, items[i]);
    }
  list = g_strv_builder_end (builder);
  wm_record_set_strv (record, row->columns[c],
                      list[0] != NULL ? (const char * const *) list : NULL);
}

/* Parses latitude/longitude; both blank gives NAN for both. */
static gboolean
parse_coordinates (Row    *row,
                   guint   c_latitude,
                   guint   c_longitude,
                   double *latitude,
                   double *longitude)
{
  g_autoptr(GError) e = NULL;
  gboolean ok = TRUE;

  *latitude = NAN;
  *longitude = NAN;
  if (!wm_parse_double ("latitude", cell (row, c_latitude), FALSE, latitude, &e)
      || (!isnan (*latitude) && !wm_validate_latitude ("latitude", *latitude, &e)))
    ok = !take (row, &e);
  if (!wm_parse_double ("longitude", cell (row, c_longitude), FALSE, longitude, &e)
      || (!isnan (*longitude) && !wm_validate_longitude ("longitude", *longitude, &e)))
    ok = !take (row, &e) && ok;
  return ok;
}

/* Checks a postcode cell: a full postcode or just its district. Sets *@full when it was a
 * full postcode. */
static gboolean
check_postcode (Row      *row,
                guint     c,
                gboolean *full)
{
  const char *value = cell (row, c);
  g_autoptr(GError) e = NULL;

  *full = FALSE;
  if (wm_value_is_blank (value))
    return TRUE;
  if (wm_postcode_normalise (row->columns[c], value, FALSE, NULL, NULL, NULL))
    {
      *full = TRUE;
      return TRUE;
    }
  if (wm_postcode_normalise_outward (row->columns[c], value, FALSE, NULL, NULL))
    return TRUE;
  wm_postcode_normalise (row->columns[c], value, FALSE, NULL, NULL, &e);
  take (row, &e);
  return FALSE;
}

/* Shared state of one import run. */
typedef struct
{
  WmStore *store;
  WmValidationReport *report;
  GHashTable *ids_in_file;   /* external_id or reference → first line, as GUINT_TO_POINTER */
  GHashTable *ids_in_store;  /* external ids already stored (therapists) */
  GHashTable *towns;         /* town as written → TownResult */
  guint n_bad_rows;
} Import;

static void
import_clear (Import *import)
{
  g_clear_pointer (&import->report, wm_validation_report_free);
  g_clear_pointer (&import->ids_in_file, g_hash_table_unref);
  g_clear_pointer (&import->ids_in_store, g_hash_table_unref);
  g_clear_pointer (&import->towns, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Import, import_clear)

/* Therapists */

static WmTherapist *
parse_therapist (Import *import,
                 Row    *row)
{
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  WmRecord *r = WM_RECORD (t);
  guint n_before = wm_validation_report_n_problems (import->report);
  const char *external_id = cell (row, TC_EXTERNAL_ID);
  const char *town = cell (row, TC_TOWN);
  double latitude, longitude;
  gboolean coordinates_ok, full_postcode;

  set_text (row, r, TC_EXTERNAL_ID, "external_id", 64, FALSE, TRUE);
  if (!wm_value_is_blank (external_id))
    {
      gpointer first_line = g_hash_table_lookup (import->ids_in_file, external_id);
      g_autofree char *s = shown (external_id);

      if (first_line != NULL)
        problem (row, _("external_id: “%s” is also on line %u"), s,
                 GPOINTER_TO_UINT (first_line));
      else
        g_hash_table_insert (import->ids_in_file, g_strdup (external_id),
                             GUINT_TO_POINTER (row->line));
      if (g_hash_table_contains (import->ids_in_store, external_id))
        problem (row, _("external_id: “%s” is already in the database (an import only adds "
                        "therapists; change existing ones in Waymark)"), s);
    }
  set_text (row, r, TC_TITLE, "title", 32, FALSE, FALSE);
  set_text (row, r, TC_GIVEN_NAME, "given_name", 100, FALSE, TRUE);
  set_text (row, r, TC_FAMILY_NAME, "family_name", 100, FALSE, TRUE);
  set_enum (row, r, TC_GENDER, WM_VOCAB_GENDER, NULL);
  {
    g_autoptr(GError) e = NULL;

    if (!wm_validate_email ("email", cell (row, TC_EMAIL), FALSE, &e))
      take (row, &e);
    else
      set_text (row, r, TC_EMAIL, "email", 254, FALSE, FALSE);
  }
  {
    g_autofree char *phone = NULL;
    g_autoptr(GError) e = NULL;

    if (!wm_validate_uk_phone ("phone", cell (row, TC_PHONE), FALSE, &phone, &e))
      take (row, &e);
    else
      wm_record_set_string (r, "phone", phone);
  }
  set_text (row, r, TC_ADDRESS, "address", 500, TRUE, FALSE);
  set_text (row, r, TC_TOWN, "town", 100, FALSE, FALSE);
  /* Normalised ("SW1A 1AA") by wm_therapist_check() below. */
  if (check_postcode (row, TC_POSTCODE, &full_postcode))
    wm_record_set_string (r, "postcode", cell (row, TC_POSTCODE));
  coordinates_ok = parse_coordinates (row, TC_LATITUDE, TC_LONGITUDE, &latitude, &longitude);
  set_bool (row, r, TC_IN_PERSON, TRUE);
  set_bool (row, r, TC_ONLINE, FALSE);
  set_text_list (row, r, TC_LANGUAGES, 50);
  set_codes (row, r, TC_SPECIALISMS, WM_VOCAB_SPECIALISM);
  set_int (row, r, TC_MAX_CASELOAD, 0, 500, t->max_caseload);
  set_bool (row, r, TC_ACCEPTING, TRUE);
  set_int (row, r, TC_FEE_MIN, 0, 100000, -1);
  set_int (row, r, TC_FEE_MAX, 0, 100000, -1);
  set_bool (row, r, TC_LOW_COST, FALSE);
  set_text (row, r, TC_REGISTRATION_BODY, "registration_body", 100, FALSE, FALSE);
  set_text (row, r, TC_REGISTRATION_NUMBER, "registration_number", 100, FALSE, FALSE);
  set_date (row, r, TC_REGISTRATION_EXPIRES);
  set_date (row, r, TC_INSURANCE_EXPIRES);
  set_date (row, r, TC_DBS_CHECKED);
  set_bool (row, r, TC_TRAINING_COMPLETED, FALSE);
  set_text (row, r, TC_NOTES, "notes", 20000, TRUE, FALSE);
  set_bool (row, r, TC_SUPERVISION_CONFIRMED, FALSE);
  set_bool (row, r, TC_ACTIVE, TRUE);

  /* Coordinates given win; otherwise the town places the therapist. Only someone who sees
   * clients in person must be placed: for online work the town is just information. */
  if (coordinates_ok && isnan (latitude) && isnan (longitude) && !wm_value_is_blank (town))
    {
      g_autoptr(GError) e = NULL;

      if (!resolve_town (import->towns, town, &latitude, &longitude, &e) && t->in_person)
        take (row, &e);
    }
  if (coordinates_ok)
    {
      wm_record_set_double (r, "latitude", latitude);
      wm_record_set_double (r, "longitude", longitude);
    }

  if (wm_validation_report_n_problems (import->report) > n_before)
    return NULL;

  /* The per-column checks passed: now the rules between fields (fees, in person needs a
   * place, ...), with the exact checks the store applies on saving. */
  {
    g_autoptr(GError) e = NULL;

    if (!wm_therapist_check (t, &e))
      {
        take (row, &e);
        return NULL;
      }
  }
  return g_steal_pointer (&t);
}

static GHashTable *
stored_external_ids (WmStore  *store,
                     GError  **error)
{
  g_autoptr(GListModel) list = wm_store_list_therapists (store, error);
  g_autoptr(GHashTable) ids = NULL;

  if (list == NULL)
    return NULL;
  ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (list, i);

      if (t->external_id != NULL)
        g_hash_table_add (ids, g_strdup (t->external_id));
    }
  return g_steal_pointer (&ids);
}

/* Cases */

/* Whether a case with exactly @reference is stored. Uses the case list's search rather than
 * wm_store_find_case(), which would record a view of the case in the audit log. */
static gboolean
reference_is_stored (WmStore     *store,
                     const char  *reference,
                     gboolean    *stored,
                     GError     **error)
{
  WmCaseQuery query = { .text = reference };
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) summaries = NULL;

  *stored = FALSE;
  ids = wm_store_query_case_ids (store, &query, error);
  if (ids == NULL)
    return FALSE;
  if (ids->len == 0)
    return TRUE;

  summaries = g_array_new (FALSE, TRUE, sizeof (WmCaseSummaryData));
  g_array_set_clear_func (summaries, (GDestroyNotify) wm_case_summary_data_clear);
  if (!wm_store_load_case_summaries (store, (const gint64 *) (gpointer) ids->data, ids->len,
                                     summaries, error))
    return FALSE;
  for (guint i = 0; i < summaries->len; i++)
    if (g_strcmp0 (g_array_index (summaries, WmCaseSummaryData, i).reference, reference) == 0)
      *stored = TRUE;
  return TRUE;
}

static WmCase *
parse_case (Import  *import,
            Row     *row,
            GError **error)
{
  g_autoptr(WmCase) k = wm_case_new ();
  WmRecord *r = WM_RECORD (k);
  WmRecord *client = WM_RECORD (wm_case_get_client (k));
  guint n_before = wm_validation_report_n_problems (import->report);
  const char *reference = cell (row, CC_REFERENCE);
  const char *town = cell (row, CC_TOWN);
  const char *postcode = cell (row, CC_POSTCODE);
  double latitude, longitude;
  gboolean coordinates_ok, full_postcode;

  if (!wm_value_is_blank (reference))
    {
      g_autoptr(GError) e = NULL;
      g_autofree char *s = shown (reference);
      gpointer first_line = g_hash_table_lookup (import->ids_in_file, reference);
      gboolean stored = FALSE;

      if (!wm_validate_case_reference ("reference", reference, &e))
        take (row, &e);
      else if (first_line != NULL)
        problem (row, _("reference: “%s” is also on line %u"), s,
                 GPOINTER_TO_UINT (first_line));
      else
        {
          g_hash_table_insert (import->ids_in_file, g_strdup (reference),
                               GUINT_TO_POINTER (row->line));
          if (!reference_is_stored (import->store, reference, &stored, error))
            return NULL;
          if (stored)
            problem (row, _("reference: “%s” is already in the database (an import only adds "
                            "cases)"), s);
          else
            wm_record_set_string (r, "reference", reference);
        }
    }

  set_text (row, client, CC_GIVEN_NAME, "given_name", 100, FALSE, TRUE);
  set_text (row, client, CC_FAMILY_NAME, "family_name", 100, FALSE, FALSE);
  set_enum (row, client, CC_GENDER, WM_VOCAB_GENDER, NULL);
  {
    g_autofree char *phone = NULL;
    g_autoptr(GError) e = NULL;

    if (!wm_validate_uk_phone ("phone", cell (row, CC_PHONE), FALSE, &phone, &e))
      take (row, &e);
    else
      wm_record_set_string (client, "phone", phone);
  }
  {
    g_autoptr(GError) e = NULL;

    if (!wm_validate_email ("email", cell (row, CC_EMAIL), FALSE, &e))
      take (row, &e);
    else
      set_text (row, client, CC_EMAIL, "email", 254, FALSE, FALSE);
  }
  set_text (row, client, CC_TOWN, "town", 100, FALSE, FALSE);
  if (check_postcode (row, CC_POSTCODE, &full_postcode))
    {
      wm_record_set_string (client, "postcode", postcode);
      /* Record how precisely the client was placed, never claiming more than was given. */
      wm_record_set_string (client, "location_precision",
                            full_postcode ? "postcode"
                            : !wm_value_is_blank (postcode) ? "district" : "town");
    }
  coordinates_ok = parse_coordinates (row, CC_LATITUDE, CC_LONGITUDE, &latitude, &longitude);
  if (coordinates_ok && isnan (latitude) && isnan (longitude) && !wm_value_is_blank (town))
    {
      g_autoptr(GError) e = NULL;

      if (!resolve_town (import->towns, town, &latitude, &longitude, &e))
        take (row, &e);
    }
  if (coordinates_ok)
    {
      wm_record_set_double (client, "latitude", latitude);
      wm_record_set_double (client, "longitude", longitude);
    }

  set_enum (row, r, CC_CATEGORY, WM_VOCAB_CATEGORY, "other");
  set_enum (row, r, CC_CJS_STATUS, WM_VOCAB_CJS_STATUS, "unknown");
  set_codes (row, r, CC_NEEDS, WM_VOCAB_SPECIALISM);
  set_codes (row, r, CC_DESIRED, WM_VOCAB_SPECIALISM);
  set_enum (row, r, CC_PREFERRED_GENDER, WM_VOCAB_GENDER, NULL);
  set_bool (row, r, CC_GENDER_REQUIRED, FALSE);
  set_text (row, r, CC_LANGUAGE, "language", 50, FALSE, FALSE);
  set_bool (row, r, CC_ONLINE_OK, TRUE);
  set_int (row, r, CC_MAX_DISTANCE_KM, 1, 1000, -1);
  set_enum (row, r, CC_FUNDING, WM_VOCAB_FUNDING, "self");
  set_bool (row, r, CC_RISK_SAFEGUARDING, FALSE);
  set_bool (row, r, CC_RISK_SELF_HARM, FALSE);
  /* The store keeps the status of a new case as given: an import brings in cases that are
   * already under way. */
  set_enum (row, r, CC_STATUS, WM_VOCAB_CASE_STATUS, "enquiry");
  {
    g_autofree char *date = NULL;
    g_autoptr(GError) e = NULL;

    if (!wm_parse_date ("opened_on", cell (row, CC_OPENED_ON), FALSE, &date, &e))
      take (row, &e);
    else if (date != NULL)
      {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
        g_autofree char *tomorrow = NULL;
        g_autoptr(GDateTime) next_day = g_date_time_add_days (now, 1);
        g_autofree char *opened_at = g_strconcat (date, "T00:00:00Z", NULL);

        /* A day of slack for time zones; anything later is a typing error. */
        tomorrow = g_date_time_format (next_day, "%Y-%m-%d");
        if (strcmp (date, tomorrow) > 0)
          problem (row, _("opened_on: %s is in the future"), date);
        else
          wm_record_set_string (r, "opened_at", opened_at);
      }
  }
  set_text (row, r, CC_NOTES, "notes", 100000, TRUE, FALSE);

  if (wm_validation_report_n_problems (import->report) > n_before)
    return NULL;
  {
    g_autoptr(GError) e = NULL;

    if (!wm_case_check (k, &e))
      {
        take (row, &e);
        return NULL;
      }
  }
  return g_steal_pointer (&k);
}

/* Running an import */

static gpointer
parse_therapist_row (Import  *import,
                     Row     *row,
                     GError **error)
{
  return parse_therapist (import, row);
}

static gpointer
parse_case_row (Import  *import,
                Row     *row,
                GError **error)
{
  return parse_case (import, row, error);
}

static gboolean
save_therapist (WmStore  *store,
                gpointer  record,
                GError  **error)
{
  return wm_store_save_therapist (store, record, error);
}

static gboolean
save_case (WmStore  *store,
           gpointer  record,
           GError  **error)
{
  return wm_store_save_case (store, record, error);
}

/* Cases with their own reference are saved first: the store then numbers the others after
 * them (it notes each imported reference), so a case without a reference early in the file
 * cannot be given a number that a later row brings with it. */
static gboolean
case_has_reference (gpointer record)
{
  return WM_CASE (record)->reference != NULL;
}

/* What differs between the two imports. */
typedef struct
{
  const char * const *columns;
  guint n_columns;
  guint n_required;
  /* Returns the record, or NULL with the row's problems in the report; an error only when
   * the database could not be asked. */
  gpointer (*parse) (Import *import, Row *row, GError **error);
  gboolean (*save) (WmStore *store, gpointer record, GError **error);
  gboolean (*save_first) (gpointer record); /* NULL: file order */
  gboolean needs_stored_ids;
  const char *entity; /* for the audit log */
  const char *plural;
} ImportKind;

static const ImportKind therapist_import = {
  therapist_columns, TC_N, TC_N_REQUIRED, parse_therapist_row, save_therapist, NULL, TRUE,
  "therapist", "therapists",
};

static const ImportKind case_import = {
  case_columns, CC_N, CC_N_REQUIRED, parse_case_row, save_case, case_has_reference, FALSE,
  "case", "cases",
};

/* Summary line, then the problems. */
static void
set_report_error (GError      **error,
                  WmImportError code,
                  const char   *summary,
                  Import       *import)
{
  g_autofree char *problems = wm_validation_report_format (import->report);

  g_set_error (error, WM_IMPORT_ERROR, code, "%s\n%s", summary, problems);
}

/* Reads and checks the whole file; returns the records (and appends the line of each to
 * @lines), or NULL with the error. */
static GPtrArray *
read_records (Import            *import,
              const ImportKind  *kind,
              const char        *data,
              gsize              length,
              GArray            *lines,
              GError           **error)
{
  g_autoptr(WmCsvReader) reader = wm_csv_reader_new (data, length);
  g_autoptr(GPtrArray) header = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) csv_error = NULL;
  g_autofree int *position = g_new (int, kind->n_columns);
  guint header_line = 0;

  if (!wm_csv_reader_next (reader, &header, &header_line, &csv_error))
    {
      if (csv_error != NULL)
        {
          wm_validation_report_add (import->report, 0, csv_error);
          set_report_error (error, WM_IMPORT_ERROR_FORMAT,
                            _("The file could not be read as CSV; nothing was imported"), import);
        }
      else
        g_set_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER,
                     _("The file is empty; a header row naming the columns is needed"));
      return NULL;
    }

  map_header (header, header_line, kind->columns, kind->n_columns, kind->n_required, position,
              import->report);
  if (wm_validation_report_n_problems (import->report) > 0)
    {
      set_report_error (error, WM_IMPORT_ERROR_HEADER,
                        _("The header row has problems; nothing was imported"), import);
      return NULL;
    }

  for (;;)
    {
      g_autoptr(GPtrArray) fields = NULL;
      Row row = { NULL, position, kind->columns, 0, import->report };
      guint n_before = wm_validation_report_n_problems (import->report);
      gpointer record;

      if (!wm_csv_reader_next (reader, &fields, &row.line, &csv_error))
        break;
      if (row_is_blank (fields))
        continue;
      row.fields = fields;
      if (!prepare_row (&row, header->len))
        record = NULL;
      else
        {
          g_autoptr(GError) local_error = NULL;

          record = kind->parse (import, &row, &local_error);
          if (local_error != NULL)
            {
              /* The database could not be asked (not a problem of the file). */
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
        }
      if (record != NULL)
        {
          g_ptr_array_add (records, record);
          g_array_append_val (lines, row.line);
        }
      if (wm_validation_report_n_problems (import->report) > n_before)
        import->n_bad_rows++;
    }

  if (csv_error != NULL)
    {
      /* The reader's message already starts with "line N: ". */
      wm_validation_report_add (import->report, 0, csv_error);
      set_report_error (error, WM_IMPORT_ERROR_FORMAT,
                        _("The file could not be read as CSV; nothing was imported"), import);
      return NULL;
    }
  if (import->n_bad_rows > 0)
    {
      g_autofree char *summary =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u row has problems; nothing was imported",
                                      "%u rows have problems; nothing was imported",
                                      import->n_bad_rows),
                         import->n_bad_rows);

      set_report_error (error, WM_IMPORT_ERROR_INVALID, summary, import);
      return NULL;
    }
  return g_steal_pointer (&records);
}

/* Saves all records in one transaction; any failure undoes all of them. @lines gives each
 * record's line for the message. */
static gboolean
write_records (WmStore           *store,
               const ImportKind  *kind,
               GPtrArray         *records,
               GArray            *lines,
               GError           **error)
{
  g_autofree char *summary = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!wm_store_begin (store, error))
    return FALSE;
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < records->len; i++)
      {
        gpointer record = g_ptr_array_index (records, i);
        gboolean first = kind->save_first == NULL || kind->save_first (record);

        if (first != (pass == 0))
          continue;
        if (!kind->save (store, record, &local_error))
          {
            wm_store_rollback (store);
            g_set_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_WRITE,
                         "%s\nline %u: %s",
                         _("Saving failed; nothing was imported"),
                         g_array_index (lines, guint, i), local_error->message);
            return FALSE;
          }
      }
  /* One row naming the import as a whole, besides the row per record. */
  summary = g_strdup_printf ("%u %s imported from CSV", records->len, kind->plural);
  if (!wm_store_audit (store, "import", kind->entity, -1, summary, &local_error))
    {
      wm_store_rollback (store);
      g_set_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_WRITE, "%s\n%s",
                   _("Saving failed; nothing was imported"), local_error->message);
      return FALSE;
    }
  if (!wm_store_commit (store, &local_error))
    {
      g_set_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_WRITE, "%s\n%s",
                   _("Saving failed; nothing was imported"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_import (WmStore           *store,
            const ImportKind  *kind,
            const char        *data,
            gsize              length,
            guint             *n_imported,
            GError           **error)
{
  g_auto(Import) import = { 0 };
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GArray) lines = NULL;

  g_return_val_if_fail (WM_IS_STORE (store), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_imported != NULL)
    *n_imported = 0;

  import.store = store;
  import.report = wm_validation_report_new ();
  import.ids_in_file = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  import.towns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) town_result_free);
  if (kind->needs_stored_ids)
    {
      import.ids_in_store = stored_external_ids (store, error);
      if (import.ids_in_store == NULL)
        return FALSE;
    }

  lines = g_array_new (FALSE, FALSE, sizeof (guint));
  records = read_records (&import, kind, data, length, lines, error);
  if (records == NULL)
    return FALSE;

  if (!write_records (store, kind, records, lines, error))
    return FALSE;
  if (n_imported != NULL)
    *n_imported = records->len;
  return TRUE;
}

gboolean
wm_import_therapists (WmStore     *store,
                      const char  *data,
                      gsize        length,
                      guint       *n_imported,
                      GError     **error)
{
  return run_import (store, &therapist_import, data, length, n_imported, error);
}

gboolean
wm_import_cases (WmStore     *store,
                 const char  *data,
                 gsize        length,
                 guint       *n_imported,
                 GError     **error)
{
  return run_import (store, &case_import, data, length, n_imported, error);
}

/* Export */

static char *
format_bool (gboolean value)
{
  return g_strdup (value ? "yes" : "no");
}

static char *
format_int (gint64 value)
{
  return value < 0 ? NULL : g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

/* 15 significant digits: short for coordinates typed in ("53.99", not 53.990000000000002)
 * and far finer than a metre for any other. */
static char *
format_coordinate (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return NULL;
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.15g", value));
}

static char *
format_list (char **items)
{
  return items != NULL ? g_strjoinv (";", items) : NULL;
}

char *
wm_export_therapists (WmStore  *store,
                      gsize    *length,
                      GError  **error)
{
  g_autoptr(GListModel) list = NULL;
  g_autoptr(GString) out = NULL;
  g_autofree char *summary = NULL;
  guint n;

  g_return_val_if_fail (WM_IS_STORE (store), NULL);

  list = wm_store_list_therapists (store, error);
  if (list == NULL)
    return NULL;
  n = g_list_model_get_n_items (list);

  out = g_string_new (WM_CSV_UTF8_BOM);
  wm_csv_append_row (out, therapist_columns, TC_N, FALSE);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (list, i);
      char *row[TC_N] = { NULL };

      row[TC_EXTERNAL_ID] = g_strdup (t->external_id);
      row[TC_TITLE] = g_strdup (t->title);
      row[TC_GIVEN_NAME] = g_strdup (t->given_name);
      row[TC_FAMILY_NAME] = g_strdup (t->family_name);
      row[TC_GENDER] = g_strdup (t->gender);
      row[TC_EMAIL] = g_strdup (t->email);
      row[TC_PHONE] = g_strdup (t->phone);
      row[TC_ADDRESS] = g_strdup (t->address);
      row[TC_TOWN] = g_strdup (t->town);
      row[TC_POSTCODE] = g_strdup (t->postcode);
      row[TC_LATITUDE] = format_coordinate (t->latitude);
      row[TC_LONGITUDE] = format_coordinate (t->longitude);
      row[TC_IN_PERSON] = format_bool (t->in_person);
      row[TC_ONLINE] = format_bool (t->online);
      row[TC_LANGUAGES] = format_list (t->languages);
      row[TC_SPECIALISMS] = format_list (t->specialisms);
      row[TC_MAX_CASELOAD] = format_int (t->max_caseload);
      row[TC_ACCEPTING] = format_bool (t->accepting);
      row[TC_FEE_MIN] = format_int (t->fee_min);
      row[TC_FEE_MAX] = format_int (t->fee_max);
      row[TC_LOW_COST] = format_bool (t->low_cost);
      row[TC_REGISTRATION_BODY] = g_strdup (t->registration_body);
      row[TC_REGISTRATION_NUMBER] = g_strdup (t->registration_number);
      row[TC_REGISTRATION_EXPIRES] = g_strdup (t->registration_expires);
      row[TC_INSURANCE_EXPIRES] = g_strdup (t->insurance_expires);
      row[TC_DBS_CHECKED] = g_strdup (t->dbs_checked);
      row[TC_TRAINING_COMPLETED] = format_bool (t->training_completed);
      row[TC_NOTES] = g_strdup (t->notes);
      row[TC_SUPERVISION_CONFIRMED] = format_bool (t->supervision_confirmed);
      row[TC_ACTIVE] = format_bool (t->active);

      /* The file is for people and their spreadsheets: text that would run as a formula
       * (CSV injection) is protected; the import removes the protection again. */
      wm_csv_append_row (out, (const char * const *) row, TC_N, TRUE);
      for (guint c = 0; c < TC_N; c++)
        g_free (row[c]);
    }

  /* Personal data leaving the encrypted file is worth a line in the audit log. */
  summary = g_strdup_printf ("%u therapists exported to CSV", n);
  if (!wm_store_audit (store, "export", "therapist", -1, summary, error))
    return NULL;

  if (length != NULL)
    *length = out->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
