/* acrn-cpuinfo.c: LAPIC ids of the Service VM and the allowed-cpus set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <libvmm/vmm-error.h>

#include "acrn-cpuinfo.h"

static int
compare_guint32 (gconstpointer a,
                 gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

static int
compare_range (gconstpointer a,
               gconstpointer b)
{
  const AcrnCpuRange *x = a;
  const AcrnCpuRange *y = b;

  if (x->first != y->first)
    return (x->first > y->first) - (x->first < y->first);
  return (x->last > y->last) - (x->last < y->last);
}

/* Sorts @ids and drops duplicates, in place. */
static void
sort_unique (GArray *ids)
{
  guint out = 0;

  g_array_sort (ids, compare_guint32);
  for (guint i = 0; i < ids->len; i++)
    {
      guint32 id = g_array_index (ids, guint32, i);

      if (out > 0 && g_array_index (ids, guint32, out - 1) == id)
        continue;
      g_array_index (ids, guint32, out++) = id;
    }
  g_array_set_size (ids, out);
}

/* A decimal number made of ASCII digits only (no sign, no blanks). */
static gboolean
parse_u32 (const char *text,
           guint32    *out)
{
  guint64 value = 0;

  if (text[0] == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &value, NULL))
    return FALSE;
  *out = (guint32) value;
  return TRUE;
}

/**
 * acrn_cpuinfo_parse_apic_ids:
 * @contents: the text of a /proc/cpuinfo file
 * @length: length of @contents, or -1 if it is nul-terminated
 * @source_name: the file name to use in error messages
 * @error: return location for a #GError
 *
 * Collects the values of the `apicid` lines (not the `initial apicid`
 * ones) of a /proc/cpuinfo text. Ids may be non-contiguous.
 *
 * Returns: (transfer full) (element-type guint32): the LAPIC ids, sorted
 *   and without duplicates, or %NULL with %VMM_ERROR_IO when a value is
 *   malformed or %VMM_ERROR_HOST_UNSUPPORTED when there is no `apicid` line
 */
GArray *
acrn_cpuinfo_parse_apic_ids (const char  *contents,
                             gssize       length,
                             const char  *source_name,
                             GError     **error)
{
  g_autoptr(GArray) ids = NULL;
  const char *p, *end;
  guint line = 0;

  g_return_val_if_fail (contents != NULL, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Scanned in place, line by line: a real /proc/cpuinfo has about 1 KiB
   * per CPU, of which one short line matters. The text ends at the first
   * nul, if any. */
  p = contents;
  end = contents + (length < 0 ? strlen (contents) : strnlen (contents, (gsize) length));
  ids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (; p < end; line++)
    {
      const char *newline = memchr (p, '\n', (gsize) (end - p));
      const char *eol = newline != NULL ? newline : end;
      const char *key = p;
      const char *colon;

      p = newline != NULL ? newline + 1 : end;

      /* The key, blanks around it, is exactly "apicid" (not "initial
       * apicid", not a flag such as extd_apicid). */
      while (key < eol && g_ascii_isspace (*key))
        key++;
      if (eol - key < 6 || memcmp (key, "apicid", 6) != 0)
        continue;
      colon = key + 6;
      while (colon < eol && g_ascii_isspace (*colon))
        colon++;
      if (colon == eol || *colon != ':')
        continue;

      {
        const char *value = colon + 1;
        const char *value_end = eol;
        char text[32];
        guint32 id;

        while (value < value_end && g_ascii_isspace (*value))
          value++;
        while (value_end > value && g_ascii_isspace (value_end[-1]))
          value_end--;
        if ((gsize) (value_end - value) >= sizeof text)
          {
            g_autofree char *shown = g_strndup (value, (gsize) (value_end - value));

            g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                         "%s line %u: malformed apicid value '%s'",
                         source_name, line + 1, shown);
            return NULL;
          }
        memcpy (text, value, (gsize) (value_end - value));
        text[value_end - value] = '\0';
        if (!parse_u32 (text, &id))
          {
            g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                         "%s line %u: malformed apicid value '%s'",
                         source_name, line + 1, text);
            return NULL;
          }
        g_array_append_val (ids, id);
      }
    }

  if (ids->len == 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED,
                   "%s has no apicid lines: cannot know the LAPIC ids that "
                   "acrn-dm --cpu_affinity needs", source_name);
      return NULL;
    }

  sort_unique (ids);
  return g_steal_pointer (&ids);
}

/**
 * acrn_cpuinfo_read_apic_ids:
 * @cpuinfo_path: a /proc/cpuinfo file, normally %ACRN_CPUINFO_DEFAULT_PATH
 * @error: return location for a #GError
 *
 * Reads @cpuinfo_path and returns its LAPIC ids, see
 * acrn_cpuinfo_parse_apic_ids().
 *
 * Returns: (transfer full) (element-type guint32): sorted unique LAPIC ids,
 *   or %NULL (%VMM_ERROR_IO naming the file when it cannot be read)
 */
