/* wm-validate.c: field checks and normalisation for forms, the CLI and CSV imports.
 *
 * One implementation so that a value the GUI refuses is refused by an import too, with the
 * same words. Messages name the column first because imports print them after "line N: ".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wm-validate.h"

G_DEFINE_QUARK (wm-validation-error-quark, wm_validation_error)

/* Values echoed in messages are cut short and cleaned: a message is one line on a terminal or
 * in a list, whatever bytes the input held. */
#define SHOWN_MAX_CHARS 40

static char *
shown (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  GString *s = g_string_new (NULL);
  guint n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n++ == SHOWN_MAX_CHARS)
        {
          g_string_append (s, "…");
          break;
        }
      if (g_unichar_iscntrl (c))
        g_string_append_c (s, ' ');
      else
        g_string_append_unichar (s, c);
    }
  return g_string_free (s, FALSE);
}

/* Trims Unicode white space, not just ASCII: values pasted from spreadsheets and web pages
 * often carry no-break spaces. */
static char *
trimmed_copy (const char *value)
{
  const char *start, *end;

  if (value == NULL)
    return g_strdup ("");
  if (!g_utf8_validate (value, -1, NULL))
    return g_strstrip (g_strdup (value));

  start = value;
  while (*start != '\0' && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  end = start + strlen (start);
  while (end > start)
    {
      const char *prev = g_utf8_prev_char (end);

      if (!g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  return g_strndup (start, end - start);
}

gboolean
wm_value_is_blank (const char *value)
{
  g_autofree char *trimmed = NULL;

  if (value == NULL)
    return TRUE;
  /* Most values start with a letter or digit: answered without a copy, as saving a case
   * asks this of every field. Only ASCII is decided here; trimmed_copy() does the rest. */
  for (const char *p = value; (guchar) *p < 0x80; p++)
    {
      if (*p == '\0')
        return TRUE;
      if (!g_unichar_isspace ((gunichar) *p))
        return FALSE;
    }
  trimmed = trimmed_copy (value);
  return trimmed[0] == '\0';
}

static gboolean
fail_required (const char  *field,
               GError     **error)
{
  g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_REQUIRED,
               _("%s: is required"), field);
  return FALSE;
}

gboolean
wm_validate_required (const char  *field,
                      const char  *value,
                      GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    return fail_required (field, error);
  return TRUE;
}

gboolean
wm_validate_text (const char  *field,
                  const char  *value,
                  gsize        max_chars,
                  gboolean     multiline,
                  gboolean     required,
                  GError     **error)
{
  gsize n_chars = 0;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    return required ? fail_required (field, error) : TRUE;

  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                   _("%s: is not valid UTF-8 text"), field);
      return FALSE;
    }

  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      n_chars++;
      if (!g_unichar_iscntrl (c))
        continue;
      if (multiline && (c == '\n' || c == '\t'))
        continue;
      if (!multiline && (c == '\n' || c == '\r'))
        g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                     _("%s: must be a single line"), field);
      else
        g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                     _("%s: contains a control character (U+%04X)"), field, c);
      return FALSE;
    }

  if (max_chars > 0 && n_chars > max_chars)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%s: must be at most %u character long",
                                "%s: must be at most %u characters long",
                                (gulong) max_chars),
                   field, (guint) MIN (max_chars, G_MAXUINT));
      return FALSE;
    }
  return TRUE;
}

/* Characters that only appear in an address inside quotes, or that show the value is a list or
 * a "Name <address>" form rather than one address. */
#define EMAIL_LOCAL_FORBIDDEN "()<>[],;:\\\""

gboolean
wm_validate_email (const char  *field,
                   const char  *value,
                   gboolean     required,
                   GError     **error)
{
  const char *at, *domain, *last_label;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    return required ? fail_required (field, error) : TRUE;

  if (strlen (value) > 254)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   _("%s: an e-mail address is at most 254 characters long"), field);
      return FALSE;
    }
  if (!g_utf8_validate (value, -1, NULL))
    goto invalid;

  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                       _("%s: an e-mail address cannot contain spaces"), field);
          return FALSE;
        }
      if (g_unichar_iscntrl (c))
        goto invalid;
    }

  at = strchr (value, '@');
  if (at == NULL || at == value || strchr (at + 1, '@') != NULL || at - value > 64)
    goto invalid;
  for (const char *p = value; p < at; p++)
    if (strchr (EMAIL_LOCAL_FORBIDDEN, *p) != NULL)
      goto invalid;

  /* The domain: dot-separated labels of letters (any script), digits and hyphens, with a
   * top-level label of two or more characters. Catches the usual typos: "x@gmail", "x@gmail.",
   * "x@gmail..com", "x@gmail,com". */
  domain = at + 1;
  if (*domain == '\0' || *domain == '.' || strchr (domain, '.') == NULL
      || strstr (domain, "..") != NULL)
    goto invalid;
  for (const char *p = domain; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_isalnum (c) && c != '-' && c != '.')
        goto invalid;
    }
  last_label = strrchr (domain, '.') + 1;
  if (g_utf8_strlen (last_label, -1) < 2)
    goto invalid;

  return TRUE;

