from django.contrib import admin

from .models import Conversation, Faq, Message


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ("seq", "sender", "official", "kind", "body", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("number", "citizen_name", "unit", "status", "official", "created_at")
    list_filter = ("status", "unit")
    exclude = ("token_digest",)
    readonly_fields = ("last_seq", "created_at", "taken_at", "first_response_at", "closed_at", "closed_by", "last_activity_at", "ip_address")
    inlines = [MessageInline]

    @admin.display(description="شماره", ordering="id")
    def number(self, obj):
        return obj.pk


@admin.register(Faq)
class FaqAdmin(admin.ModelAdmin):
    """A unit's frequent questions, shown in the widget before a chat starts (chats/faq.py)."""

    list_display = ("question", "unit", "order", "is_active")
    list_filter = ("unit", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("question", "answer")
    fields = ("unit", "question", "answer", "order", "is_active")
