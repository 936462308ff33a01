/* bench-common.c: shared pieces of the libvmm benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-common.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

extern char **environ;

#define FLOOR_DEADLINE_US (10 * G_USEC_PER_SEC)

/* The manager protocol (ACRN.md §3), written out by hand on purpose: the
 * floor depends on nothing of libvmm. */
#define MNGR_MSG_SIZE      280
#define MNGR_MAGIC         G_GUINT64_CONSTANT (0x67736d206d6d76)
#define MNGR_DM_QUERY      6

/* ------------------------------------------------------------------------ */
/* statistics                                                               */

BenchSeries *
bench_series_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (double));
}

void
bench_series_add (BenchSeries *series,
                  double       value_us)
{
  g_array_append_val (series, value_us);
}

void
bench_series_free (BenchSeries *series)
{
  g_array_unref (series);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Median (mean of the two middle values for an even count) and p95 by the
 * nearest-rank method: the smallest sample with at least 95% of the
 * samples at or below it. */
BenchStats
bench_series_stats (BenchSeries *series)
{
  BenchStats stats = { 0, };
  g_autoptr(GArray) sorted = NULL;
  double sum = 0;
  guint n = series->len;
  guint rank;

  stats.n = n;
  if (n == 0)
    return stats;

  sorted = g_array_sized_new (FALSE, FALSE, sizeof (double), n);
  g_array_append_vals (sorted, series->data, n);
  g_array_sort (sorted, compare_double);
  for (guint i = 0; i < n; i++)
    sum += g_array_index (sorted, double, i);

  stats.min_us = g_array_index (sorted, double, 0);
  stats.max_us = g_array_index (sorted, double, n - 1);
  stats.mean_us = sum / n;
  if (n % 2 == 1)
    stats.median_us = g_array_index (sorted, double, n / 2);
  else
    stats.median_us = (g_array_index (sorted, double, n / 2 - 1) +
                       g_array_index (sorted, double, n / 2)) / 2;
  rank = (guint) ceil (0.95 * n);
  stats.p95_us = g_array_index (sorted, double, MAX (rank, 1) - 1);
  return stats;
}

/* ------------------------------------------------------------------------ */
/* the test bed                                                             */

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
      GStatBuf st;

      if (g_lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

const char *
bench_default_base_dir (void)
{
  /* In production the store dir (/run/libvmm) and the manager dir
   * (/run/acrn/mngr) are on tmpfs; /tmp may be a disk, where the
   * registry's fsync would dominate. */
  if (g_access ("/dev/shm", W_OK | X_OK) == 0)
    return "/dev/shm";
  return g_get_tmp_dir ();
}

BenchEnv *
bench_env_new (guint        n_cpus,
               const char  *base_dir,
               GError     **error)
{
  g_autoptr(BenchEnv) env = g_new0 (BenchEnv, 1);
  g_autoptr(GString) cpuinfo = g_string_new (NULL);
  g_autofree char *template = NULL;

  /* Short: the console socket <store>/<id>/console.sock must fit in 107
   * bytes. */
  template = g_build_filename (base_dir != NULL ? base_dir : bench_default_base_dir (),
                               "vmmb-XXXXXX", NULL);
  env->tmpdir = g_mkdtemp (template);
  if (env->tmpdir == NULL)
    {
      int errsv = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Cannot create %s: %s", template, g_strerror (errsv));
      return NULL;
    }
  template = NULL;  /* g_mkdtemp() returned it */
  env->mngr_dir = g_build_filename (env->tmpdir, "mngr", NULL);
  env->store_dir = g_build_filename (env->tmpdir, "store", NULL);
  env->kernel = g_build_filename (env->tmpdir, "bzImage", NULL);
  env->cpuinfo = g_build_filename (env->tmpdir, "cpuinfo", NULL);
  env->n_cpus = n_cpus;

  if (g_mkdir (env->mngr_dir, 0755) != 0 || g_mkdir (env->store_dir, 0755) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Cannot create the directories in %s: %s", env->tmpdir, g_strerror (errsv));
      return NULL;
    }
  if (!g_file_set_contents (env->kernel, "not a kernel\n", -1, error))
    return NULL;

  /* The fields acrn-cpuinfo.c reads: processor and apicid. */
  for (guint i = 0; i < n_cpus; i++)
    g_string_append_printf (cpuinfo,
                            "processor\t: %u\n"
                            "model name\t: libvmm benchmark fixture\n"
                            "apicid\t\t: %u\n"
                            "initial apicid\t: %u\n\n",
                            i, i, i);
  if (!g_file_set_contents (env->cpuinfo, cpuinfo->str, (gssize) cpuinfo->len, error))
    return NULL;

  return g_steal_pointer (&env);
}

void
bench_env_free (BenchEnv *env)
{
  if (env == NULL)
    return;
  if (env->tmpdir != NULL)
    remove_tree (env->tmpdir);
  g_free (env->tmpdir);
  g_free (env->mngr_dir);
  g_free (env->store_dir);
  g_free (env->kernel);
  g_free (env->cpuinfo);
  g_free (env);
}

char *
bench_config_json (BenchEnv   *env,
                   const char *id,
                   const char *hypervisor_path,
                   const char *ctl_path)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "hypervisor");
  json_builder_add_string_value (b, "acrn");
  json_builder_set_member_name (b, "kernel");
  json_builder_add_string_value (b, env->kernel);
  json_builder_set_member_name (b, "memory-mib");
  json_builder_add_int_value (b, 256);
  json_builder_set_member_name (b, "vcpus");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "store-dir");
  json_builder_add_string_value (b, env->store_dir);
  json_builder_set_member_name (b, "hypervisor-path");
  json_builder_add_string_value (b, hypervisor_path);
  json_builder_set_member_name (b, "ctl-path");
  json_builder_add_string_value (b, ctl_path);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* ------------------------------------------------------------------------ */