GArray *
acrn_cpuinfo_read_apic_ids (const char  *cpuinfo_path,
                            GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (cpuinfo_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (cpuinfo_path, &contents, &length, &local_error))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                   "Cannot read CPU information from %s: %s",
                   cpuinfo_path, local_error->message);
      return NULL;
    }

  return acrn_cpuinfo_parse_apic_ids (contents, (gssize) length, cpuinfo_path, error);
}

/**
 * acrn_cpu_list_parse:
 * @text: a CPU list such as `0-3,6` (blanks around elements are allowed)
 * @field_name: the configuration key to name in errors (e.g. `allowed-cpus`)
 * @out_ranges: (out) (transfer full) (element-type AcrnCpuRange): the
 *   ranges, sorted, with overlapping and adjacent ones merged
 * @error: return location for a #GError
 *
 * Parses the Linux cpu-list syntax: comma-separated elements, each a
 * decimal id or an inclusive range `A-B` with `A <= B`. Ids are 32-bit.
 *
 * Returns: %TRUE, or %FALSE with %VMM_ERROR_INVALID_CONFIG naming
 *   @field_name and the faulty element
 */
gboolean
acrn_cpu_list_parse (const char  *text,
                     const char  *field_name,
                     GArray     **out_ranges,
                     GError     **error)
{
  g_autoptr(GArray) ranges = NULL;
  g_auto(GStrv) elements = NULL;
  guint merged = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (field_name != NULL, FALSE);
  g_return_val_if_fail (out_ranges != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ranges = g_array_new (FALSE, FALSE, sizeof (AcrnCpuRange));
  elements = g_strsplit (text, ",", -1);

  if (elements[0] == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: the CPU list is empty", field_name);
      return FALSE;
    }

  for (guint i = 0; elements[i] != NULL; i++)
    {
      char *element = g_strstrip (elements[i]);
      char *dash = strchr (element, '-');
      AcrnCpuRange range;

      if (element[0] == '\0')
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "%s: invalid CPU list '%s': element %u is empty",
                       field_name, text, i + 1);
          return FALSE;
        }

      if (dash != NULL)
        {
          *dash = '\0';
          if (!parse_u32 (element, &range.first) ||
              !parse_u32 (dash + 1, &range.last))
            {
              *dash = '-';
              g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                           "%s: invalid CPU list '%s': '%s' is not a range "
                           "of two decimal LAPIC ids",
                           field_name, text, element);
              return FALSE;
            }
          *dash = '-';
          if (range.first > range.last)
            {
              g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                           "%s: invalid CPU list '%s': range '%s' is reversed",
                           field_name, text, element);
              return FALSE;
            }
        }
      else
        {
          if (!parse_u32 (element, &range.first))
            {
              g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                           "%s: invalid CPU list '%s': '%s' is not a decimal "
                           "LAPIC id", field_name, text, element);
              return FALSE;
            }
          range.last = range.first;
        }

      g_array_append_val (ranges, range);
    }

  g_array_sort (ranges, compare_range);
  for (guint i = 0; i < ranges->len; i++)
    {
      AcrnCpuRange r = g_array_index (ranges, AcrnCpuRange, i);
      AcrnCpuRange *prev = merged > 0 ? &g_array_index (ranges, AcrnCpuRange, merged - 1) : NULL;

      if (prev != NULL && (prev->last == G_MAXUINT32 || r.first <= prev->last + 1))
        prev->last = MAX (prev->last, r.last);
      else
        g_array_index (ranges, AcrnCpuRange, merged++) = r;
    }
  g_array_set_size (ranges, merged);

  *out_ranges = g_steal_pointer (&ranges);
  return TRUE;
}

static void
append_range (GString *str,
              guint32  first,
              guint32  last)
{
  if (str->len > 0)
    g_string_append_c (str, ',');
  if (first == last)
    g_string_append_printf (str, "%" G_GUINT32_FORMAT, first);
  else
    g_string_append_printf (str, "%" G_GUINT32_FORMAT "-%" G_GUINT32_FORMAT,
                            first, last);
}

/**
 * acrn_cpu_set_resolve:
 * @present_ids: (array length=n_present): the host's LAPIC ids, sorted and unique
 * @n_present: number of @present_ids
 * @allowed_cpus: (nullable): the `allowed-cpus` CPU list; %NULL allows all
 * @source_name: where @present_ids come from, for error messages
 * @error: return location for a #GError
 *
 * Intersects the allowed set with the ids that exist. Every id named by
 * @allowed_cpus must exist: a typo must not silently shrink the set.
 *
 * Returns: (transfer full) (element-type guint32): the allowed LAPIC ids,
 *   sorted, or %NULL with %VMM_ERROR_INVALID_CONFIG for a bad list or ids
 *   that are not in @source_name (the message lists them)
 */
