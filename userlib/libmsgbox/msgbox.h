/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmsgbox - mailbox message passing over /dev/msgbox
 *
 * The library is a thin layer over the ioctls of <linux/msgbox.h>. A mailbox
 * is a file descriptor: the library returns it, poll(2), epoll(7), fcntl(2)
 * and close(2) work on it, and it can be passed to another process over a
 * Unix socket.
 *
 * Error convention: every function that can fail returns a negative errno
 * value (-ENOENT, -EAGAIN, ...) on failure and a non-negative value on
 * success. Functions never report through errno alone, though a failing
 * system call underneath may also have set it.
 */
#ifndef _MSGBOX_LIB_H
#define _MSGBOX_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <linux/msgbox.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The character device every call goes through. */
#define MSGBOX_DEVICE		"/dev/msgbox"

/* Attributes used by msgbox_create() and msgbox_port() when attr is NULL. */
#define MSGBOX_DEFAULT_CAPACITY		64
#define MSGBOX_DEFAULT_MSG_SIZE		8192
#define MSGBOX_DEFAULT_MODE		0600

/**
 * struct msgbox_attr - attributes of a new mailbox
 * @capacity: the most messages queued at once; 0 makes a rendezvous mailbox
 * @max_msg_size: the largest message in bytes
 * @mode: permission bits (the umask applies); 0 means 0600
 * @flags: MSGBOX_ATTR_* bits
 */
struct msgbox_attr {
	uint32_t capacity;
	uint32_t max_msg_size;
	uint32_t mode;
	uint32_t flags;
};

/* struct msgbox_attr.flags */
#define MSGBOX_ATTR_DEDUP	(1U << 0)	/* duplicate detection */

/**
 * msgbox_version() - the library's version string, e.g. "1.4.0"
 */
const char *msgbox_version(void);

/**
 * msgbox_open() - open, and optionally create, a named mailbox
 * @name: the mailbox name (see <linux/msgbox.h> for the rules)
 * @oflags: O_RDONLY, O_WRONLY or O_RDWR, optionally ORed with O_CREAT,
 *	O_EXCL, O_NONBLOCK and O_CLOEXEC
 * @attr: with O_CREAT, the attributes of a new mailbox; NULL for the
 *	defaults. Ignored when the mailbox exists.
 *
 * Return: a file descriptor for the mailbox, or a negative errno:
 * -ENOENT (no such mailbox and no O_CREAT), -EEXIST (O_CREAT|O_EXCL and it
 * exists), -EINVAL (bad name, flags or attributes), -ENAMETOOLONG,
 * -ENOSPC (too many mailboxes), -EACCES (mode forbids the access asked),
 * -ENODEV or -ENOENT from opening MSGBOX_DEVICE when the module is absent.
 */
int msgbox_open(const char *name, int oflags, const struct msgbox_attr *attr);

/**
 * msgbox_create() - create a named mailbox that must not exist yet
 * @name: the mailbox name
 * @attr: its attributes, NULL for the defaults
 * @oflags: access mode and O_NONBLOCK / O_CLOEXEC, as for msgbox_open()
 *
 * Same as msgbox_open(name, oflags | O_CREAT | O_EXCL, attr).
 *
 * Return: a file descriptor, or a negative errno as for msgbox_open().
 */
int msgbox_create(const char *name, const struct msgbox_attr *attr, int oflags);

/**
 * msgbox_port() - register the calling process's port (direct addressing)
 * @attr: attributes of the port, NULL for the defaults
 * @oflags: O_NONBLOCK and O_CLOEXEC; the port is always opened O_RDWR
 *
 * Other processes then send to it with msgbox_send_to() and the caller's
 * PID. The port exists until its last descriptor is closed.
 *
 * Return: a file descriptor, or a negative errno: -EBUSY (the process
 * already has a port), -EINVAL.
 */
int msgbox_port(const struct msgbox_attr *attr, int oflags);

