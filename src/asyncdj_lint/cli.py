"""The `asyncdj-lint` command: parses options, prints findings, sets the exit code.

Exit codes follow ruff: 0 no findings, 1 findings, 2 a usage or internal error.
"""

from __future__ import annotations

import atexit
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import click

from asyncdj_lint import __version__, baseline, parse_guard
from asyncdj_lint.baseline import SourceLines
from asyncdj_lint.config import (
    ConfigError,
    Overrides,
    Settings,
    check_codes,
    describe,
    find_config_file,
    load_settings,
    to_options,
    unknown_django,
    with_overrides,
)
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.facts.django_version import git_only_root, parse_version, project_root
from asyncdj_lint.fixer import FixPolicy, FixRun, fix_paths
from asyncdj_lint.formats import FORMATS, Rendering
from asyncdj_lint.report import Progress, closing_line, fixed_summary, statistics
from asyncdj_lint.terminal import is_terminal, render_rule, render_rule_list, wants_colour

if TYPE_CHECKING:
    from asyncdj_lint.api import LintResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

_CHECK_HELP = """Check Python files for code that breaks under Django's async support.

\b
Commands:
  asyncdj-lint check [OPTIONS] [PATHS]    check files (the default: `check` may be left out)
  asyncdj-lint rule CODE | --all          explain a rule, or list them all
  asyncdj-lint server                     run the language server on stdio (pip install 'asyncdj-lint[lsp]')

\b
Examples:
  asyncdj-lint                            check the current folder
  asyncdj-lint shop/ accounts/views.py    check some folders and files
  asyncdj-lint --select ADJ1 .            only the ORM rules
  asyncdj-lint --output-format json .     machine-readable output
  asyncdj-lint -o report.txt .            write the findings to a file
  asyncdj-lint --show-files .             list the files a run would check
  asyncdj-lint --write-baseline b.json .  record today's findings
  asyncdj-lint --baseline b.json .        report only findings not recorded
  asyncdj-lint --stdin-filename v.py -    check an editor's unsaved buffer
  asyncdj-lint --fix .                    apply the safe fixes (--unsafe-fixes: all)
  asyncdj-lint --diff --unsafe-fixes .    print every fix as a diff; write nothing
  asyncdj-lint rule ADJ101                explain a rule

\b
Exit codes:
  0  no findings (--fix: none left; --diff: no changes)
  1  findings (--fix: some left; --diff: changes to make; --exit-non-zero-on-fix: something fixed)
  2  a usage error, a bad configuration, or an internal error (with the file named)
"""


class BadConfiguration(click.ClickException):
    """A configuration key or flag with a value that cannot be used: exit 2, no traceback."""

    exit_code = EXIT_ERROR


class _CheckByDefault(click.Group):
    """`asyncdj-lint PATHS` means `asyncdj-lint check PATHS`, as `ruff` once did."""

    def invoke(self, ctx: click.Context) -> object:
        """Any error the tool did not foresee: a message and exit 2, never a traceback and exit 1."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence
            click.echo(
                f"asyncdj-lint: internal error (please report it): {parse_guard.describe(error)}", err=True
            )
            sys.exit(EXIT_ERROR)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] != "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--exclude a,b --exclude c` -> ("a", "b", "c")."""
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def _codes(values: tuple[str, ...], flag: str) -> tuple[str, ...]:
    """`--select ADJ1,adj2 --select ADJ5` -> ("ADJ1", "ADJ2", "ADJ5"), each a known code or prefix."""
    codes = tuple(code.upper() for code in _split(values))
    check_codes(flag, codes)
    return codes


