"""Offline validation of UK identifiers: check characters and structural rules.

Every function takes the matched characters (separators allowed where noted) and returns
True or False; none of them raises on bad input.  Sources for each rule are listed in
``shared/IDENTIFIERS.md``.
"""

from __future__ import annotations

import datetime as _dt
from operator import mul as _mul

# PNC ID and CRO number check letter: value mod 23 indexes this table (I, O, S unused).
MOD23_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"

_THIS_YEAR = _dt.date.today().year


def pnc_check_ok(year: str, serial: str, letter: str) -> bool:
    """PNC ID ``YY/NNNNNNNC`` or ``YYYY/NNNNNNNC``: the last two year digits followed by the
    serial zero-padded to 7 digits, taken as one integer mod 23, indexes the check letter."""
    if len(serial) > 7 or len(year) not in (2, 4):
        return False
    return MOD23_LETTERS[int(year[-2:] + serial.zfill(7)) % 23] == letter


def cro_check_ok(serial: str, year: str, letter: str) -> bool:
    """CRO number ``NNNNNN/YYC``: year digits then the serial zero-padded to 6, mod 23."""
    if len(serial) > 6 or len(year) != 2:
        return False
    return MOD23_LETTERS[int(year + serial.zfill(6)) % 23] == letter


def cro_sf_check_ok(year: str, serial: str, letter: str) -> bool:
    """Older CRO form ``SFYY/NNNNNNC``: year digits then the serial as written, mod 23."""
    return MOD23_LETTERS[int(year + serial) % 23] == letter


def nhs_check_ok(digits: str) -> bool:
    """NHS number (10 digits): weights 10..2 over the first nine, ``11 - sum mod 11`` (11
    becomes 0, 10 means no valid number) must equal the tenth."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = 11 - sum(map(_mul, map(int, digits[:9]), _NHS_WEIGHTS)) % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# The Luhn value of each ASCII digit as it is and doubled (2d, less 9 when over 9).
_LUHN_PLAIN = {str(d): d for d in range(10)}
_LUHN_DOUBLED = {str(d): 2 * d - 9 if d > 4 else 2 * d for d in range(10)}


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) over a string of digits: from the right, every second digit doubled."""
    if digits.isascii():  # the sums in C: map over the two halves of the digits
        total = sum(map(_LUHN_PLAIN.__getitem__, digits[-1::-2])) + sum(map(_LUHN_DOUBLED.__getitem__, digits[-2::-2]))
        return total % 10 == 0
    total = 0  # other decimal digits (the pattern's \d): by code point, as always
    parity = len(digits) % 2
    for i, ch in enumerate(digits):
        d = ord(ch) - 48
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_issuer(digits: str) -> str | None:
    """The card scheme whose issuer prefix and length fit ``digits``, else None."""
    n = len(digits)
    if digits[0] == "4" and n in (13, 16, 19):
        return "Visa"
    two = int(digits[:2])
    four = int(digits[:4])
    if n == 16 and (51 <= two <= 55 or 2221 <= four <= 2720):
        return "Mastercard"
    if n == 15 and two in (34, 37):
        return "American Express"
    if 16 <= n <= 19 and (digits.startswith("6011") or two == 65 or 644 <= int(digits[:3]) <= 649):
        return "Discover"
    if 12 <= n <= 19 and (two == 50 or 56 <= two <= 69):
        return "Maestro"
    if 16 <= n <= 19 and 3528 <= four <= 3589:
        return "JCB"
    if n == 14 and (two in (36, 38) or 300 <= int(digits[:3]) <= 305):
        return "Diners Club"
    return None


# National Insurance number prefix rules (HMRC NIM39110).
_NINO_BAD_FIRST = frozenset("DFIQUV")
_NINO_BAD_SECOND = frozenset("DFIQUVO")
_NINO_BAD_PAIRS = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
# Administrative prefixes: shaped like a NINO, never issued as one.
_NINO_ADMIN = frozenset({"OO", "CR", "FY", "MW", "NC", "PP", "PY", "PZ"})
NINO_DOC_PREFIX = "QQ"  # HMRC's documentation example (``QQ 12 34 56 A``)


def nino_prefix_ok(prefix: str) -> bool:
    """True for a prefix HMRC can issue (not the documentation prefix QQ)."""
    if len(prefix) != 2:
        return False
    a, b = prefix
    return (
        a not in _NINO_BAD_FIRST
        and b not in _NINO_BAD_SECOND
        and prefix not in _NINO_BAD_PAIRS
        and prefix not in _NINO_ADMIN
    )


# Postcode position rules (BS 7666 / Cabinet Office PostCodeType).
_PC_FIRST = frozenset("ABCDEFGHIJKLMNOPRSTUWYZ")  # not Q, V, X
_PC_SECOND = frozenset("ABCDEFGHKLMNOPQRSTUVWXY")  # not I, J, Z
_PC_THIRD_A9A = frozenset("ABCDEFGHJKPSTUW")
_PC_FOURTH_AA9A = frozenset("ABEHMNPRVWXY")
_PC_INWARD = frozenset("ABDEFGHJLNPQRSTUWXYZ")  # not C, I, K, M, O, V


