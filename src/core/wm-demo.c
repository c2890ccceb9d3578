/* wm-demo.c: deterministic, clearly fictional demonstration data.
 *
 * Therapists are placed at real towns of the offline gazetteer so that the map and the
 * distances look right, but every person is invented. A fixed seed makes every run produce the
 * same people at the same places; only dates follow today's date, at fixed distances from it.
 * Cases are moved through the store's own state machine (status changes, referrals), so their
 * timelines and the therapists' caseloads look like those of a service in use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <geonames.h>
#include <math.h>
#include <string.h>

#include "wm-demo.h"
#include "wm-geo.h"
#include "wm-model.h"
#include "wm-vocab.h"

G_DEFINE_QUARK (wm-demo-error-quark, wm_demo_error)

/* Changing the seed or the lists changes every demo database: screenshots and tests that
 * name demo people rely on them. */
#define DEMO_SEED 0x5741594du /* "WAYM" */
#define N_TOWNS 160           /* distinct towns with a therapist */
#define N_BIG_TOWNS 20        /* the most populous of them get two more each */
#define N_THERAPISTS (N_TOWNS + 2 * N_BIG_TOWNS)
#define N_HUBS 4              /* towns many demo clients live in, so caseloads fill up */

static const char * const female_names[] = {
  "Abigail", "Aisha", "Alice", "Amara", "Anna", "Beth", "Bronwen", "Caitlin", "Charlotte",
  "Chloe", "Clare", "Deborah", "Eilidh", "Eleanor", "Fiona", "Grace", "Hannah", "Helen",
  "Imogen", "Isla", "Jasmine", "Joanna", "Karen", "Katie", "Laura", "Lucy", "Maria", "Megan",
  "Naomi", "Niamh", "Olivia", "Priya", "Rachel", "Rhiannon", "Ruth", "Sarah", "Siân", "Sophie",
  "Tamsin", "Zoë",
};

static const char * const male_names[] = {
  "Aaron", "Adam", "Alistair", "Ben", "Callum", "Daniel", "David", "Dylan", "Euan", "Gareth",
  "George", "Hamish", "Harry", "Imran", "Jack", "James", "Jonathan", "Kieran", "Liam", "Mark",
  "Martin", "Matthew", "Michael", "Nathan", "Neil", "Owen", "Patrick", "Paul", "Peter", "Rhys",
  "Richard", "Rory", "Ryan", "Samuel", "Seán", "Simon", "Stephen", "Thomas", "Tomasz", "William",
};

static const char * const neutral_names[] = {
  "Alex", "Ashley", "Charlie", "Jamie", "Jordan", "Morgan", "Robin", "Sam",
};

static const char * const family_names[] = {
  "Ahmed", "Allen", "Anderson", "Bailey", "Baker", "Bell", "Bennett", "Brown", "Campbell",
  "Carter", "Chapman", "Clarke", "Collins", "Cooper", "Davies", "Doherty", "Edwards", "Evans",
  "Fernandes", "Fletcher", "Fraser", "Graham", "Green", "Griffiths", "Hall", "Harris", "Hughes",
  "Hussain", "Jackson", "James", "Jenkins", "Johnson", "Jones", "Kaur", "Kelly", "Kennedy",
  "King", "Kowalski", "Lewis", "Lloyd", "MacDonald", "Marshall", "Martin", "Mitchell", "Moore",
  "Morgan", "Morris", "Murphy", "Murray", "Nowak", "O'Brien", "Okafor", "Owen", "Parker",
  "Patel", "Phillips", "Price", "Quinn", "Reid", "Roberts", "Robertson", "Robinson", "Scott",
  "Shaw", "Singh", "Smith", "Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker",
  "Walsh", "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
};

static const char * const registration_bodies[] = {
  "BACP", "UKCP", "NCPS", "BPS", "HCPC", "COSRT",
};

static const char * const other_languages[] = {
  "Polish", "Urdu", "Punjabi", "Bengali", "Gujarati", "Arabic", "British Sign Language",
};

/* How likely a demo therapist is to work with each kind of client: prevention and online
 * offending are the bulk of the work of such services. */
static const struct
{
  const char *code;
  double p;
} specialism_odds[] = {
  { "pre-offence", 0.7 }, { "online-offending", 0.7 }, { "contact-offending", 0.35 },
  { "non-contact-offending", 0.35 }, { "compulsive-sexual-behaviour", 0.3 },
  { "paraphilias", 0.25 }, { "family-partners", 0.3 }, { "young-people", 0.15 },
  { "female-clients", 0.15 }, { "learning-disability", 0.1 }, { "trauma", 0.35 },
  { "survivors", 0.25 }, { "risk-assessment", 0.2 },
};

/* London is where fees are highest; the gazetteer lists many of its districts as towns. */
#define LONDON_LATITUDE 51.5085
#define LONDON_LONGITUDE -0.1257
#define LONDON_RADIUS_KM 25.0

typedef struct
{
  char *name;
  char *state;
  double latitude;
  double longitude;
  guint population;
} Town;

static void
town_free (Town *town)
{
  g_free (town->name);
  g_free (town->state);
  g_free (town);
}

