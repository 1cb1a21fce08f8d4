"""The feedback page's maths: every formula of the released notebooks becomes MathML, with no script.

The pages themselves, made by a real ``nbgrader generate_feedback``, are
checked in ``test_pipeline.py`` (on the demo cycle it already runs).
"""

import html
import re

import pytest
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from grading_tests.course.handins import ASSIGNMENT, read
from grading_tests.nbgrader_plugin.feedback_exporter import MathMLRenderer
from grading_tests.nbgrader_plugin.safe_html import markdown_to_html
from nbgrader_attacks import harness

RELEASE = sorted((harness.REPO / "release" / ASSIGNMENT).glob("*.ipynb"))


class _Formulas(IPythonRenderer):
    """nbconvert's own parse of the maths (what MathJax would typeset): the formulas, in order."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.found = []

    def block_math(self, body):
        self.found.append(body)
        return ""

    def inline_math(self, body):
        self.found.append(body)
        return ""

    def latex_environment(self, name, body):
        self.found.append(name)
        return ""


def _markdown(path):
    return [cell.source for cell in read(path).cells if cell.cell_type == "markdown"]


def _text_outside_math(rendered):
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<math\b.*?</math>", "", rendered, flags=re.S)))


@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.stem)
def test_every_formula_of_the_notebooks_becomes_mathml(path):
    formulas = rendered = 0
    for source in _markdown(path):
        parse = _Formulas(escape=False)
        MarkdownWithMath(renderer=parse).render(source)
        out = MarkdownWithMath(renderer=MathMLRenderer(escape=False)).render(source)
        formulas += len(parse.found)
        rendered += len(re.findall(r"<math\b", out))
        # The sanitizer every page goes through keeps each formula, as it was.
        mathml = re.compile(r"<((?:m[a-z]+|none)\b[^>/]*)")
        assert [t.strip() for t in mathml.findall(markdown_to_html(source))] == [t.strip() for t in mathml.findall(out)], source[:300]
        assert 'class="tex"' not in out, f"latex2mathml could not convert a formula of:\n{source[:300]}"
        left = _text_outside_math(out)
        # No TeX left for a script to typeset: no $, no \( \[ \begin, no TeX command.
        assert not re.search(r"\$|\\[(\[]|\\begin|\\[a-zA-Z]{2,}", left), (path.name, left[:300])
    assert formulas > 0 and rendered == formulas, (path.name, formulas, rendered)


def test_a_formula_latex2mathml_cannot_read_stays_readable_tex():
    out = MarkdownWithMath(renderer=MathMLRenderer(escape=False)).render(r"Voir $\frac{1}{$ ici.")
    assert "<math" not in out and "$" not in out
    assert '<code class="tex">' in out and r"\frac{1}{" in html.unescape(out)
