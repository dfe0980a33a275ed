// SPDX-License-Identifier: GPL-2.0
/* The capture in a session of its own, its autogroup at the readers' nice: see the header. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "own_session.h"
#include "util.h"

#define CAP_SYS_NICE_BIT	23	/* linux/capability.h */

static const int passed_on[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static volatile sig_atomic_t child;
static volatile sig_atomic_t stopping;	/* SIGTSTP came; cleared by SIGCONT */
static pid_t parent_pid;		/* in the child: the process that waits for us */

/* 1 on, 0 switched off, -1 not in this kernel (no CONFIG_SCHED_AUTOGROUP). */
static int autogroup_enabled(void)
{
	char buf[8];

	if (read_line_file("/proc/sys/kernel/sched_autogroup_enabled", buf, sizeof(buf)) <= 0)
		return -1;
	return !strcmp(buf, "1");
}

/*
 * Autogroups apply to tasks of the root cpu cgroup only. v1: the hierarchy with the cpu
 * controller must put us at "/"; v2: anywhere, unless the root delegates cpu to its children.
 */
static bool in_root_cpu_group(void)
{
	char buf[4096], ctl[512], *line, *save, *tok, *ctls, *path, *tsave;
	bool v2_root = true;

	if (read_file("/proc/self/cgroup", buf, sizeof(buf)) <= 0)
		return true;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ctls = strchr(line, ':');
		path = ctls ? strchr(ctls + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		ctls++;
		if (!*ctls) {
			v2_root = !strcmp(path, "/");
			continue;
		}
		for (tok = strtok_r(ctls, ",", &tsave); tok; tok = strtok_r(NULL, ",", &tsave))
			if (!strcmp(tok, "cpu"))
				return !strcmp(path, "/");
	}
	if (v2_root || read_file("/sys/fs/cgroup/cgroup.subtree_control", ctl, sizeof(ctl)) <= 0)
		return true;
	for (tok = strtok_r(ctl, " \n", &tsave); tok; tok = strtok_r(NULL, " \n", &tsave))
		if (!strcmp(tok, "cpu"))
			return false;
	return true;
}

/*
 * "/autogroup-42 nice 0": 1 and *nice. 0 for the root autogroup, which the kernel shows as an
 * empty file: init's, kept by everything it starts without setsid() (a CI runner's commands).
 */
static int autogroup_nice(int *nice)
{
	char buf[128], *p;
	ssize_t len = read_line_file("/proc/self/autogroup", buf, sizeof(buf));

	if (len <= 0)
		return len < 0 ? -1 : 0;
	p = strstr(buf, " nice ");
	return p && sscanf(p, " nice %d", nice) == 1 ? 1 : -1;
}

/* What the kernel's can_nice() asks: CAP_SYS_NICE, or an RLIMIT_NICE that reaches want. */
static bool may_nice(int want)
{
	char buf[4096], *p;
	unsigned long long caps;
	struct rlimit rl;

	if (read_file("/proc/self/status", buf, sizeof(buf)) > 0 &&
	    (p = strstr(buf, "\nCapEff:")) &&
	    sscanf(p + 8, "%llx", &caps) == 1 && (caps >> CAP_SYS_NICE_BIT & 1))
		return true;
	return !getrlimit(RLIMIT_NICE, &rl) && rl.rlim_cur >= (rlim_t)(20 - want);
}

/* Without CAP_SYS_ADMIN the kernel takes one autogroup change per 100 ms, machine-wide. */
static int set_autogroup_nice(int nice)
{
	struct timespec pause = { 0, 25 * 1000 * 1000 };
	char val[16];
	int ret;

	snprintf(val, sizeof(val), "%d", nice);
	for (int i = 0; i < 8; i++) {
		ret = write_file("/proc/self/autogroup", val);
		if (ret != -EAGAIN)
			break;
		nanosleep(&pause, NULL);
	}
	return ret;
}

static void pass_on(int sig)
{
	int saved = errno;

	kill(child, sig);
	errno = saved;
}

static void on_tstp(int sig);

static void catch_tstp(void)
{
	struct sigaction tstp = { .sa_handler = on_tstp };

	sigemptyset(&tstp.sa_mask);
	sigaction(SIGTSTP, &tstp, NULL);
}

/* SIGHUP under nohup, SIGQUIT in a script's background: ignored they stay, in both processes. */
static bool ignored(int sig)
{
	struct sigaction cur;

	return sig != SIGINT && sig != SIGTERM && !sigaction(sig, NULL, &cur) &&
	       cur.sa_handler == SIG_IGN;
}

static void on_tstp(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int saved = errno;

	(void)sig;
	stopping = 1;
	/* The child's session is orphaned: SIGTSTP would be discarded there, SIGSTOP is not. */
	kill(child, SIGSTOP);
	sigaction(SIGTSTP, &dfl, NULL);
	raise(SIGTSTP);		/* taken when the handler returns: we stop */
	errno = saved;
}

static void on_cont(int sig)
{
	int saved = errno;

	(void)sig;
	stopping = 0;
	kill(child, SIGCONT);
	catch_tstp();
	errno = saved;
}

/*
 * The child's SIGCONT, also its parent-death signal: a stopped child (Ctrl-Z) would not act on
 * SIGTERM until continued, and nobody continues it once the parent is gone. Gone: stop as on
 * SIGTERM, which restores the target.
 */
static void on_child_cont(int sig)
{
	int saved = errno;

	(void)sig;
	if (getppid() != parent_pid)
		kill(getpid(), SIGTERM);
	errno = saved;
}

/* The parent: pass signals on, wait; the child's wait status, or -errno. */
static int wait_child(const sigset_t *old)
{
	struct sigaction sa = { .sa_handler = pass_on };
	int status;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++)
		if (!ignored(passed_on[i]))
			sigaction(passed_on[i], &sa, NULL);
	if (!ignored(SIGTSTP))
		catch_tstp();
	sa.sa_handler = on_cont;
	sigaction(SIGCONT, &sa, NULL);
	sigprocmask(SIG_SETMASK, old, NULL);
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		/*
		 * Still running after SIGTSTP: the kernel discarded our stop (an orphaned process
		 * group), so the child goes on too. A real stop ends in SIGCONT's handler first.
		 */
		if (stopping)
			on_cont(0);
	}
	return status;
}

