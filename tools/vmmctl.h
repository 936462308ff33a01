/* vmmctl.h: shared pieces of the vmmctl command-line tool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libvmm/vmm.h>

G_BEGIN_DECLS

/* Exit statuses; documented in vmmctl.1 (EXIT STATUS). */
typedef enum {
  VMMCTL_EXIT_OK        = 0,  /* the command did what was asked */
  VMMCTL_EXIT_FAILED    = 1,  /* the operation failed */
  VMMCTL_EXIT_USAGE     = 2,  /* unknown command or option, wrong arguments */
  VMMCTL_EXIT_CRASHED   = 3,  /* run: the VM crashed */
  VMMCTL_EXIT_CONFIG    = 4,  /* the configuration file is missing, unreadable or invalid */
  VMMCTL_EXIT_NOT_FOUND = 5,  /* no such plugin, VM id or file */
  VMMCTL_EXIT_EXISTS    = 6,  /* start: a VM of that id is already recorded */
} VmmctlExit;

/* The subdirectory of a store dir holding vmmctl's records. Ids start with
 * a letter or a digit, so no VM's own directory can have this name. */
#define VMMCTL_RECORDS_DIR ".vmmctl"

/* Options shared by several subcommands, filled by GOptionContext. */
typedef struct
{
  char   *plugin;      /* --plugin */
  char  **properties;  /* --property NAME=VALUE, repeatable */
  char   *store_dir;   /* --store-dir */
  char   *config;      /* --config (for commands that take an id) */
  gboolean json;       /* --json */
} VmmctlCommon;

void      vmmctl_common_clear          (VmmctlCommon *common);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VmmctlCommon, vmmctl_common_clear)

/* Reporting. vmmctl_fail() prints "vmmctl: MESSAGE" on stderr (lines after
 * the first one indented) and returns @status. */
int       vmmctl_fail                  (int           status,
                                        const char   *format,
                                        ...) G_GNUC_PRINTF (2, 3);
int       vmmctl_fail_error            (int           status,
                                        const GError *error,
                                        const char   *format,
                                        ...) G_GNUC_PRINTF (3, 4);
void      vmmctl_notice                (const char   *format,
                                        ...) G_GNUC_PRINTF (1, 2);
int       vmmctl_usage_error           (const char   *command,
                                        const char   *format,
                                        ...) G_GNUC_PRINTF (2, 3);
char     *vmmctl_timestamp             (void);
char     *vmmctl_describe_wait_status  (int           wait_status);
void      vmmctl_print_json            (JsonNode     *node);
gboolean  vmmctl_is_valid_id           (const char   *id);

/* Logging: set while scanning plugins, so that load errors (listed by
 * `vmmctl plugins`) are not also printed as warnings. */
void      vmmctl_set_quiet_warnings    (gboolean      quiet);
void      vmmctl_set_verbose           (gboolean      verbose);

/* Interruption: SIGINT/SIGTERM cancel this for the commands that wait on a
 * single operation (start, stop, hotplug, cmdline). */
GCancellable *vmmctl_interrupt_cancellable (void);
void      vmmctl_watch_interrupts      (void);
void      vmmctl_unwatch_interrupts    (void);

/* Waiting on asynchronous operations in the default main context. */
typedef struct
{
  GAsyncResult *result;
} VmmctlWait;

void          vmmctl_wait_cb            (GObject      *source,
                                         GAsyncResult *result,
                                         gpointer      user_data);
GAsyncResult *vmmctl_wait               (VmmctlWait   *wait);
void          vmmctl_wait_clear         (VmmctlWait   *wait);

gboolean  vmmctl_create_vm             (VmmHypervisor       *hypervisor,
                                        VmmHypervisorConfig *config,
                                        GError             **error);
gboolean  vmmctl_start_vm              (VmmHypervisor       *hypervisor,
                                        GError             **error);
gboolean  vmmctl_stop_vm               (VmmHypervisor       *hypervisor,
                                        GError             **error);
gboolean  vmmctl_cleanup_vm            (VmmHypervisor       *hypervisor,
                                        GError             **error);
