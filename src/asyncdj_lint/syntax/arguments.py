"""Which parameter of a `def` each argument of a call to it lands on, as Python binds them."""

from __future__ import annotations

import libcst as cst


def bound_parameters(
    function: cst.FunctionDef, call: cst.Call, *, skips_first: bool = False
) -> list[tuple[cst.Param, cst.Arg]]:
    """(parameter, argument) for each argument of `call` that lands on a named parameter of
    `function`, in the call's order, up to the first `*args` or `**kwargs` (where the ones past
    it land is unknown). An argument that lands on none is left out: one too many, one for
    `*args` or `**kwargs`, an unknown keyword or a positional-only parameter's name as one.
    `skips_first`: the first parameter is bound by the receiver (`self`, `cls`)."""
    params = function.params
    positional = [*params.posonly_params, *params.params]
    receiver = positional[:1] if skips_first else []
    positional = positional[len(receiver) :]
    by_name = {
        param.name.value: param for param in [*params.params, *params.kwonly_params] if param not in receiver
    }
    pairs: list[tuple[cst.Param, cst.Arg]] = []
    for position, arg in enumerate(call.args):
        if arg.star:
            break
        if arg.keyword is not None:
            param = by_name.get(arg.keyword.value)
        else:
            param = positional[position] if position < len(positional) else None
        if param is not None:
            pairs.append((param, arg))
    return pairs
