// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msgbox - list, create, destroy, send to, receive from and inspect msgbox
 * mailboxes from the shell, as ipcs(1) and ipcrm(1) do for System V queues.
 *
 * Every subcommand goes through libmsgbox, except "list", which reads the
 * kernel's table in /proc/driver/msgbox. Nothing but data goes to stdout;
 * diagnostics go to stderr as "msgbox: SUBCOMMAND: NAME: reason".
 *
 * Exit status: 0 success, 1 an operation failed, 2 usage error, 3 a
 * --timeout expired.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgbox.h>

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define EXIT_TIMEOUT	3

#define PROC_PATH	"/proc/driver/msgbox"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The largest message any mailbox may be created with (the hard limit of
 * the max_msg_size module parameter): a longer stdin cannot be sent.
 */
#define MSG_SIZE_HARD	(16U << 20)

/* Timeouts beyond this many seconds are clamped; it is over 30000 years. */
#define TIMEOUT_SEC_MAX	1000000000000ULL

/* The subcommand being run, for diagnostics. */
static const char *cmd = "msgbox";

/* A signal that should end "recv" once the message in hand is written. */
static volatile sig_atomic_t caught_signal;

static int fail(const char *what, int err)
{
	fprintf(stderr, "msgbox: %s: %s: %s\n", cmd, what, strerror(err));
	return err == ETIMEDOUT ? EXIT_TIMEOUT : EXIT_FAIL;
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "msgbox: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'msgbox %s --help'.\n", cmd);
	return EXIT_USAGE;
}

/* Report what getopt_long() returned for a bad option (opterr is 0). */
static int bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return usage_error("option '%s' needs an argument", arg);
	if (optopt && strncmp(arg, "--", 2))
		return usage_error("invalid option '-%c'", optopt);
	return usage_error("unrecognized option '%s'", arg);
}

/*
 * Open failures: libmsgbox reports a missing /dev/msgbox as ENOENT too, so
 * tell that apart from a missing mailbox.
 */
static int open_failed(const char *what, int err)
{
	if ((err == ENOENT || err == ENODEV || err == ENXIO) &&
	    access(MSGBOX_DEVICE, F_OK))
		what = MSGBOX_DEVICE;
	return fail(what, err);
}

/* Parse a decimal (or, with @base 8, octal) number no larger than @max. */
static bool parse_num(const char *s, int base, unsigned long long max,
		      unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* A byte count, with an optional K or M suffix (powers of 1024). */
static bool parse_size(const char *s, uint32_t *out)
{
	unsigned long long v, mult = 1;
	char num[32];
	size_t len = strlen(s);

	if (!len || len >= sizeof(num))
		return false;
	memcpy(num, s, len + 1);
	if (num[len - 1] == 'K' || num[len - 1] == 'k')
		mult = 1024;
	else if (num[len - 1] == 'M' || num[len - 1] == 'm')
		mult = 1024 * 1024;
	if (mult > 1)
		num[len - 1] = '\0';
	if (!parse_num(num, 10, UINT32_MAX / mult, &v))
		return false;
	*out = (uint32_t)(v * mult);
	return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;

	if (!parse_num(s, 10, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_pid(const char *s, pid_t *out)
{
	unsigned long long v;

	if (!parse_num(s, 10, INT_MAX, &v) || !v)
		return false;
	*out = (pid_t)v;
	return true;
}

/* Seconds with an optional fraction: "5", "0.25", ".5". */
static bool parse_timeout(const char *s, struct timespec *ts)
{
	unsigned long long sec = 0;
	long nsec = 0;
	int digits = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p) &&
	    !(*p == '.' && isdigit((unsigned char)p[1])))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		sec = sec * 10 + (unsigned long long)(*p - '0');
		if (sec > TIMEOUT_SEC_MAX)
			sec = TIMEOUT_SEC_MAX;
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (digits < 9) {
				nsec = nsec * 10 + (*p - '0');
				digits++;
			}
		}
	}
	if (*p)
		return false;
	for (; digits < 9; digits++)
		nsec *= 10;
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = nsec;
	return true;
}

