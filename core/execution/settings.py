"""Configuration sections of execution: the pre-trade gate, breakers, retries, paper trading.

They live here, not in :mod:`core.config`, so the settings root only lists them; every field is
documented because ``config.yaml`` is generated from these descriptions.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from core.config_base import Section


class GateConfig(Section):
    """Pre-trade gate limits: every order, from any path, is checked against these."""

    book_stale_s: float = Field(
        default=60.0,
        gt=0,
        description="Refuse orders on a book not updated for this long (on top of the feed's "
        "own staleness and integrity flags, which refuse at once).",
    )
    price_band_pct: Decimal = Field(
        default=Decimal(5), gt=0, description="Refuse prices further than this % from mid."
    )
    max_order_usd: Decimal = Field(
        default=Decimal(50_000), gt=0, description="Largest single order, in USD."
    )
    max_portfolio_pct: Decimal = Field(
        default=Decimal(25), gt=0, le=100, description="Largest order as % of the portfolio."
    )
    daily_turnover_usd: Decimal = Field(
        default=Decimal(250_000), gt=0, description="Most USD traded per UTC day."
    )


class BreakerConfig(Section):
    """Circuit breakers: each trips the kill switch to 'pause'; re-arming is manual."""

    daily_loss_pct: float | None = Field(
        default=5.0, gt=0, description="Trip when the portfolio falls this % from today's peak."
    )
    error_burst: int = Field(default=5, ge=1, description="Trip after this many venue errors...")
    error_window_s: float = Field(default=60.0, gt=0, description="...within this many seconds.")
    stale_data_s: float = Field(
        default=30.0, gt=0, description="Trip when a trading venue's feed is silent this long."
    )
    flatten_to: str = Field(
        default="USDT", description="Stablecoin the kill switch's last level sells into."
    )


class RetryConfig(Section):
    """How venue calls are retried and paced (only network errors, 5xx and 429 retry)."""

    attempts: int = Field(default=4, ge=1, le=20, description="Tries per call, first included.")
    base_s: float = Field(default=0.25, gt=0, description="First backoff ceiling (doubles).")
    cap_s: float = Field(default=5.0, gt=0, description="Largest backoff between tries.")
    rate_limit_floor_s: float = Field(default=1.0, ge=0, description="Least wait after a 429.")
    submit_timeout_s: float = Field(
        default=10.0, gt=0, description="A submit without reply after this is 'unknown'."
    )
    rate_per_s: float = Field(default=5.0, gt=0, description="Venue calls per second, per venue.")


class PaperConfig(Section):
    """The paper venue (the default): fills against live books, no real orders."""

    latency_ms: float = Field(default=60.0, ge=0, description="Base delay of each request.")
    jitter_ms: float = Field(default=40.0, ge=0, description="Uniform extra delay, up to this.")
    rate_per_s: float = Field(
        default=50.0, gt=0, description="Paper calls per second (no exchange limit to respect)."
    )


class ExecutionConfig(Section):
    """Order execution: gate, breakers, retries, paper venue, plan execution."""

    gate: GateConfig = Field(default_factory=GateConfig)
    breakers: BreakerConfig = Field(default_factory=BreakerConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    paper: PaperConfig = Field(default_factory=PaperConfig)
    plan_concurrency: int = Field(
        default=2, ge=1, le=16, description="Plan orders in flight at once."
    )
    reconcile_s: float = Field(
        default=5.0, gt=0, description="Seconds between REST reconciliations of orders/balances."
    )
    twap_slice_usd: Decimal = Field(
        default=Decimal(10_000), gt=0, description="Plan orders larger than this are sliced."
    )
    twap_interval_s: float = Field(
        default=20.0, ge=0, description="Seconds between the TWAP slices of one order."
    )
