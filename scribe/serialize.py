"""Draft → JSON-ready dict (the shape ``chartside scribe draft --json`` prints).

Contract: ``draft_to_dict(draft)`` returns only JSON types. Top-level keys: ``transcript``
(text), ``duration``, ``model``, ``segments`` (start, end, text, hallucination, words with
start/end/probability), ``dropped_segments``, ``sentences`` (id, section, text, source_text,
span, negated), ``sections`` (subjective/objective/assessment/plan text), ``items`` (id, kind,
text, sentence_id, section, span, values, negated), ``flags`` (kind, severity, code, message,
span, sentence_id, item_id), ``suggested_blocks`` (code, minutes, start, stop, alternatives,
item_ids, side, span) and ``visit`` (start, end). Spans are {start, end, words: [first, last],
text, confidence, min_probability}. Adding keys is compatible; renaming is not.

``transcript_to_dict`` / ``transcript_from_dict`` round-trip a ``Transcript`` exactly (words
with times, probabilities and gluing): the committed fixture transcripts in
tests/scribe/fixtures/transcripts/ and ``chartside scribe draft --transcript FILE`` use them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from scribe.coverage import Gap
from scribe.draft import Draft
from scribe.transcript import DroppedSegment, Segment, Span, Transcript, Word


def span_dict(span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {"start": span.start, "end": span.end, "words": [span.first_word, span.last_word],
            "text": span.text, "confidence": span.confidence,
            "min_probability": span.min_probability}


def _segment_dict(s: Segment) -> dict[str, Any]:
    return {"id": s.id, "start": s.start, "end": s.end, "text": s.text,
            "hallucination": s.hallucination, "avg_logprob": round(s.avg_logprob, 3),
            "no_speech_prob": round(s.no_speech_prob, 3),
            "compression_ratio": round(s.compression_ratio, 3),
            "words": [{"word": w.text, "start": w.start, "end": w.end,
                       "probability": w.probability, "glued": w.glued} for w in s.words]}


def transcript_to_dict(t: Transcript) -> dict[str, Any]:
    return {"duration": round(t.duration, 3), "language": t.language, "model": t.model,
            "transcribe_seconds": round(t.transcribe_seconds, 2),
            "segments": [_segment_dict(s) for s in t.segments],
            "dropped_segments": [asdict(d) for d in t.dropped],
            "gaps": [asdict(g) for g in t.gaps]}


def transcript_from_dict(data: dict[str, Any]) -> Transcript:
    """The inverse of ``transcript_to_dict``; raises ``KeyError``/``TypeError``/``ValueError``
    on a malformed dict (callers turn those into ``InvalidInput``)."""
    segments = tuple(
        Segment(int(s.get("id", i)), float(s["start"]), float(s["end"]), str(s["text"]),
                tuple(Word(str(w["word"]), float(w["start"]), float(w["end"]),
                           float(w["probability"]), bool(w.get("glued", False)))
                      for w in s["words"]),
                float(s.get("avg_logprob", 0.0)), float(s.get("no_speech_prob", 0.0)),
                float(s.get("compression_ratio", 1.0)), s.get("hallucination"))
        for i, s in enumerate(data["segments"]))
    dropped = tuple(DroppedSegment(float(d["start"]), float(d["end"]), str(d["text"]),
                                   str(d["reason"])) for d in data.get("dropped_segments", ()))
    gaps = tuple(Gap(float(g["start"]), float(g["end"])) for g in data.get("gaps", ()))
    return Transcript(segments, float(data["duration"]), str(data.get("language", "en")),
                      str(data.get("model", "")), dropped,
                      float(data.get("transcribe_seconds", 0.0)), gaps)


def draft_to_dict(draft: Draft) -> dict[str, Any]:
    t = draft.transcript
    return {
        "transcript": t.text,
        "duration": round(t.duration, 2),
        "model": t.model,
        "transcribe_seconds": round(t.transcribe_seconds, 2),
        "segments": [_segment_dict(s) for s in t.segments],
        "dropped_segments": [asdict(d) for d in t.dropped],
        "gaps": [asdict(g) for g in t.gaps],
        "sentences": [
            {"id": s.id, "section": s.section.value, "text": s.text, "source_text": s.source_text,
             "spoken_heading": s.spoken_heading, "negated": list(s.negated),
             "span": span_dict(s.span)}
            for s in draft.sentences
        ],
        "sections": draft.sections,
        "items": [
            {"id": i.id, "kind": i.kind.value, "text": i.text, "sentence_id": i.sentence_id,
             "section": i.section.value, "negated": i.negated, "span": span_dict(i.span),
             "values": asdict(i.values)}
            for i in draft.items
        ],
        "flags": [
            {"kind": f.kind.value, "severity": f.severity.value, "code": f.code,
             "message": f.message, "span": span_dict(f.span), "sentence_id": f.sentence_id,
             "item_id": f.item_id}
            for f in draft.flags
        ],
        "suggested_blocks": [
            {"code": b.code, "minutes": b.minutes, "start": b.start, "stop": b.stop,
             "alternatives": list(b.alternatives), "item_ids": list(b.item_ids), "side": b.side,
             "span": span_dict(b.span)}
            for b in draft.blocks
        ],
        "visit": {"start": draft.visit_start, "end": draft.visit_end},
    }
