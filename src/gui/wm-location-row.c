/* wm-location-row.c: where someone is: town, postcode and how precisely it is known.
 *
 * The town is searched in the offline gazetteer as it is typed; choosing a suggestion (or a
 * name the gazetteer knows without doubt) gives the coordinates. There is no offline postcode
 * database, so a postcode never moves the point: it is checked, normalised and kept for
 * letters, and it tells how precisely the location is known.
 *
 * The precision follows what was given (a full postcode, a district, else a town) until
 * someone chooses another one; a choice stays, except that it never claims more than was
 * given. Nothing of this depends on the order in which town and postcode are entered.
 *
 * Messages are "late to complain, quick to forgive": a problem in the field being typed in
 * shows once the field is left or Enter is pressed, and clears as soon as it is fixed.
 *
 * "Pick on Map" (a button in the town row) sets the coordinates from a click on a map. The
 * point is kept with the precision the town and postcode support: it becomes "exact" only
 * when the user says it is their exact address, since a careless click must never turn into
 * a claim to know where someone lives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "wm-accessible.h"
#include "wm-geo.h"
#include "wm-location-row.h"
#include "wm-map-view.h"
#include "wm-validate.h"
#include "wm-vocab.h"

/* Enough to tell places apart while typing, few enough to read at a glance. */
#define N_SUGGESTIONS 8

struct _WmLocationRow
{
  GtkBox parent_instance;

  /* Template widgets */
  AdwEntryRow *town_row;
  GtkListBoxRow *town_message_row;
  GtkLabel *town_message;
  AdwEntryRow *postcode_row;
  GtkListBoxRow *postcode_message_row;
  GtkLabel *postcode_message;
  AdwComboRow *precision_row;
  GtkPopover *suggestions_popover;
  GtkListBox *suggestions_list;

  GCancellable *search_cancellable;
  GCancellable *lookup_cancellable;
  GPtrArray *suggestions;       /* WmPlace, in the order of the popover's rows */

  double latitude;
  double longitude;
  /* Where the coordinates came from, so that retyping the same name gives them back. */
  char *placed_town;
  double placed_latitude;
  double placed_longitude;

  char *precision;
  /* Precision the user chose, NULL to follow what was given. Kept apart from the precision
   * shown, which never claims more than was given: a postcode typed over passes through
   * states that give less, and the choice must survive them. */
  char *chosen_precision;
  /* The precision came from code (a record loaded): whether it was a choice is decided at
   * the first edit, when town, postcode and precision have all been set, in whatever order. */
  gboolean precision_pending;
  char *postcode;               /* normalised when valid, as typed (trimmed) otherwise */
  const char *postcode_kind;    /* "postcode", "district" or NULL: what the postcode gives */
  char *town_problem;
  char *postcode_problem;
  char *town_warning;           /* the gazetteer could not place the town */
  char *notified_problem;       /* the problem as last announced, to notify only changes */
  gboolean postcode_error_shown;
  gboolean town_error_shown;
  gboolean show_precision;
  gboolean valid;

  guint updating;               /* > 0 while widgets change from code, not from the user */

  /* Pick on Map (made when first opened) */
  GtkMenuButton *pick_button;
  WmMapView *pick_map;
  GtkLabel *pick_point_label;
  GtkCheckButton *pick_exact;
  GtkWidget *pick_use_button;
  double picked_latitude;
  double picked_longitude;
};

G_DEFINE_FINAL_TYPE (WmLocationRow, wm_location_row, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_TOWN,
  PROP_POSTCODE,
  PROP_LATITUDE,
  PROP_LONGITUDE,
  PROP_PRECISION,
  PROP_SHOW_PRECISION,
  PROP_VALID,
  PROP_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void wm_location_row_update (WmLocationRow *self);

/* Helpers */

static char *
dup_stripped_or_null (const char *text)
{
  if (wm_value_is_blank (text))
    return NULL;
  return g_strstrip (g_strdup (text));
}

static char *
dup_town (WmLocationRow *self)
{
  return dup_stripped_or_null (gtk_editable_get_text (GTK_EDITABLE (self->town_row)));
}

static gboolean
same_name (const char *a,
           const char *b)
{
  g_autofree char *fa = NULL;
  g_autofree char *fb = NULL;

  if (a == NULL || b == NULL)
    return a == b;
  fa = g_utf8_casefold (a, -1);
  fb = g_utf8_casefold (b, -1);
  return g_strcmp0 (fa, fb) == 0;
}

/* Precision codes run from the finest (exact) to the coarsest (region) in the vocabulary. */
static guint
precision_rank (const char *code)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_PRECISION, &n);

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (entries[i].code, code) == 0)
      return i;
  return n;
}

/* What the entered values support: the postcode's kind, else a town (also the default of a
 * new record, never more precise than needed). */
