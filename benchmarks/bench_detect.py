"""Benchmark: chatwarden's rule tier against Microsoft Presidio, and regex engines for the
prefilter.  Not a test; writes ``docs/benchmarks/detect.md``.

    .venv/bin/python benchmarks/bench_detect.py                 # 20,000 messages, install peers if needed
    .venv/bin/python benchmarks/bench_detect.py -n 5000 --no-write

What it does:

1. Builds the generated police-chat corpus (``chatwarden.quality.identifier_corpus``,
   seed 7) and, as a second workload, the 570 labelled police chat lines of
   ``tests/data/police_chat_labelled.jsonl`` (a realistic mix: most lines hold no
   identifier).
2. Times chatwarden's rule tier (``IdentifierDetector`` + ``MarkingDetector``) in messages
   per CPU-second (``time.process_time``; the median of ``--repeat`` runs).
3. Installs ``presidio-analyzer`` (with ``google-re2`` and ``hyperscan``) into a separate
   virtual environment, ``benchmarks/.venv-peers`` (git-ignored), with pip, and runs
   Presidio there in a subprocess over the same messages.  Offline set-up: Presidio's
   ``AnalyzerEngine`` needs an NLP engine; we give it a ``SpacyNlpEngine`` whose pipeline
   is ``spacy.blank("en")`` (a tokenizer only: no model download, no NER), and a registry
   holding only pattern recognizers: the UK ones (NHS, NINO, driving licence, passport,
   postcode, vehicle registration) and credit card, e-mail, phone (region GB) and IP.
   Context enhancement still runs (on the blank pipeline's tokens; lemmas are empty).
4. Scores both with the same matcher as ``chatwarden.quality.identifiers_eval`` on the
   labels both cover, after mapping Presidio's entity types to ours.
5. Times the prefilter question "does this message hold any identifier-shaped candidate?"
   with Python's ``re``, RE2 (``google-re2``) and Hyperscan on one candidate-shape pattern
   set (written without look-arounds, which RE2 and Hyperscan lack).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / "benchmarks" / ".venv-peers"
PEER_PACKAGES = ["presidio-analyzer", "google-re2", "hyperscan"]
DOC = ROOT / "docs" / "benchmarks" / "detect.md"

# Presidio entity type -> chatwarden label
PRESIDIO_MAP = {
    "UK_NHS": "nhs_number",
    "UK_NINO": "ni_number",
    "CREDIT_CARD": "payment_card",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone_number",
    "IP_ADDRESS": "ip_address",
    "UK_DRIVING_LICENCE": "driving_licence",
    "UK_PASSPORT": "passport_number",
    "UK_POSTCODE": "postcode",
    "UK_VEHICLE_REGISTRATION": "vehicle_registration",
}

# Candidate shapes for the prefilter comparison (no look-arounds: RE2 and Hyperscan lack them).
PREFILTER_PATTERNS = [
    r"\d{2,4}/\d{1,7}[A-Z]",  # PNC / CRO
    r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}",  # dates
    r"\d(?:[ \-]?\d){5,18}",  # digit runs: phone, NHS, card, sort code, account
    r"\+\d{1,3}[ \-]?\d",  # international phone
    r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}",  # IPv4
    r"[A-Z]{2} ?\d\d ?\d\d ?\d\d ?[A-D]",  # NINO
    r"[A-Z]{2}\d\d ?[A-Z]{3}",  # VRM current
    r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",  # postcode
    r"[A-Z9]{5}\d[0156]\d[0-3]\d\d[A-Z9]{2}\d[A-Z]{2}",  # driving licence
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+\.[A-Za-z]",  # e-mail
    r"(?:PC|PS|DC|DS|PCSO|Sgt) ?\d",  # collar
    r"CAD ?\d",  # CAD
    r"OFFICIAL|SECRET|RESTRICTED|CONFIDENTIAL|EYES ONLY",  # markings
    r"[1-3][/\-]?[A-E][/\-]? ?[PC]",  # 3x5x2 grade
]


# ---------------------------------------------------------------------------- peer side
def peer_main(in_path: str, out_path: str, repeat: int) -> None:  # pragma: no cover - runs in the peer venv
    """Runs inside benchmarks/.venv-peers: Presidio over the messages, then the prefilter."""
    import re

    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IpRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        UkDrivingLicenceRecognizer,
        UkNinoRecognizer,
        UkPassportRecognizer,
        UkPostcodeRecognizer,
        UkVehicleRegistrationRecognizer,
    )

    data = json.loads(Path(in_path).read_text(encoding="utf-8"))
    out: dict = {}

    class BlankSpacy(SpacyNlpEngine):
        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    nlp = BlankSpacy(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for rec in (
        NhsRecognizer(), UkNinoRecognizer(), UkDrivingLicenceRecognizer(), UkPassportRecognizer(),
        UkPostcodeRecognizer(), UkVehicleRegistrationRecognizer(), CreditCardRecognizer(), EmailRecognizer(),
        PhoneRecognizer(supported_regions=("GB",)), IpRecognizer(),
    ):
        registry.add_recognizer(rec)
    engine = AnalyzerEngine(nlp_engine=nlp, registry=registry, supported_languages=["en"])
    entities = sorted({e for r in registry.recognizers for e in r.supported_entities})
    out["presidio_version"] = _version("presidio-analyzer")
    out["spacy_version"] = spacy.__version__
    out["entities"] = entities
    for name, texts in data.items():
        times = []
        results = None
        for _ in range(repeat):
            t0 = time.process_time()
            res = [engine.analyze(text=t, language="en", entities=entities) for t in texts]
            times.append(time.process_time() - t0)
            results = res
        out[name] = {
            "cpu_seconds": statistics.median(times),
            "hits": [[(r.entity_type, r.start, r.end, r.score) for r in rs] for rs in results or []],
        }

    # prefilter: "any candidate in this message?" with re, RE2 and Hyperscan
    texts = data["corpus"]
    pre: dict = {}
    combined = "|".join(f"(?:{p})" for p in PREFILTER_PATTERNS)
    rx = re.compile(combined)
    pre["re"] = _time_prefilter(lambda t: rx.search(t) is not None, texts, repeat)
    try:
        import re2

        r2 = re2.compile(combined)
        pre["re2"] = _time_prefilter(lambda t: r2.search(t) is not None, texts, repeat)
        pre["re2_version"] = _version("google-re2")
    except Exception as exc:  # noqa: BLE001 - report what happened
        pre["re2_error"] = type(exc).__name__
    try:
        import hyperscan

        db = hyperscan.Database()
        db.compile(expressions=[p.encode() for p in PREFILTER_PATTERNS], ids=list(range(len(PREFILTER_PATTERNS))),
                   flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(PREFILTER_PATTERNS))
        scratch = hyperscan.Scratch(db)
        state = {"hit": False}

        def on_match(_id, _from, _to, _flags, _ctx):
            state["hit"] = True
            return True  # stop at the first match

        def hs_any(t: str) -> bool:
            state["hit"] = False
            try:
                db.scan(t.encode("utf-8"), match_event_handler=on_match, scratch=scratch)
            except hyperscan.ScanTerminated:
                pass
            return state["hit"]

        pre["hyperscan"] = _time_prefilter(hs_any, texts, repeat)
        pre["hyperscan_version"] = _version("hyperscan")
    except Exception as exc:  # noqa: BLE001
        pre["hyperscan_error"] = f"{type(exc).__name__}: {exc}"
    out["prefilter"] = pre
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


def _time_prefilter(fn, texts, repeat) -> dict:
    times = []
    hits = 0
    for _ in range(repeat):
        t0 = time.process_time()
        hits = sum(1 for t in texts if fn(t))
        times.append(time.process_time() - t0)
    cpu = statistics.median(times)
    return {"msg_per_cpu_s": len(texts) / cpu, "messages_with_candidates": hits}


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


# ---------------------------------------------------------------------------- our side
def ensure_peers(install: bool) -> Path:
    py = PEERS / "bin" / "python"
    if py.exists():
        probe = subprocess.run([str(py), "-c", "import presidio_analyzer, spacy"], capture_output=True)
        if probe.returncode == 0:
            return py
    if not install:
        raise SystemExit(f"{PEERS} lacks presidio-analyzer; run without --no-install")
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    return py


def time_ours(texts: list[str], repeat: int) -> tuple[float, list[list]]:
    from chatwarden.detect.identifiers import IdentifierDetector
    from chatwarden.detect.markings import MarkingDetector

    ids, marks = IdentifierDetector(), MarkingDetector()
    times = []
    hits: list[list] = []
    for _ in range(repeat):
        t0 = time.process_time()
        hits = [ids.scan(t) + marks.scan(t) for t in texts]
        times.append(time.process_time() - t0)
    return statistics.median(times), hits


def breakdown(texts: list[str], repeat: int) -> dict | None:
    """Where the rule tier's time goes, per message (median CPU time of ``repeat`` runs each):
    the identifier candidate search alone (the scanner over every text, all candidates), the
    context-word lookups the identifier recognizers make (recorded in one run, then timed on
    their own), the rest of the identifier detector (validation, hits, the scanning loop;
    by subtraction), and the marking detector.  None when the internals it reaches into
    have changed."""
    try:
        from chatwarden.detect import identifiers, markings
        from chatwarden.detect.identifiers import state
        from chatwarden.detect.identifiers.context import ANCHORS, VOCAB, find_context, window_words
        from chatwarden.detect.text import detection_view

        calls: list[tuple] = []
        context, anchored = state.Scan.context, state.Scan.anchored

        def rec_context(sc, label, start, end):  # type: ignore[no-untyped-def]
            calls.append((sc.low, start, end, VOCAB[label]))
            return context(sc, label, start, end)

        def rec_anchored(sc, label, start, end):  # type: ignore[no-untyped-def]
            calls.append((sc.low, start, end, ANCHORS[label]))
            return anchored(sc, label, start, end)

        state.Scan.context, state.Scan.anchored = rec_context, rec_anchored  # type: ignore[method-assign]
        try:
            for t in texts:
                identifiers.scan_text(t)
        finally:
            state.Scan.context, state.Scan.anchored = context, anchored  # type: ignore[method-assign]
        views = [detection_view(t) for t in texts]
        scanner = identifiers._SCANNER
    except (ImportError, AttributeError):
        return None

    def cpu(fn) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(repeat):
            t0 = time.process_time()
            fn()
            times.append(time.process_time() - t0)
        return statistics.median(times) * 1e6 / len(texts)

    ids_us = cpu(lambda: [identifiers.scan_text(t) for t in texts])
    marks_us = cpu(lambda: [markings.scan_text(t) for t in texts])
    search_us = cpu(lambda: [list(scanner.finditer(v)) for v in views])
    context_us = cpu(lambda: [find_context(window_words(low, s, e), v) for low, s, e, v in calls])
    return {"identifiers_us": ids_us, "markings_us": marks_us, "search_us": search_us, "context_us": context_us,
            "context_calls_per_message": len(calls) / len(texts)}


def score(pred: list[list[tuple[str, int, int]]], gold: list[list[tuple[str, int, int]]], labels: set[str]) -> dict:
    from chatwarden.quality.identifiers_eval import _match, _prf

    out = {}
    for mode in ("exact", "overlap"):
        tp = fp = fn = 0
        per: dict[str, list[int]] = {lab: [0, 0, 0] for lab in labels}
        for p, g in zip(pred, gold):
            p = [x for x in p if x[0] in labels]
            g = [x for x in g if x[0] in labels]
            a, b, c = _match(p, g, overlap=(mode == "overlap"))
            tp, fp, fn = tp + len(a), fp + len(b), fn + len(c)
            for lab, *_ in a:
                per[lab][0] += 1
            for lab, *_ in b:
                per[lab][1] += 1
            for lab, *_ in c:
                per[lab][2] += 1
        pr, rc, f1 = _prf(tp, fp, fn)
        out[mode] = {"precision": pr, "recall": rc, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
                     "per_label": {lab: _prf(*v) for lab, v in per.items()}}
    return out


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "uname": " ".join(platform.uname()),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load": "/".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="chatwarden rule tier vs Presidio")
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-install", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--peer", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peer:
        peer_main(args.peer[0], args.peer[1], args.repeat)
        return 0

    sys.path.insert(0, str(ROOT))
    from chatwarden.quality.identifier_corpus import generate

    corpus = generate(args.n, args.seed)
    texts = [t for t, _ in corpus]
    gold = [g for _, g in corpus]
    labelled = [json.loads(x)["text"] for x in (ROOT / "tests" / "data" / "police_chat_labelled.jsonl")
                .read_text(encoding="utf-8").splitlines()]
    labelled_rep = labelled * max(1, args.n // len(labelled))

    ours_cpu, ours_hits = time_ours(texts, args.repeat)
    from chatwarden.detect.identifiers import _GATE, _SCANNER

    def own_prefilter(t: str) -> bool:
        return _GATE.search(t) is not None and _SCANNER.search(t) is not None

    own_pre = _time_prefilter(own_prefilter, texts, args.repeat)
    ours_lab_cpu, _ = time_ours(labelled_rep, args.repeat)
    split = breakdown(texts, args.repeat)
    ours_pred = [[(h.label, h.start, h.end) for h in hs] for hs in ours_hits]

    py = ensure_peers(not args.no_install)
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps({"corpus": texts, "labelled": labelled_rep}), encoding="utf-8")
        subprocess.run([str(py), str(Path(__file__).resolve()), "--repeat", str(args.repeat), "--peer", str(inp),
                        str(outp)], check=True)
        peer = json.loads(outp.read_text(encoding="utf-8"))

    pres_pred = [[(PRESIDIO_MAP[e], s, t) for e, s, t, _ in hs if e in PRESIDIO_MAP] for hs in peer["corpus"]["hits"]]
    common = set(PRESIDIO_MAP.values())
    all_labels = {lab for g in gold for lab, *_ in g}
    res = {
        "date": date.today().isoformat(),
        "machine": machine(),
        "n": args.n,
        "seed": args.seed,
        "repeat": args.repeat,
        "ours_msg_per_cpu_s": len(texts) / ours_cpu,
        "ours_labelled_msg_per_cpu_s": len(labelled_rep) / ours_lab_cpu,
        "presidio_msg_per_cpu_s": len(texts) / peer["corpus"]["cpu_seconds"],
        "presidio_labelled_msg_per_cpu_s": len(labelled_rep) / peer["labelled"]["cpu_seconds"],
        "presidio_version": peer["presidio_version"],
        "spacy_version": peer["spacy_version"],
        "ours_common": score(ours_pred, gold, common),
        "presidio_common": score(pres_pred, gold, common),
        "ours_all": score(ours_pred, gold, all_labels),
        "prefilter": peer["prefilter"],
        "own_prefilter": own_pre,
        "breakdown": split,
    }

    res["stamp"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    res["history"] = _history(DOC.read_text(encoding="utf-8") if DOC.exists() else "")
    text = render(res)
    print(text)
    if not args.no_write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


def render(r: dict) -> str:
    m = r["machine"]
    ratio = r["ours_msg_per_cpu_s"] / r["presidio_msg_per_cpu_s"]
    ratio_lab = r["ours_labelled_msg_per_cpu_s"] / r["presidio_labelled_msg_per_cpu_s"]
    oc, pc = r["ours_common"], r["presidio_common"]
    rows = []
    for lab in sorted(oc["exact"]["per_label"]):
        o, p = oc["exact"]["per_label"][lab], pc["exact"]["per_label"][lab]
        po = pc["overlap"]["per_label"][lab]
        rows.append(f"| {lab} | {o[0]:.3f} | {o[1]:.3f} | {p[0]:.3f} | {p[1]:.3f} | {po[0]:.3f} | {po[1]:.3f} |")
    pre = r["prefilter"]
    pre_rows = [f"| Python `re` (one alternation) | {pre['re']['msg_per_cpu_s']:,.0f} | {pre['re']['messages_with_candidates']:,} |"]
    if "re2" in pre:
        pre_rows.append(f"| RE2 (`google-re2` {pre.get('re2_version', '?')}) | {pre['re2']['msg_per_cpu_s']:,.0f} | "
                        f"{pre['re2']['messages_with_candidates']:,} |")
    else:
        pre_rows.append(f"| RE2 | not run ({pre.get('re2_error')}) | |")
    if "hyperscan" in pre:
        pre_rows.append(f"| Hyperscan (`hyperscan` {pre.get('hyperscan_version', '?')}) | "
                        f"{pre['hyperscan']['msg_per_cpu_s']:,.0f} | {pre['hyperscan']['messages_with_candidates']:,} |")
    else:
        pre_rows.append(f"| Hyperscan | not run ({pre.get('hyperscan_error')}) | |")
    own = r["own_prefilter"]
    pre_rows.append(f"| chatwarden's own scanner (`re`, full recognizer set with look-behinds; identifiers only) | "
                    f"{own['msg_per_cpu_s']:,.0f} | {own['messages_with_candidates']:,} |")
    best_native = max((pre[k]["msg_per_cpu_s"], k) for k in ("re2", "hyperscan") if k in pre) if (
        "re2" in pre or "hyperscan" in pre) else None
    if best_native is not None:
        gain = best_native[0] / pre["re"]["msg_per_cpu_s"]
        per_msg_saving = 1e6 / pre["re"]["msg_per_cpu_s"] - 1e6 / best_native[0]
        tier_us = 1e6 / r["ours_msg_per_cpu_s"]
        own_us = 1e6 / own["msg_per_cpu_s"]
        native_us = 1e6 / best_native[0]
        verdict = (
            f"{best_native[1]} answers the prefilter question {gain:.1f}x faster than `re` on the same patterns, "
            f"saving about {per_msg_saving:.1f} µs a message out of the rule tier's {tier_us:.1f} µs.  But "
            f"chatwarden's own scanner already answers it (for the full recognizer set) in {own_us:.2f} µs a "
            f"message against {native_us:.2f} µs for {best_native[1]}, so a {best_native[1]} gate in front of it "
            + (f"would save at most {own_us - native_us:.2f} µs a message.  "
               if own_us > native_us else "would save nothing: it is not adopted.  ")
        )
    else:
        verdict = "Neither RE2 nor Hyperscan could be run here.  "
    row_all = r["ours_all"]["exact"]
    return f"""# Detection benchmark: the rule tier against Presidio

