/* test-import.c: CSV import of therapists and cases (all-or-nothing, every problem reported
 * with its physical line) and export of the therapist register.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "test-util.h"
#include "wm-csv.h"
#include "wm-import.h"
#include "wm-store.h"
#include "wm-validate.h"

/* DESIGN.md, "Interfaces": scripts and spreadsheets are written to these. */
#define THERAPIST_HEADER \
  "external_id,title,given_name,family_name,gender,email,phone,address,town,postcode," \
  "latitude,longitude,in_person,online,languages,specialisms,max_caseload,accepting,fee_min," \
  "fee_max,low_cost,registration_body,registration_number,registration_expires," \
  "insurance_expires,dbs_checked,training_completed,notes"
#define CASE_HEADER \
  "reference,given_name,family_name,gender,phone,email,town,postcode,latitude,longitude," \
  "category,cjs_status,needs,desired,preferred_gender,gender_required,language,online_ok," \
  "max_distance_km,funding,risk_safeguarding,risk_self_harm,status,opened_on,notes"

typedef struct
{
  char *dir;
  guint8 *key;
  WmStore *store;
} Fixture;

static WmStore *
open_store (const char   *dir,
            const char   *name,
            const guint8 *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  WmStore *store = wm_store_open (path, key, WM_STORE_OPEN_CREATE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = test_tmpdir_new ();
  f->key = test_key_new ();
  f->store = open_store (f->dir, "import.waymark", f->key);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  sodium_free (f->key);
  test_tmpdir_free (f->dir);
}

static char *
read_fixture (const char *name,
              gsize      *length)
{
  g_autofree char *path = g_build_filename (TEST_FIXTURES, name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, length, &error);
  g_assert_no_error (error);
  return data;
}

static gint64
audit_rows (WmStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 broken = -1, rows = 0;

  g_assert_true (wm_store_verify_audit (store, &broken, &rows, &error));
  g_assert_no_error (error);
  g_assert_cmpint (broken, ==, 0);
  return rows;
}

/* Asserts that @message is a summary line followed by problem lines that start, in order,
 * with @prefixes (NULL-terminated), and nothing else. */
static void
assert_problems (const char         *message,
                 const char         *summary,
                 const char * const *prefixes)
{
  g_auto(GStrv) lines = g_strsplit (message, "\n", -1);
  guint n = 0;

  g_test_message ("%s", message);
  g_assert_cmpstr (lines[0], ==, summary);
  while (prefixes[n] != NULL)
    n++;
  g_assert_cmpuint (g_strv_length (lines), ==, n + 1);
  for (guint i = 0; i < n; i++)
    if (!g_str_has_prefix (lines[i + 1], prefixes[i]))
      g_error ("problem %u is “%s”, expected it to start “%s”", i, lines[i + 1],
               prefixes[i]);
}

/* Therapists */

static const char *given_names[] = { "Alex", "Sam", "Robin", "Jo", "Kit", "Zoë", "Siân", "Lee" };
static const char *towns[] = {
  "Harrogate", "York", "Leeds", "Bristol", "Cardiff", "Glasgow", "Belfast", "Newcastle upon Tyne",
  "ashton under lyne", "Inverness",
};
static const char *specialism_lists[] = {
  "pre-offence;online-offending", "contact-offending", "trauma;survivors;risk-assessment",
  "family-partners", "",
};

/* A file of @n good therapists. Row i is on line i + 2. */
static char *
generate_therapists (guint n)
{
  GString *s = g_string_new (THERAPIST_HEADER "\r\n");

  for (guint i = 0; i < n; i++)
    {
      const char *town = towns[i % G_N_ELEMENTS (towns)];
      gboolean with_coordinates = i % 7 == 3;
      gboolean online_only = i % 50 == 49;

      g_string_append_printf (s,
                              "T-%04u,%s,%s,Test%u,%s,t%u@example.org,01632 960%03u,,%s,%s,"
                              "%s,%s,%s,%s,%s,%s,%u,%s,%s,%s,%s,BACP,DEMO-%05u,2030-01-31,"
                              "2030-06-30,2024-03-01,%s,%s\r\n",
                              i, i % 5 == 0 ? "Dr" : "",
                              given_names[i % G_N_ELEMENTS (given_names)],
                              i, i % 3 == 0 ? "female" : "male", i, i % 1000, town,
                              i % 4 == 0 ? "HG1 2AB" : "",
                              with_coordinates ? "52.5" : "", with_coordinates ? "-1.9" : "",
                              online_only ? "no" : "yes", i % 2 ? "yes" : "no",
                              i % 9 == 0 ? "English;Polish" : "English",
                              specialism_lists[i % G_N_ELEMENTS (specialism_lists)],
                              2 + i % 9, i % 10 == 0 ? "no" : "yes",
                              i % 6 == 0 ? "" : "50", i % 6 == 0 ? "" : "70",
                              i % 8 == 0 ? "yes" : "no", i,
                              i % 11 == 0 ? "no" : "yes",
                              i % 13 == 0 ? "\"Line one, with comma\nline two\"" : "");
    }
  return g_string_free (s, FALSE);
}

static void
test_import_many (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = generate_therapists (1000);
  g_autoptr(WmTherapist) first = NULL;
  g_autoptr(WmTherapist) coords = NULL;
  g_autoptr(WmTherapist) ashton = NULL;
  g_autoptr(WmTherapist) online = NULL;
  gint64 start, rows_before = audit_rows (f->store);
  guint n = 0;

  start = g_get_monotonic_time ();
  g_assert_true (wm_import_therapists (f->store, csv, strlen (csv), &n, &error));
  g_assert_no_error (error);
  g_test_message ("1000 therapists imported in %.2f s",
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (n, ==, 1000);
  g_assert_cmpint (wm_store_count_therapists (f->store), ==, 1000);
  /* One audit row each, and one for the import. */
  g_assert_cmpint (audit_rows (f->store), ==, rows_before + 1001);

  first = wm_store_find_therapist (f->store, "T-0000", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first->title, ==, "Dr");
  g_assert_cmpstr (first->given_name, ==, "Alex");
  g_assert_cmpstr (first->family_name, ==, "Test0");
  g_assert_cmpstr (first->gender, ==, "female");
  g_assert_cmpstr (first->email, ==, "t0@example.org");
  g_assert_cmpstr (first->phone, ==, "01632 960000");
  g_assert_cmpstr (first->town, ==, "Harrogate");
  g_assert_cmpstr (first->postcode, ==, "HG1 2AB");
  /* Placed by the gazetteer. */
  g_assert_cmpfloat_with_epsilon (first->latitude, 53.99, 0.01);
  g_assert_cmpfloat_with_epsilon (first->longitude, -1.54, 0.01);
  g_assert_true (first->in_person);
  g_assert_false (first->online);
  {
    const char *languages[] = { "English", "Polish", NULL };
    const char *specialisms[] = { "online-offending", "pre-offence", NULL };

    g_assert_cmpstrv (first->languages, languages);
    g_assert_cmpstrv (first->specialisms, specialisms);
  }
  g_assert_cmpint (first->max_caseload, ==, 2);
  g_assert_false (first->accepting);
  g_assert_cmpint (first->fee_min, ==, -1);
  g_assert_cmpint (first->fee_max, ==, -1);
  g_assert_true (first->low_cost);
  g_assert_cmpstr (first->registration_body, ==, "BACP");
  g_assert_cmpstr (first->registration_number, ==, "DEMO-00000");
  g_assert_cmpstr (first->registration_expires, ==, "2030-01-31");
  g_assert_cmpstr (first->insurance_expires, ==, "2030-06-30");
  g_assert_cmpstr (first->dbs_checked, ==, "2024-03-01");
  g_assert_false (first->training_completed);
  g_assert_cmpstr (first->notes, ==, "Line one, with comma\nline two");
  g_assert_true (first->active);

  /* Coordinates given win over the town. */
  coords = wm_store_find_therapist (f->store, "T-0003", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (coords->town, ==, "Bristol");
  g_assert_cmpfloat_with_epsilon (coords->latitude, 52.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (coords->longitude, -1.9, 1e-9);
  g_assert_cmpstr (coords->specialisms[0], ==, "family-partners");
  g_assert_cmpint (coords->fee_min, ==, 50);
  {
    g_autoptr(WmTherapist) none = wm_store_find_therapist (f->store, "T-0004", &error);

    /* An empty list is no specialisms, not one empty one. */
    g_assert_null (none->specialisms);
  }

  /* Town names match without case or punctuation: "ashton under lyne". */
  ashton = wm_store_find_therapist (f->store, "T-0008", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (ashton->latitude, 53.49, 0.02);
  g_assert_cmpfloat_with_epsilon (ashton->longitude, -2.10, 0.02);

  online = wm_store_find_therapist (f->store, "T-0049", &error);
  g_assert_no_error (error);
  g_assert_false (online->in_person);
}

static void
test_import_fixture (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *csv = read_fixture ("therapists-good.csv", &length);
  g_autoptr(WmTherapist) alex = NULL;
  g_autoptr(WmTherapist) jo = NULL;
  guint n = 0;

  g_assert_true (wm_import_therapists (f->store, csv, length, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 4);

  alex = wm_store_find_therapist (f->store, "FX-001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alex->address, ==, "1 Example Street\nHarrogate");
  g_assert_cmpstr (alex->notes, ==, "Prefers mornings, not Fridays");
  {
    const char *specialisms[] = { "online-offending", "pre-offence", NULL };
    const char *languages[] = { "English", "Welsh", NULL };

    g_assert_cmpstrv (alex->specialisms, specialisms);
    g_assert_cmpstrv (alex->languages, languages);
  }

  /* Online only: a town outside the gazetteer is just information. */
  jo = wm_store_find_therapist (f->store, "FX-004", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jo->town, ==, "Nowhere Village");
  g_assert_true (isnan (jo->latitude));
  g_assert_cmpstr (jo->phone, ==, "01632 960004");
}

static void
check_bad_therapists (Fixture    *f,
                      const char *csv,
                      gsize       length)
{
  g_autoptr(GError) error = NULL;
  gint64 rows_before = audit_rows (f->store);
  gint64 count_before = wm_store_count_therapists (f->store);
  guint n = 99;
  const char *expected[] = {
    "line 3: email: ",
    "line 6: specialisms: “knitting” is not one of",
    "line 7: given_name: is required",
    "line 8: external_id: “FX-101” is also on line 2",
    "line 9: phone: ",
    "line 9: insurance_expires: ",
    "line 10: town: “Atlantis” is not a UK town in the gazetteer",
    "line 11: fee_max: ",
    NULL
  };

  g_assert_false (wm_import_therapists (f->store, csv, length, &n, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_INVALID);
  g_assert_cmpuint (n, ==, 0);
  assert_problems (error->message, "7 rows have problems; nothing was imported", expected);

  /* Nothing written: not the good rows, not even an audit row. */
  g_assert_cmpint (wm_store_count_therapists (f->store), ==, count_before);
  g_assert_cmpint (audit_rows (f->store), ==, rows_before);
}

static void
test_import_bad_rows (Fixture       *f,
                      gconstpointer  data)
{
  gsize length;
  g_autofree char *csv = read_fixture ("therapists-bad.csv", &length);
  g_autoptr(GString) crlf = g_string_new_len (csv, length);

  check_bad_therapists (f, csv, length);

  /* The same file from Windows: the line numbers stay those of the file. */
  g_string_replace (crlf, "\n", "\r\n", 0);
  check_bad_therapists (f, crlf->str, crlf->len);
}

static void
test_import_header (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 rows_before = audit_rows (f->store);
  const char *row = "T-1,,Alex,Test,,,,,Harrogate,,,,yes,no,English,pre-offence,5,yes,,,no,"
                    ",,,,,yes,";
  g_autofree char *unknown = g_strconcat (THERAPIST_HEADER ",favourite_colour\n", row, ",blue\n",
                                          NULL);
  g_autoptr(GString) missing = g_string_new (THERAPIST_HEADER "\n");
  g_autofree char *twice = g_strconcat (THERAPIST_HEADER ",Email\n", row, ",\n", NULL);
  const char *unknown_expected[] = { "line 1: favourite_colour: is not a column", NULL };
  const char *missing_expected[] = {
    "line 1: email: the column is missing",
    "line 1: phone: the column is missing",
    NULL
  };
  const char *twice_expected[] = { "line 1: email: the column appears more than once", NULL };

  g_assert_false (wm_import_therapists (f->store, unknown, strlen (unknown), NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER);
  assert_problems (error->message, "The header row has problems; nothing was imported",
                   unknown_expected);
  g_clear_error (&error);

  g_string_replace (missing, "email,phone,", "", 1);
  g_string_append_printf (missing, "%s\n", row);
  g_assert_false (wm_import_therapists (f->store, missing->str, missing->len, NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER);
  assert_problems (error->message, "The header row has problems; nothing was imported",
                   missing_expected);
  g_clear_error (&error);

  g_assert_false (wm_import_therapists (f->store, twice, strlen (twice), NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER);
  assert_problems (error->message, "The header row has problems; nothing was imported",
                   twice_expected);
  g_clear_error (&error);

  g_assert_false (wm_import_therapists (f->store, "", 0, NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER);
  g_clear_error (&error);

  g_assert_cmpint (wm_store_count_therapists (f->store), ==, 0);
  g_assert_cmpint (audit_rows (f->store), ==, rows_before);

  /* Column names typed by hand: any case, spaces around, any order. */
  {
    g_autoptr(GString) s = g_string_new (THERAPIST_HEADER "\n");

    g_string_replace (s, "external_id,", " NOTES ,External_ID,", 1);
    g_string_replace (s, ",notes\n", "\n", 1);
    /* The row without its last (notes) cell, and notes first. */
    g_string_append_printf (s, "hello,%.*s\n", (int) strlen (row) - 1, row);
    g_assert_true (wm_import_therapists (f->store, s->str, s->len, NULL, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(WmTherapist) t = wm_store_find_therapist (f->store, "T-1", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (t->notes, ==, "hello");
  }
}

/* Rows that cannot be lined up with the header, broken quoting, blank rows. */
static void
test_import_malformed (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *row = "T-1,,Alex,Test,,,,,Harrogate,,,,yes,no,English,pre-offence,5,yes,,,no,"
                    ",,,,,yes,";
  g_autofree char *short_row = g_strconcat (THERAPIST_HEADER "\n", row, "\nT-2,,Sam\n", NULL);
  g_autofree char *unterminated = g_strconcat (THERAPIST_HEADER "\n", row, "\n", row,
                                               "\"unterminated\n", NULL);
  g_autofree char *blank_rows = g_strconcat (THERAPIST_HEADER "\n,,,,,,,,,,,,,,,,,,,,,,,,,,,\n",
                                             row, "\n\n , ,\n", NULL);
  const char *short_expected[] = { "line 3: row: has 3 fields where the header has 28", NULL };
  const char *quote_expected[] = { "line 3: ", NULL };
  guint n = 0;

  g_assert_false (wm_import_therapists (f->store, short_row, strlen (short_row), NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_INVALID);
  assert_problems (error->message, "1 row has problems; nothing was imported", short_expected);
  g_clear_error (&error);

  g_assert_false (wm_import_therapists (f->store, unterminated, strlen (unterminated), NULL,
                                        &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_FORMAT);
  assert_problems (error->message, "The file could not be read as CSV; nothing was imported",
                   quote_expected);
  g_clear_error (&error);
  g_assert_cmpint (wm_store_count_therapists (f->store), ==, 0);

  /* Spreadsheets leave rows of empty cells behind: they are not records, whatever their
   * number of cells. */
  g_assert_true (wm_import_therapists (f->store, blank_rows, strlen (blank_rows), &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);

  /* A header and no rows: nothing to do, and that is fine. */
  g_assert_true (wm_import_therapists (f->store, THERAPIST_HEADER "\n",
                                       strlen (THERAPIST_HEADER "\n"), &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 0);
}

/* An import adds; a therapist already in the database is a problem on that line. */
static void
test_import_existing (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = generate_therapists (50);
  g_autofree char *second = NULL;
  gint64 rows_before;
  const char *expected[] = {
    "line 3: external_id: “T-0042” is already in the database",
    NULL
  };

  g_assert_true (wm_import_therapists (f->store, first, strlen (first), NULL, &error));
  g_assert_no_error (error);
  rows_before = audit_rows (f->store);

  second = g_strconcat (THERAPIST_HEADER "\n",
                        "T-9000,,New,Person,,,,,York,,,,yes,no,English,,5,yes,,,no,,,,,,yes,\n",
                        "T-0042,,Old,Person,,,,,York,,,,yes,no,English,,5,yes,,,no,,,,,,yes,\n",
                        NULL);
  g_assert_false (wm_import_therapists (f->store, second, strlen (second), NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_INVALID);
  assert_problems (error->message, "1 row has problems; nothing was imported", expected);
  g_assert_cmpint (wm_store_count_therapists (f->store), ==, 50);
  g_assert_cmpint (audit_rows (f->store), ==, rows_before);
}

/* Gazetteer rules: exact names only; names shared by distant places need coordinates. */
static void
test_import_towns (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = g_strconcat (THERAPIST_HEADER "\n",
                                      "T-1,,A,B,,,,,Newport,,,,yes,no,,,5,yes,,,no,,,,,,yes,\n",
                                      "T-2,,A,B,,,,,Newcastle,,,,yes,no,,,5,yes,,,no,,,,,,yes,\n",
                                      "T-3,,A,B,,,,,Newport,,51.58,-2.99,yes,no,,,5,yes,"
                                      ",,no,,,,,,yes,\n",
                                      "T-4,,A,B,,,,,,,,,yes,no,,,5,yes,,,no,,,,,,yes,\n",
                                      "T-5,,A,B,,,,,York,,54.0,,yes,no,,,5,yes,,,no,,,,,,yes,\n",
                                      NULL);
  const char *expected[] = {
    "line 2: town: “Newport” names more than one UK place",
    "line 3: town: “Newcastle” is not a UK town in the gazetteer (did you mean Newcastle "
    "upon Tyne",
    "line 5: latitude: is required for a therapist who sees clients in person",
    "line 6: longitude: is required when latitude is given",
    NULL
  };

  g_assert_false (wm_import_therapists (f->store, csv, strlen (csv), NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_INVALID);
  assert_problems (error->message, "4 rows have problems; nothing was imported", expected);
  g_clear_error (&error);

  /* The nation tells the two Bangors apart. */
  {
    g_autofree char *bangor = g_strconcat (THERAPIST_HEADER "\n",
                                           "T-6,,A,B,,,,,\"Bangor, Wales\",,,,yes,no,,,5,yes,"
                                           ",,no,,,,,,yes,\n",
                                           NULL);
    g_autoptr(WmTherapist) t = NULL;

    g_assert_true (wm_import_therapists (f->store, bangor, strlen (bangor), NULL, &error));
    g_assert_no_error (error);
    t = wm_store_find_therapist (f->store, "T-6", &error);
    g_assert_cmpfloat_with_epsilon (t->latitude, 53.23, 0.02);
    g_assert_cmpfloat_with_epsilon (t->longitude, -4.13, 0.02);
  }
}

/* Export */

static void
assert_same_therapist (WmTherapist *a,
                       WmTherapist *b)
{
  g_assert_cmpstr (a->external_id, ==, b->external_id);
  g_assert_cmpstr (a->title, ==, b->title);
  g_assert_cmpstr (a->given_name, ==, b->given_name);
  g_assert_cmpstr (a->family_name, ==, b->family_name);
  g_assert_cmpstr (a->gender, ==, b->gender);
  g_assert_cmpstr (a->email, ==, b->email);
  g_assert_cmpstr (a->phone, ==, b->phone);
  g_assert_cmpstr (a->address, ==, b->address);
  g_assert_cmpstr (a->town, ==, b->town);
  g_assert_cmpstr (a->postcode, ==, b->postcode);
  g_assert_cmpint (isnan (a->latitude), ==, isnan (b->latitude));
  if (!isnan (a->latitude))
    {
      g_assert_cmpfloat_with_epsilon (a->latitude, b->latitude, 1e-9);
      g_assert_cmpfloat_with_epsilon (a->longitude, b->longitude, 1e-9);
    }
  g_assert_cmpint (a->in_person, ==, b->in_person);
  g_assert_cmpint (a->online, ==, b->online);
  g_assert_cmpstrv (a->languages, b->languages);
  g_assert_cmpstrv (a->specialisms, b->specialisms);
  g_assert_cmpint (a->max_caseload, ==, b->max_caseload);
  g_assert_cmpint (a->accepting, ==, b->accepting);
  g_assert_cmpint (a->fee_min, ==, b->fee_min);
  g_assert_cmpint (a->fee_max, ==, b->fee_max);
  g_assert_cmpint (a->low_cost, ==, b->low_cost);
  g_assert_cmpstr (a->registration_body, ==, b->registration_body);
  g_assert_cmpstr (a->registration_number, ==, b->registration_number);
  g_assert_cmpstr (a->registration_expires, ==, b->registration_expires);
  g_assert_cmpstr (a->insurance_expires, ==, b->insurance_expires);
  g_assert_cmpstr (a->dbs_checked, ==, b->dbs_checked);
  g_assert_cmpint (a->training_completed, ==, b->training_completed);
  g_assert_cmpint (a->supervision_confirmed, ==, b->supervision_confirmed);
  g_assert_cmpstr (a->notes, ==, b->notes);
  g_assert_cmpint (a->active, ==, b->active);
}

static void
test_export_round_trip (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = generate_therapists (300);
  g_autofree char *exported = NULL;
  g_autofree char *again = NULL;
  g_autoptr(WmStore) other = NULL;
  g_autoptr(GListModel) a = NULL;
  g_autoptr(GListModel) b = NULL;
  g_autoptr(WmTherapist) changed = NULL;
  gsize length = 0, length_again = 0;
  gint64 rows_before;
  guint n = 0;

  g_assert_true (wm_import_therapists (f->store, csv, strlen (csv), NULL, &error));
  g_assert_no_error (error);

  /* Fields the CSV columns of DESIGN.md do not carry survive too. */
  changed = wm_store_find_therapist (f->store, "T-0007", &error);
  g_object_set (changed, "active", FALSE, "supervision-confirmed", TRUE,
                "notes", "=HYPERLINK(\"http://example.org\")", "address", "-1 Minus Street",
                "title", "@home", NULL);
  g_assert_true (wm_store_save_therapist (f->store, changed, &error));
  g_assert_no_error (error);

  rows_before = audit_rows (f->store);
  exported = wm_export_therapists (f->store, &length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (exported);
  g_assert_cmpuint (length, ==, strlen (exported));
  /* The export is itself recorded. */
  g_assert_cmpint (audit_rows (f->store), ==, rows_before + 1);

  /* A byte order mark for spreadsheets, then the documented columns first. */
  g_assert_true (g_str_has_prefix (exported, WM_CSV_UTF8_BOM THERAPIST_HEADER
                                   ",supervision_confirmed,active\r\n"));
  /* Formulas are neutralised; negative numbers are not. */
  g_assert_nonnull (strstr (exported, ",\"'=HYPERLINK(\"\"http://example.org\"\")\","));
  g_assert_nonnull (strstr (exported, ",'-1 Minus Street,"));
  g_assert_nonnull (strstr (exported, ",'@home,"));
  g_assert_null (strstr (exported, ",=HYPERLINK"));
  g_assert_nonnull (strstr (exported, ",-1.9,"));

  other = open_store (f->dir, "other.waymark", f->key);
  g_assert_true (wm_import_therapists (other, exported, length, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 300);

  a = wm_store_list_therapists (f->store, &error);
  b = wm_store_list_therapists (other, &error);
  g_assert_cmpuint (g_list_model_get_n_items (a), ==, g_list_model_get_n_items (b));
  for (guint i = 0; i < g_list_model_get_n_items (a); i++)
    {
      g_autoptr(WmTherapist) x = g_list_model_get_item (a, i);
      g_autoptr(WmTherapist) y = g_list_model_get_item (b, i);

      assert_same_therapist (x, y);
    }
  {
    g_autoptr(WmTherapist) t = wm_store_find_therapist (other, "T-0007", &error);

    g_assert_cmpstr (t->notes, ==, "=HYPERLINK(\"http://example.org\")");
    g_assert_false (t->active);
  }

  /* And the second export is the same file as the first. */
  again = wm_export_therapists (other, &length_again, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, exported);
}

/* Cases */

static void
test_import_cases (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *csv = read_fixture ("cases-good.csv", &length);
  g_autoptr(WmCase) kim = NULL;
  g_autoptr(WmCase) lee = NULL;
  g_autoptr(WmCase) pat = NULL;
  WmCaseQuery query = { 0 };
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GListModel) events = NULL;
  guint n = 0;

  g_assert_true (wm_import_cases (f->store, csv, length, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (wm_store_count_cases (f->store), ==, 3);

  kim = wm_store_find_case (f->store, "WM-2024-0042", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kim->status, ==, "triage");
  g_assert_cmpstr (kim->category, ==, "at-risk");
  g_assert_cmpstr (kim->opened_at, ==, "2024-05-02T00:00:00Z");
  g_assert_cmpstr (kim->notes, ==, "Called twice, prefers evenings");
  g_assert_cmpint (kim->max_distance_km, ==, 30);
  g_assert_cmpstr (kim->needs[0], ==, "pre-offence");
  g_assert_cmpstr (kim->desired[0], ==, "trauma");
  g_assert_cmpstr (kim->client->given_name, ==, "Kim");
  g_assert_cmpstr (kim->client->phone, ==, "07700 900101");
  g_assert_cmpstr (kim->client->postcode, ==, "HG1 2AB");
  g_assert_cmpstr (kim->client->location_precision, ==, "postcode");
  g_assert_cmpfloat_with_epsilon (kim->client->latitude, 53.99, 0.01);
  /* Contact preferences are not in the file: the discreet default. */
  g_assert_false (kim->client->contact_voicemail_ok);
  g_assert_false (kim->client->contact_letter_ok);
  events = wm_store_list_case_events (f->store, wm_record_get_id (WM_RECORD (kim)), &error);
  g_assert_cmpuint (g_list_model_get_n_items (events), ==, 1);

  /* The other two got references from the store, after the imported one. */
  ids = wm_store_query_case_ids (f->store, &query, &error);
  g_assert_cmpuint (ids->len, ==, 3);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(WmCase) c = wm_store_get_case (f->store, g_array_index (ids, gint64, i), &error);

      if (g_str_equal (c->client->given_name, "Lee"))
        lee = g_steal_pointer (&c);
      else if (g_str_equal (c->client->given_name, "Pat"))
        pat = g_steal_pointer (&c);
    }
  g_assert_nonnull (lee);
  g_assert_nonnull (lee->reference);
  g_assert_cmpstr (lee->status, ==, "enquiry");
  g_assert_cmpstr (lee->cjs_status, ==, "under-investigation");
  g_assert_cmpstr (lee->funding, ==, "hardship");
  g_assert_true (lee->risk_self_harm);
  g_assert_true (lee->gender_required);
  g_assert_cmpstr (lee->preferred_gender, ==, "male");
  g_assert_false (lee->online_ok);
  g_assert_cmpstr (lee->client->postcode, ==, "LS6");
  g_assert_cmpstr (lee->client->location_precision, ==, "district");
  g_assert_cmpstr (lee->client->email, ==, "lee@example.org");

  g_assert_nonnull (pat);
  g_assert_cmpstr (pat->status, ==, "enquiry");
  g_assert_cmpstr (pat->cjs_status, ==, "unknown");
  g_assert_cmpstr (pat->funding, ==, "self");
  g_assert_true (pat->online_ok);
  g_assert_cmpstr (pat->client->location_precision, ==, "town");
  g_assert_cmpfloat_with_epsilon (pat->client->latitude, 51.45, 1e-9);
}

static void
test_import_cases_bad (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *csv = read_fixture ("cases-bad.csv", &length);
  g_autofree char *existing = g_strconcat (CASE_HEADER "\n",
                                           "WM-2023-0100,Xan,,,,,York,,,,other,,,,,,,,,,,,,,\n",
                                           NULL);
  g_autofree char *again = NULL;
  gint64 rows_before;
  const char *expected[] = {
    "line 3: reference: “WM-24-1” is not a case reference",
    "line 5: reference: “WM-2023-0100” is also on line 4",
    "line 6: category: “nonsense” is not one of",
    "line 7: preferred_gender: is required when the gender is required",
    "line 8: opened_on: 2199-01-01 is in the future",
    "line 9: town: “Atlantis” is not a UK town in the gazetteer",
    "line 10: needs: “nonsense” is not one of",
    "line 10: status: “finished” is not one of",
    NULL
  };
  const char *existing_expected[] = {
    "line 4: reference: “WM-2023-0100” is already in the database",
    NULL
  };

  rows_before = audit_rows (f->store);
  g_assert_false (wm_import_cases (f->store, csv, length, NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_INVALID);
  assert_problems (error->message, "7 rows have problems; nothing was imported", expected);
  g_clear_error (&error);
  g_assert_cmpint (wm_store_count_cases (f->store), ==, 0);
  g_assert_cmpint (audit_rows (f->store), ==, rows_before);

  /* A reference already used in the database. */
  g_assert_true (wm_import_cases (f->store, existing, strlen (existing), NULL, &error));
  g_assert_no_error (error);
  rows_before = audit_rows (f->store);
  again = g_strconcat (CASE_HEADER "\n",
                       ",Yan,,,,,York,,,,other,,,,,,,,,,,,,,\n",
                       "WM-2023-0101,Zed,,,,,York,,,,other,,,,,,,,,,,,,,\n",
                       "WM-2023-0100,Abe,,,,,York,,,,other,,,,,,,,,,,,,,\n",
                       NULL);
  g_assert_false (wm_import_cases (f->store, again, strlen (again), NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_INVALID);
  assert_problems (error->message, "1 row has problems; nothing was imported",
                   existing_expected);
  g_assert_cmpint (wm_store_count_cases (f->store), ==, 1);
  /* Looking for the reference did not record a view of the case. */
  g_assert_cmpint (audit_rows (f->store), ==, rows_before);
}

static void
test_import_cases_header (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_new (CASE_HEADER "\n,Ann,,,,,York,,,,other,,,,,,,,,,,,,,\n");
  const char *expected[] = {
    "line 1: risk_self_harm: the column is missing",
    NULL
  };

  g_string_replace (csv, "risk_self_harm,", "", 1);
  g_string_replace (csv, ",,,,,,,,,,,,,,\n", ",,,,,,,,,,,,,\n", 1);
  g_assert_false (wm_import_cases (f->store, csv->str, csv->len, NULL, &error));
  g_assert_error (error, WM_IMPORT_ERROR, WM_IMPORT_ERROR_HEADER);
  assert_problems (error->message, "The header row has problems; nothing was imported", expected);
}

/* A case without a reference before one that brings this year's first number: the store
 * must not give the first one that number. */
static void
test_import_cases_numbering (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *taken = g_strdup_printf ("WM-%d-0001", g_date_time_get_year (now));
  g_autofree char *csv = g_strconcat (CASE_HEADER "\n",
                                      ",Ann,,,,,York,,,,other,,,,,,,,,,,,,,\n",
                                      taken, ",Ben,,,,,York,,,,other,,,,,,,,,,,,,,\n",
                                      ",Cat,,,,,York,,,,other,,,,,,,,,,,,,,\n",
                                      NULL);
  g_autoptr(WmCase) ben = NULL;
  guint n = 0;

  g_assert_true (wm_import_cases (f->store, csv, strlen (csv), &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  ben = wm_store_find_case (f->store, taken, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ben->client->given_name, ==, "Ben");
}

/* A thousand cases in one transaction, with towns looked up once each. */
static void
test_import_many_cases (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_new (CASE_HEADER "\n");
  const char *statuses[] = { "enquiry", "triage", "matching", "on-hold", "closed" };
  gint64 start;
  guint n = 0;

  /* Every other case comes with its reference. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *reference = i % 2 ? g_strdup_printf ("WM-2022-%04u", i) : g_strdup ("");

      g_string_append_printf (csv, "%s,Client%u,Test,,,,%s,,,,at-risk,none,pre-offence,,,,,,,"
                              ",,,%s,2024-01-%02u,\n",
                              reference, i, towns[i % G_N_ELEMENTS (towns)], statuses[i % 5],
                              1 + i % 28);
    }
  start = g_get_monotonic_time ();
  g_assert_true (wm_import_cases (f->store, csv->str, csv->len, &n, &error));
  g_assert_no_error (error);
  g_test_message ("1000 cases imported in %.2f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (n, ==, 1000);
  g_assert_cmpint (wm_store_count_cases (f->store), ==, 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/import/therapists/many", test_import_many);
  ADD ("/import/therapists/fixture", test_import_fixture);
  ADD ("/import/therapists/bad-rows", test_import_bad_rows);
  ADD ("/import/therapists/header", test_import_header);
  ADD ("/import/therapists/malformed", test_import_malformed);
  ADD ("/import/therapists/existing", test_import_existing);
  ADD ("/import/therapists/towns", test_import_towns);
  ADD ("/import/therapists/export-round-trip", test_export_round_trip);
  ADD ("/import/cases/good", test_import_cases);
  ADD ("/import/cases/bad", test_import_cases_bad);
  ADD ("/import/cases/header", test_import_cases_header);
  ADD ("/import/cases/numbering", test_import_cases_numbering);
  ADD ("/import/cases/many", test_import_many_cases);
#undef ADD

  return g_test_run ();
}
