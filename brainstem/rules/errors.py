"""Errors raised by the rule engine; positions are 0-based offsets in a command."""
from __future__ import annotations


class RuleError(Exception):
    """A command could not be run (unknown term, bad node use, ...)."""


class RuleSyntaxError(RuleError):
    """A command could not be parsed; `offset` is where, `token` is what was found."""

    def __init__(self, message: str, offset: int = 0, token: str = "", column: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.token = token
        self.column = column   # False: reported as file:line (the column says nothing)

    def __str__(self) -> str:
        return f"{self.message} at {self.token!r}" if self.token else self.message


class LoadError(RuleError):
    """`RuleEngine.load` found errors; `.errors` lists 'source:line:col: message'."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors
