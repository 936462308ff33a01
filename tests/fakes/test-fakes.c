/* test-fakes.c: tests of fake-acrn-dm and fake-acrnctl themselves
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The ACRN backend is tested against the fakes, so the fakes must be right:
 * each exit code and message, the manager protocol byte for byte (with a
 * raw socket client written here), stop with and without force, blkrescan,
 * acrnctl's texts, exit codes and prefix lookup, every fault mode.
 *
 * Every test gets its own temp dir (mngr dir, conf dir, images). Children
 * get PR_SET_PDEATHSIG so that a failing test never leaves a fake behind.
 * Waits are event driven (main loop on the children's output); the only
 * timeouts are safety nets that fail the test.
 */
#include "fake-acrn-common.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SAFETY_TIMEOUT_S 30

/* ------------------------------------------------------------------------ */
/* fixture                                                                  */

typedef struct {
  char *tmpdir;
  char *mngr_dir;
  char *conf_dir;
  char *kernel;
  char *img;
  char *img2;
  char *vsock;
  char **env;
  GPtrArray *procs; /* FakeProc*, killed at teardown */
} Fixture;

static char *
write_file (const char *dir,
            const char *name,
            gsize       size)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = g_malloc0 (size);
  g_autoptr(GError) error = NULL;

  if (size > 0)
    memset (data, 'x', size);
  g_file_set_contents (path, data, (gssize) size, &error);
  g_assert_no_error (error);
  return path;
}

static void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            rm_rf (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
}

typedef struct FakeProc FakeProc;
static void fake_proc_free (FakeProc *fp);

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char **env;

  fx->tmpdir = g_dir_make_tmp ("test-fakes-XXXXXX", &error);
  g_assert_no_error (error);
  fx->mngr_dir = g_build_filename (fx->tmpdir, "mngr", NULL);
  fx->conf_dir = g_build_filename (fx->tmpdir, "conf", "add", NULL);
  fx->kernel = write_file (fx->tmpdir, "bzImage", 4096);
  fx->img = write_file (fx->tmpdir, "root.img", 65536);
  fx->img2 = write_file (fx->tmpdir, "extra.img", 65536);
  fx->vsock = write_file (fx->tmpdir, "vhost-vsock", 1);

  /* a clean environment: nothing FAKE_* from outside */
  env = g_get_environ ();
  for (char **e = env; *e != NULL; e++)
    if (g_str_has_prefix (*e, "FAKE_"))
      {
        g_autofree char *key = g_strndup (*e, (gsize) (strchr (*e, '=') - *e));
        env = g_environ_unsetenv (env, key);
        e = env - 1; /* restart: the array was rebuilt */
      }
  env = g_environ_setenv (env, "FAKE_ACRN_MNGR_DIR", fx->mngr_dir, TRUE);
  env = g_environ_setenv (env, "FAKE_ACRN_CONF_DIR", fx->conf_dir, TRUE);
  env = g_environ_setenv (env, "FAKE_ACRN_VHOST_VSOCK", fx->vsock, TRUE);
  fx->env = env;
  fx->procs = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_proc_free);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_ptr_array_unref (fx->procs);
  rm_rf (fx->tmpdir);
  g_free (fx->tmpdir);
  g_free (fx->mngr_dir);
  g_free (fx->conf_dir);
  g_free (fx->kernel);
  g_free (fx->img);
  g_free (fx->img2);
  g_free (fx->vsock);
  g_strfreev (fx->env);
}

/* ------------------------------------------------------------------------ */
/* spawning                                                                 */

static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn (Fixture            *fx,
       const char *const  *extra_env,
       const char *const  *argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_auto(GStrv) env = g_strdupv (fx->env);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    {
      const char *eq = strchr (extra_env[i], '=');
      g_autofree char *key = NULL;
      g_assert_nonnull (eq);
      key = g_strndup (extra_env[i], (gsize) (eq - extra_env[i]));
      env = g_environ_setenv (env, key, eq + 1, TRUE);
    }
  g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return proc;
}

/* runs to the end; returns the exit status (asserts a normal exit) */
static int
run_sync (Fixture            *fx,
          const char *const  *extra_env,
          const char *const  *argv,
          char              **out,
          char              **err)
{
  g_autoptr(GSubprocess) proc = spawn (fx, extra_env, argv);
  g_autoptr(GError) error = NULL;
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;

  g_subprocess_communicate_utf8 (proc, NULL, NULL, &o, &e, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (proc))
    g_error ("%s did not exit normally; stderr:\n%s", argv[0], e);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return g_subprocess_get_exit_status (proc);
}

static gboolean
on_safety_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* iterate the main context until @cond(@data) or the safety timeout */
static void
iterate_until (gboolean   (*cond) (gpointer data),
               gpointer     data,
               const char  *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (SAFETY_TIMEOUT_S, on_safety_timeout, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

/* a long-running child whose stdout and stderr are collected line by line */
typedef struct {
  GDataInputStream *stream;
  GString *text;
  gboolean eof;
} LineReader;

struct FakeProc {
  GSubprocess *proc;
  LineReader out;
  LineReader err;
  gboolean waited;
  char *name;
  char *pid;   /* kept: GSubprocess forgets it once the child is reaped */
};

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineReader *r = user_data;
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish (r->stream, result, NULL, &error);

  if (line == NULL)
    {
      r->eof = TRUE;
      return;
    }
  g_string_append (r->text, line);
  g_string_append_c (r->text, '\n');
  g_free (line);
  g_data_input_stream_read_line_async (r->stream, G_PRIORITY_DEFAULT, NULL, on_line, r);
}

static void
line_reader_init (LineReader   *r,
                  GInputStream *stream)
{
  r->stream = g_data_input_stream_new (stream);
  r->text = g_string_new (NULL);
  g_data_input_stream_read_line_async (r->stream, G_PRIORITY_DEFAULT, NULL, on_line, r);
}

static gboolean
proc_done (gpointer data)
{
  FakeProc *fp = data;
  return fp->waited && fp->out.eof && fp->err.eof;
}

static void
on_wait (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  FakeProc *fp = user_data;

  g_subprocess_wait_finish (fp->proc, result, NULL);
  fp->waited = TRUE;
}

static FakeProc *
fake_proc_start (Fixture            *fx,
                 const char *const  *extra_env,
                 const char *const  *argv)
{
  FakeProc *fp = g_new0 (FakeProc, 1);

  fp->proc = spawn (fx, extra_env, argv);
  line_reader_init (&fp->out, g_subprocess_get_stdout_pipe (fp->proc));
  line_reader_init (&fp->err, g_subprocess_get_stderr_pipe (fp->proc));
  g_subprocess_wait_async (fp->proc, NULL, on_wait, fp);
  fp->name = g_strdup (argv[g_strv_length ((char **) argv) - 1]);
  fp->pid = g_strdup (g_subprocess_get_identifier (fp->proc));
  g_ptr_array_add (fx->procs, fp);
  return fp;
}

static void
fake_proc_wait (FakeProc *fp)
{
  iterate_until (proc_done, fp, "a fake to exit");
}

static void
fake_proc_free (FakeProc *fp)
{
  if (!fp->waited)
    g_subprocess_force_exit (fp->proc);
  fake_proc_wait (fp);
  g_object_unref (fp->out.stream);
  g_object_unref (fp->err.stream);
  g_string_free (fp->out.text, TRUE);
  g_string_free (fp->err.text, TRUE);
  g_object_unref (fp->proc);
  g_free (fp->name);
  g_free (fp->pid);
  g_free (fp);
}

typedef struct {
  LineReader *r;
  const char *needle;
} WaitText;

static gboolean
text_seen (gpointer data)
{
  WaitText *w = data;
  return strstr (w->r->text->str, w->needle) != NULL || w->r->eof;
}

/* waits for @needle on the fake's stderr; fails if it ends first */
static void
fake_proc_wait_err (FakeProc   *fp,
                    const char *needle)
{
  WaitText w = { &fp->err, needle };

  iterate_until (text_seen, &w, needle);
  if (strstr (fp->err.text->str, needle) == NULL)
    g_error ("fake ended without printing \"%s\"; stderr:\n%s", needle, fp->err.text->str);
}

static void
fake_proc_wait_out (FakeProc   *fp,
                    const char *needle)
{
  WaitText w = { &fp->out, needle };

  iterate_until (text_seen, &w, needle);
  if (strstr (fp->out.text->str, needle) == NULL)
    g_error ("fake ended without printing \"%s\" on stdout; stdout:\n%s", needle, fp->out.text->str);
}

static void
assert_exit (FakeProc *fp,
             int       code)
{
  fake_proc_wait (fp);
  if (!g_subprocess_get_if_exited (fp->proc))
    g_error ("expected exit %d, got signal %d; stderr:\n%s", code,
             g_subprocess_get_term_sig (fp->proc), fp->err.text->str);
  if (g_subprocess_get_exit_status (fp->proc) != code)
    g_error ("expected exit %d, got %d; stderr:\n%s", code,
             g_subprocess_get_exit_status (fp->proc), fp->err.text->str);
}

static void
assert_signaled (FakeProc *fp,
                 int       signo)
{
  fake_proc_wait (fp);
  if (!g_subprocess_get_if_signaled (fp->proc))
    g_error ("expected death by signal %d, got exit %d; stderr:\n%s", signo,
             g_subprocess_get_exit_status (fp->proc), fp->err.text->str);
  g_assert_cmpint (g_subprocess_get_term_sig (fp->proc), ==, signo);
}

static char *
sock_path (Fixture  *fx,
           FakeProc *fp)
{
  return g_strdup_printf ("%s/%s.monitor.%s.socket", fx->mngr_dir, fp->name, fp->pid);
}

/* argv builder */
static GPtrArray *
dm_args (Fixture    *fx,
         const char *first,
         ...) G_GNUC_NULL_TERMINATED;

static GPtrArray *
dm_args (Fixture    *fx,
         const char *first,
         ...)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  va_list ap;

  g_ptr_array_add (a, g_strdup (FAKE_ACRN_DM_PATH));
  va_start (ap, first);
  for (const char *s = first; s != NULL; s = va_arg (ap, const char *))
    g_ptr_array_add (a, g_strdup (s));
  va_end (ap);
  g_ptr_array_add (a, NULL);
  return a;
}

