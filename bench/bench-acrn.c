/* bench-acrn.c: the ACRN backend against its floor, through the public API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark program (not a test; docs/performance.md has the method and the
 * results). Everything runs against the fake acrn-dm of tests/fakes, in one
 * process, one thread, on the default main context:
 *
 *  (a) N sequential cycles: new hypervisor + config -> create_vm ->
 *      start_vm (RUNNING) -> stop_vm -> cleanup -> unref, interleaved with
 *      N cycles of the floor (bench-common.c: posix_spawn + inotify + one
 *      DM_QUERY + SIGINT + waitpid) on the very argv the backend used
 *      (captured with FAKE_ACRN_ARGV_LOG during an untimed warm-up).
 *  (b) K VMs (default 256) created, then all start_vm_async issued from one
 *      main-loop callback, then all stopped and cleaned up: wall times,
 *      peak thread count, heap (mallinfo2) and fds per VM; then the floor
 *      for K programs at once.
 *  (c) M times: start a VM, SIGKILL its acrn-dm (timestamp right before
 *      kill()), time until state-changed(CRASHED) is emitted in the main
 *      loop; interleaved with the floor's SIGKILL -> pidfd readable.
 *
 *   bench-acrn [--cycles N] [--concurrent K] [--latency-cycles M]
 *              [--json PATH|-] [--plugin-dir DIR]
 *              [--fake-acrn-dm PATH] [--fake-acrnctl PATH]
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <locale.h>
#include <libvmm/vmm.h>

#include "bench-common.h"

#define TARGET_CYCLE_RATIO   1.25
#define TARGET_HEAP_PER_VM   (64 * 1024)
#define TARGET_LATENCY_US    5000.0
#define WAIT_LIMIT_US        (60 * G_USEC_PER_SEC)

typedef struct {
  BenchEnv          *env;
  VmmPluginManager  *manager;
  char              *fake_dm;
  char              *fake_ctl;
  BenchFloor        *floor_;
  char              *plugin_name;
  GError            *error;        /* the first failure */
} Bench;

/* ------------------------------------------------------------------------ */
/* threads: a sampler thread counts /proc/self/task every 2 ms             */

typedef struct {
  GThread  *thread;
  GMutex    lock;
  GCond     cond;
  gboolean  stop;
  guint     peak;        /* without the sampler itself */
  char     *peak_names;  /* the threads' names at the peak */
} Sampler;

static char *
thread_names (void)
{
  g_autoptr(GString) names = g_string_new (NULL);
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  if (dir == NULL)
    return g_strdup ("");
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *comm = NULL;

      if (!g_file_get_contents (path, &comm, NULL, NULL))
        continue;
      g_strstrip (comm);
      if (strcmp (comm, "bench-sampler") == 0)
        continue;
      g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "", comm);
    }
  g_dir_close (dir);
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static gpointer
sampler_thread (gpointer data)
{
  Sampler *s = data;

  g_mutex_lock (&s->lock);
  while (!s->stop)
    {
      guint n = bench_count_threads () - 1;

      if (n > s->peak)
        {
          g_free (s->peak_names);
          s->peak_names = thread_names ();
          s->peak = n;
        }
      g_cond_wait_until (&s->cond, &s->lock, g_get_monotonic_time () + 2 * G_TIME_SPAN_MILLISECOND);
    }
  g_mutex_unlock (&s->lock);
  return NULL;
}

static void
sampler_start (Sampler *s)
{
  memset (s, 0, sizeof *s);
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->peak = bench_count_threads ();
  s->peak_names = thread_names ();
  s->thread = g_thread_new ("bench-sampler", sampler_thread, s);
}

static void
sampler_stop (Sampler *s)
{
  g_mutex_lock (&s->lock);
  s->stop = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  g_thread_join (s->thread);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
}

/* ------------------------------------------------------------------------ */
/* logs: the backend warns on every crash (part (c) makes 50), with the    */
/* output tail; count them instead of printing, keep everything else       */

static guint n_backend_warnings;
static char *first_backend_warning;

static GLogWriterOutput
bench_log_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if ((level & G_LOG_LEVEL_WARNING) && domain != NULL && g_str_has_prefix (domain, "Vmm"))
    {
      if (n_backend_warnings++ == 0)
        first_backend_warning = g_strdup (message);
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

static void
bench_fail (Bench  *b,
            GError *error)
{
  if (b->error == NULL)
    b->error = error;
  else
    g_error_free (error);
}

/* Sets a property of the hypervisor if its class has it: mngr-dir and
 * cpuinfo-path are ACRN-specific; the environment variables set in main()
 * cover a runtime without them. */
static void
set_if_property (GObject    *object,
                 const char *name,
                 const char *value)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (object), name) != NULL)
    g_object_set (object, name, value, NULL);
}

static VmmHypervisor *
new_hypervisor (Bench   *b,
                GError **error)
{
  VmmHypervisor *hv = vmm_plugin_manager_create_hypervisor (b->manager, b->plugin_name, error);

  if (hv == NULL)
    return NULL;
  set_if_property (G_OBJECT (hv), "mngr-dir", b->env->mngr_dir);
  set_if_property (G_OBJECT (hv), "cpuinfo-path", b->env->cpuinfo);
  return hv;
}

static VmmHypervisorConfig *
new_config (Bench      *b,
            const char *id,
            GError    **error)
{
  g_autofree char *json = bench_config_json (b->env, id, b->fake_dm, b->fake_ctl);

  return vmm_hypervisor_config_new_from_json (json, -1, error);
}

typedef struct {
  GAsyncResult *result;
} Pending;

static void
on_pending_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Pending *p = user_data;

  p->result = g_object_ref (result);
}

/* Iterates the default main context until @p completes (bounded). */
static GAsyncResult *
await_result (Pending *p)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  while (p->result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (p->result == NULL)
    g_error ("bench-acrn: an operation did not complete within 60 s");
  return p->result;
}

static void
drain_default_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Parses a FAKE_ACRN_ARGV_LOG file: records of argv[1..] one per line,
 * each ended by "--". Returns GStrv with argv[0] = @program. */
