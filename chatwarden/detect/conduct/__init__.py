"""The ``conduct`` detector: Standards of Professional Behaviour breaches in message text.

Public API::

    from chatwarden.detect.conduct import ConductDetector, LABELS
    hits = ConductDetector().scan(text)   # list[chatwarden.detect.base.Hit]

Lexicons are data (``data/*.yaml``); the classifier is ``model.json.gz``, trained by
``training/train_conduct.py``.
"""

from chatwarden.detect.conduct.detector import ConductDetector
from chatwarden.detect.conduct.lexicon import IDENTITY_LABELS, LABELS, PROFANITY

__all__ = ["ConductDetector", "IDENTITY_LABELS", "LABELS", "PROFANITY"]
