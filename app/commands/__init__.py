"""Headless sub-commands of ``lianjie``: one module each, loaded only when chosen."""
