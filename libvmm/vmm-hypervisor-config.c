/* vmm-hypervisor-config.c: what a VM is made of
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "vmm-hypervisor-config.h"
#include "vmm-error.h"
#include "vmm-private.h"

/* ------------------------------------------------------------------------ */
/* A strict JSON parser (RFC 8259) building a json-glib tree                */
/* ------------------------------------------------------------------------ */

/* json-glib 1.6's parser accepts more than JSON (comments, single-quoted
 * strings, hexadecimal and leading-zero numbers, raw control characters in
 * strings, unknown escapes), silently keeps the last of duplicate keys,
 * truncates strings at \u0000 and wraps integers beyond 64 bits (so that
 * -18446744073709549568 reads as 2048). A configuration must not be read
 * differently from how it looks, so this parser accepts exactly RFC 8259
 * JSON and builds the json-glib tree itself. */

#define JSON_MAX_DEPTH 64

typedef struct
{
  const char *start;     /* first byte after an optional BOM */
  const char *p;
  const char *end;
  const char *file;
  GHashTable *literals;
} JsonParse;

static void
json_position (JsonParse  *ps,
               const char *at,
               guint      *line,
               guint      *column)
{
  const char *q;

  *line = 1;
  *column = 1;
  for (q = ps->start; q < at && q < ps->end; q++)
    {
      if (*q == '\n')
        {
          (*line)++;
          *column = 1;
        }
      else if (((guchar) *q & 0xc0) != 0x80)
        {
          (*column)++;
        }
    }
}

G_GNUC_PRINTF (4, 5)
static void
json_error (JsonParse   *ps,
            const char  *at,
            GError     **error,
            const char  *format,
            ...)
{
  g_autofree char *message = NULL;
  guint line, column;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  json_position (ps, at, &line, &column);
  g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
               "%s:%u:%u: %s", ps->file, line, column, message);
}

/* "'x'", "U+0009" or "end of input" */
static char *
json_describe_char (JsonParse  *ps,
                    const char *at)
{
  gunichar c;

  if (at >= ps->end)
    return g_strdup ("end of input");
  c = g_utf8_get_char (at);
  if (c > 0x20 && c < 0x7f)
    return g_strdup_printf ("'%c'", (char) c);
  return g_strdup_printf ("U+%04X", c);
}

static void
json_unexpected (JsonParse   *ps,
                 GError     **error,
                 const char  *expected)
{
  g_autofree char *what = json_describe_char (ps, ps->p);

  json_error (ps, ps->p, error, "unexpected %s, expected %s", what, expected);
}

static void
json_skip_ws (JsonParse *ps)
{
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static gboolean
json_hex4 (const char *s,
           gunichar   *out)
{
  gunichar v = 0;

  for (guint i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (s[i]);

      if (d < 0)
        return FALSE;
      v = v * 16 + (gunichar) d;
    }
  *out = v;
  return TRUE;
}

/* ps->p is on the opening quote */
static char *
json_parse_string (JsonParse  *ps,
                   GError    **error)
{
  const char *opening = ps->p;
  g_autoptr(GString) out = g_string_new (NULL);

  ps->p++;
  for (;;)
    {
      const char *run = ps->p;

      while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' &&
             (guchar) *ps->p >= 0x20)
        ps->p++;
      g_string_append_len (out, run, ps->p - run);

      if (ps->p >= ps->end)
        {
          json_error (ps, opening, error, "unterminated string");
          return NULL;
        }

      if (*ps->p == '"')
        {
          ps->p++;
          return g_string_free (g_steal_pointer (&out), FALSE);
        }

      if ((guchar) *ps->p < 0x20)
        {
          json_error (ps, ps->p, error,
                      "control character U+%04X in a string (write it as an escape)",
                      (guint) (guchar) *ps->p);
          return NULL;
        }

      /* an escape */
      if (ps->p + 1 >= ps->end)
        {
          json_error (ps, opening, error, "unterminated string");
          return NULL;
        }

      switch (ps->p[1])
        {
        case '"': g_string_append_c (out, '"'); ps->p += 2; break;
        case '\\': g_string_append_c (out, '\\'); ps->p += 2; break;
        case '/': g_string_append_c (out, '/'); ps->p += 2; break;
        case 'b': g_string_append_c (out, '\b'); ps->p += 2; break;
        case 'f': g_string_append_c (out, '\f'); ps->p += 2; break;
        case 'n': g_string_append_c (out, '\n'); ps->p += 2; break;
        case 'r': g_string_append_c (out, '\r'); ps->p += 2; break;
        case 't': g_string_append_c (out, '\t'); ps->p += 2; break;
        case 'u':
          {
            const char *escape = ps->p;
            gunichar c, low;

            if (ps->end - ps->p < 6 || !json_hex4 (ps->p + 2, &c))
              {
                json_error (ps, escape, error,
                            "invalid \\u escape (expected four hexadecimal digits)");
                return NULL;
              }
            ps->p += 6;

            if (c >= 0xdc00 && c <= 0xdfff)
              {
                json_error (ps, escape, error,
                            "invalid \\u escape: U+%04X is a lone low surrogate", c);
                return NULL;
              }
            if (c >= 0xd800 && c <= 0xdbff)
              {
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
                    !json_hex4 (ps->p + 2, &low) || low < 0xdc00 || low > 0xdfff)
                  {
                    json_error (ps, escape, error,
                                "invalid \\u escape: U+%04X is a high surrogate "
                                "without a low surrogate after it", c);
                    return NULL;
                  }
                ps->p += 6;
                c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
              }
            if (c == 0)
              {
                json_error (ps, escape, error,
                            "\\u0000 is not allowed in a string");
                return NULL;
              }
            g_string_append_unichar (out, c);
          }
          break;
        default:
          {
            g_autofree char *what = json_describe_char (ps, ps->p + 1);
            json_error (ps, ps->p, error, "invalid escape: backslash followed by %s", what);
            return NULL;
          }
        }
    }
}

static gboolean
json_digits (JsonParse *ps)
{
  const char *first = ps->p;

  while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
    ps->p++;
  return ps->p > first;
}

