"""The platform's PKI tooling: a small CA kept in a directory (``lianjie pki``)."""
