"""The producer registry: one interface for looking up an NPN.

In production this would be the national producer database (NIPR); here the
:class:`LocalRegistry` reads the ``producer_registry`` table that ``workflow registry
load FILE.csv`` fills. Whatever the adapter, :func:`ask_registry` gives each call a
timeout and turns a failure into :class:`RegistryUnavailable`, never an error page.
Look-ups are made *before* a write transaction opens: nobody holds the database's
writer lock while waiting on another system.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from typing import Protocol, TypeVar

import msgspec

from workflow.core.settings import get_settings
from workflow.db import ilike
from workflow.tables import ProducerRecord
from workflow.validations.producer import RegistryRecordData

log = logging.getLogger("workflow.registry")
T = TypeVar("T")

RegistryRecord = RegistryRecordData


class RegistryUnavailable(Exception):
    """The registry failed or did not answer in time; the look-up is retried later."""


class ProducerRegistry(Protocol):
    async def lookup(self, npn: str) -> RegistryRecord | None:
        """The producer with this NPN, ``None`` if there is none; raises
        :class:`RegistryUnavailable` when the registry cannot answer."""

    async def by_license_number(self, number: str) -> RegistryRecord | None:
        """The producer holding this state license number (for the "that is not an
        NPN" hint), or ``None``."""

    async def has_name(self, first_name: str, last_name: str) -> bool:
        """Whether any producer has this first and last name."""


_COLUMNS = (
    ProducerRecord.npn,
    ProducerRecord.first_name,
    ProducerRecord.last_name,
    ProducerRecord.state,
    ProducerRecord.license_number,
    ProducerRecord.license_status,
    ProducerRecord.lines_of_authority,
)


class LocalRegistry:
    """The ``producer_registry`` table. An empty table cannot vouch for anyone, so it
    counts as unavailable rather than answering "not found" to every broker."""

    async def lookup(self, npn: str) -> RegistryRecord | None:
        return await self._one(ProducerRecord.npn == npn)

    async def by_license_number(self, number: str) -> RegistryRecord | None:
        return await self._one(ProducerRecord.license_number == number)

    async def has_name(self, first_name: str, last_name: str) -> bool:
        return await ProducerRecord.exists().where(
            ilike(ProducerRecord.first_name, first_name.replace("%", ""))
            & ilike(ProducerRecord.last_name, last_name.replace("%", ""))
        )

    async def _one(self, where) -> RegistryRecord | None:
        row = await ProducerRecord.select(*_COLUMNS).where(where).first().output(load_json=True)
        if row is None:
            if not await ProducerRecord.exists():
                raise RegistryUnavailable(
                    "the local producer registry is empty: load it with "
                    "`workflow registry load FILE.csv`"
                )
            return None
        return msgspec.convert(row, RegistryRecord)


_override: ProducerRegistry | None = None


def get_registry() -> ProducerRegistry:
    """The registry the service uses (tests and the demo may swap it)."""
    return _override or LocalRegistry()


@contextlib.contextmanager
def use_registry(registry: ProducerRegistry) -> Iterator[ProducerRegistry]:
    """Swap the registry for a block (tests, demos of a failing registry)."""
    global _override
    previous, _override = _override, registry
    try:
        yield registry
    finally:
        _override = previous


async def ask_registry(call: Awaitable[T], timeout: float | None = None) -> T:
    """Await one registry call with the configured timeout; any failure becomes
    :class:`RegistryUnavailable` with a message support can read."""
    timeout = get_settings().registry_timeout_seconds if timeout is None else timeout
    try:
        return await asyncio.wait_for(call, timeout)
    except RegistryUnavailable:
        raise
    except TimeoutError:
        raise RegistryUnavailable(f"no answer within {timeout:g} s") from None
    except Exception as exc:  # an adapter's failure is an outcome, not a crash
        log.warning("producer registry call failed: %r", exc)
        raise RegistryUnavailable(f"registry error: {type(exc).__name__}") from exc
