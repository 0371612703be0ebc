"""Scribe benchmark: speed, overhead, memory, WER and negation accuracy (``make bench``).

Figures (all measured in this run, on this machine):
- model load time of the bundled tiny.en (median of 3);
- end-to-end real-time factor on a 5-minute dictation built by concatenating the fixtures
  (target: drafted in < 40 s, i.e. ≥ 7.5× real time);
- the pipeline's overhead over bare faster-whisper on the same audio in the same run
  (``WhisperModel.transcribe`` with VAD, word timestamps, the same prompt and beam; target
  < 10 %), and the cost of drafting + checks alone;
- peak resident memory of a fresh process that loads, transcribes and drafts (target < 700 MB);
- WER per fixture after normalization, with and without the mishearing fixes;
- the two compute types side by side (``compute``): WER (mean, worst), key clinical terms heard
  and real-time factor of int8 and float32 on the 7 fixtures, 3 interleaved passes, with the
  CPU's name and vector extensions (int8 kernels differ by instruction set) — the figures
  behind ``scribe.model.DEFAULT_COMPUTE_TYPE``;
- models side by side (``models``): the bundled tiny.en and any CTranslate2 Whisper folder
  named in ``BENCH_SCRIBE_MODELS`` (base.en, small.en, ... where the user has them), WER, key
  terms and speed on the 7 fixtures;
- decoders side by side (``decoders``): ours vs bare faster-whisper's defaults vs its batched
  pipeline decoding our VAD windows, both compute types, WER and time;
- the live path (``live``): stop → draft time with audio fed in 100 ms chunks, pieces, WER of
  the pieces against the whole-file path;
- silent errors on the trap dictations (``traps``): values right / flagged / silent, recall of
  problems, blocks right, per-flag precision, false warnings on clean dictations — tuning and
  held-out sets apart (tests/scribe/traps.py);
- negation accuracy of ``scribe.negation`` side by side with medspaCy's ConText (default
  rules) on tests/scribe/fixtures/negation_set.jsonl. medspaCy is optional: imported if
  present, else run through the interpreter named by ``MEDSPACY_PYTHON`` (a separate
  virtualenv — it pins numpy < 2, which would downgrade our transcription stack), else
  reported as not installed.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench._harness import median_time, ms, report

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "scribe" / "fixtures"
NEGATION_SET = FIXTURES / "negation_set.jsonl"
SECONDS = 300.0

_MEDSPACY_SCRIPT = """
import json, sys
import medspacy
from medspacy.ner import TargetRule
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
nlp = medspacy.load(medspacy_enable=["medspacy_pyrush", "medspacy_target_matcher",
                                     "medspacy_context"])
nlp.get_pipe("medspacy_target_matcher").add(
    [TargetRule(c, "CONCEPT") for c in sorted({r["concept"].lower() for r in rows})])
out = {}
for r in rows:
    doc = nlp(r["sentence"])
    hits = [e for e in doc.ents if e.text.lower() == r["concept"].lower()]
    out[r["id"]] = bool(hits and hits[0]._.is_negated)
