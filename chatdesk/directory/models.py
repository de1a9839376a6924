from django.conf import settings
from django.db import models


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

    class Meta:
        ordering = ["menu_order", "id"]
        verbose_name = "واحد"
        verbose_name_plural = "واحدها"

    def __str__(self):
        return self.name


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

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official")
    display_name = models.CharField("نام نمایشی", max_length=120)
    position = models.CharField("سمت", max_length=120, blank=True)
    public_phone = models.CharField("تلفن عمومی", max_length=40, blank=True)
    public_email = models.EmailField("ایمیل عمومی", blank=True)
    role = models.CharField("نقش", max_length=20, choices=Role.choices, default=Role.OFFICIAL)
    units = models.ManyToManyField(Unit, verbose_name="واحدها", related_name="officials", blank=True)
    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.OFFLINE)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    max_chats = models.PositiveSmallIntegerField("حداکثر گفتگوی هم‌زمان", default=5)
    # Set when the last console socket closes; the worker turns the official offline once it
    # passes with no socket back (a grace period, so a quick reconnect does not flap).
    offline_after = models.DateTimeField(null=True, blank=True)

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

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
