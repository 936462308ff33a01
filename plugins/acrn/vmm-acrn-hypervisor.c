/* vmm-acrn-hypervisor.c: the ACRN backend
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "vmm-acrn-hypervisor.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "acrn-cmdline.h"
#include "acrn-cpuinfo.h"
#include "acrn-ctl.h"
#include "acrn-mngr.h"
#include "acrn-name.h"
#include "acrn-probe.h"
#include "acrn-process.h"
#include "acrn-registry.h"
#include "acrn-state.h"

/**
 * VmmAcrnHypervisor:
 *
 * The ACRN backend: one instance drives one `acrn-dm` process.
 *
 * - `create_vm` checks the configuration (and what it needs from the
 *   host), takes LAPIC ids (and a vsock CID) from the host-wide registry in
 *   the store directory, and builds the complete acrn-dm command line
 *   ([property@VmmAcrnHypervisor:command-line]). On failure nothing is left
 *   in the registry or on disk.
 * - `start_vm` spawns acrn-dm (argv only) and is done as soon as its
 *   manager socket answers DM_QUERY with "running": no fixed sleep. If
 *   acrn-dm exits first, the error has its exit status and last output; on
 *   timeout (`start-timeout-ms`) or cancellation acrn-dm is killed and
 *   reaped. The VM then returns to its previous state. From the spawn on,
 *   the registry entry belongs to acrn-dm's pid (to this process again if
 *   the start fails).
 * - `stop_vm` sends SIGINT (nothing with %VMM_STOP_FLAGS_WAIT_ONLY), waits
 *   for the exit up to `stop-timeout-ms`, then sends SIGKILL. Cancelling it
 *   sends SIGKILL at once: the VM still ends stopped, and the call fails
 *   with %G_IO_ERROR_CANCELLED. A second stop joins the first.
 * - An exit nobody asked for ends in %VMM_VM_STATE_STOPPED when acrn-dm
 *   exited with status 0 (the guest powered off), else in
 *   %VMM_VM_STATE_CRASHED, announced once; CPUs and CID are released, a
 *   manager socket left behind is removed and the state file updated.
 * - `hotplug_add_device` puts a disk into the next free `nodisk` slot
 *   with `acrnctl blkrescan` and reads acrnctl's output to know whether it
 *   worked; on failure the slot stays free.
 * - `save_state`/`load_state` carry everything another process needs to
 *   take over (pid and start time, name, slots, CPUs, CID, paths); the
 *   same JSON is kept in `<store-dir>/<id>/state.json`, rewritten
 *   atomically on every transition. A VM whose acrn-dm died while no
 *   manager watched it (pid gone or reused) is adopted as crashed, so that
 *   it can be cleaned up or started again.
 *
 * acrn-dm runs in a session of its own (a terminal's Ctrl-C does not reach
 * it) and outlives this object: dropping the last reference does not stop
 * it. Its output (COM1 on stdout, and stderr) is read by the process that
 * started it, into `<store-dir>/<id>/acrn-dm.log` (capped, rotated once)
 * and the structured log; once that process is gone the output is lost,
 * and a process that re-attached cannot read it.
 *
 * ACRN 3.x cannot pause, resume, save or resize a VM nor remove a disk:
 * those capabilities are absent and the calls fail with
 * %VMM_ERROR_NOT_SUPPORTED.
 *
 * Use an instance from the thread that created it.
 */

#define CHECK_TIMEOUT_MS 5000

typedef struct
{
  guint      slot;
  VmmDevice *device;   /* the plugged disk, NULL while free */
  gboolean   busy;     /* a blkrescan for this slot is running */
} PoolEntry;

struct _VmmAcrnHypervisor
{
  VmmHypervisorBase    parent_instance;

  char                *mngr_dir;
  char                *cpuinfo_path;

  /* The VM, from create_vm or load_state. */
  VmmHypervisorConfig *config;
  char                *vm_name;
  char                *vm_dir;
  char                *state_path;
  char                *log_path;
  char                *console_path;
  AcrnRegistry        *registry;
  GArray              *cpus;            /* guint32 LAPIC ids held */
  guint32              cid;             /* held, 0 for none */
  gboolean             resources_held;
  gboolean             resources_current;  /* held by us, argv built from them */
  gboolean             registry_clean;     /* we released them: the registry holds nothing of this VM */
  GStrv                command_line;
  GArray              *pool;            /* PoolEntry */

  /* @config as the state file shows it, and a copy of what it was
   * rendered from: rendering it is most of the cost of a state write */
  VmmHypervisorConfig *rendered_config;
  char                *rendered_config_json;
  guint                run_generation;  /* bumped when a run ends */

  AcrnProcess         *process;
  gulong               exited_id;
  GPid                 last_pid;        /* of the last acrn-dm, for its socket */

  /* a start in progress */
  GTask               *start_task;
  GCancellable        *start_cancellable;   /* ours: stop_vm cancels it */
  GCancellable        *start_caller_cancellable;
  gulong               start_forward_id;
  VmmVmState           start_prev_state;
  gboolean             stop_during_start;

  /* a stop in progress: every stop_vm call waiting for it */
  GPtrArray           *stop_tasks;
};