static const char *
precision_from_postcode_kind (const char *kind)
{
  return kind != NULL ? kind : "town";
}

static gboolean
row_has_focus (gpointer row)
{
  return (gtk_widget_get_state_flags (GTK_WIDGET (row)) & GTK_STATE_FLAG_FOCUS_WITHIN) != 0;
}

/* The message shown next to a field names the problem; the field is evident from where it is
 * shown, so the "field: " prefix of the validation message is left off. */
static char *
problem_for_display (const char *problem)
{
  const char *colon = strstr (problem, ": ");
  const char *text = colon != NULL ? colon + 2 : problem;
  gunichar first = g_utf8_get_char (text);
  char buf[8];
  int len = g_unichar_to_utf8 (g_unichar_totitle (first), buf);

  return g_strdup_printf ("%.*s%s", len, buf, g_utf8_next_char (text));
}

static void
set_message (GtkListBoxRow *message_row,
             GtkLabel      *label,
             GtkWidget     *field_row,
             const char    *text,
             const char    *style)
{
  static const char *styles[] = { "error", "warning", "dim-label" };

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (label), styles[i]);
  gtk_widget_remove_css_class (field_row, "error");
  gtk_widget_remove_css_class (field_row, "warning");

  if (text == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (message_row), FALSE);
      gtk_label_set_text (label, "");
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (field_row),
                                     GTK_ACCESSIBLE_RELATION_DESCRIBED_BY);
      gtk_accessible_reset_state (GTK_ACCESSIBLE (field_row), GTK_ACCESSIBLE_STATE_INVALID);
      return;
    }

  gtk_label_set_text (label, text);
  gtk_widget_add_css_class (GTK_WIDGET (label), style);
  if (g_str_equal (style, "error") || g_str_equal (style, "warning"))
    gtk_widget_add_css_class (field_row, style);
  gtk_widget_set_visible (GTK_WIDGET (message_row), TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (field_row),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, label, NULL,
                                  -1);
  if (g_str_equal (style, "error"))
    gtk_accessible_update_state (GTK_ACCESSIBLE (field_row),
                                 GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                 -1);
  else
    gtk_accessible_reset_state (GTK_ACCESSIBLE (field_row), GTK_ACCESSIBLE_STATE_INVALID);
}

/* Setting state */

static void
set_coordinates (WmLocationRow *self,
                 double         latitude,
                 double         longitude)
{
  gboolean lat_changed = !(latitude == self->latitude
                           || (isnan (latitude) && isnan (self->latitude)));
  gboolean lon_changed = !(longitude == self->longitude
                           || (isnan (longitude) && isnan (self->longitude)));

  self->latitude = latitude;
  self->longitude = longitude;
  if (lat_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LATITUDE]);
  if (lon_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LONGITUDE]);
}

static void
remember_placed (WmLocationRow *self)
{
  g_free (self->placed_town);
  self->placed_town = dup_town (self);
  self->placed_latitude = self->latitude;
  self->placed_longitude = self->longitude;
}

static void
sync_precision_row (WmLocationRow *self)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_PRECISION, &n);
  guint selected = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (entries[i].code, self->precision) == 0)
      selected = i;

  self->updating++;
  adw_combo_row_set_selected (self->precision_row, selected);
  self->updating--;
}

static void
set_precision (WmLocationRow *self,
               const char    *precision)
{
  if (g_strcmp0 (self->precision, precision) == 0)
    return;
  g_free (self->precision);
  self->precision = g_strdup (precision);
  sync_precision_row (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRECISION]);
}

/* After the user changed what was given: @before is the precision the previous values
 * supported. A loaded precision equal to it (or none) was never chosen, so it follows the
 * values; a chosen one stays, unless it would claim more than is now known. */
static void
follow_precision (WmLocationRow *self,
                  const char    *before)
{
  const char *now = precision_from_postcode_kind (self->postcode_kind);

  if (self->precision_pending)
    {
      self->precision_pending = FALSE;
      g_free (self->chosen_precision);
      self->chosen_precision = self->precision != NULL && g_strcmp0 (self->precision, before) != 0
                               ? g_strdup (self->precision) : NULL;
    }

  if (self->chosen_precision == NULL
      || precision_rank (self->chosen_precision) < precision_rank (now))
    set_precision (self, now);
  else
    set_precision (self, self->chosen_precision);
}

/* Suggestions */

static void
hide_suggestions (WmLocationRow *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self->suggestions_popover)))
    gtk_popover_popdown (self->suggestions_popover);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->town_row),
                               GTK_ACCESSIBLE_STATE_EXPANDED, FALSE,
                               -1);
}

static void
cancel_searches (WmLocationRow *self)
{
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
}

