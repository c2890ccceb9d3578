/* test-vocab.c: the vocabularies are well formed and the case and referral state machines
 * allow exactly the documented transitions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wm-vocab.h"

static void
test_vocab_well_formed (void)
{
  for (WmVocab v = 0; v < WM_VOCAB_N; v++)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      const WmVocabEntry *entries;
      guint n = 0;

      entries = wm_vocab_entries (v, &n);
      g_assert_nonnull (entries);
      g_assert_cmpuint (n, >, 0);
      g_assert_nonnull (wm_vocab_name (v));

      for (guint i = 0; i < n; i++)
        {
          const char *code = entries[i].code;

          g_assert_nonnull (code);
          g_assert_cmpstr (code, !=, "");
          g_assert_nonnull (entries[i].label);
          g_assert_cmpstr (entries[i].label, !=, "");
          /* Codes are stored and appear in CSV lists separated by ";": lower case, digits
           * and hyphens only. */
          g_assert_cmpuint (strspn (code, "abcdefghijklmnopqrstuvwxyz0123456789-"), ==,
                            strlen (code));
          g_assert_true (g_hash_table_add (seen, (gpointer) code));
          g_assert_true (wm_vocab_contains (v, code));
          g_assert_nonnull (wm_vocab_label (v, code));
        }
      g_assert_false (wm_vocab_contains (v, "no-such-code"));
      g_assert_false (wm_vocab_contains (v, NULL));
      g_assert_false (wm_vocab_contains (v, ""));
    }
}

