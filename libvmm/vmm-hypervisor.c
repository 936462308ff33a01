/* vmm-hypervisor.c: the interface that drives one VM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "vmm-hypervisor.h"
#include "vmm-enum-types.h"
#include "vmm-error.h"

/**
 * VmmHypervisor:
 *
 * One instance of a hypervisor backend; it drives one VM.
 *
 * Get one from a [class@Vmm.PluginManager]. The life cycle is
 * create_vm, start_vm, (hotplug, check, ...), stop_vm, cleanup, and every
 * change of [property@Vmm.Hypervisor:state] is announced exactly once by
 * [signal@Vmm.Hypervisor::state-changed], including a crash of the
 * hypervisor process.
 *
 * Every operation that waits on a process or the disk comes as an
 * `_async`/`_finish` pair and a synchronous form. Before a backend is
 * called, libvmm checks that the backend has the capability the operation
 * needs ([method@Vmm.Hypervisor.get_capabilities]; otherwise
 * %VMM_ERROR_NOT_SUPPORTED) and that the current state allows it (otherwise
 * %VMM_ERROR_INVALID_STATE, naming both the current and the allowed
 * states). Nothing "succeeds" without doing its work.
 */

G_DEFINE_INTERFACE (VmmHypervisor, vmm_hypervisor, G_TYPE_OBJECT)

#define STATE_BIT(s) (1u << (s))

static void
report_not_supported (VmmHypervisor       *self,
                      const char          *operation,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data,
                      gpointer             source_tag)
{
  g_task_report_new_error (self, callback, user_data, source_tag,
                           VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
                           "%s: %s is not supported by this hypervisor",
                           G_OBJECT_TYPE_NAME (self), operation);
}

static void
default_create_vm_async (VmmHypervisor       *self,
                         VmmHypervisorConfig *config,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  report_not_supported (self, "create_vm", callback, user_data, default_create_vm_async);
}

