/* test-vmmctl.c: vmmctl, driven as a program (every subcommand, the exit
 * statuses, the bad-input cases, the examples)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each test runs the built vmmctl with VMM_PLUGIN_PATH set to one plugin
 * directory: the stub, the scripted stub (tests/tools/scripted, whose
 * failures and crashes are set from the environment), or the test plugins
 * of tests/plugins. With VMM_UNDER_VALGRIND=1 (the valgrind test setup)
 * every vmmctl runs under valgrind memcheck, and a leak or memory error
 * makes it exit with VALGRIND_ERROR_STATUS.
 */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#define VALGRIND_ERROR_STATUS 99

typedef struct
{
  char  *tmp;          /* removed at teardown */
  char  *store;        /* tmp/store, the store dir of the configs written */
  char  *plugin_path;  /* VMM_PLUGIN_PATH of the next runs */
  GPtrArray *env;      /* more NAME=VALUE for the next runs */
  gboolean no_valgrind; /* run the next ones without valgrind */
} Fixture;

typedef struct
{
  int   status;        /* exit status, or 128 + signal */
  char *out;
  char *err;
} Result;

static void
result_free (Result *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

/* ------------------------------------------------------------------------ */
/* Files                                                                    */

static void
remove_tree (const char *path)
{
  GDir *dir;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

/* Asserts that @path is an empty directory, naming what is left. */
static void
assert_dir_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  name = g_dir_read_name (dir);
  if (name != NULL)
    g_error ("%s should be empty, but holds %s", path, name);
}

#ifdef ACRN_PLUGIN_DIR
/* The ACRN plugin keeps its host-wide registry of CPUs and CIDs in the
 * store dir: it may stay, but must hold no entry. */
static void
assert_acrn_store_clean (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (strcmp (name, "acrn-registry.lock") == 0)
        continue;
      if (strcmp (name, "acrn-registry.json") == 0)
        {
          g_autofree char *registry = g_build_filename (path, name, NULL);
          g_autoptr(JsonParser) parser = json_parser_new ();
          g_autoptr(GError) error = NULL;
          JsonObject *object;

          json_parser_load_from_file (parser, registry, &error);
          g_assert_no_error (error);
          object = json_node_get_object (json_parser_get_root (parser));
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "entries")), ==, 0);
          continue;
        }
      g_error ("%s should hold only the ACRN registry, but holds %s", path, name);
    }
}
#endif

static char *
write_file (Fixture    *f,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (f->tmp, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&path);
}

/* A configuration of VM @id whose store dir is f->store; @extra is more
 * JSON members (with a leading comma) or "". */
static char *
write_config (Fixture    *f,
              const char *id,
              const char *extra)
{
  g_autofree char *name = g_strdup_printf ("%s.json", id);
  g_autofree char *json = g_strdup_printf ("{\n"
                                           "  \"id\": \"%s\",\n"
                                           "  \"kernel\": \"/boot/vmlinuz\",\n"
                                           "  \"memory-mib\": 256,\n"
                                           "  \"block-pool-size\": 2,\n"
                                           "  \"store-dir\": \"%s\"%s\n"
                                           "}\n", id, f->store, extra);

  return write_file (f, name, json);
}

/* ------------------------------------------------------------------------ */
/* Running vmmctl                                                           */

static GSubprocess *
spawn_vmmctl (Fixture            *f,
              GSubprocessFlags    flags,
              const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  if (g_strcmp0 (g_getenv ("VMM_UNDER_VALGRIND"), "1") == 0 && !f->no_valgrind)
    {
      g_ptr_array_add (argv, g_strdup ("valgrind"));
      g_ptr_array_add (argv, g_strdup ("-q"));
      g_ptr_array_add (argv, g_strdup ("--tool=memcheck"));
      g_ptr_array_add (argv, g_strdup ("--leak-check=full"));
      g_ptr_array_add (argv, g_strdup ("--show-leak-kinds=definite,indirect"));
      g_ptr_array_add (argv, g_strdup ("--errors-for-leak-kinds=definite,indirect"));
      g_ptr_array_add (argv, g_strdup_printf ("--error-exitcode=%d", VALGRIND_ERROR_STATUS));
      g_ptr_array_add (argv, g_strdup ("--num-callers=30"));
      g_ptr_array_add (argv, g_strdup ("--suppressions=/usr/share/glib-2.0/valgrind/glib.supp"));
      g_ptr_array_add (argv, g_strdup ("--suppressions=" VALGRIND_SUPPRESSIONS));
    }
  g_ptr_array_add (argv, g_strdup (VMMCTL_PATH));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_setenv (launcher, "VMM_PLUGIN_PATH", f->plugin_path, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "VMM_HYPERVISOR");
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  for (guint i = 0; i < f->env->len; i++)
    {
      const char *pair = g_ptr_array_index (f->env, i);
      const char *equals = strchr (pair, '=');
      g_autofree char *name = g_strndup (pair, equals - pair);

      g_subprocess_launcher_setenv (launcher, name, equals + 1, TRUE);
    }

  {
    g_autofree char *joined = g_strjoinv (" ", (char **) argv->pdata);

    g_test_message ("$ %s", joined);
  }

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  return process;
}

static int
exit_status_of (GSubprocess *process)
{
  if (g_subprocess_get_if_exited (process))
    return g_subprocess_get_exit_status (process);

  return 128 + g_subprocess_get_term_sig (process);
}

/* Under valgrind, stderr also has valgrind's own warnings ("--PID--
 * WARNING: unhandled syscall", for pidfd_open): set them aside. */
static void
check_valgrind (Result *result)
{
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) kept = NULL;

  if (result->status == VALGRIND_ERROR_STATUS)
    g_error ("valgrind found errors in vmmctl:\n%s", result->err);

  if (g_strcmp0 (g_getenv ("VMM_UNDER_VALGRIND"), "1") != 0)
    return;

  lines = g_strsplit (result->err, "\n", -1);
  kept = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i + 1] == NULL && lines[i][0] == '\0')
        break;
      if (g_regex_match_simple ("^--[0-9]+-- ", lines[i], 0, 0))
        continue;
      g_string_append_printf (kept, "%s\n", lines[i]);
    }
  g_free (result->err);
  result->err = g_string_free (g_steal_pointer (&kept), FALSE);
}

static Result *
vmmctl_argv (Fixture            *f,
             const char * const *args)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Result *result = g_new0 (Result, 1);

  process = spawn_vmmctl (f, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, args);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  result->status = exit_status_of (process);

  g_test_message ("exit %d\nstdout:\n%sstderr:\n%s", result->status, result->out, result->err);
  check_valgrind (result);

  return result;
}

/* vmmctl (f, "run", FILE, NULL) */
G_GNUC_NULL_TERMINATED
static Result *
vmmctl (Fixture    *f,
        const char *first,
        ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return vmmctl_argv (f, (const char * const *) args->pdata);
}

/* Asserts a failure reported as one line "vmmctl: ..." on stderr that
 * contains each of the NULL-terminated strings. */
G_GNUC_NULL_TERMINATED
static void
assert_error (Result     *result,
              int         status,
              ...)
{
  const char *newline;
  va_list ap;

  g_assert_cmpint (result->status, ==, status);
  g_assert_true (g_str_has_prefix (result->err, "vmmctl: "));
  newline = strchr (result->err, '\n');
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline, ==, "\n");

  va_start (ap, status);
  for (const char *needle = va_arg (ap, const char *); needle != NULL;
       needle = va_arg (ap, const char *))
    {
      if (strstr (result->err, needle) == NULL)
        g_error ("stderr \"%s\" does not mention \"%s\"", result->err, needle);
    }
  va_end (ap);
}

static void
assert_success (Result *result)
{
  if (result->status != 0)
    g_error ("vmmctl failed with status %d: %s", result->status, result->err);
  g_assert_cmpstr (result->err, ==, "");
}

static void
set_env (Fixture    *f,
         const char *name,
         const char *value)
{
  g_ptr_array_add (f->env, g_strdup_printf ("%s=%s", name, value));
}

/* The states entered, from the "HH:MM:SS.mmm OLD -> NEW" lines of @out,
 * space-separated; every line must be one of those and each OLD must be
 * the previous NEW. */
static char *
transitions (const char *out)
{
  g_autoptr(GRegex) regex = g_regex_new ("^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3} ([a-z-]+) -> ([a-z-]+)$",
                                         0, 0, NULL);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autoptr(GString) states = g_string_new (NULL);
  g_autofree char *previous = g_strdup ("not-created");

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *old_state = NULL;

      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      if (!g_regex_match (regex, lines[i], 0, &match))
        g_error ("not a state change line: \"%s\"", lines[i]);

      old_state = g_match_info_fetch (match, 1);
      g_assert_cmpstr (old_state, ==, previous);
      g_free (previous);
      previous = g_match_info_fetch (match, 2);
      g_string_append_printf (states, "%s%s", states->len > 0 ? " " : "", previous);
    }

  return g_string_free (g_steal_pointer (&states), FALSE);
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_node_get_object (json_parser_get_root (parser));
}

#define FULL_LIFE "created starting running stopping stopped not-created"

/* A vmmctl run in the background, read line by line. */
typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GString          *lines;
} Background;

static Background *
background_run (Fixture            *f,
                const char * const *args)
{
  Background *bg = g_new0 (Background, 1);

  bg->process = spawn_vmmctl (f, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, args);
  bg->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bg->process));
  bg->lines = g_string_new (NULL);

  return bg;
}

/* Reads stdout until a line ends with @suffix. */
static void
background_wait_for (Background *bg,
                     const char *suffix)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (bg->out, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("vmmctl ended before printing a line ending with \"%s\"; it printed:\n%s",
                 suffix, bg->lines->str);
      g_string_append_printf (bg->lines, "%s\n", line);
      if (g_str_has_suffix (line, suffix))
        return;
    }
}

