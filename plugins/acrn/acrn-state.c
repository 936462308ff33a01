/* acrn-state.c: what a new process needs to take over a running ACRN VM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "acrn-state.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

static void
pool_slot_clear (gpointer data)
{
  AcrnPoolSlot *slot = data;

  g_clear_object (&slot->device);
}

/**
 * acrn_state_new:
 *
 * Returns: (transfer full): an empty state (no process, no CPUs, no CID)
 */
AcrnState *
acrn_state_new (void)
{
  AcrnState *state = g_new0 (AcrnState, 1);

  state->state = VMM_VM_STATE_NOT_CREATED;
  state->exit_status = -1;
  state->cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  state->pool = g_array_new (FALSE, TRUE, sizeof (AcrnPoolSlot));
  g_array_set_clear_func (state->pool, pool_slot_clear);
  return state;
}

/**
 * acrn_state_free:
 * @state: (nullable): a state
 *
 * Frees @state.
 */
void
acrn_state_free (AcrnState *state)
{
  if (state == NULL)
    return;

  g_free (state->vm_id);
  g_free (state->vm_name);
  g_free (state->mngr_dir);
  g_free (state->console_path);
  g_array_unref (state->cpus);
  g_array_unref (state->pool);
  g_strfreev (state->command_line);
  g_clear_object (&state->config);
  g_free (state->config_json);
  g_free (state);
}

static const char *
state_nick (VmmVmState value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (VMM_TYPE_VM_STATE);
  GEnumValue *ev = g_enum_get_value (klass, (int) value);

  return ev != NULL ? ev->value_nick : "invalid";
}

/**
 * acrn_state_to_json_node:
 * @state: a state
 *
 * Returns: (transfer full): @state as a JSON object
 */
