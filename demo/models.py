"""What ``seed_demo`` loaded last, so that running it again can skip or replace it."""

from __future__ import annotations

from django.db import models


class DemoSeed(models.Model):
    """One load of demo data: its parameters and the digest of the generated rows."""

    seed = models.IntegerField()
    providers = models.PositiveIntegerField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the generated rows.")
    loaded_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0, help_text="How long the load took.")

    class Meta:
        ordering = ("-loaded_at", "-pk")

    def __str__(self) -> str:
        return f"Demo seed {self.seed} ({self.providers} providers)"
