"""The ``generate_assignment`` check: every autograder cell has a grader worth its points."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from .common import grader_for, is_autograder_test

__all__ = ["CheckGradedCells"]


class CheckGradedCells(NbGraderPreprocessor):
    """Refuse a source notebook whose autograder cells the graders can't score."""

    def preprocess_cell(self, cell, resources, index):
        if is_autograder_test(cell):
            grader_for(cell.metadata.nbgrader["grade_id"], cell.metadata.nbgrader.get("points", 0))
        return cell, resources
