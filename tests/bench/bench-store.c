/* bench-store.c: how fast the store is, encrypted and not, on realistic data.
 *
 * Measures, once with SQLCipher encryption and once with WM_STORE_OPEN_UNENCRYPTED (same
 * binary, same data): inserting N cases in one transaction, search-as-you-type over them,
 * and opening a database and loading its 10,000 therapists. Prints one JSON object with the
 * figures, the targets, the encrypted/plain ratios and which targets pass; progress goes to
 * stderr (BENCH_VERBOSE=1 adds each query). Temporary files live in a private directory that
 * is removed at the end, also on failure.
 *
 * Targets are on wall-clock time of the encrypted store (g_get_monotonic_time); the CPU time
 * of the process is reported beside it, as it holds steadier on a busy machine, and so are
 * the user-space instructions the insert took, which do not vary with the load at all
 * (Linux perf events; null where the kernel does not allow them). Compare changes by those.
 *
 *   bench-store [--cases N] [--therapists N] [--runs N] [--strict]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib/gstdio.h>

#include "bench-instructions.h"
#include "wm-store.h"

#define TARGET_INSERT_S 3.0
#define TARGET_SEARCH_MEDIAN_MS 20.0
#define TARGET_OPEN_LOAD_MS 150.0
#define TARGET_RATIO 1.5
#define SEED 424242u

static int n_cases = 100000;
static int n_therapists = 10000;
static int n_runs = 7;
static gboolean strict = FALSE;
static char *tmp_dir = NULL;

static const GOptionEntry options[] = {
  { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "Cases to insert (100000)", "N" },
  { "therapists", 0, 0, G_OPTION_ARG_INT, &n_therapists, "Therapists to load (10000)", "N" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &n_runs, "Open-and-load runs (7, at least 5)", "N" },
  { "strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Exit 1 when a target is missed", NULL },
  { NULL },
};

/* Realistic data */

typedef struct
{
  const char *name;
  const char *district;
  double latitude;
  double longitude;
} Town;

static const Town towns[] = {
  { "Leeds", "LS1", 53.800, -1.549 }, { "Harrogate", "HG1", 53.992, -1.541 },
  { "York", "YO1", 53.959, -1.082 }, { "Bradford", "BD1", 53.795, -1.759 },
  { "Sheffield", "S1", 53.381, -1.470 }, { "Manchester", "M1", 53.481, -2.243 },
  { "Liverpool", "L1", 53.408, -2.991 }, { "Newcastle upon Tyne", "NE1", 54.978, -1.617 },
  { "Sunderland", "SR1", 54.906, -1.381 }, { "Middlesbrough", "TS1", 54.574, -1.235 },
  { "Durham", "DH1", 54.776, -1.575 }, { "Carlisle", "CA1", 54.892, -2.934 },
  { "Lancaster", "LA1", 54.047, -2.801 }, { "Preston", "PR1", 53.763, -2.703 },
  { "Blackpool", "FY1", 53.817, -3.036 }, { "Bolton", "BL1", 53.578, -2.429 },
  { "Wigan", "WN1", 53.545, -2.632 }, { "Chester", "CH1", 53.193, -2.893 },
  { "Stoke-on-Trent", "ST1", 53.003, -2.179 }, { "Derby", "DE1", 52.922, -1.477 },
  { "Nottingham", "NG1", 52.954, -1.158 }, { "Leicester", "LE1", 52.637, -1.135 },
  { "Lincoln", "LN1", 53.235, -0.538 }, { "Birmingham", "B1", 52.486, -1.890 },
  { "Coventry", "CV1", 52.407, -1.508 }, { "Wolverhampton", "WV1", 52.587, -2.129 },
  { "Worcester", "WR1", 52.192, -2.220 }, { "Hereford", "HR1", 52.057, -2.716 },
  { "Gloucester", "GL1", 51.865, -2.244 }, { "Oxford", "OX1", 51.752, -1.258 },
  { "Cambridge", "CB1", 52.205, 0.122 }, { "Norwich", "NR1", 52.630, 1.297 },
  { "Ipswich", "IP1", 52.057, 1.148 }, { "Colchester", "CO1", 51.890, 0.903 },
  { "Peterborough", "PE1", 52.573, -0.241 }, { "Northampton", "NN1", 52.237, -0.895 },
  { "Milton Keynes", "MK9", 52.041, -0.759 }, { "Luton", "LU1", 51.879, -0.417 },
  { "Reading", "RG1", 51.454, -0.973 }, { "Swindon", "SN1", 51.558, -1.782 },
  { "Bristol", "BS1", 51.455, -2.588 }, { "Bath", "BA1", 51.381, -2.359 },
  { "Exeter", "EX1", 50.718, -3.534 }, { "Plymouth", "PL1", 50.376, -4.143 },
  { "Southampton", "SO14", 50.904, -1.404 }, { "Portsmouth", "PO1", 50.805, -1.087 },
  { "Brighton", "BN1", 50.823, -0.137 }, { "Canterbury", "CT1", 51.280, 1.079 },
  { "Cardiff", "CF10", 51.481, -3.179 }, { "Swansea", "SA1", 51.621, -3.944 },
};

