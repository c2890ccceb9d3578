/* wm-vocab.h: the fixed vocabularies of Waymark (specialisms, categories, statuses) and the
 * case and referral state machines. Codes are stored; labels are shown (translatable).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *code;
  const char *label; /* N_() marked; pass through _() to show */
} WmVocabEntry;

typedef enum
{
  WM_VOCAB_SPECIALISM,
  WM_VOCAB_CATEGORY,
  WM_VOCAB_CJS_STATUS,
  WM_VOCAB_CASE_STATUS,
  WM_VOCAB_REFERRAL_STATE,
  WM_VOCAB_GENDER,
  WM_VOCAB_FUNDING,
  WM_VOCAB_PRECISION,
  WM_VOCAB_ROLE,
  WM_VOCAB_EVENT_KIND,
  WM_VOCAB_N
} WmVocab;

const WmVocabEntry *wm_vocab_entries        (WmVocab     vocab,
                                             guint      *n_entries);
gboolean            wm_vocab_contains       (WmVocab     vocab,
                                             const char *code);
const char         *wm_vocab_label          (WmVocab     vocab,
                                             const char *code);
const char         *wm_vocab_name           (WmVocab     vocab);

/* Case status machine: enquiry → triage → matching → referred → in-therapy → closed;
 * on-hold and withdrawn from any open state; on-hold returns to the open states. */
gboolean            wm_case_status_is_open         (const char *status);
gboolean            wm_case_status_can_transition  (const char *from,
                                                    const char *to);
/* NULL-terminated array of the states reachable from @from (static strings; free the array
 * with g_free only). */
const char        **wm_case_status_next            (const char *from);

/* Referral machine: proposed → sent → accepted → first-contact → ended; declined or no-contact
 * from any state before first contact. */
gboolean            wm_referral_state_can_transition (const char *from,
                                                      const char *to);
/* A referral in one of these states takes a place in the therapist's caseload. */
gboolean            wm_referral_state_is_open        (const char *state);

G_END_DECLS
