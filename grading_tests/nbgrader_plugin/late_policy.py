"""The course's late policy: the one computation of a late penalty, and the per-student extensions.

**The deadline** of a student is the assignment's due date in nbgrader's
gradebook (``nbgrader db assignment add … --duedate``, or the formgrader),
or, when ``extensions.csv`` grants one, the new deadline written there. An
assignment without a due date makes nobody late.

**The penalty** (:class:`LatePolicy`, configured in ``nbgrader_config.py``)
is a share of the score, the same share of every notebook and so of the
total:

- a hand-in at most ``grace_minutes`` after its deadline is on time;
- past that, each started ``unit`` (day or hour) of lateness, counted from
  the deadline itself, costs ``rate`` of the score, at most ``cap``;
- past ``hard_deadline_hours`` after the deadline (0: never), the score is 0.

A penalty is rounded to the hundredth of a point, never above the score.

**Extensions** live in a small CSV file kept under version control
(:data:`EXTENSIONS_FILE` at the course root): one row per student,
``student,deadline,reason``. A deadline is ``YYYY-MM-DD HH:MM`` (seconds
optional), in ``LatePolicy.timezone`` unless it names its own zone
(``2025-03-16 23:59 Europe/Paris``, ``2025-03-16T22:59Z``,
``2025-03-16 23:59+01:00``). A file that cannot be read exactly (a missing
column, a student twice, a date without a time, an id outside the safe set)
raises :class:`PolicyError` with a French message naming the line: nothing
is guessed.

Dates are compared as nbgrader stores them: naive datetimes in UTC.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float, TraitError, Unicode, validate

from . import student_ids

__all__ = [
    "EXTENSIONS_FILE",
    "MAX_EXTENSIONS_BYTES",
    "PolicyError",
    "Extension",
    "Lateness",
    "LatePolicy",
    "parse_deadline",
    "extensions_bytes",
    "read_extensions",
    "parse_extensions",
    "student_deadline",
    "seconds_late",
    "format_delay",
    "format_date",
]

EXTENSIONS_FILE = "extensions.csv"
MAX_EXTENSIONS_BYTES = 1 << 20
UNIT_SECONDS = {"day": 86400, "hour": 3600}
_UNIT_FR = {"day": "jour", "hour": "heure"}
# Column names of extensions.csv, English or French.
_COLUMNS = {
    "student": ("student", "élève", "eleve", "étudiant", "etudiant"),
    "deadline": ("deadline", "new deadline", "date limite", "nouvelle date limite"),
    "reason": ("reason", "motif", "raison"),
}
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}")


class PolicyError(ValueError):
    """The late policy or the extensions file cannot be applied as written (French message)."""


@dataclass(frozen=True)
class Extension:
    """One row of the extensions file: the student's new deadline (naive UTC) and why."""

    student: str
    deadline: datetime.datetime
    reason: str
    line: int


@dataclass(frozen=True)
class Lateness:
    """How late a hand-in is, and the share of its score that lateness costs."""

    seconds: float  # after the student's deadline; 0 when on time or without a deadline
    units: int  # started days or hours counted (0 within the grace period)
    fraction: float  # share of the score lost, from 0 to 1
    zero: bool  # past the hard deadline
    within_grace: bool  # late, but by no more than the grace period

    @property
    def late(self):
        return self.fraction > 0

    def penalty(self, score):
        """The points ``score`` loses: rounded to the hundredth, never above the score."""
        score = float(score or 0.0)
        if score <= 0 or self.fraction <= 0:
            return 0.0
        if self.fraction >= 1:
            return score
        return min(score, round(score * self.fraction, 2))


def parse_deadline(text, timezone="UTC"):
    """A deadline as written in the extensions file -> naive UTC datetime; PolicyError if unreadable."""
    text = " ".join(str(text).split())
    if not _TIME.match(text):
        raise PolicyError(f"date « {text} » : il faut une date et une heure, « AAAA-MM-JJ HH:MM » (fuseau facultatif)")
    zone_name = None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        head, _, zone_name = text.rpartition(" ")
        try:
            moment = datetime.datetime.fromisoformat(head)
        except ValueError:
            raise PolicyError(f"date « {text} » illisible : écrivez « AAAA-MM-JJ HH:MM [fuseau] »") from None
        if moment.tzinfo is not None:
            raise PolicyError(f"date « {text} » : deux fuseaux horaires")
    zone = _zone(zone_name or timezone)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _zone(name):
    if name.upper() in ("UTC", "Z", "GMT"):
        return datetime.timezone.utc
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"fuseau horaire « {name} » inconnu (exemples : Europe/Paris, UTC)") from None


