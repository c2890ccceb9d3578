/* wm-keyring.c: the keyring sidecar (<db>.keys) that lets each user open the database with
 * their own password. Each slot holds the user's X25519 key pair (secret half encrypted under
 * Argon2id of the password) and the data key sealed to the public half.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>
#include <sodium.h>

#ifdef G_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

#include "wm-keyring.h"

#define KEYRING_VERSION 1
#define KEYRING_GROUP "keyring"
#define USER_GROUP_PREFIX "user "
#define USERNAME_MAX 64
#define DERIVED_KEY_BYTES crypto_secretbox_KEYBYTES
#define SECRET_BOX_BYTES (crypto_secretbox_MACBYTES + crypto_box_SECRETKEYBYTES)
#define SEALED_KEY_BYTES (crypto_box_SEALBYTES + WM_DATA_KEY_BYTES)
#define RECOVERY_GROUP 4
#define RECOVERY_DIGITS (2 * WM_DATA_KEY_BYTES)
#define RECOVERY_CHARS (RECOVERY_DIGITS + RECOVERY_DIGITS / RECOVERY_GROUP - 1)

G_STATIC_ASSERT (DERIVED_KEY_BYTES == 32);
G_STATIC_ASSERT (RECOVERY_CHARS == 79);
/* Unsealing can then only ever yield exactly a data key. */
G_STATIC_ASSERT (SEALED_KEY_BYTES - crypto_box_SEALBYTES == WM_DATA_KEY_BYTES);

/* Nothing in a slot is secret on its own, so slots live in ordinary memory. */
typedef struct
{
  char *username;
  guint8 public_key[crypto_box_PUBLICKEYBYTES];
  guint8 salt[crypto_pwhash_SALTBYTES];
  guint64 opslimit;
  guint64 memlimit;
  int alg;
  guint8 secret_nonce[crypto_secretbox_NONCEBYTES];
  guint8 secret_box[SECRET_BOX_BYTES];
  guint8 sealed_data_key[SEALED_KEY_BYTES];
} WmKeySlot;

struct _WmKeyring
{
  char *path;
  char *pending_path;
  GPtrArray *slots;     /* of WmKeySlot, sorted by username */
  GBytes *on_disk;      /* the sidecar as last read or written, to notice other writers */
};

G_DEFINE_QUARK (wm-keyring-error-quark, wm_keyring_error)

static void
slot_free (WmKeySlot *slot)
{
  if (slot == NULL)
    return;
  g_free (slot->username);
  g_free (slot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmKeySlot, slot_free)

static gpointer
slot_copy (gconstpointer src,
           gpointer      user_data)
{
  const WmKeySlot *from = src;
  WmKeySlot *slot = g_memdup2 (from, sizeof *from);

  slot->username = g_strdup (from->username);
  return slot;
}

static int
slot_compare (gconstpointer a,
              gconstpointer b)
{
  const WmKeySlot *sa = *(WmKeySlot * const *) a;
  const WmKeySlot *sb = *(WmKeySlot * const *) b;

  return strcmp (sa->username, sb->username);
}

static GPtrArray *
slots_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
}

static GPtrArray *
slots_copy (GPtrArray *slots)
{
  GPtrArray *copy = g_ptr_array_copy (slots, slot_copy, NULL);

  g_ptr_array_set_free_func (copy, (GDestroyNotify) slot_free);
  return copy;
}

static WmKeySlot *
slots_find (GPtrArray  *slots,
            const char *username,
            guint      *index_out)
{
  if (username == NULL)
    return NULL;

  for (guint i = 0; i < slots->len; i++)
    {
      WmKeySlot *slot = g_ptr_array_index (slots, i);

      if (strcmp (slot->username, username) == 0)
        {
          if (index_out != NULL)
            *index_out = i;
          return slot;
        }
    }
  return NULL;
}

static void
ensure_sodium (void)
{
  /* Without a working libsodium no key can be made or opened; there is nothing to fall back to. */
  if (sodium_init () < 0)
    g_error ("libsodium could not be initialised");
}

/* Like g_malloc(), running out of memory for a secret is fatal. */
static gpointer
secure_alloc (gsize size)
{
  gpointer mem;

  ensure_sodium ();
  mem = sodium_malloc (size);
  if (mem == NULL)
    g_error ("Could not allocate %" G_GSIZE_FORMAT " bytes of secure memory", size);
  return mem;
}

static void
secure_free (gpointer mem)
{
  if (mem != NULL)
    sodium_free (mem);
}

