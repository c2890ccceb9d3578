/* wm-validate.h: checking and normalising field values, shared by the GUI forms, the CLI and
 * the CSV imports so that all three accept and refuse exactly the same things.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "wm-vocab.h"

G_BEGIN_DECLS

/* Every message has the form "<field>: <problem>", where <field> is the CSV/database column
 * name as passed in (never translated) and <problem> is translated.
 *
 * Conventions shared by all functions:
 * - A value that is NULL, empty or only whitespace is "blank". An optional blank value is
 *   accepted and the out-parameters get NULL (strings), 0/FALSE (numbers), NAN (doubles) or an
 *   empty array (code lists); use wm_value_is_blank() to tell "absent" from 0 or FALSE.
 *   A required blank value fails with WM_VALIDATION_ERROR_REQUIRED, "<field>: is required".
 * - wm_parse_*() and wm_*_normalise*() ignore surrounding whitespace and hand back the clean
 *   value; wm_validate_*() have no output and check the value exactly as given, so callers
 *   that store a value should store what they validated.
 * - Out-parameters may be NULL; on failure they are left untouched.
 */
#define WM_VALIDATION_ERROR (wm_validation_error_quark ())

typedef enum
{
  WM_VALIDATION_ERROR_REQUIRED,
  WM_VALIDATION_ERROR_INVALID,
  WM_VALIDATION_ERROR_RANGE,
} WmValidationError;

GQuark   wm_validation_error_quark    (void);

gboolean wm_value_is_blank            (const char  *value);

gboolean wm_validate_required         (const char  *field,
                                       const char  *value,
                                       GError     **error);

/* Valid UTF-8 without control characters; @multiline fields (notes, addresses) may also hold
 * newlines and tabs. @max_chars counts characters, not bytes; 0 means no limit. */
gboolean wm_validate_text             (const char  *field,
                                       const char  *value,
                                       gsize        max_chars,
                                       gboolean     multiline,
                                       gboolean     required,
                                       GError     **error);

/* Pragmatic, not RFC 5322: one @, a local part, a dotted domain, no spaces, at most 254. */
gboolean wm_validate_email            (const char  *field,
                                       const char  *value,
                                       gboolean     required,
                                       GError     **error);

/* A UK number, written nationally or with +44/0044 (and the "(0)" habit); spaces, dashes,
 * dots and brackets are ignored. @normalised gets the national form in the usual groups:
 * "020 7946 0123", "0121 496 0123", "01632 960123", "07700 900123", "0300 123 4567". */
gboolean wm_validate_uk_phone         (const char  *field,
                                       const char  *value,
                                       gboolean     required,
                                       char       **normalised,
                                       GError     **error);

/* A full UK postcode in any case and spacing: "sw1a1aa" gives "SW1A 1AA" and outward code
 * "SW1A". The area (the leading letters) must be a real postcode area. */
gboolean wm_postcode_normalise        (const char  *field,
                                       const char  *value,
                                       gboolean     required,
                                       char       **normalised,
                                       char       **outward,
                                       GError     **error);

/* A postcode district ("hg1" gives "HG1"). A full postcode is accepted too and reduced to its
 * district, so callers that keep district precision never store more than they need. */
gboolean wm_postcode_normalise_outward (const char  *field,
                                        const char  *value,
                                        gboolean     required,
                                        char       **normalised,
                                        GError     **error);

gboolean wm_validate_latitude         (const char  *field,
                                       double       value,
                                       GError     **error);
gboolean wm_validate_longitude        (const char  *field,
                                       double       value,
                                       GError     **error);

/* Locale-independent decimal ("51.5", "-0.12", "1e3"); the whole value must be a finite
 * number. Decimal commas, hex, "nan" and "inf" are refused. Blank and optional gives NAN. */
gboolean wm_parse_double              (const char  *field,
                                       const char  *value,
                                       gboolean     required,
                                       double      *out,
                                       GError     **error);

/* A decimal integer in [@min, @max]. */
gboolean wm_parse_int                 (const char  *field,
                                       const char  *value,
                                       gint64       min,
                                       gint64       max,
                                       gboolean     required,
                                       gint64      *out,
                                       GError     **error);

/* yes/no, true/false or 1/0, any case. */
gboolean wm_parse_bool                (const char  *field,
                                       const char  *value,
                                       gboolean     required,
                                       gboolean    *out,
                                       GError     **error);

/* A real calendar date written YYYY-MM-DD, years 1900 to 2200. */
gboolean wm_parse_date                (const char  *field,
                                       const char  *value,
                                       gboolean     required,
                                       char       **normalised,
                                       GError     **error);

/* @value must be exactly one of @vocab's codes (codes are lower case; nothing is folded). */
gboolean wm_validate_enum             (const char  *field,
                                       WmVocab      vocab,
                                       const char  *value,
                                       gboolean     required,
                                       GError     **error);

/* A ";"-separated list of @vocab codes: items trimmed, empty items skipped, duplicates dropped
 * (first occurrence kept, order otherwise preserved). @out gets a NULL-terminated array, empty
 * when @value is blank; free it with g_strfreev(). */
gboolean wm_parse_code_list           (const char  *field,
                                       WmVocab      vocab,
                                       const char  *value,
                                       char      ***out,
                                       GError     **error);

/* 1900 to the current year. */
gboolean wm_validate_birth_year       (const char  *field,
                                       gint64       year,
                                       GError     **error);

/* "WM-YYYY-NNNN": year 1900 to 2200, then 4 to 9 digits. A blank reference is REQUIRED: a
 * caller that assigns references itself checks only the ones it was given. */
gboolean wm_validate_case_reference   (const char  *field,
                                       const char  *value,
                                       GError     **error);

/* Collects the problems of a form or of a whole import, so that all of them can be shown at
 * once rather than one per attempt. */
typedef struct _WmValidationReport WmValidationReport;

WmValidationReport *wm_validation_report_new        (void);
void                wm_validation_report_free       (WmValidationReport  *report);
/* @line is the 1-based line in the input, or 0 when there is none (a form). */
void                wm_validation_report_add        (WmValidationReport  *report,
                                                     guint                line,
                                                     const GError        *err);
/* Adds *@error if set and clears it; returns TRUE if there was one. Lets a caller run each
 * check into the same GError variable:
 *   wm_validate_email ("email", v, FALSE, &e); wm_validation_report_take (report, line, &e); */
gboolean            wm_validation_report_take       (WmValidationReport  *report,
                                                     guint                line,
                                                     GError             **error);
guint               wm_validation_report_n_problems (WmValidationReport  *report);
/* One problem a line in the order added, "line N: <field>: <problem>" (no prefix when line
 * is 0), no trailing newline; "" when there are none. */
char               *wm_validation_report_format     (WmValidationReport  *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmValidationReport, wm_validation_report_free)

G_END_DECLS
