"""Admin for units, staff, office hours, holidays and the duty roster.

Dates are entered and shown in Jalali (forms.JalaliDateField with the vendored date picker).
Writes to hours, holidays and shifts go through the services, which validate first; the forms
call the same validators so a mistake comes back as a Persian error on the field.
"""

import datetime as dt

import jdatetime
from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Max, Min
from django.utils.html import format_html

from chatdesk.core import clock, jalali
from chatdesk.core.errors import DomainError
from chatdesk.core.forms import PersianTimeField, PersianTimeInput
from chatdesk.core.persian import to_persian_digits

from . import schedule, services
from .forms import JalaliDateField, jalali_display, time_display
from .models import DutyShift, Holiday, OfficeHours, Official, Unit


# Hours and minutes are enough for office hours, closures and shifts (Persian digits, no clock menu).
HH_MM = {models.TimeField: {"form_class": PersianTimeField, "widget": PersianTimeInput}}


def _add_domain_error(form, error):
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


# --- units and office hours -------------------------------------------------------------------


class OfficeHoursFormSet(forms.BaseInlineFormSet):
    def spans(self):
        return [
            (f.cleaned_data["weekday"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if getattr(f, "cleaned_data", None) and not self._should_delete_form(f)
            and all(f.cleaned_data.get(k) is not None for k in ("weekday", "start", "end"))
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            services.validate_office_spans(weekend=self.instance.weekend, spans=self.spans())
        except DomainError as error:
            raise forms.ValidationError(error.message) from None


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    formset = OfficeHoursFormSet
    formfield_overrides = HH_MM
    extra = 0
    fields = ("weekday", "start", "end")
    verbose_name_plural = "ساعت‌های کاری (اگر هیچ ردیفی نباشد ساعت اداری پیش‌فرض به کار می‌رود)"


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "weekend", "state_now", "routing", "chat_enabled", "is_active", "menu_order")
    list_filter = ("kind", "routing", "weekend", "chat_enabled", "is_active")
    search_fields = ("name", "code")
    list_editable = ("menu_order",)
    list_select_related = ("parent", "manager")
    inlines = [OfficeHoursInline]
    fieldsets = [
        (None, {"fields": ("name", "code", "kind", "parent", "manager", "description", "phone", "email")}),
        ("منو و گفتگو", {"fields": ("menu_order", "show_in_menu", "chat_enabled", "is_active", "routing", "escalate_after_seconds")}),
        ("پیام‌های خودکار گفتگو", {"fields": ("chat_greeting", "chat_waiting_message", "chat_waiting_after_minutes")}),
        (
            "روزها و ساعت‌های کاری",
            {
                "fields": ("weekend", "always_open"),
                "description": (
                    "واحدی که هیچ ساعت کاری برایش ثبت نشده، ساعت اداری پیش‌فرض را دارد: شنبه تا چهارشنبه "
                    "۰۷:۳۰ تا ۱۴:۳۰، و اگر تعطیلی آخر هفته «فقط جمعه» باشد پنجشنبه ۰۷:۳۰ تا ۱۳:۰۰. "
                    "تعطیلات رسمی و تعطیلی‌های موردی واحد و واحدهای بالادستی آن را می‌بندند، مگر واحد «پاسخ‌گویی شبانه‌روزی» باشد."
                ),
            },
        ),
    ]

    @admin.display(description="اکنون")
    def state_now(self, unit):
        state = schedule.unit_state(unit, clock.now())
        if state.open:
            return format_html('<span class="nowrap">باز تا {}</span>', jalali.format_time(state.closes_at))
        why = {"outside_hours": "خارج از ساعت کاری", "weekend": "تعطیل آخر هفته"}.get(state.reason, state.holiday_name)
        reopens = ""
        if state.next_opening:
            day = jalali.format_date(state.next_opening, long=True).rsplit(" ", 1)[0]  # without the year
            reopens = f"بازگشایی: {day} {jalali.format_time(state.next_opening)}"
        return format_html(
            '<span class="nowrap">بسته ({})</span><br><span class="nowrap">{}</span>', why, reopens
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is OfficeHours:
            services.office_hours_replace(unit=form.instance, spans=formset.spans())
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_formset(request, form, formset, change)


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "role", "status", "max_chats")
    list_filter = ("role", "status", "units")
    search_fields = ("display_name", "user__username")
    filter_horizontal = ("units",)
    readonly_fields = ("status_changed_at", "offline_after")


# --- holidays and closures --------------------------------------------------------------------


class JalaliYearFilter(admin.SimpleListFilter):
    title = "سال"
    parameter_name = "jalali_year"

    def lookups(self, request, model_admin):
        bounds = model_admin.get_queryset(request).aggregate(first=Min("date"), last=Max("date"))
        if not bounds["first"]:
            return []
        first = jdatetime.date.fromgregorian(date=bounds["first"], locale=jalali.LOCALE).year
        last = jdatetime.date.fromgregorian(date=bounds["last"], locale=jalali.LOCALE).year
        return [(str(y), to_persian_digits(y)) for y in range(last, first - 1, -1)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            year = int(self.value())
            first = jalali.jalali_date(year, 1, 1)
            last = jalali.jalali_date(year + 1, 1, 1) - dt.timedelta(days=1)
        except ValueError:
            return queryset.none()
        return queryset.filter(date__range=(first, last))


class WhenFilter(admin.SimpleListFilter):
    title = "زمان"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("today", "امروز"), ("coming", "امروز و آینده"), ("past", "گذشته")]

    def queryset(self, request, queryset):
        today = jalali.local(clock.now()).date()
        return {
            "today": lambda: queryset.filter(date=today),
            "coming": lambda: queryset.filter(date__gte=today),
            "past": lambda: queryset.filter(date__lt=today),
        }.get(self.value(), lambda: queryset)()


class HolidayForm(forms.ModelForm):
    date = JalaliDateField(label="تاریخ", help_text="شمسی، مانند ۱۴۰۵/۱۱/۲۲")

    class Meta:
        model = Holiday
        fields = ("date", "name", "kind", "unit", "start", "end", "is_estimated")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["name"] = services.validate_holiday(
                date=data.get("date"), name=data.get("name"), kind=data.get("kind"), unit=data.get("unit"),
                start=data.get("start"), end=data.get("end"), holiday_id=self.instance.pk,
            )
        except DomainError as error:
            _add_domain_error(self, error)
        return data


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    form = HolidayForm
    formfield_overrides = HH_MM
    list_display = ("jalali_date", "name", "kind", "unit_display", "hours", "is_estimated", "source")
    list_display_links = ("jalali_date", "name")
    list_filter = (JalaliYearFilter, WhenFilter, "kind", "is_estimated", "source", "unit")
    search_fields = ("name",)
    list_select_related = ("unit",)
    ordering = ("date",)
    list_per_page = 100

    @admin.display(description="تاریخ", ordering="date")
    def jalali_date(self, obj):
        return jalali_display(obj.date)

    @admin.display(description="واحد", ordering="unit")
    def unit_display(self, obj):
        return obj.unit.name if obj.unit_id else "همه سازمان"

    @admin.display(description="ساعت")
    def hours(self, obj):
        return f"{time_display(obj.start)} تا {time_display(obj.end)}" if obj.is_partial else "تمام روز"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.holiday_save(
            holiday=obj if change else None, date=data["date"], name=data["name"], kind=data["kind"], unit=data.get("unit"),
            start=data.get("start"), end=data.get("end"), is_estimated=data.get("is_estimated", False),
        )
        obj.pk, obj.source, obj.updated_at = saved.pk, saved.source, saved.updated_at

    def delete_model(self, request, obj):
        services.holiday_delete(holiday=obj)

    def delete_queryset(self, request, queryset):
        for holiday in queryset:
            services.holiday_delete(holiday=holiday)


# --- duty roster ------------------------------------------------------------------------------


class DutyShiftForm(forms.ModelForm):
    date = JalaliDateField(label="تاریخ", help_text="شمسی، مانند ۱۴۰۵/۰۹/۰۱")

    class Meta:
        model = DutyShift
        fields = ("unit", "date", "start", "end", "official", "substitute", "note")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.validate_duty_shift(
                unit=data.get("unit"), date=data.get("date"), start=data.get("start"), end=data.get("end"),
                official=data.get("official"), substitute=data.get("substitute"), shift_id=self.instance.pk,
            )
        except DomainError as error:
            _add_domain_error(self, error)
        return data


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    form = DutyShiftForm
    formfield_overrides = HH_MM
    list_display = ("jalali_date", "unit", "hours", "official", "substitute", "on_duty_display", "note")
    list_display_links = ("jalali_date", "hours")
    list_filter = (WhenFilter, "unit")
    search_fields = ("official__display_name", "substitute__display_name", "note")
    list_select_related = ("unit", "official__user", "substitute__user")
    ordering = ("-date", "start")

    @admin.display(description="تاریخ", ordering="date")
    def jalali_date(self, obj):
        return jalali_display(obj.date)

    @admin.display(description="ساعت", ordering="start")
    def hours(self, obj):
        return f"{time_display(obj.start)} تا {time_display(obj.end)}"

    @admin.display(description="پاسخ‌گو")
    def on_duty_display(self, obj):
        return obj.on_duty or "—"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.duty_shift_save(
            shift=obj if change else None, unit=data["unit"], date=data["date"], start=data["start"], end=data["end"],
            official=data["official"], substitute=data.get("substitute"), note=data.get("note", ""),
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.duty_shift_delete(shift=obj)

    def delete_queryset(self, request, queryset):
        for shift in queryset:
            services.duty_shift_delete(shift=shift)