def _django_version(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    version = parse_version(value)
    if version is None:
        raise click.BadParameter(f"expected a version such as 5.2, got {value!r}")
    if problem := unknown_django(version):
        raise click.BadParameter(problem)
    return version


@click.group(cls=_CheckByDefault, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="asyncdj-lint")
def main() -> None:
    """Finds code that breaks under Django's async views, middleware and ORM."""


def run() -> None:
    """The `asyncdj-lint` command: `main`, then an exit that does not tear the interpreter down.

    Python's own exit frees every object one by one, up to a second after a large project's
    run for nothing; handlers registered to run at exit still run.
    """
    try:
        main()
        code: object = 0
    except SystemExit as exit:
        code = exit.code
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what could be written was
            pass
    os._exit(code)


@main.command(help=_CHECK_HELP)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Read [tool.asyncdj-lint] from this pyproject.toml instead of the nearest one.",
)
@click.option(
    "--select", multiple=True, metavar="CODES", help="Only these codes or prefixes (comma-separated)."
)
@click.option("--ignore", multiple=True, metavar="CODES", help="Also skip these codes or prefixes.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Also run these codes or prefixes.")
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOBS",
    help="Leave out these files and folders (replaces the default list).",
)
@click.option(
    "--extend-exclude", multiple=True, metavar="GLOBS", help="Also leave out these files and folders."
)
@click.option(
    "--force-exclude",
    is_flag=True,
    default=None,
    help="Apply the exclusions to files named on the command line too.",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Leave out files git ignores (.gitignore, .git/info/exclude, core.excludesFile) when searching "
    "folders  [default: respect them]",
)
@click.option(
    "--target-django",
    metavar="X.Y",
    callback=_django_version,
    help="The Django version the advice is for (default: read from the project's requirements).",
)
@click.option(
    "--settings",
    "settings_module",
    metavar="MODULE",
    help="The Django settings module to read (default: found from manage.py, asgi.py, wsgi.py or its name).",
)
@click.option(
    "--output-format",
    type=click.Choice(sorted(FORMATS)),
    help="How findings are printed  [default: full on a terminal, else concise]",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the findings to this file instead of standard output.",
)
@click.option(
    "--statistics", is_flag=True, help="Print how many findings each rule has, instead of the findings."
)
@click.option("-q", "--quiet", is_flag=True, help="Print the findings and nothing else.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--stdin-filename",
    type=click.Path(path_type=Path),
    help="Read the source from stdin; report it as this file.",
)
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Also offer and apply the fixes that change where code runs or what it loads.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the fixes as a unified diff and write nothing; exit 1 when there are any.",
)
@click.option("--fix-only", is_flag=True, help="Apply the fixes and report no findings (implies --fix).")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied, per file and code.")
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="Exit 1 when a fix was applied, even if no findings remain.",
)
@click.option("--fixable", multiple=True, metavar="CODES", help="Only these codes or prefixes may be fixed.")
@click.option("--unfixable", multiple=True, metavar="CODES", help="These codes or prefixes are never fixed.")
@click.option(
    "--add-noqa", is_flag=True, help="Write `# noqa: CODE` comments on the lines that have findings."
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record the current findings in this file.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Report only findings not in this baseline.",
)
@click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the summary cache in .asyncdj-lint-cache/."
)
@click.option("--show-settings", is_flag=True, help="Print the resolved configuration and exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be checked and exit.")
def check(
    paths: tuple[Path, ...],
    config_file: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool | None,
    respect_gitignore: bool | None,
    target_django: tuple[int, int] | None,
    settings_module: str | None,
    output_format: str | None,
    output_file: Path | None,
    statistics: bool,
    quiet: bool,
    exit_zero: bool,
    stdin_filename: Path | None,
    add_noqa: bool,
    write_baseline: Path | None,
    baseline: Path | None,
    no_cache: bool,
    show_settings: bool,
    show_files: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    fix_only: bool,
    show_fixes: bool,
    exit_non_zero_on_fix: bool,
    fixable: tuple[str, ...],
    unfixable: tuple[str, ...],
) -> None:
    if stdin_filename is not None and paths not in ((), (Path("-"),)):
        raise click.UsageError("with --stdin-filename, pass no paths (or `-`)")
    if stdin_filename is not None and add_noqa:
        raise click.UsageError("--add-noqa edits files; it cannot edit stdin")
    missing = [str(p) for p in paths if not p.exists() and stdin_filename is None]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    not_python = [str(p) for p in paths if p.is_file() and p.suffix not in (".py", ".pyi")]
    if not_python:
        raise click.UsageError(f"not a Python file (.py or .pyi): {', '.join(not_python)}")
    paths = (stdin_filename,) if stdin_filename else paths or (Path("."),)
    projects: list[tuple[tuple[Path, ...], Settings]] = []
    try:
        overrides = Overrides(
            select=_codes(select, "--select"),
            ignore=_codes(ignore, "--ignore"),
            extend_select=_codes(extend_select, "--extend-select"),
            exclude=_split(exclude),
            extend_exclude=_split(extend_exclude),
            force_exclude=force_exclude,
            respect_gitignore=respect_gitignore,
            target_django=target_django,
            settings_module=settings_module,
            cache=False if no_cache else None,
            fixable=_codes(fixable, "--fixable"),
            unfixable=_codes(unfixable, "--unfixable"),
        )
        for group in _projects(paths, config_file):
            projects.append((group, with_overrides(load_settings(group, config_file), overrides)))
    except ConfigError as error:
        raise BadConfiguration(str(error)) from None
    if show_settings:
        click.echo("\n".join(describe(settings) for _, settings in projects), nl=False)
        return
    if show_files:
        from asyncdj_lint.api import files_to_check

        shown = (path for group, settings in projects for path in files_to_check(group, to_options(settings)))
        for path in sorted(shown):
            click.echo(path)
        return
    output = _Output(
        output_format,
        output_file,
        statistics,
        quiet,
        exit_zero,
        add_noqa,
        write_baseline,
        baseline,
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        fix_only=fix_only,
        show_fixes=show_fixes,
        exit_non_zero_on_fix=exit_non_zero_on_fix,
    )
    # Bytes as given: the file's own encoding rules decide (a latin-1 buffer is ADJ001, not a crash).
    stdin = sys.stdin.buffer.read().decode("utf-8", "surrogateescape") if stdin_filename else None
    progress = Progress(sys.stderr) if is_terminal(sys.stderr) and not output.quiet else None
    result, per_project = _lint_projects(projects, stdin, progress)
    if progress:
        progress.clear()
    settings = projects[0][1]
    for notice in [] if output.quiet else _notices(result.files_checked, paths, settings):
        click.echo(f"asyncdj-lint: {notice}", err=True)
    # Fingerprints are relative to the project root; for several projects, to the folder they share.
    root = settings.root if len(projects) == 1 else project_root([s.root or g[0] for g, s in projects])
    source_lines = result.source_lines
    diagnostics = output.apply_baseline(result.diagnostics, source_lines, root)
    if output.add_noqa:
        _add_noqa(diagnostics, root)
        sys.exit(EXIT_CLEAN)
    # Each project's fixes follow its own `fixable`/`unfixable`; the output marks them by the first's.
    policies = [FixPolicy(output.unsafe_fixes, s.fixable, s.unfixable) for _, s in projects]
    policy = policies[0]
    if stdin is not None and stdin_filename is not None and (output.diff or output.fix or output.fix_only):
        _fix_stdin(stdin, stdin_filename, projects, diagnostics, policy, output, root)
    run = FixRun()
    if output.diff or output.fix or output.fix_only:
        for (group, project_settings), project_policy, found in zip(projects, policies, per_project):
            mine = [d for d in diagnostics if d in found]
            done = fix_paths(group, to_options(project_settings), mine, project_policy, write=not output.diff)
            run.files += done.files
            run.problems += done.problems
        _fix_problems(run)
    if output.diff:
        click.echo("".join(file.diff() for file in run.files), nl=False)
        if not output.quiet:
            fixed = sum(run.fixed.values())
            click.echo(
                f"Would fix {fixed} finding{'' if fixed == 1 else 's'}." if fixed else "No fixes.", err=True
            )
        sys.exit(EXIT_FINDINGS if run.files else EXIT_CLEAN)
    if run.files:
        # Report what is left: the fixed files are linted again, with their whole projects.
        result, per_project = _lint_projects(projects, None, None)
        source_lines = result.source_lines
        diagnostics = output.apply_baseline(result.diagnostics, source_lines, root)
    fixed = sum(run.fixed.values())
    if output.fix_only:
        if output.show_fixes:
            click.echo(fixed_summary({f.path: f.fixed for f in run.files}), nl=False)
        elif not output.quiet:
            click.echo(f"Fixed {fixed} finding{'' if fixed == 1 else 's'}.", err=True)
        sys.exit(EXIT_FINDINGS if fixed and output.exit_non_zero_on_fix else EXIT_CLEAN)
    output.print(diagnostics, result.files_checked, source_lines, root, policy, fixed)
    if output.show_fixes and run.files:
        click.echo(fixed_summary({f.path: f.fixed for f in run.files}), nl=False)
    elif fixed and not output.quiet and output.resolved_format() != "full":
        click.echo(
            f"Fixed {fixed} finding{'' if fixed == 1 else 's'} ({len(diagnostics)} remaining).", err=True
        )
    for internal_error in result.internal_errors:
        click.echo(
            f"asyncdj-lint: internal error, file not fully checked (please report it): {internal_error}",
            err=True,
        )
    if result.internal_errors:
        sys.exit(EXIT_ERROR)
    if fixed and output.exit_non_zero_on_fix:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_FINDINGS if diagnostics and not output.exit_zero else EXIT_CLEAN)