/**
 * msgbox_dev_open() - open an unbound descriptor of MSGBOX_DEVICE
 * @oflags: O_RDONLY, O_WRONLY or O_RDWR, and O_NONBLOCK / O_CLOEXEC
 *
 * An unbound descriptor can send to ports with msgbox_send_to() and
 * destroy mailboxes.
 *
 * Return: a file descriptor, or a negative errno.
 */
int msgbox_dev_open(int oflags);

/**
 * msgbox_close() - close a mailbox descriptor
 * @fd: the descriptor
 *
 * The mailbox itself lives on until msgbox_destroy(), unless it is a port.
 *
 * Return: 0, or a negative errno (-EBADF).
 */
int msgbox_close(int fd);

/**
 * msgbox_destroy() - destroy a named mailbox
 * @name: the mailbox name
 *
 * Queued messages are discarded, blocked senders and receivers fail with
 * -EIDRM, every descriptor still open on it fails with -EIDRM from then on,
 * and the name can be reused at once.
 *
 * Return: 0, or a negative errno: -ENOENT, -EINVAL, -ENAMETOOLONG, -EPERM.
 */
int msgbox_destroy(const char *name);

/**
 * msgbox_destroy_fd() - destroy the mailbox a descriptor is bound to
 * @fd: the descriptor
 *
 * Return: 0, or a negative errno: -EIDRM (already destroyed), -ENOTCONN
 * (not bound), -EPERM.
 */
int msgbox_destroy_fd(int fd);

/**
 * msgbox_unlink() - remove a mailbox's name only, as mq_unlink() does
 * @name: the mailbox name
 *
 * The name can be reused at once; descriptors already open on the mailbox
 * keep sending and receiving, and the mailbox and its messages are freed
 * when the last of them is closed. Since MSGBOX_1.1.
 *
 * Return: 0, or a negative errno: -ENOENT, -EINVAL, -ENAMETOOLONG, -EPERM.
 */
int msgbox_unlink(const char *name);

/**
 * msgbox_send() - send a message
 * @fd: a mailbox descriptor opened for writing
 * @buf: the payload
 * @len: its length; 0 is allowed
 * @prio: its priority, 0 to MSGBOX_PRIO_MAX - 1
 *
 * Blocks while the mailbox is full, unless the descriptor is O_NONBLOCK.
 *
 * Return: 0, or a negative errno: -EAGAIN (full and O_NONBLOCK), -EMSGSIZE
 * (@len above the mailbox's maximum), -EINVAL (@prio), -EFAULT, -EINTR,
 * -EIDRM (destroyed), -EBADF (not opened for writing), -ENOTCONN (unbound).
 */
int msgbox_send(int fd, const void *buf, size_t len, unsigned int prio);

/**
 * msgbox_send_to() - send a message to a process's port
 * @fd: any msgbox descriptor opened for writing (bound or not)
 * @pid: the destination process, as the caller sees it
 * @buf: the payload
 * @len: its length
 * @prio: its priority
 *
 * Return: 0, or a negative errno as for msgbox_send(), plus -ESRCH when
 * @pid has no port.
 */
int msgbox_send_to(int fd, pid_t pid, const void *buf, size_t len,
		   unsigned int prio);

/**
 * msgbox_recv() - receive the next message
 * @fd: a mailbox descriptor opened for reading
 * @buf: where to copy the message
 * @len: the size of @buf
 * @prio: if not NULL, where to store the message's priority
 *
 * Takes the oldest message of the highest priority. Blocks while the
 * mailbox is empty, unless the descriptor is O_NONBLOCK.
 *
 * Return: the message length, or a negative errno: -EAGAIN, -EMSGSIZE
 * (@len too small; the message stays queued), -EFAULT (the message stays
 * queued), -EINTR, -EIDRM, -EBADF, -ENOTCONN, -EBADMSG (the sender's
 * checksum does not match; the message has been consumed).
 */
int msgbox_recv(int fd, void *buf, size_t len, unsigned int *prio);

