/* test-acrn-cmdline.c: config -> acrn-dm argv, VM names, and bad input
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every valid case is compared element by element with a fully written-out
 * argv ("@T@" stands for the test's temporary directory), then run through
 * the fake acrn-dm's parse stage (FAKE_ACRN_DM, FAKE_ACRN_PARSE_ONLY=1).
 * Every bad case asserts the error code and that the message names the
 * offending key or device.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#include "acrn-cmdline.h"
#include "acrn-name.h"

#define BASE "tsc=reliable no_timer_check nohpet console=tty0 console=ttyS0 " \
             "console=hvc0 log_buf_len=16M consoleblank=0"
#define ROOT "root=/dev/vda1 rw rootwait"
#define QUIET "quiet systemd.show_status=false"
#define DEBUG "debug systemd.show_status=true systemd.log_level=debug " \
              "systemd.log_target=kmsg printk.devkmsg=on"

#define LONG_ID "4d3c2b1a0f9e8d7c6b5a49382716f5e4d3c2b1a0f9e8d7c6b5a49382716f5e4d"
/* "sbx_" + the first 11 hex digits of SHA-256(LONG_ID), computed outside */
#define LONG_ID_NAME "sbx_e4e349d9f2b"

/* ---- fixture: a temp dir with the files a config points at ---------- */

typedef struct {
  char *tmpdir;
  char *store;
} Fixture;

static const char * const fixture_files[] = {
  "bzImage", "rootfs.img", "initrd.img", "OVMF.fd", "disk1.img", "disk2.img",
};

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize i;

  /* short: the console path <tmp>/s/<64-hex id>/console.sock must fit 107 */
  f->tmpdir = g_dir_make_tmp ("cl-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (f->tmpdir), <=, 28);

  for (i = 0; i < G_N_ELEMENTS (fixture_files); i++)
    {
      g_autofree char *path = g_build_filename (f->tmpdir, fixture_files[i], NULL);

      g_assert_true (g_file_set_contents (path, "x", 1, &error));
      g_assert_no_error (error);
    }

  f->store = g_build_filename (f->tmpdir, "s", NULL);
  g_assert_cmpint (g_mkdir (f->store, 0700), ==, 0);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_assert_cmpint (g_unlink (child), ==, 0);
        }
      g_dir_close (dir);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->store);
}

/* "@T@/x" -> "<tmpdir>/x" */
static char *
expand (Fixture    *f,
        const char *text)
{
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return NULL;

  parts = g_strsplit (text, "@T@", -1);
  return g_strjoinv (f->tmpdir, parts);
}

static char *
tmp_path (Fixture    *f,
          const char *name)
{
  return g_build_filename (f->tmpdir, name, NULL);
}

/* A valid config: kernel, image and store dir set; everything else left
 * at the config's defaults. */
static VmmHypervisorConfig *
make_config (Fixture    *f,
             const char *id)
{
  VmmHypervisorConfig *config = vmm_hypervisor_config_new (id);
  g_autofree char *kernel = tmp_path (f, "bzImage");
  g_autofree char *image = tmp_path (f, "rootfs.img");

  g_object_set (config,
                "kernel", kernel,
                "image", image,
                "store-dir", f->store,
                NULL);
  return config;
}

static void
set_str (Fixture             *f,
         VmmHypervisorConfig *config,
         const char          *property,
         const char          *value)
{
  g_autofree char *expanded = expand (f, value);

  g_object_set (config, property, expanded, NULL);
}

static void
add_device (VmmHypervisorConfig *config,
            gpointer             device)
{
  vmm_hypervisor_config_add_device (config, VMM_DEVICE (device));
  g_object_unref (device);
}

static void
add_block (Fixture             *f,
           VmmHypervisorConfig *config,
           const char          *path,
           gboolean             read_only)
{
  g_autofree char *expanded = expand (f, path);

  add_device (config, vmm_block_device_new (expanded, read_only));
}

static void
add_net (VmmHypervisorConfig *config,
         const char          *tap,
         const char          *mac,
         gboolean             vhost)
{
  VmmNetDevice *net = vmm_net_device_new (tap, mac);

  g_object_set (net, "vhost", vhost, NULL);
  add_device (config, net);
}

static void
add_console (Fixture             *f,
             VmmHypervisorConfig *config,
             const char          *name,
             const char          *path)
{
  g_autofree char *expanded = expand (f, path);

  add_device (config, vmm_console_device_new (name, expanded));
}

static void
assert_argv (Fixture            *f,
             char              **got,
             const char * const *expected)
{
  guint n_got, n_expected, i;

  g_assert_nonnull (got);
  n_got = g_strv_length (got);
  n_expected = g_strv_length ((char **) expected);

  for (i = 0; i < MIN (n_got, n_expected); i++)
    {
      g_autofree char *want = expand (f, expected[i]);

      if (g_strcmp0 (got[i], want) != 0)
        g_test_message ("argv[%u] differs", i);
      g_assert_cmpstr (got[i], ==, want);
    }
  g_assert_cmpuint (n_got, ==, n_expected);
}

/* ---- the fake acrn-dm's parse stage -------------------------------- */

