"""Translate ccxt's exceptions into cockpit's one exception tree (:mod:`core.errors`).

The one decision that matters: what may be retried. Transport trouble (timeouts, resets, 5xx,
DDoS protection, exchange maintenance) becomes :class:`NetworkError`; the venue asking us to slow
down becomes :class:`RateLimitError` carrying ``Retry-After`` when the venue sent it; an order the
venue refused (bad price/size, insufficient funds, duplicate id) becomes :class:`OrderRejected`,
never retried. A body ccxt could not parse becomes an :class:`ExchangeError` saying so. Messages
are built from the venue's own error text, which never contains our keys, and are cut short.
"""

from __future__ import annotations

from typing import Any

from core.errors import ExchangeError, NetworkError, OrderRejected, RateLimitError

MAX_DETAIL = 240


class VenueRateLimited(RateLimitError):
    """A 429 (or the venue's equivalent) with the wait it asked for, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)


class DuplicateOrder(OrderRejected):
    """The venue already holds an order with this client order id."""


def _retry_after(exchange: Any) -> float | None:
    headers = getattr(exchange, "last_response_headers", None) or {}
    value = None
    for name, item in dict(headers).items():
        if str(name).lower() == "retry-after":
            value = item
    try:
        return None if value is None else max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def map_ccxt_error(
    exc: BaseException,
    venue: str,
    action: str,
    exchange: Any = None,
    *,
    placing: bool = False,
    status: int | None = None,
) -> Exception:
    """The cockpit error for a ccxt exception raised while doing ``action`` on ``venue``.

    ``placing``: the request placed an order, so any refusal by the venue that is not about
    transport, rate or authentication is a rejection of that order (ccxt does not know every
    venue error text, e.g. Kraken's ``EOrder:Post only order``).
    ``status`` is the HTTP status of the failed response: a 429 (or a venue's own "rate limit"
    text, which ccxt files under ``DDoSProtection``) is a :class:`RateLimitError`.
    Anything that is not a ccxt error is returned unchanged (a bug should surface as itself).
    """
    import ccxt  # lazy: importing ccxt costs over a second

    where = f"{venue}: {action}"
    detail = _detail(exc)
    throttled = isinstance(exc, ccxt.DDoSProtection) and (
        status == 429 or "rate limit" in detail.lower() or "too many requests" in detail.lower()
    )
    if isinstance(exc, ccxt.RateLimitExceeded) or throttled:
        wait = _retry_after(exchange)
        hint = f" (retry after {wait:g}s)" if wait is not None else ""
        return VenueRateLimited(f"{where}: rate limited{hint}: {detail}", wait)
    if isinstance(exc, ccxt.BadResponse):  # NullResponse too: a body we cannot read
        return ExchangeError(f"{where}: malformed response from the venue: {detail}")
    if isinstance(exc, ccxt.NetworkError):  # timeouts, DDoSProtection, ExchangeNotAvailable
        return NetworkError(f"{where}: {type(exc).__name__}: {detail}")
    if isinstance(exc, ccxt.InvalidOrder | ccxt.InsufficientFunds):
        if "uplicate" in detail:
            return DuplicateOrder(f"{where}: duplicate client order id: {detail}")
        return OrderRejected(f"{where}: rejected: {detail}")
    if isinstance(exc, ccxt.AuthenticationError | ccxt.PermissionDenied | ccxt.AccountSuspended):
        return ExchangeError(f"{where}: authentication refused: {detail}", title="Venue auth")
    if placing and isinstance(exc, ccxt.ExchangeError):
        return OrderRejected(f"{where}: rejected: {detail}")
    if isinstance(exc, ccxt.BaseError):
        return ExchangeError(f"{where}: {type(exc).__name__}: {detail}")
    if isinstance(
        exc, ValueError | KeyError | TypeError | AttributeError
    ):  # ccxt choking on a body
        return ExchangeError(f"{where}: malformed response from the venue: {detail}")
    return exc if isinstance(exc, Exception) else ExchangeError(f"{where}: {detail}")
