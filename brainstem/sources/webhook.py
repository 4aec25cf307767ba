"""Generic webhooks: ``POST /api/v1/ingest/webhook/{name}`` with a field mapping from the config.

    [webhook.alertmanager]
    events = "alerts"                        # where the list of events is (default: the body itself)
    message = ["annotations.summary", "labels.alertname"]
    timestamp = "startsAt"
    host = "labels.instance"
    severity = "labels.severity"
    service = "labels.job"
    fields = { alertname = "labels.alertname", status = "status" }
    defaults = { service = "alertmanager" }

Each of message, timestamp, host, severity and service is a path (a key, or a
dotted path into nested objects) or a list of paths tried in order, the first
scalar found wins (the rules of ``brainstem ingest --json-map``, through the
same ``JsonParser``). ``message`` is required. ``fields`` names the structured
fields to keep (a table name = path, or a list of paths); without it every
top-level key the other fields did not take is kept. ``defaults`` gives a
literal host, severity or service for events whose paths find nothing.

An element without a message, or with a timestamp that is not one, is refused
with its index; the others are stored. An element without a timestamp gets
the time it was received.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from brainstem.ingest.jsonl import JsonMapping, JsonParser, lookup
from brainstem.ingest.levels import severity_from_value
from brainstem.ingest.record import Record
from brainstem.settings import SettingsError

from .body import BodyError, Decoded, ElementError, check_time, compact, cut, elements, json_type

_PATH_KEYS = ("message", "timestamp", "host", "severity", "service")
_KEYS = _PATH_KEYS + ("fields", "events", "defaults")
_DEFAULTS = ("host", "severity", "service")
_MISSING = lookup({}, "x")   # the sentinel jsonl.lookup returns for "not there"


@dataclass(frozen=True)
class WebhookMapping:
    name: str
    message: tuple[str, ...]
    timestamp: tuple[str, ...] = ()
    host: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] | None = None   # (field name, path); None: the rest of the object
    events: str | None = None
    defaults: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_table(cls, name: str, table: Mapping[str, Any], where: str) -> "WebhookMapping":
        """The mapping of a ``[webhook.NAME]`` TOML table. ``where`` names the table
        (``brainstem.toml: webhook.NAME``); errors name it and the key."""
        at = where
        if not isinstance(table, Mapping):
            raise SettingsError(f"{at}: must be a table")
        for k in table:
            if k not in _KEYS:
                raise SettingsError(f"{at}.{k}: unknown key (known: {', '.join(_KEYS)})")
        if "message" not in table:
            raise SettingsError(f"{at}.message: required (the path of the event's message)")
        paths = {k: _paths(table[k], f"{at}.{k}") for k in _PATH_KEYS if k in table}
        fields = None
        if "fields" in table:
            f = table["fields"]
            if isinstance(f, Mapping):
                fields = tuple((str(n), _path(p, f"{at}.fields.{n}")) for n, p in f.items())
            else:
                fields = tuple((p, p) for p in _paths(f, f"{at}.fields"))
        events = _path(table["events"], f"{at}.events") if "events" in table else None
        defaults: tuple[tuple[str, str], ...] = ()
        if "defaults" in table:
            d = table["defaults"]
            if not isinstance(d, Mapping):
                raise SettingsError(f"{at}.defaults: must be a table, e.g. defaults = {{ service = \"{name}\" }}")
            for k, v in d.items():
                if k not in _DEFAULTS:
                    raise SettingsError(f"{at}.defaults.{k}: unknown key (known: {', '.join(_DEFAULTS)})")
                if not isinstance(v, str) or not v.strip():
                    raise SettingsError(f"{at}.defaults.{k}: must be a non-empty string")
            if "severity" in d and severity_from_value(d["severity"]) is None:
                raise SettingsError(f"{at}.defaults.severity: {d['severity']!r} is not a severity")
            defaults = tuple((k, v.strip()) for k, v in d.items())
        return cls(name=name, fields=fields, events=events, defaults=defaults, **paths)

    def json_mapping(self) -> JsonMapping:
        return JsonMapping(timestamp=self.timestamp, host=self.host, message=self.message,
                           severity=self.severity, service=self.service, pid=())


def _path(value: Any, at: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{at}: must be a path (a key or dotted.path), got {value!r}")
    return value.strip()


def _paths(value: Any, at: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (_path(value, at),)
    if isinstance(value, list) and value:
        return tuple(_path(v, at) for v in value)
    raise SettingsError(f"{at}: must be a path or a list of paths, got {value!r}")


def decode_webhook(mapping: WebhookMapping, body: bytes, content_type: str | None, *, source_path: str,
                   received: datetime, max_events: int = 10_000, max_message_bytes: int = 65536) -> Decoded:
    """Records for a webhook body, through its mapping; refused elements by index."""
    out = Decoded()
    parser = JsonParser(mapping.json_mapping())
    for index, line, obj in _elements(mapping, body, content_type, max_events):
        if isinstance(obj, ElementError):
            out.errors.append(obj)
            continue
        rec = _record(mapping, parser, obj, index, source_path, received, max_message_bytes)
        if isinstance(rec, str):
            field, _, why = rec.partition(":")
            out.errors.append(ElementError(index, field or None, why.strip(), line))
            continue
        if rec.metadata.get("truncated"):
            out.truncated += 1
        out.records.append(rec)
    return out


def _elements(mapping: WebhookMapping, body: bytes, content_type: str | None, max_events: int):
    if mapping.events is None:
        yield from elements(body, content_type, max_events)
        return
    items = list(elements(body, content_type, max_events))
    if len(items) == 1 and isinstance(items[0][2], dict):
        inner = lookup(items[0][2], mapping.events)
        if not isinstance(inner, list):
            found = "nothing" if inner is _MISSING else f"a JSON {json_type(inner)}"
            raise BodyError(f"webhook {mapping.name!r} takes its events from {mapping.events!r}, "
                            f"and the body has {found} there")
        if len(inner) > max_events:
            raise BodyError(f"{len(inner)} events in one request; at most {max_events} (http_max_events)")
        for i, obj in enumerate(inner):
            yield i, None, obj
        return
    yield from items   # already a list of events (an array or NDJSON)


def _record(mapping: WebhookMapping, parser: JsonParser, obj: Any, index: int, source_path: str,
            received: datetime, max_message_bytes: int) -> Record | str:
    """The element as a Record, or 'field: why' it is refused."""
    if not isinstance(obj, dict):
        return f": an event is a JSON object, got {json_type(obj)}"
    try:
        text = compact(obj)
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f": a string holds an unpaired surrogate escape ({exc.object[exc.start]!a})"
    rec = parser.parse(text, source_path, index)   # parses its own copy: obj stays whole
    meta = rec.metadata
    if meta.get("message_field", _MISSING) is None:
        return f"message: no text at {', '.join(mapping.message)}"
    if not rec.message:
        return "message: the message is empty"
    if "bad_timestamp" in meta:
        return f"timestamp: {meta.pop('bad_timestamp')!r} is not a timestamp"
    if rec.timestamp is None:
        rec.timestamp = received
        meta["time_received"] = True
        rec.raw = compact({"received_at": received.isoformat(), "event": obj})
    else:
        why = check_time(rec.timestamp, received)
        if why:
            return f"timestamp: {why}"
    meta["format"] = "webhook"
    meta["webhook"] = mapping.name
    for k, v in mapping.defaults:
        if getattr(rec, k) is None:
            setattr(rec, k, severity_from_value(v) if k == "severity" else v)
    if mapping.fields is not None:
        rec.structured_fields = {}
        for name, path in mapping.fields:
            v = lookup(obj, path)
            if v is not _MISSING:
                rec.structured_fields[name] = v
    rec.message, was_cut = cut(rec.message, max_message_bytes)
    if was_cut:
        meta["truncated"] = True
        rec.raw = cut(rec.raw, 4 * max_message_bytes)[0]
    return rec

