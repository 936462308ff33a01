/* acrn-registry.c: host-wide registry of CPU LAPIC ids and vsock CIDs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One registry per store directory, shared by every process that manages
 * ACRN VMs from that directory (it replaces the reference driver's racy
 * counter file).
 *
 * Files
 *   <store-dir>/acrn-registry.json   the state, always replaced atomically,
 *                                    mode 0600 (see registry_save())
 *   <store-dir>/acrn-registry.json.next
 *                                    the shadow: the next state is written
 *                                    there, then swapped in; never read
 *   <store-dir>/acrn-registry.lock   flock(LOCK_EX) on it guards every
 *                                    read-modify-write; its first 8 bytes
 *                                    count the writes (read_generation())
 *
 *   {
 *     "version" : 1,
 *     "entries" : [
 *       { "vm-id" : "vm1", "pid" : 4242, "start-time" : 912345,
 *         "cpus" : [ 0, 2 ], "cids" : [ 3 ] }
 *     ]
 *   }
 *
 * One entry per VM id. The owner (pid + start time, field 22 of
 * /proc/PID/stat) is first the managing process that allocates, then
 * acrn-dm once it runs (acrn_registry_set_owner_pid()), so that a VM
 * left running keeps its CPUs and CID after its manager exits.
 *
 * Every operation takes the lock, loads the file (or reuses what it read
 * last, see RegistryFile), applies its change, writes the file if anything
 * changed and releases the lock. Whoever reads the file takes the lock
 * too: the inode that was the registry before a write becomes the shadow
 * and is rewritten by the next write, so a reader that opened it without
 * the lock could see that write (whoever opens the path sees a complete
 * file at any time).
 *
 * An entry is stale when its owner is dead, a zombie, or its pid is now
 * used by another process (start time differs). Stale entries are dropped
 * (reclaimed) where they could change an answer, not on every operation
 * (that costs a /proc read per entry, i.e. O(n) per operation and O(n^2)
 * for n VMs): an allocation reclaims before it fails, before it shares a
 * CPU, and before it keeps CPUs that look shared; an operation on a VM
 * drops that VM's own stale entry first; listing and looking up report
 * live entries only. Entries owned by the calling process itself are live
 * without looking. So a CPU or CID is never refused, nor shared, because
 * of a dead owner, and a free CPU is preferred to one held by a dead
 * owner only when no other free CPU is left.
 *
 * The critical section is short and local, so the lock is a blocking
 * flock(). A process keeps the lock file open while it has registry
 * objects for it, and a mutex orders its threads (see RegistryFile), so
 * an async caller can run any operation in a GTask thread. Registry
 * objects are immutable after construction and thus usable from any
 * thread.
 *
 * A registry file that cannot be parsed or does not follow the format
 * above fails every operation with %VMM_ERROR_IO naming the file. It is
 * never overwritten or dropped: doing so would forget the CPUs and CIDs of
 * running VMs and hand them out twice. An administrator removes it once
 * no VM of that store directory runs. A missing file is an empty registry.
 *
 * A pid whose /proc entry is hidden from us (mount option hidepid) but
 * which still exists (kill (pid, 0) does not fail with ESRCH) is treated
 * as live: we never reclaim what we cannot prove is free.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libvmm/vmm-error.h>

#include "acrn-cpuinfo.h"
#include "acrn-registry.h"
#include "acrn-state.h"

#define REGISTRY_FORMAT_VERSION 1

#define registry_log(level, vm_id, ...) \
  g_log_structured (G_LOG_DOMAIN, level, "VMM_VM_ID", vm_id, \
                    "MESSAGE", __VA_ARGS__)

typedef struct _RegistryFile RegistryFile;

struct _AcrnRegistry
{
  GObject parent_instance;

  char *store_dir;
  char *path;
  char *lock_path;
  char *shadow_path;
  RegistryFile *file;   /* shared with every registry object of @path */
  GPid owner_pid;
  guint64 owner_start_time;
};

G_DEFINE_FINAL_TYPE (AcrnRegistry, acrn_registry, G_TYPE_OBJECT)

/* An owned file descriptor, closed when it goes out of scope. */
typedef int AcrnFd;

static void
acrn_fd_clear (AcrnFd *fd)
{
  if (*fd >= 0)
    {
      g_close (*fd, NULL);
      *fd = -1;
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AcrnFd, acrn_fd_clear)

/* ------------------------------------------------------------------ */
/* Process start time                                                 */

static gboolean
parse_u64 (const char *text,
           guint64     max,
           guint64    *out)
{
  if (text[0] == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

/* Reads the state (field 3) and start time (field 22) of a process.
 * The command name (field 2) is in parentheses and may itself contain
 * blanks and ')', so fields are counted from the LAST ')'. Called several
 * times per VM start: one read() into a buffer on the stack, no stdio, no
 * allocation. */
/**
 * acrn_proc_parse_stat:
 * @text: the text of a `/proc/PID/stat` file
 * @out_state: (out) (optional): its state character
 * @out_start_time: (out) (optional): its start time, in clock ticks
 *   since boot
 *
 * Returns: %TRUE if @text has the format of a stat line
 */
gboolean
acrn_proc_parse_stat (const char *text,
                      char       *out_state,
                      guint64    *out_start_time)
{
  const char *buf = text;
  char number[32];
  const char *paren;
  const char *p;
  gsize length;
  guint64 start_time = 0;
  char state;

  /* An embedded nul would only shorten what we look at and then fail the
   * checks below. */
  paren = strrchr (buf, ')');
  if (paren == NULL || paren[1] != ' ')
    return FALSE;

  /* Field 3, the state: one character. */
  p = paren + 2;
  if (p[0] == '\0' || p[0] == ' ' || p[1] != ' ')
    return FALSE;
  state = p[0];

  /* Field 22, the start time: 19 fields further. */
  for (guint field = 3; field < 22; field++)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        return FALSE;
      p++;
    }
  length = strcspn (p, " \n");
  if (length == 0 || length >= sizeof number)
    return FALSE;
  memcpy (number, p, length);
  number[length] = '\0';
  if (!parse_u64 (number, G_MAXUINT64, &start_time))
    return FALSE;

  if (out_state != NULL)
    *out_state = state;
  if (out_start_time != NULL)
    *out_start_time = start_time;
  return TRUE;
}

static gboolean
proc_read_stat (GPid      pid,
                char     *out_state,
                guint64  *out_start_time,
                GError  **error)
{
  char path[64];
  char buf[4096];
  gsize length = 0;
  int saved_errno = ESRCH;  /* for an empty read: the process is gone */
  int fd;

  if (pid <= 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "Invalid process id %d", (int) pid);
      return FALSE;
    }

  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      saved_errno = errno;
      goto unreadable;
    }
  while (length < sizeof buf - 1)
    {
      gssize n = read (fd, buf + length, sizeof buf - 1 - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          length = 0;
          break;
        }
      if (n == 0)
        break;
      length += (gsize) n;
    }
  close (fd);
  if (length == 0)
    goto unreadable;
  buf[length] = '\0';

  if (!acrn_proc_parse_stat (buf, out_state, out_start_time))
    goto malformed;
  return TRUE;

malformed:
  g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
               "Cannot parse %s: unexpected format", path);
  return FALSE;

unreadable:
  /* A process that exits while we read gives ESRCH, not ENOENT. */
  if (saved_errno == ENOENT || saved_errno == ESRCH ||
      (kill (pid, 0) != 0 && errno == ESRCH))
    g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND,
                 "Process %d does not exist", (int) pid);
  else
    g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                 "Cannot read %s: %s", path, g_strerror (saved_errno));
  return FALSE;
}

/**
 * acrn_proc_get_start_time:
 * @pid: a process id
 * @out: (out): the process start time, in clock ticks after boot
 *   (field 22 of /proc/PID/stat)
 * @error: return location for a #GError
 *
 * Reads a process's start time. Together with the pid it names a process
 * unambiguously: a reused pid has another start time.
 *
 * Returns: %TRUE, or %FALSE with %VMM_ERROR_NOT_FOUND when there is no
 *   such process, %VMM_ERROR_INVALID_ARGUMENT for a pid <= 0, or
 *   %VMM_ERROR_IO naming the file when it cannot be read or parsed
 */
