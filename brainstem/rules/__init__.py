"""brainstem.rules: a NodeBrain-compatible rule engine driven by event time.

Public surface: `RuleEngine` (load rules, feed alerts at event time, `on_fire` hook)
and `Firing` (what the hook receives); `check` / `check_translator` validate untrusted
rule and translator text without side effects (fuzzing); `TranslatorError`. See
docs/rules.md.
"""
from .engine import RuleEngine
from .errors import LoadError, RuleError, RuleSyntaxError
from .rules import Firing
from .sandbox import check, check_translator
from .translator import TranslatorError

__all__ = ["RuleEngine", "Firing", "RuleError", "RuleSyntaxError", "LoadError", "TranslatorError",
           "check", "check_translator"]
