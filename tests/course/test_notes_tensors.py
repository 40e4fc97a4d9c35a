"""The course notes' tensor chapters, run under torch and glasstorch and compared.

Sources (in /work/shared/seeds): 000/002 = d2l ch. 2.1 data manipulation, 2.2 preprocessing,
2.3 linear algebra, 3.1 vectorisation, 4.3/4.4 accuracy and softmax from scratch; 003 = the
course summary's tensor manipulation, one-hot, softmax/cross-entropy bits, evaluation,
save/load, GPU; 004 = week-2 tensor creation, indexing, reductions, products, cat.
OCR typos are fixed; downloads are replaced by small NumPy data of the same shape.
"""
import os

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.course.notes import same

RNG = np.random.default_rng(2024)


# ---------------------------------------------------------------- d2l 2.1 data manipulation

def test_d2l_arange_numel_shape_reshape():
    def snippet(torch):
        x = torch.arange(12, dtype=torch.float32)
        X = x.reshape(3, 4)
        print(x)
        print(X)
        return (x, x.numel(), x.shape, X, x.reshape(-1, 4), x.reshape(3, -1),
                x.reshape((3, 4)), len(x))
    same(snippet)


def test_d2l_zeros_ones_randn_tensor():
    def snippet(torch):
        z, o = torch.zeros((2, 3, 4)), torch.ones((2, 3, 4))
        r = torch.randn(3, 4)      # random draw: only shape/dtype are comparable
        t = torch.tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
        print(z)
        print(o)
        print(t)
        return z, o, r.shape, r.dtype, t
    same(snippet)


def test_d2l_index_slice_assign():
    def snippet(torch):
        X = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        first = (X[-1], X[1:3])
        X[1, 2] = 17
        after_one = X.clone()
        X[:2, :] = 12
        print(X)
        return first, after_one, X
    same(snippet)


def test_d2l_reshape_is_a_view_so_writes_reach_x():
    """The notebook's torch.exp(x) shows e**12 for x[:8]: X = x.reshape(3, 4) is a view of x,
    so X[1, 2] = 17 and X[:2, :] = 12 wrote into x."""
    def snippet(torch):
        x = torch.arange(12, dtype=torch.float32)
        X = x.reshape(3, 4)
        X[1, 2] = 17
        X[:2, :] = 12
        return x, torch.exp(x)
    same(snippet)


def test_d2l_printed_exp_of_twelve():
    def snippet(torch):
        x = torch.arange(12, dtype=torch.float32)
        x[:8] = 12
        print(torch.exp(x))
    same(snippet)


def test_d2l_long_vectors_print_summarised():
    """3.1: `a, b` with n = 10000 ones prints tensor([1., 1., 1.,  ..., 1., 1., 1.])."""
    def snippet(torch):
        n = 10000
        a, b = torch.ones(n), torch.ones(n)
        print(a, b)
        print((a, b))
        print(torch.arange(2000).reshape(50, 40))
        return repr(a)
    same(snippet)


def test_d2l_exp_and_elementwise_promotion():
    def snippet(torch):
        x = torch.arange(12, dtype=torch.float32)
        e = torch.exp(x)
        print(e)
        x = torch.tensor([1.0, 2, 4, 8])
        y = torch.tensor([2, 2, 2, 2])
        print(x + y, x - y, x * y, x / y, x ** y)
        return e, (x + y, x - y, x * y, x / y, x ** y)
    same(snippet)


def test_d2l_cat_compare_sum():
    def snippet(torch):
        X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
        Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
        print(torch.cat((X, Y), dim=0), torch.cat((X, Y), dim=1))
        print(X == Y)
        print(X.sum())
        return torch.cat((X, Y), dim=0), torch.cat((X, Y), dim=1), X == Y, X.sum()
    same(snippet)


def test_d2l_broadcasting():
    def snippet(torch):
        a = torch.arange(3).reshape((3, 1))
        b = torch.arange(2).reshape((1, 2))
        print(a, b)
        print(a + b)
        return a, b, a + b
    same(snippet)


