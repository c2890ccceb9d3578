/* wm-renderer.c: picks GTK's renderer where the default serves badly (see wm-renderer.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <epoxy/gl.h>
#include <string.h>

#include "wm-renderer.h"

gboolean
wm_renderer_is_software (const char *renderer)
{
  static const char * const software[] = { "llvmpipe", "softpipe", "swrast", "Software" };

  for (guint i = 0; renderer != NULL && i < G_N_ELEMENTS (software); i++)
    if (strstr (renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

const char *
wm_renderer_choose (void)
{
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GdkGLContext) context = NULL;
  const char *renderer;
  gboolean software;

  if (display == NULL || g_getenv ("GSK_RENDERER") != NULL)
    return NULL;

  /* No GL at all: GTK falls back to cairo by itself. */
  context = gdk_display_create_gl_context (display, NULL);
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    return NULL;
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  software = wm_renderer_is_software (renderer);
  gdk_gl_context_clear_current ();
  if (!software)
    return NULL;

  /* GTK reads this when each window's renderer is made, so it holds from the first one. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  return "cairo";
}
