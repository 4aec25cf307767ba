"""The cold-path caches (message shapes by signature, decisions) never change a result."""
from __future__ import annotations

import json
import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from brainstem.fingerprint import TemplateMiner
from brainstem.fingerprint.masking import signature
from brainstem.fingerprint.shapes import Shape
from brainstem.fingerprint import templates
from brainstem.fingerprint.templates import mask_shape, mask_soft, mask_soft_slow
from brainstem.fingerprint.tokens import is_normalized, normalize, tokenize

from .test_properties import expand, families, message

digits = st.text(alphabet="0123456789", min_size=1, max_size=12)
digity = st.one_of(
    digits,
    st.text(alphabet="0123456789abcdefxX.:-_/ ", max_size=14),
    st.builds("{}.{}.{}.{}".format, digits, digits, digits, digits),
    st.builds("{}:{}".format, digits, digits),
    st.sampled_from(["ssh2", "eth0", "u12", "0x", "0X1f", "1e5", "deadbeef", "Jun 2 03:04:05",
                     "2015-10-18 18:01:47,978", "blk_-42", "10ms", "=", " ", "  ", "\t",
                     '"a 1  b"', "'x 2'", "[2001:db8::1]:443", "db1.example.com:80", "12 MB", "1:02:03.5",
                     "http://h:8080/p?q=1", "ab:cd:ef:01:23:45", "u1@example.com"]),
)
digit_message = st.lists(st.one_of(digity, message), max_size=12).map(" ".join)


def redigit(text: str, draw_digit) -> str:
    """``text`` with every ASCII digit replaced by another one."""
    return "".join(draw_digit() if "0" <= ch <= "9" else ch for ch in text)