static char *
describe_place (const WmPlace *place,
                gboolean       name_repeats)
{
  const char *where = place->region;

  if (name_repeats)
    {
      char lat[G_ASCII_DTOSTR_BUF_SIZE];
      char lon[G_ASCII_DTOSTR_BUF_SIZE];

      /* Two towns of one name in one nation (Hayes): only where they are tells them apart. */
      g_ascii_formatd (lat, sizeof lat, "%.2f", place->latitude);
      g_ascii_formatd (lon, sizeof lon, "%.2f", place->longitude);
      /* Translators: a town, its region and coordinates: "Hayes — England (51.51, -0.42)" */
      return g_strdup_printf (C_("place", "%s — %s (%s, %s)"), place->name, where, lat, lon);
    }
  /* Translators: a town and its region, e.g. "Harrogate — England" */
  return g_strdup_printf (C_("place", "%s — %s"), place->name, where);
}

static void
show_suggestions (WmLocationRow *self,
                  GPtrArray     *places)
{
  GtkWidget *child;
  graphene_rect_t bounds;

  /* @places may be the list shown already (Down reopens it): take it before letting go. */
  g_ptr_array_ref (places);
  g_clear_pointer (&self->suggestions, g_ptr_array_unref);
  self->suggestions = places;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->suggestions_list))) != NULL)
    gtk_list_box_remove (self->suggestions_list, child);

  /* Nothing to offer, or nowhere to offer it (the row left the screen meanwhile). */
  if (places->len == 0 || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      hide_suggestions (self);
      return;
    }

  for (guint i = 0; i < places->len; i++)
    {
      const WmPlace *place = g_ptr_array_index (places, i);
      gboolean repeats = FALSE;
      g_autofree char *text = NULL;
      GtkWidget *label;
      GtkWidget *row;

      for (guint j = 0; j < places->len && !repeats; j++)
        {
          const WmPlace *other = g_ptr_array_index (places, j);

          repeats = j != i
                    && g_strcmp0 (other->name, place->name) == 0
                    && g_strcmp0 (other->region, place->region) == 0;
        }

      text = describe_place (place, repeats);
      label = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_widget_set_focusable (row, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                      -1);
      gtk_list_box_append (self->suggestions_list, row);
    }

  /* As wide as the row it belongs to, right under it. */
  if (gtk_widget_compute_bounds (GTK_WIDGET (self->town_row), GTK_WIDGET (self), &bounds))
    {
      GdkRectangle rect = {
        (int) bounds.origin.x, (int) bounds.origin.y,
        (int) bounds.size.width, (int) bounds.size.height,
      };

      gtk_popover_set_pointing_to (self->suggestions_popover, &rect);
      gtk_widget_set_size_request (GTK_WIDGET (self->suggestions_list), rect.width, -1);
    }
  gtk_popover_popup (self->suggestions_popover);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->town_row),
                               GTK_ACCESSIBLE_STATE_EXPANDED, TRUE,
                               -1);
}

static void
search_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WmLocationRow) self = user_data;
  g_autoptr(GPtrArray) places = NULL;
  g_autoptr(GError) error = NULL;

  places = wm_geo_search_places_finish (result, &error);
  /* Cancelled: a later keystroke, a choice or the widget going away; nothing to show. */
  if (places == NULL)
    return;

  /* The service and its register are in the UK: a Newcastle in Australia would only ever be
   * chosen by mistake, and would put someone beyond every therapist. UK places come first, so
   * dropping the rest keeps the best matches. */
  for (guint i = places->len; i > 0; i--)
    {
      const WmPlace *place = g_ptr_array_index (places, i - 1);

      if (g_strcmp0 (place->country_code, "GB") != 0)
        g_ptr_array_remove_index (places, i - 1);
    }
  show_suggestions (self, places);
}

static void
choose_place (WmLocationRow *self,
              const WmPlace *place)
{
  const char *before = precision_from_postcode_kind (self->postcode_kind);

  cancel_searches (self);
  hide_suggestions (self);

  self->updating++;
  gtk_editable_set_text (GTK_EDITABLE (self->town_row), place->name);
  gtk_editable_set_position (GTK_EDITABLE (self->town_row), -1);
  self->updating--;

  g_clear_pointer (&self->town_warning, g_free);
  set_coordinates (self, place->latitude, place->longitude);
  remember_placed (self);
  follow_precision (self, before);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOWN]);
  wm_location_row_update (self);

  /* Last: @place may be one of them. Down must not bring back a list for another name. */
  g_clear_pointer (&self->suggestions, g_ptr_array_unref);
}

/* Town looked up as typed, for a name entered without choosing a suggestion. */

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  WmPlace *place = wm_geo_lookup_uk_town (task_data, &error);

  if (place == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, place, (GDestroyNotify) wm_place_free);
}

