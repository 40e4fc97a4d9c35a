"""The course's recurrent programs (003, "4. RNN" and "4.3 Seq2Seq"; 004's LSTM notes), written as
the course writes them and run under PyTorch and glasstorch from the same initial weights and
data: losses per step, outputs, final states, gradients and decoded sequences agree.

- the char-RNN on a long sentence (one-hot windows, 2 recurrent layers + Linear, SGD), with
  nn.RNN as in the notes and with nn.LSTM / nn.GRU in its place
- time-series regression, many-to-one through a Linear on every output (Adam, MSE)
- 004's LSTM fed one word at a time with an explicit (h, c), then the whole sequence at once
- word embeddings + pad_sequence / pack_padded_sequence in a classifier, the batches built by
  a DataLoader collate_fn
- the GRU seq2seq with teacher forcing (the notes' MyEncoder / MyDecoder), then greedy decoding
- seq2seq with the notes' dot-product attention on a GRU decoder (query = the decoder state,
  keys = values = the encoder states; concat, Linear, tanh), one GRUCell step at a time

Initial weights come from torch's state_dict (random init draws differ between the
libraries); dropout stays 0."""
import numpy as np
import pytest
import torch

from tests.course.notes import same


def weights_from_torch(build, seed=0):
    """Initial weights: build the model under real torch (seeded) and take its state_dict."""
    torch.manual_seed(seed)
    return {k: v.detach().numpy().copy() for k, v in build(torch).state_dict().items()}


def load(torch, model, weights):
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    return model


# ---------------------------------------------------------------------------------------------
# 4.2.1 the char-RNN on a long string
# ---------------------------------------------------------------------------------------------
SENTENCE = ("if you want to build a ship, don't drum up people together to "
            "collect wood and don't assign them tasks and work, but rather "
            "teach them to long for the endless immensity of the sea.")
CHAR_LIST = sorted(set(SENTENCE))        # the notes use list(set(...)); sorted: reproducible
CHAR_DIC = {c: i for i, c in enumerate(CHAR_LIST)}


def char_windows(sequence_length=10, text=SENTENCE[:50]):
    """The notes' sliding windows (over the sentence's first 50 characters, to stay fast)."""
    x_data, y_data = [], []
    for i in range(0, len(text) - sequence_length):
        x_data.append([CHAR_DIC[c] for c in text[i:i + sequence_length]])
        y_data.append([CHAR_DIC[c] for c in text[i + 1:i + sequence_length + 1]])
    return np.array(x_data), np.array(y_data)


def long_char_model(cell):
    def build(torch):
        nn = torch.nn

        class LongCharModel(nn.Module):
            def __init__(self, input_size, hidden_size, num_layers):
                super().__init__()
                self.rnn = getattr(nn, cell)(input_size, hidden_size, num_layers=num_layers)
                self.fc = nn.Linear(hidden_size, hidden_size)

            def forward(self, x):
                x, status = self.rnn(x)
                x = self.fc(x)
                return x
        return LongCharModel(len(CHAR_DIC), len(CHAR_DIC), 2)
    return build


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_char_rnn_long_sentence_trains_the_same(cell):
    build = long_char_model(cell)
    weights = weights_from_torch(build)
    x_data, y_data = char_windows()
    dic_size = len(CHAR_DIC)

    def program(torch, x_data, y_data):
        F = torch.nn.functional
        x_train, y_train = torch.LongTensor(x_data), torch.LongTensor(y_data)
        x_one_hot = F.one_hot(x_train, num_classes=dic_size).float()
        model = load(torch, build(torch), weights)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        costs, strings = [], []
        for epoch in range(1, 5):
            hypothesis = model(x_one_hot)
            cost = F.cross_entropy(hypothesis.view(-1, dic_size), y_train.view(-1))
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            prediction = hypothesis.argmax(dim=2)
            rst_str = "" + SENTENCE[0]
            for index, str_ in enumerate(prediction):
                if index == 0:
                    rst_str += ''.join([CHAR_LIST[n] for n in str_])
                else:
                    rst_str += ''.join([CHAR_LIST[n] for n in str_])[-1]
            costs.append(cost.item())
            strings.append(rst_str)
            print('Epoch {:4d}, Cost: {:.2f}'.format(epoch, cost.item()))
        return costs, strings, model.rnn.weight_hh_l1.grad, model.rnn.weight_ih_l0
    costs, _, _, _ = same(program, x_data, y_data, rtol=1e-4, atol=1e-5)
    assert costs[-1] < costs[0]


