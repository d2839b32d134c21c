// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgbox host tests: what msgbox_recv_held(), msgbox_done(),
 * msgbox_release(), msgbox_reply(), msgbox_reply_recv() and msgbox_call()
 * hand the kernel, what they refuse before asking it, and how they map
 * its answers.
 */
#include "lib_test.h"

static const char request[] = "GET /stock/17";
static uint32_t answer_flags, answer_deliveries, answer_csum;

/* The receive arguments the last MSGBOX_SETTLE_RECV pointed to. */
static struct msgbox_recv_args last_nested;

/* A held receive, as the kernel answers it. */
static int answer_held(struct msgbox_recv_args *a)
{
	a->len = sizeof(request);
	if (a->buf_len < sizeof(request))
		return -EMSGSIZE;
	memcpy((void *)(uintptr_t)a->buf, request, sizeof(request));
	a->prio = 2;
	a->id = 5005;
	a->pid = 321;
	a->uid = 1001;
	a->gid = 101;
	a->csum = answer_csum;
	a->msg_flags = answer_flags;
	a->deliveries = answer_deliveries;
	return sizeof(request);
}

static int answer_recv_held(unsigned long cmd, void *arg)
{
	(void)cmd;
	return answer_held(arg);
}

static void held_defaults(void)
{
	answer_flags = MSGBOX_MSG_HELD;
	answer_deliveries = 0;
	answer_csum = 0;
}

static int opens_fd(void)
{
	return open(MSGBOX_DEVICE, O_RDWR);
}

