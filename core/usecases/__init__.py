"""Use cases of the headless commands, in the core: the CLI parses arguments and prints.

Each module holds one use case over a database or a running cockpit (the one writer of its
database, :mod:`core.access`): what the portfolio holds (:mod:`.holdings`), a plan from what
a database recorded (:mod:`.recorded_plan`), the risk report of a database (:mod:`.risk`).
They return models, never print, and raise the errors of :mod:`core.errors`.
"""
