/* wm-letter.c: referral letters: filling in templates, A4 layout with Pango, PDF output.
 *
 * A letter is laid out once, against a Pango context of its own with hinting off and 72
 * units to the inch, so a line breaks in the same place in the preview, on the printer and
 * in the PDF. Every line of text is then placed on a page (a line is never cut in two), and
 * drawing a page only replays the lines placed on it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wm-letter.h"
#include "wm-vocab.h"

G_DEFINE_QUARK (wm-letter-error-quark, wm_letter_error)

/* Templates and placeholders */

static const WmLetterBuiltin builtins[] = {
  {
    WM_LETTER_THERAPIST_REFERRAL,
    /* Translators: a letter template; keep every {placeholder} exactly as it is, and the
     * tab (\t) between a label and its value. */
    N_("Referral of a new client"),
    N_("Dear {therapist.salutation},\n"
       "\n"
       "We would like to refer the client below to you. They have agreed to the referral and "
       "to our sharing these details with you. Please contact them within five working days, "
       "using only the contact method shown, and let us know when you have made contact, or "
       "straight away if you are unable to take them on.\n"
       "\n"
       "Client:\t{client.name}\n"
       "Our reference:\t{case.reference}\n"
       "Contact safely:\t{case.contact_method}\n"
       "Address:\t{client.address}\n"
       "Needs:\t{case.needs}\n"
       "Preferences:\t{case.preferences}\n"
       "Situation:\t{case.category}\n"
       "Justice system:\t{case.cjs_status}\n"
       "Risk:\t{case.risk_summary}\n"
       "\n"
       "# Notes from the enquiry\n"
       "\n"
       "{case.notes}\n"
       "\n"
       "Please keep this letter securely and quote our reference {case.reference} whenever you "
       "contact us about this client. If you have any questions, please contact me using the "
       "details at the top of this letter."),
  },
  {
    WM_LETTER_CLIENT_REFERRAL,
    /* Translators: a letter template; keep every {placeholder} exactly as it is, and the
     * tab (\t) between a label and its value. */
    N_("Your referral"),
    N_("Dear {client.given_name},\n"
       "\n"
       "Thank you for getting in touch with {organisation.name}. As we agreed, we have "
       "referred you to a therapist near you who is trained to help with what you told us "
       "about. Their details are:\n"
       "\n"
       "Name:\t{therapist.name}\n"
       "Address:\t{therapist.address}\n"
       "Telephone:\t{therapist.phone}\n"
       "E-mail:\t{therapist.email}\n"
       "Sessions:\t{therapist.sessions}\n"
       "\n"
       "# What happens next\n"
       "\n"
       "{therapist.given_name} has your details and will contact you within the next few "
       "days, in the way you agreed with us. Your first session is an assessment: a chance "
       "for you both to decide whether to work together. Fees are agreed between you and "
       "your therapist.\n"
       "\n"
       "If you have not heard from them within a week, or if you have any questions, please "
       "contact us using the details at the top of this letter, quoting our reference "
       "{case.reference}."),
  },
  {
    WM_LETTER_CLIENT_DISCREET,
    /* Translators: a letter that may be read by others: it must not say what the service is
     * about (no therapy, offending, abuse or sexual matters). Keep every {placeholder}
     * exactly as it is, and the tab (\t) between a label and its value. */
    N_("Your appointment"),
    N_("Dear {client.given_name},\n"
       "\n"
       "Following our recent conversation, here are the details of the person who will be "
       "in touch with you to arrange an appointment:\n"
       "\n"
       "Name:\t{therapist.name}\n"
       "Address:\t{therapist.address}\n"
       "Telephone:\t{therapist.phone}\n"
       "E-mail:\t{therapist.email}\n"
       "\n"
       "They will contact you within the next few days, in the way you agreed with us.\n"
       "\n"
       "If you have not heard from them within a week, or if you would like to change "
       "anything, please contact us using the details at the top of this letter and quote "
       "the reference {case.reference}."),
  },
};

static const WmLetterPlaceholder placeholders[] = {
  { "client.name", N_("The client's name: the name they go by and their family name"), TRUE },
  { "client.given_name",
    N_("What to call the client: their preferred name, else their given name"), TRUE },
  { "client.family_name", N_("The client's family name"), TRUE },
  { "client.address", N_("The client's postal address, town and postcode, a line each"), TRUE },
  { "client.phone", N_("The client's telephone number"), TRUE },
  { "client.email", N_("The client's e-mail address"), TRUE },
  { "case.reference", N_("The case reference (WM-YYYY-NNNN)"), TRUE },
  { "case.opened", N_("The date the case was opened"), TRUE },
  { "case.contact_method",
    N_("How the client may be contacted safely: telephone and voicemail, e-mail, letters"), TRUE },
  { "case.category", N_("Why the client came to the service"), FALSE },
  { "case.cjs_status", N_("Where the client stands with the criminal justice system"), FALSE },
  { "case.needs", N_("The specialisms the client needs"), FALSE },
  { "case.preferences",
    N_("The client's wishes: further specialisms, gender, language, online sessions, distance, "
       "funding"), FALSE },
  { "case.risk_summary",
    N_("The risks recorded on the case: urgent, safeguarding, self-harm"), FALSE },
  { "case.notes", N_("The case notes"), FALSE },
  { "therapist.name", N_("The therapist's name, with their title"), TRUE },
  { "therapist.given_name", N_("The therapist's given name"), TRUE },
  { "therapist.salutation",
    N_("The therapist as a letter addresses them: “Dr Fairbairn”, or their full name when they "
       "have no title"), TRUE },
  { "therapist.address", N_("The therapist's address, town and postcode, a line each"), TRUE },
  { "therapist.phone", N_("The therapist's telephone number"), TRUE },
  { "therapist.email", N_("The therapist's e-mail address"), TRUE },
  { "therapist.sessions", N_("How the therapist sees clients: in person, online or both"), TRUE },
  { "organisation.name",
    N_("The organisation's name; on a discreet letter, the neutral sender name"), TRUE },
  { "organisation.address", N_("The organisation's address"), TRUE },
  { "organisation.phone", N_("The organisation's telephone number"), TRUE },
  { "organisation.email",
    N_("The organisation's e-mail address (empty on a discreet letter)"), TRUE },
  { "organisation.charity_number",
    N_("The organisation's charity number (empty on a discreet letter)"), TRUE },
  { "date", N_("Today's date, such as 27 November 2026"), TRUE },
  { "coordinator.name", N_("The name of the person sending the letter"), TRUE },
};

/* Words a discreet letter must never contain (matched ignoring case, inside words too, so
 * "offend" catches "offender"), besides the specialism labels and the organisation's name. */
static const char * const sensitive_terms[] = {
  "offend", "offence", "offense", "sexual", "abuse", "paedophil", "pedophil", "paraphil",
  "indecent",
};

