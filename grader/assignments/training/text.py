"""What this assignment's checks say in failure messages and notes, in Korean
(``Assignment.messages_ko``, applied by grader/i18n.py before the engine's own fragments).

Part titles, check names and hints are declared beside each part as ``T(en, ko)``; this
module holds what a check computes: the fragments of its messages (``(regex, Korean)``)
and the notes a passing check may return (each declared as a ``T`` with its part).
"""

from __future__ import annotations

from grader.i18n import exact_ko

from .optimizers import EPS_NOTE
from .regularization import NONFINITE_NOTE, SGD_NOTE

MESSAGES_KO = (
    # notes on accepted variants (whole notes)
    *exact_ko(*EPS_NOTE.values(), NONFINITE_NOTE, SGD_NOTE),
    # the reference checks' failures (trajectory.py, batchnorm.py, early_stopping.py...)
    (r"differs from Keras at step (\d+) \(", r"\1번째 스텝에서 Keras와 다릅니다 ("),
    (r"^differs from Keras", "Keras와 다릅니다"),
    (r"new parameter: ", "새 파라미터: "),
)
