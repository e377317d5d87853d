"""Benchmark: an operator engaging the kill switch while hostile clients attack the socket.

    .venv/bin/python bench/hostile.py [--tries 10]

A sim core behind its control server with the default daemon settings (2 s hello deadline,
5 s frame deadline, 16 clients with 2 kept for operators, 32 pending). Under each attack —
none; 200 idle connections; 16 slowloris clients (half a hello, then a byte now and then);
an observer sending NaN/inf/deep/huge frames in a loop — it measures, ``--tries`` times, the
seconds from an operator's connect to the kill switch's ``paused`` answer (then re-arms with a
confirm token), and the states the core published per second meanwhile. The attackers run in
a child process, as a hostile local program would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.bootstrap import build_core  # noqa: E402
from core.daemon.protocol import MAX_LINE, Role, encode  # noqa: E402
from core.daemon.remote import RemoteCore  # noqa: E402
from core.daemon.server import ControlServer  # noqa: E402
from core.service import Core  # noqa: E402
from core.views import CockpitState, KillSwitch  # noqa: E402
from tests.daemon.recorded import sim_settings  # noqa: E402

Attack = Callable[[Path, asyncio.Event], Awaitable[None]]


async def idle_crowd(sock: Path, stop: asyncio.Event) -> None:
    conns = []
    for _ in range(200):
        with contextlib.suppress(OSError):
            conns.append(await asyncio.open_unix_connection(sock, limit=MAX_LINE))
    await stop.wait()
    for _, writer in conns:
        writer.close()


async def slowloris(sock: Path, stop: asyncio.Event) -> None:
    async def one() -> None:
        while not stop.is_set():
            _, writer = await asyncio.open_unix_connection(sock, limit=MAX_LINE)
            writer.write(b'{"type":"hel')
            with contextlib.suppress(OSError):
                while not stop.is_set() and not writer.is_closing():
                    await asyncio.sleep(0.5)
                    writer.write(b" ")
                    await writer.drain()
            writer.close()

    with contextlib.suppress(OSError, ConnectionError):
        await asyncio.gather(*(one() for _ in range(16)))


async def bad_frames(sock: Path, stop: asyncio.Event) -> None:
    frames = [
        b'{"type":"subscribe","max_hz":NaN}\n',
        b'{"type":"subscribe","max_hz":Infinity}\n',
        b'{"type":"subscribe","max_hz":1e309}\n',
        b'{"type":"subscribe","max_hz":-1}\n',
        b'{"type":"ping","id":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
    ]
    while not stop.is_set():
        reader, writer = await asyncio.open_unix_connection(sock, limit=MAX_LINE)
        writer.write(encode({"type": "hello", "role": "observer", "client": "evil"}))
        with contextlib.suppress(OSError, ConnectionError):
            while not stop.is_set():
                for frame in frames:
                    writer.write(frame)
                    await writer.drain()
                    await reader.readuntil(b"\n")
        writer.close()


async def no_attack(sock: Path, stop: asyncio.Event) -> None:
    await stop.wait()


def run_attack(name: str, sock: Path) -> None:
    """The child process: one attack until terminated."""
    stop = asyncio.Event()
    asyncio.run(ATTACKS[name](sock, stop))


async def measure(core: Core, sock: Path, name: str, tries: int) -> tuple[list[float], float]:
    attacker = multiprocessing.Process(target=run_attack, args=(name, sock), daemon=True)
    attacker.start()
    versions: list[tuple[float, int]] = []

    def on_state(state: CockpitState) -> None:
        versions.append((time.perf_counter(), state.version))

    await asyncio.sleep(1.0)  # the attack in full swing
    core.add_listener(on_state)
    latencies = []
    try:
        for _ in range(tries):
            started = time.perf_counter()
            operator = RemoteCore(sock, role=Role.OPERATOR, client="bench-operator")
            await operator.start()
            result = await operator.send(KillSwitch(level=1, reason="bench"))
            latencies.append(time.perf_counter() - started)
            assert result.ok, result.message
            rearmed = await operator.send(KillSwitch(engage=False))  # with a confirm token
            assert rearmed.ok, rearmed.message
            await operator.stop()
    finally:
        core.remove_listener(on_state)
        attacker.terminate()
        attacker.join()
    (t0, v0), (t1, v1) = versions[0], versions[-1]
    return latencies, (v1 - v0) / (t1 - t0) if t1 > t0 else 0.0


ATTACKS: dict[str, Attack] = {
    "none": no_attack,
    "200 idle connections": idle_crowd,
    "16 slowloris clients": slowloris,
    "NaN/inf/deep frames": bad_frames,
}


async def main(tries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        core = build_core(sim_settings(Path(tmp) / "c.db"))
        await core.start()
        server = ControlServer(core)
        sock = Path(tmp) / "s.sock"
        await server.start(sock)
        try:
            print(f"operator connect → kill switch paused, {tries} tries per attack")
            for name in ATTACKS:
                latencies, rate = await measure(core, sock, name, tries)
                print(
                    f"  {name:22s} median {statistics.median(latencies) * 1000:6.1f} ms, "
                    f"max {max(latencies) * 1000:6.1f} ms; core published {rate:5.1f} states/s"
                )
        finally:
            await server.close()
            await core.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=10)
    asyncio.run(main(parser.parse_args().tries))
