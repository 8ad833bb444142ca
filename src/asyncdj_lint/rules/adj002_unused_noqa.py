"""ADJ002: a `# noqa: ADJ...` comment that suppresses nothing."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import Fix, FixAvailability, Replace, Safety
from asyncdj_lint.noqa import without_codes
from asyncdj_lint.rules.base import Example, Expected, Rule, Severity


class UnusedNoqa(Rule):
    code = "ADJ002"
    name = "unused-noqa"
    stable_since = "0.2.0"
    severity = Severity.ADVISORY
    summary = "A `# noqa` comment lists an asyncdj-lint code that suppresses no finding on its line."
    why = (
        "A `# noqa: ADJ101` left behind after the code was fixed hides the next real finding "
        "on that line, and tells the reader something that is no longer true. Only codes of "
        "the rules enabled in the run count: a code of a rule that is off, or another tool's "
        "code, is never reported. A finding is suppressed by the comment on the line it is "
        "reported at, or on the first line of the statement that line belongs to; this rule "
        "is reported after every other rule has run on the file, as ruff's RUF100."
    )
    django_versions = "all"
    fix_availability = FixAvailability.ALWAYS
    fix_safety = (
        "The fix is safe: it removes the unused codes from the comment (the whole comment when "
        "nothing else is left in it), which changes no code and no other finding."
    )
    # The engine reports it once suppressions are known; it has no node handlers.
    requires_text = (b"noqa", b"NOQA", b"NoQA", b"Noqa")
    invalid = (
        Example(
            "from shop.models import Product\n\n\n"
            "async def view(request):\n"
            "    count = await Product.objects.acount()  # noqa: ADJ101\n"
            "    return count\n",
            outcome=None,
            expected=(
                Expected(
                    "5:45-5:59",
                    "`# noqa` lists `ADJ101`, which suppresses no finding here; remove it",
                ),
            ),
            fixed=(
                "from shop.models import Product\n\n\n"
                "async def view(request):\n"
                "    count = await Product.objects.acount()\n"
                "    return count\n"
            ),
        ),
        Example(
            "from shop.models import Product\n\n\n"
            "async def view(request):\n"
            "    return Product.objects.get(pk=1)  # noqa: ADJ101, ADJ105, E501\n",
            outcome=None,
            expected=(
                Expected(
                    "5:39-5:67",
                    "`# noqa` lists `ADJ105`, which suppresses no finding here; remove it",
                ),
            ),
            fixed=(
                "from shop.models import Product\n\n\n"
                "async def view(request):\n"
                "    return Product.objects.get(pk=1)  # noqa: ADJ101, E501\n"
            ),
        ),
    )
    valid = (
        Example(
            "from shop.models import Product\n\n\n"
            "async def view(request):\n"
            "    product = await Product.objects.aget(pk=1)  # noqa: E501\n"
            "    names = [  # noqa: ADJ101\n"
            "        Product.objects.get(pk=product.pk).name,\n"
            "    ]\n"
            "    return names\n",
            outcome=None,
        ),
    )

    @classmethod
    def fix_for(
        cls, comment: cst.Comment, owner: cst.TrailingWhitespace | None, codes: list[str], newline: str
    ) -> Fix:
        """Removes `codes` from the comment; removes the comment (and the space before it) when it empties."""
        text = without_codes(comment.value, codes)
        title = f"Remove unused `noqa` code{'s' if len(codes) > 1 else ''} {', '.join(codes)}"
        if text or owner is None:
            return Fix(title, Safety.SAFE, (Replace(comment, text),))
        return Fix(title, Safety.SAFE, (Replace(owner, newline),))

    @staticmethod
    def message(codes: list[str]) -> str:
        listed = ", ".join(f"`{code}`" for code in codes)
        if len(codes) == 1:
            return f"`# noqa` lists {listed}, which suppresses no finding here; remove it"
        return f"`# noqa` lists {listed}, which suppress no finding here; remove them"
