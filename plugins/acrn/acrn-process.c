/* acrn-process.c: supervision of one acrn-dm process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "acrn-process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#include "acrn-mngr.h"
#include "acrn-registry.h"
#include "acrn-spawn.h"

#ifndef SYS_pidfd_open
# define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
# define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
# define P_PIDFD 3
#endif

/* The longest part of an output line kept in the in-memory tail. */
#define TAIL_LINE_MAX 256
/* Bytes read from a pipe per wake-up, at most, before yielding. */
#define READ_BUDGET (64 * 1024)
/* Retry delays while the manager socket exists but does not accept yet. */
#define RETRY_FIRST_MS 1
#define RETRY_MAX_MS   32

enum {
  PIPE_STDOUT,
  PIPE_STDERR,
  N_PIPES
};

typedef struct
{
  AcrnProcess  *self;        /* unowned: the process owns its pipes */
  guint         index;
  int           fd;          /* owned, non-blocking, read directly; -1 when none */
  GSource      *source;      /* reader in the owner context */
  GString      *partial;     /* an unfinished line, at most ACRN_PROCESS_LINE_MAX */
  GQueue        tail;        /* of char*, the last lines */
  gboolean      eof;
} OutputPipe;

struct _AcrnProcess
{
  GObject       parent_instance;

  GMutex        lock;            /* guards the output and exit fields */
  GMainContext *context;         /* the owner context */
  char         *vm_id;
  GPid          pid;
  guint64       start_time;
  gboolean      is_child;        /* we spawned it (else re-attached) */
  GSubprocess  *subprocess;      /* the child, when spawned without pidfds */
  int           pidfd;           /* -1 once the process is known to be gone */

  /* exit */
  gboolean      exited;          /* the exit is known, with its status */
  gboolean      collecting;      /* the wait status is being collected */
  int           wait_status;     /* -1 when unknown */
  gboolean      exited_emitted;
  GSource      *exit_watch;      /* pidfd watch in the owner context */
  GCancellable *watch_cancellable; /* owner GSubprocess wait, without pidfd */

  /* output */
  OutputPipe    pipes[N_PIPES];
  GSource      *output_wakeup;   /* made ready when output arrives */
  char         *log_path;
  int           log_fd;
  GString      *log_pending;     /* whole lines not written yet */
  char          log_stamp[32];   /* time stamp of the lines of one read */
  goffset       log_size;
  gboolean      log_failed;
};

G_DEFINE_FINAL_TYPE (AcrnProcess, acrn_process, G_TYPE_OBJECT)

