// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench: a D-Bus method call through dbus-daemon, with libdbus.
 *
 * Each pair gets a dbus-daemon of its own, started from $PATH with a
 * configuration written here: a session-type bus on a Unix socket in /tmp,
 * EXTERNAL authentication, and a policy that lets anyone own a name and
 * send anywhere (as the session bus's does). The server connects, owns a
 * well-known name and answers the method Echo of an object with the byte
 * array it was given; the client calls it with
 * dbus_connection_send_with_reply_and_block(), as an application would.
 * The daemon and the server run on the server's vCPU, and the daemon's CPU
 * time counts on the server's side.
 */
#include "call.h"

#include <poll.h>
#include <dbus/dbus.h>

#define DBUS_PATH	"/org/msgbox/Bench"
#define DBUS_IFACE	"org.msgbox.Bench"

/* Set in the parent before it forks the server and the client. */
static struct {
	char conf[96];		/* the daemon's configuration file */
	char sock[96];		/* its socket */
	char addr[128];		/* its address */
	char name[64];		/* the server's well-known name */
	int ready;		/* server: write end of the readiness pipe */
} db;

/*
 * libdbus-1.a refers to these two for "systemd:" listening addresses,
 * which nothing here uses; libsystemd comes as a shared library only, and
 * this program is static. As libsystemd answers outside socket activation:
 * no descriptors were passed.
 */
int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

int sd_listen_fds(int unset_environment)
{
	(void)unset_environment;
	return 0;
}

int sd_is_socket(int fd, int family, int type, int listening)
{
	(void)fd;
	(void)family;
	(void)type;
	(void)listening;
	return 0;
}

const char *dbus_probe(void)
{
	char path[PATH_MAX];

	if (prog_path("dbus-daemon", path, sizeof(path)))
		return "no dbus-daemon in PATH";
	return NULL;
}

static int dbus_write_conf(void)
{
	FILE *f = fopen(db.conf, "w");

	if (!f)
		return -errno;
	fprintf(f,
		"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus "
		"Configuration 1.0//EN\"\n"
		" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		"<busconfig>\n"
		"  <type>session</type>\n"
		"  <listen>unix:path=%s</listen>\n"
		"  <auth>EXTERNAL</auth>\n"
		"  <policy context=\"default\">\n"
		"    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
		"    <allow eavesdrop=\"true\"/>\n"
		"    <allow own=\"*\"/>\n"
		"  </policy>\n"
		"</busconfig>\n", db.sock);
	return fclose(f) ? -errno : 0;
}

/* Read a line from @fd within @secs into @buf (without the newline). */
static int read_line(int fd, char *buf, size_t len, double secs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double limit = now() + secs;
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len) {
		if (poll(&p, 1, 100) <= 0) {
			if (now() > limit)
				return -ETIMEDOUT;
			continue;
		}
		n = read(fd, buf + got, 1);
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		if (buf[got] == '\n')
			break;
		got++;
	}
	buf[got] = 0;
	return 0;
}

