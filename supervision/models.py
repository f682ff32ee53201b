"""Supervision (督办, DOMAIN.md §7): tasks and answers, reminders, guidance visits and rectification, typical
experiences, notices of criticism, study tours and pairings.

Models that point at apps above this one (a round) use string references; the logic that reads them lives in
the upper app (evaluations derives its deduction and bonus lines from these records)."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .choices import (
    AnswerDecision,
    AnswerStatus,
    AssignmentStatus,
    ExperienceStatus,
    RectificationStatus,
    TargetKind,
)
from .districts import fill_district
from .task_tally import standing_loaded


def _suffix(filename: str) -> str:
    return PurePosixPath(filename).suffix.lower()[:10]


def attachment_path(instance, filename):
    return f"supervision/{instance.owner_type_id}/{instance.owner_id}/{uuid.uuid4().hex}{_suffix(filename)}"


class Attachment(models.Model):
    """附件: a file attached to a supervision record (a task, an answer, a visit's photos, a rectification's
    evidence, an experience, a notice's document), validated by content like every upload
    (archives.validation) and served only through the owner's permission check (views.attachment)."""

    owner_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    owner_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("文件类型"), max_length=10)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["owner_type", "owner_id", "id"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.kind in ("jpeg", "png", "webp")


# --- tasks (工作任务) -----------------------------------------------------------------------------------


def default_reminder_days() -> list[int]:
    return [3, 1, 0]


class Assignment(TimeStampedModel):
    """工作任务: a task staff publish to a set of sites with a due time; each site answers it (AssignmentSite).

    The target is described by `target_kind` and its parameters, resolved to the concrete sites at publication
    and stored, so that a site named or moved later neither gains nor loses the task. Reminders go out by the
    ladder `reminder_days_before` (days before the due day, 0 = the due day) and every `overdue_every_days`
    while a site is overdue."""

    title = models.CharField(_("任务名称"), max_length=200)
    description = models.TextField(_("任务要求"), blank=True)
    due_at = models.DateTimeField(_("截止时间"), db_index=True)
    files_required = models.BooleanField(_("须上传附件"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.DRAFT, db_index=True
    )
    target_kind = models.CharField(_("下发范围"), max_length=10, choices=TargetKind.choices, default=TargetKind.SITES)
    target_round = models.ForeignKey(
        "evaluations.Round",
        verbose_name=_("考评轮次"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    target_domain = models.CharField(_("领域"), max_length=20, blank=True)
    target_region = models.ForeignKey(
        "accounts.Region", verbose_name=_("区域"), null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    target_states = models.JSONField(_("示范点状态"), default=list, blank=True)
    target_label = models.CharField(_("下发范围说明"), max_length=300, blank=True)
    reminder_days_before = models.JSONField(_("提前提醒（天）"), default=default_reminder_days, blank=True)
    overdue_every_days = models.PositiveSmallIntegerField(_("逾期后每隔几天提醒"), default=7)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作任务")
        verbose_name_plural = _("工作任务")
        ordering = ["-due_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(overdue_every_days__gte=1), name="assignment_overdue_every_days")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("supervision:assignment_detail", args=[self.pk])


class AssignmentSite(models.Model):
    """任务对象: one site's standing on one task: its status (pending, submitted, returned, accepted), when it first
    answered and whether that was after the due time (late answers carry a deduction in the year's evaluation)."""

    # No single-column indexes: the two covering indexes below lead with each (and serve the foreign keys).
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("工作任务"), related_name="targets", on_delete=models.CASCADE, db_index=False
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("示范点"),
        related_name="assignment_targets",
        on_delete=models.CASCADE,
        db_index=False,
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=[(value, label) for value, label in AnswerStatus.choices if value != AnswerStatus.OVERDUE],
        default=AnswerStatus.PENDING,
        db_index=True,
    )
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True)
    late = models.BooleanField(_("逾期报送"), default=False)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    # The site's district (the depth-1 region above its region), copied here by supervision.districts so that
    # the board's districts tab groups the standings without joining each to its site and region.
    district = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("所属区县"),
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        on_delete=models.SET_NULL,
        db_index=False,
    )

    class Meta:
        verbose_name = _("任务对象")
        verbose_name_plural = _("任务对象")
        ordering = ["assignment", "site_id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "site"], name="assignment_site_once")]
        # Covering the board's counts (board.task_counts: per task and stored status; board.site_page: per site
        # among the owing ones, with the task telling red from yellow) as index-only scans.
        indexes = [
            models.Index(fields=["site", "status", "assignment"], name="supervision_target_site_cover"),
            models.Index(fields=["assignment", "status", "site"], name="supervision_target_task_cover"),
            # The year's figures on the staff home page (figures.supervision_figures: per task, the standings,
            # the answered ones and the ones answered on time) as an index-only scan of each task's range.
            models.Index(fields=["assignment", "late", "first_submitted_at"], name="supervision_target_answered"),
            # The districts tab (board.region_tallies): the past-due tasks' standings counted per district, their
            # answers on time and the owing ones, as an index-only scan of each task's range.
            models.Index(
                fields=["assignment", "district", "status", "late", "first_submitted_at"],
                name="supervision_target_district",
            ),
            # A district user's standings (selectors.targets_visible_to narrows their scope to their district):
            # the board's counts per task and status read the district's range alone, with the site for the
            # scope's own condition, instead of every standing of the city.
            models.Index(fields=["district", "assignment", "status", "site"], name="supervision_target_in_district"),
        ]

    def __str__(self):
        return f"{self.assignment}：{self.site_id}"

    def save(self, *args, **kwargs):
        fill_district(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("supervision:target_detail", args=[self.pk])

    # What it counted for in its task's numbers (supervision.task_tally), to move them by its change when saved.
    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        standing = super().from_db(db, field_names, values, **kwargs)
        if "first_submitted_at" in standing.__dict__ and "late" in standing.__dict__:  # not deferred
            standing_loaded(standing)
        return standing


class SiteOwing(models.Model):
    """督办积欠: what one site owes on the board, as a signature: the ids of the published (or closed) tasks it
    owes an answer to (pending or returned), and the due days of its rectification items still open. Kept by
    supervision.owing in the transaction of every change to those (never by hand); sites that owe nothing have
    no row.

    The board's sites tab orders the sites by how many red, yellow and in all they owe; red and yellow depend
    on the time (a task's due time passing), so they are not stored: the sites are counted per signature (a few
    hundred signatures at most, whatever the number of sites), each signature's figures computed for the moment
    in Python (board.TalliedSitePage), and a page read off the primary key within the signatures it falls in."""

    site = models.OneToOneField(
        "sites.Site", verbose_name=_("示范点"), primary_key=True, related_name="+", on_delete=models.CASCADE
    )
    # "3,7|2026-11-21,none": task ids ascending, then the open items' due days ascending ("none": no due day).
    signature = models.TextField(_("积欠摘要"))

    class Meta:
        verbose_name = _("督办积欠")
        verbose_name_plural = _("督办积欠")

    def __str__(self):
        return f"{self.site_id}：{self.signature}"


class TaskTally(models.Model):
    """任务报送统计: one published task's standings counted — how many sites it went to, how many have answered and
    how many of those answered on time. Kept by supervision.task_tally (publication counts them; each standing
    written or deleted afterwards moves them by its own change), so that the year's figures on the staff home
    page add up a few dozen tasks' numbers instead of counting every task's hundred thousand standings."""

    assignment = models.OneToOneField(
        Assignment, verbose_name=_("工作任务"), primary_key=True, related_name="tally", on_delete=models.CASCADE
    )
    targets = models.IntegerField(_("下发对象数"), default=0)
    answered = models.IntegerField(_("已报送数"), default=0)
    on_time = models.IntegerField(_("按时报送数"), default=0)

    class Meta:
        verbose_name = _("任务报送统计")
        verbose_name_plural = _("任务报送统计")

    def __str__(self):
        return f"{self.assignment_id}：{self.answered}/{self.targets}"


class Answer(models.Model):
    """任务报送: one answer a site sent for a task (text, files, links to existing materials); a returned answer
    stays on record and the site sends a new one."""

    target = models.ForeignKey(
        AssignmentSite, verbose_name=_("任务对象"), related_name="answers", on_delete=models.CASCADE
    )
    text = models.TextField(_("报送内容"), blank=True)
    materials = models.ManyToManyField(
        "archives.Material", verbose_name=_("关联材料"), blank=True, related_name="assignment_answers"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    submitted_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    late = models.BooleanField(_("逾期报送"), default=False)
    decision = models.CharField(
        _("审核结果"), max_length=10, choices=AnswerDecision.choices, default=AnswerDecision.NONE, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.TextField(_("退回原因"), blank=True)

    class Meta:
        verbose_name = _("任务报送")
        verbose_name_plural = _("任务报送")
        ordering = ["target", "-submitted_at", "-id"]

    def __str__(self):
        return f"{self.target}（{self.submitted_at:%Y-%m-%d %H:%M}）"


class Reminder(models.Model):
    """催办提醒: one step of a task's reminder ladder sent (or deliberately skipped) to one site's people.

    The unique key (assignment, site, step) is what makes the ladder exactly-once: the job inserts the row and
    notifies in one transaction, so two beats, a retry or a restart that reach the same step find it taken.
    `step` names the step and the due time it was computed from ("before-3@202612011800"), so that a changed due
    date yields fresh steps while the ones already sent stay on record."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("工作任务"), related_name="reminders", on_delete=models.CASCADE
    )
    site = models.ForeignKey("sites.Site", verbose_name=_("示范点"), related_name="+", on_delete=models.CASCADE)
    step = models.CharField(_("提醒节点"), max_length=40)
    scheduled_at = models.DateTimeField(_("计划时间"))
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    # Skipped: a step missed while the job was down, superseded by a later step sent at the same run.
    skipped = models.BooleanField(_("已跳过"), default=False)
    recipients = models.PositiveSmallIntegerField(_("接收人数"), default=0)

    class Meta:
        verbose_name = _("催办提醒")
        verbose_name_plural = _("催办提醒")
        ordering = ["-sent_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "site", "step"], name="reminder_once_per_step")]

    def __str__(self):
        return f"{self.assignment} · {self.site_id} · {self.step}"


# --- guidance visits (指导记录) and rectification (整改事项) --------------------------------------------


class GuidanceVisit(TimeStampedModel):
    """指导记录: an instructor's or liaison's visit to a site: who came, what they found, what they suggest; its
    rectification items follow up the findings."""

    site = models.ForeignKey("sites.Site", verbose_name=_("示范点"), related_name="visits", on_delete=models.CASCADE)
    visited_on = models.DateField(_("指导日期"), db_index=True)
    participants = models.CharField(_("参加人员"), max_length=300)
    findings = models.TextField(_("发现的问题"))
    suggestions = models.TextField(_("指导意见"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("指导记录")
        verbose_name_plural = _("指导记录")
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        return f"{self.visited_on:%Y-%m-%d} {self.site_id}"

    def get_absolute_url(self):
        return reverse("supervision:visit_detail", args=[self.pk])


class Rectification(TimeStampedModel):
    """整改事项: something a site must put right by a deadline, closed with evidence.

    `origin` is what raised it (a finalized round, a guidance visit): generic, because those live in apps above
    this one. An item past its deadline and still open carries a deduction in the year-end evaluation."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("示范点"), related_name="rectifications", on_delete=models.CASCADE
    )
    title = models.CharField(_("整改事项"), max_length=200)
    detail = models.TextField(_("具体要求"), blank=True)
    item = models.ForeignKey(
        "standards.Item",
        verbose_name=_("对应评分项"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    due_on = models.DateField(_("整改期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RectificationStatus.choices, default=RectificationStatus.OPEN, db_index=True
    )
    origin_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    origin_id = models.PositiveBigIntegerField(null=True, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")
    origin_label = models.CharField(_("来源"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    closing_note = models.TextField(_("整改情况"), blank=True)
    visit = models.ForeignKey(
        GuidanceVisit,
        verbose_name=_("指导记录"),
        null=True,
        blank=True,
        related_name="rectifications",
        on_delete=models.CASCADE,
    )
    responsible = models.CharField(_("责任人"), max_length=50, blank=True)
    reported_at = models.DateTimeField(_("报告整改时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    reopen_reason = models.TextField(_("重新整改原因"), blank=True)
    # The site's district, copied as on AssignmentSite (supervision.districts) for the districts tab.
    district = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("所属区县"),
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        on_delete=models.SET_NULL,
        db_index=False,
    )

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["site", "status", "due_on", "id"]
        indexes = [
            models.Index(fields=["origin_type", "origin_id"]),
            models.Index(fields=["status", "due_on"]),
            # The districts tab: the open items counted per district (and the overdue ones) off the index.
            models.Index(fields=["status", "district", "due_on"], name="supervision_item_district"),
        ]

    def __str__(self):
        return f"{self.site}：{self.title}"

    def save(self, *args, **kwargs):
        fill_district(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("supervision:rectification_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == RectificationStatus.OPEN


# --- experiences, notices, study tours, pairings ----------------------------------------------------------


class Experience(TimeStampedModel):
    """典型经验: a practice a site or district wrote up. Staff select it (入选) and then promote it (推广); each
    district should bring forward at least two a year (seed 003), and a promoted one earns its sites a bonus in
    that year's evaluation."""

    title = models.CharField(_("经验名称"), max_length=200)
    summary = models.TextField(_("经验摘要"))
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    district = models.ForeignKey(
        "accounts.Region", verbose_name=_("所属区县"), related_name="+", on_delete=models.PROTECT
    )
    sites = models.ManyToManyField("sites.Site", verbose_name=_("涉及示范点"), blank=True, related_name="experiences")
    status = models.CharField(
        _("状态"), max_length=10, choices=ExperienceStatus.choices, default=ExperienceStatus.SUBMITTED, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    selected_at = models.DateTimeField(_("入选时间"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("推广时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    decision_note = models.TextField(_("审定意见"), blank=True)

    class Meta:
        verbose_name = _("典型经验")
        verbose_name_plural = _("典型经验")
        ordering = ["-year", "-created_at", "-id"]
        indexes = [models.Index(fields=["district", "year"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("supervision:experience_detail", args=[self.pk])


class Notice(TimeStampedModel):
    """通报批评: a notice of criticism against a unit (a Party organization: every site of it) or one site. It
    carries the round policy's deduction in the evaluation of the year it was issued; a notice recorded in error
    is revoked with a reason, never deleted."""

    issued_on = models.DateField(_("通报日期"), db_index=True)
    number = models.CharField(_("文号"), max_length=100, blank=True)
    reason = models.TextField(_("通报事由"))
    organization = models.ForeignKey(
        "accounts.PartyOrganization",
        verbose_name=_("被通报单位"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("被通报示范点"),
        null=True,
        blank=True,
        related_name="notices",
        on_delete=models.PROTECT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    revoke_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("通报批评")
        verbose_name_plural = _("通报批评")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(site__isnull=False),
                name="notice_has_a_target",
            )
        ]

    def __str__(self):
        return f"{self.issued_on:%Y-%m-%d} {self.number or self.reason[:20]}"

    def get_absolute_url(self):
        return reverse("supervision:notice_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class StudyTour(TimeStampedModel):
    """观摩活动: a visit by a group to several sites in order (e.g. along a belt, seeds 000/001); the sites are told
    and show it on their pages, and participants' feedback is recorded afterwards."""

    title = models.CharField(_("活动名称"), max_length=200)
    held_on = models.DateField(_("活动日期"), db_index=True)
    participants = models.TextField(_("参加人员"))
    description = models.TextField(_("活动安排"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组织人"), null=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("观摩活动")
        verbose_name_plural = _("观摩活动")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("supervision:tour_detail", args=[self.pk])


class StudyTourStop(models.Model):
    """观摩点位: one site on a study tour's route, in order."""

    tour = models.ForeignKey(StudyTour, verbose_name=_("观摩活动"), related_name="stops", on_delete=models.CASCADE)
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("示范点"), related_name="study_stops", on_delete=models.CASCADE
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    note = models.CharField(_("观摩内容"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("观摩点位")
        verbose_name_plural = _("观摩点位")
        ordering = ["tour", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["tour", "site"], name="study_stop_once_per_tour")]

    def __str__(self):
        return f"{self.tour} · {self.order}"


class TourFeedback(models.Model):
    """观摩反馈: what a participant thought of a study tour (or of one of its sites), recorded afterwards."""

    tour = models.ForeignKey(StudyTour, verbose_name=_("观摩活动"), related_name="feedback", on_delete=models.CASCADE)
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("针对示范点"), null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    author_name = models.CharField(_("反馈人"), max_length=50)
    content = models.TextField(_("反馈意见"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("观摩反馈")
        verbose_name_plural = _("观摩反馈")
        ordering = ["tour", "created_at", "id"]

    def __str__(self):
        return f"{self.author_name}：{self.content[:20]}"


class Pairing(TimeStampedModel):
    """结对共建: a site helping another Party organization (seeds 000/001), with the pairing's aims; its yearly
    activities are PairingActivity rows."""

    site = models.ForeignKey("sites.Site", verbose_name=_("示范点"), related_name="pairings", on_delete=models.CASCADE)
    partner_organization = models.ForeignKey(
        "accounts.PartyOrganization",
        verbose_name=_("结对党组织"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    partner_name = models.CharField(_("结对对象"), max_length=200)
    aims = models.TextField(_("结对目标"))
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("结对共建")
        verbose_name_plural = _("结对共建")
        ordering = ["site", "-started_on", "id"]

    def __str__(self):
        return f"{self.partner_name}"

    def get_absolute_url(self):
        return reverse("supervision:pairing_detail", args=[self.pk])


class PairingActivity(models.Model):
    """结对活动: one activity of a pairing in a year."""

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("结对共建"), related_name="activities", on_delete=models.CASCADE
    )
    held_on = models.DateField(_("活动日期"), db_index=True)
    title = models.CharField(_("活动内容"), max_length=200)
    description = models.TextField(_("活动情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结对活动")
        verbose_name_plural = _("结对活动")
        ordering = ["pairing", "-held_on", "-id"]

    def __str__(self):
        return self.title
