// SPDX-License-Identifier: GPL-2.0
/* A thread per remote CPU blocked in read() of trace_pipe; see source_internal.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "monotonic.h"
#include "note.h"
#include "remote_text.h"
#include "source_internal.h"
#include "util.h"

/* The signal that interrupts a blocked read(); its handler does nothing. */
#define STOP_SIGNAL SIGUSR2
#define READ_SIZE 65536

struct text_reader {
	int cpu;
	int fd;
	int efd;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	atomic_bool done;
	atomic_uint_least64_t last_data_ns;
	int err;
	struct source_sched sched;

	pthread_mutex_t lock;
	char *lines;		/* complete lines not yet taken */
	size_t len, cap;
	char partial[REMOTE_LINE_MAX + 1];	/* a line still being read */
	size_t partial_len;
	uint64_t bytes;
};

static void on_stop_signal(int sig)
{
	(void)sig;
}

static void install_once(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* No SA_RESTART: the signal must end a blocked read() with EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(STOP_SIGNAL, &sa, NULL);
}

static void install_stop_handler(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install_once);
}

int text_reader_open(const char *path, int cpu, struct text_reader **out)
{
	struct text_reader *r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = xcalloc(1, sizeof(*r));
	r->cpu = cpu;
	r->fd = fd;
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0) {
		int err = -errno;

		close(fd);
		free(r);
		return err;
	}
	pthread_mutex_init(&r->lock, NULL);
	atomic_store(&r->last_data_ns, monotonic_ns());
	*out = r;
	return 0;
}

static void append(struct text_reader *r, const char *data, size_t len)
{
	if (r->len + len > r->cap) {
		r->cap = (r->len + len) * 2;
		r->lines = xrealloc(r->lines, r->cap);
	}
	memcpy(r->lines + r->len, data, len);
	r->len += len;
}

/*
 * Move the complete lines of data into the queue; keep the unfinished end. A line longer than
 * the kernel can print is cut at REMOTE_LINE_MAX: the parser then reports it as unparsed.
 */
static void split_lines(struct text_reader *r, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (r->partial_len < sizeof(r->partial) - 1)
			r->partial[r->partial_len++] = data[i];
		if (data[i] == '\n' || r->partial_len == sizeof(r->partial) - 1) {
			if (r->partial[r->partial_len - 1] != '\n')
				r->partial[r->partial_len++] = '\n';
			append(r, r->partial, r->partial_len);
			r->partial_len = 0;
		}
	}
}

