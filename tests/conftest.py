"""Shared test set-up: make tests/ importable helpers (registry_fixture) available."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
