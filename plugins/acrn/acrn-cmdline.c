/* acrn-cmdline.c: from a VmmHypervisorConfig to the exact acrn-dm argv
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * acrn_cmdline_build() is a pure function: it reads the config and its
 * arguments and nothing else (no file, no clock, no environment). The
 * layout (ACRN 3.x syntax, Kata's order, ACRN.md §2 and §5):
 *
 *   ACRN-DM -m <MiB>M
 *     -s 0:0,hostbridge -s 1:0,lpc -l com1,stdio
 *     (slot 2 left free)
 *     -s 3,virtio-console,@socket:console0=<console path>
 *     -s 4,virtio-blk,<image>                (only with an image)
 *     -s N,virtio-blk,nodisk                 (block-pool-size times, N = 5..)
 *     -s N,<cold device>                     (config devices, in order)
 *     --cpu_affinity <lapic,lapic,..>
 *     -k <kernel> | --ovmf <firmware>
 *     [-r <initrd>]
 *     -B <kernel params>
 *     <vm name>
 *
 * Slots never shift: without an image slot 4 stays empty and the pool
 * still starts at 5, so a slot number means the same thing whatever the
 * config. acrn-dm never unescapes anything inside a `-s` value, so a value
 * that would be split there (',' everywhere, ':' and '=' in socket specs)
 * is an error, as is any invalid device: nothing is ever dropped.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "acrn-cmdline.h"
#include "acrn-name.h"

#define BASE_KERNEL_PARAMS \
  "tsc=reliable no_timer_check nohpet console=tty0 console=ttyS0 " \
  "console=hvc0 log_buf_len=16M consoleblank=0"
#define ROOT_KERNEL_PARAMS  "root=/dev/vda1 rw rootwait"
#define QUIET_KERNEL_PARAMS "quiet systemd.show_status=false"
#define DEBUG_KERNEL_PARAMS \
  "debug systemd.show_status=true systemd.log_level=debug " \
  "systemd.log_target=kmsg printk.devkmsg=on"

/* Linux IFNAMSIZ is 16 including the NUL */
#define TAP_NAME_MAX 15

G_STATIC_ASSERT (ACRN_BLOCK_POOL_MAX == 27);

/* What a string value may not contain, beyond control characters. */
typedef enum {
  RULE_NONE         = 0,
  RULE_NOT_EMPTY    = 1 << 0,
  RULE_ABSOLUTE     = 1 << 1,
  RULE_NO_COMMA     = 1 << 2, /* inside a -s argument */
  RULE_NO_COLON     = 1 << 3, /* socket path: ':' starts the socket type */
  RULE_SOCKET_NAME  = 1 << 4, /* socket port name: no ':' nor '=' */
  RULE_NO_NODISK    = 1 << 5, /* virtio-blk: "nodisk" anywhere = empty drive */
  RULE_SOCKET_LEN   = 1 << 6, /* fits sockaddr_un.sun_path */
} ValueRules;

#define RULES_BLK_PATH    (RULE_NOT_EMPTY | RULE_ABSOLUTE | RULE_NO_COMMA | RULE_NO_NODISK)
#define RULES_SOCKET_PATH (RULE_NOT_EMPTY | RULE_ABSOLUTE | RULE_NO_COMMA | RULE_NO_COLON | RULE_SOCKET_LEN)
#define RULES_FILE_PATH   (RULE_NOT_EMPTY | RULE_ABSOLUTE)

/* Shows a value in a message: control characters and '\' escaped, so a
 * message never carries a raw newline or escape sequence. */
static char *
printable (const char *value)
{
  GString *s;
  const char *p;

  if (value == NULL)
    return g_strdup ("(null)");

  s = g_string_new (NULL);
  for (p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\x%02x", c);
      else if (c == '\\')
        g_string_append (s, "\\\\");
      else
        g_string_append_c (s, (char) c);
    }

  return g_string_free (s, FALSE);
}

static gboolean
is_unset (const char *value)
{
  return value == NULL || *value == '\0';
}

/* @where: "key 'image'" or "devices[1] (block device /x): key 'path'" */
static gboolean
check_value (const char  *where,
             VmmError     code,
             const char  *value,
             ValueRules   rules,
             GError     **error)
{
  const char *p;
  g_autofree char *shown = NULL;

  if (value == NULL)
    value = "";

  for (p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c < 0x20 || c == 0x7f)
        {
          shown = printable (value);
          g_set_error (error, VMM_ERROR, code,
                       "%s contains a control character (byte 0x%02x) in '%s'",
                       where, c, shown);
          return FALSE;
        }
    }

  shown = printable (value);

  if ((rules & RULE_NOT_EMPTY) && *value == '\0')
    {
      g_set_error (error, VMM_ERROR, code, "%s is empty", where);
      return FALSE;
    }

  if ((rules & RULE_ABSOLUTE) && !g_path_is_absolute (value))
    {
      g_set_error (error, VMM_ERROR, code,
                   "%s must be an absolute path, not '%s'", where, shown);
      return FALSE;
    }

  if ((rules & RULE_NO_COMMA) && strchr (value, ',') != NULL)
    {
      g_set_error (error, VMM_ERROR, code,
                   "%s contains ',' which would inject an acrn-dm option ('%s')",
                   where, shown);
      return FALSE;
    }

  if ((rules & (RULE_NO_COLON | RULE_SOCKET_NAME)) && strchr (value, ':') != NULL)
    {
      g_set_error (error, VMM_ERROR, code,
                   "%s contains ':' which acrn-dm would take as the end of the "
                   "socket %s ('%s')",
                   where, (rules & RULE_SOCKET_NAME) ? "name" : "path", shown);
      return FALSE;
    }

  if ((rules & RULE_SOCKET_NAME) && strchr (value, '=') != NULL)
    {
      g_set_error (error, VMM_ERROR, code,
                   "%s contains '=' which acrn-dm would take as the end of the "
                   "socket name ('%s')", where, shown);
      return FALSE;
    }

  if ((rules & RULE_NO_NODISK) && strstr (value, "nodisk") != NULL)
    {
      g_set_error (error, VMM_ERROR, code,
                   "%s contains 'nodisk', which makes acrn-dm create an empty "
                   "drive instead of opening the file ('%s')", where, shown);
      return FALSE;
    }

  if ((rules & RULE_SOCKET_LEN) && strlen (value) > ACRN_SOCKET_PATH_MAX)
    {
      g_set_error (error, VMM_ERROR, code,
                   "%s is %zu bytes long; a unix socket path has at most %d ('%s')",
                   where, strlen (value), ACRN_SOCKET_PATH_MAX, shown);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_key (const char  *key,
           const char  *value,
           ValueRules   rules,
           GError     **error)
{
  g_autofree char *where = g_strdup_printf ("key '%s'", key);

  return check_value (where, VMM_ERROR_INVALID_CONFIG, value, rules, error);
}

/* "block device /a.img" etc. */
static char *
describe_device (VmmDevice *device)
{
  g_autofree char *what = NULL;

  switch (vmm_device_get_device_type (device))
    {
    case VMM_DEVICE_TYPE_BLOCK:
      what = printable (vmm_block_device_get_path (VMM_BLOCK_DEVICE (device)));
      return g_strdup_printf ("block device %s", what);
    case VMM_DEVICE_TYPE_NET:
      what = printable (vmm_net_device_get_tap (VMM_NET_DEVICE (device)));
      return g_strdup_printf ("net device %s", what);
    case VMM_DEVICE_TYPE_VSOCK:
      return g_strdup_printf ("vsock device cid %u",
                              vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device)));
    case VMM_DEVICE_TYPE_CONSOLE:
      what = printable (vmm_console_device_get_name (VMM_CONSOLE_DEVICE (device)));
      return g_strdup_printf ("console device %s", what);
    case VMM_DEVICE_TYPE_PCI:
      what = printable (vmm_pci_device_get_address (VMM_PCI_DEVICE (device)));
      return g_strdup_printf ("pci device %s", what);
    default:
      return g_strdup_printf ("device of type %s", G_OBJECT_TYPE_NAME (device));
    }
}

