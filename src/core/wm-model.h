/* wm-model.h: the records Waymark stores: therapists, clients, cases, case events, referrals
 * and users.
 *
 * The instance structs are public so the store, the matcher and tests can read fields
 * directly; change them through properties or wm_record_set_*() so bound widgets see it.
 * Unknown numbers are -1 (nullable integers) or NAN (coordinates).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "wm-record.h"

G_BEGIN_DECLS

#define WM_TYPE_THERAPIST (wm_therapist_get_type ())
G_DECLARE_FINAL_TYPE (WmTherapist, wm_therapist, WM, THERAPIST, WmRecord)

struct _WmTherapist
{
  WmRecord parent_instance;

  char *external_id;
  char *title;
  char *given_name;
  char *family_name;
  char *gender;
  char *email;
  char *phone;
  char *address;
  char *town;
  char *postcode;
  double latitude;
  double longitude;
  gboolean in_person;
  gboolean online;
  char **languages;
  char **specialisms;          /* stored in therapist_specialisms */
  gint64 max_caseload;
  gboolean accepting;
  gint64 fee_min;              /* pounds per session, -1 unknown */
  gint64 fee_max;
  gboolean low_cost;
  char *registration_body;
  char *registration_number;
  char *registration_expires;  /* YYYY-MM-DD */
  char *insurance_expires;
  char *dbs_checked;
  gboolean training_completed;
  gboolean supervision_confirmed;
  char *notes;
  gboolean active;
  char *created_at;
  char *updated_at;
};

WmTherapist *wm_therapist_new          (void);
char        *wm_therapist_dup_display_name (WmTherapist *self);
gboolean     wm_therapist_has_specialism (WmTherapist *self,
                                          const char  *code);

#define WM_TYPE_CLIENT (wm_client_get_type ())
G_DECLARE_FINAL_TYPE (WmClient, wm_client, WM, CLIENT, WmRecord)

struct _WmClient
{
  WmRecord parent_instance;

  char *given_name;
  char *family_name;
  char *preferred_name;
  char *gender;
  gint64 birth_year;            /* -1 unknown */
  char *phone;
  char *email;
  char *address;                /* postal address, only for letters */
  char *town;
  char *postcode;
  double latitude;
  double longitude;
  char *location_precision;     /* exact|postcode|district|town|region */
  char *language;
  gboolean contact_voicemail_ok;
  gboolean contact_letter_ok;
  gboolean contact_email_ok;
};

WmClient    *wm_client_new             (void);
char        *wm_client_dup_display_name (WmClient *self);

#define WM_TYPE_CASE (wm_case_get_type ())
G_DECLARE_FINAL_TYPE (WmCase, wm_case, WM, CASE, WmRecord)

struct _WmCase
{
  WmRecord parent_instance;

  char *reference;              /* WM-YYYY-NNNN, given by the store */
  gint64 client_id;
  char *status;
  char *category;
  char *cjs_status;
  gboolean police_aware;
  char **needs;                 /* required specialism codes */
  char **desired;               /* wished-for specialism codes */
  char *preferred_gender;
  gboolean gender_required;
  char *language;
  gboolean online_ok;
  gint64 max_distance_km;       /* -1: the default radius */
  char *funding;
  gboolean risk_safeguarding;
  gboolean risk_self_harm;
  gboolean urgent;
  gint64 linked_case_id;        /* -1: none */
  gint64 assigned_therapist_id; /* -1: none */
  char *opened_at;
  char *closed_at;
  char *outcome;
  char *notes;
  gint64 created_by;
  gint64 updated_by;
  char *updated_at;

  WmClient *client;             /* owned; never NULL */
};

WmCase      *wm_case_new               (void);
WmClient    *wm_case_get_client        (WmCase *self);
gboolean     wm_case_has_risk          (WmCase *self);

#define WM_TYPE_CASE_EVENT (wm_case_event_get_type ())
G_DECLARE_FINAL_TYPE (WmCaseEvent, wm_case_event, WM, CASE_EVENT, WmRecord)

struct _WmCaseEvent
{
  WmRecord parent_instance;

  gint64 case_id;
  char *at;
  gint64 user_id;
  char *kind;
  char *body;
};

#define WM_TYPE_REFERRAL (wm_referral_get_type ())
G_DECLARE_FINAL_TYPE (WmReferral, wm_referral, WM, REFERRAL, WmRecord)

struct _WmReferral
{
  WmRecord parent_instance;

  gint64 case_id;
  gint64 therapist_id;
  char *state;
  double score;
  char *explanation;
  char *sent_at;
  char *first_contact_at;
  char *ended_at;
  char *decline_reason;
  gint64 created_by;
};

#define WM_TYPE_USER (wm_user_get_type ())
G_DECLARE_FINAL_TYPE (WmUser, wm_user, WM, USER, WmRecord)

struct _WmUser
{
  WmRecord parent_instance;

  char *username;
  char *display_name;
  char *role;                   /* admin|coordinator|therapist */
  gint64 therapist_id;          /* -1 unless role is therapist */
  gboolean disabled;
  gboolean must_change_password;
  char *created_at;
};

/* Checks a record the way every entry point needs it checked (GUI, CLI, import): normalises
 * postcodes and phone numbers in place, then returns FALSE with a WM_VALIDATION_ERROR naming
 * the first bad field. */
gboolean     wm_therapist_check        (WmTherapist *self,
                                        GError     **error);
gboolean     wm_client_check           (WmClient    *self,
                                        GError     **error);
gboolean     wm_case_check             (WmCase      *self,
                                        GError     **error);
gboolean     wm_user_check             (WmUser      *self,
                                        GError     **error);

G_END_DECLS