static Result *
background_finish (Background *bg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) rest = NULL;
  g_autoptr(GBytes) err = NULL;
  Result *result = g_new0 (Result, 1);
  GInputStream *err_stream = g_subprocess_get_stderr_pipe (bg->process);

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (bg->out, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        break;
      g_string_append_printf (bg->lines, "%s\n", line);
    }

  {
    g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();

    g_output_stream_splice (sink, err_stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
    g_assert_no_error (error);
    err = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
  }

  g_subprocess_wait (bg->process, NULL, &error);
  g_assert_no_error (error);

  result->status = exit_status_of (bg->process);
  result->out = g_string_free (bg->lines, FALSE);
  result->err = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));
  g_test_message ("exit %d\nstdout:\n%sstderr:\n%s", result->status, result->out, result->err);
  check_valgrind (result);

  g_object_unref (bg->out);
  g_object_unref (bg->process);
  g_free (bg);

  return result;
}

/* ------------------------------------------------------------------------ */
/* Fixture                                                                  */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("test-vmmctl-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = g_build_filename (f->tmp, "store", NULL);
  g_assert_cmpint (g_mkdir (f->store, 0700), ==, 0);
  f->plugin_path = g_strdup (STUB_PLUGIN_DIR);
  f->env = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->store);
  g_free (f->plugin_path);
  g_ptr_array_unref (f->env);
}

static void
use_plugins (Fixture    *f,
             const char *path)
{
  g_free (f->plugin_path);
  f->plugin_path = g_strdup (path);
}

/* ------------------------------------------------------------------------ */
/* Usage                                                                    */

static const char * const all_commands[] = {
  "plugins", "validate", "cmdline", "run", "start", "list", "status", "stop", "hotplug", NULL
};

static void
test_usage_help (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Result) result = vmmctl (f, "--help", NULL);

  assert_success (result);
  for (guint i = 0; all_commands[i] != NULL; i++)
    {
      g_autofree char *line = g_strdup_printf ("\n  %s ", all_commands[i]);

      g_assert_nonnull (strstr (result->out, line));
    }

  for (guint i = 0; all_commands[i] != NULL; i++)
    {
      g_autoptr(Result) help = vmmctl (f, all_commands[i], "--help", NULL);
      g_autofree char *usage = g_strdup_printf ("Usage:\n  vmmctl %s [OPTION", all_commands[i]);

      assert_success (help);
      g_assert_true (g_str_has_prefix (help->out, usage));
    }
}

/* The options a --help output lists, as "-x" and "--long" (NULL when the
 * option has no short form), in pairs. */
static GPtrArray *
help_options (const char *help)
{
  g_autoptr(GRegex) regex = g_regex_new ("^  (?:(-[A-Za-z]), )?(--[a-z][a-z-]*)", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GPtrArray *options = g_ptr_array_new_with_free_func (g_free);

  g_regex_match (regex, help, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *short_name = g_match_info_fetch (match, 1);

      g_ptr_array_add (options, short_name[0] != '\0' ? g_steal_pointer (&short_name) : NULL);
      g_ptr_array_add (options, g_match_info_fetch (match, 2));
      g_match_info_next (match, NULL);
    }

  return options;
}

/* The options named in @roff (one command's part of the SYNOPSIS), with
 * the roff escapes removed. */
static GPtrArray *
roff_options (const char *roff)
{
  g_autoptr(GRegex) dash = g_regex_new ("\\\\-", 0, 0, NULL);
  g_autoptr(GRegex) regex = g_regex_new ("(?<![A-Za-z-])(--[a-z][a-z-]*|-[A-Za-z])(?![A-Za-z-])", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *text = g_regex_replace_literal (dash, roff, -1, 0, "-", 0, NULL);
  GPtrArray *options = g_ptr_array_new_with_free_func (g_free);

  g_regex_match (regex, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_ptr_array_add (options, g_match_info_fetch (match, 1));
      g_match_info_next (match, NULL);
    }

  return options;
}

static gboolean
strings_contain (GPtrArray  *array,
                 const char *string)
{
  for (guint i = 0; i < array->len; i++)
    {
      if (g_strcmp0 (g_ptr_array_index (array, i), string) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The installed man page documents the commands and options vmmctl really
 * has, no more and no less: each command's SYNOPSIS names exactly the
 * options of its --help (by the short or the long name), each command has
 * an entry under COMMANDS, and every long option is explained. */
static void
test_usage_man_page (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *man = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) synopsis = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GString) current = NULL;
  g_autofree char *current_name = NULL;
  gboolean in_synopsis = FALSE;

  g_file_get_contents (VMMCTL_MAN_PATH, &man, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (man, "@PLUGINDIR@"));
  g_assert_nonnull (strstr (man, "\n.SH DESCRIPTION\n"));

  /* Split the SYNOPSIS into one part per command: "" for vmmctl itself. */
  lines = g_strsplit (man, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], ".SH "))
        {
          if (in_synopsis)
            break;
          in_synopsis = strcmp (lines[i], ".SH SYNOPSIS") == 0;
          continue;
        }
      if (!in_synopsis)
        continue;
      if (strcmp (lines[i], ".B vmmctl") == 0 || g_str_has_prefix (lines[i], ".B vmmctl "))
        {
          if (current != NULL)
            g_hash_table_insert (synopsis, g_steal_pointer (&current_name),
                                 g_string_free (g_steal_pointer (&current), FALSE));
          current_name = g_strdup (lines[i][9] == ' ' ? lines[i] + 10 : "");
          current = g_string_new (NULL);
          continue;
        }
      if (current != NULL)
        g_string_append_printf (current, "%s\n", lines[i]);
    }
  g_assert_nonnull (current);
  g_hash_table_insert (synopsis, g_steal_pointer (&current_name),
                       g_string_free (g_steal_pointer (&current), FALSE));

  /* the commands of vmmctl --help, and only those, plus vmmctl itself */
  g_assert_cmpuint (g_hash_table_size (synopsis), ==, g_strv_length ((char **) all_commands) + 1);

  for (int i = -1; i < (int) g_strv_length ((char **) all_commands); i++)
    {
      const char *command = i < 0 ? "" : all_commands[i];
      const char *roff = g_hash_table_lookup (synopsis, command);
      g_autoptr(Result) help = i < 0 ? vmmctl (f, "--help", NULL) : vmmctl (f, command, "--help", NULL);
      g_autoptr(GPtrArray) documented = NULL;
      g_autoptr(GPtrArray) real = NULL;

      if (roff == NULL)
        g_error ("vmmctl.1 has no SYNOPSIS line for 'vmmctl %s'", command);
      assert_success (help);
      documented = roff_options (roff);
      real = help_options (help->out);

      for (guint j = 0; j < real->len; j += 2)
        {
          const char *short_name = g_ptr_array_index (real, j);
          const char *long_name = g_ptr_array_index (real, j + 1);
          g_autofree char *escaped = NULL;
          g_autoptr(GRegex) dash = g_regex_new ("-", 0, 0, NULL);

          /* the subcommands' --help is described once, for all */
          if (i >= 0 && strcmp (long_name, "--help") == 0)
            continue;
          if (!(short_name != NULL && strings_contain (documented, short_name)) &&
              !strings_contain (documented, long_name))
            g_error ("the SYNOPSIS of 'vmmctl %s' in vmmctl.1 lacks %s", command, long_name);

          escaped = g_regex_replace_literal (dash, long_name, -1, 0, "\\-", 0, NULL);
          if (strstr (strstr (man, "\n.SH DESCRIPTION\n"), escaped) == NULL)
            g_error ("vmmctl.1 never explains %s (of 'vmmctl %s')", long_name, command);
        }

      for (guint j = 0; j < documented->len; j++)
        {
          if (!strings_contain (real, g_ptr_array_index (documented, j)))
            g_error ("the SYNOPSIS of 'vmmctl %s' in vmmctl.1 has %s, which vmmctl does not",
                     command, (const char *) g_ptr_array_index (documented, j));
        }

      if (i >= 0)
        {
          g_autoptr(GRegex) entry = NULL;
          g_autofree char *pattern = g_strdup_printf ("\\.SH COMMANDS\n(.*\n)*\\.BI? %s( |\n)(.*\n)*\\.SH OPTIONS",
                                                      command);

          entry = g_regex_new (pattern, 0, 0, NULL);
          if (!g_regex_match (entry, man, 0, NULL))
            g_error ("vmmctl.1 has no entry for '%s' under COMMANDS", command);
        }
    }
}

