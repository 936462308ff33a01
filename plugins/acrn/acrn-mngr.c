/* acrn-mngr.c: client of acrn-dm's manager socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "acrn-mngr.h"

#include <errno.h>
#include <string.h>
#include <sys/un.h>

#include <gio/gunixsocketaddress.h>
#include <libvmm/vmm.h>

/**
 * acrn_mngr_state_to_string:
 * @state: a value of the `state` field of a DM_QUERY reply
 *
 * Returns: (transfer none): a name for @state, for messages
 */
const char *
acrn_mngr_state_to_string (int state)
{
  switch (state)
    {
    case ACRN_MNGR_VM_RUNNING: return "running";
    case ACRN_MNGR_VM_SYSTEM_RESET: return "system reset";
    case ACRN_MNGR_VM_FULL_RESET: return "full reset";
    case ACRN_MNGR_VM_POWEROFF: return "power off";
    case ACRN_MNGR_VM_SUSPEND: return "suspended";
    case ACRN_MNGR_VM_HALT: return "halted";
    case ACRN_MNGR_VM_TRIPLEFAULT: return "triple fault";
    default: return "unknown";
    }
}

/**
 * acrn_mngr_message_init:
 * @msg: (out caller-allocates): the message to fill
 * @msgid: the message id
 * @timestamp: the timestamp acrn-dm will echo
 *
 * Sets @msg to a message with id @msgid, @timestamp and all-zero data.
 */
void
acrn_mngr_message_init (AcrnMngrMessage *msg,
                        guint32          msgid,
                        gint64           timestamp)
{
  g_return_if_fail (msg != NULL);

  memset (msg, 0, sizeof *msg);
  msg->msgid = msgid;
  msg->timestamp = timestamp;
}

/**
 * acrn_mngr_message_set_int:
 * @msg: a message
 * @data_offset: byte offset inside the data union (0 for err/state/force,
 *   4 for timeout)
 * @value: the value, stored little-endian
 *
 * Stores a 32-bit integer in the data union.
 */
void
acrn_mngr_message_set_int (AcrnMngrMessage *msg,
                           gsize            data_offset,
                           gint32           value)
{
  guint32 le = GUINT32_TO_LE ((guint32) value);

  g_return_if_fail (msg != NULL);
  g_return_if_fail (data_offset + sizeof le <= ACRN_MNGR_DATA_SIZE);

  memcpy (msg->data + data_offset, &le, sizeof le);
}

/**
 * acrn_mngr_message_get_int:
 * @msg: a message
 * @data_offset: byte offset inside the data union
 *
 * Returns: the little-endian 32-bit integer at @data_offset of the data union
 */
gint32
acrn_mngr_message_get_int (const AcrnMngrMessage *msg,
                           gsize                  data_offset)
{
  guint32 le;

  g_return_val_if_fail (msg != NULL, 0);
  g_return_val_if_fail (data_offset + sizeof le <= ACRN_MNGR_DATA_SIZE, 0);

  memcpy (&le, msg->data + data_offset, sizeof le);
  return (gint32) GUINT32_FROM_LE (le);
}

/**
 * acrn_mngr_message_set_devargs:
 * @msg: a message
 * @devargs: the text, e.g. `"5,/path/disk.img"`
 * @error: return location for a #GError
 *
 * Stores @devargs as a NUL-terminated string in the data union.
 *
 * Returns: %TRUE, or %FALSE if @devargs does not fit (255 bytes at most)
 */
gboolean
acrn_mngr_message_set_devargs (AcrnMngrMessage  *msg,
                               const char       *devargs,
                               GError          **error)
{
  gsize len;

  g_return_val_if_fail (msg != NULL, FALSE);
  g_return_val_if_fail (devargs != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  len = strlen (devargs);
  if (len >= ACRN_MNGR_DATA_SIZE)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Device arguments “%s” are %" G_GSIZE_FORMAT " bytes long; "
                   "the manager protocol allows at most %d",
                   devargs, len, ACRN_MNGR_DATA_SIZE - 1);
      return FALSE;
    }

  memset (msg->data, 0, sizeof msg->data);
  memcpy (msg->data, devargs, len);
  return TRUE;
}

