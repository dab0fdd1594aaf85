"""The file names of a processed year folder, in one place. :mod:`pipeline.store.catalog`
re-exports them beside their loaders (``catalog.FUNDS_FILE``); they live in a module of their own
so that :mod:`pipeline.store.number_text`, which declares each file's numbers for the CSV writer,
can name them without an import cycle (the catalog imports the writer)."""

TIDY_FILE = "tidy.csv"
QA_FILE = "qa_log.csv"
ASSESSMENT_FILE = "assessment.csv"
PATHS_FILE = "forecast_paths.csv"
SIMULATION_FILE = "paths.npz"
CALIBRATION_SCALES_FILE = "calibration.csv"
MODEL_WEIGHTS_FILE = "model_weights.csv"
INDICATOR_PARAMETERS_FILE = "indicator_parameters.csv"
# the charts a stage draws once, for its notebook and for the report (pipeline/report/charts.py)
REGION_PANEL_FILE = "panel.png"
STATUS_MATRIX_DIR = "status_matrix"  # its parts, 1.png, 2.png …: each fits a printed page
# the 考核 stage (pipeline/annual/results.py says what each holds)
ANNUAL_FACTS_FILE = "annual_facts.csv"
SCORES_FILE = "scores.csv"
SCORE_ITEMS_FILE = "score_items.csv"
SUGGESTIONS_FILE = "suggestions.csv"
FUNDS_FILE = "funds.csv"
REVIEW_CHANGES_FILE = "review_changes.csv"
# ... and in the plan's last year, the five-year results (pipeline/annual/plan_results.py)
PLAN_YEARS_FILE = "plan_years.csv"
PLAN_RESULTS_FILE = "plan_results.csv"
# the departments stage (the 就业工作领导小组成员单位' task lists: pipeline/annual/departments.py)
DEPARTMENT_TASKS_FILE = "department_tasks.csv"
DEPARTMENT_SCORES_FILE = "department_scores.csv"
DEPARTMENT_SUGGESTIONS_FILE = "department_suggestions.csv"
DEPARTMENT_QA_FILE = "department_qa_log.csv"
# The runner marks a build complete with this file, just before it may be published
# (pipeline/runner/builds.py); nothing writes into a build that carries it.
COMPLETE = "COMPLETE"
