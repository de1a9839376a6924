"""Retention of the Bale channel's personal data (docs/security.md#retention), registered with
the hooks of ``chats/hooks.py`` (the retention sweep in site/retention.py may not import the
Bale edge):

- a conversation anonymised by retention loses its link to the Bale chat it came from
  (``BaleConversation``): nothing ties the anonymous case to a Bale account any more;
- an update stored before the cutoff and done with (processed or a dead letter) keeps only its
  ``update_id`` (the polling offset and the exactly-once check need it); the sender's name,
  user name, text and file references go;
- an outbound row sent (or dead) before the cutoff loses its text and keyboard; its dedup key
  stays, so nothing is sent twice;
- a Bale chat (the citizen's Bale id and name) first seen before the cutoff, with no chat open
  and no conversation still linked (every one anonymised, or none ever started), is deleted, and
  the outbound rows to it forget its id.  A citizen who writes again is a new chat.
"""

from django.db.models import Q

from chatdesk.chats.models import Conversation

from .models import BaleChat, BaleConversation, BaleOutbound, BaleUpdate

FINISHED = [BaleUpdate.Status.DONE, BaleUpdate.Status.FAILED]


def forget_conversations(conversation_ids):
    BaleConversation.objects.filter(conversation_id__in=list(conversation_ids)).delete()


def _due(before):
    updates = BaleUpdate.objects.filter(status__in=FINISHED, created_at__lt=before).exclude(payload__has_key="retained")
    outbound = BaleOutbound.objects.filter(status__in=FINISHED, created_at__lt=before).exclude(text="", reply_markup__isnull=True)
    no_open_chat = Q(conversation__isnull=True) | Q(conversation__status=Conversation.Status.CLOSED)
    chats = BaleChat.objects.filter(no_open_chat, created_at__lt=before, conversations__isnull=True)
    return updates, outbound, chats


def sweep(*, before, dry_run=False):
    updates, outbound, chats = _due(before)
    if dry_run:
        return {"bale_updates": updates.count(), "bale_outbound": outbound.count(), "bale_chats": chats.count()}
    counts = {"bale_updates": 0, "bale_outbound": outbound.update(text="", reply_markup=None, last_error=""), "bale_chats": 0}
    for update_id, pk in updates.values_list("update_id", "pk"):
        counts["bale_updates"] += BaleUpdate.objects.filter(pk=pk).update(payload={"update_id": update_id, "retained": True}, last_error="")
    for chat in chats.select_for_update(of=("self",)):
        BaleOutbound.objects.filter(chat_id=chat.chat_id, status__in=FINISHED).update(chat_id=0)
        chat.delete()
        counts["bale_chats"] += 1
    return counts