static JsonNode *
json_parse_number (JsonParse  *ps,
                   GError    **error)
{
  const char *first = ps->p;
  gboolean is_integer = TRUE;
  g_autofree char *literal = NULL;
  JsonNode *node;

  if (*ps->p == '-')
    ps->p++;

  if (ps->p < ps->end && *ps->p == '0')
    {
      ps->p++;
      if (ps->p < ps->end && g_ascii_isdigit (*ps->p))
        {
          json_error (ps, first, error, "numbers cannot have leading zeros");
          return NULL;
        }
    }
  else if (!json_digits (ps))
    {
      json_unexpected (ps, error, "a digit");
      return NULL;
    }

  if (ps->p < ps->end && *ps->p == '.')
    {
      is_integer = FALSE;
      ps->p++;
      if (!json_digits (ps))
        {
          json_unexpected (ps, error, "a digit after the decimal point");
          return NULL;
        }
    }

  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E'))
    {
      is_integer = FALSE;
      ps->p++;
      if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
        ps->p++;
      if (!json_digits (ps))
        {
          json_unexpected (ps, error, "a digit in the exponent");
          return NULL;
        }
    }

  literal = g_strndup (first, ps->p - first);

  if (is_integer)
    {
      gint64 v;

      errno = 0;
      v = g_ascii_strtoll (literal, NULL, 10);
      if (errno == 0)
        {
          node = json_node_new (JSON_NODE_VALUE);
          json_node_set_int (node, v);
          return node;
        }
      /* beyond 64 bits: kept as a double, with the literal for messages */
    }

  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_double (node, g_ascii_strtod (literal, NULL));
  if (ps->literals != NULL)
    g_hash_table_insert (ps->literals, node, g_steal_pointer (&literal));
  return node;
}

static JsonNode *json_parse_value (JsonParse  *ps,
                                   guint       depth,
                                   GError    **error);

static JsonNode *
json_parse_object (JsonParse  *ps,
                   guint       depth,
                   GError    **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node;

  ps->p++;  /* '{' */
  json_skip_ws (ps);
  if (ps->p < ps->end && *ps->p == '}')
    {
      ps->p++;
    }
  else
    {
      for (;;)
        {
          g_autofree char *key = NULL;
          const char *key_at;
          JsonNode *value;

          json_skip_ws (ps);
          key_at = ps->p;
          if (ps->p < ps->end && *ps->p == '}')
            {
              json_error (ps, ps->p, error,
                          "unexpected '}' after a comma (trailing commas are not allowed in JSON)");
              return NULL;
            }
          if (ps->p >= ps->end || *ps->p != '"')
            {
              json_unexpected (ps, error, "a string in double quotes (a key)");
              return NULL;
            }
          key = json_parse_string (ps, error);
          if (key == NULL)
            return NULL;
          if (json_object_has_member (object, key))
            {
              g_autofree char *quoted = _vmm_quote (key);
              json_error (ps, key_at, error, "duplicate key %s", quoted);
              return NULL;
            }

          json_skip_ws (ps);
          if (ps->p >= ps->end || *ps->p != ':')
            {
              json_unexpected (ps, error, "':' after the key");
              return NULL;
            }
          ps->p++;

          value = json_parse_value (ps, depth + 1, error);
          if (value == NULL)
            return NULL;
          json_object_set_member (object, key, value);

          json_skip_ws (ps);
          if (ps->p < ps->end && *ps->p == ',')
            {
              ps->p++;
              continue;
            }
          if (ps->p < ps->end && *ps->p == '}')
            {
              ps->p++;
              break;
            }
          json_unexpected (ps, error, "',' or '}'");
          return NULL;
        }
    }

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, g_steal_pointer (&object));
  return node;
}

static JsonNode *
json_parse_array (JsonParse  *ps,
                  guint       depth,
                  GError    **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  JsonNode *node;

  ps->p++;  /* '[' */
  json_skip_ws (ps);
  if (ps->p < ps->end && *ps->p == ']')
    {
      ps->p++;
    }
  else
    {
      for (;;)
        {
          JsonNode *value;

          json_skip_ws (ps);
          if (ps->p < ps->end && *ps->p == ']' && json_array_get_length (array) > 0)
            {
              json_error (ps, ps->p, error,
                          "unexpected ']' after a comma (trailing commas are not allowed in JSON)");
              return NULL;
            }
          value = json_parse_value (ps, depth + 1, error);
          if (value == NULL)
            return NULL;
          json_array_add_element (array, value);

          json_skip_ws (ps);
          if (ps->p < ps->end && *ps->p == ',')
            {
              ps->p++;
              continue;
            }
          if (ps->p < ps->end && *ps->p == ']')
            {
              ps->p++;
              break;
            }
          json_unexpected (ps, error, "',' or ']'");
          return NULL;
        }
    }

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, g_steal_pointer (&array));
  return node;
}

static gboolean
json_match_word (JsonParse  *ps,
                 const char *word)
{
  gsize length = strlen (word);

  if ((gsize) (ps->end - ps->p) < length || memcmp (ps->p, word, length) != 0)
    return FALSE;
  ps->p += length;
  return TRUE;
}

static JsonNode *
json_parse_value (JsonParse  *ps,
                  guint       depth,
                  GError    **error)
{
  JsonNode *node;

  json_skip_ws (ps);

  if (depth > JSON_MAX_DEPTH)
    {
      json_error (ps, ps->p, error,
                  "the document is nested too deeply (more than %d levels)",
                  JSON_MAX_DEPTH);
      return NULL;
    }

  if (ps->p >= ps->end)
    {
      json_unexpected (ps, error, "a value");
      return NULL;
    }

  switch (*ps->p)
    {
    case '{':
      return json_parse_object (ps, depth, error);
    case '[':
      return json_parse_array (ps, depth, error);
    case '"':
      {
        g_autofree char *s = json_parse_string (ps, error);

        if (s == NULL)
          return NULL;
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (node, s);
        return node;
      }
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return json_parse_number (ps, error);
    default:
      break;
    }

  if (json_match_word (ps, "true"))
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, TRUE);
      return node;
    }
  if (json_match_word (ps, "false"))
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, FALSE);
      return node;
    }
  if (json_match_word (ps, "null"))
    return json_node_new (JSON_NODE_NULL);

  if (*ps->p == '/')
    json_error (ps, ps->p, error, "comments are not allowed in JSON");
  else if (*ps->p == '\'')
    json_error (ps, ps->p, error, "strings must be in double quotes");
  else
    json_unexpected (ps, error, "a value");
  return NULL;
}

JsonNode *
_vmm_json_parse (const char  *text,
                 gsize        length,
                 const char  *file,
                 GHashTable **literals,
                 GError     **error)
{
  g_autoptr(GHashTable) table = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonParse ps = { 0, };
  const char *invalid = NULL;

  table = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  ps.start = text;
  ps.p = text;
  ps.end = text + length;
  ps.file = file;
  ps.literals = table;

  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    {
      ps.start += 3;
      ps.p += 3;
    }

  if (!g_utf8_validate_len (ps.start, ps.end - ps.start, &invalid))
    {
      if (*invalid == '\0')
        json_error (&ps, invalid, error, "unexpected NUL byte");
      else
        json_error (&ps, invalid, error, "invalid UTF-8 (byte 0x%02x)", (guchar) *invalid);
      return NULL;
    }

  json_skip_ws (&ps);
  if (ps.p >= ps.end)
    {
      json_error (&ps, ps.p, error, "the document is empty (expected a JSON object)");
      return NULL;
    }

  root = json_parse_value (&ps, 0, error);
  if (root == NULL)
    return NULL;

  json_skip_ws (&ps);
  if (ps.p < ps.end)
    {
      g_autofree char *what = json_describe_char (&ps, ps.p);
      json_error (&ps, ps.p, error, "unexpected %s after the end of the document", what);
      return NULL;
    }

  if (literals != NULL)
    *literals = g_steal_pointer (&table);
  return g_steal_pointer (&root);
}

