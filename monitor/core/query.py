"""The watchlist query language: the search syntax federalregister.gov users already know.

    artificial intelligence        both words, anywhere (implicit AND)
    "model weights"                the exact phrase
    chips | semiconductors         either one (`|` is OR; the word OR is just a word)
    -drone   !drone                not this
    (a | b) c                      parentheses group
    comput*                        prefix wildcard: computing, computers...
    AI-related                     hyphenated words are a phrase: "AI related"

Our extension, for acronyms (federalregister.gov has no such syntax):

    =AI                            the acronym as written: capitals, a token of its own; not "Ai", "HPAI" or
                                   the AI of "AI/AN"
    =AI[artificial intelligence]   ...and not in a document that defines AI only as something else, such as
                                   "Aleutian Islands (AI)" or "AI (avian influenza)"; several meanings: [a|b]

Matching is case-insensitive and on word boundaries: `AI` never matches inside `said`. Text is cut into
words (runs of letters and digits); a term is a sequence of such words, so punctuation and hyphens between
words never matter. An acronym term is the exception: it is matched on the text as written
(see monitor.core.acronyms).

Precedence, loosest first: `|`, then implicit AND, then `-`/`!`. A query is parsed once, at load; every
error names its position (1-based column) so a user can find it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

WORD = re.compile(r"[^\W_]+")


def mention_pattern(acronym: str) -> re.Pattern[str]:
    """The acronym as written, a token of its own (a plural `s` allowed); a slash joins acronyms into another
    one ("AI/AN" is American Indian/Alaska Native), so a slash on either side makes it no mention."""
    return re.compile(rf"(?<![^\W_]|/){re.escape(acronym)}s?(?![^\W_]|/[^\W_])")


def split_words(text: str) -> list[str]:
    """The words of `text`, lower-cased: the unit every term is matched on."""
    return WORD.findall(text.lower())


class QueryError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase; `prefix` lets its last word be the start of a longer word.

    An acronym term (`=AI`) keeps its one word as written and is matched case-sensitively; `meanings` are
    the expansions (as words) under which a document's own definition of it still counts."""

    words: tuple[str, ...]
    prefix: bool = False
    acronym: bool = False
    meanings: tuple[tuple[str, ...], ...] = ()

    @property
    def text(self) -> str:
        if self.acronym:
            shown = "|".join(" ".join(m) for m in self.meanings)
            return f"={self.words[0]}" + (f"[{shown}]" if shown else "")
        shown = " ".join(self.words) + ("*" if self.prefix else "")
        return f'"{shown}"' if len(self.words) > 1 else shown


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class All:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    operands: tuple[Node, ...]


Node = Term | Not | All | Any_

_SPECIAL = set('()|"')


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "phrase", "acronym", "or", "not", "open", "close"
    value: str
    position: int  # 1-based column, for error messages


def _tokenize(query: str) -> Iterator[_Token]:
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            yield _Token("open", ch, i + 1)
            i += 1
        elif ch == ")":
            yield _Token("close", ch, i + 1)
            i += 1
        elif ch == "|":
            yield _Token("or", ch, i + 1)
            i += 1
        elif ch in "-!" and (i + 1 < n and not query[i + 1].isspace()):
            # A leading - or ! negates what follows; inside a word (AI-related) it is a hyphen.
            yield _Token("not", ch, i + 1)
            i += 1
        elif ch == "=":
            start = i
            i += 1
            while i < n and not query[i].isspace() and query[i] not in _SPECIAL and query[i] != "[":
                i += 1
            if i < n and query[i] == "[":
                end = query.find("]", i)
                if end < 0:
                    raise QueryError("unbalanced bracket", i + 1)
                i = end + 1
            yield _Token("acronym", query[start + 1 : i], start + 1)
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError("unbalanced quote", i + 1)
            yield _Token("phrase", query[i + 1 : end], i + 1)
            i = end + 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in _SPECIAL:
                i += 1
            yield _Token("word", query[start:i], start + 1)