/* a typical, valid command line (the plugin's layout) plus @extra, then the name */
static GPtrArray *
dm_std_args (Fixture    *fx,
             const char *name,
             const char *const *extra)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *console = g_strdup_printf ("3,virtio-console,@socket:console0=%s/%s.console.sock",
                                              fx->tmpdir, name);
  g_autofree char *disk = g_strdup_printf ("4,virtio-blk,%s", fx->img);
  const char *base[] = {
    FAKE_ACRN_DM_PATH, "-m", "512M", "-s", "0:0,hostbridge", "-s", "1:0,lpc",
    "-l", "com1,stdio", "-s", console, "-s", disk, "-s", "5,virtio-blk,nodisk",
    "-s", "6,virtio-blk,nodisk", "-k", fx->kernel, "-B", "console=ttyS0 root=/dev/vda1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (base); i++)
    g_ptr_array_add (a, g_strdup (base[i]));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (a, g_strdup (extra[i]));
  g_ptr_array_add (a, g_strdup (name));
  g_ptr_array_add (a, NULL);
  return a;
}

static FakeProc *
start_vm (Fixture            *fx,
          const char         *name,
          const char *const  *extra_env,
          const char *const  *extra_args)
{
  g_autoptr(GPtrArray) a = dm_std_args (fx, name, extra_args);
  FakeProc *fp = fake_proc_start (fx, extra_env, (const char *const *) a->pdata);

  fake_proc_wait_err (fp, "add_cpu");
  return fp;
}

/* ------------------------------------------------------------------------ */
/* raw manager-protocol client                                              */

static int
mngr_connect (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (strlen (path), <, sizeof addr.sun_path);
  strcpy (addr.sun_path, path);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    g_error ("connect %s: %s", path, g_strerror (errno));
  return fd;
}

static void
write_all (int         fd,
           const void *buf,
           gsize       len)
{
  const guint8 *p = buf;

  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      p += n;
      len -= (gsize) n;
    }
}

static void
msg_init (FakeMngrMsg   *msg,
          unsigned       msgid,
          unsigned long  timestamp)
{
  memset (msg, 0, sizeof *msg);
  msg->magic = FAKE_MNGR_MAGIC;
  msg->msgid = msgid;
  msg->timestamp = timestamp;
}

/* reads exactly one 280-byte message (safety timeout: fail) */
static void
read_msg (int          fd,
          FakeMngrMsg *msg)
{
  guint8 *p = (guint8 *) msg;
  gsize got = 0;

  while (got < sizeof *msg)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      ssize_t n;

      if (poll (&pfd, 1, SAFETY_TIMEOUT_S * 1000) != 1)
        g_error ("no reply from the fake within %d s", SAFETY_TIMEOUT_S);
      n = read (fd, p + got, sizeof *msg - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("the fake closed the connection after %zu bytes", got);
      got += (gsize) n;
    }
}

static FakeMngrMsg
request (const char    *path,
         unsigned       msgid,
         unsigned long  timestamp,
         int            force,
         const char    *devargs)
{
  FakeMngrMsg req, ack;
  int fd = mngr_connect (path);

  msg_init (&req, msgid, timestamp);
  req.data.stop.force = force;
  if (devargs != NULL)
    g_strlcpy (req.data.devargs, devargs, sizeof req.data.devargs);
  write_all (fd, &req, sizeof req);
  read_msg (fd, &ack);
  close (fd);
  g_assert_cmphex (ack.magic, ==, FAKE_MNGR_MAGIC);
  g_assert_cmpuint (ack.msgid, ==, msgid);
  g_assert_cmphex (ack.timestamp, ==, timestamp);
  return ack;
}

/* ------------------------------------------------------------------------ */
/* fake-acrn-dm: command line                                               */

typedef struct {
  const char *args;       /* '|'-separated, %K kernel, %I image, %T tmpdir */
  int code;
  const char *err;        /* substring of stderr, NULL: stderr empty */
  const char *env;        /* one extra K=V or NULL */
} ParseCase;

static GPtrArray *
expand_args (Fixture    *fx,
             const char *spec)
{
  g_auto(GStrv) parts = g_strsplit (spec, "|", -1);
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (a, g_strdup (FAKE_ACRN_DM_PATH));
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autoptr(GString) s = g_string_new (parts[i]);
      g_string_replace (s, "%K", fx->kernel, 0);
      g_string_replace (s, "%I", fx->img, 0);
      g_string_replace (s, "%T", fx->tmpdir, 0);
      g_ptr_array_add (a, g_string_free (g_steal_pointer (&s), FALSE));
    }
  g_ptr_array_add (a, NULL);
  return a;
}

static void
check_parse_cases (Fixture         *fx,
                   const ParseCase *cases,
                   gsize            n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) a = expand_args (fx, cases[i].args);
      const char *env[] = { "FAKE_ACRN_PARSE_ONLY=1", cases[i].env, NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int code = run_sync (fx, env, (const char *const *) a->pdata, &out, &err);

      g_test_message ("case %s -> %d: %s", cases[i].args, code, err);
      if (code != cases[i].code)
        g_error ("argv \"%s\": exit %d, expected %d; stderr:\n%s", cases[i].args, code,
                 cases[i].code, err);
      if (cases[i].err == NULL)
        {
          g_assert_cmpstr (err, ==, "");
          g_assert_cmpstr (out, ==, "");
        }
      else if (strstr (err, cases[i].err) == NULL)
        g_error ("argv \"%s\": stderr lacks \"%s\":\n%s", cases[i].args, cases[i].err, err);
    }
}

static void
test_dm_parse_valid (Fixture       *fx,
                     gconstpointer  data)
{
  static const ParseCase cases[] = {
    /* the plugin's layout, as ACRN.md §5 (3.x syntax) */
    { "-m|2048M|-s|0:0,hostbridge|-s|1:0,lpc|-l|com1,stdio|"
      "-s|3,virtio-console,@socket:console0=%T/c.sock|-s|4,virtio-blk,%I|"
      "-s|5,virtio-blk,nodisk|-s|6,virtio-blk,nodisk|-s|13,vhost-vsock,cid=3|"
      "-s|14,virtio-net,tap=tap0,mac=02:00:00:00:00:01|-s|15,passthru,00/02/0|"
      "-s|16,virtio-blk,%I,ro|-s|17,virtio-console,socket:serial0=%T/s.sock|"
      "--cpu_affinity|0,2|-k|%K|-B|console=ttyS0 root=/dev/vda1 rw|sbx-0123456789a", 0, NULL, NULL },
    /* GNU getopt: options may follow the name */
    { "vm1|-m|1G", 0, NULL, NULL },
    { "-m|0x10000000k|vm1", 0, NULL, NULL },
    { "-m|128M|vm1", 0, NULL, NULL },
    { "-A|vm1", 0, NULL, NULL },
    { "--acpi|--memsize|1g|vm1", 0, NULL, NULL },
    { "-s|3:7,virtio-rnd|-s|3:6,virtio-rnd|vm1", 0, NULL, NULL },
    { "-s|0:31:7,virtio-rnd|vm1", 0, NULL, NULL },
    { "-l|COM2,tcp:4444|-l|com1,stdio|vm1", 0, NULL, NULL },
    { "-s|3,virtio-console,@socket:c=%T/c.sock:client|vm1", 0, NULL, NULL },
    { "-s|3,virtio-console,@stdio:stdio_port|vm1", 0, NULL, NULL },
    { "-s|3,virtio-console,file:f=%T/f.log|vm1", 0, NULL, NULL },
    { "-s|3,passthru,0:2.0|-s|4,passthru,0/3/1,keep_gsi|vm1", 0, NULL, NULL },
    { "-s|3,vhost-vsock,cid=4294967294|vm1", 0, NULL, NULL },
    { "--pm_notify_channel|power_button|--rtvm|--lapic_pt|--windows|--debugexit|vm1", 0, NULL, NULL },
    { "--pm_notify_channel|uart,allow_trigger_s5|vm1", 0, NULL, NULL },
    { "--logger_setting|console,level=4;kmsg,level=3;disk,level=5|vm1", 0, NULL, NULL },
    { "--virtio_poll|1000000|vm1", 0, NULL, NULL },
    { "--ovmf|w,%K|vm1", 0, NULL, NULL },
    { "--cpu_affinity|2,4|vm1", 0, NULL, "FAKE_ACRN_LAPIC_IDS=0,2,4,6" },
    { "--iasl|/bin/true|vm1", 0, NULL, NULL },
    /* the 2.x net syntax is not a parse error: 3.x just opens no tap */
    { "-s|7,virtio-net,tap0,mac=02:00:00:00:00:01|vm1", 0, NULL, NULL },
    { "123456789012345", 0, NULL, NULL },
  };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) help = dm_args (fx, "-h", NULL);
  g_autoptr(GPtrArray) version = dm_args (fx, "-v", NULL);

  check_parse_cases (fx, cases, G_N_ELEMENTS (cases));

  g_assert_cmpint (run_sync (fx, NULL, (const char *const *) help->pdata, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "Usage: acrn-dm"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_sync (fx, NULL, (const char *const *) version->pdata, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, "DM version is: "));
}

