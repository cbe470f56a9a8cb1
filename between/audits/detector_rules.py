"""The vocabulary and the rule table of the progress-note homework detector.

Kept apart from `detector.py` so a reviewer (or a clinician who disagrees with a finding) can
read every pattern and its one-line reason in one place. No Django imports.

Each rule finds a *candidate*; `detector.py` then decides its kind (positive, negated, future,
school, other_person, prior, in_session) from the clause around it. Only positive candidates
answer the audit questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field

FLAGS = re.IGNORECASE | re.UNICODE
Ranges = list[tuple[int, int]] | tuple[tuple[int, int], ...]


def _alt_words(text: str) -> str:
    """`_alt` over whitespace-separated alternatives (none of them may contain a space)."""
    return _alt(*text.split())


def _alt(*parts: str) -> str:
    """Alternatives grouped by their first letter: `p(?:ts?|atient)|c(?:lt|g)`.

    The regex engine tries alternatives one by one at every word; grouped, it rejects most of
    them on the first character, which makes the long vocabularies here about three times
    cheaper to scan. Alternatives that start with anything but a plain letter stay as written.
    """
    buckets: dict[str, list[str]] = {}
    rest: list[str] = []
    for part in parts:
        if len(part) > 1 and part[0].isalpha() and part[0].isascii() and part[1] not in "?*+{":
            buckets.setdefault(part[0].lower(), []).append(part[1:])
        else:
            rest.append(part)
    grouped = [
        first + (tails[0] if len(tails) == 1 else "(?:" + "|".join(tails) + ")")
        for first, tails in buckets.items()
    ]
    return "(?:" + "|".join(grouped + rest) + ")"


# --- English vocabulary -------------------------------------------------------------------

HW = r"(?:home\s?-?work|hw|h/w)"
# Objects of a between-session task. Bare "exposure" and "handout" are left out: "introduced
# exposure" and "gave a handout on ADHD" describe the session, not a task for the week.
EN_NOUN_PARTS = (
    rf"{HW}(?:\s+(?:assignments?|tasks?|practice|sheets?|packets?))?",
    r"(?:home|between[- ]sessions?|b/w[- ]sessions?|skills?|daily|weekly|relaxation|breathing"
    r"|exposure|mindfulness|coping|special[- ]time|pride|praise|cbt|dbt|grounding)"
    r"[- ](?:practice|practicing|tasks?|assignments?|exercises?|logs?)",
    r"practice\s+(?:logs?|sheets?|tasks?|assignments?|plans?|records?|trackers?|cards?"
    r"|schedules?|exercises?)",
    r"(?:thought|mood|feelings?|sleep|anger|worry|behaviou?r|activity|abc|emotions?|trigger"
    r"|gratitude|fear)\s+(?:records?|logs?|diary|diaries|journals?|trackers?|tracking\s+sheets?"
    r"|charts?|sheets?|thermometers?)",
    r"(?:behaviou?r|sticker|reward|token|star|chore|routine|point)\s+(?:charts?|systems?"
    r"|economy)",
    r"(?:coping|skills?|calm[- ]down)\s+(?:cards?|plans?|sheets?|menus?|kits?|box(?:es)?)",
    r"worksheets?",
    r"tracking\s+(?:sheets?|logs?|forms?)",
    r"(?<!reading\s)logs?",
    r"journal(?:ing)?",
    r"diary(?:\s+cards?)?",
    r"activ(?:ation\s+(?:plans?|schedules?|logs?)|ity\s+(?:schedules?|plans?))",
    r"exposures|exposure\s+(?:practice|tasks?|homework|ladder\s+steps?)",
    r"special\s+time",
    r"time[- ]in",
    r"daily\s+report\s+cards?|drc",
    r"(?:the\s+)?(?:task|assignment)s?",
    r"practice",
)
EN_NOUN = _alt(*EN_NOUN_PARTS)
# Weak review verbs ("discussed", "processed") need an object that cannot be school homework.
EN_NOUN_STRICT = _alt(
    rf"{HW}\s+(?:completion|compliance|progress|practice|assignments?)",
    r"(?:last|previous|prior|past)\s+(?:week'?s?|session'?s?)\s+(?:\w+\s+)?(?:tasks?"
    r"|assignments?|practice|homework|hw|log|exposures?)",
    r"(?:home|between[- ]sessions?|b/w[- ]sessions?)[- ](?:practice|tasks?|assignments?)",
    r"practice\s+(?:logs?|sheets?|tasks?|records?)",
    r"(?:thought|mood|feelings?|sleep|anger|worry|behaviou?r)\s+(?:records?|logs?|charts?)",
    r"special\s+time|exposures",
)
# What a note names as homework from an earlier session ("last week's compliment challenge").
PRIOR_NOUN_EN = _alt(
    *(part for part in EN_NOUN_PARTS if part != r"time[- ]in"),
    r"challenge",
    r"experiment",
    r"visual\s+schedules?",
    r"picture\s+schedules?",
    r"morning\s+schedules?",
    r"bedtime\s+schedules?",
    r"routine\s+schedules?",
)
PRIOR_TIME_EN = r"(?:last|previous|prior|past)\s+(?:week|session|visit|appt|appointment|time)"
CLIENT_EN_WORDS = (
    r"pts?",
    r"patient",
    r"clients?",
    r"clt",
    r"cl",
    r"youth",
    r"yth",
    r"child",
    r"minor",
    r"cgs?",
    r"caregivers?",
    r"parents?",
    r"mother",
    r"mom",
    r"father",
    r"dad",
    r"grandmother",
    r"grandma",
    r"gma",
    r"grandfather",
    r"guardian",
    r"foster\s+(?:mom|dad|parents?)",
    r"family",
    r"both",
    r"he",
    r"she",
    r"they",
    r"(?-i:[A-Z][a-z]{2,})",
)
CLIENT_EN = _alt(*CLIENT_EN_WORDS)
# People who are not the family. Clinicians assign and review; they do not do the homework.
CLINICIAN_EN_WORDS = (
    r"clinician",
    r"therapist",
    r"writer",
    r"this\s+writer",
    r"we",
    r"tx\s+team",
)
CLINICIAN_EN = _alt(*CLINICIAN_EN_WORDS)
OTHER_EN_WORDS = (
    r"teachers?",
    r"psychiatrist",
    r"prescriber",
    r"md",
    r"dr\.?",
    r"doctor",
    r"pediatrician",
    r"pcp",
    r"np",
    r"nurse",
    r"cm",
    r"case\s+manager",
    r"tcm",
    r"care\s+coordinator",
    r"school(?:\s+staff)?",
    r"counselor",
    r"principal",
    r"ot",
    r"slp",
    r"probation(?:\s+officer)?",
    r"social\s+worker",
    r"cws",
    r"staff",
    r"tutor",
    r"aide",
    r"psychologist",
    r"tbs(?:\s+coach)?",
)
OTHER_EN = _alt(*OTHER_EN_WORDS)
PRACTICE_V = _alt(
    r"practi[cs](?:e|ing)",
    r"us(?:e|ing)",
    r"do(?:ing)?",
    r"walk(?:ing)?",
    r"exercis(?:e|ing)",
    r"draw(?:ing)?",
    r"say",
    r"greet",
    r"stretch",
    r"meditat(?:e|ing)",
    r"writ(?:e|ing)\s+down",
    r"keep\s+(?:track|using|doing)",
    r"complete",
    r"fill\s+out",
    r"track",
    r"record",
    r"log",
    r"journal",
    r"write",
    r"try",
    r"implement",
    r"engage\s+in",
    # Not "continue weekly therapy" or "continue current plan": sessions, not homework.
    r"continue(?!\s+(?:with\s+)?(?:(?:weekly|individual|family|current|outpatient|the)\s+)?"
    r"(?:therapy|treatment|tx|sessions?|services|counseling|plan|attending|to\s+attend|to\s+meet"
    r"|meeting)\b)(?:\s+(?:to\s+)?\w+)?",
    r"read",
    r"monitor",
    r"rate",
    r"chart",
    r"play",
    r"spend",
    r"give",
    r"provide",
    r"offer",
    r"praise",
    r"reward",
    r"ignore",
    r"follow",
    r"carry\s+out",
    r"repeat",
    r"work\s+on",
    r"review",
    r"sign",
    r"check\s+in",
    r"keep",
    r"add",
    r"notice",
    r"identify",
    r"list",
    r"share",
    r"schedule",
    r"listen\s+to",
    r"ask",
)
BETWEEN_EN = _alt(
    r"at\s+home",
    r"home",
    r"daily",
    r"nightly",
    r"weekly",
    r"each\s+(?:day|night|morning|evening|week|time)",
    r"every\s+(?:day|night|morning|evening|other\s+day|time)",
    r"per\s+(?:day|week|wk|night)",
    r"a\s+(?:day|week|wk|night)",
    r"/\s*(?:day|d|wk|week|night)\b",
    r"x\s*/?\s*(?:day|d|wk|week)\b",
    r"times?\s+(?:a|per|each)\s+(?:day|week|wk)",
    r"this\s+(?:coming\s+)?(?:week|wk|weekend)",
    r"for\s+the\s+(?:coming|following|upcoming)\s+(?:week|wk)",
    r"the\s+(?:coming|following|upcoming)\s+(?:week|wk)",
    r"over\s+the\s+(?:week|weekend|next\s+week)",
    r"during\s+the\s+week",
    r"next\s+week",
    r"between\s+sessions",
    r"b/w\s+sessions",
    r"(?:before|until|by)\s+(?:the\s+)?next\s+(?:session|visit|appt|appointment|week)",
    r"before\s+bed(?:time)?",
    r"at\s+bedtime",
    r"in\s+the\s+(?:morning|evening)s?",
    r"mornings|evenings",
    r"after\s+school",
    r"at\s+school",
    r"when\s+(?:feeling\s+|he\s+feels\s+|she\s+feels\s+|they\s+feel\s+|he\s+is\s+|she\s+is\s+)?"
    r"(?:upset|angry|anxious|worried|frustrated|mad|sad|overwhelmed|triggered|stressed"
    r"|dysregulated|scared|nervous)",
    r"when\s+(?:he|she|they|pt|client|yth|child)\s+(?:notices?|feels?|gets?|starts?|becomes?"
    r"|catch(?:es)?|has|have|is|are)\b",
    r"\d+\s*(?:x|times)",
    r"whenever",
    r"(?:bring|return)\s+(?:it|them|the\s+\w+)\s+(?:back|in|to\s+next|next)",
)
PAST_FREQ_EN = _alt(
    r"\d+\s*(?:x|times)",
    r"\d+\s*(?:of|out\s+of|/)\s*\d+",
    r"(?:once|twice|three\s+times|four\s+times|several\s+times|a\s+few\s+times)",
    r"(?:daily|nightly)",
    r"(?:every|each)\s+(?:day|night|morning|evening)",
    r"most\s+(?:days|nights|evenings|mornings)",
    r"(?:this|last|past)\s+(?:week|wk)",
    r"since\s+(?:the\s+)?last\s+(?:session|visit|appt)",
    r"over\s+the\s+(?:past\s+)?(?:week|weekend)",
    r"all\s+week",
    r"(?:\d+|one|two|three|four|five|six|seven)\s+(?:days|nights|evenings|mornings|afternoons"
    r"|times)",
)
SKILL_EN_WORDS = (
    r"breathing",
    r"relaxation",
    r"coping",
    r"skills?",
    r"special\s+time",
    r"praise",
    r"mindfulness",
    r"exposures?",
    r"thought\s+records?",
    r"logs?",
    r"charts?",
    r"journal",
    r"worksheets?",
    HW,
    r"practice",
    r"grounding",
    r"pmr",
    r"muscle\s+relaxation",
    r"calm[- ]down",
    r"time[- ]in",
    r"planned\s+ignoring",
    r"rewards?",
    r"stickers?",
    r"visuali[sz]ation",
    r"self[- ]talk",
    r"bucket\s+breathing",
    r"5-4-3-2-1",
)
SKILL_EN = _alt(*SKILL_EN_WORDS, r"the\s+(?:plan|strategy|strategies|task|assignment)")
# Named skills only: "agreed to the plan" may be a safety plan, not homework.
NAMED_SKILL_EN = _alt(*SKILL_EN_WORDS)

# --- Spanish vocabulary -------------------------------------------------------------------

ES_NOUN = _alt(
    r"tareas?(?:\s+terap[eé]uticas?)?",
    r"home\s?-?work|hw",
    r"sistemas?\s+de\s+(?:puntos|recompensas|fichas)",
    r"hojas?\s+de\s+(?:trabajo|registro|pr[aá]ctica)",
    r"registros?(?:\s+(?:de\s+(?:pr[aá]ctica|pensamientos|conducta|emociones|sue[nñ]o|ansiedad"
    r"|respiraci[oó]n)|diario))?",
    r"(?<!a\s)diario(?:\s+de\s+\w+)?",
    r"tablas?\s+de\s+(?:conducta|puntos|estrellas|recompensas|comportamiento|rutina)",
    r"tiempo\s+especial",
    r"pr[aá]cticas?(?:\s+de\s+\w+)?",
    r"ejercicios?\s+de\s+(?:respiraci[oó]n|relajaci[oó]n|exposici[oó]n|atenci[oó]n\s+plena)",
    r"tarjetas?\s+de\s+(?:afrontamiento|estrategias)",
    r"exposiciones",
    r"lo\s+asignado",
)
CLIENT_ES_WORDS = (
    r"pte?",
    r"paciente",
    r"cliente",
    r"cl",
    r"joven",
    r"menor",
    r"ni[nñ][oa]",
    r"madre",
    r"mam[aá]",
    r"padre",
    r"pap[aá]",
    r"abuel[oa]",
    r"cuidador(?:a)?",
    r"cg",
    r"tutor(?:a)?",
    r"familia",
    r"padres",
    r"ambos",
    r"ella",
    r"[eé]l",
    r"(?-i:[A-Z][a-zñáéíóú]{2,})",
)
CLIENT_ES = _alt(*CLIENT_ES_WORDS)
CLINICIAN_ES_WORDS = (
    r"terapeuta",
    r"cl[ií]nic[oa]",
    r"(?:esta|este)\s+(?:escritora|escritor|cl[ií]nica|cl[ií]nico|terapeuta)",
    r"nosotros",
)
CLINICIAN_ES = _alt(*CLINICIAN_ES_WORDS)
OTHER_ES_WORDS = (
    r"maestr[oa]s?",
    r"profesor(?:a|es)?",
    r"psiquiatra",
    r"m[eé]dic[oa]",
    r"pediatra",
    r"doctor(?:a)?",
    r"enfermer[oa]",
    r"(?:manejador|administrador|gestor)(?:a)?\s+de\s+casos?",
    r"trabajador(?:a)?\s+social",
    r"escuela",
    r"consejer[oa]",
)
OTHER_ES = _alt(*OTHER_ES_WORDS)
PRACTICE_V_ES = _alt(
    r"practicar(?:[áa]n?)?",
    r"practiquen?",
    r"usar(?:[áa]n?)?",
    r"usen?",
    r"utilizar(?:[áa]n?)?",
    r"hacer",
    r"har[áa]n?",
    r"hagan?",
    r"completar(?:[áa]n?)?",
    r"completen?",
    r"llenar(?:[áa]n?)?",
    r"registrar(?:[áa]n?)?",
    r"realizar(?:[áa]n?)?",
    r"realicen?",
    r"escribir(?:[áa]n?)?",
    r"llevar(?:[áa]n?)?",
    r"dar(?:[áa]n?)?",
    r"elogiar(?:[áa]n?)?",
    r"jugar(?:[áa]n?)?",
    r"pasar(?:[áa]n?)?",
    r"leer(?:[áa]n?)?",
    r"anotar(?:[áa]n?)?",
    r"continuar(?:[áa]n?)?\s+(?:con\s+)?\w+",
    r"caminar(?:[áa]n?)?",
    r"salir",
    r"hablar(?:[áa]n?)?",
    r"ejercitar(?:se)?",
    r"seguir(?:[áa]n?)?\s+\w+",
    r"mantener(?:[áa]n?)?",
    r"mantengan?",
    r"aplicar(?:[áa]n?)?",
    r"apliquen?",
    r"repetir(?:[áa]n?)?",
    r"repitan?",
    r"dibujar(?:[áa]n?)?",
)
BETWEEN_ES = _alt(
    r"en\s+casa",
    r"diariamente",
    r"a\s+diario",
    r"todos\s+los\s+d[ií]as",
    r"todas\s+las\s+(?:noches|ma[nñ]anas|tardes)",
    r"cada\s+(?:d[ií]a|noche|ma[nñ]ana|tarde|semana|vez)",
    r"(?:al|por)\s+d[ií]a",
    r"(?:a\s+la|por|esta|durante\s+la)\s+semana",
    r"semanalmente",
    r"entre\s+sesiones",
    r"(?:antes\s+de|para|hasta)\s+la\s+(?:pr[oó]xima|siguiente)\s+sesi[oó]n",
    r"antes\s+de\s+dormir",
    r"\d+\s*(?:veces|x)",
    r"cuando\s+(?:se\s+sienta|est[eé]|sienta)",
    r"en\s+la\s+escuela",
    r"por\s+las\s+(?:noches|ma[nñ]anas|tardes)",
    r"diari[oa]s",
    r"minutos?\s+diari[oa]",
    r"frecuencia\s+diaria",
    r"forma\s+diaria",
    r"manera\s+diaria",
    r"los\s+fines\s+de\s+semana",
    r"el\s+fin\s+de\s+semana",
    r"este\s+fin\s+de\s+semana",
    r"cada\s+fin\s+de\s+semana",
)
PAST_FREQ_ES = _alt(
    r"\d+\s*(?:veces|x)",
    r"\d+\s*(?:de|/)\s*\d+",
    r"(?:una|dos|tres|cuatro|cinco|varias|algunas|pocas)\s+(?:veces|noches|d[ií]as)",
    r"(?:todos|casi\s+todos)\s+los\s+d[ií]as",
    r"(?:toda\s+la|esta|la)\s+semana(?:\s+pasada)?",
    r"diariamente",
    r"a\s+diario",
    r"cada\s+(?:noche|d[ií]a|ma[nñ]ana)",
    r"desde\s+la\s+[uú]ltima\s+sesi[oó]n",
)
SKILL_ES = _alt(
    r"respiraci[oó]n",
    r"relajaci[oó]n",
    r"afrontamiento",
    r"habilidad(?:es)?",
    r"estrategias?",
    r"tiempo\s+especial",
    r"elogios?",
    r"tarea",
    r"pr[aá]ctica",
    r"registro",
    r"tabla",
    r"diario",
    r"exposici[oó]n(?:es)?",
    r"atenci[oó]n\s+plena",
)

# --- context cues (used by detector.py around each candidate) -----------------------------

NEGATION = {
    "en": re.compile(
        r"\b(?:no|not|n't|never|without|denied|declined|refused|none|neither|nor|unable)\b"
        r"|n't\b",
        FLAGS,
    ),
    "es": re.compile(r"\b(?:no|sin|ning[uú]n[ao]?|nunca|tampoco|ni)\b", FLAGS),
}
# A cheap test before looking for a negation word: every one of them holds one of these.
MAY_NEGATE = re.compile(r"n[o']|n[eu]|wit|den|dec|ref|una|si|ni|tamp", FLAGS)
FUTURE_PREFIX = {
    "en": re.compile(
        r"\b(?:will|shall|plan(?:s|ned|ning)?\s+to|consider(?:s|ed|ing)?|may|might|could"
        r"|possibly|potentially|would|hope(?:s)?\s+to|intend(?:s)?\s+to|going\s+to"
        r"|next\s+(?:session|visit|appt|appointment)|to\s+be|if|once|when\s+ready)\b",
        FLAGS,
    ),
    "es": re.compile(
        r"\b(?:considerar[áa]?|considera|se\s+planea|planea|planifica|se\s+va\s+a|va\s+a|vamos\s+a"
        r"|pr[oó]xima\s+sesi[oó]n|siguiente\s+sesi[oó]n|podr[ií]a|posiblemente|evaluar[áa]|si)\b",
        FLAGS,
    ),
}
# Inside the match: "HW to be assigned", "se asignará tarea".
FUTURE_INNER = {
    "en": re.compile(
        r"\b(?:to\s+be|will\s+be|will\s+(?:consider|assign|introduce|give|provide|review|check"
        r"|go\s+over)|plan\s+to|consider(?:ing)?|possibly|potentially|starting|start"
        r"|beginning|begin)\b",
        FLAGS,
    ),
    "es": re.compile(
        r"\b(?:asignar[áa]n?|revisar[áa]n?|entregar[áa]n?|introducir[áa]n?|se\s+dar[áa]n?"
        r"|considerar[áa]?)\b",
        FLAGS,
    ),
}
FUTURE_SUFFIX = {
    "en": re.compile(
        r"[^.;,\n]{0,40}?(?<!before\s)(?<!until\s)(?<!by\s)(?<!to\s)(?<!for\s)"
        r"\bnext\s+(?:session|visit|appt|appointment)",
        FLAGS,
    ),
    "es": re.compile(
        r"[^.;,\n]{0,40}?(?<!para\s)(?<!antes\sde\s)(?<!hasta\s)"
        r"\b(?:en\s+|durante\s+)?la\s+(?:pr[oó]xima|siguiente)\s+sesi[oó]n",
        FLAGS,
    ),
}
PRIOR_PREFIX = {
    "en": re.compile(
        r"(?:previously|prior|last\s+(?:week|session)'?s?|previous|from\s+last\s+(?:week|session))"
        r"\s*\W*$",
        FLAGS,
    ),
    "es": re.compile(r"(?:anteriormente|previamente|la\s+semana\s+pasada)\s*\W*$", FLAGS),
}
PRIOR_SUFFIX = {
    "en": re.compile(
        r"\W*(?:\w+\s+){0,2}?(?:at\s+|in\s+|during\s+)?(?:the\s+)?(?:last|previous|prior|past)"
        r"\s+(?:session|week|visit|appt|time)",
        FLAGS,
    ),
    "es": re.compile(
        r"\W*(?:\w+\s+){0,2}?(?:en\s+)?(?:la\s+)?(?:sesi[oó]n\s+(?:anterior|pasada)"
        r"|semana\s+pasada|[uú]ltima\s+sesi[oó]n)",
        FLAGS,
    ),
}
IN_SESSION = re.compile(
    r"\b(?:in[- ]session|during\s+(?:the\s+|today'?s\s+)?session|in\s+today'?s\s+session"
    r"|in\s+office|with\s+(?:this\s+)?writer|with\s+clinician|en\s+(?:la\s+)?sesi[oó]n"
    r"|durante\s+la\s+sesi[oó]n)\b",
    FLAGS,
)
AT_HOME = re.compile(
    r"\b(?:at\s+home|home|this\s+(?:past\s+)?week|last\s+week|past\s+week|since\s+(?:the\s+)?last"
    r"|at\s+school|nightly|en\s+casa|esta\s+semana|la\s+semana\s+pasada|desde\s+la)\b",
    FLAGS,
)
# A checkbox: "[x] Home practice assigned" is ticked, "[ ] Home practice reviewed" is not.
CHECKBOX = re.compile(r"\[\s*(?:[xX✓✔*]|(?P<empty>))\s*\]|(?P<open>[☐□])|[☒☑✅]")
BOX_CHARS = re.compile(r"[\[☐□]")
# "Psychiatrist instructed family to give ...": the instruction came from someone else.
INSTRUCTED_BY = {
    "en": re.compile(r"(?:asked|instructed|encouraged|reminded|recommended|told|advised)\b", FLAGS),
    "es": re.compile(r"(?:indic[óo]|recomend[óo]|pidi[óo]|orden[óo])\b", FLAGS),
}
# Medication instructions belong to the prescriber, not to therapeutic homework.
MEDICATION = re.compile(
    r"\b(?:medications?|meds?|\d+\s*mg|doses?|pills?|tablets?|melatonin|guanfacine|clonidine"
    r"|sertraline|fluoxetine|methylphenidate|medicamentos?|medicinas?|dosis|pastillas?)\b",
    FLAGS,
)
# A homework object right after a review verb ("se revisaron los ejercicios asignados",
# "reviewed the worksheet given"): the assignment is the earlier one being reviewed.
REVIEWED_OBJECT = {
    "en": re.compile(
        r"\b(?:review(?:ed|ing)?|rev'?d|went\s+over|check(?:ed)?|followed\s+up\s+on|f/u\s+on)"
        r"\s+(?:(?:the|his|her|their|pt'?s|all)\s+)?$",
        FLAGS,
    ),
    "es": re.compile(
        r"\b(?:revis[óoé]|revisaron|revisamos|repas[óo]|repasaron|seguimiento\s+a)"
        r"\s+(?:(?:la|las|el|los|su|sus|a\s+la|al)\s+)?$",
        FLAGS,
    ),
}
OWNER = {
    "en": re.compile(
        rf"\b(?:(?P<clinician>{CLINICIAN_EN})|(?P<other>{OTHER_EN})|(?P<client>{CLIENT_EN}))\b",
        FLAGS,
    ),
    "es": re.compile(
        rf"\b(?:(?P<clinician>{CLINICIAN_ES})|(?P<other>{OTHER_ES})|(?P<client>{CLIENT_ES}))\b",
        FLAGS,
    ),
}
# Words that make a bare "homework"/"tarea" school homework, and words that make it therapy.
GENERIC_NOUN = re.compile(
    r"^(?:the\s+)?(?:home\s?-?work|hw|h/w|tareas?|assignments?|tasks?|worksheets?)$", FLAGS
)
SCHOOL_CONTEXT = re.compile(
    r"\b(?:school(?<!each\sschool)(?<!every\sschool)(?!\s+days?\b)|teachers?|math|class(?:es|room)?"
    r"|grades?"
    r"|spelling|reading|science|algebra"
    r"|essay|report\s+card|escuela|maestr[ao]s?|matem[aá]ticas|clases?|calificaciones|escolar"
    r"|notas|his|her|their|su|sus)\b",
    FLAGS,
)
THERAPY_CONTEXT = re.compile(
    r"\b(?:therap\w*|tx|sessions?|clinician|therapist|writer|skills?|coping|breathing|relax\w*"
    r"|special\s+time|practi[cs]\w*|exposures?|thoughts?|feelings?|cbt|pcit|tf-cbt|praise"
    r"|terap\w*|sesi[oó]n|respiraci[oó]n|relajaci[oó]n|afrontamiento|habilidad\w*|pr[aá]ctica"
    r"|tiempo\s+especial|elogi\w*|emociones|log|chart|registro|tabla)\b",
    FLAGS,
)
# Explicitly school homework: these spans turn any overlapping candidate into "school".
SCHOOL_SPAN_EN = _alt(
    r"(?:math|maths|school|reading|spelling|science|history|english|class|algebra|his|her"
    r"|their|writing|geography|social\s+studies|biology|chemistry)\s+(?:home\s?-?work|hw"
    r"|assignments?|worksheets?|projects?)",
    rf"{HW}\s+(?:(?:from|for|at|in)\s+(?:school|class|(?:his\s+|her\s+|the\s+)?teacher)"
    r"|help|club|folder|packet|time|battles?|routine)",
    r"reading\s+logs?",
    r"school\s?work",
    r"class\s?work",
    r"(?:teachers?|school)\s+(?:assigned|sent|gave|assigns|sends|gives)(?:\W+\w+){0,4}?\W+"
    rf"(?:{HW}|worksheets?|reading\s+logs?|projects?)",
    r"(?:help(?:s|ed|ing)?|assist(?:s|ed|ing)?)\s+(?:\w+\s+)?with\s+(?:his\s+|her\s+|their\s+)?"
    rf"{HW}",
)
SCHOOL_SPAN_ES = _alt(
    r"tareas?\s+(?:de|para)\s+(?:la\s+|el\s+)?(?:escuela|clase|matem[aá]ticas|lectura"
    r"|ciencias|ingl[eé]s|historia|espa[nñ]ol|maestr[ao])",
    r"tareas?\s+escolar(?:es)?",
    r"(?:su|sus)\s+tareas?",
    r"(?:la\s+|el\s+)?maestr[ao]\s+(?:le\s+)?(?:asign[óo]|dej[óo]|mand[óo]|envi[óo])"
    r"(?:\W+\w+){0,4}?\W+tareas?",
    r"ayud(?:a|ar|[óo]|arle|arlo|arla)\s+con\s+(?:la\s+|las\s+|sus\s+|su\s+)tareas?",
)
SCHOOL_SPAN = {
    "en": re.compile(rf"\b{SCHOOL_SPAN_EN}\b", FLAGS),
    "es": re.compile(rf"\b{SCHOOL_SPAN_ES}\b", FLAGS),
}
FIELD_NEGATIVE = re.compile(
    r"^\s*(?:no\b|n\b|none|n/a|na\b|not\b|deferred|pending|ninguna|nada)", FLAGS
)
# "Rev. tarea: completa" is the review field, not the assignment one.
REVIEW_FIELD_PREFIX = re.compile(r"\brev(?:\.\s?|\s|'?d\s)$", FLAGS)
FIELD_REVIEW_WORDS = re.compile(
    r"^\s*(?:reviewed|reviewing|review|completed|did|done|partial|partially|not\s+completed"
    r"|pt\s+(?:did|completed|practiced|reported)|cg\s+(?:did|completed|reported)|revis[óo]"
    r"|completad[ao]|completa|incompleta|hecha|parcial(?:mente)?"
    r"|no\s+(?:la\s+|lo\s+)?(?:hizo|complet[óo]|realiz[óo]|practic[óo]))\b",
    FLAGS,
)


@dataclass(frozen=True)
class Rule:
    """One pattern and how its context is judged.

    `negatable`: a negation cue before (or inside) the match makes it "negated". Rules whose
    pattern *is* a negation ("did not complete the practice") are not negatable: reporting
    non-completion is a review. `future`: plans for later make it "future". `prior`: homework
    from an earlier session makes it "prior". `is_field`: a templated "HW assigned: yes/no"
    line, judged by its value. `past_report`: practice that happened, which may have happened
    in the session. `needs_between`: the verb is weak ("introduced", "created"), so it counts
    only when the clause says the task is for between sessions (home, daily, this week).
    `doer`: the person before the verb does the task ("pt to practice"), so a clinician there
    makes it someone else's task; otherwise that person assigns or reviews, and only a
    non-clinician (teacher, psychiatrist) makes it someone else's. `needs_person`: counts only
    with the client or caregiver named before the verb ("CG did special time 4 of 7 days"),
    because without one "gave home practice each night" reads the same as a report.
    """

    id: str
    label: str
    language: str
    description: str
    pattern: str
    negatable: bool = True
    future: bool = True
    prior: bool = False
    is_field: bool = False
    past_report: bool = False
    needs_between: bool = False
    doer: bool = False
    needs_person: bool = False
    regex: re.Pattern[str] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, FLAGS))

    def finditer(self, text: str, ranges: Ranges | None = None) -> Iterator[re.Match[str]]:
        """Matches in `text`, or only inside `ranges` (start, end) when they are given.

        `detect` passes the stretches of clauses that hold the rule's trigger words: a match
        lies within its clauses, so the rest of the note need not be scanned.
        """
        spans = ranges if ranges is not None else ((0, len(text)),)
        anchor = ANCHORS.get(self.id)
        seen: set[tuple[int, int]] = set()
        for start, end in spans:
            if anchor is None:
                yield from self.regex.finditer(text, start, end)
                continue
            # Patterns that start with a long list of nouns are slow to try at every word; their
            # verb is rare, so find it first and try the pattern only in a window before it.
            for hit in anchor.finditer(text, start, end):
                window_start = max(start, hit.start() - ANCHOR_WINDOW)
                for match in self.regex.finditer(text, window_start, hit.end()):
                    if match.span() not in seen:
                        seen.add(match.span())
                        yield match


# A templated field's value runs to the end of its clause: not past " - " ("HW assigned: Y -
# belly breathing" holds the answer "Y"; the rest is a clause of its own).
FIELD_VALUE = r"(?:[^\n;.\s]|[^\S\n](?![-–—]\s))"
# ":" or "?", or a dash that is not " - " ("HW reviewed- yes", "HW reviewed -yes").
FIELD_SEPARATOR = r"(?:\s*[:?]|(?<!\s)-|\s-(?!\s))\s*"
# Between a verb and its object: words, but not across the end of a sentence or a line.
GAP = r"[^\w.;\n]+"

ASSIGNED = "homework_assigned"
REVIEWED = "homework_reviewed"

EN_ASSIGN_VERB = _alt_words(
    # Not the preposition: "Given the time, HW was not reviewed" ("was given" stays a verb).
    r"assign(?:ed|s|ing)? gave give[s]? given(?:(?<=\w\sgiven)|(?!(?:\s+[\w'’]+){1,5},)) giving"
    r" provided provide handed sen[dt]\s+home issued left"
)
EN_WEAK_ASSIGN_VERB = _alt_words(
    r"introduced introduce created create developed develop set\s+up agreed\s+(?:on|upon) made"
    r" designed collaboratively\s+(?:developed|created|designed) chose selected picked"
)
EN_REVIEW_VERB = _alt_words(
    r"review(?:ed|ing)? rev'?d revd went\s+over go(?:ing)?\s+over check(?:ed)?\s+(?:in\s+on|on)"
    r" check(?:ed)? follow(?:ed)?[-\s]up\s+(?:on|with) f/u\s+(?:on\s+)? debrief(?:ed)?"
    r" look(?:ed)?\s+at"
)
EN_WEAK_REVIEW_VERB = _alt_words(
    r"discuss(?:ed)? process(?:ed)? talked\s+about explored assess(?:ed)?"
)
PERSON_EN = _alt(*CLIENT_EN_WORDS, *CLINICIAN_EN_WORDS, *OTHER_EN_WORDS)
PERSON_ES = _alt(*CLIENT_ES_WORDS, *CLINICIAN_ES_WORDS, *OTHER_ES_WORDS)
EN_INSTR = _alt(
    rf"{PERSON_EN}(?:\s+and\s+(?:{CLIENT_EN}))?\s+(?:will\s+(?:continue\s+to\s+"
    r"|try\s+to\s+|both\s+|also\s+)?|to\s+(?:continue\s+(?:to\s+)?|try\s+to\s+|also\s+)?"
    r"|should\s+|is\s+to\s+|are\s+to\s+|needs?\s+to\s+|agreed\s+to\s+|plans?\s+to\s+"
    r"|committed\s+to\s+|was\s+asked\s+to\s+|were\s+asked\s+to\s+)",
    r"(?:asked|instructed|encouraged|reminded|challenged|coached|agreed|committed|recommended"
    r"|prompted|tasked)\s+(?:\w+\s+){0,3}?to\s+(?:continue\s+(?:to\s+)?)?",
    rf"recommend(?:ed|s)?\s+(?:that\s+)?(?:{CLIENT_EN}\s+)",
)
ES_ASSIGN_VERB = _alt_words(
    r"asign[óoé] asignaron asignamos asignar[áa]n? dej[óo](?!\s+de\s+(?!tarea)) dejaron"
    r" dio(?!\s+seguimiento) dieron se\s+dar[áa] entreg[óo] entregaron entregar[áa]"
    r" proporcion[óo] envi[óo] mand[óo]"
)
ES_REVIEW_VERB = _alt_words(
    r"revis[óoé] revisaron revisamos revisar[áa]n? repas[óo] repasaron dio\s+seguimiento\s+a"
    r" verific[óo] chequ[eé][óo]? habl[óo]\s+(?:de|sobre) discuti[óo] discutieron"
)
ES_INSTR = _alt(
    rf"{PERSON_ES}(?:\s+y\s+(?:{CLIENT_ES}))?\s+(?:va\s+a\s+|van\s+a\s+|debe\s+"
    r"|deber[áa]n?\s+|acord[óo]\s+|acordaron\s+|se\s+comprometi[óo]\s+a\s+"
    r"|se\s+comprometieron\s+a\s+|continuar[áa]n?\s+|tratar[áa]n?\s+de\s+)?",
    r"se\s+(?:le\s+|les\s+)?(?:pidi[óo]|indic[óo]|recomend[óo]|acord[óo]|anim[óo]|motiv[óo])"
    r"\s+(?:a\s+(?:la\s+|el\s+|los\s+|las\s+|su\s+|sus\s+)?\w+\s+)?(?:a\s+|que\s+)?",
    r"(?:acord[óo]|acordaron|se\s+comprometi[óo]|se\s+comprometieron)\s+(?:a\s+)?",
)

RULES: tuple[Rule, ...] = (
    # ---- assigned, English
    Rule(
        "A-EN-ASSIGN",
        ASSIGNED,
        "en",
        "an assigning verb (assigned, gave, provided, sent home) with a homework object",
        rf"(?P<verb>\b(?:{EN_ASSIGN_VERB}))\b(?:{GAP}\w+){{0,6}}?{GAP}(?P<noun>{EN_NOUN})\b",
        prior=True,
    ),
    Rule(
        "A-EN-PASSIVE",
        ASSIGNED,
        "en",
        "a homework object followed by 'assigned/given/provided'",
        rf"(?P<noun>\b{EN_NOUN})\s+(?:(?:was|were|is|has\s+been|been)\s+)?(?:not\s+)?"
        r"(?P<verb>assigned|given|provided|sent\s+home|issued)\b",
        prior=True,
    ),
    Rule(
        "A-EN-CREATE",
        ASSIGNED,
        "en",
        "a plan or tool created in session for use between sessions (home, daily, this week)",
        rf"(?P<verb>\b(?:{EN_WEAK_ASSIGN_VERB}))\b(?:{GAP}\w+){{0,6}}?{GAP}(?P<noun>{EN_NOUN})\b",
        prior=True,
        needs_between=True,
    ),
    Rule(
        "A-EN-INSTRUCT",
        ASSIGNED,
        "en",
        "the client or caregiver is to practice a skill between sessions (pt to practice nightly)",
        rf"\b{EN_INSTR}(?P<verb>{PRACTICE_V})\b[^.;\n]{{0,80}}?(?P<cue>\b{BETWEEN_EN})",
        doer=True,
    ),
    Rule(
        "A-EN-FIELD",
        ASSIGNED,
        "en",
        "a templated field 'HW assigned: ...' (value none/no/N/A means not assigned)",
        rf"(?P<noun>\b(?:new\s+)?{HW})(?:\s+(?:assigned|given))?\s*[:?]\s*(?P<val>{FIELD_VALUE}{{0,60}})",
        is_field=True,
        future=False,
    ),
    Rule(
        "A-EN-HEADING",
        ASSIGNED,
        "en",
        "a practice heading with a task after it ('Exposure practice this week: ...')",
        r"(?P<noun>\b(?:(?:exposure|home|between[- ]sessions?|b/w[- ]sessions?|skills?|relaxation"
        r"|breathing|coping|mindfulness)[- ]practice|practice\s+(?:task|assignment|plan)s?))"
        r"(?:\s+(?:assigned|given))?(?:\s+(?:for\s+)?(?:this|the\s+coming|next)\s+(?:week|wk))?"
        rf"\s*:\s*(?P<val>{FIELD_VALUE}{{1,60}})",
        is_field=True,
        future=False,
    ),
    Rule(
        "A-EN-WEEK-TASK",
        ASSIGNED,
        "en",
        "a heading naming the week's task with the task after it ('STIC task for this week: ...')",
        r"\b(?:task|assignment|challenge)s?\s+for\s+(?:this|the|next)\s+(?:coming\s+)?(?:week|wk)"
        rf"\s*:\s*(?P<val>{FIELD_VALUE}{{1,60}})",
        is_field=True,
        future=False,
    ),
    # ---- reviewed, English
    Rule(
        "R-EN-REVIEW",
        REVIEWED,
        "en",
        "a reviewing verb (reviewed, went over, checked, followed up on) with a homework object",
        rf"(?P<verb>\b(?:{EN_REVIEW_VERB}))\b(?:{GAP}\w+){{0,6}}?{GAP}(?P<noun>{EN_NOUN}"
        rf"|{EN_NOUN_STRICT})\b",
    ),
    Rule(
        "R-EN-DISCUSS",
        REVIEWED,
        "en",
        "discussed/processed a specific prior task (last week's practice, practice log)",
        rf"(?P<verb>\b(?:{EN_WEAK_REVIEW_VERB}))\b(?:{GAP}\w+){{0,6}}?{GAP}(?P<noun>{EN_NOUN_STRICT})\b",
    ),
    Rule(
        "R-EN-PASSIVE",
        REVIEWED,
        "en",
        "a homework object followed by 'reviewed/checked/followed up'",
        rf"(?P<noun>\b{EN_NOUN})\s+(?:(?:was|were|is|has\s+been|been)\s+)?(?:not\s+)?"
        r"(?P<verb>reviewed|checked|followed\s+up|discussed)\b",
    ),
    Rule(
        "R-EN-COMPLETION",
        REVIEWED,
        "en",
        "the completion status of homework is reported (completed, partially done, not done)",
        rf"(?P<noun>\b{EN_NOUN})(?:\s*\([^)]{{0,40}}\))?\s+(?:(?:was|were|is|has\s+been|been)\s+)?"
        r"(?:(?:not|partially"
        r"|fully|only\s+partially|mostly|half|largely)\s+)?(?P<verb>completed|complete|done"
        r"|finished|incomplete|attempted|completion|compliance|adherence|returned|turned\s+in"
        r"|skipped)\b",
        negatable=False,
        future=False,
        past_report=True,
    ),
    Rule(
        "R-EN-REPORTED",
        REVIEWED,
        "en",
        "the client or caregiver reported practicing a skill (or not) since the last session",
        r"\b(?:report(?:ed|s)?|stat(?:ed|es)|sa(?:id|ys)|shared|endorsed|indicated|noted"
        r"|described|disclosed|admitted|acknowledged)\s+(?:that\s+)?(?:\w+\s+){0,3}?(?:not\s+)?"
        r"(?P<verb>practic(?:ed|ing)|using|used|doing|did|completing|completed|tracking|tracked"
        r"|trying|tried|implementing|implemented|giving|gave|filling\s+out|filled\s+out"
        r"|journal(?:ed|ing)|logging|logged|spending|spent|playing|played|having\s+done)\b"
        rf"[^.;\n]{{0,80}}?(?:\b{SKILL_EN}|\b{PAST_FREQ_EN})",
        negatable=False,
        future=False,
        past_report=True,
        doer=True,
    ),
    Rule(
        "R-EN-PRACTICED",
        REVIEWED,
        "en",
        "practice that happened is counted (practiced breathing 3 times, special time 4/7 days)",
        r"(?P<verb>\b(?:practic(?:ed)|used|did|completed|tracked|tried|implemented|gave"
        r"|filled\s+out|journaled|logged|spent|played|engaged\s+in|walked|read|wrote|praised"
        r"|exercised|meditated))\b[^.;\n]{0,60}?"
        rf"\b{PAST_FREQ_EN}",
        past_report=True,
        future=False,
        needs_person=True,
        doer=True,
    ),
    Rule(
        "R-EN-NOT-DONE",
        REVIEWED,
        "en",
        "non-completion of homework is reported (did not complete the practice): still a review",
        r"(?P<verb>\b(?:did\s+not|didn't|has\s+not|hasn't|have\s+not|haven't|had\s+not"
        r"|was\s+not\s+able\s+to|wasn't\s+able\s+to|were\s+not\s+able\s+to|unable\s+to"
        r"|forgot\s+to|forgot|failed\s+to|denied|declined\s+to|refused\s+to|not\s+able\s+to"
        r"|reported\s+not|struggled\s+to|no\s+longer|did\s+not\s+get\s+to))\s+(?:\w+\s+){0,2}?"
        r"(?:practic(?:e|ed|ing)|complet(?:e|ed|ing)|do(?:ing)?|done|use|using|used|try|tried"
        r"|fill(?:ed)?\s+out|track(?:ed)?|log(?:ged)?|journal|finish(?:ed)?|implement(?:ed)?"
        r"|turn(?:ed)?\s+in|bring|brought)\b[^.;\n]{0,60}?"
        rf"(?:\b{EN_NOUN}\b|\b{SKILL_EN}|\b{PAST_FREQ_EN}|\bit\b|\bthem\b|\bany\b)"
        rf"|\b(?:skipped|skipping|missed)\s+(?:\w+\s+){{0,3}}?{EN_NOUN}\b",
        negatable=False,
        future=False,
        doer=True,
    ),
    Rule(
        "R-EN-BROUGHT",
        REVIEWED,
        "en",
        "the client brought back or turned in the homework (brought completed worksheet)",
        r"(?P<verb>\b(?:brought|turned|returned|showed|handed))\s+(?:in\s+|back\s+)?"
        r"(?:[\w'-]+\s+){0,3}?"
        rf"(?P<noun>{EN_NOUN})\b",
        future=False,
    ),
    Rule(
        "R-EN-BARRIERS",
        REVIEWED,
        "en",
        "barriers to completing the homework were discussed or problem-solved",
        r"(?P<verb>\bbarriers?)\s+(?:to|with|for|around)\s+(?:\w+\s+){0,2}?(?P<noun>"
        r"completing|completion|practic(?:e|ing)|home\s?work|hw|doing\s+(?:the\s+)?(?:hw"
        r"|homework|practice|task)|the\s+(?:task|assignment|practice|log|chart))",
        future=False,
    ),
    Rule(
        "R-EN-FIELD",
        REVIEWED,
        "en",
        "a templated field 'HW reviewed: ...' (value none/no/N/A means not reviewed)",
        rf"(?P<noun>\b(?:prior\s+|previous\s+)?(?:{HW}|home[- ]practice))\s+(?:review(?:ed)?|rev'?d"
        rf"|revd|completed?){FIELD_SEPARATOR}"
        rf"(?P<val>{FIELD_VALUE}{{0,60}})",
        is_field=True,
        future=False,
    ),
    Rule(
        "R-EN-PRIOR-TASK",
        REVIEWED,
        "en",
        "homework from an earlier session is named (last week's log, last session's challenge)",
        rf"(?P<verb>\b{PRIOR_TIME_EN})'?s?[ \t]+(?:[\w'\"‘’][\w'\"‘’-]*[ \t]+){{0,4}}?"
        rf"(?P<noun>{PRIOR_NOUN_EN})\b",
    ),
    Rule(
        "R-EN-TASK-FROM-PRIOR",
        REVIEWED,
        "en",
        "homework named with the session it came from (the challenge from last week)",
        rf"(?P<noun>\b{PRIOR_NOUN_EN})['\"’]?(?:[ \t]*\([^).;\n]{{0,30}}\))?[ \t]+(?:(?:that\s+)?"
        r"(?:we|pt|he|she|they|cl|clt|client|cg|family|was|were)\s+)?(?:from|assigned|given"
        r"|made|created|set\s+up|agreed\s+(?:on|upon)|started|left\s+with)\s+(?:at\s+|in\s+"
        rf"|during\s+|with\s+)?(?:the\s+)?{PRIOR_TIME_EN}\b",
    ),
    Rule(
        "R-EN-AS-ASSIGNED",
        REVIEWED,
        "en",
        "practice that was done is reported 'as assigned' (used the chart at home as assigned)",
        r"(?P<verb>\b(?:\w+ed|did|made|brought|kept|wrote|drew|took|went|read|done|tried))\b"
        r"[^.;\n]{0,80}?\bas\s+(?:previously\s+)?assigned\b"
        r"(?!\s+by\s+(?:the\s+|his\s+|her\s+)?(?:teacher|school))",
        negatable=False,
        past_report=True,
    ),
    Rule(
        "A-EN-AGREED-ON",
        ASSIGNED,
        "en",
        "a skill agreed on for between sessions (agreed on mindful breathing each night)",
        rf"(?P<verb>\b(?:agreed|committed)\s+(?:on|upon|to))\s+(?:[^.;\n]{{0,50}}?)\b"
        rf"(?P<noun>{NAMED_SKILL_EN})\b[^.;\n]{{0,60}}?(?P<cue>\b{BETWEEN_EN})",
    ),
    # ---- assigned, Spanish
    Rule(
        "A-ES-ASSIGN",
        ASSIGNED,
        "es",
        "un verbo de asignar (se asignó, se dejó, se entregó) con un objeto de tarea",
        rf"(?:\bse\s+(?:le\s+|les\s+)?|\ble\s+|\bles\s+)?(?P<verb>\b(?:{ES_ASSIGN_VERB}))"
        rf"(?:{GAP}\w+){{0,5}}?{GAP}(?P<noun>{ES_NOUN})\b",
        prior=True,
    ),
    Rule(
        "A-ES-PASSIVE",
        ASSIGNED,
        "es",
        "un objeto de tarea seguido de 'asignada/entregada'",
        rf"(?P<noun>\b{ES_NOUN})\s+(?:(?:fue|fueron|ha\s+sido)\s+)?(?:no\s+)?"
        r"(?P<verb>asignad[ao]s?|entregad[ao]s?|dejad[ao]s?)\b",
        prior=True,
    ),
    Rule(
        "A-ES-INSTRUCT",
        ASSIGNED,
        "es",
        "el paciente o cuidador practicará una habilidad entre sesiones (en casa, a diario)",
        rf"(?:\b{ES_INSTR}(?:(?P<pre>\b{BETWEEN_ES})[ \t]+)?)?(?P<verb>\b{PRACTICE_V_ES})"
        rf"(?:l[oa]s?|les?)?\b(?(pre)|[^.;\n]{{0,80}}?(?P<cue>\b{BETWEEN_ES}))",
        doer=True,
    ),
    Rule(
        "A-ES-FIELD",
        ASSIGNED,
        "es",
        "un campo de plantilla 'Tarea asignada: ...' (ninguna/no significa no asignada)",
        r"(?P<noun>\b(?:tareas?|home\s?-?work|hw))(?:\s+(?:asignad[ao]s?"
        rf"|nuev[ao]s?|para\s+(?:la\s+)?casa))?\s*[:?]\s*(?P<val>{FIELD_VALUE}{{0,60}})",
        is_field=True,
        future=False,
    ),
    Rule(
        "A-ES-HOME-FIELD",
        ASSIGNED,
        "es",
        "un campo de plantilla 'Ejercicio para casa: ...' con la práctica después",
        r"\b(?:ejercicios?|pr[aá]cticas?|actividad(?:es)?)\s+(?:para|en)\s+(?:la\s+)?casa\s*[:?]\s*"
        rf"(?P<val>{FIELD_VALUE}{{0,60}})",
        is_field=True,
        future=False,
    ),
    # ---- reviewed, Spanish
    Rule(
        "R-ES-REVIEW",
        REVIEWED,
        "es",
        "un verbo de revisar (revisó, repasó, dio seguimiento a) con un objeto de tarea",
        rf"(?:\bse\s+)?(?P<verb>\b(?:{ES_REVIEW_VERB}))(?:{GAP}\w+){{0,6}}?{GAP}(?P<noun>{ES_NOUN})\b",
    ),
    Rule(
        "R-ES-COMPLETION",
        REVIEWED,
        "es",
        "se informa si la tarea fue completada (completada, parcialmente, no realizada)",
        rf"(?P<noun>\b{ES_NOUN})\s+(?:(?:fue|fueron|ha\s+sido|est[aá])\s+)?(?:(?:no|parcialmente"
        r"|totalmente)\s+)?(?:(?:fue|fueron)\s+)?(?P<verb>completad[ao]s?|realizad[ao]s?"
        r"|hech[ao]s?|incompleta)\b",
        negatable=False,
        future=False,
        past_report=True,
    ),
    Rule(
        "R-ES-REPORTED",
        REVIEWED,
        "es",
        "el paciente o cuidador reportó que practicó (o no) desde la última sesión",
        r"\b(?:report[óo]|reportaron|refiri[óo]|refieren|inform[óo]|indic[óo]|coment[óo]"
        r"|comparti[óo]|dijo|mencion[óo]|expres[óo]|relat[óo]|reporta|refiere|informa)\s+"
        r"(?:que\s+)?(?:\w+\s+){0,3}?(?:no\s+)?(?P<verb>practic[óo]|practicaron|practicamos|hizo"
        r"|hicieron|realiz[óo]|realizaron|us[óo]|usaron|utiliz[óo]|complet[óo]|completaron"
        r"|llenó|registró|ha\s+practicado|ha\s+usado|pudo|logr[óo]|intent[óo]|jugó|caminó|leyó"
        r"|escribió|elogió|anotó|respiró|meditó"
        r"|dio|pas[óo]|estuvo\s+practicando|ha\s+estado\s+\w+ndo|practica|usa)\b",
        negatable=False,
        future=False,
        past_report=True,
        doer=True,
    ),
    Rule(
        "R-ES-PRACTICED",
        REVIEWED,
        "es",
        "se cuenta práctica realizada (practicó respiración 3 veces, tiempo especial 4 de 7 días)",
        r"(?P<verb>\b(?:practic[óo]|practicaron|hizo|hicieron|realiz[óo]|realizaron|usó"
        r"|usaron|completó|completaron|llenó|registró|jugó|pasó|caminó|leyó|escribió|elogió"
        r"|anotó|meditó))\b[^.;\n]{0,60}?"
        rf"\b{PAST_FREQ_ES}",
        past_report=True,
        future=False,
        doer=True,
    ),
    Rule(
        "R-ES-NOT-DONE",
        REVIEWED,
        "es",
        "se informa que la tarea no se hizo (no completó la práctica): igual es revisión",
        r"(?P<verb>\b(?:no\s+(?:pudo|logr[óo]|ha|han)\s+|no\s+|olvid[óo]\s+|se\s+le\s+olvid[óo]\s+"
        r"|se\s+les\s+olvid[óo]\s+))(?:practic(?:ar|[óo]|ado|aron)|complet(?:ar|[óo]|ado|aron)"
        r"|hizo|hicieron|hacer|hecho|realiz(?:ar|[óo]|ado|aron)|us(?:ar|[óo]|ado|aron)"
        r"|llen(?:ar|[óo]|ado))\b[^.;\n]{0,60}?"
        rf"(?:\b{ES_NOUN}|\b{SKILL_ES}|\b{PAST_FREQ_ES}|\bla\b|\blo\b|\bnada\b)",
        negatable=False,
        future=False,
        doer=True,
    ),
    Rule(
        "R-ES-BROUGHT",
        REVIEWED,
        "es",
        "el paciente trajo o mostró la tarea (trajo su registro completo)",
        r"(?P<verb>\b(?:trajo|trajeron|mostr[óo]|mostraron|devolvi[óo]|devolvieron))\s+"
        rf"(?:[\w'-]+\s+){{0,3}}?(?P<noun>{ES_NOUN})\b",
        future=False,
    ),
    Rule(
        "R-ES-BARRIERS",
        REVIEWED,
        "es",
        "se hablaron las barreras para completar la tarea",
        r"(?P<verb>\bbarreras?|\bobst[aá]culos?)\s+(?:para|en|con|que\s+impidieron)\s+"
        r"(?:\w+\s+){0,2}?(?P<noun>completar|practicar|hacer|la\s+tarea|la\s+pr[aá]ctica)",
        future=False,
    ),
    Rule(
        "R-ES-FIELD",
        REVIEWED,
        "es",
        "un campo de plantilla 'Tarea revisada: ...' (no/ninguna significa no revisada)",
        r"(?:(?P<noun>\btareas?(?:\s+(?:anterior|previa))?)\s+(?:revisadas?|completadas?)"
        rf"|\b(?:rev\.?|revisi[oó]n\s+de(?:\s+la)?)[ \t]*tareas?){FIELD_SEPARATOR}"
        rf"(?P<val>{FIELD_VALUE}{{0,60}})",
        is_field=True,
        future=False,
    ),
    Rule(
        "R-ES-PRIOR-TASK",
        REVIEWED,
        "es",
        "se nombra la tarea de una sesión anterior (la tarea de la semana pasada)",
        rf"(?P<noun>\b{ES_NOUN})\s+(?:(?:de|desde|asignad[ao]s?|acordad[ao]s?|dejad[ao]s?)\s+)?"
        r"(?:en\s+)?(?:la\s+)?(?P<verb>semana\s+pasada|sesi[oó]n\s+(?:anterior|pasada)"
        r"|[uú]ltima\s+sesi[oó]n|anterior(?:es)?|previas?)\b",
    ),
    Rule(
        "R-ES-AS-ASSIGNED",
        REVIEWED,
        "es",
        "se informa práctica hecha 'según lo asignado' o 'como se le asignó'",
        r"(?P<verb>\b(?:\w+(?:ó|aron|ieron)|hizo|trajo|trajeron))\b[^.;\n]{0,80}?\b(?:seg[uú]n\s+lo\s+"
        r"|como\s+se\s+(?:le\s+|les\s+)?|como\s+lo\s+)(?:asignado|asign[óo])\b",
        negatable=False,
        past_report=True,
    ),
    # ---- school homework: recorded so reviewers see it was considered and set aside
    Rule(
        "S-EN-SCHOOL",
        ASSIGNED,
        "en",
        "school homework (math homework, homework from the teacher): not therapeutic homework",
        rf"\b(?P<noun>{SCHOOL_SPAN_EN})\b",
        negatable=False,
        future=False,
    ),
    Rule(
        "S-ES-SCHOOL",
        ASSIGNED,
        "es",
        "tarea escolar (tarea de matemáticas, de la escuela): no es tarea terapéutica",
        rf"\b(?P<noun>{SCHOOL_SPAN_ES})\b",
        negatable=False,
        future=False,
    ),
    # ---- tasks that belong to someone else: recorded so reviewers see why they were ignored
    Rule(
        "O-EN-OTHER-TASK",
        ASSIGNED,
        "en",
        "a task for another person (teacher will send report, CM to call school): not homework",
        rf"\b(?P<owner>{OTHER_EN}|{CLINICIAN_EN})\s+(?:will|to|is\s+to|agreed\s+to|plans\s+to)\s+(?P<verb>\w+)"
        r"[^.;\n]{0,60}",
        negatable=False,
        future=False,
    ),
    Rule(
        "O-ES-OTHER-TASK",
        ASSIGNED,
        "es",
        "una tarea de otra persona (la maestra enviará el reporte): no es tarea terapéutica",
        rf"\b(?P<owner>{OTHER_ES}|{CLINICIAN_ES})\s+(?:va\s+a\s+|enviar[áa]|llamar[áa]|ajustar[áa]|"
        r"revisar[áa]|coordinar[áa]|har[áa]|dar[áa]|mandar[áa]|completar[áa]|se\s+comunicar[áa])"
        r"(?P<verb>\w*)[^.;\n]{0,60}",
        negatable=False,
        future=False,
    ),
)

BETWEEN = {
    "en": re.compile(rf"\b{BETWEEN_EN}", FLAGS),
    "es": re.compile(rf"\b{BETWEEN_ES}", FLAGS),
}
RULES_BY_ID = {rule.id: rule for rule in RULES}
# Named homework from an earlier session, and what says it was not gone over after all.
PRIOR_TASK_RULES = frozenset({"R-EN-PRIOR-TASK", "R-EN-TASK-FROM-PRIOR", "R-ES-PRIOR-TASK"})
# "Ran out of time to review last week's log": mentioned, but not gone over.
NOT_REVIEWED_BEFORE = {
    "en": re.compile(
        r"\b(?:deferred|postponed|skipped|tabled|ran\s+out\s+of\s+time|no\s+time|did\s+not\s+get"
        r"|didn't\s+get|unable)\b",
        FLAGS,
    ),
    "es": re.compile(
        r"\b(?:pospuso|pospuesta|no\s+hubo\s+tiempo|falta\s+de\s+tiempo|qued[óo]\s+pendiente)\b",
        FLAGS,
    ),
}
NOT_REVIEWED_AFTER = {
    "en": re.compile(
        r"['\"’]?\s+(?:(?:was|were|is)\s+)?(?:(?:not|never)\s+(?:\w+\s+)?(?:reviewed|discussed"
        r"|addressed|checked|covered|gone\s+over)|deferred|postponed|tabled|skipped|pending)\b",
        FLAGS,
    ),
    "es": re.compile(
        r"['\"’]?\s+(?:(?:a[uú]n|todav[ií]a)\s+)?no\s+(?:se\s+|fue\s+|fueron\s+|ha\s+sido\s+"
        r"|han\s+sido\s+)(?:revis|discuti|habl|coment|trat|repas)|\s+(?:qued[óo]\s+pendiente"
        r"|(?:se\s+)?pospuso|(?:fue\s+)?pospuesta)",
        FLAGS,
    ),
}
# Other-person rules only explain why nothing was found; everything else can be positive.
OWNER_ONLY_RULES = frozenset({"O-EN-OTHER-TASK", "O-ES-OTHER-TASK"})
SCHOOL_ONLY_RULES = frozenset({"S-EN-SCHOOL", "S-ES-SCHOOL"})
PASSIVE_RULES = frozenset({"A-EN-PASSIVE", "A-ES-PASSIVE"})


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The words of MEDICATION ("50 mg" gives "mg"), to skip the search in notes without any.
MEDICATION_WORDS = word_set(
    "medication medications med meds mg dose doses pill pills tablet tablets melatonin "
    "guanfacine clonidine sertraline fluoxetine methylphenidate medicamento medicamentos "
    "medicina medicinas dosis pastilla pastillas"
)


# A rule can only match inside a clause that holds one of its trigger words, so the detector
# scans only those clauses, and skips rules whose words the note lacks: most notes mention few
# of them, and this is what makes the detector fast enough for every note in a county. Every
# rule is listed (a test checks it, and another that the shortcut changes no answer on the
# development notes). Words are lower-case runs of letters or of digits ("didn't" gives "didn",
# "3x" gives "x"), with and without accents for Spanish; DIGITS stands for any number. Where
# `ALL_OF` lists more groups for a rule, its clause must hold a word of each.
DIGITS = "#"
TRIGGERS: dict[str, frozenset[str]] = {
    "A-EN-ASSIGN": word_set(
        "assign assigned assigns assigning gave give given gives giving provided provide handed "
        "sent send issued left"
    ),
    "A-EN-PASSIVE": word_set("assigned given provided sent issued"),
    "A-EN-CREATE": word_set(
        "introduced introduce created create developed develop set agreed made designed "
        "collaboratively chose selected picked"
    ),
    # Every between-session cue contains one of these words ("3x/day" gives "3", "x", "day").
    "A-EN-INSTRUCT": word_set(
        "home daily nightly weekly each every per day d wk week night x time times weekend "
        "between sessions next bed bedtime morning mornings evening evenings school when "
        "whenever bring return"
    ),
    "A-ES-INSTRUCT": word_set(
        "casa diariamente diario diarios diaria diarias todos todas cada día dia semana "
        "semanalmente sesiones próxima proxima siguiente dormir veces x cuando escuela noches "
        "mañanas mananas tardes"
    ),
    "A-EN-FIELD": word_set("hw homework home h"),
    "A-EN-HEADING": word_set("practice"),
    "A-EN-WEEK-TASK": word_set("task tasks assignment assignments challenge challenges"),
    "R-EN-FIELD": word_set("hw homework home h"),
    "R-EN-REVIEW": word_set(
        "review reviewed reviewing rev revd went go going check checked follow followed f "
        "debrief debriefed look looked"
    ),
    "R-EN-DISCUSS": word_set("discuss discussed process processed talked explored assess assessed"),
    "R-EN-PASSIVE": word_set("reviewed checked followed discussed"),
    "R-EN-COMPLETION": word_set(
        "complete completed done finished incomplete attempted completion compliance adherence "
        "returned turned skipped"
    ),
    "R-EN-REPORTED": word_set(
        "report reported reports stated states said says shared endorsed indicated noted "
        "described disclosed admitted acknowledged"
    ),
    "R-EN-PRACTICED": word_set(
        "practiced used did completed tracked tried implemented gave filled journaled logged "
        "spent played engaged walked read wrote praised exercised meditated"
    ),
    "R-EN-NOT-DONE": word_set(
        "not didn hasn haven wasn weren unable forgot failed denied declined refused struggled "
        "longer skipped skipping missed"
    ),
    "R-EN-BROUGHT": word_set("brought turned returned showed handed"),
    "R-EN-BARRIERS": word_set("barrier barriers"),
    "R-EN-PRIOR-TASK": word_set("last previous prior past"),
    "R-EN-TASK-FROM-PRIOR": word_set("last previous prior past"),
    "R-EN-AS-ASSIGNED": word_set("assigned"),
    "A-EN-AGREED-ON": word_set("agreed committed"),
    # Every school span ends in its noun ("school work" gives "work", "h/w" gives "h").
    "S-EN-SCHOOL": word_set(
        "homework hw home h work assignment assignments worksheet worksheets project projects "
        "log logs schoolwork classwork"
    ),
    "O-EN-OTHER-TASK": word_set(
        "teacher teachers psychiatrist prescriber md dr doctor pediatrician pcp np nurse cm case "
        "tcm care school counselor principal ot slp probation social cws staff tutor aide "
        "psychologist tbs clinician therapist writer we tx"
    ),
    "A-ES-ASSIGN": word_set(
        "asignó asigno asigné asigne asignaron asignamos asignará asignara asignarán asignaran "
        "dejó dejo dejaron dio dieron dará dara entregó entrego entregaron entregará entregara "
        "proporcionó proporciono envió envio mandó mando"
    ),
    "A-ES-PASSIVE": word_set(
        "asignada asignado asignadas asignados entregada entregado entregadas entregados dejada "
        "dejado dejadas dejados"
    ),
    "A-ES-FIELD": word_set("tarea tareas homework home hw"),
    "A-ES-HOME-FIELD": word_set(
        "ejercicio ejercicios práctica prácticas practica practicas actividad actividades"
    ),
    # "Rev. tarea:" is two clauses (a full stop before a letter ends one); both hold a trigger.
    "R-ES-FIELD": word_set("tarea tareas rev revisión revision"),
    "R-ES-REVIEW": word_set(
        "revisó reviso revisé revise revisaron revisamos revisará revisara revisarán revisaran "
        "repasó repaso repasaron seguimiento verificó verifico chequeó chequeo chequé cheque "
        "habló hablo discutió discutio discutieron"
    ),
    "R-ES-COMPLETION": word_set(
        "completada completado completadas completados realizada realizado realizadas "
        "realizados hecha hecho hechas hechos incompleta"
    ),
    "R-ES-REPORTED": word_set(
        "reportó reporto reportaron refirió refirio refieren informó informo indicó indico "
        "comentó comento compartió compartio dijo mencionó menciono expresó expreso relató "
        "relato reporta refiere informa"
    ),
    "R-ES-PRACTICED": word_set(
        "practicó practico practicaron hizo hicieron realizó realizo realizaron usó usaron "
        "completó completaron llenó registró jugó pasó caminó leyó escribió elogió anotó meditó"
    ),
    "R-ES-NOT-DONE": word_set("no olvidó olvido"),
    "R-ES-BROUGHT": word_set(
        "trajo trajeron mostró mostro mostraron devolvió devolvio devolvieron"
    ),
    "R-ES-BARRIERS": word_set("barrera barreras obstáculo obstáculos obstaculo obstaculos"),
    "R-ES-PRIOR-TASK": word_set("pasada anterior anteriores previa previas última ultima"),
    "R-ES-AS-ASSIGNED": word_set("asignado asignó asigno"),
    "S-ES-SCHOOL": word_set("tarea tareas"),
    "O-ES-OTHER-TASK": word_set(
        "maestro maestra maestros maestras profesor profesora profesores psiquiatra médico medico "
        "médica medica pediatra doctor doctora enfermero enfermera manejador manejadora "
        "administrador administradora gestor gestora trabajador trabajadora escuela consejero "
        "consejera terapeuta clínico clínica clinico clinica esta este nosotros"
    ),
}


def _es_verb_forms(stems: str) -> str:
    """'practicar' gives practicar, practicará, practicara, practicarán, practicaran."""
    return " ".join(
        f"{stem}{ending}" for stem in stems.split() for ending in ("", "á", "a", "án", "an")
    )


def _es_clitic_forms(infinitives: str) -> str:
    """'usar' gives usarlo, usarla, usarlos, usarlas, usarle, usarles ("usarlo antes de dormir")."""
    return " ".join(
        f"{verb}{clitic}"
        for verb in infinitives.split()
        for clitic in ("lo", "la", "los", "las", "le", "les")
    )


ALL_OF: dict[str, tuple[frozenset[str], ...]] = {
    # The practice verb after the report verb ("reported using ...").
    "R-EN-REPORTED": (
        word_set(
            "practiced practicing using used doing did completing completed tracking tracked "
            "trying tried implementing implemented giving gave filling filled journaled "
            "journaling logging logged spending spent playing played having"
        ),
    ),
    # A word of every EN_NOUN_STRICT alternative.
    "R-EN-DISCUSS": (
        word_set(
            "homework hw home h last previous prior past between b practice record records log "
            "logs chart charts special exposures"
        ),
    ),
    # The link between the other person and the task ("teacher will", "CM to").
    "O-EN-OTHER-TASK": (word_set("will to is agreed plans"),),
    "R-EN-PRIOR-TASK": (word_set("week session visit appt appointment time"),),
    "R-EN-TASK-FROM-PRIOR": (word_set("week session visit appt appointment time"),),
    "R-EN-AS-ASSIGNED": (word_set("as"),),
    "R-ES-AS-ASSIGNED": (word_set("según segun como"),),
    "A-EN-WEEK-TASK": (word_set("week wk"),),
    "A-ES-HOME-FIELD": (word_set("casa"),),
    # The between-session cue of A-EN-AGREED-ON: the same words as A-EN-INSTRUCT's.
    "A-EN-AGREED-ON": (TRIGGERS["A-EN-INSTRUCT"],),
    # The verb of PRACTICE_V, beside a between-session cue (TRIGGERS).
    "A-EN-INSTRUCT": (
        word_set(
            "practice practicing practise practising use using do doing walk walking exercise "
            "exercising draw drawing say greet stretch meditate meditating write writing keep "
            "complete fill track record log journal try implement engage continue read monitor "
            "rate chart play spend give provide offer praise reward ignore follow carry repeat "
            "work review sign check add notice identify list share schedule listen ask"
        ),
    ),
    # The verb of PRACTICE_V_ES, beside a between-session cue.
    "A-ES-INSTRUCT": (
        word_set(
            _es_verb_forms(
                "practicar usar utilizar completar llenar registrar realizar escribir llevar dar "
                "elogiar jugar pasar leer anotar continuar caminar hablar seguir mantener aplicar "
                "repetir dibujar"
            )
            + " practique practiquen use usen hacer hará hara harán haran haga hagan complete "
            "completen realice realicen salir ejercitar ejercitarse mantenga mantengan aplique "
            "apliquen repita repitan "
            + _es_clitic_forms(
                "practicar usar utilizar completar llenar registrar realizar escribir llevar dar "
                "elogiar jugar pasar leer anotar caminar mantener aplicar repetir dibujar hacer"
            )
        ),
    ),
    # The practice verb (TRIGGERS) and a word of every PAST_FREQ_EN alternative.
    "R-EN-PRACTICED": (
        frozenset(
            {DIGITS}
            | word_set(
                "once twice times daily nightly every each most week wk since weekend days "
                "nights evenings mornings afternoons"
            )
        ),
    ),
}


def trigger_groups(rule_id: str) -> tuple[frozenset[str], ...]:
    """The word groups a clause must each intersect for the rule to match in it."""
    return (TRIGGERS[rule_id], *ALL_OF.get(rule_id, ()))


ANCHOR_WINDOW = 110
ANCHORS: dict[str, re.Pattern[str]] = {
    rule_id: re.compile(pattern, FLAGS)
    for rule_id, pattern in {
        "A-EN-PASSIVE": r"\b(?:assigned|given|provided|sent\s+home|issued)\b",
        "R-EN-PASSIVE": r"\b(?:reviewed|checked|followed\s+up|discussed)\b",
        "R-EN-COMPLETION": r"\b(?:completed?|done|finished|incomplete|attempted|completion"
        r"|compliance|adherence|returned|turned\s+in|skipped)\b",
        "A-ES-PASSIVE": r"\b(?:asignad|entregad|dejad)[ao]s?\b",
        "R-ES-COMPLETION": r"\b(?:completad[ao]s?|realizad[ao]s?|hech[ao]s?|incompleta)\b",
        # Up to the owner after it, so the pattern can tell "as assigned by the teacher".
        "R-EN-AS-ASSIGNED": r"\bas\s+(?:previously\s+)?assigned\b"
        r"(?:\s+by\s+(?:the\s+|his\s+|her\s+)?(?:teacher|school))?",
        # Both end with the earlier session: only the stretch before it is tried.
        "R-EN-TASK-FROM-PRIOR": rf"\b{PRIOR_TIME_EN}\b",
        "R-ES-PRIOR-TASK": r"\b(?:semana\s+pasada|sesi[oó]n\s+(?:anterior|pasada)"
        r"|[uú]ltima\s+sesi[oó]n|anterior(?:es)?|previas?)\b",
        "R-ES-AS-ASSIGNED": r"\b(?:seg[uú]n\s+lo\s+|como\s+se\s+(?:le\s+|les\s+)?|como\s+lo\s+)"
        r"(?:asignado|asign[óo])\b",
        "S-EN-SCHOOL": r"\b(?:home\s?-?work|hw|h/w|assignments?|worksheets?|projects?|logs?"
        r"|school\s?work|class\s?work)\b",
    }.items()
}
