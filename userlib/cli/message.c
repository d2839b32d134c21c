// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msgbox(1) send and recv: messages from stdin or arguments to a
 * mailbox or a process's port, and from a mailbox or this process's
 * port to stdout.
 */
#include "cli.h"

/* A signal that should end "recv" once the message in hand is written. */
static volatile sig_atomic_t caught_signal;

/* ---- send ---------------------------------------------------------- */

static const char send_help[] =
	"Usage: msgbox send NAME [MESSAGE] [OPTIONS]\n"
	"       msgbox send --pid PID [MESSAGE] [OPTIONS]\n"
	"Send MESSAGE, or all of stdin when it is absent, as one message.\n"
	"\n"
	"  -p, --prio N         priority, 0 (default) to 32767 (highest)\n"
	"      --pid PID        send to the port of process PID, not to NAME\n"
	"  -n, --nonblock       fail instead of waiting for room\n"
	"  -t, --timeout SECS   wait at most SECS seconds (exit status 3)\n"
	"      --ack            return only once a receiver has taken it\n"
	"      --csum           attach a CRC32C checksum, verified on the way\n"
	"  -h, --help           show this help\n";

/* Read all of stdin; more than MSG_SIZE_HARD bytes is EMSGSIZE. */
static int read_stdin(char **bufp, size_t *lenp)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nbuf;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap > MSG_SIZE_HARD) {
				free(buf);
				return -EMSGSIZE;
			}
			cap = cap ? cap * 2 : 65536;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int cmd_send(int argc, char **argv)
{
	enum { OPT_PID = 256, OPT_ACK, OPT_CSUM };
	static const struct option opts[] = {
		{ "prio", required_argument, NULL, 'p' },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "nonblock", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "ack", no_argument, NULL, OPT_ACK },
		{ "csum", no_argument, NULL, OPT_CSUM },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct msgbox_send_opts so = { 0 };
	unsigned long long prio;
	const char *name = NULL, *msg = NULL;
	char what[32], *input = NULL;
	int c, fd, ret, oflags = O_WRONLY | O_CLOEXEC, nargs;
	size_t len = 0;

	while ((c = getopt_long(argc, argv, ":p:nt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_num(optarg, 10, MSGBOX_PRIO_MAX - 1, &prio))
				return usage_error("bad priority '%s' (0-%d)",
						   optarg, MSGBOX_PRIO_MAX - 1);
			so.prio = (uint32_t)prio;
			break;
		case OPT_PID:
			if (!parse_pid(optarg, &so.pid))
				return usage_error("bad pid '%s'", optarg);
			so.flags |= MSGBOX_SO_TO_PID;
			break;
		case 'n':
			oflags |= O_NONBLOCK;
			break;
		case 't':
			if (!parse_timeout(optarg, &so.timeout))
				return usage_error("bad timeout '%s'", optarg);
			so.flags |= MSGBOX_SO_TIMEOUT;
			break;
		case OPT_ACK:
			so.flags |= MSGBOX_SO_ACK;
			break;
		case OPT_CSUM:
			so.flags |= MSGBOX_SO_CSUM;
			break;
		case 'h':
			fputs(send_help, stdout);
			return EXIT_OK;
		default:
			return bad_option(c, argv);
		}
	}

	nargs = argc - optind;
	if (so.flags & MSGBOX_SO_TO_PID) {
		if (nargs > 1)
			return usage_error("unexpected argument '%s' (%s)",
					   argv[optind + 1],
					   "NAME and --pid exclude each other");
		msg = nargs ? argv[optind] : NULL;
		snprintf(what, sizeof(what), "pid %d", (int)so.pid);
		name = what;
		fd = msgbox_dev_open(oflags);
		if (fd < 0)
			return open_failed(MSGBOX_DEVICE, -fd);
	} else {
		if (!nargs)
			return usage_error("missing NAME");
		if (nargs > 2)
			return usage_error("unexpected argument '%s'",
					   argv[optind + 2]);
		name = argv[optind];
		msg = nargs > 1 ? argv[optind + 1] : NULL;
		fd = msgbox_open(name, oflags, NULL);
		if (fd < 0)
			return open_failed(name, -fd);
	}

	if (msg) {
		len = strlen(msg);
	} else {
		ret = read_stdin(&input, &len);
		if (ret < 0) {
			msgbox_close(fd);
			return fail(ret == -EMSGSIZE ? name : "stdin", -ret);
		}
	}

	ret = msgbox_sendx(fd, msg ? msg : input, len, &so, NULL);
	free(input);
	msgbox_close(fd);
	return ret < 0 ? fail(name, -ret) : EXIT_OK;
}

/* ---- recv ---------------------------------------------------------- */

static const char recv_help[] =
	"Usage: msgbox recv NAME [OPTIONS]\n"
	"       msgbox recv --port [OPTIONS]\n"
	"Receive messages and write them to stdout, each followed by a newline.\n"
	"\n"
	"  -c, --count N        receive N messages (default 1)\n"
	"  -f, --follow         receive until interrupted or the mailbox is\n"
	"                       destroyed; with --nonblock, until it is empty\n"
	"  -n, --nonblock       fail instead of waiting for a message\n"
	"  -t, --timeout SECS   wait at most SECS seconds for each message\n"
	"                       (exit status 3)\n"
	"      --from PID       take only messages sent by process PID\n"
	"      --peek           copy the message out but leave it queued\n"
	"      --port           register this process's port and receive from\n"
	"                       it, instead of from NAME\n"
	"  -j, --json           one JSON object per message and line\n"
	"  -0, --null           end each message with a NUL byte, not a newline\n"
	"  -h, --help           show this help\n";

/*
 * Signals and "recv": SIGINT, SIGTERM and SIGHUP are caught so that they end
 * the command between messages, never after a message was taken and before
 * it was written out. They are blocked except during the receive itself,
 * which they interrupt with EINTR, losing nothing. One that comes just
 * before the receive starts to sleep would be missed, so the handler also
 * arms a SIGALRM, which interrupts such a receive a second later.
 */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	if (sig == SIGALRM)
		return;
	caught_signal = sig;
	alarm(1);
}

