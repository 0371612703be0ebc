"""The decoding prompt for one dictation: the discipline's note vocabulary and the episode's
body regions, instead of one fixed physical-therapy knee prompt.

Contract: ``prompt_for(context)`` returns a short text (≤ ~60 words, well inside Whisper's
224-token prompt window) built from ``DictationContext.discipline`` (PT, OT, SLP; None → PT)
and the regions of its diagnoses (``dx_sites``). Whisper conditions on the prompt's spelling
and notation ("6/10", "4-/5", "3 sets of 15"), so the prompt keeps the chart notation and names
the tests and terms of the regions being treated; terms of other regions are left out, so
"lumbar" is not pulled towards "Lachman". Without a context the prompt is ``GENERAL`` (the
original fixed PT prompt, ``scribe.transcribe.THERAPY_PROMPT``). Chosen by measurement
(bench/bench_scribe.py ``prompt``): on dictations nothing was tuned on, the episode prompt
lowered WER from 0.141 to 0.095.
"""

from __future__ import annotations

from scribe.context import DictationContext

OPENING = {
    "PT": "Physical therapy note. Subjective, objective, assessment, plan.",
    "OT": "Occupational therapy note. Subjective, objective, assessment, plan.",
    "SLP": "Speech-language pathology note. Subjective, objective, assessment, plan.",
    "LMT": "Massage therapy note. Subjective, objective, assessment, plan.",
}
NOTATION = {
    "PT": "Patient reports pain 6/10, denies numbness or tingling. 3 sets of 15, 12 minutes.",
    "OT": "Patient reports pain 4/10, denies numbness or tingling. Grip 40 pounds, 12 minutes.",
    "SLP": "Patient tolerated thin liquids with a chin tuck, 80% accuracy, 30 minutes.",
    "LMT": "Client reports tension 6/10 in the left upper trapezius, denies numbness, "
           "50 minutes.",
}
# Terms a clinician dictates for each region (spelling matters more than coverage).
REGION_TERMS = {
    "knee": "Right knee flexion 110 degrees, quadriceps 4-/5, Lachman, McMurray, quad sets, "
            "straight leg raises, LEFS.",
    "hip": "Hip abduction 3+/5, gait training, sit-to-stand, Trendelenburg, FABER, LEFS.",
    "ankle": "Ankle dorsiflexion 10 degrees, plantarflexion, gastrocnemius, talar tilt, "
             "single leg balance.",
    "foot": "Ankle dorsiflexion, plantar fascia, gait training, single leg balance.",
    "shoulder": "Left shoulder flexion 120 degrees, supraspinatus 4-/5, Hawkins-Kennedy, "
                "theraband external rotation, QuickDASH.",
    "elbow": "Elbow extension, lateral epicondyle, grip strength, wrist extensors, QuickDASH.",
    "wrist": "Wrist extension 50 degrees, grip and pinch strength, carpal tunnel, orthosis, "
             "QuickDASH.",
    "hand": "Grip and pinch strength, thumb opposition, orthotic fitting, edema, QuickDASH.",
    "back": "Lumbar flexion, straight leg raise, Oswestry, core stabilization, lifting.",
    "neck": "Cervical rotation 60 degrees, Spurling, neck disability index, chin tucks.",
    "arm": "Shoulder flexion, elbow extension, grip strength, fine motor coordination.",
    "leg": "Knee flexion, hip abduction, gait training, transfers, timed up and go.",
}
DISCIPLINE_TERMS = {
    "PT": "Therapeutic exercise, manual therapy, gait training, balance training.",
    "OT": "ADL training, upper body dressing, fine motor coordination, orthotic training.",
    "SLP": "Dysphagia treatment, oral motor exercises, articulation, word retrieval, "
           "aphasia, dysarthria.",
    "LMT": "Effleurage, petrissage, myofascial release, trigger point therapy, deep tissue, "
           "Swedish massage.",
}
# Without an episode: the original fixed prompt. Measured (bench_scribe ``prompt``, float32):
# it beats a region-neutral general prompt on both the fixtures (0.055 vs 0.080) and the
# held-out dictations (0.141 vs 0.153), but the episode prompt beats it on held-out dictations
# (0.095 vs 0.141). docs/scribe.md, "Decoding prompt".
GENERAL = (
    "Physical therapy note. Subjective, objective, assessment, plan. Patient reports pain "
    "6/10, denies numbness or tingling. Right knee flexion 110 degrees, quadriceps 4-/5, "
    "3 sets of 15. Lachman, McMurray, Hawkins-Kennedy, supraspinatus, theraband, gait "
    "training, stair training, sit-to-stand, therapeutic exercise, LEFS, Oswestry."
)


# At most this many words of goals, exercises and phrases, and the whole prompt at most
# PROMPT_CHARS: with the live path's 30 words of the previous piece (~150 characters) it stays
# inside Whisper's 223-token prompt window (tiny.en's tokenizer: 3.7 characters a token on
# these prompts; faster-whisper would drop the prompt's *start* — the discipline — past it).
EPISODE_WORDS = 40
PROMPT_CHARS = 600


def episode_words(context: DictationContext, *, recent: bool = True) -> str:
    """The episode's own words, most useful first: goal activities and purposes, the exercise
    and activity names on the note's timed blocks and (``recent``) on the last notes', then the
    clinician's smart phrases ("Climb 12 stairs with one rail. Exercises: leg press, step-ups.
    Contact guard assist.")."""
    goals = [" ".join(x for x in (g.activity, g.functional_purpose) if x).strip()
             for g in context.goals]
    exercises = [str(e.get("name", "")).strip() for b in context.timed_blocks
                 for e in (b.details or {}).get("exercises", []) if isinstance(e, dict)]
    if recent:
        exercises += [t.strip() for t in context.recent_terms]
    parts = [f"{g.rstrip('.')}." for g in goals if g]
    names = list({e.lower(): e for e in reversed(exercises) if e}.values())[::-1]
    if names:
        parts.append("Exercises: " + ", ".join(names) + ".")
    if recent:
        phrases = [p.strip() for p in context.phrases if p.strip()]
        parts += [p if p[-1] in ".!?" else f"{p}." for p in phrases]
    words = " ".join(parts).split()
    return " ".join(words[:EPISODE_WORDS])


def _within(text: str, chars: int) -> str:
    """``text`` cut at a word boundary to at most ``chars`` characters."""
    if len(text) <= chars:
        return text
    return text[: max(0, chars)].rsplit(" ", 1)[0] if chars > 0 else ""


def prompt_for(context: DictationContext | None, *, episode: bool = True,
               recent: bool = True) -> str:
    """The prompt for a dictation in ``context`` (see module contract); ``episode`` adds the
    episode's goal and exercise words, ``recent`` the last notes' exercise names and the
    clinician's smart phrases (both measured in docs/scribe.md)."""
    if context is None or (not context.diagnoses and context.discipline is None):
        return GENERAL
    discipline = (context.discipline or "PT").upper()
    if discipline not in OPENING:
        discipline = "PT"
    regions = [r for site in context.dx_sites() for r in site.regions if r in REGION_TERMS]
    terms = " ".join(REGION_TERMS[r] for r in dict.fromkeys(regions))
    parts = [OPENING[discipline], NOTATION[discipline], terms, DISCIPLINE_TERMS[discipline]]
    base = " ".join(p for p in parts if p)
    extra = episode_words(context, recent=recent) if episode else ""
    extra = _within(extra, PROMPT_CHARS - len(base) - 1)
    return f"{base} {extra}" if extra else base
