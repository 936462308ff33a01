/* vmm-stub-hypervisor.h: the in-memory backend used by tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This header is for programs that link the stub statically
 * (`vmm_stub_static_dep` in meson). Programs that load stub.so through a
 * #VmmPluginManager only use the GObject properties and signals, by name.
 */
#pragma once

#include <libvmm/vmm.h>

G_BEGIN_DECLS

#define VMM_TYPE_STUB_HYPERVISOR (vmm_stub_hypervisor_get_type ())
G_DECLARE_FINAL_TYPE (VmmStubHypervisor, vmm_stub_hypervisor, VMM, STUB_HYPERVISOR, VmmHypervisorBase)

/**
 * VMM_STUB_CAPABILITIES:
 *
 * The capabilities of a #VmmStubHypervisor unless its `capabilities`
 * construct property says otherwise: everything except
 * %VMM_CAPABILITIES_CONSOLE_HOTPLUG (console ports are fixed at start),
 * %VMM_CAPABILITIES_MULTI_QUEUE (a #VmmNetDevice has no queue setting, so
 * the stub could not honour it) and %VMM_CAPABILITIES_FS_SHARING (there is
 * no virtio-fs daemon to report).
 */
#define VMM_STUB_CAPABILITIES ((VmmCapabilities) (VMM_CAPABILITIES_BLOCK_DEVICE    | \
                                                  VMM_CAPABILITIES_BLOCK_HOTPLUG   | \
                                                  VMM_CAPABILITIES_BLOCK_HOTUNPLUG | \
                                                  VMM_CAPABILITIES_NET_HOTPLUG     | \
                                                  VMM_CAPABILITIES_VSOCK           | \
                                                  VMM_CAPABILITIES_PCI_PASSTHROUGH | \
                                                  VMM_CAPABILITIES_VSOCK_HOTPLUG   | \
                                                  VMM_CAPABILITIES_PCI_HOTPLUG     | \
                                                  VMM_CAPABILITIES_PAUSE           | \
                                                  VMM_CAPABILITIES_SAVE_VM         | \
                                                  VMM_CAPABILITIES_MEMORY_RESIZE   | \
                                                  VMM_CAPABILITIES_VCPU_RESIZE     | \
                                                  VMM_CAPABILITIES_THREAD_IDS      | \
                                                  VMM_CAPABILITIES_REATTACH))

/**
 * VMM_STUB_FAKE_PID_BASE:
 *
 * The first fake process id the stub hands out. It is above Linux's
 * `PID_MAX_LIMIT` (2^22), so no real process or thread ever has it: sending
 * a signal to it or moving it into a cgroup fails with `ESRCH` instead of
 * hitting a bystander.
 */
#define VMM_STUB_FAKE_PID_BASE 0x40000000

/**
 * VMM_STUB_VSOCK_PORT:
 *
 * The port of the #VmmVsockDevice returned by
 * vmm_hypervisor_generate_socket() (the port a guest agent listens on).
 */
#define VMM_STUB_VSOCK_PORT 1024u

void        vmm_stub_hypervisor_register_types (GTypeModule       *module);
VmmPlugin  *vmm_stub_plugin_new                (GTypeModule       *module);

VmmStubHypervisor *vmm_stub_hypervisor_new     (VmmCapabilities    capabilities);
void        vmm_stub_hypervisor_fail_next      (VmmStubHypervisor *self,
                                                const char        *operation,
                                                int                code,
                                                const char        *message);
gboolean    vmm_stub_hypervisor_simulate_crash (VmmStubHypervisor *self,
                                                int                wait_status);

G_END_DECLS
