/* vmm-plugin-module.h: the GTypeModule that loads one plugin file (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gmodule.h>
#include "vmm-plugin.h"

G_BEGIN_DECLS

#define VMM_TYPE_PLUGIN_MODULE (vmm_plugin_module_get_type ())
G_DECLARE_FINAL_TYPE (VmmPluginModule, vmm_plugin_module, VMM, PLUGIN_MODULE, GTypeModule)

G_GNUC_INTERNAL
VmmPlugin *vmm_plugin_module_load (const char  *filename,
                                   GError     **error);

G_END_DECLS