enum {
  PROP_0,
  PROP_MNGR_DIR,
  PROP_CPUINFO_PATH,
  PROP_COMMAND_LINE,
  PROP_VM_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void vmm_acrn_hypervisor_iface_init (VmmHypervisorInterface *iface);

/* The interface is added in vmm_acrn_hypervisor_register_types(): a
 * dynamic type cannot re-implement, through its GTypeModule, an interface
 * that its static parent implements. */
G_DEFINE_DYNAMIC_TYPE_EXTENDED (VmmAcrnHypervisor, vmm_acrn_hypervisor,
                                VMM_TYPE_HYPERVISOR_BASE, G_TYPE_FLAG_FINAL, {})

/* ---- helpers -------------------------------------------------------------- */

static const char *
vm_id (VmmAcrnHypervisor *self)
{
  return self->config != NULL ? vmm_hypervisor_config_get_id (self->config) : "";
}

static void
acrn_log (VmmAcrnHypervisor *self,
          GLogLevelFlags     level,
          const char        *format,
          ...) G_GNUC_PRINTF (3, 4);

static void
acrn_log (VmmAcrnHypervisor *self,
          GLogLevelFlags     level,
          const char        *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_log_structured (G_LOG_DOMAIN, level,
                    "VMM_VM_ID", vm_id (self),
                    "MESSAGE", "VM %s: %s", vm_id (self), message);
}

static VmmVmState
current_state (VmmAcrnHypervisor *self)
{
  return vmm_hypervisor_get_state (VMM_HYPERVISOR (self));
}

static GMainContext *
owner_context (VmmAcrnHypervisor *self)
{
  return vmm_hypervisor_base_get_main_context (VMM_HYPERVISOR_BASE (self));
}

static const char *
ctl_path (VmmAcrnHypervisor *self)
{
  const char *path = vmm_hypervisor_config_get_ctl_path (self->config);

  return path != NULL ? path : ACRN_CTL_DEFAULT_PATH;
}

static GTask *
acrn_task_new (VmmAcrnHypervisor   *self,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static gboolean
acrn_finish_boolean (VmmHypervisor  *hypervisor,
                     GAsyncResult   *result,
                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, hypervisor), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Brings the rendered configuration up to date: rendered again only when
 * the configuration changed (a device was added, say); comparing costs a
 * fraction of rendering, and also catches changes made behind our back. */
static void
update_rendered_config (VmmAcrnHypervisor *self)
{
  if (self->rendered_config == NULL ||
      !vmm_hypervisor_config_equal (self->rendered_config, self->config))
    {
      g_clear_object (&self->rendered_config);
      g_free (self->rendered_config_json);
      self->rendered_config = vmm_hypervisor_config_copy (self->config);
      self->rendered_config_json = acrn_state_render_config (self->config);
    }
}

/* Fills @view with the fields of the state file, borrowed from @self
 * (valid until @self changes), except the pool. */
static void
fill_state (VmmAcrnHypervisor *self,
            VmmVmState         state_value,
            AcrnState         *view)
{
  memset (view, 0, sizeof *view);
  view->vm_id = (char *) vm_id (self);
  view->vm_name = self->vm_name;
  view->state = state_value;
  if (self->process != NULL && !acrn_process_has_exited (self->process))
    {
      view->pid = acrn_process_get_pid (self->process);
      view->start_time = acrn_process_get_start_time (self->process);
      if (view->start_time == 0)
        view->pid = 0;
    }
  view->exit_status = vmm_hypervisor_get_exit_status (VMM_HYPERVISOR (self));
  view->mngr_dir = self->mngr_dir;
  view->console_path = self->console_path != NULL ? self->console_path : (char *) "";
  view->cpus = self->cpus;
  view->cid = self->cid;
  view->command_line = self->command_line;
  if (self->config != NULL)
    {
      update_rendered_config (self);
      view->config = self->config;
      view->config_json = self->rendered_config_json;
    }
}

/* The state file's contents, as an owned copy. */
static AcrnState *
build_state (VmmAcrnHypervisor *self,
             VmmVmState         state_value)
{
  AcrnState *state = acrn_state_new ();
  AcrnState view;

  fill_state (self, state_value, &view);
  state->vm_id = g_strdup (view.vm_id);
  state->vm_name = g_strdup (view.vm_name);
  state->state = view.state;
  state->pid = view.pid;
  state->start_time = view.start_time;
  state->exit_status = view.exit_status;
  state->mngr_dir = g_strdup (view.mngr_dir);
  state->console_path = g_strdup (view.console_path);
  g_array_append_vals (state->cpus, view.cpus->data, view.cpus->len);
  state->cid = view.cid;
  for (guint i = 0; i < self->pool->len; i++)
    {
      PoolEntry *entry = &g_array_index (self->pool, PoolEntry, i);
      AcrnPoolSlot slot = { entry->slot, NULL };

      if (entry->device != NULL)
        slot.device = g_object_ref (entry->device);
      g_array_append_val (state->pool, slot);
    }
  state->command_line = g_strdupv (view.command_line);
  if (view.config != NULL)
    {
      state->config = g_object_ref (view.config);
      state->config_json = g_strdup (view.config_json);
    }
  return state;
}

static gboolean
write_state_file (VmmAcrnHypervisor  *self,
                  VmmVmState          state_value,
                  GError            **error)
{
  g_autoptr(GArray) pool = NULL;
  AcrnState view;

  if (self->state_path == NULL || self->config == NULL)
    return TRUE;

  /* The state as build_state() gives it, but borrowing every field from
   * @self instead of copying it: this runs on every transition, on the
   * path of every start and stop. */
  fill_state (self, state_value, &view);
  pool = g_array_sized_new (FALSE, FALSE, sizeof (AcrnPoolSlot), self->pool->len);
  for (guint i = 0; i < self->pool->len; i++)
    {
      PoolEntry *entry = &g_array_index (self->pool, PoolEntry, i);
      AcrnPoolSlot slot = { entry->slot, entry->device };

      g_array_append_val (pool, slot);
    }
  view.pool = pool;
  return acrn_state_save (&view, self->state_path, error);
}

/* Every transition: the state file first, so that handlers of
 * ::state-changed (and other processes) find it up to date. */
static void
transition (VmmAcrnHypervisor *self,
            VmmVmState         state)
{
  g_autoptr(GError) error = NULL;

  if (!write_state_file (self, state, &error))
    acrn_log (self, G_LOG_LEVEL_WARNING, "%s", error->message);

  vmm_hypervisor_base_set_state (VMM_HYPERVISOR_BASE (self), state);
}

static void
save_state_file (VmmAcrnHypervisor *self)
{
  g_autoptr(GError) error = NULL;

  if (!write_state_file (self, current_state (self), &error))
    acrn_log (self, G_LOG_LEVEL_WARNING, "%s", error->message);
}

static void
set_command_line (VmmAcrnHypervisor *self,
                  GStrv              argv)
{
  if (self->command_line != NULL && argv != NULL &&
      g_strv_equal ((const char * const *) self->command_line, (const char * const *) argv))
    {
      g_strfreev (argv);
      return;
    }
  g_strfreev (self->command_line);
  self->command_line = argv;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMMAND_LINE]);
}

static void
release_resources (VmmAcrnHypervisor *self)
{
  g_autoptr(GError) error = NULL;

  /* Released already (a cleanup after a stop): no second transaction. */
  if (self->registry_clean && !self->resources_held)
    return;

  if (self->registry != NULL && self->config != NULL)
    {
      if (acrn_registry_release (self->registry, vm_id (self), &error))
        self->registry_clean = TRUE;
      else
        acrn_log (self, G_LOG_LEVEL_WARNING, "Cannot release its CPUs and CID: %s",
                  error->message);
    }

  g_array_set_size (self->cpus, 0);
  self->cid = 0;
  self->resources_held = FALSE;
  self->resources_current = FALSE;
}

static void
clear_pool (VmmAcrnHypervisor *self)
{
  for (guint i = 0; i < self->pool->len; i++)
    {
      PoolEntry *entry = &g_array_index (self->pool, PoolEntry, i);

      g_clear_object (&entry->device);
      entry->busy = FALSE;
    }
  self->run_generation++;
}

static void
remove_stale_socket (VmmAcrnHypervisor *self,
                     GPid               pid)
{
  g_autofree char *path = NULL;
  GStatBuf st;

  if (pid <= 0 || self->vm_name == NULL)
    return;

  path = acrn_mngr_socket_path (self->mngr_dir, self->vm_name, pid);
  if (g_lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
    {
      if (g_unlink (path) == 0)
        acrn_log (self, G_LOG_LEVEL_DEBUG, "Removed the manager socket %s left behind", path);
      else
        acrn_log (self, G_LOG_LEVEL_WARNING, "Cannot remove %s: %s", path, g_strerror (errno));
    }
}

static void on_process_exited (AcrnProcess *process, int wait_status, gpointer user_data);

static void
adopt_process (VmmAcrnHypervisor *self,
               AcrnProcess       *process)
{
  self->process = g_object_ref (process);
  self->last_pid = acrn_process_get_pid (process);
  self->exited_id = g_signal_connect (process, "exited", G_CALLBACK (on_process_exited), self);
}

static void
drop_process (VmmAcrnHypervisor *self)
{
  if (self->process == NULL)
    return;
  g_clear_signal_handler (&self->exited_id, self->process);
  g_clear_object (&self->process);
}

/* acrn-dm is gone: record how, and give back what the run held. */
static void
end_run (VmmAcrnHypervisor *self,
         int                wait_status)
{
  GPid pid = self->process != NULL ? acrn_process_get_pid (self->process) : self->last_pid;

  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), wait_status);
  drop_process (self);
  remove_stale_socket (self, pid);
  release_resources (self);
  clear_pool (self);
}