static void
test_dm_parse_errors (Fixture       *fx,
                      gconstpointer  data)
{
  g_autofree char *long_b = g_strnfill (2048, 'b');
  g_autofree char *ok_b = g_strnfill (2047, 'b');
  g_autofree char *case_long_b = g_strdup_printf ("-B|%s|vm1", long_b);
  g_autofree char *case_ok_b = g_strdup_printf ("-B|%s|vm1", ok_b);
  g_autofree char *empty_kernel = write_file (fx->tmpdir, "empty", 0);
  g_autofree char *case_empty_k = g_strdup_printf ("-k|%s|vm1", empty_kernel);
  g_autofree char *p100 = g_strnfill (100, 'p');
  g_autofree char *long_path = g_strdup_printf ("%s/%s", fx->tmpdir, p100);
  g_autofree char *case_long_sock = g_strdup_printf ("-s|3,virtio-console,@socket:c=%s|vm1", long_path);
  /* acrn-dm's STR_LEN: a -k/-r/--ovmf path of 1024 bytes or more */
  g_autofree char *k1023 = g_strnfill (1023, 'k');
  g_autofree char *case_long_k = g_strdup_printf ("-k|/%s|vm1", k1023);
  g_autofree char *case_long_r = g_strdup_printf ("-r|/%s|vm1", k1023);
  g_autofree char *case_long_ovmf = g_strdup_printf ("--ovmf|/%s|vm1", k1023);
  const ParseCase cases[] = {
    /* -m */
    { "-m|2048|vm1", 64, "acrn-dm: invalid memsize '2048'", NULL },
    { "-m|127M|vm1", 64, "acrn-dm: invalid memsize '127M'", NULL },
    { "-m|2048MB|vm1", 64, "invalid memsize", NULL },
    { "-m|M|vm1", 64, "invalid memsize", NULL },
    { "-m|-1G|vm1", 64, "invalid memsize", NULL },
    { "-m|99999999999999999999G|vm1", 64, "invalid memsize", NULL },
    /* -s */
    { "-s|3,virtio-rnd|-s|3,virtio-rnd|vm1", 1, "pci slot 3:0 already occupied!", NULL },
    { "-s|3:1,virtio-rnd|-s|3:1,hostbridge|vm1", 1, "pci slot 3:1 already occupied!", NULL },
    { "-s|3,virtio-rnd|-s|3:0,virtio-gpu|vm1", 1, "pci slot 3:0 already occupied!", NULL },
    { "-s|3,virtio-gpu|vm1", 1, "pci slot 3:0: unknown device \"virtio-gpu\"", NULL },
    { "-s|3,|vm1", 1, "pci slot 3:0: unknown device \"\"", NULL },
    { "-s|32,virtio-rnd|vm1", 1, "Invalid PCI slot info field \"32,virtio-rnd\"", NULL },
    { "-s|3:8,virtio-rnd|vm1", 1, "Invalid PCI slot info field", NULL },
    { "-s|0x3,virtio-rnd|vm1", 1, "Invalid PCI slot info field", NULL },
    { "-s|3|vm1", 1, "Invalid PCI slot info field \"3\"", NULL },
    /* -l */
    { "-l|com5,stdio|vm1", 64, "acrn-dm: invalid lpc device configuration 'com5,stdio'", NULL },
    { "-l|com1,foo|vm1", 64, "invalid lpc device configuration", NULL },
    { "-l|com1|vm1", 64, "invalid lpc device configuration", NULL },
    { "-l|com1,tcp:0|vm1", 64, "invalid lpc device configuration", NULL },
    { "-l|com1,stdio|-l|com1,/dev/ttyS1|vm1", 64, "invalid lpc device configuration", NULL },
    { "-l|com1,stdio|-l|com2,stdio|vm1", 64, "invalid lpc device configuration 'com2,stdio'", NULL },
    /* -k, -r, -B */
    { "-k|/nonexistent/bzImage|vm1", 10, "SW_LOAD: check_image failed for '/nonexistent/bzImage'", NULL },
    { case_empty_k, 10, "SW_LOAD ERR: file is empty", NULL },
    { "-r|/nonexistent/initrd|vm1", 11, "SW_LOAD: check_image failed for '/nonexistent/initrd'", NULL },
    { case_long_b, 1, "at most 2047", NULL },
    { case_long_k, 1, NULL, NULL },    /* too long: exit 1, not a word (as acrn-dm) */
    { case_long_r, 1, NULL, NULL },
    { case_long_ovmf, 64, "invalid ovmf param", NULL },
    { case_ok_b, 0, NULL, NULL },
    /* removed and unknown options: usage, exit 1 */
    { "-c|2|vm1", 1, "acrn-dm: invalid option -- 'c'", NULL },
    { "-W|vm1", 1, "acrn-dm: invalid option -- 'W'", NULL },
    { "-U|7cd5a7a0-ef05-4b1f-9d8f-8a3f0a8c1b2a|vm1", 1, "Usage: acrn-dm", NULL },
    { "--uuid|x|vm1", 1, "unrecognized option", NULL },
    { "--bogus|vm1", 1, "Usage: acrn-dm", NULL },
    /* the name */
    { "-m|1G", 1, "You must provide the name of the Virtual Machine", NULL },
    { "vm1|vm2", 1, "You must provide the name of the Virtual Machine", NULL },
    { "1234567890123456", 1, "The name of the VM exceeds the maximum length: 15", NULL },
    /* iasl comes before the name */
    { "--iasl|/nonexistent/iasl", 1, "Cannot find Intel ACPI ASL compiler tool \"iasl\".", NULL },
    { "vm1", 1, "Cannot find Intel ACPI ASL compiler tool", "FAKE_ACRN_NO_IASL=1" },
    /* long options */
    { "--pm_notify_channel|foo|vm1", 64, "acrn-dm: invalid pm_notify_channel: foo", NULL },
    { "--cpu_affinity|1,x|vm1", 64, "acrn-dm: invalid pcpu param 1,x", NULL },
    { "--cpu_affinity|1,1|vm1", 64, "invalid pcpu param", NULL },
    { "--cpu_affinity|1|vm1", 64, "invalid pcpu param 1", "FAKE_ACRN_LAPIC_IDS=0,2,4,6" },
    { "--logger_setting|console,level=9|vm1", 64, "invalid logger setting params", NULL },
    { "--logger_setting|tty,level=3|vm1", 64, "there is no logger: tty found in DM", NULL },
    { "--virtio_poll|0|vm1", 64, "invalid virtio poll interval 0", NULL },
    { "--ovmf|/nonexistent/OVMF.fd|vm1", 64, "invalid ovmf param /nonexistent/OVMF.fd", NULL },
    /* -s configs */
    { "-s|3,vhost-vsock,cid=2|vm1", 1, "guest_cid has to be 0x2 < guest_cid < 0xffffffff", NULL },
    { "-s|3,vhost-vsock,cid=4294967295|vm1", 1, "guest_cid has to be", NULL },
    { "-s|3,vhost-vsock,cid=0x10|vm1", 1, "guest_cid has to be", NULL },
    { "-s|3,vhost-vsock|vm1", 1, "must have a valid guest_cid", NULL },
    { "-s|3,vhost-vsock,cid=3,x|vm1", 1, "guest_cid has to be", NULL },
    { "-s|3,virtio-net,tap=tap0,mac=01:00:00:00:00:01|vm1", 1, "Invalid MAC 01:00:00:00:00:01", NULL },
    { "-s|3,virtio-net,tap=tap0,mac=00:00:00:00:00:00|vm1", 1, "Invalid MAC", NULL },
    { "-s|3,virtio-net,tap=tap0,mac=zz|vm1", 1, "Invalid MAC", NULL },
    { "-s|3,virtio-net,tap=tap0,evil|vm1", 1, "virtio_net: unknown option \"evil\"", NULL },
    { "-s|3,virtio-net,tap=|vm1", 1, "empty tap name", NULL },
    { "-s|3,virtio-net,tap=abcdefghijklmnop|vm1", 1, "longer than 15", NULL },
    { "-s|3,virtio-net|vm1", 1, "virtio_net: invalid optional argument", NULL },
    { "-s|3,virtio-blk|vm1", 1, "virtio_blk: backing device required", NULL },
    { "-s|3,virtio-blk,%I,rw|vm1", 1, "Invalid device option \"rw\"", NULL },
    /* a comma inside a path becomes an extra option */
    { "-s|3,virtio-blk,%T/a,b.img|vm1", 1, "Invalid device option \"b.img\"", NULL },
    { "-s|3,virtio-console,@socket:c=%T/c.sock:both|vm1", 1, "Socket type not exist", NULL },
    { "-s|3,virtio-console,@socket:c=%T/a,@socket:d=%T/b|vm1", 1, "exactly one port", NULL },
    { "-s|3,virtio-console,@socket:c|vm1", 1, "vtcon: portpath is NULL", NULL },
    { "-s|3,virtio-console,@socket:=%T/x|vm1", 1, "without a name", NULL },
    { "-s|3,virtio-console,@tty:t=/dev/tty1|vm1", 1, "not supported by fake-acrn-dm", NULL },
    { "-s|3,virtio-console,@serial:x|vm1", 1, "vtcon: invalid backend serial!", NULL },
    { "-s|3,virtio-console|vm1", 1, "vtcon: invalid opts", NULL },
    { case_long_sock, 1, "longer than 107 bytes", NULL },
    { "-s|3,passthru,00/20/0|vm1", 1, "passthru: invalid bdf 00/20/0", NULL },
    { "-s|3,passthru,00/02/8|vm1", 1, "passthru: invalid bdf", NULL },
    { "-s|3,passthru,zz/02/0|vm1", 1, "passthru: invalid bdf", NULL },
    { "-s|3,passthru,00/02/0,foo|vm1", 1, "passthru: unknown option \"foo\"", NULL },
    { "-s|3,passthru|vm1", 1, "passthru: invalid options", NULL },
    { "-s|0:0,hostbridge,x|vm1", 1, "hostbridge: takes no options", NULL },
    { "-s|1,lpc|-s|2,lpc|vm1", 1, "Only one LPC bridge is allowed", NULL },
    /* the first error wins */
    { "-m|12|-s|3,foo|vm1", 64, "invalid memsize", NULL },
    { "-s|3,foo|-m|12|vm1", 1, "unknown device \"foo\"", NULL },
  };

  check_parse_cases (fx, cases, G_N_ELEMENTS (cases));
}

