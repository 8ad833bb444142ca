"""ADJ512's fix of a blocking HTTP call: the same request sent by httpx's async client.

    response = requests.get(url, params={"q": term}, timeout=5)

in an `async def` becomes

    async with httpx.AsyncClient(follow_redirects=True) as client:
        response = await client.get(url, params={"q": term}, timeout=5)

The statement moves into an `async with` block, so the client and its
connections are closed once the request is answered (httpx has no async
module-level functions, `await httpx.AsyncClient().get(...)` leaks the client,
and one client shared by the module is bound to the event loop it first ran
on, which under WSGI is a new one per request). The response is read in full
before `await client.get(...)` returns, so it is used after the block as
before.

A request made with `requests` is rewritten only where the project installs
httpx to run (`LintOptions.async_http_clients`) and only where each argument means the same to httpx, written as httpx
spells it: requests follows redirects (except for `head()`) and waits forever
without a `timeout`, httpx does neither, so the client is told to; the
response may only be read through what both libraries' responses have alike.
Anything else (files, streams, certificates, proxies, a session's hooks, an
argument whose value is not known, a requests exception caught nearby)
leaves the call without a fix. A sync `httpx` call keeps its arguments; the
ones the module-level function hands to its client move to `AsyncClient(...)`.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.values import Symbol
from asyncdj_lint.fixes import AddImport, Fix, NodeEdit, RemoveImport, Replace, Safety
from asyncdj_lint.rules._fixes import can_await, importable, indent_of, needs_parentheses
from asyncdj_lint.syntax.literals import bool_value
from asyncdj_lint.syntax.walk import children

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

# What code may read of a response made with requests once httpx makes it: the members both
# libraries' responses have, meaning the same. (`ok`, `iter_content()`, `iter_lines()`, `url`,
# `reason`, `close()`, `encoding`, `history`, `elapsed` or truth-testing the response differ.)
_REQUESTS_RESPONSE = frozenset({"status_code", "json", "text", "content", "headers", "raise_for_status"})
# httpx raises in `raise_for_status()` on a redirect response too, requests does not.
_REDIRECT_SENSITIVE = "raise_for_status"
# What an async client's response has as a sync client's has it: all but the sync `close()`.
_HTTPX_RESPONSE = frozenset(
    {
        *_REQUESTS_RESPONSE,
        *("charset_encoding", "cookies", "elapsed", "encoding", "extensions", "has_redirect_location"),
        *("history", "http_version", "is_client_error", "is_error", "is_informational", "is_redirect"),
        *("is_server_error", "is_success", "iter_bytes", "iter_lines", "iter_text", "links"),
        *("next_request", "num_bytes_downloaded", "read", "reason_phrase", "request", "url"),
    }
)
# Arguments of httpx's module-level functions that configure the client they make.
_HTTPX_CLIENT_ARGUMENTS = ("cookies", "proxy", "verify", "trust_env")
# httpx's client methods with no body arguments.
_BODILESS = frozenset({"get", "delete", "head", "options"})
_BODIES = frozenset({"json", "data", "content"})
_STATEMENTS = (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Assert)
_CLIENT_NAMES = ("client", "http_client", "async_client")


@dataclass(frozen=True)
class _Request:
    """The request as httpx's async client sends it: its arguments, its client's (as source)."""

    arguments: list[cst.Arg]
    client: list[str]
    follows_redirects: bool


def async_client_fix(ctx: FileContext, call: cst.Call, name: str) -> Fix | None:
    """The visited `requests.<verb>(...)` / `httpx.<verb>(...)` call sent by `httpx.AsyncClient`,
    or None where that cannot be shown to send the same request and read the response alike."""
    library, _, verb = name.partition(".")
    if library == "requests" and "httpx" not in ctx.options.async_http_clients:
        return None
    function = ctx.scope.function_node
    if not (can_await(ctx) and isinstance(function, cst.FunctionDef) and importable(ctx, "httpx")):
        return None
    found = _statement(ctx)
    if found is None:
        return None
    statement, indent = found
    request = _from_requests(call, verb) if library == "requests" else _from_httpx(call, verb)
    if request is None or _other_requests(ctx, statement, call):
        return None
    allowed = _REQUESTS_RESPONSE if library == "requests" else _HTTPX_RESPONSE
    if not request.follows_redirects and library == "requests":
        allowed = allowed - {_REDIRECT_SENSITIVE}
    if not _response_read_through(ctx, call, statement, function, allowed):
        return None
    if library == "requests" and _names_requests(ctx, function, call):
        return None
    names = _names_in(function)
    if "httpx" in names and not _module_level(ctx, "httpx"):
        return None  # `httpx` names something else in the function
    client = next((c for c in _CLIENT_NAMES if c not in names), None)
    if client is None:
        return None
    text = _rewritten(ctx, statement, call, request, client, verb, indent)
    if text is None:
        return None
    edits: list[NodeEdit] = [Replace(statement, text), AddImport("httpx")]
    if isinstance(call.func, cst.Name):
        edits.append(RemoveImport(library, call.func.value))
    elif library == "requests":
        edits.append(RemoveImport("requests"))
    return Fix("Send the request with `httpx.AsyncClient`", Safety.UNSAFE, tuple(edits))


def _statement(ctx: FileContext) -> tuple[cst.BaseSmallStatement, str] | None:
    """The statement the visited call is in, alone on its line in an indented block, with the
    indentation of that block; None for anything else."""
    ancestors = ctx.ancestors
    index = next(
        (i for i in range(len(ancestors) - 1, -1, -1) if isinstance(ancestors[i], _STATEMENTS)), None
    )
    if index is None or index < 2:
        return None
    statement, line, block = ancestors[index], ancestors[index - 1], ancestors[index - 2]
    if not (
        isinstance(statement, _STATEMENTS)
        and isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
        and isinstance(block, cst.IndentedBlock)
        and not isinstance(statement.semicolon, cst.Semicolon)
    ):
        return None
    if isinstance(statement, cst.AnnAssign) and statement.value is None:
        return None
    indent = indent_of(ctx, ancestors[: index - 1])
    return statement, indent


# -- the arguments ---------------------------------------------------------------


def _from_requests(call: cst.Call, verb: str) -> _Request | None:
    """requests' arguments as httpx's, where each means the same; None otherwise."""
    positional = _positional(call, verb)
    if positional is None:
        return None
    arguments = list(call.args[:positional])
    # requests follows redirects unless told otherwise, except in `requests.head()`.
    follows: bool | None = verb != "head"
    redirects_given = timeout_given = False
    verify = True
    for arg in call.args[positional:]:
        assert arg.keyword is not None
        key, value = arg.keyword.value, arg.value
        if key == "allow_redirects":
            arguments.append(arg.with_changes(keyword=cst.Name("follow_redirects")))
            follows, redirects_given = bool_value(value), True
        elif key == "timeout" and (_is_none(value) or _number(value)):
            arguments.append(arg)
            timeout_given = True
        elif (keyword := _httpx_keyword(key, value)) is not None:
            arguments.append(arg if keyword == key else arg.with_changes(keyword=cst.Name(keyword)))
        elif key == "verify" and bool_value(value) is not None:
            verify = bool(bool_value(value))
        else:
            return None
    bodies = {arg.keyword.value for arg in arguments if arg.keyword is not None} & _BODIES
    if bodies and verb in _BODILESS:
        return None  # httpx's `client.get()` & co. take no body: requests sends one
    client = [] if redirects_given or not follows else ["follow_redirects=True"]
    client += [] if timeout_given else ["timeout=None"]
    client += [] if verify else ["verify=False"]
    return _Request(_last_comma_kept(call, arguments), client, follows is True)


def _from_httpx(call: cst.Call, verb: str) -> _Request | None:
    """httpx's module-level function's arguments split between its client and the request."""
    positional = _positional(call, verb)
    if positional is None:
        return None
    arguments = list(call.args[:positional])
    client: list[str] = []
    for arg in call.args[positional:]:
        assert arg.keyword is not None
        if arg.keyword.value not in _HTTPX_CLIENT_ARGUMENTS:
            arguments.append(arg)
        elif isinstance(arg.value, (cst.Name, cst.Attribute, cst.Integer, cst.Float, cst.SimpleString)):
            # Evaluated before the request's arguments now: only values without side effects.
            client.append(f"{arg.keyword.value}={cst.Module([]).code_for_node(arg.value)}")
        else:
            return None
    return _Request(_last_comma_kept(call, arguments), client, follows_redirects=True)


def _httpx_keyword(key: str, value: cst.BaseExpression) -> str | None:
    """The keyword httpx takes requests' `key=value` by, where it means the same; else None."""
    if key == "json" or (key in ("params", "headers", "data") and _is_none(value)):
        return key
    if key in ("params", "data", "headers") and _text_dict(value, numbers=key != "headers"):
        return key
    if key == "data" and _raw_body(value):
        return "content"
    if key == "auth" and _pair(value):
        return key
    return None


