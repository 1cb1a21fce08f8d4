"""Run a student's code in a separate, confined process and call it from here.

The grading process never imports or executes student code. It starts
``_worker.py`` with its own Python, under resource limits, sends it the
student's cells, and then asks it to call one function at a time. What comes
back is decoded here (``wire.py``, the format both sides share) from plain
JSON and ``.npy`` bytes (never pickle) into
objects of types this module builds itself: ``ndarray`` (exactly, never a
subclass) of a real numeric dtype, Python or numpy scalars, tuples, lists and
dicts. A call that hangs or kills the worker costs that call only: the worker
is killed and a fresh one is started for the next call.

Time is bounded three ways: each call has its own time-out; loading the cells
stops after ``load_budget`` seconds (the worker stops starting statements, and
every later start loads exactly the same ones); and :attr:`Sandbox.deadline`,
when set (a grader's budget, :func:`grading_tests.framework.run_grader`), cuts
every call and restart short: past it, a call returns the ``budget`` outcome
without running.
"""

from __future__ import annotations

import ast
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import confine, wire
from .worker_paths import FORBIDDEN_MODULES, forbidden_dirs, python_paths, readable_roots
from .wire import ProtocolError, TestFunction, Unsupported

__all__ = ["Sandbox", "Outcome", "BudgetSpent", "Unsupported", "TestFunction", "FORBIDDEN_MODULES"]

WORKER = Path(__file__).with_name("_worker.py")
# Statements that hang or kill the worker while loading are skipped one at a
# time; past this many the submission is given up.
MAX_SKIPPED = 10
# Seconds a load may run statements; the worker starts none after that.
LOAD_BUDGET = 60.0


@dataclass
class Outcome:
    """What a call gave: a value, or why there is none.

    status is one of ``ok``, ``error`` (the student's code raised),
    ``missing`` (no such function), ``timeout``, ``crash`` (the worker died),
    ``protocol`` (it answered something that can't be decoded), ``budget``
    (the sandbox's deadline passed before or during the call).
    """

    status: str
    value: object = None
    args_after: object = None
    kwargs_after: object = None
    error: dict | None = None
    calls: list = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self):
        return self.status == "ok"


class WorkerDied(Exception):
    pass


class WorkerTimeout(Exception):
    pass


class BudgetSpent(Exception):
    """The sandbox's deadline passed (see :attr:`Sandbox.deadline`)."""


