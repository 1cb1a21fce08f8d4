"""The bank of implementations that proves the graders (see tests/bank/README.md).

Each file is a student submission. Its first lines are headers:

- wrong/<function>/<mistake>.py : ``# feedback: <text>``, a piece of the French
  feedback that must name the mistake (one or more such lines).
- correct/<function>/<variant>.py : no header needed.
- attacks/<attack>.py : ``# honest: f1, f2`` lists the functions the file
  really implements (they must keep full marks); every other function must
  score 0.
"""

import zlib
from pathlib import Path

import pytest

BANK = Path(__file__).parent / "bank"


def headers(path, key):
    values = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        name, _, value = line[1:].partition(":")
        if name.strip() == key:
            values.append(value.strip())
    return values


def seed_for(path):
    """A fixed seed per file: reproducible, yet different across the bank."""
    return zlib.crc32(str(path.relative_to(BANK)).encode()) % 2**31


def cases(kind):
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.stem}" if kind != "attacks" else path.stem)
        for path in sorted((BANK / kind).glob("*/*.py" if kind != "attacks" else "*.py"))
    ]
