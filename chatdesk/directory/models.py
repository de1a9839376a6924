from django.conf import settings
from django.db import models
from django.db.models import Q

from chatdesk.core.persian import to_persian_digits


class Unit(models.Model):
    """A unit (department) of the organisation, as it appears in the portal's menu."""

    class Kind(models.TextChoices):
        UNIT = "unit", "واحد"
        MANAGEMENT = "management", "مدیریت"
        DEPUTY = "deputy", "معاونت"
        PRESIDENCY = "presidency", "ریاست"

    class Routing(models.TextChoices):
        MANUAL = "manual", "برداشتن دستی"
        AUTO = "auto", "واگذاری خودکار به کم‌کارترین کارشناس"

    class Weekend(models.TextChoices):
        FRI = "fri", "فقط جمعه"
        THU_FRI = "thu_fri", "پنجشنبه و جمعه"

    name = models.CharField("نام", max_length=120)
    code = models.SlugField("شناسه لاتین", max_length=40, unique=True)
    kind = models.CharField("نوع", max_length=20, choices=Kind.choices, default=Kind.UNIT)
    parent = models.ForeignKey("self", verbose_name="واحد بالادستی", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.TextField("معرفی", blank=True)
    phone = models.CharField("تلفن", max_length=40, blank=True)
    email = models.EmailField("ایمیل", blank=True)
    menu_order = models.PositiveIntegerField("ترتیب در منو", default=0)
    show_in_menu = models.BooleanField("نمایش در منو", default=True)
    chat_enabled = models.BooleanField("گفتگوی زنده", default=True)
    is_active = models.BooleanField("فعال", default=True)
    routing = models.CharField("شیوه واگذاری", max_length=10, choices=Routing.choices, default=Routing.MANUAL)
    manager = models.ForeignKey(
        "Official", verbose_name="مدیر واحد", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_units"
    )
    # Thursday and Friday is usual for Iranian public offices (Friday only for some).
    weekend = models.CharField("تعطیلی آخر هفته", max_length=10, choices=Weekend.choices, default=Weekend.THU_FRI)
    always_open = models.BooleanField(
        "پاسخ‌گویی شبانه‌روزی",
        default=False,
        help_text="برای خطوط شبانه‌روزی (مانند فوریت‌ها): ساعت اداری، آخر هفته و تعطیلات نادیده گرفته می‌شود؛ "
        "برای بستن موردی، این گزینه را بردارید.",
    )
    escalate_after_seconds = models.PositiveIntegerField(
        "مهلت پاسخ (ثانیه)", default=180, help_text="اگر گفتگو تا این مدت پاسخ نگیرد به تیکت تبدیل می‌شود."
    )
    # What the chat says by itself (#21): a greeting when a citizen starts a chat, and another
    # message when the chat has waited past ``chat_waiting_after_minutes`` (sent once, by the
    # worker: chats.services.waiting_message_sweep).  Both are stored in the stream (transcript).
    chat_greeting = models.TextField(
        "پیام خوشامد گفتگو", blank=True, max_length=1000,
        help_text="هنگام شروع هر گفتگو خودکار نشان داده می‌شود و در متن گفتگو می‌ماند. خالی یعنی بدون پیام.",
    )
    chat_waiting_message = models.TextField(
        "پیام هنگام انتظار", blank=True, max_length=1000,
        help_text="اگر گفتگو بیش از چند دقیقهٔ زیر در صف بماند، یک بار خودکار فرستاده می‌شود. خالی یعنی بدون پیام.",
    )
    chat_waiting_after_minutes = models.PositiveSmallIntegerField("فرستادن پیام انتظار پس از (دقیقه)", default=2)
    # SLA targets for tickets, counted in this unit's office hours and holidays.
    first_response_minutes = models.PositiveIntegerField(
        "مهلت نخستین پاسخ پرونده (دقیقه کاری)", default=240, help_text="به دقیقه‌های ساعت اداری همین واحد."
    )
    resolution_minutes = models.PositiveIntegerField(
        "مهلت رسیدگی کامل پرونده (دقیقه کاری)", default=3 * 7 * 60, help_text="به دقیقه‌های ساعت اداری همین واحد."
    )
    # The statutory response deadline of this unit's cases, in working days (empty: the default
    # of settings.TICKETS["STATUTORY_DAYS"] for the kind of case; a service may set its own).
    response_days = models.PositiveSmallIntegerField(
        "مهلت قانونی پاسخ (روز کاری)", null=True, blank=True,
        help_text="خالی یعنی مهلت پیش‌فرض هر نوع پرونده (برای شکایت ۱۵ روز کاری).",
    )

    class Meta:
        ordering = ["menu_order", "id"]
        verbose_name = "واحد"
        verbose_name_plural = "واحدها"

    def __str__(self):
        return self.name

    @property
    def weekend_days(self):
        """The weekend as Iranian weekdays (0 = Saturday … 6 = Friday)."""
        return frozenset({6} if self.weekend == self.Weekend.FRI else {5, 6})


class Official(models.Model):
    """A member of staff: the profile behind a Django user."""

    class Role(models.TextChoices):
        OFFICIAL = "official", "کارشناس"
        SUPERVISOR = "supervisor", "سرپرست"
        ADMIN = "admin", "مدیر سامانه"

    class Status(models.TextChoices):
        AVAILABLE = "available", "آماده پاسخ‌گویی"
        AWAY = "away", "موقتاً دور"
        OFFLINE = "offline", "خارج از کشیک"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="حساب کاربری", on_delete=models.CASCADE, related_name="official")
    display_name = models.CharField("نام نمایشی", max_length=120)
    position = models.CharField("سمت", max_length=120, blank=True)
    public_phone = models.CharField("تلفن عمومی", max_length=40, blank=True)
    public_email = models.EmailField("ایمیل عمومی", blank=True)
    role = models.CharField("نقش", max_length=20, choices=Role.choices, default=Role.OFFICIAL)
    units = models.ManyToManyField(Unit, verbose_name="واحدها", related_name="officials", blank=True)
    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.OFFLINE)
    status_changed_at = models.DateTimeField("زمان تغییر وضعیت", null=True, blank=True)
    max_chats = models.PositiveSmallIntegerField("حداکثر گفتگوی هم‌زمان", default=5)
    # Set when the last console socket closes; the worker turns the official offline once it
    # passes with no socket back (a grace period, so a quick reconnect does not flap).
    offline_after = models.DateTimeField("خروج از کشیک پس از", null=True, blank=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = "کارمند"
        verbose_name_plural = "کارمندان"

    def __str__(self):
        return self.display_name

    @property
    def is_active(self):
        return self.user.is_active

    @property
    def sees_all_units(self):
        return self.role == self.Role.ADMIN


class ConsoleConnection(models.Model):
    """One open console WebSocket, for presence across processes."""

    official = models.ForeignKey(Official, verbose_name="کارمند", on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField("نام کانال", max_length=200, unique=True)
    connected_at = models.DateTimeField("زمان اتصال")
    last_seen = models.DateTimeField("آخرین نشانه حضور", db_index=True)

    class Meta:
        verbose_name = "اتصال کنسول"
        verbose_name_plural = "اتصال‌های کنسول"

    def __str__(self):
        return f"اتصال کنسول {self.official}"


class OfficeHours(models.Model):
    """One span of a unit's weekly office hours; a day may have several spans.

    A unit with no rows at all keeps the default Iranian office hours (``schedule.DEFAULT_HOURS``):
    Saturday to Wednesday 07:30–14:30, and Thursday 07:30–13:00 when only Friday is the weekend.
    Times are Tehran wall-clock times.
    """

    class Weekday(models.IntegerChoices):  # the Iranian week, as chatdesk.core.jalali.jalali_weekday
        SATURDAY = 0, "شنبه"
        SUNDAY = 1, "یکشنبه"
        MONDAY = 2, "دوشنبه"
        TUESDAY = 3, "سه‌شنبه"
        WEDNESDAY = 4, "چهارشنبه"
        THURSDAY = 5, "پنجشنبه"
        FRIDAY = 6, "جمعه"

    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.CASCADE, related_name="office_hours")
    weekday = models.PositiveSmallIntegerField("روز هفته", choices=Weekday.choices)
    start = models.TimeField("از ساعت")
    end = models.TimeField("تا ساعت")

    class Meta:
        ordering = ["unit", "weekday", "start"]
        verbose_name = "ساعت کاری"
        verbose_name_plural = "ساعت‌های کاری"
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="office_hours_start_before_end",
                violation_error_message="ساعت پایان باید بعد از ساعت شروع باشد.",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="office_hours_weekday_range"),
        ]

    def __str__(self):
        return to_persian_digits(f"{self.get_weekday_display()} {self.start:%H:%M} تا {self.end:%H:%M}")


