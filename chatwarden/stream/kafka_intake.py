"""Kafka intake (confluent-kafka), for forces that already run Kafka.

* Producers key each envelope by its chat, so one chat's messages stay in one partition
  and in order; the producer is idempotent (``enable.idempotence``), so its own retries
  add nothing.  Kafka has no server-side dedup window: a webhook retry that reaches Kafka
  twice is dropped by the monitor's idempotent store instead (counted as a duplicate).
* The consumer group is the ``consumer_group`` setting; auto-commit is off.  Offsets are
  committed (synchronously) only in :meth:`ack`, which the monitor calls after the store
  transaction commits, so a consumer that dies re-delivers from its last commit.  A
  consumer that dies loses its partitions to the others at the group's rebalance, which
  is Kafka's form of claiming stale work (:meth:`claim_stale` has nothing to do).
* Poison envelopes are produced to ``kafka_dead_letter_topic`` with the reason in a
  header; their offsets are committed with the next acknowledgement.

Extra librdkafka settings (TLS, SASL) come from the ``kafka_options`` setting.  No broker
can run in this project's test environment: the tests drive this class with an in-memory
fake of the two confluent-kafka classes it uses, and a real-broker test runs where
``KAFKA_BOOTSTRAP`` is set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from chatwarden.errors import ConfigError
from chatwarden.stream.intake import Delivery, Intake, IntakeStats, default_consumer_name

if TYPE_CHECKING:
    from chatwarden.config import Settings


def parse_options(options: Sequence[str]) -> dict[str, str]:
    out = {}
    for opt in options:
        key, sep, value = opt.partition("=")
        if not sep or not key.strip():
            raise ConfigError("setting 'kafka_options' must be key=value pairs separated by commas")
        out[key.strip()] = value.strip()
    return out


class KafkaIntake(Intake):
    def __init__(self, bootstrap: str, topic: str, dead_topic: str, group: str, consumer: str | None = None, *,
                 options: dict[str, str] | None = None, consumer_factory: Callable[[dict], Any] | None = None,
                 producer_factory: Callable[[dict], Any] | None = None) -> None:
        if not bootstrap:
            raise ConfigError("setting 'kafka_bootstrap' is empty: name the Kafka bootstrap servers")
        self.topic = topic
        self.dead_topic = dead_topic
        self.group = group
        self.consumer = consumer or default_consumer_name()
        base = {"bootstrap.servers": bootstrap, **(options or {})}
        self._consumer_conf = {
            **base, "group.id": group, "client.id": self.consumer, "enable.auto.commit": False,
            "enable.auto.offset.store": False, "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "cooperative-sticky",
        }
        self._producer_conf = {**base, "enable.idempotence": True, "acks": "all", "linger.ms": 5,
                               "client.id": self.consumer}
        if consumer_factory is None or producer_factory is None:
            import confluent_kafka

            consumer_factory = consumer_factory or confluent_kafka.Consumer
            producer_factory = producer_factory or confluent_kafka.Producer
        self._make_consumer = consumer_factory
        self._make_producer = producer_factory
        self._c: Any = None
        self._p: Any = None
        self._done: dict[int, int] = {}  # partition -> highest offset dead-lettered, not yet committed
        self._outstanding = 0
        self._errors: list[str] = []

    @classmethod
    def from_settings(cls, settings: Settings, consumer: str | None = None) -> KafkaIntake:
        return cls(settings.kafka_bootstrap, settings.kafka_topic, settings.kafka_dead_letter_topic,
                   settings.consumer_group, consumer, options=parse_options(settings.kafka_options))

    # ------------------------------------------------------------------ clients
    @property
    def producer(self) -> Any:
        if self._p is None:
            self._p = self._make_producer(self._producer_conf)
        return self._p

    @property
    def kafka_consumer(self) -> Any:
        if self._c is None:
            self._c = self._make_consumer(self._consumer_conf)
            self._c.subscribe([self.topic])
        return self._c

    def _on_delivery(self, err: Any, _msg: Any) -> None:
        if err is not None:
            self._errors.append(str(getattr(err, "name", lambda: "error")()) if callable(getattr(err, "name", None))
                                else "error")

    def _flush(self) -> None:
        left = self.producer.flush(30)
        if left:
            raise ConnectionError(f"Kafka: {left} record(s) not delivered within 30 s")
        if self._errors:
            errs, self._errors = self._errors, []
            raise ConnectionError(f"Kafka: {len(errs)} record(s) failed ({errs[0]})")

    # ------------------------------------------------------------------ producers
    def push(self, data: bytes, *, key: str | None = None, dedup_key: str | None = None) -> bool:
        self.producer.produce(self.topic, value=data, key=key.encode() if key else None, on_delivery=self._on_delivery)
        self._flush()
        return True

    def push_many(self, items: Sequence[tuple[bytes, str | None, str | None]]) -> int:
        for data, key, _dedup in items:
            while True:
                try:
                    self.producer.produce(self.topic, value=data, key=key.encode() if key else None,
                                          on_delivery=self._on_delivery)
                    break
                except BufferError:  # local queue full: let it drain
                    self.producer.poll(0.5)
        self._flush()
        return len(items)

    # ------------------------------------------------------------------ consumers
    def ensure_group(self) -> None:
        _ = self.kafka_consumer

    def read(self, count: int, block_ms: int) -> list[Delivery]:
        msgs = self.kafka_consumer.consume(num_messages=count, timeout=max(0.0, block_ms / 1000))
        out = []
        for m in msgs or ():
            if m.error() is not None:
                continue  # partition EOF and transient broker notices; the client retries itself
            ts = m.timestamp()
            enq = ts[1] if ts and ts[0] and ts[1] > 0 else None
            out.append(Delivery(f"{m.partition()}:{m.offset()}", m.value() or b"", 1, enq,
                                meta=(m.partition(), m.offset())))
        self._outstanding += len(out)
        return out

    def claim_stale(self, min_idle_ms: int, count: int) -> list[Delivery]:
        return []  # the group's rebalance hands a dead consumer's partitions to the others

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        from confluent_kafka import TopicPartition

        high = dict(self._done)
        for d in deliveries:
            part, off = d.meta
            if off > high.get(part, -1):
                high[part] = off
        if not high:
            return
        self.kafka_consumer.commit(offsets=[TopicPartition(self.topic, p, o + 1) for p, o in sorted(high.items())],
                                   asynchronous=False)
        self._done = {}
        self._outstanding = max(0, self._outstanding - len(deliveries))

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        self.producer.produce(self.dead_topic, value=delivery.data, headers=[
            ("reason", reason.encode("utf-8")), ("origin", f"{self.topic}:{delivery.id}".encode()),
            ("consumer", self.consumer.encode()), ("deliveries", str(delivery.deliveries).encode())],
            on_delivery=self._on_delivery)
        self._flush()
        part, off = delivery.meta
        if off > self._done.get(part, -1):
            self._done[part] = off
        self._outstanding = max(0, self._outstanding - 1)

    def reject(self, data: bytes, reason: str, origin: str) -> None:
        self.producer.produce(self.dead_topic, value=data, headers=[
            ("reason", reason.encode("utf-8")), ("origin", origin.encode("utf-8"))], on_delivery=self._on_delivery)
        self._flush()

    def stats(self) -> IntakeStats:
        from confluent_kafka import TopicPartition

        c = self.kafka_consumer
        parts = c.assignment()
        lag = 0
        if parts:
            committed = {tp.partition: tp.offset for tp in c.committed(parts, timeout=5)}
            for tp in parts:
                low, high = c.get_watermark_offsets(TopicPartition(self.topic, tp.partition), timeout=5, cached=False)
                done = committed.get(tp.partition, -1)
                lag += max(0, high - (done if done is not None and done >= 0 else low))
        return IntakeStats(-1, lag, self._outstanding, -1, -1)

    def ping(self) -> bool:
        try:
            md = self.producer.list_topics(self.topic, timeout=5)
            return md is not None
        except Exception:  # noqa: BLE001
            return False

    def close(self) -> None:
        if self._c is not None:
            self._c.close()
            self._c = None
        if self._p is not None:
            self._p.flush(10)
            self._p = None