/* ------------------------------------------------------------------------ */
/* VmmHypervisorConfig                                                        */
/* ------------------------------------------------------------------------ */

/**
 * VmmHypervisorConfig:
 *
 * What a virtual machine is made of: kernel, disk image, memory, vCPUs,
 * devices, and how to run the hypervisor.
 *
 * Every field is a read-write GObject property: set them with
 * g_object_set() (or from Python as attributes) and read them with the
 * getters. Devices are a list of [class@Vmm.Device] objects, edited with
 * [method@Vmm.HypervisorConfig.add_device] and
 * [method@Vmm.HypervisorConfig.remove_device].
 *
 * A configuration has a JSON form whose keys are the property names, with
 * `"devices"` an array of device objects (see [method@Vmm.Device.to_json]):
 *
 * ```json
 * {
 *   "id" : "demo",
 *   "kernel" : "/k",
 *   "image" : "/i.img",
 *   "kernel-params" : [ "a=b" ],
 *   "memory-mib" : 2048,
 *   "vcpus" : 1,
 *   "devices" : [
 *     { "type" : "block", "path" : "/d.img", "read-only" : false },
 *     { "type" : "net", "tap" : "tap0", "mac" : "02:00:00:00:00:01" }
 *   ]
 * }
 * ```
 *
 * Loading is strict: the text must be JSON as RFC 8259 defines it (no
 * comments, no trailing commas, no duplicate keys), every key must be
 * known and have the right type, numbers must be integers within the
 * property's range, and the result must pass
 * [method@Vmm.HypervisorConfig.validate]. Every error is
 * %VMM_ERROR_INVALID_CONFIG with a message that names the key (and for
 * syntax errors, the line and column). Keys that are absent keep their
 * defaults.
 *
 * [method@Vmm.HypervisorConfig.to_json] writes every property in a fixed
 * order, so loading and writing again gives the same text.
 *
 * A configuration is not thread-safe: use an instance from one thread at
 * a time.
 */
struct _VmmHypervisorConfig
{
  GObject    parent_instance;

  char      *id;
  char      *hypervisor;
  char      *kernel;
  char      *image;
  char      *initrd;
  char      *firmware;
  char     **kernel_params;
  guint      memory_mib;
  guint      vcpus;
  guint      max_vcpus;
  gboolean   debug;
  char      *store_dir;
  guint      block_pool_size;
  char      *hypervisor_path;
  char      *ctl_path;
  guint      start_timeout_ms;
  guint      stop_timeout_ms;
  char      *allowed_cpus;
  gboolean   exclusive_cpus;

  GPtrArray *devices;
};

