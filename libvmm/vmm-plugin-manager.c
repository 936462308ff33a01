/* vmm-plugin-manager.c: finds and loads backend plugins
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/auxv.h>
#endif

#include "vmm-plugin-manager.h"
#include "vmm-plugin-module.h"
#include "vmm-plugin-private.h"
#include "vmm-error.h"

/**
 * VmmPluginManager:
 *
 * Finds hypervisor backend plugins, loads them and picks one.
 *
 * A manager made with [ctor@Vmm.PluginManager.new] searches each directory
 * of the environment variable `VMM_PLUGIN_PATH` (a colon-separated list;
 * empty entries are ignored) and then the installed plugin directory
 * (`plugindir` in the `vmm-1` pkg-config file). `VMM_PLUGIN_PATH` is
 * ignored when the process runs with elevated privileges (setuid, setgid or
 * file capabilities), since its environment cannot be trusted then.
 * [ctor@Vmm.PluginManager.new_for_path] searches exactly the directories it
 * is given.
 *
 * Nothing is loaded until [method@Vmm.PluginManager.scan] runs. It loads
 * every `*.so` file of each directory in the search path, in sorted order.
 * When two directories hold files of the same name, the one that comes
 * first in the search path wins and the other is skipped, so a directory in
 * `VMM_PLUGIN_PATH` can override an installed plugin.
 *
 * A file is loaded at most once per process, however many managers there
 * are: managers that find the same file share the same [class@Vmm.Plugin].
 * Loaded plugins are never unloaded.
 *
 * A file that is not a working plugin (not a shared object, built for
 * another plugin ABI, missing an entry point, registering no usable
 * hypervisor type, or taking a name another plugin already has) does not
 * stop the others from loading: the error, which starts with the path of the
 * file, is logged as a warning and kept in
 * [method@Vmm.PluginManager.get_load_errors].
 *
 * The default backend ([method@Vmm.PluginManager.get_default_plugin]) is the
 * one named by the environment variable `VMM_HYPERVISOR` if it is set and
 * not empty; otherwise it is the plugin with the highest priority whose
 * probe passes on this host.
 *
 * A manager is not thread-safe: use it from one thread at a time. Loading
 * itself is, so managers in different threads can scan at the same time.
 */
struct _VmmPluginManager
{
  GObject     parent_instance;

  GStrv       search_path;
  GPtrArray  *plugins;        /* of VmmPlugin, in the order they were added */
  GPtrArray  *load_errors;    /* of GError */
};

G_DEFINE_FINAL_TYPE (VmmPluginManager, vmm_plugin_manager, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SEARCH_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
process_is_privileged (void)
{
#ifdef __linux__
  return getauxval (AT_SECURE) != 0;
#else
  return getuid () != geteuid () || getgid () != getegid ();
#endif
}

static GStrv
default_search_path (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *env = g_getenv ("VMM_PLUGIN_PATH");

  if (env != NULL && env[0] != '\0')
    {
      if (process_is_privileged ())
        {
          g_info ("Ignoring VMM_PLUGIN_PATH: the process runs setuid, setgid "
                  "or with file capabilities, so its environment is not "
                  "trusted to choose the code it loads");
        }
      else
        {
          g_auto(GStrv) dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

          for (guint i = 0; dirs[i] != NULL; i++)
            {
              if (dirs[i][0] != '\0')
                g_strv_builder_add (builder, dirs[i]);
            }
        }
    }

  g_strv_builder_add (builder, VMM_PLUGINDIR);

  return g_strv_builder_end (builder);
}

static void
vmm_plugin_manager_constructed (GObject *object)
{
  VmmPluginManager *self = VMM_PLUGIN_MANAGER (object);

  G_OBJECT_CLASS (vmm_plugin_manager_parent_class)->constructed (object);

  if (self->search_path == NULL)
    self->search_path = default_search_path ();

  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE)
    {
      g_autofree char *joined = g_strjoinv (G_SEARCHPATH_SEPARATOR_S, self->search_path);

      g_debug ("Plugin search path: %s", joined);
    }
}

static void
vmm_plugin_manager_finalize (GObject *object)
{
  VmmPluginManager *self = VMM_PLUGIN_MANAGER (object);

  g_clear_pointer (&self->search_path, g_strfreev);
  g_clear_pointer (&self->plugins, g_ptr_array_unref);
  g_clear_pointer (&self->load_errors, g_ptr_array_unref);

  G_OBJECT_CLASS (vmm_plugin_manager_parent_class)->finalize (object);
}

