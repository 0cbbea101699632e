"""The "training techniques" notebook: the lecture's text and the cells the notebook adds.

Read by the generic notebook builder (grader/authoring/notebook.py, when `grader stubs`
runs) through ``Assignment.notebook``; ``INTRO`` and ``CONCEPTS`` are also attached to
the declaration by ``build()`` (``Assignment.intro``, each ``Part.concept``). Every text
is ``T(English, Korean)``: the notebook shows the Korean with the English beside it.

The "pictures" section at the end is not graded: it puts the student's functions to
work (optimizer paths on 2-D surfaces, a small numpy network trained with their
optimizers, batch norm, dropout, L2 and early stopping, and Keras next to it when
TensorFlow is installed). Its code cells are plain strings run in the student's kernel.
"""

from __future__ import annotations

from grader.declaration import Cell, T

FILE = "training_techniques.ipynb"

TITLE = T("Assignment: training techniques", "과제: 딥러닝 학습 기법")

#: The notebook's introduction (``Assignment.intro``).
INTRO = T(
    """\
In this notebook you implement, **with numpy only**, the training techniques of the lecture: \
momentum and Nesterov momentum, Adagrad and RMSProp, Adam, AdamW and weight decay, L1/L2 \
regularization and dropout, batch normalization, and early stopping. The goal is to compute \
**the same numbers as Keras** (TensorFlow). Where the textbook formula and Keras differ in a \
detail (where epsilon goes, a factor 1/2), the explanation of the part and the function's \
docstring say so.""",
    """\
이 노트북에서는 강의에서 다룬 학습 기법들을 **numpy만으로** 직접 구현합니다. 모멘텀과 네스테로프 \
모멘텀, Adagrad와 RMSProp, Adam, AdamW와 가중치 감쇠, L1/L2 정규화와 드롭아웃, 배치 정규화, 그리고 \
조기 종료까지입니다. 목표는 Keras(TensorFlow)가 실제로 계산하는 것과 **같은 숫자**를 내는 \
것입니다. 교과서의 식과 Keras의 구현은 epsilon의 위치나 1/2 같은 작은 부분에서 다를 때가 있는데, \
그런 차이는 각 문제의 설명과 함수의 docstring에 적어 두었습니다.""")

#: The part the "how to work" text shows in its examples.
EXAMPLE_PART = "adam"

#: Added to the "how to work" list.
HOWTO = (T('The "pictures" section at the end is not graded: it trains a small network with '
           "your functions and draws the paths of your optimizers.",
           "마지막의 '그림으로 보기' 절은 채점하지 않습니다. 여러분이 구현한 함수로 작은 신경망을 "
           "학습시키고 옵티마이저의 경로를 그려 봅니다."),)

#: The heading above the formula blocks of the docstrings.
FORMULAS = T("the formula as Keras computes it", "Keras가 계산하는 식")

#: Each student module's section: (heading, introduction).
SECTIONS = {
    "optimizers": (T("Optimizers", "옵티마이저"),
        T("Each function computes **one step** of a Keras optimizer for one parameter array: it "
          "takes the parameter, its gradient and the optimizer's state arrays (of the parameter's "
          "shape) and returns the updated parameter and state as **new arrays**. Hyper-parameter "
          "names and defaults are Keras 3's.",
          "각 함수는 Keras 옵티마이저의 **한 스텝**을 파라미터 배열 하나에 대해 계산합니다. "
          "파라미터, 그래디언트, 옵티마이저의 상태 배열(파라미터와 같은 모양)을 받아서, 갱신된 "
          "파라미터와 갱신된 상태를 **새 배열로** 반환합니다. 하이퍼파라미터의 이름과 기본값은 "
          "Keras 3와 같습니다.")),
    "regularization": (T("Regularization", "정규화"),
        T("Weight penalties (L1, L2): the value added to the loss and its gradient. Dropout: one "
          "function draws the mask, another applies it.",
          "가중치 페널티(L1, L2)는 손실에 더해지는 값과 그 그래디언트를, 드롭아웃은 마스크를 뽑는 "
          "함수와 적용하는 함수를 구현합니다.")),
    "batchnorm": (T("Batch normalization", "배치 정규화"),
        T("Features are on the last axis; each feature's statistics are taken over every other "
          "axis, so the same code handles `(batch, features)` and `(batch, height, width, "
          "channels)`.",
          "특성(feature)은 마지막 축에 있고, 각 특성의 통계는 나머지 모든 축에 걸쳐 계산합니다. "
          "`(batch, features)`와 `(batch, height, width, channels)` 모두 같은 코드로 처리할 수 "
          "있어야 합니다.")),
    "early_stopping": (T("Early stopping", "조기 종료"),
        T("A class with Keras's callback protocol: the grader drives your callback and Keras's "
          "`callbacks.EarlyStopping` with the same model and the same metric values, and compares "
          "what each did.",
          "Keras의 콜백 프로토콜을 따르는 클래스를 만듭니다. 채점기는 여러분의 콜백과 Keras의 "
          "`callbacks.EarlyStopping`을 같은 모델, 같은 지표 값으로 돌려서 둘의 동작을 비교합니다.")),
}

