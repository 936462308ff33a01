/* acrn-ctl.h: running acrnctl, and reading what it says
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal to the ACRN backend. acrnctl's exit status does not say whether
 * it worked (`blkrescan` exits 0 when acrn-dm refused, and 0 again when it
 * could not reach acrn-dm at all), so its output is read: on success these
 * subcommands print nothing. acrnctl also finds a VM's manager socket by
 * name prefix, so a command for `vm10` can reach `vm1`:
 * acrn_ctl_check_name() refuses such names before anything is sent.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ACRN_CTL_DEFAULT_PATH:
 *
 * Where acrnctl is looked for when the configuration names no other path.
 */
#define ACRN_CTL_DEFAULT_PATH "/usr/bin/acrnctl"

/**
 * ACRN_CTL_OUTPUT_MAX:
 *
 * How much of acrnctl's output is kept for messages; the rest is read and
 * dropped.
 */
#define ACRN_CTL_OUTPUT_MAX 4096

gboolean acrn_ctl_check_name        (const char          *mngr_dir,
                                     const char          *vm_name,
                                     GPid                 pid,
                                     GError             **error);

gboolean acrn_ctl_check_output      (const char          *what,
                                     int                  wait_status,
                                     const char          *output,
                                     GError             **error);

void     acrn_ctl_blkrescan_async   (const char          *ctl_path,
                                     const char          *mngr_dir,
                                     const char          *vm_name,
                                     GPid                 pid,
                                     guint                slot,
                                     const char          *path,
                                     gboolean             read_only,
                                     guint                timeout_ms,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean acrn_ctl_blkrescan_finish  (GAsyncResult        *result,
                                     GError             **error);

void     acrn_ctl_stop_async        (const char          *ctl_path,
                                     const char          *mngr_dir,
                                     const char          *vm_name,
                                     GPid                 pid,
                                     gboolean             force,
                                     guint                timeout_ms,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean acrn_ctl_stop_finish       (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