#define DEFAULT_DISCREET_SENDER N_("The Appointments Office")

const WmLetterPlaceholder *
wm_letter_placeholders (guint *n_placeholders)
{
  if (n_placeholders != NULL)
    *n_placeholders = G_N_ELEMENTS (placeholders);
  return placeholders;
}

const WmLetterBuiltin *
wm_letter_builtin_templates (guint *n_templates)
{
  if (n_templates != NULL)
    *n_templates = G_N_ELEMENTS (builtins);
  return builtins;
}

static const WmLetterPlaceholder *
find_placeholder (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
    if (strcmp (placeholders[i].name, name) == 0)
      return &placeholders[i];
  return NULL;
}

WmLetterRecipient
wm_letter_recipient_for (const char *template_name)
{
  g_return_val_if_fail (template_name != NULL, WM_LETTER_TO_CLIENT_DISCREET);

  if (strstr (template_name, "discreet") != NULL)
    return WM_LETTER_TO_CLIENT_DISCREET;
  if (g_str_has_prefix (template_name, "therapist-"))
    return WM_LETTER_TO_THERAPIST;
  return WM_LETTER_TO_CLIENT;
}

/* Appends a value where a placeholder stood. On a "Label<TAB>value" line the value's further
 * lines start with a tab, so they hang under its first line; tabs inside values are spaces so
 * a value cannot make columns of its own, and a value line cannot turn into a heading. */
static void
append_value (GString    *out,
              const char *value,
              gboolean    in_column)
{
  g_autofree char *text = g_strstrip (g_strdup (value != NULL ? value : ""));
  gboolean line_start = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (line_start && p[0] == '#' && p[1] == ' ')
        g_string_append (out, "\xe2\x81\xa0"); /* U+2060 WORD JOINER: invisible */
      line_start = FALSE;
      if (*p == '\r')
        continue;
      if (*p == '\t')
        g_string_append_c (out, ' ');
      else if (*p == '\n')
        {
          g_string_append (out, in_column ? "\n\t" : "\n");
          line_start = TRUE;
        }
      else
        g_string_append_c (out, *p);
    }
}

/* Replaces each {placeholder} of @text with its value from @values; with @values NULL, with
 * nothing (to check a template). The names used are added to @used when it is not NULL. */
static char *
expand (const char  *text,
        GHashTable  *values,
        GPtrArray   *used,
        GError     **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean line_has_tab = FALSE;
  const char *p = text != NULL ? text : "";

  while (*p != '\0')
    {
      if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}'))
        {
          g_string_append_c (out, p[0]);
          p += 2;
          continue;
        }
      if (*p == '{')
        {
          const char *end = p + 1;
          g_autofree char *name = NULL;

          while (*end != '\0' && *end != '}' && *end != '{' && *end != '\n')
            end++;
          if (*end != '}')
            {
              g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE,
                           _("template: “{” without a closing “}”"));
              return NULL;
            }
          name = g_strndup (p + 1, end - p - 1);
          if (find_placeholder (name) == NULL)
            {
              g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE,
                           _("template: unknown placeholder “{%s}”"), name);
              return NULL;
            }
          if (values != NULL)
            append_value (out, g_hash_table_lookup (values, name), line_has_tab);
          if (used != NULL)
            g_ptr_array_add (used, g_steal_pointer (&name));
          p = end + 1;
          continue;
        }
      if (*p == '\n')
        line_has_tab = FALSE;
      else if (*p == '\t')
        line_has_tab = TRUE;
      if (*p != '\r')
        g_string_append_c (out, *p);
      p++;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The first sensitive term in @text, or NULL. @org_name (may be NULL) counts as one. */
static const char *
find_sensitive_term (const char *text,
                     const char *org_name)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);
  const WmVocabEntry *specialisms;
  guint n;

  for (guint i = 0; i < G_N_ELEMENTS (sensitive_terms); i++)
    if (strstr (folded, sensitive_terms[i]) != NULL)
      return sensitive_terms[i];

  specialisms = wm_vocab_entries (WM_VOCAB_SPECIALISM, &n);
  for (guint i = 0; i < n; i++)
    {
      const char *labels[] = { specialisms[i].label, _(specialisms[i].label) };

      for (guint j = 0; j < G_N_ELEMENTS (labels); j++)
        {
          g_autofree char *label = g_utf8_casefold (labels[j], -1);

          if (strstr (folded, label) != NULL)
            return labels[j];
        }
    }

  if (org_name != NULL && *org_name != '\0')
    {
      g_autofree char *name = g_utf8_casefold (org_name, -1);

      if (strstr (folded, name) != NULL)
        return org_name;
    }
  return NULL;
}

static gboolean
check_name (const char  *name,
            GError     **error)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0)
    {
      g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE, _("name: is required"));
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      {
        g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE,
                     _("name: use only lower-case letters, digits and hyphens"));
        return FALSE;
      }
  if (len > 40 || g_str_equal (name, WM_LETTER_AUTO))
    {
      g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE,
                   len > 40 ? _("name: is too long (at most 40 characters)")
                            : _("name: “auto” is reserved"));
      return FALSE;
    }
  return TRUE;
}

gboolean
wm_letter_check_template (const char  *name,
                          const char  *title,
                          const char  *body,
                          GError     **error)
{
  g_autoptr(GPtrArray) used = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title_text = NULL;
  g_autofree char *body_text = NULL;
  g_autofree char *all = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (body != NULL ? body : ""));
  const char *term;

  if (!check_name (name, error))
    return FALSE;
  if (*stripped == '\0')
    {
      g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE, _("body: is required"));
      return FALSE;
    }
  title_text = expand (title, NULL, used, error);
  if (title_text == NULL)
    return FALSE;
  body_text = expand (body, NULL, used, error);
  if (body_text == NULL)
    return FALSE;
  if (wm_letter_recipient_for (name) != WM_LETTER_TO_CLIENT_DISCREET)
    return TRUE;

  for (guint i = 0; i < used->len; i++)
    if (!find_placeholder (g_ptr_array_index (used, i))->discreet_ok)
      {
        g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE,
                     _("template: “{%s}” cannot be used in a discreet letter"),
                     (const char *) g_ptr_array_index (used, i));
        return FALSE;
      }
  all = g_strconcat (title_text, "\n", body_text, NULL);
  term = find_sensitive_term (all, NULL);
  if (term != NULL)
    {
      g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_TEMPLATE,
                   _("template: a discreet letter cannot mention “%s”"), term);
      return FALSE;
    }
  return TRUE;
}

/* Settings and values */

