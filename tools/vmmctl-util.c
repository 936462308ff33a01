/* vmmctl-util.c: plugins, hypervisor objects and waiting on operations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmmctl.h"

/* ------------------------------------------------------------------------ */
/* Waiting                                                                  */

void
vmmctl_wait_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  VmmctlWait *wait = user_data;

  g_assert (wait->result == NULL);
  wait->result = g_object_ref (result);
}

/* Iterates the default main context (where the signal handlers and the
 * hypervisor's sources live) until the operation completes. */
GAsyncResult *
vmmctl_wait (VmmctlWait *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return wait->result;
}

void
vmmctl_wait_clear (VmmctlWait *wait)
{
  g_clear_object (&wait->result);
}

gboolean
vmmctl_create_vm (VmmHypervisor       *hypervisor,
                  VmmHypervisorConfig *config,
                  GError             **error)
{
  VmmctlWait wait = { NULL };
  gboolean ok;

  vmm_hypervisor_create_vm_async (hypervisor, config, vmmctl_interrupt_cancellable (),
                                  vmmctl_wait_cb, &wait);
  ok = vmm_hypervisor_create_vm_finish (hypervisor, vmmctl_wait (&wait), error);
  vmmctl_wait_clear (&wait);

  return ok;
}

gboolean
vmmctl_start_vm (VmmHypervisor  *hypervisor,
                 GError        **error)
{
  VmmctlWait wait = { NULL };
  gboolean ok;

  vmm_hypervisor_start_vm_async (hypervisor, vmmctl_interrupt_cancellable (),
                                 vmmctl_wait_cb, &wait);
  ok = vmm_hypervisor_start_vm_finish (hypervisor, vmmctl_wait (&wait), error);
  vmmctl_wait_clear (&wait);

  return ok;
}

/* A stop, once asked for, is seen through: it is not cancellable. */
gboolean
vmmctl_stop_vm (VmmHypervisor  *hypervisor,
                GError        **error)
{
  VmmctlWait wait = { NULL };
  gboolean ok;

  vmm_hypervisor_stop_vm_async (hypervisor, VMM_STOP_FLAGS_NONE, NULL,
                                vmmctl_wait_cb, &wait);
  ok = vmm_hypervisor_stop_vm_finish (hypervisor, vmmctl_wait (&wait), error);
  vmmctl_wait_clear (&wait);

  return ok;
}

/* Neither is a cleanup: it releases what the VM holds. */
gboolean
vmmctl_cleanup_vm (VmmHypervisor  *hypervisor,
                   GError        **error)
{
  VmmctlWait wait = { NULL };
  gboolean ok;

  vmm_hypervisor_cleanup_async (hypervisor, NULL, vmmctl_wait_cb, &wait);
  ok = vmm_hypervisor_cleanup_finish (hypervisor, vmmctl_wait (&wait), error);
  vmmctl_wait_clear (&wait);

  return ok;
}

gboolean
vmmctl_hotplug_vm (VmmHypervisor  *hypervisor,
                   VmmDevice      *device,
                   GError        **error)
{
  VmmctlWait wait = { NULL };
  gboolean ok;

  vmm_hypervisor_hotplug_add_device_async (hypervisor, device, vmmctl_interrupt_cancellable (),
                                           vmmctl_wait_cb, &wait);
  ok = vmm_hypervisor_hotplug_add_device_finish (hypervisor, vmmctl_wait (&wait), error);
  vmmctl_wait_clear (&wait);

  return ok;
}

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

VmmHypervisorConfig *
vmmctl_load_config (const char *path,
                    int        *exit_status)
{
  g_autoptr(GError) error = NULL;
  VmmHypervisorConfig *config;

  config = vmm_hypervisor_config_new_from_file (path, &error);
  if (config == NULL)
    {
      /* The message starts with the path. */
      *exit_status = vmmctl_fail_error (VMMCTL_EXIT_CONFIG, error, NULL);
      return NULL;
    }

  return config;
}

/* The default of VmmHypervisorConfig:store-dir (/run/libvmm). */
char *
vmmctl_default_store_dir (void)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (VMM_TYPE_HYPERVISOR_CONFIG);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), "store-dir");
  const GValue *value = g_param_spec_get_default_value (pspec);

  return g_value_dup_string (value);
}

/* ------------------------------------------------------------------------ */
/* Plugins                                                                  */

