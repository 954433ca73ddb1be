"""PyInstaller entry point of the bundle: the same ``app.cli:main`` the ``lianjie`` console script runs."""

import multiprocessing

# A spawned process of the bundle (the sync engine's verifying process, app.sync.verify_process) starts here too:
# this runs it and exits instead of starting a second terminal.
multiprocessing.freeze_support()

from app.cli import main  # noqa: E402

raise SystemExit(main())
