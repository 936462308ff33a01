/* vmmctl-detached.c: start, list, status, stop, hotplug: VMs that outlive
 * the vmmctl process that started them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `vmmctl start` creates and starts the VM, saves the hypervisor's state
 * (vmm_hypervisor_save_state()) in a record in the store dir and exits. The
 * other commands read the record, create a hypervisor object of the
 * recorded plugin and load the state into it (re-attach), do their work,
 * and update or remove the record.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vmmctl.h"

#define STORE_DIR_ENTRY(common) \
  { "store-dir", 's', 0, G_OPTION_ARG_FILENAME, &(common).store_dir, "Where the VMs are recorded (default: the store-dir of --config, else /run/libvmm)", "DIR" }
#define CONFIG_ENTRY(common) \
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &(common).config, "Take the store dir from this configuration file", "FILE" }

/* --store-dir, else --config's store-dir, else the default. */
static char *
resolve_store_dir (VmmctlCommon *common,
                   int          *exit_status)
{
  if (common->store_dir != NULL)
    return g_canonicalize_filename (common->store_dir, NULL);

  if (common->config != NULL)
    {
      g_autoptr(VmmHypervisorConfig) config = vmmctl_load_config (common->config, exit_status);

      if (config == NULL)
        return NULL;
      return g_strdup (vmm_hypervisor_config_get_store_dir (config));
    }

  return vmmctl_default_store_dir ();
}

static VmmctlRecord *
load_record (const char *store_dir,
             const char *id,
             int        *exit_status)
{
  g_autoptr(GError) error = NULL;
  VmmctlRecord *record;

  record = vmmctl_record_load (store_dir, id, &error);
  if (record == NULL)
    *exit_status = vmmctl_fail_error (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ?
                                      VMMCTL_EXIT_NOT_FOUND : VMMCTL_EXIT_FAILED,
                                      error, NULL);

  return record;
}

/* Creates a hypervisor object of the recorded plugin and loads the recorded
 * state into it. Returns NULL with @load_error set if load_state failed
 * (the VM may be gone), or NULL with the error printed and @exit_status
 * set for anything else. */
