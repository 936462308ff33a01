/* vmm-hypervisor-base.h: state machinery shared by hypervisor backends
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(VMM_INSIDE) && !defined(VMM_COMPILATION)
# error "Only <libvmm/vmm.h> can be included directly."
#endif

#include "vmm-hypervisor.h"

G_BEGIN_DECLS

#define VMM_TYPE_HYPERVISOR_BASE (vmm_hypervisor_base_get_type ())
VMM_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (VmmHypervisorBase, vmm_hypervisor_base, VMM, HYPERVISOR_BASE, GObject)

/**
 * VmmHypervisorBaseClass:
 * @parent_class: the parent class
 *
 * The class of #VmmHypervisorBase. Backends derive from it and implement
 * the #VmmHypervisor methods they support.
 */
struct _VmmHypervisorBaseClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

VMM_AVAILABLE_IN_ALL
void          vmm_hypervisor_base_set_state        (VmmHypervisorBase   *self,
                                                    VmmVmState           state);
VMM_AVAILABLE_IN_ALL
void          vmm_hypervisor_base_set_config       (VmmHypervisorBase   *self,
                                                    VmmHypervisorConfig *config);
VMM_AVAILABLE_IN_ALL
void          vmm_hypervisor_base_set_exit_status  (VmmHypervisorBase   *self,
                                                    int                  wait_status);
VMM_AVAILABLE_IN_ALL
GMainContext *vmm_hypervisor_base_get_main_context (VmmHypervisorBase   *self);

G_END_DECLS
