"""Readers for the training and evaluation data of the conduct classifier.

Used by ``training/train_conduct.py`` and :mod:`chatwarden.quality.conduct_eval` only; the
detector never imports this module.  The third-party data sets are read in place from the
shared data folder (``$CHATWARDEN_SHARED`` or ``../shared`` beside the repository); nothing
is copied into the repository and nothing is fetched.

* Davidson et al. (2017), ``labeled_data.csv`` (MIT).
* HateCheck (Röttger et al., 2021), ``test_suite_cases.csv`` (CC BY 4.0): split by template
  (``templ_id``) within each functionality, so no evaluation template is ever trained on.
* chatwarden's own police-style lines, ``training/data/police_conduct.jsonl`` (Apache-2.0),
  split by a hash of each line's id.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import random
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from chatwarden.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[3]
DAVIDSON_REL = Path("corpus/offensive/davidson-hate-offensive/labeled_data.csv")
HATECHECK_REL = Path("corpus/offensive/hatecheck/test_suite_cases.csv")
POLICE_PATH = REPO_ROOT / "training" / "data" / "police_conduct.jsonl"

# HateCheck target -> chatwarden label.
HATECHECK_TARGETS = {
    "women": "conduct.misogynistic",
    "trans people": "conduct.transphobic",
    "gay people": "conduct.homophobic",
    "black people": "conduct.racist",
    "disabled people": "conduct.ableist",
    "Muslims": "conduct.religious_hostility",
    "immigrants": "conduct.racist",
}
# Non-hateful HateCheck functionalities whose cases are abuse of individuals or of
# non-protected groups.  HateCheck calls them non-hateful because no protected group is
# targeted; the Standards still cover threats and abuse of anyone, so their threats are not
# used as negatives (see training/README.md).
HATECHECK_NON_PROTECTED = frozenset({"target_indiv_nh", "target_group_nh"})

DEFAULT_SPLIT_SEED = 20240229
DEFAULT_EVAL_FRACTION = 0.35
POLICE_EVAL_MODULUS = 4  # crc32(id) % 4 == 0 -> evaluation (about a quarter)

_MENTION_RE = re.compile(r"@\w+:?")
_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_RT_RE = re.compile(r"^\s*RT\b:?\s*|\bRT\b")
_SPACE_RE = re.compile(r"\s+")


def shared_dir() -> Path:
    env = os.environ.get("CHATWARDEN_SHARED")
    path = Path(env) if env else REPO_ROOT.parent / "shared"
    return path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: int  # 1 = breach of the Standards (not plain swearing), 0 = not
    source: str  # davidson | hatecheck | police
    weight: float = 1.0
    labels: tuple[str, ...] = ()
    group: str = ""  # HateCheck functionality / police kind / Davidson class
    ident: str = ""  # the police line's id


def clean_tweet(text: str) -> str:
    text = html.unescape(html.unescape(text))
    text = _URL_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    text = _RT_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip().strip('"').strip()


def read_davidson(path: Path | None = None) -> list[tuple[str, int]]:
    """(cleaned tweet, class) with class 0 = hate, 1 = offensive, 2 = neither."""
    path = path or shared_dir() / DAVIDSON_REL
    if not path.is_file():
        raise ConfigError(f"{path}: Davidson data not found (set CHATWARDEN_SHARED)")
    out: list[tuple[str, int]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = clean_tweet(row["tweet"])
            if text:
                out.append((text, int(row["class"])))
    return out


def read_hatecheck(path: Path | None = None) -> list[dict[str, str]]:
    path = path or shared_dir() / HATECHECK_REL
    if not path.is_file():
        raise ConfigError(f"{path}: HateCheck data not found (set CHATWARDEN_SHARED)")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [dict(r) for r in csv.DictReader(fh)]
    for r in rows:
        r["test_case"] = r["test_case"].strip()
    return rows


def hatecheck_split(
    rows: list[dict[str, str]], seed: int = DEFAULT_SPLIT_SEED, eval_fraction: float = DEFAULT_EVAL_FRACTION
) -> tuple[list[dict[str, str]], list[dict[str, str]], dict[str, dict[str, list[str]]]]:
    """Template-disjoint split: within each functionality, ``eval_fraction`` of the
    templates (at least one) are held out with all their cases.

    Returns (train rows, eval rows, {functionality: {"train": templ_ids, "eval": templ_ids}}).
    """
    by_func: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_func[r["functionality"]].add(r["templ_id"])
    rng = random.Random(seed)
    held: set[tuple[str, str]] = set()
    plan: dict[str, dict[str, list[str]]] = {}
    for func in sorted(by_func):
        templates = sorted(by_func[func], key=lambda t: (len(t), t))
        rng.shuffle(templates)
        k = max(1, round(eval_fraction * len(templates)))
        plan[func] = {"eval": sorted(templates[:k], key=int), "train": sorted(templates[k:], key=int)}
        held.update((func, t) for t in templates[:k])
    train = [r for r in rows if (r["functionality"], r["templ_id"]) not in held]
    evaluation = [r for r in rows if (r["functionality"], r["templ_id"]) in held]
    return train, evaluation, plan


def read_police(path: Path | None = None) -> list[dict[str, object]]:
    path = path or POLICE_PATH
    rows: list[dict[str, object]] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise ConfigError(f"{path}:{n}: not a JSON line") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not isinstance(row.get("labels"), list):
                raise ConfigError(f"{path}:{n}: needs text (string) and labels (list)")
            rows.append(row)
    return rows


def police_is_eval(row: dict[str, object]) -> bool:
    return zlib.crc32(str(row["id"]).encode("utf-8")) % POLICE_EVAL_MODULUS == 0


def police_label(row: dict[str, object]) -> int:
    labels = row["labels"]
    assert isinstance(labels, list)
    return int(any(label != "conduct.profanity" for label in labels))


def hatecheck_label(row: dict[str, str]) -> int:
    return int(row["label_gold"] == "hateful")


# HateCheck functionalities whose hateful cases are threats (they are violent too).
HATECHECK_THREATS = frozenset({"threat_dir_h", "threat_norm_h"})


def hatecheck_labels(row: dict[str, str]) -> tuple[str, ...]:
    """chatwarden labels of a hateful HateCheck case (its target's label, and violent for
    threats); () for a non-hateful one or an unknown target."""
    if not hatecheck_label(row):
        return ()
    target = HATECHECK_TARGETS.get(row.get("target_ident") or "")
    if target is None:
        return ()
    return (target, "conduct.violent") if row["functionality"] in HATECHECK_THREATS else (target,)