static void *reader_thread(void *arg)
{
	struct text_reader *r = arg;
	char *buf = xmalloc(READ_SIZE);
	uint64_t one = 1;
	ssize_t n;

	source_priority_apply(&r->sched);
	while (!atomic_load(&r->stop)) {
		n = read(r->fd, buf, READ_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->err = errno;
			break;
		}
		if (n == 0) {
			/* Remotes never end a trace_pipe; a plain file or pipe does. */
			break;
		}
		atomic_store(&r->last_data_ns, monotonic_ns());
		pthread_mutex_lock(&r->lock);
		r->bytes += n;
		split_lines(r, buf, n);
		pthread_mutex_unlock(&r->lock);
		if (write(r->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			r->err = errno;
	}
	free(buf);
	atomic_store(&r->done, true);
	if (write(r->efd, &one, sizeof(one)) < 0 && errno != EAGAIN && !r->err)
		r->err = errno;
	return NULL;
}

void text_reader_sched(struct text_reader *r, const struct source_sched *rs)
{
	r->sched = *rs;
}

int text_reader_start(struct text_reader *r)
{
	sigset_t block, old;
	int err;

	install_stop_handler();
	/* The thread must take the stop signal; other threads keep their masks. */
	sigemptyset(&block);
	sigaddset(&block, STOP_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &block, &old);
	err = pthread_create(&r->thread, NULL, reader_thread, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	r->started = true;
	return 0;
}

int text_reader_fd(const struct text_reader *r)
{
	return r->efd;
}

size_t text_reader_take(struct text_reader *r, char **buf)
{
	uint64_t count;
	size_t len;

	if (read(r->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		note_warn("CPU %d: eventfd: %s", r->cpu, strerror(errno));
	pthread_mutex_lock(&r->lock);
	*buf = r->lines;
	len = r->len;
	r->lines = NULL;
	r->len = r->cap = 0;
	pthread_mutex_unlock(&r->lock);
	if (!len) {
		free(*buf);
		*buf = NULL;
	}
	return len;
}

uint64_t text_reader_idle_ns(struct text_reader *r)
{
	return monotonic_ns() - atomic_load(&r->last_data_ns);
}

int text_reader_stop(struct text_reader *r)
{
	struct timespec pause = { 0, 2 * 1000 * 1000 };

	if (!r->started)
		return r->err;
	atomic_store(&r->stop, true);
	/*
	 * A signal that lands just before the thread enters read() is lost, so repeat it until
	 * the thread is out: each one that finds it blocked ends the read with EINTR.
	 */
	while (!atomic_load(&r->done)) {
		pthread_kill(r->thread, STOP_SIGNAL);
		nanosleep(&pause, NULL);
	}
	pthread_join(r->thread, NULL);
	r->started = false;
	pthread_mutex_lock(&r->lock);
	if (r->partial_len) {
		append(r, r->partial, r->partial_len);
		append(r, "\n", 1);
		r->partial_len = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return r->err;
}

int text_reader_cpu(const struct text_reader *r)
{
	return r->cpu;
}

uint64_t text_reader_bytes(struct text_reader *r)
{
	uint64_t bytes;

	pthread_mutex_lock(&r->lock);
	bytes = r->bytes;
	pthread_mutex_unlock(&r->lock);
	return bytes;
}

void text_reader_close(struct text_reader *r)
{
	if (!r)
		return;
	text_reader_stop(r);
	close(r->fd);
	close(r->efd);
	pthread_mutex_destroy(&r->lock);
	free(r->lines);
	free(r);
}

/*
 * The text source: the reader's lines as units. It cannot know when it has caught up (a
 * remote's trace_pipe has no poll() and never says "nothing more"), so it never claims to:
 * the capture releases its lines by age instead.
 */
struct text_source {
	struct text_reader *r;
	char *buf;		/* the last unit's lines */
	uint64_t counted;	/* bytes read that units accounted for */
	bool stopped;
};

static int text_next(struct source *s, struct source_unit *u)
{
	struct text_source *ts = s->priv;
	uint64_t read_bytes;
	size_t len;

	free(ts->buf);
	ts->buf = NULL;
	len = text_reader_take(ts->r, &ts->buf);
	if (!len)
		return ts->stopped ? -ENODATA : 0;
	read_bytes = text_reader_bytes(ts->r);
	*u = (struct source_unit){ .buf = ts->buf, .len = len, .end = read_bytes - ts->counted,
				   .partial = true, .whole = true, .lines = true };
	ts->counted = read_bytes;
	return 1;
}

static uint64_t text_idle_ns(struct source *s)
{
	struct text_source *ts = s->priv;

	return text_reader_idle_ns(ts->r);
}

static void text_stop(struct source *s)
{
	struct text_source *ts = s->priv;

	text_reader_stop(ts->r);
	ts->stopped = true;
}

static void text_close(struct source *s)
{
	struct text_source *ts = s->priv;

	text_reader_close(ts->r);
	free(ts->buf);
	free(ts);
}

static const struct source_ops text_ops = {
	.name = "text",
	.next = text_next,
	.idle_ns = text_idle_ns,
	.stop = text_stop,
	.close = text_close,
};

int source_text_open(const struct source_params *p, const struct source_sched *sched,
		     struct source **out, char *why, size_t len)
{
	struct text_source *ts;
	struct text_reader *r;
	struct source *s;
	int err;

	err = text_reader_open(p->raw_path, p->cpu, &r);
	if (err) {
		snprintf(why, len, "cannot open CPU %d's trace_pipe: %s", p->cpu, strerror(-err));
		return err;
	}
	text_reader_sched(r, sched);
	err = text_reader_start(r);
	if (err) {
		snprintf(why, len, "cannot start a reader thread: %s", strerror(-err));
		text_reader_close(r);
		return err;
	}
	ts = xcalloc(1, sizeof(*ts));
	ts->r = r;
	s = xcalloc(1, sizeof(*s));
	s->ops = &text_ops;
	source_params_copy(&s->p, p);
	s->fd = text_reader_fd(r);
	s->priv = ts;
	*out = s;
	return 0;
}
