/* vmmctl-run.c: vmmctl run, a VM in the foreground
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything happens on one GMainLoop: the operations are asynchronous,
 * SIGINT/SIGTERM come through g_unix_signal_add() and --stop-after is a
 * timeout source.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <glib-unix.h>

#include "vmmctl.h"

typedef enum {
  PHASE_CREATING,
  PHASE_STARTING,
  PHASE_RUNNING,
  PHASE_STOPPING,
  PHASE_CLEANING,
  PHASE_DONE,
} Phase;

typedef struct
{
  GMainLoop           *loop;
  VmmHypervisor       *hypervisor;
  VmmHypervisorConfig *config;
  GCancellable        *cancellable;   /* create and start, cancelled by a signal */
  gboolean             json;

  double               stop_after;    /* seconds; < 0 when not given */
  guint                stop_after_id;
  guint                signal_ids[2];
  guint                react_id;

  Phase                phase;
  gboolean             stop_requested;
  gboolean             forced;
  int                  exit_status;
} Run;

static void begin_stop (Run *run);
static void begin_cleanup (Run *run);

static const char *
vm_id (Run *run)
{
  return vmm_hypervisor_config_get_id (run->config);
}

static void
finish (Run *run)
{
  run->phase = PHASE_DONE;
  g_main_loop_quit (run->loop);
}

static void
print_transition (Run        *run,
                  VmmVmState  old_state,
                  VmmVmState  new_state)
{
  if (run->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *time = g_date_time_format (now, "%FT%T.%f%:z");
      g_autofree char *line = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "time");
      json_builder_add_string_value (builder, time);
      json_builder_set_member_name (builder, "old");
      json_builder_add_string_value (builder, vmm_vm_state_to_string (old_state));
      json_builder_set_member_name (builder, "new");
      json_builder_add_string_value (builder, vmm_vm_state_to_string (new_state));
      if (new_state == VMM_VM_STATE_CRASHED)
        {
          json_builder_set_member_name (builder, "exit-status");
          json_builder_add_int_value (builder, vmm_hypervisor_get_exit_status (run->hypervisor));
        }
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      line = json_generator_to_data (generator, NULL);
      printf ("%s\n", line);
    }
  else
    {
      g_autofree char *stamp = vmmctl_timestamp ();

      printf ("%s %s -> %s\n", stamp, vmm_vm_state_to_string (old_state),
              vmm_vm_state_to_string (new_state));
    }
  fflush (stdout);
}

/* Reactions to a state change run from an idle source, not from inside the
 * backend's signal emission. */
static gboolean
react_to_end (gpointer user_data)
{
  Run *run = user_data;

  run->react_id = 0;
  begin_cleanup (run);

  return G_SOURCE_REMOVE;
}

static void
report_crash (Run *run)
{
  g_autofree char *how = vmmctl_describe_wait_status (vmm_hypervisor_get_exit_status (run->hypervisor));

  vmmctl_notice ("VM '%s' crashed: %s", vm_id (run), how);
  run->exit_status = VMMCTL_EXIT_CRASHED;
}

/* The VM ended without being asked to: it crashed, or its guest powered
 * it off. */
static void
vm_ended_on_its_own (Run        *run,
                     VmmVmState  state)
{
  g_clear_handle_id (&run->stop_after_id, g_source_remove);

  if (state == VMM_VM_STATE_CRASHED)
    report_crash (run);
  else
    vmmctl_notice ("VM '%s' powered off", vm_id (run));

  run->phase = PHASE_CLEANING;
  if (run->react_id == 0)
    run->react_id = g_idle_add (react_to_end, run);
}

static void
on_state_changed (VmmHypervisor *hypervisor,
                  VmmVmState     old_state,
                  VmmVmState     new_state,
                  Run           *run)
{
  print_transition (run, old_state, new_state);

  if (run->phase == PHASE_RUNNING &&
      (new_state == VMM_VM_STATE_CRASHED || new_state == VMM_VM_STATE_STOPPED))
    vm_ended_on_its_own (run, new_state);
}

static void
cleanup_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!vmm_hypervisor_cleanup_finish (run->hypervisor, result, &error))
    {
      vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot clean up VM '%s'", vm_id (run));
      if (run->exit_status == VMMCTL_EXIT_OK)
        run->exit_status = VMMCTL_EXIT_FAILED;
    }

  finish (run);
}

