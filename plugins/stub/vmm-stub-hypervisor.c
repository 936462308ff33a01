/* vmm-stub-hypervisor.c: the in-memory backend used by tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <unistd.h>

#include "vmm-stub-hypervisor.h"

/**
 * VmmStubHypervisor:
 *
 * A hypervisor backend that runs nothing. It keeps the VM's description in
 * memory and follows the same state machine and contract as a real
 * backend, deterministically, so that test suites can drive libvmm (and the
 * programs built on it) on machines without a hypervisor.
 *
 * What it does, operation by operation:
 *
 * - `create_vm` validates the configuration and keeps a copy of it
 *   (%VMM_VM_STATE_CREATED).
 * - `start_vm` moves to %VMM_VM_STATE_STARTING at once and to
 *   %VMM_VM_STATE_RUNNING after [property@VmmStubHypervisor:start-delay-ms]
 *   (a timeout source in the thread-default main context of the call).
 *   Cancelling it in between returns to the previous state with
 *   %G_IO_ERROR_CANCELLED; a `stop_vm` in between makes it fail with
 *   %VMM_ERROR_PROCESS_EXITED and the VM ends stopped.
 * - `stop_vm` moves to %VMM_VM_STATE_STOPPING at once and to
 *   %VMM_VM_STATE_STOPPED in the next main-loop iteration, with exit
 *   status 0 (a clean exit). %VMM_STOP_FLAGS_WAIT_ONLY makes no difference.
 *   Once started, a stop is not cancellable (neither is a real one: the
 *   request has been sent). A second stop_vm while stopping completes with
 *   the first.
 * - `pause_vm`, `resume_vm`, `save_vm` change the state (save only counts,
 *   see [property@VmmStubHypervisor:save-count]; no file is written).
 * - `add_device` appends the device to the kept configuration.
 * - `hotplug_add_device`: a block device takes the first free slot of a
 *   pool of `block-pool-size` slots (the config's value; every slot is
 *   usable); a full pool fails with %VMM_ERROR_NO_RESOURCES. Network, vsock
 *   and PCI devices are kept in a list. Plugging a device that is already
 *   plugged (same path, tap, CID or address) fails with
 *   %VMM_ERROR_INVALID_ARGUMENT; a console cannot be hot-plugged
 *   (%VMM_ERROR_NOT_SUPPORTED). Hot-plugged devices disappear when the VM
 *   stops or crashes, as they would with a real hypervisor process.
 * - `hotplug_remove_device` frees the device's slot; a device that is not
 *   hot-plugged fails with %VMM_ERROR_NOT_FOUND.
 * - `resize_memory` accepts any non-zero size; `resize_vcpus` accepts
 *   1..`max-vcpus`. Both are reset to the configuration on the next start.
 * - `get_pids` returns one fake pid (see %VMM_STUB_FAKE_PID_BASE) while a
 *   VM "process" exists (starting, running, paused or stopping), else
 *   nothing: there is no real process, and the fake pid is chosen so that
 *   it can never name one. `get_thread_ids` returns one fake id per vCPU,
 *   following the pid. `get_virtio_fs_pid` always returns %FALSE.
 * - `save_state`/`load_state` use a JSON document holding the state, the
 *   configuration, the pool slots, the hot-plugged devices, the fake pid and
 *   the reserved CIDs, so another instance (in this process or another) can
 *   take the VM over. In the saving process, a state whose fake pid no
 *   longer runs is refused with %VMM_ERROR_STALE_STATE.
 * - `generate_socket` gives the VM one vsock CID, like the ACRN backend: the
 *   CID of the configuration's vsock device if it has one, else the lowest
 *   free CID, unique within the process; asked again, it returns the same
 *   CID. The CID is kept until the VM stops (or crashes, or is cleaned up).
 *   The port is %VMM_STUB_VSOCK_PORT.
 * - `check` passes while the VM runs or is paused.
 * - `get_vm_console` returns `<store-dir>/<id>/console.sock`; the stub does
 *   not create that file.
 * - `probe` always passes; `disconnect` does nothing (the stub holds no
 *   connection); `is_rate_limiter_builtin` is %FALSE.
 *
 * Tests control it through properties and action signals, usable from C
 * (g_signal_emit_by_name()) and from Python (`stub.emit(...)`):
 * [signal@VmmStubHypervisor::fail-next] scripts a failure,
 * [signal@VmmStubHypervisor::simulate-crash] makes the running VM crash and
 * [property@VmmStubHypervisor:start-delay-ms] slows starts down.
 *
 * Its failures are all scripted or simulated, so it logs them at info
 * level (domain `Vmm-Stub`), not as warnings: a test that scripts a failure
 * does not trip GLib's fatal warnings.
 *
 * Operations on one instance are meant to be called from one thread at a
 * time (state-changed is still emitted in the creating context). The
 * action signals may be emitted from any thread: fail-next at any time,
 * simulate-crash while no operation of the instance is running in another
 * thread (it changes the same state they do, without a lock).
 */

struct _VmmStubHypervisor
{
  VmmHypervisorBase parent_instance;

  VmmCapabilities capabilities;
  guint           start_delay_ms;

  GMutex          failures_lock;
  GHashTable     *failures;          /* operation name -> GError*; guarded */

  VmmHypervisorConfig *config;       /* our copy, also given to the base */
  guint           memory_mib;
  guint           vcpus;
  int             fake_pid;          /* 0 when no VM process exists */
  guint           save_count;

  GPtrArray      *block_slots;       /* VmmDevice* or NULL, block-pool-size long */
  GPtrArray      *hotplugged;        /* other hot-plugged VmmDevice* */
  GArray         *cids;              /* reserved by generate_socket, guint32 */

  /* a start in progress */
  GTask          *start_task;
  GSource        *start_timer;
  GSource        *start_cancel;
  VmmVmState      start_prev_state;
  GError         *start_failure;     /* scripted failure to report at the end */

  /* a stop in progress */
  GPtrArray      *stop_tasks;        /* GTask*, completed together */
  GSource        *stop_source;
};

