"""Objections (异议): a site leader objects to their own site's published result during the period, with files
validated by content and served only to staff and that site's leaders; staff answer each, with a reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEntry, Notification
from evaluations.models import Objection, ObjectionFile, Publication
from evaluations.publication import objection_answer, objection_lodge
from sites.models import CreationGroupMember
from tests.archives.samples import pdf_bytes
from tests.evaluations.publishing import build_published, end_period
from tests.factories import UserFactory


@pytest.fixture
def published(cast, city):
    return build_published(cast, city)


def _pdf(name="说明.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def test_a_leader_objects_to_their_own_site_with_files(published, cast):
    objection = objection_lodge(entry=published.entry_a, by=cast.leader, text="SY-01 评分偏低", files=[_pdf()])

    assert objection.status == "open" and objection.publication == published.round.publications.get()
    attached = objection.files.get()
    assert (attached.kind, attached.original_name) == ("pdf", "说明.pdf")
    assert attached.file.read().startswith(b"%PDF")
    assert Notification.objects.filter(recipient=cast.staff, title__contains="提出异议").exists()
    assert AuditEntry.objects.filter(action="objection_lodge").count() == 1


def test_objection_files_are_validated_by_content(published, cast):
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        objection_lodge(entry=published.entry_a, by=cast.leader, text="有异议", files=[fake])
    assert "证明.pdf" in str(refused.value) and "不支持的文件类型" in str(refused.value)
    assert not Objection.objects.exists() and not ObjectionFile.objects.exists()
    with pytest.raises(ValidationError, match="最多上传 5 个"):
        objection_lodge(entry=published.entry_a, by=cast.leader, text="有异议", files=[_pdf() for _ in range(6)])


def test_only_the_sites_leader_objects_and_only_during_the_period(published, cast):
    with pytest.raises(ValidationError, match="负责人"):
        objection_lodge(entry=published.entry_b, by=cast.leader, text="替别人提")  # not their site
    with pytest.raises(ValidationError, match="负责人"):
        objection_lodge(entry=published.entry_a, by=cast.staff, text="工作人员不提异议")
    with pytest.raises(ValidationError, match="异议内容"):
        objection_lodge(entry=published.entry_a, by=cast.leader, text="  ")
    end_period(published.round)
    with pytest.raises(ValidationError, match="公示期已结束"):
        objection_lodge(entry=published.entry_a, by=cast.leader, text="晚了")


def test_no_objection_before_publication(scored, cast):
    with pytest.raises(ValidationError, match="不在公示期"):
        objection_lodge(entry=scored.entry_a, by=cast.leader, text="还没公示")


def test_staff_answer_with_a_reason_and_the_objector_is_told(published, cast):
    objection = objection_lodge(entry=published.entry_a, by=cast.leader, text="SY-01 评分偏低")
    with pytest.raises(ValidationError, match="答复意见"):
        objection_answer(objection=objection, by=cast.staff, upheld=False, answer=" ")
    with pytest.raises(ValidationError, match="工作人员"):
        objection_answer(objection=objection, by=cast.leader, upheld=True, answer="我同意")

    objection_answer(objection=objection, by=cast.staff, upheld=False, answer="经复核，评分依据充分")

    objection.refresh_from_db()
    assert (objection.status, objection.answer, objection.answered_by) == (
        "rejected",
        "经复核，评分依据充分",
        cast.staff,
    )
    told = Notification.objects.get(recipient=cast.leader, title__contains="异议已答复")
    assert "异议不成立" in told.title and told.body == "经复核，评分依据充分"
    with pytest.raises(ValidationError, match="已答复"):
        objection_answer(objection=objection, by=cast.staff, upheld=True, answer="改主意")


# --- pages ------------------------------------------------------------------------------------------------


def test_the_leader_lodges_through_the_form_and_another_leader_gets_404(client, published, cast, city):
    address = reverse("evaluations:objection_create", args=[published.entry_a.pk])
    client.force_login(cast.leader)
    page = client.get(address).content.decode()
    assert "提交异议" in page and "8.90" in page
    response = client.post(address, {"text": "第 1 项评分偏低", "files": [_pdf("a.pdf"), _pdf("b.pdf")]})
    objection = Objection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("evaluations:objection", args=[objection.pk])
    assert objection.files.count() == 2

    other = UserFactory(username="t-leader-b", organization=city.org_a_town, roles=["leader"])
    CreationGroupMember.objects.create(site=published.site_b, name="乙负责人", user=other)
    client.force_login(other)
    assert client.get(address).status_code == 404  # site A is not theirs
    assert client.get(reverse("evaluations:objection", args=[objection.pk])).status_code == 404
    assert client.get(reverse("evaluations:objection_create", args=[published.entry_b.pk])).status_code == 200


def test_the_form_refuses_a_disguised_file(client, published, cast):
    client.force_login(cast.leader)
    fake = SimpleUploadedFile("证明.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post(
        reverse("evaluations:objection_create", args=[published.entry_a.pk]), {"text": "有异议", "files": [fake]}
    )
    assert response.status_code == 200 and "不支持的文件类型" in response.content.decode()
    assert not Objection.objects.exists()


def test_objection_files_are_served_only_to_staff_and_the_sites_leaders(client, published, cast):
    objection = objection_lodge(entry=published.entry_a, by=cast.leader, text="有异议", files=[_pdf()])
    address = reverse("evaluations:objection_file", args=[objection.files.get().pk])
    for user in (cast.staff, cast.admin, cast.leader):
        client.force_login(user)
        response = client.get(address)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf" and response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for user in (cast.viewer, cast.district, cast.scorer, cast.teamlead, cast.outsider, cast.nobody):
        client.force_login(user)
        assert client.get(address).status_code == 404, user


def test_staff_answer_on_the_objection_page_and_find_the_correction_paths(client, published, cast):
    objection = objection_lodge(entry=published.entry_a, by=cast.leader, text="SY-01 评分偏低")
    address = reverse("evaluations:objection", args=[objection.pk])
    client.force_login(cast.staff)
    page = client.get(address).content.decode()
    assert "提交答复" in page and reverse("evaluations:sheet_reopen", args=[published.sheet.pk]) in page
    response = client.post(address, {"upheld": "1", "answer": "异议成立，重新打开评分表更正"})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == "upheld"

    reopen = reverse("evaluations:sheet_reopen", args=[published.sheet.pk])
    response = client.post(reopen, {"reason": "异议成立", "next": address})
    assert response.status_code == 302 and response["Location"] == address
    published.sheet.refresh_from_db()
    assert published.sheet.status == "in_progress"

    client.force_login(cast.leader)  # the objector reads the answer, cannot answer
    page = client.get(address).content.decode()
    assert "异议成立，重新打开评分表更正" in page and "提交答复" not in page
    assert client.post(address, {"upheld": "0", "answer": "x"}).status_code == 403
    assert client.get(reopen).status_code in (403, 404)


def test_the_objection_list_for_staff_and_for_the_leader(client, published, cast):
    objection_lodge(entry=published.entry_a, by=cast.leader, text="甲村的异议")
    address = reverse("evaluations:objections", args=[published.round.pk])
    client.force_login(cast.staff)
    page = client.get(address).content.decode()
    assert "甲村的异议" in page and "1 条待答复" in page
    client.force_login(cast.leader)
    assert "甲村的异议" in client.get(address).content.decode()
    client.force_login(cast.viewer)
    assert client.get(address).status_code == 403


def test_the_published_list_offers_the_objection_only_during_the_period(client, published, cast):
    client.force_login(cast.leader)
    address = reverse("evaluations:published", args=[published.round.pk])
    create = reverse("evaluations:objection_create", args=[published.entry_a.pk])
    assert create in client.get(address).content.decode()
    Publication.objects.filter(round=published.round).update(
        starts_on=published.round.publications.get().starts_on - timedelta(days=10),
        ends_on=published.round.publications.get().starts_on - timedelta(days=6),
    )
    assert create not in client.get(address).content.decode()
    assert "公示期已结束" in client.get(create).content.decode()


def test_a_reopened_sheet_offers_no_conflict_declaration(client, published, cast):
    from evaluations.publication import sheet_reopen

    sheet_reopen(sheet=published.sheet, by=cast.staff, reason="异议成立：SY-01 复核")
    client.force_login(published.sheet.scorer)
    page = client.get(reverse("evaluations:sheet", args=[published.sheet.pk])).content.decode()
    assert "异议成立：SY-01 复核" in page
    assert reverse("evaluations:sheet_conflict", args=[published.sheet.pk]) not in page


def test_a_reopened_paper_sheet_is_keyed_in_from_the_entry_page(client, published, cast):
    from evaluations.models import ScoreSheet
    from evaluations.publication import sheet_reopen

    ScoreSheet.objects.filter(pk=published.sheet.pk).update(source="keyed", keyed_by=cast.staff)
    key_in = reverse("evaluations:sheet_key_in", args=[published.sheet.pk])
    client.force_login(cast.staff)
    entry_page = reverse("evaluations:entry", args=[published.entry_a.pk])
    assert key_in not in client.get(entry_page).content.decode()  # submitted: nothing to key in
    sheet_reopen(sheet=published.sheet, by=cast.staff, reason="异议成立：纸质评分表录入有误")
    assert key_in in client.get(entry_page).content.decode()
    assert client.get(key_in).status_code == 200


def test_finalizing_counts_each_open_objection(published, cast):
    from evaluations.finalization import finalization_plan

    end_period(published.round)
    for text in ("第一条异议", "第二条异议"):
        Objection.objects.create(
            entry=published.entry_a,
            publication=Publication.objects.get(round=published.round),
            text=text,
            lodged_by=cast.leader,
        )
    assert "还有 2 条异议未答复" in finalization_plan(published.round).problems
