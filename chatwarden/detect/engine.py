"""Run the registered detectors over a chat.

Text detectors see each person-written message once, through a same-length view of its
text (so every span indexes the exact text).  Sequence detectors then see the whole chat
with the text findings grouped by message (context across messages), and chat-level
detectors see the chat summary as well.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chatwarden.detect.base import TEXT_KINDS, Detector, TextDetector
from chatwarden.detect.registry import load_detectors
from chatwarden.detect.text import detection_view, media_name_view
from chatwarden.model import Chat, Finding, Message

# Messages scanned by one detector before the next detector takes the same block.
BLOCK = 1024


@dataclass
class DetectionEngine:
    detectors: list[Detector]

    @classmethod
    def default(cls, names: Sequence[str] | None = None) -> DetectionEngine:
        return cls(load_detectors(list(names) if names else None))

    @property
    def versions(self) -> dict[str, str]:
        return {d.name: d.version for d in self.detectors}

    def __post_init__(self) -> None:
        self._text = [d for d in self.detectors if isinstance(d, TextDetector)]
        self._sequence = [d for d in self.detectors if not isinstance(d, TextDetector)]
        self._wants_chat = {
            id(d): "chat" in inspect.signature(d.detect).parameters for d in self._sequence
        }

    def text_findings(self, messages: Sequence[Message]) -> list[Finding]:
        """Findings of the text detectors, message by message in chat order and, within a
        message, in detector order.

        The work is done a block of messages at a time, one detector after the other over
        the block, and the findings are then put back in that order: a detector scanning
        many texts in a row keeps its patterns and tables hot in the processor's caches,
        which on identifier-dense chats saves about a quarter of the time of alternating
        between detectors on every message (see docs/benchmarks/engine.md)."""
        out: list[Finding] = []
        detectors = self._text
        if not detectors:
            return out
        block: list[Message] = []
        for m in messages:
            if m.kind not in TEXT_KINDS or not m.text:
                continue
            block.append(m)
            if len(block) == BLOCK:
                self._block_findings(block, out)
                block = []
        if block:
            self._block_findings(block, out)
        return out

    def _block_findings(self, block: list[Message], out: list[Finding]) -> None:
        # An attachment's generated file name is not text anyone wrote: blanked (same length).
        views = [
            media_name_view(detection_view(m.text)) if m.kind == "attachment" else detection_view(m.text)  # type: ignore[arg-type]
            for m in block
        ]
        per_detector = [(d, list(map(d.scan, views))) for d in self._text]
        for j, m in enumerate(block):
            for d, hits in per_detector:
                found = hits[j]
                if found:
                    index = m.index
                    for hit in found:
                        out.append(d.finding(index, hit))

    def run(self, messages: Sequence[Message], chat: Chat | None = None) -> list[Finding]:
        findings = self.text_findings(messages)
        if not self._sequence:
            return findings
        by_message: dict[int, list[Finding]] = defaultdict(list)
        for f in findings:
            if f.message_index is not None:
                by_message[f.message_index].append(f)
        for d in self._sequence:
            if self._wants_chat[id(d)]:
                extra = d.detect(messages, by_message, chat=chat)  # type: ignore[call-arg]
            else:
                extra = d.detect(messages, by_message)  # type: ignore[call-arg]
            findings.extend(extra)
        return findings

    def sequence_findings(self, messages: Sequence[Message], by_message: dict[int, list[Finding]], *,
                          chat: Chat | None = None, chat_level: bool) -> list[Finding]:
        """Findings of the sequence detectors: those that use neighbouring messages
        (``chat_level=False``, e.g. a window of a long chat) or the whole chat
        (``chat_level=True``)."""
        out: list[Finding] = []
        for d in self._sequence:
            wants = self._wants_chat[id(d)]
            if wants != chat_level:
                continue
            if wants:
                out.extend(d.detect(messages, by_message, chat=chat))  # type: ignore[call-arg]
            else:
                out.extend(d.detect(messages, by_message))  # type: ignore[call-arg]
        return out

    def check_texts(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Findings for free-standing texts (one message each, no chat context)."""
        out = []
        for i, text in enumerate(texts):
            msg = Message(i, datetime(1970, 1, 1), None, text, "message", i + 1, i + 1)
            out.append(self.text_findings([msg]))
        return out
