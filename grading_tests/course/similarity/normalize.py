"""An answer's code reduced to what copying keeps, and its fingerprints.

:func:`units` splits an answer cell into units: one per function the
release's cell defines (``sigmoid``…), and the rest of the cell (helpers,
imports, top-level code) as one more unit. :func:`fingerprints` turns a unit
into a set of integers:

1. the code is parsed with :mod:`ast` (never run); docstrings, bare strings,
   ``pass``, annotations and comments go, every name the unit binds
   (arguments, variables, loop and comprehension targets, nested functions,
   import aliases) is renamed ``v0, v1…`` in order of appearance, and
   arithmetic on number literals is folded (``1/2`` and ``0.5`` are alike);
2. the normalised tree is printed back (:func:`ast.unparse`) and tokenised,
   so layout does not count either;
3. each k-gram of tokens is hashed (the hash of a tuple of CRC-32s of the
   tokens: the same on every run, unlike ``hash`` of a string), and
   copydetect's winnowing keeps the fingerprints: any run of at least
   ``K + WINDOW - 1`` tokens two units share yields a shared fingerprint.

A unit that does not parse is compared as text (:func:`text_tokens`), with a
note. Sizes are bounded: a cell is analysed up to :data:`MAX_CHARS`
characters, and a tree too deep for the parser falls back to text.
"""

from __future__ import annotations

import ast
import builtins
import copy
import io
import re
import tokenize
import zlib

import numpy as np
from copydetect.utils import winnow

__all__ = ["K", "WINDOW", "MAX_CHARS", "Unit", "units", "normalized", "text_tokens", "fingerprints"]

K = 8  # tokens per k-gram: a one-line formula is one or two k-grams
WINDOW = 4  # winnowing window: every shared run of K + WINDOW - 1 = 11 tokens is seen
MAX_CHARS = 100_000  # an answer cell is analysed up to this length (a long answer is ~3 000)
REST = "(reste de la cellule)"
_BUILTINS = frozenset(dir(builtins))
_MAGIC = re.compile(r"^\s*[%!]")
_TEXT_TOKEN = re.compile(r"\w+|[^\w\s]")
_SKIPPED = {tokenize.NL, tokenize.COMMENT, tokenize.ENCODING, tokenize.ENDMARKER}
# Folding is cheap and bounded: numbers only, and no power that could grow without limit.
_FOLDABLE = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__",
             ast.FloorDiv: "__floordiv__", ast.Mod: "__mod__", ast.Pow: "__pow__"}


class Unit:
    """One unit of an answer: its key, the student's code as written, and how it was read."""

    __slots__ = ("key", "code", "tree", "note")

    def __init__(self, key, code, tree=None, note=None):
        self.key, self.code, self.tree, self.note = key, code, tree, note


def _is_string(node):
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _number(node):
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


class _Normalizer(ast.NodeTransformer):
    def __init__(self, bound):
        self.names = {}
        self.bound = bound

    def _name(self, name):
        if name not in self.bound:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def generic_visit(self, node):
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                kept = [s for s in value if not _is_string(s) and not isinstance(s, ast.Pass)]
                setattr(node, field, kept or ([ast.Pass()] if field == "body" else []))
        return super().generic_visit(node)

    def visit_FunctionDef(self, node):
        node.name = self._name(node.name)
        node.returns, node.decorator_list = None, [self.visit(d) for d in node.decorator_list]
        node.type_params = []
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.name = self._name(node.name)
        return self.generic_visit(node)

    def visit_arg(self, node):
        node.arg, node.annotation = self._name(node.arg), None
        return node

    def visit_Name(self, node):
        node.id = self._name(node.id)
        return node

    def visit_alias(self, node):
        bound = node.asname or node.name.split(".")[0]
        if node.asname:
            node.asname = self._name(bound)
        return node

    def visit_ExceptHandler(self, node):
        if node.name:
            node.name = self._name(node.name)
        return self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is None:
            return None
        return self.visit(ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno))

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.USub, ast.UAdd)) and _number(node.operand):
            value = -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
            return ast.Constant(value)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        method = _FOLDABLE.get(type(node.op))
        if method and _number(node.left) and _number(node.right):
            left, right = node.left.value, node.right.value
            if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 1e6):
                return node
            try:
                value = getattr(left, method)(right)
            except (ArithmeticError, ValueError):
                return node
            if value is NotImplemented:
                value = getattr(float(left), method)(float(right))
            if type(value) in (int, float) and not (isinstance(value, int) and value.bit_length() > 256):
                return ast.Constant(value)
        return node


