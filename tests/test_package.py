"""The package as installed."""
import importlib.metadata

import neuronet


def test_version_is_the_installed_distributions():
    """One version: the one written in the package is the one the installed metadata carries."""
    assert neuronet.__version__ == importlib.metadata.version("neuronet")
