/* wm-password.c: password quality through libpwquality.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <pwquality.h>
#include <string.h>

#include "wm-password.h"

#define MIN_CHARS 10

G_DEFINE_QUARK (wm-password-error-quark, wm_password_error)

gboolean
wm_password_check (const char  *password,
                   const char  *username,
                   int         *score,
                   GError     **error)
{
  pwquality_settings_t *settings;
  void *auxerror = NULL;
  char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
  int result;

  if (password == NULL || g_utf8_strlen (password, -1) < MIN_CHARS)
    {
      g_set_error (error, WM_PASSWORD_ERROR, WM_PASSWORD_ERROR_WEAK,
                   _("password: must be at least %d characters long"), MIN_CHARS);
      return FALSE;
    }

  settings = pwquality_default_settings ();
  /* A missing or unreadable configuration file just means the library defaults. */
  pwquality_read_config (settings, NULL, NULL);
  result = pwquality_check (settings, password, NULL, username, &auxerror);
  /* Without its dictionary cracklib cannot judge; the length floor and libpwquality's other
   * checks still apply, so a missing dictionary does not make every password "weak". */
  if (result == PWQ_ERROR_CRACKLIB_CHECK && auxerror != NULL
      && strstr ((const char *) auxerror, "error loading dictionary") != NULL)
    result = 0;
  if (result < 0)
    {
      const char *why = pwquality_strerror (buf, sizeof buf, result, auxerror);

      g_set_error (error, WM_PASSWORD_ERROR, WM_PASSWORD_ERROR_WEAK, _("password: %s"), why);
      pwquality_free_settings (settings);
      return FALSE;
    }
  pwquality_free_settings (settings);
  if (score != NULL)
    *score = result;
  return TRUE;
}