static void test_recv_held(void)
{
	struct msgbox_held_opts opts;
	struct msgbox_held_info info;
	char buf[64];
	uint64_t t0;
	int fd;

	reset(answer_recv_held);
	held_defaults();
	fd = opens_fd();

	memset(&info, 0xaa, sizeof(info));
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), NULL, &info) ==
	      sizeof(request));
	CHECK(last_cmd == MSGBOX_IOC_RECV &&
	      _IOC_SIZE(last_cmd) == MSGBOX_RECV_SIZE_VER1);
	CHECK(last.recv.size == MSGBOX_RECV_SIZE_VER1 &&
	      last.recv.flags == MSGBOX_RECV_HOLD &&
	      last.recv.buf == (uintptr_t)buf && last.recv.buf_len == sizeof(buf));
	CHECK(last.recv.hold_ns == 0 && last.recv.deadline_ns == 0 &&
	      last.recv.from_pid == 0 && last.recv.__reserved == 0 &&
	      last.recv.__reserved2 == 0);
	CHECK(info.msg.id == 5005 && info.msg.prio == 2 && info.msg.pid == 321 &&
	      info.msg.uid == 1001 && info.msg.gid == 101 &&
	      info.msg.len == sizeof(request) && !info.msg.has_key &&
	      !info.msg.has_csum);
	CHECK(info.deliveries == 0 && info.redelivered == 0 && info.call == 0);
	CHECK(!strcmp(buf, request));

	/* A call, returned to the queue twice before. */
	answer_flags = MSGBOX_MSG_HELD | MSGBOX_MSG_CALL | MSGBOX_MSG_REDELIVERED;
	answer_deliveries = 2;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), NULL, &info) ==
	      sizeof(request));
	CHECK(info.deliveries == 2 && info.redelivered == 1 && info.call == 1);

	/* Every option, and the hold timeout as a duration. */
	held_defaults();
	memset(&opts, 0, sizeof(opts));
	opts.flags = MSGBOX_HO_FROM_PID | MSGBOX_HO_TIMEOUT |
		     MSGBOX_HO_HOLD_TIMEOUT;
	opts.pid = 77;
	opts.timeout.tv_sec = 1;
	opts.hold_timeout.tv_sec = 2;
	opts.hold_timeout.tv_nsec = 500000000;
	t0 = now_ns();
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) ==
	      sizeof(request));
	CHECK(last.recv.flags == (MSGBOX_RECV_HOLD | MSGBOX_RECV_FROM_PID |
				  MSGBOX_RECV_DEADLINE));
	CHECK(last.recv.from_pid == 77);
	CHECK(last.recv.deadline_ns >= t0 + 1000000000ULL &&
	      last.recv.deadline_ns <= now_ns() + 1000000000ULL);
	CHECK(last.recv.hold_ns == 2500000000ULL);

	opts.flags = MSGBOX_HO_HOLD_TIMEOUT;
	opts.hold_timeout.tv_sec = 0;
	opts.hold_timeout.tv_nsec = 1;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) ==
	      sizeof(request));
	CHECK(last.recv.flags == MSGBOX_RECV_HOLD && last.recv.hold_ns == 1 &&
	      last.recv.deadline_ns == 0);
	if (sizeof(time_t) > 4) {
		opts.hold_timeout.tv_sec = (time_t)INT64_MAX;
		opts.hold_timeout.tv_nsec = 999999999;
		CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) ==
		      sizeof(request));
		CHECK(last.recv.hold_ns == (uint64_t)INT64_MAX);
	}

	/* Refused before the system call. */
	ioctls = 0;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), NULL, NULL) == -EINVAL);
	CHECK(msgbox_recv_held(fd, NULL, 1, NULL, &info) == -EFAULT);
	opts.flags = 1U << 0;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) == -EINVAL);
	opts.flags = 1U << 4;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) == -EINVAL);
	opts.flags = MSGBOX_HO_HOLD_TIMEOUT;
	opts.hold_timeout.tv_sec = 0;
	opts.hold_timeout.tv_nsec = 0;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) == -EINVAL);
	opts.hold_timeout.tv_sec = -1;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) == -EINVAL);
	opts.hold_timeout.tv_sec = 0;
	opts.hold_timeout.tv_nsec = 1000000000;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) == -EINVAL);
	opts.flags = MSGBOX_HO_TIMEOUT;
	opts.timeout.tv_nsec = -1;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), &opts, &info) == -EINVAL);
	CHECK(ioctls == 0);

	/* A NULL buffer of no size goes to the kernel, which decides. */
	CHECK(msgbox_recv_held(fd, NULL, 0, NULL, &info) == -EMSGSIZE);
	CHECK(ioctls == 1 && last.recv.buf == 0 && last.recv.buf_len == 0);

	/* Too small: the length needed, and nothing else. */
	memset(&info, 0, sizeof(info));
	CHECK(msgbox_recv_held(fd, buf, 3, NULL, &info) == -EMSGSIZE);
	CHECK(info.msg.len == sizeof(request) && info.msg.id == 0);

	/* A bad copy: -EBADMSG, with the id that settles it. */
	answer_flags = MSGBOX_MSG_HELD | MSGBOX_MSG_CSUM;
	answer_csum = msgbox_crc32c(request, sizeof(request));
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), NULL, &info) ==
	      sizeof(request));
	CHECK(info.msg.has_csum == 1);
	answer_csum ^= 1;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), NULL, &info) == -EBADMSG);
	CHECK(info.msg.id == 5005 && info.msg.has_csum == 0);

	/* The kernel's errors as they are, from one call. */
	hook = answer_einval;
	ioctls = 0;
	CHECK(msgbox_recv_held(fd, buf, sizeof(buf), NULL, &info) == -EINVAL &&
	      ioctls == 1);

	if (sizeof(size_t) > 4) {
		hook = answer_ok;
		msgbox_recv_held(fd, buf, (size_t)UINT32_MAX + 2, NULL, &info);
		CHECK(last.recv.buf_len == UINT32_MAX);
	}
	close(fd);
}

static int settle_answer;

static int answer_settle(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return settle_answer;
}