static void
run_fake_parse (char **argv)
{
  const char *fake = g_getenv ("FAKE_ACRN_DM");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *saved = NULL;

  if (fake == NULL || *fake == '\0' || !g_file_test (fake, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("the fake acrn-dm (tests/fakes, env FAKE_ACRN_DM) is not "
                   "available: this argv was not run through its parse stage");
      return;
    }

  saved = argv[0];
  argv[0] = (char *) fake;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "FAKE_ACRN_PARSE_ONLY", "1", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  argv[0] = saved;
  saved = NULL;
  g_assert_no_error (error);

  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("fake acrn-dm stdout: %s", out);
  g_test_message ("fake acrn-dm stderr: %s", err);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

/* ---- valid configs: argv element by element ------------------------ */

typedef struct {
  const char *name;
  void (*setup) (Fixture *f, VmmHypervisorConfig *config);
  const char *id;              /* NULL: "demo" */
  const char *vm_name;         /* NULL: acrn_vm_name_for_id () */
  guint lapic[4];
  gsize n_lapic;
  const char *console_path;    /* NULL: the default */
  const char * const *expected;
  void (*check_map) (const AcrnSlotMap *map);
} ValidCase;

static void
check_common_slots (const AcrnSlotMap *map,
                    gboolean           with_image)
{
  g_assert_cmpint (map->kind[0], ==, ACRN_SLOT_KIND_HOSTBRIDGE);
  g_assert_cmpint (map->kind[1], ==, ACRN_SLOT_KIND_LPC);
  g_assert_cmpint (map->kind[2], ==, ACRN_SLOT_KIND_RESERVED);
  g_assert_cmpint (map->kind[3], ==, ACRN_SLOT_KIND_CONSOLE);
  g_assert_cmpint (map->kind[4], ==, with_image ? ACRN_SLOT_KIND_IMAGE
                                                : ACRN_SLOT_KIND_RESERVED);
  g_assert_cmpint (map->index[0], ==, -1);
  g_assert_cmpint (map->index[4], ==, -1);
}

static void
check_pool (const AcrnSlotMap *map,
            guint              n_pool)
{
  guint i;

  g_assert_cmpuint (map->n_pool_slots, ==, n_pool);
  for (i = 0; i < n_pool; i++)
    {
      g_assert_cmpuint (map->pool_slots[i], ==, 5 + i);
      g_assert_cmpint (map->kind[5 + i], ==, ACRN_SLOT_KIND_POOL);
      g_assert_cmpint (map->index[5 + i], ==, (gint) i);
    }
}

static void
check_free_from (const AcrnSlotMap *map,
                 guint              first_free)
{
  guint i;

  for (i = first_free; i < ACRN_PCI_SLOT_COUNT; i++)
    {
      g_assert_cmpint (map->kind[i], ==, ACRN_SLOT_KIND_FREE);
      g_assert_cmpint (map->index[i], ==, -1);
    }
}

/* defaults: memory 2048, 1 vcpu, max 1, pool 8, quiet, argv[0] default */
static const char * const defaults_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-blk,nodisk",
  "-s", "6,virtio-blk,nodisk",
  "-s", "7,virtio-blk,nodisk",
  "-s", "8,virtio-blk,nodisk",
  "-s", "9,virtio-blk,nodisk",
  "-s", "10,virtio-blk,nodisk",
  "-s", "11,virtio-blk,nodisk",
  "-s", "12,virtio-blk,nodisk",
  "--cpu_affinity", "2",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
check_defaults_map (const AcrnSlotMap *map)
{
  check_common_slots (map, TRUE);
  check_pool (map, 8);
  g_assert_cmpuint (map->n_device_slots, ==, 0);
  check_free_from (map, 13);
}

static void
setup_debug (Fixture             *f,
             VmmHypervisorConfig *config)
{
  g_object_set (config,
                "debug", TRUE,
                "memory-mib", 512,
                "vcpus", 2,
                "max-vcpus", 4,
                "block-pool-size", 2,
                NULL);
}

static const char * const debug_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "512M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-blk,nodisk",
  "-s", "6,virtio-blk,nodisk",
  "--cpu_affinity", "6,2",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " DEBUG " panic=1 maxcpus=4",
  "sbx-demo",
  NULL
};

static void
setup_every_device (Fixture             *f,
                    VmmHypervisorConfig *config)
{
  g_object_set (config, "block-pool-size", 3, NULL);
  add_block (f, config, "@T@/disk1.img", FALSE);
  add_block (f, config, "@T@/disk2.img", TRUE);
  add_net (config, "tap0", "02:00:00:00:00:01", FALSE);
  add_net (config, "tap1", NULL, TRUE);
  add_net (config, "vmtap.2", "0A:1b:2C:3d:4E:5f", TRUE);
  add_device (config, vmm_vsock_device_new (3, 1024));
  add_console (f, config, "serial0", "@T@/serial0.sock");
  add_device (config, vmm_pci_device_new ("0000:00:02.0"));
  add_device (config, vmm_pci_device_new ("3a:1f.7"));
}

static const char * const every_device_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-blk,nodisk",
  "-s", "6,virtio-blk,nodisk",
  "-s", "7,virtio-blk,nodisk",
  "-s", "8,virtio-blk,@T@/disk1.img",
  "-s", "9,virtio-blk,@T@/disk2.img,ro",
  "-s", "10,virtio-net,tap=tap0,mac=02:00:00:00:00:01",
  "-s", "11,virtio-net,tap=tap1,vhost",
  "-s", "12,virtio-net,tap=vmtap.2,vhost,mac=0A:1b:2C:3d:4E:5f",
  "-s", "13,vhost-vsock,cid=3",
  "-s", "14,virtio-console,socket:serial0=@T@/serial0.sock",
  "-s", "15,passthru,00/02/0",
  "-s", "16,passthru,3a/1f/7",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
check_every_device_map (const AcrnSlotMap *map)
{
  guint i;

  check_common_slots (map, TRUE);
  check_pool (map, 3);
  g_assert_cmpuint (map->n_device_slots, ==, 9);
  for (i = 0; i < 9; i++)
    {
      g_assert_cmpuint (map->device_slots[i], ==, 8 + i);
      g_assert_cmpint (map->kind[8 + i], ==, ACRN_SLOT_KIND_DEVICE);
      g_assert_cmpint (map->index[8 + i], ==, (gint) i);
    }
  check_free_from (map, 17);
}

static void
setup_initrd (Fixture             *f,
              VmmHypervisorConfig *config)
{
  set_str (f, config, "initrd", "@T@/initrd.img");
  g_object_set (config, "block-pool-size", 1, NULL);
}

static const char * const initrd_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-blk,nodisk",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-r", "@T@/initrd.img",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
setup_firmware (Fixture             *f,
                VmmHypervisorConfig *config)
{
  g_object_set (config, "kernel", NULL, "block-pool-size", 0, NULL);
  set_str (f, config, "firmware", "@T@/OVMF.fd");
}

static const char * const firmware_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "--cpu_affinity", "0",
  "--ovmf", "@T@/OVMF.fd",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
check_firmware_map (const AcrnSlotMap *map)
{
  check_common_slots (map, TRUE);
  check_pool (map, 0);
  g_assert_cmpuint (map->n_device_slots, ==, 0);
  check_free_from (map, 5);
}

/* No image: slot 4 stays empty, the pool still starts at 5, no root=. */
static void
setup_no_image (Fixture             *f,
                VmmHypervisorConfig *config)
{
  g_object_set (config, "image", NULL, "block-pool-size", 2, NULL);
  add_device (config, vmm_vsock_device_new (7, 0));
}

static const char * const no_image_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "5,virtio-blk,nodisk",
  "-s", "6,virtio-blk,nodisk",
  "-s", "7,vhost-vsock,cid=7",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
check_no_image_map (const AcrnSlotMap *map)
{
  check_common_slots (map, FALSE);
  check_pool (map, 2);
  g_assert_cmpuint (map->n_device_slots, ==, 1);
  g_assert_cmpuint (map->device_slots[0], ==, 7);
  g_assert_cmpint (map->kind[7], ==, ACRN_SLOT_KIND_DEVICE);
  check_free_from (map, 8);
}

static void
setup_long_id (Fixture             *f,
               VmmHypervisorConfig *config)
{
  g_object_set (config, "block-pool-size", 0, NULL);
}

static const char * const long_id_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/" LONG_ID "/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  LONG_ID_NAME,
  NULL
};

/* an id of exactly 11 characters still gives sbx-<id> (15 characters) */
static const char * const eleven_id_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/abcdefghijk/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-abcdefghijk",
  NULL
};

static void
setup_pool_1 (Fixture             *f,
              VmmHypervisorConfig *config)
{
  g_object_set (config, "block-pool-size", 1, NULL);
  add_net (config, "tap0", NULL, FALSE);
}

static const char * const pool_1_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-blk,nodisk",
  "-s", "6,virtio-net,tap=tap0",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
setup_pool_0 (Fixture             *f,
              VmmHypervisorConfig *config)
{
  g_object_set (config, "block-pool-size", 0, NULL);
  add_net (config, "tap0", NULL, FALSE);
}

static const char * const pool_0_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-net,tap=tap0",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
setup_pool_8 (Fixture             *f,
              VmmHypervisorConfig *config)
{
  g_object_set (config, "block-pool-size", 8, NULL);
  add_net (config, "tap0", NULL, FALSE);
}

static const char * const pool_8_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-blk,nodisk",
  "-s", "6,virtio-blk,nodisk",
  "-s", "7,virtio-blk,nodisk",
  "-s", "8,virtio-blk,nodisk",
  "-s", "9,virtio-blk,nodisk",
  "-s", "10,virtio-blk,nodisk",
  "-s", "11,virtio-blk,nodisk",
  "-s", "12,virtio-blk,nodisk",
  "-s", "13,virtio-net,tap=tap0",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
setup_pool_max (Fixture             *f,
                VmmHypervisorConfig *config)
{
  g_object_set (config, "block-pool-size", ACRN_BLOCK_POOL_MAX, NULL);
}