enum {
  SIGNAL_EXITED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const pipe_names[N_PIPES] = { "stdout", "stderr" };

/* ---- small helpers ------------------------------------------------------ */

static int
pidfd_open (GPid pid)
{
  return (int) syscall (SYS_pidfd_open, (pid_t) pid, 0);
}

static int
pidfd_send_signal (int pidfd,
                   int signum)
{
  return (int) syscall (SYS_pidfd_send_signal, pidfd, signum, NULL, 0);
}

/* Runs in the child between fork and exec (the GSubprocess fallback, see
 * acrn-spawn.c, which gives acrn-dm the same start): only
 * async-signal-safe calls. A session of its own keeps a terminal's Ctrl-C
 * away from acrn-dm (the manager decides how to stop it); every signal at
 * its default action and none blocked, whatever the application does with
 * them, except SIGPIPE, ignored: acrn-dm must stay alive if its manager
 * goes away and nobody reads its output any more. */
static void
child_setup (gpointer user_data)
{
  struct sigaction action;
  sigset_t none;

  memset (&action, 0, sizeof action);
  for (int sig = 1; sig < NSIG; sig++)
    {
      if (sig == SIGKILL || sig == SIGSTOP)
        continue;
      action.sa_handler = sig == SIGPIPE ? SIG_IGN : SIG_DFL;
      sigaction (sig, &action, NULL);
    }
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  setsid ();
}

static void
process_log (AcrnProcess    *self,
             GLogLevelFlags  level,
             const char     *format,
             ...) G_GNUC_PRINTF (3, 4);

static void
process_log (AcrnProcess    *self,
             GLogLevelFlags  level,
             const char     *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;
  char pid[16];

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_snprintf (pid, sizeof pid, "%d", (int) self->pid);
  g_log_structured (G_LOG_DOMAIN, level,
                    "VMM_VM_ID", self->vm_id,
                    "ACRN_DM_PID", pid,
                    "MESSAGE", "%s", message);
}

/* ---- output: log file, structured log, tail ------------------------------ */

static void
log_file_open (AcrnProcess *self)
{
  struct stat st;

  self->log_fd = g_open (self->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (self->log_fd < 0)
    {
      int errsv = errno;

      if (!self->log_failed)
        process_log (self, G_LOG_LEVEL_WARNING, "Cannot open acrn-dm log %s: %s",
                     self->log_path, g_strerror (errsv));
      self->log_failed = TRUE;
      return;
    }
  self->log_size = fstat (self->log_fd, &st) == 0 ? st.st_size : 0;
}

static void
log_file_rotate (AcrnProcess *self)
{
  g_autofree char *old = g_strconcat (self->log_path, ".1", NULL);

  g_close (self->log_fd, NULL);
  self->log_fd = -1;
  if (g_rename (self->log_path, old) != 0)
    {
      int errsv = errno;

      /* Rather truncate than grow without bound. */
      process_log (self, G_LOG_LEVEL_WARNING, "Cannot rotate acrn-dm log %s: %s; truncating it",
                   self->log_path, g_strerror (errsv));
      if (truncate (self->log_path, 0) != 0)
        {
          self->log_failed = TRUE;
          return;
        }
    }
  log_file_open (self);
}

/* Writes the lines gathered by log_file_write(): whole lines, in one
 * write() per batch rather than one per line. */
static void
log_file_flush (AcrnProcess *self)
{
  GString *buf = self->log_pending;

  if (buf == NULL || buf->len == 0)
    return;

  for (gsize done = 0; done < buf->len && !self->log_failed;)
    {
      gssize n = write (self->log_fd, buf->str + done, buf->len - done);

      if (n < 0)
        {
          int errsv = errno;

          if (errsv == EINTR)
            continue;
          process_log (self, G_LOG_LEVEL_WARNING, "Cannot write acrn-dm log %s: %s",
                       self->log_path, g_strerror (errsv));
          self->log_failed = TRUE;
          break;
        }
      done += (gsize) n;
    }
  self->log_size += (goffset) buf->len;
  g_string_truncate (buf, 0);
}

/* Adds a line to the log; log_file_flush() writes it. All the lines of one
 * read share its time stamp. */
static void
log_file_write (AcrnProcess *self,
                const char  *stream_name,
                const char  *line,
                gsize        len)
{
  gsize hlen;

  if (self->log_path == NULL || self->log_failed)
    return;
  if (self->log_fd < 0)
    {
      log_file_open (self);
      if (self->log_fd < 0)
        return;
    }

  if (self->log_stamp[0] == '\0')
    {
      struct timespec ts;
      struct tm tm;
      gsize slen;

      clock_gettime (CLOCK_REALTIME, &ts);
      gmtime_r (&ts.tv_sec, &tm);
      slen = strftime (self->log_stamp, sizeof self->log_stamp, "%Y-%m-%dT%H:%M:%S", &tm);
      g_snprintf (self->log_stamp + slen, sizeof self->log_stamp - slen, ".%03ldZ",
                  ts.tv_nsec / 1000000);
    }
  hlen = strlen (self->log_stamp) + 1 + strlen (stream_name) + 2;

  if (self->log_size + (goffset) self->log_pending->len + (goffset) (hlen + len + 1) >
        ACRN_PROCESS_LOG_MAX_BYTES &&
      self->log_size + (goffset) self->log_pending->len > 0)
    {
      log_file_flush (self);
      log_file_rotate (self);
      if (self->log_fd < 0)
        return;
    }

  g_string_append (self->log_pending, self->log_stamp);
  g_string_append_c (self->log_pending, ' ');
  g_string_append (self->log_pending, stream_name);
  g_string_append (self->log_pending, ": ");
  g_string_append_len (self->log_pending, line, (gssize) len);
  g_string_append_c (self->log_pending, '\n');
}

/* Called with the lock held. */
static void
handle_line (AcrnProcess *self,
             guint        index,
             const char  *line,
             gsize        len)
{
  OutputPipe *pipe = &self->pipes[index];
  g_autofree char *valid = NULL;
  char pid[16];

  log_file_write (self, pipe_names[index], line, len);

  valid = g_utf8_make_valid (line, (gssize) len);
  g_snprintf (pid, sizeof pid, "%d", (int) self->pid);
  g_log_structured (G_LOG_DOMAIN,
                    index == PIPE_STDERR ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_DEBUG,
                    "VMM_VM_ID", self->vm_id,
                    "ACRN_DM_PID", pid,
                    "ACRN_DM_STREAM", pipe_names[index],
                    "MESSAGE", "acrn-dm %s: %s", pipe_names[index], valid);

  if (len == 0)
    return;

  if (strlen (valid) > TAIL_LINE_MAX)
    {
      const char *end = g_utf8_find_prev_char (valid, valid + TAIL_LINE_MAX + 1);

      valid[end - valid] = '\0';
    }
  g_queue_push_tail (&pipe->tail, g_steal_pointer (&valid));
  while (pipe->tail.length > ACRN_PROCESS_TAIL_LINES)
    g_free (g_queue_pop_head (&pipe->tail));
}

/* Called with the lock held. */
static void
handle_bytes (AcrnProcess *self,
              guint        index,
              const char  *data,
              gsize        len)
{
  OutputPipe *pipe = &self->pipes[index];

  while (len > 0)
    {
      const char *nl = memchr (data, '\n', len);
      gsize chunk = nl != NULL ? (gsize) (nl - data) : len;
      gsize room = ACRN_PROCESS_LINE_MAX - pipe->partial->len;

      if (chunk > room)
        {
          /* Too long: emit what fits as a line of its own. */
          g_string_append_len (pipe->partial, data, (gssize) room);
          handle_line (self, index, pipe->partial->str, pipe->partial->len);
          g_string_truncate (pipe->partial, 0);
          data += room;
          len -= room;
          continue;
        }

      g_string_append_len (pipe->partial, data, (gssize) chunk);
      if (nl == NULL)
        break;

      if (pipe->partial->len > 0 && pipe->partial->str[pipe->partial->len - 1] == '\r')
        g_string_truncate (pipe->partial, pipe->partial->len - 1);
      handle_line (self, index, pipe->partial->str, pipe->partial->len);
      g_string_truncate (pipe->partial, 0);
      data += chunk + 1;
      len -= chunk + 1;
    }
}

/* Reads what is there without blocking. Returns TRUE while more may come. */
static gboolean
read_pipe (AcrnProcess *self,
           guint        index,
           gsize        budget)
{
  OutputPipe *pipe = &self->pipes[index];
  char buf[4096];
  gsize total = 0;
  gboolean more = TRUE;

  g_mutex_lock (&self->lock);
  self->log_stamp[0] = '\0';

  while (!pipe->eof && total < budget)
    {
      gssize n = read (pipe->fd, buf, sizeof buf);
      int errsv = errno;

      if (n > 0)
        {
          handle_bytes (self, index, buf, (gsize) n);
          total += (gsize) n;
          continue;
        }
      if (n < 0 && errsv == EINTR)
        continue;
      if (n < 0 && (errsv == EAGAIN || errsv == EWOULDBLOCK))
        break;
      if (n < 0)
        process_log (self, G_LOG_LEVEL_WARNING, "Cannot read acrn-dm %s: %s",
                     pipe_names[index], g_strerror (errsv));

      /* End of file (or a read error, handled alike). */
      pipe->eof = TRUE;
      if (pipe->partial->len > 0)
        {
          handle_line (self, index, pipe->partial->str, pipe->partial->len);
          g_string_truncate (pipe->partial, 0);
        }
    }

  more = !pipe->eof;
  log_file_flush (self);
  if (total > 0 && self->output_wakeup != NULL)
    g_source_set_ready_time (self->output_wakeup, 0);
  g_mutex_unlock (&self->lock);

  return more;
}

static gboolean
owner_reader_cb (gint         fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  OutputPipe *pipe = user_data;

  if (read_pipe (pipe->self, pipe->index, READ_BUDGET))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&pipe->source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Readers attached by an operation to its own context. */
static gboolean
op_reader_cb (gint         fd,
              GIOCondition condition,
              gpointer     user_data)
{
  OutputPipe *pipe = user_data;

  return read_pipe (pipe->self, pipe->index, READ_BUDGET) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The descriptor is read directly (non-blocking): one read() per chunk,
 * where a pollable stream polls before every read. */
static GSource *
create_reader (AcrnProcess       *self,
               guint              index,
               GMainContext      *context,
               GUnixFDSourceFunc  func)
{
  GSource *source = g_unix_fd_source_new (self->pipes[index].fd, G_IO_IN);

  g_source_set_static_name (source, "[vmm-acrn] acrn-dm output");
  g_source_set_callback (source, (GSourceFunc) G_CALLBACK (func), &self->pipes[index], NULL);
  g_source_attach (source, context);
  return source;
}

/* Makes @source (or nothing, for %NULL) ready as soon as the process
 * writes anything. */
static void
set_output_wakeup (AcrnProcess *self,
                   GSource     *source)
{
  g_mutex_lock (&self->lock);
  if (source != NULL)
    g_source_ref (source);
  g_clear_pointer (&self->output_wakeup, g_source_unref);
  self->output_wakeup = source;
  g_mutex_unlock (&self->lock);
}

/* Reads everything the process wrote before it exited. */
static void
drain_pipes (AcrnProcess *self)
{
  for (guint i = 0; i < N_PIPES; i++)
    if (self->pipes[i].fd >= 0)
      read_pipe (self, i, G_MAXSIZE);
}

/* ---- exit --------------------------------------------------------------- */

static void emit_exited_if_known (AcrnProcess *self);

/* Records the exit. Called in whatever context noticed it. */
static void
note_exit (AcrnProcess *self,
           int          wait_status)
{
  drain_pipes (self);

  g_mutex_lock (&self->lock);
  if (!self->exited)
    {
      self->exited = TRUE;
      self->wait_status = wait_status;
    }
  g_mutex_unlock (&self->lock);

  if (self->pidfd >= 0)
    {
      g_close (self->pidfd, NULL);
      self->pidfd = -1;
    }
}

typedef void (*ExitCollected) (AcrnProcess *self,
                               gpointer     user_data);

typedef struct
{
  AcrnProcess   *self;
  ExitCollected  func;
  gpointer       user_data;
} CollectData;

static void
collect_wait_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CollectData *data = user_data;
  AcrnProcess *self = data->self;
  g_autoptr(GError) error = NULL;

  /* No cancellable: this only fails if GLib lost the child. */
  if (g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error))
    note_exit (self, g_subprocess_get_status (G_SUBPROCESS (source)));
  else
    note_exit (self, -1);

  self->collecting = FALSE;
  if (data->func != NULL)
    data->func (self, data->user_data);
  emit_exited_if_known (self);

  g_object_unref (data->self);
  g_free (data);
}

/* The process has exited (its pidfd is readable): learn the wait status and
 * call @func in the thread-default context once it is known. For a child,
 * GLib reaps it in its worker thread, so g_subprocess_wait_async() completes
 * at once; it is called without a cancellable so that nothing stays pending
 * in a context that may not be iterated again. */
static void
collect_exit (AcrnProcess   *self,
              ExitCollected  func,
              gpointer       user_data)
{
  CollectData *data;

  if (self->exited || self->subprocess == NULL)
    {
      /* Our own child (acrn_spawn()) is reaped here, at once: its pidfd
       * said it has exited. A re-attached process is not ours to reap. */
      if (!self->exited)
        note_exit (self, self->is_child ? acrn_spawn_reap (self->pid) : -1);
      if (func != NULL)
        func (self, user_data);
      emit_exited_if_known (self);
      return;
    }

  data = g_new0 (CollectData, 1);
  data->self = g_object_ref (self);
  data->func = func;
  data->user_data = user_data;
  self->collecting = TRUE;
  g_subprocess_wait_async (self->subprocess, NULL, collect_wait_cb, data);
}

static gboolean
emit_exited_idle_cb (gpointer user_data)
{
  AcrnProcess *self = user_data;
  int status;

  g_mutex_lock (&self->lock);
  status = self->wait_status;
  g_mutex_unlock (&self->lock);

  g_signal_emit (self, signals[SIGNAL_EXITED], 0, status);
  return G_SOURCE_REMOVE;
}

/* Whether we run inside an iteration of @context in this thread. */
static gboolean
is_current_context (GMainContext *context)
{
  GMainContext *current = g_main_context_get_thread_default ();

  if (current == NULL)
    current = g_main_context_default ();
  return current == context && g_main_context_is_owner (context);
}

/* Emits ::exited once, in the owner context, once the exit is known. */
static void
emit_exited_if_known (AcrnProcess *self)
{
  GSource *idle;

  if (!self->exited || self->exited_emitted)
    return;
  self->exited_emitted = TRUE;

  if (self->exit_watch != NULL)
    {
      g_source_destroy (self->exit_watch);
      g_clear_pointer (&self->exit_watch, g_source_unref);
    }

  if (is_current_context (self->context))
    {
      emit_exited_idle_cb (self);
      return;
    }

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[vmm-acrn] acrn-dm exited");
  g_source_set_callback (idle, emit_exited_idle_cb, g_object_ref (self), g_object_unref);
  g_source_attach (idle, self->context);
  g_source_unref (idle);
}

static gboolean
owner_exit_cb (gint         fd,
               GIOCondition condition,
               gpointer     user_data)
{
  AcrnProcess *self = user_data;

  g_clear_pointer (&self->exit_watch, g_source_unref);
  if (!self->collecting)
    collect_exit (self, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static GSource *
create_pidfd_source (AcrnProcess       *self,
                     GMainContext      *context,
                     GUnixFDSourceFunc  func,
                     gpointer           user_data,
                     GDestroyNotify     notify)
{
  GSource *source = g_unix_fd_source_new (self->pidfd, G_IO_IN);

  g_source_set_callback (source, (GSourceFunc) G_CALLBACK (func), user_data, notify);
  g_source_set_static_name (source, "[vmm-acrn] acrn-dm exit");
  g_source_attach (source, context);
  return source;
}

/* Without pidfds (valgrind does not know pidfd_open), a child's exit is
 * learnt from GSubprocess; the owner watch must not keep @self alive. */
typedef struct
{
  GWeakRef self;
} OwnerWait;

static void
owner_wait_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  OwnerWait *data = user_data;
  g_autoptr(AcrnProcess) self = g_weak_ref_get (&data->self);
  gboolean ok;

  ok = g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  g_weak_ref_clear (&data->self);
  g_free (data);

  if (self == NULL || !ok || g_subprocess_get_identifier (G_SUBPROCESS (source)) != NULL)
    return;  /* disposed, or cancelled while running */

  note_exit (self, g_subprocess_get_status (G_SUBPROCESS (source)));
  emit_exited_if_known (self);
}

/* ---- construction ------------------------------------------------------- */

/* ---- the reaper: children nobody watches any more ----------------------- */

/* An acrn-dm whose AcrnProcess is disposed while it runs (its VM object
 * was dropped without a stop: the VM keeps running and can be re-attached
 * from its state file) is still our child and must be reaped when it
 * exits, whether or not anybody iterates a main context again. Such
 * children go to one thread, started the first time it is needed and
 * then kept, which waits on their pidfds in a context of its own. No
 * thread runs while no VM was left behind. */
typedef struct
{
  GPid pid;
  int  pidfd;
} Orphan;

G_LOCK_DEFINE_STATIC (reaper);
static GMainContext *reaper_context;

static gpointer
reaper_thread (gpointer data)
{
  GMainContext *context = data;

  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

static gboolean
reaper_exit_cb (gint         fd,
                GIOCondition condition,
                gpointer     user_data)
{
  Orphan *orphan = user_data;

  acrn_spawn_reap (orphan->pid);
  return G_SOURCE_REMOVE;
}

static void
orphan_free (gpointer data)
{
  Orphan *orphan = data;

  g_close (orphan->pidfd, NULL);
  g_free (orphan);
}

/**
 * acrn_process_init_reaper:
 *
 * Starts the thread that reaps the acrn-dm children whose #AcrnProcess
 * was disposed while they ran. The first such dispose starts it
 * otherwise; it then stays, with the wake-up descriptor of its context,
 * until the process exits. Mainly for tests that count descriptors and
 * threads.
 */
void
acrn_process_init_reaper (void)
{
  G_LOCK (reaper);
  if (reaper_context == NULL)
    {
      reaper_context = g_main_context_new ();
      g_thread_unref (g_thread_new ("vmm-acrn-reaper", reaper_thread, reaper_context));
    }
  G_UNLOCK (reaper);
}

/* Takes @pidfd. */
static void
reaper_adopt (GPid pid,
              int  pidfd)
{
  Orphan *orphan = g_new0 (Orphan, 1);
  GSource *source;

  acrn_process_init_reaper ();

  orphan->pid = pid;
  orphan->pidfd = pidfd;
  source = g_unix_fd_source_new (pidfd, G_IO_IN);
  g_source_set_static_name (source, "[vmm-acrn] reap a left acrn-dm");
  g_source_set_callback (source, (GSourceFunc) G_CALLBACK (reaper_exit_cb), orphan, orphan_free);
  g_source_attach (source, reaper_context);
  g_source_unref (source);
}

static void
acrn_process_dispose (GObject *object)
{
  AcrnProcess *self = ACRN_PROCESS (object);

  if (self->exit_watch != NULL)
    {
      g_source_destroy (self->exit_watch);
      g_clear_pointer (&self->exit_watch, g_source_unref);
    }
  if (self->watch_cancellable != NULL)
    {
      g_cancellable_cancel (self->watch_cancellable);
      g_clear_object (&self->watch_cancellable);
    }

  for (guint i = 0; i < N_PIPES; i++)
    {
      OutputPipe *pipe = &self->pipes[i];

      if (pipe->source != NULL)
        {
          g_source_destroy (pipe->source);
          g_clear_pointer (&pipe->source, g_source_unref);
        }
      if (pipe->fd >= 0)
        {
          g_close (pipe->fd, NULL);
          pipe->fd = -1;
        }
    }

  /* A child still running keeps running; it must not become a zombie
   * when it exits. A GSubprocess reaps its own; our own child goes to the
   * reaper thread. */
  if (self->is_child && self->subprocess == NULL && self->pid > 0 && !self->exited &&
      self->pidfd >= 0)
    {
      reaper_adopt (self->pid, self->pidfd);
      self->pidfd = -1;
    }
  g_clear_object (&self->subprocess);

  G_OBJECT_CLASS (acrn_process_parent_class)->dispose (object);
}

static void
acrn_process_finalize (GObject *object)
{
  AcrnProcess *self = ACRN_PROCESS (object);

  for (guint i = 0; i < N_PIPES; i++)
    {
      if (self->pipes[i].partial != NULL)
        g_string_free (self->pipes[i].partial, TRUE);
      g_queue_clear_full (&self->pipes[i].tail, g_free);
    }
  g_clear_pointer (&self->output_wakeup, g_source_unref);
  if (self->pidfd >= 0)
    g_close (self->pidfd, NULL);
  if (self->log_fd >= 0)
    g_close (self->log_fd, NULL);
  g_string_free (self->log_pending, TRUE);
  g_free (self->log_path);
  g_free (self->vm_id);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (acrn_process_parent_class)->finalize (object);
}

static void
acrn_process_class_init (AcrnProcessClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = acrn_process_dispose;
  object_class->finalize = acrn_process_finalize;

  /**
   * AcrnProcess::exited:
   * @self: the #AcrnProcess
   * @wait_status: the wait status, or -1 when it cannot be known (a
   *   re-attached process is not our child)
   *
   * Emitted once, in the owner context, when the process has exited and
   * its output has been read.
   */
  signals[SIGNAL_EXITED] =
    g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
acrn_process_init (AcrnProcess *self)
{
  g_mutex_init (&self->lock);
  self->pidfd = -1;
  self->log_fd = -1;
  self->log_pending = g_string_new (NULL);
  self->wait_status = -1;
  for (guint i = 0; i < N_PIPES; i++)
    {
      self->pipes[i].self = self;
      self->pipes[i].index = i;
      self->pipes[i].fd = -1;
      g_queue_init (&self->pipes[i].tail);
    }
}

static void
arm_owner_watch (AcrnProcess *self)
{
  if (self->pidfd >= 0)
    {
      self->exit_watch = create_pidfd_source (self, self->context, owner_exit_cb, self, NULL);
    }
  else if (self->subprocess != NULL)
    {
      OwnerWait *data = g_new0 (OwnerWait, 1);

      g_weak_ref_init (&data->self, self);
      self->watch_cancellable = g_cancellable_new ();
      g_main_context_push_thread_default (self->context);
      g_subprocess_wait_async (self->subprocess, self->watch_cancellable, owner_wait_cb, data);
      g_main_context_pop_thread_default (self->context);
    }
}

/* Without pidfds (see acrn-spawn.c): GSubprocess spawns and reaps. */
static gboolean
spawn_with_gsubprocess (AcrnProcess         *self,
                        const char * const  *argv,
                        GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *identifier;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  self->subprocess = g_subprocess_launcher_spawnv (launcher, argv, &local_error);
  if (self->subprocess == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_SPAWN_FAILED,
                   "Cannot start %s: %s", argv[0], local_error->message);
      return FALSE;
    }

  /* The identifier is gone once GLib has reaped the child, which can
   * happen before we get here when it exits at once: then its pid is
   * unknown (0) and only its wait status matters. */
  identifier = g_subprocess_get_identifier (self->subprocess);
  if (identifier != NULL)
    self->pid = (GPid) atoi (identifier);

  /* The descriptors become ours: closing the streams leaves them open. */
  for (guint i = 0; i < N_PIPES; i++)
    {
      GInputStream *stream = i == PIPE_STDOUT ? g_subprocess_get_stdout_pipe (self->subprocess)
                                              : g_subprocess_get_stderr_pipe (self->subprocess);

      g_unix_input_stream_set_close_fd (G_UNIX_INPUT_STREAM (stream), FALSE);
      self->pipes[i].fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
      g_input_stream_close (stream, NULL, NULL);
      g_unix_set_fd_nonblocking (self->pipes[i].fd, TRUE, NULL);
    }
  return TRUE;
}

/**
 * acrn_process_spawn:
 * @argv: (array zero-terminated=1): the acrn-dm command line
 * @vm_id: the VM id, for logs
 * @log_path: (nullable): the file that receives acrn-dm's output (capped
 *   at %ACRN_PROCESS_LOG_MAX_BYTES, then rotated), or %NULL
 * @context: (nullable): the owner context, where ::exited is emitted and
 *   output is read; %NULL for the thread-default one
 * @error: return location for a #GError
 *
 * Spawns acrn-dm (argv only, no shell) with stdin on /dev/null and stdout
 * and stderr on pipes, in a session of its own.
 *
 * Returns: (transfer full): the process, or %NULL with
 *   %VMM_ERROR_SPAWN_FAILED
 */
AcrnProcess *
acrn_process_spawn (const char * const  *argv,
                    const char          *vm_id,
                    const char          *log_path,
                    GMainContext        *context,
                    GError             **error)
{
  g_autoptr(AcrnProcess) self = NULL;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail (vm_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (ACRN_TYPE_PROCESS, NULL);
  self->vm_id = g_strdup (vm_id);
  self->log_path = g_strdup (log_path);
  self->context = context != NULL ? g_main_context_ref (context)
                                  : g_main_context_ref_thread_default ();

  self->is_child = TRUE;

  if (acrn_spawn_supported ())
    {
      if (!acrn_spawn (argv, &self->pid, &self->pidfd, &self->start_time,
                       &self->pipes[PIPE_STDOUT].fd, &self->pipes[PIPE_STDERR].fd, error))
        return NULL;
    }
  else if (!spawn_with_gsubprocess (self, argv, error))
    {
      return NULL;
    }

  /* The GSubprocess fallback does not know it yet (0 stays if the child
   * is gone already). */
  if (self->start_time == 0 && self->pid > 0)
    acrn_proc_get_start_time (self->pid, &self->start_time, NULL);

  for (guint i = 0; i < N_PIPES; i++)
    {
      OutputPipe *pipe = &self->pipes[i];

      pipe->partial = g_string_sized_new (0);
      pipe->source = create_reader (self, i, self->context, owner_reader_cb);
    }

  arm_owner_watch (self);

  process_log (self, G_LOG_LEVEL_DEBUG, "Started %s as pid %d", argv[0], (int) self->pid);

  return g_steal_pointer (&self);
}

/**
 * acrn_proc_check_executable:
 * @pid: a process id
 * @expected_exe: the program it must run
 * @error: return location for a #GError
 *
 * Checks that @pid runs @expected_exe: its `/proc/PID/exe` resolves to the
 * same file, or, when that link cannot be read (another user's process
 * without privileges), its `comm` is the program's base name (truncated to
 * 15 characters as the kernel does).
 *
 * Returns: %TRUE if it does, else %FALSE with %VMM_ERROR_STALE_STATE
 */
gboolean
acrn_proc_check_executable (GPid         pid,
                            const char  *expected_exe,
                            GError     **error)
{
  g_autofree char *exe_link = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree char *exe = NULL;
  g_autofree char *expected_real = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (expected_exe != NULL, FALSE);

  expected_real = realpath (expected_exe, NULL);
  exe = g_file_read_link (exe_link, &local_error);
  if (exe != NULL)
    {
      if (g_str_has_suffix (exe, " (deleted)"))
        exe[strlen (exe) - strlen (" (deleted)")] = '\0';
      if (g_strcmp0 (exe, expected_real != NULL ? expected_real : expected_exe) == 0 ||
          g_strcmp0 (exe, expected_exe) == 0)
        return TRUE;

      g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                   "Process %d runs %s, not %s", (int) pid, exe, expected_exe);
      return FALSE;
    }

  if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                   "Process %d does not exist any more", (int) pid);
      return FALSE;
    }

  /* No permission to read the link: fall back to the command name. */
  {
    g_autofree char *comm_path = g_strdup_printf ("/proc/%d/comm", (int) pid);
    g_autofree char *comm = NULL;
    g_autofree char *base = g_path_get_basename (expected_exe);

    if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
      {
        g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                     "Cannot tell which program process %d runs: %s",
                     (int) pid, local_error->message);
        return FALSE;
      }
    g_strchomp (comm);
    if (strlen (base) > 15)
      base[15] = '\0';
    if (g_strcmp0 (comm, base) != 0)
      {
        g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                     "Process %d is “%s”, not %s", (int) pid, comm, expected_exe);
        return FALSE;
      }
  }

