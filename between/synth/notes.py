"""Progress-note text for synthetic sessions, in English and Spanish.

The notes feed a later homework-note detector, so they mix the cases it has to tell apart:
homework assigned (to the youth or the caregiver), last week's homework reviewed (done, partly,
not done), homework explicitly not assigned, homework only planned, and school homework, which is
not therapeutic homework at all ("tarea" means both in Spanish). Sentences are short clinical
shorthand, as real notes are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """A home-practice task: English noun phrase and verb, Spanish infinitive phrase."""

    en: str
    verb: str
    es: str
    for_caregiver: bool = False


TASKS: dict[str, tuple[Task, ...]] = {
    "anxiety": (
        Task("deep breathing practice", "do", "practicar respiración profunda"),
        Task(
            "one step of the fear ladder", "complete", "completar un paso de la escalera de miedos"
        ),
        Task("coping cards", "read", "repasar las tarjetas de afrontamiento"),
        Task("15 minutes of worry time", "use", "usar 15 minutos de tiempo para preocuparse"),
        Task("progressive muscle relaxation", "practice", "practicar relajación muscular"),
    ),
    "disruptive": (
        Task(
            "10 minutes of special time",
            "practice",
            "practicar 10 minutos de tiempo especial",
            for_caregiver=True,
        ),
        Task("labeled praise", "practice", "practicar elogios específicos", for_caregiver=True),
        Task("reward chart", "use", "usar la tabla de recompensas", for_caregiver=True),
        Task(
            "clear, calm commands",
            "practice",
            "practicar instrucciones claras y calmadas",
            for_caregiver=True,
        ),
        Task(
            "planned ignoring of minor misbehavior",
            "practice",
            "practicar ignorar conductas menores",
            for_caregiver=True,
        ),
        Task("calm-down plan", "use", "usar el plan para calmarse"),
    ),
    "depression": (
        Task("one pleasant activity", "schedule", "programar una actividad agradable"),
        Task("mood log", "complete", "llenar el registro del estado de ánimo"),
        Task("thought record", "complete", "llenar un registro de pensamientos"),
        Task("daily walk", "take", "salir a caminar"),
    ),
    "trauma": (
        Task("safe place imagery", "practice", "practicar la imagen del lugar seguro"),
        Task("feelings thermometer", "use", "usar el termómetro de sentimientos"),
        Task(
            "5-4-3-2-1 grounding exercise",
            "practice",
            "practicar el ejercicio de enraizamiento 5-4-3-2-1",
        ),
        Task("deep breathing practice", "do", "practicar respiración profunda"),
    ),
    "adhd": (
        Task(
            "morning routine chart",
            "use",
            "usar la tabla de rutina de la mañana",
            for_caregiver=True,
        ),
        Task("visual schedule", "follow", "seguir el horario visual"),
        Task("point chart", "use", "usar la tabla de puntos", for_caregiver=True),
        Task("homework checklist", "use", "usar una lista de pasos para las tareas escolares"),
    ),
    "other": (
        Task("feelings chart", "complete", "llenar la tabla de sentimientos"),
        Task("sleep log", "keep", "llevar un registro de sueño"),
        Task(
            "daily check-in with caregiver",
            "do",
            "platicar cada día con su cuidador",
            for_caregiver=True,
        ),
    ),
}

FREQUENCIES = (
    ("each night before bed", "cada noche antes de dormir"),
    ("daily", "diariamente"),
    ("three times this week", "tres veces esta semana"),
    ("before school each morning", "cada mañana antes de la escuela"),
    ("at least 4 days this week", "al menos 4 días esta semana"),
    ("when upset", "en momentos de estrés"),
    ("every day after school", "todos los días después de la escuela"),
)
# The same frequencies by times per week, for homework whose frequency is recorded.
FREQUENCIES_PER_WEEK: dict[int, tuple[tuple[str, str], ...]] = {
    1: (("once this week", "una vez esta semana"), ("this weekend", "este fin de semana")),
    2: (("twice this week", "dos veces esta semana"),),
    3: (("three times this week", "tres veces esta semana"),),
    4: (
        ("at least 4 days this week", "al menos 4 días esta semana"),
        ("4x/week", "4 veces por semana"),
    ),
    5: (("on school days", "los días de escuela"), ("5 days this week", "5 días esta semana")),
    7: (
        ("daily", "diariamente"),
        ("each night before bed", "cada noche antes de dormir"),
        ("every day after school", "todos los días después de la escuela"),
        ("before school each morning", "cada mañana antes de la escuela"),
    ),
}

FOCUS = {
    "disruptive": (
        ("following directions at home", "seguir instrucciones en casa"),
        ("tantrums and aggression", "berrinches y agresión"),
        ("positive parenting skills", "habilidades de crianza positiva"),
    ),
    "anxiety": (
        ("worries about school", "preocupaciones sobre la escuela"),
        ("separation fears", "miedo a la separación"),
        ("coping with panic symptoms", "manejo de síntomas de pánico"),
    ),
    "depression": (
        ("low mood and withdrawal", "estado de ánimo bajo y aislamiento"),
        ("negative thoughts", "pensamientos negativos"),
        ("sleep and energy", "sueño y energía"),
    ),
    "trauma": (
        ("emotional regulation", "regulación emocional"),
        ("trauma reactions", "reacciones al trauma"),
        ("safety and coping", "seguridad y afrontamiento"),
    ),
    "adhd": (
        ("organization and routines", "organización y rutinas"),
        ("impulse control", "control de impulsos"),
        ("behavior at school", "conducta en la escuela"),
    ),
    "other": (
        ("peer relationships", "relaciones con compañeros"),
        ("expressing feelings", "expresión de sentimientos"),
        ("changes at home", "cambios en casa"),
    ),
}

SKILLS = {
    "disruptive": (
        ("labeled praise", "elogios específicos"),
        ("effective commands", "dar instrucciones efectivas"),
    ),
    "anxiety": (
        ("deep breathing", "respiración profunda"),
        ("gradual exposure", "exposición gradual"),
    ),
    "depression": (
        ("identifying negative thoughts", "identificar pensamientos negativos"),
        ("problem solving", "resolución de problemas"),
    ),
    "trauma": (
        ("grounding", "técnicas de enraizamiento"),
        ("naming feelings", "identificar sentimientos"),
    ),
    "adhd": (
        ("breaking tasks into steps", "dividir tareas en pasos"),
        ("self-monitoring", "automonitoreo"),
    ),
    "other": (
        ("naming feelings", "identificar sentimientos"),
        ("communication skills", "habilidades de comunicación"),
    ),
}

GROUPS = (
    ("social skills", "habilidades sociales"),
    ("coping skills", "habilidades de afrontamiento"),
    ("anger management", "manejo del enojo"),
)

# Each sentence: (needs the caregiver present, text). Placeholders: {Subj}/{subj} the youth,
# {Cg}/{cg} the caregiver, {o} the youth's Spanish gender ending (-o/-a), {task}/{verb}/{freq},
# {focus}, {skill}, {group}, {k} (days of 7), {min}.
EN: dict[str, tuple[tuple[bool, str], ...]] = {
    "intake": (
        (True, "Intake assessment completed with {subj} and {cg}."),
        (True, "Initial assessment: reviewed concerns, development and family history with {cg}."),
        (False, "Completed intake assessment; consents reviewed and signed."),
        (True, "Intake completed; {cg} provided developmental history."),
    ),
    "intake_work": (
        (False, "Presenting concerns include {focus}."),
        (False, "Discussed goals for treatment; treatment plan to be finalized next session."),
        (True, "Diagnostic impressions reviewed with {cg}."),
        (False, "Screening measures completed."),
    ),
    "individual": (
        (False, "Individual session with {subj} ({min} min)."),
        (False, "Met with {subj} individually."),
        (False, "{Subj} arrived on time for individual session."),
        (True, "Individual session with {subj}; check-in with {cg} at the end."),
    ),
    "school_visit": (
        (False, "Met with {subj} at school for individual session."),
        (False, "School-based session with {subj} in the counseling office."),
    ),
    "family": (
        (True, "Family session with {subj} and {cg}."),
        (True, "Met with {subj} and {cg} together."),
        (True, "Family therapy session; {cg} present for the full session."),
    ),
    "collateral": (
        (True, "Collateral session with {cg}; {subj} not present."),
        (True, "Met with {cg} only to review progress at home."),
    ),
    "group": (
        (False, "{Subj} attended {group} group."),
        (False, "Group session ({group}); {subj} participated."),
    ),
    "work": (
        (False, "Session focused on {focus}."),
        (False, "Practiced {skill} in session."),
        (False, "Provided psychoeducation on {focus}."),
        (False, "Used role play to practice {skill}."),
        (False, "Reviewed treatment plan goals."),
        (True, "Coached {cg} in {skill}."),
    ),
    "response": (
        (False, "{Subj} was engaged and receptive."),
        (False, "{Subj} was initially guarded but warmed up."),
        (False, "{Subj} appeared tired; engagement was limited."),
        (False, "{Subj} demonstrated the skill with some prompting."),
        (True, "{Cg} participated actively and asked questions."),
    ),
    "assign": (
        (False, "Assigned {task} {freq}."),
        (False, "Homework: {task} {freq}."),
        (False, "HW: {task} {freq}."),
        (False, "Home practice: {task} {freq}; written copy given."),
        (False, "{Subj} agreed to {verb} {task} {freq}."),
        (False, "Practice assignment given: {task} {freq}."),
    ),
    "assign_caregiver": (
        (False, "Caregiver to {verb} {task} {freq}."),
        (False, "{Cg} to {verb} {task} {freq}."),
        (False, "Asked {cg} to {verb} {task} {freq} and track it on the log."),
        (False, "Assigned {task} for {cg} {freq}."),
    ),
    "review_done": (
        (False, "Reviewed last week's {task}; completed {k} of 7 days."),
        (False, "Reviewed homework ({task}): {subj} practiced {k} of 7 days and said it helped."),
        (False, "HW review: {task} done {k}/7 days."),
    ),
    "review_partial": (
        (False, "Reviewed last week's {task}; completed {k} of 7 days."),
        (False, "Homework review: {task} partially completed ({k} days); discussed barriers."),
        (False, "Reviewed practice log: {k} of 7 days."),
    ),
    "review_none": (
        (False, "{Subj} did not complete {task}; discussed barriers (busy week)."),
        (False, "Reviewed homework: not completed. Problem-solved obstacles."),
        (True, "Homework from last session not done; {cg} reports schedule conflicts."),
    ),
    "no_homework": (
        (False, "Homework not assigned; time used for rapport building."),
        (False, "No home practice assigned."),
        (False, "Did not assign homework this week given family stressors."),
        (True, "No homework assigned; {cg} declined home practice this week."),
    ),
    "no_homework_crisis": (
        (False, "No homework assigned today due to crisis."),
        (False, "No homework given this session; session focused on safety planning."),
    ),
    "plan_homework": (
        (False, "Will consider assigning a thought record next session."),
        (False, "Plan to introduce a practice chart for home next session."),
        (False, "May assign relaxation practice once the skill is learned in session."),
    ),
    "school": (
        (False, "{Subj} reports math homework is stressful."),
        (True, "{Cg} concerned about missing school homework assignments."),
        (False, "Discussed conflict at home around finishing school homework."),
        (False, "{Subj} stated that homework from school takes hours each night."),
        (False, "Teacher reports {subj} is not turning in homework."),
    ),
    "risk": (
        (False, "Denied SI/HI."),
        (False, "No safety concerns reported."),
    ),
    "plan": (
        (False, "Continue weekly sessions."),
        (False, "Next session in one week."),
        (False, "Plan: continue current interventions."),
        (False, "Will coordinate with school counselor."),
        (False, "Continue to monitor symptoms; follow up next week."),
    ),
}

ES: dict[str, tuple[tuple[bool, str], ...]] = {
    "intake": (
        (True, "Se completó la evaluación inicial con {subj} y {cg}."),
        (True, "Evaluación inicial: motivos de consulta e historia familiar con {cg}."),
        (False, "Se completó la admisión; se revisaron y firmaron los consentimientos."),
        (True, "Admisión completada; {cg} dio la historia del desarrollo."),
    ),
    "intake_work": (
        (False, "Los motivos de consulta incluyen {focus}."),
        (False, "Se hablaron las metas del tratamiento; el plan se completará la próxima sesión."),
        (True, "Se revisaron las impresiones diagnósticas con {cg}."),
    ),
    "individual": (
        (False, "Sesión individual con {subj} ({min} min)."),
        (False, "Se reunió con {subj} individualmente."),
        (False, "{Subj} llegó a tiempo a la sesión individual."),
    ),
    "school_visit": ((False, "Sesión individual con {subj} en la escuela."),),
    "family": (
        (True, "Sesión familiar con {subj} y {cg}."),
        (True, "Se reunió con {subj} y {cg} juntos."),
    ),
    "collateral": ((True, "Sesión colateral con {cg}; {subj} no estuvo presente."),),
    "group": (
        (False, "{Subj} asistió al grupo de {group}."),
        (False, "Sesión de grupo ({group}); {subj} participó."),
    ),
    "work": (
        (False, "La sesión se enfocó en {focus}."),
        (False, "Se trabajó en {skill} durante la sesión."),
        (False, "Se dio psicoeducación sobre {focus}."),
        (False, "Se revisaron las metas del plan de tratamiento."),
        (True, "Se entrenó a {cg} en {skill}."),
    ),
    "response": (
        (False, "{Subj} participó y se mostró receptiv{o}."),
        (False, "{Subj} se mostró cansad{o}; participación limitada."),
        (True, "{Cg} participó activamente e hizo preguntas."),
    ),
    "assign": (
        (False, "Se asignó {task} {freq}."),
        (False, "Tarea: {task} {freq}."),
        (False, "Se dejó de tarea {task} {freq}."),
        (False, "{Subj} se comprometió a {task} {freq}."),
    ),
    "assign_caregiver": (
        (False, "Se le pidió a {cg} {task} {freq}."),
        (False, "{Cg} va a {task} {freq}."),
        (False, "Tarea para {cg}: {task} {freq}."),
    ),
    "review_done": (
        (False, "Se revisó la tarea de la semana pasada ({task}); la completó {k} de 7 días."),
        (False, "Se revisó la tarea: {subj} practicó {k} de 7 días."),
    ),
    "review_partial": (
        (False, "Se revisó la tarea de la semana pasada ({task}); la completó {k} de 7 días."),
        (False, "La tarea se hizo solo en parte ({k} días); se hablaron los obstáculos."),
    ),
    "review_none": (
        (False, "No completó la tarea ({task}); se hablaron los obstáculos."),
        (True, "{Cg} reporta que no pudieron hacer la tarea esta semana."),
    ),
    "no_homework": (
        (False, "No se asignó tarea."),
        (False, "Sin tarea esta semana."),
    ),
    "no_homework_crisis": (
        (False, "No se asignó tarea hoy debido a una crisis familiar."),
        (False, "No se dejó tarea en esta sesión; se trabajó el plan de seguridad."),
    ),
    "plan_homework": (
        (False, "Se considerará asignar un registro de pensamientos en la próxima sesión."),
        (False, "En la próxima sesión se podría asignar práctica en casa."),
    ),
    "school": (
        (False, "{Subj} reporta que la tarea de matemáticas le causa estrés."),
        (True, "{Cg} expresó preocupación por las tareas escolares que no entrega."),
        (False, "Se habló del conflicto en casa por hacer la tarea de la escuela."),
        (False, "La maestra reporta que {subj} no entrega la tarea."),
    ),
    "risk": (
        (False, "Niega ideación suicida u homicida."),
        (False, "No se reportan preocupaciones de seguridad."),
    ),
    "plan": (
        (False, "Continuar con sesiones semanales."),
        (False, "Próxima sesión en una semana."),
        (False, "Plan: continuar con las intervenciones actuales."),
    ),
}

CAREGIVER_WORDS = {
    # relationship: (female EN, male EN, female ES, male ES)
    "mother": ("mother", "mother", "la madre", "la madre"),
    "father": ("father", "father", "el padre", "el padre"),
    "grandparent": ("grandmother", "grandfather", "la abuela", "el abuelo"),
    "foster": ("foster mother", "foster father", "la madre de crianza", "el padre de crianza"),
    "relative": ("aunt", "uncle", "la tía", "el tío"),
    "guardian": ("legal guardian", "legal guardian", "la tutora legal", "el tutor legal"),
    "other": ("caregiver", "caregiver", "la cuidadora", "el cuidador"),
}


def caregiver_words(relationship: str, *, is_female: bool) -> tuple[str, str]:
    """(English, Spanish) word for the caregiver as notes name them: 'mother', 'la madre'."""
    en_f, en_m, es_f, es_m = CAREGIVER_WORDS.get(relationship, CAREGIVER_WORDS["other"])
    return (en_f, es_f) if is_female else (en_m, es_m)


@dataclass(frozen=True)
class NoteContext:
    """What the note writer knows about one attended session."""

    language: str
    given_name: str
    is_female: bool
    age: int
    diagnosis: str
    session_type: str
    is_intake: bool
    youth_present: bool
    caregiver_present: bool
    caregiver_en: str
    caregiver_es: str
    minutes: int
    school_based: bool


@dataclass(frozen=True)
class HomeworkPlan:
    """What the note says about homework. The generator derives it from the homework rows it
    wrote for the session (see synth/homework.py), with a deliberate documentation gap: now
    and then homework given is left out, or a note mentions homework nobody recorded."""

    assign: Task | None = None
    review: Task | None = None
    review_days: int = 0  # of 7
    say_none: bool = False
    plan_later: bool = False
    school_homework: bool = False
    per_week: int = 0  # the assignment's times per week, when it has one (0: say any)
    crisis: bool = False  # "no homework" is said because of a crisis


def frequency_words(rng: random.Random, per_week: int) -> tuple[str, str]:
    """(English, Spanish) words for how often, matching `per_week` when it is given."""
    if per_week <= 0:
        return rng.choice(FREQUENCIES)
    near = min(FREQUENCIES_PER_WEEK, key=lambda n: (abs(n - per_week), n))
    return rng.choice(FREQUENCIES_PER_WEEK[near])


def pick_task(rng: random.Random, diagnosis: str, *, caregiver_present: bool) -> Task:
    tasks = TASKS.get(diagnosis, TASKS["other"])
    if not caregiver_present:
        tasks = tuple(t for t in tasks if not t.for_caregiver) or TASKS["other"][:2]
    return rng.choice(tasks)


def write_note(rng: random.Random, ctx: NoteContext, plan: HomeworkPlan) -> str:
    """3 to 8 sentences of progress note in ctx.language."""
    spanish = ctx.language == "es"
    table = ES if spanish else EN
    values = _values(rng, ctx)

    def say(key: str, **extra: str) -> str:
        options = [text for needs_cg, text in table[key] if ctx.caregiver_present or not needs_cg]
        options = options or [text for _, text in table[key]]
        # A sentence is not repeated within a note, as long as there is another to say.
        fresh = [text for text in options if text not in used] or options
        template = rng.choice(fresh)
        used.add(template)
        return _capitalize(template.format(**{**values, **extra}))

    used: set[str] = set()
    sentences: list[str] = []
    if ctx.is_intake:
        sentences.append(say("intake"))
        sentences.append(say("intake_work"))
    else:
        opening = ctx.session_type
        if ctx.session_type == "family" and not ctx.youth_present:
            opening = "collateral"
        elif ctx.session_type == "individual" and ctx.school_based and rng.random() < 0.5:
            opening = "school_visit"
        sentences.append(say(opening))
        sentences.append(say("work"))
        if rng.random() < 0.4:
            sentences.append(say("work"))
        sentences.append(say("response"))
    if plan.review is not None:
        key = "review_done" if plan.review_days >= 5 else "review_partial"
        if plan.review_days == 0:
            key = "review_none"
        sentences.append(say(key, **_task_values(plan.review, spanish), k=str(plan.review_days)))
    if plan.assign is not None:
        key = "assign_caregiver" if plan.assign.for_caregiver else "assign"
        freq_en, freq_es = frequency_words(rng, plan.per_week)
        freq = freq_es if spanish else freq_en
        sentences.append(say(key, **_task_values(plan.assign, spanish), freq=freq))
    elif plan.say_none:
        sentences.append(say("no_homework_crisis" if plan.crisis else "no_homework"))
    elif plan.plan_later:
        sentences.append(say("plan_homework"))
    if plan.school_homework:
        sentences.insert(min(2, len(sentences)), say("school"))
    if rng.random() < 0.35:
        sentences.append(say("risk"))
    sentences.append(say("plan"))
    return " ".join(sentences)


def _values(rng: random.Random, ctx: NoteContext) -> dict[str, str]:
    spanish = ctx.language == "es"
    if rng.random() < 0.3:
        subject = ctx.given_name
    elif spanish:
        noun = "joven" if ctx.age >= 13 else "cliente"
        subject = f"{'la' if ctx.is_female else 'el'} {noun}"
    else:
        subject = rng.choice(("client", "client", "youth")) if ctx.age >= 12 else "client"
    caregiver = ctx.caregiver_es if spanish else ctx.caregiver_en
    focus_en, focus_es = rng.choice(FOCUS.get(ctx.diagnosis, FOCUS["other"]))
    skill_en, skill_es = rng.choice(SKILLS.get(ctx.diagnosis, SKILLS["other"]))
    group_en, group_es = rng.choice(GROUPS)
    return {
        "subj": subject,
        "Subj": _capitalize(subject),
        "cg": caregiver,
        "Cg": _capitalize(caregiver),
        "focus": focus_es if spanish else focus_en,
        "skill": skill_es if spanish else skill_en,
        "group": group_es if spanish else group_en,
        "min": str(ctx.minutes),
        "o": "a" if ctx.is_female else "o",
        "task": "",
        "verb": "",
        "freq": "",
        "k": "",
    }


def _task_values(task: Task, spanish: bool) -> dict[str, str]:
    return {"task": task.es if spanish else task.en, "verb": task.verb}


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