static const char * const given_names[] = {
  "Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar", "William",
  "James", "Leo", "Alfie", "Henry", "Joshua", "Freddie", "Archie", "Ethan", "Isaac", "Alexander",
  "Joseph", "Edward", "Samuel", "Max", "Logan", "Lucas", "Daniel", "Theo", "Arthur", "Mohammed",
  "Harrison", "Benjamin", "Mason", "Finley", "Sebastian", "Adam", "Dylan", "Zachary", "Riley",
  "Teddy", "Theodore", "David", "Elijah", "Jake", "Toby", "Louie", "Reuben", "Arlo", "Hugo",
  "Jaxon", "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy",
  "Ella", "Lily", "Evie", "Isabella", "Sophie", "Ivy", "Freya", "Harper", "Willow", "Charlotte",
  "Jessica", "Rosie", "Daisy", "Alice", "Florence", "Elsie", "Sienna", "Phoebe", "Evelyn",
  "Millie", "Matilda", "Ruby", "Sarah", "Emma", "Hannah", "Chloe", "Lucy", "Megan", "Rebecca",
  "Laura", "Rachel", "Karen", "Susan", "Margaret", "Patricia", "Helen", "Paul", "Mark",
  "Andrew", "Stephen", "Michael",
};

static const char * const family_names[] = {
  "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
  "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
  "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
  "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Morgan", "Moore", "Martin", "Price",
  "Turner", "Hughes", "Edwards", "Hill", "Harris", "Clark", "Cooper", "Ward", "Morris", "King",
  "Baker", "Harrison", "Lee", "Allen", "Young", "Scott", "Watson", "Kelly", "Carter", "Parker",
  "Bennett", "Shaw", "Cook", "Richardson", "Bailey", "Collins", "Chapman", "Webb", "Bell",
  "Marshall", "Ellis", "Fox", "Grant", "Lloyd", "Owen", "Murray", "Holmes", "Gray", "Barker",
  "Hunt", "Stevens", "Dixon", "Palmer", "Mills", "Knight", "Butler", "Lawrence", "Russell",
  "Fisher", "Pearson", "Simpson", "Ahmed", "Hussain", "Begum", "Ali", "Singh", "Kaur", "Nowak",
  "Kowalski", "Murphy", "Kennedy", "Sutton", "Atkinson", "Hayes",
};

