// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file, msgbox-bridge.conf(5): one directive per line,
 * words separated by blanks, '#' starts a comment. Every error is reported
 * as "FILE:LINE: what" and makes the load fail.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bridge.h"

#define MAX_WORDS 32

static int conf_uint(const char *s, unsigned int min, unsigned int max,
		     int base, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int conf_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (!n || n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Host names become parts of queue names: keep them plain. */
static int conf_host_ok(const char *s)
{
	if (!*s || strlen(s) > BRIDGE_HOST_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return 0;
	return 1;
}

static int conf_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > BRIDGE_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || *s == 0x7f || *s == '/')
			return 0;
	return 1;
}

static int conf_mailbox(struct bridge_conf *c, char **w, int n,
			const char *file, int line)
{
	struct bridge_mbox_conf *m;
	unsigned int v;
	int i;

	if (n < 2) {
		bridge_log(LOG_ERR, "%s:%d: mailbox needs a name", file, line);
		return -1;
	}
	if (c->nmb == BRIDGE_MAX_MAILBOXES) {
		bridge_log(LOG_ERR, "%s:%d: more than %d mailboxes", file, line,
			   BRIDGE_MAX_MAILBOXES);
		return -1;
	}
	if (!conf_name_ok(w[1]) || strlen(w[1]) > 200) {
		bridge_log(LOG_ERR, "%s:%d: bad mailbox name '%s'", file, line,
			   w[1]);
		return -1;
	}
	for (v = 0; v < c->nmb; v++) {
		if (!strcmp(c->mb[v].name, w[1])) {
			bridge_log(LOG_ERR, "%s:%d: mailbox '%s' bridged twice",
				   file, line, w[1]);
			return -1;
		}
	}
	m = &c->mb[c->nmb];
	memset(m, 0, sizeof(*m));
	strcpy(m->name, w[1]);
	m->class = BRIDGE_RELIABLE;
	m->queue_length = 1000;
	m->priorities = 10;
	m->prefetch = 256;
	m->capacity = 64;
	m->max_size = 8192;
	m->mode = 0666;
	m->spool = 256;
	m->calls = 8;
	m->call_timeout = 30;

	for (i = 2; i < n; i++) {
		char *k = w[i], *val = strchr(k, '=');
		int bad = 0;

		if (val)
			*val++ = '\0';
		if (!strcmp(k, "create") && !val) {
			m->create = 1;
		} else if (!strcmp(k, "envelope") && !val) {
			m->envelope = 1;
		} else if (!val) {
			bad = 1;
		} else if (!strcmp(k, "out")) {
			bad = !conf_name_ok(val) || conf_copy(m->out, sizeof(m->out), val);
		} else if (!strcmp(k, "in")) {
			bad = !conf_name_ok(val) || conf_copy(m->in, sizeof(m->in), val);
		} else if (!strcmp(k, "class")) {
			if (!strcmp(val, "reliable"))
				m->class = BRIDGE_RELIABLE;
			else if (!strcmp(val, "best-effort"))
				m->class = BRIDGE_BEST_EFFORT;
			else
				bad = 1;
		} else if (!strcmp(k, "queue-length")) {
			bad = conf_uint(val, 1, 1000000, 10, &m->queue_length);
		} else if (!strcmp(k, "priorities")) {
			bad = conf_uint(val, 1, 255, 10, &m->priorities);
		} else if (!strcmp(k, "prefetch")) {
			bad = conf_uint(val, 1, BRIDGE_RING / 4, 10, &m->prefetch);
		} else if (!strcmp(k, "capacity")) {
			bad = conf_uint(val, 1, 65536, 10, &m->capacity);
		} else if (!strcmp(k, "max-size")) {
			bad = conf_uint(val, 1, 16 << 20, 10, &m->max_size);
		} else if (!strcmp(k, "mode")) {
			bad = conf_uint(val, 0, 0777, 8, &m->mode);
		} else if (!strcmp(k, "spool")) {
			bad = conf_uint(val, 1, BRIDGE_HISTORY, 10, &m->spool);
		} else if (!strcmp(k, "calls")) {
			bad = conf_uint(val, 0, BRIDGE_CALLS_MAX, 10, &m->calls);
		} else if (!strcmp(k, "call-timeout")) {
			bad = conf_uint(val, 1, 3600, 10, &m->call_timeout);
		} else if (!strcmp(k, "test-corrupt")) {
			bad = conf_uint(val, 0, UINT_MAX, 10, &m->corrupt_every);
		} else if (!strcmp(k, "test-kill-held")) {
			bad = conf_uint(val, 0, UINT_MAX, 10, &m->kill_held);
		} else if (!strcmp(k, "test-kill-in")) {
			bad = conf_uint(val, 0, UINT_MAX, 10, &m->kill_in);
		} else {
			bridge_log(LOG_ERR, "%s:%d: unknown mailbox option '%s'",
				   file, line, k);
			return -1;
		}
		if (bad) {
			bridge_log(LOG_ERR, "%s:%d: bad value for mailbox option '%s'",
				   file, line, k);
			return -1;
		}
	}
	if (!m->out[0] && !m->in[0]) {
		bridge_log(LOG_ERR, "%s:%d: mailbox '%s' has neither out= nor in=",
			   file, line, m->name);
		return -1;
	}
	if (m->out[0] && !strcmp(m->out, m->in)) {
		bridge_log(LOG_ERR, "%s:%d: mailbox '%s': out= and in= must differ",
			   file, line, m->name);
		return -1;
	}
	c->nmb++;
	return 0;
}

/**
 * bridge_conf_load() - read and check a configuration file
 * @c: filled
 * @path: the file
 *
 * Return: 0, or -1 after logging one line that says what is wrong.
 */
int bridge_conf_load(struct bridge_conf *c, const char *path)
{
	char buf[4096], *w[MAX_WORDS], *p, *colon;
	unsigned int v;
	int line = 0, n, i, ret = -1;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->broker_port = 5672;
	strcpy(c->vhost, "/");
	strcpy(c->user, "guest");
	strcpy(c->password, "guest");
	strcpy(c->state, "/var/lib/msgbox-bridge");
	c->sync = 1;
	c->heartbeat = 10;

	f = fopen(path, "re");
	if (!f) {
		bridge_log(LOG_ERR, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			bridge_log(LOG_ERR, "%s:%d: line too long", path, line);
			goto out;
		}
		p = strchr(buf, '#');
		if (p)
			*p = '\0';
		n = 0;
		for (p = strtok(buf, " \t\r\n"); p && n < MAX_WORDS;
		     p = strtok(NULL, " \t\r\n"))
			w[n++] = p;
		if (!n)
			continue;
		if (p) {
			bridge_log(LOG_ERR, "%s:%d: too many words", path, line);
			goto out;
		}
		if (!strcmp(w[0], "mailbox")) {
			if (conf_mailbox(c, w, n, path, line))
				goto out;
			continue;
		}
		if (!strcmp(w[0], "hosts")) {
			if (n < 2 || n - 1 > BRIDGE_MAX_HOSTS) {
				bridge_log(LOG_ERR, "%s:%d: hosts takes 1 to %d names",
					   path, line, BRIDGE_MAX_HOSTS);
				goto out;
			}
			for (i = 1; i < n; i++) {
				if (!conf_host_ok(w[i])) {
					bridge_log(LOG_ERR, "%s:%d: bad host name '%s'",
						   path, line, w[i]);
					goto out;
				}
				strcpy(c->hosts[i - 1], w[i]);
			}
			c->nhosts = n - 1;
			continue;
		}
		if (n != 2) {
			bridge_log(LOG_ERR, "%s:%d: '%s' takes one value", path,
				   line, w[0]);
			goto out;
		}
		if (!strcmp(w[0], "broker")) {
			colon = strrchr(w[1], ':');
			if (colon) {
				*colon++ = '\0';
				if (conf_uint(colon, 1, 65535, 10, &v)) {
					bridge_log(LOG_ERR, "%s:%d: bad port '%s'",
						   path, line, colon);
					goto out;
				}
				c->broker_port = v;
			}
			if (conf_copy(c->broker_host, sizeof(c->broker_host), w[1]))
				goto bad;
		} else if (!strcmp(w[0], "vhost")) {
			if (conf_copy(c->vhost, sizeof(c->vhost), w[1]))
				goto bad;
		} else if (!strcmp(w[0], "user")) {
			if (conf_copy(c->user, sizeof(c->user), w[1]))
				goto bad;
		} else if (!strcmp(w[0], "password")) {
			if (conf_copy(c->password, sizeof(c->password), w[1]))
				goto bad;
		} else if (!strcmp(w[0], "host")) {
			if (!conf_host_ok(w[1]))
				goto bad;
			strcpy(c->host, w[1]);
		} else if (!strcmp(w[0], "state")) {
			if (w[1][0] != '/' ||
			    conf_copy(c->state, sizeof(c->state) - 300, w[1]))
				goto bad;
		} else if (!strcmp(w[0], "sync")) {
			if (!strcmp(w[1], "yes"))
				c->sync = 1;
			else if (!strcmp(w[1], "no"))
				c->sync = 0;
			else
				goto bad;
		} else if (!strcmp(w[0], "direct")) {
			if (!strcmp(w[1], "yes"))
				c->direct = 1;
			else if (!strcmp(w[1], "no"))
				c->direct = 0;
			else
				goto bad;
		} else if (!strcmp(w[0], "heartbeat")) {
			if (conf_uint(w[1], 0, 3600, 10, &v))
				goto bad;
			c->heartbeat = v;
		} else {
			bridge_log(LOG_ERR, "%s:%d: unknown directive '%s'", path,
				   line, w[0]);
			goto out;
		}
		continue;
bad:
		bridge_log(LOG_ERR, "%s:%d: bad value '%s' for %s", path, line,
			   w[1], w[0]);
		goto out;
	}
	if (ferror(f)) {
		bridge_log(LOG_ERR, "%s: read error", path);
		goto out;
	}
	if (!c->broker_host[0]) {
		bridge_log(LOG_ERR, "%s: no broker line", path);
		goto out;
	}
	if (!c->host[0]) {
		bridge_log(LOG_ERR, "%s: no host line", path);
		goto out;
	}
	if (!c->nmb) {
		bridge_log(LOG_ERR, "%s: no mailbox line", path);
		goto out;
	}
	if (!c->nhosts) {
		strcpy(c->hosts[0], c->host);
		c->nhosts = 1;
	}
	for (v = 0; v < c->nhosts && strcmp(c->hosts[v], c->host); v++)
		;
	if (v == c->nhosts) {
		for (i = 0; i < (int)c->nmb; i++) {
			if (c->mb[i].in[0] && c->mb[i].class == BRIDGE_RELIABLE) {
				bridge_log(LOG_ERR, "%s: host %s receives mailbox %s but is not in the hosts line",
					   path, c->host, c->mb[i].name);
				goto out;
			}
		}
	}
	if (c->direct) {
		/* "@HOST" for every other host, and the way in. */
		for (v = 0; v <= c->nhosts; v++) {
			struct bridge_mbox_conf *m = &c->mb[c->nmb];
			const char *h = v < c->nhosts ? c->hosts[v] : c->host;

			if (v < c->nhosts && !strcmp(h, c->host))
				continue;
			memset(m, 0, sizeof(*m));
			snprintf(m->name, sizeof(m->name), "@%s", h);
			m->class = BRIDGE_RELIABLE;
			m->queue_length = 1000;
			m->priorities = 10;
			m->prefetch = 16;
			m->capacity = 64;
			m->max_size = 8192;
			m->mode = 0666;
			m->spool = 64;
			m->create = 1;
			if (v < c->nhosts) {
				m->kind = BRIDGE_DIRECT_OUT;
				strcpy(m->out, m->name);
			} else {
				m->kind = BRIDGE_DIRECT_IN;
			}
			c->nmb++;
		}
	}
	ret = 0;
out:
	fclose(f);
	return ret;
}
