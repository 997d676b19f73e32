"""Selling: the Sell page and its steps (holds, passengers and payment, confirmation)."""

from ticket_office.ui.counter.sale.page import SalePage

__all__ = ["SalePage"]