def test_d2l_saving_memory_identity():
    """`Y = Y + X` rebinds; `Z[:] = X + Y` and `X += Y` write into the same object."""
    def snippet(torch):
        X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
        Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
        before = id(Y)
        Y = Y + X
        rebinds = id(Y) == before
        Z = torch.zeros_like(Y)
        z_id = id(Z)
        z_view = Z.view(-1)        # a view sees writes into the same memory
        Z[:] = X + Y
        keeps_z = id(Z) == z_id and bool((z_view == Z.reshape(-1)).all())
        before = id(X)
        x_view = X.view(-1)
        X += Y
        keeps_x = id(X) == before and bool((x_view == X.reshape(-1)).all())
        return rebinds, keeps_z, keeps_x, Z, X
    res = same(snippet)
    assert res[:3] == (False, True, True)


def test_d2l_numpy_conversion_and_item():
    def snippet(torch):
        X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
        A = X.numpy()
        B = torch.from_numpy(A)
        kinds = (type(A), type(B))
        A[0, 0] = 100.0          # from_numpy and .numpy() share memory with the tensor
        shared = (X[0, 0].item(), B[0, 0].item())
        a = torch.tensor([3.5])
        print(a, a.item(), float(a), int(a))
        return kinds, shared, a, a.item(), float(a), int(a), B.dtype
    same(snippet)


def test_d2l_vectorised_vs_loop_add():
    """3.1: element-by-element loop into a preallocated tensor versus one vectorised add."""
    def snippet(torch):
        n = 1000
        a, b = torch.ones(n), torch.ones(n)
        c = torch.zeros(n)
        for i in range(n):
            c[i] = a[i] + b[i]
        d = a + b
        return c, d, torch.equal(c, d)
    same(snippet)


# ---------------------------------------------------------------- d2l 2.2 preprocessing

def test_d2l_preprocessing_to_tensor():
    """2.2: pandas' `inputs.to_numpy(dtype=float)` arrays become float64 tensors."""
    inputs = np.array([[3.0, 0, 1], [2, 0, 1], [4, 1, 0], [3, 0, 1]])
    targets = np.array([127500.0, 106000, 178100, 140000])

    def snippet(torch, inputs, targets):
        X = torch.tensor(inputs)
        y = torch.tensor(targets)
        print(X, y)
        return X, y
    same(snippet, inputs, targets)


def test_d2l_preprocessing_fill_missing_with_mean():
    """The fillna(mean) step done with tensors: NaNs replaced by the column mean."""
    raw = np.array([[np.nan, 0, 1], [2, 0, 1], [4, 1, 0], [np.nan, 0, 1]])

    def snippet(torch, raw):
        X = torch.tensor(raw)
        missing = torch.isnan(X)
        col_mean = torch.nansum(X, dim=0) / (~missing).sum(dim=0)
        X = torch.where(missing, col_mean, X)
        return missing, col_mean, X
    same(snippet, raw)


# ---------------------------------------------------------------- d2l 2.3 linear algebra

def test_d2l_scalars_vectors_matrices():
    def snippet(torch):
        x, y = torch.tensor(3.0), torch.tensor(2.0)
        print(x + y, x * y, x / y, x**y)
        v = torch.arange(3)
        A = torch.arange(6).reshape(3, 2)
        S = torch.tensor([[1, 2, 3], [2, 0, 4], [3, 4, 5]])
        print(A.T)
        print(S == S.T)
        print(torch.arange(24).reshape(2, 3, 4))
        return (x + y, x * y, x / y, x**y, v, v[2], len(v), v.shape, A, A.T, S == S.T,
                torch.arange(24).reshape(2, 3, 4))
    same(snippet)


def test_d2l_tensor_arithmetic_clone_hadamard():
    def snippet(torch):
        A = torch.arange(6, dtype=torch.float32).reshape(2, 3)
        B = A.clone()  # Assign a copy of A to B by allocating new memory
        B[0, 0] = 10.0
        separate = A[0, 0].item() == 0.0
        B[0, 0] = 0.0
        a = 2
        X = torch.arange(24).reshape(2, 3, 4)
        print(A, A + B)
        print(A * B)
        print(a + X, (a * X).shape)
        return separate, A + B, A * B, a + X, (a * X).shape
    same(snippet)