/**
 * acrn_mngr_message_encode:
 * @msg: a message
 * @out: (out caller-allocates): where to write the 280 bytes
 *
 * Writes @msg in the wire format, with the magic in front.
 */
void
acrn_mngr_message_encode (const AcrnMngrMessage *msg,
                          guint8                 out[ACRN_MNGR_MSG_SIZE])
{
  guint64 magic = GUINT64_TO_LE (ACRN_MNGR_MAGIC);
  guint32 msgid;
  guint64 timestamp;

  g_return_if_fail (msg != NULL);
  g_return_if_fail (out != NULL);

  msgid = GUINT32_TO_LE (msg->msgid);
  timestamp = GUINT64_TO_LE ((guint64) msg->timestamp);

  memset (out, 0, ACRN_MNGR_MSG_SIZE);
  memcpy (out + ACRN_MNGR_OFFSET_MAGIC, &magic, sizeof magic);
  memcpy (out + ACRN_MNGR_OFFSET_MSGID, &msgid, sizeof msgid);
  memcpy (out + ACRN_MNGR_OFFSET_TIMESTAMP, &timestamp, sizeof timestamp);
  memcpy (out + ACRN_MNGR_OFFSET_DATA, msg->data, ACRN_MNGR_DATA_SIZE);
}

/**
 * acrn_mngr_message_decode:
 * @buf: (array length=length): bytes received
 * @length: how many
 * @msg: (out caller-allocates): the decoded message
 * @error: return location for a #GError
 *
 * Decodes one message, checking its length and magic.
 *
 * Returns: %TRUE, or %FALSE with %VMM_ERROR_PROTOCOL
 */
gboolean
acrn_mngr_message_decode (const guint8     *buf,
                          gsize             length,
                          AcrnMngrMessage  *msg,
                          GError          **error)
{
  guint64 magic;
  guint32 msgid;
  guint64 timestamp;

  g_return_val_if_fail (buf != NULL || length == 0, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (length != ACRN_MNGR_MSG_SIZE)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL,
                   "Manager message is %" G_GSIZE_FORMAT " bytes long, expected %d",
                   length, ACRN_MNGR_MSG_SIZE);
      return FALSE;
    }

  memcpy (&magic, buf + ACRN_MNGR_OFFSET_MAGIC, sizeof magic);
  magic = GUINT64_FROM_LE (magic);
  if (magic != ACRN_MNGR_MAGIC)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL,
                   "Manager message has magic 0x%016" G_GINT64_MODIFIER "x, expected 0x%016"
                   G_GINT64_MODIFIER "x", magic, ACRN_MNGR_MAGIC);
      return FALSE;
    }

  memcpy (&msgid, buf + ACRN_MNGR_OFFSET_MSGID, sizeof msgid);
  memcpy (&timestamp, buf + ACRN_MNGR_OFFSET_TIMESTAMP, sizeof timestamp);

  msg->msgid = GUINT32_FROM_LE (msgid);
  msg->timestamp = (gint64) GUINT64_FROM_LE (timestamp);
  memcpy (msg->data, buf + ACRN_MNGR_OFFSET_DATA, ACRN_MNGR_DATA_SIZE);
  return TRUE;
}

/**
 * acrn_mngr_socket_name:
 * @vm_name: the VM name given to acrn-dm
 * @pid: the pid of acrn-dm
 *
 * Returns: (transfer full): the file name of the manager socket,
 *   `<vm_name>.monitor.<pid>.socket`
 */
char *
acrn_mngr_socket_name (const char *vm_name,
                       GPid        pid)
{
  g_return_val_if_fail (vm_name != NULL, NULL);

  return g_strdup_printf ("%s.monitor.%d.socket", vm_name, (int) pid);
}

/**
 * acrn_mngr_socket_path:
 * @mngr_dir: (nullable): the manager socket directory, %NULL for
 *   %ACRN_MNGR_DEFAULT_DIR
 * @vm_name: the VM name given to acrn-dm
 * @pid: the pid of acrn-dm
 *
 * Returns: (transfer full): the path of the manager socket
 */
