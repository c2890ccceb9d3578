/* test-durability.c: a writer killed at random moments never costs a committed transaction
 * and never leaves a damaged file.
 *
 * A forked child (which inherits the key in memory, never on a command line) saves cases in
 * a loop, singly and in multi-case transactions, and reports each one on a pipe only once
 * wm_store_* said it was committed. The parent SIGKILLs it a random delay after it opened the
 * store, then opens the file and checks: integrity_check passes, the audit chain verifies and
 * has exactly one row per committed case, every reported case is there, and the transaction
 * in flight at the kill is either wholly there or wholly absent.
 *
 * SIGKILL stops the process, not the machine: this covers crashes and forced quits, which
 * rely on the rollback journal; power loss additionally relies on synchronous=FULL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-util.h"
#include "wm-store.h"

#define N_ROUNDS 30
#define MIN_DELAY_MS 20
#define MAX_DELAY_MS 300
/* A save that commits (with its fsyncs) takes about this long here; on a slower machine, or
 * under valgrind, the delays grow in proportion (up to MAX_SCALE) so the child still gets
 * work done between kills. */
#define TYPICAL_SAVE_MS 4.0
#define MAX_SCALE 6.0
#define BATCH_SIZE 3
#define DEFAULT_SEED 20261127u

/* The child's schedule is fixed, so the parent knows what the interrupted step was: every
 * fourth step saves BATCH_SIZE cases in one transaction, the others one case each. */
static guint
step_size (guint step)
{
  return step % 4 == 3 ? BATCH_SIZE : 1;
}

/* One FTS token ("r07s00012k1"), unique to the round, step and case within the step. */
static char *
marker_for (guint round,
            guint step,
            guint k)
{
  return g_strdup_printf ("R%02uS%05uK%u", round, step, k);
}

static WmCase *
new_case (guint round,
          guint step,
          guint k)
{
  WmCase *c = wm_case_new ();
  g_autofree char *marker = marker_for (round, step, k);
  const char *needs[] = { "pre-offence", NULL };

  g_object_set (c, "category", "at-risk", "needs", needs,
                "notes", "Written by the durability test child", NULL);
  g_object_set (wm_case_get_client (c), "given-name", marker,
                "family-name", "Durability", "town", "Leeds", NULL);
  return c;
}

/* How much slower than TYPICAL_SAVE_MS one committed save is here (at least 1). */
static double
calibrate (const char   *dir,
           const guint8 *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "calibrate.waymark", NULL);
  g_autoptr(WmStore) store = wm_store_open (path, key, WM_STORE_OPEN_CREATE, &error);
  double times[5];
  double median;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autoptr(WmCase) c = new_case (99, i, 0);
      gint64 start = g_get_monotonic_time ();

      g_assert_true (wm_store_save_case (store, c, &error));
      g_assert_no_error (error);
      times[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  g_clear_object (&store);
  g_unlink (path);

  /* Median of five, by sorting. */
  for (guint i = 1; i < G_N_ELEMENTS (times); i++)
    for (guint j = i; j > 0 && times[j - 1] > times[j]; j--)
      {
        double t = times[j];
        times[j] = times[j - 1];
        times[j - 1] = t;
      }
  median = times[G_N_ELEMENTS (times) / 2];
  g_test_message ("one committed save takes %.1f ms here", median);
  return CLAMP (median / TYPICAL_SAVE_MS, 1.0, MAX_SCALE);
}

static void
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (4);
      data += n;
      len -= (gsize) n;
    }
}

static void G_GNUC_NORETURN
child_fail (const char *what,
            GError     *error)
{
  fprintf (stderr, "child: %s: %s\n", what, error ? error->message : "failed");
  _exit (3);
}

/* Runs in the forked child until it is killed. */
static void G_GNUC_NORETURN
child_main (const char   *path,
            const guint8 *key,
            guint         round,
            int           fd)
{
  GError *error = NULL;
  WmStore *store = wm_store_open (path, key, WM_STORE_OPEN_NONE, &error);

  if (store == NULL)
    child_fail ("open", error);
  /* The random delay starts now, so a slow start (valgrind, a busy machine) cannot eat it. */
  write_all (fd, "ready\n", 6);

  for (guint step = 0; ; step++)
    {
      g_autoptr(GString) lines = g_string_new (NULL);
      guint n = step_size (step);

      if (n > 1 && !wm_store_begin (store, &error))
        child_fail ("begin", error);
      for (guint k = 0; k < n; k++)
        {
          g_autoptr(WmCase) c = new_case (round, step, k);

          if (!wm_store_save_case (store, c, &error))
            child_fail ("save", error);
          g_string_append_printf (lines, "%u %u %" G_GINT64_FORMAT " %s\n", step, k,
                                  wm_record_get_id (WM_RECORD (c)), c->reference);
        }
      if (n > 1 && !wm_store_commit (store, &error))
        child_fail ("commit", error);

      /* Only now is it committed; one write of a few lines is below PIPE_BUF, so atomic. */
      write_all (fd, lines->str, lines->len);
    }
}