enum {
  PROP_0,
  PROP_CAPABILITIES,
  PROP_START_DELAY_MS,
  PROP_BLOCK_SLOTS,
  PROP_PLUGGED_DEVICES,
  PROP_SAVE_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_FAIL_NEXT,
  SIGNAL_SIMULATE_CRASH,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The operations a failure can be scripted for: the vfunc names, without
 * _async. */
static const char * const scriptable_operations[] = {
  "probe", "create_vm", "start_vm", "stop_vm", "pause_vm", "resume_vm",
  "save_vm", "add_device", "hotplug_add_device", "hotplug_remove_device",
  "resize_memory", "resize_vcpus", "check", "cleanup", "get_vm_console",
  "get_thread_ids", "save_state", "load_state", "generate_socket",
  NULL
};

static void vmm_stub_hypervisor_iface_init (VmmHypervisorInterface *iface);

/* The interface is added in vmm_stub_hypervisor_register_types(), not with
 * G_IMPLEMENT_INTERFACE_DYNAMIC: see there. */
G_DEFINE_DYNAMIC_TYPE_EXTENDED (VmmStubHypervisor, vmm_stub_hypervisor,
                                VMM_TYPE_HYPERVISOR_BASE, G_TYPE_FLAG_FINAL, {})

/* ---------------------------------------------------------------------- */
/* Process-wide registries: reserved vsock CIDs and live fake pids. Both map
 * a number to a reference count, so that two instances describing the same
 * VM (after load_state) can hold it together. */

static GMutex registry_lock;
static GHashTable *cid_registry;      /* guint32 -> count */
static GHashTable *pid_registry;      /* int -> count */
static guint32 next_cid = VMM_VSOCK_CID_MIN;
static guint next_pid_serial;

static void
registry_ref_locked (GHashTable **table,
                     guint        key)
{
  guint count;

  if (*table == NULL)
    *table = g_hash_table_new (NULL, NULL);

  count = GPOINTER_TO_UINT (g_hash_table_lookup (*table, GUINT_TO_POINTER (key)));
  g_hash_table_insert (*table, GUINT_TO_POINTER (key), GUINT_TO_POINTER (count + 1));
}

static void
registry_unref_locked (GHashTable *table,
                       guint       key)
{
  guint count;

  if (table == NULL)
    return;

  count = GPOINTER_TO_UINT (g_hash_table_lookup (table, GUINT_TO_POINTER (key)));
  if (count <= 1)
    g_hash_table_remove (table, GUINT_TO_POINTER (key));
  else
    g_hash_table_insert (table, GUINT_TO_POINTER (key), GUINT_TO_POINTER (count - 1));
}

static gboolean
registry_contains_locked (GHashTable *table,
                          guint       key)
{
  return table != NULL && g_hash_table_contains (table, GUINT_TO_POINTER (key));
}

/* ---------------------------------------------------------------------- */
/* Helpers */

/* Free slots of the pool are NULL. */
static void
unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static const char *
stub_vm_id (VmmStubHypervisor *self)
{
  const char *id = self->config ? vmm_hypervisor_config_get_id (self->config) : NULL;

  return id != NULL ? id : "";
}

#define stub_log(self, level, ...) \
  g_log_structured (G_LOG_DOMAIN, level, \
                    "VMM_VM_ID", stub_vm_id (self), \
                    "MESSAGE", __VA_ARGS__)

static VmmVmState
stub_state (VmmStubHypervisor *self)
{
  return vmm_hypervisor_get_state (VMM_HYPERVISOR (self));
}

static void
stub_set_state (VmmStubHypervisor *self,
                VmmVmState         state)
{
  vmm_hypervisor_base_set_state (VMM_HYPERVISOR_BASE (self), state);
}

/* Takes the failure scripted for @operation, if any. */
static gboolean
take_failure (VmmStubHypervisor  *self,
              const char         *operation,
              GError            **error)
{
  g_autofree char *key = NULL;
  GError *failure = NULL;

  g_mutex_lock (&self->failures_lock);
  if (g_hash_table_steal_extended (self->failures, operation,
                                   (gpointer *) &key, (gpointer *) &failure))
    {
      g_mutex_unlock (&self->failures_lock);
      stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: %s fails as scripted: %s",
                stub_vm_id (self), operation, failure->message);
      g_propagate_error (error, failure);
      return TRUE;
    }
  g_mutex_unlock (&self->failures_lock);

  return FALSE;
}

/* Everything that identifies a device of its kind within one VM. */
static char *
device_key (VmmDevice *device)
{
  switch (vmm_device_get_device_type (device))
    {
    case VMM_DEVICE_TYPE_BLOCK:
      return g_strdup (vmm_block_device_get_path (VMM_BLOCK_DEVICE (device)));
    case VMM_DEVICE_TYPE_NET:
      return g_strdup (vmm_net_device_get_tap (VMM_NET_DEVICE (device)));
    case VMM_DEVICE_TYPE_VSOCK:
      return g_strdup_printf ("%u", vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device)));
    case VMM_DEVICE_TYPE_CONSOLE:
      return g_strdup (vmm_console_device_get_name (VMM_CONSOLE_DEVICE (device)));
    case VMM_DEVICE_TYPE_PCI:
      return g_strdup (vmm_pci_device_get_address (VMM_PCI_DEVICE (device)));
    default:
      return NULL;
    }
}

static gboolean
device_matches (VmmDevice *a,
                VmmDevice *b)
{
  g_autofree char *key_a = NULL;
  g_autofree char *key_b = NULL;

  if (a == b)
    return TRUE;
  if (vmm_device_get_device_type (a) != vmm_device_get_device_type (b))
    return FALSE;

  key_a = device_key (a);
  key_b = device_key (b);

  return key_a != NULL && g_strcmp0 (key_a, key_b) == 0;
}

/* Returns the index of @device in @devices (skipping NULL holes), or -1. */
static int
find_device (GPtrArray *devices,
             VmmDevice *device)
{
  for (guint i = 0; i < devices->len; i++)
    {
      VmmDevice *d = g_ptr_array_index (devices, i);

      if (d != NULL && device_matches (d, device))
        return (int) i;
    }

  return -1;
}

/* The VM "process" went away: forget what only lived in it. */
static void
release_process (VmmStubHypervisor *self)
{
  if (self->fake_pid != 0)
    {
      g_mutex_lock (&registry_lock);
      registry_unref_locked (pid_registry, (guint) self->fake_pid);
      g_mutex_unlock (&registry_lock);
      self->fake_pid = 0;
    }

  for (guint i = 0; i < self->block_slots->len; i++)
    g_clear_object ((VmmDevice **) &g_ptr_array_index (self->block_slots, i));
  g_ptr_array_set_size (self->hotplugged, 0);
}

static void
spawn_process (VmmStubHypervisor *self)
{
  guint serial;

  g_mutex_lock (&registry_lock);
  do
    {
      serial = next_pid_serial++ % 0x3fff;
      self->fake_pid = VMM_STUB_FAKE_PID_BASE + (int) (serial << 16);
    }
  while (registry_contains_locked (pid_registry, (guint) self->fake_pid));
  registry_ref_locked (&pid_registry, (guint) self->fake_pid);
  g_mutex_unlock (&registry_lock);
}

static void
release_cids (VmmStubHypervisor *self)
{
  g_mutex_lock (&registry_lock);
  for (guint i = 0; i < self->cids->len; i++)
    registry_unref_locked (cid_registry, g_array_index (self->cids, guint32, i));
  g_mutex_unlock (&registry_lock);
  g_array_set_size (self->cids, 0);
}

static void
forget_vm (VmmStubHypervisor *self)
{
  release_process (self);
  release_cids (self);
  g_ptr_array_set_size (self->block_slots, 0);
  g_clear_object (&self->config);
  vmm_hypervisor_base_set_config (VMM_HYPERVISOR_BASE (self), NULL);
  self->memory_mib = 0;
  self->vcpus = 0;
  self->save_count = 0;
}

static void
notify_devices (VmmStubHypervisor *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLOCK_SLOTS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLUGGED_DEVICES]);
}

static GTask *
stub_task_new (VmmStubHypervisor   *self,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* ---------------------------------------------------------------------- */
/* Simple getters */

static VmmCapabilities
stub_get_capabilities (VmmHypervisor *hypervisor)
{
  return VMM_STUB_HYPERVISOR (hypervisor)->capabilities;
}

static gboolean
stub_probe (VmmHypervisor        *hypervisor,
            VmmHypervisorConfig  *config,
            GError              **error)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);

  if (take_failure (self, "probe", error))
    return FALSE;

  if (config != NULL && !vmm_hypervisor_config_validate (config, error))
    return FALSE;

  return TRUE;
}

