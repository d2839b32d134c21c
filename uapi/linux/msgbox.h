/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msgbox - mailbox message passing through /dev/msgbox
 *
 * DOC: msgbox userspace contract
 *
 * Every open of /dev/msgbox gives an unbound file. MSGBOX_IOC_OPEN binds it
 * to one mailbox, either a named one (indirect addressing) or the caller's
 * own port, which other processes reach by PID (direct addressing). From then
 * on the file descriptor stands for that mailbox: O_NONBLOCK, poll, close and
 * passing the descriptor over a Unix socket all act on that one mailbox.
 *
 * The access mode the device was opened with is the access to the mailbox:
 * O_RDONLY may only receive, O_WRONLY may only send, O_RDWR may do both.
 *
 * Messages are copied in by MSGBOX_IOC_SEND and copied out by
 * MSGBOX_IOC_RECV, highest priority first and FIFO within a priority. Each
 * message goes to exactly one receiver. Every message carries a 64-bit id,
 * unique and increasing per mailbox, and the sender's PID, UID and GID as
 * stamped by the kernel. On a bound file, write(2) sends the bytes written
 * as one message of priority 0 (whole, or EMSGSIZE and nothing) and read(2)
 * receives the next message whole (EMSGSIZE, the message staying queued, if
 * the buffer is too small), blocking as the ioctls do unless O_NONBLOCK.
 *
 * Every argument structure starts with a __u32 size, which the caller sets
 * to sizeof() of the structure it was built with. The kernel accepts any size
 * from the first published version (MSGBOX_*_SIZE_VER0) up to 4096 bytes
 * (EINVAL below, E2BIG above); trailing bytes it does not know must be zero
 * (E2BIG otherwise). Unknown flag bits
 * are rejected with EINVAL. User pointers are carried in __u64 fields, so the
 * layout is the same for 32-bit and 64-bit processes.
 *
 * Names are 1 to MSGBOX_NAME_MAX bytes long, NUL-terminated, made of bytes
 * in 0x21-0x7e or 0x80-0xff except '/', and neither "." nor "..". A name that
 * breaks these rules is EINVAL; one that is too long is ENAMETOOLONG.
 */
#ifndef _UAPI_LINUX_MSGBOX_H
#define _UAPI_LINUX_MSGBOX_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Longest mailbox name, in bytes, not counting the terminating NUL. */
#define MSGBOX_NAME_MAX		255

/* Priorities run from 0 (lowest) to MSGBOX_PRIO_MAX - 1 (highest). */
#define MSGBOX_PRIO_MAX		32768

/*
 * What each slot of a mailbox costs in its creator's byte quota beyond its
 * largest message: the message header. A mailbox is charged its capacity
 * (at least 1) times (its largest message size + MSGBOX_QUOTA_HEADER).
 */
#define MSGBOX_QUOTA_HEADER	64

/* struct msgbox_open_args.flags */
#define MSGBOX_OPEN_CREATE	(1U << 0)	/* create if missing */
#define MSGBOX_OPEN_EXCL	(1U << 1)	/* with CREATE: fail if it exists */
#define MSGBOX_OPEN_PORT	(1U << 2)	/* bind the caller's port, no name */
#define MSGBOX_OPEN_DEDUP	(1U << 3)	/* created with duplicate detection */
#define MSGBOX_OPEN_FLAGS	(MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL | \
				 MSGBOX_OPEN_PORT | MSGBOX_OPEN_DEDUP)

/**
 * struct msgbox_open_args - bind a file to a mailbox (MSGBOX_IOC_OPEN)
 * @size: sizeof(struct msgbox_open_args)
 * @flags: MSGBOX_OPEN_* bits
 * @name: pointer to the NUL-terminated name; 0 with MSGBOX_OPEN_PORT
 * @capacity: on creation, the most messages queued at once; 0 makes a
 *	rendezvous mailbox that buffers nothing
 * @max_msg_size: on creation, the largest message in bytes
 * @mode: on creation, permission bits (0777 mask, umask applied); 0 means
 *	0600
 * @__reserved: must be zero
 *
 * @capacity, @max_msg_size and @mode are ignored when an existing mailbox is
 * opened.
 */
