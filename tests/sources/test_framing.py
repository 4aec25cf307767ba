"""RFC 6587 framing: any split of the stream gives the same frames; bad counts cost one frame."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from brainstem.sources.framing import Framer

MSGS = [b"<34>1 2026-12-01T10:00:00Z fw1 sshd 12 - - Failed password for root",
        b"<13>Dec  1 10:00:01 sw1 kernel: link down",
        b"<13>Dec  1 10:00:02 sw1 kernel: message with\nan embedded newline"]


def octet(m: bytes) -> bytes:
    return str(len(m)).encode() + b" " + m


def frames(framer: Framer, chunks) -> list:
    out = []
    for c in chunks:
        out += framer.feed(c)
    return out + framer.flush()


def test_octet_counting_keeps_embedded_newlines():
    got = frames(Framer(), [b"".join(octet(m) for m in MSGS)])
    assert [f.data for f in got] == MSGS
    assert not any(f.error or f.truncated for f in got)


def test_newline_framing_accepts_lf_crlf_and_nul():
    got = frames(Framer(), [b"<13>a one\n<13>a two\r\n<13>a three\x00\n\n<13>last without newline"])
    assert [f.data for f in got] == [b"<13>a one", b"<13>a two", b"<13>a three", b"<13>last without newline"]


def test_mixed_framing_on_one_connection():
    got = frames(Framer(), [octet(MSGS[0]) + b"<13>plain line\n" + octet(MSGS[1])])
    assert [f.data for f in got] == [MSGS[0], b"<13>plain line", MSGS[1]]


def test_over_long_messages_are_truncated_and_flagged_with_bounded_memory():
    f = Framer(max_bytes=100)
    big = b"<13>" + b"x" * 10_000
    data = octet(big) + octet(MSGS[1]) + big + b"\n" + MSGS[1] + b"\n"
    out = []
    peak = 0
    for i in range(0, len(data), 333):           # streamed in pieces
        out += f.feed(data[i:i + 333])
        peak = max(peak, f.buffered)
    out += f.flush()
    assert peak < 2 * 100 + 400
    assert [(len(x.data), x.truncated) for x in out] == [(100, True), (len(MSGS[1]), False), (100, True),
                                                          (len(MSGS[1]), False)]


def test_a_malformed_count_is_one_error_frame_and_the_stream_goes_on():
    data = b"12x <13>garbage here\n" + octet(MSGS[1]) + b"0 \n" + b"99999999999 nope\n" + octet(MSGS[0])
    got = frames(Framer(), [data])
    assert [f.data for f in got if not f.error] == [MSGS[1], MSGS[0]]
    assert len([f for f in got if f.error]) == 3


def test_a_connection_cut_inside_a_counted_frame_reports_it():
    got = frames(Framer(), [octet(MSGS[0])[:-5]])
    assert len(got) == 1 and got[0].error and "short" in got[0].error


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(MSGS), min_size=1, max_size=6), st.lists(st.integers(1, 50), max_size=20),
       st.booleans())
def test_any_split_gives_the_same_frames(msgs, cuts, counted):
    data = b"".join(octet(m) for m in msgs) if counted else b"".join(m.replace(b"\n", b" ") + b"\n" for m in msgs)
    chunks, pos = [], 0
    for c in cuts:
        chunks.append(data[pos:pos + c])
        pos += c
    chunks.append(data[pos:])
    want = msgs if counted else [m.replace(b"\n", b" ") for m in msgs]
    assert [f.data for f in frames(Framer(), chunks)] == want


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.integers(16, 512))
def test_hostile_bytes_never_raise_and_stay_bounded(data, maxb):
    f = Framer(max_bytes=maxb)
    for i in range(0, len(data), 97):
        for fr in f.feed(data[i:i + 97]):
            assert len(fr.data) <= max(maxb, 200)
        assert f.buffered <= 2 * maxb + 200
    f.flush()
