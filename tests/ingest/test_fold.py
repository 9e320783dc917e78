"""``markers.fold`` and ``markers.strip_marks`` (regex substitutions, for speed) equal the
``str.translate`` forms they replaced, for any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chatwarden.ingest import markers as mk

TEXT = st.text(alphabet=st.sampled_from(list(mk.MARKS) + list("ab :\r\n\u0915\u093c\u0958\u0959\u095f\u0960") +
                                        ["\U0001F6A8", "\u00a0", "\u202f"]), max_size=40)


@settings(deadline=None, derandomize=True, max_examples=1000)
@given(TEXT)
def test_fold_and_strip_marks_equal_the_translate_forms(text: str) -> None:
    assert mk.strip_marks(text) == text.translate(mk.STRIP_MARKS)
    assert mk.fold(text) == text.translate(mk.STRIP_MARKS).translate(mk.NUKTA)
