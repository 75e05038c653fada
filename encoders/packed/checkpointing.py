"""When and where a packed training checkpoints (`encoders.packed.resume`): every `every` steps and at the end,
into checkpoint_dir/pack<i>/checkpoint for the i-th pack of a `train_many` call; nothing without a checkpoint_dir."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from encoders.checkpoint import CHECKPOINT, Resume, find_checkpoint
from encoders.fingerprint import data_fingerprint
from encoders.packed.log import PackLog
from encoders.packed.pack import Pack
from encoders.packed.resume import resume_pack, save_pack


@dataclass
class Checkpointing:
    """The checkpoint of one pack: `folder` (None: none), every `every` steps, `resume` as `encoders.train` takes
    it, and the data fingerprint of its training data."""

    folder: Path | None
    every: int
    resume_mode: Resume
    data: dict
    saved_at: int = -1

    @classmethod
    def of(cls, folder: Path | None, every: int, resume: Resume, data: object) -> Checkpointing:
        """The checkpointing of a pack trained on the checked `data` (`check_arguments`' second result)."""
        fingerprint = data_fingerprint(data.images, data.pairs, data.labels, None)  # type: ignore[attr-defined]
        return cls(folder, every, resume, fingerprint)

    def resume(self, pack: Pack, log: PackLog, steps: int) -> None:
        """Restore the pack and its log from the checkpoint when there is one and `resume_mode` allows."""
        if self.folder is None:
            return
        found = find_checkpoint(self.folder, self.resume_mode)
        if found is not None:
            resume_pack(found, pack, log, self.data, steps)
            self.saved_at = log.step

    def save(self, pack: Pack, log: PackLog) -> None:
        """Checkpoint the pack, unless there is no folder or this step is saved already."""
        if self.folder is not None and self.saved_at != log.step:
            save_pack(self.folder / CHECKPOINT, pack, log, self.data)
            self.saved_at = log.step