static void
test_dm_no_hsm (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) a = dm_std_args (fx, "vm1", NULL);
  const char *env[] = { "FAKE_ACRN_NO_HSM=1", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_sync (fx, env, (const char *const *) a->pdata, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "vm_create: vm1\nCould not open /dev/acrn_vhm\nvm_create failed\n"));
  g_assert_cmpstr (out, ==, "");
  g_assert_false (g_file_test (fx->mngr_dir, G_FILE_TEST_EXISTS));
}

static void
test_dm_fault_exit (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) a = dm_std_args (fx, "vm1", NULL);
  g_autoptr(GPtrArray) bad = dm_args (fx, "-m", "12", "vm1", NULL);
  const char *env[] = { "FAKE_ACRN_EXIT=42:acrn-dm exploded", NULL };
  g_autofree char *err = NULL;
  g_autofree char *err2 = NULL;

  g_assert_cmpint (run_sync (fx, env, (const char *const *) a->pdata, NULL, &err), ==, 42);
  g_assert_nonnull (strstr (err, "acrn-dm exploded\n"));
  g_assert_null (strstr (err, "vm_create"));
  /* "right after parsing": a parse error comes first */
  g_assert_cmpint (run_sync (fx, env, (const char *const *) bad->pdata, NULL, &err2), ==, 64);
  g_assert_null (strstr (err2, "exploded"));
}

static void
test_dm_argv_log (Fixture       *fx,
                  gconstpointer  data)
{
  g_autofree char *log = g_build_filename (fx->tmpdir, "argv.log", NULL);
  g_autofree char *env_log = g_strdup_printf ("FAKE_ACRN_ARGV_LOG=%s", log);
  const char *env[] = { "FAKE_ACRN_PARSE_ONLY=1", env_log, NULL };
  g_autoptr(GPtrArray) a = dm_args (fx, "-m", "1G", "-B", "a b  c", "vm1", NULL);
  g_autoptr(GPtrArray) b = dm_args (fx, "-m", "12", "vm2", NULL);
  g_autofree char *contents = NULL;

  g_assert_cmpint (run_sync (fx, env, (const char *const *) a->pdata, NULL, NULL), ==, 0);
  /* the argv is logged before parsing, also when parsing fails */
  g_assert_cmpint (run_sync (fx, env, (const char *const *) b->pdata, NULL, NULL), ==, 64);
  g_assert_true (g_file_get_contents (log, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "-m\n1G\n-B\na b  c\nvm1\n--\n-m\n12\nvm2\n--\n");
}

/* ------------------------------------------------------------------------ */
/* fake-acrn-dm: run time                                                   */

static void
test_dm_boot (Fixture       *fx,
              gconstpointer  data)
{
  g_autofree char *devlog = g_build_filename (fx->tmpdir, "devices.log", NULL);
  g_autofree char *env_devlog = g_strdup_printf ("FAKE_ACRN_DEVICES_LOG=%s", devlog);
  const char *env[] = { "FAKE_ACRN_STDOUT_LINES=5", env_devlog, NULL };
  FakeProc *fp = start_vm (fx, "vm1", env, NULL);
  g_autofree char *path = sock_path (fx, fp);
  g_autofree char *devices = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *console = g_strdup_printf ("%s/vm1.console.sock", fx->tmpdir);
  const char *err;

  /* start-up order on stderr */
  err = fp->err.text->str;
  g_assert_nonnull (strstr (err, "vm_create: vm1\n"));
  g_assert_true (strstr (err, "vm_create: vm1") < strstr (err, "vm_setup_memory: size=0x20000000"));
  g_assert_true (strstr (err, "vm_setup_memory") < strstr (err, "vm_init_vdevs"));
  g_assert_true (strstr (err, "vm_init_vdevs") < strstr (err, "add_cpu"));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (console, G_FILE_TEST_EXISTS));

  /* COM1 */
  fake_proc_wait_out (fp, "fake-acrn-dm stdout line 5\n");
  g_assert_nonnull (strstr (fp->out.text->str, "Command line: console=ttyS0 root=/dev/vda1\n"));
  g_assert_nonnull (strstr (fp->out.text->str, "fake guest vm1 is up\n"));
  g_assert_true (strstr (fp->out.text->str, "fake guest vm1 is up") <
                 strstr (fp->out.text->str, "fake-acrn-dm stdout line 1\n"));
  g_assert_null (strstr (fp->out.text->str, "stdout line 6"));

  g_assert_true (g_file_get_contents (devlog, &devices, NULL, NULL));
  expected = g_strdup_printf ("0:0:0\thostbridge\topened\t\n"
                              "0:1:0\tlpc\topened\t\n"
                              "0:3:0\tvirtio-console\topened\t@socket:console0=%s\n"
                              "0:4:0\tvirtio-blk\topened\t%s\n"
                              "0:5:0\tvirtio-blk\tempty\tnodisk\n"
                              "0:6:0\tvirtio-blk\tempty\tnodisk\n", console, fx->img);
  g_assert_cmpstr (devices, ==, expected);

  /* SIGINT: power off, exit 0, socket removed */
  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
  g_assert_nonnull (strstr (fp->err.text->str, "Received SIGINT to terminate application..."));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_dm_com1_needs_lpc (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) a = dm_args (fx, "-m", "512M", "-l", "com1,stdio", "-k", fx->kernel, "vm1", NULL);
  FakeProc *fp = fake_proc_start (fx, NULL, (const char *const *) a->pdata);

  fake_proc_wait_err (fp, "add_cpu");
  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
  /* no LPC bridge: no UART, nothing on COM1 */
  g_assert_cmpstr (fp->out.text->str, ==, "");
}

static void
test_dm_signals (Fixture       *fx,
                 gconstpointer  data)
{
  FakeProc *hup = start_vm (fx, "vm1", NULL, NULL);
  FakeProc *term = start_vm (fx, "vm2", NULL, NULL);
  g_autofree char *hup_path = sock_path (fx, hup);
  g_autofree char *term_path = sock_path (fx, term);

  g_subprocess_send_signal (hup->proc, SIGHUP);
  assert_exit (hup, 0);
  g_assert_false (g_file_test (hup_path, G_FILE_TEST_EXISTS));

  /* acrn-dm has no SIGTERM handler: it dies and leaves its socket */
  g_subprocess_send_signal (term->proc, SIGTERM);
  assert_signaled (term, SIGTERM);
  g_assert_true (g_file_test (term_path, G_FILE_TEST_EXISTS));
}