static void
lookup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  WmLocationRow *self = WM_LOCATION_ROW (source);
  g_autoptr(WmPlace) place = NULL;
  g_autoptr(GError) error = NULL;

  /* A cancelled task reports G_IO_ERROR_CANCELLED whatever the thread found: the name was
   * edited again, or the widget went away. */
  place = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (place != NULL)
    {
      choose_place (self, place);
      return;
    }

  g_free (self->town_warning);
  if (g_error_matches (error, WM_GEO_ERROR, WM_GEO_ERROR_AMBIGUOUS))
    {
      self->town_warning = g_strdup (_("More than one town has this name: choose one from the "
                                       "suggestions to place it on the map"));
      /* Enter was pressed in the row: offer them right away. */
      if (row_has_focus (self->town_row) && self->suggestions != NULL)
        show_suggestions (self, self->suggestions);
    }
  else
    /* Translators: %s explains why, e.g. "“Harogate” is not a UK town in the gazetteer
     * (did you mean Harrogate?)" */
    self->town_warning = g_strdup_printf (_("Not placed on the map: %s"), error->message);
  wm_location_row_update (self);
}

static void
lookup_town (WmLocationRow *self)
{
  g_autofree char *town = dup_town (self);
  g_autoptr(GTask) task = NULL;

  if (town == NULL || !isnan (self->latitude) || self->town_problem != NULL)
    return;

  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  self->lookup_cancellable = g_cancellable_new ();

  /* A worker thread: the first use of the gazetteer loads it (about 0.1 s). */
  task = g_task_new (self, self->lookup_cancellable, lookup_done_cb, NULL);
  g_task_set_source_tag (task, lookup_town);
  g_task_set_task_data (task, g_steal_pointer (&town), g_free);
  g_task_run_in_thread (task, lookup_thread);
}

/* Validation and messages */

static void
validate_postcode (WmLocationRow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->postcode_row));
  g_autofree char *stripped = dup_stripped_or_null (text);
  g_autofree char *normalised = NULL;
  g_autoptr(GError) error = NULL;
  guint n_significant = 0;

  g_clear_pointer (&self->postcode_problem, g_free);
  self->postcode_kind = NULL;

  if (stripped == NULL)
    {
      g_clear_pointer (&self->postcode, g_free);
      return;
    }

  for (const char *p = stripped; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      n_significant++;

  /* Up to four characters can only be a district ("HG1"); more, a full postcode. */
  if (n_significant <= 4
      ? wm_postcode_normalise_outward ("postcode", stripped, FALSE, &normalised, &error)
      : wm_postcode_normalise ("postcode", stripped, FALSE, &normalised, NULL, &error))
    {
      self->postcode_kind = n_significant <= 4 ? "district" : "postcode";
      g_free (self->postcode);
      self->postcode = g_steal_pointer (&normalised);
    }
  else
    {
      self->postcode_problem = g_strdup (error->message);
      g_free (self->postcode);
      self->postcode = g_steal_pointer (&stripped);
    }
}

static void
validate_town (WmLocationRow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->town_row));
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->town_problem, g_free);
  if (!wm_validate_text ("town", text, 100, FALSE, FALSE, &error))
    self->town_problem = g_strdup (error->message);
}

static void
update_messages (WmLocationRow *self)
{
  g_autofree char *town_text = NULL;
  g_autofree char *postcode_text = NULL;

  /* Quick to forgive: a fixed problem clears at once. Late to complain: a new one waits
   * until the field is left, unless it is shown already or the change came from code. */
  if (self->town_problem == NULL)
    self->town_error_shown = FALSE;
  else if (!row_has_focus (self->town_row))
    self->town_error_shown = TRUE;
  if (self->postcode_problem == NULL)
    self->postcode_error_shown = FALSE;
  else if (!row_has_focus (self->postcode_row))
    self->postcode_error_shown = TRUE;

  if (self->town_error_shown)
    {
      town_text = problem_for_display (self->town_problem);
      set_message (self->town_message_row, self->town_message, GTK_WIDGET (self->town_row),
                   town_text, "error");
    }
  else if (self->town_warning != NULL)
    set_message (self->town_message_row, self->town_message, GTK_WIDGET (self->town_row),
                 self->town_warning, "warning");
  else
    set_message (self->town_message_row, self->town_message, GTK_WIDGET (self->town_row),
                 NULL, NULL);

  if (self->postcode_error_shown)
    {
      postcode_text = problem_for_display (self->postcode_problem);
      set_message (self->postcode_message_row, self->postcode_message,
                   GTK_WIDGET (self->postcode_row), postcode_text, "error");
    }
  else if (self->postcode_kind != NULL && !isnan (self->latitude))
    set_message (self->postcode_message_row, self->postcode_message,
                 GTK_WIDGET (self->postcode_row),
                 g_str_equal (self->postcode_kind, "postcode")
                 ? _("Location from the town; the postcode is kept for letters")
                 : _("Location from the town; the postcode district is kept as a guide"),
                 "dim-label");
  else if (self->postcode_kind != NULL)
    set_message (self->postcode_message_row, self->postcode_message,
                 GTK_WIDGET (self->postcode_row),
                 _("A postcode alone gives no place on the map: choose a town too"),
                 "dim-label");
  else
    set_message (self->postcode_message_row, self->postcode_message,
                 GTK_WIDGET (self->postcode_row), NULL, NULL);
}

