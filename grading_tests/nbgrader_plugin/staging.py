"""Stage student hand-ins as clean copies before nbgrader reads any of them.

nbgrader reads a hand-in with plain ``open``, ``glob`` and ``shutil.copy``:
it follows links, blocks on a FIFO, fails a student (or the whole class) on
metadata it does not expect, and trusts ``timestamp.txt``. Here trusted code
reads each hand-in once, without following any link and without reading
anything but small regular files, and writes a private copy that holds only:

- one notebook per released notebook present in the hand-in, *rebuilt* as
  the released notebook plus the student's answers (:func:`rebuild`): the
  release's cells, metadata and order; each answer cell takes the source of
  the student's cell with the same ``grade_id``; cells the student added stay
  as plain cells, without metadata or outputs (the student's outputs are kept,
  cleaned later, only when the notebooks will not be run: :mod:`.handed_in_outputs`);
- ``timestamp.txt``, normalised, when it holds a date nbgrader accepts.

Everything else the student handed in is left out and reported as an
:class:`Anomaly`, for the instructor (``logs/<assignment>/anomalies.txt``, see
:func:`report_folder` and :func:`write_report`) and, for notebooks, to the
student in a notice cell.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.utils import parse_utc

from .handin_files import (
    MAX_NOTEBOOK_BYTES,
    NAME_CHARS,
    Unreadable,
    copy_regular_files,
    kind_of,
    open_dir,
    os_reason,
    read_regular,
    shown,
)
from .handed_in_outputs import HandedOutputs
from .notebook_rebuild import NOTES_PER_NOTEBOOK, rebuild, replacement
from .student_ids import shown as shown_id

# The staging's whole interface, the reading and rebuilding helpers included.
__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "MAX_TIMESTAMP_BYTES",
    "NAME_CHARS",
    "NOTES_PER_NOTEBOOK",
    "LISTED_EXTRAS",
    "REPORT_NAME",
    "Anomaly",
    "Unreadable",
    "open_dir",
    "read_regular",
    "copy_regular_files",
    "rebuild",
    "replacement",
    "shown",
    "stage",
    "report_folder",
    "write_report",
]

MAX_TIMESTAMP_BYTES = 1024
MAX_REPORT_BYTES = 8 * 1024 * 1024
REPORT_NAME = "anomalies.txt"
LISTED_EXTRAS = 10  # extra files named per hand-in; the rest are counted
SCANNED_ENTRIES = 10_000  # a folder is not listed further than this
TIMESTAMP_FILE = "timestamp.txt"
# Folders Jupyter itself leaves next to notebooks: not worth a note.
BENIGN_NAMES = frozenset({".ipynb_checkpoints", "__pycache__"})
# What dateutil is given: no "/" or "\", so that a time zone name can never be
# a path (gettz opens any file it is given a path to).
_TIMESTAMP_TEXT = re.compile(r"[0-9A-Za-z :.,+\-]{1,64}")
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anomaly:
    """Something of a hand-in that was not staged as the student wrote it."""

    student: str
    notebook: str  # "<name>.ipynb", or "-" for the hand-in as a whole
    message: str  # French, one line

    def line(self):
        """The report line: ``student<TAB>notebook<TAB>message``, the id printed injectively."""
        return "\t".join((shown_id(self.student), shown(self.notebook), _one_line(self.message)))


def _one_line(text):
    return " ".join(str(text).split())


def _release_notebooks(release_dir):
    """{notebook stem: notebook} of a release folder (trusted: written by generate_assignment)."""
    folder = Path(release_dir)
    result = {}
    for path in sorted(folder.glob("*.ipynb")):
        result[path.stem] = nbformat.read(str(path), as_version=4)
    return result, {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def _check_component(name):
    if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"not a single path component: {name!r}")


def _write_notebook(nb, path):
    nbformat.validate(nb)
    with open(path, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)


def _stage_timestamp(fd, dest, note):
    try:
        raw = read_regular(TIMESTAMP_FILE, fd, MAX_TIMESTAMP_BYTES)
    except Unreadable as exc:
        note("-", f"{TIMESTAMP_FILE} ignoré ({exc}) : date de remise inconnue")
        return
    if raw is None:
        return
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        note("-", f"{TIMESTAMP_FILE} ignoré (pas du texte UTF-8) : date de remise inconnue")
        return
    if not text:
        note("-", f"{TIMESTAMP_FILE} ignoré (vide) : date de remise inconnue")
        return
    when = None
    if _TIMESTAMP_TEXT.fullmatch(text):
        try:
            when = parse_utc(text)
            normal = f"{when.year:04d}-{when:%m-%d %H:%M:%S.%f} UTC"
            if parse_utc(normal) != when:
                when = None
        except Exception:  # dateutil raises ValueError, OverflowError, TypeError...
            when = None
    if when is None:
        note("-", f"{TIMESTAMP_FILE} ignoré (« {shown(text, 40)} » n'est pas une date) : date de remise inconnue")
        return
    (dest / TIMESTAMP_FILE).write_text(normal + "\n", encoding="utf-8")


def _extras(fd, expected, note):
    """Note the entries of the hand-in that are not staged (at most LISTED_EXTRAS named)."""
    found, truncated = [], False
    try:
        with os.scandir(fd) as entries:
            for scanned, entry in enumerate(entries):
                if scanned >= SCANNED_ENTRIES:
                    truncated = True
                    break
                if entry.name not in expected and entry.name not in BENIGN_NAMES:
                    found.append(entry)
    except OSError as exc:
        note("-", f"dossier du devoir impossible à lister ({os_reason(exc)})")
    found.sort(key=lambda entry: entry.name)
    for entry in found[:LISTED_EXTRAS]:
        try:
            kind = kind_of(entry.stat(follow_symlinks=False).st_mode) or "fichier"
        except OSError:
            kind = "entrée illisible"
        note("-", f"non pris en compte ({kind}) : « {shown(entry.name)} »")
    unnamed = len(found) - LISTED_EXTRAS
    if unnamed > 0 or truncated:
        note("-", f"non pris en compte : {max(unnamed, 0)}{' ou plus' if truncated else ''} autre(s) entrée(s) du dossier")


def _stage_folder(fd, release, release_files, dest, note, keep_outputs):
    """Stage the notebooks and timestamp of an open hand-in folder; return how many notebooks."""
    staged = 0
    for stem, release_nb in release.items():
        name = f"{stem}.ipynb"
        try:
            raw = read_regular(name, fd, MAX_NOTEBOOK_BYTES)
        except Unreadable as exc:
            nb, notes = replacement(release_nb, f"notebook illisible ({exc}) : remplacé par la version distribuée")
        else:
            if raw is None:
                continue  # absent: nbgrader scores it 0
            nb, notes = rebuild(raw, release_nb, HandedOutputs() if keep_outputs else None)
        _write_notebook(nb, dest / name)
        staged += 1
        for text in notes:
            note(name, text)
    _stage_timestamp(fd, dest, note)
    expected = {f"{stem}.ipynb" for stem in release} | set(release_files) | {TIMESTAMP_FILE}
    _extras(fd, expected, note)
    return staged


def _stage_handin(sub_fd, student, assignment, release, release_files, dest, keep_outputs):
    anomalies = []

    def note(notebook, message):
        anomalies.append(Anomaly(student, notebook, message))

    staged, opened = 0, []  # the student's folder, then the assignment's in it
    try:
        for name, what in ((student, "dossier de l'élève"), (assignment, "dossier du devoir")):
            try:
                opened.append(open_dir(name, opened[-1] if opened else sub_fd))
            except Unreadable as exc:
                note("-", f"{what} illisible ({exc}) : aucun fichier lu")
                break
        else:
            staged = _stage_folder(opened[-1], release, release_files, dest, note, keep_outputs)
    finally:
        for fd in reversed(opened):
            os.close(fd)
    if not staged and release:
        anomalies.extend(_placeholder(student, release, dest, "aucun notebook distribué n'a pu être lu dans ce rendu"))
    return anomalies


def _placeholder(student, release, dest, why):
    """One released notebook, scored 0, in an otherwise empty staged folder.

    nbgrader fails a hand-in without any notebook; with one, the student gets
    a gradebook row and nbgrader scores the missing notebooks 0.
    """
    stem = sorted(release)[0]
    nb, notes = replacement(release[stem], f"{why} : version distribuée notée à la place")
    _write_notebook(nb, dest / f"{stem}.ipynb")
    return [Anomaly(student, f"{stem}.ipynb", notes[0])]


def _fallback(student, release, dest, exc):
    for path in dest.iterdir():
        path.unlink()
    why = f"erreur interne de la mise au propre ({type(exc).__name__})"
    if not release:
        return [Anomaly(student, "-", why)]
    return _placeholder(student, release, dest, why)


def stage(submitted_dir, release_dir, handins, root, keep_outputs=False):
    """Stage hand-ins into ``root/<student>/<assignment>/``; return the anomalies.

    ``submitted_dir`` holds ``<student>/<assignment>/`` (the hand-ins: every
    byte hostile), ``release_dir`` holds ``<assignment>/`` (the released
    notebooks: trusted), ``handins`` lists (student, assignment) pairs and
    ``root`` is a private folder made by the caller. Each staged folder holds
    the rebuilt notebooks of the release notebooks present in the hand-in and,
    if valid, ``timestamp.txt``; nothing else. With ``keep_outputs`` (the
    notebooks will not be run), the rebuilt notebooks keep the student's
    outputs (:mod:`.handed_in_outputs`).
    """
    root = Path(root)
    releases = {}
    anomalies = []
    sub_fd = os.open(submitted_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for student, assignment in handins:
            _check_component(student)
            _check_component(assignment)
            if assignment not in releases:
                releases[assignment] = _release_notebooks(Path(release_dir) / assignment)
            release, release_files = releases[assignment]
            dest = root / student / assignment
            dest.mkdir(parents=True, exist_ok=True)
            try:
                anomalies.extend(_stage_handin(sub_fd, student, assignment, release, release_files, dest, keep_outputs))
            except Exception as exc:  # a bug of ours must not cost the hand-in its gradebook row
                _LOG.exception("Staging %s/%s failed", student, assignment)
                anomalies.extend(_fallback(student, release, dest, exc))
    finally:
        os.close(sub_fd)
    return anomalies


# --- the instructor's report ------------------------------------------------------------


def report_folder(course_root, assignment):
    """Where the report of ``assignment`` lives: ``logs/<assignment>/`` of the course.

    Not ``autograded/``, whose entries are student ids: a student folder named
    ``anomalies.txt`` would be the report. ``logs/<assignment>/`` holds only
    the class command's logs, named by :func:`.student_ids.file_name`
    (``<name>.log``), so no id and no log can take the report's name.
    """
    return Path(course_root) / "logs" / assignment


def write_report(folder, anomalies, students):
    """Rewrite ``folder/anomalies.txt``: the lines of ``students`` replaced by ``anomalies``.

    Lines of students outside this run are kept; a line is the student's by
    its first field, the id as :func:`.student_ids.shown` prints it, which two
    ids never share. The file is replaced, never written through, so a link
    planted in its place is not followed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    replaced = {shown_id(s) for s in students}
    kept = []
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        try:
            old = read_regular(REPORT_NAME, fd, MAX_REPORT_BYTES) or b""
        except Unreadable:
            old = b""
    finally:
        os.close(fd)
    for line in old.decode("utf-8", "replace").splitlines():
        if line and line.split("\t", 1)[0] not in replaced:
            kept.append(line)
    lines = sorted(kept + [a.line() for a in anomalies], key=lambda line: line.split("\t", 1)[0])
    handle, temporary = tempfile.mkstemp(prefix=f".{REPORT_NAME}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write("".join(f"{line}\n" for line in lines))
        os.chmod(temporary, 0o644)
        os.replace(temporary, folder / REPORT_NAME)
    except BaseException:
        os.unlink(temporary)
        raise
    return folder / REPORT_NAME
