"""Attention and the Transformer encoder as the book builds them: masked softmax, dot-product
and additive attention, multi-head attention, positional encoding, the position-wise FFN,
add & norm, and the encoder block and stack."""
import math

import glasstorch
from glasstorch import nn

from .module import Module
from .seq2seq import Decoder, Encoder


def masked_softmax(X, valid_lens):
    """Softmax over the last axis of X (batch, queries, keys) where only the first
    valid_lens keys count: valid_lens (batch,) for every query alike or (batch, queries).
    Masked scores become -1e6 (not -inf), so a row with no valid key is uniform, as in the
    book."""
    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = glasstorch.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    X = X.reshape(-1, shape[-1])
    mask = glasstorch.arange(shape[-1], dtype=glasstorch.float32,
                             device=X.device)[None, :] < valid_lens[:, None]
    # a new tensor, not the book's in-place write: X may be a view of the caller's scores
    X = glasstorch.where(mask, X, glasstorch.tensor(-1e6, dtype=X.dtype))
    return nn.functional.softmax(X.reshape(shape), dim=-1)


class DotProductAttention(nn.Module):
    """softmax(Q K^T / sqrt(d)) V with masking and dropout on the weights.
    queries (batch, q, d), keys (batch, k, d), values (batch, k, v) -> (batch, q, v)."""

    def __init__(self, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        scores = glasstorch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return glasstorch.bmm(self.dropout(self.attention_weights), values)


class AdditiveAttention(nn.Module):
    """Scores w_v^T tanh(W_q q + W_k k), masked softmax, weighted sum of the values."""

    def __init__(self, num_hiddens, dropout, **kwargs):
        super(AdditiveAttention, self).__init__(**kwargs)
        self.W_k = nn.LazyLinear(num_hiddens, bias=False)
        self.W_q = nn.LazyLinear(num_hiddens, bias=False)
        self.w_v = nn.LazyLinear(1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        # (batch, q, 1, h) + (batch, 1, k, h): every query with every key
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = glasstorch.tanh(features)
        scores = self.w_v(features).squeeze(-1)      # (batch, q, k)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return glasstorch.bmm(self.dropout(self.attention_weights), values)


class AttentionDecoder(Decoder):
    """The interface of decoders with attention: they expose attention_weights."""

    def __init__(self):
        super().__init__()

    @property
    def attention_weights(self):
        raise NotImplementedError(f"{type(self).__name__} does not define attention_weights")


class MultiHeadAttention(Module):
    """num_heads dot-product attentions over num_hiddens / num_heads-wide projections of the
    queries, keys and values (computed as one batch of batch * num_heads), concatenated and
    projected by W_o."""

    def __init__(self, num_hiddens, num_heads, dropout, bias=False, **kwargs):
        super().__init__()
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        queries = self.transpose_qkv(self.W_q(queries))
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:
            # each example's lengths, once per head
            valid_lens = glasstorch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        output_concat = self.transpose_output(output)
        return self.W_o(output_concat)

    def transpose_qkv(self, X):
        """(batch, n, num_hiddens) -> (batch * num_heads, n, num_hiddens / num_heads)."""
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1)
        X = X.permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(self, X):
        """The inverse of transpose_qkv."""
        X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2])
        X = X.permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)


class PositionalEncoding(nn.Module):
    """Adds P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(same) to X (batch, n, d), then
    dropout."""

    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.P = glasstorch.zeros((1, max_len, num_hiddens))
        X = glasstorch.arange(max_len, dtype=glasstorch.float32).reshape(-1, 1) / glasstorch.pow(
            10000, glasstorch.arange(0, num_hiddens, 2, dtype=glasstorch.float32) / num_hiddens)
        self.P[:, :, 0::2] = glasstorch.sin(X)
        self.P[:, :, 1::2] = glasstorch.cos(X)

    def forward(self, X):
        X = X + self.P[:, :X.shape[1], :].to(X.device)
        return self.dropout(X)


class PositionWiseFFN(nn.Module):
    """dense2(relu(dense1(X))) applied at every position."""

    def __init__(self, ffn_num_hiddens, ffn_num_outputs):
        super().__init__()
        self.dense1 = nn.LazyLinear(ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.LazyLinear(ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.relu(self.dense1(X)))


class AddNorm(nn.Module):
    """LayerNorm(dropout(Y) + X): the residual connection and layer normalisation."""

    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


class TransformerEncoderBlock(nn.Module):
    """Multi-head self-attention, add & norm, position-wise FFN, add & norm."""

    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias=False):
        super().__init__()
        self.attention = MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


class TransformerEncoder(Encoder):
    """Embedding scaled by sqrt(num_hiddens), positional encoding, then num_blks encoder
    blocks; keeps each block's attention weights."""

    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens,
                 num_heads, num_blks, dropout, use_bias=False):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module("block" + str(i), TransformerEncoderBlock(
                num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias))

    def forward(self, X, valid_lens):
        # the embedding is scaled up so that the positional encoding (in [-1, 1]) does not
        # drown it
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        self.attention_weights = [None] * len(self.blks)
        for i, blk in enumerate(self.blks):
            X = blk(X, valid_lens)
            self.attention_weights[i] = blk.attention.attention.attention_weights
        return X
