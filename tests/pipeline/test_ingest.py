"""The pipeline end to end through the library, on real files and a real database (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from brainstem.pipeline.events import EventFactory
from brainstem.pipeline.runner import RunStats, TenantPipeline
from brainstem.ingest import IngestReport, read_records
from brainstem.settings import load_settings
from brainstem.workspace import Workspace

from tests.pipeline.scenario import START, scenario_lines, write


@pytest.fixture
def open_ws(make_db):
    """Workspace(name, **settings) on the backend under test; closed after the test."""
    opened = []

    def open_one(name="b.db", **overrides):
        ws = Workspace(make_db(name), load_settings(env={}, **overrides))
        opened.append(ws)
        return ws
    yield open_one
    for ws in opened:
        ws.close()


def _snapshot(ws, tenant="acme"):
    return sorted((c.candidate_id, c.candidate_type, round(c.score_total, 4), c.decision_band,
                   c.metadata["metrics"].get("buckets"), c.metadata["metrics"].get("pairs"),
                   c.metadata["metrics"].get("max_assets"), c.metadata["event_count"])
                  for c in ws.candidates(tenant, limit=1000))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("scenario")
    return write(root / "syslog.log", scenario_lines())


def test_finds_the_planted_patterns(open_ws, scenario):
    ws = open_ws()
    stats = ws.ingest([str(scenario)], tenant="acme")
    assert stats.events_stored == stats.lines_read > 4000 and stats.bad_lines == 0
    found = {(c.candidate_type, c.title.split(": ", 1)[1]) for c in ws.candidates("acme", min_band="review")}
    assert any(t == "recurrence" and p.startswith("bacula-dir: Backup job nightly-db failed") for t, p in found)
    assert any(t == "spread" and p.startswith("ntpd: no servers can be used") for t, p in found)
    assert any(t == "self_heal" and "changed state to down" in p for t, p in found)
    cron = [c for c in ws.candidates("acme", limit=100) if "session opened" in c.title]
    assert all(c.decision_band in ("ignore", "watch") for c in cron), "fleet-wide cron chatter must not need review"
    assert {a.lower() for a in ws.store.asset_ids(ws.tenant("acme").tenant_id)} >= {"web01", "backup01", "sw01"}


def test_reingest_stores_nothing_twice(open_ws, scenario):
    ws = open_ws()
    first = ws.ingest([str(scenario)], tenant="acme")
    before = _snapshot(ws)
    counts = ws.stats()["acme"]
    again = ws.ingest([str(scenario)], tenant="acme")
    assert again.events_stored == 0 and again.duplicates == first.events_stored
    assert _snapshot(ws) == before
    assert ws.stats()["acme"] == counts


def test_same_candidates_whatever_the_batch_size(open_ws, scenario):
    small = open_ws("small.db", batch_size=7)
    big = open_ws("big.db", batch_size=5000)
    small.ingest([str(scenario)], tenant="acme")
    big.ingest([str(scenario)], tenant="acme")
    assert _snapshot(small) == _snapshot(big)


def test_split_files_merge_by_event_time(open_ws, tmp_path, scenario):
    rows = scenario_lines()
    per_host = {}
    for r in rows:
        per_host.setdefault(r[1], []).append(r)
    paths = [str(write(tmp_path / "hosts" / f"{h}.log", rs, mtime=rows[-1][0])) for h, rs in per_host.items()]
    whole = open_ws("whole.db")
    split = open_ws("split.db")
    whole.ingest([str(scenario)], tenant="acme")
    split.ingest(paths, tenant="acme")
    assert _snapshot(whole) == _snapshot(split)


def test_two_runs_equal_one_and_a_crash_loses_nothing(open_ws, tmp_path):
    rows = scenario_lines()
    cut = len(rows) // 2
    a = write(tmp_path / "a.log", rows[:cut], mtime=rows[-1][0])
    b = write(tmp_path / "b.log", rows[cut:], mtime=rows[-1][0])
    one = open_ws("one.db")
    one.ingest([str(a), str(b)], tenant="acme")
    two = open_ws("two.db")
    two.ingest([str(a)], tenant="acme")
    two.ingest([str(b)], tenant="acme")
    assert _snapshot(one) == _snapshot(two)

    # a crash: batches of a.log committed, but the run never checkpointed its stage state
    crashed = open_ws("crash.db")
    tenant = crashed.tenant("acme", create=True)
    p = TenantPipeline(crashed.store, crashed.settings, tenant)
    p.process(read_records(a, report=IngestReport()), RunStats(), EventFactory(tenant.tenant_id))
    assert crashed.store.load_state(tenant.tenant_id, "miner") is None
    crashed.close()
    resumed = open_ws("crash.db")
    again = resumed.ingest([str(a), str(b)], tenant="acme")
    assert again.duplicates == cut
    assert _snapshot(resumed) == _snapshot(one)


def test_tenants_are_walls(open_ws, scenario):
    ws = open_ws()
    ws.ingest([str(scenario)], tenant="acme")
    ws.ingest([str(scenario)], tenant="globex")
    counts = ws.stats()
    assert counts["acme"]["event"] == counts["globex"]["event"] > 0   # same lines, stored per tenant
    top = ws.candidates("acme", min_band="review")[0]
    ws.promote(top.candidate_id)
    assert ws.incidents("acme") and not ws.incidents("globex")
    assert ws.recall("Backup job nightly-db failed", tenant="globex") == []
    assert ws.recall("Backup job nightly-db failed", tenant="acme")
    with pytest.raises(LookupError):
        ws.candidates("initech")


def test_promoted_pattern_coming_back_moves_its_incident(open_ws, tmp_path):
    rows = scenario_lines(days=5)
    ws = open_ws()
    ws.ingest([str(write(tmp_path / "week1.log", rows))], tenant="acme")
    rec = next(c for c in ws.candidates("acme", types=("recurrence",)) if "Backup job" in c.title)
    inc = ws.promote(rec.candidate_id, hint="check the NAS", lesson="the NAS reboots at 02:00")
    assert inc.recurrence_count == 5
    later = scenario_lines(days=2, seed=9, start=START + timedelta(days=10))
    ws.ingest([str(write(tmp_path / "week3.log", later))], tenant="acme")
    back = ws.store.get(inc.incident_memory_id)
    assert back.recurrence_count == 7
    assert back.last_observed_at > inc.last_observed_at
    assert back.last_observed_at.date() == (START + timedelta(days=11)).date()
    _, _, incoming = ws.show(inc.incident_memory_id)
    kinds = {link.link_type for link in incoming}
    assert {"promoted_to", "pattern_of", "recurrence_of"} <= kinds
    assert ws.recall(tenant="acme", candidate_id=rec.candidate_id)[0].incident.incident_memory_id == inc.incident_memory_id
    first_event = rec.source_event_ids[0]
    assert ws.recall(tenant="acme", event_id=first_event)[0].reasons[0] == "same signature"
    with pytest.raises(LookupError):
        ws.recall(tenant="acme", candidate_id="cand_nope")
    pasted = ws.recall("Mar 19 02:00:07 backup01 bacula-dir[2211]: Backup job nightly-db failed: "
                       "Network error with FD (JobId=4242)", tenant="acme")
    assert pasted[0].incident.incident_memory_id == inc.incident_memory_id and "same signature" in pasted[0].reasons
    recalled = ws.recall(tenant="acme", signature_key=rec.metadata["signature_keys"][0])
    assert recalled[0].incident.incident_memory_id == inc.incident_memory_id
    assert recalled[0].hints[0].hint_text == "check the NAS"
    assert recalled[0].lessons[0].recommendation == "the NAS reboots at 02:00"


def test_global_template_scope_shares_keys_not_rows(open_ws, scenario):
    ws = open_ws(miner_scope="global")
    ws.ingest([str(scenario)], tenant="acme")
    ws.ingest([str(scenario)], tenant="globex")
    a = {s.signature_key: s for s in ws.signatures("acme", limit=100)}
    g = {s.signature_key: s for s in ws.signatures("globex", limit=100)}
    assert set(a) == set(g)
    assert all(s.tenant_scope == "global" for s in a.values())
    assert {s.signature_id for s in a.values()}.isdisjoint(s.signature_id for s in g.values())
    assert ws.store.load_state("*", "miner") is not None
    assert ws.store.load_state(ws.tenant("acme").tenant_id, "miner") is None


def test_auto_promote_only_when_policy_allows(open_ws, scenario):
    manual = open_ws("manual.db")
    manual.ingest([str(scenario)], tenant="acme")
    assert manual.incidents("acme") == []
    auto = open_ws("auto.db", auto_promote=True, band_promote=0.6)
    auto.ingest([str(scenario)], tenant="acme")
    top = [c for c in auto.candidates("acme", limit=100) if c.decision_band == "promote_to_incident_memory"]
    incs = auto.incidents("acme")
    assert top and len(incs) == len({c.metadata["incident_memory_id"] for c in top})
    assert all(i.metadata.get("auto_promoted") for i in incs)
    _, _, incoming = auto.show(incs[0].incident_memory_id)
    assert "auto_promoted_to" in {link.link_type for link in incoming}
    again = auto.ingest([str(scenario)], tenant="acme")
    assert again.events_stored == 0 and len(auto.incidents("acme")) == len(incs)


def test_a_template_that_generalizes_keeps_its_history_through_an_alias(open_ws, tmp_path):
    from tests.pipeline.scenario import line
    t = START
    users = ["root", "admin", "guest", "oracle"]
    rows = [(t + timedelta(minutes=i), "h1", line(t + timedelta(minutes=i), "h1", "sshd[9]",
             f"Failed password for {u} from 10.0.0.{i} port {2000 + i} ssh2")) for i, u in enumerate(users)]
    ws = open_ws()
    ws.ingest([str(write(tmp_path / "a.log", rows[:2]))], tenant="acme")
    before = {s.normalized_pattern: s.signature_key for s in ws.signatures("acme")}
    root_key = before["sshd: Failed password for root from <*> port <*> ssh2"]
    admin_key = before["sshd: Failed password for admin from <*> port <*> ssh2"]
    ws.ingest([str(write(tmp_path / "b.log", rows[2:]))], tenant="acme")
    tid = ws.tenant("acme").tenant_id
    assert ws.store.aliases(tid) == {admin_key: root_key}
    sigs = {s.signature_key: s for s in ws.signatures("acme")}
    assert sigs[root_key].normalized_pattern == "sshd: Failed password for <*> from <*> port <*> ssh2"
    assert sigs[root_key].signature_version > 1
    assert sigs[admin_key].metadata["alias_of"] == root_key      # the old row stays, pointing at its heir
    assert sigs[root_key].occurrence_count == 4                   # the heir carries admin's history too
    assert sigs[admin_key].occurrence_count == 1


def test_detector_state_follows_the_template_cap(open_ws, tmp_path):
    from tests.pipeline.scenario import line
    # sixty templates of different lengths, so none can merge with another
    rows = [(START + timedelta(seconds=i), "h1", line(START + timedelta(seconds=i), "h1", "app", "tick " * (i + 1)))
            for i in range(60)]
    ws = open_ws(max_signatures_per_tenant=10)
    ws.ingest([str(write(tmp_path / "many.log", rows))], tenant="acme")
    tid = ws.tenant("acme").tenant_id
    miner_state = ws.store.load_state(tid, "miner")[1]
    tracked = ws.store.load_state(tid, "detector:burst")[1]["rates"]
    assert len(ws.signatures("acme", limit=100)) == 60          # history keeps every signature
    assert 0 < len(tracked) <= 10 + 1                            # live state only for live templates
    assert miner_state is not None


JAVA = [
    "2024-05-14 10:22:{s:02d},123 ERROR [main] com.example.Api: Request {n} failed",
    "java.lang.IllegalStateException: boom",
    "\tat com.example.Api.handle(Api.java:42)",
    "Caused by: java.io.IOException: disk full",
]


def _app_log(n: int, trace_lines: int = 4) -> str:
    out = []
    for i in range(n):
        out.append(JAVA[0].format(s=i % 60, n=i))
        if i % 3 == 0:
            out += JAVA[1:trace_lines]
        else:
            out.append(f"2024-05-14 10:22:{i % 60:02d},500 INFO [main] com.example.Api: Request {i} done")
    return "\n".join(out) + "\n"


def test_joined_traces_reingest_stores_nothing_twice(open_ws, tmp_path):
    path = tmp_path / "app.log"
    path.write_text(_app_log(30))
    ws = open_ws()
    first = ws.ingest([str(path)], tenant="acme")
    assert first.joined_lines == 30 and first.untimed_lines == 30
    assert first.events_stored == first.lines_read - 30
    again = ws.ingest([str(path)], tenant="acme")
    assert again.events_stored == 0 and again.duplicates == first.events_stored
    # the trace's root cause is part of the signature, the frames are not
    sigs = {s.normalized_pattern for s in ws.signatures("acme", limit=50)}
    assert any("Caused by" in p and "Api.java" not in p for p in sigs)


def test_a_trace_that_grew_after_the_first_read_is_not_stored_again(open_ws, tmp_path):
    path = tmp_path / "app.log"
    text = _app_log(4)
    cut = text.rindex("Caused by")         # the first read ends inside the last trace
    path.write_text(text[:cut])
    ws = open_ws()
    first = ws.ingest([str(path)], tenant="acme")
    path.write_text(text + "2024-05-14 10:23:00,000 INFO [main] com.example.Api: later\n")
    second = ws.ingest([str(path)], tenant="acme")
    assert second.events_stored == 1 and second.duplicates == first.events_stored
    assert ws.stats()["acme"]["event"] == first.events_stored + 1


def test_inherit_mode_stores_each_continuation_line(open_ws, tmp_path):
    path = tmp_path / "app.log"
    path.write_text(_app_log(6))
    ws = open_ws(continuation="inherit")
    stats = ws.ingest([str(path)], tenant="acme")
    assert stats.events_stored == stats.lines_read and stats.joined_lines == 0 and stats.untimed_lines == 6
    assert ws.ingest([str(path)], tenant="acme").events_stored == 0


def test_an_app_log_gets_its_own_times_and_signatures_without_the_header(open_ws, tmp_path):
    # issue 12: an app log in a format the old parser did not know took the file's mtime for every
    # line, and its signatures carried the header ("[<*> <*>] <*> - ...")
    levels = ["INFO", "WARN", "ERROR", "DEBUG"]
    lines = []
    for i in range(2000):
        h, m, s = 8 + i // 600, i // 10 % 60, i * 7 % 60
        lines.append(f"[05.14 {h:02d}:{m:02d}:{s:02d}] {levels[i % 4]:<5} worker-{i % 3} - job {i % 17} took {i % 90} ms")
    path = tmp_path / "jobs.log"
    path.write_text("\n".join(lines) + "\n")
    ws = open_ws()
    stats = ws.ingest([str(path)], tenant="acme")
    assert stats.events_stored == 2000 and stats.untimed_lines == 0 and stats.untimed_files == []
    events = list(ws.store.events_since(ws.tenant("acme").tenant_id, START - timedelta(days=4000)))
    assert len({e.timestamp for e in events}) > 1000
    assert {e.service for e in events} == {"worker-0", "worker-1", "worker-2"}
    assert {e.severity for e in events} == {"info", "warning", "error", "debug"}
    patterns = [s.normalized_pattern for s in ws.signatures("acme", limit=50)]
    assert patterns and all("[" not in p and "INFO" not in p and " - " not in p for p in patterns), patterns


def test_sqlite_and_postgresql_find_the_same(tmp_path, scenario, postgres_dsn):
    from tests.conftest import PostgresSchemas
    with PostgresSchemas(postgres_dsn) as schemas:
        lite = Workspace(tmp_path / "b.db", load_settings(env={}))
        pg = Workspace(schemas.url(), load_settings(env={}))
        for ws in (lite, pg):
            ws.ingest([str(scenario)], tenant="acme")
            top = ws.candidates("acme", min_band="review")[0]
            ws.promote(top.candidate_id, hint="look at the backup target")
        assert _snapshot(lite) == _snapshot(pg)
        assert [(s.signature_key, s.occurrence_count, s.normalized_pattern) for s in lite.signatures("acme", 100)] == \
            [(s.signature_key, s.occurrence_count, s.normalized_pattern) for s in pg.signatures("acme", 100)]
        assert lite.stats() == pg.stats()
        assert [i.incident_memory_id for i in lite.incidents("acme")] == [i.incident_memory_id for i in pg.incidents("acme")]
        for ws in (lite, pg):
            ws.close()


def test_two_processes_ingesting_two_tenants_into_one_postgresql(tmp_path, scenario, postgres_dsn):
    """The shared store's point: processes write side by side and get what one process would."""
    import os
    import subprocess
    import sys

    from tests.conftest import PostgresSchemas
    other = write(tmp_path / "other.log", scenario_lines(days=3, seed=4))
    with PostgresSchemas(postgres_dsn) as schemas:
        shared, alone = schemas.url("shared"), schemas.url("alone")
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        procs = [subprocess.Popen([sys.executable, "-m", "brainstem", "ingest", str(path), "-t", tenant, "--db", shared],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for path, tenant in ((scenario, "acme"), (other, "globex"))]
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
        one = Workspace(alone, load_settings(env={}))
        one.ingest([str(scenario)], tenant="acme")
        one.ingest([str(other)], tenant="globex")
        both = Workspace(shared, load_settings(env={}))
        assert both.stats() == one.stats()
        for tenant in ("acme", "globex"):
            assert _snapshot(both, tenant) == _snapshot(one, tenant)
        one.close()
        both.close()


def test_ingest_collects_garbage_less_and_restores_the_collector(open_ws, scenario):
    import gc

    from brainstem.gcpause import INGEST_GEN0 as GC_GEN0

    before = gc.get_threshold()
    during = []
    ws = open_ws()
    ws.ingest([str(scenario)], tenant="acme", on_progress=lambda n: during.append(gc.get_threshold()))
    assert during and all(t == (max(before[0], GC_GEN0), *before[1:]) for t in during)
    assert gc.get_threshold() == before

    def boom(n):
        raise RuntimeError("reader failed")
    with pytest.raises(RuntimeError):
        ws.ingest([str(scenario)], tenant="other", on_progress=boom)
    assert gc.get_threshold() == before, "an ingest that fails must restore the collector too"


def test_files_beyond_the_merge_fanout_are_read_group_after_group(tmp_path):
    from brainstem.pipeline import ingest as ingest_mod
    lines = [f"Oct 11 22:14:{s:02d} h{f} a: line {f}.{s}\n" for f in range(5) for s in range(3)]
    paths = []
    for f in range(5):
        p = tmp_path / f"f{f}.log"
        p.write_text("".join(lines[f * 3:f * 3 + 3]))
        paths.append(p)
    paths.append(tmp_path / "gone.log")   # vanishes between expansion and reading: reported, skipped
    report = IngestReport()
    opened = []
    real_open = ingest_mod.open_records
    ingest_mod_open = lambda group, **kw: (opened.append(len(group)), real_open(group, **kw))[1]  # noqa: E731
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ingest_mod, "MERGE_FANOUT", 2)
        mp.setattr(ingest_mod, "open_records", ingest_mod_open)
        recs = ingest_mod.merged_records(paths, fmt=None, json_mapping=None, report=report, on_progress=None)
        got = [next(recs).message]
        assert opened == [2]          # at most MERGE_FANOUT files open: a group is opened when reached
        got += [r.message for r in recs]
    assert opened == [2, 2, 2]
    # each group of two merged by time, the groups one after the other
    assert got == [f"line {f}.{s}" for g in (0, 2, 4) for s in range(3) for f in (g, g + 1) if f < 5]
    assert report.bad == [(str(tmp_path / "gone.log"), 0, f"{tmp_path / 'gone.log'}: cannot open: No such file or directory")]