def test_d2l_reductions_axis_keepdims():
    def snippet(torch):
        x = torch.arange(3, dtype=torch.float32)
        A = torch.arange(6, dtype=torch.float32).reshape(2, 3)
        sum_A = A.sum(axis=1, keepdims=True)
        print(x, x.sum())
        print(A.shape, A.sum())
        print(A.mean(), A.sum() / A.numel())
        print(A.mean(axis=0), A.sum(axis=0) / A.shape[0])
        print(sum_A, sum_A.shape)
        print(A / sum_A)
        print(A.cumsum(axis=0))
        return (x.sum(), A.sum(), A.sum(axis=0).shape, A.sum(axis=1).shape,
                A.sum(axis=[0, 1]) == A.sum(), A.mean(), A.sum() / A.numel(),
                A.mean(axis=0), A.sum(axis=0) / A.shape[0], sum_A, sum_A.shape, A / sum_A,
                A.cumsum(axis=0))
    same(snippet)


def test_d2l_products_and_norms():
    def snippet(torch):
        x = torch.arange(3, dtype=torch.float32)
        y = torch.ones(3, dtype=torch.float32)
        A = torch.arange(6, dtype=torch.float32).reshape(2, 3)
        B = torch.ones(3, 4)
        u = torch.tensor([3.0, -4.0])
        print(x, y, torch.dot(x, y))
        print(A.shape, x.shape, torch.mv(A, x), A@x)
        print(torch.mm(A, B), A@B)
        print(torch.norm(u), torch.abs(u).sum(), torch.norm(torch.ones((4, 9))))
        return (torch.dot(x, y), torch.sum(x * y), torch.mv(A, x), A @ x, torch.mm(A, B),
                A @ B, torch.norm(u), torch.abs(u).sum(), torch.norm(torch.ones((4, 9))))
    same(snippet)


def test_d2l_lp_and_frobenius_norms():
    """2.3.11: l1, l2, lp and Frobenius norms in their spelled-out and library forms."""
    X = RNG.standard_normal((3, 4)).astype(np.float32)

    def snippet(torch, X):
        X = torch.tensor(X)
        u = X[0]
        return (torch.norm(u, p=1), torch.norm(u), torch.norm(u, p=3),
                torch.abs(u).pow(3).sum() ** (1 / 3), torch.norm(X), torch.norm(X, p='fro'),
                torch.sqrt((X ** 2).sum()), torch.linalg.norm(X), torch.linalg.vector_norm(u, 1))
    same(snippet, X, rtol=1e-5)


# ---------------------------------------------------------------- 003 2.2 tensor manipulation

def test_summary_creation_and_info():
    def snippet(torch):
        t = torch.Tensor(2, 3, 5)          # uninitialised values: shape/dtype only
        info = (t.shape, t.dtype, t.dim(), t.size())
        made = [torch.Tensor([[1, 2, 3], [4, 5, 6]]),
                torch.FloatTensor([[1, 2, 3], [4, 5, 6]]),
                torch.LongTensor([[1, 2, 3], [4, 5, 6]]),
                torch.BoolTensor([True, False, False]),
                torch.zeros(2, 3, 4), torch.ones(2, 3, 4), torch.arange(0, 10), torch.eye(4)]
        e = torch.empty(2, 3, 4)
        t = made[-1]
        return info, made, (e.shape, e.dtype), t.dim(), t.size(), t.shape, t.size(0)
    same(snippet)


def test_summary_indexing_slicing_masking():
    def snippet(torch):
        t = torch.FloatTensor([[1, 2, 3], [4, 5, 6]])
        return (t[0], t[t > 4], t[:, [0, 2]], t[1, 2], t[:, 1:3], t[:, ::2], t[1, 2].item(),
                t[-1, -1], t[:, -1], t[..., 0], t[None].shape)
    same(snippet)


