"""Student bytes to HTML: one allow-list, one sanitizer (nh3, Ammonia's Python binding).

Every page that shows a hand-in (the formgrader, the feedback pages, a
notebook opened in JupyterLab) gets its student HTML from here:

- :func:`clean_html` keeps text, tables, lists, code, maths as MathML, images
  given as ``data:image/…`` URLs and links of the schemes in
  :data:`LINK_SCHEMES` (or to an anchor of the page). No script, no ``style``
  element or attribute, no ``id``, no form, no frame, no ``class`` but the
  highlighting and table ones (:data:`CLASSES`): student content can neither
  run code nor restyle, hide, overlay or imitate the page around it.
- :func:`markdown_to_html` renders Markdown (a written answer, a Markdown
  cell, a ``text/markdown`` output) with its maths as MathML, then cleans it.
- :func:`clean_output` keeps only the output types of :data:`OUTPUT_TYPES`,
  HTML and Markdown cleaned, JavaScript and widgets dropped with a French
  note saying so.
"""

from __future__ import annotations

import html
import re

import nh3
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from pygments.token import STANDARD_TYPES

__all__ = [
    "LINK_SCHEMES",
    "OUTPUT_TYPES",
    "DROPPED_NOTE",
    "MathMLRenderer",
    "clean_html",
    "markdown_to_html",
    "clean_output",
]

_MATHML_NS = "http://www.w3.org/1998/Math/MathML"

HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
# What latex2mathml writes, and the MathML Core elements that only lay out maths.
# No maction, semantics/annotation-xml (the usual mutation-XSS doors), no mpadded
# (it can shift what it holds anywhere on the page).
MATHML_TAGS = {
    "math", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover", "mprescripts", "mroot", "mrow", "ms", "mspace",
    "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none",
}  # fmt: skip
TAGS = HTML_TAGS | MATHML_TAGS
# Tags dropped with everything inside them (their text would be noise, or code).
DROPPED_WITH_CONTENT = {"script", "style", "template", "textarea", "title", "noscript", "iframe", "object", "xmp", "noembed", "noframes"}

