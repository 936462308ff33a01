/* fake-acrnctl.c: a stand-in for ACRN's acrnctl (3.x)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Test program only. It follows acrnctl 3.x step by step: the same
 * subcommands (list, start, stop, del, add, reset, blkrescan; no
 * pause/continue/suspend/resume), the same texts on the same streams, the
 * same exit statuses (-1 -> 255), and the same quirks:
 *
 *  * before every subcommand it rebuilds its VM list: NAME.sh files in the
 *    conf dir ("stopped"), then every NAME.monitor.PID.socket in the mngr dir,
 *    each asked DM_QUERY (0 -> started, 4 -> suspended, no answer -> started,
 *    anything else -> unknown); `list` prints that list newest-insert first;
 *  * a subcommand finds NAME in that list by exact name, but then connects to
 *    the FIRST socket, in readdir() order, whose name part is a PREFIX of
 *    NAME: with vm1 and vm10 both running, `stop vm10` may reach vm1;
 *  * `blkrescan` prints "Unable to rescan virtio-blk device in vm. errno(N)"
 *    when acrn-dm refuses, and exits 0 all the same;
 *  * when the request cannot be sent (no socket, no answer within 1 s) it
 *    prints "Unable to open vm NAME socket. It may have been shutdown" (or
 *    "Unable to send msg ...") and then reads the ack it never got: in
 *    acrnctl that is uninitialised stack memory; here it is all zeros, so
 *    stop and blkrescan then report nothing else and exit 0;
 *  * non-root: "Please run acrnctl with root privileges. Exiting.", exit 255
 *    (acrnctl checks getuid()).
 *
 * `start`, `add` and the start half of `reset` would run the VM's launch
 * script through a shell; the fake does not run scripts: it prints why and
 * exits 255.
 *
 * Environment (all optional):
 *   FAKE_ACRN_MNGR_DIR=DIR    manager sockets (default /run/acrn/mngr)
 *   FAKE_ACRN_CONF_DIR=DIR    added VMs, NAME.sh (default /usr/share/acrn/conf/add;
 *                             created if missing, like acrnctl's `mkdir -p`)
 *   FAKE_ACRNCTL_NONROOT=1    behave as if not run by root
 *   FAKE_ACRNCTL_LOG=PATH     append argv[1..], one per line, then "--"
 */
#include "fake-acrn-common.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PATH_LEN 128

enum {
  VM_STATE_UNKNOWN = 0,
  VM_CREATED,
  VM_STARTED,
  VM_SUSPENDED,
  VM_UNTRACKED,
};

static const char *const state_str[] = {
  [VM_STATE_UNKNOWN] = "unknown",
  [VM_CREATED] = "stopped",
  [VM_STARTED] = "started",
  [VM_SUSPENDED] = "suspended",
  [VM_UNTRACKED] = "untracked",
};

typedef struct {
  char name[FAKE_ACRN_MAX_VM_NAME_LEN];
  int state;
  int state_tmp;
} Vm;

static GList *vms;          /* head insertion, like acrnctl's LIST_INSERT_HEAD */
static char *mngr_dir;
static char *conf_dir;

typedef struct {
  const char *cmd;
  const char *desc;
  int (*func) (int argc, char **argv);
  int (*valid_args) (const char *cmd, int argc, char **argv);
} Cmd;

/* ------------------------------------------------------------------------ */

static int
check_dir (const char *path)
{
  struct stat st;

  if (stat (path, &st) != 0)
    {
      printf ("%s doesn't exist!\n", path);
      return -1;
    }
  if (S_ISDIR (st.st_mode))
    return 0;
  fprintf (stderr, "%s exist, and not a directory!\n", path);
  return -1;
}

static Vm *
vmmngr_find (const char *name)
{
  for (GList *l = vms; l != NULL; l = l->next)
    {
      Vm *vm = l->data;
      if (strcmp (name, vm->name) == 0)
        return vm;
    }
  return NULL;
}

static Vm *
vmmngr_find_or_add (const char *name)
{
  Vm *vm = vmmngr_find (name);

  if (vm == NULL)
    {
      vm = g_new0 (Vm, 1);
      memcpy (vm->name, name, MIN (strlen (name), sizeof vm->name - 1));
      vms = g_list_prepend (vms, vm);
    }
  return vm;
}

/* connect_to_server(): the first entry, in readdir order, whose text before
 * its first '.' is a prefix of @name */
static int
connect_to_server (const char *name)
{
  DIR *dir = opendir (mngr_dir);
  struct dirent *entry;
  g_autofree char *s_name = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (dir == NULL)
    {
      printf ("%s: Failed to open directory %s\n", "connect_to_server", mngr_dir);
      return -1;
    }
  while ((entry = readdir (dir)) != NULL)
    {
      const char *p = strchr (entry->d_name, '.');
      if (p == NULL || p == entry->d_name)
        continue;
      if (strncmp (entry->d_name, name, (size_t) (p - entry->d_name)) == 0)
        {
          s_name = g_strdup (entry->d_name);
          break;
        }
    }
  closedir (dir);
  if (s_name == NULL)
    {
      printf ("%s: Can't find %s\n", "connect_to_server", name);
      return -1;
    }
  if (g_snprintf (addr.sun_path, sizeof addr.sun_path, "%s/%s", mngr_dir, s_name) >=
      (int) sizeof addr.sun_path)
    printf ("WARN: %s is truncated\n", s_name);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      printf ("%s %d\n", "connect_to_server", 367);
      return -1;
    }
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      printf ("%s %d\n", "connect_to_server", 376);
      close (fd);
      return -1;
    }
  return fd;
}

static gint64
remaining_ms (gint64 deadline)
{
  gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
  return left > 0 ? left : 0;
}

/* mngr_send_msg() with acrnctl's timeout of 1 s for the whole exchange */
static int
mngr_send_msg (int                fd,
               const FakeMngrMsg *req,
               FakeMngrMsg       *ack)
{
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  struct pollfd pfd = { .fd = fd, .events = POLLOUT };
  ssize_t n;

  if (poll (&pfd, 1, (int) remaining_ms (deadline)) <= 0 || !(pfd.revents & POLLOUT))
    {
      printf ("%s %d\n", "mngr_send_msg", 545);
      return -1;
    }
  n = send (fd, req, sizeof *req, MSG_NOSIGNAL);
  if (n != (ssize_t) sizeof *req)
    {
      printf ("%s %d\n", "mngr_send_msg", 551);
      return -1;
    }
  pfd.events = POLLIN;
  if (poll (&pfd, 1, (int) remaining_ms (deadline)) <= 0 || !(pfd.revents & (POLLIN | POLLHUP)))
    {
      printf ("%s %d\n", "mngr_send_msg", 563);
      return -1;
    }
  /* one read, like acrnctl: a short answer leaves the rest of @ack as it was */
  return (int) read (fd, ack, sizeof *ack);
}

static int
send_msg (const char        *vmname,
          const FakeMngrMsg *req,
          FakeMngrMsg       *ack)
{
  g_autofree char *base = g_path_get_dirname (mngr_dir);
  int fd;
  int ret;

  /* mngr_open_un() checks both directories and only complains */
  check_dir (base);
  check_dir (mngr_dir);
  fd = connect_to_server (vmname);
  if (fd < 0)
    {
      printf ("Unable to open vm %s socket. It may have been shutdown\n", vmname);
      return -1;
    }
  ret = mngr_send_msg (fd, req, ack);
  close (fd);
  if (ret < 0)
    {
      printf ("Unable to send msg to vm %s socket. It may have been shutdown\n", vmname);
      return ret;
    }
  return 0;
}

static void
init_req (FakeMngrMsg *req,
          unsigned     msgid)
{
  memset (req, 0, sizeof *req);
  req->magic = FAKE_MNGR_MAGIC;
  req->msgid = msgid;
  req->timestamp = (unsigned long) time (NULL);
}

static int
query_state (const char *name)
{
  FakeMngrMsg req, ack;
  int ret;

  init_req (&req, FAKE_DM_QUERY);
  memset (&ack, 0, sizeof ack);
  ret = send_msg (name, &req, &ack);
  if (ret != 0)
    {
      printf ("%s: Error to quary %s state, err: %d\n", "query_state", name, ret);
      return ret;
    }
  if (ack.data.state < 0)
    fprintf (stderr, "%s ack.data.state:%d\n", "query_state", ack.data.state);
  return ack.data.state;
}