gboolean  vmmctl_hotplug_vm            (VmmHypervisor       *hypervisor,
                                        VmmDevice           *device,
                                        GError             **error);

/* Plugins and hypervisors. */
VmmPluginManager *vmmctl_plugin_manager_new (void);
VmmPlugin *vmmctl_choose_plugin        (VmmPluginManager    *manager,
                                        const char          *requested,
                                        VmmHypervisorConfig *config,
                                        const char          *config_path,
                                        int                 *exit_status);
VmmPlugin *vmmctl_find_plugin          (VmmPluginManager    *manager,
                                        const char          *name,
                                        const char          *why,
                                        int                 *exit_status);
VmmHypervisor *vmmctl_new_hypervisor   (VmmPlugin           *plugin,
                                        const char * const  *properties,
                                        int                 *exit_status);
JsonNode  *vmmctl_hypervisor_properties_to_json (VmmHypervisor *hypervisor);
VmmHypervisorConfig *vmmctl_load_config (const char         *path,
                                         int                *exit_status);
char      *vmmctl_default_store_dir    (void);

/* Records of started VMs: <store-dir>/.vmmctl/<id>.json, a JSON object
 * with the plugin, the --property values, the config file, the start time
 * and the hypervisor's saved state. A record without a state is a
 * reservation made by a `vmmctl start` that has not finished (or died). */
typedef struct
{
  char   *path;
  char   *id;
  char   *plugin;
  char  **properties;   /* NAME=VALUE */
  char   *config_file;
  char   *started;      /* ISO 8601 */
  int     owner_pid;    /* the vmmctl process that wrote the reservation */
  char   *state;        /* vmm_hypervisor_save_state(); NULL in a reservation */
  GPtrArray *created_dirs; /* directories vmmctl_record_reserve() created, outermost first */
} VmmctlRecord;

void          vmmctl_record_free        (VmmctlRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmmctlRecord, vmmctl_record_free)

char         *vmmctl_records_dir        (const char   *store_dir);
char         *vmmctl_record_path        (const char   *store_dir,
                                         const char   *id);
VmmctlRecord *vmmctl_record_reserve     (const char   *store_dir,
                                         const char   *id,
                                         const char   *plugin,
                                         const char * const *properties,
                                         const char   *config_file,
                                         GError      **error);
gboolean      vmmctl_record_save        (VmmctlRecord *record,
                                         GError      **error);
VmmctlRecord *vmmctl_record_load        (const char   *store_dir,
                                         const char   *id,
                                         GError      **error);
GPtrArray    *vmmctl_record_list_ids    (const char   *store_dir,
                                         GError      **error);
gboolean      vmmctl_record_remove      (VmmctlRecord *record,
                                         GError      **error);
gboolean      vmmctl_record_owner_alive (VmmctlRecord *record);

/* Subcommands. argv[0] is the subcommand's name. */
int       vmmctl_cmd_plugins           (int argc, char **argv);
int       vmmctl_cmd_validate          (int argc, char **argv);
int       vmmctl_cmd_cmdline           (int argc, char **argv);
int       vmmctl_cmd_run               (int argc, char **argv);
int       vmmctl_cmd_start             (int argc, char **argv);
int       vmmctl_cmd_list              (int argc, char **argv);
int       vmmctl_cmd_status            (int argc, char **argv);
int       vmmctl_cmd_stop              (int argc, char **argv);
int       vmmctl_cmd_hotplug           (int argc, char **argv);

/* Parses a subcommand's options with its own GOptionContext. Returns
 * FALSE (after printing a usage error) when they are wrong; on success
 * argv holds the command name and the remaining arguments. */
gboolean  vmmctl_parse_options         (const char    *command,
                                        const char    *parameters,
                                        const char    *summary,
                                        const char    *description,
                                        GOptionEntry  *entries,
                                        int           *argc,
                                        char        ***argv);

/* The --plugin option of the commands that choose a plugin. */
#define VMMCTL_PLUGIN_ENTRY(common) \
  { "plugin", 'p', 0, G_OPTION_ARG_STRING, &(common).plugin, \
    "Use this plugin (default: the config's 'hypervisor' key, else the default plugin)", "NAME" }

G_END_DECLS
