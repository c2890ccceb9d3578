/* wm-record.c: the base class of stored records and the field tables behind them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "wm-record.h"

typedef struct
{
  gint64 id;
} WmRecordPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (WmRecord, wm_record, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define FIELD_PTR(self, field) ((gpointer) ((guint8 *) (self) + (field)->offset))

static const WmField *
field_for_pspec (GParamSpec *pspec,
                 guint       prop_id)
{
  WmRecordClass *klass = g_type_class_peek (pspec->owner_type);
  guint i = prop_id - klass->first_prop_id;

  g_assert (i < klass->n_fields);
  return &klass->fields[i];
}

static void
field_to_value (WmRecord      *self,
                const WmField *field,
                GValue        *value)
{
  gpointer p = FIELD_PTR (self, field);

  switch (field->type)
    {
    case WM_FIELD_STRING:
      g_value_set_string (value, *(char **) p);
      break;
    case WM_FIELD_INT:
      g_value_set_int64 (value, *(gint64 *) p);
      break;
    case WM_FIELD_BOOL:
      g_value_set_boolean (value, *(gboolean *) p);
      break;
    case WM_FIELD_DOUBLE:
      g_value_set_double (value, *(double *) p);
      break;
    case WM_FIELD_STRV:
      g_value_set_boxed (value, *(char ***) p);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Returns TRUE when the stored value changed, so notifications only fire on real edits. */
static gboolean
field_from_value (WmRecord      *self,
                  const WmField *field,
                  const GValue  *value)
{
  gpointer p = FIELD_PTR (self, field);

  switch (field->type)
    {
    case WM_FIELD_STRING:
      {
        const char *s = g_value_get_string (value);
        char **slot = p;

        if (s != NULL && *s == '\0')
          s = NULL;
        if (g_strcmp0 (*slot, s) == 0)
          return FALSE;
        g_free (*slot);
        *slot = g_strdup (s);
        return TRUE;
      }
    case WM_FIELD_INT:
      {
        gint64 v = g_value_get_int64 (value);

        if ((field->flags & WM_FIELD_NULLABLE) && v < 0)
          v = -1;
        if (*(gint64 *) p == v)
          return FALSE;
        *(gint64 *) p = v;
        return TRUE;
      }
    case WM_FIELD_BOOL:
      {
        gboolean v = g_value_get_boolean (value) != FALSE;

        if (*(gboolean *) p == v)
          return FALSE;
        *(gboolean *) p = v;
        return TRUE;
      }
    case WM_FIELD_DOUBLE:
      {
        double v = g_value_get_double (value);
        double old = *(double *) p;

        if ((isnan (v) && isnan (old)) || v == old)
          return FALSE;
        *(double *) p = v;
        return TRUE;
      }
    case WM_FIELD_STRV:
      {
        const char * const *v = g_value_get_boxed (value);
        char ***slot = p;

        if (v != NULL && v[0] == NULL)
          v = NULL;
        if ((v == NULL && *slot == NULL)
            || (v != NULL && *slot != NULL && g_strv_equal (v, (const char * const *) *slot)))
          return FALSE;
        g_strfreev (*slot);
        *slot = g_strdupv ((char **) v);
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static void
wm_record_fields_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  field_to_value (WM_RECORD (object), field_for_pspec (pspec, prop_id), value);
}

static void
wm_record_fields_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  /* Notification is left to GObject, which emits it for every set; EXPLICIT_NOTIFY is set
   * on the pspec so only real changes notify. */
  if (field_from_value (WM_RECORD (object), field_for_pspec (pspec, prop_id), value))
    g_object_notify_by_pspec (object, pspec);
}

static void
wm_record_finalize (GObject *object)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (object);

  for (guint i = 0; i < klass->n_fields; i++)
    {
      const WmField *field = &klass->fields[i];
      gpointer p = FIELD_PTR (object, field);

      if (field->type == WM_FIELD_STRING)
        g_clear_pointer ((char **) p, g_free);
      else if (field->type == WM_FIELD_STRV)
        g_clear_pointer ((char ***) p, g_strfreev);
    }

  G_OBJECT_CLASS (wm_record_parent_class)->finalize (object);
}

void
wm_record_class_install_fields (WmRecordClass *klass,
                                const char    *table,
                                const WmField *fields,
                                guint          n_fields)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  klass->table = table;
  klass->fields = fields;
  klass->n_fields = n_fields;
  klass->first_prop_id = 1;
  /* Both live as long as the class. */
  klass->field_pspecs = g_new0 (GParamSpec *, n_fields);
  klass->field_index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_fields; i++)
    g_hash_table_insert (klass->field_index, (gpointer) fields[i].column, (gpointer) &fields[i]);

  object_class->get_property = wm_record_fields_get_property;
  object_class->set_property = wm_record_fields_set_property;

  for (guint i = 0; i < n_fields; i++)
    {
      const WmField *field = &fields[i];
      g_autofree char *name = g_strdelimit (g_strdup (field->column), "_", '-');
      const char *iname = g_intern_string (name);
      GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
      GParamSpec *pspec;

      switch (field->type)
        {
        case WM_FIELD_STRING:
          pspec = g_param_spec_string (iname, NULL, NULL, NULL, flags);
          break;
        case WM_FIELD_INT:
          pspec = g_param_spec_int64 (iname, NULL, NULL, G_MININT64, G_MAXINT64,
                                      (field->flags & WM_FIELD_NULLABLE) ? -1 : 0, flags);
          break;
        case WM_FIELD_BOOL:
          pspec = g_param_spec_boolean (iname, NULL, NULL, FALSE, flags);
          break;
        case WM_FIELD_DOUBLE:
          /* NAN means unknown; GLib's range check would reject it, so it is lax here and
           * the record's own check (wm_*_check) does the validating. */
          pspec = g_param_spec_double (iname, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                                       flags | G_PARAM_LAX_VALIDATION);
          break;
        case WM_FIELD_STRV:
          pspec = g_param_spec_boxed (iname, NULL, NULL, G_TYPE_STRV, flags);
          break;
        default:
          g_assert_not_reached ();
        }
      g_object_class_install_property (object_class, klass->first_prop_id + i, pspec);
      klass->field_pspecs[i] = pspec;
    }
}

