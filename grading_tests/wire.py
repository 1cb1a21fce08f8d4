"""The wire format between the grader (``sandbox.py``) and its worker (``_worker.py``).

The worker loads this file by its path, as it loads ``confine.py``, since it
may not import the course's package; the sandbox imports it normally. So it
uses the standard library only, and numpy is passed in as an argument: the
worker imports numpy only once it has confined itself.

**Frames.** A frame is an 8-byte big-endian length and a JSON header, then
as many blobs as the header's ``blobs`` says, each an 8-byte length and its
bytes (:func:`write`, :func:`read`). Every request of the grader carries a
fresh ``nonce`` (:func:`new_nonce`) that the worker's answer echoes: a frame
that a student's code writes to the protocol pipe on its own lacks it and is
dropped unread. A frame, and everything the grader reads to answer one
request, holds at most :data:`MAX_MESSAGE_BYTES`.

**Values.** A value is a JSON tree whose leaves point to blobs:

- ``{"none": true}``, ``{"scalar": "bool", "value": b}``;
- ``{"scalar": "int" | "float" | "numpy", "blob": i}`` and
  ``{"array": true, "blob": i}``: ``.npy`` bytes, written and read without
  pickle, of a real numeric dtype (:data:`ARRAY_KINDS`) only;
- ``{"tuple": [...]}``, ``{"list": [...]}``, ``{"dict": [[key, value], ...]}``
  (string keys), nested at most :data:`MAX_DEPTH` deep;
- grader to worker only: ``{"function": name, "params": value}``, a scalar
  test function the worker builds from its own table (:class:`TestFunction`);
- worker to grader only: ``{"unsupported": why}``, a returned value that
  can't be graded, which the grader sees as :class:`Unsupported`;
- worker to grader only: ``{"stacked": n, "items": [...]}``, the values of
  n repeated calls that are all tuples of plain arrays of the same shapes
  and dtypes, sent as one array per position (:func:`encode_repeated`); the
  grader rebuilds the list of n tuples.

:func:`encode` reads a student's value by exact type only, so that whatever
crosses the pipe is one of the types above; :func:`decode` refuses any tree
or blob that is not exactly one of them, on both sides.
"""

import functools
import io
import json
import os
import secrets
import struct
from dataclasses import dataclass

__all__ = [
    "MAX_MESSAGE_BYTES",
    "MAX_DEPTH",
    "ARRAY_KINDS",
    "TEXT_CHARS",
    "Unsupported",
    "TestFunction",
    "ProtocolError",
    "encode",
    "encode_repeated",
    "decode",
    "write",
    "read",
    "read_exact",
    "new_nonce",
    "clip",
    "clean_error",
    "MAX_LOAD_ERRORS",
]

# The caps, for both sides.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # one answer, header and blobs together
MAX_DEPTH = 6  # containers within containers
MAX_INT = 2**62  # a larger Python int is not sent (int64 on the other side)
ARRAY_KINDS = "biuf"  # bool, signed and unsigned integers, floats
# Characters kept of each text field of an error report.
TEXT_CHARS = {"type": 80, "message": 500, "code": 200, "cell": 20, "during": 20, "unsupported": 200}
MAX_LOAD_ERRORS = 50  # errors a load reports one by one; the rest are counted
_CHUNK = 1 << 20  # bytes asked of one os.read
_NONCE_BYTES = 16


@dataclass(frozen=True)
class Unsupported:
    """A returned value that can't be graded (a string, an object array, a subclass…)."""

    description: str


@dataclass
class TestFunction:
    """A scalar function built inside the worker (see ``_worker._scalar_function``)."""

    name: str
    params: dict


class ProtocolError(Exception):
    """A frame or a value that is not of the format above."""


def clip(text, field):
    """``text`` as a string, cut to the length of ``field`` in :data:`TEXT_CHARS`."""
    return str(text)[: TEXT_CHARS[field]]


def new_nonce():
    return secrets.token_hex(_NONCE_BYTES)