VmmPluginManager *
vmmctl_plugin_manager_new (void)
{
  VmmPluginManager *manager = vmm_plugin_manager_new ();

  /* Files that fail to load are kept as load errors: `vmmctl plugins`
   * lists them, and a missing plugin's error points there. */
  vmmctl_set_quiet_warnings (TRUE);
  vmm_plugin_manager_scan (manager);
  vmmctl_set_quiet_warnings (FALSE);

  return manager;
}

static char *
available_plugins (VmmPluginManager *manager)
{
  g_autoptr(GPtrArray) plugins = vmm_plugin_manager_list_plugins (manager);
  g_autoptr(GString) text = g_string_new (NULL);
  GPtrArray *load_errors = vmm_plugin_manager_get_load_errors (manager);

  for (guint i = 0; i < plugins->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "",
                            vmm_plugin_get_name (g_ptr_array_index (plugins, i)));
  if (plugins->len == 0)
    g_string_append (text, "none");

  if (load_errors->len > 0)
    g_string_append_printf (text, "; %u plugin file%s failed to load, see 'vmmctl plugins'",
                            load_errors->len, load_errors->len == 1 ? "" : "s");

  return g_string_free (g_steal_pointer (&text), FALSE);
}

VmmPlugin *
vmmctl_find_plugin (VmmPluginManager *manager,
                    const char       *name,
                    const char       *why,
                    int              *exit_status)
{
  VmmPlugin *plugin = vmm_plugin_manager_find_plugin (manager, name);
  g_autofree char *available = NULL;

  if (plugin != NULL)
    return plugin;

  available = available_plugins (manager);
  *exit_status = vmmctl_fail (VMMCTL_EXIT_NOT_FOUND,
                              "plugin '%s'%s%s is not installed (available: %s)",
                              name, why != NULL ? " " : "", why != NULL ? why : "",
                              available);
  return NULL;
}

/* --plugin, else the config's "hypervisor" key, else the manager's
 * default (VMM_HYPERVISOR, else the highest priority whose probe passes). */
VmmPlugin *
vmmctl_choose_plugin (VmmPluginManager    *manager,
                      const char          *requested,
                      VmmHypervisorConfig *config,
                      const char          *config_path,
                      int                 *exit_status)
{
  g_autoptr(GError) error = NULL;
  VmmPlugin *plugin;
  const char *from_config;

  if (requested != NULL)
    return vmmctl_find_plugin (manager, requested, NULL, exit_status);

  from_config = config != NULL ? vmm_hypervisor_config_get_hypervisor (config) : NULL;
  if (from_config != NULL)
    {
      g_autofree char *why = g_strdup_printf ("(key 'hypervisor' of %s)", config_path);

      return vmmctl_find_plugin (manager, from_config, why, exit_status);
    }

  plugin = vmm_plugin_manager_get_default_plugin (manager, &error);
  if (plugin == NULL)
    {
      *exit_status = vmmctl_fail_error (g_error_matches (error, VMM_ERROR, VMM_ERROR_NOT_FOUND) ?
                                        VMMCTL_EXIT_NOT_FOUND : VMMCTL_EXIT_FAILED,
                                        error, "no plugin to use");
      return NULL;
    }

  return plugin;
}