static const char * const pool_max_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-blk,nodisk",
  "-s", "6,virtio-blk,nodisk",
  "-s", "7,virtio-blk,nodisk",
  "-s", "8,virtio-blk,nodisk",
  "-s", "9,virtio-blk,nodisk",
  "-s", "10,virtio-blk,nodisk",
  "-s", "11,virtio-blk,nodisk",
  "-s", "12,virtio-blk,nodisk",
  "-s", "13,virtio-blk,nodisk",
  "-s", "14,virtio-blk,nodisk",
  "-s", "15,virtio-blk,nodisk",
  "-s", "16,virtio-blk,nodisk",
  "-s", "17,virtio-blk,nodisk",
  "-s", "18,virtio-blk,nodisk",
  "-s", "19,virtio-blk,nodisk",
  "-s", "20,virtio-blk,nodisk",
  "-s", "21,virtio-blk,nodisk",
  "-s", "22,virtio-blk,nodisk",
  "-s", "23,virtio-blk,nodisk",
  "-s", "24,virtio-blk,nodisk",
  "-s", "25,virtio-blk,nodisk",
  "-s", "26,virtio-blk,nodisk",
  "-s", "27,virtio-blk,nodisk",
  "-s", "28,virtio-blk,nodisk",
  "-s", "29,virtio-blk,nodisk",
  "-s", "30,virtio-blk,nodisk",
  "-s", "31,virtio-blk,nodisk",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

static void
check_pool_max_map (const AcrnSlotMap *map)
{
  check_common_slots (map, TRUE);
  check_pool (map, ACRN_BLOCK_POOL_MAX);
  g_assert_cmpuint (map->n_device_slots, ==, 0);
}

static void
setup_user_params (Fixture             *f,
                   VmmHypervisorConfig *config)
{
  const char * const params[] = { "root=/dev/vdb2", "quiet=0 maxcpus=2",
                                  "init=\"/sbin/my init\"", NULL };

  g_object_set (config,
                "kernel-params", params,
                "block-pool-size", 0,
                "max-vcpus", 2,
                NULL);
}

static const char * const user_params_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=2 "
        "root=/dev/vdb2 quiet=0 maxcpus=2 init=\"/sbin/my init\"",
  "sbx-demo",
  NULL
};

/* two read-only drives may share a file (a writable one may not) */
static void
setup_shared_read_only (Fixture             *f,
                        VmmHypervisorConfig *config)
{
  g_object_set (config, "block-pool-size", 0, NULL);
  add_block (f, config, "@T@/disk2.img", TRUE);
  add_block (f, config, "@T@/disk2.img", TRUE);
}

static const char * const shared_read_only_argv[] = {
  "/usr/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/s/demo/console.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "-s", "5,virtio-blk,@T@/disk2.img,ro",
  "-s", "6,virtio-blk,@T@/disk2.img,ro",
  "--cpu_affinity", "0",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=1",
  "sbx-demo",
  NULL
};

/* the caller's VM name, console path and acrn-dm path */
static void
setup_explicit (Fixture             *f,
                VmmHypervisorConfig *config)
{
  g_object_set (config, "block-pool-size", 0, "vcpus", 3, "max-vcpus", 3, NULL);
  set_str (f, config, "hypervisor-path", "@T@/bin/acrn-dm");
}

static const char * const explicit_argv[] = {
  "@T@/bin/acrn-dm",
  "-m", "2048M",
  "-s", "0:0,hostbridge",
  "-s", "1:0,lpc",
  "-l", "com1,stdio",
  "-s", "3,virtio-console,@socket:console0=@T@/other.sock",
  "-s", "4,virtio-blk,@T@/rootfs.img",
  "--cpu_affinity", "255,0,17",
  "-k", "@T@/bzImage",
  "-B", BASE " " ROOT " " QUIET " panic=1 maxcpus=3",
  "my_vm-15-chars_",
  NULL
};

static const ValidCase valid_cases[] = {
  { "defaults", NULL, NULL, NULL, { 2 }, 1, NULL, defaults_argv, check_defaults_map },
  { "debug", setup_debug, NULL, NULL, { 6, 2 }, 2, NULL, debug_argv, NULL },
  { "every-device", setup_every_device, NULL, NULL, { 0 }, 1, NULL,
    every_device_argv, check_every_device_map },
  { "initrd", setup_initrd, NULL, NULL, { 0 }, 1, NULL, initrd_argv, NULL },
  { "firmware", setup_firmware, NULL, NULL, { 0 }, 1, NULL, firmware_argv,
    check_firmware_map },
  { "no-image", setup_no_image, NULL, NULL, { 0 }, 1, NULL, no_image_argv,
    check_no_image_map },
  { "long-id", setup_long_id, LONG_ID, NULL, { 0 }, 1, NULL, long_id_argv, NULL },
  { "eleven-char-id", setup_long_id, "abcdefghijk", NULL, { 0 }, 1, NULL,
    eleven_id_argv, NULL },
  { "pool-0", setup_pool_0, NULL, NULL, { 0 }, 1, NULL, pool_0_argv, NULL },
  { "pool-1", setup_pool_1, NULL, NULL, { 0 }, 1, NULL, pool_1_argv, NULL },
  { "pool-8", setup_pool_8, NULL, NULL, { 0 }, 1, NULL, pool_8_argv, NULL },
  { "pool-max", setup_pool_max, NULL, NULL, { 0 }, 1, NULL, pool_max_argv,
    check_pool_max_map },
  { "user-params-last", setup_user_params, NULL, NULL, { 0 }, 1, NULL,
    user_params_argv, NULL },
  { "shared-read-only", setup_shared_read_only, NULL, NULL, { 0 }, 1, NULL,
    shared_read_only_argv, NULL },
  { "explicit-arguments", setup_explicit, NULL, "my_vm-15-chars_",
    { 255, 0, 17 }, 3, "@T@/other.sock", explicit_argv, NULL },
};

static char **
build_valid (Fixture         *f,
             const ValidCase *c,
             AcrnSlotMap     *map)
{
  g_autoptr(VmmHypervisorConfig) config = make_config (f, c->id ? c->id : "demo");
  g_autoptr(GError) error = NULL;
  g_autofree char *console_path = expand (f, c->console_path);
  char **argv;

  if (c->setup != NULL)
    c->setup (f, config);

  argv = acrn_cmdline_build (config, c->vm_name, c->lapic, c->n_lapic,
                             console_path, map, &error);
  g_assert_no_error (error);
  g_assert_nonnull (argv);
  return argv;
}

static void
test_valid_argv (Fixture       *f,
                 gconstpointer  data)
{
  const ValidCase *c = data;
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) again = NULL;
  g_autoptr(VmmHypervisorConfig) config = make_config (f, c->id ? c->id : "demo");
  g_autoptr(GError) error = NULL;
  AcrnSlotMap map, map2;

  memset (&map, 0xab, sizeof map);
  argv = build_valid (f, c, &map);
  assert_argv (f, argv, c->expected);
  if (c->check_map != NULL)
    c->check_map (&map);

  /* deterministic: the same input gives the same argv and map */
  memset (&map2, 0xcd, sizeof map2);
  again = build_valid (f, c, &map2);
  g_assert_true (g_strv_equal ((const char * const *) argv,
                               (const char * const *) again));
  g_assert_cmpmem (&map, sizeof map, &map2, sizeof map2);

  /* and the full check (files included) accepts it */
  if (c->setup != NULL)
    c->setup (f, config);
  g_assert_true (acrn_cmdline_check_config (config, &error));
  g_assert_no_error (error);
}

static void
test_valid_fake (Fixture       *f,
                 gconstpointer  data)
{
  const ValidCase *c = data;
  g_auto(GStrv) argv = build_valid (f, c, NULL);

  run_fake_parse (argv);
}

/* ---- bad input ------------------------------------------------------ */

typedef enum {
  STAGE_BOTH,     /* the builder and the check both refuse it */
  STAGE_IO,       /* only the check (files) refuses it */
  STAGE_ARGS,     /* only the builder (its own arguments) refuses it */
} Stage;

