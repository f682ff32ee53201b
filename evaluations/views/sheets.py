"""The scorer's phone pages: my sheets, the score sheet, sync, photos, submit, conflict, return, files.

The score sheet works offline (issue 9, point 5): static/js/scoresheet.js queues every change in IndexedDB and
sends it to `sheet_sync`; the service worker (`service_worker`, scope /evaluations/sheets/) keeps each sheet page
and its assets so that a sheet opened once online opens again with no network.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from archives.models import MaterialVersion
from archives.validation import MB, download_name, max_bytes
from core.feedback import attempt
from core.files import private_file_response
from standards.choices import ScoringKind
from standards.rules import allowed_scores
from standards.selectors import applicable_sections

from .. import rules, services
from ..choices import RoundStatus, SheetKind, SheetStatus
from ..models import SheetPhoto
from ..permissions import leads_team, may_manage_rounds, may_return, may_score
from ..selectors import (
    own_sheet,
    scorer_sheets,
    sheet_evidence,
    sheet_for,
    sheet_history,
    sheet_item_counts,
    sheet_photos,
    sheets_visible_to,
)

# A phone sends its queue in batches; a batch larger than this is refused whole (it is not a phone's).
MAX_CHANGES_PER_SYNC = 200
PHOTO_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class ReturnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("退回原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ConflictForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("回避原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=gettext_lazy("我确认与该示范点存在利益关系，申报后不再为其评分"))


def _onsite_sheet(user, pk):
    """An on-site sheet the user may open (sheet_for), or 404: a self-assessment has its own pages."""
    sheet = sheet_for(user, pk)
    if sheet.kind != SheetKind.ONSITE:
        raise Http404
    return sheet


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- my sheets --------------------------------------------------------------------------------------


@login_required
def my_sheets(request):
    """The scorer's assigned sites, by round: what is left to score, at a glance on a phone."""
    sheets = list(scorer_sheets(request.user))
    counts = sheet_item_counts(sheets)
    rounds: dict[int, dict] = {}
    for sheet in sheets:
        sheet.item_count = counts.get(sheet.pk, 0)
        sheet.percent = 100 * sheet.scored_count // sheet.item_count if sheet.item_count else 0
        sheet.total_text = _short(sheet.total)
        group = rounds.setdefault(sheet.entry.round_id, {"round": sheet.entry.round, "sheets": [], "open": 0})
        group["sheets"].append(sheet)
        if not sheet.is_locked and sheet.entry.round.status == RoundStatus.SCORING:
            group["open"] += 1
    return render(
        request,
        "evaluations/my_sheets.html",
        {"rounds": list(rounds.values()), "breadcrumbs": [(_("我的评分"), None)]},
    )


# --- the score sheet --------------------------------------------------------------------------------


@dataclass
class Row:
    """One item on the sheet, with everything its card shows."""

    item: object
    score: object  # ItemScore or None
    evidence: list = field(default_factory=list)
    photos: list = field(default_factory=list)
    options: str = ""  # points: the <option>s of the allowed scores (built here: a page may hold 60 items)
    levels: list = field(default_factory=list)  # levels: (label, score shown)
    photo_urls: list = field(default_factory=list)  # (full, thumbnail) per photo

    @property
    def is_scored(self) -> bool:
        return self.score is not None and self.score.score is not None

    @property
    def value_text(self) -> str:
        return _money_text(self.score.score) if self.is_scored else ""

    @property
    def score_text(self) -> str:
        return _short(self.score.score) if self.is_scored else ""

    @property
    def max_text(self) -> str:
        return _short(self.item.max_score)


def _money_text(value) -> str:
    return f"{Decimal(str(value)):.2f}"


def _url_maker(name: str, *args):
    """reverse() for many objects at once: the pattern is reversed once, with a marker for the object's id."""
    marker = 987654321
    head, tail = reverse(name, args=[*args, marker]).rsplit(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _options(item, current: str) -> str:
    allowed = [(value, _money_text(value)) for value in allowed_scores(item.kind, item.max_score)]
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((text, " selected" if text == current else "", _short(value)) for value, text in allowed),
    )