JsonNode *
acrn_state_to_json_node (const AcrnState *state)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (state != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, ACRN_STATE_VERSION);
  json_builder_set_member_name (builder, "vm-id");
  json_builder_add_string_value (builder, state->vm_id);
  json_builder_set_member_name (builder, "vm-name");
  json_builder_add_string_value (builder, state->vm_name);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, state_nick (state->state));
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, state->pid);
  json_builder_set_member_name (builder, "start-time");
  json_builder_add_int_value (builder, (gint64) state->start_time);
  json_builder_set_member_name (builder, "exit-status");
  json_builder_add_int_value (builder, state->exit_status);
  json_builder_set_member_name (builder, "mngr-dir");
  json_builder_add_string_value (builder, state->mngr_dir);
  json_builder_set_member_name (builder, "console-path");
  json_builder_add_string_value (builder, state->console_path);

  json_builder_set_member_name (builder, "cpus");
  json_builder_begin_array (builder);
  for (guint i = 0; i < state->cpus->len; i++)
    json_builder_add_int_value (builder, g_array_index (state->cpus, guint32, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "cid");
  json_builder_add_int_value (builder, state->cid);

  json_builder_set_member_name (builder, "pool");
  json_builder_begin_array (builder);
  for (guint i = 0; i < state->pool->len; i++)
    {
      AcrnPoolSlot *slot = &g_array_index (state->pool, AcrnPoolSlot, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "slot");
      json_builder_add_int_value (builder, slot->slot);
      json_builder_set_member_name (builder, "device");
      if (slot->device != NULL)
        json_builder_add_value (builder, vmm_device_to_json (slot->device));
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "command-line");
  if (state->command_line != NULL)
    {
      json_builder_begin_array (builder);
      for (guint i = 0; state->command_line[i] != NULL; i++)
        json_builder_add_string_value (builder, state->command_line[i]);
      json_builder_end_array (builder);
    }
  else
    {
      json_builder_add_null_value (builder);
    }

  json_builder_set_member_name (builder, "config");
  if (state->config != NULL)
    json_builder_add_value (builder, vmm_hypervisor_config_to_json_node (state->config));
  else
    json_builder_add_null_value (builder);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* ---- writing the text directly ------------------------------------------ */

/* The state is written on every transition: its text is put together
 * here, in the layout of json-glib's pretty printer (two spaces per level,
 * `"key" : value`), without building a JsonNode tree for it first; that
 * halves the cost of a write. Only the configuration and hot-plugged
 * devices go through json-glib. */

static void
append_indent (GString *out,
               guint    depth)
{
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

/**
 * acrn_json_append_string:
 * @out: a string
 * @str: (nullable): a UTF-8 string; %NULL is written as `""`
 *
 * Appends @str as a JSON string literal, escaped as json-glib escapes it
 * (quote, backslash and control characters; other characters as they are).
 */
void
acrn_json_append_string (GString    *out,
                         const char *str)
{
  g_string_append_c (out, '"');
  for (const char *p = str != NULL ? str : ""; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

/* `  "key" : ` at @depth. */
static void
append_key (GString    *out,
            guint       depth,
            const char *key)
{
  append_indent (out, depth);
  acrn_json_append_string (out, key);
  g_string_append (out, " : ");
}

/* @node pretty-printed by json-glib, its lines indented for @depth. */
static void
append_node (GString  *out,
             JsonNode *node,
             guint     depth)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  for (const char *p = text; *p != '\0'; p++)
    {
      g_string_append_c (out, *p);
      if (*p == '\n')
        append_indent (out, depth);
    }
}

/**
 * acrn_state_render_config:
 * @config: a configuration
 *
 * Renders @config as acrn_state_to_json() renders the `config` member, for
 * #AcrnState.config_json: a caller that writes the state often keeps it
 * while @config does not change (the configuration is the largest part of
 * the text, and the most costly to render).
 *
 * Returns: (transfer full): the text
 */
char *
acrn_state_render_config (VmmHypervisorConfig *config)
{
  g_autoptr(JsonNode) node = NULL;
  GString *out;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (config), NULL);

  node = vmm_hypervisor_config_to_json_node (config);
  out = g_string_sized_new (2048);
  append_node (out, node, 1);
  return g_string_free (out, FALSE);
}

/**
 * acrn_state_to_json:
 * @state: a state
 *
 * Gives the same document as acrn_state_to_json_node(), as text laid out
 * like json-glib's pretty printer does.
 *
 * Returns: (transfer full): @state as pretty-printed JSON text
 */
char *
acrn_state_to_json (const AcrnState *state)
{
  GString *out;

  g_return_val_if_fail (state != NULL, NULL);

  out = g_string_sized_new (4096);
  g_string_append (out, "{\n");
  append_key (out, 1, "version");
  g_string_append_printf (out, "%d,\n", ACRN_STATE_VERSION);
  append_key (out, 1, "vm-id");
  acrn_json_append_string (out, state->vm_id);
  g_string_append (out, ",\n");
  append_key (out, 1, "vm-name");
  acrn_json_append_string (out, state->vm_name);
  g_string_append (out, ",\n");
  append_key (out, 1, "state");
  acrn_json_append_string (out, state_nick (state->state));
  g_string_append (out, ",\n");
  append_key (out, 1, "pid");
  g_string_append_printf (out, "%d,\n", (int) state->pid);
  append_key (out, 1, "start-time");
  g_string_append_printf (out, "%" G_GINT64_FORMAT ",\n", (gint64) state->start_time);
  append_key (out, 1, "exit-status");
  g_string_append_printf (out, "%d,\n", state->exit_status);
  append_key (out, 1, "mngr-dir");
  acrn_json_append_string (out, state->mngr_dir);
  g_string_append (out, ",\n");
  append_key (out, 1, "console-path");
  acrn_json_append_string (out, state->console_path);
  g_string_append (out, ",\n");

  append_key (out, 1, "cpus");
  if (state->cpus->len == 0)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      for (guint i = 0; i < state->cpus->len; i++)
        {
          append_indent (out, 2);
          g_string_append_printf (out, "%" G_GUINT32_FORMAT "%s\n",
                                  g_array_index (state->cpus, guint32, i),
                                  i + 1 < state->cpus->len ? "," : "");
        }
      append_indent (out, 1);
      g_string_append_c (out, ']');
    }
  g_string_append (out, ",\n");

  append_key (out, 1, "cid");
  g_string_append_printf (out, "%" G_GUINT32_FORMAT ",\n", state->cid);

  append_key (out, 1, "pool");
  if (state->pool->len == 0)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      for (guint i = 0; i < state->pool->len; i++)
        {
          AcrnPoolSlot *slot = &g_array_index (state->pool, AcrnPoolSlot, i);

          append_indent (out, 2);
          g_string_append (out, "{\n");
          append_key (out, 3, "slot");
          g_string_append_printf (out, "%u,\n", slot->slot);
          append_key (out, 3, "device");
          if (slot->device != NULL)
            {
              g_autoptr(JsonNode) device = vmm_device_to_json (slot->device);

              append_node (out, device, 3);
            }
          else
            g_string_append (out, "null");
          g_string_append_c (out, '\n');
          append_indent (out, 2);
          g_string_append (out, i + 1 < state->pool->len ? "},\n" : "}\n");
        }
      append_indent (out, 1);
      g_string_append_c (out, ']');
    }
  g_string_append (out, ",\n");

  append_key (out, 1, "command-line");
  if (state->command_line == NULL)
    g_string_append (out, "null");
  else if (state->command_line[0] == NULL)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      for (guint i = 0; state->command_line[i] != NULL; i++)
        {
          append_indent (out, 2);
          acrn_json_append_string (out, state->command_line[i]);
          g_string_append (out, state->command_line[i + 1] != NULL ? ",\n" : "\n");
        }
      append_indent (out, 1);
      g_string_append_c (out, ']');
    }
  g_string_append (out, ",\n");

  append_key (out, 1, "config");
  if (state->config != NULL && state->config_json != NULL)
    g_string_append (out, state->config_json);
  else if (state->config != NULL)
    {
      g_autofree char *config = acrn_state_render_config (state->config);

      g_string_append (out, config);
    }
  else
    g_string_append (out, "null");
  g_string_append (out, "\n}");

  return g_string_free (out, FALSE);
}