typedef struct {
  const char *name;
  void (*setup) (Fixture *f, VmmHypervisorConfig *config);
  /* or set one property: a string (expanded), else an unsigned number */
  const char *property;
  const char *str;
  guint num;
  VmmError code;
  const char *needles[4];     /* the message contains each (expanded) */
  Stage stage;
  /* builder arguments (STAGE_ARGS) */
  const char *vm_name;
  guint lapic[4];
  gsize n_lapic;              /* 0: one LAPIC id per vcpu, 0,1,2.. */
  const char *console_path;
} BadCase;

static void
bad_disk_comma (Fixture *f, VmmHypervisorConfig *c)
{
  add_block (f, c, "@T@/disk1.img", FALSE);
  add_block (f, c, "/a,b.img", FALSE);
}

static void
bad_disk_nodisk (Fixture *f, VmmHypervisorConfig *c)
{
  add_block (f, c, "/srv/nodisk-backup.img", FALSE);
}

static void
bad_disk_relative (Fixture *f, VmmHypervisorConfig *c)
{
  add_block (f, c, "nodisk", FALSE);
}

static void
bad_disk_control (Fixture *f, VmmHypervisorConfig *c)
{
  add_block (f, c, "/a\033[2J.img", TRUE);
}

static void
bad_tap_comma (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0,vhost", NULL, FALSE);
}

static void
bad_tap_long (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap456789abcdefg", NULL, FALSE);
}

static void
bad_tap_slash (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap/0", NULL, FALSE);
}

static void
bad_tap_empty (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "", NULL, FALSE);
}

static void
bad_tap_pattern (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap%d", NULL, FALSE);
}

static void
bad_tap_space (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap 0", NULL, FALSE);
}

static void
bad_tap_control (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap\n0", NULL, FALSE);
}

static void
bad_tap_dotdot (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "..", NULL, FALSE);
}

static void
bad_mac_short (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0", "02:00:00:00:00", FALSE);
}

static void
bad_mac_dashes (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0", "02-00-00-00-00-01", FALSE);
}

static void
bad_mac_hex (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0", "02:00:00:00:0g:01", FALSE);
}

static void
bad_mac_inject (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0", "02:00:00:00:00:01,vhost", FALSE);
}

static void
bad_mac_multicast (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0", "01:00:5e:00:00:01", FALSE);
}

static void
bad_mac_zero (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0", "00:00:00:00:00:00", FALSE);
}

static void
bad_cid_low (Fixture *f, VmmHypervisorConfig *c)
{
  add_device (c, vmm_vsock_device_new (2, 0));
}

static void
bad_cid_high (Fixture *f, VmmHypervisorConfig *c)
{
  add_device (c, vmm_vsock_device_new (0xffffffffu, 0));
}

static void
bad_cid_zero (Fixture *f, VmmHypervisorConfig *c)
{
  add_device (c, vmm_vsock_device_new (0, 0));
}

static void
bad_console_name_colon (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "a:b", "@T@/c.sock");
}

static void
bad_console_name_equals (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "a=b", "@T@/c.sock");
}

static void
bad_console_name_comma (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "a,b", "@T@/c.sock");
}

static void
bad_console_name_control (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "a\tb", "@T@/c.sock");
}

static void
bad_console_path_comma (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "serial0", "@T@/c,d.sock");
}

static void
bad_console_path_colon (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "serial0", "@T@/c.sock:client");
}

static void
bad_console_path_relative (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "serial0", "c.sock");
}

static void
bad_console_path_long (Fixture *f, VmmHypervisorConfig *c)
{
  g_autofree char *path = g_strnfill (108, 'p');

  path[0] = '/';
  add_console (f, c, "serial0", path);
}

static void
bad_pci_malformed (Fixture *f, VmmHypervisorConfig *c)
{
  add_device (c, vmm_pci_device_new ("00:02"));
}

static void
bad_pci_domain (Fixture *f, VmmHypervisorConfig *c)
{
  add_device (c, vmm_pci_device_new ("0001:00:02.0"));
}

static void
bad_too_many_devices (Fixture *f, VmmHypervisorConfig *c)
{
  guint i;

  /* 8 pool + 19 taps = 27 free slots, the 20th tap has none */
  g_object_set (c, "block-pool-size", 8, NULL);
  for (i = 0; i < 20; i++)
    {
      g_autofree char *tap = g_strdup_printf ("tap%u", i);

      add_net (c, tap, NULL, FALSE);
    }
}

static void
bad_too_many_disks (Fixture *f, VmmHypervisorConfig *c)
{
  g_object_set (c, "block-pool-size", ACRN_BLOCK_POOL_MAX, NULL);
  add_block (f, c, "@T@/disk1.img", FALSE);
}

static void
bad_dup_tap (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0", NULL, FALSE);
  add_net (c, "tap0", NULL, TRUE);
}

static void
bad_dup_mac (Fixture *f, VmmHypervisorConfig *c)
{
  add_net (c, "tap0", "02:00:00:00:00:AA", FALSE);
  add_net (c, "tap1", "02:00:00:00:00:aa", FALSE);
}

static void
bad_dup_disk (Fixture *f, VmmHypervisorConfig *c)
{
  add_block (f, c, "@T@/disk1.img", TRUE);
  add_block (f, c, "@T@//s/../disk1.img", FALSE);
}

static void
bad_image_as_disk (Fixture *f, VmmHypervisorConfig *c)
{
  add_block (f, c, "@T@/rootfs.img", TRUE);
}

static void
bad_two_vsock (Fixture *f, VmmHypervisorConfig *c)
{
  add_device (c, vmm_vsock_device_new (3, 0));
  add_device (c, vmm_vsock_device_new (4, 0));
}

static void
bad_console0 (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "console0", "@T@/c.sock");
}

static void
bad_console_same_path (Fixture *f, VmmHypervisorConfig *c)
{
  add_console (f, c, "serial0", "@T@/s/./demo/console.sock");
}

static void
bad_dup_pci (Fixture *f, VmmHypervisorConfig *c)
{
  add_device (c, vmm_pci_device_new ("0000:00:02.0"));
  add_device (c, vmm_pci_device_new ("00:02.0"));
}

static void
bad_both_boot (Fixture *f, VmmHypervisorConfig *c)
{
  set_str (f, c, "firmware", "@T@/OVMF.fd");
}

static void
bad_no_boot (Fixture *f, VmmHypervisorConfig *c)
{
  g_object_set (c, "kernel", NULL, NULL);
}

static void
bad_initrd_firmware (Fixture *f, VmmHypervisorConfig *c)
{
  g_object_set (c, "kernel", NULL, NULL);
  set_str (f, c, "firmware", "@T@/OVMF.fd");
  set_str (f, c, "initrd", "@T@/initrd.img");
}

static void
bad_firmware_comma (Fixture *f, VmmHypervisorConfig *c)
{
  g_object_set (c, "kernel", NULL, NULL);
  set_str (f, c, "firmware", "@T@/OVMF.fd,w");
}

static void
bad_params_long (Fixture *f, VmmHypervisorConfig *c)
{
  g_autofree char *big = g_strnfill (1900, 'x');
  const char * const params[] = { "a=b", big, NULL };

  g_object_set (c, "kernel-params", params, NULL);
}

static void
bad_params_empty (Fixture *f, VmmHypervisorConfig *c)
{
  const char * const params[] = { "a=b", "", NULL };

  g_object_set (c, "kernel-params", params, NULL);
}

static void
bad_params_spaces (Fixture *f, VmmHypervisorConfig *c)
{
  const char * const params[] = { "   ", NULL };

  g_object_set (c, "kernel-params", params, NULL);
}

