/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: tracepoints
 *
 * msgbox:msgbox_send, msgbox_recv, msgbox_block, msgbox_wake and
 * msgbox_destroy, for ftrace, trace-cmd and perf. A mailbox is shown by its
 * name (empty for a port) and port owner (0 for a named mailbox, else its
 * PID in the initial PID namespace).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM msgbox

#if !defined(_MSGBOX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MSGBOX_TRACE_H

#include <linux/pid.h>
#include <linux/tracepoint.h>

#include "mailbox.h"
#include "message.h"

DECLARE_EVENT_CLASS(msgbox_msg_class,
		    TP_PROTO(const struct msgbox_mailbox *mb,
			     const struct msgbox_msg *msg),
		    TP_ARGS(mb, msg),
		    TP_STRUCT__entry(__string(name, mb->name)
				     __field(pid_t, owner)
				     __field(u64, id)
				     __field(u32, len)
				     __field(u32, prio)
				     __field(pid_t, sender)),
		    TP_fast_assign(msgbox_compat_assign_str(name, mb->name);
				   __entry->owner = mb->owner ? pid_nr(mb->owner) : 0;
				   __entry->id = msg->id;
				   __entry->len = msg->len;
				   __entry->prio = msg->prio;
				   __entry->sender = pid_nr(msg->sender);),
		    TP_printk("mailbox=%s port=%d id=%llu len=%u prio=%u sender=%d",
			      __get_str(name), __entry->owner, __entry->id,
			      __entry->len, __entry->prio, __entry->sender));

DEFINE_EVENT(msgbox_msg_class, msgbox_send,
	     TP_PROTO(const struct msgbox_mailbox *mb,
		      const struct msgbox_msg *msg),
	     TP_ARGS(mb, msg));

DEFINE_EVENT(msgbox_msg_class, msgbox_recv,
	     TP_PROTO(const struct msgbox_mailbox *mb,
		      const struct msgbox_msg *msg),
	     TP_ARGS(mb, msg));

DEFINE_EVENT(msgbox_msg_class, msgbox_call,
	     TP_PROTO(const struct msgbox_mailbox *mb,
		      const struct msgbox_msg *msg),
	     TP_ARGS(mb, msg));

DEFINE_EVENT(msgbox_msg_class, msgbox_hold,
	     TP_PROTO(const struct msgbox_mailbox *mb,
		      const struct msgbox_msg *msg),
	     TP_ARGS(mb, msg));

TRACE_EVENT(msgbox_settle,
	    TP_PROTO(const struct msgbox_mailbox *mb,
		     const struct msgbox_msg *msg, const char *how),
	    TP_ARGS(mb, msg, how),
	    TP_STRUCT__entry(__string(name, mb->name)
			     __field(pid_t, owner)
			     __field(u64, id)
			     __string(how, how)),
	    TP_fast_assign(msgbox_compat_assign_str(name, mb->name);
			   __entry->owner = mb->owner ? pid_nr(mb->owner) : 0;
			   __entry->id = msg->id;
			   msgbox_compat_assign_str(how, how);),
	    TP_printk("mailbox=%s port=%d id=%llu how=%s", __get_str(name),
		      __entry->owner, __entry->id, __get_str(how)));

DECLARE_EVENT_CLASS(msgbox_mb_class,
		    TP_PROTO(const struct msgbox_mailbox *mb, bool sender),
		    TP_ARGS(mb, sender),
		    TP_STRUCT__entry(__string(name, mb->name)
				     __field(pid_t, owner)
				     __field(bool, sender)),
		    TP_fast_assign(msgbox_compat_assign_str(name, mb->name);
				   __entry->owner = mb->owner ? pid_nr(mb->owner) : 0;
				   __entry->sender = sender;),
		    TP_printk("mailbox=%s port=%d who=%s", __get_str(name),
			      __entry->owner,
			      __entry->sender ? "sender" : "receiver"));

DEFINE_EVENT(msgbox_mb_class, msgbox_block,
	     TP_PROTO(const struct msgbox_mailbox *mb, bool sender),
	     TP_ARGS(mb, sender));

DEFINE_EVENT(msgbox_mb_class, msgbox_wake,
	     TP_PROTO(const struct msgbox_mailbox *mb, bool sender),
	     TP_ARGS(mb, sender));

TRACE_EVENT(msgbox_destroy,
	    TP_PROTO(const struct msgbox_mailbox *mb, u32 discarded),
	    TP_ARGS(mb, discarded),
	    TP_STRUCT__entry(__string(name, mb->name)
			     __field(pid_t, owner)
			     __field(u32, discarded)),
	    TP_fast_assign(msgbox_compat_assign_str(name, mb->name);
			   __entry->owner = mb->owner ? pid_nr(mb->owner) : 0;
			   __entry->discarded = discarded;),
	    TP_printk("mailbox=%s port=%d discarded=%u", __get_str(name),
		      __entry->owner, __entry->discarded));

#endif /* _MSGBOX_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
