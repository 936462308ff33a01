/* test-config.c: VmmHypervisorConfig, devices and their JSON form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include <libvmm/vmm.h>

typedef struct
{
  char *tmpdir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmpdir = g_dir_make_tmp ("test-config-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) &&
      !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    {
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

#define TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

/* Helpers ----------------------------------------------------------------- */

static const char full_json[] =
  "{\"id\":\"demo\",\"kernel\":\"/k\",\"image\":\"/i.img\",\"kernel-params\":[\"a=b\"],"
  "\"memory-mib\":2048,\"vcpus\":1,\"max-vcpus\":1,\"debug\":false,"
  "\"store-dir\":\"/run/libvmm\",\"block-pool-size\":8,"
  "\"hypervisor-path\":\"/usr/bin/acrn-dm\",\"ctl-path\":\"/usr/bin/acrnctl\","
  "\"devices\":[{\"type\":\"block\",\"path\":\"/d.img\",\"read-only\":false},"
  "{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"02:00:00:00:00:01\"},"
  "{\"type\":\"vsock\",\"cid\":3},"
  "{\"type\":\"console\",\"name\":\"serial0\",\"path\":\"/tmp/s.sock\"},"
  "{\"type\":\"pci\",\"address\":\"0000:00:02.0\"}]}";

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected \"%s\" in the message \"%s\"", needle, haystack);
}

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

static VmmHypervisorConfig *
load_ok (const char *json)
{
  g_autoptr(GError) error = NULL;
  VmmHypervisorConfig *config = vmm_hypervisor_config_new_from_json (json, -1, &error);

  g_assert_no_error (error);
  g_assert_true (VMM_IS_HYPERVISOR_CONFIG (config));
  return config;
}

/* Loads @json, which must fail with VMM_ERROR/@code and a message that
 * contains every non-NULL needle. */
static void
assert_load_fails (const char *json,
                   gssize      length,
                   VmmError    code,
                   const char *needle1,
                   const char *needle2)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmmHypervisorConfig) config = NULL;

  config = vmm_hypervisor_config_new_from_json (json, length, &error);
  g_assert_null (config);
  g_assert_error (error, VMM_ERROR, (gint) code);
  g_test_message ("%s -> %s", json, error->message);
  if (needle1 != NULL)
    assert_contains (error->message, needle1);
  if (needle2 != NULL)
    assert_contains (error->message, needle2);
}

/* {"id":"x", FRAGMENT} */
static void
assert_member_fails (const char *fragment,
                     const char *needle1,
                     const char *needle2)
{
  g_autofree char *json = g_strdup_printf ("{\"id\":\"x\",%s}", fragment);

  assert_load_fails (json, -1, VMM_ERROR_INVALID_CONFIG, needle1, needle2);
}

/* {"id":"x","devices":[DEVICES]} */
static void
assert_devices_fail (const char *devices,
                     const char *needle1,
                     const char *needle2)
{
  g_autofree char *json = g_strdup_printf ("{\"id\":\"x\",\"devices\":[%s]}", devices);

  assert_load_fails (json, -1, VMM_ERROR_INVALID_CONFIG, needle1, needle2);
}

