/* acrn-registry.h: host-wide registry of CPU LAPIC ids and vsock CIDs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal to the ACRN backend. See acrn-registry.c for the file format,
 * the locking and the ownership rules.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * ACRN_REGISTRY_FILE_NAME:
 *
 * Name of the registry file inside the store directory.
 */
#define ACRN_REGISTRY_FILE_NAME "acrn-registry.json"

/**
 * ACRN_REGISTRY_LOCK_NAME:
 *
 * Name of the lock file (flock) inside the store directory.
 */
#define ACRN_REGISTRY_LOCK_NAME "acrn-registry.lock"

/**
 * ACRN_REGISTRY_SHADOW_NAME:
 *
 * Name of the shadow file inside the store directory: the next contents
 * of the registry are written there, then swapped with the registry file.
 * It is never read, and exists only while the registry holds entries.
 */
#define ACRN_REGISTRY_SHADOW_NAME "acrn-registry.json.next"

/**
 * ACRN_VSOCK_CID_MIN:
 *
 * Lowest vsock CID a guest may have (0-2 are reserved by the vsock spec).
 */
#define ACRN_VSOCK_CID_MIN 3u

/**
 * ACRN_VSOCK_CID_MAX:
 *
 * Highest vsock CID a guest may have (0xffffffff is VMADDR_CID_ANY).
 */
#define ACRN_VSOCK_CID_MAX 0xfffffffeu

/**
 * AcrnRegistryEntry:
 * @vm_id: the VM id
 * @pid: the owner process (the managing process, then acrn-dm)
 * @start_time: the owner's start time (field 22 of /proc/PID/stat, in
 *   clock ticks since boot), which tells a reused pid apart
 * @cpus: (element-type guint32): LAPIC ids held, sorted ascending
 * @cids: (element-type guint32): vsock CIDs held, sorted ascending
 *
 * What one VM holds, as recorded in the registry.
 */
typedef struct {
  char    *vm_id;
  GPid     pid;
  guint64  start_time;
  GArray  *cpus;
  GArray  *cids;
} AcrnRegistryEntry;

#define ACRN_TYPE_REGISTRY_ENTRY (acrn_registry_entry_get_type ())
GType              acrn_registry_entry_get_type (void) G_GNUC_CONST;
AcrnRegistryEntry *acrn_registry_entry_copy     (const AcrnRegistryEntry *entry);
void               acrn_registry_entry_free     (AcrnRegistryEntry       *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AcrnRegistryEntry, acrn_registry_entry_free)

#define ACRN_TYPE_REGISTRY (acrn_registry_get_type ())
G_DECLARE_FINAL_TYPE (AcrnRegistry, acrn_registry, ACRN, REGISTRY, GObject)

AcrnRegistry *acrn_registry_new             (const char    *store_dir,
                                             GError       **error);
AcrnRegistry *acrn_registry_new_for_owner   (const char    *store_dir,
                                             GPid           owner_pid,
                                             guint64        owner_start_time);

const char   *acrn_registry_get_store_dir   (AcrnRegistry  *self);
const char   *acrn_registry_get_path        (AcrnRegistry  *self);
GPid          acrn_registry_get_owner_pid   (AcrnRegistry  *self);
guint64       acrn_registry_get_owner_start_time (AcrnRegistry *self);

GArray       *acrn_registry_allocate_cpus   (AcrnRegistry  *self,
                                             const char    *vm_id,
                                             guint          vcpus,
                                             const guint32 *allowed_ids,
                                             guint          n_allowed,
                                             gboolean       exclusive,
                                             GError       **error);
gboolean      acrn_registry_allocate_cid    (AcrnRegistry  *self,
                                             const char    *vm_id,
                                             guint32        requested_cid,
                                             guint32       *out_cid,
                                             GError       **error);
gboolean      acrn_registry_set_owner_pid   (AcrnRegistry  *self,
                                             const char    *vm_id,
                                             GPid           pid,
                                             guint64        start_time,
                                             GError       **error);
gboolean      acrn_registry_hand_to_child   (AcrnRegistry  *self,
                                             const char    *vm_id,
                                             GPid           pid,
                                             guint64        start_time,
                                             GError       **error);
gboolean      acrn_registry_release         (AcrnRegistry  *self,
                                             const char    *vm_id,
                                             GError       **error);
GPtrArray    *acrn_registry_list_entries    (AcrnRegistry  *self,
                                             GError       **error);
gboolean      acrn_registry_lookup          (AcrnRegistry       *self,
                                             const char         *vm_id,
                                             AcrnRegistryEntry **out_entry,
                                             GError            **error);

gboolean      acrn_proc_parse_stat          (const char    *text,
                                             char          *out_state,
                                             guint64       *out_start_time);
gboolean      acrn_proc_get_start_time      (GPid           pid,
                                             guint64       *out,
                                             GError       **error);
gboolean      acrn_proc_is_live             (GPid           pid,
                                             guint64        start_time);

G_END_DECLS
