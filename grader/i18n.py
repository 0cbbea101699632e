"""Korean feedback: ``grader check --lang ko`` and ``grader.check(..., lang="ko")``.

The checks speak English (their names, messages and the parts' ``HINTS``); this
module translates a finished result, so the checks stay language-free and every
renderer works unchanged. Translations are keyed by what is stable:

* hints by mistake id (the same keys as the parts' ``HINTS`` dicts);
* check names, part titles and notes by their exact English text;
* messages by a short list of patterns for their common fragments.

Anything without a translation stays in English. ``tests/test_notebook.py`` checks
that every hint and every check name of the assignment has a Korean translation.
"""

from __future__ import annotations

import dataclasses
import re

LANGS = ("en", "ko")


def validate_lang(lang) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(map(repr, LANGS))}; received {lang!r}")
    return lang


# -- labels of the renderers ---------------------------------------------------------------------

LABELS_KO = {
    "part": "파트", "points": "점수", "checks": "검사", "passed": "통과", "PASS": "통과",
    "FAIL": "실패", "note": "참고", "hint": "힌트", "input": "입력", "expected": "기대값",
    "got": "실제값", "error": "오류", "score": "점수", "all passed": "모두 통과",
    "smallest failing example": "실패한 가장 작은 예", "not yet": "아직 남은 부분이 있음",
    "checks passed": "개 검사 통과",
}


def label(text: str, lang: str = "en") -> str:
    """A renderer's fixed word (``"hint"``, ``"expected"``...) in ``lang``."""
    if lang == "ko":
        return LABELS_KO.get(text, text)
    return text


# -- part titles -----------------------------------------------------------------------------------

TITLES_KO = {
    "SGD with momentum": "모멘텀 SGD",
    "SGD with Nesterov momentum": "네스테로프 모멘텀 SGD",
    "Adagrad": "Adagrad",
    "RMSprop": "RMSprop",
    "Adam": "Adam",
    "AdamW": "AdamW",
    "L1 and L2 weight penalties": "L1, L2 가중치 페널티",
    "Dropout": "드롭아웃",
    "Batch normalization (training)": "배치 정규화 (학습)",
    "Batch normalization (inference)": "배치 정규화 (추론)",
    "Early stopping": "조기 종료",
}

# -- check names (keyed by the English name) ---------------------------------------------------