static VmmHypervisorConfig *
load_member_ok (const char *fragment)
{
  g_autofree char *json = g_strdup_printf ("{\"id\":\"x\",%s}", fragment);

  return load_ok (json);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
assert_full_example (VmmHypervisorConfig *config)
{
  GPtrArray *devices;
  VmmBlockDevice *block;
  VmmNetDevice *net;
  VmmVsockDevice *vsock;
  VmmConsoleDevice *console;
  VmmPciDevice *pci;
  const char * const expected_params[] = { "a=b", NULL };
  guint domain = 99, bus = 99, slot = 99, function = 99;

  g_assert_cmpstr (vmm_hypervisor_config_get_id (config), ==, "demo");
  g_assert_null (vmm_hypervisor_config_get_hypervisor (config));
  g_assert_cmpstr (vmm_hypervisor_config_get_kernel (config), ==, "/k");
  g_assert_cmpstr (vmm_hypervisor_config_get_image (config), ==, "/i.img");
  g_assert_null (vmm_hypervisor_config_get_initrd (config));
  g_assert_null (vmm_hypervisor_config_get_firmware (config));
  g_assert_true (g_strv_equal (vmm_hypervisor_config_get_kernel_params (config),
                               expected_params));
  g_assert_cmpuint (vmm_hypervisor_config_get_memory_mib (config), ==, 2048);
  g_assert_cmpuint (vmm_hypervisor_config_get_vcpus (config), ==, 1);
  g_assert_cmpuint (vmm_hypervisor_config_get_max_vcpus (config), ==, 1);
  g_assert_false (vmm_hypervisor_config_get_debug (config));
  g_assert_cmpstr (vmm_hypervisor_config_get_store_dir (config), ==, "/run/libvmm");
  g_assert_cmpuint (vmm_hypervisor_config_get_block_pool_size (config), ==, 8);
  g_assert_cmpstr (vmm_hypervisor_config_get_hypervisor_path (config), ==, "/usr/bin/acrn-dm");
  g_assert_cmpstr (vmm_hypervisor_config_get_ctl_path (config), ==, "/usr/bin/acrnctl");

  devices = vmm_hypervisor_config_get_devices (config);
  g_assert_cmpuint (devices->len, ==, 5);

  block = VMM_BLOCK_DEVICE (g_ptr_array_index (devices, 0));
  g_assert_cmpint (vmm_device_get_device_type (VMM_DEVICE (block)), ==, VMM_DEVICE_TYPE_BLOCK);
  g_assert_null (vmm_device_get_id (VMM_DEVICE (block)));
  g_assert_cmpstr (vmm_block_device_get_path (block), ==, "/d.img");
  g_assert_false (vmm_block_device_get_read_only (block));

  net = VMM_NET_DEVICE (g_ptr_array_index (devices, 1));
  g_assert_cmpint (vmm_device_get_device_type (VMM_DEVICE (net)), ==, VMM_DEVICE_TYPE_NET);
  g_assert_cmpstr (vmm_net_device_get_tap (net), ==, "tap0");
  g_assert_cmpstr (vmm_net_device_get_mac (net), ==, "02:00:00:00:00:01");
  g_assert_false (vmm_net_device_get_vhost (net));

  vsock = VMM_VSOCK_DEVICE (g_ptr_array_index (devices, 2));
  g_assert_cmpint (vmm_device_get_device_type (VMM_DEVICE (vsock)), ==, VMM_DEVICE_TYPE_VSOCK);
  g_assert_cmpuint (vmm_vsock_device_get_cid (vsock), ==, 3);
  g_assert_cmpuint (vmm_vsock_device_get_port (vsock), ==, 1024);

  console = VMM_CONSOLE_DEVICE (g_ptr_array_index (devices, 3));
  g_assert_cmpint (vmm_device_get_device_type (VMM_DEVICE (console)), ==, VMM_DEVICE_TYPE_CONSOLE);
  g_assert_cmpstr (vmm_console_device_get_name (console), ==, "serial0");
  g_assert_cmpstr (vmm_console_device_get_path (console), ==, "/tmp/s.sock");

  pci = VMM_PCI_DEVICE (g_ptr_array_index (devices, 4));
  g_assert_cmpint (vmm_device_get_device_type (VMM_DEVICE (pci)), ==, VMM_DEVICE_TYPE_PCI);
  g_assert_cmpstr (vmm_pci_device_get_address (pci), ==, "0000:00:02.0");
  g_assert_true (vmm_pci_device_get_bdf (pci, &domain, &bus, &slot, &function));
  g_assert_cmpuint (domain, ==, 0);
  g_assert_cmpuint (bus, ==, 0);
  g_assert_cmpuint (slot, ==, 2);
  g_assert_cmpuint (function, ==, 0);
}

/* Valid configurations ------------------------------------------------------ */

static void
test_load_full (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = data_path ("config-full.json");
  g_autoptr(VmmHypervisorConfig) from_file = NULL;
  g_autoptr(VmmHypervisorConfig) from_string = NULL;

  from_file = vmm_hypervisor_config_new_from_file (path, &error);
  g_assert_no_error (error);
  assert_full_example (from_file);

  from_string = load_ok (full_json);
  assert_full_example (from_string);
  g_assert_true (vmm_hypervisor_config_equal (from_file, from_string));
  g_assert_true (vmm_hypervisor_config_validate (from_string, &error));
  g_assert_no_error (error);
}

static void
test_load_minimal (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = data_path ("config-minimal.json");
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(VmmHypervisorConfig) fresh = vmm_hypervisor_config_new ("x");

  config = vmm_hypervisor_config_new_from_file (path, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (vmm_hypervisor_config_get_id (config), ==, "x");
  g_assert_null (vmm_hypervisor_config_get_hypervisor (config));
  g_assert_null (vmm_hypervisor_config_get_kernel (config));
  g_assert_null (vmm_hypervisor_config_get_image (config));
  g_assert_null (vmm_hypervisor_config_get_initrd (config));
  g_assert_null (vmm_hypervisor_config_get_firmware (config));
  g_assert_nonnull (vmm_hypervisor_config_get_kernel_params (config));
  g_assert_null (vmm_hypervisor_config_get_kernel_params (config)[0]);
  g_assert_cmpuint (vmm_hypervisor_config_get_memory_mib (config), ==, 2048);
  g_assert_cmpuint (vmm_hypervisor_config_get_vcpus (config), ==, 1);
  g_assert_cmpuint (vmm_hypervisor_config_get_max_vcpus (config), ==, 1);
  g_assert_false (vmm_hypervisor_config_get_debug (config));
  g_assert_cmpstr (vmm_hypervisor_config_get_store_dir (config), ==, "/run/libvmm");
  g_assert_cmpuint (vmm_hypervisor_config_get_block_pool_size (config), ==, 8);
  g_assert_null (vmm_hypervisor_config_get_hypervisor_path (config));
  g_assert_null (vmm_hypervisor_config_get_ctl_path (config));
  g_assert_cmpuint (vmm_hypervisor_config_get_start_timeout_ms (config), ==, 30000);
  g_assert_cmpuint (vmm_hypervisor_config_get_stop_timeout_ms (config), ==, 15000);
  g_assert_null (vmm_hypervisor_config_get_allowed_cpus (config));
  g_assert_false (vmm_hypervisor_config_get_exclusive_cpus (config));
  g_assert_cmpuint (vmm_hypervisor_config_get_devices (config)->len, ==, 0);

  /* the defaults of a new object are the same */
  g_assert_true (vmm_hypervisor_config_equal (config, fresh));
}

static void
test_load_accepted_forms (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(VmmHypervisorConfig) bom = NULL;
  g_autoptr(VmmHypervisorConfig) exact = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id128 = g_strnfill (128, 'a');
  g_autofree char *json = NULL;
  static const char with_nul_after[] = "{\"id\":\"x\"}\0garbage";

  /* range bounds, integral numbers written with an exponent or a fraction,
   * nulls for nullable keys, escapes, all whitespace kinds */
  config = load_ok ("{ \"id\" : \"x\",\t\"memory-mib\": 4194304,\r\n"
                    " \"vcpus\": 2e0, \"max-vcpus\": 255, \"block-pool-size\": 0,"
                    " \"start-timeout-ms\": 1, \"stop-timeout-ms\": 3600000.0,"
                    " \"hypervisor\": null, \"kernel\": null, \"allowed-cpus\": \"0-3,6\","
                    " \"exclusive-cpus\": true, \"debug\": true,"
                    " \"kernel-params\": [\"console=ttyS0\", \"x=\\u00e9\\/\\\"q\\\"\"],"
                    " \"devices\": [] }");
  g_assert_cmpuint (vmm_hypervisor_config_get_memory_mib (config), ==, 4194304);
  g_assert_cmpuint (vmm_hypervisor_config_get_vcpus (config), ==, 2);
  g_assert_cmpuint (vmm_hypervisor_config_get_max_vcpus (config), ==, 255);
  g_assert_cmpuint (vmm_hypervisor_config_get_block_pool_size (config), ==, 0);
  g_assert_cmpuint (vmm_hypervisor_config_get_start_timeout_ms (config), ==, 1);
  g_assert_cmpuint (vmm_hypervisor_config_get_stop_timeout_ms (config), ==, 3600000);
  g_assert_cmpstr (vmm_hypervisor_config_get_allowed_cpus (config), ==, "0-3,6");
  g_assert_true (vmm_hypervisor_config_get_exclusive_cpus (config));
  g_assert_true (vmm_hypervisor_config_get_debug (config));
  g_assert_cmpstr (vmm_hypervisor_config_get_kernel_params (config)[1], ==, "x=\xc3\xa9/\"q\"");
  g_clear_object (&config);

  config = load_member_ok ("\"memory-mib\": 128");
  g_assert_cmpuint (vmm_hypervisor_config_get_memory_mib (config), ==, 128);
  g_clear_object (&config);

  /* a UTF-8 byte order mark is skipped; surrogate pairs decode */
  bom = load_ok ("\xef\xbb\xbf{\"id\":\"x\",\"kernel-params\":[\"\\ud83d\\ude00\"]}");
  g_assert_cmpstr (vmm_hypervisor_config_get_kernel_params (bom)[0], ==, "\xf0\x9f\x98\x80");

  /* ids up to 128 characters */
  json = g_strdup_printf ("{\"id\":\"%s\"}", id128);
  config = load_ok (json);
  g_assert_cmpstr (vmm_hypervisor_config_get_id (config), ==, id128);
  g_clear_object (&config);

  /* an explicit length stops before what follows */
  exact = vmm_hypervisor_config_new_from_json (with_nul_after, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmm_hypervisor_config_get_id (exact), ==, "x");

  /* vsock cid 0 means "let the backend choose"; the bounds are accepted */
  config = load_ok ("{\"id\":\"x\",\"devices\":[{\"type\":\"vsock\"},"
                    "{\"type\":\"vsock\",\"cid\":4294967294,\"port\":4294967295}]}");
  g_assert_cmpuint (vmm_vsock_device_get_cid (g_ptr_array_index (vmm_hypervisor_config_get_devices (config), 0)), ==, 0);
  g_assert_cmpuint (vmm_vsock_device_get_cid (g_ptr_array_index (vmm_hypervisor_config_get_devices (config), 1)), ==, VMM_VSOCK_CID_MAX);
  g_assert_cmpuint (vmm_vsock_device_get_port (g_ptr_array_index (vmm_hypervisor_config_get_devices (config), 1)), ==, G_MAXUINT32);
}

/* Syntax errors ------------------------------------------------------------- */

typedef struct
{
  const char *json;
  const char *position;   /* "<data>:LINE:COLUMN: " */
  const char *message;
} SyntaxCase;

static void
test_syntax_data (Fixture       *fixture,
                  gconstpointer  user_data)
{
  static const SyntaxCase cases[] = {
    { "{\n  \"id\": \"x\",\n  \"vcpus\": 1,\n}", "<data>:4:1: ", "trailing commas are not allowed" },
    { "{\"id\": 'x'}", "<data>:1:8: ", "strings must be in double quotes" },
    { "{\"id\": \"x\" /* c */}", "<data>:1:12: ", "expected ',' or '}'" },
    { "{\"id\": \"x\", // c\n}", "<data>:1:13: ", "expected a string in double quotes" },
    { "{\"id\": /* c */ \"x\"}", "<data>:1:8: ", "comments are not allowed" },
    { "{\"id\":\"x\",\"memory-mib\":0x800}", "<data>:1:25: ", "unexpected 'x'" },
    { "{\"id\":\"x\",\"memory-mib\":02048}", "<data>:1:24: ", "leading zeros" },
    { "{\"id\":\"x\",\"memory-mib\":+2048}", "<data>:1:24: ", "unexpected '+', expected a value" },
    { "{\"id\":\"x\",\"memory-mib\":.5}", "<data>:1:24: ", "unexpected '.'" },
    { "{\"id\":\"x\",\"memory-mib\":1.}", "<data>:1:26: ", "digit after the decimal point" },
    { "{\"id\":\"x\",\"memory-mib\":1e}", "<data>:1:26: ", "digit in the exponent" },
    { "{\"id\":\"x\",\"memory-mib\":-}", "<data>:1:25: ", "expected a digit" },
    { "{\"id\":\"x\",\"memory-mib\":NaN}", "<data>:1:24: ", "unexpected 'N', expected a value" },
    { "{\"id\":\"x\",\"debug\":tru}", "<data>:1:19: ", "expected a value" },
    { "{\"id\":\"a\tb\"}", "<data>:1:9: ", "control character U+0009" },
    { "{\"id\":\"a\\qb\"}", "<data>:1:9: ", "invalid escape" },
    { "{\"id\":\"a\\u12\"}", "<data>:1:9: ", "four hexadecimal digits" },
    { "{\"id\":\"\\ud800\"}", "<data>:1:8: ", "high surrogate" },
    { "{\"id\":\"\\udc00\"}", "<data>:1:8: ", "lone low surrogate" },
    { "{\"id\":\"x\\u0000\"}", "<data>:1:9: ", "\\u0000 is not allowed" },
    { "{\"id\":\"x\",\"id\":\"y\"}", "<data>:1:11: ", "duplicate key 'id'" },
    { "{\"id\":\"x\",\"devices\":[{\"type\":\"net\",\"type\":\"net\"}]}", "<data>:1:36: ", "duplicate key 'type'" },
    { "{\"id\":\"x\",\"memory-mib\":2048,}", "<data>:1:29: ", "trailing commas are not allowed" },
    { "{\"id\":\"x\",\"kernel-params\":[\"a\",]}", "<data>:1:32: ", "trailing commas are not allowed" },
    { "{\"id\":\"x\",\"kernel-params\":[\"a\" \"b\"]}", "<data>:1:32: ", "expected ',' or ']'" },
    { "{\"id\":\"x\",\"kernel-params\":[,]}", "<data>:1:28: ", "unexpected ',', expected a value" },
    { "{,}", "<data>:1:2: ", "unexpected ',', expected a string in double quotes" },
    { "{\"id\" \"x\"}", "<data>:1:7: ", "expected ':' after the key" },
    { "{id:\"x\"}", "<data>:1:2: ", "unexpected 'i'" },
    { "{\"id\":\"x\"} {}", "<data>:1:12: ", "after the end of the document" },
    { "{\"id\":\"x\"", "<data>:1:10: ", "unexpected end of input, expected ',' or '}'" },
    { "{\"id\":\"x", "<data>:1:7: ", "unterminated string" },
    { "", "<data>:1:1: ", "the document is empty" },
    { " \n\t ", "<data>:2:3: ", "the document is empty" },
    { "{\"id\":\"\xff\"}", "<data>:1:8: ", "invalid UTF-8 (byte 0xff)" },
    /* columns count characters, not bytes */
    { "{\"kernel-params\":[\"\xc3\xa9\xc3\xa9\" x]}", "<data>:1:24: ", "unexpected 'x'" },
    { "\n\n  {\"id\":\"x\",\n   \"vcpus\": 1 2}", "<data>:4:15: ", "unexpected '2'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VmmHypervisorConfig) config = NULL;

      config = vmm_hypervisor_config_new_from_json (cases[i].json, -1, &error);
      g_assert_null (config);
      g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
      g_test_message ("case %u: %s", i, error->message);
      g_assert_true (g_str_has_prefix (error->message, cases[i].position));
      assert_contains (error->message, cases[i].message);
    }
}

static void
test_syntax_special (Fixture       *fixture,
                     gconstpointer  user_data)
{
  static const char with_nul[] = "{\"id\":\"x\"\0}";
  g_autoptr(GString) deep = g_string_new (NULL);

  /* a NUL byte inside the given length */
  assert_load_fails (with_nul, sizeof with_nul - 1, VMM_ERROR_INVALID_CONFIG,
                     "<data>:1:10: ", "NUL byte");

  /* nesting is bounded */
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, '[');
  assert_load_fails (deep->str, -1, VMM_ERROR_INVALID_CONFIG,
                     "<data>:1:66: ", "nested too deeply");

  /* well formed, but not an object */
  assert_load_fails ("[]", -1, VMM_ERROR_INVALID_CONFIG,
                     "expected a JSON object at the top level, got an array", NULL);
  assert_load_fails ("\"x\"", -1, VMM_ERROR_INVALID_CONFIG,
                     "expected a JSON object at the top level, got a string", NULL);
}

static void
test_syntax_file (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = data_path ("config-syntax-error.json");
  g_autofree char *prefix = g_strconcat (path, ":5:3: ", NULL);
  g_autoptr(VmmHypervisorConfig) config = NULL;

  config = vmm_hypervisor_config_new_from_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  assert_contains (error->message, "unexpected '\"', expected ',' or '}'");
}

/* Semantic errors ----------------------------------------------------------- */

static void
test_unknown_key (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = data_path ("config-unknown-key.json");
  g_autofree char *prefix = g_strconcat (path, ": ", NULL);
  g_autoptr(VmmHypervisorConfig) config = NULL;

  config = vmm_hypervisor_config_new_from_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  assert_contains (error->message, "unknown key 'memroy-mib'");
  assert_contains (error->message, "did you mean 'memory-mib'?");

  assert_member_fails ("\"colour\": \"red\"", "unknown key 'colour'", NULL);
  assert_member_fails ("\"Id\": \"y\"", "unknown key 'Id'", NULL);
  assert_member_fails ("\"a\\nb\": 1", "unknown key 'a\\nb'", NULL);
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap0\",\"colour\":1}",
                       "unknown key 'devices[0].colour' in a net device", NULL);
  assert_devices_fail ("{\"type\":\"block\",\"path\":\"/d\"},{\"type\":\"block\",\"path\":\"/e\",\"readonly\":true}",
                       "unknown key 'devices[1].readonly'", "did you mean 'read-only'?");
  /* a key of another device class */
  assert_devices_fail ("{\"type\":\"block\",\"path\":\"/d\",\"tap\":\"tap0\"}",
                       "unknown key 'devices[0].tap' in a block device", NULL);
}

static void
test_wrong_type (Fixture       *fixture,
                 gconstpointer  user_data)
{
  assert_load_fails ("{\"id\": 1}", -1, VMM_ERROR_INVALID_CONFIG,
                     "key 'id': expected a string, got an integer", NULL);
  assert_load_fails ("{\"id\": null}", -1, VMM_ERROR_INVALID_CONFIG,
                     "key 'id': expected a string, got null", NULL);
  assert_member_fails ("\"memory-mib\": \"2048\"", "key 'memory-mib': expected an integer", "got a string");
  assert_member_fails ("\"vcpus\": true", "key 'vcpus': expected an integer", "got a boolean");
  assert_member_fails ("\"vcpus\": null", "key 'vcpus': expected an integer", "got null");
  assert_member_fails ("\"debug\": 1", "key 'debug': expected a boolean", "got an integer");
  assert_member_fails ("\"debug\": \"false\"", "key 'debug': expected a boolean", "got a string");
  assert_member_fails ("\"kernel\": 1", "key 'kernel': expected a string or null", "got an integer");
  assert_member_fails ("\"kernel\": [\"/k\"]", "key 'kernel': expected a string or null", "got an array");
  assert_member_fails ("\"store-dir\": null", "key 'store-dir': expected a string,", "got null");
  assert_member_fails ("\"kernel-params\": \"a=b\"", "key 'kernel-params': expected an array of strings", "got a string");
  assert_member_fails ("\"kernel-params\": [\"a\", 1]", "key 'kernel-params[1]': expected a string", "got an integer");
  assert_member_fails ("\"kernel-params\": null", "key 'kernel-params': expected an array of strings", "got null");
  assert_member_fails ("\"allowed-cpus\": 3", "key 'allowed-cpus': expected a string or null", NULL);
  assert_member_fails ("\"devices\": {}", "key 'devices': expected an array of device objects", "got an object");
  assert_devices_fail ("1", "key 'devices[0]': expected a device object", "got an integer");
  assert_devices_fail ("{\"type\":\"block\",\"path\":\"/d\",\"read-only\":\"yes\"}",
                       "key 'devices[0].read-only': expected a boolean", "got a string");
  assert_devices_fail ("{\"type\":\"vsock\",\"cid\":\"3\"}",
                       "key 'devices[0].cid': expected an integer", "got a string");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":null}",
                       "key 'devices[0].tap': expected a string,", "got null");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"t\",\"mac\":{}}",
                       "key 'devices[0].mac': expected a string or null", "got an object");
  /* the device type */
  assert_devices_fail ("{\"path\":\"/d\"}", "key 'devices[0].type' is missing", "block, net, vsock, console, pci");
  assert_devices_fail ("{\"type\":\"block\",\"path\":\"/d\"},{\"type\":\"disk\",\"path\":\"/d\"}",
                       "key 'devices[1].type': unknown device type 'disk'", "block, net, vsock, console, pci");
  assert_devices_fail ("{\"type\":5}", "key 'devices[0].type': expected a string", "got an integer");
}