def postcode_ok(outward: str, inward: str) -> bool:
    """``outward`` like ``SE15``/``W1A``/``EC1V``; ``inward`` like ``3LY`` (upper case)."""
    if outward == "GIR" and inward == "0AA":
        return True
    if len(inward) != 3 or not inward[0].isdigit() or inward[1] not in _PC_INWARD or inward[2] not in _PC_INWARD:
        return False
    n = len(outward)
    if n < 2 or n > 4 or outward[0] not in _PC_FIRST:
        return False
    second = outward[1]
    if second.isdigit():  # A9, A99, A9A
        if n == 2:
            return True
        if n == 3:
            third = outward[2]
            return third.isdigit() or third in _PC_THIRD_A9A
        return False
    if second not in _PC_SECOND or n < 3 or not outward[2].isdigit():  # AA9, AA99, AA9A
        return False
    if n == 3:
        return True
    fourth = outward[3]
    return fourth.isdigit() or fourth in _PC_FOURTH_AA9A


# Vehicle registration marks (DVLA INF104 and the sources in IDENTIFIERS.md).
_VRM_TAG = frozenset("ABCDEFGHJKLMNOPRSTUVWXY")  # memory tag letters: no I, Q, Z
_VRM_RANDOM = frozenset("ABCDEFGHJKLMNOPRSTUVWXYZ")  # last three: no I, Q
_VRM_PREFIX_YEAR = frozenset("ABCDEFGHJKLMNPRSTVWXY")  # 1983-2001: no I, O, Q, U, Z
_VRM_SUFFIX_YEAR = frozenset("ABCDEFGHJKLMNPRSTVWXY")  # 1963-1983: no I, O, Q, U, Z
_VRM_SUFFIX_LETTERS = frozenset("ABCDEFGHJKLMNOPRSTUVWXY")  # no I, Q, Z


def vrm_current_ok(tag: str, age: str, letters: str) -> bool:
    """``AA99 AAA`` (since September 2001): memory tag, age identifier, random letters.
    The age identifier is YY (March) or YY+50 (September), from 51 (2001) to this year."""
    if tag[0] not in _VRM_TAG or tag[1] not in _VRM_TAG:
        return False
    if not _VRM_RANDOM.issuperset(letters):
        return False
    a = int(age)
    yy = (_THIS_YEAR + 1) % 100
    return 2 <= a <= yy or 51 <= a <= 50 + yy


def vrm_prefix_ok(year_letter: str, letters: str) -> bool:
    """``A999 AAA`` (1983-2001)."""
    return year_letter in _VRM_PREFIX_YEAR and _VRM_SUFFIX_LETTERS.issuperset(letters)


def vrm_suffix_ok(letters: str, year_letter: str) -> bool:
    """``AAA 999A`` (1963-1983)."""
    return year_letter in _VRM_SUFFIX_YEAR and _VRM_SUFFIX_LETTERS.issuperset(letters)


def licence_dob(number: str) -> tuple[int, int, int, str] | None:
    """The birth fields a GB driving licence number embeds, ``(decade digit + year digit as
    a 2-digit year, month, day, sex)``, or None when they are impossible.

    Characters 6 and 11 are the decade and last digit of the birth year, 7-8 the month
    (plus 50 for women), 9-10 the day; the surname field (1-5) is letters padded with 9s.
    """
    if len(number) != 16:
        return None
    surname = number[:5]
    stripped = surname.rstrip("9")
    if not stripped or not stripped.isalpha():
        return None
    month = int(number[6:8])
    sex = "M"
    if month > 50:
        month -= 50
        sex = "F"
    day = int(number[8:10])
    if not 1 <= month <= 12 or not 1 <= day <= _days_in_month(month, None):
        return None
    yy = int(number[5] + number[10])
    return yy, month, day, sex


def _days_in_month(month: int, year: int | None) -> int:
    if month == 2:
        if year is None:
            return 29
        return 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def date_of_birth_ok(day: int, month: int, year: int) -> bool:
    """A real calendar date, not in the future, at most 120 years ago."""
    if not 1 <= month <= 12 or not 1 <= day <= _days_in_month(month, year):
        return False
    if not _THIS_YEAR - 120 <= year <= _THIS_YEAR:
        return False
    if year == _THIS_YEAR:
        today = _dt.date.today()
        return (month, day) <= (today.month, today.day)
    return True


def expand_year(two: int) -> int:
    """A two-digit year of birth read as the most recent past year."""
    year = 2000 + two
    return year if year <= _THIS_YEAR else year - 100


def calendar_date_ok(day: int, month: int, year: int) -> bool:
    """Any real calendar date (no age bounds)."""
    return 1 <= month <= 12 and 1 <= day <= _days_in_month(month, year)