static void
test_usage_version (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Result) result = vmmctl (f, "--version", NULL);

  assert_success (result);
  g_assert_cmpstr (result->out, ==, "vmmctl " PACKAGE_VERSION "\n");
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *config = write_config (f, "u", "");
  Result *result;

  {
    const char * const none[] = { NULL };

    result = vmmctl_argv (f, none);
  }
  assert_error (result, 2, "no command", NULL);
  result_free (result);

  result = vmmctl (f, "frobnicate", NULL);
  assert_error (result, 2, "unknown command 'frobnicate'", NULL);
  result_free (result);

  result = vmmctl (f, "--frobnicate", "run", config, NULL);
  assert_error (result, 2, "--frobnicate", NULL);
  result_free (result);

  result = vmmctl (f, "run", "--frobnicate", config, NULL);
  assert_error (result, 2, "run:", "--frobnicate", NULL);
  result_free (result);

  result = vmmctl (f, "plugins", "--plugin", "stub", NULL);
  assert_error (result, 2, "plugins:", "--plugin", NULL);
  result_free (result);

  /* every command has its own options, and refuses unknown ones */
  for (guint i = 0; all_commands[i] != NULL; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("vmmctl: %s: ", all_commands[i]);

      result = vmmctl (f, all_commands[i], "--frobnicate", NULL);
      assert_error (result, 2, "--frobnicate", NULL);
      g_assert_true (g_str_has_prefix (result->err, prefix));
      g_assert_cmpstr (result->out, ==, "");
      result_free (result);
    }

  result = vmmctl (f, "run", NULL);
  assert_error (result, 2, "missing FILE", NULL);
  result_free (result);

  result = vmmctl (f, "validate", config, "extra", NULL);
  assert_error (result, 2, "unexpected argument 'extra'", NULL);
  result_free (result);

  result = vmmctl (f, "status", NULL);
  assert_error (result, 2, "missing ID", NULL);
  result_free (result);

  result = vmmctl (f, "hotplug", "u", "disk", NULL);
  assert_error (result, 2, "expected ID disk PATH", NULL);
  result_free (result);

  result = vmmctl (f, "hotplug", "u", "cdrom", config, NULL);
  assert_error (result, 2, "unknown device kind 'cdrom'", NULL);
  result_free (result);

  result = vmmctl (f, "status", "../etc", "--store-dir", f->store, NULL);
  assert_error (result, 2, "'../etc' is not a valid VM id", NULL);
  result_free (result);

  result = vmmctl (f, "run", "--stop-after", "soon", config, NULL);
  assert_error (result, 2, "--stop-after 'soon'", NULL);
  result_free (result);

  result = vmmctl (f, "run", "--stop-after", "-1", config, NULL);
  assert_error (result, 2, "--stop-after '-1'", NULL);
  result_free (result);

  result = vmmctl (f, "run", "-P", "frobnicate=1", config, NULL);
  assert_error (result, 2, "no property 'frobnicate'", NULL);
  result_free (result);

  result = vmmctl (f, "run", "-P", "start-delay-ms", config, NULL);
  assert_error (result, 2, "'start-delay-ms': expected NAME=VALUE", NULL);
  result_free (result);

  result = vmmctl (f, "run", "-P", "start-delay-ms=soon", config, NULL);
  assert_error (result, 2, "'soon' is not a valid value for property 'start-delay-ms'", NULL);
  result_free (result);

  result = vmmctl (f, "run", "-P", "block-slots=a", config, NULL);
  assert_error (result, 2, "no writable property 'block-slots'", NULL);
  result_free (result);

  assert_dir_empty (f->store);
}

/* ------------------------------------------------------------------------ */
/* plugins                                                                  */

static void
test_plugins_stub (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Result) result = vmmctl (f, "plugins", NULL);
  g_autofree char *row = g_strdup_printf ("stub         0  yes     %s/stub.so\n", STUB_PLUGIN_DIR);

  assert_success (result);
  g_assert_true (g_str_has_prefix (result->out, "NAME  PRIORITY  USABLE  FILE\n"));
  g_assert_nonnull (strstr (result->out, row));
  g_assert_nonnull (strstr (result->out, "\nDefault plugin: stub\n"));
  g_assert_null (strstr (result->out, "failed to load"));
}

static void
test_plugins_json (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Result) result = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  JsonObject *root, *plugin;
  JsonArray *plugins;

  use_plugins (f, TEST_PLUGINS_GOOD_DIR);
  result = vmmctl (f, "plugins", "--json", NULL);
  assert_success (result);

  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "default"), ==, "test-good");
  g_assert_true (json_object_get_null_member (root, "default-error"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (root, "search-path"), 0),
                   ==, TEST_PLUGINS_GOOD_DIR);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "load-errors")), ==, 0);

  plugins = json_object_get_array_member (root, "plugins");
  g_assert_cmpuint (json_array_get_length (plugins), ==, 3);

  /* highest priority first; its probe fails, and says why */
  plugin = json_array_get_object_element (plugins, 0);
  g_assert_cmpstr (json_object_get_string_member (plugin, "name"), ==, "test-noprobe");
  g_assert_cmpint (json_object_get_int_member (plugin, "priority"), ==, 100);
  g_assert_false (json_object_get_boolean_member (plugin, "usable"));
  g_assert_cmpstr (json_object_get_string_member (plugin, "reason"), ==, "no test hardware");
  file = g_build_filename (TEST_PLUGINS_GOOD_DIR, "noprobe.so", NULL);
  g_assert_cmpstr (json_object_get_string_member (plugin, "file"), ==, file);

  plugin = json_array_get_object_element (plugins, 1);
  g_assert_cmpstr (json_object_get_string_member (plugin, "name"), ==, "test-good");
  g_assert_cmpint (json_object_get_int_member (plugin, "priority"), ==, 10);
  g_assert_true (json_object_get_boolean_member (plugin, "usable"));
  g_assert_true (json_object_get_null_member (plugin, "reason"));

  plugin = json_array_get_object_element (plugins, 2);
  g_assert_cmpstr (json_object_get_string_member (plugin, "name"), ==, "test-low");
  g_assert_cmpint (json_object_get_int_member (plugin, "priority"), ==, 5);
}

static void
test_plugins_broken (Fixture       *f,
                     gconstpointer  data)
{
  static const char * const broken[] = {
    "badabi.so", "badtype.so", "dupname.so", "noabi.so", "noentry.so", "notelf.so", "nullplugin.so",
  };
  g_autofree char *path = g_strdup_printf ("%s:%s", TEST_PLUGINS_GOOD_DIR, TEST_PLUGINS_BROKEN_DIR);
  g_autoptr(Result) result = NULL;
  const char *errors;

  use_plugins (f, path);
  result = vmmctl (f, "plugins", NULL);

  /* The load errors are listed, not also logged as warnings. */
  assert_success (result);
  g_assert_nonnull (strstr (result->out, "\ntest-noprobe       100  no      "));
  g_assert_nonnull (strstr (result->out, "\n              why not: no test hardware\n"));
  g_assert_nonnull (strstr (result->out, "\nDefault plugin: test-good\n"));

  errors = strstr (result->out, "\nFiles that failed to load:\n");
  g_assert_nonnull (errors);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *line = g_strdup_printf ("\n  %s/%s: ", TEST_PLUGINS_BROKEN_DIR, broken[i]);

      if (strstr (errors, line) == NULL)
        g_error ("%s is not listed as a load error", broken[i]);
    }
}

static void
test_plugins_missing_plugin_hint (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *path = g_strdup_printf ("%s:%s", STUB_PLUGIN_DIR, TEST_PLUGINS_BROKEN_DIR);
  g_autofree char *config = write_config (f, "m", "");
  g_autoptr(Result) result = NULL;

  use_plugins (f, path);
  result = vmmctl (f, "run", "--plugin", "acrn", config, NULL);
  /* dupname.so loads here, as test-good: its twin is not in the path */
  assert_error (result, 5, "plugin 'acrn' is not installed", "available: test-good, stub;",
                "6 plugin files failed to load, see 'vmmctl plugins'", NULL);
  assert_dir_empty (f->store);
}

/* ------------------------------------------------------------------------ */
/* validate                                                                 */

static void
test_validate (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *good = write_config (f, "good", ", \"hypervisor\": \"acrn\"");
  g_autofree char *syntax = write_file (f, "syntax.json", "{\n  \"id\": \"x\"\n  \"vcpus\": 1\n}\n");
  g_autofree char *unknown = write_file (f, "unknown.json", "{\"id\": \"x\", \"memroy-mib\": 1}");
  g_autofree char *range = write_file (f, "range.json", "{\"id\": \"x\", \"vcpus\": 4, \"max-vcpus\": 2}");
  g_autofree char *missing = g_build_filename (f->tmp, "missing.json", NULL);
  g_autofree char *expected = g_strdup_printf ("%s: valid (VM 'good')\n", good);
  Result *result;

  /* Valid, even for a plugin that is not installed: nothing but the file
   * is looked at. */
  result = vmmctl (f, "validate", good, NULL);
  assert_success (result);
  g_assert_cmpstr (result->out, ==, expected);
  result_free (result);

  result = vmmctl (f, "validate", syntax, NULL);
  assert_error (result, 4, syntax, ":3:3:", NULL);
  g_assert_cmpstr (result->out, ==, "");
  result_free (result);

  result = vmmctl (f, "validate", unknown, NULL);
  assert_error (result, 4, unknown, "'memroy-mib'", NULL);
  result_free (result);

  result = vmmctl (f, "validate", range, NULL);
  assert_error (result, 4, range, "'vcpus'", "'max-vcpus'", NULL);
  result_free (result);

  result = vmmctl (f, "validate", missing, NULL);
  assert_error (result, 4, missing, "No such file", NULL);
  result_free (result);

  /* a directory cannot be read, even by root */
  result = vmmctl (f, "validate", f->tmp, NULL);
  assert_error (result, 4, f->tmp, "cannot read", NULL);
  result_free (result);
}

static void
test_validate_unreadable (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *config = write_config (f, "secret", "");
  g_autoptr(Result) result = NULL;

  if (geteuid () == 0)
    {
      g_test_skip ("root can read a file of mode 000");
      return;
    }

  g_assert_cmpint (g_chmod (config, 0), ==, 0);
  result = vmmctl (f, "validate", config, NULL);
  assert_error (result, 4, config, "Permission denied", NULL);
}

static void
test_validate_json (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *good = write_config (f, "good", "");
  g_autofree char *bad = write_file (f, "bad.json", "{\"id\": \"x\", \"vcpus\": \"one\"}");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  Result *result;

  result = vmmctl (f, "validate", "--json", good, NULL);
  assert_success (result);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_boolean_member (root, "valid"));
  g_assert_cmpstr (json_object_get_string_member (root, "id"), ==, "good");
  g_assert_cmpstr (json_object_get_string_member (root, "file"), ==, good);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "config"),
                                               "memory-mib"), ==, 256);
  result_free (result);

  result = vmmctl (f, "validate", "--json", bad, NULL);
  assert_error (result, 4, "'vcpus'", NULL);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_false (json_object_get_boolean_member (root, "valid"));
  g_assert_nonnull (strstr (json_object_get_string_member (root, "error"), "'vcpus'"));
  result_free (result);
}

