"""``chartside scribe ...``: draft a note from audio, or run the negation detector on JSONL.

Contract: ``add_subparsers(subparsers)`` adds a ``scribe`` command to an argparse subparsers
object (the desktop CLI calls it); ``main(argv) -> int`` runs standalone
(``python -m scribe.cli draft AUDIO``). Every ``ChartsideError`` becomes one line on stderr and
its ``exit_code``; nothing here prints a traceback for an expected failure.

  chartside scribe draft AUDIO [--dx ICD10 ...] [--model DIR_OR_NAME] [--allow-download]
                               [--compute-type int8|float32] [--json]
  chartside scribe draft AUDIO --stream [--json]   (the live path: a JSON line per piece as
      it is decoded, then the draft)
  chartside scribe draft --transcript FILE.json [--dx ...] [--json]   (re-draft a saved
      transcript: the "transcript" object of ``--json`` output or ``transcript_to_dict``)
  chartside scribe negation --input FILE.jsonl   (lines {"id","sentence","concept"} →
                                                   lines {"id","negated"})
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from core.domain.errors import ChartsideError, InvalidInput


def add_subparsers(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``scribe`` (with ``draft`` and ``negation``) to an argparse subparsers object."""
    scribe = subparsers.add_parser("scribe", help="dictation: audio → draft note with checks")
    commands = scribe.add_subparsers(dest="scribe_command", required=True)
    draft = commands.add_parser("draft", help="transcribe a recording and draft a SOAP note")
    draft.add_argument("audio", type=Path, nargs="?", help="wav, mp3, m4a, ogg or webm file")
    draft.add_argument("--transcript", type=Path, default=None, metavar="FILE.json",
                       help="draft from a saved transcript instead of audio")
    draft.add_argument("--compute-type", default=None, choices=("int8", "float32"),
                       help="speech model precision (default: $CHARTSIDE_SCRIBE_COMPUTE, else "
                            "the measured default; see docs/scribe.md)")
    draft.add_argument("--dx", nargs="*", default=[], metavar="ICD10",
                       help="the episode's ICD-10-CM codes (for the laterality check)")
    draft.add_argument("--model", default=None,
                       help="a CTranslate2 Whisper model folder (default: the bundled tiny.en)")
    draft.add_argument("--allow-download", action="store_true",
                       help="consent to download a named model (e.g. base.en) if not present")
    draft.add_argument("--discipline", default=None, choices=("PT", "OT", "SLP", "LMT"),
                       help="the episode's discipline (shapes the decoding prompt)")
    draft.add_argument("--json", action="store_true", help="print one JSON object")
    draft.add_argument("--stream", action="store_true",
                       help="transcribe piece by piece as the live recorder does: print each "
                            "piece as a JSON line as it is decoded, then the draft")
    draft.set_defaults(func=run_draft)
    neg = commands.add_parser("negation", help="negation detector over a JSONL file")
    neg.add_argument("--input", type=Path, required=True, help="JSONL: id, sentence, concept")
    neg.set_defaults(func=run_negation)
    return scribe


def run_draft(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from scribe.context import DictationContext
    from scribe.draft import build_draft
    from scribe.model import load_model
    from scribe.serialize import draft_to_dict
    from scribe.transcribe import transcribe

    context = DictationContext.from_codes(args.dx, args.discipline)
    if (args.audio is None) == (args.transcript is None):
        raise InvalidInput("Give either an audio file or --transcript FILE.json.")
    if args.transcript is not None:
        transcript = _saved_transcript(args.transcript)
    else:
        model = load_model(args.model, allow_download=args.allow_download,
                           compute_type=args.compute_type)
        from scribe.transcribe import TranscribeOptions

        options = TranscribeOptions()
        if args.dx or args.discipline:
            from scribe.prompt import prompt_for

            options = TranscribeOptions(initial_prompt=prompt_for(context))
        if args.stream:
            transcript = _streamed(args.audio, args.compute_type, context, out)
        else:
            transcript = transcribe(args.audio, model=model, options=options)
    draft = build_draft(transcript, context)
    if args.json:
        json.dump(draft_to_dict(draft), out, ensure_ascii=False)
        out.write("\n")
        return 0
    for section, text in draft.sections.items():
        out.write(f"{section.upper()}\n  {text or '-'}\n")
    if draft.blocks:
        out.write("SUGGESTED BLOCKS\n")
        for b in draft.blocks:
            when = f" {b.start}–{b.stop}" if b.start else ""
            alt = f" (or {', '.join(b.alternatives)})" if b.alternatives else ""
            minutes = f"{b.minutes} min" if b.minutes is not None else "minutes not dictated"
            out.write(f"  {b.code}{alt}: {minutes}{when}\n")
    if draft.flags:
        out.write("FLAGS\n")
        for f in draft.flags:
            where = f" @{f.span.start:.1f}s" if f.span and f.span.first_word >= 0 else ""
            out.write(f"  [{f.severity.value}] {f.kind.value}: {f.message}{where}\n")
    return 0


def _streamed(audio_path: Path, compute_type: str | None, context: Any, out: TextIO) -> Any:
    """The live path on a file: 1-second chunks through ``scribe.live``, a JSON line per piece."""
    import threading

    from scribe.audio import load_audio
    from scribe.live import LiveTranscription, Piece
    from scribe.transcribe import ModelTranscriber

    audio = load_audio(audio_path)
    lock = threading.Lock()

    def piece(p: Piece) -> None:
        with lock:
            out.write(json.dumps({"piece": p.index, "start": round(p.start, 2),
                                  "end": round(p.end, 2),
                                  "text": p.transcript.word_text if p.transcript else ""}) + "\n")
            out.flush()

    session = LiveTranscription(ModelTranscriber(compute_type), context=context, on_piece=piece)
    for i in range(0, audio.size, 16_000):
        session.feed(audio[i : i + 16_000])
    return session.finish()


def _saved_transcript(path: Path) -> Any:
    from scribe.serialize import transcript_from_dict

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("transcript"), dict):
            data = data["transcript"]
        return transcript_from_dict(data)
    except OSError as error:
        raise InvalidInput(f"There is no readable file at {path}.") from error
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidInput(f"{path.name} is not a saved transcript "
                           "(JSON with segments of timed words).") from error


def run_negation(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from scribe.negation import is_negated

    path: Path = args.input
    if not path.is_file():
        raise InvalidInput(f"There is no file at {path}.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path.name} is not UTF-8 text.") from error
    except OSError as error:
        raise InvalidInput(f"There is no readable file at {path}.") from error
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            sentence, concept = row["sentence"], row["concept"]
            if not isinstance(sentence, str) or not isinstance(concept, str):
                raise TypeError("sentence and concept must be text")
            result = {"id": row["id"], "negated": is_negated(sentence, concept)}
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise InvalidInput(f"Line {number} of {path.name} is not "
                               '{"id", "sentence", "concept"} JSON.') from error
        out.write(json.dumps(result) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chartside")
    add_subparsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        return int(args.func(args))
    except ChartsideError as error:
        print(f"chartside: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main(["scribe", *sys.argv[1:]]))