typedef gpointer WmSecureMem;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (WmSecureMem, secure_free, NULL)

WmKdfStrength
wm_kdf_strength_default (void)
{
  if (g_strcmp0 (g_getenv ("WAYMARK_KDF"), "min") == 0)
    return WM_KDF_MIN;
  return WM_KDF_MODERATE;
}

static void
kdf_limits (WmKdfStrength  strength,
            guint64       *opslimit,
            guint64       *memlimit)
{
  switch (strength)
    {
    case WM_KDF_MIN:
      *opslimit = crypto_pwhash_OPSLIMIT_MIN;
      *memlimit = crypto_pwhash_MEMLIMIT_MIN;
      break;
    case WM_KDF_MODERATE:
    default:
      *opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
      *memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
      break;
    }
}

guint8 *
wm_data_key_new_random (void)
{
  guint8 *key = secure_alloc (WM_DATA_KEY_BYTES);

  randombytes_buf (key, WM_DATA_KEY_BYTES);
  return key;
}

void
wm_data_key_free (guint8 *key)
{
  secure_free (key);
}

void
wm_secret_string_free (char *s)
{
  secure_free (s);
}

char *
wm_secret_strdup (const char *text)
{
  gsize len;
  char *copy;

  g_return_val_if_fail (text != NULL, NULL);
  len = strlen (text);
  copy = secure_alloc (len + 1);
  memcpy (copy, text, len + 1);
  return copy;
}

char *
wm_data_key_format_recovery (const guint8 *key)
{
  g_auto (WmSecureMem) hex = NULL;
  char *out;
  gsize j = 0;

  g_return_val_if_fail (key != NULL, NULL);

  hex = secure_alloc (RECOVERY_DIGITS + 1);
  out = secure_alloc (RECOVERY_CHARS + 1);

  /* sodium_bin2hex() runs in constant time; a lookup table indexed by the key would not. */
  sodium_bin2hex (hex, RECOVERY_DIGITS + 1, key, WM_DATA_KEY_BYTES);
  for (gsize i = 0; i < RECOVERY_DIGITS; i++)
    {
      if (i > 0 && i % RECOVERY_GROUP == 0)
        out[j++] = ' ';
      out[j++] = ((char *) hex)[i];
    }
  out[j] = '\0';
  return out;
}

guint8 *
wm_data_key_parse_recovery (const char  *text,
                            GError     **error)
{
  g_auto (WmSecureMem) digits = NULL;
  g_auto (WmSecretBytes) key = NULL;
  gsize n_digits = 0;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  digits = secure_alloc (RECOVERY_DIGITS + 1);

  /* People copy the key from paper, so spacing, line breaks and case are not significant. The
   * message never quotes the text: it is (nearly) the key. */
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID,
                               _("A recovery key may contain only the digits 0–9, the letters "
                                 "a–f and spaces"));
          return NULL;
        }
      if (n_digits < RECOVERY_DIGITS)
        ((char *) digits)[n_digits] = g_ascii_tolower (*p);
      n_digits++;
    }

  if (n_digits != RECOVERY_DIGITS)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID,
                   _("A recovery key has exactly %d hexadecimal digits, but %d were given"),
                   RECOVERY_DIGITS, (int) MIN (n_digits, G_MAXINT));
      return NULL;
    }
  ((char *) digits)[RECOVERY_DIGITS] = '\0';

  key = secure_alloc (WM_DATA_KEY_BYTES);
  if (sodium_hex2bin (key, WM_DATA_KEY_BYTES, digits, RECOVERY_DIGITS,
                      NULL, NULL, NULL) != 0)
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID,
                           _("The recovery key could not be read"));
      return NULL;
    }
  return g_steal_pointer (&key);
}

gboolean
wm_keyring_validate_username (const char  *username,
                              GError     **error)
{
  gsize len = username != NULL ? strlen (username) : 0;
  gboolean ok = len >= 1 && len <= USERNAME_MAX;

  for (gsize i = 0; ok && i < len; i++)
    {
      char c = username[i];

      ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    }

  if (!ok)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID,
                   _("username: must be 1 to %d characters, using only lower-case letters a–z, "
                     "digits, “.”, “_” and “-”"),
                   USERNAME_MAX);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_new_password (const char  *password,
                       GError     **error)
{
  if (password == NULL || *password == '\0')
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_INVALID,
                           _("password: must not be empty"));
      return FALSE;
    }
  return TRUE;
}

char *
wm_keyring_path_for (const char *db_path)
{
  g_return_val_if_fail (db_path != NULL, NULL);

  return g_strconcat (db_path, ".keys", NULL);
}

