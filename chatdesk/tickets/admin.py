"""Tickets in the admin: for administrators to look things up.  Officials work in the console,
where every change goes through the services (and their audit rows); here everything is read-only."""

from django.contrib import admin

from chatdesk.core.templatetags.fa import jdatetime
from chatdesk.core.admin_readonly import ReadOnlyAdmin

from .models import AuditEvent, Entry, Ticket, action_label



class EntryInline(ReadOnlyAdmin, admin.TabularInline):
    model = Entry
    fields = ("kind", "public", "official", "channel", "body", "when")
    readonly_fields = ("when",)
    extra = 0

    @admin.display(description="زمان")
    def when(self, obj):
        return jdatetime(obj.created_at)


class AuditInline(ReadOnlyAdmin, admin.TabularInline):
    model = AuditEvent
    fields = ("action_display", "actor", "official", "changes", "when")
    readonly_fields = ("action_display", "when")
    extra = 0

    @admin.display(description="کار")
    def action_display(self, obj):
        return action_label(obj.action)

    @admin.display(description="زمان")
    def when(self, obj):
        return jdatetime(obj.created_at)


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("display_code", "subject", "kind", "status", "unit", "assignee", "created")
    list_filter = ("status", "kind", "unit")
    search_fields = ("code", "subject", "citizen_name", "citizen_mobile", "citizen_email")
    inlines = [EntryInline, AuditInline]
    exclude = ("secret", "search_key")

    @admin.display(description="کد پیگیری")
    def display_code(self, obj):
        return obj.display_code

    @admin.display(description="زمان ثبت", ordering="created_at")
    def created(self, obj):
        return jdatetime(obj.created_at)
