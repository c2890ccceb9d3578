/* wm-csv.h: RFC 4180 CSV reading and writing for the therapist and case imports and exports.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WM_CSV_ERROR (wm_csv_error_quark ())

typedef enum
{
  WM_CSV_ERROR_ENCODING,     /* not UTF-8 (or a NUL byte) */
  WM_CSV_ERROR_UNTERMINATED, /* a quoted field runs to the end of the file */
  WM_CSV_ERROR_SYNTAX,       /* a quote inside an unquoted field, or text after a closing quote */
} WmCsvError;

/* Spreadsheets on Windows read a CSV file as UTF-8 only when it starts with this. */
#define WM_CSV_UTF8_BOM "\xEF\xBB\xBF"

GQuark       wm_csv_error_quark  (void);

typedef struct _WmCsvReader WmCsvReader;

/* Reads records from a whole file in memory. @data is not copied: it must stay alive and
 * unchanged until the reader is freed. A leading UTF-8 byte order mark is skipped; lines may
 * end in CRLF, LF or CR. */
WmCsvReader *wm_csv_reader_new   (const char   *data,
                                  gsize         length);
void         wm_csv_reader_free  (WmCsvReader  *reader);

/* Reads the next record into a new array of strings (free with g_ptr_array_unref) and sets
 * @line to the 1-based line on which the record starts. Line breaks inside quoted fields are
 * returned as "\n" whatever the file used. Empty lines are skipped.
 *
 * Returns FALSE with no error at the end of the data. On malformed input returns FALSE with a
 * WM_CSV_ERROR whose message starts "line N: "; the reader then keeps failing the same way.
 * The whole input is checked for UTF-8 on the first call, so a file in another encoding is
 * refused before any record is returned. */
gboolean     wm_csv_reader_next  (WmCsvReader  *reader,
                                  GPtrArray   **fields,
                                  guint        *line,
                                  GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmCsvReader, wm_csv_reader_free)

/* The index of column @name in a header record, or -1. Surrounding white space and ASCII case
 * are ignored, since header rows are often typed by hand. */
int          wm_csv_header_index (GPtrArray    *header,
                                  const char   *name);

/* Appends one record and a CRLF. A field is quoted only when it has to be: it contains a comma,
 * a quote, CR or LF, or starts or ends with white space. NULL fields are written empty.
 *
 * With @neutralise_formulas, a field that a spreadsheet would run as a formula (one starting
 * with =, +, -, @, tab or CR) gets a leading apostrophe; plain numbers such as "-0.12" are left
 * alone. Waymark's import removes that apostrophe again before =, +, - and @, so exported
 * files re-import unchanged. */
void         wm_csv_append_row   (GString            *out,
                                  const char * const *fields,
                                  guint               n,
                                  gboolean            neutralise_formulas);

G_END_DECLS
