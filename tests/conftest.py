"""Shared pytest configuration."""

import os

from hypothesis import settings

pytest_plugins = ("tests.connect_servers",)

# The property tests draw the same examples on every run, so CI never turns red on a draw no
# change caused. HYPOTHESIS_PROFILE=explore draws new ones (and fuzz/ explores further); what
# they find is kept in tests/test_fuzz_regressions.py.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