static guint
stub_get_total_memory_mib (VmmHypervisor *hypervisor)
{
  return VMM_STUB_HYPERVISOR (hypervisor)->memory_mib;
}

static gboolean
stub_finish_boolean (VmmHypervisor  *hypervisor,
                     GAsyncResult   *result,
                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, hypervisor), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---------------------------------------------------------------------- */
/* create */

static void
stub_create_vm_async (VmmHypervisor       *hypervisor,
                      VmmHypervisorConfig *config,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_create_vm_async);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "create_vm", &error) ||
      !vmm_hypervisor_config_validate (config, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  self->config = vmm_hypervisor_config_copy (config);
  self->memory_mib = vmm_hypervisor_config_get_memory_mib (config);
  self->vcpus = vmm_hypervisor_config_get_vcpus (config);
  self->save_count = 0;
  g_ptr_array_set_size (self->block_slots,
                        vmm_hypervisor_config_get_block_pool_size (config));
  vmm_hypervisor_base_set_config (VMM_HYPERVISOR_BASE (self), self->config);
  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), -1);

  stub_log (self, G_LOG_LEVEL_INFO, "VM %s: created (%u MiB, %u vCPUs, %u pool slots)",
            stub_vm_id (self), self->memory_mib, self->vcpus, self->block_slots->len);

  stub_set_state (self, VMM_VM_STATE_CREATED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLOCK_SLOTS]);
  g_task_return_boolean (task, TRUE);
}

/* ---------------------------------------------------------------------- */
/* start */

/* Ends the start in progress: with @error NULL the VM runs, otherwise it
 * returns to the state before the start (unless @restore is FALSE, when
 * something else, a stop, decides the state). Consumes @error. */
static void
finish_start (VmmStubHypervisor *self,
              GError            *error,
              gboolean           restore)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_return_if_fail (task != NULL);

  if (self->start_timer != NULL)
    {
      g_source_destroy (self->start_timer);
      g_clear_pointer (&self->start_timer, g_source_unref);
    }
  if (self->start_cancel != NULL)
    {
      g_source_destroy (self->start_cancel);
      g_clear_pointer (&self->start_cancel, g_source_unref);
    }
  g_clear_error (&self->start_failure);

  if (error == NULL)
    {
      stub_log (self, G_LOG_LEVEL_INFO, "VM %s: running (fake pid %d)",
                stub_vm_id (self), self->fake_pid);
      stub_set_state (self, VMM_VM_STATE_RUNNING);
      g_task_return_boolean (task, TRUE);
      return;
    }

  stub_log (self, G_LOG_LEVEL_INFO, "VM %s: start failed: %s",
            stub_vm_id (self), error->message);
  if (restore)
    {
      release_process (self);
      stub_set_state (self, self->start_prev_state);
    }
  g_task_return_error (task, error);
}

static gboolean
start_timer_cb (gpointer user_data)
{
  VmmStubHypervisor *self = g_task_get_source_object (G_TASK (user_data));

  finish_start (self, g_steal_pointer (&self->start_failure), TRUE);

  return G_SOURCE_REMOVE;
}

static gboolean
start_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  VmmStubHypervisor *self = g_task_get_source_object (G_TASK (user_data));
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  finish_start (self, error, TRUE);

  return G_SOURCE_REMOVE;
}

static void
stub_start_vm_async (VmmHypervisor       *hypervisor,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_start_vm_async);
  GError *error = NULL;

  g_return_if_fail (self->start_task == NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* A scripted failure happens like a real one: the process is spawned,
   * the VM is starting, and it fails when it would have come up. */
  take_failure (self, "start_vm", &self->start_failure);

  self->start_prev_state = stub_state (self);
  self->start_task = g_object_ref (task);
  self->memory_mib = vmm_hypervisor_config_get_memory_mib (self->config);
  self->vcpus = vmm_hypervisor_config_get_vcpus (self->config);
  spawn_process (self);
  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), -1);

  stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: starting, up in %u ms",
            stub_vm_id (self), self->start_delay_ms);
  stub_set_state (self, VMM_VM_STATE_STARTING);

  self->start_timer = g_timeout_source_new (self->start_delay_ms);
  g_source_set_static_name (self->start_timer, "[vmm-stub] start delay");
  g_task_attach_source (task, self->start_timer, start_timer_cb);

  if (cancellable != NULL)
    {
      self->start_cancel = g_cancellable_source_new (cancellable);
      g_source_set_static_name (self->start_cancel, "[vmm-stub] start cancelled");
      g_task_attach_source (task, self->start_cancel, (GSourceFunc) start_cancelled_cb);
    }
}

/* ---------------------------------------------------------------------- */
/* stop */

static gboolean
stop_done_cb (gpointer user_data)
{
  VmmStubHypervisor *self = g_task_get_source_object (G_TASK (user_data));
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->stop_tasks);

  g_clear_pointer (&self->stop_source, g_source_unref);

  release_process (self);
  release_cids (self);
  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), 0);
  stub_log (self, G_LOG_LEVEL_INFO, "VM %s: stopped", stub_vm_id (self));
  stub_set_state (self, VMM_VM_STATE_STOPPED);
  notify_devices (self);

  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);

  return G_SOURCE_REMOVE;
}

static void
stub_stop_vm_async (VmmHypervisor       *hypervisor,
                    VmmStopFlags         flags,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_stop_vm_async);
  GError *error = NULL;

  if (self->stop_tasks != NULL)
    {
      /* Already stopping: complete together with the stop in progress. */
      g_ptr_array_add (self->stop_tasks, g_steal_pointer (&task));
      return;
    }

  /* A scripted failure is one where the stop request could not be
   * delivered: nothing changes. */
  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "stop_vm", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: stopping%s", stub_vm_id (self),
            (flags & VMM_STOP_FLAGS_WAIT_ONLY) ? " (waiting for it to exit)" : "");
  stub_set_state (self, VMM_VM_STATE_STOPPING);

  if (self->start_task != NULL)
    finish_start (self,
                  g_error_new (VMM_ERROR, VMM_ERROR_PROCESS_EXITED,
                               "VM %s was stopped while it was starting",
                               stub_vm_id (self)),
                  FALSE);

  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->stop_tasks, g_object_ref (task));

  self->stop_source = g_idle_source_new ();
  g_source_set_priority (self->stop_source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (self->stop_source, "[vmm-stub] stop");
  g_task_attach_source (task, self->stop_source, stop_done_cb);
}

/* ---------------------------------------------------------------------- */
/* Operations that complete at once */

static void
stub_pause_vm_async (VmmHypervisor       *hypervisor,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_pause_vm_async);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "pause_vm", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  stub_set_state (self, VMM_VM_STATE_PAUSED);
  g_task_return_boolean (task, TRUE);
}

static void
stub_resume_vm_async (VmmHypervisor       *hypervisor,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_resume_vm_async);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "resume_vm", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  stub_set_state (self, VMM_VM_STATE_RUNNING);
  g_task_return_boolean (task, TRUE);
}

static void
stub_save_vm_async (VmmHypervisor       *hypervisor,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_save_vm_async);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "save_vm", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  self->save_count++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVE_COUNT]);
  g_task_return_boolean (task, TRUE);
}

