"""The intake interface: where envelopes wait between a capture connector and the monitor.

Two implementations sit behind it: Redis Streams (:mod:`chatwarden.stream.redis_intake`,
the default, one machine or a managed Redis) and Kafka
(:mod:`chatwarden.stream.kafka_intake`, for forces that already run it).  The monitor only
uses this interface:

* :meth:`Intake.read` hands out a batch of :class:`Delivery` values (at-least-once: a
  delivery stays pending until acknowledged);
* :meth:`Intake.claim_stale` takes over deliveries left pending by a consumer that died
  (Redis); Kafka does this by rebalancing, so there it returns nothing;
* :meth:`Intake.ack` is called only after the store transaction holding the messages has
  committed;
* :meth:`Intake.dead_letter` moves a poison delivery to the dead-letter stream/topic with
  the reason (and acknowledges it).

Producers (the webhook, ``chatwarden intake push``) use :meth:`Intake.push`, which can
drop a repeat of a message id it has already seen (``dedup_key``).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatwarden.config import Settings


@dataclass(frozen=True, slots=True)
class Delivery:
    """One entry handed to a consumer.  ``id`` is the intake's own position (a Redis stream
    id, or ``partition:offset`` for Kafka); ``deliveries`` counts how often it was handed
    out (1 on first delivery); ``enqueued_ms`` is when it entered the intake (epoch ms)."""

    id: str
    data: bytes
    deliveries: int = 1
    enqueued_ms: int | None = None
    meta: tuple = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class IntakeStats:
    """Counts only: how far behind the consumers are."""

    length: int  # entries held by the intake (Redis) / -1 when unknown
    lag: int  # entries not yet delivered to the group
    pending: int  # delivered, not yet acknowledged
    consumers: int
    dead_letters: int


class Intake(abc.ABC):
    """Interface shared by the Redis and Kafka intakes."""

    consumer: str

    # producers
    @abc.abstractmethod
    def push(self, data: bytes, *, key: str | None = None, dedup_key: str | None = None) -> bool:
        """Append one envelope (JSON bytes).  ``key`` keeps one chat's messages together
        where the intake partitions; ``dedup_key`` (a message identity) makes a repeat
        within the dedup window a no-op.  Return False when it was a repeat."""

    def push_many(self, items: Sequence[tuple[bytes, str | None, str | None]]) -> int:
        """Append many ``(data, key, dedup_key)``; return how many were new."""
        return sum(1 for data, key, dedup in items if self.push(data, key=key, dedup_key=dedup))

    # consumers
    @abc.abstractmethod
    def ensure_group(self) -> None:
        """Create the consumer group (and the stream) when missing."""

    @abc.abstractmethod
    def read(self, count: int, block_ms: int) -> list[Delivery]:
        """Up to ``count`` new deliveries, waiting at most ``block_ms`` for the first."""

    @abc.abstractmethod
    def claim_stale(self, min_idle_ms: int, count: int) -> list[Delivery]:
        """Deliveries pending longer than ``min_idle_ms`` for any consumer, now this one's."""

    @abc.abstractmethod
    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """Mark deliveries done (after the store transaction committed)."""

    @abc.abstractmethod
    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        """Record ``delivery`` with ``reason`` in the dead-letter stream, then acknowledge it."""

    @abc.abstractmethod
    def reject(self, data: bytes, reason: str, origin: str) -> None:
        """Record input that never became a delivery (e.g. an unmappable webhook change)."""

    @abc.abstractmethod
    def stats(self) -> IntakeStats:
        """Counts for metrics and readiness."""

    def housekeeping(self) -> None:
        """Periodic upkeep (trim acknowledged entries, drop idle consumers)."""

    @abc.abstractmethod
    def ping(self) -> bool:
        """True when the intake can be reached."""

    def close(self) -> None:
        """Release connections."""


def make_intake(settings: Settings, consumer: str | None = None) -> Intake:
    """The intake the settings name (``intake``: redis or kafka)."""
    from chatwarden.errors import ConfigError

    if settings.intake == "redis":
        from chatwarden.stream.redis_intake import RedisIntake

        return RedisIntake.from_settings(settings, consumer)
    if settings.intake == "kafka":
        from chatwarden.stream.kafka_intake import KafkaIntake

        return KafkaIntake.from_settings(settings, consumer)
    raise ConfigError(f"setting 'intake' must be redis or kafka (not {settings.intake[:20]!r})")


def default_consumer_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()[:48]}-{os.getpid()}"
