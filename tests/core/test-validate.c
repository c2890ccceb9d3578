/* test-validate.c: the shared field checks accept what they should, normalise it the way the
 * store expects, and refuse the rest with a message that names the field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "wm-validate.h"

/* Every failure: the right domain and code, a message "<field>: <problem>" on one line. */
static void
assert_problem (const GError *error,
                int           code,
                const char   *field)
{
  g_autofree char *prefix = g_strconcat (field, ": ", NULL);

  g_assert_nonnull (error);
  g_assert_true (error->domain == WM_VALIDATION_ERROR);
  if (error->code != code)
    g_error ("expected code %d, got %d: %s", code, error->code, error->message);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("message does not start with “%s”: %s", prefix, error->message);
  g_assert_cmpuint (strlen (error->message), >, strlen (prefix));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_required (void)
{
  static const char * const blank[] = { NULL, "", " ", "\t \n", "\u00a0" };

  for (guint i = 0; i < G_N_ELEMENTS (blank); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (wm_value_is_blank (blank[i]));
      g_assert_false (wm_validate_required ("given_name", blank[i], &error));
      assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "given_name");
      g_assert_cmpstr (error->message, ==, "given_name: is required");
    }
  g_assert_false (wm_value_is_blank ("x"));
  g_assert_false (wm_value_is_blank (" 0 "));
  g_assert_true (wm_validate_required ("given_name", " Anna ", NULL));
}

static void
test_text (void)
{
  static const struct
  {
    const char *value;
    gsize max;
    gboolean multiline;
    gboolean required;
    int code; /* -1: valid */
  } cases[] = {
    { "Anna", 10, FALSE, TRUE, -1 },
    { "Zoë Ó Briain", 0, FALSE, TRUE, -1 },
    { "ééé", 3, FALSE, FALSE, -1 },             /* characters, not bytes */
    { "éééé", 3, FALSE, FALSE, WM_VALIDATION_ERROR_RANGE },
    { "abcd", 3, TRUE, FALSE, WM_VALIDATION_ERROR_RANGE },
    { "first line\nsecond\tindented", 0, TRUE, FALSE, -1 },
    { "first line\nsecond", 0, FALSE, FALSE, WM_VALIDATION_ERROR_INVALID },
    { "tab\there", 0, FALSE, FALSE, WM_VALIDATION_ERROR_INVALID },
    { "bell\a", 0, TRUE, FALSE, WM_VALIDATION_ERROR_INVALID },
    { "cr\r\nlf", 0, TRUE, FALSE, WM_VALIDATION_ERROR_INVALID },
    { "del\x7f", 0, FALSE, FALSE, WM_VALIDATION_ERROR_INVALID },
    { "c1\xc2\x85", 0, TRUE, FALSE, WM_VALIDATION_ERROR_INVALID },
    { "bad \xff utf8", 0, TRUE, FALSE, WM_VALIDATION_ERROR_INVALID },
    { "", 10, FALSE, FALSE, -1 },
    { NULL, 10, FALSE, FALSE, -1 },
    { "  ", 10, FALSE, TRUE, WM_VALIDATION_ERROR_REQUIRED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = wm_validate_text ("notes", cases[i].value, cases[i].max, cases[i].multiline,
                                      cases[i].required, &error);

      g_test_message ("case %u", i);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          assert_problem (error, cases[i].code, "notes");
        }
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (wm_validate_text ("family_name", "abcdef", 5, FALSE, TRUE, &error));
    g_assert_cmpstr (error->message, ==, "family_name: must be at most 5 characters long");
  }
}

