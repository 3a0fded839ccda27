"""Theme rules: YAML files, one theme per file, loaded with a strict schema.

Every problem names the file and line and says what to write instead. Rule files are
untrusted input: they are read with PyYAML's safe loader; terms are literal text (with a
trailing ``*`` wildcard); the few regular expressions a rule may carry (``patterns``) are
refused when they could backtrack catastrophically, and are run on bounded text.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from papertriage.errors import RuleError

DEFAULT_THRESHOLD = 0.5
DEFAULT_SIMILARITY_WEIGHT = 4.0
MAX_WEIGHT = 5.0
MAX_PATTERN_LENGTH = 200
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# libyaml's safe loader when PyYAML was built with it: same nodes and marks, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def default_rules_dir() -> Path:
    """The rules shipped with papertriage (``rules/`` in the source tree)."""
    return (Path(__file__).resolve().parent / "default_rules").resolve()


@dataclass(frozen=True)
class Matcher:
    """A compiled term. Case-insensitive terms are matched on lower-cased text, with the
    pattern starting with the term's literal text so that the regex engine can scan for it
    quickly; the word boundary before a match is checked here instead of by a lookbehind,
    which would stop that fast scan."""

    pattern: re.Pattern[str]
    lowercase: bool
    check_start: bool = True
    # Text that every match contains (in the case the pattern is matched on), or None: a
    # paper without it cannot match, and the pattern is not run at all.
    literal: str | None = None
    # For a one-word term: every whole word it matches (agent, agents). Counting these among
    # a paper's words gives the same count as the pattern, without running it.
    forms: tuple[str, ...] | None = None
    # For a term of several words: the text a match of each word starts with (its last word
    # less the letter an inflection may replace). A paper lacking any of these cannot match.
    word_literals: tuple[str, ...] | None = None

    def count(self, text: str, lower: str) -> int:
        target = lower if self.lowercase else text
        if not self.check_start:
            return sum(1 for _ in self.pattern.finditer(target))
        found = 0
        for match in self.pattern.finditer(target):
            start = match.start()
            if start == 0 or not is_word_char(target[start - 1]):
                found += 1
        return found

    def search(self, text: str, lower: str | None = None) -> bool:
        if lower is None:
            lower = text.lower()
        return self.count(text, lower) > 0


# Time one user pattern may take on one paper (title and abstract, each at most
# engine.MAX_PATTERN_TEXT characters); a sound pattern takes well under a millisecond there.
PATTERN_TIMEOUT = 0.05


class RuleWarning(UserWarning):
    """A rule misbehaved during a run (a pattern over its time budget); the run goes on."""


class TimedPattern:
    """A user pattern run by the `regex` package, each search under a time budget.

    `regex` rather than RE2: it reads the same syntax as Python's `re` (lookarounds, counted
    repetitions up to any bound, which RE2 refuses or limits), and its matching functions take
    a `timeout` that stops even a catastrophic backtrack, raising TimeoutError. Measured here
    on 17.5 kB of text a plain pattern takes 2.1 ms with `regex`, 1.0 ms with `re` and 7.9 ms
    through google-re2's finditer, which also refuses ``{1,100}`` inside ``{1,100}`` and
    lookbehinds; `(?:a{1,100}){1,100}$` on 5,000 a's stops at the 0.5 s budget given.
    """

    __slots__ = ("compiled", "pattern", "timeout")

    def __init__(self, text: str, timeout: float | None = None):
        import regex

        # VERSION0 (the default): the semantics of Python's re module.
        self.compiled = regex.compile(text, regex.IGNORECASE)
        self.pattern = text
        self.timeout = PATTERN_TIMEOUT if timeout is None else timeout

    def search(self, text: str):
        return self.compiled.search(text, timeout=self.timeout)

    def finditer(self, text: str):
        return self.compiled.finditer(text, timeout=self.timeout)

    def __getstate__(self):
        return (self.pattern, self.timeout)

    def __setstate__(self, state) -> None:
        self.__init__(*state)


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True)
class Term:
    """A weighted keyword, phrase or pattern; `requires` terms must appear for it to count."""

    text: str
    weight: float
    matcher: Matcher = field(compare=False, repr=False)
    requires: tuple[Matcher, ...] = field(default=(), compare=False, repr=False)
    requires_text: tuple[str, ...] = ()

    @property
    def case_sensitive(self) -> bool:
        return not self.matcher.lowercase


def is_acronym(term: str) -> bool:
    """'RL', 'LoRA', 'MoE', 'GUI agent' match case-sensitively; 'Transformer' does not."""
    return any(ch.isupper() for ch in term.replace(" ", "")[1:])


def _word_pattern(word: str, last: bool, wildcard: bool, acronym: bool) -> str:
    if last and wildcard:
        return re.escape(word) + r"\w*"
    if not last or not word[-1:].isalpha():
        return re.escape(word)
    if acronym and word[-1:].isupper():
        return re.escape(word) + r"s?"  # LLM -> LLMs
    # Plurals and simple inflections of the last word: agent/agents, tune/tuned/tuning,
    # policy/policies, process/processes.
    if word.endswith("e") and len(word) > 3:
        return re.escape(word[:-1]) + r"(?:e|es|ed|ing)"
    if word.endswith("y") and len(word) > 3 and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + r"(?:y|ies|ied)"
    if word.endswith(("s", "x", "ch", "sh")):
        return re.escape(word) + r"(?:es)?"
    return re.escape(word) + r"(?:s|ed|ing)?"


def compile_term(text: str) -> Matcher:
    """Literal term -> matcher with hyphen/space variants, inflections and an optional ``*``."""
    core = text.strip()
    wildcard = core.endswith("*")
    core = core.rstrip("*").strip()
    acronym = is_acronym(core)
    if not acronym:
        core = core.lower()
    words = [w for w in re.split(r"[\s\-]+", core) if w]
    parts = [_word_pattern(w, i == len(words) - 1, wildcard, acronym) for i, w in enumerate(words)]
    body = r"[\s\-]?".join(parts)
    if not is_word_char(core[:1]):
        return Matcher(re.compile(rf"(?<!\w){body}(?!\w)"), not acronym, check_start=False)
    forms = None
    if len(words) == 1 and not wildcard and re.fullmatch(r"\w+", words[0]):
        forms = _forms(words[0], acronym)
    word_literals = None
    if len(words) > 1 and all(re.fullmatch(r"\w+", w) for w in words):
        word_literals = (*words[:-1], _literal(words[-1:], wildcard))
    return Matcher(
        re.compile(rf"{body}(?!\w)"),
        not acronym,
        literal=_literal(words, wildcard),
        forms=forms,
        word_literals=word_literals,
    )


def _forms(word: str, acronym: bool) -> tuple[str, ...]:
    """The words `_word_pattern` matches for a one-word term."""
    if not word[-1:].isalpha():
        return (word,)
    if acronym and word[-1:].isupper():
        return (word, word + "s")
    if word.endswith("e") and len(word) > 3:
        return tuple(word[:-1] + end for end in ("e", "es", "ed", "ing"))
    if word.endswith("y") and len(word) > 3 and word[-2] not in "aeiou":
        return tuple(word[:-1] + end for end in ("y", "ies", "ied"))
    if word.endswith(("s", "x", "ch", "sh")):
        return (word, word + "es")
    return (word, word + "s", word + "ed", word + "ing")


def _literal(words: list[str], wildcard: bool) -> str:
    """The part of a term that no hyphen, inflection or wildcard changes: the first word, or,
    for a one-word term, the word less the letter an inflection may replace (tune -> tun)."""
    first = words[0]
    if len(words) > 1 or wildcard:
        return first
    if len(first) > 3 and first[-1] in "ey":
        return first[:-1]
    return first


# Characters standing for "any text" when deciding whether two parts of a pattern can match
# the same character: ASCII, and a few letters, digits and spaces from elsewhere.
_SAMPLE = "".join(chr(c) for c in range(32, 127)) + "\t\n\u00a0\u2003éÉßΩω一٣_"
_CATEGORY_RE = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _sre():
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]
    except ImportError:  # Python < 3.11
        import sre_parse  # type: ignore[no-redef]
    return sre_parse


def _first_chars(items: Any) -> set[str]:
    """The sample characters a match of `items` can start with (all of them when unsure)."""
    sre = _sre()
    every = set(_SAMPLE)
    for op, arg in items:
        if op is sre.LITERAL:
            ch = chr(arg)
            return {ch, ch.lower(), ch.upper()}
        if op is sre.NOT_LITERAL:
            return every - {chr(arg)}
        if op is sre.ANY:
            return every
        if op is sre.IN:
            return {ch for ch in _SAMPLE if _in_set(arg, ch)}
        if op is sre.SUBPATTERN:
            return _first_chars(arg[-1])
        if op is sre.BRANCH:
            return set().union(*(_first_chars(b) if b else every for b in arg[1]))
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            first = _first_chars(arg[2])
            if arg[0] == 0:
                continue_with = _first_chars(items[items.index((op, arg)) + 1 :])
                return first | continue_with
            return first
        if op is sre.AT:
            continue
        return every
    return every


def _in_set(members: Any, ch: str) -> bool:
    sre = _sre()
    negate = False
    found = False
    for op, arg in members:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            found = found or ch.lower() == chr(arg).lower()
        elif op is sre.RANGE:
            low, high = arg
            cases = {c for c in (ch, ch.lower(), ch.upper()) if len(c) == 1}
            found = found or any(low <= ord(c) <= high for c in cases)
        elif op is sre.CATEGORY:
            expr = _CATEGORY_RE.get(str(arg))
            found = found or expr is None or re.match(expr, ch) is not None
        else:
            found = True
    return found != negate


def _nullable(items: Any) -> bool:
    """Can `items` match the empty string?"""
    sre = _sre()
    for op, arg in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and arg[0] == 0:
            continue
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and _nullable(arg[2]):
            continue
        if op is sre.SUBPATTERN and _nullable(arg[-1]):
            continue
        if op is sre.BRANCH and any(not b or _nullable(b) for b in arg[1]):
            continue
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        return False
    return True


def _contains(items: Any, wanted: Any) -> bool:
    sre = _sre()
    for op, arg in items:
        if op in wanted:
            return True
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and _contains(arg[2], wanted):
            return True
        if op is sre.SUBPATTERN and _contains(arg[-1], wanted):
            return True
        if op is sre.BRANCH and any(_contains(b, wanted) for b in arg[1]):
            return True
        if op in (sre.ASSERT, sre.ASSERT_NOT) and _contains(arg[1], wanted):
            return True
    return False


def _overlapping_branches(items: Any) -> bool:
    """Does `items` hold an alternation two of whose branches can start on the same
    character, or one of which can match nothing (``a|ab`` is ``a(?:|b)`` once parsed)?"""
    sre = _sre()
    for op, arg in items:
        if op is sre.BRANCH:
            branches = arg[1]
            if any(not b or _nullable(b) for b in branches):
                return True
            firsts = [_first_chars(b) for b in branches]
            for i, first in enumerate(firsts):
                if any(first & other for other in firsts[i + 1 :]):
                    return True
            if any(_overlapping_branches(b) for b in branches):
                return True
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.SUBPATTERN):
            inner = arg[2] if op is not sre.SUBPATTERN else arg[-1]
            if _overlapping_branches(inner):
                return True
    return False


def unsafe_regex_reason(pattern: str) -> str | None:
    r"""Why a user regex could backtrack catastrophically (or is otherwise refused), or None.

    Refused, as far as the parsed pattern shows it: a repeated group that holds a repetition
    (``(a+)+``, ``(?:a{1,100}){1,100}``); unbounded repetitions next to each other over
    characters they share (``\w*\w*``); an alternation repeated without bound (``(a|ab)*``)
    or repeated at all when its branches overlap; backreferences; patterns over
    MAX_PATTERN_LENGTH characters. What this cannot see, the time budget of every match
    (engine.PATTERN_TIMEOUT) still bounds.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"longer than {MAX_PATTERN_LENGTH} characters"
    sre = _sre()
    try:
        parsed = sre.parse(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    repeats = tuple(
        op
        for op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None))
        if op is not None
    )
    groupref = tuple(
        op for op in (sre.GROUPREF, getattr(sre, "GROUPREF_EXISTS", None)) if op is not None
    )

    def walk(items: Any, inside_repeat: bool) -> str | None:
        previous: set[str] | None = None  # characters of the unbounded repetition just before
        for op, arg in items:
            current: set[str] | None = None
            if op in repeats:
                low, high, sub = arg
                many = high > 1
                unbounded = high == sre.MAXREPEAT or high > 100
                if many and inside_repeat:
                    return (
                        "a repeated group holds another repetition, e.g. (a+)+ or "
                        "(?:a{1,100}){1,100}; repeat the inner part only"
                    )
                if unbounded and _contains(sub, (sre.BRANCH,)):
                    return "it repeats an alternation without bound, e.g. (a|ab)*"
                if many and _overlapping_branches(sub):
                    return "it repeats an alternation whose branches overlap, e.g. (a|ab){1,50}"
                if unbounded:
                    current = _first_chars(sub)
                    if previous is not None and previous & current:
                        return (
                            "two unbounded repetitions in a row can match the same characters, "
                            r"e.g. \w*\w*; keep one"
                        )
                found = walk(sub, inside_repeat or many)
                if found:
                    return found
            elif op is sre.SUBPATTERN:
                found = walk(arg[-1], inside_repeat)
                if found:
                    return found
            elif op is sre.BRANCH:
                for branch in arg[1]:
                    found = walk(branch, inside_repeat)
                    if found:
                        return found
            elif op in groupref:
                return "backreferences are not allowed"
            elif op in (sre.ASSERT, sre.ASSERT_NOT):
                found = walk(arg[1], inside_repeat)
                if found:
                    return found
            previous = current
        return None

    return walk(parsed, False)


