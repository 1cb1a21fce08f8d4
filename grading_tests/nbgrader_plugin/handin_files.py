"""Reading a hand-in without trusting it: no link followed, only small regular files read.

Every byte of a hand-in is hostile: a name may be a link, a FIFO that blocks
a reader, a device, a huge file. Trusted code reads one only through
:func:`read_regular` (in a folder opened with :func:`open_dir`) or copies
some with :func:`copy_regular_files`; what was not read raises
:class:`Unreadable`, whose ``str()`` is the French reason, and names taken
from a hand-in are shown only through :func:`shown`.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "NAME_CHARS",
    "Unreadable",
    "shown",
    "kind_of",
    "os_reason",
    "open_dir",
    "read_regular",
    "copy_regular_files",
]

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
NAME_CHARS = 80  # a name shown in a note is cut to this length

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Unreadable(Exception):
    """A file or folder that was not read; ``str()`` is the French reason."""


def shown(text, limit=NAME_CHARS):
    """A name taken from a hand-in, safe to show anywhere: letters, digits, ``-_.+`` and spaces, cut to ``limit``."""
    text = "".join(ch if (ch.isalnum() or ch in "-_.+ ") and ch.isprintable() else "?" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind_of(mode):
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


def os_reason(exc):
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
            reason = kind_of(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
        except OSError:
            reason = None
        raise Unreadable(reason if reason and reason != "dossier" else os_reason(exc)) from exc


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
        raise Unreadable(os_reason(exc)) from exc
    reason = kind_of(before.st_mode)
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
        raise Unreadable(os_reason(exc)) from exc
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
