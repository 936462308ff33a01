/* test-acrn-probe.c: the ACRN host probe against umockdev test beds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Needs libumockdev-preload.so.0 in LD_PRELOAD (meson sets it, after the ASan
 * runtime in sanitizer builds). Run by hand without it, the program re-executes
 * itself once with the preload added. The whole program is skipped only when
 * umockdev is really missing: not found at build time, or its preload library
 * (Debian package umockdev) cannot be loaded.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "acrn-probe.h"

#ifdef HAVE_UMOCKDEV
#include <dlfcn.h>
#include <umockdev.h>

#define UMOCKDEV_PRELOAD_LIB "libumockdev-preload.so.0"

#define ACRN_LOG_DOMAIN "Vmm-Acrn"

typedef struct
{
  UMockdevTestbed *testbed;
  char            *tmpdir;
  char            *dm_path;   /* an executable regular file */
  char            *ctl_path;  /* an executable regular file */
} Fixture;

/* Creates @name in the fixture's temp dir with @mode; returns its path. */
static char *
make_file (Fixture    *f,
           const char *name,
           int         mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->tmpdir, name, NULL);

  g_file_set_contents (path, "#!/bin/sh\nexit 0\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
rm_rf (const char *path)
{
  GDir *dir;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) &&
      g_file_test (path, G_FILE_TEST_IS_DIR) &&
      (dir = g_dir_open (path, 0, NULL)) != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
      g_dir_close (dir);
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    {
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->testbed = umockdev_testbed_new ();
  g_assert_true (umockdev_in_mock_environment ());

  f->tmpdir = g_dir_make_tmp ("acrn-probe-XXXXXX", &error);
  g_assert_no_error (error);
  f->dm_path = make_file (f, "acrn-dm", 0755);
  f->ctl_path = make_file (f, "acrnctl", 0755);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  rm_rf (f->tmpdir);
  g_clear_pointer (&f->tmpdir, g_free);
  g_clear_pointer (&f->dm_path, g_free);
  g_clear_pointer (&f->ctl_path, g_free);
  g_clear_object (&f->testbed);
}

static void
add_devices (Fixture    *f,
             const char *description)
{
  g_autoptr(GError) error = NULL;

  umockdev_testbed_add_from_string (f->testbed, description, &error);
  g_assert_no_error (error);
}

/* A misc device as the kernel registers it; @with_node creates its /dev file. */
static void
add_misc (Fixture    *f,
          const char *name,
          const char *devnum,
          gboolean    with_node)
{
  g_autofree char *description = NULL;

  description = g_strdup_printf ("P: /devices/virtual/misc/%s\n"
                                 "E: SUBSYSTEM=misc\n"
                                 "E: DEVNAME=/dev/%s\n"
                                 "A: dev=%s\n"
                                 "%s%s%s",
                                 name, name, devnum,
                                 with_node ? "N: " : "",
                                 with_node ? name : "",
                                 with_node ? "\n" : "");
  add_devices (f, description);
}

static void
add_hsm (Fixture *f)
{
  add_misc (f, "acrn_hsm", "10:123", TRUE);
}

static void
add_vhm (Fixture *f)
{
  add_misc (f, "acrn_vhm", "10:124", TRUE);
}

static void
add_vhost_vsock (Fixture *f)
{
  add_misc (f, "vhost-vsock", "10:241", TRUE);
}

/* A PCI device; @driver NULL leaves it unbound. The driver is a sysfs
 * "driver" link, as in the real /sys/bus/pci/devices/BDF. */
static void
add_pci (Fixture    *f,
         const char *bdf,
         const char *driver)
{
  g_autofree char *description = NULL;
  g_autofree char *driver_lines = NULL;

  if (driver != NULL)
    driver_lines = g_strdup_printf ("E: DRIVER=%s\n"
                                    "L: driver=../../../bus/pci/drivers/%s\n",
                                    driver, driver);

  description = g_strdup_printf ("P: /devices/pci0000:00/%s\n"
                                 "E: SUBSYSTEM=pci\n"
                                 "E: PCI_SLOT_NAME=%s\n"
                                 "A: vendor=0x8086\n"
                                 "A: device=0x3e92\n"
                                 "%s",
                                 bdf, bdf, driver_lines ? driver_lines : "");
  add_devices (f, description);
}

static VmmHypervisorConfig *
config_with_pci (const char * const *addresses)
{
  VmmHypervisorConfig *config = vmm_hypervisor_config_new ("probe-test");

  for (gsize i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      g_autoptr(VmmPciDevice) pci = vmm_pci_device_new (addresses[i]);

      g_assert_nonnull (pci);
      vmm_hypervisor_config_add_device (config, VMM_DEVICE (pci));
    }
  return config;
}

static void
add_vsock_to (VmmHypervisorConfig *config,
              guint32              cid)
{
  g_autoptr(VmmVsockDevice) vsock = vmm_vsock_device_new (cid, 1024);

  vmm_hypervisor_config_add_device (config, VMM_DEVICE (vsock));
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected \"%s\" in \"%s\"", needle, haystack);
}

