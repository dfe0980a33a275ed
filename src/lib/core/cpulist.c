// SPDX-License-Identifier: GPL-2.0
/* CPU lists: "0-3,6". */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpulist.h"
#include "util.h"

const char *cpulist_format(const int *cpus, int nr, char *buf, size_t size)
{
	size_t len = 0;
	int i = 0;

	buf[0] = '\0';
	if (!nr)
		snprintf(buf, size, "none");
	while (i < nr && len < size) {
		int j = i;

		while (j + 1 < nr && cpus[j + 1] == cpus[j] + 1)
			j++;
		if (j == i)
			len += snprintf(buf + len, size - len, "%s%d", i ? "," : "", cpus[i]);
		else
			len += snprintf(buf + len, size - len, "%s%d-%d", i ? "," : "", cpus[i],
					cpus[j]);
		i = j + 1;
	}
	return buf;
}

static int parse_num(const char **p, int max)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (*(*p)++ - '0');
		if (v > max)
			return -1;
	}
	return v;
}

int cpulist_parse(const char *s, int max_cpu, int **cpus)
{
	bool *set = xcalloc(max_cpu + 1, sizeof(*set));
	const char *p = s;
	int nr = 0;

	for (;;) {
		int a = parse_num(&p, max_cpu), b = a;

		if (a < 0)
			goto bad;
		if (*p == '-') {
			p++;
			b = parse_num(&p, max_cpu);
			if (b < a)
				goto bad;
		}
		for (int c = a; c <= b; c++)
			set[c] = true;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	*cpus = xcalloc(max_cpu + 1, sizeof(**cpus));
	for (int c = 0; c <= max_cpu; c++)
		if (set[c])
			(*cpus)[nr++] = c;
	free(set);
	return nr;
bad:
	free(set);
	return -1;
}
