"""The ``topics`` detector: a small trained classifier of what a message is about, in the
content categories of the instant-messaging guidance.

Public API::

    from chatwarden.detect.topics import TopicDetector, LABELS
    hits = TopicDetector().scan(text)   # list[chatwarden.detect.base.Hit]

The model is ``model.json.gz`` in this package, trained by ``training/train_topics.py``
from ``training/data/police_topics_train.jsonl``; run time is pure Python (no numpy or
scikit-learn) and reads the file lazily on the first scan.
"""

from chatwarden.detect.topics.detector import CATEGORIES, LABELS, TopicDetector

__all__ = ["CATEGORIES", "LABELS", "TopicDetector"]
