"""The user admin, through ``core.auth``: deactivating or deleting a staff account closes its
open console sockets at once (docs/security.md)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction

from . import auth

User = get_user_model()


class UserAdmin(DjangoUserAdmin):
    def save_model(self, request, obj, form, change):
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if was_active and not obj.is_active:
                auth.close_sockets_of_user(obj)

    def delete_model(self, request, obj):
        with transaction.atomic():
            auth.close_sockets_of_user(obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for user in queryset:
                auth.close_sockets_of_user(user)
            super().delete_queryset(request, queryset)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserAdmin)