G_DEFINE_FINAL_TYPE (VmmHypervisorConfig, vmm_hypervisor_config, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_HYPERVISOR,
  PROP_KERNEL,
  PROP_IMAGE,
  PROP_INITRD,
  PROP_FIRMWARE,
  PROP_KERNEL_PARAMS,
  PROP_MEMORY_MIB,
  PROP_VCPUS,
  PROP_MAX_VCPUS,
  PROP_DEBUG,
  PROP_STORE_DIR,
  PROP_BLOCK_POOL_SIZE,
  PROP_HYPERVISOR_PATH,
  PROP_CTL_PATH,
  PROP_START_TIMEOUT_MS,
  PROP_STOP_TIMEOUT_MS,
  PROP_ALLOWED_CPUS,
  PROP_EXCLUSIVE_CPUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define STATIC_RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

#define DEFAULT_MEMORY_MIB        2048
#define MIN_MEMORY_MIB            128
#define MAX_MEMORY_MIB            (4u * 1024 * 1024)
#define MAX_VCPUS                 255
#define DEFAULT_STORE_DIR         "/run/libvmm"
#define DEFAULT_BLOCK_POOL_SIZE   8
#define MAX_BLOCK_POOL_SIZE       27
#define DEFAULT_START_TIMEOUT_MS  30000
#define DEFAULT_STOP_TIMEOUT_MS   15000
#define MAX_TIMEOUT_MS            3600000
#define ID_MAX_LENGTH             128
#define MAX_CONFIG_FILE_SIZE      (16 * 1024 * 1024)

/* The JSON keys, in the order to_json() writes them; "devices" comes last. */
static const VmmPropInfo config_props[] = {
  { "id", VMM_PROP_NONE },
  { "hypervisor", VMM_PROP_NULLABLE },
  { "kernel", VMM_PROP_NULLABLE | VMM_PROP_PATH },
  { "image", VMM_PROP_NULLABLE | VMM_PROP_PATH },
  { "initrd", VMM_PROP_NULLABLE | VMM_PROP_PATH },
  { "firmware", VMM_PROP_NULLABLE | VMM_PROP_PATH },
  { "kernel-params", VMM_PROP_NONE },
  { "memory-mib", VMM_PROP_NONE },
  { "vcpus", VMM_PROP_NONE },
  { "max-vcpus", VMM_PROP_NONE },
  { "debug", VMM_PROP_NONE },
  { "store-dir", VMM_PROP_PATH },
  { "block-pool-size", VMM_PROP_NONE },
  { "hypervisor-path", VMM_PROP_NULLABLE | VMM_PROP_PATH },
  { "ctl-path", VMM_PROP_NULLABLE | VMM_PROP_PATH },
  { "start-timeout-ms", VMM_PROP_NONE },
  { "stop-timeout-ms", VMM_PROP_NONE },
  { "allowed-cpus", VMM_PROP_NULLABLE },
  { "exclusive-cpus", VMM_PROP_NONE },
};

#define DEVICES_KEY "devices"

static void
vmm_hypervisor_config_finalize (GObject *object)
{
  VmmHypervisorConfig *self = VMM_HYPERVISOR_CONFIG (object);

  g_free (self->id);
  g_free (self->hypervisor);
  g_free (self->kernel);
  g_free (self->image);
  g_free (self->initrd);
  g_free (self->firmware);
  g_strfreev (self->kernel_params);
  g_free (self->store_dir);
  g_free (self->hypervisor_path);
  g_free (self->ctl_path);
  g_free (self->allowed_cpus);
  g_ptr_array_unref (self->devices);

  G_OBJECT_CLASS (vmm_hypervisor_config_parent_class)->finalize (object);
}

static char **
get_string_field (VmmHypervisorConfig *self,
                  guint                prop_id)
{
  switch (prop_id)
    {
    case PROP_ID: return &self->id;
    case PROP_HYPERVISOR: return &self->hypervisor;
    case PROP_KERNEL: return &self->kernel;
    case PROP_IMAGE: return &self->image;
    case PROP_INITRD: return &self->initrd;
    case PROP_FIRMWARE: return &self->firmware;
    case PROP_STORE_DIR: return &self->store_dir;
    case PROP_HYPERVISOR_PATH: return &self->hypervisor_path;
    case PROP_CTL_PATH: return &self->ctl_path;
    case PROP_ALLOWED_CPUS: return &self->allowed_cpus;
    default: return NULL;
    }
}

static guint *
get_uint_field (VmmHypervisorConfig *self,
                guint                prop_id)
{
  switch (prop_id)
    {
    case PROP_MEMORY_MIB: return &self->memory_mib;
    case PROP_VCPUS: return &self->vcpus;
    case PROP_MAX_VCPUS: return &self->max_vcpus;
    case PROP_BLOCK_POOL_SIZE: return &self->block_pool_size;
    case PROP_START_TIMEOUT_MS: return &self->start_timeout_ms;
    case PROP_STOP_TIMEOUT_MS: return &self->stop_timeout_ms;
    default: return NULL;
    }
}

static gboolean *
get_boolean_field (VmmHypervisorConfig *self,
                   guint                prop_id)
{
  switch (prop_id)
    {
    case PROP_DEBUG: return &self->debug;
    case PROP_EXCLUSIVE_CPUS: return &self->exclusive_cpus;
    default: return NULL;
    }
}

static void
vmm_hypervisor_config_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  VmmHypervisorConfig *self = VMM_HYPERVISOR_CONFIG (object);
  char **string_field = get_string_field (self, prop_id);
  guint *uint_field = get_uint_field (self, prop_id);
  gboolean *boolean_field = get_boolean_field (self, prop_id);

  if (string_field != NULL)
    g_value_set_string (value, *string_field);
  else if (uint_field != NULL)
    g_value_set_uint (value, *uint_field);
  else if (boolean_field != NULL)
    g_value_set_boolean (value, *boolean_field);
  else if (prop_id == PROP_KERNEL_PARAMS)
    g_value_set_boxed (value, self->kernel_params);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
vmm_hypervisor_config_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  VmmHypervisorConfig *self = VMM_HYPERVISOR_CONFIG (object);
  char **string_field = get_string_field (self, prop_id);
  guint *uint_field = get_uint_field (self, prop_id);
  gboolean *boolean_field = get_boolean_field (self, prop_id);

  if (string_field != NULL)
    {
      _vmm_set_string_property (object, string_field, value, pspec);
    }
  else if (uint_field != NULL)
    {
      _vmm_set_uint_property (object, uint_field, value, pspec);
    }
  else if (boolean_field != NULL)
    {
      _vmm_set_boolean_property (object, boolean_field, value, pspec);
    }
  else if (prop_id == PROP_KERNEL_PARAMS)
    {
      const char * const *params = g_value_get_boxed (value);
      const char * const empty[] = { NULL };

      if (params == NULL)
        params = empty;
      if (g_strv_equal ((const char * const *) self->kernel_params, params))
        return;
      g_strfreev (self->kernel_params);
      self->kernel_params = g_strdupv ((char **) params);
      g_object_notify_by_pspec (object, pspec);
    }
  else
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_hypervisor_config_class_init (VmmHypervisorConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vmm_hypervisor_config_finalize;
  object_class->get_property = vmm_hypervisor_config_get_property;
  object_class->set_property = vmm_hypervisor_config_set_property;

  /**
   * VmmHypervisorConfig:id:
   *
   * The name of the VM, required: 1 to 128 characters of
   * `A-Z a-z 0-9 _ . -` starting with a letter or a digit (so that it is
   * safe as a file name: no `/`, no `..`).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", "ID",
                         "The name of the VM",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:hypervisor:
   *
   * The name of the hypervisor plugin to use (such as `acrn` or `stub`),
   * or %NULL for the plugin manager's default.
   */
  properties[PROP_HYPERVISOR] =
    g_param_spec_string ("hypervisor", "Hypervisor",
                         "The name of the hypervisor plugin, or NULL for the default",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:kernel:
   *
   * The absolute path of the guest kernel.
   */
  properties[PROP_KERNEL] =
    g_param_spec_string ("kernel", "Kernel",
                         "The absolute path of the guest kernel",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:image:
   *
   * The absolute path of the guest's root disk image.
   */
  properties[PROP_IMAGE] =
    g_param_spec_string ("image", "Image",
                         "The absolute path of the guest's root disk image",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:initrd:
   *
   * The absolute path of the guest's initial RAM disk.
   */
  properties[PROP_INITRD] =
    g_param_spec_string ("initrd", "Initrd",
                         "The absolute path of the guest's initial RAM disk",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:firmware:
   *
   * The absolute path of the guest firmware (such as OVMF), used instead
   * of a kernel by backends that support it.
   */
  properties[PROP_FIRMWARE] =
    g_param_spec_string ("firmware", "Firmware",
                         "The absolute path of the guest firmware",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:kernel-params:
   *
   * Extra kernel command-line parameters, one per element, appended after
   * the backend's own so that they win. Never %NULL (empty by default);
   * setting %NULL empties it.
   */
  properties[PROP_KERNEL_PARAMS] =
    g_param_spec_boxed ("kernel-params", "Kernel parameters",
                        "Extra kernel command-line parameters",
                        G_TYPE_STRV, STATIC_RW);

  /**
   * VmmHypervisorConfig:memory-mib:
   *
   * The guest memory in MiB, from 128 to 4194304 (4 TiB).
   */
  properties[PROP_MEMORY_MIB] =
    g_param_spec_uint ("memory-mib", "Memory (MiB)",
                       "The guest memory in MiB",
                       MIN_MEMORY_MIB, MAX_MEMORY_MIB, DEFAULT_MEMORY_MIB, STATIC_RW);

  /**
   * VmmHypervisorConfig:vcpus:
   *
   * The number of vCPUs at boot, from 1 to 255; at most
   * [property@Vmm.HypervisorConfig:max-vcpus].
   */
  properties[PROP_VCPUS] =
    g_param_spec_uint ("vcpus", "vCPUs",
                       "The number of vCPUs at boot",
                       1, MAX_VCPUS, 1, STATIC_RW);

  /**
   * VmmHypervisorConfig:max-vcpus:
   *
   * The largest number of vCPUs the guest may have, from 1 to 255.
   */
  properties[PROP_MAX_VCPUS] =
    g_param_spec_uint ("max-vcpus", "Maximum vCPUs",
                       "The largest number of vCPUs the guest may have",
                       1, MAX_VCPUS, 1, STATIC_RW);

  /**
   * VmmHypervisorConfig:debug:
   *
   * Whether to boot the guest with debugging output (a verbose kernel
   * command line, the hypervisor's debug options).
   */
  properties[PROP_DEBUG] =
    g_param_spec_boolean ("debug", "Debug",
                          "Whether to boot the guest with debugging output",
                          FALSE, STATIC_RW);

  /**
   * VmmHypervisorConfig:store-dir:
   *
   * The absolute path of the directory where backends keep per-VM state
   * (sockets, state files), in a subdirectory named after the id.
   */
  properties[PROP_STORE_DIR] =
    g_param_spec_string ("store-dir", "Store directory",
                         "The directory where backends keep per-VM state",
                         DEFAULT_STORE_DIR, STATIC_RW);

  /**
   * VmmHypervisorConfig:block-pool-size:
   *
   * The number of empty disk slots reserved at boot for hot-plugging
   * block devices, from 0 to 27.
   */
  properties[PROP_BLOCK_POOL_SIZE] =
    g_param_spec_uint ("block-pool-size", "Block pool size",
                       "The number of disk slots reserved for hot-plugging",
                       0, MAX_BLOCK_POOL_SIZE, DEFAULT_BLOCK_POOL_SIZE, STATIC_RW);

  /**
   * VmmHypervisorConfig:hypervisor-path:
   *
   * The absolute path of the hypervisor program (such as `acrn-dm`), or
   * %NULL for the backend's default.
   */
  properties[PROP_HYPERVISOR_PATH] =
    g_param_spec_string ("hypervisor-path", "Hypervisor path",
                         "The absolute path of the hypervisor program",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:ctl-path:
   *
   * The absolute path of the hypervisor's control tool (such as
   * `acrnctl`), or %NULL for the backend's default.
   */
  properties[PROP_CTL_PATH] =
    g_param_spec_string ("ctl-path", "Control tool path",
                         "The absolute path of the hypervisor's control tool",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:start-timeout-ms:
   *
   * How long starting the VM may take, in milliseconds, from 1 to
   * 3600000.
   */
  properties[PROP_START_TIMEOUT_MS] =
    g_param_spec_uint ("start-timeout-ms", "Start timeout (ms)",
                       "How long starting the VM may take, in milliseconds",
                       1, MAX_TIMEOUT_MS, DEFAULT_START_TIMEOUT_MS, STATIC_RW);

  /**
   * VmmHypervisorConfig:stop-timeout-ms:
   *
   * How long to wait for the VM to stop before forcing it, in
   * milliseconds, from 1 to 3600000.
   */
  properties[PROP_STOP_TIMEOUT_MS] =
    g_param_spec_uint ("stop-timeout-ms", "Stop timeout (ms)",
                       "How long to wait for the VM to stop before forcing it",
                       1, MAX_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, STATIC_RW);

  /**
   * VmmHypervisorConfig:allowed-cpus:
   *
   * The host CPUs the VM's vCPUs may run on, or %NULL for any: a list of
   * numbers and ranges such as `0-3,6` (the Linux cpu-list syntax, with
   * 32-bit decimal numbers and optional spaces around each element).
   * Backends define what the numbers are (the ACRN backend takes LAPIC
   * ids).
   */
  properties[PROP_ALLOWED_CPUS] =
    g_param_spec_string ("allowed-cpus", "Allowed CPUs",
                         "The host CPUs the vCPUs may run on (such as 0-3,6), or NULL for any",
                         NULL, STATIC_RW);

  /**
   * VmmHypervisorConfig:exclusive-cpus:
   *
   * Whether the VM's vCPUs must have host CPUs of their own: when no
   * free CPU is left, creating the VM fails instead of sharing one.
   */
  properties[PROP_EXCLUSIVE_CPUS] =
    g_param_spec_boolean ("exclusive-cpus", "Exclusive CPUs",
                          "Whether the vCPUs must have host CPUs of their own",
                          FALSE, STATIC_RW);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vmm_hypervisor_config_init (VmmHypervisorConfig *self)
{
  self->kernel_params = g_new0 (char *, 1);
  self->memory_mib = DEFAULT_MEMORY_MIB;
  self->vcpus = 1;
  self->max_vcpus = 1;
  self->store_dir = g_strdup (DEFAULT_STORE_DIR);
  self->block_pool_size = DEFAULT_BLOCK_POOL_SIZE;
  self->start_timeout_ms = DEFAULT_START_TIMEOUT_MS;
  self->stop_timeout_ms = DEFAULT_STOP_TIMEOUT_MS;
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * vmm_hypervisor_config_new:
 * @id: (nullable): the name of the VM, or %NULL to set it later
 *
 * Creates a configuration with every other property at its default.
 *
 * Returns: (transfer full): a new #VmmHypervisorConfig
 */
VmmHypervisorConfig *
vmm_hypervisor_config_new (const char *id)
{
  return g_object_new (VMM_TYPE_HYPERVISOR_CONFIG, "id", id, NULL);
}

/* JSON loading ------------------------------------------------------------ */

static gboolean
load_devices (VmmHypervisorConfig  *self,
              JsonNode             *node,
              VmmJsonContext       *ctx,
              GError              **error)
{
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key '" DEVICES_KEY "': expected an array of device objects, got %s",
                   _vmm_json_node_kind (node));
      return FALSE;
    }

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf (DEVICES_KEY "[%u]", i);
      VmmDevice *device = _vmm_device_load (json_array_get_element (array, i),
                                            path, ctx, error);

      if (device == NULL)
        return FALSE;
      g_ptr_array_add (self->devices, device);
    }

  return TRUE;
}

/* Loads @root into a new configuration and validates it. */
static VmmHypervisorConfig *
config_load (JsonNode        *root,
             VmmJsonContext  *ctx,
             GError         **error)
{
  g_autoptr(VmmHypervisorConfig) self = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "expected a JSON object at the top level, got %s",
                   _vmm_json_node_kind (root));
      return NULL;
    }

  self = g_object_new (VMM_TYPE_HYPERVISOR_CONFIG, NULL);

  json_object_iter_init_ordered (&iter, json_node_get_object (root));
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      const VmmPropInfo *info = NULL;

      if (strcmp (name, DEVICES_KEY) == 0)
        {
          if (!load_devices (self, member, ctx, error))
            return NULL;
          continue;
        }

      for (guint i = 0; i < G_N_ELEMENTS (config_props); i++)
        if (strcmp (config_props[i].name, name) == 0)
          info = &config_props[i];

      if (info == NULL)
        {
          _vmm_json_unknown_key (error, NULL, name, NULL, config_props,
                                 G_N_ELEMENTS (config_props), DEVICES_KEY);
          return NULL;
        }

      if (!_vmm_json_read_property (G_OBJECT (self), info, member, name, ctx, error))
        return NULL;
    }

  if (!vmm_hypervisor_config_validate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * vmm_hypervisor_config_new_from_node:
 * @node: a #JsonNode holding a JSON object
 * @error: return location for a #GError
 *
 * Creates a configuration from its JSON form, then validates it with
 * [method@Vmm.HypervisorConfig.validate]. See [class@Vmm.HypervisorConfig]
 * for the format. Relative paths are kept as they are (and fail
 * validation).
 *
 * Returns: (transfer full): a new #VmmHypervisorConfig, or %NULL with
 *   @error set to %VMM_ERROR_INVALID_CONFIG naming the offending key
 */
VmmHypervisorConfig *
vmm_hypervisor_config_new_from_node (JsonNode  *node,
                                     GError   **error)
{
  VmmJsonContext ctx = { NULL, NULL };

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return config_load (node, &ctx, error);
}

/**
 * vmm_hypervisor_config_new_from_json:
 * @json: the JSON text
 * @length: the length of @json in bytes, or -1 if it is nul-terminated
 * @error: return location for a #GError
 *
 * Parses a configuration from JSON text and validates it. See
 * [class@Vmm.HypervisorConfig] for the format. A syntax error is
 * reported as `<data>:LINE:COLUMN: message` (columns count characters,
 * from 1). Relative paths are kept as they are (and fail validation).
 *
 * Returns: (transfer full): a new #VmmHypervisorConfig, or %NULL with
 *   @error set to %VMM_ERROR_INVALID_CONFIG
 */
VmmHypervisorConfig *
vmm_hypervisor_config_new_from_json (const char  *json,
                                     gssize       length,
                                     GError     **error)
{
  g_autoptr(GHashTable) literals = NULL;
  g_autoptr(JsonNode) root = NULL;
  VmmJsonContext ctx = { NULL, NULL };

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (json);

  root = _vmm_json_parse (json, length, "<data>", &literals, error);
  if (root == NULL)
    return NULL;

  ctx.literals = literals;
  return config_load (root, &ctx, error);
}

static char *
read_config_file (const char  *path,
                  gsize       *length,
                  GError     **error)
{
  g_autoptr(GString) contents = g_string_new (NULL);
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, VMM_ERROR,
                   (saved_errno == ENOENT || saved_errno == ENOTDIR) ?
                   VMM_ERROR_NOT_FOUND : VMM_ERROR_IO,
                   "%s: cannot open the file: %s", path, g_strerror (saved_errno));
      return NULL;
    }

  for (;;)
    {
      char buffer[8192];
      gssize n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                       "%s: cannot read the file: %s", path, g_strerror (saved_errno));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      if (contents->len + (gsize) n > MAX_CONFIG_FILE_SIZE)
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                       "%s: the file is larger than %d bytes", path, MAX_CONFIG_FILE_SIZE);
          close (fd);
          return NULL;
        }
      g_string_append_len (contents, buffer, n);
    }

  close (fd);
  *length = contents->len;
  return g_string_free (g_steal_pointer (&contents), FALSE);
}

