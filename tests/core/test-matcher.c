/* test-matcher.c: the matching rules, one small register per rule with the expected ranking
 * and exclusions; a property test over random registers checked by an independent
 * implementation of the filters; and the explanations in words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "wm-explain.h"
#include "wm-geo.h"
#include "wm-matcher.h"
#include "wm-vocab.h"

/* Birmingham: the client's area in the scenarios. Therapists are placed due north (or south)
 * of it, so their distance is exactly the offset given. */
#define CENTRE_LAT 52.4862
#define CENTRE_LON -1.8904
#define KM_PER_DEGREE (WM_GEO_EARTH_RADIUS_KM * G_PI / 180.0)

static guint32 today; /* 15 June 2024 */

/* A therapist in a scenario. All zero is an active, accepting, compliant therapist who sees
 * clients in person only, at the client's centre, with 10 free places, no specialisms, no
 * gender stated and English only. */
enum
{
  T_INACTIVE = 1 << 0,
  T_NOT_ACCEPTING = 1 << 1,
  T_ONLINE = 1 << 2,
  T_NO_IN_PERSON = 1 << 3,
  T_NO_LOCATION = 1 << 4,
  T_NO_TRAINING = 1 << 5,
  T_LOW_COST = 1 << 6,
  T_DATES = 1 << 7,          /* insurance, registration, dbs: days from today (0 = today) */
  T_NO_INSURANCE = 1 << 8,   /* no date on record */
  T_NO_REGISTRATION = 1 << 9,
  T_NO_DBS = 1 << 10,
  T_NO_PLACES = 1 << 11,     /* max_caseload 0 */
};

typedef struct
{
  gint64 id;
  double north_km;
  guint flags;
  const char *specialisms;   /* ";"-separated codes */
  const char *gender;
  const char *languages;     /* ";"-separated; NULL: English only */
  int max_caseload;          /* 0: 10 */
  int open;
  int insurance;             /* with T_DATES */
  int registration;
  int dbs;
  guint32 dbs_julian;        /* overrides the DBS date when not 0 */
} TT;

static guint32
julian (int year,
        int month,
        int day)
{
  g_autoptr(GDate) date = g_date_new_dmy (day, month, year);

  return g_date_get_julian (date);
}

static WmSpecialismSet
specs (const char *list)
{
  g_auto(GStrv) codes = NULL;

  if (list == NULL)
    return 0;
  codes = g_strsplit (list, ";", -1);
  return wm_specialism_set_from_codes ((const char * const *) codes);
}

static WmMatchSnapshot *
snapshot_from (const TT *tt,
               guint     n)
{
  WmMatchSnapshot *snapshot = wm_match_snapshot_new ();

  for (guint i = 0; i < n; i++)
    {
      g_auto(GStrv) languages = NULL;
      g_autofree char *external_id = g_strdup_printf ("T%03" G_GINT64_FORMAT, tt[i].id);
      WmMatchTherapist t = { 0 };
      guint flags = tt[i].flags;

      if (tt[i].languages != NULL)
        languages = g_strsplit (tt[i].languages, ";", -1);

      t.id = tt[i].id;
      t.external_id = external_id;
      t.name = "Therapist";
      t.gender = tt[i].gender;
      t.latitude = (flags & T_NO_LOCATION) ? NAN : CENTRE_LAT + tt[i].north_km / KM_PER_DEGREE;
      t.longitude = (flags & T_NO_LOCATION) ? NAN : CENTRE_LON;
      t.active = !(flags & T_INACTIVE);
      t.accepting = !(flags & T_NOT_ACCEPTING);
      t.in_person = !(flags & T_NO_IN_PERSON);
      t.online = (flags & T_ONLINE) != 0;
      t.specialisms = specs (tt[i].specialisms);
      t.languages = (const char * const *) languages;
      t.max_caseload = (flags & T_NO_PLACES) ? 0 : tt[i].max_caseload > 0 ? tt[i].max_caseload : 10;
      t.open_referrals = tt[i].open;
      t.insurance_expires = (flags & T_DATES) ? today + tt[i].insurance : today + 365;
      t.registration_expires = (flags & T_DATES) ? today + tt[i].registration : today + 365;
      t.dbs_checked = (flags & T_DATES) ? today + tt[i].dbs : today - 365;
      if (tt[i].dbs_julian != 0)
        t.dbs_checked = tt[i].dbs_julian;
      if (flags & T_NO_INSURANCE)
        t.insurance_expires = 0;
      if (flags & T_NO_REGISTRATION)
        t.registration_expires = 0;
      if (flags & T_NO_DBS)
        t.dbs_checked = 0;
      t.training_completed = !(flags & T_NO_TRAINING);
      t.low_cost = (flags & T_LOW_COST) != 0;
      wm_match_snapshot_add (snapshot, &t);
    }
  return snapshot;
}

/* At the centre, nothing asked, the default radius, not online. */
static WmMatchCase
case_here (void)
{
  WmMatchCase kase = { 0 };

  kase.latitude = CENTRE_LAT;
  kase.longitude = CENTRE_LON;
  return kase;
}

static WmMatchOutcome *
match_with (const WmMatchSnapshot *snapshot,
            const WmMatchCase     *kase,
            const WmMatchWeights  *weights,
            guint                  dbs_years)
{
  WmMatchOptions options = { .today = today, .dbs_validity_years = dbs_years };
  WmMatchOutcome *outcome = wm_match (snapshot, kase, weights, &options);

  g_assert_nonnull (outcome);
  return outcome;
}

#define MATCH(tt, kase) \
  g_autoptr(WmMatchSnapshot) snapshot = snapshot_from ((tt), G_N_ELEMENTS (tt)); \
  g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, (kase), NULL, 0)

/* The ranking as ids ("3 1 2") and every exclusion in snapshot order ("4:capacity"). */
static void
assert_outcome (const WmMatchOutcome *outcome,
                const char           *ranking,
                const char           *excluded)
{
  g_autoptr(GString) got_ranking = g_string_new (NULL);
  g_autoptr(GString) got_excluded = g_string_new (NULL);

  for (guint i = 0; i < outcome->results->len; i++)
    g_string_append_printf (got_ranking, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "",
                            g_array_index (outcome->results, WmMatchResult, i).therapist_id);
  for (guint i = 0; i < outcome->excluded->len; i++)
    {
      const WmMatchExclusion *x = &g_array_index (outcome->excluded, WmMatchExclusion, i);

      g_string_append_printf (got_excluded, "%s%" G_GINT64_FORMAT ":%s", i > 0 ? " " : "",
                              x->therapist_id, wm_exclusion_code (x->reason));
    }
  g_assert_cmpstr (got_ranking->str, ==, ranking);
  g_assert_cmpstr (got_excluded->str, ==, excluded);
}

static const WmMatchResult *
result_for (const WmMatchOutcome *outcome,
            gint64                id)
{
  for (guint i = 0; i < outcome->results->len; i++)
    if (g_array_index (outcome->results, WmMatchResult, i).therapist_id == id)
      return &g_array_index (outcome->results, WmMatchResult, i);
  g_assert_not_reached ();
}

/* Hard filters */

static void
test_filter_inactive (void)
{
  static const TT tt[] = {
    { .id = 1 },
    { .id = 2, .flags = T_INACTIVE },
    { .id = 3, .flags = T_NOT_ACCEPTING },
    { .id = 4, .flags = T_INACTIVE | T_NOT_ACCEPTING },
  };
  WmMatchCase kase = case_here ();
  MATCH (tt, &kase);

  assert_outcome (outcome, "1", "2:inactive 3:inactive 4:inactive");
}

static void
test_filter_compliance_dates (void)
{
  static const TT tt[] = {
    { .id = 1 },
    { .id = 2, .flags = T_DATES, .insurance = -1, .registration = 30, .dbs = -30 },
    { .id = 3, .flags = T_DATES, .insurance = 0, .registration = 30, .dbs = -30 },
    { .id = 4, .flags = T_NO_INSURANCE },
    { .id = 5, .flags = T_DATES, .insurance = 30, .registration = -1, .dbs = -30 },
    { .id = 6, .flags = T_DATES, .insurance = 30, .registration = 0, .dbs = -30 },
    { .id = 7, .flags = T_NO_REGISTRATION },
    { .id = 8, .flags = T_NO_TRAINING },
    { .id = 9, .flags = T_NO_DBS },
    { .id = 10, .flags = T_DATES, .insurance = 30, .registration = 30, .dbs = 10 },
  };
  WmMatchCase kase = case_here ();
  MATCH (tt, &kase);

  /* Expiring today is still valid: insurance runs through its last day. An unknown date is a
   * problem; a DBS check dated in the future is an entry error but not a lapse. */
  assert_outcome (outcome, "1 3 6 10",
                  "2:compliance 4:compliance 5:compliance 7:compliance 8:compliance "
                  "9:compliance");
}