gboolean
acrn_proc_get_start_time (GPid      pid,
                          guint64  *out,
                          GError  **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return proc_read_stat (pid, NULL, out, error);
}

/**
 * acrn_proc_is_live:
 * @pid: a process id
 * @start_time: its expected start time (see acrn_proc_get_start_time())
 *
 * Whether the process @pid that started at @start_time still runs: it
 * exists, is not a zombie, and its start time is @start_time (so the pid
 * was not reused). A process that exists but whose /proc entry we may
 * not read counts as live, since we cannot prove otherwise.
 *
 * Returns: %TRUE if it runs
 */
gboolean
acrn_proc_is_live (GPid    pid,
                   guint64 start_time)
{
  g_autoptr(GError) error = NULL;
  guint64 actual = 0;
  char state = '?';

  if (pid <= 0)
    return FALSE;

  if (!proc_read_stat (pid, &state, &actual, &error))
    {
      /* Gone, or hidden from us (hidepid): kill(0) tells them apart. */
      if (kill (pid, 0) != 0 && errno == ESRCH)
        return FALSE;
      g_debug ("Cannot check process %d (%s); assuming it runs",
               (int) pid, error->message);
      return TRUE;
    }

  if (state == 'Z' || state == 'X' || state == 'x')
    return FALSE;

  return actual == start_time;
}

/* ------------------------------------------------------------------ */
/* Entries                                                            */

static AcrnRegistryEntry *
acrn_registry_entry_new (const char *vm_id,
                         GPid        pid,
                         guint64     start_time)
{
  AcrnRegistryEntry *entry = g_new0 (AcrnRegistryEntry, 1);

  entry->vm_id = g_strdup (vm_id);
  entry->pid = pid;
  entry->start_time = start_time;
  entry->cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  entry->cids = g_array_new (FALSE, FALSE, sizeof (guint32));
  return entry;
}

/**
 * acrn_registry_entry_copy:
 * @entry: an entry
 *
 * Returns: (transfer full): a deep copy of @entry
 */
AcrnRegistryEntry *
acrn_registry_entry_copy (const AcrnRegistryEntry *entry)
{
  AcrnRegistryEntry *copy;

  g_return_val_if_fail (entry != NULL, NULL);

  copy = acrn_registry_entry_new (entry->vm_id, entry->pid, entry->start_time);
  g_array_append_vals (copy->cpus, entry->cpus->data, entry->cpus->len);
  g_array_append_vals (copy->cids, entry->cids->data, entry->cids->len);
  return copy;
}

/**
 * acrn_registry_entry_free:
 * @entry: (nullable): an entry
 *
 * Frees @entry and what it holds.
 */
void
acrn_registry_entry_free (AcrnRegistryEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->vm_id);
  g_array_unref (entry->cpus);
  g_array_unref (entry->cids);
  g_free (entry);
}

G_DEFINE_BOXED_TYPE (AcrnRegistryEntry, acrn_registry_entry,
                     acrn_registry_entry_copy, acrn_registry_entry_free)

static int
compare_guint32 (gconstpointer a,
                 gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

static gboolean
array_contains (GArray  *ids,
                guint32  id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint32, i) == id)
      return TRUE;
  return FALSE;
}

static char *
format_ids (GArray *ids)
{
  return acrn_cpu_list_format ((const guint32 *) (gpointer) ids->data, ids->len);
}

static AcrnRegistryEntry *
find_entry (GPtrArray  *entries,
            const char *vm_id)
{
  for (guint i = 0; i < entries->len; i++)
    {
      AcrnRegistryEntry *entry = g_ptr_array_index (entries, i);

      if (strcmp (entry->vm_id, vm_id) == 0)
        return entry;
    }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* File format                                                        */

static gboolean
read_int_member (JsonObject  *object,
                 const char  *name,
                 gint64       min,
                 gint64       max,
                 gint64      *out,
                 GString     *problem)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_string_printf (problem, "member '%s' is missing or not an integer", name);
      return FALSE;
    }
  *out = json_node_get_int (node);
  if (*out < min || *out > max)
    {
      g_string_printf (problem, "member '%s' is out of range (%" G_GINT64_FORMAT ")",
                       name, *out);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_id_array (JsonObject  *object,
               const char  *name,
               gint64       min,
               gint64       max,
               GArray      *out,
               GString     *problem)
{
  JsonNode *node = json_object_get_member (object, name);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_string_printf (problem, "member '%s' is missing or not an array", name);
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint64 value;
      guint32 id;

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_INT64 ||
          (value = json_node_get_int (element)) < min || value > max)
        {
          g_string_printf (problem, "'%s' holds an invalid id", name);
          return FALSE;
        }
      id = (guint32) value;
      if (array_contains (out, id))
        {
          g_string_printf (problem, "'%s' holds %" G_GUINT32_FORMAT " twice",
                           name, id);
          return FALSE;
        }
      g_array_append_val (out, id);
    }
  g_array_sort (out, compare_guint32);
  return TRUE;
}

/* Parses the registry file. On a format error, @problem says what is
 * wrong and %NULL is returned. */
static GPtrArray *
entries_from_json (const char *data,
                   gsize       length,
                   GString    *problem)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *entries_node;
  JsonArray *array;
  gint64 version = 0;

  if (!json_parser_load_from_data (parser, data, (gssize) length, &error))
    {
      g_string_printf (problem, "%s", error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_string_printf (problem, "the top level is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);

  if (!read_int_member (object, "version", 0, G_MAXINT, &version, problem))
    return NULL;
  if (version != REGISTRY_FORMAT_VERSION)
    {
      g_string_printf (problem, "unsupported version %" G_GINT64_FORMAT, version);
      return NULL;
    }

  entries_node = json_object_get_member (object, "entries");
  if (entries_node == NULL || !JSON_NODE_HOLDS_ARRAY (entries_node))
    {
      g_string_printf (problem, "member 'entries' is missing or not an array");
      return NULL;
    }
  array = json_node_get_array (entries_node);

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) acrn_registry_entry_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *e;
      JsonNode *member;
      const char *vm_id;
      gint64 pid = 0;
      gint64 start_time = 0;
      AcrnRegistryEntry *entry;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_string_printf (problem, "entry %u is not an object", i);
          return NULL;
        }
      e = json_node_get_object (node);
      member = json_object_get_member (e, "vm-id");
      vm_id = (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
               json_node_get_value_type (member) == G_TYPE_STRING)
              ? json_node_get_string (member) : NULL;
      if (vm_id == NULL || vm_id[0] == '\0')
        {
          g_string_printf (problem, "entry %u has no 'vm-id'", i);
          return NULL;
        }
      if (find_entry (entries, vm_id) != NULL)
        {
          g_string_printf (problem, "VM '%s' appears twice", vm_id);
          return NULL;
        }
      if (!read_int_member (e, "pid", 1, G_MAXINT, &pid, problem) ||
          !read_int_member (e, "start-time", 0, G_MAXINT64, &start_time, problem))
        {
          g_string_prepend (problem, "': ");
          g_string_prepend (problem, vm_id);
          g_string_prepend (problem, "entry '");
          return NULL;
        }

      entry = acrn_registry_entry_new (vm_id, (GPid) pid, (guint64) start_time);
      g_ptr_array_add (entries, entry);
      if (!read_id_array (e, "cpus", 0, G_MAXUINT32, entry->cpus, problem) ||
          !read_id_array (e, "cids", ACRN_VSOCK_CID_MIN, ACRN_VSOCK_CID_MAX,
                          entry->cids, problem))
        {
          g_string_prepend (problem, "': ");
          g_string_prepend (problem, vm_id);
          g_string_prepend (problem, "entry '");
          return NULL;
        }
    }

  return g_steal_pointer (&entries);
}

/* `"name" : [ ids ]` at depth 3, in json-glib's pretty layout. */
static void
append_id_array (GString    *out,
                 const char *name,
                 GArray     *ids)
{
  g_string_append_printf (out, "      \"%s\" : ", name);
  if (ids->len == 0)
    {
      g_string_append (out, "[]");
      return;
    }
  g_string_append (out, "[\n");
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (out, "        %" G_GUINT32_FORMAT "%s\n",
                            g_array_index (ids, guint32, i), i + 1 < ids->len ? "," : "");
  g_string_append (out, "      ]");
}

