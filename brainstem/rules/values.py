"""Cell values: numbers (float), strings (str) and the three logical constants.

NodeBrain's False (`!`) is not the number 0 and its True (`!!`) is not 1, so they
are singletons here rather than Python booleans (which would compare equal to 0/1).
"""
from __future__ import annotations

from .errors import RuleError


class _Logical:
    __slots__ = ("symbol",)

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol

    def __repr__(self) -> str:
        return self.symbol


UNKNOWN = _Logical("?")
FALSE = _Logical("!")
TRUE = _Logical("!!")

Value = object  # float | str | UNKNOWN | FALSE | TRUE


def is_true(v: object) -> bool:
    """Any value other than False and Unknown is true as a condition."""
    return v is not UNKNOWN and v is not FALSE


def same(a: object, b: object) -> bool:
    """Value identity as the engine sees it (1.0 and "1" differ; TRUE is not 1)."""
    return a is b or (type(a) is type(b) and a == b)


def format_number(x: float) -> str:
    text = "%.10g" % x
    return "0" if text == "-0" else text


def show(v: object) -> str:
    """A value as `show` prints it: strings quoted, numbers %.10g, ? ! !!."""
    if type(v) is str:
        return '"' + v + '"'
    if type(v) is float:
        return format_number(v)
    return v.symbol  # type: ignore[attr-defined]


def plain(v: object) -> str:
    """A value as `${term}` substitution prints it: strings without quotes."""
    if type(v) is str:
        return v
    if type(v) is float:
        return format_number(v)
    return v.symbol  # type: ignore[attr-defined]


def from_python(v: object) -> object:
    """Library input: None -> Unknown, bool -> True/False, int -> float."""
    if v is None:
        return UNKNOWN
    if v is True:
        return TRUE
    if v is False:
        return FALSE
    if isinstance(v, (int, float)):
        try:
            return float(v)
        except OverflowError:   # NodeBrain reads such a number as out of range too
            raise RuleError(f"number out of range: an integer of {v.bit_length()} bits") from None
    if isinstance(v, str):
        return v
    if isinstance(v, _Logical):
        return v
    raise TypeError(f"unsupported value {v!r}: use str, int, float, bool or None")


def to_python(v: object) -> object:
    """Library output: Unknown -> None, True/False -> bool, numbers stay float."""
    if v is UNKNOWN:
        return None
    if v is TRUE:
        return True
    if v is FALSE:
        return False
    return v
