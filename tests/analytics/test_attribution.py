"""Brinson–Fachler attribution: a hand-worked example, exact sums, linking and the file reader."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.attribution import SegmentInput, attribute, attribute_period, link, roll_up
from core.attribution.files import attribute_file
from core.errors import DataError

# Period 1, two segments (hand-worked):
#   A: wp 0.6 rp +10%  wb 0.5 rb +8%      B: wp 0.4 rp +2%  wb 0.5 rb +4%
#   Rp = 0.6*0.10 + 0.4*0.02 = 0.068      Rb = 0.5*0.08 + 0.5*0.04 = 0.060   active 0.008
#   A: allocation (0.6-0.5)(0.08-0.06) = +0.002, selection 0.5(0.10-0.08) = +0.010,
#      interaction (0.1)(0.02) = +0.002
#   B: allocation (0.4-0.5)(0.04-0.06) = +0.002, selection 0.5(0.02-0.04) = -0.010,
#      interaction (-0.1)(-0.02) = +0.002
#   sum 0.002+0.010+0.002+0.002-0.010+0.002 = 0.008 = active
P1 = [
    SegmentInput(
        segment="A",
        portfolio_weight=0.6,
        portfolio_return=0.10,
        benchmark_weight=0.5,
        benchmark_return=0.08,
    ),
    SegmentInput(
        segment="B",
        portfolio_weight=0.4,
        portfolio_return=0.02,
        benchmark_weight=0.5,
        benchmark_return=0.04,
    ),
]
# Period 2: A at benchmark weight and return (no effect); B beats its benchmark by 2%.
#   Rp = 0.5(-0.05) + 0.5(0.03) = -0.010   Rb = 0.5(-0.05) + 0.5(0.01) = -0.020   active 0.010
#   B: selection 0.5(0.03-0.01) = +0.010, allocation 0, interaction 0
P2 = [
    SegmentInput(
        segment="A",
        portfolio_weight=0.5,
        portfolio_return=-0.05,
        benchmark_weight=0.5,
        benchmark_return=-0.05,
    ),
    SegmentInput(
        segment="B",
        portfolio_weight=0.5,
        portfolio_return=0.03,
        benchmark_weight=0.5,
        benchmark_return=0.01,
    ),
]
# Cumulative: R = 1.068 * 0.99 - 1 = 0.05732, B = 1.06 * 0.98 - 1 = 0.0388, active 0.01852.


def test_hand_worked_single_period() -> None:
    p = attribute_period("2024-01", P1)
    assert p.portfolio_return == pytest.approx(0.068, abs=1e-15)
    assert p.benchmark_return == pytest.approx(0.060, abs=1e-15)
    a, b = p.segments
    assert (a.allocation, a.selection, a.interaction) == pytest.approx(
        (0.002, 0.010, 0.002), abs=1e-15
    )
    assert (b.allocation, b.selection, b.interaction) == pytest.approx(
        (0.002, -0.010, 0.002), abs=1e-15
    )
    assert a.total + b.total == pytest.approx(0.008, abs=1e-15)


def test_hand_worked_linked_carino() -> None:
    periods = [attribute_period("2024-01", P1), attribute_period("2024-02", P2)]
    linked = link(periods, "carino")
    assert linked.total.portfolio_return == pytest.approx(0.05732, abs=1e-15)
    assert linked.total.benchmark_return == pytest.approx(0.0388, abs=1e-15)
    assert linked.total.active == pytest.approx(0.01852, abs=1e-15)
    # Carino: k_t = ln(1+Rp_t) - ln(1+Rb_t) over Rp_t - Rb_t; k likewise on the cumulatives.
    k1 = (math.log(1.068) - math.log(1.06)) / 0.008
    k2 = (math.log(0.99) - math.log(0.98)) / 0.010
    k = (math.log(1.05732) - math.log(1.0388)) / 0.01852
    a, b = linked.segments
    # A's selection is +0.010 in period 1 and 0 in period 2; B's is -0.010 then +0.010.
    assert a.selection == pytest.approx(0.010 * k1 / k, abs=1e-14)
    assert b.selection == pytest.approx(-0.010 * k1 / k + 0.010 * k2 / k, abs=1e-14)
    assert a.allocation == pytest.approx(0.002 * k1 / k, abs=1e-14)
    total = linked.total
    assert abs(total.allocation + total.selection + total.interaction - 0.01852) < 1e-12


def test_hand_worked_linked_menchero() -> None:
    periods = [attribute_period("2024-01", P1), attribute_period("2024-02", P2)]
    linked = link(periods, "menchero")
    # M = (active / T) / ((1+R)^(1/T) - (1+B)^(1/T)), T = 2; correction a_t proportional to d_t.
    m = (0.01852 / 2) / (math.sqrt(1.05732) - math.sqrt(1.0388))
    d = (0.008, 0.010)
    scale = (0.01852 - m * sum(d)) / (d[0] ** 2 + d[1] ** 2)
    c1, c2 = m + scale * d[0], m + scale * d[1]
    b = linked.segments[1]
    assert b.selection == pytest.approx(-0.010 * c1 + 0.010 * c2, abs=1e-14)
    total = linked.total
    assert abs(total.allocation + total.selection + total.interaction - 0.01852) < 1e-12


def test_single_period_links_to_itself() -> None:
    p = attribute_period("only", P1)
    for method in ("carino", "menchero"):
        linked = link([p], method)
        for got, want in zip(linked.segments, p.segments, strict=True):
            assert got.allocation == pytest.approx(want.allocation, abs=1e-15)
            assert got.selection == pytest.approx(want.selection, abs=1e-15)


def test_roll_up_keeps_the_sum() -> None:
    month = roll_up([attribute_period("d1", P1), attribute_period("d2", P2)], "2024-01")
    assert month.portfolio_return == pytest.approx(0.05732, abs=1e-15)
    assert abs(sum(s.total for s in month.segments) - month.active_return) < 1e-12


_weight = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
_ret = st.floats(min_value=-0.5, max_value=0.8, allow_nan=False)


@st.composite
def _period(draw: st.DrawFn, names: list[str]) -> list[SegmentInput]:
    wp = [draw(_weight) for _ in names]
    wb = [draw(_weight) for _ in names]
    if sum(wp) == 0.0:
        wp[0] = 1.0
    if sum(wb) == 0.0:
        wb[-1] = 1.0
    sp, sb = math.fsum(wp), math.fsum(wb)
    return [
        SegmentInput(
            segment=n,
            portfolio_weight=p / sp,
            portfolio_return=draw(_ret),
            benchmark_weight=b / sb,
            benchmark_return=draw(_ret),
        )
        for n, p, b in zip(names, wp, wb, strict=True)
    ]


@st.composite
def _periods(draw: st.DrawFn) -> list[list[SegmentInput]]:
    n_segments = draw(st.integers(min_value=1, max_value=8))
    names = [f"s{i}" for i in range(n_segments)]
    return [draw(_period(names)) for _ in range(draw(st.integers(min_value=1, max_value=24)))]


@settings(max_examples=200, deadline=None)
@given(_periods(), st.sampled_from(["carino", "menchero"]))
def test_effects_sum_to_active_return(raw: list[list[SegmentInput]], method: str) -> None:
    periods = [attribute_period(str(i), rows) for i, rows in enumerate(raw)]
    for p in periods:
        assert abs(math.fsum(s.total for s in p.segments) - p.active_return) < 1e-12
    result = attribute(periods, method)  # type: ignore[arg-type]
    t = result.linked.total
    assert abs(math.fsum(s.total for s in result.linked.segments) - t.active) < 1e-12
    assert abs(t.allocation + t.selection + t.interaction - t.active) < 1e-12
    growth_p = math.prod(1 + p.portfolio_return for p in periods)
    assert t.portfolio_return == pytest.approx(growth_p - 1, rel=1e-12, abs=1e-12)


HEADER = "period,segment,portfolio_weight,portfolio_return,benchmark_weight,benchmark_return\n"


def test_file_reads_and_attributes(tmp_path: Path) -> None:
    path = tmp_path / "seg.csv"
    path.write_text(
        HEADER + "2024-01,A,0.6,0.10,0.5,0.08\n2024-01,B,0.4,0.02,0.5,0.04\n"
        "2024-02,A,0.5,-0.05,0.5,-0.05\n2024-02,B,0.5,0.03,0.5,0.01\n"
    )
    periods = attribute_file(path)
    assert [p.period for p in periods] == ["2024-01", "2024-02"]
    assert periods[0].segments[0].selection == pytest.approx(0.010, abs=1e-15)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("period,segment,portfolio_weight\n", ":1:portfolio_return: missing column"),
        (HEADER + "p,A,0.6,x,0.5,0.1\np,B,0.4,0,0.5,0\n", ":2:portfolio_return: not a number"),
        (HEADER + "p,A,0.6,0.1,0.5,0.1\np,B,0.3,0,0.5,0\n", ":2:portfolio_weight: period 'p'"),
        (HEADER + "p,A,0.5,0.1,0.5,0.1\np,B,0.5,0,0.6,0\n", ":2:benchmark_weight: period 'p'"),
        (HEADER + "p,A,0.5,0.1,0.5,0.1\np,A,0.5,0,0.5,0\n", ":3:segment: segment 'A'"),
        (HEADER + "p,A,1,-1.5,1,0\n", ":2:portfolio_return: a return of"),
    ],
)
def test_bad_files_name_file_line_column(tmp_path: Path, body: str, where: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(DataError) as info:
        attribute_file(path)
    message = str(info.value)
    assert message.startswith(str(path) + where), message
    assert "\n" not in message


def test_recorded_group_weights_replace_the_carried_back_ones() -> None:
    from datetime import UTC, date, datetime

    from core.attribution.recorded import daily_group_periods

    def series(*closes: float) -> list[tuple[datetime, float]]:
        return [(datetime(2024, 5, 1 + i, tzinfo=UTC), c) for i, c in enumerate(closes)]

    closes = {"A": series(100, 110, 110), "B": series(100, 100, 90)}
    # Day 1 (May 1 -> 2): the snapshot of May 1 says g1 80 %, g2 20 %. A +10 %, B flat; the
    # benchmark holds each group's own assets at 50/50: Rb = 0.5 * 0.10 = 0.05, Rp = 0.08.
    #   g1 allocation (0.8 - 0.5)(0.10 - 0.05) = +0.015; g2 (0.2 - 0.5)(0 - 0.05) = +0.015
    periods = daily_group_periods(
        closes,
        {"A": 0.5, "B": 0.5},
        {"A": "g1", "B": "g2"},
        {"g1": 0.5, "g2": 0.5},
        {},
        recorded={date(2024, 5, 1): {"g1": 0.8, "g2": 0.2}},
    )
    first = periods[0]
    assert first.portfolio_return == pytest.approx(0.08, abs=1e-15)
    assert first.benchmark_return == pytest.approx(0.05, abs=1e-15)
    assert [s.allocation for s in first.segments] == pytest.approx([0.015, 0.015], abs=1e-15)
    # Day 2 has no snapshot: today's 50/50 carried back to May 2 (A 0.5, B 0.5 * 100/90).
    second = periods[1]
    wa = 0.5 / (0.5 + 0.5 * 100 / 90)
    assert second.portfolio_return == pytest.approx((1 - wa) * -0.10, abs=1e-15)


def test_file_saved_by_a_spreadsheet_with_a_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = HEADER + "2024-01,A,0.6,0.10,0.5,0.08\n2024-01,B,0.4,0.02,0.5,0.04\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    (period,) = attribute_file(path)
    assert period.portfolio_return == pytest.approx(0.068, abs=1e-15)
