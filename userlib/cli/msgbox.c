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
#include "cli.h"

/* The subcommand being run, for diagnostics. */
const char *cmd = "msgbox";

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