static void
test_out_of_range (Fixture       *fixture,
                   gconstpointer  user_data)
{
  /* low, high */
  assert_member_fails ("\"memory-mib\": 64", "key 'memory-mib': 64 is out of range 128..4194304", NULL);
  assert_member_fails ("\"memory-mib\": 4194305", "key 'memory-mib': 4194305 is out of range 128..4194304", NULL);
  assert_member_fails ("\"memory-mib\": 0", "key 'memory-mib': 0 is out of range 128..4194304", NULL);
  /* negative */
  assert_member_fails ("\"memory-mib\": -2048", "key 'memory-mib': -2048 is out of range 128..4194304", NULL);
  assert_member_fails ("\"block-pool-size\": -1", "key 'block-pool-size': -1 is out of range 0..27", NULL);
  /* beyond G_MAXUINT: 2^32 + 2048 must not wrap to 2048 */
  assert_member_fails ("\"memory-mib\": 4294969344", "key 'memory-mib': 4294969344 is out of range 128..4194304", NULL);
  assert_member_fails ("\"vcpus\": 4294967297", "key 'vcpus': 4294967297 is out of range 1..255", NULL);
  /* beyond 64 bits, in both directions; -(2^64 - 2048) must not wrap to 2048 */
  assert_member_fails ("\"memory-mib\": 18446744073709551616",
                       "key 'memory-mib': 18446744073709551616 is out of range 128..4194304", NULL);
  assert_member_fails ("\"memory-mib\": -18446744073709549568",
                       "key 'memory-mib': -18446744073709549568 is out of range 128..4194304", NULL);
  assert_member_fails ("\"memory-mib\": 9223372036854775808",
                       "key 'memory-mib': 9223372036854775808 is out of range", NULL);
  assert_member_fails ("\"memory-mib\": 1e999", "key 'memory-mib': 1e999 is out of range", NULL);
  assert_member_fails ("\"memory-mib\": 1e7", "key 'memory-mib': 1e7 is out of range 128..4194304", NULL);
  /* not integers */
  assert_member_fails ("\"memory-mib\": 2048.5", "key 'memory-mib': 2048.5 is not an integer", "128..4194304");
  assert_member_fails ("\"vcpus\": 1e-3", "key 'vcpus': 1e-3 is not an integer", "1..255");
  /* every other ranged key */
  assert_member_fails ("\"vcpus\": 0", "key 'vcpus': 0 is out of range 1..255", NULL);
  assert_member_fails ("\"vcpus\": 256", "key 'vcpus': 256 is out of range 1..255", NULL);
  assert_member_fails ("\"max-vcpus\": 0", "key 'max-vcpus': 0 is out of range 1..255", NULL);
  assert_member_fails ("\"max-vcpus\": 256", "key 'max-vcpus': 256 is out of range 1..255", NULL);
  assert_member_fails ("\"block-pool-size\": 28", "key 'block-pool-size': 28 is out of range 0..27", NULL);
  assert_member_fails ("\"start-timeout-ms\": 0", "key 'start-timeout-ms': 0 is out of range 1..3600000", NULL);
  assert_member_fails ("\"start-timeout-ms\": 3600001", "key 'start-timeout-ms': 3600001 is out of range 1..3600000", NULL);
  assert_member_fails ("\"stop-timeout-ms\": 0", "key 'stop-timeout-ms': 0 is out of range 1..3600000", NULL);
  assert_member_fails ("\"stop-timeout-ms\": 3600001", "key 'stop-timeout-ms': 3600001 is out of range 1..3600000", NULL);
  assert_devices_fail ("{\"type\":\"vsock\",\"cid\":4294967296}",
                       "key 'devices[0].cid': 4294967296 is out of range 0..4294967295", NULL);
  assert_devices_fail ("{\"type\":\"vsock\",\"cid\":3,\"port\":-1}",
                       "key 'devices[0].port': -1 is out of range 0..4294967295", NULL);
}

