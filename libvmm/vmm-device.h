/* vmm-device.h: devices attached to a VM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "vmm-version-macros.h"
#include "vmm-enums.h"

G_BEGIN_DECLS

#define VMM_TYPE_DEVICE (vmm_device_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (VmmDevice, vmm_device, VMM, DEVICE, GObject)

/**
 * VmmDeviceClass:
 * @parent_class: the parent class
 * @device_type: the #VmmDeviceType of instances of this class
 * @json_type: the value of the JSON `"type"` key for this class
 * @validate: checks the device's properties; the default checks nothing
 *
 * The class of devices. Only libvmm defines device classes.
 */
struct _VmmDeviceClass
{
  GObjectClass parent_class;

  VmmDeviceType device_type;
  const char   *json_type;

  gboolean (*validate) (VmmDevice  *self,
                        GError    **error);

  /*< private >*/
  gpointer padding[8];
};

VMM_AVAILABLE_IN_ALL
VmmDeviceType vmm_device_get_device_type (VmmDevice   *self);
VMM_AVAILABLE_IN_ALL
const char   *vmm_device_get_id          (VmmDevice   *self);
VMM_AVAILABLE_IN_ALL
void          vmm_device_set_id          (VmmDevice   *self,
                                          const char  *id);
VMM_AVAILABLE_IN_ALL
gboolean      vmm_device_validate        (VmmDevice   *self,
                                          GError     **error);
VMM_AVAILABLE_IN_ALL
JsonNode     *vmm_device_to_json         (VmmDevice   *self);
VMM_AVAILABLE_IN_ALL
VmmDevice    *vmm_device_new_from_json   (JsonNode    *node,
                                          GError     **error);
VMM_AVAILABLE_IN_ALL
char         *vmm_device_describe        (VmmDevice   *self);

/* Block */
#define VMM_TYPE_BLOCK_DEVICE (vmm_block_device_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (VmmBlockDevice, vmm_block_device, VMM, BLOCK_DEVICE, VmmDevice)

VMM_AVAILABLE_IN_ALL
VmmBlockDevice *vmm_block_device_new           (const char     *path,
                                                gboolean        read_only);
VMM_AVAILABLE_IN_ALL
const char     *vmm_block_device_get_path      (VmmBlockDevice *self);
VMM_AVAILABLE_IN_ALL
gboolean        vmm_block_device_get_read_only (VmmBlockDevice *self);

/* Network */
#define VMM_TYPE_NET_DEVICE (vmm_net_device_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (VmmNetDevice, vmm_net_device, VMM, NET_DEVICE, VmmDevice)

VMM_AVAILABLE_IN_ALL
VmmNetDevice *vmm_net_device_new       (const char   *tap,
                                        const char   *mac);
VMM_AVAILABLE_IN_ALL
const char   *vmm_net_device_get_tap   (VmmNetDevice *self);
VMM_AVAILABLE_IN_ALL
const char   *vmm_net_device_get_mac   (VmmNetDevice *self);
VMM_AVAILABLE_IN_ALL
gboolean      vmm_net_device_get_vhost (VmmNetDevice *self);

/* vsock */
#define VMM_TYPE_VSOCK_DEVICE (vmm_vsock_device_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (VmmVsockDevice, vmm_vsock_device, VMM, VSOCK_DEVICE, VmmDevice)

/**
 * VMM_VSOCK_CID_MIN:
 *
 * The smallest guest CID a #VmmVsockDevice may have (0-2 are reserved).
 */
#define VMM_VSOCK_CID_MIN 3u
/**
 * VMM_VSOCK_CID_MAX:
 *
 * The largest guest CID a #VmmVsockDevice may have.
 */
#define VMM_VSOCK_CID_MAX 0xfffffffeu

VMM_AVAILABLE_IN_ALL
VmmVsockDevice *vmm_vsock_device_new      (guint32         cid,
                                           guint32         port);
VMM_AVAILABLE_IN_ALL
guint32         vmm_vsock_device_get_cid  (VmmVsockDevice *self);
VMM_AVAILABLE_IN_ALL
guint32         vmm_vsock_device_get_port (VmmVsockDevice *self);

/* Console (a serial port on a unix socket) */
#define VMM_TYPE_CONSOLE_DEVICE (vmm_console_device_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (VmmConsoleDevice, vmm_console_device, VMM, CONSOLE_DEVICE, VmmDevice)

VMM_AVAILABLE_IN_ALL
VmmConsoleDevice *vmm_console_device_new      (const char       *name,
                                               const char       *path);
VMM_AVAILABLE_IN_ALL
const char       *vmm_console_device_get_name (VmmConsoleDevice *self);
VMM_AVAILABLE_IN_ALL
const char       *vmm_console_device_get_path (VmmConsoleDevice *self);

/* PCI passthrough */
#define VMM_TYPE_PCI_DEVICE (vmm_pci_device_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (VmmPciDevice, vmm_pci_device, VMM, PCI_DEVICE, VmmDevice)

VMM_AVAILABLE_IN_ALL
VmmPciDevice *vmm_pci_device_new         (const char   *address);
VMM_AVAILABLE_IN_ALL
const char   *vmm_pci_device_get_address (VmmPciDevice *self);
VMM_AVAILABLE_IN_ALL
gboolean      vmm_pci_device_get_bdf     (VmmPciDevice *self,
                                          guint        *domain,
                                          guint        *bus,
                                          guint        *slot,
                                          guint        *function);

G_END_DECLS
