/* wm-csv.c: an RFC 4180 CSV reader and writer.
 *
 * The reader is strict about quoting because an import is all-or-nothing: a malformed file
 * is reported with its line number rather than half-guessed. It is lenient about what
 * spreadsheets commonly do and RFC 4180 does not forbid outright: a byte order mark, LF or CR
 * line ends, a missing final line end.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wm-csv.h"

G_DEFINE_QUARK (wm-csv-error-quark, wm_csv_error)

struct _WmCsvReader
{
  const char *pos;
  const char *end;
  guint line;        /* physical line of pos, 1-based */
  gboolean checked;  /* encoding checked */
  GError *failure;   /* once set, every later call reports it again */
};

WmCsvReader *
wm_csv_reader_new (const char *data,
                   gsize       length)
{
  WmCsvReader *reader;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  reader = g_new0 (WmCsvReader, 1);
  reader->pos = data != NULL ? data : "";
  reader->end = reader->pos + length;
  reader->line = 1;

  if (length >= 3 && memcmp (data, WM_CSV_UTF8_BOM, 3) == 0)
    reader->pos += 3;
  return reader;
}

void
wm_csv_reader_free (WmCsvReader *reader)
{
  if (reader == NULL)
    return;
  g_clear_error (&reader->failure);
  g_free (reader);
}

/* Length of the line break at @p: 2 for CRLF, 1 for LF or a lone CR, 0 for none. */
static gsize
line_break_len (const char *p,
                const char *end)
{
  if (p >= end)
    return 0;
  if (*p == '\n')
    return 1;
  if (*p == '\r')
    return (p + 1 < end && p[1] == '\n') ? 2 : 1;
  return 0;
}

static guint
count_line_breaks (const char *p,
                   const char *end)
{
  guint n = 0;

  while (p < end)
    {
      gsize lb = line_break_len (p, end);

      if (lb > 0)
        {
          n++;
          p += lb;
        }
      else
        p++;
    }
  return n;
}

/* Records the failure (the reader stays failed) and reports it. The "line N: " prefix is not
 * translated: import reports are read by scripts (DESIGN.md, Interfaces). */
static gboolean
fail (WmCsvReader  *reader,
      GError      **error,
      WmCsvError    code,
      guint         line,
      const char   *problem)
{
  reader->failure = g_error_new (WM_CSV_ERROR, code, "line %u: %s", line, problem);
  g_propagate_error (error, g_error_copy (reader->failure));
  return FALSE;
}

static gboolean
check_encoding (WmCsvReader  *reader,
                GError      **error)
{
  const char *bad = NULL;
  gsize length = reader->end - reader->pos;
  guint line;

  reader->checked = TRUE;

  /* Spreadsheets' "Unicode text" is UTF-16; say so rather than report a NUL byte. */
  if (length >= 2
      && ((guchar) reader->pos[0] == 0xFF || (guchar) reader->pos[0] == 0xFE)
      && ((guchar) reader->pos[1] == 0xFF || (guchar) reader->pos[1] == 0xFE)
      && reader->pos[0] != reader->pos[1])
    return fail (reader, error, WM_CSV_ERROR_ENCODING, 1,
                 _("the file is UTF-16; save it as CSV in UTF-8"));

  if (g_utf8_validate_len (reader->pos, length, &bad))
    return TRUE;

  line = reader->line + count_line_breaks (reader->pos, bad);
  if (*bad == '\0')
    return fail (reader, error, WM_CSV_ERROR_ENCODING, line,
                 _("contains a NUL byte; is this a text file?"));
  return fail (reader, error, WM_CSV_ERROR_ENCODING, line,
               _("not valid UTF-8 text; save the file as CSV in UTF-8"));
}

/* Reads a quoted field starting at the opening quote into @out. */
static gboolean
read_quoted (WmCsvReader  *reader,
             GString      *out,
             GError      **error)
{
  guint opened_on = reader->line;

  reader->pos++;
  for (;;)
    {
      const char *run = reader->pos;
      gsize lb;

      /* Copy plain text in one go, up to the next quote or line break. */
      while (run < reader->end && *run != '"' && *run != '\r' && *run != '\n')
        run++;
      g_string_append_len (out, reader->pos, run - reader->pos);
      reader->pos = run;

      if (reader->pos >= reader->end)
        return fail (reader, error, WM_CSV_ERROR_UNTERMINATED, opened_on,
                     _("unterminated quoted field"));

      lb = line_break_len (reader->pos, reader->end);
      if (lb > 0)
        {
          /* Line ends are a property of the file, not of the data. */
          g_string_append_c (out, '\n');
          reader->pos += lb;
          reader->line++;
          continue;
        }

      /* A quote: either an escaped "" or the end of the field. */
      if (reader->pos + 1 < reader->end && reader->pos[1] == '"')
        {
          g_string_append_c (out, '"');
          reader->pos += 2;
          continue;
        }
      reader->pos++;
      break;
    }

  if (reader->pos < reader->end && *reader->pos != ','
      && line_break_len (reader->pos, reader->end) == 0)
    return fail (reader, error, WM_CSV_ERROR_SYNTAX, reader->line,
                 _("unexpected text after a closing quote"));
  return TRUE;
}

