/* bench-acrn-process.c: the ACRN backend's process layer against the floor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A breakdown for bench-acrn: the same start/stop cycle as the floor, but
 * through AcrnProcess (plugins/acrn/acrn-process.c, internal), which the
 * backend's start_vm/stop_vm are built on: acrn_process_spawn() (GSubprocess,
 * output pipes, log), acrn_process_wait_running_async() (GFileMonitor on the
 * manager dir, DM_QUERY), acrn_process_stop_async() (SIGINT, exit watch).
 * No registry, no state file, no VmmHypervisor. Then K at once from one
 * thread, and the floor for K at once.
 *
 *   bench-acrn-process [--cycles N] [--concurrent K] [--json PATH|-]
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#include "acrn-process.h"
#include "bench-common.h"

typedef struct {
  BenchEnv   *env;
  char       *log_path;
  guint       pending;
  GError     *error;
} Ctx;

static GStrv
make_argv (BenchEnv   *env,
           const char *name)
{
  g_autoptr(GStrvBuilder) sb = g_strv_builder_new ();

  /* what the backend gives acrn-dm for the bench config, minus the
   * console socket (the process layer does not make the per-VM dir) */
  g_strv_builder_add_many (sb, BENCH_FAKE_ACRN_DM, "-m", "256M", "-s", "0:0,hostbridge",
                           "-s", "1:0,lpc", "-l", "com1,stdio", "--cpu_affinity", "0",
                           "-k", env->kernel, name, NULL);
  return g_strv_builder_end (sb);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
await_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
process_cycle (Ctx          *c,
               char        **argv,
               double       *out_spawn,
               double       *out_running,
               double       *out_stop,
               double       *out_total,
               GError      **error)
{
  g_autoptr(AcrnProcess) p = NULL;
  GAsyncResult *res = NULL;
  gint64 t0, t1, t2, t3;
  gboolean ok;

  t0 = g_get_monotonic_time ();
  p = acrn_process_spawn ((const char * const *) argv, "bench", c->log_path, NULL, error);
  if (p == NULL)
    return FALSE;
  t1 = g_get_monotonic_time ();
  acrn_process_wait_running_async (p, c->env->mngr_dir, argv[g_strv_length (argv) - 1],
                                   10000, NULL, on_done, &res);
  ok = acrn_process_wait_running_finish (p, await_result (&res), error);
  g_clear_object (&res);
  if (!ok)
    return FALSE;
  t2 = g_get_monotonic_time ();
  acrn_process_stop_async (p, TRUE, 15000, NULL, on_done, &res);
  ok = acrn_process_stop_finish (p, await_result (&res), NULL, error);
  g_clear_object (&res);
  if (!ok)
    return FALSE;
  g_clear_object (&p);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  t3 = g_get_monotonic_time ();

  *out_spawn = (double) (t1 - t0);
  *out_running = (double) (t2 - t1);
  *out_stop = (double) (t3 - t2);
  *out_total = (double) (t3 - t0);
  return TRUE;
}

/* ---- SIGKILL -> ::exited ---- */

static void
on_exited (AcrnProcess *p,
           int          status,
           gpointer     user_data)
{
  gint64 *t = user_data;

  *t = g_get_monotonic_time ();
}

static gboolean
kill_cycle (Ctx     *c,
            char   **argv,
            double  *out_latency,
            GError **error)
{
  g_autoptr(AcrnProcess) p = NULL;
  GAsyncResult *res = NULL;
  gint64 t_kill, t_exited = 0;
  gboolean ok;

  p = acrn_process_spawn ((const char * const *) argv, "bench", c->log_path, NULL, error);
  if (p == NULL)
    return FALSE;
  acrn_process_wait_running_async (p, c->env->mngr_dir, argv[g_strv_length (argv) - 1],
                                   10000, NULL, on_done, &res);
  ok = acrn_process_wait_running_finish (p, await_result (&res), error);
  g_clear_object (&res);
  if (!ok)
    return FALSE;
  g_signal_connect (p, "exited", G_CALLBACK (on_exited), &t_exited);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  t_kill = g_get_monotonic_time ();
  kill (acrn_process_get_pid (p), SIGKILL);
  while (t_exited == 0)
    g_main_context_iteration (NULL, TRUE);
  *out_latency = (double) (t_exited - t_kill);
  g_signal_handlers_disconnect_by_data (p, &t_exited);
  g_clear_object (&p);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return TRUE;
}

