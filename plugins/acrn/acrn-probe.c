/* acrn-probe.c: can this host run ACRN VMs, and this configuration?
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything that lives in sysfs or /dev is looked up through libgudev, and
 * device-file paths are the ones udev reports, so that the probe can be run
 * against a umockdev test bed. A failed probe is a routine answer (the plugin
 * manager probes every plugin on hosts without ACRN), so it is logged at debug
 * level only; the reason is in the GError.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gudev/gudev.h>

#include "acrn-probe.h"

#define PCI_STUB_DRIVER   "pci-stub"
#define VHOST_VSOCK_NAME  "vhost-vsock"
#define VHOST_VSOCK_NODE  "/dev/" VHOST_VSOCK_NAME

/* The HSM device names, preferred first: ACRN 2.x/3.x, then 1.x. */
static const char * const hsm_names[] = { "acrn_hsm", "acrn_vhm" };

/* A list of problems, each with the VmmError code it would have alone. */
typedef struct
{
  GPtrArray *messages;
  VmmError   code;
  gboolean   have_code;
} Problems;

static void
problems_init (Problems *p)
{
  p->messages = g_ptr_array_new_with_free_func (g_free);
  p->code = VMM_ERROR_FAILED;
  p->have_code = FALSE;
}

static void
problems_clear (Problems *p)
{
  g_clear_pointer (&p->messages, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Problems, problems_clear)

/* How much a code says about the host; the highest one wins when several
 * problems are found: a malformed configuration first, then a host that
 * cannot do what is asked, then a device that is merely absent. */
static int
code_rank (VmmError code)
{
  switch (code)
    {
    case VMM_ERROR_INVALID_CONFIG:
      return 3;
    case VMM_ERROR_HOST_UNSUPPORTED:
      return 2;
    case VMM_ERROR_NOT_FOUND:
      return 1;
    default:
      return 0;
    }
}

static void problems_add (Problems   *p,
                          VmmError    code,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);

static void
problems_add (Problems   *p,
              VmmError    code,
              const char *format,
              ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (p->messages, g_strdup_vprintf (format, args));
  va_end (args);

  if (!p->have_code || code_rank (code) > code_rank (p->code))
    p->code = code;
  p->have_code = TRUE;
}

/* Logs the outcome and sets @error from @p, if it holds anything.
 * Returns TRUE when it is empty. */
static gboolean
problems_report (Problems    *p,
                 const char  *vm_id,
                 const char  *what,
                 GError     **error)
{
  g_autofree char *joined = NULL;

  if (p->messages->len == 0)
    {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                        "VMM_VM_ID", vm_id ? vm_id : "",
                        "MESSAGE", "%s%s%sACRN host probe passed",
                        vm_id ? "VM " : "", vm_id ? vm_id : "",
                        vm_id ? ": " : "");
      return TRUE;
    }

  g_ptr_array_add (p->messages, NULL);
  joined = g_strjoinv ("; ", (char **) p->messages->pdata);
  g_ptr_array_remove_index (p->messages, p->messages->len - 1);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    "VMM_VM_ID", vm_id ? vm_id : "",
                    "MESSAGE", "%s%s%s%s: %s",
                    vm_id ? "VM " : "", vm_id ? vm_id : "",
                    vm_id ? ": " : "", what, joined);
  g_set_error (error, VMM_ERROR, p->code, "%s: %s", what, joined);
  return FALSE;
}

typedef enum
{
  MISC_FOUND,          /* udev knows it and its device file exists */
  MISC_NO_DEVICE,      /* udev does not know it */
  MISC_NO_DEVICE_FILE, /* udev knows it, but the device file is missing */
} MiscLookup;

/* Looks up the misc device @name. On MISC_FOUND and MISC_NO_DEVICE_FILE,
 * @out_file is set to the device file udev reports (or %NULL if udev has
 * none). */
static MiscLookup
lookup_misc_device (GUdevClient  *client,
                    const char   *name,
                    char        **out_file)
{
  g_autoptr(GUdevDevice) device = NULL;
  const char *file;

  *out_file = NULL;

  device = g_udev_client_query_by_subsystem_and_name (client, "misc", name);
  if (device == NULL)
    return MISC_NO_DEVICE;

  file = g_udev_device_get_device_file (device);
  *out_file = g_strdup (file);
  if (file == NULL || !g_file_test (file, G_FILE_TEST_EXISTS))
    return MISC_NO_DEVICE_FILE;

  return MISC_FOUND;
}

