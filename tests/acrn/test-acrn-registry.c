/* test-acrn-registry.c: the CPU / vsock CID registry of the ACRN backend
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The program also runs as its own helper process (first argument
 * `--child-*`), spawned with GSubprocess: a process that sleeps until its
 * stdin closes, one that renames itself to a comm with blanks and ')',
 * one that allocates and exits without releasing, and the stress workers.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libvmm/vmm-error.h>

#include "acrn-cpuinfo.h"
#include "acrn-registry.h"

#define STRESS_CHILDREN   8
#define STRESS_ITERATIONS 150
#define THREAD_ROUNDS     20
#define WEIRD_COMM        "a) b ) c"

static char *self_exe;

/* ------------------------------------------------------------------ */
/* Helpers                                                            */

static char *
cpuinfo_fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

static GArray *
load_allowed (const char *fixture,
              const char *allowed_cpus)
{
  g_autofree char *path = cpuinfo_fixture (fixture);
  g_autoptr(GError) error = NULL;
  GArray *ids = acrn_cpu_set_load (path, allowed_cpus, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ids);
  return ids;
}

static char *
ids_to_string (GArray *ids)
{
  return acrn_cpu_affinity_format ((const guint32 *) (gpointer) ids->data, ids->len);
}

#define assert_ids(ids, expected) \
  G_STMT_START { \
    g_autofree char *_s = ids_to_string (ids); \
    g_assert_cmpstr (_s, ==, expected); \
  } G_STMT_END

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_assert_no_errno (g_rmdir (path));
}

static AcrnRegistryEntry *
find (GPtrArray  *entries,
      const char *vm_id)
{
  for (guint i = 0; i < entries->len; i++)
    {
      AcrnRegistryEntry *e = g_ptr_array_index (entries, i);

      if (strcmp (e->vm_id, vm_id) == 0)
        return e;
    }
  return NULL;
}

static gboolean
ids_contain (GArray  *ids,
             guint32  id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint32, i) == id)
      return TRUE;
  return FALSE;
}

/* Whether the registry FILE (read without the lock, without reclaiming)
 * names @vm_id. Used to prove that an entry was written and later
 * reclaimed, not never written. */
static gboolean
file_mentions_vm (const char *path,
                  const char *vm_id)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *entries;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  entries = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                          "entries");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *e = json_array_get_object_element (entries, i);

      if (g_strcmp0 (json_object_get_string_member (e, "vm-id"), vm_id) == 0)
        return TRUE;
    }
  return FALSE;
}

static guint64
self_start_time (void)
{
  g_autoptr(GError) error = NULL;
  guint64 start_time = 0;

  g_assert_true (acrn_proc_get_start_time (getpid (), &start_time, &error));
  g_assert_no_error (error);
  return start_time;
}

/* A helper process that waits until its stdin is closed. */
static GSubprocess *
spawn_sleeper (GPid *out_pid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                           &error, self_exe, "--child-sleep", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");
  *out_pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (proc), NULL, 10);
  return g_steal_pointer (&proc);
}

static void
finish_sleeper (GSubprocess *proc)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (proc), NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                            */

typedef struct {
  char *tmpdir;
  char *store_dir;   /* not created: the registry must create it */
  char *path;
  AcrnRegistry *reg;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("test-acrn-registry-XXXXXX", &error);
  g_assert_no_error (error);
  f->store_dir = g_build_filename (f->tmpdir, "store", "sub", NULL);
  f->reg = acrn_registry_new (f->store_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->reg);
  f->path = g_build_filename (f->store_dir, ACRN_REGISTRY_FILE_NAME, NULL);
  g_assert_cmpstr (acrn_registry_get_path (f->reg), ==, f->path);
  g_assert_cmpstr (acrn_registry_get_store_dir (f->reg), ==, f->store_dir);
  g_assert_cmpint (acrn_registry_get_owner_pid (f->reg), ==, getpid ());
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->reg);
  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->store_dir);
  g_free (f->path);
}