static const char * const categories[] = {
  "at-risk", "offended-online", "offended-contact", "offended-non-contact", "family-member",
  "survivor", "professional-enquiry", "other",
};
static const char * const cjs_statuses[] = {
  "none", "under-investigation", "charged", "convicted", "on-licence", "sentence-completed",
  "unknown",
};
static const char * const specialisms[] = {
  "pre-offence", "online-offending", "contact-offending", "non-contact-offending",
  "compulsive-sexual-behaviour", "paraphilias", "family-partners", "young-people",
  "female-clients", "learning-disability", "trauma", "survivors", "risk-assessment",
};
static const char * const fundings[] = { "self", "self", "self", "hardship", "third-party" };
static const char * const genders[] = { "male", "male", "male", "female", "non-binary", NULL };
static const char * const titles[] = { "Dr", "Mr", "Ms", "Mrs", "Mx", NULL };
static const char * const bodies[] = { "BACP", "UKCP", "HCPC", "BPS", "NCPS" };
static const char * const note_phrases[] = {
  "Called from a withheld number, asked about confidentiality.",
  "Referred by GP; wants evening appointments.",
  "Partner is aware and supportive.",
  "Prefers email contact only.",
  "Worried about work finding out.",
  NULL, NULL, NULL,
};

#define PICK(rand, array) ((array)[g_rand_int_range ((rand), 0, G_N_ELEMENTS (array))])

static char **
random_codes (GRand *rand,
              int    min,
              int    max)
{
  GPtrArray *codes = g_ptr_array_new ();
  int n = g_rand_int_range (rand, min, max + 1);

  while ((int) codes->len < n)
    {
      const char *code = PICK (rand, specialisms);
      gboolean seen = FALSE;

      for (guint i = 0; i < codes->len; i++)
        seen = seen || strcmp (codes->pdata[i], code) == 0;
      if (!seen)
        g_ptr_array_add (codes, g_strdup (code));
    }
  g_ptr_array_add (codes, NULL);
  return (char **) g_ptr_array_free (codes, FALSE);
}

static WmCase *
make_case (GRand *rand,
           guint  i)
{
  WmCase *c = wm_case_new ();
  WmClient *client = wm_case_get_client (c);
  const Town *town = &PICK (rand, towns);
  const char *given = PICK (rand, given_names);
  const char *family = PICK (rand, family_names);
  g_auto(GStrv) needs = random_codes (rand, 1, 2);
  g_auto(GStrv) desired = random_codes (rand, 0, 2);
  g_autofree char *phone = g_strdup_printf ("07700 900%03d", g_rand_int_range (rand, 0, 1000));
  g_autofree char *email = NULL;
  g_autofree char *opened = NULL;
  g_autoptr(GDateTime) when = NULL;

  /* Spread over five years, so "newest first" has real work to do. */
  when = g_date_time_new_utc (2021 + g_rand_int_range (rand, 0, 5), g_rand_int_range (rand, 1, 13),
                              g_rand_int_range (rand, 1, 29), g_rand_int_range (rand, 8, 19),
                              g_rand_int_range (rand, 0, 60), 0);
  opened = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
  if (g_rand_int_range (rand, 0, 3) == 0)
    email = g_strdup_printf ("%c.%s%u@example.org", g_ascii_tolower (given[0]), family, i % 97);

  g_object_set (client,
                "given-name", given,
                "family-name", family,
                "preferred-name", g_rand_int_range (rand, 0, 20) == 0 ? "Sam" : NULL,
                "gender", PICK (rand, genders),
                "birth-year", (gint64) g_rand_int_range (rand, 1950, 2008),
                "phone", phone,
                "email", email,
                "town", town->name,
                "postcode", town->district,
                "latitude", town->latitude,
                "longitude", town->longitude,
                "location-precision", "district",
                "contact-voicemail-ok", g_rand_boolean (rand),
                "contact-letter-ok", g_rand_boolean (rand),
                "contact-email-ok", email != NULL,
                NULL);
  g_object_set (c,
                "category", PICK (rand, categories),
                "cjs-status", PICK (rand, cjs_statuses),
                "police-aware", g_rand_boolean (rand),
                "needs", needs,
                "desired", desired[0] ? desired : NULL,
                "online-ok", g_rand_int_range (rand, 0, 4) != 0,
                "funding", PICK (rand, fundings),
                "risk-safeguarding", g_rand_int_range (rand, 0, 20) == 0,
                "risk-self-harm", g_rand_int_range (rand, 0, 25) == 0,
                "urgent", g_rand_int_range (rand, 0, 30) == 0,
                "opened-at", opened,
                "notes", PICK (rand, note_phrases),
                NULL);
  return c;
}