static void test_settle(void)
{
	static const char reply[] = "17 in stock";
	int fd;

	reset(answer_settle);
	settle_answer = 0;
	fd = opens_fd();

	CHECK(msgbox_done(fd, 5005) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SETTLE &&
	      _IOC_SIZE(last_cmd) == MSGBOX_SETTLE_SIZE_VER0);
	CHECK(last.settle.size == MSGBOX_SETTLE_SIZE_VER0 &&
	      last.settle.flags == 0 && last.settle.id == 5005 &&
	      last.settle.buf == 0 && last.settle.len == 0 &&
	      last.settle.settle_error == 0 && last.settle.recv == 0);

	CHECK(msgbox_release(fd, 1ULL << 40) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SETTLE &&
	      last.settle.flags == MSGBOX_SETTLE_RELEASE &&
	      last.settle.id == 1ULL << 40 && last.settle.buf == 0 &&
	      last.settle.len == 0 && last.settle.recv == 0);

	CHECK(msgbox_reply(fd, 6006, reply, sizeof(reply)) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SETTLE && last.settle.flags == 0 &&
	      last.settle.id == 6006 && last.settle.buf == (uintptr_t)reply &&
	      last.settle.len == sizeof(reply) && last.settle.recv == 0);
	CHECK(msgbox_reply(fd, 6006, NULL, 0) == 0);
	CHECK(last.settle.buf == 0 && last.settle.len == 0);

	/* Refused before the system call: the call stays held. */
	ioctls = 0;
	CHECK(msgbox_reply(fd, 6006, NULL, 1) == -EFAULT);
	if (sizeof(size_t) > 4)
		CHECK(msgbox_reply(fd, 6006, reply, (size_t)UINT32_MAX + 1) ==
		      -EMSGSIZE);
	CHECK(ioctls == 0);

	/* The kernel's answers as they are, each from one call. */
	settle_answer = -ECANCELED;
	CHECK(msgbox_reply(fd, 6006, reply, 2) == -ECANCELED && ioctls == 1);
	CHECK(msgbox_done(fd, 6006) == -ECANCELED && ioctls == 2);
	settle_answer = -ENOENT;
	CHECK(msgbox_done(fd, 1) == -ENOENT && ioctls == 3);
	CHECK(msgbox_release(fd, 1) == -ENOENT && ioctls == 4);
	settle_answer = -EMSGSIZE;
	CHECK(msgbox_reply(fd, 6006, reply, 2) == -EMSGSIZE && ioctls == 5);
	settle_answer = -EIDRM;
	CHECK(msgbox_release(fd, 1) == -EIDRM && ioctls == 6);
	/* Only 0 means done, whatever else a success returns. */
	settle_answer = 3;
	CHECK(msgbox_done(fd, 1) == 0);
	close(fd);
}

/* How the mock answers MSGBOX_SETTLE_RECV. */
static int rr_probe;		/* clear settle_error before settling */
static int rr_settle_ret;	/* < 0: refuse the settling with it */
static int rr_settle_error;	/* else: settle_error, positive */
static int rr_recv_ret;		/* < 0: the receive fails with it */

static int answer_reply_recv(unsigned long cmd, void *arg)
{
	struct msgbox_settle_args *s = arg;
	struct msgbox_recv_args *r = (void *)(uintptr_t)s->recv;

	(void)cmd;
	memset(&last_nested, 0, sizeof(last_nested));
	if (r)
		memcpy(&last_nested, r, sizeof(last_nested));
	if (rr_probe)
		s->settle_error = 0;
	if (rr_settle_ret < 0)
		return rr_settle_ret;
	s->settle_error = rr_settle_error;
	if (rr_recv_ret == -EMSGSIZE)
		r->len = 1000;
	if (rr_recv_ret < 0)
		return rr_recv_ret;
	return answer_held(r);
}

