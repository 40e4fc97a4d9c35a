"""The later chapters' code as the book writes it, trained by d2l.Trainer under both
libraries from the same weights on unshuffled batches: the language model of chapter 9
(with gradient clipping) and the GRU encoder-decoder of chapter 10, with greedy prediction
and BLEU. These need nn.GRU / nn.Conv2d; they are skipped until glasstorch has them."""
import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.d2l as d2l
from tests.d2l.test_toolkit import PAIRS, TEXT, close, copy_weights

pytestmark = pytest.mark.skipif(not hasattr(gt.nn, "GRU"), reason="nn.GRU not built yet")


def _unshuffled(tk, base):
    """`base` with its loaders in order (random shuffles cannot agree across libraries)."""
    class Unshuffled(base):
        def get_tensorloader(self, tensors, train, indices=slice(0, None)):
            loader = tk.DataModule.get_tensorloader(self, tensors, False, indices)
            return loader
    return Unshuffled


def test_rnn_language_model_training(real_d2l):
    results = []
    for lib, tk in ((gt, d2l), (torch, real_d2l)):
        class Local(_unshuffled(tk, tk.TimeMachine)):
            def _download(self):
                return TEXT * 4
        data = Local(batch_size=8, num_steps=6, num_train=120, num_val=40)
        rnn = tk.RNNScratch(num_inputs=len(data.vocab), num_hiddens=12)
        model = tk.RNNLMScratch(rnn, vocab_size=len(data.vocab), lr=1)
        model.board.display = False
        results.append((lib, tk, data, model))
    (_, _, _, ours), (_, _, _, theirs) = results
    copy_weights(ours, theirs)
    for lib, tk, data, model in results:
        tk.Trainer(max_epochs=2, gradient_clip_val=1).fit(model, data)
    close(ours.W_hq, theirs.W_hq, rtol=1e-4, atol=1e-5)
    close(ours.rnn.W_hh, theirs.rnn.W_hh, rtol=1e-4, atol=1e-5)
    assert list(ours.board.data) == list(theirs.board.data) == ['train_ppl', 'val_ppl']
    close([p.y for p in ours.board.data['val_ppl']], [p.y for p in theirs.board.data['val_ppl']],
          rtol=1e-4)
    vocab = results[0][2].vocab
    assert ours.predict('it has', 12, vocab) == theirs.predict('it has', 12, results[1][2].vocab)
    # the concise model on nn.GRU
    concise = d2l.RNNLM(d2l.GRU(len(vocab), 8, 1), vocab_size=len(vocab), lr=1)
    concise.board.display = False
    d2l.Trainer(max_epochs=1, gradient_clip_val=1).fit(concise, results[0][2])
    assert isinstance(concise.predict('it has', 5, vocab), str)


def _seq2seq_decoder(lib, tk):
    """The book's Seq2SeqDecoder (chapter 10.7, defined in the chapter, not the library)."""
    class Seq2SeqDecoder(tk.Decoder):
        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
            super().__init__()
            self.embedding = lib.nn.Embedding(vocab_size, embed_size)
            self.rnn = tk.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout)
            self.dense = lib.nn.LazyLinear(vocab_size)
            self.apply(tk.init_seq2seq)

        def init_state(self, enc_all_outputs, *args):
            return enc_all_outputs

        def forward(self, X, state):
            embs = self.embedding(X.t().type(lib.int32))
            enc_output, hidden_state = state
            context = enc_output[-1]
            context = context.repeat(embs.shape[0], 1, 1)
            embs_and_context = lib.cat((embs, context), -1)
            outputs, hidden_state = self.rnn(embs_and_context, hidden_state)
            outputs = self.dense(outputs).swapaxes(0, 1)
            return outputs, [enc_output, hidden_state]
    return Seq2SeqDecoder


def test_seq2seq_training_prediction_and_bleu(real_d2l):
    models, datas = [], []
    for lib, tk in ((gt, d2l), (torch, real_d2l)):
        class Local(_unshuffled(tk, tk.MTFraEng)):
            def _download(self):
                return PAIRS * 3
        data = Local(batch_size=4, num_steps=5, num_train=16, num_val=8)
        encoder = tk.Seq2SeqEncoder(len(data.src_vocab), 8, 16, 2)
        decoder = _seq2seq_decoder(lib, tk)(len(data.tgt_vocab), 8, 16, 2)
        model = tk.Seq2Seq(encoder, decoder, tgt_pad=data.tgt_vocab['<pad>'], lr=0.01)
        model.board.display = False
        batch = data.arrays
        model(batch[0][:1], batch[1][:1])      # size the lazy layer
        models.append(model)
        datas.append(data)
    ours, theirs = models
    copy_weights(ours, theirs)
    for (lib, tk), model, data in zip(((gt, d2l), (torch, real_d2l)), models, datas):
        tk.Trainer(max_epochs=3, gradient_clip_val=1).fit(model, data)
    close(ours.decoder.dense.weight, theirs.decoder.dense.weight, rtol=1e-4, atol=1e-5)
    close([p.y for p in ours.board.data['val_loss']],
          [p.y for p in theirs.board.data['val_loss']], rtol=1e-4)
    engs, fras = ['go .', 'hi .'], ['va !', 'salut !']
    results = []
    for model, data, lib in ((ours, datas[0], gt), (theirs, datas[1], torch)):
        preds, _ = model.predict_step(data.build(engs, fras), lib.device('cpu'), data.num_steps)
        results.append(preds)
        translations = []
        for en, fr, p in zip(engs, fras, preds):
            translation = []
            for token in data.tgt_vocab.to_tokens(p):
                if token == '<eos>':
                    break
                translation.append(token)
            translations.append((en, ' '.join(translation),
                                 (d2l if lib is gt else real_d2l).bleu(' '.join(translation),
                                                                       fr, k=2)))
        results.append(translations)
    close(results[0], results[2])
    assert results[1] == results[3]