invalid:
  g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
               _("%s: not a valid e-mail address"), field);
  return FALSE;
}

/* Puts @digits (a national significant number, without the leading 0) into the grouping
 * people in the UK expect for its range. */
static char *
format_uk_phone (const char *d)
{
  gsize n = strlen (d);

  switch (d[0])
    {
    case '2':
      /* 02X XXXX XXXX: London, Cardiff, Belfast, ... */
      return g_strdup_printf ("0%.2s %.4s %.4s", d, d + 2, d + 6);
    case '1':
      if (n == 9)
        return g_strdup_printf ("0%.4s %.5s", d, d + 4);
      /* 011X and 01X1 are the big cities (0113 Leeds, 0121 Birmingham): 01XX XXX XXXX. */
      if (d[1] == '1' || d[2] == '1')
        return g_strdup_printf ("0%.3s %.3s %.4s", d, d + 3, d + 6);
      return g_strdup_printf ("0%.4s %.6s", d, d + 4);
    case '7':
      return g_strdup_printf ("0%.4s %.6s", d, d + 4);
    case '8':
      if (n == 9)
        return g_strdup_printf ("0%.3s %.3s %.3s", d, d + 3, d + 6);
      return g_strdup_printf ("0%.3s %.3s %.4s", d, d + 3, d + 6);
    case '3':
    case '5':
      return g_strdup_printf ("0%.3s %.3s %.4s", d, d + 3, d + 6);
    default:
      g_assert_not_reached ();
    }
}

gboolean
wm_validate_uk_phone (const char  *field,
                      const char  *value,
                      gboolean     required,
                      char       **normalised,
                      GError     **error)
{
  char digits[32]; /* more digits than this is never a phone number */
  gsize n_digits = 0;
  gboolean plus = FALSE;
  gboolean started = FALSE;
  const char *nsn;
  gsize n;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    {
      if (required)
        return fail_required (field, error);
      if (normalised != NULL)
        *normalised = NULL;
      return TRUE;
    }

  if (!g_utf8_validate (value, -1, NULL))
    goto invalid;

  /* Digits in place, without copies: this runs for every saved client. A "+" may only come
   * before everything but white space. */
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= '0' && c <= '9')
        {
          if (n_digits == sizeof digits - 1)
            goto invalid;
          digits[n_digits++] = (char) c;
        }
      else if (c == '+' && !started)
        plus = TRUE;
      else if (!(g_unichar_isspace (c) || c == '-' || c == '(' || c == ')' || c == '.'))
        goto invalid;
      if (!g_unichar_isspace (c))
        started = TRUE;
    }
  digits[n_digits] = '\0';

  /* Strip the international or trunk prefix down to the national significant number. The
   * "+44 (0)20 ..." habit leaves a 0 after the country code, which is dropped as well.
   * Spreadsheets turn "07700 900123" into 7700900123 and "+447700 900123" into 447700900123;
   * no UK number starts with 4, so both are still unambiguous and accepted. */
  nsn = digits;
  if (plus)
    {
      if (!g_str_has_prefix (nsn, "44"))
        goto invalid;
      nsn += 2;
      if (*nsn == '0')
        nsn++;
    }
  else if (g_str_has_prefix (nsn, "0044"))
    {
      nsn += 4;
      if (*nsn == '0')
        nsn++;
    }
  else if (*nsn == '0')
    nsn++;
  else if (g_str_has_prefix (nsn, "44") && n_digits == 12)
    nsn += 2;

  /* Ranges in use for people and organisations: 01/02 geographic, 03 non-geographic, 05
   * corporate, 07 mobile, 08 freephone and special. Ten digits, or nine for some 01 areas
   * and 0800 numbers. */
  n = strlen (nsn);
  if (strchr ("123578", nsn[0]) == NULL || nsn[0] == '\0')
    goto invalid;
  if (!(n == 10 || (n == 9 && (nsn[0] == '1' || nsn[0] == '8'))))
    goto invalid;

  if (normalised != NULL)
    *normalised = format_uk_phone (nsn);
  return TRUE;

