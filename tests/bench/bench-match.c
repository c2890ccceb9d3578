/* bench-match.c: how fast the matcher ranks a register, against the cost of only computing
 * the distances.
 *
 * Builds registers of 10,000 and 100,000 random therapists spread over the UK (half around
 * towns, half anywhere), then times wm_match() for a series of different cases (locations,
 * needs, online or not) and, over the same coordinates, a bare haversine loop: the textbook
 * formula of wm_geo_distance_km() inlined, with the client's side worked out once. The ratio
 * of the two medians says what the filters, scores and sort cost on top of the distances.
 * The matcher's snapshot keeps each therapist's latitude in radians and its cosine, and the
 * matcher skips the distance of anyone a filter already excluded, so it can beat that loop;
 * a second bare loop given the same precomputed values is reported too (ratio_precomputed),
 * the stricter comparison, for information.
 * Snapshot building is not timed: the store builds it once per session.
 *
 * Times are wall clock (the targets); CPU time of the thread is reported beside them, as it
 * holds steadier on a busy machine.
 *
 * Prints one JSON object to stdout; progress goes to stderr.
 *
 *   bench-match [--runs N] [--strict]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "wm-matcher.h"
#include "wm-store.h"

#define TARGET_MEDIAN_10K_MS 1.0
#define TARGET_MEDIAN_100K_MS 10.0
#define TARGET_RATIO 3.0
#define EARTH_RADIUS_KM 6371.0088
#define DEG_TO_RAD (G_PI / 180.0)
#define SEED 20240615u

static int n_runs = 101;
static gboolean strict = FALSE;

static const GOptionEntry entries[] = {
  { "runs", 0, 0, G_OPTION_ARG_INT, &n_runs, "Timed matches per register size (101, at least 51)",
    "N" },
  { "strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Exit 1 when a target is missed", NULL },
  { NULL },
};

static const double towns[][2] = {
  { 51.507, -0.128 }, { 53.481, -2.243 }, { 52.486, -1.890 }, { 55.864, -4.252 },
  { 53.800, -1.549 }, { 51.455, -2.588 }, { 54.978, -1.617 }, { 52.631, 1.297 },
  { 51.481, -3.179 }, { 54.597, -5.930 }, { 55.953, -3.188 }, { 57.478, -4.225 },
  { 50.376, -4.143 }, { 52.954, -1.158 }, { 53.408, -2.991 }, { 51.752, -1.258 },
  { 52.205, 0.122 }, { 50.822, -0.137 }, { 53.959, -1.082 }, { 57.149, -2.094 },
};

static const char * const genders[] = { "female", "male", "female", "male", "non-binary", NULL };
static const char * const polish[] = { "English", "Polish", NULL };
static const char * const urdu[] = { "English", "Urdu", "Punjabi", NULL };
static const char * const welsh[] = { "Welsh", "English", NULL };

static gint64
clock_ns (clockid_t clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static void
random_place (GRand  *rand,
              double *lat,
              double *lon)
{
  if (g_rand_boolean (rand))
    {
      guint t = g_rand_int_range (rand, 0, G_N_ELEMENTS (towns));

      *lat = towns[t][0] + g_rand_double_range (rand, -0.3, 0.3);
      *lon = towns[t][1] + g_rand_double_range (rand, -0.5, 0.5);
    }
  else
    {
      *lat = g_rand_double_range (rand, 50.0, 58.6);
      *lon = g_rand_double_range (rand, -6.0, 1.8);
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

/* A register of @n therapists, with most of them available and compliant as on a real one;
 * their coordinates also go to @lat and @lon for the bare loop. */
