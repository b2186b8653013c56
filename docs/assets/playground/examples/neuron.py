# The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), its backward pass, and its graph.
from minigrad import Value, draw_dot, explain_backward

x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
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
o.label = "o"
o.backward()

print(f"o = {o.data:.4f}")
for v in (x1, w1, x2, w2):
    print(f"{v.label}.grad = {v.grad:.4f}")

print()
print("What backward() did, step by step:")
for step in explain_backward(o):
    print(step)

# The last line's value is shown: draw_dot draws the graph in the page.
# (The step-through page: from minigrad import backprop_html; backprop_html(o, "o.html"))
draw_dot(o)