static char *
get_setting (WmStore    *store,
             const char *key)
{
  char *value = wm_store_get_setting (store, key);

  if (value != NULL && *g_strstrip (value) == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

static gboolean
setting_is_yes (WmStore    *store,
                const char *key)
{
  g_autofree char *value = get_setting (store, key);

  return value != NULL && (g_ascii_strcasecmp (value, "yes") == 0
                           || g_ascii_strcasecmp (value, "true") == 0
                           || g_str_equal (value, "1"));
}

gboolean
wm_letter_needs_discretion (WmStore *store,
                            WmCase  *kase)
{
  g_return_val_if_fail (WM_IS_STORE (store), TRUE);
  g_return_val_if_fail (WM_IS_CASE (kase), TRUE);

  return !wm_case_get_client (kase)->contact_letter_ok
         || setting_is_yes (store, "org.name_sensitive");
}

const char *
wm_letter_resolve_template_name (WmStore    *store,
                                 WmCase     *kase,
                                 const char *template_name)
{
  if (g_strcmp0 (template_name, WM_LETTER_AUTO) != 0)
    return template_name;
  return wm_letter_needs_discretion (store, kase) ? WM_LETTER_CLIENT_DISCREET
                                                  : WM_LETTER_CLIENT_REFERRAL;
}

char *
wm_letter_format_date (GDateTime *date)
{
  static const char * const months[] = {
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
    N_("December"),
  };

  g_return_val_if_fail (date != NULL, NULL);
  /* Translators: a date on a letter: day, month name, year ("27 November 2026"). */
  return g_strdup_printf (_("%d %s %d"), g_date_time_get_day_of_month (date),
                          _(months[g_date_time_get_month (date) - 1]),
                          g_date_time_get_year (date));
}

/* "2026-11-27…" → "27 November 2026"; anything else as it is. */
static char *
format_iso_date (const char *iso)
{
  int y, m, d;

  if (iso != NULL && sscanf (iso, "%4d-%2d-%2d", &y, &m, &d) == 3)
    {
      g_autoptr(GDateTime) date = g_date_time_new_utc (y, m, d, 0, 0, 0);

      if (date != NULL)
        return wm_letter_format_date (date);
    }
  return g_strdup (iso != NULL ? iso : "");
}

static gboolean
has_text (const char *s)
{
  return s != NULL && *s != '\0';
}

/* An address as lines: the address field (split at newlines, or at commas when it is all on
 * one line), then the town and the postcode unless the address already holds them. */
static char *
address_lines (const char *address,
               const char *town,
               const char *postcode)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *folded = g_utf8_casefold (address != NULL ? address : "", -1);
  g_auto(GStrv) parts = NULL;

  if (has_text (address))
    parts = g_strsplit_set (address, strchr (address, '\n') != NULL ? "\n" : ",", -1);
  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    if (*g_strstrip (parts[i]) != '\0')
      g_ptr_array_add (lines, g_strdup (parts[i]));
  if (has_text (town))
    {
      g_autofree char *t = g_utf8_casefold (town, -1);

      if (strstr (folded, t) == NULL)
        g_ptr_array_add (lines, g_strdup (town));
    }
  if (has_text (postcode))
    {
      g_autofree char *pc = g_utf8_casefold (postcode, -1);

      if (strstr (folded, pc) == NULL)
        g_ptr_array_add (lines, g_strdup (postcode));
    }
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

static char *
labels_of (WmVocab      vocab,
           char * const *codes)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    g_ptr_array_add (labels, (gpointer) wm_vocab_label (vocab, codes[i]));
  g_ptr_array_add (labels, NULL);
  return g_strjoinv (", ", (char **) labels->pdata);
}

static char *
contact_method (WmClient *client)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  if (has_text (client->phone))
    g_ptr_array_add (lines, g_strdup_printf (client->contact_voicemail_ok
                                               ? _("Telephone %s (messages may be left)")
                                               : _("Telephone %s (do not leave messages)"),
                                             client->phone));
  if (has_text (client->email) && client->contact_email_ok)
    g_ptr_array_add (lines, g_strdup_printf (_("E-mail %s"), client->email));
  if (client->contact_letter_ok)
    g_ptr_array_add (lines, g_strdup (_("Letters may be sent to the address below")));
  else
    g_ptr_array_add (lines, g_strdup (_("Do not send letters")));
  if (has_text (client->email) && !client->contact_email_ok)
    g_ptr_array_add (lines, g_strdup (_("Do not send e-mails")));
  if (!has_text (client->phone) && !(has_text (client->email) && client->contact_email_ok)
      && !client->contact_letter_ok)
    g_ptr_array_add (lines, g_strdup (_("No safe way to contact them is recorded: please "
                                        "ask us first")));
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

static char *
preferences (WmCase *kase)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  if (kase->desired != NULL && kase->desired[0] != NULL)
    {
      g_autofree char *labels = labels_of (WM_VOCAB_SPECIALISM, kase->desired);

      g_ptr_array_add (lines, g_strdup_printf (_("Would also like help with: %s"), labels));
    }
  if (has_text (kase->preferred_gender) && !g_str_equal (kase->preferred_gender, "unknown"))
    {
      const char *gender = wm_vocab_label (WM_VOCAB_GENDER, kase->preferred_gender);
      g_autofree char *lower = g_utf8_strdown (gender, -1);

      g_ptr_array_add (lines, g_strdup_printf (kase->gender_required
                                                 ? _("Needs a %s therapist")
                                                 : _("Would prefer a %s therapist"),
                                               lower));
    }
  if (has_text (kase->language) && g_ascii_strcasecmp (kase->language, "English") != 0)
    g_ptr_array_add (lines, g_strdup_printf (_("Language: %s"), kase->language));
  g_ptr_array_add (lines, g_strdup (kase->online_ok ? _("Happy to meet online")
                                                    : _("In person only")));
  if (kase->max_distance_km > 0)
    g_ptr_array_add (lines, g_strdup_printf (_("Can travel up to %d km"),
                                             (int) kase->max_distance_km));
  if (has_text (kase->funding))
    g_ptr_array_add (lines, g_strdup_printf (_("Funding: %s"),
                                             wm_vocab_label (WM_VOCAB_FUNDING, kase->funding)));
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

static char *
risk_summary (WmCase *kase)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new ();

  if (kase->urgent)
    g_ptr_array_add (lines, _("Urgent"));
  if (kase->risk_safeguarding)
    g_ptr_array_add (lines, _("Safeguarding concern: a child or vulnerable adult may be at "
                              "risk. Please call us before the first session"));
  if (kase->risk_self_harm)
    g_ptr_array_add (lines, _("Risk of suicide or self-harm"));
  if (kase->police_aware)
    g_ptr_array_add (lines, _("The police are aware"));
  if (lines->len == 0)
    g_ptr_array_add (lines, _("No risks recorded"));
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

static char *
sessions (WmTherapist *t)
{
  if (t->in_person && t->online)
    return g_strdup (_("In person and online"));
  if (t->online)
    return g_strdup (_("Online"));
  return g_strdup (_("In person"));
}

/* "Dr Fairbairn"; without a title, the whole name. */
static char *
salutation (WmTherapist *t)
{
  if (has_text (t->title) && has_text (t->family_name))
    return g_strdup_printf ("%s %s", t->title, t->family_name);
  return g_strstrip (wm_therapist_dup_display_name (t));
}

static char *
coordinator_name (WmStore *store)
{
  char *name = wm_store_dup_actor_name (store);

  if (has_text (name))
    return name;
  g_free (name);
  return get_setting (store, "org.signatory");
}

/* What sent the letter: the organisation, or on a discreet letter the neutral sender. */
typedef struct
{
  char *name;
  char *address;
  char *phone;
  char *email;
  char *charity_number;
  char *real_name;          /* the organisation's own name, whatever the letter shows */
} Sender;

static void
sender_clear (Sender *s)
{
  g_free (s->name);
  g_free (s->address);
  g_free (s->phone);
  g_free (s->email);
  g_free (s->charity_number);
  g_free (s->real_name);
}

static void
sender_load (Sender   *s,
             WmStore  *store,
             gboolean  discreet)
{
  s->real_name = get_setting (store, "org.name");
  s->phone = get_setting (store, "org.phone");
  if (!discreet)
    {
      s->name = g_strdup (s->real_name != NULL ? s->real_name : "");
      s->address = get_setting (store, "org.address");
      s->email = get_setting (store, "org.email");
      s->charity_number = get_setting (store, "org.charity_number");
      return;
    }
  s->name = get_setting (store, "org.discreet_sender");
  if (s->name == NULL)
    s->name = g_strdup (_(DEFAULT_DISCREET_SENDER));
  s->address = get_setting (store, "org.discreet_address");
  if (s->address == NULL)
    s->address = get_setting (store, "org.address");
}

static void
put (GHashTable *values,
     const char *name,
     char       *value)
{
  g_assert (find_placeholder (name) != NULL);
  g_hash_table_replace (values, (gpointer) name, value != NULL ? value : g_strdup (""));
}

static GHashTable *
collect_values (WmStore      *store,
                WmCase       *kase,
                WmTherapist  *t,
                const Sender *sender,
                const char   *date_text)
{
  GHashTable *v = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  WmClient *c = wm_case_get_client (kase);

  put (v, "client.name", g_strstrip (wm_client_dup_display_name (c)));
  put (v, "client.given_name", g_strdup (has_text (c->preferred_name) ? c->preferred_name
                                                                      : c->given_name));
  put (v, "client.family_name", g_strdup (c->family_name));
  put (v, "client.address", address_lines (c->address, c->town, c->postcode));
  put (v, "client.phone", g_strdup (c->phone));
  put (v, "client.email", g_strdup (c->email));
  put (v, "case.reference", g_strdup (kase->reference));
  put (v, "case.opened", format_iso_date (kase->opened_at));
  put (v, "case.contact_method", contact_method (c));
  put (v, "case.category", g_strdup (wm_vocab_label (WM_VOCAB_CATEGORY, kase->category)));
  put (v, "case.cjs_status", g_strdup (wm_vocab_label (WM_VOCAB_CJS_STATUS, kase->cjs_status)));
  put (v, "case.needs", kase->needs != NULL && kase->needs[0] != NULL
                          ? labels_of (WM_VOCAB_SPECIALISM, kase->needs)
                          : g_strdup (_("None recorded")));
  put (v, "case.preferences", preferences (kase));
  put (v, "case.risk_summary", risk_summary (kase));
  put (v, "case.notes", g_strdup (has_text (kase->notes) ? kase->notes : _("None recorded.")));
  put (v, "therapist.name", g_strstrip (wm_therapist_dup_display_name (t)));
  put (v, "therapist.given_name", g_strdup (t->given_name));
  put (v, "therapist.salutation", salutation (t));
  put (v, "therapist.address", address_lines (t->address, t->town, t->postcode));
  put (v, "therapist.phone", g_strdup (t->phone));
  put (v, "therapist.email", g_strdup (t->email));
  put (v, "therapist.sessions", sessions (t));
  put (v, "organisation.name", g_strdup (sender->name));
  put (v, "organisation.address", g_strdup (sender->address));
  put (v, "organisation.phone", g_strdup (sender->phone));
  put (v, "organisation.email", g_strdup (sender->email));
  put (v, "organisation.charity_number", g_strdup (sender->charity_number));
  put (v, "date", g_strdup (date_text));
  put (v, "coordinator.name", coordinator_name (store));
  return v;
}

/* Layout */

#define MM (72.0 / 25.4)
#define MARGIN_LEFT (25 * MM)
#define MARGIN_RIGHT (20 * MM)
#define TEXT_WIDTH (WM_LETTER_PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT)
#define LETTERHEAD_TOP (14 * MM)
/* A DL window envelope shows about 50–90 mm from the top of a letter folded in three. */
#define ADDRESS_TOP (50 * MM)
#define ADDRESS_WIDTH (85 * MM)
#define FIRST_BODY_MIN_TOP (95 * MM)
#define CONTINUATION_TOP (28 * MM)
#define BODY_BOTTOM (WM_LETTER_PAGE_HEIGHT - 24 * MM)
#define FOOTER_BASELINE (WM_LETTER_PAGE_HEIGHT - 12 * MM)

#define FONT_FAMILY "DejaVu Sans, Cantarell, sans-serif"
#define BODY_SIZE 10.0
#define SMALL_SIZE 8.0
#define PARAGRAPH_GAP 7.0
#define GREY 0.33

typedef struct
{
  PangoLayout *layout;
  int line;
  int page;
  double x;
  double baseline;
  double grey;
} PlacedLine;

typedef struct
{
  int page;
  double x0, x1, y;
} Rule;

typedef struct
{
  PangoLayout *layout;
  double space_before;
  gboolean keep_with_next;  /* headings */
  gboolean keep_together;   /* the signature */
} Block;

struct _WmLetter
{
  GObject parent_instance;

  char *template_name;
  char *reference;
  char *date_text;
  gboolean discreet;
  PangoContext *context;
  GArray *lines;            /* PlacedLine */
  GArray *rules;            /* Rule */
  int n_pages;
  GString *text;            /* everything the letter shows, for the discretion check */
};

G_DEFINE_FINAL_TYPE (WmLetter, wm_letter, G_TYPE_OBJECT)

static void
placed_line_clear (gpointer data)
{
  g_object_unref (((PlacedLine *) data)->layout);
}

static void
wm_letter_finalize (GObject *object)
{
  WmLetter *self = WM_LETTER (object);

  g_free (self->template_name);
  g_free (self->reference);
  g_free (self->date_text);
  g_clear_object (&self->context);
  g_array_unref (self->lines);
  g_array_unref (self->rules);
  g_string_free (self->text, TRUE);
  G_OBJECT_CLASS (wm_letter_parent_class)->finalize (object);
}

static void
wm_letter_class_init (WmLetterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wm_letter_finalize;
}

static void
wm_letter_init (WmLetter *self)
{
  self->lines = g_array_new (FALSE, FALSE, sizeof (PlacedLine));
  g_array_set_clear_func (self->lines, placed_line_clear);
  self->rules = g_array_new (FALSE, FALSE, sizeof (Rule));
  self->text = g_string_new (NULL);
}

/* Device-independent metrics: the same breaks on screen, paper and PDF. */
static PangoContext *
letter_context_new (void)
{
  PangoContext *context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (context, options);
  cairo_font_options_destroy (options);
  pango_cairo_context_set_resolution (context, 72.0);
  pango_context_set_round_glyph_positions (context, FALSE);
  pango_context_set_language (context, pango_language_from_string ("en-gb"));
  return context;
}

static PangoLayout *
make_layout (WmLetter       *self,
             const char     *text,
             double          size,
             PangoWeight     weight,
             double          width,
             PangoAlignment  alignment)
{
  PangoLayout *layout = pango_layout_new (self->context);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);

  pango_font_description_set_size (font, (int) (size * PANGO_SCALE));
  pango_font_description_set_weight (font, weight);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, alignment);
  pango_layout_set_line_spacing (layout, 1.2);
  /* Plain text, never markup: names and notes cannot change the formatting. */
  pango_layout_set_text (layout, text, -1);
  g_string_append (self->text, text);
  g_string_append_c (self->text, '\n');
  return layout;
}