def clean_error(error):
    """Keep only short strings and numbers from a worker's error report."""
    where = error.get("where") if isinstance(error.get("where"), dict) else None
    clean = {"type": clip(error.get("type", "Exception"), "type"), "message": clip(error.get("message", ""), "message")}
    if where:
        clean["where"] = {
            "cell": clip(where.get("cell", ""), "cell"),
            "line": int(where["line"]) if isinstance(where.get("line"), int) else None,
            "code": clip(where.get("code") or "", "code"),
        }
    if "during" in error:
        clean["during"] = clip(error["during"], "during")
    if isinstance(error.get("blocked"), str):
        clean["blocked"] = clip(error["blocked"], "message")
    return clean


# --- frames ------------------------------------------------------------------------


def write(fd, header, blobs=()):
    """Write one frame to ``fd``: ``header`` (a dict) and the bytes of ``blobs``."""
    data = json.dumps(dict(header, blobs=len(blobs)), allow_nan=False).encode()
    parts = [struct.pack(">Q", len(data)), data]
    for blob in blobs:
        parts += [struct.pack(">Q", len(blob)), blob]
    view = memoryview(b"".join(parts))
    while view:
        view = view[os.write(fd, view) :]


def read_exact(fd, n, wait=None):
    """``n`` bytes of ``fd``; EOFError at its end. ``wait()`` runs before each read (a deadline)."""
    chunks = []
    while n:
        if wait is not None:
            wait()
        chunk = os.read(fd, min(n, _CHUNK))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read(source):
    """One frame as ``(header, blobs)``; ``source`` is a file descriptor or a ``read_exact(n)`` function."""
    if isinstance(source, int):
        source = functools.partial(read_exact, source)
    (size,) = struct.unpack(">Q", source(8))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError("header too large")
    try:
        header = json.loads(source(size))
        count = int(header.get("blobs", 0))
    except (ValueError, TypeError, AttributeError) as exc:
        raise ProtocolError("bad header") from exc
    blobs = []
    for _ in range(count):
        (size,) = struct.unpack(">Q", source(8))
        if size > MAX_MESSAGE_BYTES:
            raise ProtocolError("blob too large")
        blobs.append(source(size))
    return header, blobs


# --- values ------------------------------------------------------------------------


def encode(value, blobs, np, trusted=False, depth=0):
    """The tree of ``value``; its arrays and numeric scalars are appended to ``blobs``.

    A value that can't be sent becomes ``{"unsupported": why}`` (a student's
    value, in the worker). The grader's own values (``trusted``) may also be
    :class:`TestFunction`; one it can't send is its own bug: TypeError.
    """
    tree = _tree(value, blobs, np, trusted, depth)
    if trusted and "unsupported" in tree:
        raise TypeError(f"cannot send {type(value).__name__} to the worker ({tree['unsupported']})")
    return tree


def encode_repeated(values, blobs, np):
    """The list ``values`` of repeated calls: stacked when each is a tuple of plain arrays of the same
    shapes and dtypes (one blob per position instead of one per value), as a list otherwise."""
    first = values[0] if values else None
    uniform = type(first) is tuple and len(first) > 0 and all(
        type(v) is tuple and len(v) == len(first)
        and all(type(a) is np.ndarray and type(b) is np.ndarray and a.shape == b.shape and a.dtype == b.dtype
                for a, b in zip(v, first))
        for v in values
    )
    if not uniform:
        return encode(values, blobs, np)
    return {"stacked": len(values), "items": [encode(np.stack([v[i] for v in values]), blobs, np) for i in range(len(first))]}


def _unstack(tree, blobs, np, depth):
    n = tree["stacked"]
    arrays = [decode(item, blobs, np, None, depth + 1) for item in tree["items"]]
    if type(n) is not int or n < 1 or not arrays or any(type(a) is not np.ndarray or a.shape[:1] != (n,) for a in arrays):
        raise ProtocolError("bad stacked value")
    return [tuple(a[i].copy() for a in arrays) for i in range(n)]


