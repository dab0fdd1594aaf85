"""安康市就业工作目标责任制年度考核流水线 (Ankang employment target responsibility pipeline)."""

import os
import sys
from pathlib import Path

# One BLAS thread per process. The pipeline runs in parallel by processes (kernels, Dask workers),
# and OpenBLAS's own threads, spinning on the tiny matrices of a statsmodels fit, made each Theta
# and damped-Holt fit 4–7× slower on a busy 2-core machine (88 → 12 ms). Effective only when set
# before numpy is first imported (`python -m pipeline`, and every kernel and worker it starts,
# which inherit it); a value already in the environment is kept.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# No IRI grammar at import. papermill → nbformat → jsonschema imports rfc3987-syntax when it is
# installed (JupyterLab's jupyter-events pulls it in), and that builds a grammar at import: 2.8 of
# the 3.8 CPU-s of `import papermill`, paid by the runner and by every Dask worker. jsonschema only
# needs it for the "iri" formats, which neither nbformat's schema nor ours uses; a None entry makes
# the import fail, which jsonschema expects of an optional extra. Set before anything imports
# jsonschema; a process that already has the module keeps it (JupyterLab imports no pipeline).
sys.modules.setdefault("rfc3987_syntax", None)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# ANKANG_CONFIG_DIR: another configuration folder (the benchmark's synthetic regions).
CONFIG_DIR = Path(os.environ.get("ANKANG_CONFIG_DIR") or PROJECT_ROOT / "config")
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
# ANKANG_REFERENCE_DIR: another reference folder (the benchmark's synthetic regions: populations
# and boundaries of counties that do not exist, labelled synthetic in that folder).
REFERENCE_DIR = Path(os.environ.get("ANKANG_REFERENCE_DIR") or DATA_DIR / "reference")
REPORTS_DIR = PROJECT_ROOT / "reports"
# The 考评组's review files (pipeline/annual/review.py reads them); here, with the other folders, so
# that the command line names its default without importing the review's models (pandas, pydantic).
REVIEW_DIR = DATA_DIR / "review"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
