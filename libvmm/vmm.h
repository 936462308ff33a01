/* vmm.h: libvmm, one GObject API for virtual machines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define VMM_INSIDE
#include "vmm-version-macros.h"
#include "vmm-enums.h"
#include "vmm-enum-types.h"
#include "vmm-error.h"
#include "vmm-device.h"
#include "vmm-hypervisor-config.h"
#include "vmm-hypervisor.h"
#include "vmm-hypervisor-base.h"
#include "vmm-plugin.h"
#include "vmm-plugin-manager.h"
#undef VMM_INSIDE