class Sandbox:
    """A confined worker holding one submission's code.

    Parameters
    ----------
    cells : list of str
        The submission's code, one string per notebook cell.
    labels : list of str, optional
        Where each cell comes from, quoted in error messages.
    memory_mb : int
        Address-space limit of the worker.
    load_timeout : float
        Seconds allowed to run one top-level statement while loading. A
        statement that hangs or kills the worker is skipped on the next start.
    """

    def __init__(
        self,
        cells,
        *,
        labels=None,
        memory_mb=confine.LIMITS["worker"]["memory_mb"],
        load_timeout=20.0,
        cpu_seconds=confine.LIMITS["worker"]["cpu_s"],
        load_budget=LOAD_BUDGET,
    ):
        self.cells = list(cells)
        self.labels = list(labels) if labels is not None else [f"cellule {i + 1}" for i in range(len(self.cells))]
        self.memory_mb = memory_mb
        self.load_timeout = load_timeout
        self.load_budget = load_budget
        self.cpu_seconds = cpu_seconds
        # time.monotonic() past which no call runs (None: none); budget_spent says it cut one.
        self.deadline = None
        self.budget_spent = False
        self.until = None  # (cell, statement) the first load stopped at, for lack of time
        self.skipped = {}  # (cell, statement) -> why it was skipped
        self.load_errors = []
        self.load_errors_total = 0
        self.defined = []
        self.landlock_abi = 0
        self.starts = 0
        self._proc = None
        self._nonce = None
        self._workdir = None
        self._watch = None
        self._to_worker = self._from_worker = None

    # -- lifecycle ----------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def _limit(self, timeout):
        """(``timeout`` cut to what is left before the deadline, whether it was cut); BudgetSpent if none is left."""
        if self.deadline is None:
            return timeout, False
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.budget_spent = True
            raise BudgetSpent()
        return (left, True) if left < timeout else (timeout, False)

    def start(self):
        """Start a worker and load the cells, skipping statements that hang or crash.

        Raises BudgetSpent when the deadline passes while loading.
        """
        for _ in range(MAX_SKIPPED + 1):
            self._spawn()
            cut = False
            try:
                self._send({"op": "load", "cells": self.cells, "skip": [list(k) for k in sorted(self.skipped)],
                            "budget": self.load_budget, "until": list(self.until) if self.until else None})
                current = None
                while True:
                    timeout, cut = self._limit(self.load_timeout)
                    header, _ = self._receive(timeout)
                    if header.get("event") == "statement":
                        current = (int(header["cell"]), int(header["statement"]))
                    elif header.get("event") == "loaded":
                        break
                    else:
                        raise ProtocolError("unexpected message while loading")
            except BudgetSpent:
                self._kill()
                raise
            except (WorkerTimeout, WorkerDied, ProtocolError, KeyError, TypeError, ValueError) as exc:
                self._kill()
                if cut and isinstance(exc, WorkerTimeout):
                    self.budget_spent = True
                    raise BudgetSpent() from exc
                if current is None or current in self.skipped:
                    raise RuntimeError("the grading worker could not start") from exc
                self.skipped[current] = "timeout" if isinstance(exc, WorkerTimeout) else "crash"
                continue
            stopped = header.get("stopped")
            if self.until is None and isinstance(stopped, list) and len(stopped) == 2:
                self.until = (int(stopped[0]), int(stopped[1]))
            self.load_errors = [self._label_error(e) for e in header.get("errors", [])[:wire.MAX_LOAD_ERRORS] if isinstance(e, dict)]
            self.load_errors_total = max(len(self.load_errors), int(header.get("errors_total", 0)))
            self.defined = [str(n) for n in header.get("defined", [])]
            self.landlock_abi = int(header.get("landlock", 0))
            return self
        raise RuntimeError("the grading worker could not load the submission")

    def close(self):
        self._kill()

    def _spawn(self):
        self._kill()
        self.starts += 1
        self._workdir = tempfile.mkdtemp(prefix="grading-")
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        fds = {"in_fd": to_worker_r, "out_fd": from_worker_w}
        config = {
            "op": "config",
            "sys_path": python_paths(),
            "read_paths": readable_roots(),
            "workdir": self._workdir,
            "forbidden_modules": FORBIDDEN_MODULES,
            "forbidden_dirs": forbidden_dirs(),
            "memory_mb": self.memory_mb,
            "cpu_s": self.cpu_seconds,
        }
        # The course kernel's environment, minus nbgrader's flag: student code may not tell a grading (_notebook.py).
        env = {k: v for k, v in confine.environment(self._workdir).items() if k != "NBGRADER_EXECUTION"}
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-X", "utf8", str(WORKER), json.dumps(fds)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_worker_r, from_worker_w),
            cwd=self._workdir,
            env=env,
            start_new_session=True,
        )
        self._watch = confine.DiskWatch(self._workdir, confine.LIMITS["worker"]["disk_mb"] * confine.MIB, self._proc.pid)
        self._watch.start()
        os.close(to_worker_r)
        os.close(from_worker_w)
        self._to_worker, self._from_worker = to_worker_w, from_worker_r
        self._send(config)

    def _kill(self):
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        if self._proc is not None:
            # The worker leads its process group; killed before it is reaped.
            confine.kill_group(self._proc.pid)
            self._proc.wait()
            self._proc = None
        for fd in (self._to_worker, self._from_worker):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to_worker = self._from_worker = None
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    # -- wire ---------------------------------------------------------------------

    def _send(self, header, blobs=()):
        # Every reply must echo this request's nonce; frames that a student's
        # code writes to the protocol pipe on its own are dropped unread.
        self._nonce = wire.new_nonce()
        try:
            wire.write(self._to_worker, dict(header, nonce=self._nonce), blobs)
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied() from exc

    def _receive(self, timeout):
        """The next frame that answers the last request (see ``_send``).

        All the frames read to find it hold at most ``wire.MAX_MESSAGE_BYTES``.
        """
        deadline = time.monotonic() + timeout
        budget = [0]

        def wait():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_worker], [], [], remaining)[0]:
                raise WorkerTimeout()

        def read_exact(n):
            budget[0] += n
            if budget[0] > wire.MAX_MESSAGE_BYTES:
                raise ProtocolError("message too large")
            try:
                return wire.read_exact(self._from_worker, n, wait)
            except EOFError as exc:
                raise WorkerDied() from exc

        while True:
            header, blobs = wire.read(read_exact)
            if isinstance(header, dict) and header.get("nonce") == self._nonce:
                return header, blobs

    # -- calls --------------------------------------------------------------------

    def call(self, name, *args, timeout=10.0, return_args=False, repeat=None, **kwargs):
        """Call the student's ``name(*args, **kwargs)`` in the worker.

        The arguments are sent as copies, so the grader's own arrays can never
        be touched. With ``return_args`` the worker also sends back the
        arguments as they are after the call, to check they were left alone.
        ``repeat`` = n makes n calls on fresh copies in one round trip: the value is their list.
        """
        if name not in self.defined:
            return Outcome("missing")
        header = {"op": "call", "name": name, "return_args": return_args}
        if repeat:
            header["repeat"] = int(repeat)
        return self._request(header, args, kwargs, timeout)

    def get(self, name, timeout=5.0):
        """Read a variable of the submission (an answer to a question)."""
        return self._request({"op": "get", "name": name}, None, None, timeout)

    def blocked_imports(self, timeout=5.0):
        """Forbidden modules the submission tried to import (as the worker saw it)."""
        try:
            if self._proc is None:
                self.start()
            self._send({"op": "blocked"})
            header, _ = self._receive(self._limit(timeout)[0])
            return [str(b) for b in header.get("blocked", [])]
        except (WorkerTimeout, WorkerDied, ProtocolError, BudgetSpent):
            self._kill()
            return []

    def label(self, index):
        """Where cell ``index`` comes from, as the student knows it."""
        try:
            return self.labels[int(index)]
        except (ValueError, IndexError, TypeError):
            return "?"

    def statement_line(self, cell, statement):
        """Line number of a top-level statement of a cell (parsed here, never run)."""
        try:
            return ast.parse(self.cells[cell]).body[statement].lineno
        except (SyntaxError, ValueError, IndexError, RecursionError, MemoryError):
            return "?"

    def _label_error(self, error):
        """Replace the worker's cell numbers by the student's notebook and cell."""
        error = dict(error)
        if "cell" in error:
            error = {
                "cell": self.label(error["cell"]),
                "type": wire.clip(error.get("type", ""), "type"),
                "message": wire.clip(error.get("message", ""), "message"),
                "line": error["line"] if isinstance(error.get("line"), int) else None,
            }
        if isinstance(error.get("where"), dict):
            error["where"] = dict(error["where"], cell=self.label(error["where"].get("cell")))
        return error

    def _request(self, header, args, kwargs, timeout):
        cut = False
        try:
            if self._proc is None:
                self.start()
            timeout, cut = self._limit(timeout)
        except BudgetSpent:
            return Outcome("budget")
        blobs = []
        if args is not None:
            args, kwargs = (wire.encode(v, blobs, np, trusted=True) for v in (tuple(args), dict(kwargs)))
            header = dict(header, args=args, kwargs=kwargs)
        try:
            self._send(header, blobs)
            response, out_blobs = self._receive(timeout)
        except WorkerTimeout:
            self._kill()
            if cut:
                self.budget_spent = True
                return Outcome("budget")
            return Outcome("timeout")
        except WorkerDied:
            code = self._proc.poll() if self._proc else None
            self._kill()
            return Outcome("crash", error={"returncode": code})
        except ProtocolError as exc:
            self._kill()
            return Outcome("protocol", error={"message": str(exc)})
        try:
            if response.get("status") == "error":
                error = response.get("error") or {}
                return Outcome("error", error=self._label_error(wire.clean_error(error)))
            if response.get("status") != "ok":
                raise ProtocolError("bad status")
            outcome = Outcome("ok", value=wire.decode(response["value"], out_blobs, np))
            if "args_after" in response:
                outcome.args_after = wire.decode(response["args_after"], out_blobs, np)
                outcome.kwargs_after = wire.decode(response["kwargs_after"], out_blobs, np)
            outcome.calls = [int(c) for c in response.get("calls", [])]
            outcome.elapsed = float(response.get("elapsed", 0.0))
            return outcome
        except (ProtocolError, KeyError, TypeError, ValueError) as exc:
            self._kill()
            return Outcome("protocol", error={"message": str(exc)})