static WmTherapist *
make_therapist (GRand *rand,
                guint  i)
{
  WmTherapist *t = wm_therapist_new ();
  const Town *town = &PICK (rand, towns);
  const char *given = PICK (rand, given_names);
  const char *family = PICK (rand, family_names);
  g_auto(GStrv) codes = random_codes (rand, 2, 6);
  g_autofree char *external_id = g_strdup_printf ("T-%05u", i + 1);
  g_autofree char *email = g_strdup_printf ("%c.%s%u@therapy.example", g_ascii_tolower (given[0]),
                                            family, i);
  g_autofree char *phone = g_strdup_printf ("01632 960%03u", i % 1000);
  g_autofree char *reg = g_strdup_printf ("%06d", g_rand_int_range (rand, 100000, 999999));
  const char *languages[] = { "English", g_rand_int_range (rand, 0, 5) == 0 ? "Urdu" : NULL,
                              NULL };
  gint64 fee_min = g_rand_int_range (rand, 30, 60);

  g_object_set (t,
                "external-id", external_id,
                "title", PICK (rand, titles),
                "given-name", given,
                "family-name", family,
                "gender", PICK (rand, genders),
                "email", email,
                "phone", phone,
                "address", "1 High Street",
                "town", town->name,
                "postcode", town->district,
                "latitude", town->latitude + g_rand_double_range (rand, -0.05, 0.05),
                "longitude", town->longitude + g_rand_double_range (rand, -0.05, 0.05),
                "in-person", TRUE,
                "online", g_rand_boolean (rand),
                "languages", languages,
                "specialisms", codes,
                "max-caseload", (gint64) g_rand_int_range (rand, 2, 15),
                "fee-min", fee_min,
                "fee-max", fee_min + g_rand_int_range (rand, 0, 40),
                "low-cost", g_rand_int_range (rand, 0, 4) == 0,
                "registration-body", PICK (rand, bodies),
                "registration-number", reg,
                "registration-expires", "2027-03-31",
                "insurance-expires", "2027-01-31",
                "dbs-checked", "2025-06-01",
                "training-completed", TRUE,
                "supervision-confirmed", TRUE,
                "notes", "Evening sessions available.",
                NULL);
  return t;
}

/* Measurement helpers */