static void test_reply_recv(void)
{
	static const char reply[] = "17 in stock";
	struct msgbox_held_opts opts;
	struct msgbox_held_info info;
	char buf[64];
	uint64_t t0;
	int fd, err;

	reset(answer_reply_recv);
	held_defaults();
	answer_flags |= MSGBOX_MSG_CALL;
	rr_probe = 0;
	rr_settle_ret = 0;
	rr_settle_error = 0;
	rr_recv_ret = 0;
	fd = opens_fd();

	/* Answered, and the next call received. */
	err = 1;
	memset(&info, 0, sizeof(info));
	CHECK(msgbox_reply_recv(fd, 6006, reply, sizeof(reply), &err,
				buf, sizeof(buf), NULL, &info) ==
	      sizeof(request));
	CHECK(err == 0);
	CHECK(last_cmd == MSGBOX_IOC_SETTLE &&
	      last.settle.size == MSGBOX_SETTLE_SIZE_VER0 &&
	      last.settle.flags == MSGBOX_SETTLE_RECV &&
	      last.settle.id == 6006 && last.settle.buf == (uintptr_t)reply &&
	      last.settle.len == sizeof(reply) && last.settle.recv != 0);
	/* Preset, so that a refused settling is told from a done one. */
	CHECK(last.settle.settle_error == -1);
	CHECK(last_nested.size == MSGBOX_RECV_SIZE_VER1 &&
	      last_nested.flags == MSGBOX_RECV_HOLD &&
	      last_nested.buf == (uintptr_t)buf &&
	      last_nested.buf_len == sizeof(buf) && last_nested.hold_ns == 0);
	CHECK(info.msg.id == 5005 && info.call == 1 &&
	      info.msg.len == sizeof(request) && !strcmp(buf, request));

	/* The caller had gone: the reply went nowhere, the receive went on. */
	rr_settle_error = ECANCELED;
	CHECK(msgbox_reply_recv(fd, 6006, reply, sizeof(reply), &err,
				buf, sizeof(buf), NULL, &info) ==
	      sizeof(request));
	CHECK(err == -ECANCELED);

	/* Settled, then the receive failed: its error, the reply made. */
	rr_settle_error = 0;
	rr_recv_ret = -EAGAIN;
	err = 1;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -EAGAIN);
	CHECK(err == 0);
	rr_settle_error = ECANCELED;
	rr_recv_ret = -EMSGSIZE;
	memset(&info, 0, sizeof(info));
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -EMSGSIZE);
	CHECK(err == -ECANCELED && info.msg.len == 1000 && info.msg.id == 0);

	/* The settling refused: nothing received, the call still held. */
	rr_settle_ret = -EMSGSIZE;
	memset(&info, 0, sizeof(info));
	ioctls = 0;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -EMSGSIZE);
	CHECK(err == -EMSGSIZE && info.msg.len == 0 && ioctls == 1);
	rr_settle_ret = -ENOENT;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -ENOENT);
	CHECK(err == -ENOENT && ioctls == 2);
	rr_settle_ret = 0;

	/*
	 * A module that clears settle_error before settling: the errors only
	 * the settling gives still say the call is held, the others that the
	 * reply was made.
	 */
	rr_probe = 1;
	rr_settle_error = 0;
	rr_settle_ret = -EMSGSIZE;
	memset(&info, 0, sizeof(info));
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -EMSGSIZE);
	CHECK(err == -EMSGSIZE && info.msg.len == 0);
	rr_settle_ret = -ENOENT;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -ENOENT && err == -ENOENT);
	rr_settle_ret = 0;
	rr_recv_ret = -EMSGSIZE;
	err = 1;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -EMSGSIZE);
	CHECK(err == 0 && info.msg.len == 1000);
	rr_recv_ret = -ETIMEDOUT;
	err = 1;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -ETIMEDOUT && err == 0);
	rr_settle_error = ECANCELED;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -ETIMEDOUT && err == -ECANCELED);
	rr_recv_ret = 0;
	rr_settle_error = 0;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == sizeof(request) && err == 0);
	rr_probe = 0;

	/* The receive's options go to the nested arguments. */
	rr_settle_error = 0;
	rr_recv_ret = 0;
	memset(&opts, 0, sizeof(opts));
	opts.flags = MSGBOX_HO_FROM_PID | MSGBOX_HO_TIMEOUT |
		     MSGBOX_HO_HOLD_TIMEOUT;
	opts.pid = 55;
	opts.timeout.tv_nsec = 2000;
	opts.hold_timeout.tv_nsec = 3000;
	t0 = now_ns();
	CHECK(msgbox_reply_recv(fd, 6006, NULL, 0, &err, buf, sizeof(buf),
				&opts, &info) == sizeof(request));
	CHECK(last.settle.buf == 0 && last.settle.len == 0);
	CHECK(last_nested.flags == (MSGBOX_RECV_HOLD | MSGBOX_RECV_FROM_PID |
				    MSGBOX_RECV_DEADLINE) &&
	      last_nested.from_pid == 55 && last_nested.hold_ns == 3000);
	CHECK(last_nested.deadline_ns >= t0 + 2000 &&
	      last_nested.deadline_ns <= now_ns() + 2000);

	/* Refused before the system call, the error in *reply_err too. */
	ioctls = 0;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, NULL, buf, sizeof(buf),
				NULL, &info) == -EINVAL);
	err = 1;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, NULL) == -EINVAL && err == -EINVAL);
	err = 1;
	CHECK(msgbox_reply_recv(fd, 6006, NULL, 2, &err, buf, sizeof(buf),
				NULL, &info) == -EFAULT && err == -EFAULT);
	err = 1;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, NULL, 1,
				NULL, &info) == -EFAULT && err == -EFAULT);
	if (sizeof(size_t) > 4) {
		err = 1;
		CHECK(msgbox_reply_recv(fd, 6006, reply, (size_t)UINT32_MAX + 1,
					&err, buf, sizeof(buf), NULL, &info) ==
		      -EMSGSIZE && err == -EMSGSIZE);
	}
	opts.flags = 1U << 0;
	err = 1;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				&opts, &info) == -EINVAL && err == -EINVAL);
	opts.flags = MSGBOX_HO_HOLD_TIMEOUT;
	opts.hold_timeout.tv_nsec = 0;
	err = 1;
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				&opts, &info) == -EINVAL && err == -EINVAL);
	CHECK(ioctls == 0);

	/* A bad copy of the next message: held, its id given. */
	answer_flags = MSGBOX_MSG_HELD | MSGBOX_MSG_CSUM;
	answer_csum = ~msgbox_crc32c(request, sizeof(request));
	CHECK(msgbox_reply_recv(fd, 6006, reply, 2, &err, buf, sizeof(buf),
				NULL, &info) == -EBADMSG);
	CHECK(err == 0 && info.msg.id == 5005 && !info.msg.has_csum);
	close(fd);
}