def _sheet_rows(sheet):
    """The sheet's sections, each with its rows, maximum and subtotal; and the JSON state the page script reads."""
    entry = sheet.entry
    scores = {score.item_id: score for score in sheet.scores.all()}
    photos = sheet_photos(sheet)
    evidence = sheet_evidence(sheet)
    evidence_url = _url_maker("evaluations:evidence_file", sheet.pk)
    for materials in evidence.values():
        for material in materials:
            material.url = evidence_url(material.latest.pk) if material.latest else ""
    photo_url, thumbnail_url = _url_maker("evaluations:photo"), _url_maker("evaluations:photo_thumbnail")
    sections, items_state = [], {}
    for section in applicable_sections(entry.round.standard, entry.site.domain):
        rows = []
        for item in section.items.all():
            score = scores.get(item.pk)
            row = Row(item=item, score=score, evidence=evidence.get(item.pk, []), photos=photos.get(item.pk, []))
            levels = []
            if item.kind == ScoringKind.POINTS:
                row.options = _options(item, row.value_text)
            elif item.kind == ScoringKind.LEVELS:
                levels = rules.level_choices(item.max_score, item.effective_levels)
                row.levels = [(label, _short(value)) for label, value in levels]
            photo_json = [_photo_json(photo, photo_url, thumbnail_url) for photo in row.photos]
            row.photo_urls = [(photo["url"], photo["thumbnail"]) for photo in photo_json]
            rows.append(row)
            items_state[str(item.pk)] = {
                "code": item.code,
                "title": item.title,
                "kind": item.kind,
                "max": _money_text(item.max_score),
                "section": section.pk,
                "levels": [[label, _money_text(value)] for label, value in levels],
                "score": None if not row.is_scored else _money_text(score.score),
                "present": score.present if score else None,
                "level": score.level if score else "",
                "remark": score.remark if score else "",
                "version": score.version if score else 0,
                "photos": photo_json,
            }
        maximum = sum((row.item.max_score for row in rows), Decimal("0"))
        subtotal = sum((row.score.score for row in rows if row.is_scored), Decimal("0"))
        sections.append(
            {
                "section": section,
                "rows": rows,
                "max": maximum,
                "max_text": _short(maximum),
                "subtotal": _short(subtotal),
                "decided": sum(1 for row in rows if row.is_scored),
            }
        )
    return sections, items_state


def _photo_json(photo, photo_url=None, thumbnail_url=None) -> dict:
    photo_url = photo_url or _url_maker("evaluations:photo")
    thumbnail_url = thumbnail_url or _url_maker("evaluations:photo_thumbnail")
    return {
        "id": photo.pk,
        "client_id": str(photo.client_id),
        "item": photo.item_id,
        "thumbnail": thumbnail_url(photo.pk),
        "url": photo_url(photo.pk),
        "captured_at": photo.captured_at.isoformat() if photo.captured_at else None,
    }


def _sheet_json(sheet) -> dict:
    return {
        "id": sheet.pk,
        "version": sheet.version,
        "total": _money_text(sheet.total),
        "scored_count": sheet.scored_count,
        "status": sheet.status,
    }


def _read_only_reason(request, sheet) -> str:
    """Why the page shows no inputs, for the one who sees it (empty when they may score)."""
    if may_score(request.user, sheet):
        return ""
    if sheet.scorer_id != request.user.pk:
        return _("您正在查看 %(name)s 的评分表，只能查看，不能修改。") % {"name": sheet.scorer.get_full_name()}
    if sheet.status == SheetStatus.SUBMITTED:
        return _("评分表已提交，不能再修改。如需修改，请联系验收组组长退回。")
    if sheet.status == SheetStatus.EXCUSED:
        return _("评分表已免评：%(reason)s") % {"reason": sheet.excuse_reason}
    if sheet.entry.round.status != RoundStatus.SCORING:
        return _("考评轮次“%(round)s”不在实地考评阶段，评分表只能查看。") % {"round": sheet.entry.round.name}
    return _("评分表只能查看。")


def _value_text(values: dict) -> str:
    """An entry as the history shows it: "4.5 分", "有", "较好（2.4 分）" or "未评分", and its remark."""
    score = values.get("score")
    if score is None:
        text = _("未评分")
    elif values.get("present") is not None:
        text = _("有") if values["present"] else _("无")
    elif values.get("level"):
        text = _("%(level)s（%(score)s 分）") % {"level": values["level"], "score": _short(score)}
    else:
        text = _("%(score)s 分") % {"score": _short(score)}
    return text


