/* test-signals.c: state-changed and notify::state, against the stub
 *
 * Every transition is announced exactly once, in order, in the main context
 * (and thread) that created the hypervisor, with notify::state alongside.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "vmm-stub-hypervisor.h"

typedef struct
{
  char                *tmpdir;
  GMainContext        *context;     /* thread-default while the stub is created */
  GThread             *thread;
  VmmHypervisorConfig *config;
  VmmStubHypervisor   *stub;
  VmmHypervisor       *hv;

  GArray              *transitions; /* pairs of VmmVmState */
  guint                n_notify;
  GArray              *notified;    /* state read in each notify::state */
  int                  exit_status_seen;
  gboolean             check_context_owner;
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

static void
state_changed_cb (VmmHypervisor *hv,
                  VmmVmState     old_state,
                  VmmVmState     new_state,
                  gpointer       user_data)
{
  Fixture *f = user_data;

  /* In the creating thread, and from its context when another thread made
   * the transition. */
  g_assert_true (g_thread_self () == f->thread);
  if (f->check_context_owner)
    g_assert_true (g_main_context_is_owner (f->context));

  if (new_state == VMM_VM_STATE_CRASHED || new_state == VMM_VM_STATE_STOPPED)
    f->exit_status_seen = vmm_hypervisor_get_exit_status (hv);

  g_array_append_val (f->transitions, old_state);
  g_array_append_val (f->transitions, new_state);
}

static void
notify_state_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  Fixture *f = user_data;
  VmmVmState state;

  g_assert_true (g_thread_self () == f->thread);
  g_assert_cmpstr (pspec->name, ==, "state");
  g_object_get (object, "state", &state, NULL);
  f->n_notify++;
  g_array_append_val (f->notified, state);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kernel = NULL;
  g_autofree char *image = NULL;
  g_autofree char *json = NULL;

  f->tmpdir = g_dir_make_tmp ("test-signals-XXXXXX", &error);
  g_assert_no_error (error);
  kernel = write_file (f->tmpdir, "vmlinuz");
  image = write_file (f->tmpdir, "disk.img");
  json = g_strdup_printf ("{\"id\":\"sig-vm\",\"kernel\":\"%s\",\"image\":\"%s\","
                          "\"memory-mib\":256,\"vcpus\":1,\"max-vcpus\":2,"
                          "\"store-dir\":\"%s\",\"block-pool-size\":2}",
                          kernel, image, f->tmpdir);
  f->config = vmm_hypervisor_config_new_from_json (json, -1, &error);
  g_assert_no_error (error);

  /* A context of our own, so that "the creating context" is not simply the
   * global default one. */
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->thread = g_thread_self ();

  f->transitions = g_array_new (FALSE, FALSE, sizeof (VmmVmState));
  f->notified = g_array_new (FALSE, FALSE, sizeof (VmmVmState));
  f->exit_status_seen = G_MININT;

  f->stub = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
  f->hv = VMM_HYPERVISOR (f->stub);
  g_assert_true (vmm_hypervisor_base_get_main_context (VMM_HYPERVISOR_BASE (f->stub)) == f->context);
  g_signal_connect (f->stub, "state-changed", G_CALLBACK (state_changed_cb), f);
  g_signal_connect (f->stub, "notify::state", G_CALLBACK (notify_state_cb), f);
}

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
  /* Nothing may be left to announce. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_assert_cmpuint (f->transitions->len, ==, 0);

  g_assert_finalize_object (f->stub);
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
  g_clear_object (&f->config);
  g_array_unref (f->transitions);
  g_array_unref (f->notified);
  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

/* Asserts the transitions recorded so far, given as a -1-terminated chain
 * of states (s0, s1, s2: s0 -> s1, then s1 -> s2), and that notify::state
 * came once for each. With @exact_notify, each notify also saw the new
 * state (true when the transitions were made in the creating thread). */