static void
test_filter_dbs_validity (void)
{
  static TT tt[] = {
    { .id = 1 },  /* dates filled in below */
    { .id = 2 },
    { .id = 3 },
    { .id = 4 },
    { .id = 5 },
  };
  WmMatchCase kase = case_here ();
  g_autoptr(WmMatchSnapshot) snapshot = NULL;

  tt[0].dbs_julian = julian (2021, 6, 15);   /* exactly three years ago: the last valid day */
  tt[1].dbs_julian = julian (2021, 6, 14);   /* three years and a day */
  tt[2].dbs_julian = julian (2020, 6, 16);   /* four years */
  tt[3].dbs_julian = julian (2018, 6, 14);   /* six years */
  tt[4].dbs_julian = julian (2024, 1, 10);   /* five months */
  snapshot = snapshot_from (tt, G_N_ELEMENTS (tt));

  {
    g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, &kase, NULL, 0);

    assert_outcome (outcome, "1 5", "2:compliance 3:compliance 4:compliance");
  }
  {
    g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, &kase, NULL, 3);

    assert_outcome (outcome, "1 5", "2:compliance 3:compliance 4:compliance");
  }
  {
    g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, &kase, NULL, 5);

    assert_outcome (outcome, "1 2 3 5", "4:compliance");
  }
  {
    g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, &kase, NULL, 1);

    assert_outcome (outcome, "5", "1:compliance 2:compliance 3:compliance 4:compliance");
  }
}

static void
test_filter_capacity_boundary (void)
{
  static const TT tt[] = {
    { .id = 1, .max_caseload = 5, .open = 5 },
    { .id = 2, .max_caseload = 5, .open = 4 },
    { .id = 3, .max_caseload = 5, .open = 7 },
    { .id = 4, .flags = T_NO_PLACES },
    { .id = 5, .max_caseload = 5, .open = 0 },
  };
  WmMatchCase kase = case_here ();
  const WmMatchResult *r;
  MATCH (tt, &kase);

  assert_outcome (outcome, "5 2", "1:capacity 3:capacity 4:capacity");
  r = result_for (outcome, 2);
  g_assert_cmpint (r->places_free, ==, 1);
  g_assert_cmpint (r->places_total, ==, 5);
  g_assert_cmpfloat_with_epsilon (r->capacity, 0.2, 1e-12);
}

static void
test_filter_declined_conflict (void)
{
  static const TT tt[] = {
    { .id = 1 }, { .id = 2 }, { .id = 3 }, { .id = 4 }, { .id = 5 },
  };
  static const gint64 declined[] = { 4, 2 };
  static const gint64 conflicts[] = { 4, 3, 99 };
  WmMatchCase kase = case_here ();

  kase.declined = declined;
  kase.n_declined = G_N_ELEMENTS (declined);
  kase.conflicts = conflicts;
  kase.n_conflicts = G_N_ELEMENTS (conflicts);
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 5", "2:declined 3:conflict 4:declined");
  }
}

static void
test_filter_specialism (void)
{
  static const TT tt[] = {
    { .id = 1, .specialisms = "trauma;survivors;risk-assessment" },
    { .id = 2, .specialisms = "trauma" },
    { .id = 3 },
    { .id = 4, .specialisms = "survivors;trauma" },
  };
  WmMatchCase kase = case_here ();

  kase.needs = specs ("trauma;survivors");
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 4", "2:specialism 3:specialism");
    g_assert_cmpuint (result_for (outcome, 1)->needs_total, ==, 2);
  }
}

static void
test_filter_gender_required (void)
{
  static const TT tt[] = {
    { .id = 1, .gender = "female" },
    { .id = 2, .gender = "male" },
    { .id = 3 },
    { .id = 4, .gender = "female" },
  };
  WmMatchCase kase = case_here ();

  kase.preferred_gender = "female";
  kase.gender_required = TRUE;
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 4", "2:gender 3:gender");
    g_assert_true (result_for (outcome, 1)->gender_met);
    /* Required is a filter, not a preference: nothing soft was asked. */
    g_assert_cmpuint (result_for (outcome, 1)->preferences_asked, ==, 0);
  }

  /* A gender nobody on the register has. */
  kase.preferred_gender = "non-binary";
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "", "1:gender 2:gender 3:gender 4:gender");
  }

  /* An empty answer is no answer: nobody excluded, nothing asked. */
  kase.preferred_gender = "";
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 2 3 4", "");
    g_assert_cmpuint (result_for (outcome, 3)->preferences_asked, ==, 0);
    g_assert_false (result_for (outcome, 3)->gender_met);
  }
}

static void
test_filter_language (void)
{
  static const TT tt[] = {
    { .id = 1, .languages = "English;Polish" },
    { .id = 2, .languages = "POLISH" },
    { .id = 3 },
    { .id = 4, .languages = "English;Urdu" },
    { .id = 5, .languages = " polish " },
  };
  WmMatchCase kase = case_here ();

  kase.language = "polish";
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 2 5", "3:language 4:language");
    g_assert_true (result_for (outcome, 2)->language_met);
    g_assert_cmpuint (result_for (outcome, 2)->preferences_asked, ==, 1);
    g_assert_cmpfloat (result_for (outcome, 2)->preferences, ==, 1.0);
  }

  /* English in any case, or nothing, asks for nobody in particular, even of a therapist who
   * lists only Polish. */
  for (guint i = 0; i < 3; i++)
    {
      static const char * const anyone[] = { "ENGLISH", "", NULL };

      kase.language = anyone[i];
      {
        MATCH (tt, &kase);

        assert_outcome (outcome, "1 2 3 4 5", "");
        g_assert_false (result_for (outcome, 1)->language_met);
        g_assert_cmpuint (result_for (outcome, 1)->preferences_asked, ==, 0);
      }
    }

  kase.language = "Welsh";
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "", "1:language 2:language 3:language 4:language 5:language");
  }
}

/* Each therapist fails two filters; the reason is the first in the enum's order. */
static void
test_filter_precedence (void)
{
  static const TT tt[] = {
    { .id = 1, .flags = T_INACTIVE | T_NO_INSURANCE, .specialisms = "trauma",
      .gender = "female", .languages = "Polish" },
    { .id = 2, .flags = T_NO_TRAINING, .max_caseload = 2, .open = 2, .specialisms = "trauma",
      .gender = "female", .languages = "Polish" },
    { .id = 3, .max_caseload = 2, .open = 2, .specialisms = "trauma", .gender = "female",
      .languages = "Polish" },
    { .id = 4, .specialisms = "trauma", .gender = "female", .languages = "Polish" },
    { .id = 5, .gender = "female", .languages = "Polish" },
    { .id = 6, .gender = "male", .languages = "Polish" },
    { .id = 7, .specialisms = "trauma", .gender = "male", .languages = "Urdu" },
    { .id = 8, .north_km = 200, .specialisms = "trauma", .gender = "female",
      .languages = "Urdu" },
    { .id = 9, .north_km = 200, .specialisms = "trauma", .gender = "female",
      .languages = "Polish" },
    { .id = 10, .specialisms = "trauma", .gender = "female", .languages = "Polish" },
  };
  static const gint64 declined[] = { 3, 4 };
  static const gint64 conflicts[] = { 4, 5 };
  WmMatchCase kase = case_here ();

  kase.needs = specs ("trauma");
  kase.preferred_gender = "female";
  kase.gender_required = TRUE;
  kase.language = "Polish";
  kase.declined = declined;
  kase.n_declined = G_N_ELEMENTS (declined);
  kase.conflicts = conflicts;
  kase.n_conflicts = G_N_ELEMENTS (conflicts);
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "10",
                    "1:inactive 2:compliance 3:capacity 4:declined 5:conflict 6:specialism "
                    "7:gender 8:language 9:distance");
  }
}

/* Mode */

static void
test_mode_in_person_within_radius (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 12, .flags = T_ONLINE },
  };
  WmMatchCase kase = case_here ();
  const WmMatchResult *r;

  kase.online_ok = TRUE;
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1", "");
    r = result_for (outcome, 1);
    g_assert_cmpint (r->mode, ==, WM_MODE_IN_PERSON);
    g_assert_true (r->offers_online);
    g_assert_cmpfloat_with_epsilon (r->distance_km, 12.0, 1e-9);
    g_assert_cmpfloat (r->proximity, ==, exp (-r->distance_km / 30.0));
  }
}

