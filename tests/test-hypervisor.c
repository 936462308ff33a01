/* test-hypervisor.c: the VmmHypervisor contract, run against the stub
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "vmm-stub-hypervisor.h"

#define ALL_STATES_MASK 0xffu
#define BIT(s) (1u << (s))
#define N_STATES (VMM_VM_STATE_CRASHED + 1)
#define LINUX_PID_MAX_LIMIT 4194304   /* 2^22 */

/* ------------------------------------------------------------------ */
/* Fixture */

typedef struct
{
  char                *tmpdir;
  VmmHypervisorConfig *config;
  VmmHypervisor       *hv;
  VmmStubHypervisor   *stub;
  GArray              *transitions;   /* pairs of VmmVmState */

  /* operations left pending by bring_to() */
  GCancellable        *start_cancellable;
  GAsyncResult        *start_result;
  gboolean             start_pending;
  GAsyncResult        *stop_result;
  gboolean             stop_pending;
} Fixture;

static char *
write_file (const char *dir,
            const char *name)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "x", 1, &error);
  g_assert_no_error (error);
  return path;
}

static VmmHypervisorConfig *
make_config (const char *tmpdir,
             guint       pool_size,
             const char *extra_devices)
{
  g_autofree char *kernel = write_file (tmpdir, "vmlinuz");
  g_autofree char *image = write_file (tmpdir, "disk.img");
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  VmmHypervisorConfig *config;

  json = g_strdup_printf ("{\"id\":\"test-vm\",\"kernel\":\"%s\",\"image\":\"%s\","
                          "\"memory-mib\":512,\"vcpus\":2,\"max-vcpus\":4,"
                          "\"store-dir\":\"%s\",\"block-pool-size\":%u,"
                          "\"devices\":[%s]}",
                          kernel, image, tmpdir, pool_size,
                          extra_devices ? extra_devices : "");
  config = vmm_hypervisor_config_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static void
state_changed_cb (VmmHypervisor *hv,
                  VmmVmState     old_state,
                  VmmVmState     new_state,
                  gpointer       user_data)
{
  Fixture *f = user_data;

  g_array_append_val (f->transitions, old_state);
  g_array_append_val (f->transitions, new_state);
}

static VmmStubHypervisor *
new_stub (Fixture         *f,
          VmmCapabilities  capabilities)
{
  VmmStubHypervisor *stub = vmm_stub_hypervisor_new (capabilities);

  g_signal_connect (stub, "state-changed", G_CALLBACK (state_changed_cb), f);
  return stub;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("test-hypervisor-XXXXXX", &error);
  g_assert_no_error (error);
  f->config = make_config (f->tmpdir, 3, NULL);
  f->transitions = g_array_new (FALSE, FALSE, sizeof (VmmVmState));
  f->stub = new_stub (f, VMM_STUB_CAPABILITIES);
  f->hv = VMM_HYPERVISOR (f->stub);
}

static void finish_pending (Fixture *f);

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  finish_pending (f);
  g_assert_finalize_object (f->stub);
  g_clear_object (&f->config);
  g_array_unref (f->transitions);
  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

static void
clear_transitions (Fixture *f)
{
  g_array_set_size (f->transitions, 0);
}

/* Asserts the recorded transitions, given as a -1-terminated list of
 * states: s0, s1, s2 means s0 -> s1 then s1 -> s2. */
static void
assert_transitions (Fixture *f,
                    ...)
{
  g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (VmmVmState));
  va_list args;
  int s;
  VmmVmState prev = 0;
  gboolean first = TRUE;

  va_start (args, f);
  while ((s = va_arg (args, int)) >= 0)
    {
      if (!first)
        {
          VmmVmState next = s;

          g_array_append_val (expected, prev);
          g_array_append_val (expected, next);
        }
      prev = s;
      first = FALSE;
    }
  va_end (args);

  if (expected->len != f->transitions->len ||
      memcmp (expected->data, f->transitions->data, expected->len * sizeof (VmmVmState)) != 0)
    {
      GString *got = g_string_new (NULL);

      for (guint i = 0; i + 1 < f->transitions->len; i += 2)
        g_string_append_printf (got, " %s->%s",
                                vmm_vm_state_to_string (g_array_index (f->transitions, VmmVmState, i)),
                                vmm_vm_state_to_string (g_array_index (f->transitions, VmmVmState, i + 1)));
      g_error ("unexpected transitions:%s (expected %u)", got->str, expected->len / 2);
    }
  clear_transitions (f);
}

/* ------------------------------------------------------------------ */
/* Async helpers: run in the thread-default context until done */

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static void
wait_for (GAsyncResult **result)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
}

/* ------------------------------------------------------------------ */
/* Getting a stub into each state */

static void
create_sync (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error));
  g_assert_no_error (error);
}

static void
start_sync (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vmm_hypervisor_start_vm (f->hv, NULL, &error));
  g_assert_no_error (error);
}

static void
stop_sync (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
}

static void
bring_to (Fixture    *f,
          VmmVmState  target)
{
  g_autoptr(GError) error = NULL;

  if (target == VMM_VM_STATE_NOT_CREATED)
    return;

  create_sync (f);
  if (target == VMM_VM_STATE_CREATED)
    goto out;

  if (target == VMM_VM_STATE_STARTING)
    {
      /* A start that never completes on its own; finish_pending() cancels it. */
      g_object_set (f->stub, "start-delay-ms", 3600 * 1000u, NULL);
      f->start_cancellable = g_cancellable_new ();
      f->start_pending = TRUE;
      vmm_hypervisor_start_vm_async (f->hv, f->start_cancellable, store_result_cb, &f->start_result);
      goto out;
    }

  start_sync (f);
  if (target == VMM_VM_STATE_RUNNING)
    goto out;

  if (target == VMM_VM_STATE_PAUSED)
    {
      g_assert_true (vmm_hypervisor_pause_vm (f->hv, NULL, &error));
      g_assert_no_error (error);
      goto out;
    }

  if (target == VMM_VM_STATE_STOPPING)
    {
      /* The stop completes from the thread-default context, which is not
       * iterated until finish_pending(). */
      f->stop_pending = TRUE;
      vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, store_result_cb, &f->stop_result);
      goto out;
    }

  if (target == VMM_VM_STATE_STOPPED)
    {
      stop_sync (f);
      goto out;
    }

  g_assert_cmpint (target, ==, VMM_VM_STATE_CRASHED);
  g_assert_true (vmm_stub_hypervisor_simulate_crash (f->stub, 9));

out:
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, target);
  clear_transitions (f);
}

static void
finish_pending (Fixture *f)
{
  if (f->start_pending)
    {
      g_cancellable_cancel (f->start_cancellable);
      wait_for (&f->start_result);
      f->start_pending = FALSE;
    }
  if (f->stop_pending)
    {
      wait_for (&f->stop_result);
      f->stop_pending = FALSE;
    }
  g_clear_object (&f->start_result);
  g_clear_object (&f->stop_result);
  g_clear_object (&f->start_cancellable);
}

/* ------------------------------------------------------------------ */
/* Calling any operation by name, in its sync or async form */

typedef struct
{
  const char *name;
  guint       allowed;     /* states in which the backend is called */
  guint       noop;        /* states in which it succeeds without the backend */
  gboolean    any_after_create;   /* message format of get_vm_console */
} OpSpec;

static const OpSpec operations[] = {
  { "create_vm", BIT (VMM_VM_STATE_NOT_CREATED), 0, FALSE },
  { "start_vm", BIT (VMM_VM_STATE_CREATED) | BIT (VMM_VM_STATE_STOPPED) | BIT (VMM_VM_STATE_CRASHED), 0, FALSE },
  { "stop_vm", BIT (VMM_VM_STATE_STARTING) | BIT (VMM_VM_STATE_RUNNING) | BIT (VMM_VM_STATE_PAUSED) | BIT (VMM_VM_STATE_STOPPING),
    BIT (VMM_VM_STATE_CREATED) | BIT (VMM_VM_STATE_STOPPED) | BIT (VMM_VM_STATE_CRASHED), FALSE },
  { "pause_vm", BIT (VMM_VM_STATE_RUNNING), 0, FALSE },
  { "resume_vm", BIT (VMM_VM_STATE_PAUSED), 0, FALSE },
  { "save_vm", BIT (VMM_VM_STATE_PAUSED), 0, FALSE },
  { "add_device", BIT (VMM_VM_STATE_CREATED) | BIT (VMM_VM_STATE_STOPPED), 0, FALSE },
  { "hotplug_add_device", BIT (VMM_VM_STATE_RUNNING) | BIT (VMM_VM_STATE_PAUSED), 0, FALSE },
  { "hotplug_remove_device", BIT (VMM_VM_STATE_RUNNING) | BIT (VMM_VM_STATE_PAUSED), 0, FALSE },
  { "resize_memory", BIT (VMM_VM_STATE_RUNNING), 0, FALSE },
  { "resize_vcpus", BIT (VMM_VM_STATE_RUNNING), 0, FALSE },
  { "check", BIT (VMM_VM_STATE_RUNNING) | BIT (VMM_VM_STATE_PAUSED), 0, FALSE },
  { "cleanup", BIT (VMM_VM_STATE_NOT_CREATED) | BIT (VMM_VM_STATE_CREATED) | BIT (VMM_VM_STATE_STOPPED) | BIT (VMM_VM_STATE_CRASHED), 0, FALSE },
  { "load_state", BIT (VMM_VM_STATE_NOT_CREATED), 0, FALSE },
  { "get_thread_ids", BIT (VMM_VM_STATE_RUNNING) | BIT (VMM_VM_STATE_PAUSED), 0, FALSE },
  { "save_state", ALL_STATES_MASK & ~BIT (VMM_VM_STATE_NOT_CREATED), 0, FALSE },
  { "generate_socket", ALL_STATES_MASK & ~BIT (VMM_VM_STATE_NOT_CREATED), 0, FALSE },
  { "get_vm_console", ALL_STATES_MASK & ~BIT (VMM_VM_STATE_NOT_CREATED), 0, TRUE },
};

