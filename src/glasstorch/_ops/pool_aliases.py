"""The torch.* spellings of pooling and sampling ops (torch.max_pool2d, torch.avg_pool1d,
torch.adaptive_max_pool1d, torch.grid_sampler ...).

PyTorch exposes these ATen kernels at the top level with their own signatures: no
return_indices flag (the *_with_indices forms and adaptive_max_pool1d always return
(values, indices)), and grid_sampler takes its modes as ints (0 bilinear / 1 nearest /
2 bicubic; 0 zeros / 1 border / 2 reflection). Each only translates and calls the one
implementation in pooling.py, adaptive_pooling.py or grid_sample.py."""
from . import adaptive_pooling, grid_sample as sampling, pooling


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return pooling.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return pooling.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return pooling.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    return pooling.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False,
               count_include_pad=True):
    return pooling.avg_pool1d(input, kernel_size, stride, padding, ceil_mode,
                              count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    return adaptive_pooling.adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    return adaptive_pooling.adaptive_max_pool1d(input, output_size, True)


_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    if interpolation_mode not in _INTERPOLATION or padding_mode not in _PADDING:
        raise RuntimeError(f"grid_sampler(): unknown interpolation_mode {interpolation_mode} "
                           f"or padding_mode {padding_mode}")
    return sampling.grid_sample(input, grid, _INTERPOLATION[interpolation_mode],
                                _PADDING[padding_mode], bool(align_corners))


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    if input.dim() != 4:
        raise RuntimeError(f"grid_sampler_2d(): expected 4D input, but got input with sizes "
                           f"{list(input.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    if input.dim() != 5:
        raise RuntimeError(f"grid_sampler_3d(): expected 5D input, but got input with sizes "
                           f"{list(input.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def affine_grid_generator(theta, size, align_corners):
    return sampling.affine_grid(theta, size, bool(align_corners))