/* Takes (again) the CPUs and the CID from the registry, and rebuilds the
 * command line when they changed. Idempotent while they are held. */
static gboolean
ensure_resources (VmmAcrnHypervisor  *self,
                  GError            **error)
{
  g_autoptr(GArray) allowed = NULL;
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(VmmHypervisorConfig) resolved = NULL;
  g_auto(GStrv) argv = NULL;
  AcrnSlotMap slot_map;
  gboolean fresh = !self->resources_held;
  GPtrArray *devices;
  guint32 cid = self->cid;

  allowed = acrn_cpu_set_load (self->cpuinfo_path,
                               vmm_hypervisor_config_get_allowed_cpus (self->config), error);
  if (allowed == NULL)
    return FALSE;

  cpus = acrn_registry_allocate_cpus (self->registry, vm_id (self),
                                      vmm_hypervisor_config_get_vcpus (self->config),
                                      (const guint32 *) allowed->data, allowed->len,
                                      vmm_hypervisor_config_get_exclusive_cpus (self->config),
                                      error);
  self->registry_clean = FALSE;
  if (cpus == NULL)
    goto fail;

  /* A vsock device without a CID gets the VM's CID (one per VM). */
  resolved = vmm_hypervisor_config_copy (self->config);
  devices = vmm_hypervisor_config_get_devices (resolved);
  for (guint i = 0; i < devices->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (devices, i);
      guint32 want, got = 0;

      if (!VMM_IS_VSOCK_DEVICE (device))
        continue;
      want = vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device));
      if (!acrn_registry_allocate_cid (self->registry, vm_id (self), want, &got, error))
        goto fail;
      g_object_set (device, "cid", got, NULL);
      cid = got;
    }

  argv = acrn_cmdline_build (resolved, self->vm_name, (const guint *) cpus->data, cpus->len,
                             self->console_path, &slot_map, error);
  if (argv == NULL)
    goto fail;

  g_array_set_size (self->cpus, 0);
  g_array_append_vals (self->cpus, cpus->data, cpus->len);
  self->cid = cid;
  self->resources_held = TRUE;
  self->resources_current = TRUE;
  set_command_line (self, g_steal_pointer (&argv));

  /* The pool is empty whenever this runs (no acrn-dm). */
  g_array_set_size (self->pool, 0);
  for (guint i = 0; i < slot_map.n_pool_slots; i++)
    {
      PoolEntry entry = { slot_map.pool_slots[i], NULL, FALSE };

      g_array_append_val (self->pool, entry);
    }
  return TRUE;

fail:
  if (fresh)
    release_resources (self);
  return FALSE;
}

static void
clear_vm (VmmAcrnHypervisor *self)
{
  drop_process (self);
  g_clear_object (&self->registry);
  g_clear_pointer (&self->vm_name, g_free);
  g_clear_pointer (&self->vm_dir, g_free);
  g_clear_pointer (&self->state_path, g_free);
  g_clear_pointer (&self->log_path, g_free);
  g_clear_pointer (&self->console_path, g_free);
  g_array_set_size (self->cpus, 0);
  g_array_set_size (self->pool, 0);
  self->cid = 0;
  self->resources_held = FALSE;
  self->resources_current = FALSE;
  self->registry_clean = FALSE;
  self->last_pid = 0;
  g_clear_object (&self->config);
  g_clear_object (&self->rendered_config);
  g_clear_pointer (&self->rendered_config_json, g_free);
  if (self->command_line != NULL)
    set_command_line (self, NULL);
}

/* Sets the paths that follow from the config. */
static void
set_vm (VmmAcrnHypervisor   *self,
        VmmHypervisorConfig *config,
        const char          *vm_name,
        const char          *console_path)
{
  const char *store_dir = vmm_hypervisor_config_get_store_dir (config);
  const char *id = vmm_hypervisor_config_get_id (config);

  g_set_object (&self->config, config);
  g_free (self->vm_name);
  self->vm_name = g_strdup (vm_name);
  self->vm_dir = acrn_state_get_dir (store_dir, id);
  self->state_path = acrn_state_get_path (store_dir, id);
  self->log_path = g_build_filename (self->vm_dir, "acrn-dm.log", NULL);
  self->console_path = console_path != NULL ? g_strdup (console_path)
                                            : acrn_cmdline_get_console_path (config);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VM_NAME]);
}

/* ---- probe, capabilities ----------------------------------------------------- */

static VmmCapabilities
acrn_get_capabilities (VmmHypervisor *hypervisor)
{
  return VMM_ACRN_CAPABILITIES;
}

static gboolean
acrn_probe (VmmHypervisor        *hypervisor,
            VmmHypervisorConfig  *config,
            GError              **error)
{
  const char *dm = config != NULL ? vmm_hypervisor_config_get_hypervisor_path (config) : NULL;
  const char *ctl = config != NULL ? vmm_hypervisor_config_get_ctl_path (config) : NULL;

  if (!acrn_probe_host (dm, ctl, error))
    return FALSE;
  return config == NULL || acrn_probe_config (config, error);
}

/* ---- create -------------------------------------------------------------------- */

static gboolean
check_not_running_elsewhere (const char  *state_path,
                             const char  *id,
                             GError     **error)
{
  g_autoptr(AcrnState) old = acrn_state_load (state_path, NULL);

  if (old != NULL && old->pid > 0 && acrn_proc_is_live (old->pid, old->start_time))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE,
                   "VM %s already runs (acrn-dm pid %d, state in %s): load its state "
                   "or stop it first", id, (int) old->pid, state_path);
      return FALSE;
    }
  return TRUE;
}

