"""Choices of supervision (DOMAIN.md §7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", _("已整改")
    CANCELLED = "cancelled", _("已撤销")
