/* vmm-hypervisor.h: the interface that drives one VM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "vmm-version-macros.h"
#include "vmm-enums.h"
#include "vmm-device.h"
#include "vmm-hypervisor-config.h"

G_BEGIN_DECLS

#define VMM_TYPE_HYPERVISOR (vmm_hypervisor_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (VmmHypervisor, vmm_hypervisor, VMM, HYPERVISOR, GObject)

/**
 * VmmHypervisorInterface:
 * @g_iface: the parent interface
 * @get_state: returns the VM's #VmmVmState; #VmmHypervisorBase implements it
 * @get_capabilities: returns the #VmmCapabilities of the backend; the
 *   default is %VMM_CAPABILITIES_NONE
 * @get_config: returns the backend's copy of the configuration, or %NULL
 *   before create_vm; #VmmHypervisorBase implements it
 * @get_exit_status: returns the wait status of the hypervisor process's
 *   last exit, or -1; #VmmHypervisorBase implements it
 * @probe: checks whether this host can run the backend and, when a
 *   configuration is given, that VM; the default fails
 * @create_vm_async: checks the configuration, keeps a copy, reserves host
 *   resources and moves to %VMM_VM_STATE_CREATED
 * @create_vm_finish: completes @create_vm_async
 * @start_vm_async: starts the hypervisor process, through
 *   %VMM_VM_STATE_STARTING to %VMM_VM_STATE_RUNNING; on failure, returns
 *   to the previous state
 * @start_vm_finish: completes @start_vm_async
 * @stop_vm_async: stops the VM, through %VMM_VM_STATE_STOPPING to
 *   %VMM_VM_STATE_STOPPED; also called while the VM is starting or
 *   already stopping
 * @stop_vm_finish: completes @stop_vm_async
 * @pause_vm_async: pauses the running VM (%VMM_CAPABILITIES_PAUSE)
 * @pause_vm_finish: completes @pause_vm_async
 * @resume_vm_async: resumes the paused VM (%VMM_CAPABILITIES_PAUSE)
 * @resume_vm_finish: completes @resume_vm_async
 * @save_vm_async: saves a snapshot of the paused VM
 *   (%VMM_CAPABILITIES_SAVE_VM)
 * @save_vm_finish: completes @save_vm_async
 * @add_device: adds a device to a created or stopped VM, for its next start
 *   (the synchronous method; see @add_device_async)
 * @hotplug_add_device_async: plugs a device into the running or paused VM
 * @hotplug_add_device_finish: completes @hotplug_add_device_async
 * @hotplug_remove_device_async: unplugs a device from the running or
 *   paused VM
 * @hotplug_remove_device_finish: completes @hotplug_remove_device_async
 * @resize_memory_async: changes the memory of the running VM
 *   (%VMM_CAPABILITIES_MEMORY_RESIZE)
 * @resize_memory_finish: completes @resize_memory_async and returns the
 *   new size
 * @resize_vcpus_async: changes the number of vCPUs of the running VM
 *   (%VMM_CAPABILITIES_VCPU_RESIZE)
 * @resize_vcpus_finish: completes @resize_vcpus_async and returns the old
 *   and new numbers
 * @check_async: checks that the VM is alive and its hypervisor answers
 * @check_finish: completes @check_async
 * @cleanup_async: releases everything create_vm reserved and moves to
 *   %VMM_VM_STATE_NOT_CREATED
 * @cleanup_finish: completes @cleanup_async
 * @get_total_memory_mib: returns the VM's memory in MiB; the default reads
 *   the configuration
 * @get_vm_console: returns the path of the VM console's socket
 * @disconnect: closes the connections to the hypervisor without stopping
 *   the VM; the default does nothing
 * @get_thread_ids: returns the host thread ids of the vCPUs
 *   (%VMM_CAPABILITIES_THREAD_IDS)
 * @get_pids: returns the ids of the processes that run the VM; the
 *   default returns none
 * @get_virtio_fs_pid: gets the id of the virtio-fs daemon, if there is
 *   one; the default has none
 * @save_state: serializes what another process needs to take the VM over
 *   (%VMM_CAPABILITIES_REATTACH)
 * @load_state: takes over the VM described by a saved state
 *   (%VMM_CAPABILITIES_REATTACH)
 * @generate_socket: reserves a vsock address for the VM
 *   (%VMM_CAPABILITIES_VSOCK)
 * @is_rate_limiter_builtin: tells whether the hypervisor limits I/O rates
 *   itself; the default is %FALSE
 * @add_device_async: the asynchronous form of @add_device, for backends
 *   whose add_device waits on the disk or a process; the default runs
 *   @add_device
 * @add_device_finish: completes @add_device_async
 * @generate_socket_async: the asynchronous form of @generate_socket, for
 *   backends whose generate_socket waits on the disk or a process; the
 *   default runs @generate_socket
 * @generate_socket_finish: completes @generate_socket_async
 *
 * The virtual methods of a hypervisor backend. Every method has a default
 * that fails with %VMM_ERROR_NOT_SUPPORTED (or returns "nothing"), so a
 * backend implements only what it can do. Backends normally derive from
 * #VmmHypervisorBase, which implements the state machinery.
 *
 * The public wrappers (vmm_hypervisor_start_vm_async() and friends) check
 * the capability and the current state before calling a method, so an
 * implementation is only called when the call is legal. The synchronous
 * forms are built on the asynchronous methods by libvmm.
 */