invalid:
  {
    g_autofree char *trimmed = trimmed_copy (value);
    g_autofree char *s = shown (trimmed);

    g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                 _("%s: “%s” is not a UK phone number"), field, s);
    return FALSE;
  }
}

/* The postcode areas in use (Royal Mail, plus the Crown Dependencies GY, JE and IM, the
 * forces' BF and the non-geographic BX). Checking the area catches transposed letters that
 * the positional rules let through. */
static const char * const postcode_areas[] = {
  "AB", "AL", "B", "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "BX",
  "CA", "CB", "CF", "CH", "CM", "CO", "CR", "CT", "CV", "CW",
  "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY",
  "E", "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY",
  "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE",
  "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU",
  "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX",
  "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM",
  "S", "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY",
  "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB",
  "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
};

static gboolean
is_postcode_area (const char *area,
                  gsize       len)
{
  /* Compared by hand: strncmp over the whole list was 2% of saving a client. */
  for (guint i = 0; i < G_N_ELEMENTS (postcode_areas); i++)
    {
      const char *a = postcode_areas[i];

      if (a[0] == area[0] && (len == 1 ? a[1] == '\0' : a[1] == area[1] && a[2] == '\0'))
        return TRUE;
    }
  return FALSE;
}

/* Outward code: A9, A99, A9A, AA9, AA99 or AA9A, with Royal Mail's letter rules: no Q, V or X
 * first; no I, J or Z second; restricted letters in the A9A and AA9A final positions. */
static gboolean
outward_is_valid (const char *out,
                  gsize       len)
{
  gsize area_len;

  if (len < 2 || len > 4 || !g_ascii_isupper (out[0]) || strchr ("QVX", out[0]) != NULL)
    return FALSE;

  if (g_ascii_isdigit (out[1]))
    {
      area_len = 1;
      if (len == 4)
        return FALSE;
      if (len == 3 && !g_ascii_isdigit (out[2]) && strchr ("ABCDEFGHJKPSTUW", out[2]) == NULL)
        return FALSE;
    }
  else
    {
      area_len = 2;
      if (!g_ascii_isupper (out[1]) || strchr ("IJZ", out[1]) != NULL
          || len < 3 || !g_ascii_isdigit (out[2]))
        return FALSE;
      if (len == 4 && !g_ascii_isdigit (out[3]) && strchr ("ABEHMNPRVWXY", out[3]) == NULL)
        return FALSE;
    }
  return is_postcode_area (out, area_len);
}

/* Inward code: a digit and two letters, never C, I, K, M, O or V. */
static gboolean
inward_is_valid (const char *in)
{
  return g_ascii_isdigit (in[0])
         && g_ascii_isupper (in[1]) && strchr ("CIKMOV", in[1]) == NULL
         && g_ascii_isupper (in[2]) && strchr ("CIKMOV", in[2]) == NULL;
}

/* Upper case, all white space removed; NULL if anything but ASCII letters and digits is left
 * or the result cannot be a postcode or district by length. */
static char *
postcode_compact (const char *value)
{
  GString *s = g_string_new (NULL);

  if (!g_utf8_validate (value, -1, NULL))
    goto bad;
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        continue;
      if (c > 127 || !g_ascii_isalnum ((char) c))
        goto bad;
      g_string_append_c (s, g_ascii_toupper ((char) c));
    }
  if (s->len < 2 || s->len > 7)
    goto bad;
  return g_string_free (s, FALSE);

bad:
  g_string_free (s, TRUE);
  return NULL;
}

/* Splits a compact full postcode into outward and inward parts if it is valid. */
static gboolean
split_full_postcode (const char  *compact,
                     char       **outward,
                     char       **inward)
{
  gsize len = strlen (compact);

  if (len < 5 || !outward_is_valid (compact, len - 3) || !inward_is_valid (compact + len - 3))
    return FALSE;
  *outward = g_strndup (compact, len - 3);
  *inward = g_strdup (compact + len - 3);
  return TRUE;
}

