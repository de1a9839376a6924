"""Admin: the SMS outbox (read-only; the dead letter — "ناموفق" — is filtered in the sidebar and
sent again with the "ارسال دوباره" action), the opted-out numbers, and the one-time codes (their
hashes only).  Dates in the Jalali calendar."""

from django.contrib import admin, messages
from django.utils.html import format_html

from chatdesk.core import jalali
from chatdesk.core.admin_readonly import ReadOnlyAdmin
from chatdesk.core.persian import to_persian_digits
from chatdesk.core.tracking import format_tracking_code

from . import services
from .models import OneTimeCode, OutboundSms, SmsOptOut


def mobile_display(mobile):
    return format_html('<bdi dir="ltr">{}</bdi>', to_persian_digits(mobile)) if mobile else "-"



@admin.register(OutboundSms)
class OutboundSmsAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("to_fa", "kind", "status", "attempts_fa", "segments_fa", "delivery", "created", "sent", "last_error_short")
    list_filter = ("status", "kind", "delivery", "backend")
    search_fields = ("to", "case_code", "provider_id")
    # Numbers and dates as a Persian reader expects them (Persian digits, Jalali calendar).
    fields = (
        "kind", "to_fa", "text", "segments_fa", "encoding", "case_code_fa", "status", "attempts_fa", "last_error",
        "created", "next_attempt", "sent", "locked", "backend", "provider_id", "delivery", "delivery_detail", "delivery_checked", "delivered",
    )
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description="گیرنده", ordering="to")
    def to_fa(self, obj):
        return mobile_display(obj.to)

    @admin.display(description="کد پیگیری پرونده")
    def case_code_fa(self, obj):
        return format_html('<bdi dir="ltr">{}</bdi>', format_tracking_code(obj.case_code, persian=True)) if obj.case_code else "-"

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

    list_display = ("mobile_fa", "source", "created")
    search_fields = ("mobile",)
    fields = readonly_fields = ("mobile_fa", "source", "created")

    @admin.display(description="شماره همراه", ordering="mobile")
    def mobile_fa(self, obj):
        return mobile_display(obj.mobile)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="زمان انصراف")
    def created(self, obj):
        return jalali.format_datetime(obj.created_at)


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("subject", "mobile_fa", "attempts_fa", "created", "expires", "used")
    search_fields = ("mobile", "subject")
    fields = readonly_fields = ("subject", "mobile_fa", "attempts_fa", "created", "expires", "used")  # never the hash

    @admin.display(description="شماره همراه", ordering="mobile")
    def mobile_fa(self, obj):
        return mobile_display(obj.mobile)

    @admin.display(description="تلاش‌های نادرست")
    def attempts_fa(self, obj):
        return to_persian_digits(obj.attempts)

    @admin.display(description="ایجاد")
    def created(self, obj):
        return jalali.format_datetime(obj.created_at)

    @admin.display(description="انقضا")
    def expires(self, obj):
        return jalali.format_datetime(obj.expires_at)

    @admin.display(description="استفاده")
    def used(self, obj):
        return jalali.format_datetime(obj.used_at)
