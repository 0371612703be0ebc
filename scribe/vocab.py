"""Closed word lists the drafter and checks share: sides, body regions, joints, motions,
muscle groups, findings, special tests and outcome measures, with plausible value ranges.

Contract: every list is lower-case; ``region_of`` maps any body-part, joint or muscle phrase
to one region name ("quadriceps" → "knee"), which is what laterality compares with the
region parsed from an ICD-10-CM description. Ranges are generous clinical bounds (normal
values plus a margin for hypermobility); a value outside them is worth a second look, not
necessarily wrong.
"""

from __future__ import annotations

import re

SIDE_WORDS = {
    "right": "right", "rt": "right", "left": "left", "lt": "left",
    "bilateral": "bilateral", "bilaterally": "bilateral", "both": "bilateral",
}
# Body regions that come in pairs (a measurement there needs a side).
PAIRED_REGIONS = {
    "shoulder", "elbow", "wrist", "hand", "hip", "knee", "ankle", "foot", "arm", "leg",
}
# Phrase → region. Longer phrases are matched first.
REGION_PHRASES: dict[str, str] = {
    "shoulder": "shoulder", "rotator cuff": "shoulder", "scapula": "shoulder",
    "scapular": "shoulder", "glenohumeral": "shoulder", "ac joint": "shoulder",
    "elbow": "elbow", "forearm": "elbow",
    "wrist": "wrist", "hand": "hand", "finger": "hand", "fingers": "hand", "thumb": "hand",
    "hip": "hip", "groin": "hip", "thigh": "hip",
    "knee": "knee", "patella": "knee", "patellar": "knee", "acl": "knee", "mcl": "knee",
    "meniscus": "knee", "incision": "",
    "ankle": "ankle", "achilles": "ankle", "calf": "ankle", "heel": "foot",
    "foot": "foot", "toe": "foot", "toes": "foot",
    "arm": "arm", "upper extremity": "arm", "ue": "arm",
    "leg": "leg", "lower extremity": "leg", "le": "leg",
    "back": "back", "low back": "back", "lumbar": "back", "spine": "back", "sacral": "back",
    "neck": "neck", "cervical": "neck", "thoracic": "back", "trunk": "back",
    # Words diagnosis descriptions use (ICD-10-CM): limbs, long bones, nerves at a joint.
    "upper limb": "arm", "lower limb": "leg", "upper arm": "arm", "lower leg": "leg",
    "humerus": "arm", "radius": "arm", "ulna": "arm", "carpal tunnel": "wrist",
    "carpometacarpal": "hand", "femur": "hip", "femoral": "hip", "tibia": "leg",
    "fibula": "leg", "tibial": "leg", "metatarsal": "foot", "metacarpal": "hand",
}
MUSCLE_REGIONS: dict[str, str] = {
    "quadriceps": "knee", "quads": "knee", "quad": "knee", "hamstrings": "knee",
    "hamstring": "knee", "knee extensors": "knee", "knee flexors": "knee",
    "hip abductors": "hip", "hip abduction": "hip", "hip flexors": "hip", "hip flexion": "hip",
    "hip extensors": "hip", "hip extension": "hip", "hip adductors": "hip",
    "gluteus medius": "hip", "gluteus maximus": "hip", "glutes": "hip", "glute": "hip",
    "supraspinatus": "shoulder", "infraspinatus": "shoulder", "deltoid": "shoulder",
    "external rotators": "shoulder", "internal rotators": "shoulder",
    "shoulder flexors": "shoulder", "shoulder abductors": "shoulder",
    "biceps": "elbow", "triceps": "elbow", "grip": "hand",
    "wrist extensors": "wrist", "wrist flexors": "wrist",
    "dorsiflexors": "ankle", "ankle dorsiflexors": "ankle", "plantarflexors": "ankle",
    "tibialis anterior": "ankle", "gastrocnemius": "ankle", "gastroc": "ankle",
}
# A region implied by a test or structure name.
TEST_REGIONS: dict[str, str] = {
    "lachman": "knee", "mcmurray": "knee", "anterior drawer": "knee", "valgus stress": "knee",
    "hawkins-kennedy": "shoulder", "neer": "shoulder", "drop arm": "shoulder",
    "empty can": "shoulder", "speed's": "shoulder", "faber": "hip", "fadir": "hip",
    "thomas": "hip", "trendelenburg": "hip", "straight leg raise": "back", "slump": "back",
    "spurling": "neck", "thompson": "ankle", "talar tilt": "ankle",
}
JOINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "cervical", "lumbar", "trunk")
MOTIONS = (
    "horizontal abduction", "horizontal adduction", "external rotation", "internal rotation",
    "lateral flexion", "side bending", "dorsiflexion", "plantarflexion", "plantar flexion",
    "flexion", "extension", "abduction", "adduction", "rotation", "inversion", "eversion",
    "pronation", "supination", "scaption", "elevation",
)
MOTION_JOINT = {
    "dorsiflexion": "ankle", "plantarflexion": "ankle", "plantar flexion": "ankle",
    "inversion": "ankle", "eversion": "ankle", "pronation": "elbow", "supination": "elbow",
    "scaption": "shoulder", "horizontal abduction": "shoulder", "horizontal adduction": "shoulder",
    "side bending": "lumbar", "lateral flexion": "cervical",
}
# Upper plausible bound in degrees (AAOS norms plus a margin for hypermobility).
ROM_MAX: dict[tuple[str, str], float] = {
    ("shoulder", "flexion"): 190, ("shoulder", "extension"): 80, ("shoulder", "abduction"): 190,
    ("shoulder", "adduction"): 60, ("shoulder", "external rotation"): 110,
    ("shoulder", "internal rotation"): 100, ("shoulder", "scaption"): 190,
    ("shoulder", "horizontal abduction"): 60, ("shoulder", "horizontal adduction"): 150,
    ("elbow", "flexion"): 160, ("elbow", "extension"): 20, ("elbow", "pronation"): 100,
    ("elbow", "supination"): 100, ("wrist", "flexion"): 95, ("wrist", "extension"): 90,
    ("hip", "flexion"): 140, ("hip", "extension"): 40, ("hip", "abduction"): 60,
    ("hip", "adduction"): 40, ("hip", "external rotation"): 70, ("hip", "internal rotation"): 60,
    ("knee", "flexion"): 160, ("knee", "extension"): 20, ("ankle", "dorsiflexion"): 35,
    ("ankle", "plantarflexion"): 70, ("ankle", "plantar flexion"): 70,
    ("ankle", "inversion"): 45, ("ankle", "eversion"): 30,
}
ROM_DEFAULT_MAX = 190.0
EXTENSION_DEFICIT_MAX = 60.0

