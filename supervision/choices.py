"""Choices of supervision (DOMAIN.md §7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    # The site reported it done with evidence; the recorder (or staff) accepts it or reopens it.
    SUBMITTED = "submitted", _("待确认")
    CLOSED = "closed", _("已整改")
    CANCELLED = "cancelled", _("已撤销")


class AssignmentStatus(models.TextChoices):
    """A task as a whole: drafted, published to its sites, or closed (no more answers or reminders)."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结束")


class TargetKind(models.TextChoices):
    """Whom a task goes to; resolved to concrete sites at publication and stored (AssignmentSite)."""

    ROUND = "round", _("某考评轮次的全部示范点")
    DOMAIN = "domain", _("某领域的示范点")
    REGION = "region", _("某区域（含下级）的示范点")
    STATES = "states", _("处于指定状态的示范点")
    SITES = "sites", _("指定示范点")


class AnswerStatus(models.TextChoices):
    """One site's standing on one task. `overdue` is never stored: it is pending or returned past the due time
    (rules.answer_status)."""

    PENDING = "pending", _("待报送")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")
    OVERDUE = "overdue", _("已逾期")


STORED_ANSWER_STATUSES = [AnswerStatus.PENDING, AnswerStatus.SUBMITTED, AnswerStatus.RETURNED, AnswerStatus.ACCEPTED]
# The statuses in which the site still owes an answer (reminders go out, the board counts it as behind).
OWING = (AnswerStatus.PENDING, AnswerStatus.RETURNED)


class AnswerDecision(models.TextChoices):
    NONE = "", _("待审核")
    ACCEPTED = "accepted", _("通过")
    RETURNED = "returned", _("退回")


class ExperienceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已报送")
    SELECTED = "selected", _("已入选")
    PROMOTED = "promoted", _("已推广")
    RETURNED = "returned", _("未入选")


class Light(models.TextChoices):
    """The board's traffic light for an obligation: green (time enough or done), yellow (due within three days),
    red (overdue)."""

    GREEN = "green", _("正常")
    YELLOW = "yellow", _("临近期限")
    RED = "red", _("已逾期")
