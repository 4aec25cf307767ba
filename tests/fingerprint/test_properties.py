"""Properties of the miner on generated messages.

"Matches" is defined as: the template, with each ``<*>`` turned into a lazy
``.*?`` and everything else literal, fully matches the message with its
whitespace runs folded to one space and its ends stripped.
"""
from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from brainstem.fingerprint import TemplateMiner, fingerprint_lines
from brainstem.fingerprint.tokens import normalize, tokenize


def template_matches(template: str, message: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in template.split("<*>"))
    return re.fullmatch(pattern, normalize(message), re.S) is not None


words = st.sampled_from(["alpha", "beta", "gamma", "user", "port", "from", "to", "ok", "failed",
                         "true", "false", "x1", "ssh2", "blk_-123456", "10.0.0.1", "42", "0x1f",
                         "/var/log/syslog", "Mon Jun 20 03:40:59 2005", "a.b.c", "<*>",
                         '"a b"', "'x  y'", '"a1 b"', 'msg="p q"', "db.example.com:5432", "[::1]:80",
                         "fe80::1", "http://x.org/a?b=1", "12 KB", "5 ms", "02:25", "a@b.com", "C:\\x\\y",
                         "./a/b", "00:1a:2b:3c:4d:5e", "10/Oct/2000:13:55:36 -0700", "GET", "POST",
                         "HTTP/1.1", "host-1/10.0.0.1:80", "1h2m3s"])
puncts = st.sampled_from(["=", ":", ",", "(", ")", "[", "]", "{", "}", '"', "'", "@", "|", ".", " ", "  ", "\t"])
piece = st.one_of(words, puncts, st.text(max_size=6))
message = st.lists(piece, max_size=14).map(lambda parts: " ".join(parts) if len(parts) % 2 else "".join(parts))
# Families of similar messages, so templates generalize, merge and stretch.
family = st.tuples(st.lists(words, min_size=1, max_size=6), st.lists(st.lists(piece, max_size=3), min_size=1, max_size=6))
families = st.lists(family, min_size=1, max_size=4)


def expand(fams) -> list[str]:
    out = []
    for skeleton, fillers in fams:
        for fill in fillers:
            parts = []
            for i, w in enumerate(skeleton):
                parts.append(w)
                if i < len(fill):
                    parts.append(fill[i])
            out.append(" ".join(parts))
    return out


@given(st.text())
def test_tokenize_round_trips_normalized_text(text):
    assert "".join(tokenize(text)) == normalize(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(message, min_size=1, max_size=30))
def test_every_line_matches_its_templates(lines):
    miner = TemplateMiner()
    for line in lines:
        got = miner.learn(line)
        assert template_matches(got.template, line), (got.template, line)
    for line, (key, template) in zip(lines, fingerprint_lines(lines)):
        assert template_matches(template, line), (template, line)


@settings(max_examples=300, deadline=None)
@given(families, st.randoms(use_true_random=False))
def test_families_match_and_restart_is_seamless(fams, rnd):
    lines = expand(fams)
    rnd.shuffle(lines)
    lines = lines * 2
    whole = TemplateMiner()
    expected = [whole.learn(x) for x in lines]
    for line, (key, template) in zip(lines, fingerprint_lines(lines)):
        assert template_matches(template, line), (template, line)
    cut = rnd.randrange(len(lines) + 1)
    again = TemplateMiner.from_state(whole.to_state())
    for line in lines:
        first = again.learn(line)
        second = again.learn(line)  # a message just learned is a plain hit
        assert (second.key, second.template, second.is_new, second.changed) == (first.key, first.template, False, False)
    part = TemplateMiner()
    got = [part.learn(x) for x in lines[:cut]]
    part = TemplateMiner.from_state(json.loads(json.dumps(part.to_state())))
    got += [part.learn(x) for x in lines[cut:]]
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(families, message)
def test_match_never_mutates_and_agrees_with_learn(fams, probe):
    miner = TemplateMiner()
    for line in expand(fams):
        miner.learn(line)
    before = json.dumps(miner.to_state(), sort_keys=True)
    found = miner.match(probe)
    assert json.dumps(miner.to_state(), sort_keys=True) == before
    learned = miner.learn(probe)
    if found is not None:
        # match() names the template learn() picks; learn may then generalize it
        # and merge it into an older one
        assert miner.resolve(found.key) == learned.key
        assert not learned.is_new
        if not learned.changed:
            assert found == learned
    else:
        assert learned.is_new or learned.changed


@given(message)
def test_fast_masking_agrees_with_the_reference_classes(text):
    from brainstem.fingerprint.templates import classes, mask

    masked, cls = mask(tokenize(text))
    assert cls == classes(masked, template=False)