/* struct msgbox_send_opts.flags */
#define MSGBOX_SO_TO_PID	(1U << 0)	/* send to the port of @pid */
#define MSGBOX_SO_TIMEOUT	(1U << 1)	/* @timeout is valid */
#define MSGBOX_SO_KEY		(1U << 2)	/* attach @key */
#define MSGBOX_SO_CSUM		(1U << 3)	/* compute and attach a CRC32C */
#define MSGBOX_SO_ACK		(1U << 4)	/* wait until a receiver took it */

/**
 * struct msgbox_send_opts - options of msgbox_sendx()
 * @flags: MSGBOX_SO_* bits
 * @prio: priority
 * @pid: destination process with MSGBOX_SO_TO_PID
 * @key: duplicate-detection key with MSGBOX_SO_KEY
 * @timeout: with MSGBOX_SO_TIMEOUT, the longest time to block (relative,
 *	measured on CLOCK_MONOTONIC)
 */
struct msgbox_send_opts {
	uint32_t flags;
	uint32_t prio;
	pid_t pid;
	uint64_t key;
	struct timespec timeout;
};

/**
 * struct msgbox_send_info - what msgbox_sendx() reports
 * @id: the message id
 * @duplicate: 1 when the key or token was seen before and nothing was
 *	queued
 * @delivered: 1 when a receiver is known to have taken the message
 */
struct msgbox_send_info {
	uint64_t id;
	int duplicate;
	int delivered;
};

/**
 * msgbox_sendx() - send a message with options
 * @fd: a msgbox descriptor opened for writing
 * @buf: the payload
 * @len: its length
 * @opts: options, NULL for none
 * @info: if not NULL, filled on success
 *
 * Return: 0, or a negative errno as for msgbox_send(), plus -ETIMEDOUT.
 * With MSGBOX_SO_ACK, -EINTR and -ETIMEDOUT mean the message was withdrawn
 * and no receiver will see it; 0 means it was taken.
 */
int msgbox_sendx(int fd, const void *buf, size_t len,
		 const struct msgbox_send_opts *opts,
		 struct msgbox_send_info *info);

/**
 * msgbox_sendx_token() - send a message with options and a token
 * @fd: a descriptor of a mailbox created with MSGBOX_ATTR_DEDUP, opened for
 *	writing
 * @buf: the payload
 * @len: its length
 * @opts: options as for msgbox_sendx(), NULL for none
 * @token: the message's token: among the last MSGBOX_DEDUP_WINDOW keyed
 *	or tokened messages the mailbox accepted, one sent with the same
 *	token by a process of the same effective UID makes this a duplicate,
 *	whichever process sent it; receivers do not see it
 * @info: if not NULL, filled on success; @info->duplicate says the token
 *	was seen and nothing was queued
 *
 * With MSGBOX_SO_KEY as well, the token alone decides, and the key is only
 * carried to the receiver.
 *
 * Return: 0, or a negative errno as for msgbox_sendx(), plus -EOPNOTSUPP
 * when the mailbox has no duplicate detection (nothing is sent).
 */
int msgbox_sendx_token(int fd, const void *buf, size_t len,
		       const struct msgbox_send_opts *opts, uint64_t token,
		       struct msgbox_send_info *info);

/* struct msgbox_recv_opts.flags */
#define MSGBOX_RO_PEEK		(1U << 0)	/* leave the message queued */
#define MSGBOX_RO_FROM_PID	(1U << 1)	/* only from @pid */
#define MSGBOX_RO_TIMEOUT	(1U << 2)	/* @timeout is valid */

/**
 * struct msgbox_recv_opts - options of msgbox_recvx()
 * @flags: MSGBOX_RO_* bits
 * @pid: with MSGBOX_RO_FROM_PID, the sender to take from
 * @timeout: with MSGBOX_RO_TIMEOUT, the longest time to block (relative,
 *	measured on CLOCK_MONOTONIC)
 */
struct msgbox_recv_opts {
	uint32_t flags;
	pid_t pid;
	struct timespec timeout;
};

