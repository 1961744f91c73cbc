"""The recorded moons run the training-view tests share: hinge loss, SGD, one step per recorded step."""

from __future__ import annotations

from autograd_mini import Run, Value, datasets, losses, nn, optim, record


def recorded_moons(
    samples: int, hidden: list[int], seed: int, lr: float, steps: int, watch: dict[str, int] | None = None
) -> tuple[Run, nn.MLP, list[list[float]], list[float]]:
    """MLP(2, hidden + [1]) with tanh trained ``steps`` SGD steps on moons, recorded; ``watch`` as for
    ``run.watch_boundary``'s every and grid (no boundary without it)."""
    X, y = datasets.make_moons(samples, noise=0.1, seed=seed)
    model = nn.MLP(2, [*hidden, 1], activation="tanh", seed=seed)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    with record(model, progress=False) as run:
        if watch is not None:
            run.watch_boundary(X, y, **watch)
        for _ in range(steps):
            loss = losses.hinge([model(x) for x in X], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.step(loss)
    return run, model, X, y


def thinned_run() -> Run:
    """Nine gradient steps on w * w from w = 2, recorded keeping at most 3 snapshots (every 4th step)."""
    w = Value(2.0, "w")
    run = record([w], max_snapshots=3, progress=False)
    for _ in range(9):
        loss = w * w
        w.grad = 0.0
        loss.backward()
        w.data -= 0.1 * w.grad
        run.step(loss)
    return run
