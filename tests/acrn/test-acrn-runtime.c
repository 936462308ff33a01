/* test-acrn-runtime.c: the ACRN backend against the fake acrn-dm and acrnctl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every path of a VM's life: start (fine, exiting at once, slow, never
 * answering, cancelled, stopped while starting), stop (SIGINT, ignored
 * SIGINT then SIGKILL, wait-only), crashes, hotplug (success, failure,
 * full pool, acrnctl's prefix trap), vsock CIDs, state file, re-attach from
 * a second process, pid reuse. After each test: no zombie, no descriptor
 * left open, nothing left in the CPU/CID registry.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#include "acrn-mngr.h"
#include "acrn-process.h"
#include "acrn-registry.h"
#include "acrn-state.h"
#include "vmm-acrn-hypervisor.h"

static const char *fake_dm;
static const char *fake_ctl;
static char *self_exe;
static GThread *main_thread;
static gboolean have_pidfd;
static char *cpuinfo;

static const char * const fault_vars[] = {
  "FAKE_ACRN_EXIT", "FAKE_ACRN_CRASH_MS", "FAKE_ACRN_IGNORE_SIGINT", "FAKE_ACRN_NO_SOCKET",
  "FAKE_ACRN_SLOW_MS", "FAKE_ACRN_STDOUT_LINES", NULL
};

typedef struct
{
  VmmVmState old_state;
  VmmVmState new_state;
} Transition;

typedef struct
{
  char          *tmpdir;
  char          *mngr_dir;
  char          *store_dir;
  char          *kernel;
  char          *image;
  char          *disk[3];
  guint          n_fds;
  VmmHypervisor *hv;
  GArray        *transitions;
} Fixture;

/* ---- helpers -------------------------------------------------------------- */

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
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
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

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
on_state_changed (VmmHypervisor *hv,
                  VmmVmState     old_state,
                  VmmVmState     new_state,
                  gpointer       user_data)
{
  Fixture *f = user_data;
  Transition t = { old_state, new_state };

  /* Announced in the creating thread. */
  g_assert_true (g_thread_self () == main_thread);
  g_array_append_val (f->transitions, t);
}

static VmmHypervisor *
new_hypervisor (Fixture *f)
{
  VmmHypervisor *hv = g_object_new (VMM_TYPE_ACRN_HYPERVISOR,
                                    "mngr-dir", f->mngr_dir,
                                    "cpuinfo-path", cpuinfo,
                                    NULL);

  g_signal_connect (hv, "state-changed", G_CALLBACK (on_state_changed), f);
  return hv;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; fault_vars[i] != NULL; i++)
    g_unsetenv (fault_vars[i]);

  f->tmpdir = g_dir_make_tmp ("test-acrn-runtime-XXXXXX", &error);
  g_assert_no_error (error);
  f->mngr_dir = g_build_filename (f->tmpdir, "mngr", NULL);
  f->store_dir = g_build_filename (f->tmpdir, "store", NULL);
  f->kernel = g_build_filename (f->tmpdir, "bzImage", NULL);
  f->image = g_build_filename (f->tmpdir, "root.img", NULL);
  write_file (f->kernel, "kernel");
  write_file (f->image, "image");
  for (guint i = 0; i < G_N_ELEMENTS (f->disk); i++)
    {
      g_autofree char *name = g_strdup_printf ("disk%u.img", i);

      f->disk[i] = g_build_filename (f->tmpdir, name, NULL);
      write_file (f->disk[i], "disk");
    }
  g_setenv ("FAKE_ACRN_MNGR_DIR", f->mngr_dir, TRUE);
  g_setenv ("VMM_ACRN_MNGR_DIR", f->mngr_dir, TRUE);
  g_setenv ("FAKE_ACRN_CONF_DIR", f->tmpdir, TRUE);
  g_setenv ("FAKE_ACRN_MAX_LIFETIME_S", "120", TRUE);

  f->transitions = g_array_new (FALSE, FALSE, sizeof (Transition));
  drain ();
  f->n_fds = count_fds ();
  f->hv = new_hypervisor (f);
}

static void
assert_registry_empty (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnRegistry) registry = acrn_registry_new (f->store_dir, &error);
  g_autoptr(GPtrArray) entries = NULL;

  g_assert_no_error (error);
  entries = acrn_registry_list_entries (registry, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 0);
}

static AcrnRegistryEntry *
registry_entry (Fixture    *f,
                const char *vm_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnRegistry) registry = acrn_registry_new (f->store_dir, &error);
  AcrnRegistryEntry *entry = NULL;

  g_assert_no_error (error);
  g_assert_true (acrn_registry_lookup (registry, vm_id, &entry, &error));
  g_assert_no_error (error);
  return entry;
}

static gboolean
give_up (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean timed_out = FALSE;
  guint safety;

  if (f->hv != NULL)
    {
      VmmVmState state = vmm_hypervisor_get_state (f->hv);
      g_autoptr(GError) error = NULL;

      if (state == VMM_VM_STATE_RUNNING || state == VMM_VM_STATE_STARTING)
        {
          g_assert_true (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error));
          g_assert_no_error (error);
        }
      if (vmm_hypervisor_get_state (f->hv) != VMM_VM_STATE_NOT_CREATED)
        {
          g_assert_true (vmm_hypervisor_cleanup (f->hv, NULL, &error));
          g_assert_no_error (error);
        }

      /* Released and finalized once its sources have come back. */
      g_object_add_weak_pointer (G_OBJECT (f->hv), (gpointer *) &f->hv);
      g_object_unref (f->hv);
      safety = g_timeout_add_seconds (10, give_up, &timed_out);
      while (f->hv != NULL && !timed_out)
        g_main_context_iteration (NULL, TRUE);
      g_assert_null (f->hv);
      g_source_remove (safety);
    }
  drain ();

  assert_registry_empty (f);
  /* GLib's worker closes its child-watch pidfd just after reaping: let it
   * settle (a safety bound, not a timing assertion). */
  for (guint i = 0; i < 500 && count_fds () != f->n_fds; i++)
    g_usleep (2000);
  g_assert_cmpuint (count_fds (), ==, f->n_fds);

  for (guint i = 0; fault_vars[i] != NULL; i++)
    g_unsetenv (fault_vars[i]);
  remove_tree (f->tmpdir);
  g_array_unref (f->transitions);
  g_free (f->tmpdir);
  g_free (f->mngr_dir);
  g_free (f->store_dir);
  g_free (f->kernel);
  g_free (f->image);
  for (guint i = 0; i < G_N_ELEMENTS (f->disk); i++)
    g_free (f->disk[i]);
}

/* The usual config of these tests, with the members of @extra (a JSON
 * object's members, without braces) replacing or adding keys. */