def _projects(paths: tuple[Path, ...], config_file: Path | None) -> list[tuple[Path, ...]]:
    """The paths grouped by the project each belongs to, each project analysed on its own.

    A path's project is its nearest configuration file and project root; the
    groups come in the order of their roots, so the output does not depend on
    the order of the arguments. With `--config`, or when every path shares one
    project, the paths stay one group in the order given.
    """
    if config_file is not None or len(paths) == 1:
        return [paths]
    groups: dict[tuple[str, str], list[Path]] = {}
    keys: dict[Path, tuple[str, str]] = {}  # per folder: pre-commit passes many files of few folders
    for path in paths:
        folder = path if path.is_dir() else path.parent
        if folder not in keys:
            keys[folder] = (str(find_config_file([folder]) or ""), str(project_root([folder])))
        groups.setdefault(keys[folder], []).append(path)
    if len(groups) == 1:
        return [paths]
    return [tuple(sorted(groups[key], key=str)) for key in sorted(groups, key=lambda key: (key[1], key[0]))]


def _notices(files_checked: int, paths: tuple[Path, ...], settings: Settings) -> list[str]:
    """What a user should know about the run itself: nothing checked, or a root chosen only by git."""
    notices = []
    if files_checked == 0:
        notices.append(f"no Python files found in {', '.join(map(str, paths))}")
    root = settings.root
    if settings.config_file is None and root is not None and git_only_root(root, paths):
        notices.append(
            f"no pyproject.toml, setup.cfg, setup.py, manage.py or requirements*.txt at or above "
            f"{paths[0]} within the git checkout {root}: the whole checkout is the project whose "
            "names are resolved; add one of those files to mark a smaller project"
        )
    return notices