/* Start dbus-daemon on @cpu; its PID, its address in db.addr. */
static pid_t dbus_daemon_start(int cpu)
{
	char path[PATH_MAX], conf_arg[128];
	int pfd[2], r;
	pid_t pid;

	if (prog_path("dbus-daemon", path, sizeof(path)))
		return -ENOENT;
	r = dbus_write_conf();
	if (r)
		return r;
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin_cpu(cpu);
		if (dup2(pfd[1], 3) < 0)
			_exit(127);
		snprintf(conf_arg, sizeof(conf_arg), "--config-file=%s", db.conf);
		execl(path, "dbus-daemon", conf_arg, "--nofork", "--nopidfile",
		      "--print-address=3", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	r = read_line(pfd[0], db.addr, sizeof(db.addr), 20);
	if (r) {
		fprintf(stderr, "msgbox-bench: dbus-daemon gave no address: %s\n",
			strerror(-r));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
out:
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return r ? r : pid;
}

/* A private connection to the bus, registered (Hello); NULL on failure. */
static DBusConnection *dbus_connect(void)
{
	DBusConnection *conn;
	DBusError err;

	dbus_error_init(&err);
	conn = dbus_connection_open_private(db.addr, &err);
	if (conn && !dbus_bus_register(conn, &err)) {
		dbus_connection_close(conn);
		dbus_connection_unref(conn);
		conn = NULL;
	}
	if (!conn) {
		fprintf(stderr, "msgbox-bench: dbus: %s\n", err.message);
		dbus_error_free(&err);
	}
	return conn;
}

static int dbus_srv_attach(struct clink *c)
{
	DBusConnection *conn = dbus_connect();
	DBusError err;
	int r;

	if (!conn)
		return -ECONNREFUSED;
	dbus_error_init(&err);
	r = dbus_bus_request_name(conn, db.name, DBUS_NAME_FLAG_DO_NOT_QUEUE,
				  &err);
	if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		fprintf(stderr, "msgbox-bench: dbus: cannot own %s: %s\n",
			db.name, dbus_error_is_set(&err) ? err.message : "");
		return -EADDRINUSE;
	}
	c->priv = conn;
	if (write(db.ready, "\n", 1) != 1)
		return -errno;
	close(db.ready);
	return 0;
}

/* Answer every Echo with the byte array it carries. */
static void dbus_serve(struct clink *c, int t)
{
	DBusConnection *conn = c->priv;
	DBusMessage *msg, *reply;
	DBusError err;
	const char *data;
	int n;

	(void)t;
	dbus_error_init(&err);
	while (dbus_connection_read_write(conn, -1)) {
		while ((msg = dbus_connection_pop_message(conn))) {
			if (!dbus_message_is_method_call(msg, DBUS_IFACE, "Echo")) {
				dbus_message_unref(msg);
				continue;
			}
			if (!dbus_message_get_args(msg, &err, DBUS_TYPE_ARRAY,
						   DBUS_TYPE_BYTE, &data, &n,
						   DBUS_TYPE_INVALID))
				srv_fail(c, "Echo arguments", EPROTO);
			reply = dbus_message_new_method_return(msg);
			if (!reply ||
			    !dbus_message_append_args(reply, DBUS_TYPE_ARRAY,
						      DBUS_TYPE_BYTE, &data, n,
						      DBUS_TYPE_INVALID) ||
			    !dbus_connection_send(conn, reply, NULL))
				srv_fail(c, "reply", ENOMEM);
			dbus_connection_flush(conn);
			dbus_message_unref(reply);
			dbus_message_unref(msg);
		}
	}
	srv_fail(c, "connection", ECONNRESET);
}

int dbus_create(struct clink *c, int cpu, int nthreads)
{
	char line[8];
	pid_t pid;
	int pfd[2], r;

	(void)nthreads;
	link_init(&c->l, NULL, CALL_SIZE, opt.depth);
	name_seq++;
	snprintf(db.conf, sizeof(db.conf), "/tmp/msgbox-bench-dbus.%d.%u.conf",
		 (int)getpid(), name_seq);
	snprintf(db.sock, sizeof(db.sock), "/tmp/msgbox-bench-dbus.%d.%u.sock",
		 (int)getpid(), name_seq);
	snprintf(db.name, sizeof(db.name), "org.msgbox.Bench.s%u", name_seq);
	pid = dbus_daemon_start(cpu);
	if (pid < 0)
		return pid;
	c->srv[1] = pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		r = -errno;
		goto err;
	}
	db.ready = pfd[1];
	pid = srv_fork(c, cpu, 1, dbus_srv_attach, dbus_serve);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		r = pid;
		goto err;
	}
	c->srv[0] = pid;
	r = read_line(pfd[0], line, sizeof(line), 20) ? -ETIMEDOUT : 0;
	close(pfd[0]);
	if (r)
		goto err;
	return 0;
err:
	dbus_destroy(c);
	return r;
}

int dbus_attach(struct clink *c)
{
	c->priv = dbus_connect();
	return c->priv ? 0 : -ECONNREFUSED;
}

ssize_t dbus_call(struct clink *c, int t, char *buf, size_t len)
{
	DBusConnection *conn = c->priv;
	DBusMessage *msg, *reply;
	const char *data = buf;
	DBusError err;
	ssize_t r = -EPROTO;
	int n = (int)len;

	(void)t;
	dbus_error_init(&err);
	msg = dbus_message_new_method_call(db.name, DBUS_PATH, DBUS_IFACE,
					   "Echo");
	if (!msg || !dbus_message_append_args(msg, DBUS_TYPE_ARRAY,
					      DBUS_TYPE_BYTE, &data, n,
					      DBUS_TYPE_INVALID))
		return -ENOMEM;
	reply = dbus_connection_send_with_reply_and_block(conn, msg, 10000,
							  &err);
	dbus_message_unref(msg);
	if (!reply) {
		fprintf(stderr, "msgbox-bench: dbus call: %s\n", err.message);
		dbus_error_free(&err);
		return -EIO;
	}
	if (dbus_message_get_args(reply, &err, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE,
				  &data, &n, DBUS_TYPE_INVALID) &&
	    n >= 0 && (size_t)n <= c->l.size) {
		memcpy(buf, data, (size_t)n);
		r = n;
	}
	dbus_error_free(&err);
	dbus_message_unref(reply);
	return r;
}

void dbus_destroy(struct clink *c)
{
	srv_stop(c);
	unlink(db.conf);
	unlink(db.sock);
}
