"""Checks of the six optimizer parts: reference trajectories against Keras (recorded)
and properties that need no reference."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..assignment import Check, Part
from ..checking import as_array, call_text, example, fmt, mismatch, run_property, unpack
from ..errors import Failure
from . import strategies as S
from .trajectory import StepSpec, reference_check

SPECS = {
    "momentum": StepSpec("sgd_momentum_step", ("velocity",)),
    "nesterov": StepSpec("nesterov_step", ("velocity",)),
    "adagrad": StepSpec("adagrad_step", ("accumulator",)),
    "rmsprop": StepSpec("rmsprop_step", ("velocity",)),
    "adam": StepSpec("adam_step", ("m", "v"), uses_t=True),
    "adamw": StepSpec("adamw_step", ("m", "v"), uses_t=True),
}
TITLES = {"momentum": "SGD with momentum", "nesterov": "SGD with Nesterov momentum",
          "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}
POINTS = {"momentum": 8, "nesterov": 8, "adagrad": 8, "rmsprop": 8, "adam": 12, "adamw": 6}
LECTURE = {
    "momentum": "SGD(0.1, momentum=0.9)", "nesterov": "SGD(0.1, momentum=0.9, nesterov=True)",
    "adagrad": "Adagrad(0.1)", "rmsprop": "RMSprop(0.01, rho=0.9)",
    "adam": "Adam(0.01, beta_1=0.9, beta_2=0.99)", "adamw": "AdamW() with Keras's defaults",
}

EPS_NOTE = {
    "adagrad": "You add epsilon outside the square root (textbook). Keras computes "
               "sqrt(accumulator + epsilon); the difference is tiny, so this is accepted.",
    "rmsprop": "You add epsilon outside the square root (textbook). Keras computes "
               "sqrt(velocity + epsilon); accepted, but results differ slightly when v is tiny.",
    "adam": "You use the textbook form m_hat / (sqrt(v_hat) + epsilon). Keras adds epsilon to "
            "sqrt(v) before bias correction (epsilon-hat = epsilon * sqrt(1 - beta_2**t)); accepted.",
    "adamw": "You use the textbook form m_hat / (sqrt(v_hat) + epsilon). Keras adds epsilon to "
             "sqrt(v) before bias correction; accepted.",
}

#: Named mistakes: the hint a student sees when their trajectory follows the mistake's.
HINTS = {
    "momentum_plus_sign": "Your parameters move uphill: Keras keeps -learning_rate*grad inside the "
                          "velocity (velocity = momentum*velocity - lr*grad) and then adds it.",
    "momentum_ignored": "Your update ignores the velocity: this is plain SGD. Momentum keeps a "
                        "running velocity = momentum*velocity - lr*grad and moves by it.",
    "momentum_pytorch_velocity": "Your parameters are right but your velocity is stored the "
                                 "PyTorch way (v = momentum*v + grad). Keras stores the step itself: "
                                 "velocity = momentum*velocity - lr*grad.",
    "momentum_stale_velocity": "You move by the OLD velocity: update velocity first "
                               "(momentum*velocity - lr*grad), then add the new one to the parameter.",
    "momentum_dampened": "You scale the gradient by (1 - momentum) as in an exponential moving "
                         "average; Keras's SGD momentum has no dampening.",
    "nesterov_is_plain_momentum": "This is ordinary momentum: Nesterov looks ahead, "
                                  "param + momentum*new_velocity - lr*grad.",
    "nesterov_pytorch_velocity": "Your parameters are right but your velocity is stored the "
                                 "PyTorch way (b = momentum*b + grad). Keras stores the step itself: "
                                 "velocity = momentum*velocity - lr*grad.",
    "nesterov_no_gradient_term": "Your look-ahead step forgets the gradient term: Keras moves by "
                                 "momentum*new_velocity - lr*grad.",
    "adagrad_decaying_accumulator": "Your accumulator forgets old gradients (that is RMSprop). "
                                    "Adagrad SUMS all squared gradients: accumulator += grad**2.",
    "adagrad_accumulate_after_update": "You divide by the accumulator before adding this step's "
                                       "grad**2; Keras updates the accumulator first.",
    "adagrad_no_sqrt": "You divide by the accumulator itself; Adagrad divides by its square root, "
                       "sqrt(accumulator + epsilon).",
    "rmsprop_swapped_rho": "rho is the weight of the OLD average: velocity = rho*velocity + "
                           "(1-rho)*grad**2. You swapped the two weights.",
    "rmsprop_no_decay": "Your velocity keeps growing (that is Adagrad); RMSprop takes a moving "
                        "average: velocity = rho*velocity + (1-rho)*grad**2.",
    "rmsprop_no_sqrt": "You divide by the velocity itself; RMSprop divides by sqrt(velocity + epsilon).",
    "rmsprop_old_velocity": "You divide by the velocity of the previous step; update it first.",
    "adam_no_bias_correction": "Your early steps have the wrong size: m and v start at zero, so they "
                               "are biased towards 0; Adam's bias correction divides m by 1-beta_1**t "
                               "and v by 1-beta_2**t.",
    "adam_swapped_betas": "beta_1 belongs to the first moment m (the mean of grad) and beta_2 to the "
                          "second moment v (the mean of grad**2); you swapped them.",
    "adam_zero_based_t": "Your step counter is off by one: t is 1 on the first step, so "
                         "1 - beta**t is never 0.",
    "adam_only_m_corrected": "You bias-correct m but not v: both moments start at zero and both "
                             "need their correction (1-beta_1**t and 1-beta_2**t).",
    "adam_no_sqrt": "Adam divides by sqrt(v) (the RMS of the gradient), not by v.",
    "adamw_coupled_l2": "You added weight_decay*param to the gradient (L2 regularisation). AdamW "
                        "decouples the decay: param -= lr*weight_decay*param, and the gradient "
                        "(and so m and v) never sees it.",
    "adamw_decay_without_lr": "Keras multiplies the decay by the learning rate: "
                              "param -= learning_rate*weight_decay*param.",
    "adamw_decay_after_step": "Keras decays the parameter BEFORE the Adam step, not after it.",
    "adamw_no_decay": "Your AdamW is plain Adam: it never applies the weight decay.",
}


# -- properties (no reference needed) ---------------------------------------------------

def _step(ctx, spec, args, kwargs, n_out):
    out = ctx.call(spec.fn, *args, **kwargs)
    out = unpack(out, n_out, f"`{spec.fn}`")
    return [as_array(o, "a returned array", np.shape(args[0]), finite=True) for o in out]


def _describe(spec):
    def describe(ex):
        args, kwargs = ex
        return example(call_text(spec.fn, args, kwargs))
    return describe


@st.composite
def _sgd_inputs(draw, zero_momentum=False):
    param, grad = draw(S.param_and_grad())
    velocity = draw(S.arrays(param.dtype, param.shape, -1, 1))
    lr = draw(st.sampled_from([0.01, 0.1, 0.5]))
    mom = 0.0 if zero_momentum else draw(st.sampled_from([0.5, 0.9, 0.99]))
    return [param, grad, velocity], {"learning_rate": lr, "momentum": mom}


def momentum_zero_is_sgd(part_id):
    """momentum=0: the parameter moves by exactly -learning_rate*grad."""
    spec = SPECS[part_id]

    def run(ctx):
        def body(ex):
            args, kw = ex
            new_param, _ = _step(ctx, spec, args, kw, 2)
            want = args[0].astype(np.float64) - kw["learning_rate"] * args[1].astype(np.float64)
            bad = mismatch(new_param, want, 1e-5, 1e-6)
            if bad:
                raise Failure(f"with momentum=0 the step is not plain SGD (param - lr*grad): {bad}",
                              example=example(call_text(spec.fn, *ex), expected=fmt(want), got=fmt(new_param)))

        run_property(_sgd_inputs(zero_momentum=True), body, max_examples=ctx.settings.max_examples,
                     describe=_describe(spec))
    return run


def coasting(part_id):
    """With a zero gradient the parameter coasts on its velocity: by momentum*v
    (momentum) or momentum**2*v (Nesterov's look-ahead)."""
    spec = SPECS[part_id]
    power = 2 if part_id == "nesterov" else 1
    def run(ctx):
        def body(ex):
            args, kw = ex
            args = [args[0], np.zeros_like(args[1]), args[2]]
            new_param, new_v = _step(ctx, spec, args, kw, 2)
            mom = kw["momentum"]
            want = args[0].astype(np.float64) + mom ** power * args[2].astype(np.float64)
            bad = mismatch(new_param, want, 1e-5, 1e-6) or mismatch(new_v, mom * args[2].astype(np.float64), 1e-5, 1e-6)
            if bad:
                raise Failure(f"with a zero gradient the parameter should move by momentum{'**2' if power == 2 else ''}"
                              f"*velocity and the velocity shrink to momentum*velocity: {bad}",
                              example=example(call_text(spec.fn, args, kw), expected=fmt(want), got=fmt(new_param)))

        run_property(_sgd_inputs(), lambda ex: body(ex), max_examples=ctx.settings.max_examples,
                     describe=_describe(spec))
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


def scale_invariance(part_id):
    """From a zero state, scaling every gradient by c > 0 leaves the first step
    unchanged (up to epsilon): the update is normalised by the gradient's RMS."""
    spec = SPECS[part_id]
    n_out = 1 + len(spec.state)
    def run(ctx):
        def body(ex):
            args, kw, c = ex
            base = _step(ctx, spec, args, kw, n_out)[0]
            scaled_args = [args[0], (args[1] * c).astype(args[1].dtype), *args[2:]]
            scaled = _step(ctx, spec, scaled_args, kw, n_out)[0]
            bad = mismatch(scaled - args[0], base - args[0], 1e-3, 1e-6)
            if bad:
                raise Failure(f"scaling the gradient by {c:g} changed the first step ({bad}); "
                              "an adaptive method divides by the gradient's RMS, so it should not",
                              example=example(call_text(spec.fn, args, kw) + f"  and grad*{c:g}",
                                              expected=fmt(base), got=fmt(scaled)))

        run_property(_adaptive_inputs(part_id), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(call_text(spec.fn, ex[0], ex[1]) + f"  and grad*{ex[2]:g}"))
    return run


def _first_step_diagnosis(moved, kw) -> str:
    lr, b1, b2 = kw["learning_rate"], kw["beta_1"], kw["beta_2"]
    guesses = {"adam_no_bias_correction": lr * (1 - b1) / np.sqrt(1 - b2),
               "adam_only_m_corrected": lr / np.sqrt(1 - b2),
               "adam_swapped_betas": lr * 1.0}
    for mistake, size in guesses.items():
        if size != lr and np.allclose(moved, size, rtol=1e-3):
            return mistake
    return ""


def first_step_is_lr(part_id):
    """Adam's first step moves each coordinate by about learning_rate (bias correction)."""
    spec = SPECS[part_id]
    def run(ctx):
        def body(ex):
            args, kw, _ = ex
            new_param = _step(ctx, spec, args, kw, 3)[0]
            moved = np.abs(new_param - args[0].astype(np.float64))
            lr = kw["learning_rate"]
            if not np.allclose(moved, lr, rtol=1e-3, atol=1e-6 + 1e-6 * np.abs(args[0]).max()):
                raise Failure(f"on step t=1 each coordinate should move by about learning_rate={lr:g} "
                              f"(m_hat/sqrt(v_hat) = sign(grad)); yours moved by {fmt(moved)}",
                              example=example(call_text(spec.fn, args, kw), expected=f"|change| = {lr:g}",
                                              got=fmt(moved)),
                              diagnosis=_first_step_diagnosis(moved, kw))

        run_property(_adaptive_inputs(part_id), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(call_text(spec.fn, ex[0], ex[1])))
    return run


@st.composite
def _decay_inputs(draw):
    param = draw(S.arrays(draw(S.dtypes()), draw(S.shapes()), -3, 3, away_from_zero=0.1))
    kw = {"learning_rate": draw(st.sampled_from([0.001, 0.01, 0.1])),
          "weight_decay": draw(st.sampled_from([0.004, 0.1, 0.5]))}
    return [param, np.zeros_like(param), np.zeros_like(param), np.zeros_like(param), 1], kw


def decay_is_decoupled():
    """With a zero gradient (and zero moments) AdamW only decays the weights:
    param * (1 - learning_rate*weight_decay). Coupled L2 would take a full Adam step."""
    spec = SPECS["adamw"]
    def run(ctx):
        def body(ex):
            args, kw = ex
            new_param, new_m, new_v = _step(ctx, spec, args, kw, 3)
            want = args[0].astype(np.float64) * (1 - kw["learning_rate"] * kw["weight_decay"])
            bad = mismatch(new_param, want, 1e-5, 1e-7)
            if not bad and (np.any(new_m != 0) or np.any(new_v != 0)):
                bad = "the moments m and v changed although the gradient is zero"
            if bad:
                diag = ""
                if np.allclose(new_param, args[0] * (1 - kw["weight_decay"])):
                    diag = "adamw_decay_without_lr"
                elif np.any(new_m != 0):
                    diag = "adamw_coupled_l2"
                elif np.allclose(new_param, args[0]):
                    diag = "adamw_no_decay"
                raise Failure(f"with a zero gradient AdamW should only decay the weights by "
                              f"(1 - lr*weight_decay): {bad}",
                              example=example(call_text(spec.fn, args, kw), expected=fmt(want),
                                              got=fmt(new_param)), diagnosis=diag)

        run_property(_decay_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=_describe(spec))
    return run


def _reference_checks(part_id):
    spec = SPECS[part_id]
    note = EPS_NOTE.get(part_id, "")
    return [
        Check(f"matches Keras {LECTURE[part_id]} (the lecture's example)",
              reference_check(spec, tag="lecture", textbook_note=note), weight=3, hints=HINTS),
        Check("matches Keras with its default hyper-parameters",
              reference_check(spec, tag="defaults", textbook_note=note), weight=1, hints=HINTS),
        Check("matches Keras on float32 inputs of many shapes and hyper-parameters",
              reference_check(spec, tag="float32", textbook_note=note), weight=2, hints=HINTS),
        Check("matches Keras on float64 inputs",
              reference_check(spec, tag="float64", textbook_note=note), weight=2, hints=HINTS),
        Check("matches Keras on the hidden cases",
              reference_check(spec, hidden=True, textbook_note=note), weight=2, hidden=True,
              hints=HINTS),
    ]


def _properties(part_id):
    if part_id in ("momentum", "nesterov"):
        return [Check("momentum=0 is plain SGD", momentum_zero_is_sgd(part_id), weight=1, hints=HINTS),
                Check("with a zero gradient the parameter coasts on its velocity", coasting(part_id),
                      weight=1, hints=HINTS)]
    props = [Check("the first step does not depend on the gradient's scale",
                   scale_invariance(part_id), weight=1, hints=HINTS)]
    if part_id in ("adam", "adamw"):
        props.append(Check("the first step moves each coordinate by about learning_rate",
                           first_step_is_lr(part_id), weight=1, hints=HINTS))
    if part_id == "adamw":
        props.append(Check("weight decay is decoupled from the gradient", decay_is_decoupled(),
                           weight=1, hints=HINTS))
    return props


def parts() -> list[Part]:
    return [Part(id=pid, title=TITLES[pid], module="optimizers", names=(SPECS[pid].fn,),
                 points=POINTS[pid], checks=tuple(_reference_checks(pid) + _properties(pid)))
            for pid in SPECS]
