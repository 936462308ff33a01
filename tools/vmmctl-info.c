/* vmmctl-info.c: the commands that start nothing: plugins, validate,
 * cmdline
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vmmctl.h"

/* ------------------------------------------------------------------------ */
/* vmmctl plugins                                                           */

typedef struct
{
  VmmPlugin *plugin;       /* owned by the manager */
  char      *probe_error;  /* NULL when the probe passed */
} PluginRow;

static void
plugin_row_clear (gpointer data)
{
  PluginRow *row = data;

  g_free (row->probe_error);
}

int
vmmctl_cmd_plugins (int    argc,
                    char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &common.json, "Print JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(GPtrArray) plugins = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GError) default_error = NULL;
  GPtrArray *load_errors;
  VmmPlugin *default_plugin;
  const char * const *search_path;

  if (!vmmctl_parse_options ("plugins", "",
                             "List the hypervisor plugins found in the plugin search path (VMM_PLUGIN_PATH,\n"
                             "then the installed plugin directory): name, priority, file, and whether this\n"
                             "host can run each one (its probe), and why not. Files that failed to load\n"
                             "are listed with the reason.",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc > 1)
    return vmmctl_usage_error ("plugins", "unexpected argument '%s'", argv[1]);

  manager = vmmctl_plugin_manager_new ();
  plugins = vmm_plugin_manager_list_plugins (manager);
  load_errors = vmm_plugin_manager_get_load_errors (manager);
  search_path = vmm_plugin_manager_get_search_path (manager);
  default_plugin = vmm_plugin_manager_get_default_plugin (manager, &default_error);

  rows = g_array_new (FALSE, TRUE, sizeof (PluginRow));
  g_array_set_clear_func (rows, plugin_row_clear);
  for (guint i = 0; i < plugins->len; i++)
    {
      PluginRow row = { g_ptr_array_index (plugins, i), NULL };
      g_autoptr(GError) error = NULL;

      if (!vmm_plugin_probe (row.plugin, NULL, &error))
        row.probe_error = g_strdup (error->message);
      g_array_append_val (rows, row);
    }

  if (common.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "search-path");
      json_builder_begin_array (builder);
      for (guint i = 0; search_path[i] != NULL; i++)
        json_builder_add_string_value (builder, search_path[i]);
      json_builder_end_array (builder);

      json_builder_set_member_name (builder, "default");
      if (default_plugin != NULL)
        json_builder_add_string_value (builder, vmm_plugin_get_name (default_plugin));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "default-error");
      if (default_error != NULL)
        json_builder_add_string_value (builder, default_error->message);
      else
        json_builder_add_null_value (builder);

      json_builder_set_member_name (builder, "plugins");
      json_builder_begin_array (builder);
      for (guint i = 0; i < rows->len; i++)
        {
          PluginRow *row = &g_array_index (rows, PluginRow, i);
          const char *filename = vmm_plugin_get_filename (row->plugin);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, vmm_plugin_get_name (row->plugin));
          json_builder_set_member_name (builder, "description");
          json_builder_add_string_value (builder, vmm_plugin_get_description (row->plugin));
          json_builder_set_member_name (builder, "priority");
          json_builder_add_int_value (builder, vmm_plugin_get_priority (row->plugin));
          json_builder_set_member_name (builder, "file");
          if (filename != NULL)
            json_builder_add_string_value (builder, filename);
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "usable");
          json_builder_add_boolean_value (builder, row->probe_error == NULL);
          json_builder_set_member_name (builder, "reason");
          if (row->probe_error != NULL)
            json_builder_add_string_value (builder, row->probe_error);
          else
            json_builder_add_null_value (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);

      json_builder_set_member_name (builder, "load-errors");
      json_builder_begin_array (builder);
      for (guint i = 0; i < load_errors->len; i++)
        json_builder_add_string_value (builder, ((GError *) g_ptr_array_index (load_errors, i))->message);
      json_builder_end_array (builder);
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      vmmctl_print_json (root);
      return VMMCTL_EXIT_OK;
    }

  if (rows->len == 0)
    {
      g_autofree char *joined = g_strjoinv (":", (char **) search_path);

      printf ("No plugins found (search path: %s)\n", joined);
    }
  else
    {
      int name_width = (int) strlen ("NAME");
      int priority_width = (int) strlen ("PRIORITY");

      for (guint i = 0; i < rows->len; i++)
        {
          PluginRow *row = &g_array_index (rows, PluginRow, i);
          g_autofree char *priority = g_strdup_printf ("%d", vmm_plugin_get_priority (row->plugin));

          name_width = MAX (name_width, (int) strlen (vmm_plugin_get_name (row->plugin)));
          priority_width = MAX (priority_width, (int) strlen (priority));
        }

      printf ("%-*s  %-*s  %-6s  %s\n", name_width, "NAME", priority_width, "PRIORITY",
              "USABLE", "FILE");
      for (guint i = 0; i < rows->len; i++)
        {
          PluginRow *row = &g_array_index (rows, PluginRow, i);
          const char *filename = vmm_plugin_get_filename (row->plugin);

          printf ("%-*s  %*d  %-6s  %s\n", name_width, vmm_plugin_get_name (row->plugin),
                  priority_width, vmm_plugin_get_priority (row->plugin),
                  row->probe_error == NULL ? "yes" : "no",
                  filename != NULL ? filename : "(built in)");
          if (row->probe_error != NULL)
            printf ("%*s  why not: %s\n", name_width, "", row->probe_error);
        }
    }

  if (default_plugin != NULL)
    printf ("\nDefault plugin: %s\n", vmm_plugin_get_name (default_plugin));
  else
    printf ("\nNo default plugin: %s\n", default_error->message);

  if (load_errors->len > 0)
    {
      printf ("\nFiles that failed to load:\n");
      for (guint i = 0; i < load_errors->len; i++)
        printf ("  %s\n", ((GError *) g_ptr_array_index (load_errors, i))->message);
    }

  return VMMCTL_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* vmmctl validate                                                          */

