"""The demos: each is runnable as `python demos/NAME.py` and writes its pictures to out/."""

# name: one sentence, in the order `make demo` runs them
DEMOS: dict[str, str] = {
    "chain_rule": "the x,y -> z diagram with numbers: forward values, local derivatives, gradients",
    "cheatsheet_network": "the ML-cheatsheet 1-2-2 ReLU network: the article's equations vs the engine",
    "four_layer_network": "the 4-2-2-1 network: dC/dw22 by the chain rule vs the engine; gradient descent",
    "folded_mlp": "the lecture's MLP(3, [4, 4, 1]) loss drawn with each neuron folded into one node",
    "moons": "micrograd's moons: MLP(2, [16, 16, 1]), hinge + L2, SGD; curves and decision boundary",
    "regression": "noisy sin(x) fitted by a tanh MLP with MSE and Adam",
    "newton": "Newton's method (f'' by differentiating the gradient) next to gradient descent",
    "explorer_pages": "pages stepping through forward and backward: x,y -> z, the neuron, b = a + a reuse",
}
