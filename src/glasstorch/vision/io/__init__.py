"""glasstorch.vision.io: read, decode and encode image files (torchvision.io's image API),
through Pillow. Images are uint8 tensors (C, H, W); encoded files are 1-d uint8 tensors of
bytes. (Video reading is not provided.)"""
from .image import (ImageReadMode, decode_image, decode_jpeg, decode_png, encode_jpeg,
                    encode_png, read_file, read_image, write_file, write_jpeg, write_png)

__all__ = ["ImageReadMode", "decode_image", "decode_jpeg", "decode_png", "encode_jpeg",
           "encode_png", "read_file", "read_image", "write_file", "write_jpeg", "write_png"]