static gboolean
stub_add_device (VmmHypervisor  *hypervisor,
                 VmmDevice      *device,
                 GError        **error)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);

  if (take_failure (self, "add_device", error) ||
      !vmm_device_validate (device, error))
    return FALSE;

  vmm_hypervisor_config_add_device (self->config, device);

  return TRUE;
}

static gboolean
hotplug_add (VmmStubHypervisor  *self,
             VmmDevice          *device,
             GError            **error)
{
  g_autofree char *description = vmm_device_describe (device);
  VmmDeviceType type = vmm_device_get_device_type (device);

  if (take_failure (self, "hotplug_add_device", error) ||
      !vmm_device_validate (device, error))
    return FALSE;

  if (type == VMM_DEVICE_TYPE_CONSOLE)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
                   "Cannot hot-plug %s into VM %s: consoles can only be configured before start",
                   description, stub_vm_id (self));
      return FALSE;
    }

  if (find_device (type == VMM_DEVICE_TYPE_BLOCK ? self->block_slots : self->hotplugged,
                   device) >= 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Cannot hot-plug %s into VM %s: it is already plugged",
                   description, stub_vm_id (self));
      return FALSE;
    }

  if (type == VMM_DEVICE_TYPE_BLOCK)
    {
      for (guint i = 0; i < self->block_slots->len; i++)
        {
          if (g_ptr_array_index (self->block_slots, i) == NULL)
            {
              g_ptr_array_index (self->block_slots, i) = g_object_ref (device);
              stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: %s plugged into pool slot %u",
                        stub_vm_id (self), description, i);
              return TRUE;
            }
        }

      g_set_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES,
                   "Cannot hot-plug %s into VM %s: all %u slots of the block device pool (block-pool-size) are in use",
                   description, stub_vm_id (self), self->block_slots->len);
      return FALSE;
    }

  g_ptr_array_add (self->hotplugged, g_object_ref (device));
  stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: %s plugged", stub_vm_id (self), description);

  return TRUE;
}

static void
stub_hotplug_add_device_async (VmmHypervisor       *hypervisor,
                               VmmDevice           *device,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_hotplug_add_device_async);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !hotplug_add (self, device, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  notify_devices (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
hotplug_remove (VmmStubHypervisor  *self,
                VmmDevice          *device,
                GError            **error)
{
  GPtrArray *list;
  int pos;

  if (take_failure (self, "hotplug_remove_device", error))
    return FALSE;

  list = vmm_device_get_device_type (device) == VMM_DEVICE_TYPE_BLOCK
         ? self->block_slots : self->hotplugged;
  pos = find_device (list, device);
  if (pos < 0)
    {
      g_autofree char *description = vmm_device_describe (device);

      g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND,
                   "Cannot unplug %s from VM %s: it is not hot-plugged",
                   description, stub_vm_id (self));
      return FALSE;
    }

  if (list == self->block_slots)
    g_clear_object ((VmmDevice **) &g_ptr_array_index (list, pos));
  else
    g_ptr_array_remove_index (list, pos);

  return TRUE;
}

static void
stub_hotplug_remove_device_async (VmmHypervisor       *hypervisor,
                                  VmmDevice           *device,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_hotplug_remove_device_async);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !hotplug_remove (self, device, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  notify_devices (self);
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  guint old_value;
  guint new_value;
} ResizeResult;

static void
stub_resize_memory_async (VmmHypervisor       *hypervisor,
                          guint                memory_mib,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_resize_memory_async);
  ResizeResult *result;
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "resize_memory", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (memory_mib == 0)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                               "Cannot resize the memory of VM %s to 0 MiB",
                               stub_vm_id (self));
      return;
    }

  result = g_new0 (ResizeResult, 1);
  result->old_value = self->memory_mib;
  result->new_value = self->memory_mib = memory_mib;
  g_task_return_pointer (task, result, g_free);
}

/* Shared by both resize finishes: the old and new values of the task. */
static gboolean
resize_finish (VmmHypervisor  *hypervisor,
               GAsyncResult   *result,
               guint          *old_value,
               guint          *new_value,
               GError        **error)
{
  g_autofree ResizeResult *r = NULL;

  g_return_val_if_fail (g_task_is_valid (result, hypervisor), FALSE);

  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return FALSE;

  if (old_value != NULL)
    *old_value = r->old_value;
  if (new_value != NULL)
    *new_value = r->new_value;
  return TRUE;
}

static gboolean
stub_resize_memory_finish (VmmHypervisor  *hypervisor,
                           GAsyncResult   *result,
                           guint          *new_memory_mib,
                           GError        **error)
{
  return resize_finish (hypervisor, result, NULL, new_memory_mib, error);
}

static void
stub_resize_vcpus_async (VmmHypervisor       *hypervisor,
                         guint                vcpus,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_resize_vcpus_async);
  guint max_vcpus = vmm_hypervisor_config_get_max_vcpus (self->config);
  ResizeResult *result;
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "resize_vcpus", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (vcpus < 1 || vcpus > max_vcpus)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                               "Cannot resize VM %s to %u vCPUs: the range is 1..%u (max-vcpus)",
                               stub_vm_id (self), vcpus, max_vcpus);
      return;
    }

  result = g_new0 (ResizeResult, 1);
  result->old_value = self->vcpus;
  result->new_value = self->vcpus = vcpus;
  g_task_return_pointer (task, result, g_free);
}

static gboolean
stub_resize_vcpus_finish (VmmHypervisor  *hypervisor,
                          GAsyncResult   *result,
                          guint          *old_vcpus,
                          guint          *new_vcpus,
                          GError        **error)
{
  return resize_finish (hypervisor, result, old_vcpus, new_vcpus, error);
}

static void
stub_check_async (VmmHypervisor       *hypervisor,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_check_async);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "check", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
stub_cleanup_async (VmmHypervisor       *hypervisor,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = stub_task_new (self, cancellable, callback, user_data,
                                         stub_cleanup_async);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      take_failure (self, "cleanup", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: cleaned up", stub_vm_id (self));
  forget_vm (self);
  stub_set_state (self, VMM_VM_STATE_NOT_CREATED);
  notify_devices (self);
  g_task_return_boolean (task, TRUE);
}

/* ---------------------------------------------------------------------- */
/* Synchronous queries */

static char *
stub_get_vm_console (VmmHypervisor  *hypervisor,
                     GError        **error)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  const char *store_dir;

  if (take_failure (self, "get_vm_console", error))
    return NULL;

  store_dir = vmm_hypervisor_config_get_store_dir (self->config);
  if (store_dir == NULL || *store_dir == '\0')
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "VM %s has no console: store-dir is not set", stub_vm_id (self));
      return NULL;
    }

  return g_build_filename (store_dir, stub_vm_id (self), "console.sock", NULL);
}

static void
stub_disconnect (VmmHypervisor *hypervisor)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);

  stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: disconnect (nothing to close)",
            stub_vm_id (self));
}

static GArray *
stub_get_thread_ids (VmmHypervisor  *hypervisor,
                     GError        **error)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  GArray *ids;

  if (take_failure (self, "get_thread_ids", error))
    return NULL;

  ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (self->fake_pid == 0)
    return ids;

  for (guint i = 0; i < self->vcpus; i++)
    {
      int tid = self->fake_pid + 1 + (int) i;

      g_array_append_val (ids, tid);
    }

  return ids;
}

