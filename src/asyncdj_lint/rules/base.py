"""What every rule is made of: a code, a severity, a message, and examples.

A rule's examples are the single source for three things: its unit tests
(the invalid example must be reported, the valid one must stay silent), its
runtime tests (each example is served as a view by real Django and must do
what `Outcome` says), and its documentation page in `rules/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from asyncdj_lint.diagnostics import Severity
from asyncdj_lint.fixes import Fix, FixAvailability

if TYPE_CHECKING:
    import libcst as cst

    from asyncdj_lint.analysis.context import FileContext


# Severity is defined beside the diagnostic; rules take it from here, with the rest of their API.
__all__ = [
    "RAISES_SYNC_ONLY",
    "RESPONDS_OK",
    "SYNC_ONLY_MESSAGE",
    "Example",
    "Expected",
    "Outcome",
    "Rule",
    "Severity",
]

SYNC_ONLY_MESSAGE = "You cannot call this from an async context - use a thread or sync_to_async."


@dataclass(frozen=True)
class Outcome:
    """What real Django does when an example is served as a view.

    `exception` is the dotted name of the exception class the request raises,
    `message` a substring of its text; `warning` likewise for a warning that
    must be emitted. With neither, the view must answer 200 (and, with
    `runs_on_loop`, have made that call on the loop's thread).
    """

    exception: str | None = None
    message: str = ""
    warning: str | None = None
    warning_message: str = ""
    # A message Django logs on `django.request` with DEBUG on (settings examples).
    log: str = ""
    # Dotted path of a blocking callable (`time.sleep`) that the example's own
    # code calls on the event loop's thread: Django raises nothing, the loop stalls.
    runs_on_loop: str | None = None
    # A Channels consumer example (served one websocket message, to which it must reply):
    # whether the database connection of the thread its sync work ran in is still open
    # afterwards. None for every other example.
    connection_left_open: bool | None = None


RESPONDS_OK = Outcome()
RAISES_SYNC_ONLY = Outcome(
    exception="django.core.exceptions.SynchronousOnlyOperation",
    message=SYNC_ONLY_MESSAGE,
)


@dataclass(frozen=True)
class Expected:
    """One finding of the rule that an invalid example must produce, exactly.

    `span` is `line:column-end_line:end_column` as the output prints it
    (lines and columns from 1), as Fixit's `Invalid(range=..., expected_message=...)`.
    """

    span: str
    message: str


@dataclass(frozen=True)
class Example:
    """A small program that imports the example app (`shop.models`).

    The last top-level function or class it defines is what Django serves;
    a `pk` parameter receives the primary key of the first seeded row.
    `outcome=None` marks an example that cannot be served as a view
    (documentation and lint tests only).
    """

    code: str
    outcome: Outcome | None = RESPONDS_OK
    # Other files of the example project, as (file name, source): the middleware
    # or views a settings example names. The docs show them after the code.
    files: tuple[tuple[str, str], ...] = ()
    # The code is the project's settings module: Django is served with its
    # MIDDLEWARE and DATABASES, and a `urls.py` among `files` as the URLconf.
    is_settings: bool = False
    # An invalid example's findings of its rule, in order, and the code once
    # every fix they offer is applied (None when they offer none).
    expected: tuple[Expected, ...] = ()
    fixed: str | None = None

    @property
    def django_requirement(self) -> str:
        """The Django requirement a `requirements.txt` among the example's files declares
        (`Django>=4.2,<5.0`), or "": the runtime tests serve the example only under a Django
        it admits, and the linter reads it as the project's declaration (ADJ515)."""
        for line in dict(self.files).get("requirements.txt", "").splitlines():
            if line.strip().lower().startswith("django"):
                return line.strip()
        return ""


class Rule:
    """Base class of every rule; subclasses live one per module in `rules/`.

    A rule declares `visit_<NodeType>(self, node, ctx)` methods; the engine
    walks each file once and calls every enabled rule's method for the node
    types it declares. Rules only read `ctx` (inference, scopes, the project
    index) and report through `ctx.report`.
    """

    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, e.g. "blocking-orm-call"
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line, for `rule --all` and the index page
    why: ClassVar[str]  # "Why is this bad?" in the docs
    # What the rule reads beyond the file (settings, templates, deployment) and what it
    # does when it cannot know: "What it needs to know" in the docs, when set.
    needs: ClassVar[str] = ""
    # Whether the rule's errors claim SynchronousOnlyOperation for sync ORM use on the loop:
    # Django runs the query instead when `DJANGO_ALLOW_ASYNC_UNSAFE` is set, which test
    # suites do on purpose (a conftest.py, pytest-env, the test settings); the rule is
    # silent in the test files that run with it.
    sync_only_query: ClassVar[bool] = False
    django_versions: ClassVar[str] = "4.2 to 6.1"
    # The asyncdj-lint release the rule first shipped in; its code never changes meaning after.
    stable_since: ClassVar[str]
    # Whether the findings come with a fix, and "Fix safety" in the docs: what it does,
    # and why it is safe (keeps behaviour) or unsafe (changes where code runs or what it loads).
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    fix_safety: ClassVar[str] = "This rule offers no fix."
    # The rule can only fire in a file whose source holds one of these byte
    # strings; a file that holds none of any enabled rule's is never walked.
    requires_text: ClassVar[tuple[bytes, ...]] = (b"async",)
    # And, when given, one of these too: `(b"async",)` for a rule that reports only inside
    # `async def` code (code on the event loop), whatever `requires_text` says.
    also_requires_text: ClassVar[tuple[bytes, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]]
    valid: ClassVar[tuple[Example, ...]]

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    def report(self, node: cst.CSTNode, message: str, fix: Fix | None = None) -> None:
        """Reports a finding at `node`; `fix`, built from the nodes at hand, proposes its repair."""
        self.ctx.report(self.code, self.severity, node, message, fix)
