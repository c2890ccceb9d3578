/* wm-recovery-key-page.h: shows a new database's recovery key once, with a way to print it,
 * and waits until the person says they have stored it.
 *
 * Signals:
 *   ::acknowledged (): "I have stored the recovery key safely" was ticked and Continue
 *     pressed. The key has already been wiped and the label cleared when this is emitted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WM_TYPE_RECOVERY_KEY_PAGE (wm_recovery_key_page_get_type ())
G_DECLARE_FINAL_TYPE (WmRecoveryKeyPage, wm_recovery_key_page, WM, RECOVERY_KEY_PAGE, AdwBin)

GtkWidget         *wm_recovery_key_page_new                    (void);
/* Shows @key (in the grouped form of wm_data_key_format_recovery()) as four lines of four
 * groups; the page keeps its own copy in locked memory. Unticks the check button. */
void               wm_recovery_key_page_set_key                (WmRecoveryKeyPage *self,
                                                                const char        *key);
/* Wipes the key and clears the label; the page then shows nothing worth reading. */
void               wm_recovery_key_page_clear                  (WmRecoveryKeyPage *self);
/* The print job for the key, as "Print…" runs it; the tests export it to PDF. NULL when no
 * key is set. */
GtkPrintOperation *wm_recovery_key_page_create_print_operation (WmRecoveryKeyPage *self);

G_END_DECLS