#: Each part's concept (``Part.concept``): the lecture's explanation of it.
CONCEPTS = {
    "momentum": T(
        "Gradient descent follows the current gradient only, so in a long narrow valley it "
        "zig-zags between the walls and makes slow progress along the floor. Momentum remembers "
        "past steps as a **velocity**: each step multiplies the velocity by `momentum` "
        "(typically 0.9) and adds the new gradient step. Components that keep changing sign "
        "cancel out, consistent ones build up, like a ball gaining inertia as it rolls downhill. "
        "Keras keeps the learning rate inside the velocity: the velocity is the step itself.",
        "경사 하강법은 매 스텝 현재 그래디언트 방향으로만 움직이기 때문에, 좁고 긴 골짜기에서는 "
        "양쪽 벽 사이를 지그재그로 오가며 정작 바닥 방향으로는 느리게 나아갑니다. 모멘텀은 지난 "
        "이동을 **속도(velocity)**로 기억해 두고, 매 스텝 그 속도에 `momentum`(보통 0.9)을 곱한 "
        "뒤 새 그래디언트 스텝을 더합니다. 부호가 계속 바뀌는 성분은 서로 상쇄되고 일관된 방향의 "
        "성분은 쌓여서 빨라집니다. 언덕을 굴러 내려가는 공이 관성을 얻는 것과 같습니다. Keras는 "
        "속도 안에 학습률을 미리 곱해 둡니다. 즉 속도가 곧 이번 스텝의 이동량입니다."),
    "nesterov": T(
        "Nesterov accelerated gradient (NAG) looks ahead: the velocity is going to carry the "
        "parameters forward anyway, so the gradient at that look-ahead point is better information "
        "than the gradient here. It brakes earlier when it overshoots the floor of a valley, and "
        "oscillates less. Keras (like most libraries) uses a rewritten form that needs no gradient "
        "at the look-ahead point: compute the new velocity, then move the parameters by "
        "`momentum * new_velocity - learning_rate * grad`.",
        "네스테로프 가속 경사(NAG)는 '관성으로 어차피 가게 될 곳을 먼저 내다보고, 거기서 본 "
        "기울기로 방향을 고친다'는 아이디어입니다. 속도 때문에 갈 곳이 이미 정해져 있으니, 지금 "
        "위치보다 그 앞 위치의 기울기가 더 좋은 정보라는 것이죠. 그래서 골짜기 바닥을 지나칠 때 "
        "더 일찍 브레이크가 걸리고 진동이 줄어듭니다. Keras(와 대부분의 라이브러리)는 앞 위치에서 "
        "그래디언트를 다시 계산하지 않아도 되도록 식을 바꿔 쓴 형태를 씁니다. 새 속도를 구한 뒤, "
        "파라미터를 `momentum * 새 속도 - learning_rate * grad`만큼 움직입니다."),
    "adagrad": T(
        "Adagrad adapts the learning rate of each parameter: it divides by the square root of "
        "the **accumulator**, the sum of all squared gradients so far, so parameters with large, "
        "frequent gradients take small steps and rare ones take large steps. It suits sparse "
        "features, but the sum only grows, so the effective learning rate shrinks towards 0 as "
        "training goes on. Keras starts the accumulator at 0.1 (`initial_accumulator_value`), "
        "not 0, and puts epsilon **inside** the square root.",
        "Adagrad는 파라미터마다 학습률을 따로 조절합니다. 지금까지 나온 그래디언트 제곱을 모두 "
        "더한 **누적값(accumulator)**의 제곱근으로 나누기 때문에, 그래디언트가 크고 자주 나온 "
        "파라미터는 조금씩, 드물고 작게 나온 파라미터는 크게 움직입니다. 희소한 특성이 있는 "
        "문제에 잘 맞지만, 누적값이 커지기만 하므로 학습이 진행될수록 실제 학습률이 0에 "
        "가까워진다는 단점이 있습니다. Keras는 누적값을 0이 아니라 "
        "0.1(`initial_accumulator_value`)에서 시작하고, epsilon을 제곱근 **안**에 넣습니다."),
    "rmsprop": T(
        "RMSProp fixes Adagrad's ever-shrinking learning rate: instead of summing all squared "
        "gradients it keeps an **exponential moving average** (`rho`, typically 0.9), so it only "
        "remembers the scale of the recent gradients. The step size does not decay to 0 and "
        "re-adapts when the landscape changes. As the name says, it divides by the root mean "
        "square of the recent gradients.",
        "RMSProp은 Adagrad의 '학습률이 계속 줄어드는' 문제를 고친 방법입니다. 그래디언트 제곱을 "
        "전부 더하는 대신 **지수 이동 평균**(`rho`, 보통 0.9)을 써서 최근 그래디언트의 크기만 "
        "기억합니다. 그래서 오래 학습해도 학습률이 0으로 줄지 않고, 지형이 바뀌면 스텝 크기도 "
        "다시 맞춰집니다. 이름 그대로 최근 그래디언트의 RMS(root mean square)로 나눈다고 생각하면 "
        "됩니다."),
    "adam": T(
        "Adam combines momentum and RMSProp: it keeps a moving average m of the gradients (first "
        "moment: the direction) and a moving average v of the squared gradients (second moment: "
        "the scale), and moves by m / sqrt(v). Both start at 0, so early on they are biased "
        "towards 0: **bias correction** divides m by 1-β₁ᵗ and v by 1-β₂ᵗ (t counts the steps "
        "from 1). Without it the first steps have the wrong size. Keras folds the correction "
        "into the step size and adds epsilon to the uncorrected sqrt(v); the textbook form is "
        "accepted too. Keras's default epsilon is 1e-7, not 1e-8.",
        "Adam은 모멘텀과 RMSProp을 합친 것입니다. 그래디언트의 이동 평균 m(1차 모멘트: 방향)과 "
        "그래디언트 제곱의 이동 평균 v(2차 모멘트: 크기)를 함께 유지하고, m을 sqrt(v)로 나눈 만큼 "
        "움직입니다. 그런데 m과 v는 0에서 시작하므로 초반에는 0 쪽으로 치우쳐 있습니다. 그래서 "
        "**편향 보정(bias correction)**으로 m을 1-β₁ᵗ로, v를 1-β₂ᵗ로 나눠 줍니다(t는 1부터 세는 "
        "스텝 번호). 보정을 빼먹으면 처음 몇 스텝의 크기가 크게 틀어집니다. Keras는 이 보정을 "
        "학습률 쪽에 한꺼번에 모아서 계산하고 epsilon을 보정 전의 sqrt(v)에 더합니다. 교과서 "
        "형태도 정답으로 인정합니다. Keras의 기본 epsilon은 1e-8이 아니라 1e-7입니다."),
    "adamw": T(
        "Weight decay shrinks the weights a little towards 0 at every step, to keep them small. "
        "With SGD, adding an L2 penalty to the loss does the same thing, but not with Adam: the "
        "L2 gradient is divided by sqrt(v) like every other gradient, so weights with large "
        "gradients are decayed less. AdamW (Loshchilov & Hutter) **decouples** the decay from "
        "the gradient: it first shrinks the parameter itself by the fraction `learning_rate * "
        "weight_decay`, then takes an ordinary Adam step. The decay never enters m or v.",
        "가중치 감쇠(weight decay)는 매 스텝 가중치를 조금씩 0 쪽으로 줄여서 가중치가 커지지 않게 "
        "합니다. SGD에서는 손실에 L2 페널티를 더하는 것과 가중치 감쇠가 같은 일이지만, Adam에서는 "
        "다릅니다. L2 페널티의 그래디언트도 다른 그래디언트처럼 sqrt(v)로 나뉘기 때문에, "
        "그래디언트가 큰 가중치일수록 오히려 덜 감쇠됩니다. AdamW(Loshchilov & Hutter)는 감쇠를 "
        "그래디언트에서 **분리(decouple)**합니다. 먼저 파라미터 자체를 `learning_rate * "
        "weight_decay` 비율만큼 줄이고, 그다음 평소처럼 Adam 스텝을 밟습니다. 감쇠는 m과 v에 전혀 "
        "들어가지 않습니다."),
    "l1_l2": T(
        "L1 and L2 regularization add a penalty on the size of the weights to the loss, to keep "
        "the model from fitting its training data too closely (overfitting). L2 (the sum of "
        "squares) makes all weights uniformly small; L1 (the sum of absolute values) drives many "
        "weights to exactly 0, giving a sparse model. Keras's `regularizers.L2(l2)` is `l2 * "
        "sum(w**2)`, **without** the 1/2 many textbooks have, so its gradient is `2 * l2 * w`. "
        "The gradient of L1 is `l1 * sign(w)`, which is 0 at w = 0.",
        "L1, L2 정규화는 가중치의 크기에 대한 페널티를 손실에 더해서 모델이 훈련 데이터에 "
        "지나치게 맞춰지는 것(과적합)을 막습니다. L2(가중치 제곱의 합)는 모든 가중치를 골고루 "
        "작게 만들고, L1(절댓값의 합)은 많은 가중치를 정확히 0으로 만들어 희소한 모델을 만듭니다. "
        "Keras의 `regularizers.L2(l2)`는 `l2 * sum(w**2)`로, 교과서에 자주 나오는 1/2이 "
        "**없습니다**. 그래서 그래디언트는 `2 * l2 * w`입니다. L1의 그래디언트는 `l1 * "
        "sign(w)`이고 w = 0에서는 0입니다."),
    "dropout": T(
        "Dropout switches each unit off (sets it to 0) with probability `rate` during training, "
        "so that the network cannot rely on any single unit; every step trains a slightly "
        "different thinned network, which acts like an ensemble. Keras uses **inverted "
        "dropout**: during training the kept units are multiplied by 1/(1-rate), which keeps the "
        "expected output unchanged, so at inference (`training=False`) the layer does nothing "
        "and returns its input. Here drawing the mask (`dropout_mask`) and applying it "
        "(`dropout`) are separate functions, so that your result can be compared with Keras's "
        "given the same mask.",
        "드롭아웃은 학습 중에 각 유닛을 확률 `rate`로 무작위로 꺼서(0으로 만들어서) 네트워크가 "
        "특정 유닛에 기대지 못하게 합니다. 매 스텝 조금씩 다른 '얇은' 네트워크를 학습하는 셈이라 "
        "앙상블과 비슷한 효과가 납니다. Keras는 **inverted 드롭아웃**을 씁니다. 학습 중에 "
        "살아남은 유닛에 1/(1-rate)를 곱해서 출력의 기댓값을 그대로 유지하므로, "
        "추론(`training=False`) 때는 아무것도 하지 않고 입력을 그대로 돌려줍니다. 여기서는 "
        "Keras와 같은 마스크로 비교할 수 있도록, 마스크를 뽑는 함수(`dropout_mask`)와 적용하는 "
        "함수(`dropout`)를 나눴습니다."),
    "batchnorm_train": T(
        "Batch normalization normalises a layer's inputs with the mean and variance of the "
        "mini-batch (to mean 0, variance 1), then applies a learned scale γ (gamma) and offset β "
        "(beta). Each layer sees a steadier input distribution, which allows larger learning rates "
        "and faster training. In training mode it normalises with **this batch's** statistics and "
        "updates the moving mean and moving variance used later at inference. Keras's three "
        "conventions: the biased variance (divide by N) in the output and in the moving variance, "
        "epsilon inside the square root, and `momentum=0.99` weighting the **old** moving value.",
        "배치 정규화는 층의 입력을 미니배치의 평균과 분산으로 정규화해서(평균 0, 분산 1) 학습 "
        "가능한 스케일 γ(gamma)와 이동 β(beta)를 적용합니다. 층마다 입력 분포가 안정되어 더 큰 "
        "학습률로 빠르게 학습할 수 있습니다. 학습 모드에서는 **이번 배치**의 통계로 정규화하고, "
        "동시에 추론 때 쓸 이동 평균(moving mean)과 이동 분산(moving variance)을 갱신합니다. "
        "Keras의 약속은 세 가지입니다. 분산은 N으로 나누는 편향 분산이고(출력과 이동 분산 모두), "
        "epsilon은 제곱근 안에 들어가며, `momentum=0.99`는 **이전** 이동값에 곱하는 가중치입니다."),
    "batchnorm_inference": T(
        "At inference (prediction) batch norm does not use the batch's statistics: it normalises "
        "with the **moving mean and variance** collected during training. So an example's "
        "prediction does not depend on which other examples share its batch, and a single "
        "example can be predicted. Behaving differently in training and at inference is the "
        "classic pitfall of batch norm (and dropout): `model.predict` and `model(x)` call the "
        "layers in inference mode, `fit` in training mode.",
        "추론(예측) 때는 배치의 통계를 쓰지 않고, 학습하면서 모아 둔 **이동 평균과 이동 "
        "분산**으로 정규화합니다. 그래야 한 예제의 예측이 같은 배치에 어떤 예제들이 함께 "
        "들어왔는지와 상관없이 정해지고, 예제 하나만으로도 예측할 수 있습니다. 학습과 추론에서 "
        "동작이 다르다는 점이 배치 정규화(와 드롭아웃)의 대표적인 함정입니다. `model.predict`와 "
        "`model(x)`는 추론 모드, `fit`은 학습 모드로 층을 호출합니다."),
    "early_stopping": T(
        "Early stopping stops training when the validation loss (`val_loss`) stops improving, to "
        "keep the model from before overfitting sets in. At the end of every epoch it checks "
        "whether the monitored value beats the best so far (`best`) by more than `min_delta`, "
        "and stops after `patience` epochs in a row without improvement. The parameters: "
        "`monitor` is what to watch; `mode` says whether smaller (min) or larger (max) is "
        "better, or to decide from the name (auto); `min_delta` is the smallest change that "
        "counts; `patience` the number of epochs to wait; `baseline` a value to beat; "
        "`restore_best_weights` whether to put back the best epoch's weights at the end; "
        "`start_from_epoch` how many first epochs to ignore. Keras compares strictly (a tie is "
        "no improvement) and increments `wait` **before** the test.",
        "조기 종료는 검증 손실(`val_loss`)이 더 이상 좋아지지 않으면 학습을 멈춰서, 과적합이 "
        "시작되기 전의 모델을 얻는 방법입니다. 매 에포크가 끝날 때 모니터링하는 값이 지금까지의 "
        "최고 기록(`best`)보다 `min_delta`를 넘게 좋아졌는지 보고, 개선 없는 에포크가 "
        "`patience`번 이어지면 멈춥니다. 인자들의 뜻은 이렇습니다. `monitor`는 지켜볼 값, "
        "`mode`는 작을수록 좋은지(min) 클수록 좋은지(max) 이름으로 정할지(auto), `min_delta`는 "
        "개선으로 인정할 최소 변화, `patience`는 참고 기다릴 에포크 수, `baseline`은 넘어야 할 "
        "기준값, `restore_best_weights`는 끝날 때 최고 에포크의 가중치로 되돌릴지, "
        "`start_from_epoch`는 처음 몇 에포크를 보지 않을지입니다. Keras는 엄격하게 비교하고(같은 "
        "값은 개선이 아님), 검사하기 **전에** `wait`을 1 늘립니다."),
}