char *
acrn_mngr_socket_path (const char *mngr_dir,
                       const char *vm_name,
                       GPid        pid)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (vm_name != NULL, NULL);

  name = acrn_mngr_socket_name (vm_name, pid);
  return g_build_filename (mngr_dir != NULL ? mngr_dir : ACRN_MNGR_DEFAULT_DIR,
                           name, NULL);
}

/**
 * acrn_mngr_parse_socket_name:
 * @basename: a file name found in the manager directory
 * @out_vm_name: (out) (optional) (transfer full): the VM name
 * @out_pid: (out) (optional): the pid of acrn-dm
 *
 * Splits a manager socket file name `<name>.monitor.<pid>.socket`.
 *
 * Returns: %TRUE if @basename has that form
 */
gboolean
acrn_mngr_parse_socket_name (const char  *basename,
                             char       **out_vm_name,
                             GPid        *out_pid)
{
  static const char suffix[] = ".socket";
  static const char middle[] = ".monitor.";
  gsize len;
  const char *pid_end, *pid_start, *p;
  guint64 pid;

  g_return_val_if_fail (basename != NULL, FALSE);

  len = strlen (basename);
  if (len <= strlen (suffix) || !g_str_has_suffix (basename, suffix))
    return FALSE;

  pid_end = basename + len - strlen (suffix);
  pid_start = pid_end;
  while (pid_start > basename && g_ascii_isdigit (pid_start[-1]))
    pid_start--;
  if (pid_start == pid_end || pid_end - pid_start > 10)
    return FALSE;
  if ((gsize) (pid_start - basename) <= strlen (middle) ||
      strncmp (pid_start - strlen (middle), middle, strlen (middle)) != 0)
    return FALSE;

  pid = 0;
  for (p = pid_start; p < pid_end; p++)
    pid = pid * 10 + (guint64) (*p - '0');
  if (pid == 0 || pid > G_MAXINT)
    return FALSE;

  if (out_vm_name != NULL)
    *out_vm_name = g_strndup (basename, (gsize) (pid_start - strlen (middle) - basename));
  if (out_pid != NULL)
    *out_pid = (GPid) pid;
  return TRUE;
}

/**
 * acrn_mngr_error_is_not_listening:
 * @error: an error from acrn_mngr_request_finish() and friends
 *
 * Tells whether @error means "the socket exists but nobody accepts yet":
 * acrn-dm binds its socket and then calls listen(), and there is a short
 * window in between (or its one-entry backlog is full). Callers waiting for
 * acrn-dm to come up may try again shortly.
 *
 * Returns: %TRUE for such an error
 */
gboolean
acrn_mngr_error_is_not_listening (const GError *error)
{
  return error != NULL &&
         (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
}

/* One request/reply exchange. */
typedef struct
{
  char           *path;
  GSocket        *socket;
  GSource        *io_source;
  GSource        *timeout_source;
  guint           timeout_ms;
  guint32         msgid;
  gint64          timestamp;
  gsize           out_done;
  gsize           in_done;
  guint8          out[ACRN_MNGR_MSG_SIZE];
  guint8          in[ACRN_MNGR_MSG_SIZE];
} Request;

static void
request_stop_sources (Request *req)
{
  if (req->io_source != NULL)
    {
      g_source_destroy (req->io_source);
      g_clear_pointer (&req->io_source, g_source_unref);
    }
  if (req->timeout_source != NULL)
    {
      g_source_destroy (req->timeout_source);
      g_clear_pointer (&req->timeout_source, g_source_unref);
    }
}

static void
request_free (gpointer data)
{
  Request *req = data;

  request_stop_sources (req);
  if (req->socket != NULL)
    g_socket_close (req->socket, NULL);
  g_clear_object (&req->socket);
  g_free (req->path);
  g_free (req);
}

/* Ends the exchange: no source stays attached and the socket is closed
 * before the task returns. Takes ownership of @error. */
static void
request_return_error (GTask  *task,
                      GError *error)
{
  Request *req = g_task_get_task_data (task);

  request_stop_sources (req);
  if (req->socket != NULL)
    g_socket_close (req->socket, NULL);
  g_task_return_error (task, error);
}

static void request_wait (GTask *task, GIOCondition condition);

static gboolean
request_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  g_clear_pointer (&req->timeout_source, g_source_unref);
  request_return_error (task,
                        g_error_new (VMM_ERROR, VMM_ERROR_TIMED_OUT,
                                     "acrn-dm did not answer on its manager socket %s within %u ms",
                                     req->path, req->timeout_ms));
  return G_SOURCE_REMOVE;
}

