// SPDX-License-Identifier: GPL-2.0
/*
 * record's and stream's lines made on several threads (format.h). The caller's thread gives
 * the events in their final order (the merge's), in batches; job threads each take the
 * oldest batch not yet taken and make its lines with twins of the caller's formatters; the
 * caller's thread hands the batches' lines on in order. The result is the single thread's,
 * byte for byte:
 *  - Order: a batch is a run of consecutive events, and batches go out in order.
 *  - Comms: the twins start from the saved cmdlines the caller's formatters started from,
 *    and those pids keep their comms everywhere. Any other comm is the first one a
 *    sched_switch or wakeup line registered earlier in the whole text, or one read from
 *    saved_cmdlines when a line of that pid came (format.c): a job knows only the lines of
 *    its own batches and reads saved_cmdlines at its own moments. Such a line carries the
 *    comm it showed and the comms it registered (line_deps.c); the caller's thread applies
 *    the reading rule and the registrations of every line in order to its own formatters,
 *    as one thread would, and makes a line again when it would show another comm.
 *  - Lines of plugins that keep state between lines (text_line_kind()) are made by the
 *    caller's thread, in order, from the record the batch keeps.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"
#include "util.h"

/* A batch: enough events to make a thread's hand-over rare, little enough to start soon. */
#define BATCH_EVENTS	4096u
#define BATCH_BYTES	(512u << 10)
#define NONE		UINT32_MAX

struct jev {
	uint64_t ts;
	uint64_t len;		/* the record's or line's length, the loss count */
	uint32_t off;		/* the record or line in the batch's input */
	uint32_t tag;
	int fmt;
	int cpu;
	/* Made by the job. */
	uint32_t out, out_len;	/* the line in the batch's output */
	uint32_t comm;		/* the comm it showed for pid (dyn), in the output */
	uint32_t reg[2];	/* comms it registered, in the output */
	int pid;
	int checked_pid;	/* the pid the comm rule must see (format.c) */
	int reg_pid[2];
	uint8_t nr_regs;
	bool dyn;
	bool ordered;
	bool failed;
};

enum batch_state { B_FREE, B_READY, B_BUSY, B_DONE };

struct batch {
	struct jev *ev;
	uint32_t nr, alloc;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_cap;
	enum batch_state state;
};

struct job {
	struct text_jobs *j;
	int idx;
	pthread_t thread;
	bool started;
};

struct text_jobs {
	int nr_jobs, nr_fmts;
	struct text_format **fmts;	/* the caller's */
	struct text_format **twins;	/* nr_jobs x nr_fmts */
	struct job *job;
	struct batch *b;
	unsigned int nr_b;
	unsigned int head;	/* the oldest batch not handed on yet */
	unsigned int used;	/* batches from head on that hold events */
	struct batch *cur;	/* the one being filled, or NULL */
	pthread_mutex_t lock;
	pthread_cond_t ready;	/* to the jobs: a batch to make, or stop */
	pthread_cond_t done;	/* to the caller: a batch was made */
	bool stop;
	int err;
	uint64_t remade;
};

static size_t put_bytes(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
	size_t off = *len;

	if (*len + n > *cap) {
		while (*len + n > *cap)
			*cap = *cap ? 2 * *cap : 65536;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + off, p, n);
	*len += n;
	return off;
}

static uint32_t put_out(struct batch *b, const void *p, size_t n)
{
	return put_bytes(&b->out, &b->out_len, &b->out_cap, p, n);
}

/* One event's line into the batch, with the formatter twin. */
static void make_line(struct batch *b, struct jev *e, struct text_format *twin)
{
	struct text_line_deps d;
	const char *line;
	size_t len;
	int k;

	e->nr_regs = 0;
	e->dyn = e->ordered = false;
	line = text_format_event_deps(twin, e->cpu, e->ts, b->in + e->off, e->len, &len, &d);
	if (!line) {
		e->failed = true;
		return;
	}
	e->ordered = d.ordered;
	if (d.ordered)
		return;
	e->checked_pid = d.checked_pid;
	e->out = put_out(b, line, len);
	e->out_len = len;
	e->dyn = d.dyn;
	if (d.dyn) {
		e->pid = d.pid;
		e->comm = put_out(b, d.comm, strlen(d.comm) + 1);
	}
	for (k = 0; k < d.nr_regs; k++) {
		e->reg_pid[k] = d.reg_pid[k];
		e->reg[k] = put_out(b, d.reg_comm[k], strlen(d.reg_comm[k]) + 1);
	}
	e->nr_regs = d.nr_regs;
}

static void make_batch(struct job *jb, struct batch *b)
{
	struct text_format **twins = jb->j->twins + jb->idx * jb->j->nr_fmts;
	uint32_t i;

	b->out_len = 0;
	for (i = 0; i < b->nr; i++) {
		struct jev *e = &b->ev[i];

		if (e->fmt >= 0)
			make_line(b, e, twins[e->fmt]);
		if (e->failed)
			break;
	}
}

