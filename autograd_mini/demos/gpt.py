"""A tiny character-level GPT trained on the scalar engine, one word per step.

The model: token and position embeddings, RMSNorm, one transformer layer (multi-head causal
attention with softmax, then a ReLU MLP, each with a residual connection), and a linear
head over 27 tokens (a-z and an end token that also starts every word). 16-wide
embeddings, 4 heads of 4, context 16, MLP width 64: 4,192 parameters, trained with Adam on
pseudo-words made up deterministically from syllables (no download). Each word is one
training step, so the graph's shape changes with the word's length. It prints the loss as
it trains and samples new words at the end; out/gpt_training.txt keeps both.

The model is written against any scalar class with Value's operators and ``exp``, ``log``
and ``relu``: benchmarks/gpt_bench.py (make bench) trains the same code with a minimal
slotted engine and PyTorch 0-d tensors. With --compiled it trains through
autograd_mini.compile, traced once per word length.
Run: python -m autograd_mini.demos.gpt [--quick] [--compiled]
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_mini import Value, compile, no_grad, optim, pauses_collector
from autograd_mini._files import replace_file

from . import argument_parser, run_main
from ._common import out_path, progress, wrote

LETTERS = "abcdefghijklmnopqrstuvwxyz"
END = len(LETTERS)  # token 26: ends a word, and starts one (the model's first input)
VOCAB = len(LETTERS) + 1
EMBED = 16
HEADS = 4
HEAD_SIZE = EMBED // HEADS
CONTEXT = 16  # positions: the start token and up to 15 letters
HIDDEN = 4 * EMBED
STEPS = 300
QUICK_STEPS = 8

# Syllables the made-up words are built from: onsets, vowels, optional codas.
_ONSETS = "- b c ch d f g h j k l m n p r s sh t v z".replace("-", "").split(" ")
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "y"]
_CODAS = ["", "", "", "", "n", "r", "s", "l", "m", "x"]


def make_words(count: int = 2000, seed: int = 0) -> list[str]:
    """``count`` pronounceable pseudo-words of 2 to 15 letters (5 on average); the same for a seed."""
    rng = random.Random(seed)
    words: list[str] = []
    while len(words) < count:
        syllables = rng.choice((1, 2, 2, 2, 3))
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        if 2 <= len(word) < CONTEXT:
            words.append(word)
    return words


def encode(word: str) -> list[int]:
    """The word as tokens between two end tokens: 'ab' -> [26, 0, 1, 26]."""
    return [END, *(LETTERS.index(letter) for letter in word), END]


Matrix = list[list[Any]]


@dataclass
class GPT:
    """The parameters as matrices of scalars (rows are output units), for any scalar class."""

    token: Matrix  # VOCAB x EMBED
    position: Matrix  # CONTEXT x EMBED
    query: Matrix  # EMBED x EMBED each
    key: Matrix
    value: Matrix
    mix: Matrix  # the attention's output projection
    up: Matrix  # HIDDEN x EMBED
    down: Matrix  # EMBED x HIDDEN
    head: Matrix  # VOCAB x EMBED

    def matrices(self) -> list[Matrix]:
        """The matrices in a fixed order."""
        attention = [self.query, self.key, self.value, self.mix]
        return [self.token, self.position, *attention, self.up, self.down, self.head]

    def parameters(self) -> list[Any]:
        """Every parameter, row by row, matrix by matrix."""
        return [p for matrix in self.matrices() for row in matrix for p in row]


def init_gpt(scalar: Callable[[float], Any] = Value, seed: int = 0) -> GPT:
    """Gaussian weights (std 0.08; the output projections 0.02), each made by ``scalar(number)``."""
    rng = random.Random(seed)

    def matrix(rows: int, columns: int, std: float = 0.08) -> Matrix:
        return [[scalar(rng.gauss(0.0, std)) for _ in range(columns)] for _ in range(rows)]

    return GPT(
        token=matrix(VOCAB, EMBED),
        position=matrix(CONTEXT, EMBED),
        query=matrix(EMBED, EMBED),
        key=matrix(EMBED, EMBED),
        value=matrix(EMBED, EMBED),
        mix=matrix(EMBED, EMBED, 0.02),
        up=matrix(HIDDEN, EMBED),
        down=matrix(EMBED, HIDDEN, 0.02),
        head=matrix(VOCAB, EMBED),
    )


def linear(weights: Matrix, x: Sequence[Any]) -> list[Any]:
    """W x: one weighted sum per row."""
    return [sum(w * xi for w, xi in zip(row, x, strict=True)) for row in weights]


def rms_norm(x: Sequence[Any]) -> list[Any]:
    """x / sqrt(mean(x^2) + 1e-5), without a learned scale."""
    scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def softmax(logits: Sequence[Any]) -> list[Any]:
    """exp(l) / sum exp(l).

    No shift by the largest logit: this small model's logits stay far below exp's overflow
    (709), and a shift read from ``.data`` would be a number a compiled function freezes.
    """
    exps = [logit.exp() for logit in logits]
    total = sum(exps)
    return [e / total for e in exps]


def step_position(
    model: GPT, x: list[Any], position: int, keys: list[list[Any]], values: list[list[Any]]
) -> list[Any]:
    """The next token's logits from this token's embedding ``x``; appends this position's key and value."""
    x = rms_norm([t + p for t, p in zip(x, model.position[position], strict=True)])
    # attention: each head mixes the values of this and earlier positions (causal)
    residual = x
    x = rms_norm(x)
    q = linear(model.query, x)
    keys.append(linear(model.key, x))
    values.append(linear(model.value, x))
    heads: list[Any] = []
    for h in range(0, EMBED, HEAD_SIZE):
        scores = [
            sum(q[i] * k[i] for i in range(h, h + HEAD_SIZE)) * (1.0 / math.sqrt(HEAD_SIZE)) for k in keys
        ]
        weights = softmax(scores)
        heads += [
            sum(w * v[i] for w, v in zip(weights, values, strict=True)) for i in range(h, h + HEAD_SIZE)
        ]
    x = [a + r for a, r in zip(linear(model.mix, heads), residual, strict=True)]
    # MLP
    residual = x
    hidden = [h.relu() for h in linear(model.up, rms_norm(x))]
    x = [m + r for m, r in zip(linear(model.down, hidden), residual, strict=True)]
    return linear(model.head, x)


