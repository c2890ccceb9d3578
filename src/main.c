/* main.c: the entry point of the Waymark desktop app. All the work is in WmApplication.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "wm-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(WmApplication) app = NULL;

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = wm_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
