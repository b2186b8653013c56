"""The neuron of the lecture MiniGrad follows, shared by the drawing and explainer tests."""

from minigrad import Value


def lecture_neuron(output_label: str = "o") -> Value:
    """o = tanh(x1·w1 + x2·w2 + b) at x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432, all labeled."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = output_label
    return o


DESCRIPTION_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
DESCRIPTION_YS = [1.0, -1.0, -1.0, 1.0]


def description_network_loss() -> Value:
    """The loss of the original MiniGrad description's network, MLP(3, [4, 4, 1]) on its four
    samples, with every *, + and tanh its own Value (unfused), labelled ``loss``."""
    from minigrad import MLP

    model = MLP(3, [4, 4, 1], fused=False)
    loss = sum(
        ((model(x) - y) ** 2 for x, y in zip(DESCRIPTION_XS, DESCRIPTION_YS)), Value(0.0)
    )
    loss.label = "loss"
    return loss