static gboolean
is_async_op (const char *name)
{
  static const char * const sync_only[] = {
    "load_state", "get_thread_ids", "save_state", "get_vm_console", NULL
  };

  return !g_strv_contains (sync_only, name);
}

/* Calls @name with arguments that the backend would accept. The async form
 * runs in a private context so that nothing else pending makes progress. */
static gboolean
call_op (Fixture     *f,
         const char  *name,
         gboolean     use_async,
         GError     **error)
{
  g_autofree char *disk = g_build_filename (f->tmpdir, "hot.img", NULL);
  g_autoptr(VmmBlockDevice) device = vmm_block_device_new (disk, FALSE);
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(VmmVsockDevice) generated = NULL;
  gboolean ok;

  if (!use_async || !is_async_op (name))
    {
      if (g_str_equal (name, "create_vm"))
        return vmm_hypervisor_create_vm (f->hv, f->config, NULL, error);
      if (g_str_equal (name, "start_vm"))
        return vmm_hypervisor_start_vm (f->hv, NULL, error);
      if (g_str_equal (name, "stop_vm"))
        return vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, error);
      if (g_str_equal (name, "pause_vm"))
        return vmm_hypervisor_pause_vm (f->hv, NULL, error);
      if (g_str_equal (name, "resume_vm"))
        return vmm_hypervisor_resume_vm (f->hv, NULL, error);
      if (g_str_equal (name, "save_vm"))
        return vmm_hypervisor_save_vm (f->hv, NULL, error);
      if (g_str_equal (name, "add_device"))
        return vmm_hypervisor_add_device (f->hv, VMM_DEVICE (device), error);
      if (g_str_equal (name, "hotplug_add_device"))
        return vmm_hypervisor_hotplug_add_device (f->hv, VMM_DEVICE (device), NULL, error);
      if (g_str_equal (name, "hotplug_remove_device"))
        return vmm_hypervisor_hotplug_remove_device (f->hv, VMM_DEVICE (device), NULL, error);
      if (g_str_equal (name, "resize_memory"))
        return vmm_hypervisor_resize_memory (f->hv, 1024, NULL, NULL, error);
      if (g_str_equal (name, "resize_vcpus"))
        return vmm_hypervisor_resize_vcpus (f->hv, 3, NULL, NULL, NULL, error);
      if (g_str_equal (name, "check"))
        return vmm_hypervisor_check (f->hv, NULL, error);
      if (g_str_equal (name, "cleanup"))
        return vmm_hypervisor_cleanup (f->hv, NULL, error);
      if (g_str_equal (name, "load_state"))
        return vmm_hypervisor_load_state (f->hv, "{}", error);
      if (g_str_equal (name, "get_thread_ids"))
        {
          g_autoptr(GArray) ids = vmm_hypervisor_get_thread_ids (f->hv, error);
          return ids != NULL;
        }
      if (g_str_equal (name, "save_state"))
        {
          g_autofree char *state = vmm_hypervisor_save_state (f->hv, error);
          return state != NULL;
        }
      if (g_str_equal (name, "generate_socket"))
        {
          g_autoptr(VmmVsockDevice) vsock = vmm_hypervisor_generate_socket (f->hv, error);
          return vsock != NULL;
        }
      if (g_str_equal (name, "get_vm_console"))
        {
          g_autofree char *path = vmm_hypervisor_get_vm_console (f->hv, error);
          return path != NULL;
        }
      g_assert_not_reached ();
    }

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  if (g_str_equal (name, "create_vm"))
    vmm_hypervisor_create_vm_async (f->hv, f->config, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "start_vm"))
    vmm_hypervisor_start_vm_async (f->hv, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "stop_vm"))
    vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "pause_vm"))
    vmm_hypervisor_pause_vm_async (f->hv, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "resume_vm"))
    vmm_hypervisor_resume_vm_async (f->hv, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "save_vm"))
    vmm_hypervisor_save_vm_async (f->hv, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "add_device"))
    vmm_hypervisor_add_device_async (f->hv, VMM_DEVICE (device), NULL, store_result_cb, &result);
  else if (g_str_equal (name, "generate_socket"))
    vmm_hypervisor_generate_socket_async (f->hv, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "hotplug_add_device"))
    vmm_hypervisor_hotplug_add_device_async (f->hv, VMM_DEVICE (device), NULL, store_result_cb, &result);
  else if (g_str_equal (name, "hotplug_remove_device"))
    vmm_hypervisor_hotplug_remove_device_async (f->hv, VMM_DEVICE (device), NULL, store_result_cb, &result);
  else if (g_str_equal (name, "resize_memory"))
    vmm_hypervisor_resize_memory_async (f->hv, 1024, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "resize_vcpus"))
    vmm_hypervisor_resize_vcpus_async (f->hv, 3, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "check"))
    vmm_hypervisor_check_async (f->hv, NULL, store_result_cb, &result);
  else if (g_str_equal (name, "cleanup"))
    vmm_hypervisor_cleanup_async (f->hv, NULL, store_result_cb, &result);
  else
    g_assert_not_reached ();

  wait_for (&result);

  if (g_str_equal (name, "create_vm"))
    ok = vmm_hypervisor_create_vm_finish (f->hv, result, error);
  else if (g_str_equal (name, "start_vm"))
    ok = vmm_hypervisor_start_vm_finish (f->hv, result, error);
  else if (g_str_equal (name, "stop_vm"))
    ok = vmm_hypervisor_stop_vm_finish (f->hv, result, error);
  else if (g_str_equal (name, "pause_vm"))
    ok = vmm_hypervisor_pause_vm_finish (f->hv, result, error);
  else if (g_str_equal (name, "resume_vm"))
    ok = vmm_hypervisor_resume_vm_finish (f->hv, result, error);
  else if (g_str_equal (name, "save_vm"))
    ok = vmm_hypervisor_save_vm_finish (f->hv, result, error);
  else if (g_str_equal (name, "add_device"))
    ok = vmm_hypervisor_add_device_finish (f->hv, result, error);
  else if (g_str_equal (name, "generate_socket"))
    ok = (generated = vmm_hypervisor_generate_socket_finish (f->hv, result, error)) != NULL;
  else if (g_str_equal (name, "hotplug_add_device"))
    ok = vmm_hypervisor_hotplug_add_device_finish (f->hv, result, error);
  else if (g_str_equal (name, "hotplug_remove_device"))
    ok = vmm_hypervisor_hotplug_remove_device_finish (f->hv, result, error);
  else if (g_str_equal (name, "resize_memory"))
    ok = vmm_hypervisor_resize_memory_finish (f->hv, result, NULL, error);
  else if (g_str_equal (name, "resize_vcpus"))
    ok = vmm_hypervisor_resize_vcpus_finish (f->hv, result, NULL, NULL, error);
  else if (g_str_equal (name, "check"))
    ok = vmm_hypervisor_check_finish (f->hv, result, error);
  else
    ok = vmm_hypervisor_cleanup_finish (f->hv, result, error);

  g_main_context_pop_thread_default (context);
  return ok;
}

/* ------------------------------------------------------------------ */
/* Success paths */