/* Install the handlers; @mask gets the signals handled. */
static void catch_signals(sigset_t *mask)
{
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: EINTR is the point */
	sigemptyset(&sa.sa_mask);
	sigemptyset(mask);
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++) {
		/* A signal the caller ignores (nohup, "&") stays ignored. */
		if (!sigaction(stop_signals[i], NULL, &old) &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(stop_signals[i], &sa, NULL);
		sigaddset(mask, stop_signals[i]);
	}
	sigaction(SIGALRM, &sa, NULL);
}

/* Die of the signal that was caught, as the caller expects. */
static void resend_signal(void)
{
	int sig = caught_signal;
	sigset_t set;

	alarm(0);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	exit(128 + sig);
}

static void print_json_msg(const char *buf, size_t len,
			   const struct msgbox_msg_info *info)
{
	bool utf8 = utf8_valid((const unsigned char *)buf, len);

	printf("{\"id\":%llu,\"prio\":%u,\"pid\":%d,\"uid\":%u,\"gid\":%u,"
	       "\"len\":%zu,\"csum\":%s,\"key\":",
	       (unsigned long long)info->id, (unsigned int)info->prio,
	       (int)info->pid, (unsigned int)info->uid,
	       (unsigned int)info->gid, len,
	       info->has_csum ? "true" : "false");
	if (info->has_key)
		printf("%llu", (unsigned long long)info->key);
	else
		fputs("null", stdout);
	printf(",\"utf8\":%s,\"data\":", utf8 ? "true" : "false");
	json_string(stdout, buf, len);
	fputs("}\n", stdout);
}

/* What "recv" was asked to do. */
struct recv_cmd {
	struct msgbox_recv_opts ro;
	unsigned long long count;	/* messages to take, unless follow */
	int oflags;			/* of the descriptor */
	bool count_set, follow, json, nul, port;
	const char *name;		/* the mailbox, or "port" */
};