/**
 * struct msgbox_msg_info - what msgbox_recvx() reports of a message
 * @id: the message id
 * @key: the sender's key, valid when @has_key
 * @prio: the priority
 * @pid: the sender's PID as the receiver sees it (0: not visible)
 * @uid: the sender's effective UID
 * @gid: the sender's effective GID
 * @len: the message length (also set on -EMSGSIZE)
 * @has_key: 1 when the sender attached a key
 * @has_csum: 1 when the sender attached a checksum, which was verified
 */
struct msgbox_msg_info {
	uint64_t id;
	uint64_t key;
	uint32_t prio;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	uint32_t len;
	int has_key;
	int has_csum;
};

/**
 * msgbox_recvx() - receive a message with options
 * @fd: a mailbox descriptor opened for reading
 * @buf: where to copy the message
 * @len: the size of @buf
 * @opts: options, NULL for none
 * @info: if not NULL, filled on success and on -EBADMSG (with @has_csum
 *	0), and @info->len alone on -EMSGSIZE
 *
 * Return: the message length, or a negative errno as for msgbox_recv(),
 * plus -ETIMEDOUT, and -EBADMSG when the payload does not match the
 * sender's checksum (the message has been consumed).
 */
int msgbox_recvx(int fd, void *buf, size_t len,
		 const struct msgbox_recv_opts *opts,
		 struct msgbox_msg_info *info);

/**
 * struct msgbox_mmsg - one message of a batch
 * @buf: send: the payload; receive: where to copy the message
 * @len: send: the payload length; receive: the size of @buf
 * @msg_len: receive: out: the message length
 * @prio: send: the priority; receive: out: the priority
 */
struct msgbox_mmsg {
	void *buf;
	size_t len;
	size_t msg_len;
	unsigned int prio;
};

/**
 * msgbox_send_batch() - send several messages in one call
 * @fd: a mailbox descriptor opened for writing
 * @msgs: the messages, sent in order
 * @count: how many
 *
 * Only the first message may block (as msgbox_send() would); the batch
 * stops early at the first message that cannot be sent at once, so a full
 * mailbox gives a partial count.
 *
 * Return: the number of messages sent (at least 1), or a negative errno as
 * for msgbox_send() when none was; 0 when @count is 0.
 */
int msgbox_send_batch(int fd, const struct msgbox_mmsg *msgs,
		      unsigned int count);

/**
 * msgbox_recv_batch() - receive several messages in one call
 * @fd: a mailbox descriptor opened for reading
 * @msgs: buffers for the messages, filled in order
 * @count: how many
 *
 * Only the first receive may block; the batch stops early when the mailbox
 * is empty or a message does not fit its buffer (it then stays queued).
 *
 * Return: the number of messages received (at least 1), or a negative
 * errno as for msgbox_recv() when none was; 0 when @count is 0.
 */
int msgbox_recv_batch(int fd, struct msgbox_mmsg *msgs, unsigned int count);

/**
 * msgbox_send_reliable() - deliver a message exactly once, retrying
 * @fd: a descriptor of a mailbox created with MSGBOX_ATTR_DEDUP, opened
 *	for writing
 * @buf: the payload
 * @len: its length
 * @prio: its priority
 * @key: a key unique to this message among the caller's messages
 * @attempt_timeout: how long one attempt waits for its acknowledgement
 * @max_attempts: attempts before giving up, 0 for no limit
 *
 * Each attempt is an acknowledged, keyed, checksummed send (MSGBOX_SO_ACK,
 * MSGBOX_SO_KEY, MSGBOX_SO_CSUM) bounded by @attempt_timeout. An attempt
 * that times out (message or acknowledgement lost) or is refused as
 * corrupted is retried with the same key, and the mailbox's duplicate
 * detection turns a retry of a message already accepted into a
 * confirmation. A receiver therefore sees the message once.
 *
 * Return: the number of attempts it took (at least 1), or a negative errno:
 * -ETIMEDOUT or -EBADMSG when @max_attempts were used up, or any other
 * error of msgbox_sendx(), which is returned at once.
 */