/* What the demo knows about a therapist it created, for choosing referrals. */
typedef struct
{
  WmTherapist *therapist;
  gboolean eligible; /* active, accepting and compliant */
  guint open_referrals;
} DemoTherapist;

typedef struct
{
  WmStore *store;
  GRand *rand;
  GDateTime *today;        /* this morning, for dates */
  GDateTime *now;          /* for times, which must not be in the future */
  GPtrArray *towns;       /* of Town, the chosen ones in spread-out order */
  GPtrArray *hubs;        /* of Town, the most populous of them */
  GArray *therapists;     /* of DemoTherapist */
  GHashTable *used_names;
  GHashTable *therapist_of_case; /* case id → therapist id, both gint64 in pointers */
  gint64 last_online_case; /* for linking a family member's case */
} Demo;

static int
compare_towns (gconstpointer a,
               gconstpointer b)
{
  const Town *x = *(Town * const *) a;
  const Town *y = *(Town * const *) b;
  int c = g_strcmp0 (x->name, y->name);

  if (c == 0)
    c = g_strcmp0 (x->state, y->state);
  if (c == 0)
    c = (x->latitude > y->latitude) - (x->latitude < y->latitude);
  if (c == 0)
    c = (x->longitude > y->longitude) - (x->longitude < y->longitude);
  return c;
}

static int
compare_population (gconstpointer a,
                    gconstpointer b)
{
  const Town *x = *(Town * const *) a;
  const Town *y = *(Town * const *) b;

  if (x->population != y->population)
    return x->population > y->population ? -1 : 1;
  return compare_towns (a, b);
}

/* The UK towns of the gazetteer, sorted by name so that the choice never depends on the
 * gazetteer's internal order. Names shared by several towns are left out: a demo therapist
 * "in Newport" should not be a puzzle. */
static GPtrArray *
gazetteer_towns (void)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new (); /* each town moves to unique or shared */
  g_autoptr(GPtrArray) shared = g_ptr_array_new_with_free_func ((GDestroyNotify) town_free);
  GPtrArray *unique = g_ptr_array_new_with_free_func ((GDestroyNotify) town_free);
  int n = geonames_get_n_cities ();

  for (int i = 0; i < n; i++)
    {
      g_autoptr(GeonamesCity) city = geonames_get_city (i);
      Town *town;

      if (city == NULL || g_strcmp0 (geonames_city_get_country_code (city), "GB") != 0
          || geonames_city_get_name (city) == NULL)
        continue;
      town = g_new0 (Town, 1);
      town->name = g_strdup (geonames_city_get_name (city));
      town->state = g_strdup (geonames_city_get_state (city));
      town->latitude = geonames_city_get_latitude (city);
      town->longitude = geonames_city_get_longitude (city);
      town->population = geonames_city_get_population (city);
      g_ptr_array_add (all, town);
    }
  g_ptr_array_sort (all, compare_towns);

  /* Sorted by name, so a shared name has an equal neighbour. */
  for (guint i = 0; i < all->len; i++)
    {
      Town *town = g_ptr_array_index (all, i);
      Town *before = i > 0 ? g_ptr_array_index (all, i - 1) : NULL;
      Town *after = i + 1 < all->len ? g_ptr_array_index (all, i + 1) : NULL;
      gboolean is_shared = (before != NULL && g_str_equal (before->name, town->name))
                           || (after != NULL && g_str_equal (after->name, town->name));

      g_ptr_array_add (is_shared ? shared : unique, town);
    }
  return unique;
}

/* Picks @n towns spread over the country: towns are grouped in cells of about 55 × 55 km and
 * taken one from each cell per round, biggest first, so the south-east's many towns do not
 * crowd out Scotland, Wales and Northern Ireland, and each area is served from its cities. */
static GPtrArray *
spread_towns (GPtrArray *towns,
              guint      n)
{
  g_autoptr(GHashTable) cells = g_hash_table_new_full (NULL, NULL, NULL,
                                                       (GDestroyNotify) g_ptr_array_unref);
  GPtrArray *chosen = g_ptr_array_new ();
  gboolean more = TRUE;
  int max_key = 0;

  for (guint i = 0; i < towns->len; i++)
    {
      Town *town = g_ptr_array_index (towns, i);
      int row = CLAMP ((int) floor ((town->latitude - 49.0) / 0.5), 0, 99);
      int col = CLAMP ((int) floor ((town->longitude + 9.0) / 0.8), 0, 98);
      int k = row * 100 + col + 1;
      gpointer key = GINT_TO_POINTER (k);
      GPtrArray *cell = g_hash_table_lookup (cells, key);

      max_key = MAX (max_key, k);
      if (cell == NULL)
        {
          cell = g_ptr_array_new ();
          g_hash_table_insert (cells, key, cell);
        }
      g_ptr_array_add (cell, town);
    }
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, cells);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_sort (value, compare_population);
  }

  /* Each round visits the cells south to north, west to east (keys in numeric order). */
  for (guint round = 0; more && chosen->len < n; round++)
    {
      more = FALSE;
      for (int key = 0; key <= max_key && chosen->len < n; key++)
        {
          GPtrArray *cell = g_hash_table_lookup (cells, GINT_TO_POINTER (key));

          if (cell == NULL || round >= cell->len)
            continue;
          g_ptr_array_add (chosen, g_ptr_array_index (cell, round));
          more = TRUE;
        }
    }
  return chosen;
}

