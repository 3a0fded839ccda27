"""The user's config file: extra rule directories, disabled themes, a default profile.

Location: ``$PAPERTRIAGE_CONFIG``, else ``$XDG_CONFIG_HOME/papertriage/config.yaml``
(``~/.config/papertriage/config.yaml``). A missing file is no error; a broken one is,
naming the file and line. Relative paths in it are relative to the file's folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from papertriage.errors import RuleError
from papertriage.rules import Checker, compose_yaml

_KEYS = ("rules", "disable", "default_rules", "profile")


@dataclass
class Config:
    path: Path | None = None
    rules: list[Path] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    default_rules: bool = True
    profile: Path | None = None


def config_path() -> Path:
    explicit = os.environ.get("PAPERTRIAGE_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "papertriage" / "config.yaml"


def _path(value: str, base: Path) -> Path:
    path = Path(os.path.expandvars(value)).expanduser()
    return path if path.is_absolute() else base / path


def _strings(checker: Checker, node: yaml.Node, key: str) -> list[str]:
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    found = []
    for item in items:
        text = checker.text(item, f"{key} item")
        if text is not None:
            found.append(text)
    return found


def load_config(path: Path | None = None) -> Config:
    """Read the config file (a missing default file is an empty config)."""
    explicit = path is not None or bool(os.environ.get("PAPERTRIAGE_CONFIG"))
    path = path or config_path()
    if not path.exists():
        if explicit:
            raise RuleError([f"{path}: config file not found"])
        return Config()
    root, problems = compose_yaml(path)
    if problems:
        raise RuleError(problems)
    config = Config(path=path)
    if root is None:
        return config
    checker = Checker(path)
    base = path.parent
    for key, key_node, value in checker.mapping(root, "the config file"):
        if key == "rules":
            config.rules = [_path(p, base) for p in _strings(checker, value, key)]
        elif key == "disable":
            config.disable = _strings(checker, value, key)
        elif key == "default_rules":
            if not isinstance(value, yaml.ScalarNode) or value.tag != "tag:yaml.org,2002:bool":
                checker.error(value, "default_rules must be true or false")
            else:
                config.default_rules = value.value.lower() in ("true", "yes", "on")
        elif key == "profile":
            text = checker.text(value, key)
            config.profile = _path(text, base) if text else None
        else:
            checker.unknown_key(key_node, key, _KEYS)
    if checker.problems:
        raise RuleError(checker.problems)
    return config