static void
remove_tmp_dir (void)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (tmp_dir == NULL)
    return;
  d = g_dir_open (tmp_dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

static void G_GNUC_NORETURN
die (const char *what,
     GError     *error)
{
  g_printerr ("bench-store: %s: %s\n", what, error ? error->message : "failed");
  remove_tmp_dir ();
  exit (2);
}

static double
elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* CPU time of this process, in µs: steadier than wall time on a shared machine. */
static gint64
cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static double
cpu_elapsed_ms (gint64 start)
{
  return (cpu_time () - start) / 1000.0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  g_autoptr(GArray) sorted = g_array_copy (values);
  double rank;
  guint lo;

  g_array_sort (sorted, compare_doubles);
  /* Linear between closest ranks; p = 0.5 gives the usual median. */
  rank = p * (sorted->len - 1);
  lo = (guint) floor (rank);
  if (lo + 1 >= sorted->len)
    return g_array_index (sorted, double, sorted->len - 1);
  return g_array_index (sorted, double, lo)
         + (rank - lo) * (g_array_index (sorted, double, lo + 1)
                          - g_array_index (sorted, double, lo));
}

static WmStore *
open_store (const char       *path,
            const guint8     *key,
            WmStoreOpenFlags  flags)
{
  g_autoptr(GError) error = NULL;
  WmStore *store = wm_store_open (path, key, flags, &error);

  if (store == NULL)
    die (path, error);
  return store;
}

typedef struct
{
  double insert_s;
  double insert_cpu_s;
  double insert_instructions; /* -1 when not counted */
  double search_median_ms;
  double search_median_cpu_ms;
  double search_p95_ms;
  double search_max_ms;
  double search_mean_hits;
  guint n_queries;
  double open_load_median_ms;
  double open_load_min_ms;
  double open_load_median_cpu_ms;
  double db_mb;
} Results;

static double
file_mb (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_size / (1024.0 * 1024.0) : -1;
}

/* Makes sure the two runs compare what they claim to: only the plain file has the SQLite
 * header in clear. */
static void
check_header (const char *path,
              gboolean    encrypted)
{
  char header[16] = { 0 };
  FILE *f = fopen (path, "rb");

  if (f == NULL || fread (header, 1, sizeof header, f) != sizeof header)
    die ("reading the database header", NULL);
  fclose (f);
  if ((memcmp (header, "SQLite format 3", 16) != 0) != encrypted)
    die (encrypted ? "the encrypted database is in plain text" : "the plain database is encrypted",
         NULL);
}

/* Adds @query (taken) unless it is already there; returns whether it was added. */
static gboolean
add_query (GPtrArray *queries,
           char      *query)
{
  for (guint i = 0; i < queries->len; i++)
    if (g_ascii_strcasecmp (queries->pdata[i], query) == 0)
      {
        g_free (query);
        return FALSE;
      }
  g_ptr_array_add (queries, query);
  return TRUE;
}

#define N_OF(array) G_N_ELEMENTS (array)

/* 60 different queries of the kinds people type: 3-letter prefixes of given and family
 * names, towns, two words (name and town, or two prefixes), a reference and its number. */
static GPtrArray *
make_queries (GPtrArray *references)
{
  GPtrArray *q = g_ptr_array_new_with_free_func (g_free);
  guint n, i;

  for (n = 0, i = 0; n < 20; i++)
    n += add_query (q, g_strndup (given_names[(i * 5 + 1) % N_OF (given_names)], 3));
  for (n = 0, i = 0; n < 10; i++)
    n += add_query (q, g_strndup (family_names[(i * 9 + 4) % N_OF (family_names)], 3));
  for (n = 0, i = 0; n < 12; i++)
    n += add_query (q, g_strdup (towns[(i * 4 + 3) % N_OF (towns)].name));
  for (n = 0, i = 0; n < 6; i++)
    n += add_query (q, g_strdup_printf ("%s %s", given_names[(i * 13 + 2) % N_OF (given_names)],
                                        towns[(i * 7 + 1) % N_OF (towns)].name));
  for (n = 0, i = 0; n < 6; i++)
    {
      g_autofree char *g = g_strndup (given_names[(i * 11 + 7) % N_OF (given_names)], 3);
      g_autofree char *f = g_strndup (family_names[(i * 17 + 5) % N_OF (family_names)], 3);

      n += add_query (q, g_strdup_printf ("%s %s", g, f));
    }
  /* A whole reference as printed on a letter ("WM-2026-0042"), and its number alone. */
  for (n = 0, i = 0; n < 3; i++)
    {
      const char *ref = references->pdata[(i * 7919 + 17) % references->len];

      if (add_query (q, g_strdup (ref)))
        {
          g_ptr_array_add (q, g_strdup (ref + 8));
          n++;
        }
    }
  return q;
}

static void
run_workloads (const char       *dir,
               const char       *label,
               const guint8     *key,
               WmStoreOpenFlags  flags,
               Results          *r)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cases_name = g_strdup_printf ("cases-%s.waymark", label);
  g_autofree char *therapists_name = g_strdup_printf ("therapists-%s.waymark", label);
  g_autofree char *cases_path = g_build_filename (dir, cases_name, NULL);
  g_autofree char *therapists_path = g_build_filename (dir, therapists_name, NULL);
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) queries = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpu_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  WmStore *store;
  gint64 start, cpu_start;
  double instructions_start;
  int counter;
  guint64 hits = 0;

  /* 1. Insert, in one transaction. The records are built first (same data in both runs). */
  for (int i = 0; i < n_cases; i++)
    g_ptr_array_add (cases, make_case (rand, i));
  store = open_store (cases_path, key, flags | WM_STORE_OPEN_CREATE);
  g_printerr ("%s: inserting %d cases...\n", label, n_cases);
  counter = bench_instructions_open ();
  start = g_get_monotonic_time ();
  cpu_start = cpu_time ();
  instructions_start = (double) bench_instructions_read (counter);
  if (!wm_store_begin (store, &error))
    die ("begin", error);
  for (guint i = 0; i < cases->len; i++)
    if (!wm_store_save_case (store, cases->pdata[i], &error))
      die ("save case", error);
  if (!wm_store_commit (store, &error))
    die ("commit", error);
  r->insert_s = elapsed_ms (start) / 1000.0;
  r->insert_cpu_s = cpu_elapsed_ms (cpu_start) / 1000.0;
  r->insert_instructions = counter < 0 ? -1
                                        : bench_instructions_read (counter) - instructions_start;
  if (counter >= 0)
    close (counter);
  g_printerr ("%s: insert %.2f s (CPU %.2f s, %.3f G instructions)\n", label, r->insert_s,
              r->insert_cpu_s, r->insert_instructions / 1e9);
  for (guint i = 0; i < cases->len; i++)
    g_ptr_array_add (references, g_strdup (((WmCase *) cases->pdata[i])->reference));
  g_ptr_array_set_size (cases, 0);
  if (wm_store_count_cases (store) != n_cases)
    die ("count", NULL);
  g_clear_object (&store);
  r->db_mb = file_mb (cases_path);
  check_header (cases_path, (flags & WM_STORE_OPEN_UNENCRYPTED) == 0);

  /* 2. Search, on a freshly opened store. */
  store = open_store (cases_path, key, flags);
  queries = make_queries (references);
  for (guint i = 0; i < queries->len; i++)
    {
      WmCaseQuery query = { .text = queries->pdata[i] };
      g_autoptr(GArray) ids = NULL;
      double ms, cpu_ms;

      start = g_get_monotonic_time ();
      cpu_start = cpu_time ();
      ids = wm_store_query_case_ids (store, &query, &error);
      ms = elapsed_ms (start);
      cpu_ms = cpu_elapsed_ms (cpu_start);
      if (ids == NULL)
        die ("query", error);
      g_array_append_val (times, ms);
      g_array_append_val (cpu_times, cpu_ms);
      hits += ids->len;
      if (g_getenv ("BENCH_VERBOSE"))
        g_printerr ("  %-28s %7u hits %8.2f ms\n", (const char *) queries->pdata[i], ids->len,
                    ms);
    }
  r->n_queries = queries->len;
  r->search_median_ms = percentile (times, 0.5);
  r->search_p95_ms = percentile (times, 0.95);
  r->search_max_ms = percentile (times, 1.0);
  r->search_mean_hits = (double) hits / queries->len;
  r->search_median_cpu_ms = percentile (cpu_times, 0.5);
  g_printerr ("%s: search median %.2f ms, p95 %.2f ms\n", label, r->search_median_ms,
              r->search_p95_ms);
  g_clear_object (&store);

  /* 3. Open and load therapists; the file is prepared beforehand. */
  store = open_store (therapists_path, key, flags | WM_STORE_OPEN_CREATE);
  if (!wm_store_begin (store, &error))
    die ("begin", error);
  for (int i = 0; i < n_therapists; i++)
    {
      g_autoptr(WmTherapist) t = make_therapist (rand, i);

      if (!wm_store_save_therapist (store, t, &error))
        die ("save therapist", error);
    }
  if (!wm_store_commit (store, &error))
    die ("commit", error);
  g_clear_object (&store);

  g_array_set_size (times, 0);
  g_array_set_size (cpu_times, 0);
  for (int run = 0; run < n_runs; run++)
    {
      g_autoptr(GListModel) list = NULL;
      double ms, cpu_ms;

      start = g_get_monotonic_time ();
      cpu_start = cpu_time ();
      store = open_store (therapists_path, key, flags);
      list = wm_store_list_therapists (store, &error);
      ms = elapsed_ms (start);
      cpu_ms = cpu_elapsed_ms (cpu_start);
      if (list == NULL)
        die ("list therapists", error);
      if (g_list_model_get_n_items (list) != (guint) n_therapists)
        die ("therapist count", NULL);
      {
        g_autoptr(WmTherapist) first = g_list_model_get_item (list, 0);
        if (first->specialisms == NULL)
          die ("specialisms not loaded", NULL);
      }
      g_array_append_val (times, ms);
      g_array_append_val (cpu_times, cpu_ms);
      g_clear_object (&list);
      g_clear_object (&store);
    }
  r->open_load_median_ms = percentile (times, 0.5);
  r->open_load_min_ms = percentile (times, 0.0);
  r->open_load_median_cpu_ms = percentile (cpu_times, 0.5);
  g_printerr ("%s: open + load %d therapists: median %.1f ms\n", label, n_therapists,
              r->open_load_median_ms);

  g_unlink (cases_path);
  g_unlink (therapists_path);
}

