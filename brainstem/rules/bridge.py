"""The bridge from the event stream to the rule engine, and from firings to evidence.

Every new event of a tenant is an ``alert`` to that tenant's engine, at the
event's own time, with its fields as attributes: ``tenant``, ``host``,
``service``, ``severity``, ``facility``, ``source`` (source type),
``signature`` (signature key), ``pattern`` (the template), ``message``, and
every scalar structured field (RFC 5424 parameters, template variables).
Attribute names are made NodeBrain-safe (letters, digits, ``_``).

Which firings are evidence: a rule defined in a node's context (a cache's
threshold rule such as ``c. define spread if(sig__kidState);``) by default;
any rule with a ``# brainstem: evidence`` directive on the line before its
``define``; never a rule marked ``# brainstem: quiet``. A directive may name
the candidate type (``type=spread``, ``burst``, ``self_heal``, ...; default
``rule``) and a ``title=...`` for the candidate.

A firing becomes a Finding: one candidate per (rule, threshold row) and one
correlation group per firing, linked to the event that caused it; the
candidate counts its firings (its findings) across runs.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from brainstem.detect.base import Finding
from brainstem.models import CANDIDATE_TYPES, Event, Signature
from brainstem.rules import Firing, LoadError, RuleEngine

_DIRECTIVE = re.compile(r"#\s*brainstem:\s*(evidence|quiet)\b(.*)$")
_DEFINE = re.compile(r"^\s*(?:([\w.]+)\.\s+)?define\s+([\w]+)\s")
_OPTION = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


class RuleLoadError(ValueError):
    """A rule file that does not load; the message names file:line:column."""


def _directives(text: str) -> dict[str, dict[str, str]]:
    """rule name (qualified as the engine names it) -> directive options."""
    out: dict[str, dict[str, str]] = {}
    pending: dict[str, str] | None = None
    for line in text.splitlines():
        m = _DIRECTIVE.search(line)
        if m:
            pending = {"mode": m.group(1)}
            pending.update((k, v.strip('"')) for k, v in _OPTION.findall(m.group(2)))
            continue
        d = _DEFINE.match(line)
        if d and pending is not None:
            ctx, name = d.group(1), d.group(2)
            out[f"{ctx}.{name}" if ctx else name] = pending
        if line.strip():
            pending = None
    return out


class RuleBridge:
    """One tenant's rule engine, fed with events, answering with findings."""

    def __init__(self, sources: list[tuple[str, str]], tenant_id: str = ""):
        self.tenant_id = tenant_id
        self.sources = sources
        self.directives: dict[str, dict[str, str]] = {}
        for _, text in sources:
            self.directives.update(_directives(text))
        self._fired: list[Firing] = []
        self.engine = self._start(None)   # loaded now so that errors show before any event
        self._started = False
        self._names: dict[str, str] = {}

    def _start(self, now: float | None) -> RuleEngine:
        """An engine with the rules loaded, its clock at ``now`` (event time)."""
        engine = RuleEngine() if now is None else RuleEngine(now=now)
        for name, text in self.sources:
            try:
                engine.load(text, name)
            except LoadError as exc:
                raise RuleLoadError("; ".join(getattr(exc, "errors", None) or [str(exc)])) from None
        engine.on_fire = self._fired.append
        return engine

    @classmethod
    def from_dir(cls, directory: str | Path, tenant_id: str = "") -> "RuleBridge":
        d = Path(directory)
        if not d.is_dir():
            raise RuleLoadError(f"{d}: rules directory not found")
        files = sorted(d.glob("*.nb"))
        if not files:
            raise RuleLoadError(f"{d}: no rule files (*.nb)")
        return cls([(str(p), p.read_text(encoding="utf-8")) for p in files], tenant_id)

    def _attr(self, name: str) -> str:
        safe = self._names.get(name)
        if safe is None:
            safe = _UNSAFE.sub("_", name)
            if not safe[:1].isalpha():
                safe = "f_" + safe
            self._names[name] = safe
        return safe

    def attributes(self, e: Event, sig: Signature) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "tenant": self.tenant_id, "host": e.host, "service": e.service, "severity": e.severity,
            "facility": e.facility, "source": e.source_type, "signature": e.signature_key,
            "pattern": sig.normalized_pattern, "message": e.message_normalized,
        }
        for k, v in e.structured_fields.items():
            if isinstance(v, (str, int, float)) and not isinstance(v, bool):
                attrs.setdefault(self._attr(k), v)
        return attrs

    def observe(self, e: Event, sig: Signature) -> list[Finding]:
        """Alert the event to the engine; the evidence its firings make."""
        ts = e.timestamp.timestamp()
        if not self._started:
            # the engine's clock is event time: start it at the first event, not at "now"
            self.engine = self._start(ts)
            self._started = True
        self._fired.clear()
        self.engine.alert(self.attributes(e, sig), ts)
        if not self._fired:
            return []
        out = []
        for f in self._fired:
            d = self.directives.get(f.rule)
            if d is not None and d["mode"] == "quiet":
                continue
            if d is None and not f.context:
                continue
            out.append(self._finding(f, d or {}, e, sig))
        return out

    def _finding(self, f: Firing, d: dict[str, str], e: Event, sig: Signature) -> Finding:
        ctype = d.get("type", "rule")
        if ctype not in CANDIDATE_TYPES:
            ctype = "rule"
        row = []
        for term, value in sorted(f.terms.items()):
            for state in ("__hitState", "__kidState", "__rowState"):
                if term.endswith(state) and value is not None:
                    attr = term[: -len(state)]
                    row.append(f"{attr}={f.terms.get(attr)}")
        key = f"rule:{f.rule}" + (":" + ",".join(row) if row else "")
        terms = {k: v for k, v in f.terms.items() if v is not None and not k.startswith("_")}
        return Finding(
            candidate_type=ctype, key=key, signature_keys=(sig.signature_key,), ts=f.time,
            event_ids=(e.event_id,), assets=(e.host,) if e.host else (),
            metrics={"rule": f.rule, "row": ",".join(row), "terms": terms,
                     "title": d.get("title", "")},
            episode=f"{key}@{f.time:.0f}", episode_start=f.time, episode_end=f.time, episode_events=1,
        )
