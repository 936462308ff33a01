/* fake-acrn-dm.c: a stand-in for ACRN's device model, acrn-dm 3.x
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Test program only. It checks its command line like acrn-dm 3.x (same
 * options, same exit codes, the same messages where the real program has
 * them), then behaves like a running acrn-dm: it creates the manager socket
 * <mngr-dir>/<NAME>.monitor.<PID>.socket and speaks the 280-byte manager
 * protocol byte for byte, opens its devices' backing files, prints COM1 on
 * stdout, and powers off on SIGINT/SIGHUP or DM_STOP. See README.md next to
 * this file for the full list of rules and where the fake is stricter.
 *
 * Start-up order (as acrn-dm): parse options (the first error exits) ->
 * check iasl -> check the name -> [FAKE_ACRN_EXIT] -> [FAKE_ACRN_PARSE_ONLY]
 * -> HSM (vm_create) -> memory -> [FAKE_ACRN_SLOW_MS] -> manager socket ->
 * open every -s device -> run (COM1 boot lines on stdout).
 *
 * Exit status: 0 power-off (SIGINT, SIGHUP, DM_STOP, guest shutdown), 1 most
 * errors (bad -s, name, HSM, devices, unknown option / usage), 10 kernel
 * (-k) cannot be read, 11 initrd (-r) cannot be read, 64 (EX_USAGE) bad
 * -m/-l/--ovmf/--cpu_affinity/--virtio_poll/--logger_setting/
 * --pm_notify_channel, killed by SIGSEGV with FAKE_ACRN_CRASH_MS, killed by
 * SIGTERM (acrn-dm has no SIGTERM handler; the socket is left behind).
 *
 * Environment (all optional):
 *   FAKE_ACRN_MNGR_DIR=DIR       manager socket dir (default /run/acrn/mngr,
 *                                created if missing)
 *   FAKE_ACRN_PARSE_ONLY=1       exit 0 after a successful parse, name check and
 *                                -s config check, printing nothing
 *   FAKE_ACRN_NO_HSM=1           no HSM: prints "vm_create: NAME",
 *                                "Could not open /dev/acrn_vhm", "vm_create failed"
 *                                on stderr, exit 1
 *   FAKE_ACRN_NO_IASL=1          no iasl on PATH: exit 1 at the iasl step
 *   FAKE_ACRN_EXIT=CODE:MESSAGE  print MESSAGE on stderr and exit CODE right
 *                                after parsing
 *   FAKE_ACRN_CRASH_MS=N         die by SIGSEGV N ms after the socket is up
 *                                (the socket file stays behind)
 *   FAKE_ACRN_IGNORE_SIGINT=1    ignore SIGINT, SIGHUP and SIGTERM
 *   FAKE_ACRN_NO_SOCKET=1        never create the manager socket, keep running
 *   FAKE_ACRN_SLOW_MS=N          wait N ms before creating the socket
 *   FAKE_ACRN_ARGV_LOG=PATH      append argv[1..], one per line, then "--"
 *   FAKE_ACRN_STDOUT_LINES=N     print N extra numbered lines on stdout after boot
 *   FAKE_ACRN_VHOST_VSOCK=PATH   the vhost-vsock device node (default
 *                                /dev/vhost-vsock); it must open O_RDWR; a cid is
 *                                exclusive among fakes using the same PATH
 *   FAKE_ACRN_TAPS=A,B,...       only these tap interfaces exist (default: all);
 *                                a missing tap is a warning (link down), as in 3.x
 *   FAKE_ACRN_PCI_STUB=BB:DD.F,.. only these PCI devices are bound to pci-stub
 *                                (default: all); another one fails passthru
 *   FAKE_ACRN_LAPIC_IDS=A,B,...  the LAPIC ids of the Service VM; --cpu_affinity
 *                                must use only these (default: any)
 *   FAKE_ACRN_DEVICES_LOG=PATH   (re)written after boot and each blkrescan: one
 *                                line per -s device "B:S:F<TAB>EMUL<TAB>STATE<TAB>
 *                                DETAIL", STATE opened|not-opened|empty
 *   FAKE_ACRN_GUEST_SHUTDOWN_MS=N  delay between a graceful DM_STOP ack and the
 *                                power-off (default 100)
 *   FAKE_ACRN_REASSEMBLE=1       reassemble manager messages split over several
 *                                reads (acrn-dm does not: it parses each read()
 *                                on its own and drops a partial message)
 *   FAKE_ACRN_LOG_STDOUT=1       send the log lines to stdout, as acrn-dm's console
 *                                logger does (default: stderr)
 *   FAKE_ACRN_MAX_LIFETIME_S=N   safety valve for leaked fakes on shared machines:
 *                                power off (exit 0) after N s (default 1800, 0 = never)
 */
#include "fake-acrn-common.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <netinet/ether.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define EX_USAGE_CODE 64
#define STR_LEN 1024        /* acrn-dm's limit for -k/-r paths */
#define BOOT_ARG_LEN 2048   /* acrn-dm's limit for -B */
#define MIN_MEMSIZE (128 * 1024 * 1024ULL)
#define MNGR_MAX_CLIENT 4   /* acrn-dm serves at most 4 clients at a time */
#define CLIENT_BUF_LEN 4096 /* and reads at most 4096 bytes at a time */
#define MAX_SLOTS 32
#define MAX_FUNCS 8
#define MAX_BUSES 256

typedef enum {
  EMUL_HOSTBRIDGE,
  EMUL_LPC,
  EMUL_VIRTIO_CONSOLE,
  EMUL_VIRTIO_BLK,
  EMUL_VIRTIO_NET,
  EMUL_VHOST_VSOCK,
  EMUL_PASSTHRU,
  EMUL_VIRTIO_RND,
  N_EMULS
} EmulKind;

static const char *const emul_names[N_EMULS] = {
  "hostbridge", "lpc", "virtio-console", "virtio-blk",
  "virtio-net", "vhost-vsock", "passthru", "virtio-rnd",
};

typedef enum {
  PM_NONE,
  PM_IOC,
  PM_POWER_BUTTON,
  PM_UART,
} PmChannel;

typedef struct {
  int bus, slot, func;
  EmulKind kind;
  char *config;            /* text after EMUL, NULL when absent */
  char *config_error;      /* found at parse, reported at device init */

  /* virtio-blk */
  char *blk_path;
  gboolean blk_ro;
  gboolean blk_nodisk;
  gboolean blk_filled;     /* a nodisk slot filled by DM_BLKRESCAN */
  /* virtio-net */
  char *net_tap;
  gboolean net_legacy;
  /* vhost-vsock */
  guint64 vsock_cid;
  /* virtio-console */
  char *con_backend;
  char *con_name;
  char *con_path;
  gboolean con_client;
  /* passthru */
  guint pt_bus, pt_dev, pt_func;

  /* run time */
  const char *state;       /* opened, not-opened, empty */
  char *detail;
  int fd;
  int fd2;
  guint source;
} Device;

typedef struct {
  int fd;
  guint source;
  guint8 buf[CLIENT_BUF_LEN];
  gsize len;
} Client;

typedef struct {
  /* options */
  char *name;
  guint64 memsize;
  GPtrArray *devices;          /* Device*, in command-line order */
  char *com[4];                /* -l backends, index 0 = COM1 */
  char *kernel;
  char *ramdisk;
  char *bootargs;
  char *ovmf;
  char *iasl;
  PmChannel pm_channel;
  gboolean rtvm;
  gboolean lapic_pt;

  /* run time */
  GMainLoop *loop;
  char *mngr_dir;
  char *sock_path;
  int listen_fd;
  guint listen_source;
  GList *clients;
  guint n_clients;
  int state;                   /* what DM_QUERY answers */
  gboolean powering_off;
  int exit_code;
  int hsm_claim;
  gboolean reassemble;
} Dm;

static Dm dm;
static FILE *log_stream;
static gboolean parse_only;