static void
test_dm_crash (Fixture       *fx,
               gconstpointer  data)
{
  const char *env[] = { "FAKE_ACRN_CRASH_MS=50", NULL };
  g_autoptr(GPtrArray) a = dm_std_args (fx, "vm1", NULL);
  FakeProc *fp = fake_proc_start (fx, env, (const char *const *) a->pdata);
  g_autofree char *path = NULL;

  assert_signaled (fp, SIGSEGV);
  path = sock_path (fx, fp);
  /* a crash leaves the socket file behind */
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (fp->err.text->str, "add_cpu"));
}

static gboolean
signal_ignored (GPid pid,
                int  signo)
{
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *line;
  guint64 mask;

  g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
  line = strstr (status, "\nSigIgn:\t");
  g_assert_nonnull (line);
  mask = g_ascii_strtoull (line + strlen ("\nSigIgn:\t"), NULL, 16);
  return (mask & (G_GUINT64_CONSTANT (1) << (signo - 1))) != 0;
}

static void
test_dm_ignore_sigint (Fixture       *fx,
                       gconstpointer  data)
{
  const char *env[] = { "FAKE_ACRN_IGNORE_SIGINT=1", NULL };
  FakeProc *fp = start_vm (fx, "vm1", env, NULL);
  FakeProc *normal = start_vm (fx, "vm2", NULL, NULL);
  g_autofree char *path = sock_path (fx, fp);
  GPid pid = (GPid) g_ascii_strtoll (fp->pid, NULL, 10);
  GPid normal_pid = (GPid) g_ascii_strtoll (normal->pid, NULL, 10);
  FakeMngrMsg ack;

  g_assert_true (signal_ignored (pid, SIGINT));
  g_assert_true (signal_ignored (pid, SIGTERM));
  g_assert_true (signal_ignored (pid, SIGHUP));
  g_assert_false (signal_ignored (normal_pid, SIGINT));

  g_subprocess_send_signal (fp->proc, SIGINT);
  g_subprocess_send_signal (fp->proc, SIGTERM);
  ack = request (path, FAKE_DM_QUERY, 7, 0, NULL);
  g_assert_cmpint (ack.data.state, ==, 0);
  g_subprocess_force_exit (fp->proc);
  assert_signaled (fp, SIGKILL);
}