# -- the pictures section (not graded) ----------------------------------------------------------

PICTURES_INTRO = """\
## {n}. 그림으로 보기 (Pictures, not graded)

이 절은 채점하지 않습니다. 위에서 구현한 함수들을 실제로 써 봅니다. 먼저 2차원 곡면 위에서 \
옵티마이저들이 지나가는 경로를 그리고, 다음으로 작은 신경망(numpy로 쓴 MLP)을 여러분의 옵티마이저, \
배치 정규화, 드롭아웃, L2, 조기 종료로 학습시킵니다. TensorFlow가 설치되어 있으면 같은 학습을 \
Keras로도 돌려서 나란히 비교합니다. 아직 구현하지 않은 함수는 건너뜁니다.

> This section is not graded: it puts your functions to work. First the paths of the optimizers \
on 2-D surfaces, then a small network (an MLP written in numpy) trained with your optimizer, \
batch norm, dropout, L2 and early stopping; if TensorFlow is installed, the same training runs \
in Keras next to it. Functions you have not implemented yet are skipped."""

PICTURES_SETUP = '''\
import matplotlib.pyplot as plt


def works(fn, *args, **kwargs):
    """False (with a message) while `fn` still raises NotImplementedError."""
    try:
        fn(*args, **kwargs)
    except NotImplementedError:
        print(f"`{fn.__name__}` is not implemented yet: the pictures below do without it")
        return False
    return True'''