print(json.dumps(out))
"""

# VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so a child started from a parent
# that already holds the model would report the parent's peak.
_RSS_SCRIPT = """
import sys, json
sys.path.insert(0, sys.argv[1])
from scribe.audio import load_audio
from scribe.draft import build_draft
from scribe.transcribe import transcribe
audio = load_audio(sys.argv[2])
build_draft(transcribe(audio))
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"max_rss_mb": int(hwm.split()[1]) / 1024}))
"""


def five_minutes() -> np.ndarray:
    from scribe.audio import load_audio

    spec = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]
    parts, total = [], 0
    while total < SECONDS * 16000:
        for d in spec:
            a = load_audio(FIXTURES / f"{d['id']}.wav")
            parts.append(a)
            total += a.size
    return np.concatenate(parts)[: int(SECONDS * 16000)]


def bare(model: Any, audio: np.ndarray) -> None:
    from scribe.transcribe import THERAPY_PROMPT

    segments, _ = model.whisper.transcribe(
        audio, language="en", beam_size=5, vad_filter=True, word_timestamps=True,
        condition_on_previous_text=False, initial_prompt=THERAPY_PROMPT)
    for _ in segments:
        pass


def bare_same_decoding(model: Any, audio: np.ndarray) -> None:
    """faster-whisper alone, decoding the same VAD windows with the same options as ours."""
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    from scribe.transcribe import THERAPY_PROMPT, WINDOW_SECONDS, TranscribeOptions

    o = TranscribeOptions()
    vad = VadOptions(threshold=o.vad_threshold, min_silence_duration_ms=o.min_silence_ms,
                     speech_pad_ms=o.speech_pad_ms, max_speech_duration_s=WINDOW_SECONDS)
    windows, _meta = collect_chunks(audio, get_speech_timestamps(audio, vad),
                                    max_duration=WINDOW_SECONDS)
    for window in windows:
        segments, _ = model.whisper.transcribe(
            window, language="en", beam_size=o.beam_size, vad_filter=False,
            condition_on_previous_text=False, word_timestamps=True, without_timestamps=True,
            initial_prompt=THERAPY_PROMPT, temperature=list(o.temperatures))
        for _ in segments:
            pass


def speed(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    from scribe.draft import build_draft
    from scribe.model import load_model
    from scribe.transcribe import transcribe

    load = median_time(lambda: load_model(), repeat=3, warmup=0)
    model = load_model()
    audio = five_minutes()
    bare_times, same_times, pipe_times, draft_times = [], [], [], []
    for _ in range(2):  # interleaved so all see the same machine state
        t0 = time.perf_counter()
        bare(model, audio)
        bare_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare_same_decoding(model, audio)
        same_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        transcript = transcribe(audio, model=model)
        t1 = time.perf_counter()
        build_draft(transcript)
        t2 = time.perf_counter()
        pipe_times.append(t2 - t0)
        draft_times.append(t2 - t1)
    b, p, d = (statistics.median(x) for x in (bare_times, pipe_times, draft_times))
    same = statistics.median(same_times)
    rows += [
        (f"model load (tiny.en, {model.compute_type})", ms(load)),
        ("5-min dictation, end to end", f"{p:.1f} s = {SECONDS / p:.1f}× real time "
                                        f"(target < 40 s)"),
        ("bare faster-whisper, same audio", f"{b:.1f} s = {SECONDS / b:.1f}× real time"),
        ("pipeline overhead over bare (default vad_filter mode)",
         f"{(p / b - 1) * 100:+.1f} % (target < 10 %; the cost of whole-window decoding)"),
        ("bare faster-whisper, our decoding options", f"{same:.1f} s"),
        ("pipeline overhead over bare, same decoding", f"{(p / same - 1) * 100:+.1f} %"),
        ("draft + checks alone", ms(d)),
    ]
    raw.update(load_s=load, pipeline_s=pipe_times, bare_s=bare_times, draft_s=draft_times,
               bare_same_decoding_s=same_times)


def memory(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    import wave

    path = ROOT / "bench" / "results" / "_five_minutes.wav"
    path.parent.mkdir(exist_ok=True)
    pcm = (five_minutes() * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    try:
        out = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(ROOT), str(path)],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "HF_HUB_OFFLINE": "1"})
        rss = json.loads(out.stdout.strip().splitlines()[-1])["max_rss_mb"]
    finally:
        path.unlink(missing_ok=True)
    rows.append(("peak RSS, load + 5 min + draft", f"{rss:.0f} MB (target < 700 MB)"))
    raw["max_rss_mb"] = rss


def quality(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    from scribe.transcribe import default_model, transcribe
    from scribe.wer import wer

    spec = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]
    fixed, plain = {}, {}
    for d in spec:
        t = transcribe(FIXTURES / f"{d['id']}.wav", model=default_model())
        fixed[d["id"]] = wer(d["text"], t.word_text)
        plain[d["id"]] = wer(d["text"], t.word_text, fix_mishearings=False)
    for name in fixed:
        rows.append((f"WER {name}", f"{fixed[name]:.3f} (without mishearing fixes "
                                    f"{plain[name]:.3f})"))
    rows.append(("WER mean / max", f"{statistics.mean(fixed.values()):.3f} / "
                                   f"{max(fixed.values()):.3f}"))
    raw.update(wer=fixed, wer_without_mishearing_fixes=plain)


def cpu() -> str:
    """The CPU model and the vector extensions that change int8 GEMM kernels."""
    name, flags = platform.processor() or "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and name in ("", "unknown CPU", platform.machine()):
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    vector = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    return f"{name} ({', '.join(vector) or 'no AVX2'})"


def compute(rows: list[tuple[str, str]], raw: dict[str, Any], passes: int = 3) -> None:
    from scribe.audio import load_audio
    from scribe.model import COMPUTE_TYPES, DEFAULT_COMPUTE_TYPE, load_model
    from scribe.transcribe import transcribe
    from scribe.wer import wer

    spec = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]
    audio = {d["id"]: load_audio(FIXTURES / f"{d['id']}.wav") for d in spec}
    seconds = sum(a.size for a in audio.values()) / 16000
    models = {c: load_model(compute_type=c) for c in COMPUTE_TYPES}
    times: dict[str, list[float]] = {c: [] for c in COMPUTE_TYPES}
    rates: dict[str, dict[str, float]] = {}
    terms: dict[str, float] = {}
    for _ in range(passes):  # interleaved so both see the same machine state
        for c, model in models.items():
            t0 = time.perf_counter()
            heard = {k: transcribe(a, model=model).word_text for k, a in audio.items()}
            times[c].append(time.perf_counter() - t0)
            rates[c] = {d["id"]: wer(d["text"], heard[d["id"]]) for d in spec}
            found = [any(alt in set(re.findall(r"[a-z]+", heard[d["id"]].lower()))
                         for alt in alternatives) for d in spec for alternatives in d["key_terms"]]
            terms[c] = sum(found) / len(found)
    rows.append(("CPU", cpu()))
    base = statistics.median(times["int8"])
    for c in COMPUTE_TYPES:
        t = statistics.median(times[c])
        mark = " (default)" if c == DEFAULT_COMPUTE_TYPE else ""
        rows.append((f"{c}{mark}: WER mean / worst",
                     f"{statistics.mean(rates[c].values()):.3f} / {max(rates[c].values()):.3f}"))
        rows.append((f"{c}{mark}: key terms heard", f"{terms[c]:.1%}"))
        rows.append((f"{c}{mark}: 7 fixtures ({seconds:.0f} s of audio)",
                     f"{t:.1f} s = {seconds / t:.1f}× real time, ×{t / base:.2f} of int8"))
    raw["compute"] = {"cpu": cpu(), "audio_s": seconds, "times_s": times, "wer": rates,
                      "key_terms": terms}


def models(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    """WER, key terms and speed per model on the 7 fixtures, same run: the bundled tiny.en and
    every CTranslate2 Whisper folder named in ``BENCH_SCRIBE_MODELS`` (comma-separated paths,
    e.g. a base.en or small.en the user converted; nothing is downloaded), at the default
    precision (``CHARTSIDE_SCRIBE_COMPUTE`` to change it). ``python -m bench.bench_scribe
    models``."""
    from scribe.audio import load_audio
    from scribe.model import bundled_model_path, load_model
    from scribe.transcribe import transcribe
    from scribe.wer import wer

    spec = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]
    audio = {d["id"]: load_audio(FIXTURES / f"{d['id']}.wav") for d in spec}
    seconds = sum(a.size for a in audio.values()) / 16000
    chosen = [str(bundled_model_path())] + [
        p.strip() for p in os.environ.get("BENCH_SCRIBE_MODELS", "").split(",") if p.strip()]
    results: dict[str, Any] = {}
    for index, folder in enumerate(chosen):
        name = "bundled tiny.en" if index == 0 else Path(folder).name
        model = load_model(folder)
        t0 = time.perf_counter()
        heard = {k: transcribe(a, model=model).word_text for k, a in audio.items()}
        took = time.perf_counter() - t0
        rates = {d["id"]: wer(d["text"], heard[d["id"]]) for d in spec}
        found = [any(alt in set(re.findall(r"[a-z]+", heard[d["id"]].lower()))
                     for alt in alternatives) for d in spec for alternatives in d["key_terms"]]
        rows.append((f"{name} ({model.compute_type}): WER mean / worst, key terms, speed",
                     f"{statistics.mean(rates.values()):.3f} / {max(rates.values()):.3f}, "
                     f"{sum(found) / len(found):.1%}, {seconds / took:.1f}× real time"))
        results[name] = {"folder": folder, "compute_type": model.compute_type, "wer": rates,
                         "key_terms": sum(found) / len(found), "seconds": took}
    raw["models"] = {"cpu": cpu(), "audio_s": seconds, "models": results}


def traps(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    """Silent errors on the trap dictations (fixed transcripts), tuning vs held-out sets."""
    sys.path.insert(0, str(ROOT))
    from tests.scribe import traps as trap_set

    for subset in ("tuning", "heldout"):
        f = trap_set.figures(trap_set.load(subset))
        raw[f"traps_{subset}"] = f
        rows.append((f"traps {subset}: {f['traps']} dictations, {f['expectations']} values",
                     f"right {f.get('right', 0)}, flagged {f.get('flagged', 0)}, "
                     f"silent {f.get('silent', 0)}; recall of problems {f['recall']:.0%}"))
        rows.append((f"traps {subset}: blocks right / clean with a false warning",
                     f"{f['blocks_right'][0]}/{f['blocks_right'][1]} · "
                     f"{f['clean_with_false_warning'][0]}/{f['clean_with_false_warning'][1]}"))
        rows.append((f"traps {subset}: flag precision (useful/raised)",
                     ", ".join(f"{c} {u}/{t}" for c, (u, t) in f["precision"].items())))


def live(rows: list[tuple[str, str]], raw: dict[str, Any], speed: float = 4.0) -> None:
    """Live path: the fixtures fed as a recorder would (100 ms chunks, at ``speed``× real time
    so the bench fits: the worker has less slack than it would live), time from stop to the
    finished transcript + draft, and WER of the pieces against the whole-file path."""
    from scribe.audio import load_audio
    from scribe.draft import build_draft
    from scribe.live import LiveTranscription
    from scribe.transcribe import ModelTranscriber, default_model, transcribe
    from scribe.wer import wer

    spec = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]
    transcriber = ModelTranscriber()
    model = default_model()
    waits, live_wer, whole_wer, pieces = [], [], [], []
    for d in spec:
        audio = load_audio(FIXTURES / f"{d['id']}.wav")
        session = LiveTranscription(transcriber)
        t_start = time.perf_counter()
        for i in range(0, audio.size, 1600):
            session.feed(audio[i : i + 1600])
            lag = (i + 1600) / 16000 / speed - (time.perf_counter() - t_start)
            if lag > 0:
                time.sleep(lag)
        t0 = time.perf_counter()
        heard = session.finish()
        build_draft(heard)
        waits.append(time.perf_counter() - t0)
        pieces.append(len(session.pieces))
        live_wer.append(wer(d["text"], heard.word_text))
        whole_wer.append(wer(d["text"], transcribe(audio, model=model).word_text))
    rows += [
        (f"live: stop → draft ({len(spec)} dictations, fed at {speed:g}× real time)",
         f"median {statistics.median(waits):.2f} s, worst {max(waits):.2f} s (target ≤ 2 s)"),
        ("live: pieces per dictation", f"{statistics.median(pieces):g} (median)"),
        ("live vs whole-file WER, mean / worst",
         f"{statistics.mean(live_wer):.3f} / {max(live_wer):.3f} vs "
         f"{statistics.mean(whole_wer):.3f} / {max(whole_wer):.3f}"),
    ]
    raw["live"] = {"waits_s": waits, "pieces": pieces, "wer_live": live_wer,
                   "wer_whole": whole_wer, "speed": speed}


_LIVE_RSS_SCRIPT = """
import sys, json, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from scribe.audio import load_audio
from scribe.draft import build_draft
from scribe.live import LiveTranscription
from scribe.transcribe import THERAPY_PROMPT, ModelTranscriber, default_model, transcribe
audio = load_audio(sys.argv[2])
speed = float(sys.argv[3])
session = LiveTranscription(ModelTranscriber())
t_start = time.perf_counter()
for i in range(0, audio.size, 1600):
    session.feed(audio[i : i + 1600])
    lag = (i + 1600) / 16000 / speed - (time.perf_counter() - t_start)
    if lag > 0:
        time.sleep(lag)