/* Converts the text of --property NAME=VALUE for @pspec. */
static gboolean
value_from_string (GParamSpec  *pspec,
                   const char  *text,
                   GValue      *value,
                   GError     **error)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  GType fundamental = G_TYPE_FUNDAMENTAL (type);

  g_value_init (value, type);

  switch (fundamental)
    {
    case G_TYPE_STRING:
      g_value_set_string (value, text);
      break;

    case G_TYPE_BOOLEAN:
      if (g_ascii_strcasecmp (text, "true") == 0 || g_ascii_strcasecmp (text, "yes") == 0 ||
          strcmp (text, "1") == 0)
        g_value_set_boolean (value, TRUE);
      else if (g_ascii_strcasecmp (text, "false") == 0 || g_ascii_strcasecmp (text, "no") == 0 ||
               strcmp (text, "0") == 0)
        g_value_set_boolean (value, FALSE);
      else
        goto bad_value;
      break;

    case G_TYPE_INT:
    case G_TYPE_LONG:
    case G_TYPE_INT64:
      {
        gint64 number;

        if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &number, NULL))
          goto bad_value;
        if (fundamental == G_TYPE_INT)
          {
            if (number < G_MININT || number > G_MAXINT)
              goto bad_value;
            g_value_set_int (value, (int) number);
          }
        else if (fundamental == G_TYPE_LONG)
          {
            if (number < G_MINLONG || number > G_MAXLONG)
              goto bad_value;
            g_value_set_long (value, (long) number);
          }
        else
          g_value_set_int64 (value, number);
      }
      break;

    case G_TYPE_UINT:
    case G_TYPE_ULONG:
    case G_TYPE_UINT64:
      {
        guint64 number;

        if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &number, NULL))
          goto bad_value;
        if (fundamental == G_TYPE_UINT)
          {
            if (number > G_MAXUINT)
              goto bad_value;
            g_value_set_uint (value, (guint) number);
          }
        else if (fundamental == G_TYPE_ULONG)
          {
            if (number > G_MAXULONG)
              goto bad_value;
            g_value_set_ulong (value, (gulong) number);
          }
        else
          g_value_set_uint64 (value, number);
      }
      break;

    case G_TYPE_DOUBLE:
    case G_TYPE_FLOAT:
      {
        char *end = NULL;
        double number;

        errno = 0;
        number = g_ascii_strtod (text, &end);
        if (text[0] == '\0' || *end != '\0' || errno != 0)
          goto bad_value;
        if (fundamental == G_TYPE_DOUBLE)
          g_value_set_double (value, number);
        else
          g_value_set_float (value, (float) number);
      }
      break;

    case G_TYPE_ENUM:
      {
        g_autoptr(GEnumClass) klass = g_type_class_ref (type);
        GEnumValue *found = g_enum_get_value_by_nick (klass, text);

        if (found == NULL)
          found = g_enum_get_value_by_name (klass, text);
        if (found == NULL)
          goto bad_value;
        g_value_set_enum (value, found->value);
      }
      break;

    case G_TYPE_FLAGS:
      {
        g_autoptr(GFlagsClass) klass = g_type_class_ref (type);
        g_auto(GStrv) nicks = g_strsplit (text, "|", -1);
        guint flags = 0;

        for (guint i = 0; nicks[i] != NULL; i++)
          {
            const char *nick = g_strstrip (nicks[i]);
            GFlagsValue *found;

            if (nick[0] == '\0')
              continue;
            found = g_flags_get_value_by_nick (klass, nick);
            if (found == NULL)
              found = g_flags_get_value_by_name (klass, nick);
            if (found == NULL)
              goto bad_value;
            flags |= found->value;
          }
        g_value_set_flags (value, flags);
      }
      break;

    default:
      if (type == G_TYPE_STRV)
        {
          g_auto(GStrv) items = g_strsplit (text, ",", -1);

          g_value_set_boxed (value, items);
          break;
        }
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "property '%s' has type %s, which --property cannot set",
                   pspec->name, g_type_name (type));
      g_value_unset (value);
      return FALSE;
    }

  if (!g_param_value_is_valid (pspec, value))
    goto bad_value;

  return TRUE;

bad_value:
  g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
               "'%s' is not a valid value for property '%s' (type %s)",
               text, pspec->name, g_type_name (type));
  g_value_unset (value);
  return FALSE;
}

/* Creates the plugin's hypervisor object with the --property values as
 * construct properties (some, such as the stub's capabilities, can only be
 * set at construction). */
VmmHypervisor *
vmmctl_new_hypervisor (VmmPlugin          *plugin,
                       const char * const *properties,
                       int                *exit_status)
{
  GType type = vmm_plugin_get_hypervisor_type (plugin);
  g_autoptr(GTypeClass) klass = g_type_class_ref (type);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) values = g_array_new (FALSE, TRUE, sizeof (GValue));
  GObject *object;

  g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);

  for (guint i = 0; properties != NULL && properties[i] != NULL; i++)
    {
      const char *equals = strchr (properties[i], '=');
      g_autofree char *name = NULL;
      g_autoptr(GError) error = NULL;
      GValue value = G_VALUE_INIT;
      GParamSpec *pspec;

      if (equals == NULL || equals == properties[i])
        {
          *exit_status = vmmctl_fail (VMMCTL_EXIT_USAGE,
                                      "--property '%s': expected NAME=VALUE", properties[i]);
          return NULL;
        }

      name = g_strndup (properties[i], equals - properties[i]);
      pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), name);
      if (pspec == NULL || (pspec->flags & G_PARAM_WRITABLE) == 0)
        {
          *exit_status = vmmctl_fail (VMMCTL_EXIT_USAGE,
                                      "--property: plugin '%s' has no %sproperty '%s'",
                                      vmm_plugin_get_name (plugin),
                                      pspec != NULL ? "writable " : "", name);
          return NULL;
        }

      if (!value_from_string (pspec, equals + 1, &value, &error))
        {
          *exit_status = vmmctl_fail_error (VMMCTL_EXIT_USAGE, error, "--property");
          return NULL;
        }

      g_ptr_array_add (names, g_strdup (pspec->name));
      g_array_append_val (values, value);
    }

  object = g_object_new_with_properties (type, names->len, (const char **) names->pdata,
                                         (const GValue *) (gpointer) values->data);

  return VMM_HYPERVISOR (object);
}

