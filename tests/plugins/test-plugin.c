/* test-plugin.c: the source of the test plugins that register a type
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * meson builds it several times (good.so, low.so, noprobe.so, dupname.so,
 * badtype.so and a static library for test-plugin-manager), choosing with
 * these macros:
 *
 *   TEST_HYPERVISOR       the GType name of the plugin's type, unique per
 *                         build (two plugins must not register the same one)
 *   TEST_PLUGIN_NAME      the plugin name, a string
 *   TEST_PLUGIN_PRIORITY  the plugin priority
 *   TEST_PROBE_FAILS      if defined, probe fails with
 *                         VMM_ERROR_HOST_UNSUPPORTED "no test hardware"
 *   TEST_BAD_TYPE         if defined, the type is a plain GObject that does
 *                         not implement VmmHypervisor
 *   TEST_ENTRY            the name of the register function; the copy linked
 *                         statically renames it and exports no ABI symbol
 *
 * Only the two entry points are exported (the build uses hidden symbol
 * visibility).
 */
#include <gmodule.h>
#include <libvmm/vmm.h>

#ifndef TEST_ENTRY
# define TEST_ENTRY vmm_plugin_register
# define TEST_EXPORT_ABI 1
#endif

/* G_DEFINE_DYNAMIC_TYPE pastes and stringifies the type name, so it must
 * be expanded from TEST_HYPERVISOR before G_DEFINE_DYNAMIC_TYPE sees it: a
 * wrapper macro does that.
 */
#define TEST_PASTE_(a, b) a ## b
#define TEST_PASTE(a, b) TEST_PASTE_ (a, b)
#define TestHypervisor TEST_HYPERVISOR
#define TestHypervisorClass TEST_PASTE (TEST_HYPERVISOR, Class)
#define TEST_DEFINE_DYNAMIC_TYPE(TN, t_n, T_P) G_DEFINE_DYNAMIC_TYPE (TN, t_n, T_P)

GType test_hypervisor_get_type (void);

#ifdef TEST_BAD_TYPE

typedef struct { GObject parent_instance; } TestHypervisor;
typedef struct { GObjectClass parent_class; } TestHypervisorClass;

TEST_DEFINE_DYNAMIC_TYPE (TestHypervisor, test_hypervisor, G_TYPE_OBJECT)

static void
test_hypervisor_register (GTypeModule *module)
{
  test_hypervisor_register_type (module);
}

#else /* !TEST_BAD_TYPE */

typedef struct { VmmHypervisorBase parent_instance; } TestHypervisor;
typedef struct { VmmHypervisorBaseClass parent_class; } TestHypervisorClass;

TEST_DEFINE_DYNAMIC_TYPE (TestHypervisor, test_hypervisor, VMM_TYPE_HYPERVISOR_BASE)

static gboolean
test_hypervisor_probe (VmmHypervisor        *hypervisor,
                       VmmHypervisorConfig  *config,
                       GError              **error)
{
#ifdef TEST_PROBE_FAILS
  g_set_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED, "no test hardware");
  return FALSE;
#else
  return TRUE;
#endif
}

static void
test_hypervisor_iface_init (VmmHypervisorInterface *iface)
{
  /* The other methods keep VmmHypervisorBase's implementation. */
  iface->probe = test_hypervisor_probe;
}

static void
test_hypervisor_register (GTypeModule *module)
{
  static const GInterfaceInfo iface_info = {
    (GInterfaceInitFunc) (void (*) (void)) test_hypervisor_iface_init, NULL, NULL
  };

  test_hypervisor_register_type (module);

  /* Not g_type_module_add_interface() (G_IMPLEMENT_INTERFACE_DYNAMIC): it
   * refuses to re-implement an interface that a static parent type, here
   * VmmHypervisorBase, implements. Adding it statically works for a
   * dynamic type too; the plugin's code is never unloaded.
   */
  g_type_add_interface_static (test_hypervisor_type_id, VMM_TYPE_HYPERVISOR, &iface_info);
}

#endif /* !TEST_BAD_TYPE */

static void
test_hypervisor_class_init (TestHypervisorClass *klass)
{
}

static void
test_hypervisor_class_finalize (TestHypervisorClass *klass)
{
}

static void
test_hypervisor_init (TestHypervisor *self)
{
}

#ifdef TEST_EXPORT_ABI
G_MODULE_EXPORT const guint32 vmm_plugin_abi_version = VMM_PLUGIN_ABI_VERSION;
#endif

/* A prototype, for -Wmissing-prototypes. */
G_MODULE_EXPORT VmmPlugin *TEST_ENTRY (GTypeModule *module);

G_MODULE_EXPORT VmmPlugin *
TEST_ENTRY (GTypeModule *module)
{
  /* Linked statically, the types are static: register them only once. */
  if (module != NULL || test_hypervisor_type_id == 0)
    test_hypervisor_register (module);

  return vmm_plugin_new (TEST_PLUGIN_NAME,
                         "A plugin for the tests of libvmm (" TEST_PLUGIN_NAME ")",
                         TEST_PLUGIN_PRIORITY,
                         test_hypervisor_get_type ());
}
