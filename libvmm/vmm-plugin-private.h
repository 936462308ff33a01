/* vmm-plugin-private.h: what the plugin loader needs from VmmPlugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "vmm-plugin.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL
void      vmm_plugin_set_filename (VmmPlugin   *self,
                                   const char  *filename);
G_GNUC_INTERNAL
gboolean  vmm_plugin_validate     (VmmPlugin   *self,
                                   GError     **error);
G_GNUC_INTERNAL
char     *vmm_plugin_describe     (VmmPlugin   *self);

G_END_DECLS