/* Whether @s[0..@len) is well-formed UTF-8 (no overlongs, no surrogates). */
static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/*
 * Write @s as a JSON string. Well-formed UTF-8 is written as it is; in
 * anything else each byte above 0x7f stands for the code point of the same
 * value (\u0080-\u00ff). Returns whether the text was UTF-8.
 */
static bool json_string(FILE *f, const void *data, size_t len)
{
	const unsigned char *s = data;
	bool utf8 = utf8_valid(s, len);
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
				fprintf(f, "\\u%04x", c);
			else
				putc(c, f);
		}
	}
	putc('"', f);
	return utf8;
}

/* Flush stdout, reporting a failed write (a full disk, a closed pipe). */
static int flush_stdout(void)
{
	if (fflush(stdout) || ferror(stdout))
		return fail("stdout", errno ? errno : EIO);
	return EXIT_OK;
}

/* ---- list ---------------------------------------------------------- */

static const char list_help[] =
	"Usage: msgbox list [--json]\n"
	"List every mailbox and port visible to the caller, from "
	PROC_PATH ".\n"
	"\n"
	"  -j, --json   a JSON array with one object per mailbox\n"
	"  -h, --help   show this help\n";

/* One line of the table, split into its columns. */
struct row {
	char **col;
	size_t ncol;
};

struct table {
	struct row *rows;	/* rows[0] is the header */
	size_t nrows;
};

static void table_free(struct table *t)
{
	size_t i, j;

	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->rows[i].ncol; j++)
			free(t->rows[i].col[j]);
		free(t->rows[i].col);
	}
	free(t->rows);
}

