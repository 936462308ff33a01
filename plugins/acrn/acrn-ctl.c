/* acrn-ctl.c: running acrnctl, and reading what it says
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "acrn-ctl.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include <libvmm/vmm.h>

#include "acrn-mngr.h"
#include "acrn-name.h"

/**
 * acrn_ctl_check_name:
 * @mngr_dir: the manager socket directory acrnctl looks in
 * @vm_name: the VM a command is for
 * @pid: the pid of that VM's acrn-dm, whose own socket is fine, or 0
 * @error: return location for a #GError
 *
 * acrnctl connects to the first manager socket, in directory order, whose
 * name up to its first '.' is a prefix of the VM name it was given. This
 * refuses @vm_name when any other socket in @mngr_dir (another VM, or a
 * socket left behind) could be picked instead of @vm_name's own.
 *
 * Returns: %TRUE if acrnctl can only reach @vm_name, else %FALSE with
 *   %VMM_ERROR_INVALID_STATE naming the socket in the way
 */
gboolean
acrn_ctl_check_name (const char  *mngr_dir,
                     const char  *vm_name,
                     GPid         pid,
                     GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *own = NULL;
  const char *entry;

  g_return_val_if_fail (mngr_dir != NULL, FALSE);
  g_return_val_if_fail (vm_name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  own = pid > 0 ? acrn_mngr_socket_name (vm_name, pid) : NULL;

  dir = g_dir_open (mngr_dir, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                   "Cannot read the manager directory %s: %s", mngr_dir, local_error->message);
      return FALSE;
    }

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      const char *dot = strchr (entry, '.');
      gsize key_len;

      if (own != NULL && strcmp (entry, own) == 0)
        continue;
      if (dot == NULL || dot == entry)
        continue;  /* acrnctl skips these too */
      key_len = (gsize) (dot - entry);
      if (strncmp (entry, vm_name, key_len) != 0)
        continue;

      {
        g_autofree char *other = NULL;

        if (!acrn_mngr_parse_socket_name (entry, &other, NULL))
          other = g_strndup (entry, key_len);

        if (strcmp (other, vm_name) == 0)
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE,
                       "acrnctl cannot address VM %s: another manager socket of that name, "
                       "%s/%s, is in the way (left behind by an earlier acrn-dm?)",
                       vm_name, mngr_dir, entry);
        else
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE,
                       "acrnctl cannot address VM %s safely: it matches manager sockets by "
                       "name prefix, and %s/%s (VM %s) could be reached instead",
                       vm_name, mngr_dir, entry, other);
        return FALSE;
      }
    }

  return TRUE;
}

/**
 * acrn_ctl_check_output:
 * @what: the command, for messages (e.g. "blkrescan of slot 5 ...")
 * @wait_status: acrnctl's wait status
 * @output: what acrnctl printed (stdout and stderr)
 * @error: return location for a #GError
 *
 * Decides whether an acrnctl `stop` or `blkrescan` worked: it must exit 0
 * and print nothing. acrnctl prints its failures ("Unable to rescan
 * virtio-blk device in vm. errno(-1)", "Unable to open vm NAME socket...",
 * "can't find NAME", ...) and mostly exits 0 after them.
 *
 * Returns: %TRUE if it worked, else %FALSE with %VMM_ERROR_PROTOCOL quoting
 *   the output
 */
gboolean
acrn_ctl_check_output (const char  *what,
                       int          wait_status,
                       const char  *output,
                       GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (output != NULL ? output : ""));

  g_return_val_if_fail (what != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0)
    {
      g_autofree char *how = WIFEXITED (wait_status)
        ? g_strdup_printf ("exit status %d", WEXITSTATUS (wait_status))
        : g_strdup_printf ("signal %d", WIFSIGNALED (wait_status) ? WTERMSIG (wait_status) : 0);

      g_set_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL,
                   "acrnctl %s failed (%s)%s%s", what, how,
                   *text != '\0' ? ": " : "", text);
      return FALSE;
    }

  if (*text != '\0')
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL,
                   "acrnctl %s failed: %s", what, text);
      return FALSE;
    }

  return TRUE;
}

/* One run of acrnctl: read its output (bounded) to the end, then reap it.
 * Every source is owned and destroyed before the task returns. */