static void
test_bad_id (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autofree char *id129 = g_strnfill (129, 'a');
  g_autofree char *json129 = g_strdup_printf ("{\"id\":\"%s\"}", id129);
  g_autoptr(VmmHypervisorConfig) config = vmm_hypervisor_config_new (NULL);
  g_autoptr(GError) error = NULL;

  assert_load_fails ("{\"id\":\"/\"}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id': '/' is not a valid id", NULL);
  assert_load_fails ("{\"id\":\"a/b\"}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id': 'a/b' is not a valid id", NULL);
  assert_load_fails ("{\"id\":\"..\"}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id': '..' is not a valid id", NULL);
  assert_load_fails ("{\"id\":\".hidden\"}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id': '.hidden'", NULL);
  assert_load_fails ("{\"id\":\"\"}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id': '' is not a valid id", NULL);
  assert_load_fails ("{\"id\":\"a\\u0001b\"}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id': 'a\\u0001b' is not a valid id", NULL);
  assert_load_fails ("{\"id\":\"a\\nb\"}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id': 'a\\nb' is not a valid id", NULL);
  assert_load_fails ("{\"id\":\"a b\"}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id': 'a b' is not a valid id", NULL);
  assert_load_fails (json129, -1, VMM_ERROR_INVALID_CONFIG, "key 'id'", "1 to 128 characters");
  assert_load_fails ("{}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id' is not set", NULL);
  assert_load_fails ("{\"memory-mib\":2048}", -1, VMM_ERROR_INVALID_CONFIG, "key 'id' is not set", NULL);

  g_assert_false (vmm_hypervisor_config_validate (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  assert_contains (error->message, "key 'id' is not set");
}

static void
test_bad_devices (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autofree char *fill106 = g_strnfill (106, 's');
  g_autofree char *fill107 = g_strnfill (107, 's');
  g_autofree char *path107 = g_strconcat ("/", fill106, NULL);
  g_autofree char *path108 = g_strconcat ("/", fill107, NULL);
  g_autofree char *ok_console = g_strdup_printf ("{\"type\":\"console\",\"name\":\"c\",\"path\":\"%s\"}", path107);
  g_autofree char *long_console = g_strdup_printf ("{\"type\":\"console\",\"name\":\"c\",\"path\":\"%s\"}", path108);
  g_autofree char *ok_json = g_strdup_printf ("{\"id\":\"x\",\"devices\":[%s]}", ok_console);
  g_autoptr(VmmHypervisorConfig) ok = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *file = data_path ("config-bad-device.json");
  g_autoptr(VmmHypervisorConfig) from_file = NULL;

  g_assert_cmpuint (strlen (path107), ==, 107);
  g_assert_cmpuint (strlen (path108), ==, 108);

  /* MAC addresses */
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"zz:00\"}",
                       "devices[0]: net device: key 'mac': 'zz:00' is not a MAC address (expected XX:XX:XX:XX:XX:XX)", NULL);
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"02:00:00:00:00:0g\"}", "devices[0]", "key 'mac'");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"02-00-00-00-00-01\"}", "devices[0]", "key 'mac'");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"02:00:00:00:00:01:\"}", "devices[0]", "key 'mac'");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"2:00:00:00:00:01\"}", "devices[0]", "key 'mac'");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"\"}", "devices[0]", "key 'mac'");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap0\",\"mac\":\"01:00:5e:00:00:01\"}", "key 'mac'", "multicast");
  /* device ids name the device */
  assert_devices_fail ("{\"type\":\"net\",\"id\":\"nic0\",\"tap\":\"tap0\",\"mac\":\"zz\"}",
                       "devices[0]: net device 'nic0': key 'mac'", NULL);

  /* tap names */
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"\"}", "devices[0]: net device: key 'tap': ''", "not a valid interface name");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap/0\"}", "key 'tap': 'tap/0'", "not a valid interface name");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap 0\"}", "key 'tap'", "not a valid interface name");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"..\"}", "key 'tap'", "not a valid interface name");
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"tap\\t\"}", "key 'tap': 'tap\\t'", NULL);
  assert_devices_fail ("{\"type\":\"net\",\"tap\":\"a23456789012345b\"}", "key 'tap'", "1 to 15 characters");
  assert_devices_fail ("{\"type\":\"net\"}", "devices[0]: net device: key 'tap' is not set", NULL);
  g_clear_object (&ok);
  ok = load_ok ("{\"id\":\"x\",\"devices\":[{\"type\":\"net\",\"tap\":\"a2345678901234_\"}]}");

  /* PCI addresses */
  assert_devices_fail ("{\"type\":\"pci\",\"address\":\"0000:00:20.0\"}", "devices[0]: pci device: key 'address': '0000:00:20.0' is not a PCI address", NULL);
  assert_devices_fail ("{\"type\":\"pci\",\"address\":\"00:02.8\"}", "key 'address': '00:02.8'", "not a PCI address");
  assert_devices_fail ("{\"type\":\"pci\",\"address\":\"0000:100:02.0\"}", "key 'address'", "not a PCI address");
  assert_devices_fail ("{\"type\":\"pci\",\"address\":\"0000:00:02\"}", "key 'address'", "not a PCI address");
  assert_devices_fail ("{\"type\":\"pci\",\"address\":\"0000-00:02.0\"}", "key 'address'", "not a PCI address");
  assert_devices_fail ("{\"type\":\"pci\",\"address\":\"garbage\"}", "key 'address'", "not a PCI address");
  assert_devices_fail ("{\"type\":\"pci\"}", "devices[0]: pci device: key 'address' is not set", NULL);

  /* vsock CIDs: 1, 2 (reserved) and 0xffffffff (VMADDR_CID_ANY) */
  assert_devices_fail ("{\"type\":\"vsock\",\"cid\":2}", "devices[0]: vsock device: key 'cid': 2 is out of range 3..4294967294", NULL);
  assert_devices_fail ("{\"type\":\"vsock\",\"cid\":1}", "key 'cid': 1 is out of range 3..4294967294", NULL);
  assert_devices_fail ("{\"type\":\"vsock\",\"cid\":4294967295}", "key 'cid': 4294967295 is out of range 3..4294967294", NULL);

  /* console sockets: 107 bytes fit sun_path, 108 do not */
  g_clear_object (&ok);
  ok = load_ok (ok_json);
  g_assert_cmpstr (vmm_console_device_get_path (g_ptr_array_index (vmm_hypervisor_config_get_devices (ok), 0)), ==, path107);
  assert_devices_fail (long_console, "devices[0]: console device: key 'path'", "108 bytes long");
  assert_devices_fail ("{\"type\":\"console\",\"name\":\"c\",\"path\":\"s.sock\"}", "key 'path': 's.sock' is not an absolute path", NULL);
  assert_devices_fail ("{\"type\":\"console\",\"name\":\"a:b\",\"path\":\"/s\"}", "key 'name': 'a:b'", "not a valid console name");
  assert_devices_fail ("{\"type\":\"console\",\"name\":\"\",\"path\":\"/s\"}", "key 'name'", "not a valid console name");
  assert_devices_fail ("{\"type\":\"console\",\"path\":\"/s\"}", "key 'name' is not set", NULL);
  assert_devices_fail ("{\"type\":\"console\",\"name\":\"c\"}", "key 'path' is not set", NULL);
  assert_devices_fail ("{\"type\":\"console\",\"name\":\"c\",\"path\":\"/s\\u007f\"}", "key 'path'", "control character (U+007F)");

  /* block paths */
  assert_devices_fail ("{\"type\":\"block\",\"path\":\"d.img\"}", "devices[0]: block device: key 'path': 'd.img' is not an absolute path", NULL);
  assert_devices_fail ("{\"type\":\"block\",\"path\":\"\"}", "devices[0]: block device: key 'path'", "empty");
  assert_devices_fail ("{\"type\":\"block\",\"path\":\"/d\\n.img\"}", "key 'path'", "control character (U+000A)");
  assert_devices_fail ("{\"type\":\"block\"}", "devices[0]: block device: key 'path' is not set", NULL);

  /* device ids */
  assert_devices_fail ("{\"type\":\"block\",\"id\":\"\",\"path\":\"/d\"}", "devices[0]: block device '': key 'id'", "empty");
  assert_devices_fail ("{\"type\":\"block\",\"id\":\"a\\u0002\",\"path\":\"/d\"}", "key 'id'", "control character (U+0002)");
  assert_devices_fail ("{\"type\":\"block\",\"id\":\"d\",\"path\":\"/d\"},{\"type\":\"block\",\"path\":\"/e\"},"
                       "{\"type\":\"block\",\"id\":\"d\",\"path\":\"/f\"}",
                       "devices[2]: key 'id': 'd' is already the id of devices[0]", NULL);

  /* the index is the device's position; messages from files start with the path */
  from_file = vmm_hypervisor_config_new_from_file (file, &error);
  g_assert_null (from_file);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, file));
  assert_contains (error->message, ": devices[2]: net device: key 'mac': 'zz:00' is not a MAC address");
}