def _positional(call: cst.Call, verb: str) -> int | None:
    """How many positional arguments the call passes (the method and the URL, or the URL),
    all before its keywords; None for any other shape (unpacking, a positional `params`...)."""
    positional = 2 if verb == "request" else 1
    args = call.args
    if any(arg.star for arg in args) or len(args) < positional:
        return None
    if any(arg.keyword is not None for arg in args[:positional]):
        return None
    if any(arg.keyword is None for arg in args[positional:]):
        return None
    return positional


def _last_comma_kept(call: cst.Call, arguments: list[cst.Arg]) -> list[cst.Arg]:
    """The arguments, the last one ending as the call's last did (with or without a comma)."""
    if arguments and arguments[-1] is not call.args[-1]:
        arguments[-1] = arguments[-1].with_changes(comma=call.args[-1].comma)
    return arguments


def _number(value: cst.BaseExpression) -> bool:
    """A number written with literals (`5`, `2.5`, `60 * 20`): seconds to both libraries."""
    if isinstance(value, (cst.Integer, cst.Float)):
        return True
    return isinstance(value, cst.BinaryOperation) and _number(value.left) and _number(value.right)


def _is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _is_text(value: cst.BaseExpression) -> bool:
    """A str literal, f-string or concatenation of them: the same text to both libraries."""
    if isinstance(value, cst.SimpleString):
        return "b" not in value.prefix.lower()
    if isinstance(value, cst.FormattedString):
        return True
    if isinstance(value, cst.ConcatenatedString):
        return _is_text(value.left) and _is_text(value.right)
    return False


