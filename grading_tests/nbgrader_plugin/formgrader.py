"""The course's formgrader pages: nbgrader's, escaped, under a CSP that runs no student script.

A Jupyter server extension, enabled for every JupyterLab of the course's venv
by ``jupyter-config/jupyter_server_config.d/rn_ch06_formgrader.json``
(installed with the package). When nbgrader's formgrader is enabled, it
serves the formgrader's HTML pages in its place, at the same URLs, with
nbgrader's own handlers, JavaScript and API, and changes only this:

- every page is rendered with autoescape, from the course's templates
  (``templates/formgrader_pages``, each extending nbgrader's), so a student
  id or name from the gradebook or from the URL is text, and goes into a
  script as JSON;
- every page carries a Content-Security-Policy whose ``script-src`` and
  ``style-src`` are one fresh nonce (:func:`formgrader_csp`): only the
  page's own scripts and styles, which the templates mark with it, run or
  apply; no inline event handler, no ``javascript:`` URL, no style attribute
  a student could bring;
- the grading page is made by :class:`FormgradeExporter`
  (:mod:`.safe_exporter`: student HTML through :mod:`.safe_html` only,
  maths as MathML), with the hand-in's content shown in boxes that say where
  it starts and ends and that it cannot paint out of;
- ``/formgrader?path=…``, which makes nbgrader load the configuration file
  of any folder (a hand-in's ``nbgrader_config.py``, run as the instructor)
  on a plain GET, is refused: the formgrader of this course is its root's;
- files of a hand-in served under ``/formgrader/submissions/<id>/`` get a
  ``sandbox`` CSP, as Jupyter's ``/files/`` does;
- nbgrader's JSON API (``/formgrader/api/…``) answers as JSON, not as the
  ``text/html`` tornado gives a string, under a CSP that renders nothing: a
  name or id in it is never HTML, even for a browser sent there by a link.
"""

from __future__ import annotations

from pathlib import Path

import nbgrader
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader
from nbgrader.server_extensions.formgrader import apihandlers as nbg_api
from nbgrader.server_extensions.formgrader import handlers as nbg
from tornado import web
from tornado.routing import HostMatches, Rule
from traitlets.config import Config

from .safe_exporter import SafeHTMLExporter, csp_nonce

__all__ = ["EXTENSION", "FormgradeExporter", "formgrader_csp", "course_handlers"]

EXTENSION = "grading_tests.nbgrader_plugin.formgrader"
NBGRADER_FORMGRADER = "nbgrader.server_extensions.formgrader"
TEMPLATES = Path(__file__).with_name("templates")
_NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
_ENV = "rn_ch06_formgrader_env"
_EXPORTER = "rn_ch06_formgrade_exporter"
# The one inline style nbgrader's own JavaScript writes as markup (manage_assignments.js,
# the hidden error line of "Add new assignment"), allowed by its hash only.
_NBGRADER_STYLE_HASH = "'sha256-ZdHxw9eWtnxUb3mk6tBS+gIiVUPE3pGM470keHPDFlE='"


def formgrader_csp(nonce):
    """The Content-Security-Policy of every formgrader page."""
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; "
        f"style-src 'nonce-{nonce}' 'unsafe-hashes' {_NBGRADER_STYLE_HASH}; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; object-src 'none'; frame-src 'none'; "
        "frame-ancestors 'self'"
    )


class FormgradeExporter(SafeHTMLExporter):
    """The grading page's exporter: nbgrader's formgrade page, the course's template over it."""

    def __init__(self, config=None, **kw):
        own = Config()
        own.FormgradeExporter.template_name = "formgrade_cours"
        own.FormgradeExporter.template_file = "formgrade_cours.html.j2"
        own.FormgradeExporter.extra_template_basedirs = [str(TEMPLATES), str(_NBGRADER_TEMPLATES)]
        merged = Config(config) if config is not None else Config()
        merged.merge(own)
        super().__init__(config=merged, **kw)


class _WithNonce:
    """An exporter whose pages get this request's nonce."""

    def __init__(self, exporter, nonce):
        self._exporter, self._nonce = exporter, nonce

    def from_filename(self, filename, resources=None, **kw):
        return self._exporter.from_filename(filename, resources=dict(resources or {}, csp_nonce=self._nonce), **kw)