Generated by `python benchmarks/bench_detect.py -n {r['n']}` on {r['date']} (do not edit by hand).

* Machine: `{m['uname']}`
* CPU: {m['cpu']} ({m['cpus']} logical CPUs; single-threaded measurement)
* Python {m['python']}; Presidio analyzer {r['presidio_version']} with spaCy {r['spacy_version']}
* Load average at the end of the run (1/5/15 min): {m.get('load', '?')}
* Throughput is messages per CPU-second (`time.process_time`, median of {r['repeat']} runs, one process).
  The machine is shared with other work, so repeat runs differ by about ±10 %.

## Workloads

* **Generated corpus**: {r['n']:,} messages from `chatwarden.quality.identifier_corpus.generate({r['n']}, seed={r['seed']})`
  (about 55 % carry one or two identifiers, 30 % look-alikes, 15 % plain chat; see
  [docs/quality/identifiers.md](../quality/identifiers.md)). Identifier-dense on purpose: it is the worst case.
* **Labelled police chat**: the 570 lines of `tests/data/police_chat_labelled.jsonl`, repeated; a realistic
  mix in which most messages hold no identifier.

## Throughput

| workload | chatwarden rule tier (identifiers + markings) | Presidio (pattern recognizers) | ratio |
|---|---:|---:|---:|
| generated corpus | {r['ours_msg_per_cpu_s']:,.0f} msg/CPU-s | {r['presidio_msg_per_cpu_s']:,.0f} msg/CPU-s | {ratio:,.0f}x |
| labelled police chat | {r['ours_labelled_msg_per_cpu_s']:,.0f} msg/CPU-s | {r['presidio_labelled_msg_per_cpu_s']:,.0f} msg/CPU-s | {ratio_lab:,.0f}x |

