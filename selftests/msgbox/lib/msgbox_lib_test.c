// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of libmsgbox that need no kernel module.
 *
 * The program defines open() and ioctl() itself, so the library's calls land
 * here: an open of MSGBOX_DEVICE yields a descriptor of /dev/null, and an
 * ioctl on such a descriptor is recorded and answered by the current test's
 * hook. The tests then check what the library would have handed the kernel
 * (sizes, flags, pointers, deadlines, checksums) and how it maps the answer.
 * With the mock off, calls go to the real system, which checks the errors of
 * a missing device. Output is TAP; the exit status is 1 if any test failed.
 */
#include "lib_test.h"

int failures, testno;

void check(int cond, const char *what, int line)
{
	testno++;
	if (cond) {
		printf("ok %d - %s\n", testno, what);
	} else {
		printf("not ok %d - %s (line %d)\n", testno, what, line);
		failures++;
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	test_crc32c();
	test_version();
	test_open();
	test_port_dev();
	test_destroy();
	test_send();
	test_recv();
	test_stat();
	test_held();
	test_no_device();
	test_not_msgbox();
	printf("1..%d\n", testno);
	printf("# %d failed of %d (%s, %zu-bit)\n", failures, testno,
	       msgbox_version(), sizeof(void *) * 8);
	return failures ? 1 : 0;
}