PATHS_MD = """\
### 옵티마이저의 경로 (Optimizer paths)

왼쪽은 한 방향으로 25배 더 가파른 길쭉한 그릇 모양의 곡면입니다. 보통의 SGD는 가파른 방향으로 \
지그재그하고, 모멘텀은 속도가 붙어 멀리 지나쳤다가 돌아오며, 네스테로프는 미리 브레이크를 걸어 \
진동이 줄어듭니다. 오른쪽은 바나나 모양의 골짜기를 가진 Rosenbrock 함수로, Adagrad는 \
학습률이 줄어들어 멈춰 서고 RMSprop과 Adam은 골짜기를 따라 최솟값(★)을 향해 나아갑니다. \
학습률을 바꿔 가며 다시 실행해 보세요.

> Left: an elongated bowl, 25 times steeper across than along. Plain SGD zig-zags across it, \
momentum builds up speed and overshoots, Nesterov brakes earlier and oscillates less. Right: \
Rosenbrock's banana-shaped valley: Adagrad's learning rate decays until it stalls, while RMSprop \
and Adam follow the valley towards the minimum (★). Try other learning rates."""

PATHS_CODE = '''\
def ravine(p):
    """An elongated bowl f = (x**2 + 25*y**2) / 2 and its gradient."""
    x, y = p
    return 0.5 * (x ** 2 + 25 * y ** 2), np.array([x, 25 * y])


def rosenbrock(p):
    """Rosenbrock's valley f = (1-x)**2 + 100*(y-x**2)**2 (minimum at (1, 1)) and its gradient."""
    x, y = p
    return ((1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
            np.array([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)]))


def follow(step, surface, start, steps, state, takes_t=False, **hparams):
    """The path of your step function on a 2-D surface: an array of shape (steps + 1, 2)."""
    p = np.array(start, dtype=float)
    state = [np.full(2, s, dtype=float) for s in state]
    path = [p]
    for t in range(1, steps + 1):
        _, g = surface(p)
        out = step(p, g, *state, t, **hparams) if takes_t else step(p, g, *state, **hparams)
        p, state = np.asarray(out[0], dtype=float), list(out[1:])
        path.append(p)
    return np.array(path)


PATHS = {  # label: (surface, your step function, initial state, takes t, hyper-parameters)
    "SGD": (ravine, sgd_momentum_step, [0.0], False, dict(learning_rate=0.07)),
    "momentum 0.9": (ravine, sgd_momentum_step, [0.0], False,
                     dict(learning_rate=0.01, momentum=0.9)),
    "Nesterov 0.9": (ravine, nesterov_step, [0.0], False, dict(learning_rate=0.01, momentum=0.9)),
    "Adagrad": (rosenbrock, adagrad_step, [0.1], False, dict(learning_rate=0.5)),
    "Adam": (rosenbrock, adam_step, [0.0, 0.0], True, dict(learning_rate=0.1)),
    "RMSprop": (rosenbrock, rmsprop_step, [0.0], False, dict(learning_rate=0.01)),
}
SURFACES = {  # surface: (start, steps, box, minimum)
    ravine: ((-4.0, 1.0), 50, (-4.5, 1.0, -1.3, 1.3), (0, 0)),
    rosenbrock: ((-1.5, 2.0), 500, (-2.0, 2.0, -1.0, 3.0), (1, 1)),
}

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
for ax, (surface, (start, steps, box, best)) in zip(axes, SURFACES.items()):
    xs, ys = np.meshgrid(np.linspace(*box[:2], 200), np.linspace(*box[2:], 200))
    levels = np.logspace(-2, 3.5, 20) if surface is rosenbrock else 20
    ax.contour(xs, ys, surface((xs, ys))[0], levels=levels, cmap="Greys", linewidths=0.6)
    ax.plot(*best, "k*", ms=12)
    ax.set(title=surface.__doc__.split(" and ")[0], xlabel="x", ylabel="y")
for label, (surface, step, state, takes_t, hparams) in PATHS.items():
    start, steps = SURFACES[surface][:2]
    try:
        path = follow(step, surface, start, steps, state, takes_t, **hparams)
    except NotImplementedError:
        print(f"{label}: `{step.__name__}` is not implemented yet")
        continue
    axes[0 if surface is ravine else 1].plot(*path.T, ".-", ms=2, lw=1, label=label)
for ax in axes:
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
plt.tight_layout()
plt.show()'''

