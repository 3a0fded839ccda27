"""Theme rules: YAML files, one theme per file, loaded with a strict schema.

Every problem names the file and line and says what to write instead. Rule files are
untrusted input: they are read with PyYAML's safe loader, and terms are literal text (with a
trailing ``*`` wildcard), never user-supplied regular expressions, so no rule can make
matching backtrack catastrophically.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from papertriage.errors import RuleError

DEFAULT_THRESHOLD = 0.5
DEFAULT_SIMILARITY_WEIGHT = 4.0
MAX_WEIGHT = 5.0
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def default_rules_dir() -> Path:
    """The rules shipped with papertriage (``rules/`` in the source tree)."""
    return Path(__file__).resolve().parent / "default_rules"


@dataclass(frozen=True)
class Term:
    text: str
    weight: float
    pattern: re.Pattern[str] = field(compare=False, repr=False)

    @property
    def case_sensitive(self) -> bool:
        return not self.pattern.flags & re.IGNORECASE


def is_acronym(term: str) -> bool:
    """'RL', 'LoRA', 'MoE', 'GUI agent' match case-sensitively; 'Transformer' does not."""
    return any(ch.isupper() for ch in term.replace(" ", "")[1:])


def _word_pattern(word: str, last: bool, wildcard: bool) -> str:
    if last and wildcard:
        return re.escape(word) + r"\w*"
    if not last or not word[-1:].isalpha():
        return re.escape(word)
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + r"(?:y|ies)"
    if word.endswith(("s", "x", "ch", "sh")):
        return re.escape(word) + r"(?:es)?"
    return re.escape(word) + r"s?"


def compile_term(text: str) -> re.Pattern[str]:
    """Literal term -> regex with hyphen/space variants, plurals and an optional ``*`` ending."""
    core = text.strip()
    wildcard = core.endswith("*")
    core = core.rstrip("*").strip()
    words = [w for w in re.split(r"[\s\-]+", core) if w]
    parts = [_word_pattern(w, i == len(words) - 1, wildcard) for i, w in enumerate(words)]
    body = r"[\s\-]?".join(parts)
    flags = 0 if is_acronym(core) else re.IGNORECASE
    return re.compile(rf"(?<!\w){body}(?!\w)", flags)


@dataclass
class Theme:
    id: str
    name: str
    description: str
    keywords: list[Term]
    prototype: str
    negative: list[Term] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    similarity_weight: float = DEFAULT_SIMILARITY_WEIGHT
    examples_positive: list[str] = field(default_factory=list)
    examples_negative: list[str] = field(default_factory=list)
    source: str = ""


# --- schema -------------------------------------------------------------------------------

_KEYS: dict[str, tuple[bool, str]] = {
    # key: (required, what it is)
    "name": (True, "text"),
    "description": (True, "text"),
    "threshold": (False, "number"),
    "keywords": (True, "terms"),
    "negative": (False, "terms"),
    "prototype": (True, "text"),
    "similarity_weight": (False, "number"),
    "examples": (False, "examples"),
}
_EXAMPLE_KEYS = ("positive", "negative")


class _Checker:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []

    def error(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"{self.path}:{line}: {message}")

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
        if value is None or not low < value <= high:
            self.error(
                node, f"{key} must be a number above {low:g} and at most {high:g}, e.g. {key}: 1.0"
            )
            return None
        return value

    def terms(self, node: yaml.Node, key: str) -> list[Term]:
        terms = []
        for term, term_node, weight_node in self.mapping(node, key):
            if not term.strip().rstrip("*").strip():
                self.error(term_node, f"{key}: empty term")
                continue
            if re.search(r"[\\()\[\]{}|^$?+]", term):
                self.error(
                    term_node,
                    f"{key}: {term!r} looks like a regular expression; terms are plain words "
                    "(hyphen/space variants and plurals match by themselves, 'word*' matches "
                    "any ending)",
                )
                continue
            weight = self.number(weight_node, f"{key}: weight of {term!r}", 0.0, MAX_WEIGHT)
            if weight is not None:
                terms.append(Term(term.strip(), weight, compile_term(term)))
        if key == "keywords" and not terms and not self.problems:
            self.error(node, "keywords must list at least one term: weight")
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


def check_rule_file(path: Path) -> tuple[Theme | None, list[str]]:
    """Parse and validate one rule file; return the theme (if valid) and every problem."""
    checker = _Checker(path)
    theme_id = path.stem
    if not ID_RE.match(theme_id):
        checker.error(
            None,
            f"file name {path.name!r} is not a theme id: use lower-case letters, digits and "
            "hyphens, e.g. my-theme.yaml",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}:1: cannot read rule file: {exc}"]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [f"{path}:{line}: not valid YAML: {reason}"]
    if root is None:
        return None, [f"{path}:1: rule file is empty; it needs name, description, keywords"]

    values: dict[str, Any] = {}
    for key, key_node, value in checker.mapping(root, "a rule file"):
        if key not in _KEYS:
            close = difflib.get_close_matches(key, list(_KEYS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(_KEYS)}"
            checker.error(key_node, f"unknown key {key!r}; {hint}")
            continue
        kind = _KEYS[key][1]
        if kind == "text":
            values[key] = checker.text(value, key)
        elif kind == "number":
            high = 1.0 if key == "threshold" else 100.0
            if key == "threshold":
                number = _scalar_number(value)
                if number is None or not 0.0 < number < 1.0:
                    checker.error(value, "threshold must be a number between 0 and 1, e.g. 0.5")
                    continue
                values[key] = number
            else:
                values[key] = checker.number(value, key, -0.000001, high)
        elif kind == "terms":
            values[key] = checker.terms(value, key)
        else:
            values[key] = checker.examples(value)
    if isinstance(root, yaml.MappingNode):
        for key, (required, _) in _KEYS.items():
            if required and key not in values:
                checker.error(root, f"missing required key {key!r}")
    if checker.problems:
        return None, checker.problems
    examples = values.get("examples") or {}
    theme = Theme(
        id=theme_id,
        name=values["name"],
        description=values["description"],
        keywords=values["keywords"],
        prototype=values["prototype"],
        negative=values.get("negative") or [],
        threshold=values.get("threshold", DEFAULT_THRESHOLD),
        similarity_weight=values.get("similarity_weight", DEFAULT_SIMILARITY_WEIGHT),
        examples_positive=examples.get("positive", []),
        examples_negative=examples.get("negative", []),
        source=str(path),
    )
    return theme, []


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file()) + sorted(
        p for p in directory.glob("*.yml") if p.is_file()
    )


def validate_dir(directory: Path) -> tuple[list[Theme], list[str]]:
    """Every theme that loads and every problem in every file of a directory."""
    if not directory.is_dir():
        return [], [f"{directory}: no such rules directory"]
    themes, problems = [], []
    for path in rule_files(directory):
        theme, found = check_rule_file(path)
        problems.extend(found)
        if theme is not None:
            themes.append(theme)
    if not themes and not problems:
        problems.append(f"{directory}: no rule files (*.yaml) found")
    return themes, problems


def load_rules(directory: Path | None = None) -> list[Theme]:
    """Load a rule directory (the defaults when None); raise RuleError listing every problem."""
    themes, problems = validate_dir(directory or default_rules_dir())
    if problems:
        raise RuleError(problems)
    return themes