/* The file's text, put together directly (as the state file is): the
 * whole registry is written on every change, so this is O(n) per
 * operation, and json-glib's builder and generator cost ten times more. */
static char *
entries_to_json (GPtrArray *entries)
{
  GString *out = g_string_sized_new (64 + 160 * entries->len);

  g_string_append_printf (out, "{\n  \"version\" : %d,\n  \"entries\" : ",
                          REGISTRY_FORMAT_VERSION);
  if (entries->len == 0)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      for (guint i = 0; i < entries->len; i++)
        {
          AcrnRegistryEntry *entry = g_ptr_array_index (entries, i);

          g_string_append (out, "    {\n      \"vm-id\" : ");
          acrn_json_append_string (out, entry->vm_id);
          g_string_append_printf (out, ",\n      \"pid\" : %d,\n"
                                  "      \"start-time\" : %" G_GINT64_FORMAT ",\n",
                                  (int) entry->pid, (gint64) entry->start_time);
          append_id_array (out, "cpus", entry->cpus);
          g_string_append (out, ",\n");
          append_id_array (out, "cids", entry->cids);
          g_string_append (out, i + 1 < entries->len ? "\n    },\n" : "\n    }\n");
        }
      g_string_append (out, "  ]");
    }
  g_string_append (out, "\n}");

  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Locked transactions                                                */

static gboolean
registry_load (AcrnRegistry  *self,
               GPtrArray    **out_entries,
               GError       **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) problem = NULL;
  GPtrArray *entries;
  gsize length = 0;

  if (!g_file_get_contents (self->path, &data, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          *out_entries = g_ptr_array_new_with_free_func ((GDestroyNotify) acrn_registry_entry_free);
          return TRUE;
        }
      g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                   "Cannot read the ACRN registry %s: %s",
                   self->path, local_error->message);
      return FALSE;
    }

  problem = g_string_new (NULL);
  entries = entries_from_json (data, length, problem);
  if (entries == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                   "The ACRN registry %s is corrupt (%s); it is left untouched "
                   "so that no CPU or vsock CID of a running VM is handed out "
                   "twice: remove it once no VM of %s runs",
                   self->path, problem->str, self->store_dir);
      return FALSE;
    }

  *out_entries = entries;
  return TRUE;
}

/* The calling process's pid and start time, read once (again after a
 * fork). */
static gboolean
get_self_identity (GPid     *out_pid,
                   guint64  *out_start_time,
                   GError  **error)
{
  G_LOCK_DEFINE_STATIC (self_identity);
  static GPid self_pid;
  static guint64 self_start_time;
  GPid current = getpid ();
  gboolean ok = TRUE;

  G_LOCK (self_identity);
  if (self_pid != current)
    {
      ok = acrn_proc_get_start_time (current, &self_start_time, error);
      if (ok)
        self_pid = current;
    }
  *out_pid = current;
  *out_start_time = self_start_time;
  G_UNLOCK (self_identity);

  return ok;
}

/* The calling process owns the entries it allocates with
 * acrn_registry_new(). Such entries are live by definition, so reclaiming
 * never reads /proc for them. */
static gboolean
is_this_process (GPid    pid,
                 guint64 start_time)
{
  GPid self_pid = 0;
  guint64 self_start_time = 0;

  return pid == getpid () &&
         get_self_identity (&self_pid, &self_start_time, NULL) &&
         pid == self_pid && start_time == self_start_time;
}

static gboolean
entry_is_live (AcrnRegistryEntry *entry)
{
  return is_this_process (entry->pid, entry->start_time) ||
         acrn_proc_is_live (entry->pid, entry->start_time);
}

static void
log_reclaim (AcrnRegistryEntry *entry)
{
  g_autofree char *cpus = format_ids (entry->cpus);
  g_autofree char *cids = format_ids (entry->cids);

  registry_log (G_LOG_LEVEL_INFO, entry->vm_id,
                "Reclaiming CPUs [%s] and vsock CIDs [%s] of VM '%s': "
                "its owner (pid %d, start time %" G_GUINT64_FORMAT ") "
                "is gone", cpus, cids, entry->vm_id,
                (int) entry->pid, entry->start_time);
}

/* Drops the entries whose owner no longer runs. */
static gboolean
registry_reclaim (GPtrArray *entries)
{
  gboolean changed = FALSE;

  for (guint i = entries->len; i > 0; i--)
    {
      AcrnRegistryEntry *entry = g_ptr_array_index (entries, i - 1);

      if (!entry_is_live (entry))
        {
          log_reclaim (entry);
          g_ptr_array_remove_index (entries, i - 1);
          changed = TRUE;
        }
    }

  return changed;
}

/* One locked read-modify-write. Stale entries are not dropped up front
 * (that costs a /proc read per entry, on every operation): an edit asks
 * for it with tx_reclaim() only where a stale entry could change its
 * outcome, i.e. before it fails or shares a CPU. */
typedef struct
{
  AcrnRegistry *self;
  GPtrArray    *entries;
  gboolean      changed;
  gboolean      reclaimed;
} Transaction;

/* Drops every stale entry, once per transaction. Returns whether that
 * changed anything, i.e. whether it is worth computing again. */
static gboolean
tx_reclaim (Transaction *tx)
{
  if (tx->reclaimed)
    return FALSE;
  tx->reclaimed = TRUE;
  if (!registry_reclaim (tx->entries))
    return FALSE;
  tx->changed = TRUE;
  return TRUE;
}

/* Drops the entry of @vm_id if its owner is gone, so that an operation on
 * @vm_id never revives or keeps what a dead owner held. One /proc read at
 * most. */
static void
tx_drop_stale (Transaction *tx,
               const char  *vm_id)
{
  AcrnRegistryEntry *entry = find_entry (tx->entries, vm_id);

  if (entry != NULL && !entry_is_live (entry))
    {
      log_reclaim (entry);
      g_ptr_array_remove (tx->entries, entry);
      tx->changed = TRUE;
    }
}

/* Called under the lock. Must leave tx->entries untouched when it fails,
 * apart from dropping stale entries; sets tx->changed when it modified
 * them. */
typedef gboolean (*RegistryEditFunc) (Transaction  *tx,
                                      gpointer      user_data,
                                      GError      **error);

/* ---- what a process keeps per registry file ------------------------- */

/* One per registry file (path) and process, shared by the registry
 * objects of that path, and never freed. It holds:
 *
 * The lock file's descriptor, open while such an object exists, so that
 * a transaction costs a flock() instead of an open(), a flock() and a
 * close(). A flock() lock belongs to the open file description: the
 * threads that share it are not excluded from each other by it, so
 * @mutex orders them, held for a whole transaction. A descriptor
 * inherited over fork() shares its description with the parent and is
 * never used. Before a transaction trusts its lock it checks that the
 * lock file is still the one at the path (the store directory may have
 * been removed and made again since: a process that opens the path now
 * locks another file).
 *
 * The entries last read or written. Parsing the file on every operation
 * costs O(n) for n entries, so they are reused while the file is
 * unchanged: every writer increments a generation number kept in the
 * lock file, and the file must also be the same inode with the same size
 * and times (so that a writer that does not count, such as an
 * administrator, is noticed too). Both are checked under the lock. */
struct _RegistryFile
{
  GMutex     mutex;
  guint      users;      /* registry objects; guarded by registry_files */

  /* Guarded by @mutex. */
  int        lock_fd;
  GPid       lock_pid;   /* the process that opened @lock_fd */
  dev_t      lock_dev;
  ino_t      lock_ino;

  guint64    generation;
  gboolean   exists;
  GStatBuf   st;
  GPtrArray *entries;    /* NULL: nothing kept */
};

G_LOCK_DEFINE_STATIC (registry_files);
static GHashTable *registry_files;   /* path -> RegistryFile* */

static void
registry_file_close_lock (RegistryFile *file)
{
  /* Closing the last descriptor of the description releases the lock. */
  if (file->lock_fd >= 0)
    g_close (file->lock_fd, NULL);
  file->lock_fd = -1;
}

