from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker process: the health endpoint reads the newest beat."""

    name = models.CharField(max_length=120, unique=True)
    beat_at = models.DateTimeField()
    jobs_run = models.PositiveBigIntegerField(default=0)


from .access_log import AccessLog  # noqa: E402,F401  (who opened which case: core/access_log.py)
