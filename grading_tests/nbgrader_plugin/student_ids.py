"""Student ids: the safe set, the refusal, how an id is printed, and file names derived from one.

A student id is the name of a folder of ``submitted/``, which the student
chooses when hand-ins come from a zip or an LMS export: every character of it
is hostile. Both ways of grading (``nbgrader autograde`` through
:class:`~.staging_exporter.StagingNotebookExporter`, and the class command)
use this module alone to decide which ids they grade and how they print them.

**The safe set** (:func:`refusal` is None exactly for these), measured
against stock nbgrader 0.9.6 (``docs/instructor.md``, *Student ids*):

- 1 to :data:`MAX_CHARS` characters (nbgrader's gradebook column is
  ``String(128)``, which PostgreSQL enforces), in Unicode NFC;
- each a letter, a combining mark or a digit of any script (categories L, M,
  N), the space U+0020, or printable ASCII punctuation but ``* ? [ ] ~ /``:
  nbgrader reads ``--student`` as a glob (stock skips ``eleve[1]`` and grades
  another student for ``a*b``) and turns a leading ``~`` into a home folder;
- not starting with ``.`` (a hidden folder, which nbgrader does not list),
  and neither starting nor ending with a space (nbgrader strips them).

So control and format characters (ESC, CR, newline, tab, bidi overrides,
zero-width ones), other spaces and bytes that are not UTF-8 are refused:
nbgrader itself would print them raw in its log and pages.

**Printing** (:func:`shown`) is injective: two different ids never print
alike. ASCII and the Latin-1 letters (with Œ, œ, Ÿ) print as themselves;
every other character prints as a Python escape (``\\x1b``, ``\\u0301``),
the backslash as ``\\\\``, and a space at either end as ``\\x20``: so a
Cyrillic « а » never passes for a Latin « a », nor NFD for NFC.

**File names** (:func:`file_name`): a plain ASCII id is its own file name;
any other is a readable prefix, ``~`` (outside the safe set) and a hash, so a
derived name is bounded, never equal to another id's, and never an id.
"""

from __future__ import annotations

import glob
import hashlib
import os
import unicodedata

__all__ = ["MAX_CHARS", "refusal", "refusal_message", "shown", "printable", "file_name", "nbgrader_value"]

MAX_CHARS = 128
# ASCII punctuation outside the safe set: nbgrader's --student is a glob (* ? [ ]),
# a leading ~ is a home folder to traitlets, / cannot be in a name.
REFUSED_ASCII = frozenset("*?[]~/")
# Printed as themselves beyond ASCII: the Latin-1 letters and the French Œ, œ, Ÿ.
_RAW_EXTRA = frozenset(chr(c) for c in range(0xC0, 0x100) if chr(c).isalpha()) | {"\u0152", "\u0153", "\u0178"}
_PLAIN_FILE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@+")
_PLAIN_FILE_CHARS_MAX = 100
_HASH_HEX = 24  # 96 bits
_PREFIX_CHARS = 40

_WHAT = {
    "Cc": "caractère de contrôle",
    "Cf": "caractère invisible de mise en forme",
    "Cs": "octet qui n'est pas de l'UTF-8",
    "Co": "caractère à usage privé",
    "Cn": "caractère non attribué",
    "Zl": "séparateur de ligne",
    "Zp": "séparateur de paragraphe",
    "Zs": "espace autre que l'espace ordinaire",
}


def shown(text):
    """``text`` as one printable line, injectively (see the module's docstring); never cut."""
    text = str(text)
    last = len(text) - 1
    out = []
    for index, ch in enumerate(text):
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == " " and index in (0, last):
            out.append("\\x20")
        elif 0x20 <= code < 0x7F or ch in _RAW_EXTRA:
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def printable(text):
    """Free text (a reason, an exception message) with its control and invisible characters escaped."""
    return "".join(
        ch if ch == " " or not unicodedata.category(ch).startswith(("C", "Z")) else shown(ch) for ch in str(text)
    )


def _refused_char(ch):
    """Why ``ch`` is outside the safe set, or None."""
    if ch == " ":
        return None
    if ch.isascii():
        if ch in REFUSED_ASCII:
            return "joker de nbgrader" if ch in "*?[]" else ("dossier personnel pour nbgrader" if ch == "~" else "séparateur")
        return None if 0x21 <= ord(ch) < 0x7F else _WHAT["Cc"]
    category = unicodedata.category(ch)
    if category[0] in "LMN":
        return None
    return _WHAT.get(category, "symbole ou ponctuation hors ASCII")


def refusal(student):
    """None if ``student`` is in the safe set; else why not, in French (one line)."""
    if not isinstance(student, str) or not student:
        return "nom vide"
    for ch in student:
        why = _refused_char(ch)
        if why:
            return f"caractère « {shown(ch)} » interdit ({why})"
    if len(student) > MAX_CHARS:
        return f"{len(student)} caractères, au plus {MAX_CHARS} (la colonne des identifiants du carnet de notes)"
    if student.startswith("."):
        return "nom commençant par « . » (dossier caché)"
    if student != student.strip(" "):
        return "espace au début ou à la fin du nom"
    normal = unicodedata.normalize("NFC", student)
    if normal != student:
        return f"nom non normalisé en NFC (à renommer « {shown(normal)} »)"
    return None


def refusal_message(student):
    """The anomaly line's message for a refused id (the same in every way of grading), or None."""
    why = refusal(student)
    if why is None:
        return None
    return f"identifiant d'élève refusé, {why} : rendu non noté, laissé tel quel dans submitted/ (renommez le dossier)"


def _raw_bytes(student):
    return os.fsencode(student) if isinstance(student, str) else bytes(student)


def file_name(student):
    """A file name for ``student``'s own file: bounded, and two ids never share one.

    A plain ASCII id (``[A-Za-z0-9_.@+-]``, not starting with ``.`` or ``-``,
    at most 100 characters) is its own name; any other id is
    ``<prefix>~<hash>``, whose ``~`` no id of the safe set holds.
    """
    if (
        0 < len(student) <= _PLAIN_FILE_CHARS_MAX
        and set(student) <= _PLAIN_FILE_CHARS
        and not student.startswith((".", "-"))
    ):
        return student
    digest = hashlib.sha256(_raw_bytes(student)).hexdigest()[:_HASH_HEX]
    ascii_only = unicodedata.normalize("NFKD", student[:_PREFIX_CHARS]).encode("ascii", "ignore").decode()  # élève -> eleve
    prefix = "".join(ch if ch in _PLAIN_FILE_CHARS else "_" for ch in ascii_only).lstrip(".-")
    return f"{prefix}~{digest}"


def nbgrader_value(student):
    """The value of ``--student=`` that makes nbgrader find exactly the folder ``student``.

    nbgrader globs it (``glob.escape``), and traitlets expands a leading
    ``~``, strips quotes around it and spaces at its ends: each such character
    is put in a one-character class, which the glob matches literally.
    """
    value = glob.escape(student)
    if value[:1] in ("~", '"', "'", " "):
        value = f"[{value[0]}]{value[1:]}"
    if value[-1:] == " ":
        value = f"{value[:-1]}[ ]"
    return value
