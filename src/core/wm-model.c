/* wm-model.c: field tables and checks for Waymark's stored records.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "wm-model.h"
#include "wm-validate.h"
#include "wm-vocab.h"

#define F(T, col, type, flags) { #col, type, G_STRUCT_OFFSET (T, col), flags }
#define S(T, col) F (T, col, WM_FIELD_STRING, WM_FIELD_NONE)
#define I(T, col) F (T, col, WM_FIELD_INT, WM_FIELD_NONE)
#define IN(T, col) F (T, col, WM_FIELD_INT, WM_FIELD_NULLABLE)
#define B(T, col) F (T, col, WM_FIELD_BOOL, WM_FIELD_NONE)
#define D(T, col) F (T, col, WM_FIELD_DOUBLE, WM_FIELD_NONE)
#define V(T, col) F (T, col, WM_FIELD_STRV, WM_FIELD_NONE)
#define M(T, col, type) F (T, col, type, WM_FIELD_MANAGED)

/* Therapists */

G_DEFINE_FINAL_TYPE (WmTherapist, wm_therapist, WM_TYPE_RECORD)

static const WmField therapist_fields[] = {
  S (WmTherapist, external_id),
  S (WmTherapist, title),
  S (WmTherapist, given_name),
  S (WmTherapist, family_name),
  S (WmTherapist, gender),
  S (WmTherapist, email),
  S (WmTherapist, phone),
  S (WmTherapist, address),
  S (WmTherapist, town),
  S (WmTherapist, postcode),
  D (WmTherapist, latitude),
  D (WmTherapist, longitude),
  B (WmTherapist, in_person),
  B (WmTherapist, online),
  V (WmTherapist, languages),
  F (WmTherapist, specialisms, WM_FIELD_STRV, WM_FIELD_NO_COLUMN),
  I (WmTherapist, max_caseload),
  B (WmTherapist, accepting),
  IN (WmTherapist, fee_min),
  IN (WmTherapist, fee_max),
  B (WmTherapist, low_cost),
  S (WmTherapist, registration_body),
  S (WmTherapist, registration_number),
  S (WmTherapist, registration_expires),
  S (WmTherapist, insurance_expires),
  S (WmTherapist, dbs_checked),
  B (WmTherapist, training_completed),
  B (WmTherapist, supervision_confirmed),
  S (WmTherapist, notes),
  B (WmTherapist, active),
  M (WmTherapist, created_at, WM_FIELD_STRING),
  M (WmTherapist, updated_at, WM_FIELD_STRING),
};

static void
wm_therapist_class_init (WmTherapistClass *klass)
{
  wm_record_class_install_fields (WM_RECORD_CLASS (klass), "therapists",
                                  therapist_fields, G_N_ELEMENTS (therapist_fields));
}

static void
wm_therapist_init (WmTherapist *self)
{
  self->latitude = NAN;
  self->longitude = NAN;
  self->in_person = TRUE;
  self->max_caseload = 5;
  self->accepting = TRUE;
  self->fee_min = -1;
  self->fee_max = -1;
  self->active = TRUE;
}

WmTherapist *
wm_therapist_new (void)
{
  return g_object_new (WM_TYPE_THERAPIST, NULL);
}

char *
wm_therapist_dup_display_name (WmTherapist *self)
{
  g_return_val_if_fail (WM_IS_THERAPIST (self), NULL);

  if (self->title != NULL)
    return g_strdup_printf ("%s %s %s", self->title,
                            self->given_name ? self->given_name : "",
                            self->family_name ? self->family_name : "");
  return g_strdup_printf ("%s %s", self->given_name ? self->given_name : "",
                          self->family_name ? self->family_name : "");
}

gboolean
wm_therapist_has_specialism (WmTherapist *self,
                             const char  *code)
{
  g_return_val_if_fail (WM_IS_THERAPIST (self), FALSE);
  return self->specialisms != NULL
         && g_strv_contains ((const char * const *) self->specialisms, code);
}

