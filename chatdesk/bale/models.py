"""The Bale messenger channel (docs/operations.md#bale): stored updates, the citizens' Bale chats,
and the outbound queue.

- ``BaleUpdate``: every update Bale sends (webhook or getUpdates), stored under its unique
  ``update_id`` *before* it is acknowledged, then processed exactly once by the worker (a lease,
  as the outboxes; the chat services' client ids make a retried step a no-op).
- ``BaleChat``: one Bale private chat (a citizen) and the conversation open in it, if any.
- ``BaleConversation``: which Bale chat each conversation started from Bale answers to (the
  conversation itself only carries ``channel="bale"``).
- ``BaleOutbound``: what goes back to a citizen (an official's reply or document, a system event
  with the tracking code, a ticket reply and its attachments, the bot's own answers, the answer
  to a pressed inline button), written in the transaction of the change and sent by the worker,
  retried with backoff, sent once.
"""

from django.db import models
from django.db.models import Q

from chatdesk.chats.models import Conversation
from chatdesk.core.persian import to_persian_digits


class Leased(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "در صف"
        WORKING = "working", "در حال انجام"
        DONE = "done", "انجام شد"
        FAILED = "failed", "ناموفق (نیازمند بررسی)"

    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField("تعداد تلاش", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی")
    locked_until = models.DateTimeField("مهلت کارگزار", null=True, blank=True)
    lease = models.CharField("شناسه اجاره", max_length=32, blank=True)
    last_error = models.TextField("آخرین خطا", blank=True)
    created_at = models.DateTimeField("زمان ایجاد")
    done_at = models.DateTimeField("زمان انجام", null=True, blank=True)

    class Meta:
        abstract = True


class BaleUpdate(Leased):
    update_id = models.BigIntegerField("شناسه به‌روزرسانی", unique=True)
    payload = models.JSONField("محتوا", default=dict)

    class Meta:
        ordering = ["update_id"]
        verbose_name = "به‌روزرسانی بله"
        verbose_name_plural = "به‌روزرسانی‌های بله"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="bale_update_due_idx")]

    def __str__(self):
        return to_persian_digits(f"به‌روزرسانی {self.update_id}")


class BaleChat(models.Model):
    chat_id = models.BigIntegerField("شناسه گفتگو در بله", unique=True)
    name = models.CharField("نام", max_length=80, blank=True)
    conversation = models.ForeignKey(Conversation, verbose_name="گفتگوی باز", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("زمان ایجاد")

    class Meta:
        verbose_name = "کاربر بله"
        verbose_name_plural = "کاربران بله"

    def __str__(self):
        return self.name or to_persian_digits(str(self.chat_id))


class BaleConversation(models.Model):
    conversation = models.OneToOneField(Conversation, verbose_name="گفتگو", on_delete=models.CASCADE, related_name="bale")
    chat = models.ForeignKey(BaleChat, verbose_name="کاربر بله", on_delete=models.CASCADE, related_name="conversations")

    class Meta:
        verbose_name = "گفتگوی بله"
        verbose_name_plural = "گفتگوهای بله"

    def __str__(self):
        return str(self.conversation_id)


class BaleOutbound(Leased):
    class Kind(models.TextChoices):
        TEXT = "text", "متن"
        DOCUMENT = "document", "پرونده"
        CALLBACK = "callback", "پاسخ به دکمه"

    chat_id = models.BigIntegerField("شناسه گفتگو در بله")
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField("متن", blank=True)
    reply_markup = models.JSONField("صفحه‌کلید", null=True, blank=True)
    # A document: the conversation and the chat attachment's id (read through the conversation).
    conversation = models.ForeignKey(Conversation, verbose_name="گفتگو", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attachment_id = models.BigIntegerField("شناسه پیوست", null=True, blank=True)
    # One row per cause: "msg:<conversation>:<seq>", "entry:<ticket entry>", "update:<update_id>:…"
    dedup_key = models.CharField("کلید یکتایی", max_length=120, blank=True)
    message_id = models.BigIntegerField("شناسه پیام در بله", null=True, blank=True)
    # A callback answer (answerCallbackQuery): the id of the button press it answers.
    callback_query_id = models.CharField("شناسه فشردن دکمه", max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "پیام خروجی بله"
        verbose_name_plural = "پیام‌های خروجی بله"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="bale_out_due_idx")]
        constraints = [models.UniqueConstraint(fields=["dedup_key"], condition=~Q(dedup_key=""), name="bale_out_dedup_unique")]

    def __str__(self):
        return f"{to_persian_digits(str(self.chat_id))}: {self.text[:40]}"