static char *
pending_path_for (const char *db_path)
{
  return g_strconcat (db_path, ".keys.pending", NULL);
}

gboolean
wm_keyring_exists (const char *db_path)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (db_path != NULL, FALSE);

  path = wm_keyring_path_for (db_path);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* g_file_set_contents_full() makes the file itself durable; the rename, link or unlink that
 * changes the directory only survives a power cut once the directory is synced too. Best
 * effort: some file systems cannot sync a directory, and the data is safe either way. */
static void
sync_directory_of (const char *path)
{
#ifdef G_OS_UNIX
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd < 0)
    return;
  (void) fsync (fd);
  g_close (fd, NULL);
#endif
}

static gboolean
write_durably (const char  *path,
               GBytes      *contents,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (contents, &len);

  if (!g_file_set_contents_full (path, data, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO,
                   _("Could not write the keyring: %s"), local_error->message);
      return FALSE;
    }
  sync_directory_of (path);
  return TRUE;
}

static gboolean
rename_durably (const char  *from,
                const char  *to,
                GError     **error)
{
  if (g_rename (from, to) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (to);

      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO,
                   _("Could not replace %s: %s"), display, g_strerror (saved_errno));
      return FALSE;
    }
  sync_directory_of (to);
  return TRUE;
}

static char *
encode (const guint8 *data,
        gsize         len)
{
  return g_base64_encode (data, len);
}

/* g_base64_decode() accepts anything, so a damaged file would decode to wrong bytes; sodium's
 * decoder rejects bad characters, bad padding and truncation. */
static gboolean
decode_exact (GKeyFile    *file,
              const char  *group,
              const char  *key,
              guint8      *out,
              gsize        out_len,
              const char  *path,
              GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_autofree guint8 *buf = NULL;
  const char *end = NULL;
  gsize text_len;
  gsize bin_len = 0;

  text = g_key_file_get_string (file, group, key, NULL);
  if (text == NULL)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: [%s] has no %s"), display, group, key);
      return FALSE;
    }

  text_len = strlen (text);
  /* One spare byte so that an over-long value shows up as a wrong length, not an overflow. */
  buf = g_malloc (out_len + 1);
  if (sodium_base642bin (buf, out_len + 1, text, text_len, NULL, &bin_len, &end,
                         sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text + text_len ||
      bin_len != out_len)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: %s in [%s] is not valid"),
                   display, key, group);
      return FALSE;
    }
  memcpy (out, buf, out_len);
  return TRUE;
}

static gboolean
read_uint64 (GKeyFile    *file,
             const char  *group,
             const char  *key,
             guint64      min,
             guint64      max,
             guint64     *out,
             const char  *path,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = g_filename_display_name (path);
  guint64 value = g_key_file_get_uint64 (file, group, key, &local_error);

  if (local_error != NULL)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: %s in [%s] is missing or not a number"),
                   display, key, group);
      return FALSE;
    }
  if (value < min || value > max)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: %s in [%s] is out of range"),
                   display, key, group);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static WmKeySlot *
parse_slot (GKeyFile    *file,
            const char  *group,
            const char  *path,
            GError     **error)
{
  g_autoptr(WmKeySlot) slot = g_new0 (WmKeySlot, 1);
  g_autofree char *display = g_filename_display_name (path);
  guint64 alg = 0;

  slot->username = g_strdup (group + strlen (USER_GROUP_PREFIX));
  if (!wm_keyring_validate_username (slot->username, NULL))
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: [%s] does not name a valid user"),
                   display, group);
      return NULL;
    }

  /* Limits come from the file, so bound them: a damaged value must fail cleanly rather than
   * ask Argon2 for an impossible amount of work or memory. */
  if (!decode_exact (file, group, "public-key", slot->public_key, sizeof slot->public_key,
                     path, error) ||
      !decode_exact (file, group, "salt", slot->salt, sizeof slot->salt, path, error) ||
      !read_uint64 (file, group, "opslimit", crypto_pwhash_OPSLIMIT_MIN,
                    crypto_pwhash_OPSLIMIT_MAX, &slot->opslimit, path, error) ||
      !read_uint64 (file, group, "memlimit", crypto_pwhash_MEMLIMIT_MIN,
                    crypto_pwhash_MEMLIMIT_MAX, &slot->memlimit, path, error) ||
      !read_uint64 (file, group, "alg", 0, G_MAXINT, &alg, path, error) ||
      !decode_exact (file, group, "secret-nonce", slot->secret_nonce,
                     sizeof slot->secret_nonce, path, error) ||
      !decode_exact (file, group, "secret-box", slot->secret_box, sizeof slot->secret_box,
                     path, error) ||
      !decode_exact (file, group, "sealed-data-key", slot->sealed_data_key,
                     sizeof slot->sealed_data_key, path, error))
    return NULL;

  if (alg != crypto_pwhash_ALG_ARGON2ID13)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: alg in [%s] is not a supported algorithm"),
                   display, group);
      return NULL;
    }
  slot->alg = (int) alg;

  return g_steal_pointer (&slot);
}