def test_summary_mask_with_too_many_dims_is_an_index_error():
    """The notes write t[:, t > 4] for a 2-D t: a 2-D mask after `:` is an IndexError."""
    def snippet(torch):
        t = torch.FloatTensor([[1, 2, 3], [4, 5, 6]])
        return t[:, t > 4]
    same(snippet)


def test_summary_broadcasting_and_products():
    def snippet(torch):
        m1, m2 = torch.tensor([1, 2]), torch.tensor(3)
        v = m1 + m2
        m1 = torch.tensor([[1, 2]])     # (1, 2)
        m2 = torch.tensor([[2], [3]])   # (2, 1)
        return v, m1 + m2, m1.mul(m2), m1 * m2, m1.matmul(m2), m2.matmul(m1)
    same(snippet)


def test_summary_matmul_shape_mismatch_is_an_error():
    def snippet(torch):
        return torch.tensor([[1, 2]]).matmul(torch.tensor([[2, 3]]))
    same(snippet)


def test_summary_mean_sum_max_argmax():
    def snippet(torch):
        t = torch.FloatTensor([[1, 2], [3, 4]])
        m = t.max(dim=1)
        values, indices = t.max(dim=1)
        return (t.mean(), t.mean(dim=1), t.mean(dim=-1), t.mean(dim=0), t.sum(), t.sum(dim=1),
                t.max(), m, m.values, m[1], values, indices, t.argmax(), t.argmax(dim=0),
                t.min(dim=0))
    same(snippet)


def test_summary_print_max_with_dim():
    def snippet(torch):
        print(torch.FloatTensor([[1, 2], [3, 4]]).max(dim=1))
    same(snippet)


def test_summary_mean_of_int_tensor_is_an_error():
    """'mean() on an integer tensor gives a runtime error' (the notes, 2.2.2.5)."""
    def snippet(torch):
        return torch.tensor([[1, 2], [3, 4]]).mean()
    same(snippet)


def test_summary_view_squeeze_unsqueeze():
    def snippet(torch):
        t = torch.tensor([[[1, 2, 2], [3, 4, 2]], [[3, 1, 1], [2, 3, 5]]])   # (2, 2, 3)
        v = t.view([-1, 3])
        s = torch.tensor([[[1, 2, 2], [3, 4, 2]]])    # (1, 2, 3)
        u = torch.tensor([[1, 2, 2], [3, 4, 2]])      # (2, 3)
        v[0, 0] = 7
        shares = t[0, 0, 0].item() == 7
        v[0, 0] = 1
        return (v, v.shape, shares, t.view(4, 3), t.view(-1), s.squeeze(), s.squeeze(dim=0),
                s.squeeze(dim=2), s.squeeze(dim=2).shape, u.unsqueeze(1), u.unsqueeze(1).shape,
                u.unsqueeze(-1).shape, u.unsqueeze(0).shape)
    same(snippet)


def test_summary_view_of_wrong_size_is_an_error():
    def snippet(torch):
        return torch.arange(1, 4, 2).view(1, 2, 3)   # 004's example: 2 elements into 6
    same(snippet)


def test_summary_type_casting():
    def snippet(torch):
        lt = torch.LongTensor([1, 2, 3, 4])
        f = lt.float()
        back = f.long()
        bt = torch.ByteTensor([True, False, True])
        return (f, back, lt.double(), lt.int(), (lt > 2).float(), bt.long(), bt.float(),
                lt.type(torch.float32), lt.type(torch.FloatTensor), lt.type('torch.DoubleTensor'),
                lt.to(torch.float64), f.half().dtype, lt.bool(), lt.type())
    same(snippet)


def test_summary_cat_and_stack():
    def snippet(torch):
        t1 = torch.tensor([[1, 2], [3, 4]])
        t2 = torch.tensor([[5, 6], [7, 8]])
        t3 = torch.tensor([[9, 10], [11, 12]])
        cats = (torch.cat([t1, t2]), torch.cat((t1, t2)), torch.cat([t1, t2], dim=1))
        stacks = tuple(torch.stack([t1, t2, t3], dim=n) for n in range(3))
        via_cat = tuple(torch.cat([t1.unsqueeze(n), t2.unsqueeze(n), t3.unsqueeze(n)], dim=n)
                        for n in range(3))
        equal = [torch.equal(a, b) for a, b in zip(stacks, via_cat)]
        return cats, stacks, via_cat, equal, torch.stack([t1, t2]).shape
    same(snippet)


