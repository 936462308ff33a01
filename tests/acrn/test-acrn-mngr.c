/* test-acrn-mngr.c: the manager-socket client against a scripted server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#include "acrn-mngr.h"

/* ---- wire format ------------------------------------------------------- */

static void
test_encode_layout (void)
{
  AcrnMngrMessage msg;
  guint8 buf[ACRN_MNGR_MSG_SIZE];
  static const guint8 magic[8] = { 'v', 'm', 'm', ' ', 'm', 's', 'g', 0 };
  static const guint8 zero[4] = { 0 };
  gsize i;

  acrn_mngr_message_init (&msg, ACRN_MNGR_DM_STOP, G_GINT64_CONSTANT (0x0102030405060708));
  acrn_mngr_message_set_int (&msg, 0, 1);
  acrn_mngr_message_set_int (&msg, 4, 0x11223344);
  memset (buf, 0xaa, sizeof buf);
  acrn_mngr_message_encode (&msg, buf);

  g_assert_cmpmem (buf + 0, 8, magic, 8);
  g_assert_cmpuint (buf[8], ==, 3);
  g_assert_cmpuint (buf[9], ==, 0);
  g_assert_cmpuint (buf[10], ==, 0);
  g_assert_cmpuint (buf[11], ==, 0);
  g_assert_cmpmem (buf + 12, 4, zero, 4);
  for (i = 0; i < 8; i++)
    g_assert_cmpuint (buf[16 + i], ==, 8 - i);
  g_assert_cmpuint (buf[24], ==, 1);
  g_assert_cmpuint (buf[25], ==, 0);
  g_assert_cmpuint (buf[28], ==, 0x44);
  g_assert_cmpuint (buf[29], ==, 0x33);
  g_assert_cmpuint (buf[30], ==, 0x22);
  g_assert_cmpuint (buf[31], ==, 0x11);
  for (i = 32; i < ACRN_MNGR_MSG_SIZE; i++)
    g_assert_cmpuint (buf[i], ==, 0);
}