static void
test_email (void)
{
  static const char * const valid[] = {
    "a@example.org",
    "first.last+tag@sub.example.co.uk",
    "o'brien@example.ie",
    "user_1-x@example-domain.com",
    "info@bücher.de",
    "ADMIN@EXAMPLE.ORG",
  };
  static const char * const invalid[] = {
    "plainaddress",
    "@example.org",
    "a@",
    "a@localhost",
    "a@example.",
    "a@.example.org",
    "a@example..org",
    "a@example,org",
    "a@example.c",
    "a@@example.org",
    "a@b@example.org",
    "Anna <a@example.org>",
    "a;b@example.org",
    "a@exam_ple.org",
    "a@[192.0.2.1]",
    "a@example.org\n",
  };
  g_autofree char *long_local = g_strnfill (65, 'a');
  g_autofree char *too_long_local = g_strconcat (long_local, "@example.org", NULL);
  g_autofree char *long_domain = g_strnfill (250, 'a');
  g_autofree char *too_long = g_strconcat ("a@", long_domain, ".org", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("valid: %s", valid[i]);
      g_assert_true (wm_validate_email ("email", valid[i], TRUE, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (wm_validate_email ("email", invalid[i], FALSE, &error));
      assert_problem (error, WM_VALIDATION_ERROR_INVALID, "email");
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (wm_validate_email ("email", "anna@example", FALSE, &error));
    g_assert_cmpstr (error->message, ==, "email: not a valid e-mail address");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (wm_validate_email ("email", "anna smith@example.org", FALSE, &error));
    assert_problem (error, WM_VALIDATION_ERROR_INVALID, "email");
    g_assert_nonnull (strstr (error->message, "spaces"));
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (wm_validate_email ("email", " a@example.org", FALSE, &error));
    assert_problem (error, WM_VALIDATION_ERROR_INVALID, "email");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (wm_validate_email ("email", too_long_local, FALSE, &error));
    assert_problem (error, WM_VALIDATION_ERROR_INVALID, "email");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (wm_validate_email ("email", too_long, FALSE, &error));
    assert_problem (error, WM_VALIDATION_ERROR_RANGE, "email");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (wm_validate_email ("email", NULL, FALSE, NULL));
    g_assert_true (wm_validate_email ("email", "", FALSE, NULL));
    g_assert_false (wm_validate_email ("email", "", TRUE, &error));
    assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "email");
  }
}

static void
test_phone (void)
{
  static const struct { const char *in, *out; } valid[] = {
    { "01632 960123", "01632 960123" },
    { "01632960123", "01632 960123" },
    { " 01632-960-123 ", "01632 960123" },
    { "+44 1632 960123", "01632 960123" },
    { "0044 1632 960123", "01632 960123" },
    { "+44 (0)1632 960123", "01632 960123" },
    { "020 7946 0123", "020 7946 0123" },
    { "(020) 7946-0123", "020 7946 0123" },
    { "+44 (0)20 7946 0123", "020 7946 0123" },
    { "02079460123", "020 7946 0123" },
    { "029 2018 0123", "029 2018 0123" },
    { "0121 496 0123", "0121 496 0123" },
    { "01134960123", "0113 496 0123" },
    { "0191 498 0123", "0191 498 0123" },
    { "07700 900123", "07700 900123" },
    { "07700.900.123", "07700 900123" },
    { "+447700900123", "07700 900123" },
    { "00447700900123", "07700 900123" },
    { "447700900123", "07700 900123" },  /* a spreadsheet ate the + */
    { "7700900123", "07700 900123" },    /* a spreadsheet ate the 0 */
    { "0300 123 4567", "0300 123 4567" },
    { "03001234567", "0300 123 4567" },
    { "0808 157 0000", "0808 157 0000" },
    { "0800 555 111", "0800 555 111" },  /* nine-digit freephone */
    { "01204 12345", "01204 12345" },    /* nine-digit 01 area */
    { "05601 234567", "0560 123 4567" },
    { "07700\u00a0900123", "07700 900123" },
    { "  +44 7700 900123", "07700 900123" },  /* white space before the + */
  };
  static const char * const invalid[] = {
    "12345",
    "phone",
    "+",
    "0",
    "07700 90012",       /* nine digits are never a mobile */
    "07700 9001234",
    "020 7946 012",
    "+33 1 23 45 67 89",
    "0033 123456789",
    "00 7700 900123",
    "04123 456789",
    "06123 456789",
    "09876 543210",
    "07700 900123 ext 4",
    "07700+900123",
    "++447700900123",
    "0207946O123",       /* letter O for zero */
    "44 7700 90012",
    "0770090012307700900123077009001230770090012307700900123",  /* far too many digits */
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;

      g_test_message ("valid: %s", valid[i].in);
      g_assert_true (wm_validate_uk_phone ("phone", valid[i].in, TRUE, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, valid[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      char *out = (char *) "untouched";

      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (wm_validate_uk_phone ("phone", invalid[i], FALSE, &out, &error));
      assert_problem (error, WM_VALIDATION_ERROR_INVALID, "phone");
      g_assert_cmpstr (out, ==, "untouched");
    }

  {
    g_autoptr(GError) error = NULL;
    char *out = (char *) "untouched";

    g_assert_false (wm_validate_uk_phone ("phone", "12345", FALSE, NULL, &error));
    g_assert_cmpstr (error->message, ==, "phone: “12345” is not a UK phone number");
    g_clear_error (&error);

    g_assert_true (wm_validate_uk_phone ("phone", "  ", FALSE, &out, NULL));
    g_assert_null (out);
    g_assert_false (wm_validate_uk_phone ("phone", NULL, TRUE, NULL, &error));
    assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "phone");
  }
}

static void
test_postcode (void)
{
  static const struct { const char *in, *out, *outward; } valid[] = {
    { "sw1a1aa", "SW1A 1AA", "SW1A" },
    { "SW1A 1AA", "SW1A 1AA", "SW1A" },
    { "SW1A   1AA", "SW1A 1AA", "SW1A" },
    { " hg1 2ab ", "HG1 2AB", "HG1" },
    { "M1 1AE", "M1 1AE", "M1" },
    { "m11ae", "M1 1AE", "M1" },
    { "B33 8TH", "B33 8TH", "B33" },
    { "CR2 6XH", "CR2 6XH", "CR2" },
    { "DN55 1PT", "DN55 1PT", "DN55" },
    { "EC1A 1BB", "EC1A 1BB", "EC1A" },
    { "W1A 0AX", "W1A 0AX", "W1A" },
    { "ze1 0aa", "ZE1 0AA", "ZE1" },
    { "GY1 1AA", "GY1 1AA", "GY1" },
    { "BT1 5GS", "BT1 5GS", "BT1" },
    { "sw1a\u00a01aa", "SW1A 1AA", "SW1A" },
  };
  static const char * const invalid[] = {
    "SW1A 1A",
    "12345",
    "Q1 1AA",       /* Q, V, X never first */
    "V1 1AA",
    "X1 1AA",
    "BI1 1AA",      /* I, J, Z never second */
    "BJ1 1AA",
    "BZ1 1AA",
    "W1I 1AA",      /* A9A: I not allowed third */
    "EC1C 1BB",     /* AA9A: C not allowed fourth */
    "SW1A 1CA",     /* inward letters never C, I, K, M, O, V */
    "SW1A 1AI",
    "SW1A 1KA",
    "M1 1AM",
    "SW1A 1OA",
    "SW1A 1AV",
    "SW1A 1VA",
    "SW1A 1IA",
    "M1 1MA",
    "SW1A AAA",
    "AA1 1AA",      /* well formed, but no such area */
    "ZZ99 9ZZZ",
    "SW1A1AAA",
    "SW1A-1AA",
    "SW1A 1AA X",
    "SW123 1AA",
    "1SW 1AA",
    "S",
    "SWÅ 1AA",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      g_autofree char *outward = NULL;
      g_autofree char *district = NULL;

      g_test_message ("valid: %s", valid[i].in);
      g_assert_true (wm_postcode_normalise ("postcode", valid[i].in, TRUE, &out, &outward,
                                            &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, valid[i].out);
      g_assert_cmpstr (outward, ==, valid[i].outward);

      /* A full postcode given where a district is wanted is cut down to the district. */
      g_assert_true (wm_postcode_normalise_outward ("postcode", valid[i].in, TRUE, &district,
                                                    &error));
      g_assert_no_error (error);
      g_assert_cmpstr (district, ==, valid[i].outward);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      char *out = (char *) "untouched";

      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (wm_postcode_normalise ("postcode", invalid[i], FALSE, &out, NULL, &error));
      assert_problem (error, WM_VALIDATION_ERROR_INVALID, "postcode");
      g_assert_cmpstr (out, ==, "untouched");
    }

  {
    g_autoptr(GError) error = NULL;
    char *out = (char *) "x", *outward = (char *) "x";

    g_assert_false (wm_postcode_normalise ("postcode", "ZZ99 9ZZZ", FALSE, NULL, NULL, &error));
    g_assert_cmpstr (error->message, ==, "postcode: “ZZ99 9ZZZ” is not a UK postcode");
    g_clear_error (&error);

    g_assert_true (wm_postcode_normalise ("postcode", "", FALSE, &out, &outward, NULL));
    g_assert_null (out);
    g_assert_null (outward);
    g_assert_false (wm_postcode_normalise ("postcode", " ", TRUE, NULL, NULL, &error));
    assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "postcode");
  }
}

static void
test_postcode_outward (void)
{
  static const struct { const char *in, *out; } valid[] = {
    { "hg1", "HG1" },
    { " HG1 ", "HG1" },
    { "SW1A", "SW1A" },
    { "w1a", "W1A" },
    { "M1", "M1" },
    { "DN55", "DN55" },
    { "ZE1", "ZE1" },
    { "B33 8TH", "B33" },
  };
  static const char * const invalid[] = {
    "Q1", "HG", "1HG", "HGX1", "ZZ1", "W1I", "AA1", "HG123", "H", "B33 8T",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;

      g_test_message ("valid: %s", valid[i].in);
      g_assert_true (wm_postcode_normalise_outward ("postcode", valid[i].in, TRUE, &out,
                                                    &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, valid[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (wm_postcode_normalise_outward ("postcode", invalid[i], FALSE, NULL,
                                                     &error));
      assert_problem (error, WM_VALIDATION_ERROR_INVALID, "postcode");
    }
  {
    char *out = (char *) "x";

    g_assert_true (wm_postcode_normalise_outward ("postcode", NULL, FALSE, &out, NULL));
    g_assert_null (out);
  }
}

static void
test_coordinates (void)
{
  static const double good_lat[] = { 0, 51.5074, -90, 90, 60.15 };
  static const double bad_lat[] = { 90.0001, -90.5, 180, INFINITY, -INFINITY };
  static const double good_lon[] = { 0, -0.1278, -180, 180, 1.75 };
  static const double bad_lon[] = { 180.0001, -181, 360, INFINITY };

  for (guint i = 0; i < G_N_ELEMENTS (good_lat); i++)
    g_assert_true (wm_validate_latitude ("latitude", good_lat[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_lat); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (wm_validate_latitude ("latitude", bad_lat[i], &error));
      assert_problem (error, WM_VALIDATION_ERROR_RANGE, "latitude");
      g_assert_cmpstr (error->message, ==, "latitude: must be between -90 and 90");
    }
  for (guint i = 0; i < G_N_ELEMENTS (good_lon); i++)
    g_assert_true (wm_validate_longitude ("longitude", good_lon[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_lon); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (wm_validate_longitude ("longitude", bad_lon[i], &error));
      assert_problem (error, WM_VALIDATION_ERROR_RANGE, "longitude");
      g_assert_cmpstr (error->message, ==, "longitude: must be between -180 and 180");
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (wm_validate_latitude ("latitude", NAN, &error));
    assert_problem (error, WM_VALIDATION_ERROR_INVALID, "latitude");
  }
}

static void
test_parse_double (void)
{
  static const struct { const char *in; double out; } valid[] = {
    { "51.5", 51.5 },
    { "-0.1276", -0.1276 },
    { " 2 ", 2 },
    { "+3.25", 3.25 },
    { "1e3", 1000 },
    { ".5", 0.5 },
  };
  static const char * const invalid[] = {
    "51,5", "abc", "nan", "NaN", "inf", "-infinity", "0x10", "1.2.3", "1e", "-", "5 km", ".",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      double d = 0;

      g_assert_true (wm_parse_double ("latitude", valid[i].in, TRUE, &d, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (d, ==, valid[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      double d = 42;

      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (wm_parse_double ("latitude", invalid[i], FALSE, &d, &error));
      assert_problem (error, WM_VALIDATION_ERROR_INVALID, "latitude");
      g_assert_cmpfloat (d, ==, 42);
    }
  {
    g_autoptr(GError) error = NULL;
    double d = 0;

    g_assert_false (wm_parse_double ("fee_min", "1e999", FALSE, &d, &error));
    assert_problem (error, WM_VALIDATION_ERROR_RANGE, "fee_min");
    g_clear_error (&error);

    g_assert_true (wm_parse_double ("latitude", "", FALSE, &d, NULL));
    g_assert_true (isnan (d));
    g_assert_false (wm_parse_double ("latitude", NULL, TRUE, &d, &error));
    assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "latitude");
  }
}

static void
test_parse_int (void)
{
  static const struct { const char *in; gint64 min, max, out; } valid[] = {
    { "5", 0, 100, 5 },
    { " 42 ", 0, 100, 42 },
    { "007", 0, 100, 7 },
    { "+3", 0, 100, 3 },
    { "-3", -10, 10, -3 },
    { "0", 0, 0, 0 },
    { "9223372036854775807", 0, G_MAXINT64, G_MAXINT64 },
  };
  static const char * const invalid[] = { "4.0", "4a", "+", "- 3", "1e3", "five", "0x10", "1 000" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 v = -1;

      g_assert_true (wm_parse_int ("max_caseload", valid[i].in, valid[i].min, valid[i].max, TRUE,
                                   &v, &error));
      g_assert_no_error (error);
      g_assert_cmpint (v, ==, valid[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (wm_parse_int ("max_caseload", invalid[i], 0, 100, FALSE, NULL, &error));
      assert_problem (error, WM_VALIDATION_ERROR_INVALID, "max_caseload");
    }
  {
    g_autoptr(GError) error = NULL;
    gint64 v = 99;

    g_assert_false (wm_parse_int ("max_caseload", "11", 0, 10, FALSE, &v, &error));
    g_assert_cmpstr (error->message, ==, "max_caseload: must be between 0 and 10");
    g_assert_cmpint (v, ==, 99);
    g_clear_error (&error);

    g_assert_false (wm_parse_int ("max_caseload", "-1", 0, 10, FALSE, &v, &error));
    assert_problem (error, WM_VALIDATION_ERROR_RANGE, "max_caseload");
    g_clear_error (&error);

    g_assert_false (wm_parse_int ("max_caseload", "99999999999999999999", 0, G_MAXINT64, FALSE,
                                  &v, &error));
    assert_problem (error, WM_VALIDATION_ERROR_RANGE, "max_caseload");
    g_clear_error (&error);

    g_assert_true (wm_parse_int ("max_caseload", " ", 1, 10, FALSE, &v, NULL));
    g_assert_cmpint (v, ==, 0);
    g_assert_false (wm_parse_int ("max_caseload", "", 1, 10, TRUE, &v, &error));
    assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "max_caseload");
  }
}

static void
test_parse_bool (void)
{
  static const struct { const char *in; gboolean out; } valid[] = {
    { "yes", TRUE }, { "YES", TRUE }, { "Yes", TRUE }, { "true", TRUE }, { "TRUE", TRUE },
    { "1", TRUE }, { " yes ", TRUE },
    { "no", FALSE }, { "No", FALSE }, { "false", FALSE }, { "False", FALSE }, { "0", FALSE },
  };
  static const char * const invalid[] = { "maybe", "y", "n", "2", "yes please", "-1" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      gboolean b = !valid[i].out;

      g_assert_true (wm_parse_bool ("online", valid[i].in, TRUE, &b, NULL));
      g_assert_cmpint (b, ==, valid[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (wm_parse_bool ("online", invalid[i], FALSE, NULL, &error));
      assert_problem (error, WM_VALIDATION_ERROR_INVALID, "online");
      g_assert_true (g_str_has_prefix (error->message, "online: must be yes or no"));
    }
  {
    g_autoptr(GError) error = NULL;
    gboolean b = TRUE;

    g_assert_true (wm_parse_bool ("online", "", FALSE, &b, NULL));
    g_assert_false (b);
    g_assert_false (wm_parse_bool ("online", NULL, TRUE, &b, &error));
    assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "online");
  }
}

static void
test_parse_date (void)
{
  static const struct { const char *in, *out; } valid[] = {
    { "2024-02-29", "2024-02-29" },
    { " 2025-12-31 ", "2025-12-31" },
    { "1900-01-01", "1900-01-01" },
    { "2200-12-31", "2200-12-31" },
    { "2000-02-29", "2000-02-29" },
  };
  static const struct { const char *in; int code; } invalid[] = {
    { "2026-02-29", WM_VALIDATION_ERROR_INVALID },
    { "1900-02-29", WM_VALIDATION_ERROR_INVALID },
    { "2025-04-31", WM_VALIDATION_ERROR_INVALID },
    { "2025-13-01", WM_VALIDATION_ERROR_INVALID },
    { "2025-00-10", WM_VALIDATION_ERROR_INVALID },
    { "2025-01-00", WM_VALIDATION_ERROR_INVALID },
    { "2025-01-32", WM_VALIDATION_ERROR_INVALID },
    { "1899-12-31", WM_VALIDATION_ERROR_RANGE },
    { "2201-01-01", WM_VALIDATION_ERROR_RANGE },
    { "0000-01-01", WM_VALIDATION_ERROR_RANGE },
    { "25-01-01", WM_VALIDATION_ERROR_INVALID },
    { "2025-1-1", WM_VALIDATION_ERROR_INVALID },
    { "01/02/2025", WM_VALIDATION_ERROR_INVALID },
    { "2025/01/02", WM_VALIDATION_ERROR_INVALID },
    { "2025-01-01T10:00", WM_VALIDATION_ERROR_INVALID },
    { "20250101", WM_VALIDATION_ERROR_INVALID },
    { "+025-01-01", WM_VALIDATION_ERROR_INVALID },
    { "tomorrow", WM_VALIDATION_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;

      g_assert_true (wm_parse_date ("opened_on", valid[i].in, TRUE, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, valid[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("invalid: %s", invalid[i].in);
      g_assert_false (wm_parse_date ("opened_on", invalid[i].in, FALSE, NULL, &error));
      assert_problem (error, invalid[i].code, "opened_on");
    }
  {
    g_autoptr(GError) error = NULL;
    char *out = (char *) "x";

    g_assert_false (wm_parse_date ("opened_on", "2026-02-29", FALSE, NULL, &error));
    g_assert_cmpstr (error->message, ==, "opened_on: “2026-02-29” is not a real date");
    g_clear_error (&error);

    g_assert_true (wm_parse_date ("opened_on", "", FALSE, &out, NULL));
    g_assert_null (out);
    g_assert_false (wm_parse_date ("opened_on", NULL, TRUE, NULL, &error));
    assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "opened_on");
  }
}

static void
test_enum (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wm_validate_enum ("category", WM_VOCAB_CATEGORY, "at-risk", TRUE, NULL));
  g_assert_true (wm_validate_enum ("category", WM_VOCAB_CATEGORY, "other", TRUE, NULL));
  g_assert_true (wm_validate_enum ("cjs_status", WM_VOCAB_CJS_STATUS, "on-licence", TRUE, NULL));
  g_assert_true (wm_validate_enum ("funding", WM_VOCAB_FUNDING, "third-party", TRUE, NULL));
  g_assert_true (wm_validate_enum ("status", WM_VOCAB_CASE_STATUS, "in-therapy", TRUE, NULL));
  g_assert_true (wm_validate_enum ("category", WM_VOCAB_CATEGORY, "", FALSE, NULL));
  g_assert_true (wm_validate_enum ("category", WM_VOCAB_CATEGORY, NULL, FALSE, NULL));

  g_assert_false (wm_validate_enum ("category", WM_VOCAB_CATEGORY, "foo", TRUE, &error));
  assert_problem (error, WM_VALIDATION_ERROR_INVALID, "category");
  g_assert_cmpstr (error->message, ==,
                   "category: “foo” is not one of at-risk, offended-online, offended-contact, "
                   "offended-non-contact, family-member, survivor, professional-enquiry, other");
  g_clear_error (&error);

  /* Codes are exact: no case folding, no trimming, no labels. */
  g_assert_false (wm_validate_enum ("category", WM_VOCAB_CATEGORY, "At-Risk", TRUE, NULL));
  g_assert_false (wm_validate_enum ("category", WM_VOCAB_CATEGORY, " at-risk", TRUE, NULL));
  g_assert_false (wm_validate_enum ("funding", WM_VOCAB_FUNDING, "Self-funded", TRUE, NULL));
  g_assert_false (wm_validate_enum ("funding", WM_VOCAB_FUNDING, "at-risk", TRUE, NULL));

  g_assert_false (wm_validate_enum ("category", WM_VOCAB_CATEGORY, " ", TRUE, &error));
  assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "category");
}

static void
test_code_list (void)
{
  static const struct { const char *in, *out; } valid[] = {
    { "trauma", "trauma" },
    { "trauma;survivors", "trauma,survivors" },
    { " trauma ; survivors ;; trauma ; ", "trauma,survivors" },
    { "survivors;trauma;survivors", "survivors,trauma" },
    { "", "" },
    { " ; ;", "" },
    { NULL, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) codes = NULL;
      g_autofree char *joined = NULL;

      g_assert_true (wm_parse_code_list ("needs", WM_VOCAB_SPECIALISM, valid[i].in, &codes,
                                         &error));
      g_assert_no_error (error);
      g_assert_nonnull (codes);
      joined = g_strjoinv (",", codes);
      g_assert_cmpstr (joined, ==, valid[i].out);
    }

  {
    g_autoptr(GError) error = NULL;
    char **codes = (char **) "untouched";

    g_assert_false (wm_parse_code_list ("needs", WM_VOCAB_SPECIALISM, "trauma; bogus ;survivors",
                                        &codes, &error));
    assert_problem (error, WM_VALIDATION_ERROR_INVALID, "needs");
    g_assert_true (g_str_has_prefix (error->message, "needs: “bogus” is not one of "));
    g_assert_nonnull (strstr (error->message, "risk-assessment"));
    g_assert_true (codes == (char **) "untouched");
    g_clear_error (&error);

    /* Items are codes of the vocabulary asked for, not any vocabulary. */
    g_assert_false (wm_parse_code_list ("desired", WM_VOCAB_SPECIALISM, "trauma;at-risk", NULL,
                                        &error));
    g_assert_true (g_str_has_prefix (error->message, "desired: “at-risk”"));
  }
}

static void
test_birth_year (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 this_year = g_date_time_get_year (now);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  g_assert_true (wm_validate_birth_year ("birth_year", 1900, NULL));
  g_assert_true (wm_validate_birth_year ("birth_year", 1985, NULL));
  g_assert_true (wm_validate_birth_year ("birth_year", this_year, NULL));

  g_assert_false (wm_validate_birth_year ("birth_year", 1899, &error));
  assert_problem (error, WM_VALIDATION_ERROR_RANGE, "birth_year");
  expected = g_strdup_printf ("birth_year: must be between 1900 and %" G_GINT64_FORMAT,
                              this_year);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_assert_false (wm_validate_birth_year ("birth_year", this_year + 1, &error));
  assert_problem (error, WM_VALIDATION_ERROR_RANGE, "birth_year");
  g_clear_error (&error);

  g_assert_false (wm_validate_birth_year ("birth_year", 0, NULL));
}

static void
test_case_reference (void)
{
  static const char * const valid[] = {
    "WM-2025-0001", "WM-2025-12345", "WM-2031-123456789", "WM-1900-0000",
  };
  static const char * const invalid[] = {
    "WM-2025-001",
    "WM-2025-1234567890",
    "wm-2025-0001",
    "WM-25-0001",
    "WM-2025-0001 ",
    " WM-2025-0001",
    "WM-2025-00a1",
    "WM2025-0001",
    "WM-2025_0001",
    "WM-1899-0001",
    "WM-2201-0001",
    "XX-2025-0001",
    "WM-2025--001",
    "WM-2025-+001",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (wm_validate_case_reference ("reference", valid[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (wm_validate_case_reference ("reference", invalid[i], &error));
      assert_problem (error, WM_VALIDATION_ERROR_INVALID, "reference");
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (wm_validate_case_reference ("reference", "", &error));
    assert_problem (error, WM_VALIDATION_ERROR_REQUIRED, "reference");
  }
}

/* Echoed values stay short and on one line, whatever the input held. */
static void
test_messages_one_line (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_value = g_strnfill (500, '9');

  g_assert_false (wm_validate_uk_phone ("phone", "0770\n0900\r123x", FALSE, NULL, &error));
  assert_problem (error, WM_VALIDATION_ERROR_INVALID, "phone");
  g_assert_null (strchr (error->message, '\r'));
  g_clear_error (&error);

  g_assert_false (wm_postcode_normalise ("postcode", long_value, FALSE, NULL, NULL, &error));
  assert_problem (error, WM_VALIDATION_ERROR_INVALID, "postcode");
  g_assert_cmpuint (strlen (error->message), <, 120);
  g_assert_nonnull (strstr (error->message, "…"));
  g_clear_error (&error);

  g_assert_false (wm_parse_bool ("online", "\xff\xfe", FALSE, NULL, &error));
  assert_problem (error, WM_VALIDATION_ERROR_INVALID, "online");
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_report (void)
{
  g_autoptr(WmValidationReport) report = wm_validation_report_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpuint (wm_validation_report_n_problems (report), ==, 0);
  empty = wm_validation_report_format (report);
  g_assert_cmpstr (empty, ==, "");

  wm_validate_email ("email", "nope", FALSE, &error);
  wm_validation_report_add (report, 7, error);
  g_clear_error (&error);

  /* take() with no error adds nothing. */
  wm_validate_email ("email", "a@example.org", FALSE, &error);
  g_assert_false (wm_validation_report_take (report, 8, &error));

  wm_parse_bool ("online", "maybe", FALSE, NULL, &error);
  g_assert_true (wm_validation_report_take (report, 9, &error));
  g_assert_null (error);

  wm_validate_required ("given_name", "", &error);
  g_assert_true (wm_validation_report_take (report, 0, &error));

  g_assert_cmpuint (wm_validation_report_n_problems (report), ==, 3);
  text = wm_validation_report_format (report);
  g_assert_cmpstr (text, ==,
                   "line 7: email: not a valid e-mail address\n"
                   "line 9: online: must be yes or no, not “maybe”\n"
                   "given_name: is required");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/validate/required", test_required);
  g_test_add_func ("/validate/text", test_text);
  g_test_add_func ("/validate/email", test_email);
  g_test_add_func ("/validate/phone", test_phone);
  g_test_add_func ("/validate/postcode", test_postcode);
  g_test_add_func ("/validate/postcode-outward", test_postcode_outward);
  g_test_add_func ("/validate/coordinates", test_coordinates);
  g_test_add_func ("/validate/parse-double", test_parse_double);
  g_test_add_func ("/validate/parse-int", test_parse_int);
  g_test_add_func ("/validate/parse-bool", test_parse_bool);
  g_test_add_func ("/validate/parse-date", test_parse_date);
  g_test_add_func ("/validate/enum", test_enum);
  g_test_add_func ("/validate/code-list", test_code_list);
  g_test_add_func ("/validate/birth-year", test_birth_year);
  g_test_add_func ("/validate/case-reference", test_case_reference);
  g_test_add_func ("/validate/messages-one-line", test_messages_one_line);
  g_test_add_func ("/validate/report", test_report);

  return g_test_run ();
}
