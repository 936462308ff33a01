/* vmm-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "vmm-error.h"

G_DEFINE_QUARK (vmm-error-quark, vmm_error)