DATA_MD = """\
### 작은 신경망 학습 (Training a small network)

두 개의 반달 모양으로 섞인 점들(two moons)을 분류합니다. 훈련 데이터는 일부러 적고 잡음이 많게 \
만들어서 과적합이 잘 보이게 했습니다. 아래의 `TinyNet`은 2 → 128(배치 정규화, ReLU, 드롭아웃) → 1 \
(시그모이드) 구조의 MLP이고, 순전파와 역전파 모두 numpy로 직접 썼습니다. 순전파에는 여러분의 \
`batchnorm_train`, `batchnorm_inference`, `dropout_mask`, `dropout`, `l2_penalty`가, 역전파에는 \
`dropout`과 `l2_grad`가, 파라미터 갱신에는 여러분의 옵티마이저가 쓰입니다. `TinyNet`은 \
`get_weights`, `set_weights`, `stop_training`을 갖고 있어서 여러분의 `EarlyStopping`이 Keras \
모델처럼 다룰 수 있습니다.

> Two interleaved half-moons to classify, with a deliberately small and noisy training set so \
that overfitting shows. `TinyNet` below is a 2 → 128 (batch norm, ReLU, dropout) → 1 (sigmoid) \
MLP whose forward and backward passes are written in numpy: the forward pass uses your \
`batchnorm_train`, `batchnorm_inference`, `dropout_mask`, `dropout` and `l2_penalty`, the \
backward pass your `dropout` and `l2_grad`, and the updates your optimizer. `TinyNet` has \
`get_weights`, `set_weights` and `stop_training`, so your `EarlyStopping` can drive it like a \
Keras model."""

