"""The feedback page's HTML: nbgrader's page in French, its maths as MathML, no script at all."""

from __future__ import annotations

from pathlib import Path

import nbgrader
from traitlets.config import Config

from .safe_exporter import SafeHTMLExporter
from .safe_html import MathMLRenderer

__all__ = ["TEMPLATE_NAME", "TEMPLATES", "FeedbackExporter", "MathMLRenderer", "feedback_csp"]

TEMPLATE_NAME = "feedback_cours"
TEMPLATES = Path(__file__).with_name("templates")
_NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


def feedback_csp(nonce):
    """The feedback page's Content-Security-Policy: no script, the page's own styles, images inline only."""
    return (
        "default-src 'none'; script-src 'none'; object-src 'none'; "
        f"style-src 'nonce-{nonce}'; img-src data:; font-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


class FeedbackExporter(SafeHTMLExporter):
    """The exporter of ``nbgrader generate_feedback``: the course's template, maths as MathML.

    The template (``templates/feedback_cours``) extends nbgrader's feedback
    page; it reads ``resources["feedback_page"]`` (:class:`.FeedbackSummary`).
    Its head opens with a ``<meta>`` Content-Security-Policy
    (:func:`feedback_csp`) that allows no script at all and no style but
    the page's own: the page is one file that opens from disk, under
    ``/files/`` and in JupyterLab, where no server header protects it.
    Student content reaches it only through :mod:`.safe_html`
    (:class:`.SafeHTMLExporter`).

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

    def _init_resources(self, resources):
        resources = super()._init_resources(resources)
        resources["feedback_csp"] = feedback_csp(resources["csp_nonce"])
        return resources