static void dm_log (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
static void dm_note (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
static void dm_errx (int code, const char *fmt, ...) G_GNUC_PRINTF (2, 3) G_GNUC_NORETURN;

/* pr_err/pr_notice/...: acrn-dm's console logger */
static void
dm_log (const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vfprintf (log_stream, fmt, ap);
  va_end (ap);
  fputc ('\n', log_stream);
  fflush (log_stream);
}

/* a routine line of the parse stage: silent with FAKE_ACRN_PARSE_ONLY */
static void
dm_note (const char *fmt, ...)
{
  va_list ap;

  if (parse_only)
    return;
  va_start (ap, fmt);
  vfprintf (log_stream, fmt, ap);
  va_end (ap);
  fputc ('\n', log_stream);
  fflush (log_stream);
}

/* errx(3) as acrn-dm calls it: "acrn-dm: MESSAGE" on stderr */
static void
dm_errx (int code, const char *fmt, ...)
{
  va_list ap;

  fputs ("acrn-dm: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  exit (code);
}

static void G_GNUC_NORETURN
usage (int code)
{
  fprintf (stderr,
           "Usage: acrn-dm [-hAv] [-B bootargs] [-k kernel] [-l <lpc>] [-m mem]\n"
           "       %*s [-r ramdisk] [-s <pci>] [--ovmf [w,]ovmf_file] [--iasl iasl_compiler]\n"
           "       %*s [--cpu_affinity lapic_ids] [--pm_notify_channel channel]\n"
           "       %*s [--logger_setting setting] [--virtio_poll interval] [--rtvm]\n"
           "       %*s [--lapic_pt] [--windows] [--debugexit] <vm>\n"
           "       -A: create ACPI tables (obsolete)\n"
           "       -B: bootargs for kernel\n"
           "       -h: help\n"
           "       -k: kernel image path\n"
           "       -l: LPC device configuration\n"
           "       -m: memory size in MB\n"
           "       -r: ramdisk image path\n"
           "       -s: <slot,driver,configinfo> PCI slot config\n"
           "       -v: version\n",
           7, "", 7, "", 7, "", 7, "");
  exit (code);
}

/* ------------------------------------------------------------------------ */
/* option parsing                                                           */

static gboolean
parse_memsize (const char *s,
               guint64    *out)
{
  char *end = NULL;
  guint64 v;
  int shift;

  if (!g_ascii_isdigit (s[0]))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoull (s, &end, 0); /* base 0, as acrn-dm: 0x800M works */
  if (errno != 0 || end == s)
    return FALSE;
  switch (g_ascii_tolower (*end))
    {
    case 'g': shift = 30; break;
    case 'm': shift = 20; break;
    case 'k': shift = 10; break;
    default: return FALSE; /* a bare number (or a unit of bytes) is refused */
    }
  if (end[1] != '\0')
    return FALSE;
  if (v > (G_MAXUINT64 >> shift))
    return FALSE;
  v <<= shift;
  if (v < MIN_MEMSIZE)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_lpc (const char *opt)
{
  g_autofree char *copy = g_strdup (opt);
  char *rest = copy;
  char *uart = strsep (&rest, ",");
  char *backend = rest;
  int unit = -1;

  for (int i = 0; i < 4; i++)
    {
      char cname[8];
      g_snprintf (cname, sizeof cname, "com%d", i + 1);
      if (g_ascii_strcasecmp (uart, cname) == 0)
        unit = i;
    }
  if (unit < 0 || backend == NULL || *backend == '\0')
    return FALSE;
  if (dm.com[unit] != NULL)
    return FALSE; /* the same port twice */
  if (strcmp (backend, "stdio") == 0)
    {
      for (int i = 0; i < 4; i++)
        if (dm.com[i] != NULL && strcmp (dm.com[i], "stdio") == 0)
          return FALSE; /* stdio can back one port only */
    }
  else if (g_str_has_prefix (backend, "tcp:"))
    {
      guint64 port;
      if (!fake_parse_dec (backend + 4, 65535, &port) || port == 0)
        return FALSE;
    }
  else if (backend[0] != '/')
    {
      return FALSE;
    }
  dm.com[unit] = g_strdup (backend);
  return TRUE;
}

/* SLOT[:FUNC] or BUS:SLOT:FUNC, decimal; ':', '/' and '.' all separate
 * fields, like acrn-dm's parse_bdf() */
static gboolean
parse_slot_bdf (const char *s,
                int        *bus,
                int        *slot,
                int        *func)
{
  g_auto(GStrv) parts = NULL;
  guint n;
  guint64 v[3];
  g_autofree char *norm = g_strdup (s);

  g_strdelimit (norm, "/.", ':');
  parts = g_strsplit (norm, ":", -1);
  n = g_strv_length (parts);
  if (n < 1 || n > 3)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!fake_parse_dec (parts[i], G_MAXINT, &v[i]))
      return FALSE;
  *bus = 0;
  *func = 0;
  if (n == 1)
    *slot = (int) v[0];
  else if (n == 2)
    {
      *slot = (int) v[0];
      *func = (int) v[1];
    }
  else
    {
      *bus = (int) v[0];
      *slot = (int) v[1];
      *func = (int) v[2];
    }
  return TRUE;
}

static char *
check_blk_config (Device     *dev,
                  const char *config,
                  gboolean    allow_nodisk)
{
  g_auto(GStrv) fields = NULL;

  if (config == NULL)
    return g_strdup ("virtio_blk: backing device required");
  fields = g_strsplit (config, ",", -1);
  if (fields[0][0] == '\0')
    return g_strdup ("virtio_blk: backing device required");
  if (strcmp (fields[0], "nodisk") == 0)
    {
      if (!allow_nodisk)
        return g_strdup ("virtio_blk: 'nodisk' is not a backing file");
      dev->blk_nodisk = TRUE;
    }
  g_free (dev->blk_path);
  dev->blk_path = g_strdup (fields[0]);
  dev->blk_ro = FALSE;
  for (guint i = 1; fields[i] != NULL; i++)
    {
      if (strcmp (fields[i], "ro") == 0)
        dev->blk_ro = TRUE;
      else if (strcmp (fields[i], "writeback") == 0 || strcmp (fields[i], "writethru") == 0)
        ;
      else
        return g_strdup_printf ("Invalid device option \"%s\"", fields[i]);
    }
  return NULL;
}

static gboolean
check_mac (const char *mac)
{
  struct ether_addr ea;
  static const guint8 zero[ETH_ALEN];

  if (ether_aton_r (mac, &ea) == NULL)
    return FALSE;
  if (memcmp (ea.ether_addr_octet, zero, ETH_ALEN) == 0)
    return FALSE;
  if (ea.ether_addr_octet[0] & 0x01) /* multicast */
    return FALSE;
  return TRUE;
}

static char *
check_net_config (Device *dev)
{
  g_auto(GStrv) fields = NULL;

  if (dev->config == NULL)
    return g_strdup ("virtio_net: invalid optional argument");
  fields = g_strsplit (dev->config, ",", -1);
  if (g_str_has_prefix (fields[0], "tap="))
    {
      const char *ifname = fields[0] + 4;
      if (*ifname == '\0')
        return g_strdup ("virtio_net: empty tap name in 'tap='");
      if (strlen (ifname) >= 16)
        return g_strdup_printf ("virtio_net: tap name '%s' is longer than 15 characters (IFNAMSIZ)",
                                ifname);
      dev->net_tap = g_strdup (ifname);
    }
  else
    {
      /* the 1.x/2.x form "IFNAME,mac=..." (and anything else that is not
       * tap=...): acrn-dm 3.x opens no tap for it, silently */
      dev->net_legacy = TRUE;
    }
  for (guint i = 1; fields[i] != NULL; i++)
    {
      if (strcmp (fields[i], "vhost") == 0)
        continue;
      if (g_str_has_prefix (fields[i], "mac="))
        {
          if (!check_mac (fields[i] + 4))
            return g_strdup_printf ("Invalid MAC %s", fields[i] + 4);
          continue;
        }
      if (g_str_has_prefix (fields[i], "mac_seed="))
        continue;
      /* acrn-dm ignores unknown fields; the fake refuses them, since they
       * can only come from a value with a comma in it */
      return g_strdup_printf ("virtio_net: unknown option \"%s\"", fields[i]);
    }
  return NULL;
}

static char *
check_vsock_config (Device *dev)
{
  guint64 cid;

  if (dev->config == NULL || !g_str_has_prefix (dev->config, "cid="))
    return g_strdup ("vhost_vsock: must have a valid guest_cid.");
  if (!fake_parse_dec (dev->config + 4, G_MAXUINT64, &cid) || cid <= 2 || cid >= 0xffffffffULL)
    return g_strdup ("vhost_vsock: guest_cid has to be 0x2 < guest_cid < 0xffffffff");
  dev->vsock_cid = cid;
  return NULL;
}

static char *
check_console_config (Device *dev)
{
  g_autofree char *copy = NULL;
  char *opt;
  char *backend;
  static const char *const backends[] = { "stdio", "tty", "pty", "file", "socket" };
  gboolean known = FALSE;

  if (dev->config == NULL)
    return g_strdup ("vtcon: invalid opts");
  if (strchr (dev->config, ',') != NULL)
    return g_strdup ("vtcon: fake-acrn-dm takes exactly one port per virtio-console "
                     "(acrn-dm 3.x keeps only the last one of a list)");
  copy = g_strdup (dev->config);
  opt = copy;
  backend = strsep (&opt, ":");
  if (backend[0] == '@')
    backend++;
  for (guint i = 0; i < G_N_ELEMENTS (backends); i++)
    if (g_ascii_strcasecmp (backend, backends[i]) == 0)
      known = TRUE;
  if (!known)
    return g_strdup_printf ("vtcon: invalid backend %s!", backend);
  dev->con_backend = g_ascii_strdown (backend, -1);
  if (strcmp (dev->con_backend, "tty") == 0 || strcmp (dev->con_backend, "pty") == 0)
    return g_strdup_printf ("vtcon: backend %s is not supported by fake-acrn-dm", backend);
  if (strcmp (dev->con_backend, "socket") == 0)
    {
      char *name = opt != NULL ? strsep (&opt, "=") : NULL;
      char *path = opt != NULL ? strsep (&opt, ":") : NULL;
      char *type = opt;

      if (name == NULL || *name == '\0')
        return g_strdup ("vtcon: socket port without a name");
      if (path == NULL || *path == '\0')
        return g_strdup ("vtcon: portpath is NULL");
      if (strlen (path) >= sizeof (((struct sockaddr_un *) NULL)->sun_path))
        return g_strdup_printf ("vtcon: socket path %s is longer than 107 bytes", path);
      if (type != NULL && strcmp (type, "server") != 0 && strcmp (type, "client") != 0)
        return g_strdup ("Socket type not exist");
      dev->con_name = g_strdup (name);
      dev->con_path = g_strdup (path);
      dev->con_client = type != NULL && strcmp (type, "client") == 0;
    }
  else if (strcmp (dev->con_backend, "file") == 0)
    {
      char *name = opt != NULL ? strsep (&opt, "=") : NULL;
      if (opt == NULL || *opt == '\0')
        return g_strdup_printf ("vtcon: portpath missing for %s", name ? name : "(null)");
      dev->con_name = g_strdup (name);
      dev->con_path = g_strdup (opt);
    }
  else
    {
      /* stdio[:NAME] */
      dev->con_name = g_strdup (opt);
    }
  return NULL;
}

static char *
check_passthru_config (Device *dev)
{
  g_auto(GStrv) fields = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *norm = NULL;
  guint64 v[3] = { 0, 0, 0 };
  guint n;
  static const char *const known_opts[] = { "keep_gsi", "no_reset", "d3hot_reset", "enable_ptm" };

  if (dev->config == NULL)
    return g_strdup ("passthru: invalid options (BUS/DEV/FUNC required)");
  fields = g_strsplit (dev->config, ",", -1);
  norm = g_strdup (fields[0]);
  g_strdelimit (norm, ":.", '/');
  parts = g_strsplit (norm, "/", -1);
  n = g_strv_length (parts);
  if (n != 2 && n != 3)
    return g_strdup_printf ("passthru: invalid bdf %s", fields[0]);
  for (guint i = 0; i < n; i++)
    if (!fake_parse_hex (parts[i], 0xff, &v[i + (3 - n)]))
      return g_strdup_printf ("passthru: invalid bdf %s", fields[0]);
  if (v[1] > 0x1f || v[2] > 7)
    return g_strdup_printf ("passthru: invalid bdf %s", fields[0]);
  dev->pt_bus = (guint) v[0];
  dev->pt_dev = (guint) v[1];
  dev->pt_func = (guint) v[2];
  for (guint i = 1; fields[i] != NULL; i++)
    {
      gboolean ok = FALSE;
      for (guint j = 0; j < G_N_ELEMENTS (known_opts); j++)
        if (strcmp (fields[i], known_opts[j]) == 0)
          ok = TRUE;
      if (!ok)
        return g_strdup_printf ("passthru: unknown option \"%s\"", fields[i]);
    }
  return NULL;
}

static char *
check_device_config (Device *dev)
{
  switch (dev->kind)
    {
    case EMUL_HOSTBRIDGE:
    case EMUL_VIRTIO_RND:
      if (dev->config != NULL)
        return g_strdup_printf ("%s: takes no options (got \"%s\")",
                                emul_names[dev->kind], dev->config);
      return NULL;
    case EMUL_LPC:
      if (dev->config != NULL)
        return g_strdup_printf ("lpc: takes no options (got \"%s\")", dev->config);
      if (dev->bus != 0)
        return g_strdup ("pci_lpc: LPC bridge can only be on bus 0.");
      for (guint i = 0; i < dm.devices->len; i++)
        {
          Device *other = g_ptr_array_index (dm.devices, i);
          if (other != dev && other->kind == EMUL_LPC)
            return g_strdup ("pci_lpc: Only one LPC bridge is allowed.");
        }
      return NULL;
    case EMUL_VIRTIO_BLK:
      return check_blk_config (dev, dev->config, TRUE);
    case EMUL_VIRTIO_NET:
      return check_net_config (dev);
    case EMUL_VHOST_VSOCK:
      return check_vsock_config (dev);
    case EMUL_VIRTIO_CONSOLE:
      return check_console_config (dev);
    case EMUL_PASSTHRU:
      return check_passthru_config (dev);
    case N_EMULS:
    default:
      g_assert_not_reached ();
    }
}

static void
parse_slot (const char *opt)
{
  g_autofree char *copy = g_strdup (opt);
  char *rest = copy;
  char *bdf = strsep (&rest, ",");
  char *emul;
  int bus, slot, func;
  Device *dev;
  int kind = -1;

  if (rest == NULL)
    {
      fprintf (stderr, "Invalid PCI slot info field \"%s\"\n", opt);
      exit (1);
    }
  emul = strsep (&rest, ",");
  if (!parse_slot_bdf (bdf, &bus, &slot, &func) ||
      bus < 0 || bus >= MAX_BUSES || slot < 0 || slot >= MAX_SLOTS ||
      func < 0 || func >= MAX_FUNCS)
    {
      fprintf (stderr, "Invalid PCI slot info field \"%s\"\n", opt);
      exit (1);
    }
  for (guint i = 0; i < dm.devices->len; i++)
    {
      Device *other = g_ptr_array_index (dm.devices, i);
      if (other->bus == bus && other->slot == slot && other->func == func)
        {
          fprintf (stderr, "pci slot %d:%d already occupied!\n", slot, func);
          exit (1);
        }
    }
  for (int i = 0; i < N_EMULS; i++)
    if (strcmp (emul, emul_names[i]) == 0)
      kind = i;
  if (kind < 0)
    {
      fprintf (stderr, "pci slot %d:%d: unknown device \"%s\"\n", slot, func, emul);
      exit (1);
    }

  dev = g_new0 (Device, 1);
  dev->bus = bus;
  dev->slot = slot;
  dev->func = func;
  dev->kind = (EmulKind) kind;
  dev->config = g_strdup (rest);
  dev->fd = -1;
  dev->fd2 = -1;
  g_ptr_array_add (dm.devices, dev);
  dev->config_error = check_device_config (dev);
}

static void
device_free (gpointer data)
{
  Device *dev = data;

  if (dev->source != 0)
    g_source_remove (dev->source);
  if (dev->fd >= 0)
    close (dev->fd);
  if (dev->fd2 >= 0)
    close (dev->fd2);
  g_free (dev->config);
  g_free (dev->config_error);
  g_free (dev->blk_path);
  g_free (dev->net_tap);
  g_free (dev->con_backend);
  g_free (dev->con_name);
  g_free (dev->con_path);
  g_free (dev->detail);
  g_free (dev);
}

static int
check_image (const char *path)
{
  FILE *fp = fopen (path, "r");
  long len;

  if (fp == NULL)
    {
      dm_log ("SW_LOAD ERR: image file failed to open");
      return -1;
    }
  fseek (fp, 0, SEEK_END);
  len = ftell (fp);
  fclose (fp);
  if (len <= 0)
    {
      dm_log ("SW_LOAD ERR: file is empty");
      return -1;
    }
  return 0;
}

static gboolean
parse_cpu_affinity (const char *opt)
{
  g_auto(GStrv) ids = g_strsplit (opt, ",", -1);
  g_auto(GStrv) allowed = NULL;
  const char *allowed_env = g_getenv ("FAKE_ACRN_LAPIC_IDS");
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (allowed_env != NULL)
    allowed = g_strsplit (allowed_env, ",", -1);
  if (ids[0] == NULL)
    return FALSE;
  for (guint i = 0; ids[i] != NULL; i++)
    {
      guint64 id;
      if (!fake_parse_dec (ids[i], 0xfffffffeULL, &id))
        return FALSE;
      if (!g_hash_table_add (seen, ids[i]))
        return FALSE; /* the same CPU twice */
      if (allowed != NULL && !g_strv_contains ((const char *const *) allowed, ids[i]))
        {
          dm_log ("lapic id %s is not a CPU of the Service VM", ids[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
parse_logger_setting (const char *opt)
{
  g_auto(GStrv) elems = g_strsplit (opt, ";", -1);

  if (elems[0] == NULL)
    return FALSE;
  for (guint i = 0; elems[i] != NULL; i++)
    {
      char *comma = strchr (elems[i], ',');
      guint64 level;

      if (comma == NULL || !g_str_has_prefix (comma + 1, "level=") ||
          !fake_parse_dec (comma + 7, 5, &level) || level < 1)
        {
          fprintf (stderr, "logger setting param error: %s, please check!\n", elems[i]);
          return FALSE;
        }
      *comma = '\0';
      if (strcmp (elems[i], "console") != 0 && strcmp (elems[i], "kmsg") != 0 &&
          strcmp (elems[i], "disk") != 0)
        {
          fprintf (stderr, "there is no logger: %s found in DM, please check!\n", elems[i]);
          return FALSE;
        }
      dm_note ("logger: name=%s, level=%u", elems[i], (guint) level);
    }
  return TRUE;
}

enum {
  OPT_OVMF = 1000,
  OPT_IASL,
  OPT_CPU_AFFINITY,
  OPT_VIRTIO_POLL,
  OPT_DEBUGEXIT,
  OPT_LAPIC_PT,
  OPT_RTVM,
  OPT_LOGGER_SETTING,
  OPT_PM_NOTIFY_CHANNEL,
  OPT_WINDOWS,
};

static const struct option long_options[] = {
  { "acpi", no_argument, NULL, 'A' },
  { "lpc", required_argument, NULL, 'l' },
  { "pci_slot", required_argument, NULL, 's' },
  { "memsize", required_argument, NULL, 'm' },
  { "kernel", required_argument, NULL, 'k' },
  { "ramdisk", required_argument, NULL, 'r' },
  { "bootargs", required_argument, NULL, 'B' },
  { "version", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { "ovmf", required_argument, NULL, OPT_OVMF },
  { "iasl", required_argument, NULL, OPT_IASL },
  { "cpu_affinity", required_argument, NULL, OPT_CPU_AFFINITY },
  { "virtio_poll", required_argument, NULL, OPT_VIRTIO_POLL },
  { "debugexit", no_argument, NULL, OPT_DEBUGEXIT },
  { "lapic_pt", no_argument, NULL, OPT_LAPIC_PT },
  { "rtvm", no_argument, NULL, OPT_RTVM },
  { "logger_setting", required_argument, NULL, OPT_LOGGER_SETTING },
  { "pm_notify_channel", required_argument, NULL, OPT_PM_NOTIFY_CHANNEL },
  { "windows", no_argument, NULL, OPT_WINDOWS },
  { NULL, 0, NULL, 0 },
};

/* -U still has an argument slot in acrn-dm 3.x's optstring but no case: it
 * falls to usage(1) like -c and -W, which are gone altogether */
static const char optstr[] = "AhvU:k:r:B:s:m:l:";

static void
parse_args (int    argc,
            char **argv)
{
  int c;
  g_autofree char **gargv = g_new0 (char *, argc + 1);
  int nargs;

  /* getopt prints "<argv[0]>: invalid option": make that "acrn-dm" */
  memcpy (gargv, argv, sizeof (char *) * (gsize) argc);
  gargv[0] = (char *) "acrn-dm";
  optind = 1;
  opterr = 1;

  while ((c = getopt_long (argc, gargv, optstr, long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'A':
          dm_note ("The '-A' parameter is obsolete and ignored. "
                  "Virtual ACPI tables are always enabled.");
          break;
        case 'l':
          if (!parse_lpc (optarg))
            dm_errx (EX_USAGE_CODE, "invalid lpc device configuration '%s'", optarg);
          break;
        case 's':
          parse_slot (optarg);
          break;
        case 'm':
          if (!parse_memsize (optarg, &dm.memsize))
            dm_errx (EX_USAGE_CODE, "invalid memsize '%s'", optarg);
          break;
        case 'k':
          if (strlen (optarg) >= STR_LEN)
            exit (1);
          if (check_image (optarg) != 0)
            {
              dm_log ("SW_LOAD: check_image failed for '%s'", optarg);
              exit (10);
            }
          g_free (dm.kernel);
          dm.kernel = g_strdup (optarg);
          dm_note ("SW_LOAD: get kernel path %s", optarg);
          break;
        case 'r':
          if (strlen (optarg) >= STR_LEN)
            exit (1);
          if (check_image (optarg) != 0)
            {
              dm_log ("SW_LOAD: check_image failed for '%s'", optarg);
              exit (11);
            }
          g_free (dm.ramdisk);
          dm.ramdisk = g_strdup (optarg);
          dm_note ("SW_LOAD: get ramdisk path %s", optarg);
          break;
        case 'B':
          if (strlen (optarg) >= BOOT_ARG_LEN)
            {
              /* acrn-dm exits 1 here without a word; the fake says why */
              fprintf (stderr, "fake-acrn-dm: -B is %zu bytes, acrn-dm takes at most %d\n",
                       strlen (optarg), BOOT_ARG_LEN - 1);
              exit (1);
            }
          g_free (dm.bootargs);
          dm.bootargs = g_strdup (optarg);
          dm_note ("SW_LOAD: get bootargs %s", optarg);
          break;
        case 'v':
          printf ("DM version is: 3.2-fake (daily tag: libvmm-fake), build by libvmm@tests\n");
          exit (0);
        case 'h':
          usage (0);
        case OPT_OVMF:
          {
            const char *path = optarg;
            if (g_str_has_prefix (path, "w,"))
              path += 2;
            if (strlen (path) >= STR_LEN || check_image (path) != 0)
              dm_errx (EX_USAGE_CODE, "invalid ovmf param %s", optarg);
            g_free (dm.ovmf);
            dm.ovmf = g_strdup (path);
          }
          break;
        case OPT_IASL:
          if (strlen (optarg) >= STR_LEN)
            dm_errx (EX_USAGE_CODE, "invalid iasl param %s", optarg);
          g_free (dm.iasl);
          dm.iasl = g_strdup (optarg);
          break;
        case OPT_CPU_AFFINITY:
          if (!parse_cpu_affinity (optarg))
            dm_errx (EX_USAGE_CODE, "invalid pcpu param %s", optarg);
          break;
        case OPT_VIRTIO_POLL:
          {
            guint64 ns;
            if (!fake_parse_dec (optarg, G_MAXUINT32, &ns) || ns == 0)
              dm_errx (EX_USAGE_CODE, "invalid virtio poll interval %s", optarg);
          }
          break;
        case OPT_DEBUGEXIT:
        case OPT_WINDOWS:
          break;
        case OPT_LAPIC_PT:
          dm.lapic_pt = TRUE;
          break;
        case OPT_RTVM:
          dm.rtvm = TRUE;
          dm.lapic_pt = TRUE;
          break;
        case OPT_LOGGER_SETTING:
          if (!parse_logger_setting (optarg))
            dm_errx (EX_USAGE_CODE, "invalid logger setting params %s", optarg);
          break;
        case OPT_PM_NOTIFY_CHANNEL:
          if (strcmp (optarg, "ioc") == 0)
            dm.pm_channel = PM_IOC;
          else if (strcmp (optarg, "power_button") == 0)
            dm.pm_channel = PM_POWER_BUTTON;
          else if (strcmp (optarg, "uart") == 0 || strcmp (optarg, "uart,allow_trigger_s5") == 0)
            dm.pm_channel = PM_UART;
          else
            dm_errx (EX_USAGE_CODE, "invalid pm_notify_channel: %s", optarg);
          dm_note ("The \"--pm_notify_channel\" parameter is obsolete");
          break;
        default:
          usage (1);
        }
    }

  /* iasl: a given path must be an executable; without one acrn-dm searches
   * PATH, which the fake assumes succeeds unless FAKE_ACRN_NO_IASL=1 */
  if ((dm.iasl != NULL && g_access (dm.iasl, X_OK) != 0) ||
      (dm.iasl == NULL && fake_env_flag ("FAKE_ACRN_NO_IASL")))
    {
      dm_log ("Cannot find Intel ACPI ASL compiler tool \"iasl\".");
      exit (1);
    }

  nargs = argc - optind;
  if (nargs != 1)
    {
      dm_log ("You must provide the name of the Virtual Machine (VM) you want to start. Exiting.");
      usage (1);
    }
  if (dm.lapic_pt && !dm.rtvm)
    {
      dm.lapic_pt = FALSE;
      dm_note ("Only a Realtime VM can use local APIC pass through, '--lapic_pt' is invalid here.");
    }
  dm.name = g_strdup (gargv[optind]);
  if (strnlen (dm.name, FAKE_ACRN_MAX_VM_NAME_LEN) >= FAKE_ACRN_MAX_VM_NAME_LEN)
    {
      dm_log ("The name of the VM exceeds the maximum length: %u",
              FAKE_ACRN_MAX_VM_NAME_LEN - 1);
      exit (1);
    }
}

/* ------------------------------------------------------------------------ */
/* run time                                                                 */

static void
remove_socket (void)
{
  if (dm.sock_path != NULL)
    unlink (dm.sock_path);
  g_clear_pointer (&dm.sock_path, g_free);
}

/* a failure after the manager socket exists: acrn-dm's error path closes
 * the monitor (unlinking the socket) and exits 1 */
static void G_GNUC_NORETURN
fail_after_socket (const char *what)
{
  dm_log ("%s", what);
  dm_log ("Unable to init vdev (%d)", EINVAL);
  remove_socket ();
  exit (1);
}

static void
power_off (void)
{
  if (dm.powering_off)
    return;
  dm.powering_off = TRUE;
  dm.state = FAKE_VM_SUSPEND_POWEROFF;
  dm_log ("VM loop exit");
  dm.exit_code = 0;
  g_main_loop_quit (dm.loop);
}

static gboolean
on_terminate_signal (gpointer user_data)
{
  int signo = GPOINTER_TO_INT (user_data);

  dm_log ("Received %s to terminate application...", signo == SIGHUP ? "SIGHUP" : "SIGINT");
  dm_log ("sig_handler_term: setting VM state to VM_SUSPEND_POWEROFF");
  power_off ();
  return G_SOURCE_CONTINUE;
}

static gboolean
on_crash (gpointer user_data)
{
  struct rlimit no_core = { 0, 0 };

  /* no core file for a planned crash */
  setrlimit (RLIMIT_CORE, &no_core);
  signal (SIGSEGV, SIG_DFL);
  raise (SIGSEGV);
  return G_SOURCE_REMOVE;
}

/* Under AddressSanitizer, let the planned SIGSEGV of FAKE_ACRN_CRASH_MS kill
 * the fake the way a crash kills the real (uninstrumented) acrn-dm, instead
 * of ASan catching it and exiting with its own report. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "handle_segv=0";
}

static gboolean
on_lifetime_over (gpointer user_data)
{
  dm_log ("fake-acrn-dm: FAKE_ACRN_MAX_LIFETIME_S reached, powering off");
  power_off ();
  return G_SOURCE_REMOVE;
}

static gboolean
on_guest_shutdown (gpointer user_data)
{
  dm_log ("guest powered off after the power button");
  power_off ();
  return G_SOURCE_REMOVE;
}

static void
write_devices_log (void)
{
  const char *path = g_getenv ("FAKE_ACRN_DEVICES_LOG");
  g_autoptr(GString) s = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL || *path == '\0')
    return;
  s = g_string_new (NULL);
  for (guint i = 0; i < dm.devices->len; i++)
    {
      Device *dev = g_ptr_array_index (dm.devices, i);
      g_string_append_printf (s, "%d:%d:%d\t%s\t%s\t%s\n", dev->bus, dev->slot, dev->func,
                              emul_names[dev->kind], dev->state ? dev->state : "opened",
                              dev->detail ? dev->detail : "");
    }
  if (!g_file_set_contents (path, s->str, (gssize) s->len, &error))
    fprintf (stderr, "fake-acrn-dm: cannot write %s: %s\n", path, error->message);
}

static int
blk_open (const char *path,
          gboolean    ro)
{
  int fd = open (path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  struct stat st;

  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0 || (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode)))
    {
      close (fd);
      errno = EINVAL;
      return -1;
    }
  return fd;
}

/* DM_BLKRESCAN: "SLOT,PATH[,ro]" into an empty (nodisk) virtio-blk slot */
static int
handle_blkrescan (const char *devargs)
{
  g_autofree char *copy = g_strndup (devargs, FAKE_MNGR_PARAM_LEN);
  char *comma = strchr (copy, ',');
  guint64 slot;
  Device *dev = NULL;
  Device probe = { 0 };
  g_autofree char *err = NULL;
  int fd;

  if (comma == NULL)
    {
      dm_log ("virtio_blk: rescan: invalid devargs \"%s\" (want SLOT,PATH)", copy);
      return -1;
    }
  *comma = '\0';
  if (!fake_parse_dec (copy, MAX_SLOTS - 1, &slot))
    {
      dm_log ("virtio_blk: rescan: invalid slot \"%s\"", copy);
      return -1;
    }
  for (guint i = 0; i < dm.devices->len; i++)
    {
      Device *d = g_ptr_array_index (dm.devices, i);
      if (d->bus == 0 && d->slot == (int) slot && d->func == 0 && d->kind == EMUL_VIRTIO_BLK)
        dev = d;
    }
  if (dev == NULL)
    {
      dm_log ("virtio_blk: rescan: no virtio-blk device in slot %u", (guint) slot);
      return -1;
    }
  if (!dev->blk_nodisk)
    {
      dm_log ("virtio_blk: rescan: slot %u has backend %s; only an empty (nodisk) drive can be filled",
              (guint) slot, dev->blk_path);
      return -1;
    }
  if (dev->blk_filled)
    {
      dm_log ("virtio_blk: rescan: slot %u was already filled with %s", (guint) slot, dev->detail);
      return -1;
    }
  err = check_blk_config (&probe, comma + 1, FALSE);
  if (err != NULL)
    {
      dm_log ("virtio_blk: rescan: %s", err);
      g_free (probe.blk_path);
      return -1;
    }
  fd = blk_open (probe.blk_path, probe.blk_ro);
  if (fd < 0)
    {
      dm_log ("Could not open backing file: %s: %s", probe.blk_path, g_strerror (errno));
      g_free (probe.blk_path);
      return -1;
    }
  dev->fd = fd;
  dev->blk_filled = TRUE;
  dev->state = "opened";
  g_free (dev->detail);
  dev->detail = g_strdup_printf ("%s%s", probe.blk_path, probe.blk_ro ? ",ro" : "");
  g_free (probe.blk_path);
  dm_log ("virtio_blk: slot %u: new backend %s", (guint) slot, dev->detail);
  write_devices_log ();
  return 0;
}

static void client_free (Client *client);
static gboolean on_listen_readable (int fd, GIOCondition cond, gpointer user_data);

static void
send_ack (Client            *client,
          const FakeMngrMsg *req,
          int                value)
{
  FakeMngrMsg ack;
  ssize_t n;

  memset (&ack, 0, sizeof ack);
  ack.magic = FAKE_MNGR_MAGIC;
  ack.msgid = req->msgid;
  ack.timestamp = req->timestamp;
  ack.data.err = value; /* err and state share the union's first int */
  n = send (client->fd, &ack, sizeof ack, MSG_NOSIGNAL);
  if (n != (ssize_t) sizeof ack)
    dm_log ("mngr_send_msg: ack of message %u not sent: %s", req->msgid,
            n < 0 ? g_strerror (errno) : "short write");
}

/* returns FALSE when the message had a bad magic (stop parsing the buffer) */
static gboolean
handle_message (Client            *client,
                const FakeMngrMsg *msg,
                gboolean          *handled)
{
  if (msg->magic != FAKE_MNGR_MAGIC)
    {
      dm_log ("fake-acrn-dm: mngr: message with bad magic 0x%llx dropped, no reply",
              (unsigned long long) msg->magic);
      return FALSE;
    }
  switch (msg->msgid)
    {
    case FAKE_DM_QUERY:
      *handled = TRUE;
      send_ack (client, msg, dm.state);
      break;
    case FAKE_DM_STOP:
      *handled = TRUE;
      if (msg->data.stop.force != 0 && !dm.rtvm)
        {
          dm_log ("handle_stop: setting VM state to VM_SUSPEND_POWEROFF");
          dm.state = FAKE_VM_SUSPEND_POWEROFF;
          send_ack (client, msg, 0);
          power_off ();
        }
      else if (dm.pm_channel != PM_NONE)
        {
          /* the power button reaches the guest, which shuts down */
          send_ack (client, msg, 0);
          g_timeout_add ((guint) fake_env_uint ("FAKE_ACRN_GUEST_SHUTDOWN_MS", 100),
                         on_guest_shutdown, NULL);
        }
      else
        {
          dm_log ("No handler for id:%u\r", msg->msgid);
          send_ack (client, msg, -1);
        }
      break;
    case FAKE_DM_SUSPEND:
    case FAKE_DM_RESUME:
      *handled = TRUE;
      dm_log ("No handler for id:%u\r", msg->msgid);
      send_ack (client, msg, -1);
      break;
    case FAKE_DM_BLKRESCAN:
      *handled = TRUE;
      send_ack (client, msg, handle_blkrescan (msg->data.devargs));
      break;
    default:
      /* no handler: no reply */
      break;
    }
  return TRUE;
}

static gboolean
on_client_readable (int          fd,
                    GIOCondition cond,
                    gpointer     user_data)
{
  Client *client = user_data;
  gsize start = dm.reassemble ? client->len : 0;
  ssize_t n;
  gsize len;
  gsize p = 0;
  gboolean handled = FALSE;
  FakeMngrMsg msg;

  n = read (fd, client->buf + start, sizeof client->buf - start);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      fprintf (stderr, "Disconnect(%d)!\r\n", fd);
      client->source = 0;
      client_free (client);
      return G_SOURCE_REMOVE;
    }
  len = start + (gsize) n;

  if (!dm.reassemble)
    {
      /* acrn-dm: each read() is parsed on its own */
      if (len == CLIENT_BUF_LEN)
        {
          fprintf (stderr, "TODO: buf overflow!\r\n");
          return G_SOURCE_CONTINUE;
        }
      if (len < sizeof (FakeMngrMsg))
        {
          dm_log ("fake-acrn-dm: mngr: dropped a %zu-byte partial message "
                  "(acrn-dm parses each read on its own)", len);
          return G_SOURCE_CONTINUE;
        }
    }

  while (p + sizeof (FakeMngrMsg) <= len)
    {
      memcpy (&msg, client->buf + p, sizeof msg);
      p += sizeof msg;
      if (!handle_message (client, &msg, &handled))
        {
          p = len; /* acrn-dm gives up on the rest of the buffer */
          break;
        }
    }
  if (dm.reassemble)
    {
      memmove (client->buf, client->buf + p, len - p);
      client->len = len - p;
    }
  else if (p < len)
    {
      dm_log ("server_parse_buf: Out of boundary, client len: %zu, p: %zu", len, p);
    }
  if (!handled && p >= sizeof (FakeMngrMsg) && msg.magic == FAKE_MNGR_MAGIC)
    fprintf (stderr, "Unknown message id: %u\n", msg.msgid);
  return G_SOURCE_CONTINUE;
}

static void
client_free (Client *client)
{
  if (client->source != 0)
    g_source_remove (client->source);
  close (client->fd);
  dm.clients = g_list_remove (dm.clients, client);
  dm.n_clients--;
  g_free (client);
  /* a place is free again: resume accepting */
  if (dm.listen_source == 0 && dm.listen_fd >= 0 && !dm.powering_off)
    dm.listen_source = g_unix_fd_add (dm.listen_fd, G_IO_IN, on_listen_readable, NULL);
}

static gboolean
on_listen_readable (int          fd,
                    GIOCondition cond,
                    gpointer     user_data)
{
  Client *client;
  struct timeval tv = { 1, 0 }; /* acrn-dm's ACK_TIMEOUT */
  int cfd = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);

  if (cfd < 0)
    {
      if (errno != EINTR && errno != EAGAIN)
        dm_log ("mngr_client_new: Failed to accept from fd %d, err: %s", fd, g_strerror (errno));
      return G_SOURCE_CONTINUE;
    }
  setsockopt (cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  client = g_new0 (Client, 1);
  client->fd = cfd;
  client->source = g_unix_fd_add (cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_readable, client);
  dm.clients = g_list_prepend (dm.clients, client);
  dm.n_clients++;
  if (dm.n_clients >= MNGR_MAX_CLIENT)
    {
      /* acrn-dm stops accepting until a client leaves; further connects
       * wait in the (1-deep) backlog */
      dm.listen_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
create_manager_socket (void)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_autofree char *path = NULL;
  int fd;

  if (g_mkdir_with_parents (dm.mngr_dir, 0755) != 0)
    {
      dm_log ("%s: %s", dm.mngr_dir, g_strerror (errno));
      fail_after_socket ("monitor_init: cannot create the manager socket directory");
    }
  path = g_strdup_printf ("%s/%s.monitor.%d.socket", dm.mngr_dir, dm.name, (int) getpid ());
  if (strlen (path) >= sizeof addr.sun_path)
    {
      dm_log ("fake-acrn-dm: manager socket path %s is longer than 107 bytes", path);
      fail_after_socket ("monitor_init: cannot create the manager socket");
    }
  strcpy (addr.sun_path, path);
  unlink (path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    fail_after_socket ("create_new_server: Failed to call socket");
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      dm_log ("create_new_server: Failed to bind fd %d, err: %s", fd, g_strerror (errno));
      close (fd);
      fail_after_socket ("monitor_init: cannot create the manager socket");
    }
  listen (fd, 1);
  dm.listen_fd = fd;
  dm.sock_path = g_steal_pointer (&path);
  dm.listen_source = g_unix_fd_add (fd, G_IO_IN, on_listen_readable, NULL);
}

static gboolean
on_console_accept (int          fd,
                   GIOCondition cond,
                   gpointer     user_data);

static gboolean
on_console_input (int          fd,
                  GIOCondition cond,
                  gpointer     user_data)
{
  Device *dev = user_data;
  char buf[512];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* acrn-dm never listens again on this port */
      close (dev->fd);
      dev->fd = -1;
      dev->source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_console_accept (int          fd,
                   GIOCondition cond,
                   gpointer     user_data)
{
  Device *dev = user_data;
  int cfd = accept4 (fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  g_autofree char *banner = NULL;

  if (cfd < 0)
    return G_SOURCE_CONTINUE;
  /* acrn-dm closes the listening socket after the first connection and
   * serves that one only (the socket file stays) */
  close (dev->fd);
  dev->fd = cfd;
  banner = g_strdup_printf ("fake ACRN guest %s console %s\r\n", dm.name, dev->con_name);
  if (send (cfd, banner, strlen (banner), MSG_NOSIGNAL) < 0)
    dm_log ("vtcon: write to %s failed: %s", dev->con_path, g_strerror (errno));
  dev->source = g_unix_fd_add (cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_console_input, dev);
  return G_SOURCE_REMOVE;
}

static void
open_console (Device *dev)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  dev->detail = g_strdup (dev->config);
  if (strcmp (dev->con_backend, "stdio") == 0)
    {
      for (int i = 0; i < 4; i++)
        if (dm.com[i] != NULL && strcmp (dm.com[i], "stdio") == 0)
          fail_after_socket ("vtcon: stdio is already in use by an LPC UART");
      return;
    }
  if (strcmp (dev->con_backend, "file") == 0)
    {
      dev->fd = open (dev->con_path, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0666);
      if (dev->fd < 0)
        {
          dm_log ("vtcon: open failed: %s", dev->con_path);
          fail_after_socket ("vtcon: virtio_console_config_backend failed");
        }
      return;
    }
  /* socket */
  strcpy (addr.sun_path, dev->con_path);
  dev->fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (dev->fd < 0)
    fail_after_socket ("vtcon: socket open failed");
  if (!dev->con_client)
    {
      unlink (dev->con_path);
      if (bind (dev->fd, (struct sockaddr *) &addr, sizeof addr) < 0)
        {
          dm_log ("Bind Error = %d (%s: %s)", errno, dev->con_path, g_strerror (errno));
          fail_after_socket ("vtcon: virtio_console_config_backend failed");
        }
      if (listen (dev->fd, 64) < 0)
        {
          dm_log ("Listen Error= %d", errno);
          fail_after_socket ("vtcon: virtio_console_config_backend failed");
        }
      dev->source = g_unix_fd_add (dev->fd, G_IO_IN, on_console_accept, dev);
    }
  else
    {
      if (g_access (dev->con_path, F_OK) != 0)
        {
          dm_log ("%s not exist", dev->con_path);
          fail_after_socket ("vtcon: virtio_console_config_backend failed");
        }
      if (connect (dev->fd, (struct sockaddr *) &addr, sizeof addr) < 0)
        dm_log ("vtcon: connect error[%d]", errno);
    }
}

static gboolean
list_contains (const char *list,
               const char *item)
{
  g_auto(GStrv) items = g_strsplit (list, ",", -1);

  return g_strv_contains ((const char *const *) items, item);
}

static int
compare_devices (gconstpointer a,
                 gconstpointer b)
{
  const Device *da = *(const Device *const *) a;
  const Device *db = *(const Device *const *) b;

  if (da->bus != db->bus)
    return da->bus - db->bus;
  if (da->slot != db->slot)
    return da->slot - db->slot;
  return da->func - db->func;
}

/* init_pci(): every device in bus/slot/func order */
static void
open_devices (void)
{
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  const char *taps = g_getenv ("FAKE_ACRN_TAPS");
  const char *stub = g_getenv ("FAKE_ACRN_PCI_STUB");
  const char *vsock_dev = g_getenv ("FAKE_ACRN_VHOST_VSOCK");

  if (vsock_dev == NULL || *vsock_dev == '\0')
    vsock_dev = "/dev/vhost-vsock";

  for (guint i = 0; i < dm.devices->len; i++)
    g_ptr_array_add (order, g_ptr_array_index (dm.devices, i));
  g_ptr_array_sort (order, compare_devices);

  for (guint i = 0; i < order->len; i++)
    {
      Device *dev = g_ptr_array_index (order, i);
      g_autofree char *key = NULL;

      if (dev->config_error != NULL)
        {
          dm_log ("%s", dev->config_error);
          dm_log ("pci %d:%d:%d %s: init failed", dev->bus, dev->slot, dev->func,
                  emul_names[dev->kind]);
          fail_after_socket ("init_pci: device initialisation failed");
        }
      dev->state = "opened";
      switch (dev->kind)
        {
        case EMUL_HOSTBRIDGE:
        case EMUL_LPC:
        case EMUL_VIRTIO_RND:
          break;
        case EMUL_VIRTIO_BLK:
          if (dev->blk_nodisk)
            {
              dev->state = "empty";
              dev->detail = g_strdup ("nodisk");
              break;
            }
          dev->fd = blk_open (dev->blk_path, dev->blk_ro);
          if (dev->fd < 0)
            {
              dm_log ("Could not open backing file: %s: %s", dev->blk_path, g_strerror (errno));
              fail_after_socket ("virtio_blk: init failed");
            }
          dev->detail = g_strdup_printf ("%s%s", dev->blk_path, dev->blk_ro ? ",ro" : "");
          break;
        case EMUL_VIRTIO_NET:
          if (dev->net_legacy)
            {
              dm_log ("virtio_net: fake-acrn-dm: \"%s\" has no tap=IFNAME: acrn-dm 3.x opens no "
                      "tap for it (the pre-3.0 'IFNAME,mac=' form), link down", dev->config);
              dev->state = "not-opened";
              dev->detail = g_strdup_printf ("legacy-syntax %s", dev->config);
              break;
            }
          key = g_strdup_printf ("tap\n%s\n%s", dm.mngr_dir, dev->net_tap);
          if ((taps != NULL && !list_contains (taps, dev->net_tap)) ||
              (dev->fd2 = fake_claim (key)) < 0)
            {
              dm_log ("open of tap device %s failed", dev->net_tap);
              dev->state = "not-opened";
              dev->detail = g_strdup_printf ("tap=%s unavailable", dev->net_tap);
              break;
            }
          dev->detail = g_strdup_printf ("tap=%s", dev->net_tap);
          break;
        case EMUL_VHOST_VSOCK:
          dev->fd = open (vsock_dev, O_RDWR | O_CLOEXEC);
          if (dev->fd < 0)
            {
              dm_log ("vhost_vsock: open %s fail: %s", vsock_dev, g_strerror (errno));
              fail_after_socket ("vhost_vsock: init failed");
            }
          key = g_strdup_printf ("vsock\n%s\n%" G_GUINT64_FORMAT, vsock_dev, dev->vsock_cid);
          dev->fd2 = fake_claim (key);
          if (dev->fd2 < 0)
            {
              dm_log ("vhost_vsock: set guest cid(%" G_GUINT64_FORMAT ") fail: %s",
                      dev->vsock_cid, g_strerror (EADDRINUSE));
              fail_after_socket ("vhost_vsock: init failed");
            }
          dev->detail = g_strdup_printf ("cid=%" G_GUINT64_FORMAT, dev->vsock_cid);
          break;
        case EMUL_VIRTIO_CONSOLE:
          open_console (dev);
          break;
        case EMUL_PASSTHRU:
          {
            g_autofree char *bdf = g_strdup_printf ("%02x:%02x.%x", dev->pt_bus,
                                                    dev->pt_dev, dev->pt_func);
            if (stub != NULL && !list_contains (stub, bdf))
              {
                dm_log ("passthru: %s is not bound to pci-stub", bdf);
                fail_after_socket ("passthru: init failed");
              }
            key = g_strdup_printf ("pt\n%s\n%s", dm.mngr_dir, bdf);
            dev->fd2 = fake_claim (key);
            if (dev->fd2 < 0)
              {
                dm_log ("passthru: %s is in use by another VM", bdf);
                fail_after_socket ("passthru: init failed");
              }
            dev->detail = g_steal_pointer (&bdf);
          }
          break;
        case N_EMULS:
        default:
          g_assert_not_reached ();
        }
    }

  /* the LPC UARTs exist only behind an lpc device */
  for (int i = 0; i < 4; i++)
    {
      if (dm.com[i] == NULL || dm.com[i][0] != '/')
        continue;
      if (g_access (dm.com[i], R_OK | W_OK) != 0)
        {
          dm_log ("uart: cannot open %s: %s", dm.com[i], g_strerror (errno));
          fail_after_socket ("lpc: UART init failed");
        }
    }
}

static gboolean
has_lpc (void)
{
  for (guint i = 0; i < dm.devices->len; i++)
    if (((Device *) g_ptr_array_index (dm.devices, i))->kind == EMUL_LPC)
      return TRUE;
  return FALSE;
}

static void
boot (void)
{
  guint64 extra = fake_env_uint ("FAKE_ACRN_STDOUT_LINES", 0);
  guint64 crash_ms = fake_env_uint ("FAKE_ACRN_CRASH_MS", 0);

  dm_log ("vm_init_vdevs");
  if (!fake_env_flag ("FAKE_ACRN_NO_SOCKET"))
    create_manager_socket ();
  if (g_getenv ("FAKE_ACRN_CRASH_MS") != NULL)
    g_timeout_add ((guint) crash_ms, on_crash, NULL);
  open_devices ();
  write_devices_log ();
  dm_log ("acrn_sw_load");
  dm_log ("add_cpu");

  /* COM1 is the guest's serial console; it shows only with an LPC bridge */
  if (dm.com[0] != NULL && strcmp (dm.com[0], "stdio") == 0 && has_lpc ())
    {
      printf ("[    0.000000] Linux version 6.1.0-fake-acrn (libvmm fake guest)\n");
      printf ("[    0.000000] Command line: %s\n", dm.bootargs ? dm.bootargs : "");
      printf ("[    0.000000] Memory: %" G_GUINT64_FORMAT "K\n", dm.memsize >> 10);
      printf ("[    0.420000] fake guest %s is up\n", dm.name);
    }
  for (guint64 i = 1; i <= extra; i++)
    printf ("fake-acrn-dm stdout line %" G_GUINT64_FORMAT "\n", i);
  fflush (stdout);
}

static gboolean
on_slow_done (gpointer user_data)
{
  if (!dm.powering_off)
    boot ();
  return G_SOURCE_REMOVE;
}

static void
handle_fault_exit (void)
{
  const char *spec = g_getenv ("FAKE_ACRN_EXIT");
  const char *colon;
  g_autofree char *code_str = NULL;
  guint64 code;

  if (spec == NULL)
    return;
  colon = strchr (spec, ':');
  code_str = g_strndup (spec, colon ? (gsize) (colon - spec) : strlen (spec));
  if (colon == NULL || !fake_parse_dec (code_str, 255, &code))
    {
      fprintf (stderr, "fake-acrn-dm: FAKE_ACRN_EXIT must be CODE:MESSAGE, got \"%s\"\n", spec);
      exit (70);
    }
  fprintf (stderr, "%s\n", colon + 1);
  exit ((int) code);
}

int
main (int    argc,
      char **argv)
{
  const char *argv_log = g_getenv ("FAKE_ACRN_ARGV_LOG");
  const char *mngr_dir = g_getenv ("FAKE_ACRN_MNGR_DIR");
  g_autofree char *hsm_key = NULL;
  guint sigint_source = 0, sighup_source = 0;
  guint64 slow_ms;
  guint64 lifetime_s;

  setvbuf (stdout, NULL, _IOLBF, 0);
  log_stream = fake_env_flag ("FAKE_ACRN_LOG_STDOUT") ? stdout : stderr;

  if (argv_log != NULL && *argv_log != '\0')
    fake_append_argv_log (argv_log, argc, argv);

  /* acrn-dm: SIGHUP and SIGINT power off, SIGPIPE is ignored, SIGTERM keeps
   * its default action */
  signal (SIGPIPE, SIG_IGN);
  if (fake_env_flag ("FAKE_ACRN_IGNORE_SIGINT"))
    {
      signal (SIGINT, SIG_IGN);
      signal (SIGHUP, SIG_IGN);
      signal (SIGTERM, SIG_IGN);
    }
  else
    {
      sigint_source = g_unix_signal_add (SIGINT, on_terminate_signal, GINT_TO_POINTER (SIGINT));
      sighup_source = g_unix_signal_add (SIGHUP, on_terminate_signal, GINT_TO_POINTER (SIGHUP));
    }

  dm.memsize = 256 * 1024 * 1024ULL; /* acrn-dm's default */
  dm.devices = g_ptr_array_new_with_free_func (device_free);
  dm.listen_fd = -1;
  dm.hsm_claim = -1;
  dm.exit_code = 1;
  dm.reassemble = fake_env_flag ("FAKE_ACRN_REASSEMBLE");
  dm.mngr_dir = g_strdup (mngr_dir != NULL && *mngr_dir != '\0' ? mngr_dir : FAKE_MNGR_DEFAULT_DIR);
  parse_only = fake_env_flag ("FAKE_ACRN_PARSE_ONLY");

  parse_args (argc, argv);
  handle_fault_exit ();

  if (parse_only)
    {
      for (guint i = 0; i < dm.devices->len; i++)
        {
          Device *dev = g_ptr_array_index (dm.devices, i);
          if (dev->config_error != NULL)
            {
              fprintf (stderr, "%s\n", dev->config_error);
              fprintf (stderr, "fake-acrn-dm: pci %d:%d:%d %s: invalid configuration\n",
                       dev->bus, dev->slot, dev->func, emul_names[dev->kind]);
              return 1;
            }
        }
      return 0;
    }

  /* the HSM: a VM name exists once per HSM (namespaced by the mngr dir) */
  dm_log ("vm_create: %s", dm.name);
  if (fake_env_flag ("FAKE_ACRN_NO_HSM"))
    {
      dm_log ("Could not open /dev/acrn_vhm");
      dm_log ("vm_create failed");
      return 1;
    }
  hsm_key = g_strdup_printf ("hsm\n%s\n%s", dm.mngr_dir, dm.name);
  dm.hsm_claim = fake_claim (hsm_key);
  if (dm.hsm_claim < 0)
    {
      dm_log ("fake-acrn-dm: a VM named %s already exists", dm.name);
      dm_log ("vm_create failed");
      return 1;
    }
  dm_log ("vm_setup_memory: size=0x%" G_GINT64_MODIFIER "x", dm.memsize);

  dm.loop = g_main_loop_new (NULL, FALSE);
  lifetime_s = fake_env_uint ("FAKE_ACRN_MAX_LIFETIME_S", 1800);
  if (lifetime_s > 0)
    g_timeout_add_seconds ((guint) lifetime_s, on_lifetime_over, NULL);
  slow_ms = fake_env_uint ("FAKE_ACRN_SLOW_MS", 0);
  if (slow_ms > 0)
    {
      dm_log ("fake-acrn-dm: waiting %" G_GUINT64_FORMAT " ms before creating the manager socket",
              slow_ms);
      g_timeout_add ((guint) slow_ms, on_slow_done, NULL);
    }
  else
    {
      boot ();
    }

  g_main_loop_run (dm.loop);

  /* power-off: close the monitor (unlinks the socket), then the devices */
  while (dm.clients != NULL)
    client_free (dm.clients->data);
  if (dm.listen_source != 0)
    g_source_remove (dm.listen_source);
  if (dm.listen_fd >= 0)
    close (dm.listen_fd);
  remove_socket ();
  g_ptr_array_unref (dm.devices);
  if (sigint_source != 0)
    g_source_remove (sigint_source);
  if (sighup_source != 0)
    g_source_remove (sighup_source);
  if (dm.hsm_claim >= 0)
    close (dm.hsm_claim);
  g_main_loop_unref (dm.loop);
  for (int i = 0; i < 4; i++)
    g_free (dm.com[i]);
  g_free (dm.name);
  g_free (dm.kernel);
  g_free (dm.ramdisk);
  g_free (dm.bootargs);
  g_free (dm.ovmf);
  g_free (dm.iasl);
  g_free (dm.mngr_dir);
  return dm.exit_code;
}
