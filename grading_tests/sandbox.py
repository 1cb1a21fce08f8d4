"""Run a student's code in a separate, confined process and call it from here.

The grading process never imports or executes student code. It starts
``_worker.py`` with its own Python, under resource limits, sends it the
student's cells, and then asks it to call one function at a time. What comes
back is decoded here from plain JSON and ``.npy`` bytes (never pickle) into
objects of types this module builds itself: ``ndarray`` (exactly, never a
subclass) of a real numeric dtype, Python or numpy scalars, tuples, lists and
dicts. A call that hangs or kills the worker costs that call only: the worker
is killed and a fresh one is started for the next call.
"""

from __future__ import annotations

import ast
import functools
import io
import json
import os
import secrets
import select
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import confine

__all__ = ["Sandbox", "Outcome", "Unsupported", "TestFunction", "FORBIDDEN_MODULES"]

WORKER = Path(__file__).with_name("_worker.py")
COURSE_PACKAGES = [Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "reference_impl"]

# Ready-made networks would turn the final task into one import, and the
# course's own packages would hand over the answers.
FORBIDDEN_MODULES = [
    "reference_impl",
    "grading_tests",
    "sklearn.neural_network",
    "torch",
    "tensorflow",
    "keras",
    "jax",
    "flax",
]

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
# Statements that hang or kill the worker while loading are skipped one at a
# time; past this many the submission is given up.
MAX_SKIPPED = 10
MAX_DEPTH = 6
ARRAY_KINDS = "biuf"


@dataclass(frozen=True)
class Unsupported:
    """A returned value that can't be graded (a string, an object array, a subclass…)."""

    description: str


@dataclass
class TestFunction:
    """A scalar function built inside the worker (see ``_worker._scalar_function``)."""

    name: str
    params: dict


@dataclass
class Outcome:
    """What a call gave: a value, or why there is none.

    status is one of ``ok``, ``error`` (the student's code raised),
    ``missing`` (no such function), ``timeout``, ``crash`` (the worker died),
    ``protocol`` (it answered something that can't be decoded).
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


class ProtocolError(Exception):
    pass


def _encode(value, blobs):
    """Grader-side encoding of call arguments (trusted values only)."""
    if value is None:
        return {"none": True}
    if isinstance(value, bool):
        return {"scalar": "bool", "value": bool(value)}
    if isinstance(value, TestFunction):
        return {"function": value.name, "params": _encode(value.params, blobs)}
    if isinstance(value, (int, float)) and not isinstance(value, np.generic):
        blobs.append(_npy(np.asarray(value, dtype=np.int64 if isinstance(value, int) else float)))
        return {"scalar": "int" if isinstance(value, int) else "float", "blob": len(blobs) - 1}
    if isinstance(value, np.generic):
        blobs.append(_npy(np.asarray(value)))
        return {"scalar": "numpy", "blob": len(blobs) - 1}
    if isinstance(value, np.ndarray):
        blobs.append(_npy(value))
        return {"array": True, "blob": len(blobs) - 1}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, blobs) for v in value]}
    if isinstance(value, list):
        return {"list": [_encode(v, blobs) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[str(k), _encode(v, blobs)] for k, v in value.items()]}
    raise TypeError(f"cannot send {type(value).__name__} to the worker")


def _npy(arr):
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=False)
    return buffer.getvalue()


def _load_array(blob):
    arr = np.load(io.BytesIO(blob), allow_pickle=False)
    if type(arr) is not np.ndarray or arr.dtype.kind not in ARRAY_KINDS or arr.dtype.fields is not None:
        raise ProtocolError(f"bad array dtype {arr.dtype}")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def decode(tree, blobs, depth=0):
    """Rebuild a worker's value from its description; refuse anything else."""
    if depth > MAX_DEPTH or not isinstance(tree, dict) or len(tree) == 0:
        raise ProtocolError("malformed value")
    try:
        if "none" in tree:
            return None
        if "unsupported" in tree:
            return Unsupported(str(tree["unsupported"])[:200])
        if "array" in tree:
            return _load_array(blobs[tree["blob"]])
        if "scalar" in tree:
            kind = tree["scalar"]
            if kind == "bool":
                if not isinstance(tree["value"], bool):
                    raise ProtocolError("bad bool")
                return tree["value"]
            arr = _load_array(blobs[tree["blob"]])
            if arr.shape != ():
                raise ProtocolError("scalar with a shape")
            if kind == "float":
                return float(arr)
            if kind == "int":
                return int(arr)
            if kind == "numpy":
                return arr[()]
            raise ProtocolError(f"bad scalar kind {kind!r}")
        if "tuple" in tree:
            return tuple(decode(v, blobs, depth + 1) for v in tree["tuple"])
        if "list" in tree:
            return [decode(v, blobs, depth + 1) for v in tree["list"]]
        if "dict" in tree:
            return {str(k): decode(v, blobs, depth + 1) for k, v in tree["dict"]}
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ProtocolError(str(exc)) from exc
    raise ProtocolError("unknown value")