class CoursePage:
    """Mixed into each of nbgrader's page handlers: this request's nonce, its CSP, escaped templates."""

    @property
    def csp_nonce(self):
        if not hasattr(self, "_csp_nonce"):
            self._csp_nonce = csp_nonce()
        return self._csp_nonce

    @property
    def content_security_policy(self):
        return formgrader_csp(self.csp_nonce)

    def render(self, name, **ns):
        return self.settings[_ENV].get_template(name).render(csp_nonce=self.csp_nonce, **ns)

    @property
    def exporter(self):
        if _EXPORTER not in self.settings:
            self.settings[_EXPORTER] = FormgradeExporter(config=self.settings["nbgrader_formgrader"].config)
        return _WithNonce(self.settings[_EXPORTER], self.csp_nonce)


class FormgraderHome(CoursePage, nbg.FormgraderHandler):
    """``/formgrader``: nbgrader's, without its ``?path=`` (load another folder's configuration)."""

    @web.authenticated
    def get(self):
        if self.get_argument("path", ""):
            raise web.HTTPError(400, "this course's formgrader serves its own course root only")
        return super().get()


class HandinFiles(CoursePage, nbg.SubmissionFilesHandler):
    """A hand-in's files, as nbgrader serves them, in a sandbox that runs nothing."""

    @property
    def content_security_policy(self):
        return "sandbox; default-src 'none'; img-src data:; style-src 'none'"


class ApiAnswer:
    """Mixed into each of nbgrader's API handlers: JSON, and a CSP under which nothing renders."""

    @property
    def content_security_policy(self):
        return "default-src 'none'; frame-ancestors 'none'; sandbox"

    def set_default_headers(self):
        super().set_default_headers()
        self.set_header("Content-Type", "application/json; charset=UTF-8")


_OWN = {nbg.FormgraderHandler: FormgraderHome, nbg.SubmissionFilesHandler: HandinFiles}


def course_handlers(base_url):
    """nbgrader's formgrader rules under ``base_url``: pages with :class:`CoursePage` mixed in, the API with :class:`ApiAnswer`."""
    from jupyter_server.utils import url_path_join

    rules = []
    for pattern, handler, *kwargs in nbg.default_handlers:
        if issubclass(handler, web.StaticFileHandler) and handler is not nbg.SubmissionFilesHandler:
            continue  # nbgrader's own static files: served by nbgrader, untouched
        own = _OWN.get(handler) or type(f"Course{handler.__name__}", (CoursePage, handler), {})
        rules.append((url_path_join(base_url, pattern.lstrip("/")), own, *kwargs))
    for pattern, handler, *kwargs in nbg_api.default_handlers:
        own = type(f"Course{handler.__name__}", (ApiAnswer, handler), {})
        rules.append((url_path_join(base_url, pattern.lstrip("/")), own, *kwargs))
    return rules


def _jupyter_server_extension_points():
    return [{"module": EXTENSION}]


def _load_jupyter_server_extension(serverapp):
    if not serverapp.jpserver_extensions.get(NBGRADER_FORMGRADER):
        return  # a student's JupyterLab: no formgrader, nothing to serve
    webapp = serverapp.web_app
    loader = ChoiceLoader(
        [
            FileSystemLoader(str(TEMPLATES / "formgrader_pages")),
            PrefixLoader({"nbgrader": FileSystemLoader(str(_NBGRADER_TEMPLATES))}),
            FileSystemLoader(str(_NBGRADER_TEMPLATES)),
        ]
    )
    webapp.settings[_ENV] = Environment(loader=loader, autoescape=True)
    # Ahead of every other rule, whichever extension loads first: these answer the formgrader's pages.
    webapp.default_router.rules.insert(0, Rule(HostMatches(".*$"), web._ApplicationRouter(webapp, course_handlers(webapp.settings["base_url"]))))
    serverapp.log.info("The course's formgrader pages (escaped, CSP with a nonce) replace nbgrader's.")