/* Split @line on blanks; names hold no blanks, so this is exact. */
static int row_split(char *line, struct row *r)
{
	char *save = NULL, *tok, **col;

	r->col = NULL;
	r->ncol = 0;
	for (tok = strtok_r(line, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		col = realloc(r->col, (r->ncol + 1) * sizeof(*col));
		if (!col)
			return -ENOMEM;
		r->col = col;
		r->col[r->ncol] = strdup(tok);
		if (!r->col[r->ncol])
			return -ENOMEM;
		r->ncol++;
	}
	return 0;
}

static int table_read(FILE *f, struct table *t)
{
	char *line = NULL;
	size_t cap = 0;
	struct row *rows;
	int err = 0;

	t->rows = NULL;
	t->nrows = 0;
	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		rows = realloc(t->rows, (t->nrows + 1) * sizeof(*rows));
		if (!rows) {
			err = -ENOMEM;
			break;
		}
		t->rows = rows;
		err = row_split(line, &t->rows[t->nrows]);
		t->nrows++;
		if (err)
			break;
		if (t->rows[t->nrows - 1].ncol != t->rows[0].ncol) {
			err = -EPROTO;
			break;
		}
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	if (!err && (!t->nrows || t->rows[0].ncol < 2))
		err = -EPROTO;
	free(line);
	return err;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* JSON keys for the /proc columns, the same as "msgbox stat --json" uses. */
static const char *json_key(const char *col)
{
	static const char *const map[][2] = {
		{ "msgsize", "max_msg_size" },
		{ "wsend", "waiting_senders" },
		{ "wrecv", "waiting_receivers" },
		{ "recv", "received" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(col, map[i][0]))
			return map[i][1];
	return col;
}

static void list_json(const struct table *t)
{
	const struct row *hdr = &t->rows[0];
	size_t i, j;

	putchar('[');
	for (i = 1; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];
		const char *port = NULL;

		for (j = 0; j < hdr->ncol; j++)
			if (!strcmp(hdr->col[j], "type") &&
			    !strncmp(r->col[j], "port:", 5))
				port = r->col[j] + 5;

		fputs(i > 1 ? ",\n{" : "\n{", stdout);
		for (j = 0; j < hdr->ncol; j++) {
			const char *h = hdr->col[j], *v = r->col[j];

			if (j)
				putchar(',');
			json_string(stdout, json_key(h), strlen(json_key(h)));
			putchar(':');
			if (!strcmp(h, "name") && port) {
				fputs("null", stdout);
			} else if (!strcmp(h, "type")) {
				fputs(port ? "\"port\"" : "\"named\"", stdout);
				printf(",\"pid\":%s",
				       port && is_number(port) ? port : "0");
			} else if (strcmp(h, "name") && strcmp(h, "mode") &&
				   is_number(v)) {
				fputs(v, stdout);
			} else {
				json_string(stdout, v, strlen(v));
			}
		}
		putchar('}');
	}
	fputs(t->nrows > 1 ? "\n]\n" : "]\n", stdout);
}

/*
 * Columns a value takes on a terminal: characters for UTF-8 (wide
 * characters aside), else bytes.
 */
static size_t text_width(const char *s)
{
	size_t len = strlen(s), w = 0, i;

	if (!utf8_valid((const unsigned char *)s, len))
		return len;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

static void list_table(const struct table *t)
{
	const struct row *hdr = &t->rows[0];
	size_t *width, i, j, k, w;

	width = calloc(hdr->ncol, sizeof(*width));
	if (!width) {
		fail(PROC_PATH, ENOMEM);
		exit(EXIT_FAIL);
	}
	for (i = 0; i < t->nrows; i++)
		for (j = 0; j < hdr->ncol; j++) {
			w = text_width(t->rows[i].col[j]);
			if (w > width[j])
				width[j] = w;
		}

	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < hdr->ncol; j++) {
			const char *v = t->rows[i].col[j];
			/* Text columns to the left, numbers to the right. */
			bool left = !strcmp(hdr->col[j], "name") ||
				    !strcmp(hdr->col[j], "type");
			bool last = j + 1 == hdr->ncol;

			w = text_width(v);
			if (j)
				fputs("  ", stdout);
			if (!left)
				for (k = w; k < width[j]; k++)
					putchar(' ');
			for (k = 0; v[k]; k++)
				putchar(i ? v[k] : toupper((unsigned char)v[k]));
			if (left && !last)
				for (k = w; k < width[j]; k++)
					putchar(' ');
		}
		putchar('\n');
	}
	free(width);
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct table t;
	bool json = false;
	FILE *f;
	int c, err;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(list_help, stdout);
			return EXIT_OK;
		default:
			return bad_option(c, argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	f = fopen(PROC_PATH, "re");
	if (!f)
		return fail(PROC_PATH, errno);
	err = table_read(f, &t);
	fclose(f);
	if (err) {
		table_free(&t);
		if (err == -EPROTO) {
			fprintf(stderr, "msgbox: list: %s: unexpected format\n",
				PROC_PATH);
			return EXIT_FAIL;
		}
		return fail(PROC_PATH, -err);
	}

	if (json)
		list_json(&t);
	else
		list_table(&t);
	table_free(&t);
	return flush_stdout();
}

/* ---- create -------------------------------------------------------- */

static const char create_help[] =
	"Usage: msgbox create NAME... [OPTIONS]\n"
	"Create named mailboxes.\n"
	"\n"
	"  -c, --capacity N   most messages queued at once (default 64;\n"
	"                     0 makes a rendezvous mailbox)\n"
	"  -s, --max-size N   largest message in bytes, K or M suffix allowed\n"
	"                     (default 8192)\n"
	"  -m, --mode OCTAL   permission bits, umask applied (default 0600)\n"
	"      --dedup        detect duplicate keyed messages\n"
	"      --exist-ok     a mailbox that exists already is no error\n"
	"  -h, --help         show this help\n";

static int cmd_create(int argc, char **argv)
{
	enum { OPT_DEDUP = 256, OPT_EXIST_OK };
	static const struct option opts[] = {
		{ "capacity", required_argument, NULL, 'c' },
		{ "max-size", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "dedup", no_argument, NULL, OPT_DEDUP },
		{ "exist-ok", no_argument, NULL, OPT_EXIST_OK },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct msgbox_attr attr = {
		.capacity = MSGBOX_DEFAULT_CAPACITY,
		.max_msg_size = MSGBOX_DEFAULT_MSG_SIZE,
		.mode = MSGBOX_DEFAULT_MODE,
	};
	unsigned long long mode;
	bool exist_ok = false;
	int c, fd, i, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":c:s:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_u32(optarg, &attr.capacity))
				return usage_error("bad capacity '%s'", optarg);
			break;
		case 's':
			if (!parse_size(optarg, &attr.max_msg_size))
				return usage_error("bad size '%s'", optarg);
			break;
		case 'm':
			if (!parse_num(optarg, 8, 0777, &mode))
				return usage_error("bad mode '%s'", optarg);
			attr.mode = (uint32_t)mode;
			break;
		case OPT_DEDUP:
			attr.flags |= MSGBOX_ATTR_DEDUP;
			break;
		case OPT_EXIST_OK:
			exist_ok = true;
			break;
		case 'h':
			fputs(create_help, stdout);
			return EXIT_OK;
		default:
			return bad_option(c, argv);
		}
	}
	if (optind >= argc)
		return usage_error("missing NAME");

	for (i = optind; i < argc; i++) {
		fd = msgbox_create(argv[i], &attr, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			msgbox_close(fd);
		else if (fd != -EEXIST || !exist_ok)
			status = open_failed(argv[i], -fd);
	}
	return status;
}

/* ---- destroy ------------------------------------------------------- */

static const char destroy_help[] =
	"Usage: msgbox destroy NAME...\n"
	"Destroy named mailboxes: queued messages are discarded and blocked\n"
	"senders and receivers fail.\n"
	"\n"
	"  -h, --help   show this help\n";

static int cmd_destroy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c, i, ret, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c != 'h')
			return bad_option(c, argv);
		fputs(destroy_help, stdout);
		return EXIT_OK;
	}
	if (optind >= argc)
		return usage_error("missing NAME");

	for (i = optind; i < argc; i++) {
		ret = msgbox_destroy(argv[i]);
		if (ret < 0)
			status = open_failed(argv[i], -ret);
	}
	return status;
}

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

