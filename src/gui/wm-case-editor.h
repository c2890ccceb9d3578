/* wm-case-editor.h: the form for a case and its client (composite template
 * ui/wm-case-editor.ui): client, contact safety, location, situation, needs and preferences,
 * funding, risk, notes. Validation is inline, next to each field, using src/core/wm-validate.
 *
 * The editor works on a copy: wm_case_editor_set_case() loads the widgets from @kase;
 * wm_case_editor_apply() writes the widgets back into it (only when valid).
 *
 * Properties:
 *   "valid" (gboolean, read-only): every field passes validation; Save is bound to it.
 *   "dirty" (gboolean, read-only): the widgets differ from the case last set or applied.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-model.h"

G_BEGIN_DECLS

#define WM_TYPE_CASE_EDITOR (wm_case_editor_get_type ())
G_DECLARE_FINAL_TYPE (WmCaseEditor, wm_case_editor, WM, CASE_EDITOR, AdwBin)

GtkWidget *wm_case_editor_new       (void);
void       wm_case_editor_set_case  (WmCaseEditor *self,
                                     WmCase       *kase);
/* Copies the widgets' values into @kase. FALSE (and @kase untouched) when invalid. */
gboolean   wm_case_editor_apply     (WmCaseEditor *self,
                                     WmCase       *kase);
gboolean   wm_case_editor_get_valid (WmCaseEditor *self);
gboolean   wm_case_editor_get_dirty (WmCaseEditor *self);
/* The first invalid field's message ("email: not a valid e-mail address"), or NULL. */
const char *wm_case_editor_get_first_problem (WmCaseEditor *self);

G_END_DECLS
