from brainstem.detect.base import Observation
from brainstem.detect.self_heal import SelfHealDetector, polarity

DOWN = "%LINK-3-UPDOWN: Interface <*>, changed state to down"
UP = "%LINK-3-UPDOWN: Interface <*>, changed state to up"


def _obs(ts, template, key, asset="sw1"):
    return Observation(ts=ts, event_id=f"e{ts}{key}", signature_key=key, asset=asset, severity=3, template=template)


def test_polarity_pairs_templates_that_differ_in_one_state_word():
    down, up = polarity(DOWN), polarity(UP)
    assert down[0] == up[0] and down[1] is True and up[1] is False
    assert polarity("nginx: started worker") != polarity(DOWN)
    assert polarity("ordinary message") is None


def test_flapping_link_becomes_self_heal_then_flapping():
    d = SelfHealDetector(window_seconds=900, min_pairs=2)
    out = []
    for i in range(6):
        t = i * 3600.0
        out += d.learn_one(_obs(t, DOWN, "kd"))
        out += d.learn_one(_obs(t + 30, UP, "ku"))
    assert len(out) == 5                      # from the 2nd pair on
    assert out[-1].metrics["pairs"] == 6 and out[-1].metrics["flapping"] is True
    assert out[-1].metrics["mean_recovery_seconds"] == 30.0
    assert out[-1].signature_keys == ("kd", "ku") and out[-1].key == "kd+ku"


def test_recovery_on_another_asset_or_too_late_does_not_count():
    d = SelfHealDetector(window_seconds=900, min_pairs=1)
    assert d.learn_one(_obs(0, DOWN, "kd", asset="sw1")) == []
    assert d.learn_one(_obs(10, UP, "ku", asset="sw2")) == []
    assert d.learn_one(_obs(2000, UP, "ku", asset="sw1")) == []   # 2000 s later: not a self-heal
    d.learn_one(_obs(3000, DOWN, "kd", asset="sw1"))
    assert len(d.learn_one(_obs(3010, UP, "ku", asset="sw1"))) == 1


# --- monitoring alerts (LogicMonitor): active, then cleared without anyone acknowledging ----------

def _lm(ts, alert_id, status, acked=False, key="cpu", asset="web01"):
    return Observation(ts=ts, event_id=f"lm-{alert_id}-{status}-{ts}", signature_key=key, asset=asset, severity=3,
                       template="LogicMonitor alert CPU busy", alert=(alert_id, status, acked))


def test_an_alert_that_clears_by_itself_is_a_self_heal_and_an_acknowledged_one_is_not():
    d = SelfHealDetector(window_seconds=900, min_pairs=2)
    out = []
    out += d.learn_one(_lm(0, "A1", "active"))
    out += d.learn_one(_lm(120, "A1", "cleared"))
    assert out == []                                   # one self-heal: below min_pairs
    # acknowledged by a human, then cleared: handled, not healed
    out += d.learn_one(_lm(1000, "A2", "active"))
    out += d.learn_one(_lm(1100, "A2", "acknowledged", acked=True))
    out += d.learn_one(_lm(1200, "A2", "cleared", acked=True))
    # acknowledged flag on the clear alone also counts as a human
    out += d.learn_one(_lm(2000, "A3", "active"))
    out += d.learn_one(_lm(2100, "A3", "cleared", acked=True))
    assert out == []
    out += d.learn_one(_lm(3000, "A4", "active"))
    out += d.learn_one(_lm(3060, "A4", "cleared"))
    assert len(out) == 1
    f = out[0]
    assert f.key == "cpu+cpu" and f.metrics["pairs"] == 2 and f.metrics["source"] == "alert"
    assert f.metrics["handled"] == 2 and f.metrics["mean_recovery_seconds"] == 90.0
    assert f.event_ids == ("lm-A4-active-3000", "lm-A4-cleared-3060")


def test_an_alert_that_clears_after_the_window_or_never_opened_is_not_a_self_heal():
    d = SelfHealDetector(window_seconds=900, min_pairs=1)
    assert d.learn_one(_lm(0, "B1", "active")) == []
    assert d.learn_one(_lm(5000, "B1", "cleared")) == []       # cleared, but an hour and a half later
    assert d.learn_one(_lm(6000, "B9", "cleared")) == []       # never saw it active
    assert d.learn_one(_lm(7000, "B2", "active")) == []
    assert d.learn_one(_lm(7001, "B2", "active")) == []        # a repeated active keeps the first time
    assert len(d.learn_one(_lm(7300, "B2", "cleared"))) == 1
    assert d.learn_one(_lm(7400, "B2", "cleared")) == []        # a second clear of the same alert: nothing more