static void
scan_added_vm (void)
{
  g_autofree char *parent = g_path_get_dirname (conf_dir);
  DIR *dir;
  struct dirent *entry;

  if (check_dir (parent) != 0)
    {
      printf ("%s: Failed to check directory %s, err: %d\n", "_scan_added_vm", parent, -1);
      return;
    }
  if (check_dir (conf_dir) != 0)
    {
      printf ("%s: Failed to check directory %s, err: %d\n", "_scan_added_vm", conf_dir, -1);
      return;
    }
  dir = opendir (conf_dir);
  if (dir == NULL)
    {
      printf ("%s: Failed to open directory %s\n", "_scan_added_vm", conf_dir);
      return;
    }
  while ((entry = readdir (dir)) != NULL)
    {
      const char *p;
      g_autofree char *name = NULL;

      if (strnlen (entry->d_name, sizeof entry->d_name) >= PATH_LEN)
        continue;
      p = strchr (entry->d_name, '.');
      if (p == NULL || p == entry->d_name)
        continue;
      /* the suffix only has to START with "sh" */
      if (strncmp (p + 1, "sh", 2) != 0)
        continue;
      name = g_strndup (entry->d_name, (gsize) (p - entry->d_name));
      vmmngr_find_or_add (name)->state_tmp = VM_CREATED;
    }
  closedir (dir);
}

static gboolean
parse_socket_name (const char *src,
                   char      **out_name)
{
  const char *p = strchr (src, '.');

  if (p == NULL || p == src || p - src >= PATH_LEN)
    return FALSE;
  if (strncmp (".monitor.", p, strlen (".monitor.")) != 0)
    return FALSE;
  p = strchr (p + strlen (".monitor."), '.');
  if (p == NULL || strncmp (".socket", p, strlen (".socket")) != 0)
    return FALSE;
  *out_name = g_strndup (src, (gsize) (strchr (src, '.') - src));
  return TRUE;
}

static void
scan_alive_vm (void)
{
  DIR *dir;
  struct dirent *entry;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (check_dir (mngr_dir) != 0)
    {
      printf ("%s: Failed to check directory %s, err: %d\n"
              "\t\t\tMake sure the acrnd daemon is running ('systemctl status acrnd').\n",
              "_scan_alive_vm", mngr_dir, -1);
      return;
    }
  dir = opendir (mngr_dir);
  if (dir == NULL)
    {
      printf ("%s: Failed to open directory %s\n", "_scan_alive_vm", mngr_dir);
      return;
    }
  while ((entry = readdir (dir)) != NULL)
    {
      char *name;
      if (parse_socket_name (entry->d_name, &name))
        g_ptr_array_add (names, name);
    }
  closedir (dir);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      Vm *vm = vmmngr_find_or_add (name);
      int ret = query_state (name);

      if (ret < 0)
        vm->state_tmp = VM_STARTED; /* "unsupport query" */
      else if (ret == FAKE_VM_SUSPEND_NONE)
        vm->state_tmp = VM_STARTED;
      else if (ret == FAKE_VM_SUSPEND_SUSPEND)
        vm->state_tmp = VM_SUSPENDED;
      else
        {
          fprintf (stderr, "Warnning: unknow vm state:0x%lx\n", (unsigned long) vm->state);
          vm->state_tmp = VM_STATE_UNKNOWN;
        }
    }
}

static void
vmmngr_update (void)
{
  scan_added_vm ();
  scan_alive_vm ();
  for (GList *l = vms; l != NULL; l = l->next)
    {
      Vm *vm = l->data;
      vm->state = vm->state_tmp;
    }
}

/* ------------------------------------------------------------------------ */
/* operations                                                               */

static int
stop_vm (const char *vmname,
         int         force)
{
  FakeMngrMsg req, ack;

  init_req (&req, FAKE_DM_STOP);
  req.data.stop.force = force;
  memset (&ack, 0, sizeof ack);
  send_msg (vmname, &req, &ack);
  if (ack.data.err)
    printf ("Error happens when try to stop vm. errno(%d)\n", ack.data.err);
  return ack.data.err;
}

