/* wm-store.h: Waymark's encrypted case store (SQLCipher).
 *
 * One database file holds everything, encrypted under a 32-byte data key that the keyring
 * hands out. Every change, and every case opened for viewing, appends an audit row in the
 * same transaction. Values are always bound, never spliced into SQL. A WmStore is used from
 * one thread at a time.
 *
 * Signals: ::changed (const char *entity, gint64 id) after a transaction that changed records
 * commits: "case", "therapist", "user", "setting"; id -1 for many records at once (imports).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "wm-matcher.h"
#include "wm-model.h"

G_BEGIN_DECLS

#define WM_STORE_ERROR (wm_store_error_quark ())
GQuark wm_store_error_quark (void);

typedef enum
{
  WM_STORE_ERROR_FAILED,
  WM_STORE_ERROR_NOT_SQLCIPHER, /* plain SQLite was loaded: refuse, never write plaintext */
  WM_STORE_ERROR_WRONG_KEY,     /* the key does not open this file (or it is not a database) */
  WM_STORE_ERROR_NOT_FOUND,
  WM_STORE_ERROR_EXISTS,
  WM_STORE_ERROR_TRANSITION,    /* a status change the state machine does not allow */
  WM_STORE_ERROR_TOO_NEW,       /* written by a newer Waymark */
  WM_STORE_ERROR_BUSY,
  WM_STORE_ERROR_CORRUPT,
  WM_STORE_ERROR_PERMISSION,    /* the principal's role may not do this */
} WmStoreError;

/* Who is acting, and so what they may see and do. Enforced here, in the store, on every
 * query: the GUI only hides what the store would refuse anyway.
 *  - SYSTEM: a store opened with the raw key (tools, tests, the recovery key): everything.
 *  - ADMIN: everything, including users, settings, letter templates and the audit log.
 *  - COORDINATOR: all cases and therapists; no users, settings, templates or audit log.
 *  - THERAPIST: only cases with a referral to their own therapist record; may add notes,
 *    move their own referrals (accept, decline, first contact, end); cannot list therapists,
 *    match, refer, print letters, back up, import or export. */
typedef enum
{
  WM_ROLE_SYSTEM,
  WM_ROLE_ADMIN,
  WM_ROLE_COORDINATOR,
  WM_ROLE_THERAPIST,
} WmRole;

/* "admin", "coordinator", "therapist" to a role; anything else is THERAPIST, the narrowest. */
WmRole       wm_role_from_string           (const char       *role);

typedef enum
{
  WM_STORE_OPEN_NONE = 0,
  WM_STORE_OPEN_CREATE = 1 << 0,      /* create the file if it does not exist */
  WM_STORE_OPEN_UNENCRYPTED = 1 << 1, /* benchmarks only: the same code without a key */
} WmStoreOpenFlags;

#define WM_STORE_SCHEMA_VERSION 3

#define WM_TYPE_STORE (wm_store_get_type ())
G_DECLARE_FINAL_TYPE (WmStore, wm_store, WM, STORE, GObject)

WmStore     *wm_store_open                 (const char       *path,
                                            const guint8     *key,
                                            WmStoreOpenFlags  flags,
                                            GError          **error);
void         wm_store_close                (WmStore          *self);
const char  *wm_store_get_path             (WmStore          *self);
const char  *wm_store_get_cipher_version   (WmStore          *self);
int          wm_store_get_schema_version   (WmStore          *self);

/* Who is acting: recorded in the audit log and on records. @user_id < 0: the system. For a
 * system handle only (tools, tests); a logged-in person is bound with wm_store_set_principal,
 * after which the actor cannot be changed. */
void         wm_store_set_actor            (WmStore          *self,
                                            gint64            user_id);
gint64       wm_store_get_actor            (WmStore          *self);

/* Binds the logged-in person to this handle (WmSession does it right after unlock). It can
 * only narrow: once a non-system principal is set, a later call fails with PERMISSION.
 * @therapist_id is the user's therapist record (THERAPIST role), else -1. */