struct msgbox_open_args {
	__u32 size;
	__u32 flags;
	__aligned_u64 name;
	__u32 capacity;
	__u32 max_msg_size;
	__u32 mode;
	__u32 __reserved;
};

#define MSGBOX_OPEN_SIZE_VER0	32

/* struct msgbox_destroy_args.flags */
#define MSGBOX_DESTROY_BOUND	(1U << 0)	/* the mailbox this file is bound to */
#define MSGBOX_DESTROY_UNLINK	(1U << 1)	/* remove the name only */
#define MSGBOX_DESTROY_FLAGS	(MSGBOX_DESTROY_BOUND | MSGBOX_DESTROY_UNLINK)

/**
 * struct msgbox_destroy_args - destroy a named mailbox (MSGBOX_IOC_DESTROY)
 * @size: sizeof(struct msgbox_destroy_args)
 * @flags: MSGBOX_DESTROY_* bits
 * @name: pointer to the NUL-terminated name; 0 with MSGBOX_DESTROY_BOUND
 *
 * Destroying discards the queue and makes every descriptor of the mailbox
 * fail with EIDRM. With MSGBOX_DESTROY_UNLINK only the name goes, as
 * mq_unlink() does: descriptors already open keep working, and the mailbox
 * and its messages are freed when the last of them is closed. Either way
 * the name can be reused at once.
 */
struct msgbox_destroy_args {
	__u32 size;
	__u32 flags;
	__aligned_u64 name;
};

#define MSGBOX_DESTROY_SIZE_VER0	16

/* struct msgbox_send_args.flags */
#define MSGBOX_SEND_TO_PID	(1U << 0)	/* send to the port of @pid */
#define MSGBOX_SEND_DEADLINE	(1U << 1)	/* @deadline_ns is valid */
#define MSGBOX_SEND_KEY		(1U << 2)	/* @key is valid */
#define MSGBOX_SEND_CSUM	(1U << 3)	/* @csum is valid */
#define MSGBOX_SEND_ACK		(1U << 4)	/* wait until a receiver took it */
#define MSGBOX_SEND_NORESULT	(1U << 5)	/* leave @id and @result unwritten */
#define MSGBOX_SEND_TOKEN	(1U << 6)	/* @token is valid */
#define MSGBOX_SEND_FLAGS	(MSGBOX_SEND_TO_PID | MSGBOX_SEND_DEADLINE | \
				 MSGBOX_SEND_KEY | MSGBOX_SEND_CSUM | \
				 MSGBOX_SEND_ACK | MSGBOX_SEND_NORESULT | \
				 MSGBOX_SEND_TOKEN)

/* struct msgbox_send_args.result */
#define MSGBOX_SENT_DUPLICATE	(1U << 0)	/* key or token seen: not queued */
#define MSGBOX_SENT_DELIVERED	(1U << 1)	/* a receiver has taken it */

