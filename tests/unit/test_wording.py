"""Words the app shows: counts in proper singular and plural, never "ticket(s)"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import ticket_office
from ticket_office.ui.plurals import counted

PACKAGE = Path(ticket_office.__file__).parent
_HEDGED_PLURAL = re.compile(r"[A-Za-z]\(s\)")


def test_counted_picks_the_sentence_for_the_number():
    one, many = "Cancel {0} ticket of {1}?", "Cancel {0} tickets of {1}?"
    assert counted(1, one, many, "QX7K2M") == "Cancel 1 ticket of QX7K2M?"
    assert counted(2, one, many, "QX7K2M") == "Cancel 2 tickets of QX7K2M?"
    assert counted(0, one, many, "QX7K2M") == "Cancel 0 tickets of QX7K2M?"


def test_no_text_in_the_app_hedges_a_plural_with_s_in_brackets():
    hedged = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _HEDGED_PLURAL.search(node.value)
    ]
    assert hedged == []