static int
blkrescan_vm (const char *vmname,
              const char *devargs)
{
  FakeMngrMsg req, ack;

  init_req (&req, FAKE_DM_BLKRESCAN);
  strncpy (req.data.devargs, devargs, FAKE_MNGR_PARAM_LEN - 1);
  req.data.devargs[FAKE_MNGR_PARAM_LEN - 1] = '\0';
  memset (&ack, 0, sizeof ack);
  send_msg (vmname, &req, &ack);
  if (ack.data.err)
    printf ("Unable to rescan virtio-blk device in vm. errno(%d)\n", ack.data.err);
  return ack.data.err;
}

static int
do_list (int    argc,
         char **argv)
{
  int found = 0;

  for (GList *l = vms; l != NULL; l = l->next)
    {
      Vm *vm = l->data;
      printf ("%s\t\t%s\n", vm->name, state_str[vm->state]);
      found++;
    }
  if (!found)
    printf ("There are no VMs\n");
  return 0;
}

static int
do_stop (int    argc,
         char **argv)
{
  const char *vmname = NULL;
  int force = 0;
  Vm *vm;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--force") != 0 && strcmp (argv[i], "-f") != 0)
        {
          if (vmname == NULL)
            vmname = argv[i];
        }
      else
        force = 1;
    }
  if (vmname == NULL)
    {
      printf ("Please give a VM name\n");
      return -1;
    }
  vm = vmmngr_find (vmname);
  if (vm == NULL)
    {
      printf ("can't find %s\n", vmname);
      return -1;
    }
  if (vm->state == VM_CREATED)
    {
      printf ("%s is already (%s)\n", vmname, state_str[vm->state]);
      return -1;
    }
  return stop_vm (vmname, force);
}

static int
do_blkrescan (int    argc,
              char **argv)
{
  Vm *vm = vmmngr_find (argv[1]);

  if (vm == NULL)
    {
      printf ("can't find %s\n", argv[1]);
      return -1;
    }
  if (vm->state != VM_STARTED)
    {
      printf ("%s is in %s state but should be in %s state for blockrescan\n",
              argv[1], state_str[vm->state], state_str[VM_STARTED]);
      return -1;
    }
  blkrescan_vm (argv[1], argv[2]);
  return 0; /* whatever acrn-dm answered */
}

static int
do_del (int    argc,
        char **argv)
{
  Vm *vm = vmmngr_find (argv[1]);
  g_autofree char *sh = NULL;
  g_autofree char *args = NULL;

  if (vm == NULL)
    {
      printf ("can't find %s\n", argv[1]);
      return -1;
    }
  if (vm->state != VM_CREATED)
    {
      printf ("can't delete %s(%s)\n", argv[1], state_str[vm->state]);
      return -1;
    }
  sh = g_strdup_printf ("%s/%s.sh", conf_dir, argv[1]);
  args = g_strdup_printf ("%s/%s.args", conf_dir, argv[1]);
  unlink (sh);
  unlink (args);
  return 0;
}

static int
do_start (int    argc,
          char **argv)
{
  Vm *vm = vmmngr_find (argv[1]);

  if (vm == NULL)
    {
      printf ("can't find %s\n", argv[1]);
      return -1;
    }
  if (vm->state != VM_CREATED)
    {
      printf ("can't start %s(%s)\n", argv[1], state_str[vm->state]);
      return -1;
    }
  fprintf (stderr, "fake-acrnctl: start would run %s/%s.sh through bash; the fake runs no scripts\n",
           conf_dir, argv[1]);
  return -1;
}

static int
do_add (int    argc,
        char **argv)
{
  fprintf (stderr, "fake-acrnctl: add would run %s through bash; the fake runs no scripts\n",
           argv[1]);
  return -1;
}

static int
do_reset (int    argc,
          char **argv)
{
  Vm *vm = vmmngr_find (argv[1]);
  int ret;

  if (vm == NULL)
    {
      printf ("Can't find vm %s\n", argv[1]);
      return -1;
    }
  if (vm->state != VM_STARTED && vm->state != VM_SUSPENDED)
    {
      printf ("%s current state: %s, can't reset\n", argv[1], state_str[vm->state]);
      return -1;
    }
  ret = stop_vm (argv[1], 0);
  if (ret != 0)
    return ret;
  fprintf (stderr, "fake-acrnctl: reset stopped %s but cannot start it again; "
           "the fake runs no scripts\n", argv[1]);
  return -1;
}

