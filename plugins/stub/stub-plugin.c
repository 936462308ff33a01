/* stub-plugin.c: entry points of stub.so
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gmodule.h>

#include "vmm-stub-hypervisor.h"

/* Only these two symbols are exported (the rest is built with hidden
 * visibility); the plugin manager looks them up by name. */

G_MODULE_EXPORT const guint32 vmm_plugin_abi_version = VMM_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT VmmPlugin *vmm_plugin_register (GTypeModule *module);

/**
 * vmm_plugin_register:
 * @module: (nullable): the #GTypeModule to register the stub's types with,
 *   or %NULL for static types
 *
 * The plugin entry point (see #VmmPluginRegisterFunc).
 *
 * Returns: (transfer full): the #VmmPlugin for the `"stub"` backend
 */
VmmPlugin *
vmm_plugin_register (GTypeModule *module)
{
  return vmm_stub_plugin_new (module);
}
