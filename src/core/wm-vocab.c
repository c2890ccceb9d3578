/* wm-vocab.c: Waymark's fixed vocabularies and the two state machines built on them.
 *
 * The codes are what the database, the CSV files and the CLI use; they never change once
 * shipped. Labels are for people and go through gettext.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wm-vocab.h"

static const WmVocabEntry specialisms[] = {
  { "pre-offence", N_("Pre-offence (at risk, not offended)") },
  { "online-offending", N_("Online offending") },
  { "contact-offending", N_("Contact offending") },
  { "non-contact-offending", N_("Non-contact offending") },
  { "compulsive-sexual-behaviour", N_("Compulsive sexual behaviour") },
  { "paraphilias", N_("Paraphilias") },
  { "family-partners", N_("Families and partners") },
  { "young-people", N_("Young people") },
  { "female-clients", N_("Female clients") },
  { "learning-disability", N_("Learning disability") },
  { "trauma", N_("Trauma") },
  { "survivors", N_("Survivors of abuse") },
  { "risk-assessment", N_("Risk assessment") },
};

static const WmVocabEntry categories[] = {
  { "at-risk", N_("At risk, not offended") },
  { "offended-online", N_("Offended online") },
  { "offended-contact", N_("Contact offence") },
  { "offended-non-contact", N_("Non-contact offence") },
  { "family-member", N_("Family member or partner") },
  { "survivor", N_("Survivor") },
  { "professional-enquiry", N_("Professional enquiry") },
  { "other", N_("Other") },
};

static const WmVocabEntry cjs_statuses[] = {
  { "none", N_("Not involved") },
  { "under-investigation", N_("Under investigation") },
  { "charged", N_("Charged") },
  { "convicted", N_("Convicted") },
  { "on-licence", N_("On licence") },
  { "sentence-completed", N_("Sentence completed") },
  { "unknown", N_("Unknown") },
};

static const WmVocabEntry case_statuses[] = {
  { "enquiry", N_("Enquiry") },
  { "triage", N_("Triage") },
  { "matching", N_("Matching") },
  { "referred", N_("Referred") },
  { "in-therapy", N_("In therapy") },
  { "closed", N_("Closed") },
  { "on-hold", N_("On hold") },
  { "withdrawn", N_("Withdrawn") },
};

static const WmVocabEntry referral_states[] = {
  { "proposed", N_("Proposed") },
  { "sent", N_("Sent") },
  { "accepted", N_("Accepted") },
  { "first-contact", N_("First contact made") },
  { "ended", N_("Ended") },
  { "declined", N_("Declined") },
  { "no-contact", N_("No contact") },
};

static const WmVocabEntry genders[] = {
  { "female", N_("Female") },
  { "male", N_("Male") },
  { "non-binary", N_("Non-binary") },
  { "other", N_("Other") },
  { "unknown", N_("Not stated") },
};

static const WmVocabEntry fundings[] = {
  { "self", N_("Self-funded") },
  { "hardship", N_("Hardship fund") },
  { "third-party", N_("Third party") },
};

static const WmVocabEntry precisions[] = {
  { "exact", N_("Exact address") },
  { "postcode", N_("Full postcode") },
  { "district", N_("Postcode district") },
  { "town", N_("Town") },
  { "region", N_("Region") },
};

static const WmVocabEntry roles[] = {
  { "admin", N_("Administrator") },
  { "coordinator", N_("Coordinator") },
  { "therapist", N_("Therapist") },
};

static const WmVocabEntry event_kinds[] = {
  { "note", N_("Note") },
  { "call", N_("Call") },
  { "email", N_("E-mail") },
  { "letter", N_("Letter") },
  { "status", N_("Status change") },
  { "referral", N_("Referral") },
  { "import", N_("Imported") },
};

static const struct
{
  const char *name;
  const WmVocabEntry *entries;
  guint n_entries;
} vocabs[WM_VOCAB_N] = {
  [WM_VOCAB_SPECIALISM] = { "specialism", specialisms, G_N_ELEMENTS (specialisms) },
  [WM_VOCAB_CATEGORY] = { "category", categories, G_N_ELEMENTS (categories) },
  [WM_VOCAB_CJS_STATUS] = { "CJS status", cjs_statuses, G_N_ELEMENTS (cjs_statuses) },
  [WM_VOCAB_CASE_STATUS] = { "status", case_statuses, G_N_ELEMENTS (case_statuses) },
  [WM_VOCAB_REFERRAL_STATE] = { "referral state", referral_states, G_N_ELEMENTS (referral_states) },
  [WM_VOCAB_GENDER] = { "gender", genders, G_N_ELEMENTS (genders) },
  [WM_VOCAB_FUNDING] = { "funding", fundings, G_N_ELEMENTS (fundings) },
  [WM_VOCAB_PRECISION] = { "location precision", precisions, G_N_ELEMENTS (precisions) },
  [WM_VOCAB_ROLE] = { "role", roles, G_N_ELEMENTS (roles) },
  [WM_VOCAB_EVENT_KIND] = { "event kind", event_kinds, G_N_ELEMENTS (event_kinds) },
};

const WmVocabEntry *
wm_vocab_entries (WmVocab  vocab,
                  guint   *n_entries)
{
  g_return_val_if_fail (vocab < WM_VOCAB_N, NULL);

  if (n_entries != NULL)
    *n_entries = vocabs[vocab].n_entries;
  return vocabs[vocab].entries;
}

static const WmVocabEntry *
find_entry (WmVocab     vocab,
            const char *code)
{
  g_return_val_if_fail (vocab < WM_VOCAB_N, NULL);

  if (code == NULL)
    return NULL;
  for (guint i = 0; i < vocabs[vocab].n_entries; i++)
    if (strcmp (vocabs[vocab].entries[i].code, code) == 0)
      return &vocabs[vocab].entries[i];
  return NULL;
}

gboolean
wm_vocab_contains (WmVocab     vocab,
                   const char *code)
{
  return find_entry (vocab, code) != NULL;
}

const char *
wm_vocab_label (WmVocab     vocab,
                const char *code)
{
  const WmVocabEntry *entry = find_entry (vocab, code);

  return entry != NULL ? _(entry->label) : code;
}

const char *
wm_vocab_name (WmVocab vocab)
{
  g_return_val_if_fail (vocab < WM_VOCAB_N, NULL);
  return vocabs[vocab].name;
}

/* The forward path of a case; each state may move to the next one. */
static const char * const case_path[] = {
  "enquiry", "triage", "matching", "referred", "in-therapy", "closed",
};

