"""The case list's table model: a window over the store, never the whole table.

``rowCount`` is the filtered count (one indexed COUNT on the op runner). ``data`` serves rows from a cache of pages
(``page_size`` rows each, least recently used dropped beyond ``max_pages``); a missing page is requested on the op
runner and shows 加载中 until it arrives. Requests are deduplicated, capped in flight, and the newest wins, so
dragging the scroll bar across 100,000 rows loads only the pages the operator stops at. A filter change bumps a
generation number: answers from older generations are dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal

from app.domain.errors import AppError
from app.domain.lifecycle.state import STAGE_LABELS, CaseStage
from app.domain.timezone import CST
from app.models.cases import CaseRecord
from app.models.store import Store
from app.services.ui_queries import CaseFilter, case_window, count_matching
from app.ui.ops import OpRunner

COLUMNS = ("案件编号", "案件名称", "当事人", "案由", "阶段", "金额(元)", "案发日期", "录入时间")
AMOUNT_COLUMN = 5
RECORD_ROLE = Qt.ItemDataRole.UserRole
LOADING_TEXT = "加载中…"
MAX_WANTED = 8

Index = QModelIndex | QPersistentModelIndex


def stage_label(stage: str) -> str:
    """The stage as the operator reads it (DOMAIN.md wording); unknown values as stored."""
    try:
        return STAGE_LABELS[CaseStage(stage)]
    except ValueError:
        return stage


def amount_text(fen: int) -> str:
    return f"{fen / 100:,.2f}"


@dataclass(frozen=True)
class CaseRow:
    """A case and its cells, formatted on the worker so that painting only looks strings up."""

    record: CaseRecord
    cells: tuple[str, ...]
    seq: int = 0


def case_row(record: CaseRecord, seq: int = 0) -> CaseRow:
    occurred = record.occurred_on.isoformat() if record.occurred_on else ""
    created = record.created_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
    cells = (
        record.case_number,
        record.title,
        record.party_name,
        record.case_type,
        stage_label(record.stage),
        amount_text(record.amount_fen),
        occurred,
        created,
    )
    return CaseRow(record, cells, seq)


def load_window(
    store: Store, case_filter: CaseFilter, offset: int, limit: int, before_seq: int | None = None
) -> tuple[CaseRow, ...]:
    """One page of formatted rows (worker thread); a keyset read when the row above is known."""
    window = store.read(lambda s: case_window(s, case_filter, offset, limit, before_seq=before_seq))
    return tuple(case_row(r, seq) for r, seq in zip(window.records, window.seqs, strict=True))


def _page_work(
    store: Store, case_filter: CaseFilter, number: int, size: int, before_seq: int | None
) -> Callable[[Any], tuple[int, tuple[CaseRow, ...]]]:
    return lambda ctx: (number, load_window(store, case_filter, number * size, size, before_seq))


class CaseTableModel(QAbstractTableModel):
    """Pages from the store through the op runner; ``total_changed(count)`` when the filtered count is known."""

    total_changed = Signal(int)
    failed = Signal(object)

    def __init__(
        self, runner: OpRunner, *, page_size: int = 200, max_pages: int = 40, max_in_flight: int = 1, parent=None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self.page_size = page_size
        self._max_pages = max_pages
        self._max_in_flight = max_in_flight
        self._store: Store | None = None
        self._filter = CaseFilter()
        self._generation = 0
        self._total = 0
        self._counted = False
        self._broken = False
        self._pages: OrderedDict[int, tuple[CaseRow, ...]] = OrderedDict()
        self._in_flight: set[int] = set()
        self._wanted: list[int] = []
        self._pump_timer = QTimer(self)
        self._pump_timer.setSingleShot(True)
        self._pump_timer.setInterval(0)
        self._pump_timer.timeout.connect(self._pump)
        self.pages_loaded = 0  # for tests and the bench: how many page queries completed

    # --- configuration --------------------------------------------------------------------------------------------

    @property
    def case_filter(self) -> CaseFilter:
        return self._filter

    @property
    def counted(self) -> bool:
        return self._counted

    def set_store(self, store: Store | None) -> None:
        """Attach the open store (after login/unlock) or detach it (lock): the cache is dropped either way."""
        self._store = store
        self.reload()

    def set_filter(self, case_filter: CaseFilter) -> None:
        if case_filter != self._filter:
            self._filter = case_filter
            self.reload()

    def reload(self) -> None:
        """Forget every cached row and query again."""
        self.beginResetModel()
        self._generation += 1
        self._total = 0
        self._counted = False
        self._broken = False
        self._pages.clear()
        self._wanted.clear()
        self._in_flight.clear()
        self.endResetModel()
        store = self._store
        if store is None:
            return
        generation, case_filter = self._generation, self._filter
        self._run(lambda ctx: store.read(lambda s: count_matching(s, case_filter)), self._counted_rows, generation)
        self._request(0)  # in parallel with the count: the first screen arrives with it

    # --- Qt model interface -------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return LOADING_TEXT
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == AMOUNT_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            return row.record.title
        if role == RECORD_ROLE:
            return row.record
        return None

    def row_at(self, row: int) -> CaseRow | None:
        """The cached row, or None after asking for its page."""
        if not 0 <= row < self._total:
            return None
        number, offset = divmod(row, self.page_size)
        page = self._pages.get(number)
        if page is None:
            self._request(number)
            return None
        self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    def record(self, row: int) -> CaseRecord | None:
        cached = self.row_at(row)
        return cached.record if cached is not None else None

    def cached_pages(self) -> int:
        return len(self._pages)

    # --- paging -----------------------------------------------------------------------------------------------

    def _request(self, number: int) -> None:
        if self._broken or number in self._pages or number in self._in_flight:
            return
        if number in self._wanted:
            self._wanted.remove(number)
        self._wanted.append(number)
        del self._wanted[:-MAX_WANTED]  # only the most recent wishes count
        if not self._pump_timer.isActive():
            self._pump_timer.start()

    def _pump(self) -> None:
        store = self._store
        while store is not None and self._wanted and len(self._in_flight) < self._max_in_flight:
            number = self._wanted.pop()  # newest first: where the operator is looking now
            self._in_flight.add(number)
            above = self._pages.get(number - 1)
            before = above[-1].seq if above and len(above) == self.page_size else None
            work = _page_work(store, self._filter, number, self.page_size, before)
            self._run(work, self._page_arrived, self._generation)

    def _run(self, work: Callable[[Any], Any], done: Callable[[Any], None], generation: int) -> None:
        def succeeded(result: Any) -> None:
            if generation == self._generation:
                done(result)

        def refused(error: AppError) -> None:
            if generation != self._generation or self._store is None:
                return  # the filter changed or the terminal locked meanwhile: nobody waits for this answer
            self._broken = True  # no more requests until the next reload: one message, not one per painted row
            self._in_flight.clear()
            self._wanted.clear()
            self.failed.emit(error)

        self._runner.op(work).success(succeeded).failure(refused).run()

    def _counted_rows(self, total: int) -> None:
        self._counted = True
        if total > 0:
            self.beginInsertRows(QModelIndex(), 0, total - 1)
            self._total = total
            self.endInsertRows()
        self.total_changed.emit(total)

    def _page_arrived(self, result: tuple[int, tuple[CaseRow, ...]]) -> None:
        number, rows = result
        self._in_flight.discard(number)
        self.pages_loaded += 1
        self._pages[number] = rows
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        first = number * self.page_size
        last = min(first + len(rows), self._total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self._pump()