/* The readable properties of the backend object that a person (or a
 * script) may want to see: strings, numbers, booleans, enums, flags,
 * string arrays and lists of devices. */
JsonNode *
vmmctl_hypervisor_properties_to_json (VmmHypervisor *hypervisor)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (hypervisor), &n_pspecs);

  json_builder_begin_object (builder);
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
      g_auto(GValue) value = G_VALUE_INIT;

      if ((pspec->flags & G_PARAM_READABLE) == 0 || strcmp (pspec->name, "state") == 0)
        continue;

      g_value_init (&value, type);
      g_object_get_property (G_OBJECT (hypervisor), pspec->name, &value);

      if (type == G_TYPE_STRV)
        {
          const char * const *strv = g_value_get_boxed (&value);

          json_builder_set_member_name (builder, pspec->name);
          json_builder_begin_array (builder);
          for (guint j = 0; strv != NULL && strv[j] != NULL; j++)
            json_builder_add_string_value (builder, strv[j]);
          json_builder_end_array (builder);
        }
      else if (g_type_is_a (type, G_TYPE_LIST_MODEL))
        {
          GListModel *model = g_value_get_object (&value);

          json_builder_set_member_name (builder, pspec->name);
          json_builder_begin_array (builder);
          for (guint j = 0; model != NULL && j < g_list_model_get_n_items (model); j++)
            {
              g_autoptr(GObject) item = g_list_model_get_item (model, j);

              if (VMM_IS_DEVICE (item))
                json_builder_add_value (builder, vmm_device_to_json (VMM_DEVICE (item)));
            }
          json_builder_end_array (builder);
        }
      else
        {
          switch (G_TYPE_FUNDAMENTAL (type))
            {
            case G_TYPE_BOOLEAN:
              json_builder_set_member_name (builder, pspec->name);
              json_builder_add_boolean_value (builder, g_value_get_boolean (&value));
              break;
            case G_TYPE_INT:
              json_builder_set_member_name (builder, pspec->name);
              json_builder_add_int_value (builder, g_value_get_int (&value));
              break;
            case G_TYPE_UINT:
              json_builder_set_member_name (builder, pspec->name);
              json_builder_add_int_value (builder, g_value_get_uint (&value));
              break;
            case G_TYPE_INT64:
              json_builder_set_member_name (builder, pspec->name);
              json_builder_add_int_value (builder, g_value_get_int64 (&value));
              break;
            case G_TYPE_UINT64:
              json_builder_set_member_name (builder, pspec->name);
              json_builder_add_int_value (builder, (gint64) MIN (g_value_get_uint64 (&value),
                                                                 (guint64) G_MAXINT64));
              break;
            case G_TYPE_DOUBLE:
              json_builder_set_member_name (builder, pspec->name);
              json_builder_add_double_value (builder, g_value_get_double (&value));
              break;
            case G_TYPE_STRING:
              json_builder_set_member_name (builder, pspec->name);
              if (g_value_get_string (&value) != NULL)
                json_builder_add_string_value (builder, g_value_get_string (&value));
              else
                json_builder_add_null_value (builder);
              break;
            case G_TYPE_ENUM:
              {
                g_autoptr(GEnumClass) klass = g_type_class_ref (type);
                GEnumValue *found = g_enum_get_value (klass, g_value_get_enum (&value));

                json_builder_set_member_name (builder, pspec->name);
                if (found != NULL)
                  json_builder_add_string_value (builder, found->value_nick);
                else
                  json_builder_add_int_value (builder, g_value_get_enum (&value));
              }
              break;
            case G_TYPE_FLAGS:
              {
                g_autoptr(GFlagsClass) klass = g_type_class_ref (type);
                guint flags = g_value_get_flags (&value);

                json_builder_set_member_name (builder, pspec->name);
                json_builder_begin_array (builder);
                for (guint j = 0; j < klass->n_values; j++)
                  {
                    guint bit = klass->values[j].value;

                    if (bit != 0 && (flags & bit) == bit)
                      json_builder_add_string_value (builder, klass->values[j].value_nick);
                  }
                json_builder_end_array (builder);
              }
              break;
            default:
              break;
            }
        }
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
