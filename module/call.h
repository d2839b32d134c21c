/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: calls
 *
 * A call is a send whose message carries its caller: the send core
 * (send.h) copies the request in and queues it as any message, marked
 * MSGBOX_MSGF_CALL and pointing to the caller's struct msgbox_call, and
 * the calling thread then waits in msgbox_call_wait() for its own answer,
 * woken by name (wake_up_process()), not through a wait queue shared with
 * other callers. Whoever takes the message holds it (hold.h); its answer
 * is the settle of that hold.
 *
 * A call ends once, under the mailbox lock, in one of these ways: the
 * holder replies (msgbox_call_answer()), the holder's file is closed
 * (-ECONNRESET), the mailbox is destroyed (-EIDRM), or the caller gives up
 * at its deadline or on a signal. A caller giving up withdraws a request
 * still queued, so the call may be restarted; a request already taken is
 * cancelled instead, and its reply, if one comes, is refused with
 * -ECANCELED. Either way the message's pointer to the caller is cleared
 * under the lock before the caller returns: struct msgbox_call lives on
 * the caller's stack, and nothing reaches it after that.
 */
#ifndef _MSGBOX_CALL_H
#define _MSGBOX_CALL_H

#include <linux/types.h>
#include <linux/uidgid.h>

struct msgbox_mailbox;
struct msgbox_msg;
struct msgbox_send_req;
struct msgbox_settle_req;
struct pid_namespace;
struct task_struct;

/**
 * struct msgbox_call - a caller waiting for its reply
 * @task: the calling thread
 * @buf_len: the longest reply it takes
 * @result: 0 while it waits, 1 once answered, or -errno once failed;
 *	under the mailbox lock
 * @reply: the reply's payload, NULL for an empty one; set with @result
 * @ns: the caller's PID namespace, which outlives the wait
 * @replier: the replier's thread-group ID in @ns (0 when it is not
 *	seen there); set with @result
 * @uid: the replier's effective UID
 * @gid: the replier's effective GID
 */
struct msgbox_call {
	struct task_struct *task;
	u32 buf_len;
	int result;
	struct msgbox_msg *reply;
	struct pid_namespace *ns;
	pid_t replier;
	kuid_t uid;
	kgid_t gid;
};

int msgbox_call_wait(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		     struct msgbox_send_req *req);
int msgbox_call_answer(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		       struct msgbox_settle_req *req);
void msgbox_call_end(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		     int result);
bool msgbox_call_orphan(const struct msgbox_msg *msg);

#endif /* _MSGBOX_CALL_H */