static void
assert_lacks (const char *haystack,
              const char *needle)
{
  if (strstr (haystack, needle) != NULL)
    g_error ("did not expect \"%s\" in \"%s\"", needle, haystack);
}

#define HSM_MISSING \
  "no ACRN HSM device (/dev/acrn_hsm or /dev/acrn_vhm): is this the ACRN Service VM?"

/* ---- acrn_probe_host ---- */

static void
test_host_hsm (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  add_hsm (f);
  g_test_expect_message (ACRN_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         "ACRN HSM device found: /dev/acrn_hsm (misc device acrn_hsm)");
  g_assert_true (acrn_probe_host (f->dm_path, f->ctl_path, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
}

static void
test_host_vhm (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  add_vhm (f);
  g_test_expect_message (ACRN_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         "ACRN HSM device found: /dev/acrn_vhm (misc device acrn_vhm, ACRN 1.x)");
  g_assert_true (acrn_probe_host (f->dm_path, f->ctl_path, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
}

static void
test_host_prefers_hsm (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  add_vhm (f);
  add_hsm (f);
  g_test_expect_message (ACRN_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         "ACRN HSM device found: /dev/acrn_hsm *");
  g_assert_true (acrn_probe_host (f->dm_path, f->ctl_path, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
}

static void
test_host_no_hsm (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* another misc device must not be mistaken for the HSM */
  add_vhost_vsock (f);
  g_assert_false (acrn_probe_host (f->dm_path, f->ctl_path, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, HSM_MISSING);
  assert_lacks (error->message, "acrn-dm");
  assert_lacks (error->message, "acrnctl");
}

static void
test_host_hsm_without_node (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* udev knows the device, but /dev/acrn_hsm was never created */
  add_misc (f, "acrn_hsm", "10:123", FALSE);
  g_assert_false (acrn_probe_host (f->dm_path, f->ctl_path, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, "acrn_hsm exists but its device file /dev/acrn_hsm does not");
}

static void
test_host_dm_not_executable (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dm = make_file (f, "acrn-dm-noexec", 0644);
  g_autofree char *expected = g_strdup_printf ("acrn-dm not found or not executable: %s (%s)",
                                               dm, g_strerror (EACCES));

  add_hsm (f);
  g_assert_false (acrn_probe_host (dm, f->ctl_path, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, expected);
  assert_lacks (error->message, "acrnctl");
  assert_lacks (error->message, "HSM");
}

static void
test_host_ctl_missing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ctl = g_build_filename (f->tmpdir, "no-such-acrnctl", NULL);
  g_autofree char *expected = g_strdup_printf ("acrnctl not found or not executable: %s "
                                               "(does not exist)", ctl);

  add_hsm (f);
  g_assert_false (acrn_probe_host (f->dm_path, ctl, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, expected);
  assert_lacks (error->message, "acrn-dm");
}

static void
test_host_directory_is_not_a_program (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  /* a directory passes access(X_OK), but cannot be run */
  add_hsm (f);
  g_assert_false (acrn_probe_host (f->tmpdir, f->ctl_path, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  expected = g_strdup_printf ("acrn-dm not found or not executable: %s "
                              "(is not a regular file)", f->tmpdir);
  assert_contains (error->message, expected);
}

static void
test_host_symlinks (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *good = g_build_filename (f->tmpdir, "dm-link", NULL);
  g_autofree char *dangling = g_build_filename (f->tmpdir, "ctl-link", NULL);
  g_autofree char *expected = NULL;

  g_assert_cmpint (symlink (f->dm_path, good), ==, 0);
  g_assert_cmpint (symlink ("/nonexistent/acrnctl", dangling), ==, 0);

  add_hsm (f);
  g_assert_true (acrn_probe_host (good, f->ctl_path, &error));
  g_assert_no_error (error);

  g_assert_false (acrn_probe_host (good, dangling, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  expected = g_strdup_printf ("acrnctl not found or not executable: %s (does not exist)",
                              dangling);
  assert_contains (error->message, expected);
  assert_lacks (error->message, "acrn-dm");
}

static void
test_host_everything_missing (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dm = make_file (f, "dm-noexec", 0600);
  g_autofree char *ctl = g_build_filename (f->tmpdir, "missing-ctl", NULL);
  g_autofree char *expected_dm = g_strdup_printf ("acrn-dm not found or not executable: %s (%s)",
                                                  dm, g_strerror (EACCES));
  g_autofree char *expected_ctl = g_strdup_printf ("acrnctl not found or not executable: %s "
                                                   "(does not exist)", ctl);

  g_assert_false (acrn_probe_host (dm, ctl, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, HSM_MISSING);
  assert_contains (error->message, expected_dm);
  assert_contains (error->message, expected_ctl);
}

static void
test_host_default_paths (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean have_dm = g_file_test (ACRN_PROBE_DEFAULT_DM_PATH, G_FILE_TEST_IS_REGULAR) &&
                     g_access (ACRN_PROBE_DEFAULT_DM_PATH, X_OK) == 0;
  gboolean have_ctl = g_file_test (ACRN_PROBE_DEFAULT_CTL_PATH, G_FILE_TEST_IS_REGULAR) &&
                      g_access (ACRN_PROBE_DEFAULT_CTL_PATH, X_OK) == 0;

  add_hsm (f);
  g_assert_cmpint (acrn_probe_host (NULL, NULL, &error), ==, have_dm && have_ctl);
  if (have_dm && have_ctl)
    {
      g_assert_no_error (error);
      return;
    }

  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  if (!have_dm)
    assert_contains (error->message,
                     "acrn-dm not found or not executable: " ACRN_PROBE_DEFAULT_DM_PATH);
  if (!have_ctl)
    assert_contains (error->message,
                     "acrnctl not found or not executable: " ACRN_PROBE_DEFAULT_CTL_PATH);
}

/* Each test gets a fresh test bed: what an earlier one added is gone. */
static void
test_host_testbeds_are_separate (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  add_hsm (f);
  g_assert_true (acrn_probe_host (f->dm_path, f->ctl_path, &error));
  g_assert_no_error (error);

  g_clear_object (&f->testbed);
  f->testbed = umockdev_testbed_new ();
  g_assert_false (acrn_probe_host (f->dm_path, f->ctl_path, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, HSM_MISSING);
}

/* ---- acrn_probe_config ---- */

static void
test_config_no_devices (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (NULL);
  g_autoptr(VmmBlockDevice) disk = vmm_block_device_new ("/nonexistent.img", FALSE);

  /* nothing that needs the host: an empty test bed is enough */
  vmm_hypervisor_config_add_device (config, VMM_DEVICE (disk));
  g_assert_true (acrn_probe_config (config, &error));
  g_assert_no_error (error);
}

static void
test_config_pci_stub (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "0000:00:02.0", "0000:3a:1f.6", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  add_pci (f, "0000:00:02.0", "pci-stub");
  add_pci (f, "0000:3a:1f.6", "pci-stub");
  g_test_expect_message (ACRN_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         "PCI device 0000:00:02.0 is bound to pci-stub");
  g_test_expect_message (ACRN_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         "PCI device 0000:3a:1f.6 is bound to pci-stub");
  g_assert_true (acrn_probe_config (config, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
}

/* sysfs names are the full, lower-case BDF, whatever form the config uses */
static void
test_config_pci_address_forms (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "3a:1f.6", "0000:3B:0E.1", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  add_pci (f, "0000:3a:1f.6", "pci-stub");
  add_pci (f, "0000:3b:0e.1", "pci-stub");
  g_assert_true (acrn_probe_config (config, &error));
  g_assert_no_error (error);
}

static void
test_config_pci_malformed (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "0000:00:02.0", "00:02", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  /* a malformed address is the configuration's fault, whatever else */
  add_pci (f, "0000:00:02.0", "i915");
  g_assert_false (acrn_probe_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  assert_contains (error->message, "'00:02' is not a valid");
  assert_contains (error->message, "PCI device 0000:00:02.0 is bound to i915");
}

static void
test_config_pci_other_driver (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "0000:00:02.0", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  add_pci (f, "0000:00:02.0", "i915");
  g_assert_false (acrn_probe_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, "PCI device 0000:00:02.0 is bound to i915");
  assert_contains (error->message, "pci-stub");
}

static void
test_config_pci_no_driver (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "0000:00:02.0", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  add_pci (f, "0000:00:02.0", NULL);
  g_assert_false (acrn_probe_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, "PCI device 0000:00:02.0 has no driver");
  assert_contains (error->message, "pci-stub");
}

static void
test_config_pci_absent (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "0000:00:02.0", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  /* a different device exists, bound correctly */
  add_pci (f, "0000:00:03.0", "pci-stub");
  g_assert_false (acrn_probe_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  assert_contains (error->message, "PCI device 0000:00:02.0 not found");
  assert_lacks (error->message, "0000:00:03.0");
}

static void
test_config_pci_several_problems (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "0000:00:04.0", "0000:00:02.0", "0000:00:03.0", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  /* 0000:00:04.0 is absent and comes first, but the code is that of the
   * wrong driver found later: a device that is unusable outranks one that
   * is missing */
  add_pci (f, "0000:00:02.0", "pci-stub");
  add_pci (f, "0000:00:03.0", "e1000e");
  g_assert_false (acrn_probe_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, "PCI device 0000:00:03.0 is bound to e1000e");
  assert_contains (error->message, "PCI device 0000:00:04.0 not found");
  assert_lacks (error->message, "0000:00:02.0");
}

static void
test_config_vsock_present (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (NULL);

  add_vsock_to (config, 3);
  add_vhost_vsock (f);
  g_test_expect_message (ACRN_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         "vhost-vsock device found: /dev/vhost-vsock");
  g_assert_true (acrn_probe_config (config, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
}

static void
test_config_vsock_absent (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (NULL);

  add_vsock_to (config, 42);
  add_hsm (f);
  g_assert_false (acrn_probe_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, "/dev/vhost-vsock");
  assert_contains (error->message, "cid 42");
}

static void
test_config_vsock_without_node (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (NULL);

  add_vsock_to (config, 5);
  add_misc (f, "vhost-vsock", "10:241", FALSE);
  g_assert_false (acrn_probe_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, "/dev/vhost-vsock");
  assert_contains (error->message, "its device file does not");
}

/* kmod creates /dev/vhost-vsock as a static node before the module is loaded;
 * opening it loads the module, so the node alone is enough. */
static void
test_config_vsock_static_node (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (NULL);
  g_autofree char *root = umockdev_testbed_get_root_dir (f->testbed);
  g_autofree char *devdir = g_build_filename (root, "dev", NULL);
  g_autofree char *node = g_build_filename (devdir, "vhost-vsock", NULL);

  add_vsock_to (config, 7);
  g_assert_cmpint (g_mkdir_with_parents (devdir, 0755), ==, 0);
  g_file_set_contents (node, "", 0, &error);
  g_assert_no_error (error);

  g_assert_true (acrn_probe_config (config, &error));
  g_assert_no_error (error);
}

static void
test_config_vsock_not_needed (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "0000:00:02.0", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  /* no vsock configured: its absence does not matter */
  add_pci (f, "0000:00:02.0", "pci-stub");
  g_assert_true (acrn_probe_config (config, &error));
  g_assert_no_error (error);
}

static void
test_config_pci_and_vsock (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const addresses[] = { "0000:00:02.0", NULL };
  g_autoptr(VmmHypervisorConfig) config = config_with_pci (addresses);

  add_vsock_to (config, 3);
  add_pci (f, "0000:00:02.0", "i915");
  g_assert_false (acrn_probe_config (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, "PCI device 0000:00:02.0 is bound to i915");
  assert_contains (error->message, "/dev/vhost-vsock");
}

typedef enum
{
  PRELOAD_ACTIVE,
  PRELOAD_UNAVAILABLE,  /* the preload library cannot be loaded: skip */
  PRELOAD_BROKEN,       /* it should work but does not: fail */
} PreloadState;

/* Makes sure libumockdev-preload is active: without it every udev query
 * would read the real /sys. Run by hand without it, re-executes this program
 * with the preload added (not under valgrind, which the new program would
 * escape: there it explains how to run). */
static PreloadState
ensure_preload (char    **argv,
                char    **reason)
{
  g_autoptr(UMockdevTestbed) probe = umockdev_testbed_new ();
  const char *preload = g_getenv ("LD_PRELOAD");
  g_autofree char *new_preload = NULL;
  void *handle;

  if (umockdev_in_mock_environment ())
    return PRELOAD_ACTIVE;

  handle = dlopen (UMOCKDEV_PRELOAD_LIB, RTLD_LAZY | RTLD_NOLOAD);
  if (handle != NULL)
    {
      dlclose (handle);
      *reason = g_strdup (UMOCKDEV_PRELOAD_LIB " is loaded but the test bed "
                          "is not active");
      return PRELOAD_BROKEN;
    }

  if (preload != NULL && strstr (preload, UMOCKDEV_PRELOAD_LIB) != NULL)
    {
      *reason = g_strdup (UMOCKDEV_PRELOAD_LIB " could not be preloaded "
                          "(Debian package umockdev)");
      return PRELOAD_UNAVAILABLE;
    }

  if (preload != NULL && strstr (preload, "vgpreload") != NULL)
    {
      *reason = g_strdup ("under valgrind, run this test with LD_PRELOAD="
                          ACRN_TEST_PRELOAD " (as meson test does) or "
                          "under umockdev-wrapper");
      return PRELOAD_BROKEN;
    }

  new_preload = preload != NULL && *preload != '\0'
                ? g_strconcat (ACRN_TEST_PRELOAD ":", preload, NULL)
                : g_strdup (ACRN_TEST_PRELOAD);
  g_setenv ("LD_PRELOAD", new_preload, TRUE);
  g_clear_object (&probe);
  execv ("/proc/self/exe", argv);
  *reason = g_strdup_printf ("cannot re-execute with the umockdev preload: %s",
                             g_strerror (errno));
  return PRELOAD_BROKEN;
}

#define ADD(path, func) \
  g_test_add ("/acrn/probe/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int    argc,
      char **argv)
{
  g_autofree char *reason = NULL;

  switch (ensure_preload (argv, &reason))
    {
    case PRELOAD_ACTIVE:
      break;
    case PRELOAD_UNAVAILABLE:
      g_print ("1..0 # SKIP %s\n", reason);
      return 0;
    case PRELOAD_BROKEN:
    default:
      g_print ("Bail out! %s\n", reason);
      return 1;
    }

  g_test_init (&argc, &argv, NULL);

  ADD ("host/hsm", test_host_hsm);
  ADD ("host/vhm", test_host_vhm);
  ADD ("host/prefers-hsm", test_host_prefers_hsm);
  ADD ("host/no-hsm", test_host_no_hsm);
  ADD ("host/hsm-without-node", test_host_hsm_without_node);
  ADD ("host/dm-not-executable", test_host_dm_not_executable);
  ADD ("host/ctl-missing", test_host_ctl_missing);
  ADD ("host/directory", test_host_directory_is_not_a_program);
  ADD ("host/symlinks", test_host_symlinks);
  ADD ("host/everything-missing", test_host_everything_missing);
  ADD ("host/default-paths", test_host_default_paths);
  ADD ("host/testbeds-are-separate", test_host_testbeds_are_separate);

  ADD ("config/no-devices", test_config_no_devices);
  ADD ("config/pci-stub", test_config_pci_stub);
  ADD ("config/pci-address-forms", test_config_pci_address_forms);
  ADD ("config/pci-malformed", test_config_pci_malformed);
  ADD ("config/pci-other-driver", test_config_pci_other_driver);
  ADD ("config/pci-no-driver", test_config_pci_no_driver);
  ADD ("config/pci-absent", test_config_pci_absent);
  ADD ("config/pci-several-problems", test_config_pci_several_problems);
  ADD ("config/vsock-present", test_config_vsock_present);
  ADD ("config/vsock-absent", test_config_vsock_absent);
  ADD ("config/vsock-without-node", test_config_vsock_without_node);
  ADD ("config/vsock-static-node", test_config_vsock_static_node);
  ADD ("config/vsock-not-needed", test_config_vsock_not_needed);
  ADD ("config/pci-and-vsock", test_config_pci_and_vsock);

  return g_test_run ();
}

#else /* !HAVE_UMOCKDEV */

int
main (void)
{
  /* TAP: skip the whole program */
  g_print ("1..0 # SKIP umockdev-1.0 was not found at build time "
           "(Debian: libumockdev-dev, umockdev)\n");
  return 0;
}

#endif