/* ------------------------------------------------------------------------ */
/* cmdline                                                                  */

static void
test_cmdline_not_supported (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *config = write_config (f, "c", "");
  g_autoptr(Result) result = vmmctl (f, "cmdline", "--plugin", "stub", config, NULL);

  assert_error (result, 1, "plugin 'stub'", "'command-line'", "not supported", NULL);
  g_assert_cmpstr (result->out, ==, "");
  assert_dir_empty (f->store);
}

static void
test_cmdline_bad_input (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *config = write_config (f, "c", ", \"hypervisor\": \"frob\"");
  g_autofree char *missing = g_build_filename (f->tmp, "missing.json", NULL);
  Result *result;

  result = vmmctl (f, "cmdline", config, NULL);
  assert_error (result, 5, "plugin 'frob'", "key 'hypervisor' of", config, "not installed", NULL);
  result_free (result);

  result = vmmctl (f, "cmdline", missing, NULL);
  assert_error (result, 4, missing, NULL);
  result_free (result);

  assert_dir_empty (f->store);
}

#ifdef ACRN_PLUGIN_DIR
/* A configuration for the ACRN plugin with fake-acrn-dm and fake-acrnctl
 * as its programs, and the environment they and the plugin need (manager
 * sockets and /proc/cpuinfo of the test). */
static char *
write_acrn_config (Fixture    *f,
                   const char *id,
                   const char *extra)
{
  g_autofree char *kernel = write_file (f, "bzImage", "kernel");
  g_autofree char *image = write_file (f, "rootfs.img", "image");
  g_autofree char *mngr = g_build_filename (f->tmp, "mngr", NULL);
  g_autofree char *name = g_strdup_printf ("%s.json", id);
  g_autofree char *json = g_strdup_printf ("{\n"
                                           "  \"id\": \"%s\",\n"
                                           "  \"hypervisor\": \"acrn\",\n"
                                           "  \"kernel\": \"%s\",\n"
                                           "  \"image\": \"%s\",\n"
                                           "  \"memory-mib\": 256,\n"
                                           "  \"block-pool-size\": 2,\n"
                                           "  \"hypervisor-path\": \"%s\",\n"
                                           "  \"ctl-path\": \"%s\",\n"
                                           "  \"store-dir\": \"%s\"%s\n"
                                           "}\n", id, kernel, image, FAKE_ACRN_DM_PATH,
                                           FAKE_ACRNCTL_PATH, f->store, extra);

  use_plugins (f, ACRN_PLUGIN_DIR);
  set_env (f, "VMM_ACRN_MNGR_DIR", mngr);
  set_env (f, "FAKE_ACRN_MNGR_DIR", mngr);
  set_env (f, "VMM_ACRN_CPUINFO", ACRN_CPUINFO_PATH);

  return write_file (f, name, json);
}

/* The command line printed is the one the plugin would run, and nothing
 * stays reserved. */
static void
test_cmdline_acrn (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *config = write_acrn_config (f, "acrn1", "");
  g_autofree char *kernel = g_build_filename (f->tmp, "bzImage", NULL);
  g_autofree char *image = g_strdup_printf ("4,virtio-blk,%s/rootfs.img", f->tmp);
  g_autoptr(Result) result = NULL;
  g_autoptr(Result) json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  JsonArray *array;
  guint n;

  result = vmmctl (f, "cmdline", config, NULL);
  assert_success (result);
  lines = g_strsplit (result->out, "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >, 6);
  g_assert_cmpstr (lines[n - 1], ==, "");
  /* the program, the memory, the kernel and the image; the VM name last */
  g_assert_cmpstr (lines[0], ==, FAKE_ACRN_DM_PATH);
  g_assert_true (g_strv_contains ((const char * const *) lines, "256M"));
  g_assert_true (g_strv_contains ((const char * const *) lines, kernel));
  g_assert_true (g_strv_contains ((const char * const *) lines, image));
  g_assert_cmpstr (lines[n - 2], ==, "sbx-acrn1");

  json = vmmctl (f, "cmdline", "--json", config, NULL);
  assert_success (json);
  json_parser_load_from_data (parser, json->out, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, n - 1);
  for (guint i = 0; i + 1 < n; i++)
    g_assert_cmpstr (json_array_get_string_element (array, i), ==, lines[i]);

  assert_acrn_store_clean (f->store);
}

/* The pid of the fake acrn-dm of VM @name, from its manager socket
 * <mngr>/<name>.monitor.<pid>.socket. */
static int
fake_acrn_dm_pid (Fixture    *f,
                  const char *name)
{
  g_autofree char *mngr = g_build_filename (f->tmp, "mngr", NULL);
  g_autofree char *prefix = g_strdup_printf ("%s.monitor.", name);
  g_autoptr(GDir) dir = g_dir_open (mngr, 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_prefix (entry, prefix) && g_str_has_suffix (entry, ".socket"))
        return atoi (entry + strlen (prefix));
    }
  g_error ("no manager socket of %s in %s", name, mngr);
}

/* acrn-dm dies by SIGSEGV while the VM runs. */
static void
test_run_acrn_crash (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *config = write_acrn_config (f, "acrn2", "");
  const char *args[] = { "run", config, NULL };
  Background *bg;
  g_autoptr(Result) result = NULL;
  g_autofree char *states = NULL;
  const char *last;

  bg = background_run (f, args);
  background_wait_for (bg, " -> running");
  g_assert_cmpint (kill (fake_acrn_dm_pid (f, "sbx-acrn2"), SIGSEGV), ==, 0);
  result = background_finish (bg);

  g_assert_cmpint (result->status, ==, 3);
  states = transitions (result->out);
  g_assert_cmpstr (states, ==, "created starting running crashed not-created");
  /* the plugin's warning (with acrn-dm's output) comes first */
  last = g_strrstr (result->err, "vmmctl: VM 'acrn2' crashed: ");
  g_assert_nonnull (last);
  g_assert_nonnull (strstr (last, "killed by signal 11"));
  assert_acrn_store_clean (f->store);
}

/* acrn-dm ignores the graceful stop: a second SIGTERM kills it. */
static void
test_run_acrn_second_signal_forces (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *config = write_acrn_config (f, "acrn3", ", \"stop-timeout-ms\": 600000");
  const char *args[] = { "run", config, NULL };
  Background *bg;
  g_autoptr(Result) result = NULL;
  g_autofree char *states = NULL;

  set_env (f, "FAKE_ACRN_IGNORE_SIGINT", "1");
  bg = background_run (f, args);
  background_wait_for (bg, " -> running");
  g_subprocess_send_signal (bg->process, SIGTERM);
  background_wait_for (bg, " -> stopping");
  g_subprocess_send_signal (bg->process, SIGTERM);
  result = background_finish (bg);

  g_assert_cmpint (result->status, ==, 0);
  states = transitions (result->out);
  g_assert_true (g_str_has_prefix (states, "created starting running stopping "));
  g_assert_true (g_str_has_suffix (states, " not-created"));
  g_assert_nonnull (strstr (result->err, "vmmctl: SIGTERM: forcing VM 'acrn3'\n"));
  g_assert_nonnull (strstr (result->err, "vmmctl: killed process "));
  assert_acrn_store_clean (f->store);
}

/* The guest powers off (acrn-dm exits with status 0 on SIGHUP): the VM
 * ended normally, vmmctl says so, cleans up and exits with 0. */
static void
test_run_acrn_power_off (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *config = write_acrn_config (f, "acrn5", "");
  const char *args[] = { "run", config, NULL };
  Background *bg;
  g_autoptr(Result) result = NULL;
  g_autofree char *states = NULL;

  bg = background_run (f, args);
  background_wait_for (bg, " -> running");
  g_assert_cmpint (kill (fake_acrn_dm_pid (f, "sbx-acrn5"), SIGHUP), ==, 0);
  result = background_finish (bg);

  g_assert_cmpint (result->status, ==, 0);
  states = transitions (result->out);
  g_assert_cmpstr (states, ==, "created starting running stopped not-created");
  g_assert_nonnull (strstr (result->err, "vmmctl: VM 'acrn5' powered off\n"));
  g_assert_null (strstr (result->err, "crashed"));
  assert_acrn_store_clean (f->store);
}

/* examples/acrn.json on the ACRN plugin: its files made to exist (here,
 * under the test's directory) and its vsock device left out (the host has
 * no /dev/vhost-vsock), the rest gives the expected acrn-dm command line. */