static void
test_mode_online_beyond_radius (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 5 },
    { .id = 2, .north_km = 10 },
    { .id = 3, .north_km = 15 },
    { .id = 4, .north_km = 100, .flags = T_ONLINE },
    { .id = 5, .north_km = 100 },
    { .id = 6, .flags = T_ONLINE | T_NO_IN_PERSON },
  };
  WmMatchCase kase = case_here ();

  kase.online_ok = TRUE;
  {
    MATCH (tt, &kase);

    /* Both online results score the same; the nearer one first. */
    assert_outcome (outcome, "1 2 3 6 4", "5:distance");
    g_assert_false (outcome->widened);
    g_assert_cmpint (result_for (outcome, 4)->mode, ==, WM_MODE_ONLINE);
    g_assert_cmpfloat (result_for (outcome, 4)->proximity, ==, WM_MATCH_ONLINE_PROXIMITY);
    g_assert_cmpfloat_with_epsilon (result_for (outcome, 4)->distance_km, 100.0, 1e-9);
    g_assert_cmpint (result_for (outcome, 6)->mode, ==, WM_MODE_ONLINE);
  }

  kase.online_ok = FALSE;
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 2 3", "4:distance 5:distance 6:distance");
  }
}

static void
test_mode_therapist_without_location (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 5 },
    { .id = 2, .north_km = 10 },
    { .id = 3, .north_km = 15 },
    { .id = 4, .flags = T_NO_LOCATION | T_ONLINE },
    { .id = 5, .flags = T_NO_LOCATION },
    { .id = 6, .north_km = 50, .flags = T_ONLINE | T_NO_IN_PERSON },
  };
  WmMatchCase kase = case_here ();

  kase.online_ok = TRUE;
  {
    MATCH (tt, &kase);

    /* Same score online: a known distance before an unknown one. */
    assert_outcome (outcome, "1 2 3 6 4", "5:distance");
    g_assert_true (isnan (result_for (outcome, 4)->distance_km));
    g_assert_cmpint (result_for (outcome, 4)->mode, ==, WM_MODE_ONLINE);
  }
}

static void
test_mode_case_without_location (void)
{
  static const TT tt[] = {
    { .id = 1 },
    { .id = 3, .north_km = 10, .flags = T_ONLINE },
    { .id = 2, .north_km = 300, .flags = T_ONLINE },
  };
  WmMatchCase kase = case_here ();

  kase.latitude = NAN;
  kase.longitude = NAN;
  kase.online_ok = TRUE;
  {
    MATCH (tt, &kase);

    /* Online only, distances unknown, so equal scores fall back to the id; fewer than 3 but
     * no widening, which could not help. */
    assert_outcome (outcome, "2 3", "1:distance");
    g_assert_false (outcome->case_located);
    g_assert_false (outcome->widened);
    g_assert_cmpfloat (outcome->radius_km, ==, 40.0);
    g_assert_true (isnan (result_for (outcome, 2)->distance_km));
  }
}

/* Radius and widening */

static void
test_radius_widen_to_80 (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 10 },
    { .id = 2, .north_km = 60 },
    { .id = 3, .north_km = 70 },
    { .id = 4, .north_km = 120 },
  };
  WmMatchCase kase = case_here ();
  MATCH (tt, &kase);

  assert_outcome (outcome, "1 2 3", "4:distance");
  g_assert_true (outcome->widened);
  g_assert_cmpfloat (outcome->requested_radius_km, ==, 40.0);
  g_assert_cmpfloat (outcome->radius_km, ==, 80.0);
}

static void
test_radius_widen_to_160 (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 10 },
    { .id = 2, .north_km = 100 },
    { .id = 3, .north_km = -150 },
    { .id = 4, .north_km = 170 },
  };
  WmMatchCase kase = case_here ();
  MATCH (tt, &kase);

  assert_outcome (outcome, "1 2 3", "4:distance");
  g_assert_true (outcome->widened);
  g_assert_cmpfloat (outcome->radius_km, ==, 160.0);
}

static void
test_radius_widen_finds_too_few (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 10 },
    { .id = 2, .north_km = 200 },
  };
  WmMatchCase kase = case_here ();
  MATCH (tt, &kase);

  /* Still fewer than 3 at 160 km: the widest radius searched is reported. */
  assert_outcome (outcome, "1", "2:distance");
  g_assert_true (outcome->widened);
  g_assert_cmpfloat (outcome->radius_km, ==, 160.0);
}

static void
test_radius_no_widening_with_three (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 10 },
    { .id = 2, .north_km = 20 },
    { .id = 3, .north_km = 39 },
    { .id = 4, .north_km = 50 },
  };
  WmMatchCase kase = case_here ();
  MATCH (tt, &kase);

  assert_outcome (outcome, "1 2 3", "4:distance");
  g_assert_false (outcome->widened);
  g_assert_cmpfloat (outcome->radius_km, ==, 40.0);
}

/* Online therapists count towards the three: no widening when they make it up. */
static void
test_radius_online_counts (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 10 },
    { .id = 2, .north_km = 300, .flags = T_ONLINE },
    { .id = 3, .flags = T_NO_LOCATION | T_ONLINE },
    { .id = 4, .north_km = 60 },
  };
  WmMatchCase kase = case_here ();

  kase.online_ok = TRUE;
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 2 3", "4:distance");
    g_assert_false (outcome->widened);
  }
}

static void
test_radius_case_large_no_widening (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 10 },
    { .id = 2, .north_km = 190 },
    { .id = 3, .north_km = 250 },
  };
  WmMatchCase kase = case_here ();

  kase.max_distance_km = 200;
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 2", "3:distance");
    g_assert_false (outcome->widened);
    g_assert_cmpfloat (outcome->radius_km, ==, 200.0);
  }

  /* Exactly 160: nothing wider to try. */
  kase.max_distance_km = 160;
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1", "2:distance 3:distance");
    g_assert_false (outcome->widened);
    g_assert_cmpfloat (outcome->radius_km, ==, 160.0);
  }

  /* 100 km: 80 is not wider, so straight to 160. */
  kase.max_distance_km = 100;
  {
    static const TT near[] = {
      { .id = 1, .north_km = 10 },
      { .id = 2, .north_km = 90 },
      { .id = 3, .north_km = 150 },
    };
    MATCH (near, &kase);

    assert_outcome (outcome, "1 2 3", "");
    g_assert_true (outcome->widened);
    g_assert_cmpfloat (outcome->requested_radius_km, ==, 100.0);
    g_assert_cmpfloat (outcome->radius_km, ==, 160.0);
  }
}

static void
test_radius_case_own (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 2 },
    { .id = 2, .north_km = -5 },
    { .id = 3, .north_km = 9.9 },
    { .id = 4, .north_km = 10.1 },
    { .id = 5, .north_km = 30 },
  };
  WmMatchCase kase = case_here ();

  kase.max_distance_km = 10;
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 2 3", "4:distance 5:distance");
    g_assert_false (outcome->widened);
    g_assert_cmpfloat (outcome->radius_km, ==, 10.0);
  }
}

/* Order and score */

static void
test_order_ties (void)
{
  static const TT tt[] = {
    { .id = 7, .north_km = 10 },
    { .id = 3, .north_km = 10 },
    { .id = 5, .north_km = 10 },
    { .id = 2, .north_km = 20 },
  };
  static const TT far_near[] = {
    { .id = 1, .north_km = 30 },
    { .id = 4, .north_km = 30 },
    { .id = 9, .north_km = 5 },
  };
  /* Without proximity in the score all four score the same: distance decides, then id. */
  WmMatchWeights no_proximity = { 0.0, 0.3, 0.1, 0.1 };
  WmMatchCase kase = case_here ();

  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "3 5 7 2", "");
  }
  {
    static const TT signed_ids[] = {
      { .id = 3, .north_km = 10 },
      { .id = -5, .north_km = 10 },
      { .id = 0, .north_km = 10 },
    };
    MATCH (signed_ids, &kase);

    assert_outcome (outcome, "-5 0 3", "");
  }
  {
    g_autoptr(WmMatchSnapshot) snapshot = snapshot_from (far_near, G_N_ELEMENTS (far_near));
    g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, &kase, &no_proximity, 0);

    assert_outcome (outcome, "9 1 4", "");
    g_assert_cmpfloat (result_for (outcome, 9)->score, ==, result_for (outcome, 1)->score);
  }
}

static void
test_weights_change_order (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 1, .open = 9 },
    { .id = 2, .north_km = 30, .open = 2 },
    { .id = 3, .north_km = 20, .open = 5 },
  };
  WmMatchWeights capacity_only = { 0.0, 0.0, 1.0, 0.0 };
  WmMatchWeights doubled;
  WmMatchCase kase = case_here ();
  g_autoptr(WmMatchSnapshot) snapshot = snapshot_from (tt, G_N_ELEMENTS (tt));

  {
    g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, &kase, NULL, 0);

    assert_outcome (outcome, "1 3 2", "");
  }
  {
    g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, &kase, &capacity_only, 0);

    assert_outcome (outcome, "2 3 1", "");
    g_assert_cmpfloat_with_epsilon (result_for (outcome, 2)->score, 0.8, 1e-12);
  }

  /* Scaling every weight changes nothing: the score is normalised by their sum. */
  wm_match_weights_init_default (&doubled);
  doubled.proximity *= 2;
  doubled.specialism *= 2;
  doubled.capacity *= 2;
  doubled.preferences *= 2;
  {
    g_autoptr(WmMatchOutcome) plain = match_with (snapshot, &kase, NULL, 0);
    g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, &kase, &doubled, 0);

    assert_outcome (outcome, "1 3 2", "");
    for (guint i = 0; i < outcome->results->len; i++)
      g_assert_cmpfloat_with_epsilon (g_array_index (outcome->results, WmMatchResult, i).score,
                                      g_array_index (plain->results, WmMatchResult, i).score,
                                      1e-12);
  }
}

