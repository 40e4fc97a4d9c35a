"""Text for the sequence chapters: the vocabulary, tokenisation, The Time Machine data set."""
import collections
import re

import glasstorch

from .data import DataModule
from .download import data_url, download


class Vocab:
    """Vocabulary: tokens sorted alphabetically, '<unk>' and reserved_tokens included, tokens
    rarer than min_freq left out (they map to '<unk>')."""

    def __init__(self, tokens=[], min_freq=0, reserved_tokens=[]):
        if tokens and isinstance(tokens[0], list):      # a 2-d list: flatten it
            tokens = [token for line in tokens for token in line]
        counter = collections.Counter(tokens)
        self.token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
        self.idx_to_token = list(sorted(set(['<unk>'] + reserved_tokens + [
            token for token, freq in self.token_freqs if freq >= min_freq])))
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        """The index of a token, or the list of indices of a list/tuple of tokens."""
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self.__getitem__(token) for token in tokens]

    def to_tokens(self, indices):
        """The token of an index, or the list of tokens of several indices."""
        if hasattr(indices, '__len__') and len(indices) > 1:
            return [self.idx_to_token[int(index)] for index in indices]
        return self.idx_to_token[indices]

    @property
    def unk(self):
        """The index of the unknown token."""
        return self.token_to_idx['<unk>']


def tokenize(lines, token='word'):
    """Split each line into words or characters."""
    assert token in ('word', 'char'), 'Unknown token type: ' + token
    return [line.split() if token == 'word' else list(line) for line in lines]


class TimeMachine(DataModule):
    """H. G. Wells' The Time Machine as characters: X[i] is the sequence of num_steps tokens
    starting at i, Y[i] the same shifted by one."""

    def _download(self):
        fname = download(data_url() + 'timemachine.txt', self.root,
                         '090b5e7e70c295757f55df93cb0a180b9691891a')
        with open(fname) as f:
            return f.read()

    def _preprocess(self, text):
        """Letters only (runs of anything else become one space), lower case."""
        return re.sub('[^A-Za-z]+', ' ', text).lower()

    def _tokenize(self, text):
        return list(text)

    def build(self, raw_text, vocab=None):
        """The corpus (token indices) and the vocabulary of raw_text."""
        tokens = self._tokenize(self._preprocess(raw_text))
        if vocab is None:
            vocab = Vocab(tokens)
        corpus = [vocab[token] for token in tokens]
        return corpus, vocab

    def __init__(self, batch_size, num_steps, num_train=10000, num_val=5000):
        super(TimeMachine, self).__init__()
        self.save_hyperparameters()
        corpus, self.vocab = self.build(self._download())
        array = glasstorch.tensor([corpus[i:i + num_steps + 1]
                                   for i in range(len(corpus) - num_steps)])
        self.X, self.Y = array[:, :-1], array[:, 1:]

    def get_dataloader(self, train):
        idx = slice(0, self.num_train) if train else slice(
            self.num_train, self.num_train + self.num_val)
        return self.get_tensorloader([self.X, self.Y], train, idx)


def check_len(a, n):
    """Assert that len(a) == n."""
    assert len(a) == n, f'list\'s length {len(a)} != expected length {n}'


def check_shape(a, shape):
    """Assert that a.shape == shape."""
    assert a.shape == shape, f'tensor\'s shape {a.shape} != expected shape {shape}'
