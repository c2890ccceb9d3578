/* wm-renderer.h: picks GTK's renderer where the default serves badly.
 *
 * GTK 4.8 draws with OpenGL whenever a GL driver answers, including Mesa's software
 * rasterisers (llvmpipe, softpipe, swrast) that virtual machines, remote desktops and machines
 * without a usable GPU fall back to. There, GL costs about 90 MiB more resident memory and is
 * slower than GTK's cairo renderer (measured with tests/bench/bench-gui under Xvfb: 252 MiB
 * against 164 MiB, and several times the time to the first list). So on a software GL
 * driver Waymark asks for cairo; on real GPUs it leaves GTK's choice alone, and a
 * GSK_RENDERER set by the user always wins.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Call once after GTK is initialised and before the first window is realised. Returns the
 * renderer asked for ("cairo"), or NULL when GTK's default stands. */
const char *wm_renderer_choose      (void);
/* Whether a GL_RENDERER string names a software rasteriser. */
gboolean    wm_renderer_is_software (const char *gl_renderer);

G_END_DECLS
