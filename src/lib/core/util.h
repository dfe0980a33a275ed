/* SPDX-License-Identifier: GPL-2.0 */
/* Memory, file and size helpers shared by every part of remotectl. */
#ifndef REMOTECTL_UTIL_H
#define REMOTECTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * malloc() that ends the program with a message (note.h) when memory is gone: the one place
 * the library ends the process. Like git's xmalloc(), it spares every caller a path for a
 * failure it could not handle any better; all else is returned to the caller as -errno.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole (small) file into buf, NUL-terminated; returns length or -errno. */
ssize_t read_file(const char *path, char *buf, size_t size);
/*
 * A whole file of unknown size (tracefs, proc) in one malloc'd buffer, after room bytes left
 * free for the caller's header, NUL-terminated; *len counts the file's bytes only. The first
 * read asks for first bytes (kallsyms is MiBs: one read, no copy). NULL and errno on failure.
 */
char *read_whole_file(const char *path, size_t room, size_t first, size_t *len);
/* Read a file and strip the trailing newline; returns length or -errno. */
ssize_t read_line_file(const char *path, char *buf, size_t size);
/* One write() of s to an existing file; returns 0 or -errno. */
int write_file(const char *path, const char *s);
/* Does path exist (any type)? */
bool path_exists(const char *path);
bool is_dir(const char *path);

/*
 * Sizes: "512K", "4M", "1G", "2T" (binary units, optional "iB"/"B") or a plain number of KiB.
 * Returns 0 and the size in KiB, or -EINVAL (malformed or zero) / -ERANGE (too large).
 */
int parse_size_kib(const char *s, uint64_t *kib);
/* "4M" when a whole number of MiB, else "1408K"; buf of at least 24 bytes. */
const char *format_size_kib(uint64_t kib, char *buf, size_t size);

#endif
