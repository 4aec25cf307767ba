from brainstem.rules import RuleEngine

MONDAY = 1_700_438_400.0  # 2023-11-20 00:00:00 UTC, a Monday


def firings(rules, hours):
    eng = RuleEngine(now=MONDAY + 1)
    eng.load(rules)
    got = []
    eng.on_fire = lambda f: got.append(f.time)
    eng.advance_to(MONDAY + hours * 3600)
    return got


def test_hourly_on_rule_fires_each_hour():
    assert len(firings("define r on(~(h));", 5)) == 5


def test_hours_of_day_selection():
    got = firings("define r on(~(h(9,10)));", 24)
    assert got == [MONDAY + 9 * 3600, MONDAY + 10 * 3600]


def test_weekdays():
    got = firings("define r on(~(tu,th));", 24 * 7)
    assert got == [MONDAY + 86400, MONDAY + 3 * 86400]


def test_release_condition_on_schedule_empties_cache():
    eng = RuleEngine(now=MONDAY + 10)
    eng.load('define c node cache(~(d)):(a);\nc. assert ("x");')
    assert eng.evaluate('c("x")') is True
    eng.advance_to(MONDAY + 86400 + 1)
    assert eng.evaluate('c("x")') is False
