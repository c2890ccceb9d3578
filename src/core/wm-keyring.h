/* wm-keyring.h: who can open a Waymark database. The database is encrypted under a random data
 * key; the keyring sidecar (<db>.keys) holds that key sealed once per user, so each user opens
 * it with their own password and removing a user re-keys the database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WM_DATA_KEY_BYTES 32

#define WM_KEYRING_ERROR (wm_keyring_error_quark ())

typedef enum
{
  WM_KEYRING_ERROR_FAILED,
  WM_KEYRING_ERROR_WRONG_PASSWORD,
  WM_KEYRING_ERROR_NO_SUCH_USER,
  WM_KEYRING_ERROR_USER_EXISTS,
  WM_KEYRING_ERROR_CORRUPT,
  WM_KEYRING_ERROR_IO,
  WM_KEYRING_ERROR_INVALID,  /* a bad username, empty password or malformed recovery key */
  WM_KEYRING_ERROR_CHANGED,  /* the sidecar was changed by someone else since it was loaded */
  WM_KEYRING_ERROR_PENDING,  /* an interrupted re-key must be finished first */
} WmKeyringError;

typedef enum
{
  WM_KDF_MODERATE,
  WM_KDF_MIN,
} WmKdfStrength;

GQuark         wm_keyring_error_quark       (void);
WmKdfStrength  wm_kdf_strength_default      (void);

typedef struct _WmKeyring WmKeyring;

/* Called by wm_keyring_remove_user() to re-key the database from @old_key to @new_key. */
typedef gboolean (*WmKeyringRekeyFunc) (const guint8  *old_key,
                                        const guint8  *new_key,
                                        gpointer       user_data,
                                        GError       **error);

/* Secrets are in sodium_malloc() memory, which is locked and wiped when freed. */
guint8        *wm_data_key_new_random       (void);
void           wm_data_key_free             (guint8        *key);
char          *wm_data_key_format_recovery  (const guint8  *key);
guint8        *wm_data_key_parse_recovery   (const char    *text,
                                             GError       **error);
void           wm_secret_string_free        (char          *s);
/* A copy of @text in sodium memory (a password on its way to a worker thread); free with
 * wm_secret_string_free(). */
char          *wm_secret_strdup             (const char    *text);

/* g_auto (WmSecretBytes) key = wm_keyring_unlock (...); */
typedef guint8 *WmSecretBytes;
typedef char *WmSecretString;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (WmSecretBytes, wm_data_key_free, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (WmSecretString, wm_secret_string_free, NULL)

gboolean       wm_keyring_validate_username (const char    *username,
                                             GError       **error);

char          *wm_keyring_path_for          (const char    *db_path);
gboolean       wm_keyring_exists            (const char    *db_path);

WmKeyring     *wm_keyring_create            (const char    *db_path,
                                             const char    *username,
                                             const char    *password,
                                             WmKdfStrength  strength,
                                             const guint8  *data_key,
                                             GError       **error);
WmKeyring     *wm_keyring_load              (const char    *db_path,
                                             GError       **error);
void           wm_keyring_free              (WmKeyring     *keyring);

char         **wm_keyring_list_users        (WmKeyring     *keyring);
gboolean       wm_keyring_has_user          (WmKeyring     *keyring,
                                             const char    *username);

guint8        *wm_keyring_unlock            (WmKeyring     *keyring,
                                             const char    *username,
                                             const char    *password,
                                             GError       **error);
gboolean       wm_keyring_add_user          (WmKeyring     *keyring,
                                             const guint8  *data_key,
                                             const char    *username,
                                             const char    *password,
                                             WmKdfStrength  strength,
                                             GError       **error);
gboolean       wm_keyring_reset_password    (WmKeyring     *keyring,
                                             const guint8  *data_key,
                                             const char    *username,
                                             const char    *new_password,
                                             WmKdfStrength  strength,
                                             GError       **error);
gboolean       wm_keyring_change_password   (WmKeyring     *keyring,
                                             const char    *username,
                                             const char    *old_password,
                                             const char    *new_password,
                                             WmKdfStrength  strength,
                                             GError       **error);

/* If the rekey callback succeeded but the keyring could not be updated afterwards, this fails
 * with WM_KEYRING_ERROR_PENDING: the database is then under the new key, which is kept in
 * <db>.keys.pending. Close the database and open it again so the session finishes the job.
 */
gboolean       wm_keyring_remove_user       (WmKeyring     *keyring,
                                             const guint8  *data_key,
                                             const char    *username,
                                             WmKeyringRekeyFunc rekey,
                                             gpointer       user_data,
                                             guint8       **new_key_out,
                                             GError       **error);

gboolean       wm_keyring_has_pending       (WmKeyring     *keyring);
guint8        *wm_keyring_unlock_pending    (WmKeyring     *keyring,
                                             const char    *username,
                                             const char    *password,
                                             GError       **error);
gboolean       wm_keyring_commit_pending    (WmKeyring     *keyring,
                                             GError       **error);
gboolean       wm_keyring_discard_pending   (WmKeyring     *keyring,
                                             GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmKeyring, wm_keyring_free)

G_END_DECLS
