/* bench-common.h: shared pieces of the libvmm benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark programs only (never run by `meson test`). The "floor" here is
 * the least work any manager of acrn-dm must do per VM: spawn the program,
 * wait until its manager socket answers DM_QUERY, send SIGINT, reap it. It
 * uses raw system calls (posix_spawn, inotify, pidfd, a blocking socket),
 * no GLib main loop, so it is the baseline the library is measured against.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ---- statistics ------------------------------------------------------ */

typedef struct {
  guint   n;
  double  min_us;
  double  median_us;
  double  p95_us;
  double  mean_us;
  double  max_us;
} BenchStats;

/* A series of samples, in microseconds. */
typedef GArray BenchSeries;

BenchSeries *bench_series_new      (void);
void         bench_series_add      (BenchSeries *series,
                                    double       value_us);
void         bench_series_free     (BenchSeries *series);
BenchStats   bench_series_stats    (BenchSeries *series);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchSeries, bench_series_free)

/* ---- the test bed: a temp dir with the fixtures ------------------------ */

typedef struct {
  char *tmpdir;      /* removed by bench_env_free() */
  char *mngr_dir;    /* <tmpdir>/mngr: the fake acrn-dm's manager sockets */
  char *store_dir;   /* <tmpdir>/store: libvmm's store dir (registry, per-VM dirs) */
  char *kernel;      /* <tmpdir>/bzImage: a dummy kernel file */
  char *cpuinfo;     /* <tmpdir>/cpuinfo: a /proc/cpuinfo with n_cpus CPUs */
  guint n_cpus;
} BenchEnv;

/* The dir the test bed goes in by default: /dev/shm (tmpfs, as /run is in
 * production) if writable, else g_get_tmp_dir(). */
const char *bench_default_base_dir (void);
BenchEnv *bench_env_new            (guint        n_cpus,
                                    const char  *base_dir,
                                    GError     **error);
void      bench_env_free           (BenchEnv    *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchEnv, bench_env_free)

/* The JSON config every benchmark VM uses (the id varies). */
char     *bench_config_json        (BenchEnv    *env,
                                    const char  *id,
                                    const char  *hypervisor_path,
                                    const char  *ctl_path);

/* ---- the floor ----------------------------------------------------------- */

typedef struct {
  int    inotify_fd;     /* watches the manager dir for the whole run */
  char  *mngr_dir;
  int    devnull;
  guint  connect_retries;  /* ECONNREFUSED between the fake's bind() and listen() */
} BenchFloor;

BenchFloor *bench_floor_new        (const char  *mngr_dir,
                                    GError     **error);
void        bench_floor_free       (BenchFloor  *floor_);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchFloor, bench_floor_free)

typedef enum {
  BENCH_FLOOR_NONE        = 0,
  BENCH_FLOOR_KILL        = 1 << 0,  /* SIGKILL instead of SIGINT */
  BENCH_FLOOR_GSUBPROCESS = 1 << 1,  /* spawn with GSubprocess (output on pipes), not posix_spawn */
} BenchFloorFlags;

/* One cycle: spawn @argv (argv[0] is the program), wait for
 * <mngr_dir>/<vm_name>.monitor.<pid>.socket to answer DM_QUERY with state
 * 0, then SIGINT (or SIGKILL with BENCH_FLOOR_KILL) and reap. Times in µs:
 * @out_running from spawn to the answer, @out_total from spawn to reaped,
 * @out_exit_seen from right before kill() to the pidfd becoming readable
 * (the exit noticed). Fails if the program exits early, answers wrongly,
 * or takes more than 10 s. */
gboolean    bench_floor_cycle      (BenchFloor         *floor_,
                                    const char * const *argv,
                                    const char         *vm_name,
                                    BenchFloorFlags     flags,
                                    double             *out_running,
                                    double             *out_total,
                                    double             *out_exit_seen,
                                    GError            **error);

/* @n programs at once: spawn all, wait until every manager socket answered
 * one DM_QUERY (one thread, inotify), SIGINT all, reap all. @argvs holds
 * @n GStrv, @vm_names their VM names. Wall times in µs. */
gboolean    bench_floor_concurrent (BenchFloor         *floor_,
                                    GPtrArray          *argvs,
                                    GPtrArray          *vm_names,
                                    BenchFloorFlags     flags,
                                    double             *out_all_running,
                                    double             *out_total,
                                    GError            **error);

/* ---- the machine and the process ----------------------------------------- */

guint    bench_count_dir_entries   (const char  *path);
guint    bench_count_threads       (void);
guint    bench_count_fds           (void);
gboolean bench_raise_nofile        (guint64      wanted,
                                    guint64     *out_soft,
                                    guint64     *out_hard);
/* Bytes in use by malloc (all arenas, mmapped chunks included). */
guint64  bench_heap_in_use         (void);
guint64  bench_rss_bytes           (void);
void     bench_add_machine_info    (JsonBuilder *builder,
                                    const char  *buildtype);
void     bench_print_machine_info  (const char  *buildtype);

/* ---- output ------------------------------------------------------------- */

void     bench_print_stats_header  (void);
void     bench_print_stats_row     (const char  *label,
                                    BenchStats  *stats);
void     bench_json_add_stats      (JsonBuilder *builder,
                                    const char  *name,
                                    BenchStats  *stats);
gboolean bench_json_write          (JsonBuilder *builder,
                                    const char  *path,
                                    GError     **error);

G_END_DECLS
