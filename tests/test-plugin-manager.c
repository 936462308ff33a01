/* test-plugin-manager.c: VmmPluginManager and VmmPlugin against the test
 * plugins of tests/plugins (good/ and the deliberately broken broken/)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plugins are loaded once per process and never unloaded, so the tests of
 * the main process share what they load: they only use the files in the
 * build tree. Tests that copy plugins elsewhere or need environment
 * variables run in a subprocess.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libvmm/vmm.h>

/* tests/plugins/test-plugin.c, linked statically */
VmmPlugin *test_static_plugin_register (GTypeModule *module);

typedef struct
{
  char             *tmpdir;
  VmmPluginManager *manager;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmpdir = g_dir_make_tmp ("test-plugin-manager-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->tmpdir);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }

  g_assert_cmpint (g_remove (path), ==, 0);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->manager);
  remove_tree (fixture->tmpdir);
  g_clear_pointer (&fixture->tmpdir, g_free);
}

static char *
canonical (const char *path)
{
  char *resolved = realpath (path, NULL);
  char *result;

  if (resolved == NULL)
    g_error ("realpath (%s): %s", path, g_strerror (errno));

  result = g_strdup (resolved);
  free (resolved);

  return result;
}

static char *
good_plugin (const char *file)
{
  g_autofree char *path = g_build_filename (TEST_PLUGINS_GOOD_DIR, file, NULL);

  return canonical (path);
}

static char *
broken_plugin (const char *file)
{
  g_autofree char *path = g_build_filename (TEST_PLUGINS_BROKEN_DIR, file, NULL);

  return canonical (path);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_file_get_contents (from, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, contents, length, &error);
  g_assert_no_error (error);
}

static VmmPluginManager *
manager_for (const char *dir1,
             const char *dir2)
{
  const char *path[] = { dir1, dir2, NULL };

  return vmm_plugin_manager_new_for_path (path);
}

static void
assert_error_names_file (const GError *error,
                         int           code,
                         const char   *path)
{
  g_autofree char *prefix = g_strconcat (path, ": ", NULL);

  g_assert_error ((GError *) error, VMM_ERROR, code);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("error message “%s” does not start with “%s”", error->message, prefix);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

/* The three plugins of good/, in the order list_plugins() must give. */
static const struct {
  const char *name;
  int         priority;
  const char *file;
  const char *type_name;
} good_plugins[] = {
  { "test-noprobe", 100, "noprobe.so", "TestNoprobeHypervisor" },
  { "test-good",     10, "good.so",    "TestGoodHypervisor" },
  { "test-low",       5, "low.so",     "TestLowHypervisor" },
};

static void
assert_good_plugins (GPtrArray *list)
{
  g_assert_cmpuint (list->len, ==, G_N_ELEMENTS (good_plugins));

  for (guint i = 0; i < G_N_ELEMENTS (good_plugins); i++)
    {
      VmmPlugin *plugin = g_ptr_array_index (list, i);
      g_autofree char *expected_file = good_plugin (good_plugins[i].file);
      g_autofree char *expected_description =
        g_strdup_printf ("A plugin for the tests of libvmm (%s)", good_plugins[i].name);
      g_autofree char *name = NULL;
      g_autofree char *description = NULL;
      g_autofree char *filename = NULL;
      GType type = G_TYPE_INVALID;
      int priority = 0;

      g_assert_true (VMM_IS_PLUGIN (plugin));
      g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, good_plugins[i].name);
      g_assert_cmpint (vmm_plugin_get_priority (plugin), ==, good_plugins[i].priority);
      g_assert_cmpstr (vmm_plugin_get_filename (plugin), ==, expected_file);
      g_assert_cmpstr (vmm_plugin_get_description (plugin), ==, expected_description);
      g_assert_cmpstr (g_type_name (vmm_plugin_get_hypervisor_type (plugin)), ==,
                       good_plugins[i].type_name);
      g_assert_true (g_type_is_a (vmm_plugin_get_hypervisor_type (plugin),
                                  VMM_TYPE_HYPERVISOR));

      /* The same through the properties. */
      g_object_get (plugin,
                    "name", &name,
                    "description", &description,
                    "priority", &priority,
                    "hypervisor-type", &type,
                    "filename", &filename,
                    NULL);
      g_assert_cmpstr (name, ==, good_plugins[i].name);
      g_assert_cmpstr (description, ==, expected_description);
      g_assert_cmpint (priority, ==, good_plugins[i].priority);
      g_assert_true (type == vmm_plugin_get_hypervisor_type (plugin));
      g_assert_cmpstr (filename, ==, expected_file);
    }
}

