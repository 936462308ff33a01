/* acrn-state.h: what a new process needs to take over a running ACRN VM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal to the ACRN backend. The state is JSON, written atomically to
 * `<store-dir>/<vm-id>/state.json` on every transition, and also what
 * vmm_hypervisor_save_state() returns:
 *
 * |[
 * { "version": 1, "vm-id": "demo", "vm-name": "sbx-demo", "state": "running",
 *   "pid": 1234, "start-time": 56789, "exit-status": -1,
 *   "mngr-dir": "/run/acrn/mngr", "console-path": "/run/libvmm/demo/console.sock",
 *   "cpus": [2, 3], "cid": 3,
 *   "pool": [ { "slot": 5, "device": null },
 *             { "slot": 6, "device": { "type": "block", "path": "/d.img", ... } } ],
 *   "command-line": [ "/usr/bin/acrn-dm", "-m", "2048M", ... ],
 *   "config": { ...the VmmHypervisorConfig JSON... } }
 * ]|
 *
 * `pid` and `start-time` are 0 while no acrn-dm runs; `cid` is 0 without a
 * vsock CID.
 */
#pragma once

#include <libvmm/vmm.h>

G_BEGIN_DECLS

/**
 * ACRN_STATE_VERSION:
 *
 * The version of the state format this code writes and reads.
 */
#define ACRN_STATE_VERSION 1

/**
 * ACRN_STATE_FILE_NAME:
 *
 * The state file's name inside `<store-dir>/<vm-id>/`.
 */
#define ACRN_STATE_FILE_NAME "state.json"

/**
 * AcrnPoolSlot:
 * @slot: the PCI slot of a `nodisk` virtio-blk drive
 * @device: (nullable): the disk hot-plugged into it, %NULL while free
 *
 * One drive of the hotplug pool.
 */
typedef struct {
  guint      slot;
  VmmDevice *device;
} AcrnPoolSlot;

/**
 * AcrnState:
 * @vm_id: the VM id
 * @vm_name: the name given to acrn-dm
 * @state: the VM state
 * @pid: acrn-dm's pid, 0 when none runs
 * @start_time: acrn-dm's start time (field 22 of /proc/PID/stat), 0 when
 *   none runs
 * @exit_status: the wait status of the last acrn-dm, -1 if none or unknown
 * @mngr_dir: the manager socket directory
 * @console_path: the console socket
 * @cpus: (element-type guint32): LAPIC ids held in the registry
 * @cid: the vsock CID held in the registry, 0 for none
 * @pool: (element-type AcrnPoolSlot): the hotplug pool, in slot order
 * @command_line: (nullable): acrn-dm's argv
 * @config: the VM's configuration
 * @config_json: (nullable): @config as acrn_state_render_config() renders
 *   it, used as it is by acrn_state_to_json(); %NULL to render @config
 *
 * Everything a process needs to re-attach to a VM.
 */
typedef struct {
  char                *vm_id;
  char                *vm_name;
  VmmVmState           state;
  GPid                 pid;
  guint64              start_time;
  int                  exit_status;
  char                *mngr_dir;
  char                *console_path;
  GArray              *cpus;
  guint32              cid;
  GArray              *pool;
  GStrv                command_line;
  VmmHypervisorConfig *config;
  char                *config_json;
} AcrnState;

AcrnState  *acrn_state_new             (void);
void        acrn_state_free            (AcrnState        *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AcrnState, acrn_state_free)

JsonNode   *acrn_state_to_json_node    (const AcrnState  *state);
char       *acrn_state_to_json         (const AcrnState  *state);
char       *acrn_state_render_config   (VmmHypervisorConfig *config);
AcrnState  *acrn_state_new_from_json   (const char       *json,
                                        gssize            length,
                                        const char       *source_name,
                                        GError          **error);

char       *acrn_state_get_dir         (const char       *store_dir,
                                        const char       *vm_id);
char       *acrn_state_get_path        (const char       *store_dir,
                                        const char       *vm_id);
gboolean    acrn_state_save            (const AcrnState  *state,
                                        const char       *path,
                                        GError          **error);
AcrnState  *acrn_state_load            (const char       *path,
                                        GError          **error);

void        acrn_json_append_string    (GString          *out,
                                        const char       *str);

gboolean    acrn_file_replace          (const char       *path,
                                        const char       *contents,
                                        gsize             length,
                                        gboolean          durable,
                                        GError          **error);

G_END_DECLS
