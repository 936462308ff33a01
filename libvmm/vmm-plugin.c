/* vmm-plugin.c: a loaded backend plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "vmm-plugin.h"
#include "vmm-plugin-private.h"
#include "vmm-error.h"

/**
 * VmmPlugin:
 *
 * A hypervisor backend: its name, a description, a priority and the
 * [iface@Vmm.Hypervisor] type it provides.
 *
 * Plugins are normally loaded by a [class@Vmm.PluginManager] from shared
 * objects. Such a shared object exports two symbols and nothing else:
 *
 * ```c
 * G_MODULE_EXPORT const guint32 vmm_plugin_abi_version = VMM_PLUGIN_ABI_VERSION;
 *
 * G_MODULE_EXPORT VmmPlugin *
 * vmm_plugin_register (GTypeModule *module)
 * {
 *   my_hypervisor_register_type (module);   // from G_DEFINE_DYNAMIC_TYPE
 *   return vmm_plugin_new ("my", "My hypervisor", 50, MY_TYPE_HYPERVISOR);
 * }
 * ```
 *
 * `vmm_plugin_register` is a [callback@Vmm.PluginRegisterFunc]. The plugin
 * registers its types with `G_DEFINE_DYNAMIC_TYPE` on @module; when @module
 * is %NULL (the plugin is linked statically into a program), the same code
 * registers static types, and the program hands the result to
 * [method@Vmm.PluginManager.add_plugin].
 *
 * A loaded plugin is never unloaded: GTypes cannot be unregistered, so its
 * code stays in the process.
 */
struct _VmmPlugin
{
  GObject  parent_instance;

  char    *name;
  char    *description;
  int      priority;
  GType    hypervisor_type;
  char    *filename;
};

G_DEFINE_FINAL_TYPE (VmmPlugin, vmm_plugin, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_DESCRIPTION,
  PROP_PRIORITY,
  PROP_HYPERVISOR_TYPE,
  PROP_FILENAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
vmm_plugin_finalize (GObject *object)
{
  VmmPlugin *self = VMM_PLUGIN (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->filename, g_free);

  G_OBJECT_CLASS (vmm_plugin_parent_class)->finalize (object);
}

static void
vmm_plugin_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  VmmPlugin *self = VMM_PLUGIN (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, self->priority);
      break;
    case PROP_HYPERVISOR_TYPE:
      g_value_set_gtype (value, self->hypervisor_type);
      break;
    case PROP_FILENAME:
      g_value_set_string (value, self->filename);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_plugin_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  VmmPlugin *self = VMM_PLUGIN (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;
    case PROP_DESCRIPTION:
      g_free (self->description);
      self->description = g_value_dup_string (value);
      break;
    case PROP_PRIORITY:
      self->priority = g_value_get_int (value);
      break;
    case PROP_HYPERVISOR_TYPE:
      self->hypervisor_type = g_value_get_gtype (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_plugin_class_init (VmmPluginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vmm_plugin_finalize;
  object_class->get_property = vmm_plugin_get_property;
  object_class->set_property = vmm_plugin_set_property;

  /**
   * VmmPlugin:name:
   *
   * The name of the backend, e.g. `acrn` or `stub`. It is what
   * `VMM_HYPERVISOR` and [method@Vmm.PluginManager.create_hypervisor]
   * select, and it is unique within a [class@Vmm.PluginManager].
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * VmmPlugin:description:
   *
   * A one-line, human-readable description of the backend.
   */
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * VmmPlugin:priority:
   *
   * How much the backend is preferred when none is named: among the
   * plugins whose probe passes, the one with the highest priority is the
   * default (see [method@Vmm.PluginManager.get_default_plugin]).
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL,
                      G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * VmmPlugin:hypervisor-type:
   *
   * The type of the hypervisor objects the backend creates. It must be an
   * instantiatable, non-abstract #GObject type that implements
   * [iface@Vmm.Hypervisor]; a plugin manager refuses a plugin whose type
   * does not.
   */
  properties[PROP_HYPERVISOR_TYPE] =
    g_param_spec_gtype ("hypervisor-type", NULL, NULL,
                        G_TYPE_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * VmmPlugin:filename:
   *
   * The canonical path of the shared object the plugin was loaded from,
   * or %NULL for a plugin linked statically into the program.
   */
  properties[PROP_FILENAME] =
    g_param_spec_string ("filename", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vmm_plugin_init (VmmPlugin *self)
{
}

/**
 * vmm_plugin_new:
 * @name: the name of the backend (not empty)
 * @description: (nullable): a one-line description
 * @priority: the priority; higher is preferred
 * @hypervisor_type: the type of the hypervisor objects, a #GObject type
 *   implementing [iface@Vmm.Hypervisor]
 *
 * Creates the description of a backend. A plugin's
 * [callback@Vmm.PluginRegisterFunc] returns it.
 *
 * The type is checked when the plugin is loaded or added to a
 * [class@Vmm.PluginManager], which turns a wrong type into a load error
 * naming the plugin.
 *
 * Returns: (transfer full): a new #VmmPlugin
 */
VmmPlugin *
vmm_plugin_new (const char *name,
                const char *description,
                int         priority,
                GType       hypervisor_type)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (VMM_TYPE_PLUGIN,
                       "name", name,
                       "description", description,
                       "priority", priority,
                       "hypervisor-type", hypervisor_type,
                       NULL);
}

/**
 * vmm_plugin_get_name:
 * @self: a #VmmPlugin
 *
 * Gets the name of the backend, see [property@Vmm.Plugin:name].
 *
 * Returns: (transfer none): the name
 */
const char *
vmm_plugin_get_name (VmmPlugin *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN (self), NULL);

  return self->name;
}

/**
 * vmm_plugin_get_description:
 * @self: a #VmmPlugin
 *
 * Gets the description of the backend.
 *
 * Returns: (transfer none) (nullable): the description
 */
const char *
vmm_plugin_get_description (VmmPlugin *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN (self), NULL);

  return self->description;
}

/**
 * vmm_plugin_get_priority:
 * @self: a #VmmPlugin
 *
 * Gets the priority of the backend, see [property@Vmm.Plugin:priority].
 *
 * Returns: the priority
 */
int
vmm_plugin_get_priority (VmmPlugin *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN (self), 0);

  return self->priority;
}

/**
 * vmm_plugin_get_hypervisor_type:
 * @self: a #VmmPlugin
 *
 * Gets the type of the hypervisor objects the backend creates.
 *
 * Returns: a #GType implementing [iface@Vmm.Hypervisor]
 */
GType
vmm_plugin_get_hypervisor_type (VmmPlugin *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN (self), G_TYPE_INVALID);

  return self->hypervisor_type;
}

/**
 * vmm_plugin_get_filename:
 * @self: a #VmmPlugin
 *
 * Gets the canonical path of the shared object the plugin was loaded from.
 *
 * Returns: (transfer none) (nullable) (type filename): the path, or %NULL
 *   when the plugin is linked statically
 */
const char *
vmm_plugin_get_filename (VmmPlugin *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN (self), NULL);

  return self->filename;
}

