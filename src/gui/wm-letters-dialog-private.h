/* wm-letters-dialog-private.h: what the tests reach inside WmLettersDialog without a real
 * file chooser or print dialog. Not for other modules: they use wm-letters-dialog.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "wm-letter.h"
#include "wm-letters-dialog.h"

G_BEGIN_DECLS

/* The letter shown (NULL when it cannot be made: no referral, a refused template). */
WmLetter          *wm_letters_dialog_get_letter            (WmLettersDialog        *self);

/* A print operation for the letter shown: its pages, A4, a neutral job name, each page drawn
 * with wm_letter_render(). NULL when there is no letter. */
GtkPrintOperation *wm_letters_dialog_create_print_operation (WmLettersDialog       *self);

/* Runs @op as Print does and records the letter as printed when it went out (not after a
 * preview or a cancel). Tests pass GTK_PRINT_OPERATION_ACTION_EXPORT with an export file
 * name, which draws every page the way the printer gets them. */
GtkPrintOperationResult wm_letters_dialog_run_print        (WmLettersDialog        *self,
                                                            GtkPrintOperation      *op,
                                                            GtkPrintOperationAction action);

G_END_DECLS
