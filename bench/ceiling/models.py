from django.db import models


class CeilingRow(models.Model):
    """One bare row: what the cheapest possible write and read of this stack cost."""

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "ceiling"