static RegistryFile *
registry_file_acquire (const char *path)
{
  RegistryFile *file;

  G_LOCK (registry_files);
  if (registry_files == NULL)
    registry_files = g_hash_table_new (g_str_hash, g_str_equal);
  file = g_hash_table_lookup (registry_files, path);
  if (file == NULL)
    {
      file = g_new0 (RegistryFile, 1);
      g_mutex_init (&file->mutex);
      file->lock_fd = -1;
      g_hash_table_insert (registry_files, g_strdup (path), file);
    }
  file->users++;
  G_UNLOCK (registry_files);

  return file;
}

/* The last registry object of a file closes the lock file: a process
 * that is done with a store directory keeps no descriptor of it. */
static void
registry_file_release (RegistryFile *file)
{
  G_LOCK (registry_files);
  g_assert (file->users > 0);
  if (--file->users == 0)
    {
      g_mutex_lock (&file->mutex);
      registry_file_close_lock (file);
      g_mutex_unlock (&file->mutex);
    }
  G_UNLOCK (registry_files);
}

static gboolean
same_file (const GStatBuf *a,
           const GStatBuf *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Takes the kept entries if they are those of the file as it is
 * (@exists, @st) at @generation; nothing is kept meanwhile. */
static GPtrArray *
registry_cache_take (RegistryFile   *file,
                     guint64         generation,
                     gboolean        exists,
                     const GStatBuf *st)
{
  if (file->entries != NULL && file->generation == generation &&
      file->exists == exists && (!exists || same_file (&file->st, st)))
    return g_steal_pointer (&file->entries);
  g_clear_pointer (&file->entries, g_ptr_array_unref);
  return NULL;
}

static void
registry_cache_put (RegistryFile   *file,
                    guint64         generation,
                    gboolean        exists,
                    const GStatBuf *st,
                    GPtrArray      *entries)
{
  g_clear_pointer (&file->entries, g_ptr_array_unref);
  file->generation = generation;
  file->exists = exists;
  if (exists)
    file->st = *st;
  file->entries = g_ptr_array_ref (entries);
}

/* ---- the lock -------------------------------------------------------- */

static gboolean
registry_open_lock (AcrnRegistry  *self,
                    GError       **error)
{
  RegistryFile *file = self->file;
  g_auto(AcrnFd) fd = -1;
  GStatBuf st;
  int saved_errno;

  fd = open (self->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
  if (fd < 0 && errno == ENOENT)
    {
      /* The store directory is made by the first operation. */
      if (g_mkdir_with_parents (self->store_dir, 0700) != 0)
        {
          saved_errno = errno;
          g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                       "Cannot create the store directory %s: %s",
                       self->store_dir, g_strerror (saved_errno));
          return FALSE;
        }
      fd = open (self->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
    }
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      saved_errno = errno;
      g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                   "Cannot open the ACRN registry lock %s: %s",
                   self->lock_path, g_strerror (saved_errno));
      return FALSE;
    }

  file->lock_fd = g_steal_fd (&fd);
  file->lock_pid = getpid ();
  file->lock_dev = st.st_dev;
  file->lock_ino = st.st_ino;
  return TRUE;
}

/* Takes the lock of the registry file; file->mutex is held. With
 * @if_exists, when the lock file is to be opened and there is no registry
 * file, it is neither opened nor made (nor the store directory): FALSE is
 * returned with *@absent set and no error. */
static gboolean
registry_lock (AcrnRegistry  *self,
               gboolean       if_exists,
               gboolean      *absent,
               GError       **error)
{
  RegistryFile *file = self->file;

  *absent = FALSE;

  /* Twice at most: a descriptor just opened is not checked again. */
  for (;;)
    {
      gboolean opened = FALSE;
      GStatBuf st;

      if (file->lock_fd >= 0 && file->lock_pid != getpid ())
        registry_file_close_lock (file);  /* inherited over fork() */
      if (file->lock_fd < 0)
        {
          if (if_exists && g_stat (self->path, &st) != 0 &&
              (errno == ENOENT || errno == ENOTDIR))
            {
              *absent = TRUE;
              return FALSE;
            }
          if (!registry_open_lock (self, error))
            return FALSE;
          opened = TRUE;
        }

      while (flock (file->lock_fd, LOCK_EX) != 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          registry_file_close_lock (file);
          g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                       "Cannot lock the ACRN registry lock %s: %s",
                       self->lock_path, g_strerror (saved_errno));
          return FALSE;
        }

      /* Once locked, the file at the path cannot change under us unless
       * someone removes or replaces it by hand. */
      if (opened ||
          (g_stat (self->lock_path, &st) == 0 &&
           st.st_dev == file->lock_dev && st.st_ino == file->lock_ino))
        return TRUE;

      registry_file_close_lock (file);
    }
}

static void
registry_unlock (RegistryFile *file)
{
  if (flock (file->lock_fd, LOCK_UN) != 0)
    registry_file_close_lock (file);
}

static guint64
read_generation (int lock_fd)
{
  guint8 buf[8];
  guint64 generation = 0;

  /* An empty lock file (made by a version that did not count) is 0. */
  if (pread (lock_fd, buf, sizeof buf, 0) != (gssize) sizeof buf)
    return 0;
  for (guint i = 0; i < sizeof buf; i++)
    generation |= (guint64) buf[i] << (8 * i);
  return generation;
}

static gboolean
write_generation (int     lock_fd,
                  guint64 generation)
{
  guint8 buf[8];

  for (guint i = 0; i < sizeof buf; i++)
    buf[i] = (guint8) (generation >> (8 * i));
  return pwrite (lock_fd, buf, sizeof buf, 0) == (gssize) sizeof buf;
}

/* ---- the registry file ----------------------------------------------- */

/* Whether the registry file exists, and its identity. */
static gboolean
registry_stat (AcrnRegistry  *self,
               gboolean      *exists,
               GStatBuf      *st,
               GError       **error)
{
  if (g_stat (self->path, st) == 0)
    {
      *exists = TRUE;
      return TRUE;
    }
  if (errno == ENOENT)
    {
      *exists = FALSE;
      return TRUE;
    }

  {
    int saved_errno = errno;

    g_set_error (error, VMM_ERROR, VMM_ERROR_IO, "Cannot read the ACRN registry %s: %s",
                 self->path, g_strerror (saved_errno));
    return FALSE;
  }
}

/* Makes the shadow (open on @fd) hold @data and nothing else, with mode
 * 0600 like the registry file it becomes. */