static void
add_results (JsonBuilder   *b,
             const char    *name,
             const Results *r)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "insert_100k_s");
  json_builder_add_double_value (b, r->insert_s);
  json_builder_set_member_name (b, "insert_100k_cpu_s");
  json_builder_add_double_value (b, r->insert_cpu_s);
  json_builder_set_member_name (b, "insert_instructions");
  if (r->insert_instructions < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, r->insert_instructions);
  json_builder_set_member_name (b, "insert_per_case_us");
  json_builder_add_double_value (b, r->insert_s * 1e6 / n_cases);
  json_builder_set_member_name (b, "db_mb");
  json_builder_add_double_value (b, r->db_mb);
  json_builder_set_member_name (b, "search_median_ms");
  json_builder_add_double_value (b, r->search_median_ms);
  json_builder_set_member_name (b, "search_median_cpu_ms");
  json_builder_add_double_value (b, r->search_median_cpu_ms);
  json_builder_set_member_name (b, "search_p95_ms");
  json_builder_add_double_value (b, r->search_p95_ms);
  json_builder_set_member_name (b, "search_max_ms");
  json_builder_add_double_value (b, r->search_max_ms);
  json_builder_set_member_name (b, "search_mean_hits");
  json_builder_add_double_value (b, r->search_mean_hits);
  json_builder_set_member_name (b, "search_queries");
  json_builder_add_int_value (b, r->n_queries);
  json_builder_set_member_name (b, "open_load_10k_therapists_ms");
  json_builder_add_double_value (b, r->open_load_median_ms);
  json_builder_set_member_name (b, "open_load_10k_therapists_min_ms");
  json_builder_add_double_value (b, r->open_load_min_ms);
  json_builder_set_member_name (b, "open_load_10k_therapists_cpu_ms");
  json_builder_add_double_value (b, r->open_load_median_cpu_ms);
  json_builder_end_object (b);
}

