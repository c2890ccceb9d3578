/* wm-cli-password.c: terminal and file password input for waymark-cli.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "wm-cli-password.h"
#include "wm-keyring.h"

#define MAX_PASSWORD 1024

static char *
read_from_file (const char  *file,
                guint        line,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  const char *data, *end, *p;
  char *out;
  gsize len;

  mapped = g_mapped_file_new (file, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("password-file: %s"),
                   local_error->message);
      return NULL;
    }
  data = g_mapped_file_get_contents (mapped);
  end = data + g_mapped_file_get_length (mapped);

  for (p = data; line > 0 && p < end; p++)
    if (*p == '\n')
      line--;
  if (line > 0 || p >= end)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("password-file: has no password on the line expected"));
      return NULL;
    }
  len = 0;
  while (p + len < end && p[len] != '\n' && p[len] != '\r')
    len++;
  if (len == 0 || len >= MAX_PASSWORD)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("password-file: the password line is empty or too long"));
      return NULL;
    }
  out = sodium_malloc (len + 1);
  memcpy (out, p, len);
  out[len] = '\0';
  return out;
}

static char *
read_from_terminal (const char  *prompt,
                    GError     **error)
{
  struct termios old, quiet;
  char *buf;
  gsize len = 0;
  int fd;
  FILE *tty;

  fd = open ("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No terminal to ask for a password; use --password-file"));
      return NULL;
    }
  tty = fdopen (fd, "r+");
  fprintf (tty, "%s", prompt);
  fflush (tty);

  tcgetattr (fd, &old);
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  tcsetattr (fd, TCSAFLUSH, &quiet);

  buf = sodium_malloc (MAX_PASSWORD);
  for (;;)
    {
      int c = fgetc (tty);

      if (c == EOF || c == '\n' || c == '\r')
        break;
      if (len + 1 < MAX_PASSWORD)
        buf[len++] = (char) c;
    }
  buf[len] = '\0';

  tcsetattr (fd, TCSAFLUSH, &old);
  fclose (tty);

  if (len == 0)
    {
      wm_secret_string_free (buf);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("password: is required"));
      return NULL;
    }
  return buf;
}

char *
wm_cli_read_password (const char  *prompt,
                      const char  *file,
                      guint        line,
                      GError     **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium");
      return NULL;
    }
  if (file != NULL)
    return read_from_file (file, line, error);
  return read_from_terminal (prompt, error);
}

char *
wm_cli_read_new_password (const char  *prompt,
                          const char  *file,
                          guint        line,
                          GError     **error)
{
  g_auto(WmSecretString) first = NULL;
  g_auto(WmSecretString) again = NULL;

  first = wm_cli_read_password (prompt, file, line, error);
  if (first == NULL || file != NULL)
    return g_steal_pointer (&first);
  again = wm_cli_read_password (_("Repeat it: "), NULL, 0, error);
  if (again == NULL)
    return NULL;
  if (strcmp (first, again) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("password: the two entries differ"));
      return NULL;
    }
  return g_steal_pointer (&first);
}
