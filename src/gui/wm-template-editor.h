/* wm-template-editor.h: editing one letter template (an administrator's page of Preferences):
 * its title and body, a live preview with made-up data, and the core's check shown inline
 * (an unknown placeholder is named) with Save off while the template is invalid. Built-in
 * templates can get their original text back.
 *
 * Signals: ::saved (const char *name) after the template was stored;
 * ::close-requested when the person is done (Back, after Save, or changes discarded).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_TYPE_TEMPLATE_EDITOR (wm_template_editor_get_type ())
G_DECLARE_FINAL_TYPE (WmTemplateEditor, wm_template_editor, WM, TEMPLATE_EDITOR, AdwBin)

/* @name: the stored template to edit, or NULL for a new one. NULL with @error when @name
 * cannot be read. */
GtkWidget  *wm_template_editor_new          (WmStore           *store,
                                             const char        *name,
                                             GError           **error);
/* What is wrong with the template as typed ("template: unknown placeholder “{x}”"), or NULL
 * when it could be saved. */
const char *wm_template_editor_get_problem  (WmTemplateEditor  *self);
gboolean    wm_template_editor_has_changes  (WmTemplateEditor  *self);
/* Stores the template as typed (what the Save button does); on failure the reason is also
 * shown in the editor. */
gboolean    wm_template_editor_save         (WmTemplateEditor  *self,
                                             GError           **error);
/* Back: closes at once when nothing changed, else asks whether to discard. */
void        wm_template_editor_request_close (WmTemplateEditor *self);

G_END_DECLS
