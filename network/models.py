from typing import Any

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

SETTINGS_CACHE_KEY = "network-settings"


class NetworkSettings(models.Model):
    """What makes this deployment one network or another, edited by the programme board.

    There is exactly one row (pk 1); read it with `NetworkSettings.load()`.
    """

    name = models.CharField(max_length=120, default="Leadership network")
    sponsor = models.CharField(
        max_length=200, blank=True, help_text="The organisations that sponsor and run the network."
    )
    summary = models.TextField(
        "Short description",
        default="An invite-only network of leaders in health and care who mentor each other.",
        help_text="One or two sentences shown on the public home page.",
    )
    eligibility = models.TextField(
        "Who can join",
        default=(
            "Anyone who has built a reputation for mentoring emerging leaders, or who is "
            "mentoring one or more people now, can be invited to join."
        ),
        help_text="Shown to visitors so they can tell whether the network is for them.",
    )
    contact_email = models.EmailField(
        "Contact address",
        default="network@localhost",
        help_text="Where visitors and members can write to the programme board.",
    )
    invitation_expiry_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="How many days an invitation link stays valid.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "network settings"
        verbose_name_plural = "network settings"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        self.clear_cache()

    @classmethod
    def load(cls) -> "NetworkSettings":
        settings = cache.get(SETTINGS_CACHE_KEY)
        if settings is None:
            cls.objects.get_or_create(pk=1)
            # Prefetched, the categories travel with the cached copy.
            settings = cls.objects.prefetch_related("categories").get(pk=1)
            cache.set(SETTINGS_CACHE_KEY, settings, timeout=60 * 60)
        return settings

    @staticmethod
    def clear_cache() -> None:
        cache.delete(SETTINGS_CACHE_KEY)


class MembershipCategory(models.Model):
    """A kind of membership the network offers, such as "Member" or "Ally"."""

    settings = models.ForeignKey(
        NetworkSettings, on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "membership categories"
        constraints = [
            models.UniqueConstraint(fields=["settings", "name"], name="unique_category_name")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        NetworkSettings.clear_cache()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)
        NetworkSettings.clear_cache()
        return result