static void
test_examples_acrn_json (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *example = g_build_filename (EXAMPLES_DIR, "acrn.json", NULL);
  g_autofree char *kernel = write_file (f, "bzImage", "kernel");
  g_autofree char *image = write_file (f, "rootfs.img", "image");
  g_autofree char *mngr = g_build_filename (f->tmp, "mngr", NULL);
  g_autofree char *image_arg = g_strdup_printf ("4,virtio-blk,%s", image);
  g_autofree char *copy = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(Result) result = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *object;
  JsonArray *devices;
  JsonArray *kept;
  guint n;

  json_parser_load_from_file (parser, example, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "hypervisor"), ==, "acrn");
  json_object_set_string_member (object, "kernel", kernel);
  json_object_set_string_member (object, "image", image);
  json_object_set_string_member (object, "hypervisor-path", FAKE_ACRN_DM_PATH);
  json_object_set_string_member (object, "ctl-path", FAKE_ACRNCTL_PATH);
  json_object_set_string_member (object, "store-dir", f->store);
  devices = json_object_get_array_member (object, "devices");
  kept = json_array_new ();
  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *device = json_array_get_object_element (devices, i);

      if (g_strcmp0 (json_object_get_string_member (device, "type"), "vsock") != 0)
        json_array_add_element (kept, json_node_copy (json_array_get_element (devices, i)));
    }
  g_assert_cmpuint (json_array_get_length (kept), ==, json_array_get_length (devices) - 1);
  json_object_set_array_member (object, "devices", kept);
  text = json_to_string (json_parser_get_root (parser), TRUE);
  copy = write_file (f, "acrn-example.json", text);

  use_plugins (f, ACRN_PLUGIN_DIR);
  set_env (f, "VMM_ACRN_MNGR_DIR", mngr);
  set_env (f, "VMM_ACRN_CPUINFO", ACRN_CPUINFO_PATH);

  /* no --plugin: the example's "hypervisor" key chooses acrn */
  result = vmmctl (f, "cmdline", copy, NULL);
  assert_success (result);
  lines = g_strsplit (result->out, "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >, 2);
  g_assert_cmpstr (lines[0], ==, FAKE_ACRN_DM_PATH);
  g_assert_true (g_strv_contains ((const char * const *) lines, "1024M"));
  g_assert_true (g_strv_contains ((const char * const *) lines, kernel));
  g_assert_true (g_strv_contains ((const char * const *) lines, image_arg));
  g_assert_true (g_strv_contains ((const char * const *) lines, "5,virtio-blk,nodisk"));
  g_assert_true (g_strv_contains ((const char * const *) lines, "12,virtio-blk,nodisk"));
  g_assert_false (g_strv_contains ((const char * const *) lines, "13,virtio-blk,nodisk"));
  g_assert_true (g_strv_contains ((const char * const *) lines,
                                  "13,virtio-net,tap=tap0,mac=02:00:00:00:00:01"));
  g_assert_cmpstr (lines[n - 2], ==, "sbx-acrn-demo");
  assert_acrn_store_clean (f->store);
}

static gboolean
process_is_gone (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  /* "PID (COMM) STATE ...": a zombie is gone too */
  end = strrchr (stat, ')');
  return end != NULL && end[1] == ' ' && end[2] == 'Z';
}

/* start, hotplug, status and stop on ACRN: each a new vmmctl that
 * re-attaches to the acrn-dm left running by the first one. */
static void
test_detached_acrn (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *config = write_acrn_config (f, "acrn4", "");
  g_autofree char *disk = write_file (f, "disk.img", "disk");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonArray *pids;
  Result *result;
  int pid;

  result = vmmctl (f, "start", config, NULL);
  assert_success (result);
  g_assert_cmpstr (result->out, ==, "Started VM 'acrn4' with plugin 'acrn' (running)\n");
  result_free (result);

  /* Re-attaching watches acrn-dm through a pidfd, and valgrind does not
   * implement pidfd_open: the commands that re-attach run without it. */
  f->no_valgrind = TRUE;
  result = vmmctl (f, "status", "acrn4", "-c", config, "--json", NULL);
  assert_success (result);
  object = parse_object (parser, result->out);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "running");
  pids = json_object_get_array_member (object, "pids");
  g_assert_cmpuint (json_array_get_length (pids), ==, 1);
  pid = (int) json_array_get_int_element (pids, 0);
  g_assert_false (process_is_gone (pid));
  result_free (result);

  result = vmmctl (f, "hotplug", "acrn4", "disk", disk, "-c", config, NULL);
  assert_success (result);
  result_free (result);

  result = vmmctl (f, "stop", "acrn4", "-c", config, NULL);
  assert_success (result);
  result_free (result);

  g_assert_true (process_is_gone (pid));
  assert_acrn_store_clean (f->store);
}

/* acrn-dm died while no vmmctl watched it: list and status say the VM
 * crashed (exit status unknown), and stop cleans it up: its record, its
 * store files, its CPUs and its manager socket are gone. */
