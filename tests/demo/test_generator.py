"""The demo generator: deterministic, well-formed, and the planted patterns are really there."""
from __future__ import annotations

import os
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from brainstem.demo.generator import DemoDataset, Planted, describe, generate, main

MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                      "Dec"), 1)}
RFC3164 = re.compile(
    r"^(?:<(?P<pri>\d{1,3})>)?(?P<mon>[A-Z][a-z]{2}) (?P<day>[ 123]\d) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d) "
    r"(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*) (?P<app>[^\s\[\]:]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>\S.*)$")
RFC5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<host>[!-~]{1,255}) "
    r"(?P<app>[!-~]{1,48}) (?P<pid>[!-~]{1,128}) (?P<msgid>[!-~]{1,32}) "
    r'(?P<sd>-|(?:\[[!-~]+(?: [!-~]+="[^"]*")*\])+) (?P<msg>\S.*)$')
START = datetime(2026, 3, 2, tzinfo=timezone.utc)
END = START + timedelta(days=7)


class Line:
    __slots__ = ("ts", "host", "app", "pid", "msg", "pri")

    def __init__(self, ts, host, app, pid, msg, pri):
        self.ts, self.host, self.app, self.pid, self.msg, self.pri = ts, host, app, pid, msg, pri


def parse_file(path: Path) -> list[Line]:
    """Parse one demo file strictly: every line must match RFC 3164 or RFC 5424."""
    year = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).year
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(r"<\d{1,3}>1 ", raw):
            m = RFC5424.match(raw)
            assert m, f"{path}:{n}: not RFC 5424: {raw!r}"
            ts = datetime.strptime(m["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
            pid = None if m["pid"] == "-" else int(m["pid"])
        else:
            m = RFC3164.match(raw)
            assert m, f"{path}:{n}: not RFC 3164: {raw!r}"
            ts = datetime(year, MONTHS[m["mon"]], int(m["day"]), int(m["h"]), int(m["m"]), int(m["s"]),
                          tzinfo=timezone.utc)
            pid = int(m["pid"]) if m["pid"] else None
        pri = int(m["pri"]) if m["pri"] else None
        assert pri is None or 0 <= pri <= 191, f"{path}:{n}: PRI out of range"
        out.append(Line(ts, m["host"], m["app"], pid, m["msg"], pri))
    return out


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> DemoDataset:
    return generate(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def lines(dataset) -> dict[str, list[Line]]:
    """tenant slug -> all its lines, in time order."""
    out = {}
    for slug, paths in dataset.files.items():
        out[slug] = sorted((ln for p in paths for ln in parse_file(p)), key=lambda ln: ln.ts)
    return out


def planted(dataset: DemoDataset, tenant: str, kind: str) -> Planted:
    found = [p for p in dataset.planted if p.tenant == tenant and p.kind == kind]
    assert len(found) == 1, f"expected one {kind} planted for {tenant}, got {found}"
    return found[0]


def severity(ln: Line) -> int | None:
    return None if ln.pri is None else ln.pri % 8


# --- shape --------------------------------------------------------------------

def test_layout_and_formats(dataset):
    assert dataset.start == START and dataset.end == END
    assert set(dataset.files) == {"acme", "globex"}
    names = {slug: sorted(p.name for p in paths) for slug, paths in dataset.files.items()}
    assert names == {"acme": ["network.log", "syslog.log"], "globex": ["syslog.log"]}
    for slug, paths in dataset.files.items():
        for p in paths:
            assert p.parent == dataset.root / slug
    acme = {p.name: p.read_text().splitlines() for p in dataset.files["acme"]}
    assert all(RFC3164.match(ln) and not ln.startswith("<") for ln in acme["syslog.log"])
    assert all(RFC3164.match(ln) and ln.startswith("<") for ln in acme["network.log"])
    globex = dataset.files["globex"][0].read_text().splitlines()
    assert all(RFC5424.match(ln) for ln in globex)
    assert any('[meta sequenceId="' in ln for ln in globex), "some 5424 lines should carry structured data"


def test_every_line_parses_and_is_in_time_order(dataset):
    for paths in dataset.files.values():
        for p in paths:
            parsed = parse_file(p)
            assert len(parsed) > 1000
            times = [ln.ts for ln in parsed]
            assert times == sorted(times), f"{p} is not sorted by time"
            assert START <= times[0] and times[-1] < END


def test_mtime_is_dataset_end(dataset):
    for paths in dataset.files.values():
        for p in paths:
            assert os.stat(p).st_mtime == END.timestamp()


def test_hosts(lines):
    acme_hosts = {ln.host for ln in lines["acme"]}
    assert acme_hosts == {"web01", "web02", "web03", "web04", "db01", "db02", "fw01", "sw-core01", "backup01",
                          "app01", "app02", "app03"}
    globex_hosts = {ln.host for ln in lines["globex"]}
    assert len(globex_hosts) == 10 and all(h.startswith("nyc-") for h in globex_hosts)


def test_line_counts(dataset, lines):
    for slug in ("acme", "globex"):
        # noise, a few hundred planted lines, and the decoys (health checks every 5 minutes on 2-3 hosts)
        assert 7 * 4000 + 5000 <= len(lines[slug]) <= 7 * 4000 + 9000, slug


def test_noise_has_variables_and_background_jobs(lines):
    acme = lines["acme"]
    ufw = [ln for ln in acme if "[UFW BLOCK]" in ln.msg]
    assert len(ufw) > 300 and len({ln.msg.split("SRC=")[1].split()[0] for ln in ufw}) > 250
    assert len({ln.pid for ln in acme if ln.app == "sshd"}) > 100
    for slug in ("acme", "globex"):
        rotations = [ln for ln in lines[slug] if ln.msg == "Starting Rotate log files..."]
        linux = {ln.host for ln in lines[slug] if ln.app == "CRON"}
        assert len(rotations) == 7 * len(linux)
        assert all(ln.ts.hour == 0 and ln.ts.minute == 0 for ln in rotations)
        assert all(severity(ln) in (None, 6) for ln in rotations)  # info: background, not a problem
        hourly = [ln for ln in lines[slug] if ln.msg.startswith("(root) CMD (   cd / && run-parts")]
        assert len(hourly) == 7 * 24 * len(linux)


# --- determinism ----------------------------------------------------------------

def _contents(ds: DemoDataset) -> dict[str, bytes]:
    return {str(p.relative_to(ds.root)): p.read_bytes() for paths in ds.files.values() for p in paths}


def test_same_seed_same_bytes(dataset, tmp_path):
    again = generate(tmp_path / "again")
    assert _contents(again) == _contents(dataset)
    assert again.planted == dataset.planted


def test_other_seed_other_bytes(dataset, tmp_path):
    other = generate(tmp_path / "other", seed=8)
    a, b = _contents(dataset), _contents(other)
    assert a.keys() == b.keys()
    assert all(a[k] != b[k] for k in a)
    assert [p.sample_message for p in other.planted] != [p.sample_message for p in dataset.planted]


def test_the_demo_stays_small_enough_for_make_run(tmp_path):
    """`make run` ingests this on a laptop in seconds: its size is what keeps it so (a
    size, not a time: timings live in bench/). About lines_per_day per tenant and day."""
    ds = generate(tmp_path)
    lines = sum(sum(1 for _ in open(p, errors="replace")) for p in tmp_path.rglob("*") if p.is_file())
    assert 40_000 < lines < 100_000
    assert sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()) < 16_000_000


def test_noise_volume_does_not_move_the_planted_patterns(dataset, tmp_path):
    small = generate(tmp_path, lines_per_day=500)
    assert small.planted == dataset.planted


# --- the planted patterns -------------------------------------------------------

TYPES = ("recurrence", "burst", "spread", "self_heal", "precursor", "anomaly")


def test_one_pattern_of_each_type_per_tenant(dataset):
    kinds = Counter((p.tenant, p.kind) for p in dataset.planted)
    assert kinds == {(t, k): 1 for t in ("acme", "globex") for k in TYPES}
    for p in dataset.planted:
        assert START <= p.start <= p.end < END
        assert p.description and p.hosts


def test_sample_messages_are_exact_lines_of_their_pattern(dataset, lines):
    for p in dataset.planted:
        hits = [ln for ln in lines[p.tenant] if ln.msg == p.sample_message]
        assert hits, f"{p.tenant} {p.kind}: sample message not found verbatim"
        assert all(ln.host in p.hosts for ln in hits)
        assert any(p.start - timedelta(seconds=1) <= ln.ts <= p.end for ln in hits)


def test_recurrence_nightly_backup_failure(dataset, lines):
    p = planted(dataset, "acme", "recurrence")
    assert p.hosts == ["backup01"] and p.sample_message.startswith("Backup job nightly-db failed")
    fails = [ln for ln in lines["acme"] if ln.msg.startswith("Backup job nightly-db failed")]
    assert {ln.host for ln in fails} == {"backup01"}
    assert sorted(ln.ts.date() for ln in fails) == [(START + timedelta(days=i)).date() for i in range(7)]
    for ln in fails:
        assert ln.ts.hour == 2 and ln.ts.minute < 6, ln.ts
        assert severity(ln) in (None, 3)
    assert p.start == min(ln.ts for ln in fails).replace(microsecond=p.start.microsecond)


def test_recurrence_at_a_wandering_hour_six_nights_of_seven(dataset, lines):
    p = planted(dataset, "globex", "recurrence")
    assert p.hosts == ["nyc-bkp-01"] and p.sample_message.startswith("ERROR: nightly backup of")
    fails = [ln for ln in lines["globex"] if ln.msg.startswith("ERROR: nightly backup of")]
    assert {ln.host for ln in fails} == {"nyc-bkp-01"}
    days = [ln.ts.date() for ln in fails]
    assert len(days) == len(set(days)) == 6
    assert all(1 <= ln.ts.hour < 5 for ln in fails)
    assert len({ln.ts.hour for ln in fails}) >= 2, "the hour wanders"
    assert all(severity(ln) == 3 for ln in fails)


def test_precursor_comes_before_its_failure_on_the_same_host(dataset, lines):
    for tenant, warn, fail in (("acme", "Reallocated_Sector_Ct changed", "blk_update_request: I/O error, dev sdb"),
                               ("globex", "of maxmemory", "Can't save in background")):
        p = planted(dataset, tenant, "precursor")
        assert warn in p.sample_message and any(fail in r for r in p.related)
        warnings = [ln for ln in lines[tenant] if warn in ln.msg]
        failures = [ln for ln in lines[tenant] if fail in ln.msg]
        assert len(warnings) == 5
        for w in warnings[:-1]:         # each of the first four is followed by the failure on its host
            after = [f for f in failures if f.host == w.host and timedelta(0) < f.ts - w.ts <= timedelta(minutes=13)]
            assert after, w.ts
            assert after[0].ts - w.ts >= timedelta(minutes=2)
        last = warnings[-1]
        assert not [f for f in failures if f.ts > last.ts], "the last warning comes alone"


def test_anomaly_is_one_severe_line_never_seen_before(dataset, lines):
    for tenant, marker in (("acme", "Machine Check Exception"), ("globex", "PANIC: could not write to file")):
        p = planted(dataset, tenant, "anomaly")
        hits = [ln for ln in lines[tenant] if marker in ln.msg]
        assert len(hits) == 1 and hits[0].msg == p.sample_message and hits[0].host == p.hosts[0]
        assert hits[0].ts >= START + timedelta(days=2)
        assert severity(hits[0]) in (None, 2)


def test_decoys(dataset, lines):
    kinds = Counter((d.tenant, d.kind) for d in dataset.decoys)
    assert kinds == {(t, k): 1 for t in ("acme", "globex") for k in ("coincidence", "chatter", "health_check",
                                                                       "daily_job")}
    # the coincidence: the same message in the same minute on three hosts of each tenant
    seen = {}
    for tenant in ("acme", "globex"):
        d = next(x for x in dataset.decoys if x.tenant == tenant and x.kind == "coincidence")
        hits = [ln for ln in lines[tenant] if ln.msg == d.sample_message]
        assert len({ln.host for ln in hits}) == 3 == len(hits)
        seen[tenant] = hits
    start = min(ln.ts for h in seen.values() for ln in h)
    assert all(ln.ts - start < timedelta(minutes=1) for h in seen.values() for ln in h)
    for tenant in ("acme", "globex"):
        job = next(x for x in dataset.decoys if x.tenant == tenant and x.kind == "daily_job")
        runs = [ln for ln in lines[tenant] if ln.msg.startswith("dump of all databases finished OK")]
        assert len({ln.ts.date() for ln in runs}) == 7 and all(1 <= ln.ts.hour <= 5 for ln in runs)
        assert job.sample_message in {ln.msg for ln in runs}
        chatter = next(x for x in dataset.decoys if x.tenant == tenant and x.kind == "chatter")
        steady = [ln for ln in lines[tenant] if ln.msg == chatter.sample_message or
                  ln.msg.startswith("ERROR payment gateway timeout")]
        assert len({ln.ts.date() for ln in steady}) == 7 and len(steady) >= 7 * 40


def test_without_patterns_or_decoys_only_noise_is_written(tmp_path):
    ds = generate(tmp_path, days=2, lines_per_day=1000, plant=False, decoys=False)
    assert ds.planted == [] and ds.decoys == []
    text = "".join(p.read_text() for paths in ds.files.values() for p in paths)
    for marker in ("Backup job nightly-db failed", "Reallocated_Sector_Ct", "Machine Check", "health check ok",
                   "203.0.113.7", "dump of all databases"):
        assert marker not in text


@pytest.mark.parametrize("tenant, marker, host, count, seconds, per_day", [
    ("acme", "upstream timed out (110: Connection timed out) while connecting to upstream", "web02", 200, 180, 5),
    ("globex", "FATAL: remaining connection slots are reserved", "nyc-db-01", 180, 150, 3),
])
def test_burst(dataset, lines, tenant, marker, host, count, seconds, per_day):
    p = planted(dataset, tenant, "burst")
    assert p.hosts == [host] and marker in p.sample_message
    assert (p.end - p.start).total_seconds() <= seconds
    hits = [ln for ln in lines[tenant] if marker in ln.msg]
    lo, hi = p.start.replace(microsecond=0), p.end
    inside = [ln for ln in hits if lo <= ln.ts <= hi]
    assert len(inside) == count and {ln.host for ln in inside} == {host}
    # the signature is normally rare: a few a day, nothing else near the burst
    outside = [ln for ln in hits if not lo <= ln.ts <= hi]
    assert 7 <= len(outside) <= 7 * per_day
    assert max(Counter(ln.ts.date() for ln in outside).values()) <= per_day
    assert all(abs(ln.ts - p.start) > timedelta(minutes=30) for ln in outside)


@pytest.mark.parametrize("tenant, marker, min_hosts", [
    ("acme", "maximum authentication attempts exceeded for root from 203.0.113.7", 10),
    ("globex", "nfs: server nyc-nas-01 not responding", 9),
])
def test_spread(dataset, lines, tenant, marker, min_hosts):
    p = planted(dataset, tenant, "spread")
    hits = [ln for ln in lines[tenant] if marker in ln.msg]
    assert hits and marker in p.sample_message
    first, last = hits[0].ts, hits[-1].ts
    assert last - first <= timedelta(minutes=5), "spread must happen within minutes"
    hosts = {ln.host for ln in hits}
    assert len(hosts) >= max(8, min_hosts) and hosts == set(p.hosts)
    assert first >= p.start.replace(microsecond=0) and last <= p.end
    assert all(severity(ln) in (None, 3) for ln in hits)


def _pairs(events: list[Line], is_down, is_up) -> list[tuple[datetime, datetime]]:
    """Problem/recovery pairs, asserting they strictly alternate."""
    pairs, down = [], None
    for ln in events:
        if is_down(ln):
            assert down is None, f"two downs in a row at {ln.ts}"
            down = ln.ts
        elif is_up(ln):
            assert down is not None, f"up without down at {ln.ts}"
            pairs.append((down, ln.ts))
            down = None
    assert down is None
    return pairs


def test_flapping_cisco_uplink(dataset, lines):
    p = planted(dataset, "acme", "self_heal")
    assert p.hosts == ["sw-core01"]
    assert p.sample_message == "Interface GigabitEthernet0/1, changed state to down"
    gi01 = [ln for ln in lines["acme"] if ln.host == "sw-core01" and "GigabitEthernet0/1," in ln.msg]
    link = [ln for ln in gi01 if ln.app == "%LINK-3-UPDOWN"]
    proto = [ln for ln in gi01 if ln.app == "%LINEPROTO-5-UPDOWN"]
    assert len(link) == len(proto) and len(gi01) == 2 * len(link)
    pairs = _pairs(link, lambda ln: ln.msg.endswith("to down"), lambda ln: ln.msg.endswith("to up"))
    assert len(pairs) >= 15
    for down, up in pairs:
        assert timedelta(seconds=5) <= up - down <= timedelta(seconds=60)
    assert pairs[-1][1] - pairs[0][0] <= timedelta(days=2)
    assert all(severity(ln) == 3 for ln in link if ln.msg.endswith("to down"))


def test_flapping_linux_wan_link(dataset, lines):
    p = planted(dataset, "globex", "self_heal")
    assert p.hosts == ["nyc-edge-01"]
    nic = [ln for ln in lines["globex"] if ln.host == "nyc-edge-01" and ": NIC Link is " in ln.msg]
    pairs = _pairs(nic, lambda ln: ln.msg.endswith("NIC Link is Down"), lambda ln: "NIC Link is Up" in ln.msg)
    assert len(pairs) >= 10
    for down, up in pairs:
        assert timedelta(seconds=5) <= up - down <= timedelta(seconds=60)
    assert pairs[-1][1] - pairs[0][0] <= timedelta(days=2)
    vrrp = [ln for ln in lines["globex"] if ln.app == "Keepalived_vrrp"]
    assert [ln.msg.rsplit(" ", 1)[1] for ln in vrrp] == ["down", "up"] * len(pairs)
    assert all(ln.host == "nyc-edge-01" and ln.msg.startswith("Netlink reports eth1 ") for ln in vrrp)


def test_patterns_are_not_in_the_noise(tmp_path):
    """With only a day of noise and patterns clamped into it, the markers still come only from the planting."""
    ds = generate(tmp_path, days=1, lines_per_day=3000)
    assert len(ds.planted) == 12
    text = "".join(p.read_text() for paths in ds.files.values() for p in paths)
    assert text.count("203.0.113.7") == sum(1 for ln in text.splitlines() if "maximum authentication" in ln)
    assert text.count("Backup job nightly-db failed") == 1
    for p in ds.planted:
        assert ds.start <= p.start <= p.end < ds.end


# --- API edges and the command line ---------------------------------------------

def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, days=0)
    with pytest.raises(ValueError):
        generate(tmp_path, start=datetime(2026, 3, 2))


def test_other_start_shifts_everything(tmp_path):
    ds = generate(tmp_path, days=2, start=datetime(2025, 12, 30, tzinfo=timezone.utc), lines_per_day=300)
    assert ds.end == datetime(2026, 1, 1, tzinfo=timezone.utc)
    for paths in ds.files.values():
        for p in paths:
            assert os.stat(p).st_mtime == ds.end.timestamp()
    first = ds.files["acme"][1].read_text().splitlines()[0]
    assert first.startswith("Dec 30 ")


def test_command_line(tmp_path, capsys):
    assert main([str(tmp_path), "--seed", "3", "--days", "2"]) == 0
    out = capsys.readouterr().out
    assert "acme" in out and "globex" in out and "self_heal" in out
    assert (tmp_path / "acme" / "syslog.log").is_file() and (tmp_path / "globex" / "syslog.log").is_file()
    assert main([str(tmp_path), "--days", "0"]) == 2


def test_describe_lists_files_and_patterns(dataset):
    text = describe(dataset)
    for p in dataset.planted:
        assert p.sample_message in text
    assert "lines" in text