/* the floor                                                                */

BenchFloor *
bench_floor_new (const char  *mngr_dir,
                 GError     **error)
{
  g_autoptr(BenchFloor) floor_ = g_new0 (BenchFloor, 1);

  floor_->inotify_fd = -1;
  floor_->devnull = -1;
  floor_->mngr_dir = g_strdup (mngr_dir);

  if (g_mkdir_with_parents (mngr_dir, 0755) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Cannot create %s: %s", mngr_dir, g_strerror (errsv));
      return NULL;
    }
  floor_->inotify_fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (floor_->inotify_fd < 0 ||
      inotify_add_watch (floor_->inotify_fd, mngr_dir, IN_CREATE | IN_MOVED_TO) < 0)
    {
      int errsv = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Cannot watch %s with inotify: %s", mngr_dir, g_strerror (errsv));
      return NULL;
    }
  floor_->devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (floor_->devnull < 0)
    {
      int errsv = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Cannot open /dev/null: %s", g_strerror (errsv));
      return NULL;
    }
  return g_steal_pointer (&floor_);
}

void
bench_floor_free (BenchFloor *floor_)
{
  if (floor_ == NULL)
    return;
  if (floor_->inotify_fd >= 0)
    close (floor_->inotify_fd);
  if (floor_->devnull >= 0)
    close (floor_->devnull);
  g_free (floor_->mngr_dir);
  g_free (floor_);
}

/* Reads what inotify has; TRUE if @name was created. */
static gboolean
floor_drain_inotify (BenchFloor *floor_,
                     const char *name)
{
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  gboolean seen = FALSE;

  for (;;)
    {
      ssize_t n = read (floor_->inotify_fd, buf, sizeof buf);
      const char *p;

      if (n <= 0)
        return seen;
      for (p = buf; p < buf + n; )
        {
          const struct inotify_event *ev = (const struct inotify_event *) p;

          if (ev->len > 0 && name != NULL && strcmp (ev->name, name) == 0)
            seen = TRUE;
          p += sizeof (struct inotify_event) + ev->len;
        }
    }
}

static void
floor_fail_errno (GError    **error,
                  const char *what)
{
  int errsv = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "floor: %s: %s", what, g_strerror (errsv));
}