DATA_CODE = '''\
def two_moons(n, noise, rng):
    """n points of each of two interleaved half-circles, with Gaussian noise; labels 0 and 1."""
    t = rng.uniform(0, np.pi, size=(2, n))
    X = np.concatenate([np.stack([np.cos(t[0]), np.sin(t[0])], 1),
                        np.stack([1 - np.cos(t[1]), 0.5 - np.sin(t[1])], 1)])
    X = X + noise * rng.normal(size=X.shape)
    return X.astype(np.float32), np.repeat([0.0, 1.0], n)[:, None].astype(np.float32)


data_rng = np.random.default_rng(0)
X_train, y_train = two_moons(15, 0.35, data_rng)   # small and noisy: easy to overfit
X_val, y_val = two_moons(100, 0.35, data_rng)
EPOCHS, RATE, L2, PATIENCE = 200, 0.2, 1e-4, 20'''

NET_CODE = '''\
class TinyNet:
    """2 -> hidden (batch norm, ReLU, dropout) -> 1 (sigmoid), built from YOUR functions.

    It is also what a Keras callback sees of a model: get_weights(), set_weights(w) and
    the stop_training flag."""

    def __init__(self, hidden=128, batchnorm=True, rate=0.0, l2=0.0, seed=0):
        rng = np.random.default_rng(seed)
        self.p = {"W1": rng.normal(0, 1.0, (2, hidden)).astype(np.float32),
                  "gamma": np.ones(hidden, np.float32), "beta": np.zeros(hidden, np.float32),
                  "W2": rng.normal(0, hidden ** -0.5, (hidden, 1)).astype(np.float32),
                  "b2": np.zeros(1, np.float32)}
        self.moving = [np.zeros(hidden, np.float32), np.ones(hidden, np.float32)]
        self.batchnorm, self.rate, self.l2 = batchnorm, rate, l2
        self.rng = np.random.default_rng(seed + 1)
        self.stop_training = False

    def get_weights(self):
        return [v.copy() for v in self.p.values()] + [m.copy() for m in self.moving]

    def set_weights(self, weights):
        for k, w in zip(list(self.p), weights):
            self.p[k] = w.copy()
        self.moving = [w.copy() for w in weights[len(self.p):]]

    def predict(self, X):
        """Inference mode: batch norm with the moving statistics, no dropout."""
        h = X @ self.p["W1"]
        if self.batchnorm:
            h = batchnorm_inference(h, self.p["gamma"], self.p["beta"], *self.moving)
        h = np.maximum(h, 0)
        return 1 / (1 + np.exp(-(h @ self.p["W2"] + self.p["b2"])))

    def loss(self, X, y):
        """Binary cross-entropy in inference mode, plus the L2 penalties (as Keras reports it)."""
        p = np.clip(self.predict(X), 1e-7, 1 - 1e-7)
        bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        if self.l2:
            bce = bce + sum(float(l2_penalty(self.p[k], self.l2)) for k in ("W1", "W2"))
        return float(bce)

    def gradients(self, X, y):
        """One forward pass in training mode and its backward pass: {name: gradient}."""
        P, n = self.p, len(X)
        z = X @ P["W1"]
        if self.batchnorm:
            h, *self.moving = batchnorm_train(z, P["gamma"], P["beta"], *self.moving)
            var = z.var(0)
            z_hat = (z - z.mean(0)) / np.sqrt(var + 1e-3)
        else:
            h = z
        a = np.maximum(h, 0)
        if self.rate:
            mask = dropout_mask(a.shape, self.rate, self.rng)
            a = dropout(a, self.rate, mask, training=True)
        out = 1 / (1 + np.exp(-(a @ P["W2"] + P["b2"])))
        d_logit = (out - y) / n                                    # sigmoid + cross-entropy
        g = {"W2": a.T @ d_logit, "b2": d_logit.sum(0)}
        d_a = d_logit @ P["W2"].T
        if self.rate:
            d_a = dropout(d_a, self.rate, mask, training=True)     # the same mask and scale
        d_h = d_a * (h > 0)
        if self.batchnorm:                                         # batch norm's backward pass
            g["gamma"], g["beta"] = (d_h * z_hat).sum(0), d_h.sum(0)
            d_zh = d_h * P["gamma"]
            d_z = (d_zh - d_zh.mean(0) - z_hat * (d_zh * z_hat).mean(0)) / np.sqrt(var + 1e-3)
        else:
            g["gamma"], g["beta"], d_z = np.zeros_like(P["gamma"]), np.zeros_like(P["beta"]), d_h
        g["W1"] = X.T @ d_z
        if self.l2:
            for k in ("W1", "W2"):
                g[k] = g[k] + l2_grad(P[k], self.l2)
        return g


OPTIMIZERS = {  # name: (your step function, initial state values, takes t, hyper-parameters)
    "SGD + momentum": (sgd_momentum_step, [0.0], False, dict(learning_rate=0.1, momentum=0.9)),
    "Nesterov": (nesterov_step, [0.0], False, dict(learning_rate=0.1, momentum=0.9)),
    "Adagrad": (adagrad_step, [0.1], False, dict(learning_rate=0.1)),
    "RMSprop": (rmsprop_step, [0.0], False, dict(learning_rate=0.01)),
    "Adam": (adam_step, [0.0, 0.0], True, dict(learning_rate=0.01)),
    "AdamW": (adamw_step, [0.0, 0.0], True, dict(learning_rate=0.01, weight_decay=0.05)),
}


def fit(net, optimizer, epochs, batch_size=32, callback=None, seed=0):
    """Mini-batch training with one of OPTIMIZERS, called like Keras's model.fit.
    Returns the history {"loss": [...], "val_loss": [...]}."""
    step, init, takes_t, hparams = OPTIMIZERS[optimizer]
    state = {k: [np.full_like(v, s) for s in init] for k, v in net.p.items()}
    rng, t = np.random.default_rng(seed), 0
    history = {"loss": [], "val_loss": []}
    if callback is not None:
        callback.set_model(net)
        callback.on_train_begin()
    for epoch in range(epochs):
        order = rng.permutation(len(X_train))
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            t += 1
            for k, g in net.gradients(X_train[batch], y_train[batch]).items():
                args = (net.p[k], g, *state[k]) + ((t,) if takes_t else ())
                net.p[k], *state[k] = step(*args, **hparams)
        logs = {"loss": net.loss(X_train, y_train), "val_loss": net.loss(X_val, y_val)}
        for key, value in logs.items():
            history[key].append(value)
        if callback is not None:
            callback.on_epoch_end(epoch, logs)
            if net.stop_training:
                break
    if callback is not None:
        callback.on_train_end()
    return history


probe = (np.ones((2, 1)), np.ones(1), np.zeros(1), np.zeros(1), np.ones(1))
HAS_BN = works(batchnorm_train, *probe) and works(batchnorm_inference, *probe)
HAS_DROPOUT = (works(dropout_mask, (2,), 0.5, np.random.default_rng(0))
               and works(dropout, np.ones(2), 0.5, np.array([True, False]), training=True))
HAS_L2 = works(l2_penalty, np.ones(2)) and works(l2_grad, np.ones(2))
HAS_EARLY_STOPPING = works(EarlyStopping)'''

