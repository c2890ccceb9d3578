/* wm-gui-util.h: small helpers every page uses: toasts, errors shown to people, dates,
 * letter previews.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-letter.h"

G_BEGIN_DECLS

/* Shows a toast in the window that holds @widget. Toasts must never carry personal data
 * ("Case saved", not "Case of Jane Doe saved"): they can be read over a shoulder. */
void  wm_gui_toast              (GtkWidget  *widget,
                                 const char *text);

/* "2026-11-27T10:15:00Z" → "27 Nov 2026, 10:15" in local time; NULL → "". */
char *wm_gui_format_timestamp   (const char *iso8601);
/* "2026-11-27T…" → "3 days", "5 weeks": how long ago, for the age of an enquiry. */
char *wm_gui_format_age         (const char *iso8601);

/* Sets or clears an inline error under an entry-like row: adds/removes the "error" style
 * class and sets the row's subtitle or tooltip to @message. */
void  wm_gui_set_row_error      (GtkWidget  *row,
                                 const char *message);

/* Inserts, under @row in its list, a hidden line (error icon and a wrapping caption) that
 * says what is wrong with the row; *label_out gets its label. Show the returned row with the
 * problem, hide it when fixed. */
GtkWidget *wm_gui_add_message_row (GtkWidget  *row,
                                   GtkLabel  **label_out);

/* The local path a file chooser's @response chose, or NULL when it was cancelled or the
 * file has no local path (a phone, a network place); *not_local says which. Exports write
 * only to this computer's folders. */
char *wm_gui_chosen_local_path  (GtkFileChooser *chooser,
                                 int             response,
                                 gboolean       *not_local);

/* Replaces what @box holds with a preview of every page of @letter (none when NULL), each
 * @page_width pixels wide and named "Page N of M" for a screen reader. The pages are drawn
 * by the same code as the printer's. */
void  wm_gui_show_letter_pages  (GtkBox     *box,
                                 WmLetter   *letter,
                                 int         page_width);

G_END_DECLS