static void
test_bad_values (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  /* vcpus <= max-vcpus */
  assert_member_fails ("\"vcpus\": 4, \"max-vcpus\": 2", "key 'vcpus': 4 is more than key 'max-vcpus' (2)", NULL);
  assert_member_fails ("\"vcpus\": 2", "key 'vcpus': 2 is more than key 'max-vcpus' (1)", NULL);
  config = load_member_ok ("\"vcpus\": 2, \"max-vcpus\": 4");
  g_assert_cmpuint (vmm_hypervisor_config_get_vcpus (config), ==, 2);
  g_assert_cmpuint (vmm_hypervisor_config_get_max_vcpus (config), ==, 4);
  g_clear_object (&config);

  /* paths */
  assert_member_fails ("\"kernel\": \"vmlinux\"", "key 'kernel': 'vmlinux' is not an absolute path", NULL);
  assert_member_fails ("\"image\": \"\"", "key 'image'", "empty");
  assert_member_fails ("\"initrd\": \"i\"", "key 'initrd'", "not an absolute path");
  assert_member_fails ("\"firmware\": \"f\"", "key 'firmware'", "not an absolute path");
  assert_member_fails ("\"store-dir\": \"run\"", "key 'store-dir'", "not an absolute path");
  assert_member_fails ("\"hypervisor-path\": \"acrn-dm\"", "key 'hypervisor-path'", "not an absolute path");
  assert_member_fails ("\"ctl-path\": \"acrnctl\"", "key 'ctl-path'", "not an absolute path");
  assert_member_fails ("\"kernel\": \"/k\\u001b[0m\"", "key 'kernel': '/k\\u001b[0m'", "control character (U+001B)");
  assert_member_fails ("\"kernel\": \"/k\\u0085\"", "key 'kernel'", "control character (U+0085)");

  /* kernel parameters */
  assert_member_fails ("\"kernel-params\": [\"a\", \"b\\nc\"]", "key 'kernel-params[1]': 'b\\nc'", "control character (U+000A)");

  /* plugin name */
  assert_member_fails ("\"hypervisor\": \"../evil\"", "key 'hypervisor': '../evil' is not a valid plugin name", NULL);
  assert_member_fails ("\"hypervisor\": \"\"", "key 'hypervisor'", "not a valid plugin name");

  /* CPU lists */
  assert_member_fails ("\"allowed-cpus\": \"\"", "key 'allowed-cpus': '' is not a CPU list", NULL);
  assert_member_fails ("\"allowed-cpus\": \"0-\"", "key 'allowed-cpus': '0-'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"3-1\"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"1,,2\"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"1,\"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \" \"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"1 - 2\"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"1 2\"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"-1\"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"a\"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"4294967296\"", "key 'allowed-cpus'", "not a CPU list");
  assert_member_fails ("\"allowed-cpus\": \"\\t1\"", "key 'allowed-cpus': '\\t1'", "not a CPU list");
  config = load_member_ok ("\"allowed-cpus\": \" 0 ,2-2,  4-4294967295 \"");
  g_assert_cmpstr (vmm_hypervisor_config_get_allowed_cpus (config), ==, " 0 ,2-2,  4-4294967295 ");
  g_clear_object (&config);

  /* store-dir is required */
  config = vmm_hypervisor_config_new ("x");
  g_object_set (config, "store-dir", NULL, NULL);
  g_assert_false (vmm_hypervisor_config_validate (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  assert_contains (error->message, "key 'store-dir' is not set");
}

/* Files --------------------------------------------------------------------- */

static void
test_file_errors (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (fixture->tmpdir, "missing.json", NULL);
  g_autofree char *under_file = g_build_filename (fixture->tmpdir, "plain", "config.json", NULL);
  g_autofree char *plain = g_build_filename (fixture->tmpdir, "plain", NULL);
  g_autoptr(VmmHypervisorConfig) config = NULL;

  config = vmm_hypervisor_config_new_from_file (missing, &error);
  g_assert_null (config);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);

  write_file (plain, "{}");
  config = vmm_hypervisor_config_new_from_file (under_file, &error);
  g_assert_null (config);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, under_file));
  g_clear_error (&error);

  /* a directory cannot be read */
  config = vmm_hypervisor_config_new_from_file (fixture->tmpdir, &error);
  g_assert_null (config);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, fixture->tmpdir));
  g_clear_error (&error);

  /* semantic errors start with the path too */
  config = vmm_hypervisor_config_new_from_file (plain, &error);
  g_assert_null (config);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, plain));
  assert_contains (error->message, ": key 'id' is not set");
}

static void
assert_relative_resolved (VmmHypervisorConfig *config,
                          const char          *base)
{
  g_autofree char *kernel = g_build_filename (base, "conf", "vmlinux", NULL);
  g_autofree char *image = g_build_filename (base, "images", "root.img", NULL);
  g_autofree char *initrd = g_build_filename (base, "conf", "boot", "initrd.img", NULL);
  g_autofree char *hypervisor = g_build_filename (base, "conf", "bin", "acrn-dm", NULL);
  g_autofree char *ctl = g_build_filename (base, "conf", "bin", "acrnctl", NULL);
  g_autofree char *store = g_build_filename (base, "conf", "state", NULL);
  g_autofree char *disk = g_build_filename (base, "conf", "disks", "d.img", NULL);
  g_autofree char *socket = g_build_filename (base, "conf", "s.sock", NULL);
  GPtrArray *devices = vmm_hypervisor_config_get_devices (config);

  g_assert_cmpstr (vmm_hypervisor_config_get_kernel (config), ==, kernel);
  g_assert_cmpstr (vmm_hypervisor_config_get_image (config), ==, image);
  g_assert_cmpstr (vmm_hypervisor_config_get_initrd (config), ==, initrd);
  /* absolute paths are kept */
  g_assert_cmpstr (vmm_hypervisor_config_get_firmware (config), ==, "/usr/share/ovmf/OVMF.fd");
  g_assert_cmpstr (vmm_hypervisor_config_get_hypervisor_path (config), ==, hypervisor);
  g_assert_cmpstr (vmm_hypervisor_config_get_ctl_path (config), ==, ctl);
  g_assert_cmpstr (vmm_hypervisor_config_get_store_dir (config), ==, store);
  g_assert_cmpuint (devices->len, ==, 2);
  g_assert_cmpstr (vmm_block_device_get_path (g_ptr_array_index (devices, 0)), ==, disk);
  g_assert_cmpstr (vmm_console_device_get_path (g_ptr_array_index (devices, 1)), ==, socket);
  /* names are not paths */
  g_assert_cmpstr (vmm_console_device_get_name (g_ptr_array_index (devices, 1)), ==, "serial0");
  g_assert_cmpstr (vmm_hypervisor_config_get_id (config), ==, "relative");
}

