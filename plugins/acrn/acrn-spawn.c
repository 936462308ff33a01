/* acrn-spawn.c: starting acrn-dm without copying the manager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GSubprocess (GLib 2.74) starts a child with fork(): the kernel copies
 * the page tables of the whole manager, and both sides then take
 * copy-on-write faults, a cost that grows with the manager's memory and
 * that sits right on the path of every start. Its posix_spawn() path is
 * only taken with G_SUBPROCESS_FLAGS_INHERIT_FDS, which would hand every
 * descriptor the application forgot to mark close-on-exec to acrn-dm. And
 * in both cases the child inherits the signals the application ignores:
 * an application that ignores SIGINT would give us an acrn-dm that a stop
 * cannot reach.
 *
 * So acrn-dm is started here with clone (CLONE_VM | CLONE_VFORK): the child
 * shares the manager's memory until it calls execve(), nothing is copied,
 * and the calling thread waits for that execve(). Until then the child
 * runs on a stack of its own with every signal blocked, uses raw system
 * calls only, and sets up exactly:
 *
 *  - stdin on /dev/null, stdout and stderr on the two pipes;
 *  - every other descriptor closed (close_range);
 *  - a session of its own (a terminal's Ctrl-C is for the manager);
 *  - every signal at its default action, except SIGPIPE, ignored: acrn-dm
 *    must survive its manager going away (its output pipes break);
 *  - an empty signal mask.
 *
 * An execve() failure comes back through a close-on-exec pipe, so that the
 * caller gets the errno, not an exit status 127.
 *
 * The exit is learnt through a pidfd, and the child reaped with waitpid()
 * on that exact pid: nothing else in the process is involved, no SIGCHLD
 * handler, no thread. Without pidfds (Linux < 5.3, or valgrind, which does
 * not know pidfd_open) acrn_spawn_supported() says no, and acrn-process.c
 * falls back to GSubprocess.
 */
#include "config.h"

#include "acrn-spawn.h"

#include "acrn-registry.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#ifndef SYS_pidfd_open
# define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
# define SYS_close_range 436
#endif

/* The child's stack lives in the parent's frame, which the parent does not
 * touch while it waits for the execve() (CLONE_VFORK). The child calls
 * nothing but system calls. */
#define CHILD_STACK_SIZE (32 * 1024)
#define CHILD_ERROR_FD   3
#define KERNEL_NSIG      64

extern char **environ;

/* The kernel's struct sigaction (x86-64, and the generic layout): what
 * rt_sigaction takes, without glibc's wrapper. */
struct kernel_sigaction
{
  void          *handler;
  unsigned long  flags;
  void          *restorer;
  uint64_t       mask;
};

static const struct kernel_sigaction sig_default = { SIG_DFL, 0, NULL, 0 };
static const struct kernel_sigaction sig_ignore = { SIG_IGN, 0, NULL, 0 };
static const uint64_t no_signals = 0;

typedef struct
{
  const char          *path;
  char * const        *argv;
  char * const        *envp;
  int                  stdin_fd;
  int                  stdout_fd;
  int                  stderr_fd;
  int                  error_fd;
  unsigned int         max_fd;   /* for the close() loop without close_range */
  char                 stat[1024];  /* the child's /proc/self/stat, before execve() */
  long                 stat_length;
} ChildArgs;

static int force_fallback = -1;  /* -1: not forced */

/**
 * acrn_spawn_supported:
 *
 * Whether acrn_spawn() can be used: the kernel (or the emulator running us)
 * has pidfd_open(). Asked once per process.
 *
 * Returns: %TRUE if acrn_spawn() can be used
 */
gboolean
acrn_spawn_supported (void)
{
  static gsize checked = 0;
  static gboolean supported = FALSE;

  if (force_fallback >= 0)
    return !force_fallback;

  if (g_once_init_enter (&checked))
    {
      int fd = (int) syscall (SYS_pidfd_open, (pid_t) getpid (), 0);

      supported = fd >= 0;
      if (fd >= 0)
        close (fd);
      g_once_init_leave (&checked, 1);
    }
  return supported;
}

