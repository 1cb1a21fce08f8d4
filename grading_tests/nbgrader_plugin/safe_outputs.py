"""The autograde step that cleans every output of student code, once, in the autograded notebook."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from .safe_html import clean_output

__all__ = ["SafeOutputs"]


class SafeOutputs(NbGraderPreprocessor):
    """Put every output of the notebook through :func:`.safe_html.clean_output`.

    Runs after the kernel (``ConfinedExecute``) and nbgrader's ``LimitOutput``,
    before ``TrustedGrades`` writes the graded cells' outputs. The autograded
    notebook then holds no script, widget or student styling: the formgrader,
    the feedback pages and JupyterLab, which opens ``autograded/`` as it is,
    all start from cleaned outputs. Markdown cells keep the student's text as
    written (it is what is graded); they are cleaned where they are rendered
    (:func:`.safe_html.markdown_to_html`).
    """

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.get("outputs"):
                cell.outputs = [type(output)(clean_output(output)) for output in cell.outputs]
            # A cell's own attachments are images for its Markdown; nothing else belongs there.
            if "attachments" in cell:
                cell.attachments = {
                    name: {mime: data for mime, data in bundle.items() if mime in ("image/png", "image/jpeg", "image/gif")}
                    for name, bundle in cell.attachments.items()
                    if isinstance(bundle, dict)
                }
        return nb, resources
