"""Grades out to the LMS: ``python -m grading_tests.course export <assignment> --format canvas|moodle|moodle-worksheet|csv``.

- :mod:`.table`: the class's grades from nbgrader's gradebook, each late
  penalty computed again the way the autograde and the feedback compute it
  (:mod:`...nbgrader_plugin.late_penalties`);
- :mod:`.roster`: the LMS's roster, read and checked, and each student
  matched with one row (id, login, email, normalised name);
- :mod:`.formats`: Canvas's gradebook import, Moodle's gradebook import and
  offline grading worksheet, the course's own table, as rows of cells;
- :mod:`.run`: :func:`export_grades`, which checks everything before it
  writes anything, then writes the file (RFC 4180, UTF-8, a BOM for Excel
  on request) and the penalties of now into the gradebook.
"""

from .formats import FORMATS
from .run import ExportError, default_out, export_grades

__all__ = ["FORMATS", "ExportError", "default_out", "export_grades"]