/* Parse "recv"'s arguments into @rc: -1, or the exit status to return. */
static int recv_parse(int argc, char **argv, struct recv_cmd *rc)
{
	enum { OPT_FROM = 256, OPT_PEEK, OPT_PORT };
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "follow", no_argument, NULL, 'f' },
		{ "nonblock", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "peek", no_argument, NULL, OPT_PEEK },
		{ "port", no_argument, NULL, OPT_PORT },
		{ "json", no_argument, NULL, 'j' },
		{ "null", no_argument, NULL, '0' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	memset(rc, 0, sizeof(*rc));
	rc->count = 1;
	rc->oflags = O_RDONLY | O_CLOEXEC;
	while ((c = getopt_long(argc, argv, ":c:fnt:j0h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_num(optarg, 10, ULLONG_MAX, &rc->count) ||
			    !rc->count)
				return usage_error("bad count '%s'", optarg);
			rc->count_set = true;
			break;
		case 'f':
			rc->follow = true;
			break;
		case 'n':
			rc->oflags |= O_NONBLOCK;
			break;
		case 't':
			if (!parse_timeout(optarg, &rc->ro.timeout))
				return usage_error("bad timeout '%s'", optarg);
			rc->ro.flags |= MSGBOX_RO_TIMEOUT;
			break;
		case OPT_FROM:
			if (!parse_pid(optarg, &rc->ro.pid))
				return usage_error("bad pid '%s'", optarg);
			rc->ro.flags |= MSGBOX_RO_FROM_PID;
			break;
		case OPT_PEEK:
			rc->ro.flags |= MSGBOX_RO_PEEK;
			break;
		case OPT_PORT:
			rc->port = true;
			break;
		case 'j':
			rc->json = true;
			break;
		case '0':
			rc->nul = true;
			break;
		case 'h':
			fputs(recv_help, stdout);
			return EXIT_OK;
		default:
			return bad_option(c, argv);
		}
	}
	if (rc->follow && rc->count_set)
		return usage_error("--count and --follow exclude each other");
	if ((rc->ro.flags & MSGBOX_RO_PEEK) && (rc->follow || rc->count > 1))
		return usage_error("--peek takes one message");
	if (rc->json && rc->nul)
		return usage_error("--json and --null exclude each other");
	if (rc->port) {
		if (optind < argc)
			return usage_error("unexpected argument '%s' (%s)",
					   argv[optind],
					   "NAME and --port exclude each other");
		rc->name = "port";
		return -1;
	}
	if (optind >= argc)
		return usage_error("missing NAME");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	rc->name = argv[optind];
	return -1;
}

/* Write one message out as asked: 0, or the exit status of a failure. */
static int recv_print(const struct recv_cmd *rc, const char *buf, size_t len,
		      const struct msgbox_msg_info *info)
{
	if (rc->json) {
		print_json_msg(buf, len, info);
	} else {
		fwrite(buf, 1, len, stdout);
		putchar(rc->nul ? '\0' : '\n');
	}
	return flush_stdout();
}

/*
 * Receive from @fd and print until done, with the signals of @stop blocked
 * but during the receive itself (see stop_signals). @buf is a buffer of
 * *@size bytes, grown here when a message does not fit. The exit status.
 */
static int recv_loop(const struct recv_cmd *rc, int fd, char **buf,
		     size_t *size, const sigset_t *stop,
		     const sigset_t *unblocked)
{
	struct msgbox_msg_info info;
	unsigned long long n;
	char *nbuf;
	int ret;

	for (n = 0; rc->follow || n < rc->count;) {
		memset(&info, 0, sizeof(info));
		/* A signal pending from the last message is handled here. */
		sigprocmask(SIG_SETMASK, unblocked, NULL);
		ret = caught_signal ? -EINTR :
		      msgbox_recvx(fd, *buf, *size, &rc->ro, &info);
		sigprocmask(SIG_BLOCK, stop, NULL);
		if (caught_signal && ret < 0)
			return EXIT_OK;
		if (ret == -EMSGSIZE && info.len > *size) {
			nbuf = realloc(*buf, info.len);
			if (!nbuf)
				return fail(rc->name, ENOMEM);
			*buf = nbuf;
			*size = info.len;
			continue;
		}
		if (ret == -EINTR)
			continue;	/* our own SIGALRM, long after a signal */
		if (ret < 0) {
			if (rc->follow &&
			    (ret == -EIDRM ||
			     (ret == -EAGAIN && (rc->oflags & O_NONBLOCK))))
				return EXIT_OK;
			return fail(rc->name, -ret);
		}
		ret = recv_print(rc, *buf, (size_t)ret, &info);
		if (ret)
			return ret;
		n++;
	}
	return EXIT_OK;
}

int cmd_recv(int argc, char **argv)
{
	struct msgbox_stat_args st;
	struct recv_cmd rc;
	sigset_t stop, unblocked;
	int fd, ret, status;
	size_t size;
	char *buf;

	status = recv_parse(argc, argv, &rc);
	if (status >= 0)
		return status;
	fd = rc.port ? msgbox_port(NULL, rc.oflags) :
		       msgbox_open(rc.name, rc.oflags, NULL);
	if (fd < 0)
		return open_failed(rc.name, -fd);

	/* A buffer for the largest message; grown should that change. */
	ret = msgbox_stat(fd, &st);
	if (ret < 0) {
		msgbox_close(fd);
		return fail(rc.name, -ret);
	}
	size = st.max_msg_size ? st.max_msg_size : 1;
	buf = malloc(size);
	if (!buf) {
		msgbox_close(fd);
		return fail(rc.name, ENOMEM);
	}

	catch_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, &unblocked);
	status = recv_loop(&rc, fd, &buf, &size, &stop, &unblocked);
	free(buf);
	msgbox_close(fd);
	if (caught_signal)
		resend_signal();
	return status;
}
