"""Choices of archives. The material categories are standards.choices.MaterialCategory (items name them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from standards.choices import MaterialCategory

__all__ = ["MaterialCategory", "ReviewState"]


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")