def _short(value) -> str:
    """4.50 -> "4.5", 6.00 -> "6": how the page shows points (the page script does the same)."""
    return f"{Decimal(str(value)).normalize():f}"


def _history(sheet) -> list:
    changes = list(sheet_history(sheet))
    for change in changes:
        old, new = change.old or {}, change.new or {}
        change.old_text, change.new_text = _value_text(old), _value_text(new)
        if (old.get("remark") or "") != (new.get("remark") or ""):
            change.old_text += _("；备注：%(remark)s") % {"remark": old.get("remark") or "—"}
            change.new_text += _("；备注：%(remark)s") % {"remark": new.get("remark") or "—"}
    return changes


def _page_text() -> dict:
    """What the page script says, translated here (scripts hold no user-facing text of their own)."""
    return {
        "online": _("在线"),
        "offline": _("离线"),
        "saved": _("已全部保存"),
        "pending": _("{n} 项待同步"),
        "syncing": _("正在同步…"),
        "unreachable": _("连不上服务器，稍后自动重试"),
        "login": _("登录已过期：请重新登录，未同步的修改保存在本机，登录后回到本页会自动同步。"),
        "login_link": _("重新登录"),
        "gone": _("这份评分表已不能修改或已不可见，未同步的修改列在“未保存的修改”中。"),
        "failed": _("同步失败（{status}），稍后自动重试"),
        "unscored": _("未评分"),
        "points": _("{score} 分"),
        "present": _("有"),
        "absent": _("无"),
        "remark": _("备注：{remark}"),
        "unsaved": _("{n} 项未保存"),
        "mine": _("您的修改"),
        "server": _("服务器上的值"),
        "use_mine": _("改用我的值"),
        "discard": _("放弃我的修改"),
        "dismiss": _("知道了"),
        "photo": _("现场照片"),
        "photo_pending": _("待上传"),
        "photo_type": _("只能上传 JPEG、PNG 或 WebP 格式的照片"),
        "photo_size": _("照片超过 {mb} MB"),
        "photo_refused": _("照片未上传：{message}"),
        "submit_offline": _("离线时不能提交：联网并同步后再提交。已评的分数保存在本机，不会丢失。"),
        "submit_pending": _("还有修改未同步，请稍候再提交。"),
        "submit_unscored": _("还有 {n} 项未评分或未判定，请先评完。"),
        "submit_confirm": _("确认提交？提交后不能再修改。"),
        "all_scored": _("已全部评完"),
        "storage": _("本机存储不可用：离线时的修改无法保存，请保持联网。"),
    }


@login_required
def sheet_detail(request, pk):
    """One scorer's sheet for one site: phone first, autosaved, usable offline. Only its scorer changes it;
    the team leader and staff read it (and may return it). A scorer never sees another's sheet here."""
    sheet = sheet_for(request.user, pk)
    if sheet.kind != SheetKind.ONSITE:
        return redirect(sheet.get_absolute_url())
    entry = sheet.entry
    sections, items_state = _sheet_rows(sheet)
    editable = may_score(request.user, sheet)
    is_scorer = sheet.scorer_id == request.user.pk
    history = _history(sheet) if sheet.first_submitted_at else []
    state = {
        "sheet": _sheet_json(sheet),
        "items": items_state,
        "editable": editable,
        "is_scorer": is_scorer,
        "user": request.user.pk,
        "photo_max_mb": max_bytes("jpeg") // MB,  # the page refuses larger photos before queueing them
        "text": _page_text(),
        "urls": {
            "page": reverse("evaluations:sheet", args=[sheet.pk]),
            "sync": reverse("evaluations:sheet_sync", args=[sheet.pk]),
            "photos": reverse("evaluations:sheet_photo_upload", args=[sheet.pk]),
            "worker": reverse("evaluations:service_worker"),
            "scope": reverse("evaluations:service_worker").rsplit("/", 1)[0] + "/",
        },
    }
    if is_scorer:
        crumbs = [(_("我的评分"), reverse("evaluations:my_sheets")), (entry.site.name, None)]
    else:
        crumbs = [(_("考评"), reverse("evaluations:rounds")), (str(entry.round), entry.round.get_absolute_url())]
        crumbs.append((entry.site.name, None))
    response = render(
        request,
        "evaluations/sheet_detail.html",
        {
            "sheet": sheet,
            "entry": entry,
            "site": entry.site,
            "sections": sections,
            "item_count": len(items_state),
            "max_total": _short(sum((section["max"] for section in sections), Decimal("0"))),
            "total": _short(sheet.total),
            "editable": editable,
            "is_scorer": is_scorer,
            "read_only_reason": _read_only_reason(request, sheet),
            "history": history,
            "can_return": may_return(request.user, sheet),
            # A conflict is declared while scoring, never on a sheet reopened after an objection.
            "can_declare_conflict": editable and sheet.entry.round.status == RoundStatus.SCORING,
            "return_form": ReturnForm(),
            "conflict_form": ConflictForm(),
            "state": state,
            "breadcrumbs": crumbs,
        },
    )
    # The service worker keeps only responses marked as a sheet page (never a login page or an error).
    response["X-Score-Sheet"] = str(sheet.pk)
    return response