typedef struct
{
  double top;      /* from the top of the line to its baseline */
  double height;
  double x;        /* where the line starts inside its layout (alignment, indents) */
} LineMetrics;

static GArray *
line_metrics (PangoLayout *layout)
{
  GArray *metrics = g_array_new (FALSE, FALSE, sizeof (LineMetrics));
  PangoLayoutIter *iter = pango_layout_get_iter (layout);

  do
    {
      PangoRectangle logical;
      int y0, y1;
      LineMetrics m;

      pango_layout_iter_get_line_yrange (iter, &y0, &y1);
      pango_layout_iter_get_line_extents (iter, NULL, &logical);
      m.top = (double) (pango_layout_iter_get_baseline (iter) - y0) / PANGO_SCALE;
      m.height = (double) (y1 - y0) / PANGO_SCALE;
      m.x = (double) logical.x / PANGO_SCALE;
      g_array_append_val (metrics, m);
    }
  while (pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
  return metrics;
}

static void
place_line (WmLetter    *self,
            PangoLayout *layout,
            int          line,
            int          page,
            double       x,
            double       baseline,
            double       grey)
{
  PlacedLine placed = { g_object_ref (layout), line, page, x, baseline, grey };

  g_array_append_val (self->lines, placed);
}

/* Places a whole layout with its top-left corner at (@x, @y); returns its bottom. */
static double
place_fixed (WmLetter    *self,
             PangoLayout *layout,
             int          page,
             double       x,
             double       y,
             double       grey)
{
  g_autoptr(GArray) metrics = line_metrics (layout);

  for (guint i = 0; i < metrics->len; i++)
    {
      const LineMetrics *m = &g_array_index (metrics, LineMetrics, i);

      place_line (self, layout, i, page, x + m->x, y + m->top, grey);
      y += m->height;
    }
  g_object_unref (layout);
  return y;
}

static double
block_height (const GArray *metrics,
              guint         n_lines)
{
  double h = 0;

  for (guint i = 0; i < MIN (n_lines, metrics->len); i++)
    h += g_array_index (metrics, LineMetrics, i).height;
  return h;
}

/* Flows the body blocks from @top on the first page on, line by line; returns the number of
 * pages. A page break falls between lines, never through one; a heading stays with the
 * start of what follows it, a paragraph does not leave its first line alone at the foot of a
 * page, and the signature is never split. */
static int
flow_blocks (WmLetter *self,
             GArray   *blocks,
             double    top)
{
  g_autoptr(GPtrArray) metrics = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  int page = 0;
  double y = top;
  gboolean page_empty = TRUE;

  for (guint i = 0; i < blocks->len; i++)
    g_ptr_array_add (metrics, line_metrics (g_array_index (blocks, Block, i).layout));

  for (guint i = 0; i < blocks->len; i++)
    {
      const Block *b = &g_array_index (blocks, Block, i);
      const GArray *m = g_ptr_array_index (metrics, i);
      double space = page_empty ? 0 : b->space_before;
      double need = block_height (m, b->keep_together ? m->len : 2);

      if (b->keep_with_next && i + 1 < blocks->len)
        need += g_array_index (blocks, Block, i + 1).space_before
                + block_height (g_ptr_array_index (metrics, i + 1), 2);
      if (!page_empty && y + space + need > BODY_BOTTOM)
        {
          page++;
          y = CONTINUATION_TOP;
          page_empty = TRUE;
          space = 0;
        }
      y += space;
      for (guint j = 0; j < m->len; j++)
        {
          const LineMetrics *lm = &g_array_index (m, LineMetrics, j);

          if (!page_empty && y + lm->height > BODY_BOTTOM)
            {
              page++;
              y = CONTINUATION_TOP;
            }
          place_line (self, b->layout, j, page, MARGIN_LEFT + lm->x, y + lm->top, 0);
          y += lm->height;
          page_empty = FALSE;
        }
    }
  return page + 1;
}

/* The widest "Label" of the "Label<TAB>value" lines, so every value starts in one column. */
static double
column_position (WmLetter   *self,
                 char      **paragraphs)
{
  g_autoptr(PangoLayout) probe = pango_layout_new (self->context);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);
  int widest = 0;

  pango_font_description_set_size (font, (int) (BODY_SIZE * PANGO_SCALE));
  pango_layout_set_font_description (probe, font);
  for (guint i = 0; paragraphs[i] != NULL; i++)
    {
      g_auto(GStrv) lines = g_strsplit (paragraphs[i], "\n", -1);

      for (guint j = 0; lines[j] != NULL; j++)
        {
          const char *tab = strchr (lines[j], '\t');
          int w;

          if (tab == NULL)
            continue;
          pango_layout_set_text (probe, lines[j], tab - lines[j]);
          pango_layout_get_size (probe, &w, NULL);
          widest = MAX (widest, w);
        }
    }
  return CLAMP ((double) widest / PANGO_SCALE + 14.0, 60.0, TEXT_WIDTH * 0.4);
}

