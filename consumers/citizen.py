"""The citizen's chat socket: ``/ws/chat/``.  Identified by the conversation token sent in the
first frame (``hello``); see docs/protocol.md."""

import asyncio

from django.conf import settings

from chatdesk.chats import reads, selectors, services, wire
from chatdesk.chats.access import access_conversation_for_token
from chatdesk.chats.models import Conversation
from chatdesk.core import events, realtime
from chatdesk.core.errors import DomainError, NotFound, RateLimited

from .base import CLOSE_FORBIDDEN, CLOSE_HELLO_TIMEOUT, CLOSE_TOO_MANY, FrameError, JsonConsumer, bool_field, db, int_field, together


class SeqAhead(FrameError):
    """``hello`` with a ``last_seq`` above the conversation's: refused, with the server's
    ``last_seq``; the client drops what it shows and sends ``hello`` again (docs/protocol.md)."""

    code = "seq_ahead"
    message = "شمارهٔ آخرین پیام دیده‌شده از شمارهٔ آخرین پیام گفتگو بیشتر است؛ گفتگو از نو بارگذاری می‌شود."

    def __init__(self, last_seq):
        super().__init__()
        self.last_seq = last_seq

    def as_dict(self):
        return {**super().as_dict(), "last_seq": self.last_seq}


class CitizenConsumer(JsonConsumer):
    handlers = {
        events.HELLO: "on_hello",
        events.PING: "on_ping",
        events.MESSAGE_SEND: "on_message_send",
        events.TYPING_SET: "on_typing",
        events.RESUME: "on_resume",
        events.CHAT_END: "on_chat_end",
        events.READ: "on_read",
    }

    async def connect(self):
        self.conversation_id = None
        await self.accept()
        self._hello_timer = asyncio.get_running_loop().call_later(
            settings.CHAT["HELLO_TIMEOUT_SECONDS"], lambda: asyncio.ensure_future(self._hello_timeout())
        )

    async def _hello_timeout(self):
        if self.conversation_id is None:
            await self.close(code=CLOSE_HELLO_TIMEOUT)

    def _require_hello(self):
        if self.conversation_id is None:
            raise DomainError("ابتدا باید پیام hello فرستاده شود.", code="hello_required")

    async def on_hello(self, request):
        if self.conversation_id is not None:
            raise FrameError("hello فقط یک بار فرستاده می‌شود.", code="already_hello")
        token = request.get("token")
        after = int_field(request, "last_seq") if "last_seq" in request else 0
        try:
            conversation = await db(access_conversation_for_token)(token, address=self.client_address())
        except NotFound as error:
            await self.send_error(error, request=request)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        except RateLimited as error:
            # Too many wrong tokens from this address: not 4403, which tells the client its chat
            # is gone; it may come back after ``retry_after``.
            await self.send_error(error, request=request)
            await self.close(code=CLOSE_TOO_MANY)
            return
        if after > conversation.last_seq:
            # The client shows messages this conversation never had (its server's database was
            # restored from a backup, or its storage mixed two chats): it must start over.
            raise SeqAhead(conversation.last_seq)
        self._hello_timer.cancel()
        self.conversation_id = conversation.pk
        # Join before reading history: whatever is written after the read arrives live.
        await realtime.join(self, realtime.group_conversation_citizen(conversation.pk))
        conversation, messages, queue = await db(self._snapshot)(after)
        await self.send_frame(
            {
                "type": events.WELCOME,
                "protocol": events.PROTOCOL_VERSION,
                "conversation": wire.conversation_for_citizen(conversation),
                "messages": [wire.message(m) for m in messages],
                "more": len(messages) == selectors.HISTORY_PAGE,
                "queue": queue,
            }
        )

    def _snapshot(self, after):
        conversation = selectors.conversation(self.conversation_id)
        queue = None
        if conversation.status == Conversation.Status.WAITING:
            mine = [q for q in selectors.queue_snapshot(conversation.unit_id) if q["conversation_id"] == conversation.pk]
            queue = wire.queue_frame(mine[0]) if mine else None
        return conversation, selectors.messages_after(self.conversation_id, after), queue

    async def on_message_send(self, request):
        self._require_hello()
        message, _created = await together(services.message_send_together, dict(
            conversation_id=self.conversation_id,
            sender=Conversation.Side.CITIZEN,
            client_id=request.get("client_id"),
            body=request.get("body"),
        ))
        await self.send_frame(wire.ack_frame(message))

    async def on_typing(self, request):
        self._require_hello()
        await realtime.typing(self.conversation_id, side="citizen", active=bool_field(request, "active"))

    async def on_resume(self, request):
        self._require_hello()
        after = int_field(request, "after")
        messages = await db(selectors.messages_after)(self.conversation_id, after)
        await self.send_frame(
            {"type": events.HISTORY, "conversation_id": self.conversation_id, "after": after, "messages": [wire.message(m) for m in messages], "more": len(messages) == selectors.HISTORY_PAGE}
        )

    async def on_read(self, request):
        """«دیده شد»: the citizen has read up to ``seq`` (chats/reads.py)."""
        self._require_hello()
        await db(reads.mark_read)(conversation_id=self.conversation_id, side=Conversation.Side.CITIZEN, seq=int_field(request, "seq"))

    async def on_chat_end(self, request):
        self._require_hello()
        await db(services.conversation_end_by_citizen)(conversation_id=self.conversation_id)

    async def disconnect(self, code):
        timer = getattr(self, "_hello_timer", None)
        if timer:
            timer.cancel()
        await super().disconnect(code)