t0 = time.perf_counter()
build_draft(session.finish())
wait = time.perf_counter() - t0
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
# Without the live path the clinician waits for the whole recording after Stop: the bare
# engine (faster-whisper's defaults, same model and prompt) and our whole-file path, same run.
model = default_model()
t0 = time.perf_counter()
segments, _ = model.whisper.transcribe(
    audio, language="en", beam_size=5, vad_filter=True, word_timestamps=True,
    condition_on_previous_text=False, initial_prompt=THERAPY_PROMPT)
for _ in segments:
    pass
bare = time.perf_counter() - t0
t0 = time.perf_counter()
build_draft(transcribe(audio, model=model))
whole = time.perf_counter() - t0
print(json.dumps({"wait_s": wait, "max_rss_mb": int(hwm.split()[1]) / 1024,
                  "pieces": len(session.pieces), "bare_whole_file_s": bare,
                  "ours_whole_file_s": whole, "compute_type": model.compute_type}))
"""


def live_long(rows: list[tuple[str, str]], raw: dict[str, Any], speed: float | None = None,
              runs: int | None = None) -> None:
    """Stop → draft for 1, 5 and 10-minute dictations (concatenated fixtures) on the live path,
    each run in a fresh process (peak memory while recording and transcribing at once), beside
    what the clinician would wait without it: the bare engine on the whole recording after
    Stop, and our whole-file path, in the same process. Fed at ``speed``× real time
    (``BENCH_LIVE_SPEED``, default 1: as spoken) ``runs`` times each (``BENCH_LIVE_RUNS``,
    default 1; the median is reported)."""
    import wave

    speed = speed or float(os.environ.get("BENCH_LIVE_SPEED", "1"))
    runs = runs or int(os.environ.get("BENCH_LIVE_RUNS", "1"))
    minutes_list = [int(m) for m in os.environ.get("BENCH_LIVE_MINUTES", "1,5,10").split(",")]
    full = five_minutes()
    full = np.concatenate([full, full])  # 10 minutes
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    for minutes in minutes_list:
        path = folder / f"_live_{minutes}min.wav"
        pcm = (full[: minutes * 60 * 16000] * 32767).astype(np.int16)
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(pcm.tobytes())
        results = []
        try:
            for _ in range(runs):
                out = subprocess.run(
                    [sys.executable, "-c", _LIVE_RSS_SCRIPT, str(ROOT), str(path), str(speed)],
                    capture_output=True, text=True, check=True,
                    env={**os.environ, "HF_HUB_OFFLINE": "1"})
                results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        finally:
            path.unlink(missing_ok=True)

        def med(key: str, results: list[dict[str, Any]] = results) -> float:
            return statistics.median(r[key] for r in results)

        rows.append((
            f"live {minutes}-min dictation (fed at {speed:g}×, {results[0]['compute_type']}, "
            f"median of {runs}): stop → draft | without live: bare engine, ours | peak RSS",
            f"{med('wait_s'):.2f} s (target ≤ 2 s) | {med('bare_whole_file_s'):.1f} s, "
            f"{med('ours_whole_file_s'):.1f} s | {max(r['max_rss_mb'] for r in results):.0f} MB"))
        print(*rows[-1], sep="  ", flush=True)  # a long run: each dictation as it ends
        raw[f"live_{minutes}min"] = {"speed": speed, "runs": results}


def decoders(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    """Our pipeline against bare faster-whisper (its defaults: VAD filter, timestamp mode) and
    faster-whisper's BatchedInferencePipeline decoding *our* VAD windows (``clip_timestamps``
    over the speech-only audio), both compute types, the 7 fixtures, in one run."""
    from faster_whisper import BatchedInferencePipeline
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    from scribe.audio import load_audio
    from scribe.model import COMPUTE_TYPES, load_model
    from scribe.transcribe import THERAPY_PROMPT, WINDOW_SECONDS, TranscribeOptions, transcribe
    from scribe.wer import wer

    spec = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]
    audio = {d["id"]: load_audio(FIXTURES / f"{d['id']}.wav") for d in spec}
    o = TranscribeOptions()
    vad = VadOptions(threshold=o.vad_threshold, min_silence_duration_ms=o.min_silence_ms,
                     speech_pad_ms=o.speech_pad_ms, max_speech_duration_s=WINDOW_SECONDS)
    for compute_type in COMPUTE_TYPES:
        model = load_model(compute_type=compute_type)
        batched = BatchedInferencePipeline(model.whisper)

        def ours(a: np.ndarray, model: Any = model) -> str:
            return transcribe(a, model=model).word_text

        def bare_default(a: np.ndarray, model: Any = model) -> str:
            segs, _ = model.whisper.transcribe(
                a, language="en", beam_size=5, vad_filter=True, word_timestamps=True,
                condition_on_previous_text=False, initial_prompt=THERAPY_PROMPT)
            return " ".join(s.text.strip() for s in segs)

        def batched_windows(a: np.ndarray, batched: Any = batched) -> str:
            windows, meta = collect_chunks(a, get_speech_timestamps(a, vad),
                                           max_duration=WINDOW_SECONDS)
            clips = [{"start": m["offset"], "end": m["offset"] + w.size / 16000}
                     for w, m in zip(windows, meta, strict=True)]
            segs, _ = batched.transcribe(
                np.concatenate(windows), language="en", beam_size=5, word_timestamps=True,
                initial_prompt=THERAPY_PROMPT, batch_size=4, vad_filter=False,
                clip_timestamps=clips, without_timestamps=True)
            return " ".join(s.text.strip() for s in segs)

        base = None
        for name, fn in (("bare faster-whisper (defaults)", bare_default),
                         ("ours", ours), ("batched pipeline on our windows", batched_windows)):
            t0 = time.perf_counter()
            rates = [wer(d["text"], fn(audio[d["id"]])) for d in spec]
            seconds = time.perf_counter() - t0
            base = base or seconds
            rows.append((f"{compute_type}: {name}",
                         f"{seconds:.1f} s (×{seconds / base:.2f} of bare) · WER "
                         f"{statistics.mean(rates):.3f} / {max(rates):.3f}"))
            raw[f"decoders {compute_type} {name}"] = {"seconds": seconds, "wer": rates}


HELDOUT = ROOT / "bench" / "heldout_dictations.json"


def _heldout_audio() -> dict[str, Any] | None:
    """The held-out dictations spoken by espeak-ng (cached in bench/results/heldout/)."""
    import shutil

    from scribe.audio import load_audio

    spec = json.loads(HELDOUT.read_text())["dictations"]
    folder = ROOT / "bench" / "results" / "heldout"
    folder.mkdir(parents=True, exist_ok=True)
    missing = [d for d in spec if not (folder / f"{d['id']}.wav").is_file()]
    if missing and shutil.which("espeak-ng") is None:
        return None
    sys.path.insert(0, str(FIXTURES))
    import make_fixtures  # type: ignore[import-not-found]

    for d in missing:
        samples = make_fixtures.to_samples(make_fixtures.speak(d["text"], d["voice"]))
        make_fixtures.write_wav(folder / f"{d['id']}.wav", samples)
    return {d["id"]: (d, load_audio(folder / f"{d['id']}.wav")) for d in spec}


def prompt(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    """WER on fixtures and on held-out dictations for three prompts; the mishearing table's
    effect on dictations it was not tuned on."""
    from scribe.context import DictationContext
    from scribe.model import load_model
    from scribe.prompt import prompt_for
    from scribe.transcribe import THERAPY_PROMPT, TranscribeOptions, transcribe
    from scribe.wer import wer

    fixtures = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]
    sets = {"fixtures (tuned on)": {d["id"]: (d, FIXTURES / f"{d['id']}.wav")
                                    for d in fixtures}}
    held = _heldout_audio()
    if held is None:
        rows.append(("held-out dictations", "espeak-ng not installed: skipped"))
    else:
        sets["held-out (never tuned on)"] = held
    model = load_model()
    def episode(d: dict[str, Any], goals: bool) -> str:
        from dataclasses import replace

        from core.domain.enums import GoalTerm
        from core.domain.episode import Goal

        context = DictationContext.from_codes(d["dx"], d.get("discipline", "PT"))
        context = replace(context, goals=tuple(Goal(term=GoalTerm.SHORT, activity=g)
                                               for g in d.get("goals", ())))
        return prompt_for(context, episode=goals)

    prompts = {"fixed (GENERAL = THERAPY_PROMPT)": lambda d: THERAPY_PROMPT,
               "episode (prompt_for)": lambda d: episode(d, False),
               "episode + goal words": lambda d: episode(d, True),
               "none": lambda d: None}
    for set_name, items in sets.items():
        for label, make in prompts.items():
            fixed, plain = [], []
            for d, audio in items.values():
                text = transcribe(audio, model=model,
                                  options=TranscribeOptions(initial_prompt=make(d))).word_text
                fixed.append(wer(d["text"], text))
                plain.append(wer(d["text"], text, fix_mishearings=False))
            rows.append((f"WER {set_name}, prompt {label}",
                         f"{statistics.mean(fixed):.3f} mean / {max(fixed):.3f} worst "
                         f"(without mishearing fixes {statistics.mean(plain):.3f})"))
            raw[f"prompt {set_name} {label}"] = {"wer": fixed, "wer_plain": plain}


def _program(text: str) -> tuple[str, ...]:
    """The exercise/activity names the scribe reads in ``text``: what the last notes of an
    episode that repeats today's program would carry (derived, never hand-written)."""
    from scribe.draft import build_draft
    from scribe.items import Intervention
    from scribe.transcript import Transcript

    names = [i.values.name for i in build_draft(Transcript.from_text(text)).items
             if isinstance(i.values, Intervention)]
    return tuple(dict.fromkeys(names))


