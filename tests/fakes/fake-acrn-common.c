/* fake-acrn-common.c: helpers shared by the ACRN fakes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fake-acrn-common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void
fake_append_argv_log (const char *path,
                      int         argc,
                      char      **argv)
{
  g_autoptr(GString) buf = g_string_new (NULL);
  const char *p;
  gsize left;
  int fd;

  for (int i = 1; i < argc; i++)
    {
      g_string_append (buf, argv[i]);
      g_string_append_c (buf, '\n');
    }
  g_string_append (buf, "--\n");

  fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      fprintf (stderr, "fake: cannot open argv log %s: %s\n", path, g_strerror (errno));
      return;
    }
  /* one lock + one write per record, so that concurrent fakes never
   * interleave their lines */
  while (flock (fd, LOCK_EX) < 0 && errno == EINTR)
    ;
  p = buf->str;
  left = buf->len;
  while (left > 0)
    {
      ssize_t n = write (fd, p, left);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          fprintf (stderr, "fake: cannot write argv log %s: %s\n", path, g_strerror (errno));
          break;
        }
      p += n;
      left -= (gsize) n;
    }
  close (fd);
}

gboolean
fake_env_flag (const char *name)
{
  const char *v = g_getenv (name);

  return v != NULL && *v != '\0' && strcmp (v, "0") != 0;
}

gboolean
fake_parse_dec (const char *s,
                guint64     max,
                guint64    *out)
{
  guint64 v = 0;

  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    {
      if (!g_ascii_isdigit (*s))
        return FALSE;
      if (v > (G_MAXUINT64 - (guint64) (*s - '0')) / 10)
        return FALSE;
      v = v * 10 + (guint64) (*s - '0');
    }
  if (v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
fake_parse_hex (const char *s,
                guint64     max,
                guint64    *out)
{
  guint64 v = 0;

  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    {
      int d = g_ascii_xdigit_value (*s);
      if (d < 0)
        return FALSE;
      if (v > (G_MAXUINT64 >> 4))
        return FALSE;
      v = (v << 4) | (guint64) d;
    }
  if (v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

guint64
fake_env_uint (const char *name,
               guint64     fallback)
{
  const char *v = g_getenv (name);
  guint64 out;

  if (v == NULL || *v == '\0')
    return fallback;
  if (!fake_parse_dec (v, G_MAXUINT32, &out))
    {
      fprintf (stderr, "fake: environment variable %s=%s is not a decimal number\n", name, v);
      exit (70);
    }
  return out;
}

int
fake_claim (const char *key)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  socklen_t len;
  int fd;

  /* abstract namespace: sun_path[0] == '\0'; the kernel drops the name
   * when the last fd closes, so a crashed or killed fake frees its claims */
  len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 +
                     g_snprintf (addr.sun_path + 1, sizeof addr.sun_path - 1,
                                 "libvmm-fake-acrn-%s", digest));
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (bind (fd, (struct sockaddr *) &addr, len) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}
