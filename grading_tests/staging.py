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
  as plain cells, without metadata or outputs;
- ``timestamp.txt``, normalised, when it holds a date nbgrader accepts.

Everything else the student handed in is left out and reported as an
:class:`Anomaly`, for the instructor (``autograded/anomalies.txt``, see
:func:`write_report`) and, for notebooks, to the student in a notice cell.
"""

from __future__ import annotations

import copy
import errno
import json
import logging
import os
import re
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.utils import parse_utc

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "MAX_TIMESTAMP_BYTES",
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
    "write_report",
]

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_TIMESTAMP_BYTES = 1024
MAX_REPORT_BYTES = 8 * 1024 * 1024
REPORT_NAME = "anomalies.txt"
NAME_CHARS = 80  # a name shown in a note is cut to this length
LISTED_EXTRAS = 10  # extra files named per hand-in; the rest are counted
SCANNED_ENTRIES = 10_000  # a folder is not listed further than this
NOTES_PER_NOTEBOOK = 20
TIMESTAMP_FILE = "timestamp.txt"
# Folders Jupyter itself leaves next to notebooks: not worth a note.
BENIGN_NAMES = frozenset({".ipynb_checkpoints", "__pycache__"})
# Keys of the nbgrader metadata that decide how a cell is graded.
GRADING_KEYS = ("grade", "solution", "locked", "points", "schema_version", "task", "cell_type")
KEPT_TYPES = ("code", "markdown")

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
# What dateutil is given: no "/" or "\", so that a time zone name can never be
# a path (gettz opens any file it is given a path to).
_TIMESTAMP_TEXT = re.compile(r"[0-9A-Za-z :.,+\-]{1,64}")
_MISSING = object()
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anomaly:
    """Something of a hand-in that was not staged as the student wrote it."""

    student: str
    notebook: str  # "<name>.ipynb", or "-" for the hand-in as a whole
    message: str  # French, one line

    def line(self):
        """The report line: ``student<TAB>notebook<TAB>message``."""
        return "\t".join((shown(self.student, limit=200), shown(self.notebook), _one_line(self.message)))


class Unreadable(Exception):
    """A file or folder that was not read; ``str()`` is the French reason."""


def shown(text, limit=NAME_CHARS):
    """A name taken from a hand-in, safe to show anywhere: letters, digits, ``-_.+`` and spaces, cut to ``limit``."""
    text = "".join(ch if (ch.isalnum() or ch in "-_.+ ") and ch.isprintable() else "?" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text):
    return " ".join(str(text).split())


def _kind(mode):
    """Why a file of this mode is not read (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "lien symbolique, non suivi"
    if stat.S_ISDIR(mode):
        return "dossier"
    if stat.S_ISFIFO(mode):
        return "tube nommé (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "fichier de périphérique"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "pas un fichier ordinaire"


def _os_reason(exc):
    if exc.errno == errno.ELOOP:
        return "lien symbolique, non suivi"
    if exc.errno == errno.ENOTDIR:
        return "pas un dossier"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "accès refusé"
    return f"erreur {errno.errorcode.get(exc.errno, exc.errno)}"


def _megabytes(size):
    return f"{size / 2**20:.1f} Mo" if size >= 2**20 else f"{size} octets"


def open_dir(name, dir_fd):
    """Open the folder ``name`` of ``dir_fd`` without following a link; raise Unreadable."""
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise Unreadable("nom de dossier invalide")
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        # Linux says ENOTDIR for a link opened with O_NOFOLLOW | O_DIRECTORY: say what it is.
        try:
            reason = _kind(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
        except OSError:
            reason = None
        raise Unreadable(reason if reason and reason != "dossier" else _os_reason(exc)) from exc


def read_regular(name, dir_fd, cap):
    """The bytes of the regular file ``name`` of ``dir_fd``, at most ``cap`` of them.

    Returns None when there is no such entry. Raises Unreadable for a link
    (never followed), anything but a regular file (never opened, so a FIFO or
    a device is never read), or a file bigger than ``cap``.
    """
    try:
        before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Unreadable(_os_reason(exc)) from exc
    reason = _kind(before.st_mode)
    if reason:
        raise Unreadable(reason)
    if before.st_size > cap:
        raise Unreadable(f"trop gros : {_megabytes(before.st_size)}, au plus {_megabytes(cap)}")
    try:
        # O_NONBLOCK: if the entry became a FIFO since the stat, open() must not wait for a writer.
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Unreadable(_os_reason(exc)) from exc
    try:
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise Unreadable("remplacé pendant la lecture")
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            raise Unreadable(f"trop gros : plus de {_megabytes(cap)}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def copy_regular_files(source, target, wanted, cap):
    """Copy into ``target`` the regular files of the folder ``source`` whose names pass ``wanted``.

    Top level only; a link, a FIFO, a device, a hidden or oversized file is
    skipped (see :func:`read_regular`). Returns the names copied.
    """
    try:
        fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return []
    copied = []
    try:
        for name in sorted(os.listdir(fd)):
            if name.startswith(".") or not wanted(name):
                continue
            try:
                data = read_regular(name, fd, cap)
            except Unreadable:
                continue
            if data is not None:
                with open(os.path.join(target, name), "xb") as out:
                    out.write(data)
                copied.append(name)
    finally:
        os.close(fd)
    return copied


# --- rebuilding a notebook ------------------------------------------------------------


def _notice_cell(text):
    return nbformat.v4.new_markdown_cell(f"<div class=\"alert alert-danger\">\n\n**Correction** : {text}\n\n</div>")


def _notice_text(notes):
    items = "\n".join(f"- {note}" for note in notes)
    return f"ce notebook ne correspondait pas à la version distribuée ; voici ce que la correction en a fait :\n\n{items}"


def _nbgrader(cell):
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbgrader if isinstance(nbgrader, dict) else None


def _grade_id(cell):
    grade_id = (_nbgrader(cell) or {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _source(value):
    """A cell source as a str, or None when it is neither a str nor a list of str."""
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        value = "".join(value)
    if not isinstance(value, str):
        return None
    # JSON can spell lone surrogates ("\ud800"), which UTF-8 cannot write.
    return value.encode("utf-8", "replace").decode("utf-8")


def _same(a, b):
    """Equal metadata values, ``True`` and ``1`` told apart, ``2`` and ``2.0`` not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _edited_keys(student_meta, student_type, release_cell):
    release_meta = release_cell.metadata.nbgrader
    keys = [k for k in GRADING_KEYS if not _same(student_meta.get(k, _MISSING), release_meta.get(k, _MISSING))]
    if student_type != release_cell.cell_type:
        keys.append("type de la cellule")
    return keys


def _counted(notes):
    """Notes in order, a repeated one said once with its count, at most NOTES_PER_NOTEBOOK."""
    counts = Counter(notes)
    result = []
    for note in dict.fromkeys(notes):
        result.append(note if counts[note] == 1 else f"{note} (×{counts[note]})")
    if len(result) > NOTES_PER_NOTEBOOK:
        rest = len(result) - (NOTES_PER_NOTEBOOK - 1)
        result = result[: NOTES_PER_NOTEBOOK - 1] + [f"… et {rest} autres remarques"]
    return result


class _Ids:
    """Fresh cell ids that do not clash with the release's."""

    def __init__(self, taken):
        self.taken = set(taken)

    def new(self, stem):
        n = len(self.taken)
        while f"{stem}-{n}" in self.taken:
            n += 1
        self.taken.add(f"{stem}-{n}")
        return f"{stem}-{n}"


def _finish(nb, notes):
    """Insert the notice (if any note) and give the new cells ids in the release's format."""
    notes = _counted(notes)
    if notes:
        notice = _notice_cell(_notice_text(notes))
        notice["_staging_new"] = "correction"
        nb.cells.insert(0, notice)
    with_ids = (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    ids = _Ids(c.get("id") for c in nb.cells if "_staging_new" not in c)
    for cell in nb.cells:
        stem = cell.pop("_staging_new", None)
        if not with_ids:
            cell.pop("id", None)
        elif stem is not None or not cell.get("id"):
            cell["id"] = ids.new(stem or "cellule")
    return nb, notes


def replacement(release_nb, note):
    """The released notebook, with a notice holding ``note``; returns (notebook, notes)."""
    nb = nbformat.from_dict(copy.deepcopy(release_nb))
    return _finish(nb, [note])


def _plain_cell(cell_type, source):
    cell = nbformat.v4.new_code_cell(source) if cell_type == "code" else nbformat.v4.new_markdown_cell(source)
    cell["_staging_new"] = "eleve"  # _finish gives it a fresh id
    return cell


def rebuild(raw, release_nb):
    """The released notebook with the student's answers, and the French notes on what was not kept.

    ``raw`` is what the student handed in (bytes, or None if nothing could be
    read); ``release_nb`` the released notebook, read by trusted code. The
    result has the release's cells, metadata and order; each answer cell
    (``nbgrader.solution``) takes the source of the student's first cell with
    its ``grade_id``; other release cells are the release's; cells the student
    added (no nbgrader metadata, an unknown or repeated ``grade_id``) are kept
    as plain code or markdown cells, source only, after the release cell that
    precedes them in the student's notebook. Notes, if any, are listed in a
    notice inserted as cell 0.
    """
    if raw is None:
        return replacement(release_nb, "notebook illisible : remplacé par la version distribuée")
    try:
        data = json.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
    except Exception as exc:  # bad UTF-8, bad JSON, too deep, too long an integer...
        return replacement(release_nb, f"notebook illisible ({type(exc).__name__}) : remplacé par la version distribuée")
    if not isinstance(data, dict):
        return replacement(release_nb, "notebook illisible (pas un objet JSON) : remplacé par la version distribuée")
    cells = data.get("cells")
    if not isinstance(cells, list):
        return replacement(release_nb, "notebook illisible (pas de liste de cellules) : remplacé par la version distribuée")

    nb = nbformat.from_dict(copy.deepcopy(release_nb))
    release_cells = list(nb.cells)
    position = {}
    for index, cell in enumerate(release_cells):
        grade_id = _grade_id(cell)
        if grade_id is not None and grade_id not in position:
            position[grade_id] = index
    answers = {g for g, i in position.items() if (_nbgrader(release_cells[i]) or {}).get("solution") is True}

    notes, seen, taken = [], set(), {}
    added = {-1: []}  # release index the student's cell came after -> cells added there
    anchor = -1
    for cell in cells:
        if not isinstance(cell, dict):
            notes.append("cellule illisible (pas un objet JSON) : ignorée")
            continue
        cell_type, meta, grade_id = cell.get("cell_type"), _nbgrader(cell), _grade_id(cell)
        source = _source(cell.get("source"))
        if grade_id in position and grade_id not in seen:
            seen.add(grade_id)
            anchor = position[grade_id]
            release_cell = release_cells[anchor]
            name = shown(grade_id)
            edited = _edited_keys(meta, cell_type, release_cell)
            if edited:
                keys = ", ".join(edited)
                notes.append(f"métadonnées nbgrader modifiées dans la cellule « {name} » ({keys}) : remises comme distribuées")
            if grade_id in answers:
                if source is None:
                    notes.append(f"contenu illisible dans la cellule de réponse « {name} » : réponse ignorée")
                else:
                    taken[grade_id] = source
            elif source is not None and source != release_cell.source:
                what = "cellule verrouillée" if release_cell.metadata.nbgrader.get("locked") is True else "cellule hors réponse"
                notes.append(f"{what} « {name} » modifiée : remise comme distribuée")
            continue
        raw_meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
        if grade_id in seen:
            notes.append(f"identifiant « {shown(grade_id)} » en double : cellule gardée comme cellule ordinaire, non notée")
        elif grade_id is not None:
            notes.append(f"identifiant « {shown(grade_id)} » inconnu : cellule gardée comme cellule ordinaire, non notée")
        elif raw_meta not in (None, {}):
            notes.append("métadonnées nbgrader sans identifiant valide : cellule gardée comme cellule ordinaire, non notée")
        if cell_type == "raw":
            notes.append("cellule brute (raw) ajoutée : supprimée")
            continue
        if cell_type not in KEPT_TYPES:
            notes.append(f"cellule de type inconnu « {shown(cell_type)} » : supprimée")
            continue
        if source is None:
            notes.append("cellule ajoutée au contenu illisible : supprimée")
            continue
        added.setdefault(anchor, []).append(_plain_cell(cell_type, source))

    rebuilt = list(added[-1])
    for index, cell in enumerate(release_cells):
        grade_id = _grade_id(cell)
        if grade_id in taken and position[grade_id] == index:
            cell.source = taken[grade_id]
        if grade_id is not None and grade_id not in seen and position.get(grade_id) == index:
            meta = _nbgrader(cell)
            if meta.get("grade") is True:
                notes.append(f"cellule notée « {shown(grade_id)} » supprimée : rétablie")
            elif grade_id in answers:
                notes.append(f"cellule de réponse « {shown(grade_id)} » supprimée : rétablie comme distribuée")
            else:
                notes.append("cellule distribuée supprimée : rétablie")
        rebuilt.append(cell)
        rebuilt.extend(added.get(index, []))
    nb.cells = rebuilt
    return _finish(nb, notes)


# --- staging hand-ins -------------------------------------------------------------------


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
        note("-", f"dossier du devoir impossible à lister ({_os_reason(exc)})")
    found.sort(key=lambda entry: entry.name)
    for entry in found[:LISTED_EXTRAS]:
        try:
            kind = _kind(entry.stat(follow_symlinks=False).st_mode) or "fichier"
        except OSError:
            kind = "entrée illisible"
        note("-", f"non pris en compte ({kind}) : « {shown(entry.name)} »")
    unnamed = len(found) - LISTED_EXTRAS
    if unnamed > 0 or truncated:
        note("-", f"non pris en compte : {max(unnamed, 0)}{' ou plus' if truncated else ''} autre(s) entrée(s) du dossier")


def _stage_folder(fd, release, release_files, dest, note):
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
            nb, notes = rebuild(raw, release_nb)
        _write_notebook(nb, dest / name)
        staged += 1
        for text in notes:
            note(name, text)
    _stage_timestamp(fd, dest, note)
    expected = {f"{stem}.ipynb" for stem in release} | set(release_files) | {TIMESTAMP_FILE}
    _extras(fd, expected, note)
    return staged


def _stage_handin(sub_fd, student, assignment, release, release_files, dest):
    anomalies = []

    def note(notebook, message):
        anomalies.append(Anomaly(student, notebook, message))

    staged = 0
    try:
        student_fd = open_dir(student, sub_fd)
    except Unreadable as exc:
        note("-", f"dossier de l'élève illisible ({exc}) : aucun fichier lu")
    else:
        try:
            try:
                assignment_fd = open_dir(assignment, student_fd)
            except Unreadable as exc:
                note("-", f"dossier du devoir illisible ({exc}) : aucun fichier lu")
            else:
                try:
                    staged = _stage_folder(assignment_fd, release, release_files, dest, note)
                finally:
                    os.close(assignment_fd)
        finally:
            os.close(student_fd)
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


def stage(submitted_dir, release_dir, handins, root):
    """Stage hand-ins into ``root/<student>/<assignment>/``; return the anomalies.

    ``submitted_dir`` holds ``<student>/<assignment>/`` (the hand-ins: every
    byte hostile), ``release_dir`` holds ``<assignment>/`` (the released
    notebooks: trusted), ``handins`` lists (student, assignment) pairs and
    ``root`` is a private folder made by the caller. Each staged folder holds
    the rebuilt notebooks of the release notebooks present in the hand-in and,
    if valid, ``timestamp.txt``; nothing else.
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
                anomalies.extend(_stage_handin(sub_fd, student, assignment, release, release_files, dest))
            except Exception as exc:  # a bug of ours must not cost the hand-in its gradebook row
                _LOG.exception("Staging %s/%s failed", student, assignment)
                anomalies.extend(_fallback(student, release, dest, exc))
    finally:
        os.close(sub_fd)
    return anomalies


# --- the instructor's report ------------------------------------------------------------


def write_report(folder, anomalies, students):
    """Rewrite ``folder/anomalies.txt``: the lines of ``students`` replaced by ``anomalies``.

    Lines of students outside this run are kept. The file is replaced, never
    written through, so a link planted in its place is not followed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    replaced = {shown(s, limit=200) for s in students}
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
