"""The bridge from the event stream to the rule engine, and from firings to evidence.

Every new event of a tenant is an ``alert`` to that tenant's engine, at the
event's own time, with its fields as attributes: ``tenant``, ``host``,
``service``, ``severity``, ``facility``, ``source`` (source type),
``signature`` (signature key), ``pattern`` (the template), ``message``, and
every scalar structured field (RFC 5424 parameters, template variables).
Attribute names are made NodeBrain-safe (letters, digits, ``_``).

Which firings are evidence: a rule defined in a cache node's context (a
threshold rule such as ``c. define spread if(sig__kidState);``) by default;
any rule with a ``# brainstem: evidence`` directive on the line before its
``define``; never a rule marked ``# brainstem: quiet``. A directive may name
the candidate type (``type=spread``, ``burst``, ``self_heal``, ...; default
``rule``) and a ``title=...`` for the candidate.

A firing becomes a Finding: one candidate per (rule, threshold row) and one
correlation group per firing, linked to the event that caused it; the
candidate counts its firings (its findings) across runs.

Translators (NodeBrain `.nbx` files) run on each event's original line:
the translators named by the ``translators`` setting (each a translator node,
``NAME=file.nbx`` or ``file.nbx`` for a node named after the file), every
``audit`` node of the rules whose file has the event's source file name, and
every ``syslog`` node for syslog events. Their assertions and alerts reach the
tenant's rules at the event's time, and their firings are evidence as above.

``tenant_rules`` builds the bridge for a tenant (ingest and serve call it), and
``to_state``/``load_state`` carry the engine's windows across runs (versioned
JSON in the pipeline state, see brainstem/rules/state.py).
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any

from brainstem.detect.base import Finding
from brainstem.models import CANDIDATE_TYPES, Event, Signature
from brainstem.rules import Firing, LoadError, RuleEngine
from brainstem.rules.cache import Cache

_MAX_INT = int(sys.float_info.max)   # larger integers overflow a float
from brainstem.rules.nodes import AuditNode, SyslogNode, TranslatorNode
from brainstem.rules.state import VERSION as STATE_VERSION, StateError, engine_state, restore

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


_MAX_MESSAGES = 100


def tenant_rules(settings, tenant: str, *, rules_dir: str | None = None,
                 translators: str | None = None) -> "RuleBridge | None":
    """The rule engine for one tenant at ingest or serve, or None when neither rules nor
    translators are configured. ``rules_dir`` and ``translators`` override the settings
    of the same names; relative translator paths are resolved in the rules directory
    (else the working directory). Raises RuleLoadError naming file:line."""
    rules_dir = rules_dir or settings.rules_dir or None
    translators = settings.translators if translators is None else translators
    if not rules_dir and not translators:
        return None
    sources: list[tuple[str, str]] = []
    if rules_dir:
        d = Path(rules_dir)
        if not d.is_dir():
            raise RuleLoadError(f"{d}: rules directory not found")
        files = sorted(d.glob("*.nb"))
        if not files and not translators:
            raise RuleLoadError(f"{d}: no rule files (*.nb)")
        for p in files:
            try:
                sources.append((str(p), p.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise RuleLoadError(f"{p}: cannot read rule file: {exc}") from None
    return RuleBridge(sources, tenant, translators=_translator_specs(translators or ""),
                      base_dir=str(rules_dir) if rules_dir else None)


def _translator_specs(text: str) -> list[tuple[str, str]]:
    """``a=x.nbx, y.nbx`` -> [("a", "x.nbx"), ("y", "y.nbx")]."""
    out = []
    for item in filter(None, (x.strip() for x in text.split(","))):
        name, sep, path = item.partition("=")
        if not sep:
            path = name
            name = _UNSAFE.sub("_", Path(name).stem) or "translator"
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise RuleLoadError(f"translators: bad node name {name!r} in {item!r}")
        out.append((name, path.strip()))
    return out


class RuleBridge:
    """One tenant's rule engine, fed with events, answering with findings."""

    STATE_VERSION = STATE_VERSION

    def __init__(self, sources: list[tuple[str, str]], tenant_id: str = "", *,
                 translators: list[tuple[str, str]] = (), base_dir: str | None = None):
        self.tenant_id = tenant_id
        self.sources = sources
        self.translators = list(translators)
        self.base_dir = base_dir
        self.directives: dict[str, dict[str, str]] = {}
        for _, text in sources:
            self.directives.update(_directives(text))
        self._fired: list[Firing] = []
        self.messages: list[str] = []     # engine warnings and errors (translators), capped
        self.message_count = 0
        digest = hashlib.blake2b(digest_size=12)
        for name, text in sources:
            digest.update(name.encode() + b"\0" + text.encode() + b"\0")
        for name, path in self.translators:
            digest.update(f"{name}={path}\0".encode())
            try:
                with open(self._path(path), "rb") as fh:
                    digest.update(fh.read())
            except OSError:
                pass   # reported when the engine loads it
        self.fingerprint = digest.hexdigest()   # saved state only fits the same rules
        self.engine = self._start(None)   # loaded now so that errors show before any event
        self._started = False
        self._names: dict[str, str] = {}
        self._cache_ctx: dict[str, bool] = {}

    def _path(self, path: str) -> str:
        return os.path.join(self.base_dir, path) if self.base_dir and not os.path.isabs(path) else path

    def _sink(self, line: str) -> None:
        if " NB000E " in line or " NM000E " in line or " NB000W " in line:
            self.message_count += 1
            if len(self.messages) < _MAX_MESSAGES:
                self.messages.append(line.split(" ", 2)[-1])

    def _start(self, now: float | None) -> RuleEngine:
        """An engine with the rules loaded, its clock at ``now`` (event time)."""
        engine = RuleEngine() if now is None else RuleEngine(now=now)
        engine.base_dir = self.base_dir
        engine.sink = self._sink
        defs = "".join(f'define {name} node translator("{path}");\n' for name, path in self.translators)
        for name, text in ([("<translators>", defs)] if defs else []) + self.sources:
            try:
                engine.load(text, name)
            except LoadError as exc:
                raise RuleLoadError("; ".join(getattr(exc, "errors", None) or [str(exc)])) from None
        engine.on_fire = self._fired.append
        self._feeds = self._bound_nodes(engine)
        return engine

    def _bound_nodes(self, engine: RuleEngine) -> list:
        """(node, source file name or None, syslog only) for each node fed by events."""
        named = {name for name, _ in self.translators}
        feeds = []
        stack = [engine.root]
        while stack:
            term = stack.pop()
            stack.extend(term.children.values())
            node = term.node
            if isinstance(node, AuditNode):
                feeds.append((node, os.path.basename(node.filename), False))
            elif isinstance(node, SyslogNode):
                feeds.append((node, None, True))
            elif isinstance(node, TranslatorNode) and term.parent is engine.root and term.name in named:
                feeds.append((node, None, False))
        return feeds

    @classmethod
    def from_dir(cls, directory: str | Path, tenant_id: str = "") -> "RuleBridge":
        d = Path(directory)
        if not d.is_dir():
            raise RuleLoadError(f"{d}: rules directory not found")
        files = sorted(d.glob("*.nb"))
        if not files:
            raise RuleLoadError(f"{d}: no rule files (*.nb)")
        return cls([(str(p), p.read_text(encoding="utf-8")) for p in files], tenant_id, base_dir=str(d))

    # -- state across runs ---------------------------------------------------------
    def to_state(self) -> dict:
        """The engine's windows and terms as JSON (taken between events)."""
        return {"fingerprint": self.fingerprint, "started": self._started,
                "engine": engine_state(self.engine) if self._started else None}

    def load_state(self, state: dict) -> bool:
        """Go on from a saved state; False (nothing changed) when it was saved for other
        rules or another version, so the caller rebuilds the windows by replay instead."""
        if state.get("fingerprint") != self.fingerprint or not state.get("started"):
            return False
        saved = state.get("engine") or {}
        engine = self._start(float(saved.get("now", 0.0)))
        try:
            restore(engine, saved)
        except (StateError, KeyError, TypeError, ValueError):
            self.engine = self._start(None)
            return False
        self.engine, self._started = engine, True
        return True

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
                if isinstance(v, int) and not -_MAX_INT <= v <= _MAX_INT:
                    continue   # no float holds it (the engine's numbers): left out, as other values are
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
        engine = self.engine
        engine.alert(self.attributes(e, sig), ts)
        if self._feeds:
            self._translate(e)
        if not self._fired:
            return []
        out = []
        for f in self._fired:
            d = self.directives.get(f.rule)
            if d is not None and d["mode"] == "quiet":
                continue
            if d is None and not self._cache_context(f.context):
                continue
            out.append(self._finding(f, d or {}, e, sig))
        return out

    def _cache_context(self, name: str) -> bool:
        """Whether a firing's context is a cache node (its threshold rules are evidence
        by default; rules in a translator's or plain context are not)."""
        got = self._cache_ctx.get(name)
        if got is None:
            term = self.engine.find(self.engine.root, name) if name else None
            got = self._cache_ctx[name] = term is not None and isinstance(term.node, Cache)
        return got

    def _translate(self, e: Event) -> None:
        """The event's original line through each translator bound to its source."""
        line = e.message_raw
        source = os.path.basename(e.source_path) if e.source_path else None
        engine = self.engine
        for node, filename, syslog_only in self._feeds:
            if filename is not None and filename != source:
                continue
            if syslog_only and e.source_type != "syslog":
                continue
            engine.translate(node.term, node.translator, line)

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
