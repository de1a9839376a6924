from django.contrib import admin, messages
from django.utils.html import format_html

from chatdesk.core import jalali

from . import services
from .models import AgencyToken, Rating


@admin.register(AgencyToken)
class AgencyTokenAdmin(admin.ModelAdmin):
    """Tokens of other agencies for the statistics API.  The token itself is shown once, in the
    message after saving a new one (or after ticking «توکن تازه»); only its digest is kept."""

    list_display = ("name", "prefix", "scope", "is_active", "expires_display", "last_used_display")
    list_filter = ("is_active", "all_units")
    search_fields = ("name", "prefix")
    filter_horizontal = ("units",)
    readonly_fields = ("prefix", "created_display", "last_used_display")
    fields = ("name", "is_active", "all_units", "units", "expires_at", "note", "prefix", "created_display", "last_used_display")
    actions = ["deactivate"]

    @admin.display(description="دامنه")
    def scope(self, obj):
        return "همه واحدها" if obj.all_units else "، ".join(u.name for u in obj.units.all()) or "هیچ واحدی"

    @admin.display(description="پایان اعتبار")
    def expires_display(self, obj):
        return jalali.format_datetime(obj.expires_at) if obj.expires_at else "—"

    @admin.display(description="آخرین استفاده")
    def last_used_display(self, obj):
        return jalali.format_datetime(obj.last_used_at) if obj.last_used_at else "—"

    @admin.display(description="زمان ساخت")
    def created_display(self, obj):
        return jalali.format_datetime(obj.created_at) if obj.created_at else "—"

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        raw = services.agency_token_issue(token=obj)
        messages.warning(
            request,
            format_html(
                "توکن «{}» ساخته شد. آن را همین حالا رونوشت کنید و به دستگاه بدهید؛ دوباره نمایش داده نمی‌شود: <code dir=\"ltr\">{}</code>",
                obj.name, raw,
            ),
        )

    @admin.action(description="غیرفعال کردن توکن‌های انتخاب‌شده")
    def deactivate(self, request, queryset):
        queryset.update(is_active=False)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("case", "unit", "official", "score", "channel", "created_display")
    list_filter = ("score", "channel", "unit")
    readonly_fields = ("conversation", "ticket", "unit", "official", "score", "comment", "channel", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="مورد")
    def case(self, obj):
        return obj.ticket.display_code if obj.ticket_id else f"گفتگو {obj.conversation_id}"

    @admin.display(description="زمان ثبت")
    def created_display(self, obj):
        return jalali.format_datetime(obj.created_at)