CHECK_NAMES_KO = {
    # optimizers
    "matches Keras SGD(0.1, momentum=0.9) (the lecture's example)":
        "Keras SGD(0.1, momentum=0.9)와 같은 결과 (강의 예제)",
    "matches Keras SGD(0.1, momentum=0.9, nesterov=True) (the lecture's example)":
        "Keras SGD(0.1, momentum=0.9, nesterov=True)와 같은 결과 (강의 예제)",
    "matches Keras Adagrad(0.1) (the lecture's example)":
        "Keras Adagrad(0.1)와 같은 결과 (강의 예제)",
    "matches Keras RMSprop(0.01, rho=0.9) (the lecture's example)":
        "Keras RMSprop(0.01, rho=0.9)와 같은 결과 (강의 예제)",
    "matches Keras Adam(0.01, beta_1=0.9, beta_2=0.99) (the lecture's example)":
        "Keras Adam(0.01, beta_1=0.9, beta_2=0.99)와 같은 결과 (강의 예제)",
    "matches Keras AdamW() with Keras's defaults (the lecture's example)":
        "기본 하이퍼파라미터의 Keras AdamW()와 같은 결과 (강의 예제)",
    "matches Keras with its default hyper-parameters": "기본 하이퍼파라미터에서 Keras와 같은 결과",
    "matches Keras on float32 inputs of many shapes and hyper-parameters":
        "여러 가지 모양과 하이퍼파라미터의 float32 입력에서 Keras와 같은 결과",
    "matches Keras on float64 inputs": "float64 입력에서 Keras와 같은 결과",
    "matches Keras on the hidden cases": "숨겨진 테스트 케이스에서 Keras와 같은 결과",
    "momentum=0 is plain SGD": "momentum=0이면 일반 SGD와 같음",
    "with a zero gradient the parameter coasts on its velocity":
        "그래디언트가 0이면 파라미터가 속도(velocity)만으로 관성 이동함",
    "the first step does not depend on the gradient's scale":
        "첫 스텝의 크기가 그래디언트의 스케일에 좌우되지 않음",
    "the first step moves each coordinate by about learning_rate":
        "첫 스텝에서 각 좌표가 약 learning_rate만큼 이동함",
    "weight decay is decoupled from the gradient":
        "가중치 감쇠가 그래디언트와 분리되어(decoupled) 적용됨",
    # regularization
    "l1_penalty matches Keras's L1 (the lecture's L1(1.0), the default 0.01, float32 and float64)":
        "l1_penalty가 Keras의 L1과 같은 결과 (강의의 L1(1.0), 기본값 0.01, float32와 float64)",
    "l1_grad matches TensorFlow's gradient of L1 (0 where a weight is exactly 0)":
        "l1_grad가 TensorFlow의 L1 그래디언트와 같은 결과 (가중치가 정확히 0인 곳에서는 0)",
    "l2_penalty matches Keras's L2 (the lecture's L2(0.5)([1, 2]) = 2.5: no 1/2)":
        "l2_penalty가 Keras의 L2와 같은 결과 (강의의 L2(0.5)([1, 2]) = 2.5: 1/2 없음)",
    "l2_grad matches TensorFlow's gradient of L2 (2*l2*w)":
        "l2_grad가 TensorFlow의 L2 그래디언트와 같은 결과 (2*l2*w)",
    "penalties are never negative and scale as |c| (L1) and c**2 (L2)":
        "페널티는 음수가 아니고, 가중치를 c배 하면 |c|배(L1), c**2배(L2)가 됨",
    "each gradient agrees with finite differences of its penalty":
        "각 그래디언트가 페널티의 유한 차분 근사와 일치함",
    "with SGD, adding l2_grad is weight decay with weight_decay = 2*l2":
        "SGD에서 l2_grad를 더하는 것은 weight_decay = 2*l2인 가중치 감쇠와 같음",
    "matches Keras's Dropout(0.5) and Dropout(0.2) in training, given Keras's mask "
    "(the lecture's example)":
        "Keras의 마스크가 주어졌을 때 학습 모드의 Dropout(0.5), Dropout(0.2)와 같은 결과 (강의 "
        "예제)",
    "matches Keras on float32 inputs of many shapes and rates":
        "여러 가지 모양과 rate의 float32 입력에서 Keras와 같은 결과",
    "training=False (the default) returns x unchanged":
        "training=False(기본값)이면 x를 그대로 반환함",
    "in training, rate=0 returns x and rate=1 returns zeros":
        "학습 모드에서 rate=0이면 x를, rate=1이면 0을 반환함",
    "dropout_mask returns a bool array of the given shape, the same for the same seed":
        "dropout_mask는 주어진 모양의 bool 배열을 반환하고, 시드가 같으면 마스크도 같음",
    "dropout_mask keeps about 1 - rate of the entries":
        "dropout_mask는 원소의 약 1 - rate 비율을 남김",
    "averaged over many masks, dropout's output is x (inverted scaling)":
        "여러 마스크에 걸쳐 평균을 내면 dropout의 출력이 x가 됨 (inverted 스케일링)",
    # batch normalization
    "matches Keras BatchNormalization() with its defaults on (batch, features) inputs":
        "(batch, features) 입력에서 기본값의 Keras BatchNormalization()과 같은 결과",
    "matches Keras on image batches (batch, height, width, channels)":
        "이미지 배치 (batch, height, width, channels)에서 Keras와 같은 결과",
    "matches Keras with other momentum and epsilon values":
        "다른 momentum, epsilon 값에서도 Keras와 같은 결과",
    "a batch of one example (variance 0) gives about beta, as in Keras":
        "예제가 하나뿐인 배치(분산 0)에서는 Keras처럼 거의 beta가 나옴",
    "with gamma=1, beta=0 each feature has mean 0 and variance var/(var+epsilon)":
        "gamma=1, beta=0이면 각 특성의 평균은 0, 분산은 var/(var+epsilon)이 됨",
    "the moving statistics approach a repeated batch's statistics geometrically":
        "같은 배치를 반복해서 넣으면 이동 통계가 그 배치의 통계로 기하급수적으로 다가감",
    "matches Keras BatchNormalization() at inference on (batch, features) inputs":
        "(batch, features) 입력에서 추론 모드의 Keras BatchNormalization()과 같은 결과",
    "matches Keras at inference on image batches (batch, height, width, channels)":
        "이미지 배치 (batch, height, width, channels)에서 추론 모드의 Keras와 같은 결과",
    "matches Keras at inference with other epsilon values":
        "다른 epsilon 값에서도 추론 모드의 Keras와 같은 결과",
    "matches Keras at inference on float64 inputs":
        "float64 입력에서 추론 모드의 Keras와 같은 결과",
    "with the batch's own statistics as moving statistics it gives the training output":
        "배치 자신의 평균과 분산을 이동 통계로 넣으면 학습 모드의 출력과 같음",
    "each example is normalised on its own (independent of the rest of the batch)":
        "각 예제가 배치의 나머지와 상관없이 따로 정규화됨",
    "matches Keras at inference on the hidden cases":
        "숨겨진 테스트 케이스에서 추론 모드의 Keras와 같은 결과",
    # early stopping
    "matches Keras EarlyStopping(monitor='val_loss', min_delta=0, patience=0, mode='auto', "
    "restore_best_weights=False) (the lecture's example)":
        "Keras EarlyStopping(monitor='val_loss', min_delta=0, patience=0, mode='auto', "
        "restore_best_weights=False)과 같은 동작 (강의 예제)",
    "matches Keras for several patience and min_delta values":
        "여러 patience, min_delta 값에서 Keras와 같은 동작",
    "matches Keras for mode 'min', 'max' and 'auto' on loss and accuracy names":
        "loss, accuracy 이름에 대해 mode 'min', 'max', 'auto'에서 Keras와 같은 동작",
    "matches Keras with a baseline": "baseline이 있을 때 Keras와 같은 동작",
    "matches Keras with restore_best_weights=True":
        "restore_best_weights=True일 때 Keras와 같은 동작",
    "matches Keras with start_from_epoch and epochs whose logs lack the monitored value":
        "start_from_epoch를 쓰거나 logs에 모니터링 값이 없는 에포크가 있을 때 Keras와 같은 동작",
    "one callback reused for two trainings starts afresh each time":
        "콜백 하나를 두 번의 학습에 다시 써도 매번 처음 상태에서 시작함",
    "a quantity that improves every epoch never stops training":
        "매 에포크 개선되는 값이면 학습을 멈추지 않음",
    "after its best epoch, training stops once `patience` epochs have not improved":
        "최고 에포크 이후 `patience`번의 에포크 동안 개선이 없으면 학습을 멈춤",
}

# -- hints (keyed by mistake id, as in the parts' HINTS dicts) ---------------------------------