static void
test_detached_acrn_gone (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *config = write_acrn_config (f, "acrn6", "");
  g_autofree char *records = g_build_filename (f->store, ".vmmctl", NULL);
  g_autofree char *vm_dir = g_build_filename (f->store, "acrn6", NULL);
  g_autofree char *mngr = g_build_filename (f->tmp, "mngr", NULL);
  g_autofree char *sock = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *row;
  Result *result;
  int pid;

  result = vmmctl (f, "start", config, NULL);
  assert_success (result);
  result_free (result);

  /* kill it and wait until it has exited: its pidfd becomes readable (or,
   * under valgrind, which has no pidfd_open, /proc shows it gone) */
  pid = fake_acrn_dm_pid (f, "sbx-acrn6");
  sock = g_strdup_printf ("%s/sbx-acrn6.monitor.%d.socket", mngr, pid);
  {
    int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);

    g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
    if (pidfd >= 0)
      {
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

        g_assert_cmpint (poll (&pfd, 1, 60000), ==, 1);   /* a safety net, not a delay */
        close (pidfd);
      }
    else
      {
        gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

        while (!process_is_gone (pid))
          {
            g_assert_cmpint (g_get_monotonic_time (), <, deadline);
            g_usleep (1000);
          }
      }
  }

  /* It left its socket behind, and its VM directory stays. */
  g_assert_true (g_file_test (sock, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (vm_dir, G_FILE_TEST_IS_DIR));

  /* Telling that acrn-dm is gone needs no pidfd_open: these run under
   * valgrind too. */
  result = vmmctl (f, "list", "-s", f->store, "--json", NULL);
  g_assert_cmpint (result->status, ==, 0);
  g_assert_nonnull (strstr (result->err, "acrn-dm (pid "));
  g_assert_nonnull (strstr (result->err, "of VM acrn6 exited while no manager watched it"));
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  row = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, "acrn6");
  g_assert_cmpstr (json_object_get_string_member (row, "state"), ==, "crashed");
  g_assert_true (json_object_get_null_member (row, "error"));
  result_free (result);
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));

  result = vmmctl (f, "status", "acrn6", "-s", f->store, "--json", NULL);
  g_assert_cmpint (result->status, ==, 0);
  row = parse_object (parser, result->out);
  g_assert_cmpstr (json_object_get_string_member (row, "state"), ==, "crashed");
  g_assert_cmpint (json_object_get_int_member (row, "exit-status"), ==, -1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (row, "pids")), ==, 0);
  g_assert_nonnull (strstr (result->err, "exited while no manager watched it"));
  result_free (result);

  result = vmmctl (f, "status", "acrn6", "-s", f->store, NULL);
  g_assert_cmpint (result->status, ==, 0);
  g_assert_nonnull (strstr (result->out, "State:    crashed ("));
  result_free (result);

  result = vmmctl (f, "stop", "acrn6", "-s", f->store, NULL);
  g_assert_cmpint (result->status, ==, 0);
  g_assert_cmpstr (result->out, ==, "Cleaned up VM 'acrn6' (it had crashed)\n");
  result_free (result);
  g_assert_false (g_file_test (records, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (vm_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  assert_acrn_store_clean (f->store);

  result = vmmctl (f, "status", "acrn6", "-s", f->store, NULL);
  assert_error (result, 5, "no VM 'acrn6'", NULL);
  result_free (result);
}
#endif

/* ------------------------------------------------------------------------ */
/* run                                                                      */

static void
test_run_stop_after (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *config = write_config (f, "r1", "");
  g_autoptr(Result) result = vmmctl (f, "run", "--stop-after", "0.1", config, NULL);
  g_autofree char *states = NULL;

  g_assert_cmpint (result->status, ==, 0);
  states = transitions (result->out);
  g_assert_cmpstr (states, ==, FULL_LIFE);
  g_assert_cmpstr (result->err, ==, "vmmctl: stopping VM 'r1' (--stop-after 0.1)\n");
  assert_dir_empty (f->store);
}

static void
test_run_json (Fixture       *f,
               gconstpointer  data)
{
  static const char * const expected[][2] = {
    { "not-created", "created" }, { "created", "starting" }, { "starting", "running" },
    { "running", "stopping" }, { "stopping", "stopped" }, { "stopped", "not-created" },
  };
  g_autofree char *config = write_config (f, "r2", "");
  g_autoptr(Result) result = vmmctl (f, "run", "--json", "--stop-after", "0", config, NULL);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (result->status, ==, 0);
  lines = g_strsplit (result->out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (expected) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *object;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpstr (json_object_get_string_member (object, "old"), ==, expected[i][0]);
      g_assert_cmpstr (json_object_get_string_member (object, "new"), ==, expected[i][1]);
      g_assert_nonnull (json_object_get_string_member (object, "time"));
    }
}

/* --plugin, else the config's "hypervisor", else the default. */
static void
test_run_plugin_choice (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *named = write_config (f, "named", ", \"hypervisor\": \"frob\"");
  g_autofree char *plain = write_config (f, "plain", "");
  Result *result;

  /* --plugin wins over the key */
  result = vmmctl (f, "run", "--plugin", "stub", "--stop-after", "0", named, NULL);
  g_assert_cmpint (result->status, ==, 0);
  result_free (result);

  /* the key names a plugin that is not installed */
  result = vmmctl (f, "run", "--stop-after", "0", named, NULL);
  assert_error (result, 5, "plugin 'frob'", named, "not installed", "available: stub", NULL);
  g_assert_cmpstr (result->out, ==, "");
  result_free (result);

  /* no key: the default plugin (the only one whose probe passes) */
  result = vmmctl (f, "run", "--stop-after", "0", plain, NULL);
  g_assert_cmpint (result->status, ==, 0);
  result_free (result);

  /* ... unless VMM_HYPERVISOR names another one */
  set_env (f, "VMM_HYPERVISOR", "frob");
  result = vmmctl (f, "run", "--stop-after", "0", plain, NULL);
  assert_error (result, 5, "VMM_HYPERVISOR", "frob", NULL);
  result_free (result);

  /* a --plugin that is not installed */
  result = vmmctl (f, "run", "--plugin", "frob", plain, NULL);
  assert_error (result, 5, "plugin 'frob' is not installed", NULL);
  result_free (result);

  assert_dir_empty (f->store);
}

static void
test_run_bad_files (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->tmp, "missing.json", NULL);
  g_autofree char *invalid = write_file (f, "invalid.json", "{\"id\": \"a/b\"}");
  Result *result;

  result = vmmctl (f, "run", missing, NULL);
  assert_error (result, 4, missing, "No such file", NULL);
  result_free (result);

  result = vmmctl (f, "run", f->store, NULL);
  assert_error (result, 4, f->store, "cannot read", NULL);
  result_free (result);

  result = vmmctl (f, "run", invalid, NULL);
  assert_error (result, 4, invalid, "'id'", NULL);
  result_free (result);

  assert_dir_empty (f->store);
}

static void
test_run_sigterm (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *config = write_config (f, "sig", "");
  const char *args[] = { "run", config, NULL };
  Background *bg = background_run (f, args);
  g_autoptr(Result) result = NULL;
  g_autofree char *states = NULL;

  background_wait_for (bg, " -> running");
  g_subprocess_send_signal (bg->process, SIGTERM);
  result = background_finish (bg);

  g_assert_cmpint (result->status, ==, 0);
  states = transitions (result->out);
  g_assert_cmpstr (states, ==, FULL_LIFE);
  g_assert_cmpstr (result->err, ==, "vmmctl: SIGTERM: stopping VM 'sig' (again to force)\n");
  assert_dir_empty (f->store);
}

static void
test_run_sigint_while_starting (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *config = write_config (f, "slow", "");
  const char *args[] = { "run", "-P", "start-delay-ms=600000", config, NULL };
  Background *bg = background_run (f, args);
  g_autoptr(Result) result = NULL;
  g_autofree char *states = NULL;

  background_wait_for (bg, " -> starting");
  g_subprocess_send_signal (bg->process, SIGINT);
  result = background_finish (bg);

  /* The start is cancelled: back to created, then cleaned up. */
  g_assert_cmpint (result->status, ==, 0);
  states = transitions (result->out);
  g_assert_cmpstr (states, ==, "created starting created not-created");
  g_assert_nonnull (strstr (result->err, "SIGINT: cancelling the start of VM 'slow'"));
  assert_dir_empty (f->store);
}

static void
test_run_crash (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *config = write_config (f, "boom", "");
  g_autoptr(Result) result = NULL;
  g_autoptr(Result) json = NULL;
  g_autofree char *states = NULL;
  g_auto(GStrv) lines = NULL;

  use_plugins (f, SCRIPTED_PLUGIN_DIR);
  set_env (f, "VMMCTL_TEST_CRASH", "0:11");   /* killed by SIGSEGV */

  result = vmmctl (f, "run", "--plugin", "scripted", "--stop-after", "600", config, NULL);
  g_assert_cmpint (result->status, ==, 3);
  states = transitions (result->out);
  g_assert_cmpstr (states, ==, "created starting running crashed not-created");
  assert_error (result, 3, "VM 'boom' crashed", "killed by signal 11", NULL);

  json = vmmctl (f, "run", "--plugin", "scripted", "--json", config, NULL);
  g_assert_cmpint (json->status, ==, 3);
  lines = g_strsplit (json->out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  for (guint i = 0; i + 1 < 6; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *object;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      object = json_node_get_object (json_parser_get_root (parser));
      if (i == 3)
        {
          g_assert_cmpstr (json_object_get_string_member (object, "old"), ==, "running");
          g_assert_cmpstr (json_object_get_string_member (object, "new"), ==, "crashed");
          g_assert_cmpint (json_object_get_int_member (object, "exit-status"), ==, 11);
        }
      else
        g_assert_false (json_object_has_member (object, "exit-status"));
    }

  assert_dir_empty (f->store);
}

static void
test_run_crash_exit_code (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *config = write_config (f, "boom2", "");
  g_autoptr(Result) result = NULL;

  use_plugins (f, SCRIPTED_PLUGIN_DIR);
  set_env (f, "VMMCTL_TEST_CRASH", "0:512");  /* exit(2) */

  result = vmmctl (f, "run", "--plugin", "scripted", config, NULL);
  assert_error (result, 3, "VM 'boom2' crashed", "exited with status 2", NULL);
}

static void
test_run_start_fails (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *config = write_config (f, "nostart", "");
  g_autoptr(Result) result = NULL;
  g_autofree char *states = NULL;

  use_plugins (f, SCRIPTED_PLUGIN_DIR);
  set_env (f, "VMMCTL_TEST_FAIL", "created:start_vm:spawn-failed:no hypervisor today");

  result = vmmctl (f, "run", "--plugin", "scripted", "--stop-after", "0", config, NULL);
  assert_error (result, 1, "cannot start VM 'nostart'", "no hypervisor today", NULL);
  states = transitions (result->out);
  g_assert_true (g_str_has_prefix (states, "created starting "));
  g_assert_true (g_str_has_suffix (states, " not-created"));
  assert_dir_empty (f->store);
}

static void
test_run_create_fails (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *config = write_config (f, "nocreate", "");
  g_autoptr(Result) result = NULL;

  use_plugins (f, SCRIPTED_PLUGIN_DIR);
  set_env (f, "VMMCTL_TEST_FAIL", "create:create_vm:no-resources:no CPU left");

  result = vmmctl (f, "run", "--plugin", "scripted", config, NULL);
  assert_error (result, 1, "cannot create VM 'nocreate'", "no CPU left", NULL);
  g_assert_cmpstr (result->out, ==, "");
  assert_dir_empty (f->store);
}

/* ------------------------------------------------------------------------ */
/* start, list, status, hotplug, stop                                       */

static void
test_detached_life_cycle (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *config = write_config (f, "d1", "");
  g_autofree char *disk = write_file (f, "disk.img", "");
  g_autofree char *record = g_build_filename (f->store, ".vmmctl", "d1.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonArray *slots;
  Result *result;

  result = vmmctl (f, "start", config, NULL);
  assert_success (result);
  g_assert_cmpstr (result->out, ==, "Started VM 'd1' with plugin 'stub' (running)\n");
  result_free (result);
  g_assert_true (g_file_test (record, G_FILE_TEST_IS_REGULAR));

  /* Each of these is a new process that re-attaches through the record. */
  result = vmmctl (f, "list", "--store-dir", f->store, NULL);
  assert_success (result);
  g_assert_true (g_str_has_prefix (result->out, "ID  PLUGIN  STATE    STARTED\nd1  stub    running  "));
  result_free (result);

  result = vmmctl (f, "status", "d1", "--store-dir", f->store, NULL);
  assert_success (result);
  g_assert_true (g_str_has_prefix (result->out, "VM:       d1\nPlugin:   stub\nState:    running\n"));
  g_assert_nonnull (strstr (result->out, "\nMemory:   256 MiB\n"));
  result_free (result);

  result = vmmctl (f, "hotplug", "d1", "disk", disk, "--read-only", "--config", config, NULL);
  assert_success (result);
  result_free (result);

  /* The hot-plugged disk is in the record: a later process sees it. */
  result = vmmctl (f, "status", "d1", "--json", "-s", f->store, NULL);
  assert_success (result);
  object = parse_object (parser, result->out);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "running");
  g_assert_cmpstr (json_object_get_string_member (object, "plugin"), ==, "stub");
  g_assert_cmpstr (json_object_get_string_member (object, "config-file"), ==, config);
  g_assert_cmpstr (json_object_get_string_member (object, "record"), ==, record);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "pids")), ==, 1);
  slots = json_object_get_array_member (json_object_get_object_member (object, "properties"),
                                        "block-slots");
  g_assert_cmpuint (json_array_get_length (slots), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (slots, 0), ==, disk);
  g_assert_cmpstr (json_array_get_string_element (slots, 1), ==, "");
  result_free (result);

  result = vmmctl (f, "stop", "d1", "--store-dir", f->store, NULL);
  assert_success (result);
  g_assert_cmpstr (result->out, ==, "Stopped VM 'd1'\n");
  result_free (result);

  /* Nothing is left: no record, no records directory. */
  assert_dir_empty (f->store);

  result = vmmctl (f, "list", "--store-dir", f->store, "--json", NULL);
  assert_success (result);
  g_assert_cmpstr (result->out, ==, "[]\n");
  result_free (result);
}

