"""The embedding projector's files, as PyTorch's add_embedding writes them: for each call a
folder `<log_dir>/<step, 5 digits>/<tag>/` with tensors.tsv (one row per point), metadata.tsv
and sprite.png (the label images tiled in a square), all listed in
`<log_dir>/projector_config.pbtxt`."""
import math
import os

from google.protobuf import text_format
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo, ProjectorConfig

from ..._backend import xp
from .summary import make_grid, to_array

__all__ = ["ProjectorConfig", "add"]


def add(config, log_dir, mat, metadata, label_img, global_step, tag, metadata_header):
    """Write one embedding's files and add it to `config`, then rewrite the config file."""
    subdir = f"{str(global_step).zfill(5)}/{_encode(tag)}"
    folder = os.path.join(log_dir, subdir)
    if os.path.isdir(folder):
        print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
    elif os.path.exists(folder):
        raise NotADirectoryError(f"Path: `{folder}` exists, but is a file. Cannot proceed.")
    else:
        os.makedirs(folder)
    if metadata is not None:
        if mat.shape[0] != len(metadata):
            raise AssertionError("#labels should equal with #data points")
        _write_metadata(folder, metadata, metadata_header)
    if label_img is not None:
        if mat.shape[0] != label_img.shape[0]:
            raise AssertionError("#images should equal with #data points")
        _write_sprite(folder, to_array(label_img))
    if mat.ndim != 2:
        raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
    with open(os.path.join(folder, "tensors.tsv"), "w") as file:
        for row in mat.tolist():
            file.write("\t".join(str(value) for value in row) + "\n")

    info = EmbeddingInfo(tensor_name=f"{tag}:{str(global_step).zfill(5)}",
                         tensor_path=subdir + "/tensors.tsv")
    if metadata is not None:
        info.metadata_path = subdir + "/metadata.tsv"
    if label_img is not None:
        info.sprite.image_path = subdir + "/sprite.png"
        info.sprite.single_image_dim.extend([label_img.shape[3], label_img.shape[2]])
    config.embeddings.extend([info])
    with open(os.path.join(log_dir, "projector_config.pbtxt"), "w") as file:
        file.write(text_format.MessageToString(config))


def _encode(tag):
    """The tag as one folder name: '%', '/' and '\\' percent-encoded."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _write_metadata(folder, metadata, header):
    if header:
        if len(header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in "
                                 "metadata")
        lines = ["\t".join(str(cell) for cell in row) for row in [header] + list(metadata)]
    else:
        lines = [str(label) for label in metadata]
    with open(os.path.join(folder, "metadata.tsv"), "wb") as file:
        file.write(("\n".join(lines) + "\n").encode("utf-8"))


def _write_sprite(folder, images):
    """Tile the (N, C, H, W) images ceil(sqrt(N)) per row on a square black canvas (values in
    0..1) and save it as a PNG."""
    from PIL import Image
    grid = make_grid(images, ncols=math.ceil(images.shape[0] ** 0.5))   # (3, H', W')
    side = grid.shape[2]
    square = xp.zeros((side, side, 3))
    square[:grid.shape[1]] = grid.transpose(1, 2, 0)
    Image.fromarray((square * 255).clip(0, 255).astype(xp.uint8)).save(
        os.path.join(folder, "sprite.png"), format="PNG")