def word_loss(model: GPT, word: str) -> Any:
    """Mean cross-entropy -log softmax(logits)[next] over the word's next tokens (its end included)."""
    tokens = encode(word)
    keys: list[list[Any]] = []
    values: list[list[Any]] = []
    losses = []
    for i in range(len(tokens) - 1):
        logits = step_position(model, model.token[tokens[i]], i, keys, values)
        losses.append(sum(logit.exp() for logit in logits).log() - logits[tokens[i + 1]])
    return sum(losses) * (1.0 / len(losses))


def one_hot(tokens: Sequence[int]) -> list[list[float]]:
    """Each token as a row of VOCAB numbers, 1.0 at the token and 0.0 elsewhere."""
    return [[1.0 if t == k else 0.0 for k in range(VOCAB)] for t in tokens]


def one_hot_loss(model: GPT, inputs: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]) -> Any:
    """``word_loss`` with the tokens given as one-hot rows: the same numbers, and a graph whose shape
    depends only on the word's length (which ``autograd_mini.compile`` reuses).

    The token lookup is sum_t onehot_t * token[t] and the target's logit sum_t onehot_t * logit_t:
    adding the zero products changes no bit.
    """
    keys: list[list[Any]] = []
    values: list[list[Any]] = []
    columns = list(zip(*model.token, strict=True))
    losses = []
    for i, (row, target) in enumerate(zip(inputs, targets, strict=True)):
        x = [sum(o * w for o, w in zip(row, column, strict=True)) for column in columns]
        logits = step_position(model, x, i, keys, values)
        losses.append(
            sum(logit.exp() for logit in logits).log()
            - sum(o * logit for o, logit in zip(target, logits, strict=True))
        )
    return sum(losses) * (1.0 / len(losses))