/**
 * vmm_hypervisor_config_new_from_file:
 * @path: (type filename): the path of a JSON configuration file
 * @error: return location for a #GError
 *
 * Loads a configuration from a JSON file and validates it. See
 * [class@Vmm.HypervisorConfig] for the format.
 *
 * Relative paths in path-valued keys (`kernel`, `image`, `initrd`,
 * `firmware`, `hypervisor-path`, `ctl-path`, `store-dir`, and the `path`
 * of block and console devices) are resolved against the directory of
 * the file.
 *
 * Every error message starts with @path; a syntax error is reported as
 * `PATH:LINE:COLUMN: message`.
 *
 * Returns: (transfer full): a new #VmmHypervisorConfig, or %NULL with
 *   @error set: %VMM_ERROR_NOT_FOUND if the file does not exist,
 *   %VMM_ERROR_IO if it cannot be read, %VMM_ERROR_INVALID_CONFIG if its
 *   contents are not a valid configuration
 */
VmmHypervisorConfig *
vmm_hypervisor_config_new_from_file (const char  *path,
                                     GError     **error)
{
  g_autoptr(GHashTable) literals = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(VmmHypervisorConfig) self = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *base_dir = NULL;
  VmmJsonContext ctx = { NULL, NULL };
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  contents = read_config_file (path, &length, error);
  if (contents == NULL)
    return NULL;

  root = _vmm_json_parse (contents, length, path, &literals, error);
  if (root == NULL)
    return NULL;

  absolute = g_canonicalize_filename (path, NULL);
  base_dir = g_path_get_dirname (absolute);
  ctx.base_dir = base_dir;
  ctx.literals = literals;

  self = config_load (root, &ctx, error);
  if (self == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  g_debug ("Loaded the configuration of VM '%s' from %s", self->id, path);
  return g_steal_pointer (&self);
}

/* JSON writing ------------------------------------------------------------ */

/**
 * vmm_hypervisor_config_to_json_node:
 * @self: a #VmmHypervisorConfig
 *
 * Serializes @self to a JSON object holding every property in a fixed
 * order (`"id"` first, `"devices"` last). Unset strings are `null`.
 *
 * Returns: (transfer full): a #JsonNode holding the object
 */
JsonNode *
vmm_hypervisor_config_to_json_node (VmmHypervisorConfig *self)
{
  JsonObject *object;
  JsonArray *devices;
  JsonNode *node;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);

  object = json_object_new ();
  for (guint i = 0; i < G_N_ELEMENTS (config_props); i++)
    _vmm_json_write_property (G_OBJECT (self), &config_props[i], object);

  devices = json_array_new ();
  for (guint i = 0; i < self->devices->len; i++)
    json_array_add_element (devices, vmm_device_to_json (g_ptr_array_index (self->devices, i)));
  json_object_set_array_member (object, DEVICES_KEY, devices);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/**
 * vmm_hypervisor_config_to_json:
 * @self: a #VmmHypervisorConfig
 *
 * Serializes @self to pretty-printed JSON text, ending with a newline:
 * every property in a fixed order, as
 * [method@Vmm.HypervisorConfig.to_json_node] describes. Loading the text
 * with [ctor@Vmm.HypervisorConfig.new_from_json] gives an equal
 * configuration, which serializes to the same text.
 *
 * Returns: (transfer full): the JSON text
 */
char *
vmm_hypervisor_config_to_json (VmmHypervisorConfig *self)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);

  node = vmm_hypervisor_config_to_json_node (self);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);

  return g_strconcat (text, "\n", NULL);
}

