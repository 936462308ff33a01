/* test-acrn-state.c: the ACRN state file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libvmm/vmm.h>

#include "acrn-state.h"

static AcrnState *
sample_state (void)
{
  AcrnState *state = acrn_state_new ();
  g_autoptr(GError) error = NULL;
  AcrnPoolSlot slot;
  const guint32 cpus[] = { 2, 6 };
  const char *argv[] = { "/usr/bin/acrn-dm", "-m", "2048M", "sbx-demo", NULL };

  state->vm_id = g_strdup ("demo");
  state->vm_name = g_strdup ("sbx-demo");
  state->state = VMM_VM_STATE_RUNNING;
  state->pid = 1234;
  state->start_time = G_GUINT64_CONSTANT (9876543210);
  state->mngr_dir = g_strdup ("/run/acrn/mngr");
  state->console_path = g_strdup ("/run/libvmm/demo/console.sock");
  g_array_append_vals (state->cpus, cpus, G_N_ELEMENTS (cpus));
  state->cid = 7;
  slot.slot = 5;
  slot.device = VMM_DEVICE (vmm_block_device_new ("/var/disk.img", TRUE));
  g_array_append_val (state->pool, slot);
  slot.slot = 6;
  slot.device = NULL;
  g_array_append_val (state->pool, slot);
  state->command_line = g_strdupv ((char **) argv);
  state->config = vmm_hypervisor_config_new_from_json (
    "{\"id\":\"demo\",\"kernel\":\"/k\",\"memory-mib\":2048,\"store-dir\":\"/run/libvmm\"}",
    -1, &error);
  g_assert_no_error (error);
  return state;
}

static void
test_round_trip (void)
{
  g_autoptr(AcrnState) state = sample_state ();
  g_autoptr(AcrnState) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = acrn_state_to_json (state);
  g_autofree char *json2 = NULL;
  AcrnPoolSlot *slot;

  back = acrn_state_new_from_json (json, -1, "test", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->vm_id, ==, "demo");
  g_assert_cmpstr (back->vm_name, ==, "sbx-demo");
  g_assert_cmpint (back->state, ==, VMM_VM_STATE_RUNNING);
  g_assert_cmpint (back->pid, ==, 1234);
  g_assert_cmpuint (back->start_time, ==, G_GUINT64_CONSTANT (9876543210));
  g_assert_cmpint (back->exit_status, ==, -1);
  g_assert_cmpstr (back->mngr_dir, ==, "/run/acrn/mngr");
  g_assert_cmpstr (back->console_path, ==, "/run/libvmm/demo/console.sock");
  g_assert_cmpuint (back->cpus->len, ==, 2);
  g_assert_cmpuint (g_array_index (back->cpus, guint32, 1), ==, 6);
  g_assert_cmpuint (back->cid, ==, 7);
  g_assert_cmpuint (back->pool->len, ==, 2);
  slot = &g_array_index (back->pool, AcrnPoolSlot, 0);
  g_assert_cmpuint (slot->slot, ==, 5);
  g_assert_true (VMM_IS_BLOCK_DEVICE (slot->device));
  g_assert_cmpstr (vmm_block_device_get_path (VMM_BLOCK_DEVICE (slot->device)), ==, "/var/disk.img");
  g_assert_true (vmm_block_device_get_read_only (VMM_BLOCK_DEVICE (slot->device)));
  slot = &g_array_index (back->pool, AcrnPoolSlot, 1);
  g_assert_cmpuint (slot->slot, ==, 6);
  g_assert_null (slot->device);
  g_assert_cmpstrv (back->command_line, state->command_line);
  g_assert_true (vmm_hypervisor_config_equal (back->config, state->config));

  /* Stable: writing what was read gives the same text. */
  json2 = acrn_state_to_json (back);
  g_assert_cmpstr (json, ==, json2);
}

/* The text is the document acrn_state_to_json_node() builds, whatever the
 * strings hold, and it is laid out as json-glib's pretty printer lays it
 * out (the written text is put together without json-glib). */
