"""Admin: the Bale outbound queue and the stored updates (read-only; a dead letter — «ناموفق» —
is sent or processed again with the «تلاش دوباره» action).  Numbers in Persian digits, dates
in the Jalali calendar."""

from django.contrib import admin, messages

from chatdesk.core import clock, jalali
from chatdesk.core.persian import to_persian_digits

from .models import BaleOutbound, BaleUpdate


class QueueAdmin(admin.ModelAdmin):
    list_filter = ("status",)
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="تلاش‌ها")
    def attempts_fa(self, obj):
        return to_persian_digits(obj.attempts)

    @admin.display(description="زمان ایجاد", ordering="created_at")
    def created(self, obj):
        return jalali.format_datetime(obj.created_at)

    @admin.display(description="آخرین خطا")
    def error_short(self, obj):
        return to_persian_digits(obj.last_error[:80]) if obj.last_error else "-"

    @admin.action(description="تلاش دوباره")
    def retry(self, request, queryset):
        count = queryset.filter(status__in=["failed", "queued"]).update(status="queued", attempts=0, next_attempt_at=clock.now(), last_error="", locked_until=None)
        self.message_user(request, to_persian_digits(f"{count} مورد دوباره در صف قرار گرفت."), messages.SUCCESS)


@admin.register(BaleOutbound)
class BaleOutboundAdmin(QueueAdmin):
    list_display = ("chat_fa", "kind", "text_short", "status", "attempts_fa", "created", "error_short")
    fields = ("chat_fa", "kind", "text", "status", "attempts_fa", "created", "last_error")
    readonly_fields = fields

    @admin.display(description="گفتگو در بله")
    def chat_fa(self, obj):
        return to_persian_digits(obj.chat_id)

    @admin.display(description="متن")
    def text_short(self, obj):
        return obj.text[:60]


@admin.register(BaleUpdate)
class BaleUpdateAdmin(QueueAdmin):
    list_display = ("update_fa", "status", "attempts_fa", "created", "error_short")
    fields = ("update_fa", "status", "attempts_fa", "created", "last_error")
    readonly_fields = fields

    @admin.display(description="شناسه به‌روزرسانی", ordering="update_id")
    def update_fa(self, obj):
        return to_persian_digits(obj.update_id)