  return TRUE;
}

/**
 * acrn_process_attach:
 * @pid: the pid of a running acrn-dm that another process spawned
 * @start_time: its start time as saved (see acrn_proc_get_start_time())
 * @expected_exe: the acrn-dm program it must run
 * @vm_id: the VM id, for logs
 * @context: (nullable): the owner context, %NULL for the thread-default one
 * @error: return location for a #GError
 *
 * Re-attaches to an acrn-dm process through a pidfd, refusing a pid that
 * was reused (its start time differs) or that runs another program. Its
 * output cannot be read any more; its wait status will be unknown.
 *
 * Returns: (transfer full): the process, or %NULL with
 *   %VMM_ERROR_STALE_STATE
 */
AcrnProcess *
acrn_process_attach (GPid          pid,
                     guint64       start_time,
                     const char   *expected_exe,
                     const char   *vm_id,
                     GMainContext *context,
                     GError      **error)
{
  return acrn_process_try_attach (pid, start_time, expected_exe, vm_id, context, NULL, error);
}

/**
 * acrn_process_try_attach:
 * @pid: the pid of a running acrn-dm that another process spawned
 * @start_time: its start time as saved (see acrn_proc_get_start_time())
 * @expected_exe: the acrn-dm program it must run
 * @vm_id: the VM id, for logs
 * @context: (nullable): the owner context, %NULL for the thread-default one
 * @out_gone: (out) (optional): set to %TRUE when the saved acrn-dm is gone
 * @error: return location for a #GError
 *
 * Like acrn_process_attach(), and tells a refusal because the saved acrn-dm
 * is gone (no process has @pid, the process with @pid started at another
 * time: the pid was reused, or it has exited) from a refusal of a process
 * that started at @start_time but is not @expected_exe (a wrong state, not
 * a dead VM). When it is gone, nothing was done to any process.
 *
 * Returns: (transfer full): the process, or %NULL with
 *   %VMM_ERROR_STALE_STATE
 */
