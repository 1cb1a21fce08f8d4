"""``--no-execute`` keeps the outputs a student handed in: cleaned, bounded and labelled.

One class run (``python -m grading_tests.course autograde --no-execute``, one
worker) of one correct student whose perceptron notebook holds, as handed in:
a figure (a real matplotlib PNG) under a figure cell; under the answer cell,
hostile outputs (HTML with a script, an ``onerror`` image, a ``javascript:``
link, a frame, JavaScript, SVG with a script, a stream that looks like HTML)
and outputs of no known shape; and an added code cell with a hostile rich
output. Then ``nbgrader generate_feedback`` writes the pages. Every hostile
vector carries :data:`MARK`: the mark may survive as text (escaped), never
inside an element that runs or loads it, nor in an attribute.
"""

import base64
import copy
import io
import json
import os
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser

import nbformat
import pytest

from grading_tests.course import register_students
from grading_tests.course.handins import ASSIGNMENT, read, solved, write_submission
from grading_tests.nbgrader_plugin.handed_in_outputs import LABEL
from grading_tests.runner import registry
from nbgrader_attacks import harness

STUDENT = "eleve_sorties"
NOTEBOOK = "06_1_perceptron"
MARK = "rn_sorties_hostiles"
SEED = 5
HOSTILE_HTML = (
    f'<b>gras visible</b><script>window.{MARK} = 1</script><img src="x" onerror="window.{MARK}=2">'
    f'<a href="javascript:window.{MARK}=3">lien</a><iframe srcdoc="<script>{MARK}</script>"></iframe>'
    f'<svg><script>{MARK}</script></svg><div style="position:fixed" onmouseover="{MARK}">survol</div>'
)
HOSTILE_SVG = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{MARK}"><script>{MARK}</script></svg>'


def _png():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1, 2], [2, 0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


PNG = _png()


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _handed_in(nb):
    """The perceptron notebook as a student who ran it hands it in, plus hostile outputs."""
    nb = copy.deepcopy(nb)
    out = nbformat.v4.new_output
    _cell(nb, "figure_frontiere").outputs = [out("display_data", data={"image/png": PNG, "text/plain": "<Figure size 600x450>"})]
    _cell(nb, "perceptron_update").outputs = [
        out("display_data", data={"text/html": HOSTILE_HTML, "text/plain": "html"}),
        out("display_data", data={"application/javascript": f"window.{MARK} = 4", "text/plain": "js"}),
        out("display_data", data={"image/svg+xml": HOSTILE_SVG}),
        out("execute_result", data={"text/markdown": f"[clic](javascript:{MARK})"}, execution_count=3),
        out("stream", name="stdout", text=f"<script>{MARK}</script> texte imprimé\n"),
    ]
    # Shapes nbformat does not know: left out by the staging, not passed on.
    _cell(nb, "perceptron_update").outputs += [
        {"output_type": "bogus", "data": {"text/html": f"<script>{MARK}</script>"}},
        {"output_type": "stream", "name": "stdout", "text": {"nested": MARK}},
        {"output_type": "display_data", "data": [f"<script>{MARK}</script>"], "metadata": {}},
    ]
    added = nbformat.v4.new_code_cell("afficher()")
    added.outputs = [out("display_data", data={"text/html": f'<form action="http://127.0.0.1:1/{MARK}"><input></form>'})]
    nb.cells.insert(nb.cells.index(_cell(nb, "perceptron_update")) + 1, added)
    return json.dumps(nb)  # as raw text: nbformat would not write what it does not know


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = harness.copy_course(tmp_path_factory.mktemp("sorties"), release=True, submitted=False)
    release, source = root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT
    notebooks = {p.name: solved(read(p), read(source / p.name)) for p in sorted(release.glob("*.ipynb"))}
    notebooks[f"{NOTEBOOK}.ipynb"] = _handed_in(notebooks[f"{NOTEBOOK}.ipynb"])
    write_submission(root / "submitted" / STUDENT / ASSIGNMENT, notebooks)
    register_students(root, [STUDENT])
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--no-execute", "--workers", "1",
         "--seed", str(SEED)], cwd=root, capture_output=True, text=True, timeout=900, env=env,
    )
    assert proc.returncode == 0 and "notés : 1" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    harness.nbgrader(root, "generate_feedback", ASSIGNMENT, f"--student={STUDENT}", "--force")
    return root


def _feedback(root, notebook=NOTEBOOK):
    return (root / "feedback" / STUDENT / ASSIGNMENT / f"{notebook}.html").read_text(encoding="utf-8")


class _Elements(HTMLParser):
    """Every element's tag, its attributes, and the text inside each element that runs or loads content."""

    ACTIVE = ("script", "iframe", "object", "embed", "form", "style", "svg", "math")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.active_text, self.open = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if any(tag in self.ACTIVE for tag in self.open):
            self.active_text.append(data)


def test_the_feedback_shows_the_handed_in_figure_under_the_label(graded):
    page = _feedback(graded)
    assert LABEL in page
    assert f'src="data:image/png;base64,{PNG}' in page.replace("\n", "")
    assert "gras visible" in page and "texte imprimé" in page  # what is harmless stays readable


def test_no_hostile_output_can_run_or_load_anything(graded):
    elements = _Elements()
    elements.feed(_feedback(graded))
    assert not [a for a in elements.attributes if MARK in a[2]]
    assert not [text for text in elements.active_text if MARK in text]
    assert not {"iframe", "object", "embed", "form"} & set(elements.tags)


def test_the_autograded_notebook_holds_only_cleaned_outputs_of_known_shapes(graded):
    nb = nbformat.read(str(graded / "autograded" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.ipynb"), as_version=4)
    assert LABEL in nb.cells[0].source
    outputs = _cell(nb, "perceptron_update").outputs
    assert [o.output_type for o in outputs] == ["display_data", "display_data", "display_data", "execute_result", "stream"]
    for output in outputs:
        html = output.get("data", {}).get("text/html", "")
        assert "application/javascript" not in output.get("data", {}) and "<script" not in html and "onerror" not in html


def test_every_notebook_is_labelled_and_the_grade_is_the_graders(graded):
    for path in sorted((graded / "feedback" / STUDENT / ASSIGNMENT).glob("*.html")):
        assert LABEL in path.read_text(encoding="utf-8"), path.name
    query = "SELECT function, score, max_score FROM rn_ch06_grader_results WHERE student = ?"
    rows = sqlite3.connect(f"file:{graded / 'gradebook.db'}?mode=ro", uri=True).execute(query, (STUDENT,)).fetchall()
    assert len(rows) == len(registry()) and all(score == points for _, score, points in rows), rows