/* Copy, compare ----------------------------------------------------------- */

/**
 * vmm_hypervisor_config_copy:
 * @self: a #VmmHypervisorConfig
 *
 * Makes a deep copy of @self: every property, and a copy of every device.
 *
 * Returns: (transfer full): a new #VmmHypervisorConfig equal to @self
 */
VmmHypervisorConfig *
vmm_hypervisor_config_copy (VmmHypervisorConfig *self)
{
  VmmHypervisorConfig *copy;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);

  copy = g_object_new (VMM_TYPE_HYPERVISOR_CONFIG, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (config_props); i++)
    {
      const char *name = config_props[i].name;
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), name);
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
      g_object_get_property (G_OBJECT (self), name, &value);
      g_object_set_property (G_OBJECT (copy), name, &value);
    }

  for (guint i = 0; i < self->devices->len; i++)
    g_ptr_array_add (copy->devices, _vmm_device_copy (g_ptr_array_index (self->devices, i)));

  return copy;
}

/**
 * vmm_hypervisor_config_equal:
 * @a: a #VmmHypervisorConfig
 * @b: another #VmmHypervisorConfig
 *
 * Compares two configurations: every property, and the devices one by one
 * (same number, same order, same class, same properties).
 *
 * Returns: %TRUE if @a and @b are equal
 */