AcrnProcess *
acrn_process_try_attach (GPid          pid,
                         guint64       start_time,
                         const char   *expected_exe,
                         const char   *vm_id,
                         GMainContext *context,
                         gboolean     *out_gone,
                         GError      **error)
{
  g_autoptr(AcrnProcess) self = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 actual_start = 0;
  gboolean dummy_gone;
  GPollFD pfd;

  if (out_gone == NULL)
    out_gone = &dummy_gone;
  *out_gone = FALSE;

  g_return_val_if_fail (pid > 0, NULL);
  g_return_val_if_fail (expected_exe != NULL, NULL);
  g_return_val_if_fail (vm_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (ACRN_TYPE_PROCESS, NULL);
  self->vm_id = g_strdup (vm_id);
  self->pid = pid;
  self->context = context != NULL ? g_main_context_ref (context)
                                  : g_main_context_ref_thread_default ();

  /* Open the pidfd first: the checks below then concern the process it
   * refers to, which cannot be replaced behind our back. */
  self->pidfd = pidfd_open (pid);
  if (self->pidfd < 0)
    {
      int errsv = errno;

      /* Without pidfds the process cannot be watched, but whether it is
       * gone (no such process, a zombie, or another start time) can
       * still be told. */
      *out_gone = errsv == ESRCH || !acrn_proc_is_live (pid, start_time);
      if (*out_gone)
        g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                     "acrn-dm process %d does not run any more%s", (int) pid,
                     errsv != ESRCH && acrn_proc_get_start_time (pid, &actual_start, NULL) &&
                     actual_start != start_time ? " (the pid was reused)" : "");
      else
        g_set_error (error, VMM_ERROR, errsv == ENOSYS ? VMM_ERROR_NOT_SUPPORTED : VMM_ERROR_FAILED,
                     "Cannot watch acrn-dm process %d: pidfd_open: %s%s", (int) pid,
                     g_strerror (errsv),
                     errsv == ENOSYS ? " (re-attaching needs Linux 5.3 or later)" : "");
      return NULL;
    }

  if (!acrn_proc_get_start_time (pid, &actual_start, &local_error))
    {
      *out_gone = TRUE;
      g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                   "acrn-dm process %d is gone: %s", (int) pid, local_error->message);
      return NULL;
    }
  if (actual_start != start_time)
    {
      *out_gone = TRUE;
      g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                   "Process %d is not the saved acrn-dm: it started at tick %"
                   G_GUINT64_FORMAT ", the saved one at tick %" G_GUINT64_FORMAT
                   " (the pid was reused)", (int) pid, actual_start, start_time);
      return NULL;
    }
  pfd.fd = self->pidfd;
  pfd.events = G_IO_IN;
  pfd.revents = 0;
  if (!acrn_proc_check_executable (pid, expected_exe, error))
    {
      /* The saved acrn-dm exited meanwhile (a zombie has no executable):
       * gone; else it runs something else. */
      *out_gone = g_poll (&pfd, 1, 0) > 0;
      return NULL;
    }
  if (g_poll (&pfd, 1, 0) > 0)
    {
      *out_gone = TRUE;
      g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                   "acrn-dm process %d has exited", (int) pid);
      return NULL;
    }

  self->start_time = start_time;
  arm_owner_watch (self);
  process_log (self, G_LOG_LEVEL_DEBUG, "Re-attached to acrn-dm pid %d", (int) pid);

  return g_steal_pointer (&self);
}

/* ---- accessors ---------------------------------------------------------- */

/**
 * acrn_process_get_pid:
 * @self: an #AcrnProcess
 *
 * Returns: the pid of acrn-dm
 */
GPid
acrn_process_get_pid (AcrnProcess *self)
{
  g_return_val_if_fail (ACRN_IS_PROCESS (self), 0);

  return self->pid;
}

/**
 * acrn_process_get_start_time:
 * @self: an #AcrnProcess
 *
 * Returns: the start time of acrn-dm (field 22 of /proc/PID/stat), 0 if it
 *   could not be read
 */
guint64
acrn_process_get_start_time (AcrnProcess *self)
{
  g_return_val_if_fail (ACRN_IS_PROCESS (self), 0);

  return self->start_time;
}

