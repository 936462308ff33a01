/* vmm-device.c: devices attached to a VM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "vmm-device.h"
#include "vmm-enum-types.h"
#include "vmm-error.h"
#include "vmm-private.h"

/* ------------------------------------------------------------------------ */
/* Helpers shared with vmm-hypervisor-config.c (declared in vmm-private.h)   */
/* ------------------------------------------------------------------------ */

#define QUOTE_MAX_BYTES 200

char *
_vmm_json_path_join (const char *prefix,
                     const char *key)
{
  if (prefix == NULL || prefix[0] == '\0')
    return g_strdup (key);
  return g_strconcat (prefix, ".", key, NULL);
}

char *
_vmm_quote (const char *value)
{
  GString *out;
  const char *p;

  if (value == NULL)
    return g_strdup ("(null)");

  out = g_string_new ("'");
  for (p = value; *p != '\0'; )
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (out->len > QUOTE_MAX_BYTES)
        {
          g_string_append (out, "...");
          break;
        }

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }

      switch (c)
        {
        case '\\': g_string_append (out, "\\\\"); break;
        case '\'': g_string_append (out, "\\'"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (g_unichar_iscntrl (c))
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
          break;
        }
      p = g_utf8_next_char (p);
    }
  g_string_append_c (out, '\'');

  return g_string_free (out, FALSE);
}

const char *
_vmm_json_node_kind (JsonNode *node)
{
  if (node == NULL)
    return "nothing";

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return "an integer";
    case G_TYPE_DOUBLE:
      return "a number with a fraction or exponent";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_STRING:
      return "a string";
    default:
      return "a value";
    }
}

gboolean
_vmm_check_string (const char  *value,
                   const char  *what,
                   GError     **error)
{
  const char *end = NULL;
  const char *p;

  if (!g_utf8_validate (value, -1, &end))
    {
      g_autofree char *quoted = _vmm_quote (value);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: %s is not valid UTF-8", what, quoted);
      return FALSE;
    }

  for (p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        {
          g_autofree char *quoted = _vmm_quote (value);
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "%s: %s contains a control character (U+%04X)",
                       what, quoted, c);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
_vmm_check_absolute_path (const char  *value,
                          const char  *what,
                          GError     **error)
{
  if (!_vmm_check_string (value, what, error))
    return FALSE;

  if (value[0] == '\0')
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: the path is empty", what);
      return FALSE;
    }

  if (!g_path_is_absolute (value))
    {
      g_autofree char *quoted = _vmm_quote (value);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: %s is not an absolute path", what, quoted);
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '-';
}

gboolean
_vmm_is_simple_name (const char *value)
{
  const char *p;

  if (value == NULL || value[0] == '\0')
    return FALSE;
  for (p = value; *p != '\0'; p++)
    if (!is_name_char (*p))
      return FALSE;
  return TRUE;
}

static GParamSpec *
find_pspec (GObject    *object,
            const char *name)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);

  g_assert (pspec != NULL);
  return pspec;
}

static gboolean
literal_is_integer (const char *literal)
{
  return literal != NULL && strpbrk (literal, ".eE") == NULL;
}

static gboolean
read_uint (JsonNode        *node,
           GParamSpecUInt  *uspec,
           const char      *path,
           VmmJsonContext  *ctx,
           guint           *out,
           GError         **error)
{
  const char *literal = NULL;
  g_autofree char *text = NULL;
  double d;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 v = json_node_get_int (node);

      if (v < (gint64) uspec->minimum || v > (gint64) uspec->maximum)
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "key '%s': %" G_GINT64_FORMAT " is out of range %u..%u",
                       path, v, uspec->minimum, uspec->maximum);
          return FALSE;
        }
      *out = (guint) v;
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_DOUBLE)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key '%s': expected an integer in range %u..%u, got %s",
                   path, uspec->minimum, uspec->maximum, _vmm_json_node_kind (node));
      return FALSE;
    }

  /* A number that json-glib holds as a double: an integer too large for
   * 64 bits, or a literal with a fraction or exponent. Only a finite,
   * integral value in range is accepted (2e3 is 2000). */
  d = json_node_get_double (node);
  if (ctx != NULL && ctx->literals != NULL)
    literal = g_hash_table_lookup (ctx->literals, node);
  text = literal != NULL ? g_strdup (literal) : g_strdup_printf ("%.17g", d);

  if (!literal_is_integer (literal) && isfinite (d) && d != floor (d))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key '%s': %s is not an integer (expected %u..%u)",
                   path, text, uspec->minimum, uspec->maximum);
      return FALSE;
    }

  if (literal_is_integer (literal) || !isfinite (d) ||
      d < (double) uspec->minimum || d > (double) uspec->maximum)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key '%s': %s is out of range %u..%u",
                   path, text, uspec->minimum, uspec->maximum);
      return FALSE;
    }

  *out = (guint) d;
  return TRUE;
}

gboolean
_vmm_json_read_property (GObject           *object,
                         const VmmPropInfo *info,
                         JsonNode          *node,
                         const char        *path,
                         VmmJsonContext    *ctx,
                         GError           **error)
{
  GParamSpec *pspec = find_pspec (object, info->name);
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, type);

  if (type == G_TYPE_STRING)
    {
      gboolean nullable = (info->flags & VMM_PROP_NULLABLE) != 0;

      if (JSON_NODE_HOLDS_NULL (node) && nullable)
        {
          g_value_set_string (&value, NULL);
        }
      else if (JSON_NODE_HOLDS_VALUE (node) &&
               json_node_get_value_type (node) == G_TYPE_STRING)
        {
          const char *s = json_node_get_string (node);

          if ((info->flags & VMM_PROP_PATH) != 0 && ctx != NULL &&
              ctx->base_dir != NULL && s[0] != '\0' && !g_path_is_absolute (s))
            g_value_take_string (&value, g_canonicalize_filename (s, ctx->base_dir));
          else
            g_value_set_string (&value, s);
        }
      else
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "key '%s': expected a string%s, got %s",
                       path, nullable ? " or null" : "", _vmm_json_node_kind (node));
          return FALSE;
        }
    }
  else if (type == G_TYPE_BOOLEAN)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) ||
          json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "key '%s': expected a boolean (true or false), got %s",
                       path, _vmm_json_node_kind (node));
          return FALSE;
        }
      g_value_set_boolean (&value, json_node_get_boolean (node));
    }
  else if (type == G_TYPE_UINT)
    {
      guint v = 0;

      if (!read_uint (node, G_PARAM_SPEC_UINT (pspec), path, ctx, &v, error))
        return FALSE;
      g_value_set_uint (&value, v);
    }
  else if (type == G_TYPE_STRV)
    {
      g_autoptr(GStrvBuilder) builder = NULL;
      JsonArray *array;
      guint i, n;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "key '%s': expected an array of strings, got %s",
                       path, _vmm_json_node_kind (node));
          return FALSE;
        }

      builder = g_strv_builder_new ();
      array = json_node_get_array (node);
      n = json_array_get_length (array);
      for (i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            {
              g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                           "key '%s[%u]': expected a string, got %s",
                           path, i, _vmm_json_node_kind (element));
              return FALSE;
            }
          g_strv_builder_add (builder, json_node_get_string (element));
        }
      g_value_take_boxed (&value, g_strv_builder_end (builder));
    }
  else
    {
      g_assert_not_reached ();
    }

  g_object_set_property (object, info->name, &value);
  return TRUE;
}

