/* vmm-hypervisor-config.h: what a VM is made of
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "vmm-version-macros.h"
#include "vmm-device.h"

G_BEGIN_DECLS

#define VMM_TYPE_HYPERVISOR_CONFIG (vmm_hypervisor_config_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (VmmHypervisorConfig, vmm_hypervisor_config, VMM, HYPERVISOR_CONFIG, GObject)

VMM_AVAILABLE_IN_ALL
VmmHypervisorConfig *vmm_hypervisor_config_new            (const char           *id);
VMM_AVAILABLE_IN_ALL
VmmHypervisorConfig *vmm_hypervisor_config_new_from_json  (const char           *json,
                                                           gssize                length,
                                                           GError              **error);
VMM_AVAILABLE_IN_ALL
VmmHypervisorConfig *vmm_hypervisor_config_new_from_file  (const char           *path,
                                                           GError              **error);
VMM_AVAILABLE_IN_ALL
VmmHypervisorConfig *vmm_hypervisor_config_new_from_node  (JsonNode             *node,
                                                           GError              **error);
VMM_AVAILABLE_IN_ALL
JsonNode            *vmm_hypervisor_config_to_json_node   (VmmHypervisorConfig  *self);
VMM_AVAILABLE_IN_ALL
char                *vmm_hypervisor_config_to_json        (VmmHypervisorConfig  *self);
VMM_AVAILABLE_IN_ALL
VmmHypervisorConfig *vmm_hypervisor_config_copy           (VmmHypervisorConfig  *self);
VMM_AVAILABLE_IN_ALL
gboolean             vmm_hypervisor_config_equal          (VmmHypervisorConfig  *a,
                                                           VmmHypervisorConfig  *b);
VMM_AVAILABLE_IN_ALL
gboolean             vmm_hypervisor_config_validate       (VmmHypervisorConfig  *self,
                                                           GError              **error);

VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_id              (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_hypervisor      (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_kernel          (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_image           (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_initrd          (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_firmware        (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char * const  *vmm_hypervisor_config_get_kernel_params   (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
guint                vmm_hypervisor_config_get_memory_mib      (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
guint                vmm_hypervisor_config_get_vcpus           (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
guint                vmm_hypervisor_config_get_max_vcpus       (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
gboolean             vmm_hypervisor_config_get_debug           (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_store_dir       (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
guint                vmm_hypervisor_config_get_block_pool_size (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_hypervisor_path (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_ctl_path        (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
guint                vmm_hypervisor_config_get_start_timeout_ms (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
guint                vmm_hypervisor_config_get_stop_timeout_ms (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
const char          *vmm_hypervisor_config_get_allowed_cpus    (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
gboolean             vmm_hypervisor_config_get_exclusive_cpus  (VmmHypervisorConfig *self);

VMM_AVAILABLE_IN_ALL
GPtrArray           *vmm_hypervisor_config_get_devices         (VmmHypervisorConfig *self);
VMM_AVAILABLE_IN_ALL
void                 vmm_hypervisor_config_add_device          (VmmHypervisorConfig *self,
                                                                VmmDevice           *device);
VMM_AVAILABLE_IN_ALL
gboolean             vmm_hypervisor_config_remove_device       (VmmHypervisorConfig *self,
                                                                VmmDevice           *device);

G_END_DECLS