static void
bad_params_control (Fixture *f, VmmHypervisorConfig *c)
{
  const char * const params[] = { "a=b", "c=d", "e=\r", NULL };

  g_object_set (c, "kernel-params", params, NULL);
}

static void
bad_vcpus_above_max (Fixture *f, VmmHypervisorConfig *c)
{
  g_object_set (c, "max-vcpus", 2, "vcpus", 3, NULL);
}

static void
bad_console_path_too_long_generated (Fixture *f, VmmHypervisorConfig *c)
{
  /* <tmp>/<80 x 'd'> + /demo/console.sock > 107 */
  g_autofree char *name = g_strnfill (80, 'd');
  g_autofree char *store = g_build_filename (f->tmpdir, name, NULL);

  g_object_set (c, "store-dir", store, NULL);
}

static void
bad_missing_disk (Fixture *f, VmmHypervisorConfig *c)
{
  add_block (f, c, "@T@/disk1.img", FALSE);
  add_block (f, c, "@T@/missing.img", TRUE);
}

static void
bad_kernel_dir (Fixture *f, VmmHypervisorConfig *c)
{
  set_str (f, c, "kernel", "@T@/s");
}

/* "/kkk...": @length bytes, one more than acrn-dm takes for -k/-r/--ovmf */
static char *
long_boot_path (gsize length)
{
  char *path = g_strnfill (length, 'k');

  path[0] = '/';
  return path;
}

static void
bad_kernel_long (Fixture *f, VmmHypervisorConfig *c)
{
  g_autofree char *path = long_boot_path (ACRN_BOOT_PATH_MAX);

  g_object_set (c, "kernel", path, NULL);
}

static void
bad_initrd_long (Fixture *f, VmmHypervisorConfig *c)
{
  g_autofree char *path = long_boot_path (ACRN_BOOT_PATH_MAX);

  g_object_set (c, "initrd", path, NULL);
}

static void
bad_firmware_long (Fixture *f, VmmHypervisorConfig *c)
{
  g_autofree char *path = long_boot_path (ACRN_BOOT_PATH_MAX);

  g_object_set (c, "kernel", NULL, "firmware", path, NULL);
}

#define CONFIG VMM_ERROR_INVALID_CONFIG
#define ARG VMM_ERROR_INVALID_ARGUMENT