HINTS_KO = {
    # momentum / nesterov
    "momentum_plus_sign":
        "파라미터가 오르막으로 움직입니다. Keras는 -learning_rate*grad를 속도 안에 넣어 두고 "
        "(velocity = momentum*velocity - lr*grad) 그 속도를 파라미터에 더합니다.",
    "momentum_ignored":
        "업데이트가 속도를 무시하고 있어 일반 SGD와 같습니다. 모멘텀은 velocity = "
        "momentum*velocity - lr*grad를 계속 누적하고 그만큼 이동합니다.",
    "momentum_pytorch_velocity":
        "속도를 PyTorch 방식(v = momentum*v + grad, 학습률은 움직일 때만 곱함)으로 저장했습니다. "
        "Keras는 이동량 자체를 저장합니다: velocity = momentum*velocity - lr*grad, 그리고 "
        "param + velocity.",
    "momentum_stale_velocity":
        "이전 스텝의 속도로 이동하고 있습니다. 속도를 먼저 갱신하고(momentum*velocity - lr*grad), "
        "새 속도를 파라미터에 더하세요.",
    "momentum_dampened":
        "지수 이동 평균처럼 그래디언트에 (1 - momentum)을 곱했습니다. Keras SGD의 모멘텀에는 이런 "
        "감쇠(dampening)가 없습니다.",
    "nesterov_is_plain_momentum":
        "이것은 일반 모멘텀입니다. 네스테로프는 한 발 앞을 내다봅니다: "
        "param + momentum*new_velocity - lr*grad.",
    "nesterov_pytorch_velocity":
        "속도를 PyTorch 방식(b = momentum*b + grad, 학습률은 움직일 때만 곱함)으로 저장했습니다. "
        "Keras는 이동량 자체를 저장합니다: velocity = momentum*velocity - lr*grad.",
    "nesterov_no_gradient_term":
        "앞을 내다보는 스텝에서 그래디언트 항이 빠졌습니다. Keras는 momentum*new_velocity - lr*grad"
        "만큼 이동합니다.",
    # adagrad / rmsprop
    "adagrad_decaying_accumulator":
        "누적값이 과거 그래디언트를 잊고 있습니다(그건 RMSprop입니다). Adagrad는 모든 그래디언트 "
        "제곱을 그대로 더합니다: accumulator += grad**2.",
    "adagrad_accumulate_after_update":
        "이번 스텝의 grad**2를 더하기 전의 누적값으로 나누고 있습니다. Keras는 누적값을 먼저 "
        "갱신합니다.",
    "adagrad_no_sqrt":
        "누적값 자체로 나누고 있습니다. Adagrad는 그 제곱근 sqrt(accumulator + epsilon)으로 "
        "나눕니다.",
    "rmsprop_swapped_rho":
        "rho는 과거 평균에 곱하는 가중치입니다: velocity = rho*velocity + (1-rho)*grad**2. 두 "
        "가중치가 서로 바뀌었습니다.",
    "rmsprop_no_decay":
        "속도가 계속 커지기만 합니다(그건 Adagrad입니다). RMSprop은 이동 평균을 씁니다: "
        "velocity = rho*velocity + (1-rho)*grad**2.",
    "rmsprop_no_sqrt":
        "속도 자체로 나누고 있습니다. RMSprop은 sqrt(velocity + epsilon)으로 나눕니다.",
    "rmsprop_old_velocity": "이전 스텝의 속도로 나누고 있습니다. 속도를 먼저 갱신하세요.",
    # adam / adamw
    "adam_no_bias_correction":
        "초반 스텝의 크기가 틀렸습니다. m과 v는 0에서 시작하므로 0 쪽으로 치우쳐 있습니다. Adam의 "
        "편향 보정은 m을 1-beta_1**t로, v를 1-beta_2**t로 나눕니다.",
    "adam_swapped_betas":
        "beta_1은 1차 모멘트 m(grad의 평균), beta_2는 2차 모멘트 v(grad**2의 평균)에 쓰입니다. "
        "둘이 바뀌었습니다.",
    "adam_zero_based_t":
        "스텝 카운터가 하나 어긋났습니다. 첫 스텝에서 t는 1이므로 1 - beta**t는 0이 되지 않습니다.",
    "adam_only_m_corrected":
        "m만 편향 보정하고 v는 보정하지 않았습니다. 두 모멘트 모두 0에서 시작하므로 둘 다 보정"
        "(1-beta_1**t, 1-beta_2**t)이 필요합니다.",
    "adam_no_sqrt": "Adam은 v가 아니라 sqrt(v)(그래디언트의 RMS)로 나눕니다.",
    "adamw_coupled_l2":
        "weight_decay*param을 그래디언트에 더했습니다(L2 정규화). AdamW는 감쇠를 분리합니다: "
        "param -= lr*weight_decay*param이고, 그래디언트(따라서 m과 v)는 이 감쇠를 보지 않습니다.",
    "adamw_decay_without_lr":
        "Keras는 감쇠에 학습률을 곱합니다: param -= learning_rate*weight_decay*param.",
    "adamw_decay_after_step":
        "Keras는 Adam 스텝을 밟기 전에 파라미터를 먼저 감쇠시킵니다. 스텝 뒤가 아닙니다.",
    "adamw_no_decay": "이 AdamW는 가중치 감쇠를 전혀 적용하지 않는, 그냥 Adam입니다.",
    "adamw_decay_scales_grad":
        "그래디언트에 weight_decay*grad를 더했습니다(Adam의 정규화가 이것을 거의 지워 버립니다). "
        "감쇠는 파라미터에 적용합니다: Adam 스텝 전에 param -= learning_rate*weight_decay*param.",
    "momentum_no_lr":
        "속도에서 학습률이 빠졌습니다. Keras의 velocity = momentum*velocity - learning_rate*grad입니다.",
    "momentum_velocity_negated":
        "속도의 부호가 반대입니다: momentum*velocity + lr*grad를 저장하고 그것을 뺍니다. Keras는 "
        "velocity = momentum*velocity - lr*grad(내리막 방향)를 저장하고 param + velocity로 "
        "더합니다.",
    "momentum_subtracts_velocity":
        "속도를 빼서 파라미터가 오르막으로 움직입니다. Keras의 velocity = momentum*velocity - "
        "lr*grad는 이미 내리막 방향이므로 새 파라미터는 param + velocity입니다.",
    "momentum_plain_sgd":
        "이것은 일반 SGD입니다: 스텝이 momentum을 쓰지 않고 속도를 그대로 돌려줍니다. 모멘텀은 "
        "velocity = momentum*velocity - lr*grad를 유지하고 그만큼 파라미터를 움직입니다.",
    "adagrad_no_square":
        "누적값에 그래디언트 자체를 더했습니다. Adagrad는 그래디언트의 '제곱'을 더합니다: "
        "accumulator += grad**2.",
    "rmsprop_no_square":
        "속도가 그래디언트 자체의 평균입니다. RMSprop은 그래디언트 '제곱'의 이동 평균을 씁니다: "
        "velocity = rho*velocity + (1-rho)*grad**2.",
    "adam_m_of_squares":
        "m이 grad**2의 평균입니다. 1차 모멘트 m은 그래디언트 자체의 평균입니다(m = beta_1*m + "
        "(1-beta_1)*grad). grad**2의 평균은 v뿐입니다.",
    "adagrad_no_history":
        "누적값에 이번 스텝의 grad**2만 들어 있습니다. Adagrad는 모든 스텝의 그래디언트 제곱을 "
        "더합니다: accumulator = accumulator + grad**2.",
    "adam_t_plus_one":
        "스텝 번호가 하나 앞서 있습니다. t는 이미 이번 스텝의 번호(첫 스텝에서 1)이므로 1을 "
        "더하지 말고 1 - beta**t를 그대로 쓰세요.",
    "adam_eps_inside_sqrt":
        "Adam은 epsilon을 제곱근 '밖'에 더합니다: m_hat / (sqrt(v_hat) + epsilon) (Keras: alpha * "
        "m / (sqrt(v) + epsilon)). sqrt(v_hat + epsilon)이 아닙니다.",
    "adam_returns_corrected_moments":
        "편향 보정한 m_hat, v_hat을 새 상태로 반환했습니다. 상태로는 이동 평균 m과 v 자체를 "
        "반환하세요. 보정은 이번 스텝의 갱신에만 씁니다.",
    "adam_v_uses_beta_1":
        "v는 beta_1이 아니라 beta_2로 평균합니다: v = beta_2*v + (1-beta_2)*grad**2.",
    # regularization
    "l2_with_half":
        "Keras의 L2에는 1/2이 없습니다: penalty = l2 * sum(w**2)이므로 L2(0.5)([1, 2]) = "
        "2.5입니다. (일부 교재의 1/2은 그래디언트를 l2*w로 만들려고 붙인 것입니다.)",
    "l2_grad_missing_factor_2":
        "l2 * w**2의 도함수는 2 * l2 * w입니다. Keras의 페널티에는 1/2이 없으므로 그래디언트에 "
        "2가 남습니다.",
    "l1_grad_sign_wrong_at_zero":
        "w = 0에서 TensorFlow가 쓰는 |w|의 그래디언트는 0입니다(sign(0) = 0). 여기서는 ±l1이 "
        "나왔습니다. np.sign을 쓰면 맞게 나옵니다.",
    "l1_grad_nan_at_zero":
        "w = 0에서 w / |w|는 0/0 = NaN인데, 정확히 0인 가중치는 흔합니다(L1이 바로 그런 가중치를 "
        "만듭니다). 그 점의 그래디언트는 0입니다: np.sign(w)를 쓰세요.",
    "l1_penalty_squares": "L1은 절댓값의 합 l1 * sum(|w|)입니다. 제곱의 합은 L2입니다.",
    "l1_penalty_mean":
        "Keras는 평균이 아니라 모든 가중치에 대해 합을 냅니다(l1 * sum(|w|)). 그래서 페널티는 층의 "
        "크기에 따라 커집니다.",
    "dropout_not_inverted":
        "Keras는 inverted 드롭아웃을 씁니다. 학습 중에 남은 원소에 1/(1-rate)를 곱해 출력의 "
        "기댓값을 x와 같게 하므로, 추론 때는 아무것도 바꿀 필요가 없습니다.",
    "dropout_scaled_at_inference":
        "추론 모드(training=False, 기본값)에서 Dropout은 아무 일도 하지 않고 x를 그대로 "
        "돌려줍니다. 학습 중의 1/(1-rate) 스케일링이 이미 기댓값을 맞춰 줍니다.",
    "dropout_rate_one_nan":
        "rate = 1이면 모든 원소가 드롭되고 1/(1-rate)는 0으로 나누기가 됩니다. Keras는 rate == "
        "1일 때 0을 반환합니다.",
    "dropout_mask_keeps_rate":
        "rate는 원소를 '버릴' 확률입니다. 각 원소는 확률 1 - rate로 남습니다(True).",
    "dropout_mask_ignores_rng":
        "마스크는 주어진 생성기 rng에서 뽑으세요(예: rng.random(shape) >= rate). np.random이나 새 "
        "생성기를 쓰면 안 됩니다: 시드가 같으면 마스크도 같아야 합니다.",
    "dropout_mask_float":
        "마스크는 bool 배열이어야 합니다(True = 남김). 예: rng.random(shape) >= rate.",
    # batch normalization
    "batchnorm_unbiased_variance":
        "편차 제곱의 합을 N-1로 나눴습니다. Keras(tf.nn.moments)는 편향된 배치 분산, 즉 N으로 나눈 "
        "(x - mean)**2의 평균을 출력과 이동 분산 모두에 씁니다.",
    "batchnorm_moving_uses_unbiased_variance":
        "출력은 맞지만 이동 분산에 PyTorch처럼 불편(N-1) 분산을 넣었습니다. Keras는 정규화에 쓴 "
        "것과 같은 편향 분산을 이동 평균에 넣습니다.",
    "batchnorm_eps_outside_sqrt":
        "epsilon은 제곱근 '안'에 들어갑니다: (x - mean) / sqrt(var + epsilon). sqrt(var) + "
        "epsilon이 아닙니다.",
    "batchnorm_momentum_swapped":
        "momentum은 '이전' 이동값에 곱하는 가중치입니다: moving = momentum*moving + (1 - "
        "momentum)*batch_stat. 0.99면 이동 통계가 천천히 변해야 하는데, 배치 통계로 바로 바뀌고 "
        "있습니다.",
    "batchnorm_stats_over_wrong_axis":
        "이미지 배치 (N, H, W, C)에서는 채널마다 평균과 분산이 하나씩이고, 배치와 모든 픽셀(축 0, "
        "1, 2)에 걸쳐 계산합니다. 배치 축 하나만으로 계산하면 안 됩니다.",
    "batchnorm_stats_over_features":
        "각 예제를 특성들에 걸쳐 정규화했습니다(그건 층 정규화, layer normalization입니다). 배치 "
        "정규화는 각 특성을 배치에 걸쳐 정규화합니다: 마지막 축을 뺀 모든 축으로 줄이세요.",
    "batchnorm_train_uses_moving_stats":
        "학습 중 배치 정규화는 '이번 배치'의 평균과 분산으로 정규화합니다. 이동 통계는 갱신만 "
        "하고, 추론 때 씁니다.",
    "batchnorm_inference_uses_batch_stats":
        "추론 때 Keras는 배치 자신의 통계가 아니라 이동 평균과 이동 분산으로 정규화합니다. 그래서 "
        "한 예제의 출력이 배치의 다른 예제에 좌우되지 않습니다.",
    "batchnorm_inference_eps_outside_sqrt":
        "epsilon은 제곱근 '안'에 들어갑니다: (x - moving_mean) / sqrt(moving_variance + epsilon).",
    "batchnorm_inference_no_sqrt":
        "분산 자체가 아니라 표준편차 sqrt(moving_variance + epsilon)으로 나누세요.",
    "batchnorm_inference_no_gamma_beta":
        "정규화한 뒤 gamma로 스케일하고 beta만큼 이동하세요: y = x_hat * gamma + beta (둘 다 층이 "
        "학습하는 파라미터입니다).",
    "batchnorm_inference_swapped_gamma_beta":
        "gamma는 스케일, beta는 오프셋입니다: y = x_hat * gamma + beta. 둘이 바뀌었습니다.",
    "batchnorm_inference_no_beta":
        "정규화하고 gamma로 스케일한 뒤 beta만큼 이동하세요: y = x_hat * gamma + beta. 지금 y에는 "
        "beta가 없습니다.",
    "batchnorm_inference_no_gamma":
        "정규화한 뒤 beta로 이동하기 전에 gamma로 스케일하세요: y = x_hat * gamma + beta. 지금 y는 "
        "x_hat + beta입니다(gamma가 없습니다).",
    "batchnorm_train_no_beta":
        "정규화하고 gamma로 스케일한 뒤 beta만큼 이동하세요: y = x_hat * gamma + beta. 지금 y에는 "
        "beta가 없습니다.",
    "batchnorm_train_no_gamma":
        "정규화한 뒤 beta로 이동하기 전에 gamma로 스케일하세요: y = x_hat * gamma + beta. 지금 y는 "
        "x_hat + beta입니다(gamma가 없습니다).",
    # early stopping
    "early_stopping_off_by_one_patience":
        "한 에포크 늦게 멈춥니다. Keras는 `wait >= patience`를 검사하기 '전에' `wait`을 1 "
        "늘리므로, patience=2면 개선이 없는 두 번째 에포크에서 멈춥니다.",
    "early_stopping_non_strict_improvement":
        "같은 값은 개선이 아닙니다. Keras는 엄격하게 비교하므로(min 모드에서 current + min_delta "
        "< best) 동점은 patience에 포함됩니다.",
    "early_stopping_min_delta_wrong_way":
        "min_delta는 개선을 '더 어렵게' 만듭니다. min 모드에서는 새 값이 best - min_delta보다 "
        "작아야 하고(current + min_delta < best), max 모드에서는 best + min_delta보다 커야 합니다.",
    "early_stopping_min_delta_sign_kept":
        "Keras는 abs(min_delta)를 씁니다. min_delta=-0.1은 0.1과 똑같이 동작하며, 음수 min_delta가 "
        "개선을 더 쉽게 만들면 안 됩니다.",
    "early_stopping_restore_only_when_stopped":
        "restore_best_weights는 스냅샷이 있으면 on_train_end에서 항상 최고 에포크의 가중치를 "
        "복원합니다. 조기 종료 없이 모든 에포크를 다 돈 경우에도 마찬가지입니다.",
    "early_stopping_baseline_seeds_best":
        "baseline으로 `best`를 초기화하지 않습니다. 처음 모니터링한 에포크가 항상 `best`가 되고, "
        "baseline은 개선이 `wait`을 초기화할지만 결정합니다.",
    "early_stopping_ignores_baseline":
        "baseline이 있으면 개선이 baseline까지 넘어설 때만 `wait`을 초기화합니다. 그렇지 않으면 그 "
        "에포크도 patience에 포함됩니다.",
    "early_stopping_ignores_start_from_epoch":
        "start_from_epoch 이전의 에포크는 완전히 무시됩니다: `best`가 되지도, 스냅샷을 남기지도, "
        "`wait`에 세지도 않습니다.",
    "early_stopping_missing_counts_as_wait":
        "logs에 모니터링하는 키가 없는 에포크는 건너뜁니다(Keras는 경고만 합니다). 개선 없는 "
        "에포크로 세면 안 됩니다.",
    "early_stopping_no_reset_on_train_begin":
        "on_train_begin에서 wait, best, best_epoch, stopped_epoch, best_weights를 초기화하세요. "
        "같은 콜백 객체를 두 번째 model.fit에 다시 쓰면 처음부터 시작해야 합니다.",
    "early_stopping_one_based_stopped_epoch":
        "stopped_epoch는 fit이 on_epoch_end에 넘긴 0부터 시작하는 에포크 번호입니다(Keras는 "
        "stopped_epoch=2일 때 'Epoch 3: early stopping'처럼 1부터 세어 출력하지만, 저장은 0부터 "
        "합니다).",
    "early_stopping_accuracy_minimised":
        "mode='auto'는 accuracy(기본 이름이 accuracy, acc, auc인 것)는 최대화하고 loss는 "
        "최소화합니다. 정확도를 최소화하고 있습니다.",
    # H-D2 (issue 11): new named mistakes of l1_l2, dropout, batch norm, early stopping
    "dropout_multiplies_keep_prob":
        "inverted 드롭아웃은 남은 원소를 남길 확률 1 - rate로 '나눕니다'(x / (1 - rate)). "
        "1 - rate를 곱하면 값을 키우는 대신 줄이게 됩니다.",
    "l2_penalty_norm":
        "Keras의 L2 페널티는 l2 * sum(w**2), 즉 '제곱한' 노름입니다. 제곱근은 없습니다"
        "(L2(0.5)([1, 2]) = 2.5이지 0.5*sqrt(5)가 아닙니다).",
    "dropout_divides_by_rate":
        "남은 원소는 rate가 아니라 남길 확률 1 - rate로 나눕니다: "
        "out = where(mask, x / (1 - rate), 0).",
    "batchnorm_train_no_gamma_beta":
        "정규화한 뒤 gamma로 스케일하고 beta로 이동하세요: y = x_hat * gamma + beta (층이 학습하는 "
        "파라미터입니다). 지금 y는 x_hat 그 자체입니다.",
    "early_stopping_patience_zero_never_stops":
        "patience=0(기본값)은 조기 종료를 끄는 것이 아닙니다. 개선되지 않은 첫 에포크에서 "
        "멈춥니다(그때 wait는 1이고 1 >= 0).",
    "early_stopping_stops_at_epoch_zero":
        "Keras는 에포크 0에서도, best를 개선한 에포크에서도 멈추지 않습니다. 개선이 있으면 "
        "(baseline을 넘지 못해 wait가 계속 세어지더라도) 바로 return하고, 개선이 없는 에포크만 "
        "`wait >= patience and epoch > 0` 검사를 합니다.",
    "early_stopping_stop_test_after_improvement":
        "best를 개선한 에포크에서는 학습을 멈추지 않습니다. Keras 3는 개선을 기록한 뒤 바로 "
        "return하고, 개선이 없는 에포크만 `wait >= patience and epoch > 0` 검사를 합니다(예전 "
        "tf.keras는 매 에포크 검사했기 때문에 patience=0이면 개선 중에도 에포크 1에서 멈췄습니다).",
    # H-H (issue 11, review round 2)
    "l1_penalty_not_summed":
        "페널티는 숫자 '하나'입니다: 모든 가중치에 대한 l1 * sum(|w|). 지금은 원소마다 l1 * |w|를 "
        "반환합니다(합을 구하세요).",
    "l2_penalty_not_summed":
        "페널티는 숫자 '하나'입니다: 모든 가중치에 대한 l2 * sum(w**2). 지금은 원소마다 l2 * w**2를 "
        "반환합니다(합을 구하세요).",
    "dropout_mask_meaning_inverted":
        "마스크에서 True는 '남기는' 원소입니다: out = where(mask, x / (1 - rate), 0). 지금은 마스크가 "
        "남기는 원소를 0으로 만들고 버리는 원소를 남깁니다.",
    "dropout_masked_at_inference":
        "추론 시(training=False, 기본값) Dropout은 아무것도 하지 않고 x를 반환합니다: 어떤 원소도 "
        "버리지 않으며, 마스크는 학습 중에만 씁니다.",
    "dropout_inference_multiplies_keep_prob":
        "추론 시(training=False, 기본값) Keras는 x 그대로를 반환합니다: inverted 드롭아웃에서는 학습 "
        "중의 1/(1-rate) 스케일링이 이미 기댓값을 유지하므로, 추론 시 x*(1 - rate)는 없습니다.",
    "batchnorm_moving_variance_is_std":
        "출력은 맞지만 이동 분산에 표준편차 sqrt(var + epsilon)을 평균하고 있습니다. Keras는 배치 "
        "'분산' 자체를 평균합니다: moving_variance = momentum*moving_variance + (1 - momentum)*var.",
    "batchnorm_moving_variance_is_std_no_eps":
        "출력은 맞지만 이동 분산에 표준편차 sqrt(var)(np.std)를 평균하고 있습니다. Keras는 배치 "
        "'분산' 자체를 평균합니다: moving_variance = momentum*moving_variance + (1 - momentum)*var.",
    "batchnorm_uncentred_variance":
        "분산은 x**2의 평균이 아니라 배치에 대한 (x - mean)**2의 평균입니다: 제곱하기 전에 배치 "
        "평균을 빼세요(np.var가 그렇게 합니다).",
    "early_stopping_baseline_ignores_min_delta":
        "baseline 검사에도 min_delta를 씁니다: 개선이 baseline을 min_delta보다 크게 넘어야만 "
        "`wait`를 초기화합니다(min 모드에서는 current + min_delta < baseline, max 모드에서는 "
        "current - min_delta > baseline). `best`와 같은 검사입니다.",
    "early_stopping_best_starts_at_infinity":
        "Keras 3는 `best`를 inf나 -inf가 아니라 None으로 시작하고, 처음 모니터링한 에포크가 항상 "
        "best가 됩니다. 모니터링한 에포크가 하나도 없으면(start_from_epoch가 마지막 에포크보다 "
        "크거나 모니터링하는 키가 늘 없을 때) 학습이 끝난 뒤에도 `best`는 None입니다.",
    "early_stopping_best_epoch_not_set":
        "개선할 때마다 그 에포크를 기록하세요: `best`가 바뀔 때마다 `best_epoch = epoch`(fit이 "
        "넘기는 0부터 시작하는 번호)입니다. 지금은 0에 머뭅니다.",
    "early_stopping_snapshot_taken_once":
        "개선할 때마다 새 스냅샷(`best_weights = model.get_weights()`)을 남기세요. 첫 개선에서만 "
        "남기면 안 됩니다: restore_best_weights는 가장 좋은 에포크의 가중치를 복원합니다.",
    "early_stopping_modes_swapped":
        "mode='min'은 값이 작아질 때, mode='max'는 값이 커질 때 개선입니다(min 모드에서는 "
        "current + min_delta < best). 두 비교가 바뀌어서 손실은 최대화하고 정확도는 최소화합니다"
        "('auto'에서도, 명시한 모드에서도).",
    "early_stopping_snapshot_every_epoch":
        "스냅샷(`best_weights = model.get_weights()`)은 `best`가 개선될 때만 남기세요. 매 에포크 "
        "남기면 restore_best_weights가 가장 좋은 에포크가 아니라 마지막으로 모니터링한 에포크의 "
        "가중치를 복원합니다.",
    "early_stopping_wait_not_counted_on_improvement":
        "모니터링하는 '모든' 에포크에서 개선 여부를 검사하기 전에 `wait`을 1 늘리세요. 개선이 "
        "baseline까지 넘을 때만 `wait`이 0으로 돌아가고, 그렇지 않으면 그 에포크도 patience에 "
        "포함됩니다.",
}