static gboolean
default_create_vm_finish (VmmHypervisor  *self,
                          GAsyncResult   *result,
                          GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_start_vm_async (VmmHypervisor       *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  report_not_supported (self, "start_vm", callback, user_data, default_start_vm_async);
}

static gboolean
default_start_vm_finish (VmmHypervisor  *self,
                         GAsyncResult   *result,
                         GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_stop_vm_async (VmmHypervisor       *self,
                       VmmStopFlags         flags,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  report_not_supported (self, "stop_vm", callback, user_data, default_stop_vm_async);
}

static gboolean
default_stop_vm_finish (VmmHypervisor  *self,
                        GAsyncResult   *result,
                        GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_pause_vm_async (VmmHypervisor       *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  report_not_supported (self, "pause_vm", callback, user_data, default_pause_vm_async);
}

static gboolean
default_pause_vm_finish (VmmHypervisor  *self,
                         GAsyncResult   *result,
                         GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_resume_vm_async (VmmHypervisor       *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  report_not_supported (self, "resume_vm", callback, user_data, default_resume_vm_async);
}

static gboolean
default_resume_vm_finish (VmmHypervisor  *self,
                          GAsyncResult   *result,
                          GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_save_vm_async (VmmHypervisor       *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  report_not_supported (self, "save_vm", callback, user_data, default_save_vm_async);
}

static gboolean
default_save_vm_finish (VmmHypervisor  *self,
                        GAsyncResult   *result,
                        GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_hotplug_add_device_async (VmmHypervisor       *self,
                                  VmmDevice           *device,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  report_not_supported (self, "hotplug_add_device", callback, user_data, default_hotplug_add_device_async);
}

static gboolean
default_hotplug_add_device_finish (VmmHypervisor  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_hotplug_remove_device_async (VmmHypervisor       *self,
                                     VmmDevice           *device,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  report_not_supported (self, "hotplug_remove_device", callback, user_data, default_hotplug_remove_device_async);
}

static gboolean
default_hotplug_remove_device_finish (VmmHypervisor  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_resize_memory_async (VmmHypervisor       *self,
                             guint                memory_mib,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  report_not_supported (self, "resize_memory", callback, user_data, default_resize_memory_async);
}

static gboolean
default_resize_memory_finish (VmmHypervisor  *self,
                              GAsyncResult   *result,
                              guint          *new_memory_mib,
                              GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_resize_vcpus_async (VmmHypervisor       *self,
                            guint                vcpus,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  report_not_supported (self, "resize_vcpus", callback, user_data, default_resize_vcpus_async);
}

static gboolean
default_resize_vcpus_finish (VmmHypervisor  *self,
                             GAsyncResult   *result,
                             guint          *old_vcpus,
                             guint          *new_vcpus,
                             GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_check_async (VmmHypervisor       *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  report_not_supported (self, "check", callback, user_data, default_check_async);
}

static gboolean
default_check_finish (VmmHypervisor  *self,
                      GAsyncResult   *result,
                      GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_cleanup_async (VmmHypervisor       *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  report_not_supported (self, "cleanup", callback, user_data, default_cleanup_async);
}

static gboolean
default_cleanup_finish (VmmHypervisor  *self,
                        GAsyncResult   *result,
                        GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static VmmVmState
default_get_state (VmmHypervisor *self)
{
  return VMM_VM_STATE_NOT_CREATED;
}

static VmmCapabilities
default_get_capabilities (VmmHypervisor *self)
{
  return VMM_CAPABILITIES_NONE;
}

static VmmHypervisorConfig *
default_get_config (VmmHypervisor *self)
{
  return NULL;
}

static int
default_get_exit_status (VmmHypervisor *self)
{
  return -1;
}

static gboolean
default_probe (VmmHypervisor        *self,
               VmmHypervisorConfig  *config,
               GError              **error)
{
  g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
               "%s cannot tell whether this host can run it",
               G_OBJECT_TYPE_NAME (self));
  return FALSE;
}

static gboolean
default_add_device (VmmHypervisor  *self,
                    VmmDevice      *device,
                    GError        **error)
{
  g_autofree char *what = vmm_device_describe (device);

  g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
               "%s: cannot add %s", G_OBJECT_TYPE_NAME (self), what);
  return FALSE;
}

static guint
default_get_total_memory_mib (VmmHypervisor *self)
{
  VmmHypervisorConfig *config = vmm_hypervisor_get_config (self);

  return config != NULL ? vmm_hypervisor_config_get_memory_mib (config) : 0;
}

/**
 * VmmHypervisorInterface::get_vm_console:
 * @self: a #VmmHypervisor
 * @error: return location for a #GError
 *
 * Gets the path of the unix socket on which the VM's console can be read.
 * The default fails with %VMM_ERROR_NOT_SUPPORTED.
 *
 * Returns: (transfer full) (type filename): the socket path, or %NULL with
 *   @error set
 */
static char *
default_get_vm_console (VmmHypervisor  *self,
                        GError        **error)
{
  g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
               "%s has no console", G_OBJECT_TYPE_NAME (self));
  return NULL;
}

static void
default_disconnect (VmmHypervisor *self)
{
}

static GArray *
default_get_thread_ids (VmmHypervisor  *self,
                        GError        **error)
{
  g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
               "%s cannot list vCPU threads", G_OBJECT_TYPE_NAME (self));
  return NULL;
}

static GArray *
default_get_pids (VmmHypervisor *self)
{
  return g_array_new (FALSE, FALSE, sizeof (GPid));
}

static gboolean
default_get_virtio_fs_pid (VmmHypervisor *self,
                           GPid          *pid)
{
  return FALSE;
}

static char *
default_save_state (VmmHypervisor  *self,
                    GError        **error)
{
  g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
               "%s cannot save its state", G_OBJECT_TYPE_NAME (self));
  return NULL;
}

static gboolean
default_load_state (VmmHypervisor  *self,
                    const char     *state,
                    GError        **error)
{
  g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
               "%s cannot load a saved state", G_OBJECT_TYPE_NAME (self));
  return FALSE;
}

static VmmVsockDevice *
default_generate_socket (VmmHypervisor  *self,
                         GError        **error)
{
  g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
               "%s has no vsock support", G_OBJECT_TYPE_NAME (self));
  return NULL;
}

static gboolean
default_is_rate_limiter_builtin (VmmHypervisor *self)
{
  return FALSE;
}

/* The asynchronous forms of add_device and generate_socket default to the
 * synchronous methods, so a backend whose methods do not wait implements
 * only those. */
static void
default_add_device_async (VmmHypervisor       *self,
                          VmmDevice           *device,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, default_add_device_async);
  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !VMM_HYPERVISOR_GET_IFACE (self)->add_device (self, device, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
default_add_device_finish (VmmHypervisor  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
default_generate_socket_async (VmmHypervisor       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  VmmVsockDevice *device = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, default_generate_socket_async);
  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      (device = VMM_HYPERVISOR_GET_IFACE (self)->generate_socket (self, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, device, g_object_unref);
}

static VmmVsockDevice *
default_generate_socket_finish (VmmHypervisor  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
vmm_hypervisor_default_init (VmmHypervisorInterface *iface)
{
  iface->get_state = default_get_state;
  iface->get_capabilities = default_get_capabilities;
  iface->get_config = default_get_config;
  iface->get_exit_status = default_get_exit_status;
  iface->probe = default_probe;
  iface->add_device = default_add_device;
  iface->get_total_memory_mib = default_get_total_memory_mib;
  iface->get_vm_console = default_get_vm_console;
  iface->disconnect = default_disconnect;
  iface->get_thread_ids = default_get_thread_ids;
  iface->get_pids = default_get_pids;
  iface->get_virtio_fs_pid = default_get_virtio_fs_pid;
  iface->save_state = default_save_state;
  iface->load_state = default_load_state;
  iface->generate_socket = default_generate_socket;
  iface->is_rate_limiter_builtin = default_is_rate_limiter_builtin;
  iface->create_vm_async = default_create_vm_async;
  iface->create_vm_finish = default_create_vm_finish;
  iface->start_vm_async = default_start_vm_async;
  iface->start_vm_finish = default_start_vm_finish;
  iface->stop_vm_async = default_stop_vm_async;
  iface->stop_vm_finish = default_stop_vm_finish;
  iface->pause_vm_async = default_pause_vm_async;
  iface->pause_vm_finish = default_pause_vm_finish;
  iface->resume_vm_async = default_resume_vm_async;
  iface->resume_vm_finish = default_resume_vm_finish;
  iface->save_vm_async = default_save_vm_async;
  iface->save_vm_finish = default_save_vm_finish;
  iface->hotplug_add_device_async = default_hotplug_add_device_async;
  iface->hotplug_add_device_finish = default_hotplug_add_device_finish;
  iface->hotplug_remove_device_async = default_hotplug_remove_device_async;
  iface->hotplug_remove_device_finish = default_hotplug_remove_device_finish;
  iface->resize_memory_async = default_resize_memory_async;
  iface->resize_memory_finish = default_resize_memory_finish;
  iface->resize_vcpus_async = default_resize_vcpus_async;
  iface->resize_vcpus_finish = default_resize_vcpus_finish;
  iface->check_async = default_check_async;
  iface->check_finish = default_check_finish;
  iface->cleanup_async = default_cleanup_async;
  iface->cleanup_finish = default_cleanup_finish;
  iface->add_device_async = default_add_device_async;
  iface->add_device_finish = default_add_device_finish;
  iface->generate_socket_async = default_generate_socket_async;
  iface->generate_socket_finish = default_generate_socket_finish;

  /**
   * VmmHypervisor:state:
   *
   * The life-cycle state of the VM. Changes are announced by
   * [signal@Vmm.Hypervisor::state-changed] and `notify::state`, in the main
   * context that created the object.
   */
  g_object_interface_install_property (iface,
    g_param_spec_enum ("state", NULL, NULL,
                       VMM_TYPE_VM_STATE,
                       VMM_VM_STATE_NOT_CREATED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * VmmHypervisor::state-changed:
   * @self: the #VmmHypervisor
   * @old_state: the state before the transition
   * @new_state: the state after the transition
   *
   * Emitted exactly once for every transition of
   * [property@Vmm.Hypervisor:state], in the main context that created
   * @self, including an unexpected exit of the hypervisor process
   * (%VMM_VM_STATE_CRASHED).
   */
  g_signal_new ("state-changed",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 2,
                VMM_TYPE_VM_STATE,
                VMM_TYPE_VM_STATE);
}

static char *
describe_states (guint mask)
{
  GString *str = g_string_new (NULL);

  for (guint s = VMM_VM_STATE_NOT_CREATED; s <= VMM_VM_STATE_CRASHED; s++)
    {
      if ((mask & STATE_BIT (s)) == 0)
        continue;
      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append (str, vmm_vm_state_to_string (s));
    }

  return g_string_free (str, FALSE);
}

static const char *
capability_name (VmmCapabilities capability)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (VMM_TYPE_CAPABILITIES);
  GFlagsValue *value = g_flags_get_first_value (klass, capability);

  return value != NULL ? value->value_nick : "unknown";
}

/* The single place that decides whether an operation may run. */
static gboolean
check_call (VmmHypervisor    *self,
            const char       *operation,
            VmmCapabilities   needed,
            guint             allowed_states,
            GError          **error)
{
  VmmVmState state;

  if (needed != VMM_CAPABILITIES_NONE &&
      (vmm_hypervisor_get_capabilities (self) & needed) != needed)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
                   "%s is not supported by %s (it lacks the '%s' capability)",
                   operation, G_OBJECT_TYPE_NAME (self), capability_name (needed));
      return FALSE;
    }

  state = vmm_hypervisor_get_state (self);
  if ((allowed_states & STATE_BIT (state)) == 0)
    {
      g_autofree char *allowed = describe_states (allowed_states);

      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE,
                   "Cannot %s: the VM is %s (allowed: %s)",
                   operation, vmm_vm_state_to_string (state), allowed);
      return FALSE;
    }

  return TRUE;
}

/* check_call() for an _async wrapper: a refusal goes to @callback in a task
 * tagged with the wrapper, which the wrapper's _finish recognises. */
static gboolean
check_call_async (VmmHypervisor       *self,
                  const char          *operation,
                  VmmCapabilities      needed,
                  guint                allowed_states,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data,
                  gpointer             source_tag)
{
  GError *error = NULL;

  if (check_call (self, operation, needed, allowed_states, &error))
    return TRUE;

  g_task_report_error (self, callback, user_data, source_tag, error);
  return FALSE;
}

static VmmCapabilities
hotplug_capability (VmmDevice *device,
                    gboolean   add)
{
  switch (vmm_device_get_device_type (device))
    {
    case VMM_DEVICE_TYPE_BLOCK:
      return add ? VMM_CAPABILITIES_BLOCK_HOTPLUG : VMM_CAPABILITIES_BLOCK_HOTUNPLUG;
    case VMM_DEVICE_TYPE_NET:
      return VMM_CAPABILITIES_NET_HOTPLUG;
    case VMM_DEVICE_TYPE_VSOCK:
      return VMM_CAPABILITIES_VSOCK_HOTPLUG;
    case VMM_DEVICE_TYPE_PCI:
      return VMM_CAPABILITIES_PCI_HOTPLUG;
    case VMM_DEVICE_TYPE_CONSOLE:
      return VMM_CAPABILITIES_CONSOLE_HOTPLUG;
    default:
      g_return_val_if_reached (VMM_CAPABILITIES_NONE);
    }
}

static VmmCapabilities
add_device_capability (VmmDevice *device)
{
  switch (vmm_device_get_device_type (device))
    {
    case VMM_DEVICE_TYPE_BLOCK:
      return VMM_CAPABILITIES_BLOCK_DEVICE;
    case VMM_DEVICE_TYPE_VSOCK:
      return VMM_CAPABILITIES_VSOCK;
    case VMM_DEVICE_TYPE_PCI:
      return VMM_CAPABILITIES_PCI_PASSTHROUGH;
    case VMM_DEVICE_TYPE_NET:
    case VMM_DEVICE_TYPE_CONSOLE:
    default:
      return VMM_CAPABILITIES_NONE;
    }
}

static gboolean
stop_is_noop (VmmHypervisor *self)
{
  VmmVmState state = vmm_hypervisor_get_state (self);

  return state == VMM_VM_STATE_CREATED ||
         state == VMM_VM_STATE_STOPPED ||
         state == VMM_VM_STATE_CRASHED;
}

/* Synchronous forms: run the asynchronous operation in a private context. */
static GMainContext *
sync_begin (void)
{
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  return context;
}

static void
sync_result_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
sync_wait (GMainContext  *context,
           GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
}

static void
sync_end (GMainContext *context)
{
  g_main_context_pop_thread_default (context);
}

/**
 * vmm_hypervisor_get_state:
 * @self: a #VmmHypervisor
 *
 * Gets the life-cycle state of the VM.
 *
 * Returns: the current #VmmVmState
 */
VmmVmState
vmm_hypervisor_get_state (VmmHypervisor *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), VMM_VM_STATE_NOT_CREATED);

  return VMM_HYPERVISOR_GET_IFACE (self)->get_state (self);
}

/**
 * vmm_hypervisor_get_capabilities:
 * @self: a #VmmHypervisor
 *
 * Gets what the backend can do. An operation whose capability is missing
 * fails with %VMM_ERROR_NOT_SUPPORTED.
 *
 * Returns: the #VmmCapabilities of the backend
 */
VmmCapabilities
vmm_hypervisor_get_capabilities (VmmHypervisor *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), VMM_CAPABILITIES_NONE);

  return VMM_HYPERVISOR_GET_IFACE (self)->get_capabilities (self);
}

/**
 * vmm_hypervisor_get_config:
 * @self: a #VmmHypervisor
 *
 * Gets the configuration the VM was created with.
 *
 * Returns: (transfer none) (nullable): the configuration, or %NULL before
 *   create_vm
 */
VmmHypervisorConfig *
vmm_hypervisor_get_config (VmmHypervisor *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), NULL);

  return VMM_HYPERVISOR_GET_IFACE (self)->get_config (self);
}

