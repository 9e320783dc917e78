"""The intake commands: validate (exit codes, reasons by line), push (dedup), status and
dead-letters against a real redis-server; errors are one line without content."""

from __future__ import annotations

import orjson
from click.testing import CliRunner
from stream_helpers import free_port, good_envelope

from chatwarden.cli import main


def write_jsonl(path, rows) -> str:
    path.write_bytes(b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in rows))
    return str(path)


def test_validate(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [good_envelope(message_id=f"m{i}") for i in range(3)])
    r = CliRunner().invoke(main, ["intake", "validate", good])
    assert r.exit_code == 0 and r.output.strip() == "3 valid, 0 rejected"
    bad = write_jsonl(tmp_path / "bad.jsonl", [good_envelope(), b"{oops", good_envelope(timestamp="2026-05-01 09:00")])
    r = CliRunner().invoke(main, ["intake", "validate", bad])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert lines[0] == f"{bad}:2: envelope: not valid JSON (UTF-8)"
    assert lines[1].startswith(f"{bad}:3: timestamp: no time zone")
    assert lines[-1] == "1 valid, 2 rejected"
    missing = CliRunner().invoke(main, ["intake", "validate", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_push_status_and_dead_letters(tmp_path, redis_url):
    env = {"CHATWARDEN_REDIS_URL": redis_url}
    rows = [good_envelope(message_id=f"m{i}", text="PNC says wanted") for i in range(5)]
    f = write_jsonl(tmp_path / "in.jsonl", rows + [good_envelope(kind="nope")])
    runner = CliRunner(env=env)
    r = runner.invoke(main, ["intake", "push", f])
    assert r.exit_code == 2 and r.output.strip().splitlines()[-1] == "5 pushed, 0 already pushed, 1 rejected"
    r = runner.invoke(main, ["intake", "push", f])
    assert r.output.strip().splitlines()[-1] == "0 pushed, 5 already pushed, 1 rejected"  # dedup by message id
    r = runner.invoke(main, ["intake", "status"])
    assert r.exit_code == 0
    status = orjson.loads(r.output)
    assert status["length"] == 5 and status["dead_letters"] == 0
    from chatwarden.config import load_settings
    from chatwarden.stream.intake import Delivery
    from chatwarden.stream.redis_intake import RedisIntake

    intake = RedisIntake.from_settings(load_settings(env={}, redis_url=redis_url), "c")
    d = intake.read(1, 100)[0]
    intake.dead_letter(Delivery(d.id, d.data), "chat.id: required")
    r = runner.invoke(main, ["intake", "dead-letters"])
    row = orjson.loads(r.output.strip().splitlines()[0])
    assert row["reason"] == "chat.id: required" and row["origin"] == d.id and "PNC" not in r.output


def test_unreachable_intake_is_one_line(tmp_path):
    f = write_jsonl(tmp_path / "in.jsonl", [good_envelope()])
    r = CliRunner(env={"CHATWARDEN_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}).invoke(main, ["intake", "push", f])
    assert r.exit_code == 2  # a configuration error
    assert r.output.strip() == ("chatwarden: error: the intake cannot be reached (ConnectionError); "
                                "check redis_url / kafka_bootstrap")
