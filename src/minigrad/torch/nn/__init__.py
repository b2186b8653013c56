"""``torch.nn`` as far as the makemore lectures use it: ``torch.nn.functional``. (The lectures
write their own layers; MiniGrad's are in ``minigrad.tensor_nn``.)"""

from __future__ import annotations

from typing import Any

from minigrad.torch.nn import functional

__all__ = ["functional"]


def __getattr__(name: str) -> Any:
    from minigrad.torch import NotCoveredError

    raise NotCoveredError(
        f"minigrad.torch does not cover torch.nn.{name}: it covers torch.nn.functional's "
        "functions that the makemore lectures use; MiniGrad's own layers are in "
        "minigrad.tensor_nn (Linear, Sequential, MLP...)"
    )