static int
case_path_index (const char *status)
{
  for (guint i = 0; i < G_N_ELEMENTS (case_path); i++)
    if (g_strcmp0 (case_path[i], status) == 0)
      return (int) i;
  return -1;
}

gboolean
wm_case_status_is_open (const char *status)
{
  return wm_vocab_contains (WM_VOCAB_CASE_STATUS, status)
         && g_strcmp0 (status, "closed") != 0
         && g_strcmp0 (status, "withdrawn") != 0;
}

gboolean
wm_case_status_can_transition (const char *from,
                               const char *to)
{
  int i_from, i_to;

  if (!wm_vocab_contains (WM_VOCAB_CASE_STATUS, from)
      || !wm_vocab_contains (WM_VOCAB_CASE_STATUS, to)
      || g_strcmp0 (from, to) == 0
      || !wm_case_status_is_open (from))
    return FALSE;

  /* Any open case may be paused or withdrawn. */
  if (g_strcmp0 (to, "on-hold") == 0 || g_strcmp0 (to, "withdrawn") == 0)
    return TRUE;

  /* A paused case resumes where coordinators pick it up again: any open working state. */
  if (g_strcmp0 (from, "on-hold") == 0)
    return wm_case_status_is_open (to);

  i_from = case_path_index (from);
  i_to = case_path_index (to);
  if (i_to == i_from + 1)
    return TRUE;

  /* A referral that fails (declined, no contact) sends the case back to matching. */
  if (g_strcmp0 (to, "matching") == 0
      && (g_strcmp0 (from, "referred") == 0 || g_strcmp0 (from, "in-therapy") == 0))
    return TRUE;

  return FALSE;
}

const char **
wm_case_status_next (const char *from)
{
  GPtrArray *next = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (case_statuses); i++)
    if (wm_case_status_can_transition (from, case_statuses[i].code))
      g_ptr_array_add (next, (gpointer) case_statuses[i].code);
  g_ptr_array_add (next, NULL);
  return (const char **) g_ptr_array_free (next, FALSE);
}

gboolean
wm_referral_state_can_transition (const char *from,
                                  const char *to)
{
  static const struct { const char *from, *to; } allowed[] = {
    { "proposed", "sent" },
    { "sent", "accepted" },
    { "accepted", "first-contact" },
    { "first-contact", "ended" },
    { "proposed", "declined" }, { "sent", "declined" }, { "accepted", "declined" },
    { "proposed", "no-contact" }, { "sent", "no-contact" }, { "accepted", "no-contact" },
    /* A therapist may make first contact before formally accepting. */
    { "sent", "first-contact" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    if (g_strcmp0 (allowed[i].from, from) == 0 && g_strcmp0 (allowed[i].to, to) == 0)
      return TRUE;
  return FALSE;
}

gboolean
wm_referral_state_is_open (const char *state)
{
  return g_strcmp0 (state, "sent") == 0
         || g_strcmp0 (state, "accepted") == 0
         || g_strcmp0 (state, "first-contact") == 0;
}
