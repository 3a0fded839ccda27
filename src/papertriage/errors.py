"""Exceptions that the CLI maps to exit codes and one-line messages."""

from __future__ import annotations


class PapertriageError(Exception):
    """Bad input or a runtime failure: exit code 1, message on one line."""

    exit_code = 1


class InputError(PapertriageError):
    """An input file is missing, unreadable, empty or not understood."""


class RuleError(PapertriageError):
    """A rule file breaks the schema; the message names file and line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else "invalid rules"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)
