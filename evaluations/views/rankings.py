"""Downloads of a closed round: the ranking workbook (排名表) and the plaque certificates (授牌证书).

The workbook: staff, administrators and city-wide leaders (viewers), once scoring is closed. A round of up to
rankings.STREAM_LIMIT sites is written on request and streamed; a larger one is built by a background job whose
progress the page polls (htmx), then downloaded. The certificates: staff and administrators, once the round is
finalized, one PDF per newly named site and one for the whole batch. Anyone else, and any round before that,
gets a 404.
"""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import DataScope
from accounts.permissions import is_administrator
from core.files import content_disposition, private_file_response
from core.http import is_htmx

from .. import rankings, result_store, selectors
from ..certificates import certificate_pdf
from ..models import RankingExport, Round, RoundSite
from ..permissions import may_manage_rounds


def may_download_rankings(user) -> bool:
    """Staff, administrators and city-wide readers (leaders) — the roles that see every site's result."""
    if may_manage_rounds(user) or is_administrator(user):
        return True
    return user.is_authenticated and user.scope == DataScope.CITY and user.has_perm("evaluations.view_round")


def may_download_certificates(user) -> bool:
    return may_manage_rounds(user) or is_administrator(user)


def _closed_round(request, pk) -> Round:
    round_ = selectors.round_for(request.user, pk)
    if not (round_.is_closed and may_download_rankings(request.user)):
        raise Http404
    return round_


def _finalization(request, round_: Round):
    """The round's finalization in force, with a batch, for staff and administrators; else 404."""
    if not may_download_certificates(request.user):
        raise Http404
    finalization = rankings.finalization_in_force(round_)
    if finalization is None or finalization.batch is None:
        raise Http404
    return finalization


@require_GET
@login_required
def rankings_page(request, pk):
    """The round's downloads: the ranking workbook and, once finalized, the certificates."""
    round_ = _closed_round(request, pk)
    large = rankings.is_large(round_)
    export = round_.ranking_exports.first() if large else None
    finalization = None
    named = []
    if may_download_certificates(request.user):
        finalization = rankings.finalization_in_force(round_)
        if finalization is not None and finalization.batch is not None:
            named = [
                {**line, "number": rankings.certificate_number(finalization.batch.named_on, n)}
                for n, line in enumerate(rankings.named_lines(finalization), start=1)
            ]
    return render(
        request,
        "evaluations/rankings.html",
        {
            "round": round_,
            "large": large,
            "limit": rankings.STREAM_LIMIT,
            "export": _with_changes(export),
            "finalization": finalization,
            "named": named,
            "may_certificates": may_download_certificates(request.user),
            "breadcrumbs": [
                (_("考评"), reverse("evaluations:rounds")),
                (str(round_), round_.get_absolute_url()),
                (_("排名表和证书"), None),
            ],
        },
    )


def _with_changes(export):
    """Mark a finished workbook whose results' inputs have changed since it was built (`export.stale`)."""
    if export is not None and export.status == RankingExport.Status.DONE:
        export.stale = export.fingerprint != result_store.current_state(export.round).fingerprint
    return export


@require_GET
@login_required
def rankings_download(request, pk):
    """The workbook, written now and streamed from a temporary file; a large round's is built in the background
    (rankings_build), so this sends the user to the page that builds it."""
    round_ = _closed_round(request, pk)
    if rankings.is_large(round_):
        messages.info(request, _("本轮参评示范点较多，排名表在后台生成，完成后可在本页下载。"))
        return redirect("evaluations:rankings", pk=round_.pk)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    rankings.save_rankings(round_, handle)
    handle.seek(0)
    response = FileResponse(handle, content_type=rankings.XLSX)
    response["Content-Disposition"] = content_disposition(
        rankings.file_name(round_), as_attachment=True, fallback=f"round-{round_.pk}-rankings"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def rankings_build(request, pk):
    round_ = _closed_round(request, pk)
    export = rankings.export_request(round_=round_, by=request.user)
    if is_htmx(request):
        return render(request, "evaluations/_ranking_export.html", {"export": _with_changes(export), "round": round_})
    messages.success(request, _("排名表正在生成，完成后可在本页下载。"))
    return redirect("evaluations:rankings", pk=round_.pk)


def _export(request, export_pk, **filters) -> RankingExport:
    export = get_object_or_404(RankingExport.objects.select_related("round").filter(**filters), pk=export_pk)
    _closed_round(request, export.round_id)
    return export


@require_GET
@login_required
def rankings_status(request, export_pk):
    """The job's fragment, polled by the page while the workbook is built."""
    export = _export(request, export_pk)
    return render(request, "evaluations/_ranking_export.html", {"export": _with_changes(export), "round": export.round})


@require_GET
@login_required
def rankings_file(request, export_pk):
    export = _export(request, export_pk, status=RankingExport.Status.DONE)
    if not export.file:
        raise Http404
    return private_file_response(
        export.file,
        filename=f"{export.round.name}-排名表-{export.finished_at:%Y%m%d}.xlsx",
        content_type=rankings.XLSX,
        fallback=f"round-{export.round_id}-rankings",
    )


def _pdf(data: bytes, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename, as_attachment=False, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def entry_certificate(request, pk):
    """The certificate of one site the round's finalization named."""
    entry = get_object_or_404(RoundSite.objects.only("id", "round_id"), pk=pk)
    round_ = selectors.round_for(request.user, entry.round_id)
    finalization = _finalization(request, round_)
    facts = rankings.certificate_facts(finalization, entry_id=entry.pk)
    if not facts:
        raise Http404
    return _pdf(
        certificate_pdf(facts),
        f"{facts[0].site_name}-授牌证书.pdf",
        fallback=f"certificate-{facts[0].number}",
    )


@require_GET
@login_required
def round_certificates(request, pk):
    """Every certificate of the round's batch in one PDF, one page per site, in the batch's order."""
    round_ = selectors.round_for(request.user, pk)
    finalization = _finalization(request, round_)
    facts = rankings.certificate_facts(finalization)
    if not facts:
        raise Http404
    title = f"{finalization.batch.name}授牌证书"
    return _pdf(certificate_pdf(facts, title=title), f"{title}.pdf", fallback=f"round-{round_.pk}-certificates")