static void
acrn_create_vm_async (VmmHypervisor       *hypervisor,
                      VmmHypervisorConfig *config,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = acrn_task_new (self, cancellable, callback, user_data,
                                         acrn_create_vm_async);
  g_autoptr(VmmHypervisorConfig) copy = NULL;
  g_autofree char *vm_name = NULL;
  g_autofree char *state_path = NULL;
  GError *error = NULL;
  gboolean made_dir = FALSE;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  copy = vmm_hypervisor_config_copy (config);
  if (!vmm_hypervisor_config_validate (copy, &error) ||
      !acrn_cmdline_check_config (copy, &error) ||
      !acrn_probe_config (copy, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  state_path = acrn_state_get_path (vmm_hypervisor_config_get_store_dir (copy),
                                    vmm_hypervisor_config_get_id (copy));
  if (!check_not_running_elsewhere (state_path, vmm_hypervisor_config_get_id (copy), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  self->registry = acrn_registry_new (vmm_hypervisor_config_get_store_dir (copy), &error);
  if (self->registry == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  vm_name = acrn_vm_name_for_id (vmm_hypervisor_config_get_id (copy));
  set_vm (self, copy, vm_name, NULL);

  if (!ensure_resources (self, &error))
    goto fail;

  if (!g_file_test (self->vm_dir, G_FILE_TEST_IS_DIR))
    {
      if (g_mkdir_with_parents (self->vm_dir, 0700) != 0)
        {
          int errsv = errno;

          g_set_error (&error, VMM_ERROR, VMM_ERROR_IO, "Cannot create %s: %s",
                       self->vm_dir, g_strerror (errsv));
          goto fail;
        }
      made_dir = TRUE;
    }

  if (!write_state_file (self, VMM_VM_STATE_CREATED, &error))
    goto fail;

  vmm_hypervisor_base_set_config (VMM_HYPERVISOR_BASE (self), self->config);
  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), -1);
  acrn_log (self, G_LOG_LEVEL_INFO, "created as %s", self->vm_name);
  vmm_hypervisor_base_set_state (VMM_HYPERVISOR_BASE (self), VMM_VM_STATE_CREATED);
  g_task_return_boolean (task, TRUE);
  return;

fail:
  /* Nothing stays behind: registry entry, state file, directory. */
  release_resources (self);
  if (made_dir)
    {
      g_unlink (self->state_path);
      g_rmdir (self->vm_dir);
    }
  clear_vm (self);
  g_task_return_error (task, error);
}

/* ---- start ------------------------------------------------------------------------ */

static void
start_forward_cancel (GCancellable *cancellable,
                      gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void complete_stop_tasks (VmmAcrnHypervisor *self, GError *error);
static void stop_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* Ends the bookkeeping of a start; returns whether the caller cancelled. */
static gboolean
start_clear (VmmAcrnHypervisor *self)
{
  gboolean caller_cancelled;

  if (self->start_caller_cancellable != NULL)
    g_cancellable_disconnect (self->start_caller_cancellable, self->start_forward_id);
  self->start_forward_id = 0;
  caller_cancelled = g_cancellable_is_cancelled (self->start_caller_cancellable);
  g_clear_object (&self->start_caller_cancellable);
  g_clear_object (&self->start_cancellable);
  g_clear_object (&self->start_task);
  return caller_cancelled;
}

/* The CPUs and the CID live exactly as long as acrn-dm: they are handed to
 * it as soon as it is spawned (while it boots), so that they stay taken
 * if this process goes away meanwhile. */
static void
hand_resources_to (VmmAcrnHypervisor *self,
                   AcrnProcess       *process)
{
  g_autoptr(GError) error = NULL;
  GPid pid = acrn_process_get_pid (process);
  guint64 start_time = acrn_process_get_start_time (process);

  if (pid <= 0 || start_time == 0)
    return;  /* gone already: the start fails and keeps them ours */

  if (!acrn_registry_hand_to_child (self->registry, vm_id (self), pid, start_time, &error))
    acrn_log (self,
              g_error_matches (error, VMM_ERROR, VMM_ERROR_STALE_STATE)
                ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_WARNING,
              "Cannot hand its CPUs to acrn-dm: %s", error->message);
}

/* A start failed and the VM keeps its CPUs: they are ours again. */
static void
take_resources_back (VmmAcrnHypervisor *self)
{
  g_autoptr(GError) error = NULL;

  if (!acrn_registry_set_owner_pid (self->registry, vm_id (self),
                                    acrn_registry_get_owner_pid (self->registry),
                                    acrn_registry_get_owner_start_time (self->registry),
                                    &error) &&
      !g_error_matches (error, VMM_ERROR, VMM_ERROR_NOT_FOUND))
    acrn_log (self, G_LOG_LEVEL_WARNING, "Cannot take its CPUs back from acrn-dm: %s",
              error->message);
}

static void
start_wait_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VmmAcrnHypervisor *self = g_task_get_source_object (task);
  g_autoptr(AcrnProcess) process = g_object_ref (ACRN_PROCESS (source));
  GError *error = NULL;
  gboolean caller_cancelled;
  VmmVmState prev = self->start_prev_state;

  caller_cancelled = start_clear (self);

  if (acrn_process_wait_running_finish (process, result, &error) && self->stop_during_start)
    {
      /* acrn-dm came up just as stop_vm arrived: stop it now. */
      self->stop_during_start = FALSE;
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_PROCESS_EXITED,
                               "VM %s was stopped while it was starting", vm_id (self));
      acrn_process_stop_async (process, TRUE,
                               vmm_hypervisor_config_get_stop_timeout_ms (self->config), NULL,
                               stop_done_cb, g_object_ref (g_ptr_array_index (self->stop_tasks, 0)));
      return;
    }
  if (error == NULL)
    {
      acrn_log (self, G_LOG_LEVEL_INFO, "running (acrn-dm pid %d)",
                (int) acrn_process_get_pid (process));
      transition (self, VMM_VM_STATE_RUNNING);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* acrn-dm is dead and reaped. */
  acrn_log (self, G_LOG_LEVEL_WARNING, "start failed: %s", error->message);

  if (self->stop_during_start)
    {
      self->stop_during_start = FALSE;
      end_run (self, acrn_process_get_wait_status (process));
      transition (self, VMM_VM_STATE_STOPPED);
      g_clear_error (&error);
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_PROCESS_EXITED,
                               "VM %s was stopped while it was starting", vm_id (self));
      complete_stop_tasks (self, NULL);
      return;
    }

  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self),
                                       acrn_process_get_wait_status (process));
  remove_stale_socket (self, acrn_process_get_pid (process));
  drop_process (self);
  /* Back to where it was: a created VM keeps its CPUs; a stopped one had
   * taken them again for this start. */
  if (prev != VMM_VM_STATE_CREATED)
    release_resources (self);
  else
    take_resources_back (self);
  transition (self, prev);

  if (caller_cancelled && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "Starting VM %s was cancelled; acrn-dm was killed", vm_id (self));
    }
  g_task_return_error (task, error);
}

static void
acrn_start_vm_async (VmmHypervisor       *hypervisor,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = acrn_task_new (self, cancellable, callback, user_data,
                                         acrn_start_vm_async);
  g_autoptr(AcrnProcess) process = NULL;
  VmmVmState prev = current_state (self);
  gboolean had_resources = self->resources_held;
  GError *error = NULL;

  g_return_if_fail (self->start_task == NULL);

  /* Right after create_vm (or a start that failed) the CPUs and the
   * command line are current; after a stop, or a loaded state, take them
   * (again) from the registry. */
  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      (!self->resources_current && !ensure_resources (self, &error)))
    {
      g_task_return_error (task, error);
      return;
    }

  g_mkdir_with_parents (self->vm_dir, 0700);
  vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), -1);
  self->start_prev_state = prev;
  self->start_task = g_object_ref (task);
  self->start_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      self->start_caller_cancellable = g_object_ref (cancellable);
      self->start_forward_id = g_cancellable_connect (cancellable, G_CALLBACK (start_forward_cancel),
                                                      self->start_cancellable, NULL);
    }

  /* acrn-dm is spawned first, so that the state file written with
   * STARTING already names its pid and start time: a manager that dies
   * from here on leaves a VM that can be found and re-attached. The
   * state file and the handlers see STARTING while it boots. */
  process = acrn_process_spawn ((const char * const *) self->command_line, vm_id (self),
                                self->log_path, owner_context (self), &error);
  if (process == NULL)
    {
      acrn_log (self, G_LOG_LEVEL_WARNING, "%s", error->message);
      start_clear (self);
      if (!had_resources)
        release_resources (self);
      transition (self, VMM_VM_STATE_STARTING);
      transition (self, prev);
      g_task_return_error (task, error);
      return;
    }
  adopt_process (self, process);

  acrn_process_wait_running_async (process, self->mngr_dir, self->vm_name,
                                   vmm_hypervisor_config_get_start_timeout_ms (self->config),
                                   self->start_cancellable, start_wait_cb, g_object_ref (task));
  hand_resources_to (self, process);

  /* A handler of this transition may call stop_vm at once: that cancels
   * the wait, which kills acrn-dm, and start_wait_cb() ends both. */
  transition (self, VMM_VM_STATE_STARTING);
}

