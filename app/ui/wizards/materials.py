"""The Art.6 material slots of the transfer wizard: pick a file or drop it on the slot; stored encrypted at once."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.events import TransferMaterial
from app.models.attachments import AttachmentRecord, add_attachment
from app.models.store import Store
from app.ui.ops import OpRunner


def store_material(store: Store, case_id: str, material: TransferMaterial, path: Path) -> AttachmentRecord:
    """Encrypt the file into the store as an attachment of the case, named after its Art.6 material (worker)."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with path.open("rb") as source:
        return add_attachment(store, case_id, source, name=f"{material.label}-{path.name}", media_type=media_type)


class MaterialSlot(QFrame):
    """One material: its name, whether it is required, the stored file; 选择文件 or drag and drop."""

    changed = Signal()

    def __init__(self, material: TransferMaterial, runner: OpRunner, store: Store, case_id: str) -> None:
        super().__init__()
        self.setObjectName("card")
        self.setAcceptDrops(True)
        self.material, self._runner, self._store, self._case_id = material, runner, store, case_id
        self.required = False
        self.stored: AttachmentRecord | None = None
        self.busy = False
        layout = QHBoxLayout(self)
        self.title = QLabel(material.label)
        self.state = QLabel("")
        self.state.setObjectName("hint")
        self.pick = QPushButton("选择文件…")
        self.pick.setAccessibleName(f"为“{material.label}”选择文件")
        self.pick.clicked.connect(self.choose)
        layout.addWidget(self.title, 2)
        layout.addWidget(self.state, 3)
        layout.addWidget(self.pick)
        self.set_required(False)

    def set_required(self, required: bool) -> None:
        self.required = required
        self._show()

    def _show(self) -> None:
        if self.busy:
            text = "正在加密保存…"
        elif self.stored is not None:
            text = f"已添加：{self.stored.name}（{self.stored.size:,} 字节）"
        else:
            text = "必须提供（可拖放文件到此处）" if self.required else "可选（可拖放文件到此处）"
        self.state.setText(text)

    @property
    def satisfied(self) -> bool:
        return not self.busy and (self.stored is not None or not self.required)

    def choose(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, f"选择{self.material.label}")
        if name:
            self.add_file(Path(name))

    def add_file(self, path: Path) -> None:
        self.busy = True
        self._show()
        self.changed.emit()
        store, case_id, material = self._store, self._case_id, self.material
        self._runner.op(lambda ctx: store_material(store, case_id, material, path)).success(self._stored).failure(
            self._failed
        ).run()

    def _stored(self, record: AttachmentRecord) -> None:
        self.busy, self.stored = False, record
        self._show()
        self.changed.emit()

    def _failed(self, error: object) -> None:
        self.busy = False
        self._show()
        self.state.setText("保存失败，请重新选择文件。")
        self.changed.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.add_file(Path(urls[0].toLocalFile()))
            event.acceptProposedAction()


class MaterialsPanel(QWidget):
    """The five slots in the order of 310号令 Art.6."""

    changed = Signal()

    def __init__(self, runner: OpRunner, store: Store, case_id: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.slots = {m: MaterialSlot(m, runner, store, case_id) for m in TransferMaterial}
        for slot in self.slots.values():
            slot.changed.connect(self.changed)
            layout.addWidget(slot)
        self.set_testing(False)

    def set_testing(self, applies: bool) -> None:
        for material, slot in self.slots.items():
            mandatory = material in (
                TransferMaterial.TRANSFER_LETTER,
                TransferMaterial.INVESTIGATION_REPORT,
                TransferMaterial.SEIZED_ITEMS_LIST,
            )
            slot.set_required(mandatory or (applies and material is TransferMaterial.TEST_REPORT))
        self.changed.emit()

    @property
    def complete(self) -> bool:
        return all(s.satisfied for s in self.slots.values())

    def provided(self) -> tuple[TransferMaterial, ...]:
        return tuple(m for m, s in self.slots.items() if s.stored is not None)