static int
df_valid_args (const char *cmd,
               int         argc,
               char      **argv)
{
  if (argc < 2 || strcmp (argv[1], "help") == 0)
    {
      printf ("acrnctl %s %s\n", cmd, "VM_NAME VM_NAME ...");
      return -1;
    }
  return 0;
}

static int
valid_blkrescan_args (const char *cmd,
                      int         argc,
                      char      **argv)
{
  if (argc != 3 || strcmp (argv[1], "help") == 0)
    {
      printf ("acrnctl %s %s\n", cmd, "VM_NAME slot,newpath");
      return -1;
    }
  return 0;
}

static int
valid_add_args (const char *cmd,
                int         argc,
                char      **argv)
{
  if (argc < 2 || strcmp (argv[1], "help") == 0)
    {
      printf ("acrnctl %s %s\n", cmd, "launch_scripts options");
      return -1;
    }
  return 0;
}

static int
valid_start_args (const char *cmd,
                  int         argc,
                  char      **argv)
{
  if (argc != 2 || strcmp (argv[1], "help") == 0)
    {
      printf ("acrnctl %s %s\n", cmd, "VM_NAME");
      return -1;
    }
  return 0;
}

static int
valid_list_args (const char *cmd,
                 int         argc,
                 char      **argv)
{
  if (argc != 1)
    {
      printf ("acrnctl %s\n", cmd);
      return -1;
    }
  return 0;
}

static const Cmd cmds[] = {
  { "list", "List all the virtual machines added", do_list, valid_list_args },
  { "start", "Start virtual machine VM_NAME", do_start, valid_start_args },
  { "stop", "Stop virtual machine VM_NAME, [--force/-f, force to stop VM]", do_stop, df_valid_args },
  { "del", "Delete virtual machine VM_NAME", do_del, df_valid_args },
  { "add", "Add one virtual machine with SCRIPTS and OPTIONS", do_add, valid_add_args },
  { "reset", "Stop and then start virtual machine VM_NAME", do_reset, df_valid_args },
  { "blkrescan", "Rescan virtio-blk device attached to a virtual machine", do_blkrescan,
    valid_blkrescan_args },
};

static void
usage (void)
{
  printf ("\nUsage: acrnctl SUB-CMD { VM_NAME | SCRIPTS OPTIONS | help }\n\n");
  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    printf ("\t%-12s%s\n", cmds[i].cmd, cmds[i].desc);
}

static int
run (int    argc,
     char **argv)
{
  if (argc == 1 || strcmp (argv[1], "help") == 0)
    {
      usage ();
      return 0;
    }
  if (getuid () != 0 || fake_env_flag ("FAKE_ACRNCTL_NONROOT"))
    {
      printf ("Please run acrnctl with root privileges. Exiting.\n");
      return -1;
    }
  /* acrnctl runs "mkdir -p" on its conf dir every time */
  if (g_mkdir_with_parents (conf_dir, 0755) != 0)
    fprintf (stderr, "mkdir: cannot create directory '%s': %s\n", conf_dir, g_strerror (errno));

  if (strcmp (argv[1], "gentmpfile") == 0)
    {
      printf ("\nacrnctl: %s\n", argv[argc - 1]);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      if (strcmp (argv[1], cmds[i].cmd) != 0)
        continue;
      if (cmds[i].valid_args (cmds[i].cmd, argc - 1, argv + 1) != 0)
        return -1;
      vmmngr_update ();
      return cmds[i].func (argc - 1, argv + 1);
    }
  printf ("Unknown command: %s\n", argv[1]);
  usage ();
  return -1;
}

int
main (int    argc,
      char **argv)
{
  const char *log = g_getenv ("FAKE_ACRNCTL_LOG");
  const char *env;
  int ret;

  if (log != NULL && *log != '\0')
    fake_append_argv_log (log, argc, argv);

  env = g_getenv ("FAKE_ACRN_MNGR_DIR");
  mngr_dir = g_strdup (env != NULL && *env != '\0' ? env : FAKE_MNGR_DEFAULT_DIR);
  env = g_getenv ("FAKE_ACRN_CONF_DIR");
  conf_dir = g_strdup (env != NULL && *env != '\0' ? env : FAKE_ACRN_DEFAULT_CONF_DIR);

  ret = run (argc, argv);

  g_list_free_full (vms, g_free);
  g_free (mngr_dir);
  g_free (conf_dir);
  fflush (stdout);
  return ret & 0xff;
}
