/* vmm-error.h: the VMM_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include <glib.h>
#include "vmm-version-macros.h"

G_BEGIN_DECLS

/**
 * VMM_ERROR:
 *
 * The error domain of libvmm. Errors in it have a #VmmError code.
 * Cancellation is reported as %G_IO_ERROR_CANCELLED, as everywhere in GIO.
 */
#define VMM_ERROR (vmm_error_quark ())

/**
 * VmmError:
 * @VMM_ERROR_FAILED: a failure that has no more specific code
 * @VMM_ERROR_NOT_SUPPORTED: the backend cannot do this; its capabilities say so
 * @VMM_ERROR_INVALID_STATE: the operation is not allowed in the VM's current state
 * @VMM_ERROR_INVALID_CONFIG: a configuration value or file is invalid; the
 *   message names the file, key or field
 * @VMM_ERROR_INVALID_ARGUMENT: an argument (device, size, ...) is invalid
 * @VMM_ERROR_NOT_FOUND: a plugin, file, VM or device does not exist
 * @VMM_ERROR_PLUGIN: a plugin could not be loaded; the message names the file
 * @VMM_ERROR_HOST_UNSUPPORTED: this host cannot run the backend (probe failed)
 * @VMM_ERROR_SPAWN_FAILED: the hypervisor process could not be started
 * @VMM_ERROR_PROCESS_EXITED: the hypervisor process exited; the message has
 *   its exit status and the last lines it printed
 * @VMM_ERROR_TIMED_OUT: the operation did not finish in time
 * @VMM_ERROR_NO_RESOURCES: no free slot, CPU, vsock CID, ...
 * @VMM_ERROR_PROTOCOL: the hypervisor or its control tool answered wrongly
 * @VMM_ERROR_STALE_STATE: saved state refers to a process that is gone or
 *   was replaced
 * @VMM_ERROR_IO: reading or writing a file or socket failed
 *
 * Error codes in the %VMM_ERROR domain.
 */
typedef enum {
  VMM_ERROR_FAILED,
  VMM_ERROR_NOT_SUPPORTED,
  VMM_ERROR_INVALID_STATE,
  VMM_ERROR_INVALID_CONFIG,
  VMM_ERROR_INVALID_ARGUMENT,
  VMM_ERROR_NOT_FOUND,
  VMM_ERROR_PLUGIN,
  VMM_ERROR_HOST_UNSUPPORTED,
  VMM_ERROR_SPAWN_FAILED,
  VMM_ERROR_PROCESS_EXITED,
  VMM_ERROR_TIMED_OUT,
  VMM_ERROR_NO_RESOURCES,
  VMM_ERROR_PROTOCOL,
  VMM_ERROR_STALE_STATE,
  VMM_ERROR_IO,
} VmmError;

VMM_AVAILABLE_IN_ALL
GQuark vmm_error_quark (void);

G_END_DECLS