/* "devices[1] (block device /a.img)", or without an index
 * "block device /a.img" */
static char *
device_label (VmmDevice *device,
              int        index)
{
  g_autofree char *what = describe_device (device);

  if (index < 0)
    return g_steal_pointer (&what);

  return g_strdup_printf ("devices[%d] (%s)", index, what);
}

static gboolean
check_device_key (VmmDevice   *device,
                  int          index,
                  const char  *key,
                  const char  *value,
                  ValueRules   rules,
                  GError     **error)
{
  g_autofree char *label = device_label (device, index);
  g_autofree char *where = g_strdup_printf ("%s: key '%s'", label, key);

  return check_value (where, VMM_ERROR_INVALID_ARGUMENT, value, rules, error);
}

static gboolean G_GNUC_PRINTF (4, 5)
device_error (GError    **error,
              VmmDevice  *device,
              int         index,
              const char *format,
              ...)
{
  g_autofree char *label = device_label (device, index);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT, "%s: %s",
               label, message);
  return FALSE;
}

static gboolean
is_hex_digit (char c)
{
  return g_ascii_isxdigit (c);
}

/* XX:XX:XX:XX:XX:XX, unicast, not all zero (acrn-dm refuses both) */
static gboolean
check_mac (VmmDevice   *device,
           int          index,
           const char  *mac,
           GError     **error)
{
  g_autofree char *shown = NULL;
  guint octets[6];
  guint i;

  if (!check_device_key (device, index, "mac", mac, RULE_NONE, error))
    return FALSE;

  shown = printable (mac);

  if (strlen (mac) != 17)
    goto malformed;

  for (i = 0; i < 6; i++)
    {
      const char *p = mac + i * 3;

      if (!is_hex_digit (p[0]) || !is_hex_digit (p[1]) ||
          (i < 5 && p[2] != ':'))
        goto malformed;

      octets[i] = (guint) (g_ascii_xdigit_value (p[0]) * 16 +
                           g_ascii_xdigit_value (p[1]));
    }

  if (octets[0] & 1)
    return device_error (error, device, index,
                         "key 'mac' '%s' is a multicast address, which acrn-dm refuses",
                         shown);

  for (i = 0; i < 6 && octets[i] == 0; i++)
    ;
  if (i == 6)
    return device_error (error, device, index,
                         "key 'mac' '%s' is all zero, which acrn-dm refuses", shown);

  return TRUE;

malformed:
  return device_error (error, device, index,
                       "key 'mac' '%s' is not a MAC address of the form "
                       "XX:XX:XX:XX:XX:XX", shown);
}

/* A Linux interface name that acrn-dm's tap= accepts as is. */
static gboolean
check_tap (VmmDevice   *device,
           int          index,
           const char  *tap,
           GError     **error)
{
  g_autofree char *shown = NULL;
  const char *p;

  if (!check_device_key (device, index, "tap", tap, RULE_NOT_EMPTY | RULE_NO_COMMA, error))
    return FALSE;

  shown = printable (tap);

  if (strlen (tap) > TAP_NAME_MAX)
    return device_error (error, device, index,
                         "key 'tap' '%s' is %zu bytes long; an interface name has "
                         "at most %d", shown, strlen (tap), TAP_NAME_MAX);

  if (strcmp (tap, ".") == 0 || strcmp (tap, "..") == 0)
    return device_error (error, device, index,
                         "key 'tap' '%s' is not a valid interface name", shown);

  for (p = tap; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '=' || c == '%')
        return device_error (error, device, index,
                             "key 'tap' '%s' is not a valid interface name "
                             "(character '%c' is not allowed: use letters, digits "
                             "and '-', '_', '.')",
                             shown, g_ascii_isprint (c) ? c : '?');
    }

  return TRUE;
}

/**
 * acrn_cmdline_check_device:
 * @device: a device
 * @index: its index in the config's `devices`, for the message; -1 if it
 *   is not (yet) in a config
 * @error: return location for a #GError
 *
 * Checks one device on its own (pure, no I/O): every value that goes into
 * its `-s` argument is well formed and cannot inject an acrn-dm option.
 * Conflicts between devices (same tap, same file, ...) and the slot count
 * are checked by acrn_cmdline_check_config() and acrn_cmdline_build().
 * A vsock CID of 0 (the backend allocates one) passes here; only
 * acrn_cmdline_build() refuses it.
 *
 * Returns: %TRUE if acrn-dm can take @device; otherwise %FALSE with
 *   %VMM_ERROR_INVALID_ARGUMENT naming the device and its key
 */