def biasing(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    """Context biasing: WER with the episode prompt (discipline, regions, goal words) against
    the same plus the last notes' exercise/activity names and the clinician's smart phrases.
    The last notes' names are derived from a dictation's own reference text by the scribe
    (``_program``: a daily note repeats the program — the best case) or from another
    dictation's (a program that does not match — the harm case)."""
    from dataclasses import replace

    from core.domain.enums import GoalTerm
    from core.domain.episode import Goal
    from desktop.phrases import DEFAULTS
    from scribe.context import DictationContext
    from scribe.model import load_model
    from scribe.prompt import prompt_for
    from scribe.transcribe import TranscribeOptions, transcribe
    from scribe.wer import wer

    fixtures = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]
    sets = {"fixtures": {d["id"]: (d, FIXTURES / f"{d['id']}.wav") for d in fixtures}}
    held = _heldout_audio()
    if held is not None:
        sets["held-out"] = held
    wanted = os.environ.get("BENCH_BIASING_SETS")  # e.g. "held-out": one set on a busy machine
    if wanted:
        sets = {k: v for k, v in sets.items() if k in wanted.split(",")}
    model = load_model()
    phrases = tuple(DEFAULTS.values())

    for set_name, items in sets.items():
        ids = list(items)
        programs = {i: _program(items[i][0]["text"]) for i in ids}
        other = {i: programs[ids[(n + 3) % len(ids)]] for n, i in enumerate(ids)}

        def context(d: dict[str, Any]) -> DictationContext:
            c = DictationContext.from_codes(d.get("dx") or ["M17.11"], d.get("discipline",
                                                                              "PT"))
            return replace(c, goals=tuple(Goal(term=GoalTerm.SHORT, activity=g)
                                          for g in d.get("goals", ())))

        none: dict[str, tuple[str, ...]] = {i: () for i in ids}
        configs = {  # label: (last notes' names per dictation, smart phrases)
            "episode + goal words (before)": (none, ()),
            "+ last notes' names, same program": (programs, ()),
            "+ last notes' names, another program": (other, ()),
            "+ same program + smart phrases (defaults)": (programs, phrases),
        }
        only = os.environ.get("BENCH_BIASING_CONFIGS")  # e.g. "0,1": the first two
        if only:
            keep = [list(configs)[int(i)] for i in only.split(",")]
            configs = {k: configs[k] for k in keep}
        for label, (terms, said) in configs.items():
            rates = []
            for d, audio in items.values():
                prompt_text = prompt_for(replace(context(d), recent_terms=terms[d["id"]],
                                                 phrases=said))
                text = transcribe(audio, model=model, options=TranscribeOptions(
                    initial_prompt=prompt_text)).word_text
                rates.append(wer(d["text"], text))
            rows.append((f"WER {set_name} ({model.compute_type}), {label}",
                         f"{statistics.mean(rates):.3f} mean / {max(rates):.3f} worst"))
            raw[f"biasing {set_name} {label}"] = {"wer": rates,
                                                  "programs": programs}


