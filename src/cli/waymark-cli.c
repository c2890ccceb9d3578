/* waymark-cli.c: the administrator's and scripts' tool: create a database, manage who can
 * open it, verify, back up, import and export.
 *
 * Exit status 0 on success; 1 with one clear message on stderr otherwise (an import lists
 * every bad row after it); 2 for a usage error. Passwords come from the terminal without
 * echo or from --password-file, never from the command line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "wm-cli-password.h"
#include "wm-demo.h"
#include "wm-explain.h"
#include "wm-import.h"
#include "wm-keyring.h"
#include "wm-letter.h"
#include "wm-matching.h"
#include "wm-password.h"
#include "wm-session.h"

#define DEMO_USER "demo"
#define DEMO_PASSWORD "waymark-demo-2026"
#define DEMO_COORDINATOR "coordinator"
#define DEMO_THERAPIST "therapist"

typedef struct
{
  char *db;
  char *user;
  char *password_file;
  char *new_password_file;
  char *recovery_key_file;
  char *organisation;
  char *display_name;
  char *role;
  char *therapist;
  char *to;
  char *output;
  char *case_ref;
  char *format;
  char *template_name;
  char *pdf;
  char **rest;
  gboolean must_change;
} Options;

static Options opt;

static const GOptionEntry db_entries[] = {
  { "db", 0, 0, G_OPTION_ARG_FILENAME, &opt.db, N_("The database file"), N_("PATH") },
  { "user", 0, 0, G_OPTION_ARG_STRING, &opt.user, N_("Your username"), N_("NAME") },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt.password_file,
    N_("Read your password from the first line of FILE instead of the terminal"), N_("FILE") },
  { "recovery-key-file", 0, 0, G_OPTION_ARG_FILENAME, &opt.recovery_key_file,
    N_("Open with the recovery key read from FILE instead of a user's password"), N_("FILE") },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt.rest, NULL, NULL },
  { NULL }
};

static const GOptionEntry user_entries[] = {
  { "role", 0, 0, G_OPTION_ARG_STRING, &opt.role, N_("admin, coordinator or therapist"),
    N_("ROLE") },
  { "display-name", 0, 0, G_OPTION_ARG_STRING, &opt.display_name, N_("The name shown"),
    N_("NAME") },
  { "therapist", 0, 0, G_OPTION_ARG_STRING, &opt.therapist,
    N_("For a therapist user: the external id of their therapist record"), N_("ID") },
  { "must-change", 0, 0, G_OPTION_ARG_NONE, &opt.must_change,
    N_("The new user must choose their own password at first login"), NULL },
  { "new-password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt.new_password_file,
    N_("Read the new password from the first line of FILE"), N_("FILE") },
  { "organisation", 0, 0, G_OPTION_ARG_STRING, &opt.organisation,
    N_("The organisation's name (init)"), N_("NAME") },
  { "to", 0, 0, G_OPTION_ARG_FILENAME, &opt.to, N_("The backup file to write"), N_("PATH") },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output,
    N_("Write to FILE instead of standard output"), N_("FILE") },
  { "case", 0, 0, G_OPTION_ARG_STRING, &opt.case_ref, N_("The case reference (WM-YYYY-NNNN)"),
    N_("REF") },
  { "format", 0, 0, G_OPTION_ARG_STRING, &opt.format, N_("Output format: table or json"),
    N_("FORMAT") },
  { "template", 0, 0, G_OPTION_ARG_STRING, &opt.template_name,
    N_("The letter: therapist-referral, client-referral, client-discreet, or auto (the letter "
       "to the client, discreet when it needs to be)"), N_("NAME") },
  { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &opt.pdf, N_("The PDF file to write"), N_("FILE") },
  { NULL }
};

static int
fail (const GError *error)
{
  g_printerr ("waymark-cli: %s\n", error->message);
  return 1;
}

static int
fail_message (const char *message)
{
  g_printerr ("waymark-cli: %s\n", message);
  return 1;
}

static gboolean
require_db (void)
{
  if (opt.db == NULL)
    {
      fail_message (_("db: is required (--db PATH)"));
      return FALSE;
    }
  return TRUE;
}

static WmSession *
open_session (GError **error)
{
  g_auto(WmSecretString) secret = NULL;

  if (opt.recovery_key_file != NULL)
    {
      secret = wm_cli_read_password (NULL, opt.recovery_key_file, 0, error);
      if (secret == NULL)
        return NULL;
      return wm_session_unlock_recovery (opt.db, secret, error);
    }
  if (opt.user == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("user: is required (--user NAME, or --recovery-key-file FILE)"));
      return NULL;
    }
  secret = wm_cli_read_password (_("Password: "), opt.password_file, 0, error);
  if (secret == NULL)
    return NULL;
  return wm_session_unlock (opt.db, opt.user, secret, error);
}

static void
print_recovery_key (const char *key)
{
  g_print ("%s\n", _("Recovery key (it opens the database without any password: write it down, "
                     "keep it somewhere safe and locked; it is shown only this once):"));
  g_print ("%s\n", key);
}

static gboolean
read_file (const char  *path,
           char       **data,
           gsize       *len,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_file_get_contents (path, data, len, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Subcommands */

