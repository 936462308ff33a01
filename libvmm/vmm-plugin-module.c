/* vmm-plugin-module.c: the GTypeModule that loads one plugin file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each plugin file is loaded at most once per process, whatever the number
 * of plugin managers: the types a plugin registers cannot be unregistered,
 * and registering them a second time (from the same file, a copy of it, or
 * a file of the same name elsewhere) would fail. So the modules live in a
 * process-wide cache, keyed by canonical path, and are never unloaded.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm-plugin-module.h"
#include "vmm-plugin-private.h"
#include "vmm-error.h"

struct _VmmPluginModule
{
  GTypeModule  parent_instance;

  char        *path;            /* canonical */
  GModule     *library;
  VmmPlugin   *plugin;          /* set once loaded */
  GError      *error;           /* why loading failed */
  gboolean     code_ran;        /* vmm_plugin_register() was called */
};

G_DEFINE_FINAL_TYPE (VmmPluginModule, vmm_plugin_module, G_TYPE_TYPE_MODULE)

/* The process-wide cache. Both tables only grow; their entries live as
 * long as the process, like the code of the plugins.
 */
static GMutex      cache_lock;
static GHashTable *modules_by_path;     /* canonical path -> VmmPluginModule */
static GHashTable *paths_by_basename;   /* basename -> canonical path whose code ran */

static void
vmm_plugin_module_finalize (GObject *object)
{
  VmmPluginModule *self = VMM_PLUGIN_MODULE (object);

  /* Only modules whose code never ran get here (see
   * vmm_plugin_module_load()); the library is already closed.
   */
  g_warn_if_fail (self->library == NULL);
  g_warn_if_fail (!self->code_ran);

  g_clear_pointer (&self->path, g_free);
  g_clear_object (&self->plugin);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (vmm_plugin_module_parent_class)->finalize (object);
}

/* dlerror() usually starts with the path, which our message already
 * starts with.
 */
static const char *
strip_path_prefix (const char *message,
                   const char *path)
{
  size_t len = strlen (path);

  if (strncmp (message, path, len) == 0 && message[len] == ':')
    {
      message += len + 1;
      while (*message == ' ')
        message++;
    }

  return message;
}