static GArray *
stub_get_pids (VmmHypervisor *hypervisor)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));

  if (self->fake_pid != 0)
    {
      GPid pid = self->fake_pid;

      g_array_append_val (pids, pid);
    }

  return pids;
}

static gboolean
stub_get_virtio_fs_pid (VmmHypervisor *hypervisor,
                        GPid          *pid)
{
  *pid = 0;
  return FALSE;
}

static gboolean
stub_is_rate_limiter_builtin (VmmHypervisor *hypervisor)
{
  return FALSE;
}

static gboolean
config_uses_cid (VmmHypervisorConfig *config,
                 guint32              cid)
{
  GPtrArray *devices = vmm_hypervisor_config_get_devices (config);

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (devices, i);

      if (VMM_IS_VSOCK_DEVICE (device) &&
          vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device)) == cid)
        return TRUE;
    }

  return FALSE;
}

static guint32
config_vsock_cid (VmmHypervisorConfig *config)
{
  GPtrArray *devices = config != NULL ? vmm_hypervisor_config_get_devices (config) : NULL;

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (devices, i);

      if (VMM_IS_VSOCK_DEVICE (device) && vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device)) != 0)
        return vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device));
    }

  return 0;
}

static VmmVsockDevice *
stub_generate_socket (VmmHypervisor  *hypervisor,
                      GError        **error)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  guint32 cid = 0;

  if (take_failure (self, "generate_socket", error))
    return NULL;

  /* One CID per VM, as on ACRN: the one it already holds... */
  if (self->cids->len > 0)
    return vmm_vsock_device_new (g_array_index (self->cids, guint32, 0), VMM_STUB_VSOCK_PORT);

  /* ... else the configuration's ... */
  cid = config_vsock_cid (self->config);
  if (cid != 0)
    {
      gboolean taken;

      g_mutex_lock (&registry_lock);
      taken = registry_contains_locked (cid_registry, cid);
      if (!taken)
        registry_ref_locked (&cid_registry, cid);
      g_mutex_unlock (&registry_lock);

      if (taken)
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES,
                       "Cannot reserve vsock CID %u for VM %s: another VM holds it",
                       cid, stub_vm_id (self));
          return NULL;
        }
      g_array_append_val (self->cids, cid);
      return vmm_vsock_device_new (cid, VMM_STUB_VSOCK_PORT);
    }

  /* ... else the lowest free one. */
  g_mutex_lock (&registry_lock);
  next_cid = VMM_VSOCK_CID_MIN;
  for (guint64 tries = 0; tries <= (guint64) VMM_VSOCK_CID_MAX - VMM_VSOCK_CID_MIN; tries++)
    {
      guint32 candidate = next_cid;

      next_cid = next_cid >= VMM_VSOCK_CID_MAX ? VMM_VSOCK_CID_MIN : next_cid + 1;
      if (!registry_contains_locked (cid_registry, candidate) &&
          !config_uses_cid (self->config, candidate))
        {
          cid = candidate;
          registry_ref_locked (&cid_registry, cid);
          break;
        }
    }
  g_mutex_unlock (&registry_lock);

  if (cid == 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES,
                   "Cannot reserve a vsock CID for VM %s: every CID is in use",
                   stub_vm_id (self));
      return NULL;
    }

  g_array_append_val (self->cids, cid);
  stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: reserved vsock CID %u", stub_vm_id (self), cid);

  return vmm_vsock_device_new (cid, VMM_STUB_VSOCK_PORT);
}

/* ---------------------------------------------------------------------- */
/* save_state / load_state */

#define STATE_BACKEND "stub"
#define STATE_FORMAT  1

static char *
stub_save_state (VmmHypervisor  *hypervisor,
                 GError        **error)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = NULL;

  if (take_failure (self, "save_state", error))
    return NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "backend");
  json_builder_add_string_value (builder, STATE_BACKEND);
  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, STATE_FORMAT);
  json_builder_set_member_name (builder, "owner-pid");
  json_builder_add_int_value (builder, getpid ());
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, vmm_vm_state_to_string (stub_state (self)));
  json_builder_set_member_name (builder, "exit-status");
  json_builder_add_int_value (builder, vmm_hypervisor_get_exit_status (hypervisor));
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, self->fake_pid);
  json_builder_set_member_name (builder, "memory-mib");
  json_builder_add_int_value (builder, self->memory_mib);
  json_builder_set_member_name (builder, "vcpus");
  json_builder_add_int_value (builder, self->vcpus);
  json_builder_set_member_name (builder, "save-count");
  json_builder_add_int_value (builder, self->save_count);

  json_builder_set_member_name (builder, "config");
  json_builder_add_value (builder, vmm_hypervisor_config_to_json_node (self->config));

  json_builder_set_member_name (builder, "block-slots");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->block_slots->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (self->block_slots, i);

      if (device != NULL)
        json_builder_add_value (builder, vmm_device_to_json (device));
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "hotplugged");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->hotplugged->len; i++)
    json_builder_add_value (builder, vmm_device_to_json (g_ptr_array_index (self->hotplugged, i)));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "vsock-cids");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->cids->len; i++)
    json_builder_add_int_value (builder, g_array_index (self->cids, guint32, i));
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

static const char * const state_keys[] = {
  "backend", "format", "owner-pid", "state", "exit-status", "pid", "memory-mib",
  "vcpus", "save-count", "config", "block-slots", "hotplugged", "vsock-cids",
  NULL
};

static gboolean
state_error (GError     **error,
             const char  *key,
             const char  *problem)
{
  g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
               "Invalid stub state: %s %s", key, problem);
  return FALSE;
}

static JsonNode *
state_member (JsonObject   *object,
              const char   *key,
              JsonNodeType  type,
              GError      **error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    {
      state_error (error, key, "is missing");
      return NULL;
    }
  if (JSON_NODE_TYPE (node) != type)
    {
      state_error (error, key,
                   type == JSON_NODE_ARRAY ? "must be an array" :
                   type == JSON_NODE_OBJECT ? "must be an object" : "has the wrong type");
      return NULL;
    }

  return node;
}

static gboolean
state_int (JsonObject  *object,
           const char  *key,
           gint64       min,
           gint64       max,
           gint64      *out,
           GError     **error)
{
  JsonNode *node = state_member (object, key, JSON_NODE_VALUE, error);

  if (node == NULL)
    return FALSE;
  if (json_node_get_value_type (node) != G_TYPE_INT64)
    return state_error (error, key, "must be an integer");

  *out = json_node_get_int (node);
  if (*out < min || *out > max)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Invalid stub state: %s is %" G_GINT64_FORMAT ", out of range %"
                   G_GINT64_FORMAT "..%" G_GINT64_FORMAT, key, *out, min, max);
      return FALSE;
    }

  return TRUE;
}

static const char *
state_string (JsonObject  *object,
              const char  *key,
              GError     **error)
{
  JsonNode *node = state_member (object, key, JSON_NODE_VALUE, error);

  if (node == NULL)
    return NULL;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    {
      state_error (error, key, "must be a string");
      return NULL;
    }

  return json_node_get_string (node);
}