static VmmHypervisorConfig *
make_config (Fixture    *f,
             const char *id,
             const char *extra)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) base = json_parser_new ();
  g_autoptr(JsonParser) over = json_parser_new ();
  g_autofree char *json = NULL;
  g_autofree char *extra_json = g_strdup_printf ("{%s}", extra != NULL ? extra : "");
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  JsonObject *overrides;
  VmmHypervisorConfig *config;

  json = g_strdup_printf ("{\"id\":\"%s\",\"kernel\":\"%s\",\"image\":\"%s\","
                          "\"memory-mib\":256,\"vcpus\":1,\"store-dir\":\"%s\","
                          "\"block-pool-size\":2,\"hypervisor-path\":\"%s\","
                          "\"ctl-path\":\"%s\",\"start-timeout-ms\":10000,"
                          "\"stop-timeout-ms\":10000}",
                          id, f->kernel, f->image, f->store_dir, fake_dm, fake_ctl);
  g_assert_true (json_parser_load_from_data (base, json, -1, &error));
  g_assert_true (json_parser_load_from_data (over, extra_json, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (base));
  overrides = json_node_get_object (json_parser_get_root (over));
  members = json_object_get_members (overrides);
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (object, l->data,
                            json_node_copy (json_object_get_member (overrides, l->data)));

  config = vmm_hypervisor_config_new_from_node (json_parser_get_root (base), &error);
  g_assert_no_error (error);
  return config;
}

