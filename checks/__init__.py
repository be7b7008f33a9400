"""motiscim's rules: pure functions over user records, the tenant URL + token, and the mapping.

Nothing here imports `motiscim_cli`; the application loads, runs and renders.
"""