static gboolean
add_pass (JsonBuilder *b,
          const char  *name,
          double       value,
          double       target)
{
  gboolean ok = value <= target;

  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, ok);
  return ok;
}

static char *
cpu_model (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "model name"))
      {
        const char *colon = strchr (lines[i], ':');
        return colon ? g_strstrip (g_strdup (colon + 1)) : NULL;
      }
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- benchmark the case store");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *cpu = NULL;
  g_autofree char *cipher_version = NULL;
  Results enc = { 0 }, plain = { 0 };
  gboolean all = TRUE;
  guint8 *key;

  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 2;
    }
  if (n_cases < 100 || n_therapists < 1 || n_runs < 5)
    {
      g_printerr ("bench-store: need --cases >= 100, --therapists >= 1, --runs >= 5\n");
      return 2;
    }
  if (sodium_init () < 0)
    die ("sodium_init", NULL);

  tmp_dir = g_dir_make_tmp ("waymark-bench-XXXXXX", &error);
  if (tmp_dir == NULL)
    die ("temporary directory", error);
  key = sodium_malloc (32);
  randombytes_buf (key, 32);

  {
    g_autofree char *probe_path = g_build_filename (tmp_dir, "probe.waymark", NULL);
    WmStore *probe = open_store (probe_path, key, WM_STORE_OPEN_CREATE);

    cipher_version = g_strdup (wm_store_get_cipher_version (probe));
    g_object_unref (probe);
    g_unlink (probe_path);
  }

  run_workloads (tmp_dir, "encrypted", key, WM_STORE_OPEN_NONE, &enc);
  run_workloads (tmp_dir, "plain", NULL, WM_STORE_OPEN_UNENCRYPTED, &plain);
  sodium_free (key);
  remove_tmp_dir ();

  cpu = cpu_model ();
  json_builder_begin_object (b);

  json_builder_set_member_name (b, "machine");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cores");
  json_builder_add_int_value (b, g_get_num_processors ());
  json_builder_set_member_name (b, "cpu");
  json_builder_add_string_value (b, cpu);
  json_builder_set_member_name (b, "sqlite");
  json_builder_add_string_value (b, sqlite3_libversion ());
  json_builder_set_member_name (b, "sqlcipher");
  json_builder_add_string_value (b, cipher_version);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "params");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cases");
  json_builder_add_int_value (b, n_cases);
  json_builder_set_member_name (b, "therapists");
  json_builder_add_int_value (b, n_therapists);
  json_builder_set_member_name (b, "open_load_runs");
  json_builder_add_int_value (b, n_runs);
  json_builder_set_member_name (b, "scaled_down");
  json_builder_add_boolean_value (b, n_cases != 100000 || n_therapists != 10000);
  json_builder_end_object (b);

  add_results (b, "encrypted", &enc);
  add_results (b, "plain", &plain);

  json_builder_set_member_name (b, "ratio");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "insert");
  json_builder_add_double_value (b, enc.insert_s / plain.insert_s);
  json_builder_set_member_name (b, "search_median");
  json_builder_add_double_value (b, enc.search_median_ms / plain.search_median_ms);
  json_builder_set_member_name (b, "open_load");
  json_builder_add_double_value (b, enc.open_load_median_ms / plain.open_load_median_ms);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "targets");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "insert_100k_s");
  json_builder_add_double_value (b, TARGET_INSERT_S);
  json_builder_set_member_name (b, "search_median_ms");
  json_builder_add_double_value (b, TARGET_SEARCH_MEDIAN_MS);
  json_builder_set_member_name (b, "open_load_10k_therapists_ms");
  json_builder_add_double_value (b, TARGET_OPEN_LOAD_MS);
  json_builder_set_member_name (b, "ratio");
  json_builder_add_double_value (b, TARGET_RATIO);
  json_builder_end_object (b);

  /* Targets apply to the encrypted store; the ratios say what encryption costs. */
  json_builder_set_member_name (b, "pass");
  json_builder_begin_object (b);
  all &= add_pass (b, "insert_100k_s", enc.insert_s, TARGET_INSERT_S);
  all &= add_pass (b, "search_median_ms", enc.search_median_ms, TARGET_SEARCH_MEDIAN_MS);
  all &= add_pass (b, "open_load_10k_therapists_ms", enc.open_load_median_ms,
                   TARGET_OPEN_LOAD_MS);
  all &= add_pass (b, "ratio_insert", enc.insert_s / plain.insert_s, TARGET_RATIO);
  all &= add_pass (b, "ratio_search_median", enc.search_median_ms / plain.search_median_ms,
                   TARGET_RATIO);
  all &= add_pass (b, "ratio_open_load", enc.open_load_median_ms / plain.open_load_median_ms,
                   TARGET_RATIO);
  json_builder_set_member_name (b, "all");
  json_builder_add_boolean_value (b, all);
  json_builder_end_object (b);

  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json = json_generator_to_data (gen, NULL);
  g_print ("%s\n", json);

  return strict && !all ? 1 : 0;
}