/* ---- stop ---------------------------------------------------------------------------- */

static void
complete_stop_tasks (VmmAcrnHypervisor *self,
                     GError            *error)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->stop_tasks);

  if (tasks == NULL)
    {
      g_clear_error (&error);
      return;
    }
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
  g_clear_error (&error);
}

static void
stop_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VmmAcrnHypervisor *self = g_task_get_source_object (task);
  g_autoptr(AcrnProcess) process = g_object_ref (ACRN_PROCESS (source));
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;
  gboolean forced = FALSE;

  if (!acrn_process_stop_finish (process, result, &forced, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Not even SIGKILL ended it: it stays stopping. */
      acrn_log (self, G_LOG_LEVEL_WARNING, "stop failed: %s", error->message);
      complete_stop_tasks (self, g_error_copy (error));
      return;
    }

  how = acrn_process_describe_exit (process);
  acrn_log (self, G_LOG_LEVEL_INFO, "stopped: acrn-dm %s%s", how,
            forced ? " (after SIGKILL)" : "");
  end_run (self, acrn_process_get_wait_status (process));
  transition (self, VMM_VM_STATE_STOPPED);

  if (error != NULL)
    {
      /* Cancelled: the caller who cancelled learns it; the VM is stopped. */
      g_ptr_array_remove (self->stop_tasks, task);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  complete_stop_tasks (self, NULL);
}

static void
acrn_stop_vm_async (VmmHypervisor       *hypervisor,
                    VmmStopFlags         flags,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = acrn_task_new (self, cancellable, callback, user_data,
                                         acrn_stop_vm_async);
  VmmVmState state = current_state (self);

  if (self->stop_tasks != NULL)
    {
      /* Already stopping: done together with the stop in progress. */
      g_ptr_array_add (self->stop_tasks, g_steal_pointer (&task));
      return;
    }

  if (state == VMM_VM_STATE_CREATED || state == VMM_VM_STATE_STOPPED ||
      state == VMM_VM_STATE_CRASHED || (self->process == NULL && self->start_task == NULL))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->stop_tasks, g_object_ref (task));

  acrn_log (self, G_LOG_LEVEL_INFO, "stopping%s",
            (flags & VMM_STOP_FLAGS_WAIT_ONLY) ? " (waiting for it to exit)" : " (SIGINT)");

  if (self->start_task != NULL)
    {
      /* Starting: abort the start (acrn-dm is killed); the start's end
       * completes the stop. */
      transition (self, VMM_VM_STATE_STOPPING);
      self->stop_during_start = TRUE;
      g_cancellable_cancel (self->start_cancellable);
      return;
    }

  /* SIGINT first: acrn-dm shuts down while the state file is written.
   * Its exit is only handled from the main loop, after STOPPING. */
  acrn_process_stop_async (self->process, (flags & VMM_STOP_FLAGS_WAIT_ONLY) == 0,
                           vmm_hypervisor_config_get_stop_timeout_ms (self->config),
                           cancellable, stop_done_cb, g_object_ref (task));
  transition (self, VMM_VM_STATE_STOPPING);
}

/* ---- an exit nobody asked for ------------------------------------------------------------ */

static void
on_process_exited (AcrnProcess *process,
                   int          wait_status,
                   gpointer     user_data)
{
  VmmAcrnHypervisor *self = user_data;
  g_autofree char *how = NULL;
  g_autofree char *tail = NULL;
  VmmVmState new_state;

  /* A start or a stop in progress handles the exit itself. */
  if (process != self->process || current_state (self) != VMM_VM_STATE_RUNNING)
    return;

  how = acrn_process_describe_exit (process);
  tail = acrn_process_get_output_tail (process);
  new_state = (wait_status != -1 && WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0)
              ? VMM_VM_STATE_STOPPED : VMM_VM_STATE_CRASHED;

  if (new_state == VMM_VM_STATE_CRASHED)
    acrn_log (self, G_LOG_LEVEL_WARNING, "acrn-dm (pid %d) %s unexpectedly%s%s",
              (int) acrn_process_get_pid (process), how,
              tail != NULL ? "; its last output:\n" : "", tail != NULL ? tail : "");
  else
    acrn_log (self, G_LOG_LEVEL_INFO, "the guest powered off (acrn-dm %s)", how);

  end_run (self, wait_status);
  transition (self, new_state);
}

/* ---- devices ------------------------------------------------------------------------------ */

static VmmDevice *
copy_device (VmmDevice  *device,
             GError    **error)
{
  g_autoptr(JsonNode) node = vmm_device_to_json (device);

  return vmm_device_new_from_json (node, error);
}

static gboolean
acrn_add_device (VmmHypervisor  *hypervisor,
                 VmmDevice      *device,
                 GError        **error)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(VmmDevice) copy = NULL;
  g_autofree char *description = NULL;
  GPtrArray *devices = vmm_hypervisor_config_get_devices (self->config);
  GError *local_error = NULL;

  if (!acrn_cmdline_check_device (device, (int) devices->len, error))
    return FALSE;
  copy = copy_device (device, error);
  if (copy == NULL)
    return FALSE;

  vmm_hypervisor_config_add_device (self->config, copy);
  if (!acrn_probe_config (self->config, &local_error) ||
      !ensure_resources (self, &local_error))
    {
      g_autoptr(GError) restore_error = NULL;

      vmm_hypervisor_config_remove_device (self->config, copy);
      if (self->resources_held && !ensure_resources (self, &restore_error))
        acrn_log (self, G_LOG_LEVEL_WARNING, "%s", restore_error->message);
      g_propagate_error (error, local_error);
      return FALSE;
    }

  description = vmm_device_describe (copy);
  acrn_log (self, G_LOG_LEVEL_DEBUG, "added %s", description);
  save_state_file (self);
  return TRUE;
}

typedef struct
{
  guint      index;        /* in the pool */
  guint      generation;
  VmmDevice *device;
} Hotplug;

static void
hotplug_free (gpointer data)
{
  Hotplug *hp = data;

  g_clear_object (&hp->device);
  g_free (hp);
}

