"""Checks of the six optimizer parts: reference trajectories against Keras (recorded)
and properties that need no reference."""

from __future__ import annotations

import numpy as np
from grader.lazy_hypothesis import st  # hypothesis only when recording (see there)

from grader.declaration import Check, Part, Probe, T
from grader.checking import as_array, call_text, example, fmt, mismatch, run_property, unpack
from grader.diagnosis import note_candidates
from grader.errors import Failure
from . import strategies as S
from .evidence import Evidence
from .trajectory import StepSpec, reference_check

SPECS = {
    "momentum": StepSpec("sgd_momentum_step", ("velocity",)),
    "nesterov": StepSpec("nesterov_step", ("velocity",)),
    "adagrad": StepSpec("adagrad_step", ("accumulator",)),
    "rmsprop": StepSpec("rmsprop_step", ("velocity",)),
    "adam": StepSpec("adam_step", ("m", "v"), uses_t=True),
    "adamw": StepSpec("adamw_step", ("m", "v"), uses_t=True),
}
TITLES = {"momentum": T("SGD with momentum", "모멘텀 SGD"),
          "nesterov": T("SGD with Nesterov momentum", "네스테로프 모멘텀 SGD"),
          "adagrad": T("Adagrad", "Adagrad"), "rmsprop": T("RMSprop", "RMSprop"),
          "adam": T("Adam", "Adam"), "adamw": T("AdamW", "AdamW")}
