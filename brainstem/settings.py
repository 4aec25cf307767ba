"""Settings as a table: one row per knob, with its default and its help.

The table drives three things: the config file (``brainstem.toml``, a flat
``name = value`` TOML table or a ``[brainstem]`` section), ``BRAINSTEM_<NAME>``
environment variables (upper case), and the settings reference in
``docs/settings.md`` (a test fails when the doc and the table drift).
Precedence: explicit overrides > environment > config file > default.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    # ingest
    Setting("batch_size", 10000, "Events written per store transaction (and held in memory before it)."),
    Setting("write_behind_min_events", 5000,
            "A file ingest into SQLite hands its writes to a second process once one batch holds this many "
            "events, so storing overlaps reading and fingerprinting (0: always write in the ingest's own process; "
            "so does a process that may run on one CPU only)."),
    Setting("default_tenant", "default", "Tenant used when --tenant is not given."),
    # ingest: timestamps and continuation lines (docs/ingest.md)
    Setting("continuation", "join",
            "A line without a timestamp of its own (a stack trace): 'join' it to the event before it, "
            "or 'inherit' (its own event, with the time of the one before)."),
    Setting("continuation_max_lines", 500, "Lines joined into one event at most; later ones inherit its time."),
    # fingerprint
    Setting("miner_scope", "tenant", "Template scope: 'tenant' (each tenant learns its own) or 'global'."),
    Setting("max_signatures_per_tenant", 50000, "Cap on live templates per tenant; least recently seen are evicted."),
    # detectors and scoring (detect/, score/): what is usual for a tenant
    Setting("profile_background_hours", 72,
            "A signature's background share is measured over the tenant's active hours of this many past hours."),
    Setting("profile_silence_seconds", 1800,
            "A tenant silent this long that logs again (and stays awake) is starting up: a boot, a resume."),
    Setting("profile_startup_seconds", 900,
            "Hours a signature appears in only within this long after a start-up do not count for recurrence."),
    Setting("profile_awake_seconds", 3600,
            "A wake-up counts as a start-up when the tenant then logs this long without falling silent again."),
    # recurrence detector
    Setting("recurrence_min_buckets", 3, "Days (or weeks) a signature must fall in its time window to be a recurrence."),
    Setting("recurrence_min_coverage", 0.7,
            "Share of the days the tenant logged, since the signature first appeared, that it must fall in its window."),
    Setting("recurrence_max_window_hours", 6,
            "Widest time-of-day window a recurrence may wander in (a job that runs some time between 01:00 and 05:00)."),
    Setting("recurrence_min_specificity", 0.75, "Share of a recurring signature's hours that must lie inside its window."),
    Setting("recurrence_max_activity_share", 0.5,
            "Largest share of the tenant's own active hours the window may hold (else it is just when the tenant logs)."),
    Setting("recurrence_max_chance", 0.05,
            "Largest chance that something with no schedule lands in the window on that many of the days."),
    # burst detector
    Setting("burst_window_seconds", 300, "Sliding window for burst detection, in seconds of event time."),
    Setting("burst_min_events", 20, "Events of one signature within the window needed for a burst."),
    Setting("burst_ratio", 8.0, "Window count must exceed this multiple of the signature's own baseline."),
    Setting("burst_baseline_windows", 12, "Windows of history the baseline rate is averaged over (EWMA span)."),
    # spread detector
    Setting("spread_window_seconds", 600, "Sliding window for spread detection, in seconds of event time."),
    Setting("spread_min_assets", 5, "Distinct assets one signature must reach within the window."),
    Setting("spread_ratio", 3.0, "Distinct assets must exceed this multiple of the signature's usual reach."),
    # self-heal detector
    Setting("self_heal_window_seconds", 900,
            "A recovery (or an unacknowledged clear of a monitoring alert) within this many seconds is a self-heal."),
    Setting("self_heal_min_pairs", 2, "Problem/recovery pairs before a self-heal candidate is raised."),
    # precursor detector
    Setting("precursor_window_seconds", 1800, "How long before a failure a precursor may begin (and its episode gap)."),
    Setting("precursor_min_lead_seconds", 60,
            "A precursor must begin at least this long before the failure (lines of one event are not a warning)."),
    Setting("precursor_min_support", 3, "Confirmations (precursor episodes followed by the failure) before a pair is learned."),
    Setting("precursor_min_confidence", 0.6, "Share of the precursor's episodes that the failure must have followed."),
    Setting("precursor_min_lift", 3.0, "Confidence over the chance of the failure following any moment, at least."),
    Setting("precursor_target_severity", "warning", "Least severe level a signature must reach to be a failure to predict."),
    # anomaly detector
    Setting("anomaly_baseline_seconds", 86400,
            "History a tenant (and, for rates, a signature) needs before something can be new or off its rate."),
    Setting("anomaly_hold_seconds", 600,
            "A new signature waits this long (event time) so a burst or spread covering it is raised instead."),
    Setting("anomaly_rate_ratio", 10.0, "An hour's count must reach this multiple of what the signature usually does then."),
    Setting("anomaly_rate_min_events", 20, "Fewest events in an hour for a rate anomaly."),
    # scoring: evidence components (weights are relative within a candidate type)
    Setting("weight_regularity", 0.50, "Recurrence: how unlikely by chance its days in one time window are."),
    Setting("weight_coverage", 0.25, "Recurrence: share of the days it came back on."),
    Setting("weight_frequency", 0.25, "How often: days recurred, events at the peak, self-heals, firings."),
    Setting("weight_burstiness", 0.50, "Burst and rate anomaly: peak over the signature's own baseline."),
    Setting("weight_novelty", 0.20, "How new the signature is to the tenant (the whole evidence of a new-signature anomaly)."),
    Setting("weight_spread", 0.35, "Distinct assets reached."),
    Setting("weight_fleet", 0.30, "Spread: share of the tenant's active assets reached."),
    Setting("weight_recovery", 0.50, "Self-heal: problems followed by their own recovery."),
    Setting("weight_confidence", 0.45, "Precursor: share of its episodes the failure followed."),
    Setting("weight_support", 0.35, "Precursor: confirmations seen."),
    Setting("weight_rule", 0.50, "Rule firings: an operator's rule matched (the rest is how often and how wide)."),
    # scoring: what scales or discounts the evidence
    Setting("severity_floor", 0.30,
            "Share of the evidence an info-level pattern keeps; severity scales the rest (score = evidence x "
            "(floor + (1 - floor) x severity))."),
    Setting("anomaly_severity_floor", 0.10,
            "The same floor for anomalies, whose severity counts squared: a new info message is rarely worth review."),
    Setting("weight_background", 0.60,
            "Discount for steady background: the score loses this share times the share of the tenant's hours the "
            "signature is in anyway."),
    Setting("maturity_half_hours", 6.0,
            "Bursts, spreads and rate anomalies keep half their score when the tenant has logged this many hours "
            "(since its history began or its last silence)."),
    Setting("weight_feedback", 0.30, "Weight of operator feedback (reviews of the same signature, can be negative)."),
    # bands
    Setting("band_watch", 0.25, "Lowest score in the 'watch' band."),
    Setting("band_review", 0.40, "Lowest score in the 'review' band."),
    Setting("band_urgent", 0.60, "Lowest score in the 'urgent_human_review' band."),
    Setting("band_promote", 0.75, "Lowest score in the 'promote_to_incident_memory' band."),
    Setting("auto_promote", False, "Promote candidates in the top band to incident memory without a human."),
    # memory
    Setting("incident_recurrence_gap_seconds", 3600,
            "An incident's pattern seen again after this much quiet counts as a new recurrence."),
    # the live service (brainstem serve)
    Setting("serve_http", "127.0.0.1:8080", "Address of the REST API, web console, /metrics and health endpoints ('' for none)."),
    Setting("serve_commit_seconds", 1.0, "The writer commits what it received at least this often (seconds)."),
    Setting("serve_batch_max", 5000, "The writer commits at once when this many messages wait."),
    Setting("serve_queue_capacity", 50000,
            "Messages waiting for the writer before sources are pushed back (TCP stops reading, UDP drops and counts)."),
    Setting("serve_checkpoint_seconds", 60.0, "Stage state of each live tenant is checkpointed this often (seconds)."),
    Setting("serve_unrouted", "default",
            "Messages no route claims: 'default' sends them to default_tenant, 'refuse' drops and counts them."),
    Setting("syslog_max_message_bytes", 65536, "Longer syslog messages are truncated to this and flagged."),
    Setting("syslog_max_connections", 1000, "Open TCP/TLS syslog connections per listener; more are refused and counted."),
    Setting("syslog_idle_timeout_seconds", 300.0, "A syslog TCP connection that sends nothing for this long is closed."),
    Setting("follow_poll_seconds", 0.5, "How often followed files are checked for new lines and rotation."),
    # beyond one process: the JetStream ingest log and workers (docs/deployment.md)
    Setting("serve_mode", "standalone",
            "'standalone': serve stores what it accepts; 'gateway': it publishes each message to the JetStream "
            "stream and acknowledges a sender after the publish ack (`brainstem worker` processes store them)."),
    Setting("nats_url", "nats://127.0.0.1:4222", "NATS server(s) with JetStream, comma-separated (gateway and workers)."),
    Setting("nats_stream", "BRAINSTEM", "JetStream stream of accepted messages (created with file storage if missing)."),
    Setting("nats_subject_prefix", "brainstem.in", "Subjects of the stream: PREFIX.<partition>."),
    Setting("nats_partitions", 16,
            "Tenant partitions (a stable hash of the tenant slug, modulo this); fixed for the life of a stream."),
    Setting("nats_max_age_hours", 168.0, "The stream keeps messages at most this long (hours)."),
    Setting("nats_max_bytes", 10 * 1024 ** 3, "The stream keeps at most this many bytes (the oldest are dropped); JetStream reserves it on disk."),
    Setting("nats_publish_timeout_seconds", 10.0, "A publish not acknowledged by JetStream in this time fails the sender."),
    Setting("worker_batch_max", 10000, "Messages a worker stores per transaction (the batches of the partitions it holds, together)."),
    Setting("worker_lease_seconds", 10.0,
            "A partition lease not renewed for this long expires (a dead worker's partitions move after it)."),
    Setting("worker_heartbeat_seconds", 1.0, "How often a worker renews its heartbeat and rebalances partitions."),
    # the REST API and HTTP ingest (brainstem/api)
    Setting("http_max_body_bytes", 10 * 1024 * 1024,
            "Largest request body the API accepts (ingest batches, webhooks); larger ones get 413."),
    Setting("http_max_message_bytes", 65536,
            "Longer event messages arriving over HTTP are truncated to this (UTF-8 bytes) and flagged."),
    Setting("http_max_events", 10000, "Most events one ingest request may carry; more get 413 (send smaller batches)."),
    Setting("http_page_max", 1000, "Largest page (limit) a list route of the API returns."),
    Setting("http_threads", 8,
            "Threads that run the API's reads (each keeps its own database connection and page cache)."),
    # the web console (brainstem/web)
    Setting("web_session_hours", 12.0, "A console sign-in lasts this long (hours); revoking its API key ends it at once."),
    Setting("web_page_size", 50, "Candidates, signatures and events per page in the web console."),
    Setting("web_stream_seconds", 60.0,
            "One live-queue event stream lasts this long before the browser reconnects (seconds)."),
    Setting("web_stream_poll_seconds", 2.0, "How often a live queue checks for new or changed candidates (seconds)."),
    # LogicMonitor (brainstem/sources/lm_*.py; a [logicmonitor] table in the serve config overrides these)
    Setting("lm_poll_seconds", 60.0, "How often `serve` polls LogicMonitor's REST API for alerts (seconds)."),
    Setting("lm_lookback_hours", 24.0,
            "On a portal's first poll, alerts that started this far back (active or cleared) are ingested."),
    Setting("lm_device_sync_seconds", 900.0, "How often LogicMonitor devices are synced into assets (seconds)."),
    Setting("lm_page_size", 1000, "Items per LogicMonitor REST request (1..1000)."),
    Setting("lm_timeout_seconds", 30.0, "Timeout of one LogicMonitor REST request (seconds)."),
    Setting("lm_max_retries", 5, "Retries of a LogicMonitor request after a 429, a 5xx or a network error."),
    # rules (the NodeBrain engine: brainstem/rules, docs/rules.md)
    Setting("rules_dir", "", "Directory of NodeBrain rule files (*.nb) loaded for every tenant at ingest."),
    Setting("rules_replay_seconds", 86400,
            "Without a saved rule-engine state (first run with these rules), stored events this far back are "
            "replayed into the rules to rebuild their windows."),
    Setting("translators", "",
            "NodeBrain translators (.nbx) every event's line runs through, comma-separated NAME=FILE or FILE "
            "(a translator node NAME, default the file's stem); relative to rules_dir."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
# A window of no time (the detectors' sliding windows) or a batch of no events is a
# mistake, not a way to turn something off: refused where it is read, naming it.
_POSITIVE = frozenset({"batch_size"} | {s.name for s in SETTINGS if s.name.endswith("_window_seconds")})
_NOT_NEGATIVE = frozenset({"write_behind_min_events"})     # where 0 turns something off

# tables of brainstem.toml that are not settings but the service's sections
SERVICE_SECTIONS = ("listener", "route", "follow", "webhook", "logicmonitor")


class SettingsError(ValueError):
    """A bad setting value or config file, named by where it came from."""


def _coerce(setting: Setting, value: Any, where: str) -> Any:
    value = _coerce_type(setting, value, where)
    if setting.name in _POSITIVE and not value > 0:
        raise SettingsError(f"{where}: {setting.name} must be more than 0, got {value!r}")
    if setting.name in _NOT_NEGATIVE and value < 0:
        raise SettingsError(f"{where}: {setting.name} must be 0 or more, got {value!r}")
    return value


def _coerce_type(setting: Setting, value: Any, where: str) -> Any:
    kind = type(setting.default)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    text = str(value).strip()
    try:
        if kind is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
        return text
    except ValueError:
        raise SettingsError(f"{where}: {setting.name} must be {kind.__name__}, got {value!r}") from None


class Settings(Mapping[str, Any]):
    """Resolved settings; read as ``settings["burst_ratio"]`` or ``settings.burst_ratio``."""

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **overrides: Any) -> "Settings":
        values = dict(self._values)
        for name, value in overrides.items():
            if name not in _BY_NAME:
                raise SettingsError(f"unknown setting {name!r}")
            values[name] = _coerce(_BY_NAME[name], value, "override")
        return Settings(values)


def load_settings(config_path: str | os.PathLike | None = None,
                  env: Mapping[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """Resolve every setting from overrides, environment, config file and defaults."""
    env = os.environ if env is None else env
    values = {s.name: s.default for s in SETTINGS}
    path = config_path or env.get("BRAINSTEM_CONFIG")
    if path:
        values.update(_read_config(Path(path)))
    for s in SETTINGS:
        key = "BRAINSTEM_" + s.name.upper()
        if key in env:
            values[s.name] = _coerce(s, env[key], f"environment {key}")
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in _BY_NAME:
            raise SettingsError(f"unknown setting {name!r}")
        values[name] = _coerce(_BY_NAME[name], value, "option")
    return Settings(values)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from None
    data = data.get("brainstem", data)
    out = {}
    for name, value in data.items():
        if name in SERVICE_SECTIONS and isinstance(value, (dict, list)):
            continue          # [[listener]], [[route]]...: read by brainstem.service.config
        if name not in _BY_NAME:
            raise SettingsError(f"{path}: unknown setting {name!r}")
        out[name] = _coerce(_BY_NAME[name], value, str(path))
    return out


def settings_markdown() -> str:
    """The settings reference, generated from the table (docs/settings.md)."""
    lines = ["| setting | environment | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | `BRAINSTEM_{s.name.upper()}` | `{s.default!r}` | {s.help} |")
    return "\n".join(lines) + "\n"