typedef struct
{
  guint step;
  guint k;
  gint64 id;
  char *reference;
} Reported;

static void
reported_clear (Reported *r)
{
  g_free (r->reference);
}

/* Waits for the child's "ready" line. */
static void
read_ready (int fd)
{
  char line[8];
  gsize len = 0;

  while (len < sizeof line)
    {
      ssize_t n = read (fd, line + len, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("the child ended before it was ready");
      if (line[len++] == '\n')
        break;
    }
  g_assert_cmpmem (line, len, "ready\n", 6);
}

static GString *
read_pipe (int fd)
{
  GString *out = g_string_new (NULL);
  char buf[4096];

  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        break;
      g_string_append_len (out, buf, n);
    }
  return out;
}

/* Parses complete lines only: a partial last line is what was being written at the kill. */
static GArray *
parse_reported (GString *text)
{
  GArray *reported = g_array_new (FALSE, TRUE, sizeof (Reported));
  const char *p = text->str;
  const char *nl;

  g_array_set_clear_func (reported, (GDestroyNotify) reported_clear);
  while ((nl = strchr (p, '\n')) != NULL)
    {
      g_autofree char *line = g_strndup (p, nl - p);
      g_auto(GStrv) parts = g_strsplit (line, " ", -1);
      Reported r = { 0 };

      g_assert_cmpuint (g_strv_length (parts), ==, 4);
      r.step = (guint) g_ascii_strtoull (parts[0], NULL, 10);
      r.k = (guint) g_ascii_strtoull (parts[1], NULL, 10);
      r.id = g_ascii_strtoll (parts[2], NULL, 10);
      r.reference = g_strdup (parts[3]);
      g_assert_cmpint (r.id, >, 0);
      g_array_append_val (reported, r);
      p = nl + 1;
    }
  if (*p != '\0')
    g_test_message ("ignoring a partial last line: “%s”", p);
  return reported;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
test_kill_during_writes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "durable.waymark", NULL);
  g_autofree char *journal = g_strconcat (path, "-journal", NULL);
  g_autoptr(GRand) rand = NULL;
  g_autoptr(GArray) all_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) all_refs = g_ptr_array_new_with_free_func (g_free);
  guint8 *key = test_key_new ();
  const char *seed_env = g_getenv ("WAYMARK_DURABILITY_SEED");
  guint32 seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : DEFAULT_SEED;
  gint64 total_reported = 0, total_cases = 0, total_views = 0;
  guint rounds_with_commits = 0, rounds_mid_transaction = 0;
  gint64 started = g_get_monotonic_time ();
  double scale;
  WmStore *store;

  g_test_message ("seed %u (set WAYMARK_DURABILITY_SEED to change it)", seed);
  rand = g_rand_new_with_seed (seed);
  scale = calibrate (dir, key);
  g_test_message ("delays %u-%u ms, scaled by %.1f", MIN_DELAY_MS, MAX_DELAY_MS, scale);

  /* The parent holds no connection across fork(): SQLite's locks do not survive it. */
  store = wm_store_open (path, key, WM_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  for (guint round = 0; round < N_ROUNDS; round++)
    {
      g_autoptr(GString) text = NULL;
      g_autoptr(GArray) reported = NULL;
      g_autoptr(GArray) ids = NULL;
      g_autoptr(GArray) summaries = g_array_new (FALSE, TRUE, sizeof (WmCaseSummaryData));
      g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *round_prefix = g_strdup_printf ("R%02uS", round);
      WmCaseQuery query = { .text = round_prefix };
      guint delay_ms = (guint) (g_rand_int_range (rand, MIN_DELAY_MS, MAX_DELAY_MS + 1) * scale);
      guint full_steps = 0, in_flight, excess;
      gint64 broken = -1, n_rows = -1;
      gboolean journal_left;
      int fds[2];
      int status = 0;
      pid_t pid;

      g_assert_cmpint (pipe (fds), ==, 0);
      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          close (fds[0]);
          child_main (path, key, round, fds[1]);
        }
      close (fds[1]);

      read_ready (fds[0]);
      g_usleep (delay_ms * G_TIME_SPAN_MILLISECOND);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      /* It must have died of the kill, not of an error of its own. */
      if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
        g_error ("round %u: the child ended by itself (status %d)", round, status);
      journal_left = g_file_test (journal, G_FILE_TEST_EXISTS);

      text = read_pipe (fds[0]);
      close (fds[0]);
      reported = parse_reported (text);

      /* Steps are reported whole and in order: 0, 1, 2, ... */
      for (guint i = 0; i < reported->len; i++)
        {
          const Reported *r = &g_array_index (reported, Reported, i);

          g_assert_cmpuint (r->step, <=, full_steps);
          if (r->step == full_steps && r->k == step_size (r->step) - 1)
            full_steps++;
        }
      in_flight = step_size (full_steps);

      /* The parent's turn: open (rolling back a hot journal; one whose header was never
       * completed is not hot and stays, harmless, until the next write) and check. */
      store = wm_store_open (path, key, WM_STORE_OPEN_NONE, &error);
      g_assert_no_error (error);
      g_assert_nonnull (store);
      g_assert_true (wm_store_check_integrity (store, &error));
      g_assert_no_error (error);

      /* Every case reported committed is there, whole. Views are audited: one transaction. */
      g_assert_true (wm_store_begin (store, &error));
      for (guint i = 0; i < reported->len; i++)
        {
          const Reported *r = &g_array_index (reported, Reported, i);
          g_autofree char *marker = marker_for (round, r->step, r->k);
          g_autoptr(WmCase) c = wm_store_get_case (store, r->id, &error);

          g_assert_no_error (error);
          g_assert_nonnull (c);
          g_assert_cmpstr (c->reference, ==, r->reference);
          g_assert_cmpstr (c->client->given_name, ==, marker);
          g_assert_cmpstr (c->client->family_name, ==, "Durability");
          total_views++;
          g_array_append_val (all_ids, r->id);
          g_ptr_array_add (all_refs, g_strdup (r->reference));
        }
      g_assert_true (wm_store_commit (store, &error));
      g_assert_no_error (error);

      /* This round's cases, through the search index: the reported ones, plus either none
       * or all of the step that was in flight when the child died. */
      ids = wm_store_query_case_ids (store, &query, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ids->len, >=, reported->len);
      excess = ids->len - reported->len;
      g_test_message ("round %2u: killed after %3u ms, %3u reported, %u more committed%s",
                      round, delay_ms, reported->len, excess,
                      journal_left ? ", journal left behind" : "");
      g_assert_true (excess == 0 || excess == in_flight);

      g_array_set_clear_func (summaries, (GDestroyNotify) wm_case_summary_data_clear);
      g_assert_true (wm_store_load_case_summaries (store, (gint64 *) ids->data, ids->len,
                                                   summaries, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < summaries->len; i++)
        g_ptr_array_add (found,
                         g_strdup (g_array_index (summaries, WmCaseSummaryData, i).display_name));
      for (guint step = 0; step < full_steps + (excess ? 1 : 0); step++)
        for (guint k = 0; k < step_size (step); k++)
          {
            g_autofree char *marker = marker_for (round, step, k);
            g_ptr_array_add (expected, g_strconcat (marker, " Durability", NULL));
          }
      g_ptr_array_sort (found, compare_strings);
      g_ptr_array_sort (expected, compare_strings);
      g_ptr_array_add (found, NULL);
      g_ptr_array_add (expected, NULL);
      g_assert_cmpstrv (found->pdata, expected->pdata);

      /* Nothing from earlier rounds went missing, and each committed case brought exactly
       * its own audit row: 1 (migration) + cases + views. */
      total_cases += ids->len;
      total_reported += reported->len;
      g_assert_cmpint (wm_store_count_cases (store), ==, total_cases);
      g_assert_true (wm_store_verify_audit (store, &broken, &n_rows, &error));
      g_assert_no_error (error);
      g_assert_cmpint (broken, ==, 0);
      g_assert_cmpint (n_rows, ==, 1 + total_cases + total_views);
      g_clear_object (&store);

      if (reported->len > 0)
        rounds_with_commits++;
      if (journal_left)
        rounds_mid_transaction++;
    }

  /* Once more at the end: every case ever reported, by id and reference. */
  store = wm_store_open (path, key, WM_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (wm_store_check_integrity (store, &error));
  {
    g_autoptr(GArray) summaries = g_array_new (FALSE, TRUE, sizeof (WmCaseSummaryData));

    g_array_set_clear_func (summaries, (GDestroyNotify) wm_case_summary_data_clear);
    g_assert_true (wm_store_load_case_summaries (store, (gint64 *) all_ids->data, all_ids->len,
                                                 summaries, &error));
    g_assert_no_error (error);
    for (guint i = 0; i < all_ids->len; i++)
      g_assert_cmpstr (g_array_index (summaries, WmCaseSummaryData, i).reference, ==,
                       g_ptr_array_index (all_refs, i));
  }
  g_clear_object (&store);

  g_test_message ("%u rounds in %.1f s: %" G_GINT64_FORMAT " cases reported, %"
                  G_GINT64_FORMAT " committed; %u rounds with commits, %u killed inside a"
                  " write transaction (journal left)",
                  N_ROUNDS, (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC,
                  total_reported, total_cases, rounds_with_commits, rounds_mid_transaction);
  g_assert_cmpint (total_reported, >, 20);
  g_assert_cmpuint (rounds_with_commits, >=, N_ROUNDS / 2);

  sodium_free (key);
  test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/durability/kill-during-writes", test_kill_during_writes);

  return g_test_run ();
}