def _column(header, role):
    names = _COLUMNS[role]
    found = [i for i, name in enumerate(header) if " ".join(name.split()).casefold() in names]
    return found[0] if found else None


def extensions_bytes(path):
    """The bytes of the extensions file, or None when it does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    if not path.is_file():
        raise PolicyError(f"{path.name} n'est pas un fichier")
    with open(path, "rb") as f:
        raw = f.read(MAX_EXTENSIONS_BYTES + 1)
    if len(raw) > MAX_EXTENSIONS_BYTES:
        raise PolicyError(f"{path.name} : plus de {MAX_EXTENSIONS_BYTES} octets")
    return raw


def read_extensions(path, timezone="UTC"):
    """{student: Extension} from the extensions file (UTF-8, BOM allowed); {} when it does not exist."""
    raw = extensions_bytes(path)
    return {} if raw is None else parse_extensions(raw, Path(path).name, timezone)


def parse_extensions(raw, name=EXTENSIONS_FILE, timezone="UTC"):
    """{student: Extension} from the bytes of an extensions file named ``name``."""
    path = Path(name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PolicyError(f"{path.name} n'est pas en UTF-8 (enregistrez-le en « CSV UTF-8 »)") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        return {}
    header = rows[0]
    where = {role: _column(header, role) for role in _COLUMNS}
    for role in ("student", "deadline"):
        if where[role] is None:
            raise PolicyError(
                f"{path.name} : pas de colonne « {role} » dans l'en-tête "
                f"({', '.join(student_ids.shown(h) for h in header) or 'vide'}) ; en-tête attendu : student,deadline,reason"
            )
    found = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = lambda role: row[where[role]].strip() if where[role] is not None and where[role] < len(row) else ""  # noqa: E731
        student = unicodedata.normalize("NFC", cell("student"))
        if not student:
            raise PolicyError(f"{path.name}, ligne {number} : identifiant d'élève vide")
        why = student_ids.refusal(student)
        if why:
            raise PolicyError(f"{path.name}, ligne {number} : identifiant « {student_ids.shown(student)} » impossible ({why})")
        if student in found:
            raise PolicyError(
                f"{path.name}, ligne {number} : « {student_ids.shown(student)} » a déjà une prolongation "
                f"(ligne {found[student].line}) ; une seule ligne par élève"
            )
        if not cell("deadline"):
            raise PolicyError(f"{path.name}, ligne {number} : date limite vide pour « {student_ids.shown(student)} »")
        try:
            deadline = parse_deadline(cell("deadline"), timezone)
        except PolicyError as exc:
            raise PolicyError(f"{path.name}, ligne {number} : {exc}") from None
        found[student] = Extension(student, deadline, cell("reason"), number)
    return found


def student_deadline(duedate, extension=None):
    """The student's deadline (naive UTC), or None when the assignment has no due date.

    An extension never brings a deadline forward: one before the due date is
    a mistake in the file, refused with PolicyError.
    """
    if duedate is None:
        return None
    if extension is None:
        return duedate
    if extension.deadline < duedate:
        raise PolicyError(
            f"prolongation de « {student_ids.shown(extension.student)} » (ligne {extension.line}) jusqu'au "
            f"{format_date(extension.deadline)} UTC, avant la date limite du devoir ({format_date(duedate)} UTC)"
        )
    return extension.deadline


def seconds_late(timestamp, deadline):
    """Seconds from ``deadline`` to ``timestamp`` (naive UTC), 0 when on time or either is unknown."""
    if timestamp is None or deadline is None:
        return 0.0
    return max(0.0, (timestamp - deadline).total_seconds())


def format_delay(seconds):
    """A lateness in French: ``1 j 1 h``, ``3 h 20 min``, ``45 s``."""
    seconds = int(math.ceil(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} j" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes and not days else ""]
    text = " ".join(p for p in parts if p)
    return text or f"{secs} s"


def format_date(moment, timezone=None):
    """A naive UTC datetime as ``14/03/2025 19:00``, in ``timezone`` when given."""
    if moment is None:
        return "—"
    if timezone:
        moment = moment.replace(tzinfo=datetime.timezone.utc).astimezone(_zone(timezone))
    return moment.strftime("%d/%m/%Y %H:%M")


class LatePolicy(LateSubmissionPlugin):
    """The course's late policy, nbgrader's late-penalty plug-in (``AssignLatePenalties.plugin_class``).

    Used as nbgrader's plug-in it gives ``late_submission_penalty``; the
    course's own step (:class:`.late_penalties.LatePenalties`) and the grade
    export call :meth:`assess` and :meth:`extensions`, so that the
    autograde, the feedback and every export compute a penalty one way.
    """

    unit = Enum(("day", "hour"), default_value="day", help="Lateness is counted in started days or hours.").tag(config=True)
    rate = Float(0.10, help="Share of the score lost per started unit of lateness (0 to 1).").tag(config=True)
    cap = Float(0.50, help="Largest share of the score lost before the hard deadline (0 to 1).").tag(config=True)
    grace_minutes = Float(15.0, help="A hand-in at most this many minutes late is on time.").tag(config=True)
    hard_deadline_hours = Float(
        168.0, help="Past this many hours after the student's deadline the score is 0 (0: no hard deadline)."
    ).tag(config=True)
    extensions_file = Unicode(EXTENSIONS_FILE, help="Per-student extensions (student,deadline,reason), from the course root.").tag(config=True)
    timezone = Unicode("Europe/Paris", help="Time zone of the dates of the extensions file that name none, and of dates shown.").tag(config=True)

    @validate("rate", "cap")
    def _share(self, proposal):
        if not 0 <= proposal["value"] <= 1:
            raise TraitError(f"LatePolicy.{proposal['trait'].name} must be between 0 and 1, not {proposal['value']}")
        return proposal["value"]

    @validate("grace_minutes", "hard_deadline_hours")
    def _positive(self, proposal):
        if proposal["value"] < 0:
            raise TraitError(f"LatePolicy.{proposal['trait'].name} must be 0 or more, not {proposal['value']}")
        return proposal["value"]

    @validate("extensions_file")
    def _inside_the_course(self, proposal):
        parts = Path(proposal["value"]).parts
        if not parts or Path(proposal["value"]).is_absolute() or ".." in parts:
            raise TraitError(f"LatePolicy.extensions_file must be a path inside the course root, not {proposal['value']!r}")
        return proposal["value"]

    @validate("timezone")
    def _known_zone(self, proposal):
        try:
            _zone(proposal["value"])
        except PolicyError as exc:
            raise TraitError(str(exc)) from None
        return proposal["value"]

    def assess(self, seconds):
        """The :class:`Lateness` of a hand-in ``seconds`` after its deadline."""
        seconds = max(0.0, float(seconds or 0.0))
        if seconds == 0:
            return Lateness(0.0, 0, 0.0, False, False)
        if seconds <= self.grace_minutes * 60:
            return Lateness(seconds, 0, 0.0, False, True)
        units = math.ceil(seconds / UNIT_SECONDS[self.unit])
        if self.hard_deadline_hours and seconds > self.hard_deadline_hours * 3600:
            return Lateness(seconds, units, 1.0, True, False)
        return Lateness(seconds, units, min(self.cap, self.rate * units), False, False)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        """nbgrader's plug-in interface: the points ``score`` loses ``total_seconds_late`` after the deadline."""
        return self.assess(total_seconds_late).penalty(score)

    def extensions(self, root):
        """{student: Extension} of the course at ``root`` (PolicyError if the file is not right)."""
        return read_extensions(Path(root) / self.extensions_file, self.timezone)

    def describe(self, lateness, deadline):
        """One French sentence on a late hand-in for the student, or None when it is on time."""
        if not lateness.late:
            return None
        when = f"rendu {format_delay(lateness.seconds)} après la date limite ({format_date(deadline, self.timezone)})"
        if lateness.zero:
            return f"{when}, au-delà de la date limite absolue ({format_delay(self.hard_deadline_hours * 3600)} de retard) : note nulle"
        rule = f"{_percent(self.rate)} par {_UNIT_FR[self.unit]} entamé{'e' if self.unit == 'hour' else ''}, au plus {_percent(self.cap)}"
        return f"{when} : −{_percent(lateness.fraction)} de la note ({rule})"


def _percent(share):
    return f"{round(share * 100, 2):g} %"
