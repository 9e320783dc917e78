"""Evaluation of the ``conduct`` detector; writes ``docs/quality/conduct.md``.

    .venv/bin/python -m chatwarden.quality.conduct_eval            # print and write the report
    .venv/bin/python -m chatwarden.quality.conduct_eval --no-write # print only

What is measured (all numbers are computed here, on this machine, when it runs):

* HateCheck, **held-out templates only**: the shared HateCheck file is split by template
  within each functionality (``chatwarden.detect.conduct.corpus.hatecheck_split``, the same
  split the training script uses); the shipped model never saw a held-out template.  A case
  counts as predicted hateful when the detector emits an identity label (racist,
  misogynistic, homophobic, transphobic, religious hostility, ableist).  A second mapping,
  "any conduct label" (everything except ``conduct.profanity``), is reported too, because
  the Standards also cover threats and abuse of individuals that HateCheck calls
  non-hateful.
* The held-out quarter of chatwarden's own police-style lines, per label and per kind of
  line (``implicit``: misconduct with no slur or cue word; the others are hard negatives
  and explicit cases).
* The implicit model's per-label thresholds and the gate, as chosen by cross-validation
  when the model was trained (read from the model file).
* Speed: CPU time per message (``time.process_time``) on a realistic mix of messages.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chatwarden.detect.base import Hit
from chatwarden.detect.conduct import corpus
from chatwarden.detect.conduct.detector import ConductDetector
from chatwarden.detect.conduct.lexicon import IDENTITY_LABELS, LABELS, PROFANITY

DOC_PATH = corpus.REPO_ROOT / "docs" / "quality" / "conduct.md"
MODEL_FILE = Path(__file__).resolve().parents[1] / "detect" / "conduct" / "model.json.gz"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, gold: bool, pred: bool) -> None:
        if gold and pred:
            self.tp += 1
        elif gold:
            self.fn += 1
        elif pred:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.n if self.n else 0.0


def predicts_hate(hits: Iterable[Hit]) -> bool:
    return any(h.label in IDENTITY_LABELS for h in hits)


def predicts_conduct(hits: Iterable[Hit]) -> bool:
    return any(h.label != PROFANITY for h in hits)


# --------------------------------------------------------------------------------------
# HateCheck
# --------------------------------------------------------------------------------------


@dataclass
class HateCheckResult:
    hate: Counts
    conduct: Counts
    per_functionality: dict[str, Counts]
    per_target: dict[str, Counts]
    label_match: tuple[int, int]  # hateful cases with a target: right label / predicted hateful
    errors: list[tuple[str, str]]  # (functionality, case_id)


def evaluate_hatecheck(det: ConductDetector, rows: Sequence[dict[str, str]]) -> HateCheckResult:
    hate = Counts()
    conduct = Counts()
    per_func: dict[str, Counts] = defaultdict(Counts)
    per_target: dict[str, Counts] = defaultdict(Counts)
    right_label = predicted = 0
    errors: list[tuple[str, str]] = []
    for r in rows:
        hits = det.scan(r["test_case"])
        gold = r["label_gold"] == "hateful"
        pred = predicts_hate(hits)
        hate.add(gold, pred)
        conduct.add(gold, predicts_conduct(hits))
        per_func[r["functionality"]].add(gold, pred)
        target = r.get("target_ident") or "(none)"
        per_target[target].add(gold, pred)
        if gold and pred and r.get("target_ident") in corpus.HATECHECK_TARGETS:
            predicted += 1
            if any(h.label == corpus.HATECHECK_TARGETS[r["target_ident"]] for h in hits):
                right_label += 1
        if gold != pred:
            errors.append((r["functionality"], r["case_id"]))
    return HateCheckResult(hate, conduct, dict(per_func), dict(per_target), (right_label, predicted), errors)


# --------------------------------------------------------------------------------------
# Police-style lines
# --------------------------------------------------------------------------------------


@dataclass
class PoliceResult:
    binary: Counts
    per_label: dict[str, Counts]
    per_kind: dict[str, tuple[int, int]]  # kind -> (lines judged right, lines)


def evaluate_police(det: ConductDetector, rows: Sequence[dict[str, object]]) -> PoliceResult:
    binary = Counts()
    per_label: dict[str, Counts] = {label: Counts() for label in LABELS}
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        hits = det.scan(str(r["text"]))
        gold_labels = set(r["labels"])  # type: ignore[arg-type]
        pred_labels = {h.label for h in hits}
        gold = corpus.police_label(r) == 1
        pred = predicts_conduct(hits)
        binary.add(gold, pred)
        for label in LABELS:
            per_label[label].add(label in gold_labels, label in pred_labels)
        kind = str(r.get("kind", ""))
        per_kind[kind][1] += 1
        per_kind[kind][0] += int(gold == pred)
    return PoliceResult(binary, per_label, {k: (v[0], v[1]) for k, v in sorted(per_kind.items())})


# --------------------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------------------

_EVERYDAY = [
    "Parade at {t} in the briefing room, {n} to lead",
    "Can someone pick up the {thing} from {place} on the way back?",
    "{n} is running late, ETA {m} mins",
    "Anyone free to cover the scene guard at {place} from {t}?",
    "CAD {cad} closed, no offences disclosed",
    "Stop check on {reg} at {place}, all in order, words of advice given",
    "Prisoner transfer to {place} court at {t}",
    "Thanks all for today, great team effort",
    "Who has the keys for {reg}?",
    "Leave request for the {d}th is in, can a sergeant approve please",
    "Can we get a unit to {place}, neighbour dispute, no weapons mentioned",
    "Custody is full at {place}, use {place2}",
    "{n}, your MG11 for the burglary needs signing",
    "Back at the nick for refs, anyone want a brew?",
    "Reminder the car wash is out of order",
    "Nice one {n}, cracking arrest",
    "Traffic is terrible on the {road}, avoid if you can",
    "Running a PNC check now, will update",
    "Misper found safe and well at {place}",
    "Briefing pack updated on the shared drive",
    "Overtime available Saturday {t} to {t2}, message me",
    "Body worn footage uploaded for CAD {cad}",
    "ok",
    "👍",
    "On my way",
    "Thanks {n}",
    "Can I swap my rest day with someone on the {d}th?",
    "Happy birthday {n}! Cake in the canteen",
    "Witness statement booked for {t} tomorrow at {place}",
    "Who's got the taser today?",
    "Van {reg} has a warning light on, taking it to the garage",
    "Is the {road} still closed after the collision?",
    "Please remember to update the crime report before end of shift",
    "Solicitor arrived for the interview in room {d}",
    "The fire alarm test is at {t}, ignore it",
    "Great work on the drugs warrant this morning",
    "Reminder: body armour check before deployment",
    "Anyone know the code for the back gate at {place}?",
    "Shift swap approved, thanks Sarge",
    "DP in cell {d} wants a doctor, FME called",
    "Footage from the shop on {place} is on the system",
    "Control are asking for a unit to attend {place}, RTC damage only",
    "{n}, call me when you're free",
    "Just landed the paperwork, home time",
    "Good luck with the exam tomorrow {n}",
    "Bloody hell it's cold out here",
    "What a long shift, knackered",
    "Thanks for the cover last night, owe you one",
]
_FILL = {
    "t": ["0700", "0800", "1400", "1500", "2200", "2300", "06:45", "19:30"],
    "t2": ["1600", "1800", "0200", "0600"],
    "n": ["Dave", "Priya", "Sarge", "Tom", "Aisha", "Mike", "Jen", "Kofi", "Liam", "Sophie"],
    "thing": ["exhibits", "spare radio", "keys", "statement forms", "evidence bags", "first aid kit"],
    "place": ["Brixton", "Lewisham", "Croydon", "Stoke Newington", "Charing Cross", "Wembley", "the high street"],
    "place2": ["Bethnal Green", "Leyton", "Sutton", "Hammersmith"],
    "m": ["5", "10", "15", "20"],
    "cad": ["1234", "5678", "4421", "7790", "0032"],
    "reg": ["BX19", "LK68", "MW21", "the BMW", "the carrier"],
    "d": ["3", "4", "12", "15", "21", "27"],
    "road": ["A406", "M25", "A13", "A2", "North Circular"],
}


def realistic_messages(count: int = 5000, seed: int = 7) -> list[str]:
    """A deterministic mix like a busy team chat: mostly logistics and welfare, with the
    police-style lines (banter, reports, swearing) and some HateCheck cases mixed in
    (about one message in eight)."""
    rng = random.Random(seed)
    police = [str(r["text"]) for r in corpus.read_police()]
    try:
        hatecheck = [r["test_case"] for r in corpus.read_hatecheck()]
    except Exception:  # noqa: BLE001 - shared data absent: logistics and police lines only
        hatecheck = []
    out: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.08:
            out.append(rng.choice(police))
        elif roll < 0.12 and hatecheck:
            out.append(rng.choice(hatecheck))
        else:
            tmpl = rng.choice(_EVERYDAY)
            out.append(tmpl.format(**{k: rng.choice(v) for k, v in _FILL.items()}))
    return out


@dataclass
class SpeedResult:
    messages: int
    us_per_message: float
    candidates: int
    us_per_candidate: float
    us_per_other: float
    us_worst_mix: float  # every message a candidate (the police lines and HateCheck cases)
    machine: str = ""
    gate_candidates: int = 0  # of the candidates, those only the gate let through


def measure_speed(det: ConductDetector, messages: Sequence[str], repeats: int = 3) -> SpeedResult:
    det.scan("warm up: load the lexicon and the model")
    for m in messages:  # warm the per-token cache as a long-running engine would
        det.scan(m)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        for m in messages:
            det.scan(m)
        best = min(best, time.process_time() - t0)
    st = det._get_state()  # noqa: SLF001 - the prefilter decision, to split the timing
    from chatwarden.detect.conduct.analysis import quick_view

    cand = [m for m in messages if st.prefilter(quick_view(m)[1])]
    other = [m for m in messages if not st.prefilter(quick_view(m)[1])]
    lexicon_only = st.prefilter.with_gate(None, {})
    gate_candidates = sum(1 for m in cand if not lexicon_only(quick_view(m)[1]))

    def timed(batch: Sequence[str]) -> float:
        if not batch:
            return 0.0
        best_t = float("inf")
        for _ in range(repeats):
            t0 = time.process_time()
            for m in batch:
                det.scan(m)
            best_t = min(best_t, time.process_time() - t0)
        return best_t / len(batch) * 1e6

    try:
        load = "load average {:.1f}".format(os.getloadavg()[0])
    except OSError:  # not available on this platform
        load = "load average unknown"
    machine = f"{platform.python_implementation()} {platform.python_version()} on {os.cpu_count()} CPU(s), {load}"
    return SpeedResult(
        machine=machine,
        messages=len(messages),
        us_per_message=best / len(messages) * 1e6,
        candidates=len(cand),
        us_per_candidate=timed(cand),
        us_per_other=timed(other),
        us_worst_mix=timed(cand),
        gate_candidates=gate_candidates,
    )


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def _num(x: object) -> str:
    """A count from the model's metadata (a mean over repeats may be fractional)."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"
    return "?"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _counts_row(name: str, c: Counts) -> str:
    return f"| {name} | {c.n} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} | {c.accuracy:.3f} |"


