"""Text that remembers which transcript words every character came from.

Contract: ``MappedText.sub`` works like ``re.sub`` but returns a new ``MappedText`` in which
each replacement character points at the whole range of words its match covered. So after
"one hundred ten degrees" becomes "110°", the item extracted from "110°" still points at the
four spoken words and their times. Separators between words map to no word (-1).

We wrote this (about 80 lines) because no text-normalization library we know keeps an
alignment to timed source tokens through arbitrary regex rewrites; the alternatives
(e.g. NeMo's inverse text normalization) are large, need their own grammars, and lose it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True, slots=True)
class MappedText:
    text: str
    lo: tuple[int, ...]  # first word index per character, -1 for none
    hi: tuple[int, ...]  # last word index per character, -1 for none

    @classmethod
    def from_words(cls, words: Sequence[str], offset: int = 0,
                   glued: Sequence[bool] | None = None) -> MappedText:
        """Words joined by single spaces, except before a word marked ``glued``."""
        parts: list[str] = []
        index: list[int] = []
        for i, word in enumerate(words):
            if parts and not (glued and glued[i]):
                parts.append(" ")
                index.append(-1)
            parts.append(word)
            index.extend([i + offset] * len(word))
        text = "".join(parts)
        return cls(text, tuple(index), tuple(index))

    @classmethod
    def plain(cls, text: str) -> MappedText:
        """Map typed text, one pseudo-word per whitespace-separated token."""
        return cls.from_words(text.split())

    def __len__(self) -> int:
        return len(self.text)

    def words_of(self, start: int, end: int) -> tuple[int, int] | None:
        """Inclusive word-index range behind characters ``start:end`` (None if only spaces)."""
        lows = [v for v in self.lo[start:end] if v >= 0]
        highs = [v for v in self.hi[start:end] if v >= 0]
        if not lows:
            return None
        return min(lows), max(highs)

    def slice(self, start: int, end: int) -> MappedText:
        return MappedText(self.text[start:end], self.lo[start:end], self.hi[start:end])

    def strip(self) -> MappedText:
        left = len(self.text) - len(self.text.lstrip())
        right = len(self.text.rstrip())
        return self.slice(left, max(left, right))

    def sub(self, pattern: re.Pattern[str], repl: Replacement) -> MappedText:
        """``re.sub`` that keeps the word mapping. Unchanged text keeps its exact mapping."""
        out_text: list[str] = []
        out_lo: list[int] = []
        out_hi: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            new = repl(m) if callable(repl) else m.expand(repl)
            if new == m.group(0):
                continue
            a, b = m.span()
            out_text.append(self.text[pos:a])
            out_lo.extend(self.lo[pos:a])
            out_hi.extend(self.hi[pos:a])
            rng = self.words_of(a, b)
            lo, hi = rng if rng is not None else (-1, -1)
            out_text.append(new)
            for ch in new:
                out_lo.append(-1 if ch == " " else lo)
                out_hi.append(-1 if ch == " " else hi)
            pos = b
        if pos == 0 and not out_text:
            return self
        out_text.append(self.text[pos:])
        out_lo.extend(self.lo[pos:])
        out_hi.extend(self.hi[pos:])
        return MappedText("".join(out_text), tuple(out_lo), tuple(out_hi))

    def split(self, pattern: re.Pattern[str]) -> list[MappedText]:
        """Split at the matches of ``pattern`` (the separators are dropped)."""
        pieces: list[MappedText] = []
        pos = 0
        for m in pattern.finditer(self.text):
            pieces.append(self.slice(pos, m.start()))
            pos = m.end()
        pieces.append(self.slice(pos, len(self.text)))
        return pieces