static int
cmd_init (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  g_auto(WmSecretString) password = NULL;
  g_auto(WmSecretString) recovery = NULL;

  if (!require_db ())
    return 1;
  if (opt.user == NULL)
    return fail_message (_("user: is required (--user NAME): the first administrator"));
  if (!wm_keyring_validate_username (opt.user, &error))
    return fail (error);

  password = wm_cli_read_new_password (_("Choose a password: "), opt.password_file, 0, &error);
  if (password == NULL || !wm_password_check (password, opt.user, NULL, &error))
    return fail (error);

  session = wm_session_create (opt.db, opt.organisation ? opt.organisation : _("My organisation"),
                               opt.user, opt.display_name, password, wm_kdf_strength_default (),
                               &recovery, &error);
  if (session == NULL)
    return fail (error);
  g_print (_("Created %s with administrator “%s”.\n"), opt.db, opt.user);
  print_recovery_key (recovery);
  return 0;
}

/* A coordinator, and a therapist user linked to the demo therapist with the most cases, so
 * the demo shows what each role sees. */
static gboolean
add_demo_users (WmSession  *session,
                GError    **error)
{
  WmStore *store = wm_session_get_store (session);
  g_autoptr(GListModel) therapists = wm_store_list_therapists (store, error);
  gint64 best = -1;
  guint best_n = 0;

  if (therapists == NULL)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (therapists); i++)
    {
      g_autoptr(WmTherapist) t = g_list_model_get_item (therapists, i);
      g_autoptr(GPtrArray) cases = wm_store_list_therapist_cases (store,
                                                                  wm_record_get_id (WM_RECORD (t)),
                                                                  error);

      if (cases == NULL)
        return FALSE;
      if (cases->len > best_n)
        {
          best_n = cases->len;
          best = wm_record_get_id (WM_RECORD (t));
        }
    }
  if (!wm_session_add_user (session, DEMO_COORDINATOR, _("Demo Coordinator"), "coordinator", -1,
                            DEMO_PASSWORD, FALSE, wm_kdf_strength_default (), error))
    return FALSE;
  return best < 0
         || wm_session_add_user (session, DEMO_THERAPIST, _("Demo Therapist"), "therapist", best,
                                 DEMO_PASSWORD, FALSE, wm_kdf_strength_default (), error);
}

static int
cmd_demo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;

  if (!require_db ())
    return 1;
  session = wm_session_create (opt.db, _("Demo Therapy Network (fictional)"), DEMO_USER,
                               _("Demo Administrator"), DEMO_PASSWORD,
                               wm_kdf_strength_default (), NULL, &error);
  if (session == NULL)
    return fail (error);
  if (!wm_demo_populate (wm_session_get_store (session), &error))
    {
      g_autoptr(GError) cleanup = NULL;
      g_autofree char *keys = wm_keyring_path_for (opt.db);

      wm_session_lock (session);
      g_unlink (opt.db);
      g_unlink (keys);
      return fail (error);
    }
  if (!add_demo_users (session, &error))
    return fail (error);
  g_print (_("Demo database created at %s with fictional people only.\n"), opt.db);
  g_print (_("Demo login: username “%s”, password “%s”\n"), DEMO_USER, DEMO_PASSWORD);
  g_print (_("Also “%s” (a coordinator) and “%s” (a therapist, who sees only the cases "
             "referred to them), with the same password.\n"),
           DEMO_COORDINATOR, DEMO_THERAPIST);
  return 0;
}

