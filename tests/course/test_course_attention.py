"""The course's attention programs (003, "5. Transformer": the attention mechanism in seq2seq,
multi-head attention, positional encoding, masks, beam search, BERT's masked-LM pre-training),
written as the course writes them and run under PyTorch and glasstorch from the same initial
weights and data: losses, outputs, attention weights, gradients and decoded sequences agree.

Dropout is 0 where training results are compared (the libraries' random streams differ)."""
import math

import numpy as np
import torch

from tests.course.notes import same

VOCAB, PAD, BOS, EOS = 12, 0, 1, 2


def weights_from_torch(build, seed=0):
    """Initial weights: build the model under real torch (seeded) and take its state_dict."""
    torch.manual_seed(seed)
    return {k: v.detach().numpy().copy() for k, v in build(torch).state_dict().items()}


def load(torch, model, weights):
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    return model


def token_batch(n, length, seed, low=3):
    """Random token ids in [low, VOCAB) with sequences padded (PAD) to `length`."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(low, VOCAB, (n, length))
    lengths = rng.integers(length // 2, length + 1, n)
    lengths[0] = length
    for i, n_tokens in enumerate(lengths):
        tokens[i, n_tokens:] = PAD
    return tokens


# ---------------------------------------------------------------------------------------------
# 5.1 the attention mechanism in seq2seq: an additive (Bahdanau) attention decoder step
# ---------------------------------------------------------------------------------------------
def bahdanau_model(torch, hidden=16, embed=8):
    nn = torch.nn

    class AdditiveAttention(nn.Module):
        """score(q, k) = v^T tanh(W_q q + W_k k); padded keys are masked out."""

        def __init__(self, hidden):
            super().__init__()
            self.W_q = nn.Linear(hidden, hidden, bias=False)
            self.W_k = nn.Linear(hidden, hidden, bias=False)
            self.v = nn.Linear(hidden, 1, bias=False)

        def forward(self, query, keys, values, key_mask):
            # query (N, hidden) -> (N, 1, hidden); keys (N, S, hidden)
            features = torch.tanh(self.W_q(query).unsqueeze(1) + self.W_k(keys))
            scores = self.v(features).squeeze(-1)                     # (N, S)
            scores = scores.masked_fill(key_mask, float("-inf"))
            weights = torch.softmax(scores, dim=-1)
            context = torch.bmm(weights.unsqueeze(1), values).squeeze(1)
            return context, weights

    class Decoder(nn.Module):
        """One step: attend to the encoder states with the previous hidden state, join the
        context and the embedded input, then a tanh layer gives the next hidden state."""

        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, embed)
            self.attention = AdditiveAttention(hidden)
            self.cell = nn.Linear(embed + 2 * hidden, hidden)
            self.out = nn.Linear(hidden, VOCAB)

        def step(self, token, hidden_state, enc_states, key_mask):
            context, weights = self.attention(hidden_state, enc_states, enc_states, key_mask)
            x = torch.cat((self.embed(token), context, hidden_state), dim=-1)
            hidden_state = torch.tanh(self.cell(x))
            return self.out(hidden_state), hidden_state, weights

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_embed = nn.Embedding(VOCAB, embed, padding_idx=PAD)
            self.encoder = nn.Linear(embed, hidden)
            self.decoder = Decoder()

        def forward(self, src, tgt):
            enc_states = torch.tanh(self.encoder(self.src_embed(src)))      # (N, S, hidden)
            key_mask = src == PAD
            hidden_state = enc_states.mean(dim=1)
            logits, attention = [], []
            for t in range(tgt.size(1) - 1):                  # teacher forcing
                out, hidden_state, weights = self.decoder.step(tgt[:, t], hidden_state,
                                                               enc_states, key_mask)
                logits.append(out)
                attention.append(weights)
            return torch.stack(logits, dim=1), torch.stack(attention, dim=1)
    return Seq2Seq()


def test_bahdanau_attention_seq2seq_trains_the_same():
    weights = weights_from_torch(bahdanau_model)
    src, tgt = token_batch(4, 7, seed=1), token_batch(4, 6, seed=2)
    tgt[:, 0] = BOS

    def program(torch, src, tgt):
        model = load(torch, bahdanau_model(torch), weights)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        src, tgt = torch.tensor(src), torch.tensor(tgt)
        losses = []
        for _ in range(4):
            logits, attention = model(src, tgt)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB),
                                                     tgt[:, 1:].reshape(-1), ignore_index=PAD)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses, attention.detach(), model.decoder.attention.W_q.weight.grad
    losses, attention, _ = same(program, src, tgt, rtol=1e-4, atol=1e-5)
    assert losses[-1] < losses[0]
    padded = np.broadcast_to((src == PAD)[:, None, :], attention.shape)
    assert not attention.numpy()[padded].any()         # padded keys get no attention
    np.testing.assert_allclose(attention.numpy().sum(-1), 1, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# 5.2 the Transformer: embeddings + sinusoidal positional encoding, masks, nn.Transformer
# ---------------------------------------------------------------------------------------------
D_MODEL, HEADS, FF = 16, 2, 32


def positional_encoding_class(torch):
    nn = torch.nn

    class PositionalEncoding(nn.Module):
        """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...), added to the
        embeddings (the course's formula), kept in a buffer."""

        def __init__(self, d_model, max_len=64):
            super().__init__()
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, d_model)
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe.unsqueeze(0))

        def forward(self, x):
            return x + self.pe[:, :x.size(1)]
    return PositionalEncoding


