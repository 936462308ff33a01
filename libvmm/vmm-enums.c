/* vmm-enums.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "vmm-enums.h"

/**
 * vmm_vm_state_to_string:
 * @state: a #VmmVmState
 *
 * Gets a short lower-case name for @state, as used in messages, logs and
 * vmmctl output (`"not-created"`, `"running"`, ...).
 *
 * Returns: (transfer none): the name, or `"invalid"` for an unknown value
 */
const char *
vmm_vm_state_to_string (VmmVmState state)
{
  switch (state)
    {
    case VMM_VM_STATE_NOT_CREATED: return "not-created";
    case VMM_VM_STATE_CREATED:     return "created";
    case VMM_VM_STATE_STARTING:    return "starting";
    case VMM_VM_STATE_RUNNING:     return "running";
    case VMM_VM_STATE_PAUSED:      return "paused";
    case VMM_VM_STATE_STOPPING:    return "stopping";
    case VMM_VM_STATE_STOPPED:     return "stopped";
    case VMM_VM_STATE_CRASHED:     return "crashed";
    default:                       return "invalid";
    }
}