static VmmHypervisor *
reattach (VmmctlRecord      *record,
          VmmPluginManager  *manager,
          int               *exit_status,
          GError           **load_error)
{
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autofree char *why = g_strdup_printf ("(recorded for VM '%s')", record->id);
  VmmPlugin *plugin;

  plugin = vmmctl_find_plugin (manager, record->plugin, why, exit_status);
  if (plugin == NULL)
    return NULL;

  hypervisor = vmmctl_new_hypervisor (plugin, (const char * const *) record->properties, exit_status);
  if (hypervisor == NULL)
    return NULL;

  if (!vmm_hypervisor_load_state (hypervisor, record->state, load_error))
    return NULL;

  return g_steal_pointer (&hypervisor);
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *value)
{
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
detach (VmmHypervisor *hypervisor)
{
  if (hypervisor != NULL)
    vmm_hypervisor_disconnect (hypervisor);
}

static gboolean
check_id (const char *command,
          const char *id,
          int        *exit_status)
{
  if (vmmctl_is_valid_id (id))
    return TRUE;

  *exit_status = vmmctl_usage_error (command, "'%s' is not a valid VM id", id);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* vmmctl start                                                             */

/* Undoes a start that cannot be completed: stops and cleans up the VM,
 * removes the record and the directories made for it. */
static void
roll_back (VmmHypervisor *hypervisor,
           VmmctlRecord  *record)
{
  g_autoptr(GError) error = NULL;

  switch (vmm_hypervisor_get_state (hypervisor))
    {
    case VMM_VM_STATE_STARTING:
    case VMM_VM_STATE_RUNNING:
    case VMM_VM_STATE_PAUSED:
    case VMM_VM_STATE_STOPPING:
      if (!vmmctl_stop_vm (hypervisor, &error))
        {
          vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot stop the VM again");
          g_clear_error (&error);
        }
      break;
    default:
      break;
    }

  if (vmm_hypervisor_get_state (hypervisor) != VMM_VM_STATE_NOT_CREATED &&
      !vmmctl_cleanup_vm (hypervisor, &error))
    {
      vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot clean up the VM");
      g_clear_error (&error);
    }

  if (!vmmctl_record_remove (record, &error))
    vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, NULL);
}

int
vmmctl_cmd_start (int    argc,
                  char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  GOptionEntry entries[] = {
    VMMCTL_PLUGIN_ENTRY (common),
    { "property", 'P', 0, G_OPTION_ARG_STRING_ARRAY, &common.properties, "Set a property of the plugin's hypervisor object (repeatable; kept for later commands)", "NAME=VALUE" },
    { "store-dir", 's', 0, G_OPTION_ARG_FILENAME, &common.store_dir, "Use this store dir instead of the config's store-dir", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &common.json, "Print the result as JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(VmmctlRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *store_dir = NULL;
  VmmPlugin *plugin;
  const char *path;
  const char *id;
  int status = VMMCTL_EXIT_OK;

  if (!vmmctl_parse_options ("start", "FILE",
                             "Create and start the VM of a configuration file, record it in the store dir\n"
                             "(<store-dir>/" VMMCTL_RECORDS_DIR "/<id>.json) and return, leaving it running. Later\n"
                             "vmmctl processes re-attach to it through the record: see list, status, stop\n"
                             "and hotplug. Only plugins that can re-attach (capability 'reattach') can\n"
                             "be used.",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc < 2)
    return vmmctl_usage_error ("start", "missing FILE");
  if (argc > 2)
    return vmmctl_usage_error ("start", "unexpected argument '%s'", argv[2]);
  path = argv[1];

  config = vmmctl_load_config (path, &status);
  if (config == NULL)
    return status;
  id = vmm_hypervisor_config_get_id (config);

  if (common.store_dir != NULL)
    {
      store_dir = g_canonicalize_filename (common.store_dir, NULL);
      /* The backend keeps its files there too. */
      g_object_set (config, "store-dir", store_dir, NULL);
    }
  else
    {
      store_dir = g_strdup (vmm_hypervisor_config_get_store_dir (config));
    }

  manager = vmmctl_plugin_manager_new ();
  plugin = vmmctl_choose_plugin (manager, common.plugin, config, path, &status);
  if (plugin == NULL)
    return status;

  hypervisor = vmmctl_new_hypervisor (plugin, (const char * const *) common.properties, &status);
  if (hypervisor == NULL)
    return status;

  if ((vmm_hypervisor_get_capabilities (hypervisor) & VMM_CAPABILITIES_REATTACH) == 0)
    return vmmctl_fail (VMMCTL_EXIT_FAILED,
                        "plugin '%s' cannot re-attach to a VM from another process (no 'reattach' "
                        "capability), so it cannot run a VM in the background; use 'vmmctl run'",
                        vmm_plugin_get_name (plugin));

  record = vmmctl_record_reserve (store_dir, id, vmm_plugin_get_name (plugin),
                                  (const char * const *) common.properties, path, &error);
  if (record == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_autofree char *record_path = vmmctl_record_path (store_dir, id);

          return vmmctl_fail (VMMCTL_EXIT_EXISTS,
                              "VM '%s' is already started (recorded in %s); stop it first "
                              "with 'vmmctl stop %s --store-dir %s'",
                              id, record_path, id, store_dir);
        }
      return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot record VM '%s'", id);
    }

  vmmctl_watch_interrupts ();

  if (!vmmctl_create_vm (hypervisor, config, &error))
    {
      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot create VM '%s'", id);
      roll_back (hypervisor, record);
      return status;
    }

  if (!vmmctl_start_vm (hypervisor, &error))
    {
      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot start VM '%s'", id);
      roll_back (hypervisor, record);
      return status;
    }

  record->state = vmm_hypervisor_save_state (hypervisor, &error);
  if (record->state == NULL)
    {
      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot save the state of VM '%s'", id);
      roll_back (hypervisor, record);
      return status;
    }

  if (!vmmctl_record_save (record, &error))
    {
      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot record VM '%s'", id);
      roll_back (hypervisor, record);
      return status;
    }

  /* Leave it running: this process only lets go of it. */
  detach (hypervisor);

  if (common.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "plugin");
      json_builder_add_string_value (builder, record->plugin);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, vmm_vm_state_to_string (vmm_hypervisor_get_state (hypervisor)));
      json_builder_set_member_name (builder, "record");
      json_builder_add_string_value (builder, record->path);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      vmmctl_print_json (root);
    }
  else
    {
      printf ("Started VM '%s' with plugin '%s' (%s)\n", id, record->plugin,
              vmm_vm_state_to_string (vmm_hypervisor_get_state (hypervisor)));
    }

  return VMMCTL_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* vmmctl list                                                              */

typedef struct
{
  char *id;
  char *plugin;
  char *state;
  char *started;
  char *error;
} ListRow;

static void
list_row_clear (gpointer data)
{
  ListRow *row = data;

  g_free (row->id);
  g_free (row->plugin);
  g_free (row->state);
  g_free (row->started);
  g_free (row->error);
}

static void
fill_row (ListRow          *row,
          const char       *store_dir,
          const char       *id,
          VmmPluginManager *manager)
{
  g_autoptr(VmmctlRecord) record = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(GError) error = NULL;

  row->id = g_strdup (id);

  record = vmmctl_record_load (store_dir, id, &error);
  if (record == NULL)
    {
      row->state = g_strdup ("unreadable");
      row->error = g_strdup (error->message);
      return;
    }

  row->plugin = g_strdup (record->plugin);
  row->started = g_strdup (record->started);

  if (record->state == NULL)
    {
      row->state = g_strdup (vmmctl_record_owner_alive (record) ? "starting" : "incomplete");
      return;
    }

  if (vmm_plugin_manager_find_plugin (manager, record->plugin) == NULL)
    {
      row->state = g_strdup ("unknown");
      row->error = g_strdup_printf ("plugin '%s' is not installed", record->plugin);
      return;
    }

  {
    int status = VMMCTL_EXIT_OK;

    hypervisor = reattach (record, manager, &status, &error);
  }
  if (hypervisor == NULL)
    {
      row->state = g_strdup ("gone");
      row->error = g_strdup (error != NULL ? error->message : "cannot re-attach");
      return;
    }

  row->state = g_strdup (vmm_vm_state_to_string (vmm_hypervisor_get_state (hypervisor)));
  detach (hypervisor);
}

int
vmmctl_cmd_list (int    argc,
                 char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  GOptionEntry entries[] = {
    STORE_DIR_ENTRY (common),
    CONFIG_ENTRY (common),
    { "json", 0, 0, G_OPTION_ARG_NONE, &common.json, "Print JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *store_dir = NULL;
  int status = VMMCTL_EXIT_OK;

  if (!vmmctl_parse_options ("list", "",
                             "List the VMs recorded by 'vmmctl start' in the store dir, with their\n"
                             "current state (found by re-attaching to each): 'gone' when the VM no\n"
                             "longer exists, 'starting' while a 'vmmctl start' is under way and\n"
                             "'incomplete' when one was interrupted.",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc > 1)
    return vmmctl_usage_error ("list", "unexpected argument '%s'", argv[1]);

  store_dir = resolve_store_dir (&common, &status);
  if (store_dir == NULL)
    return status;

  ids = vmmctl_record_list_ids (store_dir, &error);
  if (ids == NULL)
    return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot list the VMs of %s", store_dir);

  manager = vmmctl_plugin_manager_new ();
  rows = g_array_new (FALSE, TRUE, sizeof (ListRow));
  g_array_set_clear_func (rows, list_row_clear);
  for (guint i = 0; i < ids->len; i++)
    {
      ListRow row = { NULL };

      fill_row (&row, store_dir, g_ptr_array_index (ids, i), manager);
      g_array_append_val (rows, row);
    }

  if (common.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < rows->len; i++)
        {
          ListRow *row = &g_array_index (rows, ListRow, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, row->id);
          json_builder_set_member_name (builder, "plugin");
          add_string_or_null (builder, row->plugin);
          json_builder_set_member_name (builder, "state");
          json_builder_add_string_value (builder, row->state);
          json_builder_set_member_name (builder, "started");
          add_string_or_null (builder, row->started);
          json_builder_set_member_name (builder, "error");
          add_string_or_null (builder, row->error);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      vmmctl_print_json (root);
      return VMMCTL_EXIT_OK;
    }

  if (rows->len == 0)
    {
      printf ("No VMs recorded in %s\n", store_dir);
      return VMMCTL_EXIT_OK;
    }

  {
    int id_width = (int) strlen ("ID");
    int plugin_width = (int) strlen ("PLUGIN");
    int state_width = (int) strlen ("STATE");

    for (guint i = 0; i < rows->len; i++)
      {
        ListRow *row = &g_array_index (rows, ListRow, i);

        id_width = MAX (id_width, (int) strlen (row->id));
        plugin_width = MAX (plugin_width, (int) strlen (row->plugin != NULL ? row->plugin : "-"));
        state_width = MAX (state_width, (int) strlen (row->state));
      }

    printf ("%-*s  %-*s  %-*s  %s\n", id_width, "ID", plugin_width, "PLUGIN",
            state_width, "STATE", "STARTED");
    for (guint i = 0; i < rows->len; i++)
      {
        ListRow *row = &g_array_index (rows, ListRow, i);

        printf ("%-*s  %-*s  %-*s  %s\n", id_width, row->id,
                plugin_width, row->plugin != NULL ? row->plugin : "-",
                state_width, row->state, row->started != NULL ? row->started : "-");
        if (row->error != NULL)
          printf ("%*s  (%s)\n", id_width, "", row->error);
      }
  }

  return VMMCTL_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* vmmctl status                                                            */

static void
add_capabilities (JsonBuilder     *builder,
                  VmmCapabilities  capabilities)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (VMM_TYPE_CAPABILITIES);

  json_builder_begin_array (builder);
  for (guint i = 0; i < klass->n_values; i++)
    {
      guint bit = klass->values[i].value;

      if (bit != 0 && (capabilities & bit) == bit)
        json_builder_add_string_value (builder, klass->values[i].value_nick);
    }
  json_builder_end_array (builder);
}

static JsonNode *
status_to_json (VmmctlRecord  *record,
                VmmHypervisor *hypervisor)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GArray) pids = vmm_hypervisor_get_pids (hypervisor);
  g_autofree char *console = vmm_hypervisor_get_vm_console (hypervisor, NULL);
  VmmHypervisorConfig *config = vmm_hypervisor_get_config (hypervisor);
  VmmVmState state = vmm_hypervisor_get_state (hypervisor);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, record->id);
  json_builder_set_member_name (builder, "plugin");
  json_builder_add_string_value (builder, record->plugin);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, vmm_vm_state_to_string (state));
  json_builder_set_member_name (builder, "exit-status");
  json_builder_add_int_value (builder, vmm_hypervisor_get_exit_status (hypervisor));
  json_builder_set_member_name (builder, "started");
  add_string_or_null (builder, record->started);
  json_builder_set_member_name (builder, "config-file");
  add_string_or_null (builder, record->config_file);
  json_builder_set_member_name (builder, "record");
  json_builder_add_string_value (builder, record->path);

  json_builder_set_member_name (builder, "pids");
  json_builder_begin_array (builder);
  for (guint i = 0; pids != NULL && i < pids->len; i++)
    json_builder_add_int_value (builder, g_array_index (pids, GPid, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "memory-mib");
  json_builder_add_int_value (builder, vmm_hypervisor_get_total_memory_mib (hypervisor));
  json_builder_set_member_name (builder, "console");
  add_string_or_null (builder, console);
  json_builder_set_member_name (builder, "capabilities");
  add_capabilities (builder, vmm_hypervisor_get_capabilities (hypervisor));

  json_builder_set_member_name (builder, "config");
  if (config != NULL)
    json_builder_add_value (builder, vmm_hypervisor_config_to_json_node (config));
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "properties");
  json_builder_add_value (builder, vmmctl_hypervisor_properties_to_json (hypervisor));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static char *
node_to_compact_string (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  return json_to_string (node, FALSE);
}

static const char *
string_member_or_dash (JsonObject *object,
                       const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return "-";

  return json_node_get_string (node);
}

static void
print_status (JsonNode *root)
{
  JsonObject *object = json_node_get_object (root);
  JsonObject *properties = json_object_get_object_member (object, "properties");
  JsonNode *config = json_object_get_member (object, "config");
  JsonArray *pids = json_object_get_array_member (object, "pids");
  g_autoptr(GString) pid_text = g_string_new (NULL);
  g_autoptr(GList) names = NULL;
  const char *state = json_object_get_string_member (object, "state");

  for (guint i = 0; i < json_array_get_length (pids); i++)
    g_string_append_printf (pid_text, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "",
                            json_array_get_int_element (pids, i));

  printf ("VM:       %s\n", json_object_get_string_member (object, "id"));
  printf ("Plugin:   %s\n", json_object_get_string_member (object, "plugin"));
  printf ("State:    %s", state);
  if (g_strcmp0 (state, "crashed") == 0 || g_strcmp0 (state, "stopped") == 0)
    {
      g_autofree char *how = vmmctl_describe_wait_status ((int) json_object_get_int_member (object, "exit-status"));

      printf (" (%s)", how);
    }
  printf ("\n");
  printf ("Started:  %s\n", string_member_or_dash (object, "started"));
  printf ("Config:   %s\n", string_member_or_dash (object, "config-file"));
  printf ("Record:   %s\n", string_member_or_dash (object, "record"));
  printf ("PIDs:     %s\n", pid_text->len > 0 ? pid_text->str : "-");
  printf ("Memory:   %" G_GINT64_FORMAT " MiB\n", json_object_get_int_member (object, "memory-mib"));
  printf ("Console:  %s\n", string_member_or_dash (object, "console"));

  if (config != NULL && JSON_NODE_HOLDS_OBJECT (config))
    {
      JsonArray *devices = json_object_get_array_member (json_node_get_object (config), "devices");

      printf ("Devices:%s\n", devices != NULL && json_array_get_length (devices) > 0 ? "" : "  -");
      for (guint i = 0; devices != NULL && i < json_array_get_length (devices); i++)
        {
          g_autofree char *text = json_to_string (json_array_get_element (devices, i), FALSE);

          printf ("  %s\n", text);
        }
    }

  names = json_object_get_members (properties);
  if (names != NULL)
    printf ("Backend properties:\n");
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *text = node_to_compact_string (json_object_get_member (properties, l->data));

      printf ("  %s: %s\n", (const char *) l->data, text);
    }
}

int
vmmctl_cmd_status (int    argc,
                   char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  GOptionEntry entries[] = {
    STORE_DIR_ENTRY (common),
    CONFIG_ENTRY (common),
    { "json", 0, 0, G_OPTION_ARG_NONE, &common.json, "Print JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(VmmctlRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *store_dir = NULL;
  const char *id;
  int status = VMMCTL_EXIT_OK;

  if (!vmmctl_parse_options ("status", "ID",
                             "Show the state of a VM started by 'vmmctl start': re-attach to it and print\n"
                             "its state, processes, memory, console, devices and the properties of the\n"
                             "plugin's hypervisor object.",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc < 2)
    return vmmctl_usage_error ("status", "missing ID");
  if (argc > 2)
    return vmmctl_usage_error ("status", "unexpected argument '%s'", argv[2]);
  id = argv[1];
  if (!check_id ("status", id, &status))
    return status;

  store_dir = resolve_store_dir (&common, &status);
  if (store_dir == NULL)
    return status;

  record = load_record (store_dir, id, &status);
  if (record == NULL)
    return status;

  if (record->state == NULL)
    return vmmctl_fail (VMMCTL_EXIT_FAILED,
                        vmmctl_record_owner_alive (record) ?
                        "VM '%s' is being started by vmmctl process %d" :
                        "VM '%s' has an incomplete record (its 'vmmctl start', process %d, was "
                        "interrupted); 'vmmctl stop' removes it",
                        id, record->owner_pid);

  manager = vmmctl_plugin_manager_new ();
  hypervisor = reattach (record, manager, &status, &error);
  if (hypervisor == NULL)
    {
      if (error != NULL)
        return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot re-attach to VM '%s'", id);
      return status;
    }

  root = status_to_json (record, hypervisor);
  detach (hypervisor);

  if (common.json)
    vmmctl_print_json (root);
  else
    print_status (root);

  return VMMCTL_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* vmmctl stop                                                              */

int
vmmctl_cmd_stop (int    argc,
                 char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  GOptionEntry entries[] = {
    STORE_DIR_ENTRY (common),
    CONFIG_ENTRY (common),
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(VmmctlRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *store_dir = NULL;
  const char *id;
  gboolean stopped = TRUE;
  gboolean crashed = FALSE;
  int status = VMMCTL_EXIT_OK;

  if (!vmmctl_parse_options ("stop", "ID",
                             "Stop a VM started by 'vmmctl start' (gracefully; the plugin forces it after\n"
                             "the config's stop-timeout-ms), clean it up and remove its record. A VM that\n"
                             "crashed (even while no vmmctl watched it) is cleaned up; one the plugin\n"
                             "cannot take over any more only has its record removed.",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc < 2)
    return vmmctl_usage_error ("stop", "missing ID");
  if (argc > 2)
    return vmmctl_usage_error ("stop", "unexpected argument '%s'", argv[2]);
  id = argv[1];
  if (!check_id ("stop", id, &status))
    return status;

  store_dir = resolve_store_dir (&common, &status);
  if (store_dir == NULL)
    return status;

  record = load_record (store_dir, id, &status);
  if (record == NULL)
    return status;

  if (record->state == NULL)
    {
      if (vmmctl_record_owner_alive (record))
        return vmmctl_fail (VMMCTL_EXIT_FAILED,
                            "VM '%s' is being started by vmmctl process %d; try again when it is done",
                            id, record->owner_pid);
      if (!vmmctl_record_remove (record, &error))
        return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, NULL);
      printf ("Removed the incomplete record of VM '%s'\n", id);
      return VMMCTL_EXIT_OK;
    }

  manager = vmmctl_plugin_manager_new ();
  hypervisor = reattach (record, manager, &status, &error);
  if (hypervisor == NULL)
    {
      if (error == NULL)
        return status;
      if (!g_error_matches (error, VMM_ERROR, VMM_ERROR_STALE_STATE))
        return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot re-attach to VM '%s'", id);

      /* The VM is gone already: forget it. */
      vmmctl_notice ("VM '%s' was no longer running (%s)", id, error->message);
      g_clear_error (&error);
      if (!vmmctl_record_remove (record, &error))
        return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, NULL);
      printf ("Removed the record of VM '%s'\n", id);
      return VMMCTL_EXIT_OK;
    }

  switch (vmm_hypervisor_get_state (hypervisor))
    {
    case VMM_VM_STATE_CRASHED:
      crashed = TRUE;
      G_GNUC_FALLTHROUGH;
    case VMM_VM_STATE_CREATED:
    case VMM_VM_STATE_STOPPED:
      /* Nothing runs: only the cleanup is left to do. */
      break;
    default:
      stopped = vmmctl_stop_vm (hypervisor, &error);
      break;
    }

  if (!stopped)
    {
      g_autoptr(GError) save_error = NULL;
      g_autofree char *state = NULL;

      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot stop VM '%s'", id);
      /* Keep the record up to date for the next attempt. */
      state = vmm_hypervisor_save_state (hypervisor, &save_error);
      if (state != NULL)
        {
          g_free (record->state);
          record->state = g_steal_pointer (&state);
          if (!vmmctl_record_save (record, &save_error))
            vmmctl_fail_error (VMMCTL_EXIT_FAILED, save_error, NULL);
        }
      detach (hypervisor);
      return status;
    }

  if (!vmmctl_cleanup_vm (hypervisor, &error))
    {
      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot clean up VM '%s'", id);
      detach (hypervisor);
      return status;
    }

  if (!vmmctl_record_remove (record, &error))
    return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, NULL);

  if (crashed)
    printf ("Cleaned up VM '%s' (it had crashed)\n", id);
  else
    printf ("Stopped VM '%s'\n", id);
  return VMMCTL_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* vmmctl hotplug                                                           */

int
vmmctl_cmd_hotplug (int    argc,
                    char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  gboolean read_only = FALSE;
  GOptionEntry entries[] = {
    { "read-only", 'r', 0, G_OPTION_ARG_NONE, &read_only, "Plug the disk read-only", NULL },
    STORE_DIR_ENTRY (common),
    CONFIG_ENTRY (common),
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(VmmctlRecord) record = NULL;
  g_autoptr(VmmDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *store_dir = NULL;
  g_autofree char *disk_path = NULL;
  g_autofree char *state = NULL;
  const char *id;
  int status = VMMCTL_EXIT_OK;

  if (!vmmctl_parse_options ("hotplug", "ID disk PATH",
                             "Plug a disk image (a file or a block device) into a running VM started by\n"
                             "'vmmctl start'. The plugin puts it in a free slot of its hot-plug pool\n"
                             "(the config's block-pool-size).",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc < 4)
    return vmmctl_usage_error ("hotplug", "expected ID disk PATH");
  if (argc > 4)
    return vmmctl_usage_error ("hotplug", "unexpected argument '%s'", argv[4]);
  id = argv[1];
  if (!check_id ("hotplug", id, &status))
    return status;
  if (strcmp (argv[2], "disk") != 0)
    return vmmctl_usage_error ("hotplug", "unknown device kind '%s' (known: disk)", argv[2]);

  disk_path = g_canonicalize_filename (argv[3], NULL);
  if (!g_file_test (disk_path, G_FILE_TEST_EXISTS))
    return vmmctl_fail (VMMCTL_EXIT_NOT_FOUND, "%s: no such disk image", argv[3]);

  device = VMM_DEVICE (vmm_block_device_new (disk_path, read_only));
  if (!vmm_device_validate (device, &error))
    return vmmctl_fail_error (VMMCTL_EXIT_USAGE, error, "%s", argv[3]);

  store_dir = resolve_store_dir (&common, &status);
  if (store_dir == NULL)
    return status;

  record = load_record (store_dir, id, &status);
  if (record == NULL)
    return status;
  if (record->state == NULL)
    return vmmctl_fail (VMMCTL_EXIT_FAILED, "VM '%s' is not started (its record is incomplete)", id);

  manager = vmmctl_plugin_manager_new ();
  hypervisor = reattach (record, manager, &status, &error);
  if (hypervisor == NULL)
    {
      if (error != NULL)
        return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot re-attach to VM '%s'", id);
      return status;
    }

  vmmctl_watch_interrupts ();

  if (!vmmctl_hotplug_vm (hypervisor, device, &error))
    {
      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot plug %s into VM '%s'",
                                  disk_path, id);
      detach (hypervisor);
      return status;
    }

  state = vmm_hypervisor_save_state (hypervisor, &error);
  if (state == NULL)
    {
      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot save the state of VM '%s'", id);
      detach (hypervisor);
      return status;
    }
  g_free (record->state);
  record->state = g_steal_pointer (&state);
  if (!vmmctl_record_save (record, &error))
    {
      status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot update the record of VM '%s'", id);
      detach (hypervisor);
      return status;
    }

  detach (hypervisor);
  printf ("Plugged disk %s into VM '%s'%s\n", disk_path, id, read_only ? " (read-only)" : "");

  return VMMCTL_EXIT_OK;
}