gboolean
wm_postcode_normalise (const char  *field,
                       const char  *value,
                       gboolean     required,
                       char       **normalised,
                       char       **outward,
                       GError     **error)
{
  g_autofree char *compact = NULL;
  g_autofree char *out = NULL;
  g_autofree char *in = NULL;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    {
      if (required)
        return fail_required (field, error);
      if (normalised != NULL)
        *normalised = NULL;
      if (outward != NULL)
        *outward = NULL;
      return TRUE;
    }

  compact = postcode_compact (value);
  if (compact == NULL || !split_full_postcode (compact, &out, &in))
    {
      g_autofree char *trimmed = NULL;
      g_autofree char *s = NULL;

      /* Callers often just try whether this is a full postcode. */
      if (error == NULL)
        return FALSE;
      trimmed = trimmed_copy (value);
      s = shown (trimmed);
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                   _("%s: “%s” is not a UK postcode"), field, s);
      return FALSE;
    }

  if (normalised != NULL)
    *normalised = g_strdup_printf ("%s %s", out, in);
  if (outward != NULL)
    *outward = g_steal_pointer (&out);
  return TRUE;
}

gboolean
wm_postcode_normalise_outward (const char  *field,
                               const char  *value,
                               gboolean     required,
                               char       **normalised,
                               GError     **error)
{
  g_autofree char *compact = NULL;
  g_autofree char *out = NULL;
  g_autofree char *in = NULL;
  gboolean ok;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    {
      if (required)
        return fail_required (field, error);
      if (normalised != NULL)
        *normalised = NULL;
      return TRUE;
    }

  /* An outward code is at most 4 characters and a full postcode at least 5, so the length
   * alone says which one was given. */
  compact = postcode_compact (value);
  if (compact == NULL)
    ok = FALSE;
  else if (strlen (compact) <= 4)
    ok = outward_is_valid (compact, strlen (compact));
  else
    ok = split_full_postcode (compact, &out, &in);

  if (!ok)
    {
      g_autofree char *trimmed = trimmed_copy (value);
      g_autofree char *s = shown (trimmed);

      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                   _("%s: “%s” is not a UK postcode district"), field, s);
      return FALSE;
    }

  if (normalised != NULL)
    *normalised = out != NULL ? g_steal_pointer (&out) : g_steal_pointer (&compact);
  return TRUE;
}

static gboolean
check_coordinate (const char  *field,
                  double       value,
                  double       limit,
                  GError     **error)
{
  if (isnan (value))
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                   _("%s: is not a number"), field);
      return FALSE;
    }
  if (!(value >= -limit && value <= limit))
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   _("%s: must be between %d and %d"), field, (int) -limit, (int) limit);
      return FALSE;
    }
  return TRUE;
}

gboolean
wm_validate_latitude (const char  *field,
                      double       value,
                      GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);
  return check_coordinate (field, value, 90.0, error);
}

gboolean
wm_validate_longitude (const char  *field,
                       double       value,
                       GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);
  return check_coordinate (field, value, 180.0, error);
}

gboolean
wm_parse_double (const char  *field,
                 const char  *value,
                 gboolean     required,
                 double      *out,
                 GError     **error)
{
  g_autofree char *trimmed = NULL;
  char *end = NULL;
  double d;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    {
      if (required)
        return fail_required (field, error);
      if (out != NULL)
        *out = NAN;
      return TRUE;
    }

  /* g_ascii_strtod alone would also take "nan", "inf", hex and leading spaces; only plain
   * decimal notation is data. */
  trimmed = trimmed_copy (value);
  if (trimmed[strspn (trimmed, "0123456789+-.eE")] != '\0')
    goto invalid;

  errno = 0;
  d = g_ascii_strtod (trimmed, &end);
  if (end == trimmed || *end != '\0')
    goto invalid;
  if (errno == ERANGE && isinf (d))
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   _("%s: the number is too large"), field);
      return FALSE;
    }

  if (out != NULL)
    *out = d;
  return TRUE;

invalid:
  {
    g_autofree char *s = shown (trimmed);

    g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                 _("%s: “%s” is not a number"), field, s);
    return FALSE;
  }
}

static void
set_int_range_error (const char  *field,
                     gint64       min,
                     gint64       max,
                     GError     **error)
{
  /* Numbers formatted apart so that translators see no G_GINT64_FORMAT macro. */
  g_autofree char *smin = g_strdup_printf ("%" G_GINT64_FORMAT, min);
  g_autofree char *smax = g_strdup_printf ("%" G_GINT64_FORMAT, max);

  g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
               _("%s: must be between %s and %s"), field, smin, smax);
}