static void
assert_chain_full (Fixture  *f,
                   gboolean  exact_notify,
                   va_list   args)
{
  g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (VmmVmState));
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GString) want = g_string_new (NULL);
  int s;
  int prev = -1;

  while ((s = va_arg (args, int)) >= 0)
    {
      if (prev >= 0)
        {
          VmmVmState a = prev, b = s;

          g_array_append_val (expected, a);
          g_array_append_val (expected, b);
        }
      prev = s;
    }

  for (guint i = 0; i + 1 < f->transitions->len; i += 2)
    g_string_append_printf (got, " %s->%s",
                            vmm_vm_state_to_string (g_array_index (f->transitions, VmmVmState, i)),
                            vmm_vm_state_to_string (g_array_index (f->transitions, VmmVmState, i + 1)));
  for (guint i = 0; i + 1 < expected->len; i += 2)
    g_string_append_printf (want, " %s->%s",
                            vmm_vm_state_to_string (g_array_index (expected, VmmVmState, i)),
                            vmm_vm_state_to_string (g_array_index (expected, VmmVmState, i + 1)));
  g_assert_cmpstr (got->str, ==, want->str);

  g_assert_cmpuint (f->n_notify, ==, expected->len / 2);
  if (exact_notify)
    for (guint i = 0; i < f->notified->len; i++)
      g_assert_cmpint (g_array_index (f->notified, VmmVmState, i), ==,
                       g_array_index (expected, VmmVmState, 2 * i + 1));

  g_array_set_size (f->transitions, 0);
  g_array_set_size (f->notified, 0);
  f->n_notify = 0;
}

static void
assert_chain (Fixture *f,
              ...)
{
  va_list args;

  va_start (args, f);
  assert_chain_full (f, TRUE, args);
  va_end (args);
}

static void
assert_chain_loose_notify (Fixture *f,
                           ...)
{
  va_list args;

  va_start (args, f);
  assert_chain_full (f, FALSE, args);
  va_end (args);
}

static void
assert_nothing (Fixture *f)
{
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_assert_cmpuint (f->transitions->len, ==, 0);
  g_assert_cmpuint (f->n_notify, ==, 0);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
wait_for (GMainContext  *context,
          GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
}

/* Takes the address of the error: the call in the first argument sets it,
 * and argument evaluation order is unspecified. */
static void
ok (gboolean   result,
    GError   **error)
{
  g_assert_no_error (*error);
  g_assert_true (result);
}

/* ------------------------------------------------------------------ */

static void
test_create_start_stop_sync (Fixture       *f,
                             gconstpointer  data)
{
  GError *error = NULL;

  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, -1);

  ok (vmm_hypervisor_start_vm (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING, -1);

  ok (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_RUNNING, VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED, -1);
  g_assert_cmpint (f->exit_status_seen, ==, 0);

  /* A stop that has nothing to do announces nothing. */
  ok (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error), &error);
  assert_nothing (f);

  ok (vmm_hypervisor_start_vm (f->hv, NULL, &error), &error);
  ok (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_WAIT_ONLY, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_STOPPED, VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING,
                VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED, -1);
}

static void
test_create_start_stop_async (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GAsyncResult) create = NULL;
  g_autoptr(GAsyncResult) start = NULL;
  g_autoptr(GAsyncResult) stop = NULL;
  GError *error = NULL;

  g_object_set (f->stub, "start-delay-ms", 5u, NULL);

  vmm_hypervisor_create_vm_async (f->hv, f->config, NULL, store_result_cb, &create);
  wait_for (f->context, &create);
  ok (vmm_hypervisor_create_vm_finish (f->hv, create, &error), &error);

  vmm_hypervisor_start_vm_async (f->hv, NULL, store_result_cb, &start);
  /* STARTING is announced at once, RUNNING only when the start completes. */
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING, -1);
  wait_for (f->context, &start);
  ok (vmm_hypervisor_start_vm_finish (f->hv, start, &error), &error);
  assert_chain (f, VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING, -1);

  vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, store_result_cb, &stop);
  assert_chain (f, VMM_VM_STATE_RUNNING, VMM_VM_STATE_STOPPING, -1);
  wait_for (f->context, &stop);
  ok (vmm_hypervisor_stop_vm_finish (f->hv, stop, &error), &error);
  assert_chain (f, VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED, -1);
}