static void
vmm_plugin_manager_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  VmmPluginManager *self = VMM_PLUGIN_MANAGER (object);

  switch (prop_id)
    {
    case PROP_SEARCH_PATH:
      g_value_set_boxed (value, self->search_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_plugin_manager_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  VmmPluginManager *self = VMM_PLUGIN_MANAGER (object);

  switch (prop_id)
    {
    case PROP_SEARCH_PATH:
      g_strfreev (self->search_path);
      self->search_path = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_plugin_manager_class_init (VmmPluginManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = vmm_plugin_manager_constructed;
  object_class->finalize = vmm_plugin_manager_finalize;
  object_class->get_property = vmm_plugin_manager_get_property;
  object_class->set_property = vmm_plugin_manager_set_property;

  /**
   * VmmPluginManager:search-path:
   *
   * The directories searched for plugins, in order. When it is not given
   * at construction, it is the directories of `VMM_PLUGIN_PATH` followed by
   * the installed plugin directory, as for [ctor@Vmm.PluginManager.new].
   */
  properties[PROP_SEARCH_PATH] =
    g_param_spec_boxed ("search-path", NULL, NULL,
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vmm_plugin_manager_init (VmmPluginManager *self)
{
  self->plugins = g_ptr_array_new_with_free_func (g_object_unref);
  self->load_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

/**
 * vmm_plugin_manager_new:
 *
 * Creates a plugin manager that searches the directories of
 * `VMM_PLUGIN_PATH` (unless the process is privileged), then the installed
 * plugin directory. Call [method@Vmm.PluginManager.scan] to load the
 * plugins.
 *
 * Returns: (transfer full): a new #VmmPluginManager
 */
VmmPluginManager *
vmm_plugin_manager_new (void)
{
  return g_object_new (VMM_TYPE_PLUGIN_MANAGER, NULL);
}

/**
 * vmm_plugin_manager_new_for_path:
 * @search_path: (nullable) (array zero-terminated=1) (type filename): the
 *   directories to search, in order, or %NULL for none
 *
 * Creates a plugin manager that searches exactly @search_path; neither
 * `VMM_PLUGIN_PATH` nor the installed plugin directory is added. Call
 * [method@Vmm.PluginManager.scan] to load the plugins, or add them one by
 * one with [method@Vmm.PluginManager.load_file] and
 * [method@Vmm.PluginManager.add_plugin].
 *
 * Returns: (transfer full): a new #VmmPluginManager
 */
VmmPluginManager *
vmm_plugin_manager_new_for_path (const char * const *search_path)
{
  static const char * const none[] = { NULL };

  return g_object_new (VMM_TYPE_PLUGIN_MANAGER,
                       "search-path", search_path != NULL ? search_path : none,
                       NULL);
}

/**
 * vmm_plugin_manager_get_search_path:
 * @self: a #VmmPluginManager
 *
 * Gets the directories the manager searches, in order.
 *
 * Returns: (transfer none) (array zero-terminated=1) (type filename): the
 *   directories
 */
const char * const *
vmm_plugin_manager_get_search_path (VmmPluginManager *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN_MANAGER (self), NULL);

  return (const char * const *) self->search_path;
}

/* "“name” (/path)" for a plugin loaded from a file, the message prefix
 * for errors about @plugin.
 */
static char *
plugin_origin (VmmPlugin *plugin)
{
  const char *filename = vmm_plugin_get_filename (plugin);

  if (filename != NULL)
    return g_strdup (filename);

  return g_strdup_printf ("statically linked plugin “%s”", vmm_plugin_get_name (plugin));
}

/* Adds @plugin unless it is there already. Fails if another plugin has
 * its name.
 */
static gboolean
add_plugin_unique (VmmPluginManager  *self,
                   VmmPlugin         *plugin,
                   GError           **error)
{
  const char *name = vmm_plugin_get_name (plugin);

  for (guint i = 0; i < self->plugins->len; i++)
    {
      VmmPlugin *other = g_ptr_array_index (self->plugins, i);
      g_autofree char *origin = NULL;
      g_autofree char *other_description = NULL;

      if (other == plugin)
        return TRUE;

      if (g_strcmp0 (vmm_plugin_get_name (other), name) != 0)
        continue;

      origin = plugin_origin (plugin);
      other_description = vmm_plugin_describe (other);
      g_set_error (error, VMM_ERROR, VMM_ERROR_PLUGIN,
                   "%s: the plugin name “%s” is already taken by plugin %s",
                   origin, name, other_description);
      return FALSE;
    }

  g_ptr_array_add (self->plugins, g_object_ref (plugin));

  return TRUE;
}

/* Logs and keeps a load error, once per distinct message. */
static void
record_load_error (VmmPluginManager *self,
                   GError           *error)
{
  for (guint i = 0; i < self->load_errors->len; i++)
    {
      const GError *known = g_ptr_array_index (self->load_errors, i);

      if (known->domain == error->domain &&
          known->code == error->code &&
          g_strcmp0 (known->message, error->message) == 0)
        {
          g_debug ("Plugin still broken: %s", error->message);
          g_error_free (error);
          return;
        }
    }

  g_warning ("%s", error->message);
  g_ptr_array_add (self->load_errors, error);
}

static VmmPlugin *
load_file_internal (VmmPluginManager  *self,
                    const char        *filename,
                    GError           **error)
{
  g_autoptr(VmmPlugin) plugin = NULL;

  plugin = vmm_plugin_module_load (filename, error);
  if (plugin == NULL)
    return NULL;

  if (!add_plugin_unique (self, plugin, error))
    return NULL;

  /* The manager holds a reference now. */
  return plugin;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
scan_directory (VmmPluginManager *self,
                const char       *dir,
                GHashTable       *seen)
{
  g_autoptr(GDir) gdir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  gdir = g_dir_open (dir, 0, &error);
  if (gdir == NULL)
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Plugin directory %s does not exist", dir);
      else
        g_warning ("Cannot search plugin directory %s: %s", dir, error->message);
      return;
    }

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (gdir)) != NULL)
    {
      if (g_str_has_suffix (name, ".so"))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      const char *basename = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, basename, NULL);
      g_autoptr(GError) load_error = NULL;
      const char *first;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_debug ("Skipping %s: not a regular file", path);
          continue;
        }

      first = g_hash_table_lookup (seen, basename);
      if (first != NULL)
        {
          g_debug ("Skipping %s: %s comes first in the search path", path, first);
          continue;
        }
      g_hash_table_insert (seen, g_strdup (basename), g_strdup (path));

      if (load_file_internal (self, path, &load_error) == NULL)
        record_load_error (self, g_steal_pointer (&load_error));
    }
}

/**
 * vmm_plugin_manager_scan:
 * @self: a #VmmPluginManager
 *
 * Loads every plugin (`*.so` file) of the search path that is not loaded
 * yet. Directories that do not exist are skipped. Files that fail to load
 * are reported as warnings and in
 * [method@Vmm.PluginManager.get_load_errors]; the others still load.
 *
 * Scanning again picks up new files; plugins already loaded stay as they
 * are.
 */
void
vmm_plugin_manager_scan (VmmPluginManager *self)
{
  g_autoptr(GHashTable) seen = NULL;

  g_return_if_fail (VMM_IS_PLUGIN_MANAGER (self));

  /* file name -> path of the first file of that name in the search path */
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; self->search_path[i] != NULL; i++)
    scan_directory (self, self->search_path[i], seen);

  g_debug ("Plugin scan done: %u plugins, %u load errors",
           self->plugins->len, self->load_errors->len);
}