chatwarden runs 20 identifier labels plus markings and gradings; Presidio runs the ten recognizers listed below.

## Precision and recall on the labels both cover (generated corpus)

Presidio set-up (offline): `AnalyzerEngine` with a `SpacyNlpEngine` whose pipeline is `spacy.blank("en")`
(tokenizer only; nothing downloaded) and a `RecognizerRegistry` holding only `NhsRecognizer`,
`UkNinoRecognizer`, `UkDrivingLicenceRecognizer`, `UkPassportRecognizer`, `UkPostcodeRecognizer`,
`UkVehicleRegistrationRecognizer`, `CreditCardRecognizer`, `EmailRecognizer`, `PhoneRecognizer(supported_regions=("GB",))`
and `IpRecognizer`; every result counts whatever its score.  Entity mapping: UK_NHS→nhs_number,
UK_NINO→ni_number, CREDIT_CARD→payment_card, EMAIL_ADDRESS→email, PHONE_NUMBER→phone_number,
IP_ADDRESS→ip_address, UK_DRIVING_LICENCE→driving_licence, UK_PASSPORT→passport_number,
UK_POSTCODE→postcode, UK_VEHICLE_REGISTRATION→vehicle_registration.

| | precision (exact) | recall (exact) | F1 (exact) | precision (overlap) | recall (overlap) |
|---|---:|---:|---:|---:|---:|
| chatwarden | {oc['exact']['precision']:.3f} | {oc['exact']['recall']:.3f} | {oc['exact']['f1']:.3f} | {oc['overlap']['precision']:.3f} | {oc['overlap']['recall']:.3f} |
| Presidio | {pc['exact']['precision']:.3f} | {pc['exact']['recall']:.3f} | {pc['exact']['f1']:.3f} | {pc['overlap']['precision']:.3f} | {pc['overlap']['recall']:.3f} |