static GPtrArray *
parse_argv_log (const char  *path,
                const char  *program,
                GError     **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GStrvBuilder) cur = g_strv_builder_new ();

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  g_strv_builder_add (cur, program);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (strcmp (lines[i], "--") == 0)
        {
          g_ptr_array_add (records, g_strv_builder_end (cur));
          g_strv_builder_unref (cur);
          cur = g_strv_builder_new ();
          g_strv_builder_add (cur, program);
        }
      else if (lines[i][0] != '\0')
        {
          g_strv_builder_add (cur, lines[i]);
        }
    }
  return g_steal_pointer (&records);
}

/* The console socket path in an acrn-dm argv ("...socket:NAME=PATH"), or NULL. */
static const char *
argv_console_path (char **argv)
{
  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *s = strstr (argv[i], "socket:");
      const char *eq = s != NULL ? strchr (s, '=') : NULL;

      if (eq != NULL)
        return eq + 1;
    }
  return NULL;
}

static const char *
argv_vm_name (char **argv)
{
  guint n = g_strv_length (argv);

  return n > 0 ? argv[n - 1] : NULL;
}

/* The floor's fake binds the console socket where the backend's would:
 * make sure the directory exists (cleanup may have removed it) and take
 * the socket away afterwards, outside the timed part. */
static void
floor_prepare (char **argv)
{
  const char *console = argv_console_path (argv);

  if (console != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (console);

      g_mkdir_with_parents (dir, 0700);
    }
}

static void
floor_tidy (char **argv)
{
  const char *console = argv_console_path (argv);

  if (console != NULL)
    g_unlink (console);
}

/* ------------------------------------------------------------------------ */
/* (a) sequential cycles                                                    */

typedef struct {
  BenchSeries *total, *create, *start, *stop, *cleanup;
  BenchSeries *floor_total, *floor_running;
  BenchSeries *gfloor_total, *gfloor_running;  /* the floor, spawning with GSubprocess */
  /* CPU time of this (the main) thread per cycle: what the manager itself
   * spends, whatever the load of the machine */
  BenchSeries *cpu, *floor_cpu, *gfloor_cpu;
} SeqResults;