static int cmd_send(int argc, char **argv)
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

static int cmd_recv(int argc, char **argv)
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

/* ---- stat ---------------------------------------------------------- */

static const char stat_help[] =
	"Usage: msgbox stat NAME [--json]\n"
	"Show the attributes and the state of a named mailbox.\n"
	"\n"
	"  -j, --json   one JSON object\n"
	"  -h, --help   show this help\n";

static void flags_text(uint32_t flags, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s",
		 flags & MSGBOX_STAT_PORT ? "port" : "",
		 (flags & MSGBOX_STAT_PORT) && (flags & MSGBOX_STAT_DEDUP) ?
		 "," : "",
		 flags & MSGBOX_STAT_DEDUP ? "dedup" : "");
	if (!*out)
		snprintf(out, size, "none");
}

static void stat_json(const char *name, const struct msgbox_stat_args *st)
{
	fputs("{\"name\":", stdout);
	json_string(stdout, name, strlen(name));
	printf(",\"capacity\":%u,\"max_msg_size\":%u,\"msgs\":%u,"
	       "\"mode\":\"%04o\",\"bytes\":%llu,\"sent\":%llu,"
	       "\"received\":%llu,\"waiting_senders\":%u,"
	       "\"waiting_receivers\":%u,\"uid\":%u,\"gid\":%u,"
	       "\"owner_pid\":%d,\"mb_flags\":%u,\"port\":%s,\"dedup\":%s}\n",
	       st->capacity, st->max_msg_size, st->msgs, st->mode,
	       (unsigned long long)st->bytes, (unsigned long long)st->sent,
	       (unsigned long long)st->received, st->waiting_senders,
	       st->waiting_receivers, st->uid, st->gid, st->owner_pid,
	       st->mb_flags,
	       st->mb_flags & MSGBOX_STAT_PORT ? "true" : "false",
	       st->mb_flags & MSGBOX_STAT_DEDUP ? "true" : "false");
}

