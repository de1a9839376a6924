"""The official's console socket: ``/ws/console/``, authenticated by the Django session."""

import time

from chatdesk.chats import reads, replies, seen, selectors, services, wire
from chatdesk.chats.access import access_conversation_for_official
from chatdesk.chats.models import Conversation
from chatdesk.core import clock, events, realtime
from chatdesk.core.access_log import log_conversation
from chatdesk.core.auth import console_session_alive
from chatdesk.core.errors import DomainError
from chatdesk.directory import selectors as directory_selectors
from chatdesk.directory import services as directory_services
from chatdesk.directory.models import Official
from chatdesk.tickets import access as ticket_access
from chatdesk.tickets import escalation as ticket_escalation
from chatdesk.tickets import selectors as ticket_selectors
from chatdesk.tickets import wire as ticket_wire

from .base import CLOSE_UNAUTHORISED, JsonConsumer, bool_field, db, int_field, together

HEARTBEAT_EVERY = 20  # seconds between presence writes on ping
RECENT_MESSAGES = 200


class ConsoleConsumer(JsonConsumer):
    handlers = {
        events.HELLO: "on_hello",
        events.PING: "on_ping",
        events.DUTY_SET: "on_duty_set",
        events.CHAT_TAKE: "on_take",
        events.CHAT_OPEN: "on_open",
        events.CHAT_CLOSE: "on_close",
        events.MESSAGE_SEND: "on_message_send",
        events.TYPING_SET: "on_typing",
        events.RESUME: "on_resume",
        events.NOTE_ADD: "on_note_add",
        events.CHAT_TRANSFER: "on_transfer",
        events.TRANSFER_TARGETS: "on_transfer_targets",
        events.OVERVIEW: "on_overview",
        events.TICKET_WATCH: "on_ticket_watch",
        events.CHAT_ESCALATE: "on_escalate",
        events.DUTY_INFO: "on_duty_info",
        events.READ: "on_read",
        events.REPLIES_LIST: "on_replies_list",
        events.REPLY_SAVE: "on_reply_save",
        events.REPLY_DELETE: "on_reply_delete",
        events.CHAT_SEEN: "on_seen",
        events.CITIZEN_HISTORY: "on_citizen_history",
    }

    async def connect(self):
        self.official = None
        await self.accept()
        official = await db(directory_selectors.official_for_user)(self.scope.get("user"))
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        if official is not None and not await db(console_session_alive)(self.session_key, official.user_id):
            official = None  # idle or too old (core/auth.py)
        if official is None:
            await self.send_error(DomainError("برای ورود به کنسول باید وارد حساب کارمندی شوید.", code="unauthorised"))
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        self.official = official
        self._last_seen = time.monotonic()
        await db(directory_services.console_connected)(official=official, channel_name=self.channel_name)
        await realtime.join(self, realtime.group_official(official.pk))
        # Logging out of this browser closes this session's sockets (core/auth.py).
        await realtime.join(self, realtime.group_session(self.session_key))
        self.unit_ids = await db(directory_selectors.unit_ids_for_official)(official)
        for unit_id in self.unit_ids:
            await realtime.join(self, realtime.group_unit(unit_id))
        snapshot = await db(self._snapshot)()
        for conversation in snapshot["mine"]:
            await realtime.join(self, realtime.group_conversation_staff(conversation["id"]))
        await self.send_frame({"type": events.WELCOME, "protocol": events.PROTOCOL_VERSION, **snapshot})

    def _snapshot(self):
        official = self.official
        official.refresh_from_db(fields=["status", "display_name", "role", "max_chats"])
        units = directory_selectors.units_for_official(official)
        officials = directory_selectors.officials_of_units(self.unit_ids)
        return {
            "official": {
                "id": official.pk,
                "name": official.display_name,
                "role": official.role,
                "status": official.status,
                "status_display": official.get_status_display(),
                "max_chats": official.max_chats,
            },
            "units": [{"id": u.pk, "name": u.name} for u in units],
            "colleagues": [
                {"id": o.pk, "name": o.display_name, "status": o.status, "status_display": o.get_status_display()} for o in officials
            ],
            "queue": seen.queue_entries(selectors.waiting_in_units(self.unit_ids), official.pk),
            "mine": [wire.conversation_for_staff(c) for c in selectors.active_for_official(official.pk)],
            # closed units and the official's shifts now (the same as the ``duty.info`` frame)
            "duty_info": selectors.console_duty(official, self.unit_ids, clock.now()),
        }

    def _require_official(self):
        if self.official is None:
            raise DomainError("دسترسی ندارید.", code="unauthorised")

    async def on_hello(self, request):
        self._require_official()
        await self.send_frame({"type": events.WELCOME, "protocol": events.PROTOCOL_VERSION, **await db(self._snapshot)()})

    async def on_ping(self, request):
        if self.official is not None and time.monotonic() - self._last_seen > HEARTBEAT_EVERY:
            self._last_seen = time.monotonic()
            # The close broadcast may have been lost (the layer is at-most-once): check again.
            if not await db(self._heartbeat)():
                await self.close(code=CLOSE_UNAUTHORISED)
                return
        await super().on_ping(request)

    def _heartbeat(self):
        """The session's check and, if it holds, the presence write: one database call (a
        console pings every 20 s; one thread hand-off instead of two, #22)."""
        if not console_session_alive(self.session_key, self.official.user_id):
            return False
        directory_services.console_seen(official=self.official, channel_name=self.channel_name)
        return True

    async def on_duty_set(self, request):
        self._require_official()
        self.official = await db(directory_services.official_set_status)(official=self.official, status=request.get("status"))
        await self.on_duty_info(request)

    async def on_duty_info(self, request):
        """Which of my units citizens cannot reach now (and when they open), and my shifts of the
        duty roster now; the console asks again now and then, so the notices follow the clock."""
        self._require_official()
        await self.send_frame(wire.duty_info_frame(await db(selectors.console_duty)(self.official, self.unit_ids, clock.now())))

    async def on_take(self, request):
        self._require_official()
        conversation_id = int_field(request, "conversation_id")
        conversation = await db(services.conversation_take)(conversation_id=conversation_id, official=self.official)
        # Join here as well as through the control message, so this socket never misses a frame.
        await realtime.join(self, realtime.group_conversation_staff(conversation.pk))
        await self.send_frame({"type": events.TAKE_OK, "conversation_id": conversation.pk})

    async def on_open(self, request):
        """Follow a conversation of one's units and receive its history (and notes)."""
        self._require_official()
        conversation_id = int_field(request, "conversation_id")
        after = int_field(request, "after") if "after" in request else 0
        conversation = await db(access_conversation_for_official)(self.official, conversation_id)
        await db(log_conversation)(official=self.official, conversation=conversation)  # the access log
        await realtime.join(self, realtime.group_conversation_staff(conversation.pk))
        await self._send_history(conversation.pk, after, with_conversation=True)

    async def on_read(self, request):
        """«دیده شد»: the official holding the chat has read up to ``seq`` (chats/reads.py)."""
        self._require_official()
        await db(reads.mark_read)(
            conversation_id=int_field(request, "conversation_id"), side=Conversation.Side.OFFICIAL,
            seq=int_field(request, "seq"), official=self.official,
        )

    async def on_resume(self, request):
        self._require_official()
        conversation_id = int_field(request, "conversation_id")
        after = int_field(request, "after")
        await db(access_conversation_for_official)(self.official, conversation_id)
        await self._send_history(conversation_id, after)

    async def _send_history(self, conversation_id, after, with_conversation=False):
        def load():
            conversation = selectors.conversation(conversation_id)
            messages = selectors.messages_after(conversation_id, after)
            return conversation, messages, selectors.notes_of(conversation_id) if with_conversation else None

        conversation, messages, notes = await db(load)()
        frame = {
            "type": events.HISTORY,
            "conversation_id": conversation_id,
            "after": after,
            "messages": [wire.message(m) for m in messages],
            "more": len(messages) == selectors.HISTORY_PAGE,
        }
        if with_conversation:
            frame["conversation"] = wire.conversation_for_staff(conversation)
            frame["notes"] = [wire.note(n) for n in notes]
            # how far this official has seen it (chats/seen.py): the console counts the unread
            frame["seen_seq"] = await db(seen.seen_seq)(self.official.pk, conversation_id)
        await self.send_frame(frame)

    async def on_close(self, request):
        self._require_official()
        await db(services.conversation_close_by_official)(conversation_id=int_field(request, "conversation_id"), official=self.official)

    async def on_message_send(self, request):
        self._require_official()
        conversation_id = int_field(request, "conversation_id")
        message, _created = await together(services.message_send_together, dict(
            conversation_id=conversation_id,
            sender=Conversation.Side.OFFICIAL,
            official=self.official,
            client_id=request.get("client_id"),
            body=request.get("body"),
        ))
        await self.send_frame(wire.ack_frame(message, conversation_id=conversation_id))

    async def on_note_add(self, request):
        self._require_official()
        conversation_id = int_field(request, "conversation_id")
        note, _created = await db(services.note_add)(
            conversation_id=conversation_id, official=self.official, client_id=request.get("client_id"), body=request.get("body")
        )
        await self.send_frame({"type": events.ACK, "conversation_id": conversation_id, "client_id": note.client_id, "note": wire.note(note)})

    async def on_transfer(self, request):
        self._require_official()
        conversation_id = int_field(request, "conversation_id")
        await db(services.conversation_transfer)(
            conversation_id=conversation_id,
            official=self.official,
            note=request.get("note"),
            to_official_id=request.get("to_official_id"),
            to_unit_id=request.get("to_unit_id"),
        )
        await self.send_frame({"type": events.TRANSFER_OK, "conversation_id": conversation_id})

    async def on_transfer_targets(self, request):
        """Where a chat can be transferred, asked for when the console opens a transfer form.  It
        used to ride in every ``welcome``: with hundreds of officials that was a large query and
        frame on each console connect, for a list most connections never use."""
        self._require_official()
        await self.send_frame(wire.transfer_targets_frame(await db(selectors.transfer_targets)(self.official)))

    async def on_ticket_watch(self, request):
        """Follow a ticket page's changes (the same not_found for missing and forbidden)."""
        self._require_official()
        ticket = await db(ticket_access.access_ticket_for_official)(self.official, int_field(request, "ticket_id"))
        await realtime.join(self, realtime.group_ticket_staff(ticket.pk))
        await self.send_frame({"type": events.TICKET_CHANGED, "ticket": ticket_wire.ticket_brief(ticket)})

    async def on_escalate(self, request):
        """Turn an ongoing chat into a ticket by hand; the citizen gets its tracking code."""
        self._require_official()
        conversation_id = int_field(request, "conversation_id")
        ticket = await db(ticket_escalation.conversation_escalate)(conversation_id=conversation_id, reason="official", official=self.official)
        await self.send_frame({"type": events.CHAT_ESCALATED, "conversation_id": conversation_id, "ticket": ticket_wire.ticket_brief(ticket)})

    async def on_overview(self, request):
        """The supervisor's live view: queues, who is on duty and each official's load."""
        self._require_official()
        if self.official.role == Official.Role.OFFICIAL:
            raise DomainError("این نما فقط برای سرپرستان است.", code="forbidden")
        await self.send_frame(wire.overview_frame(*await db(selectors.unit_overview)(self.unit_ids)))

    async def on_replies_list(self, request):
        """The official's saved replies and their units' (chats/replies.py)."""
        self._require_official()
        await self.send_frame(await db(replies.replies_frame)(self.official))

    async def on_reply_save(self, request):
        """Create (no ``id``) or change a saved reply; every console concerned hears
        ``replies.changed``; this one gets the list again."""
        self._require_official()
        await db(replies.saved_reply_save)(
            official=self.official,
            reply_id=request.get("id"),
            unit_id=request.get("unit_id"),
            shortcut=request.get("shortcut"),
            title=request.get("title"),
            body=request.get("body"),
        )
        await self.send_frame({**await db(replies.replies_frame)(self.official), "saved": True})

    async def on_reply_delete(self, request):
        self._require_official()
        await db(replies.saved_reply_delete)(official=self.official, reply_id=request.get("id"))
        await self.send_frame(await db(replies.replies_frame)(self.official))

    async def on_seen(self, request):
        """The official has seen a chat up to ``seq``: stored, and told to their consoles."""
        self._require_official()
        await db(seen.conversation_seen)(official=self.official, conversation_id=request.get("conversation_id"), seq=request.get("seq"))

    async def on_citizen_history(self, request):
        """The citizen's earlier chats and their tickets, as far as this official may see them;
        the same ``not_found`` for a chat that is missing or not theirs."""
        self._require_official()
        await self.send_frame(await db(self._citizen_history)(request.get("conversation_id")))

    def _citizen_history(self, conversation_id):
        conversation = access_conversation_for_official(self.official, conversation_id)
        unit_ids = directory_selectors.unit_ids_for_official(self.official)
        chats = selectors.earlier_conversations(conversation, unit_ids)
        tickets = ticket_selectors.tickets_of_citizen(self.official, mobile=conversation.citizen_mobile, email=conversation.citizen_email)
        extras = seen.list_extras(self.official.pk, [c.pk for c in chats])
        own = next((t for t in tickets if t.conversation_id == conversation.pk), None)
        open_ticket = own or next((t for t in tickets if t.is_open), None)
        return {
            "type": events.CITIZEN_HISTORY,
            "conversation_id": conversation.pk,
            "chats": [{**wire.conversation_for_staff(c), "preview": extras[c.pk]["preview"]} for c in chats],
            "tickets": [ticket_wire.ticket_brief(t) for t in tickets],
            # what {کد_پیگیری} in a saved reply becomes: this chat's ticket, else the newest open one
            "tracking_code": open_ticket.display_code if open_ticket else None,
        }

    async def on_typing(self, request):
        self._require_official()
        conversation_id = int_field(request, "conversation_id")
        active = bool_field(request, "active")
        if not await db(self._owns)(conversation_id):
            raise DomainError("این گفتگو به شما واگذار نشده است.", code="not_assigned")
        await realtime.typing(conversation_id, side="official", active=active, name=self.official.display_name)

    def _owns(self, conversation_id):
        return selectors.official_owns_active(self.official.pk, conversation_id)

    async def disconnect(self, code):
        if self.official is not None:
            try:
                await db(directory_services.console_disconnected)(official_id=self.official.pk, channel_name=self.channel_name)
            except Exception:  # the database may be down; the sweep forgets stale rows later
                pass
        await super().disconnect(code)
