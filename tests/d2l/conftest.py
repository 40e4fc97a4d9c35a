import pytest

from glasstorch.d2l import display


@pytest.fixture(autouse=True)
def _no_plot_files():
    """Toolkit tests draw their figures but show and write nothing, unless a test asks."""
    display.set_plot_output("none")
    yield
    display.set_plot_output(None)
    from matplotlib import pyplot as plt
    plt.close("all")


@pytest.fixture(scope="session")
def real_d2l(tmp_path_factory):
    """The real d2l.torch (pip's d2l 1.0.3) on the real torch: the oracle of the toolkit."""
    from tests.d2l import helpers
    if not helpers.REAL_D2L:
        pytest.skip(helpers.NO_REAL_D2L)
    from tests.oracle.torchvision_import import torchvision
    torchvision()
    return helpers.import_real_d2l(str(tmp_path_factory.mktemp("stubs")))
