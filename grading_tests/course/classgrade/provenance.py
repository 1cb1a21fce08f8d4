"""What a grade depends on, as one hash: the hand-in, the graders, the course and the seed.

- :func:`code_hash`: every file of ``grading_tests/`` and ``reference_impl/``
  (the graders, the reference, the plug-in, the kernel), and nbgrader's version;
- :func:`course_hash`: ``nbgrader_config.py``, ``source/<assignment>/`` and
  ``release/<assignment>/`` of the course root;
- the hand-in's digest (:func:`.handin.handin_digest`);
- the seed asked for (``None``: a fresh one per student), whether the notebooks
  run, and the student's deadline: the gradebook's due date and the new
  deadline ``extensions.csv`` gives the student, if any (a changed deadline
  grades the hand-in again, and its late penalty with it).

A hand-in whose :class:`Provenance` equals the one recorded with its grade
(``autograded/<student>/<assignment>/provenance.json``, written by the driver
only) is unchanged and is not graded again unless ``--force``. The feedback of
every graded cell shows the seed and :attr:`Provenance.short`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...nbgrader_plugin import handin_files

__all__ = ["FILE_NAME", "SHORT", "Provenance", "code_hash", "course_hash", "read_recorded", "record"]

FILE_NAME = "provenance.json"
SHORT = 12
_SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints"}
_MAX_RECORD_BYTES = 1 << 20


def _package_dir(name):
    # Found, not imported: the reference is the graders' business, not this layer's.
    spec = importlib.util.find_spec(name)
    return Path(spec.origin).parent


def _tree(h, label, folder):
    """Feed ``h`` with the relative paths and bytes of every regular file under ``folder``."""
    folder = Path(folder)
    h.update(f"D\0{label}\0".encode())
    if not folder.is_dir():
        h.update(b"absent\0")
        return
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(current) / name
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            rel = path.relative_to(folder).as_posix()
            h.update(f"F\0{rel}\0{len(data)}\0".encode("utf-8", "surrogateescape") + data)


def code_hash():
    """sha256 (hex) of the grading code: ``grading_tests/``, ``reference_impl/`` and nbgrader's version."""
    import nbgrader

    h = hashlib.sha256(b"rn-code-1\0")
    h.update(f"nbgrader {nbgrader.__version__}\0".encode())
    for package in ("grading_tests", "reference_impl"):
        _tree(h, package, _package_dir(package))
    return h.hexdigest()


def course_hash(root, assignment):
    """sha256 (hex) of the course's configuration, source and release of ``assignment``."""
    root = Path(root)
    h = hashlib.sha256(b"rn-course-1\0")
    config = root / "nbgrader_config.py"
    h.update(b"C\0" + (config.read_bytes() if config.is_file() else b"absent") + b"\0")
    _tree(h, "source", root / "source" / assignment)
    _tree(h, "release", root / "release" / assignment)
    return h.hexdigest()


@dataclass(frozen=True)
class Provenance:
    """The inputs of one student's grade, and their combined hash."""

    handin: str
    code: str
    course: str
    seed: int | None  # as asked for; None: drawn per student (see ``seed_used``)
    execute: bool
    deadline: str = ""  # the assignment's due date and the student's extension (extensions.csv)
    seed_used: int | None = field(default=None, compare=False)

    @property
    def sha256(self):
        h = hashlib.sha256(b"rn-provenance-1\0")
        for part in (self.handin, self.code, self.course, repr(self.seed), repr(self.execute), self.deadline):
            h.update(part.encode() + b"\0")
        return h.hexdigest()

    @property
    def short(self):
        return self.sha256[:SHORT]

    def to_json(self):
        data = asdict(self)
        data.update(sha256=self.sha256, short=self.short)
        return json.dumps(data, indent=1, sort_keys=True) + "\n"


def read_recorded(folder):
    """The sha256 recorded in ``folder/provenance.json``, or None (absent, a link, not ours)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        raw = handin_files.read_regular(FILE_NAME, fd, _MAX_RECORD_BYTES)
        data = json.loads(raw) if raw else None
    except (handin_files.Unreadable, ValueError):
        return None
    finally:
        os.close(fd)
    return data.get("sha256") if isinstance(data, dict) else None


def record(provenance):
    """The bytes of ``provenance.json``."""
    return provenance.to_json().encode("utf-8")