def translator(torch):
    nn = torch.nn
    PositionalEncoding = positional_encoding_class(torch)

    class Translator(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_embed = nn.Embedding(VOCAB, D_MODEL, padding_idx=PAD)
            self.tgt_embed = nn.Embedding(VOCAB, D_MODEL, padding_idx=PAD)
            self.position = PositionalEncoding(D_MODEL)
            self.transformer = nn.Transformer(D_MODEL, HEADS, 2, 2, FF, dropout=0.0,
                                              batch_first=True)
            self.generator = nn.Linear(D_MODEL, VOCAB)

        def encode(self, src):
            x = self.position(self.src_embed(src) * math.sqrt(D_MODEL))
            return self.transformer.encoder(x, src_key_padding_mask=src == PAD)

        def decode(self, tgt, memory, src_padding):
            mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
            y = self.position(self.tgt_embed(tgt) * math.sqrt(D_MODEL))
            out = self.transformer.decoder(y, memory, tgt_mask=mask,
                                           tgt_key_padding_mask=tgt == PAD,
                                           memory_key_padding_mask=src_padding)
            return self.generator(out)

        def forward(self, src, tgt):
            return self.decode(tgt, self.encode(src), src == PAD)
    return Translator()


def test_sinusoidal_positional_encoding():
    def program(torch):
        pe = positional_encoding_class(torch)(D_MODEL)
        return pe.pe, pe(torch.zeros(2, 5, D_MODEL))
    pe, _ = same(program, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pe.numpy()[0, 3, 0], math.sin(3), rtol=1e-6)


def _reverse_task(n, length, seed):
    """Copy-reverse data: tgt = BOS + reversed(src) + EOS (padded)."""
    src = token_batch(n, length, seed)
    tgt = np.full((n, length + 2), PAD)
    for i, row in enumerate(src):
        body = row[row != PAD][::-1]
        tgt[i, :len(body) + 2] = [BOS, *body, EOS]
    return src, tgt


def test_transformer_encoder_decoder_trains_the_same():
    weights = weights_from_torch(translator)
    src, tgt = _reverse_task(6, 6, seed=3)

    def program(torch, src, tgt):
        model = load(torch, translator(torch), weights)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        criterion = torch.nn.CrossEntropyLoss(ignore_index=PAD)
        src, tgt = torch.tensor(src), torch.tensor(tgt)
        losses = []
        for _ in range(5):
            logits = model(src, tgt[:, :-1])
            loss = criterion(logits.reshape(-1, VOCAB), tgt[:, 1:].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():           # greedy decoding of the first sentence
            memory = model.encode(src[:1])
            out = torch.tensor([[BOS]])
            for _ in range(tgt.size(1) - 1):
                logits = model.decode(out, memory, src[:1] == PAD)
                out = torch.cat([out, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        return losses, out, model.transformer.encoder.layers[0].self_attn.in_proj_weight
    losses, decoded, _ = same(program, src, tgt, rtol=2e-4, atol=2e-5)
    assert losses[-1] < losses[0]


# ---------------------------------------------------------------------------------------------
# beam search: keep the `beam` best partial translations by total log-probability
# ---------------------------------------------------------------------------------------------
def beam_search(torch, model, src, beam=3, max_len=7):
    """The course's beam search: at each step extend every hypothesis by every token, keep the
    top `beam` by summed log-probability; finished hypotheses (EOS) are set aside."""
    model.eval()
    with torch.no_grad():
        memory = model.encode(src)
        src_padding = src == PAD
        hypotheses = [([BOS], 0.0)]
        finished = []
        for _ in range(max_len):
            tokens = torch.tensor([h for h, _ in hypotheses])
            logits = model.decode(tokens, memory.expand(len(hypotheses), -1, -1),
                                  src_padding.expand(len(hypotheses), -1))
            log_probs = torch.log_softmax(logits[:, -1], dim=-1)
            scores = torch.tensor([s for _, s in hypotheses]).unsqueeze(1) + log_probs
            top_scores, top_index = scores.view(-1).topk(beam)
            hypotheses = []
            for score, index in zip(top_scores.tolist(), top_index.tolist()):
                parent, token = divmod(index, VOCAB)
                sequence = tokens[parent].tolist() + [token]
                if token == EOS:
                    finished.append((sequence, score))
                else:
                    hypotheses.append((sequence, score))
            if not hypotheses:
                break
        finished.extend(hypotheses)
        return sorted(finished, key=lambda h: -h[1] / len(h[0]))


def test_beam_search_same_hypotheses_and_scores():
    weights = weights_from_torch(translator, seed=4)
    src, tgt = _reverse_task(4, 5, seed=5)

    def program(torch, src, tgt):
        model = load(torch, translator(torch), weights)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        x, y = torch.tensor(src), torch.tensor(tgt)
        for _ in range(8):              # a little training, so the scores are not flat
            loss = torch.nn.functional.cross_entropy(
                model(x, y[:, :-1]).reshape(-1, VOCAB), y[:, 1:].reshape(-1),
                ignore_index=PAD)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return [beam_search(torch, model, x[i:i + 1]) for i in range(2)]
    results = same(program, src, tgt, rtol=1e-4, atol=1e-4)
    for hypotheses in results:
        assert len(hypotheses) >= 3 and all(h[0][0] == BOS for h in hypotheses)


# ---------------------------------------------------------------------------------------------
# 5.3 BERT: token + segment + position embeddings, masked-language-model pre-training
# ---------------------------------------------------------------------------------------------
MASK, CLS, SEP = 3, 1, 2


def bert(torch, max_len=16):
    nn = torch.nn

    class BERT(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding = nn.Embedding(VOCAB, D_MODEL)
            self.segment_embedding = nn.Embedding(2, D_MODEL)
            self.position_embedding = nn.Parameter(torch.randn(1, max_len, D_MODEL) * 0.02)
            layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.0,
                                               activation="gelu", batch_first=True,
                                               norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(D_MODEL))
            self.mlm = nn.Sequential(nn.Linear(D_MODEL, D_MODEL), nn.GELU(),
                                     nn.LayerNorm(D_MODEL), nn.Linear(D_MODEL, VOCAB))

        def forward(self, tokens, segments, padding):
            x = self.token_embedding(tokens) + self.segment_embedding(segments)
            x = x + self.position_embedding[:, :tokens.size(1)]
            return self.mlm(self.encoder(x, src_key_padding_mask=padding))
    return BERT()


def _mlm_batch(n=6, length=12, seed=7):
    """[CLS] sentence A [SEP] sentence B [SEP] PAD...; 15% of the word tokens are hidden
    (replaced by [MASK]) and their original ids become the labels (-100 elsewhere)."""
    rng = np.random.default_rng(seed)
    tokens = np.full((n, length), PAD)
    segments = np.zeros((n, length), np.int64)
    for i in range(n):
        a, b = rng.integers(2, 5, 2)
        words = rng.integers(4, VOCAB, a + b)
        row = [CLS, *words[:a], SEP, *words[a:], SEP]
        tokens[i, :len(row)] = row
        segments[i, a + 2:len(row)] = 1
    is_word = tokens >= 4
    hidden = is_word & (rng.random(tokens.shape) < 0.15)
    hidden[:, 1] = is_word[:, 1]                       # at least one masked token per row
    labels = np.where(hidden, tokens, -100)
    inputs = np.where(hidden, MASK, tokens)
    return inputs, segments, labels


def test_bert_masked_lm_pretraining_same_losses():
    weights = weights_from_torch(bert, seed=6)
    inputs, segments, labels = _mlm_batch()

    def program(torch, inputs, segments, labels):
        model = load(torch, bert(torch), weights)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
        x, s, y = torch.tensor(inputs), torch.tensor(segments), torch.tensor(labels)
        padding = x == PAD
        losses = []
        for _ in range(5):
            logits = model(x, s, padding)
            loss = torch.nn.functional.cross_entropy(logits.view(-1, VOCAB), y.view(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses, model.position_embedding
    losses, _ = same(program, inputs, segments, labels, rtol=2e-4, atol=2e-5)
    assert losses[-1] < losses[0]
