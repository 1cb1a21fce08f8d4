"""What the class command prints: a row per folder of ``submitted/``, the progress line, the final table.

Every student id is printed through :func:`.student_ids.shown` (injective:
control characters, ESC, CR and newlines escaped, two ids never alike), and
every reason through :func:`.student_ids.printable`, since a reason may quote
an exception that quotes a path.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...nbgrader_plugin.student_ids import printable, shown

__all__ = ["Row", "STATUSES", "format_table", "progress_line", "score_text"]

# In the order the table lists them: what needs the instructor first.
STATUSES = ("échec", "refusé", "ignoré", "annulé", "noté", "inchangé")
_PLURALS = {"noté": "notés", "inchangé": "inchangés", "échec": "échecs", "refusé": "refusés", "ignoré": "ignorés", "annulé": "annulés"}
ALWAYS_COUNTED = ("noté", "inchangé", "échec")  # in the counts line even at 0; the others when present


@dataclass
class Row:
    """One folder of ``submitted/`` (or one ``--student`` id): graded, or why not."""

    student: str
    status: str  # one of STATUSES
    short: str = ""
    seconds: float = 0.0
    score: str = ""
    anomalies: int = 0
    reason: str = ""
    attempts: int = 0


def score_text(grades):
    """``12/40``: the automatic points of a submission's rows (:func:`.task.submission_rows`) out of its maximum."""
    got = out_of = 0.0
    for nb in grades["notebooks"].values():
        for grade in nb["grades"].values():
            got += grade["auto_score"] or 0.0
            out_of += grade["max_score"]
    return f"{got:g}/{out_of:g}"


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_line(done, total, row, elapsed):
    """``[3/30] dupont : noté en 6.1 s · écoulé 0:40 · reste ≈ 6:00``, the id escaped."""
    left = elapsed / done * (total - done) if done else 0.0
    reason = f" ({printable(row.reason)})" if row.reason else ""
    return (f"[{done}/{total}] {shown(row.student)} : {row.status}{reason} en {row.seconds:.1f} s"
            f" · écoulé {_clock(elapsed)} · reste ≈ {_clock(left)}")


def format_table(rows, report="logs/<devoir>/anomalies.txt", assignment="<devoir>"):
    """The final table, a line of counts, and the command that builds the class report; ``report`` is
    where the anomalies are listed."""
    order = {status: index for index, status in enumerate(STATUSES)}
    rows = sorted(rows, key=lambda r: (order.get(r.status, len(order)), shown(r.student)))
    header = f"{'élève':<20} {'résultat':<10} {'points':>12} {'durée':>8} {'empreinte':<13} remarque"
    lines = [header, "-" * len(header)]
    for r in rows:
        remark = printable(r.reason) or (f"{r.anomalies} anomalie(s), voir {report}" if r.anomalies else "")
        duration = f"{r.seconds:.1f} s" if r.status in ("noté", "échec") and r.seconds else ""
        lines.append(f"{shown(r.student):<20} {r.status:<10} {r.score:>12} {duration:>8} {r.short:<13} {remark}".rstrip())
    counts = {status: sum(r.status == status for r in rows) for status in STATUSES}
    parts = [f"{_PLURALS[s]} : {counts[s]}" for s in ALWAYS_COUNTED]
    parts.insert(2, f"anomalies : {sum(r.anomalies for r in rows)}")
    parts += [f"{_PLURALS[s]} : {counts[s]}" for s in STATUSES if s not in ALWAYS_COUNTED and counts[s]]
    lines += ["", ", ".join(parts)]
    lines.append(f"Rapport de classe (ce que la classe a manqué) : python -m grading_tests.course report {assignment}")
    return "\n".join(lines)
