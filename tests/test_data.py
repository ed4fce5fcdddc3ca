"""Tests for dlcore.data: toy sets, preprocessing, splits, minibatches, augmentation."""

import numpy as np
import pytest

from dlcore import data

# ---------------------------------------------------------------------------------------------
# toy sets
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, table", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]),
                                         ("xor", [0, 1, 1, 0]), ("nand", [1, 1, 1, 0])])
def test_logic_gates(name, table):
    from dlcore import perceptron

    assert data.logic_gate is perceptron.logic_gate          # one function for the whole book
    X, y = data.logic_gate(name, labels="01")
    assert X.shape == (4, 2) and X.dtype == np.float64
    np.testing.assert_array_equal(X, [[0, 0], [1, 0], [0, 1], [1, 1]])   # the notes' order
    np.testing.assert_array_equal(y, table)
    assert y.dtype == np.int64                                 # class numbers for one_hot
    _, ypm = data.logic_gate(name.upper())                     # default: ±1 targets
    np.testing.assert_array_equal(ypm, 2 * np.array(table) - 1)
    assert ypm.dtype == np.float64


@pytest.mark.parametrize("make", [lambda s: data.moons(101, 0.1, seed=s),
                                  lambda s: data.circles(101, 0.05, 0.5, seed=s),
                                  lambda s: data.spirals(101, 3, 0.2, seed=s)])
def test_toy_sets_shapes_and_seeds(make):
    X, y = make(0)
    assert X.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
    X2, y2 = make(0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(1)
    assert not np.array_equal(X, X3)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1


def test_moons_and_circles_geometry_without_noise():
    X, y = data.circles(40, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    X, y = data.moons(40, noise=0.0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)


def test_spirals_classes():
    X, y = data.spirals(300, classes=4, noise=0.0)
    assert set(y.tolist()) == {0, 1, 2, 3}
    assert np.all(np.hypot(*X.T) <= 1 + 1e-12)


def test_sine_regression():
    X, y = data.sine_regression(50, noise=0.0, seed=3)
    assert X.shape == (50, 1) and y.shape == (50, 1)
    assert np.all(np.diff(X[:, 0]) >= 0)
    np.testing.assert_allclose(y, np.sin(X))


# ---------------------------------------------------------------------------------------------
# preprocessing
# ---------------------------------------------------------------------------------------------


def test_minmax_scaler_and_constant_column():
    X = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0], [2.0, 5.0, 8.0]])
    sc = data.MinMaxScaler().fit(X)
    Z = sc.transform(X)
    np.testing.assert_allclose(Z[:, 0], [0, 1, 0.5])
    np.testing.assert_array_equal(Z[:, 1], 0.0)  # constant column: no division by zero
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(sc.inverse_transform(Z), X)
    Z2 = data.minmax_scale(X, feature_range=(-1, 1))
    np.testing.assert_allclose(Z2[:, 0], [-1, 1, 0])


def test_standard_scaler_and_constant_column():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(3, 2, 100), np.full(100, 7.0)])
    sc = data.StandardScaler().fit(X)
    Z = sc.transform(X)
    np.testing.assert_allclose(Z[:, 0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, 0].std(), 1)
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    np.testing.assert_allclose(sc.inverse_transform(Z), X)
    np.testing.assert_allclose(data.standardize(X), Z)


def test_scalers_keep_float32_and_use_training_statistics():
    X = np.array([[0.0], [10.0]], dtype=np.float32)
    sc = data.MinMaxScaler().fit(X)
    out = sc.transform(np.array([[5.0], [20.0]], dtype=np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0], [0.5, 2.0])  # statistics from fit, not from new data
    assert data.StandardScaler().fit_transform(X).dtype == np.float32


def test_one_hot():
    np.testing.assert_array_equal(data.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    assert data.one_hot(np.array([1.0, 0.0]), 2).dtype == np.float64


def test_one_hot_columns_reproduces_the_notes_example():
    out = data.one_hot_columns([1.755, 65.5, 122, 1, 3], columns=[3, 4], num_categories=[2, 4])
    np.testing.assert_allclose(out, [1.755, 65.5, 122, 1, 0, 0, 0, 1, 0])
    table = data.one_hot_columns([[1.755, 65.5, 122, 1, 3], [1.6, 45.0, 100, 2, 4]],
                                 columns=[3, 4], num_categories=[2, 4])
    assert table.shape == (2, 9)
    np.testing.assert_allclose(table[1], [1.6, 45.0, 100, 0, 1, 0, 0, 0, 1])
    zero_based = data.one_hot_columns([[0.5, 2]], columns=[1], num_categories=[3], start=0)
    np.testing.assert_allclose(zero_based, [[0.5, 0, 0, 1]])


# ---------------------------------------------------------------------------------------------
# splits and minibatches
# ---------------------------------------------------------------------------------------------


def test_train_test_split_sizes_disjoint_and_seeded():
    X = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.2, seed=1)
    assert Xtr.shape == (40, 2) and Xte.shape == (10, 2)
    assert set(ytr) | set(yte) == set(range(50)) and not set(ytr) & set(yte)
    np.testing.assert_array_equal(Xte[:, 0] // 2, yte)  # rows stay paired with labels
    again = data.train_test_split(X, y, test_size=0.2, seed=1)
    np.testing.assert_array_equal(again[3], yte)
    _, _, _, yte_int = data.train_test_split(X, y, test_size=7, seed=1)
    assert len(yte_int) == 7


def test_stratified_split_keeps_class_shares():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100)[:, None]
    _, _, ytr, yte = data.train_test_split(X, y, test_size=0.2, seed=0, stratify=True)
    assert np.bincount(yte).tolist() == [12, 6, 2]
    assert np.bincount(ytr).tolist() == [48, 24, 8]


