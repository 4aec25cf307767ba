"""Property tests over every parser of untrusted input (a few hundred examples each in make test;
`bench/fuzz.py` runs the same targets at a million inputs)."""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.fuzz.targets import targets

TARGETS = {t.name: t for t in targets()}
MAX_SECONDS_PER_INPUT = 0.25     # generous for a loaded CI machine; bench/fuzz.py reports the real worst


def _mutated(seed: str) -> st.SearchStrategy:
    """Inputs near a valid one: cut, spliced with junk, characters replaced."""
    junk = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
    return st.one_of(
        st.builds(lambda n: seed[:n], st.integers(0, len(seed))),
        st.builds(lambda n, j: seed[:n] + j + seed[n:], st.integers(0, len(seed)), junk),
        st.builds(lambda n, j: seed[:n] + j + seed[n + len(j):], st.integers(0, len(seed)), junk),
        st.builds(lambda n, d: seed[:n] + str(d) + seed[n:], st.integers(0, len(seed)),
                  st.integers(-10**30, 10**30)),
    )


def _inputs(t):
    if t.edges:
        return st.one_of(st.sampled_from(t.edges), *[_mutated(e) for e in t.edges], _plain_inputs(t))
    return _plain_inputs(t)


def _plain_inputs(t):
    if t.binary:
        seeds = [s.decode("utf-8", "replace") for s in t.seeds]
        text = st.one_of(st.text(max_size=300), *[_mutated(s) for s in seeds])
        return st.one_of(st.binary(max_size=400), text.map(lambda s: s.encode("utf-8", "surrogatepass")))
    return st.one_of(st.text(max_size=300), *[_mutated(s) for s in t.seeds])


def _timed(t, value) -> float:
    started = time.perf_counter()
    try:
        t.run(value)
    except t.allowed:
        pass
    return time.perf_counter() - started


def _check(t, value):
    elapsed = _timed(t, value)
    if elapsed >= MAX_SECONDS_PER_INPUT:
        # a loaded machine pauses now and then: only an input that is slow every time is slow
        elapsed = min(elapsed, *(_timed(t, value) for _ in range(3)))
    assert elapsed < MAX_SECONDS_PER_INPUT, f"{t.name}: {elapsed * 1000:.0f} ms for {value!r:.200}"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_parsers_only_raise_their_documented_errors(name):
    t = TARGETS[name]
    for warm in t.seeds + t.edges:     # first calls import and compile: not the input's cost
        try:
            t.run(warm)
        except t.allowed:
            pass

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(_inputs(t))
    def prop(value):
        _check(t, value)

    prop()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_are_accepted(name):
    t = TARGETS[name]
    for s in t.seeds:
        t.run(s)
