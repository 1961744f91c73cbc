"""The moons training step written by hand with plain floats: the pure-Python floor.

MLP(2, [16, 16, 1]) with relu hidden layers and a linear output, hinge loss averaged over
the samples plus alpha * sum of squared parameters, forward and backward written out as
the layer equations (delta = dL/dz, dL/dW = delta * input), no autodiff.
"""

from __future__ import annotations

Matrix = list[list[float]]


def moons_step(
    weights: list[Matrix], biases: list[list[float]], X: list[list[float]], y: list[float], alpha: float
) -> tuple[float, list[Matrix], list[list[float]]]:
    """(loss, dL/dW per layer, dL/db per layer) for one full-batch step."""
    layers = len(weights)
    n = len(X)
    grad_w = [[[0.0] * len(row) for row in w] for w in weights]
    grad_b = [[0.0] * len(b) for b in biases]
    total = 0.0
    for x, label in zip(X, y, strict=True):
        activations = [x]
        pre: list[list[float]] = []
        a = x
        for layer in range(layers):
            z = [
                sum(w * ai for w, ai in zip(row, a, strict=True)) + b
                for row, b in zip(weights[layer], biases[layer], strict=True)
            ]
            pre.append(z)
            a = [v if v > 0.0 else 0.0 for v in z] if layer < layers - 1 else z
            activations.append(a)
        margin = 1.0 - label * a[0]
        if margin > 0.0:
            total += margin
            delta = [-label / n]
        else:
            continue  # no gradient from this sample
        for layer in range(layers - 1, -1, -1):
            inputs = activations[layer]
            for j, d in enumerate(delta):
                grad_b[layer][j] += d
                row = grad_w[layer][j]
                for k, ak in enumerate(inputs):
                    row[k] += d * ak
            if layer:
                w = weights[layer]
                delta = [
                    sum(delta[j] * w[j][k] for j in range(len(delta))) if pre[layer - 1][k] > 0.0 else 0.0
                    for k in range(len(inputs))
                ]
    squares = 0.0
    for layer in range(layers):
        for j, row in enumerate(weights[layer]):
            for k, w in enumerate(row):
                squares += w * w
                grad_w[layer][j][k] += 2.0 * alpha * w
            b = biases[layer][j]
            squares += b * b
            grad_b[layer][j] += 2.0 * alpha * b
    return total / n + alpha * squares, grad_w, grad_b