gboolean
wm_parse_int (const char  *field,
              const char  *value,
              gint64       min,
              gint64       max,
              gboolean     required,
              gint64      *out,
              GError     **error)
{
  g_autofree char *trimmed = NULL;
  const char *digits;
  char *end = NULL;
  gint64 v;

  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (min <= max, FALSE);

  if (wm_value_is_blank (value))
    {
      if (required)
        return fail_required (field, error);
      if (out != NULL)
        *out = 0;
      return TRUE;
    }

  trimmed = trimmed_copy (value);
  digits = trimmed + (trimmed[0] == '+' || trimmed[0] == '-');
  if (digits[0] == '\0' || digits[strspn (digits, "0123456789")] != '\0')
    {
      g_autofree char *s = shown (trimmed);

      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                   _("%s: “%s” is not a whole number"), field, s);
      return FALSE;
    }

  errno = 0;
  v = g_ascii_strtoll (trimmed, &end, 10);
  if (errno == ERANGE || v < min || v > max)
    {
      set_int_range_error (field, min, max, error);
      return FALSE;
    }

  if (out != NULL)
    *out = v;
  return TRUE;
}

gboolean
wm_parse_bool (const char  *field,
               const char  *value,
               gboolean     required,
               gboolean    *out,
               GError     **error)
{
  static const char * const yes[] = { "yes", "true", "1" };
  static const char * const no[] = { "no", "false", "0" };
  g_autofree char *trimmed = NULL;
  g_autofree char *s = NULL;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    {
      if (required)
        return fail_required (field, error);
      if (out != NULL)
        *out = FALSE;
      return TRUE;
    }

  trimmed = trimmed_copy (value);
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (trimmed, yes[i]) == 0)
        {
          if (out != NULL)
            *out = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (trimmed, no[i]) == 0)
        {
          if (out != NULL)
            *out = FALSE;
          return TRUE;
        }
    }

  s = shown (trimmed);
  g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
               _("%s: must be yes or no, not “%s”"), field, s);
  return FALSE;
}

gboolean
wm_parse_date (const char  *field,
               const char  *value,
               gboolean     required,
               char       **normalised,
               GError     **error)
{
  g_autofree char *trimmed = NULL;
  guint year, month, day;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    {
      if (required)
        return fail_required (field, error);
      if (normalised != NULL)
        *normalised = NULL;
      return TRUE;
    }

  /* Only ISO 8601: "01/02/2025" means different days in the UK and the US, and a spreadsheet
   * that reformatted the dates should be caught rather than guessed at. */
  trimmed = trimmed_copy (value);
  for (guint i = 0; i < 10; i++)
    {
      gboolean dash = (i == 4 || i == 7);

      if (trimmed[i] == '\0' || (dash ? trimmed[i] != '-' : !g_ascii_isdigit (trimmed[i])))
        goto malformed;
    }
  if (trimmed[10] != '\0')
    goto malformed;

  year = (guint) atoi (trimmed);
  month = (guint) atoi (trimmed + 5);
  day = (guint) atoi (trimmed + 8);
  if (year < 1900 || year > 2200)
    {
      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_RANGE,
                   _("%s: the year must be between 1900 and 2200"), field);
      return FALSE;
    }
  if (month < 1 || month > 12 || day < 1
      || !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    {
      g_autofree char *s = shown (trimmed);

      g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                   _("%s: “%s” is not a real date"), field, s);
      return FALSE;
    }

  if (normalised != NULL)
    *normalised = g_steal_pointer (&trimmed);
  return TRUE;

malformed:
  {
    g_autofree char *s = shown (trimmed);

    g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                 _("%s: “%s” is not a date in the form YYYY-MM-DD"), field, s);
    return FALSE;
  }
}

static void
set_not_in_vocab_error (const char  *field,
                        WmVocab      vocab,
                        const char  *value,
                        GError     **error)
{
  g_autoptr(GString) codes = g_string_new (NULL);
  g_autofree char *s = shown (value);
  const WmVocabEntry *entries;
  guint n;

  entries = wm_vocab_entries (vocab, &n);
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (codes, ", ");
      g_string_append (codes, entries[i].code);
    }
  g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
               _("%s: “%s” is not one of %s"), field, s, codes->str);
}