gboolean
vmm_hypervisor_config_equal (VmmHypervisorConfig *a,
                             VmmHypervisorConfig *b)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (a), FALSE);
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (b), FALSE);

  if (a == b)
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (config_props); i++)
    if (!_vmm_property_equal (G_OBJECT (a), G_OBJECT (b), config_props[i].name))
      return FALSE;

  if (a->devices->len != b->devices->len)
    return FALSE;
  for (guint i = 0; i < a->devices->len; i++)
    if (!_vmm_device_equal (g_ptr_array_index (a->devices, i),
                            g_ptr_array_index (b->devices, i)))
      return FALSE;

  return TRUE;
}

/* Validation -------------------------------------------------------------- */

static gboolean
is_valid_id (const char *id)
{
  gsize length = strlen (id);

  return length >= 1 && length <= ID_MAX_LENGTH &&
         g_ascii_isalnum (id[0]) && _vmm_is_simple_name (id);
}

static gboolean
parse_cpu_number (const char **p,
                  guint32     *out)
{
  guint64 value = 0;
  const char *first = *p;

  while (g_ascii_isdigit (**p))
    {
      value = value * 10 + (guint64) (**p - '0');
      if (value > G_MAXUINT32)
        return FALSE;
      (*p)++;
    }
  *out = (guint32) value;
  return *p > first;
}

static const char *
skip_blanks (const char *p)
{
  while (*p == ' ')
    p++;
  return p;
}

/* The Linux cpu-list syntax, as the ACRN backend reads it: elements "N" or
 * "N-M" (N <= M, 32-bit decimal numbers) separated by commas, with
 * optional spaces around each element (tabs are control characters, which
 * no string may have). */
static gboolean
is_cpu_list (const char *list)
{
  const char *p = list;

  for (;;)
    {
      guint32 first, last;

      p = skip_blanks (p);
      if (!parse_cpu_number (&p, &first))
        return FALSE;
      if (*p == '-')
        {
          p++;
          if (!parse_cpu_number (&p, &last) || last < first)
            return FALSE;
        }
      p = skip_blanks (p);
      if (*p == '\0')
        return TRUE;
      if (*p != ',')
        return FALSE;
      p++;
    }
}

/**
 * vmm_hypervisor_config_validate:
 * @self: a #VmmHypervisorConfig
 * @error: return location for a #GError
 *
 * Checks @self without looking at the host: the id is set and well
 * formed, paths are absolute, no string has control characters,
 * `allowed-cpus` is a CPU list, `vcpus` is at most `max-vcpus`, device
 * ids are unique, and every device passes [method@Vmm.Device.validate]
 * (its errors are prefixed with `devices[N]: `). Backends check the rest
 * (files exist, values fit their command line) when they create the VM.
 *
 * Returns: %TRUE if @self is valid; otherwise %FALSE with @error set to
 *   %VMM_ERROR_INVALID_CONFIG, with a message naming the key
 */
gboolean
vmm_hypervisor_config_validate (VmmHypervisorConfig  *self,
                                GError              **error)
{
  static const guint path_props[] = {
    PROP_KERNEL, PROP_IMAGE, PROP_INITRD, PROP_FIRMWARE,
    PROP_STORE_DIR, PROP_HYPERVISOR_PATH, PROP_CTL_PATH,
  };
  g_autoptr(GHashTable) device_ids = NULL;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->id == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG, "key 'id' is not set");
      return FALSE;
    }
  if (!is_valid_id (self->id))
    {
      g_autofree char *quoted = _vmm_quote (self->id);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'id': %s is not a valid id (expected 1 to %d characters of "
                   "A-Z a-z 0-9 _ . - starting with a letter or a digit)",
                   quoted, ID_MAX_LENGTH);
      return FALSE;
    }

  if (self->hypervisor != NULL && !_vmm_is_simple_name (self->hypervisor))
    {
      g_autofree char *quoted = _vmm_quote (self->hypervisor);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'hypervisor': %s is not a valid plugin name "
                   "(expected one or more characters of A-Z a-z 0-9 _ . -)",
                   quoted);
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (path_props); i++)
    {
      GParamSpec *pspec = properties[path_props[i]];
      const char *value = *get_string_field (self, path_props[i]);
      g_autofree char *what = g_strdup_printf ("key '%s'", pspec->name);

      if (value == NULL)
        {
          if (path_props[i] == PROP_STORE_DIR)
            {
              g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                           "key 'store-dir' is not set");
              return FALSE;
            }
          continue;
        }
      if (!_vmm_check_absolute_path (value, what, error))
        return FALSE;
    }

  for (guint i = 0; self->kernel_params[i] != NULL; i++)
    {
      g_autofree char *what = g_strdup_printf ("key 'kernel-params[%u]'", i);

      if (!_vmm_check_string (self->kernel_params[i], what, error))
        return FALSE;
    }

  if (self->vcpus > self->max_vcpus)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'vcpus': %u is more than key 'max-vcpus' (%u)",
                   self->vcpus, self->max_vcpus);
      return FALSE;
    }

  if (self->allowed_cpus != NULL && !is_cpu_list (self->allowed_cpus))
    {
      g_autofree char *quoted = _vmm_quote (self->allowed_cpus);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'allowed-cpus': %s is not a CPU list (expected 32-bit numbers "
                   "and ranges separated by commas, such as 0-3,6)",
                   quoted);
      return FALSE;
    }

  device_ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < self->devices->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (self->devices, i);
      const char *device_id;
      gpointer other;

      if (!vmm_device_validate (device, error))
        {
          g_prefix_error (error, DEVICES_KEY "[%u]: ", i);
          return FALSE;
        }

      device_id = vmm_device_get_id (device);
      if (device_id == NULL)
        continue;
      if (g_hash_table_lookup_extended (device_ids, device_id, NULL, &other))
        {
          g_autofree char *quoted = _vmm_quote (device_id);
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       DEVICES_KEY "[%u]: key 'id': %s is already the id of "
                       DEVICES_KEY "[%u]",
                       i, quoted, GPOINTER_TO_UINT (other));
          return FALSE;
        }
      g_hash_table_insert (device_ids, (gpointer) device_id, GUINT_TO_POINTER (i));
    }

  return TRUE;
}

/* Getters ----------------------------------------------------------------- */

/**
 * vmm_hypervisor_config_get_id:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:id] of @self.
 *
 * Returns: (nullable): the id, or %NULL if it is not set
 */
const char *
vmm_hypervisor_config_get_id (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->id;
}

/**
 * vmm_hypervisor_config_get_hypervisor:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:hypervisor] plugin name of @self.
 *
 * Returns: (nullable): the plugin name, or %NULL for the default plugin
 */