static void
wm_location_row_update (WmLocationRow *self)
{
  const char *problem = self->town_problem != NULL ? self->town_problem : self->postcode_problem;
  gboolean valid = problem == NULL;

  update_messages (self);

  if (valid != self->valid)
    {
      self->valid = valid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
    }
  if (g_strcmp0 (self->notified_problem, problem) != 0)
    {
      g_free (self->notified_problem);
      self->notified_problem = g_strdup (problem);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }
}

/* Signal callbacks */

static void
town_changed_cb (WmLocationRow *self)
{
  g_autofree char *town = NULL;

  validate_town (self);
  if (self->updating > 0)
    {
      wm_location_row_update (self);
      return;
    }

  town = dup_town (self);
  g_clear_pointer (&self->town_warning, g_free);

  /* The coordinates belong to the town they came from: a different name has none yet. */
  if (town != NULL && same_name (town, self->placed_town))
    set_coordinates (self, self->placed_latitude, self->placed_longitude);
  else
    set_coordinates (self, NAN, NAN);

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  if (town == NULL)
    {
      hide_suggestions (self);
      g_clear_pointer (&self->suggestions, g_ptr_array_unref);
    }
  else
    {
      self->search_cancellable = g_cancellable_new ();
      wm_geo_search_places (town, N_SUGGESTIONS, self->search_cancellable, search_done_cb,
                            g_object_ref (self));
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOWN]);
  wm_location_row_update (self);
}

static void
town_activated_cb (WmLocationRow *self)
{
  self->town_error_shown = self->town_problem != NULL;
  hide_suggestions (self);
  lookup_town (self);
  wm_location_row_update (self);
}

static void
town_focus_left_cb (WmLocationRow *self)
{
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  hide_suggestions (self);
  lookup_town (self);
  wm_location_row_update (self);
}

static void
select_suggestion (WmLocationRow *self,
                   int            delta)
{
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (self->suggestions_list);
  int n = self->suggestions != NULL ? (int) self->suggestions->len : 0;
  int index;
  GtkListBoxRow *row;

  if (n == 0)
    return;
  if (selected == NULL)
    index = delta > 0 ? 0 : n - 1;
  else
    index = CLAMP (gtk_list_box_row_get_index (selected) + delta, 0, n - 1);

  row = gtk_list_box_get_row_at_index (self->suggestions_list, index);
  gtk_list_box_select_row (self->suggestions_list, row);
}

static gboolean
town_key_pressed_cb (WmLocationRow   *self,
                     guint            keyval,
                     guint            keycode,
                     GdkModifierType  state)
{
  gboolean open = gtk_widget_get_visible (GTK_WIDGET (self->suggestions_popover));

  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (!open)
        {
          if (self->suggestions == NULL || self->suggestions->len == 0)
            return FALSE;
          show_suggestions (self, self->suggestions);
        }
      select_suggestion (self, 1);
      return TRUE;

    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (!open)
        return FALSE;
      select_suggestion (self, -1);
      return TRUE;

    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      {
        GtkListBoxRow *selected = gtk_list_box_get_selected_row (self->suggestions_list);

        if (!open || selected == NULL)
          return FALSE;
        choose_place (self, g_ptr_array_index (self->suggestions,
                                               gtk_list_box_row_get_index (selected)));
        return TRUE;
      }

    case GDK_KEY_Escape:
      if (!open)
        return FALSE;
      hide_suggestions (self);
      return TRUE;

    default:
      return FALSE;
    }
}

static void
suggestion_activated_cb (WmLocationRow *self,
                         GtkListBoxRow *row)
{
  int index = gtk_list_box_row_get_index (row);

  if (self->suggestions == NULL || index < 0 || (guint) index >= self->suggestions->len)
    return;
  choose_place (self, g_ptr_array_index (self->suggestions, index));
  gtk_widget_grab_focus (GTK_WIDGET (self->town_row));
}

static void
postcode_changed_cb (WmLocationRow *self)
{
  const char *before = precision_from_postcode_kind (self->postcode_kind);
  g_autofree char *old_postcode = g_steal_pointer (&self->postcode);

  validate_postcode (self);
  if (self->updating == 0)
    follow_precision (self, before);
  if (g_strcmp0 (old_postcode, self->postcode) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSTCODE]);
  wm_location_row_update (self);
}