static void
test_file_relative_paths (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fixture_path = data_path ("config-relative.json");
  g_autofree char *contents = NULL;
  g_autofree char *conf_dir = g_build_filename (fixture->tmpdir, "conf", NULL);
  g_autofree char *copy = g_build_filename (conf_dir, "config.json", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr(VmmHypervisorConfig) config = NULL;
  g_autoptr(VmmHypervisorConfig) relative = NULL;

  g_file_get_contents (fixture_path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (conf_dir, 0700), ==, 0);
  write_file (copy, contents);

  config = vmm_hypervisor_config_new_from_file (copy, &error);
  g_assert_no_error (error);
  assert_relative_resolved (config, fixture->tmpdir);

  /* a relative file name is taken from the current directory */
  g_assert_cmpint (g_chdir (fixture->tmpdir), ==, 0);
  relative = vmm_hypervisor_config_new_from_file ("conf/../conf/config.json", &error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_assert_no_error (error);
  assert_relative_resolved (relative, fixture->tmpdir);

  /* without a file, relative paths are not resolved and fail validation */
  assert_load_fails (contents, -1, VMM_ERROR_INVALID_CONFIG,
                     "key 'kernel': 'vmlinux' is not an absolute path", NULL);
}

/* Round trip, copy, equal --------------------------------------------------- */

static VmmHypervisorConfig *
make_everything_config (void)
{
  const char * const params[] = { "console=ttyS0", "quiet", "x=\"a b\"", NULL };
  VmmHypervisorConfig *config = vmm_hypervisor_config_new ("every-thing_1.0");
  g_autoptr(VmmDevice) block = VMM_DEVICE (vmm_block_device_new ("/var/lib/d\xc3\xa9.img", TRUE));
  g_autoptr(VmmDevice) net = VMM_DEVICE (vmm_net_device_new ("tap0", NULL));
  g_autoptr(VmmDevice) vsock = VMM_DEVICE (vmm_vsock_device_new (0xfffffffe, 52));
  g_autoptr(VmmDevice) console = VMM_DEVICE (vmm_console_device_new ("serial0", "/run/s.sock"));
  g_autoptr(VmmDevice) pci = VMM_DEVICE (vmm_pci_device_new ("03:00.1"));

  g_object_set (config,
                "hypervisor", "stub",
                "kernel", "/boot/vmlinuz",
                "image", "/img/root.img",
                "initrd", "/boot/initrd.img",
                "firmware", "/usr/share/OVMF.fd",
                "kernel-params", params,
                "memory-mib", 4096u,
                "vcpus", 2u,
                "max-vcpus", 8u,
                "debug", TRUE,
                "store-dir", "/var/run/vmm",
                "block-pool-size", 27u,
                "hypervisor-path", "/opt/acrn/acrn-dm",
                "ctl-path", "/opt/acrn/acrnctl",
                "start-timeout-ms", 1000u,
                "stop-timeout-ms", 2000u,
                "allowed-cpus", "1-3",
                "exclusive-cpus", TRUE,
                NULL);
  vmm_device_set_id (block, "disk0");
  g_object_set (net, "vhost", TRUE, "id", "nic0", NULL);
  vmm_hypervisor_config_add_device (config, block);
  vmm_hypervisor_config_add_device (config, net);
  vmm_hypervisor_config_add_device (config, vsock);
  vmm_hypervisor_config_add_device (config, console);
  vmm_hypervisor_config_add_device (config, pci);

  return config;
}

static void
assert_round_trip (VmmHypervisorConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = vmm_hypervisor_config_to_json (config);
  g_autofree char *again = NULL;
  g_autoptr(VmmHypervisorConfig) loaded = NULL;
  g_autoptr(VmmHypervisorConfig) from_node = NULL;
  g_autoptr(JsonNode) node = vmm_hypervisor_config_to_json_node (config);

  loaded = vmm_hypervisor_config_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (vmm_hypervisor_config_equal (config, loaded));
  g_assert_true (vmm_hypervisor_config_equal (loaded, config));
  again = vmm_hypervisor_config_to_json (loaded);
  g_assert_cmpstr (again, ==, json);

  from_node = vmm_hypervisor_config_new_from_node (node, &error);
  g_assert_no_error (error);
  g_assert_true (vmm_hypervisor_config_equal (config, from_node));
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  user_data)
{
  static const char * const expected_keys[] = {
    "id", "hypervisor", "kernel", "image", "initrd", "firmware", "kernel-params",
    "memory-mib", "vcpus", "max-vcpus", "debug", "store-dir", "block-pool-size",
    "hypervisor-path", "ctl-path", "start-timeout-ms", "stop-timeout-ms",
    "allowed-cpus", "exclusive-cpus", "devices",
  };
  g_autoptr(VmmHypervisorConfig) full = load_ok (full_json);
  g_autoptr(VmmHypervisorConfig) minimal = load_ok ("{\"id\":\"x\"}");
  g_autoptr(VmmHypervisorConfig) everything = make_everything_config ();
  g_autoptr(JsonNode) node = vmm_hypervisor_config_to_json_node (everything);
  g_autofree char *text = vmm_hypervisor_config_to_json (minimal);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  guint i = 0;

  g_assert_true (vmm_hypervisor_config_validate (everything, &error));
  g_assert_no_error (error);

  assert_round_trip (full);
  assert_round_trip (minimal);
  assert_round_trip (everything);

  /* every property, in a fixed order, id first and devices last */
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      g_assert_cmpuint (i, <, G_N_ELEMENTS (expected_keys));
      g_assert_cmpstr (name, ==, expected_keys[i]);
      i++;
    }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (expected_keys));

  /* pretty-printed (one key per line, indented by 2), unset strings as
   * null, a final newline */
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (expected_keys) + 3);
  g_assert_cmpstr (lines[0], ==, "{");
  g_assert_true (g_str_has_prefix (lines[1], "  \"id\""));
  g_assert_true (g_str_has_suffix (lines[1], "\"x\","));
  g_assert_true (g_str_has_prefix (lines[2], "  \"hypervisor\""));
  g_assert_true (g_str_has_suffix (lines[2], "null,"));
  g_assert_true (g_str_has_prefix (lines[G_N_ELEMENTS (expected_keys)], "  \"devices\""));
  g_assert_cmpstr (lines[G_N_ELEMENTS (expected_keys) + 1], ==, "}");
  g_assert_cmpstr (lines[G_N_ELEMENTS (expected_keys) + 2], ==, "");
}

static void
test_copy_equal (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(VmmHypervisorConfig) config = make_everything_config ();
  g_autoptr(VmmHypervisorConfig) copy = vmm_hypervisor_config_copy (config);
  g_autoptr(VmmHypervisorConfig) other = NULL;
  g_autofree char *json = vmm_hypervisor_config_to_json (config);
  g_autofree char *copy_json = vmm_hypervisor_config_to_json (copy);
  g_autoptr(GPtrArray) reversed = NULL;
  const char * const other_params[] = { "quiet", NULL };
  GPtrArray *devices;
  GPtrArray *copy_devices;
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs;

  g_assert_true (config != copy);
  g_assert_true (vmm_hypervisor_config_equal (config, copy));
  g_assert_true (vmm_hypervisor_config_equal (config, config));
  g_assert_cmpstr (json, ==, copy_json);

  /* deep: devices are copies */
  devices = vmm_hypervisor_config_get_devices (config);
  copy_devices = vmm_hypervisor_config_get_devices (copy);
  g_assert_cmpuint (copy_devices->len, ==, devices->len);
  for (guint i = 0; i < devices->len; i++)
    {
      g_assert_true (g_ptr_array_index (devices, i) != g_ptr_array_index (copy_devices, i));
      g_assert_true (G_OBJECT_TYPE (g_ptr_array_index (devices, i)) ==
                     G_OBJECT_TYPE (g_ptr_array_index (copy_devices, i)));
    }
  g_object_set (g_ptr_array_index (copy_devices, 1), "mac", "02:00:00:00:00:02", NULL);
  g_assert_null (vmm_net_device_get_mac (g_ptr_array_index (devices, 1)));
  g_assert_false (vmm_hypervisor_config_equal (config, copy));
  g_object_set (g_ptr_array_index (copy_devices, 1), "mac", NULL, NULL);
  g_assert_true (vmm_hypervisor_config_equal (config, copy));

  /* kernel-params are copied, not shared */
  g_object_set (copy, "kernel-params", other_params, NULL);
  g_assert_cmpstr (vmm_hypervisor_config_get_kernel_params (config)[0], ==, "console=ttyS0");
  g_assert_false (vmm_hypervisor_config_equal (config, copy));
  g_clear_object (&copy);

  /* every property takes part in the comparison */
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (config), &n_pspecs);
  g_assert_cmpuint (n_pspecs, ==, 19);
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

      copy = vmm_hypervisor_config_copy (config);
      g_assert_true (vmm_hypervisor_config_equal (config, copy));

      if (type == G_TYPE_STRING)
        g_object_set (copy, pspec->name, "/changed", NULL);
      else if (type == G_TYPE_UINT)
        g_object_set (copy, pspec->name, G_PARAM_SPEC_UINT (pspec)->minimum, NULL);
      else if (type == G_TYPE_BOOLEAN)
        g_object_set (copy, pspec->name, FALSE, NULL);
      else if (type == G_TYPE_STRV)
        g_object_set (copy, pspec->name, NULL, NULL);
      else
        g_assert_not_reached ();

      if (vmm_hypervisor_config_equal (config, copy))
        g_error ("changing '%s' does not make configurations differ", pspec->name);
      g_clear_object (&copy);
    }

  /* and the devices: their number, order and class */
  copy = vmm_hypervisor_config_copy (config);
  g_assert_true (vmm_hypervisor_config_remove_device (copy, g_ptr_array_index (vmm_hypervisor_config_get_devices (copy), 4)));
  g_assert_false (vmm_hypervisor_config_equal (config, copy));
  g_clear_object (&copy);

  other = vmm_hypervisor_config_copy (config);
  reversed = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = devices->len; i > 0; i--)
    g_ptr_array_add (reversed, g_object_ref (g_ptr_array_index (vmm_hypervisor_config_get_devices (other), i - 1)));
  for (guint i = 0; i < reversed->len; i++)
    g_assert_true (vmm_hypervisor_config_remove_device (other, g_ptr_array_index (reversed, i)));
  for (guint i = 0; i < reversed->len; i++)
    vmm_hypervisor_config_add_device (other, g_ptr_array_index (reversed, i));
  g_assert_false (vmm_hypervisor_config_equal (config, other));
}