/**
 * struct msgbox_send_args - send one message (MSGBOX_IOC_SEND)
 * @size: sizeof(struct msgbox_send_args)
 * @flags: MSGBOX_SEND_* bits
 * @buf: pointer to the payload
 * @len: payload length in bytes, 0 allowed
 * @prio: priority, below MSGBOX_PRIO_MAX
 * @deadline_ns: with MSGBOX_SEND_DEADLINE, absolute CLOCK_MONOTONIC time
 *	after which a blocked send fails with ETIMEDOUT
 * @key: with MSGBOX_SEND_KEY, the sender's key: shown to receivers, and
 *	on a mailbox with duplicate detection the key it goes by, unless
 *	the send has a token
 * @pid: with MSGBOX_SEND_TO_PID, the destination process, as seen in the
 *	sender's PID namespace
 * @csum: with MSGBOX_SEND_CSUM, CRC32C (Castagnoli, seed ~0, final
 *	inversion) of the payload
 * @id: out: the id the message was given
 * @result: out: MSGBOX_SENT_* bits
 * @__reserved: must be zero
 * @token: with MSGBOX_SEND_TOKEN, the sender's token for duplicate
 *	detection (since MSGBOX_SEND_SIZE_VER1)
 *
 * With MSGBOX_SEND_NORESULT the call writes nothing back: @id and @result
 * keep what the caller put there, and the call's return value is all it
 * says. A sender that does not look at them saves the write.
 *
 * Duplicate detection (mailboxes created with MSGBOX_OPEN_DEDUP): the
 * mailbox remembers the last MSGBOX_DEDUP_WINDOW keyed or tokened messages
 * it accepted. A send with a key is a duplicate when a message with the
 * same key from the same process is among them; a send with a token when
 * a message with the same token from a sender of the same effective UID
 * is. A token thus outlives the process that sent it: a program that
 * restarts and sends again what it may have sent before gets each message
 * queued once. A duplicate queues nothing: the call succeeds with
 * MSGBOX_SENT_DUPLICATE in @result and 0 in @id.
 * A message withdrawn (an acknowledged send that timed out or was
 * interrupted while still queued) is forgotten, and may be sent again.
 * A message against which a duplicate was reported is no longer
 * withdrawn, since that duplicate's sender was told it is there: if its
 * acknowledged (or rendezvous) sender then gives up, the send fails with
 * EINPROGRESS and the message stays queued.
 * Receivers see keys (MSGBOX_MSG_KEY), never tokens.
 *
 * A token decides alone: a send with both is checked by its token, and
 * its key is only carried to the receiver. Priority plays no part: a
 * message sent again with another priority is still a duplicate. A token
 * needs a mailbox with duplicate detection (EOPNOTSUPP otherwise, since
 * the sender asked for a guarantee the mailbox cannot give) and a
 * structure of MSGBOX_SEND_SIZE_VER1 or more (EINVAL otherwise). A batch
 * entry may carry a token; calls (MSGBOX_IOC_CALL) cannot.
 */
struct msgbox_send_args {
	__u32 size;
	__u32 flags;
	__aligned_u64 buf;
	__u32 len;
	__u32 prio;
	__aligned_u64 deadline_ns;
	__aligned_u64 key;
	__s32 pid;
	__u32 csum;
	__aligned_u64 id;
	__u32 result;
	__u32 __reserved;
	__aligned_u64 token;
};

#define MSGBOX_SEND_SIZE_VER0	64
#define MSGBOX_SEND_SIZE_VER1	72

/* Keyed or tokened messages a mailbox with duplicate detection remembers. */
#define MSGBOX_DEDUP_WINDOW	1024

/* struct msgbox_recv_args.flags */
#define MSGBOX_RECV_PEEK	(1U << 0)	/* copy out, leave it queued */
#define MSGBOX_RECV_FROM_PID	(1U << 1)	/* only messages from @from_pid */
#define MSGBOX_RECV_DEADLINE	(1U << 2)	/* @deadline_ns is valid */
#define MSGBOX_RECV_HOLD	(1U << 3)	/* hold it until settled */
#define MSGBOX_RECV_DONE	(1U << 4)	/* first done with held @id */
#define MSGBOX_RECV_FLAGS	(MSGBOX_RECV_PEEK | MSGBOX_RECV_FROM_PID | \
				 MSGBOX_RECV_DEADLINE | MSGBOX_RECV_HOLD | \
				 MSGBOX_RECV_DONE)

/* struct msgbox_recv_args.msg_flags */
#define MSGBOX_MSG_CSUM		(1U << 0)	/* @csum holds the sender's CRC32C */
#define MSGBOX_MSG_KEY		(1U << 1)	/* @key holds the sender's key */
#define MSGBOX_MSG_CALL		(1U << 2)	/* a call, held until answered */
#define MSGBOX_MSG_HELD		(1U << 3)	/* held by this descriptor */
#define MSGBOX_MSG_REDELIVERED	(1U << 4)	/* delivered before, see @deliveries */