/**
 * acrn_spawn_force_fallback:
 * @fallback: %TRUE to make acrn_spawn_supported() say no
 *
 * For tests: forces the GSubprocess fallback (%TRUE), or lets
 * acrn_spawn_supported() decide again (%FALSE).
 */
void
acrn_spawn_force_fallback (gboolean fallback)
{
  force_fallback = fallback ? 1 : -1;
}

/* The child, between clone() and execve(). It shares the parent's memory
 * and runs on its own stack with every signal blocked: raw system calls
 * only, nothing that takes a lock or allocates, and no sanitizer
 * bookkeeping on a stack that the parent frees. */
__attribute__ ((no_sanitize_address))
static int
child_main (void *data)
{
  ChildArgs *args = data;
  long err, fd;

  /* Our start time, for the state file and the registry: read now. Once
   * execve() has begun, reading the stat file of the new process waits
   * until the whole program is loaded. */
  fd = syscall (SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      args->stat_length = syscall (SYS_read, fd, args->stat, sizeof args->stat - 1);
      syscall (SYS_close, fd);
    }

  if (syscall (SYS_dup3, args->stdin_fd, 0, 0) < 0 ||
      syscall (SYS_dup3, args->stdout_fd, 1, 0) < 0 ||
      syscall (SYS_dup3, args->stderr_fd, 2, 0) < 0)
    goto fail;
  if (args->error_fd != CHILD_ERROR_FD &&
      syscall (SYS_dup3, args->error_fd, CHILD_ERROR_FD, O_CLOEXEC) < 0)
    goto fail;

  if (syscall (SYS_close_range, CHILD_ERROR_FD + 1, ~0U, 0) < 0)
    for (unsigned int other = CHILD_ERROR_FD + 1; other < args->max_fd; other++)
      syscall (SYS_close, other);

  for (int sig = 1; sig <= KERNEL_NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      syscall (SYS_rt_sigaction, sig, sig == SIGPIPE ? &sig_ignore : &sig_default,
               NULL, sizeof (uint64_t));

  if (syscall (SYS_setsid) < 0)
    goto fail;
  syscall (SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, NULL, sizeof (uint64_t));

  syscall (SYS_execve, args->path, args->argv, args->envp);

fail:
  err = errno;
  syscall (SYS_write, CHILD_ERROR_FD, &err, sizeof err);
  syscall (SYS_exit_group, 127);
  return 127;
}

/* Moves @fd above the standard descriptors, so that the child's dup3()
 * onto 0, 1 and 2 never overwrites a descriptor it still has to copy. */
static gboolean
above_stdio (int *fd)
{
  int moved;

  if (*fd > 2)
    return TRUE;
  moved = fcntl (*fd, F_DUPFD_CLOEXEC, CHILD_ERROR_FD + 1);
  if (moved < 0)
    return FALSE;
  close (*fd);
  *fd = moved;
  return TRUE;
}

static void
close_fds (int *fds,
           gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

/**
 * acrn_spawn:
 * @argv: (array zero-terminated=1): the program and its arguments; a
 *   program without a `/` is looked for in `PATH`
 * @out_pid: (out): its pid
 * @out_pidfd: (out): a pidfd for it (pidfds are close-on-exec)
 * @out_start_time: (out): its start time (see acrn_proc_get_start_time()),
 *   0 if it could not be read
 * @out_stdout_fd: (out): the read end of its stdout (non-blocking)
 * @out_stderr_fd: (out): the read end of its stderr (non-blocking)
 * @error: return location for a #GError
 *
 * Starts @argv as described at the top of this file. Only when
 * acrn_spawn_supported(). The caller owns the child: it must reap it,
 * with acrn_spawn_reap() once the pidfd is readable.
 *
 * Returns: %TRUE once the program runs, else %FALSE with
 *   %VMM_ERROR_SPAWN_FAILED (nothing is left behind)
 */
gboolean
acrn_spawn (const char * const  *argv,
            GPid                *out_pid,
            int                 *out_pidfd,
            guint64             *out_start_time,
            int                 *out_stdout_fd,
            int                 *out_stderr_fd,
            GError             **error)
{
  g_autofree char *path = NULL;
  /* out[0], out[1], err[0], err[1], report[0], report[1], devnull */
  int fds[7] = { -1, -1, -1, -1, -1, -1, -1 };
  ChildArgs args = { 0 };
  struct rlimit limit;
  sigset_t all, saved;
  /* aligned as the ABI wants the stack pointer */
  char stack[CHILD_STACK_SIZE] __attribute__ ((aligned (16)));
  pid_t pid;
  long child_errno = 0;
  gssize n;
  int errsv, pidfd;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  g_return_val_if_fail (acrn_spawn_supported (), FALSE);

  path = strchr (argv[0], '/') != NULL ? g_strdup (argv[0]) : g_find_program_in_path (argv[0]);
  if (path == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_SPAWN_FAILED,
                   "Cannot start %s: not found in PATH", argv[0]);
      return FALSE;
    }

  if (pipe2 (&fds[0], O_CLOEXEC) < 0 || pipe2 (&fds[2], O_CLOEXEC) < 0 ||
      pipe2 (&fds[4], O_CLOEXEC) < 0 ||
      (fds[6] = open ("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
    goto fail_errno;
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    if (!above_stdio (&fds[i]))
      goto fail_errno;

  args.path = path;
  args.argv = (char * const *) argv;
  args.envp = environ;
  args.stdin_fd = fds[6];
  args.stdout_fd = fds[1];
  args.stderr_fd = fds[3];
  args.error_fd = fds[5];
  args.max_fd = 65536;
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < args.max_fd)
    args.max_fd = (unsigned int) limit.rlim_cur;

  /* No signal handler of ours may run in the child, which shares our
   * memory; the child unblocks signals once it has reset them. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &saved);
  /* CLONE_PIDFD: the pidfd comes with the child (close-on-exec). */
  pidfd = -1;
  pid = clone (child_main, stack + CHILD_STACK_SIZE,
               CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &args, &pidfd);
  errsv = errno;
  pthread_sigmask (SIG_SETMASK, &saved, NULL);
  if (pid < 0)
    {
      errno = errsv;
      goto fail_errno;
    }

  /* The child's ends: only the child keeps them now. */
  close (fds[1]);
  close (fds[3]);
  close (fds[5]);
  close (fds[6]);
  fds[1] = fds[3] = fds[5] = fds[6] = -1;

  /* Nothing to read once execve() closed the report pipe; else its errno. */
  do
    n = read (fds[4], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  if (n == (gssize) sizeof child_errno)
    {
      close (pidfd);
      acrn_spawn_reap (pid);
      close_fds (fds, G_N_ELEMENTS (fds));
      g_set_error (error, VMM_ERROR, VMM_ERROR_SPAWN_FAILED,
                   "Cannot start %s: %s", path, g_strerror ((int) child_errno));
      return FALSE;
    }
  close (fds[4]);
  fds[4] = -1;

  g_assert (pidfd >= 0);
  fcntl (fds[0], F_SETFL, fcntl (fds[0], F_GETFL) | O_NONBLOCK);
  fcntl (fds[2], F_SETFL, fcntl (fds[2], F_GETFL) | O_NONBLOCK);

  *out_start_time = 0;
  if (args.stat_length > 0 && args.stat_length < (long) sizeof args.stat)
    {
      args.stat[args.stat_length] = '\0';
      if (!acrn_proc_parse_stat (args.stat, NULL, out_start_time))
        *out_start_time = 0;
    }
  *out_pid = pid;
  *out_pidfd = pidfd;
  *out_stdout_fd = fds[0];
  *out_stderr_fd = fds[2];
  return TRUE;

fail_errno:
  errsv = errno;
  close_fds (fds, G_N_ELEMENTS (fds));
  g_set_error (error, VMM_ERROR, VMM_ERROR_SPAWN_FAILED,
               "Cannot start %s: %s", path, g_strerror (errsv));
  return FALSE;
}

/**
 * acrn_spawn_reap:
 * @pid: a child started by acrn_spawn() that has exited (or is about to)
 *
 * Reaps @pid, waiting for it if need be.
 *
 * Returns: its wait status, or -1 if it was reaped by someone else
 */
int
acrn_spawn_reap (GPid pid)
{
  int status = 0;
  pid_t got;

  do
    got = waitpid (pid, &status, 0);
  while (got < 0 && errno == EINTR);
  return got == pid ? status : -1;
}
