import random

from brainstem.detect.profile import ActivityProfile
from brainstem.detect.recurrence import MONDAY, RecurrenceDetector, best_window, binomial_tail

from tests.detect.streams import DAY, HOUR, T0, chatter, merged, obs, run


def _detector(**kw) -> RecurrenceDetector:
    return RecurrenceDetector(ActivityProfile(), **kw)


def _job(days, hours, *, key="job", skip=(), seed=3, asset="backup01"):
    """One failing job a day at a random time between ``hours[0]`` and ``hours[1]``."""
    rng = random.Random(seed)
    return [obs(T0 + d * DAY + rng.uniform(hours[0], hours[1]) * HOUR, key, asset=asset,
                template="backup job nightly failed")
            for d in range(days) if d not in skip]


def test_a_job_at_a_wandering_hour_six_days_of_seven_is_a_recurrence():
    d = _detector()
    found = run(d, merged(chatter(7), _job(7, (1.0, 5.0), skip={3})))
    assert {f.key for f in found} == {"job"}, "the chatter must not recur, the job must"
    first, last = found[0], found[-1]
    assert first.metrics["buckets"] == 3 and first.ts < T0 + 3 * DAY    # the third day it came back
    assert len(first.event_ids) == 3                                     # one sample of each day so far
    assert last.metrics["buckets"] == 6 and last.metrics["observed"] == 7
    assert last.metrics["coverage"] == round(6 / 7, 4)
    start, width = last.metrics["window_start"], last.metrics["window_hours"]
    assert 1 <= start and start + width <= 5 and width <= 6
    assert abs(last.metrics["activity_share"] - width / 24) < 0.01       # the tenant logs every hour
    assert last.metrics["chance"] < 1e-3
    assert last.assets == ("backup01",)
    assert len(found) == 4                                               # one update per day from the third


def test_jittered_hours_keep_one_window_and_fixed_hours_a_narrow_one():
    wide = run(_detector(), merged(chatter(6), _job(6, (1.0, 5.0), seed=11)))[-1].metrics
    narrow = run(_detector(), merged(chatter(6), _job(6, (2.0, 2.2), seed=11)))[-1].metrics
    assert narrow["window_hours"] == 1 and narrow["window_start"] == 2
    assert wide["window_hours"] > narrow["window_hours"]
    assert narrow["chance"] < wide["chance"]       # a fixed hour is stronger evidence than a wandering one


def test_steady_chatter_and_random_errors_never_recur():
    rng = random.Random(5)
    sporadic = [obs(T0 + rng.uniform(0, 7 * DAY), "random", template="disk error") for _ in range(21)]
    every_hour = [obs(T0 + h * HOUR + 60, "hourly", template="cron hourly") for h in range(7 * 24)]
    d = _detector()
    assert run(d, merged(chatter(7), sporadic, every_hour)) == []


def test_two_days_of_three_is_not_enough():
    d = _detector()
    assert run(d, merged(chatter(5), _job(5, (2.0, 2.5), skip={1, 3}))) == []   # 3 of 5 days: 60%


def test_when_the_tenant_is_only_on_in_the_afternoon_usually_around_16_is_nothing():
    # a laptop: on from 14:00 to 18:00, an error that comes up whenever it is used
    laptop = []
    rng = random.Random(2)
    for day in range(6):
        for i in range(80):
            laptop.append(obs(T0 + day * DAY + 14 * HOUR + i * 180, "desktop", asset="laptop", severity=6))
        for _ in range(3):
            laptop.append(obs(T0 + day * DAY + rng.uniform(14, 18) * HOUR, "chatty-error", asset="laptop"))
    assert run(_detector(), merged(laptop)) == []


def test_what_a_host_prints_as_it_wakes_up_follows_the_host_not_the_clock():
    # a laptop that resumes at a different time each morning and logs the same error right then
    stream = []
    rng = random.Random(4)
    for day in range(7):
        wake = T0 + day * DAY + rng.uniform(7, 9) * HOUR
        stream.append(obs(wake + 40, "resume-error", asset="laptop"))
        stream += [obs(wake + i * 300, "desktop", asset="laptop", severity=6) for i in range(100)]
    found = run(_detector(), merged(stream))
    assert found == []