/**
 * struct msgbox_recv_args - receive one message (MSGBOX_IOC_RECV)
 * @size: sizeof(struct msgbox_recv_args)
 * @flags: MSGBOX_RECV_* bits
 * @buf: pointer to the receive buffer
 * @buf_len: size of the receive buffer in bytes
 * @len: out: length of the message; on EMSGSIZE the length needed
 * @deadline_ns: with MSGBOX_RECV_DEADLINE, absolute CLOCK_MONOTONIC time
 *	after which a blocked receive fails with ETIMEDOUT
 * @from_pid: with MSGBOX_RECV_FROM_PID, the only sender to take from, as
 *	seen in the receiver's PID namespace
 * @prio: out: the message's priority
 * @id: out: the message's id; in, with MSGBOX_RECV_DONE, the id of the
 *	held message to be done with first
 * @key: out: the sender's key, valid with MSGBOX_MSG_KEY
 * @pid: out: the sender's PID in the receiver's PID namespace, 0 if the
 *	sender is not visible there
 * @uid: out: the sender's effective UID in the receiver's user namespace
 * @gid: out: the sender's effective GID in the receiver's user namespace
 * @csum: out: the sender's CRC32C, valid with MSGBOX_MSG_CSUM
 * @msg_flags: out: MSGBOX_MSG_* bits
 * @__reserved: must be zero
 * @hold_ns: with MSGBOX_RECV_HOLD, how long the message may stay held, in
 *	nanoseconds, before it returns to the queue by itself; 0 for no
 *	limit, at most MSGBOX_HOLD_NS_MAX (since MSGBOX_RECV_SIZE_VER1)
 * @deliveries: out: how many times the message was received and held
 *	before, and returned to the queue (since MSGBOX_RECV_SIZE_VER1)
 * @__reserved2: must be zero
 *
 * With MSGBOX_RECV_HOLD the message is copied out as usual but stays the
 * mailbox's, held by this open file description, until MSGBOX_IOC_SETTLE
 * says it is done (it goes) or releases it (it returns to the queue). It
 * keeps its slot meanwhile. A held message returns to the queue, ahead of
 * the messages of its priority that came after it, marked
 * MSGBOX_MSG_REDELIVERED, when it is released, when @hold_ns runs out, and
 * when the last descriptor of the open file description is closed. Only
 * a receive with MSGBOX_RECV_HOLD takes calls (MSGBOX_MSG_CALL): any other
 * receive, peek, batch or read(2) passes them by, since it could not
 * answer them. When the descriptor holding a call closes, its caller
 * fails with ECONNRESET.
 *
 * MSGBOX_RECV_DONE makes a consumer's loop one system call per message:
 * the message @id that this open file description holds is first done
 * with, as MSGBOX_IOC_SETTLE without flags does, and then the receive is
 * made. @id must not be a call (EINVAL: a call is answered with
 * MSGBOX_IOC_SETTLE). Once the done is made the module clears
 * MSGBOX_RECV_DONE in @flags, whatever the receive then returns, so a
 * receive that fails or is restarted after a signal handler never settles
 * again; @flags is checked writable before. A failure that leaves
 * MSGBOX_RECV_DONE set made no done: among them ENOENT (@id not held
 * here), EINVAL (a call) and EIDRM (the mailbox and all it held are gone).
 * In a batch an entry with MSGBOX_RECV_DONE is received on its own, as any
 * entry with flags is; when the batch stops at such an entry, its @flags
 * say whether its done was made. In the @recv of MSGBOX_SETTLE_RECV the
 * flag is EINVAL, the settle being made alone, as for any receive
 * arguments that cannot be used.
 *
 * On success the ioctl returns the message length.
 */
struct msgbox_recv_args {
	__u32 size;
	__u32 flags;
	__aligned_u64 buf;
	__u32 buf_len;
	__u32 len;
	__aligned_u64 deadline_ns;
	__s32 from_pid;
	__u32 prio;
	__aligned_u64 id;
	__aligned_u64 key;
	__s32 pid;
	__u32 uid;
	__u32 gid;
	__u32 csum;
	__u32 msg_flags;
	__u32 __reserved;
	__aligned_u64 hold_ns;
	__u32 deliveries;
	__u32 __reserved2;
};

#define MSGBOX_RECV_SIZE_VER0	80
#define MSGBOX_RECV_SIZE_VER1	96

/* The longest struct msgbox_recv_args.hold_ns: a day. */
#define MSGBOX_HOLD_NS_MAX	(24ULL * 3600 * 1000000000ULL)

