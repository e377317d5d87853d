"""The taxonomy against the issue's examples, the real seed aliases and the real exports."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cockpit.cli import main
from core.config import GROUPS
from core.errors import DataError
from core.portfolio.taxonomy import (
    ClassificationSource,
    Taxonomy,
    default_taxonomy,
    load_taxonomy,
    packaged_data,
)

SEED_JUNK = {
    "TEST_COIN_1",
    "TEST_COIN_2",
    "TEST_COIN_3",
    "TEST_NEW_COIN",
    "TEST_ALIAS_MANAGER",
    "UNKNOWN_ASSET",
    "MYSTERY_TOKEN",
    "AITOKEN",
    "GAMEFI",
    "NFTCOIN",
    "ARBETH",
}

ISSUE_EXAMPLE = {
    "BTC": "BTC",
    "WBTC": "BTC",
    "STETH": "ETH",
    "USDC": "Stablecoins",
    "SOL2": "SOL",
    "ARB": "L2/Scaling",
    "UNI": "DeFi",
    "FET": "AI/Data",
    "AXS": "Gaming/NFT",
    "DOGE": "Memecoins",
    "LUNA2": "L1/L0 majors",
    "XYZNEW": "Others",
}


def _seed(shared_data: Path) -> dict[str, str]:
    path = shared_data / "seed-origin" / "taxonomy_aliases.2025-11-11.json"
    data: dict[str, str] = json.loads(path.read_text("utf-8"))
    return data


def test_issue_example_gives_the_expected_groups() -> None:
    tax = default_taxonomy()
    for symbol, group in ISSUE_EXAMPLE.items():
        result = tax.classify(symbol)
        assert result.group == group, (symbol, result)
        assert result.version == tax.version
    unknown = tax.classify("XYZNEW")
    assert unknown.is_guess and unknown.confidence < 0.5
    assert all(not tax.classify(s).is_guess for s in ISSUE_EXAMPLE if s != "XYZNEW")


def test_cli_classify_json_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", *ISSUE_EXAMPLE, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    got = {r["symbol"]: r["group"] for r in payload["results"]}
    assert got == ISSUE_EXAMPLE
    assert {r["version"] for r in payload["results"]} == {payload["version"]}


def test_cli_classify_table_marks_guesses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "sol2", "XYZNEW"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["SOL2", "SOL"]
    assert lines[1].split()[:3] == ["XYZNEW", "Others", "?"]


def test_every_seed_entry_keeps_its_group_unless_reviewed(shared_data: Path) -> None:
    """Nothing from the seed is lost silently: each entry classifies as the seed said, or as
    the documented review in the alias file says, and the junk is gone."""
    tax = default_taxonomy()
    review: dict[str, Any] = packaged_data()["review"]
    seed = _seed(shared_data)
    assert set(seed) >= SEED_JUNK
    checked = 0
    for symbol, group in seed.items():
        if symbol in SEED_JUNK:
            continue
        expected = review.get(tax.market_symbol(symbol), {}).get("group", group)
        result = tax.classify(symbol)
        assert result.group == expected, (symbol, result.reason)
        assert result.confidence == 1.0
        checked += 1
    assert checked == len(seed) - len(SEED_JUNK) == 210
    for junk in SEED_JUNK:
        assert tax.classify(junk).source in (
            ClassificationSource.HEURISTIC,
            ClassificationSource.UNKNOWN,
        )
    # every alias comes from the seed, or is a documented addition
    from_seed = {tax.market_symbol(s) for s in seed if s not in SEED_JUNK}
    additions = set(packaged_data()["additions"])
    assert set(tax.aliases) == (from_seed - set(tax.derivatives)) | additions
    assert not additions & from_seed
    # every reviewed change really differs from the seed (otherwise it is not a change)
    for symbol, change in review.items():
        seed_group = next((g for s, g in seed.items() if tax.market_symbol(s) == symbol), None)
        assert seed_group is not None and seed_group != change["group"], symbol


def test_alias_file_is_well_formed() -> None:
    data = packaged_data()
    assert tuple(data["groups"]) == GROUPS
    assert set(data["aliases"].values()) <= set(GROUPS)
    tax = default_taxonomy()
    # keys are market symbols: nothing in the alias table is a CoinTracking spelling
    assert not set(tax.aliases) & set(tax.ct_suffixes)
    assert not set(tax.aliases) & set(tax.ct_renames)
    for symbol, der in tax.derivatives.items():
        assert tax.classify(symbol).group == tax.aliases[der.base]


@pytest.mark.parametrize(
    ("symbol", "group", "base"),
    [
        ("WBTC", "BTC", "BTC"),
        ("TBTC", "BTC", "BTC"),
        ("STETH", "ETH", "ETH"),
        ("WSTETH", "ETH", "ETH"),
        ("RETH", "ETH", "ETH"),
        ("JITOSOL", "SOL", "SOL"),
        ("JUPSOL", "SOL", "SOL"),
        ("CBXRP", "L1/L0 majors", "XRP"),
    ],
)
def test_derivatives_take_their_base_group(symbol: str, group: str, base: str) -> None:
    result = default_taxonomy().classify(symbol)
    assert (result.group, result.base, result.source) == (
        group,
        base,
        ClassificationSource.DERIVATIVE,
    )
    assert result.derivative is not None


def test_cointracking_suffixes_are_explicit_with_exceptions() -> None:
    tax = default_taxonomy()
    assert tax.market_symbol("LUNA2") == "LUNC"  # Terra Classic
    assert tax.market_symbol("LUNA3") == "LUNA"  # Terra v2
    assert tax.market_symbol("SOL2") == "SOL"
    assert tax.market_symbol("TAO6") == "TAO"
    assert tax.market_symbol("POL3") == "POL"
    # digits that belong to the ticker are never stripped
    for ticker in ("C98", "EMC2", "WEB3", "PEPE12", "1INCH"):
        assert tax.market_symbol(ticker) == ticker
    # CoinTracking's own LUNA is "Luna Coin", not Terra: it must not merge with LUNA3
    assert tax.cointracking_symbol("LUNA") == "CT:LUNA"
    assert tax.cointracking_symbol("LUNA3") == "LUNA"
    assert tax.cointracking_symbol("TON") == "CT:TON"
    assert tax.cointracking_symbol("TONCOIN") == "TON"


def test_every_suffixed_ticker_worth_a_dollar_is_in_the_tables(shared_data: Path) -> None:
    """Each real CoinTracking ticker ending in digits and worth >= $1 is explicitly decided,
    and the suffix table's name for it matches the export's coin name family."""
    tax = default_taxonomy()
    path = shared_data / "cointracking" / "CoinTracking - Current Balance.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    suffixed = [r for r in rows if re.search(r"\d$", r["Ticker"])]
    worth = [r for r in suffixed if abs(float(r["Value in USD"])) >= 1]
    assert len(worth) >= 35
    for row in worth:
        ticker = row["Ticker"]
        assert ticker in tax.ct_suffixes or ticker in tax.ct_not_suffixes, ticker
        assert not tax.classify(ticker).is_guess, ticker
    # the shadowed plain tickers really are different coins in the export
    names = {r["Ticker"]: " ".join(r["Name"].split()) for r in rows}
    for ticker, name in tax.ct_shadowed.items():
        assert names[ticker] == name


def test_overrides_win_and_change_the_version() -> None:
    plain = default_taxonomy()
    tax = load_taxonomy({"xyznew": "AI/Data", "ETH": "Others"})
    assert tax.version != plain.version and tax.version.startswith(plain.version + "+local.")
    result = tax.classify("XYZNEW")
    assert (result.group, result.source, result.confidence) == (
        "AI/Data",
        ClassificationSource.OVERRIDE,
        1.0,
    )
    assert tax.classify("ETH").group == "Others"
    assert tax.classify("STETH").group == "Others"  # a derivative follows its base
    assert load_taxonomy({"ETH": "Others"}).version == load_taxonomy({"eth": "Others"}).version
    with pytest.raises(DataError):
        load_taxonomy({"BTC": "Gold"})


@pytest.mark.parametrize(
    ("symbol", "name", "group"),
    [
        ("FLOW14", None, "Gaming/NFT"),
        ("CAKE-LP", None, "Others"),
        ("CBSOL", None, "SOL"),
        ("USDX", None, "Stablecoins"),
        ("ZZQ", "Doland Inu", "Memecoins"),
        ("ZZQ", "DeepSeek AI Agent", "AI/Data"),
        ("ZZQ", "Wall Street Games old", "Gaming/NFT"),
        ("BABYDOGE", None, "Memecoins"),
    ],
)
def test_heuristics_guess_with_reason(symbol: str, name: str | None, group: str) -> None:
    result = default_taxonomy().classify(symbol, name)
    assert result.group == group
    assert result.source is ClassificationSource.HEURISTIC
    assert 0 < result.confidence < 1 and result.reason


def test_bad_alias_data_is_refused() -> None:
    data = dict(packaged_data())
    with pytest.raises(DataError, match="groups"):
        Taxonomy({**data, "groups": list(GROUPS[:6])})
    with pytest.raises(DataError, match="bad value"):
        Taxonomy({**data, "aliases": {"BTC": "Bitcoin"}})