static void
test_detached_second_start (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *config = write_config (f, "twice", "");
  g_autofree char *record = g_build_filename (f->store, ".vmmctl", "twice.json", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  Result *result;

  result = vmmctl (f, "start", config, NULL);
  assert_success (result);
  result_free (result);
  g_assert_true (g_file_get_contents (record, &before, NULL, NULL));

  result = vmmctl (f, "start", config, NULL);
  assert_error (result, 6, "VM 'twice' is already started", record, NULL);
  g_assert_cmpstr (result->out, ==, "");
  result_free (result);

  /* The first one is untouched. */
  g_assert_true (g_file_get_contents (record, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);

  result = vmmctl (f, "stop", "twice", "-s", f->store, NULL);
  assert_success (result);
  result_free (result);
  assert_dir_empty (f->store);
}

static void
test_detached_unknown_id (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *disk = write_file (f, "disk.img", "");
  g_autofree char *nowhere = g_build_filename (f->tmp, "nowhere", NULL);
  Result *result;

  result = vmmctl (f, "status", "ghost", "--store-dir", f->store, NULL);
  assert_error (result, 5, "no VM 'ghost'", f->store, NULL);
  result_free (result);

  result = vmmctl (f, "stop", "ghost", "--store-dir", f->store, NULL);
  assert_error (result, 5, "no VM 'ghost'", NULL);
  result_free (result);

  result = vmmctl (f, "hotplug", "ghost", "disk", disk, "--store-dir", f->store, NULL);
  assert_error (result, 5, "no VM 'ghost'", NULL);
  result_free (result);

  /* A store dir that does not exist is not created. */
  result = vmmctl (f, "stop", "ghost", "--store-dir", nowhere, NULL);
  assert_error (result, 5, "no VM 'ghost'", NULL);
  result_free (result);
  g_assert_false (g_file_test (nowhere, G_FILE_TEST_EXISTS));

  result = vmmctl (f, "list", "--store-dir", nowhere, NULL);
  assert_success (result);
  {
    g_autofree char *expected = g_strdup_printf ("No VMs recorded in %s\n", nowhere);

    g_assert_cmpstr (result->out, ==, expected);
  }
  result_free (result);
  g_assert_false (g_file_test (nowhere, G_FILE_TEST_EXISTS));

  assert_dir_empty (f->store);
}

static void
test_detached_start_bad_input (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *other = write_config (f, "other", ", \"hypervisor\": \"frob\"");
  g_autofree char *config = write_config (f, "b", "");
  g_autofree char *missing = g_build_filename (f->tmp, "missing.json", NULL);
  Result *result;

  result = vmmctl (f, "start", other, NULL);
  assert_error (result, 5, "plugin 'frob'", "not installed", NULL);
  result_free (result);

  result = vmmctl (f, "start", missing, NULL);
  assert_error (result, 4, missing, NULL);
  result_free (result);

  result = vmmctl (f, "start", f->tmp, NULL);
  assert_error (result, 4, f->tmp, "cannot read", NULL);
  result_free (result);

  /* A backend that cannot re-attach cannot be left running. */
  result = vmmctl (f, "start", "-P", "capabilities=block-device|pause", config, NULL);
  assert_error (result, 1, "plugin 'stub' cannot re-attach", "vmmctl run", NULL);
  result_free (result);

  assert_dir_empty (f->store);
}

/* The commands that take an id read the store dir from --config: a
 * missing or unreadable file is a configuration error naming it. */
static void
test_detached_bad_config (Fixture       *f,
                          gconstpointer  data)
{
  static const char * const commands[][4] = {
    { "list", NULL }, { "status", "x", NULL }, { "stop", "x", NULL },
    { "hotplug", "x", "disk", NULL },
  };
  g_autofree char *disk = write_file (f, "disk.img", "");
  g_autofree char *missing = g_build_filename (f->tmp, "missing.json", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const char *bad[] = { missing, f->store };

      for (guint j = 0; j < G_N_ELEMENTS (bad); j++)
        {
          g_autoptr(GPtrArray) args = g_ptr_array_new ();
          g_autoptr(Result) result = NULL;

          for (guint k = 0; commands[i][k] != NULL; k++)
            g_ptr_array_add (args, (gpointer) commands[i][k]);
          if (strcmp (commands[i][0], "hotplug") == 0)
            g_ptr_array_add (args, disk);
          g_ptr_array_add (args, "--config");
          g_ptr_array_add (args, (gpointer) bad[j]);
          g_ptr_array_add (args, NULL);

          result = vmmctl_argv (f, (const char * const *) args->pdata);
          if (j == 0)
            assert_error (result, 4, missing, "No such file", NULL);
          else
            assert_error (result, 4, f->store, "cannot read", NULL);
          g_assert_cmpstr (result->out, ==, "");
        }
    }

  /* and cmdline, like run and start, refuses a directory */
  {
    g_autoptr(Result) result = vmmctl (f, "cmdline", f->store, NULL);

    assert_error (result, 4, f->store, "cannot read", NULL);
  }

  assert_dir_empty (f->store);
}

/* The plugin that started a VM is no longer installed: the commands that
 * re-attach say so and change nothing; once it is back, all is well. */
static void
test_detached_plugin_gone (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *config = write_config (f, "orphan", "");
  g_autofree char *disk = write_file (f, "disk.img", "");
  g_autofree char *record = g_build_filename (f->store, ".vmmctl", "orphan.json", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *row;
  Result *result;

  result = vmmctl (f, "start", config, NULL);
  assert_success (result);
  result_free (result);
  g_assert_true (g_file_get_contents (record, &before, NULL, NULL));

  use_plugins (f, TEST_PLUGINS_GOOD_DIR);

  result = vmmctl (f, "status", "orphan", "-s", f->store, NULL);
  assert_error (result, 5, "plugin 'stub' (recorded for VM 'orphan') is not installed", NULL);
  result_free (result);

  result = vmmctl (f, "stop", "orphan", "-s", f->store, NULL);
  assert_error (result, 5, "plugin 'stub' (recorded for VM 'orphan') is not installed", NULL);
  result_free (result);

  result = vmmctl (f, "hotplug", "orphan", "disk", disk, "-s", f->store, NULL);
  assert_error (result, 5, "plugin 'stub' (recorded for VM 'orphan') is not installed", NULL);
  result_free (result);

  result = vmmctl (f, "list", "-s", f->store, "--json", NULL);
  assert_success (result);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), ==, 1);
  row = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, "orphan");
  g_assert_cmpstr (json_object_get_string_member (row, "state"), ==, "unknown");
  g_assert_cmpstr (json_object_get_string_member (row, "error"), ==, "plugin 'stub' is not installed");
  result_free (result);

  /* none of it touched the record */
  g_assert_true (g_file_get_contents (record, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);

  use_plugins (f, STUB_PLUGIN_DIR);
  result = vmmctl (f, "stop", "orphan", "-s", f->store, NULL);
  assert_success (result);
  result_free (result);
  assert_dir_empty (f->store);
}

/* Every id the library accepts (up to 128 characters) can be started,
 * listed, looked at and stopped; a longer one is refused as an id. */
static void
test_detached_long_id (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *id = g_strnfill (128, 'v');
  g_autofree char *too_long = g_strnfill (129, 'v');
  g_autofree char *config = write_config (f, id, "");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *rows;
  Result *result;

  result = vmmctl (f, "start", config, NULL);
  assert_success (result);
  result_free (result);

  result = vmmctl (f, "list", "-s", f->store, "--json", NULL);
  assert_success (result);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "state"), ==, "running");
  result_free (result);

  result = vmmctl (f, "status", id, "-s", f->store, NULL);
  assert_success (result);
  result_free (result);

  result = vmmctl (f, "status", too_long, "-s", f->store, NULL);
  assert_error (result, 2, "is not a valid VM id", NULL);
  result_free (result);

  result = vmmctl (f, "stop", id, "-s", f->store, NULL);
  assert_success (result);
  result_free (result);
  assert_dir_empty (f->store);
}

/* A start that fails after the record was reserved and the store dir
 * created leaves nothing behind, not even the directories. */
static void
test_detached_start_fails (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *config = write_config (f, "sf", "");
  g_autofree char *parent = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *store = g_build_filename (parent, "store", NULL);
  Result *result;

  use_plugins (f, SCRIPTED_PLUGIN_DIR);

  set_env (f, "VMMCTL_TEST_FAIL", "create:create_vm:no-resources:no CPU left");
  result = vmmctl (f, "start", "--plugin", "scripted", "--store-dir", store, config, NULL);
  assert_error (result, 1, "cannot create VM 'sf'", "no CPU left", NULL);
  result_free (result);
  g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));

  g_ptr_array_set_size (f->env, 0);
  set_env (f, "VMMCTL_TEST_FAIL", "created:start_vm:spawn-failed:cannot run it");
  result = vmmctl (f, "start", "--plugin", "scripted", "--store-dir", store, config, NULL);
  assert_error (result, 1, "cannot start VM 'sf'", "cannot run it", NULL);
  result_free (result);
  g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));

  /* save_state fails once the VM runs: it is stopped and cleaned up again */
  g_ptr_array_set_size (f->env, 0);
  set_env (f, "VMMCTL_TEST_FAIL", "running:save_state:io:disk full");
  result = vmmctl (f, "start", "--plugin", "scripted", "--store-dir", store, config, NULL);
  assert_error (result, 1, "cannot save the state of VM 'sf'", "disk full", NULL);
  result_free (result);
  g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));

  assert_dir_empty (f->store);
}

static void
test_detached_store_dir_from_config (Fixture       *f,
                                     gconstpointer  data)
{
  g_autofree char *config = write_config (f, "cfg", "");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  JsonObject *row;
  Result *result;

  result = vmmctl (f, "start", "--json", config, NULL);
  assert_success (result);
  row = parse_object (parser, result->out);
  g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, "cfg");
  g_assert_cmpstr (json_object_get_string_member (row, "state"), ==, "running");
  result_free (result);

  result = vmmctl (f, "list", "--config", config, "--json", NULL);
  assert_success (result);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  row = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, "cfg");
  g_assert_cmpstr (json_object_get_string_member (row, "plugin"), ==, "stub");
  g_assert_cmpstr (json_object_get_string_member (row, "state"), ==, "running");
  g_assert_true (json_object_get_null_member (row, "error"));
  result_free (result);

  result = vmmctl (f, "stop", "cfg", "-c", config, NULL);
  assert_success (result);
  result_free (result);
  assert_dir_empty (f->store);
}

