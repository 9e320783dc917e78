"""The Kafka intake behind the same interface as Redis.  No broker can run in this
project's test environment, so the monitor is driven against an in-memory fake of the two
confluent-kafka classes the intake uses (a broker with partitions and group offsets); a
real-broker test runs only where KAFKA_BOOTSTRAP is set."""

from __future__ import annotations

import os
import time
import uuid
import zlib

import orjson
import pytest
from sqlalchemy import func, select

from chatwarden.analysis import Analyzer
from chatwarden.config import load_settings
from chatwarden.model import Actor
from chatwarden.store import Store
from chatwarden.store.tables import stream_messages
from chatwarden.stream.envelope import parse_envelope
from chatwarden.stream.generate import envelopes
from chatwarden.stream.kafka_intake import KafkaIntake, parse_options
from chatwarden.stream.monitor import Monitor

pytest.importorskip("confluent_kafka", reason="confluent-kafka is not installed (pip install 'chatwarden[scale]')")
from confluent_kafka import TopicPartition

PARTITIONS = 3


class FakeMessage:
    def __init__(self, topic, partition, offset, key, value, headers, ts):
        self._t, self._p, self._o, self._k, self._v, self._h, self._ts = topic, partition, offset, key, value, headers, ts

    def error(self): return None
    def topic(self): return self._t
    def partition(self): return self._p
    def offset(self): return self._o
    def key(self): return self._k
    def value(self): return self._v
    def headers(self): return self._h
    def timestamp(self): return (1, self._ts)


class FakeBroker:
    def __init__(self) -> None:
        self.logs: dict[str, list[list[FakeMessage]]] = {}
        self.offsets: dict[tuple[str, str, int], int] = {}  # (group, topic, partition) -> next offset

    def log(self, topic: str) -> list[list[FakeMessage]]:
        return self.logs.setdefault(topic, [[] for _ in range(PARTITIONS)])

    def producer(self, conf: dict) -> FakeProducer:
        assert conf["enable.idempotence"] is True and conf["acks"] == "all"
        return FakeProducer(self)

    def consumer(self, conf: dict) -> FakeConsumer:
        assert conf["enable.auto.commit"] is False and conf["auto.offset.reset"] == "earliest"
        return FakeConsumer(self, conf["group.id"])


class FakeProducer:
    def __init__(self, broker: FakeBroker) -> None:
        self.broker = broker
        self.pending = []

    def produce(self, topic, value=None, key=None, headers=None, on_delivery=None):
        parts = self.broker.log(topic)
        p = zlib.crc32(key) % PARTITIONS if key else 0
        msg = FakeMessage(topic, p, len(parts[p]), key, value, headers or [], int(time.time() * 1000))
        parts[p].append(msg)
        self.pending.append((on_delivery, msg))

    def poll(self, _timeout=0):
        for cb, msg in self.pending:
            if cb:
                cb(None, msg)
        n, self.pending = len(self.pending), []
        return n

    def flush(self, _timeout=None):
        self.poll()
        return 0

    def list_topics(self, topic=None, timeout=None):
        return {"topics": list(self.broker.logs)}


class FakeConsumer:
    """One member holding every partition (enough to model crash and restart)."""

    def __init__(self, broker: FakeBroker, group: str) -> None:
        self.broker, self.group = broker, group
        self.topic = None
        self.position: dict[int, int] = {}
        self.closed = False

    def subscribe(self, topics):
        self.topic = topics[0]
        for p in range(PARTITIONS):
            self.position[p] = self.broker.offsets.get((self.group, self.topic, p), 0)

    def consume(self, num_messages=1, timeout=-1):
        out = []
        parts = self.broker.log(self.topic)
        for p in range(PARTITIONS):
            while len(out) < num_messages and self.position[p] < len(parts[p]):
                out.append(parts[p][self.position[p]])
                self.position[p] += 1
        if not out and timeout:
            time.sleep(min(timeout, 0.05))
        return out

    def commit(self, offsets=None, asynchronous=True):
        assert asynchronous is False
        for tp in offsets:
            self.broker.offsets[(self.group, tp.topic, tp.partition)] = tp.offset

    def assignment(self):
        return [TopicPartition(self.topic, p) for p in range(PARTITIONS)]

    def committed(self, partitions, timeout=None):
        return [TopicPartition(tp.topic, tp.partition, self.broker.offsets.get((self.group, tp.topic, tp.partition), -1001))
                for tp in partitions]

    def get_watermark_offsets(self, tp, timeout=None, cached=False):
        return 0, len(self.broker.log(tp.topic)[tp.partition])

    def close(self):
        self.closed = True


def fake_intake(broker: FakeBroker, settings, consumer: str) -> KafkaIntake:
    return KafkaIntake("fake:9092", settings.kafka_topic, settings.kafka_dead_letter_topic, settings.consumer_group,
                       consumer, consumer_factory=broker.consumer, producer_factory=broker.producer)


