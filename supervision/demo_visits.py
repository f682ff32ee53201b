"""Demo data of guidance visits and rectification (seed_demo, via supervision.demo): the demo instructor's and
district user's visits to demo sites — the demo leader's site among them — with items open, reported (awaiting
the recorder), closed and one overdue; a few with a generated photo. Dates are relative to today. Everything goes
through the services, so the audit trail and notifications are as in real use."""

import datetime
import random
from io import BytesIO

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sites.models import Site

from . import services, visits
from .models import GuidanceVisit

FINDINGS = [
    ("党员活动室制度上墙内容陈旧，部分制度与现行规定不符", "对照最新规定更新上墙制度", "更新上墙制度"),
    ("“三会一课”记录不完整，近三个月缺少党小组会记录", "规范会议记录本，补齐记录并由书记签字", "补齐党小组会记录"),
    ("党建阵地标识不统一，门牌与指引标识缺失", "按全市统一标识规范制作门牌和指引", "规范阵地标识"),
    ("党员积分管理台账未按月公示", "每月在公开栏公示积分，留存照片", "按月公示党员积分"),
    ("示范点特色项目展示材料较少，亮点不突出", "梳理特色做法，形成图文展示材料", "完善特色展示材料"),
]


def _photo(label: str, colour) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([40, 40, 600, 380], outline=(255, 255, 255), width=6)
    draw.text((60, 60), label, fill=(255, 255, 255))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"{label}.png", buffer.getvalue(), content_type="image/png")


def seed(options, stdout):
    if GuidanceVisit.objects.exists():
        stdout.write("  visits: already seeded")
        return
    User = get_user_model()
    users = {
        user.username: user for user in User.objects.filter(username__in=["instructor", "district", "leader", "staff"])
    }
    instructor, district, leader = users.get("instructor"), users.get("district"), users.get("leader")
    staff = users.get("staff")
    if instructor is None:
        return
    today = timezone.localdate()
    rng = random.Random(11)  # noqa: S311 (demo data, not secrets)
    own = Site.objects.filter(group_members__user=leader).order_by("id").first() if leader else None
    if own is not None and not own.instructors.filter(pk=instructor.pk).exists():
        # The demo instructor guides the demo leader's site (the journey a person tries: record, report, accept),
        # in place of another of their sites, so they still guide as many.
        other = Site.objects.filter(instructors=instructor).order_by("-id").first()
        if other is not None:
            other.instructors.remove(instructor)
        own.instructors.add(instructor)
    count = 0

    def visit(site, by, days_ago, picks, photos=0):
        nonlocal count
        visited_on = today - datetime.timedelta(days=days_ago)
        findings = "；".join(FINDINGS[i][0] for i, _due in picks)
        suggestions = "；".join(FINDINGS[i][1] for i, _due in picks)
        items = [
            {
                "title": FINDINGS[i][2],
                "detail": FINDINGS[i][1],
                "due_on": visited_on + datetime.timedelta(days=due),
                "responsible": rng.choice(["支部书记", "组织委员", "宣传委员"]),
            }
            for i, due in picks
        ]
        colours = [(200, 22, 29), (212, 160, 23), (60, 90, 140)]
        record = visits.visit_record(
            site=site,
            by=by,
            visited_on=visited_on,
            participants=f"{by.full_name}、{site.secretary_name or '支部书记'}",
            findings=findings or "整体情况良好",
            suggestions=suggestions,
            photos=[_photo(f"visit-{count}-{n}", colours[n % 3]) for n in range(photos)],
            items=items,
        )
        count += 1
        return list(record.rectifications.order_by("id"))

    if own is not None:
        # the leader's site: one open, one reported awaiting the instructor, one overdue; an older closed one
        _open, reported, _overdue = visit(own, instructor, 20, [(0, 30), (1, 15), (2, 17)], photos=2)
        site_person = leader
        services.rectification_report(
            rectification=reported, by=site_person, note="已补齐近三个月党小组会记录，书记已签字。", files=[]
        )
        if district is not None:
            [done] = visit(own, district, 75, [(3, 30)], photos=1)
            services.rectification_report(
                rectification=done,
                by=site_person,
                note="已在公开栏按月公示积分，附照片。",
                files=[_photo("公示栏", (40, 120, 60))],
            )
            services.rectification_accept(rectification=done, by=district)
    others = list(Site.objects.filter(instructors=instructor).exclude(pk=getattr(own, "pk", None))[:4])
    for n, site in enumerate(others):
        items = visit(site, instructor, 10 + 12 * n, [(4, 30 + 12 * n), (n % 4, 60)], photos=n % 2)
        if n == 0 and staff is not None:
            services.rectification_close(rectification=items[0], by=staff, note="现场核实已整改到位。")
    if district is not None and district.region_id:
        nearby = (
            Site.objects.filter(region__path__startswith=district.region.path)
            .exclude(pk=getattr(own, "pk", None))
            .order_by("id")[:2]
        )
        for n, site in enumerate(nearby):
            visit(site, district, 5 + 20 * n, [(n + 1, 25 - 20 * n)])  # the second falls overdue
    stdout.write(f"  visits: {count} guidance visits with rectification items")
