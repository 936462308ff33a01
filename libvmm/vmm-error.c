/* vmm-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "vmm-error.h"

/**
 * vmm_error_quark:
 *
 * Gets the quark of the libvmm error domain. Use the %VMM_ERROR macro
 * rather than calling this directly.
 *
 * Returns: the #GQuark of the %VMM_ERROR domain
 */
G_DEFINE_QUARK (vmm-error-quark, vmm_error)