/* One DM_QUERY over a new connection; ECONNREFUSED -> *refused. */
static gboolean
floor_query (BenchFloor  *floor_,
             const char  *path,
             gboolean    *refused,
             GError     **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct timeval tv = { .tv_sec = 10 };
  guint8 msg[MNGR_MSG_SIZE] = { 0, };
  guint8 reply[MNGR_MSG_SIZE];
  guint64 magic = GUINT64_TO_LE (MNGR_MAGIC);
  guint32 msgid = GUINT32_TO_LE (MNGR_DM_QUERY);
  gint64 stamp = g_get_monotonic_time ();
  gint64 stamp_le = GINT64_TO_LE (stamp);
  gint32 state;
  gsize got = 0;
  int fd;

  *refused = FALSE;
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      floor_fail_errno (error, "socket");
      return FALSE;
    }
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      if (errno == ECONNREFUSED)
        *refused = TRUE;
      else
        floor_fail_errno (error, "connect");
      close (fd);
      return FALSE;
    }
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  memcpy (msg + 0, &magic, 8);
  memcpy (msg + 8, &msgid, 4);
  memcpy (msg + 16, &stamp_le, 8);
  if (send (fd, msg, sizeof msg, MSG_NOSIGNAL) != (ssize_t) sizeof msg)
    {
      floor_fail_errno (error, "send DM_QUERY");
      close (fd);
      return FALSE;
    }
  while (got < sizeof reply)
    {
      ssize_t n = recv (fd, reply + got, sizeof reply - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = ECONNRESET;
          floor_fail_errno (error, "recv DM_QUERY reply");
          close (fd);
          return FALSE;
        }
      got += (gsize) n;
    }
  close (fd);

  memcpy (&state, reply + 24, 4);
  if (memcmp (reply, msg, 16) != 0 || memcmp (reply + 16, msg + 16, 8) != 0 ||
      GINT32_FROM_LE (state) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "floor: bad DM_QUERY reply on %s (state %d)", path,
                   (int) GINT32_FROM_LE (state));
      return FALSE;
    }
  return TRUE;
}

static char *
describe_status (int status)
{
  if (WIFEXITED (status))
    return g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return g_strdup_printf ("was killed by signal %d", WTERMSIG (status));
  return g_strdup_printf ("ended with wait status 0x%x", status);
}

/* Reaps the child: waitpid, or through GSubprocess (whose child watch
 * reaps it in GLib's worker thread) when there is one. */
static void
floor_reap (GSubprocess *sub,
            pid_t        pid,
            int         *status)
{
  if (sub != NULL)
    {
      g_subprocess_wait (sub, NULL, NULL);
      *status = g_subprocess_get_status (sub);
      return;
    }
  while (waitpid (pid, status, 0) < 0 && errno == EINTR)
    ;
}

static gboolean
floor_exited_early (GSubprocess *sub,
                    pid_t        pid,
                    int         *status)
{
  if (sub != NULL)
    {
      if (g_subprocess_get_identifier (sub) != NULL)
        return FALSE;
      *status = g_subprocess_get_status (sub);
      return TRUE;
    }
  return waitpid (pid, status, WNOHANG) == pid;
}