# trivial variants of the optimizer parts (optimizers.TRIVIAL_HINTS), one per part and kind
_STATE_KO = {"momentum": "속도(velocity)", "nesterov": "속도(velocity)",
             "adagrad": "누적값(accumulator)", "rmsprop": "속도(velocity)", "adam": "m과 v",
             "adamw": "m과 v"}
_TRIVIAL_KO = {
    "returns_inputs": "입력을 그대로 반환합니다: 파라미터가 전혀 움직이지 않고 {state}도 바뀌지 "
                      "않습니다. 새 파라미터와 새 {state}를 반환하세요.",
    "returns_zeros": "0으로 채운 배열을 반환합니다: 0이 아니라 갱신한 파라미터와 {state}를 "
                     "반환하세요.",
    "param_times_zero": "반환한 파라미터가 모두 0입니다(param * 0?): 스텝을 적용한 파라미터를 "
                        "반환하세요.",
    "param_not_updated": "파라미터를 그대로 반환합니다: {state}는 갱신했지만 스텝을 파라미터에 "
                         "적용하지 않았습니다.",
    "state_not_updated": "예전 {state}를 그대로 반환합니다: 다음 스텝은 갱신된 {state}를 받아야 "
                         "합니다(파라미터 스텝 자체는 맞습니다).",
}
for _pid, _word in _STATE_KO.items():
    for _kind, _text in _TRIVIAL_KO.items():
        HINTS_KO[f"{_pid}_{_kind}"] = _text.format(state=_word)