static void
test_good_plugins (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;
  const char * const *search_path;

  fixture->manager = manager_for (TEST_PLUGINS_GOOD_DIR, NULL);

  search_path = vmm_plugin_manager_get_search_path (fixture->manager);
  g_assert_nonnull (search_path);
  g_assert_cmpstr (search_path[0], ==, TEST_PLUGINS_GOOD_DIR);
  g_assert_null (search_path[1]);

  /* Nothing is loaded before scan(). */
  list = vmm_plugin_manager_list_plugins (fixture->manager);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  vmm_plugin_manager_scan (fixture->manager);

  list = vmm_plugin_manager_list_plugins (fixture->manager);
  assert_good_plugins (list);
  g_assert_cmpuint (vmm_plugin_manager_get_load_errors (fixture->manager)->len, ==, 0);

  g_assert_true (vmm_plugin_manager_find_plugin (fixture->manager, "test-low") ==
                 g_ptr_array_index (list, 2));
  g_assert_true (vmm_plugin_manager_find_plugin (fixture->manager, "test-noprobe") ==
                 g_ptr_array_index (list, 0));
  g_assert_null (vmm_plugin_manager_find_plugin (fixture->manager, "test-nothing"));
}

/* What each broken plugin must be refused for: words its error must have. */
static const struct {
  const char *file;
  const char *words[3];
} broken_plugins[] = {
  /* in sorted order, as scan() meets them */
  { "badabi.so",     { "plugin ABI version 999", "ABI version 1", NULL } },
  { "badtype.so",    { "test-badtype", "TestBadtypeObject", "VmmHypervisor" } },
  { "dupname.so",    { "“test-good”", "already taken", "good.so" } },
  { "noabi.so",      { "vmm_plugin_abi_version", NULL, NULL } },
  { "noentry.so",    { "vmm_plugin_register", NULL, NULL } },
  { "notelf.so",     { "not a loadable shared object", NULL, NULL } },
  { "nullplugin.so", { "vmm_plugin_register() returned no plugin", NULL, NULL } },
};

static void
assert_broken_error (const GError *error,
                     guint         i)
{
  g_autofree char *path = broken_plugin (broken_plugins[i].file);

  assert_error_names_file (error, VMM_ERROR_PLUGIN, path);
  for (guint w = 0; w < G_N_ELEMENTS (broken_plugins[i].words); w++)
    {
      if (broken_plugins[i].words[w] != NULL)
        assert_contains (error->message, broken_plugins[i].words[w]);
    }
}

static void
test_broken_plugins_scan (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;
  GPtrArray *errors;

  fixture->manager = manager_for (TEST_PLUGINS_GOOD_DIR, TEST_PLUGINS_BROKEN_DIR);

  /* Each broken file is a warning, in scan order. */
  for (guint i = 0; i < G_N_ELEMENTS (broken_plugins); i++)
    {
      g_autofree char *path = broken_plugin (broken_plugins[i].file);
      g_autofree char *pattern = g_strconcat (path, ": *", NULL);

      g_test_expect_message ("Vmm", G_LOG_LEVEL_WARNING, pattern);
    }
  vmm_plugin_manager_scan (fixture->manager);
  g_test_assert_expected_messages ();

  errors = vmm_plugin_manager_get_load_errors (fixture->manager);
  g_assert_cmpuint (errors->len, ==, G_N_ELEMENTS (broken_plugins));
  for (guint i = 0; i < errors->len; i++)
    assert_broken_error (g_ptr_array_index (errors, i), i);

  /* The good ones loaded all the same; test-good is good.so, not dupname.so. */
  list = vmm_plugin_manager_list_plugins (fixture->manager);
  assert_good_plugins (list);

  /* A second scan loads nothing new, warns about nothing (a warning would
   * abort this test) and lists each error once.
   */
  vmm_plugin_manager_scan (fixture->manager);
  g_assert_true (vmm_plugin_manager_get_load_errors (fixture->manager) == errors);
  g_assert_cmpuint (errors->len, ==, G_N_ELEMENTS (broken_plugins));
  g_clear_pointer (&list, g_ptr_array_unref);
  list = vmm_plugin_manager_list_plugins (fixture->manager);
  assert_good_plugins (list);
}