# --- sync and photos --------------------------------------------------------------------------------


@require_POST
def sheet_sync(request, pk):
    """Apply a phone's queued changes (JSON, CSRF token in the X-CSRFToken header) and say what became of each."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("登录已过期，请重新登录（未同步的修改保存在本机）")}, status=401)
    sheet = own_sheet(request.user, pk) or _onsite_sheet(request.user, pk)  # the scorer's own: the fast, usual case
    try:
        body = json.loads(request.body or b"{}")
        changes = body["changes"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": _("同步内容格式不正确")}, status=400)
    if not isinstance(changes, list) or not all(isinstance(change, dict) for change in changes):
        return JsonResponse({"error": _("同步内容格式不正确")}, status=400)
    if len(changes) > MAX_CHANGES_PER_SYNC:
        return JsonResponse({"error": _("一次同步的修改太多")}, status=400)
    results = services.sheet_apply_changes(sheet=sheet, by=request.user, changes=changes)
    sheet.refresh_from_db(fields=["version", "total", "scored_count", "status"])
    return JsonResponse({"results": [result.as_json() for result in results], "sheet": _sheet_json(sheet)})


def _captured_at(value: str):
    """The photo's capture time as the phone reported it (the file's lastModified); none when unreadable or in
    the future (a phone's clock may be wrong, the upload time is kept anyway)."""
    moment = parse_datetime(value or "")
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment if moment <= timezone.now() + timedelta(minutes=5) else None


@require_POST
def sheet_photo_upload(request, pk):
    """A photo for an item, from the phone's camera or its queue: validated like materials, kept once per client
    id. Answers JSON to the page script; a plain form post gets a message and the sheet back."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("登录已过期，请重新登录（未上传的照片保存在本机）")}, status=401)
    sheet = _onsite_sheet(request.user, pk)
    items = {str(item.pk): item for item in services.sheet_items(sheet)}
    item = items.get(request.POST.get("item", ""))
    upload = request.FILES.get("file")
    try:
        client_id = uuid.UUID(request.POST.get("client_id") or str(uuid.uuid4()))
    except ValueError:
        client_id = None
    problem = None
    photo = None
    if item is None:
        problem = _("该评分项不在本评分表中")
    elif upload is None:
        problem = _("请选择照片")
    elif client_id is None:
        problem = _("照片编号不正确")
    else:
        try:
            photo = services.sheet_photo_add(
                sheet=sheet,
                item=item,
                upload=upload,
                by=request.user,
                client_id=client_id,
                captured_at=_captured_at(request.POST.get("captured_at", "")),
            )
        except ValidationError as error:
            problem = "；".join(error.messages)
    if _wants_json(request):
        if problem:
            return JsonResponse({"error": problem}, status=400)
        return JsonResponse({"photo": _photo_json(photo)})
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("照片已上传"))
    return redirect(sheet.get_absolute_url() + (f"#item-{item.pk}" if item else ""))


# --- submit, conflict, return -----------------------------------------------------------------------


@require_POST
@login_required
def sheet_submit(request, pk):
    sheet = _onsite_sheet(request.user, pk)
    done = attempt(
        request,
        lambda: services.sheet_submit(sheet=sheet, by=request.user),
        _("评分表已提交。提交后不能再修改，如需修改请联系验收组组长退回。"),
    )
    if _wants_json(request):
        sheet.refresh_from_db(fields=["version", "total", "scored_count", "status"])
        return JsonResponse({"ok": done, "sheet": _sheet_json(sheet)}, status=200 if done else 400)
    return redirect(sheet.get_absolute_url())


@require_POST
@login_required
def sheet_conflict(request, pk):
    """The scorer declares a conflict of interest: the sheet is excused, staff and the team leader are told."""
    sheet = _onsite_sheet(request.user, pk)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, _("申报回避：%(message)s") % {"message": message})
        return redirect(sheet.get_absolute_url() + "#conflict")
    done = attempt(
        request,
        lambda: services.sheet_declare_conflict(sheet=sheet, by=request.user, reason=form.cleaned_data["reason"]),
        _("已申报回避“%(site)s”，工作人员和组长会收到通知。") % {"site": sheet.entry.site.name},
    )
    return redirect("evaluations:my_sheets" if done else sheet.get_absolute_url())


@require_POST
@login_required
def sheet_return(request, pk):
    """The team leader (or staff) returns a submitted sheet to its scorer, with a reason."""
    sheet = _onsite_sheet(request.user, pk)
    if not (may_manage_rounds(request.user) or leads_team(request.user, sheet.entry)):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("退回须填写原因"))
        return redirect(sheet.get_absolute_url() + "#return")
    attempt(
        request,
        lambda: services.sheet_return(sheet=sheet, by=request.user, reason=form.cleaned_data["reason"]),
        _("已退回 %(name)s 的评分表，评分人会收到通知。") % {"name": sheet.scorer.get_full_name()},
    )
    return redirect(sheet.get_absolute_url())


# --- files and the service worker -------------------------------------------------------------------


@require_safe
def evidence_file(request, pk, version_pk):
    """A material file (or its thumbnail, ?thumbnail=1) of the sheet's site, for whoever may open the sheet."""
    sheet = sheet_for(request.user, pk)
    version = get_object_or_404(
        MaterialVersion.objects.select_related("material"),
        pk=version_pk,
        material__site_id=sheet.entry.site_id,
        material__deleted_at__isnull=True,
    )
    thumbnail = request.GET.get("thumbnail") == "1"
    field_file = version.thumbnail if thumbnail else version.file
    if not field_file:
        raise Http404
    inline = version.content_type.startswith(("image/", "application/pdf"))
    return private_file_response(
        field_file,
        filename=download_name(version.original_name, "jpeg" if thumbnail else version.kind),
        as_attachment=not (thumbnail or inline),
        content_type="image/jpeg" if thumbnail else version.content_type,
        fallback=f"material-{version.material_id}-v{version.number}",
    )


@require_safe
def photo_file(request, pk, thumbnail=False):
    """A scorer's photo, for whoever may open its sheet (the same blindness as the sheet)."""
    photo = get_object_or_404(SheetPhoto.objects.filter(sheet__in=sheets_visible_to(request.user)), pk=pk)
    field_file = photo.thumbnail if thumbnail else photo.file
    if not field_file:
        raise Http404
    return private_file_response(
        field_file,
        filename=f"photo-{photo.pk}.{'jpg' if thumbnail else photo.kind.replace('jpeg', 'jpg')}",
        as_attachment=False,
        content_type="image/jpeg" if thumbnail else PHOTO_TYPES.get(photo.kind, "application/octet-stream"),
        fallback=f"photo-{photo.pk}",
    )


@require_safe
@never_cache
def service_worker(request):
    """The score sheets' service worker, served under /evaluations/sheets/ so that its scope is the sheet pages
    (a worker's default scope is its own folder: no Service-Worker-Allowed header needed)."""
    script = render_to_string(
        "evaluations/sheet_sw.js",
        {
            "static_prefix": settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL,
            "photo_prefix": reverse("evaluations:photo", args=[0]).rsplit("0/", 1)[0],
        },
    )
    return HttpResponse(script, content_type="application/javascript; charset=utf-8")
