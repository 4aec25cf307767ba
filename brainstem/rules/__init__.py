"""brainstem.rules: a NodeBrain-compatible rule engine driven by event time.

Public surface: `RuleEngine` (load rules, feed alerts at event time, `on_fire` hook)
and `Firing` (what the hook receives). See docs/rules.md.
"""
from .engine import RuleEngine
from .errors import LoadError, RuleError, RuleSyntaxError
from .rules import Firing

__all__ = ["RuleEngine", "Firing", "RuleError", "RuleSyntaxError", "LoadError"]