gboolean
bench_floor_cycle (BenchFloor         *floor_,
                   const char * const *argv,
                   const char         *vm_name,
                   BenchFloorFlags     flags,
                   double             *out_running,
                   double             *out_total,
                   double             *out_exit_seen,
                   GError            **error)
{
  posix_spawn_file_actions_t actions;
  g_autoptr(GSubprocess) sub = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  struct pollfd pfd[2];
  gint64 t0, t_running, t_kill, t_seen, t_end, deadline;
  gboolean socket_seen = FALSE;
  gboolean kill_it = (flags & BENCH_FLOOR_KILL) != 0;
  pid_t pid;
  int pidfd, status = 0, rc;

  floor_drain_inotify (floor_, NULL);

  if (flags & BENCH_FLOOR_GSUBPROCESS)
    {
      /* as the backend spawns: output on pipes (nobody reads them here;
       * the fake's few boot lines fit in a pipe) */
      t0 = g_get_monotonic_time ();
      sub = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
      if (sub == NULL)
        return FALSE;
      pid = (pid_t) atoi (g_subprocess_get_identifier (sub));
    }
  else
    {
      posix_spawn_file_actions_init (&actions);
      posix_spawn_file_actions_adddup2 (&actions, floor_->devnull, STDIN_FILENO);
      posix_spawn_file_actions_adddup2 (&actions, floor_->devnull, STDOUT_FILENO);
      posix_spawn_file_actions_adddup2 (&actions, floor_->devnull, STDERR_FILENO);

      t0 = g_get_monotonic_time ();
      rc = posix_spawn (&pid, argv[0], &actions, NULL, (char * const *) argv, environ);
      posix_spawn_file_actions_destroy (&actions);
      if (rc != 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (rc),
                       "floor: cannot spawn %s: %s", argv[0], g_strerror (rc));
          return FALSE;
        }
    }
  deadline = t0 + FLOOR_DEADLINE_US;
  pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0 && errno != ENOSYS)
    {
      floor_fail_errno (error, "pidfd_open");
      kill (pid, SIGKILL);
      floor_reap (sub, pid, &status);
      return FALSE;
    }
  /* Without pidfd_open (valgrind does not know it), an early exit is seen
   * by waitpid(WNOHANG) every 10 ms. */

  name = g_strdup_printf ("%s.monitor.%d.socket", vm_name, (int) pid);
  path = g_build_filename (floor_->mngr_dir, name, NULL);

  /* Wait for the socket (inotify) or the exit (pidfd), then query. */
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gboolean refused = FALSE;
      GError *local_error = NULL;

      if (now >= deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "floor: %s did not answer on %s within 10 s", argv[0], path);
          goto kill_and_fail;
        }
      if (!socket_seen)
        {
          pfd[0] = (struct pollfd) { .fd = floor_->inotify_fd, .events = POLLIN };
          pfd[1] = (struct pollfd) { .fd = pidfd, .events = POLLIN };
          if (poll (pfd, 2, pidfd >= 0 ? (int) ((deadline - now) / 1000) + 1 : 10) < 0 &&
              errno != EINTR)
            {
              floor_fail_errno (error, "poll");
              goto kill_and_fail;
            }
          if (pfd[1].revents != 0 || (pidfd < 0 && floor_exited_early (sub, pid, &status)))
            {
              g_autofree char *how = NULL;

              if (pidfd >= 0)
                {
                  floor_reap (sub, pid, &status);
                  close (pidfd);
                }
              how = describe_status (status);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "floor: %s %s before it answered", argv[0], how);
              return FALSE;
            }
          if (pfd[0].revents == 0 || !floor_drain_inotify (floor_, name))
            continue;
          socket_seen = TRUE;
        }

      if (floor_query (floor_, path, &refused, &local_error))
        break;
      if (!refused)
        {
          g_propagate_error (error, local_error);
          goto kill_and_fail;
        }
      /* bound but not listening yet: no event marks listen(), retry at once */
      floor_->connect_retries++;
      sched_yield ();
    }
  t_running = g_get_monotonic_time ();

  t_kill = g_get_monotonic_time ();
  kill (pid, kill_it ? SIGKILL : SIGINT);
  pfd[0] = (struct pollfd) { .fd = pidfd, .events = POLLIN };
  while (pidfd >= 0 && poll (pfd, 1, FLOOR_DEADLINE_US / 1000) < 0 && errno == EINTR)
    ;
  t_seen = g_get_monotonic_time ();
  floor_reap (sub, pid, &status);
  t_end = g_get_monotonic_time ();
  if (pidfd >= 0)
    close (pidfd);
  else
    t_seen = t_end;

  if (kill_it ? !(WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL)
              : !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    {
      g_autofree char *how = describe_status (status);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "floor: %s %s after %s", argv[0], how, kill_it ? "SIGKILL" : "SIGINT");
      return FALSE;
    }
  if (kill_it)
    g_unlink (path);  /* killed acrn-dm leaves its socket behind */

  if (out_running != NULL)
    *out_running = (double) (t_running - t0);
  if (out_total != NULL)
    *out_total = (double) (t_end - t0);
  if (out_exit_seen != NULL)
    *out_exit_seen = (double) (t_seen - t_kill);
  return TRUE;

kill_and_fail:
  kill (pid, SIGKILL);
  floor_reap (sub, pid, &status);
  if (pidfd >= 0)
    close (pidfd);
  g_unlink (path);
  return FALSE;
}

