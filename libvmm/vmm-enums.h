/* vmm-enums.h: enumerations and flags
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include <glib-object.h>
#include "vmm-version-macros.h"

G_BEGIN_DECLS

/**
 * VmmVmState:
 * @VMM_VM_STATE_NOT_CREATED: no VM: create_vm() has not run, or cleanup() ran
 * @VMM_VM_STATE_CREATED: the VM is described and its host resources are
 *   reserved, but no hypervisor process runs
 * @VMM_VM_STATE_STARTING: start_vm() is in progress
 * @VMM_VM_STATE_RUNNING: the VM runs
 * @VMM_VM_STATE_PAUSED: the VM is paused
 * @VMM_VM_STATE_STOPPING: stop_vm() is in progress
 * @VMM_VM_STATE_STOPPED: the VM was stopped on request (or powered off by
 *   its guest) and can be started again
 * @VMM_VM_STATE_CRASHED: the hypervisor process exited without being asked
 *   to; vmm_hypervisor_get_exit_status() tells how
 *
 * The life-cycle state of the VM driven by a #VmmHypervisor.
 */
typedef enum {
  VMM_VM_STATE_NOT_CREATED,
  VMM_VM_STATE_CREATED,
  VMM_VM_STATE_STARTING,
  VMM_VM_STATE_RUNNING,
  VMM_VM_STATE_PAUSED,
  VMM_VM_STATE_STOPPING,
  VMM_VM_STATE_STOPPED,
  VMM_VM_STATE_CRASHED,
} VmmVmState;

/**
 * VmmCapabilities:
 * @VMM_CAPABILITIES_NONE: nothing optional is supported
 * @VMM_CAPABILITIES_BLOCK_DEVICE: block devices can be added before start
 * @VMM_CAPABILITIES_BLOCK_HOTPLUG: block devices can be added to a running VM
 * @VMM_CAPABILITIES_BLOCK_HOTUNPLUG: block devices can be removed from a running VM
 * @VMM_CAPABILITIES_NET_HOTPLUG: network devices can be added to and removed
 *   from a running VM
 * @VMM_CAPABILITIES_VSOCK: vsock devices are supported
 * @VMM_CAPABILITIES_PCI_PASSTHROUGH: host PCI devices can be passed through
 * @VMM_CAPABILITIES_PAUSE: the VM can be paused and resumed
 * @VMM_CAPABILITIES_SAVE_VM: a paused VM can be saved (snapshot)
 * @VMM_CAPABILITIES_MEMORY_RESIZE: memory can be resized at run time
 * @VMM_CAPABILITIES_VCPU_RESIZE: vCPUs can be added or removed at run time
 * @VMM_CAPABILITIES_THREAD_IDS: vCPU thread ids can be queried
 * @VMM_CAPABILITIES_REATTACH: state can be saved and loaded by another process
 * @VMM_CAPABILITIES_MULTI_QUEUE: multi-queue network devices
 * @VMM_CAPABILITIES_FS_SHARING: a shared filesystem (virtio-fs, 9p)
 * @VMM_CAPABILITIES_VSOCK_HOTPLUG: vsock devices can be added to and removed
 *   from a running VM
 * @VMM_CAPABILITIES_PCI_HOTPLUG: host PCI devices can be passed to and taken
 *   back from a running VM
 * @VMM_CAPABILITIES_CONSOLE_HOTPLUG: console ports can be added to and
 *   removed from a running VM
 *
 * What a hypervisor backend can do. An operation whose flag is missing fails
 * with %VMM_ERROR_NOT_SUPPORTED.
 */
typedef enum /*< flags >*/ {
  VMM_CAPABILITIES_NONE            = 0,
  VMM_CAPABILITIES_BLOCK_DEVICE    = 1 << 0,
  VMM_CAPABILITIES_BLOCK_HOTPLUG   = 1 << 1,
  VMM_CAPABILITIES_BLOCK_HOTUNPLUG = 1 << 2,
  VMM_CAPABILITIES_NET_HOTPLUG     = 1 << 3,
  VMM_CAPABILITIES_VSOCK           = 1 << 4,
  VMM_CAPABILITIES_PCI_PASSTHROUGH = 1 << 5,
  VMM_CAPABILITIES_PAUSE           = 1 << 6,
  VMM_CAPABILITIES_SAVE_VM         = 1 << 7,
  VMM_CAPABILITIES_MEMORY_RESIZE   = 1 << 8,
  VMM_CAPABILITIES_VCPU_RESIZE     = 1 << 9,
  VMM_CAPABILITIES_THREAD_IDS      = 1 << 10,
  VMM_CAPABILITIES_REATTACH        = 1 << 11,
  VMM_CAPABILITIES_MULTI_QUEUE     = 1 << 12,
  VMM_CAPABILITIES_FS_SHARING      = 1 << 13,
  VMM_CAPABILITIES_VSOCK_HOTPLUG   = 1 << 14,
  VMM_CAPABILITIES_PCI_HOTPLUG     = 1 << 15,
  VMM_CAPABILITIES_CONSOLE_HOTPLUG = 1 << 16,
} VmmCapabilities;

/**
 * VmmStopFlags:
 * @VMM_STOP_FLAGS_NONE: ask the VM to stop (SIGINT for ACRN), then force it
 *   after the config's `stop-timeout-ms`
 * @VMM_STOP_FLAGS_WAIT_ONLY: send nothing; wait for the VM to exit on its
 *   own, then force it after the timeout
 *
 * How vmm_hypervisor_stop_vm() stops the VM.
 */
typedef enum /*< flags >*/ {
  VMM_STOP_FLAGS_NONE      = 0,
  VMM_STOP_FLAGS_WAIT_ONLY = 1 << 0,
} VmmStopFlags;

/**
 * VmmDeviceType:
 * @VMM_DEVICE_TYPE_BLOCK: a #VmmBlockDevice (JSON `"block"`)
 * @VMM_DEVICE_TYPE_NET: a #VmmNetDevice (JSON `"net"`)
 * @VMM_DEVICE_TYPE_VSOCK: a #VmmVsockDevice (JSON `"vsock"`)
 * @VMM_DEVICE_TYPE_CONSOLE: a #VmmConsoleDevice (JSON `"console"`)
 * @VMM_DEVICE_TYPE_PCI: a #VmmPciDevice (JSON `"pci"`)
 *
 * The kind of a #VmmDevice.
 */
typedef enum {
  VMM_DEVICE_TYPE_BLOCK,
  VMM_DEVICE_TYPE_NET,
  VMM_DEVICE_TYPE_VSOCK,
  VMM_DEVICE_TYPE_CONSOLE,
  VMM_DEVICE_TYPE_PCI,
} VmmDeviceType;

VMM_AVAILABLE_IN_ALL
const char *vmm_vm_state_to_string (VmmVmState state);

G_END_DECLS
