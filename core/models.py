from django.db import models


class RateCount(models.Model):
    """One rate-limit count (core.ratelimit): `bucket` names the action, who and the window.

    Counted with one atomic upsert per event, so concurrent requests never lose a count and
    a window's count lives exactly as long as the window.
    """

    bucket = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.bucket}: {self.count}"