static gboolean
read_unquoted (WmCsvReader  *reader,
               GString      *out,
               GError      **error)
{
  const char *run = reader->pos;

  while (run < reader->end && *run != ',' && *run != '\r' && *run != '\n')
    {
      if (*run == '"')
        return fail (reader, error, WM_CSV_ERROR_SYNTAX, reader->line,
                     _("quote inside an unquoted field (a field with quotes must be in quotes, "
                       "each quote doubled)"));
      run++;
    }
  g_string_append_len (out, reader->pos, run - reader->pos);
  reader->pos = run;
  return TRUE;
}

gboolean
wm_csv_reader_next (WmCsvReader  *reader,
                    GPtrArray   **fields,
                    guint        *line,
                    GError      **error)
{
  g_autoptr(GPtrArray) record = NULL;
  guint start_line;

  g_return_val_if_fail (reader != NULL, FALSE);
  g_return_val_if_fail (fields != NULL, FALSE);

  if (reader->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (reader->failure));
      return FALSE;
    }
  if (!reader->checked && !check_encoding (reader, error))
    return FALSE;

  /* Empty lines carry no record, wherever they are. */
  for (;;)
    {
      gsize lb = line_break_len (reader->pos, reader->end);

      if (lb == 0)
        break;
      reader->pos += lb;
      reader->line++;
    }
  if (reader->pos >= reader->end)
    return FALSE;

  start_line = reader->line;
  record = g_ptr_array_new_with_free_func (g_free);
  for (;;)
    {
      g_autoptr(GString) field = g_string_new (NULL);
      gboolean ok;
      gsize lb;

      if (reader->pos < reader->end && *reader->pos == '"')
        ok = read_quoted (reader, field, error);
      else
        ok = read_unquoted (reader, field, error);
      if (!ok)
        return FALSE;
      g_ptr_array_add (record, g_string_free (g_steal_pointer (&field), FALSE));

      if (reader->pos < reader->end && *reader->pos == ',')
        {
          reader->pos++;
          continue;
        }
      lb = line_break_len (reader->pos, reader->end);
      reader->pos += lb;
      if (lb > 0)
        reader->line++;
      break;
    }

  *fields = g_steal_pointer (&record);
  if (line != NULL)
    *line = start_line;
  return TRUE;
}

int
wm_csv_header_index (GPtrArray  *header,
                     const char *name)
{
  g_return_val_if_fail (header != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint i = 0; i < header->len && i <= G_MAXINT; i++)
    {
      g_autofree char *cell = g_strstrip (g_strdup (g_ptr_array_index (header, i)));

      if (g_ascii_strcasecmp (cell, name) == 0)
        return (int) i;
    }
  return -1;
}

static gboolean
needs_quotes (const char *field)
{
  gsize len = strlen (field);

  if (len == 0)
    return FALSE;
  return strpbrk (field, ",\"\r\n") != NULL
         || field[0] == ' ' || field[0] == '\t'
         || field[len - 1] == ' ' || field[len - 1] == '\t';
}

/* A number cannot be a formula, and negative coordinates must survive an export unchanged. */
static gboolean
is_plain_number (const char *field)
{
  char *end = NULL;

  if (field[strspn (field, "0123456789+-.eE")] != '\0')
    return FALSE;
  g_ascii_strtod (field, &end);
  return end != field && *end == '\0';
}

static gboolean
looks_like_formula (const char *field)
{
  return field[0] != '\0' && strchr ("=+-@\t\r", field[0]) != NULL && !is_plain_number (field);
}

void
wm_csv_append_row (GString            *out,
                   const char * const *fields,
                   guint               n,
                   gboolean            neutralise_formulas)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (fields != NULL || n == 0);

  for (guint i = 0; i < n; i++)
    {
      const char *field = fields[i] != NULL ? fields[i] : "";
      g_autofree char *prefixed = NULL;

      if (i > 0)
        g_string_append_c (out, ',');

      /* The apostrophe makes spreadsheets show the text instead of running it (CSV
       * injection); it is part of the field, so quoting is decided after adding it. */
      if (neutralise_formulas && looks_like_formula (field))
        field = prefixed = g_strconcat ("'", field, NULL);

      /* A record of one empty field would be an empty line, which readers skip. */
      if (!needs_quotes (field) && !(n == 1 && field[0] == '\0'))
        {
          g_string_append (out, field);
          continue;
        }
      g_string_append_c (out, '"');
      for (const char *p = field; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  g_string_append (out, "\r\n");
}
