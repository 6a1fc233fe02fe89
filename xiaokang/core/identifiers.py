"""Validators for the identity numbers the registry carries (DOMAIN.md "Identity numbers").

The scalar functions here are the reference; ``xiaokang.registry.importing.validate`` (and
``uscc_valid`` below) apply the same rules column-wise for bulk files, and property tests check that
the two agree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from xiaokang.core.bilingual import bilingual

# GB 11643-1999 check character: weights for positions 1–17, S mod 11 → character.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
# Second/third-generation certificate: ID number + category digit + grade digit, optional reissue
# suffix B1…B9 (practice; DOMAIN.md).
_CERT_SHAPE = re.compile(r"^(\d{17}[\dX])([1-7])([1-4])(B[1-9])?$")


class IdentifierError(ValueError):
    """A number that breaks a rule; ``zh`` and ``en`` say which rule, for the person who typed it."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en

    def __str__(self) -> str:
        return bilingual(self.zh, self.en)


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "male" | "female": odd sequence digit = male (GB 11643-1999)


def id_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumber:
    number = (value or "").strip().upper()
    if not _ID_SHAPE.match(number):
        raise IdentifierError(
            "id_format",
            "应为18位：17位数字加校验位（数字或X）",
            "must be 17 digits and a check character (digit or X)",
        )
    if id_check_char(number[:17]) != number[17]:
        raise IdentifierError("id_check_digit", "校验位错误", "check digit is wrong")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError("id_birth_date", "出生日期不存在", "the birth date does not exist") from None
    if birth > (today or dt.date.today()) or birth.year < 1900:
        raise IdentifierError(
            "id_birth_future",
            "出生日期不合理（晚于今天或早于1900年）",
            "the birth date is in the future or before 1900",
        )
    # The rules above are stricter than python-stdnum's; it must still agree that the number is valid.
    try:
        ric.validate(number)
    except ValidationError as exc:
        raise IdentifierError("id_invalid", "号码无效", f"invalid number ({exc})") from None
    return IdNumber(number=number, birth_date=birth, sex="male" if int(number[16]) % 2 else "female")


@dataclass(frozen=True)
class CertificateNumber:
    number: str
    id_number: str
    category_code: int
    grade: int
    reissue: str  # "" or "B1"…"B9"


def parse_certificate_number(value: str) -> CertificateNumber:
    number = (value or "").strip().upper()
    match = _CERT_SHAPE.match(number)
    if not match:
        raise IdentifierError(
            "certificate_format",
            "应为20位（身份证号+类别位+等级位）或22位（另加B1–B9）",
            "must be 20 characters (ID number + category digit + grade digit) or 22 with a B1–B9 suffix",
        )
    return CertificateNumber(
        number=number,
        id_number=match.group(1),
        category_code=int(match.group(2)),
        grade=int(match.group(3)),
        reissue=match.group(4) or "",
    )


def check_certificate_matches(
    cert: CertificateNumber, *, id_number: str, category_code: int, grade: int
) -> None:
    """The certificate number must agree with its holder's ID number, category and grade (DOMAIN.md)."""
    if cert.id_number != id_number:
        raise IdentifierError(
            "certificate_id_mismatch", "残疾人证号与公民身份号码不一致", "does not match the ID number"
        )
    if cert.category_code != category_code:
        raise IdentifierError(
            "certificate_category_mismatch",
            "残疾人证号的类别位与残疾类别不一致",
            "category digit does not match the category",
        )
    if cert.grade != grade:
        raise IdentifierError(
            "certificate_grade_mismatch",
            "残疾人证号的等级位与残疾等级不一致",
            "grade digit does not match the grade",
        )