static gboolean
write_shadow (int         fd,
              const char *data,
              gsize       length)
{
  GStatBuf st;
  gsize done = 0;

  if (fstat (fd, &st) != 0)
    return FALSE;
  /* A shadow made by hand (or an older file) may be readable by others. */
  if ((st.st_mode & 07777) != 0600 && fchmod (fd, 0600) != 0)
    return FALSE;

  while (done < length)
    {
      gssize n = pwrite (fd, data + done, length - done, (off_t) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      done += (gsize) n;
    }

  /* What is left of longer contents goes. The size is usually the same,
   * and then a truncation costs more than a look. */
  return st.st_size <= (off_t) length || ftruncate (fd, (off_t) length) == 0;
}

/* Puts the shadow, complete, in place of the registry file: swapped with
 * it, so that the old registry becomes the next shadow and no file is
 * made or freed (on a tmpfs the two cost most of a write). Renamed over
 * it when the registry holds no entry, so that an unused store directory
 * holds the registry and its lock only, and when there is nothing to swap
 * with or the file system cannot swap. */
static gboolean
registry_install_shadow (AcrnRegistry *self,
                         gboolean      swap)
{
#ifdef RENAME_EXCHANGE
  if (swap && renameat2 (AT_FDCWD, self->shadow_path, AT_FDCWD, self->path,
                         RENAME_EXCHANGE) == 0)
    return TRUE;
#endif
  return rename (self->shadow_path, self->path) == 0;
}

/* Writes @entries under the lock; the registry existed (@exists).
 * Durable: the new contents are flushed before they replace the old, so
 * that after a crash of the host the file holds the old or the new
 * entries, never a truncated file (which would block every operation until
 * an administrator removes it). A crash before the swap leaves the old
 * registry, and a shadow that the next write rewrites.
 *
 * Sets @out_st to the identity of the file now at the path when it is
 * known (@out_known). */
static gboolean
registry_save (AcrnRegistry  *self,
               GPtrArray     *entries,
               gboolean       exists,
               GStatBuf      *out_st,
               gboolean      *out_known,
               GError       **error)
{
  g_autofree char *data = entries_to_json (entries);
  gsize length = strlen (data);
  g_auto(AcrnFd) fd = -1;
  int saved_errno;

  *out_known = FALSE;

  fd = open (self->shadow_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean now_exists = FALSE;

      /* Not a file we may write (made by hand?): a temporary file instead. */
      g_debug ("Cannot open %s (%s); writing the ACRN registry through a "
               "temporary file", self->shadow_path, g_strerror (errno));
      if (!acrn_file_replace (self->path, data, length, TRUE, &local_error))
        {
          g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                       "Cannot write the ACRN registry %s: %s",
                       self->path, local_error->message);
          return FALSE;
        }
      *out_known = registry_stat (self, &now_exists, out_st, NULL) && now_exists;
      return TRUE;
    }

  if (!write_shadow (fd, data, length) || fsync (fd) != 0)
    {
      saved_errno = errno;
      g_unlink (self->shadow_path);
      g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                   "Cannot write the ACRN registry %s: cannot write %s: %s",
                   self->path, self->shadow_path, g_strerror (saved_errno));
      return FALSE;
    }

  if (!registry_install_shadow (self, exists && entries->len > 0))
    {
      saved_errno = errno;
      g_unlink (self->shadow_path);
      g_set_error (error, VMM_ERROR, VMM_ERROR_IO,
                   "Cannot write the ACRN registry %s: cannot rename %s: %s",
                   self->path, self->shadow_path, g_strerror (saved_errno));
      return FALSE;
    }

  /* The descriptor is now that of the registry file (times included:
   * the rename changed its ctime). */
  *out_known = fstat (fd, out_st) == 0;
  return TRUE;
}

/* The transaction proper; the lock is held. */
static gboolean
registry_transact_locked (AcrnRegistry      *self,
                          RegistryEditFunc   func,
                          gpointer           user_data,
                          GError           **error)
{
  RegistryFile *file = self->file;
  g_autoptr(GPtrArray) entries = NULL;
  Transaction tx = { self, NULL, FALSE, FALSE };
  GStatBuf st;
  gboolean exists = FALSE;
  guint64 generation;

  generation = read_generation (file->lock_fd);
  if (!registry_stat (self, &exists, &st, error))
    return FALSE;

  entries = registry_cache_take (file, generation, exists, &st);
  if (entries == NULL && !registry_load (self, &entries, error))
    return FALSE;
  tx.entries = entries;

  /* On failure the entries may differ from the file: not kept. */
  if (!func (&tx, user_data, error))
    return FALSE;

  if (tx.changed)
    {
      gboolean known = FALSE;

      if (!registry_save (self, entries, exists, &st, &known, error))
        return FALSE;
      exists = TRUE;
      generation++;
      if (!write_generation (file->lock_fd, generation) || !known)
        return TRUE;  /* saved; the next operation reads the file */
    }

  registry_cache_put (file, generation, exists, &st, entries);
  return TRUE;
}

/* With @if_exists (see registry_lock()), returns TRUE and sets *@absent
 * when there is no registry file, without calling @func. */
static gboolean
registry_transact_full (AcrnRegistry      *self,
                        gboolean           if_exists,
                        gboolean          *absent,
                        RegistryEditFunc   func,
                        gpointer           user_data,
                        GError           **error)
{
  RegistryFile *file = self->file;
  gboolean ok;

  g_mutex_lock (&file->mutex);
  if (registry_lock (self, if_exists, absent, error))
    {
      ok = registry_transact_locked (self, func, user_data, error);
      registry_unlock (file);
    }
  else
    ok = *absent;
  g_mutex_unlock (&file->mutex);

  return ok;
}

static gboolean
registry_transact (AcrnRegistry      *self,
                   RegistryEditFunc   func,
                   gpointer           user_data,
                   GError           **error)
{
  gboolean absent = FALSE;

  return registry_transact_full (self, FALSE, &absent, func, user_data, error);
}

/* ------------------------------------------------------------------ */
/* GObject                                                            */

static void
acrn_registry_finalize (GObject *object)
{
  AcrnRegistry *self = ACRN_REGISTRY (object);

  registry_file_release (self->file);
  g_free (self->store_dir);
  g_free (self->path);
  g_free (self->lock_path);
  g_free (self->shadow_path);

  G_OBJECT_CLASS (acrn_registry_parent_class)->finalize (object);
}

static void
acrn_registry_class_init (AcrnRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = acrn_registry_finalize;
}

static void
acrn_registry_init (AcrnRegistry *self)
{
}

/**
 * acrn_registry_new_for_owner:
 * @store_dir: the store directory (created with mode 0700 when missing,
 *   at the first operation)
 * @owner_pid: the process that owns what this object allocates
 * @owner_start_time: the start time of @owner_pid
 *
 * Creates a registry handle whose new entries are owned by the given
 * process. Nothing is checked or touched on disk until the first
 * operation. Mainly for tests and tools; the backend uses
 * acrn_registry_new().
 *
 * Returns: (transfer full): a new #AcrnRegistry
 */
AcrnRegistry *
acrn_registry_new_for_owner (const char *store_dir,
                             GPid        owner_pid,
                             guint64     owner_start_time)
{
  AcrnRegistry *self;

  g_return_val_if_fail (store_dir != NULL && store_dir[0] != '\0', NULL);
  g_return_val_if_fail (owner_pid > 0, NULL);

  self = g_object_new (ACRN_TYPE_REGISTRY, NULL);
  self->store_dir = g_strdup (store_dir);
  self->path = g_build_filename (store_dir, ACRN_REGISTRY_FILE_NAME, NULL);
  self->lock_path = g_build_filename (store_dir, ACRN_REGISTRY_LOCK_NAME, NULL);
  self->shadow_path = g_build_filename (store_dir, ACRN_REGISTRY_SHADOW_NAME, NULL);
  self->file = registry_file_acquire (self->path);
  self->owner_pid = owner_pid;
  self->owner_start_time = owner_start_time;
  return self;
}

/**
 * acrn_registry_new:
 * @store_dir: the store directory (created with mode 0700 when missing,
 *   at the first operation)
 * @error: return location for a #GError
 *
 * Creates a registry handle whose new entries are owned by the calling
 * process (its pid and start time).
 *
 * Returns: (transfer full): a new #AcrnRegistry, or %NULL if the start
 *   time of the calling process cannot be read
 */
AcrnRegistry *
acrn_registry_new (const char  *store_dir,
                   GError     **error)
{
  guint64 start_time = 0;
  GPid self_pid = 0;

  g_return_val_if_fail (store_dir != NULL && store_dir[0] != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!get_self_identity (&self_pid, &start_time, error))
    return NULL;

  return acrn_registry_new_for_owner (store_dir, self_pid, start_time);
}

/**
 * acrn_registry_get_store_dir:
 * @self: a #AcrnRegistry
 *
 * Returns: the store directory
 */
const char *
acrn_registry_get_store_dir (AcrnRegistry *self)
{
  g_return_val_if_fail (ACRN_IS_REGISTRY (self), NULL);
  return self->store_dir;
}

/**
 * acrn_registry_get_path:
 * @self: a #AcrnRegistry
 *
 * Returns: the path of the registry file
 */
const char *
acrn_registry_get_path (AcrnRegistry *self)
{
  g_return_val_if_fail (ACRN_IS_REGISTRY (self), NULL);
  return self->path;
}

/**
 * acrn_registry_get_owner_pid:
 * @self: a #AcrnRegistry
 *
 * Returns: the pid that owns the entries this object creates
 */
GPid
acrn_registry_get_owner_pid (AcrnRegistry *self)
{
  g_return_val_if_fail (ACRN_IS_REGISTRY (self), 0);
  return self->owner_pid;
}

/**
 * acrn_registry_get_owner_start_time:
 * @self: a #AcrnRegistry
 *
 * Returns: the start time of the owner pid
 */
