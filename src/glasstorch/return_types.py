"""Named tuples that ops with several results return, as torch.return_types:
`values, indices = x.max(dim=1)` or `x.max(dim=1).values`. They print as PyTorch's do:

    torch.return_types.max(
    values=tensor([2., 4.]),
    indices=tensor([1, 1]))
"""
from collections import namedtuple


def _return_type(name, fields):
    base = namedtuple(name, fields)

    def __repr__(self):
        items = ",\n".join(f"{field}={value!r}" for field, value in zip(fields, self))
        return f"torch.return_types.{name}(\n{items})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__})


max = _return_type("max", ["values", "indices"])
min = _return_type("min", ["values", "indices"])
sort = _return_type("sort", ["values", "indices"])
topk = _return_type("topk", ["values", "indices"])
kthvalue = _return_type("kthvalue", ["values", "indices"])
median = _return_type("median", ["values", "indices"])
nanmedian = _return_type("nanmedian", ["values", "indices"])
mode = _return_type("mode", ["values", "indices"])
cummax = _return_type("cummax", ["values", "indices"])
cummin = _return_type("cummin", ["values", "indices"])
aminmax = _return_type("aminmax", ["min", "max"])
slogdet = _return_type("slogdet", ["sign", "logabsdet"])
svd = _return_type("svd", ["U", "S", "V"])
linalg_slogdet = _return_type("linalg_slogdet", ["sign", "logabsdet"])
linalg_eigh = _return_type("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_svd = _return_type("linalg_svd", ["U", "S", "Vh"])
linalg_qr = _return_type("linalg_qr", ["Q", "R"])
linalg_eig = _return_type("linalg_eig", ["eigenvalues", "eigenvectors"])
linalg_lstsq = _return_type("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
frexp = _return_type("frexp", ["mantissa", "exponent"])
histogram = _return_type("histogram", ["hist", "bin_edges"])