class Holiday(models.Model):
    """A day (or part of a day) the organisation or one unit is closed.

    ``date`` is a Gregorian date interpreted in Tehran and shown in Jalali.  ``unit`` null means the
    whole organisation; a unit's row also closes the units under it.  Official holidays are
    seeded from the ``holidays`` package (``manage.py seed_holidays``) and stay editable; a row a
    person edited has ``source="staff"`` and is never overwritten by the seed.
    """

    class Kind(models.TextChoices):
        OFFICIAL = "official", "تعطیل رسمی"
        CLOSURE = "closure", "تعطیلی موردی"

    class Source(models.TextChoices):
        PACKAGE = "holidays-package", "تقویم رسمی (خودکار)"
        STAFF = "staff", "ثبت کارکنان"

    date = models.DateField("تاریخ")
    name = models.CharField("مناسبت", max_length=200)
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices, default=Kind.OFFICIAL)
    unit = models.ForeignKey(
        Unit, verbose_name="واحد", null=True, blank=True, on_delete=models.CASCADE, related_name="holidays",
        help_text="خالی یعنی همه سازمان.",
    )
    start = models.TimeField("از ساعت", null=True, blank=True, help_text="برای تعطیلی بخشی از روز؛ خالی یعنی تمام روز.")
    end = models.TimeField("تا ساعت", null=True, blank=True)
    is_estimated = models.BooleanField("تاریخ تخمینی", default=False, help_text="مناسبت‌های قمری تا اعلام رسمی تخمینی‌اند.")
    source = models.CharField("منبع", max_length=20, choices=Source.choices, default=Source.STAFF)
    # The date the package gave when the row was seeded: the seed finds its rows by it even
    # after a person moved one to another day.
    seeded_date = models.DateField("تاریخ در تقویم رسمی", null=True, blank=True, editable=False, db_index=True)
    updated_at = models.DateTimeField("آخرین تغییر", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["date", "unit_id"]
        verbose_name = "تعطیلی"
        verbose_name_plural = "تعطیلات"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "unit"], name="holiday_unique_date_unit",
                violation_error_message="برای این روز و این واحد قبلاً تعطیلی ثبت شده است.",
            ),
            # NULLs are distinct in a unique index: one organisation-wide row per day needs its own.
            models.UniqueConstraint(
                fields=["date"], condition=Q(unit__isnull=True), name="holiday_unique_date_org",
                violation_error_message="برای این روز قبلاً تعطیلی سراسری ثبت شده است.",
            ),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True)) | Q(start__lt=models.F("end")),
                name="holiday_partial_span",
                violation_error_message="ساعت شروع و پایان تعطیلی را هر دو وارد کنید و پایان بعد از شروع باشد.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_partial(self):
        return self.start is not None