static void
check_hsm (GUdevClient *client,
           Problems    *problems)
{
  g_autofree char *registered_name = NULL;
  g_autofree char *registered_file = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (hsm_names); i++)
    {
      g_autofree char *file = NULL;

      switch (lookup_misc_device (client, hsm_names[i], &file))
        {
        case MISC_FOUND:
          g_debug ("ACRN HSM device found: %s (misc device %s%s)",
                   file, hsm_names[i],
                   i > 0 ? ", ACRN 1.x" : "");
          return;

        case MISC_NO_DEVICE_FILE:
          g_debug ("misc device %s is known to udev but its device file %s "
                   "does not exist", hsm_names[i], file ? file : "(none)");
          if (registered_name == NULL)
            {
              registered_name = g_strdup (hsm_names[i]);
              registered_file = g_steal_pointer (&file);
            }
          break;

        case MISC_NO_DEVICE:
        default:
          g_debug ("no misc device %s", hsm_names[i]);
          break;
        }
    }

  if (registered_name != NULL)
    problems_add (problems, VMM_ERROR_HOST_UNSUPPORTED,
                  "the ACRN HSM misc device %s exists but its device file %s "
                  "does not", registered_name,
                  registered_file ? registered_file : "(none reported by udev)");
  else
    problems_add (problems, VMM_ERROR_HOST_UNSUPPORTED,
                  "no ACRN HSM device (/dev/%s or /dev/%s): "
                  "is this the ACRN Service VM?", hsm_names[0], hsm_names[1]);
}

static void
check_executable (const char *what,
                  const char *path,
                  Problems   *problems)
{
  const char *reason;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    reason = "does not exist";
  else if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    reason = "is not a regular file";
  else if (g_access (path, X_OK) != 0)
    reason = g_strerror (errno);
  else
    {
      g_debug ("%s found: %s", what, path);
      return;
    }

  g_debug ("%s %s: %s", what, path, reason);
  problems_add (problems, VMM_ERROR_HOST_UNSUPPORTED,
                "%s not found or not executable: %s (%s)", what, path, reason);
}

/**
 * acrn_probe_host:
 * @acrn_dm_path: (nullable): the acrn-dm program; %NULL for
 *   %ACRN_PROBE_DEFAULT_DM_PATH
 * @acrnctl_path: (nullable): the acrnctl program; %NULL for
 *   %ACRN_PROBE_DEFAULT_CTL_PATH
 * @error: return location for a #GError
 *
 * Checks that this host can run ACRN VMs at all: the HSM device (misc device
 * `acrn_hsm`, or `acrn_vhm` on ACRN 1.x) is known to udev and its device file
 * exists, and both programs are regular files this process may execute.
 *
 * Every missing piece is named in one %VMM_ERROR_HOST_UNSUPPORTED error,
 * not only the first, each with its reason (a program that does not
 * exist, is not a regular file, or may not be executed).
 *
 * Returns: %TRUE if the host has everything
 */
gboolean
acrn_probe_host (const char  *acrn_dm_path,
                 const char  *acrnctl_path,
                 GError     **error)
{
  g_autoptr(GUdevClient) client = NULL;
  g_auto(Problems) problems = { NULL, };

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (acrn_dm_path == NULL)
    acrn_dm_path = ACRN_PROBE_DEFAULT_DM_PATH;
  if (acrnctl_path == NULL)
    acrnctl_path = ACRN_PROBE_DEFAULT_CTL_PATH;

  problems_init (&problems);
  client = g_udev_client_new (NULL);

  check_hsm (client, &problems);
  check_executable ("acrn-dm", acrn_dm_path, &problems);
  check_executable ("acrnctl", acrnctl_path, &problems);

  return problems_report (&problems, NULL, "this host cannot run ACRN VMs",
                          error);
}

