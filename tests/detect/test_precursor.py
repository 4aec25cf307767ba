import random

from brainstem.detect.precursor import PrecursorDetector
from brainstem.detect.profile import ActivityProfile

from tests.detect.streams import DAY, HOUR, T0, chatter, merged, obs, run

OSPF = "%OSPF-5-ADJCHG: Process 1, Nbr <*> on <*> from FULL to DOWN"
BGP = "%BGP-5-ADJCHANGE: neighbor <*> Down BGP Notification sent"


def _detector(**kw) -> PrecursorDetector:
    return PrecursorDetector(ActivityProfile(), **kw)


def _incident(at: float, router: str, lead: float, *, with_failure: bool = True):
    out = [obs(at, "ospf", asset=router, severity=4, template=OSPF)]
    if with_failure:
        out.append(obs(at + lead, "bgp", asset=router, severity=4, template=BGP))
    return out


def test_three_confirmations_of_four_make_a_precursor_and_then_it_predicts():
    routers = ["r1", "r2", "r3", "r4"]
    stream = chatter(3, key="noise", hosts=4)
    # four OSPF drops on four routers, a BGP drop 2-10 min after three of them
    for i, (router, lead, fails) in enumerate(zip(routers, (120, 600, 300, 400), (True, True, False, True))):
        stream += _incident(T0 + (6 + 10 * i) * HOUR, router, lead, with_failure=fails)
    d = _detector()
    found = run(d, merged(stream))
    assert found and {f.key for f in found} == {"ospf>bgp"}
    learned = found[0]
    m = learned.metrics
    assert m["kind"] == "confirmed" and m["support"] == 3 and m["episodes"] == 4
    assert m["confidence"] == 0.75 and m["assets"] == 3
    assert (m["lead_min"], m["lead_max"]) == (120.0, 600.0)
    assert learned.signature_keys == ("ospf", "bgp")
    # once learned, the OSPF drop alone raises the candidate again, predicting the BGP drop
    later = T0 + 2.5 * DAY
    predicted = run(d, [obs(later, "ospf", asset="r9", severity=4, template=OSPF)])
    assert len(predicted) == 1
    p = predicted[0].metrics
    assert p["kind"] == "prediction" and p["predicted_asset"] == "r9" and p["predicted_at"] == later
    assert p["confidence"] == 0.75 and p["episodes"] == 4        # the fifth, predicting now, is not counted yet
    assert predicted[0].key == "ospf>bgp" and predicted[0].episode.startswith("ospf>bgp@r9@")


def test_two_confirmations_are_not_enough_and_a_loose_pair_is_not_a_precursor():
    stream = chatter(3, key="noise", hosts=4)
    for i in range(2):
        stream += _incident(T0 + (6 + 10 * i) * HOUR, f"r{i}", 300)
    assert run(_detector(), merged(stream)) == []
    # A nine times, B after only three of them: 3 of 7 when the third confirmation comes
    stream = chatter(5, key="noise", hosts=4)
    for i in range(9):
        stream += _incident(T0 + (6 + 10 * i) * HOUR, f"r{i}", 300, with_failure=i % 3 == 0)
    assert run(_detector(), merged(stream)) == []


def test_chatter_before_a_failure_is_no_precursor():
    # steady chatter on the router is there before every failure: its episode began long before
    stream = chatter(4, key="keepalive", hosts=1, every=120)
    stream = [obs(o.ts, o.signature_key, asset="host0", severity=4, template="keepalive") for o in stream]
    stream += [obs(T0 + (6 + 12 * i) * HOUR, "crash", asset="host0", severity=2, template="db crashed")
               for i in range(6)]
    assert run(_detector(), merged(stream)) == []


def test_co_logged_lines_of_one_event_are_not_a_warning():
    # LINK down and LINEPROTO down one second apart, every time: no lead, no precursor
    stream = chatter(3, key="noise", hosts=2)
    for i in range(6):
        at = T0 + (5 + 9 * i) * HOUR
        stream += [obs(at, "link", asset="sw1", severity=3, template="link down"),
                   obs(at + 1, "proto", asset="sw1", severity=3, template="line protocol down")]
    assert run(_detector(), merged(stream)) == []


def test_a_nightly_job_before_a_nightly_failure_predicts_nothing_the_clock_does_not():
    rng = random.Random(8)
    stream = chatter(7, key="noise", hosts=2)
    for day in range(7):
        night = T0 + day * DAY
        stream.append(obs(night + 1.6 * HOUR + rng.uniform(0, 300), "files-ok", asset="backup01", severity=4,
                          template="files backup finished with warnings"))
        stream.append(obs(night + 2 * HOUR + rng.uniform(0, 300), "db-fail", asset="backup01", severity=3,
                          template="db backup failed"))
    assert run(_detector(), merged(stream)) == []


def test_a_recovery_or_a_more_severe_signature_is_never_the_precursor():
    stream = chatter(3, key="noise", hosts=2)
    for i in range(5):
        at = T0 + (5 + 9 * i) * HOUR
        stream += [obs(at, "up", asset="sw1", severity=6, template="Interface <*>, changed state to up"),
                   obs(at + 200, "panic", asset="sw1", severity=2, template="kernel panic"),
                   obs(at + 400, "warn", asset="sw1", severity=4, template="fan speed low")]
    assert run(_detector(), merged(stream)) == []


def test_predictions_that_stop_coming_true_stop():
    stream = chatter(4, key="noise", hosts=4)
    for i in range(3):
        stream += _incident(T0 + (6 + 10 * i) * HOUR, f"r{i}", 300)
    d = _detector()
    assert run(d, merged(stream))
    misses = [obs(T0 + 2 * DAY + i * 2 * HOUR, "ospf", asset="r7", severity=4, template=OSPF) for i in range(4)]
    predicted = run(d, misses)
    # the episode being predicted does not count yet: 3 of 3, 3 of 4, 3 of 5 = 0.6 still predict,
    # 3 of 6 = 0.5 no longer does
    assert [round(f.metrics["confidence"], 2) for f in predicted] == [1.0, 0.75, 0.6]


def test_state_round_trip_continues_identically():
    stream = chatter(3, key="noise", hosts=4)
    for i in range(5):
        stream += _incident(T0 + (6 + 10 * i) * HOUR, f"r{i % 3}", 200 + 50 * i)
    stream = merged(stream)
    whole = _detector()
    expected = [(f.key, f.metrics) for f in run(whole, stream)]
    assert expected
    for cut in (10, len(stream) // 2, len(stream) - 3):
        a = _detector()
        out = run(a, stream[:cut])
        b = _detector()
        b.profile.load_state(a.profile.to_state())
        b.load_state(a.to_state())
        out += run(b, stream[cut:])
        assert [(f.key, f.metrics) for f in out] == expected, cut


def test_a_boot_printing_its_lines_in_the_same_order_every_morning_predicts_nothing():
    stream = []
    for day in range(6):
        boot = T0 + day * DAY + (8 + 0.3 * day) * HOUR
        stream += [obs(boot, "acpi", asset="laptop", severity=3, template="ACPI Error: AE_NOT_FOUND"),
                   obs(boot + 70, "audio", asset="laptop", severity=3, template="pulseaudio failed to connect"),
                   obs(boot + 150, "gdm", asset="laptop", severity=3, template="gkr-pam: unable to locate daemon")]
        stream += [obs(t, "desktop", asset="laptop", severity=6) for t in range(int(boot + 200), int(boot + 9 * HOUR), 300)]
    assert run(_detector(), merged(stream)) == []