def test_summary_ones_zeros_like_and_in_place():
    def snippet(torch):
        x = torch.tensor([[1, 2, 3], [4, 5, 6]])
        t1 = torch.FloatTensor([[1, 2], [3, 4]])
        t2 = torch.FloatTensor([[2, 2], [3, 3]])
        plain = t1.mul(t2)
        unchanged = t1.clone()
        same_obj = t1.mul_(t2) is t1
        return torch.ones_like(x), torch.zeros_like(x), plain, unchanged, t1, same_obj
    same(snippet)


def test_summary_scatter():
    """2.2.2.11: the notes scatter an int64 src into a float32 zeros tensor (torch refuses the
    dtype mismatch); with matching dtypes the result is [[1, 2, 3], [5, 6, 4]]."""
    def mismatched(torch):
        src = torch.tensor([[1, 2, 3], [4, 5, 6]])
        index = torch.tensor([[0, 1, 2], [2, 0, 1]])
        return torch.zeros(2, 3).scatter_(1, index, src)
    same(mismatched)

    def snippet(torch):
        src = torch.tensor([[1, 2, 3], [4, 5, 6]])
        index = torch.tensor([[0, 1, 2], [2, 0, 1]])
        return (torch.zeros(2, 3).scatter_(1, index, src.float()),
                torch.zeros(2, 3, dtype=torch.long).scatter_(1, index, src),
                torch.zeros(2, 3).scatter(1, index, 1.0))
    same(snippet)


def test_summary_one_hot():
    def snippet(torch):
        F = torch.nn.functional
        y = torch.Tensor([3, 1, 2, 4, 5])
        eye_matrix = torch.eye(len(y))
        y_one_hot = eye_matrix[y.long() - 1]
        y2 = torch.Tensor([[1, 2], [0, 1]])
        return y_one_hot, F.one_hot(y2.long(), num_classes=3), F.one_hot(torch.tensor([0, 2]))
    same(snippet)


def test_summary_one_hot_of_float_tensor_is_an_error():
    """The notes pass a float tensor to F.one_hot: torch refuses non-int64 input."""
    def snippet(torch):
        F = torch.nn.functional
        return F.one_hot(torch.Tensor([[1, 2], [0, 1]]), num_classes=3)
    same(snippet)


def test_summary_softmax_dim_out_of_range_is_an_error():
    """F.softmax(z, dim=1) on the notes' 1-D z is an IndexError; dim=0 works."""
    def bad(torch):
        F = torch.nn.functional
        return F.softmax(torch.FloatTensor([1, 2, 3]), dim=1)
    same(bad)

    def good(torch):
        F = torch.nn.functional
        z = torch.FloatTensor([1, 2, 3])
        return F.softmax(z, dim=0), F.softmax(z, dim=0).sum(), F.softmax(z, dim=-1)
    same(good)


def test_summary_four_ways_to_the_cross_entropy_cost():
    z = RNG.standard_normal((3, 5)).astype(np.float32)

    def snippet(torch, z):
        F = torch.nn.functional
        z = torch.tensor(z, requires_grad=True)
        y = torch.tensor([3, 0, 2])
        hypothesis = F.softmax(z, dim=1)
        y_one_hot = torch.zeros_like(hypothesis)
        y_one_hot.scatter_(1, y.unsqueeze(1), 1)
        cost1 = (y_one_hot * -torch.log(hypothesis)).sum(dim=1).mean()
        cost2 = (y_one_hot * -F.log_softmax(z, dim=1)).sum(dim=1).mean()
        cost3 = F.nll_loss(F.log_softmax(z, dim=1), y)
        cost4 = F.cross_entropy(z, y)
        grads = [torch.autograd.grad(c, z, retain_graph=True)[0]
                 for c in (cost1, cost2, cost3, cost4)]
        return y_one_hot, cost1, cost2, cost3, cost4, grads
    same(snippet, z)


