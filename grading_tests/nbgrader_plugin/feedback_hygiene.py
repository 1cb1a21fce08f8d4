"""What a feedback page may show: no hidden test, mark scheme, instructor path or secret."""

from __future__ import annotations

import os
import re
import sys

from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["FeedbackHygiene"]

_SECRET_REGIONS = [("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"), ("BEGIN MARK SCHEME", "END MARK SCHEME")]

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|PASSWD|API_KEY|PRIVATE|CREDENTIAL|PGPASS", re.I)


def _instructor_strings():
    """Text of the instructor's machine that a feedback page must not show, longest first."""
    paths = {os.path.realpath(p) for p in (os.getcwd(), sys.prefix, sys.base_prefix, os.path.expanduser("~"))}
    paths = {p for p in paths if len(p) > 1}
    secrets = {v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 6}
    return sorted(paths | secrets, key=len, reverse=True)


class FeedbackHygiene(NbGraderPreprocessor):
    """Keep a feedback page to what a student may read.

    - Hidden tests and mark schemes are removed from every cell. nbgrader's
      ClearHiddenTests and ClearMarkScheme do the same but raise on a marker
      outside a graded or task cell, or without its END line, so a student
      who types "BEGIN HIDDEN TESTS" in an answer would get no feedback at
      all. Here an unterminated region runs to the end of the cell.
    - In outputs, the instructor's paths (course root, Python installation,
      home) and the values of secret-looking environment variables are
      replaced by "…": a traceback through a library must not show where the
      course lives.
    """

    def preprocess(self, nb, resources):
        self._hidden = _instructor_strings()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        lines, skipping = [], None
        for line in cell.source.split("\n"):
            if skipping is None:
                opened = next((end for begin, end in _SECRET_REGIONS if begin in line), None)
                if opened:
                    skipping = opened
                else:
                    lines.append(line)
            elif skipping in line:
                skipping = None
        cell.source = "\n".join(lines)
        for output in cell.get("outputs", []):
            self._redact_output(output)
        return cell, resources

    def _redact(self, text):
        for secret in getattr(self, "_hidden", None) or _instructor_strings():
            text = text.replace(secret, "…")
        return text

    def _redact_output(self, output):
        if "text" in output:
            output.text = self._redact(output.text)
        if "evalue" in output:
            output.evalue = self._redact(output.evalue)
            output.traceback = [self._redact(line) for line in output.get("traceback", [])]
        for mime, value in list(output.get("data", {}).items()):
            if mime.startswith("text/") or mime.endswith("json"):
                output.data[mime] = self._redact(value) if isinstance(value, str) else value