def metrics_markdown(
    det: ConductDetector,
    *,
    split_seed: int = corpus.DEFAULT_SPLIT_SEED,
    eval_fraction: float = corpus.DEFAULT_EVAL_FRACTION,
    speed: SpeedResult | None = None,
) -> str:
    rows = corpus.read_hatecheck()
    train_rows, eval_rows, plan = corpus.hatecheck_split(rows, split_seed, eval_fraction)
    hc = evaluate_hatecheck(det, eval_rows)
    police_rows = [r for r in corpus.read_police() if corpus.police_is_eval(r)]
    pol = evaluate_police(det, police_rows)
    meta = det.model.meta
    trained_split = meta.get("hatecheck_split")
    same_split = trained_split == plan
    n_train_t = sum(len(v["train"]) for v in plan.values())
    n_eval_t = sum(len(v["eval"]) for v in plan.values())

    out: list[str] = []
    w = out.append
    w("# Quality: the `conduct` detector")
    w("")
    w(f"Generated by `python -m chatwarden.quality.conduct_eval` (detector {det.name} {det.version}).")
    w("Every number below is measured when that command runs; nothing is copied from elsewhere.")
    w("")
    w("## HateCheck, held-out templates")
    w("")
    w(
        f"The shared HateCheck file holds {len(rows):,} of the 3,728 published cases. It is split by template "
        f"(`templ_id`) within each of its {len(plan)} functionalities: {_pct(eval_fraction)} of each "
        f"functionality's templates (at least one) are held out, with split seed {split_seed}. "
        f"**Trained on {n_train_t} templates / {len(train_rows):,} cases; evaluated on {n_eval_t} other "
        f"templates / {len(eval_rows):,} cases.** No evaluation template was used in training "
        f"({'the model file records this same split' if same_split else 'WARNING: the model file records a different split'}). "
        "The HateCheck templates that are not in the shared folder (held back by the project for independent "
        "evaluation) were never seen, read or looked up while building this detector."
    )
    w("")
    w("A case is predicted *hateful* when the detector emits an identity label (racist, misogynistic, homophobic, "
      "transphobic, religious hostility, ableist).")
    w("")
    w("| mapping | cases | precision | recall | F1 | accuracy |")
    w("|---|---|---|---|---|---|")
    w(_counts_row("identity labels (HateCheck's notion of hate)", hc.hate))
    w(_counts_row("any conduct label except profanity", hc.conduct))
    w("")
    right, predicted = hc.label_match
    if predicted:
        w(f"Of the held-out hateful cases predicted hateful, {right}/{predicted} ({_pct(right / predicted)}) carry the label "
          "of their HateCheck target (women → misogynistic, Muslims → religious hostility, immigrants and black people → racist, ...).")
        w("")
    w("### Accuracy per functionality (held-out templates)")
    w("")
    w("| functionality | gold | cases | accuracy |")
    w("|---|---|---|---|")
    for func in sorted(hc.per_functionality, key=lambda f: (not f.endswith("_h"), f)):
        c = hc.per_functionality[func]
        gold = "hateful" if func.endswith("_h") else "non-hateful"
        w(f"| {func} | {gold} | {c.n} | {c.accuracy:.3f} |")
    w("")
    w("### Per target group (held-out templates)")
    w("")
    w("| target | cases | precision | recall | F1 | accuracy |")
    w("|---|---|---|---|---|---|")
    for target in sorted(hc.per_target):
        w(_counts_row(target, hc.per_target[target]))
    w("")
    w("## Police-style lines, held-out quarter")
    w("")
    w(
        f"`training/data/police_conduct.jsonl` lines whose id hashes to the evaluation quarter "
        f"({len(police_rows)} lines; the model was trained on the others). Binary (any conduct label except profanity): "
        f"precision {pol.binary.precision:.3f}, recall {pol.binary.recall:.3f}, F1 {pol.binary.f1:.3f}."
    )
    w("")
    w("| label | gold lines | precision | recall |")
    w("|---|---|---|---|")
    for label, c in pol.per_label.items():
        if c.tp + c.fn + c.fp == 0:
            continue
        w(f"| {label} | {c.tp + c.fn} | {c.precision:.3f} | {c.recall:.3f} |")
    w("")
    w("| kind of line | judged right (conduct vs not) |")
    w("|---|---|")
    for kind, (ok, n) in pol.per_kind.items():
        w(f"| {kind} | {ok}/{n} |")
    w("")
    w("These held-out lines are few (tens per label): treat them as a smoke test, not a benchmark.")
    w("")
    if speed is not None:
        w("## Speed")
        w("")
        w(
            f"CPU time (`time.process_time`, best of 3, warm caches) on {speed.messages:,} realistic team-chat messages "
            f"(logistics and welfare, with police-style lines and HateCheck cases mixed in): "
            f"**{speed.us_per_message:.1f} µs per message** on average "
            f"({1e6 / speed.us_per_message:,.0f} messages per CPU-second). "
            f"{speed.candidates:,} messages ({_pct(speed.candidates / speed.messages)}) passed the prefilter and were "
            f"analysed and scored ({speed.us_per_candidate:.1f} µs each; {speed.gate_candidates:,} of them passed "
            f"only through the implicit model's gate); the others took {speed.us_per_other:.1f} µs each. "
            f"Measured with {speed.machine} (a shared machine: other work ran at the same time)."
        )
        w("")
    w("## Implicit model and gate")
    w("")
    imp = det.model.implicit
    gate = det.model.gate
    if imp is None or gate is None:
        w("The model file has no implicit model (format version 1): only the lexicon and the main model decide.")
        w("")
    else:
        cv = meta.get("implicit", {}).get("cross_validation", {})
        pooled = cv.get("pooled", {})
        w(
            "When neither a lexicon term nor the main model finds a breach, the implicit model judges the message "
            "(one that names a protected group only when the main model is confident or the message holds a joking, "
            "dismissive, endorsing, generalising or violent stance word); its heads name the label. "
            "Each label's probability threshold was chosen on cross-validated (out-of-fold) probabilities of the police "
            f"training lines that nothing else decides ({meta.get('config', {}).get('cv_folds', '?')}-fold, repeated "
            f"{cv.get('repeats', 1)} times with differently seeded splits, all out-of-fold samples together), maximising "
            f"caught breaches minus {meta.get('config', {}).get('fp_cost', '?')} × false alarms; a label may be stricter "
            f"than the pooled threshold ({pooled.get('threshold', '?')}: {_num(pooled.get('tp'))} breaches caught and "
            f"{_num(pooled.get('fp'))} false alarms among {_num(pooled.get('lines'))} lines, per repeat), never laxer."
        )
        w("")
        w("| label | threshold | cross-validated lines whose best head it is |")
        w("|---|---|---|")
        for label in sorted(imp.thresholds):
            info = cv.get(label, {})
            w(f"| {label} | {imp.thresholds[label]:.3f} | {_num(info.get('lines'))} |")
        w("")
        g = cv.get("gate", {})
        w(
            f"Gate: a message that no lexicon, group or cue word sends to analysis still goes on when it holds at least "
            f"{gate.min_words} words and its word-set score reaches {gate.threshold:.3f}; the threshold lets through "
            f"{_num(g.get('cv_breaches_let_through'))} of the {g.get('police_breaches_skipped_by_lexicon_prefilter', '?')} "
            f"police training breaches that the lexicon prefilter skips (cross-validated, per repeat), and "
            f"{_num(g.get('cv_negatives_let_through'))} of its "
            f"{g.get('police_negatives_skipped_by_lexicon_prefilter', '?')} skipped negatives."
        )
        w("")
    w("## Model")
    w("")
    counts = meta.get("counts", {})
    implicit_info = meta.get("implicit", {})
    w(f"- Main model features kept: {meta.get('features_kept', '?'):,} of {meta.get('features_trained', '?'):,}; "
      f"implicit model {implicit_info.get('implicit_features_kept', '?'):,} of "
      f"{implicit_info.get('implicit_features_trained', '?'):,} (heads: "
      f"{sum(implicit_info.get('head_features_kept', {}).values()):,}); gate {implicit_info.get('gate_features_kept', '?'):,}; "
      f"model file {MODEL_FILE.stat().st_size:,} bytes.")
    w(f"- Configuration: `{meta.get('config', {})}`.")
    w(f"- Training data counts: `{counts}`.")
    data = meta.get("data", {})
    w(f"- Data sha256: Davidson `{data.get('davidson_sha256', '?')}`, HateCheck (shared part) "
      f"`{data.get('hatecheck_sha256', '?')}`, police lines `{data.get('police_sha256', '?')}`.")
    w("")
    w("## Known limits")
    w("")
    w("- HateCheck is synthetic and short; real chats are messier, and this table does not measure them.")
    w("- Classifier-only decisions about a protected group span the whole message; lexicon hits span the term.")
    w("- Reclaimed in-group use of a few slurs is not flagged; the lexicon marks which terms (`reclaimable`).")
    w("- Threats and abuse aimed at individuals are reported as violent/bullying/demeaning, which the first "
      "mapping above does not count and the second counts against HateCheck's labels.")
    w("- Implicit misconduct (no slur, no cue word) is the hardest part: the implicit model is a linear model over "
      "words, bigrams and topic/stance classes, trained on a few thousand invented lines, and it misses much of what "
      "a person would call contempt or a \"joke\" (see the `implicit` row above). A message that names a protected "
      "group is left to the main model unless that model is confident or a misconduct stance word is present, to keep "
      "HateCheck's neutral and positive mentions of groups unflagged; colleague remarks that name the group are "
      "missed more often for it.")
    w("- The implicit model's labels come from per-label heads and are less reliable than its breach/no-breach "
      "decision; identity labels need the group or a matching topic word in the message.")
    w("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate the conduct detector and write docs/quality/conduct.md")
    ap.add_argument("--no-write", action="store_true", help="print the report only")
    ap.add_argument("--output", type=Path, default=DOC_PATH)
    ap.add_argument("--messages", type=int, default=5000, help="messages in the speed benchmark")
    args = ap.parse_args(argv)
    det = ConductDetector()
    meta_split = det.model.meta.get("config", {})
    split_seed = int(meta_split.get("split_seed", corpus.DEFAULT_SPLIT_SEED))
    eval_fraction = float(meta_split.get("eval_fraction", corpus.DEFAULT_EVAL_FRACTION))
    speed = measure_speed(det, realistic_messages(args.messages))
    report = metrics_markdown(det, split_seed=split_seed, eval_fraction=eval_fraction, speed=speed)
    print(report)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