# --- Unified social credit code (统一社会信用代码), GB 32100-2015 -----------------------------------------
# 18 characters from a 31-character set (no I, O, S, V, Z): registration authority (1), organisation
# category (1), administrative division (6 digits), organisation code (9), check character (1). The check
# character is (31 − Σ value(c_i) × 3^i mod 31) mod 31 over the first 17 (standard, §4.2).
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_SHAPE = r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$"
_USCC_SHAPE = re.compile(USCC_SHAPE)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def parse_uscc(value: str) -> str:
    """The code in upper case, or IdentifierError naming the rule it breaks."""
    code = (value or "").strip().upper()
    if not _USCC_SHAPE.match(code):
        raise IdentifierError(
            "uscc_format",
            "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）",
            "a unified social credit code is 18 digits or capital letters (no I, O, S, V, Z)",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise IdentifierError(
            "uscc_check",
            "统一社会信用代码校验位不正确",
            "the check character of the unified social credit code is wrong",
        )
    return code


def _character_values(codes, alphabet: str):
    """Equal-length ASCII codes (a Polars Series of text, no nulls) as a NumPy matrix of small integers,
    one row per code, each character replaced by its position in ``alphabet``: the check characters of a
    whole column are then one matrix product, not a Python loop (P2, E1; docs/architecture.md)."""
    import numpy as np

    width = len(codes[0]) if len(codes) else 0
    data = np.frombuffer(codes.str.join("").item().encode("ascii"), dtype=np.uint8).reshape(-1, width)
    value_of = np.zeros(256, dtype=np.uint8)
    for index, char in enumerate(alphabet):
        value_of[ord(char)] = index
    return value_of[data]


def _weighted_sums(values, weights):
    """Each row of ``values`` (all but its last column) times ``weights``, summed. In float32 so NumPy
    hands it to BLAS; exact, since every sum here is far below 2**24."""
    import numpy as np

    sums = values[:, : len(weights)].astype(np.float32) @ np.array(weights, dtype=np.float32)
    return sums.astype(np.int64)


def uscc_valid(codes):
    """The same check for a whole column at once (``codes``: a Polars Series of text; null → false), as
    a boolean Series. Shape by one regular expression, then the check characters of every code by NumPy
    arithmetic on the codes' bytes (E1; docs/architecture.md: 200,000 codes in milliseconds, not a Python
    loop)."""
    import numpy as np
    import polars as pl

    upper = codes.str.to_uppercase()
    shaped = upper.str.contains(USCC_SHAPE).fill_null(False)
    valid = np.zeros(len(codes), dtype=bool)
    if shaped.any():
        values = _character_values(upper.filter(shaped), USCC_CHARS)
        expected = (31 - _weighted_sums(values, USCC_WEIGHTS) % 31) % 31
        valid[shaped.to_numpy()] = values[:, 17] == expected
    return pl.Series(codes.name, valid)


# The check character's value for S mod 11 (ID_CHECK_CHARS with X as 10).
_ID_CHECK_VALUES = tuple(10 if char == "X" else int(char) for char in ID_CHECK_CHARS)


def id_check_valid(numbers):
    """``id_check_char`` for a whole column (``numbers``: a Polars Series of upper-case text): true where
    the 18th character is the check character of the first 17, false where it is not, null where the
    value is not 17 digits and a check character (the shape rule reports those). NumPy over the numbers'
    bytes: a million ID numbers in about 0.1 s, against 0.4 s for the same sum as Polars expressions."""
    import numpy as np
    import polars as pl

    shaped = numbers.str.contains(_ID_SHAPE.pattern).fill_null(False)
    valid = np.zeros(len(numbers), dtype=bool)
    if shaped.any():
        values = _character_values(numbers.filter(shaped), "0123456789X")
        remainder = _weighted_sums(values, ID_WEIGHTS) % 11
        valid[shaped.to_numpy()] = values[:, 17] == np.array(_ID_CHECK_VALUES, dtype=np.uint8)[remainder]
    return pl.select(pl.when(shaped).then(pl.Series(numbers.name, valid))).to_series().alias(numbers.name)


def uscc_check_expr(code):
    """``uscc_valid`` as a Polars expression (``code``: an expression of text), for validators that
    build their rules from expressions."""
    import polars as pl

    return code.map_batches(uscc_valid, return_dtype=pl.Boolean)
