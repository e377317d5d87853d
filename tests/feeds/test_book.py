"""The integer-tick book against a plain dict-and-sort reference, and the tick conversions."""

from __future__ import annotations

import zlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.feeds.book import L2Book, ticks_to_decimal
from core.feeds.numbers import InexactNumber, decimal_ticks, float_ticks, str_ticks

ops = st.lists(
    st.tuples(
        st.booleans(), st.integers(1, 400), st.integers(0, 10**9).map(lambda q: q * (q % 3 > 0))
    ),
    max_size=300,
)


def reference_checksum(bids: dict[int, int], asks: dict[int, int], ps: int, qs: int) -> int:
    """Kraken's recipe spelled out on decimal strings: per number, format to the pair's
    decimals, drop the '.', drop leading zeros; then concatenate price and quantity."""

    def number(ticks: int, scale: int) -> str:
        return f"{ticks_to_decimal(ticks, scale):.{scale}f}".replace(".", "").lstrip("0")

    def piece(price: int, qty: int) -> str:
        return number(price, ps) + number(qty, qs)

    best_asks = sorted(asks.items())[:10]
    best_bids = sorted(bids.items(), reverse=True)[:10]
    payload = "".join(piece(p, q) for p, q in best_asks + best_bids)
    return zlib.crc32(payload.encode()) & 0xFFFFFFFF


@settings(max_examples=150, deadline=None)
@given(ops=ops, depth=st.sampled_from([10, 25, 1000]), ps=st.integers(0, 9), qs=st.integers(0, 9))
def test_book_matches_reference(
    ops: list[tuple[bool, int, int]], depth: int, ps: int, qs: int
) -> None:
    book = L2Book(ps, qs)
    ref: dict[bool, dict[int, int]] = {True: {}, False: {}}
    for is_bid, price, qty in ops:
        (book.bids if is_bid else book.asks).set(price, qty)
        if qty:
            ref[is_bid][price] = qty
        else:
            ref[is_bid].pop(price, None)
        book.truncate(depth)
        ref[True] = dict(sorted(ref[True].items(), reverse=True)[:depth])
        ref[False] = dict(sorted(ref[False].items())[:depth])
        assert book.kraken_checksum() == reference_checksum(ref[True], ref[False], ps, qs)
    assert book.bids.top(depth) == sorted(ref[True].items(), reverse=True)
    assert book.asks.top(depth) == sorted(ref[False].items())
    crossed = bool(ref[True] and ref[False] and max(ref[True]) >= min(ref[False]))
    assert book.is_crossed() is crossed


def test_levels_are_exact_decimals() -> None:
    book = L2Book(1, 8)
    book.bids.set(294302, 18967538)
    book.asks.set(294303, 825215653)
    bids, asks = book.levels(5)
    assert bids[0].price == Decimal("29430.2") and bids[0].qty == Decimal("0.18967538")
    assert asks[0].price == Decimal("29430.3") and asks[0].qty == Decimal("8.25215653")


def test_side_without_checksum_strings_refuses_checksum() -> None:
    book = L2Book(8, 8, checksum=False)
    book.bids.set(1, 1)
    with pytest.raises(ValueError):
        book.kraken_checksum()


@given(ticks=st.integers(0, 2**50 - 1), scale=st.integers(0, 12))
def test_float_ticks_recover_the_decimal_exactly(ticks: int, scale: int) -> None:
    text = f"{ticks_to_decimal(ticks, scale):.{scale}f}"
    assert float_ticks(float(text), scale) == ticks
    assert str_ticks(text, scale) == ticks
    assert decimal_ticks(Decimal(text), scale) == ticks


def test_float_ticks_refuse_what_a_float_cannot_hold() -> None:
    with pytest.raises(InexactNumber):
        float_ticks(123456789.12345678, 8)


def test_str_ticks_pads_and_rejects_off_grid_values() -> None:
    assert str_ticks("1.5", 3) == 1500
    assert str_ticks("12", 2) == 1200
    assert str_ticks("0.120000", 2) == 12
    with pytest.raises(ValueError):
        str_ticks("0.125", 2)
    with pytest.raises(ValueError):
        decimal_ticks(Decimal("0.125"), 2)
