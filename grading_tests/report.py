"""Readable score table of a grading report (in French: students read it)."""

from __future__ import annotations

import textwrap

__all__ = ["format_table"]


def format_table(report, submission=None):
    width = max([len("fonction")] + [len(n) for n in report["functions"]])
    lines = []
    if submission is not None:
        lines.append(f"Soumission : {submission}")
    lines.append(f"{'fonction'.ljust(width)}  {'points':>11}")
    lines.append("-" * (width + 13))
    for name, result in report["functions"].items():
        mark = "✓" if result["score"] >= result["max_score"] else "✗"
        lines.append(f"{name.ljust(width)}  {result['score']:>5g} / {result['max_score']:<3g} {mark}")
    lines.append("-" * (width + 13))
    lines.append(f"{'total'.ljust(width)}  {report['score']:>5g} / {report['max_score']:<3g}")
    details = [(n, r) for n, r in report["functions"].items() if r["score"] < r["max_score"]]
    if details:
        lines.append("")
        lines.append("Détails :")
        for name, result in details:
            for message in result["feedback"]:
                lines.append(textwrap.fill(message, 100, initial_indent="  - ", subsequent_indent="    "))
    lines.append("")
    lines.append(f"Graine : {report['seed']} (même tirage : --seed {report['seed']})")
    return "\n".join(lines)