gboolean     wm_store_set_principal        (WmStore          *self,
                                            gint64            user_id,
                                            WmRole            role,
                                            gint64            therapist_id,
                                            GError          **error);
WmRole       wm_store_get_role             (WmStore          *self);
/* The principal's therapist record, or -1. */
gint64       wm_store_get_principal_therapist (WmStore       *self);

/* Groups several changes into one all-or-nothing transaction (imports). Nests. */
gboolean     wm_store_begin                (WmStore          *self,
                                            GError          **error);
gboolean     wm_store_commit               (WmStore          *self,
                                            GError          **error);
void         wm_store_rollback             (WmStore          *self);

gboolean     wm_store_rekey                (WmStore          *self,
                                            const guint8     *new_key,
                                            GError          **error);
/* Runs PRAGMA integrity_check; the first problem goes into @error. */
gboolean     wm_store_check_integrity      (WmStore          *self,
                                            GError          **error);
gboolean     wm_store_verify_audit         (WmStore          *self,
                                            gint64           *first_broken,
                                            gint64           *n_rows,
                                            GError          **error);
/* A consistent encrypted copy under the same key, written to a new file. */
gboolean     wm_store_backup               (WmStore          *self,
                                            const char       *dest_path,
                                            GError          **error);
/* Appends an audit row for something outside the store (an export, a failed login). */
gboolean     wm_store_audit                (WmStore          *self,
                                            const char       *action,
                                            const char       *entity,
                                            gint64            entity_id,
                                            const char       *summary,
                                            GError          **error);

/* Settings: organisation profile, weights, retention. */
char        *wm_store_get_setting          (WmStore          *self,
                                            const char       *key);
gboolean     wm_store_set_setting          (WmStore          *self,
                                            const char       *key,
                                            const char       *value,
                                            GError          **error);

/* Users */
gboolean     wm_store_save_user            (WmStore          *self,
                                            WmUser           *user,
                                            GError          **error);
WmUser      *wm_store_find_user            (WmStore          *self,
                                            const char       *username,
                                            GError          **error);
GListModel  *wm_store_list_users           (WmStore          *self,
                                            GError          **error);
gboolean     wm_store_delete_user          (WmStore          *self,
                                            gint64            user_id,
                                            GError          **error);

/* The acting user's own account, whatever their role: their password is now one they chose
 * (clears must_change_password). */
gboolean     wm_store_mark_password_changed (WmStore         *self,
                                             GError         **error);
/* The acting user's display name (else username), e.g. to sign letters; NULL for the system. */
char        *wm_store_dup_actor_name       (WmStore          *self);

/* Therapists */
gboolean     wm_store_save_therapist       (WmStore          *self,
                                            WmTherapist      *therapist,
                                            GError          **error);
WmTherapist *wm_store_get_therapist        (WmStore          *self,
                                            gint64            id,
                                            GError          **error);
WmTherapist *wm_store_find_therapist       (WmStore          *self,
                                            const char       *external_id,
                                            GError          **error);
/* Every therapist (active or not), with specialisms, ordered by family name. */
GListModel  *wm_store_list_therapists      (WmStore          *self,
                                            GError          **error);
gint64       wm_store_count_therapists     (WmStore          *self);

/* Cases. Saving a new case gives it its reference and writes its opening event. Reading a
 * whole case is recorded in the audit log as a view. */
gboolean     wm_store_save_case            (WmStore          *self,
                                            WmCase           *kase,
                                            GError          **error);
WmCase      *wm_store_get_case             (WmStore          *self,
                                            gint64            id,
                                            GError          **error);
WmCase      *wm_store_find_case            (WmStore          *self,
                                            const char       *reference,
                                            GError          **error);
gboolean     wm_store_set_case_status      (WmStore          *self,
                                            WmCase           *kase,
                                            const char       *status,
                                            const char       *note,
                                            GError          **error);
