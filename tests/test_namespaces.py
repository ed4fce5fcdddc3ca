"""``dlcore.viz`` and ``dlcore.widgets`` gather their modules with star imports; a name defined
in two modules would silently shadow the other. Each public name must come from one module."""

import importlib
import pkgutil
from collections import defaultdict

import pytest


@pytest.mark.parametrize("package", ["dlcore.viz", "dlcore.widgets"])
def test_no_public_name_is_defined_in_two_modules(package):
    pkg = importlib.import_module(package)
    owners = defaultdict(list)
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
        for name in module.__all__:
            owners[name].append(info.name)
            assert getattr(pkg, name) is getattr(module, name), (package, name)
    clashes = {name: mods for name, mods in owners.items() if len(mods) > 1}
    assert not clashes, clashes