/* Splits filled-in body text into paragraphs at blank lines, leaving out "Label<TAB>" lines
 * whose value came out empty. */
static GStrv
split_paragraphs (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GStrvBuilder) paragraphs = g_strv_builder_new ();
  g_autoptr(GString) current = g_string_new (NULL);

  for (guint i = 0; ; i++)
    {
      const char *line = lines[i];
      g_autofree char *stripped = g_strstrip (g_strdup (line != NULL ? line : ""));

      if (line == NULL || *stripped == '\0')
        {
          if (current->len > 0)
            g_strv_builder_add (paragraphs, current->str);
          g_string_truncate (current, 0);
          if (line == NULL)
            break;
          continue;
        }
      if (strchr (line, '\t') != NULL && strchr (line, '\t') != line)
        {
          g_autofree char *value = g_strstrip (g_strdup (strchr (line, '\t') + 1));

          if (*value == '\0')
            continue;
        }
      if (current->len > 0)
        g_string_append_c (current, '\n');
      g_string_append (current, line);
      while (current->len > 0 && g_ascii_isspace (current->str[current->len - 1]))
        g_string_truncate (current, current->len - 1);
    }
  return g_strv_builder_end (paragraphs);
}

/* A paragraph whose lines line up in a column: values start at @column, and their further
 * lines (a value's own, or wrapped ones) hang there too. */