static void
check_pci_device (GUdevClient  *client,
                  VmmPciDevice *pci,
                  Problems     *problems)
{
  g_autoptr(GUdevDevice) device = NULL;
  g_autofree char *bdf = NULL;
  guint domain, bus, slot, function;
  const char *driver;

  if (!vmm_pci_device_get_bdf (pci, &domain, &bus, &slot, &function))
    {
      const char *address = vmm_pci_device_get_address (pci);

      problems_add (problems, VMM_ERROR_INVALID_CONFIG,
                    "PCI device address '%s' is not a valid "
                    "[DOMAIN:]BUS:SLOT.FUNCTION",
                    address ? address : "");
      return;
    }

  /* The sysfs name of a PCI device is its full BDF, in lower-case hex. */
  bdf = g_strdup_printf ("%04x:%02x:%02x.%x", domain, bus, slot, function);

  device = g_udev_client_query_by_subsystem_and_name (client, "pci", bdf);
  if (device == NULL)
    {
      problems_add (problems, VMM_ERROR_NOT_FOUND,
                    "PCI device %s not found on this host", bdf);
      return;
    }

  driver = g_udev_device_get_driver (device);
  if (driver == NULL)
    problems_add (problems, VMM_ERROR_HOST_UNSUPPORTED,
                  "PCI device %s has no driver, but passthrough needs "
                  PCI_STUB_DRIVER, bdf);
  else if (g_strcmp0 (driver, PCI_STUB_DRIVER) != 0)
    problems_add (problems, VMM_ERROR_HOST_UNSUPPORTED,
                  "PCI device %s is bound to %s, but passthrough needs "
                  PCI_STUB_DRIVER, bdf, driver);
  else
    g_debug ("PCI device %s is bound to " PCI_STUB_DRIVER, bdf);
}

static void
check_vhost_vsock (GUdevClient    *client,
                   VmmVsockDevice *vsock,
                   Problems       *problems)
{
  g_autofree char *file = NULL;

  switch (lookup_misc_device (client, VHOST_VSOCK_NAME, &file))
    {
    case MISC_FOUND:
      g_debug ("vhost-vsock device found: %s", file);
      return;

    case MISC_NO_DEVICE_FILE:
      problems_add (problems, VMM_ERROR_HOST_UNSUPPORTED,
                    "the vsock device (cid %u) needs %s: the misc device "
                    VHOST_VSOCK_NAME " exists but its device file does not",
                    vmm_vsock_device_get_cid (vsock),
                    file ? file : VHOST_VSOCK_NODE);
      return;

    case MISC_NO_DEVICE:
    default:
      /* kmod's static nodes create /dev/vhost-vsock before the module is
       * loaded; the first open loads it. Such a node is enough. */
      if (g_file_test (VHOST_VSOCK_NODE, G_FILE_TEST_EXISTS))
        {
          g_debug ("no " VHOST_VSOCK_NAME " misc device yet, but "
                   VHOST_VSOCK_NODE " exists (vhost_vsock loads on open)");
          return;
        }
      problems_add (problems, VMM_ERROR_HOST_UNSUPPORTED,
                    "the vsock device (cid %u) needs " VHOST_VSOCK_NODE
                    ", which is missing: load the vhost_vsock kernel module",
                    vmm_vsock_device_get_cid (vsock));
      return;
    }
}

/**
 * acrn_probe_config:
 * @config: the configuration of the VM
 * @error: return location for a #GError
 *
 * Checks what @config needs from the host beyond acrn_probe_host(): every
 * #VmmPciDevice exists (PCI subsystem, sysfs name = full BDF) and is bound
 * to `pci-stub`, and, when a #VmmVsockDevice is configured, the vhost-vsock
 * device exists.
 *
 * Every problem is named in one error. Its code is
 * %VMM_ERROR_INVALID_CONFIG if a PCI address is malformed, else
 * %VMM_ERROR_HOST_UNSUPPORTED if a device is unusable (wrong or no driver,
 * no vhost-vsock), else %VMM_ERROR_NOT_FOUND (PCI devices absent).
 *
 * Returns: %TRUE if the host has everything @config needs
 */
gboolean
acrn_probe_config (VmmHypervisorConfig  *config,
                   GError              **error)
{
  g_autoptr(GUdevClient) client = NULL;
  VmmVsockDevice *first_vsock = NULL;
  g_auto(Problems) problems = { NULL, };
  GPtrArray *devices;
  const char *vm_id;

  g_return_val_if_fail (VMM_IS_HYPERVISOR_CONFIG (config), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  vm_id = vmm_hypervisor_config_get_id (config);
  devices = vmm_hypervisor_config_get_devices (config);
  problems_init (&problems);

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      VmmDevice *device = g_ptr_array_index (devices, i);

      if (VMM_IS_PCI_DEVICE (device))
        {
          if (client == NULL)
            client = g_udev_client_new (NULL);
          check_pci_device (client, VMM_PCI_DEVICE (device), &problems);
        }
      else if (VMM_IS_VSOCK_DEVICE (device) && first_vsock == NULL)
        {
          first_vsock = VMM_VSOCK_DEVICE (device);
        }
    }

  if (first_vsock != NULL)
    {
      if (client == NULL)
        client = g_udev_client_new (NULL);
      check_vhost_vsock (client, first_vsock, &problems);
    }

  return problems_report (&problems, vm_id,
                          "this host cannot run the VM configuration", error);
}
