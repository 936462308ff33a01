/* scripted-plugin.c: the stub backend, scripted from the environment, for
 * the vmmctl tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vmmctl is driven from outside, so its tests cannot emit the stub's action
 * signals themselves. This plugin ("scripted") is the stub plus an emission
 * hook on VmmHypervisor::state-changed that emits them when a hypervisor
 * enters a given state, as told by two environment variables:
 *
 *   VMMCTL_TEST_FAIL=STATE:OPERATION:CODE:MESSAGE
 *       on entering STATE (a state name such as "created", or "create"
 *       for the moment create_vm is called), make the next OPERATION fail
 *       with VMM_ERROR code CODE (its nick, such as "spawn-failed") and
 *       MESSAGE (fail-next)
 *   VMMCTL_TEST_CRASH=MS:WAIT_STATUS
 *       MS milliseconds after entering "running", crash with WAIT_STATUS
 *       (simulate-crash)
 *
 * It registers the stub's types, so it must not be loaded in a process that
 * also loads stub.so: give it a plugin directory of its own.
 */
#include "config.h"

#include <gmodule.h>
#include <stdlib.h>
#include <string.h>

#include "vmm-stub-hypervisor.h"

G_MODULE_EXPORT const guint32 vmm_plugin_abi_version = VMM_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT VmmPlugin *vmm_plugin_register (GTypeModule *module);

/* The stub's class, kept referenced so that its patched interface stays. */
static GTypeClass *stub_class;
static void (*stub_create_vm_async) (VmmHypervisor       *self,
                                     VmmHypervisorConfig *config,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);

typedef struct
{
  GWeakRef hypervisor;
  int      wait_status;
} Crash;

static void
crash_free (gpointer data)
{
  Crash *crash = data;

  g_weak_ref_clear (&crash->hypervisor);
  g_free (crash);
}

static gboolean
crash_now (gpointer user_data)
{
  Crash *crash = user_data;
  g_autoptr(GObject) hypervisor = g_weak_ref_get (&crash->hypervisor);
  gboolean crashed = FALSE;

  if (hypervisor != NULL)
    g_signal_emit_by_name (hypervisor, "simulate-crash", crash->wait_status, &crashed);

  return G_SOURCE_REMOVE;
}

static void
script_failure (GObject    *hypervisor,
                const char *entered)
{
  const char *spec = g_getenv ("VMMCTL_TEST_FAIL");
  g_auto(GStrv) parts = NULL;
  g_autoptr(GEnumClass) codes = NULL;
  GEnumValue *code;

  if (spec == NULL)
    return;

  parts = g_strsplit (spec, ":", 4);
  if (g_strv_length (parts) != 4 || strcmp (parts[0], entered) != 0)
    return;

  codes = g_type_class_ref (VMM_TYPE_ERROR);
  code = g_enum_get_value_by_nick (codes, parts[2]);
  g_assert (code != NULL);

  g_signal_emit_by_name (hypervisor, "fail-next", parts[1], code->value, parts[3]);
}

static void
script_crash (GObject *hypervisor)
{
  const char *spec = g_getenv ("VMMCTL_TEST_CRASH");
  g_auto(GStrv) parts = NULL;
  Crash *crash;

  if (spec == NULL)
    return;

  parts = g_strsplit (spec, ":", 2);
  g_assert (g_strv_length (parts) == 2);

  crash = g_new0 (Crash, 1);
  g_weak_ref_init (&crash->hypervisor, hypervisor);
  crash->wait_status = atoi (parts[1]);
  g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) atoi (parts[0]), crash_now, crash, crash_free);
}

static gboolean
on_state_changed (GSignalInvocationHint *hint,
                  guint                  n_param_values,
                  const GValue          *param_values,
                  gpointer               user_data)
{
  GObject *hypervisor = g_value_get_object (&param_values[0]);
  VmmVmState new_state = g_value_get_enum (&param_values[2]);

  script_failure (hypervisor, vmm_vm_state_to_string (new_state));
  if (new_state == VMM_VM_STATE_RUNNING)
    script_crash (hypervisor);

  return TRUE;
}

static void
scripted_create_vm_async (VmmHypervisor       *self,
                          VmmHypervisorConfig *config,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  script_failure (G_OBJECT (self), "create");
  stub_create_vm_async (self, config, cancellable, callback, user_data);
}

VmmPlugin *
vmm_plugin_register (GTypeModule *module)
{
  VmmHypervisorInterface *iface;
  guint signal_id;

  vmm_stub_hypervisor_register_types (module);

  /* Instantiating the class sets up the interface and its signals. */
  stub_class = g_type_class_ref (VMM_TYPE_STUB_HYPERVISOR);
  iface = g_type_interface_peek (stub_class, VMM_TYPE_HYPERVISOR);
  stub_create_vm_async = iface->create_vm_async;
  iface->create_vm_async = scripted_create_vm_async;

  signal_id = g_signal_lookup ("state-changed", VMM_TYPE_STUB_HYPERVISOR);
  g_assert (signal_id != 0);
  g_signal_add_emission_hook (signal_id, 0, on_state_changed, NULL, NULL);

  return vmm_plugin_new ("scripted",
                         "The stub backend with failures and crashes scripted from the environment",
                         0, VMM_TYPE_STUB_HYPERVISOR);
}