GArray *
acrn_cpu_set_resolve (const guint32  *present_ids,
                      guint           n_present,
                      const char     *allowed_cpus,
                      const char     *source_name,
                      GError        **error)
{
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GArray) allowed = NULL;
  g_autoptr(GString) missing = NULL;
  guint p = 0;

  g_return_val_if_fail (present_ids != NULL || n_present == 0, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  allowed = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (allowed_cpus == NULL)
    {
      g_array_append_vals (allowed, present_ids, n_present);
      sort_unique (allowed);
      return g_steal_pointer (&allowed);
    }

  if (!acrn_cpu_list_parse (allowed_cpus, "allowed-cpus", &ranges, error))
    return NULL;

  missing = g_string_new (NULL);

  /* Ranges are sorted and disjoint and present_ids is sorted, so one walk
   * over both finds the present ids and the holes of every range. The
   * message stays small even for a huge range: holes are ranges too. */
  for (guint r = 0; r < ranges->len; r++)
    {
      const AcrnCpuRange *range = &g_array_index (ranges, AcrnCpuRange, r);
      guint64 cursor = range->first;

      while (p < n_present && present_ids[p] < range->first)
        p++;
      while (p < n_present && present_ids[p] <= range->last)
        {
          if (present_ids[p] > cursor)
            append_range (missing, (guint32) cursor, present_ids[p] - 1);
          g_array_append_val (allowed, present_ids[p]);
          cursor = (guint64) present_ids[p] + 1;
          p++;
        }
      if (cursor <= range->last)
        append_range (missing, (guint32) cursor, range->last);
    }

  if (missing->len > 0)
    {
      g_autofree char *present_text = acrn_cpu_list_format (present_ids, n_present);

      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "allowed-cpus: LAPIC id(s) %s not present in %s "
                   "(present: %s)", missing->str, source_name, present_text);
      return NULL;
    }

  return g_steal_pointer (&allowed);
}

/**
 * acrn_cpu_set_load:
 * @cpuinfo_path: a /proc/cpuinfo file
 * @allowed_cpus: (nullable): the `allowed-cpus` CPU list; %NULL allows all
 * @error: return location for a #GError
 *
 * acrn_cpuinfo_read_apic_ids() followed by acrn_cpu_set_resolve().
 *
 * Returns: (transfer full) (element-type guint32): the allowed LAPIC ids,
 *   sorted, or %NULL
 */
GArray *
acrn_cpu_set_load (const char  *cpuinfo_path,
                   const char  *allowed_cpus,
                   GError     **error)
{
  g_autoptr(GArray) present = NULL;

  g_return_val_if_fail (cpuinfo_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  present = acrn_cpuinfo_read_apic_ids (cpuinfo_path, error);
  if (present == NULL)
    return NULL;

  return acrn_cpu_set_resolve ((const guint32 *) (gpointer) present->data,
                               present->len, allowed_cpus, cpuinfo_path,
                               error);
}

/**
 * acrn_cpu_list_format:
 * @ids: (array length=n_ids) (nullable): LAPIC ids, in any order
 * @n_ids: number of @ids
 *
 * Formats ids in compressed cpu-list syntax (`0-3,6`), for messages.
 *
 * Returns: (transfer full): the list, `""` when @n_ids is 0
 */
char *
acrn_cpu_list_format (const guint32 *ids,
                      guint          n_ids)
{
  g_autoptr(GArray) sorted = NULL;
  GString *str;

  g_return_val_if_fail (ids != NULL || n_ids == 0, NULL);

  sorted = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_vals (sorted, ids, n_ids);
  sort_unique (sorted);

  str = g_string_new (NULL);
  for (guint i = 0; i < sorted->len;)
    {
      guint32 first = g_array_index (sorted, guint32, i);
      guint32 last = first;

      i++;
      while (i < sorted->len && last != G_MAXUINT32 &&
             g_array_index (sorted, guint32, i) == last + 1)
        last = g_array_index (sorted, guint32, i++);
      append_range (str, first, last);
    }

  return g_string_free (str, FALSE);
}

/**
 * acrn_cpu_affinity_format:
 * @ids: (array length=n_ids) (nullable): LAPIC ids
 * @n_ids: number of @ids
 *
 * Formats ids the way `acrn-dm --cpu_affinity` takes them: decimal,
 * comma-separated, in the given order, no ranges.
 *
 * Returns: (transfer full): e.g. `0,2,5`; `""` when @n_ids is 0
 */
char *
acrn_cpu_affinity_format (const guint32 *ids,
                          guint          n_ids)
{
  GString *str;

  g_return_val_if_fail (ids != NULL || n_ids == 0, NULL);

  str = g_string_new (NULL);
  for (guint i = 0; i < n_ids; i++)
    g_string_append_printf (str, "%s%" G_GUINT32_FORMAT, i > 0 ? "," : "", ids[i]);

  return g_string_free (str, FALSE);
}