gboolean
acrn_cmdline_check_device (VmmDevice  *device,
                           int         index,
                           GError    **error)
{
  g_return_val_if_fail (VMM_IS_DEVICE (device), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (vmm_device_get_device_type (device))
    {
    case VMM_DEVICE_TYPE_BLOCK:
      return check_device_key (device, index, "path",
                               vmm_block_device_get_path (VMM_BLOCK_DEVICE (device)),
                               RULES_BLK_PATH, error);

    case VMM_DEVICE_TYPE_NET:
      {
        VmmNetDevice *net = VMM_NET_DEVICE (device);
        const char *mac = vmm_net_device_get_mac (net);

        if (!check_tap (device, index, vmm_net_device_get_tap (net), error))
          return FALSE;
        if (!is_unset (mac) && !check_mac (device, index, mac, error))
          return FALSE;
        return TRUE;
      }

    case VMM_DEVICE_TYPE_VSOCK:
      {
        guint32 cid = vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device));

        /* 0 = "let the backend allocate one": fine in a config, but
         * acrn_cmdline_build() needs the allocated CID */
        if (cid != 0 && (cid < VMM_VSOCK_CID_MIN || cid > VMM_VSOCK_CID_MAX))
          return device_error (error, device, index,
                               "key 'cid' is %u; a guest CID must be in %u..%u",
                               cid, VMM_VSOCK_CID_MIN, VMM_VSOCK_CID_MAX);
        return TRUE;
      }

    case VMM_DEVICE_TYPE_CONSOLE:
      {
        VmmConsoleDevice *console = VMM_CONSOLE_DEVICE (device);

        if (!check_device_key (device, index, "name",
                               vmm_console_device_get_name (console),
                               RULE_NOT_EMPTY | RULE_NO_COMMA | RULE_SOCKET_NAME,
                               error))
          return FALSE;
        return check_device_key (device, index, "path",
                                 vmm_console_device_get_path (console),
                                 RULES_SOCKET_PATH, error);
      }

    case VMM_DEVICE_TYPE_PCI:
      {
        VmmPciDevice *pci = VMM_PCI_DEVICE (device);
        const char *address = vmm_pci_device_get_address (pci);
        g_autofree char *shown = NULL;
        guint domain = 0, bus = 0, slot = 0, function = 0;

        if (!check_device_key (device, index, "address", address, RULE_NOT_EMPTY, error))
          return FALSE;

        shown = printable (address);
        if (!vmm_pci_device_get_bdf (pci, &domain, &bus, &slot, &function) ||
            bus > 0xff || slot > 0x1f || function > 7)
          return device_error (error, device, index,
                               "key 'address' '%s' is not a PCI address of the "
                               "form [DDDD:]BB:DD.F", shown);
        if (domain != 0)
          return device_error (error, device, index,
                               "key 'address' '%s' is in PCI domain %04x; acrn-dm "
                               "passthru only reaches domain 0000", shown, domain);
        return TRUE;
      }

    default:
      return device_error (error, device, index, "acrn-dm has no emulation for it");
    }
}

/**
 * acrn_cmdline_check_disk_path:
 * @path: the file of a disk to put into a `nodisk` slot
 * @error: return location for a #GError
 *
 * Checks (pure, no I/O) that @path can go into a virtio-blk argument or an
 * `acrnctl blkrescan NAME SLOT,PATH` request: absolute, no ',' (which
 * would add options), no control characters, and no "nodisk" anywhere
 * (acrn-dm looks for that word with strstr() and then makes an empty drive,
 * or refuses the rescan).
 *
 * Returns: %TRUE if @path is usable; otherwise %FALSE with
 *   %VMM_ERROR_INVALID_ARGUMENT
 */
gboolean
acrn_cmdline_check_disk_path (const char  *path,
                              GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return check_value ("disk path", VMM_ERROR_INVALID_ARGUMENT, path,
                      RULES_BLK_PATH, error);
}

/**
 * acrn_cmdline_get_console_path:
 * @config: a config
 *
 * The path of the VM console socket: `<store-dir>/<id>/console.sock`. It
 * is not checked here (acrn_cmdline_check_config() does).
 *
 * Returns: (transfer full) (nullable): the path, or %NULL when the config
 *   has no store dir or no id
 */
char *
acrn_cmdline_get_console_path (VmmHypervisorConfig *config)
{
  const char *store_dir, *id;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (config), NULL);

  store_dir = vmm_hypervisor_config_get_store_dir (config);
  id = vmm_hypervisor_config_get_id (config);
  if (is_unset (store_dir) || is_unset (id))
    return NULL;

  return g_build_filename (store_dir, id, ACRN_CONSOLE_SOCKET_NAME, NULL);
}

