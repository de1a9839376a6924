from django import forms
from django.contrib import admin

from chatdesk.core.errors import ValidationError

from . import replies
from .models import Conversation, Faq, Message, SavedReply


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
class SavedReplyForm(forms.ModelForm):
    """The console's rules (chats/replies.py ``validate_reply``): the same Persian errors."""

    class Meta:
        model = SavedReply
        fields = ("unit", "owner", "shortcut", "title", "body")

    def clean(self):
        data = super().clean()
        if bool(data.get("unit")) == bool(data.get("owner")):
            raise forms.ValidationError("پاسخ آماده یا از آنِ یک واحد است یا از آنِ یک کارشناس (فقط یکی را انتخاب کنید).")
        try:
            data["shortcut"], data["title"], data["body"] = replies.validate_reply(
                shortcut=data.get("shortcut"), title=data.get("title"), body=data.get("body")
            )
        except ValidationError as error:
            self.add_error(error.field, error.message)
        return data


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    form = SavedReplyForm
    list_display = ("shortcut", "title", "unit", "owner", "updated_at")
    list_filter = ("unit",)
    search_fields = ("shortcut", "title", "search_key")

    def save_model(self, request, obj, form, change):
        replies.saved_reply_store(obj)