static void
hotplug_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VmmAcrnHypervisor *self = g_task_get_source_object (task);
  Hotplug *hp = g_task_get_task_data (task);
  GError *error = NULL;
  PoolEntry *entry;

  if (!acrn_ctl_blkrescan_finish (result, &error))
    {
      if (hp->generation == self->run_generation)
        {
          PoolEntry *failed = &g_array_index (self->pool, PoolEntry, hp->index);

          if (g_error_matches (error, VMM_ERROR, VMM_ERROR_TIMED_OUT))
            {
              /* acrnctl was killed: whether acrn-dm took the disk is
               * unknown. The slot stays out of use rather than be given
               * to another disk that acrn-dm would refuse. */
              g_prefix_error (&error, "Slot %u of VM %s is left unused (whether acrn-dm "
                              "took %s is unknown): ", failed->slot, vm_id (self),
                              vmm_block_device_get_path (VMM_BLOCK_DEVICE (hp->device)));
            }
          else
            {
              failed->busy = FALSE;
            }
        }
      acrn_log (self, G_LOG_LEVEL_WARNING, "hotplug failed: %s", error->message);
      g_task_return_error (task, error);
      return;
    }

  if (hp->generation != self->run_generation)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_PROCESS_EXITED,
                               "VM %s stopped while %s was being plugged", vm_id (self),
                               vmm_block_device_get_path (VMM_BLOCK_DEVICE (hp->device)));
      return;
    }

  entry = &g_array_index (self->pool, PoolEntry, hp->index);
  entry->busy = FALSE;
  entry->device = g_object_ref (hp->device);
  acrn_log (self, G_LOG_LEVEL_INFO, "plugged %s into slot %u",
            vmm_block_device_get_path (VMM_BLOCK_DEVICE (hp->device)), entry->slot);
  save_state_file (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
check_disk (VmmBlockDevice  *disk,
            GError         **error)
{
  const char *path = vmm_block_device_get_path (disk);
  GStatBuf st;

  if (!acrn_cmdline_check_disk_path (path, error))
    return FALSE;
  if (g_stat (path, &st) != 0)
    {
      int errsv = errno;

      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Disk %s cannot be used: %s", path, g_strerror (errsv));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Disk %s is neither a regular file nor a block device", path);
      return FALSE;
    }
  return TRUE;
}

static void
acrn_hotplug_add_device_async (VmmHypervisor       *hypervisor,
                               VmmDevice           *device,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = acrn_task_new (self, cancellable, callback, user_data,
                                         acrn_hotplug_add_device_async);
  GError *error = NULL;
  VmmBlockDevice *disk;
  Hotplug *hp;
  PoolEntry *entry = NULL;
  guint index = 0;

  if (!VMM_IS_BLOCK_DEVICE (device))
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED,
                               "ACRN cannot hot-plug a %s device; only disks can be added to "
                               "a running VM (into a nodisk slot)",
                               G_OBJECT_TYPE_NAME (device));
      return;
    }
  disk = VMM_BLOCK_DEVICE (device);

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !vmm_device_validate (device, &error) ||
      !check_disk (disk, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < self->pool->len; i++)
    {
      PoolEntry *e = &g_array_index (self->pool, PoolEntry, i);

      if (e->device != NULL &&
          g_strcmp0 (vmm_block_device_get_path (VMM_BLOCK_DEVICE (e->device)),
                     vmm_block_device_get_path (disk)) == 0)
        {
          g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                                   "Disk %s is already plugged into slot %u of VM %s",
                                   vmm_block_device_get_path (disk), e->slot, vm_id (self));
          return;
        }
      if (entry == NULL && e->device == NULL && !e->busy)
        {
          entry = e;
          index = i;
        }
    }
  if (entry == NULL)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_NO_RESOURCES,
                               "VM %s has no free nodisk slot for %s: all %u of the "
                               "block pool are in use (block-pool-size)", vm_id (self),
                               vmm_block_device_get_path (disk), self->pool->len);
      return;
    }

  /* Once acrnctl runs, the request may reach acrn-dm at any moment and
   * cannot be taken back: the hot-plug is no longer cancellable, and
   * completes with what acrnctl reports, so that the slot map always
   * says what acrn-dm holds. */
  g_task_set_check_cancellable (task, FALSE);
  entry->busy = TRUE;
  hp = g_new0 (Hotplug, 1);
  hp->index = index;
  hp->generation = self->run_generation;
  hp->device = copy_device (device, NULL);
  if (hp->device == NULL)
    hp->device = g_object_ref (device);
  g_task_set_task_data (task, hp, hotplug_free);

  acrn_ctl_blkrescan_async (ctl_path (self), self->mngr_dir, self->vm_name,
                            acrn_process_get_pid (self->process), entry->slot,
                            vmm_block_device_get_path (disk),
                            vmm_block_device_get_read_only (disk),
                            vmm_hypervisor_config_get_start_timeout_ms (self->config),
                            NULL, hotplug_done_cb, g_object_ref (task));
}

static VmmVsockDevice *
acrn_generate_socket (VmmHypervisor  *hypervisor,
                      GError        **error)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  guint32 cid = 0;

  if (!acrn_registry_allocate_cid (self->registry, vm_id (self), self->cid, &cid, error))
    return NULL;

  self->cid = cid;
  save_state_file (self);
  acrn_log (self, G_LOG_LEVEL_DEBUG, "vsock CID %u", cid);
  return vmm_vsock_device_new (cid, VMM_ACRN_VSOCK_PORT);
}

/* ---- check -------------------------------------------------------------------------------- */

static void
check_query_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VmmAcrnHypervisor *self = g_task_get_source_object (task);
  GError *error = NULL;
  int state = -1;

  if (!acrn_mngr_query_finish (result, &state, &error))
    {
      if (error->domain != VMM_ERROR && error->domain != G_IO_ERROR)
        {
          GError *wrapped = g_error_new_literal (VMM_ERROR, VMM_ERROR_IO, error->message);

          g_error_free (error);
          error = wrapped;
        }
      else if (error->domain == G_IO_ERROR && error->code != G_IO_ERROR_CANCELLED)
        {
          GError *wrapped = g_error_new (VMM_ERROR, VMM_ERROR_PROTOCOL,
                                         "VM %s does not answer: %s", vm_id (self), error->message);

          g_error_free (error);
          error = wrapped;
        }
      g_task_return_error (task, error);
      return;
    }
  if (state != ACRN_MNGR_VM_RUNNING)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_PROTOCOL,
                               "acrn-dm of VM %s reports state %d (%s), not running",
                               vm_id (self), state, acrn_mngr_state_to_string (state));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
acrn_check_async (VmmHypervisor       *hypervisor,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = acrn_task_new (self, cancellable, callback, user_data,
                                         acrn_check_async);
  g_autofree char *path = NULL;

  if (self->process == NULL || acrn_process_has_exited (self->process))
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_PROCESS_EXITED,
                               "acrn-dm of VM %s is not running", vm_id (self));
      return;
    }
  if (kill (acrn_process_get_pid (self->process), 0) != 0 && errno == ESRCH)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_PROCESS_EXITED,
                               "acrn-dm of VM %s (pid %d) is gone", vm_id (self),
                               (int) acrn_process_get_pid (self->process));
      return;
    }

  path = acrn_mngr_socket_path (self->mngr_dir, self->vm_name,
                                acrn_process_get_pid (self->process));
  acrn_mngr_query_async (path, CHECK_TIMEOUT_MS, cancellable, check_query_cb,
                         g_object_ref (task));
}

