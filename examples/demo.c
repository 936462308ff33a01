/* demo.c: the life cycle of one VM with libvmm, from a GLib main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Build (installed libvmm):
 *   cc -o demo demo.c $(pkg-config --cflags --libs vmm-1)
 * Run on the stub plugin (no hypervisor needed):
 *   VMM_PLUGIN_PATH=_build/plugins/stub ./demo examples/stub.json [DISK]
 *
 * It loads the plugins, reads a JSON configuration, picks the plugin the
 * configuration names (or the default one), then creates the VM, starts it,
 * plugs DISK into it if one is given, stops it and cleans up, printing each
 * state change. Every operation is asynchronous: the program never blocks,
 * it reacts to completions in the main loop, as a real application (a
 * container shim, a device manager) would.
 *
 * Exit status: 0 when the whole life cycle worked, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <libvmm/vmm.h>

typedef struct
{
  GMainLoop           *loop;
  VmmHypervisor       *hypervisor;
  VmmHypervisorConfig *config;
  const char          *disk;        /* may be NULL */
  gboolean             was_running;
  int                  exit_status;
} Demo;

static void
fail (Demo       *demo,
      const char *what,
      GError     *error)
{
  fprintf (stderr, "demo: %s failed: %s\n", what, error->message);
  demo->exit_status = EXIT_FAILURE;
  g_main_loop_quit (demo->loop);
}

/* Emitted once for every transition, in the main context that created the
 * hypervisor (this one). */
static void
on_state_changed (VmmHypervisor *hypervisor,
                  VmmVmState     old_state,
                  VmmVmState     new_state,
                  Demo          *demo)
{
  printf ("state: %s -> %s\n",
          vmm_vm_state_to_string (old_state), vmm_vm_state_to_string (new_state));

  if (new_state == VMM_VM_STATE_RUNNING)
    demo->was_running = TRUE;
}

static void
cleaned_up (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;

  if (!vmm_hypervisor_cleanup_finish (demo->hypervisor, result, &error))
    {
      fail (demo, "cleanup", error);
      return;
    }

  /* All done: the VM is gone and its resources are released. */
  g_main_loop_quit (demo->loop);
}

static void
stopped (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;

  if (!vmm_hypervisor_stop_vm_finish (demo->hypervisor, result, &error))
    {
      fail (demo, "stop", error);
      return;
    }

  vmm_hypervisor_cleanup_async (demo->hypervisor, NULL, cleaned_up, demo);
}

static void
stop (Demo *demo)
{
  /* Ask the guest to shut down; the plugin forces it after the config's
   * stop-timeout-ms. */
  vmm_hypervisor_stop_vm_async (demo->hypervisor, VMM_STOP_FLAGS_NONE, NULL, stopped, demo);
}

static void
plugged (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;

  if (!vmm_hypervisor_hotplug_add_device_finish (demo->hypervisor, result, &error))
    {
      fail (demo, "hotplug", error);
      return;
    }

  printf ("plugged %s\n", demo->disk);
  stop (demo);
}

static void
started (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;

  if (!vmm_hypervisor_start_vm_finish (demo->hypervisor, result, &error))
    {
      fail (demo, "start", error);
      return;
    }

  pids = vmm_hypervisor_get_pids (demo->hypervisor);
  printf ("running, hypervisor process%s:", pids->len == 1 ? "" : "es");
  for (guint i = 0; i < pids->len; i++)
    printf (" %d", (int) g_array_index (pids, GPid, i));
  printf ("\n");

  if (demo->disk != NULL)
    {
      /* A disk plugged into the running VM (a free slot of the config's
       * block-pool-size). */
      g_autoptr(VmmBlockDevice) disk = vmm_block_device_new (demo->disk, TRUE);

      vmm_hypervisor_hotplug_add_device_async (demo->hypervisor, VMM_DEVICE (disk), NULL,
                                               plugged, demo);
      return;
    }

  stop (demo);
}

static void
created (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;

  if (!vmm_hypervisor_create_vm_finish (demo->hypervisor, result, &error))
    {
      fail (demo, "create", error);
      return;
    }

  vmm_hypervisor_start_vm_async (demo->hypervisor, NULL, started, demo);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  VmmPlugin *plugin;
  const char *name;
  Demo demo = { 0 };

  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: %s CONFIG.json [DISK]\n", argv[0]);
      return EXIT_FAILURE;
    }

  /* Plugins come from VMM_PLUGIN_PATH, then the installed plugin directory. */
  manager = vmm_plugin_manager_new ();
  vmm_plugin_manager_scan (manager);

  /* Errors name the file and the line:column or the key. */
  config = vmm_hypervisor_config_new_from_file (argv[1], &error);
  if (config == NULL)
    {
      fprintf (stderr, "demo: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* The plugin the configuration names, else the default: VMM_HYPERVISOR,
   * else the highest-priority plugin that can run on this host. */
  name = vmm_hypervisor_config_get_hypervisor (config);
  if (name != NULL)
    plugin = vmm_plugin_manager_find_plugin (manager, name);
  else
    plugin = vmm_plugin_manager_get_default_plugin (manager, &error);
  if (plugin == NULL)
    {
      if (error != NULL)
        fprintf (stderr, "demo: no plugin to use: %s\n", error->message);
      else
        fprintf (stderr, "demo: plugin '%s' is not installed\n", name);
      return EXIT_FAILURE;
    }
  printf ("plugin: %s (%s)\n", vmm_plugin_get_name (plugin), vmm_plugin_get_description (plugin));

  /* One hypervisor object drives one VM. */
  hypervisor = vmm_plugin_create_hypervisor (plugin);
  loop = g_main_loop_new (NULL, FALSE);

  demo.loop = loop;
  demo.hypervisor = hypervisor;
  demo.config = config;
  demo.disk = argc > 2 ? argv[2] : NULL;
  demo.exit_status = EXIT_SUCCESS;

  g_signal_connect (hypervisor, "state-changed", G_CALLBACK (on_state_changed), &demo);
  vmm_hypervisor_create_vm_async (hypervisor, config, NULL, created, &demo);
  g_main_loop_run (loop);
  g_signal_handlers_disconnect_by_data (hypervisor, &demo);

  if (demo.exit_status == EXIT_SUCCESS &&
      (!demo.was_running || vmm_hypervisor_get_state (hypervisor) != VMM_VM_STATE_NOT_CREATED))
    {
      fprintf (stderr, "demo: the VM did not go through its whole life cycle\n");
      demo.exit_status = EXIT_FAILURE;
    }

  return demo.exit_status;
}