static gboolean
check_location (const char *postcode_field,
                char      **postcode,
                double      latitude,
                double      longitude,
                GError    **error)
{
  g_autofree char *normalised = NULL;

  if (*postcode != NULL)
    {
      /* A full postcode or just its district ("HG1") are both fine for where someone is. */
      if (!wm_postcode_normalise (postcode_field, *postcode, FALSE, &normalised, NULL, NULL)
          && !wm_postcode_normalise_outward (postcode_field, *postcode, FALSE, &normalised, NULL)
          && !wm_postcode_normalise (postcode_field, *postcode, FALSE, &normalised, NULL, error))
        return FALSE;
      g_free (*postcode);
      *postcode = g_steal_pointer (&normalised);
    }

  if (isnan (latitude) != isnan (longitude))
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_REQUIRED,
                   isnan (latitude) ? _("latitude: is required when longitude is given")
                                    : _("longitude: is required when latitude is given"));
      return FALSE;
    }
  if (!isnan (latitude)
      && (!wm_validate_latitude ("latitude", latitude, error)
          || !wm_validate_longitude ("longitude", longitude, error)))
    return FALSE;

  return TRUE;
}

static gboolean
check_phone (const char *field,
             char      **phone,
             GError    **error)
{
  g_autofree char *normalised = NULL;

  if (!wm_validate_uk_phone (field, *phone, FALSE, &normalised, error))
    return FALSE;
  if (normalised != NULL)
    {
      g_free (*phone);
      *phone = g_steal_pointer (&normalised);
    }
  return TRUE;
}

static gboolean
check_codes (const char  *field,
             WmVocab      vocab,
             char       **codes,
             GError     **error)
{
  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    if (!wm_validate_enum (field, vocab, codes[i], TRUE, error))
      return FALSE;
  return TRUE;
}

static gboolean
check_date (const char *field,
            char      **date,
            GError    **error)
{
  g_autofree char *normalised = NULL;

  if (!wm_parse_date (field, *date, FALSE, &normalised, error))
    return FALSE;
  g_free (*date);
  *date = g_steal_pointer (&normalised);
  return TRUE;
}

gboolean
wm_therapist_check (WmTherapist *self,
                    GError     **error)
{
  g_return_val_if_fail (WM_IS_THERAPIST (self), FALSE);

  if (!wm_validate_text ("external_id", self->external_id, 64, FALSE, FALSE, error)
      || !wm_validate_text ("title", self->title, 32, FALSE, FALSE, error)
      || !wm_validate_text ("given_name", self->given_name, 100, FALSE, TRUE, error)
      || !wm_validate_text ("family_name", self->family_name, 100, FALSE, TRUE, error)
      || !wm_validate_enum ("gender", WM_VOCAB_GENDER, self->gender, FALSE, error)
      || !wm_validate_email ("email", self->email, FALSE, error)
      || !check_phone ("phone", &self->phone, error)
      || !wm_validate_text ("address", self->address, 500, TRUE, FALSE, error)
      || !wm_validate_text ("town", self->town, 100, FALSE, FALSE, error)
      || !check_location ("postcode", &self->postcode, self->latitude, self->longitude, error)
      || !check_codes ("specialisms", WM_VOCAB_SPECIALISM, self->specialisms, error)
      || !wm_validate_text ("registration_body", self->registration_body, 100, FALSE, FALSE, error)
      || !wm_validate_text ("registration_number", self->registration_number, 100, FALSE, FALSE,
                            error)
      || !check_date ("registration_expires", &self->registration_expires, error)
      || !check_date ("insurance_expires", &self->insurance_expires, error)
      || !check_date ("dbs_checked", &self->dbs_checked, error)
      || !wm_validate_text ("notes", self->notes, 20000, TRUE, FALSE, error))
    return FALSE;

  if (self->max_caseload < 0 || self->max_caseload > 500)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   _("max_caseload: must be between 0 and 500"));
      return FALSE;
    }
  if (self->fee_min > 100000 || self->fee_max > 100000)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   _("%s: must be at most £100000"), self->fee_min > 100000 ? "fee_min" : "fee_max");
      return FALSE;
    }
  if (self->fee_min >= 0 && self->fee_max >= 0 && self->fee_min > self->fee_max)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   _("fee_max: must not be less than fee_min"));
      return FALSE;
    }
  if (!self->in_person && !self->online)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                   _("in_person: a therapist must see clients in person, online or both"));
      return FALSE;
    }
  if (self->in_person && isnan (self->latitude))
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_REQUIRED,
                   _("latitude: is required for a therapist who sees clients in person"));
      return FALSE;
    }
  return TRUE;
}

