from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker process: the health endpoint reads the newest beat."""

    name = models.CharField("نام کارگر", max_length=120, unique=True)
    beat_at = models.DateTimeField("آخرین تپش")
    jobs_run = models.PositiveBigIntegerField("کارهای انجام‌شده", default=0)

    class Meta:
        verbose_name = "تپش کارگر پس‌زمینه"
        verbose_name_plural = "تپش‌های کارگر پس‌زمینه"

    def __str__(self):
        return f"کارگر {self.name}"


from .access_log import AccessLog  # noqa: E402,F401  (who opened which case: core/access_log.py)
