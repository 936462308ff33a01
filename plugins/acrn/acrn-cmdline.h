/* acrn-cmdline.h: from a VmmHypervisorConfig to the exact acrn-dm argv
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libvmm/vmm.h>

G_BEGIN_DECLS

/* PCI slot layout (ACRN.md §5, issue 3). Slots never shift: slot 2 and,
 * without an image, slot 4 stay empty rather than being reused. */
#define ACRN_PCI_SLOT_COUNT      32 /* acrn-dm accepts slots 0..31 */
#define ACRN_SLOT_HOSTBRIDGE      0
#define ACRN_SLOT_LPC             1
#define ACRN_SLOT_RESERVED        2 /* left free (GVT-g in Kata) */
#define ACRN_SLOT_CONSOLE         3
#define ACRN_SLOT_IMAGE           4
#define ACRN_SLOT_FIRST_POOL      5
/* The largest block-pool-size: every slot from ACRN_SLOT_FIRST_POOL on. */
#define ACRN_BLOCK_POOL_MAX       (ACRN_PCI_SLOT_COUNT - ACRN_SLOT_FIRST_POOL)

#define ACRN_DM_DEFAULT_PATH      "/usr/bin/acrn-dm"
#define ACRN_CONSOLE_SOCKET_NAME  "console.sock"
#define ACRN_CONSOLE_PORT_NAME    "console0"
/* sockaddr_un.sun_path is 108 bytes including the NUL */
#define ACRN_SOCKET_PATH_MAX      107
/* acrn-dm's -B takes less than this many bytes */
#define ACRN_KERNEL_PARAMS_MAX    2048
/* acrn-dm's -k, -r and --ovmf take a path of less than this many bytes
 * (a longer one makes it exit 1 without a word) */
#define ACRN_BOOT_PATH_MAX        1024
#define ACRN_MEMORY_MIB_MIN       128

/**
 * AcrnSlotKind:
 * @ACRN_SLOT_KIND_FREE: nothing is there
 * @ACRN_SLOT_KIND_HOSTBRIDGE: the host bridge (slot 0)
 * @ACRN_SLOT_KIND_LPC: the LPC bridge with COM1 (slot 1)
 * @ACRN_SLOT_KIND_RESERVED: left empty on purpose: slot 2 always, slot 4
 *   when there is no image
 * @ACRN_SLOT_KIND_CONSOLE: the VM console, `@socket:console0=...` (slot 3)
 * @ACRN_SLOT_KIND_IMAGE: the root image (slot 4)
 * @ACRN_SLOT_KIND_POOL: a `nodisk` virtio-blk drive, free for hotplug
 * @ACRN_SLOT_KIND_DEVICE: a cold device of the config
 *
 * What a PCI slot of the generated command line holds.
 */
typedef enum {
  ACRN_SLOT_KIND_FREE,
  ACRN_SLOT_KIND_HOSTBRIDGE,
  ACRN_SLOT_KIND_LPC,
  ACRN_SLOT_KIND_RESERVED,
  ACRN_SLOT_KIND_CONSOLE,
  ACRN_SLOT_KIND_IMAGE,
  ACRN_SLOT_KIND_POOL,
  ACRN_SLOT_KIND_DEVICE,
} AcrnSlotKind;

/**
 * AcrnSlotMap:
 * @kind: what each slot 0..31 holds
 * @index: for a %ACRN_SLOT_KIND_POOL slot its position in @pool_slots, for
 *   a %ACRN_SLOT_KIND_DEVICE slot the index of the device in the config's
 *   `devices`; -1 for every other slot
 * @n_pool_slots: the number of `nodisk` drives (the config's
 *   `block-pool-size`); ALL of them can take a hotplugged disk
 * @pool_slots: the slots of the `nodisk` drives, ascending; hotplug disk
 *   number i goes to `pool_slots[i]` (`acrnctl blkrescan NAME SLOT,PATH`)
 * @n_device_slots: the number of cold devices (the config's `devices`)
 * @device_slots: `device_slots[i]` is the slot of `devices[i]`
 *
 * Which PCI slot holds what, as placed by acrn_cmdline_build(). A plain
 * value: copy it with `=`, no need to free.
 */
typedef struct {
  AcrnSlotKind kind[ACRN_PCI_SLOT_COUNT];
  gint         index[ACRN_PCI_SLOT_COUNT];
  guint        n_pool_slots;
  guint        pool_slots[ACRN_BLOCK_POOL_MAX];
  guint        n_device_slots;
  guint        device_slots[ACRN_BLOCK_POOL_MAX];
} AcrnSlotMap;

char     *acrn_cmdline_get_console_path (VmmHypervisorConfig  *config);
char     *acrn_cmdline_kernel_params    (VmmHypervisorConfig  *config,
                                         GError              **error);
gboolean  acrn_cmdline_check_config     (VmmHypervisorConfig  *config,
                                         GError              **error);
gboolean  acrn_cmdline_check_device     (VmmDevice            *device,
                                         int                   index,
                                         GError              **error);
gboolean  acrn_cmdline_check_disk_path  (const char           *path,
                                         GError              **error);
GStrv     acrn_cmdline_build            (VmmHypervisorConfig  *config,
                                         const char           *vm_name,
                                         const guint          *lapic_ids,
                                         gsize                 n_lapic_ids,
                                         const char           *console_path,
                                         AcrnSlotMap          *out_slot_map,
                                         GError              **error);

const char *acrn_slot_kind_to_string    (AcrnSlotKind          kind);

G_END_DECLS