void
_vmm_json_write_property (GObject           *object,
                          const VmmPropInfo *info,
                          JsonObject        *out)
{
  GParamSpec *pspec = find_pspec (object, info->name);
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, type);
  g_object_get_property (object, info->name, &value);

  if (type == G_TYPE_STRING)
    {
      const char *s = g_value_get_string (&value);

      if (s != NULL)
        json_object_set_string_member (out, info->name, s);
      else
        json_object_set_null_member (out, info->name);
    }
  else if (type == G_TYPE_BOOLEAN)
    {
      json_object_set_boolean_member (out, info->name, g_value_get_boolean (&value));
    }
  else if (type == G_TYPE_UINT)
    {
      json_object_set_int_member (out, info->name, g_value_get_uint (&value));
    }
  else if (type == G_TYPE_STRV)
    {
      const char * const *strv = g_value_get_boxed (&value);
      JsonArray *array = json_array_new ();

      for (; strv != NULL && *strv != NULL; strv++)
        json_array_add_string_element (array, *strv);
      json_object_set_array_member (out, info->name, array);
    }
  else
    {
      g_assert_not_reached ();
    }
}

gboolean
_vmm_property_equal (GObject    *a,
                     GObject    *b,
                     const char *name)
{
  GParamSpec *pspec = find_pspec (a, name);
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  g_auto(GValue) va = G_VALUE_INIT;
  g_auto(GValue) vb = G_VALUE_INIT;

  g_value_init (&va, type);
  g_value_init (&vb, type);
  g_object_get_property (a, name, &va);
  g_object_get_property (b, name, &vb);

  if (type == G_TYPE_STRV)
    {
      const char * const *sa = g_value_get_boxed (&va);
      const char * const *sb = g_value_get_boxed (&vb);
      const char * const empty[] = { NULL };

      return g_strv_equal (sa != NULL ? sa : empty, sb != NULL ? sb : empty);
    }

  /* strings (NULL-aware), booleans and integers */
  return g_param_values_cmp (pspec, &va, &vb) == 0;
}

/* ------------------------------------------------------------------------ */
/* VmmDevice                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * VmmDevice:
 *
 * A device attached to a virtual machine: the abstract base of
 * [class@Vmm.BlockDevice], [class@Vmm.NetDevice], [class@Vmm.VsockDevice],
 * [class@Vmm.ConsoleDevice] and [class@Vmm.PciDevice].
 *
 * Every field of a device is a read-write GObject property, and the JSON
 * form of a device (see [method@Vmm.Device.to_json]) is an object whose
 * `"type"` key names the class (`"block"`, `"net"`, ...) and whose other
 * keys are the property names.
 *
 * [method@Vmm.Device.validate] runs the checks that do not depend on the
 * hypervisor (well-formed names, paths and addresses, no control
 * characters); backends check the rest when the device is used.
 *
 * Devices are not thread-safe: use an instance from one thread at a time.
 */

typedef struct
{
  char *id;
} VmmDevicePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (VmmDevice, vmm_device, G_TYPE_OBJECT)

enum {
  DEVICE_PROP_0,
  DEVICE_PROP_ID,
  DEVICE_N_PROPS
};

static GParamSpec *device_props[DEVICE_N_PROPS];

#define STATIC_RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

/* Each class's JSON keys in their fixed order ("type" comes first). */
static const VmmPropInfo block_props[] = {
  { "id", VMM_PROP_NULLABLE },
  { "path", VMM_PROP_PATH },
  { "read-only", VMM_PROP_NONE },
};
static const VmmPropInfo net_props[] = {
  { "id", VMM_PROP_NULLABLE },
  { "tap", VMM_PROP_NONE },
  { "mac", VMM_PROP_NULLABLE },
  { "vhost", VMM_PROP_NONE },
};
static const VmmPropInfo vsock_props[] = {
  { "id", VMM_PROP_NULLABLE },
  { "cid", VMM_PROP_NONE },
  { "port", VMM_PROP_NONE },
};
static const VmmPropInfo console_props[] = {
  { "id", VMM_PROP_NULLABLE },
  { "name", VMM_PROP_NONE },
  { "path", VMM_PROP_PATH },
};
static const VmmPropInfo pci_props[] = {
  { "id", VMM_PROP_NULLABLE },
  { "address", VMM_PROP_NONE },
};

typedef struct
{
  VmmDeviceType      type;
  const char        *json_type;
  GType            (*get_type) (void);
  const VmmPropInfo *props;
  guint              n_props;
} DeviceKind;

static const DeviceKind device_kinds[] = {
  { VMM_DEVICE_TYPE_BLOCK, "block", vmm_block_device_get_type,
    block_props, G_N_ELEMENTS (block_props) },
  { VMM_DEVICE_TYPE_NET, "net", vmm_net_device_get_type,
    net_props, G_N_ELEMENTS (net_props) },
  { VMM_DEVICE_TYPE_VSOCK, "vsock", vmm_vsock_device_get_type,
    vsock_props, G_N_ELEMENTS (vsock_props) },
  { VMM_DEVICE_TYPE_CONSOLE, "console", vmm_console_device_get_type,
    console_props, G_N_ELEMENTS (console_props) },
  { VMM_DEVICE_TYPE_PCI, "pci", vmm_pci_device_get_type,
    pci_props, G_N_ELEMENTS (pci_props) },
};

#define DEVICE_TYPES_TEXT "block, net, vsock, console, pci"

static const DeviceKind *
device_kind_for_type (VmmDeviceType type)
{
  for (guint i = 0; i < G_N_ELEMENTS (device_kinds); i++)
    if (device_kinds[i].type == type)
      return &device_kinds[i];
  g_return_val_if_reached (NULL);
}

static const DeviceKind *
device_kind_for_json_type (const char *json_type)
{
  for (guint i = 0; i < G_N_ELEMENTS (device_kinds); i++)
    if (g_strcmp0 (device_kinds[i].json_type, json_type) == 0)
      return &device_kinds[i];
  return NULL;
}

static const DeviceKind *
device_kind (VmmDevice *self)
{
  return device_kind_for_type (VMM_DEVICE_GET_CLASS (self)->device_type);
}

/* Replaces *field with the string in @value and notifies when it changed. */
void
_vmm_set_string_property (GObject      *object,
                     char        **field,
                     const GValue *value,
                     GParamSpec   *pspec)
{
  const char *s = g_value_get_string (value);

  if (g_strcmp0 (*field, s) == 0)
    return;
  g_free (*field);
  *field = g_strdup (s);
  g_object_notify_by_pspec (object, pspec);
}

void
_vmm_set_boolean_property (GObject      *object,
                      gboolean     *field,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  gboolean b = g_value_get_boolean (value);

  if (*field == b)
    return;
  *field = b;
  g_object_notify_by_pspec (object, pspec);
}

void
_vmm_set_uint_property (GObject      *object,
                   guint        *field,
                   const GValue *value,
                   GParamSpec   *pspec)
{
  guint u = g_value_get_uint (value);

  if (*field == u)
    return;
  *field = u;
  g_object_notify_by_pspec (object, pspec);
}

