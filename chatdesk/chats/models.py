from django.db import models
from django.db.models import Q

from chatdesk.core.persian import search_index, to_persian_digits
from chatdesk.directory.models import Official, Unit


class Conversation(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "در انتظار کارشناس"
        ACTIVE = "active", "در حال گفتگو"
        CLOSED = "closed", "پایان‌یافته"

    class Side(models.TextChoices):
        CITIZEN = "citizen", "شهروند"
        OFFICIAL = "official", "کارشناس"
        SYSTEM = "system", "سامانه"

    class Channel(models.TextChoices):
        """Which way the citizen came in (set by the adapter that started the chat; shown in the
        console).  The conversation knows nothing more of its channel than this field."""

        WEB = "web", "وب‌گاه"
        BALE = "bale", "بله"

    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.PROTECT, related_name="conversations")
    token_digest = models.CharField("چکیده رمز دسترسی شهروند", max_length=64, unique=True)
    citizen_name = models.CharField("نام", max_length=80)
    citizen_mobile = models.CharField("تلفن همراه", max_length=11, blank=True)
    citizen_email = models.EmailField("ایمیل", blank=True)
    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.WAITING)
    official = models.ForeignKey(Official, verbose_name="کارشناس", null=True, blank=True, on_delete=models.PROTECT, related_name="conversations")
    created_at = models.DateTimeField("زمان شروع")
    taken_at = models.DateTimeField("زمان پذیرش", null=True, blank=True)
    first_response_at = models.DateTimeField("زمان نخستین پاسخ", null=True, blank=True)
    closed_at = models.DateTimeField("زمان پایان", null=True, blank=True)
    closed_by = models.CharField("پایان‌دهنده", max_length=10, choices=Side.choices, blank=True)
    last_activity_at = models.DateTimeField("آخرین فعالیت")
    last_seq = models.PositiveIntegerField("شماره آخرین پیام", default=0)
    ip_address = models.GenericIPAddressField("نشانی آی‌پی", null=True, blank=True)
    channel = models.CharField("مسیر ورود", max_length=10, choices=Channel.choices, default=Channel.WEB)
    # Left while the unit was closed or nobody was on duty (a message to be answered later).
    started_offline = models.BooleanField("ثبت در ساعت غیرکاری", default=False)
    # When this chat becomes a ticket unless an official has answered by then (the timer lives
    # in the database: a worker sweeps it, so restarts lose nothing).  Cleared by the first
    # answer and by closing.
    escalate_at = models.DateTimeField("زمان تبدیل به پرونده", null=True, blank=True, db_index=True)
    # When the unit's waiting message is due (set at the start when the unit has one; cleared
    # when it is sent or the chat is taken or closed): swept by the worker (waiting_message_sweep).
    waiting_message_at = models.DateTimeField("زمان پیام انتظار", null=True, blank=True, db_index=True)
    # «دیده شد»: the highest seq each side has read (the ``read`` frame, docs/protocol.md); only grows.
    citizen_read_seq = models.PositiveIntegerField("خوانده‌شده تا (شهروند)", default=0)
    official_read_seq = models.PositiveIntegerField("خوانده‌شده تا (کارشناس)", default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "گفتگو"
        verbose_name_plural = "گفتگوها"
        indexes = [
            models.Index(fields=["unit", "status", "created_at"]),
            models.Index(fields=["official", "status"]),
            models.Index(fields=["ip_address", "created_at"]),
            models.Index(fields=["created_at"]),  # reports over all units (bench/reports_bench.py)
        ]

    def __str__(self):
        return to_persian_digits(f"گفتگو {self.pk}") + f" ({self.citizen_name})"

    @property
    def is_open(self):
        return self.status != self.Status.CLOSED


class Message(models.Model):
    """One entry of a conversation's citizen-visible stream, numbered without gaps by ``seq``.

    Internal notes live in ``Note``: by construction they are never in the citizen's stream.
    """

    class Kind(models.TextChoices):
        TEXT = "text", "متن"
        EVENT = "event", "رویداد"
        FILE = "file", "پرونده"  # a document: data has attachment_id, name, size, content_type (chats/files.py)

    conversation = models.ForeignKey(Conversation, verbose_name="گفتگو", on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField("شماره")
    sender = models.CharField("فرستنده", max_length=10, choices=Conversation.Side.choices)
    official = models.ForeignKey(Official, verbose_name="کارشناس", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField("متن")
    data = models.JSONField("داده‌ها", default=dict, blank=True)
    client_id = models.CharField("شناسه پیام نزد فرستنده", max_length=64, blank=True)
    created_at = models.DateTimeField("زمان")

    class Meta:
        ordering = ["conversation", "seq"]
        verbose_name = "پیام"
        verbose_name_plural = "پیام‌ها"
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "sender", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "sender", "created_at"])]

    def __str__(self):
        return to_persian_digits(f"پیام {self.seq} از گفتگوی {self.conversation_id}")


