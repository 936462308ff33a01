/* test-plugin-path-helper.c: prints the plugin search path of a new
 * VmmPluginManager, for test-plugin-manager's setgid test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Output: "secure=N" (getauxval (AT_SECURE)), then one directory per line.
 * It is linked with libvmm's objects, not with libvmm-1.so: a setgid
 * program ignores LD_LIBRARY_PATH and $ORIGIN rpaths, so it could not find
 * the library of the build tree.
 */
#include "config.h"

#include <stdio.h>
#include <sys/auxv.h>
#include <libvmm/vmm.h>

int
main (int   argc,
      char *argv[])
{
  g_autoptr(VmmPluginManager) manager = vmm_plugin_manager_new ();
  const char * const *path = vmm_plugin_manager_get_search_path (manager);

  printf ("secure=%lu\n", getauxval (AT_SECURE));
  for (guint i = 0; path[i] != NULL; i++)
    printf ("%s\n", path[i]);

  return 0;
}
