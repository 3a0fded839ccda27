"""LaTeX as found in BibTeX fields, turned into plain Unicode text.

Accents (``{\\"u}``, ``\\'e``, ``\\c{c}``), special letters (``{\\ss}``, ``\\o``), escaped
characters (``\\&``), font commands (``\\textit{x}`` -> x), dashes (``--`` -> –), ties (``~``)
and protective braces (``{BERT}`` -> BERT). Unknown commands keep their argument (or their name
when they have none) so that no word is lost.
"""

from __future__ import annotations

import re
import unicodedata

_ACCENTS = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    "u": "\u0306",
    ".": "\u0307",
    '"': "\u0308",
    "r": "\u030a",
    "H": "\u030b",
    "v": "\u030c",
    "d": "\u0323",
    "c": "\u0327",
    "k": "\u0328",
    "b": "\u0331",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "textendash": "–",
    "textemdash": "—",
    "ldots": "…",
    "dots": "…",
    "textellipsis": "…",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "guillemotleft": "«",
    "guillemotright": "»",
    "S": "§",
    "P": "¶",
    "copyright": "©",
    "textregistered": "®",
    "texttrademark": "™",
    "pounds": "£",
    "euro": "€",
    "textbackslash": "\\",
    "textasciicircum": "^",
    "textasciitilde": "~",
    "textquotesingle": "'",
    "textquotedbl": '"',
    "textunderscore": "_",
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textdollar": "$",
    "textsterling": "£",
    "texteuro": "€",
    "textyen": "¥",
    "textdegree": "°",
    "textcopyright": "©",
    "textbullet": "•",
    "textperiodcentered": "·",
    "textexclamdown": "¡",
    "textquestiondown": "¿",
    "textsection": "§",
    "textparagraph": "¶",
    "textdagger": "†",
    "textdaggerdbl": "‡",
    "dag": "†",
    "ddag": "‡",
    "textmu": "µ",
    "textpm": "±",
    "texttimes": "×",
    "textdiv": "÷",
    "textonehalf": "½",
    "textperthousand": "‰",
    "textasteriskcentered": "*",
    "textvisiblespace": "␣",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "BibTeX": "BibTeX",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "times": "×",
    "leq": "≤",
    "geq": "≥",
    "le": "≤",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "sim": "∼",
    "infty": "∞",
    "pm": "±",
    "cdot": "·",
    "rightarrow": "→",
    "to": "→",
    "leftarrow": "←",
    "ell": "ℓ",
    "quad": " ",
    "qquad": " ",
    "par": " ",
    "newline": " ",
    "noindent": "",
    "relax": "",
    "protect": "",
    "xspace": "",
    "/": "",
    ",": " ",
    ";": " ",
    " ": " ",
}
_ESCAPED = set("&%$#_{}")
# Letters that are part of a word: the space after '\\ss ' only ends the command name.
_WORD_LETTERS = {
    "ss",
    "o",
    "O",
    "ae",
    "AE",
    "oe",
    "OE",
    "aa",
    "AA",
    "l",
    "L",
    "i",
    "j",
    "dh",
    "DH",
    "th",
    "TH",
    "ng",
    "NG",
}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)\s*", re.DOTALL)
# Commands whose first argument is not text (dropped) -- everything else keeps its argument.
_DROP_ARGUMENT = {"label", "cite", "citep", "citet", "ref", "eqref", "vspace", "hspace"}
_TWO_ARGS_KEEP_SECOND = {"href"}


def _read_group(text: str, i: int) -> tuple[str, int]:
    """At text[i] == '{': the group's content (braces balanced) and the offset after it."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "\\":
            continue
        if text[j] == "{" and (j == 0 or text[j - 1] != "\\"):
            depth += 1
        elif text[j] == "}" and (j == 0 or text[j - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return text[i + 1 : j], j + 1
    return text[i + 1 :], len(text)


def _argument(text: str, i: int) -> tuple[str, int]:
    """The next argument at text[i:]: a {group} or a single character."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return "", i
    if text[i] == "{":
        return _read_group(text, i)
    if text[i] == "\\":
        match = _COMMAND.match(text, i)
        if match:
            return match.group(0).strip(), match.end()
    return text[i], i + 1


def _accent(mark: str, base: str) -> str:
    base = to_text(base) if base else ""
    if base in {"ı", "ȷ"}:
        base = {"ı": "i", "ȷ": "j"}[base]
    if not base:
        return unicodedata.normalize("NFC", " " + _ACCENTS[mark]).strip() or ""
    return unicodedata.normalize("NFC", base[0] + _ACCENTS[mark] + base[1:])


def _convert(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                i += 1
                continue
            nxt = text[i + 1]
            if nxt in _ESCAPED:
                out.append(nxt)
                i += 2
                continue
            if nxt == "\\":
                out.append(" ")
                i += 2
                continue
            match = _COMMAND.match(text, i)
            assert match is not None
            name = match.group(1)
            after_name = i + 1 + len(name)
            if name in _ACCENTS and (not name.isalpha() or _is_accent_use(text, after_name)):
                argument, i = _argument(text, after_name)
                out.append(_accent(name, argument))
                continue
            if name in _LETTERS:
                out.append(_LETTERS[name])
                i = match.end()
                if text.startswith("{}", i):
                    i += 2
                elif i > after_name and name.isalpha() and not _ends_at_space(name):
                    out.append(" ")  # '\\LaTeX is' keeps its space; 'Gro\\ss e' does not
                continue
            if name.isalpha():
                i = match.end()
                if i < len(text) and text[i] == "{":
                    argument, i = _read_group(text, i)
                    if name in _TWO_ARGS_KEEP_SECOND and i < len(text) and text[i] == "{":
                        argument, i = _read_group(text, i)
                    if name not in _DROP_ARGUMENT:
                        out.append(_convert(argument))
                else:
                    out.append(name)
                    if match.end() > after_name:
                        out.append(" ")
                continue
            out.append(name)
            i += 2
            continue
        if ch == "{":
            content, i = _read_group(text, i)
            out.append(_convert(content))
            continue
        if ch in "}$":
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _ends_at_space(name: str) -> bool:
    """Letters and text symbols join what follows: 'Gro\\ss e', 'x\\textasciicircum 2'."""
    return name in _WORD_LETTERS or name.startswith("text") or name in {"dag", "ddag"}


def _is_accent_use(text: str, after: int) -> bool:
    """`\\u{g}` / `\\v c` are accents; `\\url` or `\\documentclass` are not (matched by name)."""
    return after < len(text) and (text[after] == "{" or text[after] == " ")


def to_text(value: str) -> str:
    """LaTeX source -> plain text with single spaces."""
    text = _convert(value)
    text = text.replace("---", "—").replace("--", "–").replace("~", " ")
    text = text.replace("``", "“").replace("''", "”")
    return " ".join(text.split())