static WmMatchSnapshot *
random_snapshot (GRand   *rand,
                 guint    n,
                 guint32  today,
                 double  *lat,
                 double  *lon)
{
  WmMatchSnapshot *snapshot = wm_match_snapshot_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *external_id = g_strdup_printf ("T-%06u", i + 1);
      WmMatchTherapist t = { 0 };
      double p;

      t.id = i + 1;
      t.external_id = external_id;
      t.name = "Therapist";
      t.gender = genders[g_rand_int_range (rand, 0, G_N_ELEMENTS (genders))];
      random_place (rand, &t.latitude, &t.longitude);
      lat[i] = t.latitude;
      lon[i] = t.longitude;
      t.active = g_rand_double (rand) < 0.95;
      t.accepting = g_rand_double (rand) < 0.85;
      t.in_person = g_rand_double (rand) < 0.85;
      t.online = g_rand_double (rand) < 0.65;
      t.specialisms = random_bits (rand, 0.35);
      p = g_rand_double (rand);
      t.languages = p < 0.05 ? polish : p < 0.1 ? urdu : p < 0.13 ? welsh : NULL;
      t.max_caseload = g_rand_int_range (rand, 3, 13);
      t.open_referrals = g_rand_int_range (rand, 0, t.max_caseload + 1);
      t.registration_expires = today + g_rand_int_range (rand, -20, 700);
      t.insurance_expires = today + g_rand_int_range (rand, -20, 700);
      t.dbs_checked = today - g_rand_int_range (rand, 0, 3 * 365 + 60);
      t.training_completed = g_rand_double (rand) < 0.97;
      t.low_cost = g_rand_double (rand) < 0.3;
      wm_match_snapshot_add (snapshot, &t);
    }
  return snapshot;
}

static void
random_case (GRand       *rand,
             WmMatchCase *kase)
{
  static const gint64 declined[] = { 17, 4242, 90001 };
  static const gint64 conflicts[] = { 5 };
  double p = g_rand_double (rand);

  *kase = (WmMatchCase) { 0 };
  random_place (rand, &kase->latitude, &kase->longitude);
  kase->needs = random_bits (rand, 0.06);
  kase->desired = random_bits (rand, 0.12);
  if (p < 0.2)
    {
      kase->preferred_gender = g_rand_boolean (rand) ? "female" : "male";
      kase->gender_required = p < 0.08;
    }
  if (g_rand_double (rand) < 0.08)
    kase->language = g_rand_boolean (rand) ? "Polish" : "urdu";
  kase->online_ok = g_rand_boolean (rand);
  kase->low_cost_wanted = g_rand_double (rand) < 0.3;
  kase->max_distance_km = g_rand_double (rand) < 0.7 ? 0 : g_rand_double_range (rand, 10, 100);
  kase->declined = declined;
  kase->n_declined = g_rand_int_range (rand, 0, G_N_ELEMENTS (declined) + 1);
  kase->conflicts = conflicts;
  kase->n_conflicts = g_rand_int_range (rand, 0, 2);
}

/* wm_geo_distance_km() as written, inlined, the client's latitude converted once. */
static double
bare_haversine (double        lat1,
                double        lon1,
                const double *lat,
                const double *lon,
                guint         n)
{
  double phi1 = lat1 * DEG_TO_RAD;
  double cos_phi1 = cos (phi1);
  double sum = 0.0;

  for (guint i = 0; i < n; i++)
    {
      double phi2 = lat[i] * DEG_TO_RAD;
      double half_dphi = (phi2 - phi1) / 2.0;
      double half_dlambda = (lon[i] - lon1) * DEG_TO_RAD / 2.0;
      double a = sin (half_dphi) * sin (half_dphi)
                 + cos_phi1 * cos (phi2) * sin (half_dlambda) * sin (half_dlambda);

      a = CLAMP (a, 0.0, 1.0);
      sum += 2.0 * EARTH_RADIUS_KM * atan2 (sqrt (a), sqrt (1.0 - a));
    }
  return sum;
}

/* The same, with each therapist's latitude in radians and its cosine worked out beforehand,
 * as the snapshot has them. */