static void
assert_text_matches_node (AcrnState *state)
{
  g_autofree char *json = acrn_state_to_json (state);
  g_autoptr(JsonNode) node = acrn_state_to_json_node (state);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *reference = NULL;

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  g_assert_true (json_node_equal (json_parser_get_root (parser), node));

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  reference = json_generator_to_data (generator, NULL);
  g_assert_cmpstr (json, ==, reference);
}

static void
test_text (void)
{
  g_autoptr(AcrnState) state = sample_state ();
  g_autoptr(AcrnState) weird = sample_state ();
  g_autoptr(AcrnState) empty = acrn_state_new ();
  const char *argv[] = { "/opt/acrn dm/\"quoted\"", "back\\slash", "tab\there",
                         "new\nline", "cr\rbs\bff\f", "\x01\x1b", "\xc3\xa9t\xc3\xa9", "", NULL };

  assert_text_matches_node (state);

  /* Strings that need escaping, no CPU, an empty pool, no CID. */
  g_free (weird->console_path);
  weird->console_path = g_strdup ("/run/a \"b\" \\ c/console.sock");
  g_free (weird->mngr_dir);
  weird->mngr_dir = g_strdup ("/run/\xe2\x80\xa8mngr");
  g_strfreev (weird->command_line);
  weird->command_line = g_strdupv ((char **) argv);
  g_array_set_size (weird->cpus, 0);
  g_array_set_size (weird->pool, 0);
  weird->cid = 0;
  weird->pid = 0;
  weird->start_time = 0;
  weird->state = VMM_VM_STATE_STOPPED;
  weird->exit_status = 0x8b;
  assert_text_matches_node (weird);

  /* A configuration rendered beforehand is used as it is. */
  {
    g_autofree char *rendered = acrn_state_render_config (state->config);
    g_autofree char *plain = acrn_state_to_json (state);
    g_autofree char *with = NULL;

    state->config_json = g_strdup (rendered);
    with = acrn_state_to_json (state);
    g_assert_cmpstr (with, ==, plain);
    g_free (state->config_json);
    state->config_json = g_strdup ("{ \"id\" : \"other\" }");
    g_clear_pointer (&with, g_free);
    with = acrn_state_to_json (state);
    g_assert_nonnull (strstr (with, "\"config\" : { \"id\" : \"other\" }"));
  }

  /* Nothing at all: no command line (null), no config (null). */
  empty->vm_id = g_strdup ("e");
  empty->vm_name = g_strdup ("sbx-e");
  empty->mngr_dir = g_strdup ("/m");
  empty->console_path = g_strdup ("");
  assert_text_matches_node (empty);
}

static void
test_json_keys (void)
{
  g_autoptr(AcrnState) state = sample_state ();
  g_autofree char *json = acrn_state_to_json (state);

  /* The documented key names, which other tools may read. */
  g_assert_nonnull (strstr (json, "\"version\" : 1"));
  g_assert_nonnull (strstr (json, "\"pid\" : 1234"));
  g_assert_nonnull (strstr (json, "\"start-time\" : 9876543210"));
  g_assert_nonnull (strstr (json, "\"state\" : \"running\""));
  g_assert_nonnull (strstr (json, "\"vm-name\" : \"sbx-demo\""));
  g_assert_nonnull (strstr (json, "\"cid\" : 7"));
}

/* Replaces the first occurrence of @from by @to in the sample's JSON. */
static char *
mutate (const char *from,
        const char *to)
{
  g_autoptr(AcrnState) state = sample_state ();
  g_autofree char *json = acrn_state_to_json (state);
  const char *at = strstr (json, from);
  GString *out;

  g_assert_nonnull (at);
  out = g_string_new_len (json, at - json);
  g_string_append (out, to);
  g_string_append (out, at + strlen (from));
  return g_string_free (out, FALSE);
}