gboolean
wm_validate_enum (const char  *field,
                  WmVocab      vocab,
                  const char  *value,
                  gboolean     required,
                  GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (vocab < WM_VOCAB_N, FALSE);

  if (wm_value_is_blank (value))
    return required ? fail_required (field, error) : TRUE;

  if (!wm_vocab_contains (vocab, value))
    {
      set_not_in_vocab_error (field, vocab, value, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
wm_parse_code_list (const char   *field,
                    WmVocab       vocab,
                    const char   *value,
                    char       ***out,
                    GError      **error)
{
  g_autoptr(GPtrArray) codes = NULL;
  g_auto(GStrv) items = NULL;

  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (vocab < WM_VOCAB_N, FALSE);

  codes = g_ptr_array_new_with_free_func (g_free);
  items = g_strsplit (value != NULL ? value : "", ";", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *item = trimmed_copy (items[i]);

      if (item[0] == '\0')
        continue;
      if (!wm_vocab_contains (vocab, item))
        {
          set_not_in_vocab_error (field, vocab, item, error);
          return FALSE;
        }
      if (!g_ptr_array_find_with_equal_func (codes, item, g_str_equal, NULL))
        g_ptr_array_add (codes, g_steal_pointer (&item));
    }

  if (out != NULL)
    {
      g_ptr_array_add (codes, NULL);
      *out = (char **) g_ptr_array_free (g_steal_pointer (&codes), FALSE);
    }
  return TRUE;
}

gboolean
wm_validate_birth_year (const char  *field,
                        gint64       year,
                        GError     **error)
{
  /* UTC: the local zone means re-reading /etc/localtime on every call, which showed in bulk
   * imports, and a year's boundary a few hours off does not matter for a birth year. */
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gint64 this_year = g_date_time_get_year (now);

  g_return_val_if_fail (field != NULL, FALSE);

  if (year < 1900 || year > this_year)
    {
      set_int_range_error (field, 1900, this_year, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
wm_validate_case_reference (const char  *field,
                            const char  *value,
                            GError     **error)
{
  gsize len, n_digits;
  guint year;

  g_return_val_if_fail (field != NULL, FALSE);

  if (wm_value_is_blank (value))
    return fail_required (field, error);

  /* WM-YYYY-N...: the number part is at most 9 digits so that it always fits an int. */
  len = strlen (value);
  n_digits = len > 8 ? len - 8 : 0;
  if (!g_str_has_prefix (value, "WM-") || len < 12 || len > 17 || value[7] != '-'
      || strspn (value + 3, "0123456789") != 4
      || strspn (value + 8, "0123456789") != n_digits)
    goto invalid;

  year = (guint) atoi (value + 3);
  if (year < 1900 || year > 2200)
    goto invalid;
  return TRUE;

invalid:
  {
    g_autofree char *s = shown (value);

    g_set_error (error, WM_VALIDATION_ERROR, WM_VALIDATION_ERROR_INVALID,
                 _("%s: “%s” is not a case reference like WM-2025-0001"), field, s);
    return FALSE;
  }
}

struct _WmValidationReport
{
  GPtrArray *problems; /* of char *, already formatted */
};

WmValidationReport *
wm_validation_report_new (void)
{
  WmValidationReport *report = g_new0 (WmValidationReport, 1);

  report->problems = g_ptr_array_new_with_free_func (g_free);
  return report;
}

void
wm_validation_report_free (WmValidationReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->problems);
  g_free (report);
}

void
wm_validation_report_add (WmValidationReport *report,
                          guint               line,
                          const GError       *err)
{
  g_return_if_fail (report != NULL);
  g_return_if_fail (err != NULL);

  /* "line N: " is not translated: scripts read import reports (see DESIGN.md, Interfaces). */
  if (line > 0)
    g_ptr_array_add (report->problems, g_strdup_printf ("line %u: %s", line, err->message));
  else
    g_ptr_array_add (report->problems, g_strdup (err->message));
}

gboolean
wm_validation_report_take (WmValidationReport  *report,
                           guint                line,
                           GError             **error)
{
  g_return_val_if_fail (report != NULL, FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  if (*error == NULL)
    return FALSE;
  wm_validation_report_add (report, line, *error);
  g_clear_error (error);
  return TRUE;
}

guint
wm_validation_report_n_problems (WmValidationReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->problems->len;
}

char *
wm_validation_report_format (WmValidationReport *report)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (report != NULL, NULL);

  for (guint i = 0; i < report->problems->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, '\n');
      g_string_append (s, g_ptr_array_index (report->problems, i));
    }
  return g_string_free (s, FALSE);
}
