/* wm-login-throttle.c: counts wrong passwords in a row per username in <db>.logins, and
 * says how long the next attempt must wait.
 *
 * The file is a GKeyFile. Its [throttle] group holds the format version and a random salt;
 * every other group is one username, named by a BLAKE2b hash of the username keyed with that
 * salt, so a copy of the file does not list who uses Waymark (nor can a list of likely
 * usernames be checked against it without the file's own salt). Each user's group holds
 * "failures" (wrong passwords in a row) and "last_failure" (Unix seconds).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "wm-login-throttle.h"

#define THROTTLE_VERSION 1
#define HEADER_GROUP "throttle"
#define SALT_BYTES 16
#define HASH_BYTES 32
#define KEY_FAILURES "failures"
#define KEY_LAST_FAILURE "last_failure"

struct _WmLoginThrottle
{
  char *path;
  GKeyFile *file;
  guint8 salt[SALT_BYTES];
};

gint64
wm_login_throttle_delay_for (guint failures)
{
  guint doublings;

  if (failures < WM_LOGIN_THROTTLE_FREE_ATTEMPTS)
    return 0;
  doublings = failures - WM_LOGIN_THROTTLE_FREE_ATTEMPTS;
  /* Past the cap long before the shift could overflow. */
  if (doublings >= 32)
    return WM_LOGIN_THROTTLE_MAX_DELAY;
  return MIN ((gint64) WM_LOGIN_THROTTLE_FIRST_DELAY << doublings,
              (gint64) WM_LOGIN_THROTTLE_MAX_DELAY);
}

static gboolean
is_lower_hex (const char *text,
              gsize       len)
{
  if (strlen (text) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
      return FALSE;
  return TRUE;
}

/* Names the file in every message: the login screen shows it, and a person must be able to
 * find (and, as a last resort, remove) the file that stops them. */
static gboolean
fail_corrupt (WmLoginThrottle  *self,
              const char       *problem,
              GError          **error)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
               _("The login record %s is damaged: %s"), self->path, problem);
  return FALSE;
}

