"""Identity-safe quoting, fixed by a table: each sample text with the quote the report prints.

Unnamed quotes (anonymous consent, anonymous posts) lose every name, organisation, town,
school and contact; quotes under their author's name lose only the names of people not
quoted by name and the organizers' lists. The rules are in docs/report.md
("Identity-safe quoting"); the detector is `safety.disclosure.identities`.
"""

from __future__ import annotations

import json

import httpx
import pytest
from sqlmodel import select

from dialogue.dialogues.models import Dialogue
from dialogue.safety.disclosure import Rules
from dialogue.synthesis.models import ReportSnapshot
from dialogue.synthesis.redaction import Redactor
from tests.factories import Factory
from tests.synthesis.builders import World
from tests.synthesis.scene import REVIEWED_REDACTIONS, build_scene, csv_rows, review_post
from tests.synthesis.test_consent_changes import choose, texts
from tests.synthesis.test_signoff import Review

RULES = Rules(
    watch_list=("Tendai Moyo", "Baba Kiki"),
    phrases=("Casa Azul shelter",),
    member_names=(
        "Ayesha Siddiqui",
        "Omar Haddad",
        "Amina Wanjiru",
        "Lucía Fernández",
        "João Pereira",
        "Marie Dubois",
        "Fatou Diop",
        "Grace Achieng",
    ),
    organisations=(
        "Chiragh Women's Collective",
        "Kenya Women Network",
        "Instituto Papai",
        "Réseau Femmes Solidaires",
        "Colectiva Violeta",
    ),
)
# Amina writes under her own name: her name stays in named quotes, no one else's does.
REDACTOR = Redactor(RULES, ["Amina Wanjiru"])

UNNAMED = [
    # -- self-introductions
    (
        "Ayesha, Chiragh Women's Collective, Lahore. We run a helpline.",
        "[name], [organisation], [place]. We run a helpline.",
    ),
    (
        "I am Ayesha Siddiqui from Lahore and I work with survivors.",
        "I am [name] from [place] and I work with survivors.",
    ),
    (
        "Amina Wanjiru here, Kenya Women Network, Nairobi.",
        "[name] here, [organisation], [place].",
    ),
    (
        "Je m'appelle Marie Dubois, du Réseau Femmes Solidaires à Marseille.",
        "Je m'appelle [name], du [organisation] à [place].",
    ),
    (
        "Bonjour, c'est Fatou, de Dakar, je travaille avec des jeunes.",
        "Bonjour, c'est [name], de [place], je travaille avec des jeunes.",
    ),
    (
        "Soy Lucía Fernández, de Colectiva Violeta en Guadalajara.",
        "Soy [name], de [organisation] en [place].",
    ),
    (
        "Hola, soy Lucía, trabajo en Bogotá con mujeres rurales.",
        "Hola, soy [name], trabajo en [place] con mujeres rurales.",
    ),
    (
        "Sou o João Pereira, do Instituto Papai, em Recife.",
        "Sou o [name], do [organisation], em [place].",
    ),
    (
        "Olá, aqui é o João, de São Paulo.",
        "Olá, aqui é o [name], de [place].",
    ),
    # -- addresses by first name
    (
        "Omar, I agree with what you said about funding.",
        "[name], I agree with what you said about funding.",
    ),
    ("I agree with Omar and Grace on this point.", "I agree with [name] and [name] on this point."),
    ("Marie, je suis d'accord avec toi.", "[name], je suis d'accord avec toi."),
    ("Estoy de acuerdo con Lucía y con Omar.", "Estoy de acuerdo con [name] y con [name]."),
    ("Concordo com a Fatou e com o João.", "Concordo com a [name] e com o [name]."),
    ("Thank you Amina Wanjiru for the report.", "Thank you [name] for the report."),
    # -- phone numbers in several national formats
    ("Call the helpline on +254 712 345 678 any time.", "Call the helpline on [contact] any time."),
    ("Our number is 0712 345678.", "Our number is [contact]."),
    ("In the UK ring 020 7946 0958.", "In the UK ring [contact]."),
    ("Appelez le 01 23 45 67 89 ou le +33 6 12 34 56 78.", "Appelez le [contact] ou le [contact]."),
    ("Llama al +34 612 345 678 o al (55) 5555-1234.", "Llama al [contact] o al [contact]."),
    ("Ligue para (11) 98765-4321 ou +55 21 2345-6789.", "Ligue para [contact] ou [contact]."),
    ("Whatsapp: +92 300 1234567.", "Whatsapp: [contact]."),
    ("Write to ayesha.s@example.org for the toolkit.", "Write to [contact] for the toolkit."),
    # -- street addresses
    (
        "The shelter is at 14 Elm Road, behind the market.",
        "The shelter is at [place], behind the market.",
    ),
    ("Le centre est au 12 rue de la Paix.", "Le centre est au [place]."),
    (
        "La oficina está en Calle Mayor 5, segundo piso.",
        "La oficina está en [place], segundo piso.",
    ),
    ("Fica na Rua das Flores, 123.", "Fica na [place]."),
    # -- cities and towns
    ("We met survivors in Nairobi and Kisumu.", "We met survivors in [place] and [place]."),
    (
        "Nous avons des groupes à Lyon et à Genève.",
        "Nous avons des groupes à [place] et à [place].",
    ),
    ("Trabajamos en Medellín y en Ciudad de México.", "Trabajamos en [place] y en [place]."),
    ("Temos núcleos em Belo Horizonte e em Maputo.", "Temos núcleos em [place] e em [place]."),
    ("Our partners in Londres and Lisboa agree.", "Our partners in [place] and [place] agree."),
    # -- schools
    (
        "a 15-year-old girl from the netball team at the Chivi school",
        "a 15-year-old girl from the netball team at the [place]",
    ),
    (
        "Boys at St Mary's Secondary School talked about consent.",
        "Boys at [place] talked about consent.",
    ),
    ("Au lycée Victor Hugo, les garçons ont parlé.", "Au [place], les garçons ont parlé."),
    ("En la escuela San José hicimos talleres.", "En la [place] hicimos talleres."),
    ("Na Escola Estadual Maria Quitéria começamos.", "Na [place] começamos."),
    # -- the organizers' watch list and phrases
    ("Tendai Moyo still coaches the team.", "[name] still coaches the team."),
    ("They call him Baba Kiki in the village.", "They call him [name] in the village."),
    ("She went to the Casa Azul shelter last week.", "She went to the [name] last week."),
    # -- nothing to redact: ordinary talk about people and places in general
    ("Women in rural areas need safe transport.", "Women in rural areas need safe transport."),
    ("Les femmes rurales ont besoin de refuges.", "Les femmes rurales ont besoin de refuges."),
    ("We trained 1.250.000 people in 2019-2023.", "We trained 1.250.000 people in 2019-2023."),
    (
        "Nice work, everyone: the grace of listening matters.",
        "Nice work, everyone: the grace of listening matters.",
    ),
    (
        "Schools need feminist partners in every district.",
        "Schools need feminist partners in every district.",
    ),
    ("O governo precisa ouvir as mulheres.", "O governo precisa ouvir as mulheres."),
    ("Male allies must listen. A Luta continua.", "Male allies must listen. A Luta continua."),
    ("Para mí, el Pueblo decide.", "Para mí, el Pueblo decide."),
]

