/* acrn-probe.h: can this host run ACRN VMs, and this configuration?
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libvmm/vmm.h>

G_BEGIN_DECLS

/**
 * ACRN_PROBE_DEFAULT_DM_PATH:
 *
 * Where acrn-dm is looked for when no path is given.
 */
#define ACRN_PROBE_DEFAULT_DM_PATH "/usr/bin/acrn-dm"

/**
 * ACRN_PROBE_DEFAULT_CTL_PATH:
 *
 * Where acrnctl is looked for when no path is given.
 */
#define ACRN_PROBE_DEFAULT_CTL_PATH "/usr/bin/acrnctl"

gboolean acrn_probe_host   (const char           *acrn_dm_path,
                            const char           *acrnctl_path,
                            GError              **error);

gboolean acrn_probe_config (VmmHypervisorConfig  *config,
                            GError              **error);

G_END_DECLS