def test_alert_events_do_not_pair_by_their_words():
    d = SelfHealDetector(window_seconds=900, min_pairs=1)
    # an LM alert whose text has a state word: only its lifecycle counts
    assert d.learn_one(Observation(0, "e1", "k1", "sw1", 3, "Interface <*> changed state to down",
                                   alert=("C1", "active", False))) == []
    assert d.learn_one(Observation(10, "e2", "k2", "sw1", 3, "Interface <*> changed state to up",
                                   alert=("C2", "active", False))) == []


def test_state_round_trip_with_an_open_alert():
    a = SelfHealDetector(window_seconds=900, min_pairs=1)
    a.learn_one(_lm(0, "D1", "active"))
    b = SelfHealDetector(window_seconds=900, min_pairs=1)
    b.load_state(a.to_state())
    found = b.learn_one(_lm(50, "D1", "cleared"))
    assert len(found) == 1 and b.covers("cpu", 0, 10) and not b.covers("cpu", 1, 10)


def test_alert_of_reads_the_logicmonitor_contract():
    from brainstem.detect.self_heal import alert_of
    assert alert_of({"lm_alert_id": 123, "lm_alert_status": "Cleared", "lm_acknowledged": False}) == ("123", "cleared", False)
    assert alert_of({"lm_alert_id": "LMA9", "lm_alert_status": "active", "lm_acknowledged": "true"})[2] is True
    assert alert_of({"lm_datasource": "CPU"}) is None
    # the same alert opening and clearing again is a new session of it
    assert alert_of({"lm_alert_id": "LMD7", "lm_alert_session": "DS7-1", "lm_alert_status": "active"})[0] != \
        alert_of({"lm_alert_id": "LMD7", "lm_alert_session": "DS7-2", "lm_alert_status": "active"})[0]


def test_logicmonitor_events_through_the_pipeline_raise_a_self_heal(tmp_path):
    """Events shaped as the LogicMonitor source delivers them (the contract), end to end into SQLite."""
    from datetime import datetime, timedelta, timezone

    from brainstem.ingest.record import Record
    from brainstem.pipeline.events import EventFactory
    from brainstem.pipeline.runner import RunStats, TenantPipeline
    from brainstem.settings import load_settings
    from brainstem.workspace import Workspace

    t0 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)

    def lm(minutes, alert_id, status, acked=False):
        fields = {"lm_alert_id": alert_id, "lm_alert_status": status, "lm_acknowledged": acked,
                  "lm_datasource": "CPU", "lm_instance": "CPU", "lm_datapoint": "CPUBusyPercent",
                  "lm_level": "error", "lm_resource_id": 17}
        msg = f"CPU CPUBusyPercent on web01 {status}: value 97 > 90"
        return Record(timestamp=t0 + timedelta(minutes=minutes), message=msg, raw=f"{alert_id} {status} {minutes}",
                      source_type="logicmonitor", source_path="logicmonitor", line_no=int(minutes * 10),
                      host="web01", service="LogicMonitor", severity="error", structured_fields=fields)

    # one a human acknowledged before it cleared, then four that cleared by themselves
    records = [lm(-30, "LMA9", "active"), lm(-28, "LMA9", "acknowledged", True), lm(-20, "LMA9", "cleared", True)]
    for i in range(4):
        records += [lm(60 * i, f"LMA{i}", "active"), lm(60 * i + 4, f"LMA{i}", "cleared")]
    ws = Workspace(tmp_path / "b.db", load_settings(env={}))
    tenant = ws.tenant("acme", create=True)
    p = TenantPipeline(ws.store, ws.settings, tenant)
    stats = RunStats()
    p.process(iter(records), stats, EventFactory(tenant.tenant_id))
    p.finish(stats)
    heals = ws.candidates("acme", types=("self_heal",))
    assert len(heals) == 1
    m = heals[0].metadata["metrics"]
    assert m["pairs"] == 4 and m["source"] == "alert" and m["handled"] == 1 and m["mean_recovery_seconds"] == 240.0
    assert "cleared by itself 4 times on web01" in heals[0].explanation
    assert "1 more were acknowledged first" in heals[0].explanation