/* Reads what inotify has; marks every expected name that was created. */
static void
floor_drain_inotify_table (BenchFloor *floor_,
                           GHashTable *expected,
                           GQueue     *created)
{
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));

  for (;;)
    {
      ssize_t n = read (floor_->inotify_fd, buf, sizeof buf);
      const char *p;

      if (n <= 0)
        return;
      for (p = buf; p < buf + n; )
        {
          const struct inotify_event *ev = (const struct inotify_event *) p;
          gpointer index;

          if (ev->len > 0 && g_hash_table_lookup_extended (expected, ev->name, NULL, &index))
            g_queue_push_tail (created, index);
          p += sizeof (struct inotify_event) + ev->len;
        }
    }
}

gboolean
bench_floor_concurrent (BenchFloor      *floor_,
                        GPtrArray       *argvs,
                        GPtrArray       *vm_names,
                        BenchFloorFlags  flags,
                        double          *out_all_running,
                        double      *out_total,
                        GError     **error)
{
  guint n = argvs->len;
  g_autofree pid_t *pids = g_new0 (pid_t, n);
  g_autoptr(GPtrArray) subs = g_ptr_array_new_full (n, (GDestroyNotify) g_object_unref);
  g_autofree gboolean *answered = g_new0 (gboolean, n);
  g_autofree struct pollfd *pfd = g_new0 (struct pollfd, n + 1);
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  GQueue created = G_QUEUE_INIT;
  posix_spawn_file_actions_t actions;
  gint64 t0, t_running, t_end, deadline;
  guint n_spawned = 0, n_running = 0;
  gboolean ok = FALSE, bad_exit = FALSE;

  g_return_val_if_fail (vm_names->len == n, FALSE);

  floor_drain_inotify (floor_, NULL);
  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_adddup2 (&actions, floor_->devnull, STDIN_FILENO);
  posix_spawn_file_actions_adddup2 (&actions, floor_->devnull, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2 (&actions, floor_->devnull, STDERR_FILENO);
  pfd[0] = (struct pollfd) { .fd = floor_->inotify_fd, .events = POLLIN };
  for (guint i = 0; i < n; i++)
    pfd[i + 1].fd = -1;

  t0 = g_get_monotonic_time ();
  deadline = t0 + 6 * FLOOR_DEADLINE_US;
  for (guint i = 0; i < n; i++)
    {
      char **argv = g_ptr_array_index (argvs, i);
      char *name;
      int rc;

      if (flags & BENCH_FLOOR_GSUBPROCESS)
        {
          GSubprocess *sub = g_subprocess_newv ((const char * const *) argv,
                                                G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                G_SUBPROCESS_FLAGS_STDERR_PIPE, error);

          if (sub == NULL)
            goto out;
          g_ptr_array_add (subs, sub);
          pids[i] = (pid_t) atoi (g_subprocess_get_identifier (sub));
        }
      else
        {
          rc = posix_spawn (&pids[i], argv[0], &actions, NULL, argv, environ);
          if (rc != 0)
            {
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (rc),
                           "floor: cannot spawn %s: %s", argv[0], g_strerror (rc));
              goto out;
            }
        }
      n_spawned++;
      /* without pidfd_open (valgrind), early exits show as a timeout */
      pfd[i + 1] = (struct pollfd) { .fd = (int) syscall (SYS_pidfd_open, pids[i], 0),
                                     .events = POLLIN };
      if (pfd[i + 1].fd < 0 && errno != ENOSYS)
        {
          floor_fail_errno (error, "pidfd_open");
          goto out;
        }
      name = g_strdup_printf ("%s.monitor.%d.socket",
                              (const char *) g_ptr_array_index (vm_names, i), (int) pids[i]);
      g_ptr_array_add (paths, g_build_filename (floor_->mngr_dir, name, NULL));
      g_hash_table_insert (expected, name, GUINT_TO_POINTER (i));
    }

  while (n_running < n)
    {
      gint64 now = g_get_monotonic_time ();

      if (now >= deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "floor: only %u of %u answered within %d s", n_running, n,
                       (int) (6 * FLOOR_DEADLINE_US / G_USEC_PER_SEC));
          goto out;
        }
      if (poll (pfd, n + 1, (int) ((deadline - now) / 1000) + 1) < 0 && errno != EINTR)
        {
          floor_fail_errno (error, "poll");
          goto out;
        }
      for (guint i = 0; i < n; i++)
        if (!answered[i] && pfd[i + 1].fd >= 0 && pfd[i + 1].revents != 0)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "floor: %s (pid %d) exited before it answered",
                         ((char **) g_ptr_array_index (argvs, i))[0], (int) pids[i]);
            goto out;
          }
      if (pfd[0].revents == 0)
        continue;
      floor_drain_inotify_table (floor_, expected, &created);
      while (!g_queue_is_empty (&created))
        {
          guint i = GPOINTER_TO_UINT (g_queue_pop_head (&created));
          GError *local_error = NULL;
          gboolean refused = FALSE;

          while (!floor_query (floor_, g_ptr_array_index (paths, i), &refused, &local_error))
            {
              if (!refused || g_get_monotonic_time () >= deadline)
                {
                  if (local_error == NULL)
                    g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 "floor: %s refuses connections",
                                 (const char *) g_ptr_array_index (paths, i));
                  g_propagate_error (error, local_error);
                  goto out;
                }
              floor_->connect_retries++;
              sched_yield ();
            }
          if (pfd[i + 1].fd >= 0)
            close (pfd[i + 1].fd);
          pfd[i + 1].fd = -1;
          answered[i] = TRUE;
          n_running++;
        }
    }
  t_running = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    kill (pids[i], SIGINT);
  for (guint i = 0; i < n; i++)
    {
      int status = 0;

      floor_reap (i < subs->len ? g_ptr_array_index (subs, i) : NULL, pids[i], &status);
      pids[i] = 0;
      if (!(WIFEXITED (status) && WEXITSTATUS (status) == 0))
        {
          g_autofree char *how = describe_status (status);

          if (!bad_exit)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "floor: a fake acrn-dm %s after SIGINT", how);
          bad_exit = TRUE;
        }
    }
  t_end = g_get_monotonic_time ();
  n_spawned = 0;
  ok = !bad_exit;
  *out_all_running = (double) (t_running - t0);
  *out_total = (double) (t_end - t0);