int msgbox_send_reliable(int fd, const void *buf, size_t len,
			 unsigned int prio, uint64_t key,
			 const struct timespec *attempt_timeout,
			 unsigned int max_attempts);

/*
 * Held messages and calls (since MSGBOX_1.2).
 *
 * A message received with msgbox_recv_held() is copied out but stays the
 * mailbox's, held by the open file description it was received through,
 * until msgbox_done() says it is finished with (it goes) or
 * msgbox_release() hands it back (it returns to the queue, ahead of the
 * later messages of its priority, marked redelivered). It also returns to
 * the queue when its hold timeout runs out and when the last descriptor of
 * that open file description is closed. A held message keeps its slot.
 *
 * A call is a request sent with msgbox_call(), whose caller waits for the
 * answer. Whichever receive takes it holds it, and the receiver answers with
 * msgbox_reply() or msgbox_reply_recv().
 */

/* struct msgbox_held_opts.flags */
#define MSGBOX_HO_FROM_PID	(1U << 1)	/* only from @pid */
#define MSGBOX_HO_TIMEOUT	(1U << 2)	/* @timeout is valid */
#define MSGBOX_HO_HOLD_TIMEOUT	(1U << 3)	/* @hold_timeout is valid */

/**
 * struct msgbox_held_opts - options of msgbox_recv_held() and
 *	msgbox_reply_recv()
 * @flags: MSGBOX_HO_* bits
 * @pid: with MSGBOX_HO_FROM_PID, the sender to take from
 * @timeout: with MSGBOX_HO_TIMEOUT, the longest time to block (relative,
 *	measured on CLOCK_MONOTONIC)
 * @hold_timeout: with MSGBOX_HO_HOLD_TIMEOUT, how long the message may stay
 *	held before it returns to the queue by itself; more than zero, at
 *	most a day.
 *	Without the flag it stays held until settled or closed.
 */
struct msgbox_held_opts {
	uint32_t flags;
	pid_t pid;
	struct timespec timeout;
	struct timespec hold_timeout;
};

/**
 * struct msgbox_held_info - what msgbox_recv_held() reports of a message
 * @msg: as msgbox_recvx() fills it; @msg.id is what settles it
 * @deliveries: how many times it was received and returned to the queue
 *	before (0 on a first delivery)
 * @redelivered: 1 when it was returned to the queue before
 * @call: 1 for a call: answer it with msgbox_reply()
 */
struct msgbox_held_info {
	struct msgbox_msg_info msg;
	uint32_t deliveries;
	int redelivered;
	int call;
};

/**
 * msgbox_recv_held() - receive a message and hold it until settled
 * @fd: a mailbox descriptor opened for reading
 * @buf: where to copy the message
 * @len: the size of @buf
 * @opts: options, NULL for none
 * @info: filled on success and on -EBADMSG (with @info->msg.has_csum 0),
 *	and @info->msg.len alone on -EMSGSIZE; required, since @info->msg.id
 *	is what settles the message
 *
 * On success the message is held by the open file description of @fd
 * until msgbox_done(), msgbox_reply() (a call) or msgbox_release(), or
 * until @opts->hold_timeout runs out or the last descriptor of that open
 * file description is closed. On -EBADMSG it is held too.
 *
 * Return: the message length, or a negative errno as for msgbox_recvx():
 * -EINVAL (unknown flags, a malformed timeout, a zero @hold_timeout,
 * @info NULL), -EFAULT (@buf NULL with @len not 0), -EAGAIN, -ETIMEDOUT,
 * -EMSGSIZE (the message stays queued), -EINTR, -EIDRM, -EBADF, -ENOTCONN,
 * -EBADMSG (the message is held).
 */
int msgbox_recv_held(int fd, void *buf, size_t len,
		     const struct msgbox_held_opts *opts,
		     struct msgbox_held_info *info);