static int
cmd_users (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  const char *verb = opt.rest != NULL ? opt.rest[0] : NULL;
  const char *name = verb != NULL ? opt.rest[1] : NULL;

  if (verb == NULL || (!g_str_equal (verb, "list") && !g_str_equal (verb, "add")
                       && !g_str_equal (verb, "remove") && !g_str_equal (verb, "passwd")))
    {
      g_printerr ("%s\n", _("Usage: waymark-cli users list|add|remove|passwd --db PATH --user NAME "
                            "[USERNAME]"));
      return 2;
    }
  if (!require_db ())
    return 1;
  session = open_session (&error);
  if (session == NULL)
    return fail (error);

  if (g_str_equal (verb, "list"))
    {
      g_autoptr(GListModel) users = wm_store_list_users (wm_session_get_store (session), &error);

      if (users == NULL)
        return fail (error);
      for (guint i = 0; i < g_list_model_get_n_items (users); i++)
        {
          g_autoptr(WmUser) u = g_list_model_get_item (users, i);

          g_print ("%-20s %-12s %s%s\n", u->username, u->role,
                   u->display_name ? u->display_name : "",
                   u->disabled ? _(" (removed)") : "");
        }
      return 0;
    }

  if (g_str_equal (verb, "add"))
    {
      g_auto(WmSecretString) password = NULL;
      gint64 therapist_id = -1;

      if (name == NULL)
        return fail_message (_("username: is required (users add USERNAME)"));
      if (opt.role == NULL)
        return fail_message (_("role: is required (--role admin|coordinator|therapist)"));
      if (opt.therapist != NULL)
        {
          g_autoptr(WmTherapist) t = wm_store_find_therapist (wm_session_get_store (session),
                                                               opt.therapist, NULL);
          if (t == NULL)
            return fail_message (_("therapist: no therapist with that external id"));
          therapist_id = wm_record_get_id (WM_RECORD (t));
        }
      password = wm_cli_read_new_password (_("Password for the new user: "),
                                           opt.new_password_file, 0, &error);
      if (password == NULL || !wm_password_check (password, name, NULL, &error))
        return fail (error);
      if (!wm_session_add_user (session, name, opt.display_name, opt.role, therapist_id, password,
                                opt.must_change, wm_kdf_strength_default (), &error))
        return fail (error);
      g_print (_("Added “%s”.\n"), name);
      return 0;
    }

  if (g_str_equal (verb, "remove"))
    {
      g_auto(WmSecretString) recovery = NULL;

      if (name == NULL)
        return fail_message (_("username: is required (users remove USERNAME)"));
      if (!wm_session_remove_user (session, name, &recovery, &error))
        return fail (error);
      g_print (_("Removed “%s” and re-encrypted the database under a new key.\n"), name);
      g_print ("%s\n", _("The old recovery key no longer works."));
      print_recovery_key (recovery);
      return 0;
    }

  /* passwd: your own, or (administrators) someone else's */
  {
    g_auto(WmSecretString) password = NULL;
    gboolean own = name == NULL || g_strcmp0 (name, opt.user) == 0;

    if (own && opt.user == NULL)
      return fail_message (_("user: is required to change your own password"));
    password = wm_cli_read_new_password (_("New password: "), opt.new_password_file, 0, &error);
    if (password == NULL || !wm_password_check (password, own ? opt.user : name, NULL, &error))
      return fail (error);
    if (own)
      {
        g_auto(WmSecretString) old = wm_cli_read_password (_("Current password: "),
                                                           opt.password_file, 0, &error);
        if (old == NULL
            || !wm_session_change_password (session, old, password, wm_kdf_strength_default (),
                                            &error))
          return fail (error);
      }
    else if (!wm_session_reset_password (session, name, password, TRUE,
                                         wm_kdf_strength_default (), &error))
      return fail (error);
    g_print (_("Password changed for “%s”.\n"), own ? opt.user : name);
    return 0;
  }
}

