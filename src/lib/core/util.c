// SPDX-License-Identifier: GPL-2.0
/* Memory, file and size helpers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "note.h"
#include "util.h"

static void *oom(void *p)
{
	if (!p) {
		note_error("out of memory");
		/* 1, the exit code of a failure at run time (util.h says why this exits). */
		exit(1);
	}
	return p;
}

void *xmalloc(size_t size)
{
	return oom(malloc(size ? size : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return oom(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t size)
{
	return oom(realloc(p, size ? size : 1));
}

char *xstrdup(const char *s)
{
	return oom(strdup(s));
}

char *xstrndup(const char *s, size_t n)
{
	return oom(strndup(s, n));
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return oom(n < 0 ? NULL : s);
}

ssize_t read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!size)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

char *read_whole_file(const char *path, size_t room, size_t first, size_t *len)
{
	size_t cap = room + first + 1;
	char *buf;
	ssize_t n;
	int fd, err;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		n = read(fd, buf + room + *len, cap - 1 - room - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += n;
		if (room + *len + 1 == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	err = errno;
	close(fd);
	if (n < 0) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[room + *len] = '\0';
	return buf;
}

ssize_t read_line_file(const char *path, char *buf, size_t size)
{
	ssize_t n = read_file(path, buf, size);

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

int write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	if (close(fd) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int parse_size_kib(const char *s, uint64_t *kib)
{
	uint64_t n = 0, shift = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		n = n * 10 + (*p - '0');
	}
	switch (toupper((unsigned char)*p)) {
	case '\0':
		break;
	case 'K':
		shift = 0;
		p++;
		break;
	case 'M':
		shift = 10;
		p++;
		break;
	case 'G':
		shift = 20;
		p++;
		break;
	case 'T':
		shift = 30;
		p++;
		break;
	default:
		return -EINVAL;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'B' || *p == 'b')
		p++;
	if (*p)
		return -EINVAL;
	if (!n)
		return -EINVAL;
	/* The kernel multiplies KiB by 1024 into an unsigned long: keep n << 10 in range. */
	if (n > (UINT64_MAX >> 10 >> shift))
		return -ERANGE;
	*kib = n << shift;
	return 0;
}

const char *format_size_kib(uint64_t kib, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = 0;

	while (u < 3 && kib && kib % 1024 == 0) {
		kib /= 1024;
		u++;
	}
	snprintf(buf, size, "%llu%c", (unsigned long long)kib, units[u]);
	return buf;
}