# optimizer mistakes of the second review (H-G)
_TITLE_KO = {"nesterov": "네스테로프 모멘텀", "adagrad": "Adagrad", "rmsprop": "RMSprop",
             "adam": "Adam", "adamw": "AdamW"}
for _pid, _title in _TITLE_KO.items():
    HINTS_KO[f"{_pid}_plain_sgd"] = (
        f"이것은 일반 SGD입니다: 파라미터를 -learning_rate*grad만큼 움직이고 {_STATE_KO[_pid]}는 "
        f"그대로 돌려줍니다. {_title}은(는) {_STATE_KO[_pid]}를 먼저 갱신하고 그것으로 파라미터를 "
        "움직입니다.")
HINTS_KO.update({
    "momentum_is_nesterov":
        "이것은 네스테로프 모멘텀입니다: momentum*new_velocity - lr*grad만큼(앞을 내다보며) "
        "움직였습니다. 일반 SGD 모멘텀은 새 속도 자체만큼 움직입니다: velocity = "
        "momentum*velocity - lr*grad, 그리고 param + velocity.",
    "nesterov_fixed_lr_in_step":
        "속도에는 learning_rate를 썼지만 파라미터 스텝에는 고정된 숫자(기본값 0.01?)를 썼습니다. "
        "Keras는 momentum*new_velocity - learning_rate*grad만큼 움직입니다.",
    "nesterov_fixed_lr_in_velocity":
        "파라미터 스텝에는 learning_rate를 썼지만 속도에는 고정된 숫자(기본값 0.01?)를 썼습니다: "
        "velocity = momentum*velocity - learning_rate*grad.",
    "adamw_decay_uses_grad":
        "감쇠로 learning_rate*weight_decay*grad를 뺐습니다. 감쇠는 파라미터 자체를 줄입니다: Adam "
        "스텝 전에 param -= learning_rate*weight_decay*param.",
    "adamw_fixed_lr_in_decay":
        "Adam 스텝에는 learning_rate를 썼지만 가중치 감쇠에는 고정된 숫자(기본값 0.001?)를 "
        "썼습니다: param -= learning_rate*weight_decay*param.",
    "adamw_fixed_lr_in_step":
        "가중치 감쇠에는 learning_rate를 썼지만 Adam 스텝에는 고정된 숫자(기본값 0.001?)를 "
        "썼습니다: 스텝은 alpha * m / (sqrt(v) + epsilon)이고 alpha = learning_rate * "
        "sqrt(1 - beta_2**t) / (1 - beta_1**t)입니다.",
})

