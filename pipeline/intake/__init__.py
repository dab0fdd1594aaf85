"""读取与校验：各县报送的文件 → 整洁表（tidy）与数据质量日志。"""


class IntakeError(ValueError):
    """A file that cannot be read as a submission at all. Here, not beside the readers
    (spreadsheet.py re-exports it), so that the command line catches it without importing them
    (openpyxl, pandas: half a second on every command, the no-op included)."""