/* Leaving the field or pressing Enter writes the postcode the way it is stored. */
static void
postcode_commit (WmLocationRow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->postcode_row));

  if (self->postcode_problem == NULL && self->postcode != NULL
      && g_strcmp0 (text, self->postcode) != 0)
    {
      g_autofree char *normalised = g_strdup (self->postcode);

      gtk_editable_set_text (GTK_EDITABLE (self->postcode_row), normalised);
      gtk_editable_set_position (GTK_EDITABLE (self->postcode_row), -1);
    }
  self->postcode_error_shown = self->postcode_problem != NULL;
  wm_location_row_update (self);
}

static void
postcode_activated_cb (WmLocationRow *self)
{
  postcode_commit (self);
}

static void
postcode_focus_left_cb (WmLocationRow *self)
{
  postcode_commit (self);
}

static void
precision_selected_cb (WmLocationRow *self)
{
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_PRECISION, &n);
  guint selected = adw_combo_row_get_selected (self->precision_row);

  if (self->updating > 0 || selected >= n)
    return;
  self->precision_pending = FALSE;
  g_free (self->chosen_precision);
  self->chosen_precision = g_strdup (entries[selected].code);
  set_precision (self, entries[selected].code);
}

/* Pick on Map */

static void
pick_show_point (WmLocationRow *self)
{
  gboolean picked = isfinite (self->picked_latitude) && isfinite (self->picked_longitude);

  wm_map_view_set_pin (self->pick_map, self->picked_latitude, self->picked_longitude);
  gtk_widget_set_sensitive (self->pick_use_button, picked);
  if (picked)
    {
      char lat[G_ASCII_DTOSTR_BUF_SIZE];
      char lon[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *text = NULL;

      g_ascii_formatd (lat, sizeof lat, "%.5f", self->picked_latitude);
      g_ascii_formatd (lon, sizeof lon, "%.5f", self->picked_longitude);
      /* Translators: the point clicked on the map, "53.99210, -1.54180". */
      text = g_strdup_printf (_("Point: %s, %s"), lat, lon);
      gtk_label_set_text (self->pick_point_label, text);
    }
  else
    gtk_label_set_text (self->pick_point_label, _("No point chosen yet"));
}

static void
pick_location_clicked_cb (WmMapView     *map,
                          double         latitude,
                          double         longitude,
                          WmLocationRow *self)
{
  self->picked_latitude = latitude;
  self->picked_longitude = longitude;
  pick_show_point (self);
}

static void
pick_use_clicked_cb (WmLocationRow *self)
{
  gboolean exact = self->show_precision && gtk_check_button_get_active (self->pick_exact);

  gtk_menu_button_popdown (self->pick_button);
  if (!isfinite (self->picked_latitude) || !isfinite (self->picked_longitude))
    return;

  set_coordinates (self, self->picked_latitude, self->picked_longitude);
  /* The point belongs to the town as written: retyping the same name keeps it. */
  remember_placed (self);
  g_clear_pointer (&self->town_warning, g_free);
  self->precision_pending = FALSE;
  if (exact)
    {
      g_free (self->chosen_precision);
      self->chosen_precision = g_strdup ("exact");
      set_precision (self, "exact");
    }
  else if (self->precision == NULL || g_str_equal (self->precision, "exact"))
    {
      /* An earlier exact point is not this one: back to what town and postcode support. */
      g_clear_pointer (&self->chosen_precision, g_free);
      set_precision (self, precision_from_postcode_kind (self->postcode_kind));
    }
  wm_location_row_update (self);
}

static GtkWidget *
pick_build_popover (WmLocationRow *self)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *intro = gtk_label_new (_("Click the map where they are. Zoom in for a closer "
                                      "point."));
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);

  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_xalign (GTK_LABEL (intro), 0);
  gtk_box_append (GTK_BOX (box), intro);

  /* No session: a map of places only, no therapists. */
  self->pick_map = WM_MAP_VIEW (wm_map_view_new (NULL));
  wm_map_view_set_compact (self->pick_map, TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self->pick_map), 520, 380);
  g_signal_connect_object (self->pick_map, "location-clicked",
                           G_CALLBACK (pick_location_clicked_cb), self, 0);
  gtk_frame_set_child (GTK_FRAME (frame), GTK_WIDGET (self->pick_map));
  gtk_box_append (GTK_BOX (box), frame);

  self->pick_point_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->pick_point_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->pick_point_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->pick_point_label), "numeric");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->pick_point_label));

  self->pick_exact = GTK_CHECK_BUTTON (
    gtk_check_button_new_with_mnemonic (_("This is their _exact address")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pick_exact),
                               _("Only for an address they gave: otherwise the map shows an "
                                 "area around the point, as large as what is known"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->pick_exact));

  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_menu_button_popdown),
                            self->pick_button);
  gtk_box_append (GTK_BOX (buttons), cancel);
  self->pick_use_button = gtk_button_new_with_mnemonic (_("_Use This Point"));
  gtk_widget_add_css_class (self->pick_use_button, "suggested-action");
  g_signal_connect_swapped (self->pick_use_button, "clicked",
                            G_CALLBACK (pick_use_clicked_cb), self);
  gtk_box_append (GTK_BOX (buttons), self->pick_use_button);
  gtk_box_append (GTK_BOX (box), buttons);

  gtk_popover_set_child (GTK_POPOVER (popover), box);
  return popover;
}