/* Clients */

G_DEFINE_FINAL_TYPE (WmClient, wm_client, WM_TYPE_RECORD)

static const WmField client_fields[] = {
  S (WmClient, given_name),
  S (WmClient, family_name),
  S (WmClient, preferred_name),
  S (WmClient, gender),
  IN (WmClient, birth_year),
  S (WmClient, phone),
  S (WmClient, email),
  S (WmClient, address),
  S (WmClient, town),
  S (WmClient, postcode),
  D (WmClient, latitude),
  D (WmClient, longitude),
  S (WmClient, location_precision),
  S (WmClient, language),
  B (WmClient, contact_voicemail_ok),
  B (WmClient, contact_letter_ok),
  B (WmClient, contact_email_ok),
};

static void
wm_client_class_init (WmClientClass *klass)
{
  wm_record_class_install_fields (WM_RECORD_CLASS (klass), "clients",
                                  client_fields, G_N_ELEMENTS (client_fields));
}

static void
wm_client_init (WmClient *self)
{
  self->birth_year = -1;
  self->latitude = NAN;
  self->longitude = NAN;
  /* Never more precise than needed: a town is usually enough to find a therapist. */
  self->location_precision = g_strdup ("town");
}

WmClient *
wm_client_new (void)
{
  return g_object_new (WM_TYPE_CLIENT, NULL);
}

char *
wm_client_dup_display_name (WmClient *self)
{
  g_return_val_if_fail (WM_IS_CLIENT (self), NULL);

  return g_strdup_printf ("%s %s",
                          self->preferred_name ? self->preferred_name
                                               : (self->given_name ? self->given_name : ""),
                          self->family_name ? self->family_name : "");
}

gboolean
wm_client_check (WmClient *self,
                 GError  **error)
{
  g_return_val_if_fail (WM_IS_CLIENT (self), FALSE);

  /* People often give only a first name at enquiry; the family name can follow. */
  if (!wm_validate_text ("given_name", self->given_name, 100, FALSE, TRUE, error)
      || !wm_validate_text ("family_name", self->family_name, 100, FALSE, FALSE, error)
      || !wm_validate_text ("preferred_name", self->preferred_name, 100, FALSE, FALSE, error)
      || !wm_validate_enum ("gender", WM_VOCAB_GENDER, self->gender, FALSE, error)
      || (self->birth_year >= 0 && !wm_validate_birth_year ("birth_year", self->birth_year, error))
      || !check_phone ("phone", &self->phone, error)
      || !wm_validate_email ("email", self->email, FALSE, error)
      || !wm_validate_text ("address", self->address, 500, TRUE, FALSE, error)
      || !wm_validate_text ("town", self->town, 100, FALSE, FALSE, error)
      || !check_location ("postcode", &self->postcode, self->latitude, self->longitude, error)
      || !wm_validate_enum ("location_precision", WM_VOCAB_PRECISION, self->location_precision,
                            TRUE, error)
      || !wm_validate_text ("language", self->language, 50, FALSE, FALSE, error))
    return FALSE;
  return TRUE;
}

