"""What cleaning student HTML costs, per student, against that student's autograde (same run).

``python bench/bench_sanitize.py`` copies the course (config, source,
release, the demo submissions), runs ``nbgrader autograde`` of one demo
student with the notebooks run (the competitor: what the instructor waits
for anyway), then times, on that student's autograded notebooks, all the
sanitising the course does for them (:mod:`grading_tests.nbgrader_plugin.safe_html`):

- **autograde**: :class:`SafeOutputs` on every notebook (every output
  cleaned, once, in the autograde pipeline; already part of the time
  above, timed here alone);
- **pages**: every Markdown cell rendered and cleaned, every output cleaned
  again, as the grading page and the feedback page each do once;
- **rendering alone**: the same Markdown rendered (maths as MathML) without
  cleaning, what the pages did before; pages minus this is the cleaning.

It reports milliseconds per student and the share of the autograde time of
all of it, and of the cleaning alone (the issue asks for less than 5 %). ``--student`` picks the demo student
(default ``eleve_correct``: plots and maths in every notebook), ``--repeat``
how many times the sanitising is timed (the median is kept).
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from grading_tests.course import nbgrader, register_students  # noqa: E402
from grading_tests.course.handins import ASSIGNMENT  # noqa: E402
from nbconvert.filters.markdown_mistune import MarkdownWithMath  # noqa: E402

from grading_tests.nbgrader_plugin.safe_html import MathMLRenderer, clean_output, markdown_to_html  # noqa: E402
from grading_tests.nbgrader_plugin.safe_outputs import SafeOutputs  # noqa: E402


def _autograded(folder, student):
    """A course copy with ``student`` autograded, notebooks run; (notebooks, autograde seconds)."""
    root = Path(folder) / "cours"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root)
    for name in ("source", "release"):
        shutil.copytree(REPO / name, root / name)
    shutil.copytree(REPO / "submitted" / student, root / "submitted" / student)
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    register_students(root, [student])
    _, _, seconds = nbgrader(root, "autograde", ASSIGNMENT, "--force", f"--student={student}")
    paths = sorted((root / "autograded" / student / ASSIGNMENT).glob("*.ipynb"))
    return [nbformat.read(str(p), as_version=4) for p in paths], seconds


def _pipeline(notebooks):
    for nb in notebooks:
        SafeOutputs().preprocess(nb, {})


def _pages(notebooks):
    for _ in ("formgrader", "feedback"):
        for nb in notebooks:
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    markdown_to_html(cell.source)
                for output in cell.get("outputs", []):
                    clean_output(output)


def _render_only(notebooks):
    for _ in ("formgrader", "feedback"):
        for nb in notebooks:
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    MarkdownWithMath(renderer=MathMLRenderer(escape=False, exclude_anchor_links=True)).render(cell.source)


def _median_seconds(work, notebooks, repeat):
    times = []
    for _ in range(repeat):
        fresh = copy.deepcopy(notebooks)
        start = time.perf_counter()
        work(fresh)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", default="eleve_correct")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rn-bench-") as folder:
        notebooks, autograde = _autograded(folder, args.student)
    pipeline = _median_seconds(_pipeline, notebooks, args.repeat)
    pages = _median_seconds(_pages, notebooks, args.repeat)
    render = _median_seconds(_render_only, notebooks, args.repeat)
    cleaning = pipeline + max(pages - render, 0.0)
    outputs = sum(len(c.get("outputs", [])) for nb in notebooks for c in nb.cells)
    markdown = sum(c.cell_type == "markdown" for nb in notebooks for c in nb.cells)
    result = {
        "student": args.student,
        "notebooks": len(notebooks),
        "markdown_cells": markdown,
        "outputs": outputs,
        "autograde_s": round(autograde, 2),
        "sanitize_autograde_ms": round(pipeline * 1000, 1),
        "sanitize_pages_ms": round(pages * 1000, 1),
        "render_only_ms": round(render * 1000, 1),
        "share_of_autograde": round((pipeline + pages) / autograde, 5),
        "cleaning_share_of_autograde": round(cleaning / autograde, 5),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.student}: {len(notebooks)} notebooks, {markdown} Markdown cells, {outputs} outputs")
    print(f"autograde (notebooks run)           {autograde:8.2f} s")
    print(f"sanitising in the autograde          {pipeline * 1000:8.1f} ms")
    print(f"sanitising for the grading and feedback pages {pages * 1000:8.1f} ms")
    print(f"  of which rendering Markdown alone    {render * 1000:8.1f} ms")
    print(f"share of the autograde time: all     {100 * (pipeline + pages) / autograde:8.2f} %")
    print(f"share of the autograde time: cleaning {100 * cleaning / autograde:7.2f} %")


if __name__ == "__main__":
    main()