static void
set_columns (PangoLayout *layout,
             double       column)
{
  PangoTabArray *tabs = pango_tab_array_new_with_positions (1, FALSE, PANGO_TAB_LEFT,
                                                            (int) (column * PANGO_SCALE));

  pango_layout_set_tabs (layout, tabs);
  pango_layout_set_indent (layout, (int) (-column * PANGO_SCALE));
  pango_tab_array_free (tabs);
}

static void
add_block (GArray      *blocks,
           PangoLayout *layout,
           double       space_before,
           gboolean     keep_with_next,
           gboolean     keep_together)
{
  Block b = { layout, space_before, keep_with_next, keep_together };

  g_array_append_val (blocks, b);
}

static void
block_clear (gpointer data)
{
  g_object_unref (((Block *) data)->layout);
}

static char *
join_nonempty (const char *separator,
               ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;
  const char *s;

  va_start (args, separator);
  while ((s = va_arg (args, const char *)) != NULL)
    if (*s != '\0')
      g_ptr_array_add (parts, (gpointer) s);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (separator, (char **) parts->pdata);
}

static void
lay_out (WmLetter      *self,
         const Sender  *sender,
         const char    *recipient,
         const char    *title,
         const char    *body,
         const char    *coordinator)
{
  g_autoptr(GArray) blocks = g_array_new (FALSE, FALSE, sizeof (Block));
  g_auto(GStrv) paragraphs = split_paragraphs (body);
  g_autofree char *org_address = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *charity = NULL;
  g_autofree char *details = NULL;
  g_autofree char *ref_date = NULL;
  g_autofree char *signature = NULL;
  double column, y, address_bottom, right_bottom;

  g_array_set_clear_func (blocks, block_clear);

  /* Letterhead, right-aligned, with a rule under it. */
  if (has_text (sender->address))
    {
      g_auto(GStrv) parts = g_strsplit (sender->address, "\n", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        g_strstrip (parts[i]);
      org_address = g_strjoinv ("\n", parts);
    }
  phone = has_text (sender->phone) ? g_strdup_printf (_("Telephone %s"), sender->phone)
                                   : g_strdup ("");
  charity = has_text (sender->charity_number)
              ? g_strdup_printf (_("Registered charity number %s"), sender->charity_number)
              : g_strdup ("");
  details = join_nonempty ("\n", org_address ? org_address : "", phone,
                           sender->email ? sender->email : "", charity, NULL);
  y = place_fixed (self, make_layout (self, sender->name, 15, PANGO_WEIGHT_BOLD, TEXT_WIDTH,
                                      PANGO_ALIGN_RIGHT),
                   0, MARGIN_LEFT, LETTERHEAD_TOP, 0.12);
  if (*details != '\0')
    y = place_fixed (self, make_layout (self, details, SMALL_SIZE, PANGO_WEIGHT_NORMAL,
                                        TEXT_WIDTH, PANGO_ALIGN_RIGHT),
                     0, MARGIN_LEFT, y + 3, GREY);
  y += 6;
  g_array_append_vals (self->rules, &(Rule) { 0, MARGIN_LEFT, MARGIN_LEFT + TEXT_WIDTH, y }, 1);

  /* The recipient, where a window envelope shows it, under "Private and confidential". */
  y = MAX (ADDRESS_TOP, y + 14);
  address_bottom = place_fixed (self, make_layout (self, _("Private and confidential"),
                                                   SMALL_SIZE + 0.5, PANGO_WEIGHT_BOLD,
                                                   ADDRESS_WIDTH, PANGO_ALIGN_LEFT),
                                0, MARGIN_LEFT, y, 0);
  address_bottom = place_fixed (self, make_layout (self, recipient, BODY_SIZE,
                                                   PANGO_WEIGHT_NORMAL, ADDRESS_WIDTH,
                                                   PANGO_ALIGN_LEFT),
                                0, MARGIN_LEFT, address_bottom + 4, 0);

  /* Our reference and the date, on the right. */
  ref_date = g_strdup_printf (_("Our reference: %s\n%s"), self->reference, self->date_text);
  right_bottom = place_fixed (self, make_layout (self, ref_date, BODY_SIZE - 0.5,
                                                 PANGO_WEIGHT_NORMAL, TEXT_WIDTH - ADDRESS_WIDTH,
                                                 PANGO_ALIGN_RIGHT),
                              0, MARGIN_LEFT + ADDRESS_WIDTH, y, 0);

  /* The body: the heading, the paragraphs, the signature. */
  column = column_position (self, paragraphs);
  if (has_text (title))
    add_block (blocks, make_layout (self, title, BODY_SIZE + 1, PANGO_WEIGHT_BOLD, TEXT_WIDTH,
                                    PANGO_ALIGN_LEFT),
               0, TRUE, FALSE);
  for (guint i = 0; paragraphs[i] != NULL; i++)
    {
      const char *text = paragraphs[i];
      gboolean heading = g_str_has_prefix (text, "# ");
      PangoLayout *layout;

      if (heading)
        text += 2;
      layout = make_layout (self, text, BODY_SIZE,
                            heading ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL, TEXT_WIDTH,
                            PANGO_ALIGN_LEFT);
      if (strchr (text, '\t') != NULL)
        set_columns (layout, column);
      add_block (blocks, layout, heading ? PARAGRAPH_GAP * 2 : PARAGRAPH_GAP, heading, FALSE);
    }
  signature = join_nonempty ("\n", _("Yours sincerely,"), "\n\n",
                             coordinator != NULL ? coordinator : "", sender->name, NULL);
  add_block (blocks, make_layout (self, signature, BODY_SIZE, PANGO_WEIGHT_NORMAL, TEXT_WIDTH,
                                  PANGO_ALIGN_LEFT),
             PARAGRAPH_GAP * 2, FALSE, TRUE);

  self->n_pages = flow_blocks (self, blocks,
                               MAX (FIRST_BODY_MIN_TOP,
                                    MAX (address_bottom, right_bottom) + 24));

  /* Now that the number of pages is known: "Page x of y", and a reminder of whose letter
   * it is at the top of each further page. */
  for (int page = 0; page < self->n_pages; page++)
    {
      g_autofree char *footer = g_strdup_printf (_("Page %d of %d"), page + 1, self->n_pages);
      PangoLayout *layout = make_layout (self, footer, SMALL_SIZE, PANGO_WEIGHT_NORMAL,
                                         TEXT_WIDTH, PANGO_ALIGN_CENTER);
      g_autoptr(GArray) m = line_metrics (layout);

      place_line (self, layout, 0, page, MARGIN_LEFT + g_array_index (m, LineMetrics, 0).x,
                  FOOTER_BASELINE, GREY);
      g_object_unref (layout);
      if (page > 0)
        {
          g_autofree char *header = g_strdup_printf ("%s · %s", self->reference,
                                                     self->date_text);

          place_fixed (self, make_layout (self, header, SMALL_SIZE, PANGO_WEIGHT_NORMAL,
                                          TEXT_WIDTH, PANGO_ALIGN_LEFT),
                       page, MARGIN_LEFT, 14 * MM, GREY);
        }
    }
}

/* Making a letter */

static WmReferral *
latest_open_referral (WmStore  *store,
                      WmCase   *kase,
                      GError  **error)
{
  g_autoptr(GListModel) referrals = NULL;
  guint n;

  referrals = wm_store_list_referrals (store, wm_record_get_id (WM_RECORD (kase)), error);
  if (referrals == NULL)
    return NULL;
  n = g_list_model_get_n_items (referrals);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WmReferral) r = g_list_model_get_item (referrals, i);

      if (wm_referral_state_is_open (r->state))
        return g_steal_pointer (&r);
    }
  g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_NO_REFERRAL,
               n == 0 ? _("case: %s has no referral yet") : _("case: %s has no open referral"),
               kase->reference != NULL ? kase->reference : "");
  return NULL;
}