static gboolean
fail (VmmPluginModule *self,
      const char      *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (VmmPluginModule *self,
      const char      *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_clear_error (&self->error);
  g_set_error (&self->error, VMM_ERROR, VMM_ERROR_PLUGIN, "%s: %s", self->path, what);

  /* Before its code ran, the library can go; after, it must stay. */
  if (self->library != NULL && !self->code_ran)
    {
      g_module_close (self->library);
      self->library = NULL;
    }

  return FALSE;
}

static gboolean
vmm_plugin_module_load_vfunc (GTypeModule *type_module)
{
  VmmPluginModule *self = VMM_PLUGIN_MODULE (type_module);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(VmmPlugin) plugin = NULL;
  VmmPluginRegisterFunc register_func;
  gpointer abi_symbol = NULL;
  gpointer register_symbol = NULL;
  guint32 abi_version;

  /* A module is used once and never unused, so this runs once. */
  g_return_val_if_fail (self->library == NULL, FALSE);

  self->library = g_module_open_full (self->path,
                                      G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY,
                                      &local_error);
  if (self->library == NULL)
    return fail (self, "not a loadable shared object: %s",
                 strip_path_prefix (local_error->message, self->path));

  if (!g_module_symbol (self->library, "vmm_plugin_abi_version", &abi_symbol) ||
      abi_symbol == NULL)
    return fail (self, "not a libvmm plugin: it does not export "
                 "vmm_plugin_abi_version");

  abi_version = *(const guint32 *) abi_symbol;
  if (abi_version != VMM_PLUGIN_ABI_VERSION)
    return fail (self, "built for plugin ABI version %" G_GUINT32_FORMAT
                 ", but this libvmm loads ABI version %u",
                 abi_version, (guint) VMM_PLUGIN_ABI_VERSION);

  if (!g_module_symbol (self->library, "vmm_plugin_register", &register_symbol) ||
      register_symbol == NULL)
    return fail (self, "not a libvmm plugin: it does not export "
                 "vmm_plugin_register");

  /* From here on the plugin's code has run and may have registered types
   * that point into it, even if it then fails: it must never be unloaded.
   */
  g_module_make_resident (self->library);
  self->code_ran = TRUE;

  register_func = (VmmPluginRegisterFunc) register_symbol;
  plugin = register_func (type_module);

  if (plugin == NULL)
    return fail (self, "vmm_plugin_register() returned no plugin");

  if (!vmm_plugin_validate (plugin, &local_error))
    return fail (self, "%s", local_error->message);

  vmm_plugin_set_filename (plugin, self->path);
  self->plugin = g_steal_pointer (&plugin);

  g_debug ("Loaded plugin “%s” (%s, priority %d) from %s",
           vmm_plugin_get_name (self->plugin),
           g_type_name (vmm_plugin_get_hypervisor_type (self->plugin)),
           vmm_plugin_get_priority (self->plugin),
           self->path);

  return TRUE;
}

static void
vmm_plugin_module_unload_vfunc (GTypeModule *type_module)
{
  VmmPluginModule *self = VMM_PLUGIN_MODULE (type_module);

  /* Not reached: the use taken in vmm_plugin_module_load() is never given
   * back, because the types of a plugin cannot be unregistered.
   */
  g_critical ("Plugin %s cannot be unloaded", self->path);
}

static void
vmm_plugin_module_class_init (VmmPluginModuleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTypeModuleClass *type_module_class = G_TYPE_MODULE_CLASS (klass);

  object_class->finalize = vmm_plugin_module_finalize;

  type_module_class->load = vmm_plugin_module_load_vfunc;
  type_module_class->unload = vmm_plugin_module_unload_vfunc;
}

static void
vmm_plugin_module_init (VmmPluginModule *self)
{
}

static gboolean
resolve_path (const char  *filename,
              char       **out_path,
              GError     **error)
{
  char *resolved;
  int saved_errno;

  resolved = realpath (filename, NULL);
  if (resolved == NULL)
    {
      saved_errno = errno;
      g_set_error (error, VMM_ERROR,
                   saved_errno == ENOENT ? VMM_ERROR_NOT_FOUND : VMM_ERROR_PLUGIN,
                   "%s: %s", filename, g_strerror (saved_errno));
      return FALSE;
    }

  *out_path = g_strdup (resolved);
  free (resolved);

  return TRUE;
}

/* Loads the plugin in @filename, or returns it if this process loaded that
 * file before. A failure is returned again without retrying if the
 * plugin's code ran (it may have registered types); otherwise the next call
 * tries again, as the file may have been fixed meanwhile.
 *
 * Returns: (transfer full): the plugin, with its filename set
 */
VmmPlugin *
vmm_plugin_module_load (const char  *filename,
                        GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(VmmPluginModule) module = NULL;
  g_autofree char *path = NULL;
  g_autofree char *basename = NULL;
  VmmPluginModule *cached;
  const char *other;

  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!resolve_path (filename, &path, error))
    return NULL;

  locker = g_mutex_locker_new (&cache_lock);

  if (modules_by_path == NULL)
    {
      modules_by_path = g_hash_table_new_full (g_str_hash, g_str_equal,
                                               g_free, g_object_unref);
      paths_by_basename = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                 g_free, g_free);
    }

  cached = g_hash_table_lookup (modules_by_path, path);
  if (cached != NULL)
    {
      if (cached->plugin != NULL)
        return g_object_ref (cached->plugin);

      g_propagate_error (error, g_error_copy (cached->error));
      return NULL;
    }

  basename = g_path_get_basename (path);
  other = g_hash_table_lookup (paths_by_basename, basename);
  if (other != NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PLUGIN,
                   "%s: not loaded: this process already loaded a plugin file "
                   "of the same name, %s, and loading both would register "
                   "the same types twice", path, other);
      return NULL;
    }

  module = g_object_new (VMM_TYPE_PLUGIN_MODULE, NULL);
  module->path = g_strdup (path);
  g_type_module_set_name (G_TYPE_MODULE (module), path);

  /* This use is never given back: see vmm_plugin_module_unload_vfunc(). */
  if (!g_type_module_use (G_TYPE_MODULE (module)))
    {
      g_assert (module->error != NULL);
      g_propagate_error (error, g_error_copy (module->error));

      if (module->code_ran)
        {
          g_hash_table_insert (paths_by_basename, g_steal_pointer (&basename),
                               g_strdup (path));
          g_hash_table_insert (modules_by_path, g_steal_pointer (&path),
                               g_steal_pointer (&module));
        }

      return NULL;
    }

  g_hash_table_insert (paths_by_basename, g_steal_pointer (&basename),
                       g_strdup (path));
  g_hash_table_insert (modules_by_path, g_steal_pointer (&path),
                       g_object_ref (module));

  return g_object_ref (module->plugin);
}
