"""Widgets more than one desk uses: the journey search form and results, the seat map, and the
printed ticket. Desks import from here, never from each other."""
