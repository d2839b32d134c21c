// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msgbox(1): what every subcommand uses: diagnostics and exit statuses,
 * parsing numbers, sizes, PIDs and timeouts, and JSON strings.
 */
#include "cli.h"

int fail(const char *what, int err)
{
	fprintf(stderr, "msgbox: %s: %s: %s\n", cmd, what, strerror(err));
	return err == ETIMEDOUT ? EXIT_TIMEOUT : EXIT_FAIL;
}

__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...)
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
int bad_option(int c, char **argv)
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
int open_failed(const char *what, int err)
{
	if ((err == ENOENT || err == ENODEV || err == ENXIO) &&
	    access(MSGBOX_DEVICE, F_OK))
		what = MSGBOX_DEVICE;
	return fail(what, err);
}

/* Parse a decimal (or, with @base 8, octal) number no larger than @max. */
bool parse_num(const char *s, int base, unsigned long long max,
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
bool parse_size(const char *s, uint32_t *out)
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

bool parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;

	if (!parse_num(s, 10, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool parse_pid(const char *s, pid_t *out)
{
	unsigned long long v;

	if (!parse_num(s, 10, INT_MAX, &v) || !v)
		return false;
	*out = (pid_t)v;
	return true;
}

/* Seconds with an optional fraction: "5", "0.25", ".5". */
bool parse_timeout(const char *s, struct timespec *ts)
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
bool utf8_valid(const unsigned char *s, size_t len)
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
bool json_string(FILE *f, const void *data, size_t len)
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
int flush_stdout(void)
{
	if (fflush(stdout) || ferror(stdout))
		return fail("stdout", errno ? errno : EIO);
	return EXIT_OK;
}