static GPtrArray *
parse_keyring (GBytes      *contents,
               const char  *path,
               GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GPtrArray) slots = slots_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_auto (GStrv) groups = NULL;
  gsize len;
  const char *data = g_bytes_get_data (contents, &len);
  int version;

  if (!g_key_file_load_from_data (file, data, len, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: %s"), display, local_error->message);
      return NULL;
    }

  version = g_key_file_get_integer (file, KEYRING_GROUP, "version", &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: [%s] has no valid version"),
                   display, KEYRING_GROUP);
      return NULL;
    }
  if (version != KEYRING_VERSION)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s has version %d, which this version of Waymark cannot "
                     "read"),
                   display, version);
      return NULL;
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      WmKeySlot *slot;

      if (strcmp (groups[i], KEYRING_GROUP) == 0)
        continue;

      /* Slots are rewritten from what was parsed, so anything not understood would be lost
       * silently on the next change: refuse it instead. */
      if (!g_str_has_prefix (groups[i], USER_GROUP_PREFIX))
        {
          g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                       _("The keyring %s is damaged: unexpected group [%s]"),
                       display, groups[i]);
          return NULL;
        }

      slot = parse_slot (file, groups[i], path, error);
      if (slot == NULL)
        return NULL;
      g_ptr_array_add (slots, slot);
    }

  if (slots->len == 0)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: it has no users"), display);
      return NULL;
    }

  g_ptr_array_sort (slots, slot_compare);
  return g_steal_pointer (&slots);
}

static GBytes *
serialize_keyring (GPtrArray *slots)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  gsize len = 0;
  char *data;

  g_key_file_set_comment (file, NULL, NULL,
                          " Waymark keyring: who can open the database next to this file.\n"
                          " Do not edit. Without this file only the recovery key opens it.",
                          NULL);
  g_key_file_set_integer (file, KEYRING_GROUP, "version", KEYRING_VERSION);

  for (guint i = 0; i < slots->len; i++)
    {
      WmKeySlot *slot = g_ptr_array_index (slots, i);
      g_autofree char *group = g_strconcat (USER_GROUP_PREFIX, slot->username, NULL);
      g_autofree char *public_key = encode (slot->public_key, sizeof slot->public_key);
      g_autofree char *salt = encode (slot->salt, sizeof slot->salt);
      g_autofree char *nonce = encode (slot->secret_nonce, sizeof slot->secret_nonce);
      g_autofree char *box = encode (slot->secret_box, sizeof slot->secret_box);
      g_autofree char *sealed = encode (slot->sealed_data_key, sizeof slot->sealed_data_key);

      g_key_file_set_string (file, group, "public-key", public_key);
      g_key_file_set_string (file, group, "salt", salt);
      g_key_file_set_uint64 (file, group, "opslimit", slot->opslimit);
      g_key_file_set_uint64 (file, group, "memlimit", slot->memlimit);
      g_key_file_set_integer (file, group, "alg", slot->alg);
      g_key_file_set_string (file, group, "secret-nonce", nonce);
      g_key_file_set_string (file, group, "secret-box", box);
      g_key_file_set_string (file, group, "sealed-data-key", sealed);
    }

  data = g_key_file_to_data (file, &len, NULL);
  return g_bytes_new_take (data, len);
}

static gboolean
derive_key (const WmKeySlot  *slot,
            const char       *password,
            guint8           *derived,
            GError          **error)
{
  if (crypto_pwhash (derived, DERIVED_KEY_BYTES, password, strlen (password), slot->salt,
                     slot->opslimit, (size_t) slot->memlimit, slot->alg) != 0)
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED,
                           _("Not enough memory to check the password"));
      return FALSE;
    }
  return TRUE;
}