guint64
acrn_registry_get_owner_start_time (AcrnRegistry *self)
{
  g_return_val_if_fail (ACRN_IS_REGISTRY (self), 0);
  return self->owner_start_time;
}

static AcrnRegistryEntry *
ensure_entry (AcrnRegistry *self,
              GPtrArray    *entries,
              const char   *vm_id)
{
  AcrnRegistryEntry *entry = find_entry (entries, vm_id);

  if (entry == NULL)
    {
      entry = acrn_registry_entry_new (vm_id, self->owner_pid, self->owner_start_time);
      g_ptr_array_add (entries, entry);
    }
  return entry;
}

/* ------------------------------------------------------------------ */
/* CPUs                                                               */

typedef struct {
  const char *vm_id;
  guint vcpus;
  GArray *allowed;  /* sorted, unique */
  gboolean exclusive;
  GArray *result;
} AllocCpusData;

typedef struct {
  const guint32 *ids;
  const guint *loads;
} LoadOrder;

static int
compare_by_load (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const LoadOrder *order = user_data;
  guint i = *(const guint *) a;
  guint j = *(const guint *) b;

  if (order->loads[i] != order->loads[j])
    return order->loads[i] < order->loads[j] ? -1 : 1;
  return (order->ids[i] > order->ids[j]) - (order->ids[i] < order->ids[j]);
}

/* One attempt at choosing; returns FALSE with *retry set when dropping
 * stale entries could give a better answer. */
static gboolean
choose_cpus (Transaction    *tx,
             AllocCpusData  *data,
             gboolean       *retry,
             GError        **error)
{
  GPtrArray *entries = tx->entries;
  const guint32 *allowed = (const guint32 *) (gpointer) data->allowed->data;
  guint n_allowed = data->allowed->len;
  g_autofree guint *loads = g_new0 (guint, n_allowed);
  g_autofree guint *order = g_new (guint, n_allowed);
  g_autoptr(GArray) chosen = NULL;
  AcrnRegistryEntry *existing = find_entry (entries, data->vm_id);
  LoadOrder load_order = { allowed, loads };
  guint n_free = 0;
  gboolean shared = FALSE;

  *retry = FALSE;

  /* How many other VMs use each allowed CPU. */
  for (guint e = 0; e < entries->len; e++)
    {
      AcrnRegistryEntry *entry = g_ptr_array_index (entries, e);

      if (entry == existing)
        continue;
      for (guint c = 0; c < entry->cpus->len; c++)
        {
          guint32 cpu = g_array_index (entry->cpus, guint32, c);
          guint32 *hit = bsearch (&cpu, allowed, n_allowed, sizeof (guint32),
                                  compare_guint32);

          if (hit != NULL)
            loads[hit - allowed]++;
        }
    }

  for (guint i = 0; i < n_allowed; i++)
    if (loads[i] == 0)
      n_free++;

  /* Same VM again: keep what it has if that still fits the request. */
  if (existing != NULL && existing->cpus->len == data->vcpus)
    {
      gboolean fits = TRUE;
      gboolean busy = FALSE;

      for (guint c = 0; c < existing->cpus->len && fits; c++)
        {
          guint32 cpu = g_array_index (existing->cpus, guint32, c);
          guint32 *hit = bsearch (&cpu, allowed, n_allowed, sizeof (guint32),
                                  compare_guint32);

          if (hit == NULL)
            fits = FALSE;
          else if (data->exclusive && loads[hit - allowed] > 0)
            busy = TRUE;
        }

      if (fits && busy && tx_reclaim (tx))
        {
          *retry = TRUE;
          return FALSE;
        }
      if (fits && !busy)
        {
          data->result = g_array_copy (existing->cpus);
          registry_log (G_LOG_LEVEL_DEBUG, data->vm_id,
                        "VM '%s' keeps its CPUs", data->vm_id);
          return TRUE;
        }
    }

  if (data->exclusive && n_free < data->vcpus)
    {
      g_autofree char *allowed_text = NULL;

      if (tx_reclaim (tx))
        {
          *retry = TRUE;
          return FALSE;
        }
      allowed_text = format_ids (data->allowed);
      g_set_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES,
                   "exclusive-cpus: VM '%s' asks for %u CPU(s) but only %u of "
                   "the allowed LAPIC ids %s are free",
                   data->vm_id, data->vcpus, n_free, allowed_text);
      return FALSE;
    }

  for (guint i = 0; i < n_allowed; i++)
    order[i] = i;
  g_qsort_with_data (order, (gint) n_allowed, sizeof (guint),
                     compare_by_load, &load_order);

  chosen = g_array_sized_new (FALSE, FALSE, sizeof (guint32), data->vcpus);
  for (guint i = 0; i < data->vcpus; i++)
    {
      g_array_append_val (chosen, allowed[order[i]]);
      if (loads[order[i]] > 0)
        shared = TRUE;
    }
  g_array_sort (chosen, compare_guint32);

  /* Sharing only once the owners of every other CPU are known to run. */
  if (shared && tx_reclaim (tx))
    {
      *retry = TRUE;
      return FALSE;
    }

  existing = ensure_entry (tx->self, entries, data->vm_id);
  g_array_set_size (existing->cpus, 0);
  g_array_append_vals (existing->cpus, chosen->data, chosen->len);
  tx->changed = TRUE;

  {
    g_autofree char *text = format_ids (chosen);

    registry_log (shared ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_DEBUG, data->vm_id,
                  "VM '%s' gets CPUs [%s]%s", data->vm_id, text,
                  shared ? ", shared with other VMs: no free CPU is left" : "");
  }

  data->result = g_steal_pointer (&chosen);
  return TRUE;
}

static gboolean
edit_allocate_cpus (Transaction  *tx,
                    gpointer      user_data,
                    GError      **error)
{
  AllocCpusData *data = user_data;
  AcrnRegistryEntry *entry;
  gboolean retry = FALSE;

  /* An entry of @vm_id that another live process owns (another manager
   * that created a VM of the same id in this store, or the acrn-dm of
   * one that runs) is not ours to take over: releasing it later would
   * free CPUs that process still uses. */
  tx_drop_stale (tx, data->vm_id);
  entry = find_entry (tx->entries, data->vm_id);
  if (entry != NULL &&
      !(entry->pid == tx->self->owner_pid && entry->start_time == tx->self->owner_start_time) &&
      !is_this_process (entry->pid, entry->start_time))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_STATE,
                   "VM '%s' is in use by process %d, which holds its CPUs in the ACRN "
                   "registry %s (another manager of a VM with the same id, or its acrn-dm)",
                   data->vm_id, (int) entry->pid, tx->self->path);
      return FALSE;
    }
  if (choose_cpus (tx, data, &retry, error))
    return TRUE;
  /* tx_reclaim() drops entries once: the second attempt is final. */
  return retry && choose_cpus (tx, data, &retry, error);
}

/**
 * acrn_registry_allocate_cpus:
 * @self: a #AcrnRegistry
 * @vm_id: the VM id
 * @vcpus: how many CPUs (one per vCPU), at least 1
 * @allowed_ids: (array length=n_allowed): the LAPIC ids the VM may use,
 *   e.g. from acrn_cpu_set_load()
 * @n_allowed: number of @allowed_ids
 * @exclusive: fail instead of sharing a CPU with another VM
 * @error: return location for a #GError
 *
 * Assigns @vcpus distinct LAPIC ids to @vm_id, least-loaded first (the
 * ids used by the fewest other VMs; on a tie the lowest id), so no two
 * VMs share a CPU while a free one exists. Without @exclusive, CPUs are
 * shared once none is free. Entries of dead owners are reclaimed before
 * the allocation fails or shares a CPU (see the top of acrn-registry.c).
 *
 * Calling it again for the same @vm_id returns the VM's current CPUs when
 * they still match (@vcpus of them, all allowed, none shared under
 * @exclusive), else replaces them: it never leaks. A new entry is owned by
 * the registry's owner; an existing one keeps its owner.
 *
 * Blocks on the registry lock; may be called from any thread.
 *
 * Returns: (transfer full) (element-type guint32): the LAPIC ids, sorted,
 *   or %NULL with %VMM_ERROR_NO_RESOURCES (more vCPUs than allowed ids, or
 *   too few free ids under @exclusive; the message gives the numbers),
 *   %VMM_ERROR_INVALID_ARGUMENT (no vCPU or empty allowed set) or
 *   %VMM_ERROR_IO (registry file unreadable, corrupt or unwritable)
 */
