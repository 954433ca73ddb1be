"""Fixtures shared by every test package. Package-specific fixtures live in that package's conftest."""

from __future__ import annotations

import os

# Qt tests run offscreen; nothing in the tests may reach beyond loopback.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