static void
test_broken_plugins_load_file (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *good = good_plugin ("good.so");
  g_autofree char *missing = g_build_filename (fixture->tmpdir, "missing.so", NULL);
  g_autoptr(GError) error = NULL;
  VmmPlugin *plugin;

  fixture->manager = vmm_plugin_manager_new_for_path (NULL);
  g_assert_nonnull (vmm_plugin_manager_get_search_path (fixture->manager));
  g_assert_null (vmm_plugin_manager_get_search_path (fixture->manager)[0]);

  plugin = vmm_plugin_manager_load_file (fixture->manager, good, &error);
  g_assert_no_error (error);
  g_assert_true (VMM_IS_PLUGIN (plugin));
  g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, "test-good");
  g_assert_cmpstr (vmm_plugin_get_filename (plugin), ==, good);

  /* Each broken file: the error is returned, not logged (a warning would
   * abort this test) nor kept.
   */
  for (guint i = 0; i < G_N_ELEMENTS (broken_plugins); i++)
    {
      g_autofree char *path = broken_plugin (broken_plugins[i].file);

      plugin = vmm_plugin_manager_load_file (fixture->manager, path, &error);
      g_assert_null (plugin);
      assert_broken_error (error, i);
      g_clear_error (&error);

      /* Failing again gives the same error. */
      plugin = vmm_plugin_manager_load_file (fixture->manager, path, &error);
      g_assert_null (plugin);
      assert_broken_error (error, i);
      g_clear_error (&error);
    }

  g_assert_cmpuint (vmm_plugin_manager_get_load_errors (fixture->manager)->len, ==, 0);
  g_assert_true (vmm_plugin_manager_find_plugin (fixture->manager, "test-good") ==
                 vmm_plugin_manager_load_file (fixture->manager, good, NULL));

  plugin = vmm_plugin_manager_load_file (fixture->manager, missing, &error);
  g_assert_null (plugin);
  assert_error_names_file (error, VMM_ERROR_NOT_FOUND, missing);
}

/* Plugin names are unique per manager, not per process: without good.so,
 * dupname.so is a working plugin called test-good.
 */
static void
test_duplicate_name_per_manager (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *dupname = broken_plugin ("dupname.so");
  g_autoptr(GError) error = NULL;
  VmmPlugin *plugin;

  fixture->manager = vmm_plugin_manager_new_for_path (NULL);

  plugin = vmm_plugin_manager_load_file (fixture->manager, dupname, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, "test-good");
  g_assert_cmpstr (vmm_plugin_get_filename (plugin), ==, dupname);
  g_assert_cmpstr (g_type_name (vmm_plugin_get_hypervisor_type (plugin)), ==,
                   "TestDupnameHypervisor");
}

static void
test_load_once (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(VmmPluginManager) other = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) from_other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dotted = g_build_filename (TEST_PLUGINS_GOOD_DIR, ".", "good.so", NULL);
  g_autofree char *link = g_build_filename (fixture->tmpdir, "link-to-good.so", NULL);
  g_autofree char *good = good_plugin ("good.so");
  VmmPlugin *plugin;
  GType good_type;

  fixture->manager = manager_for (TEST_PLUGINS_GOOD_DIR, NULL);
  vmm_plugin_manager_scan (fixture->manager);
  first = vmm_plugin_manager_list_plugins (fixture->manager);
  assert_good_plugins (first);
  good_type = vmm_plugin_get_hypervisor_type (g_ptr_array_index (first, 1));

  /* Scanning again changes nothing (and registering a type twice would be
   * a critical, fatal in tests).
   */
  vmm_plugin_manager_scan (fixture->manager);
  again = vmm_plugin_manager_list_plugins (fixture->manager);
  g_assert_cmpuint (again->len, ==, first->len);
  for (guint i = 0; i < first->len; i++)
    g_assert_true (g_ptr_array_index (again, i) == g_ptr_array_index (first, i));

  /* Another manager gets the very same plugins. */
  other = manager_for (TEST_PLUGINS_GOOD_DIR, NULL);
  vmm_plugin_manager_scan (other);
  from_other = vmm_plugin_manager_list_plugins (other);
  g_assert_cmpuint (from_other->len, ==, first->len);
  for (guint i = 0; i < first->len; i++)
    g_assert_true (g_ptr_array_index (from_other, i) == g_ptr_array_index (first, i));
  g_assert_true (vmm_plugin_get_hypervisor_type (g_ptr_array_index (from_other, 1)) == good_type);

  /* So does the same file under another name. */
  g_assert_cmpint (symlink (good, link), ==, 0);
  g_clear_object (&other);
  other = vmm_plugin_manager_new_for_path (NULL);
  plugin = vmm_plugin_manager_load_file (other, dotted, &error);
  g_assert_no_error (error);
  g_assert_true (plugin == g_ptr_array_index (first, 1));
  g_assert_true (vmm_plugin_manager_load_file (other, link, &error) == plugin);
  g_assert_no_error (error);
  g_assert_cmpstr (vmm_plugin_get_filename (plugin), ==, good);

  /* Loading it into a manager that has it already is no error. */
  g_assert_true (vmm_plugin_manager_load_file (fixture->manager, good, &error) == plugin);
  g_assert_no_error (error);
  g_assert_cmpuint (vmm_plugin_manager_get_load_errors (fixture->manager)->len, ==, 0);
}