out:
  posix_spawn_file_actions_destroy (&actions);
  g_queue_clear (&created);
  for (guint i = 0; i < n_spawned; i++)
    if (pids[i] > 0)
      {
        int status;

        kill (pids[i], SIGKILL);
        floor_reap (i < subs->len ? g_ptr_array_index (subs, i) : NULL, pids[i], &status);
      }
  for (guint i = 0; i < n; i++)
    if (pfd[i + 1].fd >= 0)
      close (pfd[i + 1].fd);
  for (guint i = 0; i < paths->len && !ok; i++)
    g_unlink (g_ptr_array_index (paths, i));
  return ok;
}

/* ------------------------------------------------------------------------ */
/* the machine and the process                                              */

guint
bench_count_dir_entries (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

guint
bench_count_threads (void)
{
  return bench_count_dir_entries ("/proc/self/task");
}

guint
bench_count_fds (void)
{
  /* minus the fd of the directory being read */
  return bench_count_dir_entries ("/proc/self/fd") - 1;
}

gboolean
bench_raise_nofile (guint64  wanted,
                    guint64 *out_soft,
                    guint64 *out_hard)
{
  struct rlimit rl;
  gboolean ok = TRUE;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return FALSE;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < wanted)
    {
      rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > wanted) ? wanted : rl.rlim_max;
      ok = setrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= wanted;
      getrlimit (RLIMIT_NOFILE, &rl);
    }
  *out_soft = rl.rlim_cur;
  *out_hard = rl.rlim_max;
  return ok;
}

guint64
bench_heap_in_use (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  /* uordblks: bytes in use in chunks of every arena; hblkhd: bytes in
   * chunks allocated with mmap (large allocations) */
  return (guint64) mi.uordblks + (guint64) mi.hblkhd;
}

static guint64
status_kib (const char *path,
            const char *key)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize keylen = strlen (key);

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], key, keylen) == 0 && lines[i][keylen] == ':')
      return g_ascii_strtoull (lines[i] + keylen + 1, NULL, 10);
  return 0;
}

guint64
bench_rss_bytes (void)
{
  return status_kib ("/proc/self/status", "VmRSS") * 1024;
}

