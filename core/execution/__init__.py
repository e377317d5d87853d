"""Execution: the order manager, the pre-trade gate, the paper venue, audit and safety.

Nothing outside this package calls a venue's ``submit``: orders go through
:class:`core.execution.manager.OrderManager`, which sends only what
:func:`core.execution.gate.check` approved, after a durable write-ahead and an audit row.
"""
