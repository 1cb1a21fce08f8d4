"""A hand-in folder read into bytes, without following a link, to travel to a worker.

The driver reads ``submitted/<student>/<assignment>/`` once with the link-free
reader of the plug-in (:mod:`grading_tests.nbgrader_plugin.handin_files`) and
ships what it read; the worker writes it into a private course and nbgrader
stages it again through the normal plug-in, which decides what is graded.
So the bytes may be hostile: only their size is bounded here.

What the staging looks at is the top level of the hand-in: the released
notebooks by name, ``timestamp.txt``, and the names and kinds of the other
entries (reported as anomalies, never read). So a hand-in is:

- ``files``: {name: bytes} of the notebooks and ``timestamp.txt`` that are
  small regular files;
- ``entries``: {name: kind} of every other entry: ``file`` (a regular file
  the staging only names), ``link``, ``dir``, ``fifo``, ``device``,
  ``socket``, ``other``, ``big:<size>`` (a notebook over the size cap), or
  ``unreadable``;
- ``root``: None, or (``student``|``assignment``, kind) when the student's
  folder or the assignment's folder is not a plain folder (a link...).

:func:`recreate` lays this out again in the worker's private course, each
entry as a stand-in of the same kind (a dangling link, an empty folder, a
FIFO, a sparse file of the same size), so that the staging notes the same
anomalies as it would have in the course itself.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import socket
import stat
from pathlib import Path

from ...nbgrader_plugin import handin_files

__all__ = [
    "MAX_ENTRIES", "TIMESTAMP", "list_entries", "read_handin", "has_notebook", "nested_notebooks",
    "handin_digest", "recreate",
]

TIMESTAMP = "timestamp.txt"
MAX_TIMESTAMP_BYTES = 1024
MAX_ENTRIES = 10_001  # one past what the staging lists, so it still says "or more"
_DANGLING = "/nonexistent/rn-lien-non-suivi"


def list_entries(submitted_dir, assignment):
    """Every entry of ``submitted_dir``, sorted, as (name, kind).

    ``kind`` is ``handin`` when ``<name>/<assignment>`` is a folder (as
    nbgrader's glob finds it, links followed), ``absent`` for another folder,
    ``file`` for anything else. Hidden names are listed too: whatever is
    there gets a line of the final table.
    """
    folder = Path(submitted_dir)
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(os.listdir(folder)):
        if os.path.isdir(folder / entry / assignment):
            found.append((entry, "handin"))
        else:
            found.append((entry, "absent" if os.path.isdir(folder / entry) else "file"))
    return found


def has_notebook(handin):
    """Whether nbgrader's notebook glob (``*.ipynb``, hidden names left out) finds anything in the hand-in.

    nbgrader skips a hand-in where it finds none (``--student`` alone: it
    fails); a hand-in whose folder is not a plain folder is staged as such.
    """
    if handin["root"] is not None:
        return True
    names = list(handin["files"]) + list(handin["entries"])
    return any(fnmatch.fnmatchcase(name, "*.ipynb") and not name.startswith(".") for name in names)


def nested_notebooks(submitted_dir, student, assignment, limit=MAX_ENTRIES):
    """{subfolder: notebooks in it} one level below the hand-in, links not followed (for the table's hint)."""
    found, opened = {}, []
    try:
        opened.append(os.open(submitted_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
        for name in (student, assignment):
            opened.append(handin_files.open_dir(name, opened[-1]))
        with os.scandir(opened[-1]) as scan:
            subfolders = [e.name for _, e in zip(range(limit), scan) if e.is_dir(follow_symlinks=False)]
        for name in sorted(subfolders)[:10]:
            try:
                fd = handin_files.open_dir(name, opened[-1])
            except handin_files.Unreadable:
                continue
            try:
                with os.scandir(fd) as scan:
                    count = sum(1 for _, e in zip(range(limit), scan) if e.name.endswith(".ipynb") and not e.name.startswith("."))
            finally:
                os.close(fd)
            if count:
                found[name] = count
    except (OSError, handin_files.Unreadable):
        pass
    finally:
        for fd in reversed(opened):
            os.close(fd)
    return found


def _kind(mode):
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"


def _root_kind(name, dir_fd):
    try:
        return _kind(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return "unreadable"


def read_handin(submitted_dir, student, assignment, notebooks):
    """The hand-in of ``student`` as {"files", "entries", "root"} (see the module's docstring).

    ``notebooks`` are the names (``x.ipynb``) of the released notebooks: the
    only files, with ``timestamp.txt``, whose bytes the staging reads.
    """
    wanted = set(notebooks)
    handin = {"files": {}, "entries": {}, "root": None}
    opened = []
    try:
        fd = os.open(submitted_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        opened.append(fd)
        for level, name in (("student", student), ("assignment", assignment)):
            try:
                opened.append(handin_files.open_dir(name, opened[-1]))
            except handin_files.Unreadable:
                handin["root"] = (level, _root_kind(name, opened[-1]))
                return handin
        folder = opened[-1]
        with os.scandir(folder) as scan:
            names = []
            for entry in scan:
                names.append(entry.name)
                if len(names) >= MAX_ENTRIES:
                    break
        for name in sorted(names):
            try:
                kind = _kind(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
            except OSError:
                handin["entries"][name] = "unreadable"
                continue
            if kind == "file" and (name in wanted or name == TIMESTAMP):
                cap = handin_files.MAX_NOTEBOOK_BYTES if name in wanted else MAX_TIMESTAMP_BYTES
                try:
                    data = handin_files.read_regular(name, folder, cap)
                except handin_files.Unreadable:
                    size = os.stat(name, dir_fd=folder, follow_symlinks=False).st_size
                    handin["entries"][name] = f"big:{size}" if size > cap else "unreadable"
                    continue
                if data is not None:
                    handin["files"][name] = data
                continue
            handin["entries"][name] = kind
    finally:
        for fd in reversed(opened):
            os.close(fd)
    return handin


def handin_digest(handin):
    """sha256 (hex) of a hand-in as :func:`read_handin` returns it."""
    h = hashlib.sha256(b"rn-handin-1\0")
    h.update(repr(handin["root"]).encode() + b"\0")
    for name in sorted(handin["files"]):
        data = handin["files"][name]
        h.update(b"F\0" + name.encode("utf-8", "surrogateescape") + b"\0" + str(len(data)).encode() + b"\0" + data)
    for name in sorted(handin["entries"]):
        h.update(b"E\0" + name.encode("utf-8", "surrogateescape") + b"\0" + handin["entries"][name].encode() + b"\0")
    return h.hexdigest()


def _component(name):
    if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"not a single path component: {name!r}")
    return name


def _stand_in(path, kind):
    """An entry of the same kind as the hand-in's, holding nothing of it."""
    if kind == "link":
        os.symlink(_DANGLING, path)
    elif kind == "dir":
        os.mkdir(path)
    elif kind in ("fifo", "device", "other", "unreadable"):
        os.mkfifo(path)  # never opened by the staging; a device cannot be made without privileges
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.bind(str(path))
    elif kind.startswith("big:"):
        with open(path, "xb") as f:
            f.truncate(int(kind[4:]))  # sparse: the size the staging reports, no disk used
    else:  # "file": named by the staging, never read
        open(path, "xb").close()


def recreate(handin, submitted_dir, student, assignment):
    """Write ``handin`` as ``submitted_dir/<student>/<assignment>/`` (a private course's)."""
    base = Path(submitted_dir)
    student, assignment = _component(student), _component(assignment)
    base.mkdir(parents=True, exist_ok=True)
    root = handin["root"]
    if root is not None:
        level, kind = root
        # A folder that is not a plain folder: a stand-in of its kind, and what
        # nbgrader would list through a link (one empty notebook), never read.
        decoy = base.parent / ".rn-decoy" / student / assignment
        decoy.mkdir(parents=True)
        (decoy / "leurre.ipynb").write_bytes(b"")
        if level == "student":
            target = base / student
        else:
            (base / student).mkdir()
            target = base / student / assignment
        if kind == "link":
            os.symlink(decoy if level == "assignment" else decoy.parent, target)
        else:
            _stand_in(target, kind)
        return target
    folder = base / student / assignment
    folder.mkdir(parents=True)
    for name, data in handin["files"].items():
        with open(folder / _component(name), "xb") as f:
            f.write(data)
    for name, kind in handin["entries"].items():
        _stand_in(folder / _component(name), kind)
    return folder
