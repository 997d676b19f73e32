"""Legs along a run: the overlap rule the exclusion constraint mirrors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket_office.domain.errors import InvalidSegment
from ticket_office.domain.segments import Segment

positions = st.integers(min_value=0, max_value=40)


@st.composite
def segments(draw):
    board = draw(st.integers(min_value=0, max_value=39))
    alight = draw(st.integers(min_value=board + 1, max_value=40))
    return Segment(board, alight)


def test_back_to_back_legs_do_not_overlap():
    assert not Segment(0, 3).overlaps(Segment(3, 5))
    assert not Segment(3, 5).overlaps(Segment(0, 3))


def test_a_leg_inside_another_overlaps():
    assert Segment(0, 5).overlaps(Segment(2, 3))


@pytest.mark.parametrize(("board", "alight"), [(3, 3), (5, 2), (-1, 2)])
def test_reversed_equal_or_negative_stops_are_refused(board, alight):
    with pytest.raises(InvalidSegment):
        Segment(board, alight)


@given(segments(), segments())
def test_overlap_is_symmetric(a, b):
    assert a.overlaps(b) == b.overlaps(a)


@given(segments(), segments())
def test_overlap_means_sharing_at_least_one_leg(a, b):
    shared = set(a.legs()) & set(b.legs())
    assert a.overlaps(b) == bool(shared)


@given(segments())
def test_a_leg_always_overlaps_itself(a):
    assert a.overlaps(a)


@given(st.lists(segments(), max_size=12))
def test_greedy_packing_of_non_overlapping_legs_never_double_sells_a_leg(legs):
    sold: list[Segment] = []
    for leg in legs:
        if not any(leg.overlaps(other) for other in sold):
            sold.append(leg)
    used = [position for leg in sold for position in leg.legs()]
    assert len(used) == len(set(used))