/* struct msgbox_stat_args.mb_flags */
#define MSGBOX_STAT_PORT	(1U << 0)	/* a port, not a named mailbox */
#define MSGBOX_STAT_DEDUP	(1U << 1)	/* duplicate detection is on */

/**
 * struct msgbox_stat_args - attributes and state (MSGBOX_IOC_STAT)
 * @size: sizeof(struct msgbox_stat_args)
 * @flags: must be zero
 * @capacity: most messages queued at once (0: rendezvous)
 * @max_msg_size: largest message in bytes
 * @msgs: messages queued now
 * @mode: permission bits
 * @bytes: payload bytes queued now
 * @sent: messages accepted since creation
 * @received: messages taken by receivers since creation
 * @waiting_senders: senders blocked now
 * @waiting_receivers: receivers blocked now
 * @uid: owner UID, in the caller's user namespace
 * @gid: owner GID, in the caller's user namespace
 * @owner_pid: for a port, its owner in the caller's PID namespace, else 0
 * @mb_flags: MSGBOX_STAT_* bits
 * @held: messages held by receivers now, calls included (since
 *	MSGBOX_STAT_SIZE_VER1)
 * @calls: calls not answered yet, queued or held (since
 *	MSGBOX_STAT_SIZE_VER1)
 *
 * @msgs counts queued messages only: @msgs + @held is what takes room.
 */
struct msgbox_stat_args {
	__u32 size;
	__u32 flags;
	__u32 capacity;
	__u32 max_msg_size;
	__u32 msgs;
	__u32 mode;
	__aligned_u64 bytes;
	__aligned_u64 sent;
	__aligned_u64 received;
	__u32 waiting_senders;
	__u32 waiting_receivers;
	__u32 uid;
	__u32 gid;
	__s32 owner_pid;
	__u32 mb_flags;
	__u32 held;
	__u32 calls;
};

#define MSGBOX_STAT_SIZE_VER0	72
#define MSGBOX_STAT_SIZE_VER1	80

/* struct msgbox_notify_args.flags */
#define MSGBOX_NOTIFY_CLEAR	(1U << 0)	/* remove the caller's registration */
#define MSGBOX_NOTIFY_FLAGS	(MSGBOX_NOTIFY_CLEAR)

/**
 * struct msgbox_notify_args - ask for a signal on arrival (MSGBOX_IOC_NOTIFY)
 * @size: sizeof(struct msgbox_notify_args)
 * @flags: MSGBOX_NOTIFY_* bits
 * @signo: the signal to send to the calling process, 1 to 64; or 0 to be
 *	told by EPOLLPRI on this file instead (until the next NOTIFY call on
 *	it)
 * @__reserved: must be zero
 * @value: passed in si_value of the siginfo (si_code SI_MESGQ), whose si_pid
 *	and si_uid are the sender's
 *
 * One process at a time may be registered on a mailbox (EBUSY otherwise).
 * The signal is sent, and the registration removed, when a message arrives
 * on an empty mailbox with no receiver blocked on it. The registration also
 * goes when the registering file is closed, and with MSGBOX_NOTIFY_CLEAR,
 * which only the registered process may do.
 */
struct msgbox_notify_args {
	__u32 size;
	__u32 flags;
	__s32 signo;
	__u32 __reserved;
	__aligned_u64 value;
};

#define MSGBOX_NOTIFY_SIZE_VER0	24

/* The most entries one batch may carry. */
#define MSGBOX_BATCH_MAX	1024

/* struct msgbox_batch_args.flags */
#define MSGBOX_BATCH_NONBLOCK	(1U << 0)	/* not even the first may block */
#define MSGBOX_BATCH_FLAGS	(MSGBOX_BATCH_NONBLOCK)

