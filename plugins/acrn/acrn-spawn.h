/* acrn-spawn.h: starting acrn-dm without copying the manager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean acrn_spawn_supported (void);

gboolean acrn_spawn          (const char * const  *argv,
                              GPid                *out_pid,
                              int                 *out_pidfd,
                              guint64             *out_start_time,
                              int                 *out_stdout_fd,
                              int                 *out_stderr_fd,
                              GError             **error);

int      acrn_spawn_reap     (GPid                 pid);

void     acrn_spawn_force_fallback (gboolean           fallback);

G_END_DECLS
