"""The training example of the original MiniGrad description, as written there.

A 3-4-4-1 MLP fits four targets.
"""

from minigrad import MLP

# 1. Define the Network: 3 inputs, two hidden layers of 4 neurons, 1 output
n = MLP(3, [4, 4, 1])

# 2. Define Inputs and Targets
xs = [
    [2.0, 3.0, -1.0],
    [3.0, -1.0, 0.5],
    [0.5, 1.0, 1.0],
    [1.0, 1.0, -1.0],
]
ys = [1.0, -1.0, -1.0, 1.0]  # desired targets

# 3. Training Loop
for k in range(20):
    # a. Forward Pass
    ypred = [n(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))

    # b. Zero Gradients (vital! otherwise grads accumulate from previous steps)
    for p in n.parameters():
        p.grad = 0.0

    # c. Backward Pass
    loss.backward()

    # d. Update (Gradient Descent)
    for p in n.parameters():
        p.data += -0.1 * p.grad

    print(f"Step {k} | Loss: {loss.data:.4f}")