/* Each time it opens: the point as it is now, and "exact" only if it already is. */
static void
pick_create_popup_cb (GtkMenuButton *button,
                      gpointer       user_data)
{
  WmLocationRow *self = user_data;

  if (gtk_menu_button_get_popover (button) == NULL)
    gtk_menu_button_set_popover (button, pick_build_popover (self));

  self->picked_latitude = self->latitude;
  self->picked_longitude = self->longitude;
  gtk_widget_set_visible (GTK_WIDGET (self->pick_exact), self->show_precision);
  gtk_check_button_set_active (self->pick_exact, g_strcmp0 (self->precision, "exact") == 0);
  if (isfinite (self->latitude) && isfinite (self->longitude))
    wm_map_view_go_to (self->pick_map, self->latitude, self->longitude, 11);
  pick_show_point (self);
}

/* Properties set from code load a record: nothing is searched or derived. */

static void
set_town_from_code (WmLocationRow *self,
                    const char    *town)
{
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->town_row)), town ? town : "") == 0)
    return;
  cancel_searches (self);
  hide_suggestions (self);
  g_clear_pointer (&self->town_warning, g_free);
  self->updating++;
  gtk_editable_set_text (GTK_EDITABLE (self->town_row), town ? town : "");
  self->updating--;
  remember_placed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOWN]);
}

static void
set_postcode_from_code (WmLocationRow *self,
                        const char    *postcode)
{
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->postcode_row)),
                 postcode ? postcode : "") == 0)
    return;
  self->updating++;
  gtk_editable_set_text (GTK_EDITABLE (self->postcode_row), postcode ? postcode : "");
  self->updating--;
}

/* GObject */

static void
wm_location_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  WmLocationRow *self = WM_LOCATION_ROW (object);

  switch (prop_id)
    {
    case PROP_TOWN:
      g_value_take_string (value, dup_town (self));
      break;
    case PROP_POSTCODE:
      g_value_set_string (value, self->postcode);
      break;
    case PROP_LATITUDE:
      g_value_set_double (value, self->latitude);
      break;
    case PROP_LONGITUDE:
      g_value_set_double (value, self->longitude);
      break;
    case PROP_PRECISION:
      g_value_set_string (value, self->precision);
      break;
    case PROP_SHOW_PRECISION:
      g_value_set_boolean (value, self->show_precision);
      break;
    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->town_problem != NULL ? self->town_problem
                                                            : self->postcode_problem);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wm_location_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  WmLocationRow *self = WM_LOCATION_ROW (object);

  switch (prop_id)
    {
    case PROP_TOWN:
      set_town_from_code (self, g_value_get_string (value));
      break;
    case PROP_POSTCODE:
      set_postcode_from_code (self, g_value_get_string (value));
      break;
    case PROP_LATITUDE:
      set_coordinates (self, g_value_get_double (value), self->longitude);
      remember_placed (self);
      break;
    case PROP_LONGITUDE:
      set_coordinates (self, self->latitude, g_value_get_double (value));
      remember_placed (self);
      break;
    case PROP_PRECISION:
      set_precision (self, g_value_get_string (value));
      g_clear_pointer (&self->chosen_precision, g_free);
      self->precision_pending = TRUE;
      break;
    case PROP_SHOW_PRECISION:
      if (self->show_precision != g_value_get_boolean (value))
        {
          self->show_precision = g_value_get_boolean (value);
          gtk_widget_set_visible (GTK_WIDGET (self->precision_row), self->show_precision);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  /* Messages depend on all of them (the postcode's note on the coordinates, say). */
  wm_location_row_update (self);
}

/* Searches hold a reference on the row: stop them when it leaves its window, or they would
 * keep it alive and then show their results with no window to show them in. */
static void
wm_location_row_unroot (GtkWidget *widget)
{
  WmLocationRow *self = WM_LOCATION_ROW (widget);

  cancel_searches (self);
  hide_suggestions (self);

  GTK_WIDGET_CLASS (wm_location_row_parent_class)->unroot (widget);
}

static void
wm_location_row_dispose (GObject *object)
{
  WmLocationRow *self = WM_LOCATION_ROW (object);

  cancel_searches (self);
  if (self->suggestions_popover != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->suggestions_popover));
  gtk_widget_dispose_template (GTK_WIDGET (self), WM_TYPE_LOCATION_ROW);
  g_clear_pointer (&self->suggestions, g_ptr_array_unref);

  G_OBJECT_CLASS (wm_location_row_parent_class)->dispose (object);
}