NEGEX_SET = FIXTURES / "negex_annotations.jsonl"

# medspaCy's ConText (default rules) and negspacy's NegEx (termset en_clinical) on one file, in
# the interpreter that has them: {"medspacy": {id: negated}, "negspacy": {id: negated}}.
_THEIRS_SCRIPT = """
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
concepts = sorted({r["concept"].lower() for r in rows})
out = {}
try:
    import medspacy
    from medspacy.ner import TargetRule
    nlp = medspacy.load(medspacy_enable=["medspacy_pyrush", "medspacy_target_matcher",
                                         "medspacy_context"])
    nlp.get_pipe("medspacy_target_matcher").add([TargetRule(c, "CONCEPT") for c in concepts])
    got = {}
    for r in rows:
        hits = [e for e in nlp(r["sentence"]).ents if e.text.lower() == r["concept"].lower()]
        hit = hits[min(r.get("occurrence", 0), len(hits) - 1)] if hits else None
        got[r["id"]] = bool(hit is not None and hit._.is_negated)
    out["medspacy"] = got
except ImportError:
    pass
try:
    import spacy
    from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "CONCEPT", "pattern": c} for c in concepts])
    nlp.add_pipe("negex", config={"ent_types": ["CONCEPT"]})
    got = {}
    for r in rows:
        hits = [e for e in nlp(r["sentence"]).ents if e.text.lower() == r["concept"].lower()]
        hit = hits[min(r.get("occurrence", 0), len(hits) - 1)] if hits else None
        got[r["id"]] = bool(hit is not None and hit._.negex)
    out["negspacy"] = got
except ImportError:
    pass
print(json.dumps(out))
"""