/* ---- K at once ---- */

static void
on_many_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Ctx *c = user_data;
  GError *error = NULL;
  gboolean ok;

  if (g_async_result_is_tagged (result, acrn_process_wait_running_async))
    ok = acrn_process_wait_running_finish (ACRN_PROCESS (source), result, &error);
  else
    ok = acrn_process_stop_finish (ACRN_PROCESS (source), result, NULL, &error);
  if (!ok && c->error == NULL)
    c->error = error;
  else if (!ok)
    g_error_free (error);
  c->pending--;
}

static gboolean
process_many (Ctx        *c,
              GPtrArray  *argvs,
              double     *out_running,
              double     *out_total,
              guint      *out_threads,
              GError    **error)
{
  g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 t0, t1, t2;
  guint threads = 0;

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < argvs->len; i++)
    {
      char **argv = g_ptr_array_index (argvs, i);
      g_autofree char *log_name = g_strdup_printf ("%s.log", argv[g_strv_length (argv) - 1]);
      g_autofree char *log_path = g_build_filename (c->env->tmpdir, log_name, NULL);
      AcrnProcess *p = acrn_process_spawn ((const char * const *) argv, "bench",
                                           log_path, NULL, error);

      if (p == NULL)
        return FALSE;
      g_ptr_array_add (procs, p);
      c->pending++;
      acrn_process_wait_running_async (p, c->env->mngr_dir, argv[g_strv_length (argv) - 1],
                                       60000, NULL, on_many_done, c);
    }
  while (c->pending > 0)
    {
      g_main_context_iteration (NULL, TRUE);
      threads = MAX (threads, bench_count_threads ());
    }
  t1 = g_get_monotonic_time ();
  for (guint i = 0; i < procs->len; i++)
    {
      c->pending++;
      acrn_process_stop_async (g_ptr_array_index (procs, i), TRUE, 15000, NULL, on_many_done, c);
    }
  while (c->pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_ptr_array_set_size (procs, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  t2 = g_get_monotonic_time ();
  if (c->error != NULL)
    {
      g_propagate_error (error, c->error);
      c->error = NULL;
      return FALSE;
    }
  *out_running = (double) (t1 - t0);
  *out_total = (double) (t2 - t0);
  *out_threads = threads;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(BenchEnv) env = NULL;
  g_autoptr(BenchFloor) floor_ = NULL;
  g_autoptr(BenchSeries) f_total = bench_series_new ();
  g_autoptr(BenchSeries) f_running = bench_series_new ();
  g_autoptr(BenchSeries) g_running = bench_series_new ();
  g_autoptr(BenchSeries) g_total = bench_series_new ();
  g_autoptr(BenchSeries) f_exit = bench_series_new ();
  g_autoptr(BenchSeries) p_exit = bench_series_new ();
  g_autoptr(BenchSeries) p_spawn = bench_series_new ();
  g_autoptr(BenchSeries) p_running = bench_series_new ();
  g_autoptr(BenchSeries) p_stop = bench_series_new ();
  g_autoptr(BenchSeries) p_total = bench_series_new ();
  g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) many_names = g_ptr_array_new ();
  g_autoptr(JsonBuilder) jb = json_builder_new ();
  g_autofree char *json_path = NULL;
  g_autofree char *base_dir = NULL;
  g_auto(GStrv) one = NULL;
  BenchStats s[10];
  Ctx c = { 0, };
  double m_running = 0, m_total = 0, fm_running = 0, fm_total = 0, gm_running = 0, gm_total = 0;
  guint64 soft = 0, hard = 0;
  guint m_threads = 0;
  int cycles = 100, concurrent = 256, warmup = 5, kill_cycles = 50;
  GOptionEntry entries[] = {
    { "cycles", 'n', 0, G_OPTION_ARG_INT, &cycles, "Cycles, each with a floor cycle (default 100)", "N" },
    { "kill-cycles", 'm', 0, G_OPTION_ARG_INT, &kill_cycles, "SIGKILL cycles (default 50)", "M" },
    { "concurrent", 'k', 0, G_OPTION_ARG_INT, &concurrent, "Processes at once (default 256, 0 to skip)", "K" },
    { "tmpdir", 0, 0, G_OPTION_ARG_FILENAME, &base_dir,
      "Where the test bed goes (default /dev/shm if writable, else $TMPDIR)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path, "Also write the results as JSON (- for stdout)", "PATH" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- AcrnProcess against the floor");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (cycles < 1 || concurrent < 0 || kill_cycles < 0)
    {
      g_printerr ("--cycles must be at least 1, --concurrent and --kill-cycles at least 0\n");
      return 2;
    }
  bench_raise_nofile (MAX (1024, (guint64) concurrent * 16 + 256), &soft, &hard);

  env = bench_env_new (4, base_dir, &error);
  if (env == NULL)
    goto fail;
  g_setenv ("FAKE_ACRN_MNGR_DIR", env->mngr_dir, TRUE);
  c.env = env;
  c.log_path = g_build_filename (env->tmpdir, "acrn-dm.log", NULL);
  floor_ = bench_floor_new (env->mngr_dir, &error);
  if (floor_ == NULL)
    goto fail;

  one = make_argv (env, "sbx-bench-proc");
  for (int i = 0; i < warmup + cycles; i++)
    {
      double fr, ft, gr, gt, ps, pr, pst, pt;

      if (!bench_floor_cycle (floor_, (const char * const *) one, "sbx-bench-proc",
                              BENCH_FLOOR_NONE, &fr, &ft, NULL, &error) ||
          !bench_floor_cycle (floor_, (const char * const *) one, "sbx-bench-proc",
                              BENCH_FLOOR_GSUBPROCESS, &gr, &gt, NULL, &error) ||
          !process_cycle (&c, one, &ps, &pr, &pst, &pt, &error))
        goto fail;
      if (i < warmup)
        continue;
      bench_series_add (f_running, fr);
      bench_series_add (f_total, ft);
      bench_series_add (g_running, gr);
      bench_series_add (g_total, gt);
      bench_series_add (p_spawn, ps);
      bench_series_add (p_running, pr);
      bench_series_add (p_stop, pst);
      bench_series_add (p_total, pt);
    }

  for (int i = 0; i < kill_cycles; i++)
    {
      double fe, pl;

      if (!bench_floor_cycle (floor_, (const char * const *) one, "sbx-bench-proc",
                              BENCH_FLOOR_KILL, NULL, NULL, &fe, &error) ||
          !kill_cycle (&c, one, &pl, &error))
        goto fail;
      bench_series_add (f_exit, fe);
      bench_series_add (p_exit, pl);
    }

  if (concurrent > 0)
    {
      for (int i = 0; i < concurrent; i++)
        {
          g_autofree char *name = g_strdup_printf ("sbx-bp%03d", i);

          g_ptr_array_add (many, make_argv (env, name));
          g_ptr_array_add (many_names, ((char **) g_ptr_array_index (many, i))[g_strv_length (g_ptr_array_index (many, i)) - 1]);
        }
      if (!process_many (&c, many, &m_running, &m_total, &m_threads, &error) ||
          !bench_floor_concurrent (floor_, many, many_names, BENCH_FLOOR_NONE,
                                   &fm_running, &fm_total, &error) ||
          !bench_floor_concurrent (floor_, many, many_names, BENCH_FLOOR_GSUBPROCESS,
                                   &gm_running, &gm_total, &error))
        goto fail;
    }

  s[0] = bench_series_stats (f_running);
  s[1] = bench_series_stats (f_total);
  s[2] = bench_series_stats (p_spawn);
  s[3] = bench_series_stats (p_running);
  s[4] = bench_series_stats (p_stop);
  s[5] = bench_series_stats (p_total);
  s[6] = bench_series_stats (g_running);
  s[7] = bench_series_stats (g_total);
  s[8] = bench_series_stats (f_exit);
  s[9] = bench_series_stats (p_exit);

  bench_print_machine_info (BENCH_BUILDTYPE);
  bench_print_stats_header ();
  bench_print_stats_row ("floor: spawn -> answers DM_QUERY", &s[0]);
  bench_print_stats_row ("floor: cycle", &s[1]);
  bench_print_stats_row ("floor/GSubprocess: spawn -> answers", &s[6]);
  bench_print_stats_row ("floor/GSubprocess: cycle", &s[7]);
  bench_print_stats_row ("AcrnProcess: spawn", &s[2]);
  bench_print_stats_row ("AcrnProcess: wait_running", &s[3]);
  bench_print_stats_row ("AcrnProcess: stop + unref", &s[4]);
  bench_print_stats_row ("AcrnProcess: cycle", &s[5]);
  if (kill_cycles > 0)
    {
      bench_print_stats_row ("floor: SIGKILL -> pidfd readable", &s[8]);
      bench_print_stats_row ("AcrnProcess: SIGKILL -> ::exited", &s[9]);
    }
  g_print ("ratio AcrnProcess/floor: median %.3f, mean %.3f\n",
           s[5].median_us / s[1].median_us, s[5].mean_us / s[1].mean_us);
  if (concurrent > 0)
    g_print ("%d at once: AcrnProcess all running %.1f ms, all stopped %.1f ms, %u threads at most; "
             "floor %.1f ms, %.1f ms; floor/GSubprocess %.1f ms, %.1f ms\n", concurrent,
             m_running / 1000, m_total / 1000, m_threads, fm_running / 1000, fm_total / 1000,
             gm_running / 1000, gm_total / 1000);

  if (json_path != NULL)
    {
      static const char *const names[] = { "floor_running", "floor_cycle", "spawn",
                                           "wait_running", "stop", "cycle",
                                           "floor_gsubprocess_running",
                                           "floor_gsubprocess_cycle",
                                           "floor_exit_seen", "exited_latency" };

      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "program");
      json_builder_add_string_value (jb, "bench-acrn-process");
      bench_add_machine_info (jb, BENCH_BUILDTYPE);
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        bench_json_add_stats (jb, names[i], &s[i]);
      if (concurrent > 0)
        {
          json_builder_set_member_name (jb, "concurrent");
          json_builder_begin_object (jb);
          json_builder_set_member_name (jb, "n");
          json_builder_add_int_value (jb, concurrent);
          json_builder_set_member_name (jb, "running_ms");
          json_builder_add_double_value (jb, m_running / 1000);
          json_builder_set_member_name (jb, "total_ms");
          json_builder_add_double_value (jb, m_total / 1000);
          json_builder_set_member_name (jb, "threads_max");
          json_builder_add_int_value (jb, m_threads);
          json_builder_set_member_name (jb, "floor_running_ms");
          json_builder_add_double_value (jb, fm_running / 1000);
          json_builder_set_member_name (jb, "floor_total_ms");
          json_builder_add_double_value (jb, fm_total / 1000);
          json_builder_set_member_name (jb, "floor_gsubprocess_running_ms");
          json_builder_add_double_value (jb, gm_running / 1000);
          json_builder_set_member_name (jb, "floor_gsubprocess_total_ms");
          json_builder_add_double_value (jb, gm_total / 1000);
          json_builder_end_object (jb);
        }
      json_builder_end_object (jb);
      if (!bench_json_write (jb, json_path, &error))
        goto fail;
    }
  g_free (c.log_path);
  return 0;

fail:
  g_printerr ("bench-acrn-process: %s\n", error->message);
  g_free (c.log_path);
  return 1;
}
