"""Gateway-specific code stays small: lines of code per gateway package, counted.

A line of code is one that holds a token of Python: blank lines, comments and
docstrings (a string standing alone as a statement) do not count. Run as a
script to see every gateway's count, module by module::

    python -m tests.backends.test_gateway_size
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

BACKENDS = Path(__file__).resolve().parents[2] / "rapidsms" / "backends"
#: Africa's Talking is the gateway the new-gateway guide builds on the kit:
#: whatever else it needs belongs in the kit, not in a longer gateway.
AFRICASTALKING_BUDGET = 155

NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
            tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}


def code_lines(source: str) -> int:
    """Return how many lines of ``source`` hold code (no blank, comment or docstring line)."""
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            docstrings.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in NOT_CODE:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def gateway_lines(package: str) -> dict[str, int]:
    """Return ``{module file name: lines of code}`` of a gateway package, migrations left out."""
    return {
        path.relative_to(BACKENDS / package).as_posix(): code_lines(path.read_text("utf-8"))
        for path in sorted((BACKENDS / package).rglob("*.py")) if "migrations" not in path.parts
    }


def test_code_lines_leave_out_docstrings_comments_and_blank_lines() -> None:
    source = '''"""Module docstring,
on two lines."""

import re  # a comment after code counts as code

#: A comment alone.
PATTERN = re.compile(
    r"x+"
)
TEXT = """a string that is a value,
not a docstring"""


def f():
    """Docstring."""
    "a string alone is documentation too"
    return 1
'''
    # import, the three lines of PATTERN, the two of TEXT, def and return.
    assert code_lines(source) == 8


def test_africastalking_stays_within_its_budget() -> None:
    counted = gateway_lines("africastalking")
    assert set(counted) == {"__init__.py", "codes.py", "outgoing.py", "views.py"}
    assert sum(counted.values()) <= AFRICASTALKING_BUDGET, counted


if __name__ == "__main__":
    packages = sys.argv[1:] or sorted(
        path.name for path in BACKENDS.iterdir()
        if (path / "__init__.py").is_file() and path.name != "inbound")
    for package in packages:
        counted = gateway_lines(package)
        print(f"{package}: {sum(counted.values())}")
        for module, lines in counted.items():
            print(f"    {module}: {lines}")