static gboolean
check_id (const char  *id,
          GError     **error)
{
  g_autofree char *shown = NULL;

  /* It becomes a directory of the console path, inside a -s argument. */
  if (!check_key ("id", id, RULE_NOT_EMPTY | RULE_NO_COMMA | RULE_NO_COLON, error))
    return FALSE;

  shown = printable (id);
  if (strchr (id, '/') != NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'id' '%s' contains '/'; an id names one directory", shown);
      return FALSE;
    }
  if (strstr (id, "..") != NULL || strcmp (id, ".") == 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'id' '%s' contains '..' or is '.'; an id names one "
                   "directory under the store dir", shown);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_resources (VmmHypervisorConfig  *config,
                 GError              **error)
{
  guint memory = vmm_hypervisor_config_get_memory_mib (config);
  guint vcpus = vmm_hypervisor_config_get_vcpus (config);
  guint max_vcpus = vmm_hypervisor_config_get_max_vcpus (config);
  guint pool = vmm_hypervisor_config_get_block_pool_size (config);
  gsize bytes;

  if (memory < ACRN_MEMORY_MIB_MIN)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'memory-mib' is %u; acrn-dm needs at least %u MiB",
                   memory, ACRN_MEMORY_MIB_MIN);
      return FALSE;
    }
  /* acrn-dm keeps the size in bytes in a size_t */
  if (!g_size_checked_mul (&bytes, memory, 1024 * 1024))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'memory-mib' is %u; that many bytes overflow", memory);
      return FALSE;
    }

  if (max_vcpus < 1)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'max-vcpus' is 0; it must be at least 1");
      return FALSE;
    }
  if (vcpus < 1 || vcpus > max_vcpus)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'vcpus' is %u; it must be in 1..%u ('max-vcpus')",
                   vcpus, max_vcpus);
      return FALSE;
    }

  if (pool > ACRN_BLOCK_POOL_MAX)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'block-pool-size' is %u; at most %u slots (%u..%u) are "
                   "free for nodisk drives",
                   pool, ACRN_BLOCK_POOL_MAX, ACRN_SLOT_FIRST_POOL,
                   ACRN_PCI_SLOT_COUNT - 1);
      return FALSE;
    }

  return TRUE;
}

/* A path for -k, -r or --ovmf: @rules, and shorter than acrn-dm's limit. */
static gboolean
check_boot_path (const char  *key,
                 const char  *path,
                 ValueRules   rules,
                 GError     **error)
{
  g_autofree char *shown = NULL;

  if (!check_key (key, path, rules, error))
    return FALSE;

  if (strlen (path) >= ACRN_BOOT_PATH_MAX)
    {
      shown = printable (path);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key '%s' is %zu bytes long; acrn-dm takes a path of at most "
                   "%d ('%s')", key, strlen (path), ACRN_BOOT_PATH_MAX - 1, shown);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_boot (VmmHypervisorConfig  *config,
            GError              **error)
{
  const char *kernel = vmm_hypervisor_config_get_kernel (config);
  const char *firmware = vmm_hypervisor_config_get_firmware (config);
  const char *initrd = vmm_hypervisor_config_get_initrd (config);
  const char *image = vmm_hypervisor_config_get_image (config);
  const char *dm_path = vmm_hypervisor_config_get_hypervisor_path (config);

  if (dm_path != NULL && !check_key ("hypervisor-path", dm_path, RULE_NONE, error))
    return FALSE;

  if (!is_unset (kernel) && !is_unset (firmware))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "keys 'kernel' and 'firmware' are both set; acrn-dm boots "
                   "either a kernel (-k) or a firmware (--ovmf)");
      return FALSE;
    }
  if (is_unset (kernel) && is_unset (firmware))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "neither key 'kernel' nor key 'firmware' is set; acrn-dm "
                   "needs one to boot");
      return FALSE;
    }

  if (!is_unset (kernel) && !check_boot_path ("kernel", kernel, RULES_FILE_PATH, error))
    return FALSE;
  /* --ovmf takes [w,]PATH: a ',' would change its meaning */
  if (!is_unset (firmware) &&
      !check_boot_path ("firmware", firmware, RULES_FILE_PATH | RULE_NO_COMMA, error))
    return FALSE;

  if (!is_unset (initrd))
    {
      if (!is_unset (firmware))
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "key 'initrd' is set with key 'firmware'; acrn-dm only "
                       "loads an initrd (-r) with a kernel (-k)");
          return FALSE;
        }
      if (!check_boot_path ("initrd", initrd, RULES_FILE_PATH, error))
        return FALSE;
    }

  if (!is_unset (image) && !check_key ("image", image, RULES_BLK_PATH, error))
    return FALSE;

  return TRUE;
}

/**
 * acrn_cmdline_kernel_params:
 * @config: a config
 * @error: return location for a #GError
 *
 * The kernel command line (`-B`), exactly as ACRN.md §5: the base set,
 * `root=/dev/vda1 rw rootwait` only with an image, the quiet or the debug
 * set, `panic=1 maxcpus=<max-vcpus>`, then the config's `kernel-params`
 * LAST so they win. Pure.
 *
 * Returns: (transfer full): the parameters, or %NULL with
 *   %VMM_ERROR_INVALID_CONFIG when a parameter is empty or has a control
 *   character, or the whole is %ACRN_KERNEL_PARAMS_MAX bytes or more
 */
char *
acrn_cmdline_kernel_params (VmmHypervisorConfig  *config,
                            GError              **error)
{
  g_autoptr(GString) params = NULL;
  const char * const *user;
  gsize i;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (config), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  params = g_string_new (BASE_KERNEL_PARAMS);
  if (!is_unset (vmm_hypervisor_config_get_image (config)))
    g_string_append (params, " " ROOT_KERNEL_PARAMS);
  if (vmm_hypervisor_config_get_debug (config))
    g_string_append (params, " " DEBUG_KERNEL_PARAMS);
  else
    g_string_append (params, " " QUIET_KERNEL_PARAMS);
  g_string_append_printf (params, " panic=1 maxcpus=%u",
                          vmm_hypervisor_config_get_max_vcpus (config));

  user = vmm_hypervisor_config_get_kernel_params (config);
  for (i = 0; user != NULL && user[i] != NULL; i++)
    {
      g_autofree char *where = g_strdup_printf ("key 'kernel-params' (item %zu)", i);
      const char *p;

      if (!check_value (where, VMM_ERROR_INVALID_CONFIG, user[i], RULE_NOT_EMPTY, error))
        return NULL;

      for (p = user[i]; *p == ' '; p++)
        ;
      if (*p == '\0')
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                       "%s is only spaces", where);
          return NULL;
        }

      g_string_append_c (params, ' ');
      g_string_append (params, user[i]);
    }

  if (params->len >= ACRN_KERNEL_PARAMS_MAX)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "key 'kernel-params' makes the kernel command line %zu bytes "
                   "long; acrn-dm takes at most %d",
                   params->len, ACRN_KERNEL_PARAMS_MAX - 1);
      return NULL;
    }

  return g_string_free (g_steal_pointer (&params), FALSE);
}

