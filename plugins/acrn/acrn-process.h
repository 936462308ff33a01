/* acrn-process.h: supervision of one acrn-dm process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal to the ACRN backend. An #AcrnProcess is either a child spawned
 * here (acrn-spawn.c: clone + execve with a pidfd, or GSubprocess where
 * pidfds are missing; stdout and stderr on pipes) or a process spawned by
 * another manager and re-attached to through a pidfd. Everything waits on
 * events: the pidfd becoming readable (or, without pidfds, GSubprocess's
 * child watch), the manager directory's inotify events (one descriptor for
 * the whole process, see acrn_process_init_directory_watch()), timeouts as
 * bounds.
 *
 * Threading: use an #AcrnProcess from one thread. Long-lived sources (the
 * exit watch that emits #AcrnProcess::exited, the output readers) live in
 * the main context given at creation; the asynchronous operations run in
 * the thread-default context of their caller, and keep reading the output
 * there while they run, so a synchronous call that iterates a private
 * context does not stall acrn-dm on a full pipe.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ACRN_PROCESS_LOG_MAX_BYTES:
 *
 * Size at which the output log is rotated (renamed to `<log>.1`, replacing
 * the previous one), so it never takes more than twice this.
 */
#define ACRN_PROCESS_LOG_MAX_BYTES (1024 * 1024)

/**
 * ACRN_PROCESS_TAIL_LINES:
 *
 * How many of the last lines of each output stream are kept in memory for
 * error messages.
 */
#define ACRN_PROCESS_TAIL_LINES 8

/**
 * ACRN_PROCESS_LINE_MAX:
 *
 * Longest output line kept whole; longer lines are split.
 */
#define ACRN_PROCESS_LINE_MAX 1024

/**
 * ACRN_PROCESS_KILL_GRACE_MS:
 *
 * How long to wait for the exit after SIGKILL before reporting that the
 * process does not die (stuck in the kernel).
 */
#define ACRN_PROCESS_KILL_GRACE_MS 10000

#define ACRN_TYPE_PROCESS (acrn_process_get_type ())
G_DECLARE_FINAL_TYPE (AcrnProcess, acrn_process, ACRN, PROCESS, GObject)

AcrnProcess *acrn_process_spawn              (const char * const  *argv,
                                              const char          *vm_id,
                                              const char          *log_path,
                                              GMainContext        *context,
                                              GError             **error);
AcrnProcess *acrn_process_attach             (GPid                 pid,
                                              guint64              start_time,
                                              const char          *expected_exe,
                                              const char          *vm_id,
                                              GMainContext        *context,
                                              GError             **error);
AcrnProcess *acrn_process_try_attach         (GPid                 pid,
                                              guint64              start_time,
                                              const char          *expected_exe,
                                              const char          *vm_id,
                                              GMainContext        *context,
                                              gboolean            *out_gone,
                                              GError             **error);

GPid         acrn_process_get_pid            (AcrnProcess         *self);
guint64      acrn_process_get_start_time     (AcrnProcess         *self);
gboolean     acrn_process_is_child           (AcrnProcess         *self);
gboolean     acrn_process_has_exited         (AcrnProcess         *self);
int          acrn_process_get_wait_status    (AcrnProcess         *self);
char        *acrn_process_describe_exit      (AcrnProcess         *self);
char        *acrn_process_get_output_tail    (AcrnProcess         *self);
gboolean     acrn_process_send_signal        (AcrnProcess         *self,
                                              int                  signum,
                                              GError             **error);

void         acrn_process_wait_running_async (AcrnProcess         *self,
                                              const char          *mngr_dir,
                                              const char          *vm_name,
                                              guint                timeout_ms,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean     acrn_process_wait_running_finish (AcrnProcess        *self,
                                               GAsyncResult       *result,
                                               GError            **error);

void         acrn_process_stop_async         (AcrnProcess         *self,
                                              gboolean             send_sigint,
                                              guint                timeout_ms,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean     acrn_process_stop_finish        (AcrnProcess         *self,
                                              GAsyncResult        *result,
                                              gboolean            *out_forced,
                                              GError             **error);

gboolean     acrn_process_init_directory_watch (GError           **error);
void         acrn_process_init_reaper        (void);

gboolean     acrn_proc_check_executable      (GPid                 pid,
                                              const char          *expected_exe,
                                              GError             **error);

G_END_DECLS
