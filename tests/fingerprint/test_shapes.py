"""The cold-path caches (message shapes by signature, decisions) never change a result."""
from __future__ import annotations

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