static void
test_default_plugin (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(VmmPluginManager) only_noprobe = NULL;
  g_autoptr(VmmPluginManager) empty = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *noprobe = good_plugin ("noprobe.so");
  VmmPlugin *plugin;

  fixture->manager = manager_for (TEST_PLUGINS_GOOD_DIR, NULL);
  vmm_plugin_manager_scan (fixture->manager);

  /* test-noprobe has the highest priority, but its probe fails. */
  plugin = vmm_plugin_manager_get_default_plugin (fixture->manager, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plugin);
  g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, "test-good");

  /* No plugin whose probe passes: each one's reason is given. */
  only_noprobe = vmm_plugin_manager_new_for_path (NULL);
  g_assert_nonnull (vmm_plugin_manager_load_file (only_noprobe, noprobe, &error));
  g_assert_no_error (error);
  plugin = vmm_plugin_manager_get_default_plugin (only_noprobe, &error);
  g_assert_null (plugin);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  assert_contains (error->message, "test-noprobe: no test hardware");
  g_clear_error (&error);

  g_assert_null (vmm_plugin_manager_create_hypervisor (only_noprobe, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  g_clear_error (&error);

  /* No plugins at all. */
  empty = manager_for (fixture->tmpdir, NULL);
  vmm_plugin_manager_scan (empty);
  plugin = vmm_plugin_manager_get_default_plugin (empty, &error);
  g_assert_null (plugin);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  assert_contains (error->message, fixture->tmpdir);
}

static void
assert_new_hypervisor (VmmHypervisor *hypervisor,
                       const char    *type_name)
{
  g_assert_true (VMM_IS_HYPERVISOR (hypervisor));
  g_assert_true (G_IS_OBJECT (hypervisor));
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (hypervisor), ==, type_name);
  g_assert_cmpint (vmm_hypervisor_get_state (hypervisor), ==, VMM_VM_STATE_NOT_CREATED);
}

