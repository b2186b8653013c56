# micrograd's moons demo, trained live: a two-layer network learns to tell two half moons apart.
# Run it, then use the panel's Start/Pause, learning rate and width: each step runs the code below.
from minigrad import MLP, manual_seed, no_grad
from minigrad.app.data import moons

X, labels = moons(n=100, noise=0.1, seed=0)
y = [1.0 if label == 1 else -1.0 for label in labels]  # micrograd's classes: -1 and +1


def new_model(width):
    """micrograd's demo network: ReLU hidden layers and a linear output (fused: fast)."""
    manual_seed(1337)
    return MLP(2, [width, width, 1], activation="relu", output_activation="linear", fused=True)


def train_step(model, learning_rate):
    """One step of gradient descent on the whole data set; the loss and accuracy before it."""
    scores = [model(x) for x in X]
    margins = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]  # SVM max-margin loss
    data_loss = sum(margins) * (1.0 / len(margins))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())  # L2 regularization
    loss = data_loss + reg_loss
    accuracy = sum((s.data > 0) == (yi > 0) for yi, s in zip(y, scores)) / len(y)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data, accuracy


def score(model, point):
    """The network's score for one point: above 0 is class +1, below 0 class -1."""
    with no_grad():
        return model(point).data


import playground  # noqa: E402 (the page's side: the panel that trains and draws)

playground.train_live(new_model, train_step, score, X, y, learning_rate=0.1, width=16)
