/* acrn-name.c: VM names that fit acrn-dm's 15-character limit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * acrn-dm refuses a VM name longer than 15 bytes, and acrnctl finds the
 * manager socket of a VM (`/run/acrn/mngr/NAME.monitor.PID.socket`) by
 * taking each socket file's name up to its FIRST '.' and checking whether
 * that is a prefix of the name it was given (strncmp over the socket's
 * length). So:
 *
 *  - `acrnctl stop vm10` reaches `vm1` when `vm1` is running (`vm1` is a
 *    prefix of `vm10`); `acrnctl stop vm1` does not reach `vm10`;
 *  - a VM named `a.b` is known to acrnctl as `a`, and then any request
 *    for a name starting with `a` may reach it.
 *
 * Names made here:
 *
 *  - `sbx-<id>` when that fits in 15 bytes AND the id is made only of
 *    `[A-Za-z0-9_-]` (no '.', no byte that a socket file name or acrnctl
 *    would treat specially);
 *  - otherwise `sbx_` + the first 11 lowercase hex digits of SHA-256(id):
 *    exactly 15 characters, deterministic, so 64-hex container ids work
 *    and a restarted manager finds the same name again.
 *
 * Which names can still collide:
 *
 *  - two hashed names have the same length, so neither can be a proper
 *    prefix of the other; they collide only when their 44-bit hash
 *    prefixes are equal: by chance that is the birthday bound (even odds
 *    only with about 2^22 = 4 million VMs on one host), or on purpose,
 *    by someone who searches for an id matching another VM's hash;
 *  - a direct name and a hashed name never collide: they differ in their
 *    4th character (`-` against `_`);
 *  - two direct names collide when one id is a prefix of the other
 *    (`sbx-vm1` and `sbx-vm10`): a request for the longer one can reach
 *    the shorter one.
 *
 * A caller that is about to run acrnctl for NAME while other VMs exist
 * must check every other live VM with acrn_vm_name_is_prefix_ambiguous()
 * and refuse the call when one matches.
 */
#include "config.h"

#include <string.h>

#include "acrn-name.h"

/* 11 hex digits = 44 bits of the hash; with the 4-byte prefix: 15. */
#define HASH_DIGITS (ACRN_VM_NAME_MAX - (sizeof ACRN_VM_NAME_HASHED_PREFIX - 1))

G_STATIC_ASSERT (sizeof ACRN_VM_NAME_PREFIX == sizeof ACRN_VM_NAME_HASHED_PREFIX);
G_STATIC_ASSERT (HASH_DIGITS == 11);

static gboolean
id_is_plain (const char *id)
{
  const char *p;

  if (*id == '\0')
    return FALSE;

  for (p = id; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

/**
 * acrn_vm_name_for_id:
 * @id: the sandbox (VM) id; any non-%NULL string
 *
 * Makes the acrn-dm VM name for @id: `sbx-<id>` when that is at most
 * %ACRN_VM_NAME_MAX bytes and @id only has `[A-Za-z0-9_-]`, otherwise
 * %ACRN_VM_NAME_HASHED_PREFIX followed by the first 11 lowercase hex
 * digits of SHA-256(@id), exactly %ACRN_VM_NAME_MAX characters.
 *
 * The result only depends on @id. It does not check that @id is a valid
 * id (see acrn_cmdline_check_config()).
 *
 * Returns: (transfer full): the VM name, 1 to 15 bytes of `[A-Za-z0-9_-]`
 */
char *
acrn_vm_name_for_id (const char *id)
{
  g_autoptr(GChecksum) checksum = NULL;
  const char *digest;

  g_return_val_if_fail (id != NULL, NULL);

  if (id_is_plain (id) &&
      strlen (ACRN_VM_NAME_PREFIX) + strlen (id) <= ACRN_VM_NAME_MAX)
    return g_strconcat (ACRN_VM_NAME_PREFIX, id, NULL);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) id, strlen (id));
  digest = g_checksum_get_string (checksum); /* lowercase hex */

  return g_strdup_printf ("%s%.*s", ACRN_VM_NAME_HASHED_PREFIX,
                          (int) HASH_DIGITS, digest);
}

/**
 * acrn_vm_name_is_hashed:
 * @name: a VM name
 *
 * Returns: whether @name has the form acrn_vm_name_for_id() gives to ids
 *   that do not fit (%ACRN_VM_NAME_HASHED_PREFIX + 11 lowercase hex digits)
 */
gboolean
acrn_vm_name_is_hashed (const char *name)
{
  const char *p;

  g_return_val_if_fail (name != NULL, FALSE);

  if (strlen (name) != ACRN_VM_NAME_MAX ||
      !g_str_has_prefix (name, ACRN_VM_NAME_HASHED_PREFIX))
    return FALSE;

  for (p = name + strlen (ACRN_VM_NAME_HASHED_PREFIX); *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
        return FALSE;
    }

  return TRUE;
}

/**
 * acrn_vm_name_is_prefix_ambiguous:
 * @name: the VM name an acrnctl command is about to address
 * @other: the name of another VM that runs (or may run) on the host
 *
 * Tells whether `acrnctl <cmd> @name` could be routed to the VM called
 * @other instead of @name. acrnctl takes each manager socket's file name
 * up to its first '.', and picks the first socket for which that part is
 * a prefix of the requested name. So @other can capture requests for
 * @name when the part of @other before its first '.' is a prefix of
 * @name, and @other is not @name itself.
 *
 * The relation is directional: with `vm1` and `vm10`, a request for
 * `vm10` is ambiguous (TRUE for (`vm10`, `vm1`)), one for `vm1` is not
 * (FALSE for (`vm1`, `vm10`)).
 *
 * Returns: %TRUE if a command for @name may reach @other
 */
gboolean
acrn_vm_name_is_prefix_ambiguous (const char *name,
                                  const char *other)
{
  const char *dot;
  gsize key_len;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (other != NULL, FALSE);

  if (strcmp (name, other) == 0)
    return FALSE;

  dot = strchr (other, '.');
  key_len = dot != NULL ? (gsize) (dot - other) : strlen (other);

  /* acrnctl skips socket names that start with '.' */
  if (key_len == 0)
    return FALSE;

  return strncmp (other, name, key_len) == 0;
}