static void *job_main(void *arg)
{
	struct job *jb = arg;
	struct text_jobs *j = jb->j;
	unsigned int k;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		struct batch *b = NULL;

		for (k = 0; k < j->used && !b; k++)
			if (j->b[(j->head + k) % j->nr_b].state == B_READY)
				b = &j->b[(j->head + k) % j->nr_b];
		if (j->stop)
			break;
		if (!b) {
			pthread_cond_wait(&j->ready, &j->lock);
			continue;
		}
		b->state = B_BUSY;
		pthread_mutex_unlock(&j->lock);
		make_batch(jb, b);
		pthread_mutex_lock(&j->lock);
		b->state = B_DONE;
		pthread_cond_signal(&j->done);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

struct text_jobs *text_jobs_new(int nr_jobs, struct text_format *const *fmts, int nr_fmts,
				char *err, size_t len)
{
	struct text_jobs *j = xcalloc(1, sizeof(*j));
	int i, f;

	j->nr_jobs = nr_jobs;
	j->nr_fmts = nr_fmts;
	j->fmts = xcalloc(nr_fmts ? nr_fmts : 1, sizeof(*j->fmts));
	memcpy(j->fmts, fmts, nr_fmts * sizeof(*fmts));
	j->twins = xcalloc((size_t)nr_jobs * (nr_fmts ? nr_fmts : 1), sizeof(*j->twins));
	j->job = xcalloc(nr_jobs, sizeof(*j->job));
	/* Two batches per job in the making or made, and one the caller fills. */
	j->nr_b = 2 * nr_jobs + 1;
	j->b = xcalloc(j->nr_b, sizeof(*j->b));
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->ready, NULL);
	pthread_cond_init(&j->done, NULL);
	for (i = 0; i < nr_jobs; i++) {
		j->job[i].j = j;
		j->job[i].idx = i;
		for (f = 0; f < nr_fmts; f++) {
			j->twins[i * nr_fmts + f] = text_format_twin(fmts[f], err, len);
			if (!j->twins[i * nr_fmts + f]) {
				text_jobs_free(j);
				return NULL;
			}
		}
	}
	return j;
}

int text_jobs_start(struct text_jobs *j)
{
	int i, ret = 0;

	for (i = 0; i < j->nr_jobs && !ret; i++) {
		ret = -pthread_create(&j->job[i].thread, NULL, job_main, &j->job[i]);
		j->job[i].started = !ret;
	}
	return ret;
}

/* e's line as the single thread makes it: registrations applied, made here if it must be. */
static int hand_on(struct text_jobs *j, struct batch *b, struct jev *e, text_jobs_put_fn put,
		   void *ctx)
{
	struct text_format *f;
	const char *line;
	size_t len;
	char lost[64];
	int k;

	if (e->fmt == TEXT_JOBS_LOSS) {
		len = text_format_lost(lost, sizeof(lost), e->cpu, (int64_t)e->len);
		return put(ctx, e->tag, lost, len, true);
	}
	if (e->fmt == TEXT_JOBS_LINE)
		return put(ctx, e->tag, b->in + e->off, e->len, false);
	if (e->failed)
		return -EIO;
	f = j->fmts[e->fmt];
	line = b->out + e->out;
	len = e->out_len;
	if (e->ordered) {
		/* Made here, in order (comms read again, registered, as one thread would). */
		line = text_format_event(f, e->cpu, e->ts, b->in + e->off, e->len, &len);
		if (!line)
			return -EIO;
		j->remade++;
		return put(ctx, e->tag, line, len, false);
	}
	text_format_check_pid(f, e->checked_pid);
	if (e->dyn && strcmp(text_format_comm(f, e->pid), b->out + e->comm)) {
		line = text_format_event_checked(f, e->cpu, e->ts, b->in + e->off, e->len, &len);
		if (!line)
			return -EIO;
		j->remade++;
	} else {
		for (k = 0; k < e->nr_regs; k++)
			text_format_register_comm(f, e->reg_pid[k], b->out + e->reg[k]);
	}
	return put(ctx, e->tag, line, len, false);
}

