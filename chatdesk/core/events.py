"""Wire event names (the ``type`` of every frame).  Documented in docs/protocol.md; the protocol
version goes up when a frame changes incompatibly."""

PROTOCOL_VERSION = 1

# client -> server (both sockets)
HELLO = "hello"
PING = "ping"
MESSAGE_SEND = "message.send"
TYPING_SET = "typing"
RESUME = "resume"
READ = "read"  # both ways: "I have read up to seq" (client), "the other side read up to seq" (server)
# client -> server (citizen)
CHAT_END = "chat.end"
# client -> server (console)
DUTY_SET = "duty.set"
CHAT_TAKE = "chat.take"
CHAT_OPEN = "chat.open"
CHAT_CLOSE = "chat.close"
NOTE_ADD = "note.add"

# server -> client
WELCOME = "welcome"
PONG = "pong"
ACK = "ack"
ERROR = "error"
MESSAGE = "message"
NOTE = "note"  # staff only: an internal note
HISTORY = "history"
TYPING = "typing"
CONVERSATION = "conversation"  # a conversation's state changed (status, official)
QUEUE_ADDED = "queue.added"
QUEUE_REMOVED = "queue.removed"
ASSIGNED = "assigned"  # to an official's sockets: this conversation is now yours
QUEUE = "queue"  # to a waiting citizen: place in the queue and estimated wait
OVERVIEW = "overview"  # to a supervisor: queues, officials on duty and their load
CHAT_TRANSFER = "chat.transfer"
TRANSFER_OK = "transfer.ok"
TRANSFER_TARGETS = "transfer.targets"  # console -> server: where can I transfer?; and the answer
TAKE_OK = "take.ok"
PRESENCE = "presence"
DUTY = "duty"  # to an official's own sockets: your status changed
DUTY_INFO = "duty.info"  # console -> server: ask; server -> console: closed units and my shifts now
TICKET_CHANGED = "ticket.changed"  # staff: a ticket changed (reload its timeline / list row)
TICKET_ASSIGNED = "ticket.assigned"  # to an official: a ticket was given to you
TICKET_OVERDUE = "ticket.overdue"  # staff: a case passed its statutory deadline and went up to a supervisor (or an objection did)
TICKET_SLA = "ticket.sla"  # staff: a ticket's SLA clock reached its warning point or breached
TICKET_WATCH = "ticket.watch"  # console -> server: follow a ticket page's changes
CHAT_ESCALATE = "chat.escalate"  # console -> server: turn this chat into a ticket
CHAT_ESCALATED = "chat.escalated"  # server -> console: done; the ticket's brief

# channel-layer message types (between processes, never on the wire)
LAYER_EVENT = "chatdesk.event"
LAYER_CONTROL = "chatdesk.control"

# console tools (#21): saved replies, what an official has seen, the citizen's history
REPLIES_LIST = "replies.list"  # console -> server: my saved replies
REPLIES = "replies"  # server -> console: the answer
REPLY_SAVE = "reply.save"  # console -> server: create or change a saved reply
REPLY_DELETE = "reply.delete"  # console -> server: delete one
REPLIES_CHANGED = "replies.changed"  # server -> consoles concerned: ask for the list again
CHAT_SEEN = "chat.seen"  # console -> server: I have seen this chat up to seq
SEEN = "seen"  # server -> an official's consoles: how far they have seen a chat, and its unread count
QUEUE_UPDATED = "queue.updated"  # server -> units: a waiting chat's preview and unread count changed
CITIZEN_HISTORY = "citizen.history"  # console -> server: the citizen's earlier chats and tickets; and the answer
