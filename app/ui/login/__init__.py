"""The login window and the first-run page."""