# Findings whose negation matters (symptoms, signs). Tests are listed separately.
FINDINGS = (
    "numbness", "tingling", "paresthesia", "pain", "swelling", "edema", "effusion", "redness",
    "warmth", "drainage", "instability", "giving way", "locking", "catching", "clicking",
    "crepitus", "radicular symptoms", "radiating pain", "weakness", "dizziness", "falls",
    "bowel or bladder changes", "bladder changes", "night pain", "fever", "shortness of breath",
    "chest pain", "headache", "spasm", "tenderness", "stiffness", "calf pain", "atrophy",
    "loss of balance", "nausea", "clonus",
    # Speech-language pathology (swallowing, voice, language) and occupational therapy.
    "aspiration", "penetration", "coughing", "cough", "throat clearing", "wet vocal quality",
    "pocketing", "drooling", "choking", "oral residue", "pharyngeal residue", "hoarseness",
    "word finding difficulty", "slurred speech", "neglect", "tremor", "incoordination",
    "hypersensitivity",
)
SPECIAL_TESTS = tuple(sorted(TEST_REGIONS, key=len, reverse=True))

# Outcome measures: canonical name → (pattern, low, high, unit).
OUTCOME_MEASURES: dict[str, tuple[str, float, float, str]] = {
    "LEFS": (r"LEFS", 0, 80, "points"),
    "ODI": (r"ODI", 0, 100, "%"),
    "NDI": (r"NDI", 0, 100, "%"),
    "QuickDASH": (r"QuickDASH|DASH", 0, 100, "points"),
    "Berg": (r"Berg", 0, 56, "points"),
    "TUG": (r"TUG", 0, 120, "s"),
    "5xSTS": (r"5xSTS", 0, 120, "s"),
    "6MWT": (r"6MWT", 0, 3000, "ft"),
    "KOOS JR": (r"KOOS\s*JR", 0, 100, "points"),
    "HOOS JR": (r"HOOS\s*JR", 0, 100, "points"),
    "PSFS": (r"PSFS", 0, 10, "points"),
}


def _phrase_re(phrases: list[str]) -> re.Pattern[str]:
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in ordered) + r")\b", re.I)


REGION_RE = _phrase_re(list(REGION_PHRASES))
MUSCLE_RE = _phrase_re(list(MUSCLE_REGIONS))
TEST_RE = _phrase_re(list(TEST_REGIONS))
JOINT_RE = _phrase_re(list(JOINTS))
MOTION_RE = _phrase_re(list(MOTIONS))
SIDE_RE = re.compile(r"\b(right|left|bilateral(?:ly)?|both)\b", re.I)
FINDING_RE = _phrase_re(list(FINDINGS))


def region_of(phrase: str) -> str | None:
    """The body region a phrase names (body part, muscle group or special test), if any."""
    key = phrase.lower().strip()
    for table in (REGION_PHRASES, MUSCLE_REGIONS, TEST_REGIONS):
        if key in table:
            return table[key] or None
    if key in JOINTS:
        return {"cervical": "neck", "lumbar": "back", "trunk": "back"}.get(key, key)
    return None


def regions_in(text: str) -> list[tuple[int, int, str]]:
    """(start, end, region) of every body-region phrase in ``text``, left to right."""
    found: list[tuple[int, int, str]] = []
    for pattern in (MUSCLE_RE, REGION_RE, TEST_RE):
        for m in pattern.finditer(text):
            region = region_of(m.group(1))
            if region and not any(a <= m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), region))
    return sorted(found)


def regions_compatible(a: str, b: str) -> bool:
    """True when two regions may name the same limb ("leg" covers hip, knee, ankle, foot)."""
    if a == b:
        return True
    limbs = {"leg": {"hip", "knee", "ankle", "foot"}, "arm": {"shoulder", "elbow", "wrist", "hand"}}
    return b in limbs.get(a, set()) or a in limbs.get(b, set())
