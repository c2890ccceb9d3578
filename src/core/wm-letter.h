/* wm-letter.h: referral letters: templates with {placeholders}, laid out on A4 with Pango and
 * drawn to any cairo context, so the preview, the printer and the PDF file share one code path.
 *
 * Template syntax (title and body):
 * - {section.name} is replaced by a value (wm_letter_placeholders() lists them); an unknown
 *   placeholder is an error naming it. {{ and }} stand for literal braces.
 * - A blank line separates paragraphs; a single newline breaks the line.
 * - A paragraph starting with "# " is a heading, kept on the page of what follows it.
 * - A line "Label<TAB>value" lines the values up in a column; a value of several lines (an
 *   address) hangs under itself, and a line whose value is empty is left out.
 *
 * Who a template writes to follows from its name: "therapist-…" to the therapist, a name
 * containing "discreet" to the client discreetly, anything else to the client. A discreet
 * letter never shows the organisation's name (org.discreet_sender, by default "The
 * Appointments Office", signs instead), nor its e-mail or charity number, and may not use the
 * placeholders that describe the case; after filling in, its whole text is checked once more
 * for words that would reveal what the service is about, and it is refused if any is there.
 *
 * Settings used: org.name, org.address (lines separated by newlines), org.phone, org.email,
 * org.charity_number, org.signatory (signs when no user is logged in), org.name_sensitive
 * ("yes": every client letter is discreet), org.discreet_sender, org.discreet_address
 * (instead of org.address on discreet letters).
 *
 * A WmLetter is a finished layout: make it and draw it in one thread (Pango's cairo font map
 * is per thread). Page coordinates are PostScript points from the top-left corner of the
 * sheet; for GtkPrintOperation use the full page (gtk_print_operation_set_use_full_page) and
 * GTK_UNIT_POINTS, and scale the context for a preview. The layout does not depend on the
 * target, so the preview shows the page breaks the printer and the PDF get.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_LETTER_ERROR (wm_letter_error_quark ())
GQuark wm_letter_error_quark (void);

typedef enum
{
  WM_LETTER_ERROR_FAILED,
  WM_LETTER_ERROR_TEMPLATE,      /* bad syntax, unknown placeholder, or not discreet enough */
  WM_LETTER_ERROR_NO_REFERRAL,   /* the case has no (open) referral to write about */
  WM_LETTER_ERROR_NOT_DISCREET,  /* the filled-in discreet letter would reveal the subject */
  WM_LETTER_ERROR_IO,
} WmLetterError;

/* A4 in points. */
#define WM_LETTER_PAGE_WIDTH  595.276
#define WM_LETTER_PAGE_HEIGHT 841.89

#define WM_LETTER_THERAPIST_REFERRAL "therapist-referral"
#define WM_LETTER_CLIENT_REFERRAL    "client-referral"
#define WM_LETTER_CLIENT_DISCREET    "client-discreet"
/* Not a template: the client letter, discreet when wm_letter_needs_discretion() says so. */
#define WM_LETTER_AUTO               "auto"

typedef struct
{
  const char *name;         /* without braces: "client.name" */
  const char *description;  /* N_() marked */
  gboolean discreet_ok;     /* may be used in a discreet letter */
} WmLetterPlaceholder;

const WmLetterPlaceholder *wm_letter_placeholders      (guint       *n_placeholders);

typedef struct
{
  const char *name;
  const char *title;        /* N_() marked, like the body */
  const char *body;
} WmLetterBuiltin;

/* The original text of the built-in templates (to seed a database or restore one). */
const WmLetterBuiltin     *wm_letter_builtin_templates (guint       *n_templates);

typedef enum
{
  WM_LETTER_TO_THERAPIST,
  WM_LETTER_TO_CLIENT,
  WM_LETTER_TO_CLIENT_DISCREET,
} WmLetterRecipient;

WmLetterRecipient  wm_letter_recipient_for           (const char  *template_name);

/* Checks a template before it is saved or used: its name, its syntax, that every placeholder
 * exists, and for a discreet one that it neither uses the case's placeholders nor mentions
 * the subject. Errors read "template: …" (or "name: …"). */
gboolean           wm_letter_check_template          (const char  *name,
                                                      const char  *title,
                                                      const char  *body,
                                                      GError     **error);

/* Whether letters to this client must be discreet: they may be read by others
 * (contact_letter_ok is off), or the organisation's name itself is sensitive. */
gboolean           wm_letter_needs_discretion        (WmStore     *store,
                                                      WmCase      *kase);
/* "auto" → the client letter for this case; any other name is returned as it is. */
const char        *wm_letter_resolve_template_name   (WmStore     *store,
                                                      WmCase      *kase,
                                                      const char  *template_name);

/* "27 November 2026". */
char              *wm_letter_format_date             (GDateTime   *date);

#define WM_TYPE_LETTER (wm_letter_get_type ())
G_DECLARE_FINAL_TYPE (WmLetter, wm_letter, WM, LETTER, GObject)

/* Fills in the stored template @template_name (or "auto") for @kase, its latest open
 * referral's therapist, the settings and the logged-in user, and lays it out. Reads only:
 * nothing is recorded until wm_letter_record_export(). */
WmLetter   *wm_letter_new                   (WmStore         *store,
                                             WmCase          *kase,
                                             const char      *template_name,
                                             GError         **error);
/* The same with template text not (yet) saved: the live preview of a template editor.
 * @template_name decides the recipient, as for a stored one. */
WmLetter   *wm_letter_new_for_template      (WmStore         *store,
                                             WmCase          *kase,
                                             const char      *template_name,
                                             const char      *title,
                                             const char      *body,
                                             GError         **error);

/* The same with a made-up client, case and therapist (and the real letterhead): a preview
 * of a template where there is no case at hand, such as Preferences. Records nothing. */
WmLetter   *wm_letter_new_sample            (WmStore         *store,
                                             const char      *template_name,
                                             const char      *title,
                                             const char      *body,
                                             GError         **error);

const char *wm_letter_get_template_name     (WmLetter        *self);
gboolean    wm_letter_is_discreet           (WmLetter        *self);
int         wm_letter_get_n_pages           (WmLetter        *self);
void        wm_letter_get_page_size         (WmLetter        *self,
                                             double          *width,
                                             double          *height);
/* Draws page @page (0-based) in points, origin at the sheet's top-left corner, on whatever
 * @cr is (a print context, a PDF surface, a scaled widget). Does not emit the page. */
void        wm_letter_render                (WmLetter        *self,
                                             cairo_t         *cr,
                                             int              page);
/* The same, scaled to fit a @width × @height area (in @cr's units) and centred in it, keeping
 * the page's proportions: a preview, or a print context on paper other than A4. */
void        wm_letter_render_fitted         (WmLetter        *self,
                                             cairo_t         *cr,
                                             int              page,
                                             double           width,
                                             double           height);
/* Writes every page to a PDF with neutral metadata (title "Letter", creator "Waymark", no
 * author or subject), through a temporary file in the same folder renamed into place, mode
 * 0600: there is never a half-written letter at @path. */
gboolean    wm_letter_write_pdf             (WmLetter        *self,
                                             const char      *path,
                                             GError         **error);
/* A neutral file name to suggest: "letter-WM-2026-0042.pdf". */
char       *wm_letter_dup_default_filename  (WmLetter        *self);

/* Call once a letter has been printed or exported: a case event and an audit row naming the
 * template, never the letter's contents. */
gboolean    wm_letter_record_export         (WmStore         *store,
                                             WmCase          *kase,
                                             const char      *template_name,
                                             WmLetterOutput   output,
                                             GError         **error);

G_END_DECLS
