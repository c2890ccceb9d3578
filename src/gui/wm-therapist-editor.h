/* wm-therapist-editor.h: the form for one therapist on the register (composite template
 * ui/wm-therapist-editor.ui): identity, contact, location, practice, specialisms, compliance,
 * notes and whether they are active. Validation is inline, next to each field, with the
 * messages of src/core/wm-validate and wm_therapist_check().
 *
 * The editor works on a copy: wm_therapist_editor_set_therapist() loads the widgets;
 * wm_therapist_editor_apply() writes them back into a record (only when valid).
 *
 * Properties:
 *   "valid" (gboolean, read-only): every field passes validation.
 *   "dirty" (gboolean, read-only): the widgets differ from the therapist last set.
 *
 * Also here: the compliance rules of the matcher (wm-matcher.h) for one therapist, so the
 * directory and the form say exactly why the matcher would leave someone out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "wm-model.h"

G_BEGIN_DECLS

typedef enum
{
  WM_COMPLIANCE_REGISTRATION,
  WM_COMPLIANCE_INSURANCE,
  WM_COMPLIANCE_DBS,
  WM_COMPLIANCE_TRAINING,
  WM_COMPLIANCE_N_ITEMS
} WmComplianceItem;

typedef enum
{
  WM_COMPLIANCE_OK,
  WM_COMPLIANCE_MISSING,   /* no date on record, or training not completed */
  WM_COMPLIANCE_EXPIRED,   /* registration or insurance expired, or the DBS check too old */
} WmComplianceState;

typedef struct
{
  WmComplianceState state[WM_COMPLIANCE_N_ITEMS];
  /* Julian days, 0 unknown: the expiry on record (registration, insurance); for DBS the last
   * day the check counts as valid. */
  guint32 date[WM_COMPLIANCE_N_ITEMS];
  guint dbs_validity_years;
} WmCompliance;

/* The matcher's rules: registration and insurance valid through their expiry day, a missing
 * date is a problem, training must be completed, a DBS check lasts until the same calendar day
 * @dbs_validity_years later (0: 3). @today is a Julian day (wm_store_load_match_settings()).
 * Dates that do not parse count as missing. Returns TRUE when there is any problem. */
gboolean  wm_compliance_check             (WmCompliance       *out,
                                           const char         *registration_expires,
                                           const char         *insurance_expires,
                                           const char         *dbs_checked,
                                           gboolean            training_completed,
                                           guint32             today,
                                           guint               dbs_validity_years);
gboolean  wm_therapist_check_compliance   (WmTherapist        *therapist,
                                           guint32             today,
                                           guint               dbs_validity_years,
                                           WmCompliance       *out);
/* Every problem in a short sentence, one a line ("Insurance expired on 3 Mar 2026"), for a
 * tooltip or a screen reader; NULL when there is none. */
char     *wm_compliance_describe          (const WmCompliance *compliance);

#define WM_TYPE_THERAPIST_EDITOR (wm_therapist_editor_get_type ())
G_DECLARE_FINAL_TYPE (WmTherapistEditor, wm_therapist_editor, WM, THERAPIST_EDITOR, AdwBin)

GtkWidget  *wm_therapist_editor_new               (void);
/* Today's date (Julian day) and the DBS validity setting, for the compliance highlights. */
void        wm_therapist_editor_set_rules         (WmTherapistEditor *self,
                                                   guint32            today,
                                                   guint              dbs_validity_years);
/* Loads the widgets from @therapist (which is not kept); NULL: a blank new therapist. */
void        wm_therapist_editor_set_therapist     (WmTherapistEditor *self,
                                                   WmTherapist       *therapist);
/* Copies the widgets' values into @therapist. FALSE (and @therapist untouched) when invalid. */
gboolean    wm_therapist_editor_apply             (WmTherapistEditor *self,
                                                   WmTherapist       *therapist);
/* After a successful save: the widgets as they are become the unchanged state. */
void        wm_therapist_editor_mark_saved        (WmTherapistEditor *self);
gboolean    wm_therapist_editor_get_valid         (WmTherapistEditor *self);
gboolean    wm_therapist_editor_get_dirty         (WmTherapistEditor *self);
/* The first problem ("email: not a valid e-mail address"), or NULL. */
const char *wm_therapist_editor_get_first_problem (WmTherapistEditor *self);
/* The same for people, with the field's label: "E-mail: Not a valid e-mail address". */
const char *wm_therapist_editor_get_first_problem_text (WmTherapistEditor *self);
/* Shows a problem found on saving ("external_id: … is already used") next to its field
 * until that field is edited. */
void        wm_therapist_editor_show_problem      (WmTherapistEditor *self,
                                                   const char        *message);
/* Scrolls the form back to the top and focuses its first field. */
void        wm_therapist_editor_focus             (WmTherapistEditor *self);

G_END_DECLS
