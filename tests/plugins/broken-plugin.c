/* broken-plugin.c: test plugins that are broken at their entry points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * meson builds it as noentry.so, badabi.so, noabi.so and nullplugin.so:
 *
 *   TEST_NO_ENTRY     if defined, vmm_plugin_register is not exported
 *   TEST_NO_ABI       if defined, vmm_plugin_abi_version is not exported
 *   TEST_ABI_VERSION  the ABI version exported (default: the right one)
 *
 * vmm_plugin_register, when exported, returns no plugin: a loader that
 * calls it for a file it should have refused reports that instead of the
 * right error, which the tests notice.
 */
#include <gmodule.h>
#include <libvmm/vmm.h>

#ifndef TEST_ABI_VERSION
# define TEST_ABI_VERSION VMM_PLUGIN_ABI_VERSION
#endif

#ifndef TEST_NO_ABI
G_MODULE_EXPORT const guint32 vmm_plugin_abi_version = TEST_ABI_VERSION;
#endif

#ifndef TEST_NO_ENTRY
G_MODULE_EXPORT VmmPlugin *vmm_plugin_register (GTypeModule *module);

G_MODULE_EXPORT VmmPlugin *
vmm_plugin_register (GTypeModule *module)
{
  return NULL;
}
#endif