/**
 * vmm_hypervisor_get_exit_status:
 * @self: a #VmmHypervisor
 *
 * Gets how the hypervisor process ended the last time it exited, as a wait
 * status (use `WIFEXITED()` and friends, or g_spawn_check_wait_status()).
 *
 * Returns: the wait status, or -1 if the process has not exited
 */
int
vmm_hypervisor_get_exit_status (VmmHypervisor *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), -1);

  return VMM_HYPERVISOR_GET_IFACE (self)->get_exit_status (self);
}

/**
 * vmm_hypervisor_probe:
 * @self: a #VmmHypervisor
 * @config: (nullable): a configuration to check against the host as well
 * @error: return location for a #GError
 *
 * Checks whether this host can run the backend and, with @config, whether
 * it can run that VM (the devices it passes through exist, ...). The error
 * says what is missing.
 *
 * Returns: %TRUE if the host can run it
 */
gboolean
vmm_hypervisor_probe (VmmHypervisor        *self,
                      VmmHypervisorConfig  *config,
                      GError              **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (config == NULL || VMM_IS_HYPERVISOR_CONFIG (config), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return VMM_HYPERVISOR_GET_IFACE (self)->probe (self, config, error);
}

/**
 * vmm_hypervisor_create_vm_async:
 * @self: a #VmmHypervisor
 * @config: the configuration of the VM; the backend keeps its own copy
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Creates the VM described by @config.
 *
 * Checks the configuration, reserves what the VM needs on the host (CPUs, slots, ...) and moves to %VMM_VM_STATE_CREATED. Nothing runs yet. On failure nothing is left behind and the state stays %VMM_VM_STATE_NOT_CREATED.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_create_vm_finish() from @callback.
 */
void
vmm_hypervisor_create_vm_async (VmmHypervisor       *self,
                                VmmHypervisorConfig *config,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (VMM_IS_HYPERVISOR_CONFIG (config));

  if (!check_call_async (self, "create_vm", VMM_CAPABILITIES_NONE,
                         STATE_BIT (VMM_VM_STATE_NOT_CREATED),
                         callback, user_data, vmm_hypervisor_create_vm_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->create_vm_async (self, config, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_create_vm_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_create_vm_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_create_vm_finish (VmmHypervisor  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_create_vm_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->create_vm_finish (self, result, error);
}

/**
 * vmm_hypervisor_create_vm:
 * @self: a #VmmHypervisor
 * @config: the configuration of the VM; the backend keeps its own copy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_create_vm_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_create_vm (VmmHypervisor        *self,
                          VmmHypervisorConfig  *config,
                          GCancellable         *cancellable,
                          GError              **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (config), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_create_vm_async (self, config, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_create_vm_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_start_vm_async:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Starts the VM.
 *
 * Moves to %VMM_VM_STATE_STARTING and completes once the VM runs (%VMM_VM_STATE_RUNNING), within the config's `start-timeout-ms`. If the hypervisor fails or exits first, the error says how, with its last output; on failure, timeout or cancellation nothing keeps running and the VM returns to its previous state.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_start_vm_finish() from @callback.
 */
void
vmm_hypervisor_start_vm_async (VmmHypervisor       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "start_vm", VMM_CAPABILITIES_NONE,
                         STATE_BIT (VMM_VM_STATE_CREATED) |
                         STATE_BIT (VMM_VM_STATE_STOPPED) |
                         STATE_BIT (VMM_VM_STATE_CRASHED),
                         callback, user_data, vmm_hypervisor_start_vm_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->start_vm_async (self, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_start_vm_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_start_vm_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_start_vm_finish (VmmHypervisor  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_start_vm_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->start_vm_finish (self, result, error);
}

/**
 * vmm_hypervisor_start_vm:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_start_vm_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_start_vm (VmmHypervisor  *self,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_start_vm_async (self, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_start_vm_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_stop_vm_async:
 * @self: a #VmmHypervisor
 * @flags: how to stop
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Stops the VM.
 *
 * Moves to %VMM_VM_STATE_STOPPING, asks the VM to stop (unless @flags has %VMM_STOP_FLAGS_WAIT_ONLY), waits up to the config's `stop-timeout-ms` and then forces it, ending in %VMM_VM_STATE_STOPPED. Stopping a VM that is created, stopped or crashed succeeds at once and does nothing.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_stop_vm_finish() from @callback.
 */
void
vmm_hypervisor_stop_vm_async (VmmHypervisor       *self,
                              VmmStopFlags         flags,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* Stopping what does not run is a no-op (below), not an error. */
  if (!check_call_async (self, "stop_vm", VMM_CAPABILITIES_NONE,
                         STATE_BIT (VMM_VM_STATE_CREATED) | STATE_BIT (VMM_VM_STATE_STARTING) |
                         STATE_BIT (VMM_VM_STATE_RUNNING) | STATE_BIT (VMM_VM_STATE_PAUSED) |
                         STATE_BIT (VMM_VM_STATE_STOPPING) | STATE_BIT (VMM_VM_STATE_STOPPED) |
                         STATE_BIT (VMM_VM_STATE_CRASHED),
                         callback, user_data, vmm_hypervisor_stop_vm_async))
    return;

  if (stop_is_noop (self))
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, vmm_hypervisor_stop_vm_async);
      g_task_return_boolean (task, TRUE);
      return;
    }

  VMM_HYPERVISOR_GET_IFACE (self)->stop_vm_async (self, flags, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_stop_vm_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_stop_vm_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_stop_vm_finish (VmmHypervisor  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_stop_vm_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->stop_vm_finish (self, result, error);
}

/**
 * vmm_hypervisor_stop_vm:
 * @self: a #VmmHypervisor
 * @flags: how to stop
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_stop_vm_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_stop_vm (VmmHypervisor  *self,
                        VmmStopFlags    flags,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_stop_vm_async (self, flags, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_stop_vm_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_pause_vm_async:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Pauses the running VM.
 *
 * Requires %VMM_CAPABILITIES_PAUSE.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_pause_vm_finish() from @callback.
 */
void
vmm_hypervisor_pause_vm_async (VmmHypervisor       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "pause_vm", VMM_CAPABILITIES_PAUSE,
                         STATE_BIT (VMM_VM_STATE_RUNNING),
                         callback, user_data, vmm_hypervisor_pause_vm_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->pause_vm_async (self, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_pause_vm_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_pause_vm_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_pause_vm_finish (VmmHypervisor  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_pause_vm_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->pause_vm_finish (self, result, error);
}

/**
 * vmm_hypervisor_pause_vm:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_pause_vm_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_pause_vm (VmmHypervisor  *self,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_pause_vm_async (self, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_pause_vm_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_resume_vm_async:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Resumes the paused VM.
 *
 * Requires %VMM_CAPABILITIES_PAUSE.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_resume_vm_finish() from @callback.
 */
void
vmm_hypervisor_resume_vm_async (VmmHypervisor       *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "resume_vm", VMM_CAPABILITIES_PAUSE,
                         STATE_BIT (VMM_VM_STATE_PAUSED),
                         callback, user_data, vmm_hypervisor_resume_vm_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->resume_vm_async (self, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_resume_vm_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_resume_vm_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_resume_vm_finish (VmmHypervisor  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_resume_vm_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->resume_vm_finish (self, result, error);
}

/**
 * vmm_hypervisor_resume_vm:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_resume_vm_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_resume_vm (VmmHypervisor  *self,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_resume_vm_async (self, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_resume_vm_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_save_vm_async:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Saves the paused VM (a snapshot kept in the store dir).
 *
 * Requires %VMM_CAPABILITIES_SAVE_VM.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_save_vm_finish() from @callback.
 */
void
vmm_hypervisor_save_vm_async (VmmHypervisor       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "save_vm", VMM_CAPABILITIES_SAVE_VM,
                         STATE_BIT (VMM_VM_STATE_PAUSED),
                         callback, user_data, vmm_hypervisor_save_vm_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->save_vm_async (self, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_save_vm_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_save_vm_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_save_vm_finish (VmmHypervisor  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_save_vm_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->save_vm_finish (self, result, error);
}

/**
 * vmm_hypervisor_save_vm:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_save_vm_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_save_vm (VmmHypervisor  *self,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_save_vm_async (self, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_save_vm_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_hotplug_add_device_async:
 * @self: a #VmmHypervisor
 * @device: the device to add
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Adds @device to the running VM.
 *
 * A block device needs %VMM_CAPABILITIES_BLOCK_HOTPLUG, a network device
 * %VMM_CAPABILITIES_NET_HOTPLUG, a vsock device
 * %VMM_CAPABILITIES_VSOCK_HOTPLUG, a PCI device
 * %VMM_CAPABILITIES_PCI_HOTPLUG and a console
 * %VMM_CAPABILITIES_CONSOLE_HOTPLUG.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_hotplug_add_device_finish() from @callback.
 */
void
vmm_hypervisor_hotplug_add_device_async (VmmHypervisor       *self,
                                         VmmDevice           *device,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (VMM_IS_DEVICE (device));

  if (!check_call_async (self, "hotplug_add_device", hotplug_capability (device, TRUE),
                         STATE_BIT (VMM_VM_STATE_RUNNING) | STATE_BIT (VMM_VM_STATE_PAUSED),
                         callback, user_data, vmm_hypervisor_hotplug_add_device_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->hotplug_add_device_async (self, device, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_hotplug_add_device_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_hotplug_add_device_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_hotplug_add_device_finish (VmmHypervisor  *self,
                                          GAsyncResult   *result,
                                          GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_hotplug_add_device_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->hotplug_add_device_finish (self, result, error);
}

/**
 * vmm_hypervisor_hotplug_add_device:
 * @self: a #VmmHypervisor
 * @device: the device to add
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_hotplug_add_device_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_hotplug_add_device (VmmHypervisor  *self,
                                   VmmDevice      *device,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (VMM_IS_DEVICE (device), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_hotplug_add_device_async (self, device, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_hotplug_add_device_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_hotplug_remove_device_async:
 * @self: a #VmmHypervisor
 * @device: a device added with vmm_hypervisor_hotplug_add_device()
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Removes @device from the running VM.
 *
 * A block device needs %VMM_CAPABILITIES_BLOCK_HOTUNPLUG; the other kinds
 * need the same capability as hot-plugging them.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_hotplug_remove_device_finish() from @callback.
 */
void
vmm_hypervisor_hotplug_remove_device_async (VmmHypervisor       *self,
                                            VmmDevice           *device,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (VMM_IS_DEVICE (device));

  if (!check_call_async (self, "hotplug_remove_device", hotplug_capability (device, FALSE),
                         STATE_BIT (VMM_VM_STATE_RUNNING) | STATE_BIT (VMM_VM_STATE_PAUSED),
                         callback, user_data, vmm_hypervisor_hotplug_remove_device_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->hotplug_remove_device_async (self, device, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_hotplug_remove_device_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_hotplug_remove_device_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_hotplug_remove_device_finish (VmmHypervisor  *self,
                                             GAsyncResult   *result,
                                             GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_hotplug_remove_device_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->hotplug_remove_device_finish (self, result, error);
}

/**
 * vmm_hypervisor_hotplug_remove_device:
 * @self: a #VmmHypervisor
 * @device: a device added with vmm_hypervisor_hotplug_add_device()
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_hotplug_remove_device_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_hotplug_remove_device (VmmHypervisor  *self,
                                      VmmDevice      *device,
                                      GCancellable   *cancellable,
                                      GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (VMM_IS_DEVICE (device), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_hotplug_remove_device_async (self, device, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_hotplug_remove_device_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_resize_memory_async:
 * @self: a #VmmHypervisor
 * @memory_mib: the requested memory size in MiB
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Resizes the memory of the running VM.
 *
 * Requires %VMM_CAPABILITIES_MEMORY_RESIZE.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_resize_memory_finish() from @callback.
 */
void
vmm_hypervisor_resize_memory_async (VmmHypervisor       *self,
                                    guint                memory_mib,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "resize_memory", VMM_CAPABILITIES_MEMORY_RESIZE,
                         STATE_BIT (VMM_VM_STATE_RUNNING),
                         callback, user_data, vmm_hypervisor_resize_memory_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->resize_memory_async (self, memory_mib, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_resize_memory_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @new_memory_mib: (out) (optional): the memory size after the call, in MiB
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_resize_memory_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_resize_memory_finish (VmmHypervisor  *self,
                                     GAsyncResult   *result,
                                     guint          *new_memory_mib,
                                     GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_resize_memory_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->resize_memory_finish (self, result, new_memory_mib, error);
}

/**
 * vmm_hypervisor_resize_memory:
 * @self: a #VmmHypervisor
 * @memory_mib: the requested memory size in MiB
 * @new_memory_mib: (out) (optional): the memory size after the call, in MiB
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_resize_memory_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_resize_memory (VmmHypervisor  *self,
                              guint           memory_mib,
                              guint          *new_memory_mib,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_resize_memory_async (self, memory_mib, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_resize_memory_finish (self, result, new_memory_mib, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_resize_vcpus_async:
 * @self: a #VmmHypervisor
 * @vcpus: the requested number of vCPUs
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Changes the number of vCPUs of the running VM.
 *
 * Requires %VMM_CAPABILITIES_VCPU_RESIZE.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_resize_vcpus_finish() from @callback.
 */
void
vmm_hypervisor_resize_vcpus_async (VmmHypervisor       *self,
                                   guint                vcpus,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "resize_vcpus", VMM_CAPABILITIES_VCPU_RESIZE,
                         STATE_BIT (VMM_VM_STATE_RUNNING),
                         callback, user_data, vmm_hypervisor_resize_vcpus_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->resize_vcpus_async (self, vcpus, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_resize_vcpus_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @old_vcpus: (out) (optional): the number of vCPUs before the call
 * @new_vcpus: (out) (optional): the number of vCPUs after the call
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_resize_vcpus_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_resize_vcpus_finish (VmmHypervisor  *self,
                                    GAsyncResult   *result,
                                    guint          *old_vcpus,
                                    guint          *new_vcpus,
                                    GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_resize_vcpus_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->resize_vcpus_finish (self, result, old_vcpus, new_vcpus, error);
}

/**
 * vmm_hypervisor_resize_vcpus:
 * @self: a #VmmHypervisor
 * @vcpus: the requested number of vCPUs
 * @old_vcpus: (out) (optional): the number of vCPUs before the call
 * @new_vcpus: (out) (optional): the number of vCPUs after the call
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_resize_vcpus_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_resize_vcpus (VmmHypervisor  *self,
                             guint           vcpus,
                             guint          *old_vcpus,
                             guint          *new_vcpus,
                             GCancellable   *cancellable,
                             GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_resize_vcpus_async (self, vcpus, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_resize_vcpus_finish (self, result, old_vcpus, new_vcpus, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_check_async:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Checks that the VM is alive and its hypervisor answers.
 *
 * Fails if the hypervisor process is gone or does not answer.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_check_finish() from @callback.
 */
void
vmm_hypervisor_check_async (VmmHypervisor       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "check", VMM_CAPABILITIES_NONE,
                         STATE_BIT (VMM_VM_STATE_RUNNING) |
                         STATE_BIT (VMM_VM_STATE_PAUSED),
                         callback, user_data, vmm_hypervisor_check_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->check_async (self, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_check_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_check_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_check_finish (VmmHypervisor  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_check_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->check_finish (self, result, error);
}

/**
 * vmm_hypervisor_check:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_check_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_check (VmmHypervisor  *self,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_check_async (self, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_check_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_cleanup_async:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Releases everything create_vm reserved.
 *
 * Frees host resources (CPUs, vsock CIDs, files in the store dir) and moves to %VMM_VM_STATE_NOT_CREATED.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_cleanup_finish() from @callback.
 */
void
vmm_hypervisor_cleanup_async (VmmHypervisor       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "cleanup", VMM_CAPABILITIES_NONE,
                         STATE_BIT (VMM_VM_STATE_NOT_CREATED) |
                         STATE_BIT (VMM_VM_STATE_CREATED) |
                         STATE_BIT (VMM_VM_STATE_STOPPED) |
                         STATE_BIT (VMM_VM_STATE_CRASHED),
                         callback, user_data, vmm_hypervisor_cleanup_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->cleanup_async (self, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_cleanup_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_cleanup_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_cleanup_finish (VmmHypervisor  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_cleanup_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->cleanup_finish (self, result, error);
}

/**
 * vmm_hypervisor_cleanup:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_cleanup_async(): it runs the
 * operation in a private main context and returns when it completes.
 * Signals are still emitted in the context that created @self.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_cleanup (VmmHypervisor  *self,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_cleanup_async (self, cancellable, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_cleanup_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_add_device_async:
 * @self: a #VmmHypervisor
 * @device: the device to add
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Adds @device to the VM before it starts (cold plug); it is part of the VM
 * from the next start. An invalid device is an error naming it, never
 * skipped. The backend may record the device on disk or reserve host
 * resources for it.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_add_device_finish() from @callback.
 */
void
vmm_hypervisor_add_device_async (VmmHypervisor       *self,
                                 VmmDevice           *device,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (VMM_IS_DEVICE (device));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "add_device", add_device_capability (device),
                         STATE_BIT (VMM_VM_STATE_CREATED) | STATE_BIT (VMM_VM_STATE_STOPPED),
                         callback, user_data, vmm_hypervisor_add_device_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->add_device_async (self, device, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_add_device_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_add_device_async().
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_add_device_finish (VmmHypervisor  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, vmm_hypervisor_add_device_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->add_device_finish (self, result, error);
}

/**
 * vmm_hypervisor_add_device:
 * @self: a #VmmHypervisor
 * @device: the device to add
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_add_device_async(): it runs the
 * operation in a private main context and returns when it completes.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_add_device (VmmHypervisor  *self,
                           VmmDevice      *device,
                           GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (VMM_IS_DEVICE (device), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = sync_begin ();
  vmm_hypervisor_add_device_async (self, device, NULL, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_add_device_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_get_total_memory_mib:
 * @self: a #VmmHypervisor
 *
 * Gets the memory of the VM.
 *
 * Returns: the memory size in MiB, or 0 before create_vm
 */
guint
vmm_hypervisor_get_total_memory_mib (VmmHypervisor *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), 0);

  return VMM_HYPERVISOR_GET_IFACE (self)->get_total_memory_mib (self);
}

/**
 * vmm_hypervisor_get_vm_console:
 * @self: a #VmmHypervisor
 * @error: return location for a #GError
 *
 * Gets the path of the unix socket on which the VM's console (hvc0) can
 * be read.
 *
 * Returns: (transfer full) (type filename): the socket path, or %NULL with
 *   @error set
 */
char *
vmm_hypervisor_get_vm_console (VmmHypervisor  *self,
                               GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (vmm_hypervisor_get_state (self) == VMM_VM_STATE_NOT_CREATED)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE,
                   "Cannot get_vm_console: the VM is %s (allowed: any state after create_vm)",
                   vmm_vm_state_to_string (VMM_VM_STATE_NOT_CREATED));
      return NULL;
    }

  return VMM_HYPERVISOR_GET_IFACE (self)->get_vm_console (self, error);
}

/**
 * vmm_hypervisor_disconnect:
 * @self: a #VmmHypervisor
 *
 * Closes the connections @self keeps to the hypervisor (control sockets,
 * ...) without stopping the VM. The VM can still be found again with
 * vmm_hypervisor_load_state().
 */
void
vmm_hypervisor_disconnect (VmmHypervisor *self)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));

  VMM_HYPERVISOR_GET_IFACE (self)->disconnect (self);
}

/**
 * vmm_hypervisor_get_thread_ids:
 * @self: a #VmmHypervisor
 * @error: return location for a #GError
 *
 * Gets the host thread id of every vCPU, indexed by vCPU number. Requires
 * %VMM_CAPABILITIES_THREAD_IDS.
 *
 * Returns: (transfer full) (element-type gint): the thread ids, or %NULL
 *   with @error set
 */
GArray *
vmm_hypervisor_get_thread_ids (VmmHypervisor  *self,
                               GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_call (self, "get_thread_ids", VMM_CAPABILITIES_THREAD_IDS,
                   STATE_BIT (VMM_VM_STATE_RUNNING) | STATE_BIT (VMM_VM_STATE_PAUSED),
                   error))
    return NULL;

  return VMM_HYPERVISOR_GET_IFACE (self)->get_thread_ids (self, error);
}

/**
 * vmm_hypervisor_get_pids:
 * @self: a #VmmHypervisor
 *
 * Gets the process ids of the processes that run the VM (for ACRN, the
 * acrn-dm process). Empty when nothing runs.
 *
 * Returns: (transfer full) (element-type GPid): the process ids
 */
GArray *
vmm_hypervisor_get_pids (VmmHypervisor *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), NULL);

  return VMM_HYPERVISOR_GET_IFACE (self)->get_pids (self);
}

/**
 * vmm_hypervisor_get_virtio_fs_pid:
 * @self: a #VmmHypervisor
 * @pid: (out) (optional): the process id of the virtio-fs daemon
 *
 * Gets the process id of the virtio-fs daemon serving the VM, if there is
 * one.
 *
 * Returns: %TRUE if there is such a process
 */
gboolean
vmm_hypervisor_get_virtio_fs_pid (VmmHypervisor *self,
                                  GPid          *pid)
{
  GPid dummy = 0;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);

  return VMM_HYPERVISOR_GET_IFACE (self)->get_virtio_fs_pid (self, pid ? pid : &dummy);
}

/**
 * vmm_hypervisor_save_state:
 * @self: a #VmmHypervisor
 * @error: return location for a #GError
 *
 * Serializes what another process needs to take this VM over (see
 * vmm_hypervisor_load_state()) as JSON. Requires
 * %VMM_CAPABILITIES_REATTACH.
 *
 * Returns: (transfer full): the state as a JSON document, or %NULL with
 *   @error set
 */
char *
vmm_hypervisor_save_state (VmmHypervisor  *self,
                           GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_call (self, "save_state", VMM_CAPABILITIES_REATTACH,
                   ~STATE_BIT (VMM_VM_STATE_NOT_CREATED), error))
    return NULL;

  return VMM_HYPERVISOR_GET_IFACE (self)->save_state (self, error);
}

/**
 * vmm_hypervisor_load_state:
 * @self: a #VmmHypervisor in state %VMM_VM_STATE_NOT_CREATED
 * @state: a JSON document from vmm_hypervisor_save_state()
 * @error: return location for a #GError
 *
 * Takes over the VM described by @state, typically saved by another
 * process: afterwards @self watches it, announces its state changes and can
 * operate on it. Refuses a state whose process is gone or was replaced
 * (%VMM_ERROR_STALE_STATE). Requires %VMM_CAPABILITIES_REATTACH.
 *
 * Returns: %TRUE on success
 */
gboolean
vmm_hypervisor_load_state (VmmHypervisor  *self,
                           const char     *state,
                           GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_call (self, "load_state", VMM_CAPABILITIES_REATTACH,
                   STATE_BIT (VMM_VM_STATE_NOT_CREATED), error))
    return FALSE;

  return VMM_HYPERVISOR_GET_IFACE (self)->load_state (self, state, error);
}

/**
 * vmm_hypervisor_generate_socket_async:
 * @self: a #VmmHypervisor
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the operation completes
 * @user_data: (closure): data for @callback
 *
 * Reserves a vsock address for the VM: a guest CID that no other VM on this
 * host holds, kept until the VM stops. Requires %VMM_CAPABILITIES_VSOCK.
 * The backend may take a host-wide lock and write the reservation to disk.
 *
 * Fails with %VMM_ERROR_NOT_SUPPORTED when the backend cannot do it and with
 * %VMM_ERROR_INVALID_STATE when the VM's state does not allow it. Call
 * vmm_hypervisor_generate_socket_finish() from @callback.
 */
void
vmm_hypervisor_generate_socket_async (VmmHypervisor       *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (VMM_IS_HYPERVISOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_call_async (self, "generate_socket", VMM_CAPABILITIES_VSOCK,
                         ~STATE_BIT (VMM_VM_STATE_NOT_CREATED),
                         callback, user_data, vmm_hypervisor_generate_socket_async))
    return;

  VMM_HYPERVISOR_GET_IFACE (self)->generate_socket_async (self, cancellable, callback, user_data);
}

/**
 * vmm_hypervisor_generate_socket_finish:
 * @self: a #VmmHypervisor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Completes vmm_hypervisor_generate_socket_async().
 *
 * Returns: (transfer full): a new #VmmVsockDevice, or %NULL with @error set
 */
VmmVsockDevice *
vmm_hypervisor_generate_socket_finish (VmmHypervisor  *self,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  if (g_async_result_is_tagged (result, vmm_hypervisor_generate_socket_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return VMM_HYPERVISOR_GET_IFACE (self)->generate_socket_finish (self, result, error);
}

/**
 * vmm_hypervisor_generate_socket:
 * @self: a #VmmHypervisor
 * @error: return location for a #GError
 *
 * The synchronous form of vmm_hypervisor_generate_socket_async(): it runs
 * the operation in a private main context and returns when it completes.
 *
 * Returns: (transfer full): a new #VmmVsockDevice, or %NULL with @error set
 */
VmmVsockDevice *
vmm_hypervisor_generate_socket (VmmHypervisor  *self,
                                GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  VmmVsockDevice *ret;

  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  context = sync_begin ();
  vmm_hypervisor_generate_socket_async (self, NULL, sync_result_cb, &result);
  sync_wait (context, &result);
  ret = vmm_hypervisor_generate_socket_finish (self, result, error);
  sync_end (context);

  return ret;
}

/**
 * vmm_hypervisor_is_rate_limiter_builtin:
 * @self: a #VmmHypervisor
 *
 * Tells whether the hypervisor limits I/O rates itself, so that callers do
 * not need to set up their own rate limiting.
 *
 * Returns: %TRUE if the hypervisor has a built-in rate limiter
 */
gboolean
vmm_hypervisor_is_rate_limiter_builtin (VmmHypervisor *self)
{
  g_return_val_if_fail (VMM_IS_HYPERVISOR (self), FALSE);

  return VMM_HYPERVISOR_GET_IFACE (self)->is_rate_limiter_builtin (self);
}
