/* wm-import.h: bulk import of therapists and cases from CSV, and export of the therapist
 * register, in the file formats of DESIGN.md ("Interfaces").
 *
 * Imports are all-or-nothing: every row is parsed and checked before anything is written, and
 * the writes happen in one transaction, so a file with a single bad row changes nothing. The
 * error then lists every problem, one a line, so a coordinator can fix the whole file at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_IMPORT_ERROR (wm_import_error_quark ())

typedef enum
{
  WM_IMPORT_ERROR_INVALID, /* one or more rows have problems */
  WM_IMPORT_ERROR_HEADER,  /* no header row, or unknown, missing or repeated columns */
  WM_IMPORT_ERROR_FORMAT,  /* not readable as UTF-8 CSV (encoding, broken quoting) */
  WM_IMPORT_ERROR_WRITE,   /* the checked rows could not be written; nothing was kept */
} WmImportError;

GQuark    wm_import_error_quark (void);

/* Imports the rows of a CSV file held in memory (@data need not be NUL-terminated).
 *
 * On failure nothing is written and the error message is a summary line, then one line per
 * problem, in file order:
 *
 *   2 rows have problems; nothing was imported
 *   line 3: email: “sam@” is not an e-mail address
 *   line 8: specialisms: “knitting” is not one of pre-offence, …
 *
 * N is the physical line on which the record starts, counting the lines inside quoted fields.
 * The "line N: column: " part is never translated, so scripts can read it.
 *
 * Therapists: the columns of DESIGN.md are all required in the header, in any order (names are
 * matched ignoring case and surrounding spaces); the optional columns supervision_confirmed and
 * active may follow. external_id is required, and must be new both to the file and to the
 * database: an import adds therapists, it never updates them. Empty latitude/longitude are taken
 * from the town through wm_geo_lookup_uk_town() (a whole UK town name; "Bangor, Wales" where a
 * name is shared); a therapist who sees clients in person and cannot be placed is a problem.
 *
 * Cases: the columns of DESIGN.md are required. A given reference is kept (and must be new); an
 * empty one is assigned by the store, after the given ones so that it cannot take one of their
 * numbers. The client's town is placed like a therapist's; location_precision is "postcode",
 * "district" or "town" after what the postcode column holds. The case is created in the status given (default enquiry);
 * opened_on becomes the opening date. Client contact preferences (voicemail, letter, e-mail) are
 * not in the file and start as "no", the discreet choice.
 *
 * Blank optional cells take the record's defaults. A field that an export protected against
 * spreadsheet formulas (a leading apostrophe before =, +, -, @) is read back without the
 * apostrophe, so an exported file imports unchanged. Rows whose cells are all empty are skipped.
 * @n_imported, if not NULL, gets the number of records written. */
gboolean  wm_import_therapists  (WmStore     *store,
                                 const char  *data,
                                 gsize        length,
                                 guint       *n_imported,
                                 GError     **error);
gboolean  wm_import_cases       (WmStore     *store,
                                 const char  *data,
                                 gsize        length,
                                 guint       *n_imported,
                                 GError     **error);

/* The whole therapist register as UTF-8 CSV, starting with a byte order mark (so spreadsheets
 * read it as UTF-8), CRLF line ends, the import's columns (including supervision_confirmed and
 * active). Fields that a spreadsheet would run as formulas get a leading apostrophe. The export
 * is recorded in the audit log. Returns a NUL-terminated string; @length (may be NULL) gets its
 * length in bytes. */
char     *wm_export_therapists  (WmStore     *store,
                                 gsize       *length,
                                 GError     **error);

G_END_DECLS
