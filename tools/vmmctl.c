/* vmmctl.c: command-line front end of libvmm (main, option parsing,
 * reporting)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <glib-unix.h>

#include "vmmctl.h"

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} VmmctlCommand;

static const VmmctlCommand commands[] = {
  { "plugins",  vmmctl_cmd_plugins,  "List the plugins, their priority and whether this host can run them" },
  { "validate", vmmctl_cmd_validate, "Check a JSON configuration file" },
  { "cmdline",  vmmctl_cmd_cmdline,  "Print the hypervisor command line of a configuration" },
  { "run",      vmmctl_cmd_run,      "Run a VM in the foreground, printing its state changes" },
  { "start",    vmmctl_cmd_start,    "Start a VM in the background and record it" },
  { "list",     vmmctl_cmd_list,     "List the VMs started by vmmctl start" },
  { "status",   vmmctl_cmd_status,   "Show the state of a started VM" },
  { "stop",     vmmctl_cmd_stop,     "Stop a started VM and forget it" },
  { "hotplug",  vmmctl_cmd_hotplug,  "Plug a disk into a started VM" },
};

static gboolean verbose_logging;
static gboolean quiet_warnings;

/* ------------------------------------------------------------------------ */
/* Reporting                                                                */

/* Prints "vmmctl: TEXT" with continuation lines indented. */
static void
print_prefixed (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean first = TRUE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0' && lines[i + 1] == NULL && !first)
        break;
      fprintf (stderr, "%s%s\n", first ? "vmmctl: " : "  ", lines[i]);
      first = FALSE;
    }
  fflush (stderr);
}

int
vmmctl_fail (int         status,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  print_prefixed (message);
  return status;
}

/* "vmmctl: PREFIX: error message" (or just the error message when @format
 * is NULL). */
int
vmmctl_fail_error (int           status,
                   const GError *error,
                   const char   *format,
                   ...)
{
  g_autofree char *prefix = NULL;
  g_autofree char *message = NULL;
  va_list args;

  if (format != NULL)
    {
      va_start (args, format);
      prefix = g_strdup_vprintf (format, args);
      va_end (args);
      message = g_strdup_printf ("%s: %s", prefix, error->message);
    }
  else
    {
      message = g_strdup (error->message);
    }

  print_prefixed (message);
  return status;
}

void
vmmctl_notice (const char *format,
               ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  print_prefixed (message);
}

int
vmmctl_usage_error (const char *command,
                    const char *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (command != NULL)
    fprintf (stderr, "vmmctl: %s: %s (see 'vmmctl %s --help')\n", command, message, command);
  else
    fprintf (stderr, "vmmctl: %s (see 'vmmctl --help')\n", message);
  fflush (stderr);

  return VMMCTL_EXIT_USAGE;
}

/* "HH:MM:SS.mmm", local time */
char *
vmmctl_timestamp (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *hms = g_date_time_format (now, "%H:%M:%S");

  return g_strdup_printf ("%s.%03d", hms, g_date_time_get_microsecond (now) / 1000);
}

char *
vmmctl_describe_wait_status (int wait_status)
{
  if (wait_status < 0)
    return g_strdup ("its exit status is unknown");
  if (WIFEXITED (wait_status))
    return g_strdup_printf ("the hypervisor exited with status %d", WEXITSTATUS (wait_status));
  if (WIFSIGNALED (wait_status))
    return g_strdup_printf ("the hypervisor was killed by signal %d (%s)%s",
                            WTERMSIG (wait_status), g_strsignal (WTERMSIG (wait_status)),
                            WCOREDUMP (wait_status) ? ", core dumped" : "");
  return g_strdup_printf ("wait status %d", wait_status);
}

void
vmmctl_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

/* Whether @id is a valid VmmHypervisorConfig:id (1 to 128 characters of
 * A-Z a-z 0-9 _ . - starting with a letter or a digit), by the library's
 * own rule, so that every VM `vmmctl start` accepts can be named later. An
 * id becomes a file name, so this is also what keeps "../x" out of the
 * store dir. */
gboolean
vmmctl_is_valid_id (const char *id)
{
  g_autoptr(VmmHypervisorConfig) config = vmm_hypervisor_config_new (id);

  return vmm_hypervisor_config_validate (config, NULL);
}

void
vmmctl_common_clear (VmmctlCommon *common)
{
  g_clear_pointer (&common->plugin, g_free);
  g_clear_pointer (&common->properties, g_strfreev);
  g_clear_pointer (&common->store_dir, g_free);
  g_clear_pointer (&common->config, g_free);
}

/* ------------------------------------------------------------------------ */
/* Logging                                                                  */

void
vmmctl_set_quiet_warnings (gboolean quiet)
{
  quiet_warnings = quiet;
}

