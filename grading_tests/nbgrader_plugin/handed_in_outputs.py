"""The outputs a student handed in, kept when the notebooks are not run again (``--no-execute``).

When the autograde runs no kernel, the feedback would show no output at all:
no figure, no printed check. The staging then keeps, in each rebuilt
notebook, the outputs the student's own notebook held, cell by cell
(:func:`.notebook_rebuild.rebuild`), under a notice that says they were not
run again (:data:`LABEL`). Every byte of them is hostile:

- here, only their *shape* is checked: an output of one of nbformat's four
  types, with its fields and nothing else, text as strings, a MIME bundle of
  plain names and string values; anything else is left out, and what a
  notebook keeps is bounded (:data:`MAX_OUTPUT_BYTES`, :data:`MAX_NOTEBOOK_OUTPUT_BYTES`,
  :data:`MAX_NOTEBOOK_OUTPUTS`);
- what they *say* goes through the one sanitizing boundary, as a kernel's
  outputs do: nbgrader's ``LimitOutput``, then :class:`.SafeOutputs`
  (:mod:`.safe_html`), in the autograde step.
"""

from __future__ import annotations

import re

import nbformat

__all__ = ["LABEL", "MAX_OUTPUT_BYTES", "MAX_NOTEBOOK_OUTPUT_BYTES", "MAX_NOTEBOOK_OUTPUTS", "HandedOutputs"]

LABEL = "sorties telles que rendues, non ré-exécutées"
NOTICE = (
    "<div class=\"alert alert-warning\">\n\n**Correction** : notebook non exécuté pour cette correction ; "
    f"{LABEL} : l'élève les a obtenues avant la remise, elles peuvent ne pas correspondre au code affiché. "
    "La note vient des seuls correcteurs, elle n'en dépend pas.\n\n</div>"
)
# One output, and all those of a notebook: a few figures and printed checks fit
# (a matplotlib PNG is 20 to 100 kB); a hand-in may weigh 20 MiB.
MAX_OUTPUT_BYTES = 2 * 1024 * 1024
MAX_NOTEBOOK_OUTPUT_BYTES = 8 * 1024 * 1024
MAX_NOTEBOOK_OUTPUTS = 2000  # a notebook's outputs kept, whatever their size
TOO_LARGE = "[sortie rendue trop volumineuse : non reprise à la correction]"
_MIME = re.compile(r"[a-z]+/[A-Za-z0-9.+-]{1,100}\Z")
_STREAMS = ("stdout", "stderr")


def _text(value):
    """A str, or a list of str joined; None for anything else."""
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        value = "".join(value)
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "replace").decode("utf-8")  # no lone surrogate reaches the writer


def _bundle(data):
    """The MIME bundle's string entries under plain type names ({} when it is not a dict)."""
    if not isinstance(data, dict):
        return {}
    kept = {}
    for mime, value in data.items():
        text = _text(value)
        if isinstance(mime, str) and _MIME.match(mime) and text is not None and not mime.endswith("json"):
            kept[mime] = text
    return kept


def _output(raw):
    """One output rebuilt from its known fields only, or None."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("output_type")
    if kind == "stream":
        text = _text(raw.get("text"))
        if raw.get("name") not in _STREAMS or text is None:
            return None
        return nbformat.v4.new_output("stream", name=raw["name"], text=text)
    if kind == "error":
        traceback = raw.get("traceback")
        lines = [_text(line) for line in traceback] if isinstance(traceback, list) else []
        return nbformat.v4.new_output("error", ename=_text(raw.get("ename")) or "", evalue=_text(raw.get("evalue")) or "",
                                      traceback=[line for line in lines if line is not None])
    if kind in ("display_data", "execute_result"):
        data = _bundle(raw.get("data"))
        if not data:
            return None
        output = nbformat.v4.new_output(kind, data=data)
        if kind == "execute_result":
            output.execution_count = None
        return output
    return None


def _size(output):
    """Bytes of an output's text, about what it weighs once written."""
    texts = [output.get("text", ""), output.get("ename", ""), output.get("evalue", "")]
    texts += output.get("traceback", []) + list(output.get("data", {}).values())
    return sum(len(t.encode("utf-8")) for t in texts)


class HandedOutputs:
    """The outputs of a notebook's cells, one cell at a time, within the notebook's bound.

    Called with a handed-in cell's ``outputs`` value, it returns the list of
    outputs kept for it (see the module's docstring).
    """

    def __init__(self, budget=MAX_NOTEBOOK_OUTPUT_BYTES):
        self.left, self.count = budget, 0

    def __call__(self, raw):
        kept = []
        for item in raw if isinstance(raw, list) else []:
            output = _output(item)
            if output is None:
                continue
            size = _size(output)
            if size > MAX_OUTPUT_BYTES or size > self.left or self.count >= MAX_NOTEBOOK_OUTPUTS:
                # One note per cell at most: what is left out costs nothing.
                if not kept or kept[-1].get("text") != TOO_LARGE + "\n":
                    kept.append(nbformat.v4.new_output("stream", name="stdout", text=TOO_LARGE + "\n"))
                continue
            self.left -= size
            self.count += 1
            kept.append(output)
        return kept

    @staticmethod
    def notice_cell():
        return nbformat.v4.new_markdown_cell(NOTICE)
