"""Use cases of the headless commands, in the core: the CLI parses arguments and prints.

Each module holds one use case over a database or a running cockpit (the one writer of its
database, :mod:`core.access`): what the portfolio holds (:mod:`.holdings`), the risk report
(:mod:`.risk`), a plan from what a database recorded (:mod:`.recorded_plan`), a plan from an
inputs snapshot and the saved plans (:mod:`.plans`), following a plan run (:mod:`.plan_run`),
the order listing and an emulated order's end (:mod:`.orders`), the execution log
(:mod:`.events`), the audit trail (:mod:`.audit`) and a live venue's check
(:mod:`.venue_check`). They return models, never print, and raise :mod:`core.errors`.
"""
