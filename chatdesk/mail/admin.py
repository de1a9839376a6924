"""Admin: the outbox (read-only, with "send again") and the inbound store (read-only; held
messages can be discarded here too — attaching one is done by an official of the unit on
/console/mail/held/, through the same service)."""

from django.contrib import admin, messages
from django.utils.html import format_html

from chatdesk.core import jalali
from chatdesk.core.admin_readonly import ReadOnlyAdmin

from . import services
from .models import InboundMail, OutboundMail



@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("to", "subject", "kind", "status", "attempts", "created", "sent", "bounced", "last_error_short")
    list_filter = ("status", "kind")
    search_fields = ("to", "subject", "message_id", "ticket__code")
    # The HTML part is the same letter as the text part, with its markup: not shown here.
    readonly_fields = [f.name for f in OutboundMail._meta.fields if f.name not in ("id", "html")]
    exclude = ("html",)
    actions = ["retry"]

    @admin.display(description="ایجاد")
    def created(self, obj):
        return jalali.format_datetime(obj.created_at)

    @admin.display(description="ارسال")
    def sent(self, obj):
        return jalali.format_datetime(obj.sent_at)

    @admin.display(description="برگشت")
    def bounced(self, obj):
        """When a delivery report said the mail did not arrive, and why."""
        if not obj.bounced_at:
            return ""
        # "sentence (status: the remote server's words)": the server's own words are machine text,
        # shown left to right as the ticket page shows them.
        sentence, _, detail = obj.bounce_reason[:200].partition(" (")
        if not detail:
            return format_html("{}: {}", jalali.format_datetime(obj.bounced_at), sentence)
        return format_html('{}: {} (<bdi dir="ltr">{}</bdi>)', jalali.format_datetime(obj.bounced_at), sentence, detail.rstrip(")"))

    @admin.display(description="آخرین خطا")
    def last_error_short(self, obj):
        return (obj.last_error or "")[:80]

    @admin.action(description="ارسال دوباره")
    def retry(self, request, queryset):
        count = sum(services.outbox_retry(mail_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} ایمیل دوباره در صف ارسال قرار گرفت.", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        return False


class ReasonFilter(admin.AllValuesFieldListFilter):
    """The reasons stored; a mail kept without one is «بدون علت» (an empty link has no name for a
    screen reader: axe-core's link-name)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield choice if str(choice["display"]).strip() else {**choice, "display": "بدون علت"}


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("from_address", "subject", "status", "reason", "routed_by", "ticket", "unit", "received")
    list_filter = ("status", ("reason", ReasonFilter), "source")
    search_fields = ("from_address", "subject", "message_id", "ticket__code")
    readonly_fields = [f.name for f in InboundMail._meta.fields if f.name != "id"]

    @admin.display(description="دریافت")
    def received(self, obj):
        return jalali.format_datetime(obj.received_at)
