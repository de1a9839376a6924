"""Admin: the SMS outbox (read-only; the dead letter — "ناموفق" — is filtered in the sidebar and
sent again with the "ارسال دوباره" action), the opted-out numbers, and the one-time codes (their
hashes only).  Dates in the Jalali calendar."""

from django.contrib import admin, messages

from chatdesk.core import jalali
from chatdesk.core.persian import to_persian_digits

from . import services
from .models import OneTimeCode, OutboundSms, SmsOptOut


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundSms)
class OutboundSmsAdmin(ReadOnly):
    list_display = ("to", "kind", "status", "attempts_fa", "segments_fa", "delivery", "created", "sent", "last_error_short")
    list_filter = ("status", "kind", "delivery", "backend")
    search_fields = ("to", "case_code", "provider_id")
    readonly_fields = [f.name for f in OutboundSms._meta.fields if f.name not in ("created_at", "sent_at", "next_attempt_at", "delivered_at", "delivery_checked_at", "locked_until")] + [
        "created", "sent", "next_attempt", "delivered", "delivery_checked", "locked",
    ]
    exclude = ("created_at", "sent_at", "next_attempt_at", "delivered_at", "delivery_checked_at", "locked_until")
    actions = ["retry"]

    @admin.display(description="تلاش‌ها")
    def attempts_fa(self, obj):
        return to_persian_digits(obj.attempts)

    @admin.display(description="بخش‌ها")
    def segments_fa(self, obj):
        return to_persian_digits(obj.segments)

    @admin.display(description="ایجاد")
    def created(self, obj):
        return jalali.format_datetime(obj.created_at)

    @admin.display(description="ارسال")
    def sent(self, obj):
        return jalali.format_datetime(obj.sent_at)

    @admin.display(description="تلاش بعدی")
    def next_attempt(self, obj):
        return jalali.format_datetime(obj.next_attempt_at)

    @admin.display(description="تحویل")
    def delivered(self, obj):
        return jalali.format_datetime(obj.delivered_at)

    @admin.display(description="آخرین پرسش گزارش")
    def delivery_checked(self, obj):
        return jalali.format_datetime(obj.delivery_checked_at)

    @admin.display(description="مهلت ارسال‌کننده")
    def locked(self, obj):
        return jalali.format_datetime(obj.locked_until)

    @admin.display(description="آخرین خطا")
    def last_error_short(self, obj):
        return (obj.last_error or "")[:80]

    @admin.action(description="ارسال دوباره")
    def retry(self, request, queryset):
        count = sum(services.sms_retry(sms_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{to_persian_digits(count)} پیامک دوباره در صف ارسال قرار گرفت.", messages.SUCCESS)


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    """An administrator may remove a number from the list (the citizen asked again by phone)."""

    list_display = ("mobile", "source", "created")
    search_fields = ("mobile",)
    readonly_fields = ("mobile", "source", "created")
    exclude = ("created_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="زمان انصراف")
    def created(self, obj):
        return jalali.format_datetime(obj.created_at)


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ReadOnly):
    list_display = ("subject", "mobile", "attempts", "created", "expires", "used")
    search_fields = ("mobile", "subject")
    readonly_fields = ("subject", "mobile", "attempts", "created", "expires", "used")
    exclude = ("code_hash", "created_at", "expires_at", "used_at")

    @admin.display(description="ایجاد")
    def created(self, obj):
        return jalali.format_datetime(obj.created_at)

    @admin.display(description="انقضا")
    def expires(self, obj):
        return jalali.format_datetime(obj.expires_at)

    @admin.display(description="استفاده")
    def used(self, obj):
        return jalali.format_datetime(obj.used_at)
