"""The cockpit core: models, pure trading logic and I/O edges. Never imports UI packages."""

__version__ = "0.1.0"