/* ---- cleanup ------------------------------------------------------------------------------- */

static void
remove_file (VmmAcrnHypervisor *self,
             const char        *path)
{
  if (path != NULL && g_unlink (path) != 0 && errno != ENOENT)
    acrn_log (self, G_LOG_LEVEL_WARNING, "Cannot remove %s: %s", path, g_strerror (errno));
}

static void
acrn_cleanup_async (VmmHypervisor       *hypervisor,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(GTask) task = acrn_task_new (self, cancellable, callback, user_data,
                                         acrn_cleanup_async);

  if (self->config == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  release_resources (self);
  remove_stale_socket (self, self->last_pid);

  /* Only the files this backend makes; anything else keeps the directory. */
  remove_file (self, self->state_path);
  remove_file (self, self->log_path);
  if (self->log_path != NULL)
    {
      g_autofree char *rotated = g_strconcat (self->log_path, ".1", NULL);

      remove_file (self, rotated);
    }
  if (self->console_path != NULL && g_str_has_prefix (self->console_path, self->vm_dir))
    remove_file (self, self->console_path);
  if (self->vm_dir != NULL && g_rmdir (self->vm_dir) != 0 && errno != ENOENT)
    acrn_log (self, G_LOG_LEVEL_INFO, "Kept %s: %s", self->vm_dir, g_strerror (errno));

  acrn_log (self, G_LOG_LEVEL_INFO, "cleaned up");
  g_clear_pointer (&self->state_path, g_free);
  transition (self, VMM_VM_STATE_NOT_CREATED);
  vmm_hypervisor_base_set_config (VMM_HYPERVISOR_BASE (self), NULL);
  clear_vm (self);
  g_task_return_boolean (task, TRUE);
}

/* ---- state ---------------------------------------------------------------------------------- */

static char *
acrn_save_state (VmmHypervisor  *hypervisor,
                 GError        **error)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(AcrnState) state = build_state (self, current_state (self));

  return acrn_state_to_json (state);
}

static gboolean
acrn_load_state (VmmHypervisor  *hypervisor,
                 const char     *json,
                 GError        **error)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  g_autoptr(AcrnState) state = NULL;
  g_autoptr(AcrnProcess) process = NULL;
  g_autoptr(AcrnRegistry) registry = NULL;
  VmmVmState new_state = VMM_VM_STATE_NOT_CREATED;
  g_autoptr(GError) gone_error = NULL;
  gboolean gone = FALSE;
  const char *hv_path;

  state = acrn_state_new_from_json (json, -1, "the saved state", error);
  if (state == NULL)
    return FALSE;

  switch (state->state)
    {
    case VMM_VM_STATE_NOT_CREATED:
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "The saved state of VM %s is of a VM that was not created", state->vm_id);
      return FALSE;

    case VMM_VM_STATE_CREATED:
    case VMM_VM_STATE_STOPPED:
    case VMM_VM_STATE_CRASHED:
      new_state = state->state;
      break;

    case VMM_VM_STATE_STARTING:
    case VMM_VM_STATE_RUNNING:
    case VMM_VM_STATE_PAUSED:
    case VMM_VM_STATE_STOPPING:
    default:
      if (state->pid == 0)
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                       "The saved state of VM %s says %s but names no acrn-dm process",
                       state->vm_id, vmm_vm_state_to_string (state->state));
          return FALSE;
        }
      hv_path = vmm_hypervisor_config_get_hypervisor_path (state->config);
      process = acrn_process_try_attach (state->pid, state->start_time,
                                         hv_path != NULL ? hv_path : ACRN_DM_DEFAULT_PATH,
                                         state->vm_id, owner_context (self), &gone,
                                         &gone_error);
      if (process == NULL && !gone)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&gone_error),
                                      "Cannot re-attach to VM %s: ", state->vm_id);
          return FALSE;
        }
      /* acrn-dm died while no manager watched it (its pid may run another
       * process now, left alone): the VM crashed, and can be cleaned up. */
      new_state = gone ? VMM_VM_STATE_CRASHED : VMM_VM_STATE_RUNNING;
      break;
    }

  registry = acrn_registry_new (vmm_hypervisor_config_get_store_dir (state->config), error);
  if (registry == NULL)
    return FALSE;

  /* Adopt everything. */
  self->registry = g_steal_pointer (&registry);
  if (g_strcmp0 (self->mngr_dir, state->mngr_dir) != 0)
    {
      g_free (self->mngr_dir);
      self->mngr_dir = g_strdup (state->mngr_dir);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MNGR_DIR]);
    }
  set_vm (self, state->config, state->vm_name,
          *state->console_path != '\0' ? state->console_path : NULL);
  g_array_append_vals (self->cpus, state->cpus->data, state->cpus->len);
  self->cid = state->cid;
  self->resources_held = state->cpus->len > 0 || state->cid != 0;
  for (guint i = 0; i < state->pool->len; i++)
    {
      AcrnPoolSlot *slot = &g_array_index (state->pool, AcrnPoolSlot, i);
      PoolEntry entry = { slot->slot, NULL, FALSE };

      if (slot->device != NULL && process != NULL)
        entry.device = g_object_ref (slot->device);
      g_array_append_val (self->pool, entry);
    }
  set_command_line (self, g_steal_pointer (&state->command_line));
  if (process != NULL)
    adopt_process (self, process);
  else
    self->last_pid = 0;

  vmm_hypervisor_base_set_config (VMM_HYPERVISOR_BASE (self), self->config);
  if (gone)
    {
      acrn_log (self, G_LOG_LEVEL_WARNING,
                "acrn-dm (pid %d) of VM %s exited while no manager watched it (%s)",
                (int) state->pid, state->vm_id, gone_error->message);
      vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), -1);
      remove_stale_socket (self, state->pid);
      release_resources (self);
    }
  else
    vmm_hypervisor_base_set_exit_status (VMM_HYPERVISOR_BASE (self), state->exit_status);
  acrn_log (self, G_LOG_LEVEL_INFO, "loaded (%s%s)", vmm_vm_state_to_string (new_state),
            process != NULL ? ", re-attached to acrn-dm" : "");
  transition (self, new_state);
  return TRUE;
}

/* ---- small queries ------------------------------------------------------------------------- */

static char *
acrn_get_vm_console (VmmHypervisor  *hypervisor,
                     GError        **error)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);

  if (self->console_path == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND, "VM %s has no console", vm_id (self));
      return NULL;
    }
  return g_strdup (self->console_path);
}

static GArray *
acrn_get_pids (VmmHypervisor *hypervisor)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (hypervisor);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));

  if (self->process != NULL && !acrn_process_has_exited (self->process))
    {
      GPid pid = acrn_process_get_pid (self->process);

      g_array_append_val (pids, pid);
    }
  return pids;
}