def _make_term(raw: str, position: int) -> Term:
    prefix = raw.rstrip().endswith("*")
    words = tuple(split_words(raw))
    if not words:
        raise QueryError(f"{raw.strip()!r} has no letters or digits to search for", position)
    if "*" in raw.rstrip().rstrip("*"):
        raise QueryError("'*' is only allowed at the end of a word", position)
    return Term(words, prefix)


_ACRONYM = re.compile(r"^[A-Za-z0-9&]*[A-Z][A-Za-z0-9&]*$")


def _make_acronym(raw: str, position: int) -> Term:
    """`AI` or `AI[artificial intelligence|augmented intelligence]` (the text after the `=`)."""
    acronym, _, rest = raw.partition("[")
    if not acronym:
        raise QueryError("'=' needs an acronym right after it, like =AI", position)
    if not _ACRONYM.match(acronym):
        raise QueryError(f"acronym {acronym!r} needs a capital letter and only letters, digits or '&'", position)
    meanings: list[tuple[str, ...]] = []
    if rest:
        for meaning in rest.removesuffix("]").split("|"):
            words = tuple(split_words(meaning))
            if not words:
                raise QueryError(f"acronym {acronym!r} has an empty meaning in [...]", position)
            meanings.append(words)
    return Term((acronym,), acronym=True, meanings=tuple(meanings))


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = list(_tokenize(query))
        self.index = 0
        self.end = len(query) + 1

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("empty query", 1)
        node = self.parse_any()
        token = self.peek()
        if token is not None:
            raise QueryError(f"unexpected {token.value!r}", token.position)
        return node

    def parse_any(self) -> Node:
        operands = [self.parse_all()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            operands.append(self.parse_all())
        return operands[0] if len(operands) == 1 else Any_(tuple(operands))

    def parse_all(self) -> Node:
        operands: list[Node] = []
        while (token := self.peek()) is not None and token.kind not in ("or", "close"):
            operands.append(self.parse_unary())
        if not operands:
            token = self.peek()
            position = token.position if token else self.end
            what = f"before {token.value!r}" if token else "at the end"
            raise QueryError(f"missing search term {what}", position)
        return operands[0] if len(operands) == 1 else All(tuple(operands))

    def parse_unary(self) -> Node:
        token = self.take()
        if token.kind == "not":
            if self.peek() is None:
                raise QueryError(f"{token.value!r} needs a term after it", token.position)
            return Not(self.parse_unary())
        if token.kind == "open":
            if (nxt := self.peek()) is not None and nxt.kind == "close":
                raise QueryError("empty parentheses", token.position)
            node = self.parse_any()
            closing = self.peek()
            if closing is None or closing.kind != "close":
                raise QueryError("unbalanced parenthesis", token.position)
            self.take()
            return node
        if token.kind in ("word", "phrase"):
            return _make_term(token.value, token.position)
        if token.kind == "acronym":
            return _make_acronym(token.value, token.position)
        raise QueryError(f"unexpected {token.value!r}", token.position)


def parse_query(query: str) -> Node:
    """Parse a query string into a tree; raises QueryError naming the position of the first problem."""
    return _Parser(query).parse()


def iter_terms(node: Node, positive: bool = True) -> Iterator[tuple[Term, bool]]:
    """Every term with whether it counts for a match (False under an odd number of NOTs)."""
    if isinstance(node, Term):
        yield node, positive
    elif isinstance(node, Not):
        yield from iter_terms(node.operand, not positive)
    else:
        for operand in node.operands:
            yield from iter_terms(operand, positive)


def evaluate(node: Node, present: Callable[[Term], bool]) -> bool:
    if isinstance(node, Term):
        return present(node)
    if isinstance(node, Not):
        return not evaluate(node.operand, present)
    if isinstance(node, All):
        return all(evaluate(op, present) for op in node.operands)
    return any(evaluate(op, present) for op in node.operands)


def term_pattern(term: Term) -> re.Pattern[str]:
    """A regex that finds `term` in original text, for snippets: words separated by any non-word run."""
    if term.acronym:
        return mention_pattern(term.words[0])
    parts = [re.escape(w) for w in term.words]
    tail = r"[^\W_]*" if term.prefix else r"(?![^\W_])"
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(parts) + tail, re.IGNORECASE)