def test_summary_cross_entropy_of_sequence_output_via_view():
    """output.view(-1, num_classes), y.view(-1) before F.cross_entropy (3-D outputs)."""
    out = RNG.standard_normal((2, 4, 5)).astype(np.float32)
    y = RNG.integers(0, 5, (2, 4))

    def snippet(torch, out, y):
        F = torch.nn.functional
        num_classes = 5
        output, y = torch.tensor(out), torch.tensor(y)
        flat = F.cross_entropy(output.view(-1, num_classes), y.view(-1))
        channels = F.cross_entropy(output.transpose(1, 2), y)   # (N, C, d) form
        return flat, channels
    same(snippet, out, y)


def test_summary_linear_layer_call():
    x = RNG.standard_normal((5, 4)).astype(np.float32)

    def snippet(torch, x):
        nn = torch.nn
        m = nn.Linear(4, 2)
        with torch.no_grad():
            m.weight.copy_(torch.arange(8.0).reshape(2, 4) / 10)
            m.bias.fill_(0.5)
        x = torch.tensor(x)
        y = m(x)
        return y, m.weight.shape, m.bias.shape, x @ m.weight.T + m.bias, y.shape
    same(snippet, x)


def test_summary_evaluation_accuracy():
    """2.1.1: prediction = hypothesis >= FloatTensor([0.5]); mean((prediction == y).float())."""
    h = np.array([[0.2], [0.7], [0.4]], dtype=np.float32)

    def snippet(torch, h):
        y_test = torch.FloatTensor([[0], [0], [0]])
        with torch.no_grad():
            hypothesis = torch.tensor(h)
            prediction = hypothesis >= torch.FloatTensor([0.5])
            rst = torch.mean((prediction == y_test).float())
        return prediction, rst
    same(snippet, h)


def test_summary_hand_written_gradient_descent_step():
    """3.1.3: W -= lr * W_gradient with gradients written out by hand."""
    def snippet(torch):
        x_train = torch.FloatTensor([[1], [2], [3]])
        y_train = torch.FloatTensor([[2], [4], [6]])
        W, b = torch.zeros(1), torch.zeros(1)
        lr = 0.1
        for _ in range(5):
            W_gradient = 2 * torch.mean((W * x_train + b - y_train) * x_train)
            b_gradient = 2 * torch.mean(W * x_train + b - y_train)
            W -= lr * W_gradient
            b -= lr * b_gradient
        return W, b
    same(snippet)


# ---------------------------------------------------------------- 004 week 2-1

def test_week2_creation_functions():
    def snippet(torch):
        shape = (2, 3,)
        rows = [torch.tensor([1, 2]), torch.tensor((1.5, 2)), torch.from_numpy(np.ones(3)),
                torch.zeros(shape), torch.ones(shape), torch.arange(1, 4, 2)]
        r, n = torch.rand(shape), torch.randn(shape)
        i1 = torch.randint(10, shape)
        i2 = torch.randint(low=0, high=10, size=shape)
        in_range = [bool(((t >= 0) & (t < 10)).all()) for t in (i1, i2)]
        unit = bool(((r >= 0) & (r < 1)).all())
        return (rows, (r.shape, r.dtype), (n.shape, n.dtype), (i1.shape, i1.dtype),
                (i2.shape, i2.dtype), in_range, unit)
    same(snippet)


def test_week2_rank_shape_printing_squeeze():
    x0 = RNG.random((4, 1, 3, 1)).astype(np.float32)

    def snippet(torch, x0):
        x = torch.rand(4, 3, 2)
        print(f"Rank : {len(x.shape)}")
        print(f"Shape : {x.shape}")
        x = torch.tensor(x0)
        return x.squeeze().shape, x.unsqueeze(dim=-1).shape, x.squeeze(1).shape
    same(snippet, x0)