def _python_paths():
    """Import path of the worker: the standard library and site-packages only."""
    paths = []
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path and path not in paths:
            paths.append(path)
    dynload = Path(sysconfig.get_paths()["stdlib"]) / "lib-dynload"
    if dynload.is_dir():
        paths.insert(2, str(dynload))
    return paths


# Packages whose files the worker may not read at all, by any route (import,
# import by path, exec of their source, unpickling): the course's own, and
# ready-made neural networks, which would turn the final task into a call.
READY_MADE_NETWORKS = ["sklearn.neural_network", "torch", "tensorflow", "keras", "jax", "flax"]


# Both are worked out once per process: the installed packages do not change
# during a run, and every worker start needs them.
@functools.lru_cache(maxsize=1)
def _forbidden_dirs():
    """[folder, module] of every ready-made network installed where the worker imports from."""
    return [[folder, name] for name in READY_MADE_NETWORKS for folder in confine.package_dirs([name], _python_paths())]


@functools.lru_cache(maxsize=1)
def _readable_roots():
    """Directories the worker may read (``confine.readable_roots``), minus the
    course's packages and every ready-made network installed."""
    excluded = [str(p) for p in COURSE_PACKAGES] + [folder for folder, _ in _forbidden_dirs()]
    return confine.readable_roots(excluded, _python_paths())


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
    ):
        self.cells = list(cells)
        self.labels = list(labels) if labels is not None else [f"cellule {i + 1}" for i in range(len(self.cells))]
        self.memory_mb = memory_mb
        self.load_timeout = load_timeout
        self.cpu_seconds = cpu_seconds
        self.skipped = {}  # (cell, statement) -> why it was skipped
        self.load_errors = []
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

    def start(self):
        """Start a worker and load the cells, skipping statements that hang or crash."""
        for _ in range(MAX_SKIPPED + 1):
            self._spawn()
            try:
                self._send({"op": "load", "cells": self.cells, "skip": [list(k) for k in sorted(self.skipped)]})
                current = None
                while True:
                    header, _ = self._receive(self.load_timeout)
                    if header.get("event") == "statement":
                        current = (int(header["cell"]), int(header["statement"]))
                    elif header.get("event") == "loaded":
                        break
                    else:
                        raise ProtocolError("unexpected message while loading")
            except (WorkerTimeout, WorkerDied, ProtocolError, KeyError, TypeError, ValueError) as exc:
                self._kill()
                if current is None or current in self.skipped:
                    raise RuntimeError("the grading worker could not start") from exc
                self.skipped[current] = "timeout" if isinstance(exc, WorkerTimeout) else "crash"
                continue
            self.load_errors = [self._label_error(e) for e in header.get("errors", []) if isinstance(e, dict)]
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
            "sys_path": _python_paths(),
            "read_paths": _readable_roots(),
            "workdir": self._workdir,
            "forbidden_modules": FORBIDDEN_MODULES,
            "forbidden_dirs": _forbidden_dirs(),
            "memory_mb": self.memory_mb,
            "cpu_s": self.cpu_seconds,
        }
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-X", "utf8", str(WORKER), json.dumps(fds)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_worker_r, from_worker_w),
            cwd=self._workdir,
            env=confine.environment(self._workdir),
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
        self._nonce = secrets.token_hex(16)
        header = dict(header, blobs=len(blobs), nonce=self._nonce)
        data = json.dumps(header).encode()
        payload = [struct.pack(">Q", len(data)), data]
        for blob in blobs:
            payload += [struct.pack(">Q", len(blob)), blob]
        try:
            view = memoryview(b"".join(payload))
            while view:
                view = view[os.write(self._to_worker, view) :]
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied() from exc

    def _read_exact(self, n, deadline, budget):
        chunks = []
        while n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimeout()
            ready, _, _ = select.select([self._from_worker], [], [], remaining)
            if not ready:
                raise WorkerTimeout()
            chunk = os.read(self._from_worker, min(n, 1 << 20))
            if not chunk:
                raise WorkerDied()
            budget[0] += len(chunk)
            if budget[0] > MAX_MESSAGE_BYTES:
                raise ProtocolError("message too large")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _receive(self, timeout):
        """The next frame that answers the last request (see ``_send``)."""
        deadline = time.monotonic() + timeout
        budget = [0]
        while True:
            header, blobs = self._receive_frame(deadline, budget)
            if isinstance(header, dict) and header.get("nonce") == self._nonce:
                return header, blobs

    def _receive_frame(self, deadline, budget):
        (size,) = struct.unpack(">Q", self._read_exact(8, deadline, budget))
        if size > MAX_MESSAGE_BYTES:
            raise ProtocolError("header too large")
        try:
            header = json.loads(self._read_exact(size, deadline, budget))
            count = int(header.get("blobs", 0))
        except (ValueError, TypeError, AttributeError) as exc:
            raise ProtocolError("bad header") from exc
        blobs = []
        for _ in range(count):
            (size,) = struct.unpack(">Q", self._read_exact(8, deadline, budget))
            if size > MAX_MESSAGE_BYTES:
                raise ProtocolError("blob too large")
            blobs.append(self._read_exact(size, deadline, budget))
        return header, blobs

    # -- calls --------------------------------------------------------------------

    def call(self, name, *args, timeout=10.0, return_args=False, **kwargs):
        """Call the student's ``name(*args, **kwargs)`` in the worker.

        The arguments are sent as copies, so the grader's own arrays can never
        be touched. With ``return_args`` the worker also sends back the
        arguments as they are after the call, to check they were left alone.
        """
        if name not in self.defined:
            return Outcome("missing")
        return self._request({"op": "call", "name": name, "return_args": return_args}, args, kwargs, timeout)

    def get(self, name, timeout=5.0):
        """Read a variable of the submission (an answer to a question)."""
        if self._proc is None:
            self.start()
        return self._request({"op": "get", "name": name}, None, None, timeout)

    def blocked_imports(self, timeout=5.0):
        """Forbidden modules the submission tried to import (as the worker saw it)."""
        if self._proc is None:
            self.start()
        try:
            self._send({"op": "blocked"})
            header, _ = self._receive(timeout)
            return [str(b) for b in header.get("blocked", [])]
        except (WorkerTimeout, WorkerDied, ProtocolError):
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
                "type": str(error.get("type", ""))[:80],
                "message": str(error.get("message", ""))[:500],
                "line": error["line"] if isinstance(error.get("line"), int) else None,
            }
        if isinstance(error.get("where"), dict):
            error["where"] = dict(error["where"], cell=self.label(error["where"].get("cell")))
        return error

    def _request(self, header, args, kwargs, timeout):
        if self._proc is None:
            self.start()
        blobs = []
        if args is not None:
            header = dict(header, args=_encode(tuple(args), blobs), kwargs=_encode(dict(kwargs), blobs))
        try:
            self._send(header, blobs)
            response, out_blobs = self._receive(timeout)
        except WorkerTimeout:
            self._kill()
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
                return Outcome("error", error=self._label_error(_clean_error(error)))
            if response.get("status") != "ok":
                raise ProtocolError("bad status")
            outcome = Outcome("ok", value=decode(response["value"], out_blobs))
            if "args_after" in response:
                outcome.args_after = decode(response["args_after"], out_blobs)
                outcome.kwargs_after = decode(response["kwargs_after"], out_blobs)
            outcome.calls = [int(c) for c in response.get("calls", [])]
            outcome.elapsed = float(response.get("elapsed", 0.0))
            return outcome
        except (ProtocolError, KeyError, TypeError, ValueError) as exc:
            self._kill()
            return Outcome("protocol", error={"message": str(exc)})


def _clean_error(error):
    """Keep only short strings and numbers from a worker's error report."""
    where = error.get("where") if isinstance(error.get("where"), dict) else None
    clean = {"type": str(error.get("type", "Exception"))[:80], "message": str(error.get("message", ""))[:500]}
    if where:
        clean["where"] = {
            "cell": str(where.get("cell", ""))[:20],
            "line": int(where["line"]) if isinstance(where.get("line"), int) else None,
            "code": str(where.get("code") or "")[:200],
        }
    if "during" in error:
        clean["during"] = str(error["during"])[:20]
    return clean
