"""The names and limits the connection test's options show: the environment variables it
reads and its time limits.

A module of its own so that `motiscim connect` and `motiscim preflight` can declare their
options without importing the test itself (`motiscim_cli.connect`: httpx, TLS, the rules)
whenever the CLI loads; `motiscim check` never needs an HTTP client. `motiscim_cli.connect`
re-exports these names.
"""

from __future__ import annotations

TOKEN_ENV = "MOTIMATE_SCIM_TOKEN"
TENANT_URL_ENV = "MOTIMATE_SCIM_TENANT_URL"
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 600.0  # more overflows the socket layer (inf, 1e308) and helps nobody
