/* acrn-mngr.h: client of acrn-dm's manager socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal to the ACRN backend. acrn-dm listens on an AF_UNIX stream socket
 * `<mngr-dir>/<vm-name>.monitor.<pid>.socket` and answers fixed-size
 * 280-byte messages (x86-64 layout of `struct mngr_msg`):
 *
 * | offset | size | field                                            |
 * |--------|------|--------------------------------------------------|
 * | 0      | 8    | magic, u64 little-endian, bytes `"vmm msg\0"`    |
 * | 8      | 4    | msgid, u32                                       |
 * | 12     | 4    | padding (zero)                                   |
 * | 16     | 8    | timestamp, s64, echoed in the reply              |
 * | 24     | 256  | data: devargs string, or int err/state at +0,    |
 * |        |      | or { int force; unsigned timeout; } at +0 / +4   |
 *
 * Every request here opens one connection, writes one message in a single
 * write (acrn-dm drops a message that arrives in pieces), reads one reply,
 * checks its magic, msgid and timestamp, and closes the connection (acrn-dm
 * serves at most four clients at a time).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ACRN_MNGR_DEFAULT_DIR:
 *
 * Where acrn-dm creates its manager sockets.
 */
#define ACRN_MNGR_DEFAULT_DIR "/run/acrn/mngr"

/**
 * ACRN_MNGR_MSG_SIZE:
 *
 * The size of one manager message on x86-64, both ways.
 */
#define ACRN_MNGR_MSG_SIZE 280

/**
 * ACRN_MNGR_DATA_SIZE:
 *
 * The size of the data union of a manager message.
 */
#define ACRN_MNGR_DATA_SIZE 256

/**
 * ACRN_MNGR_MAGIC:
 *
 * The magic number that starts every manager message.
 */
#define ACRN_MNGR_MAGIC G_GUINT64_CONSTANT (0x67736d206d6d76)

/* Byte offsets inside the 280-byte message. */
#define ACRN_MNGR_OFFSET_MAGIC     0
#define ACRN_MNGR_OFFSET_MSGID     8
#define ACRN_MNGR_OFFSET_TIMESTAMP 16
#define ACRN_MNGR_OFFSET_DATA      24

/**
 * AcrnMngrMsgId:
 * @ACRN_MNGR_DM_STOP: power the VM off (data: force, timeout)
 * @ACRN_MNGR_DM_SUSPEND: suspend the VM (not used by libvmm)
 * @ACRN_MNGR_DM_RESUME: resume the VM (not used by libvmm)
 * @ACRN_MNGR_DM_QUERY: ask for the VM state (reply data: state)
 * @ACRN_MNGR_DM_BLKRESCAN: fill a `nodisk` virtio-blk slot (data: devargs
 *   `"SLOT,PATH"`; reply data: err)
 *
 * Message ids of ACRN 2.0 and later.
 */
typedef enum {
  ACRN_MNGR_DM_STOP = 3,
  ACRN_MNGR_DM_SUSPEND = 4,
  ACRN_MNGR_DM_RESUME = 5,
  ACRN_MNGR_DM_QUERY = 6,
  ACRN_MNGR_DM_BLKRESCAN = 7,
} AcrnMngrMsgId;

/**
 * AcrnMngrVmState:
 * @ACRN_MNGR_VM_RUNNING: running
 * @ACRN_MNGR_VM_SYSTEM_RESET: a system reset is in progress
 * @ACRN_MNGR_VM_FULL_RESET: a full reset is in progress
 * @ACRN_MNGR_VM_POWEROFF: powering off
 * @ACRN_MNGR_VM_SUSPEND: suspended
 * @ACRN_MNGR_VM_HALT: halted
 * @ACRN_MNGR_VM_TRIPLEFAULT: the guest triple-faulted
 *
 * The states DM_QUERY reports.
 */
typedef enum {
  ACRN_MNGR_VM_RUNNING = 0,
  ACRN_MNGR_VM_SYSTEM_RESET = 1,
  ACRN_MNGR_VM_FULL_RESET = 2,
  ACRN_MNGR_VM_POWEROFF = 3,
  ACRN_MNGR_VM_SUSPEND = 4,
  ACRN_MNGR_VM_HALT = 5,
  ACRN_MNGR_VM_TRIPLEFAULT = 6,
} AcrnMngrVmState;

/**
 * AcrnMngrMessage:
 * @msgid: the message id (an #AcrnMngrMsgId)
 * @timestamp: the timestamp, echoed by acrn-dm
 * @data: the data union, as raw bytes
 *
 * A manager message without its magic. Use acrn_mngr_message_encode()
 * and acrn_mngr_message_decode() to convert from and to the wire format.
 */
typedef struct {
  guint32 msgid;
  gint64  timestamp;
  guint8  data[ACRN_MNGR_DATA_SIZE];
} AcrnMngrMessage;

const char *acrn_mngr_state_to_string   (int                    state);

void        acrn_mngr_message_init      (AcrnMngrMessage       *msg,
                                         guint32                msgid,
                                         gint64                 timestamp);
void        acrn_mngr_message_set_int   (AcrnMngrMessage       *msg,
                                         gsize                  data_offset,
                                         gint32                 value);
gint32      acrn_mngr_message_get_int   (const AcrnMngrMessage *msg,
                                         gsize                  data_offset);
gboolean    acrn_mngr_message_set_devargs (AcrnMngrMessage     *msg,
                                           const char          *devargs,
                                           GError             **error);
void        acrn_mngr_message_encode    (const AcrnMngrMessage *msg,
                                         guint8                 out[ACRN_MNGR_MSG_SIZE]);
gboolean    acrn_mngr_message_decode    (const guint8          *buf,
                                         gsize                  length,
                                         AcrnMngrMessage       *msg,
                                         GError               **error);

char       *acrn_mngr_socket_name       (const char            *vm_name,
                                         GPid                   pid);
char       *acrn_mngr_socket_path       (const char            *mngr_dir,
                                         const char            *vm_name,
                                         GPid                   pid);
gboolean    acrn_mngr_parse_socket_name (const char            *basename,
                                         char                 **out_vm_name,
                                         GPid                  *out_pid);

void        acrn_mngr_request_async     (const char            *socket_path,
                                         const AcrnMngrMessage *request,
                                         guint                  timeout_ms,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
gboolean    acrn_mngr_request_finish    (GAsyncResult          *result,
                                         AcrnMngrMessage       *reply,
                                         GError               **error);

void        acrn_mngr_query_async       (const char            *socket_path,
                                         guint                  timeout_ms,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
gboolean    acrn_mngr_query_finish      (GAsyncResult          *result,
                                         int                   *out_state,
                                         GError               **error);

void        acrn_mngr_stop_async        (const char            *socket_path,
                                         gboolean               force,
                                         guint                  timeout_ms,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
gboolean    acrn_mngr_stop_finish       (GAsyncResult          *result,
                                         GError               **error);

void        acrn_mngr_blkrescan_async   (const char            *socket_path,
                                         const char            *devargs,
                                         guint                  timeout_ms,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
gboolean    acrn_mngr_blkrescan_finish  (GAsyncResult          *result,
                                         GError               **error);

gboolean    acrn_mngr_error_is_not_listening (const GError     *error);

G_END_DECLS
