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
    # what the driver recorded, unreadable (early_stopping.py, trajectory.py)
    ((r"^your `(\w+)` left the model or its own attributes in a state the grader cannot "
      r"read: "), r"여러분의 `\1`이(가) 모델이나 자기 속성을 채점기가 읽을 수 없는 상태로 "
     r"남겼습니다: "),
    (r"returned an integer too large \((\d+) bits; the grader reads integers of at most 64 "
     r"bits\)", r"너무 큰 정수를 반환했습니다 (\1비트; 채점기는 64비트까지의 정수만 읽습니다)"),
    (r"an integer too large \((\d+) bits; the grader reads integers of at most 64 bits\)",
     r"너무 큰 정수 (\1비트; 채점기는 64비트까지의 정수만 읽습니다)"),
    (r"returned NaN or inf for finite weights$",
     "유한한 가중치에 대해 NaN이나 inf를 반환했습니다"),
)
