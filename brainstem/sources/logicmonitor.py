"""LogicMonitor's Custom HTTP Delivery (webhook) bodies -> records.

LogicMonitor sends whatever body the customer wrote in the integration, with
its alert tokens (``##ALERTID##``, ``##ALERTSTATUS##``...) substituted. The
recommended template is :data:`WEBHOOK_TEMPLATE` (docs/logicmonitor.md); any
body of the same spirit is accepted:

- JSON (an object, or an array of objects), form data (``key=value&...``) or
  ``KEY=value`` lines; keys are matched without regard to case, ``_`` or ``-``,
  and the common spellings of other integrations (``alertid``, ``alert_status``,
  ``dsname``, ``startepoch``...) work too;
- LogicMonitor does not escape token values, so a value with a quote, a
  backslash (``C:\\``) or a line break can make the JSON invalid: a body laid
  out one ``"key": "value"`` per line, like the template, is then read line by
  line instead;
- a token left unexpanded (``##VALUE##``), an empty value or ``null`` is
  absent; only ``alert_id``, ``status`` and ``host`` are required.

A body brainstem cannot use raises :class:`LogicMonitorPayloadError` naming the
field (HTTP 400 at the route). A test notification (status ``test``) gives no
record.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from brainstem.ingest.jsonl import lone_surrogate
from brainstem.ingest.record import Record

from .lm_alert import Alert, level_of, record_of

__all__ = ["LogicMonitorPayloadError", "WEBHOOK_TEMPLATE", "parse_webhook", "parse_time"]

MAX_BODY_BYTES = 1 << 20
SOURCE_PATH = "logicmonitor:webhook"

# The body to paste into LogicMonitor (Settings > Integrations > Custom HTTP Delivery, raw JSON).
WEBHOOK_TEMPLATE = """\
{
  "alert_id": "##ALERTID##",
  "alert_session": "##INTERNALID##",
  "alert_type": "##ALERTTYPE##",
  "status": "##ALERTSTATUS##",
  "level": "##LEVEL##",
  "host": "##HOST##",
  "resource_id": "##system.deviceId##",
  "hostname": "##system.hostname##",
  "groups": "##GROUP##",
  "collector": "##system.collectordesc##",
  "collector_id": "##system.collectorid##",
  "datasource": "##DSNAME##",
  "instance": "##INSTANCE##",
  "datapoint": "##DATAPOINT##",
  "value": "##VALUE##",
  "threshold": "##THRESHOLD##",
  "clear_value": "##CLEARVALUE##",
  "start_epoch": "##STARTEPOCH##",
  "start": "##START##",
  "end": "##END##",
  "date": "##DATE##",
  "url": "##ALERTDETAILURL##",
  "message": "##MESSAGE##"
}
"""


class LogicMonitorPayloadError(ValueError):
    """A webhook body brainstem cannot use; ``field`` names the part at fault ("body" for the whole)."""

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"LogicMonitor webhook: {field}: {problem}")


# normalized key (lower case, letters and digits only) -> Alert attribute; the first spelling present wins
_ALIASES: dict[str, tuple[str, ...]] = {
    "alert_id": ("alertid", "lmalertid"),
    "session_id": ("alertsession", "internalid", "alertsessionid", "sessionid"),
    "status": ("status", "alertstatus", "state"),
    "level": ("level", "alertlevel", "severity", "errorlevel"),
    "resource_name": ("host", "resource", "resourcename", "device", "devicename", "displayname",
                      "systemdisplayname", "hostname"),
    "resource_id": ("resourceid", "deviceid", "systemdeviceid", "hostid"),
    "hostname": ("systemhostname", "hostname", "ip", "hostip"),
    "datasource": ("dsname", "datasourcename", "datasource", "logicmodule"),
    "instance": ("instance", "instancename", "dsiname"),
    "datapoint": ("datapoint", "datapointname", "dpname"),
    "value": ("value", "alertvalue", "datapointvalue"),
    "threshold": ("threshold", "thresholdvalue"),
    "clear_value": ("clearvalue",),
    "collector": ("collector", "collectordesc", "systemcollectordesc", "collectorname", "agentdescription"),
    "collector_id": ("collectorid", "systemcollectorid", "agentid"),
    "groups": ("groups", "group", "hostgroups", "hostgroup", "devicegroups", "devicegroup", "systemgroups"),
    "site": ("site", "location", "systemlocation"),
    "start_epoch": ("startepoch", "startedepoch"),
    "start": ("start", "starttime", "startedat", "started"),
    "end_epoch": ("endepoch", "clearedepoch"),
    "end": ("end", "endtime", "clearedat", "cleartime"),
    "ack_epoch": ("ackedepoch", "ackepoch"),
    "acked_at": ("ackedat", "acktime", "ackedtime"),
    "date": ("date", "sentat", "senttime"),
    "acked": ("acked", "acknowledged", "isacked"),
    "acked_by": ("ackedby", "ackuser", "acknowledgedby"),
    "ack_comment": ("ackcomment", "acknowledgecomment"),
    "alert_type": ("alerttype",),
    "rule": ("rule", "alertrule"),
    "chain": ("chain", "escalationchain"),
    "url": ("url", "alertdetailurl", "alerturl", "detailurl"),
    "message": ("message", "alertmessage"),
}
_KNOWN = {alias for names in _ALIASES.values() for alias in names}
_KEY_CHARS = re.compile(r"[^a-z0-9]")
_TOKEN = re.compile(r"##[A-Za-z0-9_.\-<>]+##")
_ABSENT = {"", "null", "none", "nil", "n/a"}
_MAX_EXTRA = 40
_MAX_VALUE = 2000

# ##ALERTSTATUS## values (active, clear, ack, update, test) and the spellings other tools use
_STATUS = {"active": "active", "new": "active", "update": "active", "updated": "active", "escalated": "active",
           "escalate": "active", "raised": "active", "alert": "active",
           "clear": "cleared", "cleared": "cleared", "resolved": "cleared", "recovered": "cleared",
           "ack": "acknowledged", "acked": "acknowledged", "acknowledged": "acknowledged",
           "acknowledge": "acknowledged"}
_TEST_STATUS = {"test", "testing"}


def parse_webhook(body: bytes, content_type: str | None, *, received_at: float | None = None,
                  source_path: str | None = None) -> list[Record]:
    """The records of one LogicMonitor webhook delivery (one per alert state change).

    ``received_at`` (wall clock, default now) is used as event time only when
    the body carries no time at all. Deterministic: the same body gives records
    with the same ``raw`` and ``timestamp``, hence the same event ids.
    ``source_path`` defaults to one of its own per delivery, so that the live
    event factory takes a redelivery for the same event, not a repeat of it.
    """
    received = time.time() if received_at is None else received_at
    source_path = source_path or f"{SOURCE_PATH}/{uuid.uuid4().hex[:16]}"
    records = []
    for where, item in _items(body, content_type):
        alert, status = alert_from_webhook(item, where)
        if status is not None:
            records.append(record_of(alert, status, source_path=source_path, received_at=received, via="webhook"))
    return records


def _items(body: bytes, content_type: str | None) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(body, (bytes, bytearray)):
        raise LogicMonitorPayloadError("body", f"expected bytes, got {type(body).__name__}")
    if len(body) > MAX_BODY_BYTES:
        raise LogicMonitorPayloadError("body", f"{len(body)} bytes is more than the {MAX_BODY_BYTES} accepted")
    try:
        text = bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LogicMonitorPayloadError("body", f"not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise LogicMonitorPayloadError("body", "binary data (a NUL byte)")
    stripped = text.strip()
    if not stripped:
        raise LogicMonitorPayloadError("body", "empty")
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind.endswith("json") or (kind in ("", "text/plain") and stripped[0] in "{["):
        return _json_items(stripped)
    if kind == "application/x-www-form-urlencoded" or ("=" in stripped and "\n" not in stripped):
        return [("body", dict(parse_qsl(stripped, keep_blank_values=True)))]
    if "=" in stripped:
        return [("body", _lines(stripped))]
    raise LogicMonitorPayloadError("body", f"cannot read a {kind or 'body'} without JSON or key=value pairs")


def _json_items(text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if text[0] == "{":
            lenient = _lenient_object(text)
            if lenient:
                return [("body", lenient)]
        raise LogicMonitorPayloadError("body", f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
                                       ) from None
    why = lone_surrogate(data) if "\\u" in text else None
    if why:
        raise LogicMonitorPayloadError("body", why)
    if isinstance(data, dict):
        return [("body", data)]
    if isinstance(data, list):
        if not data:
            raise LogicMonitorPayloadError("body", "an empty JSON array")
        out = []
        for i, item in enumerate(data):
            if not isinstance(item, dict):
                raise LogicMonitorPayloadError(f"[{i}]", f"expected a JSON object, got {_kind(item)}")
            out.append((f"[{i}]", item))
        return out
    raise LogicMonitorPayloadError("body", f"expected a JSON object (or an array of objects), got {_kind(data)}")


_PAIR = re.compile(r'^\s*"(?P<key>[^"\n]{1,200})"\s*:\s*(?P<value>.*?)\s*$')


def _lenient_object(text: str) -> dict[str, Any]:
    """A flat object written one ``"key": "value"`` per line, read without JSON's escaping rules.

    Token values are substituted unescaped, so a value may hold quotes,
    backslashes or line breaks; a line that does not start a new pair
    continues the previous value.
    """
    out: dict[str, Any] = {}
    key = None
    parts: list[str] = []

    def flush() -> None:
        if key is not None:
            out[key] = _unquote("\n".join(parts))

    lines = text.strip().splitlines()
    if len(lines) < 3 or not lines[0].strip().startswith("{") or not lines[-1].strip().endswith("}"):
        return {}
    lines[0] = lines[0].strip()[1:]
    lines[-1] = lines[-1].strip()[:-1]
    for line in lines:
        m = _PAIR.match(line)
        if m:
            flush()
            key, parts = m.group("key"), [m.group("value")]
        elif key is not None:
            parts.append(line)
        elif line.strip():
            return {}
    flush()
    return out


def _unquote(value: str) -> str:
    value = value.strip()
    if value.endswith(","):
        value = value[:-1].rstrip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]
        value = value.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
    return value


def _lines(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


# -- one alert ---------------------------------------------------------------------------------------
def alert_from_webhook(item: dict[str, Any], where: str = "body") -> tuple[Alert, str | None]:
    """The alert a webhook body describes and the state change it reports (None for a test)."""
    prefix = "" if where == "body" else where + "."
    fields: dict[str, tuple[str, Any]] = {}        # normalized key -> (key as sent, value)
    for k, v in item.items():
        if not isinstance(k, str):
            continue
        fields.setdefault(_KEY_CHARS.sub("", k.lower()), (k, v))

    def get(name: str, *, text: bool = True) -> Any:
        for alias in _ALIASES[name]:
            if alias in fields:
                key, value = fields[alias]
                value = _present(value)
                if value is None:
                    continue
                if text:
                    return _text(prefix + key, value)
                return prefix + key, value
        return None

    status_text = get("status")
    if status_text is None:
        raise LogicMonitorPayloadError(prefix + "status", "missing (put \"status\": \"##ALERTSTATUS##\" in the body)")
    s = status_text.strip().lower()
    if s in _TEST_STATUS:
        status = None
    elif s in _STATUS:
        status = _STATUS[s]
    else:
        raise LogicMonitorPayloadError(prefix + "status", f"{status_text!r} is not a LogicMonitor alert status "
                                       "(active, clear, ack, update, test)")
    alert_id = get("alert_id")
    host = get("resource_name")
    if status is not None:
        if alert_id is None:
            raise LogicMonitorPayloadError(prefix + "alert_id", "missing (put \"alert_id\": \"##ALERTID##\" in the body)")
        if host is None:
            raise LogicMonitorPayloadError(prefix + "host", "missing (put \"host\": \"##HOST##\" in the body)")
    level = None
    level_in = get("level", text=False)
    if level_in is not None:
        level = level_of(level_in[1])
        if level is None:
            raise LogicMonitorPayloadError(level_in[0], f"{level_in[1]!r} is not a LogicMonitor level "
                                           "(warn, error, critical)")
    alert = Alert(alert_id=alert_id or "", resource_name=host or "", level=level)
    for name in ("session_id", "resource_id", "datasource", "instance", "datapoint", "value", "threshold",
                 "clear_value", "collector", "collector_id", "site", "acked_by", "ack_comment", "alert_type",
                 "rule", "chain", "url", "message"):
        setattr(alert, name, get(name))
    hostname = get("hostname")
    alert.hostname = hostname if hostname != alert.resource_name else None
    groups = get("groups", text=False)
    if groups is not None:
        alert.groups = _groups(*groups)
    alert.started_at = _time_of(get, "start_epoch", "start")
    alert.cleared = status == "cleared"
    alert.cleared_at = _time_of(get, "end_epoch", "end") if status == "cleared" else None
    alert.acked_at = _time_of(get, "ack_epoch", "acked_at")
    alert.sent_at = _time_of(get, "date")
    acked = get("acked", text=False)
    if acked is not None:
        alert.acked = _boolean(*acked)
    elif status == "acknowledged" or alert.acked_by:
        alert.acked = True
    alert.extra = _extras(fields, prefix)
    return alert, status


def _present(value: Any) -> Any:
    """None for what counts as absent: null, empty, "null", an unexpanded ##TOKEN##."""
    if value is None:
        return None
    if isinstance(value, str):
        v = value.strip()
        if v.lower() in _ABSENT or _TOKEN.fullmatch(v):
            return None
        return v
    return value