static WmKeySlot *
slot_new (const char     *username,
          const char     *password,
          WmKdfStrength   strength,
          const guint8   *data_key,
          GError        **error)
{
  g_autoptr(WmKeySlot) slot = g_new0 (WmKeySlot, 1);
  g_auto (WmSecureMem) secret_key = secure_alloc (crypto_box_SECRETKEYBYTES);
  g_auto (WmSecureMem) derived = secure_alloc (DERIVED_KEY_BYTES);

  slot->username = g_strdup (username);
  kdf_limits (strength, &slot->opslimit, &slot->memlimit);
  slot->alg = crypto_pwhash_ALG_ARGON2ID13;
  randombytes_buf (slot->salt, sizeof slot->salt);
  randombytes_buf (slot->secret_nonce, sizeof slot->secret_nonce);

  if (crypto_box_keypair (slot->public_key, secret_key) != 0)
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED,
                           _("Could not make a key pair"));
      return NULL;
    }

  if (!derive_key (slot, password, derived, error))
    return NULL;

  if (crypto_secretbox_easy (slot->secret_box, secret_key, crypto_box_SECRETKEYBYTES,
                             slot->secret_nonce, derived) != 0 ||
      crypto_box_seal (slot->sealed_data_key, data_key, WM_DATA_KEY_BYTES,
                       slot->public_key) != 0)
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED,
                           _("Could not encrypt the keys"));
      return NULL;
    }

  return g_steal_pointer (&slot);
}

static void
set_wrong_password (GError **error)
{
  g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_WRONG_PASSWORD,
                       _("Wrong username or password"));
}

/* An unknown user gets the same error as a wrong password. The usernames themselves are in
 * the sidecar in clear, so no dummy derivation is done to hide the timing difference. */
static guint8 *
unlock_slots (GPtrArray   *slots,
              const char  *path,
              const char  *username,
              const char  *password,
              GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_auto (WmSecureMem) derived = NULL;
  g_auto (WmSecureMem) secret_key = NULL;
  g_auto (WmSecretBytes) data_key = NULL;
  guint8 public_key[crypto_box_PUBLICKEYBYTES];
  WmKeySlot *slot;

  slot = slots_find (slots, username, NULL);
  if (slot == NULL || password == NULL)
    {
      set_wrong_password (error);
      return NULL;
    }

  derived = secure_alloc (DERIVED_KEY_BYTES);
  if (!derive_key (slot, password, derived, error))
    return NULL;

  secret_key = secure_alloc (crypto_box_SECRETKEYBYTES);
  if (crypto_secretbox_open_easy (secret_key, slot->secret_box, sizeof slot->secret_box,
                                  slot->secret_nonce, derived) != 0)
    {
      set_wrong_password (error);
      return NULL;
    }

  /* The password was right, so whatever fails from here on is damage or tampering: a swapped
   * public key would otherwise make the unseal fail with a misleading message. */
  crypto_scalarmult_base (public_key, secret_key);
  if (sodium_memcmp (public_key, slot->public_key, sizeof public_key) != 0)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: the key pair of user %s does not match"),
                   display, slot->username);
      return NULL;
    }

  data_key = secure_alloc (WM_DATA_KEY_BYTES);
  if (crypto_box_seal_open (data_key, slot->sealed_data_key, sizeof slot->sealed_data_key,
                            slot->public_key, secret_key) != 0)
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CORRUPT,
                   _("The keyring %s is damaged: the data key of user %s cannot be opened"),
                   display, slot->username);
      return NULL;
    }

  return g_steal_pointer (&data_key);
}

static WmKeyring *
keyring_new (const char *db_path,
             GPtrArray  *slots,
             GBytes     *on_disk)
{
  WmKeyring *keyring = g_new0 (WmKeyring, 1);

  keyring->path = wm_keyring_path_for (db_path);
  keyring->pending_path = pending_path_for (db_path);
  keyring->slots = slots;
  keyring->on_disk = on_disk;
  return keyring;
}

void
wm_keyring_free (WmKeyring *keyring)
{
  if (keyring == NULL)
    return;
  g_free (keyring->path);
  g_free (keyring->pending_path);
  g_clear_pointer (&keyring->slots, g_ptr_array_unref);
  g_clear_pointer (&keyring->on_disk, g_bytes_unref);
  g_free (keyring);
}

static GBytes *
read_file (const char  *path,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO,
                   _("Could not read the keyring: %s"), local_error->message);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

/* Creating must never replace an existing sidecar: that would lock everyone out of the
 * database it belongs to. Linking a complete temporary file into place fails if the name is
 * taken, without the window a test-then-write would leave. */
static void
set_exists_error (const char  *path,
                  GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO,
               _("A keyring already exists at %s"), display);
}

