"""Configuration: frozen pydantic models loaded from YAML with ``COCKPIT_…`` overrides.

Where the configuration comes from, first match wins:

1. an explicit path (``--config PATH``);
2. ``$COCKPIT_CONFIG``;
3. ``$XDG_CONFIG_HOME/cockpit/config.yaml`` (``~/.config/cockpit/config.yaml``);
4. the built-in defaults, which are exactly what the project's ``config.yaml`` documents.

Environment variables override single fields: ``COCKPIT_UI__THEME=light`` sets ``ui.theme``;
``__`` separates nesting levels and the value is read as a YAML scalar. Every problem is
reported at once with its field path; unknown keys are problems, never silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from platformdirs import user_config_path, user_data_path
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from core.config_base import GROUPS as GROUPS  # the groups are configuration vocabulary
from core.config_base import Section
from core.config_yaml import parse_env_value, read_config_file
from core.daemon.settings import AlertsConfig, DaemonConfig, JournalConfig
from core.errors import ConfigError, ConfigProblem
from core.execution.settings import ExecutionConfig
from core.models import Location, TradingMode
from core.plan.spec import (
    BandSpec,
    IndicativeSettings,
    StrategyPreset,
    asset_split_problems,
    band_problems,
    default_presets,
    group_weight_problems,
    preset_problems,
)
from core.risk.settings import RiskConfig

if TYPE_CHECKING:
    from core.portfolio.locations import LocationRegistry

ENV_PREFIX = "COCKPIT_"


class VenueConfig(Section):
    """One venue the cockpit connects to."""

    name: str = Field(description="Id used everywhere else (locations, markets), e.g. 'sim-a'.")
    kind: Literal["sim", "kraken", "binance"] = Field(description="Which implementation.")
    enabled: bool = Field(default=True, description="Disabled venues are not started.")
    symbols: tuple[str, ...] = Field(
        default=(), description="Markets to stream (unified BASE/QUOTE); empty means all."
    )
    api_key_env: str | None = Field(
        default=None, description="Environment variable holding the API key (live only)."
    )
    api_secret_env: str | None = Field(
        default=None, description="Environment variable holding the API secret (live only)."
    )
    secret_file: Path | None = Field(
        default=None, description="File with 'key' and 'secret' lines; must be mode 0600."
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="Refused: keys belong in api_key_env/api_secret_env or a 0600 secret_file.",
    )
    ws_url: str | None = Field(
        default=None, description="Override the venue's WebSocket URL (tests, proxies)."
    )
    rest_url: str | None = Field(
        default=None, description="Override the venue's REST base URL, scheme and host only."
    )
    book_depth: Literal[10, 25, 100, 500, 1000] = Field(
        default=10, description="Kraken book depth to subscribe (checksummed on every update)."
    )
    request_timeout_s: float = Field(default=10.0, gt=0, description="REST request timeout.")
    poll_s: float = Field(
        default=5.0, gt=0, description="How often open orders and balances are re-read by REST."
    )

    @field_validator("api_key")
    @classmethod
    def _no_inline_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raise ValueError(CREDENTIALS_REFUSED)
        return value


CREDENTIALS_REFUSED = (
    "credentials in the config file are refused; name environment variables with "
    "api_key_env/api_secret_env or use a 0600 secret_file"
)
_CREDENTIAL_WORDS = ("key", "secret", "password", "passphrase", "token", "private")


class SimConfig(Section):
    """The built-in simulated market."""

    seed: int = Field(default=7, description="Same seed, same market: for demos and tests.")
    assets: int = Field(default=26, ge=20, le=200, description="Assets in the synthetic market.")
    tick_hz: float = Field(default=10.0, gt=0, le=200, description="Book updates per second.")
    history_days: int = Field(
        default=400, ge=30, le=3000, description="Daily closes generated before 'now'."
    )
    volatility_scale: float = Field(default=1.0, gt=0, le=10, description="Scales all vols.")
    jump_rate_per_day: float = Field(default=0.1, ge=0, description="Mean jumps per asset-day.")
    book_levels: int = Field(default=30, ge=5, le=500, description="Levels per book side.")
    time_scale: float = Field(
        default=60.0,
        gt=0,
        description="Simulated seconds per real second: markets move visibly in a demo.",
    )


class ManualPosition(Section):
    """A position the cockpit cannot see from any venue (cold storage, DeFi...)."""

    asset: str
    qty: Decimal
    location: str = Field(default="manual", description="Location id from the registry.")


class TaxonomyConfig(Section):
    """User corrections to the packaged taxonomy (``core/portfolio/taxonomy_aliases.json``)."""

    overrides: dict[str, str] = Field(
        default_factory=dict,
        description="Symbol -> group; wins over the packaged table and over heuristics.",
    )

    @model_validator(mode="after")
    def _check_overrides(self) -> TaxonomyConfig:
        bad = {sym: g for sym, g in self.overrides.items() if g not in GROUPS}
        if bad:
            raise ValueError(f"unknown group(s) {bad}; groups are {list(GROUPS)}")
        return self


class DerivativeRate(Section):
    """A configured conversion for a wrapped or liquid-staking token with no market of its own.

    The token is priced as ``rate`` x the price of ``base`` (e.g. wstETH = 1.21 ETH), never 1:1
    by assumption.
    """

    base: str = Field(description="The underlying asset, e.g. 'ETH'.")
    rate: Decimal = Field(gt=0, description="Units of base one token is worth.")

    @field_validator("base", mode="after")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


class PortfolioConfig(Section):
    dust_usd: Decimal = Field(
        default=Decimal("1"), ge=0, description="Holdings worth less are hidden by default."
    )
    manual: tuple[ManualPosition, ...] = Field(default=(), description="Manual positions.")
    imports: tuple[Path, ...] = Field(
        default=(),
        description="CoinTracking exports the cockpit shows as imported holdings (read at "
        "start, one snapshot; empty: the database's latest `cockpit import`).",
    )
    imports_allow_negative: bool = Field(
        default=False,
        description="Keep negative amounts in `imports` files outside short/borrow/loan "
        "accounts (CoinTracking's negative dust), as `--allow-negative` does.",
    )
    stale_after_s: float = Field(
        default=30.0, gt=0, description="A live price older than this is flagged stale."
    )
    cache_stale_after_s: float = Field(
        default=3600.0,
        gt=0,
        description="A cached or imported price older than this is flagged stale.",
    )
    snapshot_interval_s: float = Field(
        default=60.0, gt=0, description="How often portfolio snapshots are stored."
    )
    locations: tuple[Location, ...] = Field(
        default=(),
        description="Extra location registry entries (or replacements of built-ins, by id).",
    )
    location_labels: dict[str, str] = Field(
        default_factory=dict,
        description="Raw import label -> location id, on top of the built-in table; "
        "case and spacing are ignored.",
    )
    taxonomy: TaxonomyConfig = Field(default_factory=TaxonomyConfig)
    prices: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Fixed USD prices for assets no market prices (shown as 'config').",
    )
    rates: dict[str, DerivativeRate] = Field(
        default_factory=dict,
        description="Symbol -> {base, rate} for wrapped/staked tokens without a market.",
    )

    @field_validator("prices", "rates", mode="after")
    @classmethod
    def _upper_symbols(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {key.strip().upper(): item for key, item in value.items()}

    @model_validator(mode="after")
    def _check_locations(self) -> PortfolioConfig:
        from core.portfolio.locations import LocationRegistry

        LocationRegistry(self.locations, self.location_labels)
        return self

    def location_registry(self) -> LocationRegistry:
        """The built-in location registry extended with this configuration."""
        from core.portfolio.locations import LocationRegistry

        return LocationRegistry(self.locations, self.location_labels)


def _default_targets() -> dict[str, Decimal]:
    return {
        "BTC": Decimal(35),
        "ETH": Decimal(20),
        "Stablecoins": Decimal(10),
        "SOL": Decimal(8),
        "L1/L0 majors": Decimal(9),
        "L2/Scaling": Decimal(4),
        "DeFi": Decimal(5),
        "AI/Data": Decimal(4),
        "Gaming/NFT": Decimal(2),
        "Memecoins": Decimal(2),
        "Others": Decimal(1),
    }


class TargetsConfig(Section):
    """Target weights per group (and optionally per asset), bands, and what the planner may touch.

    Every group must be listed (write 0 for none) and the groups must sum to 100 %: empty,
    misspelt or incomplete targets are refused, never read as "sell everything".
    """

    groups: dict[str, Decimal] = Field(
        default_factory=_default_targets,
        description="Group -> target %, every group listed, summing to 100.",
    )
    assets: dict[str, dict[str, Decimal]] = Field(
        default_factory=dict,
        description="Group -> asset -> % of the group (sums to 100). Groups not listed keep "
        "their current mix, scaled to the group's target.",
    )
    band_pct: Decimal = Field(
        default=Decimal(2), ge=0, description="Default band per group (see band_mode)."
    )
    band_mode: Literal["absolute", "relative"] = Field(
        default="absolute",
        description="'absolute': band_pct is percentage points; 'relative': % of the target.",
    )
    bands: dict[str, BandSpec] = Field(
        default_factory=dict, description="Group -> band, overriding band_pct/band_mode."
    )
    min_trade_usd: Decimal = Field(default=Decimal(20), ge=0, description="Smallest order.")
    venue_preference: tuple[str, ...] = Field(
        default=(), description="Venues to trade on first, in order; others follow by name."
    )
    do_not_sell: tuple[str, ...] = Field(
        default=(), description="Assets never sold (e.g. long-term cold storage)."
    )
    read_only_venues: tuple[str, ...] = Field(
        default=(), description="Venues whose balances count but are never traded."
    )
    cash_assets: tuple[str, ...] = Field(
        default=("USDT", "USD", "USDC"),
        description="Quote currencies that pay for buys, in order of preference.",
    )
    route_via: tuple[str, ...] = Field(
        default=("BTC", "ETH"),
        description="Bridge assets for two-leg routes when no direct cash market exists.",
    )
    expiry_min: float = Field(default=30.0, gt=0, description="Minutes before a plan expires.")
    stale_move_pct: Decimal = Field(
        default=Decimal(1), gt=0, description="A plan whose prices moved more is stale."
    )
    indicative: IndicativeSettings = Field(
        default_factory=IndicativeSettings,
        description="Pricing at venues without a live book (indicative orders, never sent).",
    )
    strategy: str = Field(default="fixed", description="Preset used when none is named.")
    presets: dict[str, StrategyPreset] = Field(
        default_factory=default_presets, description="Named strategies (see docs)."
    )

    @model_validator(mode="after")
    def _check_groups(self) -> TargetsConfig:
        problems = group_weight_problems(self.groups, GROUPS)
        problems += asset_split_problems(self.assets, GROUPS)
        problems += band_problems(self.bands, GROUPS)
        problems += preset_problems(self.presets, GROUPS)
        if self.strategy not in self.presets:
            problems.append(
                f"strategy {self.strategy!r} is not a preset ({', '.join(self.presets)})"
            )
        if not self.cash_assets:
            problems.append("cash_assets is empty: buys need a quote currency")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def band_for(self, group: str) -> BandSpec:
        """The band that applies to ``group``."""
        return self.bands.get(group) or BandSpec(kind=self.band_mode, value=self.band_pct)


class UIConfig(Section):
    theme: Literal["dark", "light", "colorblind"] = Field(default="dark", description="Palette.")
    fps: float = Field(default=15.0, gt=0, le=60, description="Maximum redraws per second.")
    book_depth: int = Field(default=15, ge=3, le=100, description="Levels shown per side.")
    default_market: str | None = Field(
        default=None, description="'venue:BASE/QUOTE' shown in the book pane at start."
    )
    privacy: bool = Field(default=False, description="Mask amounts and values everywhere.")
    print_log_usd: Decimal = Field(
        default=Decimal(2_000), ge=0, description="Public prints this large show in the log."
    )
    log_lines: int = Field(default=500, ge=10, le=100_000, description="Events kept in the log.")
    keys: dict[str, str] = Field(
        default_factory=dict,
        description="Key remaps: binding id to keys, comma-separated ('app.kill_switch: ctrl+q');"
        " '?' lists every id with its key; unknown ids and clashes stop the start.",
    )


class StoreConfig(Section):
    path: Path | None = Field(
        default=None, description="SQLite file; default: the XDG data dir's cockpit.db."
    )
    flush_ms: int = Field(default=100, ge=1, le=10_000, description="Max wait before a commit.")
    batch_rows: int = Field(default=5_000, ge=1, description="Rows that force a commit.")
    balance_interval_s: float = Field(
        default=30.0, gt=0, description="Seconds between stored balance snapshots."
    )
    trade_retention_days: float = Field(
        default=7.0,
        gt=0,
        description="Market prints older than this are deleted (at start, then hourly); "
        "orders, fills, events and balances are kept.",
    )
    sim_print_interval_s: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="A simulated venue's prints are stored at most one per market per this "
        "many seconds (0: every print); a real venue's are all stored.",
    )


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    file: Path | None = Field(
        default=None, description="Log file; default: cockpit.log in the data dir. Never stdout."
    )


def _default_venues() -> tuple[VenueConfig, ...]:
    return (VenueConfig(name="sim-a", kind="sim"), VenueConfig(name="sim-b", kind="sim"))


class Settings(Section):
    """The whole configuration, frozen once loaded."""

    mode: TradingMode = Field(
        default=TradingMode.PAPER, description="'paper' (default) or 'live' (real money)."
    )
    venues: tuple[VenueConfig, ...] = Field(
        default_factory=_default_venues,
        description="Venues to connect to: 'sim' (built-in simulator), 'kraken', 'binance'.",
    )
    sim: SimConfig = Field(default_factory=SimConfig)
    portfolio: PortfolioConfig = Field(default_factory=PortfolioConfig)
    targets: TargetsConfig = Field(default_factory=TargetsConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    ui: UIConfig = Field(default_factory=UIConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    journal: JournalConfig = Field(default_factory=JournalConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)

    @model_validator(mode="after")
    def _check_venues(self) -> Settings:
        names = [v.name for v in self.venues]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate venue name(s): {dupes}")
        return self

    def db_path(self) -> Path:
        return self.store.path or data_dir() / "cockpit.db"

    def log_path(self) -> Path:
        return self.logging.file or data_dir() / "cockpit.log"

    def socket_path(self) -> Path:
        """The daemon's control socket (next to the database unless configured)."""
        return self.daemon.socket or self.db_path().parent / "cockpit.sock"


