/* vmm-acrn-hypervisor.h: the ACRN backend
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libvmm/vmm.h>

G_BEGIN_DECLS

#define VMM_TYPE_ACRN_HYPERVISOR (vmm_acrn_hypervisor_get_type ())
G_DECLARE_FINAL_TYPE (VmmAcrnHypervisor, vmm_acrn_hypervisor, VMM, ACRN_HYPERVISOR, VmmHypervisorBase)

/**
 * VMM_ACRN_CAPABILITIES:
 *
 * What the ACRN backend can do with ACRN 3.x: disks before start and
 * hot-plugged into `nodisk` slots, vsock, PCI passthrough, and re-attaching
 * from another process. Not: pause/resume and save (acrnctl lost them in
 * 2.0/3.0), removing disks, resizing memory or vCPUs, vCPU thread ids.
 */
#define VMM_ACRN_CAPABILITIES ((VmmCapabilities) (VMM_CAPABILITIES_BLOCK_DEVICE    | \
                                                  VMM_CAPABILITIES_BLOCK_HOTPLUG   | \
                                                  VMM_CAPABILITIES_VSOCK           | \
                                                  VMM_CAPABILITIES_PCI_PASSTHROUGH | \
                                                  VMM_CAPABILITIES_REATTACH))

/**
 * VMM_ACRN_VSOCK_PORT:
 *
 * The port of the #VmmVsockDevice returned by
 * vmm_hypervisor_generate_socket() (where a guest agent listens).
 */
#define VMM_ACRN_VSOCK_PORT 1024u

void       vmm_acrn_hypervisor_register_types (GTypeModule *module);
VmmPlugin *vmm_acrn_plugin_new                (GTypeModule *module);

G_END_DECLS