static void
test_lifecycle_sync (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *disk = g_build_filename (f->tmpdir, "hot.img", NULL);
  g_autoptr(VmmBlockDevice) block = vmm_block_device_new (disk, TRUE);
  guint memory = 0, old_vcpus = 0, new_vcpus = 0;

  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_NOT_CREATED);
  g_assert_null (vmm_hypervisor_get_config (f->hv));
  g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (f->hv), ==, 0);

  create_sync (f);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_CREATED);
  /* The backend keeps its own copy. */
  g_assert_nonnull (vmm_hypervisor_get_config (f->hv));
  g_assert_true (vmm_hypervisor_get_config (f->hv) != f->config);
  g_assert_true (vmm_hypervisor_config_equal (vmm_hypervisor_get_config (f->hv), f->config));
  g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (f->hv), ==, 512);

  start_sync (f);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_RUNNING);
  g_assert_cmpint (vmm_hypervisor_get_exit_status (f->hv), ==, -1);

  g_assert_true (vmm_hypervisor_check (f->hv, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (vmm_hypervisor_hotplug_add_device (f->hv, VMM_DEVICE (block), NULL, &error));
  g_assert_no_error (error);

  g_assert_true (vmm_hypervisor_resize_memory (f->hv, 2048, &memory, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (memory, ==, 2048);
  g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (f->hv), ==, 2048);

  g_assert_true (vmm_hypervisor_resize_vcpus (f->hv, 4, &old_vcpus, &new_vcpus, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (old_vcpus, ==, 2);
  g_assert_cmpuint (new_vcpus, ==, 4);

  g_assert_true (vmm_hypervisor_pause_vm (f->hv, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_PAUSED);
  g_assert_true (vmm_hypervisor_check (f->hv, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (vmm_hypervisor_save_vm (f->hv, NULL, &error));
  g_assert_no_error (error);
  {
    guint count = 0;
    g_object_get (f->stub, "save-count", &count, NULL);
    g_assert_cmpuint (count, ==, 1);
  }
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_PAUSED);

  g_assert_true (vmm_hypervisor_hotplug_remove_device (f->hv, VMM_DEVICE (block), NULL, &error));
  g_assert_no_error (error);

  g_assert_true (vmm_hypervisor_resume_vm (f->hv, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_RUNNING);

  stop_sync (f);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_STOPPED);
  g_assert_cmpint (vmm_hypervisor_get_exit_status (f->hv), ==, 0);

  /* Restart: the resized values go back to the configuration. */
  start_sync (f);
  g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (f->hv), ==, 512);
  {
    g_autoptr(GArray) tids = vmm_hypervisor_get_thread_ids (f->hv, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (tids->len, ==, 2);
  }
  stop_sync (f);

  g_assert_true (vmm_hypervisor_cleanup (f->hv, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_NOT_CREATED);
  g_assert_null (vmm_hypervisor_get_config (f->hv));

  /* The object can be used again. */
  create_sync (f);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_CREATED);
}

typedef struct
{
  Fixture      *f;
  GMainLoop    *loop;
  int           step;
  GError       *error;
} AsyncRun;

static void async_step (AsyncRun *run);

static void
async_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncRun *run = user_data;
  VmmHypervisor *hv = VMM_HYPERVISOR (object);
  gboolean ok = FALSE;
  guint a = 0, b = 0;

  switch (run->step)
    {
    case 0: ok = vmm_hypervisor_create_vm_finish (hv, result, &run->error); break;
    case 1: ok = vmm_hypervisor_start_vm_finish (hv, result, &run->error); break;
    case 2: ok = vmm_hypervisor_check_finish (hv, result, &run->error); break;
    case 3: ok = vmm_hypervisor_hotplug_add_device_finish (hv, result, &run->error); break;
    case 4:
      ok = vmm_hypervisor_resize_memory_finish (hv, result, &a, &run->error);
      g_assert_cmpuint (a, ==, 1024);
      break;
    case 5:
      ok = vmm_hypervisor_resize_vcpus_finish (hv, result, &a, &b, &run->error);
      g_assert_cmpuint (a, ==, 2);
      g_assert_cmpuint (b, ==, 1);
      break;
    case 6: ok = vmm_hypervisor_pause_vm_finish (hv, result, &run->error); break;
    case 7: ok = vmm_hypervisor_save_vm_finish (hv, result, &run->error); break;
    case 8: ok = vmm_hypervisor_hotplug_remove_device_finish (hv, result, &run->error); break;
    case 9: ok = vmm_hypervisor_resume_vm_finish (hv, result, &run->error); break;
    case 10: ok = vmm_hypervisor_stop_vm_finish (hv, result, &run->error); break;
    case 11: ok = vmm_hypervisor_cleanup_finish (hv, result, &run->error); break;
    default: g_assert_not_reached ();
    }

  if (!ok)
    {
      g_main_loop_quit (run->loop);
      return;
    }

  run->step++;
  async_step (run);
}

static void
async_step (AsyncRun *run)
{
  static const VmmVmState state_before[] = {
    VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, VMM_VM_STATE_RUNNING,
    VMM_VM_STATE_RUNNING, VMM_VM_STATE_RUNNING, VMM_VM_STATE_RUNNING,
    VMM_VM_STATE_RUNNING, VMM_VM_STATE_PAUSED, VMM_VM_STATE_PAUSED,
    VMM_VM_STATE_PAUSED, VMM_VM_STATE_RUNNING, VMM_VM_STATE_STOPPED,
    VMM_VM_STATE_NOT_CREATED,
  };
  Fixture *f = run->f;
  g_autofree char *disk = g_build_filename (f->tmpdir, "hot.img", NULL);
  g_autoptr(VmmBlockDevice) block = vmm_block_device_new (disk, FALSE);

  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, state_before[run->step]);

  switch (run->step)
    {
    case 0: vmm_hypervisor_create_vm_async (f->hv, f->config, NULL, async_done_cb, run); break;
    case 1: vmm_hypervisor_start_vm_async (f->hv, NULL, async_done_cb, run); break;
    case 2: vmm_hypervisor_check_async (f->hv, NULL, async_done_cb, run); break;
    case 3: vmm_hypervisor_hotplug_add_device_async (f->hv, VMM_DEVICE (block), NULL, async_done_cb, run); break;
    case 4: vmm_hypervisor_resize_memory_async (f->hv, 1024, NULL, async_done_cb, run); break;
    case 5: vmm_hypervisor_resize_vcpus_async (f->hv, 1, NULL, async_done_cb, run); break;
    case 6: vmm_hypervisor_pause_vm_async (f->hv, NULL, async_done_cb, run); break;
    case 7: vmm_hypervisor_save_vm_async (f->hv, NULL, async_done_cb, run); break;
    case 8: vmm_hypervisor_hotplug_remove_device_async (f->hv, VMM_DEVICE (block), NULL, async_done_cb, run); break;
    case 9: vmm_hypervisor_resume_vm_async (f->hv, NULL, async_done_cb, run); break;
    case 10: vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, async_done_cb, run); break;
    case 11: vmm_hypervisor_cleanup_async (f->hv, NULL, async_done_cb, run); break;
    case 12: g_main_loop_quit (run->loop); break;
    default: g_assert_not_reached ();
    }
}

static void
test_lifecycle_async (Fixture       *f,
                      gconstpointer  data)
{
  AsyncRun run = { f, g_main_loop_new (NULL, FALSE), 0, NULL };

  async_step (&run);
  g_main_loop_run (run.loop);
  g_assert_no_error (run.error);
  g_assert_cmpint (run.step, ==, 12);
  g_main_loop_unref (run.loop);

  assert_transitions (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED,
                      VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING, VMM_VM_STATE_PAUSED,
                      VMM_VM_STATE_RUNNING, VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED,
                      VMM_VM_STATE_NOT_CREATED, -1);
}

/* ------------------------------------------------------------------ */
/* Every illegal transition */

static void
assert_invalid_state_message (const OpSpec *op,
                              VmmVmState    state,
                              const GError *error)
{
  g_autofree char *current = g_strdup_printf ("the VM is %s", vmm_vm_state_to_string (state));
  const char *allowed;
  g_auto(GStrv) names = NULL;
  guint mask = 0;

  g_assert_nonnull (strstr (error->message, op->name));
  g_assert_nonnull (strstr (error->message, current));

  if (op->any_after_create)
    {
      g_assert_nonnull (strstr (error->message, "after create_vm"));
      return;
    }

  /* The allowed states are listed in full: parse them back. */
  allowed = strstr (error->message, "allowed: ");
  g_assert_nonnull (allowed);
  allowed += strlen ("allowed: ");
  {
    g_autofree char *list = g_strndup (allowed, strcspn (allowed, ")"));
    names = g_strsplit (list, ", ", -1);
  }
  for (guint i = 0; names[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (VmmVmState s = 0; s < N_STATES; s++)
        if (g_str_equal (names[i], vmm_vm_state_to_string (s)))
          {
            mask |= BIT (s);
            found = TRUE;
          }
      if (!found)
        g_error ("%s: \"%s\" in \"%s\" is not a state", op->name, names[i], error->message);
    }
  /* Every state where the backend would be called is listed; states where
   * the call is a successful no-op (stop_vm when nothing runs) may be. */
  g_assert_cmphex (mask & op->allowed, ==, op->allowed);
  g_assert_cmphex (mask & ~(op->allowed | op->noop), ==, 0);
}

static void
test_illegal_transitions (Fixture       *f,
                          gconstpointer  data)
{
  gboolean use_async = GPOINTER_TO_INT (data);
  guint n_refused = 0;

  for (VmmVmState state = 0; state < N_STATES; state++)
    {
      g_test_message ("state %s", vmm_vm_state_to_string (state));

      /* A fresh stub for each state. */
      finish_pending (f);
      g_assert_finalize_object (f->stub);
      f->stub = new_stub (f, VMM_STUB_CAPABILITIES);
      f->hv = VMM_HYPERVISOR (f->stub);
      bring_to (f, state);

      for (guint i = 0; i < G_N_ELEMENTS (operations); i++)
        {
          const OpSpec *op = &operations[i];
          g_autoptr(GError) error = NULL;
          gboolean ok;

          if (op->allowed & BIT (state))
            continue;

          /* If libvmm wrongly called the backend, this would be the error. */
          vmm_stub_hypervisor_fail_next (f->stub, op->name, VMM_ERROR_PROTOCOL, "backend reached");

          ok = call_op (f, op->name, use_async, &error);
          if (op->noop & BIT (state))
            {
              g_assert_no_error (error);
              g_assert_true (ok);
            }
          else
            {
              g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
              g_assert_false (ok);
              assert_invalid_state_message (op, state, error);
              n_refused++;
            }

          /* Nothing happened. */
          g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, state);
          g_assert_cmpuint (f->transitions->len, ==, 0);
        }
    }

  /* Sanity: the table and the loop really covered something. */
  g_assert_cmpuint (n_refused, ==, 92);
}

/* ------------------------------------------------------------------ */
/* Missing capabilities */

typedef struct
{
  VmmCapabilities  missing;
  VmmVmState       state;
  const char      *operation;
  const char      *device;     /* for add/hotplug: block, net, vsock, pci */
} CapabilityCase;

static const CapabilityCase capability_cases[] = {
  { VMM_CAPABILITIES_BLOCK_DEVICE, VMM_VM_STATE_CREATED, "add_device", "block" },
  { VMM_CAPABILITIES_VSOCK, VMM_VM_STATE_CREATED, "add_device", "vsock" },
  { VMM_CAPABILITIES_PCI_PASSTHROUGH, VMM_VM_STATE_CREATED, "add_device", "pci" },
  { VMM_CAPABILITIES_BLOCK_HOTPLUG, VMM_VM_STATE_RUNNING, "hotplug_add_device", "block" },
  { VMM_CAPABILITIES_BLOCK_HOTUNPLUG, VMM_VM_STATE_RUNNING, "hotplug_remove_device", "block" },
  { VMM_CAPABILITIES_NET_HOTPLUG, VMM_VM_STATE_RUNNING, "hotplug_add_device", "net" },
  { VMM_CAPABILITIES_NET_HOTPLUG, VMM_VM_STATE_RUNNING, "hotplug_remove_device", "net" },
  { VMM_CAPABILITIES_PCI_HOTPLUG, VMM_VM_STATE_RUNNING, "hotplug_add_device", "pci" },
  { VMM_CAPABILITIES_PCI_HOTPLUG, VMM_VM_STATE_RUNNING, "hotplug_remove_device", "pci" },
  { VMM_CAPABILITIES_VSOCK_HOTPLUG, VMM_VM_STATE_RUNNING, "hotplug_add_device", "vsock" },
  { VMM_CAPABILITIES_VSOCK_HOTPLUG, VMM_VM_STATE_RUNNING, "hotplug_remove_device", "vsock" },
  { VMM_CAPABILITIES_PAUSE, VMM_VM_STATE_RUNNING, "pause_vm", NULL },
  { VMM_CAPABILITIES_PAUSE, VMM_VM_STATE_RUNNING, "resume_vm", NULL },
  { VMM_CAPABILITIES_SAVE_VM, VMM_VM_STATE_PAUSED, "save_vm", NULL },
  { VMM_CAPABILITIES_MEMORY_RESIZE, VMM_VM_STATE_RUNNING, "resize_memory", NULL },
  { VMM_CAPABILITIES_VCPU_RESIZE, VMM_VM_STATE_RUNNING, "resize_vcpus", NULL },
  { VMM_CAPABILITIES_THREAD_IDS, VMM_VM_STATE_RUNNING, "get_thread_ids", NULL },
  { VMM_CAPABILITIES_REATTACH, VMM_VM_STATE_RUNNING, "save_state", NULL },
  { VMM_CAPABILITIES_REATTACH, VMM_VM_STATE_NOT_CREATED, "load_state", NULL },
  { VMM_CAPABILITIES_VSOCK, VMM_VM_STATE_CREATED, "generate_socket", NULL },
};

static VmmDevice *
make_device (Fixture    *f,
             const char *kind,
             const char *name)
{
  if (g_str_equal (kind, "block"))
    {
      g_autofree char *path = g_build_filename (f->tmpdir, name, NULL);
      return VMM_DEVICE (vmm_block_device_new (path, FALSE));
    }
  if (g_str_equal (kind, "net"))
    return VMM_DEVICE (vmm_net_device_new (name, "02:00:00:00:00:01"));
  if (g_str_equal (kind, "vsock"))
    return VMM_DEVICE (vmm_vsock_device_new (4000, 1024));
  if (g_str_equal (kind, "pci"))
    return VMM_DEVICE (vmm_pci_device_new (name));
  if (g_str_equal (kind, "console"))
    {
      g_autofree char *path = g_build_filename (f->tmpdir, "serial.sock", NULL);
      return VMM_DEVICE (vmm_console_device_new (name, path));
    }
  g_assert_not_reached ();
}

static gboolean
call_with_device (Fixture     *f,
                  const char  *operation,
                  VmmDevice   *device,
                  GError     **error)
{
  if (g_str_equal (operation, "add_device"))
    return vmm_hypervisor_add_device (f->hv, device, error);
  if (g_str_equal (operation, "hotplug_add_device"))
    return vmm_hypervisor_hotplug_add_device (f->hv, device, NULL, error);
  if (g_str_equal (operation, "hotplug_remove_device"))
    return vmm_hypervisor_hotplug_remove_device (f->hv, device, NULL, error);
  g_assert_not_reached ();
}

static void
test_not_supported (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GFlagsClass) flags = g_type_class_ref (VMM_TYPE_CAPABILITIES);

  for (guint i = 0; i < G_N_ELEMENTS (capability_cases); i++)
    {
      const CapabilityCase *c = &capability_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(VmmDevice) device = NULL;
      const char *nick = g_flags_get_first_value (flags, c->missing)->value_nick;
      gboolean ok;

      g_test_message ("%s without %s", c->operation, nick);

      finish_pending (f);
      g_assert_finalize_object (f->stub);
      f->stub = new_stub (f, VMM_STUB_CAPABILITIES & ~c->missing);
      f->hv = VMM_HYPERVISOR (f->stub);
      g_assert_cmphex (vmm_hypervisor_get_capabilities (f->hv), ==, VMM_STUB_CAPABILITIES & ~c->missing);

      /* PAUSED needs PAUSE; every case that wants PAUSED keeps it. */
      bring_to (f, c->state);
      vmm_stub_hypervisor_fail_next (f->stub, c->operation, VMM_ERROR_PROTOCOL, "backend reached");

      if (c->device != NULL)
        {
          device = make_device (f, c->device, g_str_equal (c->device, "pci") ? "0000:00:02.0" : "x0");
          ok = call_with_device (f, c->operation, device, &error);
        }
      else
        ok = call_op (f, c->operation, FALSE, &error);

      g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
      g_assert_false (ok);
      g_assert_nonnull (strstr (error->message, c->operation));
      g_assert_nonnull (strstr (error->message, nick));
      g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, c->state);
      g_assert_cmpuint (f->transitions->len, ==, 0);
    }
}

static void
test_capabilities_property (Fixture       *f,
                            gconstpointer  data)
{
  VmmCapabilities caps = 0;
  g_autoptr(VmmStubHypervisor) limited = NULL;

  g_object_get (f->stub, "capabilities", &caps, NULL);
  g_assert_cmphex (caps, ==, VMM_STUB_CAPABILITIES);
  g_assert_cmphex (vmm_hypervisor_get_capabilities (f->hv), ==, VMM_STUB_CAPABILITIES);
  /* Documented as unsupported by the stub. */
  g_assert_cmphex (caps & VMM_CAPABILITIES_FS_SHARING, ==, 0);
  g_assert_cmphex (caps & VMM_CAPABILITIES_MULTI_QUEUE, ==, 0);

  /* Flags the stub cannot honour are not claimed, even when asked for. */
  limited = g_object_new (VMM_TYPE_STUB_HYPERVISOR,
                          "capabilities", VMM_CAPABILITIES_PAUSE | VMM_CAPABILITIES_FS_SHARING,
                          NULL);
  g_assert_cmphex (vmm_hypervisor_get_capabilities (VMM_HYPERVISOR (limited)), ==,
                   VMM_CAPABILITIES_PAUSE);
}

/* ------------------------------------------------------------------ */
/* Scripted failures */

typedef struct
{
  const char *operation;
  VmmVmState  state;
} FailCase;

static const FailCase fail_cases[] = {
  { "create_vm", VMM_VM_STATE_NOT_CREATED },
  { "stop_vm", VMM_VM_STATE_RUNNING },
  { "stop_vm", VMM_VM_STATE_PAUSED },
  { "pause_vm", VMM_VM_STATE_RUNNING },
  { "resume_vm", VMM_VM_STATE_PAUSED },
  { "save_vm", VMM_VM_STATE_PAUSED },
  { "add_device", VMM_VM_STATE_CREATED },
  { "hotplug_add_device", VMM_VM_STATE_RUNNING },
  { "hotplug_remove_device", VMM_VM_STATE_RUNNING },
  { "resize_memory", VMM_VM_STATE_RUNNING },
  { "resize_vcpus", VMM_VM_STATE_RUNNING },
  { "check", VMM_VM_STATE_RUNNING },
  { "cleanup", VMM_VM_STATE_STOPPED },
  { "cleanup", VMM_VM_STATE_CRASHED },
  { "get_thread_ids", VMM_VM_STATE_RUNNING },
  { "save_state", VMM_VM_STATE_RUNNING },
  { "generate_socket", VMM_VM_STATE_RUNNING },
  { "get_vm_console", VMM_VM_STATE_CREATED },
};

static void
test_fail_next (Fixture       *f,
                gconstpointer  data)
{
  gboolean use_async = GPOINTER_TO_INT (data);

  for (guint i = 0; i < G_N_ELEMENTS (fail_cases); i++)
    {
      const FailCase *c = &fail_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      g_auto(GStrv) slots_before = NULL;
      g_auto(GStrv) slots_after = NULL;
      guint memory_before;

      g_test_message ("%s fails in state %s", c->operation, vmm_vm_state_to_string (c->state));

      finish_pending (f);
      g_assert_finalize_object (f->stub);
      f->stub = new_stub (f, VMM_STUB_CAPABILITIES);
      f->hv = VMM_HYPERVISOR (f->stub);
      bring_to (f, c->state);

      if (g_str_equal (c->operation, "hotplug_remove_device"))
        {
          /* Something to remove. */
          g_assert_true (call_op (f, "hotplug_add_device", FALSE, &error));
          g_assert_no_error (error);
        }
      if (c->state != VMM_VM_STATE_NOT_CREATED)
        before = vmm_hypervisor_save_state (f->hv, &error);
      g_assert_no_error (error);
      g_object_get (f->stub, "block-slots", &slots_before, NULL);
      memory_before = vmm_hypervisor_get_total_memory_mib (f->hv);

      g_signal_emit_by_name (f->stub, "fail-next", c->operation, VMM_ERROR_TIMED_OUT, "scripted failure 42");
      g_assert_false (call_op (f, c->operation, use_async, &error));
      g_assert_error (error, VMM_ERROR, VMM_ERROR_TIMED_OUT);
      g_assert_cmpstr (error->message, ==, "scripted failure 42");
      g_clear_error (&error);

      /* The state and what the stub tracks did not change. */
      g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, c->state);
      g_assert_cmpuint (f->transitions->len, ==, 0);
      g_object_get (f->stub, "block-slots", &slots_after, NULL);
      g_assert_true (g_strv_equal ((const char * const *) slots_before,
                                   (const char * const *) slots_after));
      g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (f->hv), ==, memory_before);
      if (before != NULL)
        {
          after = vmm_hypervisor_save_state (f->hv, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (before, ==, after);
        }
      else
        g_assert_null (vmm_hypervisor_get_config (f->hv));

      /* One-shot: the next call succeeds. */
      g_assert_true (call_op (f, c->operation, use_async, &error));
      g_assert_no_error (error);
    }
}