def test_kfold_partitions():
    folds = list(data.kfold(10, 3, seed=0))
    assert len(folds) == 3
    assert [len(v) for _, v in folds] == [4, 3, 3]
    allval = np.concatenate([v for _, v in folds])
    assert sorted(allval.tolist()) == list(range(10))
    for tr, va in folds:
        assert not set(tr) & set(va) and len(tr) + len(va) == 10
    plain = list(data.kfold(6, 2, shuffle=False))
    np.testing.assert_array_equal(plain[0][1], [0, 1, 2])


def test_minibatches_cover_data_once_and_are_seeded():
    X = np.arange(10)[:, None].astype(float)
    y = np.arange(10)
    batches = list(data.minibatches(X, y, batch_size=4, rng=np.random.default_rng(0)))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], yb)
    again = np.concatenate([b[1] for b in data.minibatches(X, y, 4, rng=np.random.default_rng(0))])
    np.testing.assert_array_equal(seen, again)
    ordered = [b[1].tolist() for b in data.minibatches(X, y, 4, shuffle=False)]
    assert ordered == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dropped = list(data.minibatches(X, None, 4, shuffle=False, drop_last=True))
    assert len(dropped) == 2 and dropped[0][1] is None


# ---------------------------------------------------------------------------------------------
# augmentation
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def images():
    return np.random.default_rng(0).random((3, 2, 9, 9))


def test_augmentations_keep_shapes_and_dtype(images):
    for out in (data.shift(images, 1, 2), data.rotate(images, 15), data.zoom(images, 1.2),
                data.shear(images, 0.2), data.flip(images), data.random_crop(images, 2),
                data.gaussian_noise(images, 0.1),
                data.augment(images, {"shift": 2, "rotate": 10, "zoom": 0.1, "shear": 0.1,
                                      "flip": "horizontal", "crop": 1, "noise": 0.01})):
        assert out.shape == images.shape and out.dtype == images.dtype
    gray = images[:, 0]
    assert data.rotate(gray, 30).shape == gray.shape
    assert data.rotate(gray.astype(np.float32), 30).dtype == np.float32


def test_identity_parameters_give_identity(images):
    np.testing.assert_array_equal(data.shift(images, 0, 0), images)
    np.testing.assert_array_equal(data.rotate(images, 0), images)
    np.testing.assert_array_equal(data.zoom(images, 1), images)
    np.testing.assert_array_equal(data.shear(images, 0), images)
    np.testing.assert_array_equal(data.random_crop(images, 0), images)
    np.testing.assert_array_equal(data.gaussian_noise(images, 0), images)
    np.testing.assert_array_equal(data.flip(data.flip(images, "vertical"), "vertical"), images)
    np.testing.assert_array_equal(data.augment(images, {"shift": 0, "rotate": 0}), images)


def test_shift_by_one_pixel_moves_the_image(images):
    right = data.shift(images, dx=1)
    np.testing.assert_array_equal(right[..., 1:], images[..., :-1])
    np.testing.assert_array_equal(right[..., 0], 0.0)
    down = data.shift(images, dy=1, fill=-1.0)
    np.testing.assert_array_equal(down[..., 1:, :], images[..., :-1, :])
    np.testing.assert_array_equal(down[..., 0, :], -1.0)
    per_image = data.shift(images, dx=np.array([0, 1, 2]))
    np.testing.assert_array_equal(per_image[0], images[0])
    np.testing.assert_array_equal(per_image[2][..., 2:], images[2][..., :-2])


def test_rotation_and_flip_match_numpy(images):
    np.testing.assert_allclose(data.rotate(images, 90), np.rot90(images, 1, axes=(2, 3)),
                               atol=1e-12)
    np.testing.assert_array_equal(data.flip(images, "horizontal"), images[..., ::-1])


def test_half_pixel_shift_interpolates():
    img = np.zeros((1, 5, 5))
    img[0, 2, 2] = 1.0
    out = data.shift(img, dx=0.5)
    np.testing.assert_allclose(out[0, 2, 2:4], [0.5, 0.5])
    assert out.sum() == pytest.approx(1.0)


