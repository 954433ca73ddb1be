"""PyInstaller entry point of the bundle: the same ``app.cli:main`` the ``lianjie`` console script runs."""

from app.cli import main

raise SystemExit(main())
