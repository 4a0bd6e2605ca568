"""The descriptors servers publish through reflection must match proto-notes/ exactly."""
import subprocess
import sys

from conftest import ROOT


def test_generated_descriptors_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "proto-notes/generate-descriptors"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
