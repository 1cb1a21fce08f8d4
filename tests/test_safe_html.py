"""The one sanitizer of student HTML (grading_tests.nbgrader_plugin.safe_html), without a browser.

The browser tests (tests/browser/test_hostile_pages.py) show that no
vector runs in a real page; these check, fast, what the allow-list keeps
and drops, on the same payloads.
"""

import re

import nbformat
import pytest

from grading_tests.nbgrader_plugin.safe_html import DROPPED_NOTE, clean_html, clean_output, markdown_to_html
from grading_tests.nbgrader_plugin.safe_outputs import SafeOutputs
from browser import payloads

PORT = 9
ACTIVE = re.compile(r"<(script|style|iframe|object|embed|svg|form|input|button|textarea|link|meta|base)\b|\son[a-z]+\s*=|javascript:|\sstyle\s*=|\sid\s*=", re.I)


@pytest.mark.parametrize("vector, html", sorted(dict(payloads.html_vectors("ra", PORT), **{"ra-mxss": payloads.html_payload("ra-mxss", "mxss", PORT)}).items()))
def test_no_payload_keeps_anything_active(vector, html):
    for cleaned in (clean_html(html), markdown_to_html(html)):
        assert not ACTIVE.search(cleaned), (vector, cleaned)
        assert "eval(" not in cleaned, (vector, cleaned)


def test_links_keep_only_safe_schemes_and_classes_only_highlighting():
    links = "".join(markdown for _, markdown in payloads.click_links(PORT, "x", "a").values())
    cleaned = clean_html(links + '<a href="https://example.org/">ok</a><a href="#partie-1">ancre</a>')
    assert re.findall(r'href="([^"]*)"', cleaned) == ["https://example.org/", "#partie-1"]
    spoof = clean_html(payloads.spoof())
    assert payloads.SPOOF_TEXT in spoof and "class" not in spoof and "<style" not in spoof
    assert clean_html('<span class="k btn hidden">x</span>') == '<span class="k">x</span>'


def test_maths_tables_and_images_survive():
    md = markdown_to_html(r"Le gradient $\frac{\partial L}{\partial W}$ et $$\sigma(z)$$" + "\n\n" + payloads.TABLE_MARKDOWN)
    assert md.count("<math") == 2 and "<mfrac>" in md and "<table>" in md
    png = '<img src="data:image/png;base64,iVBORw0KGgo=" width="10">'
    assert clean_html(png) == png
    assert "src" not in clean_html('<img src="https://example.org/pixel.png">')
    assert clean_html(payloads.TABLE_HTML).startswith('<table class="dataframe" border="1">')


def test_outputs_lose_scripts_and_widgets_with_a_note():
    js = clean_output({"output_type": "display_data", "data": {"application/javascript": "alert(1)"}, "metadata": {}})
    assert js["data"] == {"text/plain": DROPPED_NOTE.format(types="application/javascript")}
    widget = clean_output(
        {
            "output_type": "display_data",
            "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/html": '<b onclick="x()">w</b>'},
            "metadata": {"text/html": {"isolated": True}, "image/png": {"width": 10}},
        }
    )
    assert widget["data"] == {"text/html": "<b>w</b>", "text/plain": DROPPED_NOTE.format(types="application/vnd.jupyter.widget-view+json")}
    assert widget["metadata"] == {}
    md = clean_output({"output_type": "execute_result", "data": {"text/markdown": "**a** <svg onload=x()>"}, "metadata": {}, "execution_count": 1})
    assert md["data"] == {"text/html": "<p><strong>a</strong> </p>\n"}
    stream = {"output_type": "stream", "name": "stdout", "text": "<script>x</script>"}
    assert clean_output(stream) == stream  # text, escaped wherever it is shown


def test_safe_outputs_cleans_every_code_cell_and_keeps_a_valid_notebook():
    nb = nbformat.v4.new_notebook()
    for names, source in payloads.code_cells(PORT)[:2]:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": payloads.html_payload(n, n.split("-", 1)[1], PORT)}) for n in names]
        nb.cells.append(cell)
    nb, _ = SafeOutputs().preprocess(nb, {})
    nbformat.validate(nb)
    for cell in nb.cells:
        for output in cell.outputs:
            assert not ACTIVE.search(output.data["text/html"]), output
