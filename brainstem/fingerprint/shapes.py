"""Message shapes: what tokenizing and masking make of a message, keyed by a cheap signature.

Most log messages differ from earlier ones only in their digits (ids, IPs,
ports, durations). Tokenizing and masking never look at *which* digit is
where, only at *whether* a character is a digit: every regex in
:mod:`.tokens` and :mod:`.masking` uses ``\\d``, ``[0-9a-f]`` or
``isdigit``, never a particular digit, with one exception: the ``0x`` hex
prefix. So a message's *signature* is its UTF-8 bytes with every ASCII digit
replaced by ``1`` (one ``bytes.translate``), or, when it contains
``0x``/``0X``, with the digits 1-9 replaced by ``1`` and ``0`` kept. The two
kinds of signature never collide (the first holds no ``0``, the second
always does).

Messages with the same signature have the same characters everywhere except
at digits, hence the same token boundaries, the same token classes, the same
masked tokens except at *soft* variables (words with a digit or two, kept
literal, such as ``ssh2``), and the same variable kinds. A :class:`Shape`
records that once per signature: the masked tokens, the classes, where each
token is in the message, and which tokens are soft (their text has to be
read from each message).
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from .templates import mask_shape
from .tokens import _TOKEN_RE, is_normalized, tokenize, tokenize_plain

_SHAPES_MAX = 50_000
_shapes: dict[bytes, Shape] = {}


class Shape:
    """Tokens, masked tokens and classes of every message with one signature.

    ``masked`` and ``cls`` as :func:`.templates.mask` gives them (``cls`` as
    bytes), except that the ``soft`` positions, the literal tokens with
    digits, hold the first message's text (see :meth:`masked_for`).
    ``plain``: the messages are normalized (``tokens.is_normalized``), so
    their tokens are slices of them, one after another, of ``lengths``
    (leading space included); else ``spans`` are the (start, end) of each
    token without its leading space. Kept small (about half a kilobyte for
    a 20-token message), and only bytes and tuples of strings and ints,
    which the garbage collector stops tracking.
    """

    __slots__ = ("masked", "cls", "soft", "soft_spans", "plain", "lengths", "spans")

    def __init__(self, message: str, tokens: list[str], plain: bool) -> None:
        self.masked, self.cls, self.soft = masked, cls, soft = mask_shape(tokens)
        self.plain = plain
        self.spans: tuple[tuple[int, int], ...] | None = None
        self.lengths: bytes | tuple[int, ...] = b""
        if plain:
            try:
                self.lengths = bytes(map(len, tokens))
            except ValueError:  # a token of 256 characters or more
                self.lengths = tuple(map(len, tokens))
        else:
            self.spans = _spans(message)
        self.soft_spans = tuple(self.spans_at(soft)) if soft else ()

    def span(self, i: int) -> tuple[int, int]:
        """(start, end) of token ``i`` in a message of this shape, without its leading space."""
        if self.spans is not None:
            return self.spans[i]
        e = sum(self.lengths[:i + 1])
        # a masked token keeps the leading space of the token
        return (e - self.lengths[i] + 1, e) if self.masked[i][0] == " " else (e - self.lengths[i], e)

    def spans_at(self, indexes: Sequence[int]) -> list[tuple[int, int]]:
        """``[self.span(i) for i in indexes]``, the lengths added up once (for several indexes)."""
        if self.spans is not None:
            spans = self.spans
            return [spans[i] for i in indexes]
        lengths, masked = self.lengths, self.masked
        ends = list(accumulate(lengths))
        return [(ends[i] - lengths[i] + (masked[i][0] == " "), ends[i]) for i in indexes]

    def tokens(self, message: str) -> list[str]:
        """``tokenize(message)`` for a message of this shape."""
        if self.plain:
            return tokenize_plain(message)
        return tokenize(message)

    def masked_for(self, message: str) -> tuple[str, ...] | list[str]:
        """``mask(tokenize(message))[0]`` for a message of this shape (do not change it)."""
        if not self.soft:
            return self.masked
        masked = list(self.masked)
        plain = self.plain
        for i, (s, e) in zip(self.soft, self.soft_spans):
            tok = message[s:e]
            if not plain:  # a quoted phrase may hold whitespace runs, folded in a token
                tok = " ".join(tok.split())
            masked[i] = " " + tok if masked[i][0] == " " else tok
        return masked


def _spans(message: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each token of ``message`` without its leading space; see tokens.tokenize."""
    out = []
    pos = 0
    for sp, *tok in _TOKEN_RE.findall(message):
        s = pos + len(sp)
        pos = s + len("".join(tok))
        out.append((s, pos))
    return tuple(out)


def shape(sig: bytes, message: str) -> tuple[Shape, list[str] | None]:
    """The shape of ``message``, whose signature is ``sig`` (memoized, bounded).

    Also the message's tokens when they had to be computed, else None.
    """
    got = _shapes.get(sig)
    if got is not None:
        return got, None
    return new_shape(sig, message)


def new_shape(sig: bytes, message: str) -> tuple[Shape, list[str]]:
    """:func:`shape` for a signature that has none yet (memoized): the shape and the tokens."""
    plain = is_normalized(message)
    tokens = tokenize_plain(message) if plain else tokenize(message)
    got = Shape(message, tokens, plain)
    if len(_shapes) >= _SHAPES_MAX:
        _shapes.clear()
    _shapes[sig] = got
    return got, tokens
