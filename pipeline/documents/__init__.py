"""The documents the bureau sends (issue 14): 考核结果通报, one 告知书 per county, 约谈通知, 表扬通报,
领导摘要 and the A3 汇总表, as .docx (GB/T 9704-2012 layout, editable in Word/WPS) and PDF, written
from the year's results (:class:`~pipeline.documents.inputs.DocumentInputs`) after the 考评组's
review (:mod:`pipeline.documents.review`). Entry points: :func:`build.build_documents` and
:func:`build.make_documents`."""