Per label (exact match; Presidio overlap in the last two columns):

| label | chatwarden P | chatwarden R | Presidio P | Presidio R | Presidio P (overlap) | Presidio R (overlap) |
|---|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

chatwarden on all 20 identifier labels (exact): precision {row_all['precision']:.3f}, recall {row_all['recall']:.3f}
(TP {row_all['tp']:,}, FP {row_all['fp']:,}, FN {row_all['fn']:,}).

**Caveat.** The corpus was written by chatwarden's developers, with the formats and look-alikes they know
about; it favours the detector that was tuned on it.  Presidio is general-purpose and was not built for
police chat (it has no PNC, CRO, collar or CAD recognizers at all; those labels are left out of the
comparison).  Read the comparison as "on Met-style chat", not as a general ranking.

## Where the rule tier's time goes (generated corpus)

{_render_breakdown(r.get("breakdown"), r["ours_msg_per_cpu_s"], r["presidio_msg_per_cpu_s"])}

## Prefilter: "does this message hold an identifier-shaped candidate?"

One set of {len(PREFILTER_PATTERNS)} candidate-shape patterns (no look-arounds), on the generated corpus, in the peer
environment:

| engine | msg/CPU-s | messages with a candidate |
|---|---:|---:|
{chr(10).join(pre_rows)}