/* ---- reading ------------------------------------------------------------- */

static void
bad_key (GError     **error,
         const char  *source,
         const char  *key,
         const char  *format,
         ...) G_GNUC_PRINTF (4, 5);

static void
bad_key (GError     **error,
         const char  *source,
         const char  *key,
         const char  *format,
         ...)
{
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
               "Invalid ACRN state in %s: key “%s”: %s", source, key, detail);
}

static gboolean
get_int (JsonObject  *object,
         const char  *source,
         const char  *key,
         gint64       min,
         gint64       max,
         gint64      *out,
         GError     **error)
{
  JsonNode *node = json_object_get_member (object, key);
  gint64 value;

  if (node == NULL)
    {
      bad_key (error, source, key, "missing");
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      bad_key (error, source, key, "must be an integer");
      return FALSE;
    }
  value = json_node_get_int (node);
  if (value < min || value > max)
    {
      bad_key (error, source, key, "%" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
               "..%" G_GINT64_FORMAT, value, min, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
get_string (JsonObject  *object,
            const char  *source,
            const char  *key,
            gboolean     allow_empty,
            char       **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, key);
  const char *value;

  if (node == NULL)
    {
      bad_key (error, source, key, "missing");
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      bad_key (error, source, key, "must be a string");
      return FALSE;
    }
  value = json_node_get_string (node);
  if (!allow_empty && *value == '\0')
    {
      bad_key (error, source, key, "must not be empty");
      return FALSE;
    }
  *out = g_strdup (value);
  return TRUE;
}

static const char * const known_keys[] = {
  "version", "vm-id", "vm-name", "state", "pid", "start-time", "exit-status", "mngr-dir",
  "console-path", "cpus", "cid", "pool", "command-line", "config", NULL
};

/**
 * acrn_state_new_from_json:
 * @json: the JSON text
 * @length: its length, or -1 if NUL-terminated
 * @source_name: what the text is, for messages (a file name, or
 *   "saved state")
 * @error: return location for a #GError
 *
 * Parses and checks a state. Every error names @source_name and the key.
 *
 * Returns: (transfer full): the state, or %NULL with
 *   %VMM_ERROR_INVALID_ARGUMENT
 */
AcrnState *
acrn_state_new_from_json (const char  *json,
                          gssize       length,
                          const char  *source_name,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(AcrnState) state = acrn_state_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *state_name = NULL;
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;
  gint64 v;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!json_parser_load_from_data (parser, json, length, &local_error))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Invalid ACRN state in %s: %s", source_name, local_error->message);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Invalid ACRN state in %s: not a JSON object", source_name);
      return NULL;
    }
  object = json_node_get_object (node);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known_keys, l->data))
      {
        bad_key (error, source_name, l->data, "unknown key");
        return NULL;
      }

  if (!get_int (object, source_name, "version", 0, G_MAXINT, &v, error))
    return NULL;
  if (v != ACRN_STATE_VERSION)
    {
      bad_key (error, source_name, "version", "version %" G_GINT64_FORMAT " is not supported "
               "(this libvmm reads version %d)", v, ACRN_STATE_VERSION);
      return NULL;
    }

  if (!get_string (object, source_name, "vm-id", FALSE, &state->vm_id, error) ||
      !get_string (object, source_name, "vm-name", FALSE, &state->vm_name, error) ||
      !get_string (object, source_name, "mngr-dir", FALSE, &state->mngr_dir, error) ||
      !get_string (object, source_name, "console-path", TRUE, &state->console_path, error) ||
      !get_string (object, source_name, "state", FALSE, &state_name, error))
    return NULL;

  {
    g_autoptr(GEnumClass) klass = g_type_class_ref (VMM_TYPE_VM_STATE);
    GEnumValue *ev = g_enum_get_value_by_nick (klass, state_name);

    if (ev == NULL)
      {
        bad_key (error, source_name, "state", "“%s” is not a VM state", state_name);
        return NULL;
      }
    state->state = (VmmVmState) ev->value;
  }

  if (!get_int (object, source_name, "pid", 0, G_MAXINT, &v, error))
    return NULL;
  state->pid = (GPid) v;
  if (!get_int (object, source_name, "start-time", 0, G_MAXINT64, &v, error))
    return NULL;
  state->start_time = (guint64) v;
  if (!get_int (object, source_name, "exit-status", -1, G_MAXINT, &v, error))
    return NULL;
  state->exit_status = (int) v;
  if (!get_int (object, source_name, "cid", 0, VMM_VSOCK_CID_MAX, &v, error))
    return NULL;
  if (v != 0 && v < VMM_VSOCK_CID_MIN)
    {
      bad_key (error, source_name, "cid", "%" G_GINT64_FORMAT " is reserved", v);
      return NULL;
    }
  state->cid = (guint32) v;

  if ((state->pid == 0) != (state->start_time == 0))
    {
      bad_key (error, source_name, "start-time", "must be set exactly when “pid” is");
      return NULL;
    }

  /* cpus */
  node = json_object_get_member (object, "cpus");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      bad_key (error, source_name, "cpus", node == NULL ? "missing" : "must be an array");
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      gint64 id;

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64 ||
          (id = json_node_get_int (e)) < 0 || id > G_MAXUINT32)
        {
          bad_key (error, source_name, "cpus", "element %u is not a LAPIC id", i);
          return NULL;
        }
      g_array_append_vals (state->cpus, &(guint32) { (guint32) id }, 1);
    }

  /* pool */
  node = json_object_get_member (object, "pool");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      bad_key (error, source_name, "pool", node == NULL ? "missing" : "must be an array");
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      JsonObject *o;
      JsonNode *dev;
      AcrnPoolSlot slot = { 0 };
      g_autofree char *key = g_strdup_printf ("pool[%u].slot", i);

      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          bad_key (error, source_name, "pool", "element %u is not an object", i);
          return NULL;
        }
      o = json_node_get_object (e);
      if (!get_int (o, source_name, "slot", 0, 31, &v, error))
        {
          g_prefix_error (error, "pool[%u]: ", i);
          return NULL;
        }
      slot.slot = (guint) v;
      for (guint j = 0; j < state->pool->len; j++)
        if (g_array_index (state->pool, AcrnPoolSlot, j).slot == slot.slot)
          {
            bad_key (error, source_name, key, "slot %u appears twice", slot.slot);
            return NULL;
          }

      dev = json_object_get_member (o, "device");
      if (dev != NULL && !JSON_NODE_HOLDS_NULL (dev))
        {
          g_autoptr(GError) dev_error = NULL;

          slot.device = vmm_device_new_from_json (dev, &dev_error);
          if (slot.device == NULL)
            {
              g_autofree char *dkey = g_strdup_printf ("pool[%u].device", i);

              bad_key (error, source_name, dkey, "%s", dev_error->message);
              return NULL;
            }
          if (!VMM_IS_BLOCK_DEVICE (slot.device))
            {
              g_autofree char *dkey = g_strdup_printf ("pool[%u].device", i);

              g_object_unref (slot.device);
              bad_key (error, source_name, dkey, "only block devices go into the pool");
              return NULL;
            }
        }
      g_array_append_val (state->pool, slot);
    }

  /* command-line */
  node = json_object_get_member (object, "command-line");
  if (node == NULL)
    {
      bad_key (error, source_name, "command-line", "missing");
      return NULL;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *e = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
            {
              bad_key (error, source_name, "command-line", "element %u is not a string", i);
              return NULL;
            }
          g_strv_builder_add (builder, json_node_get_string (e));
        }
      state->command_line = g_strv_builder_end (builder);
    }
  else if (!JSON_NODE_HOLDS_NULL (node))
    {
      bad_key (error, source_name, "command-line", "must be an array of strings or null");
      return NULL;
    }

  /* config */
  node = json_object_get_member (object, "config");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      bad_key (error, source_name, "config", node == NULL ? "missing" : "must be an object");
      return NULL;
    }
  state->config = vmm_hypervisor_config_new_from_node (node, &local_error);
  if (state->config == NULL)
    {
      bad_key (error, source_name, "config", "%s", local_error->message);
      return NULL;
    }
  if (g_strcmp0 (vmm_hypervisor_config_get_id (state->config), state->vm_id) != 0)
    {
      bad_key (error, source_name, "vm-id", "“%s” differs from the config's id “%s”",
               state->vm_id, vmm_hypervisor_config_get_id (state->config));
      return NULL;
    }

  return g_steal_pointer (&state);
}

