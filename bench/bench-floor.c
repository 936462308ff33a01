/* bench-floor.c: the floor of the ACRN backend's start/stop cycle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * N cycles of: spawn the fake acrn-dm with the argv the ACRN backend builds
 * for the benchmark config (acrn_cmdline_build()), wait with inotify until
 * its manager socket answers one DM_QUERY, SIGINT, reap. No GLib main loop,
 * no libvmm object: the least work any manager of acrn-dm must do.
 * bench-acrn runs the same floor in its own run; this program is the floor
 * alone.
 *
 *   bench-floor [--cycles N] [--kill-cycles M] [--json PATH|-]
 *               [--fake-acrn-dm PATH]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <libvmm/vmm.h>

#include "acrn-cmdline.h"
#include "acrn-name.h"
#include "bench-common.h"

#define BENCH_VM_ID "bench-floor"

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(BenchEnv) env = NULL;
  g_autoptr(BenchFloor) floor_ = NULL;
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(BenchSeries) total = bench_series_new ();
  g_autoptr(BenchSeries) running = bench_series_new ();
  g_autoptr(BenchSeries) exit_seen = bench_series_new ();
  g_autoptr(BenchSeries) gtotal = bench_series_new ();
  g_autoptr(BenchSeries) grunning = bench_series_new ();
  g_autoptr(JsonBuilder) jb = json_builder_new ();
  g_autofree char *json = NULL;
  g_autofree char *vm_name = NULL;
  g_autofree char *vm_dir = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *base_dir = NULL;
  g_autofree char *fake_dm = NULL;
  g_auto(GStrv) dm_argv = NULL;
  const guint lapic_ids[] = { 0 };
  BenchStats s_total, s_running, s_exit, s_gtotal, s_grunning;
  int cycles = 200, kill_cycles = 50, warmup = 5;
  GOptionEntry entries[] = {
    { "cycles", 'n', 0, G_OPTION_ARG_INT, &cycles, "Spawn/stop cycles (default 200)", "N" },
    { "kill-cycles", 0, 0, G_OPTION_ARG_INT, &kill_cycles,
      "Spawn/SIGKILL cycles for the exit-noticed floor (default 50)", "M" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Untimed cycles first (default 5)", "W" },
    { "tmpdir", 0, 0, G_OPTION_ARG_FILENAME, &base_dir,
      "Where the test bed goes (default /dev/shm if writable, else $TMPDIR)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path, "Also write the results as JSON (- for stdout)", "PATH" },
    { "fake-acrn-dm", 0, 0, G_OPTION_ARG_FILENAME, &fake_dm, "The fake acrn-dm", "PATH" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- the floor of the acrn-dm start/stop cycle");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (fake_dm == NULL)
    fake_dm = g_strdup (BENCH_FAKE_ACRN_DM);
  if (cycles < 1 || kill_cycles < 0 || warmup < 0)
    {
      g_printerr ("--cycles must be at least 1, --kill-cycles and --warmup at least 0\n");
      return 2;
    }

  env = bench_env_new (4, base_dir, &error);
  if (env == NULL)
    goto fail;
  g_setenv ("FAKE_ACRN_MNGR_DIR", env->mngr_dir, TRUE);

  /* The argv the backend builds for this config (one vCPU on LAPIC id 0,
   * console socket in <store>/<id>/). */
  json = bench_config_json (env, BENCH_VM_ID, fake_dm, "/bin/false");
  config = vmm_hypervisor_config_new_from_json (json, -1, &error);
  if (config == NULL)
    goto fail;
  vm_name = acrn_vm_name_for_id (BENCH_VM_ID);
  dm_argv = acrn_cmdline_build (config, vm_name, lapic_ids, G_N_ELEMENTS (lapic_ids),
                                NULL, NULL, &error);
  if (dm_argv == NULL)
    goto fail;
  vm_dir = g_build_filename (env->store_dir, BENCH_VM_ID, NULL);
  g_mkdir (vm_dir, 0700);

  floor_ = bench_floor_new (env->mngr_dir, &error);
  if (floor_ == NULL)
    goto fail;

  for (int i = 0; i < warmup + cycles; i++)
    {
      double r, t, gr, gt;

      if (!bench_floor_cycle (floor_, (const char * const *) dm_argv, vm_name, BENCH_FLOOR_NONE,
                              &r, &t, NULL, &error) ||
          !bench_floor_cycle (floor_, (const char * const *) dm_argv, vm_name,
                              BENCH_FLOOR_GSUBPROCESS, &gr, &gt, NULL, &error))
        goto fail;
      if (i >= warmup)
        {
          bench_series_add (running, r);
          bench_series_add (total, t);
          bench_series_add (grunning, gr);
          bench_series_add (gtotal, gt);
        }
    }
  for (int i = 0; i < kill_cycles; i++)
    {
      double e;

      if (!bench_floor_cycle (floor_, (const char * const *) dm_argv, vm_name, BENCH_FLOOR_KILL,
                              NULL, NULL, &e, &error))
        goto fail;
      bench_series_add (exit_seen, e);
    }

  s_total = bench_series_stats (total);
  s_running = bench_series_stats (running);
  s_exit = bench_series_stats (exit_seen);
  s_gtotal = bench_series_stats (gtotal);
  s_grunning = bench_series_stats (grunning);

  bench_print_machine_info (BENCH_BUILDTYPE);
  {
    g_autofree char *cmd = g_strjoinv (" ", dm_argv);
    g_print ("argv: %s\n", cmd);
  }
  g_print ("connect retries (socket bound, not yet listening): %u\n\n", floor_->connect_retries);
  bench_print_stats_header ();
  bench_print_stats_row ("floor: spawn -> answers DM_QUERY", &s_running);
  bench_print_stats_row ("floor: cycle (spawn .. SIGINT, reaped)", &s_total);
  bench_print_stats_row ("floor/GSubprocess: spawn -> answers", &s_grunning);
  bench_print_stats_row ("floor/GSubprocess: cycle", &s_gtotal);
  if (kill_cycles > 0)
    bench_print_stats_row ("floor: SIGKILL -> exit seen (pidfd)", &s_exit);

  if (json_path != NULL)
    {
      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "program");
      json_builder_add_string_value (jb, "bench-floor");
      bench_add_machine_info (jb, BENCH_BUILDTYPE);
      json_builder_set_member_name (jb, "floor");
      json_builder_begin_object (jb);
      bench_json_add_stats (jb, "running", &s_running);
      bench_json_add_stats (jb, "cycle", &s_total);
      bench_json_add_stats (jb, "gsubprocess_running", &s_grunning);
      bench_json_add_stats (jb, "gsubprocess_cycle", &s_gtotal);
      if (kill_cycles > 0)
        bench_json_add_stats (jb, "exit_seen", &s_exit);
      json_builder_set_member_name (jb, "connect_retries");
      json_builder_add_int_value (jb, floor_->connect_retries);
      json_builder_end_object (jb);
      json_builder_end_object (jb);
      if (!bench_json_write (jb, json_path, &error))
        goto fail;
    }
  return 0;

fail:
  g_printerr ("bench-floor: %s\n", error->message);
  return 1;
}