class DutyShift(models.Model):
    """One shift (کشیک) of the duty roster: who answers for a unit on a Tehran day between two
    times.  A night shift crossing midnight is entered as two shifts."""

    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.CASCADE, related_name="duty_shifts")
    date = models.DateField("تاریخ")
    start = models.TimeField("از ساعت")
    end = models.TimeField("تا ساعت")
    official = models.ForeignKey(Official, verbose_name="کشیک", on_delete=models.CASCADE, related_name="duty_shifts")
    substitute = models.ForeignKey(
        Official, verbose_name="جانشین", null=True, blank=True, on_delete=models.SET_NULL, related_name="substitute_shifts"
    )
    note = models.CharField("یادداشت", max_length=300, blank=True)

    class Meta:
        ordering = ["date", "start", "unit_id"]
        verbose_name = "کشیک"
        verbose_name_plural = "برنامه کشیک"
        indexes = [models.Index(fields=["unit", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="duty_shift_start_before_end",
                violation_error_message="ساعت پایان کشیک باید بعد از ساعت شروع باشد.",
            ),
            models.CheckConstraint(
                condition=Q(substitute__isnull=True) | ~Q(substitute=models.F("official")), name="duty_shift_substitute_differs",
                violation_error_message="جانشین باید کسی غیر از خود کشیک باشد.",
            ),
        ]

    def __str__(self):
        return to_persian_digits(f"{self.official} {self.start:%H:%M} تا {self.end:%H:%M}")

    @property
    def on_duty(self):
        """Who actually answers: the official, or the substitute when the official's account is
        not active; None when neither is.  Load with select_related("official__user",
        "substitute__user") to avoid a query per shift."""
        if self.official.is_active:
            return self.official
        if self.substitute is not None and self.substitute.is_active:
            return self.substitute
        return None