static void
test_fail_next_start (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;

  bring_to (f, VMM_VM_STATE_CREATED);
  vmm_stub_hypervisor_fail_next (f->stub, "start_vm", VMM_ERROR_SPAWN_FAILED, "no acrn-dm");
  g_assert_false (vmm_hypervisor_start_vm (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_SPAWN_FAILED);
  g_assert_cmpstr (error->message, ==, "no acrn-dm");
  g_clear_error (&error);
  /* Like a real failed start: it was starting, then back where it was, and
   * nothing keeps running. */
  assert_transitions (f, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING, VMM_VM_STATE_CREATED, -1);
  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 0);

  /* From stopped, it goes back to stopped. */
  start_sync (f);
  stop_sync (f);
  clear_transitions (f);
  vmm_stub_hypervisor_fail_next (f->stub, "start_vm", VMM_ERROR_PROCESS_EXITED, "died");
  g_assert_false (vmm_hypervisor_start_vm (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROCESS_EXITED);
  g_clear_error (&error);
  assert_transitions (f, VMM_VM_STATE_STOPPED, VMM_VM_STATE_STARTING, VMM_VM_STATE_STOPPED, -1);

  start_sync (f);
  assert_transitions (f, VMM_VM_STATE_STOPPED, VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING, -1);
}

static void
test_fail_next_probe_and_load (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autoptr(VmmStubHypervisor) other = NULL;

  g_assert_true (vmm_hypervisor_probe (f->hv, NULL, &error));
  g_assert_no_error (error);
  g_signal_emit_by_name (f->stub, "fail-next", "probe", VMM_ERROR_HOST_UNSUPPORTED, "no HSM");
  g_assert_false (vmm_hypervisor_probe (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_true (vmm_hypervisor_probe (f->hv, f->config, &error));
  g_assert_no_error (error);

  bring_to (f, VMM_VM_STATE_CREATED);
  state = vmm_hypervisor_save_state (f->hv, &error);
  g_assert_no_error (error);

  other = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
  vmm_stub_hypervisor_fail_next (other, "load_state", VMM_ERROR_STALE_STATE, "gone");
  g_assert_false (vmm_hypervisor_load_state (VMM_HYPERVISOR (other), state, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE);
  g_clear_error (&error);
  g_assert_cmpint (vmm_hypervisor_get_state (VMM_HYPERVISOR (other)), ==, VMM_VM_STATE_NOT_CREATED);
  g_assert_true (vmm_hypervisor_load_state (VMM_HYPERVISOR (other), state, &error));
  g_assert_no_error (error);

  /* Scripting again replaces the pending failure. */
  vmm_stub_hypervisor_fail_next (f->stub, "check", VMM_ERROR_FAILED, "first");
  vmm_stub_hypervisor_fail_next (f->stub, "check", VMM_ERROR_IO, "second");
  start_sync (f);
  g_assert_false (vmm_hypervisor_check (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
  g_clear_error (&error);
  g_assert_true (vmm_hypervisor_check (f->hv, NULL, &error));
  g_assert_no_error (error);

  /* A failure armed for an operation that libvmm refuses stays armed. */
  vmm_stub_hypervisor_fail_next (f->stub, "resume_vm", VMM_ERROR_FAILED, "resume failed");
  g_assert_false (vmm_hypervisor_resume_vm (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_true (vmm_hypervisor_pause_vm (f->hv, NULL, &error));
  g_assert_false (vmm_hypervisor_resume_vm (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_FAILED);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_PAUSED);
}

static void
test_fail_next_unknown (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("Vmm-Stub", G_LOG_LEVEL_CRITICAL, "*unknown operation \"start\"*");
  vmm_stub_hypervisor_fail_next (f->stub, "start", VMM_ERROR_FAILED, "typo");
  g_test_assert_expected_messages ();

  /* Nothing was armed. */
  create_sync (f);
  start_sync (f);
}

/* ------------------------------------------------------------------ */
/* Start: delay, cancellation, interruption */

static void
test_start_delay (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;
  guint delay = 0;

  bring_to (f, VMM_VM_STATE_CREATED);
  g_object_set (f->stub, "start-delay-ms", 20u, NULL);
  g_object_get (f->stub, "start-delay-ms", &delay, NULL);
  g_assert_cmpuint (delay, ==, 20);

  vmm_hypervisor_start_vm_async (f->hv, NULL, store_result_cb, &result);
  /* Starting at once, before the main loop runs... */
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_STARTING);
  assert_transitions (f, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING, -1);
  /* ...with a "process" already. */
  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 1);

  wait_for (&result);
  g_assert_true (vmm_hypervisor_start_vm_finish (f->hv, result, &error));
  g_assert_no_error (error);
  assert_transitions (f, VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING, -1);
}

static void
test_start_cancel (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;
  VmmVmState from = GPOINTER_TO_INT (data);

  bring_to (f, from);
  g_object_set (f->stub, "start-delay-ms", 3600 * 1000u, NULL);

  f->start_pending = TRUE;
  vmm_hypervisor_start_vm_async (f->hv, cancellable, store_result_cb, &f->start_result);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_STARTING);

  /* Let the loop run a little: nothing completes on its own. */
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (f->start_result);

  g_cancellable_cancel (cancellable);
  wait_for (&f->start_result);
  f->start_pending = FALSE;
  g_assert_false (vmm_hypervisor_start_vm_finish (f->hv, f->start_result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, from);
  assert_transitions (f, from, VMM_VM_STATE_STARTING, from, -1);
  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 0);

  /* Already cancelled: nothing happens at all. */
  g_assert_false (vmm_hypervisor_start_vm (f->hv, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, from);
  g_assert_cmpuint (f->transitions->len, ==, 0);

  /* And it can still start. */
  g_object_set (f->stub, "start-delay-ms", 0u, NULL);
  start_sync (f);
}

static void
test_stop_while_starting (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GAsyncResult) start_result = NULL;
  g_autoptr(GAsyncResult) stop_result = NULL;
  g_autoptr(GAsyncResult) stop2_result = NULL;
  g_autoptr(GError) error = NULL;

  bring_to (f, VMM_VM_STATE_CREATED);
  g_object_set (f->stub, "start-delay-ms", 3600 * 1000u, NULL);
  vmm_hypervisor_start_vm_async (f->hv, NULL, store_result_cb, &start_result);
  vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, store_result_cb, &stop_result);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_STOPPING);
  /* A second stop while stopping completes with the first. */
  vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_WAIT_ONLY, NULL, store_result_cb, &stop2_result);

  wait_for (&start_result);
  wait_for (&stop_result);
  wait_for (&stop2_result);

  g_assert_false (vmm_hypervisor_start_vm_finish (f->hv, start_result, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROCESS_EXITED);
  g_clear_error (&error);
  g_assert_true (vmm_hypervisor_stop_vm_finish (f->hv, stop_result, &error));
  g_assert_no_error (error);
  g_assert_true (vmm_hypervisor_stop_vm_finish (f->hv, stop2_result, &error));
  g_assert_no_error (error);

  assert_transitions (f, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING, VMM_VM_STATE_STOPPING,
                      VMM_VM_STATE_STOPPED, -1);
}

/* ------------------------------------------------------------------ */
/* Devices and the block pool */

static void
assert_slots (Fixture *f,
              ...)
{
  g_auto(GStrv) slots = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  va_list args;

  va_start (args, f);
  while ((name = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (expected, *name ? g_build_filename (f->tmpdir, name, NULL) : g_strdup (""));
  va_end (args);
  g_ptr_array_add (expected, NULL);

  g_object_get (f->stub, "block-slots", &slots, NULL);
  if (!g_strv_equal ((const char * const *) slots, (const char * const *) expected->pdata))
    {
      g_autofree char *got = g_strjoinv ("|", slots);
      g_error ("unexpected block slots: %s", got);
    }
}

static gboolean
hotplug (Fixture    *f,
         VmmDevice  *device,
         GError    **error)
{
  return vmm_hypervisor_hotplug_add_device (f->hv, device, NULL, error);
}

static gboolean
unplug (Fixture    *f,
        VmmDevice  *device,
        GError    **error)
{
  return vmm_hypervisor_hotplug_remove_device (f->hv, device, NULL, error);
}

static void
test_pool (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(VmmDevice) a = make_device (f, "block", "a.img");
  g_autoptr(VmmDevice) b = make_device (f, "block", "b.img");
  g_autoptr(VmmDevice) c = make_device (f, "block", "c.img");
  g_autoptr(VmmDevice) d = make_device (f, "block", "d.img");
  g_autoptr(VmmDevice) b_again = make_device (f, "block", "b.img");
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (vmm_hypervisor_config_get_block_pool_size (f->config), ==, 3);
  assert_slots (f, NULL);
  bring_to (f, VMM_VM_STATE_RUNNING);
  assert_slots (f, "", "", "", NULL);

  /* Every slot of the pool is usable. */
  g_assert_true (hotplug (f, a, &error));
  g_assert_true (hotplug (f, b, &error));
  g_assert_true (hotplug (f, c, &error));
  g_assert_no_error (error);
  assert_slots (f, "a.img", "b.img", "c.img", NULL);

  /* Full. */
  g_assert_false (hotplug (f, d, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_assert_nonnull (strstr (error->message, "d.img"));
  g_assert_nonnull (strstr (error->message, "3"));
  g_clear_error (&error);
  assert_slots (f, "a.img", "b.img", "c.img", NULL);

  /* Removing by an equal device frees that slot; the next plug takes it. */
  g_assert_true (unplug (f, b_again, &error));
  g_assert_no_error (error);
  assert_slots (f, "a.img", "", "c.img", NULL);
  g_assert_true (hotplug (f, d, &error));
  g_assert_no_error (error);
  assert_slots (f, "a.img", "d.img", "c.img", NULL);

  /* Not plugged. */
  g_assert_false (unplug (f, b, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "b.img"));
  g_clear_error (&error);

  /* Already plugged. */
  g_assert_true (unplug (f, a, &error));
  g_assert_false (hotplug (f, c, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  assert_slots (f, "", "d.img", "c.img", NULL);

  /* Paused VMs take hotplug too. */
  g_assert_true (vmm_hypervisor_pause_vm (f->hv, NULL, &error));
  g_assert_true (hotplug (f, a, &error));
  g_assert_no_error (error);
  assert_slots (f, "a.img", "d.img", "c.img", NULL);
  g_assert_true (vmm_hypervisor_resume_vm (f->hv, NULL, &error));

  /* Plugged devices go away with the process. */
  stop_sync (f);
  assert_slots (f, "", "", "", NULL);
  start_sync (f);
  g_assert_false (unplug (f, a, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (hotplug (f, a, &error));
  g_assert_true (vmm_stub_hypervisor_simulate_crash (f->stub, 9));
  assert_slots (f, "", "", "", NULL);
}

static void
test_pool_empty (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(VmmDevice) a = make_device (f, "block", "a.img");
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->config);
  f->config = make_config (f->tmpdir, 0, NULL);
  bring_to (f, VMM_VM_STATE_RUNNING);
  g_assert_false (hotplug (f, a, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
}

static void
test_other_hotplug (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(VmmDevice) net = make_device (f, "net", "tap7");
  g_autoptr(VmmDevice) net_again = make_device (f, "net", "tap7");
  g_autoptr(VmmDevice) pci = make_device (f, "pci", "0000:00:02.0");
  g_autoptr(VmmDevice) block = make_device (f, "block", "a.img");
  g_autoptr(VmmDevice) console = make_device (f, "console", "serial1");
  g_autoptr(GListModel) plugged = NULL;
  g_autoptr(GError) error = NULL;

  bring_to (f, VMM_VM_STATE_RUNNING);

  g_assert_true (hotplug (f, net, &error));
  g_assert_true (hotplug (f, pci, &error));
  g_assert_true (hotplug (f, block, &error));
  g_assert_no_error (error);

  g_assert_false (hotplug (f, net_again, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (hotplug (f, console, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  /* ... and the capabilities say so. */
  g_assert_cmpuint (vmm_hypervisor_get_capabilities (f->hv) & VMM_CAPABILITIES_CONSOLE_HOTPLUG, ==, 0);

  /* Block devices first (slot order), then the others in plug order. */
  g_object_get (f->stub, "plugged-devices", &plugged, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (plugged), ==, 3);
  {
    g_autoptr(VmmDevice) d0 = g_list_model_get_item (plugged, 0);
    g_autoptr(VmmDevice) d1 = g_list_model_get_item (plugged, 1);
    g_autoptr(VmmDevice) d2 = g_list_model_get_item (plugged, 2);
    g_assert_true (d0 == block);
    g_assert_true (d1 == net);
    g_assert_true (d2 == pci);
  }
  g_clear_object (&plugged);

  g_assert_true (unplug (f, net_again, &error));
  g_assert_no_error (error);
  g_assert_false (unplug (f, net, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_object_get (f->stub, "plugged-devices", &plugged, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (plugged), ==, 2);
}

static void
test_cold_add_device (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(VmmDevice) block = make_device (f, "block", "cold.img");
  g_autoptr(VmmBlockDevice) invalid = vmm_block_device_new ("relative.img", FALSE);
  g_autoptr(GError) error = NULL;
  GPtrArray *devices;
  guint n_before;

  bring_to (f, VMM_VM_STATE_CREATED);
  devices = vmm_hypervisor_config_get_devices (vmm_hypervisor_get_config (f->hv));
  n_before = devices->len;

  g_assert_true (vmm_hypervisor_add_device (f->hv, block, &error));
  g_assert_no_error (error);
  devices = vmm_hypervisor_config_get_devices (vmm_hypervisor_get_config (f->hv));
  g_assert_cmpuint (devices->len, ==, n_before + 1);
  /* The caller's config is not touched. */
  g_assert_cmpuint (vmm_hypervisor_config_get_devices (f->config)->len, ==, n_before);

  /* An invalid device is an error, never skipped. */
  g_assert_false (vmm_hypervisor_add_device (f->hv, VMM_DEVICE (invalid), &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_clear_error (&error);
  devices = vmm_hypervisor_config_get_devices (vmm_hypervisor_get_config (f->hv));
  g_assert_cmpuint (devices->len, ==, n_before + 1);

  /* Cold devices do not use the hot-plug pool. */
  start_sync (f);
  assert_slots (f, "", "", "", NULL);

  /* Stopped VMs take cold devices too. */
  stop_sync (f);
  {
    g_autoptr(VmmDevice) net = make_device (f, "net", "tap3");

    g_assert_true (vmm_hypervisor_add_device (f->hv, net, &error));
    g_assert_no_error (error);
  }
}

static void
test_invalid_config (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(VmmHypervisorConfig) bad = vmm_hypervisor_config_copy (f->config);
  g_autoptr(GError) error = NULL;

  /* More vCPUs than max-vcpus. */
  g_object_set (bad, "vcpus", 8, NULL);
  g_assert_false (vmm_hypervisor_config_validate (bad, NULL));

  g_assert_false (vmm_hypervisor_create_vm (f->hv, bad, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_NOT_CREATED);
  g_assert_null (vmm_hypervisor_get_config (f->hv));
  g_assert_cmpuint (f->transitions->len, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Resizing */

static void
test_resize (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint old_vcpus = 0, new_vcpus = 0, memory = 0;
  g_autoptr(GArray) tids = NULL;

  bring_to (f, VMM_VM_STATE_RUNNING);

  g_assert_false (vmm_hypervisor_resize_memory (f->hv, 0, &memory, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (f->hv), ==, 512);

  g_assert_false (vmm_hypervisor_resize_vcpus (f->hv, 5, &old_vcpus, &new_vcpus, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "1..4"));
  g_assert_nonnull (strstr (error->message, "max-vcpus"));
  g_clear_error (&error);
  g_assert_false (vmm_hypervisor_resize_vcpus (f->hv, 0, NULL, NULL, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (vmm_hypervisor_resize_vcpus (f->hv, 1, &old_vcpus, &new_vcpus, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (old_vcpus, ==, 2);
  g_assert_cmpuint (new_vcpus, ==, 1);
  tids = vmm_hypervisor_get_thread_ids (f->hv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tids->len, ==, 1);

  g_assert_true (vmm_hypervisor_resize_memory (f->hv, 4096, &memory, NULL, &error));
  g_assert_cmpuint (memory, ==, 4096);
  g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (f->hv), ==, 4096);
}

/* ------------------------------------------------------------------ */
/* Queries */

static void
test_queries (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *console = NULL;
  g_autofree char *expected_console = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GArray) pids2 = NULL;
  g_autoptr(GArray) tids = NULL;
  GPid pid, fs_pid = 42;

  g_assert_true (vmm_hypervisor_probe (f->hv, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (vmm_hypervisor_is_rate_limiter_builtin (f->hv));
  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 0);
  g_clear_pointer (&pids, g_array_unref);

  bring_to (f, VMM_VM_STATE_CREATED);
  console = vmm_hypervisor_get_vm_console (f->hv, &error);
  g_assert_no_error (error);
  expected_console = g_build_filename (f->tmpdir, "test-vm", "console.sock", NULL);
  g_assert_cmpstr (console, ==, expected_console);
  /* Documented: the stub does not create it. */
  g_assert_false (g_file_test (console, G_FILE_TEST_EXISTS));

  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 0);
  g_clear_pointer (&pids, g_array_unref);

  start_sync (f);
  pids = vmm_hypervisor_get_pids (f->hv);
  pids2 = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 1);
  pid = g_array_index (pids, GPid, 0);
  /* Stable, and never a real process. */
  g_assert_cmpint (g_array_index (pids2, GPid, 0), ==, pid);
  g_assert_cmpint (pid, >, LINUX_PID_MAX_LIMIT);
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);

  tids = vmm_hypervisor_get_thread_ids (f->hv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tids->len, ==, 2);
  g_assert_cmpint (g_array_index (tids, int, 0), !=, g_array_index (tids, int, 1));
  for (guint i = 0; i < tids->len; i++)
    g_assert_cmpint (g_array_index (tids, int, i), >, LINUX_PID_MAX_LIMIT);

  g_assert_false (vmm_hypervisor_get_virtio_fs_pid (f->hv, &fs_pid));
  g_assert_false (vmm_hypervisor_get_virtio_fs_pid (f->hv, NULL));

  vmm_hypervisor_disconnect (f->hv);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_RUNNING);

  stop_sync (f);
  g_clear_pointer (&pids, g_array_unref);
  pids = vmm_hypervisor_get_pids (f->hv);
  g_assert_cmpuint (pids->len, ==, 0);
}

static void
test_generate_socket (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(VmmStubHypervisor) other = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
  g_autoptr(VmmStubHypervisor) third = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
  g_autoptr(VmmHypervisorConfig) other_config = NULL;
  g_autoptr(VmmHypervisorConfig) third_config = NULL;
  g_autoptr(VmmVsockDevice) mine = NULL;
  g_autoptr(VmmVsockDevice) again = NULL;
  g_autoptr(VmmVsockDevice) configured = NULL;
  g_autoptr(VmmVsockDevice) refused = NULL;
  g_autoptr(VmmVsockDevice) reused = NULL;
  g_autoptr(GError) error = NULL;
  guint32 cid;

  /* One CID per VM (as on ACRN): the configuration's if it names one... */
  other_config = make_config (f->tmpdir, 1, "{\"type\":\"vsock\",\"cid\":5}");
  g_assert_true (vmm_hypervisor_create_vm (VMM_HYPERVISOR (other), other_config, NULL, &error));
  g_assert_no_error (error);
  configured = vmm_hypervisor_generate_socket (VMM_HYPERVISOR (other), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vmm_vsock_device_get_cid (configured), ==, 5);
  g_assert_cmpuint (vmm_vsock_device_get_port (configured), ==, VMM_STUB_VSOCK_PORT);

  /* ... else the lowest free one, the same one when asked again. */
  bring_to (f, VMM_VM_STATE_RUNNING);
  mine = vmm_hypervisor_generate_socket (f->hv, &error);
  g_assert_no_error (error);
  cid = vmm_vsock_device_get_cid (mine);
  g_assert_cmpuint (cid, >=, VMM_VSOCK_CID_MIN);
  g_assert_cmpuint (cid, !=, 5);
  again = vmm_hypervisor_generate_socket (f->hv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vmm_vsock_device_get_cid (again), ==, cid);

  /* A CID another VM holds cannot be taken through the configuration. */
  third_config = make_config (f->tmpdir, 1, "{\"type\":\"vsock\",\"cid\":5}");
  g_assert_true (vmm_hypervisor_create_vm (VMM_HYPERVISOR (third), third_config, NULL, &error));
  g_assert_no_error (error);
  refused = vmm_hypervisor_generate_socket (VMM_HYPERVISOR (third), &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_assert_null (refused);
  g_clear_error (&error);

  /* The CID is given back when the VM stops, and can then be reused. */
  g_assert_true (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(VmmStubHypervisor) fourth = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
    g_autoptr(VmmHypervisorConfig) fourth_config = make_config (f->tmpdir, 1, NULL);
    g_autoptr(VmmVsockDevice) freed = NULL;

    g_assert_true (vmm_hypervisor_create_vm (VMM_HYPERVISOR (fourth), fourth_config, NULL, &error));
    g_assert_no_error (error);
    freed = vmm_hypervisor_generate_socket (VMM_HYPERVISOR (fourth), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (vmm_vsock_device_get_cid (freed), ==, cid);
    g_assert_true (vmm_hypervisor_cleanup (VMM_HYPERVISOR (fourth), NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_true (vmm_hypervisor_cleanup (VMM_HYPERVISOR (other), NULL, &error));
  g_assert_no_error (error);
  reused = vmm_hypervisor_generate_socket (VMM_HYPERVISOR (third), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vmm_vsock_device_get_cid (reused), ==, 5);
  g_assert_true (vmm_hypervisor_cleanup (VMM_HYPERVISOR (third), NULL, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* save_state / load_state */

static void
test_state_round_trip (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(VmmDevice) block = make_device (f, "block", "a.img");
  g_autoptr(VmmDevice) block2 = make_device (f, "block", "b.img");
  g_autoptr(VmmDevice) net = make_device (f, "net", "tap9");
  g_autoptr(VmmVsockDevice) vsock = NULL;
  g_autoptr(VmmStubHypervisor) second = NULL;
  g_autoptr(VmmStubHypervisor) third = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *resaved = NULL;
  g_autoptr(GArray) pids_a = NULL;
  g_autoptr(GArray) pids_b = NULL;
  g_auto(GStrv) slots_a = NULL;
  g_auto(GStrv) slots_b = NULL;
  VmmHypervisor *hv2;

  bring_to (f, VMM_VM_STATE_RUNNING);
  g_assert_true (hotplug (f, block, &error));
  g_assert_true (hotplug (f, block2, &error));
  g_assert_true (unplug (f, block, &error));   /* leaves a hole in slot 0 */
  g_assert_true (hotplug (f, net, &error));
  g_assert_true (vmm_hypervisor_resize_memory (f->hv, 1536, NULL, NULL, &error));
  g_assert_no_error (error);
  vsock = vmm_hypervisor_generate_socket (f->hv, &error);
  g_assert_no_error (error);

  saved = vmm_hypervisor_save_state (f->hv, &error);
  g_assert_no_error (error);
  g_assert_nonnull (saved);

  second = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
  hv2 = VMM_HYPERVISOR (second);
  g_assert_true (vmm_hypervisor_load_state (hv2, saved, &error));
  g_assert_no_error (error);

  g_assert_cmpint (vmm_hypervisor_get_state (hv2), ==, VMM_VM_STATE_RUNNING);
  g_assert_true (vmm_hypervisor_config_equal (vmm_hypervisor_get_config (hv2),
                                              vmm_hypervisor_get_config (f->hv)));
  g_assert_cmpuint (vmm_hypervisor_get_total_memory_mib (hv2), ==, 1536);
  g_object_get (f->stub, "block-slots", &slots_a, NULL);
  g_object_get (second, "block-slots", &slots_b, NULL);
  g_assert_true (g_strv_equal ((const char * const *) slots_a, (const char * const *) slots_b));
  g_assert_cmpstr (slots_b[0], ==, "");
  pids_a = vmm_hypervisor_get_pids (f->hv);
  pids_b = vmm_hypervisor_get_pids (hv2);
  g_assert_cmpuint (pids_b->len, ==, 1);
  g_assert_cmpint (g_array_index (pids_a, GPid, 0), ==, g_array_index (pids_b, GPid, 0));

  /* Everything survived: saving again gives the same document. */
  resaved = vmm_hypervisor_save_state (hv2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (resaved, ==, saved);

  /* The second instance drives the VM: the net device is plugged there. */
  g_assert_true (vmm_hypervisor_hotplug_remove_device (hv2, net, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (vmm_hypervisor_stop_vm (hv2, VMM_STOP_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (hv2), ==, VMM_VM_STATE_STOPPED);

  /* Once nobody runs the VM's process, the document is stale. */
  stop_sync (f);
  third = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
  g_assert_false (vmm_hypervisor_load_state (VMM_HYPERVISOR (third), saved, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE);
  g_assert_cmpint (vmm_hypervisor_get_state (VMM_HYPERVISOR (third)), ==, VMM_VM_STATE_NOT_CREATED);
}

static void
test_state_created (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(VmmStubHypervisor) second = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(GArray) pids = NULL;

  bring_to (f, VMM_VM_STATE_CREATED);
  saved = vmm_hypervisor_save_state (f->hv, &error);
  g_assert_no_error (error);

  g_assert_true (vmm_hypervisor_load_state (VMM_HYPERVISOR (second), saved, &error));
  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (VMM_HYPERVISOR (second)), ==, VMM_VM_STATE_CREATED);
  pids = vmm_hypervisor_get_pids (VMM_HYPERVISOR (second));
  g_assert_cmpuint (pids->len, ==, 0);

  /* It can be started from there. */
  g_assert_true (vmm_hypervisor_start_vm (VMM_HYPERVISOR (second), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (vmm_hypervisor_stop_vm (VMM_HYPERVISOR (second), 0, NULL, &error));
  g_assert_no_error (error);
}

static void
test_state_invalid (Fixture       *f,
                    gconstpointer  data)
{
  static const struct { const char *edit_from; const char *edit_to; const char *needle; } edits[] = {
    { "\"backend\" : \"stub\"", "\"backend\" : \"acrn\"", "backend" },
    { "\"vcpus\" : 2", "\"vcpus\" : \"two\"", "vcpus" },
    { "\"vcpus\" : 2", "\"vcpus\" : 2, \"colour\" : 1", "colour" },
    { "\"state\" : \"running\"", "\"state\" : \"flying\"", "flying" },
    { "\"format\" : 1", "\"format\" : 7", "format" },
    { "\"block-slots\" : [", "\"block-slots\" : [null,", "block-slots" },
    { "\"save-count\" : 0,", "", "save-count" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;

  bring_to (f, VMM_VM_STATE_RUNNING);
  saved = vmm_hypervisor_save_state (f->hv, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr(VmmStubHypervisor) other = new_stub (f, VMM_STUB_CAPABILITIES);
      g_autoptr(GString) text = g_string_new (saved);

      g_assert_nonnull (strstr (saved, edits[i].edit_from));
      g_string_replace (text, edits[i].edit_from, edits[i].edit_to, 1);
      g_assert_false (vmm_hypervisor_load_state (VMM_HYPERVISOR (other), text->str, &error));
      g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, edits[i].needle) == NULL)
        g_error ("\"%s\" does not name %s", error->message, edits[i].needle);
      g_clear_error (&error);
      g_assert_cmpint (vmm_hypervisor_get_state (VMM_HYPERVISOR (other)), ==, VMM_VM_STATE_NOT_CREATED);
      g_assert_null (vmm_hypervisor_get_config (VMM_HYPERVISOR (other)));
    }

  {
    g_autoptr(VmmStubHypervisor) other = new_stub (f, VMM_STUB_CAPABILITIES);

    g_assert_false (vmm_hypervisor_load_state (VMM_HYPERVISOR (other), "{\"backend\": ", &error));
    g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_assert_cmpuint (f->transitions->len, ==, 0);
}

/* ------------------------------------------------------------------ */
/* add_device and generate_socket, asynchronously */

static void
test_cold_ops_async (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(VmmDevice) block = make_device (f, "block", "cold.img");
  g_autoptr(VmmDevice) other = make_device (f, "block", "other.img");
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(VmmVsockDevice) vsock = NULL;
  g_autoptr(GError) error = NULL;
  guint n_before;

  bring_to (f, VMM_VM_STATE_CREATED);
  n_before = vmm_hypervisor_config_get_devices (vmm_hypervisor_get_config (f->hv))->len;

  vmm_hypervisor_add_device_async (f->hv, block, NULL, store_result_cb, &result);
  wait_for (&result);
  g_assert_true (vmm_hypervisor_add_device_finish (f->hv, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (vmm_hypervisor_config_get_devices (vmm_hypervisor_get_config (f->hv))->len, ==,
                    n_before + 1);

  /* Cancelled before it began: nothing is added. */
  g_cancellable_cancel (cancelled);
  vmm_hypervisor_add_device_async (f->hv, other, cancelled, store_result_cb, &result);
  wait_for (&result);
  g_assert_false (vmm_hypervisor_add_device_finish (f->hv, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpuint (vmm_hypervisor_config_get_devices (vmm_hypervisor_get_config (f->hv))->len, ==,
                    n_before + 1);

  vmm_hypervisor_generate_socket_async (f->hv, NULL, store_result_cb, &result);
  wait_for (&result);
  vsock = vmm_hypervisor_generate_socket_finish (f->hv, result, &error);
  g_assert_no_error (error);
  g_assert_true (VMM_IS_VSOCK_DEVICE (vsock));
  g_assert_cmpuint (vmm_vsock_device_get_cid (vsock), >=, VMM_VSOCK_CID_MIN);
  g_assert_cmpuint (vmm_vsock_device_get_port (vsock), ==, VMM_STUB_VSOCK_PORT);
  g_clear_object (&result);

  vmm_hypervisor_generate_socket_async (f->hv, cancelled, store_result_cb, &result);
  wait_for (&result);
  g_assert_null (vmm_hypervisor_generate_socket_finish (f->hv, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_CREATED);
  g_assert_cmpuint (f->transitions->len, ==, 0);
}

/* A backend that implements add_device and generate_socket only in their
 * asynchronous form, completing from an idle source as one that waits on
 * a lock or the disk would. */

#define TEST_TYPE_ASYNC_BACKEND (test_async_backend_get_type ())
G_DECLARE_FINAL_TYPE (TestAsyncBackend, test_async_backend, TEST, ASYNC_BACKEND, VmmHypervisorBase)

struct _TestAsyncBackend
{
  VmmHypervisorBase parent_instance;
  guint             n_added;
};

static void test_async_backend_iface_init (VmmHypervisorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestAsyncBackend, test_async_backend, VMM_TYPE_HYPERVISOR_BASE,
                               G_IMPLEMENT_INTERFACE (VMM_TYPE_HYPERVISOR,
                                                      test_async_backend_iface_init))

static VmmCapabilities
async_backend_get_capabilities (VmmHypervisor *hv)
{
  return VMM_CAPABILITIES_BLOCK_DEVICE | VMM_CAPABILITIES_VSOCK;
}

static gboolean
async_backend_add_done (gpointer user_data)
{
  GTask *task = user_data;

  TEST_ASYNC_BACKEND (g_task_get_source_object (task))->n_added++;
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
async_backend_add_device_async (VmmHypervisor       *hv,
                                VmmDevice           *device,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (hv, cancellable, callback, user_data);
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_task_attach_source (task, idle, async_backend_add_done);
}

static gboolean
async_backend_add_device_finish (VmmHypervisor  *hv,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
async_backend_socket_done (gpointer user_data)
{
  g_task_return_pointer (user_data, vmm_vsock_device_new (42, 1024), g_object_unref);
  return G_SOURCE_REMOVE;
}

static void
async_backend_generate_socket_async (VmmHypervisor       *hv,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (hv, cancellable, callback, user_data);
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_task_attach_source (task, idle, async_backend_socket_done);
}

static VmmVsockDevice *
async_backend_generate_socket_finish (VmmHypervisor  *hv,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_async_backend_iface_init (VmmHypervisorInterface *iface)
{
  iface->get_capabilities = async_backend_get_capabilities;
  iface->add_device_async = async_backend_add_device_async;
  iface->add_device_finish = async_backend_add_device_finish;
  iface->generate_socket_async = async_backend_generate_socket_async;
  iface->generate_socket_finish = async_backend_generate_socket_finish;
}

static void
test_async_backend_class_init (TestAsyncBackendClass *klass)
{
}

static void
test_async_backend_init (TestAsyncBackend *self)
{
}

static void
test_async_only_backend (void)
{
  g_autoptr(TestAsyncBackend) backend = g_object_new (TEST_TYPE_ASYNC_BACKEND, NULL);
  VmmHypervisor *hv = VMM_HYPERVISOR (backend);
  g_autoptr(VmmBlockDevice) disk = vmm_block_device_new ("/d.img", FALSE);
  g_autoptr(VmmVsockDevice) vsock = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  vmm_hypervisor_base_set_state (VMM_HYPERVISOR_BASE (backend), VMM_VM_STATE_CREATED);

  /* The synchronous forms run the backend's asynchronous methods. */
  g_assert_true (vmm_hypervisor_add_device (hv, VMM_DEVICE (disk), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (backend->n_added, ==, 1);
  vsock = vmm_hypervisor_generate_socket (hv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vmm_vsock_device_get_cid (vsock), ==, 42);

  /* The asynchronous forms return before the backend is done. */
  vmm_hypervisor_add_device_async (hv, VMM_DEVICE (disk), NULL, store_result_cb, &result);
  g_assert_cmpuint (backend->n_added, ==, 1);
  wait_for (&result);
  g_assert_true (vmm_hypervisor_add_device_finish (hv, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (backend->n_added, ==, 2);
}

/* A programming error in a synchronous call is a critical warning and a
 * failed call, never a wait for a callback that cannot come. */
static void
test_sync_bad_arguments (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("Vmm", G_LOG_LEVEL_CRITICAL, "*VMM_IS_HYPERVISOR_CONFIG (config)*");
  g_assert_false (vmm_hypervisor_create_vm (f->hv, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  bring_to (f, VMM_VM_STATE_RUNNING);
  g_test_expect_message ("Vmm", G_LOG_LEVEL_CRITICAL, "*VMM_IS_DEVICE (device)*");
  g_assert_false (vmm_hypervisor_hotplug_add_device (f->hv, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Vmm", G_LOG_LEVEL_CRITICAL, "*VMM_IS_DEVICE (device)*");
  g_assert_false (vmm_hypervisor_hotplug_remove_device (f->hv, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  g_assert_no_error (error);
  g_assert_cmpint (vmm_hypervisor_get_state (f->hv), ==, VMM_VM_STATE_RUNNING);
  g_assert_cmpuint (f->transitions->len, ==, 0);
}

/* The plugin */

static void
test_plugin (void)
{
  g_autoptr(VmmPlugin) plugin = vmm_stub_plugin_new (NULL);
  g_autoptr(VmmPlugin) again = vmm_stub_plugin_new (NULL);
  g_autoptr(VmmHypervisor) hv = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, "stub");
  g_assert_cmpint (vmm_plugin_get_priority (plugin), ==, 0);
  g_assert_nonnull (vmm_plugin_get_description (plugin));
  g_assert_true (vmm_plugin_get_hypervisor_type (plugin) == VMM_TYPE_STUB_HYPERVISOR);
  g_assert_true (vmm_plugin_get_hypervisor_type (again) == VMM_TYPE_STUB_HYPERVISOR);
  g_assert_true (G_TYPE_IS_FINAL (VMM_TYPE_STUB_HYPERVISOR));

  hv = vmm_plugin_create_hypervisor (plugin);
  g_assert_true (VMM_IS_STUB_HYPERVISOR (hv));
  g_assert_true (vmm_plugin_probe (plugin, NULL, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/hypervisor/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("lifecycle/sync", test_lifecycle_sync, NULL);
  ADD ("lifecycle/async", test_lifecycle_async, NULL);
  ADD ("illegal-transitions/sync", test_illegal_transitions, GINT_TO_POINTER (FALSE));
  ADD ("illegal-transitions/async", test_illegal_transitions, GINT_TO_POINTER (TRUE));
  ADD ("not-supported", test_not_supported, NULL);
  ADD ("capabilities-property", test_capabilities_property, NULL);
  ADD ("fail-next/sync", test_fail_next, GINT_TO_POINTER (FALSE));
  ADD ("fail-next/async", test_fail_next, GINT_TO_POINTER (TRUE));
  ADD ("fail-next/start", test_fail_next_start, NULL);
  ADD ("fail-next/probe-load-replace", test_fail_next_probe_and_load, NULL);
  ADD ("fail-next/unknown", test_fail_next_unknown, NULL);
  ADD ("start/delay", test_start_delay, NULL);
  ADD ("start/cancel-from-created", test_start_cancel, GINT_TO_POINTER (VMM_VM_STATE_CREATED));
  ADD ("start/cancel-from-stopped", test_start_cancel, GINT_TO_POINTER (VMM_VM_STATE_STOPPED));
  ADD ("start/cancel-from-crashed", test_start_cancel, GINT_TO_POINTER (VMM_VM_STATE_CRASHED));
  ADD ("start/stop-while-starting", test_stop_while_starting, NULL);
  ADD ("devices/pool", test_pool, NULL);
  ADD ("devices/pool-empty", test_pool_empty, NULL);
  ADD ("devices/other-hotplug", test_other_hotplug, NULL);
  ADD ("devices/cold", test_cold_add_device, NULL);
  ADD ("create/invalid-config", test_invalid_config, NULL);
  ADD ("resize", test_resize, NULL);
  ADD ("queries", test_queries, NULL);
  ADD ("generate-socket", test_generate_socket, NULL);
  ADD ("cold-ops/async", test_cold_ops_async, NULL);
  ADD ("sync/bad-arguments", test_sync_bad_arguments, NULL);
  g_test_add_func ("/hypervisor/cold-ops/async-only-backend", test_async_only_backend);
  ADD ("state/round-trip", test_state_round_trip, NULL);
  ADD ("state/created", test_state_created, NULL);
  ADD ("state/invalid", test_state_invalid, NULL);
  g_test_add_func ("/hypervisor/plugin", test_plugin);

  return g_test_run ();
}