/* CPU time used by the calling thread, in µs. */
static double
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static gboolean
libvmm_cycle (Bench       *b,
              const char  *id,
              SeqResults  *r,
              GError     **error)
{
  g_autoptr(VmmHypervisor) hv = NULL;
  g_autoptr(VmmHypervisorConfig) config = NULL;
  Pending p_create = { NULL }, p_start = { NULL }, p_stop = { NULL }, p_cleanup = { NULL };
  /* The configuration's text is the harness's input (an application reads
   * it from a file, once): it is made before the clock starts. Parsing it
   * is timed. */
  g_autofree char *json = bench_config_json (b->env, id, b->fake_dm, b->fake_ctl);
  gint64 t0, t1, t2, t3, t4, t5;
  double cpu0 = thread_cpu_us ();
  gboolean ok;

  t0 = g_get_monotonic_time ();
  hv = new_hypervisor (b, error);
  if (hv == NULL)
    return FALSE;
  config = vmm_hypervisor_config_new_from_json (json, -1, error);
  if (config == NULL)
    return FALSE;

  vmm_hypervisor_create_vm_async (hv, config, NULL, on_pending_done, &p_create);
  ok = vmm_hypervisor_create_vm_finish (hv, await_result (&p_create), error);
  g_clear_object (&p_create.result);
  if (!ok)
    return FALSE;
  t1 = g_get_monotonic_time ();

  vmm_hypervisor_start_vm_async (hv, NULL, on_pending_done, &p_start);
  ok = vmm_hypervisor_start_vm_finish (hv, await_result (&p_start), error);
  g_clear_object (&p_start.result);
  if (!ok)
    return FALSE;
  t2 = g_get_monotonic_time ();
  if (vmm_hypervisor_get_state (hv) != VMM_VM_STATE_RUNNING)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_FAILED, "VM %s is not RUNNING after start", id);
      return FALSE;
    }

  vmm_hypervisor_stop_vm_async (hv, VMM_STOP_FLAGS_NONE, NULL, on_pending_done, &p_stop);
  ok = vmm_hypervisor_stop_vm_finish (hv, await_result (&p_stop), error);
  g_clear_object (&p_stop.result);
  if (!ok)
    return FALSE;
  t3 = g_get_monotonic_time ();

  vmm_hypervisor_cleanup_async (hv, NULL, on_pending_done, &p_cleanup);
  ok = vmm_hypervisor_cleanup_finish (hv, await_result (&p_cleanup), error);
  g_clear_object (&p_cleanup.result);
  if (!ok)
    return FALSE;
  t4 = g_get_monotonic_time ();

  g_clear_object (&hv);
  g_clear_object (&config);
  drain_default_context ();
  t5 = g_get_monotonic_time ();

  if (r != NULL)
    {
      bench_series_add (r->create, (double) (t1 - t0));
      bench_series_add (r->start, (double) (t2 - t1));
      bench_series_add (r->stop, (double) (t3 - t2));
      bench_series_add (r->cleanup, (double) (t4 - t3));
      bench_series_add (r->total, (double) (t5 - t0));
      bench_series_add (r->cpu, thread_cpu_us () - cpu0);
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* (b) many VMs at once                                                     */

typedef enum {
  STEP_CREATE,
  STEP_START,
  STEP_STOP,
  STEP_CLEANUP,
} Step;

typedef struct {
  Bench           *b;
  guint            n;
  VmmHypervisor  **vms;
  VmmHypervisorConfig **configs;
  guint           *n_final;        /* per VM: state-changed to STOPPED/CRASHED */
  gint64          *issued;
  BenchSeries     *start_latency;
  Step             step;
  guint            pending;
  GMainLoop       *loop;
} Fleet;

static void
fleet_op_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fleet *f = user_data;
  VmmHypervisor *hv = VMM_HYPERVISOR (source);
  GError *error = NULL;
  gboolean ok = FALSE;

  switch (f->step)
    {
    case STEP_CREATE:
      ok = vmm_hypervisor_create_vm_finish (hv, result, &error);
      break;
    case STEP_START:
      ok = vmm_hypervisor_start_vm_finish (hv, result, &error);
      if (ok && f->start_latency != NULL)
        {
          guint i = GPOINTER_TO_UINT (g_object_get_data (source, "bench-index"));

          bench_series_add (f->start_latency, (double) (g_get_monotonic_time () - f->issued[i]));
        }
      break;
    case STEP_STOP:
      ok = vmm_hypervisor_stop_vm_finish (hv, result, &error);
      break;
    case STEP_CLEANUP:
      ok = vmm_hypervisor_cleanup_finish (hv, result, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    bench_fail (f->b, error);
  if (--f->pending == 0)
    g_main_loop_quit (f->loop);
}

static gboolean
fleet_issue (gpointer user_data)
{
  Fleet *f = user_data;

  f->pending = f->n;
  for (guint i = 0; i < f->n; i++)
    {
      VmmHypervisor *hv = f->vms[i];

      switch (f->step)
        {
        case STEP_CREATE:
          vmm_hypervisor_create_vm_async (hv, f->configs[i], NULL, fleet_op_done, f);
          break;
        case STEP_START:
          f->issued[i] = g_get_monotonic_time ();
          vmm_hypervisor_start_vm_async (hv, NULL, fleet_op_done, f);
          break;
        case STEP_STOP:
          vmm_hypervisor_stop_vm_async (hv, VMM_STOP_FLAGS_NONE, NULL, fleet_op_done, f);
          break;
        case STEP_CLEANUP:
          vmm_hypervisor_cleanup_async (hv, NULL, fleet_op_done, f);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return G_SOURCE_REMOVE;
}

/* Issues @step for every VM from one callback of the loop; returns the wall
 * time until the last completion, in µs. */
static double
fleet_run_step (Fleet *f,
                Step   step)
{
  gint64 t0;

  f->step = step;
  t0 = g_get_monotonic_time ();
  g_idle_add_full (G_PRIORITY_DEFAULT, fleet_issue, f, NULL);
  g_main_loop_run (f->loop);
  return (double) (g_get_monotonic_time () - t0);
}

static void
on_fleet_state_changed (VmmHypervisor *hv,
                        VmmVmState     old_state,
                        VmmVmState     new_state,
                        gpointer       user_data)
{
  Fleet *f = user_data;
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (hv), "bench-index"));

  if (new_state == VMM_VM_STATE_STOPPED || new_state == VMM_VM_STATE_CRASHED)
    f->n_final[i]++;
}

typedef struct {
  double   wall_create, wall_start, wall_stop, wall_cleanup;
  guint    threads_before, threads_peak;
  char    *thread_names_peak;
  guint64  heap_before, heap_objects, heap_created, heap_running, heap_after;
  guint64  rss_before, rss_running;
  guint    fds_before, fds_running, fds_after;
  guint    bad_final_signals;
  BenchSeries *start_latency;
  double   floor_all_running, floor_total;
  double   gfloor_all_running, gfloor_total;   /* spawning with GSubprocess */
} FleetResults;

static gboolean
run_fleet (Bench        *b,
           guint         n,
           const char   *prefix,
           FleetResults *r)
{
  Fleet f = { 0, };
  Sampler sampler;
  gboolean ok = FALSE;

  f.b = b;
  f.n = n;
  f.vms = g_new0 (VmmHypervisor *, n);
  f.configs = g_new0 (VmmHypervisorConfig *, n);
  f.n_final = g_new0 (guint, n);
  f.issued = g_new0 (gint64, n);
  f.loop = g_main_loop_new (NULL, FALSE);
  f.start_latency = r != NULL ? r->start_latency : NULL;

  drain_default_context ();
  if (r != NULL)
    {
      r->heap_before = bench_heap_in_use ();
      r->rss_before = bench_rss_bytes ();
      r->fds_before = bench_count_fds ();
      r->threads_before = bench_count_threads ();
      sampler_start (&sampler);
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s%03u", prefix, i);
      GError *error = NULL;

      f.vms[i] = new_hypervisor (b, &error);
      if (f.vms[i] == NULL)
        {
          bench_fail (b, error);
          goto out;
        }
      f.configs[i] = new_config (b, id, &error);
      if (f.configs[i] == NULL)
        {
          bench_fail (b, error);
          goto out;
        }
      g_object_set_data (G_OBJECT (f.vms[i]), "bench-index", GUINT_TO_POINTER (i));
      g_signal_connect (f.vms[i], "state-changed", G_CALLBACK (on_fleet_state_changed), &f);
    }
  if (r != NULL)
    r->heap_objects = bench_heap_in_use ();

  if (r != NULL)
    r->wall_create = fleet_run_step (&f, STEP_CREATE);
  else
    fleet_run_step (&f, STEP_CREATE);
  if (b->error != NULL)
    goto out;
  if (r != NULL)
    r->heap_created = bench_heap_in_use ();

  {
    double wall = fleet_run_step (&f, STEP_START);

    if (r != NULL)
      {
        r->wall_start = wall;
        r->heap_running = bench_heap_in_use ();
        r->rss_running = bench_rss_bytes ();
        r->fds_running = bench_count_fds ();
      }
  }
  if (b->error != NULL)
    goto out;

  {
    double wall = fleet_run_step (&f, STEP_STOP);

    if (r != NULL)
      r->wall_stop = wall;
  }
  if (b->error != NULL)
    goto out;
  {
    double wall = fleet_run_step (&f, STEP_CLEANUP);

    if (r != NULL)
      r->wall_cleanup = wall;
  }
  if (b->error != NULL)
    goto out;

  for (guint i = 0; i < n; i++)
    if (f.n_final[i] != 1 && r != NULL)
      r->bad_final_signals++;
  ok = TRUE;

out:
  /* Stop what still runs after a failure, so no fake outlives the run. */
  if (!ok)
    for (guint i = 0; i < n; i++)
      if (f.vms[i] != NULL)
        {
          VmmVmState st = vmm_hypervisor_get_state (f.vms[i]);

          if (st == VMM_VM_STATE_RUNNING || st == VMM_VM_STATE_STARTING)
            vmm_hypervisor_stop_vm (f.vms[i], VMM_STOP_FLAGS_NONE, NULL, NULL);
        }
  for (guint i = 0; i < n; i++)
    {
      if (f.vms[i] != NULL)
        g_signal_handlers_disconnect_by_data (f.vms[i], &f);
      g_clear_object (&f.vms[i]);
      g_clear_object (&f.configs[i]);
    }
  drain_default_context ();
  if (r != NULL)
    {
      sampler_stop (&sampler);
      r->threads_peak = sampler.peak;
      r->thread_names_peak = sampler.peak_names;
      r->heap_after = bench_heap_in_use ();
      r->fds_after = bench_count_fds ();
    }
  g_free (f.vms);
  g_free (f.configs);
  g_free (f.n_final);
  g_free (f.issued);
  g_main_loop_unref (f.loop);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* (c) exit-to-signal latency                                               */

typedef struct {
  gint64     t_signal;
  VmmVmState final_state;
  guint      n_final;
} Crash;

static void
on_crash_state_changed (VmmHypervisor *hv,
                        VmmVmState     old_state,
                        VmmVmState     new_state,
                        gpointer       user_data)
{
  Crash *c = user_data;

  if (new_state == VMM_VM_STATE_STOPPED || new_state == VMM_VM_STATE_CRASHED)
    {
      if (c->n_final++ == 0)
        {
          c->t_signal = g_get_monotonic_time ();
          c->final_state = new_state;
        }
    }
}

static gboolean
latency_cycle (Bench       *b,
               const char  *id,
               double      *out_latency,
               VmmVmState  *out_state,
               guint       *out_n_final,
               GError     **error)
{
  g_autoptr(VmmHypervisor) hv = NULL;
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(GArray) pids = NULL;
  Crash c = { 0, };
  gint64 t_kill, deadline;
  gulong handler;
  GPid pid;

  hv = new_hypervisor (b, error);
  if (hv == NULL)
    return FALSE;
  config = new_config (b, id, error);
  if (config == NULL)
    return FALSE;
  if (!vmm_hypervisor_create_vm (hv, config, NULL, error) ||
      !vmm_hypervisor_start_vm (hv, NULL, error))
    return FALSE;
  pids = vmm_hypervisor_get_pids (hv);
  if (pids == NULL || pids->len < 1)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_FAILED, "VM %s reports no pid", id);
      return FALSE;
    }
  pid = g_array_index (pids, GPid, 0);
  handler = g_signal_connect (hv, "state-changed", G_CALLBACK (on_crash_state_changed), &c);
  drain_default_context ();

  t_kill = g_get_monotonic_time ();
  if (kill (pid, SIGKILL) != 0)
    {
      int errsv = errno;

      g_set_error (error, VMM_ERROR, VMM_ERROR_FAILED, "kill(%d): %s", (int) pid,
                   g_strerror (errsv));
      return FALSE;
    }
  deadline = t_kill + WAIT_LIMIT_US;
  while (c.n_final == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (c.n_final == 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_TIMED_OUT,
                   "no state-changed to CRASHED/STOPPED within 60 s of SIGKILL (VM %s)", id);
      return FALSE;
    }
  drain_default_context ();

  *out_latency = (double) (c.t_signal - t_kill);
  *out_state = c.final_state;
  *out_n_final = c.n_final;
  g_signal_handler_disconnect (hv, handler);
  return vmm_hypervisor_cleanup (hv, NULL, error);
}

/* ------------------------------------------------------------------------ */

static void
add_double (JsonBuilder *jb,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (jb, name);
  json_builder_add_double_value (jb, value);
}

static void
add_int (JsonBuilder *jb,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (jb, name);
  json_builder_add_int_value (jb, value);
}

static void
add_bool (JsonBuilder *jb,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (jb, name);
  json_builder_add_boolean_value (jb, value);
}

static const char *
yes_no (gboolean met)
{
  return met ? "met" : "NOT MET";
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(JsonBuilder) jb = json_builder_new ();
  g_autoptr(GPtrArray) seq_argvs = NULL;
  g_autoptr(GPtrArray) fleet_argvs = NULL;
  g_autoptr(GPtrArray) fleet_names = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *base_dir = NULL;
  g_autofree char *plugin_dir = NULL;
  g_autofree char *argv_log = NULL;
  g_autofree char *libvmm_error = NULL;
  Bench b = { 0, };
  SeqResults seq = { 0, };
  FleetResults fleet = { 0, };
  g_autoptr(BenchSeries) lat = bench_series_new ();
  g_autoptr(BenchSeries) lat_floor = bench_series_new ();
  guint lat_bad_signals = 0, lat_not_crashed = 0;
  guint threads_start, threads_seq_max = 0, fds_start, seq_fd_leak = 0;
  guint64 nofile_soft = 0, nofile_hard = 0;
  int cycles = 100, concurrent = 256, latency_cycles = 50, warmup = 5, rc;
  gboolean have_libvmm = FALSE, have_fleet = FALSE, have_fleet_floor = FALSE, have_lat = FALSE;
  BenchStats s_cpu = { 0, }, s_floor_cpu = { 0, }, s_gfloor_cpu = { 0, };
  BenchStats s_total = { 0, }, s_create = { 0, }, s_start = { 0, }, s_stop = { 0, },
             s_cleanup = { 0, }, s_floor_total = { 0, }, s_floor_running = { 0, },
             s_gfloor_total = { 0, }, s_gfloor_running = { 0, },
             s_lat = { 0, }, s_lat_floor = { 0, }, s_fleet_start = { 0, };
  double ratio_median = 0, ratio_mean = 0, gratio_median = 0, heap_per_vm = 0;
  GOptionEntry entries[] = {
    { "cycles", 'n', 0, G_OPTION_ARG_INT, &cycles, "Sequential cycles, and as many floor cycles (default 100)", "N" },
    { "concurrent", 'k', 0, G_OPTION_ARG_INT, &concurrent, "VMs started at once (default 256, 0 to skip)", "K" },
    { "latency-cycles", 'm', 0, G_OPTION_ARG_INT, &latency_cycles, "SIGKILL cycles (default 50, 0 to skip)", "M" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Untimed cycles first (default 5)", "W" },
    { "tmpdir", 0, 0, G_OPTION_ARG_FILENAME, &base_dir,
      "Where the test bed goes (default /dev/shm if writable, else $TMPDIR)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path, "Also write the results as JSON (- for stdout)", "PATH" },
    { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &plugin_dir, "Where the acrn plugin is", "DIR" },
    { "plugin", 0, 0, G_OPTION_ARG_STRING, &b.plugin_name, "The plugin (default acrn; stub checks the harness)", "NAME" },
    { "fake-acrn-dm", 0, 0, G_OPTION_ARG_FILENAME, &b.fake_dm, "The fake acrn-dm", "PATH" },
    { "fake-acrnctl", 0, 0, G_OPTION_ARG_FILENAME, &b.fake_ctl, "The fake acrnctl", "PATH" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  g_log_set_writer_func (bench_log_writer, NULL, NULL);
  ctx = g_option_context_new ("- the ACRN backend against its floor (fake acrn-dm)");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (cycles < 1 || concurrent < 0 || latency_cycles < 0 || warmup < 1)
    {
      g_printerr ("--cycles and --warmup must be at least 1, --concurrent and "
                  "--latency-cycles at least 0\n");
      return 2;
    }
  if (b.fake_dm == NULL)
    b.fake_dm = g_strdup (BENCH_FAKE_ACRN_DM);
  if (b.fake_ctl == NULL)
    b.fake_ctl = g_strdup (BENCH_FAKE_ACRNCTL);
  if (b.plugin_name == NULL)
    b.plugin_name = g_strdup ("acrn");
  if (plugin_dir == NULL)
    plugin_dir = g_strdup (BENCH_PLUGIN_DIR);

  /* Each VM holds a few fds (pipes, pidfd, sockets while starting). */
  if (!bench_raise_nofile (MAX (1024, (guint64) concurrent * 16 + 256), &nofile_soft, &nofile_hard))
    g_printerr ("bench-acrn: warning: RLIMIT_NOFILE is %" G_GUINT64_FORMAT
                " (hard %" G_GUINT64_FORMAT "); the concurrent part may run out of fds\n",
                nofile_soft, nofile_hard);

  b.env = bench_env_new (MAX (concurrent, 4), base_dir, &error);
  if (b.env == NULL)
    goto fatal;
  /* The fake's manager dir, and the backend's (environment fallbacks of
   * the mngr-dir and cpuinfo-path properties). */
  g_setenv ("FAKE_ACRN_MNGR_DIR", b.env->mngr_dir, TRUE);
  g_setenv ("VMM_ACRN_MNGR_DIR", b.env->mngr_dir, TRUE);
  g_setenv ("VMM_ACRN_CPUINFO", b.env->cpuinfo, TRUE);
  g_unsetenv ("FAKE_ACRN_ARGV_LOG");
  argv_log = g_build_filename (b.env->tmpdir, "argv.log", NULL);

  b.floor_ = bench_floor_new (b.env->mngr_dir, &error);
  if (b.floor_ == NULL)
    goto fatal;

  {
    const char *path[] = { plugin_dir, NULL };

    b.manager = vmm_plugin_manager_new_for_path (path);
    vmm_plugin_manager_scan (b.manager);
  }

  /* Warm-up (untimed): loads the plugin, and records the argv the backend
   * gives acrn-dm, for the floor. */
  g_setenv ("FAKE_ACRN_ARGV_LOG", argv_log, TRUE);
  for (int i = 0; i < warmup; i++)
    {
      if (!libvmm_cycle (&b, "bench-seq", NULL, &error))
        break;
    }
  g_unsetenv ("FAKE_ACRN_ARGV_LOG");
  drain_default_context ();
  /* the baseline: plugin loaded, GLib's helper threads and fds set up */
  threads_start = bench_count_threads ();
  fds_start = bench_count_fds ();
  if (error != NULL)
    {
      libvmm_error = g_strdup (error->message);
      g_clear_error (&error);
      g_printerr ("bench-acrn: the %s backend is not usable (%s); running the floor only\n",
                  b.plugin_name, libvmm_error);
    }
  else
    {
      have_libvmm = TRUE;
      seq_argvs = parse_argv_log (argv_log, b.fake_dm, NULL);
      if (seq_argvs != NULL && seq_argvs->len == 0)
        g_clear_pointer (&seq_argvs, g_ptr_array_unref);
    }
  g_unlink (argv_log);

  if (seq_argvs == NULL)
    {
      /* No argv from the backend: a minimal one (the floor is then not
       * the backend's floor; the report says so). */
      g_printerr ("bench-acrn: WARNING: no acrn-dm argv recorded from the backend; the floor "
                  "uses a minimal argv\n");
      seq_argvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
      {
        GStrvBuilder *sb = g_strv_builder_new ();

        g_strv_builder_add_many (sb, b.fake_dm, "-m", "256M", "-s", "0:0,hostbridge",
                                 "-s", "1:0,lpc", "-l", "com1,stdio", "--cpu_affinity", "0",
                                 "-k", b.env->kernel, "sbx-bench-seq", NULL);
        g_ptr_array_add (seq_argvs, g_strv_builder_end (sb));
        g_strv_builder_unref (sb);
      }
    }

  /* (a) floor and libvmm, interleaved over the same N */
  seq.total = bench_series_new ();
  seq.create = bench_series_new ();
  seq.start = bench_series_new ();
  seq.stop = bench_series_new ();
  seq.cleanup = bench_series_new ();
  seq.floor_total = bench_series_new ();
  seq.floor_running = bench_series_new ();
  seq.gfloor_total = bench_series_new ();
  seq.gfloor_running = bench_series_new ();
  seq.cpu = bench_series_new ();
  seq.floor_cpu = bench_series_new ();
  seq.gfloor_cpu = bench_series_new ();
  {
    char **floor_argv = g_ptr_array_index (seq_argvs, seq_argvs->len - 1);
    const char *floor_name = argv_vm_name (floor_argv);

    for (int i = 0; i < warmup; i++)
      {
        floor_prepare (floor_argv);
        if (!bench_floor_cycle (b.floor_, (const char * const *) floor_argv, floor_name,
                                BENCH_FLOOR_NONE, NULL, NULL, NULL, &error) ||
            !bench_floor_cycle (b.floor_, (const char * const *) floor_argv, floor_name,
                                BENCH_FLOOR_GSUBPROCESS, NULL, NULL, NULL, &error))
          goto fatal;
        floor_tidy (floor_argv);
      }
    for (int i = 0; i < cycles; i++)
      {
        double running, total, cpu0;

        floor_prepare (floor_argv);
        cpu0 = thread_cpu_us ();
        if (!bench_floor_cycle (b.floor_, (const char * const *) floor_argv, floor_name,
                                BENCH_FLOOR_NONE, &running, &total, NULL, &error))
          goto fatal;
        bench_series_add (seq.floor_cpu, thread_cpu_us () - cpu0);
        bench_series_add (seq.floor_total, total);
        bench_series_add (seq.floor_running, running);
        cpu0 = thread_cpu_us ();
        if (!bench_floor_cycle (b.floor_, (const char * const *) floor_argv, floor_name,
                                BENCH_FLOOR_GSUBPROCESS, &running, &total, NULL, &error))
          goto fatal;
        bench_series_add (seq.gfloor_cpu, thread_cpu_us () - cpu0);
        floor_tidy (floor_argv);
        bench_series_add (seq.gfloor_total, total);
        bench_series_add (seq.gfloor_running, running);

        if (have_libvmm)
          {
            if (!libvmm_cycle (&b, "bench-seq", &seq, &error))
              goto fatal;
            threads_seq_max = MAX (threads_seq_max, bench_count_threads ());
          }
      }
  }
  if (have_libvmm)
    {
      drain_default_context ();
      seq_fd_leak = bench_count_fds () > fds_start ? bench_count_fds () - fds_start : 0;
    }
  s_floor_cpu = bench_series_stats (seq.floor_cpu);
  s_gfloor_cpu = bench_series_stats (seq.gfloor_cpu);
  s_cpu = bench_series_stats (seq.cpu);
  s_floor_total = bench_series_stats (seq.floor_total);
  s_floor_running = bench_series_stats (seq.floor_running);
  s_gfloor_total = bench_series_stats (seq.gfloor_total);
  s_gfloor_running = bench_series_stats (seq.gfloor_running);
  s_total = bench_series_stats (seq.total);
  s_create = bench_series_stats (seq.create);
  s_start = bench_series_stats (seq.start);
  s_stop = bench_series_stats (seq.stop);
  s_cleanup = bench_series_stats (seq.cleanup);
  if (have_libvmm)
    {
      ratio_median = s_total.median_us / s_floor_total.median_us;
      ratio_mean = s_total.mean_us / s_floor_total.mean_us;
      gratio_median = s_total.median_us / s_gfloor_total.median_us;
    }

  /* (b) many at once: an untimed pass records the argvs (and warms up), the
   * timed pass measures, then the floor does the same with those argvs. */
  if (have_libvmm && concurrent > 0)
    {
      fleet.start_latency = bench_series_new ();
      g_setenv ("FAKE_ACRN_ARGV_LOG", argv_log, TRUE);
      if (!run_fleet (&b, (guint) concurrent, "bw", NULL))
        {
          error = g_steal_pointer (&b.error);
          goto fatal;
        }
      g_unsetenv ("FAKE_ACRN_ARGV_LOG");
      fleet_argvs = parse_argv_log (argv_log, b.fake_dm, NULL);
      g_unlink (argv_log);

      if (!run_fleet (&b, (guint) concurrent, "bw", &fleet))
        {
          error = g_steal_pointer (&b.error);
          goto fatal;
        }
      have_fleet = TRUE;
      s_fleet_start = bench_series_stats (fleet.start_latency);
      heap_per_vm = (double) ((gint64) fleet.heap_running - (gint64) fleet.heap_before) / concurrent;

      if (fleet_argvs != NULL && fleet_argvs->len == (guint) concurrent)
        {
          fleet_names = g_ptr_array_new ();
          for (guint i = 0; i < fleet_argvs->len; i++)
            {
              floor_prepare (g_ptr_array_index (fleet_argvs, i));
              g_ptr_array_add (fleet_names,
                               (gpointer) argv_vm_name (g_ptr_array_index (fleet_argvs, i)));
            }
          if (!bench_floor_concurrent (b.floor_, fleet_argvs, fleet_names, BENCH_FLOOR_NONE,
                                       &fleet.floor_all_running, &fleet.floor_total, &error))
            goto fatal;
          for (guint i = 0; i < fleet_argvs->len; i++)
            floor_tidy (g_ptr_array_index (fleet_argvs, i));
          if (!bench_floor_concurrent (b.floor_, fleet_argvs, fleet_names, BENCH_FLOOR_GSUBPROCESS,
                                       &fleet.gfloor_all_running, &fleet.gfloor_total, &error))
            goto fatal;
          for (guint i = 0; i < fleet_argvs->len; i++)
            floor_tidy (g_ptr_array_index (fleet_argvs, i));
          have_fleet_floor = TRUE;
        }
    }

  /* (c) SIGKILL -> state-changed, interleaved with the floor's SIGKILL ->
   * pidfd readable */
  if (have_libvmm && latency_cycles > 0)
    {
      char **floor_argv = g_ptr_array_index (seq_argvs, seq_argvs->len - 1);

      for (int i = 0; i < latency_cycles; i++)
        {
          double latency = 0, floor_seen = 0;
          VmmVmState state = VMM_VM_STATE_NOT_CREATED;
          guint n_final = 0;

          floor_prepare (floor_argv);
          if (!bench_floor_cycle (b.floor_, (const char * const *) floor_argv,
                                  argv_vm_name (floor_argv), BENCH_FLOOR_KILL, NULL, NULL,
                                  &floor_seen, &error))
            goto fatal;
          floor_tidy (floor_argv);
          bench_series_add (lat_floor, floor_seen);

          if (!latency_cycle (&b, "bench-seq", &latency, &state, &n_final, &error))
            goto fatal;
          bench_series_add (lat, latency);
          if (n_final != 1)
            lat_bad_signals++;
          if (state != VMM_VM_STATE_CRASHED)
            lat_not_crashed++;
        }
      have_lat = TRUE;
      s_lat = bench_series_stats (lat);
      s_lat_floor = bench_series_stats (lat_floor);
    }

  /* ---- report ---- */
  bench_print_machine_info (BENCH_BUILDTYPE);
  g_print ("RLIMIT_NOFILE: soft %" G_GUINT64_FORMAT ", hard %" G_GUINT64_FORMAT "\n",
           nofile_soft, nofile_hard);
  {
    g_autofree char *cmd = g_strjoinv (" ", g_ptr_array_index (seq_argvs, seq_argvs->len - 1));
    g_print ("acrn-dm argv (floor and libvmm): %s\n", cmd);
  }
  if (!have_libvmm)
    g_print ("libvmm ACRN backend: NOT AVAILABLE: %s\n", libvmm_error);
  g_print ("\n(a) sequential cycles, floor and libvmm interleaved\n");
  bench_print_stats_header ();
  bench_print_stats_row ("floor: spawn -> answers DM_QUERY", &s_floor_running);
  bench_print_stats_row ("floor: cycle", &s_floor_total);
  bench_print_stats_row ("floor/GSubprocess: spawn -> answers", &s_gfloor_running);
  bench_print_stats_row ("floor/GSubprocess: cycle", &s_gfloor_total);
  if (have_libvmm)
    {
      bench_print_stats_row ("libvmm: new + create_vm", &s_create);
      bench_print_stats_row ("libvmm: start_vm -> RUNNING", &s_start);
      bench_print_stats_row ("libvmm: stop_vm", &s_stop);
      bench_print_stats_row ("libvmm: cleanup", &s_cleanup);
      bench_print_stats_row ("libvmm: cycle", &s_total);
    }
  bench_print_stats_row ("floor: main thread CPU per cycle", &s_floor_cpu);
  bench_print_stats_row ("floor/GSubprocess: main thread CPU", &s_gfloor_cpu);
  if (have_libvmm)
    {
      bench_print_stats_row ("libvmm: main thread CPU per cycle", &s_cpu);
      g_print ("ratio libvmm/floor: median %.3f, mean %.3f (target <= %.2f: %s)\n",
               ratio_median, ratio_mean, TARGET_CYCLE_RATIO,
               yes_no (ratio_median <= TARGET_CYCLE_RATIO));
      g_print ("ratio libvmm/floor-with-GSubprocess: median %.3f\n", gratio_median);
      g_print ("threads: %u after warm-up, at most %u during the cycles; fds left over: %u\n",
               threads_start, threads_seq_max, seq_fd_leak);
    }
  g_print ("floor connect retries (bound, not yet listening): %u\n", b.floor_->connect_retries);

  if (have_fleet)
    {
      g_print ("\n(b) %d VMs at once, one thread\n", concurrent);
      g_print ("  wall: create %.1f ms, start (all RUNNING) %.1f ms, stop %.1f ms, cleanup %.1f ms\n",
               fleet.wall_create / 1000, fleet.wall_start / 1000, fleet.wall_stop / 1000,
               fleet.wall_cleanup / 1000);
      if (have_fleet_floor)
        g_print ("  floor wall: all answering %.1f ms, all reaped %.1f ms; with GSubprocess "
                 "%.1f ms, %.1f ms (libvmm start %.1f ms, start+stop %.1f ms)\n",
                 fleet.floor_all_running / 1000, fleet.floor_total / 1000,
                 fleet.gfloor_all_running / 1000, fleet.gfloor_total / 1000,
                 fleet.wall_start / 1000, (fleet.wall_start + fleet.wall_stop) / 1000);
      else
        g_print ("  floor: not run (no acrn-dm argv recorded from the backend)\n");
      bench_print_stats_header ();
      bench_print_stats_row ("  libvmm: start_vm issued -> finished", &s_fleet_start);
      g_print ("  threads: %u before, peak %u (target: no thread per VM: %s)\n    at peak: %s\n",
               fleet.threads_before, fleet.threads_peak,
               yes_no (fleet.threads_peak < fleet.threads_before + 8),
               fleet.thread_names_peak);
      g_print ("  heap (mallinfo2): objects+configs %+.1f KiB/VM, +create_vm %+.1f KiB/VM, "
               "+start_vm %+.1f KiB/VM => %.1f KiB/VM (target < 64 KiB: %s); "
               "after unref %+.1f KiB total\n",
               (double) ((gint64) fleet.heap_objects - (gint64) fleet.heap_before) / concurrent / 1024,
               (double) ((gint64) fleet.heap_created - (gint64) fleet.heap_objects) / concurrent / 1024,
               (double) ((gint64) fleet.heap_running - (gint64) fleet.heap_created) / concurrent / 1024,
               heap_per_vm / 1024, yes_no (heap_per_vm < TARGET_HEAP_PER_VM),
               (double) ((gint64) fleet.heap_after - (gint64) fleet.heap_before) / 1024);
      g_print ("  RSS: %+.1f KiB/VM while running\n",
               (double) ((gint64) fleet.rss_running - (gint64) fleet.rss_before) / concurrent / 1024);
      g_print ("  fds: %u before, %u with all running (%.2f per VM), %u after\n",
               fleet.fds_before, fleet.fds_running,
               (double) (fleet.fds_running - fleet.fds_before) / concurrent, fleet.fds_after);
      g_print ("  VMs without exactly one final state-changed: %u\n", fleet.bad_final_signals);
    }

  if (n_backend_warnings > 0)
    {
      g_autofree char *first_line = g_strdup (first_backend_warning);
      char *nl = strchr (first_line, '\n');

      if (nl != NULL)
        *nl = '\0';
      g_print ("\nbackend warnings (not printed): %u, the first: %s\n",
               n_backend_warnings, first_line);
    }

  if (have_lat)
    {
      g_print ("\n(c) acrn-dm SIGKILL -> state-changed in the main loop\n");
      bench_print_stats_header ();
      bench_print_stats_row ("floor: SIGKILL -> pidfd readable", &s_lat_floor);
      bench_print_stats_row ("libvmm: SIGKILL -> state-changed", &s_lat);
      g_print ("target median < %.0f ms: %s; p95 < %.0f ms: %s; not CRASHED: %u; "
               "not exactly one final signal: %u\n",
               TARGET_LATENCY_US / 1000, yes_no (s_lat.median_us < TARGET_LATENCY_US),
               TARGET_LATENCY_US / 1000, yes_no (s_lat.p95_us < TARGET_LATENCY_US),
               lat_not_crashed, lat_bad_signals);
    }

  if (json_path != NULL)
    {
      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "program");
      json_builder_add_string_value (jb, "bench-acrn");
      bench_add_machine_info (jb, BENCH_BUILDTYPE);
      add_int (jb, "nofile_soft", (gint64) nofile_soft);
      json_builder_set_member_name (jb, "libvmm_available");
      json_builder_add_boolean_value (jb, have_libvmm);
      if (!have_libvmm)
        {
          json_builder_set_member_name (jb, "libvmm_error");
          json_builder_add_string_value (jb, libvmm_error);
        }

      add_int (jb, "backend_warnings", n_backend_warnings);
      json_builder_set_member_name (jb, "sequential");
      json_builder_begin_object (jb);
      add_int (jb, "cycles", cycles);
      bench_json_add_stats (jb, "floor_running", &s_floor_running);
      bench_json_add_stats (jb, "floor_cycle", &s_floor_total);
      bench_json_add_stats (jb, "floor_gsubprocess_running", &s_gfloor_running);
      bench_json_add_stats (jb, "floor_gsubprocess_cycle", &s_gfloor_total);
      add_int (jb, "floor_connect_retries", b.floor_->connect_retries);
      bench_json_add_stats (jb, "floor_cpu", &s_floor_cpu);
      bench_json_add_stats (jb, "floor_gsubprocess_cpu", &s_gfloor_cpu);
      if (have_libvmm)
        {
          bench_json_add_stats (jb, "create", &s_create);
          bench_json_add_stats (jb, "start", &s_start);
          bench_json_add_stats (jb, "stop", &s_stop);
          bench_json_add_stats (jb, "cleanup", &s_cleanup);
          bench_json_add_stats (jb, "cycle", &s_total);
          bench_json_add_stats (jb, "cpu", &s_cpu);
          add_double (jb, "ratio_median", ratio_median);
          add_double (jb, "ratio_mean", ratio_mean);
          add_double (jb, "ratio_median_vs_gsubprocess_floor", gratio_median);
          add_bool (jb, "target_met", ratio_median <= TARGET_CYCLE_RATIO);
          add_int (jb, "threads_start", threads_start);
          add_int (jb, "threads_max", threads_seq_max);
          add_int (jb, "fds_left_over", seq_fd_leak);
        }
      json_builder_end_object (jb);

      if (have_fleet)
        {
          json_builder_set_member_name (jb, "concurrent");
          json_builder_begin_object (jb);
          add_int (jb, "vms", concurrent);
          add_double (jb, "wall_create_ms", fleet.wall_create / 1000);
          add_double (jb, "wall_start_ms", fleet.wall_start / 1000);
          add_double (jb, "wall_stop_ms", fleet.wall_stop / 1000);
          add_double (jb, "wall_cleanup_ms", fleet.wall_cleanup / 1000);
          if (have_fleet_floor)
            {
              add_double (jb, "floor_wall_running_ms", fleet.floor_all_running / 1000);
              add_double (jb, "floor_wall_total_ms", fleet.floor_total / 1000);
              add_double (jb, "floor_gsubprocess_wall_running_ms", fleet.gfloor_all_running / 1000);
              add_double (jb, "floor_gsubprocess_wall_total_ms", fleet.gfloor_total / 1000);
            }
          bench_json_add_stats (jb, "start_latency", &s_fleet_start);
          add_int (jb, "threads_before", fleet.threads_before);
          add_int (jb, "threads_peak", fleet.threads_peak);
          json_builder_set_member_name (jb, "threads_at_peak");
          json_builder_add_string_value (jb, fleet.thread_names_peak);
          add_int (jb, "heap_before", (gint64) fleet.heap_before);
          add_int (jb, "heap_objects", (gint64) fleet.heap_objects);
          add_int (jb, "heap_created", (gint64) fleet.heap_created);
          add_int (jb, "heap_running", (gint64) fleet.heap_running);
          add_int (jb, "heap_after", (gint64) fleet.heap_after);
          add_double (jb, "heap_per_vm_bytes", heap_per_vm);
          add_bool (jb, "heap_target_met", heap_per_vm < TARGET_HEAP_PER_VM);
          add_int (jb, "rss_before", (gint64) fleet.rss_before);
          add_int (jb, "rss_running", (gint64) fleet.rss_running);
          add_int (jb, "fds_before", fleet.fds_before);
          add_int (jb, "fds_running", fleet.fds_running);
          add_int (jb, "fds_after", fleet.fds_after);
          add_int (jb, "bad_final_signals", fleet.bad_final_signals);
          json_builder_end_object (jb);
        }
      if (have_lat)
        {
          json_builder_set_member_name (jb, "exit_latency");
          json_builder_begin_object (jb);
          add_int (jb, "cycles", latency_cycles);
          bench_json_add_stats (jb, "floor_exit_seen", &s_lat_floor);
          bench_json_add_stats (jb, "libvmm_state_changed", &s_lat);
          add_bool (jb, "target_met", s_lat.median_us < TARGET_LATENCY_US &&
                                      s_lat.p95_us < TARGET_LATENCY_US);
          add_int (jb, "not_crashed", lat_not_crashed);
          add_int (jb, "bad_signals", lat_bad_signals);
          json_builder_end_object (jb);
        }
      json_builder_end_object (jb);
      if (!bench_json_write (jb, json_path, &error))
        goto fatal;
    }

  rc = have_libvmm ? 0 : 3;
  if (FALSE)
    {
fatal:
      g_printerr ("bench-acrn: %s\n", error != NULL ? error->message : "failed");
      rc = 1;
    }

  g_clear_pointer (&seq.total, bench_series_free);
  g_clear_pointer (&seq.create, bench_series_free);
  g_clear_pointer (&seq.start, bench_series_free);
  g_clear_pointer (&seq.stop, bench_series_free);
  g_clear_pointer (&seq.cleanup, bench_series_free);
  g_clear_pointer (&seq.floor_total, bench_series_free);
  g_clear_pointer (&seq.floor_running, bench_series_free);
  g_clear_pointer (&seq.gfloor_total, bench_series_free);
  g_clear_pointer (&seq.gfloor_running, bench_series_free);
  g_clear_pointer (&fleet.start_latency, bench_series_free);
  g_free (fleet.thread_names_peak);
  g_clear_error (&b.error);
  g_clear_object (&b.manager);
  g_clear_pointer (&b.floor_, bench_floor_free);
  g_clear_pointer (&b.env, bench_env_free);
  g_free (b.fake_dm);
  g_free (b.fake_ctl);
  g_free (b.plugin_name);
  g_free (first_backend_warning);
  return rc;
}