static char *
date_from_today (Demo *demo,
                 int   days)
{
  g_autoptr(GDateTime) then = g_date_time_add_days (demo->today, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

static gboolean
chance (Demo   *demo,
        double  p)
{
  return g_rand_double (demo->rand) < p;
}

static const char *
pick (Demo               *demo,
      const char * const *list,
      guint               n)
{
  return list[g_rand_int_range (demo->rand, 0, (gint32) n)];
}

#define PICK(demo, list) pick ((demo), (list), G_N_ELEMENTS (list))

/* A given name for @gender, and a family name, never the same pair twice. */
static void
invent_name (Demo        *demo,
             const char  *gender,
             const char **given,
             const char **family)
{
  for (;;)
    {
      g_autofree char *full = NULL;

      if (g_str_equal (gender, "female"))
        *given = PICK (demo, female_names);
      else if (g_str_equal (gender, "male"))
        *given = PICK (demo, male_names);
      else
        *given = PICK (demo, neutral_names);
      *family = PICK (demo, family_names);
      full = g_strconcat (*given, " ", *family, NULL);
      if (!g_hash_table_contains (demo->used_names, full))
        {
          g_hash_table_add (demo->used_names, g_steal_pointer (&full));
          return;
        }
    }
}

/* "Siân O'Brien" → "sian.obrien": the local part of a demo e-mail address. */
static char *
mailbox (const char *given,
         const char *family)
{
  g_autofree char *ascii = g_str_to_ascii (given, "C");
  g_autofree char *ascii_family = g_str_to_ascii (family, "C");
  GString *s = g_string_new (NULL);

  for (const char *p = ascii; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (s, g_ascii_tolower (*p));
  g_string_append_c (s, '.');
  for (const char *p = ascii_family; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (s, g_ascii_tolower (*p));
  return g_string_free (s, FALSE);
}

/* Therapists */

static WmTherapist *
invent_therapist (Demo       *demo,
                  guint       index,
                  const Town *town,
                  gboolean   *eligible)
{
  g_autoptr(WmTherapist) t = wm_therapist_new ();
  WmRecord *r = WM_RECORD (t);
  g_autoptr(GStrvBuilder) specialisms = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) languages = g_strv_builder_new ();
  g_auto(GStrv) specialism_list = NULL;
  g_auto(GStrv) language_list = NULL;
  g_autofree char *external_id = g_strdup_printf ("DEMO-T%03u", index + 1);
  g_autofree char *email = NULL;
  g_autofree char *box = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *registration_number = NULL;
  g_autofree char *registration_expires = NULL;
  g_autofree char *insurance_expires = NULL;
  g_autofree char *dbs_checked = NULL;
  const char *given, *family, *gender;
  gboolean london = wm_geo_distance_km (town->latitude, town->longitude,
                                        LONDON_LATITUDE, LONDON_LONGITUDE) < LONDON_RADIUS_KM;
  double roll;
  guint n_specialisms = 0;
  gint64 fee_min, fee_max;
  gboolean lapsed, trained, online_only;

  /* Every draw happens on every run in the same order, whatever the date: the dates below
   * use the draws, never the other way round. */
  roll = g_rand_double (demo->rand);
  gender = roll < 0.70 ? "female" : roll < 0.95 ? "male" : "non-binary";
  invent_name (demo, gender, &given, &family);
  box = mailbox (given, family);
  email = g_strdup_printf ("%s@example.org", box);
  /* Ofcom's numbers for drama: they will never ring a real person. */
  if (london)
    phone = g_strdup_printf ("020 7946 %04u", index % 1000);
  else if (chance (demo, 0.6))
    phone = g_strdup_printf ("07700 900%03u", index % 1000);
  else
    phone = g_strdup_printf ("01632 960%03u", index % 1000);

  g_object_set (t,
                "external-id", external_id,
                "given-name", given,
                "family-name", family,
                "gender", gender,
                "email", email,
                "phone", phone,
                "town", town->name,
                NULL);
  if (chance (demo, 0.15))
    wm_record_set_string (r, "title", "Dr");
  else if (g_str_equal (gender, "non-binary"))
    wm_record_set_string (r, "title", "Mx");

  /* Spread the therapists of one town over a few kilometres, as real ones would be. */
  wm_record_set_double (r, "latitude",
                        town->latitude + g_rand_double_range (demo->rand, -0.015, 0.015));
  wm_record_set_double (r, "longitude",
                        town->longitude + g_rand_double_range (demo->rand, -0.025, 0.025));

  online_only = chance (demo, 0.05);
  wm_record_set_bool (r, "in_person", !online_only);
  wm_record_set_bool (r, "online", online_only || chance (demo, 0.55));

  g_strv_builder_add (languages, "English");
  if (g_strcmp0 (town->state, "Wales") == 0 && chance (demo, 0.4))
    g_strv_builder_add (languages, "Welsh");
  if (chance (demo, 0.08))
    g_strv_builder_add (languages, PICK (demo, other_languages));
  language_list = g_strv_builder_end (languages);
  wm_record_set_strv (r, "languages", (const char * const *) language_list);

  for (guint i = 0; i < G_N_ELEMENTS (specialism_odds); i++)
    if (chance (demo, specialism_odds[i].p))
      {
        g_strv_builder_add (specialisms, specialism_odds[i].code);
        n_specialisms++;
      }
  if (n_specialisms == 0)
    g_strv_builder_add (specialisms, "pre-offence");
  specialism_list = g_strv_builder_end (specialisms);
  wm_record_set_strv (r, "specialisms", (const char * const *) specialism_list);

  wm_record_set_int (r, "max_caseload", g_rand_int_range (demo->rand, 2, 11));
  wm_record_set_bool (r, "accepting", !chance (demo, 0.10));
  wm_record_set_bool (r, "active", !chance (demo, 0.03));

  /* Fees in whole £5, higher in London. */
  if (london)
    fee_min = 5 * g_rand_int_range (demo->rand, 12, 19); /* £60–£90 */
  else
    fee_min = 5 * g_rand_int_range (demo->rand, 8, 15);  /* £40–£70 */
  fee_max = fee_min + 5 * g_rand_int_range (demo->rand, 0, 5);
  fee_max = MIN (fee_max, 100);
  wm_record_set_int (r, "fee_min", fee_min);
  wm_record_set_int (r, "fee_max", fee_max);
  wm_record_set_bool (r, "low_cost", chance (demo, 0.2));

  wm_record_set_string (r, "registration_body", PICK (demo, registration_bodies));
  registration_number = g_strdup_printf ("DEMO-%05u", g_rand_int_range (demo->rand, 1, 100000));
  wm_record_set_string (r, "registration_number", registration_number);

  /* About one in twelve has let insurance or registration lapse, a fixed number of days ago,
   * so the demo always shows what the matcher does with them. */
  lapsed = chance (demo, 0.08);
  roll = g_rand_double (demo->rand);
  if (lapsed && roll < 0.6)
    {
      insurance_expires = date_from_today (demo, -g_rand_int_range (demo->rand, 5, 180));
      registration_expires = date_from_today (demo, g_rand_int_range (demo->rand, 60, 720));
    }
  else if (lapsed)
    {
      insurance_expires = date_from_today (demo, g_rand_int_range (demo->rand, 30, 420));
      registration_expires = date_from_today (demo, -g_rand_int_range (demo->rand, 5, 180));
    }
  else
    {
      insurance_expires = date_from_today (demo, g_rand_int_range (demo->rand, 30, 420));
      registration_expires = date_from_today (demo, g_rand_int_range (demo->rand, 60, 720));
    }
  dbs_checked = date_from_today (demo, -g_rand_int_range (demo->rand, 30, 900));
  wm_record_set_string (r, "insurance_expires", insurance_expires);
  wm_record_set_string (r, "registration_expires", registration_expires);
  wm_record_set_string (r, "dbs_checked", dbs_checked);
  trained = !chance (demo, 0.04);
  wm_record_set_bool (r, "training_completed", trained);
  wm_record_set_bool (r, "supervision_confirmed", !chance (demo, 0.05));
  wm_record_set_string (r, "notes", _("Fictional person, made up for the demonstration."));

  *eligible = t->active && t->accepting && !lapsed && trained;
  return g_steal_pointer (&t);
}

static gboolean
add_therapists (Demo    *demo,
                GError **error)
{
  g_autoptr(GPtrArray) places = g_ptr_array_copy (demo->towns, NULL, NULL);

  /* The biggest towns get more therapists, as they would in life. */
  for (guint i = 0; i < N_BIG_TOWNS && i < demo->hubs->len; i++)
    {
      g_ptr_array_add (places, g_ptr_array_index (demo->hubs, i));
      g_ptr_array_add (places, g_ptr_array_index (demo->hubs, i));
    }

  for (guint i = 0; i < places->len; i++)
    {
      DemoTherapist dt = { NULL, FALSE, 0 };

      dt.therapist = invent_therapist (demo, i, g_ptr_array_index (places, i), &dt.eligible);
      if (!wm_store_save_therapist (demo->store, dt.therapist, error))
        {
          g_object_unref (dt.therapist);
          return FALSE;
        }
      g_array_append_val (demo->therapists, dt);
    }
  return TRUE;
}

/* Cases */

/* The path of a demo case through the state machine. */
typedef enum
{
  PLAN_ENQUIRY,
  PLAN_TRIAGE,
  PLAN_MATCHING,
  PLAN_MATCHING_AFTER_DECLINE,
  PLAN_MATCHING_AFTER_NO_CONTACT,
  PLAN_REFERRED,
  PLAN_REFERRED_ACCEPTED,
  PLAN_REFERRED_AFTER_DECLINE,
  PLAN_IN_THERAPY,
  PLAN_CLOSED,
  PLAN_ON_HOLD,
  PLAN_WITHDRAWN,
  PLAN_WITHDRAWN_IN_MATCHING,
} Plan;

/* How many cases follow each path, and how long ago such cases were opened. */
static const struct
{
  Plan plan;
  guint n;
  int min_days;
  int max_days;
} plans[] = {
  { PLAN_ENQUIRY, 5, 0, 6 },
  { PLAN_TRIAGE, 4, 2, 14 },
  { PLAN_MATCHING, 3, 5, 30 },
  { PLAN_MATCHING_AFTER_DECLINE, 1, 10, 40 },
  { PLAN_MATCHING_AFTER_NO_CONTACT, 1, 10, 40 },
  { PLAN_REFERRED, 4, 7, 30 },
  { PLAN_REFERRED_ACCEPTED, 3, 10, 35 },
  { PLAN_REFERRED_AFTER_DECLINE, 1, 20, 50 },
  { PLAN_IN_THERAPY, 8, 40, 200 },
  { PLAN_CLOSED, 4, 150, 400 },
  { PLAN_ON_HOLD, 3, 20, 90 },
  { PLAN_WITHDRAWN, 2, 10, 120 },
  { PLAN_WITHDRAWN_IN_MATCHING, 1, 10, 60 },
};

/* Category mix: mostly people at risk and people who offended online, as in such services. */
static const struct
{
  const char *category;
  guint n;
} category_mix[] = {
  { "at-risk", 8 }, { "offended-online", 12 }, { "offended-contact", 4 },
  { "offended-non-contact", 4 }, { "family-member", 5 }, { "survivor", 3 },
  { "professional-enquiry", 2 }, { "other", 2 },
};

static const char *
need_for_category (const char *category)
{
  static const struct { const char *category, *need; } needs[] = {
    { "at-risk", "pre-offence" },
    { "offended-online", "online-offending" },
    { "offended-contact", "contact-offending" },
    { "offended-non-contact", "non-contact-offending" },
    { "family-member", "family-partners" },
    { "survivor", "survivors" },
    { "other", "compulsive-sexual-behaviour" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (needs); i++)
    if (g_str_equal (needs[i].category, category))
      return needs[i].need;
  return NULL;
}

static const char *
cjs_for_category (Demo       *demo,
                  const char *category)
{
  static const char * const online[] = { "under-investigation", "under-investigation", "charged",
                                          "convicted", "on-licence" };
  static const char * const contact[] = { "convicted", "on-licence", "sentence-completed" };
  static const char * const non_contact[] = { "charged", "convicted", "sentence-completed" };

  if (g_str_equal (category, "offended-online"))
    return PICK (demo, online);
  if (g_str_equal (category, "offended-contact"))
    return PICK (demo, contact);
  if (g_str_equal (category, "offended-non-contact"))
    return PICK (demo, non_contact);
  if (g_str_equal (category, "at-risk") || g_str_equal (category, "family-member")
      || g_str_equal (category, "survivor"))
    return "none";
  return "unknown";
}

static WmCase *
invent_case (Demo       *demo,
             guint       index,
             const char *category,
             int         days_ago)
{
  g_autoptr(WmCase) k = wm_case_new ();
  WmRecord *client = WM_RECORD (wm_case_get_client (k));
  g_autoptr(GDateTime) opened = g_date_time_add_days (demo->now, -days_ago);
  g_autoptr(GDateTime) opened_at_time = NULL;
  g_autofree char *opened_at = NULL;
  g_autofree char *phone = g_strdup_printf ("07700 900%03u", 500 + index);
  const char *need = need_for_category (category);
  const char *cjs = cjs_for_category (demo, category);
  const char *given, *family, *gender;
  const Town *town;
  double roll = g_rand_double (demo->rand);
  gint64 birth_year;
  gboolean voicemail_ok, letter_ok, online_ok;

  /* Nine in ten clients of such services are men. */
  gender = roll < 0.86 ? "male" : roll < 0.97 ? "female" : "non-binary";
  if (g_str_equal (category, "family-member") || g_str_equal (category, "survivor"))
    gender = roll < 0.3 ? "male" : roll < 0.97 ? "female" : "non-binary";
  invent_name (demo, gender, &given, &family);

  /* Most clients live in one of a few big towns, so some therapists' caseloads fill up. */
  if (chance (demo, 0.65))
    town = g_ptr_array_index (demo->hubs, g_rand_int_range (demo->rand, 0, N_HUBS));
  else
    town = g_ptr_array_index (demo->towns,
                              g_rand_int_range (demo->rand, 0, (gint32) demo->towns->len));

  /* One random draw per statement: the order in which a call's arguments are evaluated is
   * up to the compiler, and the demo must be the same whoever built it. */
  birth_year = g_rand_int_range (demo->rand, 1955, 2005);
  voicemail_ok = chance (demo, 0.5);
  letter_ok = chance (demo, 0.35);
  g_object_set (client,
                "given-name", given,
                "family-name", family,
                "gender", gender,
                "birth-year", birth_year,
                "phone", phone,
                "town", town->name,
                "latitude", town->latitude,
                "longitude", town->longitude,
                "location-precision", "town",
                "language", "English",
                "contact-voicemail-ok", voicemail_ok,
                "contact-letter-ok", letter_ok,
                NULL);
  if (chance (demo, 0.5))
    {
      g_autofree char *box = mailbox (given, family);
      g_autofree char *email = g_strdup_printf ("%s%u@example.org", box, 10 + index);
      gboolean email_ok = chance (demo, 0.6);

      g_object_set (client, "email", email, "contact-email-ok", email_ok, NULL);
    }

  /* Some hours before now: a case opened "today" was not opened later today. */
  opened_at_time = g_date_time_add_hours (opened, -g_rand_int_range (demo->rand, 1, 9));
  opened_at = g_date_time_format (opened_at_time, "%Y-%m-%dT%H:%M:00Z");

  online_ok = chance (demo, 0.7);
  roll = g_rand_double (demo->rand);
  g_object_set (k,
                "category", category,
                "cjs-status", cjs,
                "police-aware", !g_str_equal (cjs, "none") && !g_str_equal (cjs, "unknown"),
                "online-ok", online_ok,
                "funding", roll < 0.7 ? "self" : roll < 0.9 ? "hardship" : "third-party",
                "opened-at", opened_at,
                "notes", _("Fictional case, made up for the demonstration."),
                NULL);
  if (need != NULL)
    {
      const char *needs[] = { need, NULL };

      g_object_set (k, "needs", needs, NULL);
    }
  if (chance (demo, 0.3))
    {
      const char *desired[] = { chance (demo, 0.5) ? "trauma" : "risk-assessment", NULL };

      g_object_set (k, "desired", desired, NULL);
    }
  if (chance (demo, 0.2))
    {
      const char *preferred = chance (demo, 0.6) ? "female" : "male";
      gboolean required = chance (demo, 0.3);

      g_object_set (k, "preferred-gender", preferred, "gender-required", required, NULL);
    }
  if (chance (demo, 0.15))
    g_object_set (k, "max-distance-km", (gint64) (chance (demo, 0.5) ? 20 : 60), NULL);

  /* The weeks after an arrest are when the risk of suicide is highest. */
  if (g_str_equal (cjs, "under-investigation") && chance (demo, 0.6))
    g_object_set (k, "risk-self-harm", TRUE, "urgent", TRUE, NULL);
  if (g_str_equal (category, "family-member") && chance (demo, 0.3))
    g_object_set (k, "risk-safeguarding", TRUE, NULL);
  if (g_str_equal (category, "at-risk") && chance (demo, 0.15))
    g_object_set (k, "urgent", TRUE, NULL);

  return g_steal_pointer (&k);
}

/* A therapist who could take the case and has room, skipping @exclude, within @radius_km.
 * Not simply the nearest: each demo client a therapist already has counts as 50 km nearer,
 * and each free place as 10 km further. Real referrals cluster like that (a few well-known
 * therapists in each area), and it makes the demo show caseloads filling up, some full. */
static DemoTherapist *
choose_within (Demo   *demo,
               WmCase *kase,
               gint64  exclude,
               double  radius_km,
               double *distance)
{
  WmClient *client = wm_case_get_client (kase);
  DemoTherapist *best = NULL;
  double best_rank = INFINITY;
  gint64 conflict = -1;

  /* The rules the matcher applies too, so that the demo's referrals are ones it would make:
   * not the therapist of the linked family case, the gender if it is required, the client's
   * own limit on distance unless online will do. */
  if (kase->linked_case_id > 0)
    {
      gint64 *id = g_hash_table_lookup (demo->therapist_of_case, &kase->linked_case_id);

      conflict = id != NULL ? *id : -1;
    }

  for (guint i = 0; i < demo->therapists->len; i++)
    {
      DemoTherapist *dt = &g_array_index (demo->therapists, DemoTherapist, i);
      WmTherapist *t = dt->therapist;
      gboolean has_needs = TRUE;
      double km, rank;

      if (!dt->eligible || wm_record_get_id (WM_RECORD (t)) == exclude
          || wm_record_get_id (WM_RECORD (t)) == conflict
          || dt->open_referrals >= (guint) t->max_caseload
          || (!t->in_person && !kase->online_ok)
          || (kase->gender_required && g_strcmp0 (t->gender, kase->preferred_gender) != 0))
        continue;
      for (guint n = 0; kase->needs != NULL && kase->needs[n] != NULL; n++)
        has_needs = has_needs && wm_therapist_has_specialism (t, kase->needs[n]);
      if (!has_needs)
        continue;
      km = wm_geo_distance_km (client->latitude, client->longitude, t->latitude, t->longitude);
      if (km > radius_km
          || (kase->max_distance_km > 0 && km > kase->max_distance_km
              && !(t->online && kase->online_ok)))
        continue;
      rank = km - 50.0 * dt->open_referrals + 10.0 * (t->max_caseload - dt->open_referrals);
      if (rank < best_rank)
        {
          best = dt;
          best_rank = rank;
          *distance = km;
        }
    }
  return best;
}

/* Widens the search the way the matcher does, so demo referrals stay plausible. */
static DemoTherapist *
choose_therapist (Demo   *demo,
                  WmCase *kase,
                  gint64  exclude,
                  double *distance)
{
  static const double radii[] = { 40.0, 80.0, 160.0, INFINITY };
  DemoTherapist *found = NULL;

  for (guint i = 0; found == NULL && i < G_N_ELEMENTS (radii); i++)
    found = choose_within (demo, kase, exclude, radii[i], distance);
  return found;
}

static WmReferral *
refer (Demo     *demo,
       WmCase   *kase,
       gint64    exclude,
       GError  **error)
{
  DemoTherapist *dt;
  g_autofree char *explanation = NULL;
  WmReferral *referral;
  double km;

  dt = choose_therapist (demo, kase, exclude, &km);
  if (dt == NULL)
    {
      /* Cannot happen with the fixed seed; a clear error if the lists are ever changed. */
      g_set_error (error, WM_DEMO_ERROR, WM_DEMO_ERROR_FAILED,
                   _("No demo therapist fits a demo case; the demo data needs changing"));
      return NULL;
    }
  explanation = g_strdup_printf (_("%.0f km away; covers the needs asked for"), km);
  referral = wm_store_create_referral (demo->store, wm_record_get_id (WM_RECORD (kase)),
                                      wm_record_get_id (WM_RECORD (dt->therapist)),
                                      CLAMP (1.0 - km / 100.0, 0.3, 0.95), explanation, error);
  if (referral != NULL)
    {
      g_hash_table_insert (demo->therapist_of_case,
                           g_memdup2 (&referral->case_id, sizeof (gint64)),
                           g_memdup2 (&referral->therapist_id, sizeof (gint64)));
      dt->open_referrals++;
      wm_record_set_int (WM_RECORD (kase), "assigned_therapist_id", referral->therapist_id);
    }
  return referral;
}

/* Marks a referral as no longer open for the therapist's caseload count. */
static void
referral_closed (Demo       *demo,
                 WmReferral *referral)
{
  for (guint i = 0; i < demo->therapists->len; i++)
    {
      DemoTherapist *dt = &g_array_index (demo->therapists, DemoTherapist, i);

      if (wm_record_get_id (WM_RECORD (dt->therapist)) == referral->therapist_id
          && dt->open_referrals > 0)
        dt->open_referrals--;
    }
}

static gboolean
set_status (Demo        *demo,
            WmCase      *kase,
            const char  *status,
            GError     **error)
{
  return wm_store_set_case_status (demo->store, kase, status, NULL, error);
}

static gboolean
to_matching (Demo     *demo,
             WmCase   *kase,
             GError  **error)
{
  return set_status (demo, kase, "triage", error) && set_status (demo, kase, "matching", error);
}

static gboolean
follow_plan (Demo     *demo,
             WmCase   *kase,
             Plan      plan,
             GError  **error)
{
  g_autoptr(WmReferral) referral = NULL;
  g_autoptr(WmReferral) first = NULL;

  switch (plan)
    {
    case PLAN_ENQUIRY:
      return TRUE;
    case PLAN_TRIAGE:
      return set_status (demo, kase, "triage", error);
    case PLAN_ON_HOLD:
      return set_status (demo, kase, "triage", error)
             && set_status (demo, kase, "on-hold", error);
    case PLAN_WITHDRAWN:
      return set_status (demo, kase, "withdrawn", error);
    case PLAN_MATCHING:
      return to_matching (demo, kase, error);
    case PLAN_WITHDRAWN_IN_MATCHING:
      return to_matching (demo, kase, error) && set_status (demo, kase, "withdrawn", error);

    case PLAN_MATCHING_AFTER_DECLINE:
    case PLAN_MATCHING_AFTER_NO_CONTACT:
    case PLAN_REFERRED_AFTER_DECLINE:
      if (!to_matching (demo, kase, error)
          || (first = refer (demo, kase, -1, error)) == NULL)
        return FALSE;
      referral_closed (demo, first);
      wm_record_set_int (WM_RECORD (kase), "assigned_therapist_id", -1);
      if (plan == PLAN_MATCHING_AFTER_NO_CONTACT)
        {
          if (!wm_store_set_referral_state (demo->store, first, "no-contact",
                                            _("No reply after three attempts (fictional)"),
                                            error))
            return FALSE;
        }
      else if (!wm_store_set_referral_state (demo->store, first, "declined",
                                             _("Caseload full this month (fictional)"), error))
        return FALSE;
      if (plan != PLAN_REFERRED_AFTER_DECLINE)
        return TRUE;
      referral = refer (demo, kase, first->therapist_id, error);
      return referral != NULL;

    case PLAN_REFERRED:
      return to_matching (demo, kase, error)
             && (referral = refer (demo, kase, -1, error)) != NULL;
    case PLAN_REFERRED_ACCEPTED:
      return to_matching (demo, kase, error)
             && (referral = refer (demo, kase, -1, error)) != NULL
             && wm_store_set_referral_state (demo->store, referral, "accepted", NULL, error);

    case PLAN_IN_THERAPY:
    case PLAN_CLOSED:
      if (!to_matching (demo, kase, error)
          || (referral = refer (demo, kase, -1, error)) == NULL
          || !wm_store_set_referral_state (demo->store, referral, "accepted", NULL, error)
          || !wm_store_set_referral_state (demo->store, referral, "first-contact", NULL, error)
          || !set_status (demo, kase, "in-therapy", error))
        return FALSE;
      if (plan == PLAN_IN_THERAPY)
        return TRUE;
      wm_record_set_string (WM_RECORD (kase), "outcome",
                            _("Completed the agreed sessions (fictional)."));
      if (!wm_store_save_case (demo->store, kase, error)
          || !wm_store_set_referral_state (demo->store, referral, "ended", NULL, error))
        return FALSE;
      referral_closed (demo, referral);
      return set_status (demo, kase, "closed", error);

    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

typedef struct
{
  guint order; /* as drawn, so that sorting never depends on the sort's stability */
  Plan plan;
  const char *category;
  int days_ago;
} CasePlan;

static int
compare_case_plans (gconstpointer a,
                    gconstpointer b)
{
  const CasePlan *x = a, *y = b;

  /* Oldest first, so older cases get the lower reference numbers. */
  if (x->days_ago != y->days_ago)
    return y->days_ago - x->days_ago;
  return (x->order > y->order) - (x->order < y->order);
}

static gboolean
add_cases (Demo    *demo,
           GError **error)
{
  g_autoptr(GArray) cases = g_array_new (FALSE, FALSE, sizeof (CasePlan));
  g_autoptr(GPtrArray) categories = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (category_mix); i++)
    for (guint j = 0; j < category_mix[i].n; j++)
      g_ptr_array_add (categories, (gpointer) category_mix[i].category);
  /* Shuffle (Fisher–Yates) so each status gets a mix of categories. */
  for (guint i = categories->len - 1; i > 0; i--)
    {
      guint j = (guint) g_rand_int_range (demo->rand, 0, (gint32) i + 1);
      gpointer tmp = categories->pdata[i];

      categories->pdata[i] = categories->pdata[j];
      categories->pdata[j] = tmp;
    }

  for (guint i = 0; i < G_N_ELEMENTS (plans); i++)
    for (guint j = 0; j < plans[i].n; j++)
      {
        CasePlan cp;

        cp.order = cases->len;
        cp.plan = plans[i].plan;
        cp.category = g_ptr_array_index (categories, cases->len % categories->len);
        cp.days_ago = g_rand_int_range (demo->rand, plans[i].min_days, plans[i].max_days + 1);
        g_array_append_val (cases, cp);
      }
  g_array_sort (cases, compare_case_plans);

  for (guint i = 0; i < cases->len; i++)
    {
      const CasePlan *cp = &g_array_index (cases, CasePlan, i);
      g_autoptr(WmCase) kase = invent_case (demo, i, cp->category, cp->days_ago);

      /* A partner's case is linked to the case of the person who offended. */
      if (g_str_equal (cp->category, "family-member") && demo->last_online_case > 0)
        wm_record_set_int (WM_RECORD (kase), "linked_case_id", demo->last_online_case);
      if (!wm_store_save_case (demo->store, kase, error)
          || !follow_plan (demo, kase, cp->plan, error))
        return FALSE;
      if (g_str_equal (cp->category, "offended-online"))
        demo->last_online_case = wm_record_get_id (WM_RECORD (kase));
    }
  return TRUE;
}

static void
demo_clear (Demo *demo)
{
  g_clear_pointer (&demo->rand, g_rand_free);
  g_clear_pointer (&demo->today, g_date_time_unref);
  g_clear_pointer (&demo->now, g_date_time_unref);
  g_clear_pointer (&demo->towns, g_ptr_array_unref);
  g_clear_pointer (&demo->hubs, g_ptr_array_unref);
  if (demo->therapists != NULL)
    {
      for (guint i = 0; i < demo->therapists->len; i++)
        g_object_unref (g_array_index (demo->therapists, DemoTherapist, i).therapist);
      g_clear_pointer (&demo->therapists, g_array_unref);
    }
  g_clear_pointer (&demo->used_names, g_hash_table_unref);
  g_clear_pointer (&demo->therapist_of_case, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Demo, demo_clear)

gboolean
wm_demo_populate (WmStore  *store,
                  GError  **error)
{
  g_auto(Demo) demo = { 0 };
  g_autoptr(GPtrArray) all_towns = NULL;

  g_return_val_if_fail (WM_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Demo people mixed with real ones would be worse than no demo at all. */
  if (wm_store_count_therapists (store) != 0 || wm_store_count_cases (store) != 0)
    {
      g_set_error (error, WM_DEMO_ERROR, WM_DEMO_ERROR_NOT_EMPTY,
                   _("Demo data can only be added to an empty database; this one already has "
                     "therapists or cases"));
      return FALSE;
    }

  demo.store = store;
  demo.rand = g_rand_new_with_seed (DEMO_SEED);
  demo.now = g_date_time_new_now_utc ();
  /* Dates are whole days from this morning. */
  demo.today = g_date_time_new_utc (g_date_time_get_year (demo.now),
                                    g_date_time_get_month (demo.now),
                                    g_date_time_get_day_of_month (demo.now), 9, 0, 0);
  all_towns = gazetteer_towns ();
  demo.towns = spread_towns (all_towns, N_TOWNS);
  demo.hubs = g_ptr_array_copy (demo.towns, NULL, NULL);
  g_ptr_array_sort (demo.hubs, compare_population);
  demo.therapists = g_array_new (FALSE, FALSE, sizeof (DemoTherapist));
  demo.used_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  demo.therapist_of_case = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  demo.last_online_case = -1;

  if (demo.towns->len < MAX (N_HUBS, N_BIG_TOWNS))
    {
      g_set_error (error, WM_DEMO_ERROR, WM_DEMO_ERROR_FAILED,
                   _("The gazetteer has too few UK towns for the demo data"));
      return FALSE;
    }

  if (!wm_store_begin (store, error))
    return FALSE;
  if (!add_therapists (&demo, error) || !add_cases (&demo, error))
    {
      wm_store_rollback (store);
      return FALSE;
    }
  return wm_store_commit (store, error);
}