/* The codes DESIGN.md promises to CSV files and the database. */
static void
test_vocab_documented_codes (void)
{
  static const struct { WmVocab vocab; const char *codes; } documented[] = {
    { WM_VOCAB_SPECIALISM,
      "pre-offence online-offending contact-offending non-contact-offending "
      "compulsive-sexual-behaviour paraphilias family-partners young-people female-clients "
      "learning-disability trauma survivors risk-assessment" },
    { WM_VOCAB_CATEGORY,
      "at-risk offended-online offended-contact offended-non-contact family-member survivor "
      "professional-enquiry other" },
    { WM_VOCAB_CJS_STATUS,
      "none under-investigation charged convicted on-licence sentence-completed unknown" },
    { WM_VOCAB_CASE_STATUS,
      "enquiry triage matching referred in-therapy closed on-hold withdrawn" },
    { WM_VOCAB_REFERRAL_STATE,
      "proposed sent accepted first-contact ended declined no-contact" },
    { WM_VOCAB_FUNDING, "self hardship third-party" },
    { WM_VOCAB_PRECISION, "exact postcode district town region" },
    { WM_VOCAB_ROLE, "admin coordinator therapist" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (documented); i++)
    {
      g_auto(GStrv) codes = g_strsplit (documented[i].codes, " ", -1);
      guint n = 0;

      wm_vocab_entries (documented[i].vocab, &n);
      g_assert_cmpuint (n, ==, g_strv_length (codes));
      for (guint j = 0; codes[j] != NULL; j++)
        {
          if (!wm_vocab_contains (documented[i].vocab, codes[j]))
            g_error ("%s lacks %s", wm_vocab_name (documented[i].vocab), codes[j]);
        }
    }
}

static const char * const case_statuses[] = {
  "enquiry", "triage", "matching", "referred", "in-therapy", "closed", "on-hold", "withdrawn",
};

static void
test_case_status_legal (void)
{
  static const struct { const char *from, *to; } legal[] = {
    { "enquiry", "triage" },
    { "triage", "matching" },
    { "matching", "referred" },
    { "referred", "in-therapy" },
    { "in-therapy", "closed" },
    /* A failed referral goes back to matching. */
    { "referred", "matching" },
    { "in-therapy", "matching" },
  };
  static const char * const open_states[] = {
    "enquiry", "triage", "matching", "referred", "in-therapy",
  };

  for (guint i = 0; i < G_N_ELEMENTS (legal); i++)
    if (!wm_case_status_can_transition (legal[i].from, legal[i].to))
      g_error ("%s → %s refused", legal[i].from, legal[i].to);

  /* on-hold and withdrawn from any open state; on-hold back to any open working state. */
  for (guint i = 0; i < G_N_ELEMENTS (open_states); i++)
    {
      g_assert_true (wm_case_status_is_open (open_states[i]));
      g_assert_true (wm_case_status_can_transition (open_states[i], "on-hold"));
      g_assert_true (wm_case_status_can_transition (open_states[i], "withdrawn"));
      g_assert_true (wm_case_status_can_transition ("on-hold", open_states[i]));
    }
  g_assert_true (wm_case_status_can_transition ("on-hold", "withdrawn"));
  g_assert_true (wm_case_status_is_open ("on-hold"));
}

static void
test_case_status_illegal (void)
{
  static const struct { const char *from, *to; } illegal[] = {
    { "enquiry", "referred" },
    { "enquiry", "matching" },
    { "enquiry", "in-therapy" },
    { "enquiry", "closed" },
    { "triage", "enquiry" },
    { "triage", "referred" },
    { "matching", "triage" },
    { "matching", "in-therapy" },
    { "matching", "closed" },
    { "referred", "closed" },
    { "in-therapy", "referred" },
    { "withdrawn", "enquiry" },
    { "on-hold", "closed" },
    { "enquiry", "enquiry" },
    { "on-hold", "on-hold" },
    { "enquiry", "no-such-state" },
    { "no-such-state", "triage" },
    { NULL, "triage" },
    { "enquiry", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (illegal); i++)
    if (wm_case_status_can_transition (illegal[i].from, illegal[i].to))
      g_error ("%s → %s allowed", illegal[i].from, illegal[i].to);

  /* Closed and withdrawn cases are final: nothing leaves them. */
  for (guint i = 0; i < G_N_ELEMENTS (case_statuses); i++)
    {
      g_assert_false (wm_case_status_can_transition ("closed", case_statuses[i]));
      g_assert_false (wm_case_status_can_transition ("withdrawn", case_statuses[i]));
    }
  g_assert_false (wm_case_status_is_open ("closed"));
  g_assert_false (wm_case_status_is_open ("withdrawn"));
  g_assert_false (wm_case_status_is_open ("no-such-state"));
}

static char *
join_next (const char *from)
{
  g_autofree const char **next = wm_case_status_next (from);

  return g_strjoinv (",", (char **) next);
}

static void
test_case_status_next (void)
{
  g_autofree char *enquiry = join_next ("enquiry");
  g_autofree char *referred = join_next ("referred");
  g_autofree char *closed = join_next ("closed");
  g_autofree char *withdrawn = join_next ("withdrawn");
  g_autofree char *bogus = join_next ("bogus");

  g_assert_cmpstr (enquiry, ==, "triage,on-hold,withdrawn");
  g_assert_cmpstr (referred, ==, "matching,in-therapy,on-hold,withdrawn");
  g_assert_cmpstr (closed, ==, "");
  g_assert_cmpstr (withdrawn, ==, "");
  g_assert_cmpstr (bogus, ==, "");

  /* next() and can_transition() agree for every pair. */
  for (guint i = 0; i < G_N_ELEMENTS (case_statuses); i++)
    {
      g_autofree const char **next = wm_case_status_next (case_statuses[i]);

      for (guint j = 0; j < G_N_ELEMENTS (case_statuses); j++)
        g_assert_cmpint (g_strv_contains ((const char * const *) next, case_statuses[j]), ==,
                         wm_case_status_can_transition (case_statuses[i], case_statuses[j]));
    }
}

static void
test_referral_transitions (void)
{
  static const struct { const char *from, *to; gboolean ok; } cases[] = {
    { "proposed", "sent", TRUE },
    { "sent", "accepted", TRUE },
    { "accepted", "first-contact", TRUE },
    { "first-contact", "ended", TRUE },
    { "sent", "first-contact", TRUE },
    { "proposed", "declined", TRUE },
    { "sent", "declined", TRUE },
    { "accepted", "declined", TRUE },
    { "proposed", "no-contact", TRUE },
    { "sent", "no-contact", TRUE },
    { "accepted", "no-contact", TRUE },
    /* Declined and no-contact only before first contact. */
    { "first-contact", "declined", FALSE },
    { "first-contact", "no-contact", FALSE },
    { "ended", "declined", FALSE },
    /* No skipping, no going back, nothing out of the end states. */
    { "proposed", "accepted", FALSE },
    { "proposed", "ended", FALSE },
    { "accepted", "sent", FALSE },
    { "ended", "proposed", FALSE },
    { "declined", "sent", FALSE },
    { "no-contact", "first-contact", FALSE },
    { "sent", "sent", FALSE },
    { NULL, "sent", FALSE },
    { "sent", "bogus", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (wm_referral_state_can_transition (cases[i].from, cases[i].to) != cases[i].ok)
      g_error ("%s → %s should be %s", cases[i].from, cases[i].to,
               cases[i].ok ? "allowed" : "refused");

  /* The caseload counts sent, accepted and first-contact referrals. */
  g_assert_true (wm_referral_state_is_open ("sent"));
  g_assert_true (wm_referral_state_is_open ("accepted"));
  g_assert_true (wm_referral_state_is_open ("first-contact"));
  g_assert_false (wm_referral_state_is_open ("proposed"));
  g_assert_false (wm_referral_state_is_open ("ended"));
  g_assert_false (wm_referral_state_is_open ("declined"));
  g_assert_false (wm_referral_state_is_open ("no-contact"));
  g_assert_false (wm_referral_state_is_open (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vocab/well-formed", test_vocab_well_formed);
  g_test_add_func ("/vocab/documented-codes", test_vocab_documented_codes);
  g_test_add_func ("/vocab/case-status/legal", test_case_status_legal);
  g_test_add_func ("/vocab/case-status/illegal", test_case_status_illegal);
  g_test_add_func ("/vocab/case-status/next", test_case_status_next);
  g_test_add_func ("/vocab/referral/transitions", test_referral_transitions);

  return g_test_run ();
}