# -- notes on passing checks (keyed by the English text) ---------------------------------------

NOTES_KO = {
    "Where x is inf or NaN, Keras's dropped entries are exactly 0 (it selects, "
    "where(mask, x*scale, 0)); yours are not (x * mask gives 0*inf = NaN). Inputs "
    "are finite in this course, so this costs nothing.":
        "x가 inf나 NaN인 위치에서 Keras의 드롭된 값은 정확히 0입니다(where(mask, x*scale, 0)으로 "
        "선택합니다). 여기서는 그렇지 않습니다(x * mask는 0*inf = NaN). 이 과목의 입력은 "
        "유한하므로 감점은 없습니다.",
    "For plain SGD, adding the L2 gradient is exactly weight decay with weight_decay = 2*l2. "
    "For Adam it is not: the L2 gradient is divided by sqrt(v) like the rest of the gradient, "
    "which is why AdamW decouples the decay.":
        "일반 SGD에서는 L2 그래디언트를 더하는 것이 weight_decay = 2*l2인 가중치 감쇠와 정확히 "
        "같습니다. Adam에서는 다릅니다. L2 그래디언트도 나머지 그래디언트처럼 sqrt(v)로 나뉘기 "
        "때문이고, 그래서 AdamW가 감쇠를 분리합니다.",
    "You add epsilon outside the square root (textbook). Keras computes sqrt(accumulator + "
    "epsilon); the difference is tiny, so this is accepted.":
        "epsilon을 제곱근 밖에 더했습니다(교과서 방식). Keras는 sqrt(accumulator + epsilon)을 "
        "계산하지만 차이가 아주 작아서 정답으로 인정합니다.",
    "You add epsilon outside the square root (textbook). Keras computes sqrt(velocity + epsilon); "
    "accepted, but results differ slightly when v is tiny.":
        "epsilon을 제곱근 밖에 더했습니다(교과서 방식). Keras는 sqrt(velocity + epsilon)을 "
        "계산합니다. 정답으로 인정하지만, v가 아주 작을 때는 결과가 조금 달라집니다.",
    "You use the textbook form m_hat / (sqrt(v_hat) + epsilon). Keras adds epsilon to sqrt(v) "
    "before bias correction (epsilon-hat = epsilon * sqrt(1 - beta_2**t)); accepted.":
        "교과서 형태 m_hat / (sqrt(v_hat) + epsilon)을 썼습니다. Keras는 편향 보정 전의 sqrt(v)에 "
        "epsilon을 더합니다(epsilon-hat = epsilon * sqrt(1 - beta_2**t)). 정답으로 인정합니다.",
    "You use the textbook form m_hat / (sqrt(v_hat) + epsilon). Keras adds epsilon to sqrt(v) "
    "before bias correction; accepted.":
        "교과서 형태 m_hat / (sqrt(v_hat) + epsilon)을 썼습니다. Keras는 편향 보정 전의 sqrt(v)에 "
        "epsilon을 더합니다. 정답으로 인정합니다.",
}