/**
 * struct msgbox_batch_args - many sends or receives in one call
 *	(MSGBOX_IOC_SEND_BATCH, MSGBOX_IOC_RECV_BATCH)
 * @size: sizeof(struct msgbox_batch_args)
 * @flags: MSGBOX_BATCH_* bits
 * @entries: pointer to an array of struct msgbox_send_args (or
 *	struct msgbox_recv_args), each with its own size field set
 * @count: number of entries, at most MSGBOX_BATCH_MAX
 * @entry_size: distance in bytes between entries, normally sizeof() the
 *	entry structure; an entry whose size field is larger is EINVAL
 * @done: out: entries completed, in order
 * @error: out: the positive errno that stopped the batch early, or 0
 *
 * Entries are processed in order, each as its single ioctl would, and only
 * the first may block: a blocking batch waits until its first entry can
 * proceed, then completes as many as it can without waiting again. The
 * call returns the number completed, or the first
 * entry's error when none was: a full mailbox (or an empty one) ends a
 * batch early with @error EAGAIN. Each completed entry's out fields are
 * written back.
 */
struct msgbox_batch_args {
	__u32 size;
	__u32 flags;
	__aligned_u64 entries;
	__u32 count;
	__u32 entry_size;
	__u32 done;
	__s32 error;
};

#define MSGBOX_BATCH_SIZE_VER0	32

/* struct msgbox_call_args.flags */
#define MSGBOX_CALL_TO_PID	(1U << 0)	/* call the port of @pid */
#define MSGBOX_CALL_DEADLINE	(1U << 1)	/* @deadline_ns is valid */
#define MSGBOX_CALL_FLAGS	(MSGBOX_CALL_TO_PID | MSGBOX_CALL_DEADLINE)

/**
 * struct msgbox_call_args - send a request and wait for its reply
 *	(MSGBOX_IOC_CALL)
 * @size: sizeof(struct msgbox_call_args)
 * @flags: MSGBOX_CALL_* bits
 * @buf: pointer to the request
 * @len: request length in bytes, 0 allowed
 * @prio: the request's priority, below MSGBOX_PRIO_MAX
 * @deadline_ns: with MSGBOX_CALL_DEADLINE, absolute CLOCK_MONOTONIC time
 *	after which the call fails with ETIMEDOUT, whether it was queued,
 *	received or neither
 * @reply_buf: pointer to the buffer for the reply
 * @reply_buf_len: its size: the longest reply the server may give
 * @pid: with MSGBOX_CALL_TO_PID, the process whose port is called, as seen
 *	in the caller's PID namespace
 * @id: out: the call's id, which is the request's message id
 * @reply_len: out: the reply's length
 * @reply_pid: out: the replier's PID in the caller's PID namespace, 0 if
 *	not visible there
 * @reply_uid: out: the replier's effective UID in the caller's user
 *	namespace
 * @reply_gid: out: the replier's effective GID in the caller's user
 *	namespace
 *
 * The request is queued as a message that a receiver of the mailbox that
 * holds (MSGBOX_RECV_HOLD) gets, marked MSGBOX_MSG_CALL, and holds until
 * it answers with MSGBOX_IOC_SETTLE.
 * The calling thread waits for that answer: threads of one process may
 * each have a call outstanding on one descriptor. The descriptor needs
 * write access; O_NONBLOCK makes a call that cannot be queued at once fail
 * with EAGAIN, and a call queued waits for its reply all the same.
 *
 * On success the ioctl returns the reply's length. It fails with ETIMEDOUT
 * at the deadline, EINTR when a signal comes after the request was
 * received (a request not yet received is withdrawn, and the call is
 * restarted under SA_RESTART), EIDRM when the mailbox is destroyed and
 * ECONNRESET when the descriptor holding the call is closed before it
 * answers. A call that fails is never answered later.
 */
struct msgbox_call_args {
	__u32 size;
	__u32 flags;
	__aligned_u64 buf;
	__u32 len;
	__u32 prio;
	__aligned_u64 deadline_ns;
	__aligned_u64 reply_buf;
	__u32 reply_buf_len;
	__s32 pid;
	__aligned_u64 id;
	__u32 reply_len;
	__s32 reply_pid;
	__u32 reply_uid;
	__u32 reply_gid;
};

#define MSGBOX_CALL_SIZE_VER0	72

/* struct msgbox_settle_args.flags */
#define MSGBOX_SETTLE_RELEASE	(1U << 0)	/* return it to the queue */
#define MSGBOX_SETTLE_RECV	(1U << 1)	/* then receive with @recv */
#define MSGBOX_SETTLE_FLAGS	(MSGBOX_SETTLE_RELEASE | MSGBOX_SETTLE_RECV)

