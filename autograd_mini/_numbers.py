"""Reading numbers from user input: the one place that decides what counts as a real number.

A real number is an ``int``, a ``float`` or any other ``numbers.Real`` (Fraction, numpy
scalars), never a ``bool`` (True is not 1.0 here). Everything the library accepts as a
number (Value data, operands, seeds, settings, saved models) is read by these functions.
"""

from __future__ import annotations

import math
import numbers

# What the public signatures accept as a number (any numbers.Real but bool works at run time).
Number = float | int

__all__ = [
    "Number",
    "as_float",
    "finite_float",
    "operand_number",
    "real_number",
    "saturating_float",
    "shorten",
]


def real_number(value: object) -> float | None:
    """``value`` as a float, or None when it is not a real number.

    An integer beyond float range raises OverflowError showing the number, shortened.
    """
    if type(value) is float:
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise OverflowError(
                f"{shorten(value)} is too large for a float (the largest is about 1.8e308)"
            ) from None
    return None


def as_float(value: object, what: str) -> float:
    """``value`` as a float, else TypeError (or OverflowError) naming ``what``."""
    try:
        number = real_number(value)
    except OverflowError as exc:
        raise OverflowError(f"{what}: {exc}") from None
    if number is None:
        raise TypeError(f"{what} must be a real number (int or float), got {type(value).__name__}")
    return number


def finite_float(value: object, what: str) -> float:
    """``value`` as a finite float: TypeError for a non-number, ValueError for inf, nan or a huge int."""
    number = saturating_float(value)
    if number is None:
        raise TypeError(f"{what} must be a real number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {shorten(value)}")
    return number


def saturating_float(value: object) -> float | None:
    """A real number as a float, an integer beyond float range as inf, anything else None.

    For checks that refuse inf anyway, so the huge integer needs no message of its own.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:  # a huge integer: inf, whatever its sign, is refused all the same
        return math.inf


def operand_number(value: object, op_name: str) -> float | None:
    """A number operand of op ``op_name`` as a float, or None if it is none; OverflowError names the op."""
    try:
        return real_number(value)
    except OverflowError as exc:
        raise OverflowError(f"{op_name}: number operand {exc}") from None


def shorten(number: object) -> str:
    """A number for an error message: a long integer is cut to its ends and digit count."""
    if isinstance(number, int):
        # str() refuses integers over 4,300 digits (about 14,000 bits).
        digits = len(str(abs(number))) if number.bit_length() < 14_000 else None
        if digits is None:
            return f"an integer of about {int(number.bit_length() * 0.30103)} digits"
        if digits > 20:
            text = str(number)
            return f"{text[:8]}…{text[-4:]} ({digits} digits)"
    return repr(number)
