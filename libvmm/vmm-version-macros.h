/* vmm-version-macros.h: export macros and the library version
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include <glib.h>

/**
 * VMM_MAJOR_VERSION:
 *
 * The major version of the libvmm headers a program is compiled
 * against.
 */
#define VMM_MAJOR_VERSION 0
/**
 * VMM_MINOR_VERSION:
 *
 * The minor version of the libvmm headers a program is compiled
 * against.
 */
#define VMM_MINOR_VERSION 1
/**
 * VMM_MICRO_VERSION:
 *
 * The micro version of the libvmm headers a program is compiled
 * against.
 */
#define VMM_MICRO_VERSION 0

/**
 * VMM_PLUGIN_ABI_VERSION:
 *
 * The plugin ABI version. A plugin exports `vmm_plugin_abi_version`
 * (a `const guint32`) set to this value; the plugin manager refuses a
 * plugin built for another ABI.
 */
#define VMM_PLUGIN_ABI_VERSION 1

#if defined(VMM_COMPILATION) && defined(__GNUC__)
# define _VMM_EXTERN __attribute__((visibility("default"))) extern
#else
# define _VMM_EXTERN extern
#endif

#define VMM_AVAILABLE_IN_ALL _VMM_EXTERN
