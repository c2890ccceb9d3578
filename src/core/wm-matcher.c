/* wm-matcher.c: ranks the therapists of a snapshot for one case (the rules are in
 * wm-matcher.h and DESIGN.md, "Matching").
 *
 * The snapshot keeps, beside the public records, a compact copy of what the filters and the
 * score read: latitudes already in radians with their cosine, flags as bits, gender and
 * languages interned so that the hot loop compares pointers, not strings. A match is then two
 * linear passes over that array (filters and each distance once, counting who would be
 * eligible at each radius; then mode and score at the chosen radius, as compact sort keys), a
 * sort of the keys, and the results written once, in rank order. Nothing is allocated per
 * therapist: the scratch arrays and the outcome are sized up front.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wm-matcher.h"
#include "wm-vocab.h"

/* Mean Earth radius (IUGG): the sphere of wm-geo. */
#define EARTH_RADIUS_KM 6371.0088

static const double widen_steps_km[] = { 80.0, 160.0 };

enum
{
  HOT_AVAILABLE = 1 << 0, /* active and accepting */
  HOT_TRAINED = 1 << 1,
  HOT_IN_PERSON = 1 << 2, /* sees clients in person and has a location to be near */
  HOT_ONLINE = 1 << 3,
  HOT_LOW_COST = 1 << 4,
  HOT_LOCATED = 1 << 5,
};

typedef struct
{
  double lat;                    /* radians; NAN without a location */
  double lon;                    /* degrees */
  double cos_lat;
  gint64 id;
  const char *gender;            /* interned */
  const char * const *languages; /* interned and case-folded; NULL: English only */
  WmSpecialismSet specialisms;
  guint32 registration_expires;
  guint32 insurance_expires;
  guint32 dbs_checked;
  int max_caseload;
  int open_referrals;
  guint32 flags;
} HotTherapist;

struct _WmMatchSnapshot
{
  GArray *therapists;    /* WmMatchTherapist */
  GArray *hot;           /* HotTherapist, in the same order */
  GStringChunk *strings;
  GHashTable *interned;  /* set of strings in @strings, so equal strings share one pointer */
  GPtrArray *vectors;    /* language vectors the snapshot owns */
};

/* Everything about the case that the hot loop reads, worked out once per match. */
typedef struct
{
  gboolean located;
  double lat;            /* radians */
  double lon;            /* degrees */
  double cos_lat;
  WmSpecialismSet needs;
  WmSpecialismSet desired;
  guint needs_total;
  guint desired_total;
  const char *gender;    /* interned, or one no therapist has; NULL: none stated */
  gboolean gender_required;
  const char *language;  /* interned and folded, or one nobody speaks; NULL: anyone */
  gboolean online_ok;
  gboolean low_cost_wanted;
  gint64 *declined;      /* sorted copies */
  guint n_declined;
  gint64 *conflicts;
  guint n_conflicts;
  guint32 today;
  guint32 dbs_oldest;    /* the oldest DBS check still valid today */
  double wp, ws, wc, wf, wsum;
} MatchContext;

/* The interned value of a case's string that no therapist has: compared by address only. */
static const char no_therapist_has_this[] = "";

static inline double
to_radians (double degrees)
{
  return degrees * (G_PI / 180.0);
}

/* wm_geo_distance_km() operation for operation (so the numbers are the same to the last bit),
 * but taking each side's latitude in radians and its cosine ready-made: the snapshot works
 * them out once per therapist and the match once per case, which leaves two sines, two
 * square roots and an atan2 per therapist. Longitudes stay in degrees as wm-geo takes their
 * difference before converting. */
static inline double
haversine_km (double phi1,
              double lon1,
              double cos_phi1,
              double phi2,
              double lon2,
              double cos_phi2)
{
  double s_phi = sin ((phi2 - phi1) / 2.0);
  double s_lambda = sin ((lon2 - lon1) * (G_PI / 180.0) / 2.0);
  double a = s_phi * s_phi + cos_phi1 * cos_phi2 * s_lambda * s_lambda;

  a = CLAMP (a, 0.0, 1.0);
  return 2.0 * EARTH_RADIUS_KM * atan2 (sqrt (a), sqrt (1.0 - a));
}

#define PREFETCH_AHEAD 8

static inline void
prefetch (const void *address)
{
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch (address);
#endif
}

