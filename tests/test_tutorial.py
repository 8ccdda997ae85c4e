"""docs/tutorial.md runs: each python or bash block is executed and its output compared with the text
block written under it.

Comparison: the text between numbers must match (runs of white space count as one space), and each
number must agree with the documented one to one unit of its last printed digit (the documented
values are rounded; one unit allows a rounding flip, nothing more). The blocks share one namespace and
run in a temporary directory (the tutorial writes a figure). Runtime ~5 s.
"""

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def blocks(text: str) -> list[tuple[str, str, str]]:
    """(language, code, expected output) for each python/bash block followed by a text block."""
    fences = FENCE.findall(text)
    out = []
    for (lang, code), (next_lang, expected) in zip(fences, fences[1:]):
        if lang in ("python", "bash") and next_lang == "text":
            out.append((lang, code, expected))
    return out


def last_digit_unit(token: str) -> float:
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def mismatches(expected: str, actual: str) -> list[str]:
    """What differs between a documented and a produced output (empty when they agree)."""
    words_e, words_a = NUMBER.split(expected), NUMBER.split(actual)
    nums_e, nums_a = NUMBER.findall(expected), NUMBER.findall(actual)
    problems = []
    if [" ".join(w.split()) for w in words_e] != [" ".join(w.split()) for w in words_a]:
        problems.append(f"text differs:\n{expected}\n---\n{actual}")
    if len(nums_e) != len(nums_a):
        return problems + [f"{len(nums_e)} numbers documented, {len(nums_a)} printed"]
    for e, a in zip(nums_e, nums_a):
        if abs(float(e) - float(a)) > last_digit_unit(e) * (1 + 1e-9):
            problems.append(f"{a} printed, {e} documented")
    return problems


def test_the_tutorial_has_blocks_to_run():
    found = blocks(TUTORIAL.read_text())
    assert len(found) >= 6 and {lang for lang, _, _ in found} == {"python", "bash"}


def test_every_block_prints_what_the_tutorial_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    failures = []
    for i, (lang, code, expected) in enumerate(blocks(TUTORIAL.read_text())):
        if lang == "python":
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(code, f"tutorial block {i}", "exec"), namespace)
            actual = buf.getvalue()
        else:
            proc = subprocess.run(code.replace("python ", f"{sys.executable} ", 1), shell=True, capture_output=True,
                                  text=True, cwd=tmp_path)
            assert proc.returncode == 0, proc.stderr
            actual = proc.stdout
        failures += [f"block {i}: {p}" for p in mismatches(expected, actual)]
    assert not failures, "\n".join(failures)
    assert (tmp_path / "learning_curves.png").stat().st_size > 10_000


@pytest.mark.parametrize("actual,ok", [
    ("eps = 0.038859 R = 0.99", True),
    ("eps = 0.038860 R = 0.99", True),   # one unit of the last digit: a rounding flip
    ("eps = 0.038861 R = 0.99", False),  # two units: the number changed
    ("eps = 0.038859 R = 0.97", False),
    ("eps: 0.038859 R = 0.99", False),   # the text changed
])
def test_the_comparison_fails_when_a_printed_number_changes(actual, ok):
    assert (not mismatches("eps = 0.038859  R = 0.99", actual)) is ok