static void
request_step (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  if (g_task_return_error_if_cancelled (task))
    {
      request_stop_sources (req);
      g_socket_close (req->socket, NULL);
      return;
    }

  while (req->out_done < sizeof req->out)
    {
      n = g_socket_send_with_blocking (req->socket,
                                       (const char *) req->out + req->out_done,
                                       sizeof req->out - req->out_done,
                                       FALSE, NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_clear_error (&error);
              request_wait (task, G_IO_OUT);
              return;
            }
          g_prefix_error (&error, "Cannot write to acrn-dm manager socket %s: ", req->path);
          request_return_error (task, error);
          return;
        }
      req->out_done += (gsize) n;
    }

  while (req->in_done < sizeof req->in)
    {
      n = g_socket_receive_with_blocking (req->socket,
                                          (char *) req->in + req->in_done,
                                          sizeof req->in - req->in_done,
                                          FALSE, NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_clear_error (&error);
              request_wait (task, G_IO_IN);
              return;
            }
          g_prefix_error (&error, "Cannot read from acrn-dm manager socket %s: ", req->path);
          request_return_error (task, error);
          return;
        }
      if (n == 0)
        {
          request_return_error (task,
                                g_error_new (VMM_ERROR, VMM_ERROR_PROTOCOL,
                                             "acrn-dm closed its manager socket %s after %"
                                             G_GSIZE_FORMAT " of %d reply bytes",
                                             req->path, req->in_done, ACRN_MNGR_MSG_SIZE));
          return;
        }
      req->in_done += (gsize) n;
    }

  request_stop_sources (req);
  g_socket_close (req->socket, NULL);
  g_task_return_boolean (task, TRUE);
}

static gboolean
request_io_cb (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  g_clear_pointer (&req->io_source, g_source_unref);
  request_step (task);
  return G_SOURCE_REMOVE;
}

static void
request_wait (GTask        *task,
              GIOCondition  condition)
{
  Request *req = g_task_get_task_data (task);

  g_assert (req->io_source == NULL);
  req->io_source = g_socket_create_source (req->socket, condition | G_IO_HUP | G_IO_ERR,
                                           g_task_get_cancellable (task));
  g_source_set_static_name (req->io_source, "[vmm-acrn] manager socket");
  g_task_attach_source (task, req->io_source, (GSourceFunc) G_CALLBACK (request_io_cb));
}

/**
 * acrn_mngr_request_async:
 * @socket_path: the manager socket of acrn-dm
 * @request: the message to send
 * @timeout_ms: how long to wait for the whole exchange, 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the reply arrived or the exchange failed
 * @user_data: data for @callback
 *
 * Sends @request and reads one reply, in the thread-default main context.
 * Never blocks.
 */
void
acrn_mngr_request_async (const char            *socket_path,
                         const AcrnMngrMessage *request,
                         guint                  timeout_ms,
                         GCancellable          *cancellable,
                         GAsyncReadyCallback    callback,
                         gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  GError *error = NULL;
  Request *req;

  g_return_if_fail (socket_path != NULL);
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, acrn_mngr_request_async);
  g_task_set_name (task, "[vmm-acrn] manager request");

  req = g_new0 (Request, 1);
  req->path = g_strdup (socket_path);
  req->timeout_ms = timeout_ms;
  req->msgid = request->msgid;
  req->timestamp = request->timestamp;
  acrn_mngr_message_encode (request, req->out);
  g_task_set_task_data (task, req, request_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (strlen (socket_path) >= sizeof (((struct sockaddr_un *) NULL)->sun_path))
    {
      g_task_return_new_error (task, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                               "Manager socket path %s is longer than %" G_GSIZE_FORMAT " bytes",
                               socket_path,
                               sizeof (((struct sockaddr_un *) NULL)->sun_path) - 1);
      return;
    }

  req->socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                              G_SOCKET_PROTOCOL_DEFAULT, &error);
  if (req->socket == NULL)
    {
      g_prefix_error (&error, "Cannot create a socket for %s: ", socket_path);
      g_task_return_error (task, error);
      return;
    }
  g_socket_set_blocking (req->socket, FALSE);

  address = g_unix_socket_address_new (socket_path);
  if (!g_socket_connect (req->socket, address, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        {
          g_prefix_error (&error, "Cannot connect to acrn-dm manager socket %s: ", socket_path);
          request_return_error (task, error);
          return;
        }
      /* Not seen with AF_UNIX on Linux, but allowed: the send step waits
       * for writability, which is when the connection is complete. */
      g_clear_error (&error);
    }

  if (timeout_ms > 0)
    {
      req->timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_static_name (req->timeout_source, "[vmm-acrn] manager timeout");
      g_task_attach_source (task, req->timeout_source, request_timeout_cb);
    }

  request_step (task);
}