static void
test_failed_start (Fixture       *f,
                   gconstpointer  data)
{
  GError *error = NULL;

  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, -1);

  g_signal_emit_by_name (f->stub, "fail-next", "start_vm", VMM_ERROR_SPAWN_FAILED, "boom");
  g_assert_false (vmm_hypervisor_start_vm (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_SPAWN_FAILED);
  g_clear_error (&error);
  assert_chain (f, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING, VMM_VM_STATE_CREATED, -1);

  /* A failed create announces nothing. */
  ok (vmm_hypervisor_cleanup (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_CREATED, VMM_VM_STATE_NOT_CREATED, -1);
  g_signal_emit_by_name (f->stub, "fail-next", "create_vm", VMM_ERROR_NO_RESOURCES, "no CPU");
  g_assert_false (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_clear_error (&error);
  assert_nothing (f);
}

static void
test_cancelled_start (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) start = NULL;
  GError *error = NULL;

  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  g_object_set (f->stub, "start-delay-ms", 3600 * 1000u, NULL);
  vmm_hypervisor_start_vm_async (f->hv, cancellable, store_result_cb, &start);
  g_cancellable_cancel (cancellable);
  wait_for (f->context, &start);
  g_assert_false (vmm_hypervisor_start_vm_finish (f->hv, start, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING,
                VMM_VM_STATE_CREATED, -1);
}

static void
test_stop_while_starting (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GAsyncResult) start = NULL;
  g_autoptr(GAsyncResult) stop = NULL;
  GError *error = NULL;

  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  g_object_set (f->stub, "start-delay-ms", 3600 * 1000u, NULL);
  vmm_hypervisor_start_vm_async (f->hv, NULL, store_result_cb, &start);
  vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, store_result_cb, &stop);
  wait_for (f->context, &start);
  wait_for (f->context, &stop);
  g_assert_false (vmm_hypervisor_start_vm_finish (f->hv, start, &error));
  g_clear_error (&error);
  ok (vmm_hypervisor_stop_vm_finish (f->hv, stop, &error), &error);
  /* Never running, never back to created. */
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING,
                VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED, -1);
}