/**
 * msgbox_done() - finish with a held message: it goes
 * @fd: a descriptor of the open file description that holds it
 * @id: the message's id, from struct msgbox_held_info
 *
 * A sender waiting for its acknowledgement (MSGBOX_SO_ACK) gets it now. For
 * a call this is an empty reply.
 *
 * Return: 0, or a negative errno: -ENOENT (@id is not held here: never
 * received through it, settled already, or returned to the queue),
 * -ECANCELED (a call whose caller gave up: settled, the reply went
 * nowhere), -EIDRM, -EBADF, -ENOTCONN.
 */
int msgbox_done(int fd, uint64_t id);

/**
 * msgbox_release() - hand a held message back to its mailbox's queue
 * @fd: a descriptor of the open file description that holds it
 * @id: the message's id
 *
 * The message goes back ahead of the later messages of its priority, and
 * its next receiver sees it redelivered. A released call waits for another
 * receiver; its caller keeps waiting.
 *
 * Return: 0, or a negative errno: -ENOENT, -EIDRM, -EBADF, -ENOTCONN.
 */
int msgbox_release(int fd, uint64_t id);

/* struct msgbox_call_opts.flags */
#define MSGBOX_CO_TO_PID	(1U << 0)	/* call the port of @pid */
#define MSGBOX_CO_TIMEOUT	(1U << 1)	/* @timeout is valid */

/**
 * struct msgbox_call_opts - options of msgbox_call()
 * @flags: MSGBOX_CO_* bits
 * @prio: the request's priority
 * @pid: with MSGBOX_CO_TO_PID, the process whose port is called
 * @timeout: with MSGBOX_CO_TIMEOUT, the longest the whole call may take,
 *	queueing and waiting for the reply (relative, measured on
 *	CLOCK_MONOTONIC)
 */
struct msgbox_call_opts {
	uint32_t flags;
	uint32_t prio;
	pid_t pid;
	struct timespec timeout;
};

/**
 * struct msgbox_call_info - what msgbox_call() reports
 * @id: the call's id, which is the request's message id
 * @pid: the replier's PID as the caller sees it (0: not visible)
 * @uid: the replier's effective UID
 * @gid: the replier's effective GID
 */