def test_week2_indexing_masking_nonzero():
    x0 = RNG.random((2, 3)).astype(np.float32)

    def snippet(torch, x0):
        x = torch.tensor(x0)
        print(f"1st row : {x[0]}")
        print(f"1st column : {x[:,0]}")
        print(f"last column : {x[:,-1]}")
        x[:, -1] = 0  # broadcasting
        masked = x * (x > 0.5)
        nz = (x > 0.5).nonzero()
        axis0, axis1 = (x > 0.5).nonzero(as_tuple=True)
        picked = []
        for i in range(len(axis0)):
            print(x[axis0[i]][axis1[i]])
            picked.append(x[axis0[i]][axis1[i]])
        return x, masked, nz, axis0, axis1, picked
    same(snippet, x0)


def test_week2_sum_keepdim_shapes():
    def snippet(torch):
        x = torch.ones(3, 2, 4)
        print(x.sum(dim=0, keepdim=True).shape)
        print(x.sum(dim=0, keepdim=False).shape)
        print(x.sum(dim=0, keepdim=True).squeeze().shape)
        print(x.sum(dim=1, keepdim=True).shape)
        print(x.sum(dim=2, keepdim=True).shape)
        return x.sum(dim=2, keepdim=True)
    same(snippet)


def test_week2_matmul_vs_hadamard():
    x0, y0 = RNG.integers(0, 10, (2, 1)), RNG.integers(0, 10, (2, 1))

    def snippet(torch, x0, y0):
        x, y = torch.tensor(x0), torch.tensor(y0)
        print(torch.matmul(x, y.T))
        print(x@y.T)
        print(torch.mul(x, y))
        print(x*y)
        print(x*y.T)
        return torch.matmul(x, y.T), x @ y.T, torch.mul(x, y), x * y, x * y.T
    same(snippet, x0, y0)


def test_week2_concat_printing():
    x0 = np.array([[2, 8]])

    def snippet(torch, x0):
        x = torch.tensor(x0)
        print(x)
        x_concat = torch.cat([x, x, x], dim=1)
        print(f"Concat : {x_concat} shape: {x_concat.shape}")
        print(torch.cat([x, x, x], dim=0).shape)
        return x_concat
    same(snippet, x0)


# ---------------------------------------------------------------- d2l 4.3 / 4.4 helpers

def test_d2l_softmax_from_scratch():
    X0 = RNG.random((2, 5)).astype(np.float32)

    def snippet(torch, X0):
        X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        print(X.sum(0, keepdims=True), X.sum(1, keepdims=True))

        def softmax(X):
            X_exp = torch.exp(X)
            partition = X_exp.sum(1, keepdims=True)
            return X_exp / partition  # The broadcasting mechanism is applied here

        X = torch.tensor(X0)
        X_prob = softmax(X)
        return X_prob, X_prob.sum(1), torch.softmax(X, dim=1)
    same(snippet, X0)


def test_d2l_pick_probabilities_and_cross_entropy():
    def snippet(torch):
        y = torch.tensor([0, 2])
        y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])

        def cross_entropy(y_hat, y):
            return -torch.log(y_hat[list(range(len(y_hat))), y]).mean()
        print(y_hat[[0, 1], y])
        print(cross_entropy(y_hat, y))
        return y_hat[[0, 1], y], cross_entropy(y_hat, y)
    same(snippet)


def test_d2l_classifier_accuracy_and_wrong_predictions():
    """4.3 Classifier.accuracy and 4.4's selection of misclassified examples."""
    Y_hat = RNG.standard_normal((2, 3, 10)).astype(np.float32)
    Y = RNG.integers(0, 10, (6,))
    X = RNG.random((6, 1, 4, 4)).astype(np.float32)

    def snippet(torch, Y_hat, Y, X):
        def accuracy(Y_hat, Y, averaged=True):
            """Compute the number of correct predictions."""
            Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
            preds = Y_hat.argmax(axis=1).type(Y.dtype)
            compare = (preds == Y.reshape(-1)).type(torch.float32)
            return compare.mean() if averaged else compare

        Y_hat, Y, X = torch.tensor(Y_hat), torch.tensor(Y), torch.tensor(X)
        preds = Y_hat.reshape(-1, 10).argmax(axis=1)
        wrong = preds.type(Y.dtype) != Y
        Xw, yw, pw = X[wrong], Y[wrong], preds[wrong]
        labels = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt',
                  'sneaker', 'bag', 'ankle boot']
        text = [labels[int(i)] for i in yw]
        return (accuracy(Y_hat, Y), accuracy(Y_hat, Y, averaged=False), preds.shape, Xw, yw,
                pw, text, X.squeeze(1).shape)
    same(snippet, Y_hat, Y, X)


