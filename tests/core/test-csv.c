/* test-csv.c: the CSV reader follows RFC 4180, counts lines right through quoted newlines and
 * reports malformed files by line; the writer's output reads back unchanged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wm-csv.h"

/* Reads all of @data into "line|field|field" strings, one a record, joined by "\n". Fields are
 * shown with "|" between them so that empty fields are visible. */
static char *
read_all (const char  *data,
          gsize        length,
          GError     **error)
{
  g_autoptr(WmCsvReader) reader = wm_csv_reader_new (data, length);
  g_autoptr(GString) out = g_string_new (NULL);
  GPtrArray *fields = NULL;
  guint line = 0;

  while (wm_csv_reader_next (reader, &fields, &line, error))
    {
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "%u", line);
      for (guint i = 0; i < fields->len; i++)
        g_string_append_printf (out, "|%s", (char *) g_ptr_array_index (fields, i));
      g_ptr_array_unref (fields);
      fields = NULL;
    }
  if (error != NULL && *error != NULL)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_read_valid (void)
{
  static const struct { const char *name, *in, *out; } cases[] = {
    { "simple", "a,b,c\n1,2,3\n", "1|a|b|c\n2|1|2|3" },
    { "no final newline", "a,b\n1,2", "1|a|b\n2|1|2" },
    { "crlf", "a,b\r\n1,2\r\n", "1|a|b\n2|1|2" },
    { "lone cr", "a,b\r1,2\r", "1|a|b\n2|1|2" },
    { "empty fields", ",a,,\n", "1||a||" },
    { "quoted", "\"a,b\",\"say \"\"hi\"\"\",\"\"\n", "1|a,b|say \"hi\"|" },
    { "quoted then unquoted", "\"x\",y\n", "1|x|y" },
    { "spaces kept", " a , b \n", "1| a | b " },
    { "quote only at start", "\"\"\"\",b\n", "1|\"|b" },
    { "embedded newline",
      "id,notes\n1,\"first\nsecond\nthird\"\n2,after\n",
      "1|id|notes\n2|1|first\nsecond\nthird\n5|2|after" },
    { "embedded crlf becomes lf",
      "1,\"a\r\nb\"\r\n2,c\r\n",
      "1|1|a\nb\n3|2|c" },
    { "embedded lone cr", "1,\"a\rb\"\n2,c\n", "1|1|a\nb\n3|2|c" },
    { "blank lines skipped", "a\n\n\nb\r\n\r\n\nc\n\n\n", "1|a\n4|b\n7|c" },
    { "leading blank lines", "\n\na,b\n", "3|a|b" },
    { "quoted empty line is a record", "a\n\"\"\nb\n", "1|a\n2|\n3|b" },
    { "unicode", "Zoë,Ó Briain,“quoted”\n", "1|Zoë|Ó Briain|“quoted”" },
    { "bom", "\xEF\xBB\xBFname,town\nAnna,Leeds\n", "1|name|town\n2|Anna|Leeds" },
    { "bom only", "\xEF\xBB\xBF", "" },
    { "empty", "", "" },
    { "only newlines", "\n\r\n\r", "" },
    { "comma at end of file", "a,", "1|a|" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;

      g_test_message ("case: %s", cases[i].name);
      out = read_all (cases[i].in, strlen (cases[i].in), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

/* The length is honoured: no reading past it, and data need not be NUL-terminated. */
static void
test_read_length (void)
{
  static const char data[] = "a,b\nc,d\ne,f\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *out = read_all (data, 7, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "1|a|b\n2|c|d");
}

static void
test_read_errors (void)
{
  static const struct { const char *name, *in; int code; const char *message; } cases[] = {
    { "unterminated", "a,b\nc,\"open\nmore\nstill open\n",
      WM_CSV_ERROR_UNTERMINATED, "line 2: unterminated quoted field" },
    { "unterminated after newlines", "h\n1,\"x\ny\"\n\n3,\"z\n",
      WM_CSV_ERROR_UNTERMINATED, "line 5: unterminated quoted field" },
    { "stray quote", "a,b\nc,d\"e\n",
      WM_CSV_ERROR_SYNTAX, NULL },
    { "stray quote after quoted newline", "1,\"x\ny\"\n2,ab\"c\n",
      WM_CSV_ERROR_SYNTAX, NULL },
    { "text after closing quote", "a\n\"b\"c,d\n",
      WM_CSV_ERROR_SYNTAX, NULL },
    { "space after closing quote", "\"b\" ,d\n",
      WM_CSV_ERROR_SYNTAX, NULL },
    { "latin-1", "name\nAnna\nZo\xeb\n",
      WM_CSV_ERROR_ENCODING, NULL },
    { "utf-16", "\xff\xfen\0a\0m\0e\0",
      WM_CSV_ERROR_ENCODING, "line 1: the file is UTF-16; save it as CSV in UTF-8" },
  };
  static const guint lines[] = { 2, 5, 2, 3, 2, 1, 3, 1 };

  G_STATIC_ASSERT (G_N_ELEMENTS (lines) == G_N_ELEMENTS (cases));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      g_autofree char *prefix = g_strdup_printf ("line %u: ", lines[i]);
      /* The UTF-16 case holds NULs: its length is that of the array. */
      gsize len = i == G_N_ELEMENTS (cases) - 1 ? 10 : strlen (cases[i].in);

      g_test_message ("case: %s", cases[i].name);
      out = read_all (cases[i].in, len, &error);
      g_assert_null (out);
      g_assert_error (error, WM_CSV_ERROR, cases[i].code);
      if (!g_str_has_prefix (error->message, prefix))
        g_error ("expected “%s…”, got “%s”", prefix, error->message);
      if (cases[i].message != NULL)
        g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* A file that is not UTF-8 is refused before any record is returned, so an import cannot
 * half-read it; and the reader keeps failing once it has failed. */
static void
test_read_error_is_sticky (void)
{
  static const char data[] = "a,b\nc,d\ne,\xe9t\xe9\n";
  g_autoptr(WmCsvReader) reader = wm_csv_reader_new (data, strlen (data));
  g_autoptr(GError) error = NULL;
  GPtrArray *fields = NULL;
  guint line = 0;

  g_assert_false (wm_csv_reader_next (reader, &fields, &line, &error));
  g_assert_error (error, WM_CSV_ERROR, WM_CSV_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "line 3: "));
  g_assert_null (fields);
  g_clear_error (&error);

  g_assert_false (wm_csv_reader_next (reader, &fields, &line, &error));
  g_assert_error (error, WM_CSV_ERROR, WM_CSV_ERROR_ENCODING);
  g_clear_error (&error);

  {
    static const char syntax[] = "a\nb\"\nc\n";
    g_autoptr(WmCsvReader) r2 = wm_csv_reader_new (syntax, strlen (syntax));

    g_assert_true (wm_csv_reader_next (r2, &fields, &line, &error));
    g_assert_cmpuint (line, ==, 1);
    g_clear_pointer (&fields, g_ptr_array_unref);
    g_assert_false (wm_csv_reader_next (r2, &fields, &line, &error));
    g_assert_error (error, WM_CSV_ERROR, WM_CSV_ERROR_SYNTAX);
    g_clear_error (&error);
    g_assert_false (wm_csv_reader_next (r2, &fields, &line, &error));
    g_assert_error (error, WM_CSV_ERROR, WM_CSV_ERROR_SYNTAX);
  }
}

static void
test_read_nul (void)
{
  static const char data[] = "a,b\nc,d\0e\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *out = read_all (data, sizeof data - 1, &error);

  g_assert_null (out);
  g_assert_error (error, WM_CSV_ERROR, WM_CSV_ERROR_ENCODING);
  g_assert_true (g_str_has_prefix (error->message, "line 2: "));
}

static void
test_header_index (void)
{
  static const char data[] = "external_id, Given_Name ,email\n";
  g_autoptr(WmCsvReader) reader = wm_csv_reader_new (data, strlen (data));
  g_autoptr(GPtrArray) header = NULL;

  g_assert_true (wm_csv_reader_next (reader, &header, NULL, NULL));
  g_assert_cmpint (wm_csv_header_index (header, "external_id"), ==, 0);
  g_assert_cmpint (wm_csv_header_index (header, "given_name"), ==, 1);
  g_assert_cmpint (wm_csv_header_index (header, "email"), ==, 2);
  g_assert_cmpint (wm_csv_header_index (header, "phone"), ==, -1);
  g_assert_cmpint (wm_csv_header_index (header, "e"), ==, -1);
}

static void
test_write (void)
{
  static const struct { const char *fields[4]; const char *out; } cases[] = {
    { { "a", "b", "c", "d" }, "a,b,c,d\r\n" },
    { { "", NULL, "x", "" }, ",,x,\r\n" },
    { { "a,b", "say \"hi\"", "two\nlines", "cr\rhere" },
      "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"\r\n" },
    { { " lead", "trail ", "\ttab", "in side" }, "\" lead\",\"trail \",\"\ttab\",in side\r\n" },
    { { "=1+2", "-0.5", "@SUM(A1)", "+44" }, "=1+2,-0.5,@SUM(A1),+44\r\n" },
    { { "Zoë", "“x”", "'quoted'", "a;b" }, "Zoë,“x”,'quoted',a;b\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      wm_csv_append_row (out, cases[i].fields, 4, FALSE);
      g_assert_cmpstr (out->str, ==, cases[i].out);
    }

  {
    g_autoptr(GString) out = g_string_new ("x");

    wm_csv_append_row (out, NULL, 0, FALSE);
    g_assert_cmpstr (out->str, ==, "x\r\n");
  }
  {
    /* A lone empty field is quoted: an empty line would be skipped by readers. */
    g_autoptr(GString) out = g_string_new (NULL);
    const char *one[] = { "" };
    const char *none[] = { NULL };
    g_autoptr(WmCsvReader) reader = NULL;
    g_autoptr(GPtrArray) fields = NULL;

    wm_csv_append_row (out, one, 1, FALSE);
    wm_csv_append_row (out, none, 1, TRUE);
    g_assert_cmpstr (out->str, ==, "\"\"\r\n\"\"\r\n");
    reader = wm_csv_reader_new (out->str, out->len);
    g_assert_true (wm_csv_reader_next (reader, &fields, NULL, NULL));
    g_assert_cmpuint (fields->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (fields, 0), ==, "");
  }
}

static void
test_write_neutralise (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"" },
    { "=1+2", "'=1+2" },
    { "+1+2", "'+1+2" },
    { "-2+3", "'-2+3" },
    { "@SUM(A1:A2)", "'@SUM(A1:A2)" },
    { "\tcmd", "'\tcmd" },
    { "\rcmd", "\"'\rcmd\"" },
    { "+44 20 7946 0123", "'+44 20 7946 0123" },
    { "-", "'-" },
    /* Numbers are not formulas; coordinates survive. */
    { "-0.1278", "-0.1278" },
    { "+3", "+3" },
    { "-1e3", "-1e3" },
    /* Only the first character matters. */
    { "a=b", "a=b" },
    { "x-y", "x-y" },
    { " =1", "\" =1\"" },
    { "", "\"\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char *expected = g_strconcat (cases[i].out, "\r\n", NULL);
      const char *fields[] = { cases[i].in };

      g_test_message ("case %u", i);
      wm_csv_append_row (out, fields, 1, TRUE);
      g_assert_cmpstr (out->str, ==, expected);
    }
}

/* Whatever the writer writes, the reader gives back unchanged (line breaks as LF). */
static void
test_round_trip (void)
{
  static const char * const awkward[] = {
    "plain", "", "with,comma", "with \"quotes\"", "\"", "\"\"", "multi\nline\nnotes",
    " leading space", "trailing space ", "\ttab", ",", "Zoë “Ó Briain”", "=1+2", "-0.12",
    "ends with newline\n", "\n", "a,\"b\",c", "x\"",
  };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(WmCsvReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  guint n = G_N_ELEMENTS (awkward);
  guint expected_line = 1;

  /* Each record is the whole list rotated by one, so every field sits in every column. */
  for (guint r = 0; r < n; r++)
    {
      const char *row[G_N_ELEMENTS (awkward)];

      for (guint c = 0; c < n; c++)
        row[c] = awkward[(r + c) % n];
      wm_csv_append_row (out, row, n, FALSE);
    }

  reader = wm_csv_reader_new (out->str, out->len);
  for (guint r = 0; r < n; r++)
    {
      g_autoptr(GPtrArray) fields = NULL;
      guint line = 0;
      guint newlines = 0;

      g_assert_true (wm_csv_reader_next (reader, &fields, &line, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (line, ==, expected_line);
      g_assert_cmpuint (fields->len, ==, n);
      for (guint c = 0; c < n; c++)
        {
          const char *want = awkward[(r + c) % n];

          g_assert_cmpstr (g_ptr_array_index (fields, c), ==, want);
          for (const char *p = want; *p != '\0'; p++)
            newlines += (*p == '\n');
        }
      expected_line += 1 + newlines;
    }
  {
    GPtrArray *fields = NULL;

    g_assert_false (wm_csv_reader_next (reader, &fields, NULL, &error));
    g_assert_no_error (error);
    g_assert_null (fields);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/csv/read/valid", test_read_valid);
  g_test_add_func ("/csv/read/length", test_read_length);
  g_test_add_func ("/csv/read/errors", test_read_errors);
  g_test_add_func ("/csv/read/error-is-sticky", test_read_error_is_sticky);
  g_test_add_func ("/csv/read/nul", test_read_nul);
  g_test_add_func ("/csv/header-index", test_header_index);
  g_test_add_func ("/csv/write/quoting", test_write);
  g_test_add_func ("/csv/write/neutralise-formulas", test_write_neutralise);
  g_test_add_func ("/csv/round-trip", test_round_trip);

  return g_test_run ();
}