static void
create (Fixture    *f,
        const char *id,
        const char *extra)
{
  g_autoptr(VmmHypervisorConfig) config = make_config (f, id, extra);
  g_autoptr(GError) error = NULL;

  g_assert_true (vmm_hypervisor_create_vm (f->hv, config, NULL, &error));
  g_assert_no_error (error);
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
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static gboolean
start_async (Fixture       *f,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  vmm_hypervisor_start_vm_async (f->hv, cancellable, store_result, &result);
  wait_for (&result);
  return vmm_hypervisor_start_vm_finish (f->hv, result, error);
}

static gboolean
stop_async (Fixture       *f,
            VmmStopFlags   flags,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  vmm_hypervisor_stop_vm_async (f->hv, flags, NULL, store_result, &result);
  wait_for (&result);
  return vmm_hypervisor_stop_vm_finish (f->hv, result, error);
}

static gboolean
hotplug (Fixture     *f,
         const char  *path,
         gboolean     read_only,
         GError     **error)
{
  g_autoptr(VmmBlockDevice) disk = vmm_block_device_new (path, read_only);
  g_autoptr(GAsyncResult) result = NULL;

  vmm_hypervisor_hotplug_add_device_async (f->hv, VMM_DEVICE (disk), NULL, store_result, &result);
  wait_for (&result);
  return vmm_hypervisor_hotplug_add_device_finish (f->hv, result, error);
}

/* The transitions since the last call, as "a>b a>b ...". */
static char *
take_transitions (Fixture *f)
{
  GString *s = g_string_new (NULL);

  drain ();
  for (guint i = 0; i < f->transitions->len; i++)
    {
      Transition *t = &g_array_index (f->transitions, Transition, i);

      g_string_append_printf (s, "%s%s>%s", i > 0 ? " " : "",
                              vmm_vm_state_to_string (t->old_state),
                              vmm_vm_state_to_string (t->new_state));
    }
  g_array_set_size (f->transitions, 0);
  return g_string_free (s, FALSE);
}

#define assert_transitions(f, expected) \
  G_STMT_START { \
    g_autofree char *_got = take_transitions (f); \
    g_assert_cmpstr (_got, ==, expected); \
  } G_STMT_END

static GPid
vm_pid (Fixture *f)
{
  g_autoptr(GArray) pids = vmm_hypervisor_get_pids (f->hv);

  g_assert_cmpuint (pids->len, ==, 1);
  return g_array_index (pids, GPid, 0);
}

static void
assert_no_process (GPid pid)
{
  /* Reaped (no zombie) and gone. */
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

static AcrnState *
load_state_file (Fixture    *f,
                 const char *id)
{
  g_autofree char *path = acrn_state_get_path (f->store_dir, id);
  g_autoptr(GError) error = NULL;
  AcrnState *state = acrn_state_load (path, &error);

  g_assert_no_error (error);
  return state;
}

static char *
socket_path (Fixture    *f,
             const char *vm_name,
             GPid        pid)
{
  return acrn_mngr_socket_path (f->mngr_dir, vm_name, pid);
}

static char *
vm_name (Fixture *f)
{
  char *name = NULL;

  g_object_get (f->hv, "vm-name", &name, NULL);
  return name;
}

/* ---- tests ---------------------------------------------------------------- */

static void on_other_state_changed (VmmHypervisor *hv, VmmVmState old_state,
                                    VmmVmState new_state, gpointer user_data);

static void
test_start_stop (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autoptr(AcrnRegistryEntry) entry = NULL;
  g_autofree char *name = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *console = NULL;
  g_autofree char *vm_dir = NULL;
  GPid pid;
  guint64 start_time = 0;
  int status;

  g_assert_cmphex (vmm_hypervisor_get_capabilities (f->hv), ==, VMM_ACRN_CAPABILITIES);
  create (f, "vm1", NULL);
  assert_transitions (f, "not-created>created");

  /* The complete command line, from the fake's own checks' point of view. */
  g_object_get (f->hv, "command-line", &argv, NULL);
  name = vm_name (f);
  g_assert_cmpstr (name, ==, "sbx-vm1");
  g_assert_cmpstr (argv[0], ==, fake_dm);
  g_assert_cmpstr (argv[g_strv_length (argv) - 1], ==, "sbx-vm1");
  g_assert_true (g_strv_contains ((const char * const *) argv, "--cpu_affinity"));
  g_assert_true (g_strv_contains ((const char * const *) argv, "5,virtio-blk,nodisk"));
  g_assert_true (g_strv_contains ((const char * const *) argv, "6,virtio-blk,nodisk"));

  /* One CPU held from creation on, owned by this process for now. */
  entry = registry_entry (f, "vm1");
  g_assert_cmpuint (entry->cpus->len, ==, 1);
  g_assert_cmpint (entry->pid, ==, getpid ());
  g_clear_pointer (&entry, acrn_registry_entry_free);

  state = load_state_file (f, "vm1");
  g_assert_cmpint (state->state, ==, VMM_VM_STATE_CREATED);
  g_assert_cmpint (state->pid, ==, 0);
  g_assert_cmpstrv (state->command_line, argv);
  g_clear_pointer (&state, acrn_state_free);

  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  assert_transitions (f, "created>starting starting>running");
  pid = vm_pid (f);
  g_assert_true (acrn_proc_get_start_time (pid, &start_time, NULL));

  /* Running: the registry entry is acrn-dm's now. */
  entry = registry_entry (f, "vm1");
  g_assert_cmpint (entry->pid, ==, pid);
  g_assert_cmpuint (entry->start_time, ==, start_time);
  g_clear_pointer (&entry, acrn_registry_entry_free);

  state = load_state_file (f, "vm1");
  g_assert_cmpint (state->state, ==, VMM_VM_STATE_RUNNING);
  g_assert_cmpint (state->pid, ==, pid);
  g_assert_cmpuint (state->start_time, ==, start_time);
  g_assert_cmpstr (state->vm_name, ==, "sbx-vm1");
  g_assert_cmpstr (state->mngr_dir, ==, f->mngr_dir);
  g_assert_cmpuint (state->cpus->len, ==, 1);
  g_assert_cmpuint (state->pool->len, ==, 2);
  g_assert_cmpuint (g_array_index (state->pool, AcrnPoolSlot, 0).slot, ==, 5);
  g_assert_cmpuint (g_array_index (state->pool, AcrnPoolSlot, 1).slot, ==, 6);
  g_clear_pointer (&state, acrn_state_free);

  console = vmm_hypervisor_get_vm_console (f->hv, &error);
  g_assert_no_error (error);
  vm_dir = g_build_filename (f->store_dir, "vm1", NULL);
  g_assert_true (g_str_has_prefix (console, vm_dir));

  g_assert_true (vmm_hypervisor_check (f->hv, NULL, &error));
  g_assert_no_error (error);

  sock = socket_path (f, "sbx-vm1", pid);
  g_assert_true (g_file_test (sock, G_FILE_TEST_EXISTS));

  g_assert_true (stop_async (f, VMM_STOP_FLAGS_NONE, &error));
  g_assert_no_error (error);
  assert_transitions (f, "running>stopping stopping>stopped");
  status = vmm_hypervisor_get_exit_status (f->hv);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  assert_no_process (pid);
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  assert_registry_empty (f);

  state = load_state_file (f, "vm1");
  g_assert_cmpint (state->state, ==, VMM_VM_STATE_STOPPED);
  g_assert_cmpint (state->pid, ==, 0);
  g_assert_cmpint (state->exit_status, ==, 0);
  g_assert_cmpuint (state->cpus->len, ==, 0);
  g_clear_pointer (&state, acrn_state_free);

  /* Stopping again is a no-op. */
  g_assert_true (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  assert_transitions (f, "");

  /* Start again (CPUs taken again), then clean up everything. */
  g_assert_true (vmm_hypervisor_start_vm (f->hv, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  assert_transitions (f, "stopped>starting starting>running running>stopping stopping>stopped");

  g_assert_true (vmm_hypervisor_cleanup (f->hv, NULL, &error));
  g_assert_no_error (error);
  assert_transitions (f, "stopped>not-created");
  g_assert_false (g_file_test (vm_dir, G_FILE_TEST_EXISTS));
}

static void
test_exit_at_once (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnRegistryEntry) entry = NULL;
  g_autoptr(GArray) pids = NULL;

  create (f, "vm2", NULL);
  g_setenv ("FAKE_ACRN_EXIT", "1:vm_create failed: Device or resource busy", TRUE);

  g_assert_false (start_async (f, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROCESS_EXITED);
  g_assert_nonnull (strstr (error->message, "exited with status 1"));
  g_assert_nonnull (strstr (error->message, "vm_create failed: Device or resource busy"));
  assert_transitions (f, "not-created>created created>starting starting>created");
  g_assert_cmpint (WEXITSTATUS (vmm_hypervisor_get_exit_status (f->hv)), ==, 1);
  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 0);

  /* Still created: the CPU stays reserved, and a start can succeed. */
  entry = registry_entry (f, "vm2");
  g_assert_cmpuint (entry->cpus->len, ==, 1);
  g_unsetenv ("FAKE_ACRN_EXIT");
  g_clear_error (&error);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  assert_transitions (f, "created>starting starting>running");
}

static void
test_crash (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autofree char *sock = NULL;
  gboolean timed_out = FALSE;
  guint safety;
  GPid pid;
  int status;

  create (f, "vm3", NULL);
  g_setenv ("FAKE_ACRN_CRASH_MS", "1000", TRUE);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  g_unsetenv ("FAKE_ACRN_CRASH_MS");
  assert_transitions (f, "not-created>created created>starting starting>running");
  pid = vm_pid (f);
  sock = socket_path (f, "sbx-vm3", pid);

  /* Nobody waits: the crash is noticed, and announced once. */
  safety = g_timeout_add_seconds (20, give_up, &timed_out);
  while (vmm_hypervisor_get_state (f->hv) == VMM_VM_STATE_RUNNING && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (safety);
  assert_transitions (f, "running>crashed");

  status = vmm_hypervisor_get_exit_status (f->hv);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGSEGV);
  assert_no_process (pid);
  /* The fake leaves its socket behind on SIGSEGV, as acrn-dm does. */
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  assert_registry_empty (f);
  state = load_state_file (f, "vm3");
  g_assert_cmpint (state->state, ==, VMM_VM_STATE_CRASHED);
  g_assert_cmpint (state->exit_status, ==, status);

  /* A crashed VM can be started again. */
  g_assert_true (vmm_hypervisor_start_vm (f->hv, NULL, &error));
  g_assert_no_error (error);
  assert_transitions (f, "crashed>starting starting>running");
}

static void
test_ignore_sigint (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GPid pid;

  create (f, "vm4", "\"stop-timeout-ms\":300");
  g_setenv ("FAKE_ACRN_IGNORE_SIGINT", "1", TRUE);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  pid = vm_pid (f);

  g_assert_true (stop_async (f, VMM_STOP_FLAGS_NONE, &error));
  g_assert_no_error (error);
  assert_transitions (f, "not-created>created created>starting starting>running "
                         "running>stopping stopping>stopped");
  g_assert_cmpint (WTERMSIG (vmm_hypervisor_get_exit_status (f->hv)), ==, SIGKILL);
  assert_no_process (pid);
  assert_registry_empty (f);
}

static void
test_wait_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* wait-only sends nothing: here the guest "crashes" on its own. */
  create (f, "vm5", NULL);
  g_setenv ("FAKE_ACRN_CRASH_MS", "1500", TRUE);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (stop_async (f, VMM_STOP_FLAGS_WAIT_ONLY, &error));
  g_assert_no_error (error);
  assert_transitions (f, "not-created>created created>starting starting>running "
                         "running>stopping stopping>stopped");
  g_assert_cmpint (WTERMSIG (vmm_hypervisor_get_exit_status (f->hv)), ==, SIGSEGV);
}

static void
test_no_socket (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnState) state = NULL;

  create (f, "vm6", "\"start-timeout-ms\":300");
  g_setenv ("FAKE_ACRN_NO_SOCKET", "1", TRUE);
  g_assert_false (start_async (f, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "within 300 ms"));
  g_assert_nonnull (strstr (error->message, "killed"));
  assert_transitions (f, "not-created>created created>starting starting>created");
  g_assert_cmpint (WTERMSIG (vmm_hypervisor_get_exit_status (f->hv)), ==, SIGKILL);
  state = load_state_file (f, "vm6");
  g_assert_cmpint (state->state, ==, VMM_VM_STATE_CREATED);
  g_assert_cmpint (state->pid, ==, 0);
}

static void
test_slow_start (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  create (f, "vm7", NULL);
  g_setenv ("FAKE_ACRN_SLOW_MS", "400", TRUE);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  assert_transitions (f, "not-created>created created>starting starting>running");
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_start (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  create (f, "vm8", NULL);
  g_setenv ("FAKE_ACRN_NO_SOCKET", "1", TRUE);
  g_timeout_add (100, cancel_cb, cancellable);
  g_assert_false (start_async (f, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_transitions (f, "not-created>created created>starting starting>created");
  g_assert_cmpint (WTERMSIG (vmm_hypervisor_get_exit_status (f->hv)), ==, SIGKILL);
}

static void
on_starting_stop (VmmHypervisor *hv,
                  VmmVmState     old_state,
                  VmmVmState     new_state,
                  gpointer       user_data)
{
  GAsyncResult **stop_result = user_data;

  if (new_state == VMM_VM_STATE_STARTING)
    vmm_hypervisor_stop_vm_async (hv, VMM_STOP_FLAGS_NONE, NULL, store_result, stop_result);
}

static void
test_stop_while_starting (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) stop_result = NULL;
  gulong id;

  create (f, "vm9", NULL);
  g_setenv ("FAKE_ACRN_SLOW_MS", "2000", TRUE);
  id = g_signal_connect (f->hv, "state-changed", G_CALLBACK (on_starting_stop), &stop_result);
  g_assert_false (start_async (f, NULL, &error));
  g_signal_handler_disconnect (f->hv, id);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROCESS_EXITED);
  g_assert_nonnull (strstr (error->message, "stopped while it was starting"));
  g_clear_error (&error);

  wait_for (&stop_result);
  g_assert_true (vmm_hypervisor_stop_vm_finish (f->hv, stop_result, &error));
  g_assert_no_error (error);
  assert_transitions (f, "not-created>created created>starting starting>stopping "
                         "stopping>stopped");
  assert_registry_empty (f);
}

static void
test_stop_while_waiting (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) start_result = NULL;
  g_autoptr(GAsyncResult) stop_result = NULL;
  g_autoptr(GAsyncResult) stop_result2 = NULL;
  GPid pid;

  create (f, "vm18", NULL);
  g_setenv ("FAKE_ACRN_SLOW_MS", "5000", TRUE);
  vmm_hypervisor_start_vm_async (f->hv, NULL, store_result, &start_result);
  /* acrn-dm is spawned and not up yet. */
  pid = vm_pid (f);
  vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, store_result, &stop_result);
  /* A second stop joins the first. */
  vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, store_result, &stop_result2);

  wait_for (&start_result);
  g_assert_false (vmm_hypervisor_start_vm_finish (f->hv, start_result, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROCESS_EXITED);
  g_clear_error (&error);
  wait_for (&stop_result);
  g_assert_true (vmm_hypervisor_stop_vm_finish (f->hv, stop_result, &error));
  g_assert_no_error (error);
  wait_for (&stop_result2);
  g_assert_true (vmm_hypervisor_stop_vm_finish (f->hv, stop_result2, &error));
  g_assert_no_error (error);

  assert_transitions (f, "not-created>created created>starting starting>stopping "
                         "stopping>stopped");
  assert_no_process (pid);
  assert_registry_empty (f);
}

static void
test_hotplug (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autoptr(VmmNetDevice) net = vmm_net_device_new ("tap0", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  AcrnPoolSlot *slot;

  create (f, "vm10", NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (hotplug (f, f->disk[0], FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (hotplug (f, f->disk[1], TRUE, &error));
  g_assert_no_error (error);

  /* The slot map is in the state file. */
  state = load_state_file (f, "vm10");
  slot = &g_array_index (state->pool, AcrnPoolSlot, 0);
  g_assert_cmpuint (slot->slot, ==, 5);
  g_assert_cmpstr (vmm_block_device_get_path (VMM_BLOCK_DEVICE (slot->device)), ==, f->disk[0]);
  slot = &g_array_index (state->pool, AcrnPoolSlot, 1);
  g_assert_cmpuint (slot->slot, ==, 6);
  g_assert_cmpstr (vmm_block_device_get_path (VMM_BLOCK_DEVICE (slot->device)), ==, f->disk[1]);
  g_assert_true (vmm_block_device_get_read_only (VMM_BLOCK_DEVICE (slot->device)));

  /* The pool is full. */
  g_assert_false (hotplug (f, f->disk[2], FALSE, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_clear_error (&error);
  /* Twice the same disk. */
  g_assert_false (hotplug (f, f->disk[0], FALSE, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* ACRN 3.x cannot do these. */
  g_assert_false (vmm_hypervisor_hotplug_remove_device (f->hv, VMM_DEVICE (slot->device), NULL,
                                                        &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  vmm_hypervisor_hotplug_add_device_async (f->hv, VMM_DEVICE (net), NULL, store_result, &result);
  wait_for (&result);
  g_assert_false (vmm_hypervisor_hotplug_add_device_finish (f->hv, result, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* Hot-plugged disks go with the process. */
  g_assert_true (stop_async (f, VMM_STOP_FLAGS_NONE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&state, acrn_state_free);
  state = load_state_file (f, "vm10");
  g_assert_null (g_array_index (state->pool, AcrnPoolSlot, 0).device);
  g_assert_null (g_array_index (state->pool, AcrnPoolSlot, 1).device);
}



/* Another manager (here: another process, a `sleep`) holds the registry
 * entry of a VM id in this store: creating a VM of that id fails with
 * INVALID_STATE naming it, and takes nothing from it. */
static void
test_id_in_use (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(VmmHypervisor) second = new_hypervisor (f);
  g_autoptr(VmmHypervisorConfig) config = make_config (f, "vm41", NULL);
  g_autoptr(GSubprocess) other = NULL;
  g_autoptr(AcrnRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_text = NULL;
  AcrnRegistryEntry *entry;
  guint64 start_time = 0;
  GPid pid;

  other = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "30", NULL);
  g_assert_no_error (error);
  pid = (GPid) atoi (g_subprocess_get_identifier (other));
  g_assert_true (acrn_proc_get_start_time (pid, &start_time, &error));
  g_assert_no_error (error);

  create (f, "vm41", NULL);
  registry = acrn_registry_new (f->store_dir, &error);
  g_assert_no_error (error);
  g_assert_true (acrn_registry_set_owner_pid (registry, "vm41", pid, start_time, &error));
  g_assert_no_error (error);

  g_assert_false (vmm_hypervisor_create_vm (second, config, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
  pid_text = g_strdup_printf ("process %d", (int) pid);
  g_assert_nonnull (strstr (error->message, pid_text));
  g_assert_cmpint (vmm_hypervisor_get_state (second), ==, VMM_VM_STATE_NOT_CREATED);

  entry = registry_entry (f, "vm41");
  g_assert_nonnull (entry);
  g_assert_cmpint (entry->pid, ==, pid);
  acrn_registry_entry_free (entry);

  g_subprocess_force_exit (other);
  g_assert_true (g_subprocess_wait (other, NULL, NULL));
}

/* A hot-plug cancelled while acrnctl runs: the request may already have
 * reached acrn-dm, so it completes with acrnctl's answer and the slot map
 * says what acrn-dm holds (a later disk goes to the next slot, which
 * acrn-dm accepts; had slot 5 been given again, acrn-dm would refuse). */
static void
test_hotplug_cancel (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autoptr(VmmBlockDevice) disk = vmm_block_device_new (f->disk[0], FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  AcrnPoolSlot *slot;

  create (f, "vm40", NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);

  /* Cancelled before it starts: nothing happens. */
  g_cancellable_cancel (cancellable);
  vmm_hypervisor_hotplug_add_device_async (f->hv, VMM_DEVICE (disk), cancellable,
                                           store_result, &result);
  wait_for (&result);
  g_assert_false (vmm_hypervisor_hotplug_add_device_finish (f->hv, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_cancellable_reset (cancellable);

  /* Cancelled once acrnctl runs: it completes. */
  vmm_hypervisor_hotplug_add_device_async (f->hv, VMM_DEVICE (disk), cancellable,
                                           store_result, &result);
  g_cancellable_cancel (cancellable);
  wait_for (&result);
  g_assert_true (vmm_hypervisor_hotplug_add_device_finish (f->hv, result, &error));
  g_assert_no_error (error);

  g_assert_true (hotplug (f, f->disk[1], FALSE, &error));
  g_assert_no_error (error);

  state = load_state_file (f, "vm40");
  slot = &g_array_index (state->pool, AcrnPoolSlot, 0);
  g_assert_cmpuint (slot->slot, ==, 5);
  g_assert_cmpstr (vmm_block_device_get_path (VMM_BLOCK_DEVICE (slot->device)), ==, f->disk[0]);
  slot = &g_array_index (state->pool, AcrnPoolSlot, 1);
  g_assert_cmpuint (slot->slot, ==, 6);
  g_assert_cmpstr (vmm_block_device_get_path (VMM_BLOCK_DEVICE (slot->device)), ==, f->disk[1]);

  g_assert_true (stop_async (f, VMM_STOP_FLAGS_NONE, &error));
  g_assert_no_error (error);
}

static void
test_hotplug_failure (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autoptr(GSubprocess) ctl = NULL;
  g_autofree char *devargs = NULL;
  g_autofree char *name = NULL;

  create (f, "vm11", NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  name = vm_name (f);

  /* Someone fills slot 5 behind the backend's back: acrn-dm refuses the
   * next blkrescan into it, acrnctl says so and exits 0. */
  devargs = g_strdup_printf ("5,%s", f->disk[2]);
  ctl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                          fake_ctl, "blkrescan", name, devargs, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (ctl, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (hotplug (f, f->disk[0], FALSE, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "slot 5"));
  g_assert_nonnull (strstr (error->message, f->disk[0]));
  g_assert_nonnull (strstr (error->message, "Unable to rescan virtio-blk device"));
  g_clear_error (&error);

  /* The slot stays free in the map (and the state file). */
  state = load_state_file (f, "vm11");
  g_assert_null (g_array_index (state->pool, AcrnPoolSlot, 0).device);
  g_assert_null (g_array_index (state->pool, AcrnPoolSlot, 1).device);
  g_assert_false (hotplug (f, f->disk[1], FALSE, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "slot 5"));
}

static void
test_hotplug_prefix (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *trap = NULL;

  create (f, "vm12", NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);

  /* Another VM "sbx" would catch acrnctl's lookup of "sbx-vm12". */
  trap = g_build_filename (f->mngr_dir, "sbx.monitor.1.socket", NULL);
  write_file (trap, "");
  g_assert_false (hotplug (f, f->disk[0], FALSE, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "sbx.monitor.1.socket"));
  g_unlink (trap);
}

static void
test_vsock_cid (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmVsockDevice) vsock = NULL;
  g_autoptr(VmmVsockDevice) again = NULL;
  g_autoptr(AcrnRegistryEntry) entry = NULL;
  g_autoptr(AcrnState) state = NULL;
  guint32 cid;

  create (f, "vm13", NULL);
  vsock = vmm_hypervisor_generate_socket (f->hv, &error);
  g_assert_no_error (error);
  cid = vmm_vsock_device_get_cid (vsock);
  g_assert_cmpuint (cid, >=, VMM_VSOCK_CID_MIN);
  g_assert_cmpuint (vmm_vsock_device_get_port (vsock), ==, VMM_ACRN_VSOCK_PORT);

  /* One CID per VM, held in the registry and the state file. */
  again = vmm_hypervisor_generate_socket (f->hv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vmm_vsock_device_get_cid (again), ==, cid);
  entry = registry_entry (f, "vm13");
  g_assert_cmpuint (entry->cids->len, ==, 1);
  g_assert_cmpuint (g_array_index (entry->cids, guint32, 0), ==, cid);
  state = load_state_file (f, "vm13");
  g_assert_cmpuint (state->cid, ==, cid);

  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (stop_async (f, VMM_STOP_FLAGS_NONE, &error));
  g_assert_no_error (error);
  /* Kept until the stop. */
  assert_registry_empty (f);
}

static void
test_add_device (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmBlockDevice) disk = vmm_block_device_new (f->disk[0], TRUE);
  g_autoptr(VmmBlockDevice) bad = NULL;
  g_autofree char *comma = g_build_filename (f->tmpdir, "a,b.img", NULL);
  g_autofree char *expected = NULL;
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) after = NULL;
  g_auto(GStrv) unchanged = NULL;
  g_autoptr(AcrnState) state = NULL;

  create (f, "vm20", NULL);
  g_object_get (f->hv, "command-line", &before, NULL);

  /* A cold disk goes after the pool, and into the command line. */
  g_assert_true (vmm_hypervisor_add_device (f->hv, VMM_DEVICE (disk), &error));
  g_assert_no_error (error);
  g_object_get (f->hv, "command-line", &after, NULL);
  g_assert_cmpuint (g_strv_length (after), ==, g_strv_length (before) + 2);
  expected = g_strdup_printf ("7,virtio-blk,%s,ro", f->disk[0]);
  g_assert_true (g_strv_contains ((const char * const *) after, expected));
  state = load_state_file (f, "vm20");
  g_assert_cmpuint (vmm_hypervisor_config_get_devices (state->config)->len, ==, 1);

  /* A ',' would add options to acrn-dm's -s argument: refused, nothing
   * changes. */
  write_file (comma, "x");
  bad = vmm_block_device_new (comma, FALSE);
  g_assert_false (vmm_hypervisor_add_device (f->hv, VMM_DEVICE (bad), &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "a,b.img"));
  g_clear_error (&error);
  g_object_get (f->hv, "command-line", &unchanged, NULL);
  g_assert_cmpstrv (unchanged, after);
  g_assert_cmpuint (vmm_hypervisor_config_get_devices (vmm_hypervisor_get_config (f->hv))->len,
                    ==, 1);

  /* The state file shows the configuration as it is at each write, even
   * changed behind the backend's back. */
  g_object_set (vmm_hypervisor_get_config (f->hv), "stop-timeout-ms", 4321, NULL);

  /* The fake acrn-dm accepts the command line and opens the disk. */
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&state, acrn_state_free);
  state = load_state_file (f, "vm20");
  g_assert_true (vmm_hypervisor_config_equal (state->config, vmm_hypervisor_get_config (f->hv)));
  g_assert_cmpuint (vmm_hypervisor_config_get_stop_timeout_ms (state->config), ==, 4321);
}

static void
test_create_failure (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autofree char *vm_dir = g_build_filename (f->store_dir, "vm14", NULL);

  /* More vCPUs than the 4 CPUs of the fixture, exclusively. */
  config = make_config (f, "vm14", "\"vcpus\":5,\"max-vcpus\":5,\"exclusive-cpus\":true");
  g_assert_false (vmm_hypervisor_create_vm (f->hv, config, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_clear_error (&error);
  g_clear_object (&config);

  /* A missing kernel. */
  config = make_config (f, "vm14", "\"kernel\":\"/nonexistent/bzImage\"");
  g_assert_false (vmm_hypervisor_create_vm (f->hv, config, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "kernel"));

  /* Nothing left behind. */
  assert_transitions (f, "");
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_NOT_CREATED);
  g_assert_false (g_file_test (vm_dir, G_FILE_TEST_EXISTS));
  assert_registry_empty (f);
}

static void
test_not_supported (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint value = 0;

  create (f, "vm15", NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (vmm_hypervisor_pause_vm (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (vmm_hypervisor_save_vm (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (vmm_hypervisor_resize_memory (f->hv, 512, &value, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (vmm_hypervisor_resize_vcpus (f->hv, 2, NULL, NULL, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_null (vmm_hypervisor_get_thread_ids (f->hv, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* Still running, nothing announced. */
  assert_transitions (f, "not-created>created created>starting starting>running");
  g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (f->hv), ==, 256);
}

/* Whether the registry file, as it is on disk, names @id. */
static gboolean
registry_file_names (Fixture    *f,
                     const char *id)
{
  g_autofree char *path = g_build_filename (f->store_dir, ACRN_REGISTRY_FILE_NAME, NULL);
  g_autofree char *text = NULL;
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", id);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  return strstr (text, quoted) != NULL;
}

/* Starts VM @id, lets go of it (this manager goes away, acrn-dm keeps
 * running), then kills acrn-dm while nobody watches it. Returns the saved
 * state; its acrn-dm and manager socket in @pid and @sock. */
static char *
leave_dead_vm (Fixture     *f,
               const char  *id,
               GPid        *pid,
               char       **sock)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  char *json;

  create (f, id, NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  *pid = vm_pid (f);
  name = vm_name (f);
  *sock = socket_path (f, name, *pid);
  json = vmm_hypervisor_save_state (f->hv, &error);
  g_assert_no_error (error);

  g_clear_object (&f->hv);
  drain ();
  g_assert_cmpint (kill (*pid, 0), ==, 0);

  /* acrn-dm (our child) dies with its socket in place; the backend's
   * reaper thread (or GLib's, for a GSubprocess) reaps it, which wakes
   * nothing here: poll for it (a safety bound, not a timing assertion). */
  g_assert_cmpint (kill (*pid, SIGKILL), ==, 0);
  for (guint i = 0; i < 5000 && kill (*pid, 0) == 0; i++)
    g_usleep (2000);
  assert_no_process (*pid);
  g_assert_true (g_file_test (*sock, G_FILE_TEST_EXISTS));

  /* Its CPUs are still recorded for the VM (a lookup would reclaim them). */
  g_assert_true (registry_file_names (f, id));
  g_array_set_size (f->transitions, 0);
  return json;
}

/* The store files of VM @id that the backend makes. */
static void
assert_no_store_files (Fixture    *f,
                       const char *id)
{
  g_autofree char *vm_dir = g_build_filename (f->store_dir, id, NULL);
  g_autofree char *state_path = acrn_state_get_path (f->store_dir, id);

  g_assert_false (g_file_test (state_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (vm_dir, G_FILE_TEST_EXISTS));
}

/* acrn-dm died while no manager watched it: load_state adopts the VM as
 * crashed (without touching any process), gives back what it held, and
 * the VM can be started again, then cleaned up. */
static void
test_load_state_gone (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autofree char *json = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *log_path = NULL;
  g_autoptr(GArray) pids = NULL;
  GPid pid;

  json = leave_dead_vm (f, "vm16", &pid, &sock);
  log_path = g_build_filename (f->store_dir, "vm16", "acrn-dm.log", NULL);
  g_assert_true (g_file_test (log_path, G_FILE_TEST_EXISTS));

  f->hv = new_hypervisor (f);
  g_assert_true (vmm_hypervisor_load_state (f->hv, json, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_CRASHED);
  g_assert_cmpint (vmm_hypervisor_get_exit_status (f->hv), ==, -1);
  assert_transitions (f, "not-created>crashed");
  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 0);
  g_assert_false (registry_file_names (f, "vm16"));
  assert_registry_empty (f);
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  state = load_state_file (f, "vm16");
  g_assert_cmpint (state->state, ==, VMM_VM_STATE_CRASHED);
  g_assert_cmpint (state->pid, ==, 0);
  g_assert_cmpint (state->exit_status, ==, -1);
  g_assert_cmpuint (state->cpus->len, ==, 0);

  /* It starts again, and stops. */
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vm_pid (f), !=, 0);
  g_assert_true (stop_async (f, VMM_STOP_FLAGS_NONE, &error));
  g_assert_no_error (error);
  assert_transitions (f, "crashed>starting starting>running running>stopping "
                         "stopping>stopped");

  /* Cleaned up: no store files. */
  g_assert_true (vmm_hypervisor_cleanup (f->hv, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_NOT_CREATED);
  assert_no_store_files (f, "vm16");
  assert_registry_empty (f);
}

/* The saved pid runs another process (it was reused): the VM crashed, and
 * that process is left alone. */
static void
test_load_state_reused (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autoptr(GSubprocess) unrelated = NULL;
  g_autofree char *json = NULL;
  g_autofree char *reused = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *unrelated_sock = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GArray) pids = NULL;
  guint64 unrelated_start = 0;
  GPid pid, unrelated_pid;

  json = leave_dead_vm (f, "vm21", &pid, &sock);

  /* A live process that is not acrn-dm takes the pid (as far as the
   * state says): it started at another time. */
  unrelated = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, "cat", NULL);
  g_assert_no_error (error);
  unrelated_pid = atoi (g_subprocess_get_identifier (unrelated));
  state = acrn_state_new_from_json (json, -1, "test", &error);
  g_assert_no_error (error);
  /* Start times count clock ticks: the saved one is set a tick earlier,
   * as the two could share one. */
  g_assert_true (acrn_proc_get_start_time (unrelated_pid, &unrelated_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unrelated_start, >, 0);
  state->pid = unrelated_pid;
  state->start_time = unrelated_start - 1;
  reused = acrn_state_to_json (state);
  name = g_strdup (state->vm_name);
  unrelated_sock = socket_path (f, name, unrelated_pid);
  g_clear_pointer (&state, acrn_state_free);

  f->hv = new_hypervisor (f);
  g_assert_true (vmm_hypervisor_load_state (f->hv, reused, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_CRASHED);
  g_assert_cmpint (vmm_hypervisor_get_exit_status (f->hv), ==, -1);
  assert_transitions (f, "not-created>crashed");
  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 0);
  g_assert_false (registry_file_names (f, "vm21"));
  assert_registry_empty (f);
  state = load_state_file (f, "vm21");
  g_assert_cmpint (state->state, ==, VMM_VM_STATE_CRASHED);
  g_assert_cmpint (state->pid, ==, 0);

  /* The unrelated process runs on, untouched. */
  drain ();
  g_assert_cmpint (kill (unrelated_pid, 0), ==, 0);
  g_assert_nonnull (g_subprocess_get_identifier (unrelated));
  g_assert_false (g_file_test (unrelated_sock, G_FILE_TEST_EXISTS));

  /* Cleaned up: no store files (the dead acrn-dm's socket is not the
   * saved pid's, and stays: it names another pid). */
  g_assert_true (vmm_hypervisor_cleanup (f->hv, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_NOT_CREATED);
  assert_transitions (f, "crashed>not-created");
  assert_no_store_files (f, "vm21");
  g_assert_cmpint (kill (unrelated_pid, 0), ==, 0);
  g_unlink (sock);

  /* Its end is ours: close its input. */
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (unrelated), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (unrelated, NULL, &error));
  g_assert_no_error (error);
}

/* A live acrn-dm pid that runs another program, and malformed states, are
 * refused by load_state. */
static void
test_load_state_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autoptr(VmmHypervisor) other = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autofree char *json = NULL;
  g_autofree char *bad = NULL;
  GPid pid;

  create (f, "vm22", NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  pid = vm_pid (f);
  json = vmm_hypervisor_save_state (f->hv, &error);
  g_assert_no_error (error);

  if (!have_pidfd)
    {
      g_test_skip ("pidfd_open() is not available here (valgrind?): re-attaching needs it");
      return;
    }

  /* The pid runs with the saved start time, but not the configured
   * acrn-dm: a wrong state, not a dead VM. */
  state = acrn_state_new_from_json (json, -1, "test", &error);
  g_assert_no_error (error);
  g_object_set (state->config, "hypervisor-path", "/usr/bin/true", NULL);
  bad = acrn_state_to_json (state);
  other = g_object_new (VMM_TYPE_ACRN_HYPERVISOR, NULL);
  g_signal_connect (other, "state-changed", G_CALLBACK (on_other_state_changed), log);
  g_assert_false (vmm_hypervisor_load_state (other, bad, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE);
  g_assert_nonnull (strstr (error->message, "not /usr/bin/true"));
  g_assert_cmpint (vmm_hypervisor_get_state (other), ==, VMM_VM_STATE_NOT_CREATED);
  g_assert_cmpstr (log->str, ==, "");
  g_clear_error (&error);

  /* Nothing was taken from the running VM. */
  g_assert_cmpint (kill (pid, 0), ==, 0);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_RUNNING);
  acrn_registry_entry_free (registry_entry (f, "vm22"));

  /* Malformed. */
  g_assert_false (vmm_hypervisor_load_state (other, "{\"version\":1}", &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
}

/* Re-attach from another process: the VM is started here, this process
 * lets go of it, and a helper process loads the state, hot-plugs a disk
 * and stops it. */
static void
test_reattach (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) helper = NULL;
  g_autoptr(AcrnState) state = NULL;
  g_autofree char *json = NULL;
  g_autofree char *state_file = g_build_filename (f->tmpdir, "saved.json", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *sock = NULL;
  gboolean timed_out = FALSE;
  guint safety;
  GPid pid;

  create (f, "vm17", NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  pid = vm_pid (f);
  sock = socket_path (f, "sbx-vm17", pid);
  json = vmm_hypervisor_save_state (f->hv, &error);
  g_assert_no_error (error);
  write_file (state_file, json);

  /* This manager goes away; acrn-dm keeps running. */
  g_clear_object (&f->hv);
  drain ();
  g_assert_cmpint (kill (pid, 0), ==, 0);

  helper = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &error, self_exe, "--helper-reattach", state_file, f->disk[0],
                             cpuinfo, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (helper, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (helper) || g_subprocess_get_exit_status (helper) != 0)
    g_error ("helper failed: %s\n%s", out, err);
  g_assert_cmpstr (out, ==, "running\nplugged\nstopped\n");

  /* acrn-dm (our child) is gone; GLib reaps it. */
  safety = g_timeout_add_seconds (10, give_up, &timed_out);
  while (kill (pid, 0) == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (safety);
  assert_no_process (pid);
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  assert_registry_empty (f);

  /* The helper kept the state file up to date. */
  state = load_state_file (f, "vm17");
  g_assert_cmpint (state->state, ==, VMM_VM_STATE_STOPPED);
  g_assert_cmpint (state->pid, ==, 0);

  /* Clean up from a third object, through that state. */
  f->hv = new_hypervisor (f);
  g_clear_pointer (&json, g_free);
  json = acrn_state_to_json (state);
  g_assert_true (vmm_hypervisor_load_state (f->hv, json, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_STOPPED);
  g_array_set_size (f->transitions, 0);
}

/* A second object re-attached in this process notices a crash through its
 * pidfd: acrn-dm is not its child, so the exit status is unknown. */
static void
on_other_state_changed (VmmHypervisor *hv,
                        VmmVmState     old_state,
                        VmmVmState     new_state,
                        gpointer       user_data)
{
  GString *log = user_data;

  g_string_append_printf (log, "%s%s>%s", log->len > 0 ? " " : "",
                          vmm_vm_state_to_string (old_state), vmm_vm_state_to_string (new_state));
}

static void
test_reattached_crash (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisor) other = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autofree char *json = NULL;
  gboolean timed_out = FALSE;
  guint safety;
  GPid pid;

  if (!have_pidfd)
    {
      g_test_skip ("pidfd_open() is not available here (valgrind?): re-attaching needs it");
      return;
    }

  create (f, "vm19", NULL);
  g_assert_true (start_async (f, NULL, &error));
  g_assert_no_error (error);
  pid = vm_pid (f);
  json = vmm_hypervisor_save_state (f->hv, &error);
  g_assert_no_error (error);

  other = g_object_new (VMM_TYPE_ACRN_HYPERVISOR, NULL);
  g_signal_connect (other, "state-changed", G_CALLBACK (on_other_state_changed), log);
  g_assert_true (vmm_hypervisor_load_state (other, json, &error));
  g_assert_no_error (error);
  g_assert_true (vmm_hypervisor_check (other, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  safety = g_timeout_add_seconds (20, give_up, &timed_out);
  while ((vmm_hypervisor_get_state (other) == VMM_VM_STATE_RUNNING ||
          vmm_hypervisor_get_state (f->hv) == VMM_VM_STATE_RUNNING) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (safety);

  g_assert_cmpstr (log->str, ==, "not-created>running running>crashed");
  g_assert_cmpint (vmm_hypervisor_get_exit_status (other), ==, -1);
  assert_transitions (f, "not-created>created created>starting starting>running "
                         "running>crashed");
  g_assert_cmpint (WTERMSIG (vmm_hypervisor_get_exit_status (f->hv)), ==, SIGKILL);
  assert_registry_empty (f);
  g_assert_false (vmm_hypervisor_check (other, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
}

static int
helper_reattach (const char *state_file,
                 const char *disk_path,
                 const char *cpuinfo_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisor) hv = NULL;
  g_autoptr(VmmBlockDevice) disk = NULL;
  g_autofree char *json = NULL;

  vmm_acrn_hypervisor_register_types (NULL);
  hv = g_object_new (VMM_TYPE_ACRN_HYPERVISOR, "cpuinfo-path", cpuinfo_path, NULL);
  if (!g_file_get_contents (state_file, &json, NULL, &error) ||
      !vmm_hypervisor_load_state (hv, json, &error))
    goto fail;
  g_print ("%s\n", vmm_vm_state_to_string (vmm_hypervisor_get_state (hv)));
  if (!vmm_hypervisor_check (hv, NULL, &error))
    goto fail;

  disk = vmm_block_device_new (disk_path, FALSE);
  if (!vmm_hypervisor_hotplug_add_device (hv, VMM_DEVICE (disk), NULL, &error))
    goto fail;
  g_print ("plugged\n");

  if (!vmm_hypervisor_stop_vm (hv, VMM_STOP_FLAGS_NONE, NULL, &error))
    goto fail;
  g_print ("%s\n", vmm_vm_state_to_string (vmm_hypervisor_get_state (hv)));
  /* Not our child: the status cannot be known. */
  if (vmm_hypervisor_get_exit_status (hv) != -1)
    {
      g_printerr ("exit status %d\n", vmm_hypervisor_get_exit_status (hv));
      return 1;
    }
  return 0;

fail:
  g_printerr ("%s\n", error->message);
  return 1;
}

#define ADD(name, func) \
  g_test_add ("/acrn/runtime/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (argc == 5 && strcmp (argv[1], "--helper-reattach") == 0)
    return helper_reattach (argv[2], argv[3], argv[4]);

  g_test_init (&argc, &argv, NULL);
  /* The backend logs failures at warning level, and tests provoke them:
   * only criticals (programming errors) stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  fake_dm = g_getenv ("FAKE_ACRN_DM");
  fake_ctl = g_getenv ("FAKE_ACRNCTL");
  if (fake_dm == NULL || fake_ctl == NULL)
    {
      g_printerr ("FAKE_ACRN_DM and FAKE_ACRNCTL must name the fakes\n");
      return 1;
    }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  main_thread = g_thread_self ();
  {
    int fd = (int) syscall (SYS_pidfd_open, getpid (), 0);

    have_pidfd = fd >= 0;
    if (fd >= 0)
      close (fd);
  }
  cpuinfo = g_test_build_filename (G_TEST_DIST, "data", "acrn-cpuinfo-4", NULL);
  vmm_acrn_hypervisor_register_types (NULL);

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
    /* The thread that reaps acrn-dm children left running by a dropped
     * VM object (and its context's wake-up descriptor). */
    acrn_process_init_reaper ();
  }

  ADD ("start-stop", test_start_stop);
  ADD ("exit-at-once", test_exit_at_once);
  ADD ("crash", test_crash);
  ADD ("ignore-sigint", test_ignore_sigint);
  ADD ("wait-only", test_wait_only);
  ADD ("no-socket", test_no_socket);
  ADD ("slow-start", test_slow_start);
  ADD ("cancel-start", test_cancel_start);
  ADD ("stop-while-starting", test_stop_while_starting);
  ADD ("stop-while-waiting", test_stop_while_waiting);
  ADD ("hotplug", test_hotplug);
  ADD ("hotplug-failure", test_hotplug_failure);
  ADD ("hotplug-cancel", test_hotplug_cancel);
  ADD ("id-in-use", test_id_in_use);
  ADD ("hotplug-prefix", test_hotplug_prefix);
  ADD ("vsock-cid", test_vsock_cid);
  ADD ("add-device", test_add_device);
  ADD ("create-failure", test_create_failure);
  ADD ("not-supported", test_not_supported);
  ADD ("load-state-gone", test_load_state_gone);
  ADD ("load-state-reused", test_load_state_reused);
  ADD ("load-state-refused", test_load_state_refused);
  ADD ("reattach", test_reattach);
  ADD ("reattached-crash", test_reattached_crash);

  ret = g_test_run ();
  g_free (self_exe);
  g_free (cpuinfo);
  return ret;
}