/* The VM console path: the caller's, or <store>/<id>/console.sock. */
static char *
resolve_console_path (VmmHypervisorConfig  *config,
                      const char           *console_path,
                      GError              **error)
{
  g_autofree char *path = NULL;
  g_autofree char *shown = NULL;

  if (console_path != NULL)
    {
      if (!check_value ("console socket path", VMM_ERROR_INVALID_ARGUMENT,
                        console_path, RULES_SOCKET_PATH, error))
        return NULL;
      return g_strdup (console_path);
    }

  if (!check_key ("store-dir", vmm_hypervisor_config_get_store_dir (config),
                  RULE_NOT_EMPTY | RULE_ABSOLUTE | RULE_NO_COMMA | RULE_NO_COLON,
                  error))
    return NULL;

  path = acrn_cmdline_get_console_path (config);
  g_assert (path != NULL); /* id and store-dir were checked */

  if (strlen (path) > ACRN_SOCKET_PATH_MAX)
    {
      shown = printable (path);
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG,
                   "keys 'store-dir' and 'id' make the console socket path '%s', "
                   "%zu bytes long; a unix socket path has at most %d",
                   shown, strlen (path), ACRN_SOCKET_PATH_MAX);
      return NULL;
    }

  return g_steal_pointer (&path);
}

static char *
format_device (VmmDevice *device,
               guint      slot)
{
  switch (vmm_device_get_device_type (device))
    {
    case VMM_DEVICE_TYPE_BLOCK:
      {
        VmmBlockDevice *block = VMM_BLOCK_DEVICE (device);

        return g_strdup_printf ("%u,virtio-blk,%s%s", slot,
                                vmm_block_device_get_path (block),
                                vmm_block_device_get_read_only (block) ? ",ro" : "");
      }
    case VMM_DEVICE_TYPE_NET:
      {
        VmmNetDevice *net = VMM_NET_DEVICE (device);
        const char *mac = vmm_net_device_get_mac (net);
        GString *s = g_string_new (NULL);

        g_string_append_printf (s, "%u,virtio-net,tap=%s", slot,
                                vmm_net_device_get_tap (net));
        if (vmm_net_device_get_vhost (net))
          g_string_append (s, ",vhost");
        if (!is_unset (mac))
          g_string_append_printf (s, ",mac=%s", mac);
        return g_string_free (s, FALSE);
      }
    case VMM_DEVICE_TYPE_VSOCK:
      return g_strdup_printf ("%u,vhost-vsock,cid=%u", slot,
                              vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device)));
    case VMM_DEVICE_TYPE_CONSOLE:
      {
        VmmConsoleDevice *console = VMM_CONSOLE_DEVICE (device);

        /* no '@': a plain serial port, not the hvc console */
        return g_strdup_printf ("%u,virtio-console,socket:%s=%s", slot,
                                vmm_console_device_get_name (console),
                                vmm_console_device_get_path (console));
      }
    case VMM_DEVICE_TYPE_PCI:
      {
        guint domain = 0, bus = 0, dev = 0, function = 0;

        vmm_pci_device_get_bdf (VMM_PCI_DEVICE (device), &domain, &bus, &dev, &function);
        return g_strdup_printf ("%u,passthru,%02x/%02x/%x", slot, bus, dev, function);
      }
    default:
      g_assert_not_reached ();
    }
}

/* Remembers which device (or config key) first used a resource. */
typedef struct {
  GHashTable *block_paths;   /* path -> Owner */
  GHashTable *taps;
  GHashTable *macs;
  GHashTable *console_names;
  GHashTable *socket_paths;
  GHashTable *pci;
  int         vsock_index;
} Seen;

typedef struct {
  char     *label;      /* "key 'image'" or "devices[0]" */
  gboolean  read_only;
} Owner;

static void
owner_free (gpointer data)
{
  Owner *owner = data;

  g_free (owner->label);
  g_free (owner);
}

static GHashTable *
owner_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, owner_free);
}

static void
seen_init (Seen *seen)
{
  seen->block_paths = owner_table_new ();
  seen->taps = owner_table_new ();
  seen->macs = owner_table_new ();
  seen->console_names = owner_table_new ();
  seen->socket_paths = owner_table_new ();
  seen->pci = owner_table_new ();
  seen->vsock_index = -1;
}

static void
seen_clear (Seen *seen)
{
  g_clear_pointer (&seen->block_paths, g_hash_table_unref);
  g_clear_pointer (&seen->taps, g_hash_table_unref);
  g_clear_pointer (&seen->macs, g_hash_table_unref);
  g_clear_pointer (&seen->console_names, g_hash_table_unref);
  g_clear_pointer (&seen->socket_paths, g_hash_table_unref);
  g_clear_pointer (&seen->pci, g_hash_table_unref);
}

static void
claim (GHashTable *table,
       const char *value,
       const char *label,
       gboolean    read_only)
{
  Owner *owner = g_new0 (Owner, 1);

  owner->label = g_strdup (label);
  owner->read_only = read_only;
  g_hash_table_replace (table, g_strdup (value), owner);
}

/* Fails if @value was already claimed in @table (for block paths: unless
 * both users are read-only). */
static gboolean
check_unique (GHashTable  *table,
              const char  *value,
              VmmDevice   *device,
              int          index,
              const char  *key,
              gboolean     read_only,
              const char  *why,
              GError     **error)
{
  g_autofree char *label = NULL;
  g_autofree char *shown = NULL;
  Owner *owner = g_hash_table_lookup (table, value);

  if (owner == NULL || (read_only && owner->read_only))
    {
      label = g_strdup_printf ("devices[%d]", index);
      if (owner == NULL)
        claim (table, value, label, read_only);
      return TRUE;
    }

  shown = printable (value);
  return device_error (error, device, index,
                       "key '%s' '%s' is already used by %s; %s",
                       key, shown, owner->label, why);
}

