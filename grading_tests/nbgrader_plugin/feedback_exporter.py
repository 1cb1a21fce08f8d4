"""The feedback page's HTML: nbgrader's page in French, with its maths as MathML (no script, no network)."""

from __future__ import annotations

import html
from pathlib import Path

import nbgrader
from jinja2 import pass_context
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from traitlets.config import Config

__all__ = ["TEMPLATE_NAME", "TEMPLATES", "FeedbackExporter", "MathMLRenderer"]

TEMPLATE_NAME = "feedback_cours"
TEMPLATES = Path(__file__).with_name("templates")
_MATHML = "http://www.w3.org/1998/Math/MathML"
_NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with each formula written as MathML.

    nbconvert's parser finds the maths (``$…$``, ``$$…$$``, ``\\(…\\)``,
    ``\\[…\\]``, ``\\begin{…}…\\end{…}``) exactly as for MathJax; its renderer
    leaves it as TeX for MathJax to typeset in the browser, from a CDN. Here
    latex2mathml turns it into MathML, which browsers draw with no script. A
    formula it cannot convert stays as TeX in a ``<code>`` (never raw ``$``),
    so a page always renders.
    """

    def _math(self, tex, display):
        try:
            mathml = latex_to_mathml(tex, display=display)
        except Exception:  # latex2mathml raises many kinds on TeX it does not know
            return f'<code class="tex">{html.escape(tex)}</code>'
        # HTML puts <math> in the MathML namespace by itself. Declared, the
        # namespace becomes "ns0:math" when nbconvert rewrites a heading to
        # add its anchor (ElementTree), and the browser no longer draws it.
        return mathml.replace(f' xmlns="{_MATHML}"', "", 1)

    def block_math(self, body):
        return self._math(body, "block")

    def inline_math(self, body):
        return self._math(body, "inline")

    def latex_environment(self, name, body):
        return self._math(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


class FeedbackExporter(HTMLExporter):
    """HTMLExporter for ``nbgrader generate_feedback``: the course's template, maths as MathML.

    The template (``templates/feedback_cours``) extends nbgrader's feedback
    page; it reads ``resources["feedback_page"]`` (:class:`.FeedbackSummary`).
    nbgrader configures ``HTMLExporter.template_name = "feedback"`` for every
    HTML exporter, so this class sets its own template in its own config
    section, which comes before its parents'.
    """

    def __init__(self, config=None, **kw):
        own = Config()
        own.FeedbackExporter.template_name = TEMPLATE_NAME
        # Not index.html.j2: the page extends nbgrader's feedback/index.html.j2 by that name.
        own.FeedbackExporter.template_file = f"{TEMPLATE_NAME}.html.j2"
        own.FeedbackExporter.extra_template_basedirs = [str(TEMPLATES), str(_NBGRADER_TEMPLATES)]
        merged = Config(config) if config is not None else Config()
        merged.merge(own)
        super().__init__(config=merged, **kw)

    @pass_context  # as nbconvert's own: the filter reads the cell being rendered
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)