/**
 * acrn_process_is_child:
 * @self: an #AcrnProcess
 *
 * Returns: %TRUE if this process spawned acrn-dm
 */
gboolean
acrn_process_is_child (AcrnProcess *self)
{
  g_return_val_if_fail (ACRN_IS_PROCESS (self), FALSE);

  return self->is_child;
}

/**
 * acrn_process_has_exited:
 * @self: an #AcrnProcess
 *
 * Returns: %TRUE once the exit has been noticed (and, for a child, reaped)
 */
gboolean
acrn_process_has_exited (AcrnProcess *self)
{
  gboolean exited;

  g_return_val_if_fail (ACRN_IS_PROCESS (self), FALSE);

  g_mutex_lock (&self->lock);
  exited = self->exited;
  g_mutex_unlock (&self->lock);

  return exited;
}

/**
 * acrn_process_get_wait_status:
 * @self: an #AcrnProcess
 *
 * Returns: the wait status, or -1 while running or when unknown
 */
int
acrn_process_get_wait_status (AcrnProcess *self)
{
  int status;

  g_return_val_if_fail (ACRN_IS_PROCESS (self), -1);

  g_mutex_lock (&self->lock);
  status = self->exited ? self->wait_status : -1;
  g_mutex_unlock (&self->lock);

  return status;
}

/**
 * acrn_process_describe_exit:
 * @self: an #AcrnProcess
 *
 * Returns: (transfer full): how the process ended, e.g. "exited with
 *   status 1" or "was killed by signal 11 (Segmentation fault)"
 */
char *
acrn_process_describe_exit (AcrnProcess *self)
{
  int status;

  g_return_val_if_fail (ACRN_IS_PROCESS (self), NULL);

  if (!acrn_process_has_exited (self))
    return g_strdup ("is still running");

  status = acrn_process_get_wait_status (self);
  if (status == -1)
    return g_strdup ("exited (its status is unknown: it is not a child of this process)");
  if (WIFEXITED (status))
    return g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return g_strdup_printf ("was killed by signal %d (%s)%s", WTERMSIG (status),
                            g_strsignal (WTERMSIG (status)),
                            WCOREDUMP (status) ? ", core dumped" : "");
  return g_strdup_printf ("ended with wait status 0x%x", (guint) status);
}

/**
 * acrn_process_get_output_tail:
 * @self: an #AcrnProcess
 *
 * Gets the last lines acrn-dm wrote to stderr, or to stdout if it wrote
 * nothing to stderr, for error messages.
 *
 * Returns: (transfer full) (nullable): the lines, joined by newlines, or
 *   %NULL if there were none
 */
char *
acrn_process_get_output_tail (AcrnProcess *self)
{
  GString *str;
  GQueue *tail;

  g_return_val_if_fail (ACRN_IS_PROCESS (self), NULL);

  g_mutex_lock (&self->lock);
  tail = &self->pipes[PIPE_STDERR].tail;
  if (tail->length == 0)
    tail = &self->pipes[PIPE_STDOUT].tail;
  if (tail->length == 0)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }

  str = g_string_new (NULL);
  for (GList *l = tail->head; l != NULL; l = l->next)
    {
      if (str->len > 0)
        g_string_append_c (str, '\n');
      g_string_append (str, l->data);
    }
  g_mutex_unlock (&self->lock);

  return g_string_free (str, FALSE);
}

/* "acrn-dm exited with status 1" + its last output, for messages. */
static char *
describe_exit_with_output (AcrnProcess *self,
                           const char  *what)
{
  g_autofree char *how = acrn_process_describe_exit (self);
  g_autofree char *tail = acrn_process_get_output_tail (self);

  g_autofree char *who = self->pid > 0 ? g_strdup_printf ("acrn-dm (pid %d)", (int) self->pid)
                                        : g_strdup ("acrn-dm");

  if (tail != NULL)
    return g_strdup_printf ("%s %s%s; its last output:\n%s", who, how, what, tail);
  return g_strdup_printf ("%s %s%s; it printed nothing", who, how, what);
}

/**
 * acrn_process_send_signal:
 * @self: an #AcrnProcess
 * @signum: the signal
 * @error: return location for a #GError
 *
 * Sends @signum to acrn-dm through its pidfd, so that it can never reach
 * another process that reused the pid. Sending to a process that has
 * exited succeeds and does nothing.
 *
 * Returns: %TRUE on success
 */
gboolean
acrn_process_send_signal (AcrnProcess  *self,
                          int           signum,
                          GError      **error)
{
  g_return_val_if_fail (ACRN_IS_PROCESS (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (acrn_process_has_exited (self))
    return TRUE;

  if (self->pidfd < 0)
    {
      /* No pidfd: GSubprocess signals only while the child is not reaped. */
      if (self->subprocess != NULL)
        g_subprocess_send_signal (self->subprocess, signum);
      return TRUE;
    }

  if (pidfd_send_signal (self->pidfd, signum) < 0)
    {
      int errsv = errno;

      if (errsv == ESRCH)
        return TRUE;
      g_set_error (error, VMM_ERROR, VMM_ERROR_FAILED,
                   "Cannot send signal %d to acrn-dm (pid %d): %s",
                   signum, (int) self->pid, g_strerror (errsv));
      return FALSE;
    }

  process_log (self, G_LOG_LEVEL_DEBUG, "Sent signal %d to acrn-dm", signum);
  return TRUE;
}

/* ---- operations: common part --------------------------------------------- */

/* What every operation watches in its own context: the exit, a timeout,
 * the caller's cancellable, and the output when the operation's context is
 * not the owner one. Every source is owned and destroyed when the
 * operation completes, so nothing is left in a context that a synchronous
 * wrapper stops iterating. */
typedef struct
{
  AcrnProcess  *self;
  GMainContext *context;
  GSource      *exit_source;
  GSource      *timeout_source;
  GSource      *cancel_source;
  GSource      *readers[N_PIPES];
  GCancellable *wait_cancellable; /* GSubprocess wait when there is no pidfd */
  gboolean      wait_pending;
  gboolean      exit_seen;
  gboolean      collect_pending;   /* the wait status is being collected */
  gboolean      done;
  void        (*on_exit)      (GTask *task);  /* the exit is known */
  void        (*try_complete) (GTask *task);  /* something pending came back */
} Op;

static void
op_stop_timeout (Op *op)
{
  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_clear_pointer (&op->timeout_source, g_source_unref);
    }
}

static void
op_clear_sources (Op *op)
{
  GSource **all[] = { &op->exit_source, &op->timeout_source, &op->cancel_source,
                      &op->readers[0], &op->readers[1] };

  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    if (*all[i] != NULL)
      {
        g_source_destroy (*all[i]);
        g_clear_pointer (all[i], g_source_unref);
      }
}

/* Whether the operation waits for something of its own to come back. */
static gboolean
op_busy (Op *op)
{
  return op->collect_pending || op->wait_pending;
}

static void
op_cancel_wait (Op *op)
{
  if (op->wait_cancellable != NULL)
    g_cancellable_cancel (op->wait_cancellable);
}

static void
op_clear (Op *op)
{
  op_clear_sources (op);
  g_clear_object (&op->wait_cancellable);
  g_clear_pointer (&op->context, g_main_context_unref);
  g_clear_object (&op->self);
}

static void op_exit_seen (GTask *task);

static gboolean
op_exit_fd_cb (gint         fd,
               GIOCondition condition,
               gpointer     user_data)
{
  op_exit_seen (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

static void
op_wait_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  gboolean ok;

  ok = g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  op->wait_pending = FALSE;

  if (ok && g_subprocess_get_identifier (G_SUBPROCESS (source)) == NULL && !op->exit_seen)
    {
      op->exit_seen = TRUE;
      note_exit (op->self, g_subprocess_get_status (G_SUBPROCESS (source)));
      emit_exited_if_known (op->self);
      if (!op->done)
        op->on_exit (task);
      return;
    }
  if (!op->done)
    op->try_complete (task);
}

/* @op must be the first member of the task data. */
static void
op_init (Op           *op,
         AcrnProcess  *self,
         GTask        *task,
         guint         timeout_ms,
         GSourceFunc   timeout_func,
         GCancellableSourceFunc cancel_func)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  op->self = g_object_ref (self);
  op->context = g_main_context_ref_thread_default ();

  if (!self->exited && self->pidfd >= 0)
    {
      op->exit_source = create_pidfd_source (self, op->context, op_exit_fd_cb,
                                             g_object_ref (task), g_object_unref);
    }
  else if (!self->exited && self->subprocess != NULL)
    {
      /* Cancelled when the operation ends; it completes only once this
       * came back, so nothing is left in its context. */
      op->wait_cancellable = g_cancellable_new ();
      op->wait_pending = TRUE;
      g_subprocess_wait_async (self->subprocess, op->wait_cancellable, op_wait_cb,
                               g_object_ref (task));
    }

  if (timeout_ms > 0)
    {
      op->timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_static_name (op->timeout_source, "[vmm-acrn] acrn-dm timeout");
      g_source_set_callback (op->timeout_source, timeout_func, g_object_ref (task), g_object_unref);
      g_source_attach (op->timeout_source, op->context);
    }

  if (cancellable != NULL)
    {
      op->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (op->cancel_source, "[vmm-acrn] acrn-dm cancel");
      g_source_set_callback (op->cancel_source, (GSourceFunc) G_CALLBACK (cancel_func),
                             g_object_ref (task), g_object_unref);
      g_source_attach (op->cancel_source, op->context);
    }

  if (op->context != self->context)
    for (guint i = 0; i < N_PIPES; i++)
      if (self->pipes[i].fd >= 0 && !self->pipes[i].eof)
        op->readers[i] = create_reader (self, i, op->context, op_reader_cb);
}

static void
op_exit_collected (AcrnProcess *self,
                   gpointer     user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);

  op->collect_pending = FALSE;
  if (op->done)
    return;
  op->on_exit (task);
}

