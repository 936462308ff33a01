/* vmmctl-records.c: what `vmmctl start` leaves for later vmmctl processes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "vmmctl.h"

#define RECORD_FORMAT 1
#define RECORD_SUFFIX ".json"

void
vmmctl_record_free (VmmctlRecord *record)
{
  if (record == NULL)
    return;

  g_free (record->path);
  g_free (record->id);
  g_free (record->plugin);
  g_strfreev (record->properties);
  g_free (record->config_file);
  g_free (record->started);
  g_free (record->state);
  g_clear_pointer (&record->created_dirs, g_ptr_array_unref);
  g_free (record);
}

char *
vmmctl_records_dir (const char *store_dir)
{
  return g_build_filename (store_dir, VMMCTL_RECORDS_DIR, NULL);
}

char *
vmmctl_record_path (const char *store_dir,
                    const char *id)
{
  g_autofree char *name = g_strconcat (id, RECORD_SUFFIX, NULL);

  return g_build_filename (store_dir, VMMCTL_RECORDS_DIR, name, NULL);
}

static char *
record_to_data (VmmctlRecord *record)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, RECORD_FORMAT);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, record->id);
  json_builder_set_member_name (builder, "plugin");
  json_builder_add_string_value (builder, record->plugin);
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_array (builder);
  for (guint i = 0; record->properties != NULL && record->properties[i] != NULL; i++)
    json_builder_add_string_value (builder, record->properties[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "config-file");
  json_builder_add_string_value (builder, record->config_file);
  json_builder_set_member_name (builder, "started");
  json_builder_add_string_value (builder, record->started);
  json_builder_set_member_name (builder, "owner-pid");
  json_builder_add_int_value (builder, record->owner_pid);
  json_builder_set_member_name (builder, "state");
  if (record->state != NULL)
    {
      /* Saved states are JSON documents: keep them readable in the record.
       * Anything else is kept as a string. */
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, record->state, -1, NULL) &&
          json_parser_get_root (parser) != NULL)
        json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
      else
        json_builder_add_string_value (builder, record->state);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);

  return json_generator_to_data (generator, NULL);
}

/* Creates @path and its missing parents, appending the ones it created to
 * @created (outermost first). */
static gboolean
make_directories (const char  *path,
                  GPtrArray   *created,
                  GError     **error)
{
  g_autofree char *parent = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return TRUE;

  parent = g_path_get_dirname (path);
  if (strcmp (parent, path) != 0 && !make_directories (parent, created, error))
    return FALSE;

  if (g_mkdir (path, 0755) != 0 && errno != EEXIST)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "cannot create the directory %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  g_ptr_array_add (created, g_strdup (path));

  return TRUE;
}

static void
remove_created_directories (GPtrArray *created)
{
  for (guint i = created->len; i > 0; i--)
    g_rmdir (g_ptr_array_index (created, i - 1));
  g_ptr_array_set_size (created, 0);
}

/* Reserves the record of @id: creates the file exclusively, so that two
 * `vmmctl start` of one id cannot both go ahead. Fails with G_IO_ERROR_EXISTS
 * if there is a record already. */
VmmctlRecord *
vmmctl_record_reserve (const char         *store_dir,
                       const char         *id,
                       const char         *plugin,
                       const char * const *properties,
                       const char         *config_file,
                       GError            **error)
{
  g_autoptr(VmmctlRecord) record = g_new0 (VmmctlRecord, 1);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *records_dir = vmmctl_records_dir (store_dir);
  g_autofree char *data = NULL;
  gsize length;
  int fd;

  record->path = vmmctl_record_path (store_dir, id);
  record->id = g_strdup (id);
  record->plugin = g_strdup (plugin);
  record->properties = g_strdupv ((char **) properties);
  record->config_file = g_canonicalize_filename (config_file, NULL);
  record->started = g_date_time_format_iso8601 (now);
  record->owner_pid = (int) getpid ();
  record->created_dirs = g_ptr_array_new_with_free_func (g_free);

  if (!make_directories (records_dir, record->created_dirs, error))
    {
      remove_created_directories (record->created_dirs);
      return NULL;
    }

  fd = g_open (record->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "%s: %s", record->path, g_strerror (saved_errno));
      remove_created_directories (record->created_dirs);
      return NULL;
    }

  data = record_to_data (record);
  length = strlen (data);
  for (gsize done = 0; done < length;)
    {
      gssize n = write (fd, data + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "cannot write %s: %s", record->path, g_strerror (saved_errno));
          close (fd);
          vmmctl_record_remove (record, NULL);
          return NULL;
        }
      done += (gsize) n;
    }
  close (fd);

  return g_steal_pointer (&record);
}

