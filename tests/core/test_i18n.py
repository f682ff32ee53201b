"""The interface is Chinese by default and English with ?lang=en, remembered in a cookie."""


def test_chinese_by_default(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in html
    assert "示范点创建管理系统" in html and "登录" in html


def test_lang_parameter_switches_to_english_and_is_remembered(client, db):
    html = client.get("/accounts/login/?lang=en").content.decode()
    assert 'lang="en"' in html
    assert "Demonstration Site Management System" in html
    assert "Log in" in html
    # The cookie keeps the choice for the next page.
    again = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in again


def test_switching_back_to_chinese(client, db):
    client.get("/accounts/login/?lang=en")
    html = client.get("/accounts/login/?lang=zh-hans").content.decode()
    assert 'lang="zh-hans"' in html and "登录" in html


def test_unknown_language_is_ignored(client, db):
    html = client.get("/accounts/login/?lang=xx").content.decode()
    assert 'lang="zh-hans"' in html


def test_home_in_english_for_a_logged_in_user(client, cast):
    client.force_login(cast.staff)
    html = client.get("/?lang=en").content.decode()
    assert "Party organizations" in html
    assert "Change password" in html


def test_browser_language_does_not_override_chinese(client, db):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html and "登录" in html


def test_english_catalogue_is_complete():
    """Every string marked for translation has its English text (a missing one would show Chinese)."""
    import re
    from pathlib import Path

    catalogue = (Path(__file__).resolve().parents[2] / "locale/en/LC_MESSAGES/django.po").read_text("utf-8")
    entries = catalogue.split("\n\n")[1:]  # the first entry is the header
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', e, re.M)]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == [] and fuzzy == []


def test_lockout_message_in_english(client, db, settings):
    from tests.factories import UserFactory

    UserFactory(username="lily")
    client.get("/accounts/login/?lang=en")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "lily", "password": "wrong"})
    assert "Try again in 15 minutes" in response.content.decode()


def test_blank_choice_of_a_model_form_select_is_chinese(db):
    """Django 6.1's “- Select an option -” has no Simplified Chinese in Django's own catalogue: ours has it."""
    from django.forms import modelform_factory
    from django.utils import translation

    from archives.models import Material

    form_class = modelform_factory(Material, fields=["category"])
    with translation.override("zh-hans"):
        html = str(form_class()["category"])
    assert '<option value="" selected>请选择…</option>' in html and "Select an option" not in html
    with translation.override("en"):
        assert "- Select an option -" in str(form_class()["category"])


def test_chinese_catalogue_is_compiled():
    """locale/zh_Hans holds only what Django's catalogue lacks; its .mo must match its .po."""
    import gettext
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES"
    catalogue = gettext.GNUTranslations((folder / "django.mo").open("rb"))
    entries = (folder / "django.po").read_text("utf-8").split("\n\n")[1:]
    assert entries
    for entry in entries:
        msgid = re.search(r'^msgid "(.*)"$', entry, re.M).group(1)
        context = re.search(r'^msgctxt "(.*)"$', entry, re.M)
        translated = re.search(r'^msgstr(?:\[0\])? "(.*)"$', entry, re.M).group(1)
        if context:
            assert catalogue.pgettext(context.group(1), msgid) == translated
        elif "msgid_plural" in entry:
            assert catalogue.ngettext(msgid, "", 1) == translated
        else:
            assert catalogue.gettext(msgid.replace('\\"', '"')) == translated.replace('\\"', '"')