GArray *
acrn_registry_allocate_cpus (AcrnRegistry   *self,
                             const char     *vm_id,
                             guint           vcpus,
                             const guint32  *allowed_ids,
                             guint           n_allowed,
                             gboolean        exclusive,
                             GError        **error)
{
  g_autoptr(GArray) allowed = NULL;
  AllocCpusData data = { 0, };
  guint out = 0;

  g_return_val_if_fail (ACRN_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (vm_id != NULL && vm_id[0] != '\0', NULL);
  g_return_val_if_fail (allowed_ids != NULL || n_allowed == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (vcpus == 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "VM '%s': cannot allocate CPUs for 0 vCPUs", vm_id);
      return NULL;
    }

  allowed = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_vals (allowed, allowed_ids, n_allowed);
  g_array_sort (allowed, compare_guint32);
  for (guint i = 0; i < allowed->len; i++)
    if (out == 0 || g_array_index (allowed, guint32, out - 1) != g_array_index (allowed, guint32, i))
      g_array_index (allowed, guint32, out++) = g_array_index (allowed, guint32, i);
  g_array_set_size (allowed, out);

  if (allowed->len == 0)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "VM '%s': the set of allowed CPUs is empty", vm_id);
      return NULL;
    }

  if (vcpus > allowed->len)
    {
      g_autofree char *allowed_text = format_ids (allowed);

      g_set_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES,
                   "VM '%s' asks for %u CPU(s) but only %u LAPIC id(s) are "
                   "allowed (%s); each vCPU needs its own CPU",
                   vm_id, vcpus, allowed->len, allowed_text);
      return NULL;
    }

  data.vm_id = vm_id;
  data.vcpus = vcpus;
  data.allowed = allowed;
  data.exclusive = exclusive;

  if (!registry_transact (self, edit_allocate_cpus, &data, error))
    {
      g_clear_pointer (&data.result, g_array_unref);
      return NULL;
    }

  return data.result;
}

/* ------------------------------------------------------------------ */
/* vsock CIDs                                                         */

typedef struct {
  const char *vm_id;
  guint32 requested;
  guint32 result;
} AllocCidData;

static gboolean
choose_cid (Transaction  *tx,
            AllocCidData *data,
            gboolean     *retry,
            GError      **error)
{
  GPtrArray *entries = tx->entries;
  AcrnRegistryEntry *existing = find_entry (entries, data->vm_id);
  g_autoptr(GHashTable) held = g_hash_table_new (NULL, NULL);
  AcrnRegistryEntry *entry;
  guint32 cid;

  *retry = FALSE;

  if (data->requested == 0 && existing != NULL && existing->cids->len > 0)
    {
      data->result = g_array_index (existing->cids, guint32, 0);
      return TRUE;
    }
  if (data->requested != 0 && existing != NULL &&
      array_contains (existing->cids, data->requested))
    {
      data->result = data->requested;
      return TRUE;
    }

  for (guint e = 0; e < entries->len; e++)
    {
      AcrnRegistryEntry *other = g_ptr_array_index (entries, e);

      if (other == existing)
        continue;
      for (guint c = 0; c < other->cids->len; c++)
        {
          guint32 held_cid = g_array_index (other->cids, guint32, c);

          if (held_cid == data->requested)
            {
              if (tx_reclaim (tx))
                {
                  *retry = TRUE;
                  return FALSE;
                }
              g_set_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES,
                           "vsock CID %" G_GUINT32_FORMAT " requested by VM "
                           "'%s' is held by VM '%s' (pid %d)",
                           held_cid, data->vm_id, other->vm_id, (int) other->pid);
              return FALSE;
            }
          g_hash_table_add (held, GUINT_TO_POINTER (held_cid));
        }
    }

  if (data->requested != 0)
    cid = data->requested;
  else
    {
      /* At most g_hash_table_size (held) values are skipped. */
      for (cid = ACRN_VSOCK_CID_MIN;
           g_hash_table_contains (held, GUINT_TO_POINTER (cid)) && cid < ACRN_VSOCK_CID_MAX;
           cid++)
        ;
      if (g_hash_table_contains (held, GUINT_TO_POINTER (cid)))
        {
          if (tx_reclaim (tx))
            {
              *retry = TRUE;
              return FALSE;
            }
          g_set_error (error, VMM_ERROR, VMM_ERROR_NO_RESOURCES,
                       "VM '%s': no free vsock CID is left", data->vm_id);
          return FALSE;
        }
    }

  entry = ensure_entry (tx->self, entries, data->vm_id);
  g_array_append_val (entry->cids, cid);
  g_array_sort (entry->cids, compare_guint32);
  tx->changed = TRUE;
  data->result = cid;

  registry_log (G_LOG_LEVEL_DEBUG, data->vm_id,
                "VM '%s' gets vsock CID %" G_GUINT32_FORMAT, data->vm_id, cid);
  return TRUE;
}

static gboolean
edit_allocate_cid (Transaction  *tx,
                   gpointer      user_data,
                   GError      **error)
{
  AllocCidData *data = user_data;
  gboolean retry = FALSE;

  tx_drop_stale (tx, data->vm_id);
  if (choose_cid (tx, data, &retry, error))
    return TRUE;
  return retry && choose_cid (tx, data, &retry, error);
}

/**
 * acrn_registry_allocate_cid:
 * @self: a #AcrnRegistry
 * @vm_id: the VM id
 * @requested_cid: a CID to reserve (%ACRN_VSOCK_CID_MIN to
 *   %ACRN_VSOCK_CID_MAX), or 0 for any free one
 * @out_cid: (out) (optional): the CID
 * @error: return location for a #GError
 *
 * With @requested_cid 0, returns the lowest CID >= 3 that no other VM
 * holds; if @vm_id already holds a CID, returns that one instead
 * (idempotent). With a CID, reserves exactly it; asking again for a CID
 * the VM holds succeeds. The CIDs are kept until acrn_registry_release().
 * Entries of dead owners are reclaimed before a requested CID is refused
 * or before failing for want of a free one.
 *
 * Blocks on the registry lock; may be called from any thread.
 *
 * Returns: %TRUE, or %FALSE with %VMM_ERROR_NO_RESOURCES when the CID is
 *   held by another VM (the message names it) or none is free,
 *   %VMM_ERROR_INVALID_ARGUMENT for a CID out of range, %VMM_ERROR_IO for
 *   registry file problems
 */
gboolean
acrn_registry_allocate_cid (AcrnRegistry  *self,
                            const char    *vm_id,
                            guint32        requested_cid,
                            guint32       *out_cid,
                            GError       **error)
{
  AllocCidData data = { vm_id, requested_cid, 0 };

  g_return_val_if_fail (ACRN_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (vm_id != NULL && vm_id[0] != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (requested_cid != 0 &&
      (requested_cid < ACRN_VSOCK_CID_MIN || requested_cid > ACRN_VSOCK_CID_MAX))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_INVALID_ARGUMENT,
                   "VM '%s': vsock CID %" G_GUINT32_FORMAT " is outside "
                   "%u..%u", vm_id, requested_cid,
                   ACRN_VSOCK_CID_MIN, ACRN_VSOCK_CID_MAX);
      return FALSE;
    }

  if (!registry_transact (self, edit_allocate_cid, &data, error))
    return FALSE;

  if (out_cid != NULL)
    *out_cid = data.result;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Ownership, release, queries                                        */

typedef struct {
  const char *vm_id;
  GPid pid;
  guint64 start_time;
} SetOwnerData;

static gboolean
edit_set_owner (Transaction  *tx,
                gpointer      user_data,
                GError      **error)
{
  SetOwnerData *data = user_data;
  AcrnRegistryEntry *entry = find_entry (tx->entries, data->vm_id);

  if (entry == NULL)
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_NOT_FOUND,
                   "VM '%s' holds nothing in the ACRN registry %s",
                   data->vm_id, tx->self->path);
      return FALSE;
    }

  if (entry->pid != data->pid || entry->start_time != data->start_time)
    {
      registry_log (G_LOG_LEVEL_DEBUG, data->vm_id,
                    "VM '%s' is now owned by pid %d (was %d)",
                    data->vm_id, (int) data->pid, (int) entry->pid);
      entry->pid = data->pid;
      entry->start_time = data->start_time;
      tx->changed = TRUE;
    }
  return TRUE;
}

