"""The GPT demo's eager step runs under pauses_collector: its graph, built op by op, meets no young pass."""

from __future__ import annotations

import gc

import pytest

from autograd_mini import Value
from autograd_mini._collector import PAUSED_THRESHOLD
from autograd_mini.demos import gpt
from tests.helpers import collector_at_default_threshold


def test_the_eager_step_builds_its_graph_under_the_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    word_loss = gpt.word_loss

    def noting(model: gpt.GPT, word: str) -> Value:
        loss = word_loss(model, word)
        seen.append(gc.get_threshold()[0])  # after the forward: the graph is built
        return loss

    monkeypatch.setattr(gpt, "word_loss", noting)
    with collector_at_default_threshold():
        gpt.train(2, show_progress=False, samples=0)
        assert gc.get_threshold()[0] == 700
    assert seen == [PAUSED_THRESHOLD, PAUSED_THRESHOLD]