static gboolean
parse_state_name (const char  *name,
                  VmmVmState  *state)
{
  for (VmmVmState s = VMM_VM_STATE_NOT_CREATED; s <= VMM_VM_STATE_CRASHED; s++)
    {
      if (g_strcmp0 (name, vmm_vm_state_to_string (s)) == 0)
        {
          *state = s;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
stub_load_state (VmmHypervisor  *hypervisor,
                 const char     *text,
                 GError        **error)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (hypervisor);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(GPtrArray) slots = g_ptr_array_new_with_free_func (unref_nullable);
  g_autoptr(GPtrArray) hotplugged = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) cids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GList) members = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;
  const char *string;
  VmmVmState state;
  gint64 format, owner_pid, exit_status, pid, memory_mib, vcpus, save_count;

  if (take_failure (self, "load_state", error))
    return FALSE;

  if (!json_parser_load_from_data (parser, text, -1, &local_error))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Invalid stub state: %s", local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return state_error (error, "the document", "must be a JSON object");
  object = json_node_get_object (root);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (state_keys, l->data))
      return state_error (error, l->data, "is not a known key");

  if ((string = state_string (object, "backend", error)) == NULL)
    return FALSE;
  if (g_strcmp0 (string, STATE_BACKEND) != 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Invalid stub state: backend is \"%s\", not \"" STATE_BACKEND "\"", string);
      return FALSE;
    }
  if (!state_int (object, "format", STATE_FORMAT, STATE_FORMAT, &format, error))
    return FALSE;

  if ((string = state_string (object, "state", error)) == NULL)
    return FALSE;
  if (!parse_state_name (string, &state))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Invalid stub state: state \"%s\" is not a VM state", string);
      return FALSE;
    }

  if (!state_int (object, "owner-pid", 1, G_MAXINT, &owner_pid, error) ||
      !state_int (object, "exit-status", -1, G_MAXINT, &exit_status, error) ||
      !state_int (object, "pid", 0, G_MAXINT, &pid, error) ||
      !state_int (object, "memory-mib", 0, G_MAXUINT, &memory_mib, error) ||
      !state_int (object, "vcpus", 0, G_MAXUINT, &vcpus, error) ||
      !state_int (object, "save-count", 0, G_MAXUINT, &save_count, error))
    return FALSE;

  if ((node = state_member (object, "config", JSON_NODE_OBJECT, error)) == NULL)
    return FALSE;
  config = vmm_hypervisor_config_new_from_node (node, &local_error);
  if (config == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Invalid stub state: config: %s", local_error->message);
      return FALSE;
    }

  if ((node = state_member (object, "block-slots", JSON_NODE_ARRAY, error)) == NULL)
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) != vmm_hypervisor_config_get_block_pool_size (config))
    return state_error (error, "block-slots", "must have block-pool-size entries");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      VmmDevice *device = NULL;

      if (!JSON_NODE_HOLDS_NULL (element))
        {
          device = vmm_device_new_from_json (element, &local_error);
          if (device == NULL)
            {
              g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                           "Invalid stub state: block-slots[%u]: %s", i, local_error->message);
              return FALSE;
            }
          if (!VMM_IS_BLOCK_DEVICE (device))
            {
              g_object_unref (device);
              return state_error (error, "block-slots", "may only hold block devices");
            }
        }
      g_ptr_array_add (slots, device);
    }

  if ((node = state_member (object, "hotplugged", JSON_NODE_ARRAY, error)) == NULL)
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      VmmDevice *device = vmm_device_new_from_json (json_array_get_element (array, i),
                                                    &local_error);

      if (device == NULL)
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                       "Invalid stub state: hotplugged[%u]: %s", i, local_error->message);
          return FALSE;
        }
      g_ptr_array_add (hotplugged, device);
    }

  if ((node = state_member (object, "vsock-cids", JSON_NODE_ARRAY, error)) == NULL)
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint64 cid;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64 ||
          (cid = json_node_get_int (element)) < VMM_VSOCK_CID_MIN || cid > VMM_VSOCK_CID_MAX)
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                       "Invalid stub state: vsock-cids[%u] must be an integer in %u..%u",
                       i, VMM_VSOCK_CID_MIN, VMM_VSOCK_CID_MAX);
          return FALSE;
        }
      {
        guint32 value = (guint32) cid;

        g_array_append_val (cids, value);
      }
    }

  /* A VM that is in a transition cannot be taken over half-way; what the
   * transition leads to is what another process would find. */
  if (state == VMM_VM_STATE_STARTING)
    state = VMM_VM_STATE_RUNNING;
  else if (state == VMM_VM_STATE_STOPPING)
    state = VMM_VM_STATE_STOPPED;

  if (state == VMM_VM_STATE_RUNNING || state == VMM_VM_STATE_PAUSED)
    {
      if (pid == 0)
        return state_error (error, "pid", "must be set when the VM runs");
    }
  else
    pid = 0;

  g_mutex_lock (&registry_lock);
  if (pid != 0 && owner_pid == getpid () &&
      !registry_contains_locked (pid_registry, (guint) pid))
    {
      g_mutex_unlock (&registry_lock);
      g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                   "Cannot take over VM %s: its process (fake pid %" G_GINT64_FORMAT
                   ") is gone", vmm_hypervisor_config_get_id (config), pid);
      return FALSE;
    }
  if (pid != 0)
    registry_ref_locked (&pid_registry, (guint) pid);
  for (guint i = 0; i < cids->len; i++)
    registry_ref_locked (&cid_registry, g_array_index (cids, guint32, i));
  g_mutex_unlock (&registry_lock);

  /* Commit. */
  self->config = g_steal_pointer (&config);
  vmm_hypervisor_base_set_config (VMM_HYPERVISOR_BASE (self), self->config);
  self->memory_mib = (guint) memory_mib;
  self->vcpus = (guint) vcpus;
  self->save_count = (guint) save_count;
  self->fake_pid = (int) pid;
  g_ptr_array_set_size (self->block_slots, 0);
  for (guint i = 0; i < slots->len; i++)
    g_ptr_array_add (self->block_slots, g_steal_pointer (&g_ptr_array_index (slots, i)));
  g_ptr_array_set_size (self->hotplugged, 0);
  g_ptr_array_extend_and_steal (self->hotplugged, g_steal_pointer (&hotplugged));
  g_array_set_size (self->cids, 0);
  g_array_append_vals (self->cids, cids->data, cids->len);
  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), (int) exit_status);

  stub_log (self, G_LOG_LEVEL_INFO, "VM %s: taken over (%s)", stub_vm_id (self),
            vmm_vm_state_to_string (state));
  stub_set_state (self, state);
  notify_devices (self);

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Test controls */

static void
stub_fail_next_handler (VmmStubHypervisor *self,
                        const char        *operation,
                        int                code,
                        const char        *message)
{
  if (operation == NULL || !g_strv_contains (scriptable_operations, operation))
    {
      g_critical ("VmmStubHypervisor::fail-next: unknown operation \"%s\"",
                  operation ? operation : "(null)");
      return;
    }

  g_mutex_lock (&self->failures_lock);
  g_hash_table_replace (self->failures, g_strdup (operation),
                        g_error_new (VMM_ERROR, code, "%s",
                                     message ? message : "scripted failure"));
  g_mutex_unlock (&self->failures_lock);
}

