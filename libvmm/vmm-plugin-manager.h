/* vmm-plugin-manager.h: finds and loads backend plugins
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "vmm-version-macros.h"
#include "vmm-plugin.h"

G_BEGIN_DECLS

#define VMM_TYPE_PLUGIN_MANAGER (vmm_plugin_manager_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (VmmPluginManager, vmm_plugin_manager, VMM, PLUGIN_MANAGER, GObject)

VMM_AVAILABLE_IN_ALL
VmmPluginManager *vmm_plugin_manager_new                  (void);
VMM_AVAILABLE_IN_ALL
VmmPluginManager *vmm_plugin_manager_new_for_path         (const char * const *search_path);
VMM_AVAILABLE_IN_ALL
const char * const *vmm_plugin_manager_get_search_path    (VmmPluginManager *self);
VMM_AVAILABLE_IN_ALL
void              vmm_plugin_manager_scan                 (VmmPluginManager *self);
VMM_AVAILABLE_IN_ALL
VmmPlugin        *vmm_plugin_manager_load_file            (VmmPluginManager *self,
                                                           const char       *filename,
                                                           GError          **error);
VMM_AVAILABLE_IN_ALL
void              vmm_plugin_manager_add_plugin           (VmmPluginManager *self,
                                                           VmmPlugin        *plugin);
VMM_AVAILABLE_IN_ALL
GPtrArray        *vmm_plugin_manager_list_plugins         (VmmPluginManager *self);
VMM_AVAILABLE_IN_ALL
GPtrArray        *vmm_plugin_manager_get_load_errors      (VmmPluginManager *self);
VMM_AVAILABLE_IN_ALL
VmmPlugin        *vmm_plugin_manager_find_plugin          (VmmPluginManager *self,
                                                           const char       *name);
VMM_AVAILABLE_IN_ALL
VmmPlugin        *vmm_plugin_manager_get_default_plugin   (VmmPluginManager *self,
                                                           GError          **error);
VMM_AVAILABLE_IN_ALL
VmmHypervisor    *vmm_plugin_manager_create_hypervisor    (VmmPluginManager *self,
                                                           const char       *name,
                                                           GError          **error);

G_END_DECLS