/**
 * vmm_plugin_manager_load_file:
 * @self: a #VmmPluginManager
 * @filename: (type filename): the path of a plugin shared object
 * @error: return location for a #GError
 *
 * Loads one plugin file, whether or not it is in the search path, and adds
 * the plugin to @self. If this process loaded the file before (through any
 * manager), the same plugin is used again.
 *
 * The error is returned, not logged nor kept in
 * [method@Vmm.PluginManager.get_load_errors]. It is %VMM_ERROR_NOT_FOUND
 * if @filename does not exist, otherwise %VMM_ERROR_PLUGIN with a message
 * that starts with the path of the file.
 *
 * Returns: (transfer none): the plugin, owned by @self, or %NULL on error
 */
VmmPlugin *
vmm_plugin_manager_load_file (VmmPluginManager  *self,
                              const char        *filename,
                              GError           **error)
{
  g_return_val_if_fail (VMM_IS_PLUGIN_MANAGER (self), NULL);
  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return load_file_internal (self, filename, error);
}

/**
 * vmm_plugin_manager_add_plugin:
 * @self: a #VmmPluginManager
 * @plugin: a #VmmPlugin
 *
 * Adds a plugin that did not come from a file: typically one linked
 * statically into the program, whose register function was called with a
 * %NULL module:
 *
 * ```c
 * // the plugin's register function, linked into the program
 * g_autoptr(VmmPlugin) plugin = my_backend_plugin_register (NULL);
 * vmm_plugin_manager_add_plugin (manager, plugin);
 * ```
 *
 * Adding a plugin that is already there does nothing. A plugin whose name
 * another plugin of @self already has is not added: that is reported like
 * a file that failed to load.
 */