static void stat_text(const char *name, const struct msgbox_stat_args *st)
{
	char flags[32];

	flags_text(st->mb_flags, flags, sizeof(flags));
	printf("name               %s\n"
	       "capacity           %u\n"
	       "max_msg_size       %u\n"
	       "msgs               %u\n"
	       "mode               %04o\n"
	       "bytes              %llu\n"
	       "sent               %llu\n"
	       "received           %llu\n"
	       "waiting_senders    %u\n"
	       "waiting_receivers  %u\n"
	       "uid                %u\n"
	       "gid                %u\n"
	       "owner_pid          %d\n"
	       "mb_flags           %s\n",
	       name, st->capacity, st->max_msg_size, st->msgs, st->mode,
	       (unsigned long long)st->bytes, (unsigned long long)st->sent,
	       (unsigned long long)st->received, st->waiting_senders,
	       st->waiting_receivers, st->uid, st->gid, st->owner_pid, flags);
}

static int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct msgbox_stat_args st;
	bool json = false;
	const char *name;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(stat_help, stdout);
			return EXIT_OK;
		default:
			return bad_option(c, argv);
		}
	}
	if (optind >= argc)
		return usage_error("missing NAME");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	name = argv[optind];

	/* Either access will do: the mode may grant only one of them. */
	fd = msgbox_open(name, O_RDONLY | O_CLOEXEC, NULL);
	if (fd == -EACCES)
		fd = msgbox_open(name, O_WRONLY | O_CLOEXEC, NULL);
	if (fd < 0)
		return open_failed(name, -fd);
	ret = msgbox_stat(fd, &st);
	msgbox_close(fd);
	if (ret < 0)
		return fail(name, -ret);

	if (json)
		stat_json(name, &st);
	else
		stat_text(name, &st);
	return flush_stdout();
}

/* ---- main ---------------------------------------------------------- */

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },
	{ "create", cmd_create },
	{ "destroy", cmd_destroy },
	{ "send", cmd_send },
	{ "recv", cmd_recv },
	{ "stat", cmd_stat },
};

static const char main_help[] =
	"Usage: msgbox COMMAND [ARGS]\n"
	"Manage msgbox mailboxes and pass messages through them.\n"
	"\n"
	"Commands:\n"
	"  list [--json]                 list the mailboxes and ports visible\n"
	"  create NAME... [OPTIONS]      create named mailboxes\n"
	"  destroy NAME...               destroy named mailboxes\n"
	"  send NAME [MESSAGE] [OPTIONS] send a message (stdin without MESSAGE)\n"
	"  recv NAME [OPTIONS]           receive messages to stdout\n"
	"  stat NAME [--json]            show a mailbox's attributes and state\n"
	"\n"
	"'msgbox COMMAND --help' describes each command and its options.\n"
	"\n"
	"  -h, --help      show this help\n"
	"  -V, --version   show the library version\n"
	"\n"
	"Exit status: 0 success, 1 failure, 2 usage error, 3 timeout.\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	size_t i;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(main_help, stdout);
			return flush_stdout();
		case 'V':
			printf("msgbox %s\n", msgbox_version());
			return flush_stdout();
		default:
			fprintf(stderr, "msgbox: unrecognized option '%s'\n"
				"Try 'msgbox --help'.\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(main_help, stderr);
		return EXIT_USAGE;
	}

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		cmd = commands[i].name;
		argc -= optind;
		argv += optind;
		optind = 0;	/* restart getopt on the subcommand's arguments */
		return commands[i].run(argc, argv);
	}
	fprintf(stderr, "msgbox: unknown command '%s'\nTry 'msgbox --help'.\n",
		argv[optind]);
	return EXIT_USAGE;
}