/* Cases */

G_DEFINE_FINAL_TYPE (WmCase, wm_case, WM_TYPE_RECORD)

static const WmField case_fields[] = {
  M (WmCase, reference, WM_FIELD_STRING),
  F (WmCase, client_id, WM_FIELD_INT, WM_FIELD_MANAGED),
  S (WmCase, status),
  S (WmCase, category),
  S (WmCase, cjs_status),
  B (WmCase, police_aware),
  V (WmCase, needs),
  V (WmCase, desired),
  S (WmCase, preferred_gender),
  B (WmCase, gender_required),
  S (WmCase, language),
  B (WmCase, online_ok),
  IN (WmCase, max_distance_km),
  S (WmCase, funding),
  B (WmCase, risk_safeguarding),
  B (WmCase, risk_self_harm),
  B (WmCase, urgent),
  IN (WmCase, linked_case_id),
  IN (WmCase, assigned_therapist_id),
  S (WmCase, opened_at),
  S (WmCase, closed_at),
  S (WmCase, outcome),
  S (WmCase, notes),
  F (WmCase, created_by, WM_FIELD_INT, WM_FIELD_MANAGED | WM_FIELD_NULLABLE),
  F (WmCase, updated_by, WM_FIELD_INT, WM_FIELD_MANAGED | WM_FIELD_NULLABLE),
  M (WmCase, updated_at, WM_FIELD_STRING),
};

static void
wm_case_finalize (GObject *object)
{
  WmCase *self = WM_CASE (object);

  g_clear_object (&self->client);
  G_OBJECT_CLASS (wm_case_parent_class)->finalize (object);
}

static void
wm_case_class_init (WmCaseClass *klass)
{
  wm_record_class_install_fields (WM_RECORD_CLASS (klass), "cases",
                                  case_fields, G_N_ELEMENTS (case_fields));
  G_OBJECT_CLASS (klass)->finalize = wm_case_finalize;
}

static void
wm_case_init (WmCase *self)
{
  self->client_id = 0;
  self->status = g_strdup ("enquiry");
  self->category = g_strdup ("other");
  self->cjs_status = g_strdup ("unknown");
  self->online_ok = TRUE;
  self->max_distance_km = -1;
  self->funding = g_strdup ("self");
  self->linked_case_id = -1;
  self->assigned_therapist_id = -1;
  self->created_by = -1;
  self->updated_by = -1;
  self->client = wm_client_new ();
}

WmCase *
wm_case_new (void)
{
  return g_object_new (WM_TYPE_CASE, NULL);
}

WmClient *
wm_case_get_client (WmCase *self)
{
  g_return_val_if_fail (WM_IS_CASE (self), NULL);
  return self->client;
}

gboolean
wm_case_has_risk (WmCase *self)
{
  g_return_val_if_fail (WM_IS_CASE (self), FALSE);
  return self->risk_safeguarding || self->risk_self_harm || self->urgent;
}

gboolean
wm_case_check (WmCase  *self,
               GError **error)
{
  g_return_val_if_fail (WM_IS_CASE (self), FALSE);

  if (!wm_validate_enum ("status", WM_VOCAB_CASE_STATUS, self->status, TRUE, error)
      || !wm_validate_enum ("category", WM_VOCAB_CATEGORY, self->category, TRUE, error)
      || !wm_validate_enum ("cjs_status", WM_VOCAB_CJS_STATUS, self->cjs_status, TRUE, error)
      || !check_codes ("needs", WM_VOCAB_SPECIALISM, self->needs, error)
      || !check_codes ("desired", WM_VOCAB_SPECIALISM, self->desired, error)
      || !wm_validate_enum ("preferred_gender", WM_VOCAB_GENDER, self->preferred_gender, FALSE,
                            error)
      || !wm_validate_text ("language", self->language, 50, FALSE, FALSE, error)
      || !wm_validate_enum ("funding", WM_VOCAB_FUNDING, self->funding, TRUE, error)
      || !wm_validate_text ("outcome", self->outcome, 2000, TRUE, FALSE, error)
      || !wm_validate_text ("notes", self->notes, 100000, TRUE, FALSE, error)
      || !wm_client_check (self->client, error))
    return FALSE;

  if (self->reference != NULL && !wm_validate_case_reference ("reference", self->reference, error))
    return FALSE;
  if (self->gender_required && self->preferred_gender == NULL)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_REQUIRED,
                   _("preferred_gender: is required when the gender is required"));
      return FALSE;
    }
  if (self->max_distance_km == 0 || self->max_distance_km > 1000)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   _("max_distance_km: must be between 1 and 1000"));
      return FALSE;
    }
  return TRUE;
}