int
vmmctl_cmd_validate (int    argc,
                     char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &common.json, "Print the result as JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  const char *path;

  if (!vmmctl_parse_options ("validate", "FILE",
                             "Check a JSON VM configuration: its syntax, its keys and their values.\n"
                             "Errors name the file and the line:column or the key. Nothing is started\n"
                             "and the host is not looked at.",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc < 2)
    return vmmctl_usage_error ("validate", "missing FILE");
  if (argc > 2)
    return vmmctl_usage_error ("validate", "unexpected argument '%s'", argv[2]);
  path = argv[1];

  config = vmm_hypervisor_config_new_from_file (path, &error);

  if (common.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, path);
      json_builder_set_member_name (builder, "valid");
      json_builder_add_boolean_value (builder, config != NULL);
      if (config != NULL)
        {
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, vmm_hypervisor_config_get_id (config));
          json_builder_set_member_name (builder, "config");
          json_builder_add_value (builder, vmm_hypervisor_config_to_json_node (config));
        }
      else
        {
          json_builder_set_member_name (builder, "error");
          json_builder_add_string_value (builder, error->message);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      vmmctl_print_json (root);
    }

  if (config == NULL)
    return vmmctl_fail_error (VMMCTL_EXIT_CONFIG, error, NULL);

  if (!common.json)
    printf ("%s: valid (VM '%s')\n", path, vmm_hypervisor_config_get_id (config));

  return VMMCTL_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* vmmctl cmdline                                                           */

int
vmmctl_cmd_cmdline (int    argc,
                    char **argv)
{
  g_auto(VmmctlCommon) common = { 0 };
  GOptionEntry entries[] = {
    VMMCTL_PLUGIN_ENTRY (common),
    { "property", 'P', 0, G_OPTION_ARG_STRING_ARRAY, &common.properties, "Set a property of the plugin's hypervisor object (repeatable)", "NAME=VALUE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &common.json, "Print a JSON array of strings", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(VmmPluginManager) manager = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cleanup_error = NULL;
  g_auto(GStrv) command_line = NULL;
  VmmPlugin *plugin;
  const char *path;
  int status = VMMCTL_EXIT_OK;

  if (!vmmctl_parse_options ("cmdline", "FILE",
                             "Print the exact command line the plugin would run for this configuration,\n"
                             "one argument per line, without starting anything. The VM is created (which\n"
                             "reserves its resources, such as CPUs), its command line is read from the\n"
                             "hypervisor object's 'command-line' property, and the VM is cleaned up\n"
                             "again. A plugin that runs no hypervisor program has no command line.",
                             NULL, entries, &argc, &argv))
    return VMMCTL_EXIT_USAGE;
  if (argc < 2)
    return vmmctl_usage_error ("cmdline", "missing FILE");
  if (argc > 2)
    return vmmctl_usage_error ("cmdline", "unexpected argument '%s'", argv[2]);
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

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (hypervisor), "command-line") == NULL)
    return vmmctl_fail (VMMCTL_EXIT_FAILED,
                        "plugin '%s' has no command line to show (its hypervisor object has no "
                        "'command-line' property): not supported",
                        vmm_plugin_get_name (plugin));

  vmmctl_watch_interrupts ();

  if (!vmmctl_create_vm (hypervisor, config, &error))
    return vmmctl_fail_error (VMMCTL_EXIT_FAILED, error, "cannot create VM '%s' with plugin '%s'",
                              vmm_hypervisor_config_get_id (config), vmm_plugin_get_name (plugin));

  g_object_get (hypervisor, "command-line", &command_line, NULL);

  /* Release what create_vm reserved before printing anything. */
  if (!vmmctl_cleanup_vm (hypervisor, &cleanup_error))
    status = vmmctl_fail_error (VMMCTL_EXIT_FAILED, cleanup_error, "cannot clean up VM '%s'",
                                vmm_hypervisor_config_get_id (config));

  if (command_line == NULL || command_line[0] == NULL)
    return vmmctl_fail (VMMCTL_EXIT_FAILED, "plugin '%s' gave no command line for VM '%s'",
                        vmm_plugin_get_name (plugin), vmm_hypervisor_config_get_id (config));

  if (common.json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_new ();

      for (guint i = 0; command_line[i] != NULL; i++)
        json_array_add_string_element (array, command_line[i]);
      json_node_take_array (root, array);
      vmmctl_print_json (root);
    }
  else
    {
      for (guint i = 0; command_line[i] != NULL; i++)
        printf ("%s\n", command_line[i]);
    }

  return status;
}