def data_dir() -> Path:
    """Where cockpit keeps its database and logs (XDG data dir)."""
    return user_data_path("cockpit", appauthor=False)


def default_config_path() -> Path:
    return user_config_path("cockpit", appauthor=False) / "config.yaml"


def resolve_config_path(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    """Which file to load, or ``None`` for the built-in defaults."""
    if explicit is not None:
        return explicit
    if env.get("COCKPIT_CONFIG"):
        return Path(env["COCKPIT_CONFIG"])
    candidate = default_config_path()
    return candidate if candidate.exists() else None


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> list[ConfigProblem]:
    """Overlay ``COCKPIT_A__B=value`` variables (values read as strict YAML); their problems."""
    problems: list[ConfigProblem] = []
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name == "COCKPIT_CONFIG":
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        if not path:
            continue
        value, found = parse_env_value(name, raw)
        if found:
            problems += found
            continue
        node = data
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child
        node[path[-1]] = value
    return problems


def _problems(exc: ValidationError) -> list[ConfigProblem]:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
            name = str(err["loc"][-1]).casefold()
            if err["loc"][0] == "venues" and any(w in name for w in _CREDENTIAL_WORDS):
                msg = CREDENTIALS_REFUSED
        problems.append(ConfigProblem(loc, msg.removeprefix("Value error, ")))
    return problems


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    search: bool = True,
) -> Settings:
    """Load, overlay the environment and validate. Raises :class:`ConfigError` with every problem.

    ``search=False`` skips the default locations: only ``path`` (or nothing) is read.
    """
    env = os.environ if env is None else env
    resolved = resolve_config_path(path, env) if search else path
    data, problems = read_config_file(resolved) if resolved is not None else ({}, [])
    problems += _apply_env(data, env)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems += _problems(exc)
    if problems:
        raise ConfigError(str(resolved or "defaults"), problems)
    return settings
