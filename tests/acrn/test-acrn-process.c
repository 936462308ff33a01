/* test-acrn-process.c: acrn-dm supervision against the fake acrn-dm
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#include "acrn-process.h"
#include "acrn-registry.h"
#include "acrn-spawn.h"

static const char *fake_dm;
static gboolean have_pidfd;

static const char * const fault_vars[] = {
  "FAKE_ACRN_EXIT", "FAKE_ACRN_CRASH_MS", "FAKE_ACRN_IGNORE_SIGINT", "FAKE_ACRN_NO_SOCKET",
  "FAKE_ACRN_SLOW_MS", "FAKE_ACRN_STDOUT_LINES",
};

typedef struct
{
  char        *tmpdir;
  char        *mngr_dir;
  char        *kernel;
  char        *log_path;
  guint        n_fds;
  AcrnProcess *process;        /* released and checked at teardown */
  guint        exited_count;
  int          exited_status;
} Fixture;

static guint
count_fds (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *e;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((e = readdir (dir)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir (dir);
  return n;
}

static void
drain_default_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (fault_vars); i++)
    g_unsetenv (fault_vars[i]);

  f->tmpdir = g_dir_make_tmp ("test-acrn-process-XXXXXX", &error);
  g_assert_no_error (error);
  f->mngr_dir = g_build_filename (f->tmpdir, "mngr", NULL);
  f->kernel = g_build_filename (f->tmpdir, "bzImage", NULL);
  f->log_path = g_build_filename (f->tmpdir, "acrn-dm.log", NULL);
  g_file_set_contents (f->kernel, "kernel", -1, &error);
  g_assert_no_error (error);
  g_setenv ("FAKE_ACRN_MNGR_DIR", f->mngr_dir, TRUE);
  f->exited_status = -2;

  drain_default_context ();
  f->n_fds = count_fds ();
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

static gboolean
give_up (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Drops the test's reference and waits until the object is finalized:
 * sources and tasks that hold it come back in the main context. */
static void
release (AcrnProcess **process)
{
  gboolean timed_out = FALSE;
  guint safety;

  if (*process == NULL)
    return;
  g_object_add_weak_pointer (G_OBJECT (*process), (gpointer *) process);
  g_object_unref (*process);
  safety = g_timeout_add_seconds (10, give_up, &timed_out);
  while (*process != NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (*process);
  g_source_remove (safety);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  release (&f->process);
  drain_default_context ();
  /* Every pipe, pidfd, socket and log file is closed again. GLib's worker
   * thread closes its own child-watch pidfd just after reaping, so let it
   * settle (a safety bound, not a timing assertion). */
  for (guint i = 0; i < 500 && count_fds () != f->n_fds; i++)
    g_usleep (2000);
  g_assert_cmpuint (count_fds (), ==, f->n_fds);

  for (gsize i = 0; i < G_N_ELEMENTS (fault_vars); i++)
    g_unsetenv (fault_vars[i]);
  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->mngr_dir);
  g_free (f->kernel);
  g_free (f->log_path);
}

static GStrv
dm_argv (Fixture    *f,
         const char *name)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  g_strv_builder_add_many (b, fake_dm, "-m", "256M", "-s", "0:0,hostbridge",
                           "-s", "1:0,lpc", "-l", "com1,stdio", "-k", f->kernel, name, NULL);
  return g_strv_builder_end (b);
}

static void
on_exited (AcrnProcess *process,
           int          status,
           gpointer     user_data)
{
  Fixture *f = user_data;

  f->exited_count++;
  f->exited_status = status;
}

static AcrnProcess *
spawn (Fixture    *f,
       const char *name)
{
  g_auto(GStrv) argv = dm_argv (f, name);
  g_autoptr(GError) error = NULL;
  AcrnProcess *process;

  process = acrn_process_spawn ((const char * const *) argv, "test-vm", f->log_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (process);
  g_signal_connect (process, "exited", G_CALLBACK (on_exited), f);
  g_assert_null (f->process);
  f->process = process;  /* owned by the fixture */
  return process;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GMainContext  *context,
          GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
  return *result;
}

static gboolean
wait_running (AcrnProcess  *process,
              Fixture      *f,
              const char   *name,
              guint         timeout_ms,
              GCancellable *cancellable,
              GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  acrn_process_wait_running_async (process, f->mngr_dir, name, timeout_ms, cancellable,
                                   store_result, &result);
  wait_for (NULL, &result);
  return acrn_process_wait_running_finish (process, result, error);
}

static gboolean
stop (AcrnProcess  *process,
      gboolean      send_sigint,
      guint         timeout_ms,
      gboolean     *forced,
      GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  acrn_process_stop_async (process, send_sigint, timeout_ms, NULL, store_result, &result);
  wait_for (NULL, &result);
  return acrn_process_stop_finish (process, result, forced, error);
}

static void
assert_reaped (GPid pid)
{
  /* Without pidfds, GSubprocess may reap a child that exits at once
   * before its pid is read: the pid is then unknown (0), which only that
   * path may give. (kill (0, 0) would signal our own process group.) */
  if (pid == 0)
    {
      g_assert_false (acrn_spawn_supported ());
      return;
    }
  /* The child was reaped: the pid is gone, no zombie is left. */
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

static void
wait_exited_signal (Fixture *f)
{
  while (f->exited_count == 0)
    g_main_context_iteration (NULL, TRUE);
  drain_default_context ();
  g_assert_cmpuint (f->exited_count, ==, 1);
}

static void
test_start_stop (Fixture       *f,
                 gconstpointer  data)
{
  AcrnProcess *process = spawn (f, "vm-ok");
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *socket = NULL;
  gboolean forced = TRUE;
  GPid pid = acrn_process_get_pid (process);
  guint64 start_time = 0;

  g_assert_true (acrn_process_is_child (process));
  g_assert_true (acrn_proc_get_start_time (pid, &start_time, NULL));
  g_assert_cmpuint (acrn_process_get_start_time (process), ==, start_time);
  g_assert_cmpuint (start_time, >, 0);

  g_assert_true (wait_running (process, f, "vm-ok", 10000, NULL, &error));
  g_assert_no_error (error);
  socket = g_strdup_printf ("%s/vm-ok.monitor.%d.socket", f->mngr_dir, (int) pid);
  g_assert_true (g_file_test (socket, G_FILE_TEST_EXISTS));
  g_assert_false (acrn_process_has_exited (process));
  g_assert_cmpint (acrn_process_get_wait_status (process), ==, -1);

  g_assert_true (stop (process, TRUE, 10000, &forced, &error));
  g_assert_no_error (error);
  g_assert_false (forced);
  g_assert_true (acrn_process_has_exited (process));
  g_assert_true (WIFEXITED (acrn_process_get_wait_status (process)));
  g_assert_cmpint (WEXITSTATUS (acrn_process_get_wait_status (process)), ==, 0);
  assert_reaped (pid);
  /* acrn-dm removes its socket on power-off. */
  g_assert_false (g_file_test (socket, G_FILE_TEST_EXISTS));

  wait_exited_signal (f);
  g_assert_cmpint (f->exited_status, ==, 0);

  /* COM1 (stdout) and stderr went to the log, stamped and tagged. */
  g_assert_true (g_file_get_contents (f->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "stdout: [    0.420000] fake guest vm-ok is up\n"));
  g_assert_nonnull (strstr (log, "stderr: vm_create: vm-ok\n"));

  /* Stopping again does nothing and succeeds. */
  g_assert_true (stop (process, TRUE, 10000, &forced, &error));
  g_assert_no_error (error);
  drain_default_context ();
  g_assert_cmpuint (f->exited_count, ==, 1);
}

/* Several VMs starting at once share one directory monitor; each wait
 * learns of its own socket only. */
static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  enum { N = 6 };
  AcrnProcess *processes[N];
  GAsyncResult *results[N] = { NULL };
  g_autoptr(GError) error = NULL;

  g_setenv ("FAKE_ACRN_SLOW_MS", "100", TRUE);
  for (guint i = 0; i < N; i++)
    {
      g_auto(GStrv) argv = NULL;
      g_autofree char *name = g_strdup_printf ("vm-par%u", i);

      argv = dm_argv (f, name);
      processes[i] = acrn_process_spawn ((const char * const *) argv, "test-vm", NULL, NULL, &error);
      g_assert_no_error (error);
      acrn_process_wait_running_async (processes[i], f->mngr_dir, name, 10000, NULL,
                                       store_result, &results[i]);
    }
  for (guint i = 0; i < N; i++)
    {
      wait_for (NULL, &results[i]);
      g_assert_true (acrn_process_wait_running_finish (processes[i], results[i], &error));
      g_assert_no_error (error);
      g_clear_object (&results[i]);
    }
  for (guint i = 0; i < N; i++)
    {
      g_assert_true (stop (processes[i], TRUE, 10000, NULL, &error));
      g_assert_no_error (error);
      assert_reaped (acrn_process_get_pid (processes[i]));
      release (&processes[i]);
    }
}

static void
test_exit_at_once (Fixture       *f,
                   gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tail = NULL;

  g_setenv ("FAKE_ACRN_EXIT", "3:could not open /dev/acrn_hsm: No such device", TRUE);
  process = spawn (f, "vm-exit");

  g_assert_false (wait_running (process, f, "vm-exit", 10000, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROCESS_EXITED);
  g_assert_nonnull (strstr (error->message, "exited with status 3 before it was running"));
  g_assert_nonnull (strstr (error->message, "could not open /dev/acrn_hsm: No such device"));
  g_assert_true (acrn_process_has_exited (process));
  assert_reaped (acrn_process_get_pid (process));

  tail = acrn_process_get_output_tail (process);
  g_assert_nonnull (strstr (tail, "could not open /dev/acrn_hsm"));
  wait_exited_signal (f);
  g_assert_cmpint (WEXITSTATUS (f->exited_status), ==, 3);
}

static void
test_no_socket_timeout (Fixture       *f,
                        gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_setenv ("FAKE_ACRN_NO_SOCKET", "1", TRUE);
  process = spawn (f, "vm-nosock");

  g_assert_false (wait_running (process, f, "vm-nosock", 300, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "within 300 ms"));
  g_assert_nonnull (strstr (error->message, "killed"));
  g_assert_nonnull (strstr (error->message, "vm-nosock.monitor."));

  /* Killed and reaped before the wait completed. */
  g_assert_true (acrn_process_has_exited (process));
  status = acrn_process_get_wait_status (process);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  assert_reaped (acrn_process_get_pid (process));
  wait_exited_signal (f);
}

static void
test_slow_start (Fixture       *f,
                 gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("FAKE_ACRN_SLOW_MS", "300", TRUE);
  process = spawn (f, "vm-slow");

  g_assert_true (wait_running (process, f, "vm-slow", 10000, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (stop (process, TRUE, 10000, NULL, &error));
  g_assert_no_error (error);
  wait_exited_signal (f);
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_start (Fixture       *f,
                   gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_setenv ("FAKE_ACRN_NO_SOCKET", "1", TRUE);
  process = spawn (f, "vm-cancel");

  g_timeout_add (50, cancel_soon, cancellable);
  g_assert_false (wait_running (process, f, "vm-cancel", 0, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (acrn_process_has_exited (process));
  g_assert_cmpint (WTERMSIG (acrn_process_get_wait_status (process)), ==, SIGKILL);
  assert_reaped (acrn_process_get_pid (process));
  wait_exited_signal (f);
}

static void
test_ignore_sigint (Fixture       *f,
                    gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  gboolean forced = FALSE;

  g_setenv ("FAKE_ACRN_IGNORE_SIGINT", "1", TRUE);
  process = spawn (f, "vm-stubborn");

  g_assert_true (wait_running (process, f, "vm-stubborn", 10000, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (stop (process, TRUE, 200, &forced, &error));
  g_assert_no_error (error);
  g_assert_true (forced);
  g_assert_cmpint (WTERMSIG (acrn_process_get_wait_status (process)), ==, SIGKILL);
  assert_reaped (acrn_process_get_pid (process));
  wait_exited_signal (f);
}

static void
test_crash_wait_only (Fixture       *f,
                      gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;
  gboolean forced = TRUE;

  g_setenv ("FAKE_ACRN_CRASH_MS", "1500", TRUE);
  process = spawn (f, "vm-crash");

  g_assert_true (wait_running (process, f, "vm-crash", 10000, NULL, &error));
  g_assert_no_error (error);

  /* Wait-only: no signal, the crash ends it. */
  g_assert_true (stop (process, FALSE, 10000, &forced, &error));
  g_assert_no_error (error);
  g_assert_false (forced);
  g_assert_cmpint (WTERMSIG (acrn_process_get_wait_status (process)), ==, SIGSEGV);
  how = acrn_process_describe_exit (process);
  g_assert_nonnull (strstr (how, "killed by signal 11"));
  wait_exited_signal (f);
  g_assert_cmpint (WTERMSIG (f->exited_status), ==, SIGSEGV);
}

static void
test_crash_signal (Fixture       *f,
                   gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("FAKE_ACRN_CRASH_MS", "1000", TRUE);
  process = spawn (f, "vm-crash2");

  g_assert_true (wait_running (process, f, "vm-crash2", 10000, NULL, &error));
  g_assert_no_error (error);

  /* Nobody waits: the owner watch notices and tells, once. */
  wait_exited_signal (f);
  g_assert_true (WIFSIGNALED (f->exited_status));
  g_assert_cmpint (WTERMSIG (f->exited_status), ==, SIGSEGV);
  g_assert_true (acrn_process_has_exited (process));
  assert_reaped (acrn_process_get_pid (process));
}

/* A synchronous wrapper runs operations in a private context while the
 * owner context is not iterated: output must still be read, and nothing may
 * stay behind in the private context. */
static void
test_private_context (Fixture       *f,
                      gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  GMainContext *context;
  g_autofree char *log = NULL;

  /* More output than a pipe holds, printed before and while running. */
  g_setenv ("FAKE_ACRN_STDOUT_LINES", "5000", TRUE);
  process = spawn (f, "vm-private");

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  acrn_process_wait_running_async (process, f->mngr_dir, "vm-private", 10000, NULL,
                                   store_result, &result);
  wait_for (context, &result);
  g_assert_true (acrn_process_wait_running_finish (process, result, &error));
  g_assert_no_error (error);

  acrn_process_stop_async (process, TRUE, 10000, NULL, store_result, &result2);
  wait_for (context, &result2);
  g_assert_true (acrn_process_stop_finish (process, result2, NULL, &error));
  g_assert_no_error (error);
  g_main_context_pop_thread_default (context);
  g_clear_object (&result);
  g_clear_object (&result2);
  g_main_context_unref (context);

  g_assert_cmpint (WEXITSTATUS (acrn_process_get_wait_status (process)), ==, 0);
  g_assert_true (g_file_get_contents (f->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "stdout: fake-acrn-dm stdout line 5000\n"));
  wait_exited_signal (f);
}

static void
test_log_rotation (Fixture       *f,
                   gconstpointer  data)
{
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rotated = g_strconcat (f->log_path, ".1", NULL);
  g_autofree char *log = NULL;
  GStatBuf st;

  /* ~60 bytes a line: 40000 lines overflow 1 MiB twice. */
  g_setenv ("FAKE_ACRN_STDOUT_LINES", "40000", TRUE);
  process = spawn (f, "vm-chatty");
  g_assert_true (wait_running (process, f, "vm-chatty", 10000, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (stop (process, TRUE, 10000, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (f->log_path, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, ACRN_PROCESS_LOG_MAX_BYTES);
  g_assert_cmpint (g_stat (rotated, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, ACRN_PROCESS_LOG_MAX_BYTES);
  g_assert_cmpint (st.st_size, >, ACRN_PROCESS_LOG_MAX_BYTES / 2);
  g_assert_true (g_file_get_contents (f->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "stdout: fake-acrn-dm stdout line 40000\n"));
  wait_exited_signal (f);
}

static void
test_long_lines (Fixture       *f,
                 gconstpointer  data)
{
  const char *argv[] = { "printf", "%02000d\\nlast words", "7", NULL };
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *tail = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *path = g_find_program_in_path ("printf");
  g_autofree char *zeros = NULL;
  g_autofree char *expected = NULL;

  if (path == NULL)
    {
      g_test_skip ("no printf program");
      return;
    }
  argv[0] = path;
  process = acrn_process_spawn (argv, "test-vm", f->log_path, NULL, &error);
  g_assert_no_error (error);
  f->process = process;
  g_signal_connect (process, "exited", G_CALLBACK (on_exited), f);

  g_assert_false (wait_running (process, f, "vm-x", 10000, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROCESS_EXITED);
  /* The last line had no newline; it is kept. */
  g_assert_nonnull (strstr (error->message, "last words"));

  g_assert_true (g_file_get_contents (f->log_path, &log, NULL, NULL));
  lines = g_strsplit (log, "\n", -1);
  /* 2000 digits split at ACRN_PROCESS_LINE_MAX, then the last words. */
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  zeros = g_strnfill (ACRN_PROCESS_LINE_MAX, '0');
  expected = g_strconcat ("stdout: ", zeros, NULL);
  g_assert_true (g_str_has_suffix (lines[0], expected));
  g_assert_cmpuint (strlen (lines[1]), >, 2000 - ACRN_PROCESS_LINE_MAX);
  g_assert_true (g_str_has_suffix (lines[1], "7"));
  g_assert_true (g_str_has_suffix (lines[2], "stdout: last words"));
  g_assert_cmpstr (lines[3], ==, "");

  /* In-memory lines are capped. */
  tail = acrn_process_get_output_tail (process);
  g_assert_cmpuint (strlen (tail), <, 3 * 260);
  wait_exited_signal (f);
}

static void
test_spawn_failure (Fixture       *f,
                    gconstpointer  data)
{
  const char *argv[] = { "/nonexistent/acrn-dm", "vm", NULL };
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;

  process = acrn_process_spawn (argv, "test-vm", f->log_path, NULL, &error);
  g_assert_null (process);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_SPAWN_FAILED);
  g_assert_nonnull (strstr (error->message, "/nonexistent/acrn-dm"));
}


/* What acrn-dm starts with, whatever the manager's own settings: stdin,
 * stdout and stderr only (a descriptor the application left inheritable
 * is not passed on), a session of its own, no signal blocked, every
 * signal at its default action except SIGPIPE, ignored (even if the
 * application ignores SIGINT, which stop_vm sends). The child is
 * `sleep`, looked at through /proc while it runs. */
static void
check_child_setup (Fixture *f)
{
  const char *argv[] = { "sleep", "30", NULL };
  g_autoptr(AcrnProcess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fd_dir = NULL;
  g_autofree char *status_path = NULL;
  g_autofree char *status = NULL;
  g_autofree char *stat_path = NULL;
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  g_autoptr(GPtrArray) fds = g_ptr_array_new_with_free_func (g_free);
  struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_pipe;
  sigset_t block, old_mask;
  const char *name;
  GDir *dir;
  GPid pid;
  int leaked;

  leaked = open ("/dev/null", O_RDONLY);  /* no O_CLOEXEC, on purpose */
  g_assert_cmpint (leaked, >=, 0);
  sigaction (SIGINT, &ignore, &old_int);
  sigaction (SIGPIPE, &ignore, &old_pipe);
  sigemptyset (&block);
  sigaddset (&block, SIGUSR1);
  pthread_sigmask (SIG_BLOCK, &block, &old_mask);

  process = acrn_process_spawn (argv, "test-vm", f->log_path, NULL, &error);

  pthread_sigmask (SIG_SETMASK, &old_mask, NULL);
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGPIPE, &old_pipe, NULL);
  close (leaked);
  g_assert_no_error (error);
  g_assert_nonnull (process);
  g_assert_true (acrn_process_is_child (process));
  pid = acrn_process_get_pid (process);
  g_assert_cmpint (pid, >, 0);

  /* The start time is known at once and is the process's. */
  {
    guint64 start_time = 0;

    g_assert_true (acrn_proc_get_start_time (pid, &start_time, NULL));
    g_assert_cmpuint (acrn_process_get_start_time (process), ==, start_time);
  }

  /* Descriptors: 0, 1 and 2, and not the one the application left
   * inheritable (a /dev/null above 2). The program's own loader may hold
   * a library open for a moment: other descriptors are not judged. */
  fd_dir = g_strdup_printf ("/proc/%d/fd", (int) pid);
  dir = g_dir_open (fd_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (fd_dir, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      g_ptr_array_add (fds, g_strdup (name));
      if (atoi (name) > 2)
        g_assert_cmpstr (target, !=, "/dev/null");
    }
  g_dir_close (dir);
  g_assert_true (g_ptr_array_find_with_equal_func (fds, "0", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (fds, "1", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (fds, "2", g_str_equal, NULL));

  status_path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
  g_assert_nonnull (strstr (status, "\nSigBlk:\t0000000000000000\n"));
  /* SIGPIPE is signal 13: bit 12 of the mask. */
  g_assert_nonnull (strstr (status, "\nSigIgn:\t0000000000001000\n"));

  /* Field 6 of stat is the session: its own. */
  stat_path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_assert_true (g_file_get_contents (stat_path, &stat, NULL, NULL));
  fields = g_strsplit (strrchr (stat, ')') + 2, " ", -1);
  g_assert_cmpint (atoi (fields[3]), ==, pid);

  g_assert_true (stop (process, TRUE, 10000, NULL, &error));
  g_assert_no_error (error);
  assert_reaped (pid);
}

static void
test_child_setup (Fixture       *f,
                  gconstpointer  data)
{
  check_child_setup (f);
}

/* The same through GSubprocess, which the backend uses where pidfds are
 * missing (valgrind, Linux < 5.3). */
static void
test_child_setup_fallback (Fixture       *f,
                           gconstpointer  data)
{
  acrn_spawn_force_fallback (TRUE);
  check_child_setup (f);
  acrn_spawn_force_fallback (FALSE);
}

/* Re-attach to an acrn-dm that another "manager" (here a plain
 * GSubprocess) started. */
static GSubprocess *
spawn_foreign (Fixture    *f,
               const char *name)
{
  g_auto(GStrv) argv = dm_argv (f, name);
  g_autoptr(GError) error = NULL;
  GSubprocess *sub;

  sub = g_subprocess_newv ((const char * const *) argv,
                           G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error);
  g_assert_no_error (error);
  return sub;
}

static void
test_attach (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GSubprocess) sub = NULL;
  AcrnProcess *process = NULL;
  AcrnProcess *refused = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;
  guint64 start_time = 0;
  gboolean forced = TRUE;

  /* Skip before spawning, or the skipped test would leave acrn-dm running. */
  if (!have_pidfd)
    {
      g_test_skip ("pidfd_open() is not available here (valgrind?): re-attaching needs it");
      return;
    }
  sub = spawn_foreign (f, "vm-foreign");
  pid = atoi (g_subprocess_get_identifier (sub));

  g_assert_true (acrn_proc_get_start_time (pid, &start_time, &error));
  g_assert_no_error (error);

  /* A reused pid: the start time differs. */
  refused = acrn_process_attach (pid, start_time + 1, fake_dm, "test-vm", NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE);
  g_assert_nonnull (strstr (error->message, "reused"));
  g_clear_error (&error);

  /* Not acrn-dm. */
  refused = acrn_process_attach (pid, start_time, "/usr/bin/true", "test-vm", NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE);
  g_assert_nonnull (strstr (error->message, "not /usr/bin/true"));
  g_clear_error (&error);

  process = acrn_process_attach (pid, start_time, fake_dm, "test-vm", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (process);
  f->process = process;
  g_assert_false (acrn_process_is_child (process));
  g_signal_connect (process, "exited", G_CALLBACK (on_exited), f);

  g_assert_true (wait_running (process, f, "vm-foreign", 10000, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (stop (process, TRUE, 10000, &forced, &error));
  g_assert_no_error (error);
  g_assert_false (forced);
  /* Not our child: the status cannot be known. */
  g_assert_cmpint (acrn_process_get_wait_status (process), ==, -1);
  wait_exited_signal (f);
  g_assert_cmpint (f->exited_status, ==, -1);

  /* The real parent sees the clean exit of the SIGINT. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    g_subprocess_wait_async (sub, NULL, store_result, &result);
    wait_for (NULL, &result);
    g_assert_true (g_subprocess_wait_finish (sub, result, &error));
    g_assert_no_error (error);
  }
  g_assert_true (g_subprocess_get_if_exited (sub));
  g_assert_cmpint (g_subprocess_get_exit_status (sub), ==, 0);
}

static void
test_attach_gone (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GSubprocess) sub = NULL;
  AcrnProcess *process = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;
  guint64 start_time = 0;

  /* Skip before spawning, or the skipped test would leave acrn-dm running. */
  if (!have_pidfd)
    {
      g_test_skip ("pidfd_open() is not available here (valgrind?): re-attaching needs it");
      return;
    }
  sub = spawn_foreign (f, "vm-gone");
  pid = atoi (g_subprocess_get_identifier (sub));

  g_assert_true (acrn_proc_get_start_time (pid, &start_time, &error));
  g_subprocess_force_exit (sub);
  {
    g_autoptr(GAsyncResult) result = NULL;

    g_subprocess_wait_async (sub, NULL, store_result, &result);
    wait_for (NULL, &result);
    g_assert_true (g_subprocess_wait_finish (sub, result, &error));
    g_assert_no_error (error);
  }

  process = acrn_process_attach (pid, start_time, fake_dm, "test-vm", NULL, &error);
  g_assert_null (process);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE);
}

#define ADD(name, func) \
  g_test_add ("/acrn/process/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  fake_dm = g_getenv ("FAKE_ACRN_DM");
  if (fake_dm == NULL)
    {
      g_printerr ("FAKE_ACRN_DM must name the fake acrn-dm\n");
      return 1;
    }

  {
    int fd = (int) syscall (SYS_pidfd_open, getpid (), 0);

    have_pidfd = fd >= 0;
    if (fd >= 0)
      close (fd);
  }

  /* Descriptors that live as long as the process, whatever the number of
   * VMs: the backend's inotify descriptor for the manager directories, and
   * the wake-up descriptor of GLib's worker thread (which reaps children;
   * a file monitor starts it, and opens GIO's own inotify descriptor).
   * Open them before the tests count descriptors: any other descriptor
   * left after a test is a leak. */
  {
    g_autoptr(GFile) tmp = g_file_new_for_path (g_get_tmp_dir ());
    g_autoptr(GFileMonitor) monitor = g_file_monitor_directory (tmp, G_FILE_MONITOR_NONE,
                                                                NULL, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (acrn_process_init_directory_watch (&error));
    g_assert_no_error (error);
  }

  ADD ("start-stop", test_start_stop);
  ADD ("concurrent", test_concurrent);
  ADD ("exit-at-once", test_exit_at_once);
  ADD ("no-socket-timeout", test_no_socket_timeout);
  ADD ("slow-start", test_slow_start);
  ADD ("cancel-start", test_cancel_start);
  ADD ("ignore-sigint", test_ignore_sigint);
  ADD ("crash-wait-only", test_crash_wait_only);
  ADD ("crash-signal", test_crash_signal);
  ADD ("private-context", test_private_context);
  ADD ("log-rotation", test_log_rotation);
  ADD ("long-lines", test_long_lines);
  ADD ("spawn-failure", test_spawn_failure);
  ADD ("child-setup", test_child_setup);
  ADD ("child-setup-fallback", test_child_setup_fallback);
  ADD ("attach", test_attach);
  ADD ("attach-gone", test_attach_gone);

  return g_test_run ();
}