static gboolean
stub_simulate_crash_handler (VmmStubHypervisor *self,
                             int                wait_status)
{
  VmmVmState state = stub_state (self);

  if (state != VMM_VM_STATE_RUNNING && state != VMM_VM_STATE_PAUSED)
    {
      stub_log (self, G_LOG_LEVEL_DEBUG, "VM %s: cannot crash while %s",
                stub_vm_id (self), vmm_vm_state_to_string (state));
      return FALSE;
    }

  stub_log (self, G_LOG_LEVEL_INFO, "VM %s: hypervisor process crashed (wait status %d)",
            stub_vm_id (self), wait_status);
  release_process (self);
  release_cids (self);
  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), wait_status);
  stub_set_state (self, VMM_VM_STATE_CRASHED);
  notify_devices (self);

  return TRUE;
}

/**
 * vmm_stub_hypervisor_fail_next:
 * @self: a #VmmStubHypervisor
 * @operation: the operation, e.g. `"start_vm"`
 * @code: a #VmmError code
 * @message: (nullable): the error message
 *
 * Emits [signal@VmmStubHypervisor::fail-next].
 */
void
vmm_stub_hypervisor_fail_next (VmmStubHypervisor *self,
                               const char        *operation,
                               int                code,
                               const char        *message)
{
  g_return_if_fail (VMM_IS_STUB_HYPERVISOR (self));
  g_return_if_fail (operation != NULL);

  g_signal_emit (self, signals[SIGNAL_FAIL_NEXT], 0, operation, code, message);
}

/**
 * vmm_stub_hypervisor_simulate_crash:
 * @self: a #VmmStubHypervisor
 * @wait_status: the wait status the "process" ended with
 *
 * Emits [signal@VmmStubHypervisor::simulate-crash].
 *
 * Returns: %TRUE if the VM crashed, %FALSE if it was not running or paused
 */
gboolean
vmm_stub_hypervisor_simulate_crash (VmmStubHypervisor *self,
                                    int                wait_status)
{
  gboolean crashed = FALSE;

  g_return_val_if_fail (VMM_IS_STUB_HYPERVISOR (self), FALSE);

  g_signal_emit (self, signals[SIGNAL_SIMULATE_CRASH], 0, wait_status, &crashed);
  return crashed;
}

/* ---------------------------------------------------------------------- */
/* GObject */

static GStrv
dup_block_slots (VmmStubHypervisor *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->block_slots->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (self->block_slots, i);

      const char *path = device != NULL ? vmm_block_device_get_path (VMM_BLOCK_DEVICE (device)) : NULL;

      g_strv_builder_add (builder, path != NULL ? path : "");
    }

  return g_strv_builder_end (builder);
}

static GListModel *
dup_plugged_devices (VmmStubHypervisor *self)
{
  GListStore *store = g_list_store_new (VMM_TYPE_DEVICE);

  for (guint i = 0; i < self->block_slots->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (self->block_slots, i);

      if (device != NULL)
        g_list_store_append (store, device);
    }
  for (guint i = 0; i < self->hotplugged->len; i++)
    g_list_store_append (store, g_ptr_array_index (self->hotplugged, i));

  return G_LIST_MODEL (store);
}

