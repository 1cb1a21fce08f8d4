"""What the plugin's preprocessors share: the grader of a graded cell, the converter's course folder."""

from __future__ import annotations

from nbgrader import utils
from nbgrader.coursedir import CourseDirectory

from ..runner import registry

__all__ = [
    "TEST_PREFIX",
    "RECORD_KEY",
    "GraderMismatch",
    "is_autograder_test",
    "grader_for",
    "trusted_record",
    "course_directory",
]

TEST_PREFIX = "test_"
# Metadata key of the grade output TrustedGrades writes in a graded cell:
# {"function": name, "verdict": the grader's one-line summary}.
RECORD_KEY = "correction_cours"


class GraderMismatch(RuntimeError):
    """A graded cell that the course's graders cannot score."""


def is_autograder_test(cell):
    """An nbgrader "autograder tests" cell: a graded code cell that is not an answer."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def grader_for(grade_id, points):
    """The grader that scores the cell ``grade_id``; raise GraderMismatch if none fits."""
    graders = registry()
    name = grade_id[len(TEST_PREFIX) :] if grade_id.startswith(TEST_PREFIX) else None
    if name not in graders:
        raise GraderMismatch(
            f"graded code cell {grade_id!r}: no grader for it (grade_id must be 'test_<name>' with <name> "
            f"one of {', '.join(graders)})"
        )
    if float(points) != float(graders[name].points):
        raise GraderMismatch(
            f"graded code cell {grade_id!r} is worth {float(points):g} point(s) but grader {name!r} "
            f"scores out of {graders[name].points:g}"
        )
    return graders[name]


def trusted_record(cell):
    """What TrustedGrades recorded of the graders' result in ``cell``, or None (a cell it never graded)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "execute_result":
            record = output.get("metadata", {}).get(RECORD_KEY)
            if isinstance(record, dict) and isinstance(record.get("function"), str):
                return record
    return None


def course_directory(preprocessor):
    """The converter's CourseDirectory (preprocessor -> exporter -> converter), or one from the config."""
    node = preprocessor
    while node is not None:
        coursedir = getattr(node, "coursedir", None)
        if isinstance(coursedir, CourseDirectory):
            return coursedir
        node = getattr(node, "parent", None)
    return CourseDirectory(config=preprocessor.config)