def _text(where: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value[:_MAX_VALUE]
    raise LogicMonitorPayloadError(where, f"expected text, got {_kind(value)}")


def _groups(where: str, value: Any) -> list[str]:
    if isinstance(value, list):
        items = [_text(f"{where}[{i}]", v) for i, v in enumerate(value) if _present(v) is not None]
    else:
        items = _text(where, value).split(",")
    return [g.strip() for g in items if g.strip() and not _TOKEN.fullmatch(g.strip())][:100]


def _boolean(where: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    v = str(value).strip().lower()
    if v in ("true", "yes", "1", "y", "acked", "acknowledged"):
        return True
    if v in ("false", "no", "0", "n"):
        return False
    raise LogicMonitorPayloadError(where, f"{value!r} is not true or false")


def _time_of(get, *names: str) -> datetime | None:
    for name in names:
        found = get(name, text=False)
        if found is not None:
            t = parse_time(*found)
            if t is not None:
                return t
    return None


def _extras(fields: dict[str, tuple[str, Any]], prefix: str) -> dict[str, str]:
    """Keys the template did not name (a customer's own property tokens), kept as text."""
    out: dict[str, str] = {}
    for norm, (key, value) in fields.items():
        if norm in _KNOWN or len(out) >= _MAX_EXTRA:
            continue
        value = _present(value)
        if value is None or isinstance(value, (dict, list)):
            continue
        out[key[:100]] = _text(prefix + key, value)[:500]
    return out


# -- time ---------------------------------------------------------------------------------------------------
# LogicMonitor writes times in the portal's time zone as an abbreviation ("2019-05-02 14:21:40 PDT").
# Abbreviations are not unique (CST, IST, BST): these are read as the zones LogicMonitor portals use most;
# ##STARTEPOCH## or a UTC portal avoids the question.
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "WET": 0, "WEST": 60, "BST": 60, "IST": 330, "CET": 60, "CEST": 120,
    "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "EST": -300, "EDT": -240, "CST": -360,
    "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
    "AST": -240, "ADT": -180, "NST": -210, "NDT": -150, "JST": 540, "KST": 540, "HKT": 480, "SGT": 480,
    "AWST": 480, "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
}
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$")
_LOCAL = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(.*)$")
_JAVA = re.compile(r"^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d{1,2}:\d{2}:\d{2}) (\S+) (\d{4})$")
_MIN_YEAR, _MAX_YEAR = 1990, 2200


def parse_time(where: str, value: Any) -> datetime | None:
    """A UTC datetime from an epoch (seconds or milliseconds), ISO 8601, or LogicMonitor's
    ``YYYY-MM-DD HH:MM:SS ZONE``; None for 0 (LogicMonitor's "not yet"); else an error naming ``where``."""
    if isinstance(value, bool):
        raise LogicMonitorPayloadError(where, "expected a time, got a boolean")
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d{1,16}(\.\d+)?", value)):
        n = float(value)
        if n == 0:
            return None
        if n > 1e11:        # milliseconds
            n /= 1000.0
        return _checked(where, value, datetime.fromtimestamp(n, timezone.utc) if n < 7.3e9 else None)
    if not isinstance(value, str):
        raise LogicMonitorPayloadError(where, f"expected a time, got {_kind(value)}")
    text = value.strip()
    dt = _parse_text(text)
    if dt is None:
        raise LogicMonitorPayloadError(where, f"cannot read the time {text[:80]!r} (send ##STARTEPOCH##, or set "
                                       "the portal's time zone to UTC)")
    return _checked(where, value, dt)


def _checked(where: str, value: Any, dt: datetime | None) -> datetime:
    if dt is None or not (_MIN_YEAR <= dt.year <= _MAX_YEAR):
        raise LogicMonitorPayloadError(where, f"{str(value)[:80]!r} is not a plausible alert time")
    return dt.astimezone(timezone.utc)


def _parse_text(text: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        dt = None
    if dt is not None:
        return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    m = _LOCAL.match(text)
    if m:
        zone = _zone(m.group(3).strip())
        if zone is None:
            return None
        try:
            naive = datetime.fromisoformat(f"{m.group(1)} {m.group(2)}")
        except ValueError:
            return None
        return naive.replace(tzinfo=zone)
    m = _JAVA.match(text)
    if m:
        zone = _zone(m.group(4))
        try:
            naive = datetime.strptime(f"{m.group(5)} {m.group(1)} {m.group(2)} {m.group(3)}", "%Y %b %d %H:%M:%S")
        except ValueError:
            return None
        return naive.replace(tzinfo=zone) if zone is not None else None
    return None


def _zone(name: str):
    if not name:
        return timezone.utc
    up = name.upper()
    if up in _ZONES:
        return timezone(timedelta(minutes=_ZONES[up]))
    m = _OFFSET.match(up)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        if minutes > 14 * 60:
            return None
        return timezone(timedelta(minutes=-minutes if m.group(1) == "-" else minutes))
    if "/" in name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None

