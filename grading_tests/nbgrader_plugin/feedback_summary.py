"""The head of a feedback page: the grade per function, and a title for each graded cell."""

from __future__ import annotations

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from ..runner import registry
from .common import TEST_PREFIX, is_autograder_test, trusted_record

__all__ = ["FeedbackSummary", "NO_RESPONSE", "NO_RESPONSE_FR"]

# The comment nbgrader's autograde gives an answer cell left as released, and what the student reads.
NO_RESPONSE = "No response."
NO_RESPONSE_FR = "Pas de réponse : la cellule est restée telle qu'elle a été distribuée."


class FeedbackSummary(NbGraderPreprocessor):
    """Put in ``resources["feedback_page"]`` what the course's feedback template shows.

    Must come after nbgrader's GetGrades: the scores are the gradebook's (a
    grade the instructor changed in the formgrader included), as GetGrades
    left them in each cell's metadata. The function and the grader's verdict
    of a graded code cell are those TrustedGrades recorded at autograde time
    (:func:`.common.trusted_record`); nothing is graded again here.
    nbgrader's English comment on an answer left blank is put in French.

    ``feedback_page`` holds ``graded`` (the notebook is worth points),
    ``score``, ``max_score``, ``late_penalty``, ``late`` (the French sentence
    :class:`.LatePenalties` left on a late hand-in, else None), ``rows`` (one per cell worth
    points, in notebook order: ``grade_id``, ``function`` or ``label``,
    ``score``, ``points``, ``verdict``) and ``titles`` (grade_id -> the
    cell's ``label``, ``function``, ``score``, ``points``).
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self._pending = self._manual_grades_pending(info)
        self._rows, self._titles = [], {}
        nb, resources = super().preprocess(nb, resources)
        resources["feedback_page"] = {
            "graded": float(info["max_score"]) > 0,
            "score": float(info["score"]),
            "max_score": float(info["max_score"]),
            "late_penalty": float(info.get("late_penalty") or 0),
            "late": (resources.get("late_submission") or {}).get("message"),
            "rows": self._rows,
            "titles": self._titles,
        }
        return nb, resources

    @staticmethod
    def _manual_grades_pending(info):
        """grade_ids of this notebook whose grade still waits for the instructor."""
        with Gradebook(info["db_url"]) as gb:
            try:
                notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            except MissingEntry:
                return set()
            return {grade.name for grade in notebook.grades if grade.needs_manual_grade}

    def preprocess_cell(self, cell, resources, index):
        if not (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_task(cell)):
            return cell, resources
        meta = cell.metadata.nbgrader
        grade_id = meta["grade_id"]
        graded = utils.is_grade(cell) or utils.is_task(cell)
        score = float(meta.get("score") or 0) if graded else 0.0
        points = float(meta.get("points") or 0) if graded else 0.0
        function, verdict = None, ""
        if is_autograder_test(cell):
            record = trusted_record(cell)
            function = record["function"] if record else grade_id[len(TEST_PREFIX) :]
            label = "Correction de"
            verdict = record["verdict"] if record else "correction automatique"
        elif utils.is_solution(cell):
            label = "Votre réponse"
            if cell.cell_type == "code" and grade_id in registry():  # the answer cell of a graded function
                label, function = "Votre code de", grade_id
            if meta.get("comment") == NO_RESPONSE:
                meta["comment"] = NO_RESPONSE_FR
            if graded:
                if grade_id in self._pending:
                    verdict = "en attente de correction"
                elif meta.get("comment") == NO_RESPONSE_FR:
                    verdict = "pas de réponse"
                else:
                    verdict = "corrigée à la main" + (" (voir le commentaire)" if meta.get("comment") else "")
        else:
            label = "Consigne"
            verdict = "corrigée à la main"
        self._titles[grade_id] = {"label": label, "function": function, "score": score, "points": points}
        if points > 0:
            row = {"grade_id": grade_id, "function": function, "score": score, "points": points, "verdict": verdict}
            row["label"] = f"Réponse rédigée {grade_id}" if function is None else function
            self._rows.append(row)
        return cell, resources