static void
test_crash (Fixture       *f,
            gconstpointer  data)
{
  GError *error = NULL;
  gboolean crashed = FALSE;

  /* Nothing to crash yet. */
  g_signal_emit_by_name (f->stub, "simulate-crash", 9, &crashed);
  g_assert_false (crashed);
  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  g_signal_emit_by_name (f->stub, "simulate-crash", 9, &crashed);
  g_assert_false (crashed);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, -1);

  ok (vmm_hypervisor_start_vm (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING, -1);

  g_signal_emit_by_name (f->stub, "simulate-crash", 9, &crashed);
  g_assert_true (crashed);
  assert_chain (f, VMM_VM_STATE_RUNNING, VMM_VM_STATE_CRASHED, -1);
  /* The exit status was already set when the signal came. */
  g_assert_cmpint (f->exit_status_seen, ==, 9);
  g_assert_cmpint (vmm_hypervisor_get_exit_status (f->hv), ==, 9);

  /* Crashing again does nothing. */
  g_signal_emit_by_name (f->stub, "simulate-crash", 11, &crashed);
  g_assert_false (crashed);
  assert_nothing (f);
  g_assert_cmpint (vmm_hypervisor_get_exit_status (f->hv), ==, 9);

  /* Restart after a crash, crash while paused. */
  ok (vmm_hypervisor_start_vm (f->hv, NULL, &error), &error);
  g_assert_cmpint (vmm_hypervisor_get_exit_status (f->hv), ==, -1);
  ok (vmm_hypervisor_pause_vm (f->hv, NULL, &error), &error);
  g_assert_true (vmm_stub_hypervisor_simulate_crash (f->stub, 256));
  assert_chain (f, VMM_VM_STATE_CRASHED, VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING,
                VMM_VM_STATE_PAUSED, VMM_VM_STATE_CRASHED, -1);
  g_assert_cmpint (f->exit_status_seen, ==, 256);

  ok (vmm_hypervisor_cleanup (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_CRASHED, VMM_VM_STATE_NOT_CREATED, -1);
}

static void
test_pause_resume (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GAsyncResult) pause = NULL;
  g_autoptr(GAsyncResult) resume = NULL;
  GError *error = NULL;

  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  ok (vmm_hypervisor_start_vm (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING,
                VMM_VM_STATE_RUNNING, -1);

  ok (vmm_hypervisor_pause_vm (f->hv, NULL, &error), &error);
  ok (vmm_hypervisor_save_vm (f->hv, NULL, &error), &error);
  ok (vmm_hypervisor_resume_vm (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_RUNNING, VMM_VM_STATE_PAUSED, VMM_VM_STATE_RUNNING, -1);

  vmm_hypervisor_pause_vm_async (f->hv, NULL, store_result_cb, &pause);
  wait_for (f->context, &pause);
  ok (vmm_hypervisor_pause_vm_finish (f->hv, pause, &error), &error);
  vmm_hypervisor_resume_vm_async (f->hv, NULL, store_result_cb, &resume);
  wait_for (f->context, &resume);
  ok (vmm_hypervisor_resume_vm_finish (f->hv, resume, &error), &error);
  assert_chain (f, VMM_VM_STATE_RUNNING, VMM_VM_STATE_PAUSED, VMM_VM_STATE_RUNNING, -1);

  /* Failed and refused operations announce nothing. */
  g_signal_emit_by_name (f->stub, "fail-next", "pause_vm", VMM_ERROR_FAILED, "no");
  g_assert_false (vmm_hypervisor_pause_vm (f->hv, NULL, &error));
  g_clear_error (&error);
  g_assert_false (vmm_hypervisor_resume_vm (f->hv, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_signal_emit_by_name (f->stub, "fail-next", "stop_vm", VMM_ERROR_FAILED, "no");
  g_assert_false (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error));
  g_clear_error (&error);
  ok (vmm_hypervisor_check (f->hv, NULL, &error), &error);
  assert_nothing (f);

  ok (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_RUNNING, VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED, -1);
}

static void
test_cleanup (Fixture       *f,
              gconstpointer  data)
{
  GError *error = NULL;

  /* Nothing to clean up: no announcement. */
  ok (vmm_hypervisor_cleanup (f->hv, NULL, &error), &error);
  assert_nothing (f);

  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  ok (vmm_hypervisor_cleanup (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, VMM_VM_STATE_NOT_CREATED, -1);

  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  ok (vmm_hypervisor_start_vm (f->hv, NULL, &error), &error);
  ok (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error), &error);
  ok (vmm_hypervisor_cleanup (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING,
                VMM_VM_STATE_RUNNING, VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED,
                VMM_VM_STATE_NOT_CREATED, -1);
}

static void
test_load_state (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(VmmStubHypervisor) origin = vmm_stub_hypervisor_new (VMM_STUB_CAPABILITIES);
  g_autofree char *saved = NULL;
  GError *error = NULL;

  ok (vmm_hypervisor_create_vm (VMM_HYPERVISOR (origin), f->config, NULL, &error), &error);
  ok (vmm_hypervisor_start_vm (VMM_HYPERVISOR (origin), NULL, &error), &error);
  ok (vmm_hypervisor_pause_vm (VMM_HYPERVISOR (origin), NULL, &error), &error);
  saved = vmm_hypervisor_save_state (VMM_HYPERVISOR (origin), &error);
  g_assert_no_error (error);
  assert_nothing (f);

  /* Taking over is one transition, straight to the saved state. */
  ok (vmm_hypervisor_load_state (f->hv, saved, &error), &error);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_PAUSED, -1);

  ok (vmm_hypervisor_resume_vm (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_PAUSED, VMM_VM_STATE_RUNNING, -1);
}

/* ------------------------------------------------------------------ */
/* Transitions made in another thread */

typedef struct
{
  Fixture  *f;
  gboolean  use_async;
  gboolean  callbacks_in_worker;
  gint      done;
} Worker;

static GThread *main_thread;

static void
worker_result_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GAsyncResult **out = user_data;

  /* The operation's callback runs in the worker, not where signals go. */
  g_assert_true (g_thread_self () != main_thread);

  *out = g_object_ref (result);
}

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  Fixture *f = w->f;
  GError *error = NULL;

  if (!w->use_async)
    {
      /* The sync forms: each runs in a private context of this thread. */
      ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
      ok (vmm_hypervisor_start_vm (f->hv, NULL, &error), &error);
      ok (vmm_hypervisor_pause_vm (f->hv, NULL, &error), &error);
      ok (vmm_hypervisor_resume_vm (f->hv, NULL, &error), &error);
      ok (vmm_hypervisor_stop_vm (f->hv, VMM_STOP_FLAGS_NONE, NULL, &error), &error);
      ok (vmm_hypervisor_cleanup (f->hv, NULL, &error), &error);
    }
  else
    {
      /* The async forms, with their callbacks in this thread's context. */
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GAsyncResult) create = NULL;
      g_autoptr(GAsyncResult) start = NULL;
      g_autoptr(GAsyncResult) stop = NULL;

      g_main_context_push_thread_default (context);

      vmm_hypervisor_create_vm_async (f->hv, f->config, NULL, worker_result_cb, &create);
      wait_for (context, &create);
      ok (vmm_hypervisor_create_vm_finish (f->hv, create, &error), &error);

      vmm_hypervisor_start_vm_async (f->hv, NULL, worker_result_cb, &start);
      wait_for (context, &start);
      ok (vmm_hypervisor_start_vm_finish (f->hv, start, &error), &error);

      vmm_hypervisor_stop_vm_async (f->hv, VMM_STOP_FLAGS_NONE, NULL, worker_result_cb, &stop);
      wait_for (context, &stop);
      ok (vmm_hypervisor_stop_vm_finish (f->hv, stop, &error), &error);

      g_main_context_pop_thread_default (context);
      w->callbacks_in_worker = TRUE;
    }

  g_atomic_int_set (&w->done, 1);
  g_main_context_wakeup (f->context);
  return NULL;
}

static void
test_other_thread (Fixture       *f,
                   gconstpointer  data)
{
  Worker w = { f, GPOINTER_TO_INT (data), FALSE, 0 };
  GThread *thread;
  guint expected = w.use_async ? 5 : 8;

  f->check_context_owner = TRUE;
  thread = g_thread_new ("vmm-worker", worker_thread, &w);

  /* The transitions arrive here, from our context, while the worker runs. */
  while (!g_atomic_int_get (&w.done) || f->transitions->len < 2 * expected)
    g_main_context_iteration (f->context, TRUE);
  g_thread_join (thread);

  if (w.use_async)
    {
      g_assert_true (w.callbacks_in_worker);
      assert_chain_loose_notify (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED,
                                 VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING,
                                 VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED, -1);
    }
  else
    assert_chain_loose_notify (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED,
                               VMM_VM_STATE_STARTING, VMM_VM_STATE_RUNNING,
                               VMM_VM_STATE_PAUSED, VMM_VM_STATE_RUNNING,
                               VMM_VM_STATE_STOPPING, VMM_VM_STATE_STOPPED,
                               VMM_VM_STATE_NOT_CREATED, -1);

  /* Nothing more comes. */
  f->check_context_owner = FALSE;
  assert_nothing (f);
}

static gpointer
crash_thread (gpointer data)
{
  g_assert_true (vmm_stub_hypervisor_simulate_crash (data, 9));
  return NULL;
}

static void
test_crash_from_other_thread (Fixture       *f,
                              gconstpointer  data)
{
  GError *error = NULL;
  GThread *thread;

  ok (vmm_hypervisor_create_vm (f->hv, f->config, NULL, &error), &error);
  ok (vmm_hypervisor_start_vm (f->hv, NULL, &error), &error);
  assert_chain (f, VMM_VM_STATE_NOT_CREATED, VMM_VM_STATE_CREATED, VMM_VM_STATE_STARTING,
                VMM_VM_STATE_RUNNING, -1);

  /* A crash noticed in another thread is announced here, once. */
  f->check_context_owner = TRUE;
  thread = g_thread_new ("vmm-crasher", crash_thread, f->stub);
  g_thread_join (thread);
  g_assert_cmpuint (f->transitions->len, ==, 0);
  while (f->transitions->len < 2)
    g_main_context_iteration (f->context, TRUE);
  assert_chain (f, VMM_VM_STATE_RUNNING, VMM_VM_STATE_CRASHED, -1);
  g_assert_cmpint (f->exit_status_seen, ==, 9);
  f->check_context_owner = FALSE;
  assert_nothing (f);
}

/* Transitions made at the same time by the creating thread and another
 * one: however they interleave, what is announced is one unbroken chain
 * (each transition starts where the previous one ended) that ends in the
 * current state. The two threads call the base class directly, as a
 * backend's process watcher and its caller would. */

#define RACE_ROUNDS 20000

static gpointer
race_thread (gpointer data)
{
  VmmHypervisorBase *base = data;

  for (guint i = 0; i < RACE_ROUNDS; i++)
    vmm_hypervisor_base_set_state (base, (i % 2) ? VMM_VM_STATE_STOPPING : VMM_VM_STATE_CRASHED);
  return NULL;
}

static void
test_concurrent_transitions (Fixture       *f,
                             gconstpointer  data)
{
  VmmHypervisorBase *base = VMM_HYPERVISOR_BASE (f->stub);
  GThread *thread;
  guint n;

  thread = g_thread_new ("vmm-racer", race_thread, base);
  for (guint i = 0; i < RACE_ROUNDS; i++)
    vmm_hypervisor_base_set_state (base, (i % 2) ? VMM_VM_STATE_RUNNING : VMM_VM_STATE_PAUSED);
  g_thread_join (thread);
  while (g_main_context_iteration (f->context, FALSE))
    ;

  n = f->transitions->len / 2;
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (f->n_notify, ==, n);
  g_assert_cmpint (g_array_index (f->transitions, VmmVmState, 0), ==, VMM_VM_STATE_NOT_CREATED);
  for (guint i = 0; i < n; i++)
    {
      VmmVmState from = g_array_index (f->transitions, VmmVmState, 2 * i);
      VmmVmState to = g_array_index (f->transitions, VmmVmState, 2 * i + 1);

      g_assert_cmpint (from, !=, to);
      if (i + 1 < n && to != g_array_index (f->transitions, VmmVmState, 2 * i + 2))
        g_error ("transition %u ends in %s, but transition %u starts from %s", i,
                 vmm_vm_state_to_string (to), i + 1,
                 vmm_vm_state_to_string (g_array_index (f->transitions, VmmVmState, 2 * i + 2)));
    }
  g_assert_cmpint (g_array_index (f->transitions, VmmVmState, 2 * n - 1), ==,
                   vmm_hypervisor_get_state (f->hv));

  g_array_set_size (f->transitions, 0);
  g_array_set_size (f->notified, 0);
  f->n_notify = 0;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

#define ADD(path, func, data) \
  g_test_add ("/signals/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("create-start-stop/sync", test_create_start_stop_sync, NULL);
  ADD ("create-start-stop/async", test_create_start_stop_async, NULL);
  ADD ("failed-start", test_failed_start, NULL);
  ADD ("cancelled-start", test_cancelled_start, NULL);
  ADD ("stop-while-starting", test_stop_while_starting, NULL);
  ADD ("crash", test_crash, NULL);
  ADD ("pause-resume", test_pause_resume, NULL);
  ADD ("cleanup", test_cleanup, NULL);
  ADD ("load-state", test_load_state, NULL);
  ADD ("other-thread/sync", test_other_thread, GINT_TO_POINTER (FALSE));
  ADD ("other-thread/async", test_other_thread, GINT_TO_POINTER (TRUE));
  ADD ("other-thread/crash", test_crash_from_other_thread, NULL);
  ADD ("other-thread/concurrent", test_concurrent_transitions, NULL);

  return g_test_run ();
}