static void
test_dm_lifetime (Fixture       *fx,
                  gconstpointer  data)
{
  const char *env[] = { "FAKE_ACRN_MAX_LIFETIME_S=1", NULL };
  FakeProc *fp = start_vm (fx, "vm1", env, NULL);
  g_autofree char *path = sock_path (fx, fp);

  /* the safety valve powers a forgotten fake off */
  assert_exit (fp, 0);
  g_assert_nonnull (strstr (fp->err.text->str, "FAKE_ACRN_MAX_LIFETIME_S reached"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_dm_no_socket (Fixture       *fx,
                   gconstpointer  data)
{
  const char *env[] = { "FAKE_ACRN_NO_SOCKET=1", NULL };
  FakeProc *fp = start_vm (fx, "vm1", env, NULL);
  g_autofree char *path = sock_path (fx, fp);

  /* fully booted, but no socket */
  fake_proc_wait_out (fp, "fake guest vm1 is up");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
}

static void
test_dm_slow (Fixture       *fx,
              gconstpointer  data)
{
  const char *env[] = { "FAKE_ACRN_SLOW_MS=400", NULL };
  g_autoptr(GPtrArray) a = dm_std_args (fx, "vm1", NULL);
  FakeProc *fp = fake_proc_start (fx, env, (const char *const *) a->pdata);
  g_autofree char *path = NULL;

  fake_proc_wait_err (fp, "waiting 400 ms before creating the manager socket");
  path = sock_path (fx, fp);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  fake_proc_wait_err (fp, "add_cpu");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (request (path, FAKE_DM_QUERY, 1, 0, NULL).data.state, ==, 0);
  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
}

static void
test_dm_hsm_duplicate (Fixture       *fx,
                       gconstpointer  data)
{
  FakeProc *first = start_vm (fx, "vm1", NULL, NULL);
  g_autoptr(GPtrArray) a = dm_std_args (fx, "vm1", NULL);
  g_autofree char *err = NULL;

  g_assert_cmpint (run_sync (fx, NULL, (const char *const *) a->pdata, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "vm_create failed"));
  g_subprocess_send_signal (first->proc, SIGINT);
  assert_exit (first, 0);
}

/* ------------------------------------------------------------------------ */
/* fake-acrn-dm: devices                                                    */

static void
test_dm_device_blk_missing (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) a = dm_args (fx, "-m", "512M", "-s", "4,virtio-blk,/nonexistent/disk.img",
                                    "vm1", NULL);
  FakeProc *fp = fake_proc_start (fx, NULL, (const char *const *) a->pdata);
  const char *err;

  assert_exit (fp, 1);
  err = fp->err.text->str;
  /* found only after the HSM and the socket, and the socket is removed */
  g_assert_nonnull (strstr (err, "Could not open backing file: /nonexistent/disk.img"));
  g_assert_true (strstr (err, "vm_init_vdevs") < strstr (err, "Could not open backing file"));
  g_assert_null (strstr (err, "add_cpu"));
  g_assert_true (g_file_test (fx->mngr_dir, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (g_rmdir (fx->mngr_dir), ==, 0); /* empty: no socket left */
}

static void
test_dm_device_config_late (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) a = dm_args (fx, "-m", "512M", "-s", "3,vhost-vsock,cid=1", "vm1", NULL);
  FakeProc *fp = fake_proc_start (fx, NULL, (const char *const *) a->pdata);

  /* without PARSE_ONLY a -s config error shows at device init, like acrn-dm */
  assert_exit (fp, 1);
  g_assert_true (strstr (fp->err.text->str, "vm_create: vm1") <
                 strstr (fp->err.text->str, "guest_cid has to be"));
  g_assert_cmpint (g_rmdir (fx->mngr_dir), ==, 0);
}

static void
test_dm_device_vsock (Fixture       *fx,
                      gconstpointer  data)
{
  const char *args3[] = { "-s", "7,vhost-vsock,cid=3", NULL };
  const char *args4[] = { "-s", "7,vhost-vsock,cid=4", NULL };
  const char *no_dev[] = { "FAKE_ACRN_VHOST_VSOCK=/nonexistent/vhost-vsock", NULL };
  FakeProc *a = start_vm (fx, "vm1", NULL, args3);
  FakeProc *b;
  FakeProc *c;
  g_autoptr(GPtrArray) dup = dm_std_args (fx, "vm2", args3);
  g_autoptr(GPtrArray) nodev = dm_std_args (fx, "vm3", args3);
  g_autofree char *err = NULL;
  g_autofree char *err2 = NULL;

  /* a cid is held by one VM at a time */
  g_assert_cmpint (run_sync (fx, NULL, (const char *const *) dup->pdata, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "vhost_vsock: set guest cid(3) fail"));
  b = start_vm (fx, "vm4", NULL, args4);
  /* no /dev/vhost-vsock */
  g_assert_cmpint (run_sync (fx, no_dev, (const char *const *) nodev->pdata, NULL, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "vhost_vsock: open /nonexistent/vhost-vsock fail"));

  /* after vm1 powers off, cid 3 is free again */
  g_subprocess_send_signal (a->proc, SIGINT);
  assert_exit (a, 0);
  c = start_vm (fx, "vm2", NULL, args3);
  g_subprocess_send_signal (b->proc, SIGINT);
  g_subprocess_send_signal (c->proc, SIGINT);
  assert_exit (b, 0);
  assert_exit (c, 0);
}

static void
test_dm_device_net (Fixture       *fx,
                    gconstpointer  data)
{
  g_autofree char *devlog = g_build_filename (fx->tmpdir, "devices.log", NULL);
  g_autofree char *env_devlog = g_strdup_printf ("FAKE_ACRN_DEVICES_LOG=%s", devlog);
  const char *env[] = { "FAKE_ACRN_TAPS=tap0,tap1", env_devlog, NULL };
  const char *args[] = {
    "-s", "7,virtio-net,tap=tap0,vhost,mac=02:00:00:00:00:01",
    "-s", "8,virtio-net,tap=tap9",
    "-s", "9,virtio-net,tap1,mac=02:00:00:00:00:02",
    NULL
  };
  FakeProc *fp = start_vm (fx, "vm1", env, args);
  g_autofree char *devices = NULL;

  /* a missing tap and the 2.x syntax are warnings, not errors: 3.x runs
   * the VM with the link down */
  g_assert_nonnull (strstr (fp->err.text->str, "open of tap device tap9 failed"));
  g_assert_nonnull (strstr (fp->err.text->str, "\"tap1,mac=02:00:00:00:00:02\" has no tap=IFNAME"));
  g_assert_true (g_file_get_contents (devlog, &devices, NULL, NULL));
  g_assert_nonnull (strstr (devices, "0:7:0\tvirtio-net\topened\ttap=tap0\n"));
  g_assert_nonnull (strstr (devices, "0:8:0\tvirtio-net\tnot-opened\ttap=tap9 unavailable\n"));
  g_assert_nonnull (strstr (devices, "0:9:0\tvirtio-net\tnot-opened\tlegacy-syntax tap1,mac=02:00:00:00:00:02\n"));
  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
}

static void
test_dm_device_passthru (Fixture       *fx,
                         gconstpointer  data)
{
  const char *env[] = { "FAKE_ACRN_PCI_STUB=00:02.0", NULL };
  const char *ok[] = { "-s", "7,passthru,00/02/0", NULL };
  const char *bad[] = { "-s", "7,passthru,00/03/0", NULL };
  FakeProc *fp = start_vm (fx, "vm1", env, ok);
  g_autoptr(GPtrArray) taken = dm_std_args (fx, "vm2", ok);
  g_autoptr(GPtrArray) unbound = dm_std_args (fx, "vm3", bad);
  g_autofree char *err = NULL;
  g_autofree char *err2 = NULL;

  g_assert_cmpint (run_sync (fx, env, (const char *const *) taken->pdata, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "passthru: 00:02.0 is in use by another VM"));
  g_assert_cmpint (run_sync (fx, env, (const char *const *) unbound->pdata, NULL, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "passthru: 00:03.0 is not bound to pci-stub"));
  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
}

static void
test_dm_device_console (Fixture       *fx,
                        gconstpointer  data)
{
  FakeProc *fp = start_vm (fx, "vm1", NULL, NULL);
  g_autofree char *console = g_strdup_printf ("%s/vm1.console.sock", fx->tmpdir);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char buf[128] = { 0 };
  gsize got = 0;
  int fd = mngr_connect (console);
  int fd2;

  /* the guest console answers the first client */
  while (strchr (buf, '\n') == NULL)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      ssize_t n;
      g_assert_cmpint (poll (&pfd, 1, SAFETY_TIMEOUT_S * 1000), ==, 1);
      n = read (fd, buf + got, sizeof buf - 1 - got);
      g_assert_cmpint (n, >, 0);
      got += (gsize) n;
    }
  g_assert_cmpstr (buf, ==, "fake ACRN guest vm1 console console0\r\n");

  /* and stops listening: a second client is refused (the file stays) */
  strcpy (addr.sun_path, console);
  fd2 = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (connect (fd2, (struct sockaddr *) &addr, sizeof addr), ==, -1);
  g_assert_cmpint (errno, ==, ECONNREFUSED);
  close (fd2);
  close (fd);

  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
  /* acrn-dm does not remove its console socket */
  g_assert_true (g_file_test (console, G_FILE_TEST_EXISTS));
}

/* ------------------------------------------------------------------------ */
/* fake-acrn-dm: manager protocol                                           */

static void
test_proto_query (Fixture       *fx,
                  gconstpointer  data)
{
  FakeProc *fp = start_vm (fx, "vm1", NULL, NULL);
  g_autofree char *path = sock_path (fx, fp);
  FakeMngrMsg req[2], ack;
  guint8 raw[280];
  int fd = mngr_connect (path);

  /* a raw message built byte by byte: "vmm msg\0", id 6, timestamp */
  memset (raw, 0, sizeof raw);
  memcpy (raw, "vmm msg", 8);
  raw[8] = 6;
  raw[16] = 0x88; raw[17] = 0x77; raw[18] = 0x66; raw[19] = 0x55;
  raw[20] = 0x44; raw[21] = 0x33; raw[22] = 0x22; raw[23] = 0x11;
  raw[24] = 0xaa; /* garbage in the request data must not matter */
  write_all (fd, raw, sizeof raw);
  read_msg (fd, &ack);
  g_assert_cmpmem (&ack, 8, "vmm msg", 8);
  g_assert_cmpuint (ack.msgid, ==, FAKE_DM_QUERY);
  g_assert_cmphex (ack.timestamp, ==, G_GUINT64_CONSTANT (0x1122334455667788));
  g_assert_cmpint (ack.data.state, ==, FAKE_VM_SUSPEND_NONE);

  /* two messages in one write: two replies, in order, on the same connection */
  msg_init (&req[0], FAKE_DM_QUERY, 1001);
  msg_init (&req[1], FAKE_DM_SUSPEND, 1002);
  write_all (fd, req, sizeof req);
  read_msg (fd, &ack);
  g_assert_cmpuint (ack.msgid, ==, FAKE_DM_QUERY);
  g_assert_cmpuint (ack.timestamp, ==, 1001);
  read_msg (fd, &ack);
  g_assert_cmpuint (ack.msgid, ==, FAKE_DM_SUSPEND);
  g_assert_cmpuint (ack.timestamp, ==, 1002);
  g_assert_cmpint (ack.data.err, ==, -1);
  close (fd);

  /* suspend and resume are refused */
  g_assert_cmpint (request (path, FAKE_DM_SUSPEND, 5, 0, NULL).data.err, ==, -1);
  g_assert_cmpint (request (path, FAKE_DM_RESUME, 6, 0, NULL).data.err, ==, -1);

  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
}

static void
test_proto_no_reply (Fixture       *fx,
                     gconstpointer  data)
{
  FakeProc *fp = start_vm (fx, "vm1", NULL, NULL);
  g_autofree char *path = sock_path (fx, fp);
  FakeMngrMsg msg, ack;
  int fd = mngr_connect (path);

  /* bad magic: no reply, the connection stays usable */
  msg_init (&msg, FAKE_DM_QUERY, 11);
  msg.magic = G_GUINT64_CONSTANT (0x67736d206d6d77);
  write_all (fd, &msg, sizeof msg);
  fake_proc_wait_err (fp, "bad magic 0x67736d206d6d77 dropped");

  /* unknown id: no reply either */
  msg_init (&msg, 42, 12);
  write_all (fd, &msg, sizeof msg);
  fake_proc_wait_err (fp, "Unknown message id: 42");

  /* the 1.x ids are gone too: 8 was QUERY, 9 BLKRESCAN */
  msg_init (&msg, 8, 13);
  write_all (fd, &msg, sizeof msg);
  fake_proc_wait_err (fp, "Unknown message id: 8");

  /* the next reply on this connection belongs to the next request */
  msg_init (&msg, FAKE_DM_QUERY, 14);
  write_all (fd, &msg, sizeof msg);
  read_msg (fd, &ack);
  g_assert_cmpuint (ack.timestamp, ==, 14);
  close (fd);

  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
}

static void
test_proto_partial (Fixture       *fx,
                    gconstpointer  data)
{
  FakeProc *fp = start_vm (fx, "vm1", NULL, NULL);
  const char *env[] = { "FAKE_ACRN_REASSEMBLE=1", NULL };
  FakeProc *re = start_vm (fx, "vm2", env, NULL);
  g_autofree char *path = sock_path (fx, fp);
  g_autofree char *re_path = sock_path (fx, re);
  FakeMngrMsg msg, ack;
  int fd = mngr_connect (path);
  int rfd = mngr_connect (re_path);

  /* acrn-dm parses each read on its own: a piece is dropped */
  msg_init (&msg, FAKE_DM_QUERY, 21);
  write_all (fd, &msg, 100);
  fake_proc_wait_err (fp, "dropped a 100-byte partial message");
  msg_init (&msg, FAKE_DM_QUERY, 22);
  write_all (fd, &msg, sizeof msg);
  read_msg (fd, &ack);
  g_assert_cmpuint (ack.timestamp, ==, 22);
  close (fd);

  /* with FAKE_ACRN_REASSEMBLE=1 pieces are joined */
  msg_init (&msg, FAKE_DM_QUERY, 23);
  write_all (rfd, &msg, 100);
  write_all (rfd, (guint8 *) &msg + 100, sizeof msg - 100);
  read_msg (rfd, &ack);
  g_assert_cmpuint (ack.timestamp, ==, 23);
  close (rfd);

  g_subprocess_send_signal (fp->proc, SIGINT);
  g_subprocess_send_signal (re->proc, SIGINT);
  assert_exit (fp, 0);
  assert_exit (re, 0);
}

static void
test_proto_clients (Fixture       *fx,
                    gconstpointer  data)
{
  FakeProc *fp = start_vm (fx, "vm1", NULL, NULL);
  g_autofree char *path = sock_path (fx, fp);
  int fds[5];
  FakeMngrMsg msg, ack;

  /* sequential */
  for (unsigned long i = 0; i < 10; i++)
    g_assert_cmpuint (request (path, FAKE_DM_QUERY, 100 + i, 0, NULL).timestamp, ==, 100 + i);

  /* four at once, answered in any order we ask */
  for (int i = 0; i < 4; i++)
    fds[i] = mngr_connect (path);
  for (int i = 3; i >= 0; i--)
    {
      msg_init (&msg, FAKE_DM_QUERY, 200 + (unsigned long) i);
      write_all (fds[i], &msg, sizeof msg);
      read_msg (fds[i], &ack);
      g_assert_cmpuint (ack.timestamp, ==, 200 + (unsigned long) i);
    }

  /* a fifth waits in the backlog until one of the four leaves */
  fds[4] = mngr_connect (path);
  msg_init (&msg, FAKE_DM_QUERY, 204);
  write_all (fds[4], &msg, sizeof msg);
  close (fds[0]);
  read_msg (fds[4], &ack);
  g_assert_cmpuint (ack.timestamp, ==, 204);
  for (int i = 1; i < 5; i++)
    close (fds[i]);

  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
}

static void
test_proto_stop (Fixture       *fx,
                 gconstpointer  data)
{
  const char *pm[] = { "--pm_notify_channel", "power_button", NULL };
  const char *rt[] = { "--rtvm", NULL };
  FakeProc *plain = start_vm (fx, "vm1", NULL, NULL);
  FakeProc *button = start_vm (fx, "vm2", NULL, pm);
  FakeProc *rtvm = start_vm (fx, "vm3", NULL, rt);
  g_autofree char *plain_path = sock_path (fx, plain);
  g_autofree char *button_path = sock_path (fx, button);
  g_autofree char *rtvm_path = sock_path (fx, rtvm);

  /* graceful stop without a notify channel: refused, the VM runs on */
  g_assert_cmpint (request (plain_path, FAKE_DM_STOP, 31, 0, NULL).data.err, ==, -1);
  g_assert_cmpint (request (plain_path, FAKE_DM_QUERY, 32, 0, NULL).data.state, ==, 0);
  /* forced: ack 0, power off, exit 0, socket gone */
  g_assert_cmpint (request (plain_path, FAKE_DM_STOP, 33, 1, NULL).data.err, ==, 0);
  assert_exit (plain, 0);
  g_assert_false (g_file_test (plain_path, G_FILE_TEST_EXISTS));

  /* with a channel the guest is asked and shuts down */
  g_assert_cmpint (request (button_path, FAKE_DM_STOP, 34, 0, NULL).data.err, ==, 0);
  assert_exit (button, 0);
  g_assert_false (g_file_test (button_path, G_FILE_TEST_EXISTS));

  /* an RTVM ignores force and has no channel here */
  g_assert_cmpint (request (rtvm_path, FAKE_DM_STOP, 35, 1, NULL).data.err, ==, -1);
  g_subprocess_send_signal (rtvm->proc, SIGINT);
  assert_exit (rtvm, 0);
}

static void
test_proto_blkrescan (Fixture       *fx,
                      gconstpointer  data)
{
  g_autofree char *devlog = g_build_filename (fx->tmpdir, "devices.log", NULL);
  g_autofree char *env_devlog = g_strdup_printf ("FAKE_ACRN_DEVICES_LOG=%s", devlog);
  const char *env[] = { env_devlog, NULL };
  FakeProc *fp = start_vm (fx, "vm1", env, NULL);
  g_autofree char *path = sock_path (fx, fp);
  g_autofree char *fill5 = g_strdup_printf ("5,%s", fx->img2);
  g_autofree char *fill6_ro = g_strdup_printf ("6,%s,ro", fx->img2);
  g_autofree char *fill4 = g_strdup_printf ("4,%s", fx->img2);
  g_autofree char *fill9 = g_strdup_printf ("9,%s", fx->img2);
  g_autofree char *fill6_bad = g_strdup_printf ("6,%s,bogus", fx->img2);
  g_autofree char *fill6_dir = g_strdup_printf ("6,%s", fx->tmpdir);
  g_autofree char *devices = NULL;
  g_autofree char *expect5 = NULL;
  g_autofree char *expect6 = NULL;

  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 41, 0, fill5).data.err, ==, 0);
  /* once filled, a slot is no longer empty */
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 42, 0, fill5).data.err, ==, -1);
  /* a real backend cannot be replaced */
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 43, 0, fill4).data.err, ==, -1);
  /* no device in the slot, no such file, bad devargs */
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 44, 0, fill9).data.err, ==, -1);
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 45, 0, "6,/nonexistent.img").data.err, ==, -1);
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 46, 0, fx->img2).data.err, ==, -1);
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 47, 0, "x,/a").data.err, ==, -1);
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 48, 0, "6,nodisk").data.err, ==, -1);
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 49, 0, fill6_bad).data.err, ==, -1);
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 50, 0, fill6_dir).data.err, ==, -1);
  g_assert_cmpint (request (path, FAKE_DM_BLKRESCAN, 51, 0, fill6_ro).data.err, ==, 0);

  g_assert_true (g_file_get_contents (devlog, &devices, NULL, NULL));
  expect5 = g_strdup_printf ("0:5:0\tvirtio-blk\topened\t%s\n", fx->img2);
  expect6 = g_strdup_printf ("0:6:0\tvirtio-blk\topened\t%s,ro\n", fx->img2);
  g_assert_nonnull (strstr (devices, expect5));
  g_assert_nonnull (strstr (devices, expect6));

  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
}