static const BadCase bad_cases[] = {
  /* resources (the ones out of the properties' ranges: test_out_of_range) */
  { "vcpus-above-max", bad_vcpus_above_max, NULL, NULL, 0, CONFIG,
    { "key 'vcpus'", "is 3", "1..2", "'max-vcpus'" } },
  /* ids and store dir */
  { "id-empty", NULL, "id", "", 0, CONFIG, { "key 'id'", "empty" } },
  { "id-slash", NULL, "id", "a/b", 0, CONFIG, { "key 'id'", "'a/b'", "'/'" } },
  { "id-dotdot", NULL, "id", "a..b", 0, CONFIG, { "key 'id'", "'..'" } },
  { "id-dot", NULL, "id", ".", 0, CONFIG, { "key 'id'", "'.'" } },
  { "id-comma", NULL, "id", "a,b", 0, CONFIG, { "key 'id'", "contains ','" } },
  { "id-colon", NULL, "id", "a:b", 0, CONFIG, { "key 'id'", "contains ':'" } },
  { "id-control", NULL, "id", "a\nb", 0, CONFIG, { "key 'id'", "control character", "a\\x0ab" } },
  { "store-dir-comma", NULL, "store-dir", "@T@/a,b", 0, CONFIG, { "key 'store-dir'", "','" } },
  { "store-dir-relative", NULL, "store-dir", "run/libvmm", 0, CONFIG,
    { "key 'store-dir'", "absolute" } },
  { "console-path-generated-too-long", bad_console_path_too_long_generated, NULL, NULL, 0,
    CONFIG, { "'store-dir'", "'id'", "console.sock", "107" } },
  /* boot */
  { "kernel-and-firmware", bad_both_boot, NULL, NULL, 0, CONFIG, { "'kernel'", "'firmware'" } },
  { "no-kernel-no-firmware", bad_no_boot, NULL, NULL, 0, CONFIG, { "'kernel'", "'firmware'" } },
  { "initrd-with-firmware", bad_initrd_firmware, NULL, NULL, 0, CONFIG,
    { "key 'initrd'", "'firmware'" } },
  { "firmware-comma", bad_firmware_comma, NULL, NULL, 0, CONFIG, { "key 'firmware'", "','" } },
  { "kernel-relative", NULL, "kernel", "bzImage", 0, CONFIG, { "key 'kernel'", "absolute" } },
  { "kernel-control", NULL, "kernel", "@T@/bz\x7fImage", 0, CONFIG,
    { "key 'kernel'", "control character", "\\x7f" } },
  { "initrd-control", NULL, "initrd", "@T@/init\nrd", 0, CONFIG, { "key 'initrd'", "control" } },
  { "image-comma", NULL, "image", "@T@/root,fs.img", 0, CONFIG,
    { "key 'image' contains ',' which would inject an acrn-dm option" } },
  { "image-nodisk", NULL, "image", "@T@/nodisk.img", 0, CONFIG, { "key 'image'", "nodisk" } },
  { "image-relative", NULL, "image", "rootfs.img", 0, CONFIG, { "key 'image'", "absolute" } },
  { "hypervisor-path-control", NULL, "hypervisor-path", "/usr/bin/acrn-dm\n", 0, CONFIG,
    { "key 'hypervisor-path'", "control" } },
  /* acrn-dm exits 1 without a word for a -k/-r/--ovmf path of 1024 bytes */
  { "kernel-path-1024", bad_kernel_long, NULL, NULL, 0, CONFIG,
    { "key 'kernel'", "1024 bytes", "at most 1023" } },
  { "initrd-path-1024", bad_initrd_long, NULL, NULL, 0, CONFIG,
    { "key 'initrd'", "1024 bytes", "at most 1023" } },
  { "firmware-path-1024", bad_firmware_long, NULL, NULL, 0, CONFIG,
    { "key 'firmware'", "1024 bytes", "at most 1023" } },
  /* kernel params */
  { "params-too-long", bad_params_long, NULL, NULL, 0, CONFIG, { "key 'kernel-params'", "2047" } },
  { "params-empty", bad_params_empty, NULL, NULL, 0, CONFIG,
    { "key 'kernel-params' (item 1)", "empty" } },
  { "params-spaces", bad_params_spaces, NULL, NULL, 0, CONFIG,
    { "key 'kernel-params' (item 0)", "spaces" } },
  { "params-control", bad_params_control, NULL, NULL, 0, CONFIG,
    { "key 'kernel-params' (item 2)", "control", "e=\\x0d" } },
  /* devices: block */
  { "disk-comma", bad_disk_comma, NULL, NULL, 0, ARG,
    { "devices[1] (block device /a,b.img): key 'path' contains ',' which would inject an acrn-dm option" } },
  { "disk-nodisk", bad_disk_nodisk, NULL, NULL, 0, ARG,
    { "devices[0] (block device /srv/nodisk-backup.img): key 'path'", "nodisk" } },
  { "disk-relative", bad_disk_relative, NULL, NULL, 0, ARG,
    { "devices[0] (block device nodisk): key 'path'", "absolute" } },
  { "disk-control", bad_disk_control, NULL, NULL, 0, ARG,
    { "devices[0] (block device /a\\x1b[2J.img): key 'path'", "control" } },
  /* devices: net */
  { "tap-comma", bad_tap_comma, NULL, NULL, 0, ARG,
    { "devices[0] (net device tap0,vhost): key 'tap'", "','" } },
  { "tap-too-long", bad_tap_long, NULL, NULL, 0, ARG, { "devices[0]", "key 'tap'", "16 bytes" } },
  { "tap-slash", bad_tap_slash, NULL, NULL, 0, ARG, { "devices[0]", "key 'tap'", "'/'" } },
  { "tap-empty", bad_tap_empty, NULL, NULL, 0, ARG, { "devices[0]", "key 'tap'", "empty" } },
  { "tap-pattern", bad_tap_pattern, NULL, NULL, 0, ARG, { "devices[0]", "key 'tap'", "'%'" } },
  { "tap-space", bad_tap_space, NULL, NULL, 0, ARG, { "devices[0]", "key 'tap'", "' '" } },
  { "tap-control", bad_tap_control, NULL, NULL, 0, ARG,
    { "devices[0] (net device tap\\x0a0): key 'tap'", "control" } },
  { "tap-dotdot", bad_tap_dotdot, NULL, NULL, 0, ARG, { "devices[0]", "key 'tap'", "'..'" } },
  { "mac-short", bad_mac_short, NULL, NULL, 0, ARG,
    { "devices[0] (net device tap0)", "key 'mac'", "XX:XX:XX:XX:XX:XX" } },
  { "mac-dashes", bad_mac_dashes, NULL, NULL, 0, ARG, { "devices[0]", "key 'mac'", "02-00" } },
  { "mac-not-hex", bad_mac_hex, NULL, NULL, 0, ARG, { "devices[0]", "key 'mac'", "0g" } },
  { "mac-inject", bad_mac_inject, NULL, NULL, 0, ARG, { "devices[0]", "key 'mac'" } },
  { "mac-multicast", bad_mac_multicast, NULL, NULL, 0, ARG, { "devices[0]", "key 'mac'", "multicast" } },
  { "mac-zero", bad_mac_zero, NULL, NULL, 0, ARG, { "devices[0]", "key 'mac'", "zero" } },
  /* devices: vsock */
  { "cid-2", bad_cid_low, NULL, NULL, 0, ARG,
    { "devices[0] (vsock device cid 2): key 'cid'", "3..4294967294" } },
  { "cid-max", bad_cid_high, NULL, NULL, 0, ARG,
    { "devices[0] (vsock device cid 4294967295): key 'cid'" } },
  { "cid-0-not-allocated", bad_cid_zero, NULL, NULL, 0, ARG,
    { "devices[0] (vsock device cid 0): key 'cid'", "allocate" }, STAGE_ARGS },
  /* devices: console */
  { "console-name-colon", bad_console_name_colon, NULL, NULL, 0, ARG,
    { "devices[0] (console device a:b): key 'name'", "':'" } },
  { "console-name-equals", bad_console_name_equals, NULL, NULL, 0, ARG,
    { "devices[0] (console device a=b): key 'name'", "'='" } },
  { "console-name-comma", bad_console_name_comma, NULL, NULL, 0, ARG,
    { "devices[0] (console device a,b): key 'name'", "','" } },
  { "console-name-control", bad_console_name_control, NULL, NULL, 0, ARG,
    { "devices[0] (console device a\\x09b): key 'name'", "control" } },
  { "console-path-comma", bad_console_path_comma, NULL, NULL, 0, ARG,
    { "devices[0] (console device serial0): key 'path'", "','" } },
  { "console-path-colon", bad_console_path_colon, NULL, NULL, 0, ARG,
    { "devices[0] (console device serial0): key 'path'", "':'" } },
  { "console-path-relative", bad_console_path_relative, NULL, NULL, 0, ARG,
    { "devices[0] (console device serial0): key 'path'", "absolute" } },
  { "console-path-108", bad_console_path_long, NULL, NULL, 0, ARG,
    { "devices[0] (console device serial0): key 'path'", "108 bytes", "107" } },
  /* devices: pci */
  { "pci-malformed", bad_pci_malformed, NULL, NULL, 0, ARG,
    { "devices[0] (pci device 00:02): key 'address'" } },
  { "pci-domain", bad_pci_domain, NULL, NULL, 0, ARG,
    { "devices[0] (pci device 0001:00:02.0): key 'address'", "domain" } },
  /* slots and conflicts */
  { "too-many-devices", bad_too_many_devices, NULL, NULL, 0, ARG,
    { "devices[19] (net device tap19)", "no free PCI slot", "devices[0..18]" } },
  { "more-disks-than-slots", bad_too_many_disks, NULL, NULL, 0, ARG,
    { "devices[0] (block device @T@/disk1.img)", "no free PCI slot", "27 nodisk" } },
  { "duplicate-tap", bad_dup_tap, NULL, NULL, 0, ARG, { "devices[1]", "'tap0'", "devices[0]" } },
  { "duplicate-mac", bad_dup_mac, NULL, NULL, 0, ARG, { "devices[1]", "key 'mac'", "devices[0]" } },
  { "duplicate-disk", bad_dup_disk, NULL, NULL, 0, ARG, { "devices[1]", "key 'path'", "devices[0]" } },
  { "image-as-disk", bad_image_as_disk, NULL, NULL, 0, ARG,
    { "devices[0]", "key 'path'", "key 'image'" } },
  { "two-vsock", bad_two_vsock, NULL, NULL, 0, ARG, { "devices[1] (vsock device cid 4)", "devices[0]" } },
  { "console0-name", bad_console0, NULL, NULL, 0, ARG,
    { "devices[0] (console device console0): key 'name'", "VM console" } },
  { "console-same-path", bad_console_same_path, NULL, NULL, 0, ARG,
    { "devices[0] (console device serial0): key 'path'", "VM console" } },
  { "duplicate-pci", bad_dup_pci, NULL, NULL, 0, ARG,
    { "devices[1] (pci device 00:02.0)", "devices[0]" } },
  /* files (only the check looks at them) */
  { "kernel-missing", NULL, "kernel", "@T@/nope", 0, CONFIG,
    { "key 'kernel'", "@T@/nope" }, STAGE_IO },
  { "kernel-directory", bad_kernel_dir, NULL, NULL, 0, CONFIG,
    { "key 'kernel'", "@T@/s", "regular file" }, STAGE_IO },
  { "image-missing", NULL, "image", "@T@/nope.img", 0, CONFIG,
    { "key 'image'", "@T@/nope.img" }, STAGE_IO },
  { "initrd-missing", NULL, "initrd", "@T@/nope.rd", 0, CONFIG,
    { "key 'initrd'", "@T@/nope.rd" }, STAGE_IO },
  { "disk-missing", bad_missing_disk, NULL, NULL, 0, ARG,
    { "devices[1] (block device @T@/missing.img): key 'path'" }, STAGE_IO },
  /* the builder's own arguments */
  { "vm-name-16", NULL, NULL, NULL, 0, ARG, { "VM name", "sbx-0123456789ab", "16" },
    STAGE_ARGS, "sbx-0123456789ab" },
  { "vm-name-empty", NULL, NULL, NULL, 0, ARG, { "VM name", "0 bytes" }, STAGE_ARGS, "" },
  { "vm-name-dot", NULL, NULL, NULL, 0, ARG, { "VM name", "'a.b'" }, STAGE_ARGS, "a.b" },
  { "lapic-count", NULL, NULL, NULL, 0, ARG, { "LAPIC", "'vcpus'" }, STAGE_ARGS, NULL,
    { 1, 2 }, 2 },
  { "lapic-twice", bad_vcpus_above_max, "vcpus", NULL, 2, ARG, { "LAPIC id 5", "twice" },
    STAGE_ARGS, NULL, { 5, 5 }, 2 },
  { "console-path-arg-comma", NULL, NULL, NULL, 0, ARG,
    { "console socket path", "','" }, STAGE_ARGS, NULL, { 0 }, 0, "@T@/a,b.sock" },
};