/**
 * struct msgbox_settle_args - finish with a held message: done, reply or
 *	release (MSGBOX_IOC_SETTLE)
 * @size: sizeof(struct msgbox_settle_args)
 * @flags: MSGBOX_SETTLE_* bits
 * @id: the id of a message this open file description holds
 * @buf: for a call, pointer to the reply
 * @len: for a call, the reply's length, 0 allowed; 0 for any other message
 * @settle_error: out, with MSGBOX_SETTLE_RECV, once the message is
 *	settled: 0, or ECANCELED when the reply went nowhere; left as it was
 *	when the settle fails
 * @recv: with MSGBOX_SETTLE_RECV, pointer to a struct msgbox_recv_args for
 *	a receive made in the same call, once the settling is done
 *
 * Done (no flag): the message goes, and a sender waiting for its
 * acknowledgment gets it now. For a call, done is the reply: @buf and
 * @len go to the caller. Release: the message returns to the queue as
 * redelivered; a released call waits for another receiver.
 *
 * Errors: ENOENT when this open file description does not hold @id (never
 * received through it, settled already, or returned to the queue);
 * EINVAL for a reply to a message that is not a call, or for
 * MSGBOX_SETTLE_RELEASE with a reply; EMSGSIZE when the reply is longer
 * than the caller's buffer or the mailbox's largest message, the call
 * staying held; ECANCELED when the caller gave up (timeout, signal, exit):
 * the call is settled and the reply went nowhere; EIDRM once the mailbox
 * is destroyed; ENOMEM when no memory is left for the reply, or for a
 * release with MSGBOX_SETTLE_RECV and a holding receive, for the next
 * hold, nothing being settled.
 *
 * Without MSGBOX_SETTLE_RECV the ioctl returns 0. With it, an error that
 * leaves the message held returns at once and nothing is received;
 * otherwise the message is settled, @settle_error says how, and the
 * ioctl returns what MSGBOX_IOC_RECV would for @recv.
 */
struct msgbox_settle_args {
	__u32 size;
	__u32 flags;
	__aligned_u64 id;
	__aligned_u64 buf;
	__u32 len;
	__s32 settle_error;
	__aligned_u64 recv;
};

#define MSGBOX_SETTLE_SIZE_VER0	40

/* Not listed in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define MSGBOX_IOC_MAGIC	0xE7

#define MSGBOX_IOC_OPEN		_IOW(MSGBOX_IOC_MAGIC, 0x01, struct msgbox_open_args)
#define MSGBOX_IOC_DESTROY	_IOW(MSGBOX_IOC_MAGIC, 0x02, struct msgbox_destroy_args)
#define MSGBOX_IOC_SEND		_IOWR(MSGBOX_IOC_MAGIC, 0x03, struct msgbox_send_args)
#define MSGBOX_IOC_RECV		_IOWR(MSGBOX_IOC_MAGIC, 0x04, struct msgbox_recv_args)
#define MSGBOX_IOC_STAT		_IOWR(MSGBOX_IOC_MAGIC, 0x05, struct msgbox_stat_args)
#define MSGBOX_IOC_NOTIFY	_IOW(MSGBOX_IOC_MAGIC, 0x06, struct msgbox_notify_args)
#define MSGBOX_IOC_SEND_BATCH	_IOWR(MSGBOX_IOC_MAGIC, 0x07, struct msgbox_batch_args)
#define MSGBOX_IOC_RECV_BATCH	_IOWR(MSGBOX_IOC_MAGIC, 0x08, struct msgbox_batch_args)
/* 0x09 was a command of an earlier version: it is not reused. */
#define MSGBOX_IOC_CALL		_IOWR(MSGBOX_IOC_MAGIC, 0x0a, struct msgbox_call_args)
#define MSGBOX_IOC_SETTLE	_IOWR(MSGBOX_IOC_MAGIC, 0x0b, struct msgbox_settle_args)

#endif /* _UAPI_LINUX_MSGBOX_H */