typedef struct
{
  char         *what;
  GSubprocess  *subprocess;
  GInputStream *stdout_pipe;
  GSource      *read_source;
  GSource      *timeout_source;
  GSource      *cancel_source;
  GString      *output;
  guint         timeout_ms;
  gboolean      timed_out;
  gboolean      cancelled;
} Run;

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
run_free (gpointer data)
{
  Run *run = data;

  destroy_source (&run->read_source);
  destroy_source (&run->timeout_source);
  destroy_source (&run->cancel_source);
  g_clear_object (&run->stdout_pipe);
  g_clear_object (&run->subprocess);
  g_string_free (run->output, TRUE);
  g_free (run->what);
  g_free (run);
}

static void
run_wait_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  destroy_source (&run->timeout_source);
  destroy_source (&run->cancel_source);

  if (!g_subprocess_wait_finish (run->subprocess, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (run->cancelled)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "acrnctl %s was cancelled", run->what);
      return;
    }
  if (run->timed_out)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_TIMED_OUT,
                               "acrnctl %s did not finish within %u ms; it was killed",
                               run->what, run->timeout_ms);
      return;
    }

  if (!acrn_ctl_check_output (run->what, g_subprocess_get_status (run->subprocess),
                              run->output->str, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
run_read_cb (GObject  *stream,
             gpointer  user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  char buf[1024];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream),
                                                    buf, sizeof buf, NULL, &error);
      if (n > 0)
        {
          gsize room = ACRN_CTL_OUTPUT_MAX - MIN (run->output->len, ACRN_CTL_OUTPUT_MAX);

          g_string_append_len (run->output, buf, (gssize) MIN ((gsize) n, room));
          continue;
        }
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      break;  /* end of file, or an error: acrnctl is done writing */
    }

  g_clear_pointer (&run->read_source, g_source_unref);
  /* The pipe is closed: acrnctl has exited or is about to. GLib reaps it;
   * no cancellable, so this cannot stay pending. */
  g_subprocess_wait_async (run->subprocess, NULL, run_wait_cb, g_object_ref (task));
  return G_SOURCE_REMOVE;
}

static gboolean
run_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  g_clear_pointer (&run->timeout_source, g_source_unref);
  run->timed_out = TRUE;
  g_subprocess_force_exit (run->subprocess);
  return G_SOURCE_REMOVE;
}

static gboolean
run_cancel_cb (GCancellable *cancellable,
               gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  g_clear_pointer (&run->cancel_source, g_source_unref);
  run->cancelled = TRUE;
  g_subprocess_force_exit (run->subprocess);
  return G_SOURCE_REMOVE;
}

static void
run_ctl (gpointer             source_tag,
         const char * const  *argv,
         const char          *what,
         guint                timeout_ms,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Run *run;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);

  run = g_new0 (Run, 1);
  run->what = g_strdup (what);
  run->output = g_string_new (NULL);
  run->timeout_ms = timeout_ms;
  g_task_set_task_data (task, run, run_free);

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "acrnctl %s was cancelled", what);
      return;
    }

  run->subprocess = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                             G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  if (run->subprocess == NULL)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_SPAWN_FAILED,
                               "Cannot run %s for %s: %s", argv[0], what, error->message);
      return;
    }

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    "MESSAGE", "Running %s %s", argv[0], what);

  run->stdout_pipe = g_object_ref (g_subprocess_get_stdout_pipe (run->subprocess));
  run->read_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (run->stdout_pipe),
                                                            NULL);
  g_source_set_static_name (run->read_source, "[vmm-acrn] acrnctl output");
  g_task_attach_source (task, run->read_source, (GSourceFunc) G_CALLBACK (run_read_cb));

  if (timeout_ms > 0)
    {
      run->timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_static_name (run->timeout_source, "[vmm-acrn] acrnctl timeout");
      g_task_attach_source (task, run->timeout_source, run_timeout_cb);
    }
  if (cancellable != NULL)
    {
      run->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (run->cancel_source, "[vmm-acrn] acrnctl cancel");
      g_task_attach_source (task, run->cancel_source, (GSourceFunc) G_CALLBACK (run_cancel_cb));
    }
}

static gboolean
prepare (const char  *mngr_dir,
         const char  *vm_name,
         GPid         pid,
         GError     **error)
{
  if (strlen (vm_name) == 0 || strlen (vm_name) > ACRN_VM_NAME_MAX)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "VM name “%s” is not a valid acrn-dm name (1 to %d characters)",
                   vm_name, ACRN_VM_NAME_MAX);
      return FALSE;
    }
  return acrn_ctl_check_name (mngr_dir, vm_name, pid, error);
}

