/* wm-demo.h: fictional demonstration data, for trying Waymark out and for screenshots, without
 * a single real person in the file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "wm-store.h"

G_BEGIN_DECLS

#define WM_DEMO_ERROR (wm_demo_error_quark ())

typedef enum
{
  WM_DEMO_ERROR_NOT_EMPTY, /* the store already holds therapists or cases */
  WM_DEMO_ERROR_FAILED,    /* the gazetteer or the demo lists do not fit (a bug) */
} WmDemoError;

GQuark    wm_demo_error_quark (void);

/* Fills a store that has no therapists and no cases with about 200 therapists at real UK
 * towns and about 40 cases in every status and category, with referrals in various states.
 *
 * Everyone is made up: names from short lists, e-mail addresses at example.org, telephone
 * numbers from Ofcom's ranges reserved for drama, registration numbers starting "DEMO-", and
 * each record's notes say it is fictional. The content is the same on every run (a fixed
 * seed); only dates move, relative to today, so that an expired insurance stays expired.
 *
 * All or nothing: on failure the store is left as it was. */
gboolean  wm_demo_populate    (WmStore  *store,
                               GError  **error);

G_END_DECLS