# ---------------------------------------------------------------------------------------------
# 4.2.2 time series: a Linear on every recurrent output (the notes' StockDataModule; like the
# notes, no batch_first, so dim 0 of the (batch, 10, 5) windows runs as time)
# ---------------------------------------------------------------------------------------------
def stock_model(cell):
    def build(torch):
        nn = torch.nn

        class StockDataModule(nn.Module):
            def __init__(self, input_size, hidden_size, output_size, num_layers):
                super().__init__()
                self.rnn = getattr(nn, cell)(input_size, hidden_size, num_layers=num_layers)
                self.fc = nn.Linear(hidden_size, output_size, bias=True)
                nn.init.xavier_uniform_(self.fc.weight)

            def forward(self, x):
                x, status = self.rnn(x)
                x = self.fc(x)
                return x
        return StockDataModule(5, 12, 1, num_layers=2)
    return build


def stock_windows(n_windows=24, seq_length=10):
    """x (batch, 10, 5): windows of five noisy sine 'prices' (min-max scaled); y (batch, 10, 1):
    the first price one step later."""
    rng = np.random.default_rng(3)
    t = np.arange(n_windows + seq_length + 1)[:, None]
    prices = np.sin(t / 4 + np.arange(5)) + 0.1 * rng.standard_normal((len(t), 5))
    prices = (prices - prices.min(0)) / (prices.max(0) - prices.min(0))
    x = np.stack([prices[i:i + seq_length] for i in range(n_windows)]).astype(np.float32)
    y = np.stack([prices[i + 1:i + seq_length + 1, :1] for i in range(n_windows)])
    return x, y.astype(np.float32)


@pytest.mark.parametrize("cell", ["RNN", "LSTM"])
def test_time_series_regression_trains_the_same(cell):
    build = stock_model(cell)
    weights = weights_from_torch(build, seed=1)
    x, y = stock_windows()

    def program(torch, x, y):
        F = torch.nn.functional
        model = load(torch, build(torch), weights)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        x_train, y_train = torch.tensor(x[:16]), torch.tensor(y[:16])
        model.train()
        costs = []
        for epoch in range(1, 7):
            hypothesis = model(x_train)
            cost = F.mse_loss(hypothesis, y_train)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append(cost.item())
            if epoch % 3 == 0:
                print('Epoch {:4d}/{}, Cost: {:.3f}'.format(epoch, 6, cost.item()))
        model.eval()
        with torch.no_grad():
            prediction = model(torch.tensor(x[16:]))
        return costs, prediction, model.rnn.bias_hh_l0.grad
    costs, _, _ = same(program, x, y, rtol=1e-4, atol=1e-5)
    assert costs[-1] < costs[0]


