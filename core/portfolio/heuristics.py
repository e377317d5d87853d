"""Guesses for symbols the taxonomy does not know, always with a confidence and a reason.

A guess is never silently promoted to fact: :class:`~core.portfolio.taxonomy.Classification`
marks it as ``heuristic`` (or ``unknown`` for the ``Others`` fallback) and the UI shows it as
such. Confidences are deliberately modest: a guess from a symbol pattern is 0.5-0.6, from a
single keyword 0.3-0.4, and the fallback 0.1. Users fix a wrong guess with an override in
config, not by editing code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.portfolio.taxonomy import Taxonomy

FALLBACK_GROUP = "Others"

_DERIVATIVE_PREFIXES = ("WST", "SFRX", "ST", "CB", "WE", "EZ", "OS", "BN", "W", "R", "M", "B", "J")
"""Prefixes that wrapped and liquid-staking tokens put before their base (WBTC, STETH, MSOL)."""
_DERIVATIVE_BASES = ("BTC", "ETH", "SOL")
_SUFFIX_RE = re.compile(r"([A-Z]{2,})([0-9]{1,2})")
_LP_RE = re.compile(r"(^LP-|-LP$|^UNI-V2|^SLP$|-LP-)")


@dataclass(frozen=True, slots=True)
class Guess:
    """A heuristic group: ``matched`` is False for the plain fallback."""

    group: str
    confidence: float
    reason: str
    matched: bool = True


# (group, confidence, words): whole words in the coin's name, or substrings of the symbol.
_NAME_WORDS: tuple[tuple[str, float, frozenset[str]], ...] = (
    (
        "Memecoins",
        0.4,
        frozenset(
            {
                "inu",
                "doge",
                "pepe",
                "shib",
                "shiba",
                "elon",
                "floki",
                "meme",
                "wojak",
                "bonk",
                "frog",
                "cat",
                "dog",
                "moon",
                "trump",
                "tremp",
            }
        ),
    ),
    (
        "AI/Data",
        0.4,
        frozenset(
            {
                "ai",
                "gpt",
                "agent",
                "agents",
                "neural",
                "oracle",
                "compute",
                "data",
                "intelligence",
                "llm",
            }
        ),
    ),
    (
        "Gaming/NFT",
        0.4,
        frozenset(
            {
                "game",
                "games",
                "gaming",
                "play",
                "metaverse",
                "nft",
                "nfts",
                "verse",
                "quest",
                "guild",
                "arena",
                "legends",
            }
        ),
    ),
    (
        "L2/Scaling",
        0.35,
        frozenset({"rollup", "zk", "zkevm", "layer2", "l2", "scaling"}),
    ),
    (
        "DeFi",
        0.35,
        frozenset(
            {
                "swap",
                "dex",
                "finance",
                "lend",
                "lending",
                "yield",
                "vault",
                "exchange",
                "amm",
                "perp",
                "perpetual",
                "staking",
                "liquidity",
            }
        ),
    ),
    ("Stablecoins", 0.5, frozenset({"usd", "dollar", "stablecoin", "stable"})),
)
_SYMBOL_PARTS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Memecoins", 0.4, ("DOGE", "INU", "PEPE", "SHIB", "ELON", "FLOKI", "MEME", "BONK")),
    ("AI/Data", 0.3, ("GPT",)),
)


def guess_group(symbol: str, name: str | None, taxonomy: Taxonomy) -> Guess:
    """Guess the group of an unknown market ``symbol`` (with the coin's ``name`` if known)."""
    for rule in (_lp_token, _suffix_hint, _derivative_pattern, _stablecoin_symbol):
        guess = rule(symbol, taxonomy)
        if guess is not None:
            return guess
    if name:
        words = set(re.findall(r"[a-z0-9]+", name.replace("\u00a0", " ").lower()))
        for group, confidence, vocabulary in _NAME_WORDS:
            hit = sorted(words & vocabulary)
            if hit:
                return Guess(group, confidence, f"name {name!r} contains {hit[0]!r}")
    for group, confidence, parts in _SYMBOL_PARTS:
        for part in parts:
            if part in symbol:
                return Guess(group, confidence, f"symbol contains {part!r}")
    return Guess(FALLBACK_GROUP, 0.1, "unknown symbol: no rule matched", matched=False)


def _lp_token(symbol: str, taxonomy: Taxonomy) -> Guess | None:
    if _LP_RE.search(symbol):
        return Guess(FALLBACK_GROUP, 0.6, "looks like a liquidity-pool token")
    return None


def _suffix_hint(symbol: str, taxonomy: Taxonomy) -> Guess | None:
    """``FLOW14`` resembles a CoinTracking suffix of FLOW: a hint for the group only.

    The symbol itself is not rewritten: only the explicit suffix table may do that, because
    digits are also part of real tickers (C98, EMC2, WEB3).
    """
    if symbol in taxonomy.ct_not_suffixes:
        return None
    match = _SUFFIX_RE.fullmatch(symbol)
    if match is None:
        return None
    stem = match.group(1)
    group = _known_group(stem, taxonomy)
    if group is None:
        return None
    return Guess(group, 0.5, f"looks like a CoinTracking suffix of {stem} (not in the table)")


def _derivative_pattern(symbol: str, taxonomy: Taxonomy) -> Guess | None:
    for base in _DERIVATIVE_BASES:
        for prefix in _DERIVATIVE_PREFIXES:
            if symbol == prefix + base:
                group = _known_group(base, taxonomy) or base
                reason = f"looks like wrapped or staked {base} (prefix {prefix})"
                return Guess(group, 0.6, reason)
    return None


def _stablecoin_symbol(symbol: str, taxonomy: Taxonomy) -> Guess | None:
    if "USD" in symbol or symbol.startswith("EUR"):
        return Guess("Stablecoins", 0.5, "symbol looks like a fiat-pegged token")
    return None


def _known_group(symbol: str, taxonomy: Taxonomy) -> str | None:
    if symbol in taxonomy.overrides:
        return taxonomy.overrides[symbol]
    if symbol in taxonomy.aliases:
        return taxonomy.aliases[symbol]
    der = taxonomy.derivatives.get(symbol)
    return taxonomy.aliases.get(der.base) if der else None
