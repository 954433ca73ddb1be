"""One module per group of formal documents; each template is typed fields + ``build(fields) -> Document``."""