/**
 * acrn_registry_set_owner_pid:
 * @self: a #AcrnRegistry
 * @vm_id: the VM id
 * @pid: the new owner, normally the VM's acrn-dm
 * @start_time: the start time of @pid (acrn_proc_get_start_time())
 *
 * Hands what @vm_id holds over to another process, so that it stays
 * allocated exactly as long as that process runs, whoever manages it.
 *
 * Returns: %TRUE, or %FALSE with %VMM_ERROR_STALE_STATE when @pid with
 *   @start_time does not run (nothing changes), %VMM_ERROR_NOT_FOUND when
 *   @vm_id holds nothing, %VMM_ERROR_IO for registry file problems
 */
gboolean
acrn_registry_set_owner_pid (AcrnRegistry  *self,
                             const char    *vm_id,
                             GPid           pid,
                             guint64        start_time,
                             GError       **error)
{
  SetOwnerData data = { vm_id, pid, start_time };

  g_return_val_if_fail (ACRN_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (vm_id != NULL && vm_id[0] != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!acrn_proc_is_live (pid, start_time))
    {
      g_set_error (error, VMM_ERROR, VMM_ERROR_STALE_STATE,
                   "VM '%s': cannot hand its CPUs and CIDs to process %d "
                   "(start time %" G_GUINT64_FORMAT "): it does not run",
                   vm_id, (int) pid, start_time);
      return FALSE;
    }

  return registry_transact (self, edit_set_owner, &data, error);
}

/**
 * acrn_registry_hand_to_child:
 * @self: a #AcrnRegistry
 * @vm_id: the VM id
 * @pid: a child of the calling process that has not been reaped, normally
 *   the acrn-dm it has just spawned
 * @start_time: the start time of @pid
 * @error: return location for a #GError
 *
 * acrn_registry_set_owner_pid() for a process that cannot be gone: the
 * caller's own child, not reaped yet. Its /proc entry is not read: right
 * after the spawn the child is still in execve(), and reading its stat
 * file then waits until the whole program is loaded (most of acrn-dm's
 * start-up). If the child has exited already, the entry names a dead
 * owner and is reclaimed like any other.
 *
 * Returns: %TRUE, or %FALSE as acrn_registry_set_owner_pid()
 */
gboolean
acrn_registry_hand_to_child (AcrnRegistry  *self,
                             const char    *vm_id,
                             GPid           pid,
                             guint64        start_time,
                             GError       **error)
{
  SetOwnerData data = { vm_id, pid, start_time };

  g_return_val_if_fail (ACRN_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (vm_id != NULL && vm_id[0] != '\0', FALSE);
  g_return_val_if_fail (pid > 0 && start_time > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return registry_transact (self, edit_set_owner, &data, error);
}

static gboolean
edit_release (Transaction  *tx,
              gpointer      user_data,
              GError      **error)
{
  const char *vm_id = user_data;
  AcrnRegistryEntry *entry = find_entry (tx->entries, vm_id);

  /* What a live process other than us holds stays: another manager's VM
   * of the same id, or an acrn-dm that still runs. */
  if (entry != NULL &&
      !(entry->pid == tx->self->owner_pid && entry->start_time == tx->self->owner_start_time) &&
      entry_is_live (entry))
    {
      registry_log (G_LOG_LEVEL_DEBUG, vm_id,
                    "VM '%s': its CPUs and vsock CIDs stay, process %d holds them",
                    vm_id, (int) entry->pid);
      return TRUE;
    }

  if (entry != NULL)
    {
      registry_log (G_LOG_LEVEL_DEBUG, vm_id,
                    "VM '%s' releases its CPUs and vsock CIDs", vm_id);
      g_ptr_array_remove (tx->entries, entry);
      tx->changed = TRUE;
    }
  return TRUE;
}

/**
 * acrn_registry_release:
 * @self: a #AcrnRegistry
 * @vm_id: the VM id
 *
 * Frees every CPU and CID of @vm_id, unless a live process other than
 * this registry's owner holds them (another manager's VM of the same id,
 * or an acrn-dm that still runs): those stay where they are. Releasing a
 * VM that holds nothing succeeds.
 *
 * When there is no registry file yet, nothing is held and nothing is
 * touched on disk: neither the store directory nor the lock file is
 * created, so that a VM whose creation failed before it allocated
 * anything leaves nothing behind.
 *
 * Returns: %TRUE, or %FALSE with %VMM_ERROR_IO for registry file problems
 */
gboolean
acrn_registry_release (AcrnRegistry  *self,
                       const char    *vm_id,
                       GError       **error)
{
  gboolean absent = FALSE;

  g_return_val_if_fail (ACRN_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (vm_id != NULL && vm_id[0] != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A missing file is an empty registry: @vm_id holds nothing. That is
   * checked before anything is made; or under the lock, where the lock
   * file is open already. */
  if (!registry_transact_full (self, TRUE, &absent, edit_release, (gpointer) vm_id, error))
    return FALSE;
  if (absent)
    registry_log (G_LOG_LEVEL_DEBUG, vm_id,
                  "VM '%s' holds nothing: there is no registry %s",
                  vm_id, self->path);
  return TRUE;
}

typedef struct {
  const char *vm_id;  /* NULL: all */
  GPtrArray *result;
} QueryData;

static gboolean
edit_query (Transaction  *tx,
            gpointer      user_data,
            GError      **error)
{
  QueryData *data = user_data;
  GPtrArray *entries = tx->entries;

  /* Queries report live entries only. */
  tx_reclaim (tx);

  data->result = g_ptr_array_new_with_free_func ((GDestroyNotify) acrn_registry_entry_free);
  for (guint i = 0; i < entries->len; i++)
    {
      AcrnRegistryEntry *entry = g_ptr_array_index (entries, i);

      if (data->vm_id == NULL || strcmp (data->vm_id, entry->vm_id) == 0)
        g_ptr_array_add (data->result, acrn_registry_entry_copy (entry));
    }
  return TRUE;
}

/**
 * acrn_registry_list_entries:
 * @self: a #AcrnRegistry
 * @error: return location for a #GError
 *
 * Lists the live entries, after reclaiming stale ones, under the lock.
 *
 * Returns: (transfer full) (element-type AcrnRegistryEntry): the entries,
 *   or %NULL with %VMM_ERROR_IO for registry file problems
 */
GPtrArray *
acrn_registry_list_entries (AcrnRegistry  *self,
                            GError       **error)
{
  QueryData data = { NULL, NULL };

  g_return_val_if_fail (ACRN_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!registry_transact (self, edit_query, &data, error))
    {
      g_clear_pointer (&data.result, g_ptr_array_unref);
      return NULL;
    }
  return data.result;
}

/**
 * acrn_registry_lookup:
 * @self: a #AcrnRegistry
 * @vm_id: the VM id
 * @out_entry: (out) (transfer full) (nullable): what @vm_id holds, or
 *   %NULL when it holds nothing
 * @error: return location for a #GError
 *
 * Looks one VM up, after reclaiming stale entries, under the lock.
 *
 * Returns: %TRUE (even when the VM holds nothing), or %FALSE with
 *   %VMM_ERROR_IO for registry file problems
 */
gboolean
acrn_registry_lookup (AcrnRegistry       *self,
                      const char         *vm_id,
                      AcrnRegistryEntry **out_entry,
                      GError            **error)
{
  QueryData data = { vm_id, NULL };

  g_return_val_if_fail (ACRN_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (vm_id != NULL && vm_id[0] != '\0', FALSE);
  g_return_val_if_fail (out_entry != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!registry_transact (self, edit_query, &data, error))
    {
      g_clear_pointer (&data.result, g_ptr_array_unref);
      return FALSE;
    }

  *out_entry = data.result->len > 0 ? g_ptr_array_steal_index (data.result, 0) : NULL;
  g_ptr_array_unref (data.result);
  return TRUE;
}
