"""The HTML exporter every page of a hand-in is made with: student bytes reach HTML only through :mod:`.safe_html`."""

from __future__ import annotations

import secrets

import markupsafe
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter

from .safe_html import clean_html, clean_output, markdown_to_html

__all__ = ["SafeHTMLExporter", "csp_nonce"]


def csp_nonce():
    """A fresh nonce for a Content-Security-Policy (128 random bits, URL-safe)."""
    return secrets.token_urlsafe(16)


class SafeHTMLExporter(HTMLExporter):
    """nbconvert's HTMLExporter with every way from a cell to HTML through :mod:`.safe_html`.

    - ``sanitize_html`` is always on, whatever the configuration, so that
      nbconvert's templates never write an ``application/javascript`` output
      or a widget as a ``<script>``, and pass HTML outputs, raw cells and
      Markdown through the ``clean_html`` filter, which is
      :func:`.safe_html.clean_html` here;
    - the ``markdown2html`` filter (Markdown cells, written answers,
      ``text/markdown`` outputs, grader comments) is
      :func:`.safe_html.markdown_to_html`: maths as MathML, then cleaned;
    - after the preprocessors (which may read the graders' records in the
      outputs' metadata), every output goes through
      :func:`.safe_html.clean_output` again: autograde already cleaned them
      (:class:`.SafeOutputs`), this covers a notebook that did not go
      through the course's autograde;
    - SVG is always drawn as an ``<img>``, where its scripts never run;
    - ``resources["csp_nonce"]`` is a fresh nonce per page, and
      ``resources["include_style"](name)`` inlines a template's CSS file
      in a ``<style>`` that carries it: the templates give that nonce to
      their own styles and scripts, and a Content-Security-Policy allows
      only those.
    """

    def default_filters(self):
        yield from super().default_filters()
        yield ("clean_html", clean_html)
        yield ("markdown2html", self.markdown2html)

    @pass_context  # as nbconvert's own: the filter reads the cell being rendered
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        return markdown_to_html(
            source,
            attachments=cell.get("attachments", {}),
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            lexer_options=self.lexer_options,
        )

    def _preprocess(self, nb, resources):
        nb, resources = super()._preprocess(nb, resources)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [type(output)(clean_output(output)) for output in cell.get("outputs", [])]
        return nb, resources

    def _init_resources(self, resources):
        resources = super()._init_resources(resources)
        resources["should_sanitize_html"] = True
        resources["should_not_encode_svg"] = False
        nonce = resources.setdefault("csp_nonce", csp_nonce())

        def include_style(name):
            env = self.environment
            css = env.loader.get_source(env, name)[0]
            return markupsafe.Markup(f'<style nonce="{nonce}">\n{css}</style>')  # noqa: S704 (a template's own file)

        resources["include_style"] = include_style
        return resources
