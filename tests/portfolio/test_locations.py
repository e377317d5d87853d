"""The location registry against the labels of the real CoinTracking exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.config import Settings, load_settings
from core.errors import ConfigError
from core.models import Custody, Location, SubAccount
from core.portfolio.locations import BUILTIN_LOCATIONS, MANUAL_ID, LocationRegistry

CT = "cointracking"
BY_EXCHANGE = "CoinTracking - Balance by Exchange - 26.08.2025.csv"
COINS_BY_EXCHANGE = "CoinTracking - Coins by Exchange - 26.08.2025.csv"


def _labels(path: Path, delimiter: str) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["Exchange"] for row in csv.DictReader(fh, delimiter=delimiter)}


def test_all_32_real_labels_are_mapped(shared_data: Path) -> None:
    labels = _labels(shared_data / CT / BY_EXCHANGE, ",")
    assert len(labels) == 32
    registry = LocationRegistry()
    unmapped = sorted(label for label in labels if registry.lookup(label) is None)
    assert unmapped == []
    ids = {registry.resolve(label).id for label in labels}
    assert len(ids) == 31  # "OKX Funding" and "Okex Funding" are one place


def test_both_exports_land_in_the_same_locations(shared_data: Path) -> None:
    registry = LocationRegistry()
    a = {registry.resolve(x).id for x in _labels(shared_data / CT / BY_EXCHANGE, ",")}
    b = {registry.resolve(x).id for x in _labels(shared_data / CT / COINS_BY_EXCHANGE, ";")}
    assert a == b
    assert "No Exchange" in _labels(shared_data / CT / COINS_BY_EXCHANGE, ";")


@pytest.mark.parametrize(
    ("label", "location_id", "sub", "custody", "tradable"),
    [
        ("Kraken", "kraken:spot", SubAccount.SPOT, Custody.EXCHANGE, True),
        ("Kraken Earn", "kraken:earn", SubAccount.EARN, Custody.EXCHANGE, False),
        ("Ledger Wallets Staked", "ledger:staked", SubAccount.STAKED, Custody.COLD, False),
        ("Okex Funding", "okx:funding", SubAccount.FUNDING, Custody.EXCHANGE, False),
        ("OKX  funding", "okx:funding", SubAccount.FUNDING, Custody.EXCHANGE, False),
        ("Manually", MANUAL_ID, SubAccount.WALLET, Custody.MANUAL, False),
        ("No\u00a0Exchange", MANUAL_ID, SubAccount.WALLET, Custody.MANUAL, False),
        ("Bitget Futures", "bitget:futures", SubAccount.FUTURES, Custody.EXCHANGE, False),
        (
            "Metamask - BSC - Std",
            "metamask:bsc-std",
            SubAccount.WALLET,
            Custody.SOFTWARE_WALLET,
            False,
        ),
        ("Hatom", "hatom:defi", SubAccount.EARN, Custody.DEFI, False),
    ],
)
def test_label_semantics(
    label: str, location_id: str, sub: SubAccount, custody: Custody, tradable: bool
) -> None:
    loc = LocationRegistry().resolve(label)
    assert (loc.id, loc.sub_account, loc.custody, loc.tradable) == (
        location_id,
        sub,
        custody,
        tradable,
    )


def test_unknown_label_becomes_an_unmapped_placeholder() -> None:
    loc = LocationRegistry().resolve("My  Trezor\u00a0Model T")
    assert loc.id == "unmapped:my-trezor-model-t"
    assert loc.label == "My Trezor Model T"
    assert not loc.tradable and loc.custody is Custody.MANUAL


def test_config_extends_and_overrides_the_table(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "portfolio:\n"
        "  locations:\n"
        "    - {id: 'trezor:cold', venue: trezor, sub_account: wallet, custody: cold,"
        " tradable: false}\n"
        "    - {id: 'bitget:spot', venue: bitget, tradable: true, label: Bitget Spot}\n"
        "  location_labels:\n"
        "    My Trezor: 'trezor:cold'\n"
        "    Kraken Earn: 'kraken:spot'\n",
        encoding="utf-8",
    )
    registry = load_settings(cfg, env={}).portfolio.location_registry()
    assert registry.resolve("my trezor").id == "trezor:cold"
    assert registry.resolve("Kraken Earn").id == "kraken:spot"  # the user's mapping wins
    assert registry.resolve("Bitget Spot").tradable  # the user's entry replaces the built-in
    assert len(registry.locations) == len(BUILTIN_LOCATIONS) + 1


def test_config_refuses_a_label_to_an_unknown_location(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("portfolio:\n  location_labels:\n    Foo: 'nowhere:1'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nowhere:1"):
        load_settings(cfg, env={})


def test_defaults_are_valid_and_venues_get_a_spot_location() -> None:
    registry = Settings().portfolio.location_registry()
    sim = registry.for_venue("sim-a")
    assert sim == Location(id="sim-a:spot", venue="sim-a", label="sim-a")
    assert registry.for_venue("kraken").id == "kraken:spot"