static GPtrArray *
list (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = acrn_registry_list_entries (f->reg, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static GArray *
alloc_cpus (AcrnRegistry *reg,
            const char   *vm_id,
            guint         vcpus,
            GArray       *allowed,
            gboolean      exclusive)
{
  g_autoptr(GError) error = NULL;
  GArray *cpus = acrn_registry_allocate_cpus (reg, vm_id, vcpus,
                                              (const guint32 *) (gpointer) allowed->data,
                                              allowed->len, exclusive, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cpus);
  g_assert_cmpuint (cpus->len, ==, vcpus);
  return cpus;
}

static guint32
alloc_cid (AcrnRegistry *reg,
           const char   *vm_id,
           guint32       requested)
{
  g_autoptr(GError) error = NULL;
  guint32 cid = 0;

  g_assert_true (acrn_registry_allocate_cid (reg, vm_id, requested, &cid, &error));
  g_assert_no_error (error);
  return cid;
}

static void
release (AcrnRegistry *reg,
         const char   *vm_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (acrn_registry_release (reg, vm_id, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* cpuinfo and cpu lists                                              */

static void
test_cpuinfo_parse (void)
{
  g_autofree char *four = cpuinfo_fixture ("acrn-cpuinfo-4");
  g_autofree char *sixteen = cpuinfo_fixture ("acrn-cpuinfo-16");
  g_autofree char *noapic = cpuinfo_fixture ("acrn-cpuinfo-noapic");
  g_autofree char *bad = cpuinfo_fixture ("acrn-cpuinfo-bad");
  g_autofree char *missing = cpuinfo_fixture ("acrn-cpuinfo-does-not-exist");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;

  /* Non-contiguous ids; the "initial apicid" lines (1000+) are ignored. */
  ids = acrn_cpuinfo_read_apic_ids (four, &error);
  g_assert_no_error (error);
  assert_ids (ids, "0,2,4,6");
  g_clear_pointer (&ids, g_array_unref);

  ids = acrn_cpuinfo_read_apic_ids (sixteen, &error);
  g_assert_no_error (error);
  assert_ids (ids, "0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23");
  g_clear_pointer (&ids, g_array_unref);

  /* Order, blanks and duplicates; a key that merely contains "apicid". */
  ids = acrn_cpuinfo_parse_apic_ids ("apicid\t\t: 9\nflags : extd_apicid\n"
                                     "apicid:3\n  apicid   :   9  \n"
                                     "x apicid : 77\n", -1, "inline", &error);
  g_assert_no_error (error);
  assert_ids (ids, "3,9");
  g_clear_pointer (&ids, g_array_unref);

  /* Length is honoured: the second line is outside it. */
  ids = acrn_cpuinfo_parse_apic_ids ("apicid : 5\napicid : 6\n", 11, "inline", &error);
  g_assert_no_error (error);
  assert_ids (ids, "5");
  g_clear_pointer (&ids, g_array_unref);

  ids = acrn_cpuinfo_read_apic_ids (noapic, &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_HOST_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, noapic));
  g_assert_null (ids);
  g_clear_error (&error);

  ids = acrn_cpuinfo_read_apic_ids (bad, &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, bad));
  g_assert_nonnull (strstr (error->message, "line 41"));
  g_assert_nonnull (strstr (error->message, "'2x'"));
  g_assert_null (ids);
  g_clear_error (&error);

  ids = acrn_cpuinfo_parse_apic_ids ("apicid : 4294967296\n", -1, "inline", &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
  g_assert_null (ids);
  g_clear_error (&error);

  ids = acrn_cpuinfo_read_apic_ids (missing, &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_null (ids);
}

static void
test_cpu_list_good (void)
{
  static const struct {
    const char *text;
    const char *ranges;
  } cases[] = {
    { "0-3,6", "0-3,6-6" },
    { "6", "6-6" },
    { " 6 , 0-3 ", "0-3,6-6" },
    { "0-3,4-5", "0-5" },
    { "2-8,0-3", "0-8" },
    { "5,5,5", "5-5" },
    { "0", "0-0" },
    { "4294967295,0-4294967294", "0-4294967295" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) ranges = NULL;
      g_autoptr(GString) got = g_string_new (NULL);

      g_test_message ("cpu list '%s'", cases[i].text);
      g_assert_true (acrn_cpu_list_parse (cases[i].text, "allowed-cpus", &ranges, &error));
      g_assert_no_error (error);
      for (guint r = 0; r < ranges->len; r++)
        {
          AcrnCpuRange *range = &g_array_index (ranges, AcrnCpuRange, r);

          g_string_append_printf (got, "%s%u-%u", r > 0 ? "," : "",
                                  range->first, range->last);
        }
      g_assert_cmpstr (got->str, ==, cases[i].ranges);
    }
}

static void
test_cpu_list_bad (void)
{
  static const char *const cases[] = {
    "", ",", "1,,2", "1,", "3-1", "a", "1-", "-1", "1-2-3", "4294967296",
    "+1", "0x3", "1 2", "0 - 3", "1.5", "\xc3\xa9",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      GArray *ranges = NULL;

      g_test_message ("cpu list '%s'", cases[i]);
      g_assert_false (acrn_cpu_list_parse (cases[i], "allowed-cpus", &ranges, &error));
      g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
      g_assert_true (g_str_has_prefix (error->message, "allowed-cpus: "));
      g_assert_null (ranges);
    }
}

static void
test_cpu_set_resolve (void)
{
  g_autofree char *four = cpuinfo_fixture ("acrn-cpuinfo-4");
  g_autofree char *sixteen = cpuinfo_fixture ("acrn-cpuinfo-16");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  static const guint32 some[] = { 9, 1, 3, 2, 1 };
  g_autofree char *text = NULL;

  ids = acrn_cpu_set_load (four, NULL, &error);
  g_assert_no_error (error);
  assert_ids (ids, "0,2,4,6");
  g_clear_pointer (&ids, g_array_unref);

  ids = acrn_cpu_set_load (four, "6,2", &error);
  g_assert_no_error (error);
  assert_ids (ids, "2,6");
  g_clear_pointer (&ids, g_array_unref);

  ids = acrn_cpu_set_load (sixteen, "0-7", &error);
  g_assert_no_error (error);
  assert_ids (ids, "0,1,2,3,4,5,6,7");
  g_clear_pointer (&ids, g_array_unref);

  ids = acrn_cpu_set_load (sixteen, "16-23,3", &error);
  g_assert_no_error (error);
  assert_ids (ids, "3,16,17,18,19,20,21,22,23");
  g_clear_pointer (&ids, g_array_unref);

  /* Unknown ids are an error naming them, the file and what exists. */
  ids = acrn_cpu_set_load (four, "0-3,6", &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "allowed-cpus"));
  g_assert_nonnull (strstr (error->message, "LAPIC id(s) 1,3 not present"));
  g_assert_nonnull (strstr (error->message, four));
  g_assert_nonnull (strstr (error->message, "present: 0,2,4,6"));
  g_assert_null (ids);
  g_clear_error (&error);

  ids = acrn_cpu_set_load (sixteen, "0-23", &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "LAPIC id(s) 8-15 not present"));
  g_assert_null (ids);
  g_clear_error (&error);

  ids = acrn_cpu_set_load (sixteen, "0-4294967295", &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "8-15,24-4294967295 not present"));
  g_assert_null (ids);
  g_clear_error (&error);

  ids = acrn_cpu_set_load (four, "1", &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "LAPIC id(s) 1 not present"));
  g_assert_null (ids);
  g_clear_error (&error);

  /* Bad syntax goes through the same path. */
  ids = acrn_cpu_set_load (four, "0,,2", &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_CONFIG);
  g_assert_null (ids);
  g_clear_error (&error);

  /* Formatting helpers. */
  text = acrn_cpu_list_format (some, G_N_ELEMENTS (some));
  g_assert_cmpstr (text, ==, "1-3,9");
  g_clear_pointer (&text, g_free);
  text = acrn_cpu_affinity_format (some, 3);
  g_assert_cmpstr (text, ==, "9,1,3");
  g_clear_pointer (&text, g_free);
  text = acrn_cpu_list_format (NULL, 0);
  g_assert_cmpstr (text, ==, "");
}

/* ------------------------------------------------------------------ */
/* Process start time                                                 */

static void
test_proc_start_time (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *comm_path = NULL;
  g_autofree char *comm = NULL;
  guint64 mine = self_start_time ();
  guint64 before = 0;
  guint64 after = 0;
  guint64 dummy = 0;
  GPid pid;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                           &error, self_exe, "--child-comm", NULL);
  g_assert_no_error (error);
  pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (proc), NULL, 10);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));

  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "plain");
  g_assert_true (acrn_proc_get_start_time (pid, &before, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (before, >=, mine);
  g_assert_true (acrn_proc_is_live (pid, before));
  g_assert_false (acrn_proc_is_live (pid, before + 1));

  /* Let it rename itself to a comm with blanks and ')'. */
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (proc), "go\n", 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&line, g_free);
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "renamed");

  comm_path = g_strdup_printf ("/proc/%d/comm", (int) pid);
  g_file_get_contents (comm_path, &comm, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (comm, ==, WEIRD_COMM "\n");

  /* The start time does not change with the name: a parser that splits
   * at the first ')' or at every blank would read another field here. */
  g_assert_true (acrn_proc_get_start_time (pid, &after, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (after, ==, before);
  g_assert_true (acrn_proc_is_live (pid, before));

  finish_sleeper (proc);

  /* Reaped: gone. */
  g_assert_false (acrn_proc_get_start_time (pid, &dummy, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (acrn_proc_is_live (pid, before));

  g_assert_false (acrn_proc_get_start_time (0, &dummy, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (acrn_proc_get_start_time (-5, &dummy, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (acrn_proc_is_live (0, 0));

  g_assert_true (acrn_proc_is_live (getpid (), mine));
  g_assert_false (acrn_proc_is_live (getpid (), mine + 1));
}

/* ------------------------------------------------------------------ */
/* CPU allocation                                                     */

static void
test_cpus_spread (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) a = NULL;
  g_autoptr(GArray) b = NULL;
  g_autoptr(GArray) c = NULL;
  g_autoptr(GArray) d = NULL;
  g_autoptr(GArray) e = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_false (g_file_test (f->store_dir, G_FILE_TEST_EXISTS));

  a = alloc_cpus (f->reg, "a", 1, allowed, FALSE);
  assert_ids (a, "0");

  /* The store dir was created 0700, the file written 0600. */
  g_assert_no_errno (g_stat (f->store_dir, &st));
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_no_errno (g_stat (f->path, &st));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  b = alloc_cpus (f->reg, "b", 2, allowed, FALSE);
  assert_ids (b, "2,4");
  c = alloc_cpus (f->reg, "c", 1, allowed, TRUE);
  assert_ids (c, "6");

  /* All used once: without exclusive, share the least loaded, lowest. */
  d = alloc_cpus (f->reg, "d", 1, allowed, FALSE);
  assert_ids (d, "0");

  /* With exclusive: an error with the numbers. */
  e = acrn_registry_allocate_cpus (f->reg, "e", 2, (const guint32 *) (gpointer) allowed->data,
                                   allowed->len, TRUE, &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_assert_nonnull (strstr (error->message, "'e'"));
  g_assert_nonnull (strstr (error->message, "asks for 2 CPU(s)"));
  g_assert_nonnull (strstr (error->message, "only 0 of"));
  g_assert_null (e);
  g_clear_error (&error);

  /* The failure recorded nothing. */
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 4);
  g_assert_null (find (entries, "e"));
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* Loads now 0:2 2:1 4:1 6:1; freeing b leaves 2 and 4 free. */
  release (f->reg, "b");
  e = alloc_cpus (f->reg, "e", 2, allowed, TRUE);
  assert_ids (e, "2,4");
  g_clear_pointer (&e, g_array_unref);
  release (f->reg, "e");

  /* Mixed loads: 0 has load 2, 6 has 1, 2 and 4 are free: take the free
   * ones, then the least loaded one. */
  e = alloc_cpus (f->reg, "e", 3, allowed, FALSE);
  assert_ids (e, "2,4,6");
  g_clear_pointer (&e, g_array_unref);

  /* Only 0 is used (twice): the free ones, then 0. */
  release (f->reg, "e");
  release (f->reg, "c");
  e = alloc_cpus (f->reg, "e", 4, allowed, FALSE);
  assert_ids (e, "0,2,4,6");
  g_clear_pointer (&e, g_array_unref);

  /* More vCPUs than allowed CPUs: never twice the same CPU in one VM. */
  e = acrn_registry_allocate_cpus (f->reg, "f", 5, (const guint32 *) (gpointer) allowed->data,
                                   allowed->len, FALSE, &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_assert_nonnull (strstr (error->message, "asks for 5 CPU(s) but only 4"));
  g_assert_null (e);
  g_clear_error (&error);

  e = acrn_registry_allocate_cpus (f->reg, "f", 0, (const guint32 *) (gpointer) allowed->data,
                                   allowed->len, FALSE, &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_assert_null (e);
  g_clear_error (&error);

  e = acrn_registry_allocate_cpus (f->reg, "f", 1, NULL, 0, FALSE, &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_assert_null (e);
  g_clear_error (&error);

  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 3);
  assert_ids (find (entries, "a")->cpus, "0");
  assert_ids (find (entries, "d")->cpus, "0");
  assert_ids (find (entries, "e")->cpus, "0,2,4,6");
  g_assert_cmpint (find (entries, "a")->pid, ==, getpid ());
  g_assert_cmpuint (find (entries, "a")->start_time, ==, self_start_time ());
}

static void
test_cpus_allowed_subset (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GArray) all = load_allowed ("acrn-cpuinfo-16", NULL);
  g_autoptr(GArray) high = load_allowed ("acrn-cpuinfo-16", "16-23");
  g_autoptr(GArray) two = load_allowed ("acrn-cpuinfo-16", "5,17");
  g_autoptr(GArray) a = NULL;
  g_autoptr(GArray) b = NULL;
  g_autoptr(GArray) c = NULL;

  a = alloc_cpus (f->reg, "a", 3, high, FALSE);
  assert_ids (a, "16,17,18");
  /* Only the allowed ids are candidates; 17 is taken, so 5 it is. */
  b = alloc_cpus (f->reg, "b", 1, two, FALSE);
  assert_ids (b, "5");
  c = alloc_cpus (f->reg, "c", 5, all, FALSE);
  assert_ids (c, "0,1,2,3,4");
  g_clear_pointer (&c, g_array_unref);
  /* 0-7 and 16-18 are used: the free ones are 19-23. */
  c = alloc_cpus (f->reg, "d", 6, all, TRUE);
  assert_ids (c, "6,7,19,20,21,22");
}

static void
test_cpus_idempotent (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) narrow = load_allowed ("acrn-cpuinfo-4", "4,6");
  g_autoptr(GArray) first = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GArray) other = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  AcrnRegistryEntry *entry = NULL;
  g_autoptr(GError) error = NULL;

  other = alloc_cpus (f->reg, "other", 1, allowed, FALSE);
  assert_ids (other, "0");

  first = alloc_cpus (f->reg, "vm", 2, allowed, FALSE);
  assert_ids (first, "2,4");
  again = alloc_cpus (f->reg, "vm", 2, allowed, FALSE);
  assert_ids (again, "2,4");
  g_clear_pointer (&again, g_array_unref);

  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 2);
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* Fewer vCPUs: replaced, not added. Its own old CPUs do not count as
   * load, and the lowest least-loaded one is 2. */
  again = alloc_cpus (f->reg, "vm", 1, allowed, FALSE);
  assert_ids (again, "2");
  g_clear_pointer (&again, g_array_unref);

  /* Its CPU left the allowed set: replaced within the new set. */
  again = alloc_cpus (f->reg, "vm", 2, narrow, FALSE);
  assert_ids (again, "4,6");
  g_clear_pointer (&again, g_array_unref);

  /* A third VM now shares 4; "vm" asking again (same count, not
   * exclusive) keeps its CPUs; asking exclusively fails while 4 is
   * shared and succeeds once it is not. */
  g_clear_pointer (&other, g_array_unref);
  other = alloc_cpus (f->reg, "third", 1, narrow, FALSE);
  assert_ids (other, "4");

  again = alloc_cpus (f->reg, "vm", 2, narrow, FALSE);
  assert_ids (again, "4,6");
  g_clear_pointer (&again, g_array_unref);
  again = acrn_registry_allocate_cpus (f->reg, "vm", 2,
                                       (const guint32 *) (gpointer) narrow->data,
                                       narrow->len, TRUE, &error);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_assert_null (again);
  g_clear_error (&error);
  release (f->reg, "third");
  again = alloc_cpus (f->reg, "vm", 2, narrow, TRUE);
  assert_ids (again, "4,6");
  g_clear_pointer (&again, g_array_unref);

  g_assert_true (acrn_registry_lookup (f->reg, "vm", &entry, &error));
  g_assert_no_error (error);
  g_assert_nonnull (entry);
  assert_ids (entry->cpus, "4,6");
  g_assert_cmpuint (entry->cids->len, ==, 0);
  g_clear_pointer (&entry, acrn_registry_entry_free);

  g_assert_true (acrn_registry_lookup (f->reg, "nope", &entry, &error));
  g_assert_no_error (error);
  g_assert_null (entry);

  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 2);
}

static void
test_release (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) a = NULL;
  g_autoptr(GArray) b = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  /* Releasing an unknown VM, even before the file exists, is fine, and
   * creates nothing: neither the store dir nor the lock file. */
  release (f->reg, "ghost");
  g_assert_false (g_file_test (f->store_dir, G_FILE_TEST_EXISTS));

  a = alloc_cpus (f->reg, "a", 2, allowed, FALSE);
  g_assert_cmpuint (alloc_cid (f->reg, "a", 0), ==, 3);
  b = alloc_cpus (f->reg, "b", 2, allowed, FALSE);
  assert_ids (b, "4,6");

  release (f->reg, "a");
  release (f->reg, "a");
  release (f->reg, "ghost");

  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_nonnull (find (entries, "b"));
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* CPUs and CID of "a" are free again. */
  g_clear_pointer (&a, g_array_unref);
  a = alloc_cpus (f->reg, "c", 2, allowed, TRUE);
  assert_ids (a, "0,2");
  g_assert_cmpuint (alloc_cid (f->reg, "c", 0), ==, 3);

  release (f->reg, "b");
  release (f->reg, "c");
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_false (file_mentions_vm (f->path, "c"));

  /* set_owner_pid on a VM that holds nothing. */
  g_assert_false (acrn_registry_set_owner_pid (f->reg, "c", getpid (), self_start_time (), &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'c'"));
}

/* ------------------------------------------------------------------ */
/* Stale owners                                                       */

static void
test_stale_dead_owner (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GArray) other = NULL;
  g_autoptr(GSubprocess) sleeper = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  guint64 start_time = 0;
  GPid pid = 0;

  sleeper = spawn_sleeper (&pid);
  g_assert_true (acrn_proc_get_start_time (pid, &start_time, &error));
  g_assert_no_error (error);

  cpus = alloc_cpus (f->reg, "vm", 2, allowed, FALSE);
  assert_ids (cpus, "0,2");
  g_assert_cmpuint (alloc_cid (f->reg, "vm", 0), ==, 3);

  /* Hand it to the helper (as to acrn-dm). A wrong start time is refused. */
  g_assert_false (acrn_registry_set_owner_pid (f->reg, "vm", pid, start_time + 7, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE);
  g_clear_error (&error);
  g_assert_true (acrn_registry_set_owner_pid (f->reg, "vm", pid, start_time, &error));
  g_assert_no_error (error);

  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpint (find (entries, "vm")->pid, ==, pid);
  g_assert_cmpuint (find (entries, "vm")->start_time, ==, start_time);
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* While the owner lives, its CPUs and CID stay taken. */
  other = alloc_cpus (f->reg, "other", 2, allowed, FALSE);
  assert_ids (other, "4,6");
  g_assert_cmpuint (alloc_cid (f->reg, "other", 0), ==, 4);
  release (f->reg, "other");

  /* Owner exits and is reaped; the next locked operation reclaims. */
  finish_sleeper (sleeper);
  g_assert_true (file_mentions_vm (f->path, "vm"));
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_false (file_mentions_vm (f->path, "vm"));

  g_clear_pointer (&other, g_array_unref);
  other = alloc_cpus (f->reg, "other", 2, allowed, TRUE);
  assert_ids (other, "0,2");
  g_assert_cmpuint (alloc_cid (f->reg, "other", 0), ==, 3);

  /* A dead process cannot become an owner. */
  g_assert_false (acrn_registry_set_owner_pid (f->reg, "other", pid, start_time, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE);
}


/* A VM id whose entry a live process of its own holds (another manager
 * that created a VM of the same id in this store, or the acrn-dm of one
 * that runs) can neither be allocated again nor released: that would
 * free CPUs still in use. Once that process is gone, both work. */
static void
test_in_use_elsewhere (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GSubprocess) sleeper = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_text = NULL;
  guint64 start_time = 0;
  GPid pid = 0;

  sleeper = spawn_sleeper (&pid);
  g_assert_true (acrn_proc_get_start_time (pid, &start_time, &error));
  g_assert_no_error (error);

  cpus = alloc_cpus (f->reg, "vm", 2, allowed, FALSE);
  assert_ids (cpus, "0,2");

  /* Asking again while it is ours returns the same CPUs. */
  again = alloc_cpus (f->reg, "vm", 2, allowed, FALSE);
  assert_ids (again, "0,2");
  g_clear_pointer (&again, g_array_unref);

  g_assert_true (acrn_registry_set_owner_pid (f->reg, "vm", pid, start_time, &error));
  g_assert_no_error (error);

  again = acrn_registry_allocate_cpus (f->reg, "vm", 2, (const guint32 *) allowed->data,
                                       allowed->len, FALSE, &error);
  g_assert_null (again);
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE);
  pid_text = g_strdup_printf ("process %d", (int) pid);
  g_assert_nonnull (strstr (error->message, pid_text));
  g_assert_nonnull (strstr (error->message, "'vm'"));
  g_clear_error (&error);
  g_assert_true (file_mentions_vm (f->path, "vm"));

  /* Nor can it be released from under that process. */
  release (f->reg, "vm");
  g_assert_true (file_mentions_vm (f->path, "vm"));

  /* Its owner gone, the id is free again. */
  finish_sleeper (sleeper);
  again = alloc_cpus (f->reg, "vm", 2, allowed, FALSE);
  assert_ids (again, "0,2");
}

/* Another process allocates and exits without releasing. */
static void
test_stale_exited_process (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *cpuinfo = cpuinfo_fixture ("acrn-cpuinfo-4");
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, self_exe,
                           "--child-alloc-and-exit", f->store_dir, cpuinfo, "leaky", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (file_mentions_vm (f->path, "leaky"));
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 0);

  cpus = alloc_cpus (f->reg, "mine", 4, allowed, TRUE);
  assert_ids (cpus, "0,2,4,6");
  g_assert_cmpuint (alloc_cid (f->reg, "mine", 0), ==, 3);
}

/* Runs the --child-alloc-and-exit helper: @vm_id takes 2 exclusive CPUs
 * and a CID, and its owner exits without releasing them. */
static void
leak_entry (Fixture    *f,
            const char *vm_id)
{
  g_autofree char *cpuinfo = cpuinfo_fixture ("acrn-cpuinfo-4");
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, self_exe,
                           "--child-alloc-and-exit", f->store_dir, cpuinfo, vm_id, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (file_mentions_vm (f->path, vm_id));
}

/* Entries of dead owners are reclaimed by the operation that needs their
 * CPUs or CID, without a listing first: nothing is refused or shared
 * because of them. */
static void
test_stale_on_demand (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;

  /* A requested CID held by a dead owner. */
  leak_entry (f, "leaky1");
  g_assert_cmpuint (alloc_cid (f->reg, "x", 3), ==, 3);
  g_assert_false (file_mentions_vm (f->path, "leaky1"));
  release (f->reg, "x");

  /* Every CPU, exclusively, while a dead owner holds two. */
  leak_entry (f, "leaky2");
  cpus = alloc_cpus (f->reg, "y", 4, allowed, TRUE);
  assert_ids (cpus, "0,2,4,6");
  g_assert_false (file_mentions_vm (f->path, "leaky2"));
  release (f->reg, "y");
  g_clear_pointer (&cpus, g_array_unref);

  /* Shared CPUs: not shared with a dead owner. */
  leak_entry (f, "leaky3");
  cpus = alloc_cpus (f->reg, "z", 4, allowed, FALSE);
  assert_ids (cpus, "0,2,4,6");
  g_assert_false (file_mentions_vm (f->path, "leaky3"));
  release (f->reg, "z");
  g_clear_pointer (&cpus, g_array_unref);

  /* Its own entry, left by a dead owner, is not kept by a new owner. */
  leak_entry (f, "vm");
  cpus = alloc_cpus (f->reg, "vm", 1, allowed, TRUE);
  {
    g_autoptr(GPtrArray) entries = list (f);

    g_assert_cmpuint (entries->len, ==, 1);
    g_assert_cmpint (find (entries, "vm")->pid, ==, getpid ());
    g_assert_cmpuint (find (entries, "vm")->cids->len, ==, 0);
  }
}

/* A live pid whose start time differs: the pid was reused. */
static void
test_stale_reused_pid (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(AcrnRegistry) impostor = NULL;
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  guint64 start_time = self_start_time ();

  impostor = acrn_registry_new_for_owner (f->store_dir, getpid (), start_time + 1);
  cpus = alloc_cpus (impostor, "old", 4, allowed, FALSE);
  assert_ids (cpus, "0,2,4,6");
  g_clear_pointer (&cpus, g_array_unref);
  g_assert_true (file_mentions_vm (f->path, "old"));

  /* My pid is alive, but it is not the process that allocated. */
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_false (file_mentions_vm (f->path, "old"));

  cpus = alloc_cpus (f->reg, "new", 4, allowed, TRUE);
  assert_ids (cpus, "0,2,4,6");
}

/* ------------------------------------------------------------------ */
/* vsock CIDs                                                         */

static void
test_cid (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  guint32 cid = 0;

  g_assert_cmpuint (alloc_cid (f->reg, "a", 0), ==, 3);
  g_assert_cmpuint (alloc_cid (f->reg, "b", 0), ==, 4);
  g_assert_cmpuint (alloc_cid (f->reg, "a", 0), ==, 3);   /* idempotent */
  g_assert_cmpuint (alloc_cid (f->reg, "c", 10), ==, 10);  /* reserve */
  g_assert_cmpuint (alloc_cid (f->reg, "c", 10), ==, 10);  /* again: fine */
  g_assert_cmpuint (alloc_cid (f->reg, "d", 0), ==, 5);

  /* Conflicts name the holder. */
  g_assert_false (acrn_registry_allocate_cid (f->reg, "e", 10, &cid, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_assert_nonnull (strstr (error->message, "vsock CID 10"));
  g_assert_nonnull (strstr (error->message, "held by VM 'c'"));
  g_clear_error (&error);
  g_assert_false (acrn_registry_allocate_cid (f->reg, "c", 4, &cid, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES);
  g_assert_nonnull (strstr (error->message, "held by VM 'b'"));
  g_clear_error (&error);

  /* Out of range. */
  g_assert_false (acrn_registry_allocate_cid (f->reg, "e", 2, &cid, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (acrn_registry_allocate_cid (f->reg, "e", 0xffffffffu, &cid, &error));
  g_assert_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (alloc_cid (f->reg, "e", 0xfffffffeu), ==, 0xfffffffeu);

  /* Freed CIDs are reused, lowest first. */
  release (f->reg, "a");
  g_assert_cmpuint (alloc_cid (f->reg, "f", 0), ==, 3);
  g_assert_cmpuint (alloc_cid (f->reg, "g", 0), ==, 6);

  /* CPUs and CID of one VM live in one entry and go together. */
  cpus = alloc_cpus (f->reg, "c", 2, allowed, FALSE);
  entries = list (f);
  assert_ids (find (entries, "c")->cpus, "0,2");
  assert_ids (find (entries, "c")->cids, "10");
  assert_ids (find (entries, "b")->cids, "4");
  g_assert_cmpuint (find (entries, "b")->cpus->len, ==, 0);
  g_clear_pointer (&entries, g_ptr_array_unref);

  release (f->reg, "c");
  g_assert_cmpuint (alloc_cid (f->reg, "h", 10), ==, 10);
  g_clear_pointer (&cpus, g_array_unref);
  cpus = alloc_cpus (f->reg, "h", 2, allowed, TRUE);
  assert_ids (cpus, "0,2");

  for (const char *const *id = (const char *const[]) { "b", "d", "e", "f", "g", "h", NULL };
       *id != NULL; id++)
    release (f->reg, *id);
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Corrupted file                                                     */

static void
test_corrupt (Fixture       *f,
              gconstpointer  data)
{
  static const char *const cases[] = {
    "",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : 1, \"sta",
    "[]",
    "{ \"entries\" : [] }",
    "{ \"version\" : 2, \"entries\" : [] }",
    "{ \"version\" : 1 }",
    "{ \"version\" : 1, \"entries\" : {} }",
    "{ \"version\" : 1, \"entries\" : [ 3 ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [], \"cids\" : [] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : 5, \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [], \"cids\" : [] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : -1, \"start-time\" : 1, \"cpus\" : [], \"cids\" : [] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : 1, \"start-time\" : \"1\", \"cpus\" : [], \"cids\" : [] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [ \"0\" ], \"cids\" : [] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [ 1, 1 ], \"cids\" : [] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [ 1.5 ], \"cids\" : [] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [], \"cids\" : [ 2 ] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [] } ] }",
    "{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"a\", \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [], \"cids\" : [] },"
    " { \"vm-id\" : \"a\", \"pid\" : 1, \"start-time\" : 1, \"cpus\" : [], \"cids\" : [] } ] }",
  };
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir_with_parents (f->store_dir, 0700));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *after = NULL;
      g_autoptr(GArray) cpus = NULL;
      g_autoptr(GPtrArray) entries = NULL;
      AcrnRegistryEntry *entry = NULL;
      guint32 cid = 0;

      g_test_message ("corrupt registry %u: %s", i, cases[i]);
      g_file_set_contents (f->path, cases[i], -1, &error);
      g_assert_no_error (error);

      cpus = acrn_registry_allocate_cpus (f->reg, "x", 1, (const guint32 *) (gpointer) allowed->data,
                                          allowed->len, FALSE, &error);
      g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
      g_assert_nonnull (strstr (error->message, f->path));
      g_assert_nonnull (strstr (error->message, "corrupt"));
      g_assert_null (cpus);
      g_clear_error (&error);

      g_assert_false (acrn_registry_allocate_cid (f->reg, "x", 0, &cid, &error));
      g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
      g_clear_error (&error);
      g_assert_false (acrn_registry_release (f->reg, "a", &error));
      g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
      g_clear_error (&error);
      g_assert_false (acrn_registry_set_owner_pid (f->reg, "a", getpid (), self_start_time (), &error));
      g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
      g_clear_error (&error);
      entries = acrn_registry_list_entries (f->reg, &error);
      g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
      g_assert_null (entries);
      g_clear_error (&error);
      g_assert_false (acrn_registry_lookup (f->reg, "a", &entry, &error));
      g_assert_error (error, VMM_ERROR, VMM_ERROR_IO);
      g_assert_null (entry);
      g_clear_error (&error);

      /* Never overwritten. */
      g_file_get_contents (f->path, &after, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (after, ==, cases[i]);
    }

  /* Once removed by hand, all works again. */
  g_assert_no_errno (g_remove (f->path));
  {
    g_autoptr(GArray) cpus = alloc_cpus (f->reg, "x", 1, allowed, FALSE);

    assert_ids (cpus, "0");
  }
}

/* A file we did not write but that is valid is accepted (format check). */
static void
test_file_format (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *text = NULL;
  guint64 start_time = self_start_time ();

  g_assert_no_errno (g_mkdir_with_parents (f->store_dir, 0700));
  text = g_strdup_printf ("{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"ext\", "
                          "\"pid\" : %d, \"start-time\" : %" G_GUINT64_FORMAT ", "
                          "\"cpus\" : [ 6, 0 ], \"cids\" : [ 3 ] } ] }",
                          (int) getpid (), start_time);
  g_assert_true (g_file_set_contents (f->path, text, -1, NULL));

  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 1);
  assert_ids (find (entries, "ext")->cpus, "0,6");
  assert_ids (find (entries, "ext")->cids, "3");

  cpus = alloc_cpus (f->reg, "vm", 2, allowed, TRUE);
  assert_ids (cpus, "2,4");
  g_assert_cmpuint (alloc_cid (f->reg, "vm", 0), ==, 4);
}

/* The file is written without json-glib, in its pretty layout: parsing it
 * and printing it again with json-glib gives the same text. */
static void
test_file_layout (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;

  cpus = alloc_cpus (f->reg, "a \"quoted\" \\ id\t\xc3\xa9", 2, allowed, TRUE);
  g_assert_cmpuint (alloc_cid (f->reg, "cid-only", 0), ==, 3);
  g_clear_pointer (&cpus, g_array_unref);
  cpus = alloc_cpus (f->reg, "b", 1, allowed, TRUE);

  g_assert_true (g_file_get_contents (f->path, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, json_parser_get_root (parser));
  again = json_generator_to_data (generator, NULL);
  g_assert_cmpstr (text, ==, again);
  g_assert_true (file_mentions_vm (f->path, "a \"quoted\" \\ id\t\xc3\xa9"));

  release (f->reg, "a \"quoted\" \\ id\t\xc3\xa9");
  release (f->reg, "cid-only");
  release (f->reg, "b");
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (f->path, &text, NULL, &error));
  g_assert_cmpstr (text, ==, "{\n  \"version\" : 1,\n  \"entries\" : []\n}");
}

/* The entries a process keeps between operations are not trusted once
 * someone else changed the file, even a writer that does not take the
 * lock nor count its writes (an administrator's editor, here). */
static void
test_file_changed_behind (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *text = NULL;
  guint64 start_time = self_start_time ();
  FILE *file;

  cpus = alloc_cpus (f->reg, "mine", 1, allowed, TRUE);
  assert_ids (cpus, "0");
  g_clear_pointer (&cpus, g_array_unref);

  /* Replaced by another file. */
  text = g_strdup_printf ("{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"ext\", "
                          "\"pid\" : %d, \"start-time\" : %" G_GUINT64_FORMAT ", "
                          "\"cpus\" : [ 0, 2 ], \"cids\" : [] } ] }",
                          (int) getpid (), start_time);
  g_assert_true (g_file_set_contents (f->path, text, -1, NULL));
  cpus = alloc_cpus (f->reg, "other", 1, allowed, TRUE);
  assert_ids (cpus, "4");
  g_clear_pointer (&cpus, g_array_unref);
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_null (find (entries, "mine"));
  assert_ids (find (entries, "ext")->cpus, "0,2");
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* Rewritten in place, same inode. */
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"ext2\", "
                          "\"pid\" : %d, \"start-time\" : %" G_GUINT64_FORMAT ", "
                          "\"cpus\" : [ 6 ], \"cids\" : [] } ] }",
                          (int) getpid (), start_time);
  file = fopen (f->path, "r+");
  g_assert_nonnull (file);
  g_assert_cmpint (ftruncate (fileno (file), 0), ==, 0);
  g_assert_cmpint (fputs (text, file), >=, 0);
  g_assert_cmpint (fclose (file), ==, 0);
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 1);
  assert_ids (find (entries, "ext2")->cpus, "6");
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The names in the store directory, sorted, separated by blanks. */
static char *
store_listing (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->store_dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* Whether the file system of @dir can swap two files. */
static gboolean
can_exchange (const char *dir)
{
#ifdef RENAME_EXCHANGE
  g_autofree char *a = g_build_filename (dir, "exchange-a", NULL);
  g_autofree char *b = g_build_filename (dir, "exchange-b", NULL);
  gboolean ok;

  g_assert_true (g_file_set_contents (a, "a", -1, NULL));
  g_assert_true (g_file_set_contents (b, "b", -1, NULL));
  ok = renameat2 (AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0;
  g_assert_no_errno (g_remove (a));
  g_assert_no_errno (g_remove (b));
  return ok;
#else
  return FALSE;
#endif
}

/* The next contents are written to the shadow file, which is then swapped
 * with the registry: it is never read as the registry, what a crash
 * leaves in it does no harm, and it goes once the registry holds
 * nothing. */
static void
test_file_shadow (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autofree char *shadow = g_build_filename (f->store_dir, ACRN_REGISTRY_SHADOW_NAME, NULL);
  g_autofree char *target = g_build_filename (f->tmpdir, "target", NULL);
  /* Another path of the same store: a registry object that has kept
   * nothing, so it reads the file (and locks it through its own
   * descriptor). */
  g_autofree char *same_store = g_build_filename (f->store_dir, ".", NULL);
  g_autoptr(AcrnRegistry) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fake = NULL;
  g_autofree char *garbage = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  cpus = alloc_cpus (f->reg, "a", 1, allowed, TRUE);
  assert_ids (cpus, "0");
  g_clear_pointer (&cpus, g_array_unref);
  g_assert_cmpuint (alloc_cid (f->reg, "a", 0), ==, 3);
  if (can_exchange (f->tmpdir))
    g_assert_true (g_file_test (shadow, G_FILE_TEST_IS_REGULAR));
  else
    g_test_message ("%s cannot swap files: the shadow is renamed", f->tmpdir);

  /* A valid registry in the shadow is not the registry. */
  fake = g_strdup_printf ("{ \"version\" : 1, \"entries\" : [ { \"vm-id\" : \"ghost\", "
                          "\"pid\" : %d, \"start-time\" : %" G_GUINT64_FORMAT ", "
                          "\"cpus\" : [ 2, 4, 6 ], \"cids\" : [ 4 ] } ] }",
                          (int) getpid (), self_start_time ());
  g_assert_true (g_file_set_contents (shadow, fake, -1, NULL));
  other = acrn_registry_new (same_store, &error);
  g_assert_no_error (error);
  entries = acrn_registry_list_entries (other, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_nonnull (find (entries, "a"));
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* A crash while the shadow was written leaves it half written (here:
   * longer than the registry and no JSON): the next write still works. */
  garbage = g_strnfill (8192, 'x');
  g_assert_true (g_file_set_contents (shadow, garbage, -1, NULL));
  g_assert_no_errno (g_chmod (shadow, 0644));
  cpus = alloc_cpus (f->reg, "b", 1, allowed, TRUE);
  assert_ids (cpus, "2");
  g_clear_pointer (&cpus, g_array_unref);
  {
    GStatBuf st;

    g_assert_no_errno (g_stat (f->path, &st));
    g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  }
  g_assert_cmpuint (alloc_cid (f->reg, "b", 0), ==, 4);
  g_assert_true (file_mentions_vm (f->path, "a"));
  g_assert_true (file_mentions_vm (f->path, "b"));
  entries = acrn_registry_list_entries (other, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* Once the registry holds nothing, the store holds it and its lock. */
  release (f->reg, "a");
  release (other, "b");
  listing = store_listing (f);
  g_assert_cmpstr (listing, ==, ACRN_REGISTRY_FILE_NAME " " ACRN_REGISTRY_LOCK_NAME);

  /* A shadow we may not write through (a symbolic link, made by hand):
   * the registry is written another way, the link's target is kept. */
  g_assert_true (g_file_set_contents (target, "keep", -1, NULL));
  g_assert_no_errno (symlink (target, shadow));
  cpus = alloc_cpus (f->reg, "c", 1, allowed, TRUE);
  assert_ids (cpus, "0");
  g_clear_pointer (&cpus, g_array_unref);
  g_assert_cmpuint (alloc_cid (other, "c", 0), ==, 3);
  g_assert_true (file_mentions_vm (f->path, "c"));
  g_assert_true (g_file_get_contents (target, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "keep");
  g_assert_true (g_file_test (shadow, G_FILE_TEST_IS_SYMLINK));
  g_assert_no_errno (g_remove (shadow));
  release (f->reg, "c");
  g_assert_false (file_mentions_vm (f->path, "c"));
}

static guint64
lock_generation (Fixture *f)
{
  g_autofree char *lock = g_build_filename (f->store_dir, ACRN_REGISTRY_LOCK_NAME, NULL);
  g_autofree char *data = NULL;
  gsize length = 0;
  guint64 generation = 0;

  g_assert_true (g_file_get_contents (lock, &data, &length, NULL));
  g_assert_cmpuint (length, ==, 8);
  for (guint i = 0; i < 8; i++)
    generation |= (guint64) (guint8) data[i] << (8 * i);
  return generation;
}

/* The lock file stays open between operations: if it is removed, or the
 * whole store directory, the next operation locks the file at the path,
 * as every other process does. */
static void
test_file_lock_removed (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autofree char *lock = g_build_filename (f->store_dir, ACRN_REGISTRY_LOCK_NAME, NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  cpus = alloc_cpus (f->reg, "a", 1, allowed, TRUE);
  g_clear_pointer (&cpus, g_array_unref);
  g_assert_cmpuint (lock_generation (f), ==, 1);

  /* The lock file alone; a new one counts from 0. */
  g_assert_no_errno (g_remove (lock));
  g_assert_cmpuint (alloc_cid (f->reg, "a", 0), ==, 3);
  g_assert_cmpuint (lock_generation (f), ==, 1);
  g_assert_true (file_mentions_vm (f->path, "a"));

  /* The whole store: releasing makes nothing... */
  remove_tree (f->store_dir);
  release (f->reg, "a");
  g_assert_false (g_file_test (f->store_dir, G_FILE_TEST_EXISTS));

  /* ...the next allocation makes it again, and "a" is forgotten. */
  cpus = alloc_cpus (f->reg, "b", 1, allowed, TRUE);
  assert_ids (cpus, "0");
  g_assert_cmpuint (lock_generation (f), ==, 1);
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_nonnull (find (entries, "b"));
}

/* ------------------------------------------------------------------ */
/* Threads of one process (GTask, as an async caller would)           */

typedef struct {
  char *store_dir;
  AcrnRegistry *reg;  /* NULL: the thread makes its own */
  GArray *allowed;
  guint index;
} ThreadJob;

static void
thread_job_free (gpointer data)
{
  ThreadJob *job = data;

  g_free (job->store_dir);
  g_clear_object (&job->reg);
  g_array_unref (job->allowed);
  g_free (job);
}

static void
thread_allocate (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ThreadJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnRegistry) reg = job->reg != NULL ? g_object_ref (job->reg)
                                                 : acrn_registry_new (job->store_dir, &error);
  g_autofree char *vm_id = g_strdup_printf ("t%u", job->index);
  GArray *cpus = NULL;

  if (reg == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Released and allocated again, so that the threads' transactions
   * overlap. */
  for (guint round = 0; round < THREAD_ROUNDS; round++)
    {
      if (round > 0)
        {
          g_clear_pointer (&cpus, g_array_unref);
          if (!acrn_registry_release (reg, vm_id, &error))
            break;
        }
      cpus = acrn_registry_allocate_cpus (reg, vm_id, 2,
                                          (const guint32 *) (gpointer) job->allowed->data,
                                          job->allowed->len, TRUE, &error);
      if (cpus == NULL)
        break;
    }
  if (cpus == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, cpus, (GDestroyNotify) g_array_unref);
}

static void
thread_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GPtrArray *results = user_data;
  g_autoptr(GError) error = NULL;
  GArray *cpus = g_task_propagate_pointer (G_TASK (result), &error);

  g_assert_no_error (error);
  g_ptr_array_add (results, cpus);
}

/* Threads with a registry object each (@shared FALSE), or all with the
 * same object: its threads share one descriptor of the lock file, which
 * does not exclude them from each other. */
static void
run_threads (Fixture  *f,
             gboolean  shared)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-16", NULL);
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) entries = NULL;

  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, thread_done, results);
      ThreadJob *job = g_new0 (ThreadJob, 1);

      job->store_dir = g_strdup (f->store_dir);
      job->reg = shared ? g_object_ref (f->reg) : NULL;
      job->allowed = g_array_ref (allowed);
      job->index = i;
      g_task_set_task_data (task, job, thread_job_free);
      g_task_run_in_thread (task, thread_allocate);
    }

  while (results->len < 8)
    g_main_context_iteration (NULL, TRUE);

  /* 8 VMs x 2 exclusive CPUs on 16: every CPU exactly once. */
  for (guint i = 0; i < results->len; i++)
    {
      GArray *cpus = g_ptr_array_index (results, i);

      g_assert_cmpuint (cpus->len, ==, 2);
      for (guint c = 0; c < cpus->len; c++)
        {
          guint32 cpu = g_array_index (cpus, guint32, c);

          g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (cpu + 1)));
          g_hash_table_add (seen, GUINT_TO_POINTER (cpu + 1));
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 16);

  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 8);
}

static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  run_threads (f, FALSE);
}

static void
test_threads_shared (Fixture       *f,
                     gconstpointer  data)
{
  run_threads (f, TRUE);
}

/* A child made by fork() does not use the descriptor of the lock file it
 * inherits (it shares the parent's lock): it opens its own. */
static void
test_fork (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GArray) allowed = load_allowed ("acrn-cpuinfo-4", NULL);
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  int status = 0;
  pid_t pid;

  /* The child ends without freeing what the parent holds (and valgrind
   * then fails it for leaks). */
  if (g_strcmp0 (g_getenv ("VMM_UNDER_VALGRIND"), "1") == 0)
    {
      g_test_skip ("valgrind counts what a forked child does not free as leaks");
      return;
    }

  cpus = alloc_cpus (f->reg, "parent", 1, allowed, TRUE);
  assert_ids (cpus, "0");

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      GArray *mine = acrn_registry_allocate_cpus (f->reg, "child", 1,
                                                  (const guint32 *) (gpointer) allowed->data,
                                                  allowed->len, TRUE, NULL);

      _exit (mine != NULL && mine->len == 1 && g_array_index (mine, guint32, 0) == 2 ? 0 : 1);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  /* The child's write is seen (the entry is owned by this process). */
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 2);
  assert_ids (find (entries, "child")->cpus, "2");
  g_clear_pointer (&cpus, g_array_unref);
  cpus = alloc_cpus (f->reg, "third", 1, allowed, TRUE);
  assert_ids (cpus, "4");
}

/* ------------------------------------------------------------------ */
/* Stress: 8 processes                                                */

static void
test_stress (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *cpuinfo = cpuinfo_fixture ("acrn-cpuinfo-16");
  g_autofree char *iterations = g_strdup_printf ("%u", STRESS_ITERATIONS);
  GSubprocess *children[STRESS_CHILDREN] = { NULL, };
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < STRESS_CHILDREN; i++)
    {
      g_autofree char *index = g_strdup_printf ("%u", i);

      children[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                                      self_exe, "--child-stress", f->store_dir,
                                      cpuinfo, index, iterations, NULL);
      g_assert_no_error (error);
    }

  for (guint i = 0; i < STRESS_CHILDREN; i++)
    {
      g_subprocess_wait (children[i], NULL, &error);
      g_assert_no_error (error);
      g_test_message ("stress child %u: exit status %d", i,
                      g_subprocess_get_if_exited (children[i])
                        ? g_subprocess_get_exit_status (children[i]) : -1);
      g_assert_true (g_subprocess_get_if_exited (children[i]));
      g_assert_cmpint (g_subprocess_get_exit_status (children[i]), ==, 0);
      g_clear_object (&children[i]);
    }

  /* Every child released everything: no leak. (All children are dead by
   * now, so reclaiming would also empty it: check the raw file first.) */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *root;

    json_parser_load_from_file (parser, f->path, &error);
    g_assert_no_error (error);
    root = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "entries")), ==, 0);
  }
  entries = list (f);
  g_assert_cmpuint (entries->len, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Child modes                                                        */

static int
child_sleep (gboolean rename_self)
{
  char buf[64];

  if (rename_self)
    {
      printf ("plain\n");
      fflush (stdout);
      if (fgets (buf, sizeof buf, stdin) == NULL)
        return 1;
      if (prctl (PR_SET_NAME, (unsigned long) WEIRD_COMM, 0, 0, 0) != 0)
        return 1;
      printf ("renamed\n");
    }
  else
    printf ("ready\n");
  fflush (stdout);

  while (fgets (buf, sizeof buf, stdin) != NULL)
    ;
  return 0;
}

static int
child_alloc_and_exit (const char *store_dir,
                      const char *cpuinfo,
                      const char *vm_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnRegistry) reg = acrn_registry_new (store_dir, &error);
  g_autoptr(GArray) allowed = NULL;
  g_autoptr(GArray) cpus = NULL;
  guint32 cid = 0;

  if (reg == NULL ||
      (allowed = acrn_cpu_set_load (cpuinfo, NULL, &error)) == NULL ||
      (cpus = acrn_registry_allocate_cpus (reg, vm_id, 2,
                                           (const guint32 *) (gpointer) allowed->data,
                                           allowed->len, TRUE, &error)) == NULL ||
      !acrn_registry_allocate_cid (reg, vm_id, 0, &cid, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  return 0;
}

#define child_fail(...) \
  G_STMT_START { g_printerr ("stress child %u: ", worker); g_printerr (__VA_ARGS__); \
                 g_printerr ("\n"); return 2; } G_STMT_END

/* Allocates, checks the registry under its lock, releases; repeatedly.
 * With 8 workers of at most 2 vCPUs on 16 CPUs there is always a free
 * CPU for each request, so any CPU held by two VMs is a bug (the general
 * rule: no sharing while a free one exists). Even workers ask for
 * exclusive CPUs, which therefore must never fail. */
static int
child_stress (const char *store_dir,
              const char *cpuinfo,
              guint       worker,
              guint       iterations)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AcrnRegistry) reg = acrn_registry_new (store_dir, &error);
  g_autoptr(GArray) allowed = NULL;

  if (reg == NULL)
    child_fail ("%s", error->message);
  allowed = acrn_cpu_set_load (cpuinfo, NULL, &error);
  if (allowed == NULL)
    child_fail ("%s", error->message);

  for (guint n = 0; n < iterations; n++)
    {
      g_autofree char *vm_id = g_strdup_printf ("c%u-%u", worker, n);
      guint vcpus = 1 + (n + worker) % 2;
      gboolean exclusive = worker % 2 == 0;
      g_autoptr(GArray) cpus = NULL;
      g_autoptr(GPtrArray) entries = NULL;
      AcrnRegistryEntry *mine;
      guint32 cid = 0;
      guint n_free = 0;

      cpus = acrn_registry_allocate_cpus (reg, vm_id, vcpus,
                                          (const guint32 *) (gpointer) allowed->data,
                                          allowed->len, exclusive, &error);
      if (cpus == NULL)
        child_fail ("allocate %s: %s", vm_id, error->message);
      if (cpus->len != vcpus)
        child_fail ("%s got %u CPUs for %u vCPUs", vm_id, cpus->len, vcpus);
      if (!acrn_registry_allocate_cid (reg, vm_id, 0, &cid, &error))
        child_fail ("allocate CID %s: %s", vm_id, error->message);

      /* Read it back under the lock. */
      entries = acrn_registry_list_entries (reg, &error);
      if (entries == NULL)
        child_fail ("list: %s", error->message);
      mine = find (entries, vm_id);
      if (mine == NULL || mine->pid != getpid ())
        child_fail ("%s is missing from the registry", vm_id);
      if (mine->cpus->len != cpus->len ||
          memcmp (mine->cpus->data, cpus->data, cpus->len * sizeof (guint32)) != 0)
        child_fail ("%s: registry and allocation disagree", vm_id);
      if (mine->cids->len != 1 || g_array_index (mine->cids, guint32, 0) != cid)
        child_fail ("%s: CID %u not recorded", vm_id, cid);
      if (entries->len > STRESS_CHILDREN)
        child_fail ("%u entries for %u workers: a leak", entries->len, STRESS_CHILDREN);

      for (guint a = 0; a < allowed->len; a++)
        {
          guint32 cpu = g_array_index (allowed, guint32, a);
          gboolean used = FALSE;

          for (guint e = 0; e < entries->len && !used; e++)
            used = ids_contain (((AcrnRegistryEntry *) g_ptr_array_index (entries, e))->cpus, cpu);
          if (!used)
            n_free++;
        }

      for (guint e = 0; e < entries->len; e++)
        {
          AcrnRegistryEntry *other = g_ptr_array_index (entries, e);

          if (other == mine)
            continue;
          for (guint c = 0; c < cpus->len; c++)
            if (ids_contain (other->cpus, g_array_index (cpus, guint32, c)))
              child_fail ("CPU %u of %s is also held by %s (pid %d); %u CPU(s) free",
                          g_array_index (cpus, guint32, c), vm_id, other->vm_id,
                          (int) other->pid, n_free);
          if (ids_contain (other->cids, cid))
            child_fail ("CID %u of %s is also held by %s", cid, vm_id, other->vm_id);
        }

      if (!acrn_registry_release (reg, vm_id, &error))
        child_fail ("release %s: %s", vm_id, error->message);
    }

  return 0;
}

