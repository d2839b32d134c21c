// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mailbox name behind each descriptor mq_open() returned, indexed by
 * descriptor number.
 *
 * mq_notify() with SIGEV_THREAD opens a file of its own on the mailbox and
 * needs the name for that; mq_close() and mq_notify(NULL) use it to find
 * the SIGEV_THREAD registration to end. A child after fork() keeps the
 * table, as it keeps the descriptors.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static char **names;		/* guarded by names_lock */
static size_t names_len;	/* guarded by names_lock */

static void names_fork_prepare(void)
{
	pthread_mutex_lock(&names_lock);
}

static void names_fork_done(void)
{
	pthread_mutex_unlock(&names_lock);
}

/* A fork() in another thread must not leave the child with the lock held. */
__attribute__((constructor)) static void names_init(void)
{
	pthread_atfork(names_fork_prepare, names_fork_done, names_fork_done);
}

void msgbox_mq_names_set(int fd, const char *mbname)
{
	char *copy, **grown;
	size_t len;

	if (fd < 0)
		return;
	copy = strdup(mbname);

	pthread_mutex_lock(&names_lock);
	if ((size_t)fd >= names_len) {
		len = names_len ? names_len : 64;
		while (len <= (size_t)fd)
			len *= 2;
		grown = realloc(names, len * sizeof(*names));
		if (!grown) {
			pthread_mutex_unlock(&names_lock);
			free(copy);
			return;
		}
		memset(grown + names_len, 0, (len - names_len) * sizeof(*names));
		names = grown;
		names_len = len;
	}
	/* A name left by a descriptor closed without mq_close() goes. */
	free(names[fd]);
	names[fd] = copy;
	pthread_mutex_unlock(&names_lock);
}

char *msgbox_mq_names_take(int fd)
{
	char *name = NULL;

	pthread_mutex_lock(&names_lock);
	if (fd >= 0 && (size_t)fd < names_len) {
		name = names[fd];
		names[fd] = NULL;
	}
	pthread_mutex_unlock(&names_lock);
	return name;
}

char *msgbox_mq_names_get(int fd)
{
	char *name = NULL;

	pthread_mutex_lock(&names_lock);
	if (fd >= 0 && (size_t)fd < names_len && names[fd])
		name = strdup(names[fd]);
	pthread_mutex_unlock(&names_lock);
	return name;
}