static double
bare_haversine_precomputed (double        lat1,
                            double        lon1,
                            const double *phi,
                            const double *cos_phi,
                            const double *lon,
                            guint         n)
{
  double phi1 = lat1 * DEG_TO_RAD;
  double cos_phi1 = cos (phi1);
  double sum = 0.0;

  for (guint i = 0; i < n; i++)
    {
      double half_dphi = (phi[i] - phi1) / 2.0;
      double half_dlambda = (lon[i] - lon1) * DEG_TO_RAD / 2.0;
      double a = sin (half_dphi) * sin (half_dphi)
                 + cos_phi1 * cos_phi[i] * sin (half_dlambda) * sin (half_dlambda);

      a = CLAMP (a, 0.0, 1.0);
      sum += 2.0 * EARTH_RADIUS_KM * atan2 (sqrt (a), sqrt (1.0 - a));
    }
  return sum;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Nearest rank on sorted values. */
static double
percentile (const double *sorted,
            guint         n,
            double        p)
{
  guint rank = (guint) ceil (p * n);

  return sorted[CLAMP (rank, 1, n) - 1];
}

typedef struct
{
  guint n;
  double match_median_ms;
  double match_p95_ms;
  double match_median_cpu_ms;
  double bare_median_ms;
  double bare_median_cpu_ms;
  double ratio_cpu;
  double bare_precomputed_median_ms;
  double ratio_precomputed;
  double ratio;
  double mean_results;
  double widened_share;
  double target_ms;
  gboolean pass_median;
  gboolean pass_ratio;
} SizeResult;

static void
bench_size (guint       n,
            guint32     today,
            SizeResult *out)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + n);
  g_autofree double *lat = g_new (double, n);
  g_autofree double *lon = g_new (double, n);
  g_autofree double *match_ms = g_new (double, n_runs);
  g_autofree double *bare_ms = g_new (double, n_runs);
  g_autofree double *phi = g_new (double, n);
  g_autofree double *cos_phi = g_new (double, n);
  g_autofree double *pre_ms = g_new (double, n_runs);
  g_autofree double *match_cpu_ms = g_new (double, n_runs);
  g_autofree double *bare_cpu_ms = g_new (double, n_runs);
  g_autofree WmMatchCase *cases = g_new (WmMatchCase, n_runs);
  g_autoptr(WmMatchSnapshot) snapshot = NULL;
  WmMatchOptions options = { .today = today };
  volatile double sink = 0.0;
  guint64 total_results = 0;
  guint widened = 0;

  g_printerr ("building %u therapists...\n", n);
  snapshot = random_snapshot (rand, n, today, lat, lon);
  for (int r = 0; r < n_runs; r++)
    random_case (rand, &cases[r]);
  for (guint i = 0; i < n; i++)
    {
      phi[i] = lat[i] * DEG_TO_RAD;
      cos_phi[i] = cos (phi[i]);
    }

  /* Warm the caches and the allocator as a session would have. */
  for (int r = 0; r < 5; r++)
    {
      g_autoptr(WmMatchOutcome) outcome = wm_match (snapshot, &cases[r], NULL, &options);

      sink += bare_haversine (cases[r].latitude, cases[r].longitude, lat, lon, n);
    }

  /* Interleaved, so that both see the same machine state. */
  for (int r = 0; r < n_runs; r++)
    {
      WmMatchOutcome *outcome;
      gint64 t0, t1, t2, t3, t4, c0, c1, c2;

      c0 = clock_ns (CLOCK_THREAD_CPUTIME_ID);
      t0 = clock_ns (CLOCK_MONOTONIC);
      outcome = wm_match (snapshot, &cases[r], NULL, &options);
      t1 = clock_ns (CLOCK_MONOTONIC);
      c1 = clock_ns (CLOCK_THREAD_CPUTIME_ID);
      sink += bare_haversine (cases[r].latitude, cases[r].longitude, lat, lon, n);
      t2 = clock_ns (CLOCK_MONOTONIC);
      c2 = clock_ns (CLOCK_THREAD_CPUTIME_ID);
      t3 = clock_ns (CLOCK_MONOTONIC);
      sink += bare_haversine_precomputed (cases[r].latitude, cases[r].longitude, phi, cos_phi,
                                          lon, n);
      t4 = clock_ns (CLOCK_MONOTONIC);

      match_ms[r] = (t1 - t0) / 1e6;
      bare_ms[r] = (t2 - t1) / 1e6;
      match_cpu_ms[r] = (c1 - c0) / 1e6;
      bare_cpu_ms[r] = (c2 - c1) / 1e6;
      pre_ms[r] = (t4 - t3) / 1e6;
      total_results += outcome->results->len;
      widened += outcome->widened;
      wm_match_outcome_free (outcome);
    }
  (void) sink;

  qsort (match_ms, n_runs, sizeof (double), compare_doubles);
  qsort (bare_ms, n_runs, sizeof (double), compare_doubles);
  qsort (match_cpu_ms, n_runs, sizeof (double), compare_doubles);
  qsort (bare_cpu_ms, n_runs, sizeof (double), compare_doubles);
  qsort (pre_ms, n_runs, sizeof (double), compare_doubles);

  out->n = n;
  out->match_median_ms = percentile (match_ms, n_runs, 0.5);
  out->match_p95_ms = percentile (match_ms, n_runs, 0.95);
  out->bare_median_ms = percentile (bare_ms, n_runs, 0.5);
  out->ratio = out->match_median_ms / out->bare_median_ms;
  out->match_median_cpu_ms = percentile (match_cpu_ms, n_runs, 0.5);
  out->bare_median_cpu_ms = percentile (bare_cpu_ms, n_runs, 0.5);
  out->ratio_cpu = out->match_median_cpu_ms / out->bare_median_cpu_ms;
  out->bare_precomputed_median_ms = percentile (pre_ms, n_runs, 0.5);
  out->ratio_precomputed = out->match_median_ms / out->bare_precomputed_median_ms;
  out->mean_results = (double) total_results / n_runs;
  out->widened_share = (double) widened / n_runs;
  out->target_ms = n <= 10000 ? TARGET_MEDIAN_10K_MS : TARGET_MEDIAN_100K_MS;
  out->pass_median = out->match_median_ms <= out->target_ms;
  out->pass_ratio = out->ratio <= TARGET_RATIO;

  g_printerr ("%u therapists: match median %.3f ms (p95 %.3f), bare haversine %.3f ms, "
              "ratio %.2f (%.2f against precomputed cosines), %.0f results on average\n", n,
              out->match_median_ms, out->match_p95_ms, out->bare_median_ms, out->ratio,
              out->ratio_precomputed, out->mean_results);
}

