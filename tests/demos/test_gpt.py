"""The GPT demo: its data, its size, its one-hot form (the compile cache's) and that it learns."""

from __future__ import annotations

import math

from autograd_mini import optim
from autograd_mini.demos import gpt


def test_the_words_are_made_the_same_way_every_time_and_fit_the_context() -> None:
    words = gpt.make_words(500, seed=3)
    assert words == gpt.make_words(500, seed=3)
    assert words != gpt.make_words(500, seed=4)
    assert all(2 <= len(w) < gpt.CONTEXT and set(w) <= set(gpt.LETTERS) for w in words)
    assert gpt.encode("ab") == [gpt.END, 0, 1, gpt.END]


def test_the_model_has_the_described_shape() -> None:
    model = gpt.init_gpt(float)
    assert len(model.parameters()) == 4192  # "about 4,200"
    assert (len(model.token), len(model.token[0])) == (27, 16)
    assert (len(model.up), len(model.down[0])) == (64, 64)


def test_a_fresh_model_guesses_about_uniformly() -> None:
    loss = gpt.word_loss(gpt.init_gpt(), "hello").data
    assert abs(loss - math.log(gpt.VOCAB)) < 0.2


def test_the_one_hot_form_gives_the_same_loss_and_gradients_bit_for_bit() -> None:
    model = gpt.init_gpt(seed=1)
    params = model.parameters()
    for word in ("ab", "banana", "zaxonimorimax"):
        tokens = gpt.encode(word)
        results = []
        for loss in (
            gpt.word_loss(model, word),
            gpt.one_hot_loss(model, gpt.one_hot(tokens[:-1]), gpt.one_hot(tokens[1:])),
        ):
            for p in params:
                p.grad = 0.0
            loss.backward()
            results.append([loss.data.hex(), *(p.grad.hex() for p in params)])
        assert results[0] == results[1]


def test_adam_steps_on_one_word_lower_its_loss() -> None:
    model = gpt.init_gpt(seed=0)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(4):
        loss = gpt.word_loss(model, "kelim")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    assert losses[-1] < losses[0] - 0.1


def test_sampling_makes_letter_words_within_the_context() -> None:
    import random

    words = [gpt.sample(gpt.init_gpt(), random.Random(k)) for k in range(3)]
    assert all(set(w) <= set(gpt.LETTERS) and len(w) < gpt.CONTEXT for w in words)


def test_compiled_training_equals_eager_training() -> None:
    eager = gpt.train(3, show_progress=False, samples=1)
    compiled = gpt.train(3, show_progress=False, samples=1, compiled=True)
    assert compiled.losses == eager.losses
    assert compiled.model.parameters() != eager.model.parameters()  # two models (identity)
    assert [p.data for p in compiled.model.parameters()] == [p.data for p in eager.model.parameters()]
    assert compiled.samples == eager.samples
