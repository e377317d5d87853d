"""Build a :class:`~core.venues.live.LiveVenue` from a venue's configuration.

Imports neither ccxt nor anything slow: the REST adapter imports ccxt on first use.
"""

from __future__ import annotations

from core.config import VenueConfig
from core.errors import ConfigError, ConfigProblem
from core.feeds.stream import FeedClient
from core.venues.live import LiveVenue
from core.venues.rest import CcxtRest
from core.venues.secrets import load_credentials

DEFAULT_SYMBOLS = {"kraken": ("BTC/USD", "ETH/USD"), "binance": ("BTC/USDT", "ETH/USDT")}
"""What a live venue streams when its config lists no symbols (all would be hundreds)."""


def build_live_venue(config: VenueConfig) -> LiveVenue:
    """The live venue for ``config`` (kind ``kraken`` or ``binance``); bad key setup is a
    :class:`ConfigError` naming the venue, the variable or the file."""
    if config.api_key is not None:
        raise ConfigError(
            "config",
            [
                ConfigProblem(
                    f"venues.{config.name}.api_key",
                    "keys in the config file are refused; use api_key_env/api_secret_env "
                    "or a 0600 secret_file",
                )
            ],
        )
    credentials = load_credentials(
        config.name,
        key_env=config.api_key_env,
        secret_env=config.api_secret_env,
        secret_file=config.secret_file,
    )
    feed: FeedClient
    if config.kind == "kraken":
        from core.feeds.kraken_client import PUBLIC_URL, KrakenFeed

        feed = KrakenFeed(config.ws_url or PUBLIC_URL, depth=config.book_depth)
    elif config.kind == "binance":
        from core.feeds.binance_client import REST_URL, STREAM_URL, BinanceFeed

        feed = BinanceFeed(config.ws_url or STREAM_URL, config.rest_url or REST_URL)
    else:
        raise ValueError(f"{config.name}: {config.kind!r} is not a live venue kind")
    rest = CcxtRest(
        config.name,
        config.kind,
        rest_url=config.rest_url,
        credentials=credentials,
        timeout_s=config.request_timeout_s,
    )
    symbols = config.symbols or DEFAULT_SYMBOLS[config.kind]
    return LiveVenue(config.name, feed, rest, symbols=symbols, poll_s=config.poll_s)