{verdict}chatwarden keeps Python's `re` for now:
its scanner starts with a plain character class, so the engine skips to possible first characters in C,
and a one-character look-behind picks the branch (see the docstring of `chatwarden.detect.identifiers`);
RE2 and Hyperscan support neither the look-behinds nor the back-references the scanner relies on, so they
could only serve as a gate in front of it, and Hyperscan is a native library (x86 only) to ship and
keep patched.

## Runs

Every run of this benchmark adds a row (the sections above show the newest run only).

| run | chatwarden rule tier, generated corpus | Presidio | ratio | labelled chat ratio | load average (1/5/15 min) |
|---|---:|---:|---:|---:|---|
{_history_rows(r)}
"""


HISTORY_ROW = re.compile(r"^\| \d{4}-\d\d-\d\d[^|]*\|.*\|$", re.MULTILINE)


def _render_breakdown(b: dict | None, ours: float, presidio: float) -> str:
    if not b:
        return "Not measured (the detector internals this step times have changed)."
    ids, marks = b["identifiers_us"], b["markings_us"]
    search, ctx = b["search_us"], b["context_us"]
    rest = max(ids - search - ctx, 0.0)
    target_us = 1e6 / (40 * presidio)
    rows = [
        f"| identifier candidate search (the scanner over each text, every candidate) | {search:.2f} |",
        (f"| context words around candidates ({b['context_calls_per_message']:.2f} lookups a message, each "
         f"tokenising its window) | {ctx:.2f} |"),
        f"| the rest of the identifier detector (validation, hits, the scanning loop) | {rest:.2f} |",
        f"| marking detector (markings and gradings) | {marks:.2f} |",
        f"| **rule tier** (the two detectors, timed separately here) | **{ids + marks:.2f}** |",
    ]
    return (
        "CPU µs a message, each part timed on its own (medians; the tier is timed end to end above, "
        f"{1e6 / ours:.2f} µs a message).  40x Presidio here would mean {target_us:.2f} µs a message.\n\n"
        "| part | µs a message |\n|---|---:|\n" + "\n".join(rows) + "\n\n"
        "Finding candidates is a minority of the cost; validating and explaining them in Python is the "
        "rest.  The context words cost what they do because each lookup tokenises a window of up to 80 "
        "characters (a regular expression over it, a string per word, set look-ups, then two- and "
        "three-word phrases); in November 2026 an equal-result tokeniser on bytes (translate + split) "
        "measured only 8 % faster a lookup and a vocabulary regex per label slower, so the window "
        "tokeniser stayed."
    )


def _history(old_doc: str) -> list[str]:
    """The rows of the "Runs" table of the previous document (none before it had one: its
    single run is read from its own header and throughput table)."""
    if "## Runs" in old_doc:
        return HISTORY_ROW.findall(old_doc.split("## Runs", 1)[1])
    when = re.search(r"on (\d{4}-\d\d-\d\d) \(do not edit", old_doc)
    row = re.search(r"^\| generated corpus \| ([\d,]+) msg/CPU-s \| ([\d,]+) msg/CPU-s \| (\d+)x \|", old_doc, re.MULTILINE)
    lab = re.search(r"^\| labelled police chat \| [\d,]+ msg/CPU-s \| [\d,]+ msg/CPU-s \| (\d+)x \|", old_doc, re.MULTILINE)
    if when and row and lab:
        return [f"| {when.group(1)} | {row.group(1)} | {row.group(2)} | {row.group(3)}x | {lab.group(1)}x | not recorded |"]
    return []


def _history_rows(r: dict) -> str:
    ratio = r["ours_msg_per_cpu_s"] / r["presidio_msg_per_cpu_s"]
    ratio_lab = r["ours_labelled_msg_per_cpu_s"] / r["presidio_labelled_msg_per_cpu_s"]
    now = (f"| {r.get('stamp', r['date'])} | {r['ours_msg_per_cpu_s']:,.0f} | {r['presidio_msg_per_cpu_s']:,.0f} | "
           f"{ratio:,.0f}x | {ratio_lab:,.0f}x | {r['machine'].get('load', '?')} |")
    return "\n".join([*r.get("history", []), now])


if __name__ == "__main__":
    raise SystemExit(main())