/**
 * acrn_state_get_dir:
 * @store_dir: the store directory
 * @vm_id: the VM id
 *
 * Returns: (transfer full): `<store_dir>/<vm_id>`, the VM's own directory
 */
char *
acrn_state_get_dir (const char *store_dir,
                    const char *vm_id)
{
  g_return_val_if_fail (store_dir != NULL, NULL);
  g_return_val_if_fail (vm_id != NULL, NULL);

  return g_build_filename (store_dir, vm_id, NULL);
}

/**
 * acrn_state_get_path:
 * @store_dir: the store directory
 * @vm_id: the VM id
 *
 * Returns: (transfer full): `<store_dir>/<vm_id>/state.json`
 */
char *
acrn_state_get_path (const char *store_dir,
                     const char *vm_id)
{
  g_return_val_if_fail (store_dir != NULL, NULL);
  g_return_val_if_fail (vm_id != NULL, NULL);

  return g_build_filename (store_dir, vm_id, ACRN_STATE_FILE_NAME, NULL);
}

/* Creates a temporary file next to @path and writes @data to it (and
 * flushes it to disk with @durable). Returns its name, or %NULL with errno
 * set. */
static char *
write_temporary (const char *path,
                 const char *data,
                 gsize       length,
                 gboolean    durable)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  int errsv;

  if (fd < 0)
    return NULL;

  while (length > 0)
    {
      gssize n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto fail;
      data += n;
      length -= (gsize) n;
    }
  if (durable && fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  return g_steal_pointer (&tmp);

fail:
  errsv = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  errno = errsv;
  return NULL;
}

