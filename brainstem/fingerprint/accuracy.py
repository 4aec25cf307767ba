"""Grouping and parsing accuracy, as the Loghub benchmark defines them.

- Grouping accuracy (GA): a line is correct when the set of lines in its
  predicted group equals the set of lines sharing its true template.
- Parsing accuracy (PA): a line is correct when its predicted template text
  equals the true one after :func:`normalize_template`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Sequence

_WS = re.compile(r"\s+")
_VAR_RUN = re.compile(r"<\*>(?:\s*<\*>)+")


def normalize_template(template: str) -> str:
    """Whitespace runs folded to one space, adjacent variables (``<*> <*>``, ``<*><*>``) to one ``<*>``."""
    text = _WS.sub(" ", template).strip()
    return _VAR_RUN.sub("<*>", text)


def grouping_accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Share of lines whose predicted group is exactly their true group."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predicted")
    if not truth:
        return 1.0
    true_groups: dict[Hashable, set[int]] = defaultdict(set)
    pred_groups: dict[Hashable, set[int]] = defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, predicted)):
        true_groups[t].add(i)
        pred_groups[p].add(i)
    correct = 0
    for members in pred_groups.values():
        first = next(iter(members))
        if true_groups[truth[first]] == members:
            correct += len(members)
    return correct / len(truth)


def parsing_accuracy(truth_templates: Sequence[str], predicted_templates: Sequence[str]) -> float:
    """Share of lines whose predicted template equals the true one after normalization."""
    if len(truth_templates) != len(predicted_templates):
        raise ValueError(f"{len(truth_templates)} true templates but {len(predicted_templates)} predicted")
    if not truth_templates:
        return 1.0
    memo: dict[str, str] = {}

    def norm(t: str) -> str:
        if t not in memo:
            memo[t] = normalize_template(t)
        return memo[t]

    correct = sum(1 for t, p in zip(truth_templates, predicted_templates) if norm(t) == norm(p))
    return correct / len(truth_templates)