const char *
vmm_hypervisor_config_get_hypervisor (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->hypervisor;
}

/**
 * vmm_hypervisor_config_get_kernel:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:kernel] path of @self.
 *
 * Returns: (nullable) (type filename): the kernel path, or %NULL
 */
const char *
vmm_hypervisor_config_get_kernel (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->kernel;
}

/**
 * vmm_hypervisor_config_get_image:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:image] path of @self.
 *
 * Returns: (nullable) (type filename): the disk image path, or %NULL
 */
const char *
vmm_hypervisor_config_get_image (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->image;
}

/**
 * vmm_hypervisor_config_get_initrd:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:initrd] path of @self.
 *
 * Returns: (nullable) (type filename): the initrd path, or %NULL
 */
const char *
vmm_hypervisor_config_get_initrd (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->initrd;
}

/**
 * vmm_hypervisor_config_get_firmware:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:firmware] path of @self.
 *
 * Returns: (nullable) (type filename): the firmware path, or %NULL
 */
const char *
vmm_hypervisor_config_get_firmware (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->firmware;
}

/**
 * vmm_hypervisor_config_get_kernel_params:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:kernel-params] of @self.
 *
 * Returns: (transfer none) (array zero-terminated=1): the extra kernel
 *   parameters; never %NULL
 */
const char * const *
vmm_hypervisor_config_get_kernel_params (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return (const char * const *) self->kernel_params;
}

/**
 * vmm_hypervisor_config_get_memory_mib:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:memory-mib] of @self.
 *
 * Returns: the guest memory in MiB
 */
guint
vmm_hypervisor_config_get_memory_mib (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), 0);
  return self->memory_mib;
}

/**
 * vmm_hypervisor_config_get_vcpus:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:vcpus] of @self.
 *
 * Returns: the number of vCPUs at boot
 */
guint
vmm_hypervisor_config_get_vcpus (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), 0);
  return self->vcpus;
}

/**
 * vmm_hypervisor_config_get_max_vcpus:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:max-vcpus] of @self.
 *
 * Returns: the largest number of vCPUs
 */
guint
vmm_hypervisor_config_get_max_vcpus (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), 0);
  return self->max_vcpus;
}

/**
 * vmm_hypervisor_config_get_debug:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:debug] flag of @self.
 *
 * Returns: whether the guest boots with debugging output
 */
gboolean
vmm_hypervisor_config_get_debug (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), FALSE);
  return self->debug;
}

/**
 * vmm_hypervisor_config_get_store_dir:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:store-dir] of @self.
 *
 * Returns: (nullable) (type filename): the store directory; %NULL only if
 *   it was set to %NULL
 */
const char *
vmm_hypervisor_config_get_store_dir (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->store_dir;
}

/**
 * vmm_hypervisor_config_get_block_pool_size:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:block-pool-size] of @self.
 *
 * Returns: the number of disk slots reserved for hot-plugging
 */
guint
vmm_hypervisor_config_get_block_pool_size (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), 0);
  return self->block_pool_size;
}

/**
 * vmm_hypervisor_config_get_hypervisor_path:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:hypervisor-path] of @self.
 *
 * Returns: (nullable) (type filename): the hypervisor program's path, or
 *   %NULL for the backend's default
 */
const char *
vmm_hypervisor_config_get_hypervisor_path (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->hypervisor_path;
}

/**
 * vmm_hypervisor_config_get_ctl_path:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:ctl-path] of @self.
 *
 * Returns: (nullable) (type filename): the control tool's path, or %NULL
 *   for the backend's default
 */
const char *
vmm_hypervisor_config_get_ctl_path (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->ctl_path;
}

/**
 * vmm_hypervisor_config_get_start_timeout_ms:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:start-timeout-ms] of @self.
 *
 * Returns: the start timeout in milliseconds
 */
guint
vmm_hypervisor_config_get_start_timeout_ms (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), 0);
  return self->start_timeout_ms;
}

/**
 * vmm_hypervisor_config_get_stop_timeout_ms:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:stop-timeout-ms] of @self.
 *
 * Returns: the stop timeout in milliseconds
 */
guint
vmm_hypervisor_config_get_stop_timeout_ms (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), 0);
  return self->stop_timeout_ms;
}

/**
 * vmm_hypervisor_config_get_allowed_cpus:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:allowed-cpus] list of @self.
 *
 * Returns: (nullable): the CPU list (such as `0-3,6`), or %NULL for any
 */
const char *
vmm_hypervisor_config_get_allowed_cpus (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->allowed_cpus;
}

/**
 * vmm_hypervisor_config_get_exclusive_cpus:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the [property@Vmm.HypervisorConfig:exclusive-cpus] flag of @self.
 *
 * Returns: whether the vCPUs must have host CPUs of their own
 */
gboolean
vmm_hypervisor_config_get_exclusive_cpus (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), FALSE);
  return self->exclusive_cpus;
}

/* Devices ----------------------------------------------------------------- */

/**
 * vmm_hypervisor_config_get_devices:
 * @self: a #VmmHypervisorConfig
 *
 * Gets the devices of @self, in order. The array belongs to @self: do not
 * modify it (use [method@Vmm.HypervisorConfig.add_device] and
 * [method@Vmm.HypervisorConfig.remove_device]).
 *
 * Returns: (transfer none) (element-type Vmm.Device): the devices
 */
GPtrArray *
vmm_hypervisor_config_get_devices (VmmHypervisorConfig *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), NULL);
  return self->devices;
}

/**
 * vmm_hypervisor_config_add_device:
 * @self: a #VmmHypervisorConfig
 * @device: a #VmmDevice that is not in @self yet
 *
 * Appends @device to the devices of @self, taking a reference on it.
 * The device is not validated here; [method@Vmm.HypervisorConfig.validate]
 * does that.
 */
void
vmm_hypervisor_config_add_device (VmmHypervisorConfig *self,
                                  VmmDevice           *device)
{
  g_return_if_fail (VMM_IS_HYPERVISOR_CONFIG (self));
  g_return_if_fail (VMM_IS_DEVICE (device));
  g_return_if_fail (!g_ptr_array_find (self->devices, device, NULL));

  g_ptr_array_add (self->devices, g_object_ref (device));
}

/**
 * vmm_hypervisor_config_remove_device:
 * @self: a #VmmHypervisorConfig
 * @device: a #VmmDevice
 *
 * Removes @device (this very object, not an equal one) from the devices of
 * @self and drops the reference @self held.
 *
 * Returns: %TRUE if @device was in @self and was removed, %FALSE otherwise
 */
gboolean
vmm_hypervisor_config_remove_device (VmmHypervisorConfig *self,
                                     VmmDevice           *device)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (self), FALSE);
  g_return_val_if_fail (VMM_IS_DEVICE (device), FALSE);

  return g_ptr_array_remove (self->devices, device);
}