void
vmm_plugin_manager_add_plugin (VmmPluginManager *self,
                               VmmPlugin        *plugin)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (VMM_IS_PLUGIN_MANAGER (self));
  g_return_if_fail (VMM_IS_PLUGIN (plugin));

  if (!vmm_plugin_validate (plugin, &error))
    {
      g_critical ("%s: %s", G_STRFUNC, error->message);
      return;
    }

  if (!add_plugin_unique (self, plugin, &error))
    record_load_error (self, g_steal_pointer (&error));
}

static int
compare_plugins (gconstpointer a,
                 gconstpointer b)
{
  VmmPlugin *plugin_a = *(VmmPlugin * const *) a;
  VmmPlugin *plugin_b = *(VmmPlugin * const *) b;
  int priority_a = vmm_plugin_get_priority (plugin_a);
  int priority_b = vmm_plugin_get_priority (plugin_b);

  if (priority_a != priority_b)
    return priority_a > priority_b ? -1 : 1;

  return strcmp (vmm_plugin_get_name (plugin_a), vmm_plugin_get_name (plugin_b));
}

/**
 * vmm_plugin_manager_list_plugins:
 * @self: a #VmmPluginManager
 *
 * Lists the plugins of @self, highest priority first; plugins of equal
 * priority are sorted by name.
 *
 * Returns: (transfer container) (element-type VmmPlugin): the plugins; they
 *   belong to @self
 */
GPtrArray *
vmm_plugin_manager_list_plugins (VmmPluginManager *self)
{
  GPtrArray *list;

  g_return_val_if_fail (VMM_IS_PLUGIN_MANAGER (self), NULL);

  list = g_ptr_array_sized_new (self->plugins->len);
  for (guint i = 0; i < self->plugins->len; i++)
    g_ptr_array_add (list, g_ptr_array_index (self->plugins, i));
  g_ptr_array_sort (list, compare_plugins);

  return list;
}

/**
 * vmm_plugin_manager_get_load_errors:
 * @self: a #VmmPluginManager
 *
 * Gets why plugin files failed to load during
 * [method@Vmm.PluginManager.scan] (and why plugins given to
 * [method@Vmm.PluginManager.add_plugin] were refused), in the order it
 * happened. Each is a %VMM_ERROR_PLUGIN whose message starts with the path
 * of the file. A file that fails again on a later scan is listed once.
 *
 * Returns: (transfer none) (element-type GLib.Error): the errors
 */
GPtrArray *
vmm_plugin_manager_get_load_errors (VmmPluginManager *self)
{
  g_return_val_if_fail (VMM_IS_PLUGIN_MANAGER (self), NULL);

  return self->load_errors;
}

/**
 * vmm_plugin_manager_find_plugin:
 * @self: a #VmmPluginManager
 * @name: the name of a plugin
 *
 * Finds a plugin by its [property@Vmm.Plugin:name].
 *
 * Returns: (transfer none) (nullable): the plugin, or %NULL if @self has
 *   none of that name
 */
VmmPlugin *
vmm_plugin_manager_find_plugin (VmmPluginManager *self,
                                const char       *name)
{
  g_return_val_if_fail (VMM_IS_PLUGIN_MANAGER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->plugins->len; i++)
    {
      VmmPlugin *plugin = g_ptr_array_index (self->plugins, i);

      if (g_strcmp0 (vmm_plugin_get_name (plugin), name) == 0)
        return plugin;
    }

  return NULL;
}

/* "a, b, c" in list order, or "none" */
static char *
plugin_names (VmmPluginManager *self)
{
  g_autoptr(GPtrArray) list = vmm_plugin_manager_list_plugins (self);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      if (i > 0)
        g_string_append (names, ", ");
      g_string_append (names, vmm_plugin_get_name (g_ptr_array_index (list, i)));
    }

  if (names->len == 0)
    g_string_append (names, "none");

  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