static void
op_exit_seen (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  g_clear_pointer (&op->exit_source, g_source_unref);
  if (op->exit_seen || op->done)
    return;
  op->exit_seen = TRUE;
  op->collect_pending = TRUE;
  collect_exit (op->self, op_exit_collected, g_object_ref (task));
}

/* ---- manager directory watches ----------------------------------------- */

/* Every VM that is starting waits for its own socket to appear in the
 * manager directory. One inotify descriptor serves the whole process, as
 * GIO's does for its file monitors: it is opened once and never closed
 * (closing an inotify descriptor waits for the kernel to free its marks,
 * which can take milliseconds). Each directory has one watch however many
 * VMs wait there, and an event is routed by file name to the one wait that
 * cares (256 VMs starting at once would otherwise handle 256 x 256
 * events).
 *
 * The descriptor is polled by a source in each main context that has a
 * wait, so that an event reaches its wait without a hop through GLib's
 * worker thread (as a #GFileMonitor's would). Whichever context reads an
 * event hands it to the wait's own context if that is another one. */
typedef struct
{
  int         wd;
  guint       refcount;
  GHashTable *waiters;   /* socket name -> GTask (unowned, removed first) */
} DirWatch;

typedef struct
{
  GMainContext *context;   /* unowned: lives as long as a wait there */
  GSource      *source;
  guint         refcount;
} DirReader;

/* What makes a socket usable: bind() creates it; a rename or a mode change
 * may follow. */
#define DIR_WATCH_EVENTS (IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_CLOSE_WRITE)

G_LOCK_DEFINE_STATIC (dir_watches);
static int         dir_inotify_fd = -1;   /* never closed */
static GHashTable *dir_watches;           /* wd -> DirWatch* */
static GHashTable *dir_readers;           /* GMainContext* -> DirReader* */

static void wait_running_query (GTask *task);

static gboolean
forwarded_event_cb (gpointer user_data)
{
  wait_running_query (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

/* Takes the waits to query from one event, with a reference each. Called
 * with the lock held. */
static void
collect_waiters (DirWatch   *watch,
                 const char *name,
                 GPtrArray  *tasks)
{
  if (name != NULL)
    {
      GTask *task = g_hash_table_lookup (watch->waiters, name);

      if (task != NULL)
        g_ptr_array_add (tasks, g_object_ref (task));
    }
  else
    {
      GHashTableIter iter;
      gpointer task;

      g_hash_table_iter_init (&iter, watch->waiters);
      while (g_hash_table_iter_next (&iter, NULL, &task))
        g_ptr_array_add (tasks, g_object_ref (task));
    }
}

static gboolean
dir_reader_cb (gint         fd,
               GIOCondition condition,
               gpointer     user_data)
{
  DirReader *reader = user_data;
  GMainContext *context = reader->context;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  /* Aligned as struct inotify_event requires; room for many events. */
  union {
    struct inotify_event event;
    char                 bytes[8 * (sizeof (struct inotify_event) + NAME_MAX + 1)];
  } buf;

  for (;;)
    {
      gssize n = read (fd, &buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;

      G_LOCK (dir_watches);
      for (gssize off = 0; off < n;)
        {
          const struct inotify_event *ev = (const struct inotify_event *) (gpointer) (buf.bytes + off);

          off += (gssize) (sizeof (struct inotify_event) + ev->len);
          if (ev->mask & IN_Q_OVERFLOW)
            {
              /* Events were lost: ask every waiting acrn-dm. */
              GHashTableIter iter;
              gpointer watch;

              g_hash_table_iter_init (&iter, dir_watches);
              while (g_hash_table_iter_next (&iter, NULL, &watch))
                collect_waiters (watch, NULL, tasks);
              continue;
            }
          if (ev->len > 0 && (ev->mask & DIR_WATCH_EVENTS) != 0)
            {
              DirWatch *watch = g_hash_table_lookup (dir_watches, GINT_TO_POINTER (ev->wd));

              if (watch != NULL)
                collect_waiters (watch, ev->name, tasks);
            }
        }
      G_UNLOCK (dir_watches);
    }

  /* Outside the lock: a query only starts here, nothing completes. */
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);
      GMainContext *task_context = g_task_get_context (task);

      if (task_context == context)
        {
          wait_running_query (task);
        }
      else
        {
          GSource *idle = g_idle_source_new ();

          g_source_set_priority (idle, G_PRIORITY_DEFAULT);
          g_source_set_static_name (idle, "[vmm-acrn] manager directory event");
          g_source_set_callback (idle, forwarded_event_cb, g_object_ref (task), g_object_unref);
          g_source_attach (idle, task_context);
          g_source_unref (idle);
        }
    }

  return G_SOURCE_CONTINUE;
}

/* Called with the lock held. */
static gboolean
dir_watches_init_locked (GError **error)
{
  if (dir_inotify_fd >= 0)
    return TRUE;

  dir_inotify_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (dir_inotify_fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "inotify_init1: %s", g_strerror (errsv));
      return FALSE;
    }
  dir_watches = g_hash_table_new (NULL, NULL);
  dir_readers = g_hash_table_new (NULL, NULL);
  return TRUE;
}

/**
 * acrn_process_init_directory_watch:
 * @error: return location for a #GError
 *
 * Opens the process-wide inotify descriptor through which
 * acrn_process_wait_running_async() watches manager directories. The
 * first wait opens it otherwise; it stays open until the process exits,
 * like GIO's own, whatever the number of VMs. Mainly for tests that
 * count descriptors.
 *
 * Returns: %TRUE, or %FALSE with a %G_IO_ERROR if inotify is not available
 */
gboolean
acrn_process_init_directory_watch (GError **error)
{
  gboolean ok;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  G_LOCK (dir_watches);
  ok = dir_watches_init_locked (error);
  G_UNLOCK (dir_watches);
  return ok;
}

/* Registers @task as waiting for @name to appear in @dir; events reach it
 * in its context (that of @task). Returns the watch, to give to
 * dir_watch_remove() with the same context. */
static DirWatch *
dir_watch_add (const char  *dir,
               const char  *name,
               GTask       *task,
               GError     **error)
{
  GMainContext *context = g_task_get_context (task);
  DirWatch *watch;
  DirReader *reader;
  int wd;

  G_LOCK (dir_watches);

  if (!dir_watches_init_locked (error))
    {
      G_UNLOCK (dir_watches);
      return NULL;
    }

  /* The same directory gives the same watch descriptor. */
  wd = inotify_add_watch (dir_inotify_fd, dir, DIR_WATCH_EVENTS | IN_ONLYDIR);
  if (wd < 0)
    {
      int errsv = errno;

      G_UNLOCK (dir_watches);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "inotify_add_watch: %s", g_strerror (errsv));
      return NULL;
    }

  watch = g_hash_table_lookup (dir_watches, GINT_TO_POINTER (wd));
  if (watch == NULL)
    {
      watch = g_new0 (DirWatch, 1);
      watch->wd = wd;
      watch->waiters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (dir_watches, GINT_TO_POINTER (wd), watch);
    }
  watch->refcount++;
  g_hash_table_insert (watch->waiters, g_strdup (name), task);

  reader = g_hash_table_lookup (dir_readers, context);
  if (reader == NULL)
    {
      reader = g_new0 (DirReader, 1);
      reader->context = context;
      reader->source = g_unix_fd_source_new (dir_inotify_fd, G_IO_IN);
      g_source_set_static_name (reader->source, "[vmm-acrn] manager directory");
      g_source_set_callback (reader->source, (GSourceFunc) G_CALLBACK (dir_reader_cb),
                             reader, NULL);
      g_source_attach (reader->source, context);
      g_hash_table_insert (dir_readers, context, reader);
    }
  reader->refcount++;

  G_UNLOCK (dir_watches);
  return watch;
}

static void
dir_watch_remove (DirWatch     *watch,
                  const char   *name,
                  GMainContext *context)
{
  DirReader *reader;
  GSource *source = NULL;

  G_LOCK (dir_watches);

  g_hash_table_remove (watch->waiters, name);
  if (--watch->refcount == 0)
    {
      /* Cheap: the kernel frees the mark later, on its own. */
      inotify_rm_watch (dir_inotify_fd, watch->wd);
      g_hash_table_remove (dir_watches, GINT_TO_POINTER (watch->wd));
      g_hash_table_unref (watch->waiters);
      g_free (watch);
    }

  reader = g_hash_table_lookup (dir_readers, context);
  if (reader != NULL && --reader->refcount == 0)
    {
      g_hash_table_remove (dir_readers, context);
      source = reader->source;
      g_free (reader);
    }

  G_UNLOCK (dir_watches);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}

/* ---- wait until running -------------------------------------------------- */