static void
begin_cleanup (Run *run)
{
  run->phase = PHASE_CLEANING;

  switch (vmm_hypervisor_get_state (run->hypervisor))
    {
    case VMM_VM_STATE_CREATED:
    case VMM_VM_STATE_STOPPED:
    case VMM_VM_STATE_CRASHED:
      vmm_hypervisor_cleanup_async (run->hypervisor, NULL, cleanup_cb, run);
      break;
    case VMM_VM_STATE_NOT_CREATED:
      finish (run);
      break;
    default:
      /* Still running (a stop failed): there is nothing safe left to do. */
      vmmctl_notice ("VM '%s' is still %s; leaving it", vm_id (run),
                     vmm_vm_state_to_string (vmm_hypervisor_get_state (run->hypervisor)));
      finish (run);
      break;
    }
}

static void
stop_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!vmm_hypervisor_stop_vm_finish (run->hypervisor, result, &error))
    {
      vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot stop VM '%s'", vm_id (run));
      run->exit_status = VMMCTL_EXIT_FAILED;
    }

  begin_cleanup (run);
}

static void
begin_stop (Run *run)
{
  g_clear_handle_id (&run->stop_after_id, g_source_remove);
  run->phase = PHASE_STOPPING;
  vmm_hypervisor_stop_vm_async (run->hypervisor, VMM_STOP_FLAGS_NONE, NULL, stop_cb, run);
}

static gboolean
on_stop_after (gpointer user_data)
{
  Run *run = user_data;

  run->stop_after_id = 0;
  run->stop_requested = TRUE;
  vmmctl_notice ("stopping VM '%s' (--stop-after %g)", vm_id (run), run->stop_after);
  begin_stop (run);

  return G_SOURCE_REMOVE;
}

static void
start_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  VmmVmState state;

  if (!vmm_hypervisor_start_vm_finish (run->hypervisor, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && run->stop_requested)
        {
          vmmctl_notice ("start of VM '%s' cancelled", vm_id (run));
          run->exit_status = VMMCTL_EXIT_OK;
        }
      else
        {
          vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot start VM '%s'", vm_id (run));
          run->exit_status = VMMCTL_EXIT_FAILED;
        }
      begin_cleanup (run);
      return;
    }

  run->phase = PHASE_RUNNING;

  if (run->stop_requested)
    {
      begin_stop (run);
      return;
    }

  /* It may have ended already, between the transition and this callback. */
  state = vmm_hypervisor_get_state (run->hypervisor);
  if (state == VMM_VM_STATE_CRASHED || state == VMM_VM_STATE_STOPPED)
    {
      vm_ended_on_its_own (run, state);
      return;
    }

  if (run->stop_after >= 0)
    run->stop_after_id = g_timeout_add ((guint) (run->stop_after * 1000.0 + 0.5),
                                        on_stop_after, run);
}

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!vmm_hypervisor_create_vm_finish (run->hypervisor, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && run->stop_requested)
        run->exit_status = VMMCTL_EXIT_OK;
      else
        run->exit_status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot create VM '%s'",
                                              vm_id (run));
      begin_cleanup (run);
      return;
    }

  if (run->stop_requested)
    {
      begin_cleanup (run);
      return;
    }

  run->phase = PHASE_STARTING;
  vmm_hypervisor_start_vm_async (run->hypervisor, run->cancellable, start_cb, run);
}

/* A second signal: kill the hypervisor's processes, or give up waiting
 * when there are none that can be killed. */
static void
force (Run *run)
{
  g_autoptr(GArray) pids = vmm_hypervisor_get_pids (run->hypervisor);
  guint killed = 0;

  if (run->forced)
    {
      vmmctl_notice ("giving up on VM '%s', which may still be %s", vm_id (run),
                     vmm_vm_state_to_string (vmm_hypervisor_get_state (run->hypervisor)));
      run->exit_status = VMMCTL_EXIT_FAILED;
      finish (run);
      return;
    }
  run->forced = TRUE;

  for (guint i = 0; pids != NULL && i < pids->len; i++)
    {
      GPid pid = g_array_index (pids, GPid, i);

      if (pid > 0 && kill (pid, SIGKILL) == 0)
        {
          vmmctl_notice ("killed process %d of VM '%s'", (int) pid, vm_id (run));
          killed++;
        }
    }

  if (killed == 0)
    {
      vmmctl_notice ("no process of VM '%s' to kill; giving up on it", vm_id (run));
      run->exit_status = VMMCTL_EXIT_FAILED;
      finish (run);
    }
}