# -- message fragments (applied in order; whatever does not match stays English) ---------------

MESSAGES_KO = [
    (r"^passed$", "통과"),
    (r"not implemented yet \((.+?) raises? NotImplementedError\)",
     r"아직 구현되지 않았습니다 (\1에서 NotImplementedError 발생)"),
    (r"^(.+?) (?:is|are) not defined in this notebook yet \(run the cell that defines it\)",
     r"\1이(가) 아직 이 노트북에 정의되지 않았습니다 (정의하는 셀을 먼저 실행하세요)"),
    (r"^(.+?) not found in the submission$", r"제출물에 \1이(가) 없습니다"),
    (r"^(.+?) not found in (\w+\.py)$", r"\2에서 \1을(를) 찾을 수 없습니다"),
    (r"^the submission could not be read: ", "제출물을 읽을 수 없습니다: "),
    (r"^importing your modules failed: ", "모듈을 불러오지 못했습니다: "),
    (r"^(\w+\.py) could not be imported: ", r"\1을(를) 불러올 수 없습니다: "),
    (r"only numpy \(and the standard library\) may be used",
     "numpy(와 표준 라이브러리)만 쓸 수 있습니다"),
    (r"differs from Keras at step (\d+) \(", r"\1번째 스텝에서 Keras와 다릅니다 ("),
    (r"^differs from Keras", "Keras와 다릅니다"),
    (r"(\d+) of (\d+) values differ; worst at index (\([^)]*\)): ",
     r"\2개 중 \1개 값이 다릅니다. 차이가 가장 큰 위치 \3: "),
    (r"(\d+) of (\d+) values differ; worst: ", r"\2개 중 \1개 값이 다릅니다. 가장 큰 차이: "),
    (r"got ([^,\s]+), expected ", r"실제값 \1, 기대값 "),
    (r"new parameter: ", "새 파라미터: "),
    (r"^(.+?) is None \(did you forget to return it\?\)",
     r"\1이(가) None입니다 (return을 빠뜨리지 않았나요?)"),
    (r"^(.+?) has shape (\(.*?\)), expected (\(.*?\))", r"\1의 모양이 \2입니다 (기대한 모양: \3)"),
    (r"contains NaN or inf \(the inputs were finite\)",
     "에 NaN이나 inf가 있습니다 (입력은 모두 유한한 값이었습니다)"),
    (r"^(.+?) raised ", r"\1에서 예외 발생: "),
    (r"^(.+?) was not run: earlier in this submission, ",
     r"\1은(는) 실행되지 않았습니다: 이 제출물에서 앞서 "),
    (r"; `(.+?)` is not called again, and the remaining checks that call it were not run$",
     r"; `\1`은(는) 다시 호출하지 않으며, 이를 호출하는 나머지 채점 항목은 실행되지 않았습니다"),
    (r"; `(.+?)` is not called again in this submission$",
     r"; 이 제출물에서 `\1`은(는) 다시 호출하지 않습니다"),
    (r"not run: time budget used up \(the whole submission may take ([\d.]+) s\)",
     r"실행되지 않았습니다: 시간 예산을 모두 썼습니다 (제출물 전체에 \1초까지 쓸 수 있습니다)"),
    (r"did not finish before the time budget of the whole submission \(([\d.]+) s\) ran out; "
     r"the checks after this one are not run",
     r"제출물 전체의 시간 예산(\1초)이 다하기 전에 끝나지 않았습니다. 이후 채점 항목은 실행되지 않습니다"),
    (r"stopped the process running your code (\d+) times",
     r"코드를 실행하는 프로세스를 \1번 멈추게 했습니다"),
    (r"did not finish within ([\d.]+) s", r"\1초 안에 끝나지 않았습니다"),
    (r" \(an infinite loop, or far too slow\)", " (무한 루프이거나 너무 느립니다)"),
    (r"^graded the notebook (.+?) \((\d+) code cells\)$",
     r"노트북 \1을(를) 채점했습니다 (코드 셀 \2개)"),
    (r"^your code's process was restarted (\d+) time\(s\) after a crash or a timeout$",
     r"코드를 실행하는 프로세스가 충돌이나 시간 초과로 \1번 다시 시작되었습니다"),
    (r"is defined inside another function; define it at the top level of a cell",
     "이(가) 다른 함수 안에 정의되어 있습니다. 셀의 최상위 수준에서 정의하세요"),
    ((r"^these are the public checks only: your final grade also counts hidden checks of the "
      r"same parts, so it can be lower than this score$"),
     ("공개 채점 항목만의 결과입니다. 최종 성적에는 같은 파트의 비공개 채점 항목도 포함되므로 "
      "이 점수보다 낮을 수 있습니다")),
]
_COMPILED = [(re.compile(p), r) for p, r in MESSAGES_KO]

