"""The disclosure detector's rules, fixed by samples in en, fr, es and pt: each is held (and
why) or not. Ordinary talk about people and places in general must never be held."""

from __future__ import annotations

import pytest

from dialogue.safety.disclosure import (
    IDENTITY_ONLY,
    Reason,
    Rule,
    Rules,
    detect,
    entries,
    excerpts,
    fold,
    needs_member_names,
)

RULES = Rules(
    watch_list=("Carlos Mendes", "Jean-Pierre Lefèvre"),
    phrases=("Escola Estadual Vila Nova", "the blue house"),
    member_names=("Ana Souza", "Maria Silva", "Fatou Diallo", "Lucía Pérez"),
)

E, P, A, W, M, X = (
    Rule.EMAIL,
    Rule.PHONE,
    Rule.ADDRESS,
    Rule.WATCH_LIST,
    Rule.MEMBER_DETAIL,
    Rule.PHRASE,
)

# (language, text, the rule it is held for and the span it points at; None: not held)
SAMPLES: list[tuple[str, str, tuple[Rule, str] | None]] = [
    # e-mail addresses
    (
        "en",
        "You can write to me at jane.doe@example.org if you need to.",
        (E, "jane.doe@example.org"),
    ),
    (
        "fr",
        "Écrivez-moi : marie_l+dialogue@mail.fr, je réponds le soir.",
        (E, "marie_l+dialogue@mail.fr"),
    ),
    ("es", "Mi correo es lucia.perez@correo.com.mx, escríbanme.", (E, "lucia.perez@correo.com.mx")),
    ("pt", "O contacto dela é ana.souza@gmail.com.", (E, "ana.souza@gmail.com")),
    # phone numbers, international and national
    ("en", "Call her on +44 20 7946 0958 tonight.", (P, "+44 20 7946 0958")),
    ("en", "His number is (555) 123-4567.", (P, "(555) 123-4567")),
    ("en", "Ring 020 7946 0958 and ask for the manager.", (P, "020 7946 0958")),
    ("fr", "Appelle-moi au 06 12 34 56 78 après 18 h.", (P, "06 12 34 56 78")),
    ("fr", "Le numéro : +33 6 12 34 56 78.", (P, "+33 6 12 34 56 78")),
    ("es", "Llámame al 612 345 678, por favor.", (P, "612 345 678")),
    ("es", "Su celular es +52 55 1234 5678.", (P, "+52 55 1234 5678")),
    ("pt", "Liga para (11) 98765-4321 que eu atendo.", (P, "(11) 98765-4321")),
    ("pt", "O telemóvel dele é 912 345 678.", (P, "912 345 678")),
    ("pt", "Telefone: 0055 21 99876 5432", (P, "0055 21 99876 5432")),
    # street addresses
    ("en", "She moved to 14 Elm Road last month.", (A, "14 Elm Road")),
    ("en", "The shelter is at 221B Baker Street.", (A, "221B Baker Street")),
    ("fr", "Il habite toujours au 12 rue de la Paix.", (A, "12 rue de la Paix")),
    ("fr", "Rendez-vous 5 bis avenue Jean-Jaurès.", (A, "5 bis avenue Jean-Jaurès")),
    ("es", "Vive en la calle Mayor 5, segundo piso.", (A, "calle Mayor 5")),
    ("es", "La oficina está en Carrera 7 # 45-12.", (A, "Carrera 7 # 45-12")),
    ("pt", "Ela mora na Rua das Flores, 123.", (A, "Rua das Flores, 123")),
    ("pt", "O centro fica na Avenida Paulista 1000.", (A, "Avenida Paulista 1000")),
    # names on the dialogue's watch list, whatever their case and accents
    ("en", "Everyone knows what Carlos Mendes did to her.", (W, "Carlos Mendes")),
    ("pt", "o carlos   mendes continua no cargo", (W, "carlos   mendes")),
    ("fr", "Jean-Pierre Lefevre était au courant.", (W, "Jean-Pierre Lefevre")),
    # phrases the dialogue defines
    (
        "pt",
        "Isso aconteceu na escola estadual vila nova, no ano passado.",
        (X, "escola estadual vila nova"),
    ),
    ("en", "We all met at the blue house on Fridays.", (X, "the blue house")),
    # a member's name with a place or an age
    (
        "en",
        "Ana Souza is only 15 years old and still on the team.",
        (M, "Ana Souza is only 15 years old"),
    ),
    ("en", "Maria Silva from Recife told me everything.", (M, "Maria Silva from Recife")),
    ("fr", "Fatou Diallo habite à deux rues de chez moi.", (M, "Fatou Diallo habite")),
    ("es", "Lucía Pérez tiene 16 años.", (M, "Lucía Pérez tiene 16 años")),
    (
        "es",
        "Lucia Perez estudia en el colegio del barrio.",
        (M, "Lucia Perez estudia en el colegio del barrio"),
    ),
    ("pt", "A Ana Souza mora no bairro da Boa Vista.", (M, "Ana Souza mora no bairro")),
    # not held: ordinary talk about people and places in general
    ("en", "Women in rural Peru face long distances to the nearest shelter.", None),
    ("en", "Maria Silva made a good point about funding.", None),
    ("en", "Between 2019-2023 about 1.250.000 women called a helpline.", None),
    ("en", "Girls aged 15 to 19 report the highest rates.", None),
    ("en", "The ministry in Lisbon published 3 reports in 2022.", None),
    ("fr", "Dans les villages du Sahel, les associations manquent de moyens.", None),
    ("fr", "Le rapport de 2021 compte 120 000 signalements.", None),
    ("es", "En las escuelas de México falta formación sobre consentimiento.", None),
    ("es", "La calle no es segura para muchas mujeres por la noche.", None),
    ("pt", "As mulheres do campo no Brasil têm menos acesso à justiça.", None),
    ("pt", "A lei 11.340 de 2006, a Lei Maria da Penha, mudou muita coisa.", None),
    ("pt", "Ana Souza, concordo com o que você disse.", None),
    ("en", "See section 4.2 of the report, pages 10-12.", None),
    ("fr", "La réunion du 04/12/2024 a été reportée au 2025-01-15.", None),
    ("es", "El 25.11.2024 marchamos más de 10.000 personas.", None),
]