static void
test_add_remove_devices (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(VmmHypervisorConfig) config = vmm_hypervisor_config_new ("x");
  g_autoptr(VmmBlockDevice) block = vmm_block_device_new ("/d.img", FALSE);
  g_autoptr(VmmBlockDevice) twin = vmm_block_device_new ("/d.img", FALSE);
  g_autoptr(VmmVsockDevice) vsock = vmm_vsock_device_new (3, 1024);
  GPtrArray *devices = vmm_hypervisor_config_get_devices (config);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (devices->len, ==, 0);
  vmm_hypervisor_config_add_device (config, VMM_DEVICE (block));
  vmm_hypervisor_config_add_device (config, VMM_DEVICE (vsock));
  g_assert_true (vmm_hypervisor_config_get_devices (config) == devices);
  g_assert_cmpuint (devices->len, ==, 2);
  g_assert_true (g_ptr_array_index (devices, 0) == (gpointer) block);
  g_assert_true (g_ptr_array_index (devices, 1) == (gpointer) vsock);
  g_assert_cmpuint (G_OBJECT (block)->ref_count, ==, 2);

  /* an equal but different object is not removed */
  g_assert_false (vmm_hypervisor_config_remove_device (config, VMM_DEVICE (twin)));
  g_assert_true (vmm_hypervisor_config_remove_device (config, VMM_DEVICE (block)));
  g_assert_false (vmm_hypervisor_config_remove_device (config, VMM_DEVICE (block)));
  g_assert_cmpuint (G_OBJECT (block)->ref_count, ==, 1);
  g_assert_cmpuint (devices->len, ==, 1);
  g_assert_true (g_ptr_array_index (devices, 0) == (gpointer) vsock);

  /* added devices are validated by the configuration */
  g_object_set (vsock, "cid", 2u, NULL);
  g_assert_false (vmm_hypervisor_config_validate (config, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  assert_contains (error->message, "devices[0]: vsock device: key 'cid'");
}

/* Properties ---------------------------------------------------------------- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  GHashTable *counts = user_data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

/* Every property of @object: documented, explicitly notified, and notified
 * once per real change, never for a value it already has. */
static void
assert_properties_well_behaved (GObject *object)
{
  g_autofree GParamSpec **pspecs = NULL;
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_pspecs;
  gulong handler;

  handler = g_signal_connect (object, "notify", G_CALLBACK (count_notify), counts);
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (object), &n_pspecs);
  g_assert_cmpuint (n_pspecs, >, 0);

  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
      g_auto(GValue) old_value = G_VALUE_INIT;
      g_auto(GValue) new_value = G_VALUE_INIT;
      g_auto(GValue) read_back = G_VALUE_INIT;
      const char * const strv[] = { "changed", NULL };

      g_test_message ("property %s::%s", G_OBJECT_TYPE_NAME (object), pspec->name);
      g_assert_true ((pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE);
      g_assert_true ((pspec->flags & G_PARAM_EXPLICIT_NOTIFY) != 0);
      g_assert_true ((pspec->flags & G_PARAM_STATIC_STRINGS) == G_PARAM_STATIC_STRINGS);
      g_assert_cmpstr (g_param_spec_get_nick (pspec), !=, pspec->name);
      g_assert_nonnull (g_param_spec_get_blurb (pspec));
      g_assert_cmpuint (strlen (g_param_spec_get_blurb (pspec)), >, 10);

      g_value_init (&old_value, type);
      g_value_init (&new_value, type);
      g_value_init (&read_back, type);
      g_object_get_property (object, pspec->name, &old_value);

      if (type == G_TYPE_STRING)
        g_value_set_string (&new_value, "changed");
      else if (type == G_TYPE_UINT)
        g_value_set_uint (&new_value, g_value_get_uint (&old_value) == G_PARAM_SPEC_UINT (pspec)->maximum ?
                                      G_PARAM_SPEC_UINT (pspec)->minimum : G_PARAM_SPEC_UINT (pspec)->maximum);
      else if (type == G_TYPE_BOOLEAN)
        g_value_set_boolean (&new_value, !g_value_get_boolean (&old_value));
      else if (type == G_TYPE_STRV)
        g_value_set_boxed (&new_value, strv);
      else
        g_assert_not_reached ();

      /* the same value: no notification */
      g_object_set_property (object, pspec->name, &old_value);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name)), ==, 0);

      /* a new value: one notification, and it reads back */
      g_object_set_property (object, pspec->name, &new_value);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name)), ==, 1);
      g_object_get_property (object, pspec->name, &read_back);
      if (type == G_TYPE_STRV)
        g_assert_true (g_strv_equal (g_value_get_boxed (&read_back), strv));
      else
        g_assert_cmpint (g_param_values_cmp (pspec, &read_back, &new_value), ==, 0);

      g_object_set_property (object, pspec->name, &new_value);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name)), ==, 1);

      /* and back */
      g_object_set_property (object, pspec->name, &old_value);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name)), ==, 2);
    }

  g_signal_handler_disconnect (object, handler);
}

static void
test_config_properties (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(VmmHypervisorConfig) config = vmm_hypervisor_config_new ("x");
  const char * const params[] = { "a", "b", NULL };
  GParamSpec *pspec;

  assert_properties_well_behaved (G_OBJECT (config));

  /* documented ranges */
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), "memory-mib");
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->minimum, ==, 128);
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->maximum, ==, 4194304);
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->default_value, ==, 2048);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), "block-pool-size");
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->maximum, ==, 27);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), "stop-timeout-ms");
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->minimum, ==, 1);
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->maximum, ==, 3600000);
  g_assert_null (g_object_class_find_property (G_OBJECT_GET_CLASS (config), "devices"));

  /* kernel-params: copied in, and NULL means empty */
  g_object_set (config, "kernel-params", params, NULL);
  g_assert_true (vmm_hypervisor_config_get_kernel_params (config) != params);
  g_assert_true (g_strv_equal (vmm_hypervisor_config_get_kernel_params (config), params));
  g_object_set (config, "kernel-params", NULL, NULL);
  g_assert_nonnull (vmm_hypervisor_config_get_kernel_params (config));
  g_assert_null (vmm_hypervisor_config_get_kernel_params (config)[0]);
}

static void
test_device_properties (Fixture       *fixture,
                        gconstpointer  user_data)
{
  const GType types[] = {
    VMM_TYPE_BLOCK_DEVICE, VMM_TYPE_NET_DEVICE, VMM_TYPE_VSOCK_DEVICE,
    VMM_TYPE_CONSOLE_DEVICE, VMM_TYPE_PCI_DEVICE,
  };
  const VmmDeviceType device_types[] = {
    VMM_DEVICE_TYPE_BLOCK, VMM_DEVICE_TYPE_NET, VMM_DEVICE_TYPE_VSOCK,
    VMM_DEVICE_TYPE_CONSOLE, VMM_DEVICE_TYPE_PCI,
  };
  const char * const json_types[] = { "block", "net", "vsock", "console", "pci" };
  const guint n_props[] = { 3, 4, 3, 3, 2 };

  g_assert_true (G_TYPE_IS_ABSTRACT (VMM_TYPE_DEVICE));

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GObject) device = g_object_new (types[i], NULL);
      g_autoptr(GTypeClass) klass = g_type_class_ref (types[i]);
      g_autofree GParamSpec **pspecs = NULL;
      guint n;

      g_assert_true (G_TYPE_IS_FINAL (types[i]));
      g_assert_true (g_type_is_a (types[i], VMM_TYPE_DEVICE));
      g_assert_cmpint (VMM_DEVICE_CLASS (klass)->device_type, ==, device_types[i]);
      g_assert_cmpstr (VMM_DEVICE_CLASS (klass)->json_type, ==, json_types[i]);
      g_assert_cmpint (vmm_device_get_device_type (VMM_DEVICE (device)), ==, device_types[i]);
      g_assert_null (vmm_device_get_id (VMM_DEVICE (device)));

      pspecs = g_object_class_list_properties (G_OBJECT_CLASS (klass), &n);
      g_assert_cmpuint (n, ==, n_props[i]);

      assert_properties_well_behaved (device);
    }
}