static void
test_decode (void)
{
  AcrnMngrMessage msg, out;
  guint8 buf[ACRN_MNGR_MSG_SIZE];
  g_autoptr(GError) error = NULL;

  acrn_mngr_message_init (&msg, ACRN_MNGR_DM_BLKRESCAN, -5);
  g_assert_true (acrn_mngr_message_set_devargs (&msg, "5,/tmp/disk.img", &error));
  g_assert_no_error (error);
  acrn_mngr_message_encode (&msg, buf);
  g_assert_cmpstr ((const char *) buf + 24, ==, "5,/tmp/disk.img");

  g_assert_true (acrn_mngr_message_decode (buf, sizeof buf, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out.msgid, ==, ACRN_MNGR_DM_BLKRESCAN);
  g_assert_cmpint (out.timestamp, ==, -5);
  g_assert_cmpmem (out.data, sizeof out.data, msg.data, sizeof msg.data);

  g_assert_false (acrn_mngr_message_decode (buf, sizeof buf - 1, &out, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "279"));
  g_clear_error (&error);

  buf[7] = 1;
  g_assert_false (acrn_mngr_message_decode (buf, sizeof buf, &out, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "magic"));
}

static void
test_devargs_too_long (void)
{
  AcrnMngrMessage msg;
  g_autoptr(GError) error = NULL;
  g_autofree char *fits = g_strnfill (255, 'a');
  g_autofree char *too_long = g_strnfill (256, 'a');

  acrn_mngr_message_init (&msg, ACRN_MNGR_DM_BLKRESCAN, 1);
  g_assert_true (acrn_mngr_message_set_devargs (&msg, fits, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg.data[255], ==, 0);
  g_assert_false (acrn_mngr_message_set_devargs (&msg, too_long, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
}

static void
test_socket_names (void)
{
  g_autofree char *name = acrn_mngr_socket_name ("sbx-1", 42);
  g_autofree char *path = acrn_mngr_socket_path ("/tmp/m", "sbx-1", 42);
  g_autofree char *def = acrn_mngr_socket_path (NULL, "vm", 7);
  g_autofree char *vm = NULL;
  GPid pid = 0;
  static const char *bad[] = {
    "vm.monitor.socket", "vm.monitor.12x.socket", "vm.socket", ".monitor.1.socket",
    "vm.monitor.0.socket", "vm.monitor.99999999999.socket", "vm.monitor.1.sock",
    "vm.monitr.1.socket", "",
  };
  gsize i;

  g_assert_cmpstr (name, ==, "sbx-1.monitor.42.socket");
  g_assert_cmpstr (path, ==, "/tmp/m/sbx-1.monitor.42.socket");
  g_assert_cmpstr (def, ==, "/run/acrn/mngr/vm.monitor.7.socket");

  g_assert_true (acrn_mngr_parse_socket_name ("sbx-1.monitor.42.socket", &vm, &pid));
  g_assert_cmpstr (vm, ==, "sbx-1");
  g_assert_cmpint (pid, ==, 42);
  g_clear_pointer (&vm, g_free);
  g_assert_true (acrn_mngr_parse_socket_name ("a.b.monitor.1234567.socket", &vm, &pid));
  g_assert_cmpstr (vm, ==, "a.b");
  g_assert_cmpint (pid, ==, 1234567);

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (acrn_mngr_parse_socket_name (bad[i], NULL, NULL));
}

static void
test_state_names (void)
{
  g_assert_cmpstr (acrn_mngr_state_to_string (0), ==, "running");
  g_assert_cmpstr (acrn_mngr_state_to_string (3), ==, "power off");
  g_assert_cmpstr (acrn_mngr_state_to_string (6), ==, "triple fault");
  g_assert_cmpstr (acrn_mngr_state_to_string (42), ==, "unknown");
}

/* ---- exchanges with a scripted server ---------------------------------- */

typedef enum {
  REPLY_OK,
  REPLY_BAD_MAGIC,
  REPLY_WRONG_MSGID,
  REPLY_WRONG_TIMESTAMP,
  REPLY_SHORT_THEN_CLOSE,
  REPLY_NONE,
} ReplyMode;

typedef struct
{
  char      *tmpdir;
  char      *path;
  int        listen_fd;
  GThread   *thread;
  ReplyMode  mode;
  gint32     reply_value;
  /* What the server received, valid after the thread ended. */
  guint8     received[ACRN_MNGR_MSG_SIZE];
  gssize     received_len;
  gboolean   first_read_whole;
} Fixture;

static gpointer
server_thread (gpointer data)
{
  Fixture *f = data;
  guint8 reply[ACRN_MNGR_MSG_SIZE];
  guint8 sink[16];
  gssize n;
  int fd;

  fd = accept (f->listen_fd, NULL, NULL);
  g_assert_cmpint (fd, >=, 0);

  /* acrn-dm reads once and drops short messages: so must the client write
   * the whole message at once. */
  n = recv (fd, f->received, sizeof f->received, 0);
  f->first_read_whole = n == ACRN_MNGR_MSG_SIZE;
  f->received_len = n;
  while (n > 0 && f->received_len < ACRN_MNGR_MSG_SIZE)
    {
      n = recv (fd, f->received + f->received_len,
                sizeof f->received - (gsize) f->received_len, 0);
      if (n > 0)
        f->received_len += n;
    }

  memcpy (reply, f->received, sizeof reply);
  memset (reply + 24, 0, 256);
  {
    guint32 v = GUINT32_TO_LE ((guint32) f->reply_value);
    memcpy (reply + 24, &v, sizeof v);
  }

  switch (f->mode)
    {
    case REPLY_OK:
      break;
    case REPLY_BAD_MAGIC:
      reply[0] ^= 0xff;
      break;
    case REPLY_WRONG_MSGID:
      reply[8] += 1;
      break;
    case REPLY_WRONG_TIMESTAMP:
      reply[16] += 1;
      break;
    case REPLY_SHORT_THEN_CLOSE:
      g_assert_cmpint (write (fd, reply, 100), ==, 100);
      close (fd);
      return NULL;
    case REPLY_NONE:
      /* Wait for the client to give up. */
      while (read (fd, sink, sizeof sink) > 0)
        ;
      close (fd);
      return NULL;
    }

  g_assert_cmpint (write (fd, reply, sizeof reply), ==, sizeof reply);
  /* The client closes after reading its reply. */
  while (read (fd, sink, sizeof sink) > 0)
    ;
  close (fd);
  return NULL;
}

static int
bind_unix (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  return fd;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("test-acrn-mngr-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = acrn_mngr_socket_path (f->tmpdir, "vm1", 4242);
  f->listen_fd = -1;
  f->mode = GPOINTER_TO_INT (data);
}

static void
start_server (Fixture   *f,
              ReplyMode  mode,
              gint32     reply_value)
{
  f->mode = mode;
  f->reply_value = reply_value;
  f->listen_fd = bind_unix (f->path);
  g_assert_cmpint (listen (f->listen_fd, 1), ==, 0);
  f->thread = g_thread_new ("mngr-server", server_thread, f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->thread != NULL)
    g_thread_join (f->thread);
  if (f->listen_fd >= 0)
    close (f->listen_fd);
  g_unlink (f->path);
  g_assert_cmpint (g_rmdir (f->tmpdir), ==, 0);
  g_free (f->path);
  g_free (f->tmpdir);
}

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *w = user_data;

  w->result = g_object_ref (result);
  w->done = TRUE;
}

static GAsyncResult *
wait_result (Wait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
  return w->result;
}

static void
test_query_ok (Fixture       *f,
               gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int state = -1;
  guint64 magic;
  guint32 msgid;

  start_server (f, REPLY_OK, 0);
  acrn_mngr_query_async (f->path, 5000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_true (acrn_mngr_query_finish (result, &state, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, 0);

  g_thread_join (g_steal_pointer (&f->thread));
  g_assert_true (f->first_read_whole);
  g_assert_cmpint (f->received_len, ==, ACRN_MNGR_MSG_SIZE);
  memcpy (&magic, f->received, 8);
  memcpy (&msgid, f->received + 8, 4);
  g_assert_cmphex (GUINT64_FROM_LE (magic), ==, ACRN_MNGR_MAGIC);
  g_assert_cmpuint (GUINT32_FROM_LE (msgid), ==, ACRN_MNGR_DM_QUERY);
}

static void
test_query_other_state (Fixture       *f,
                        gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int state = -1;

  start_server (f, REPLY_OK, ACRN_MNGR_VM_POWEROFF);
  acrn_mngr_query_async (f->path, 5000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_true (acrn_mngr_query_finish (result, &state, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, ACRN_MNGR_VM_POWEROFF);
}

static void
test_bad_reply (Fixture       *f,
                gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *expect = NULL;

  start_server (f, f->mode, 0);
  acrn_mngr_query_async (f->path, 5000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_query_finish (result, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, f->path));

  switch (f->mode)
    {
    case REPLY_BAD_MAGIC: expect = "magic"; break;
    case REPLY_WRONG_MSGID: expect = "message id 7, expected 6"; break;
    case REPLY_WRONG_TIMESTAMP: expect = "timestamp"; break;
    case REPLY_SHORT_THEN_CLOSE: expect = "after 100 of 280"; break;
    default: g_assert_not_reached ();
    }
  g_assert_nonnull (strstr (error->message, expect));
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  start_server (f, REPLY_NONE, 0);
  acrn_mngr_query_async (f->path, 50, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_query_finish (result, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, f->path));
  g_assert_nonnull (strstr (error->message, "50 ms"));
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  start_server (f, REPLY_NONE, 0);
  acrn_mngr_query_async (f->path, 0, cancellable, store_result, &w);
  g_idle_add (cancel_cb, cancellable);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_query_finish (result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_cancelled_before (Fixture       *f,
                       gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_cancellable_cancel (cancellable);
  acrn_mngr_query_async (f->path, 0, cancellable, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_query_finish (result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_no_socket (Fixture       *f,
                gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  acrn_mngr_query_async (f->path, 1000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_query_finish (result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (acrn_mngr_error_is_not_listening (error));
  g_assert_nonnull (strstr (error->message, f->path));
}

static void
test_not_listening (Fixture       *f,
                    gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Bound but not listening: acrn-dm's window between bind() and listen(). */
  f->listen_fd = bind_unix (f->path);
  acrn_mngr_query_async (f->path, 1000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_query_finish (result, NULL, &error));
  g_assert_true (acrn_mngr_error_is_not_listening (error));
}

static void
test_stop_refused (Fixture       *f,
                   gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint32 force, timeout;

  start_server (f, REPLY_OK, -1);
  acrn_mngr_stop_async (f->path, TRUE, 2500, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_stop_finish (result, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "DM_STOP"));
  g_assert_nonnull (strstr (error->message, "err -1"));

  g_thread_join (g_steal_pointer (&f->thread));
  g_assert_cmpuint (f->received[8], ==, ACRN_MNGR_DM_STOP);
  memcpy (&force, f->received + 24, 4);
  memcpy (&timeout, f->received + 28, 4);
  g_assert_cmpuint (GUINT32_FROM_LE (force), ==, 1);
  g_assert_cmpuint (GUINT32_FROM_LE (timeout), ==, 3);
}

static void
test_stop_ok (Fixture       *f,
              gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  start_server (f, REPLY_OK, 0);
  acrn_mngr_stop_async (f->path, FALSE, 1000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_true (acrn_mngr_stop_finish (result, &error));
  g_assert_no_error (error);
  g_thread_join (g_steal_pointer (&f->thread));
  g_assert_cmpuint (f->received[24], ==, 0);
}

static void
test_blkrescan (Fixture       *f,
                gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  start_server (f, REPLY_OK, 0);
  acrn_mngr_blkrescan_async (f->path, "5,/var/disk.img", 1000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_true (acrn_mngr_blkrescan_finish (result, &error));
  g_assert_no_error (error);
  g_thread_join (g_steal_pointer (&f->thread));
  g_assert_cmpuint (f->received[8], ==, ACRN_MNGR_DM_BLKRESCAN);
  g_assert_cmpstr ((const char *) f->received + 24, ==, "5,/var/disk.img");
}

static void
test_blkrescan_failed (Fixture       *f,
                       gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  start_server (f, REPLY_OK, -1);
  acrn_mngr_blkrescan_async (f->path, "4,/var/disk.img", 1000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_blkrescan_finish (result, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "DM_BLKRESCAN"));
}

static void
test_blkrescan_too_long (Fixture       *f,
                         gconstpointer  data)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *devargs = g_strnfill (300, 'x');

  acrn_mngr_blkrescan_async (f->path, devargs, 1000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_blkrescan_finish (result, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
}

static void
test_path_too_long (void)
{
  Wait w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_strnfill (120, 'd');
  g_autofree char *path = g_build_filename ("/tmp", dir, "x.socket", NULL);

  acrn_mngr_query_async (path, 1000, NULL, store_result, &w);
  result = wait_result (&w);
  g_assert_false (acrn_mngr_query_finish (result, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
}

#define ADD(name, mode, func) \
  g_test_add ("/acrn/mngr/" name, Fixture, GINT_TO_POINTER (mode), \
              fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/acrn/mngr/encode-layout", test_encode_layout);
  g_test_add_func ("/acrn/mngr/decode", test_decode);
  g_test_add_func ("/acrn/mngr/devargs-too-long", test_devargs_too_long);
  g_test_add_func ("/acrn/mngr/socket-names", test_socket_names);
  g_test_add_func ("/acrn/mngr/state-names", test_state_names);
  g_test_add_func ("/acrn/mngr/path-too-long", test_path_too_long);

  ADD ("query/ok", REPLY_OK, test_query_ok);
  ADD ("query/other-state", REPLY_OK, test_query_other_state);
  ADD ("query/bad-magic", REPLY_BAD_MAGIC, test_bad_reply);
  ADD ("query/wrong-msgid", REPLY_WRONG_MSGID, test_bad_reply);
  ADD ("query/wrong-timestamp", REPLY_WRONG_TIMESTAMP, test_bad_reply);
  ADD ("query/short-reply", REPLY_SHORT_THEN_CLOSE, test_bad_reply);
  ADD ("query/timeout", REPLY_NONE, test_timeout);
  ADD ("query/cancel", REPLY_NONE, test_cancel);
  ADD ("query/cancelled-before", REPLY_NONE, test_cancelled_before);
  ADD ("query/no-socket", REPLY_NONE, test_no_socket);
  ADD ("query/not-listening", REPLY_NONE, test_not_listening);
  ADD ("stop/refused", REPLY_OK, test_stop_refused);
  ADD ("stop/ok", REPLY_OK, test_stop_ok);
  ADD ("blkrescan/ok", REPLY_OK, test_blkrescan);
  ADD ("blkrescan/failed", REPLY_OK, test_blkrescan_failed);
  ADD ("blkrescan/too-long", REPLY_OK, test_blkrescan_too_long);

  return g_test_run ();
}