static void
append_number (GString    *json,
               const char *name,
               double      value,
               const char *format)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (json, "\"%s\": %s", name,
                          g_ascii_formatd (buf, sizeof buf, format, value));
}

static void
append_size (GString          *json,
             const SizeResult *r)
{
  g_string_append_printf (json, "{\"therapists\": %u, ", r->n);
  append_number (json, "match_median_ms", r->match_median_ms, "%.4f");
  g_string_append (json, ", ");
  append_number (json, "match_p95_ms", r->match_p95_ms, "%.4f");
  g_string_append (json, ", ");
  append_number (json, "bare_haversine_median_ms", r->bare_median_ms, "%.4f");
  g_string_append (json, ", ");
  append_number (json, "ratio", r->ratio, "%.3f");
  g_string_append (json, ", ");
  append_number (json, "match_median_cpu_ms", r->match_median_cpu_ms, "%.4f");
  g_string_append (json, ", ");
  append_number (json, "bare_haversine_median_cpu_ms", r->bare_median_cpu_ms, "%.4f");
  g_string_append (json, ", ");
  append_number (json, "ratio_cpu", r->ratio_cpu, "%.3f");
  g_string_append (json, ", ");
  append_number (json, "bare_precomputed_median_ms", r->bare_precomputed_median_ms, "%.4f");
  g_string_append (json, ", ");
  append_number (json, "ratio_precomputed", r->ratio_precomputed, "%.3f");
  g_string_append (json, ", ");
  append_number (json, "mean_results", r->mean_results, "%.1f");
  g_string_append (json, ", ");
  append_number (json, "widened_share", r->widened_share, "%.3f");
  g_string_append (json, ", ");
  append_number (json, "target_median_ms", r->target_ms, "%.1f");
  g_string_append_printf (json, ", \"pass_median\": %s, \"pass_ratio\": %s}",
                          r->pass_median ? "true" : "false", r->pass_ratio ? "true" : "false");
}

