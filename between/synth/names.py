"""Generic, common given and family names for synthetic people (never real records).

English- and Spanish-language names in roughly the mix of a Southern California county. The
lists are long enough that a county of 25,000 children rarely repeats a full name within a
program, and short enough to read.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

GIRLS_EN = (
    "Emma", "Olivia", "Ava", "Mia", "Harper", "Ella", "Abigail", "Emily", "Madison", "Chloe",
    "Grace", "Lily", "Hannah", "Zoe", "Nora", "Riley", "Layla", "Aubrey", "Claire", "Brooklyn",
    "Savannah", "Paisley", "Audrey", "Kayla", "Jasmine", "Taylor", "Morgan", "Alexis", "Ruby",
    "Quinn",
)  # fmt: skip
BOYS_EN = (
    "Liam", "Noah", "Mason", "Ethan", "Logan", "Lucas", "Jackson", "Aiden", "Elijah", "Owen",
    "Caleb", "Ryan", "Nathan", "Dylan", "Tyler", "Jacob", "Wyatt", "Hunter", "Carter", "Isaac",
    "Connor", "Evan", "Gavin", "Jordan", "Austin", "Cole", "Blake", "Miles", "Jayden", "Tristan",
)  # fmt: skip
GIRLS_ES = (
    "Sofía", "Valentina", "Camila", "Isabella", "Ximena", "Valeria", "Daniela", "Natalia",
    "Mariana", "Lucía", "Gabriela", "Victoria", "Renata", "Andrea", "Fernanda", "Paola",
    "Alejandra", "Jimena", "Regina", "Ana", "Guadalupe", "Itzel", "Karla", "Yesenia",
    "Brenda", "Rosa", "Estrella", "Luz", "Marisol", "Abril",
)  # fmt: skip
BOYS_ES = (
    "Santiago", "Mateo", "Sebastián", "Diego", "Miguel", "Ángel", "Alejandro", "Daniel",
    "Emiliano", "Leonardo", "Adrián", "Carlos", "Jesús", "José", "Luis", "Juan", "Eduardo",
    "Gael", "Iker", "Fernando", "Andrés", "Javier", "Jorge", "Ricardo", "Manuel", "Óscar",
    "Rafael", "Iván", "Julián", "Héctor",
)  # fmt: skip
WOMEN_EN = (
    "Jennifer", "Jessica", "Amanda", "Sarah", "Ashley", "Melissa", "Nicole", "Stephanie",
    "Heather", "Elizabeth", "Megan", "Rachel", "Lauren", "Amy", "Michelle", "Kimberly", "Laura",
    "Rebecca", "Christina", "Danielle", "Brittany", "Katherine", "Andrea", "Samantha", "Erin",
    "Tiffany", "Lisa", "Karen", "Angela", "Crystal",
)  # fmt: skip
MEN_EN = (
    "Michael", "Christopher", "Matthew", "Joshua", "David", "James", "Daniel", "Robert", "John",
    "Joseph", "Andrew", "Brian", "Justin", "Kevin", "Jason", "William", "Eric", "Steven",
    "Thomas", "Timothy", "Richard", "Jeremy", "Aaron", "Adam", "Mark", "Paul", "Travis",
    "Kyle", "Sean", "Derek",
)  # fmt: skip
WOMEN_ES = (
    "María", "Guadalupe", "Patricia", "Verónica", "Leticia", "Claudia", "Adriana", "Elena",
    "Silvia", "Teresa", "Gloria", "Rocío", "Lorena", "Alicia", "Beatriz", "Carmen", "Norma",
    "Martha", "Yolanda", "Rosa", "Susana", "Isabel", "Graciela", "Irma", "Margarita",
    "Araceli", "Esperanza", "Josefina", "Cecilia", "Blanca",
)  # fmt: skip
MEN_ES = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Francisco", "Miguel", "Jesús", "Antonio",
    "Alejandro", "Roberto", "Ricardo", "Fernando", "Eduardo", "Javier", "Raúl", "Sergio",
    "Arturo", "Manuel", "Pedro", "Víctor", "Armando", "Rubén", "Enrique", "Alberto", "Héctor",
    "Ramón", "Gerardo", "Rogelio", "Salvador",
)  # fmt: skip
FAMILY_EN = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill",
    "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips",
    "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook",
    "Rogers", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Nguyen",
    "Tran", "Kim", "Lee", "Patel", "Chen", "Brooks",
)  # fmt: skip
FAMILY_ES = (
    "García", "Martínez", "Rodríguez", "López", "Hernández", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Cruz", "Morales",
    "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Álvarez", "Mendoza", "Vásquez",
    "Castillo", "Jiménez", "Moreno", "Romero", "Herrera", "Medina", "Aguilar", "Vargas",
    "Castro", "Guzmán", "Fernández", "Salazar", "Soto", "Delgado", "Contreras", "Navarro",
    "Luna", "Cortés", "Ríos", "Estrada", "Domínguez", "Sandoval", "Ibarra", "Valdez", "Cervantes",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    given_name: str
    family_name: str
    is_female: bool


def pick_child(rng: random.Random, *, spanish: bool, family_name: str) -> Person:
    is_female = rng.random() < 0.5
    # Children of Spanish-speaking families mostly have Spanish given names; others mostly not.
    spanish_given = rng.random() < (0.8 if spanish else 0.2)
    if is_female:
        given = rng.choice(GIRLS_ES if spanish_given else GIRLS_EN)
    else:
        given = rng.choice(BOYS_ES if spanish_given else BOYS_EN)
    return Person(given, family_name, is_female)


def pick_adult(
    rng: random.Random, *, spanish: bool, is_female: bool, family_name: str | None = None
) -> Person:
    if is_female:
        given = rng.choice(WOMEN_ES if spanish else WOMEN_EN)
    else:
        given = rng.choice(MEN_ES if spanish else MEN_EN)
    return Person(given, family_name or pick_family_name(rng, spanish=spanish), is_female)


def pick_family_name(rng: random.Random, *, spanish: bool) -> str:
    # Many English-speaking families in the county also carry Spanish family names.
    return rng.choice(FAMILY_ES if spanish or rng.random() < 0.3 else FAMILY_EN)


def ascii_slug(text: str) -> str:
    """'Sofía Ramírez' -> 'sofia-ramirez' (for usernames and example.org addresses)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "-".join("".join(c if c.isalnum() else " " for c in plain.lower()).split())


def phone_number(rng: random.Random) -> str:
    """A number in the 555-0100..0199 range, reserved for fiction, with a San Diego area code."""
    area = rng.choice(("619", "858", "760"))
    return f"+1{area}5550{rng.randint(100, 199)}"


def email_address(rng: random.Random, person: Person) -> str:
    local = f"{ascii_slug(person.given_name)}.{ascii_slug(person.family_name)}"
    return f"{local}{rng.randint(1, 99)}@example.org"