static int
cmd_verify (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  gint64 broken = 0, rows = 0;

  if (!require_db ())
    return 1;
  session = open_session (&error);
  if (session == NULL)
    return fail (error);
  if (!wm_store_check_integrity (wm_session_get_store (session), &error))
    return fail (error);
  g_print ("%s\n", _("Database integrity: ok"));
  if (!wm_store_verify_audit (wm_session_get_store (session), &broken, &rows, &error))
    return fail (error);
  if (broken != 0)
    {
      g_printerr (_("waymark-cli: audit log: the chain is broken at row %lld of %lld; the log "
                    "was altered there\n"), (long long) broken, (long long) rows);
      return 1;
    }
  g_print (_("Audit log: %lld rows, chain intact\n"), (long long) rows);
  return 0;
}

static int
cmd_backup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;

  if (!require_db ())
    return 1;
  if (opt.to == NULL)
    return fail_message (_("to: is required (--to PATH)"));
  session = open_session (&error);
  if (session == NULL || !wm_store_backup (wm_session_get_store (session), opt.to, &error))
    return fail (error);
  g_print (_("Backup written to %s (encrypted under the same key; copy the keyring %s.keys with "
             "it, or keep the recovery key).\n"), opt.to, opt.db);
  return 0;
}

static int
cmd_import (gboolean cases)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  guint n = 0;
  gboolean ok;

  if (!require_db ())
    return 1;
  if (opt.rest == NULL || opt.rest[0] == NULL)
    return fail_message (_("file: is required (the CSV file to import)"));
  if (!read_file (opt.rest[0], &data, &len, &error))
    return fail (error);
  session = open_session (&error);
  if (session == NULL)
    return fail (error);
  ok = cases ? wm_import_cases (wm_session_get_store (session), data, len, &n, &error)
             : wm_import_therapists (wm_session_get_store (session), data, len, &n, &error);
  /* The file's contents are personal data: wipe our copy rather than leave it in the heap. */
  sodium_memzero (data, len);
  if (!ok)
    return fail (error);
  g_print (cases ? ngettext ("Imported %u case.\n", "Imported %u cases.\n", n)
                 : ngettext ("Imported %u therapist.\n", "Imported %u therapists.\n", n), n);
  return 0;
}

static int
cmd_export_therapists (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  g_autofree char *csv = NULL;
  gsize len = 0;

  if (!require_db ())
    return 1;
  session = open_session (&error);
  if (session == NULL)
    return fail (error);
  csv = wm_export_therapists (wm_session_get_store (session), &len, &error);
  if (csv == NULL)
    return fail (error);
  if (opt.output != NULL)
    {
      if (!g_file_set_contents_full (opt.output, csv, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                     &error))
        return fail (error);
    }
  else if (fwrite (csv, 1, len, stdout) != len)
    return fail_message (_("Could not write to standard output"));
  return 0;
}


static double
round_to (double value,
          double step)
{
  return round (value / step) * step;
}

static void
print_match_json (WmCase                *kase,
                  const WmMatchSnapshot *snapshot,
                  const WmMatchOutcome  *outcome)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "case");
  json_builder_add_string_value (b, kase->reference);
  json_builder_set_member_name (b, "radius_km");
  json_builder_add_double_value (b, outcome->radius_km);
  json_builder_set_member_name (b, "widened");
  json_builder_add_boolean_value (b, outcome->widened);

  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint i = 0; i < outcome->results->len; i++)
    {
      const WmMatchResult *r = &g_array_index (outcome->results, WmMatchResult, i);
      const WmMatchTherapist *t = wm_match_snapshot_get (snapshot, r->index);
      g_auto(GStrv) reasons = wm_match_explain_parts (r);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rank");
      json_builder_add_int_value (b, i + 1);
      json_builder_set_member_name (b, "therapist");
      json_builder_add_string_value (b, t->external_id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, t->name);
      json_builder_set_member_name (b, "mode");
      json_builder_add_string_value (b, wm_match_mode_code (r->mode));
      json_builder_set_member_name (b, "distance_km");
      if (isnan (r->distance_km))
        json_builder_add_null_value (b);
      else
        json_builder_add_double_value (b, round_to (r->distance_km, 0.1));
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, round_to (r->score, 0.0001));
      json_builder_set_member_name (b, "reasons");
      json_builder_begin_array (b);
      for (guint j = 0; reasons[j] != NULL; j++)
        json_builder_add_string_value (b, reasons[j]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "excluded");
  json_builder_begin_array (b);
  for (guint i = 0; i < outcome->excluded->len; i++)
    {
      const WmMatchExclusion *x = &g_array_index (outcome->excluded, WmMatchExclusion, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "therapist");
      json_builder_add_string_value (b, wm_match_snapshot_get (snapshot, x->index)->external_id);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, wm_exclusion_code (x->reason));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

