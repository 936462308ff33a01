/* acrn-cpuinfo.h: LAPIC ids of the Service VM and the allowed-cpus set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal to the ACRN backend. Since ACRN 3.0, `acrn-dm --cpu_affinity`
 * takes LAPIC ids, i.e. the values of the `apicid` lines of the Service
 * VM's /proc/cpuinfo, which are often not contiguous (0,2,4,6 on a host
 * with SMT siblings hidden, for instance).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ACRN_CPUINFO_DEFAULT_PATH:
 *
 * Where the LAPIC ids are read from when the caller has no other file.
 */
#define ACRN_CPUINFO_DEFAULT_PATH "/proc/cpuinfo"

/**
 * AcrnCpuRange:
 * @first: first LAPIC id of the range
 * @last: last LAPIC id of the range (inclusive, `>= first`)
 *
 * One element of a CPU list such as `0-3,6` (here `{0,3}` and `{6,6}`).
 */
typedef struct {
  guint32 first;
  guint32 last;
} AcrnCpuRange;

GArray  *acrn_cpuinfo_read_apic_ids (const char     *cpuinfo_path,
                                     GError        **error);
GArray  *acrn_cpuinfo_parse_apic_ids (const char    *contents,
                                      gssize         length,
                                      const char    *source_name,
                                      GError       **error);

gboolean acrn_cpu_list_parse        (const char     *text,
                                     const char     *field_name,
                                     GArray        **out_ranges,
                                     GError        **error);
GArray  *acrn_cpu_set_resolve       (const guint32  *present_ids,
                                     guint           n_present,
                                     const char     *allowed_cpus,
                                     const char     *source_name,
                                     GError        **error);
GArray  *acrn_cpu_set_load          (const char     *cpuinfo_path,
                                     const char     *allowed_cpus,
                                     GError        **error);

char    *acrn_cpu_list_format       (const guint32  *ids,
                                     guint           n_ids);
char    *acrn_cpu_affinity_format   (const guint32  *ids,
                                     guint           n_ids);

G_END_DECLS
