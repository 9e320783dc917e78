"""Phone numbers shown as senders, normalised to E.164 beside the shown form."""

from __future__ import annotations

import re
from functools import lru_cache

from chatwarden.ingest.formats import MARKS

_STRIP = str.maketrans("", "", MARKS)
PHONE_LIKE = re.compile(r"^\+?[\d\s\u00a0\u202f\-().]{6,24}$")


@lru_cache(maxsize=4096)
def to_e164(shown: str, default_region: str = "GB") -> str | None:
    """E.164 form of a sender shown as a phone number, or None if it is not one.

    Numbers without a country code are read in ``default_region`` (GB for a UK force).
    A number that parses but is not allocated (e.g. Ofcom drama numbers) is still
    normalised: the export shows what it shows.
    """
    text = shown.translate(_STRIP).strip()
    if not PHONE_LIKE.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < 6:
        return None
    import phonenumbers  # imported lazily: a parse of a chat without numbers never pays for it

    try:
        num = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException:
        return "+" + digits if text.startswith("+") else None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
