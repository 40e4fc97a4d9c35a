"""glasstorch.d2l: the `d2l.torch` toolkit of "Dive into Deep Learning" (d2l 1.0.3), chapters
2-11, on glasstorch. Same names, signatures and behaviour as the book's module, so that

    from d2l import torch as d2l          # under the torch alias (python -m glasstorch ...)
    from glasstorch.d2l import torch as d2l
    import glasstorch.d2l as d2l

all give this module and the book's code runs unchanged. The book's classes are split by idea:
hyperparameters (add_to_class, HyperParameters), board (ProgressBoard, Animator), plotting,
module (Module, Classifier), models, data (DataModule, FashionMNIST ...), trainer, devices,
timing, classic (the plain chapter functions), text, rnn, seq2seq, attention, download, and
aliases (d2l.tensor, d2l.reshape ... the framework-neutral names).

Where the plots go (Jupyter, a window, PNG files) is display.py's choice:
`set_plot_output(mode, directory)` makes it explicit.

Deliberate differences from the book's module, none of which changes a correct program's
results: Trainer.fit_epoch runs backward outside no_grad (only the update is under it) and
shows a tqdm bar over the epochs; ProgressBoard updates its lines in place (and cycles its
styles past four curves instead of dropping curves); DataLoader workers are capped at the
CPU count; download() checks the SHA-1 of what it fetched and raises on HTTP errors;
masked_softmax leaves its input unmodified.
"""
import collections
import hashlib
import inspect
import math
import os
import random
import re
import shutil
import sys
import tarfile
import time
import zipfile
from collections import defaultdict

import numpy as np
from matplotlib import pyplot as plt

import glasstorch
from glasstorch import nn
from glasstorch.nn import functional as F
from glasstorch.utils import data
from glasstorch.vision import transforms

from .aliases import *  # noqa: F401,F403  the framework-neutral names
from .aliases import nn_Module
from .attention import (AdditiveAttention, AddNorm, AttentionDecoder, DotProductAttention,
                        MultiHeadAttention, PositionalEncoding, PositionWiseFFN,
                        TransformerEncoder, TransformerEncoderBlock, masked_softmax)
from .board import Animator, ProgressBoard
from .classic import (accuracy, corr2d, evaluate_accuracy, evaluate_accuracy_gpu,
                      evaluate_loss, get_data_ch11, grad_clipping, linreg, sgd, squared_loss,
                      train_2d, train_ch6, train_ch11, train_concise_ch11)
from .data import (DataModule, FashionMNIST, SyntheticRegressionData, get_dataloader_workers,
                   get_fashion_mnist_labels, load_array, load_data_fashion_mnist,
                   synthetic_data)
from .devices import cpu, gpu, num_gpus, try_all_gpus, try_gpu
from .display import plot_output, set_plot_output
from .download import DATA_HUB, DATA_URL, download, download_extract, extract
from .hyperparameters import HyperParameters, add_to_class
from .models import (SGD, LeNet, LinearRegression, LinearRegressionScratch, ResNeXtBlock,
                     Residual, SoftmaxRegression, init_cnn)
from .module import Classifier, Module
from .plotting import (annotate, plot, set_axes, set_figsize, show_heatmaps, show_images,
                       show_list_len_pair_hist, show_trace_2d, use_svg_display)
from .rnn import GRU, LSTM, RNN, RNNLM, RNNLMScratch, RNNScratch
from .seq2seq import (Decoder, Encoder, EncoderDecoder, MaskedSoftmaxCELoss, MTFraEng,
                      Seq2Seq, Seq2SeqEncoder, bleu, build_array_nmt, init_seq2seq,
                      load_data_nmt, predict_seq2seq, preprocess_nmt, read_data_nmt,
                      sequence_mask, tokenize_nmt, train_seq2seq, truncate_pad)
from .text import TimeMachine, Vocab, check_len, check_shape, tokenize
from .timing import Accumulator, Benchmark, Timer
from .trainer import Trainer

torchvision = sys.modules["glasstorch.vision"]
d2l = sys.modules[__name__]      # the book's module refers to itself as d2l
from . import torch  # noqa: E402,F401  glasstorch.d2l.torch: this module itself