/* Fills in and lays out a checked template for @kase and @therapist. */
static WmLetter *
letter_build (WmStore      *store,
              WmCase       *kase,
              WmTherapist  *therapist,
              const char   *template_name,
              const char   *title,
              const char   *body,
              GError      **error)
{
  g_autoptr(WmLetter) self = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *title_text = NULL;
  g_autofree char *body_text = NULL;
  g_autofree char *recipient = NULL;
  g_autofree char *recipient_name = NULL;
  WmLetterRecipient to;
  Sender sender = { NULL };
  const char *term;

  self = g_object_new (WM_TYPE_LETTER, NULL);
  to = wm_letter_recipient_for (template_name);
  self->template_name = g_strdup (template_name);
  self->reference = g_strdup (kase->reference);
  self->date_text = wm_letter_format_date (now);
  self->discreet = to == WM_LETTER_TO_CLIENT_DISCREET;
  self->context = letter_context_new ();

  sender_load (&sender, store, self->discreet);
  values = collect_values (store, kase, therapist, &sender, self->date_text);
  title_text = expand (title, values, NULL, error);
  body_text = title_text != NULL ? expand (body, values, NULL, error) : NULL;
  if (body_text == NULL)
    {
      sender_clear (&sender);
      return NULL;
    }
  recipient_name = g_strdup (g_hash_table_lookup (values, to == WM_LETTER_TO_THERAPIST
                                                            ? "therapist.name"
                                                            : "client.name"));
  recipient = g_strconcat (recipient_name, "\n",
                           (const char *) g_hash_table_lookup (values,
                                                               to == WM_LETTER_TO_THERAPIST
                                                                 ? "therapist.address"
                                                                 : "client.address"),
                           NULL);
  g_strchomp (recipient);
  lay_out (self, &sender, recipient, title_text, body_text,
           g_hash_table_lookup (values, "coordinator.name"));

  /* Whatever the template and the records say, a discreet letter that would give the
   * subject away is not made. */
  term = self->discreet
           ? find_sensitive_term (self->text->str,
                                  g_strcmp0 (sender.real_name, sender.name) != 0
                                    ? sender.real_name : NULL)
           : NULL;
  if (term != NULL)
    {
      g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_NOT_DISCREET,
                   _("letter: the discreet letter would mention “%s”; change the template or "
                     "the details it uses"), term);
      sender_clear (&sender);
      return NULL;
    }
  sender_clear (&sender);
  return g_steal_pointer (&self);
}

WmLetter *
wm_letter_new_for_template (WmStore     *store,
                            WmCase      *kase,
                            const char  *template_name,
                            const char  *title,
                            const char  *body,
                            GError     **error)
{
  g_autoptr(WmReferral) referral = NULL;
  g_autoptr(WmTherapist) therapist = NULL;

  g_return_val_if_fail (WM_IS_STORE (store), NULL);
  g_return_val_if_fail (WM_IS_CASE (kase), NULL);

  if (!wm_letter_check_template (template_name, title, body, error))
    return NULL;
  referral = latest_open_referral (store, kase, error);
  if (referral == NULL)
    return NULL;
  therapist = wm_store_get_therapist (store, referral->therapist_id, error);
  if (therapist == NULL)
    return NULL;
  return letter_build (store, kase, therapist, template_name, title, body, error);
}

WmLetter *
wm_letter_new_sample (WmStore     *store,
                      const char  *template_name,
                      const char  *title,
                      const char  *body,
                      GError     **error)
{
  g_autoptr(WmCase) kase = wm_case_new ();
  g_autoptr(WmTherapist) therapist = wm_therapist_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *reference = g_strdup_printf ("WM-%d-0042", g_date_time_get_year (now));
  g_autofree char *opened = g_date_time_format (now, "%Y-%m-%d");
  const char *needs[] = { "pre-offence", NULL };

  g_return_val_if_fail (WM_IS_STORE (store), NULL);

  if (!wm_letter_check_template (template_name, title, body, error))
    return NULL;
  /* Made up, and plainly so (the 01632 and 07700 900 numbers are reserved for drama). */
  g_object_set (kase, "reference", reference, "category", "at-risk", "cjs-status", "none",
                "needs", needs, "online-ok", TRUE, "funding", "self", "opened-at", opened,
                "notes", _("Sample notes: what the client told us at their first call."), NULL);
  g_object_set (wm_case_get_client (kase), "given-name", "Sam", "family-name", "Sample",
                "address", "1 Example Street", "town", "Anytown", "postcode", "AB1 2CD",
                "phone", "07700 900000", "contact-voicemail-ok", FALSE,
                "contact-letter-ok", TRUE, NULL);
  g_object_set (therapist, "title", "Dr", "given-name", "Alex", "family-name", "Example",
                "address", "2 Sample Road", "town", "Anytown", "postcode", "AB1 3EF",
                "phone", "01632 960000", "email", "alex@example.org", "in-person", TRUE,
                "online", TRUE, NULL);
  return letter_build (store, kase, therapist, template_name, title, body, error);
}

