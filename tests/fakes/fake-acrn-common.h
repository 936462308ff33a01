/* fake-acrn-common.h: what fake-acrn-dm, fake-acrnctl and test-fakes share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The manager protocol of acrn-dm 2.x/3.x (see shared/ACRN.md §3) and small
 * helpers. Test code only: never linked into libvmm or a plugin.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* "vmm msg\0" read as a little-endian u64 */
#define FAKE_MNGR_MAGIC G_GUINT64_CONSTANT (0x67736d206d6d76)
#define FAKE_MNGR_PARAM_LEN 256
#define FAKE_MNGR_DEFAULT_DIR "/run/acrn/mngr"
#define FAKE_ACRN_DEFAULT_CONF_DIR "/usr/share/acrn/conf/add"
/* acrn-dm's MAX_VM_NAME_LEN: 16 bytes with the NUL */
#define FAKE_ACRN_MAX_VM_NAME_LEN 16

/* Message ids of 2.0 and later (MSG_MAX + 1 == 3). */
enum {
  FAKE_DM_STOP = 3,
  FAKE_DM_SUSPEND = 4,
  FAKE_DM_RESUME = 5,
  FAKE_DM_QUERY = 6,
  FAKE_DM_BLKRESCAN = 7,
};

/* enum vm_suspend_how of acrn-dm: what DM_QUERY answers */
enum {
  FAKE_VM_SUSPEND_NONE = 0,         /* running */
  FAKE_VM_SUSPEND_SYSTEM_RESET = 1,
  FAKE_VM_SUSPEND_FULL_RESET = 2,
  FAKE_VM_SUSPEND_POWEROFF = 3,
  FAKE_VM_SUSPEND_SUSPEND = 4,
  FAKE_VM_SUSPEND_HALT = 5,
  FAKE_VM_SUSPEND_TRIPLEFAULT = 6,
};

/* struct mngr_msg exactly as acrn-dm and acrnctl lay it out on x86-64 */
typedef struct {
  unsigned long long magic;
  unsigned int msgid;
  unsigned long timestamp;
  union {
    char devargs[FAKE_MNGR_PARAM_LEN];
    int err;
    unsigned reason;
    int state;
    struct {
      int force;
      unsigned timeout;
    } stop;
  } data;
} FakeMngrMsg;

G_STATIC_ASSERT (sizeof (FakeMngrMsg) == 280);
G_STATIC_ASSERT (offsetof (FakeMngrMsg, magic) == 0);
G_STATIC_ASSERT (offsetof (FakeMngrMsg, msgid) == 8);
G_STATIC_ASSERT (offsetof (FakeMngrMsg, timestamp) == 16);
G_STATIC_ASSERT (offsetof (FakeMngrMsg, data) == 24);

/* Appends every argument of @argv (without argv[0]), one per line, then a
 * line "--", to @path in one locked write. Failure is reported on stderr
 * and otherwise ignored (it must never change the program's behaviour). */
void fake_append_argv_log (const char *path,
                           int         argc,
                           char      **argv);

/* TRUE when the environment variable @name is set to a non-empty value
 * other than "0". */
gboolean fake_env_flag (const char *name);

/* Parses the environment variable @name as a non-negative decimal integer.
 * Returns @fallback when it is unset; exits with status 70 and a message
 * when it is set but malformed (a broken test setup must be loud). */
guint64 fake_env_uint (const char *name,
                       guint64     fallback);

/* Takes a machine-wide exclusive claim named @key, held until the process
 * ends (also when it crashes or is killed): a bound abstract AF_UNIX
 * socket. Returns the fd (>= 0) or -1 when another process holds it. */
int fake_claim (const char *key);

/* Parses a full decimal number (digits only, no sign, no spaces). */
gboolean fake_parse_dec (const char *s,
                         guint64     max,
                         guint64    *out);

/* Parses a full hexadecimal number (hex digits only, no 0x). */
gboolean fake_parse_hex (const char *s,
                         guint64     max,
                         guint64    *out);

G_END_DECLS