/**
 * acrn_mngr_request_finish:
 * @result: the #GAsyncResult
 * @reply: (out caller-allocates) (optional): the reply
 * @error: return location for a #GError
 *
 * Finishes acrn_mngr_request_async(). The reply has the magic, msgid and
 * timestamp of the request, or this fails with %VMM_ERROR_PROTOCOL.
 * Connection failures keep their %G_IO_ERROR code (see
 * acrn_mngr_error_is_not_listening()) with the socket path in the message.
 *
 * Returns: %TRUE if a valid reply arrived
 */
gboolean
acrn_mngr_request_finish (GAsyncResult     *result,
                          AcrnMngrMessage  *reply,
                          GError          **error)
{
  GTask *task = G_TASK (result);
  Request *req;
  AcrnMngrMessage msg;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (task) == acrn_mngr_request_async, FALSE);

  if (!g_task_propagate_boolean (task, error))
    return FALSE;

  req = g_task_get_task_data (task);
  if (!acrn_mngr_message_decode (req->in, sizeof req->in, &msg, error))
    {
      g_prefix_error (error, "Bad reply on %s: ", req->path);
      return FALSE;
    }
  if (msg.msgid != req->msgid)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL,
                   "Bad reply on %s: message id %u, expected %u",
                   req->path, msg.msgid, req->msgid);
      return FALSE;
    }
  if (msg.timestamp != req->timestamp)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL,
                   "Bad reply on %s: timestamp %" G_GINT64_FORMAT " does not echo %"
                   G_GINT64_FORMAT, req->path, msg.timestamp, req->timestamp);
      return FALSE;
    }

  if (reply != NULL)
    *reply = msg;
  return TRUE;
}

/* Every request gets a distinct timestamp, so that a stale or foreign
 * reply cannot pass the echo check. */
static gint64
next_timestamp (void)
{
  G_LOCK_DEFINE_STATIC (last);
  static gint64 last;
  gint64 now = g_get_real_time ();

  G_LOCK (last);
  if (now <= last)
    now = last + 1;
  last = now;
  G_UNLOCK (last);

  return now;
}

/* Wraps a typed request: the task data is the socket path, for messages. */
static void
typed_request_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AcrnMngrMessage *reply = g_new0 (AcrnMngrMessage, 1);
  GError *error = NULL;

  if (!acrn_mngr_request_finish (result, reply, &error))
    {
      g_free (reply);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, reply, g_free);
}

static void
typed_request (gpointer               source_tag,
               const char            *socket_path,
               const AcrnMngrMessage *msg,
               guint                  timeout_ms,
               GCancellable          *cancellable,
               GAsyncReadyCallback    callback,
               gpointer               user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_strdup (socket_path), g_free);
  acrn_mngr_request_async (socket_path, msg, timeout_ms, cancellable,
                           typed_request_cb, task);
}

/**
 * acrn_mngr_query_async:
 * @socket_path: the manager socket of acrn-dm
 * @timeout_ms: how long to wait, 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Sends DM_QUERY.
 */
void
acrn_mngr_query_async (const char          *socket_path,
                       guint                timeout_ms,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  AcrnMngrMessage msg;

  g_return_if_fail (socket_path != NULL);

  acrn_mngr_message_init (&msg, ACRN_MNGR_DM_QUERY, next_timestamp ());
  typed_request (acrn_mngr_query_async, socket_path, &msg, timeout_ms,
                 cancellable, callback, user_data);
}

