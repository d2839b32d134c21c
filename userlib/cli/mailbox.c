// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msgbox(1) create, destroy and stat: a mailbox's life and attributes.
 */
#include "cli.h"

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

int cmd_create(int argc, char **argv)
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

int cmd_destroy(int argc, char **argv)
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
	       "\"owner_pid\":%d,\"mb_flags\":%u,\"port\":%s,\"dedup\":%s,"
	       "\"held\":%u,\"calls\":%u}\n",
	       st->capacity, st->max_msg_size, st->msgs, st->mode,
	       (unsigned long long)st->bytes, (unsigned long long)st->sent,
	       (unsigned long long)st->received, st->waiting_senders,
	       st->waiting_receivers, st->uid, st->gid, st->owner_pid,
	       st->mb_flags,
	       st->mb_flags & MSGBOX_STAT_PORT ? "true" : "false",
	       st->mb_flags & MSGBOX_STAT_DEDUP ? "true" : "false",
	       st->held, st->calls);
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
	       "mb_flags           %s\n"
	       "held               %u\n"
	       "calls              %u\n",
	       name, st->capacity, st->max_msg_size, st->msgs, st->mode,
	       (unsigned long long)st->bytes, (unsigned long long)st->sent,
	       (unsigned long long)st->received, st->waiting_senders,
	       st->waiting_receivers, st->uid, st->gid, st->owner_pid, flags,
	       st->held, st->calls);
}

int cmd_stat(int argc, char **argv)
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