@dataclass(frozen=True)
class _Output:
    """The flags that decide what is printed, and the printing."""

    output_format: str | None
    output_file: Path | None
    statistics: bool
    quiet: bool
    exit_zero: bool
    add_noqa: bool
    write_baseline: Path | None
    baseline: Path | None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    fix_only: bool = False
    show_fixes: bool = False
    exit_non_zero_on_fix: bool = False

    def resolved_format(self) -> str:
        return self.output_format or ("full" if is_terminal(sys.stdout) else "concise")

    def apply_baseline(
        self, diagnostics: list[Diagnostic], source_lines: SourceLines, root: Path | None
    ) -> list[Diagnostic]:
        try:
            if self.baseline is not None:
                diagnostics = baseline.new_findings(self.baseline, diagnostics, source_lines, root)
            if self.write_baseline is not None:
                baseline.write(self.write_baseline, diagnostics, source_lines, root)
        except baseline.BaselineError as error:
            raise BadConfiguration(str(error)) from None
        if self.write_baseline is not None:
            if not self.quiet:
                click.echo(f"Recorded {len(diagnostics)} findings in {self.write_baseline}.", err=True)
            return []
        return diagnostics

    def print(
        self,
        diagnostics: list[Diagnostic],
        files_checked: int,
        source_lines: SourceLines,
        root: Path | None,
        policy: FixPolicy | None = None,
        fixed: int = 0,
    ) -> None:
        if self.output_file is None:
            self._print(sys.stdout, diagnostics, files_checked, source_lines, root, policy, fixed)
            return
        self.output_file.parent.mkdir(parents=True, exist_ok=True)
        with self.output_file.open("w", encoding="utf-8") as stream:
            self._print(stream, diagnostics, files_checked, source_lines, root, policy, fixed)

    def _print(
        self,
        stream: TextIO,
        diagnostics: list[Diagnostic],
        files_checked: int,
        source_lines: SourceLines,
        root: Path | None,
        policy: FixPolicy | None,
        fixed: int,
    ) -> None:
        if self.statistics:
            click.echo(statistics(diagnostics), file=stream, nl=False)
            return
        policy = policy or FixPolicy()
        # A file is not a terminal: `full` is chosen only when asked for, and never coloured.
        name = self.output_format or ("full" if is_terminal(stream) else "concise")
        colour = wants_colour(stream)
        rendering = Rendering(colour, source_lines, root, applicable=policy.applies)
        click.echo(FORMATS[name](diagnostics, rendering), file=stream, nl=False, color=colour)
        if name == "full" and not self.quiet:
            summary = closing_line(
                diagnostics,
                files_checked,
                fixed=fixed,
                fixable=sum(1 for d in diagnostics if policy.applies(d)),
                hidden=sum(1 for d in diagnostics if policy.hidden(d)),
            )
            click.echo(summary, file=stream, nl=False)


