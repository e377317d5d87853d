"""Trading waits on a sound audit trail: the start-up check and the operator's acknowledgement.

A core that starts on a broken trail (truncated, rows deleted or forged, anchor gone) keeps
trading disabled under the ``audit_trail`` key and raises an alert naming the break, so the
operator sees why in the log and in every refused order. Only an operator's acknowledgement
(``cockpit audit acknowledge`` with no core running, or the ``acknowledge_audit`` command,
which the TUI's re-arm key sends after a confirmation) releases it; the acknowledgement is
itself an audit row naming the breaks, and the trail is re-anchored at its tail.
"""

from __future__ import annotations

from core.execution.auditcheck import AuditReport
from core.execution.manager import OrderManager
from core.execution.ports import EventSink
from core.models import EventKind, EventLevel, LogEvent, utcnow

AUDIT_KEY = "audit_trail"
HOW_TO_ACK = "an operator must acknowledge it (R in the TUI, or 'cockpit audit acknowledge')"


async def check_at_start(manager: OrderManager, emit: EventSink) -> AuditReport:
    """Check the trail before anything trades; on a break, pause trading and say why."""
    report = await manager.audit.open()
    if not report.ok:
        reason = f"audit trail broken: {report.summary()}; {HOW_TO_ACK}"
        manager.disable(AUDIT_KEY, reason)
        emit(LogEvent(ts=utcnow(), kind=EventKind.ALERT, level=EventLevel.ALERT, message=reason))
    return report


async def acknowledge(
    manager: OrderManager, emit: EventSink, *, actor: str, note: str = ""
) -> tuple[bool, str]:
    """Accept the trail's breaks (audited), re-anchor it and let trading resume.

    Returns (ok, what happened) for the command's answer.
    """
    before = manager.audit.report
    if before is not None and before.ok and AUDIT_KEY not in manager.disabled:
        return True, f"audit trail sound ({before.summary()}); nothing to acknowledge"
    after = await manager.audit.acknowledge(actor, note)
    if not after.ok:
        return False, f"audit trail still broken: {after.summary()}"
    manager.enable(AUDIT_KEY)
    message = f"audit trail acknowledged by {actor}; re-anchored at row {after.tail.id}"
    emit(LogEvent(ts=utcnow(), kind=EventKind.SYSTEM, level=EventLevel.WARNING, message=message))
    return True, message