/* "net device" or "net device 'nic0'", then ": key 'NAME'" */
static char *
device_key_what (VmmDevice  *self,
                 const char *key)
{
  VmmDevicePrivate *priv = vmm_device_get_instance_private (self);
  const char *json_type = VMM_DEVICE_GET_CLASS (self)->json_type;

  if (priv->id != NULL)
    {
      g_autofree char *quoted = _vmm_quote (priv->id);
      return g_strdup_printf ("%s device %s: key '%s'", json_type, quoted, key);
    }
  return g_strdup_printf ("%s device: key '%s'", json_type, key);
}

static gboolean
device_check_set (VmmDevice   *self,
                  const char  *key,
                  const char  *value,
                  GError     **error)
{
  if (value == NULL)
    {
      g_autofree char *what = device_key_what (self, key);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG, "%s is not set", what);
      return FALSE;
    }
  return TRUE;
}

static void
vmm_device_finalize (GObject *object)
{
  VmmDevice *self = VMM_DEVICE (object);
  VmmDevicePrivate *priv = vmm_device_get_instance_private (self);

  g_free (priv->id);

  G_OBJECT_CLASS (vmm_device_parent_class)->finalize (object);
}

static void
vmm_device_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  VmmDevice *self = VMM_DEVICE (object);
  VmmDevicePrivate *priv = vmm_device_get_instance_private (self);

  switch (prop_id)
    {
    case DEVICE_PROP_ID:
      g_value_set_string (value, priv->id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_device_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  VmmDevice *self = VMM_DEVICE (object);
  VmmDevicePrivate *priv = vmm_device_get_instance_private (self);

  switch (prop_id)
    {
    case DEVICE_PROP_ID:
      _vmm_set_string_property (object, &priv->id, value, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
vmm_device_real_validate (VmmDevice  *self,
                          GError    **error)
{
  return TRUE;
}

static void
vmm_device_class_init (VmmDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vmm_device_finalize;
  object_class->get_property = vmm_device_get_property;
  object_class->set_property = vmm_device_set_property;

  klass->validate = vmm_device_real_validate;

  /**
   * VmmDevice:id:
   *
   * An optional name for the device, unique within a
   * [class@Vmm.HypervisorConfig]; used to find the device again (to
   * unplug it, for example) and in messages.
   */
  device_props[DEVICE_PROP_ID] =
    g_param_spec_string ("id", "ID",
                         "An optional name of the device, unique within a VM",
                         NULL, STATIC_RW);

  g_object_class_install_properties (object_class, DEVICE_N_PROPS, device_props);
}

static void
vmm_device_init (VmmDevice *self)
{
}

/**
 * vmm_device_get_device_type:
 * @self: a #VmmDevice
 *
 * Gets the kind of @self.
 *
 * Returns: the #VmmDeviceType of @self's class
 */
VmmDeviceType
vmm_device_get_device_type (VmmDevice *self)
{
  g_return_val_if_fail (VMM_IS_DEVICE (self), VMM_DEVICE_TYPE_BLOCK);

  return VMM_DEVICE_GET_CLASS (self)->device_type;
}

/**
 * vmm_device_get_id:
 * @self: a #VmmDevice
 *
 * Gets the [property@Vmm.Device:id] of @self.
 *
 * Returns: (nullable): the id, or %NULL when it is unset
 */
const char *
vmm_device_get_id (VmmDevice *self)
{
  VmmDevicePrivate *priv;

  g_return_val_if_fail (VMM_IS_DEVICE (self), NULL);

  priv = vmm_device_get_instance_private (self);
  return priv->id;
}

/**
 * vmm_device_set_id:
 * @self: a #VmmDevice
 * @id: (nullable): the new id, or %NULL to unset it
 *
 * Sets the [property@Vmm.Device:id] of @self.
 */
void
vmm_device_set_id (VmmDevice  *self,
                   const char *id)
{
  VmmDevicePrivate *priv;

  g_return_if_fail (VMM_IS_DEVICE (self));

  priv = vmm_device_get_instance_private (self);
  if (g_strcmp0 (priv->id, id) == 0)
    return;
  g_free (priv->id);
  priv->id = g_strdup (id);
  g_object_notify_by_pspec (G_OBJECT (self), device_props[DEVICE_PROP_ID]);
}

/**
 * vmm_device_validate:
 * @self: a #VmmDevice
 * @error: return location for a #GError
 *
 * Checks the properties of @self: the checks that do not depend on a
 * hypervisor (required properties are set, names, paths and addresses are
 * well formed, no string has control characters). A backend makes its own
 * checks when it uses the device.
 *
 * Returns: %TRUE if @self is valid; otherwise %FALSE with @error set to
 *   %VMM_ERROR_INVALID_CONFIG, with a message naming the device and the
 *   property
 */
gboolean
vmm_device_validate (VmmDevice  *self,
                     GError    **error)
{
  VmmDevicePrivate *priv;

  g_return_val_if_fail (VMM_IS_DEVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = vmm_device_get_instance_private (self);
  if (priv->id != NULL)
    {
      g_autofree char *what = device_key_what (self, "id");

      if (priv->id[0] == '\0')
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "%s: the id is empty (leave it unset instead)", what);
          return FALSE;
        }
      if (!_vmm_check_string (priv->id, what, error))
        return FALSE;
    }

  return VMM_DEVICE_GET_CLASS (self)->validate (self, error);
}

/**
 * vmm_device_to_json:
 * @self: a #VmmDevice
 *
 * Serializes @self to a JSON object: the `"type"` key first (the class's
 * JSON type, such as `"net"`), then every property in a fixed order. Unset
 * strings are written as `null`.
 *
 * Returns: (transfer full): a #JsonNode holding the object
 */
JsonNode *
vmm_device_to_json (VmmDevice *self)
{
  const DeviceKind *kind;
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (VMM_IS_DEVICE (self), NULL);

  kind = device_kind (self);
  object = json_object_new ();
  json_object_set_string_member (object, "type", kind->json_type);
  for (guint i = 0; i < kind->n_props; i++)
    _vmm_json_write_property (G_OBJECT (self), &kind->props[i], object);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/* Levenshtein distance, for "did you mean" hints on short keys. */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = NULL;
  guint result;

  if (la > 64 || lb > 64)
    return G_MAXUINT;

  row = g_new (guint, lb + 1);
  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diag = row[0];

      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint up = row[j];
          guint best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);

          best = MIN (best, up + 1);
          best = MIN (best, row[j - 1] + 1);
          diag = up;
          row[j] = best;
        }
    }
  result = row[lb];
  return result;
}

void
_vmm_json_unknown_key (GError           **error,
                       const char        *prefix,
                       const char        *name,
                       const char        *where,
                       const VmmPropInfo *props,
                       guint              n_props,
                       const char        *extra_key)
{
  g_autofree char *path = _vmm_json_path_join (prefix, name);
  g_autofree char *quoted = _vmm_quote (path);
  const char *best = NULL;
  guint best_distance = 3;

  for (guint i = 0; i <= n_props; i++)
    {
      const char *candidate = i < n_props ? props[i].name : extra_key;
      guint d;

      if (candidate == NULL)
        continue;
      d = edit_distance (name, candidate);
      if (d < best_distance)
        {
          best_distance = d;
          best = candidate;
        }
    }

  g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
               "unknown key %s%s%s%s%s%s",
               quoted,
               where != NULL ? " in " : "", where != NULL ? where : "",
               best != NULL ? " (did you mean '" : "",
               best != NULL ? best : "",
               best != NULL ? "'?)" : "");
}

