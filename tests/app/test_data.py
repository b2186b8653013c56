"""The toy data sets: shapes, labels, reproducibility and clear errors for bad arguments."""

import math

import pytest

from minigrad.app import data

GENERATED = ["moons", "circles", "spiral", "xor"]


@pytest.mark.parametrize("name", GENERATED)
def test_generated_set_has_n_points_of_two_finite_floats(name):
    points, y = data.DATASETS[name](n=60)
    assert len(points) == len(y) == 60
    assert all(
        len(x) == 2 and all(isinstance(c, float) and math.isfinite(c) for c in x) for x in points
    )
    assert all(isinstance(label, int) for label in y)


@pytest.mark.parametrize("name", GENERATED)
def test_same_seed_gives_same_points_and_other_seed_other_points(name):
    generate = data.DATASETS[name]
    assert generate(n=40, seed=3) == generate(n=40, seed=3)
    assert generate(n=40, seed=3)[0] != generate(n=40, seed=4)[0]


@pytest.mark.parametrize("name", ["moons", "circles", "xor"])
def test_two_class_sets_are_balanced_between_labels_0_and_1(name):
    _, y = data.DATASETS[name](n=100)
    assert sorted(set(y)) == [0, 1]
    assert y.count(0) == y.count(1) == 50


@pytest.mark.parametrize("name", GENERATED)
def test_classes_are_shuffled_not_in_blocks(name):
    _, y = data.DATASETS[name](n=100)
    assert len(set(y[:40])) == len(set(y))


def test_spiral_has_one_label_per_arm():
    _, y = data.spiral(n=100, classes=4)
    assert sorted(set(y)) == [0, 1, 2, 3]
    assert sorted(y.count(k) for k in range(4)) == [25, 25, 25, 25]


def test_noise_free_moons_lie_on_their_half_circles():
    points, y = data.moons(n=50, noise=0.0)
    for (a, b), label in zip(points, y):
        if label == 0:
            assert math.isclose(a * a + b * b, 1.0) and b >= -1e-12
        else:
            assert math.isclose((a - 1) ** 2 + (b - 0.5) ** 2, 1.0) and b <= 0.5 + 1e-12


def test_noise_free_circles_have_radius_1_and_factor():
    points, y = data.circles(n=40, noise=0.0, factor=0.3)
    for (a, b), label in zip(points, y):
        assert math.isclose(math.hypot(a, b), 1.0 if label == 0 else 0.3)


def test_xor_labels_points_by_quadrant_sign():
    points, y = data.xor(n=80, noise=0.1)
    for (a, b), label in zip(points, y):
        assert label == int((a < 0) != (b < 0))


def test_seed_is_the_readme_example():
    xs, ys = data.seed()
    assert xs == [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    assert ys == [1.0, -1.0, -1.0, 1.0]


@pytest.mark.parametrize("name", GENERATED)
@pytest.mark.parametrize("n", [0, 1, -5, 2.5, "10", True, None])
def test_bad_number_of_points_is_refused_by_name(name, n):
    with pytest.raises(ValueError, match="n is the number of points"):
        data.DATASETS[name](n=n)


@pytest.mark.parametrize("name", GENERATED)
@pytest.mark.parametrize("noise", [-0.1, math.nan, math.inf, "0.1", None])
def test_bad_noise_is_refused_by_name(name, noise):
    with pytest.raises(ValueError, match="noise is a standard deviation"):
        data.DATASETS[name](noise=noise)


def test_bad_circle_factor_and_spiral_classes_are_refused():
    with pytest.raises(ValueError, match="factor"):
        data.circles(factor=1.5)
    with pytest.raises(ValueError, match="classes"):
        data.spiral(classes=1)
    with pytest.raises(ValueError, match="at least 3"):
        data.spiral(n=2, classes=3)
