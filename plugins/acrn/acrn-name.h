/* acrn-name.h: VM names that fit acrn-dm's 15-character limit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ACRN_VM_NAME_MAX:
 *
 * The longest VM name acrn-dm accepts, in bytes (the HSM keeps 16 bytes
 * including the NUL).
 */
#define ACRN_VM_NAME_MAX 15

/**
 * ACRN_VM_NAME_PREFIX:
 *
 * The prefix of a VM name made directly from a sandbox id (`sbx-<id>`).
 */
#define ACRN_VM_NAME_PREFIX "sbx-"

/**
 * ACRN_VM_NAME_HASHED_PREFIX:
 *
 * The prefix of a VM name made from a hash of the sandbox id. It differs
 * from %ACRN_VM_NAME_PREFIX in its 4th character, so a hashed name can
 * never equal, nor start with, a direct name (and the other way round).
 */
#define ACRN_VM_NAME_HASHED_PREFIX "sbx_"

char     *acrn_vm_name_for_id              (const char *id);
gboolean  acrn_vm_name_is_hashed           (const char *name);
gboolean  acrn_vm_name_is_prefix_ambiguous (const char *name,
                                            const char *other);

G_END_DECLS