def monitor(settings, intake, **kw) -> Monitor:
    store = Store.open(settings)
    return Monitor(store, Analyzer.default(detectors=["identifiers", "markings"]), intake, settings,
                   actor=Actor.system("monitor"), block_ms=50, **kw)


@pytest.fixture
def settings(tmp_path):
    return load_settings(env={}, data_dir=str(tmp_path / "data"), intake="kafka", kafka_bootstrap="fake:9092")


def push(intake: KafkaIntake, envs: list[dict]) -> None:
    items = []
    for e in envs:
        env = parse_envelope(e)
        items.append((env.to_json(), env.chat_key, env.identity))
    intake.push_many(items)


def test_keys_keep_a_chat_in_one_partition(settings):
    broker = FakeBroker()
    push(fake_intake(broker, settings, "p"), list(envelopes(300, chats=7, seed=1)))
    where: dict[str, set[int]] = {}
    for p, msgs in enumerate(broker.log(settings.kafka_topic)):
        for m in msgs:
            where.setdefault(parse_envelope(m.value()).chat_id, set()).add(p)
    assert len(where) == 7 and all(len(ps) == 1 for ps in where.values())


def test_crash_before_commit_redelivers_without_duplicates(settings):
    broker = FakeBroker()
    envs = list(envelopes(600, chats=12, seed=2))
    push(fake_intake(broker, settings, "p"), envs)
    a = monitor(settings, fake_intake(broker, settings, "a"), batch=200)
    real_ack, calls = a.intake.ack, []

    def ack_then_die(deliveries):
        calls.append(len(deliveries))
        if len(calls) == 2:
            raise KeyboardInterrupt  # stored, offsets not committed: killed mid-way
        real_ack(deliveries)

    a.intake.ack = ack_then_die
    with pytest.raises(KeyboardInterrupt):
        a.run()
    b = monitor(settings, fake_intake(broker, settings, "b"), batch=200, stop_when_idle=0.3)
    summary = b.run()
    assert summary.duplicates == 200 and summary.stored == 200  # a's second batch came again, found stored
    with b.store.read() as conn:
        assert conn.execute(select(func.count()).select_from(stream_messages)).scalar_one() == 600
        assert conn.execute(select(func.count(func.distinct(stream_messages.c.platform_id)))).scalar_one() == 600
    ends = [len(p) for p in broker.log(settings.kafka_topic)]
    assert [broker.offsets[(settings.consumer_group, settings.kafka_topic, p)] for p in range(PARTITIONS)] == ends
    assert b.intake.stats().lag == 0


def test_poison_goes_to_the_dead_letter_topic_and_offsets_move_on(settings):
    broker = FakeBroker()
    producer = fake_intake(broker, settings, "p")
    producer.push(b"{broken", key="c1")
    producer.push(orjson.dumps({"version": 1}), key="c1")
    m = monitor(settings, fake_intake(broker, settings, "m"), stop_when_idle=0.3)
    summary = m.run()
    assert summary.dead_lettered == 2 and summary.stored == 0
    dead = [x for part in broker.log(settings.kafka_dead_letter_topic) for x in part]
    reasons = sorted(dict(x.headers())["reason"].decode() for x in dead)
    assert "not valid JSON" in reasons[0] and reasons[1].startswith("source: required")
    p = zlib.crc32(b"c1") % PARTITIONS
    assert broker.offsets[(settings.consumer_group, settings.kafka_topic, p)] == 2


def test_options_and_configuration_errors():
    from chatwarden.errors import ConfigError

    assert parse_options(("security.protocol=SASL_SSL", "sasl.mechanism = PLAIN")) == {
        "security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"}
    with pytest.raises(ConfigError):
        parse_options(("nonsense",))
    with pytest.raises(ConfigError, match="kafka_bootstrap"):
        KafkaIntake("", "t", "d", "g")


@pytest.mark.skipif(not os.environ.get("KAFKA_BOOTSTRAP"), reason="set KAFKA_BOOTSTRAP to run against a real broker")
def test_real_broker(tmp_path):
    from confluent_kafka.admin import AdminClient, NewTopic

    boot = os.environ["KAFKA_BOOTSTRAP"]
    topic, dead = f"cw-test-{uuid.uuid4().hex[:8]}", f"cw-dead-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": boot})
    for f in admin.create_topics([NewTopic(topic, 3, 1), NewTopic(dead, 1, 1)]).values():
        f.result(30)
    s = load_settings(env={}, data_dir=str(tmp_path / "data"), intake="kafka", kafka_bootstrap=boot,
                      kafka_topic=topic, kafka_dead_letter_topic=dead, consumer_group=f"cw-{uuid.uuid4().hex[:8]}")
    producer = KafkaIntake.from_settings(s, "producer")
    push(producer, list(envelopes(200, chats=5, seed=9)))
    producer.push(b"{broken", key="x")
    m = monitor(s, KafkaIntake.from_settings(s, "m"), stop_when_idle=10)
    summary = m.run()
    assert summary.stored == 200 and summary.dead_lettered == 1
    m.intake.close()
    producer.close()
