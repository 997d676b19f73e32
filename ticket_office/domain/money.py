"""Money as integer cents, formatted for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}€{cents // 100:,}.{cents % 100:02d}"


def parse_amount(text: str) -> int:
    """Parse what a clerk types ("12", "12.5", "12,50", "€12.50") into cents."""
    from ticket_office.domain.errors import ValidationError

    cleaned = text.strip().replace("€", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        raise ValidationError("Enter an amount.", field="amount")
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise ValidationError(f"“{text.strip()}” is not an amount.", field="amount") from None
    if not value.is_finite() or value < 0:
        raise ValidationError("An amount must be zero or more.", field="amount")
    if value > Decimal("1000000"):
        raise ValidationError("That amount is too large.", field="amount")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(cents: int, percent: int) -> int:
    """`percent`% of `cents`, rounded half up to the cent."""
    return int((Decimal(cents) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