/**
 * acrn_mngr_query_finish:
 * @result: the #GAsyncResult
 * @out_state: (out) (optional): the VM state (an #AcrnMngrVmState)
 * @error: return location for a #GError
 *
 * Returns: %TRUE if acrn-dm answered
 */
gboolean
acrn_mngr_query_finish (GAsyncResult  *result,
                        int           *out_state,
                        GError       **error)
{
  g_autofree AcrnMngrMessage *reply = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == acrn_mngr_query_async, FALSE);

  reply = g_task_propagate_pointer (G_TASK (result), error);
  if (reply == NULL)
    return FALSE;

  if (out_state != NULL)
    *out_state = acrn_mngr_message_get_int (reply, 0);
  return TRUE;
}

/* Checks the `err` field of an ack. */
static gboolean
check_ack (GAsyncResult  *result,
           const char    *what,
           GError       **error)
{
  g_autofree AcrnMngrMessage *reply = NULL;
  gint32 err;

  reply = g_task_propagate_pointer (G_TASK (result), error);
  if (reply == NULL)
    return FALSE;

  err = acrn_mngr_message_get_int (reply, 0);
  if (err != 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_PROTOCOL,
                   "acrn-dm refused %s on %s: err %d", what,
                   (const char *) g_task_get_task_data (G_TASK (result)), err);
      return FALSE;
    }
  return TRUE;
}

/**
 * acrn_mngr_stop_async:
 * @socket_path: the manager socket of acrn-dm
 * @force: power off at once instead of asking the guest
 * @timeout_ms: how long to wait for the ack, 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Sends DM_STOP. The ack only says that acrn-dm accepted the request; the
 * process exits afterwards.
 */
void
acrn_mngr_stop_async (const char          *socket_path,
                      gboolean             force,
                      guint                timeout_ms,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  AcrnMngrMessage msg;

  g_return_if_fail (socket_path != NULL);

  acrn_mngr_message_init (&msg, ACRN_MNGR_DM_STOP, next_timestamp ());
  acrn_mngr_message_set_int (&msg, 0, force ? 1 : 0);
  acrn_mngr_message_set_int (&msg, 4, (gint32) ((timeout_ms + 999) / 1000));
  typed_request (acrn_mngr_stop_async, socket_path, &msg, timeout_ms,
                 cancellable, callback, user_data);
}

/**
 * acrn_mngr_stop_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if acrn-dm acked with err 0, else %FALSE with
 *   %VMM_ERROR_PROTOCOL (or the transport error)
 */
gboolean
acrn_mngr_stop_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == acrn_mngr_stop_async, FALSE);

  return check_ack (result, "DM_STOP", error);
}

/**
 * acrn_mngr_blkrescan_async:
 * @socket_path: the manager socket of acrn-dm
 * @devargs: `"SLOT,PATH"`
 * @timeout_ms: how long to wait for the ack, 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Sends DM_BLKRESCAN, which fills a `nodisk` virtio-blk slot.
 */
void
acrn_mngr_blkrescan_async (const char          *socket_path,
                           const char          *devargs,
                           guint                timeout_ms,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  AcrnMngrMessage msg;
  GError *error = NULL;

  g_return_if_fail (socket_path != NULL);
  g_return_if_fail (devargs != NULL);

  acrn_mngr_message_init (&msg, ACRN_MNGR_DM_BLKRESCAN, next_timestamp ());
  if (!acrn_mngr_message_set_devargs (&msg, devargs, &error))
    {
      GTask *task = g_task_new (NULL, cancellable, callback, user_data);

      g_task_set_source_tag (task, acrn_mngr_blkrescan_async);
      g_task_set_task_data (task, g_strdup (socket_path), g_free);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  typed_request (acrn_mngr_blkrescan_async, socket_path, &msg, timeout_ms,
                 cancellable, callback, user_data);
}

/**
 * acrn_mngr_blkrescan_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if acrn-dm acked with err 0, else %FALSE with
 *   %VMM_ERROR_PROTOCOL (or the transport error)
 */
gboolean
acrn_mngr_blkrescan_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == acrn_mngr_blkrescan_async, FALSE);

  return check_ack (result, "DM_BLKRESCAN", error);
}