/* Case events */

G_DEFINE_FINAL_TYPE (WmCaseEvent, wm_case_event, WM_TYPE_RECORD)

static const WmField case_event_fields[] = {
  I (WmCaseEvent, case_id),
  S (WmCaseEvent, at),
  IN (WmCaseEvent, user_id),
  S (WmCaseEvent, kind),
  S (WmCaseEvent, body),
};

static void
wm_case_event_class_init (WmCaseEventClass *klass)
{
  wm_record_class_install_fields (WM_RECORD_CLASS (klass), "case_events",
                                  case_event_fields, G_N_ELEMENTS (case_event_fields));
}

static void
wm_case_event_init (WmCaseEvent *self)
{
  self->user_id = -1;
}

/* Referrals */

G_DEFINE_FINAL_TYPE (WmReferral, wm_referral, WM_TYPE_RECORD)

static const WmField referral_fields[] = {
  I (WmReferral, case_id),
  I (WmReferral, therapist_id),
  S (WmReferral, state),
  D (WmReferral, score),
  S (WmReferral, explanation),
  S (WmReferral, sent_at),
  S (WmReferral, first_contact_at),
  S (WmReferral, ended_at),
  S (WmReferral, decline_reason),
  F (WmReferral, created_by, WM_FIELD_INT, WM_FIELD_MANAGED | WM_FIELD_NULLABLE),
};

static void
wm_referral_class_init (WmReferralClass *klass)
{
  wm_record_class_install_fields (WM_RECORD_CLASS (klass), "referrals",
                                  referral_fields, G_N_ELEMENTS (referral_fields));
}

static void
wm_referral_init (WmReferral *self)
{
  self->score = NAN;
  self->created_by = -1;
}

/* Users */

G_DEFINE_FINAL_TYPE (WmUser, wm_user, WM_TYPE_RECORD)

static const WmField user_fields[] = {
  S (WmUser, username),
  S (WmUser, display_name),
  S (WmUser, role),
  IN (WmUser, therapist_id),
  B (WmUser, disabled),
  B (WmUser, must_change_password),
  M (WmUser, created_at, WM_FIELD_STRING),
};

static void
wm_user_class_init (WmUserClass *klass)
{
  wm_record_class_install_fields (WM_RECORD_CLASS (klass), "users",
                                  user_fields, G_N_ELEMENTS (user_fields));
}

static void
wm_user_init (WmUser *self)
{
  self->therapist_id = -1;
}

gboolean
wm_user_check (WmUser  *self,
               GError **error)
{
  g_return_val_if_fail (WM_IS_USER (self), FALSE);

  if (!wm_validate_required ("username", self->username, error)
      || !wm_validate_text ("display_name", self->display_name, 100, FALSE, FALSE, error)
      || !wm_validate_enum ("role", WM_VOCAB_ROLE, self->role, TRUE, error))
    return FALSE;
  if (g_strcmp0 (self->role, "therapist") == 0 && self->therapist_id < 0)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_REQUIRED,
                   _("therapist_id: a therapist user must be linked to a therapist record"));
      return FALSE;
    }
  return TRUE;
}