# ---------------------------------------------------------------------------------------------
# 004: nn.LSTM one word at a time with an explicit (h_0, c_0), then the whole sentence
# ---------------------------------------------------------------------------------------------
def test_lstm_word_by_word_equals_whole_sequence():
    weights = weights_from_torch(lambda torch: torch.nn.LSTM(5, 5))
    rng = np.random.default_rng(4)
    words, h0, c0 = (rng.standard_normal((7, 1, 5)).astype(np.float32),
                     rng.standard_normal((1, 1, 5)).astype(np.float32),
                     rng.standard_normal((1, 1, 5)).astype(np.float32))

    def program(torch, words, h0, c0):
        lstm = load(torch, torch.nn.LSTM(5, 5), weights)
        inputs = "I love coding . Just kidding .".split()
        input_embedding = [torch.tensor(w) for w in words]
        hidden = (torch.tensor(h0), torch.tensor(c0))
        for idx, i in enumerate(input_embedding):
            out, hidden = lstm(i.view(1, 1, -1), hidden)
            print(f"{idx+1} word : output shape ({out.shape}) / hidden state shape "
                  f"({hidden[0].shape})")
        assert out.detach().equal(hidden[0].detach())
        step_out, step_hidden = out, hidden
        input_embedding = torch.cat(input_embedding).view(len(inputs), 1, -1)
        out, hidden = lstm(input_embedding, (torch.tensor(h0), torch.tensor(c0)))
        print(f"output shape : {out.shape}")
        assert out[-1, :, :].detach().equal(hidden[0][-1, :, :].detach())
        (out.sum() + hidden[1].sum()).backward()
        return step_out, step_hidden, out, hidden, lstm.weight_hh_l0.grad
    step_out, step_hidden, out, hidden, _ = same(program, words, h0, c0)
    np.testing.assert_allclose(step_out.detach().numpy()[0], out.detach().numpy()[-1],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(step_hidden[1].detach().numpy(), hidden[1].detach().numpy(),
                               rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# 4.3.1-4.3.2 word embeddings, padding and packing in a sentence classifier
# ---------------------------------------------------------------------------------------------
VOCAB, PAD = 20, 0


def sentences(n=10, seed=5):
    """Variable-length sentences of token ids in [1, VOCAB) and a label per sentence."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 8, n)
    tokens = [rng.integers(1, VOCAB, k) for k in lengths]
    labels = np.array([int(t.sum() % 3) for t in tokens])
    return tokens, labels


def packed_classifier(torch):
    nn = torch.nn

    class Classifier(nn.Module):
        def __init__(self, vocab_size=VOCAB, embedding_dim=6, hidden_size=8, classes=3):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
            self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True,
                                bidirectional=True)
            self.fc = nn.Linear(2 * hidden_size, classes)

        def forward(self, padded, lengths):
            packed = nn.utils.rnn.pack_padded_sequence(self.embed(padded), lengths,
                                                       batch_first=True, enforce_sorted=False)
            packed_out, (h_n, c_n) = self.lstm(packed)
            out, out_lengths = nn.utils.rnn.pad_packed_sequence(packed_out, batch_first=True)
            features = torch.cat((h_n[-2], h_n[-1]), dim=1)   # both directions' last states
            return self.fc(features), out, out_lengths
    return Classifier()


def test_embedding_pad_and_pack_classifier_trains_the_same():
    weights = weights_from_torch(packed_classifier, seed=2)
    tokens, labels = sentences()

    def program(torch, tokens, labels):
        class Sentences(torch.utils.data.Dataset):
            def __len__(self):
                return len(tokens)

            def __getitem__(self, i):
                return torch.tensor(tokens[i]), int(labels[i])

        def collate_fn(batch):
            seqs, ys = zip(*batch)
            lengths = torch.tensor([len(s) for s in seqs])
            return torch.nn.utils.rnn.pad_sequence(list(seqs), batch_first=True, padding_value=PAD), lengths, \
                torch.tensor(ys)

        loader = torch.utils.data.DataLoader(Sentences(), batch_size=5, shuffle=False,
                                             collate_fn=collate_fn)
        model = load(torch, packed_classifier(torch), weights)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
        losses = []
        for epoch in range(3):
            for padded, lengths, y in loader:
                logits, out, out_lengths = model(padded, lengths)
                loss = torch.nn.functional.cross_entropy(logits, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
        return losses, padded, out, out_lengths, model.embed.weight.grad
    losses, padded, out, _, embed_grad = same(program, tokens, labels, rtol=1e-4, atol=1e-5)
    assert losses[-1] < losses[0]
    assert not embed_grad.numpy()[PAD].any()             # padding_idx gets no gradient
    lengths = (padded.numpy() != PAD).sum(1)
    for row, n in zip(out.detach().numpy(), lengths):    # pad_packed_sequence zero-fills
        assert not row[n:].any()


# ---------------------------------------------------------------------------------------------
# 4.3.3 the GRU seq2seq with teacher forcing, then greedy decoding
# ---------------------------------------------------------------------------------------------
SRC_VOCAB, TGT_VOCAB, HIDDEN, EOS = 12, 10, 16, 1


def seq2seq(torch):
    nn = torch.nn

    class MyEncoder(nn.Module):
        def __init__(self, num_embedding, hidden_size):
            super().__init__()
            self.embed = nn.Embedding(num_embedding, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

        def forward(self, x):
            x = self.embed(x)
            _, hidden = self.gru(x)
            return hidden

    class MyDecoder(nn.Module):
        def __init__(self, num_embedding, hidden_size, output_label_size):
            super().__init__()
            self.embed = nn.Embedding(num_embedding, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.linear = nn.Linear(hidden_size, output_label_size)
            self.output_label_size = output_label_size

        def forward(self, y, hidden_state):
            y = self.embed(y)
            sos = torch.zeros(y.size(0), 1, y.size(2))          # teacher forcing: SOS + y[:-1]
            y = y[:, :-1, :]
            y = torch.cat((sos, y), dim=1)
            x, _ = self.gru(y, hidden_state)
            x = self.linear(x)
            x = x.view(-1, x.size(2))
            return x

        def greedy(self, hidden_state, max_length):
            """Feed back the arg-max token one step at a time, starting from SOS (zeros)."""
            step_input = torch.zeros(hidden_state.size(1), 1, self.embed.embedding_dim)
            tokens = []
            for _ in range(max_length):
                x, hidden_state = self.gru(step_input, hidden_state)
                token = self.linear(x).argmax(dim=-1)             # (batch, 1)
                tokens.append(token)
                step_input = self.embed(token)
            return torch.cat(tokens, dim=1)

    class Seq2Seq(nn.Module):
        def __init__(self, encoder_embedding, decoder_embedding, hidden_size):
            super().__init__()
            self.encoder = MyEncoder(encoder_embedding, hidden_size)
            self.decoder = MyDecoder(decoder_embedding, hidden_size, decoder_embedding)

        def forward(self, x, y):
            hidden = self.encoder(x)
            x = self.decoder(y, hidden)
            return x
    return Seq2Seq(SRC_VOCAB, TGT_VOCAB, HIDDEN)


def copy_task(n=8, length=5, seed=6):
    """Target = the source tokens mapped into the target vocabulary, then EOS."""
    rng = np.random.default_rng(seed)
    src = rng.integers(2, SRC_VOCAB, (n, length))
    tgt = np.concatenate([src % (TGT_VOCAB - 2) + 2, np.full((n, 1), EOS)], axis=1)
    return src, tgt


def test_gru_seq2seq_teacher_forcing_and_greedy_decoding():
    weights = weights_from_torch(seq2seq, seed=3)
    src, tgt = copy_task()

    def program(torch, src, tgt):
        model = load(torch, seq2seq(torch), weights)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        criterion = torch.nn.CrossEntropyLoss()
        x, y = torch.tensor(src), torch.tensor(tgt)
        losses = []
        for epoch in range(6):
            output = model(x, y)
            loss = criterion(output, y.view(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            decoded = model.decoder.greedy(model.encoder(x), tgt.shape[1])
        return losses, decoded, model.encoder.gru.weight_ih_l0.grad
    losses, decoded, _ = same(program, src, tgt, rtol=1e-4, atol=1e-5)
    assert losses[-1] < losses[0]
    assert decoded.shape == tgt.shape


# ---------------------------------------------------------------------------------------------
# 5.1 seq2seq with attention: dot-product scores against the encoder states, softmax, the
# weighted sum, concat with the decoder state, Linear + tanh (the notes' steps 1-4)
# ---------------------------------------------------------------------------------------------
def attention_seq2seq(torch):
    nn = torch.nn

    class AttnDecoder(nn.Module):
        def __init__(self, vocab_size, hidden_size):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, hidden_size)
            self.cell = nn.GRUCell(hidden_size, hidden_size)
            self.concat = nn.Linear(2 * hidden_size, hidden_size)
            self.out = nn.Linear(hidden_size, vocab_size)

        def step(self, token, hidden, enc_states, src_mask):
            hidden = self.cell(self.embed(token), hidden)              # the query (N, H)
            scores = torch.bmm(enc_states, hidden.unsqueeze(2)).squeeze(2)     # 1) (N, S)
            scores = scores.masked_fill(src_mask, -1e9)
            weights = torch.softmax(scores, dim=1)                              # 2)
            context = (weights.unsqueeze(2) * enc_states).sum(dim=1)            # 3)
            attentional = torch.tanh(self.concat(torch.cat((context, hidden), 1)))   # 4)
            return self.out(attentional), hidden, weights

    class AttnSeq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_embed = nn.Embedding(SRC_VOCAB, HIDDEN, padding_idx=PAD)
            self.encoder = nn.GRU(HIDDEN, HIDDEN, batch_first=True)
            self.decoder = AttnDecoder(TGT_VOCAB, HIDDEN)

        def forward(self, src, tgt, teacher_forcing=True):
            enc_states, hidden = self.encoder(self.src_embed(src))
            hidden = hidden[0]
            token = torch.zeros(src.size(0), dtype=torch.long)                 # SOS = 0
            logits, attention = [], []
            for t in range(tgt.size(1)):
                out, hidden, weights = self.decoder.step(token, hidden, enc_states, src == PAD)
                logits.append(out)
                attention.append(weights)
                token = tgt[:, t] if teacher_forcing else out.argmax(dim=1)
            return torch.stack(logits, dim=1), torch.stack(attention, dim=1)
    return AttnSeq2Seq()


def test_dot_product_attention_gru_seq2seq_trains_the_same():
    weights = weights_from_torch(attention_seq2seq, seed=4)
    src, tgt = copy_task(seed=7)
    src[::2, -2:] = PAD                                  # some padded sources

    def program(torch, src, tgt):
        model = load(torch, attention_seq2seq(torch), weights)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        x, y = torch.tensor(src), torch.tensor(tgt)
        losses = []
        for epoch in range(4):
            logits, attention = model(x, y)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, TGT_VOCAB),
                                                     y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        with torch.no_grad():
            greedy_logits, greedy_attention = model(x, y, teacher_forcing=False)
        return (losses, attention.detach(), greedy_logits.argmax(-1), greedy_attention,
                model.decoder.cell.weight_hh.grad)
    losses, attention, _, _, _ = same(program, src, tgt, rtol=1e-4, atol=1e-5)
    assert losses[-1] < losses[0]
    padded = np.broadcast_to((src == PAD)[:, None, :], attention.shape)
    assert not attention.numpy()[padded].any()          # padded source positions get no weight
    np.testing.assert_allclose(attention.numpy().sum(-1), 1, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# 4.2.1 the short string: one sentence, unbatched (2-D) one-hot input to nn.RNN
# ---------------------------------------------------------------------------------------------
def test_short_string_rnn_unbatched_one_hot():
    sample = "wow it's amazing!"
    data_list = sorted(set(sample))
    data_dic = {d: i for i, d in enumerate(data_list)}
    weights = weights_from_torch(lambda torch: torch.nn.RNN(len(data_dic), len(data_dic)), 5)

    def program(torch):
        input_size = hidden_size = len(data_dic)
        data = [data_dic[c] for c in sample]
        x_train = torch.FloatTensor(data[:-1])
        y_train = torch.LongTensor(data[1:])
        eye_matrix = torch.eye(len(data_list))
        x_one_hot = eye_matrix[x_train.long() - 1]       # the notes' "- 1": index -1 wraps
        rnn = load(torch, torch.nn.RNN(input_size, hidden_size), weights)
        optimizer = torch.optim.Adam(rnn.parameters(), lr=0.1)
        costs, strings = [], []
        for epoch in range(1, 6):
            outputs, status = rnn(x_one_hot)              # (16, hidden), (1, hidden)
            cost = torch.nn.functional.cross_entropy(outputs, y_train)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            prediction = outputs.argmax(dim=1)
            strings.append(sample[0] + ''.join([data_list[n] for n in prediction]))
            costs.append(cost.item())
        return costs, strings, outputs.shape, status.shape
    costs, _, _, _ = same(program, rtol=1e-4, atol=1e-5)
    assert costs[-1] < costs[0]


# ---------------------------------------------------------------------------------------------
# 4.3.2 padding and packing: the four conversions between tensors, packed and padded batches
# ---------------------------------------------------------------------------------------------
def test_padding_and_packing_conversions():
    words = [np.arange(1, 1 + n, dtype=np.float32).reshape(n, 1) * (i + 1)
             for i, n in enumerate([5, 3, 2])]          # sorted by length, longest first

    def program(torch):
        rnn_utils = torch.nn.utils.rnn
        seqs = [torch.tensor(w) for w in words]
        lengths = torch.LongTensor([len(s) for s in seqs])
        padded = rnn_utils.pad_sequence(seqs, batch_first=True)             # tensors -> padded
        packed = rnn_utils.pack_sequence(seqs)                              # tensors -> packed
        packed_from_padded = rnn_utils.pack_padded_sequence(padded, lengths, batch_first=True)
        unpacked, unpacked_lengths = rnn_utils.pad_packed_sequence(packed, batch_first=True)
        shuffled = [seqs[1], seqs[0], seqs[2]]
        unsorted = rnn_utils.pack_sequence(shuffled, enforce_sorted=False)
        rnn = load(torch, torch.nn.GRU(1, 2), weights)
        out, h_n = rnn(unsorted)
        out_padded, _ = rnn_utils.pad_packed_sequence(out, total_length=6)
        return (padded, packed.data, packed.batch_sizes, packed_from_padded.data, unpacked,
                unpacked_lengths, unsorted.sorted_indices, unsorted.unsorted_indices,
                out_padded, h_n, rnn_utils.unpack_sequence(out))
    weights = weights_from_torch(lambda torch: torch.nn.GRU(1, 2), 6)
    result = same(program)
    np.testing.assert_array_equal(result[2].numpy(), [3, 3, 2, 1, 1])