static void
test_invalid (void)
{
  static const struct {
    const char *from;
    const char *to;
    const char *expect;
  } cases[] = {
    { "\"version\" : 1", "\"version\" : 2", "“version”" },
    { "\"version\" : 1", "\"verzion\" : 1", "“verzion”: unknown key" },
    { "\"pid\" : 1234", "\"pid\" : -5", "“pid”: -5 is out of range" },
    { "\"pid\" : 1234", "\"pid\" : \"1234\"", "“pid”: must be an integer" },
    { "\"pid\" : 1234", "\"pid\" : 0", "“start-time”: must be set exactly when" },
    { "\"state\" : \"running\"", "\"state\" : \"flying\"", "“state”: “flying” is not a VM state" },
    { "\"vm-name\" : \"sbx-demo\"", "\"vm-name\" : \"\"", "“vm-name”: must not be empty" },
    { "\"vm-name\" : \"sbx-demo\",", "", "“vm-name”: missing" },
    { "\"cid\" : 7", "\"cid\" : 2", "“cid”: 2 is reserved" },
    { "\"cid\" : 7", "\"cid\" : 4294967295", "“cid”: 4294967295 is out of range" },
    { "\"slot\" : 6", "\"slot\" : 5", "“pool[1].slot”: slot 5 appears twice" },
    { "\"slot\" : 6", "\"slot\" : 40", "pool[1]: " },
    { "\"vm-id\" : \"demo\"", "\"vm-id\" : \"other\"", "“vm-id”: “other” differs" },
    { "\"cpus\" : [", "\"cpus\" : [ -1, ", "“cpus”: element 0" },
    { "\"sbx-demo\"\n  ]", "3\n  ]", "“command-line”: element 3" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = mutate (cases[i].from, cases[i].to);
      g_autoptr(GError) error = NULL;
      g_autoptr(AcrnState) state = NULL;

      state = acrn_state_new_from_json (json, -1, "/x/state.json", &error);
      g_assert_null (state);
      g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, cases[i].expect) == NULL ||
          strstr (error->message, "/x/state.json") == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": “%s” lacks “%s”", i, error->message, cases[i].expect);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (acrn_state_new_from_json ("{ nope", -1, "saved state", &error));
    g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "saved state"));
    g_clear_error (&error);
    g_assert_null (acrn_state_new_from_json ("[1]", -1, "saved state", &error));
    g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_save_load (void)
{
  g_autoptr(AcrnState) state = sample_state ();
  g_autoptr(AcrnState) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("test-acrn-state-XXXXXX", &error);
  g_autofree char *path = acrn_state_get_path (tmp, "demo");
  g_autofree char *dir = acrn_state_get_dir (tmp, "demo");
  g_autofree char *expected = g_build_filename (tmp, "demo", "state.json", NULL);
  GDir *d;
  GStatBuf st;
  guint n = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, expected);

  g_assert_null (acrn_state_load (path, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_true (acrn_state_save (state, path, &error));
  g_assert_no_error (error);
  state->state = VMM_VM_STATE_STOPPED;
  state->pid = 0;
  state->start_time = 0;
  state->exit_status = 0;
  g_assert_true (acrn_state_save (state, path, &error));
  g_assert_no_error (error);

  back = acrn_state_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->state, ==, VMM_VM_STATE_STOPPED);
  g_assert_cmpint (back->pid, ==, 0);
  g_assert_cmpint (back->exit_status, ==, 0);

  /* Private to its owner, and no temporary file stays behind. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  g_assert_cmpuint (n, ==, 1);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
}

static void
test_save_error (void)
{
  g_autoptr(AcrnState) state = sample_state ();
  g_autoptr(GError) error = NULL;

  g_assert_false (acrn_state_save (state, "/proc/self/no/such/state.json", &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/proc/self/no/such"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/acrn/state/round-trip", test_round_trip);
  g_test_add_func ("/acrn/state/json-keys", test_json_keys);
  g_test_add_func ("/acrn/state/text", test_text);
  g_test_add_func ("/acrn/state/invalid", test_invalid);
  g_test_add_func ("/acrn/state/save-load", test_save_load);
  g_test_add_func ("/acrn/state/save-error", test_save_error);

  return g_test_run ();
}
