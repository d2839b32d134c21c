// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msgbox(1) list: the kernel's table of mailboxes, /proc/driver/msgbox,
 * as a table or as JSON.
 */
#include "cli.h"

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

int cmd_list(int argc, char **argv)
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