static void
test_device_classes (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(VmmBlockDevice) block = vmm_block_device_new ("/d.img", TRUE);
  g_autoptr(VmmNetDevice) net = vmm_net_device_new ("tap0", "02:00:00:00:00:01");
  g_autoptr(VmmNetDevice) net_plain = g_object_new (VMM_TYPE_NET_DEVICE, "tap", "tap1", NULL);
  g_autoptr(VmmVsockDevice) vsock = vmm_vsock_device_new (3, 2048);
  g_autoptr(VmmVsockDevice) vsock_default = g_object_new (VMM_TYPE_VSOCK_DEVICE, NULL);
  g_autoptr(VmmConsoleDevice) console = vmm_console_device_new ("serial0", "/tmp/s.sock");
  g_autoptr(VmmPciDevice) pci = vmm_pci_device_new ("0000:00:02.0");
  g_autoptr(VmmBlockDevice) block_default = g_object_new (VMM_TYPE_BLOCK_DEVICE, "path", "/e", NULL);
  g_autofree char *describe = NULL;
  g_autoptr(GError) error = NULL;
  GObject *devices[5];

  devices[0] = G_OBJECT (block);
  devices[1] = G_OBJECT (net);
  devices[2] = G_OBJECT (vsock);
  devices[3] = G_OBJECT (console);
  devices[4] = G_OBJECT (pci);

  /* constructors and getters */
  g_assert_cmpstr (vmm_block_device_get_path (block), ==, "/d.img");
  g_assert_true (vmm_block_device_get_read_only (block));
  g_assert_false (vmm_block_device_get_read_only (block_default));
  g_assert_cmpstr (vmm_net_device_get_tap (net), ==, "tap0");
  g_assert_cmpstr (vmm_net_device_get_mac (net), ==, "02:00:00:00:00:01");
  g_assert_false (vmm_net_device_get_vhost (net));
  g_assert_null (vmm_net_device_get_mac (net_plain));
  g_assert_cmpuint (vmm_vsock_device_get_cid (vsock), ==, 3);
  g_assert_cmpuint (vmm_vsock_device_get_port (vsock), ==, 2048);
  g_assert_cmpuint (vmm_vsock_device_get_cid (vsock_default), ==, 0);
  g_assert_cmpuint (vmm_vsock_device_get_port (vsock_default), ==, 1024);
  g_assert_cmpstr (vmm_console_device_get_name (console), ==, "serial0");
  g_assert_cmpstr (vmm_console_device_get_path (console), ==, "/tmp/s.sock");
  g_assert_cmpstr (vmm_pci_device_get_address (pci), ==, "0000:00:02.0");

  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    {
      g_assert_true (vmm_device_validate (VMM_DEVICE (devices[i]), &error));
      g_assert_no_error (error);
    }
  g_assert_true (vmm_device_validate (VMM_DEVICE (vsock_default), &error));
  g_assert_no_error (error);

  /* id */
  vmm_device_set_id (VMM_DEVICE (net), "nic0");
  g_assert_cmpstr (vmm_device_get_id (VMM_DEVICE (net)), ==, "nic0");
  vmm_device_set_id (VMM_DEVICE (net), NULL);
  g_assert_null (vmm_device_get_id (VMM_DEVICE (net)));

  /* describe */
  describe = vmm_device_describe (VMM_DEVICE (net));
  g_assert_cmpstr (describe, ==, "net device tap0");
  g_clear_pointer (&describe, g_free);
  describe = vmm_device_describe (VMM_DEVICE (block_default));
  g_assert_cmpstr (describe, ==, "block device /e");
  g_clear_pointer (&describe, g_free);
  describe = vmm_device_describe (VMM_DEVICE (block));
  g_assert_cmpstr (describe, ==, "block device /d.img (read-only)");
  g_clear_pointer (&describe, g_free);
  describe = vmm_device_describe (VMM_DEVICE (vsock));
  g_assert_cmpstr (describe, ==, "vsock device cid 3");
  g_clear_pointer (&describe, g_free);
  describe = vmm_device_describe (VMM_DEVICE (console));
  g_assert_cmpstr (describe, ==, "console device serial0");
  g_clear_pointer (&describe, g_free);
  vmm_device_set_id (VMM_DEVICE (pci), "gpu");
  describe = vmm_device_describe (VMM_DEVICE (pci));
  g_assert_cmpstr (describe, ==, "pci device 0000:00:02.0 (id gpu)");
  g_clear_pointer (&describe, g_free);
}

static void
test_device_json (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(VmmNetDevice) net = vmm_net_device_new ("tap0", NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(VmmDevice) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) bad = NULL;
  g_autoptr(JsonNode) unknown = NULL;
  g_autoptr(JsonNode) scalar = NULL;
  JsonObject *object;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  const char * const expected_keys[] = { "type", "id", "tap", "mac", "vhost" };
  guint i = 0;

  g_object_set (net, "vhost", TRUE, NULL);
  node = vmm_device_to_json (VMM_DEVICE (net));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  object = json_node_get_object (node);

  /* "type" first, then every property; unset strings are null */
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      g_assert_cmpuint (i, <, G_N_ELEMENTS (expected_keys));
      g_assert_cmpstr (name, ==, expected_keys[i]);
      i++;
    }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (expected_keys));
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "net");
  g_assert_true (json_object_get_null_member (object, "mac"));
  g_assert_true (json_object_get_boolean_member (object, "vhost"));

  loaded = vmm_device_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_true (VMM_IS_NET_DEVICE (loaded));
  g_assert_cmpstr (vmm_net_device_get_tap (VMM_NET_DEVICE (loaded)), ==, "tap0");
  g_assert_true (vmm_net_device_get_vhost (VMM_NET_DEVICE (loaded)));

  /* standalone devices are validated, and keys are named without a prefix */
  json_object_set_string_member (object, "mac", "zz");
  bad = json_node_copy (node);
  g_clear_object (&loaded);
  loaded = vmm_device_new_from_json (bad, &error);
  g_assert_null (loaded);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  assert_contains (error->message, "net device: key 'mac': 'zz' is not a MAC address");
  g_clear_error (&error);

  unknown = json_from_string ("{\"type\":\"vsock\",\"cid\":3,\"prot\":1}", &error);
  g_assert_no_error (error);
  loaded = vmm_device_new_from_json (unknown, &error);
  g_assert_null (loaded);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  assert_contains (error->message, "unknown key 'prot' in a vsock device (did you mean 'port'?)");
  g_clear_error (&error);

  scalar = json_from_string ("[1]", &error);
  g_assert_no_error (error);
  loaded = vmm_device_new_from_json (scalar, &error);
  g_assert_null (loaded);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  assert_contains (error->message, "expected a device object, got an array");
}

static void
test_pci_bdf (Fixture       *fixture,
              gconstpointer  user_data)
{
  static const struct {
    const char *address;
    gboolean    valid;
    guint       domain, bus, slot, function;
  } cases[] = {
    { "0000:00:02.0", TRUE, 0, 0, 2, 0 },
    { "00:02.0", TRUE, 0, 0, 2, 0 },
    { "ffff:ff:1f.7", TRUE, 0xffff, 0xff, 0x1f, 7 },
    { "ABCD:Ef:1F.3", TRUE, 0xabcd, 0xef, 0x1f, 3 },
    { "0001:3a:00.1", TRUE, 1, 0x3a, 0, 1 },
    { "0000:00:20.0", FALSE, 0, 0, 0, 0 },
    { "0000:00:02.8", FALSE, 0, 0, 0, 0 },
    { "00:02", FALSE, 0, 0, 0, 0 },
    { "0:0:2.0", FALSE, 0, 0, 0, 0 },
    { "00000:00:02.0", FALSE, 0, 0, 0, 0 },
    { "0000:00:02.0 ", FALSE, 0, 0, 0, 0 },
    { "0000:0g:02.0", FALSE, 0, 0, 0, 0 },
    { "0000.00:02.0", FALSE, 0, 0, 0, 0 },
    { "00:02:0", FALSE, 0, 0, 0, 0 },
    { "", FALSE, 0, 0, 0, 0 },
  };
  g_autoptr(VmmPciDevice) unset = g_object_new (VMM_TYPE_PCI_DEVICE, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(VmmPciDevice) pci = vmm_pci_device_new (cases[i].address);
      g_autoptr(GError) error = NULL;
      guint domain = 1234, bus = 1234, slot = 1234, function = 1234;

      g_test_message ("address '%s'", cases[i].address);
      g_assert_cmpint (vmm_pci_device_get_bdf (pci, &domain, &bus, &slot, &function), ==, cases[i].valid);
      g_assert_cmpint (vmm_device_validate (VMM_DEVICE (pci), &error), ==, cases[i].valid);
      if (cases[i].valid)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (domain, ==, cases[i].domain);
          g_assert_cmpuint (bus, ==, cases[i].bus);
          g_assert_cmpuint (slot, ==, cases[i].slot);
          g_assert_cmpuint (function, ==, cases[i].function);
          /* every out argument is optional */
          g_assert_true (vmm_pci_device_get_bdf (pci, NULL, NULL, NULL, NULL));
        }
      else
        {
          g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
          assert_contains (error->message, "key 'address'");
          g_assert_cmpuint (domain, ==, 1234);
        }
    }

  g_assert_false (vmm_pci_device_get_bdf (unset, NULL, NULL, NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST ("/config/load/full", test_load_full);
  TEST ("/config/load/minimal", test_load_minimal);
  TEST ("/config/load/accepted-forms", test_load_accepted_forms);
  TEST ("/config/syntax/data", test_syntax_data);
  TEST ("/config/syntax/special", test_syntax_special);
  TEST ("/config/syntax/file", test_syntax_file);
  TEST ("/config/invalid/unknown-key", test_unknown_key);
  TEST ("/config/invalid/wrong-type", test_wrong_type);
  TEST ("/config/invalid/out-of-range", test_out_of_range);
  TEST ("/config/invalid/id", test_bad_id);
  TEST ("/config/invalid/devices", test_bad_devices);
  TEST ("/config/invalid/values", test_bad_values);
  TEST ("/config/file/errors", test_file_errors);
  TEST ("/config/file/relative-paths", test_file_relative_paths);
  TEST ("/config/round-trip", test_round_trip);
  TEST ("/config/copy-equal", test_copy_equal);
  TEST ("/config/devices/add-remove", test_add_remove_devices);
  TEST ("/config/properties", test_config_properties);
  TEST ("/device/properties", test_device_properties);
  TEST ("/device/classes", test_device_classes);
  TEST ("/device/json", test_device_json);
  TEST ("/device/pci-bdf", test_pci_bdf);

  return g_test_run ();
}