/* The oldest batch's lines on, once made; wait for it when wait. 1: one was handed on. */
static int hand_on_oldest(struct text_jobs *j, bool wait, text_jobs_put_fn put, void *ctx)
{
	struct batch *b = &j->b[j->head];
	uint32_t i;
	int ret = 0;

	pthread_mutex_lock(&j->lock);
	while (wait && j->used && b->state != B_DONE)
		pthread_cond_wait(&j->done, &j->lock);
	if (!j->used || b->state != B_DONE) {
		pthread_mutex_unlock(&j->lock);
		return 0;
	}
	pthread_mutex_unlock(&j->lock);
	for (i = 0; i < b->nr && !ret; i++)
		ret = hand_on(j, b, &b->ev[i], put, ctx);
	if (ret)
		j->err = ret;
	b->nr = 0;
	b->in_len = 0;
	pthread_mutex_lock(&j->lock);
	b->state = B_FREE;
	j->head = (j->head + 1) % j->nr_b;
	j->used--;
	pthread_mutex_unlock(&j->lock);
	return ret ? ret : 1;
}

/* The batch being filled to the jobs. */
static void submit(struct text_jobs *j)
{
	struct batch *b = &j->b[(j->head + j->used - 1) % j->nr_b];

	j->cur = NULL;
	pthread_mutex_lock(&j->lock);
	b->state = B_READY;
	pthread_cond_signal(&j->ready);
	pthread_mutex_unlock(&j->lock);
}

/* The batch to fill: the last one while it is being filled, else a free one. */
static int filling(struct text_jobs *j, struct batch **out, text_jobs_put_fn put, void *ctx)
{
	struct batch *b = j->used ? &j->b[(j->head + j->used - 1) % j->nr_b] : NULL;
	int ret;

	if (b && b->state == B_FREE && b->nr < BATCH_EVENTS && b->in_len < BATCH_BYTES) {
		*out = b;
		return 0;
	}
	if (b && b->state == B_FREE)
		submit(j);
	/* Lines made meanwhile go on now; with no batch free, wait for the oldest. */
	do {
		ret = hand_on_oldest(j, j->used == j->nr_b, put, ctx);
		if (ret < 0)
			return ret;
	} while (ret);
	pthread_mutex_lock(&j->lock);
	j->used++;
	pthread_mutex_unlock(&j->lock);
	*out = &j->b[(j->head + j->used - 1) % j->nr_b];
	return 0;
}

int text_jobs_add(struct text_jobs *j, int fmt, int cpu, uint64_t ts, const void *data,
		  uint64_t len, uint32_t tag, text_jobs_put_fn put, void *ctx)
{
	struct batch *b;
	struct jev *e;
	int ret;

	b = j->cur;
	if (!b || b->nr >= BATCH_EVENTS || b->in_len >= BATCH_BYTES) {
		if (j->err)
			return j->err;
		ret = filling(j, &b, put, ctx);
		if (ret)
			return j->err = ret;
		j->cur = b;
	}
	if (b->nr == b->alloc) {
		b->alloc = b->alloc ? 2 * b->alloc : 1024;
		b->ev = xrealloc(b->ev, b->alloc * sizeof(*b->ev));
	}
	/* The job sets the rest. */
	e = &b->ev[b->nr++];
	e->ts = ts;
	e->len = len;
	e->tag = tag;
	e->fmt = fmt;
	e->cpu = cpu;
	e->failed = false;
	if (fmt != TEXT_JOBS_LOSS)
		e->off = put_bytes(&b->in, &b->in_len, &b->in_cap, data, len);
	return 0;
}

int text_jobs_flush(struct text_jobs *j, text_jobs_put_fn put, void *ctx)
{
	struct batch *b = j->used ? &j->b[(j->head + j->used - 1) % j->nr_b] : NULL;
	int ret = 0;

	if (j->err)
		return j->err;
	if (b && b->state == B_FREE)
		submit(j);
	while (j->used && (ret = hand_on_oldest(j, true, put, ctx)) == 1)
		;
	return ret < 0 ? ret : 0;
}

void text_jobs_counts(const struct text_jobs *j, uint64_t *fast, uint64_t *lines,
		      uint64_t *remade)
{
	uint64_t f1, l1;
	int i;

	*fast = *lines = 0;
	for (i = 0; i < j->nr_jobs * j->nr_fmts; i++) {
		text_format_counts(j->twins[i], &f1, &l1);
		*fast += f1;
		*lines += l1;
	}
	*remade = j->remade;
}

void text_jobs_free(struct text_jobs *j)
{
	unsigned int k;
	int i;

	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	j->stop = true;
	pthread_cond_broadcast(&j->ready);
	pthread_mutex_unlock(&j->lock);
	for (i = 0; i < j->nr_jobs; i++)
		if (j->job[i].started)
			pthread_join(j->job[i].thread, NULL);
	for (i = 0; i < j->nr_jobs * j->nr_fmts; i++)
		text_format_free(j->twins[i]);
	for (k = 0; k < j->nr_b; k++) {
		free(j->b[k].ev);
		free(j->b[k].in);
		free(j->b[k].out);
	}
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->ready);
	pthread_cond_destroy(&j->done);
	free(j->b);
	free(j->job);
	free(j->twins);
	free(j->fmts);
	free(j);
}
