"""The "learning-rate schedules" notebook: the lecture's text on each part.

Read by the generic notebook builder (grader/authoring/notebook.py) through
``Assignment.notebook``; ``INTRO`` and ``CONCEPTS`` are also attached to the declaration
by ``build()`` (``Assignment.intro``, each ``Part.concept``). Every text is
``T(English, Korean)``: the notebook shows the Korean with the English beside it.
"""

from __future__ import annotations

from grader.declaration import T

FILE = "lr_schedules.ipynb"

TITLE = T("Assignment: learning-rate schedules and plateaus", "과제: 학습률 스케줄과 정체 구간")

INTRO = T(
    """\
In this notebook you implement, **with numpy and the standard library only**, four of Keras's \
learning-rate schedules (exponential, piecewise constant, inverse time and cosine decay with \
warmup) and Keras's `ReduceLROnPlateau` callback. The goal is to compute **the same numbers as \
Keras 3**: the same rate at every step, and the same rate, `wait`, `cooldown_counter` and `best` \
after every epoch. Keras computes the schedules in float32; your functions may compute in \
float64 (the checks use float32 tolerances).""",
    """\
이 노트북에서는 **numpy와 표준 라이브러리만으로** Keras의 학습률 스케줄 네 가지(지수 감쇠, 구간별 \
상수, 역시간 감쇠, 웜업이 있는 코사인 감쇠)와 Keras의 `ReduceLROnPlateau` 콜백을 구현합니다. \
목표는 **Keras 3와 같은 숫자**를 내는 것입니다: 매 스텝 같은 학습률, 그리고 매 에포크가 끝난 뒤 \
같은 학습률, `wait`, `cooldown_counter`, `best`입니다. Keras는 스케줄을 float32로 계산하지만, \
여러분의 함수는 float64로 계산해도 됩니다 (float32 수준의 오차는 허용합니다).""")

EXAMPLE_PART = "exponential_decay"

FORMULAS = T("the formula as Keras computes it", "Keras가 계산하는 식")

SECTIONS = {
    "schedules": (T("Learning-rate schedules", "학습률 스케줄"),
        T("Each function takes the optimizer's step (0 before the first update, then 1, 2, ...) "
          "and the schedule's hyper-parameters, and returns the learning rate at that step. "
          "Keras's optimizer calls its schedule with its step counter before every update.",
          "각 함수는 옵티마이저의 스텝 번호(첫 업데이트 전에는 0, 그다음 1, 2, ...)와 스케줄의 "
          "하이퍼파라미터를 받아 그 스텝의 학습률을 반환합니다. Keras의 옵티마이저는 업데이트할 "
          "때마다 스텝 번호로 스케줄을 호출합니다.")),
    "plateau": (T("Reducing the learning rate on a plateau", "정체 구간에서 학습률 낮추기"),
        T("A callback watches a logged quantity at the end of every epoch and lowers the "
          "optimizer's learning rate when it has stopped improving.",
          "콜백은 매 에포크가 끝날 때 기록된 값을 지켜보다가, 더 나아지지 않으면 옵티마이저의 "
          "학습률을 낮춥니다.")),
}

CONCEPTS = {
    "exponential_decay": T(
        """\
**Exponential decay** multiplies the rate by `decay_rate` every `decay_steps` steps: \
`lr = initial_learning_rate * decay_rate ** (step / decay_steps)`. The exponent is a real \
number, so the rate falls a little at every step; with `staircase=True` it is floored and the \
rate falls in stairs, once per period of `decay_steps` steps.""",
        """\
**지수 감쇠**는 `decay_steps` 스텝마다 학습률에 `decay_rate`를 한 번 곱한 만큼 줄입니다: \
`lr = initial_learning_rate * decay_rate ** (step / decay_steps)`. 지수가 실수이므로 매 스텝 조금씩 \
줄어들고, `staircase=True`이면 지수를 내림하여 `decay_steps` 스텝마다 한 번씩 계단 모양으로 \
줄어듭니다."""),
    "piecewise_constant": T(
        """\
**Piecewise constant decay** uses a fixed rate per interval of steps: `values[0]` up to and \
including `boundaries[0]`, then `values[1]` up to and including `boundaries[1]`, and so on; \
`values[-1]` after the last boundary. There is one more value than boundaries.""",
        """\
**구간별 상수 학습률**은 스텝 구간마다 정해진 학습률을 씁니다: `boundaries[0]`까지(그 스텝 포함)는 \
`values[0]`, 그다음 `boundaries[1]`까지는 `values[1]`, ..., 마지막 경계 뒤에는 `values[-1]`입니다. \
values는 boundaries보다 하나 많습니다."""),
    "inverse_time_decay": T(
        """\
**Inverse time decay** divides the initial rate by a quantity that grows linearly with time: \
`lr = initial_learning_rate / (1 + decay_rate * step / decay_steps)` (the quotient floored with \
`staircase=True`). The rate falls fast at first, then more and more slowly.""",
        """\
**역시간 감쇠**는 시간에 따라 선형으로 커지는 값으로 처음 학습률을 나눕니다: \
`lr = initial_learning_rate / (1 + decay_rate * step / decay_steps)` (`staircase=True`이면 몫을 \
내림). 처음에는 빨리 줄고, 갈수록 천천히 줄어듭니다."""),
    "cosine_decay": T(
        """\
**Cosine decay** follows half a cosine period from the starting rate down to `alpha` times it \
over `decay_steps` steps, then stays there. Large models are often trained with a **linear \
warmup** first: with `warmup_target`, the rate climbs on a straight line from \
`initial_learning_rate` to `warmup_target` over `warmup_steps` steps, and the cosine decay then \
starts from `warmup_target`.""",
        """\
**코사인 감쇠**는 `decay_steps` 스텝 동안 코사인 반 주기를 따라 시작 학습률에서 그 `alpha`배까지 \
내려간 뒤 그대로 머뭅니다. 큰 모델은 흔히 먼저 **선형 웜업**을 합니다: `warmup_target`을 주면 \
학습률이 `warmup_steps` 스텝 동안 `initial_learning_rate`에서 `warmup_target`까지 직선으로 올라가고, \
그다음 `warmup_target`에서 코사인 감쇠가 시작됩니다."""),
    "reduce_lr_on_plateau": T(
        """\
**ReduceLROnPlateau** watches a logged quantity (e.g. `val_loss`). When it has not improved by \
more than `min_delta` for `patience` epochs, the learning rate is multiplied by `factor` (never \
below `min_lr`), then the callback rests for `cooldown` epochs. Keras's details matter: `wait` \
is counted before it is compared with `patience`, the cooldown counter is decremented before \
the test, the comparisons are strict and done in float32, and `mode="auto"` takes the \
direction of the model's compiled metric.""",
        """\
**ReduceLROnPlateau**는 기록된 값(예: `val_loss`)을 지켜봅니다. 그 값이 `patience` 에포크 동안 \
`min_delta`보다 크게 나아지지 않으면 학습률에 `factor`를 곱하고(`min_lr` 아래로는 내려가지 않음), \
`cooldown` 에포크 동안 쉽니다. Keras의 세부 동작이 중요합니다: `wait`는 `patience`와 비교하기 전에 \
세고, cooldown 카운터는 검사 전에 줄이며, 비교는 엄격하게 float32로 하고, `mode="auto"`는 모델에 \
컴파일된 지표의 방향을 따릅니다."""),
}