/* printf pads by bytes; names like "Zoë" need padding by characters. */
static char *
pad (const char *text,
     guint       width)
{
  glong len = g_utf8_strlen (text, -1);
  GString *s = g_string_new (text);

  for (glong i = len; i < (glong) width; i++)
    g_string_append_c (s, ' ');
  return g_string_free (s, FALSE);
}

static void
print_match_table (WmCase                *kase,
                   const WmMatchSnapshot *snapshot,
                   const WmMatchOutcome  *outcome)
{
  g_autofree char *summary = wm_match_outcome_summary (outcome);
  guint counts[WM_EXCLUDE_N] = { 0 };

  g_print ("%s: %s\n\n", kase->reference, summary);
  if (outcome->results->len > 0)
    g_print ("%4s  %-12s %-28s %-10s %9s %6s  %s\n", "#", _("Therapist"), _("Name"), _("Mode"),
             _("Distance"), _("Score"), _("Why"));
  for (guint i = 0; i < outcome->results->len; i++)
    {
      const WmMatchResult *r = &g_array_index (outcome->results, WmMatchResult, i);
      const WmMatchTherapist *t = wm_match_snapshot_get (snapshot, r->index);
      g_autofree char *why = wm_match_explain (r);
      g_autofree char *distance = isnan (r->distance_km) ? g_strdup ("—")
                                                          : wm_match_format_distance (r->distance_km);

      g_autofree char *name = pad (t->name, 28);
      g_autofree char *mode = pad (r->mode == WM_MODE_IN_PERSON ? _("in person") : _("online"), 10);

      g_print ("%4u  %-12s %s %s %9s %6.3f  %s\n", i + 1,
               t->external_id ? t->external_id : "", name, mode, distance, r->score, why);
    }

  for (guint i = 0; i < outcome->excluded->len; i++)
    counts[g_array_index (outcome->excluded, WmMatchExclusion, i).reason]++;
  if (outcome->excluded->len > 0)
    {
      g_print ("\n%s\n", _("Not offered:"));
      for (int reason = 0; reason < WM_EXCLUDE_N; reason++)
        if (counts[reason] > 0)
          g_print ("  %4u  %s\n", counts[reason], wm_exclusion_label ((WmExclusion) reason));
    }
}

static int
cmd_match (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  g_autoptr(WmCase) kase = NULL;
  g_autoptr(WmMatchSnapshot) snapshot = NULL;
  g_autoptr(WmMatchOutcome) outcome = NULL;
  gboolean json = g_strcmp0 (opt.format, "json") == 0;

  if (!require_db ())
    return 1;
  if (opt.case_ref == NULL)
    return fail_message (_("case: is required (--case WM-YYYY-NNNN)"));
  if (opt.format != NULL && !json && g_strcmp0 (opt.format, "table") != 0)
    return fail_message (_("format: must be table or json"));
  session = open_session (&error);
  if (session == NULL)
    return fail (error);
  kase = wm_store_find_case (wm_session_get_store (session), opt.case_ref, &error);
  if (kase == NULL)
    return fail (error);
  outcome = wm_matching_run (wm_session_get_store (session), kase, &snapshot, &error);
  if (outcome == NULL)
    return fail (error);
  if (json)
    print_match_json (kase, snapshot, outcome);
  else
    print_match_table (kase, snapshot, outcome);
  return 0;
}