# ---------------------------------------------------------------- 003 save/load, GPU

def test_summary_save_load_tensor(tmp_path):
    def snippet(torch):
        data = torch.Tensor([1, 2, 3, 4, 5])
        path = os.path.join(str(tmp_path), f"test_{torch.__name__}.pt")
        torch.save(data, path)
        loaded = torch.load(path)
        return loaded, type(loaded)
    same(snippet)


def test_summary_tensor_saved_by_torch_loads_in_glasstorch(tmp_path):
    path = str(tmp_path / "test.pt")
    torch.save({"data": torch.Tensor([1, 2, 3, 4, 5]), "step": 3}, path)
    loaded = gt.load(path)
    assert loaded["step"] == 3
    np.testing.assert_array_equal(loaded["data"].numpy(), [1, 2, 3, 4, 5])
    assert loaded["data"].dtype == gt.float32


def test_summary_gpu_device_selection_falls_back_to_cpu():
    x0 = np.arange(6, dtype=np.float32).reshape(2, 3)

    def snippet(torch, x0):
        nn = torch.nn
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        model = nn.Linear(3, 1).to(device)
        x = torch.tensor(x0).to(device)
        y = x.to(torch.device('cpu')).detach().numpy()   # d2l's value.to(d2l.cpu()).numpy()
        return (device, str(x.device), x.device.type, next(model.parameters()).device.type,
                x.cpu(), y, torch.device('cpu') == x.device)
    same(snippet, x0)


# ---------------------------------------------------------------- learners' usual slips

PITFALLS = {
    # d2l 2.1: a.item(), float(a), int(a) on a tensor with more than one element
    "int_of_vector": lambda torch: int(torch.tensor([1, 2])),
    "float_of_vector": lambda torch: float(torch.tensor([1.0, 2.0])),
    "item_of_vector": lambda torch: torch.tensor([1, 2]).item(),
    "if_on_vector": lambda torch: bool(torch.tensor([1, 2]) > 0),
    "len_of_scalar": lambda torch: len(torch.tensor(3.0)),
    # 003: matrix products and concatenation of mismatched shapes
    "mm_mismatch": lambda torch: torch.mm(torch.ones(2, 3), torch.ones(2, 3)),
    "cat_mismatch": lambda torch: torch.cat([torch.ones(2, 3), torch.ones(2, 4)], dim=0),
    "view_bad": lambda torch: torch.arange(6).view(4, -1),
    "index_out_of_range": lambda torch: torch.arange(3)[3],
    # conversions
    "numpy_of_grad_tensor": lambda torch: torch.ones(2, requires_grad=True).numpy(),
}


@pytest.mark.parametrize("name", list(PITFALLS))
def test_pitfalls_raise_like_torch(name):
    same(PITFALLS[name])


def test_tensor_python_protocols():
    def snippet(torch):
        t = torch.tensor(0.123456)
        print(f"{t:.3f}", "{:.2f}".format(t), f"{t}", f"{torch.tensor([1.5, 2.0])}")
        return ([v for v in torch.arange(3)], list(torch.ones(2, 2)),
                torch.arange(6).reshape(2, 3).tolist(), torch.tensor(2.5).tolist(),
                sum(torch.ones(2) for _ in range(3)), (torch.arange(3) == 1).sum().item(),
                torch.from_numpy(np.array([1, 2])).dtype,
                torch.from_numpy(np.array([1.0, 2])).dtype,
                torch.tensor(np.array([1.0, 2])) + torch.ones(2),
                torch.FloatTensor(np.array([[1, 2], [3, 4]])))
    same(snippet)