set_no_plugins_error (VmmPluginManager  *self,
                      GError           **error)
{
  g_autofree char *joined = g_strjoinv (G_SEARCHPATH_SEPARATOR_S, self->search_path);

  g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND,
               "No hypervisor plugins are loaded (search path: %s; "
               "%u files failed to load)",
               joined[0] != '\0' ? joined : "empty", self->load_errors->len);
}

/**
 * vmm_plugin_manager_get_default_plugin:
 * @self: a #VmmPluginManager
 * @error: return location for a #GError
 *
 * Picks the backend to use when none is named.
 *
 * If the environment variable `VMM_HYPERVISOR` is set and not empty, it is
 * the name of the plugin to use, and it is used without probing; a name
 * that no plugin has is a %VMM_ERROR_NOT_FOUND error that lists the
 * available plugins.
 *
 * Otherwise the plugins are probed ([method@Vmm.Plugin.probe], without a
 * configuration) from the highest priority down, and the first that passes
 * is the default. If none passes, the error is %VMM_ERROR_HOST_UNSUPPORTED
 * and says, for each plugin, why its probe failed. If @self has no plugins
 * at all, the error is %VMM_ERROR_NOT_FOUND.
 *
 * Returns: (transfer none): the plugin, or %NULL on error
 */
VmmPlugin *
vmm_plugin_manager_get_default_plugin (VmmPluginManager  *self,
                                       GError           **error)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GString) reasons = NULL;
  const char *requested;

  g_return_val_if_fail (VMM_IS_PLUGIN_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  requested = g_getenv ("VMM_HYPERVISOR");
  if (requested != NULL && requested[0] != '\0')
    {
      VmmPlugin *plugin = vmm_plugin_manager_find_plugin (self, requested);
      g_autofree char *available = NULL;

      if (plugin != NULL)
        {
          g_debug ("Using plugin “%s”, named by VMM_HYPERVISOR", requested);
          return plugin;
        }

      available = plugin_names (self);
      g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND,
                   "VMM_HYPERVISOR names the hypervisor plugin “%s”, which "
                   "is not available (available: %s)",
                   requested, available);
      return NULL;
    }

  list = vmm_plugin_manager_list_plugins (self);
  if (list->len == 0)
    {
      set_no_plugins_error (self, error);
      return NULL;
    }

  reasons = g_string_new (NULL);
  for (guint i = 0; i < list->len; i++)
    {
      VmmPlugin *plugin = g_ptr_array_index (list, i);
      g_autoptr(GError) probe_error = NULL;

      if (vmm_plugin_probe (plugin, NULL, &probe_error))
        {
          g_debug ("Using plugin “%s”, the first whose probe passes",
                   vmm_plugin_get_name (plugin));
          return plugin;
        }

      g_debug ("Plugin “%s” cannot run on this host: %s",
               vmm_plugin_get_name (plugin), probe_error->message);
      g_string_append_printf (reasons, "%s%s: %s",
                              i > 0 ? "; " : "",
                              vmm_plugin_get_name (plugin),
                              probe_error->message);
    }

  g_set_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED,
               "No hypervisor plugin can run on this host (%s)", reasons->str);
  return NULL;
}

/**
 * vmm_plugin_manager_create_hypervisor:
 * @self: a #VmmPluginManager
 * @name: (nullable): the name of a plugin, or %NULL for the default one
 * @error: return location for a #GError
 *
 * Creates a hypervisor object of the plugin named @name, or of the default
 * plugin (see [method@Vmm.PluginManager.get_default_plugin]). The object
 * starts in %VMM_VM_STATE_NOT_CREATED.
 *
 * Returns: (transfer full): a new #VmmHypervisor, or %NULL with
 *   %VMM_ERROR_NOT_FOUND if no plugin has that name (or the errors of
 *   vmm_plugin_manager_get_default_plugin())
 */
VmmHypervisor *
vmm_plugin_manager_create_hypervisor (VmmPluginManager  *self,
                                      const char        *name,
                                      GError           **error)
{
  VmmPlugin *plugin;

  g_return_val_if_fail (VMM_IS_PLUGIN_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name == NULL)
    {
      plugin = vmm_plugin_manager_get_default_plugin (self, error);
      if (plugin == NULL)
        return NULL;
    }
  else
    {
      plugin = vmm_plugin_manager_find_plugin (self, name);
      if (plugin == NULL)
        {
          g_autofree char *available = plugin_names (self);

          g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND,
                       "No hypervisor plugin is named “%s” (available: %s)",
                       name, available);
          return NULL;
        }
    }

  return vmm_plugin_create_hypervisor (plugin);
}
