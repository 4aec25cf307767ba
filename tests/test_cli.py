"""The command line end to end: a real process, real files, a real database."""
from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipeline.scenario import scenario_lines, write

from brainstem.cli import cli as _cli

# every registered command, so one added later cannot skip its help or its docs
COMMANDS = sorted(_cli.commands)


def run(*args, db=None, input=None, check=True, cwd=None):
    cmd = [sys.executable, "-m", "brainstem", *args]
    if db is not None:
        cmd += ["--db", str(db)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.pop("BRAINSTEM_DB", None)
    p = subprocess.run(cmd, capture_output=True, text=True, input=input, env=env, cwd=cwd, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def _summary(out: str) -> dict[str, int]:
    line = [x for x in out.splitlines() if "lines read" in x][-1]
    parts = dict(reversed(p.strip().split(" ", 1)) for p in line.split(",")[:4])
    return {k: int(v) for k, v in parts.items()}


@pytest.mark.parametrize("name", ["Linux", "OpenSSH"])
def test_ingest_real_loghub_files_and_reingest_is_idempotent(make_db, loghub_dir, name):
    src = loghub_dir / name / f"{name}_2k.log"
    db = make_db()
    first = _summary(run("ingest", str(src), "--tenant", "lab", db=db).stdout)
    assert first == {"lines read": 2000, "events stored": 2000, "duplicates skipped": 0, "bad lines": 0}
    second = _summary(run("ingest", str(src), "--tenant", "lab", db=db).stdout)
    assert second == {"lines read": 2000, "events stored": 0, "duplicates skipped": 2000, "bad lines": 0}
    stats = json.loads(run("stats", "--json", db=db).stdout)
    assert stats["lab"]["event"] == 2000
    assert 10 < stats["lab"]["signature"] < 400
    sigs = json.loads(run("signatures", "--tenant", "lab", "--json", "--limit", "5", db=db).stdout)
    assert sigs[0]["occurrence_count"] >= sigs[-1]["occurrence_count"]
    events = run("show", sigs[0]["signature_id"], db=db).stdout
    assert "links in:" in events and "fingerprinted_as" in events


def test_bad_input_is_counted_with_position_and_the_rest_is_stored(tmp_path):
    good = scenario_lines(days=1)[:50]
    lines = [r[2] for r in good]
    lines.insert(10, "\x00\x01\x02\x03garbage\x00\x00\x00\x00\x00")
    lines.insert(20, "Mar  2 00:10:00 web01 app: " + "x" * (1 << 20))
    body = ("\n".join(lines) + "\n").encode()
    body = body.replace(b"session opened", b"session \xff\xfe opened", 1)
    path = tmp_path / "mixed.log"
    path.write_bytes(body + b"Mar  2 23:59:59 web01 app: truncated li")
    p = run("ingest", str(path), db=tmp_path / "b.db")
    s = _summary(p.stdout)
    assert s["bad lines"] == 1 and s["events stored"] == 52
    assert f"{path}:11" in p.stderr and "binary" in p.stderr


def test_gz_directory_and_glob(tmp_path):
    rows = scenario_lines(days=1)
    d = tmp_path / "logs"
    write(d / "a.log", rows[:100])
    with gzip.open(d / "b.log.gz", "wt") as fh:
        fh.write("".join(r[2] + "\n" for r in rows[100:200]))
    s = _summary(run("ingest", str(d), db=tmp_path / "b.db").stdout)
    assert s["events stored"] == 200
    s = _summary(run("ingest", str(d / "*.gz"), db=tmp_path / "b.db").stdout)
    assert s["duplicates skipped"] == 100


def test_user_errors_are_one_line_and_nonzero(tmp_path):
    p = run("ingest", str(tmp_path / "missing.log"), db=tmp_path / "b.db", check=False)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.strip().startswith("Error:") and "missing.log" in p.stderr
    p = run("candidates", "--bogus", db=tmp_path / "b.db", check=False)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    p = run("stats", db=tmp_path, check=False)
    assert p.returncode == 1 and "is a directory" in p.stderr and "Traceback" not in p.stderr
    p = run("show", "cand_nope", db=tmp_path / "b.db", check=False)
    assert p.returncode == 1 and "cand_nope" in p.stderr
    p = run("candidates", "--band", "huge", db=tmp_path / "b.db", check=False)
    assert p.returncode == 2 and "review" in p.stderr
    p = run("candidates", "--tenant", "nobody", db=tmp_path / "b.db", check=False)
    assert p.returncode == 1 and "no tenant" in p.stderr
    p = run("stats", db="postgresql://ana:pw@127.0.0.1:1/x?connect_timeout=2", check=False)
    assert p.returncode == 1 and "cannot connect to PostgreSQL" in p.stderr and "Traceback" not in p.stderr
    assert ":pw@" not in p.stderr


def test_fingerprint_contract(tmp_path):
    lines = ["Connection from 10.0.0.1 port 22", "Connection from 10.0.0.2 port 2222", "disk full on /dev/sda1",
             "Connection from 10.9.9.9 port 80"]
    out = run("fingerprint", "-", input="\n".join(lines) + "\n").stdout.splitlines()
    assert len(out) == 4
    keys = [x.split("\t")[0] for x in out]
    assert keys[0] == keys[1] == keys[3] != keys[2]
    assert out[0].split("\t")[1] == out[3].split("\t")[1]
    assert "<*>" in out[0] and "10.0.0.1" not in out[0]
    f = tmp_path / "m.txt"
    f.write_text("\n".join(lines) + "\n")
    assert run("fingerprint", str(f)).stdout.splitlines() == out


def test_review_promote_recall_flow(tmp_path, make_db):
    db = make_db()
    run("ingest", str(write(tmp_path / "s.log", scenario_lines(days=5))), "--tenant", "acme", db=db)
    cands = json.loads(run("candidates", "--tenant", "acme", "--band", "review+", "--json", db=db).stdout)
    assert cands and all(c["decision_band"] != "watch" for c in cands)
    top = cands[0]
    assert {"severity", "feedback"} <= {b["name"] for b in top["score_breakdown"]}
    shown = json.loads(run("show", top["candidate_id"], "--json", db=db).stdout)
    assert shown["links_in"] and shown["object"]["explanation"] == top["explanation"]
    run("review", top["candidate_id"], "--decision", "useful", "--notes", "real", "--reviewer", "ana", db=db)
    inc = json.loads(run("promote", top["candidate_id"], "--hint", "restart ntpd", "--json", db=db).stdout)
    got = json.loads(run("recall", "--tenant", "acme", "--signature",
                         top["metadata"]["signature_keys"][0], "--json", db=db).stdout)
    assert got[0]["incident"]["incident_memory_id"] == inc["incident_memory_id"]
    assert got[0]["hints"][0]["hint_text"] == "restart ntpd"
    assert "no matching" in run("recall", "kernel panic in the coffee machine", "--tenant", "acme", db=db).stdout
    incs = run("incidents", "--tenant", "acme", db=db).stdout
    assert inc["incident_memory_id"] in incs
    hints = json.loads(run("hints", "--tenant", "acme", "--json", db=db).stdout)
    assert [h["hint_text"] for h in hints] == ["restart ntpd"]
    assert hints[0]["trigger_incident_ids"] == [inc["incident_memory_id"]]
    assert "no lessons yet" in run("lessons", "--tenant", "acme", db=db).stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name):
    p = run(name, "--help")
    assert "Usage:" in p.stdout and len(p.stdout.splitlines()) > 3


def test_every_command_is_in_the_user_guide():
    guide = (Path(__file__).resolve().parent.parent / "docs" / "user-guide.md").read_text()
    for name in COMMANDS:
        assert f"brainstem {name}" in guide, f"docs/user-guide.md does not mention `brainstem {name}`"


def test_db_upgrade_command(make_db, backend):
    db = make_db("old.db")
    if backend == "sqlite":
        from tests.store.test_sqlite import _first_migration_db
        _first_migration_db(db)
    else:
        from tests.store.test_postgres import first_migration_db
        first_migration_db(db)
    p = run("stats", db=db, check=False)
    assert p.returncode == 1 and "db upgrade" in p.stderr
    out = run("db", "upgrade", db=db).stdout
    assert "applied migration 2" in out
    assert json.loads(run("stats", "--json", db=db).stdout)["old"]["event"] == (2 if backend == "postgresql" else 0)
    assert "applied migration" not in run("db", "upgrade", db=db).stdout       # nothing left to apply


def test_brainstem_db_chooses_the_database(tmp_path, make_db):
    db = make_db()
    env = dict(os.environ, PYTHONWARNINGS="ignore", BRAINSTEM_DB=str(db))
    src = write(tmp_path / "s.log", scenario_lines(days=1)[:40])
    p = subprocess.run([sys.executable, "-m", "brainstem", "ingest", str(src), "-t", "acme"], capture_output=True,
                       text=True, env=env, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    assert json.loads(run("stats", "--json", db=db).stdout)["acme"]["event"] == 40
    assert not (tmp_path / "brainstem.db").exists()


def test_demo_finds_every_planted_pattern_near_the_top(tmp_path):
    out = json.loads(run("demo", "--data-dir", str(tmp_path / "data"), "--json", db=tmp_path / "b.db").stdout)
    assert set(out) == {"acme", "globex"}
    for slug, r in out.items():
        assert {p["kind"] for p in r["planted"]} == {"recurrence", "burst", "spread", "self_heal", "precursor",
                                                     "anomaly"}
        assert all(p["rank"] is not None and p["rank"] <= 10 for p in r["planted"]), (slug, r["planted"])
        assert r["ingest"]["events_stored"] > 20000 and r["ingest"]["bad_lines"] == 0
    again = json.loads(run("demo", "--data-dir", str(tmp_path / "data"), "--json", db=tmp_path / "b.db").stdout)
    assert all(r["ingest"]["events_stored"] == 0 for r in again.values())        # idempotent
    assert [c["candidate_id"] for c in again["acme"]["top"]] == [c["candidate_id"] for c in out["acme"]["top"]]


def test_json_lines_with_a_field_mapping(tmp_path):
    rows = [{"ts": 1772416800 + i * 60, "node": {"name": f"api{i % 3}"}, "text": f"request {i} failed with 502",
             "lvl": "ERROR", "trace": f"t{i}"} for i in range(30)]
    path = tmp_path / "app.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n")
    db = tmp_path / "b.db"
    p = run("ingest", str(path), "--format", "json", "--json-map",
            "timestamp=ts,host=node.name,message=text,severity=lvl", "--tenant", "apps", db=db)
    s = _summary(p.stdout)
    assert s["events stored"] == 31 and s["bad lines"] == 0        # the broken line is kept as app_log
    sigs = json.loads(run("signatures", "--tenant", "apps", "--json", db=db).stdout)
    top = sigs[0]
    assert top["occurrence_count"] == 30 and "<*>" in top["normalized_pattern"]
    ev = json.loads(run("show", json.loads(run("show", top["signature_id"], "--json", db=db).stdout)
                        ["links_in"][0]["source_id"], "--json", db=db).stdout)["object"]
    assert ev["host"] in {"api0", "api1", "api2"} and ev["severity"] == "error"
    assert ev["timestamp"].startswith("2026-03-02T")
    assert ev["structured_fields"]["trace"].startswith("t")
    bad = run("ingest", str(path), "--json-map", "colour=x", db=db, check=False)
    assert bad.returncode == 2 and "--json-map" in bad.stderr


def test_a_known_incident_coming_back_is_announced_with_its_hint(tmp_path, make_db):
    from datetime import timedelta
    from tests.pipeline.scenario import START
    db = make_db()
    run("ingest", str(write(tmp_path / "w1.log", scenario_lines(days=5))), "--tenant", "acme", db=db)
    rec = next(c for c in json.loads(run("candidates", "-t", "acme", "--type", "recurrence", "--json", db=db).stdout)
               if "Backup job" in c["title"])
    run("promote", rec["candidate_id"], "--hint", "check the NAS mount", db=db)
    later = scenario_lines(days=2, seed=5, start=START + timedelta(days=10))
    out = run("ingest", str(write(tmp_path / "w3.log", later)), "--tenant", "acme", db=db).stdout
    assert "seen before:" in out and "came back 2x, 7x in all" in out
    assert "next step: check the NAS mount" in out


def test_ingest_says_when_time_is_not_the_lines_own(tmp_path):
    plain = tmp_path / "plain.log"
    plain.write_text("WARNING:root:disk almost full\nINFO:app:started\n")
    trace = tmp_path / "app.log"
    trace.write_text("2024-05-14 10:22:35,789 ERROR [main] com.example.Api - Request failed\n"
                     "java.lang.NullPointerException: boom\n\tat com.example.Api.handle(Api.java:42)\n"
                     "2024-05-14 10:22:36,010 INFO [main] com.example.Api - next\n")
    p = run("ingest", str(plain), str(trace), db=tmp_path / "b.db")
    assert f"no timestamps found in {plain}: events take the file's time" in p.stderr
    assert ("4 lines without a timestamp of their own (2 joined to the event before them, "
            "the rest given the time of the one before or of their file)") in p.stdout
    out = json.loads(run("ingest", str(plain), str(trace), "--json", db=tmp_path / "c.db").stdout)
    assert out["files_without_timestamps"] == [str(plain)]
    assert out["lines_without_timestamp"] == 4 and out["continuation_lines_joined"] == 2
    assert any(n["path"] == str(trace) and n["note"].startswith("layout: ") for n in out["notes"])


def test_a_timestamp_past_the_calendar_is_a_bad_line_and_the_rest_is_stored(tmp_path):
    # issue 7: this ended the ingest with an OverflowError traceback
    path = tmp_path / "edge.log"
    path.write_text("<34>1 2026-01-01T00:00:00Z h app - - - before\n"
                    "<34>1 9999-12-31T23:59:59-12:00 h app - - - edge\n"
                    "<34>1 0001-01-01T00:00:00+12:00 h app - - - edge\n"
                    "<34>1 2026-01-01T00:00:01Z h app - - - after\n")
    p = run("ingest", str(path), db=tmp_path / "b.db")
    assert "Traceback" not in p.stderr
    assert _summary(p.stdout) == {"lines read": 4, "events stored": 2, "duplicates skipped": 0, "bad lines": 2}
    assert f"{path}:2: timestamp out of range: 9999-12-31T23:59:59-12:00" in p.stderr
    assert f"{path}:3: timestamp out of range: 0001-01-01T00:00:00+12:00" in p.stderr


def test_an_ingest_ends_with_its_output_whole_and_its_database_closed(tmp_path):
    """The command ends without the interpreter's teardown once it has closed the database and
    printed: so its output must be all there (also into a pipe), the WAL folded into the
    file (the database closed, not abandoned), and a failed run still fails."""
    log = tmp_path / "a.log"
    log.write_text("".join(f"Mar  2 10:{i // 60:02d}:{i % 60:02d} web1 sshd[{i}]: Accepted publickey for ana "
                           f"from 10.0.0.{i % 200} port {2000 + i} ssh2\n" for i in range(3000)))
    db = tmp_path / "b.db"
    p = run("ingest", str(log), "--tenant", "acme", db=db)
    assert _summary(p.stdout)["events stored"] == 3000
    assert not (tmp_path / "b.db-wal").exists()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 3000
    conn.close()
    p = run("ingest", str(log), "--tenant", "acme", "--json", db=db)
    assert json.loads(p.stdout)["duplicates_skipped"] == 3000
    p = run("ingest", str(tmp_path / "missing.log"), "--tenant", "acme", db=db, check=False)
    assert p.returncode != 0 and "missing.log" in p.stderr
