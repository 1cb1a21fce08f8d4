"""Every second of a student's grading, accounted for: the phases of each task, per student and for the run.

A student's record is a list of phases, in the order they happened, each
``{"phase", "notebook", "seconds", "cpu", "cpu_nbgrader", "cpu_kernels", "spans"}``
(``seconds`` of wall clock; ``cpu`` the CPU seconds of the whole process tree
that did the work; ``spans`` how many times the phase was entered):

``queued``
    from the driver's submission of the task to its start on a worker (wall
    time only: nothing of the student's runs yet);
``staged``
    the task writes the private course (course files, gradebook, hand-in); CPU
    of the task's thread in the worker;
``template_started``
    only for the student whose task started its worker's kernel template
    (the worker's first student that runs notebooks, or the first after the
    template died): the template's one-off imports, apart from the kernels';
``nbgrader``, ``kernel_started``, ``executed``, ``graders``
    the supervised ``nbgrader autograde`` (:mod:`.supervise`), split at the
    events its trusted preprocessors tell (:mod:`...nbgrader_plugin.phases`):
    per notebook, the confined kernel starting, the notebook running, then
    TrustedGrades waiting for the graders' report; ``nbgrader`` is the rest,
    nbgrader's own work (start-up, sanitising, saving grades, exiting).
    ``cpu`` is every process below the launcher (the nbgrader process, the
    kernel template and its kernels, the grading workers), ``cpu_nbgrader``
    the nbgrader process alone (the trusted side of the graders included:
    they run in a thread of it, beside the kernel), ``cpu_kernels`` the kernels
    and the template they fork from;
``collected``
    the task reads back what nbgrader wrote and removes the private course;
    CPU of the task's thread;
``written``
    the driver writes the gradebook rows and the graded files; CPU of the
    driver's thread.

The records go to ``logs/<assignment>/<name>.phases.json`` (the name from
:func:`.student_ids.file_name`) as each result is written, and all of them,
with the run's totals, to ``logs/<assignment>/run.json`` at the end of the run.
"""

from __future__ import annotations

import datetime
import json
import os
import time

from ...nbgrader_plugin import student_ids

__all__ = ["RUN_FILE", "RunAccounts", "own_phase", "phase", "student_record"]

RUN_FILE = "run.json"
IN_TASK = ("staged", "template_started", "nbgrader", "kernel_started", "executed", "graders", "collected")


def phase(name, seconds, cpu=None, notebook=None):
    """One phase's row; ``cpu`` None when no process of the student's ran in it."""
    return {"phase": name, "notebook": notebook, "seconds": round(max(0.0, seconds), 3),
            "cpu": None if cpu is None else round(max(0.0, cpu), 3), "cpu_nbgrader": 0.0, "cpu_kernels": 0.0, "spans": 1}


def own_phase(name, began, thread_cpu_then):
    """A phase of the calling thread that began at ``began`` (monotonic) with ``thread_cpu_then`` of its CPU."""
    return phase(name, time.monotonic() - began, time.thread_time() - thread_cpu_then)


def student_record(student, status, attempts, result, submitted_at, written):
    """The record of one student's last attempt: its phases (``written`` the driver's, or None) and totals."""
    phases = list((result.get("accounting") or {}).get("phases") or [])
    started_at = (result.get("accounting") or {}).get("started_at")
    if started_at is not None:
        phases.insert(0, phase("queued", started_at - submitted_at))
    if written is not None:
        phases.append(written)
    in_task = [p for p in phases if p["phase"] in IN_TASK]
    return {
        "student": student, "file": student_ids.file_name(student), "status": status, "attempts": attempts,
        "worker": result.get("worker"), "task_seconds": round(result.get("seconds", 0.0), 3),
        "phases": phases,
        "totals": {
            "seconds": round(sum(p["seconds"] for p in phases), 3),
            "task_phase_seconds": round(sum(p["seconds"] for p in in_task), 3),
            "cpu": round(sum(p["cpu"] or 0.0 for p in phases), 3),
            "cpu_nbgrader": round(sum(p["cpu_nbgrader"] for p in phases), 3),
            "cpu_kernels": round(sum(p["cpu_kernels"] for p in phases), 3),
        },
    }


def _write_json(folder, name, data):
    path, tmp = folder / name, folder / f".{name}.tmp"
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


class RunAccounts:
    """The records of one class run, written per student as they come and together at the end."""

    def __init__(self, folder, assignment, workers, scheduler, started):
        """``folder()`` gives the logs folder (made if absent, refused if a link: :func:`.gradebook.own_folder`);
        ``started``: the ``time.monotonic()`` of the command's start (the run's time is the command's)."""
        self.folder, self.assignment, self.records = folder, assignment, {}
        self.workers, self.scheduler = workers, scheduler
        self.started, self.started_at = started, datetime.datetime.now().isoformat(timespec="seconds")

    def add(self, record):
        """Keep ``record`` and write it to ``<name>.phases.json``."""
        self.records[record["student"]] = record
        _write_json(self.folder(), f"{record['file']}.phases.json", record)

    def summary(self):
        seconds = time.monotonic() - self.started
        graded = [r for r in self.records.values() if r["status"] == "noté"]
        cpu = sum(r["totals"]["cpu"] for r in graded)
        return {
            "assignment": self.assignment, "started": self.started_at, "seconds": round(seconds, 3),
            "workers": self.workers, "scheduler": self.scheduler, "graded": len(graded), "tasks": len(self.records),
            "students_per_minute": round(len(graded) / seconds * 60, 3) if seconds > 0 else None,
            "core_seconds_per_student": round(cpu / len(graded), 3) if graded else None,
            "students": sorted(self.records.values(), key=lambda r: r["file"]),
        }

    def write(self, err):
        """``run.json``: every record and the run's totals; a folder we cannot write is said on ``err``, never raised."""
        try:
            _write_json(self.folder(), RUN_FILE, self.summary())
        except (OSError, RuntimeError) as exc:  # RuntimeError: gradebook.ClassgradeError, a link in place of the folder
            err.write(f"Comptes de la correction non écrits : {type(exc).__name__}: {student_ids.printable(str(exc))}\n")
