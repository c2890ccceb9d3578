/* wm-matcher.h: who should this person see? Ranks therapists for a case and explains every
 * result and every exclusion.
 *
 * A pure function of its inputs: a snapshot of the therapists (built by the store in one
 * pass), the case, the weights and today's date. No I/O, no GTK, no global state, so the same
 * input always gives the same output and tests need no database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WM_MATCH_DEFAULT_RADIUS_KM 40.0
#define WM_MATCH_ONLINE_PROXIMITY 0.35
#define WM_MATCH_PROXIMITY_SCALE_KM 30.0
/* With fewer eligible than this at the requested radius, the search widens (80, then 160 km). */
#define WM_MATCH_MIN_ELIGIBLE 3

/* Specialisms as bits: bit i is the i-th entry of WM_VOCAB_SPECIALISM. Unknown codes are
 * ignored (the store and the importers validate codes before they get here). */
typedef guint32 WmSpecialismSet;
WmSpecialismSet wm_specialism_set_from_codes (const char * const *codes);

/* Why a therapist is not offered, in the order they are checked: the first that applies is
 * the one reported. */
typedef enum
{
  WM_EXCLUDE_INACTIVE,    /* not active, or not accepting new clients */
  WM_EXCLUDE_COMPLIANCE,  /* insurance or registration expired, training not done, DBS too old */
  WM_EXCLUDE_CAPACITY,    /* open referrals >= max caseload */
  WM_EXCLUDE_DECLINED,    /* declined this case, or had no contact, before */
  WM_EXCLUDE_CONFLICT,    /* already treating the linked family case */
  WM_EXCLUDE_SPECIALISM,  /* a required specialism missing */
  WM_EXCLUDE_GENDER,      /* the client requires another gender */
  WM_EXCLUDE_LANGUAGE,    /* does not speak the client's language */
  WM_EXCLUDE_DISTANCE,    /* in person beyond the radius, and no online option */
  WM_EXCLUDE_N
} WmExclusion;

/* "inactive", "compliance", ...: the codes of DESIGN.md, used in JSON. */
const char *wm_exclusion_code (WmExclusion reason);

typedef enum
{
  WM_MODE_IN_PERSON,
  WM_MODE_ONLINE,
} WmMatchMode;

const char *wm_match_mode_code (WmMatchMode mode); /* "in-person", "online" */

/* One therapist as the matcher sees it. Strings belong to the snapshot. Dates are Julian day
 * numbers (GDate), 0 when unknown. An unknown insurance or registration expiry, or an unknown
 * DBS check, is a compliance problem: nobody without insurance on record gets referrals.
 * Insurance and registration are valid through their expiry day; a DBS check is valid until
 * the same calendar day dbs_validity_years later. */
typedef struct
{
  gint64 id;
  const char *external_id;
  const char *name;
  const char *gender;           /* NULL: not stated */
  double latitude;              /* NAN: no location (online only) */
  double longitude;
  gboolean active;
  gboolean accepting;
  gboolean in_person;
  gboolean online;
  WmSpecialismSet specialisms;
  const char * const *languages; /* NULL-terminated; NULL: English only */
  int max_caseload;
  int open_referrals;           /* sent, accepted or first contact */
  guint32 registration_expires;
  guint32 insurance_expires;
  guint32 dbs_checked;
  gboolean training_completed;
  gboolean low_cost;
} WmMatchTherapist;

typedef struct _WmMatchSnapshot WmMatchSnapshot;

WmMatchSnapshot        *wm_match_snapshot_new        (void);
void                    wm_match_snapshot_free       (WmMatchSnapshot        *snapshot);
/* Copies @therapist and its strings into the snapshot. A location needs both coordinates
 * finite. Pointers from wm_match_snapshot_get() stay valid until the next add. */
void                    wm_match_snapshot_add        (WmMatchSnapshot        *snapshot,
                                                      const WmMatchTherapist *therapist);
