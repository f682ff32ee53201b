"""The site list's Excel export against openpyxl's write-only mode writing the same rows from memory.

Ours is the export's writer, found by name (WRITERS, first that exists): a function taking the sites' queryset
and a binary file (`write(queryset, handle)`), or, failing that, the response builder the view calls
(`sites_response(queryset)`, whose streamed file is read to the end). Neither there: status "missing".

Raw is openpyxl's write-only mode, no styles, given the same header and rows (the same values, read once into
a list before the timing). The two alternate (which goes first too), so the machine's noise cancels; then one
more run of ours measures memory: tracemalloc's peak over the run and the process's maximum resident set size
before and after.
"""

import inspect
import resource
import tempfile
import tracemalloc

import common

WRITERS = ("sites.exports.write_site_list", "sites.exports.write_sites", "sites.exports.write_list")
RESPONSE = "sites.exports.sites_response"


def _find(path: str):
    from django.utils.module_loading import import_string

    try:
        return import_string(path)
    except ImportError:
        return None


def ours_function():
    """(how it is called, a function writing the export of a queryset to a binary file) or (None, None)."""
    for path in WRITERS:
        function = _find(path)
        if function is not None and len(inspect.signature(function).parameters) >= 2:
            return path, function
    response = _find(RESPONSE)
    if response is None:
        return None, None

    def through_response(queryset, handle):
        answer = response(queryset)
        for chunk in answer.streaming_content if answer.streaming else [answer.content]:
            handle.write(chunk)
        answer.close()

    return RESPONSE, through_response


def export_queryset(user):
    """What the export view exports for `user` with no filter: every site they see."""
    filtered = _find("sites.exports.filtered_sites")
    if filtered is not None:  # the view's own path (issue 12)
        return filtered(user, "")
    from django.test import RequestFactory

    from sites.filters import SiteFilter
    from sites.selectors import site_list_queryset

    request = RequestFactory().get("/sites/export.xlsx")
    request.user = user
    return SiteFilter({}, queryset=site_list_queryset(user), request=request).qs.prefetch_related("instructors")


def raw_rows(queryset) -> tuple[list, list]:
    """The export's header and rows as plain values in memory, read with the same values the export writes."""
    from accounts.choices import Domain
    from accounts.models import Region
    from sites.choices import SiteLevel, SiteState
    from sites.exports import LIST_COLUMNS

    districts = {str(pk): name for pk, name in Region.objects.filter(depth=1).values_list("pk", "name")}
    rows = []
    for site in queryset.prefetch_related("instructors").iterator(chunk_size=2000):
        district_id = site.region.path.strip("/").split("/")[1] if site.region.depth >= 1 else ""
        rows.append(
            [
                site.name,
                site.code,
                site.organization.name,
                str(Domain(site.domain).label),
                districts.get(district_id, ""),
                str(site.region),
                str(SiteLevel(site.level).label),
                site.nomination_year,
                str(SiteState(site.state).label),
                site.batch.name if site.batch else "",
                site.brand_name,
                site.secretary_name,
                site.contact_phone,
                "、".join(user.get_full_name() for user in site.instructors.all()),
            ]
        )
    return [label for label, _width in LIST_COLUMNS], rows


def write_raw(header, rows, handle) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("示范点")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(handle)


def measure(user, *, repeat: int) -> dict:
    """Ours against raw, alternately, and ours' memory; a dict of figures (see run.py's targets)."""
    how, function = ours_function()
    ours, raw = common.Result("site export: ours"), common.Result("site export: raw openpyxl write-only")
    if function is None:
        ours.status = "missing"
        return {"how": None, "rows": 0, "results": [ours, raw], "speed": None, "peak_mb": None, "rss_mb": None}
    queryset = export_queryset(user)
    header, rows = raw_rows(queryset)

    def run_ours():
        with tempfile.TemporaryFile() as handle:
            function(export_queryset(user), handle)

    def run_raw():
        with tempfile.TemporaryFile() as handle:
            write_raw(header, rows, handle)

    try:
        run_ours()
    except Exception as error:
        ours.status = f"error: {type(error).__name__}: {error}"[:120]
        return {"how": how, "rows": len(rows), "results": [ours, raw], "speed": None, "peak_mb": None, "rss_mb": None}
    for index in range(repeat):
        pair = ((run_ours, ours), (run_raw, raw)) if index % 2 == 0 else ((run_raw, raw), (run_ours, ours))
        for function_, result in pair:
            common.timed(function_, result)
    rows.clear()  # the raw rows are not part of ours' memory
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    run_ours()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    speed = raw.p50 / ours.p50 if ours.p50 else None
    count = queryset.count()
    return {
        "how": how,
        "rows": count,
        "results": [ours, raw],
        "speed": speed,
        "rows_per_second": {"ours": count / ours.p50, "raw": count / raw.p50},
        "peak_mb": (peak - start) / 2**20,
        "rss_mb": (rss_after - rss_before) / 1024,
    }