/* Called by the loader once, right after the plugin's register function
 * returned it.
 */
void
vmm_plugin_set_filename (VmmPlugin  *self,
                         const char *filename)
{
  g_return_if_fail (VMM_IS_PLUGIN (self));

  if (g_strcmp0 (self->filename, filename) == 0)
    return;

  g_free (self->filename);
  self->filename = g_strdup (filename);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILENAME]);
}

static gboolean
type_is_usable (GType type)
{
  return type != G_TYPE_INVALID &&
         g_type_is_a (type, G_TYPE_OBJECT) &&
         !G_TYPE_IS_ABSTRACT (type) &&
         g_type_is_a (type, VMM_TYPE_HYPERVISOR);
}

/* Checks what vmm_plugin_new() leaves to the loader. The message does not
 * name the file: the caller prefixes it.
 */
gboolean
vmm_plugin_validate (VmmPlugin  *self,
                     GError    **error)
{
  g_return_val_if_fail (VMM_IS_PLUGIN (self), FALSE);

  if (self->name == NULL || self->name[0] == '\0')
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PLUGIN,
                   "the plugin has an empty name");
      return FALSE;
    }

  if (self->hypervisor_type == G_TYPE_INVALID ||
      self->hypervisor_type == G_TYPE_NONE)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PLUGIN,
                   "plugin “%s” has no hypervisor type (did registering it fail?)",
                   self->name);
      return FALSE;
    }

  if (!type_is_usable (self->hypervisor_type))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PLUGIN,
                   "plugin “%s”: type %s is not an instantiatable GObject type "
                   "implementing VmmHypervisor",
                   self->name, g_type_name (self->hypervisor_type));
      return FALSE;
    }

  return TRUE;
}

/* "“name” (/path/name.so)" or "“name” (linked statically)", for messages. */
char *
vmm_plugin_describe (VmmPlugin *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN (self), NULL);

  return g_strdup_printf ("“%s” (%s)", self->name,
                          self->filename ? self->filename : "linked statically");
}

/**
 * vmm_plugin_create_hypervisor:
 * @self: a #VmmPlugin
 *
 * Creates a hypervisor object of the backend. It drives one VM and starts
 * in %VMM_VM_STATE_NOT_CREATED; nothing happens on the host until
 * vmm_hypervisor_create_vm() is called.
 *
 * Returns: (transfer full): a new #VmmHypervisor
 */
VmmHypervisor *
vmm_plugin_create_hypervisor (VmmPlugin *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN (self), NULL);
  g_return_val_if_fail (type_is_usable (self->hypervisor_type), NULL);

  return g_object_new (self->hypervisor_type, NULL);
}

/**
 * vmm_plugin_probe:
 * @self: a #VmmPlugin
 * @config: (nullable): a configuration to check against the host as well
 * @error: return location for a #GError
 *
 * Checks whether this host can run the backend (and, with @config, that
 * VM), by creating a hypervisor object and calling
 * vmm_hypervisor_probe() on it. Nothing is started.
 *
 * Returns: %TRUE if the host can run it; otherwise %FALSE with @error
 *   saying what is missing
 */
gboolean
vmm_plugin_probe (VmmPlugin            *self,
                  VmmHypervisorConfig  *config,
                  GError              **error)
{
  g_autoptr(VmmHypervisor) hypervisor = NULL;

  g_return_val_if_fail (VMM_IS_PLUGIN (self), FALSE);
  g_return_val_if_fail (config == NULL || VMM_IS_HYPERVISOR_CONFIG (config), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (type_is_usable (self->hypervisor_type), FALSE);

  hypervisor = vmm_plugin_create_hypervisor (self);

  return vmm_hypervisor_probe (hypervisor, config, error);
}
