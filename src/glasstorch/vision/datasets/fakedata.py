"""FakeData: random images for trying out a pipeline without downloading anything."""
from ... import Generator, randint, randn
from .. import transforms
from .vision import VisionDataset


class FakeData(VisionDataset):
    """`size` random images (normal noise of image_size (C, H, W), as PIL images) with random
    targets in [0, num_classes). Item i is drawn from its own generator seeded i + random_offset,
    so it is the same on every call and in every worker, and the global random state is left
    alone. (The noise is glasstorch's, so the pixels differ from torchvision's FakeData.)"""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        generator = Generator().manual_seed(index + self.random_offset)
        img = randn(*self.image_size, generator=generator)
        target = randint(0, self.num_classes, size=(1,), generator=generator)[0]
        img = transforms.ToPILImage()(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self):
        return self.size