static void
test_weights_zero (void)
{
  static const TT tt[] = {
    { .id = 4, .north_km = 30, .open = 9 },
    { .id = 2, .north_km = 30 },
    { .id = 1, .north_km = 25, .open = 2 },
    { .id = 3, .flags = T_NO_LOCATION | T_ONLINE },
  };
  /* A negative weight counts as 0, so these are all zero. */
  WmMatchWeights zero = { 0.0, -1.0, 0.0, NAN };
  WmMatchCase kase = case_here ();
  g_autoptr(WmMatchSnapshot) snapshot = snapshot_from (tt, G_N_ELEMENTS (tt));
  g_autoptr(WmMatchOutcome) outcome = NULL;

  kase.online_ok = TRUE;
  outcome = match_with (snapshot, &kase, &zero, 0);
  assert_outcome (outcome, "1 2 4 3", "");
  for (guint i = 0; i < outcome->results->len; i++)
    g_assert_cmpfloat (g_array_index (outcome->results, WmMatchResult, i).score, ==, 0.0);
}

/* Negative and non-finite weights are 0 beside sound ones too, not poison for the rest. */
static void
test_weights_unsound (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 30, .open = 1, .specialisms = "trauma" },
    { .id = 2, .north_km = 5, .open = 8 },
    { .id = 3, .north_km = 20, .open = 4 },
  };
  WmMatchWeights unsound = { 1.0, -1.0, 0.5, NAN };
  WmMatchWeights sound = { 1.0, 0.0, 0.5, 0.0 };
  WmMatchWeights infinite = { 1.0, INFINITY, 0.5, 0.0 };
  WmMatchWeights huge = { G_MAXDOUBLE, 0.0, G_MAXDOUBLE / 2, 0.0 };
  WmMatchCase kase = case_here ();
  g_autoptr(WmMatchSnapshot) snapshot = snapshot_from (tt, G_N_ELEMENTS (tt));
  g_autoptr(WmMatchOutcome) expected = NULL;
  g_autoptr(WmMatchOutcome) got = NULL;
  g_autoptr(WmMatchOutcome) got_infinite = NULL;
  g_autoptr(WmMatchOutcome) got_huge = NULL;

  kase.desired = specs ("trauma");
  expected = match_with (snapshot, &kase, &sound, 0);
  got = match_with (snapshot, &kase, &unsound, 0);
  got_infinite = match_with (snapshot, &kase, &infinite, 0);
  g_assert_cmpuint (expected->results->len, ==, 3);
  g_assert_cmpmem (got->results->data, got->results->len * sizeof (WmMatchResult),
                   expected->results->data, expected->results->len * sizeof (WmMatchResult));
  g_assert_cmpmem (got_infinite->results->data,
                   got_infinite->results->len * sizeof (WmMatchResult),
                   expected->results->data, expected->results->len * sizeof (WmMatchResult));
  g_assert_cmpfloat (g_array_index (got->results, WmMatchResult, 0).score, >, 0.0);

  /* Weights whose sum overflows still weigh in proportion. */
  got_huge = match_with (snapshot, &kase, &huge, 0);
  g_assert_cmpuint (got_huge->results->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const WmMatchResult *a = &g_array_index (got_huge->results, WmMatchResult, i);
      const WmMatchResult *b = &g_array_index (expected->results, WmMatchResult, i);

      g_assert_cmpint (a->therapist_id, ==, b->therapist_id);
      g_assert_cmpfloat_with_epsilon (a->score, b->score, 1e-12);
    }
}

static void
test_score_desired_specialisms (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 5 },
    { .id = 2, .north_km = 15, .specialisms = "trauma;survivors;risk-assessment" },
    { .id = 3, .north_km = 10, .specialisms = "survivors;paraphilias" },
  };
  WmMatchCase kase = case_here ();
  const WmMatchResult *r;

  kase.desired = specs ("trauma;survivors;risk-assessment");
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "2 3 1", "");
    r = result_for (outcome, 3);
    g_assert_cmpuint (r->desired_covered, ==, 1);
    g_assert_cmpuint (r->desired_total, ==, 3);
    g_assert_cmpfloat_with_epsilon (r->specialism, 1.0 / 3.0, 1e-12);
    g_assert_cmpfloat (result_for (outcome, 1)->specialism, ==, 0.0);
  }

  /* Nothing desired: everyone fully meets it, and nearest wins. */
  kase.desired = 0;
  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 3 2", "");
    g_assert_cmpfloat (result_for (outcome, 1)->specialism, ==, 1.0);
  }
}

static void
test_score_soft_gender (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 5, .gender = "male" },
    { .id = 2, .north_km = 10, .gender = "female" },
    { .id = 3, .north_km = 7 },
  };
  WmMatchCase kase = case_here ();

  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 3 2", "");
  }

  kase.preferred_gender = "female";
  {
    MATCH (tt, &kase);

    /* Not required: nobody is excluded, but the woman moves up. */
    assert_outcome (outcome, "2 1 3", "");
    g_assert_true (result_for (outcome, 2)->gender_met);
    g_assert_false (result_for (outcome, 1)->gender_met);
    g_assert_cmpfloat (result_for (outcome, 2)->preferences, ==, 1.0);
    g_assert_cmpfloat (result_for (outcome, 1)->preferences, ==, 0.0);
    g_assert_cmpuint (result_for (outcome, 3)->preferences_asked, ==, 1);
  }
}

static void
test_score_low_cost (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 5 },
    { .id = 2, .north_km = 10, .flags = T_LOW_COST },
  };
  WmMatchCase kase = case_here ();

  {
    MATCH (tt, &kase);

    assert_outcome (outcome, "1 2", "");
    g_assert_false (result_for (outcome, 2)->low_cost_met);
  }

  kase.low_cost_wanted = TRUE;
  kase.language = "Polish";
  {
    static const TT polish[] = {
      { .id = 1, .north_km = 5, .languages = "Polish" },
      { .id = 2, .north_km = 7, .flags = T_LOW_COST, .languages = "Polish" },
    };
    MATCH (polish, &kase);

    assert_outcome (outcome, "2 1", "");
    g_assert_true (result_for (outcome, 2)->low_cost_met);
    /* Language (met by every result) and low cost asked: half met without low cost. */
    g_assert_cmpuint (result_for (outcome, 1)->preferences_asked, ==, 2);
    g_assert_cmpuint (result_for (outcome, 1)->preferences_met, ==, 1);
    g_assert_cmpfloat (result_for (outcome, 1)->preferences, ==, 0.5);
  }
}