def _text_dict(value: cst.BaseExpression, *, numbers: bool) -> bool:
    """A dict display of text keys and text (or int) values. requests drops a `None` value from
    a query or form and writes `True` where httpx writes `true`: values must be shown to be text."""
    if not isinstance(value, cst.Dict):
        return False
    for element in value.elements:
        if not isinstance(element, cst.DictElement) or not _is_text(element.key):
            return False
        if not (_is_text(element.value) or (numbers and isinstance(element.value, cst.Integer))):
            return False
    return True


def _raw_body(value: cst.BaseExpression) -> bool:
    """Bytes (a bytes literal, or text `.encode()`d) or ASCII text: a body requests sends as it is,
    which httpx takes as `content=`. (requests sends other text as Latin-1, httpx as UTF-8.)"""
    if isinstance(value, cst.SimpleString):
        if "b" in value.prefix.lower():
            return True
        return value.evaluated_value.isascii() if isinstance(value.evaluated_value, str) else False
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "encode"
        and _is_text(value.func.value)
    )


def _pair(value: cst.BaseExpression) -> bool:
    """`(user, password)`: basic authentication to both libraries."""
    return (
        isinstance(value, cst.Tuple)
        and len(value.elements) == 2
        and all(isinstance(element, cst.Element) for element in value.elements)
    )


# -- what the code around the call does ---------------------------------------------


def _other_requests(ctx: FileContext, statement: cst.CSTNode, call: cst.Call) -> bool:
    """Whether the statement makes another blocking HTTP call: one client per statement."""
    return any(
        isinstance(node, cst.Call) and node is not call and _is_http_call(ctx, node)
        for node in _descendants(statement)
    )


def _is_http_call(ctx: FileContext, call: cst.Call) -> bool:
    return callee_name(ctx, call) in _HTTP_CALLS


_HTTP_CALLS = frozenset(f"{library}.{verb}" for library in ("requests", "httpx") for verb in VERBS)


def _response_read_through(
    ctx: FileContext,
    call: cst.Call,
    statement: cst.BaseSmallStatement,
    function: cst.FunctionDef,
    allowed: frozenset[str],
) -> bool:
    """Whether the response is dropped, or only read through the `allowed` members: directly
    (`requests.get(url).json()`) or through the one name the statement binds it to."""
    parent = ctx.parent()
    if isinstance(parent, cst.Expr):
        return True
    if isinstance(parent, cst.Attribute) and parent.value is call:
        return parent.attr.value in allowed
    target: cst.BaseExpression | None = None
    if isinstance(parent, cst.Assign) and parent is statement and len(parent.targets) == 1:
        target = parent.targets[0].target
    elif isinstance(parent, cst.AnnAssign) and parent is statement:
        target = parent.target
    if not isinstance(target, cst.Name):
        return False
    for name, owner in _names_with_parents(function):
        if name.value != target.value or name is target or _not_a_read(name, owner):
            continue
        if not (isinstance(owner, cst.Attribute) and owner.value is name and owner.attr.value in allowed):
            return False
    return True