POINTS = {"momentum": 8, "nesterov": 8, "adagrad": 8, "rmsprop": 8, "adam": 12, "adamw": 6}
#: The lecture's example of each optimizer (its hyper-parameters, declared once): the
#: recorded lecture cases use them (authoring/record_optimizers.py) and the first check
#: is named after them, with Keras's class and its extra constructor arguments.
LECTURE_HP = {
    "momentum": {"learning_rate": 0.1, "momentum": 0.9},
    "nesterov": {"learning_rate": 0.1, "momentum": 0.9},
    "adagrad": {"learning_rate": 0.1},
    "rmsprop": {"learning_rate": 0.01, "rho": 0.9},
    "adam": {"learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.99},
    "adamw": {},
}
_KERAS_CALL = {"momentum": ("SGD", ""), "nesterov": ("SGD", ", nesterov=True"),
               "adagrad": ("Adagrad", ""), "rmsprop": ("RMSprop", ""), "adam": ("Adam", ""),
               "adamw": ("AdamW", "")}


def _lecture_name(part_id: str) -> T:
    """The first check's name: Keras's constructor with the lecture's hyper-parameters."""
    cls, extra = _KERAS_CALL[part_id]
    hp = dict(LECTURE_HP[part_id])
    if not hp:
        return T(f"matches Keras {cls}() with Keras's defaults (the lecture's example)",
                 f"기본 하이퍼파라미터의 Keras {cls}()와 같은 결과 (강의 예제)")
    args = [repr(hp.pop("learning_rate"))] + [f"{k}={v!r}" for k, v in hp.items()]
    call = f"{cls}({', '.join(args)}{extra})"
    return T(f"matches Keras {call} (the lecture's example)", f"Keras {call}와 같은 결과 (강의 예제)")


#: The name of each part's first check: Keras on the lecture's example.
LECTURE = {part_id: _lecture_name(part_id) for part_id in LECTURE_HP}

EPS_NOTE = {
    "adagrad": T(
        "You add epsilon outside the square root (textbook). Keras computes sqrt(accumulator + "
        "epsilon); the difference is tiny, so this is accepted.",
        "epsilon을 제곱근 밖에 더했습니다(교과서 방식). Keras는 sqrt(accumulator + epsilon)을 "
        "계산하지만 차이가 아주 작아서 정답으로 인정합니다."),
    "rmsprop": T(
        "You add epsilon outside the square root (textbook). Keras computes sqrt(velocity + "
        "epsilon); accepted, but results differ slightly when v is tiny.",
        "epsilon을 제곱근 밖에 더했습니다(교과서 방식). Keras는 sqrt(velocity + epsilon)을 "
        "계산합니다. 정답으로 인정하지만, v가 아주 작을 때는 결과가 조금 달라집니다."),
    "adam": T(
        "You use the textbook form m_hat / (sqrt(v_hat) + epsilon). Keras adds epsilon to sqrt(v) "
        "before bias correction (epsilon-hat = epsilon * sqrt(1 - beta_2**t)); accepted.",
        "교과서 형태 m_hat / (sqrt(v_hat) + epsilon)을 썼습니다. Keras는 편향 보정 전의 sqrt(v)에 "
        "epsilon을 더합니다(epsilon-hat = epsilon * sqrt(1 - beta_2**t)). 정답으로 인정합니다."),
    "adamw": T(
        "You use the textbook form m_hat / (sqrt(v_hat) + epsilon). Keras adds epsilon to sqrt(v) "
        "before bias correction; accepted.",
        "교과서 형태 m_hat / (sqrt(v_hat) + epsilon)을 썼습니다. Keras는 편향 보정 전의 sqrt(v)에 "
        "epsilon을 더합니다. 정답으로 인정합니다."),
}

#: Named mistakes: the hint a student sees when their trajectory follows the mistake's.
HINTS = {
    "momentum_plus_sign": T(
        "Your parameters move uphill: Keras keeps -learning_rate*grad inside the velocity "
        "(velocity = momentum*velocity - lr*grad) and then adds it.",
        "파라미터가 오르막으로 움직입니다. Keras는 -learning_rate*grad를 속도 안에 넣어 두고 "
        "(velocity = momentum*velocity - lr*grad) 그 속도를 파라미터에 더합니다."),
    "momentum_ignored": T(
        "Your update ignores the velocity: this is plain SGD. Momentum keeps a running velocity = "
        "momentum*velocity - lr*grad and moves by it.",
        "업데이트가 속도를 무시하고 있어 일반 SGD와 같습니다. 모멘텀은 velocity = "
        "momentum*velocity - lr*grad를 계속 누적하고 그만큼 이동합니다."),
    "momentum_pytorch_velocity": T(
        "Your velocity is stored the PyTorch way (v = momentum*v + grad, with the learning rate "
        "applied only when moving). Keras stores the step itself: velocity = momentum*velocity - "
        "lr*grad, then param + velocity.",
        "속도를 PyTorch 방식(v = momentum*v + grad, 학습률은 움직일 때만 곱함)으로 저장했습니다. "
        "Keras는 이동량 자체를 저장합니다: velocity = momentum*velocity - lr*grad, 그리고 param + "
        "velocity."),
    "momentum_stale_velocity": T(
        "You move by the OLD velocity: update velocity first (momentum*velocity - lr*grad), then "
        "add the new one to the parameter.",
        "이전 스텝의 속도로 이동하고 있습니다. 속도를 먼저 갱신하고(momentum*velocity - lr*grad), "
        "새 속도를 파라미터에 더하세요."),
    "momentum_dampened": T(
        "You scale the gradient by (1 - momentum) as in an exponential moving average; Keras's SGD "
        "momentum has no dampening.",
        "지수 이동 평균처럼 그래디언트에 (1 - momentum)을 곱했습니다. Keras SGD의 모멘텀에는 이런 "
        "감쇠(dampening)가 없습니다."),
    "nesterov_is_plain_momentum": T(
        "This is ordinary momentum: Nesterov looks ahead, param + momentum*new_velocity - lr*grad.",
        "이것은 일반 모멘텀입니다. 네스테로프는 한 발 앞을 내다봅니다: param + "
        "momentum*new_velocity - lr*grad."),
    "nesterov_pytorch_velocity": T(
        "Your velocity is stored the PyTorch way (b = momentum*b + grad, with the learning rate "
        "applied only when moving). Keras stores the step itself: velocity = momentum*velocity - "
        "lr*grad.",
        "속도를 PyTorch 방식(b = momentum*b + grad, 학습률은 움직일 때만 곱함)으로 저장했습니다. "
        "Keras는 이동량 자체를 저장합니다: velocity = momentum*velocity - lr*grad."),
    "nesterov_no_gradient_term": T(
        "Your look-ahead step forgets the gradient term: Keras moves by momentum*new_velocity - "
        "lr*grad.",
        "앞을 내다보는 스텝에서 그래디언트 항이 빠졌습니다. Keras는 momentum*new_velocity - "
        "lr*grad만큼 이동합니다."),
    "adagrad_decaying_accumulator": T(
        "Your accumulator forgets old gradients (that is RMSprop). Adagrad SUMS all squared "
        "gradients: accumulator += grad**2.",
        "누적값이 과거 그래디언트를 잊고 있습니다(그건 RMSprop입니다). Adagrad는 모든 그래디언트 "
        "제곱을 그대로 더합니다: accumulator += grad**2."),
    "adagrad_accumulate_after_update": T(
        "You divide by the accumulator before adding this step's grad**2; Keras updates the "
        "accumulator first.",
        "이번 스텝의 grad**2를 더하기 전의 누적값으로 나누고 있습니다. Keras는 누적값을 먼저 "
        "갱신합니다."),
    "adagrad_no_sqrt": T(
        "You divide by the accumulator itself; Adagrad divides by its square root, "
        "sqrt(accumulator + epsilon).",
        "누적값 자체로 나누고 있습니다. Adagrad는 그 제곱근 sqrt(accumulator + epsilon)으로 "
        "나눕니다."),
    "rmsprop_swapped_rho": T(
        "rho is the weight of the OLD average: velocity = rho*velocity + (1-rho)*grad**2. You "
        "swapped the two weights.",
        "rho는 과거 평균에 곱하는 가중치입니다: velocity = rho*velocity + (1-rho)*grad**2. 두 "
        "가중치가 서로 바뀌었습니다."),
    "rmsprop_no_decay": T(
        "Your velocity keeps growing (that is Adagrad); RMSprop takes a moving average: velocity = "
        "rho*velocity + (1-rho)*grad**2.",
        "속도가 계속 커지기만 합니다(그건 Adagrad입니다). RMSprop은 이동 평균을 씁니다: velocity = "
        "rho*velocity + (1-rho)*grad**2."),
    "rmsprop_no_sqrt": T(
        "You divide by the velocity itself; RMSprop divides by sqrt(velocity + epsilon).",
        "속도 자체로 나누고 있습니다. RMSprop은 sqrt(velocity + epsilon)으로 나눕니다."),
    "rmsprop_old_velocity": T(
        "You divide by the velocity of the previous step; update it first.",
        "이전 스텝의 속도로 나누고 있습니다. 속도를 먼저 갱신하세요."),
    "adam_no_bias_correction": T(
        "Your early steps have the wrong size: m and v start at zero, so they are biased towards "
        "0; Adam's bias correction divides m by 1-beta_1**t and v by 1-beta_2**t.",
        "초반 스텝의 크기가 틀렸습니다. m과 v는 0에서 시작하므로 0 쪽으로 치우쳐 있습니다. Adam의 "
        "편향 보정은 m을 1-beta_1**t로, v를 1-beta_2**t로 나눕니다."),
    "adam_swapped_betas": T(
        "beta_1 belongs to the first moment m (the mean of grad) and beta_2 to the second moment v "
        "(the mean of grad**2); you swapped them.",
        "beta_1은 1차 모멘트 m(grad의 평균), beta_2는 2차 모멘트 v(grad**2의 평균)에 쓰입니다. "
        "둘이 바뀌었습니다."),
    "adam_zero_based_t": T(
        "Your step counter is off by one: t is 1 on the first step, so 1 - beta**t is never 0.",
        "스텝 카운터가 하나 어긋났습니다. 첫 스텝에서 t는 1이므로 1 - beta**t는 0이 되지 "
        "않습니다."),
    "adam_only_m_corrected": T(
        "You bias-correct m but not v: both moments start at zero and both need their correction "
        "(1-beta_1**t and 1-beta_2**t).",
        "m만 편향 보정하고 v는 보정하지 않았습니다. 두 모멘트 모두 0에서 시작하므로 둘 다 "
        "보정(1-beta_1**t, 1-beta_2**t)이 필요합니다."),
    "adam_no_sqrt": T(
        "Adam divides by sqrt(v) (the RMS of the gradient), not by v.",
        "Adam은 v가 아니라 sqrt(v)(그래디언트의 RMS)로 나눕니다."),
    "adamw_coupled_l2": T(
        "You added weight_decay*param to the gradient (L2 regularisation). AdamW decouples the "
        "decay: param -= lr*weight_decay*param, and the gradient (and so m and v) never sees it.",
        "weight_decay*param을 그래디언트에 더했습니다(L2 정규화). AdamW는 감쇠를 분리합니다: param "
        "-= lr*weight_decay*param이고, 그래디언트(따라서 m과 v)는 이 감쇠를 보지 않습니다."),
    "adamw_decay_without_lr": T(
        "Keras multiplies the decay by the learning rate: param -= "
        "learning_rate*weight_decay*param.",
        "Keras는 감쇠에 학습률을 곱합니다: param -= learning_rate*weight_decay*param."),
    "adamw_decay_after_step": T(
        "Keras decays the parameter BEFORE the Adam step, not after it.",
        "Keras는 Adam 스텝을 밟기 전에 파라미터를 먼저 감쇠시킵니다. 스텝 뒤가 아닙니다."),
    "adamw_no_decay": T(
        "Your AdamW is plain Adam: it never applies the weight decay.",
        "이 AdamW는 가중치 감쇠를 전혀 적용하지 않는, 그냥 Adam입니다."),
    "adamw_decay_scales_grad": T(
        "You added weight_decay*grad to the gradient (which Adam's normalisation all but cancels). "
        "The decay acts on the parameter: param -= learning_rate*weight_decay*param, before the "
        "Adam step.",
        "그래디언트에 weight_decay*grad를 더했습니다(Adam의 정규화가 이것을 거의 지워 버립니다). "
        "감쇠는 파라미터에 적용합니다: Adam 스텝 전에 param -= learning_rate*weight_decay*param."),
    "momentum_no_lr": T(
        "Your velocity leaves out the learning rate: Keras's velocity = momentum*velocity - "
        "learning_rate*grad.",
        "속도에서 학습률이 빠졌습니다. Keras의 velocity = momentum*velocity - "
        "learning_rate*grad입니다."),
    "momentum_velocity_negated": T(
        "Your velocity has the opposite sign: you store momentum*velocity + lr*grad and subtract "
        "it. Keras stores velocity = momentum*velocity - lr*grad (it points downhill) and adds it, "
        "param + velocity.",
        "속도의 부호가 반대입니다: momentum*velocity + lr*grad를 저장하고 그것을 뺍니다. Keras는 "
        "velocity = momentum*velocity - lr*grad(내리막 방향)를 저장하고 param + velocity로 "
        "더합니다."),
    "momentum_subtracts_velocity": T(
        "You subtract the velocity, so the parameters move uphill: Keras's velocity = "
        "momentum*velocity - lr*grad already points downhill, and the new parameter is param + "
        "velocity.",
        "속도를 빼서 파라미터가 오르막으로 움직입니다. Keras의 velocity = momentum*velocity - "
        "lr*grad는 이미 내리막 방향이므로 새 파라미터는 param + velocity입니다."),
    "momentum_plain_sgd": T(
        "This is plain SGD: your step ignores momentum and returns the velocity unchanged. "
        "Momentum keeps velocity = momentum*velocity - lr*grad and moves the parameter by it.",
        "이것은 일반 SGD입니다: 스텝이 momentum을 쓰지 않고 속도를 그대로 돌려줍니다. 모멘텀은 "
        "velocity = momentum*velocity - lr*grad를 유지하고 그만큼 파라미터를 움직입니다."),
    "adagrad_no_square": T(
        "Your accumulator adds the gradient itself: Adagrad sums SQUARED gradients, accumulator += "
        "grad**2.",
        "누적값에 그래디언트 자체를 더했습니다. Adagrad는 그래디언트의 '제곱'을 더합니다: "
        "accumulator += grad**2."),
    "rmsprop_no_square": T(
        "Your velocity averages the gradient itself: RMSprop averages SQUARED gradients, velocity "
        "= rho*velocity + (1-rho)*grad**2.",
        "속도가 그래디언트 자체의 평균입니다. RMSprop은 그래디언트 '제곱'의 이동 평균을 씁니다: "
        "velocity = rho*velocity + (1-rho)*grad**2."),
    "adam_m_of_squares": T(
        "Your m averages grad**2: the first moment is the mean of the gradient itself, m = "
        "beta_1*m + (1-beta_1)*grad; only v averages grad**2.",
        "m이 grad**2의 평균입니다. 1차 모멘트 m은 그래디언트 자체의 평균입니다(m = beta_1*m + "
        "(1-beta_1)*grad). grad**2의 평균은 v뿐입니다."),
    "adagrad_no_history": T(
        "Your accumulator holds only this step's grad**2: Adagrad SUMS the squared gradients of "
        "all steps, accumulator = accumulator + grad**2.",
        "누적값에 이번 스텝의 grad**2만 들어 있습니다. Adagrad는 모든 스텝의 그래디언트 제곱을 "
        "더합니다: accumulator = accumulator + grad**2."),
    "adam_t_plus_one": T(
        "Your step counter is one ahead: t is already the number of this step (1 on the first "
        "step), so use 1 - beta**t as it is, without adding 1.",
        "스텝 번호가 하나 앞서 있습니다. t는 이미 이번 스텝의 번호(첫 스텝에서 1)이므로 1을 더하지 "
        "말고 1 - beta**t를 그대로 쓰세요."),
    "adam_eps_inside_sqrt": T(
        "Adam adds epsilon OUTSIDE the square root: m_hat / (sqrt(v_hat) + epsilon) (Keras: alpha "
        "* m / (sqrt(v) + epsilon)), not sqrt(v_hat + epsilon).",
        "Adam은 epsilon을 제곱근 '밖'에 더합니다: m_hat / (sqrt(v_hat) + epsilon) (Keras: alpha * "
        "m / (sqrt(v) + epsilon)). sqrt(v_hat + epsilon)이 아닙니다."),
    "adam_returns_corrected_moments": T(
        "You return the bias-corrected m_hat and v_hat as the new state: return the moving "
        "averages m and v themselves; the correction is only for this step's update.",
        "편향 보정한 m_hat, v_hat을 새 상태로 반환했습니다. 상태로는 이동 평균 m과 v 자체를 "
        "반환하세요. 보정은 이번 스텝의 갱신에만 씁니다."),
    "adam_v_uses_beta_1": T(
        "v is averaged with beta_2, not beta_1: v = beta_2*v + (1-beta_2)*grad**2.",
        "v는 beta_1이 아니라 beta_2로 평균합니다: v = beta_2*v + (1-beta_2)*grad**2."),
    "momentum_is_nesterov": T(
        "This is Nesterov momentum: you move by momentum*new_velocity - lr*grad (a look-ahead). "
        "Plain SGD momentum moves by the new velocity itself: velocity = momentum*velocity - "
        "lr*grad, then param + velocity.",
        "이것은 네스테로프 모멘텀입니다: momentum*new_velocity - lr*grad만큼(앞을 내다보며) "
        "움직였습니다. 일반 SGD 모멘텀은 새 속도 자체만큼 움직입니다: velocity = momentum*velocity "
        "- lr*grad, 그리고 param + velocity."),
    "nesterov_fixed_lr_in_step": T(
        "Your velocity uses learning_rate, but the parameter step uses a fixed number instead "
        "(0.01, the default?): Keras moves by momentum*new_velocity - learning_rate*grad.",
        "속도에는 learning_rate를 썼지만 파라미터 스텝에는 고정된 숫자(기본값 0.01?)를 썼습니다. "
        "Keras는 momentum*new_velocity - learning_rate*grad만큼 움직입니다."),
    "nesterov_fixed_lr_in_velocity": T(
        "Your parameter step uses learning_rate, but the velocity uses a fixed number instead "
        "(0.01, the default?): velocity = momentum*velocity - learning_rate*grad.",
        "파라미터 스텝에는 learning_rate를 썼지만 속도에는 고정된 숫자(기본값 0.01?)를 썼습니다: "
        "velocity = momentum*velocity - learning_rate*grad."),
    "adamw_decay_uses_grad": T(
        "Your decay subtracts learning_rate*weight_decay*grad: the decay shrinks the parameter "
        "itself, param -= learning_rate*weight_decay*param, before the Adam step.",
        "감쇠로 learning_rate*weight_decay*grad를 뺐습니다. 감쇠는 파라미터 자체를 줄입니다: Adam "
        "스텝 전에 param -= learning_rate*weight_decay*param."),
    "adamw_fixed_lr_in_step": T(
        "Your weight decay uses learning_rate, but your Adam step uses a fixed number instead "
        "(0.001, the default?): the step is alpha * m / (sqrt(v) + epsilon) with alpha = "
        "learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t).",
        "가중치 감쇠에는 learning_rate를 썼지만 Adam 스텝에는 고정된 숫자(기본값 0.001?)를 "
        "썼습니다: 스텝은 alpha * m / (sqrt(v) + epsilon)이고 alpha = learning_rate * sqrt(1 - "
        "beta_2**t) / (1 - beta_1**t)입니다."),
    "adamw_fixed_lr_in_decay": T(
        "Your Adam step uses learning_rate, but the weight decay uses a fixed number instead "
        "(0.001, the default?): param -= learning_rate*weight_decay*param.",
        "Adam 스텝에는 learning_rate를 썼지만 가중치 감쇠에는 고정된 숫자(기본값 0.001?)를 "
        "썼습니다: param -= learning_rate*weight_decay*param."),
}

#: Parts (other than momentum, which has momentum_plain_sgd) with a "plain SGD" mistake:
#: ``param - learning_rate*grad`` with the state returned unchanged.
PLAIN_SGD = ("nesterov", "adagrad", "rmsprop", "adam", "adamw")

#: Trivial variants of every part (each must score 0): the ids are ``<part>_<kind>``.
TRIVIAL_KINDS = ("returns_inputs", "returns_zeros", "param_times_zero", "param_not_updated",
                 "state_not_updated")
#: What each part's state is called in the hints of its trivial variants.
_STATE_WORDS = {"momentum": T("velocity", "속도(velocity)"),
                "nesterov": T("velocity", "속도(velocity)"),
                "adagrad": T("accumulator", "누적값(accumulator)"),
                "rmsprop": T("velocity", "속도(velocity)"),
                "adam": T("m and v", "m과 v"), "adamw": T("m and v", "m과 v")}
#: The optimizer's name in the Korean "plain SGD" hints (the English uses the part's title).
_NAMES_KO = {"nesterov": "네스테로프 모멘텀", "adagrad": "Adagrad", "rmsprop": "RMSprop",
             "adam": "Adam", "adamw": "AdamW"}
TRIVIAL_HINTS = {
    "returns_inputs": T(
        "Your function returns its inputs unchanged: the parameter never moves and the {state} "
        "never changes. Return the NEW parameter and {state}.",
        "입력을 그대로 반환합니다: 파라미터가 전혀 움직이지 않고 {state}도 바뀌지 않습니다. 새 "
        "파라미터와 새 {state}를 반환하세요."),
    "returns_zeros": T(
        "Your function returns zeros: return the updated parameter and {state}, not arrays of "
        "zeros.",
        "0으로 채운 배열을 반환합니다: 0이 아니라 갱신한 파라미터와 {state}를 반환하세요."),
    "param_times_zero": T(
        "The parameter you return is all zeros (param * 0?): return the parameter after the "
        "step.",
        "반환한 파라미터가 모두 0입니다(param * 0?): 스텝을 적용한 파라미터를 반환하세요."),
    "param_not_updated": T(
        "You return the parameter unchanged: your {state} is updated, but the step is never "
        "applied to the parameter.",
        "파라미터를 그대로 반환합니다: {state}는 갱신했지만 스텝을 파라미터에 적용하지 "
        "않았습니다."),
    "state_not_updated": T(
        "You return the old {state}: the next step must see the updated {state} (your parameter "
        "step itself is right).",
        "예전 {state}를 그대로 반환합니다: 다음 스텝은 갱신된 {state}를 받아야 합니다(파라미터 "
        "스텝 자체는 맞습니다)."),
}


for _pid, _word in _STATE_WORDS.items():
    for _kind, _text in TRIVIAL_HINTS.items():
        HINTS[f"{_pid}_{_kind}"] = T(_text.format(state=_word), _text.ko.format(state=_word.ko))
for _pid in PLAIN_SGD:
    HINTS[f"{_pid}_plain_sgd"] = T(
        f"This is plain SGD: your parameter moves by -learning_rate*grad and your "
        f"{_STATE_WORDS[_pid]} {'are' if _pid in ('adam', 'adamw') else 'is'} returned "
        f"unchanged. {TITLES[_pid]} updates the {_STATE_WORDS[_pid]} first and moves the "
        "parameter using {them}.".replace("{them}", "them" if _pid in ("adam", "adamw") else "it"),
        f"이것은 일반 SGD입니다: 파라미터를 -learning_rate*grad만큼 움직이고 "
        f"{_STATE_WORDS[_pid].ko}는 그대로 돌려줍니다. {_NAMES_KO[_pid]}은(는) "
        f"{_STATE_WORDS[_pid].ko}를 먼저 갱신하고 그것으로 파라미터를 움직입니다.")


# -- properties (no reference needed) ---------------------------------------------------
#
# Each property fails with the student's outputs on its own input; a known mistake is
# named only when its output on every call the check made (recorded:
# grader/training/evidence.py) reproduces the student's. No property is satisfied by an output that ignores the inputs (a constant, the
# inputs returned unchanged): each also checks that the step moves and the state is the
# one the inputs determine.

#: A property's Failure whose diagnosis is decided by all the evidence of the check
#: (:class:`grader.assignments.training.evidence.Evidence`), once every example has run.
_PENDING = "\0pending"


def _step(ctx, spec, args, kwargs, n_out, evidence=None):
    out = ctx.call(spec.fn, *args, **kwargs)
    out = unpack(out, n_out, f"`{spec.fn}`")
    got = [as_array(o, "a returned array", np.shape(args[0])) for o in out]
    if evidence is not None:
        evidence.add(args, kwargs, got)
    if not all(np.all(np.isfinite(g)) for g in got):
        raise Failure("a returned array contains NaN or inf (the inputs were finite)",
                      diagnosis=_PENDING)
    return got


def _run_named(part_id, strategy, body, ctx, describe):
    """run_property, naming the mistake from all the calls the check made."""
    evidence = Evidence(ctx.assignment.name, part_id, SPECS[part_id].fn)
    try:
        def run_body(ex):
            return body(ex, evidence)
        run_body.__qualname__ = body.__qualname__   # what the recorded examples are keyed by
        run_property(strategy, run_body, max_examples=ctx.settings.max_examples,
                     describe=describe)
    except Failure as failure:
        if failure.diagnosis == _PENDING:
            candidates = evidence.candidates()
            failure.diagnosis = next(iter(candidates)) if len(candidates) == 1 else ""
            note_candidates(ctx, failure, candidates, evidence.considered())
        raise


def _describe(spec):
    def describe(ex):
        args, kwargs = ex
        return example(call_text(spec.fn, args, kwargs))
    return describe


def _f64(x):
    return np.asarray(x, np.float64)


def _sgd_want(args, kw, power=1):
    """What SGD with momentum (power 1) or Nesterov (power 2) returns where the
    properties call it: with momentum=0, or with a zero gradient."""
    p, g, v = (_f64(a) for a in args)
    lr, mom = kw["learning_rate"], kw["momentum"]
    if mom == 0:
        return [p - lr * g, -lr * g]
    return [p + mom ** power * v, mom * v]      # (the gradient is zero)


def _first_state(part_id, args, kw):
    """The state after a first step from a zero state (the running averages' first
    terms)."""
    g = _f64(args[1])
    if part_id == "adagrad":
        return [g * g]
    if part_id == "rmsprop":
        return [(1 - kw["rho"]) * g * g]
    return [(1 - kw["beta_1"]) * g, (1 - kw["beta_2"]) * g * g]


def _state_mismatch(spec, got, want, rtol=1e-5, atol=1e-7) -> str | None:
    for name, g, w in zip(spec.state, got[1:], want[1:]):
        bad = mismatch(g, w, rtol, atol)
        if bad:
            return f"new {name}: {bad}"
    return None


def _outputs_text(spec, values) -> str:
    names = ("new_param", *(f"new_{s}" for s in spec.state))
    return "\n".join(f"{n} = {fmt(np.asarray(v))}" for n, v in zip(names, values))


@st.composite
def _sgd_inputs(draw, zero_momentum=False):
    param, grad = draw(S.param_and_grad())
    velocity = draw(S.arrays(param.dtype, param.shape, -1, 1))
    lr = draw(st.sampled_from([0.01, 0.1, 0.5]))
    mom = 0.0 if zero_momentum else draw(st.sampled_from([0.5, 0.9, 0.99]))
    return [param, grad, velocity], {"learning_rate": lr, "momentum": mom}


def momentum_zero_is_sgd(part_id):
    """momentum=0: the parameter moves by exactly -learning_rate*grad, and that step is
    the new velocity."""
    spec = SPECS[part_id]

    def run(ctx):
        def body(ex, evidence):
            args, kw = ex
            got = _step(ctx, spec, args, kw, 2, evidence)
            want = _sgd_want(args, kw)
            bad = mismatch(got[0], want[0], 1e-5, 1e-6)
            bad = f"new parameter: {bad}" if bad else _state_mismatch(spec, got, want, 1e-5, 1e-6)
            if bad:
                raise Failure("with momentum=0 the step is not plain SGD (param - lr*grad, "
                              f"velocity = -lr*grad): {bad}",
                              example=example(call_text(spec.fn, *ex), expected=_outputs_text(spec, want),
                                              got=_outputs_text(spec, got)),
                              diagnosis=_PENDING)

        _run_named(part_id, _sgd_inputs(zero_momentum=True), body, ctx, _describe(spec))
    return run


def coasting(part_id):
    """With a zero gradient the parameter coasts on its velocity: by momentum*v
    (momentum) or momentum**2*v (Nesterov's look-ahead)."""
    spec = SPECS[part_id]
    power = 2 if part_id == "nesterov" else 1
    def run(ctx):
        def body(ex, evidence):
            args, kw = ex
            args = [args[0], np.zeros_like(args[1]), args[2]]
            got = _step(ctx, spec, args, kw, 2, evidence)
            want = _sgd_want(args, kw, power)
            bad = mismatch(got[0], want[0], 1e-5, 1e-6) or _state_mismatch(spec, got, want, 1e-5, 1e-6)
            if bad:
                raise Failure(f"with a zero gradient the parameter should move by momentum{'**2' if power == 2 else ''}"
                              f"*velocity and the velocity shrink to momentum*velocity: {bad}",
                              example=example(call_text(spec.fn, args, kw), expected=_outputs_text(spec, want),
                                              got=_outputs_text(spec, got)),
                              diagnosis=_PENDING)

        _run_named(part_id, _sgd_inputs(), body, ctx, _describe(spec))
    return run


@st.composite
def _adaptive_inputs(draw, part_id):
    param, grad = draw(S.param_and_grad())
    if part_id == "adagrad":
        state = [np.zeros_like(param)]
        kw = {"learning_rate": draw(st.sampled_from([0.01, 0.1])), "epsilon": 1e-12}
    elif part_id == "rmsprop":
        state = [np.zeros_like(param)]
        kw = {"learning_rate": draw(st.sampled_from([0.001, 0.01])),
              "rho": draw(st.sampled_from([0.5, 0.9, 0.99])), "epsilon": 1e-12}
    else:
        state = [np.zeros_like(param), np.zeros_like(param), 1]
        kw = {"learning_rate": draw(st.sampled_from([0.001, 0.01, 0.1])),
              "beta_1": draw(st.sampled_from([0.8, 0.9])),
              "beta_2": draw(st.sampled_from([0.99, 0.999])), "epsilon": 1e-12}
        if part_id == "adamw":
            kw["weight_decay"] = 0.0
    scale = draw(st.sampled_from([0.01, 10.0, 1000.0]))
    return [param, grad, *state], kw, scale


def _first_step(ctx, part_id, args, kw, evidence):
    """The student's first step from a zero state; fails unless it moves every
    coordinate against its (nonzero) gradient and returns the first averages as state."""
    spec = SPECS[part_id]
    got = _step(ctx, spec, args, kw, 1 + len(spec.state), evidence)
    want = [None, *_first_state(part_id, args, kw)]
    moved = got[0] - np.asarray(args[0], np.float64)
    against = moved * np.asarray(args[1], np.float64) < 0
    bad = None
    if not np.all(against):
        bad = (f"the first step must move every coordinate against its gradient; "
               f"{int((~against).sum())} of {against.size} did not")
    else:
        bad = _state_mismatch(spec, got, want)
    if bad:
        expected = "new_param: every coordinate moves against its gradient\n" + "\n".join(
            _outputs_text(spec, want).splitlines()[1:])
        raise Failure(f"on the first step (zero state): {bad}",
                      example=example(call_text(spec.fn, args, kw), expected=expected,
                                      got=_outputs_text(spec, got)),
                      diagnosis=_PENDING)
    return got


def scale_invariance(part_id):
    """From a zero state, scaling every gradient by c > 0 leaves the first step
    unchanged (up to epsilon): the update is normalised by the gradient's RMS. The step
    must move every coordinate (against its gradient) and the state must hold the
    first averages: an output that ignores the gradient satisfies nothing here."""
    spec = SPECS[part_id]
    n_out = 1 + len(spec.state)
    def run(ctx):
        def body(ex, evidence):
            args, kw, c = ex
            base = _first_step(ctx, part_id, args, kw, evidence)
            scaled_args = [args[0], (args[1] * c).astype(args[1].dtype), *args[2:]]
            scaled = _step(ctx, spec, scaled_args, kw, n_out, evidence)[0]
            bad = mismatch(scaled - args[0], base[0] - args[0], 1e-3, 1e-6)
            if bad:
                raise Failure(f"scaling the gradient by {c:g} changed the first step ({bad}); "
                              "an adaptive method divides by the gradient's RMS, so it should not",
                              example=example(call_text(spec.fn, args, kw) + f"  and grad*{c:g}",
                                              expected=fmt(base[0]), got=fmt(scaled)),
                              diagnosis=_PENDING)

        _run_named(part_id, _adaptive_inputs(part_id), body, ctx,
                   lambda ex: example(call_text(spec.fn, ex[0], ex[1]) + f"  and grad*{ex[2]:g}"))
    return run


def first_step_is_lr(part_id):
    """Adam's first step moves each coordinate by about learning_rate (bias correction),
    against its gradient."""
    spec = SPECS[part_id]
    def run(ctx):
        def body(ex, evidence):
            args, kw, _ = ex
            got = _first_step(ctx, part_id, args, kw, evidence)
            moved = np.abs(got[0] - args[0].astype(np.float64))
            lr = kw["learning_rate"]
            if not np.allclose(moved, lr, rtol=1e-3, atol=1e-6 + 1e-6 * np.abs(args[0]).max()):
                raise Failure(f"on step t=1 each coordinate should move by about learning_rate={lr:g} "
                              f"(m_hat/sqrt(v_hat) = sign(grad)); yours moved by {fmt(moved)}",
                              example=example(call_text(spec.fn, args, kw), expected=f"|change| = {lr:g}",
                                              got=fmt(moved)),
                              diagnosis=_PENDING)

        _run_named(part_id, _adaptive_inputs(part_id), body, ctx,
                   lambda ex: example(call_text(spec.fn, ex[0], ex[1])))
    return run


@st.composite
def _decay_inputs(draw):
    dtype, shape = draw(S.dtypes()), draw(S.shapes())
    param = draw(S.arrays(dtype, shape, -3, 3, away_from_zero=0.1))
    v = draw(S.arrays(dtype, shape, 0.125, 2))
    kw = {"learning_rate": draw(st.sampled_from([0.001, 0.01, 0.1])),
          "weight_decay": draw(st.sampled_from([0.004, 0.1, 0.5])),
          "beta_2": draw(st.sampled_from([0.5, 0.9]))}
    return [param, np.zeros_like(param), np.zeros_like(param), v, 1], kw


def decay_is_decoupled():
    """With a zero gradient (and m = 0) AdamW only decays the weights:
    param * (1 - learning_rate*weight_decay); m stays 0 and v decays to beta_2*v.
    Coupled L2 would take a full Adam step."""
    spec = SPECS["adamw"]
    def run(ctx):
        def body(ex, evidence):
            args, kw = ex
            got = _step(ctx, spec, args, kw, 3, evidence)
            want = [_f64(args[0]) * (1 - kw["learning_rate"] * kw["weight_decay"]),
                    np.zeros_like(_f64(args[0])), kw["beta_2"] * _f64(args[3])]
            bad = mismatch(got[0], want[0], 1e-5, 1e-7)
            bad = f"new parameter: {bad}" if bad else _state_mismatch(spec, got, want)
            if bad:
                raise Failure(f"with a zero gradient AdamW should only decay the weights by "
                              f"(1 - lr*weight_decay), keep m = 0 and decay v to beta_2*v: {bad}",
                              example=example(call_text(spec.fn, args, kw), expected=_outputs_text(spec, want),
                                              got=_outputs_text(spec, got)),
                              diagnosis=_PENDING)

        _run_named("adamw", _decay_inputs(), body, ctx, _describe(spec))
    return run


def _reference_checks(part_id):
    spec = SPECS[part_id]
    note = EPS_NOTE.get(part_id, "")
    return [
        Check(LECTURE[part_id],
              reference_check(spec, tag="lecture", textbook_note=note), weight=3, hints=HINTS),
        Check(T("matches Keras with its default hyper-parameters",
                "기본 하이퍼파라미터에서 Keras와 같은 결과"),
              reference_check(spec, tag="defaults", textbook_note=note), weight=1, hints=HINTS),
        Check(T("matches Keras on float32 inputs of many shapes and hyper-parameters",
                "여러 가지 모양과 하이퍼파라미터의 float32 입력에서 Keras와 같은 결과"),
              reference_check(spec, tag="float32", textbook_note=note), weight=2, hints=HINTS),
        Check(T("matches Keras on float64 inputs",
                "float64 입력에서 Keras와 같은 결과"),
              reference_check(spec, tag="float64", textbook_note=note), weight=2, hints=HINTS),
        Check(T("matches Keras on the hidden cases",
                "숨겨진 테스트 케이스에서 Keras와 같은 결과"),
              reference_check(spec, hidden=True, textbook_note=note), weight=2, hidden=True,
              hints=HINTS),
    ]


def _properties(part_id):
    if part_id in ("momentum", "nesterov"):
        return [Check(T("momentum=0 is plain SGD",
                        "momentum=0이면 일반 SGD와 같음"),
                      momentum_zero_is_sgd(part_id), weight=1, hints=HINTS),
                Check(T("with a zero gradient the parameter coasts on its velocity",
                        "그래디언트가 0이면 파라미터가 속도(velocity)만으로 관성 이동함"),
                      coasting(part_id), weight=1, hints=HINTS)]
    props = [Check(T("the first step does not depend on the gradient's scale",
                     "첫 스텝의 크기가 그래디언트의 스케일에 좌우되지 않음"),
                   scale_invariance(part_id), weight=1, hints=HINTS)]
    if part_id in ("adam", "adamw"):
        props.append(Check(T("the first step moves each coordinate by about learning_rate",
                             "첫 스텝에서 각 좌표가 약 learning_rate만큼 이동함"),
                           first_step_is_lr(part_id), weight=1, hints=HINTS))
    if part_id == "adamw":
        props.append(Check(T("weight decay is decoupled from the gradient",
                             "가중치 감쇠가 그래디언트와 분리되어(decoupled) 적용됨"),
                           decay_is_decoupled(), weight=1, hints=HINTS))
    return props


# -- ignored hyper-parameters (grader/diagnosis.py) ----------------------------------------

_P = np.array([0.5, -1.25, 2.0])
_G = np.array([0.75, -0.5, 1.5])
_PROBE_STATE = {"momentum": [np.array([0.25, -0.5, 0.125])],
                "nesterov": [np.array([0.25, -0.5, 0.125])],
                "adagrad": [np.array([0.1, 0.5, 1.0])],
                "rmsprop": [np.array([0.25, 0.5, 1.0])],
                "adam": [np.array([0.25, -0.5, 0.5]), np.array([0.5, 0.25, 1.0])],
                "adamw": [np.array([0.25, -0.5, 0.5]), np.array([0.5, 0.25, 1.0])]}
#: The base value and a clearly different one of every hyper-parameter; epsilon's
#: alternative is large next to the probe's gradients, so the solution's output changes;
#: t (the step number) changes the bias correction since m and v are not zero.
_ALTERNATIVES = {"learning_rate": (0.1, 0.02), "momentum": (0.9, 0.5), "rho": (0.9, 0.5),
                 "beta_1": (0.9, 0.6), "beta_2": (0.999, 0.9), "epsilon": (1e-7, 0.5),
                 "weight_decay": (0.004, 0.2), "t": (3, 1)}
_HPARAMS = {"momentum": ("learning_rate", "momentum"), "nesterov": ("learning_rate", "momentum"),
            "adagrad": ("learning_rate", "epsilon"), "rmsprop": ("learning_rate", "rho", "epsilon"),
            "adam": ("t", "learning_rate", "beta_1", "beta_2", "epsilon"),
            "adamw": ("t", "learning_rate", "weight_decay", "beta_1", "beta_2", "epsilon")}
#: Known mistakes that ignore an argument themselves: their name stands (so do the
#: trivial variants' names, but "state not updated", whose parameter uses them all).
_IGNORING = {"momentum": ("momentum_no_lr", "momentum_plain_sgd"), "rmsprop": ("rmsprop_no_decay",),
             "adam": ("adam_no_bias_correction",),
             "adamw": ("adamw_no_decay", "adam_no_bias_correction")}


def _call_with_t(fn, args):
    """Probe calls of a step taking ``t``: t goes in its place, positionally (as the
    checks pass it), whatever the student named it."""
    def run(ctx, kwargs):
        kwargs = dict(kwargs)
        t = kwargs.pop("t")
        return ctx.call(fn, *args, t, **kwargs)
    return run


def probes(part_id) -> tuple[Probe, ...]:
    names = _HPARAMS[part_id]
    spec = SPECS[part_id]
    args = (_P, _G, *_PROBE_STATE[part_id])
    keeps = _IGNORING.get(part_id, ()) + tuple(
        f"{part_id}_{kind}" for kind in TRIVIAL_KINDS if kind != "state_not_updated") + (
        (f"{part_id}_plain_sgd",) if part_id in PLAIN_SGD else ())
    return (Probe(fn=spec.fn, args=args,
                  kwargs={n: _ALTERNATIVES[n][0] for n in names},
                  alternatives={n: _ALTERNATIVES[n][1] for n in names},
                  run=_call_with_t(spec.fn, args) if spec.uses_t else None,
                  keeps=keeps),)


# -- the picture in the feedback (grader/plots.py; `grader grade --plots`) ------------------

#: Coordinates of the parameter drawn in the picture.
_PLOT_COORDS = 3


def trajectory_plot(part_id):
    """``Part.plot``: when a check of the part failed, the student's parameters step by
    step next to Keras's on the lecture's (public) example, and how far apart they are."""
    spec = SPECS[part_id]

    def plot(ctx, checks):
        from grader.declaration import T
        from grader.sandbox.runner import CallFailed

        from .trajectory import step_args

        if all(c.passed for c in checks):
            return None
        cases = ctx.cases(tag="lecture") or ctx.cases()
        if not cases:
            return None
        case = cases[0]                                   # the smallest
        inp = case.inputs
        param, state, yours = inp["param"], list(inp["state"]), []
        dtype = param.dtype
        for k, grad in enumerate(inp["grads"]):
            args, kwargs = step_args(spec, param, grad, state, k, inp["hparams"],
                                     inp.get("defaults"))
            try:
                out = ctx.call(spec.fn, *args, **kwargs)
            except CallFailed:
                break
            if not isinstance(out, (tuple, list)) or len(out) != 1 + len(spec.state):
                break
            new = [np.asarray(o) for o in out]
            if any(o.shape != param.shape or o.dtype.kind not in "biuf" for o in new):
                break
            yours.append(new[0].astype(np.float64).ravel())
            param, state = new[0].astype(dtype), [o.astype(dtype) for o in new[1:]]
        keras = [np.asarray(p, dtype=np.float64).ravel() for p in case.expected["params"]]
        steps = list(range(1, len(keras) + 1))
        n = min(_PLOT_COORDS, keras[0].size)
        lines = []
        for i in range(n):
            lines.append({"x": steps, "y": [p[i] for p in keras], "style": "--", "color": f"C{i}",
                          "label": "Keras" if i == 0 else None})
            if yours:
                lines.append({"x": steps[:len(yours)], "y": [p[i] for p in yours], "style": "o-",
                              "color": f"C{i}", "label": T("yours", "내 결과") if i == 0 else None})
        gaps = [max(float(np.max(np.abs(y - k))), 1e-17) for y, k in zip(yours, keras)]
        failed = (T(f"your function failed at step {len(yours) + 1}",
                    f"{len(yours) + 1}번째 스텝에서 함수가 실패했습니다")
                  if len(yours) < len(keras) else None)
        return {
            "title": T(f"{part_id}: your `{spec.fn}` vs Keras on the lecture's example "
                       f"({len(keras)} steps)",
                       f"{part_id}: 강의 예제에서 여러분의 `{spec.fn}`와 Keras ({len(keras)} 스텝)"),
            "caption": T("Your parameters, step by step, next to Keras's on the lecture's example.",
                         "강의 예제에서 여러분의 파라미터를 스텝마다 Keras의 것과 나란히 그렸습니다."),
            "alt": T("your parameters step by step next to Keras's",
                     "스텝마다의 파라미터: 여러분의 것과 Keras의 것"),
            "panels": [
                {"title": T("trajectory", "궤적"), "xlabel": T("step", "스텝"),
                 "ylabel": f"parameter[:{n}]" if n > 1 else "parameter", "lines": lines},
                {"title": T("difference", "차이"), "xlabel": T("step", "스텝"),
                 "ylabel": "max |yours - Keras|", "yscale": "log", "note": failed,
                 "lines": [{"x": steps[:len(gaps)], "y": gaps, "style": "o-", "color": "C3"}]},
            ],
        }
    return plot


def parts() -> list[Part]:
    return [Part(id=pid, title=TITLES[pid], module="optimizers", names=(SPECS[pid].fn,),
                 points=POINTS[pid], checks=tuple(_reference_checks(pid) + _properties(pid)),
                 probes=probes(pid), plot=trajectory_plot(pid))
            for pid in SPECS]