static gboolean
install_new_file (const char  *path,
                  GBytes      *contents,
                  GError     **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.new-%08x", path, randombytes_random ());

  if (!write_durably (tmp, contents, error))
    return FALSE;

#ifdef G_OS_UNIX
  if (link (tmp, path) == 0)
    {
      g_unlink (tmp);
      sync_directory_of (path);
      return TRUE;
    }
  else
    {
      int saved_errno = errno;

      /* Some file systems have no hard links; a test-then-rename has to do there. */
      if (saved_errno != EPERM && saved_errno != ENOSYS && saved_errno != EOPNOTSUPP)
        {
          g_autofree char *display = g_filename_display_name (path);

          g_unlink (tmp);
          if (saved_errno == EEXIST)
            set_exists_error (path, error);
          else
            g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO,
                         _("Could not create %s: %s"), display, g_strerror (saved_errno));
          return FALSE;
        }
    }
#endif

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_unlink (tmp);
      set_exists_error (path, error);
      return FALSE;
    }
  if (!rename_durably (tmp, path, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

WmKeyring *
wm_keyring_create (const char     *db_path,
                   const char     *username,
                   const char     *password,
                   WmKdfStrength   strength,
                   const guint8   *data_key,
                   GError        **error)
{
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *path = NULL;
  g_autofree char *pending_path = NULL;
  WmKeySlot *slot;

  g_return_val_if_fail (db_path != NULL, NULL);
  g_return_val_if_fail (data_key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_sodium ();

  if (!wm_keyring_validate_username (username, error) ||
      !validate_new_password (password, error))
    return NULL;

  path = wm_keyring_path_for (db_path);
  pending_path = pending_path_for (db_path);

  /* A left-over pending file belongs to some earlier keyring; mixing it with a new one would
   * make the next open try a key from elsewhere. */
  if (g_file_test (pending_path, G_FILE_TEST_EXISTS))
    {
      set_exists_error (pending_path, error);
      return NULL;
    }

  slot = slot_new (username, password, strength, data_key, error);
  if (slot == NULL)
    return NULL;
  slots = slots_new ();
  g_ptr_array_add (slots, slot);

  contents = serialize_keyring (slots);
  if (!install_new_file (path, contents, error))
    return NULL;

  return keyring_new (db_path, g_steal_pointer (&slots), g_steal_pointer (&contents));
}

WmKeyring *
wm_keyring_load (const char  *db_path,
                 GError     **error)
{
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *path = NULL;
  GPtrArray *slots;

  g_return_val_if_fail (db_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_sodium ();

  path = wm_keyring_path_for (db_path);
  contents = read_file (path, error);
  if (contents == NULL)
    return NULL;

  slots = parse_keyring (contents, path, error);
  if (slots == NULL)
    return NULL;

  return keyring_new (db_path, slots, g_steal_pointer (&contents));
}

char **
wm_keyring_list_users (WmKeyring *keyring)
{
  GStrvBuilder *builder;
  char **users;

  g_return_val_if_fail (keyring != NULL, NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < keyring->slots->len; i++)
    {
      WmKeySlot *slot = g_ptr_array_index (keyring->slots, i);

      g_strv_builder_add (builder, slot->username);
    }
  users = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return users;
}

gboolean
wm_keyring_has_user (WmKeyring  *keyring,
                     const char *username)
{
  g_return_val_if_fail (keyring != NULL, FALSE);

  return slots_find (keyring->slots, username, NULL) != NULL;
}

guint8 *
wm_keyring_unlock (WmKeyring   *keyring,
                   const char  *username,
                   const char  *password,
                   GError     **error)
{
  g_return_val_if_fail (keyring != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return unlock_slots (keyring->slots, keyring->path, username, password, error);
}

/* Every change rewrites the whole sidecar from memory. If another process (a second window, the
 * CLI) changed it meanwhile, writing would undo that change, and after a re-key could seal the
 * old data key for everyone: refuse, and let the caller reload. Checked before looking at the
 * slots, since answers from a stale copy ("no such user", "last user") would be wrong too. */
static gboolean
check_writable (WmKeyring  *keyring,
                GError    **error)
{
  g_autoptr(GBytes) current = NULL;

  if (g_file_test (keyring->pending_path, G_FILE_TEST_EXISTS))
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_PENDING,
                           _("An earlier change of the database key was interrupted; open the "
                             "database again to finish it first"));
      return FALSE;
    }

  current = read_file (keyring->path, error);
  if (current == NULL)
    return FALSE;
  if (!g_bytes_equal (current, keyring->on_disk))
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_CHANGED,
                           _("The keyring was changed elsewhere; open the database again and "
                             "retry"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
save_slots (WmKeyring  *keyring,
            GPtrArray  *slots,
            GError    **error)
{
  g_autoptr(GBytes) contents = serialize_keyring (slots);

  if (!write_durably (keyring->path, contents, error))
    return FALSE;

  g_ptr_array_unref (keyring->slots);
  keyring->slots = g_ptr_array_ref (slots);
  g_bytes_unref (keyring->on_disk);
  keyring->on_disk = g_steal_pointer (&contents);
  return TRUE;
}

/* Puts @slot into a copy of the keyring's slots, replacing the user's old slot if any. */
static GPtrArray *
slots_with (WmKeyring *keyring,
            WmKeySlot *slot)
{
  GPtrArray *slots = slots_copy (keyring->slots);
  guint index = 0;

  if (slots_find (slots, slot->username, &index) != NULL)
    g_ptr_array_remove_index (slots, index);
  g_ptr_array_add (slots, slot);
  g_ptr_array_sort (slots, slot_compare);
  return slots;
}

gboolean
wm_keyring_add_user (WmKeyring      *keyring,
                     const guint8   *data_key,
                     const char     *username,
                     const char     *password,
                     WmKdfStrength   strength,
                     GError        **error)
{
  g_autoptr(GPtrArray) slots = NULL;
  WmKeySlot *slot;

  g_return_val_if_fail (keyring != NULL, FALSE);
  g_return_val_if_fail (data_key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!wm_keyring_validate_username (username, error) ||
      !validate_new_password (password, error))
    return FALSE;

  if (!check_writable (keyring, error))
    return FALSE;

  if (wm_keyring_has_user (keyring, username))
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_USER_EXISTS,
                   _("There is already a user called %s"), username);
      return FALSE;
    }

  slot = slot_new (username, password, strength, data_key, error);
  if (slot == NULL)
    return FALSE;

  slots = slots_with (keyring, slot);
  return save_slots (keyring, slots, error);
}

gboolean
wm_keyring_reset_password (WmKeyring      *keyring,
                           const guint8   *data_key,
                           const char     *username,
                           const char     *new_password,
                           WmKdfStrength   strength,
                           GError        **error)
{
  g_autoptr(GPtrArray) slots = NULL;
  WmKeySlot *slot;

  g_return_val_if_fail (keyring != NULL, FALSE);
  g_return_val_if_fail (data_key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!validate_new_password (new_password, error) ||
      !check_writable (keyring, error))
    return FALSE;
  if (!wm_keyring_has_user (keyring, username))
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_NO_SUCH_USER,
                           _("There is no such user"));
      return FALSE;
    }

  /* A fresh key pair, so that nothing derived from the forgotten password still opens it. */
  slot = slot_new (username, new_password, strength, data_key, error);
  if (slot == NULL)
    return FALSE;

  slots = slots_with (keyring, slot);
  return save_slots (keyring, slots, error);
}

gboolean
wm_keyring_change_password (WmKeyring      *keyring,
                            const char     *username,
                            const char     *old_password,
                            const char     *new_password,
                            WmKdfStrength   strength,
                            GError        **error)
{
  g_autoptr(GPtrArray) slots = NULL;
  g_auto (WmSecretBytes) data_key = NULL;
  WmKeySlot *slot;

  g_return_val_if_fail (keyring != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data_key = wm_keyring_unlock (keyring, username, old_password, error);
  if (data_key == NULL)
    return FALSE;

  if (!validate_new_password (new_password, error) ||
      !check_writable (keyring, error))
    return FALSE;

  slot = slot_new (username, new_password, strength, data_key, error);
  if (slot == NULL)
    return FALSE;

  slots = slots_with (keyring, slot);
  return save_slots (keyring, slots, error);
}

gboolean
wm_keyring_remove_user (WmKeyring           *keyring,
                        const guint8        *data_key,
                        const char          *username,
                        WmKeyringRekeyFunc   rekey,
                        gpointer             user_data,
                        guint8             **new_key_out,
                        GError             **error)
{
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto (WmSecretBytes) new_key = NULL;
  guint index = 0;

  g_return_val_if_fail (keyring != NULL, FALSE);
  g_return_val_if_fail (data_key != NULL, FALSE);
  g_return_val_if_fail (rekey != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_writable (keyring, error))
    return FALSE;
  if (slots_find (keyring->slots, username, NULL) == NULL)
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_NO_SUCH_USER,
                           _("There is no such user"));
      return FALSE;
    }
  if (keyring->slots->len == 1)
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED,
                           _("The last user cannot be removed: nobody could open the database"));
      return FALSE;
    }

  new_key = wm_data_key_new_random ();
  slots = slots_copy (keyring->slots);
  slots_find (slots, username, &index);
  g_ptr_array_remove_index (slots, index);
  for (guint i = 0; i < slots->len; i++)
    {
      WmKeySlot *slot = g_ptr_array_index (slots, i);

      if (crypto_box_seal (slot->sealed_data_key, new_key, WM_DATA_KEY_BYTES,
                           slot->public_key) != 0)
        {
          g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED,
                               _("Could not encrypt the keys"));
          return FALSE;
        }
    }

  /* The new key must be on disk before the database depends on it: if we die after the
   * re-key, the pending file is the only way back in short of the recovery key. */
  contents = serialize_keyring (slots);
  if (!write_durably (keyring->pending_path, contents, error))
    {
      g_unlink (keyring->pending_path);
      return FALSE;
    }

  if (!rekey (data_key, new_key, user_data, &local_error))
    {
      g_unlink (keyring->pending_path);
      sync_directory_of (keyring->pending_path);
      if (local_error == NULL)
        g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED,
                             _("Could not change the database key"));
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    _("Could not change the database key: "));
      return FALSE;
    }

  if (!rename_durably (keyring->pending_path, keyring->path, &local_error))
    {
      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_PENDING,
                   _("The database key was changed but the keyring could not be updated "
                     "(%s); open the database again to finish"),
                   local_error->message);
      return FALSE;
    }

  g_ptr_array_unref (keyring->slots);
  keyring->slots = g_steal_pointer (&slots);
  g_bytes_unref (keyring->on_disk);
  keyring->on_disk = g_steal_pointer (&contents);

  if (new_key_out != NULL)
    *new_key_out = g_steal_pointer (&new_key);
  return TRUE;
}