static gboolean
check_conflicts (Seen        *seen,
                 VmmDevice   *device,
                 int          index,
                 GError     **error)
{
  switch (vmm_device_get_device_type (device))
    {
    case VMM_DEVICE_TYPE_BLOCK:
      {
        VmmBlockDevice *block = VMM_BLOCK_DEVICE (device);
        g_autofree char *path = g_canonicalize_filename (vmm_block_device_get_path (block), "/");

        return check_unique (seen->block_paths, path, device, index, "path",
                             vmm_block_device_get_read_only (block),
                             "a file can only be shared by read-only drives", error);
      }
    case VMM_DEVICE_TYPE_NET:
      {
        VmmNetDevice *net = VMM_NET_DEVICE (device);
        const char *mac = vmm_net_device_get_mac (net);

        if (!check_unique (seen->taps, vmm_net_device_get_tap (net), device, index,
                           "tap", FALSE, "a tap device can only be opened once",
                           error))
          return FALSE;
        if (!is_unset (mac))
          {
            g_autofree char *lower = g_ascii_strdown (mac, -1);

            return check_unique (seen->macs, lower, device, index, "mac", FALSE,
                                 "two NICs of one VM need different MACs", error);
          }
        return TRUE;
      }
    case VMM_DEVICE_TYPE_VSOCK:
      if (seen->vsock_index >= 0)
        return device_error (error, device, index,
                             "devices[%d] is already a vsock device; a VM has "
                             "one guest CID", seen->vsock_index);
      seen->vsock_index = index;
      return TRUE;
    case VMM_DEVICE_TYPE_CONSOLE:
      {
        VmmConsoleDevice *console = VMM_CONSOLE_DEVICE (device);
        g_autofree char *path = g_canonicalize_filename (vmm_console_device_get_path (console), "/");

        if (!check_unique (seen->console_names, vmm_console_device_get_name (console),
                           device, index, "name", FALSE,
                           "the guest tells its ports apart by name", error))
          return FALSE;
        return check_unique (seen->socket_paths, path, device, index, "path", FALSE,
                             "acrn-dm would replace the first socket", error);
      }
    case VMM_DEVICE_TYPE_PCI:
      {
        guint domain = 0, bus = 0, dev = 0, function = 0;
        g_autofree char *bdf = NULL;

        vmm_pci_device_get_bdf (VMM_PCI_DEVICE (device), &domain, &bus, &dev, &function);
        bdf = g_strdup_printf ("%02x:%02x.%x", bus, dev, function);
        return check_unique (seen->pci, bdf, device, index, "address", FALSE,
                             "a host device can only be passed through once", error);
      }
    default:
      g_assert_not_reached ();
    }
}

/* Everything but the caller's own arguments: the config (pure checks),
 * and, when @argv is not NULL, the arguments from -m up to the cold
 * devices (inclusive). @console_path may be NULL (the default). */
static gboolean
layout (VmmHypervisorConfig  *config,
        const char           *console_path,
        GPtrArray            *argv,
        AcrnSlotMap          *map,
        char                **out_params,
        GError              **error)
{
  g_autofree char *console = NULL;
  g_autofree char *params = NULL;
  GPtrArray *devices;
  const char *image;
  guint pool, n_devices, slot, i;
  Seen seen;
  gboolean ok = FALSE;

  if (!check_id (vmm_hypervisor_config_get_id (config), error) ||
      !check_resources (config, error) ||
      !check_boot (config, error))
    return FALSE;

  params = acrn_cmdline_kernel_params (config, error);
  if (params == NULL)
    return FALSE;

  console = resolve_console_path (config, console_path, error);
  if (console == NULL)
    return FALSE;

  image = vmm_hypervisor_config_get_image (config);
  pool = vmm_hypervisor_config_get_block_pool_size (config);
  devices = vmm_hypervisor_config_get_devices (config);
  n_devices = devices != NULL ? devices->len : 0;

  memset (map, 0, sizeof *map);
  for (i = 0; i < ACRN_PCI_SLOT_COUNT; i++)
    {
      map->kind[i] = ACRN_SLOT_KIND_FREE;
      map->index[i] = -1;
    }
  map->kind[ACRN_SLOT_HOSTBRIDGE] = ACRN_SLOT_KIND_HOSTBRIDGE;
  map->kind[ACRN_SLOT_LPC] = ACRN_SLOT_KIND_LPC;
  map->kind[ACRN_SLOT_RESERVED] = ACRN_SLOT_KIND_RESERVED;
  map->kind[ACRN_SLOT_CONSOLE] = ACRN_SLOT_KIND_CONSOLE;
  map->kind[ACRN_SLOT_IMAGE] = is_unset (image) ? ACRN_SLOT_KIND_RESERVED
                                                : ACRN_SLOT_KIND_IMAGE;

  if (argv != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-m"));
      g_ptr_array_add (argv, g_strdup_printf ("%uM",
                                              vmm_hypervisor_config_get_memory_mib (config)));
      g_ptr_array_add (argv, g_strdup ("-s"));
      g_ptr_array_add (argv, g_strdup_printf ("%u:0,hostbridge", ACRN_SLOT_HOSTBRIDGE));
      g_ptr_array_add (argv, g_strdup ("-s"));
      g_ptr_array_add (argv, g_strdup_printf ("%u:0,lpc", ACRN_SLOT_LPC));
      g_ptr_array_add (argv, g_strdup ("-l"));
      g_ptr_array_add (argv, g_strdup ("com1,stdio"));
      g_ptr_array_add (argv, g_strdup ("-s"));
      g_ptr_array_add (argv, g_strdup_printf ("%u,virtio-console,@socket:%s=%s",
                                              ACRN_SLOT_CONSOLE,
                                              ACRN_CONSOLE_PORT_NAME, console));
      if (!is_unset (image))
        {
          g_ptr_array_add (argv, g_strdup ("-s"));
          g_ptr_array_add (argv, g_strdup_printf ("%u,virtio-blk,%s",
                                                  ACRN_SLOT_IMAGE, image));
        }
    }

  slot = ACRN_SLOT_FIRST_POOL;
  for (i = 0; i < pool; i++, slot++)
    {
      map->kind[slot] = ACRN_SLOT_KIND_POOL;
      map->index[slot] = (gint) i;
      map->pool_slots[i] = slot;
      if (argv != NULL)
        {
          g_ptr_array_add (argv, g_strdup ("-s"));
          g_ptr_array_add (argv, g_strdup_printf ("%u,virtio-blk,nodisk", slot));
        }
    }
  map->n_pool_slots = pool;

  /* Paths are compared in canonical form ("/a//b/../c" is "/a/c"); that
   * is string work only, symlinks are not followed. */
  seen_init (&seen);
  if (!is_unset (image))
    {
      g_autofree char *canonical = g_canonicalize_filename (image, "/");

      claim (seen.block_paths, canonical, "key 'image'", FALSE);
    }
  {
    g_autofree char *canonical = g_canonicalize_filename (console, "/");

    claim (seen.socket_paths, canonical, "the VM console (slot 3)", FALSE);
  }
  claim (seen.console_names, ACRN_CONSOLE_PORT_NAME, "the VM console (slot 3)", FALSE);

  for (i = 0; i < n_devices; i++)
    {
      VmmDevice *device = g_ptr_array_index (devices, i);

      if (!acrn_cmdline_check_device (device, (int) i, error) ||
          !check_conflicts (&seen, device, (int) i, error))
        goto out;

      if (argv != NULL && vmm_device_get_device_type (device) == VMM_DEVICE_TYPE_VSOCK &&
          vmm_vsock_device_get_cid (VMM_VSOCK_DEVICE (device)) == 0)
        {
          device_error (error, device, (int) i,
                        "key 'cid' is 0 (allocate one): set the allocated CID on "
                        "the device before building the acrn-dm command line");
          goto out;
        }

      if (slot >= ACRN_PCI_SLOT_COUNT)
        {
          g_autofree char *others = i > 0 ? g_strdup_printf (" and devices[0..%u]", i - 1)
                                          : g_strdup ("");

          device_error (error, device, (int) i,
                        "no free PCI slot: acrn-dm has slots 0..%u; 0..%u are fixed, "
                        "%u nodisk drives ('block-pool-size')%s take the others",
                        ACRN_PCI_SLOT_COUNT - 1, ACRN_SLOT_FIRST_POOL - 1, pool,
                        others);
          goto out;
        }

      map->kind[slot] = ACRN_SLOT_KIND_DEVICE;
      map->index[slot] = (gint) i;
      map->device_slots[i] = slot;
      if (argv != NULL)
        {
          g_ptr_array_add (argv, g_strdup ("-s"));
          g_ptr_array_add (argv, format_device (device, slot));
        }
      slot++;
    }
  map->n_device_slots = n_devices;

  if (out_params != NULL)
    *out_params = g_steal_pointer (&params);
  ok = TRUE;

out:
  seen_clear (&seen);
  return ok;
}