static void
wm_location_row_finalize (GObject *object)
{
  WmLocationRow *self = WM_LOCATION_ROW (object);

  g_free (self->placed_town);
  g_free (self->precision);
  g_free (self->chosen_precision);
  g_free (self->postcode);
  g_free (self->town_problem);
  g_free (self->postcode_problem);
  g_free (self->town_warning);
  g_free (self->notified_problem);

  G_OBJECT_CLASS (wm_location_row_parent_class)->finalize (object);
}

static void
wm_location_row_class_init (WmLocationRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wm_location_row_get_property;
  object_class->set_property = wm_location_row_set_property;
  object_class->dispose = wm_location_row_dispose;
  object_class->finalize = wm_location_row_finalize;
  widget_class->unroot = wm_location_row_unroot;

  properties[PROP_TOWN] =
    g_param_spec_string ("town", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSTCODE] =
    g_param_spec_string ("postcode", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* NAN means unknown. GLib counts NAN as out of any range (NAN != NAN after clamping), so
   * without lax validation g_object_set() would refuse it with a warning; and the default of
   * a spec must lie in its range, so the spec says 0 while an instance starts at NAN. */
  properties[PROP_LATITUDE] =
    g_param_spec_double ("latitude", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_LAX_VALIDATION | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);
  properties[PROP_LONGITUDE] =
    g_param_spec_double ("longitude", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_LAX_VALIDATION | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRECISION] =
    g_param_spec_string ("precision", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_PRECISION] =
    g_param_spec_boolean ("show-precision", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/waymark/Waymark/wm-location-row.ui");
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, town_row);
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, town_message_row);
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, town_message);
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, postcode_row);
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, postcode_message_row);
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, postcode_message);
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, precision_row);
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, suggestions_popover);
  gtk_widget_class_bind_template_child (widget_class, WmLocationRow, suggestions_list);
  gtk_widget_class_bind_template_callback (widget_class, town_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, town_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, postcode_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, postcode_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, precision_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, suggestion_activated_cb);
}

static void
wm_location_row_init (WmLocationRow *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GtkEventController *controller;
  guint n;
  const WmVocabEntry *entries = wm_vocab_entries (WM_VOCAB_PRECISION, &n);

  self->latitude = NAN;
  self->longitude = NAN;
  self->placed_latitude = NAN;
  self->placed_longitude = NAN;
  self->picked_latitude = NAN;
  self->picked_longitude = NAN;
  self->show_precision = TRUE;
  self->valid = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (labels, _(entries[i].label));
  self->updating++;
  adw_combo_row_set_model (self->precision_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->precision_row, GTK_INVALID_LIST_POSITION);
  self->updating--;

  /* A child of this box rather than of the entry row: the box's layout manager then keeps
   * the popover under the row whenever the page moves. */
  gtk_widget_set_parent (GTK_WIDGET (self->suggestions_popover), GTK_WIDGET (self));

  /* Capture phase: the arrows and Enter reach the list before the entry inside the row. */
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (controller, "key-pressed", G_CALLBACK (town_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->town_row), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (controller, "leave", G_CALLBACK (town_focus_left_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->town_row), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (controller, "leave", G_CALLBACK (postcode_focus_left_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->postcode_row), controller);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->town_row),
                                  GTK_ACCESSIBLE_PROPERTY_AUTOCOMPLETE,
                                  GTK_ACCESSIBLE_AUTOCOMPLETE_LIST,
                                  GTK_ACCESSIBLE_PROPERTY_HAS_POPUP, TRUE,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->town_row),
                                  GTK_ACCESSIBLE_RELATION_CONTROLS, self->suggestions_list, NULL,
                                  -1);

  self->pick_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_icon_name (self->pick_button, "mark-location-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pick_button), _("Pick on Map"));
  gtk_widget_set_valign (GTK_WIDGET (self->pick_button), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->pick_button), "flat");
  gtk_menu_button_set_create_popup_func (self->pick_button, pick_create_popup_cb, self, NULL);
  wm_accessible_label_menu_button (self->pick_button, _("Pick on Map"));
  adw_entry_row_add_suffix (self->town_row, GTK_WIDGET (self->pick_button));
}

GtkWidget *
wm_location_row_new (void)
{
  return g_object_new (WM_TYPE_LOCATION_ROW, NULL);
}
