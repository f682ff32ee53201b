"""The Markdown subset for texts staff write: safe, with paragraphs, bold and lists."""

from core.templatetags.core_tags import simple_markdown


def test_plain_text_becomes_a_paragraph_with_line_breaks():
    assert simple_markdown("第一行\n第二行") == "<p>第一行<br>第二行</p>"


def test_bold_and_lists():
    html = simple_markdown("得分标准：\n- **班子**健全得2分\n- 书记履职得2分\n\n1. 先看台账\n2. 再看现场")
    assert html == (
        "<p>得分标准：</p><ul><li><strong>班子</strong>健全得2分</li><li>书记履职得2分</li></ul>"
        "<ol><li>先看台账</li><li>再看现场</li></ol>"
    )


def test_html_is_escaped():
    html = simple_markdown('<script>alert(1)</script> **<img src=x onerror="y">**')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_empty():
    assert simple_markdown("") == "" and simple_markdown(None) == ""