def _lint_projects(
    projects: list[tuple[tuple[Path, ...], Settings]], stdin: str | None, progress: Progress | None
) -> tuple[LintResult, list[set[Diagnostic]]]:
    """Every project's findings in one result (sorted when there are several), and each project's own."""
    from asyncdj_lint.api import LintResult, lint_paths  # imports LibCST only when a file must be parsed

    results = [
        lint_paths(list(group), to_options(settings), stdin=stdin, progress=progress)
        for group, settings in projects
    ]
    if len(results) == 1:
        return results[0], [set(results[0].diagnostics)]
    result = LintResult()
    for one in results:
        result.diagnostics += one.diagnostics
        result.files_checked += one.files_checked
        result.internal_errors += one.internal_errors
    result.diagnostics.sort()
    # Each project's run read its own files: a line is asked of the run that read it.
    readers = {d.path: one.source_lines for one in results for d in one.diagnostics}
    result.source_lines = lambda path: readers.get(path, results[0].source_lines)(path)
    return result, [set(one.diagnostics) for one in results]


def _fix_stdin(
    text: str,
    path: Path,
    projects: list[tuple[tuple[Path, ...], Settings]],
    diagnostics: list[Diagnostic],
    policy: FixPolicy,
    output: _Output,
    root: Path | None,
) -> NoReturn:
    """`--fix`, `--fix-only` and `--diff` on standard input, as ruff does them: `--diff` prints the
    diff; the others print the whole fixed source on standard output (the source as given when
    nothing applies) and, for `--fix`, the findings that remain on standard error."""
    from asyncdj_lint.fixer import fix_source

    file = fix_source(path, text, to_options(projects[0][1]), diagnostics, policy)
    fixed = sum(file.fixed.values())
    if output.diff:
        click.echo(file.diff(), nl=False)
        if not output.quiet:
            click.echo(
                f"Would fix {fixed} finding{'' if fixed == 1 else 's'}." if fixed else "No fixes.", err=True
            )
        sys.exit(EXIT_FINDINGS if file.after != file.before else EXIT_CLEAN)
    sys.stdout.flush()
    sys.stdout.buffer.write(file.after.encode("utf-8", "surrogateescape"))  # the bytes it was read from
    sys.stdout.buffer.flush()
    if output.fix_only:
        if not output.quiet:
            click.echo(f"Fixed {fixed} finding{'' if fixed == 1 else 's'}.", err=True)
        sys.exit(EXIT_FINDINGS if fixed and output.exit_non_zero_on_fix else EXIT_CLEAN)
    result, _ = _lint_projects(projects, file.after, None)
    remaining = output.apply_baseline(result.diagnostics, result.source_lines, root)
    if output.output_file is None:
        output._print(sys.stderr, remaining, result.files_checked, result.source_lines, root, policy, fixed)
    else:
        output.print(remaining, result.files_checked, result.source_lines, root, policy, fixed)
    if fixed and output.exit_non_zero_on_fix:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_FINDINGS if remaining and not output.exit_zero else EXIT_CLEAN)


def _fix_problems(run: FixRun) -> None:
    for problem in run.problems:
        click.echo(f"asyncdj-lint: {problem}", err=True)


def _add_noqa(diagnostics: list[Diagnostic], root: Path | None) -> None:
    from asyncdj_lint.add_noqa import add_noqa

    edits = add_noqa(diagnostics, root)
    for problem in edits.skipped:
        click.echo(f"asyncdj-lint: {problem}", err=True)
    click.echo(f"Added {edits.added} noqa comments to {len(edits.files)} files.", err=True)


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
def rule(code: str | None, show_all: bool) -> None:
    """Explain a rule (`asyncdj-lint rule ADJ101`) or list them all (`--all`)."""
    from asyncdj_lint.rules import all_rules, rule_by_code

    colour = wants_colour(sys.stdout)
    if show_all or code is None:
        click.echo(render_rule_list(all_rules(), colour), nl=False, color=colour)
        return
    found = rule_by_code(code)
    if found is None:
        raise click.UsageError(f"unknown rule code: {code}")
    click.echo(render_rule(found, colour), nl=False, color=colour)


@main.command()
def server() -> None:
    """Run the language server (LSP) on standard input and output, for editors."""
    try:
        from asyncdj_lint.server import serve
    except ImportError as error:
        raise click.UsageError(
            f"the language server needs pygls ({error}): pip install 'asyncdj-lint[lsp]'"
        ) from None
    serve()
