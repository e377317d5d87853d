"""The headless daemon: control socket, protocol, lock, signals."""