static void
vmm_stub_hypervisor_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (object);

  switch (prop_id)
    {
    case PROP_CAPABILITIES:
      g_value_set_flags (value, self->capabilities);
      break;

    case PROP_START_DELAY_MS:
      g_value_set_uint (value, self->start_delay_ms);
      break;

    case PROP_BLOCK_SLOTS:
      g_value_take_boxed (value, dup_block_slots (self));
      break;

    case PROP_PLUGGED_DEVICES:
      g_value_take_object (value, dup_plugged_devices (self));
      break;

    case PROP_SAVE_COUNT:
      g_value_set_uint (value, self->save_count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_stub_hypervisor_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (object);

  switch (prop_id)
    {
    case PROP_CAPABILITIES:
      self->capabilities = g_value_get_flags (value) & VMM_STUB_CAPABILITIES;
      break;

    case PROP_START_DELAY_MS:
      if (self->start_delay_ms != g_value_get_uint (value))
        {
          self->start_delay_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_stub_hypervisor_finalize (GObject *object)
{
  VmmStubHypervisor *self = VMM_STUB_HYPERVISOR (object);

  /* Pending tasks and sources hold references, so none can be left. */
  g_assert (self->start_task == NULL);
  g_assert (self->stop_tasks == NULL);

  release_process (self);
  release_cids (self);
  g_clear_pointer (&self->block_slots, g_ptr_array_unref);
  g_clear_pointer (&self->hotplugged, g_ptr_array_unref);
  g_clear_pointer (&self->cids, g_array_unref);
  g_clear_object (&self->config);
  g_clear_error (&self->start_failure);
  g_clear_pointer (&self->failures, g_hash_table_unref);
  g_mutex_clear (&self->failures_lock);

  G_OBJECT_CLASS (vmm_stub_hypervisor_parent_class)->finalize (object);
}

static void
vmm_stub_hypervisor_iface_init (VmmHypervisorInterface *iface)
{
  iface->get_capabilities = stub_get_capabilities;
  iface->probe = stub_probe;
  iface->create_vm_async = stub_create_vm_async;
  iface->create_vm_finish = stub_finish_boolean;
  iface->start_vm_async = stub_start_vm_async;
  iface->start_vm_finish = stub_finish_boolean;
  iface->stop_vm_async = stub_stop_vm_async;
  iface->stop_vm_finish = stub_finish_boolean;
  iface->pause_vm_async = stub_pause_vm_async;
  iface->pause_vm_finish = stub_finish_boolean;
  iface->resume_vm_async = stub_resume_vm_async;
  iface->resume_vm_finish = stub_finish_boolean;
  iface->save_vm_async = stub_save_vm_async;
  iface->save_vm_finish = stub_finish_boolean;
  iface->add_device = stub_add_device;
  iface->hotplug_add_device_async = stub_hotplug_add_device_async;
  iface->hotplug_add_device_finish = stub_finish_boolean;
  iface->hotplug_remove_device_async = stub_hotplug_remove_device_async;
  iface->hotplug_remove_device_finish = stub_finish_boolean;
  iface->resize_memory_async = stub_resize_memory_async;
  iface->resize_memory_finish = stub_resize_memory_finish;
  iface->resize_vcpus_async = stub_resize_vcpus_async;
  iface->resize_vcpus_finish = stub_resize_vcpus_finish;
  iface->check_async = stub_check_async;
  iface->check_finish = stub_finish_boolean;
  iface->cleanup_async = stub_cleanup_async;
  iface->cleanup_finish = stub_finish_boolean;
  iface->get_total_memory_mib = stub_get_total_memory_mib;
  iface->get_vm_console = stub_get_vm_console;
  iface->disconnect = stub_disconnect;
  iface->get_thread_ids = stub_get_thread_ids;
  iface->get_pids = stub_get_pids;
  iface->get_virtio_fs_pid = stub_get_virtio_fs_pid;
  iface->save_state = stub_save_state;
  iface->load_state = stub_load_state;
  iface->generate_socket = stub_generate_socket;
  iface->is_rate_limiter_builtin = stub_is_rate_limiter_builtin;
}

static void
vmm_stub_hypervisor_class_init (VmmStubHypervisorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = vmm_stub_hypervisor_get_property;
  object_class->set_property = vmm_stub_hypervisor_set_property;
  object_class->finalize = vmm_stub_hypervisor_finalize;

  /**
   * VmmStubHypervisor:capabilities:
   *
   * What the stub claims it can do. Defaults to %VMM_STUB_CAPABILITIES;
   * tests remove flags to check that libvmm refuses the operations with
   * %VMM_ERROR_NOT_SUPPORTED. Flags outside %VMM_STUB_CAPABILITIES cannot
   * be added.
   */
  properties[PROP_CAPABILITIES] =
    g_param_spec_flags ("capabilities", NULL, NULL,
                        VMM_TYPE_CAPABILITIES,
                        VMM_STUB_CAPABILITIES,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * VmmStubHypervisor:start-delay-ms:
   *
   * How long start_vm stays in %VMM_VM_STATE_STARTING before the VM runs,
   * in milliseconds. 0 (the default) still takes one main-loop iteration.
   */
  properties[PROP_START_DELAY_MS] =
    g_param_spec_uint ("start-delay-ms", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * VmmStubHypervisor:block-slots:
   *
   * The block device hot-plug pool: one entry per slot (`block-pool-size`
   * of them once the VM is created), the path of the device plugged there
   * or `""` for a free slot.
   */
  properties[PROP_BLOCK_SLOTS] =
    g_param_spec_boxed ("block-slots", NULL, NULL,
                        G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * VmmStubHypervisor:plugged-devices:
   *
   * A snapshot (a new #GListModel of #VmmDevice on every read) of the
   * hot-plugged devices: the block devices in slot order, then the others
   * in plug order.
   */
  properties[PROP_PLUGGED_DEVICES] =
    g_param_spec_object ("plugged-devices", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * VmmStubHypervisor:save-count:
   *
   * How many times save_vm succeeded since create_vm.
   */
  properties[PROP_SAVE_COUNT] =
    g_param_spec_uint ("save-count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * VmmStubHypervisor::fail-next:
   * @self: the #VmmStubHypervisor
   * @operation: the operation: a #VmmHypervisorInterface method name
   *   without `_async`, e.g. `"start_vm"`, `"hotplug_add_device"`, `"probe"`
   * @code: the #VmmError code to fail with
   * @message: (nullable): the error message
   *
   * An action signal: the next call of @operation that reaches the backend
   * (calls libvmm refuses before that do not count) fails with
   * %VMM_ERROR / @code and leaves the state as a real failure would:
   * start_vm goes through %VMM_VM_STATE_STARTING and back, stop_vm changes
   * nothing, create_vm stays not created, the others keep their state.
   * Scripting the same operation again replaces the pending failure. An
   * unknown operation name is a programming error (a critical warning).
   */
  signals[SIGNAL_FAIL_NEXT] =
    g_signal_new_class_handler ("fail-next",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (stub_fail_next_handler),
                                NULL, NULL, NULL,
                                G_TYPE_NONE, 3,
                                G_TYPE_STRING, G_TYPE_INT, G_TYPE_STRING);

  /**
   * VmmStubHypervisor::simulate-crash:
   * @self: the #VmmStubHypervisor
   * @wait_status: the wait status the "process" ended with (for example
   *   9, killed by SIGKILL, or 256, exit code 1)
   *
   * An action signal: if the VM is running or paused, its hypervisor
   * "process" dies: the exit status becomes @wait_status and the state
   * %VMM_VM_STATE_CRASHED, announced once. In any other state nothing
   * happens.
   *
   * Returns: %TRUE if the VM crashed
   */
  signals[SIGNAL_SIMULATE_CRASH] =
    g_signal_new_class_handler ("simulate-crash",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (stub_simulate_crash_handler),
                                NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 1,
                                G_TYPE_INT);
}

static void
vmm_stub_hypervisor_class_finalize (VmmStubHypervisorClass *klass)
{
}

static void
vmm_stub_hypervisor_init (VmmStubHypervisor *self)
{
  self->capabilities = VMM_STUB_CAPABILITIES;
  g_mutex_init (&self->failures_lock);
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_error_free);
  self->block_slots = g_ptr_array_new_with_free_func (unref_nullable);
  self->hotplugged = g_ptr_array_new_with_free_func (g_object_unref);
  self->cids = g_array_new (FALSE, FALSE, sizeof (guint32));
}

/* ---------------------------------------------------------------------- */
/* Registration */

/**
 * vmm_stub_hypervisor_register_types:
 * @module: (nullable): the plugin's #GTypeModule, or %NULL to register
 *   static types (when the stub is linked into a program)
 *
 * Registers #VmmStubHypervisor. With %NULL it may be called more than once.
 */
void
vmm_stub_hypervisor_register_types (GTypeModule *module)
{
  static const GInterfaceInfo iface_info = {
    (GInterfaceInitFunc) (void (*) (void)) vmm_stub_hypervisor_iface_init, NULL, NULL
  };
  static gsize registered = 0;

  /* A module registers its types on every load (GTypeModule requires it);
   * libvmm loads a plugin once and never unloads it. */
  if (module != NULL)
    vmm_stub_hypervisor_register_type (module);

  if (g_once_init_enter (&registered))
    {
      if (module == NULL)
        vmm_stub_hypervisor_register_type (NULL);

      /* g_type_module_add_interface() refuses to re-implement an interface
       * that a static parent (VmmHypervisorBase) implements, so the
       * interface is added statically, also to the dynamic type. That is
       * sound because a plugin's code is never unloaded (libvmm makes it
       * resident), and it is done once: the type outlives any reload. */
      g_type_add_interface_static (vmm_stub_hypervisor_get_type (),
                                   VMM_TYPE_HYPERVISOR, &iface_info);
      g_once_init_leave (&registered, 1);
    }
}

/**
 * vmm_stub_plugin_new:
 * @module: (nullable): as for vmm_stub_hypervisor_register_types()
 *
 * Registers the stub's types and describes the backend.
 *
 * Returns: (transfer full) (nullable): a new #VmmPlugin named `"stub"`,
 *   priority 0, or %NULL when another copy of the stub (a plugin file of
 *   another name, or the stub linked into the program) has registered
 *   `VmmStubHypervisor` already: GObject would refuse to register it again
 */
VmmPlugin *
vmm_stub_plugin_new (GTypeModule *module)
{
  if (vmm_stub_hypervisor_get_type () == 0 &&
      g_type_from_name ("VmmStubHypervisor") != 0)
    {
      g_debug ("Not registering the stub's types: another copy of the stub "
               "registered VmmStubHypervisor first");
      return NULL;
    }

  vmm_stub_hypervisor_register_types (module);

  return vmm_plugin_new ("stub",
                         "In-memory backend for tests: runs nothing, follows the full VM life cycle",
                         0,
                         VMM_TYPE_STUB_HYPERVISOR);
}

/**
 * vmm_stub_hypervisor_new:
 * @capabilities: the capabilities to claim (see
 *   [property@VmmStubHypervisor:capabilities])
 *
 * Creates a stub hypervisor, registering its type statically first if
 * needed.
 *
 * Returns: (transfer full): a new #VmmStubHypervisor
 */
VmmStubHypervisor *
vmm_stub_hypervisor_new (VmmCapabilities capabilities)
{
  if (vmm_stub_hypervisor_get_type () == 0)
    vmm_stub_hypervisor_register_types (NULL);

  return g_object_new (VMM_TYPE_STUB_HYPERVISOR,
                       "capabilities", capabilities & VMM_STUB_CAPABILITIES,
                       NULL);
}
