"""Multi-step flows: the transfer (移送) wizard."""