static gboolean
read_int (GKeyFile    *file,
          const char  *group,
          const char  *key,
          gint64       min,
          gint64       max,
          gint64      *out)
{
  g_autoptr(GError) local_error = NULL;
  gint64 value = g_key_file_get_int64 (file, group, key, &local_error);

  if (local_error != NULL || value < min || value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

/* Checks everything once at load, so that the rest of the module can trust the file. */
static gboolean
validate (WmLoginThrottle  *self,
          GError          **error)
{
  g_auto(GStrv) groups = NULL;
  g_autofree char *salt_hex = NULL;
  gint64 version = 0;

  if (!g_key_file_has_group (self->file, HEADER_GROUP))
    return fail_corrupt (self, _("the header is missing"), error);
  if (!read_int (self->file, HEADER_GROUP, "version", 0, G_MAXINT, &version)
      || version != THROTTLE_VERSION)
    return fail_corrupt (self, _("unknown format version"), error);
  salt_hex = g_key_file_get_string (self->file, HEADER_GROUP, "salt", NULL);
  if (salt_hex == NULL || !is_lower_hex (salt_hex, 2 * SALT_BYTES)
      || sodium_hex2bin (self->salt, SALT_BYTES, salt_hex, strlen (salt_hex),
                         NULL, NULL, NULL) != 0)
    return fail_corrupt (self, _("the salt is missing or invalid"), error);

  groups = g_key_file_get_groups (self->file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      gint64 failures, last_failure;

      if (strcmp (groups[i], HEADER_GROUP) == 0)
        continue;
      if (!is_lower_hex (groups[i], 2 * HASH_BYTES))
        return fail_corrupt (self, _("an entry has an invalid name"), error);
      if (!read_int (self->file, groups[i], KEY_FAILURES, 0, G_MAXUINT, &failures)
          || !read_int (self->file, groups[i], KEY_LAST_FAILURE, 0, G_MAXINT64, &last_failure))
        return fail_corrupt (self, _("an entry has an invalid count or time"), error);
    }
  return TRUE;
}

static void
init_empty (WmLoginThrottle *self)
{
  char salt_hex[2 * SALT_BYTES + 1];

  randombytes_buf (self->salt, SALT_BYTES);
  sodium_bin2hex (salt_hex, sizeof salt_hex, self->salt, SALT_BYTES);
  g_key_file_set_integer (self->file, HEADER_GROUP, "version", THROTTLE_VERSION);
  g_key_file_set_string (self->file, HEADER_GROUP, "salt", salt_hex);
}

WmLoginThrottle *
wm_login_throttle_load (const char  *db_path,
                        GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  WmLoginThrottle *self;

  g_return_val_if_fail (db_path != NULL, NULL);

  if (sodium_init () < 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   _("libsodium failed to initialise"));
      return NULL;
    }

  self = g_new0 (WmLoginThrottle, 1);
  self->path = g_strconcat (db_path, ".logins", NULL);
  self->file = g_key_file_new ();

  if (!g_key_file_load_from_file (self->file, self->path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          /* Nobody has failed yet: the file is written at the first failure. */
          init_empty (self);
          return self;
        }
      if (local_error->domain == G_KEY_FILE_ERROR)
        fail_corrupt (self, local_error->message, error);
      else
        g_set_error (error, local_error->domain, local_error->code,
                     _("Could not read the login record %s: %s"),
                     self->path, local_error->message);
      wm_login_throttle_free (self);
      return NULL;
    }
  if (!validate (self, error))
    {
      wm_login_throttle_free (self);
      return NULL;
    }
  return self;
}

void
wm_login_throttle_free (WmLoginThrottle *self)
{
  if (self == NULL)
    return;
  sodium_memzero (self->salt, SALT_BYTES);
  g_free (self->path);
  g_key_file_free (self->file);
  g_free (self);
}

/* The username's group name: its salted hash in hex. */
static char *
group_for (WmLoginThrottle *self,
           const char      *username)
{
  guint8 hash[HASH_BYTES];
  char hex[2 * HASH_BYTES + 1];

  crypto_generichash (hash, HASH_BYTES, (const guint8 *) username, strlen (username),
                      self->salt, SALT_BYTES);
  sodium_bin2hex (hex, sizeof hex, hash, HASH_BYTES);
  return g_strdup (hex);
}

static guint
get_failures (WmLoginThrottle *self,
              const char      *group)
{
  /* Checked at load and written only here, so a missing key means no failures. */
  return (guint) g_key_file_get_uint64 (self->file, group, KEY_FAILURES, NULL);
}

static gboolean
save (WmLoginThrottle  *self,
      GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;

  data = g_key_file_to_data (self->file, &len, NULL);
  if (!g_file_set_contents_full (self->path, data, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Could not write the login record %s: %s"),
                   self->path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

gint64
wm_login_throttle_wait_seconds (WmLoginThrottle *self,
                                const char      *username,
                                gint64           now)
{
  g_autofree char *group = NULL;
  gint64 delay, last_failure, wait;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (username != NULL, 0);

  group = group_for (self, username);
  if (!g_key_file_has_group (self->file, group))
    return 0;
  delay = wm_login_throttle_delay_for (get_failures (self, group));
  last_failure = g_key_file_get_int64 (self->file, group, KEY_LAST_FAILURE, NULL);
  wait = last_failure + delay - now;
  /* Never more than the delay itself: a clock set back must not lock someone out for days. */
  return CLAMP (wait, 0, delay);
}

guint
wm_login_throttle_record_failure (WmLoginThrottle  *self,
                                  const char       *username,
                                  gint64            now,
                                  GError          **error)
{
  g_autofree char *group = NULL;
  guint failures;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (username != NULL, 0);

  group = group_for (self, username);
  failures = get_failures (self, group);
  if (failures < G_MAXUINT)
    failures++;
  g_key_file_set_uint64 (self->file, group, KEY_FAILURES, failures);
  g_key_file_set_int64 (self->file, group, KEY_LAST_FAILURE, MAX (now, 0));
  /* Kept in memory even when the write fails: this process still slows the guessing. */
  save (self, error);
  return failures;
}

guint
wm_login_throttle_record_success (WmLoginThrottle  *self,
                                  const char       *username,
                                  GError          **error)
{
  g_autofree char *group = NULL;
  guint failures;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (username != NULL, 0);

  group = group_for (self, username);
  if (!g_key_file_has_group (self->file, group))
    return 0;  /* The usual login: nothing to forget, nothing to write. */
  failures = get_failures (self, group);
  g_key_file_remove_group (self->file, group, NULL);
  save (self, error);
  return failures;
}