OPT_CURVES_MD = """\
같은 신경망, 같은 초기값을 여러분의 옵티마이저로 각각 학습시킨 훈련 손실입니다(로그 스케일).

> The training loss of the same network, from the same initial weights, with each of your \
optimizers (log scale)."""

OPT_CURVES_CODE = '''\
fig, ax = plt.subplots(figsize=(7, 4))
for name in OPTIMIZERS:
    try:
        history = fit(TinyNet(hidden=64, batchnorm=HAS_BN), name, epochs=60)
    except NotImplementedError as exc:
        print(f"{name}: skipped ({exc})")
        continue
    ax.plot(history["loss"], label=name)
ax.set(xlabel="epoch", ylabel="training loss", yscale="log",
       title="the same network, your optimizers")
if ax.get_legend_handles_labels()[0]:
    ax.legend()
plt.show()'''

ES_MD = """\
왼쪽: 정규화 없이 오래 학습하면 훈련 손실은 계속 줄지만 검증 손실은 어느 순간부터 다시 올라갑니다 \
(과적합). 가운데: 드롭아웃, L2, 그리고 여러분의 `EarlyStopping(patience=PATIENCE, \
restore_best_weights=True)`을 함께 쓴 학습입니다. 점선은 검증 손실이 가장 낮았던 에포크로, 학습이 \
끝나면 이 에포크의 가중치로 되돌아갑니다. 오른쪽: 두 모델의 결정 경계(추론 모드)입니다.

> Left: trained long without regularization, the training loss keeps falling while the \
validation loss turns back up (overfitting). Middle: dropout, L2 and your \
`EarlyStopping(patience=PATIENCE, restore_best_weights=True)`; the dotted line is the epoch with \
the lowest validation loss, whose weights are restored at the end. Right: the decision boundaries \
of the two models (inference mode)."""