static void
apply_bad (Fixture             *f,
           const BadCase       *c,
           VmmHypervisorConfig *config)
{
  if (c->setup != NULL)
    c->setup (f, config);

  if (c->property == NULL)
    return;

  if (c->str != NULL)
    set_str (f, config, c->property, c->str);
  else
    g_object_set (config, c->property, c->num, NULL);
}

static void
assert_names (Fixture       *f,
              const BadCase *c,
              const GError  *error)
{
  gsize i;

  g_assert_error (error, VMM_ERROR, (gint) c->code);
  g_test_message ("error: %s", error->message);
  for (i = 0; i < G_N_ELEMENTS (c->needles) && c->needles[i] != NULL; i++)
    {
      g_autofree char *needle = expand (f, c->needles[i]);

      if (strstr (error->message, needle) == NULL)
        g_error ("message '%s' lacks '%s'", error->message, needle);
    }
}

static void
test_bad (Fixture       *f,
          gconstpointer  data)
{
  const BadCase *c = data;
  g_autoptr(VmmHypervisorConfig) config = make_config (f, "demo");
  g_autoptr(GError) error = NULL;
  g_autofree char *console_path = expand (f, c->console_path);
  g_auto(GStrv) argv = NULL;
  guint lapic[64];
  const guint *lapic_ids = c->lapic;
  gsize n_lapic = c->n_lapic;
  AcrnSlotMap map;
  gboolean ok;

  apply_bad (f, c, config);

  if (n_lapic == 0)
    {
      guint i, vcpus = vmm_hypervisor_config_get_vcpus (config);

      n_lapic = MIN (vcpus, G_N_ELEMENTS (lapic));
      for (i = 0; i < n_lapic; i++)
        lapic[i] = i;
      lapic_ids = lapic;
    }

  memset (&map, 0x5a, sizeof map);
  argv = acrn_cmdline_build (config, c->vm_name, lapic_ids, n_lapic, console_path,
                             &map, &error);
  if (c->stage == STAGE_IO)
    {
      g_assert_no_error (error);
      g_assert_nonnull (argv);
    }
  else
    {
      AcrnSlotMap untouched;

      g_assert_null (argv);
      assert_names (f, c, error);
      /* a failed build leaves the caller's slot map alone */
      memset (&untouched, 0x5a, sizeof untouched);
      g_assert_cmpmem (&map, sizeof map, &untouched, sizeof untouched);
    }
  g_clear_error (&error);

  ok = acrn_cmdline_check_config (config, &error);
  if (c->stage == STAGE_ARGS)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      g_assert_false (ok);
      assert_names (f, c, error);
    }
}

static void
test_unreadable_kernel (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(VmmHypervisorConfig) config = make_config (f, "demo");
  g_autoptr(GError) error = NULL;
  g_autofree char *kernel = tmp_path (f, "bzImage");

  if (geteuid () == 0)
    {
      g_test_skip ("root can read a file of mode 000");
      return;
    }

  g_assert_cmpint (g_chmod (kernel, 0), ==, 0);
  g_assert_false (acrn_cmdline_check_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "key 'kernel'"));
  g_assert_nonnull (strstr (error->message, "not readable"));
}

/* Memory under 128 MiB or overflowing, vcpus or max-vcpus 0 and a pool
 * over 27 cannot even be stored in a VmmHypervisorConfig (its properties'
 * ranges): the loader refuses them and names the key. The builder checks
 * them again; this test also pins the ranges it relies on. */
static void
test_out_of_range (void)
{
  static const struct { const char *json; const char *key; } cases[] = {
    { "{\"id\":\"demo\",\"memory-mib\":127}", "memory-mib" },
    { "{\"id\":\"demo\",\"memory-mib\":4194305}", "memory-mib" },
    { "{\"id\":\"demo\",\"memory-mib\":17592186044416}", "memory-mib" },
    { "{\"id\":\"demo\",\"memory-mib\":-1}", "memory-mib" },
    { "{\"id\":\"demo\",\"vcpus\":0}", "vcpus" },
    { "{\"id\":\"demo\",\"max-vcpus\":0}", "max-vcpus" },
    { "{\"id\":\"demo\",\"block-pool-size\":28}", "block-pool-size" },
  };
  static const struct { const char *property; guint min; guint64 max; } ranges[] = {
    { "memory-mib", ACRN_MEMORY_MIB_MIN, G_MAXSIZE / (1024 * 1024) },
    { "vcpus", 1, G_MAXUINT },
    { "max-vcpus", 1, G_MAXUINT },
    { "block-pool-size", 0, ACRN_BLOCK_POOL_MAX },
  };
  g_autoptr(GTypeClass) klass = g_type_class_ref (VMM_TYPE_HYPERVISOR_CONFIG);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VmmHypervisorConfig) config =
        vmm_hypervisor_config_new_from_json (cases[i].json, -1, &error);

      g_assert_null (config);
      g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
      g_test_message ("%s: %s", cases[i].json, error->message);
      g_assert_nonnull (strstr (error->message, cases[i].key));
    }

  for (i = 0; i < G_N_ELEMENTS (ranges); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass),
                                                        ranges[i].property);

      g_assert_nonnull (pspec);
      g_assert_true (G_IS_PARAM_SPEC_UINT (pspec));
      g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->minimum, >=, ranges[i].min);
      g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->maximum, <=, ranges[i].max);
    }
}

/* The longest -k/-r/--ovmf path acrn-dm takes goes through as is. */
static void
test_boot_path_limit (void)
{
  g_autoptr(VmmHypervisorConfig) config = vmm_hypervisor_config_new ("demo");
  g_autoptr(GError) error = NULL;
  g_autofree char *kernel = long_boot_path (ACRN_BOOT_PATH_MAX - 1);
  g_autofree char *initrd = long_boot_path (ACRN_BOOT_PATH_MAX - 1);
  g_auto(GStrv) argv = NULL;
  const guint lapic[] = { 0 };

  initrd[1] = 'r';
  g_object_set (config, "kernel", kernel, "initrd", initrd, "store-dir", "/run/libvmm",
                "block-pool-size", 0, NULL);
  argv = acrn_cmdline_build (config, NULL, lapic, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (argv);
  g_assert_true (g_strv_contains ((const char * const *) argv, kernel));
  g_assert_true (g_strv_contains ((const char * const *) argv, initrd));
}

/* ---- devices checked alone, disk paths for hotplug ----------------- */

static void
test_check_device_alone (void)
{
  g_autoptr(VmmBlockDevice) good = vmm_block_device_new ("/srv/a.img", FALSE);
  g_autoptr(VmmNetDevice) bad = vmm_net_device_new ("tap,0", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (acrn_cmdline_check_device (VMM_DEVICE (good), -1, &error));
  g_assert_no_error (error);

  g_assert_false (acrn_cmdline_check_device (VMM_DEVICE (bad), -1, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, "net device tap,0: key 'tap'"));
  g_clear_error (&error);

  g_assert_false (acrn_cmdline_check_device (VMM_DEVICE (bad), 4, &error));
  g_assert_true (g_str_has_prefix (error->message, "devices[4] (net device tap,0): key 'tap'"));
}

static void
test_check_disk_path (void)
{
  static const char * const bad[] = {
    "/a,b.img", "/x/nodisk", "rel.img", "", "/a\nb",
  };
  g_autoptr(GError) error = NULL;
  gsize i;

  g_assert_true (acrn_cmdline_check_disk_path ("/var/lib/c/disk 1.img", &error));
  g_assert_no_error (error);

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (acrn_cmdline_check_disk_path (bad[i], &error));
      g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_str_has_prefix (error->message, "disk path "));
      g_clear_error (&error);
    }
}