static void
test_create_hypervisor (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  VmmPlugin *noprobe;
  VmmPlugin *good;

  fixture->manager = manager_for (TEST_PLUGINS_GOOD_DIR, NULL);
  vmm_plugin_manager_scan (fixture->manager);

  {
    g_autoptr(VmmHypervisor) hypervisor =
      vmm_plugin_manager_create_hypervisor (fixture->manager, NULL, &error);

    g_assert_no_error (error);
    assert_new_hypervisor (hypervisor, "TestGoodHypervisor");
  }

  {
    g_autoptr(VmmHypervisor) hypervisor =
      vmm_plugin_manager_create_hypervisor (fixture->manager, "test-low", &error);

    g_assert_no_error (error);
    assert_new_hypervisor (hypervisor, "TestLowHypervisor");
  }

  /* Named explicitly, a plugin is used even if its probe fails. */
  {
    g_autoptr(VmmHypervisor) hypervisor =
      vmm_plugin_manager_create_hypervisor (fixture->manager, "test-noprobe", &error);

    g_assert_no_error (error);
    assert_new_hypervisor (hypervisor, "TestNoprobeHypervisor");
  }

  g_assert_null (vmm_plugin_manager_create_hypervisor (fixture->manager, "test-nothing", &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  assert_contains (error->message, "“test-nothing”");
  assert_contains (error->message, "test-noprobe, test-good, test-low");
  g_clear_error (&error);

  /* The plugin's own create and probe. */
  good = vmm_plugin_manager_find_plugin (fixture->manager, "test-good");
  noprobe = vmm_plugin_manager_find_plugin (fixture->manager, "test-noprobe");
  {
    g_autoptr(VmmHypervisor) hypervisor = vmm_plugin_create_hypervisor (good);

    assert_new_hypervisor (hypervisor, "TestGoodHypervisor");
  }
  g_assert_true (vmm_plugin_probe (good, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (vmm_plugin_probe (noprobe, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==, "no test hardware");
}

static void
test_static_plugin (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(VmmPlugin) plugin = NULL;
  g_autoptr(VmmPlugin) second = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *errors;
  const GError *dup_error;

  plugin = test_static_plugin_register (NULL);
  g_assert_true (VMM_IS_PLUGIN (plugin));
  g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, "test-static");
  g_assert_null (vmm_plugin_get_filename (plugin));
  g_assert_cmpstr (g_type_name (vmm_plugin_get_hypervisor_type (plugin)), ==,
                   "TestStaticHypervisor");
  g_assert_null (g_type_get_plugin (vmm_plugin_get_hypervisor_type (plugin)));

  fixture->manager = manager_for (TEST_PLUGINS_GOOD_DIR, NULL);
  vmm_plugin_manager_scan (fixture->manager);
  vmm_plugin_manager_add_plugin (fixture->manager, plugin);

  list = vmm_plugin_manager_list_plugins (fixture->manager);
  g_assert_cmpuint (list->len, ==, 4);
  g_assert_true (g_ptr_array_index (list, 3) == plugin);  /* priority 1: last */
  g_assert_true (vmm_plugin_manager_find_plugin (fixture->manager, "test-static") == plugin);

  /* Adding it again does nothing. */
  vmm_plugin_manager_add_plugin (fixture->manager, plugin);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = vmm_plugin_manager_list_plugins (fixture->manager);
  g_assert_cmpuint (list->len, ==, 4);
  g_assert_cmpuint (vmm_plugin_manager_get_load_errors (fixture->manager)->len, ==, 0);

  /* Another plugin of the same name is refused, like a broken file. */
  second = test_static_plugin_register (NULL);
  g_assert_true (second != plugin);
  g_assert_true (vmm_plugin_get_hypervisor_type (second) ==
                 vmm_plugin_get_hypervisor_type (plugin));
  g_test_expect_message ("Vmm", G_LOG_LEVEL_WARNING,
                         "statically linked plugin “test-static”: *already taken*");
  vmm_plugin_manager_add_plugin (fixture->manager, second);
  g_test_assert_expected_messages ();
  errors = vmm_plugin_manager_get_load_errors (fixture->manager);
  g_assert_cmpuint (errors->len, ==, 1);
  dup_error = g_ptr_array_index (errors, 0);
  g_assert_error ((GError *) dup_error, VMM_ERROR, VMM_ERROR_PLUGIN);
  g_assert_true (vmm_plugin_manager_find_plugin (fixture->manager, "test-static") == plugin);

  hypervisor = vmm_plugin_manager_create_hypervisor (fixture->manager, "test-static", &error);
  g_assert_no_error (error);
  assert_new_hypervisor (hypervisor, "TestStaticHypervisor");
}

/* Subprocess tests: they set environment variables and copy plugins to
 * new places, which would register their types a second time in this
 * process.
 */

static void
run_in_subprocess (void)
{
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* Makes a/shadow.so (a copy of low.so) and b/shadow.so (a copy of
 * good.so) in the fixture's directory.
 */
static void
make_shadowing_dirs (Fixture  *fixture,
                     char    **out_a,
                     char    **out_b)
{
  g_autofree char *a = g_build_filename (fixture->tmpdir, "a", NULL);
  g_autofree char *b = g_build_filename (fixture->tmpdir, "b", NULL);
  g_autofree char *a_shadow = g_build_filename (a, "shadow.so", NULL);
  g_autofree char *b_shadow = g_build_filename (b, "shadow.so", NULL);
  g_autofree char *low = good_plugin ("low.so");
  g_autofree char *good = good_plugin ("good.so");

  g_assert_cmpint (g_mkdir (a, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (b, 0700), ==, 0);
  copy_file (low, a_shadow);
  copy_file (good, b_shadow);

  *out_a = canonical (a);
  *out_b = canonical (b);
}

static void
assert_shadowing (VmmPluginManager *manager,
                  const char       *winner_dir,
                  const char       *winner_name,
                  const char       *loser_name)
{
  g_autofree char *expected = g_build_filename (winner_dir, "shadow.so", NULL);
  VmmPlugin *plugin = vmm_plugin_manager_find_plugin (manager, winner_name);

  g_assert_nonnull (plugin);
  g_assert_cmpstr (vmm_plugin_get_filename (plugin), ==, expected);
  g_assert_null (vmm_plugin_manager_find_plugin (manager, loser_name));

  /* The installed plugin directory may hold plugins and broken files; ours
   * must not be among the errors.
   */
  for (guint i = 0; i < vmm_plugin_manager_get_load_errors (manager)->len; i++)
    {
      const GError *error = g_ptr_array_index (vmm_plugin_manager_get_load_errors (manager), i);

      g_assert_null (strstr (error->message, "shadow.so"));
    }
}

static void
test_env_plugin_path (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *env = NULL;
  g_autofree char *b_shadow = NULL;
  g_autofree char *a_shadow = NULL;
  g_autoptr(VmmPluginManager) only_b = NULL;
  const char * const *search_path;
  const char *only_b_path[] = { NULL, NULL };
  GPtrArray *errors;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  make_shadowing_dirs (fixture, &a, &b);

  /* Empty entries are ignored; the installed directory comes last. */
  env = g_strdup_printf (":%s::%s:", a, b);
  g_setenv ("VMM_PLUGIN_PATH", env, TRUE);
  fixture->manager = vmm_plugin_manager_new ();

  search_path = vmm_plugin_manager_get_search_path (fixture->manager);
  g_assert_cmpuint (g_strv_length ((char **) search_path), ==, 3);
  g_assert_cmpstr (search_path[0], ==, a);
  g_assert_cmpstr (search_path[1], ==, b);
  g_assert_cmpstr (search_path[2], ==, VMM_PLUGINDIR);

  /* a/shadow.so (test-low) comes first; b/shadow.so is skipped. */
  vmm_plugin_manager_scan (fixture->manager);
  assert_shadowing (fixture->manager, a, "test-low", "test-good");

  /* This process cannot load b/shadow.so any more: its types would clash. */
  b_shadow = g_build_filename (b, "shadow.so", NULL);
  a_shadow = g_build_filename (a, "shadow.so", NULL);
  only_b_path[0] = b;
  only_b = vmm_plugin_manager_new_for_path (only_b_path);
  g_test_expect_message ("Vmm", G_LOG_LEVEL_WARNING, "*/b/shadow.so: not loaded*");
  vmm_plugin_manager_scan (only_b);
  g_test_assert_expected_messages ();
  errors = vmm_plugin_manager_get_load_errors (only_b);
  g_assert_cmpuint (errors->len, ==, 1);
  assert_error_names_file (g_ptr_array_index (errors, 0), VMM_ERROR_PLUGIN, b_shadow);
  assert_contains (((GError *) g_ptr_array_index (errors, 0))->message, a_shadow);
}

static void
test_env_plugin_path_reversed (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *env = NULL;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  make_shadowing_dirs (fixture, &a, &b);

  env = g_strdup_printf ("%s:%s", b, a);
  g_setenv ("VMM_PLUGIN_PATH", env, TRUE);
  fixture->manager = vmm_plugin_manager_new ();
  vmm_plugin_manager_scan (fixture->manager);

  /* b/shadow.so (test-good) comes first now. */
  assert_shadowing (fixture->manager, b, "test-good", "test-low");
}

static void
test_env_plugin_path_unset (Fixture       *fixture,
                            gconstpointer  data)
{
  const char * const *search_path;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  /* Set but empty, as under meson test: only the installed directory. */
  g_setenv ("VMM_PLUGIN_PATH", "", TRUE);
  fixture->manager = vmm_plugin_manager_new ();
  search_path = vmm_plugin_manager_get_search_path (fixture->manager);
  g_assert_cmpuint (g_strv_length ((char **) search_path), ==, 1);
  g_assert_cmpstr (search_path[0], ==, VMM_PLUGINDIR);
  g_clear_object (&fixture->manager);

  g_unsetenv ("VMM_PLUGIN_PATH");
  fixture->manager = vmm_plugin_manager_new ();
  search_path = vmm_plugin_manager_get_search_path (fixture->manager);
  g_assert_cmpuint (g_strv_length ((char **) search_path), ==, 1);
  g_assert_cmpstr (search_path[0], ==, VMM_PLUGINDIR);
}

/* Runs @helper (test-plugin-path-helper) with VMM_PLUGIN_PATH=@env_dir;
 * returns whether it ran in secure-execution mode and its search path. */
static gboolean
run_path_helper (const char   *helper,
                 const char   *env_dir,
                 GStrv        *out_path)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "VMM_PLUGIN_PATH", env_dir, TRUE);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *out = NULL;
  const char *argv[] = { helper, NULL };
  int status;
  gboolean secure;

  g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);

  lines = g_strsplit (out, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "secure="));
  secure = !g_str_equal (lines[0], "secure=0");
  for (guint i = 1; lines[i] != NULL; i++)
    {
      if (lines[i][0] != '\0')
        g_strv_builder_add (builder, lines[i]);
    }
  *out_path = g_strv_builder_end (builder);

  return secure;
}

/* A setgid (or setuid, or file-capability) program ignores VMM_PLUGIN_PATH:
 * its environment comes from a less privileged caller. The test makes a
 * setgid copy of the helper, so it needs root (and a file system that
 * honours setgid bits); it checks first that the plain helper does use
 * the variable.
 */
static void
test_env_plugin_path_setgid (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *env_dir = g_build_filename (fixture->tmpdir, "from-env", NULL);
  g_autofree char *copy = g_build_filename (fixture->tmpdir, "helper", NULL);
  g_auto(GStrv) path = NULL;
  g_auto(GStrv) secure_path = NULL;
  const char * const expected[] = { VMM_PLUGINDIR, NULL };

  /* Not privileged: the variable comes first. */
  g_assert_false (run_path_helper (TEST_PLUGIN_PATH_HELPER, env_dir, &path));
  g_assert_cmpuint (g_strv_length (path), ==, 2);
  g_assert_cmpstr (path[0], ==, env_dir);
  g_assert_cmpstr (path[1], ==, VMM_PLUGINDIR);

  if (getuid () != 0)
    {
      g_test_skip ("making a setgid program of another group needs root");
      return;
    }

  copy_file (TEST_PLUGIN_PATH_HELPER, copy);
  /* the group of nobody: any group other than ours makes it privileged */
  g_assert_cmpint (chown (copy, 0, 65534), ==, 0);
  g_assert_cmpint (g_chmod (copy, 02755), ==, 0);

  if (!run_path_helper (copy, env_dir, &secure_path))
    {
      g_test_skip ("the setgid copy did not run in secure-execution mode "
                   "(is the temporary directory mounted nosuid?)");
      return;
    }
  g_assert_true (g_strv_equal ((const char * const *) secure_path, expected));
}

/* A copy of the stub plugin under another file name (say, one a project
 * ships for its tests) and the installed stub.so: the first registers the
 * stub's type, the second cannot register it again. It is refused like a
 * broken file, with an error naming it and no critical (which a test suite
 * running with fatal criticals would die of).
 */
static void
test_stub_copy_under_other_name (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *stub_path = g_build_filename (STUB_PLUGIN_DIR, "stub.so", NULL);
  g_autofree char *stub = canonical (stub_path);
  g_autofree char *dir = g_build_filename (fixture->tmpdir, "copies", NULL);
  g_autofree char *copy_path = g_build_filename (dir, "copy-of-stub.so", NULL);
  g_autofree char *copy = NULL;
  g_autoptr(VmmHypervisor) hypervisor = NULL;
  g_autoptr(GError) error = NULL;
  const char *path[] = { NULL, STUB_PLUGIN_DIR, NULL };
  VmmPlugin *plugin;
  GPtrArray *errors;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  copy_file (stub, copy_path);
  copy = canonical (copy_path);
  path[0] = dir;
  fixture->manager = vmm_plugin_manager_new_for_path (path);

  g_test_expect_message ("Vmm", G_LOG_LEVEL_WARNING, "*/stub.so: *");
  vmm_plugin_manager_scan (fixture->manager);
  g_test_assert_expected_messages ();

  errors = vmm_plugin_manager_get_load_errors (fixture->manager);
  g_assert_cmpuint (errors->len, ==, 1);
  assert_error_names_file (g_ptr_array_index (errors, 0), VMM_ERROR_PLUGIN, stub);

  plugin = vmm_plugin_manager_find_plugin (fixture->manager, "stub");
  g_assert_nonnull (plugin);
  g_assert_cmpstr (vmm_plugin_get_filename (plugin), ==, copy);
  hypervisor = vmm_plugin_manager_create_hypervisor (fixture->manager, "stub", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (hypervisor), ==, "VmmStubHypervisor");
}

static void
test_env_hypervisor (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  VmmPlugin *plugin;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  fixture->manager = manager_for (TEST_PLUGINS_GOOD_DIR, NULL);
  vmm_plugin_manager_scan (fixture->manager);

  /* Overrides the priority order... */
  g_setenv ("VMM_HYPERVISOR", "test-low", TRUE);
  plugin = vmm_plugin_manager_get_default_plugin (fixture->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, "test-low");
  {
    g_autoptr(VmmHypervisor) hypervisor =
      vmm_plugin_manager_create_hypervisor (fixture->manager, NULL, &error);

    g_assert_no_error (error);
    assert_new_hypervisor (hypervisor, "TestLowHypervisor");
  }

  /* ... and the probe: the user asked for it. */
  g_setenv ("VMM_HYPERVISOR", "test-noprobe", TRUE);
  plugin = vmm_plugin_manager_get_default_plugin (fixture->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, "test-noprobe");

  /* An unknown name is an error that says what there is. */
  g_setenv ("VMM_HYPERVISOR", "test-nothing", TRUE);
  plugin = vmm_plugin_manager_get_default_plugin (fixture->manager, &error);
  g_assert_null (plugin);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  assert_contains (error->message, "VMM_HYPERVISOR");
  assert_contains (error->message, "“test-nothing”");
  assert_contains (error->message, "test-noprobe, test-good, test-low");
  g_clear_error (&error);
  g_assert_null (vmm_plugin_manager_create_hypervisor (fixture->manager, NULL, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Empty means unset: the probe decides. */
  g_setenv ("VMM_HYPERVISOR", "", TRUE);
  plugin = vmm_plugin_manager_get_default_plugin (fixture->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmm_plugin_get_name (plugin), ==, "test-good");
}

static gpointer
scan_in_thread (gpointer data)
{
  VmmPluginManager *manager = manager_for (TEST_PLUGINS_GOOD_DIR, NULL);

  vmm_plugin_manager_scan (manager);

  return manager;
}

/* Managers in several threads scan at once: each file is still loaded
 * once (a type registered twice would be a fatal warning), and all get the
 * same plugins.
 */
static void
test_threads (Fixture       *fixture,
              gconstpointer  data)
{
  GThread *threads[4];
  VmmPluginManager *managers[G_N_ELEMENTS (threads)];
  g_autoptr(GPtrArray) first = NULL;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("scan", scan_in_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    managers[i] = g_thread_join (threads[i]);

  first = vmm_plugin_manager_list_plugins (managers[0]);
  assert_good_plugins (first);
  for (guint i = 0; i < G_N_ELEMENTS (managers); i++)
    {
      g_autoptr(GPtrArray) list = vmm_plugin_manager_list_plugins (managers[i]);

      g_assert_cmpuint (list->len, ==, first->len);
      for (guint j = 0; j < list->len; j++)
        g_assert_true (g_ptr_array_index (list, j) == g_ptr_array_index (first, j));
      g_assert_cmpuint (vmm_plugin_manager_get_load_errors (managers[i])->len, ==, 0);
    }

  for (guint i = 0; i < G_N_ELEMENTS (managers); i++)
    g_object_unref (managers[i]);
}

int
main (int   argc,
      char *argv[])
{
  /* Tests in this process must not depend on the caller's environment.
   * (Still single-threaded here, so changing it is safe.)
   */
  g_unsetenv ("VMM_PLUGIN_PATH");
  g_unsetenv ("VMM_HYPERVISOR");

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/plugin-manager/good", test_good_plugins);
  ADD ("/plugin-manager/broken/scan", test_broken_plugins_scan);
  ADD ("/plugin-manager/broken/load-file", test_broken_plugins_load_file);
  ADD ("/plugin-manager/duplicate-name-per-manager", test_duplicate_name_per_manager);
  ADD ("/plugin-manager/load-once", test_load_once);
  ADD ("/plugin-manager/broken/stub-copy-under-other-name", test_stub_copy_under_other_name);
  ADD ("/plugin-manager/default", test_default_plugin);
  ADD ("/plugin-manager/create-hypervisor", test_create_hypervisor);
  ADD ("/plugin-manager/static", test_static_plugin);
  ADD ("/plugin-manager/env/plugin-path", test_env_plugin_path);
  ADD ("/plugin-manager/env/plugin-path-reversed", test_env_plugin_path_reversed);
  ADD ("/plugin-manager/env/plugin-path-unset", test_env_plugin_path_unset);
  ADD ("/plugin-manager/env/plugin-path-setgid", test_env_plugin_path_setgid);
  ADD ("/plugin-manager/env/hypervisor", test_env_hypervisor);
  ADD ("/plugin-manager/threads", test_threads);

#undef ADD

  return g_test_run ();
}