@dataclass
class Theme:
    id: str
    name: str
    description: str
    keywords: list[Term]
    prototype: str
    negative: list[Term] = field(default_factory=list)
    patterns: list[Term] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    similarity_weight: float = DEFAULT_SIMILARITY_WEIGHT
    examples_positive: list[str] = field(default_factory=list)
    examples_negative: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def evidence_threshold(self) -> float:
        """Evidence points at which the theme is assigned (threshold on the 1-exp scale)."""
        return -2.0 * math.log(1.0 - self.threshold)


# --- schema -------------------------------------------------------------------------------

_KEYS: dict[str, tuple[bool, str]] = {
    # key: (required in a new theme, what it is)
    "name": (True, "text"),
    "description": (True, "text"),
    "threshold": (False, "threshold"),
    "keywords": (True, "terms"),
    "negative": (False, "terms"),
    "patterns": (False, "patterns"),
    "prototype": (True, "text"),
    "similarity_weight": (False, "number"),
    "examples": (False, "examples"),
    # How the threshold was chosen (rules calibrate / rules learn): figures, not used to score.
    "calibration": (False, "calibration"),
}
_EXAMPLE_KEYS = ("positive", "negative")
_TERM_KEYS = ("weight", "requires")


class Checker:
    """Validates YAML nodes, collecting 'file:line: what to write instead' problems."""

    def __init__(self, path: Path, override: bool = False):
        self.path = path
        self.override = override
        self.problems: list[str] = []

    def error(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"{self.path}:{line}: {message}")

    def unknown_key(self, node: yaml.Node, key: str, known: Any, what: str = "key") -> None:
        """Report an unknown key, suggesting the closest known one."""
        known = list(known)
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
        self.error(node, f"unknown {what} {key!r}; {hint}")

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of 'key: value' lines")
            return []
        seen: dict[str, int] = {}
        items = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, f"keys of {what} must be plain text")
                continue
            key = str(key_node.value)
            if key in seen:
                self.error(key_node, f"{what}: {key!r} given twice (first on line {seen[key]})")
                continue
            seen[key] = key_node.start_mark.line + 1
            items.append((key, key_node, value_node))
        return items

    def text(self, node: yaml.Node, key: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            self.error(node, f"{key} must be text, for example: {key}: Some words")
            return None
        if not str(node.value).strip():
            self.error(node, f"{key} must not be empty")
            return None
        return str(node.value).strip()

    def number(self, node: yaml.Node, key: str, low: float, high: float) -> float | None:
        value = _scalar_number(node)
        lowest = 0.0 if self.override and "weight" in key else low
        if value is None or not (lowest < value <= high or (self.override and value == 0)):
            example = "1.0"
            self.error(
                node,
                f"{key} must be a number above {low:g} and at most {high:g}, e.g. {example}",
            )
            return None
        return value

    def term_list(self, node: yaml.Node, key: str) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{key} must be a list of terms, e.g. [LLM, language model]")
            return (), ()
        texts = []
        for item in node.value:
            text = self.text(item, f"{key} item")
            if text is not None and self.literal(item, text, key):
                texts.append(text)
        return tuple(texts), tuple(compile_term(t) for t in texts)

    def literal(self, node: yaml.Node, term: str, key: str) -> bool:
        if not term.strip().rstrip("*").strip():
            self.error(node, f"{key}: empty term")
            return False
        if re.search(r"[\\()\[\]{}|^$?+]", term):
            self.error(
                node,
                f"{key}: {term!r} looks like a regular expression; write plain words "
                "(hyphen/space variants and plurals match by themselves, 'word*' matches any "
                "ending) or put it under patterns:",
            )
            return False
        if "*" in term.strip().rstrip("*"):
            self.error(
                node,
                f"{key}: {term!r}: '*' may only end a term ('interact*' matches interaction, "
                "interactive); inside a term it would be matched literally",
            )
            return False
        return True

    def terms(self, node: yaml.Node, key: str) -> list[Term]:
        terms = []
        seen: dict[str, tuple[str, int]] = {}
        for term, term_node, value in self.mapping(node, key):
            if not self.literal(term_node, term, key):
                continue
            matcher = compile_term(term)
            first = seen.get(matcher.pattern.pattern)
            if first is not None:
                # Both would count for every match: the evidence would be counted twice.
                self.error(
                    term_node,
                    f"{key}: {term!r} matches exactly what {first[0]!r} (line {first[1]}) "
                    "matches; keep one of them",
                )
                continue
            seen[matcher.pattern.pattern] = (term, term_node.start_mark.line + 1)
            requires: tuple[str, ...] = ()
            compiled_requires: tuple[Any, ...] = ()
            if isinstance(value, yaml.MappingNode):
                weight_node = None
                for sub, sub_node, sub_value in self.mapping(value, f"{key}: {term!r}"):
                    if sub == "weight":
                        weight_node = sub_value
                    elif sub == "requires":
                        requires, compiled_requires = self.term_list(sub_value, "requires")
                    else:
                        self.error(
                            sub_node, f"{key}: {term!r}: unknown key {sub!r}; use weight, requires"
                        )
                if weight_node is None:
                    self.error(value, f"{key}: {term!r} needs a weight, e.g. weight: 1.0")
                    continue
            else:
                weight_node = value
            weight = self.number(weight_node, f"{key}: weight of {term!r}", 0.0, MAX_WEIGHT)
            if weight is not None:
                terms.append(Term(term.strip(), weight, matcher, compiled_requires, requires))
        return terms

    def patterns(self, node: yaml.Node) -> list[Term]:
        terms = []
        for text, key_node, value in self.mapping(node, "patterns"):
            reason = unsafe_regex_reason(text)
            if reason:
                self.error(key_node, f"patterns: {text!r} refused: {reason}")
                continue
            weight = self.number(value, f"patterns: weight of {text!r}", 0.0, MAX_WEIGHT)
            if weight is not None:
                timed = TimedPattern(text)
                matcher = Matcher(timed, False, check_start=False)  # type: ignore[arg-type]
                terms.append(Term(text, weight, matcher))
        return terms

    def examples(self, node: yaml.Node) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for key, key_node, value in self.mapping(node, "examples"):
            if key not in _EXAMPLE_KEYS:
                self.error(key_node, f"examples: unknown key {key!r}; use positive: or negative:")
                continue
            if not isinstance(value, yaml.SequenceNode):
                self.error(value, f"examples.{key} must be a list of '- text' lines")
                continue
            texts = []
            for item in value.value:
                text = self.text(item, f"examples.{key} item")
                if text is not None:
                    texts.append(text)
            found[key] = texts
        return found


def _scalar_number(node: yaml.Node) -> float | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return None
    try:
        return float(node.value)
    except ValueError:
        return None


def compose_yaml(path: Path) -> tuple[yaml.Node | None, list[str]]:
    """Parse a YAML file safely into nodes (which keep line numbers), or say why not."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        return None, [f"{path}:1: cannot read: {reason}"]
    try:
        return yaml.compose(text, Loader=_SAFE_LOADER), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [f"{path}:{line}: not valid YAML: {reason}"]


def read_rule_file(path: Path, override: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Validated values of one rule file, and every problem (file:line: what to write).

    With `override`, the file changes a theme defined before it: no key is required, and a
    keyword weight of 0 removes that keyword.
    """
    checker = Checker(path, override)
    if not ID_RE.match(path.stem):
        checker.error(
            None,
            f"file name {path.name!r} is not a theme id: use lower-case letters, digits and "
            "hyphens, e.g. my-theme.yaml",
        )
    root, problems = compose_yaml(path)
    if problems:
        return {}, problems
    if root is None:
        return {}, [f"{path}:1: rule file is empty; it needs name, description, keywords"]

    values: dict[str, Any] = {}
    for key, key_node, value in checker.mapping(root, "a rule file"):
        if key not in _KEYS:
            checker.unknown_key(key_node, key, _KEYS)
            continue
        kind = _KEYS[key][1]
        if kind == "text":
            values[key] = checker.text(value, key)
        elif kind == "threshold":
            number = _scalar_number(value)
            if number is None or not 0.0 < number < 1.0:
                checker.error(value, "threshold must be a number between 0 and 1, e.g. 0.5")
                continue
            values[key] = number
        elif kind == "number":
            values[key] = checker.number(value, key, -1e-9, 100.0)
        elif kind == "terms":
            values[key] = checker.terms(value, key)
        elif kind == "patterns":
            values[key] = checker.patterns(value)
        elif kind == "calibration":
            for _, _, item in checker.mapping(value, "calibration"):
                if not isinstance(item, yaml.ScalarNode):
                    checker.error(item, "calibration holds figures: 'name: value' lines")
        else:
            values[key] = checker.examples(value)
    if isinstance(root, yaml.MappingNode) and not override:
        for key, (required, _) in _KEYS.items():
            if required and key not in values:
                checker.error(root, f"missing required key {key!r}")
    keywords_node = None
    if isinstance(root, yaml.MappingNode):
        keywords_node = next((v for k, v in root.value if k.value == "keywords"), None)
    if isinstance(keywords_node, yaml.MappingNode) and not keywords_node.value and not override:
        checker.error(keywords_node, "keywords must list at least one term: weight")
    return values, checker.problems


def _merge_terms(old: list[Term], new: list[Term]) -> list[Term]:
    merged = {t.text: t for t in old}
    for term in new:
        if term.weight == 0:
            merged.pop(term.text, None)
        else:
            merged[term.text] = term
    return list(merged.values())


def _apply(theme: Theme | None, theme_id: str, values: dict[str, Any], path: Path) -> Theme:
    if theme is None:
        examples = values.get("examples") or {}
        return Theme(
            id=theme_id,
            name=values["name"],
            description=values["description"],
            keywords=values["keywords"],
            prototype=values["prototype"],
            negative=values.get("negative") or [],
            patterns=values.get("patterns") or [],
            threshold=values.get("threshold", DEFAULT_THRESHOLD),
            similarity_weight=values.get("similarity_weight", DEFAULT_SIMILARITY_WEIGHT),
            examples_positive=examples.get("positive", []),
            examples_negative=examples.get("negative", []),
            sources=[str(path)],
        )
    changes: dict[str, Any] = {"sources": [*theme.sources, str(path)]}
    for key in ("name", "description", "prototype", "threshold", "similarity_weight"):
        if key in values:
            changes[key] = values[key]
    for key in ("keywords", "negative", "patterns"):
        if key in values:
            changes[key] = _merge_terms(getattr(theme, key), values[key])
    if "examples" in values:
        changes["examples_positive"] = values["examples"].get("positive", theme.examples_positive)
        changes["examples_negative"] = values["examples"].get("negative", theme.examples_negative)
    return replace(theme, **changes)


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


@dataclass
class RuleSet:
    themes: list[Theme]
    problems: list[str]


def collect_rules(
    directories: list[Path] | None = None,
    use_defaults: bool = True,
    disable: list[str] | None = None,
) -> RuleSet:
    """Defaults, then each user directory in order: new ids add themes, known ids override.

    Returns every theme that loads and every problem of every file, for `rules validate`.
    """
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    sources = ([default_rules_dir()] if use_defaults else []) + list(directories or [])
    for directory in sources:
        if not directory.is_dir():
            problems.append(f"{directory}: no such rules directory")
            continue
        files = rule_files(directory)
        if not files:
            problems.append(f"{directory}: no rule files (*.yaml) in this directory")
        for path in files:
            theme_id = path.stem
            existing = themes.get(theme_id)
            values, found = read_rule_file(path, override=existing is not None)
            problems.extend(found)
            if not found:
                themes[theme_id] = _apply(existing, theme_id, values, path)
    for theme_id in disable or []:
        if theme_id not in themes:
            known = ", ".join(sorted(themes))
            problems.append(f"disable: unknown theme {theme_id!r} (known: {known})")
        themes.pop(theme_id, None)
    if not themes and not problems:
        problems.append("no themes left: every theme is disabled")
    return RuleSet(sorted(themes.values(), key=lambda t: t.id), problems)


def load_rules(
    directories: list[Path] | Path | None = None,
    use_defaults: bool = True,
    disable: list[str] | None = None,
) -> list[Theme]:
    """Load the rules; raise RuleError listing every problem."""
    if isinstance(directories, Path):
        directories = [directories]
    ruleset = collect_rules(directories, use_defaults, disable)
    if ruleset.problems:
        raise RuleError(ruleset.problems)
    return ruleset.themes