static gboolean
on_signal (gpointer user_data,
           int      signum)
{
  Run *run = user_data;
  const char *name = signum == SIGINT ? "SIGINT" : "SIGTERM";

  switch (run->phase)
    {
    case PHASE_CREATING:
    case PHASE_STARTING:
      if (!run->stop_requested)
        {
          vmmctl_notice ("%s: cancelling the start of VM '%s' (again to force)", name, vm_id (run));
          run->stop_requested = TRUE;
          g_cancellable_cancel (run->cancellable);
        }
      else
        force (run);
      break;

    case PHASE_RUNNING:
      vmmctl_notice ("%s: stopping VM '%s' (again to force)", name, vm_id (run));
      run->stop_requested = TRUE;
      begin_stop (run);
      break;

    case PHASE_STOPPING:
    case PHASE_CLEANING:
      vmmctl_notice ("%s: forcing VM '%s'", name, vm_id (run));
      force (run);
      break;

    case PHASE_DONE:
    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer user_data)
{
  return on_signal (user_data, SIGINT);
}

static gboolean
on_sigterm (gpointer user_data)
{
  return on_signal (user_data, SIGTERM);
}

int
vmmctl_cmd_run (int    argc,
                char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  g_autofree char *stop_after_text = NULL;
  double stop_after = -1;
  GOptionEntry entries[] = {
    VMMCTL_PLUGIN_ENTRY (common),
    { "property", 'P', 0, G_OPTION_ARG_STRING_ARRAY, &common.properties, "Set a property of the plugin's hypervisor object (repeatable)", "NAME=VALUE" },
    { "stop-after", 0, 0, G_OPTION_ARG_STRING, &stop_after_text, "Stop the VM SECONDS after it is running", "SECONDS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &common.json, "Print each state change as a line of JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  VmmPlugin *plugin;
  const char *path;
  int status = VMMCTL_EXIT_OK;
  Run run = { 0 };

  if (!vmmctl_parse_options ("run", "FILE",
                             "Create and start the VM of a configuration file and print each of its state\n"
                             "changes (HH:MM:SS.mmm OLD -> NEW) until it ends. SIGINT (Ctrl-C) or SIGTERM\n"
                             "stops it gracefully; a second one forces it. The exit status tells how the\n"
                             "VM ended: 0 stopped on request or powered off, 1 start or stop failed,\n"
                             "3 crashed.",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc < 2)
    return vmmctl_usage_error ("run", "missing FILE");
  if (argc > 2)
    return vmmctl_usage_error ("run", "unexpected argument '%s'", argv[2]);
  if (stop_after_text != NULL)
    {
      char *end = NULL;

      errno = 0;
      stop_after = g_ascii_strtod (stop_after_text, &end);
      if (stop_after_text[0] == '\0' || *end != '\0' || errno != 0 ||
          !(stop_after >= 0 && stop_after <= (double) (G_MAXUINT / 1000)))
        return vmmctl_usage_error ("run", "--stop-after '%s': expected a number of seconds "
                                   "from 0 to %u", stop_after_text, G_MAXUINT / 1000);
    }
  path = argv[1];

  config = vmmctl_load_config (path, &status);
  if (config == NULL)
    return status;

  manager = vmmctl_plugin_manager_new ();
  plugin = vmmctl_choose_plugin (manager, common.plugin, config, path, &status);
  if (plugin == NULL)
    return status;

  hypervisor = vmmctl_new_hypervisor (plugin, (const char * const *) common.properties, &status);
  if (hypervisor == NULL)
    return status;

  loop = g_main_loop_new (NULL, FALSE);
  cancellable = g_cancellable_new ();

  run.loop = loop;
  run.hypervisor = hypervisor;
  run.config = config;
  run.cancellable = cancellable;
  run.json = common.json;
  run.stop_after = stop_after;
  run.phase = PHASE_CREATING;
  run.exit_status = VMMCTL_EXIT_OK;

  g_signal_connect (hypervisor, "state-changed", G_CALLBACK (on_state_changed), &run);
  run.signal_ids[0] = g_unix_signal_add (SIGINT, on_sigint, &run);
  run.signal_ids[1] = g_unix_signal_add (SIGTERM, on_sigterm, &run);

  vmm_hypervisor_create_vm_async (hypervisor, config, cancellable, create_cb, &run);
  g_main_loop_run (loop);

  g_clear_handle_id (&run.signal_ids[0], g_source_remove);
  g_clear_handle_id (&run.signal_ids[1], g_source_remove);
  g_clear_handle_id (&run.stop_after_id, g_source_remove);
  g_clear_handle_id (&run.react_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (hypervisor, &run);

  /* An operation still in flight (after giving up) holds a reference and
   * points at @run: let nothing call back into it. */
  if (vmm_hypervisor_get_state (hypervisor) != VMM_VM_STATE_NOT_CREATED)
    vmm_hypervisor_disconnect (hypervisor);

  return run.exit_status;
}