def test_zoom_enlarges_about_the_centre():
    img = np.zeros((1, 9, 9))
    img[0, 4, 6] = 1.0                       # two pixels right of the centre
    out = data.zoom(img, 2.0)
    assert out[0, 4, 8] == pytest.approx(1.0)  # now four pixels right


def test_augment_is_seeded(images):
    ops = [("rotate", 20), ("shift", 1), ("noise", 0.05)]
    a = data.augment(images, ops, seed=3)
    np.testing.assert_array_equal(a, data.augment(images, ops, seed=3))
    assert not np.array_equal(a, data.augment(images, ops, seed=4))
    flips = data.augment(np.tile(images[:1], (40, 1, 1, 1)), {"flip": "horizontal"}, seed=0)
    flipped = [np.array_equal(f, images[0, ..., ::-1]) for f in flips]
    assert 5 < sum(flipped) < 35


def test_random_crop_is_an_integer_shift(images):
    out = data.random_crop(images, 1, seed=0)
    for o, im in zip(out, images, strict=True):
        matches = [np.array_equal(o, data.shift(im[None], dx, dy)[0])
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        assert any(matches)


# ---------------------------------------------------------------------------------------------
# bad input: ValueError naming the function, what was expected and what came
# ---------------------------------------------------------------------------------------------
BAD_INPUTS = [
    (lambda: data.logic_gate("implies"), "logic_gate", "implies"),
    (lambda: data.logic_gate("or", labels="+-"), "logic_gate", "'+-'"),
    (lambda: data.moons(1), "moons", "got 1"),
    (lambda: data.circles(10, factor=1.5), "circles", "1.5"),
    (lambda: data.spirals(10, noise=-0.1), "spirals", "-0.1"),
    (lambda: data.moons(10, seed=-1), "moons", "-1"),
    (lambda: data.MinMaxScaler().fit(np.ones(5)), "MinMaxScaler.fit", "(5,)"),
    (lambda: data.MinMaxScaler(feature_range=(1, 0)), "MinMaxScaler", "(1, 0)"),
    (lambda: data.StandardScaler().fit(np.ones((3, 2))).transform(np.ones((3, 4))),
     "StandardScaler.transform", "(3, 4)"),
    (lambda: data.StandardScaler().transform(np.ones((3, 2))), "StandardScaler.transform",
     "fit"),
    (lambda: data.one_hot([0, 3], 3), "one_hot", "0..2"),
    (lambda: data.one_hot([0.5], 3), "one_hot", "non-integer"),
    (lambda: data.one_hot(np.zeros((2, 2), int), 3), "one_hot", "(2, 2)"),
    (lambda: data.one_hot_columns([1.755, 65.5, 122, 0, 3], [3, 4], [2, 4]), "one_hot_columns",
     "1..2"),
    (lambda: data.one_hot_columns([1, 2], [1], [2, 3]), "one_hot_columns", "2 category"),
    (lambda: data.train_test_split(np.ones((5, 2)), np.ones(4)), "train_test_split", "(4,)"),
    (lambda: data.train_test_split(np.ones((5, 2)), np.ones(5), test_size=1.5),
     "train_test_split", "1.5"),
    (lambda: data.train_test_split(np.ones((5, 2)), np.ones(5), test_size=5),
     "train_test_split", "1..4"),
    (lambda: list(data.kfold(3, 5)), "kfold", "k=5"),
    (lambda: list(data.kfold(10, 1)), "kfold", "got 1"),
    (lambda: list(data.minibatches(np.ones((4, 2)), np.ones(3))), "minibatches", "(3,)"),
    (lambda: list(data.minibatches(np.ones((4, 2)), None, batch_size=0)), "minibatches",
     "batch_size"),
    (lambda: data.shift(np.ones((4, 4)), 1), "shift", "(4, 4)"),
    (lambda: data.shift(np.ones((2, 4, 4)), dx=[1, 2, 3]), "shift", "(3,)"),
    (lambda: data.zoom(np.ones((2, 4, 4)), 0), "zoom", "factor > 0"),
    (lambda: data.flip(np.ones((2, 4, 4)), "diagonal"), "flip", "diagonal"),
    (lambda: data.affine(np.ones((2, 4, 4)), np.zeros((2, 3))), "affine", "determinant 0"),
    (lambda: data.affine(np.ones((2, 4, 4)), np.eye(3)), "affine", "(3, 3)"),
    (lambda: data.random_crop(np.ones((2, 4, 4)), -1), "random_crop", "-1"),
    (lambda: data.augment(np.ones((2, 4, 4)), {"blur": 1}), "augment", "blur"),
    (lambda: data.augment(np.ones((2, 4, 4)), {"zoom": (-1, 1)}), "augment", "zoom"),
]


@pytest.mark.parametrize("call, where, received", BAD_INPUTS,
                         ids=[f"{i}-{b[1]}" for i, b in enumerate(BAD_INPUTS)])
def test_bad_input_raises_clear_value_error(call, where, received):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(where + ":"), message
    assert "expected" in message or "call fit" in message, message
    assert received in message, message