guint                   wm_match_snapshot_get_n      (const WmMatchSnapshot  *snapshot);
const WmMatchTherapist *wm_match_snapshot_get        (const WmMatchSnapshot  *snapshot,
                                                      guint                   index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmMatchSnapshot, wm_match_snapshot_free)

/* The case as the matcher sees it. */
typedef struct
{
  double latitude;              /* centre of the client's area; NAN: unknown (online only) */
  double longitude;
  WmSpecialismSet needs;        /* required */
  WmSpecialismSet desired;      /* wished for */
  const char *preferred_gender; /* NULL or "": none; compared exactly with the therapist's */
  gboolean gender_required;
  const char *language;         /* NULL, "" or "English": anyone; compared ignoring case */
  gboolean online_ok;
  gboolean low_cost_wanted;     /* e.g. hardship funding: a soft preference */
  double max_distance_km;       /* <= 0 or NAN: WM_MATCH_DEFAULT_RADIUS_KM */
  const gint64 *declined;       /* therapist ids that declined or had no contact */
  guint n_declined;
  const gint64 *conflicts;      /* therapist ids treating the linked family case */
  guint n_conflicts;
} WmMatchCase;

/* Any weights: the score is divided by their sum so it stays in 0..1. A negative or
 * non-finite weight counts as 0; with all weights 0 every score is 0. */
typedef struct
{
  double proximity;             /* defaults 0.5, 0.3, 0.1, 0.1 */
  double specialism;
  double capacity;
  double preferences;
} WmMatchWeights;

void wm_match_weights_init_default (WmMatchWeights *weights);

typedef struct
{
  guint32 today;                /* Julian day number; required (the matcher never reads a clock) */
  guint dbs_validity_years;     /* a DBS check older than this is a compliance problem; 0: 3 */
} WmMatchOptions;

typedef struct
{
  guint index;                  /* into the snapshot */
  gint64 therapist_id;
  WmMatchMode mode;
  double distance_km;           /* NAN when either side has no location */
  double score;                 /* 0..1 */
  double proximity;             /* the four components, each 0..1 before weighting */
  double specialism;
  double capacity;
  double preferences;
  guint needs_total;
  guint desired_covered;
  guint desired_total;
  int places_free;
  int places_total;
  gboolean offers_online;
  gboolean gender_met;          /* a stated preference (even if not required) was met */
  gboolean language_met;        /* a language other than English was asked for (and is met) */
  guint preferences_asked;      /* soft preferences: gender when not required, language, low cost */
  guint preferences_met;
  gboolean low_cost_met;        /* low cost was asked for and is offered */
} WmMatchResult;

typedef struct
{
  guint index;
  gint64 therapist_id;
  WmExclusion reason;
} WmMatchExclusion;

typedef struct
{
  double requested_radius_km;   /* the case's, or the default */
  double radius_km;             /* after widening */
  gboolean widened;
  GArray *results;              /* WmMatchResult, best first */
  GArray *excluded;             /* WmMatchExclusion, in snapshot order */
  gboolean case_located;        /* FALSE: the case has no location, so only online therapists
                                 * qualify and the radius is never widened */
} WmMatchOutcome;

/* Ranks every eligible therapist: score descending, then distance ascending (unknown last),
 * then id ascending (then snapshot order, should two share an id). With fewer than 3 eligible
 * at the requested radius, widens to 80 then 160 km (each only if larger than the requested
 * radius, and only when the case has a location). @weights NULL: the defaults. Returns NULL
 * only on a programming error (NULL snapshot, case or options, or options->today 0). */
WmMatchOutcome *wm_match               (const WmMatchSnapshot *snapshot,
                                        const WmMatchCase     *kase,
                                        const WmMatchWeights  *weights,
                                        const WmMatchOptions  *options);
void            wm_match_outcome_free  (WmMatchOutcome        *outcome);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmMatchOutcome, wm_match_outcome_free)

G_END_DECLS
