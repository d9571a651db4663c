"""What a document says an acronym stands for, so that `=AI[artificial intelligence]` can ignore the AI of
the Aleutian Islands.

A definition is read in the two ways the Federal Register writes them:
    Aleutian Islands (AI)          the words right before the acronym in parentheses
    AI (avian influenza)           the words in parentheses right after it
Either way the words' initials must spell the acronym (small words such as "and" or "of" are skipped), so
"the use of AI (see section 3)" defines nothing. A compound in parentheses ("(AI/AN)") defines the compound,
not AI: mentions inside it never count anyway (see monitor.core.query.mention_pattern).

The rule that uses this: a document that defines the acronym, and never as one of the meanings the term
names, does not count as mentioning it. A document that defines it both ways ("artificial intelligence (AI)"
and "acceptable intake (AI)") still counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from monitor.core.query import split_words

# Small words that definitions skip when they spell an acronym: "American Indian and Alaska Native".
_SKIPPED = frozenset({"and", "of", "the", "for", "in", "on", "to", "a", "an", "or"})
_LOOK_BACK = 200  # characters before "(AI)" searched for its words
_WORDS = re.compile(r"[^\W\d_]+")


def _letters(acronym: str) -> str:
    return "".join(ch for ch in acronym.lower() if ch.isalpha())


def _spelled_backwards(text: str, letters: str) -> tuple[str, ...] | None:
    """The last words of `text` whose initials spell `letters`, or None."""
    words = _WORDS.findall(text[-_LOOK_BACK:])
    taken: list[str] = []
    needed = list(letters)
    while words and needed:
        word = words.pop()
        if word.lower() in _SKIPPED and taken:
            taken.append(word)
            continue
        if word[0].lower() != needed[-1]:
            return None
        needed.pop()
        taken.append(word)
    if needed:
        return None
    return tuple(w.lower() for w in reversed(taken))


def _spelled_forwards(text: str, letters: str) -> tuple[str, ...] | None:
    """`text` (what stands in the parentheses) when its words' initials spell `letters`, or None."""
    words = [w for w in _WORDS.findall(text) if w.lower() not in _SKIPPED]
    if len(words) != len(letters) or any(w[0].lower() != c for w, c in zip(words, letters, strict=True)):
        return None
    return tuple(w.lower() for w in _WORDS.findall(text))


def find_definitions(text: str, acronym: str) -> Iterator[tuple[str, ...]]:
    """Each meaning `text` gives the acronym, as lower-case words."""
    letters = _letters(acronym)
    if not letters:
        return
    quoted = re.escape(acronym)
    before = re.compile(rf"\(\s*[\"“']?{quoted}s?[\"”']?\s*[),;]")
    for found in before.finditer(text):
        if (words := _spelled_backwards(text[: found.start()], letters)) is not None:
            yield words
    after = re.compile(rf"(?<![^\W_]|/){quoted}s?\s*\(([^()]{{3,100}})\)")
    for found in after.finditer(text):
        if (words := _spelled_forwards(found[1], letters)) is not None:
            yield words


def other_meaning(texts: Iterable[str], acronym: str, meanings: Iterable[tuple[str, ...]]) -> str | None:
    """The other meaning the texts define the acronym as, when they define it only otherwise; else None."""
    wanted = {tuple(split_words(" ".join(m))) for m in meanings}
    others: list[tuple[str, ...]] = []
    for text in texts:
        for words in find_definitions(text, acronym):
            if tuple(split_words(" ".join(words))) in wanted:
                return None
            others.append(words)
    return " ".join(others[0]) if others else None
