"""Admin for the catalogue of e-services and the announcements (Persian labels, Jalali dates).

Writes go through ``catalogue.service_save`` / ``service_reindex`` and
``announcements.announcement_save`` / ``announcement_delete``; the forms call the same validators
so a mistake comes back as a Persian error on its field.  Dates and times are typed in Jalali
(the directory admin's ``JalaliDateField`` and date picker, and an HH:MM time).
"""

from django import forms
from django.contrib import admin

from chatdesk.core import clock, jalali
from chatdesk.core.errors import DomainError
from chatdesk.core.forms import JalaliDateField, JalaliDateTimeField
from chatdesk.core.persian import search_key, to_latin_digits, to_persian_digits

from . import announcements, catalogue
from .models import Announcement, Service, ServiceDocument, ServiceFAQ, ServiceRule, ServiceStep, SurveyAnswer, SurveyQuestion


def _add_domain_error(form, error):
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- catalogue ----------------------------------------------------------------------------------


class ServiceDocumentInline(admin.TabularInline):
    model = ServiceDocument
    extra = 0
    fields = ("order", "title", "note")


class ServiceStepInline(admin.TabularInline):
    model = ServiceStep
    extra = 0
    fields = ("order", "title", "unit")


class ServiceFAQInline(admin.StackedInline):
    model = ServiceFAQ
    extra = 0
    fields = ("order", "question", "answer")


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0
    max_num = 3  # one to three questions per service (desk/survey.py)
    fields = ("order", "text")

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_max=True, **kwargs)


class ServiceRuleForm(forms.ModelForm):
    date = JalaliDateField(label="تاریخ", required=False, help_text="شمسی، مانند ۱۳۹۴/۰۵/۱۷")
    url = forms.URLField(label="پیوند", required=False, assume_scheme="https")

    class Meta:
        model = ServiceRule
        fields = ("order", "kind", "title", "number", "date", "url", "text")
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 40})}


class ServiceRuleInline(admin.StackedInline):
    model = ServiceRule
    form = ServiceRuleForm
    extra = 0


class ServiceForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label="شیوه‌های دسترسی", choices=Service.Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    access_url = forms.URLField(label="نشانی سامانه خدمت", required=False, assume_scheme="https")

    class Meta:
        model = Service
        fields = (
            "identifier", "name", "slug", "unit", "summary", "description", "recipient", "cost_rials", "cost_note",
            "delivery_time", "in_person_visits", "channels", "availability", "access_url", "online_form", "is_active", "order",
        )

    def clean_identifier(self):
        return to_latin_digits(self.cleaned_data.get("identifier", "")).strip()


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceForm
    list_display = ("identifier_display", "name", "unit", "cost", "in_person_visits", "notice_now", "is_active")
    list_display_links = ("identifier_display", "name")
    list_filter = ("unit", "recipient", "is_active")
    search_fields = ("name",)
    list_select_related = ("unit",)
    inlines = [ServiceStepInline, ServiceDocumentInline, ServiceRuleInline, ServiceFAQInline, SurveyQuestionInline]
    fieldsets = [
        (None, {"fields": ("identifier", "name", "slug", "unit", "recipient", "summary", "description")}),
        ("هزینه و زمان", {"fields": ("cost_rials", "cost_note", "delivery_time", "in_person_visits")}),
        ("دسترسی", {"fields": ("channels", "availability", "access_url", "online_form")}),
        ("نمایش", {"fields": ("is_active", "order")}),
    ]

    @admin.display(description="شناسه خدمت", ordering="identifier")
    def identifier_display(self, obj):
        return to_persian_digits(obj.identifier)

    @admin.display(description="هزینه")
    def cost(self, obj):
        return catalogue.cost_display(obj)

    @admin.display(description="اطلاعیه")
    def notice_now(self, obj):
        notice = announcements.service_notices([obj], clock.now()).get(obj.pk)
        return notice.badge if notice else "—"

    def get_search_results(self, request, queryset, search_term):
        """Search the normalised key too: Arabic ي/ك, Persian digits and ZWNJ find the service."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        words = search_key(search_term).split()
        if words:
            matched = queryset
            for word in words:
                matched = matched.filter(search_key__contains=word)
            results = results | matched
        return results, duplicates

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = catalogue.service_save(
                service=obj if change else None, **{k: data.get(k) for k in ServiceForm.Meta.fields if k != "channels"},
                channels=data.get("channels") or [],
            )
        except DomainError as error:  # validated by the form already; a race is the only way here
            self.message_user(request, error.message, level="error")
            raise
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        catalogue.service_reindex(service=Service.objects.get(pk=form.instance.pk))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            form.base_fields["channels"].initial = obj.channels
        return form


# --- announcements ------------------------------------------------------------------------------


class AnnouncementForm(forms.ModelForm):
    starts_at = JalaliDateTimeField(label="شروع", help_text="تاریخ شمسی و ساعت تهران، مانند ۱۴۰۵/۰۹/۰۱ و ۲۲:۰۰")
    ends_at = JalaliDateTimeField(label="پایان", required=False, help_text="خالی یعنی تا اطلاع ثانوی.")
    show_from = JalaliDateTimeField(
        label="نمایش از", required=False,
        help_text="خالی: برای تعمیرات برنامه‌ریزی‌شده ۴۸ ساعت پیش از شروع، و برای اختلال و اطلاعیه از زمان شروع.",
    )

    class Meta:
        model = Announcement
        fields = ("title", "kind", "body", "starts_at", "ends_at", "show_from", "units", "services", "is_published")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            announcements.validate_announcement(
                title=data.get("title"), kind=data.get("kind"), starts_at=data.get("starts_at"),
                ends_at=data.get("ends_at"), show_from=data.get("show_from"),
            )
        except DomainError as error:
            _add_domain_error(self, error)
        return data

    def _post_clean(self):
        # show_from may be left empty (the service fills it in); the model's own checks run in
        # the service's validation above, so skip the instance validation of that field.
        if self.cleaned_data.get("show_from") is None and self.cleaned_data.get("starts_at") is not None:
            self.cleaned_data = {
                **self.cleaned_data,
                "show_from": announcements.default_show_from(kind=self.cleaned_data.get("kind"), starts_at=self.cleaned_data["starts_at"]),
            }
        super()._post_clean()


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    form = AnnouncementForm
    list_display = ("title", "kind", "period", "shown_from", "state_now", "is_published")
    list_filter = ("kind", "is_published")
    search_fields = ("title", "body")
    filter_horizontal = ("units", "services")
    ordering = ("-starts_at",)

    @admin.display(description="بازه", ordering="starts_at")
    def period(self, obj):
        return announcements.period_display(obj)

    @admin.display(description="نمایش از", ordering="show_from")
    def shown_from(self, obj):
        return jalali.format_datetime(obj.show_from)

    @admin.display(description="اکنون")
    def state_now(self, obj):
        now = clock.now()
        if not obj.is_published:
            return "منتشر نشده"
        if obj.ends_at is not None and obj.ends_at <= now:
            return "پایان یافته"
        if obj.starts_at <= now:
            return "در جریان"
        if obj.show_from <= now:
            return "اطلاع‌رسانی پیشاپیش"
        return "در نوبت نمایش"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = announcements.announcement_save(
            announcement=obj if change else None, title=data["title"], body=data.get("body", ""), kind=data["kind"],
            starts_at=data["starts_at"], ends_at=data.get("ends_at"), show_from=data.get("show_from"),
            units=data.get("units") or [], services=data.get("services") or [], is_published=data.get("is_published", False),
        )
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass  # units and services were set by announcement_save

    def delete_model(self, request, obj):
        announcements.announcement_delete(announcement=obj)

    def delete_queryset(self, request, queryset):
        for announcement in queryset:
            announcements.announcement_delete(announcement=announcement)


# --- where complaints and contact forms go (chatdesk/desk/models_forms.py) -----------------------
from .complaints import complaint_settings_set
from .models_forms import ComplaintSettings, ContactGroup  # noqa: E402


@admin.register(ContactGroup)
class ContactGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "unit")
    search_fields = ("name", "description")


class ComplaintSettingsForm(forms.ModelForm):
    class Meta:
        model = ComplaintSettings
        fields = ["unit", "fallback_unit"]

    def clean(self):
        data = super().clean()
        unit, fallback = data.get("unit"), data.get("fallback_unit")
        if unit is not None and fallback is not None and unit.pk == fallback.pk:
            raise forms.ValidationError("واحد جایگزین باید با واحد رسیدگی به شکایات فرق کند.")
        return data


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(admin.ModelAdmin):
    form = ComplaintSettingsForm
    list_display = ("unit", "fallback_unit")

    def save_model(self, request, obj, form, change):
        saved = complaint_settings_set(unit=form.cleaned_data.get("unit"), fallback_unit=form.cleaned_data.get("fallback_unit"))
        obj.pk = saved.pk

    def has_add_permission(self, request):
        return not ComplaintSettings.objects.exists()  # one row

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(admin.ModelAdmin):
    """Read-only: the citizens' answers to the service surveys (summaries on the reports page)."""

    list_display = ("service", "unit", "question", "score_display", "created_at")
    list_filter = ("service", "unit")
    list_select_related = ("service", "unit", "question")

    @admin.display(description="امتیاز", ordering="score")
    def score_display(self, obj):
        return to_persian_digits(obj.score)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