struct _VmmHypervisorInterface
{
  GTypeInterface g_iface;

  /*< public >*/
  VmmVmState           (*get_state)            (VmmHypervisor        *self);
  VmmCapabilities      (*get_capabilities)     (VmmHypervisor        *self);
  VmmHypervisorConfig *(*get_config)           (VmmHypervisor        *self);
  int                  (*get_exit_status)      (VmmHypervisor        *self);

  gboolean  (*probe)                  (VmmHypervisor        *self,
                                       VmmHypervisorConfig  *config,
                                       GError              **error);

  void      (*create_vm_async)        (VmmHypervisor        *self,
                                       VmmHypervisorConfig  *config,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*create_vm_finish)       (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void      (*start_vm_async)         (VmmHypervisor        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*start_vm_finish)        (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void      (*stop_vm_async)          (VmmHypervisor        *self,
                                       VmmStopFlags          flags,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*stop_vm_finish)         (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void      (*pause_vm_async)         (VmmHypervisor        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*pause_vm_finish)        (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void      (*resume_vm_async)        (VmmHypervisor        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*resume_vm_finish)       (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void      (*save_vm_async)          (VmmHypervisor        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*save_vm_finish)         (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  gboolean  (*add_device)             (VmmHypervisor        *self,
                                       VmmDevice            *device,
                                       GError              **error);
  void      (*hotplug_add_device_async)    (VmmHypervisor        *self,
                                            VmmDevice            *device,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
  gboolean  (*hotplug_add_device_finish)   (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
  void      (*hotplug_remove_device_async) (VmmHypervisor        *self,
                                            VmmDevice            *device,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
  gboolean  (*hotplug_remove_device_finish)(VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
  void      (*resize_memory_async)    (VmmHypervisor        *self,
                                       guint                 memory_mib,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*resize_memory_finish)   (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       guint                *new_memory_mib,
                                       GError              **error);
  void      (*resize_vcpus_async)     (VmmHypervisor        *self,
                                       guint                 vcpus,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*resize_vcpus_finish)    (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       guint                *old_vcpus,
                                       guint                *new_vcpus,
                                       GError              **error);
  void      (*check_async)            (VmmHypervisor        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*check_finish)           (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void      (*cleanup_async)          (VmmHypervisor        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean  (*cleanup_finish)         (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);

  guint      (*get_total_memory_mib)  (VmmHypervisor        *self);
  char      *(*get_vm_console)        (VmmHypervisor        *self,
                                       GError              **error);
  void       (*disconnect)            (VmmHypervisor        *self);
  GArray    *(*get_thread_ids)        (VmmHypervisor        *self,
                                       GError              **error);
  GArray    *(*get_pids)              (VmmHypervisor        *self);
  gboolean   (*get_virtio_fs_pid)     (VmmHypervisor        *self,
                                       GPid                 *pid);
  char      *(*save_state)            (VmmHypervisor        *self,
                                       GError              **error);
  gboolean   (*load_state)            (VmmHypervisor        *self,
                                       const char           *state,
                                       GError              **error);
  VmmVsockDevice *(*generate_socket)  (VmmHypervisor        *self,
                                       GError              **error);
  gboolean   (*is_rate_limiter_builtin) (VmmHypervisor      *self);

  void       (*add_device_async)      (VmmHypervisor        *self,
                                       VmmDevice            *device,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean   (*add_device_finish)     (VmmHypervisor        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void       (*generate_socket_async) (VmmHypervisor        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  VmmVsockDevice *(*generate_socket_finish) (VmmHypervisor  *self,
                                             GAsyncResult   *result,
                                             GError        **error);

  /*< private >*/
  gpointer padding[12];
};

VMM_AVAILABLE_IN_ALL
VmmVmState           vmm_hypervisor_get_state            (VmmHypervisor        *self);
VMM_AVAILABLE_IN_ALL
VmmCapabilities      vmm_hypervisor_get_capabilities     (VmmHypervisor        *self);
VMM_AVAILABLE_IN_ALL
VmmHypervisorConfig *vmm_hypervisor_get_config           (VmmHypervisor        *self);
VMM_AVAILABLE_IN_ALL
int                  vmm_hypervisor_get_exit_status      (VmmHypervisor        *self);
VMM_AVAILABLE_IN_ALL
gboolean             vmm_hypervisor_probe                (VmmHypervisor        *self,
                                                          VmmHypervisorConfig  *config,
                                                          GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_create_vm_async   (VmmHypervisor        *self,
                                            VmmHypervisorConfig  *config,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_create_vm_finish  (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_create_vm         (VmmHypervisor        *self,
                                            VmmHypervisorConfig  *config,
                                            GCancellable         *cancellable,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_start_vm_async    (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_start_vm_finish   (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_start_vm          (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_stop_vm_async     (VmmHypervisor        *self,
                                            VmmStopFlags          flags,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_stop_vm_finish    (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_stop_vm           (VmmHypervisor        *self,
                                            VmmStopFlags          flags,
                                            GCancellable         *cancellable,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_pause_vm_async    (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_pause_vm_finish   (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_pause_vm          (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_resume_vm_async   (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_resume_vm_finish  (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_resume_vm         (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_save_vm_async     (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_save_vm_finish    (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_save_vm           (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_add_device_async  (VmmHypervisor        *self,
                                            VmmDevice            *device,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_add_device_finish (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_add_device        (VmmHypervisor        *self,
                                            VmmDevice            *device,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_hotplug_add_device_async     (VmmHypervisor        *self,
                                                       VmmDevice            *device,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_hotplug_add_device_finish    (VmmHypervisor        *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_hotplug_add_device           (VmmHypervisor        *self,
                                                       VmmDevice            *device,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_hotplug_remove_device_async  (VmmHypervisor        *self,
                                                       VmmDevice            *device,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_hotplug_remove_device_finish (VmmHypervisor        *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_hotplug_remove_device        (VmmHypervisor        *self,
                                                       VmmDevice            *device,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_resize_memory_async  (VmmHypervisor        *self,
                                               guint                 memory_mib,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_resize_memory_finish (VmmHypervisor        *self,
                                               GAsyncResult         *result,
                                               guint                *new_memory_mib,
                                               GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_resize_memory        (VmmHypervisor        *self,
                                               guint                 memory_mib,
                                               guint                *new_memory_mib,
                                               GCancellable         *cancellable,
                                               GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_resize_vcpus_async   (VmmHypervisor        *self,
                                               guint                 vcpus,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_resize_vcpus_finish  (VmmHypervisor        *self,
                                               GAsyncResult         *result,
                                               guint                *old_vcpus,
                                               guint                *new_vcpus,
                                               GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_resize_vcpus         (VmmHypervisor        *self,
                                               guint                 vcpus,
                                               guint                *old_vcpus,
                                               guint                *new_vcpus,
                                               GCancellable         *cancellable,
                                               GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_check_async       (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_check_finish      (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_check             (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
void      vmm_hypervisor_cleanup_async     (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_cleanup_finish    (VmmHypervisor        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
VMM_AVAILABLE_IN_ALL
gboolean  vmm_hypervisor_cleanup           (VmmHypervisor        *self,
                                            GCancellable         *cancellable,
                                            GError              **error);

VMM_AVAILABLE_IN_ALL
guint           vmm_hypervisor_get_total_memory_mib    (VmmHypervisor  *self);
VMM_AVAILABLE_IN_ALL
char           *vmm_hypervisor_get_vm_console          (VmmHypervisor  *self,
                                                        GError        **error);
VMM_AVAILABLE_IN_ALL
void            vmm_hypervisor_disconnect              (VmmHypervisor  *self);
VMM_AVAILABLE_IN_ALL
GArray         *vmm_hypervisor_get_thread_ids          (VmmHypervisor  *self,
                                                        GError        **error);
VMM_AVAILABLE_IN_ALL
GArray         *vmm_hypervisor_get_pids                (VmmHypervisor  *self);
VMM_AVAILABLE_IN_ALL
gboolean        vmm_hypervisor_get_virtio_fs_pid       (VmmHypervisor  *self,
                                                        GPid           *pid);
VMM_AVAILABLE_IN_ALL
char           *vmm_hypervisor_save_state              (VmmHypervisor  *self,
                                                        GError        **error);
VMM_AVAILABLE_IN_ALL
gboolean        vmm_hypervisor_load_state              (VmmHypervisor  *self,
                                                        const char     *state,
                                                        GError        **error);
VMM_AVAILABLE_IN_ALL
void            vmm_hypervisor_generate_socket_async   (VmmHypervisor        *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
VMM_AVAILABLE_IN_ALL
VmmVsockDevice *vmm_hypervisor_generate_socket_finish  (VmmHypervisor  *self,
                                                        GAsyncResult   *result,
                                                        GError        **error);
VMM_AVAILABLE_IN_ALL
VmmVsockDevice *vmm_hypervisor_generate_socket         (VmmHypervisor  *self,
                                                        GError        **error);
VMM_AVAILABLE_IN_ALL
gboolean        vmm_hypervisor_is_rate_limiter_builtin (VmmHypervisor  *self);

G_END_DECLS