struct msgbox_call_info {
	uint64_t id;
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/**
 * msgbox_call() - send a request and wait for its reply
 * @fd: a msgbox descriptor opened for writing: the mailbox it is bound to
 *	is called, or with MSGBOX_CO_TO_PID the port of @opts->pid
 * @req: the request
 * @req_len: its length; 0 is allowed
 * @reply: where to copy the reply
 * @reply_size: the size of @reply, the longest reply the server may give
 *	(0: only empty replies)
 * @opts: options, NULL for none
 * @info: if not NULL, filled on success
 *
 * O_NONBLOCK on @fd makes a call that cannot be queued at once fail with
 * -EAGAIN; a call queued waits for its reply all the same. A call that
 * fails is never answered later.
 *
 * Return: the reply's length, or a negative errno: -EINVAL (unknown
 * flags, priority, pid, malformed timeout), -EFAULT, -EMSGSIZE (@req_len
 * above the mailbox's largest message), -EAGAIN, -ETIMEDOUT, -EINTR (a
 * signal after the request was received: the call is cancelled),
 * -ECONNRESET (the receiver holding it closed its descriptor), -EIDRM,
 * -ESRCH (@opts->pid has no port), -EACCES, -EBADF (not opened for
 * writing), -ENOTCONN (unbound and no MSGBOX_CO_TO_PID).
 */
int msgbox_call(int fd, const void *req, size_t req_len,
		void *reply, size_t reply_size,
		const struct msgbox_call_opts *opts,
		struct msgbox_call_info *info);

/**
 * msgbox_reply() - answer a held call
 * @fd: a descriptor of the open file description that holds the call
 * @id: the call's id, from struct msgbox_held_info
 * @buf: the reply
 * @len: its length; 0 is allowed
 *
 * Return: 0 (the caller has the reply), or a negative errno: -ECANCELED
 * (the caller gave up: the call is settled and the reply went nowhere),
 * -EMSGSIZE (@len above the caller's reply size or the mailbox's largest
 * message: the call stays held, answer again), -ENOENT (@id not held
 * here), -EINVAL (@id is not a call and @len is not 0), -EFAULT, -EIDRM,
 * -EBADF, -ENOTCONN.
 */
int msgbox_reply(int fd, uint64_t id, const void *buf, size_t len);

/**
 * msgbox_reply_recv() - answer a held call and receive the next message
 * @fd: a descriptor of the open file description that holds the call
 * @id: the call's id
 * @reply: the reply
 * @reply_len: its length; 0 is allowed
 * @reply_err: required; set to 0 when the caller has the reply,
 *	-ECANCELED when the call was settled but the reply went nowhere,
 *	or else to the error of the reply, which is also returned
 * @buf: where to copy the next message
 * @len: the size of @buf
 * @opts: options of the receive as for msgbox_recv_held(), NULL for none
 * @info: filled as by msgbox_recv_held(); required
 *
 * One system call for a server's loop: reply to @id as msgbox_reply()
 * does, then receive the next message, which is held, as
 * msgbox_recv_held() would. When the reply is not made, because the
 * arguments are refused or the reply fails (-ENOENT, -EINVAL, -EMSGSIZE,
 * -EFAULT, -EIDRM, -EBADF, -ENOTCONN), the call stays held as it was,
 * nothing is received, and *@reply_err and the return value are that
 * error. With @reply_len 0, @id may be any held message: it is done.
 *
 * Return: the next message's length, or a negative errno: the reply's
 * error as said, or, with *@reply_err 0 or -ECANCELED, any error of
 * msgbox_recv_held().
 */
int msgbox_reply_recv(int fd, uint64_t id, const void *reply,
		      size_t reply_len, int *reply_err, void *buf, size_t len,
		      const struct msgbox_held_opts *opts,
		      struct msgbox_held_info *info);

/**
 * msgbox_done_recv() - finish with a held message and hold the next
 * @fd: a descriptor of the open file description that holds it
 * @id: the held message's id; not a call (answer those with
 *	msgbox_reply_recv())
 * @done: required; set to 1 once @id is done with, as by msgbox_done(),
 *	and to 0 when the done was not made (@id is held as before, or,
 *	after -EIDRM, gone with its mailbox)
 * @buf: where to copy the next message
 * @len: the size of @buf
 * @opts: options of the receive as for msgbox_recv_held(), NULL for none
 * @info: filled as by msgbox_recv_held(); required
 *
 * A consumer's loop in one system call per message: done with @id, then
 * the next message received and held, as msgbox_recv_held() would. When
 * the done is refused (-ENOENT, -EINVAL, -EFAULT, -EIDRM, -EBADF,
 * -ENOTCONN, -ENOTTY) *@done is 0 and nothing is received. Once the done
 * is made, *@done is 1 whatever the receive returns, and a receive
 * interrupted by a handler with SA_RESTART is restarted without it.
 *
 * Return: the next message's length, or a negative errno: the done's
 * error with *@done 0, or with *@done 1 any error of msgbox_recv_held().
 */
int msgbox_done_recv(int fd, uint64_t id, int *done, void *buf, size_t len,
		     const struct msgbox_held_opts *opts,
		     struct msgbox_held_info *info);

/**
 * msgbox_stat() - attributes and live state of a mailbox
 * @fd: a mailbox descriptor
 * @st: filled on success, MSGBOX_STAT_SIZE_VER1 bytes of it (@held and
 *	@calls included) since MSGBOX_1.2; programs linked against an
 *	earlier version keep getting MSGBOX_STAT_SIZE_VER0 bytes
 *
 * Return: 0, or a negative errno: -EINVAL (@st is NULL), -EIDRM,
 * -ENOTCONN.
 */
int msgbox_stat(int fd, struct msgbox_stat_args *st);

/**
 * msgbox_crc32c() - the CRC32C the kernel expects with MSGBOX_SO_CSUM
 * @buf: data
 * @len: its length
 *
 * Return: the checksum (seed ~0, final inversion).
 */
uint32_t msgbox_crc32c(const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* _MSGBOX_LIB_H */
