"""Recurrent networks of the book: the from-scratch RNN and language model, and their
versions on nn.RNN / nn.GRU / nn.LSTM."""
import glasstorch
from glasstorch import nn
from glasstorch.nn import functional as F

from .module import Classifier, Module


class RNNScratch(Module):
    """H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h), one step at a time.
    inputs (num_steps, batch_size, num_inputs) -> (list of num_steps H_t, last H)."""

    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.W_xh = nn.Parameter(glasstorch.randn(num_inputs, num_hiddens) * sigma)
        self.W_hh = nn.Parameter(glasstorch.randn(num_hiddens, num_hiddens) * sigma)
        self.b_h = nn.Parameter(glasstorch.zeros(num_hiddens))

    def forward(self, inputs, state=None):
        if state is None:
            state = glasstorch.zeros((inputs.shape[1], self.num_hiddens), device=inputs.device)
        else:
            state, = state
        outputs = []
        for X in inputs:
            state = glasstorch.tanh(glasstorch.matmul(X, self.W_xh) +
                                    glasstorch.matmul(state, self.W_hh) + self.b_h)
            outputs.append(state)
        return outputs, state


class RNNLMScratch(Classifier):
    """A character language model on an RNN: one-hot inputs, logits O_t = H_t W_hq + b_q,
    perplexity plotted while training."""

    def __init__(self, rnn, vocab_size, lr=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.init_params()

    def init_params(self):
        self.W_hq = nn.Parameter(
            glasstorch.randn(self.rnn.num_hiddens, self.vocab_size) * self.rnn.sigma)
        self.b_q = nn.Parameter(glasstorch.zeros(self.vocab_size))

    def training_step(self, batch):
        l = self.loss(self(*batch[:-1]), batch[-1])
        self.plot('ppl', glasstorch.exp(l), train=True)
        return l

    def validation_step(self, batch):
        l = self.loss(self(*batch[:-1]), batch[-1])
        self.plot('ppl', glasstorch.exp(l), train=False)

    def one_hot(self, X):
        """X (batch_size, num_steps) indices -> (num_steps, batch_size, vocab_size) floats."""
        return F.one_hot(X.T, self.vocab_size).type(glasstorch.float32)

    def output_layer(self, rnn_outputs):
        outputs = [glasstorch.matmul(H, self.W_hq) + self.b_q for H in rnn_outputs]
        return glasstorch.stack(outputs, 1)

    def forward(self, X, state=None):
        embs = self.one_hot(X)
        rnn_outputs, _ = self.rnn(embs, state)
        return self.output_layer(rnn_outputs)

    def predict(self, prefix, num_preds, vocab, device=None):
        """`prefix` followed by num_preds characters, each the most likely next one."""
        state, outputs = None, [vocab[prefix[0]]]
        for i in range(len(prefix) + num_preds - 1):
            X = glasstorch.tensor([[outputs[-1]]], device=device)
            embs = self.one_hot(X)
            rnn_outputs, state = self.rnn(embs, state)
            if i < len(prefix) - 1:      # warm-up: feed the prefix
                outputs.append(vocab[prefix[i + 1]])
            else:
                Y = self.output_layer(rnn_outputs)
                outputs.append(int(Y.argmax(axis=2).reshape(1)))
        return ''.join([vocab.idx_to_token[i] for i in outputs])


class RNN(Module):
    """nn.RNN(num_inputs, num_hiddens) as a d2l Module."""

    def __init__(self, num_inputs, num_hiddens):
        super().__init__()
        self.save_hyperparameters()
        self.rnn = nn.RNN(num_inputs, num_hiddens)

    def forward(self, inputs, H=None):
        return self.rnn(inputs, H)


class RNNLM(RNNLMScratch):
    """The language model with an nn.LazyLinear output layer."""

    def init_params(self):
        self.linear = nn.LazyLinear(self.vocab_size)

    def output_layer(self, hiddens):
        return self.linear(hiddens).swapaxes(0, 1)


class GRU(RNN):
    """A multilayer nn.GRU."""

    def __init__(self, num_inputs, num_hiddens, num_layers, dropout=0):
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens, num_layers, dropout=dropout)


class LSTM(RNN):
    """nn.LSTM(num_inputs, num_hiddens); the state is the pair (H, C)."""

    def __init__(self, num_inputs, num_hiddens):
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.LSTM(num_inputs, num_hiddens)

    def forward(self, inputs, H_C=None):
        return self.rnn(inputs, H_C)