gint64       wm_store_count_cases          (WmStore          *self);

gboolean     wm_store_add_case_event       (WmStore          *self,
                                            gint64            case_id,
                                            const char       *kind,
                                            const char       *body,
                                            GError          **error);
/* Newest first. */
GListModel  *wm_store_list_case_events     (WmStore          *self,
                                            gint64            case_id,
                                            GError          **error);

/* Referrals: creating one sends it (state "sent") and moves the case to "referred". */
WmReferral  *wm_store_create_referral      (WmStore          *self,
                                            gint64            case_id,
                                            gint64            therapist_id,
                                            double            score,
                                            const char       *explanation,
                                            GError          **error);
gboolean     wm_store_set_referral_state   (WmStore          *self,
                                            WmReferral       *referral,
                                            const char       *state,
                                            const char       *reason,
                                            GError          **error);
GListModel  *wm_store_list_referrals       (WmStore          *self,
                                            gint64            case_id,
                                            GError          **error);

/* The case list: ids matching a query, then summaries for a page of them. */
typedef struct
{
  const char *text;          /* search-as-you-type over reference, names, town; NULL: all */
  const char *status;        /* NULL: any */
  const char *category;      /* NULL: any */
  gboolean only_risk;        /* urgent, safeguarding or self-harm */
  gboolean only_open;
} WmCaseQuery;

GArray      *wm_store_query_case_ids       (WmStore          *self,
                                            const WmCaseQuery *query,
                                            GError          **error);

typedef struct
{
  gint64 id;
  char *reference;
  char *status;
  char *category;
  char *town;
  char *display_name;
  char *therapist_name;
  char *opened_at;
  gboolean urgent;
  gboolean risk;
} WmCaseSummaryData;

/* Fills @out (of WmCaseSummaryData, cleared by the caller with wm_case_summary_data_clear)
 * in the order of @ids. */
gboolean     wm_store_load_case_summaries  (WmStore          *self,
                                            const gint64     *ids,
                                            guint             n_ids,
                                            GArray           *out,
                                            GError          **error);
void         wm_case_summary_data_clear    (WmCaseSummaryData *data);

/* Letter templates (their syntax and placeholders: wm-letter.h). The built-in ones are
 * seeded when the database is created. Saving checks the template first (an unknown
 * placeholder is an error naming it), writes an audit row naming the template and announces
 * ::changed ("letter-template", -1). */
typedef struct
{
  char *name;        /* [a-z0-9-], e.g. "therapist-referral" */
  char *title;       /* the letter's heading line; may hold placeholders */
  char *body;
  gboolean builtin;
  char *updated_at;
} WmLetterTemplate;

void         wm_letter_template_free       (WmLetterTemplate *tmpl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmLetterTemplate, wm_letter_template_free)

WmLetterTemplate *wm_store_get_letter_template (WmStore      *self,
                                                const char   *name,
                                                GError      **error);
/* Of WmLetterTemplate: the built-in ones first, then by name. */
GPtrArray   *wm_store_list_letter_templates (WmStore         *self,
                                             GError         **error);
/* Creates or replaces a template; a built-in one stays built-in. */
gboolean     wm_store_save_letter_template (WmStore          *self,
                                            const char       *name,
                                            const char       *title,
                                            const char       *body,
                                            GError          **error);
/* Built-in templates cannot be deleted (save their original text to restore them). */
gboolean     wm_store_delete_letter_template (WmStore        *self,
                                              const char     *name,
                                              GError        **error);

typedef enum
{
  WM_LETTER_OUTPUT_PDF,
  WM_LETTER_OUTPUT_PRINT,
} WmLetterOutput;

/* A letter left the building: one case event (kind "letter") and one audit row (action
 * "letter"), both naming the template only, never the letter's contents. */
gboolean     wm_store_record_letter        (WmStore          *self,
                                            gint64            case_id,
                                            const char       *template_name,
                                            WmLetterOutput    output,
                                            GError          **error);