static gboolean
acrn_get_virtio_fs_pid (VmmHypervisor *hypervisor,
                        GPid          *pid)
{
  *pid = 0;
  return FALSE;
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
vmm_acrn_hypervisor_iface_init (VmmHypervisorInterface *iface)
{
  iface->get_capabilities = acrn_get_capabilities;
  iface->probe = acrn_probe;
  iface->create_vm_async = acrn_create_vm_async;
  iface->create_vm_finish = acrn_finish_boolean;
  iface->start_vm_async = acrn_start_vm_async;
  iface->start_vm_finish = acrn_finish_boolean;
  iface->stop_vm_async = acrn_stop_vm_async;
  iface->stop_vm_finish = acrn_finish_boolean;
  iface->add_device = acrn_add_device;
  iface->hotplug_add_device_async = acrn_hotplug_add_device_async;
  iface->hotplug_add_device_finish = acrn_finish_boolean;
  iface->check_async = acrn_check_async;
  iface->check_finish = acrn_finish_boolean;
  iface->cleanup_async = acrn_cleanup_async;
  iface->cleanup_finish = acrn_finish_boolean;
  iface->get_vm_console = acrn_get_vm_console;
  iface->get_pids = acrn_get_pids;
  iface->get_virtio_fs_pid = acrn_get_virtio_fs_pid;
  iface->save_state = acrn_save_state;
  iface->load_state = acrn_load_state;
  iface->generate_socket = acrn_generate_socket;
}

static char *
default_from_env (const char *variable,
                  const char *fallback)
{
  const char *value = g_getenv (variable);

  return g_strdup (value != NULL && *value != '\0' ? value : fallback);
}

static void
vmm_acrn_hypervisor_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (object);

  switch (prop_id)
    {
    case PROP_MNGR_DIR:
      g_value_set_string (value, self->mngr_dir);
      break;
    case PROP_CPUINFO_PATH:
      g_value_set_string (value, self->cpuinfo_path);
      break;
    case PROP_COMMAND_LINE:
      g_value_set_boxed (value, self->command_line);
      break;
    case PROP_VM_NAME:
      g_value_set_string (value, self->vm_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_acrn_hypervisor_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (object);
  const char *str;

  switch (prop_id)
    {
    case PROP_MNGR_DIR:
      str = g_value_get_string (value);
      g_free (self->mngr_dir);
      self->mngr_dir = str != NULL ? g_strdup (str)
                                   : default_from_env ("VMM_ACRN_MNGR_DIR", ACRN_MNGR_DEFAULT_DIR);
      break;
    case PROP_CPUINFO_PATH:
      str = g_value_get_string (value);
      g_free (self->cpuinfo_path);
      self->cpuinfo_path = str != NULL ? g_strdup (str)
                                       : default_from_env ("VMM_ACRN_CPUINFO",
                                                           ACRN_CPUINFO_DEFAULT_PATH);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_acrn_hypervisor_dispose (GObject *object)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (object);

  /* A running acrn-dm keeps running: another process may load the state
   * (see the state file) and take over. */
  drop_process (self);

  G_OBJECT_CLASS (vmm_acrn_hypervisor_parent_class)->dispose (object);
}

static void
vmm_acrn_hypervisor_finalize (GObject *object)
{
  VmmAcrnHypervisor *self = VMM_ACRN_HYPERVISOR (object);

  clear_vm (self);
  g_array_unref (self->cpus);
  g_array_unref (self->pool);
  g_free (self->mngr_dir);
  g_free (self->cpuinfo_path);

  G_OBJECT_CLASS (vmm_acrn_hypervisor_parent_class)->finalize (object);
}

static void
pool_entry_clear (gpointer data)
{
  PoolEntry *entry = data;

  g_clear_object (&entry->device);
}

static void
vmm_acrn_hypervisor_class_init (VmmAcrnHypervisorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = vmm_acrn_hypervisor_get_property;
  object_class->set_property = vmm_acrn_hypervisor_set_property;
  object_class->dispose = vmm_acrn_hypervisor_dispose;
  object_class->finalize = vmm_acrn_hypervisor_finalize;

  /**
   * VmmAcrnHypervisor:mngr-dir:
   *
   * The directory of acrn-dm's manager sockets. acrn-dm and acrnctl use
   * `/run/acrn/mngr`; the environment variable `VMM_ACRN_MNGR_DIR`
   * changes the default, for tests with a fake acrn-dm.
   */
  properties[PROP_MNGR_DIR] =
    g_param_spec_string ("mngr-dir", "Manager directory",
                         "The directory of acrn-dm's manager sockets",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * VmmAcrnHypervisor:cpuinfo-path:
   *
   * The file the LAPIC ids are read from (`apicid` lines), by default
   * `/proc/cpuinfo`; the environment variable `VMM_ACRN_CPUINFO` changes
   * the default, for tests.
   */
  properties[PROP_CPUINFO_PATH] =
    g_param_spec_string ("cpuinfo-path", "cpuinfo path",
                         "The file the LAPIC ids are read from",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * VmmAcrnHypervisor:command-line:
   *
   * The complete acrn-dm argv, argv[0] included, once the VM is created;
   * %NULL before. It changes when a device is added or the CPUs change on
   * a restart.
   */
  properties[PROP_COMMAND_LINE] =
    g_param_spec_boxed ("command-line", "Command line",
                        "The complete acrn-dm argv",
                        G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * VmmAcrnHypervisor:vm-name:
   *
   * The VM name given to acrn-dm (at most 15 characters, derived from the
   * config's id), once the VM is created.
   */
  properties[PROP_VM_NAME] =
    g_param_spec_string ("vm-name", "VM name",
                         "The VM name given to acrn-dm",
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vmm_acrn_hypervisor_class_finalize (VmmAcrnHypervisorClass *klass)
{
}

static void
vmm_acrn_hypervisor_init (VmmAcrnHypervisor *self)
{
  self->cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->pool = g_array_new (FALSE, TRUE, sizeof (PoolEntry));
  g_array_set_clear_func (self->pool, pool_entry_clear);
}

/* ---- registration -------------------------------------------------------------------------- */

/**
 * vmm_acrn_hypervisor_register_types:
 * @module: (nullable): the plugin's #GTypeModule, or %NULL to register
 *   static types (tests that link the backend)
 *
 * Registers #VmmAcrnHypervisor.
 */
void
vmm_acrn_hypervisor_register_types (GTypeModule *module)
{
  static const GInterfaceInfo iface_info = {
    (GInterfaceInitFunc) (void (*) (void)) vmm_acrn_hypervisor_iface_init, NULL, NULL
  };
  static gsize registered = 0;

  if (module != NULL)
    vmm_acrn_hypervisor_register_type (module);

  if (g_once_init_enter (&registered))
    {
      if (module == NULL)
        vmm_acrn_hypervisor_register_type (NULL);
      /* Added statically, once: libvmm never unloads a plugin. */
      g_type_add_interface_static (vmm_acrn_hypervisor_get_type (),
                                   VMM_TYPE_HYPERVISOR, &iface_info);
      g_once_init_leave (&registered, 1);
    }
}

/**
 * vmm_acrn_plugin_new:
 * @module: (nullable): as for vmm_acrn_hypervisor_register_types()
 *
 * Returns: (transfer full): the #VmmPlugin of the `"acrn"` backend,
 *   priority 100
 */
VmmPlugin *
vmm_acrn_plugin_new (GTypeModule *module)
{
  vmm_acrn_hypervisor_register_types (module);

  return vmm_plugin_new ("acrn",
                         "ACRN 3.x: drives acrn-dm and acrnctl in the Service VM",
                         100, VMM_TYPE_ACRN_HYPERVISOR);
}
