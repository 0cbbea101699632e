"""Instructor-only code of the lr_schedules assignment: Keras's own outputs
(``keras_reference``) and the catalogue of known student mistakes (``mistakes``).
Never shipped to students and never loaded by the sandboxed worker."""