/* Every component and the weighted score, with weights that do not sum to 1. */
static void
test_score_components (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 12, .open = 3, .max_caseload = 8, .specialisms = "trauma",
      .gender = "male" },
    { .id = 2, .north_km = 90, .flags = T_ONLINE | T_LOW_COST, .open = 1, .max_caseload = 4,
      .gender = "female" },
    { .id = 3, .north_km = 1 },
    { .id = 4, .north_km = 2 },
  };
  WmMatchWeights w = { 2.0, 1.0, 0.5, 0.5 };
  WmMatchCase kase = case_here ();
  g_autoptr(WmMatchSnapshot) snapshot = snapshot_from (tt, G_N_ELEMENTS (tt));
  g_autoptr(WmMatchOutcome) outcome = NULL;
  const WmMatchResult *r;
  double d;

  kase.desired = specs ("trauma;survivors");
  kase.preferred_gender = "female";
  kase.low_cost_wanted = TRUE;
  kase.online_ok = TRUE;
  outcome = match_with (snapshot, &kase, &w, 0);

  r = result_for (outcome, 1);
  d = wm_geo_distance_km (CENTRE_LAT, CENTRE_LON, CENTRE_LAT + 12 / KM_PER_DEGREE, CENTRE_LON);
  g_assert_cmpfloat (r->distance_km, ==, d);
  g_assert_cmpfloat (r->proximity, ==, exp (-d / 30.0));
  g_assert_cmpfloat (r->specialism, ==, 0.5);
  g_assert_cmpfloat (r->capacity, ==, 5.0 / 8.0);
  g_assert_cmpfloat (r->preferences, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (r->score,
                                  (2.0 * exp (-d / 30.0) + 0.5 + 0.5 * 5.0 / 8.0) / 4.0, 1e-12);

  r = result_for (outcome, 2);
  g_assert_cmpint (r->mode, ==, WM_MODE_ONLINE);
  g_assert_cmpfloat (r->proximity, ==, 0.35);
  g_assert_cmpfloat (r->specialism, ==, 0.0);
  g_assert_cmpfloat (r->capacity, ==, 0.75);
  g_assert_cmpfloat (r->preferences, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (r->score, (2.0 * 0.35 + 0.5 * 0.75 + 0.5) / 4.0, 1e-12);
}

/* The private haversine and wm-geo agree to the last bit, whichever side is which. */
static void
test_distance_matches_geo (void)
{
  static const double places[][2] = {
    { 51.5074, -0.1278 }, { 53.4808, -2.2426 }, { 55.9533, -3.1883 }, { 50.1188, -5.5376 },
    { 54.5973, -5.9301 }, { 57.4778, -4.2247 }, { 52.6309, 1.2974 }, { 51.4816, -3.1791 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (places); c++)
    {
      g_autoptr(WmMatchSnapshot) snapshot = wm_match_snapshot_new ();
      g_autoptr(WmMatchOutcome) outcome = NULL;
      WmMatchCase kase = { .latitude = places[c][0], .longitude = places[c][1],
                           .max_distance_km = 2000 };

      for (guint t = 0; t < G_N_ELEMENTS (places); t++)
        {
          WmMatchTherapist th = { .id = t + 1, .latitude = places[t][0],
                                  .longitude = places[t][1], .active = TRUE,
                                  .accepting = TRUE, .in_person = TRUE, .max_caseload = 1,
                                  .insurance_expires = today, .registration_expires = today,
                                  .dbs_checked = today, .training_completed = TRUE };

          wm_match_snapshot_add (snapshot, &th);
        }
      outcome = match_with (snapshot, &kase, NULL, 0);
      g_assert_cmpuint (outcome->results->len, ==, G_N_ELEMENTS (places));
      for (guint i = 0; i < outcome->results->len; i++)
        {
          const WmMatchResult *r = &g_array_index (outcome->results, WmMatchResult, i);
          guint t = r->index;

          g_assert_cmpfloat (r->distance_km, ==,
                             wm_geo_distance_km (places[c][0], places[c][1],
                                                 places[t][0], places[t][1]));
          g_assert_cmpfloat (r->distance_km, ==,
                             wm_geo_distance_km (places[t][0], places[t][1],
                                                 places[c][0], places[c][1]));
        }
    }
}

static void
test_empty_snapshot (void)
{
  g_autoptr(WmMatchSnapshot) snapshot = wm_match_snapshot_new ();
  g_autoptr(WmMatchOutcome) outcome = NULL;
  WmMatchCase kase = case_here ();

  outcome = match_with (snapshot, &kase, NULL, 0);
  assert_outcome (outcome, "", "");
  g_assert_true (outcome->widened);
  g_assert_cmpfloat (outcome->radius_km, ==, 160.0);
}

static void
test_snapshot_copies (void)
{
  g_autoptr(WmMatchSnapshot) snapshot = wm_match_snapshot_new ();
  char name[] = "Alex Smith";
  char gender[] = "female";
  char lang[] = "Polish";
  const char *languages[] = { "English", lang, NULL };
  WmMatchTherapist t = { .id = 42, .external_id = "X1", .name = name, .gender = gender,
                         .latitude = 51.5, .longitude = -0.1, .languages = languages,
                         .max_caseload = 3 };
  const WmMatchTherapist *got;

  wm_match_snapshot_add (snapshot, &t);
  t.latitude = NAN;
  t.languages = NULL;
  wm_match_snapshot_add (snapshot, &t);
  name[0] = 'X';
  gender[0] = 'X';
  lang[0] = 'X';

  g_assert_cmpuint (wm_match_snapshot_get_n (snapshot), ==, 2);
  got = wm_match_snapshot_get (snapshot, 0);
  g_assert_cmpint (got->id, ==, 42);
  g_assert_cmpstr (got->external_id, ==, "X1");
  g_assert_cmpstr (got->name, ==, "Alex Smith");
  g_assert_cmpstr (got->gender, ==, "female");
  g_assert_nonnull (got->languages);
  g_assert_cmpstr (got->languages[0], ==, "English");
  g_assert_cmpstr (got->languages[1], ==, "Polish");
  g_assert_null (got->languages[2]);
  g_assert_cmpfloat (got->latitude, ==, 51.5);
  got = wm_match_snapshot_get (snapshot, 1);
  g_assert_true (isnan (got->latitude) && isnan (got->longitude));
  g_assert_null (got->languages);
}

static void
test_specialism_set (void)
{
  static const char * const codes[] = { "trauma", "pre-offence", "no-such-code", NULL };
  const WmVocabEntry *entries;
  guint n = 0;

  entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  g_assert_cmpuint (n, <=, 32);
  for (guint i = 0; i < n; i++)
    {
      const char * const one[] = { entries[i].code, NULL };

      g_assert_cmpuint (wm_specialism_set_from_codes (one), ==, 1u << i);
    }
  g_assert_cmpuint (wm_specialism_set_from_codes (codes), ==, (1u << 0) | (1u << 10));
  g_assert_cmpuint (wm_specialism_set_from_codes (NULL), ==, 0);
}

static void
test_codes (void)
{
  static const char * const expected[] = {
    "inactive", "compliance", "capacity", "declined", "conflict", "specialism", "gender",
    "language", "distance",
  };
  WmMatchWeights w;

  G_STATIC_ASSERT (G_N_ELEMENTS (expected) == WM_EXCLUDE_N);
  for (guint i = 0; i < WM_EXCLUDE_N; i++)
    g_assert_cmpstr (wm_exclusion_code (i), ==, expected[i]);
  g_assert_cmpstr (wm_match_mode_code (WM_MODE_IN_PERSON), ==, "in-person");
  g_assert_cmpstr (wm_match_mode_code (WM_MODE_ONLINE), ==, "online");

  wm_match_weights_init_default (&w);
  g_assert_cmpfloat (w.proximity, ==, 0.5);
  g_assert_cmpfloat (w.specialism, ==, 0.3);
  g_assert_cmpfloat (w.capacity, ==, 0.1);
  g_assert_cmpfloat (w.preferences, ==, 0.1);
}

/* Property test: random registers around the UK, checked against an independent reading of
 * the rules written from DESIGN.md, not from the matcher. */

static const char * const random_genders[] = { "female", "male", "non-binary", NULL };
/* Half the therapists and cases cluster around these, so that in-person results, widening
 * and ties on distance all occur. */
static const double random_towns[][2] = {
  { 51.5074, -0.1278 }, { 53.4808, -2.2426 }, { 52.4862, -1.8904 }, { 55.8642, -4.2518 },
  { 53.8008, -1.5491 }, { 51.4545, -2.5879 }, { 54.9783, -1.6178 }, { 52.6309, 1.2974 },
};
static const char * const random_languages[] = { "English", "Polish", "Urdu", "Welsh",
                                                 "punjabi", "ARABIC" };

typedef struct
{
  guint n;
  WmMatchTherapist *therapists;
  GPtrArray *keep;  /* strings and vectors the therapists point to */
} RandomRegister;

static void
random_place (GRand  *rand,
              double *lat,
              double *lon)
{
  if (g_rand_boolean (rand))
    {
      guint town = g_rand_int_range (rand, 0, G_N_ELEMENTS (random_towns));

      /* Within about 100 km of the town. */
      *lat = random_towns[town][0] + g_rand_double_range (rand, -0.9, 0.9);
      *lon = random_towns[town][1] + g_rand_double_range (rand, -1.4, 1.4);
    }
  else
    {
      *lat = g_rand_double_range (rand, 50.0, 58.5);
      *lon = g_rand_double_range (rand, -6.0, 1.8);
    }
}

static void
random_register_clear (RandomRegister *reg)
{
  g_free (reg->therapists);
  g_ptr_array_unref (reg->keep);
}

static void
random_register_init (RandomRegister *reg,
                      GRand          *rand,
                      guint           n)
{
  reg->n = n;
  reg->therapists = g_new0 (WmMatchTherapist, n);
  reg->keep = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    {
      WmMatchTherapist *t = &reg->therapists[i];

      /* Ids unique but not in snapshot order. */
      t->id = ((gint64) i * 7919) % 100003 + 1;
      t->name = "Random";
      t->gender = random_genders[g_rand_int_range (rand, 0, G_N_ELEMENTS (random_genders))];
      if (g_rand_double (rand) < 0.05)
        {
          t->latitude = NAN;
          t->longitude = NAN;
        }
      else if (i > 0 && g_rand_double (rand) < 0.1)
        {
          /* Same place as another: ties on distance. */
          guint j = g_rand_int_range (rand, 0, i);

          t->latitude = reg->therapists[j].latitude;
          t->longitude = reg->therapists[j].longitude;
        }
      else
        {
          random_place (rand, &t->latitude, &t->longitude);
        }
      t->active = g_rand_double (rand) < 0.92;
      t->accepting = g_rand_double (rand) < 0.9;
      t->in_person = g_rand_double (rand) < 0.85;
      t->online = g_rand_double (rand) < 0.6;
      for (guint b = 0; b < 13; b++)
        if (g_rand_double (rand) < 0.4)
          t->specialisms |= 1u << b;
      if (g_rand_double (rand) < 0.4)
        {
          const char **langs = g_new0 (const char *, 3);

          langs[0] = random_languages[g_rand_int_range (rand, 0, 6)];
          langs[1] = random_languages[g_rand_int_range (rand, 0, 6)];
          g_ptr_array_add (reg->keep, langs);
          t->languages = langs;
        }
      /* Small caseloads so that equal capacity fractions, and so equal scores, occur. */
      t->max_caseload = g_rand_int_range (rand, 0, 6);
      t->open_referrals = g_rand_int_range (rand, 0, 7);
      t->registration_expires = g_rand_double (rand) < 0.03
                                ? 0 : today + g_rand_int_range (rand, -60, 700);
      t->insurance_expires = g_rand_double (rand) < 0.03
                             ? 0 : today + g_rand_int_range (rand, -60, 700);
      t->dbs_checked = g_rand_double (rand) < 0.03
                       ? 0 : today - g_rand_int_range (rand, -10, 6 * 365);
      t->training_completed = g_rand_double (rand) < 0.95;
      t->low_cost = g_rand_double (rand) < 0.3;
    }
}

static WmSpecialismSet
random_bits (GRand  *rand,
             double  p)
{
  WmSpecialismSet set = 0;

  for (guint b = 0; b < 13; b++)
    if (g_rand_double (rand) < p)
      set |= 1u << b;
  return set;
}

static gboolean
dbs_valid (guint32 checked,
           guint   years)
{
  g_autoptr(GDate) expires = NULL;

  if (checked == 0)
    return FALSE;
  expires = g_date_new_julian (checked);
  g_date_add_years (expires, years);
  return g_date_get_julian (expires) >= today;
}

static gboolean
speaks_language (const WmMatchTherapist *t,
                 const char             *language)
{
  if (language == NULL || language[0] == '\0' || g_ascii_strcasecmp (language, "English") == 0)
    return TRUE;
  for (guint i = 0; t->languages != NULL && t->languages[i] != NULL; i++)
    if (g_ascii_strcasecmp (t->languages[i], language) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
in_list (const gint64 *ids,
         guint         n,
         gint64        id)
{
  for (guint i = 0; i < n; i++)
    if (ids[i] == id)
      return TRUE;
  return FALSE;
}

/* The reason @t is excluded at @radius, or WM_EXCLUDE_N with *mode set. */
static WmExclusion
independent_check (const WmMatchTherapist *t,
                   const WmMatchCase      *kase,
                   guint                   dbs_years,
                   double                  radius,
                   WmMatchMode            *mode)
{
  double d = wm_geo_distance_km (kase->latitude, kase->longitude, t->latitude, t->longitude);

  if (!t->active || !t->accepting)
    return WM_EXCLUDE_INACTIVE;
  if (t->insurance_expires == 0 || t->insurance_expires < today
      || t->registration_expires == 0 || t->registration_expires < today
      || !t->training_completed || !dbs_valid (t->dbs_checked, dbs_years))
    return WM_EXCLUDE_COMPLIANCE;
  if (t->open_referrals >= t->max_caseload)
    return WM_EXCLUDE_CAPACITY;
  if (in_list (kase->declined, kase->n_declined, t->id))
    return WM_EXCLUDE_DECLINED;
  if (in_list (kase->conflicts, kase->n_conflicts, t->id))
    return WM_EXCLUDE_CONFLICT;
  if ((kase->needs & t->specialisms) != kase->needs)
    return WM_EXCLUDE_SPECIALISM;
  if (kase->gender_required && kase->preferred_gender != NULL
      && g_strcmp0 (kase->preferred_gender, t->gender) != 0)
    return WM_EXCLUDE_GENDER;
  if (!speaks_language (t, kase->language))
    return WM_EXCLUDE_LANGUAGE;
  if (t->in_person && !isnan (d) && d <= radius)
    *mode = WM_MODE_IN_PERSON;
  else if (kase->online_ok && t->online)
    *mode = WM_MODE_ONLINE;
  else
    return WM_EXCLUDE_DISTANCE;
  return WM_EXCLUDE_N;
}

static guint
independent_count (const RandomRegister *reg,
                   const WmMatchCase    *kase,
                   guint                 dbs_years,
                   double                radius)
{
  guint n = 0;

  for (guint i = 0; i < reg->n; i++)
    {
      WmMatchMode mode;

      n += independent_check (&reg->therapists[i], kase, dbs_years, radius, &mode)
           == WM_EXCLUDE_N;
    }
  return n;
}

static guint
n_bits (WmSpecialismSet set)
{
  guint n = 0;

  for (; set != 0; set >>= 1)
    n += set & 1;
  return n;
}

/* Strictly before: score down, known distance up, id up. */
static gboolean
ranks_before (const WmMatchResult *a,
              const WmMatchResult *b)
{
  if (a->score != b->score)
    return a->score > b->score;
  if (isnan (a->distance_km) || isnan (b->distance_km))
    {
      if (isnan (a->distance_km) != isnan (b->distance_km))
        return isnan (b->distance_km);
    }
  else if (a->distance_km != b->distance_km)
    {
      return a->distance_km < b->distance_km;
    }
  return a->therapist_id < b->therapist_id;
}

static void
check_random_outcome (const RandomRegister *reg,
                      const WmMatchCase    *kase,
                      const WmMatchWeights *w,
                      guint                 dbs_years,
                      const WmMatchOutcome *outcome)
{
  g_autofree guint8 *seen = g_new0 (guint8, reg->n);
  double requested = kase->max_distance_km > 0 ? kase->max_distance_km : 40.0;
  double expected_radius = requested;
  gboolean located = !isnan (kase->latitude);
  double wsum = w->proximity + w->specialism + w->capacity + w->preferences;
  guint last_excluded = 0;

  /* Widening, counted independently. */
  if (located && independent_count (reg, kase, dbs_years, requested) < 3)
    {
      if (requested < 80 && independent_count (reg, kase, dbs_years, 80) >= 3)
        expected_radius = 80;
      else if (requested < 160)
        expected_radius = 160;
    }
  g_assert_cmpfloat (outcome->requested_radius_km, ==, requested);
  g_assert_cmpfloat (outcome->radius_km, ==, expected_radius);
  g_assert_true (outcome->widened == (expected_radius != requested));
  g_assert_true (outcome->case_located == located);

  for (guint i = 0; i < outcome->results->len; i++)
    {
      const WmMatchResult *r = &g_array_index (outcome->results, WmMatchResult, i);
      const WmMatchTherapist *t = &reg->therapists[r->index];
      WmMatchMode mode = WM_MODE_ONLINE;
      double d = wm_geo_distance_km (kase->latitude, kase->longitude, t->latitude,
                                     t->longitude);
      guint asked = 0;
      guint met = 0;

      g_assert_cmpuint (r->index, <, reg->n);
      g_assert_cmpint (seen[r->index], ==, 0);
      seen[r->index] = 1;
      g_assert_cmpint (r->therapist_id, ==, t->id);
      g_assert_cmpint (independent_check (t, kase, dbs_years, outcome->radius_km, &mode), ==,
                       WM_EXCLUDE_N);
      g_assert_cmpint (r->mode, ==, mode);
      g_assert_true ((isnan (d) && isnan (r->distance_km)) || d == r->distance_km);
      g_assert_true (isfinite (r->score));
      g_assert_cmpfloat (r->score, >=, 0.0);
      g_assert_cmpfloat (r->score, <=, 1.0);
      if (i > 0)
        g_assert_true (ranks_before (&g_array_index (outcome->results, WmMatchResult, i - 1),
                                     r));

      /* The components, from the record. */
      g_assert_cmpfloat_with_epsilon (r->proximity,
                                      mode == WM_MODE_IN_PERSON ? exp (-d / 30.0) : 0.35,
                                      1e-12);
      g_assert_cmpuint (r->desired_covered, ==, n_bits (kase->desired & t->specialisms));
      g_assert_cmpfloat_with_epsilon (r->specialism,
                                      kase->desired != 0
                                      ? (double) r->desired_covered / n_bits (kase->desired)
                                      : 1.0, 1e-12);
      g_assert_cmpint (r->places_free, ==, t->max_caseload - t->open_referrals);
      g_assert_cmpfloat_with_epsilon (r->capacity,
                                      (double) r->places_free / t->max_caseload, 1e-12);
      if (kase->preferred_gender != NULL && !kase->gender_required)
        {
          asked++;
          met += g_strcmp0 (kase->preferred_gender, t->gender) == 0;
        }
      if (kase->language != NULL && g_ascii_strcasecmp (kase->language, "English") != 0)
        {
          asked++;
          met++;
        }
      if (kase->low_cost_wanted)
        {
          asked++;
          met += t->low_cost;
        }
      g_assert_cmpfloat_with_epsilon (r->preferences, asked > 0 ? (double) met / asked : 1.0,
                                      1e-12);
      g_assert_cmpfloat_with_epsilon (r->score,
                                      wsum > 0
                                      ? (w->proximity * r->proximity
                                         + w->specialism * r->specialism
                                         + w->capacity * r->capacity
                                         + w->preferences * r->preferences) / wsum
                                      : 0.0, 1e-12);
    }

  for (guint i = 0; i < outcome->excluded->len; i++)
    {
      const WmMatchExclusion *x = &g_array_index (outcome->excluded, WmMatchExclusion, i);
      WmMatchMode mode;

      g_assert_cmpuint (x->index, <, reg->n);
      g_assert_true (i == 0 || x->index > last_excluded);
      last_excluded = x->index;
      g_assert_cmpint (seen[x->index], ==, 0);
      seen[x->index] = 1;
      g_assert_cmpint (x->therapist_id, ==, reg->therapists[x->index].id);
      g_assert_cmpint (x->reason, ==,
                       independent_check (&reg->therapists[x->index], kase, dbs_years,
                                          outcome->radius_km, &mode));
    }

  for (guint i = 0; i < reg->n; i++)
    g_assert_cmpint (seen[i], ==, 1);
}

static void
test_property_random (void)
{
  guint n_results = 0;
  guint n_widened = 0;
  guint n_online = 0;
  guint n_in_person = 0;
  guint n_ties = 0;
  guint n_distance_ties = 0;

  for (guint seed = 1; seed <= 20; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(WmMatchSnapshot) snapshot = wm_match_snapshot_new ();
      RandomRegister reg;

      random_register_init (&reg, rand, 500);
      for (guint i = 0; i < reg.n; i++)
        wm_match_snapshot_add (snapshot, &reg.therapists[i]);

      for (guint c = 0; c < 10; c++)
        {
          WmMatchCase kase = { 0 };
          WmMatchWeights w;
          WmMatchOptions options = { .today = today };
          g_autoptr(WmMatchOutcome) first = NULL;
          g_autoptr(WmMatchOutcome) second = NULL;
          gint64 declined[3];
          gint64 conflicts[2];

          if (g_rand_double (rand) < 0.1)
            {
              kase.latitude = NAN;
              kase.longitude = NAN;
            }
          else
            {
              random_place (rand, &kase.latitude, &kase.longitude);
            }
          kase.needs = random_bits (rand, 0.08);
          kase.desired = random_bits (rand, 0.15);
          if (g_rand_double (rand) < 0.4)
            {
              kase.preferred_gender = random_genders[g_rand_int_range (rand, 0, 3)];
              kase.gender_required = g_rand_boolean (rand);
            }
          if (g_rand_double (rand) < 0.3)
            kase.language = random_languages[g_rand_int_range (rand, 0, 6)];
          kase.online_ok = g_rand_boolean (rand);
          kase.low_cost_wanted = g_rand_double (rand) < 0.3;
          kase.max_distance_km = g_rand_boolean (rand) ? 0 : g_rand_double_range (rand, 3, 220);
          for (guint i = 0; i < G_N_ELEMENTS (declined); i++)
            declined[i] = reg.therapists[g_rand_int_range (rand, 0, reg.n)].id;
          for (guint i = 0; i < G_N_ELEMENTS (conflicts); i++)
            conflicts[i] = reg.therapists[g_rand_int_range (rand, 0, reg.n)].id;
          kase.declined = declined;
          kase.n_declined = g_rand_int_range (rand, 0, G_N_ELEMENTS (declined) + 1);
          kase.conflicts = conflicts;
          kase.n_conflicts = g_rand_int_range (rand, 0, G_N_ELEMENTS (conflicts) + 1);
          options.dbs_validity_years = g_rand_int_range (rand, 0, 6);

          wm_match_weights_init_default (&w);
          if (c % 3 == 1)
            {
              w.proximity = g_rand_double (rand);
              w.specialism = g_rand_double (rand);
              w.capacity = g_rand_double (rand);
              w.preferences = g_rand_boolean (rand) ? 0.0 : g_rand_double (rand);
            }
          else if (c % 3 == 2)
            {
              w.proximity = 0;
              w.specialism = 0;
              w.capacity = g_rand_boolean (rand) ? 0.0 : 1.0;
              w.preferences = 0;
            }

          first = wm_match (snapshot, &kase, &w, &options);
          second = wm_match (snapshot, &kase, &w, &options);
          check_random_outcome (&reg, &kase, &w,
                                options.dbs_validity_years ? options.dbs_validity_years : 3,
                                first);

          /* Same input, same bytes. */
          g_assert_cmpmem (first, G_STRUCT_OFFSET (WmMatchOutcome, results),
                           second, G_STRUCT_OFFSET (WmMatchOutcome, results));
          g_assert_cmpmem (first->results->data,
                           first->results->len * sizeof (WmMatchResult),
                           second->results->data,
                           second->results->len * sizeof (WmMatchResult));
          g_assert_cmpmem (first->excluded->data,
                           first->excluded->len * sizeof (WmMatchExclusion),
                           second->excluded->data,
                           second->excluded->len * sizeof (WmMatchExclusion));

          n_results += first->results->len;
          n_widened += first->widened;
          for (guint i = 0; i < first->results->len; i++)
            {
              const WmMatchResult *r = &g_array_index (first->results, WmMatchResult, i);

              const WmMatchResult *prev = i > 0 ? r - 1 : NULL;

              n_online += r->mode == WM_MODE_ONLINE;
              n_in_person += r->mode == WM_MODE_IN_PERSON;
              n_ties += prev != NULL && prev->score == r->score;
              /* Ties the id must break: equal distances, or both unknown. */
              n_distance_ties += prev != NULL && prev->score == r->score
                                 && (prev->distance_km == r->distance_km
                                     || (isnan (prev->distance_km) && isnan (r->distance_km)));
            }
        }
      random_register_clear (&reg);
    }

  /* The data must exercise what is being checked. */
  g_test_message ("%u results (%u in person, %u online), %u widened, %u score ties, "
                  "%u also on distance", n_results, n_in_person, n_online, n_widened, n_ties,
                  n_distance_ties);
  g_assert_cmpuint (n_results, >, 1000);
  g_assert_cmpuint (n_widened, >, 5);
  g_assert_cmpuint (n_widened, <, 150);
  g_assert_cmpuint (n_online, >, 100);
  g_assert_cmpuint (n_in_person, >, 100);
  g_assert_cmpuint (n_ties, >, 100);
  g_assert_cmpuint (n_distance_ties, >, 10);
}

/* Words */

static void
test_explain_results (void)
{
  static const TT tt[] = {
    { .id = 1, .north_km = 12.3, .flags = T_ONLINE, .open = 5, .max_caseload = 8,
      .specialisms = "trauma;survivors;paraphilias", .gender = "male" },
    { .id = 2, .north_km = 0.8, .open = 0, .max_caseload = 1,
      .specialisms = "trauma;survivors;risk-assessment" },
    { .id = 3, .north_km = 100, .flags = T_ONLINE | T_NO_IN_PERSON | T_LOW_COST, .open = 1,
      .max_caseload = 6, .specialisms = "trauma;survivors;risk-assessment", .gender = "male",
      .languages = "English;Polish" },
  };
  WmMatchCase kase = case_here ();

  kase.needs = specs ("trauma;survivors");
  kase.desired = specs ("paraphilias;risk-assessment");
  kase.online_ok = TRUE;
  {
    MATCH (tt, &kase);
    g_autofree char *one = wm_match_explain (result_for (outcome, 1));
    g_autofree char *two = wm_match_explain (result_for (outcome, 2));
    g_autofree char *three = wm_match_explain (result_for (outcome, 3));
    g_auto(GStrv) parts = wm_match_explain_parts (result_for (outcome, 1));

    g_assert_cmpstr (one, ==, "12 km away · covers both required specialisms · "
                              "1 of 2 preferred specialisms · 3 of 8 places free · "
                              "offers online");
    g_assert_cmpstr (two, ==, "800 m away · covers both required specialisms · "
                              "1 of 2 preferred specialisms · 1 of 1 place free");
    g_assert_cmpstr (three, ==, "Online · covers both required specialisms · "
                                "1 of 2 preferred specialisms · 5 of 6 places free");
    g_assert_cmpuint (g_strv_length (parts), ==, 5);
    g_assert_cmpstr (parts[0], ==, "12 km away");
  }

  kase.needs = specs ("trauma");
  kase.desired = 0;
  kase.preferred_gender = "male";
  kase.language = "polish";
  kase.low_cost_wanted = TRUE;
  {
    MATCH (tt, &kase);
    g_autofree char *three = wm_match_explain (result_for (outcome, 3));

    g_assert_cmpstr (three, ==, "Online · covers the required specialism · "
                                "5 of 6 places free · same gender as asked · "
                                "speaks the client’s language · offers low-cost sessions");
  }
}

static void
test_explain_made_up (void)
{
  WmMatchResult r = { 0 };
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  r.mode = WM_MODE_IN_PERSON;
  r.distance_km = 2.46;
  r.needs_total = 3;
  r.places_free = 0;
  r.places_total = 2;
  a = wm_match_explain (&r);
  g_assert_cmpstr (a, ==, "2.5 km away · covers all 3 required specialisms · 0 of 2 places free");

  r.mode = WM_MODE_ONLINE;
  r.offers_online = TRUE;
  r.needs_total = 0;
  r.desired_total = 1;
  r.desired_covered = 1;
  r.places_free = 1;
  r.places_total = 1;
  b = wm_match_explain (&r);
  /* Online needs no "offers online". */
  g_assert_cmpstr (b, ==, "Online · 1 of 1 preferred specialism · 1 of 1 place free");

  /* The plural goes with the total. */
  r.desired_total = 4;
  r.places_total = 8;
  c = wm_match_explain (&r);
  g_assert_cmpstr (c, ==, "Online · 1 of 4 preferred specialisms · 1 of 8 places free");
}

static void
test_format_distance (void)
{
  static const struct
  {
    double km;
    const char *text;
  } cases[] = {
    { 0.0, "100 m" }, { 0.04, "100 m" }, { 0.8, "800 m" }, { 0.94, "900 m" },
    { 0.96, "1.0 km" }, { 2.46, "2.5 km" }, { 9.94, "9.9 km" }, { 9.96, "10 km" },
    { 12.3, "12 km" }, { 40.0, "40 km" }, { 159.5, "160 km" }, { NAN, "unknown distance" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = wm_match_format_distance (cases[i].km);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_exclusion_labels (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < WM_EXCLUDE_N; i++)
    {
      const char *label = wm_exclusion_label (i);

      g_assert_nonnull (label);
      g_assert_cmpstr (label, !=, "");
      g_assert_true (g_hash_table_add (seen, (gpointer) label));
    }
  g_assert_cmpstr (wm_exclusion_label (WM_EXCLUDE_CAPACITY), ==, "No free places");
  g_assert_cmpstr (wm_exclusion_label (WM_EXCLUDE_DISTANCE), ==, "Too far away and not online");
  g_assert_cmpstr (wm_exclusion_label (WM_EXCLUDE_COMPLIANCE), ==,
                   "Insurance, registration, training or DBS out of date");
}

static void
assert_summary (const TT          *tt,
                guint              n,
                const WmMatchCase *kase,
                const char        *expected)
{
  g_autoptr(WmMatchSnapshot) snapshot = snapshot_from (tt, n);
  g_autoptr(WmMatchOutcome) outcome = match_with (snapshot, kase, NULL, 0);
  g_autofree char *summary = wm_match_outcome_summary (outcome);

  g_assert_cmpstr (summary, ==, expected);
}

static void
test_outcome_summary (void)
{
  static const TT seven[] = {
    { .id = 1, .north_km = 1 }, { .id = 2, .north_km = 2 }, { .id = 3, .north_km = 3 },
    { .id = 4, .north_km = 4 }, { .id = 5, .north_km = 5 }, { .id = 6, .north_km = 6 },
    { .id = 7, .north_km = 7 }, { .id = 8, .north_km = 90 },
  };
  static const TT spread[] = {
    { .id = 1, .north_km = 10 }, { .id = 2, .north_km = 50 }, { .id = 3, .north_km = 60 },
    { .id = 4, .north_km = 70 }, { .id = 5, .north_km = 300, .flags = T_ONLINE },
  };
  static const TT with_online[] = {
    { .id = 1, .north_km = 1 }, { .id = 2, .north_km = 2 },
    { .id = 3, .north_km = 300, .flags = T_ONLINE },
  };
  static const TT lone[] = {
    { .id = 1, .north_km = 100 }, { .id = 2, .flags = T_ONLINE | T_NO_LOCATION },
  };
  WmMatchCase kase = case_here ();

  assert_summary (seven, G_N_ELEMENTS (seven), &kase, "7 therapists within 40 km");
  assert_summary (spread, G_N_ELEMENTS (spread), &kase,
                  "Fewer than 3 within 40 km: widened to 80 km — 4 therapists");
  assert_summary (lone, G_N_ELEMENTS (lone), &kase,
                  "Fewer than 3 within 40 km: widened to 160 km — 1 therapist");
  assert_summary (lone, 0, &kase, "Fewer than 3 within 40 km: widened to 160 km — none found");

  kase.max_distance_km = 200;
  assert_summary (lone, 1, &kase, "1 therapist within 200 km");
  assert_summary (lone, 0, &kase, "No therapists within 200 km");

  kase.max_distance_km = 0;
  kase.online_ok = TRUE;
  assert_summary (with_online, G_N_ELEMENTS (with_online), &kase,
                  "3 therapists within 40 km or online");

  kase.latitude = NAN;
  assert_summary (spread, G_N_ELEMENTS (spread), &kase,
                  "1 therapist online; the client’s area is not known");
}

int
main (int   argc,
      char *argv[])
{
  /* The explanations are compared as written in the source: no translation, "." decimals. */
  if (setlocale (LC_ALL, "C.UTF-8") == NULL)
    setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);

  today = julian (2024, 6, 15);

  g_test_add_func ("/matcher/filter/inactive", test_filter_inactive);
  g_test_add_func ("/matcher/filter/compliance-dates", test_filter_compliance_dates);
  g_test_add_func ("/matcher/filter/dbs-validity", test_filter_dbs_validity);
  g_test_add_func ("/matcher/filter/capacity-boundary", test_filter_capacity_boundary);
  g_test_add_func ("/matcher/filter/declined-conflict", test_filter_declined_conflict);
  g_test_add_func ("/matcher/filter/specialism", test_filter_specialism);
  g_test_add_func ("/matcher/filter/gender-required", test_filter_gender_required);
  g_test_add_func ("/matcher/filter/language", test_filter_language);
  g_test_add_func ("/matcher/filter/precedence", test_filter_precedence);
  g_test_add_func ("/matcher/mode/in-person-within-radius", test_mode_in_person_within_radius);
  g_test_add_func ("/matcher/mode/online-beyond-radius", test_mode_online_beyond_radius);
  g_test_add_func ("/matcher/mode/therapist-without-location",
                   test_mode_therapist_without_location);
  g_test_add_func ("/matcher/mode/case-without-location", test_mode_case_without_location);
  g_test_add_func ("/matcher/radius/widen-to-80", test_radius_widen_to_80);
  g_test_add_func ("/matcher/radius/widen-to-160", test_radius_widen_to_160);
  g_test_add_func ("/matcher/radius/widen-finds-too-few", test_radius_widen_finds_too_few);
  g_test_add_func ("/matcher/radius/no-widening-with-three", test_radius_no_widening_with_three);
  g_test_add_func ("/matcher/radius/online-counts", test_radius_online_counts);
  g_test_add_func ("/matcher/radius/case-large-no-widening", test_radius_case_large_no_widening);
  g_test_add_func ("/matcher/radius/case-own", test_radius_case_own);
  g_test_add_func ("/matcher/order/ties", test_order_ties);
  g_test_add_func ("/matcher/score/weights-change-order", test_weights_change_order);
  g_test_add_func ("/matcher/score/weights-zero", test_weights_zero);
  g_test_add_func ("/matcher/score/weights-unsound", test_weights_unsound);
  g_test_add_func ("/matcher/score/desired-specialisms", test_score_desired_specialisms);
  g_test_add_func ("/matcher/score/soft-gender", test_score_soft_gender);
  g_test_add_func ("/matcher/score/low-cost", test_score_low_cost);
  g_test_add_func ("/matcher/score/components", test_score_components);
  g_test_add_func ("/matcher/distance/matches-geo", test_distance_matches_geo);
  g_test_add_func ("/matcher/snapshot/empty", test_empty_snapshot);
  g_test_add_func ("/matcher/snapshot/copies", test_snapshot_copies);
  g_test_add_func ("/matcher/specialism-set", test_specialism_set);
  g_test_add_func ("/matcher/codes", test_codes);
  g_test_add_func ("/matcher/property/random", test_property_random);
  g_test_add_func ("/matcher/explain/results", test_explain_results);
  g_test_add_func ("/matcher/explain/made-up", test_explain_made_up);
  g_test_add_func ("/matcher/explain/format-distance", test_format_distance);
  g_test_add_func ("/matcher/explain/exclusion-labels", test_exclusion_labels);
  g_test_add_func ("/matcher/explain/outcome-summary", test_outcome_summary);

  return g_test_run ();
}
