/* test-renderer.c: Waymark asks for GTK's cairo renderer on software GL only, and never over
 * the user's own GSK_RENDERER. Needs a display: run under xvfb-run with GDK_BACKEND=x11.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "wm-renderer.h"

static void
test_software_names (void)
{
  /* What Mesa's software drivers answer, and what real GPUs answer. */
  g_assert_true (wm_renderer_is_software ("llvmpipe (LLVM 15.0.6, 256 bits)"));
  g_assert_true (wm_renderer_is_software ("softpipe"));
  g_assert_true (wm_renderer_is_software ("Software Rasterizer"));
  g_assert_true (wm_renderer_is_software ("swrast"));
  g_assert_false (wm_renderer_is_software ("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
  g_assert_false (wm_renderer_is_software ("AMD Radeon RX 6600 (navi23, LLVM 15.0.6, DRM 3.49)"));
  g_assert_false (wm_renderer_is_software ("NVIDIA GeForce GTX 1650/PCIe/SSE2"));
  g_assert_false (wm_renderer_is_software (NULL));
}

static void
test_user_choice_wins (void)
{
  g_setenv ("GSK_RENDERER", "gl", TRUE);
  g_assert_null (wm_renderer_choose ());
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");
  g_unsetenv ("GSK_RENDERER");
}

static void
test_choice_is_applied (void)
{
  const char *chosen;

  g_unsetenv ("GSK_RENDERER");
  chosen = wm_renderer_choose ();
  /* Whatever the display offers, what is returned is what GTK will read. */
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, chosen);
  g_test_message ("renderer chosen here: %s", chosen != NULL ? chosen : "GTK's default");
  g_unsetenv ("GSK_RENDERER");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add_func ("/renderer/software-names", test_software_names);
  g_test_add_func ("/renderer/user-choice-wins", test_user_choice_wins);
  g_test_add_func ("/renderer/choice-is-applied", test_choice_is_applied);
  return g_test_run ();
}
