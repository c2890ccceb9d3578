/* wm-letters-dialog.h: a case's letters: pick a template ("auto" chooses the discreet client
 * letter when the client's letters may be read by others), see a live preview of every page,
 * Print (GtkPrintOperation; its own preview is declined, see the .c) or Export PDF (a
 * neutral default file name).
 * Each print or export is recorded on the case and in the audit log (template name only).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_TYPE_LETTERS_DIALOG (wm_letters_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WmLettersDialog, wm_letters_dialog, WM, LETTERS_DIALOG, AdwWindow)

/* A modal window over @parent for @kase, as stored (the case view's copy: reading it again
 * would record a second view of the case in the audit log). */
GtkWidget *wm_letters_dialog_new (GtkWindow *parent,
                                  WmStore   *store,
                                  WmCase    *kase);

G_END_DECLS