def _bound_names(tree):
    """Every name the code binds: what a copier can rename without changing what it does."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias) and node.asname:
            bound.add(node.asname)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound - _BUILTINS


def normalized(tree):
    """The canonical text of a unit's statements (a list of ``ast.stmt``); the tree is not changed."""
    module = ast.Module(body=copy.deepcopy(list(tree)), type_ignores=[])
    module = _Normalizer(_bound_names(module)).visit(module)
    return ast.unparse(ast.fix_missing_locations(module))


def _code_tokens(text):
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in _SKIPPED:
            continue
        out.append({tokenize.INDENT: "<in>", tokenize.DEDENT: "<de>", tokenize.NEWLINE: ";"}.get(tok.type, tok.string))
    return out


def text_tokens(text):
    """Words and punctuation of an answer that does not parse, comments kept: a text compared as text."""
    return _TEXT_TOKEN.findall(text[:MAX_CHARS])


def _token_id(token):
    return zlib.crc32(token.encode("utf-8", "surrogatepass"))


def fingerprints(tokens):
    """The winnowed fingerprints (a frozenset of ints) of a token list."""
    ids = [_token_id(t) for t in tokens]
    if len(ids) < K:
        return frozenset([hash(tuple(ids))]) if ids else frozenset()
    grams = np.fromiter((hash(tuple(ids[i:i + K])) for i in range(len(ids) - K + 1)), dtype=np.int64)
    selected, _ = winnow(grams, WINDOW)
    return frozenset(int(h) for h in selected)


def tokens_of(unit):
    """The tokens of a unit: of its normalised code, or of its text when it did not parse (or was too deep)."""
    if unit.tree is not None:
        try:
            return _code_tokens(normalized(unit.tree))
        except (RecursionError, MemoryError, ValueError, SyntaxError, tokenize.TokenError):
            unit.note = "réponse trop imbriquée pour être analysée : comparée comme texte"
            unit.tree = None
    return text_tokens(unit.code)


def _parse(text):
    """(tree, None) or (None, the reason it does not parse, in French)."""
    lines = ["" if _MAGIC.match(line) else line for line in text.split("\n")]  # %magic and !shell lines
    try:
        return ast.parse("\n".join(lines)), None
    except SyntaxError as exc:
        return None, f"réponse non analysable (erreur de syntaxe, ligne {exc.lineno}) : comparée comme texte"
    except (RecursionError, MemoryError, ValueError) as exc:
        return None, f"réponse non analysable ({type(exc).__name__}) : comparée comme texte"


def _shown_code(source, node):
    """The function's code as written, but for its docstring (the release's, which every student has)."""
    lines = source.split("\n")[node.lineno - 1:node.end_lineno]
    first = node.body[0]
    if _is_string(first) and len(node.body) > 1:
        del lines[first.lineno - node.lineno:first.end_lineno - node.lineno + 1]
    return "\n".join(lines)


def units(source, functions, cell_name):
    """The units of one answer cell: {key: Unit}. ``functions`` are the names the release's cell defines."""
    if len(source) > MAX_CHARS:
        return {cell_name: Unit(cell_name, source[:MAX_CHARS],
                                note=f"réponse de plus de {MAX_CHARS} caractères : comparée comme texte, tronquée")}
    tree, note = _parse(source)
    if tree is None:
        return {cell_name: Unit(cell_name, source, note=note)}
    found, rest = {}, []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in functions and node.name not in found:
            found[node.name] = Unit(node.name, _shown_code(source, node), [node])
        else:
            rest.append(node)
    if rest:
        key = f"{cell_name} {REST}" if found else cell_name
        code = "\n".join(ast.get_source_segment(source, n) or "" for n in rest)
        found[key] = Unit(key, code, rest)
    return found
