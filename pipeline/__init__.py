"""安康市就业工作目标责任制年度考核流水线 (Ankang employment target responsibility pipeline)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# ANKANG_CONFIG_DIR: another configuration folder (the benchmark's synthetic regions).
CONFIG_DIR = Path(os.environ.get("ANKANG_CONFIG_DIR") or PROJECT_ROOT / "config")
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
REFERENCE_DIR = DATA_DIR / "reference"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
