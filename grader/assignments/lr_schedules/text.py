"""What this assignment's checks say in failure messages, in Korean
(``Assignment.messages_ko``, applied by grader/i18n.py before the engine's own fragments).

Part titles, check names and hints are declared beside each part as ``T(en, ko)``; this
module holds the fragments of the messages the checks compute.
"""

from __future__ import annotations

MESSAGES_KO = (
    # schedules.py
    ((r"^differs from Keras (\w+): at step (\d+): got ([^,\s]+), expected ([^\s]+) "
     r"\(rtol ([^,]+), atol ([^)]+)\)"),
     r"Keras \1와 다릅니다: step \2에서 실제값 \3, 기대값 \4 (rtol \5, atol \6)"),
    ((r"^differs from Keras (\w+): raised (\w+); Keras's constructor raises (\w+) for this "
     r"configuration"), (r"Keras \1와 다릅니다: \2 예외가 났지만, 이 설정이면 Keras의 생성자는 \3를 "
     r"냅니다")),
    ((r"^differs from Keras (\w+): returned (\S+); Keras's constructor raises (\w+) for this "
     r"configuration"), (r"Keras \1와 다릅니다: \2을(를) 반환했지만, 이 설정이면 Keras의 생성자는 "
     r"\3를 냅니다")),
    (r"^differs from Keras (\w+): at step (\d+): raised (.+?); Keras returns (\S+)",
     r"Keras \1와 다릅니다: step \2에서 예외가 났습니다 (\3). Keras는 \4을(를) 반환합니다"),
    (r"returned None \(did you forget to return the rate\?\)",
     "None을 반환했습니다 (학습률을 return하는 것을 빠뜨리지 않았나요?)"),
    (r"returned a (\w+), expected one number \(a float\)",
     r"\1을(를) 반환했습니다. 숫자(float) 하나를 반환해야 합니다"),
    (r"^the rate at step 0 must be initial_learning_rate",
     "step 0의 학습률은 initial_learning_rate여야 합니다"),
    (r"^the rate must never increase: ", "학습률은 늘면 안 됩니다: "),
    (r"^with staircase=True the rate must stay constant within a period: ",
     "staircase=True이면 한 구간 안에서 학습률이 일정해야 합니다: "),
    (r"^one period later the rate must be multiplied by decay_rate: ",
     "한 구간 뒤에는 학습률에 decay_rate가 곱해져야 합니다: "),
    (r"^during the warmup the rate must be on the line from initial_learning_rate",
     "웜업 동안 학습률은 initial_learning_rate에서 시작하는 직선 위에 있어야 합니다"),
    # plateau.py
    ((r"^differs from Keras: (in training (\d+), )?after epoch (\d+): the learning rate is "
     r"(\S+), Keras's is (\S+)"),
     r"Keras와 다릅니다: \1에포크 \3 뒤 학습률이 \4인데, Keras는 \5입니다"),
    ((r"^differs from Keras: (in training (\d+), )?after epoch (\d+): `(\w+)` is (.+?), "
     r"Keras's is ([^\[(]+)"),
     r"Keras와 다릅니다: \1에포크 \3 뒤 `\4`가 \5인데, Keras는 \6입니다"),
    (r"in training (\d+), ", r"학습 \1번째, "),
    (r"Keras raises ValueError here", "Keras는 여기서 ValueError를 냅니다"),
    (r"; Keras does not raise here", "; Keras는 여기서 예외를 내지 않습니다"),
    (r"yours does not$", "여러분의 코드는 내지 않습니다"),
    (r"missing \(no such attribute\)", "없음 (그런 속성이 없습니다)"),
    (r"\((\d+) of (\d+) cases differ\)", r"(\2개 중 \1개 케이스가 다릅니다)"),
    # what the driver recorded, unreadable (plateau.py, schedules.py)
    ((r"^your `(\w+)` left the optimizer or its own attributes in a state the grader cannot "
      r"read: "), r"여러분의 `\1`이(가) 옵티마이저나 자기 속성을 채점기가 읽을 수 없는 상태로 "
     r"남겼습니다: "),
    (r"^`(\w+)` left the grader's driver returning ",
     r"`\1` 때문에 채점기의 드라이버가 다음을 돌려주었습니다: "),
    (r"returned an integer too large \((\d+) bits; the grader reads integers of at most 64 "
     r"bits\)", r"너무 큰 정수를 반환했습니다 (\1비트; 채점기는 64비트까지의 정수만 읽습니다)"),
    (r"an integer too large \((\d+) bits; the grader reads integers of at most 64 bits\)",
     r"너무 큰 정수 (\1비트; 채점기는 64비트까지의 정수만 읽습니다)"),
    (r"an int too large \(not a number\)", "너무 큰 정수 (숫자로 읽을 수 없음)"),
    (r"; on these finite values it must be a finite number",
     "; 입력이 모두 유한한 값이므로 유한한 숫자여야 합니다"),
)