ATTRIBUTES = {
    "*": {"title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "table": {"border"},
    "ol": {"start"},
    "math": {"display"},
    "mo": {"fence", "form", "maxsize", "minsize", "stretchy", "separator", "largeop", "movablelimits", "symmetric", "lspace", "rspace"},
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "mtext": {"mathvariant"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "mfrac": {"linethickness"},
    "mspace": {"width"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mtable": {"columnalign", "rowalign"},
    "mtr": {"columnalign", "rowalign"},
    "mtd": {"columnalign", "rowalign", "columnspan", "rowspan"},
}
# Code highlighting (nbconvert's Markdown code blocks: pygments' short names
# under div.highlight) and pandas tables. Nothing of the page's own classes
# (Bootstrap's buttons, panels, "hidden", "navbar-fixed-top"...).
CLASSES = {
    "div": {"highlight"},
    "span": {name for name in STANDARD_TYPES.values() if name},
    "table": {"dataframe"},
    "code": {"tex"},
}
LINK_SCHEMES = ("http", "https", "mailto")
IMAGE_URL = re.compile(r"data:image/(png|jpeg|gif|svg\+xml|webp);base64,[A-Za-z0-9+/=\s]*\Z")
# Lengths in maths (spaces, rule thickness, operator sizes): small and positive,
# so a formula cannot cover the page; or MathML's named spaces (at most 7/18 em,
# TeX's \! is "negativethinmathspace").
_MATH_LENGTH = re.compile(r"(\d{1,2}(\.\d+)?|\.\d+)(em|ex)?\Z")
_NAMED_SPACE = re.compile(r"(negative)?(very){0,2}(thin|thick|medium)mathspace\Z")
_MATH_LENGTH_ATTRIBUTES = {"width", "maxsize", "minsize", "linethickness", "lspace", "rspace"}
_MAX_IMAGE_SIZE = 2000  # pixels: an image may be large, not endless


def _keep_attribute(tag, name, value):
    """nh3's attribute filter: the value of an allowed attribute, or None to drop it."""
    value = value.strip()
    if tag == "a" and name == "href":
        if value.startswith("#") or value.split(":", 1)[0].lower() in LINK_SCHEMES and ":" in value:
            return value
        return None
    if tag == "img" and name == "src":
        return value if IMAGE_URL.match(value) else None
    if tag == "img" and name in ("width", "height"):
        return value if value.isdigit() and int(value) <= _MAX_IMAGE_SIZE else None
    if tag in MATHML_TAGS and name in _MATH_LENGTH_ATTRIBUTES:
        match = _MATH_LENGTH.match(value)
        return value if match and float(match.group(1)) <= 10 or _NAMED_SPACE.match(value) else None
    return value


def clean_html(fragment):
    """``fragment`` (student HTML, or HTML rendered from student Markdown) through the allow-list."""
    if isinstance(fragment, bytes):
        fragment = fragment.decode("utf-8", "replace")
    return nh3.clean(
        str(fragment),
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes={*LINK_SCHEMES, "data"},
        allowed_classes=CLASSES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


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
        return mathml.replace(f' xmlns="{_MATHML_NS}"', "", 1)

    def block_math(self, body):
        return self._math(body, "block")

    def inline_math(self, body):
        return self._math(body, "inline")

    def latex_environment(self, name, body):
        return self._math(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


def markdown_to_html(source, attachments=None, path="", lexer_options=None):
    """Markdown (raw HTML allowed in, as Jupyter allows it) to clean HTML, maths as MathML.

    Headings get no anchor link (their ``id`` would be dropped anyway: an
    ``id`` in student content could shadow one of the page's controls).
    """
    renderer = MathMLRenderer(
        escape=False,
        attachments=attachments or {},
        embed_images=True,
        path=path,
        exclude_anchor_links=True,
        **(lexer_options or {}),
    )
    return clean_html(MarkdownWithMath(renderer=renderer).render(str(source)))


# --- outputs of student code ----------------------------------------------------------------

# What a hand-in's outputs may keep. Everything else (application/javascript,
# widget views and states, vendor types that need a script to render, PDF…) is dropped.
OUTPUT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg", "image/gif", "image/svg+xml")
_IMAGE_DATA = re.compile(r"[A-Za-z0-9+/=\s]*\Z")
DROPPED_NOTE = "[sortie retirée à la correction : {types} (script, widget ou format non affiché)]"


def _image_metadata(metadata, kept):
    """Only each image's width and height, as numbers; nothing a template could follow."""
    clean = {}
    for mime in kept:
        if not mime.startswith("image/"):
            continue
        sizes = metadata.get(mime) if isinstance(metadata, dict) else None
        if isinstance(sizes, dict):
            box = {k: int(v) for k, v in sizes.items() if k in ("width", "height") and isinstance(v, (int, float)) and 0 < v <= _MAX_IMAGE_SIZE}
            if box:
                clean[mime] = box
    return clean


def clean_output(output):
    """A copy of one cell output that shows no script and no student styling.

    Streams and errors are text, escaped wherever they are shown: kept. A
    ``display_data`` or ``execute_result`` keeps the types of
    :data:`OUTPUT_TYPES`: HTML cleaned, Markdown rendered and cleaned into
    HTML, raster images only if they are base64. Its metadata keeps only
    image sizes (no ``isolated`` frame, no file name). Dropped types leave a
    French note in ``text/plain``.
    """
    output = dict(output)
    if output.get("output_type") not in ("display_data", "execute_result", "update_display_data"):
        return output
    data = output.get("data") or {}
    kept, dropped = {}, []
    for mime, value in data.items():
        text = "".join(value) if isinstance(value, list) else value
        if mime not in OUTPUT_TYPES or not isinstance(text, str):
            dropped.append(mime)
        elif mime == "text/html":
            kept[mime] = clean_html(text)
        elif mime == "text/markdown":
            kept.setdefault("text/html", markdown_to_html(text))
        elif mime in ("image/png", "image/jpeg", "image/gif") and not _IMAGE_DATA.match(text):
            dropped.append(mime)
        else:
            kept[mime] = text
    if dropped and "text/plain" not in kept:
        kept["text/plain"] = DROPPED_NOTE.format(types=", ".join(sorted(dropped)))
    output["data"] = kept
    output["metadata"] = _image_metadata(output.get("metadata") or {}, kept)
    return output