static void
test_detached_properties_kept (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *config = write_config (f, "props", "");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  Result *result;

  result = vmmctl (f, "start", "-P", "start-delay-ms=5", config, NULL);
  assert_success (result);
  result_free (result);

  /* The re-attached object gets the --property values of the start. */
  result = vmmctl (f, "status", "props", "-s", f->store, "--json", NULL);
  assert_success (result);
  object = parse_object (parser, result->out);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "properties"),
                                               "start-delay-ms"), ==, 5);
  result_free (result);

  result = vmmctl (f, "stop", "props", "-s", f->store, NULL);
  assert_success (result);
  result_free (result);
  assert_dir_empty (f->store);
}

static void
test_detached_hotplug_errors (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *config = write_config (f, "hp", "");
  g_autofree char *disk1 = write_file (f, "1.img", "");
  g_autofree char *disk2 = write_file (f, "2.img", "");
  g_autofree char *disk3 = write_file (f, "3.img", "");
  g_autofree char *missing = g_build_filename (f->tmp, "missing.img", NULL);
  g_autofree char *record = g_build_filename (f->store, ".vmmctl", "hp.json", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  Result *result;

  result = vmmctl (f, "start", config, NULL);
  assert_success (result);
  result_free (result);

  result = vmmctl (f, "hotplug", "hp", "disk", missing, "-s", f->store, NULL);
  assert_error (result, 5, missing, "no such disk image", NULL);
  result_free (result);

  /* the pool has two slots */
  result = vmmctl (f, "hotplug", "hp", "disk", disk1, "-s", f->store, NULL);
  assert_success (result);
  result_free (result);
  result = vmmctl (f, "hotplug", "hp", "disk", disk2, "-s", f->store, NULL);
  assert_success (result);
  result_free (result);

  g_assert_true (g_file_get_contents (record, &before, NULL, NULL));
  result = vmmctl (f, "hotplug", "hp", "disk", disk3, "-s", f->store, NULL);
  assert_error (result, 1, "cannot plug", disk3, NULL);
  result_free (result);
  g_assert_true (g_file_get_contents (record, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);

  /* the same disk twice */
  result = vmmctl (f, "hotplug", "hp", "disk", disk1, "-s", f->store, NULL);
  g_assert_cmpint (result->status, ==, 1);
  result_free (result);

  result = vmmctl (f, "stop", "hp", "-s", f->store, NULL);
  assert_success (result);
  result_free (result);
  assert_dir_empty (f->store);
}

/* What a `vmmctl start` that was killed half-way leaves: a reservation
 * without a state, whose owner is gone. */
static void
test_detached_incomplete_record (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *records = g_build_filename (f->store, ".vmmctl", NULL);
  g_autofree char *record = g_build_filename (records, "half.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  Result *result;
  int pid;

  /* the pid of a process that has exited (and been reaped) */
  {
    const char *argv[] = { "true", NULL };
    GPid child;
    int wait_status;

    g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                   NULL, NULL, &child, &error);
    g_assert_no_error (error);
    g_assert_cmpint (waitpid (child, &wait_status, 0), ==, child);
    pid = child;
  }

  g_assert_cmpint (g_mkdir (records, 0755), ==, 0);
  contents = g_strdup_printf ("{\"format\": 1, \"id\": \"half\", \"plugin\": \"stub\","
                              " \"properties\": [], \"config-file\": \"/x.json\","
                              " \"started\": \"2025-01-01T00:00:00Z\", \"owner-pid\": %d,"
                              " \"state\": null}", pid);
  g_file_set_contents (record, contents, -1, &error);
  g_assert_no_error (error);

  result = vmmctl (f, "list", "-s", f->store, NULL);
  assert_success (result);
  g_assert_nonnull (strstr (result->out, "\nhalf  stub    incomplete  2025-01-01T00:00:00Z\n"));
  result_free (result);

  result = vmmctl (f, "status", "half", "-s", f->store, NULL);
  assert_error (result, 1, "VM 'half' has an incomplete record", NULL);
  result_free (result);

  result = vmmctl (f, "stop", "half", "-s", f->store, NULL);
  assert_success (result);
  g_assert_cmpstr (result->out, ==, "Removed the incomplete record of VM 'half'\n");
  result_free (result);
  assert_dir_empty (f->store);
}

static void
test_detached_corrupt_record (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *records = g_build_filename (f->store, ".vmmctl", NULL);
  g_autofree char *record = g_build_filename (records, "bad.json", NULL);
  g_autoptr(GError) error = NULL;
  Result *result;

  g_assert_cmpint (g_mkdir (records, 0755), ==, 0);
  g_file_set_contents (record, "not json", -1, &error);
  g_assert_no_error (error);

  result = vmmctl (f, "status", "bad", "-s", f->store, NULL);
  assert_error (result, 1, record, "not a vmmctl record", NULL);
  result_free (result);

  result = vmmctl (f, "list", "-s", f->store, "--json", NULL);
  assert_success (result);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *row;

    json_parser_load_from_data (parser, result->out, -1, &error);
    g_assert_no_error (error);
    row = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
    g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, "bad");
    g_assert_cmpstr (json_object_get_string_member (row, "state"), ==, "unreadable");
    g_assert_nonnull (strstr (json_object_get_string_member (row, "error"), "not a vmmctl record"));
  }
  result_free (result);
}

/* ------------------------------------------------------------------------ */
/* examples                                                                 */

static void
test_examples_validate (Fixture       *f,
                        gconstpointer  data)
{
  static const char * const examples[] = { "stub.json", "acrn.json" };

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autofree char *path = g_build_filename (EXAMPLES_DIR, examples[i], NULL);
      g_autoptr(Result) result = vmmctl (f, "validate", path, NULL);

      assert_success (result);
    }
}

/* What scripts/quickstart.sh runs, with a shorter --stop-after. */
static void
test_examples_stub_json (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *path = g_build_filename (EXAMPLES_DIR, "stub.json", NULL);
  g_autoptr(Result) result = vmmctl (f, "run", "--plugin", "stub", "--stop-after", "0.2", path, NULL);
  g_autofree char *states = NULL;

  g_assert_cmpint (result->status, ==, 0);
  states = transitions (result->out);
  g_assert_cmpstr (states, ==, FULL_LIFE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/vmmctl/usage/help", test_usage_help);
  ADD ("/vmmctl/usage/version", test_usage_version);
  ADD ("/vmmctl/usage/man-page", test_usage_man_page);
  ADD ("/vmmctl/usage/errors", test_usage_errors);
  ADD ("/vmmctl/plugins/stub", test_plugins_stub);
  ADD ("/vmmctl/plugins/json", test_plugins_json);
  ADD ("/vmmctl/plugins/broken", test_plugins_broken);
  ADD ("/vmmctl/plugins/missing-plugin-hint", test_plugins_missing_plugin_hint);
  ADD ("/vmmctl/validate/files", test_validate);
  ADD ("/vmmctl/validate/unreadable", test_validate_unreadable);
  ADD ("/vmmctl/validate/json", test_validate_json);
  ADD ("/vmmctl/cmdline/not-supported", test_cmdline_not_supported);
  ADD ("/vmmctl/cmdline/bad-input", test_cmdline_bad_input);
#ifdef ACRN_PLUGIN_DIR
  ADD ("/vmmctl/cmdline/acrn", test_cmdline_acrn);
  ADD ("/vmmctl/run/acrn-crash", test_run_acrn_crash);
  ADD ("/vmmctl/run/acrn-second-signal-forces", test_run_acrn_second_signal_forces);
  ADD ("/vmmctl/run/acrn-power-off", test_run_acrn_power_off);
  ADD ("/vmmctl/examples/acrn-json-cmdline", test_examples_acrn_json);
  ADD ("/vmmctl/detached/acrn", test_detached_acrn);
  ADD ("/vmmctl/detached/acrn-gone", test_detached_acrn_gone);
#endif
  ADD ("/vmmctl/run/stop-after", test_run_stop_after);
  ADD ("/vmmctl/run/json", test_run_json);
  ADD ("/vmmctl/run/plugin-choice", test_run_plugin_choice);
  ADD ("/vmmctl/run/bad-files", test_run_bad_files);
  ADD ("/vmmctl/run/sigterm", test_run_sigterm);
  ADD ("/vmmctl/run/sigint-while-starting", test_run_sigint_while_starting);
  ADD ("/vmmctl/run/crash", test_run_crash);
  ADD ("/vmmctl/run/crash-exit-code", test_run_crash_exit_code);
  ADD ("/vmmctl/run/start-fails", test_run_start_fails);
  ADD ("/vmmctl/run/create-fails", test_run_create_fails);
  ADD ("/vmmctl/detached/life-cycle", test_detached_life_cycle);
  ADD ("/vmmctl/detached/second-start", test_detached_second_start);
  ADD ("/vmmctl/detached/unknown-id", test_detached_unknown_id);
  ADD ("/vmmctl/detached/start-bad-input", test_detached_start_bad_input);
  ADD ("/vmmctl/detached/bad-config", test_detached_bad_config);
  ADD ("/vmmctl/detached/plugin-gone", test_detached_plugin_gone);
  ADD ("/vmmctl/detached/long-id", test_detached_long_id);
  ADD ("/vmmctl/detached/start-fails", test_detached_start_fails);
  ADD ("/vmmctl/detached/store-dir-from-config", test_detached_store_dir_from_config);
  ADD ("/vmmctl/detached/properties-kept", test_detached_properties_kept);
  ADD ("/vmmctl/detached/hotplug-errors", test_detached_hotplug_errors);
  ADD ("/vmmctl/detached/incomplete-record", test_detached_incomplete_record);
  ADD ("/vmmctl/detached/corrupt-record", test_detached_corrupt_record);
  ADD ("/vmmctl/examples/validate", test_examples_validate);
  ADD ("/vmmctl/examples/stub-json", test_examples_stub_json);

#undef ADD

  return g_test_run ();
}