ES_CODE = '''\
try:
    plain_net = TinyNet(batchnorm=HAS_BN)
    plain = fit(plain_net, "Adam", epochs=EPOCHS)
except NotImplementedError as exc:
    print(f"skipped: the training needs adam_step ({exc})")
    plain = None
if plain is not None:
    net = TinyNet(batchnorm=HAS_BN, rate=RATE if HAS_DROPOUT else 0.0, l2=L2 if HAS_L2 else 0.0)
    stopper = (EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
               if HAS_EARLY_STOPPING else None)
    regularized = fit(net, "Adam", epochs=EPOCHS, callback=stopper)

    fig, axes = plt.subplots(1, 3, figsize=(16, 4))
    for ax, history, title in ((axes[0], plain, "no regularization"),
                               (axes[1], regularized, "dropout + L2 + your EarlyStopping")):
        ax.plot(history["loss"], label="training")
        ax.plot(history["val_loss"], label="validation")
        ax.set(title=title, xlabel="epoch", ylabel="loss", xlim=(0, EPOCHS), ylim=(0, 1))
    if stopper is not None:
        axes[1].axvline(stopper.best_epoch, color="k", ls=":",
                        label=f"best epoch {stopper.best_epoch}")
    for ax in axes[:2]:
        ax.legend()
    xs, ys = np.meshgrid(np.linspace(-1.5, 2.5, 150), np.linspace(-1.2, 1.7, 150))
    grid = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)
    axes[2].scatter(*X_train.T, c=y_train[:, 0], cmap="coolwarm", edgecolors="k", s=30)
    for model, colour, name in ((plain_net, "C0", "no regularization"), (net, "C1", "regularized")):
        axes[2].contour(xs, ys, model.predict(grid).reshape(xs.shape), levels=[0.5], colors=colour)
        axes[2].plot([], [], color=colour, label=name)
    axes[2].set(title="decision boundaries (inference mode)")
    axes[2].legend()
    plt.tight_layout()
    plt.show()'''

KERAS_MD = """\
### 같은 학습을 Keras로 (The same training in Keras)

TensorFlow가 설치되어 있으면 같은 구조, 같은 하이퍼파라미터의 모델을 Keras로 학습시켜 여러분의 \
구현과 비교합니다(초기값과 난수가 달라서 곡선이 똑같지는 않습니다). TensorFlow를 불러오는 데 몇 \
초가 걸리므로, 건너뛰려면 `RUN_KERAS = False`로 바꾸세요.

> If TensorFlow is installed, a Keras model with the same layers and hyper-parameters is trained \
on the same data, next to yours (the initial weights and the random masks differ, so the curves \
are not identical). Importing TensorFlow takes a few seconds: set `RUN_KERAS = False` to skip it."""

KERAS_CODE = '''\
RUN_KERAS = True
keras = None
if RUN_KERAS:
    try:
        import keras
    except ImportError:
        print("TensorFlow/Keras is not installed: the comparison with Keras is skipped.")
if keras is not None:
    keras.utils.set_random_seed(0)
    l2 = keras.regularizers.L2(L2)
    keras_model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(128, use_bias=False, kernel_regularizer=l2),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Dropout(RATE),
        keras.layers.Dense(1, activation="sigmoid", kernel_regularizer=l2),
    ])
    keras_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    keras_stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE,
                                                  restore_best_weights=True)
    keras_history = keras_model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=EPOCHS,
                                    batch_size=32, callbacks=[keras_stopper], verbose=0).history
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(keras_history["val_loss"], label=f"Keras (best epoch {keras_stopper.best_epoch})")
    if plain is not None:
        ax.plot(regularized["val_loss"], label="yours" + (f" (best epoch {stopper.best_epoch})"
                                                          if stopper is not None else ""))
    ax.set(xlabel="epoch", ylabel="validation loss", title="dropout + L2 + early stopping")
    ax.legend()
    plt.show()'''



def cells(section: int) -> list[Cell]:
    """The pictures section, after the check of every part (``section``: its number)."""
    pictures = [("pictures-intro", PICTURES_INTRO.format(n=section)),
                ("pictures-setup", PICTURES_SETUP),
                ("paths-md", PATHS_MD), ("paths-code", PATHS_CODE),
                ("net-md", DATA_MD), ("net-data", DATA_CODE), ("net-code", NET_CODE),
                ("curves-md", OPT_CURVES_MD), ("curves-code", OPT_CURVES_CODE),
                ("early-stopping-md", ES_MD), ("early-stopping-code", ES_CODE),
                ("keras-md", KERAS_MD), ("keras-code", KERAS_CODE)]
    return [Cell(cell_id, source, code=not cell_id.endswith(("-md", "-intro")),
                 tags=() if cell_id.endswith(("-md", "-intro")) else ("pictures", "not-graded"))
            for cell_id, source in pictures]