@pytest.mark.parametrize(("language", "text", "expected"), SAMPLES)
def test_sample(language: str, text: str, expected: tuple[Rule, str] | None) -> None:
    found = [(reason.rule, text[reason.start : reason.end]) for reason in detect(text, RULES)]
    if expected is None:
        assert found == [], f"{language}: held for {found}"
    else:
        assert expected in found, f"{language}: expected {expected}, found {found}"


def test_the_table_covers_each_language_and_rule() -> None:
    assert len(SAMPLES) >= 40
    for language in ("en", "fr", "es", "pt"):
        held = [s for s in SAMPLES if s[0] == language and s[2] is not None]
        kept = [s for s in SAMPLES if s[0] == language and s[2] is None]
        assert len(held) >= 5 and len(kept) >= 2, language
    assert {s[2][0] for s in SAMPLES if s[2]} == set(Rule) - IDENTITY_ONLY


class TestHelpers:
    def test_fold_keeps_every_position(self) -> None:
        text = "Lucía ÉCOLE Straße"
        assert len(fold(text)) == len(text)
        assert fold(text) == "lucia ecole straße"

    def test_entries_drop_blanks_short_lines_and_duplicates(self) -> None:
        assert entries("Carlos Mendes\n\n  carlos  mendes \nAb\r\nJoão") == (
            "Carlos Mendes",
            "João",
        )

    def test_member_names_are_needed_only_with_a_place_or_age(self) -> None:
        assert not needs_member_names("Maria Silva made a good point.")
        assert needs_member_names("She is 15 years old.")
        assert needs_member_names("Someone from Recife.")

    def test_excerpts_mark_the_span_and_skip_stale_ones(self) -> None:
        text = "Call her on +44 20 7946 0958 tonight."
        reasons = [*detect(text), Reason(100, 120, Rule.PHONE)]
        (excerpt,) = excerpts(text, reasons, context=8)
        assert (excerpt.before, excerpt.span, excerpt.after) == (
            "… her on ",
            "+44 20 7946 0958",
            " tonight…",
        )

    def test_reasons_round_trip(self) -> None:
        reason = detect("mail me: a.b@example.org")[0]
        assert Reason.from_dict(reason.as_dict()) == reason
