"""One LogicMonitor alert, however it arrived (webhook or REST), and the records its state changes become.

An alert *state change* is one of ``active`` (the alert started, or its level
changed), ``acknowledged`` and ``cleared``; each becomes one
:class:`~brainstem.ingest.record.Record`:

- ``timestamp``: the alert's own time for that change (start, acknowledgement,
  clear), then the notification's send time, and the receipt time only when the
  body carried no time at all (``metadata["lm_time_from"]`` says which);
- ``host``: the resource's display name (what LogicMonitor calls the resource in
  alerts, and the hostname of its Asset); ``service``: the DataSource;
- ``message``: readable, and shaped so that an alert's ``alarm`` and
  ``cleared`` messages fingerprint into two signatures that differ only in that
  last word (the self-heal detector pairs them), and acknowledgements into a
  third;
- ``raw``: a canonical text of the change (alert id, session, status, and the
  level of an ``active`` change),
  so the same change gives the same event id whether it came by webhook, by
  REST, or twice;
- ``structured_fields``: the ``lm_*`` keys in :data:`CONTRACT_FIELDS` (always
  present, ``None`` when unknown) and a few more when known.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from brainstem.ingest.record import Record
from brainstem.models import iso

from .lm_assets import primary_group

SOURCE_TYPE = "logicmonitor"
STATUSES = ("active", "acknowledged", "cleared")
LEVELS = ("warn", "error", "critical")

# The fields other stages read (the self-heal detector among them): names are a contract.
CONTRACT_FIELDS = (
    "lm_alert_id", "lm_alert_status", "lm_acknowledged", "lm_datasource", "lm_instance", "lm_datapoint",
    "lm_level", "lm_resource_id", "lm_resource_name", "lm_value", "lm_threshold", "lm_collector", "lm_group",
    "lm_cleared_at", "lm_started_at",
)

# LogicMonitor level -> brainstem severity. A clear is a recovery, not a problem of that level.
SEVERITY_OF_LEVEL = {"warn": "warning", "error": "error", "critical": "critical"}
CLEARED_SEVERITY = "notice"

# REST severity numbers (2=warning, 3=error, 4=critical) and the words webhooks carry
_LEVEL_WORDS = {"warn": "warn", "warning": "warn", "2": "warn", "error": "error", "err": "error", "3": "error",
                "critical": "critical", "crit": "critical", "4": "critical"}

_MAX_TEXT = 2000


def level_of(value: Any) -> str | None:
    """``warn``/``error``/``critical`` from a word or a REST severity number, else None."""
    if value is None or isinstance(value, bool):
        return None
    return _LEVEL_WORDS.get(str(value).strip().lower())


@dataclass(slots=True)
class Alert:
    """What brainstem keeps of one LogicMonitor alert (one session of one datapoint on one resource)."""

    alert_id: str                        # LMD…: the id the portal shows (not unique per session)
    resource_name: str                   # display name of the resource
    level: str | None = None             # warn / error / critical
    session_id: str | None = None        # unique per alert session (REST ``id``, ##INTERNALID##)
    resource_id: str | None = None       # device id
    hostname: str | None = None          # the resource's host name or IP (system.hostname)
    datasource: str | None = None
    instance: str | None = None
    datapoint: str | None = None
    value: str | None = None             # the value that raised the alert
    threshold: str | None = None
    clear_value: str | None = None
    collector: str | None = None
    collector_id: str | None = None
    groups: list[str] = field(default_factory=list)
    site: str | None = None
    started_at: datetime | None = None
    cleared_at: datetime | None = None
    acked_at: datetime | None = None
    sent_at: datetime | None = None      # when LogicMonitor sent this notification (webhooks)
    cleared: bool = False
    acked: bool = False
    acked_by: str | None = None
    ack_comment: str | None = None
    alert_type: str | None = None
    device_datasource_id: str | None = None
    rule: str | None = None
    chain: str | None = None
    message: str | None = None           # LogicMonitor's own alert message
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def group(self) -> str | None:
        """The primary group: the first that LogicMonitor did not make by itself."""
        return primary_group(self.groups)

    def states(self) -> list[str]:
        """The state changes this alert has gone through, in order (what a REST listing shows)."""
        out = ["active"]
        if self.acked:
            out.append("acknowledged")
        if self.cleared or self.cleared_at is not None:
            out.append("cleared")
        return out

    def change_key(self, status: str) -> str:
        """Identity of one state change of this alert (the sync's cursor remembers these).

        A session is acknowledged and cleared once; it is active once per level
        (an escalation from warn to critical is a change of its own).
        """
        level = (self.level or "") if status == "active" else ""
        return "\x1f".join((self.alert_id, self._session(), status, level))

    def _session(self) -> str:
        if self.started_at is not None:
            return self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.session_id:
            return "session:" + self.session_id
        if self.sent_at is not None:
            return "sent:" + self.sent_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return ""


def change_time(alert: Alert, status: str) -> tuple[datetime | None, str]:
    """The event time of a state change and where it came from."""
    if status == "active" and alert.started_at is not None:
        return alert.started_at, "start"
    if status == "acknowledged" and alert.acked_at is not None:
        return alert.acked_at, "ack"
    if status == "cleared" and alert.cleared_at is not None:
        return alert.cleared_at, "end"
    if alert.sent_at is not None:
        return alert.sent_at, "sent"
    return None, "receipt"


def message_of(alert: Alert, status: str) -> str:
    what = alert.datapoint or alert.datasource or "alert"
    on = f" on {alert.instance}" if alert.instance and alert.instance != alert.datasource else ""
    level = f" ({alert.level})" if alert.level else ""
    if status == "acknowledged":
        return f"{what}{on}{level} acknowledged" + (f" by {alert.acked_by}" if alert.acked_by else "")
    value = alert.clear_value if status == "cleared" and alert.clear_value is not None else alert.value
    detail = []
    if value is not None:
        detail.append(f"value {value}")
    if alert.threshold is not None:
        detail.append(f"threshold {alert.threshold}")
    # the state word comes last, so nothing after it can change which state word a template ends on
    text = f"{what}{on}{level}" + (": " + ", ".join(detail) if detail else "")
    return f"{text}: {'alarm' if status == 'active' else 'cleared'}"


def raw_of(alert: Alert, status: str) -> str:
    """Canonical text of one state change: the same change, the same text, by any path."""
    body = {"alert": alert.alert_id, "status": status, "session": alert._session()}
    if status == "active":
        body["level"] = alert.level
    return "logicmonitor " + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_of(alert: Alert, status: str, *, source_path: str, received_at: float, via: str) -> Record:
    """One state change of ``alert`` as a record for the pipeline."""
    if status not in STATUSES:
        raise ValueError(f"unknown alert status {status!r}")
    ts, time_from = change_time(alert, status)
    if ts is None:
        ts = datetime.fromtimestamp(received_at, timezone.utc)
    acknowledged = status == "acknowledged" or (status == "cleared" and alert.acked)
    fields: dict[str, Any] = {
        "lm_alert_id": alert.alert_id,
        "lm_alert_status": status,
        "lm_acknowledged": acknowledged,
        "lm_datasource": alert.datasource,
        "lm_instance": alert.instance,
        "lm_datapoint": alert.datapoint,
        "lm_level": alert.level,
        "lm_resource_id": alert.resource_id,
        "lm_resource_name": alert.resource_name,
        "lm_value": alert.value,
        "lm_threshold": alert.threshold,
        "lm_collector": alert.collector,
        "lm_group": alert.group,
        "lm_cleared_at": iso(alert.cleared_at) if status == "cleared" else None,
        "lm_started_at": iso(alert.started_at),
        "lm_via": via,
    }
    optional = {
        "lm_alert_session": alert.session_id, "lm_alert_type": alert.alert_type, "lm_hostname": alert.hostname,
        "lm_clear_value": alert.clear_value if status == "cleared" else None,
        "lm_collector_id": alert.collector_id, "lm_site": alert.site,
        "lm_acked_at": iso(alert.acked_at) if acknowledged else None,
        "lm_acked_by": alert.acked_by if acknowledged else None,
        "lm_ack_comment": alert.ack_comment if acknowledged else None,
        "lm_device_datasource_id": alert.device_datasource_id, "lm_rule": alert.rule, "lm_chain": alert.chain,
        "lm_url": alert.url, "lm_sent_at": iso(alert.sent_at),
        "lm_message": alert.message[:_MAX_TEXT] if alert.message else None,
    }
    fields.update((k, v) for k, v in optional.items() if v is not None)
    if alert.groups:
        fields["lm_groups"] = list(alert.groups)
    if alert.extra:
        fields["lm_extra"] = dict(alert.extra)
    severity = CLEARED_SEVERITY if status == "cleared" else SEVERITY_OF_LEVEL.get(alert.level or "")
    return Record(
        timestamp=ts, message=message_of(alert, status)[:_MAX_TEXT], raw=raw_of(alert, status),
        source_type=SOURCE_TYPE, source_path=source_path, line_no=0, host=alert.resource_name,
        service=alert.datasource, severity=severity, structured_fields=fields,
        # no time in the body: the arrival time is part of the event id (brainstem.pipeline.events)
        metadata={"lm_time_from": time_from, **({"time_from_arrival": True} if time_from == "receipt" else {})},
    )


def alert_from_rest(item: dict[str, Any]) -> Alert | None:
    """An item of ``GET /alert/alerts`` (REST v3); None when it names no alert or no resource.

    ``internalId`` is the LMD… id the portal and ##ALERTID## show; ``id`` is the
    session's own id (##INTERNALID##, what ``/alert/alerts/{id}`` takes);
    ``monitorObjectId`` is the device id (``resourceId`` is the device's
    DataSource, kept as ``lm_device_datasource_id``). Epochs are seconds.
    """
    if not isinstance(item, dict):
        return None
    session = _text(item.get("id"))
    alert_id = _text(item.get("internalId")) or session
    name = _text(item.get("monitorObjectName"))
    if not alert_id or not name:
        return None
    cleared = item.get("cleared") is True or str(item.get("cleared")).lower() == "true"
    acked = item.get("acked") is True or str(item.get("acked")).lower() == "true"
    return Alert(
        alert_id=alert_id, resource_name=name, level=level_of(item.get("severity")), session_id=session,
        resource_id=_text(item.get("monitorObjectId")), datasource=_text(item.get("resourceTemplateName")),
        instance=_text(item.get("instanceName")), datapoint=_text(item.get("dataPointName")),
        value=_text(item.get("alertValue")), threshold=_text(item.get("threshold")),
        clear_value=_text(item.get("clearValue")), groups=_rest_groups(item.get("monitorObjectGroups")),
        started_at=_epoch(item.get("startEpoch")), cleared=cleared,
        cleared_at=_epoch(item.get("endEpoch")) if cleared else None,
        acked=acked, acked_at=_epoch(item.get("ackedEpoch")) if acked else None,
        acked_by=_text(item.get("ackedBy")) if acked else None,
        ack_comment=_text(item.get("ackComment")) if acked else None,
        alert_type=_text(item.get("type")), device_datasource_id=_text(item.get("resourceId")),
        rule=_text(item.get("rule")), chain=_text(item.get("chain")), message=_detail(item.get("detailMessage")),
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text[:_MAX_TEXT] if text else None


def _epoch(value: Any) -> datetime | None:
    try:
        n = float(value)
    except (TypeError, ValueError):
        return None
    if n != n or n <= 0:
        return None
    if n > 1e11:
        n /= 1000.0
    if n > 7.3e9:
        return None
    return datetime.fromtimestamp(int(n), timezone.utc)


def _rest_groups(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, str):
        return [g.strip() for g in value.split(",") if g.strip()]
    if not isinstance(value, list):
        return []
    out = []
    for g in value:
        if isinstance(g, dict):
            path = g.get("fullPath") or g.get("name")
            if isinstance(path, str) and path.strip():
                out.append(path.strip())
        elif isinstance(g, str) and g.strip():
            out.append(g.strip())
    return out[:100]


def _detail(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("body") or value.get("subject")
    return _text(value)