VmmDevice *
_vmm_device_load (JsonNode        *node,
                  const char      *path,
                  VmmJsonContext  *ctx,
                  GError         **error)
{
  g_autoptr(VmmDevice) device = NULL;
  g_autofree char *type_path = NULL;
  const DeviceKind *kind;
  JsonObject *object;
  JsonNode *type_node;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      if (path != NULL && path[0] != '\0')
        g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                     "key '%s': expected a device object, got %s",
                     path, _vmm_json_node_kind (node));
      else
        g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                     "expected a device object, got %s", _vmm_json_node_kind (node));
      return NULL;
    }

  object = json_node_get_object (node);
  type_path = _vmm_json_path_join (path, "type");
  type_node = json_object_get_member (object, "type");
  if (type_node == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key '%s' is missing (the device type: one of " DEVICE_TYPES_TEXT ")",
                   type_path);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (type_node) ||
      json_node_get_value_type (type_node) != G_TYPE_STRING)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key '%s': expected a string (one of " DEVICE_TYPES_TEXT "), got %s",
                   type_path, _vmm_json_node_kind (type_node));
      return NULL;
    }
  kind = device_kind_for_json_type (json_node_get_string (type_node));
  if (kind == NULL)
    {
      g_autofree char *quoted = _vmm_quote (json_node_get_string (type_node));
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key '%s': unknown device type %s (expected one of " DEVICE_TYPES_TEXT ")",
                   type_path, quoted);
      return NULL;
    }

  device = g_object_new (kind->get_type (), NULL);

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      const VmmPropInfo *info = NULL;
      g_autofree char *member_path = NULL;

      if (strcmp (name, "type") == 0)
        continue;

      for (guint i = 0; i < kind->n_props; i++)
        if (strcmp (kind->props[i].name, name) == 0)
          info = &kind->props[i];

      if (info == NULL)
        {
          g_autofree char *where = g_strdup_printf ("a %s device", kind->json_type);

          _vmm_json_unknown_key (error, path, name, where,
                                 kind->props, kind->n_props, "type");
          return NULL;
        }

      member_path = _vmm_json_path_join (path, name);
      if (!_vmm_json_read_property (G_OBJECT (device), info, member, member_path, ctx, error))
        return NULL;
    }

  return g_steal_pointer (&device);
}

/**
 * vmm_device_new_from_json:
 * @node: a #JsonNode holding a JSON object
 * @error: return location for a #GError
 *
 * Creates a device from its JSON form (see [method@Vmm.Device.to_json]).
 * The `"type"` key chooses the class; every other key must be a property
 * of that class and have the property's type. Unset keys keep their
 * defaults. The device is then checked with [method@Vmm.Device.validate].
 *
 * Returns: (transfer full): a new #VmmDevice, or %NULL with @error set to
 *   %VMM_ERROR_INVALID_CONFIG naming the offending key
 */
VmmDevice *
vmm_device_new_from_json (JsonNode  *node,
                          GError   **error)
{
  g_autoptr(VmmDevice) device = NULL;
  VmmJsonContext ctx = { NULL, NULL };

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  device = _vmm_device_load (node, NULL, &ctx, error);
  if (device == NULL)
    return NULL;
  if (!vmm_device_validate (device, error))
    return NULL;
  return g_steal_pointer (&device);
}

/**
 * vmm_device_describe:
 * @self: a #VmmDevice
 *
 * Describes @self in a few words for messages and logs, such as
 * `net device tap0` or `block device /d.img`.
 *
 * Returns: (transfer full): the description
 */
char *
vmm_device_describe (VmmDevice *self)
{
  VmmDevicePrivate *priv;
  g_autofree char *main_text = NULL;
  GString *out;

  g_return_val_if_fail (VMM_IS_DEVICE (self), NULL);

  priv = vmm_device_get_instance_private (self);

  switch (vmm_device_get_device_type (self))
    {
    case VMM_DEVICE_TYPE_BLOCK:
      {
        VmmBlockDevice *block = VMM_BLOCK_DEVICE (self);
        main_text = g_strdup_printf ("%s%s",
                                     vmm_block_device_get_path (block) ?: "(no path)",
                                     vmm_block_device_get_read_only (block) ? " (read-only)" : "");
      }
      break;
    case VMM_DEVICE_TYPE_NET:
      main_text = g_strdup (vmm_net_device_get_tap (VMM_NET_DEVICE (self)) ?: "(no tap)");
      break;
    case VMM_DEVICE_TYPE_VSOCK:
      {
        guint cid = vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (self));
        main_text = cid != 0 ? g_strdup_printf ("cid %u", cid) : g_strdup ("(cid unset)");
      }
      break;
    case VMM_DEVICE_TYPE_CONSOLE:
      main_text = g_strdup (vmm_console_device_get_name (VMM_CONSOLE_DEVICE (self)) ?: "(no name)");
      break;
    case VMM_DEVICE_TYPE_PCI:
      main_text = g_strdup (vmm_pci_device_get_address (VMM_PCI_DEVICE (self)) ?: "(no address)");
      break;
    default:
      main_text = g_strdup ("?");
      break;
    }

  out = g_string_new (NULL);
  g_string_append_printf (out, "%s device %s", VMM_DEVICE_GET_CLASS (self)->json_type, main_text);
  if (priv->id != NULL)
    g_string_append_printf (out, " (id %s)", priv->id);
  return g_string_free (out, FALSE);
}

VmmDevice *
_vmm_device_copy (VmmDevice *self)
{
  const DeviceKind *kind = device_kind (self);
  VmmDevice *copy = g_object_new (G_OBJECT_TYPE (self), NULL);

  for (guint i = 0; i < kind->n_props; i++)
    {
      GParamSpec *pspec = find_pspec (G_OBJECT (self), kind->props[i].name);
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
      g_object_get_property (G_OBJECT (self), pspec->name, &value);
      g_object_set_property (G_OBJECT (copy), pspec->name, &value);
    }

  return copy;
}

