"""The user admin, through ``core.auth``: deactivating or deleting a staff account closes its
open console sockets at once (docs/security.md)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, ReadOnlyPasswordHashWidget, UserChangeForm
from django.db import transaction

from . import admin_locale, auth

User = get_user_model()


class PasswordSetWidget(ReadOnlyPasswordHashWidget):
    """Says whether a password is set, without the hasher's English «algorithm / salt / hash»."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        unusable = not value or value.startswith("!")
        context["button_label"] = "تغییر گذرواژه"
        context["summary"] = [{"label": "گذرواژه‌ای تنظیم نشده است." if unusable else "گذرواژه تنظیم شده است (خود آن نگه‌داری نمی‌شود)."}]
        return context


class PersianUserChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordSetWidget()
            self.fields["password"].help_text = "گذرواژه‌ها خام نگه‌داری نمی‌شوند؛ برای گذرواژه تازه دکمه بالا را بزنید."


class PersianPasswordChangeForm(AdminPasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "usable_password" in self.fields:
            self.fields["usable_password"].help_text = (
                "آیا کاربر می‌تواند با گذرواژه وارد شود. اگر غیرفعال شود، گذرواژه کنونی این کاربر از دست می‌رود."
            )


class UserAdmin(DjangoUserAdmin):
    form = PersianUserChangeForm
    change_password_form = PersianPasswordChangeForm

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


admin_locale.install(admin.site)  # Persian titles, Jalali dates, Persian digits (core/admin_locale.py)

if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserAdmin)
