"""Form drafts in the encrypted store: saved, replaced, durable across a fresh open, discarded on submit."""

from __future__ import annotations

from pathlib import Path

from app.config import TerminalConfig
from app.models.store import open_store
from app.services.drafts import DraftKey, discard_draft, load_draft, save_draft
from tests.models.conftest import random_key

KEY = DraftKey("OP0001", "penalty.decided", "case-1")


def test_a_written_draft_is_read_back_from_a_fresh_store_open(tmp_path: Path) -> None:
    config, master_key = TerminalConfig(data_dir=tmp_path / "terminal"), random_key()
    with open_store(config, master_key, create=True) as store:
        save_draft(store, KEY, {"decision_number": "兴市监罚决〔2026〕3号", "fine": "1"})
        save_draft(store, KEY, {"decision_number": "兴市监罚决〔2026〕3号", "fine": "12000.50"})
        save_draft(store, DraftKey("OP0002", "penalty.decided", "case-1"), {"fine": "9"})
    with open_store(config, master_key) as reopened:
        draft = load_draft(reopened, KEY)
        assert draft is not None
        assert dict(draft.fields) == {"decision_number": "兴市监罚决〔2026〕3号", "fine": "12000.50"}
        other = load_draft(reopened, DraftKey("OP0002", "penalty.decided", "case-1"))
        assert other is not None and other.fields == {"fine": "9"}
        discard_draft(reopened, KEY)
        assert load_draft(reopened, KEY) is None
    assert "兴市监罚决".encode() not in (config.store_path).read_bytes()  # encrypted at rest