typedef struct
{
  Op             op;
  GTask         *task;           /* unowned: the task owns this */
  char          *socket_name;
  char          *socket_path;
  guint          timeout_ms;
  DirWatch      *watch;          /* while waiting for the socket */
  GCancellable  *query_cancellable;
  gboolean       query_in_flight;
  gboolean       query_again;
  GSource       *retry_source;
  guint          retry_ms;
  gboolean       killing;        /* SIGKILL sent, waiting for the exit */
  GError        *final_error;    /* returned once the process is reaped */
  gboolean       success;        /* returned once the query finished */
} WaitRunning;

static void
wait_running_unwatch (WaitRunning *wr)
{
  if (wr->watch == NULL)
    return;
  dir_watch_remove (wr->watch, wr->socket_name, wr->op.context);
  wr->watch = NULL;
}

/* Drops a pending retry of the query. */
static void
wait_running_stop_retry (WaitRunning *wr)
{
  if (wr->retry_source == NULL)
    return;
  set_output_wakeup (wr->op.self, NULL);
  g_source_destroy (wr->retry_source);
  g_clear_pointer (&wr->retry_source, g_source_unref);
}

static void
wait_running_free (gpointer data)
{
  WaitRunning *wr = data;

  wait_running_unwatch (wr);
  wait_running_stop_retry (wr);
  g_clear_object (&wr->query_cancellable);
  g_clear_error (&wr->final_error);
  op_clear (&wr->op);
  g_free (wr->socket_name);
  g_free (wr->socket_path);
  g_free (wr);
}

/* Stops everything the wait arms; keeps the task alive until a query in
 * flight has come back (it is cancelled and does so at once). */
static void
wait_running_disarm (WaitRunning *wr)
{
  wait_running_unwatch (wr);
  wait_running_stop_retry (wr);
  g_cancellable_cancel (wr->query_cancellable);
}

/* Returns the result once nothing of ours is pending any more. */
static void
wait_running_complete (GTask *task)
{
  WaitRunning *wr = g_task_get_task_data (task);

  if (wr->op.done || wr->query_in_flight || op_busy (&wr->op))
    return;
  if (wr->killing && !wr->op.exit_seen)
    return;

  wr->op.done = TRUE;
  op_clear_sources (&wr->op);

  if (wr->final_error != NULL)
    g_task_return_error (task, g_steal_pointer (&wr->final_error));
  else if (wr->success)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_FAILED, "acrn-dm wait ended without result");
}

static gboolean wait_running_timeout_cb (gpointer user_data);

/* Ends the wait with @error: kills acrn-dm and returns once it is reaped. */
static void
wait_running_fail (GTask  *task,
                   GError *error)
{
  WaitRunning *wr = g_task_get_task_data (task);

  if (wr->final_error != NULL || wr->success)
    {
      g_error_free (error);
      return;
    }
  wr->final_error = error;
  wait_running_disarm (wr);
  op_stop_timeout (&wr->op);

  if (!wr->op.exit_seen)
    {
      wr->killing = TRUE;
      acrn_process_send_signal (wr->op.self, SIGKILL, NULL);
      /* Bound the wait for the exit of a process stuck in the kernel. */
      wr->op.timeout_source = g_timeout_source_new (ACRN_PROCESS_KILL_GRACE_MS);
      g_source_set_static_name (wr->op.timeout_source, "[vmm-acrn] acrn-dm kill grace");
      g_source_set_callback (wr->op.timeout_source, wait_running_timeout_cb,
                             g_object_ref (task), g_object_unref);
      g_source_attach (wr->op.timeout_source, wr->op.context);
    }
  wait_running_complete (task);
}

static void wait_running_query (GTask *task);

static gboolean
wait_running_retry_cb (gpointer user_data)
{
  GTask *task = user_data;
  WaitRunning *wr = g_task_get_task_data (task);

  set_output_wakeup (wr->op.self, NULL);
  g_clear_pointer (&wr->retry_source, g_source_unref);
  wait_running_query (task);
  return G_SOURCE_REMOVE;
}

static void
wait_running_query_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WaitRunning *wr = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  int state = -1;
  gboolean ok;

  wr->query_in_flight = FALSE;
  ok = acrn_mngr_query_finish (result, &state, &error);

  if (wr->op.done)
    return;
  if (wr->final_error != NULL || wr->success)
    {
      wait_running_complete (task);
      return;
    }

  if (ok && state == ACRN_MNGR_VM_RUNNING)
    {
      wr->success = TRUE;
      wait_running_disarm (wr);
      op_cancel_wait (&wr->op);
      process_log (wr->op.self, G_LOG_LEVEL_DEBUG, "acrn-dm answers on %s", wr->socket_path);
      wait_running_complete (task);
      return;
    }

  if (ok)
    {
      wait_running_fail (task,
                         g_error_new (VMM_ERROR, VMM_ERROR_PROTOCOL,
                                      "acrn-dm (pid %d) reports VM state %d (%s) on %s "
                                      "instead of running",
                                      (int) wr->op.self->pid, state,
                                      acrn_mngr_state_to_string (state), wr->socket_path));
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      /* Not there (yet, or any more): the directory monitor tells. */
      if (wr->query_again)
        {
          wr->query_again = FALSE;
          wait_running_query (task);
        }
      return;
    }

  if (acrn_mngr_error_is_not_listening (error))
    {
      /* acrn-dm has bound the socket but not called listen() yet, or its
       * one-entry backlog is full. No file system event marks the end of
       * that window. acrn-dm goes on with its start-up and prints as it
       * does: try again as soon as it writes anything, else shortly,
       * backing off; the overall timeout still bounds the wait. */
      wr->retry_ms = wr->retry_ms == 0 ? RETRY_FIRST_MS : MIN (wr->retry_ms * 2, RETRY_MAX_MS);
      wr->retry_source = g_timeout_source_new (wr->retry_ms);
      g_source_set_static_name (wr->retry_source, "[vmm-acrn] manager socket retry");
      g_source_set_callback (wr->retry_source, wait_running_retry_cb,
                             g_object_ref (task), g_object_unref);
      g_source_attach (wr->retry_source, wr->op.context);
      set_output_wakeup (wr->op.self, wr->retry_source);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_prefix_error (&error, "acrn-dm (pid %d) is not usable: ", (int) wr->op.self->pid);
  if (error->domain != VMM_ERROR)
    {
      GError *wrapped = g_error_new_literal (VMM_ERROR, VMM_ERROR_PROTOCOL, error->message);

      wait_running_fail (task, wrapped);
      return;
    }
  wait_running_fail (task, g_steal_pointer (&error));
}

static void
wait_running_query (GTask *task)
{
  WaitRunning *wr = g_task_get_task_data (task);

  if (wr->op.done || wr->final_error != NULL || wr->success || wr->retry_source != NULL)
    return;
  if (wr->query_in_flight)
    {
      wr->query_again = TRUE;
      return;
    }

  wr->query_in_flight = TRUE;
  acrn_mngr_query_async (wr->socket_path, 0, wr->query_cancellable,
                         wait_running_query_cb, g_object_ref (task));
}

static gboolean
wait_running_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  WaitRunning *wr = g_task_get_task_data (task);
  g_autofree char *tail = NULL;

  g_clear_pointer (&wr->op.timeout_source, g_source_unref);

  if (wr->killing)
    {
      /* SIGKILL did not end it within the grace period. */
      g_clear_error (&wr->final_error);
      wr->killing = FALSE;
      wr->op.exit_seen = TRUE;
      op_cancel_wait (&wr->op);
      wr->final_error = g_error_new (VMM_ERROR, VMM_ERROR_TIMED_OUT,
                                     "acrn-dm (pid %d) did not exit within %d ms of SIGKILL",
                                     (int) wr->op.self->pid, ACRN_PROCESS_KILL_GRACE_MS);
      wait_running_complete (task);
      return G_SOURCE_REMOVE;
    }

  tail = acrn_process_get_output_tail (wr->op.self);
  wait_running_fail (task,
                     g_error_new (VMM_ERROR, VMM_ERROR_TIMED_OUT,
                                  "acrn-dm (pid %d) did not answer on its manager socket %s "
                                  "within %u ms; it was killed%s%s",
                                  (int) wr->op.self->pid, wr->socket_path, wr->timeout_ms,
                                  tail != NULL ? ". Its last output:\n" : " (it printed nothing)",
                                  tail != NULL ? tail : ""));
  return G_SOURCE_REMOVE;
}

static gboolean
wait_running_cancel_cb (GCancellable *cancellable,
                        gpointer      user_data)
{
  GTask *task = user_data;
  WaitRunning *wr = g_task_get_task_data (task);

  g_clear_pointer (&wr->op.cancel_source, g_source_unref);
  wait_running_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "Starting acrn-dm was cancelled; it was killed"));
  return G_SOURCE_REMOVE;
}

static void
wait_running_exited (GTask *task)
{
  WaitRunning *wr = g_task_get_task_data (task);
  g_autofree char *message = NULL;

  if (wr->killing)
    {
      wr->killing = FALSE;
      op_stop_timeout (&wr->op);
      wait_running_complete (task);
      return;
    }
  if (wr->final_error != NULL || wr->success)
    {
      wait_running_complete (task);
      return;
    }

  message = describe_exit_with_output (wr->op.self, " before it was running");
  wr->final_error = g_error_new_literal (VMM_ERROR, VMM_ERROR_PROCESS_EXITED, message);
  wait_running_disarm (wr);
  op_stop_timeout (&wr->op);
  wait_running_complete (task);
}