class Faq(models.Model):
    """A frequent question of a unit with its answer, shown in the widget before a chat starts
    (#21, chats/faq.py).  Managed in the admin."""

    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField("پرسش", max_length=200)
    answer = models.TextField("پاسخ", max_length=2000)
    order = models.PositiveSmallIntegerField("ترتیب", default=0)
    is_active = models.BooleanField("نمایش", default=True)
    search_text = models.TextField("متن جست‌وجو", blank=True, editable=False)  # persian.search_index of both

    class Meta:
        ordering = ["unit", "order", "id"]
        verbose_name = "پرسش پرتکرار"
        verbose_name_plural = "پرسش‌های پرتکرار"

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        self.search_text = search_index(f"{self.question} {self.answer}")
        super().save(*args, **kwargs)


class FaqOpen(models.Model):
    """One opening of an answer in the widget; ``chatted`` becomes true when the same widget then
    started a chat anyway (the reports' figure: answers that did not spare a chat)."""

    faq = models.ForeignKey(Faq, verbose_name="پرسش", on_delete=models.CASCADE, related_name="opens")
    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField("زمان", db_index=True)
    chatted = models.BooleanField("سپس گفتگو آغاز شد", default=False)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = "بازشدن پاسخ"
        verbose_name_plural = "بازشدن پاسخ‌ها"

    def __str__(self):
        return to_persian_digits(f"بازشدن پاسخ پرسش {self.faq_id}")


class Note(models.Model):
    """An internal note on a conversation: staff only."""

    conversation = models.ForeignKey(Conversation, verbose_name="گفتگو", on_delete=models.CASCADE, related_name="notes")
    official = models.ForeignKey(Official, verbose_name="کارشناس", on_delete=models.PROTECT, related_name="+")
    body = models.TextField("متن")
    client_id = models.CharField("شناسه پیام نزد فرستنده", max_length=64, blank=True)
    created_at = models.DateTimeField("زمان")

    class Meta:
        ordering = ["conversation", "created_at", "id"]
        verbose_name = "یادداشت داخلی"
        verbose_name_plural = "یادداشت‌های داخلی"
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "official", "client_id"], condition=~Q(client_id=""), name="note_client_id_unique"
            )
        ]

    def __str__(self):
        return to_persian_digits(f"یادداشت گفتگوی {self.conversation_id}")


class SavedReply(models.Model):
    """A ready answer («پاسخ آماده») an official inserts into a chat (chats/replies.py): a unit's
    (managed by its supervisors and the administrators) or an official's own.  ``{نام}`` and
    ``{کد_پیگیری}`` in the body are filled in by the console when it is inserted."""

    unit = models.ForeignKey(Unit, verbose_name="واحد", null=True, blank=True, on_delete=models.CASCADE, related_name="saved_replies")
    owner = models.ForeignKey(Official, verbose_name="کارشناس (پاسخ شخصی)", null=True, blank=True, on_delete=models.CASCADE, related_name="saved_replies")
    shortcut = models.CharField("میان‌بر", max_length=30)
    title = models.CharField("عنوان", max_length=80)
    body = models.TextField("متن")
    # persian.search_key of the shortcut, title and body: ی/ي and ک/ك alike (never shown)
    search_key = models.TextField("کلید جست‌وجو", blank=True, editable=False)
    updated_at = models.DateTimeField("آخرین تغییر")

    class Meta:
        ordering = ["shortcut", "id"]
        verbose_name = "پاسخ آماده"
        verbose_name_plural = "پاسخ‌های آماده"
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, owner__isnull=True) | Q(unit__isnull=True, owner__isnull=False),
                name="saved_reply_unit_or_owner",
                violation_error_message="پاسخ آماده یا از آنِ یک واحد است یا از آنِ یک کارشناس.",
            ),
            models.UniqueConstraint(fields=["unit", "shortcut"], condition=Q(unit__isnull=False), name="saved_reply_unit_shortcut",
                                    violation_error_message="این میان‌بر در پاسخ‌های آماده این واحد پیش‌تر به کار رفته است."),
            models.UniqueConstraint(fields=["owner", "shortcut"], condition=Q(owner__isnull=False), name="saved_reply_owner_shortcut",
                                    violation_error_message="این میان‌بر در پاسخ‌های آماده این کارشناس پیش‌تر به کار رفته است."),
        ]

    def __str__(self):
        return f"/{self.shortcut} — {self.title}"


class ConversationSeen(models.Model):
    """How far an official has seen a conversation (its ``seq``): the console's unread counts
    survive a reload and follow the official to another browser."""

    official = models.ForeignKey(Official, verbose_name="کارشناس", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, verbose_name="گفتگو", on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField("دیده‌شده تا پیام")

    class Meta:
        verbose_name = "دیده‌شدن گفتگو"
        verbose_name_plural = "دیده‌شدن گفتگوها"
        constraints = [models.UniqueConstraint(fields=["official", "conversation"], name="conversation_seen_unique")]

    def __str__(self):
        return to_persian_digits(f"گفتگوی {self.conversation_id} تا پیام {self.seq}")