/**
 * acrn_ctl_blkrescan_async:
 * @ctl_path: (nullable): acrnctl, %NULL for %ACRN_CTL_DEFAULT_PATH
 * @mngr_dir: the manager socket directory (for the prefix check)
 * @vm_name: the VM name
 * @pid: the pid of the VM's acrn-dm, or 0
 * @slot: a PCI slot holding a `nodisk` virtio-blk drive
 * @path: the disk image to put there
 * @read_only: whether the guest may only read it
 * @timeout_ms: how long acrnctl may take, 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when acrnctl is done
 * @user_data: data for @callback
 *
 * Runs `acrnctl blkrescan NAME SLOT,PATH[,ro]`. @path must have been
 * checked (acrn_cmdline_check_disk_path()): a ',' in it would add options.
 */
void
acrn_ctl_blkrescan_async (const char          *ctl_path,
                          const char          *mngr_dir,
                          const char          *vm_name,
                          GPid                 pid,
                          guint                slot,
                          const char          *path,
                          gboolean             read_only,
                          guint                timeout_ms,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autofree char *devargs = NULL;
  g_autofree char *what = NULL;
  GError *error = NULL;
  const char *argv[5];

  g_return_if_fail (mngr_dir != NULL);
  g_return_if_fail (vm_name != NULL);
  g_return_if_fail (path != NULL);

  devargs = g_strdup_printf ("%u,%s%s", slot, path, read_only ? ",ro" : "");
  what = g_strdup_printf ("blkrescan of slot %u with %s in VM %s", slot, path, vm_name);

  if (!prepare (mngr_dir, vm_name, pid, &error))
    {
      g_task_report_error (NULL, callback, user_data, acrn_ctl_blkrescan_async, error);
      return;
    }

  argv[0] = ctl_path != NULL ? ctl_path : ACRN_CTL_DEFAULT_PATH;
  argv[1] = "blkrescan";
  argv[2] = vm_name;
  argv[3] = devargs;
  argv[4] = NULL;
  run_ctl (acrn_ctl_blkrescan_async, argv, what, timeout_ms, cancellable, callback, user_data);
}

/**
 * acrn_ctl_blkrescan_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the disk is in the slot, else %FALSE with
 *   %VMM_ERROR_PROTOCOL (acrnctl or acrn-dm refused; the message names the
 *   slot and the path and quotes acrnctl), %VMM_ERROR_INVALID_STATE (the
 *   name is ambiguous for acrnctl), %VMM_ERROR_TIMED_OUT or
 *   %VMM_ERROR_SPAWN_FAILED
 */
gboolean
acrn_ctl_blkrescan_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, acrn_ctl_blkrescan_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * acrn_ctl_stop_async:
 * @ctl_path: (nullable): acrnctl, %NULL for %ACRN_CTL_DEFAULT_PATH
 * @mngr_dir: the manager socket directory (for the prefix check)
 * @vm_name: the VM name
 * @pid: the pid of the VM's acrn-dm, or 0
 * @force: pass `--force` (power off without asking the guest)
 * @timeout_ms: how long acrnctl may take, 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when acrnctl is done
 * @user_data: data for @callback
 *
 * Runs `acrnctl stop [--force] NAME`. Success means acrn-dm accepted the
 * request; it exits afterwards.
 */
void
acrn_ctl_stop_async (const char          *ctl_path,
                     const char          *mngr_dir,
                     const char          *vm_name,
                     GPid                 pid,
                     gboolean             force,
                     guint                timeout_ms,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autofree char *what = NULL;
  GError *error = NULL;
  const char *argv[5];
  guint i = 0;

  g_return_if_fail (mngr_dir != NULL);
  g_return_if_fail (vm_name != NULL);

  what = g_strdup_printf ("stop%s of VM %s", force ? " --force" : "", vm_name);

  if (!prepare (mngr_dir, vm_name, pid, &error))
    {
      g_task_report_error (NULL, callback, user_data, acrn_ctl_stop_async, error);
      return;
    }

  argv[i++] = ctl_path != NULL ? ctl_path : ACRN_CTL_DEFAULT_PATH;
  argv[i++] = "stop";
  if (force)
    argv[i++] = "--force";
  argv[i++] = vm_name;
  argv[i] = NULL;
  run_ctl (acrn_ctl_stop_async, argv, what, timeout_ms, cancellable, callback, user_data);
}

/**
 * acrn_ctl_stop_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if acrn-dm accepted the stop request
 */
gboolean
acrn_ctl_stop_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, acrn_ctl_stop_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
