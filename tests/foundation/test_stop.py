"""Stopping always ends: a task that swallows its cancel cannot hold a stop for ever."""

from __future__ import annotations

import asyncio
import logging

import pytest

from core.tasks import cancel_all


async def test_cancel_all_recancels_a_task_that_swallowed_one_and_finishes() -> None:
    swallowed = asyncio.Event()

    async def stubborn_once() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            swallowed.set()  # as 3.11 wait_for does when its future ends as the cancel lands
        await asyncio.Event().wait()  # the second cancel ends it

    task = asyncio.create_task(stubborn_once(), name="stubborn")
    await asyncio.sleep(0)
    await cancel_all([task])
    assert swallowed.is_set() and task.cancelled()


async def test_cancel_all_gives_up_on_a_task_that_never_ends_and_names_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def immortal() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(immortal(), name="immortal")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="core.service"):
        await cancel_all([task], deadline_s=0.05)
    assert not task.done()
    assert "immortal" in caplog.text
    release.set()
    await task


async def test_cancel_all_retrieves_failures_so_none_is_reported_later() -> None:
    async def fails() -> None:
        raise RuntimeError("boom")

    task = asyncio.create_task(fails(), name="fails")
    await asyncio.sleep(0)
    await cancel_all([task])
    assert isinstance(task.exception(), RuntimeError)
