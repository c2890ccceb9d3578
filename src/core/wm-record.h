/* wm-record.h: the base class of Waymark's stored records.
 *
 * Each record type (therapist, client, case, ...) describes its columns once, in a WmField
 * table. The same table installs the GObject properties (so the GUI can bind to them) and
 * drives the store's SQL (so a column cannot be forgotten in one of the two).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  WM_FIELD_STRING, /* char *; NULL and "" are both stored as NULL */
  WM_FIELD_INT,    /* gint64; with WM_FIELD_NULLABLE a negative value is NULL */
  WM_FIELD_BOOL,   /* gboolean */
  WM_FIELD_DOUBLE, /* double; NAN is NULL */
  WM_FIELD_STRV,   /* char **; stored as ";"-joined text */
} WmFieldType;

typedef enum
{
  WM_FIELD_NONE = 0,
  WM_FIELD_NULLABLE = 1 << 0,  /* INT: negative means unknown */
  WM_FIELD_NO_COLUMN = 1 << 1, /* not a column of the record's own table */
  WM_FIELD_MANAGED = 1 << 2,   /* set by the store only (timestamps, authors) */
} WmFieldFlags;

typedef struct
{
  const char *column;  /* SQL column; the property is the same name with '-' for '_' */
  WmFieldType type;
  gsize offset;        /* of the value in the instance struct */
  WmFieldFlags flags;
} WmField;

#define WM_TYPE_RECORD (wm_record_get_type ())
G_DECLARE_DERIVABLE_TYPE (WmRecord, wm_record, WM, RECORD, GObject)

struct _WmRecordClass
{
  GObjectClass parent_class;

  const char *table;
  const WmField *fields;
  guint n_fields;

  /*< private >*/
  guint first_prop_id;
  GParamSpec **field_pspecs; /* parallel to fields, so setting one notifies without a lookup */
  GHashTable *field_index;   /* column name → its WmField */
};

void           wm_record_class_install_fields (WmRecordClass *klass,
                                               const char    *table,
                                               const WmField *fields,
                                               guint          n_fields);

gint64         wm_record_get_id               (WmRecord      *self);
void           wm_record_set_id               (WmRecord      *self,
                                               gint64         id);

const WmField *wm_record_find_field           (WmRecordClass *klass,
                                               const char    *column);
/* Typed access by column name; the setters notify the property. */
const char    *wm_record_get_string           (WmRecord      *self,
                                               const char    *column);
void           wm_record_set_string           (WmRecord      *self,
                                               const char    *column,
                                               const char    *value);
gint64         wm_record_get_int              (WmRecord      *self,
                                               const char    *column);
void           wm_record_set_int              (WmRecord      *self,
                                               const char    *column,
                                               gint64         value);
gboolean       wm_record_get_bool             (WmRecord      *self,
                                               const char    *column);
void           wm_record_set_bool             (WmRecord      *self,
                                               const char    *column,
                                               gboolean       value);
double         wm_record_get_double           (WmRecord      *self,
                                               const char    *column);
void           wm_record_set_double           (WmRecord      *self,
                                               const char    *column,
                                               double         value);
const char * const *wm_record_get_strv        (WmRecord      *self,
                                               const char    *column);
void           wm_record_set_strv             (WmRecord      *self,
                                               const char    *column,
                                               const char * const *value);

/* Copies every field and the id from @src to @dest (same type). */
void           wm_record_copy_into            (WmRecord      *dest,
                                               WmRecord      *src);

G_END_DECLS