/**
 * acrn_process_wait_running_async:
 * @self: an #AcrnProcess
 * @mngr_dir: the manager socket directory (created if missing)
 * @vm_name: the VM name given to acrn-dm
 * @timeout_ms: how long to wait, 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when acrn-dm runs or the wait failed
 * @user_data: data for @callback
 *
 * Waits until acrn-dm's manager socket answers DM_QUERY with state 0. It
 * watches the manager directory (inotify, read in the caller's context)
 * and checks once after arming the watch; no sleep, no polling of the
 * directory. Between acrn-dm's bind() and listen() the socket refuses
 * connections and no event marks the end of that window: the query is
 * then repeated as soon as acrn-dm prints something, else after a short
 * delay that grows.
 *
 * If acrn-dm exits first, this fails at once with
 * %VMM_ERROR_PROCESS_EXITED, giving the exit status and its last output.
 * On timeout (%VMM_ERROR_TIMED_OUT), cancellation or a wrong answer,
 * acrn-dm is killed with SIGKILL and reaped before this completes.
 */
void
acrn_process_wait_running_async (AcrnProcess         *self,
                                 const char          *mngr_dir,
                                 const char          *vm_name,
                                 guint                timeout_ms,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  WaitRunning *wr;

  g_return_if_fail (ACRN_IS_PROCESS (self));
  g_return_if_fail (mngr_dir != NULL);
  g_return_if_fail (vm_name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, acrn_process_wait_running_async);
  g_task_set_check_cancellable (task, FALSE);

  wr = g_new0 (WaitRunning, 1);
  wr->task = task;
  wr->timeout_ms = timeout_ms;
  wr->socket_name = acrn_mngr_socket_name (vm_name, self->pid);
  wr->socket_path = g_build_filename (mngr_dir, wr->socket_name, NULL);
  wr->query_cancellable = g_cancellable_new ();
  g_task_set_task_data (task, wr, wait_running_free);

  wr->op.on_exit = wait_running_exited;
  wr->op.try_complete = wait_running_complete;
  op_init (&wr->op, self, task, timeout_ms, wait_running_timeout_cb, wait_running_cancel_cb);

  if (self->exited)
    {
      wait_running_exited (task);
      return;
    }
  if (self->pid == 0)
    return;  /* reaped already: the GSubprocess wait completes at once */

  wr->watch = dir_watch_add (mngr_dir, wr->socket_name, task, &error);
  if (wr->watch == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      /* Made here if missing (acrn-dm makes it too, but we watch first). */
      g_clear_error (&error);
      if (g_mkdir_with_parents (mngr_dir, 0755) != 0)
        {
          int errsv = errno;

          wait_running_fail (task, g_error_new (VMM_ERROR, VMM_ERROR_IO,
                                                "Cannot create the manager directory %s: %s",
                                                mngr_dir, g_strerror (errsv)));
          return;
        }
      wr->watch = dir_watch_add (mngr_dir, wr->socket_name, task, &error);
    }
  if (wr->watch == NULL)
    {
      wait_running_fail (task, g_error_new (VMM_ERROR, VMM_ERROR_IO,
                                            "Cannot watch the manager directory %s: %s",
                                            mngr_dir, error->message));
      return;
    }

  /* The socket may have appeared before the watch was armed: ask at once
   * if it is there. (A query that finds nothing costs a socket and a
   * main-loop round.) */
  if (g_access (wr->socket_path, F_OK) == 0)
    wait_running_query (task);
}

/**
 * acrn_process_wait_running_finish:
 * @self: an #AcrnProcess
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if acrn-dm runs and answers
 */
gboolean
acrn_process_wait_running_finish (AcrnProcess   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (ACRN_IS_PROCESS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == acrn_process_wait_running_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- stop ---------------------------------------------------------------- */

typedef struct
{
  Op        op;
  guint     timeout_ms;
  gboolean  forced;
  gboolean  cancelled;
  gboolean  stuck;
} Stop;

static void
stop_free (gpointer data)
{
  Stop *st = data;

  op_clear (&st->op);
  g_free (st);
}

static void
stop_complete (GTask *task)
{
  Stop *st = g_task_get_task_data (task);
  g_autofree char *how = NULL;

  if (st->op.done || op_busy (&st->op))
    return;
  st->op.done = TRUE;
  op_clear_sources (&st->op);

  if (st->stuck)
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_TIMED_OUT,
                               "acrn-dm (pid %d) did not exit within %d ms of SIGKILL",
                               (int) st->op.self->pid, ACRN_PROCESS_KILL_GRACE_MS);
      return;
    }

  how = acrn_process_describe_exit (st->op.self);
  process_log (st->op.self, G_LOG_LEVEL_DEBUG, "acrn-dm %s%s", how,
               st->forced ? " (forced with SIGKILL)" : "");

  if (st->cancelled)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Stopping acrn-dm was cancelled; it was killed");
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
stop_exited (GTask *task)
{
  stop_complete (task);
}

static void
stop_force (GTask *task)
{
  Stop *st = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  op_stop_timeout (&st->op);
  if (st->forced)
    return;
  st->forced = TRUE;

  if (!acrn_process_send_signal (st->op.self, SIGKILL, &error))
    process_log (st->op.self, G_LOG_LEVEL_WARNING, "%s", error->message);
}

static gboolean
stop_grace_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Stop *st = g_task_get_task_data (task);

  g_clear_pointer (&st->op.timeout_source, g_source_unref);
  st->stuck = TRUE;
  op_cancel_wait (&st->op);
  stop_complete (task);
  return G_SOURCE_REMOVE;
}

static void
stop_arm_grace (GTask *task)
{
  Stop *st = g_task_get_task_data (task);

  st->op.timeout_source = g_timeout_source_new (ACRN_PROCESS_KILL_GRACE_MS);
  g_source_set_static_name (st->op.timeout_source, "[vmm-acrn] acrn-dm kill grace");
  g_source_set_callback (st->op.timeout_source, stop_grace_timeout_cb,
                         g_object_ref (task), g_object_unref);
  g_source_attach (st->op.timeout_source, st->op.context);
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Stop *st = g_task_get_task_data (task);

  g_clear_pointer (&st->op.timeout_source, g_source_unref);
  process_log (st->op.self, G_LOG_LEVEL_INFO,
               "acrn-dm did not exit within %u ms; sending SIGKILL", st->timeout_ms);
  stop_force (task);
  stop_arm_grace (task);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_cancel_cb (GCancellable *cancellable,
                gpointer      user_data)
{
  GTask *task = user_data;
  Stop *st = g_task_get_task_data (task);

  g_clear_pointer (&st->op.cancel_source, g_source_unref);
  st->cancelled = TRUE;
  if (!st->forced)
    {
      stop_force (task);
      stop_arm_grace (task);
    }
  return G_SOURCE_REMOVE;
}

/**
 * acrn_process_stop_async:
 * @self: an #AcrnProcess
 * @send_sigint: send SIGINT first (acrn-dm powers the VM off and exits);
 *   %FALSE only waits
 * @timeout_ms: how long to wait before SIGKILL, 0 for no limit
 * @cancellable: (nullable): a #GCancellable; cancelling sends SIGKILL at
 *   once, waits for the exit and fails with %G_IO_ERROR_CANCELLED
 * @callback: called once the process has exited (and, for a child, been
 *   reaped)
 * @user_data: data for @callback
 *
 * Stops acrn-dm, waiting on its exit (pidfd), with SIGKILL after
 * @timeout_ms. Stopping a process that has exited succeeds at once.
 */
void
acrn_process_stop_async (AcrnProcess         *self,
                         gboolean             send_sigint,
                         guint                timeout_ms,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Stop *st;

  g_return_if_fail (ACRN_IS_PROCESS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, acrn_process_stop_async);
  g_task_set_check_cancellable (task, FALSE);

  st = g_new0 (Stop, 1);
  st->timeout_ms = timeout_ms;
  g_task_set_task_data (task, st, stop_free);

  if (acrn_process_has_exited (self))
    {
      st->op.self = g_object_ref (self);
      stop_complete (task);
      return;
    }

  st->op.on_exit = stop_exited;
  st->op.try_complete = stop_complete;
  op_init (&st->op, self, task, timeout_ms, stop_timeout_cb, stop_cancel_cb);

  if (send_sigint && !acrn_process_send_signal (self, SIGINT, &error))
    {
      process_log (self, G_LOG_LEVEL_WARNING, "%s", error->message);
      stop_force (task);
      stop_arm_grace (task);
    }
}

/**
 * acrn_process_stop_finish:
 * @self: an #AcrnProcess
 * @result: the #GAsyncResult
 * @out_forced: (out) (optional): whether SIGKILL was needed
 * @error: return location for a #GError
 *
 * Returns: %TRUE once the process has exited
 */
gboolean
acrn_process_stop_finish (AcrnProcess   *self,
                          GAsyncResult  *result,
                          gboolean      *out_forced,
                          GError       **error)
{
  Stop *st;

  g_return_val_if_fail (ACRN_IS_PROCESS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == acrn_process_stop_async, FALSE);

  st = g_task_get_task_data (G_TASK (result));
  if (out_forced != NULL)
    *out_forced = st->forced;

  return g_task_propagate_boolean (G_TASK (result), error);
}
