"""autograd-mini: a scalar reverse-mode automatic differentiation engine for seeing backpropagation."""

from . import datasets, losses, nn, optim
from ._collector import pauses_collector
from .compile_cache import CacheEvictionWarning, CompileCache, compile
from .compiler import BranchChangedError, CompiledFunction, TraceError, TraceWarning, trace
from .engine import Value, is_grad_enabled, no_grad, toposort, zero_grad
from .explorer import explore
from .gradcheck import (
    GradcheckError,
    GradcheckReport,
    GradgradcheckReport,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from .higher_order import derivative, gradients, hessian, hvp
from .recording import Run, record

__version__ = "0.1.0"

__all__ = [
    "GradcheckError",
    "GradcheckReport",
    "GradgradcheckReport",
    "trace",
    "CompiledFunction",
    "TraceError",
    "TraceWarning",
    "BranchChangedError",
    "compile",
    "CompileCache",
    "CacheEvictionWarning",
    "Value",
    "__version__",
    "nn",
    "losses",
    "optim",
    "datasets",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "derivative",
    "explore",
    "hessian",
    "hvp",
    "record",
    "Run",
    "is_grad_enabled",
    "no_grad",
    "numerical_grad",
    "pauses_collector",
    "toposort",
    "zero_grad",
]