/* ------------------------------------------------------------------------ */
/* fake-acrnctl                                                             */

static int
ctl (Fixture            *fx,
     const char *const  *extra_env,
     char              **out,
     const char         *first,
     ...) G_GNUC_NULL_TERMINATED;

static int
ctl (Fixture            *fx,
     const char *const  *extra_env,
     char              **out,
     const char         *first,
     ...)
{
  g_autoptr(GPtrArray) a = g_ptr_array_new ();
  va_list ap;
  g_autofree char *err = NULL;
  int code;

  g_ptr_array_add (a, (char *) FAKE_ACRNCTL_PATH);
  va_start (ap, first);
  for (const char *s = first; s != NULL; s = va_arg (ap, const char *))
    g_ptr_array_add (a, (char *) s);
  va_end (ap);
  g_ptr_array_add (a, NULL);
  code = run_sync (fx, extra_env, (const char *const *) a->pdata, out, &err);
  g_test_message ("acrnctl %s -> %d\nstdout: %s\nstderr: %s", first, code,
                  out ? *out : "", err);
  return code;
}

static void
test_ctl_basics (Fixture       *fx,
                 gconstpointer  data)
{
  const char *nonroot[] = { "FAKE_ACRNCTL_NONROOT=1", NULL };
  const char *removed[] = { "pause", "continue", "suspend", "resume", "frobnicate" };
  g_autofree char *out = NULL;

  g_assert_cmpint (ctl (fx, nonroot, &out, "list", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "Please run acrnctl with root privileges. Exiting.\n");
  g_clear_pointer (&out, g_free);

  /* help works for anyone */
  {
    const char *argv_help[] = { FAKE_ACRNCTL_PATH, NULL };
    g_assert_cmpint (run_sync (fx, nonroot, argv_help, &out, NULL), ==, 0);
  }
  g_assert_true (g_str_has_prefix (out, "\nUsage: acrnctl SUB-CMD { VM_NAME | SCRIPTS OPTIONS | help }\n"));
  g_assert_nonnull (strstr (out, "\tblkrescan   Rescan virtio-blk device attached to a virtual machine\n"));
  g_assert_null (strstr (out, "suspend"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (fx, nonroot, &out, "help", NULL), ==, 0);
  g_clear_pointer (&out, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (removed); i++)
    {
      g_autofree char *expected = g_strdup_printf ("Unknown command: %s\n", removed[i]);
      g_assert_cmpint (ctl (fx, NULL, &out, removed[i], "vm1", NULL), ==, 255);
      g_assert_true (g_str_has_prefix (out, expected));
      g_clear_pointer (&out, g_free);
    }

  /* acrnctl creates its conf dir */
  g_assert_true (g_file_test (fx->conf_dir, G_FILE_TEST_IS_DIR));

  /* argument checks */
  g_assert_cmpint (ctl (fx, NULL, &out, "stop", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "acrnctl stop VM_NAME VM_NAME ...\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (fx, NULL, &out, "blkrescan", "vm1", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "acrnctl blkrescan VM_NAME slot,newpath\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (fx, NULL, &out, "list", "x", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "acrnctl list\n");
}

static void
test_ctl_list (Fixture       *fx,
               gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *sh = NULL;
  g_autofree char *args = NULL;
  FakeProc *fp;

  /* no mngr dir yet: acrnctl complains but lists */
  g_assert_cmpint (ctl (fx, NULL, &out, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Make sure the acrnd daemon is running"));
  g_assert_true (g_str_has_suffix (out, "There are no VMs\n"));
  g_clear_pointer (&out, g_free);

  fp = start_vm (fx, "vm1", NULL, NULL);
  g_assert_cmpint (ctl (fx, NULL, &out, "list", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "vm1\t\tstarted\n");
  g_clear_pointer (&out, g_free);

  /* an added VM (NAME.sh) that does not run is "stopped"; list is newest first */
  sh = g_build_filename (fx->conf_dir, "vm2.sh", NULL);
  args = g_build_filename (fx->conf_dir, "vm2.args", NULL);
  g_assert_true (g_file_set_contents (sh, "acrn-dm vm2\n", -1, NULL));
  g_assert_true (g_file_set_contents (args, "\n", -1, NULL));
  g_assert_cmpint (ctl (fx, NULL, &out, "list", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "vm1\t\tstarted\nvm2\t\tstopped\n");
  g_clear_pointer (&out, g_free);

  /* del removes a stopped VM only */
  g_assert_cmpint (ctl (fx, NULL, &out, "del", "vm1", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "can't delete vm1(started)\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (fx, NULL, &out, "del", "vm2", NULL), ==, 0);
  g_assert_false (g_file_test (sh, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (args, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);

  g_subprocess_send_signal (fp->proc, SIGINT);
  assert_exit (fp, 0);
  g_assert_cmpint (ctl (fx, NULL, &out, "list", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "There are no VMs\n");
}

static void
test_ctl_stop (Fixture       *fx,
               gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *log = g_build_filename (fx->tmpdir, "ctl.log", NULL);
  g_autofree char *env_log = g_strdup_printf ("FAKE_ACRNCTL_LOG=%s", log);
  const char *env[] = { env_log, NULL };
  g_autofree char *logged = NULL;
  g_autofree char *sh = g_build_filename (fx->conf_dir, "vm9.sh", NULL);
  FakeProc *fp = start_vm (fx, "vm1", NULL, NULL);

  g_assert_cmpint (ctl (fx, env, &out, "stop", "vm1", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "Error happens when try to stop vm. errno(-1)\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (fx, NULL, &out, "stop", "nosuchvm", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "can't find nosuchvm\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (fx, NULL, &out, "stop", "-f", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "Please give a VM name\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (g_mkdir_with_parents (fx->conf_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (sh, "acrn-dm vm9\n", -1, NULL));
  g_assert_cmpint (ctl (fx, NULL, &out, "stop", "vm9", NULL), ==, 255);
  g_assert_cmpstr (out, ==, "vm9 is already (stopped)\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (fx, env, &out, "stop", "--force", "vm1", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  assert_exit (fp, 0);

  g_assert_true (g_file_get_contents (log, &logged, NULL, NULL));
  g_assert_cmpstr (logged, ==, "stop\nvm1\n--\nstop\n--force\nvm1\n--\n");
}

static void
test_ctl_blkrescan (Fixture       *fx,
                    gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *fill5 = g_strdup_printf ("5,%s", fx->img2);
  g_autofree char *fill4 = g_strdup_printf ("4,%s", fx->img2);
  FakeProc *fp = start_vm (fx, "vm1", NULL, NULL);

  g_assert_cmpint (ctl (fx, NULL, &out, "blkrescan", "vm1", fill5, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);

  /* refused by acrn-dm: the message, and exit 0 all the same */
  g_assert_cmpint (ctl (fx, NULL, &out, "blkrescan", "vm1", fill5, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Unable to rescan virtio-blk device in vm. errno(-1)\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (fx, NULL, &out, "blkrescan", "vm1", fill4, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Unable to rescan virtio-blk device in vm. errno(-1)\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (fx, NULL, &out, "blkrescan", "vm1", "6,/nonexistent.img", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Unable to rescan virtio-blk device in vm. errno(-1)\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (fx, NULL, &out, "blkrescan", "vm7", fill5, NULL), ==, 255);
  g_assert_cmpstr (out, ==, "can't find vm7\n");
  g_clear_pointer (&out, g_free);

  /* a VM whose acrn-dm answers nothing: acrnctl says it cannot send,
   * reads an ack it never got (zeros here) and exits 0 */
  g_subprocess_send_signal (fp->proc, SIGTERM);
  assert_signaled (fp, SIGTERM);
  /* its socket file is left: acrnctl cannot query it and calls it started */
  g_assert_cmpint (ctl (fx, NULL, &out, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Unable to open vm vm1 socket. It may have been shutdown\n"));
  g_assert_true (g_str_has_suffix (out, "vm1\t\tstarted\n"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (fx, NULL, &out, "blkrescan", "vm1", fill5, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Unable to open vm vm1 socket. It may have been shutdown\n"));
  g_assert_null (strstr (out, "Unable to rescan"));
}

/* with vm1 and vm10 running, acrnctl reaches the first socket in readdir
 * order whose name part is a prefix of the name asked for */
static char *
first_prefix_match (const char *dir,
                    const char *name)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *entry;
  char *found = NULL;

  g_assert_nonnull (d);
  /* GDir skips "." and "..", like acrnctl's check does */
  while (found == NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      const char *dot = strchr (entry, '.');
      if (dot != NULL && dot != entry && strncmp (entry, name, (gsize) (dot - entry)) == 0)
        found = g_strndup (entry, (gsize) (dot - entry));
    }
  g_dir_close (d);
  return found;
}

static void
test_ctl_prefix (Fixture       *fx,
                 gconstpointer  data)
{
  g_autofree char *out = NULL;
  FakeProc *vm1 = NULL;
  FakeProc *vm10 = NULL;
  guint tries;

  /* start both (their socket names have their pids) until vm1's socket
   * comes before vm10's in readdir order, which is what makes the bug
   * show. That order depends on the file system: creation order (small
   * ext4 directories, tmpfs since Linux 6.6), newest first (older tmpfs)
   * or a hash: the two are started in one order, then in the other, with
   * new pids each time. */
  for (tries = 0; tries < 64; tries++)
    {
      g_autofree char *first = NULL;

      if (tries % 2 == 0)
        {
          vm1 = start_vm (fx, "vm1", NULL, NULL);
          vm10 = start_vm (fx, "vm10", NULL, NULL);
        }
      else
        {
          vm10 = start_vm (fx, "vm10", NULL, NULL);
          vm1 = start_vm (fx, "vm1", NULL, NULL);
        }
      first = first_prefix_match (fx->mngr_dir, "vm10");
      if (g_strcmp0 (first, "vm1") == 0)
        break;
      g_subprocess_send_signal (vm1->proc, SIGINT);
      assert_exit (vm1, 0);
      g_subprocess_send_signal (vm10->proc, SIGINT);
      assert_exit (vm10, 0);
    }
  g_assert_cmpuint (tries, <, 64);

  /* both are listed under their own names... */
  g_assert_cmpint (ctl (fx, NULL, &out, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "vm1\t\tstarted\n"));
  g_assert_nonnull (strstr (out, "vm10\t\tstarted\n"));
  g_clear_pointer (&out, g_free);

  /* ...but "stop vm10" powers off vm1, and vm10 runs on */
  g_assert_cmpint (ctl (fx, NULL, &out, "stop", "-f", "vm10", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  assert_exit (vm1, 0);
  {
    g_autofree char *vm10_path = sock_path (fx, vm10);
    g_assert_cmpint (request (vm10_path, FAKE_DM_QUERY, 61, 0, NULL).data.state, ==, 0);
  }
  /* alone, vm10 is reached */
  g_assert_cmpint (ctl (fx, NULL, &out, "stop", "-f", "vm10", NULL), ==, 0);
  assert_exit (vm10, 0);
}

/* ------------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/fakes/dm/parse/valid", test_dm_parse_valid);
  ADD ("/fakes/dm/parse/errors", test_dm_parse_errors);
  ADD ("/fakes/dm/parse/argv-log", test_dm_argv_log);
  ADD ("/fakes/dm/no-hsm", test_dm_no_hsm);
  ADD ("/fakes/dm/fault/exit", test_dm_fault_exit);
  ADD ("/fakes/dm/fault/crash", test_dm_crash);
  ADD ("/fakes/dm/fault/ignore-sigint", test_dm_ignore_sigint);
  ADD ("/fakes/dm/fault/no-socket", test_dm_no_socket);
  ADD ("/fakes/dm/fault/slow", test_dm_slow);
  ADD ("/fakes/dm/max-lifetime", test_dm_lifetime);
  ADD ("/fakes/dm/boot", test_dm_boot);
  ADD ("/fakes/dm/com1-needs-lpc", test_dm_com1_needs_lpc);
  ADD ("/fakes/dm/signals", test_dm_signals);
  ADD ("/fakes/dm/hsm-duplicate-name", test_dm_hsm_duplicate);
  ADD ("/fakes/dm/device/blk-missing", test_dm_device_blk_missing);
  ADD ("/fakes/dm/device/config-error-late", test_dm_device_config_late);
  ADD ("/fakes/dm/device/vsock", test_dm_device_vsock);
  ADD ("/fakes/dm/device/net", test_dm_device_net);
  ADD ("/fakes/dm/device/passthru", test_dm_device_passthru);
  ADD ("/fakes/dm/device/console", test_dm_device_console);
  ADD ("/fakes/dm/proto/query", test_proto_query);
  ADD ("/fakes/dm/proto/no-reply", test_proto_no_reply);
  ADD ("/fakes/dm/proto/partial", test_proto_partial);
  ADD ("/fakes/dm/proto/clients", test_proto_clients);
  ADD ("/fakes/dm/proto/stop", test_proto_stop);
  ADD ("/fakes/dm/proto/blkrescan", test_proto_blkrescan);
  ADD ("/fakes/ctl/basics", test_ctl_basics);
  ADD ("/fakes/ctl/list", test_ctl_list);
  ADD ("/fakes/ctl/stop", test_ctl_stop);
  ADD ("/fakes/ctl/blkrescan", test_ctl_blkrescan);
  ADD ("/fakes/ctl/prefix", test_ctl_prefix);
#undef ADD

  return g_test_run ();
}