def _prf(pred: dict[str, bool], rows: list[dict[str, Any]]) -> tuple[float, float, float]:
    """Precision, recall and F1 of "negated" over ``rows``."""
    tp = sum(pred[r["id"]] and r["negated"] for r in rows)
    fp = sum(pred[r["id"]] and not r["negated"] for r in rows)
    fn = sum(not pred[r["id"]] and r["negated"] for r in rows)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def negation_independent(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    """Negation on sentences we did not write: the first 305 physician-annotated sentences of
    the NegEx test set (Chapman et al., de-identified clinical reports; tests/scribe/fixtures/
    README.md). Rows 1–150 may be looked at and tuned on ("dev"); 151–305 are held out. Ours
    beside medspaCy's ConText and negspacy's NegEx in the same run (``MEDSPACY_PYTHON``: an
    interpreter that has medspacy and negspacy — they pin numpy < 2)."""
    from scribe.negation import assess

    data = [json.loads(line) for line in NEGEX_SET.read_text().splitlines() if line.strip()]

    def ours(r: dict[str, Any]) -> bool:
        found = assess(r["sentence"], [r["concept"]])
        return bool(found) and found[min(r.get("occurrence", 0), len(found) - 1)].negated

    systems: dict[str, dict[str, bool]] = {"ours": {r["id"]: ours(r) for r in data}}
    python = os.environ.get("MEDSPACY_PYTHON", "")
    note = "not installed (set MEDSPACY_PYTHON)"
    if python:
        out = subprocess.run([python, "-c", _THEIRS_SCRIPT, str(NEGEX_SET)],
                             capture_output=True, text=True)
        if out.returncode == 0:
            systems.update(json.loads(out.stdout.strip().splitlines()[-1]))
        else:
            note = f"failed: {out.stderr.strip().splitlines()[-1:]}"
    for subset in ("dev", "heldout"):
        chosen = [r for r in data if r["subset"] == subset]
        negated = sum(r["negated"] for r in chosen)
        for name in ("ours", "medspacy", "negspacy"):
            label = f"NegEx set {subset} (n={len(chosen)}, {negated} negated): {name}"
            if name not in systems:
                rows.append((label, note))
                continue
            p, r, f = _prf(systems[name], chosen)
            rows.append((label, f"P {p:.3f} · R {r:.3f} · F1 {f:.3f}"))
            raw[f"negex {subset} {name}"] = {"precision": p, "recall": r, "f1": f}
    raw["negex misses ours"] = [r["id"] for r in data
                                if systems["ours"][r["id"]] != r["negated"]]


def _medspacy() -> tuple[dict[str, bool] | None, str]:
    try:
        import medspacy  # noqa: F401
        python = sys.executable
    except ImportError:
        python = os.environ.get("MEDSPACY_PYTHON", "")
        if not python:
            return None, "not installed (set MEDSPACY_PYTHON to a virtualenv that has it)"
    out = subprocess.run([python, "-c", _MEDSPACY_SCRIPT, str(NEGATION_SET)],
                         capture_output=True, text=True)
    if out.returncode:
        return None, f"failed: {out.stderr.strip().splitlines()[-1:]}"
    return json.loads(out.stdout.strip().splitlines()[-1]), "medspaCy default ConText rules"


def negation(rows: list[tuple[str, str]], raw: dict[str, Any]) -> None:
    from scribe.negation import is_negated

    data = [json.loads(line) for line in NEGATION_SET.read_text().splitlines() if line.strip()]
    ours = {r["id"]: is_negated(r["sentence"], r["concept"]) for r in data}
    per_sentence = median_time(lambda: [is_negated(r["sentence"], r["concept"]) for r in data],
                               repeat=5) / len(data)
    theirs, note = _medspacy()
    for subset in ("general", "therapy", "heldout", None):
        chosen = [r for r in data if subset is None or r["subset"] == subset]
        label = subset or "all"
        a = sum(ours[r["id"]] == r["negated"] for r in chosen) / len(chosen)
        b = (sum(theirs[r["id"]] == r["negated"] for r in chosen) / len(chosen)
             if theirs else None)
        versus = f"medspaCy {b:.1%}" if b is not None else f"medspaCy {note}"
        rows.append((f"negation {label} (n={len(chosen)})", f"ours {a:.1%} vs {versus}"))
        raw[f"negation_{label}"] = {"ours": a, "medspacy": b}
    rows.append(("negation time per sentence", ms(per_sentence)))


def main(parts: list[str] | None = None) -> None:
    """All parts, or those named (``python -m bench.bench_scribe compute``)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    rows: list[tuple[str, str]] = []
    raw: dict[str, Any] = {}
    if parts:
        for name in parts:
            globals()[name](rows, raw)
        report(f"scribe-{'-'.join(parts)}", rows, raw=raw)
        return
    traps(rows, raw)
    compute(rows, raw)
    negation(rows, raw)
    negation_independent(rows, raw)
    quality(rows, raw)
    speed(rows, raw)
    memory(rows, raw)
    live_long(rows, raw)
    if os.environ.get("BENCH_SCRIBE_MODELS"):  # tiny.en alone is already in ``compute``
        models(rows, raw)
    report("scribe", rows, raw=raw)


if __name__ == "__main__":
    main(sys.argv[1:])