/* Replaces the record atomically (a reader sees the old or the new one). */
gboolean
vmmctl_record_save (VmmctlRecord  *record,
                    GError       **error)
{
  g_autofree char *data = record_to_data (record);

  return g_file_set_contents_full (record->path, data, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* Fails with G_IO_ERROR_NOT_FOUND if there is no record of @id. */
VmmctlRecord *
vmmctl_record_load (const char  *store_dir,
                    const char  *id,
                    GError     **error)
{
  g_autoptr(VmmctlRecord) record = g_new0 (VmmctlRecord, 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  JsonObject *object;
  JsonNode *root = NULL;
  JsonNode *node;
  gsize length;

  record->path = vmmctl_record_path (store_dir, id);
  record->created_dirs = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (record->path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "no VM '%s' was started in %s (see 'vmmctl list --store-dir %s')",
                     id, store_dir, store_dir);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "cannot read the record of VM '%s': %s", id, local_error->message);
      return NULL;
    }

  if (!json_parser_load_from_data (parser, contents, (gssize) length, &local_error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: not a vmmctl record%s%s", record->path,
                   local_error != NULL ? ": " : "",
                   local_error != NULL ? local_error->message : "");
      return NULL;
    }
  object = json_node_get_object (root);

  node = json_object_get_member (object, "format");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) != RECORD_FORMAT ||
      member_string (object, "id") == NULL || member_string (object, "plugin") == NULL ||
      g_strcmp0 (member_string (object, "id"), id) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: not a vmmctl record of format %d for VM '%s'",
                   record->path, RECORD_FORMAT, id);
      return NULL;
    }

  record->id = g_strdup (id);
  record->plugin = g_strdup (member_string (object, "plugin"));
  record->config_file = g_strdup (member_string (object, "config-file"));
  record->started = g_strdup (member_string (object, "started"));
  node = json_object_get_member (object, "state");
  if (node != NULL && (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node)))
    record->state = json_to_string (node, FALSE);
  else
    record->state = g_strdup (member_string (object, "state"));

  node = json_object_get_member (object, "owner-pid");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    record->owner_pid = (int) CLAMP (json_node_get_int (node), 0, G_MAXINT);

  node = json_object_get_member (object, "properties");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
      record->properties = g_strv_builder_end (builder);
    }

  return g_steal_pointer (&record);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The ids recorded in @store_dir, sorted; none if the directory does not
 * exist. */
GPtrArray *
vmmctl_record_list_ids (const char  *store_dir,
                        GError     **error)
{
  g_autofree char *records_dir = vmmctl_records_dir (store_dir);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  dir = g_dir_open (records_dir, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&ids);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *id = NULL;

      if (!g_str_has_suffix (name, RECORD_SUFFIX))
        continue;
      id = g_strndup (name, strlen (name) - strlen (RECORD_SUFFIX));
      if (vmmctl_is_valid_id (id))
        g_ptr_array_add (ids, g_steal_pointer (&id));
    }
  g_ptr_array_sort (ids, compare_strings);

  return g_steal_pointer (&ids);
}

/* Deletes the record, then the records directory if it is empty, then the
 * directories this process created for it. */
gboolean
vmmctl_record_remove (VmmctlRecord  *record,
                      GError       **error)
{
  g_autofree char *records_dir = g_path_get_dirname (record->path);

  if (g_unlink (record->path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "cannot remove %s: %s", record->path, g_strerror (saved_errno));
      return FALSE;
    }

  g_rmdir (records_dir);
  if (record->created_dirs != NULL)
    remove_created_directories (record->created_dirs);

  return TRUE;
}

/* Whether the vmmctl process that reserved the record still runs. */
gboolean
vmmctl_record_owner_alive (VmmctlRecord *record)
{
  if (record->owner_pid <= 0)
    return FALSE;
  if (record->owner_pid == (int) getpid ())
    return TRUE;

  return kill (record->owner_pid, 0) == 0 || errno == EPERM;
}
