from django.contrib import admin

from .models import Official, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "routing", "chat_enabled", "is_active", "menu_order")
    list_filter = ("kind", "routing", "chat_enabled", "is_active")
    search_fields = ("name", "code")
    list_editable = ("menu_order",)


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "role", "status", "max_chats")
    list_filter = ("role", "status", "units")
    search_fields = ("display_name", "user__username")
    filter_horizontal = ("units",)
    readonly_fields = ("status_changed_at", "offline_after")
