/* acrn-plugin.c: the entry points of acrn.so
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gmodule.h>
#include <libvmm/vmm.h>

#include "vmm-acrn-hypervisor.h"

/**
 * vmm_plugin_abi_version:
 *
 * The plugin ABI this plugin was built for (%VMM_PLUGIN_ABI_VERSION).
 */
G_MODULE_EXPORT const guint32 vmm_plugin_abi_version = VMM_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT VmmPlugin *vmm_plugin_register (GTypeModule *module);

/**
 * vmm_plugin_register:
 * @module: (nullable): the #GTypeModule to register the backend's types
 *   with, or %NULL for static types
 *
 * The plugin entry point (see #VmmPluginRegisterFunc).
 *
 * Returns: (transfer full): the #VmmPlugin of the `"acrn"` backend,
 *   priority 100
 */
VmmPlugin *
vmm_plugin_register (GTypeModule *module)
{
  return vmm_acrn_plugin_new (module);
}