NAMED = [
    # The author's own name, and other named people's, stay; others' names do not.
    (
        "Amina Wanjiru here, Kenya Women Network, Nairobi.",
        "Amina Wanjiru here, Kenya Women Network, Nairobi.",
    ),
    ("Omar, I agree with Amina.", "[name], I agree with Amina."),
    ("Como dijo Lucía Fernández en Bogotá.", "Como dijo [name] en Bogotá."),
    ("Call me on +254 712 345 678.", "Call me on +254 712 345 678."),
    ("Tendai Moyo still coaches the team.", "[name] still coaches the team."),
    ("Merci Marie et Fatou, à Dakar.", "Merci [name] et [name], à Dakar."),
]


@pytest.mark.parametrize(("text", "expected"), UNNAMED)
def test_a_quote_without_its_authors_name_carries_no_name_organisation_place_or_contact(
    text: str, expected: str
) -> None:
    assert REDACTOR.redact(text, named=False).text == expected


@pytest.mark.parametrize(("text", "expected"), NAMED)
def test_a_named_quote_loses_the_names_of_people_not_quoted_by_name(
    text: str, expected: str
) -> None:
    assert REDACTOR.redact(text, named=True).text == expected


def test_the_table_covers_four_languages_and_forty_samples() -> None:
    assert len(UNNAMED) + len(NAMED) >= 40


def test_each_redaction_says_what_and_why() -> None:
    found = REDACTOR.redact("Ayesha, Chiragh Women's Collective, call 0712 345678.", named=False)
    assert [(r["kind"], r["placeholder"], r["text"]) for r in found.redactions] == [
        ("member_name", "[name]", "Ayesha"),
        ("organisation", "[organisation]", "Chiragh Women's Collective"),
        ("phone", "[contact]", "0712 345678"),
    ]
    assert all(r["reason"] for r in found.redactions)


def test_sub_theme_labels_lose_names_and_places_even_in_lower_case() -> None:
    assert REDACTOR.label("ayesha lahore shelters") == "[name] [place] shelters"
    assert REDACTOR.label("male violence in rural areas") == "male violence in rural areas"