/* Without -mpopcnt, __builtin_popcount() is a call into libgcc; this is as fast inline. */
static inline guint
popcount32 (guint32 bits)
{
  bits = bits - ((bits >> 1) & 0x55555555u);
  bits = (bits & 0x33333333u) + ((bits >> 2) & 0x33333333u);
  return (((bits + (bits >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
}

WmSpecialismSet
wm_specialism_set_from_codes (const char * const *codes)
{
  const WmVocabEntry *entries;
  WmSpecialismSet set = 0;
  guint n = 0;

  entries = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  g_return_val_if_fail (n <= sizeof (WmSpecialismSet) * 8, 0);

  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    for (guint j = 0; j < n; j++)
      if (strcmp (codes[i], entries[j].code) == 0)
        {
          set |= (WmSpecialismSet) 1 << j;
          break;
        }
  return set;
}

static const char * const exclusion_codes[WM_EXCLUDE_N] = {
  [WM_EXCLUDE_INACTIVE] = "inactive",
  [WM_EXCLUDE_COMPLIANCE] = "compliance",
  [WM_EXCLUDE_CAPACITY] = "capacity",
  [WM_EXCLUDE_DECLINED] = "declined",
  [WM_EXCLUDE_CONFLICT] = "conflict",
  [WM_EXCLUDE_SPECIALISM] = "specialism",
  [WM_EXCLUDE_GENDER] = "gender",
  [WM_EXCLUDE_LANGUAGE] = "language",
  [WM_EXCLUDE_DISTANCE] = "distance",
};

const char *
wm_exclusion_code (WmExclusion reason)
{
  g_return_val_if_fail (reason < WM_EXCLUDE_N, NULL);
  return exclusion_codes[reason];
}

const char *
wm_match_mode_code (WmMatchMode mode)
{
  switch (mode)
    {
    case WM_MODE_IN_PERSON:
      return "in-person";
    case WM_MODE_ONLINE:
      return "online";
    default:
      g_return_val_if_reached (NULL);
    }
}

void
wm_match_weights_init_default (WmMatchWeights *weights)
{
  g_return_if_fail (weights != NULL);

  weights->proximity = 0.5;
  weights->specialism = 0.3;
  weights->capacity = 0.1;
  weights->preferences = 0.1;
}

/* Snapshot */

WmMatchSnapshot *
wm_match_snapshot_new (void)
{
  WmMatchSnapshot *snapshot = g_new0 (WmMatchSnapshot, 1);

  snapshot->therapists = g_array_new (FALSE, TRUE, sizeof (WmMatchTherapist));
  snapshot->hot = g_array_new (FALSE, TRUE, sizeof (HotTherapist));
  snapshot->strings = g_string_chunk_new (4096);
  snapshot->interned = g_hash_table_new (g_str_hash, g_str_equal);
  snapshot->vectors = g_ptr_array_new_with_free_func (g_free);
  return snapshot;
}

void
wm_match_snapshot_free (WmMatchSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;

  g_array_unref (snapshot->therapists);
  g_array_unref (snapshot->hot);
  g_string_chunk_free (snapshot->strings);
  g_hash_table_unref (snapshot->interned);
  g_ptr_array_unref (snapshot->vectors);
  g_free (snapshot);
}

static const char *
snapshot_copy (WmMatchSnapshot *snapshot,
               const char      *str)
{
  return str != NULL ? g_string_chunk_insert (snapshot->strings, str) : NULL;
}

static const char *
snapshot_intern (WmMatchSnapshot *snapshot,
                 const char      *str)
{
  const char *found;

  if (str == NULL)
    return NULL;

  found = g_hash_table_lookup (snapshot->interned, str);
  if (found == NULL)
    {
      found = g_string_chunk_insert (snapshot->strings, str);
      g_hash_table_add (snapshot->interned, (gpointer) found);
    }
  return found;
}

/* Language names as typed ("Polish", " polish", "POLISH", "Français") compare equal once
 * trimmed, normalised and case-folded. */
static char *
fold_language (const char *language)
{
  g_autofree char *stripped = g_strstrip (g_strdup (language));
  g_autofree char *normal = g_utf8_normalize (stripped, -1, G_NORMALIZE_DEFAULT);

  return g_utf8_casefold (normal != NULL ? normal : stripped, -1);
}

void
wm_match_snapshot_add (WmMatchSnapshot        *snapshot,
                       const WmMatchTherapist *therapist)
{
  WmMatchTherapist copy;
  HotTherapist hot = { 0 };
  gboolean located;

  g_return_if_fail (snapshot != NULL);
  g_return_if_fail (therapist != NULL);

  copy = *therapist;
  copy.external_id = snapshot_copy (snapshot, therapist->external_id);
  copy.name = snapshot_copy (snapshot, therapist->name);
  copy.gender = snapshot_intern (snapshot, therapist->gender);
  copy.languages = NULL;
  hot.languages = NULL;

  if (therapist->languages != NULL)
    {
      guint n = g_strv_length ((char **) therapist->languages);
      const char **names = g_new0 (const char *, n + 1);
      const char **folded = g_new0 (const char *, n + 1);

      for (guint i = 0; i < n; i++)
        {
          g_autofree char *f = fold_language (therapist->languages[i]);

          names[i] = snapshot_copy (snapshot, therapist->languages[i]);
          folded[i] = snapshot_intern (snapshot, f);
        }
      g_ptr_array_add (snapshot->vectors, names);
      g_ptr_array_add (snapshot->vectors, folded);
      copy.languages = names;
      hot.languages = folded;
    }

  located = isfinite (therapist->latitude) && isfinite (therapist->longitude);
  if (!located)
    {
      copy.latitude = NAN;
      copy.longitude = NAN;
    }

  hot.lat = located ? to_radians (therapist->latitude) : NAN;
  hot.lon = located ? therapist->longitude : NAN;
  hot.cos_lat = located ? cos (hot.lat) : NAN;
  hot.id = therapist->id;
  hot.gender = copy.gender;
  hot.specialisms = therapist->specialisms;
  hot.registration_expires = therapist->registration_expires;
  hot.insurance_expires = therapist->insurance_expires;
  hot.dbs_checked = therapist->dbs_checked;
  hot.max_caseload = therapist->max_caseload;
  /* A negative count can only be a data error; it must not create places. */
  hot.open_referrals = MAX (therapist->open_referrals, 0);
  hot.flags = ((therapist->active && therapist->accepting) ? HOT_AVAILABLE : 0)
              | (therapist->training_completed ? HOT_TRAINED : 0)
              | ((therapist->in_person && located) ? HOT_IN_PERSON : 0)
              | (therapist->online ? HOT_ONLINE : 0)
              | (therapist->low_cost ? HOT_LOW_COST : 0)
              | (located ? HOT_LOCATED : 0);

  g_array_append_val (snapshot->therapists, copy);
  g_array_append_val (snapshot->hot, hot);
}

guint
wm_match_snapshot_get_n (const WmMatchSnapshot *snapshot)
{
  g_return_val_if_fail (snapshot != NULL, 0);
  return snapshot->therapists->len;
}

const WmMatchTherapist *
wm_match_snapshot_get (const WmMatchSnapshot *snapshot,
                       guint                  index)
{
  g_return_val_if_fail (snapshot != NULL, NULL);
  g_return_val_if_fail (index < snapshot->therapists->len, NULL);
  return &g_array_index (snapshot->therapists, WmMatchTherapist, index);
}

/* Matching */

static int
compare_ids (const void *a,
             const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static gint64 *
sorted_ids (const gint64 *ids,
            guint         n)
{
  gint64 *copy;

  if (ids == NULL || n == 0)
    return NULL;
  copy = g_memdup2 (ids, sizeof (gint64) * n);
  qsort (copy, n, sizeof (gint64), compare_ids);
  return copy;
}

static inline gboolean
ids_contain (const gint64 *sorted,
             guint         n,
             gint64        id)
{
  guint lo = 0;
  guint hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (sorted[mid] < id)
        lo = mid + 1;
      else if (sorted[mid] > id)
        hi = mid;
      else
        return TRUE;
    }
  return FALSE;
}

static double
sane_weight (double weight)
{
  return isfinite (weight) && weight > 0.0 ? weight : 0.0;
}

/* A check made on or after this day is still valid today. g_date_subtract_years() moves
 * 29 February to the 28th, so a check from a leap day lasts until the 28th. */
static guint32
dbs_oldest_valid (guint32 today,
                  guint   years)
{
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_julian (&date, today);
  if (g_date_get_year (&date) <= years)
    return 1;
  g_date_subtract_years (&date, years);
  return g_date_get_julian (&date);
}

static void
context_init (MatchContext          *ctx,
              const WmMatchSnapshot *snapshot,
              const WmMatchCase     *kase,
              const WmMatchWeights  *weights,
              const WmMatchOptions  *options)
{
  WmMatchWeights defaults;

  memset (ctx, 0, sizeof *ctx);

  ctx->located = isfinite (kase->latitude) && isfinite (kase->longitude);
  ctx->lat = ctx->located ? to_radians (kase->latitude) : NAN;
  ctx->lon = ctx->located ? kase->longitude : NAN;
  ctx->cos_lat = ctx->located ? cos (ctx->lat) : NAN;

  ctx->needs = kase->needs;
  ctx->desired = kase->desired;
  ctx->needs_total = popcount32 (kase->needs);
  ctx->desired_total = popcount32 (kase->desired);

  if (kase->preferred_gender != NULL && kase->preferred_gender[0] != '\0')
    {
      ctx->gender = g_hash_table_lookup (snapshot->interned, kase->preferred_gender);
      if (ctx->gender == NULL)
        ctx->gender = no_therapist_has_this;
      ctx->gender_required = kase->gender_required;
    }

  if (kase->language != NULL)
    {
      g_autofree char *folded = fold_language (kase->language);
      g_autofree char *english = g_utf8_casefold ("English", -1);

      if (folded[0] != '\0' && strcmp (folded, english) != 0)
        {
          ctx->language = g_hash_table_lookup (snapshot->interned, folded);
          if (ctx->language == NULL)
            ctx->language = no_therapist_has_this;
        }
    }

  ctx->online_ok = kase->online_ok;
  ctx->low_cost_wanted = kase->low_cost_wanted;
  ctx->declined = sorted_ids (kase->declined, kase->n_declined);
  ctx->n_declined = ctx->declined != NULL ? kase->n_declined : 0;
  ctx->conflicts = sorted_ids (kase->conflicts, kase->n_conflicts);
  ctx->n_conflicts = ctx->conflicts != NULL ? kase->n_conflicts : 0;

  ctx->today = options->today;
  ctx->dbs_oldest = dbs_oldest_valid (options->today,
                                      options->dbs_validity_years > 0
                                      ? options->dbs_validity_years : 3);

  if (weights == NULL)
    {
      wm_match_weights_init_default (&defaults);
      weights = &defaults;
    }
  ctx->wp = sane_weight (weights->proximity);
  ctx->ws = sane_weight (weights->specialism);
  ctx->wc = sane_weight (weights->capacity);
  ctx->wf = sane_weight (weights->preferences);
  ctx->wsum = ctx->wp + ctx->ws + ctx->wc + ctx->wf;
  if (!isfinite (ctx->wsum))
    {
      /* Weights so large their sum overflows: only their proportions matter. */
      double largest = MAX (MAX (ctx->wp, ctx->ws), MAX (ctx->wc, ctx->wf));

      ctx->wp /= largest;
      ctx->ws /= largest;
      ctx->wc /= largest;
      ctx->wf /= largest;
      ctx->wsum = ctx->wp + ctx->ws + ctx->wc + ctx->wf;
    }
}

static void
context_clear (MatchContext *ctx)
{
  g_clear_pointer (&ctx->declined, g_free);
  g_clear_pointer (&ctx->conflicts, g_free);
}

static inline gboolean
speaks (const HotTherapist *t,
        const char         *language)
{
  if (t->languages == NULL)
    return FALSE;
  for (guint i = 0; t->languages[i] != NULL; i++)
    if (t->languages[i] == language)
      return TRUE;
  return FALSE;
}

/* Every hard filter but distance, in the order of WmExclusion; WM_EXCLUDE_N when all pass.
 * Unknown dates are 0 and today is at least 1, so "< today" also catches them. */
static inline WmExclusion
check_filters (const MatchContext *ctx,
               const HotTherapist *t)
{
  if (!(t->flags & HOT_AVAILABLE))
    return WM_EXCLUDE_INACTIVE;
  if (t->insurance_expires < ctx->today
      || t->registration_expires < ctx->today
      || !(t->flags & HOT_TRAINED)
      || t->dbs_checked < ctx->dbs_oldest)
    return WM_EXCLUDE_COMPLIANCE;
  if (t->open_referrals >= t->max_caseload)
    return WM_EXCLUDE_CAPACITY;
  if (ctx->n_declined > 0 && ids_contain (ctx->declined, ctx->n_declined, t->id))
    return WM_EXCLUDE_DECLINED;
  if (ctx->n_conflicts > 0 && ids_contain (ctx->conflicts, ctx->n_conflicts, t->id))
    return WM_EXCLUDE_CONFLICT;
  if ((ctx->needs & ~t->specialisms) != 0)
    return WM_EXCLUDE_SPECIALISM;
  if (ctx->gender_required && ctx->gender != NULL && t->gender != ctx->gender)
    return WM_EXCLUDE_GENDER;
  if (ctx->language != NULL && !speaks (t, ctx->language))
    return WM_EXCLUDE_LANGUAGE;
  return WM_EXCLUDE_N;
}

/* The four components of the score, and what the explanation needs to say about them. */
static inline void
fill_components (WmMatchResult      *r,
                 const MatchContext *ctx,
                 const HotTherapist *t,
                 WmMatchMode         mode,
                 double              distance_km)
{
  guint asked = 0;
  guint met = 0;

  r->proximity = mode == WM_MODE_IN_PERSON
                 ? exp (-distance_km / WM_MATCH_PROXIMITY_SCALE_KM)
                 : WM_MATCH_ONLINE_PROXIMITY;

  r->needs_total = ctx->needs_total;
  r->desired_total = ctx->desired_total;
  r->desired_covered = popcount32 (ctx->desired & t->specialisms);
  r->specialism = ctx->desired_total > 0
                  ? (double) r->desired_covered / ctx->desired_total
                  : 1.0;

  r->places_total = t->max_caseload;
  r->places_free = t->max_caseload - t->open_referrals;
  r->capacity = (double) r->places_free / t->max_caseload;

  r->gender_met = ctx->gender != NULL && t->gender == ctx->gender;
  r->language_met = ctx->language != NULL;

  /* A required gender is a filter, not a preference; the language is a filter too, but a
   * client who asked for one should see it counted as met. */
  if (ctx->gender != NULL && !ctx->gender_required)
    {
      asked++;
      met += r->gender_met ? 1 : 0;
    }
  if (ctx->language != NULL)
    {
      asked++;
      met++;
    }
  if (ctx->low_cost_wanted)
    {
      r->low_cost_met = (t->flags & HOT_LOW_COST) != 0;
      asked++;
      met += r->low_cost_met ? 1 : 0;
    }
  r->preferences_asked = asked;
  r->preferences_met = met;
  r->preferences = asked > 0 ? (double) met / asked : 1.0;
}

static inline double
weigh (const MatchContext  *ctx,
       const WmMatchResult *r)
{
  /* Each weighted term is at most its weight, and rounding is monotonic, so the quotient
   * cannot exceed 1; the clamp only documents that. */
  if (ctx->wsum <= 0.0)
    return 0.0;
  return CLAMP ((ctx->wp * r->proximity + ctx->ws * r->specialism
                 + ctx->wc * r->capacity + ctx->wf * r->preferences) / ctx->wsum,
                0.0, 1.0);
}

/* The ranking as unsigned integers, so the sort moves 32 bytes and compares integers rather
 * than moving whole results and testing for NAN. The bits of a non-negative double order as
 * the double does; scores (0..1) and distances are never negative. */
typedef struct
{
  guint64 score;     /* descending: the complement of the bits */
  guint64 distance;  /* unknown: the largest key, so last */
  guint64 id;        /* the sign bit flipped, so negative ids order before positive ones */
  guint32 index;     /* into the snapshot: the last tie-break, and where the rest is */
  guint32 mode;
} RankKey;

static inline guint64
double_bits (double value)
{
  guint64 bits;

  value += 0.0; /* -0.0 becomes 0.0 */
  memcpy (&bits, &value, sizeof bits);
  return bits;
}

static inline double
bits_double (guint64 bits)
{
  double value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

/* Score descending, distance ascending (unknown last), id ascending, then snapshot order:
 * a total order, so the result never depends on the sort algorithm. */
static inline gboolean
ranks_before (const RankKey *x,
              const RankKey *y)
{
  if (x->score != y->score)
    return x->score < y->score;
  if (x->distance != y->distance)
    return x->distance < y->distance;
  if (x->id != y->id)
    return x->id < y->id;
  return x->index < y->index;
}

/* A bottom-up merge sort, ping-ponging between @keys and @spare (both @n long); returns the
 * one that holds the sorted keys. Written out rather than qsort() because with the
 * comparison inlined it sorts tens of thousands of online results (a client who takes online
 * sessions on a large register) several times faster. */
static RankKey *
sort_rank_keys (RankKey *keys,
                RankKey *spare,
                guint    n)
{
  const guint run = 16;
  RankKey *from = keys;
  RankKey *to = spare;

  for (guint lo = 0; lo < n; lo += run)
    {
      guint hi = MIN (lo + run, n);

      for (guint i = lo + 1; i < hi; i++)
        {
          RankKey key = from[i];
          guint j = i;

          for (; j > lo && ranks_before (&key, &from[j - 1]); j--)
            from[j] = from[j - 1];
          from[j] = key;
        }
    }

  for (gsize width = run; width < n; width *= 2)
    {
      RankKey *swap;

      for (gsize lo = 0; lo < n; lo += 2 * width)
        {
          gsize mid = MIN (lo + width, n);
          gsize hi = MIN (lo + 2 * width, n);
          gsize a = lo;
          gsize b = mid;
          gsize out = lo;

          while (a < mid && b < hi)
            to[out++] = ranks_before (&from[b], &from[a]) ? from[b++] : from[a++];
          while (a < mid)
            to[out++] = from[a++];
          while (b < hi)
            to[out++] = from[b++];
        }
      swap = from;
      from = to;
      to = swap;
    }
  return from;
}

WmMatchOutcome *
wm_match (const WmMatchSnapshot *snapshot,
          const WmMatchCase     *kase,
          const WmMatchWeights  *weights,
          const WmMatchOptions  *options)
{
  MatchContext ctx;
  WmMatchOutcome *outcome;
  const HotTherapist *hot;
  guint n;
  g_autofree guint8 *reasons = NULL;
  g_autofree double *distances = NULL;
  g_autofree RankKey *keys = NULL;
  const RankKey *ranked;
  double radii[1 + G_N_ELEMENTS (widen_steps_km)];
  guint in_person_within[G_N_ELEMENTS (radii)] = { 0 };
  guint n_radii = 1;
  guint chosen = 0;
  guint always = 0;
  guint n_eligible;
  double radius;
  WmMatchResult *results;
  WmMatchExclusion *excluded;
  guint k = 0;
  guint e = 0;

  g_return_val_if_fail (snapshot != NULL, NULL);
  g_return_val_if_fail (kase != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (g_date_valid_julian (options->today), NULL);

  context_init (&ctx, snapshot, kase, weights, options);

  outcome = g_new0 (WmMatchOutcome, 1);
  outcome->requested_radius_km = kase->max_distance_km > 0.0
                                 ? kase->max_distance_km
                                 : WM_MATCH_DEFAULT_RADIUS_KM;
  outcome->case_located = ctx.located;

  /* Without a location the radius cannot change anything: only online therapists qualify. */
  radii[0] = outcome->requested_radius_km;
  for (guint i = 0; ctx.located && i < G_N_ELEMENTS (widen_steps_km); i++)
    if (outcome->requested_radius_km < widen_steps_km[i])
      radii[n_radii++] = widen_steps_km[i];

  n = snapshot->hot->len;
  hot = (const HotTherapist *) (void *) snapshot->hot->data;
  reasons = g_new (guint8, MAX (n, 1));
  distances = g_new (double, MAX (n, 1));

  /* Pass 1: the filters that do not depend on the radius, each distance once, and how many
   * would be eligible at each candidate radius. */
  for (guint i = 0; i < n; i++)
    {
      const HotTherapist *t = &hot[i];
      WmExclusion reason = check_filters (&ctx, t);
      double d = NAN;

      reasons[i] = (guint8) reason;
      if (reason != WM_EXCLUDE_N)
        continue;

      if (ctx.located && (t->flags & HOT_LOCATED))
        d = haversine_km (ctx.lat, ctx.lon, ctx.cos_lat, t->lat, t->lon, t->cos_lat);
      distances[i] = d;

      if (ctx.online_ok && (t->flags & HOT_ONLINE))
        always++;
      else if (t->flags & HOT_IN_PERSON)
        for (guint j = 0; j < n_radii; j++)
          in_person_within[j] += d <= radii[j] ? 1 : 0;
    }

  while (chosen + 1 < n_radii && always + in_person_within[chosen] < WM_MATCH_MIN_ELIGIBLE)
    chosen++;
  radius = radii[chosen];
  n_eligible = always + in_person_within[chosen];

  outcome->radius_km = radius;
  outcome->widened = chosen > 0;

  /* Exact sizes, cleared so that padding is zero and equal outcomes are equal bytes. */
  outcome->results = g_array_sized_new (FALSE, TRUE, sizeof (WmMatchResult), n_eligible);
  g_array_set_size (outcome->results, n_eligible);
  outcome->excluded = g_array_sized_new (FALSE, TRUE, sizeof (WmMatchExclusion),
                                         n - n_eligible);
  g_array_set_size (outcome->excluded, n - n_eligible);
  results = (WmMatchResult *) (void *) outcome->results->data;
  excluded = (WmMatchExclusion *) (void *) outcome->excluded->data;
  /* Room for the merge sort's second half too. */
  keys = g_new (RankKey, 2 * MAX (n_eligible, 1));

  /* Pass 2: the mode at the chosen radius and the score, as sort keys; the results proper are
   * written once, in order, after the sort. */
  for (guint i = 0; i < n; i++)
    {
      const HotTherapist *t = &hot[i];
      WmExclusion reason = reasons[i];
      WmMatchMode mode = WM_MODE_IN_PERSON;
      WmMatchResult scratch;

      if (reason == WM_EXCLUDE_N)
        {
          if ((t->flags & HOT_IN_PERSON) && distances[i] <= radius)
            mode = WM_MODE_IN_PERSON;
          else if (ctx.online_ok && (t->flags & HOT_ONLINE))
            mode = WM_MODE_ONLINE;
          else
            reason = WM_EXCLUDE_DISTANCE;
        }

      if (reason != WM_EXCLUDE_N)
        {
          g_assert (e < outcome->excluded->len);
          excluded[e].index = i;
          excluded[e].therapist_id = t->id;
          excluded[e].reason = reason;
          e++;
          continue;
        }

      g_assert (k < n_eligible);
      fill_components (&scratch, &ctx, t, mode, distances[i]);
      keys[k].score = G_MAXUINT64 - double_bits (weigh (&ctx, &scratch));
      keys[k].distance = isnan (distances[i]) ? G_MAXUINT64 : double_bits (distances[i]);
      keys[k].id = (guint64) t->id ^ (G_GUINT64_CONSTANT (1) << 63);
      keys[k].index = i;
      keys[k].mode = mode;
      k++;
    }
  g_assert (k == n_eligible && e == outcome->excluded->len);

  ranked = sort_rank_keys (keys, keys + n_eligible, n_eligible);

  for (guint i = 0; i < n_eligible; i++)
    {
      WmMatchResult *r = &results[i];
      guint index = ranked[i].index;
      const HotTherapist *t = &hot[index];

      /* In rank order the reads jump about the snapshot: ask for them ahead of time. */
      if (i + PREFETCH_AHEAD < n_eligible)
        {
          prefetch (&hot[ranked[i + PREFETCH_AHEAD].index]);
          prefetch (&distances[ranked[i + PREFETCH_AHEAD].index]);
        }

      r->index = index;
      r->therapist_id = t->id;
      r->mode = ranked[i].mode;
      r->distance_km = distances[index];
      /* The score the ranking used, bit for bit. */
      r->score = bits_double (G_MAXUINT64 - ranked[i].score);
      r->offers_online = (t->flags & HOT_ONLINE) != 0;
      fill_components (r, &ctx, t, r->mode, r->distance_km);
    }

  context_clear (&ctx);
  return outcome;
}

void
wm_match_outcome_free (WmMatchOutcome *outcome)
{
  if (outcome == NULL)
    return;

  g_clear_pointer (&outcome->results, g_array_unref);
  g_clear_pointer (&outcome->excluded, g_array_unref);
  g_free (outcome);
}