static int
cmd_letter (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WmSession) session = NULL;
  g_autoptr(WmCase) kase = NULL;
  g_autoptr(WmLetter) letter = NULL;
  WmStore *store;
  int n_pages;

  if (!require_db ())
    return 1;
  if (opt.case_ref == NULL)
    return fail_message (_("case: is required (--case WM-YYYY-NNNN)"));
  if (opt.template_name == NULL)
    return fail_message (_("template: is required (--template therapist-referral, "
                           "client-referral, client-discreet or auto)"));
  if (opt.pdf == NULL)
    return fail_message (_("pdf: is required (--pdf FILE)"));
  session = open_session (&error);
  if (session == NULL)
    return fail (error);
  store = wm_session_get_store (session);
  kase = wm_store_find_case (store, opt.case_ref, &error);
  if (kase == NULL)
    return fail (error);
  letter = wm_letter_new (store, kase, opt.template_name, &error);
  if (letter == NULL || !wm_letter_write_pdf (letter, opt.pdf, &error))
    return fail (error);
  /* A letter that is not on record is not sent: take it back if the record fails. */
  if (!wm_letter_record_export (store, kase, wm_letter_get_template_name (letter),
                                WM_LETTER_OUTPUT_PDF, &error))
    {
      g_unlink (opt.pdf);
      return fail (error);
    }
  n_pages = wm_letter_get_n_pages (letter);
  g_print (ngettext ("Wrote %s: letter “%s”, %d page.\n", "Wrote %s: letter “%s”, %d pages.\n",
                     n_pages),
           opt.pdf, wm_letter_get_template_name (letter), n_pages);
  return 0;
}

static const struct
{
  const char *name;
  const char *summary;
  int (*run) (void);
} commands[] = {
  { "init", N_("Create a new database and its first administrator"), cmd_init },
  { "demo", N_("Create a database of fictional demo data"), cmd_demo },
  { "users", N_("List, add or remove users, or change a password"), cmd_users },
  { "verify", N_("Check the database and its audit log"), cmd_verify },
  { "backup", N_("Write an encrypted copy of the database"), cmd_backup },
  { "import-therapists", N_("Add therapists from a CSV file (all or nothing)"), NULL },
  { "import-cases", N_("Add cases from a CSV file (all or nothing)"), NULL },
  { "export-therapists", N_("Write the therapist register as CSV"), cmd_export_therapists },
  { "match", N_("Rank the therapists for a case, with the reasons"), cmd_match },
  { "letter", N_("Write a referral letter for a case as PDF"), cmd_letter },
};

static void
usage (void)
{
  g_printerr ("%s\n\n", _("Usage: waymark-cli COMMAND [OPTIONS]"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_printerr ("  %-20s %s\n", commands[i].name, _(commands[i].summary));
  g_printerr ("\n%s\n", _("Run “waymark-cli COMMAND --help” for a command's options."));
}

static void
options_clear (void)
{
  g_free (opt.db);
  g_free (opt.user);
  g_free (opt.password_file);
  g_free (opt.new_password_file);
  g_free (opt.recovery_key_file);
  g_free (opt.organisation);
  g_free (opt.display_name);
  g_free (opt.role);
  g_free (opt.therapist);
  g_free (opt.to);
  g_free (opt.output);
  g_free (opt.case_ref);
  g_free (opt.format);
  g_free (opt.template_name);
  g_free (opt.pdf);
  g_strfreev (opt.rest);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *command;
  int status = 2;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      usage ();
      return argc < 2 ? 2 : 0;
    }
  command = argv[1];

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, db_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, user_entries, GETTEXT_PACKAGE);
  argv[1] = argv[0];
  if (!g_option_context_parse (context, &(int){ argc - 1 }, &(char **){ argv + 1 }, &error))
    {
      g_printerr ("waymark-cli: %s\n", error->message);
      return 2;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, command))
      {
        if (g_str_equal (command, "import-therapists"))
          status = cmd_import (FALSE);
        else if (g_str_equal (command, "import-cases"))
          status = cmd_import (TRUE);
        else
          status = commands[i].run ();
        options_clear ();
        return status;
      }

  g_printerr (_("waymark-cli: “%s” is not a command\n"), command);
  usage ();
  options_clear ();
  return 2;
}