def sample(model: GPT, rng: random.Random, temperature: float = 0.6) -> str:
    """A new word: tokens drawn one at a time from the model's softmax at ``temperature``."""
    keys: list[list[Any]] = []
    values: list[list[Any]] = []
    token, letters = END, []
    with no_grad():
        for position in range(CONTEXT - 1):
            logits = step_position(model, model.token[token], position, keys, values)
            scaled = [float(logit.data) / temperature for logit in logits]
            top = max(scaled)
            token = rng.choices(range(VOCAB), [math.exp(s - top) for s in scaled])[0]
            if token == END:
                break
            letters.append(LETTERS[token])
    return "".join(letters)


@dataclass
class Training:
    """What a run produced: the model, the loss per step and the sampled words."""

    model: GPT
    losses: list[float]
    samples: list[str]


def train(
    steps: int = STEPS, seed: int = 0, show_progress: bool = True, samples: int = 10, compiled: bool = False
) -> Training:
    """Adam on one word per step, the learning rate falling linearly from 0.01 to 0.

    With ``compiled`` each step runs ``one_hot_loss`` through ``autograd_mini.compile``: traced
    once per word length, the same numbers as eager.
    """
    words = make_words(seed=seed)
    random.Random(seed).shuffle(words)
    model = init_gpt(Value, seed)
    params = model.parameters()
    optimizer = optim.Adam(params, lr=lambda k: 0.01 * (1 - k / steps), betas=(0.85, 0.99))
    cached = compile(lambda xs, ys: one_hot_loss(model, xs, ys), params=params, max_entries=CONTEXT)
    history: list[float] = []

    @pauses_collector  # built op by op, the graph would meet the collector every 700 nodes
    def eager_step(word: str) -> float:
        loss = word_loss(model, word)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss.data)

    bar = progress(range(steps), steps, "gpt") if show_progress else iter(range(steps))
    for k in bar:
        word = words[k % len(words)]
        if compiled:
            tokens = encode(word)
            loss_value, grads = cached(one_hot(tokens[:-1]), one_hot(tokens[1:]))
            optimizer.step(grads)
        else:
            loss_value = eager_step(word)
        history.append(loss_value)
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{sum(history[-20:]) / len(history[-20:]):.3f}")
    rng = random.Random(seed)
    return Training(model, history, [sample(model, rng) for _ in range(samples)])


def main(argv: list[str] | None = None) -> int:
    args = argument_parser("gpt", __doc__).parse_args(argv)
    steps = QUICK_STEPS if args.quick else STEPS
    model_size = len(init_gpt(float).parameters())
    print(f"GPT: 1 layer, {EMBED}-wide, {HEADS} heads, context {CONTEXT}, {model_size:,} parameters")
    run = train(steps, compiled=args.compiled)
    for start in range(0, steps, max(1, steps // 10)):
        window = run.losses[start : start + max(1, steps // 10)]
        print(f"steps {start + 1:>4}-{start + len(window):<4} mean loss {sum(window) / len(window):.3f}")
    print(f"loss {run.losses[0]:.3f} -> {run.losses[-1]:.3f} (uniform guessing: {math.log(VOCAB):.3f})")
    print("samples:", ", ".join(run.samples))
    lines = [f"step {k + 1} loss {loss:.6f}" for k, loss in enumerate(run.losses)]
    path = out_path("gpt_training.txt")
    replace_file(path, "\n".join([*lines, "samples: " + ", ".join(run.samples)]) + "\n")
    wrote(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main("gpt", main))