gboolean
_vmm_device_equal (VmmDevice *a,
                   VmmDevice *b)
{
  const DeviceKind *kind;

  if (a == b)
    return TRUE;
  if (G_OBJECT_TYPE (a) != G_OBJECT_TYPE (b))
    return FALSE;

  kind = device_kind (a);
  for (guint i = 0; i < kind->n_props; i++)
    if (!_vmm_property_equal (G_OBJECT (a), G_OBJECT (b), kind->props[i].name))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* VmmBlockDevice                                                             */
/* ------------------------------------------------------------------------ */

/**
 * VmmBlockDevice:
 *
 * A disk backed by a host file or block device (JSON type `"block"`).
 */
struct _VmmBlockDevice
{
  VmmDevice parent_instance;

  char     *path;
  gboolean  read_only;
};

G_DEFINE_FINAL_TYPE (VmmBlockDevice, vmm_block_device, VMM_TYPE_DEVICE)

enum {
  BLOCK_PROP_0,
  BLOCK_PROP_PATH,
  BLOCK_PROP_READ_ONLY,
  BLOCK_N_PROPS
};

static GParamSpec *block_pspecs[BLOCK_N_PROPS];

static void
vmm_block_device_finalize (GObject *object)
{
  VmmBlockDevice *self = VMM_BLOCK_DEVICE (object);

  g_free (self->path);

  G_OBJECT_CLASS (vmm_block_device_parent_class)->finalize (object);
}

static void
vmm_block_device_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  VmmBlockDevice *self = VMM_BLOCK_DEVICE (object);

  switch (prop_id)
    {
    case BLOCK_PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case BLOCK_PROP_READ_ONLY:
      g_value_set_boolean (value, self->read_only);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_block_device_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  VmmBlockDevice *self = VMM_BLOCK_DEVICE (object);

  switch (prop_id)
    {
    case BLOCK_PROP_PATH:
      _vmm_set_string_property (object, &self->path, value, pspec);
      break;
    case BLOCK_PROP_READ_ONLY:
      _vmm_set_boolean_property (object, &self->read_only, value, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
vmm_block_device_validate (VmmDevice  *device,
                           GError    **error)
{
  VmmBlockDevice *self = VMM_BLOCK_DEVICE (device);
  g_autofree char *what = device_key_what (device, "path");

  if (!device_check_set (device, "path", self->path, error))
    return FALSE;
  return _vmm_check_absolute_path (self->path, what, error);
}

static void
vmm_block_device_class_init (VmmBlockDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  VmmDeviceClass *device_class = VMM_DEVICE_CLASS (klass);

  object_class->finalize = vmm_block_device_finalize;
  object_class->get_property = vmm_block_device_get_property;
  object_class->set_property = vmm_block_device_set_property;

  device_class->device_type = VMM_DEVICE_TYPE_BLOCK;
  device_class->json_type = "block";
  device_class->validate = vmm_block_device_validate;

  /**
   * VmmBlockDevice:path:
   *
   * The host file or block device that backs the disk: a non-empty
   * absolute path. In a configuration file, a relative path is resolved
   * against the file's directory.
   */
  block_pspecs[BLOCK_PROP_PATH] =
    g_param_spec_string ("path", "Path",
                         "The absolute path of the host file or block device",
                         NULL, STATIC_RW);

  /**
   * VmmBlockDevice:read-only:
   *
   * Whether the guest sees the disk as read-only.
   */
  block_pspecs[BLOCK_PROP_READ_ONLY] =
    g_param_spec_boolean ("read-only", "Read-only",
                          "Whether the guest sees the disk as read-only",
                          FALSE, STATIC_RW);

  g_object_class_install_properties (object_class, BLOCK_N_PROPS, block_pspecs);
}

static void
vmm_block_device_init (VmmBlockDevice *self)
{
}

/**
 * vmm_block_device_new:
 * @path: the absolute path of the host file or block device
 * @read_only: whether the guest sees the disk as read-only
 *
 * Creates a block device.
 *
 * Returns: (transfer full): a new #VmmBlockDevice
 */
VmmBlockDevice *
vmm_block_device_new (const char *path,
                      gboolean    read_only)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (VMM_TYPE_BLOCK_DEVICE,
                       "path", path,
                       "read-only", read_only,
                       NULL);
}

/**
 * vmm_block_device_get_path:
 * @self: a #VmmBlockDevice
 *
 * Gets the [property@Vmm.BlockDevice:path] of @self.
 *
 * Returns: (nullable): the path, or %NULL if it was never set
 */
const char *
vmm_block_device_get_path (VmmBlockDevice *self)
{
  g_return_val_if_fail (VMM_IS_BLOCK_DEVICE (self), NULL);

  return self->path;
}

/**
 * vmm_block_device_get_read_only:
 * @self: a #VmmBlockDevice
 *
 * Gets the [property@Vmm.BlockDevice:read-only] flag of @self.
 *
 * Returns: whether the guest sees the disk as read-only
 */
gboolean
vmm_block_device_get_read_only (VmmBlockDevice *self)
{
  g_return_val_if_fail (VMM_IS_BLOCK_DEVICE (self), FALSE);

  return self->read_only;
}

/* ------------------------------------------------------------------------ */
/* VmmNetDevice                                                               */
/* ------------------------------------------------------------------------ */

/**
 * VmmNetDevice:
 *
 * A virtio network interface connected to a host tap device (JSON type
 * `"net"`).
 */
struct _VmmNetDevice
{
  VmmDevice parent_instance;

  char     *tap;
  char     *mac;
  gboolean  vhost;
};

G_DEFINE_FINAL_TYPE (VmmNetDevice, vmm_net_device, VMM_TYPE_DEVICE)

enum {
  NET_PROP_0,
  NET_PROP_TAP,
  NET_PROP_MAC,
  NET_PROP_VHOST,
  NET_N_PROPS
};

static GParamSpec *net_pspecs[NET_N_PROPS];

/* the Linux limit on interface names, IFNAMSIZ - 1 */
#define TAP_NAME_MAX 15

static void
vmm_net_device_finalize (GObject *object)
{
  VmmNetDevice *self = VMM_NET_DEVICE (object);

  g_free (self->tap);
  g_free (self->mac);

  G_OBJECT_CLASS (vmm_net_device_parent_class)->finalize (object);
}

static void
vmm_net_device_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  VmmNetDevice *self = VMM_NET_DEVICE (object);

  switch (prop_id)
    {
    case NET_PROP_TAP:
      g_value_set_string (value, self->tap);
      break;
    case NET_PROP_MAC:
      g_value_set_string (value, self->mac);
      break;
    case NET_PROP_VHOST:
      g_value_set_boolean (value, self->vhost);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_net_device_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  VmmNetDevice *self = VMM_NET_DEVICE (object);

  switch (prop_id)
    {
    case NET_PROP_TAP:
      _vmm_set_string_property (object, &self->tap, value, pspec);
      break;
    case NET_PROP_MAC:
      _vmm_set_string_property (object, &self->mac, value, pspec);
      break;
    case NET_PROP_VHOST:
      _vmm_set_boolean_property (object, &self->vhost, value, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
is_mac_address (const char *s)
{
  for (guint i = 0; i < 6; i++)
    {
      const char *octet = s + i * 3;

      if (!g_ascii_isxdigit (octet[0]) || !g_ascii_isxdigit (octet[1]))
        return FALSE;
      if (octet[2] != (i < 5 ? ':' : '\0'))
        return FALSE;
    }
  return TRUE;
}

static gboolean
vmm_net_device_validate (VmmDevice  *device,
                         GError    **error)
{
  VmmNetDevice *self = VMM_NET_DEVICE (device);

  if (!device_check_set (device, "tap", self->tap, error))
    return FALSE;

  if (!_vmm_is_simple_name (self->tap) || strlen (self->tap) > TAP_NAME_MAX ||
      strcmp (self->tap, ".") == 0 || strcmp (self->tap, "..") == 0)
    {
      g_autofree char *what = device_key_what (device, "tap");
      g_autofree char *quoted = _vmm_quote (self->tap);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: %s is not a valid interface name "
                   "(expected 1 to %d characters of A-Z a-z 0-9 _ . -)",
                   what, quoted, TAP_NAME_MAX);
      return FALSE;
    }

  if (self->mac != NULL)
    {
      g_autofree char *what = device_key_what (device, "mac");
      g_autofree char *quoted = _vmm_quote (self->mac);

      if (!is_mac_address (self->mac))
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "%s: %s is not a MAC address (expected XX:XX:XX:XX:XX:XX)",
                       what, quoted);
          return FALSE;
        }
      if ((g_ascii_xdigit_value (self->mac[1]) & 1) != 0)
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "%s: %s is a multicast address, which a network interface "
                       "cannot have (the first octet must be even)",
                       what, quoted);
          return FALSE;
        }
    }

  return TRUE;
}

static void
vmm_net_device_class_init (VmmNetDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  VmmDeviceClass *device_class = VMM_DEVICE_CLASS (klass);

  object_class->finalize = vmm_net_device_finalize;
  object_class->get_property = vmm_net_device_get_property;
  object_class->set_property = vmm_net_device_set_property;

  device_class->device_type = VMM_DEVICE_TYPE_NET;
  device_class->json_type = "net";
  device_class->validate = vmm_net_device_validate;

  /**
   * VmmNetDevice:tap:
   *
   * The name of the host tap interface: 1 to 15 characters of
   * `A-Z a-z 0-9 _ . -`.
   */
  net_pspecs[NET_PROP_TAP] =
    g_param_spec_string ("tap", "Tap",
                         "The name of the host tap interface",
                         NULL, STATIC_RW);

  /**
   * VmmNetDevice:mac:
   *
   * The guest's MAC address, `XX:XX:XX:XX:XX:XX` in hexadecimal (a unicast
   * address), or %NULL to let the hypervisor choose one.
   */
  net_pspecs[NET_PROP_MAC] =
    g_param_spec_string ("mac", "MAC",
                         "The guest's MAC address, or NULL to let the hypervisor choose",
                         NULL, STATIC_RW);

  /**
   * VmmNetDevice:vhost:
   *
   * Whether to use the in-kernel vhost-net backend, where the hypervisor
   * supports it.
   */
  net_pspecs[NET_PROP_VHOST] =
    g_param_spec_boolean ("vhost", "Use vhost-net",
                          "Whether to use the in-kernel vhost-net backend",
                          FALSE, STATIC_RW);

  g_object_class_install_properties (object_class, NET_N_PROPS, net_pspecs);
}

static void
vmm_net_device_init (VmmNetDevice *self)
{
}

/**
 * vmm_net_device_new:
 * @tap: the name of the host tap interface
 * @mac: (nullable): the guest's MAC address, or %NULL
 *
 * Creates a network device.
 *
 * Returns: (transfer full): a new #VmmNetDevice
 */
VmmNetDevice *
vmm_net_device_new (const char *tap,
                    const char *mac)
{
  g_return_val_if_fail (tap != NULL, NULL);

  return g_object_new (VMM_TYPE_NET_DEVICE,
                       "tap", tap,
                       "mac", mac,
                       NULL);
}

/**
 * vmm_net_device_get_tap:
 * @self: a #VmmNetDevice
 *
 * Gets the [property@Vmm.NetDevice:tap] interface name of @self.
 *
 * Returns: (nullable): the tap name, or %NULL if it was never set
 */
const char *
vmm_net_device_get_tap (VmmNetDevice *self)
{
  g_return_val_if_fail (VMM_IS_NET_DEVICE (self), NULL);

  return self->tap;
}

/**
 * vmm_net_device_get_mac:
 * @self: a #VmmNetDevice
 *
 * Gets the [property@Vmm.NetDevice:mac] address of @self.
 *
 * Returns: (nullable): the MAC address, or %NULL when the hypervisor
 *   chooses one
 */
const char *
vmm_net_device_get_mac (VmmNetDevice *self)
{
  g_return_val_if_fail (VMM_IS_NET_DEVICE (self), NULL);

  return self->mac;
}

/**
 * vmm_net_device_get_vhost:
 * @self: a #VmmNetDevice
 *
 * Gets the [property@Vmm.NetDevice:vhost] flag of @self.
 *
 * Returns: whether the in-kernel vhost-net backend is requested
 */
gboolean
vmm_net_device_get_vhost (VmmNetDevice *self)
{
  g_return_val_if_fail (VMM_IS_NET_DEVICE (self), FALSE);

  return self->vhost;
}

/* ------------------------------------------------------------------------ */
/* VmmVsockDevice                                                             */
/* ------------------------------------------------------------------------ */

/**
 * VmmVsockDevice:
 *
 * A virtio vsock device (JSON type `"vsock"`): a socket channel between
 * host and guest addressed by the guest's context id (CID).
 */
struct _VmmVsockDevice
{
  VmmDevice parent_instance;

  guint cid;
  guint port;
};

G_DEFINE_FINAL_TYPE (VmmVsockDevice, vmm_vsock_device, VMM_TYPE_DEVICE)

enum {
  VSOCK_PROP_0,
  VSOCK_PROP_CID,
  VSOCK_PROP_PORT,
  VSOCK_N_PROPS
};

static GParamSpec *vsock_pspecs[VSOCK_N_PROPS];

#define VSOCK_DEFAULT_PORT 1024

static void
vmm_vsock_device_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  VmmVsockDevice *self = VMM_VSOCK_DEVICE (object);

  switch (prop_id)
    {
    case VSOCK_PROP_CID:
      g_value_set_uint (value, self->cid);
      break;
    case VSOCK_PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_vsock_device_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  VmmVsockDevice *self = VMM_VSOCK_DEVICE (object);

  switch (prop_id)
    {
    case VSOCK_PROP_CID:
      _vmm_set_uint_property (object, &self->cid, value, pspec);
      break;
    case VSOCK_PROP_PORT:
      _vmm_set_uint_property (object, &self->port, value, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
vmm_vsock_device_validate (VmmDevice  *device,
                           GError    **error)
{
  VmmVsockDevice *self = VMM_VSOCK_DEVICE (device);

  /* 0 means "unset": the backend allocates a free CID */
  if (self->cid != 0 &&
      (self->cid < VMM_VSOCK_CID_MIN || self->cid > VMM_VSOCK_CID_MAX))
    {
      g_autofree char *what = device_key_what (device, "cid");
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: %u is out of range %u..%u (0 lets the hypervisor choose)",
                   what, self->cid, VMM_VSOCK_CID_MIN, VMM_VSOCK_CID_MAX);
      return FALSE;
    }

  return TRUE;
}

static void
vmm_vsock_device_class_init (VmmVsockDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  VmmDeviceClass *device_class = VMM_DEVICE_CLASS (klass);

  object_class->get_property = vmm_vsock_device_get_property;
  object_class->set_property = vmm_vsock_device_set_property;

  device_class->device_type = VMM_DEVICE_TYPE_VSOCK;
  device_class->json_type = "vsock";
  device_class->validate = vmm_vsock_device_validate;

  /**
   * VmmVsockDevice:cid:
   *
   * The guest's context id, in %VMM_VSOCK_CID_MIN..%VMM_VSOCK_CID_MAX;
   * 0 (the default) leaves it unset, and the hypervisor backend allocates
   * a free one.
   */
  vsock_pspecs[VSOCK_PROP_CID] =
    g_param_spec_uint ("cid", "CID",
                       "The guest's context id, or 0 to let the backend allocate one",
                       0, G_MAXUINT32, 0, STATIC_RW);

  /**
   * VmmVsockDevice:port:
   *
   * The vsock port on which the guest's agent listens.
   */
  vsock_pspecs[VSOCK_PROP_PORT] =
    g_param_spec_uint ("port", "Port",
                       "The vsock port on which the guest's agent listens",
                       0, G_MAXUINT32, VSOCK_DEFAULT_PORT, STATIC_RW);

  g_object_class_install_properties (object_class, VSOCK_N_PROPS, vsock_pspecs);
}

static void
vmm_vsock_device_init (VmmVsockDevice *self)
{
  self->port = VSOCK_DEFAULT_PORT;
}

/**
 * vmm_vsock_device_new:
 * @cid: the guest's context id, or 0 to let the backend allocate one
 * @port: the vsock port on which the guest's agent listens
 *
 * Creates a vsock device.
 *
 * Returns: (transfer full): a new #VmmVsockDevice
 */
VmmVsockDevice *
vmm_vsock_device_new (guint32 cid,
                      guint32 port)
{
  return g_object_new (VMM_TYPE_VSOCK_DEVICE,
                       "cid", (guint) cid,
                       "port", (guint) port,
                       NULL);
}

/**
 * vmm_vsock_device_get_cid:
 * @self: a #VmmVsockDevice
 *
 * Gets the [property@Vmm.VsockDevice:cid] of @self.
 *
 * Returns: the guest's context id, or 0 when unset
 */
guint32
vmm_vsock_device_get_cid (VmmVsockDevice *self)
{
  g_return_val_if_fail (VMM_IS_VSOCK_DEVICE (self), 0);

  return self->cid;
}

/**
 * vmm_vsock_device_get_port:
 * @self: a #VmmVsockDevice
 *
 * Gets the [property@Vmm.VsockDevice:port] of @self.
 *
 * Returns: the vsock port
 */
guint32
vmm_vsock_device_get_port (VmmVsockDevice *self)
{
  g_return_val_if_fail (VMM_IS_VSOCK_DEVICE (self), 0);

  return self->port;
}

/* ------------------------------------------------------------------------ */
/* VmmConsoleDevice                                                           */
/* ------------------------------------------------------------------------ */

/**
 * VmmConsoleDevice:
 *
 * A serial port of the guest exposed as a unix socket on the host (JSON
 * type `"console"`).
 */
struct _VmmConsoleDevice
{
  VmmDevice parent_instance;

  char *name;
  char *path;
};

G_DEFINE_FINAL_TYPE (VmmConsoleDevice, vmm_console_device, VMM_TYPE_DEVICE)

enum {
  CONSOLE_PROP_0,
  CONSOLE_PROP_NAME,
  CONSOLE_PROP_PATH,
  CONSOLE_N_PROPS
};

static GParamSpec *console_pspecs[CONSOLE_N_PROPS];

/* sizeof (((struct sockaddr_un *) 0)->sun_path) - 1 on Linux */
#define SOCKET_PATH_MAX 107

static void
vmm_console_device_finalize (GObject *object)
{
  VmmConsoleDevice *self = VMM_CONSOLE_DEVICE (object);

  g_free (self->name);
  g_free (self->path);

  G_OBJECT_CLASS (vmm_console_device_parent_class)->finalize (object);
}

static void
vmm_console_device_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  VmmConsoleDevice *self = VMM_CONSOLE_DEVICE (object);

  switch (prop_id)
    {
    case CONSOLE_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case CONSOLE_PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_console_device_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  VmmConsoleDevice *self = VMM_CONSOLE_DEVICE (object);

  switch (prop_id)
    {
    case CONSOLE_PROP_NAME:
      _vmm_set_string_property (object, &self->name, value, pspec);
      break;
    case CONSOLE_PROP_PATH:
      _vmm_set_string_property (object, &self->path, value, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
vmm_console_device_validate (VmmDevice  *device,
                             GError    **error)
{
  VmmConsoleDevice *self = VMM_CONSOLE_DEVICE (device);
  g_autofree char *path_what = device_key_what (device, "path");
  gsize length;

  if (!device_check_set (device, "name", self->name, error))
    return FALSE;
  if (!_vmm_is_simple_name (self->name))
    {
      g_autofree char *what = device_key_what (device, "name");
      g_autofree char *quoted = _vmm_quote (self->name);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: %s is not a valid console name "
                   "(expected one or more characters of A-Z a-z 0-9 _ . -)",
                   what, quoted);
      return FALSE;
    }

  if (!device_check_set (device, "path", self->path, error))
    return FALSE;
  if (!_vmm_check_absolute_path (self->path, path_what, error))
    return FALSE;

  length = strlen (self->path);
  if (length > SOCKET_PATH_MAX)
    {
      g_autofree char *quoted = _vmm_quote (self->path);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: %s is %" G_GSIZE_FORMAT " bytes long, but a unix socket "
                   "path can have at most %d",
                   path_what, quoted, length, SOCKET_PATH_MAX);
      return FALSE;
    }

  return TRUE;
}

static void
vmm_console_device_class_init (VmmConsoleDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  VmmDeviceClass *device_class = VMM_DEVICE_CLASS (klass);

  object_class->finalize = vmm_console_device_finalize;
  object_class->get_property = vmm_console_device_get_property;
  object_class->set_property = vmm_console_device_set_property;

  device_class->device_type = VMM_DEVICE_TYPE_CONSOLE;
  device_class->json_type = "console";
  device_class->validate = vmm_console_device_validate;

  /**
   * VmmConsoleDevice:name:
   *
   * The name of the serial port as the hypervisor knows it: one or more
   * characters of `A-Z a-z 0-9 _ . -`.
   */
  console_pspecs[CONSOLE_PROP_NAME] =
    g_param_spec_string ("name", "Name",
                         "The name of the serial port",
                         NULL, STATIC_RW);

  /**
   * VmmConsoleDevice:path:
   *
   * The absolute path of the unix socket, at most 107 bytes long (the
   * size of `sun_path`). In a configuration file, a relative path is
   * resolved against the file's directory.
   */
  console_pspecs[CONSOLE_PROP_PATH] =
    g_param_spec_string ("path", "Path",
                         "The absolute path of the unix socket",
                         NULL, STATIC_RW);

  g_object_class_install_properties (object_class, CONSOLE_N_PROPS, console_pspecs);
}

static void
vmm_console_device_init (VmmConsoleDevice *self)
{
}

/**
 * vmm_console_device_new:
 * @name: the name of the serial port
 * @path: the absolute path of the unix socket
 *
 * Creates a console device.
 *
 * Returns: (transfer full): a new #VmmConsoleDevice
 */
VmmConsoleDevice *
vmm_console_device_new (const char *name,
                        const char *path)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (VMM_TYPE_CONSOLE_DEVICE,
                       "name", name,
                       "path", path,
                       NULL);
}

/**
 * vmm_console_device_get_name:
 * @self: a #VmmConsoleDevice
 *
 * Gets the [property@Vmm.ConsoleDevice:name] of @self.
 *
 * Returns: (nullable): the name, or %NULL if it was never set
 */
const char *
vmm_console_device_get_name (VmmConsoleDevice *self)
{
  g_return_val_if_fail (VMM_IS_CONSOLE_DEVICE (self), NULL);

  return self->name;
}

/**
 * vmm_console_device_get_path:
 * @self: a #VmmConsoleDevice
 *
 * Gets the [property@Vmm.ConsoleDevice:path] of @self.
 *
 * Returns: (nullable): the socket path, or %NULL if it was never set
 */
const char *
vmm_console_device_get_path (VmmConsoleDevice *self)
{
  g_return_val_if_fail (VMM_IS_CONSOLE_DEVICE (self), NULL);

  return self->path;
}

/* ------------------------------------------------------------------------ */
/* VmmPciDevice                                                               */
/* ------------------------------------------------------------------------ */

/**
 * VmmPciDevice:
 *
 * A host PCI device passed through to the guest (JSON type `"pci"`).
 */
struct _VmmPciDevice
{
  VmmDevice parent_instance;

  char *address;
};

G_DEFINE_FINAL_TYPE (VmmPciDevice, vmm_pci_device, VMM_TYPE_DEVICE)

enum {
  PCI_PROP_0,
  PCI_PROP_ADDRESS,
  PCI_N_PROPS
};

static GParamSpec *pci_pspecs[PCI_N_PROPS];

static gboolean
parse_hex (const char *s,
           guint       digits,
           guint      *out)
{
  guint value = 0;

  for (guint i = 0; i < digits; i++)
    {
      int d = g_ascii_xdigit_value (s[i]);

      if (d < 0)
        return FALSE;
      value = value * 16 + (guint) d;
    }
  *out = value;
  return TRUE;
}

/* "DDDD:BB:DD.F" or "BB:DD.F", hexadecimal */
static gboolean
parse_bdf (const char *address,
           guint      *domain,
           guint      *bus,
           guint      *slot,
           guint      *function)
{
  const char *p = address;
  gsize length;

  if (address == NULL)
    return FALSE;

  length = strlen (address);
  if (length == 12)
    {
      if (!parse_hex (p, 4, domain) || p[4] != ':')
        return FALSE;
      p += 5;
    }
  else if (length == 7)
    {
      *domain = 0;
    }
  else
    {
      return FALSE;
    }

  if (!parse_hex (p, 2, bus) || p[2] != ':' ||
      !parse_hex (p + 3, 2, slot) || p[5] != '.' ||
      !parse_hex (p + 6, 1, function))
    return FALSE;

  return *slot <= 0x1f && *function <= 7;
}

static void
vmm_pci_device_finalize (GObject *object)
{
  VmmPciDevice *self = VMM_PCI_DEVICE (object);

  g_free (self->address);

  G_OBJECT_CLASS (vmm_pci_device_parent_class)->finalize (object);
}

static void
vmm_pci_device_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  VmmPciDevice *self = VMM_PCI_DEVICE (object);

  switch (prop_id)
    {
    case PCI_PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_pci_device_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  VmmPciDevice *self = VMM_PCI_DEVICE (object);

  switch (prop_id)
    {
    case PCI_PROP_ADDRESS:
      _vmm_set_string_property (object, &self->address, value, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
vmm_pci_device_validate (VmmDevice  *device,
                         GError    **error)
{
  VmmPciDevice *self = VMM_PCI_DEVICE (device);
  guint domain, bus, slot, function;

  if (!device_check_set (device, "address", self->address, error))
    return FALSE;

  if (!parse_bdf (self->address, &domain, &bus, &slot, &function))
    {
      g_autofree char *what = device_key_what (device, "address");
      g_autofree char *quoted = _vmm_quote (self->address);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "%s: %s is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F "
                   "in hexadecimal, with device at most 1f and function at most 7)",
                   what, quoted);
      return FALSE;
    }

  return TRUE;
}

static void
vmm_pci_device_class_init (VmmPciDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  VmmDeviceClass *device_class = VMM_DEVICE_CLASS (klass);

  object_class->finalize = vmm_pci_device_finalize;
  object_class->get_property = vmm_pci_device_get_property;
  object_class->set_property = vmm_pci_device_set_property;

  device_class->device_type = VMM_DEVICE_TYPE_PCI;
  device_class->json_type = "pci";
  device_class->validate = vmm_pci_device_validate;

  /**
   * VmmPciDevice:address:
   *
   * The host PCI address of the device, `DDDD:BB:DD.F` (domain, bus,
   * device, function in hexadecimal, as in sysfs) or `BB:DD.F` for
   * domain 0.
   */
  pci_pspecs[PCI_PROP_ADDRESS] =
    g_param_spec_string ("address", "Address",
                         "The host PCI address (DDDD:BB:DD.F or BB:DD.F)",
                         NULL, STATIC_RW);

  g_object_class_install_properties (object_class, PCI_N_PROPS, pci_pspecs);
}

static void
vmm_pci_device_init (VmmPciDevice *self)
{
}

/**
 * vmm_pci_device_new:
 * @address: the host PCI address, `DDDD:BB:DD.F` or `BB:DD.F`
 *
 * Creates a PCI passthrough device.
 *
 * Returns: (transfer full): a new #VmmPciDevice
 */
VmmPciDevice *
vmm_pci_device_new (const char *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  return g_object_new (VMM_TYPE_PCI_DEVICE, "address", address, NULL);
}

/**
 * vmm_pci_device_get_address:
 * @self: a #VmmPciDevice
 *
 * Gets the [property@Vmm.PciDevice:address] of @self, as it was set.
 *
 * Returns: (nullable): the address, or %NULL if it was never set
 */
const char *
vmm_pci_device_get_address (VmmPciDevice *self)
{
  g_return_val_if_fail (VMM_IS_PCI_DEVICE (self), NULL);

  return self->address;
}

/**
 * vmm_pci_device_get_bdf:
 * @self: a #VmmPciDevice
 * @domain: (out) (optional): return location for the PCI domain
 * @bus: (out) (optional): return location for the bus number
 * @slot: (out) (optional): return location for the device (slot) number
 * @function: (out) (optional): return location for the function number
 *
 * Parses the [property@Vmm.PciDevice:address] of @self. `BB:DD.F` is
 * domain 0. The out arguments are set only when the address is valid.
 *
 * Returns: %TRUE if the address is well formed, %FALSE otherwise
 */
gboolean
vmm_pci_device_get_bdf (VmmPciDevice *self,
                        guint        *domain,
                        guint        *bus,
                        guint        *slot,
                        guint        *function)
{
  guint d, b, s, f;

  g_return_val_if_fail (VMM_IS_PCI_DEVICE (self), FALSE);

  if (!parse_bdf (self->address, &d, &b, &s, &f))
    return FALSE;

  if (domain != NULL)
    *domain = d;
  if (bus != NULL)
    *bus = b;
  if (slot != NULL)
    *slot = s;
  if (function != NULL)
    *function = f;
  return TRUE;
}