def test_a_first_name_shared_with_someone_not_named_is_redacted_even_in_named_quotes() -> None:
    rules = Rules(member_names=("Omar Haddad", "Omar Khalil"))
    redactor = Redactor(rules, ["Omar Haddad"])
    assert redactor.redact("Omar Haddad and Omar said so.", named=True).text == (
        "Omar Haddad and [name] said so."
    )


# What the scene's posts below say that no published data file may carry.
REDACTED_SPANS = ("Bruno", "Olga", "Instituto Papai", "Recife", "98765", "Tendai", "Chivi")


class TestPublishedDataFiles:
    async def test_csv_and_json_for_members_and_public_carry_no_redacted_span(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        async with factory.session() as session:
            dialogue = await session.get(Dialogue, scene.dialogue.id)
            assert dialogue is not None
            dialogue.visibility = "public"
            dialogue.watch_list = "Tendai Moyo"
            session.add(dialogue)
            await session.commit()
        world, people = World(factory), scene.people
        thread, _ = await world.thread(
            scene.dialogue, scene.theme, people["amina"], "Listening to Bruno",
            "NAMEDREPLY Bruno and Olga told me the coach Tendai Moyo is back.", highlighted=True,
        )  # fmt: skip
        unnamed = await world.post(
            thread, people["bruno"],
            "UNNAMEDINTRO Amina, Bruno Silva here, Instituto Papai, Recife: call +55 81 "
            "98765-4321 about the girl at the Chivi school.", highlighted=True,
        )  # fmt: skip
        await Review(client, factory, scene).publish()
        base = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
        for audience, headers in (
            ("members", await factory.auth(scene.participant)),
            ("public", {}),
        ):
            response = await client.put(
                f"{base}/audience",
                json={"audience": audience},
                headers=await factory.auth(scene.organizer),
            )
            assert response.status_code == 200, response.text
            files = {}
            for fmt in ("csv", "json"):
                got = await client.get(f"{base}/published", params={"format": fmt}, headers=headers)
                assert got.status_code == 200, (audience, fmt, got.text)
                files[fmt] = got.content.decode("utf-8-sig")
            for fmt, text in files.items():
                assert "NAMEDREPLY" in text and "UNNAMEDINTRO" in text, (audience, fmt)
                for span in REDACTED_SPANS:
                    assert span not in text, (audience, fmt, span)
            rows = {int(r["post_id"]): r for r in csv_rows(files["csv"].encode())}
            assert rows[unnamed.id]["text"] == (
                "UNNAMEDINTRO [name], [name] here, [organisation], [place]: call [contact] "
                "about the girl at the [place]."
            )
            document = json.loads(files["json"])
            assert "review" not in document
            named = next(p for p in document["posts"] if "NAMEDREPLY" in p["text"])
            assert named["text"] == "NAMEDREPLY [name] and [name] told me the coach [name] is back."
            assert named["author"] == "Amina Wanjiru, Kenya Women Network"
            assert named["thread"] == "Listening to [name]"

    async def test_the_review_list_says_what_was_redacted_and_why(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await review_post(factory, scene)
        response = await client.get(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report",
            params={"format": "json"},
            headers=await factory.auth(scene.advisor),
        )
        assert response.status_code == 200, response.text
        document = response.json()
        post_id = next(p["id"] for p in document["posts"] if "REVIEWED" in p["text"])
        row = next(r for r in document["review"] if r["post_id"] == post_id)
        assert [(r["kind"], r["placeholder"], r["text"]) for r in row["redactions"]] == (
            REVIEWED_REDACTIONS
        )
        assert row["quote"].startswith("REVIEWED [name] from [place], [organisation], writing")
        assert all(r["reason"] for r in row["redactions"])


class TestAfterPublication:
    async def test_a_quote_that_loses_its_name_loses_what_only_named_quotes_keep(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        amina = scene.people["amina"]
        await World(factory).thread(
            scene.dialogue, scene.theme, amina, "Helplines",
            "SELFINTRO Amina Wanjiru here, Kenya Women Network in Nairobi, call 0712 345678 "
            "for the helpline we run.", highlighted=True,
        )  # fmt: skip
        await Review(client, factory, scene).publish()
        before = await texts(client, factory, scene)
        assert all("Nairobi" in text for text in before.values()), before.keys()
        await choose(client, factory, amina, "anonymous")
        for fmt, text in (await texts(client, factory, scene)).items():
            plain = " ".join(text.replace("\\[", "[").replace("\\]", "]").split())  # md escapes
            assert "SELFINTRO [name] here, [organisation] in [place], call [contact]" in plain, fmt
            for span in ("Amina", "Kenya Women Network", "Nairobi", "0712 345678"):
                assert span not in text, (fmt, span)
        async with factory.session() as session:
            stored = (await session.exec(select(ReportSnapshot))).all()
        assert len(stored) == 2
        for snapshot in stored:
            assert "Nairobi" not in json.dumps(snapshot.document)