static gboolean
check_file (const char  *where,
            VmmError     code,
            const char  *path,
            gboolean     block_device_ok,
            GError     **error)
{
  g_autofree char *shown = printable (path);
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, VMM_ERROR, code, "%s: cannot use '%s': %s",
                   where, shown, g_strerror (saved_errno));
      return FALSE;
    }

  if (!S_ISREG (st.st_mode) && !(block_device_ok && S_ISBLK (st.st_mode)))
    {
      g_set_error (error, VMM_ERROR, code, "%s: '%s' is not a %s",
                   where, shown,
                   block_device_ok ? "regular file or block device" : "regular file");
      return FALSE;
    }

  if (g_access (path, R_OK) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, VMM_ERROR, code, "%s: '%s' is not readable: %s",
                   where, shown, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/**
 * acrn_cmdline_check_config:
 * @config: a config
 * @error: return location for a #GError
 *
 * Checks everything acrn_cmdline_build() checks about @config (with the
 * default console path), then the files: `kernel`, `firmware`, `initrd`,
 * `image` and the block devices' paths must exist, be regular files (the
 * image and disks may also be block devices) and be readable.
 *
 * Returns: %TRUE if @config can make an acrn-dm command line; otherwise
 *   %FALSE with %VMM_ERROR_INVALID_CONFIG naming the key, or
 *   %VMM_ERROR_INVALID_ARGUMENT naming the device and its key
 */
gboolean
acrn_cmdline_check_config (VmmHypervisorConfig  *config,
                           GError              **error)
{
  static const char * const keys[] = { "kernel", "firmware", "initrd", "image" };
  AcrnSlotMap map;
  GPtrArray *devices;
  guint i;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (config), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!layout (config, NULL, NULL, &map, NULL, error))
    return FALSE;

  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *path = NULL;
      g_autofree char *where = NULL;

      switch (i)
        {
        case 0: path = vmm_hypervisor_config_get_kernel (config); break;
        case 1: path = vmm_hypervisor_config_get_firmware (config); break;
        case 2: path = vmm_hypervisor_config_get_initrd (config); break;
        case 3: path = vmm_hypervisor_config_get_image (config); break;
        default: g_assert_not_reached ();
        }
      if (is_unset (path))
        continue;

      where = g_strdup_printf ("key '%s'", keys[i]);
      if (!check_file (where, VMM_ERROR_INVALID_CONFIG, path, i == 3, error))
        return FALSE;
    }

  devices = vmm_hypervisor_config_get_devices (config);
  for (i = 0; devices != NULL && i < devices->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (devices, i);
      g_autofree char *label = NULL;
      g_autofree char *where = NULL;

      if (vmm_device_get_device_type (device) != VMM_DEVICE_TYPE_BLOCK)
        continue;

      label = device_label (device, (int) i);
      where = g_strdup_printf ("%s: key 'path'", label);
      if (!check_file (where, VMM_ERROR_INVALID_ARGUMENT,
                       vmm_block_device_get_path (VMM_BLOCK_DEVICE (device)),
                       TRUE, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
check_vm_name (const char  *name,
               GError     **error)
{
  g_autofree char *shown = printable (name);
  const char *p;

  if (*name == '\0' || strlen (name) > ACRN_VM_NAME_MAX)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "VM name '%s' is %zu bytes long; acrn-dm takes 1 to %d",
                   shown, strlen (name), ACRN_VM_NAME_MAX);
      return FALSE;
    }

  /* The name becomes a socket file name that acrnctl cuts at the first
   * '.' (see acrn-name.c): keep to the characters acrn_vm_name_for_id()
   * produces. */
  for (p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                       "VM name '%s' may only have letters, digits, '-' and '_'",
                       shown);
          return FALSE;
        }
    }

  return TRUE;
}

