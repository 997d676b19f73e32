"""Ticket Office: a railway's desktop ticket office (counter sales, conductors, supervision)."""

__version__ = "0.1.0"