static char *
cpu_model (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &contents, NULL, NULL))
    return g_strdup ("unknown");
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "model name"))
      {
        const char *colon = strchr (lines[i], ':');

        if (colon != NULL)
          return g_strstrip (g_strdup (colon + 1));
      }
  return g_strdup ("unknown");
}

void
bench_add_machine_info (JsonBuilder *b,
                        const char  *buildtype)
{
  struct utsname uts;
  g_autofree char *model = cpu_model ();
  g_autofree char *glib = g_strdup_printf ("%u.%u.%u", glib_major_version,
                                           glib_minor_version, glib_micro_version);

  uname (&uts);
  json_builder_set_member_name (b, "machine");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "nproc");
  json_builder_add_int_value (b, g_get_num_processors ());
  json_builder_set_member_name (b, "cpu_model");
  json_builder_add_string_value (b, model);
  json_builder_set_member_name (b, "mem_total_kib");
  json_builder_add_int_value (b, (gint64) status_kib ("/proc/meminfo", "MemTotal"));
  json_builder_set_member_name (b, "kernel");
  json_builder_add_string_value (b, uts.release);
  json_builder_set_member_name (b, "buildtype");
  json_builder_add_string_value (b, buildtype);
  json_builder_set_member_name (b, "glib");
  json_builder_add_string_value (b, glib);
  json_builder_end_object (b);
}

void
bench_print_machine_info (const char *buildtype)
{
  struct utsname uts;
  g_autofree char *model = cpu_model ();

  uname (&uts);
  g_print ("machine: %u CPUs (%s), %" G_GUINT64_FORMAT " MiB, Linux %s, GLib %u.%u.%u, "
           "build type %s\n",
           g_get_num_processors (), model, status_kib ("/proc/meminfo", "MemTotal") / 1024,
           uts.release, glib_major_version, glib_minor_version, glib_micro_version, buildtype);
}

/* ------------------------------------------------------------------------ */
/* output                                                                   */

void
bench_print_stats_header (void)
{
  g_print ("%-44s %6s %10s %10s %10s %10s %10s\n",
           "measure (ms)", "n", "median", "p95", "mean", "min", "max");
}

void
bench_print_stats_row (const char *label,
                       BenchStats *s)
{
  g_print ("%-44s %6u %10.3f %10.3f %10.3f %10.3f %10.3f\n", label, s->n,
           s->median_us / 1000, s->p95_us / 1000, s->mean_us / 1000,
           s->min_us / 1000, s->max_us / 1000);
}

void
bench_json_add_stats (JsonBuilder *b,
                      const char  *name,
                      BenchStats  *s)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, s->n);
  json_builder_set_member_name (b, "median_ms");
  json_builder_add_double_value (b, s->median_us / 1000);
  json_builder_set_member_name (b, "p95_ms");
  json_builder_add_double_value (b, s->p95_us / 1000);
  json_builder_set_member_name (b, "mean_ms");
  json_builder_add_double_value (b, s->mean_us / 1000);
  json_builder_set_member_name (b, "min_ms");
  json_builder_add_double_value (b, s->min_us / 1000);
  json_builder_set_member_name (b, "max_ms");
  json_builder_add_double_value (b, s->max_us / 1000);
  json_builder_end_object (b);
}

gboolean
bench_json_write (JsonBuilder *b,
                  const char  *path,
                  GError     **error)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (b);
  g_autofree char *data = NULL;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  data = json_generator_to_data (gen, NULL);
  if (g_strcmp0 (path, "-") == 0)
    {
      g_print ("%s\n", data);
      return TRUE;
    }
  /* A device or a pipe (/dev/null, /dev/stdout) is written into; only a
   * regular file is replaced atomically (which would put a regular file
   * in the place of a device). */
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      FILE *out = fopen (path, "w");
      gboolean ok;

      if (out == NULL)
        {
          int errsv = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                       "Cannot open %s: %s", path, g_strerror (errsv));
          return FALSE;
        }
      ok = fputs (data, out) >= 0 && fputc ('\n', out) != EOF;
      ok = fclose (out) == 0 && ok;
      if (!ok)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "Cannot write %s", path);
      return ok;
    }
  return g_file_set_contents (path, data, -1, error);
}
