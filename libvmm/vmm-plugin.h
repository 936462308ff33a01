/* vmm-plugin.h: a loaded backend plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "vmm-version-macros.h"
#include "vmm-hypervisor.h"

G_BEGIN_DECLS

#define VMM_TYPE_PLUGIN (vmm_plugin_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (VmmPlugin, vmm_plugin, VMM, PLUGIN, GObject)

/**
 * VmmPluginRegisterFunc:
 * @module: (nullable): the #GTypeModule to register dynamic types with, or
 *   %NULL when the plugin is linked statically and must register static types
 *
 * The entry point every plugin exports as `vmm_plugin_register`, next to a
 * `const guint32 vmm_plugin_abi_version` equal to %VMM_PLUGIN_ABI_VERSION.
 *
 * Returns: (transfer full): a new #VmmPlugin describing the backend
 */
typedef VmmPlugin *(*VmmPluginRegisterFunc) (GTypeModule *module);

VMM_AVAILABLE_IN_ALL
VmmPlugin     *vmm_plugin_new                   (const char  *name,
                                                 const char  *description,
                                                 int          priority,
                                                 GType        hypervisor_type);
VMM_AVAILABLE_IN_ALL
const char    *vmm_plugin_get_name              (VmmPlugin   *self);
VMM_AVAILABLE_IN_ALL
const char    *vmm_plugin_get_description       (VmmPlugin   *self);
VMM_AVAILABLE_IN_ALL
int            vmm_plugin_get_priority          (VmmPlugin   *self);
VMM_AVAILABLE_IN_ALL
GType          vmm_plugin_get_hypervisor_type   (VmmPlugin   *self);
VMM_AVAILABLE_IN_ALL
const char    *vmm_plugin_get_filename          (VmmPlugin   *self);
VMM_AVAILABLE_IN_ALL
VmmHypervisor *vmm_plugin_create_hypervisor     (VmmPlugin   *self);
VMM_AVAILABLE_IN_ALL
gboolean       vmm_plugin_probe                 (VmmPlugin   *self,
                                                 VmmHypervisorConfig *config,
                                                 GError     **error);

G_END_DECLS