static void
test_console_path (void)
{
  g_autoptr(VmmHypervisorConfig) config = vmm_hypervisor_config_new ("vm7");
  g_autofree char *path = NULL;

  g_object_set (config, "store-dir", "/run/libvmm", NULL);
  path = acrn_cmdline_get_console_path (config);
  g_assert_cmpstr (path, ==, "/run/libvmm/vm7/console.sock");
}

static void
test_kernel_params_alone (void)
{
  g_autoptr(VmmHypervisorConfig) config = vmm_hypervisor_config_new ("vm7");
  g_autoptr(GError) error = NULL;
  g_autofree char *params = NULL;
  const char * const user[] = { "a=1", "b", NULL };

  g_object_set (config, "max-vcpus", 3, "debug", TRUE, "kernel-params", user, NULL);
  params = acrn_cmdline_kernel_params (config, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (params, ==, BASE " " DEBUG " panic=1 maxcpus=3 a=1 b");
}

static void
test_slot_kind_names (void)
{
  g_assert_cmpstr (acrn_slot_kind_to_string (ACRN_SLOT_KIND_FREE), ==, "free");
  g_assert_cmpstr (acrn_slot_kind_to_string (ACRN_SLOT_KIND_POOL), ==, "pool");
  g_assert_cmpstr (acrn_slot_kind_to_string (ACRN_SLOT_KIND_DEVICE), ==, "device");
  g_assert_cmpstr (acrn_slot_kind_to_string (ACRN_SLOT_KIND_RESERVED), ==, "reserved");
  g_assert_cmpstr (acrn_slot_kind_to_string ((AcrnSlotKind) 99), ==, "unknown");
}

/* ---- VM names ------------------------------------------------------- */

static void
test_name_direct (void)
{
  g_autofree char *a = acrn_vm_name_for_id ("demo");
  g_autofree char *b = acrn_vm_name_for_id ("abcdefghijk");
  g_autofree char *c = acrn_vm_name_for_id ("A-b_9");

  g_assert_cmpstr (a, ==, "sbx-demo");
  g_assert_cmpstr (b, ==, "sbx-abcdefghijk");
  g_assert_cmpuint (strlen (b), ==, ACRN_VM_NAME_MAX);
  g_assert_cmpstr (c, ==, "sbx-A-b_9");
  g_assert_false (acrn_vm_name_is_hashed (a));
  g_assert_false (acrn_vm_name_is_hashed (b));
}

static void
test_name_hashed (void)
{
  static const struct { const char *id; const char *name; } cases[] = {
    { LONG_ID, LONG_ID_NAME },
    { "abcdefghijkl", "sbx_d682ed4ca4d" },   /* 12 characters: too long */
    { "my.vm", "sbx_4f35528a81f" },          /* '.' would cut acrnctl's lookup */
    { "0123456789a", "sbx-0123456789a" },    /* 11 hex: direct, not hashed */
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = acrn_vm_name_for_id (cases[i].id);
      g_autofree char *again = acrn_vm_name_for_id (cases[i].id);

      g_assert_cmpstr (name, ==, cases[i].name);
      g_assert_cmpstr (again, ==, name);
      g_assert_cmpuint (strlen (name), <=, ACRN_VM_NAME_MAX);
    }

  g_assert_true (acrn_vm_name_is_hashed (LONG_ID_NAME));
  g_assert_false (acrn_vm_name_is_hashed ("sbx_e4e349d9f2"));   /* short */
  g_assert_false (acrn_vm_name_is_hashed ("sbx_e4e349d9f2G"));  /* not hex */
  g_assert_false (acrn_vm_name_is_hashed ("sbx-e4e349d9f2b"));  /* direct */
}

static void
test_name_unique (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint i;

  /* 2000 container-like ids: all names distinct and exactly 15 long */
  for (i = 0; i < 2000; i++)
    {
      g_autofree char *id = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                         (const guchar *) &i, sizeof i);
      char *name = acrn_vm_name_for_id (id);

      g_assert_cmpuint (strlen (name), ==, ACRN_VM_NAME_MAX);
      g_assert_true (acrn_vm_name_is_hashed (name));
      g_assert_false (g_hash_table_contains (seen, name));
      g_hash_table_add (seen, name);
    }
}

static void
test_name_prefix (void)
{
  g_autofree char *hashed = acrn_vm_name_for_id (LONG_ID);

  /* acrnctl stop vm10 reaches vm1 (vm1 is a prefix), not the other way */
  g_assert_true (acrn_vm_name_is_prefix_ambiguous ("sbx-vm10", "sbx-vm1"));
  g_assert_false (acrn_vm_name_is_prefix_ambiguous ("sbx-vm1", "sbx-vm10"));
  g_assert_false (acrn_vm_name_is_prefix_ambiguous ("sbx-vm1", "sbx-vm1"));
  g_assert_false (acrn_vm_name_is_prefix_ambiguous ("sbx-vm1", "sbx-vm2"));
  /* a name with a '.' is known to acrnctl only up to the '.' */
  g_assert_true (acrn_vm_name_is_prefix_ambiguous ("a-anything", "a.b"));
  g_assert_true (acrn_vm_name_is_prefix_ambiguous ("a.c", "a.b"));
  g_assert_false (acrn_vm_name_is_prefix_ambiguous ("b", ".hidden"));
  /* hashed names and direct names never capture each other */
  g_assert_false (acrn_vm_name_is_prefix_ambiguous (hashed, "sbx-"));
  g_assert_true (acrn_vm_name_is_prefix_ambiguous (hashed, "sbx_"));
  g_assert_false (acrn_vm_name_is_prefix_ambiguous ("sbx-e4e349d9f2b", hashed));
  g_assert_false (acrn_vm_name_is_prefix_ambiguous (hashed, "sbx-e4e349d9f2b"));
}

int
main (int   argc,
      char *argv[])
{
  gsize i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      g_autofree char *argv_path = g_strdup_printf ("/acrn/cmdline/argv/%s", valid_cases[i].name);
      g_autofree char *fake_path = g_strdup_printf ("/acrn/cmdline/fake-parse/%s",
                                                    valid_cases[i].name);

      g_test_add (argv_path, Fixture, &valid_cases[i], fixture_setup, test_valid_argv,
                  fixture_teardown);
      g_test_add (fake_path, Fixture, &valid_cases[i], fixture_setup, test_valid_fake,
                  fixture_teardown);
    }

  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/acrn/cmdline/bad/%s", bad_cases[i].name);

      g_test_add (path, Fixture, &bad_cases[i], fixture_setup, test_bad, fixture_teardown);
    }

  g_test_add ("/acrn/cmdline/bad/kernel-unreadable", Fixture, NULL, fixture_setup,
              test_unreadable_kernel, fixture_teardown);
  g_test_add_func ("/acrn/cmdline/bad/out-of-range", test_out_of_range);
  g_test_add_func ("/acrn/cmdline/boot-path-limit", test_boot_path_limit);
  g_test_add_func ("/acrn/cmdline/check-device", test_check_device_alone);
  g_test_add_func ("/acrn/cmdline/check-disk-path", test_check_disk_path);
  g_test_add_func ("/acrn/cmdline/console-path", test_console_path);
  g_test_add_func ("/acrn/cmdline/kernel-params", test_kernel_params_alone);
  g_test_add_func ("/acrn/cmdline/slot-kind-names", test_slot_kind_names);
  g_test_add_func ("/acrn/name/direct", test_name_direct);
  g_test_add_func ("/acrn/name/hashed", test_name_hashed);
  g_test_add_func ("/acrn/name/unique", test_name_unique);
  g_test_add_func ("/acrn/name/prefix-ambiguity", test_name_prefix);

  return g_test_run ();
}
