"""Shared pytest configuration."""

pytest_plugins = ("tests.connect_servers",)