static void
wm_record_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  WmRecord *self = WM_RECORD (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, wm_record_get_id (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_record_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  WmRecord *self = WM_RECORD (object);

  switch (prop_id)
    {
    case PROP_ID:
      wm_record_set_id (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_record_class_init (WmRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wm_record_finalize;
  object_class->get_property = wm_record_get_property;
  object_class->set_property = wm_record_set_property;

  /* 0 until the record has been stored. */
  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wm_record_init (WmRecord *self)
{
}

gint64
wm_record_get_id (WmRecord *self)
{
  WmRecordPrivate *priv = wm_record_get_instance_private (self);

  g_return_val_if_fail (WM_IS_RECORD (self), 0);
  return priv->id;
}

void
wm_record_set_id (WmRecord *self,
                  gint64    id)
{
  WmRecordPrivate *priv = wm_record_get_instance_private (self);

  g_return_if_fail (WM_IS_RECORD (self));
  if (priv->id == id)
    return;
  priv->id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
}

const WmField *
wm_record_find_field (WmRecordClass *klass,
                      const char    *column)
{
  /* Validation and saving look fields up by name about 80 times per case. */
  if (klass->field_index == NULL)
    return NULL;
  return g_hash_table_lookup (klass->field_index, column);
}

static const WmField *
lookup (WmRecord    *self,
        const char  *column,
        WmFieldType  type)
{
  const WmField *field = wm_record_find_field (WM_RECORD_GET_CLASS (self), column);

  /* A wrong column name is a programming error, caught in development. */
  g_assert (field != NULL);
  g_assert (field->type == type);
  return field;
}

static void
set_and_notify (WmRecord      *self,
                const WmField *field,
                const GValue  *value)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (self);

  if (field_from_value (self, field, value))
    g_object_notify_by_pspec (G_OBJECT (self), klass->field_pspecs[field - klass->fields]);
}

const char *
wm_record_get_string (WmRecord   *self,
                      const char *column)
{
  return *(char **) FIELD_PTR (self, lookup (self, column, WM_FIELD_STRING));
}

void
wm_record_set_string (WmRecord   *self,
                      const char *column,
                      const char *value)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, value);
  set_and_notify (self, lookup (self, column, WM_FIELD_STRING), &v);
}

gint64
wm_record_get_int (WmRecord   *self,
                   const char *column)
{
  return *(gint64 *) FIELD_PTR (self, lookup (self, column, WM_FIELD_INT));
}

void
wm_record_set_int (WmRecord   *self,
                   const char *column,
                   gint64      value)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_INT64);
  g_value_set_int64 (&v, value);
  set_and_notify (self, lookup (self, column, WM_FIELD_INT), &v);
}

gboolean
wm_record_get_bool (WmRecord   *self,
                    const char *column)
{
  return *(gboolean *) FIELD_PTR (self, lookup (self, column, WM_FIELD_BOOL));
}

void
wm_record_set_bool (WmRecord   *self,
                    const char *column,
                    gboolean    value)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_BOOLEAN);
  g_value_set_boolean (&v, value);
  set_and_notify (self, lookup (self, column, WM_FIELD_BOOL), &v);
}

double
wm_record_get_double (WmRecord   *self,
                      const char *column)
{
  return *(double *) FIELD_PTR (self, lookup (self, column, WM_FIELD_DOUBLE));
}

void
wm_record_set_double (WmRecord   *self,
                      const char *column,
                      double      value)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, value);
  set_and_notify (self, lookup (self, column, WM_FIELD_DOUBLE), &v);
}

const char * const *
wm_record_get_strv (WmRecord   *self,
                    const char *column)
{
  return *(const char * const **) FIELD_PTR (self, lookup (self, column, WM_FIELD_STRV));
}

void
wm_record_set_strv (WmRecord           *self,
                    const char         *column,
                    const char * const *value)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_STRV);
  g_value_set_boxed (&v, value);
  set_and_notify (self, lookup (self, column, WM_FIELD_STRV), &v);
}

void
wm_record_copy_into (WmRecord *dest,
                     WmRecord *src)
{
  WmRecordClass *klass = WM_RECORD_GET_CLASS (src);

  g_return_if_fail (G_OBJECT_TYPE (dest) == G_OBJECT_TYPE (src));

  g_object_freeze_notify (G_OBJECT (dest));
  for (guint i = 0; i < klass->n_fields; i++)
    {
      g_auto(GValue) v = G_VALUE_INIT;

      switch (klass->fields[i].type)
        {
        case WM_FIELD_STRING: g_value_init (&v, G_TYPE_STRING); break;
        case WM_FIELD_INT: g_value_init (&v, G_TYPE_INT64); break;
        case WM_FIELD_BOOL: g_value_init (&v, G_TYPE_BOOLEAN); break;
        case WM_FIELD_DOUBLE: g_value_init (&v, G_TYPE_DOUBLE); break;
        case WM_FIELD_STRV: g_value_init (&v, G_TYPE_STRV); break;
        default: g_assert_not_reached ();
        }
      field_to_value (src, &klass->fields[i], &v);
      set_and_notify (dest, &klass->fields[i], &v);
    }
  wm_record_set_id (dest, wm_record_get_id (src));
  g_object_thaw_notify (G_OBJECT (dest));
}