def _names_requests(ctx: FileContext, function: cst.FunctionDef, call: cst.Call) -> bool:
    """Whether the function names requests besides the call (`except requests.Timeout:`): what
    it catches or builds of requests is not what httpx raises or takes."""
    calls = [
        node for node in _descendants(function) if isinstance(node, cst.Call) and _is_http_call(ctx, node)
    ]
    own = {id(node) for other in (call, *calls) for node in (other.func, *_descendants(other.func))}
    for name, owner in _names_with_parents(function):
        if id(name) in own or _not_a_read(name, owner):
            continue
        value = ctx.infer(name)
        if isinstance(value, Symbol) and (value.qualname + ".").startswith("requests."):
            return True
    return False


def _names_in(function: cst.FunctionDef) -> set[str]:
    """Every name the function reads, binds or declares (attribute names aside)."""
    return {
        name.value for name, owner in _names_with_parents(function) if not _is_attribute_name(name, owner)
    }


def _module_level(ctx: FileContext, name: str) -> bool:
    """Whether `name` in the visited function is the module's binding of it."""
    found = ctx.scope.lookup(name)
    return found is not None and found[0].parent is None


def _not_a_read(name: cst.Name, owner: cst.CSTNode) -> bool:
    return _is_attribute_name(name, owner) or (isinstance(owner, cst.Arg) and owner.keyword is name)


def _is_attribute_name(name: cst.Name, owner: cst.CSTNode) -> bool:
    return isinstance(owner, cst.Attribute) and owner.attr is name


def _names_with_parents(node: cst.CSTNode) -> Iterator[tuple[cst.Name, cst.CSTNode]]:
    """Every name under `node`, with the node holding it."""
    stack = [node]
    while stack:
        parent = stack.pop()
        for child in children(parent):
            if isinstance(child, cst.Name):
                yield child, parent
            stack.append(child)


def _descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = list(children(node))
    while stack:
        child = stack.pop()
        yield child
        stack.extend(children(child))


# -- the rewritten statement ---------------------------------------------------------


def _rewritten(
    ctx: FileContext,
    statement: cst.BaseSmallStatement,
    call: cst.Call,
    request: _Request,
    client: str,
    verb: str,
    indent: str,
) -> str | None:
    """`async with httpx.AsyncClient(...) as client:` and the statement in its block, awaiting
    the client's call; None where its lines cannot be indented without changing a string."""
    if any(isinstance(node, cst.Yield) for node in _descendants(statement)):
        return None  # the client would be held open while the generator is suspended
    sent = call.with_changes(
        func=cst.Attribute(cst.Name(client), cst.Name(verb)), args=request.arguments, lpar=(), rpar=()
    )
    # The call's own parentheses hold the `await` (`(await client.get(url)).json()`).
    awaited = cst.Await(sent, lpar=call.lpar, rpar=call.rpar)
    if needs_parentheses(call, ctx.parent()):
        awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    awaiting = statement.deep_replace(call, awaited)
    if not isinstance(awaiting, cst.BaseSmallStatement):
        return None
    opened = cst.parse_expression(f"httpx.AsyncClient({', '.join(request.client)})")
    block = cst.With(
        items=[cst.WithItem(opened, asname=cst.AsName(cst.Name(client)))],
        body=cst.IndentedBlock([cst.SimpleStatementLine([awaiting])]),
        asynchronous=cst.Asynchronous(),
    )
    # Rendered at the top level, then indented as deep as the statement it replaces.
    return _indented(ctx.module.code_for_node(block).removesuffix("\n"), indent)


def _indented(code: str, indent: str) -> str | None:
    """The code's lines after its first indented by `indent`, except the lines that start inside
    a string; None where the code does not tokenize or continues a line with a backslash."""
    in_string: set[int] = set()
    opened: list[int] = []
    starts = {tokenize.STRING, *_token_types("FSTRING_START", "TSTRING_START")}
    ends = set(_token_types("FSTRING_END", "TSTRING_END"))
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type in starts and token.type != tokenize.STRING:
                opened.append(token.start[0])
            elif token.type in ends or token.type == tokenize.STRING:
                first = opened.pop() if token.type in ends else token.start[0]
                in_string.update(range(first + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndexError):
        return None
    lines = code.split("\n")
    if any(line.endswith("\\") for number, line in enumerate(lines, start=1) if number not in in_string):
        return None  # LibCST keeps a backslash-continued line's indentation as it was written
    return "\n".join(
        line if number == 1 or number in in_string or not line.strip() else indent + line
        for number, line in enumerate(lines, start=1)
    )


def _token_types(*names: str) -> Iterator[int]:
    """Token types this Python's tokenizer has (f-strings are tokenized from 3.12, t-strings from 3.14)."""
    for name in names:
        value = getattr(tokenize, name, None)
        if isinstance(value, int):
            yield value