static int
compare_doubles_for_snapshot (const void *a,
                              const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Building the snapshot from the database: 10,000 therapists with specialisms and open
 * referrals, read by wm_store_load_match_snapshot in one query. Median of 7 fresh loads. */
static double
bench_snapshot_from_store (guint n)
{
  static const char *codes[] = { "pre-offence", "online-offending", "contact-offending",
                                 "trauma", "survivors", "family-partners", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("waymark-bench-match-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "snapshot.waymark", NULL);
  g_autoptr(WmStore) store = NULL;
  guint8 key[32];
  double times[7];

  g_assert_no_error (error);
  g_assert (sodium_init () >= 0);
  randombytes_buf (key, sizeof key);
  store = wm_store_open (path, key, WM_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert (wm_store_begin (store, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmTherapist) t = wm_therapist_new ();
      g_autofree char *ext = g_strdup_printf ("S-%06u", i);
      const char *mine[] = { codes[i % 6], codes[(i + 2) % 6], NULL };

      g_object_set (t, "external-id", ext, "given-name", "Alex", "family-name", "Example",
                    "latitude", 50.0 + (i % 900) / 100.0, "longitude", -5.0 + (i % 600) / 100.0,
                    "specialisms", mine, "insurance-expires", "2030-01-01",
                    "registration-expires", "2030-01-01", "dbs-checked", "2025-01-01",
                    "training-completed", TRUE, NULL);
      g_assert (wm_store_save_therapist (store, t, &error));
    }
  g_assert (wm_store_commit (store, &error));

  for (guint r = 0; r < G_N_ELEMENTS (times); r++)
    {
      g_autoptr(WmMatchSnapshot) snapshot = NULL;
      gint64 t0 = g_get_monotonic_time ();

      snapshot = wm_store_load_match_snapshot (store, &error);
      g_assert_no_error (error);
      times[r] = (g_get_monotonic_time () - t0) / 1000.0;
      g_assert (wm_match_snapshot_get_n (snapshot) == n);
    }
  g_clear_object (&store);
  g_unlink (path);
  g_rmdir (dir);
  qsort (times, G_N_ELEMENTS (times), sizeof times[0], compare_doubles_for_snapshot);
  return times[G_N_ELEMENTS (times) / 2];
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— time the matcher");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDate) date = g_date_new_dmy (15, G_DATE_JUNE, 2024);
  g_autoptr(GString) json = g_string_new (NULL);
  SizeResult small, large;
  double snapshot_ms;
  gboolean pass;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_runs < 51)
    {
      g_printerr ("--runs must be at least 51\n");
      return 2;
    }

  bench_size (10000, g_date_get_julian (date), &small);
  bench_size (100000, g_date_get_julian (date), &large);
  snapshot_ms = bench_snapshot_from_store (10000);
  pass = small.pass_median && small.pass_ratio && large.pass_median && large.pass_ratio
         && snapshot_ms <= 100.0;

  g_string_append_printf (json, "{\"benchmark\": \"match\", \"runs\": %d, \"sizes\": [", n_runs);
  append_size (json, &small);
  g_string_append (json, ", ");
  append_size (json, &large);
  g_string_append (json, "], ");
  append_number (json, "target_ratio", TARGET_RATIO, "%.1f");
  g_string_append (json, ", ");
  append_number (json, "snapshot_from_store_10k_median_ms", snapshot_ms, "%.2f");
  g_string_append (json, ", \"target_snapshot_ms\": 100.0");
  g_string_append_printf (json, ", \"pass\": %s}\n", pass ? "true" : "false");
  g_print ("%s", json->str);

  return strict && !pass ? 1 : 0;
}