#: Where a failing example stands in a sequence of calls (the start of its inputs).
EXAMPLE_KO = [
    (r"^step (\d+) of (\d+): ", r"스텝 \1/\2: "),
    (r"^call (\d+) of (\d+): ", r"호출 \1/\2: "),
]
_EXAMPLE_COMPILED = [(re.compile(p), r) for p, r in EXAMPLE_KO]


def _example_ko(ex):
    if ex is None or not ex.inputs:
        return ex
    inputs = ex.inputs
    for pattern, repl in _EXAMPLE_COMPILED:
        inputs = pattern.sub(repl, inputs)
    return dataclasses.replace(ex, inputs=inputs) if inputs != ex.inputs else ex


def translate_message(text: str, lang: str = "en") -> str:
    if lang != "ko" or not text:
        return text
    lines = text.split("\n")
    first = lines[0]                        # the rest is usually a traceback: keep it as it is
    for pattern, repl in _COMPILED:
        first = pattern.sub(repl, first)
    return "\n".join([first] + lines[1:])


def _hint_ko(c) -> str:
    """A check's hint in Korean: by mistake id, or generated (ignored arguments, see
    :mod:`grader.diagnosis`); else the English one."""
    if c.diagnosis in HINTS_KO:
        return HINTS_KO[c.diagnosis]
    from .diagnosis import hint
    return hint(c.diagnosis, "ko") or c.hint


def localize(result, lang: str = "en"):
    """The same :class:`~grader.results.SubmissionResult`, with its words in ``lang``."""
    validate_lang(lang)
    if lang == "en":
        return result
    parts = []
    for p in result.parts:
        checks = tuple(dataclasses.replace(
            c, name=CHECK_NAMES_KO.get(c.name, c.name),
            message=translate_message(c.message, lang),
            hint=_hint_ko(c) if c.hint else c.hint,
            note=NOTES_KO.get(c.note, c.note), example=_example_ko(c.example)) for c in p.checks)
        parts.append(dataclasses.replace(p, title=TITLES_KO.get(p.title, p.title), checks=checks,
                                         error=translate_message(p.error, lang)))
    notes = tuple(translate_message(n, lang) for n in result.notes)
    return dataclasses.replace(result, parts=tuple(parts), notes=notes)