void
vmmctl_set_verbose (gboolean verbose)
{
  verbose_logging = verbose;
  g_log_set_debug_enabled (verbose);
}

/* Without --verbose, only warnings and worse are shown, on one line each
 * ("vmmctl: warning: ..."); with it, everything, in GLib's usual format. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *message = NULL;
  const char *kind;

  if (verbose_logging)
    return g_log_writer_standard_streams (log_level, fields, n_fields, user_data);

  if ((log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return G_LOG_WRITER_HANDLED;

  if (quiet_warnings && (log_level & G_LOG_LEVEL_WARNING) != 0)
    return G_LOG_WRITER_HANDLED;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }

  if (log_level & G_LOG_LEVEL_ERROR)
    kind = "error";
  else if (log_level & G_LOG_LEVEL_CRITICAL)
    kind = "critical";
  else
    kind = "warning";

  fprintf (stderr, "vmmctl: %s: %s\n", kind, message != NULL ? message : "(no message)");
  fflush (stderr);

  return G_LOG_WRITER_HANDLED;
}

/* ------------------------------------------------------------------------ */
/* Interruption                                                             */

static GCancellable *interrupt_cancellable;
static guint interrupt_sources[2];

GCancellable *
vmmctl_interrupt_cancellable (void)
{
  if (interrupt_cancellable == NULL)
    interrupt_cancellable = g_cancellable_new ();

  return interrupt_cancellable;
}

static gboolean
on_interrupt (gpointer user_data)
{
  int signum = GPOINTER_TO_INT (user_data);

  vmmctl_notice ("interrupted by %s", signum == SIGINT ? "SIGINT" : "SIGTERM");
  g_cancellable_cancel (vmmctl_interrupt_cancellable ());

  return G_SOURCE_CONTINUE;
}

void
vmmctl_watch_interrupts (void)
{
  vmmctl_interrupt_cancellable ();
  if (interrupt_sources[0] == 0)
    {
      interrupt_sources[0] = g_unix_signal_add (SIGINT, on_interrupt, GINT_TO_POINTER (SIGINT));
      interrupt_sources[1] = g_unix_signal_add (SIGTERM, on_interrupt, GINT_TO_POINTER (SIGTERM));
    }
}

void
vmmctl_unwatch_interrupts (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (interrupt_sources); i++)
    g_clear_handle_id (&interrupt_sources[i], g_source_remove);
  g_clear_object (&interrupt_cancellable);
}

/* ------------------------------------------------------------------------ */
/* Option parsing                                                           */

gboolean
vmmctl_parse_options (const char    *command,
                      const char    *parameters,
                      const char    *summary,
                      const char    *description,
                      GOptionEntry  *entries,
                      int           *argc,
                      char        ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("vmmctl %s", command);

  /* The usage line of --help starts with the program name. */
  g_set_prgname (prgname);

  g_option_context_set_summary (context, summary);
  if (description != NULL)
    g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_set_prgname ("vmmctl");
      vmmctl_usage_error (command, "%s", error->message);
      return FALSE;
    }

  g_set_prgname ("vmmctl");
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* main                                                                     */

static char *
commands_description (void)
{
  g_autoptr(GString) text = g_string_new ("Commands:\n");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-10s %s\n", commands[i].name, commands[i].summary);

  g_string_append (text,
                   "\n"
                   "Run 'vmmctl COMMAND --help' for the options of a command, and see\n"
                   "vmmctl(1) for the exit statuses and the environment.\n");

  return g_string_free (g_steal_pointer (&text), FALSE);
}

int
main (int    argc,
      char **argv)
{
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Show debug messages of libvmm and its plugins", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  const char *name;
  int status;

  setlocale (LC_ALL, "");
  g_set_prgname ("vmmctl");
  g_log_set_writer_func (log_writer, NULL, NULL);

  description = commands_description ();
  context = g_option_context_new ("COMMAND [OPTION…] [ARGUMENT…]");
  g_option_context_set_summary (context, "Drive virtual machines through libvmm and its hypervisor plugins.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  /* Stop at the command: what follows belongs to its own options. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return vmmctl_usage_error (NULL, "%s", error->message);

  if (version)
    {
      printf ("vmmctl %s\n", PACKAGE_VERSION);
      return VMMCTL_EXIT_OK;
    }

  vmmctl_set_verbose (verbose);

  if (argc < 2)
    return vmmctl_usage_error (NULL, "no command given");

  name = argv[1];
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (commands[i].name, name) == 0)
        {
          status = commands[i].run (argc - 1, argv + 1);
          vmmctl_unwatch_interrupts ();
          return status;
        }
    }

  if (name[0] == '-')
    return vmmctl_usage_error (NULL, "unknown option %s", name);

  return vmmctl_usage_error (NULL, "unknown command '%s'", name);
}