/**
 * acrn_file_replace:
 * @path: a file
 * @contents: (array length=length): what it must hold
 * @length: the length of @contents
 * @durable: flush the new contents to disk before they replace the old
 * @error: return location for a #GError
 *
 * Replaces @path atomically with a file of mode 0600 holding @contents: a
 * temporary file in the same directory is written, then renamed over
 * @path, so a reader sees the old or the new contents, never a mix.
 *
 * With @durable, the new file is flushed (fsync) before the rename, so
 * that after a crash of the host the file holds the old or the new
 * contents, not an empty or partial one (the rename itself may be lost).
 * The directory is not flushed. Without @durable nothing is flushed: for
 * files that mean nothing after a reboot.
 *
 * Returns: %TRUE, or %FALSE with a %G_FILE_ERROR (the message gives the
 *   reason; the caller names @path)
 */
gboolean
acrn_file_replace (const char  *path,
                   const char  *contents,
                   gsize        length,
                   gboolean     durable,
                   GError     **error)
{
  g_autofree char *tmp = NULL;
  int errsv;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (contents != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tmp = write_temporary (path, contents, length, durable);
  if (tmp == NULL)
    {
      errsv = errno;
      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                           g_strerror (errsv));
      return FALSE;
    }

  if (g_rename (tmp, path) != 0)
    {
      errsv = errno;
      g_unlink (tmp);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot rename %s: %s", tmp, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/**
 * acrn_state_save:
 * @state: a state
 * @path: the state file
 * @error: return location for a #GError
 *
 * Writes @state to @path atomically (a temporary file renamed over it), so
 * a reader sees the old or the new state, never a mix. Creates the
 * directory if needed (mode 0700: the state names host resources).
 *
 * The file is not flushed to disk (no fsync): it describes an acrn-dm
 * process, which cannot outlive a reboot, so after a crash of the host the
 * file is worthless whatever it holds; while the host runs, readers see the
 * renamed file at once. The store directory is normally on a tmpfs
 * (`/run/libvmm`) anyway.
 *
 * Returns: %TRUE on success, else %FALSE with %VMM_ERROR_IO naming @path
 */
gboolean
acrn_state_save (const AcrnState  *state,
                 const char       *path,
                 GError          **error)
{
  g_autofree char *json = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  json = acrn_state_to_json (state);
  length = strlen (json);

  if (!acrn_file_replace (path, json, length, FALSE, &local_error) &&
      g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      /* The VM's directory is made once, by the first save. */
      g_autofree char *dir = g_path_get_dirname (path);

      g_clear_error (&local_error);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int errsv = errno;

          g_set_error (error, VMM_ERROR, VMM_ERROR_IO, "Cannot create %s: %s",
                       dir, g_strerror (errsv));
          return FALSE;
        }
      acrn_file_replace (path, json, length, FALSE, &local_error);
    }
  if (local_error != NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_IO, "Cannot write the ACRN state %s: %s",
                   path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * acrn_state_load:
 * @path: a state file
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the state, or %NULL with %VMM_ERROR_NOT_FOUND,
 *   %VMM_ERROR_IO or %VMM_ERROR_INVALID_ARGUMENT naming @path
 */
AcrnState *
acrn_state_load (const char  *path,
                 GError     **error)
{
  g_autofree char *json = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &json, &length, &local_error))
    {
      g_set_error (error, VMM_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                     ? VMM_ERROR_NOT_FOUND : VMM_ERROR_IO,
                   "Cannot read the ACRN state %s: %s", path, local_error->message);
      return NULL;
    }
  return acrn_state_new_from_json (json, (gssize) length, path, error);
}