static char *
format_lapic_ids (VmmHypervisorConfig  *config,
                  const guint          *lapic_ids,
                  gsize                 n_lapic_ids,
                  GError              **error)
{
  guint vcpus = vmm_hypervisor_config_get_vcpus (config);
  GString *s;
  gsize i, j;

  /* ACRN 3.x gives a VM one vCPU per LAPIC id of --cpu_affinity */
  if (n_lapic_ids != vcpus)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "%zu LAPIC ids given for --cpu_affinity, but key 'vcpus' is %u; "
                   "acrn-dm runs one vCPU per LAPIC id", n_lapic_ids, vcpus);
      return NULL;
    }

  for (i = 0; i < n_lapic_ids; i++)
    for (j = 0; j < i; j++)
      if (lapic_ids[i] == lapic_ids[j])
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                       "LAPIC id %u is given twice for --cpu_affinity", lapic_ids[i]);
          return NULL;
        }

  s = g_string_new (NULL);
  for (i = 0; i < n_lapic_ids; i++)
    g_string_append_printf (s, "%s%u", i > 0 ? "," : "", lapic_ids[i]);

  return g_string_free (s, FALSE);
}

/**
 * acrn_cmdline_build:
 * @config: the VM's config, devices included
 * @vm_name: (nullable): the acrn-dm VM name; %NULL for
 *   acrn_vm_name_for_id() of the config's id
 * @lapic_ids: (array length=n_lapic_ids): the LAPIC ids for
 *   `--cpu_affinity`, one per vCPU (the CPU allocator's choice)
 * @n_lapic_ids: the number of @lapic_ids; must equal the config's `vcpus`
 * @console_path: (nullable): the VM console socket; %NULL for
 *   `<store-dir>/<id>/console.sock`
 * @out_slot_map: (out caller-allocates) (optional): where to store which
 *   PCI slot holds what
 * @error: return location for a #GError
 *
 * Builds the complete acrn-dm argv (argv[0] is the config's
 * `hypervisor-path`, %ACRN_DM_DEFAULT_PATH when unset) in the layout
 * described at the top of acrn-cmdline.c. A vsock device must have its
 * CID by now: 0 ("allocate one") is refused. A pure function: no file is
 * looked at, so a missing kernel is not noticed here (see
 * acrn_cmdline_check_config()). The same config and arguments always give
 * the same argv.
 *
 * Returns: (transfer full) (array zero-terminated=1): the argv, or %NULL
 *   with %VMM_ERROR_INVALID_CONFIG (a config key) or
 *   %VMM_ERROR_INVALID_ARGUMENT (a device, or the arguments)
 */
GStrv
acrn_cmdline_build (VmmHypervisorConfig  *config,
                    const char           *vm_name,
                    const guint          *lapic_ids,
                    gsize                 n_lapic_ids,
                    const char           *console_path,
                    AcrnSlotMap          *out_slot_map,
                    GError              **error)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *params = NULL;
  g_autofree char *name = NULL;
  g_autofree char *affinity = NULL;
  const char *dm_path, *kernel, *firmware, *initrd;
  AcrnSlotMap map;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (config), NULL);
  g_return_val_if_fail (lapic_ids != NULL || n_lapic_ids == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dm_path = vmm_hypervisor_config_get_hypervisor_path (config);
  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (is_unset (dm_path) ? ACRN_DM_DEFAULT_PATH : dm_path));

  if (!layout (config, console_path, argv, &map, &params, error))
    return NULL;

  /* The caller's arguments, after the config so that config errors win. */
  name = vm_name != NULL ? g_strdup (vm_name)
                         : acrn_vm_name_for_id (vmm_hypervisor_config_get_id (config));
  if (!check_vm_name (name, error))
    return NULL;

  affinity = format_lapic_ids (config, lapic_ids, n_lapic_ids, error);
  if (affinity == NULL)
    return NULL;

  g_ptr_array_add (argv, g_strdup ("--cpu_affinity"));
  g_ptr_array_add (argv, g_steal_pointer (&affinity));

  kernel = vmm_hypervisor_config_get_kernel (config);
  firmware = vmm_hypervisor_config_get_firmware (config);
  initrd = vmm_hypervisor_config_get_initrd (config);
  if (!is_unset (kernel))
    {
      g_ptr_array_add (argv, g_strdup ("-k"));
      g_ptr_array_add (argv, g_strdup (kernel));
    }
  else
    {
      g_ptr_array_add (argv, g_strdup ("--ovmf"));
      g_ptr_array_add (argv, g_strdup (firmware));
    }
  if (!is_unset (initrd))
    {
      g_ptr_array_add (argv, g_strdup ("-r"));
      g_ptr_array_add (argv, g_strdup (initrd));
    }
  g_ptr_array_add (argv, g_strdup ("-B"));
  g_ptr_array_add (argv, g_steal_pointer (&params));
  g_ptr_array_add (argv, g_steal_pointer (&name));
  g_ptr_array_add (argv, NULL);

  if (out_slot_map != NULL)
    *out_slot_map = map;

  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

/**
 * acrn_slot_kind_to_string:
 * @kind: a slot kind
 *
 * Returns: a short stable name for @kind ("free", "hostbridge", "lpc",
 *   "reserved", "console", "image", "pool", "device"), e.g. for a state file
 */
const char *
acrn_slot_kind_to_string (AcrnSlotKind kind)
{
  switch (kind)
    {
    case ACRN_SLOT_KIND_FREE: return "free";
    case ACRN_SLOT_KIND_HOSTBRIDGE: return "hostbridge";
    case ACRN_SLOT_KIND_LPC: return "lpc";
    case ACRN_SLOT_KIND_RESERVED: return "reserved";
    case ACRN_SLOT_KIND_CONSOLE: return "console";
    case ACRN_SLOT_KIND_IMAGE: return "image";
    case ACRN_SLOT_KIND_POOL: return "pool";
    case ACRN_SLOT_KIND_DEVICE: return "device";
    default: return "unknown";
    }
}
