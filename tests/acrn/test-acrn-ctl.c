/* test-acrn-ctl.c: the acrnctl wrapper against the fake acrnctl and acrn-dm
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#include "acrn-ctl.h"
#include "acrn-mngr.h"
#include "acrn-process.h"

static const char *fake_dm;
static const char *fake_ctl;

/* ---- output rules ------------------------------------------------------- */

static void
test_check_output (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (acrn_ctl_check_output ("blkrescan", 0, "", &error));
  g_assert_no_error (error);
  g_assert_true (acrn_ctl_check_output ("blkrescan", 0, "\n  \n", &error));
  g_assert_no_error (error);

  /* Exit 0, but acrn-dm refused. */
  g_assert_false (acrn_ctl_check_output ("blkrescan of slot 5 with /d.img in VM vm1", 0,
                                         "Unable to rescan virtio-blk device in vm. errno(-1)\n",
                                         &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "slot 5 with /d.img"));
  g_assert_nonnull (strstr (error->message, "errno(-1)"));
  g_clear_error (&error);

  /* Exit 0, could not even reach acrn-dm. */
  g_assert_false (acrn_ctl_check_output ("stop of VM vm1", 0,
                                         "Unable to open vm vm1 socket. It may have been shutdown\n",
                                         &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* A failing exit status. */
  g_assert_false (acrn_ctl_check_output ("stop of VM vm1", 255 << 8,
                                         "Please run acrnctl with root privileges. Exiting.\n",
                                         &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "exit status 255"));
  g_assert_nonnull (strstr (error->message, "root privileges"));
  g_clear_error (&error);

  g_assert_false (acrn_ctl_check_output ("stop of VM vm1", SIGSEGV, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "signal 11"));
}

/* ---- prefix rule -------------------------------------------------------- */

typedef struct
{
  char        *tmpdir;
  char        *mngr_dir;
  char        *conf_dir;
  char        *kernel;
  char        *disk;
  char        *disk2;
  char        *devices_log;
  AcrnProcess *process;
} Fixture;

static void
touch (const char *dir,
       const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("test-acrn-ctl-XXXXXX", &error);
  g_assert_no_error (error);
  f->mngr_dir = g_build_filename (f->tmpdir, "mngr", NULL);
  f->conf_dir = g_build_filename (f->tmpdir, "conf", NULL);
  f->kernel = g_build_filename (f->tmpdir, "bzImage", NULL);
  f->disk = g_build_filename (f->tmpdir, "disk.img", NULL);
  f->disk2 = g_build_filename (f->tmpdir, "disk2.img", NULL);
  f->devices_log = g_build_filename (f->tmpdir, "devices.log", NULL);
  g_assert_cmpint (g_mkdir (f->mngr_dir, 0755), ==, 0);
  g_file_set_contents (f->kernel, "kernel", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (f->disk, "disk", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (f->disk2, "disk2", -1, &error);
  g_assert_no_error (error);

  g_setenv ("FAKE_ACRN_MNGR_DIR", f->mngr_dir, TRUE);
  g_setenv ("FAKE_ACRN_CONF_DIR", f->conf_dir, TRUE);
  g_setenv ("FAKE_ACRN_DEVICES_LOG", f->devices_log, TRUE);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

typedef struct
{
  GAsyncResult *result;
} Wait;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->process != NULL)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      acrn_process_stop_async (f->process, TRUE, 10000, NULL, store_result, &result);
      wait_for (&result);
      g_assert_true (acrn_process_stop_finish (f->process, result, NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&f->process);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;

  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->mngr_dir);
  g_free (f->conf_dir);
  g_free (f->kernel);
  g_free (f->disk);
  g_free (f->disk2);
  g_free (f->devices_log);
}

static void
test_check_name (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->tmpdir, "nothing", NULL);

  g_assert_true (acrn_ctl_check_name (missing, "vm1", 0, &error));
  g_assert_no_error (error);
  g_assert_true (acrn_ctl_check_name (f->mngr_dir, "vm1", 0, &error));
  g_assert_no_error (error);

  touch (f->mngr_dir, "vm1.monitor.100.socket");
  touch (f->mngr_dir, ".hidden");
  touch (f->mngr_dir, "README");

  /* Its own socket is fine. */
  g_assert_true (acrn_ctl_check_name (f->mngr_dir, "vm1", 100, &error));
  g_assert_no_error (error);
  /* No prefix relation. */
  g_assert_true (acrn_ctl_check_name (f->mngr_dir, "vm2", 0, &error));
  g_assert_no_error (error);
  /* vm1 is a prefix of vm10: acrnctl could reach vm1. */
  g_assert_false (acrn_ctl_check_name (f->mngr_dir, "vm10", 200, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "vm1.monitor.100.socket"));
  g_assert_nonnull (strstr (error->message, "prefix"));
  g_clear_error (&error);
  /* But vm10 is not a prefix of vm1. */
  touch (f->mngr_dir, "vm10.monitor.200.socket");
  g_assert_true (acrn_ctl_check_name (f->mngr_dir, "vm1", 100, &error));
  g_assert_no_error (error);

  /* A socket of the same name left behind by another acrn-dm. */
  touch (f->mngr_dir, "vm1.monitor.99.socket");
  g_assert_false (acrn_ctl_check_name (f->mngr_dir, "vm1", 100, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "vm1.monitor.99.socket"));
  g_clear_error (&error);

  /* acrnctl cuts names at the first '.'. */
  touch (f->mngr_dir, "ab.c.monitor.5.socket");
  g_assert_false (acrn_ctl_check_name (f->mngr_dir, "abz", 0, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
}

/* ---- against the fakes -------------------------------------------------- */

static void
start_vm (Fixture    *f,
          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *image = g_strdup_printf ("4,virtio-blk,%s", f->disk);
  const char *argv[] = {
    fake_dm, "-m", "256M", "-s", "0:0,hostbridge", "-s", "1:0,lpc", "-l", "com1,stdio",
    "-s", image, "-s", "5,virtio-blk,nodisk", "-s", "6,virtio-blk,nodisk",
    "-k", f->kernel, name, NULL
  };

  f->process = acrn_process_spawn (argv, "test-vm", NULL, NULL, &error);
  g_assert_no_error (error);
  acrn_process_wait_running_async (f->process, f->mngr_dir, name, 10000, NULL,
                                   store_result, &result);
  wait_for (&result);
  g_assert_true (acrn_process_wait_running_finish (f->process, result, &error));
  g_assert_no_error (error);
}

static gboolean
blkrescan_pid (Fixture     *f,
               const char  *name,
               GPid         pid,
               guint        slot,
               const char  *path,
               gboolean     read_only,
               guint        timeout_ms,
               GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  acrn_ctl_blkrescan_async (fake_ctl, f->mngr_dir, name, pid, slot, path, read_only, timeout_ms,
                            NULL, store_result, &result);
  wait_for (&result);
  return acrn_ctl_blkrescan_finish (result, error);
}

static gboolean
blkrescan (Fixture     *f,
           const char  *name,
           guint        slot,
           const char  *path,
           guint        timeout_ms,
           GError     **error)
{
  GPid pid = f->process != NULL ? acrn_process_get_pid (f->process) : 0;

  return blkrescan_pid (f, name, pid, slot, path, FALSE, timeout_ms, error);
}

static char *
device_line (Fixture *f,
             guint    slot)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *prefix = g_strdup_printf ("0:%u:0\t", slot);

  g_assert_true (g_file_get_contents (f->devices_log, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i]);
  return NULL;
}

static void
test_blkrescan (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *line4 = NULL;
  g_autofree char *expected = NULL;

  start_vm (f, "vm-blk");

  line = device_line (f, 5);
  g_assert_nonnull (strstr (line, "empty"));
  g_clear_pointer (&line, g_free);

  g_assert_true (blkrescan (f, "vm-blk", 5, f->disk2, 10000, &error));
  g_assert_no_error (error);
  line = device_line (f, 5);
  g_assert_nonnull (strstr (line, f->disk2));
  g_assert_nonnull (strstr (line, "opened"));

  /* Slot 5 holds a disk now: acrn-dm refuses, acrnctl still exits 0. */
  g_assert_false (blkrescan (f, "vm-blk", 5, f->disk, 10000, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "slot 5"));
  g_assert_nonnull (strstr (error->message, f->disk));
  g_assert_nonnull (strstr (error->message, "Unable to rescan virtio-blk device in vm"));
  g_clear_error (&error);

  /* The image slot is not a nodisk drive. */
  g_assert_false (blkrescan (f, "vm-blk", 4, f->disk2, 10000, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_clear_error (&error);
  line4 = device_line (f, 4);
  g_assert_nonnull (strstr (line4, f->disk));

  /* Read-only into the other free slot. */
  g_assert_true (blkrescan_pid (f, "vm-blk", acrn_process_get_pid (f->process), 6, f->disk,
                                TRUE, 10000, &error));
  g_assert_no_error (error);
  g_clear_pointer (&line, g_free);
  line = device_line (f, 6);
  expected = g_strdup_printf ("\topened\t%s,ro", f->disk);
  g_assert_true (g_str_has_suffix (line, expected));

  /* A VM acrnctl does not know. */
  g_assert_false (blkrescan (f, "vm-none", 6, f->disk2, 10000, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "vm-none"));
}

static void
test_prefix_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *log = g_build_filename (f->tmpdir, "acrnctl.log", NULL);

  start_vm (f, "vm1");
  g_setenv ("FAKE_ACRNCTL_LOG", log, TRUE);

  /* vm1 runs: a command for vm10 is refused before acrnctl runs. */
  g_assert_false (blkrescan (f, "vm10", 5, f->disk2, 10000, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "vm1.monitor."));
  g_assert_false (g_file_test (log, G_FILE_TEST_EXISTS));
  g_unsetenv ("FAKE_ACRNCTL_LOG");
}

static gboolean
stop (Fixture   *f,
      const char *name,
      gboolean    force,
      GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  acrn_ctl_stop_async (fake_ctl, f->mngr_dir, name, acrn_process_get_pid (f->process), force,
                       10000, NULL, store_result, &result);
  wait_for (&result);
  return acrn_ctl_stop_finish (result, error);
}

static void
test_stop (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  start_vm (f, "vm-stop");

  /* Without --pm_notify_channel acrn-dm refuses a graceful DM_STOP. */
  g_assert_false (stop (f, "vm-stop", FALSE, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "Error happens when try to stop vm"));
  g_clear_error (&error);
  g_assert_false (acrn_process_has_exited (f->process));

  g_assert_true (stop (f, "vm-stop", TRUE, &error));
  g_assert_no_error (error);

  /* acrn-dm powers off and exits 0. */
  acrn_process_stop_async (f->process, FALSE, 10000, NULL, store_result, &result);
  wait_for (&result);
  g_assert_true (acrn_process_stop_finish (f->process, result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (acrn_process_get_wait_status (f->process)));
  g_assert_cmpint (WEXITSTATUS (acrn_process_get_wait_status (f->process)), ==, 0);
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = acrn_mngr_socket_path (f->mngr_dir, "vm-mute", 4242);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  /* A manager socket that accepts but never answers. */
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (fd, 8), ==, 0);

  g_assert_false (blkrescan_pid (f, "vm-mute", 4242, 5, f->disk, FALSE, 100, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "100 ms"));
  close (fd);
}

static void
test_spawn_failure (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  acrn_ctl_stop_async ("/nonexistent/acrnctl", f->mngr_dir, "vm1", 0, FALSE, 1000, NULL,
                       store_result, &result);
  wait_for (&result);
  g_assert_false (acrn_ctl_stop_finish (result, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_SPAWN_FAILED);
  g_assert_nonnull (strstr (error->message, "/nonexistent/acrnctl"));
}

static void
test_bad_name (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  acrn_ctl_stop_async (fake_ctl, f->mngr_dir, "a-name-longer-than-15", 0, FALSE, 1000, NULL,
                       store_result, &result);
  wait_for (&result);
  g_assert_false (acrn_ctl_stop_finish (result, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
}

#define ADD(name, func) \
  g_test_add ("/acrn/ctl/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  fake_dm = g_getenv ("FAKE_ACRN_DM");
  fake_ctl = g_getenv ("FAKE_ACRNCTL");
  if (fake_dm == NULL || fake_ctl == NULL)
    {
      g_printerr ("FAKE_ACRN_DM and FAKE_ACRNCTL must name the fakes\n");
      return 1;
    }

  g_test_add_func ("/acrn/ctl/check-output", test_check_output);
  ADD ("check-name", test_check_name);
  ADD ("blkrescan", test_blkrescan);
  ADD ("prefix-refused", test_prefix_refused);
  ADD ("stop", test_stop);
  ADD ("timeout", test_timeout);
  ADD ("spawn-failure", test_spawn_failure);
  ADD ("bad-name", test_bad_name);

  return g_test_run ();
}