/* The audit log, for the administrator's viewer (ADMIN and SYSTEM only). */
typedef struct
{
  const char *username;      /* NULL: anyone; "" : the system */
  const char *action;        /* NULL: any ("create", "update", "view", "referral", "letter"...) */
  const char *entity;        /* NULL: any ("case", "therapist", "user", "setting", ...) */
  const char *since;         /* "YYYY-MM-DD" inclusive, NULL: no lower bound */
  const char *until;         /* "YYYY-MM-DD" inclusive, NULL: no upper bound */
  const char *text;          /* substring of the record label or summary; NULL: any */
  guint limit;               /* 0: no limit; newest first */
} WmAuditQuery;

typedef struct
{
  gint64 id;
  char *at;                  /* ISO 8601 UTC */
  gint64 user_id;            /* -1: the system */
  char *username;            /* NULL: the system */
  char *action;
  char *entity;
  gint64 entity_id;          /* -1: none */
  char *record;              /* a label for the record: a case reference, a username, a
                              * therapist's name, a setting key; NULL when none */
  char *summary;
} WmAuditEntry;

void         wm_audit_entry_free           (WmAuditEntry     *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WmAuditEntry, wm_audit_entry_free)

/* Of WmAuditEntry, newest first. */
GPtrArray   *wm_store_query_audit          (WmStore            *self,
                                            const WmAuditQuery *query,
                                            GError            **error);
/* The entries as CSV (header: id,at,user,action,entity,entity_id,record,summary). The export
 * itself is written to the audit log. */
gboolean     wm_store_export_audit_csv     (WmStore            *self,
                                            const WmAuditQuery *query,
                                            GOutputStream      *out,
                                            GError            **error);

/* A therapist's referred cases, what they must act on first at the top (ADMIN, COORDINATOR,
 * SYSTEM: any therapist; THERAPIST: only their own). */
typedef struct
{
  gint64 case_id;
  gint64 referral_id;
  char *reference;
  char *referral_state;      /* sent, accepted, first-contact, ended, declined, no-contact */
  char *sent_at;             /* ISO 8601 */
  char *first_contact_at;    /* NULL until contact */
  char *case_status;
  char *category;
  char *town;
  char *display_name;
  gboolean urgent;
  gboolean risk;
  /* Days left before the no-contact deadline (sent_at + no-contact days) for a referral still
   * waiting for first contact; negative when overdue; G_MAXINT when not applicable. */
  int days_to_deadline;
} WmTherapistCase;

void         wm_therapist_case_free        (WmTherapistCase  *item);
/* Open referrals (sent, accepted) waiting for contact first, nearest deadline first; then
 * those in contact (first-contact); then ended ones, newest first. */
GPtrArray   *wm_store_list_therapist_cases (WmStore          *self,
                                            gint64            therapist_id,
                                            GError          **error);
/* The organisation's "referral.no-contact-days" setting (default 7): days a client may wait
 * for first contact before the referral should be chased or marked "no contact". */
int          wm_store_get_no_contact_days  (WmStore          *self);

/* Matching: every therapist with their open referrals and specialisms, in one query. */
WmMatchSnapshot *wm_store_load_match_snapshot (WmStore        *self,
                                               GError        **error);
/* The ids of therapists who declined or had no contact on @case_id, and of those treating a
 * linked family case (either direction of the link). Arrays of gint64. */
gboolean     wm_store_load_match_history   (WmStore          *self,
                                            WmCase           *kase,
                                            GArray          **declined,
                                            GArray          **conflicts,
                                            GError          **error);
/* Organisation-wide weights and DBS validity from the settings table, with the defaults of
 * DESIGN.md for anything not set or not a number in [0, 1]. */
void         wm_store_load_match_settings  (WmStore          *self,
                                            WmMatchWeights   *weights,
                                            WmMatchOptions   *options);

G_END_DECLS
