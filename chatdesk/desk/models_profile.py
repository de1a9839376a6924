"""The rest of a service profile («شناسنامه خدمت»): the workflow steps (each owned by a unit), the
frequently asked questions and the short survey; and, per online request, the steps it went
through (``RequestStep``) and the citizen's survey answers (``SurveyAnswer``).

Models hold integrity only; writes are in ``desk/steps.py`` and ``desk/survey.py``.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from chatdesk.directory.models import Official, Unit
from chatdesk.tickets.models import Ticket

from .models import Service


class ServiceStep(models.Model):
    """One step of a service's workflow, in order, owned by the unit that does it."""

    service = models.ForeignKey(Service, verbose_name="خدمت", on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("ردیف", default=0)
    title = models.CharField("عنوان مرحله", max_length=200)
    unit = models.ForeignKey(Unit, verbose_name="واحد انجام‌دهنده", on_delete=models.PROTECT, related_name="service_steps")

    class Meta:
        ordering = ["service_id", "order", "id"]
        verbose_name = "مرحله گردش کار"
        verbose_name_plural = "مراحل گردش کار"

    def __str__(self):
        return self.title


class ServiceFAQ(models.Model):
    service = models.ForeignKey(Service, verbose_name="خدمت", on_delete=models.CASCADE, related_name="faqs")
    order = models.PositiveSmallIntegerField("ردیف", default=0)
    question = models.CharField("پرسش", max_length=300)
    answer = models.TextField("پاسخ")

    class Meta:
        ordering = ["service_id", "order", "id"]
        verbose_name = "پرسش متداول"
        verbose_name_plural = "پرسش‌های متداول"

    def __str__(self):
        return self.question


class SurveyQuestion(models.Model):
    """One of the one to three questions asked after the service (a score from 1 to 5)."""

    service = models.ForeignKey(Service, verbose_name="خدمت", on_delete=models.CASCADE, related_name="survey_questions")
    order = models.PositiveSmallIntegerField("ردیف", default=0)
    text = models.CharField("پرسش نظرسنجی", max_length=200)

    class Meta:
        ordering = ["service_id", "order", "id"]
        verbose_name = "پرسش نظرسنجی"
        verbose_name_plural = "پرسش‌های نظرسنجی پس از خدمت"

    def __str__(self):
        return self.text


class RequestStep(models.Model):
    """A step of one online request: copied from the service's steps when the request is filed."""

    ticket = models.ForeignKey(Ticket, verbose_name="پرونده", on_delete=models.CASCADE, related_name="request_steps")
    step = models.ForeignKey(ServiceStep, verbose_name="مرحله خدمت", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs")
    order = models.PositiveSmallIntegerField("ردیف")
    title = models.CharField("عنوان مرحله", max_length=200)
    unit = models.ForeignKey(Unit, verbose_name="واحد انجام‌دهنده", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("شروع", null=True, blank=True)
    completed_at = models.DateTimeField("انجام", null=True, blank=True)
    completed_by = models.ForeignKey(Official, verbose_name="انجام‌دهنده", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["ticket_id", "order"]
        verbose_name = "مرحله درخواست"
        verbose_name_plural = "مراحل درخواست‌ها"
        constraints = [models.UniqueConstraint(fields=["ticket", "order"], name="request_step_once_per_order")]

    def __str__(self):
        return self.title


class SurveyAnswer(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name="پرونده", on_delete=models.CASCADE, related_name="survey_answers")
    question = models.ForeignKey(SurveyQuestion, verbose_name="پرسش", on_delete=models.CASCADE, related_name="answers")
    service = models.ForeignKey(Service, verbose_name="خدمت", on_delete=models.CASCADE, related_name="survey_answers")
    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField("امتیاز", validators=[MinValueValidator(1), MaxValueValidator(5)])
    created_at = models.DateTimeField("ثبت")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "پاسخ نظرسنجی"
        verbose_name_plural = "پاسخ‌های نظرسنجی خدمات"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "question"], name="survey_answer_once"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.question} — امتیاز {'۰۱۲۳۴۵'[self.score] if 0 <= self.score <= 5 else self.score}"