static const char answer_reply[] = "17 in stock";

static int answer_call(unsigned long cmd, void *arg)
{
	struct msgbox_call_args *a = arg;

	(void)cmd;
	a->id = 9009;
	a->reply_len = sizeof(answer_reply);
	if (a->reply_buf_len >= sizeof(answer_reply) && a->reply_buf)
		memcpy((void *)(uintptr_t)a->reply_buf, answer_reply,
		       sizeof(answer_reply));
	a->reply_pid = 654;
	a->reply_uid = 1002;
	a->reply_gid = 102;
	return sizeof(answer_reply);
}

static int answer_timedout(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return -ETIMEDOUT;
}

static void test_call(void)
{
	struct msgbox_call_opts opts;
	struct msgbox_call_info info;
	char reply[32];
	uint64_t t0;
	int fd;

	reset(answer_call);
	fd = opens_fd();

	memset(&info, 0, sizeof(info));
	CHECK(msgbox_call(fd, request, sizeof(request), reply, sizeof(reply),
			  NULL, &info) == sizeof(answer_reply));
	CHECK(last_cmd == MSGBOX_IOC_CALL &&
	      _IOC_SIZE(last_cmd) == MSGBOX_CALL_SIZE_VER0);
	CHECK(last.call.size == MSGBOX_CALL_SIZE_VER0 && last.call.flags == 0 &&
	      last.call.buf == (uintptr_t)request &&
	      last.call.len == sizeof(request) && last.call.prio == 0 &&
	      last.call.deadline_ns == 0 && last.call.pid == 0);
	CHECK(last.call.reply_buf == (uintptr_t)reply &&
	      last.call.reply_buf_len == sizeof(reply));
	CHECK(last.call.id == 0 && last.call.reply_len == 0 &&
	      last.call.reply_pid == 0);
	CHECK(info.id == 9009 && info.pid == 654 && info.uid == 1002 &&
	      info.gid == 102 && !strcmp(reply, answer_reply));

	memset(&opts, 0, sizeof(opts));
	opts.flags = MSGBOX_CO_TO_PID | MSGBOX_CO_TIMEOUT;
	opts.prio = 12;
	opts.pid = 4242;
	opts.timeout.tv_sec = 3;
	opts.timeout.tv_nsec = 250000000;
	t0 = now_ns();
	CHECK(msgbox_call(fd, request, 4, reply, sizeof(reply), &opts, NULL) ==
	      sizeof(answer_reply));
	CHECK(last.call.flags == (MSGBOX_CALL_TO_PID | MSGBOX_CALL_DEADLINE) &&
	      last.call.prio == 12 && last.call.pid == 4242 &&
	      last.call.len == 4);
	CHECK(last.call.deadline_ns >= t0 + 3250000000ULL &&
	      last.call.deadline_ns <= now_ns() + 3250000000ULL);

	/* An empty request, room for an empty reply only. */
	memset(&opts, 0, sizeof(opts));
	opts.prio = 1;
	CHECK(msgbox_call(fd, NULL, 0, NULL, 0, &opts, NULL) ==
	      sizeof(answer_reply));
	CHECK(last.call.flags == 0 && last.call.prio == 1 &&
	      last.call.buf == 0 && last.call.len == 0 &&
	      last.call.reply_buf == 0 && last.call.reply_buf_len == 0);

	/* Refused before the system call. */
	ioctls = 0;
	opts.flags = 1U << 2;
	CHECK(msgbox_call(fd, request, 4, reply, sizeof(reply), &opts, NULL) ==
	      -EINVAL);
	opts.flags = MSGBOX_CO_TIMEOUT;
	opts.timeout.tv_sec = -1;
	CHECK(msgbox_call(fd, request, 4, reply, sizeof(reply), &opts, NULL) ==
	      -EINVAL);
	CHECK(msgbox_call(fd, NULL, 4, reply, sizeof(reply), NULL, NULL) ==
	      -EFAULT);
	CHECK(msgbox_call(fd, request, 4, NULL, 8, NULL, NULL) == -EFAULT);
	if (sizeof(size_t) > 4)
		CHECK(msgbox_call(fd, request, (size_t)UINT32_MAX + 1, reply,
				  sizeof(reply), NULL, NULL) == -EMSGSIZE);
	CHECK(ioctls == 0);

	/* The kernel's errors as they are; the info left alone. */
	hook = answer_timedout;
	info.id = 1;
	CHECK(msgbox_call(fd, request, 4, reply, sizeof(reply), NULL, &info) ==
	      -ETIMEDOUT && ioctls == 1 && info.id == 1);

	if (sizeof(size_t) > 4) {
		hook = answer_ok;
		msgbox_call(fd, request, 4, reply, (size_t)UINT32_MAX + 2, NULL,
			    NULL);
		CHECK(last.call.reply_buf_len == UINT32_MAX);
	}
	close(fd);
}

void test_held(void)
{
	test_recv_held();
	test_settle();
	test_reply_recv();
	test_call();
}