void own_session_end_as(int status)
{
	struct rlimit no_core = { 0, 0 };
	int sig;

	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	/* Die of the same signal, for the shell; a core dump, if any, is the child's. */
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	raise(sig);
	exit(128 + sig);
}

#define CALLER	"capturing in the caller's session: "

int own_session_enter(const struct source_sched *rs, struct own_session *os)
{
	int now, want, group, ret;
	pid_t parent = getpid(), pid;
	sigset_t block, old;
	struct sigaction cont = { 0 };

	os->why[0] = 0;
	os->status = 0;
	switch (autogroup_enabled()) {
	case -1:
		return OWN_SESSION_NONE;
	case 0:
		snprintf(os->why, sizeof(os->why), CALLER "autogroup scheduling is off");
		return OWN_SESSION_NONE;
	}
	if (rs->rt_priority > 0) {
		snprintf(os->why, sizeof(os->why), CALLER "the readers are real-time");
		return OWN_SESSION_NONE;
	}
	if (!in_root_cpu_group()) {
		snprintf(os->why, sizeof(os->why),
			 CALLER "outside the root cpu cgroup, autogroups do not apply");
		return OWN_SESSION_NONE;
	}
	errno = 0;
	now = getpriority(PRIO_PROCESS, 0);
	if (errno)
		return OWN_SESSION_NONE;
	want = source_priority_nice(rs, now);
	ret = autogroup_nice(&group);
	if (ret < 0)
		return OWN_SESSION_NONE;
	/* Threads of the root autogroup weigh against every other session's whole group. */
	if (!ret) {
		snprintf(os->why, sizeof(os->why), CALLER "in the root autogroup the readers' "
			 "nice %d counts against every other session", want);
		return OWN_SESSION_NONE;
	}
	if (want >= group) {
		snprintf(os->why, sizeof(os->why), CALLER "readers at nice %d, not below its "
			 "autogroup nice %d", want, group);
		return OWN_SESSION_NONE;
	}
	if (!may_nice(want)) {
		snprintf(os->why, sizeof(os->why), CALLER "autogroup nice %d not allowed", want);
		return OWN_SESSION_NONE;
	}
	fflush(NULL);
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++)
		sigaddset(&block, passed_on[i]);
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGCONT);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid < 0) {
		snprintf(os->why, sizeof(os->why), CALLER "fork: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return OWN_SESSION_NONE;
	}
	if (pid > 0) {
		child = pid;
		os->status = wait_child(&old);
		return OWN_SESSION_PARENT;
	}
	parent_pid = parent;
	cont.sa_handler = on_child_cont;
	cont.sa_flags = SA_RESTART;
	sigemptyset(&cont.sa_mask);
	sigaction(SIGCONT, &cont, NULL);
	/* Nobody would wait for us, or pass a signal on: end before anything changes. */
	if (prctl(PR_SET_PDEATHSIG, SIGCONT) || getppid() != parent)
		return OWN_SESSION_ORPHAN;
	setsid();
	ret = set_autogroup_nice(want);
	if (ret)
		snprintf(os->why, sizeof(os->why), "capturing in a session of its own (pid %d): "
			 "autogroup nice %d refused (%s)", getpid(), want, strerror(-ret));
	else
		snprintf(os->why, sizeof(os->why), "capturing in a session of its own (pid %d), "
			 "autogroup nice %d", getpid(), want);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return OWN_SESSION_CHILD;
}
