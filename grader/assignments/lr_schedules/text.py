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
    (r"returned an? ([\w ]+?), expected one number \(a float\)",
     r"\1을(를) 반환했습니다. 숫자(float) 하나를 반환해야 합니다"),
    (r"^differs from Keras (\w+): (\d+) values for (\d+) steps",
     r"Keras \1와 다릅니다: step \3개에 값 \2개"),
    (r"^no recorded cases for this check$", "이 검사에 기록된 케이스가 없습니다"),
    # the schedules' properties
    (r"^the rate at step (\d+) must be halfway: initial_learning_rate \* \(1 \+ alpha\) / 2",
     r"step \1의 학습률은 중간값 initial_learning_rate * (1 + alpha) / 2여야 합니다"),
    (r"^the rate at step (\d+) must be alpha \* initial_learning_rate \(and it stays there\)",
     r"step \1의 학습률은 alpha * initial_learning_rate여야 합니다 (그 뒤로도 그대로)"),
    (r"^the rate at step (\d+) must be initial_learning_rate",
     r"step \1의 학습률은 initial_learning_rate여야 합니다"),
    (r"^the rate must never increase: step (\d+) gives (\S+), step (\d+) gives (\S+)",
     r"학습률은 늘면 안 됩니다: step \1에서 \2, step \3에서 \4입니다"),
    ((r"^the rate must be positive \(initial_learning_rate and decay_rate are\): step (\d+) "
     r"gives (\S+)"), (r"학습률은 양수여야 합니다 (initial_learning_rate와 decay_rate가 양수입니다): "
     r"step \1에서 \2입니다")),
    ((r"^with staircase=True the rate must stay constant within a period: step (\d+) gives "
      r"(\S+), step (\d+) gives (\S+)"),
     (r"staircase=True이면 한 구간 안에서 학습률이 일정해야 합니다: step \1에서 \2, step \3에서 "
     r"\4입니다")),
    ((r"^with staircase=True the rate at step (\d+) \(the next period\) must be decay_rate \* "
      r"the rate at step (\d+) = (\S+)"),
     (r"staircase=True이면 step \1(다음 구간)의 학습률은 decay_rate * (step \2의 학습률) = \3이어야 "
     r"합니다")),
    ((r"^one period later the rate must be multiplied by decay_rate: step (\d+) should give "
      r"decay_rate \* (\S+)"),
     (r"한 구간 뒤에는 학습률에 decay_rate가 곱해져야 합니다: step \1의 학습률은 decay_rate * \2여야 "
     r"합니다")),
    (r"^step (\d+) must give the value of the interval it ends: (\S+)",
     r"step \1은(는) 그 step에서 끝나는 구간의 값 \2을(를) 줘야 합니다"),
    (r"^step (\d+) must give the value of the interval it is in: (\S+)",
     r"step \1은(는) 그 step이 속한 구간의 값 \2을(를) 줘야 합니다"),
    ((r"^initial_learning_rate / lr\(step\) - 1 must be decay_rate \* t with t = (.+?) = (\S+) "
      r"at step (\d+)"),
     r"step \3에서 initial_learning_rate / lr(step) - 1은 decay_rate * t여야 합니다 (t = \1 = \2)"),
    ((r"^during the warmup the rate must be on the line from initial_learning_rate \(step 0\) "
      r"to warmup_target \(step (\d+)\): at step (\d+) it is (\S+)"),
     (r"웜업 동안 학습률은 initial_learning_rate(step 0)에서 warmup_target(step \1)까지의 직선 "
     r"위에 있어야 합니다: step \2에서는 \3입니다")),
    (r"^from step warmup_steps \+ decay_steps = (\d+) on, the rate must be alpha \* warmup_target",
     r"step warmup_steps + decay_steps = \1부터 학습률은 alpha * warmup_target여야 합니다"),
    # the schedules' error-case checks (schedules.errors_check)
    (r"^the refused arguments count once valid ones give the schedule's rates: ",
     "거부해야 할 인자에 대한 점수는 올바른 인자에서 스케줄의 학습률이 나와야 인정됩니다: "),
    (r"on the lecture's example your function raised (\w+) at step (\d+)$",
     r"강의 예제에서 여러분의 함수가 step \2에서 \1 예외를 냈습니다"),
    ((r"at steps (\d+) to (\d+) of the lecture's example your function returns (\S+) at every "
      r"step \(Keras's rates go from (\S+) to (\S+)\)"),
     (r"강의 예제의 step \1~\2에서 여러분의 함수는 모든 step에 \3을(를) 반환합니다 (Keras의 "
     r"학습률은 \4에서 \5까지 바뀝니다)")),
    # the schedules' examples
    (r"^(\w+\(step, .*\)) at several steps$", r"\1 (여러 step에서)"),
    (r"^a rate > 0$", "0보다 큰 학습률"),
    (r"^raises (\w+)$", r"\1 예외 발생"),
    # plateau.py (a value that is not a number first: the comparisons below read values)
    (r"missing \(no such attribute\)", "없음 (그런 속성이 없습니다)"),
    (r"an int too large \(not a number\)", "너무 큰 정수 (숫자로 읽을 수 없음)"),
    (r"\ban? ([\w ]+?) \(not a number\)", r"\1 (숫자가 아님)"),
    # plateau.py
    ((r"^differs from Keras: (in training (\d+), )?after epoch (\d+): the learning rate is "
     r"(\S+), Keras's is (\S+)"),
     r"Keras와 다릅니다: \1에포크 \3 뒤 학습률이 \4인데, Keras는 \5입니다"),
    ((r"^differs from Keras: (in training (\d+), )?after epoch (\d+): `(\w+)` is (.+?), "
     r"Keras's is ([^\[(]+?)(?= \[| \(|$)"),
     r"Keras와 다릅니다: \1에포크 \3 뒤 `\4`가 \5인데, Keras는 \6입니다"),
    (r"in training (\d+), ", r"학습 \1번째, "),
    (r"Keras raises ValueError here", "Keras는 여기서 ValueError를 냅니다"),
    (r"; Keras does not raise here", "; Keras는 여기서 예외를 내지 않습니다"),
    (r"yours does not$", "여러분의 코드는 내지 않습니다"),
    (r"\((\d+) of (\d+) cases differ\)", r"(\2개 중 \1개 케이스가 다릅니다)"),
    # what the driver recorded, unreadable (plateau.py, schedules.py)
    ((r"^your `(\w+)` left the optimizer or its own attributes in a state the grader cannot "
      r"read: "), (r"여러분의 `\1`이(가) 옵티마이저나 자기 속성을 채점기가 읽을 수 없는 상태로 "
     r"남겼습니다: ")),
    (r"^`(\w+)` left the grader's driver returning ",
     r"`\1` 때문에 채점기의 드라이버가 다음을 돌려주었습니다: "),
    ((r"returned an integer too large \((\d+) bits; the grader reads integers of at most 64 "
     r"bits\)"), r"너무 큰 정수를 반환했습니다 (\1비트; 채점기는 64비트까지의 정수만 읽습니다)"),
    (r"an integer too large \((\d+) bits; the grader reads integers of at most 64 bits\)",
     r"너무 큰 정수 (\1비트; 채점기는 64비트까지의 정수만 읽습니다)"),
    (r"an int too large \(not a number\)", "너무 큰 정수 (숫자로 읽을 수 없음)"),
    (r"; on these finite values it must be a finite number",
     "; 입력이 모두 유한한 값이므로 유한한 숫자여야 합니다"),
    ((r"^the fit loop's record is (.+?), not the driver's record \(did your code replace or "
     r"change the grader's driver\?\)"),
     (r"학습 루프의 기록이 드라이버의 기록이 아니라 \1입니다 (채점기의 드라이버를 바꾸거나 "
     r"고치지 않았나요?)")),
    (r"\(did your code replace or change the grader's driver\?\)",
     "(채점기의 드라이버를 바꾸거나 고치지 않았나요?)"),
    (r"its trainings are not a list of lists of records",
     "학습 기록이 기록 리스트들의 리스트가 아닙니다"),
    (r", the record is (.+?), not the driver's record of lr, wait, cooldown_counter and best",
     r", 기록이 lr, wait, cooldown_counter, best의 드라이버 기록이 아니라 \1입니다"),
    (r"the record of the ValueError raised is not the driver's",
     "발생한 ValueError의 기록이 드라이버의 기록이 아닙니다"),
    (r"epochs recorded per training: (.+?), for (.+?) epochs run",
     r"학습마다 기록된 에포크 수: \1 (실행한 에포크 수: \2)"),
    # plateau.py: what differs from Keras (difference) and how a raise reads (_raised_text)
    (r"; yours ran on to epoch (\d+)", r"; 여러분의 코드는 에포크 \1까지 그대로 실행되었습니다"),
    (r"^differs from Keras: yours raised ", "Keras와 다릅니다: 여러분의 코드에서 예외 발생: "),
    (r"^differs from Keras: (\d+) epochs recorded, Keras (\d+)",
     r"Keras와 다릅니다: 에포크 \1개가 기록되었습니다 (Keras는 \2개)"),
    (r"^differs from Keras: ", "Keras와 다릅니다: "),
    ((r"\b(\w+) in (__init__|set_model|on_train_begin|on_epoch_end|on_train_end) \(epoch (\d+) "
      r"of training (\d+)\): "), r"\2(학습 \4번째, 에포크 \3)에서 \1: "),
    (r"\b(\w+) in (__init__|set_model|on_train_begin|on_epoch_end|on_train_end) \(epoch (\d+)\): ",
     r"\2(에포크 \3)에서 \1: "),
    (r"\b(\w+) in (__init__|set_model|on_train_begin|on_epoch_end|on_train_end): ",
     r"\2에서 \1: "),
    # the plateau's properties and error-case check (an epoch: "after epoch 3", "학습 2번째,
    # after epoch 3" once the line above translated "in training 2, ")
    (r"(^|학습 \d+번째, )after epoch (\d+)([:,]) ", r"\1에포크 \2 뒤\3 "),
    ((r"the learning rate is (\S+); on a loss that never improves after epoch 0, with "
      r"patience=(\d+) the first reduction \(to max\(lr \* factor, min_lr\) = (\S+)\) comes at "
      r"epoch (\d+)"),
     (r"학습률이 \1입니다. 에포크 0 뒤로 나아지지 않는 손실에서 patience=\2이면 첫 감소"
     r"(max(lr * factor, min_lr) = \3으로)는 에포크 \4에 일어납니다")),
    (r"right after a reduction, wait must be 0 and cooldown_counter must be cooldown = (\d+)",
     r"학습률을 낮춘 직후에는 wait가 0이고 cooldown_counter가 cooldown = \1이어야 합니다"),
    ((r"the learning rate went from (\S+) to (\S+); a reduction sets it to max\(lr \* factor, "
      r"min_lr\) = (\S+)"),
     (r"학습률이 \1에서 \2(으)로 바뀌었습니다. 감소는 학습률을 max(lr * factor, min_lr) = \3(으)로 "
     r"정합니다")),
    (r"the learning rate (\S+) is below min_lr = (\S+)",
     r"학습률 \1이(가) min_lr = \2보다 낮습니다"),
    (r"wait must be >= 0 and cooldown_counter between 0 and cooldown = (\d+)",
     r"wait는 0 이상, cooldown_counter는 0과 cooldown = \1 사이여야 합니다"),
    (r"the learning rate changed to (\S+) although the loss improved at every epoch",
     r"손실이 매 에포크 나아졌는데 학습률이 \1(으)로 바뀌었습니다"),
    (r"after an improvement wait must be 0 and best the new value (\S+)",
     r"개선된 뒤에는 wait가 0이고 best가 새 값 \1이어야 합니다"),
    (r"the learning rate is ([^;]+?)(;|$)", r"학습률이 \1입니다\2"),
    (r"(뒤[:,] )`(\w+)` is ([^;]+?)(;|$)", r"\1`\2`이(가) \3입니다\4"),
    (r"^raised ", "예외 발생: "),
    (r"^the refused arguments count once the callback reduces the rate: ",
     "거부해야 할 인자에 대한 점수는 콜백이 학습률을 낮춰야 인정됩니다: "),
    (r"on a loss that never improves, yours raised ",
     "나아지지 않는 손실에서 여러분의 코드가 예외를 냈습니다: "),
    (r"on a loss that never improves, with patience=(\d+), yours never reduces it in (\d+) epochs",
     (r"patience=\1이고 나아지지 않는 손실에서, 여러분의 코드는 \2 에포크 동안 학습률을 한 번도 "
     r"낮추지 않습니다")),
    # a call that fails (grader.checking.failed_call) and the fake optimizer's own errors
    (r"^your function raised ", "여러분의 함수에서 예외 발생: "),
    (r"^your `(\w+)` raised ", r"여러분의 `\1`에서 예외 발생: "),
    (r"^your function\b", "여러분의 함수"),      # the engine's words follow (did not finish...)
    (r"^your `(\w+)`", r"여러분의 `\1`"),
    ((r"the optimizer has no attribute '(\w+)': assign the new rate to "
      r"`optimizer\.learning_rate` \(Keras 3 has no `lr`\)"),
     (r"옵티마이저에 '\1' 속성이 없습니다. 새 학습률은 `optimizer.learning_rate`에 대입하세요 "
     r"(Keras 3에는 `lr`이 없습니다)")),
    ((r"the optimizer has no attribute '(\w+)': read the rate from `optimizer\.learning_rate` "
      r"\(Keras 3 has no `lr`\)"),
     (r"옵티마이저에 '\1' 속성이 없습니다. 학습률은 `optimizer.learning_rate`에서 읽으세요 "
     r"(Keras 3에는 `lr`이 없습니다)")),
    (r"(\S+) must be a number \(a float\); got (\w+)",
     r"\1은(는) 숫자(float)여야 합니다 (받은 값의 형: \2)"),
    (r"(\w+) has no method (.+?) \(the callback protocol of model\.fit: (.+?)\)",
     r"\1에 메서드 \2이(가) 없습니다 (model.fit의 콜백 프로토콜: \3)"),
    # the plateau's examples (inputs_text, outcome_text, the properties' expected values)
    (r"; the optimizer's learning rate starts at (\S+)$", r"; 옵티마이저의 처음 학습률은 \1"),
    (r"^the model's compiled metrics: ", "모델에 컴파일된 지표: "),
    (r"\(direction ('\w+'|None)\)", r"(방향 \1)"),
    (r"^training (\d+), (\S+) at the end of epochs 0, 1, \.\.\.: ",
     r"학습 \1번째, 에포크 0, 1, ...이 끝날 때의 \2: "),
    (r"^(\S+) at the end of epochs 0, 1, \.\.\.: ", r"에포크 0, 1, ...이 끝날 때의 \1: "),
    (r"\(missing\)", "(없음)"),
    (r"^training (\d+), epoch (\d+): ", r"학습 \1번째, 에포크 \2: "),
    (r"^epoch (\d+): ", r"에포크 \1: "),
    (r"^raises ", "예외: "),
    (r"^\(no epoch recorded\)$", "(기록된 에포크 없음)"),
    (r"^lr=(\S+) after epoch (\d+)$", r"에포크 \2 뒤 lr=\1"),
    (r"^lr=(\S+) at every epoch$", r"매 에포크 lr=\1"),
    (r"^(\S+) or (\S+)$", r"\1 또는 \2"),
)