def _tree(value, blobs, np, trusted, depth):
    if depth > MAX_DEPTH:
        return {"unsupported": "structure trop profonde"}
    if value is None:
        return {"none": True}
    if type(value) is bool:
        return {"scalar": "bool", "value": value}
    if type(value) is int and not -MAX_INT < value < MAX_INT:
        return {"unsupported": "entier trop grand"}
    if type(value) in (int, float):
        return _blob({"scalar": type(value).__name__}, np.asarray(value, dtype=np.int64 if type(value) is int else float), blobs, np)
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        if value.dtype.kind not in ARRAY_KINDS:
            return {"unsupported": f"scalaire numpy {value.dtype}"}
        return _blob({"scalar": "numpy"}, np.asarray(value), blobs, np)
    if isinstance(value, np.ndarray):
        if type(value) is not np.ndarray:
            return {"unsupported": f"sous-classe de ndarray ({type(value).__name__})"}
        if value.dtype.kind not in ARRAY_KINDS or value.dtype.fields is not None:
            return {"unsupported": f"tableau de dtype {value.dtype}"}
        return _blob({"array": True}, value, blobs, np)
    if type(value) in (tuple, list):
        return {type(value).__name__: [encode(v, blobs, np, trusted, depth + 1) for v in value]}
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            return {"unsupported": "dict dont les clés ne sont pas des chaînes"}
        return {"dict": [[k, encode(v, blobs, np, trusted, depth + 1)] for k, v in value.items()]}
    if trusted and isinstance(value, TestFunction):
        return {"function": value.name, "params": encode(value.params, blobs, np, trusted, depth + 1)}
    return {"unsupported": type(value).__name__}


def _blob(tree, arr, blobs, np):
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=False)
    blobs.append(buffer.getvalue())
    return dict(tree, blob=len(blobs) - 1)


def load_array(blob, np):
    """The array of one ``.npy`` blob, in native byte order; ProtocolError unless of :data:`ARRAY_KINDS`."""
    arr = np.load(io.BytesIO(blob), allow_pickle=False)
    if type(arr) is not np.ndarray:
        raise ProtocolError("bad array")
    if arr.dtype.kind not in ARRAY_KINDS or arr.dtype.fields is not None:
        raise ProtocolError(f"bad array dtype {arr.dtype}")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def decode(tree, blobs, np, function=None, depth=0):
    """Rebuild a value from its tree; ProtocolError for anything but the format above.

    ``function(name, params)`` builds a test function (the worker's side);
    without it a ``function`` tree is refused.
    """
    if depth > MAX_DEPTH or not isinstance(tree, dict) or len(tree) == 0:
        raise ProtocolError("malformed value")
    try:
        if "none" in tree:
            return None
        if "unsupported" in tree:
            return Unsupported(clip(tree["unsupported"], "unsupported"))
        if "array" in tree:
            return load_array(blobs[tree["blob"]], np)
        if "scalar" in tree:
            return _scalar(tree, blobs, np)
        if "tuple" in tree:
            return tuple(decode(v, blobs, np, function, depth + 1) for v in tree["tuple"])
        if "list" in tree:
            return [decode(v, blobs, np, function, depth + 1) for v in tree["list"]]
        if "dict" in tree:
            return {str(k): decode(v, blobs, np, function, depth + 1) for k, v in tree["dict"]}
        if "stacked" in tree and function is None:
            return _unstack(tree, blobs, np, depth)
        if "function" in tree and function is not None:
            return function(str(tree["function"]), decode(tree["params"], blobs, np, function, depth + 1))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ProtocolError(str(exc)) from exc
    raise ProtocolError("unknown value")


def _scalar(tree, blobs, np):
    kind = tree["scalar"]
    if kind == "bool":
        if not isinstance(tree["value"], bool):
            raise ProtocolError("bad bool")
        return tree["value"]
    arr = load_array(blobs[tree["blob"]], np)
    if arr.shape != ():
        raise ProtocolError("scalar with a shape")
    if kind == "float":
        return float(arr)
    if kind == "int":
        return int(arr)
    if kind == "numpy":
        return arr[()]
    raise ProtocolError(f"bad scalar kind {kind!r}")