gboolean
wm_keyring_has_pending (WmKeyring *keyring)
{
  g_return_val_if_fail (keyring != NULL, FALSE);

  return g_file_test (keyring->pending_path, G_FILE_TEST_EXISTS);
}

static GPtrArray *
load_pending (WmKeyring  *keyring,
              GBytes    **contents_out,
              GError    **error)
{
  g_autoptr(GBytes) contents = NULL;
  GPtrArray *slots;

  if (!wm_keyring_has_pending (keyring))
    {
      g_set_error_literal (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_FAILED,
                           _("There is no interrupted change of the database key"));
      return NULL;
    }

  contents = read_file (keyring->pending_path, error);
  if (contents == NULL)
    return NULL;
  slots = parse_keyring (contents, keyring->pending_path, error);
  if (slots != NULL && contents_out != NULL)
    *contents_out = g_steal_pointer (&contents);
  return slots;
}

guint8 *
wm_keyring_unlock_pending (WmKeyring   *keyring,
                           const char  *username,
                           const char  *password,
                           GError     **error)
{
  g_autoptr(GPtrArray) slots = NULL;

  g_return_val_if_fail (keyring != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  slots = load_pending (keyring, NULL, error);
  if (slots == NULL)
    return NULL;
  return unlock_slots (slots, keyring->pending_path, username, password, error);
}

gboolean
wm_keyring_commit_pending (WmKeyring  *keyring,
                           GError    **error)
{
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(GBytes) contents = NULL;

  g_return_val_if_fail (keyring != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Parsed first so a damaged pending file never replaces a readable keyring. */
  slots = load_pending (keyring, &contents, error);
  if (slots == NULL)
    return FALSE;

  if (!rename_durably (keyring->pending_path, keyring->path, error))
    return FALSE;

  g_ptr_array_unref (keyring->slots);
  keyring->slots = g_steal_pointer (&slots);
  g_bytes_unref (keyring->on_disk);
  keyring->on_disk = g_steal_pointer (&contents);
  return TRUE;
}

gboolean
wm_keyring_discard_pending (WmKeyring  *keyring,
                            GError    **error)
{
  g_return_val_if_fail (keyring != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_unlink (keyring->pending_path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (keyring->pending_path);

      g_set_error (error, WM_KEYRING_ERROR, WM_KEYRING_ERROR_IO,
                   _("Could not remove %s: %s"), display, g_strerror (saved_errno));
      return FALSE;
    }
  sync_directory_of (keyring->pending_path);
  return TRUE;
}
