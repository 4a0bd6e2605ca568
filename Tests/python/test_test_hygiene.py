"""The test suites themselves: a hang must fail, not block CI (issue 12), and benchmarks are not tests.

- every Swift Testing suite carries a time limit (`.timeLimit(...)` in its `@Suite`), and every
  `@Test` is inside a suite that has one or carries its own;
- pytest has a default per-test timeout (pytest.ini, pytest-timeout) and every Python dependency
  is pinned;
- nothing pytest collects measures latency: timing belongs in bench_*.py and Benchmarks/.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "Tests"


def swift_test_files():
    return sorted(p for p in TESTS.rglob("*.swift") if "TestUtilities" not in p.parts)


def attribute_arguments(text, start):
    """The text inside the parentheses that open at `start` (balanced), or '' when none open there."""
    if start >= len(text) or text[start] != "(":
        return ""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:index]
    return text[start + 1:]


def test_every_swift_suite_has_a_time_limit():
    missing = []
    for path in swift_test_files():
        text = path.read_text()
        suites = [m.end() for m in re.finditer(r"@Suite\b", text)]
        for end in suites:
            if "timeLimit" not in attribute_arguments(text, end):
                line = text.count("\n", 0, end) + 1
                missing.append(f"{path.relative_to(ROOT)}:{line}")
        if "@Test" in text and not suites:
            # Tests without a suite attribute must each carry their own limit.
            for match in re.finditer(r"@Test\b", text):
                if "timeLimit" not in attribute_arguments(text, match.end()):
                    missing.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.end()) + 1}")
    assert not missing, "suites or tests without .timeLimit: " + ", ".join(missing)


def test_pytest_has_a_default_timeout_and_pinned_dependencies():
    ini = (TESTS / "python" / "pytest.ini").read_text()
    assert re.search(r"^timeout\s*=\s*\d+", ini, re.M), "pytest.ini sets no default timeout"
    requirements = [line.strip() for line in (TESTS / "python" / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#")]
    assert any(line.startswith("pytest-timeout==") for line in requirements)
    unpinned = [line for line in requirements if "==" not in line]
    assert not unpinned, f"unpinned Python dependencies: {unpinned}"
    apt = (TESTS / "apt-packages.txt").read_text().split()
    assert "openssl" in apt, "the test certificates are made with openssl (Tests/fixtures/make-test-certs)"


def test_collected_python_tests_measure_no_latency():
    timing = re.compile(r"perf_counter|\bp99\b|\bp90\b|latency", re.I)
    offenders = []
    for path in sorted((TESTS / "python").glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if timing.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert not offenders, "timing in collected tests (move it to a bench_*.py):\n" + "\n".join(offenders)