int
main (int    argc,
      char **argv)
{
  int ret;

  if (argc >= 2 && g_str_has_prefix (argv[1], "--child-"))
    {
      if (strcmp (argv[1], "--child-sleep") == 0)
        return child_sleep (FALSE);
      if (strcmp (argv[1], "--child-comm") == 0)
        return child_sleep (TRUE);
      if (strcmp (argv[1], "--child-alloc-and-exit") == 0 && argc == 5)
        return child_alloc_and_exit (argv[2], argv[3], argv[4]);
      if (strcmp (argv[1], "--child-stress") == 0 && argc == 6)
        return child_stress (argv[2], argv[3],
                             (guint) g_ascii_strtoull (argv[4], NULL, 10),
                             (guint) g_ascii_strtoull (argv[5], NULL, 10));
      g_printerr ("unknown child mode %s\n", argv[1]);
      return 64;
    }

  g_test_init (&argc, &argv, NULL);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL || !g_path_is_absolute (self_exe))
    {
      g_free (self_exe);
      self_exe = g_canonicalize_filename (argv[0], NULL);
    }

  g_test_add_func ("/acrn/registry/cpuinfo/parse", test_cpuinfo_parse);
  g_test_add_func ("/acrn/registry/cpu-list/good", test_cpu_list_good);
  g_test_add_func ("/acrn/registry/cpu-list/bad", test_cpu_list_bad);
  g_test_add_func ("/acrn/registry/cpu-set/resolve", test_cpu_set_resolve);
  g_test_add_func ("/acrn/registry/proc/start-time", test_proc_start_time);

#define ADD(path, func) \
  g_test_add ("/acrn/registry/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("cpus/spread", test_cpus_spread);
  ADD ("cpus/allowed-subset", test_cpus_allowed_subset);
  ADD ("cpus/idempotent", test_cpus_idempotent);
  ADD ("release", test_release);
  ADD ("stale/dead-owner", test_stale_dead_owner);
  ADD ("stale/in-use-elsewhere", test_in_use_elsewhere);
  ADD ("stale/exited-process", test_stale_exited_process);
  ADD ("stale/reused-pid", test_stale_reused_pid);
  ADD ("stale/on-demand", test_stale_on_demand);
  ADD ("cid", test_cid);
  ADD ("file/corrupt", test_corrupt);
  ADD ("file/format", test_file_format);
  ADD ("file/layout", test_file_layout);
  ADD ("file/changed-behind", test_file_changed_behind);
  ADD ("file/shadow", test_file_shadow);
  ADD ("file/lock-removed", test_file_lock_removed);
  ADD ("threads", test_threads);
  ADD ("threads/shared", test_threads_shared);
  ADD ("fork", test_fork);
  ADD ("stress", test_stress);
#undef ADD

  ret = g_test_run ();
  g_free (self_exe);
  return ret;
}
