"""d2l.Trainer: fits a d2l.Module to a d2l.DataModule, one epoch at a time, with a tqdm
progress bar over the epochs."""
import glasstorch

from . import display
from .devices import gpu, num_gpus
from .hyperparameters import HyperParameters


class Trainer(HyperParameters):
    """Trains `model` on `data` for max_epochs: each epoch runs training_step on every
    training batch (zero_grad, backward, optional gradient clipping, step), then
    validation_step on every validation batch."""

    def __init__(self, max_epochs, num_gpus=0, gradient_clip_val=0):
        self.save_hyperparameters()
        self.gpus = [gpu(i) for i in range(min(num_gpus, _available_gpus()))]

    def prepare_data(self, data):
        self.train_dataloader = data.train_dataloader()
        self.val_dataloader = data.val_dataloader()
        self.num_train_batches = len(self.train_dataloader)
        self.num_val_batches = (len(self.val_dataloader)
                                if self.val_dataloader is not None else 0)

    def prepare_model(self, model):
        model.trainer = self
        model.board.xlim = [0, self.max_epochs]
        if self.gpus:
            model.to(self.gpus[0])
        self.model = model

    def prepare_batch(self, batch):
        if self.gpus:
            batch = [a.to(self.gpus[0]) for a in batch]
        return batch

    def fit(self, model, data):
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        bar = _epoch_bar(self.max_epochs)
        for self.epoch in range(self.max_epochs):
            self.fit_epoch()
            if bar is not None:
                bar.set_postfix(_latest_points(model), refresh=False)
                bar.update(1)
        if bar is not None:
            bar.close()
        if getattr(model.board, "fig", None) is not None:
            display.flush(model.board.fig)      # the final curves, if an update was held back

    def fit_epoch(self):
        """One pass over the training batches, then over the validation batches. Only the
        parameter update and validation run without autograd recording; backward runs in
        the ordinary mode."""
        self.model.train()
        for batch in self.train_dataloader:
            loss = self.model.training_step(self.prepare_batch(batch))
            self.optim.zero_grad()
            loss.backward()
            with glasstorch.no_grad():
                if self.gradient_clip_val > 0:
                    self.clip_gradients(self.gradient_clip_val, self.model)
                self.optim.step()
            self.train_batch_idx += 1
        if self.val_dataloader is None:
            return
        self.model.eval()
        for batch in self.val_dataloader:
            with glasstorch.no_grad():
                self.model.validation_step(self.prepare_batch(batch))
            self.val_batch_idx += 1

    def clip_gradients(self, grad_clip_val, model):
        """Scale all gradients by grad_clip_val / norm when their joint L2 norm exceeds
        grad_clip_val (parameters without a gradient are left out)."""
        params = [p for p in model.parameters() if p.requires_grad and p.grad is not None]
        norm = glasstorch.sqrt(sum(glasstorch.sum(p.grad ** 2) for p in params))
        if norm > grad_clip_val:
            for param in params:
                param.grad[:] *= grad_clip_val / norm


def _available_gpus():
    return num_gpus()


def _epoch_bar(total):
    """A tqdm bar over the epochs (tqdm.auto: a widget in Jupyter), or None without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="epochs", unit="epoch", leave=True)


def _latest_points(model):
    """{curve label: its latest plotted value} of the model's board, for the bar's postfix."""
    data = getattr(getattr(model, "board", None), "data", None) or {}
    return {label: f"{float(points[-1].y):.4g}" for label, points in data.items() if points}
