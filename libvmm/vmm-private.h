/* vmm-private.h: helpers shared inside libvmm (not installed)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#ifndef VMM_COMPILATION
# error "vmm-private.h is internal to libvmm."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "vmm-device.h"

G_BEGIN_DECLS

/* How a property is read from and written to JSON. */
typedef enum {
  VMM_PROP_NONE     = 0,
  VMM_PROP_NULLABLE = 1 << 0,  /* a string property that may be unset (JSON null) */
  VMM_PROP_PATH     = 1 << 1,  /* a file path: resolved against the config file's directory */
} VmmPropFlags;

typedef struct {
  const char   *name;
  VmmPropFlags  flags;
} VmmPropInfo;

/* State of one JSON load. */
typedef struct {
  /* directory that relative paths are resolved against, or NULL to keep them */
  const char *base_dir;
  /* JsonNode * -> original text of number literals that were not stored
   * exactly (integers beyond 64 bits, fractions, exponents); may be NULL */
  GHashTable *literals;
} VmmJsonContext;

/* Strict RFC 8259 parser: builds a json-glib tree. Errors are
 * VMM_ERROR_INVALID_CONFIG "FILE:LINE:COLUMN: message". @literals (out,
 * optional) receives the table described in #VmmJsonContext. */
JsonNode *_vmm_json_parse               (const char      *text,
                                         gsize            length,
                                         const char      *file,
                                         GHashTable     **literals,
                                         GError         **error);

/* "key" or "prefix.key", for messages and nested paths */
char     *_vmm_json_path_join           (const char      *prefix,
                                         const char      *key);
/* @value quoted and escaped for an error message */
char     *_vmm_quote                    (const char      *value);
/* an English description of a JSON node's type ("a string", "null", ...) */
const char *_vmm_json_node_kind         (JsonNode        *node);

gboolean  _vmm_json_read_property       (GObject           *object,
                                         const VmmPropInfo *info,
                                         JsonNode          *node,
                                         const char        *path,
                                         VmmJsonContext    *ctx,
                                         GError           **error);
void      _vmm_json_write_property      (GObject           *object,
                                         const VmmPropInfo *info,
                                         JsonObject        *out);
/* "unknown key 'PREFIX.NAME'[ in WHERE][ (did you mean 'KEY'?)]", the
 * suggestion taken from @props and @extra_key */
void      _vmm_json_unknown_key         (GError           **error,
                                         const char        *prefix,
                                         const char        *name,
                                         const char        *where,
                                         const VmmPropInfo *props,
                                         guint              n_props,
                                         const char        *extra_key);
gboolean  _vmm_property_equal           (GObject           *a,
                                         GObject           *b,
                                         const char        *name);

/* set_property() helpers: store the new value and notify when it changed
 * (for G_PARAM_EXPLICIT_NOTIFY properties) */
void      _vmm_set_string_property      (GObject         *object,
                                         char           **field,
                                         const GValue    *value,
                                         GParamSpec      *pspec);
void      _vmm_set_boolean_property     (GObject         *object,
                                         gboolean        *field,
                                         const GValue    *value,
                                         GParamSpec      *pspec);
void      _vmm_set_uint_property        (GObject         *object,
                                         guint           *field,
                                         const GValue    *value,
                                         GParamSpec      *pspec);

/* Checks a string value: valid UTF-8 and free of control characters.
 * @what is the message prefix ("key 'kernel'" ...). */
gboolean  _vmm_check_string             (const char      *value,
                                         const char      *what,
                                         GError         **error);
/* Same, and the value must be an absolute path. */
gboolean  _vmm_check_absolute_path      (const char      *value,
                                         const char      *what,
                                         GError         **error);
/* non-empty and only [A-Za-z0-9_.-] */
gboolean  _vmm_is_simple_name           (const char      *value);

VmmDevice *_vmm_device_load             (JsonNode        *node,
                                         const char      *path,
                                         VmmJsonContext  *ctx,
                                         GError         **error);
VmmDevice *_vmm_device_copy             (VmmDevice       *self);
gboolean   _vmm_device_equal            (VmmDevice       *a,
                                         VmmDevice       *b);

G_END_DECLS