WmLetter *
wm_letter_new (WmStore     *store,
               WmCase      *kase,
               const char  *template_name,
               GError     **error)
{
  g_autoptr(WmLetterTemplate) tmpl = NULL;

  g_return_val_if_fail (WM_IS_STORE (store), NULL);
  g_return_val_if_fail (WM_IS_CASE (kase), NULL);
  g_return_val_if_fail (template_name != NULL, NULL);

  tmpl = wm_store_get_letter_template (store,
                                       wm_letter_resolve_template_name (store, kase,
                                                                        template_name),
                                       error);
  if (tmpl == NULL)
    return NULL;
  return wm_letter_new_for_template (store, kase, tmpl->name, tmpl->title, tmpl->body, error);
}

const char *
wm_letter_get_template_name (WmLetter *self)
{
  g_return_val_if_fail (WM_IS_LETTER (self), NULL);
  return self->template_name;
}

gboolean
wm_letter_is_discreet (WmLetter *self)
{
  g_return_val_if_fail (WM_IS_LETTER (self), TRUE);
  return self->discreet;
}

int
wm_letter_get_n_pages (WmLetter *self)
{
  g_return_val_if_fail (WM_IS_LETTER (self), 0);
  return self->n_pages;
}

void
wm_letter_get_page_size (WmLetter *self,
                         double   *width,
                         double   *height)
{
  g_return_if_fail (WM_IS_LETTER (self));

  if (width != NULL)
    *width = WM_LETTER_PAGE_WIDTH;
  if (height != NULL)
    *height = WM_LETTER_PAGE_HEIGHT;
}

char *
wm_letter_dup_default_filename (WmLetter *self)
{
  g_return_val_if_fail (WM_IS_LETTER (self), NULL);
  return g_strdup_printf ("letter-%s.pdf", self->reference);
}

/* Drawing */

void
wm_letter_render (WmLetter *self,
                  cairo_t  *cr,
                  int       page)
{
  g_return_if_fail (WM_IS_LETTER (self));
  g_return_if_fail (cr != NULL);
  g_return_if_fail (page >= 0 && page < self->n_pages);

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, WM_LETTER_PAGE_WIDTH, WM_LETTER_PAGE_HEIGHT);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);

  for (guint i = 0; i < self->rules->len; i++)
    {
      const Rule *r = &g_array_index (self->rules, Rule, i);

      if (r->page != page)
        continue;
      cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
      cairo_set_line_width (cr, 0.5);
      cairo_move_to (cr, r->x0, r->y);
      cairo_line_to (cr, r->x1, r->y);
      cairo_stroke (cr);
    }

  for (guint i = 0; i < self->lines->len; i++)
    {
      const PlacedLine *l = &g_array_index (self->lines, PlacedLine, i);

      if (l->page != page)
        continue;
      cairo_set_source_rgb (cr, l->grey, l->grey, l->grey);
      cairo_move_to (cr, l->x, l->baseline);
      pango_cairo_show_layout_line (cr, pango_layout_get_line_readonly (l->layout, l->line));
    }
  cairo_restore (cr);
}

void
wm_letter_render_fitted (WmLetter *self,
                         cairo_t  *cr,
                         int       page,
                         double    width,
                         double    height)
{
  double page_width, page_height, scale;

  g_return_if_fail (WM_IS_LETTER (self));
  g_return_if_fail (cr != NULL);

  wm_letter_get_page_size (self, &page_width, &page_height);
  scale = MIN (width / page_width, height / page_height);
  cairo_save (cr);
  cairo_translate (cr, (width - page_width * scale) / 2, (height - page_height * scale) / 2);
  cairo_scale (cr, scale, scale);
  wm_letter_render (self, cr, page);
  cairo_restore (cr);
}

typedef struct
{
  int fd;
  int error;
} Sink;

static cairo_status_t
sink_write (void                *closure,
            const unsigned char *data,
            unsigned int         length)
{
  Sink *sink = closure;

  while (length > 0)
    {
      ssize_t n = write (sink->fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          sink->error = n < 0 ? errno : EIO;
          return CAIRO_STATUS_WRITE_ERROR;
        }
      data += n;
      length -= (unsigned int) n;
    }
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
io_error (GError     **error,
          const char  *path,
          int          code)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, WM_LETTER_ERROR, WM_LETTER_ERROR_IO, _("pdf: could not write “%s”: %s"),
               display, g_strerror (code));
  return FALSE;
}

gboolean
wm_letter_write_pdf (WmLetter    *self,
                     const char  *path,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  Sink sink = { -1, 0 };

  g_return_val_if_fail (WM_IS_LETTER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* Beside the destination, so the rename is atomic; a neutral name, like the metadata. */
  dir = g_path_get_dirname (path);
  tmp = g_build_filename (dir, ".letter-XXXXXX", NULL);
  sink.fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (sink.fd < 0)
    return io_error (error, path, errno);

  surface = cairo_pdf_surface_create_for_stream (sink_write, &sink, WM_LETTER_PAGE_WIDTH,
                                                 WM_LETTER_PAGE_HEIGHT);
  /* Nothing here may say whom the letter is for or what the service is about. */
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, "Letter");
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Waymark");
  cr = cairo_create (surface);
  for (int page = 0; page < self->n_pages; page++)
    {
      wm_letter_render (self, cr, page);
      cairo_show_page (cr);
    }
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS || sink.error != 0 || fsync (sink.fd) != 0)
    {
      int code = sink.error != 0 ? sink.error : (status != CAIRO_STATUS_SUCCESS ? EIO : errno);

      close (sink.fd);
      g_unlink (tmp);
      return io_error (error, path, code);
    }
  if (close (sink.fd) != 0 || g_rename (tmp, path) != 0)
    {
      int code = errno;

      g_unlink (tmp);
      return io_error (error, path, code);
    }
  return TRUE;
}

/* Recording */

gboolean
wm_letter_record_export (WmStore         *store,
                         WmCase          *kase,
                         const char      *template_name,
                         WmLetterOutput   output,
                         GError         **error)
{
  g_return_val_if_fail (WM_IS_STORE (store), FALSE);
  g_return_val_if_fail (WM_IS_CASE (kase), FALSE);

  return wm_store_record_letter (store, wm_record_get_id (WM_RECORD (kase)), template_name,
                                 output, error);
}