def test_a_weekly_job_is_found_on_its_weekday():
    start_day = int(T0 // DAY)
    monday = start_day + (MONDAY - start_day) % 7
    sundays = [obs((monday + 6 + 7 * w) * DAY + (3 + 0.5 * w) * HOUR, "weekly", template="weekly report failed")
               for w in range(5)]
    found = run(_detector(), merged(chatter(monday - start_day + 35, every=1800), sundays))
    assert found and {f.key for f in found} == {"weekly"}
    m = found[-1].metrics
    assert m["bucket"] == "week" and m["weekday"] == 6 and m["buckets"] == 5
    assert 3 <= m["window_start"] and m["window_start"] + m["window_hours"] <= 6


def test_recovery_messages_are_not_recurrences():
    up = [obs(T0 + d * DAY + HOUR, "up", template="Interface <*>, changed state to up") for d in range(5)]
    down = [obs(T0 + d * DAY + HOUR - 30, "down", template="Interface <*>, changed state to down") for d in range(5)]
    found = run(_detector(), merged(chatter(5), up, down))
    assert found and {f.key for f in found} == {"down"}


def test_state_round_trip_continues_identically():
    stream = merged(chatter(6), _job(6, (1.0, 4.0)))
    whole = _detector()
    expected = [(f.key, f.metrics) for f in run(whole, stream)]
    assert expected
    for cut in (100, len(stream) // 2, len(stream) - 50):
        a = _detector()
        out = run(a, stream[:cut])
        b = _detector()
        b.profile.load_state(a.profile.to_state())
        b.load_state(a.to_state())
        out += run(b, stream[cut:])
        assert [(f.key, f.metrics) for f in out] == expected, cut


def test_binomial_tail_and_window_search():
    assert binomial_tail(7, 0, 0.2) == 1.0
    assert abs(binomial_tail(3, 3, 0.5) - 0.125) < 1e-12
    assert binomial_tail(10, 9, 0.1) < binomial_tail(10, 3, 0.1)
    # a window that wraps around midnight: 23:00 one day, 01:00 the next, 00:00 the third
    sig = {0: 1 << 23, 1: 1 << 1, 2: 1 << 0}
    tenant = {d: (1 << 24) - 1 for d in range(3)}
    w = best_window(sig, tenant, 0, 2, 24, 4)
    assert w["hits"] == 3 and w["start"] == 23 and w["width"] == 3 and w["specificity"] == 1.0
    assert w["share"] == 3 / 24


def test_on_a_quiet_host_a_nightly_job_after_hours_of_silence_still_recurs():
    # the host logs only a handful of lines a day: every job run follows a silence, but falls silent again
    rng = random.Random(6)
    stream = []
    for day in range(6):
        stream += [obs(T0 + day * DAY + rng.uniform(9, 17) * HOUR, "login", asset="nas", severity=6)
                   for _ in range(3)]
    stream += _job(6, (2.0, 2.3), asset="nas")
    found = run(_detector(), merged(stream))
    assert found and {f.key for f in found} == {"job"}


def test_what_a_laptop_prints_when_it_resumes_after_lunch_is_not_a_recurrence():
    stream = []
    rng = random.Random(9)
    for day in range(6):
        on, lunch = T0 + day * DAY + 8.5 * HOUR, T0 + day * DAY + rng.uniform(12, 13) * HOUR
        back, off = lunch + rng.uniform(0.6, 1.1) * HOUR, T0 + day * DAY + 18 * HOUR
        for a, b in ((on, lunch), (back, off)):
            stream += [obs(t, "desktop", asset="laptop", severity=6) for t in range(int(a), int(b), 240)]
        stream.append(obs(back + 20, "resume-js-error", asset="laptop", template="JS ERROR: this._item is null"))
    assert run(_detector(), merged(stream)) == []