def recount(text: str, rnd) -> str:
    """``text`` with every run of ASCII digits replaced by a run of 1 to 6 random digits
    (another signature, mostly the same masked tokens: the masked-token decisions are used)."""
    return re.sub(r"[0-9]+", lambda _: "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 6))), text)


@settings(max_examples=500, deadline=None)
@given(digit_message, st.randoms(use_true_random=False))
def test_one_signature_one_shape(first, rnd):
    other = redigit(first, lambda: rnd.choice("0123456789"))
    assume(signature(other) == signature(first))
    plain = is_normalized(first)
    assert is_normalized(other) == plain
    shape = Shape(first, tokenize(first), plain)
    tokens = tokenize(other)
    masked, cls, soft = mask_soft(tokens)
    assert shape.tokens(other) == tokens
    assert list(shape.masked_for(other)) == masked
    assert list(shape.cls) == cls
    assert list(shape.soft) == soft
    for i, tok in enumerate(tokens):
        s, e = shape.span(i)
        core = tok[1:] if tok[:1] == " " else tok
        assert " ".join(other[s:e].split()) == core
    assert list(shape.soft_spans) == [shape.span(i) for i in soft]


@settings(max_examples=500, deadline=None)
@given(digit_message, st.booleans())
def test_masking_by_memo_equals_token_by_token(text, cold):
    """mask_shape (memo lookups in C, classes scanned as bytes) gives what the plain loop gives."""
    if cold:
        templates._masked_memo.clear()
        templates._class_memo.clear()
        templates._token_sig_memo.clear()
    tokens = tokenize(text)
    masked, cls, soft = mask_shape(tokens)
    assert (list(masked), list(cls), list(soft)) == mask_soft_slow(tokens)
    assert mask_shape(tokens) == (masked, cls, soft)  # now from the memo of masked tokens
    assert mask_soft(tokens) == (list(masked), list(cls), list(soft))


def test_signature_keeps_the_hex_prefix_apart():
    assert signature("id 0x1F") != signature("id 1x1F")
    assert signature("port 22") == signature("port 80")
    miner = TemplateMiner()
    assert miner.learn("value 0x1F seen").params == {"hex": "0x1F"}
    assert miner.learn("value 1x1F seen").params == {"id": "1x1F"}
    assert miner.learn("value 0x2A seen").params == {"hex": "0x2A"}


def uncached(max_templates: int) -> TemplateMiner:
    miner = TemplateMiner(max_templates)
    miner._cache_max = 0  # nothing is ever cached
    return miner


@settings(max_examples=300, deadline=None)
@given(families, st.lists(digit_message, max_size=6), st.randoms(use_true_random=False),
       st.sampled_from([2, 5, 50000]))
def test_caches_agree_with_the_slow_path(fams, extra, rnd, max_templates):
    lines = expand(fams) + extra
    # variants differing only in digits (and whitespace), so the signature caches are used
    lines += [redigit(x, lambda: rnd.choice("0123456789")) for x in lines for _ in range(2)]
    # and in how many digits each run has, so the decisions by masked tokens are used
    lines += [recount(x, rnd) for x in lines for _ in range(2)]
    lines += [x.replace(" ", "  ", 1) for x in lines[:5]]
    rnd.shuffle(lines)
    lines = lines * 2
    fast, slow = TemplateMiner(max_templates), uncached(max_templates)
    for line in lines:
        got, want = fast.learn(line), slow.learn(line)
        assert got == want, line
        assert fast.match(line) == slow.match(line), line
    assert fast.to_state() == slow.to_state()


def test_values_with_irregular_whitespace_come_from_the_message():
    miner = TemplateMiner()
    for i in range(3):
        miner.learn(f"job {i} took  {i + 5}  ms at Jun  2 03:04:0{i}")
    got = miner.learn("job 7 took  9  ms at Jun  2 03:04:09")
    assert got.params == {"num": "7", "num_2": "9", "time": "Jun 2 03:04:09"}
    assert normalize("job 7 took  9  ms") == "job 7 took 9 ms"


def test_a_decision_by_masked_tokens_reads_the_names_from_each_message():
    miner = TemplateMiner()
    miner.learn("job 1.2.3.4 done")
    assert miner.learn("job 10.20.30.40 done").params == {"ip": "10.20.30.40"}  # taken unchanged: remembered
    # a new signature, the same masked tokens: the same template, the names of this message's values
    got = miner.learn("job 12345 done")
    assert (got.template, got.params, got.changed) == ("job <*> done", {"num": "12345"}, False)
    assert miner.learn("job 1.2.3.44 done").params == {"ip": "1.2.3.44"}


def test_a_digit_count_that_changes_the_masking_is_not_decided_alike():
    miner = TemplateMiner()
    first = miner.learn("session u1 opened after 5 s")
    assert miner.learn("session u1 opened after 55 s").template == "session u1 opened after <*> s"
    # u123 is an id (masked), u1 a soft word (kept): not the decision made for u1
    got = miner.learn("session u123 opened after 555 s")
    assert (got.key, got.template, got.changed) == (first.key, "session <*> opened after <*> s", True)


def test_a_decision_by_masked_tokens_holds_this_message_s_soft_words():
    miner = TemplateMiner()
    first = miner.learn("link eth0 up after 5 s")
    assert not miner.learn("link eth0 up after 55 s").changed
    # the signature of the first message, another soft word: the template must generalize
    got = miner.learn("link eth1 up after 5 s")
    assert (got.key, got.template, got.changed) == (first.key, "link <*> up after <*> s", True)
    assert got.params == {"var1": "eth1", "num": "5"}


def test_a_decision_by_masked_tokens_follows_a_merge():
    miner = TemplateMiner()
    root = miner.learn("sshd: Failed password for root from 1.2.3.4 port 22 ssh2")
    admin = miner.learn("sshd: Failed password for admin from 1.2.3.5 port 22 ssh2")
    assert admin.is_new and admin.key != root.key
    # remembered: admin's masked tokens take admin's template unchanged
    assert miner.learn("sshd: Failed password for admin from 10.2.3.5 port 222 ssh2").key == admin.key
    miner.learn("sshd: Failed password for guest from 1.2.3.6 port 22 ssh2")  # generalizes root, absorbs admin
    got = miner.learn("sshd: Failed password for admin from 100.2.3.5 port 2222 ssh2")
    assert (got.key, got.template) == (root.key, "sshd: Failed password for <*> from <*> port <*> ssh2")
    assert got.params == {"var1": "admin", "ip": "100.2.3.5", "port": "2222"}


def test_a_decision_by_masked_tokens_follows_an_eviction_and_a_restore():
    lines = [f"worker {i} took {7 * i} ms" for i in range(1, 30)]
    # another token count: a new template of this length leaves the decisions of the other length,
    # an eviction must not
    lines += [f"cache {w} of {10 ** (i % 5)} entries now" for i, w in enumerate(["miss", "hit", "full"] * 9)]
    lines += [f"worker {10 ** i} took {i} ms" for i in range(6)]
    for max_templates in (1, 2, 50000):
        whole = TemplateMiner(max_templates)
        expected = [whole.learn(x) for x in lines]
        slow = uncached(max_templates)
        assert [slow.learn(x) for x in lines] == expected
        for cut in (3, 31, 50):
            part = TemplateMiner(max_templates)
            got = [part.learn(x) for x in lines[:cut]]
            part = TemplateMiner.from_state(json.loads(json.dumps(part.to_state())))
            got += [part.learn(x) for x in lines[cut:]]
            assert got == expected


def test_the_decisions_by_masked_tokens_are_bounded_and_counted():
    miner = TemplateMiner()
    miner._cache_max = 5
    words = [a + b for a in "abcdefgh" for b in "xyz"]
    for i, word in enumerate(words):  # after three words "job for <*> took <*> ms", each word another masked form
        got = miner.learn(f"job for {word} took {10 ** (i % 7)} ms")
        assert miner._fitted == sum(map(len, miner._fits.values())) <= 5
    assert got.template == "job for <*> took <*> ms" and miner._fitted == 5


def test_a_signature_answered_by_masked_tokens_is_decided_at_its_second_sighting():
    from brainstem.fingerprint.masking import signature

    miner = TemplateMiner()
    miner._cache_max = 3
    miner.learn("job 1.2.3.4 done")
    miner.learn("job 10.2.3.4 done")           # taken unchanged: remembered by masked tokens
    sig = signature("job 1.2.33.4 done")
    decided = lambda: any(sig in d for d in miner._decisions.values())  # noqa: E731
    seen = []
    for ip in ("1.2.33.4", "5.6.77.8", "9.1.22.3"):     # one new signature, three messages
        seen.append(miner.learn(f"job {ip} done"))
        if ip == "1.2.33.4":
            assert not decided() and sig in miner._fit_once     # met once: not decided yet
    assert decided()
    assert [(m.key, m.params) for m in seen] == [(seen[0].key, {"ip": ip}) for ip in ("1.2.33.4", "5.6.77.8", "9.1.22.3")]
    # signatures met once are remembered as such, within the caches' bound
    for k in range(4, 12):
        miner.learn(f"job {'9' * k}.2.3.4 done")
        assert len(miner._fit_once) <= 3
