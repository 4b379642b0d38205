"""The date and number detectors the candidate finder pre-fills drafts with: what they find
in each language and, as much, what they must leave out rather than invent."""

import datetime
import random
import unicodedata
from decimal import Decimal

import pytest

from curation.detectors import DateMention, NumberMention, find_dates, find_numbers
from practices.models import DatePrecision, Figure


def dates(text, language):
    return [(d.text, d.value, d.precision, d.relation) for d in find_dates(text, language)]


def numbers(text, language):
    return [(n.text, n.value, n.qualifier, n.counts, n.unit) for n in find_numbers(text, language)]


def day(year, month, day_of_month):
    return datetime.date(year, month, day_of_month)


# --- Dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("en", "Detained on 15 May 2019.", "15 May 2019"),
        ("en", "Detained on May 15, 2019.", "May 15, 2019"),
        ("en", "Detained on the 15th of May 2019.", "15th of May 2019"),
        ("en", "Detained on 15/05/2019.", "15/05/2019"),
        ("en", "Detained on 2019-05-15.", "2019-05-15"),
        ("en", "Detained on 15 MAY 2019.", "15 MAY 2019"),
        ("es", "Detenidos el 15 de mayo de 2019.", "15 de mayo de 2019"),
        ("es", "Detenidos el 15 de mayo del 2019.", "15 de mayo del 2019"),
        ("es", "Detenidos el 15/05/2019.", "15/05/2019"),
        ("fr", "Détenus le 15 mai 2019.", "15 mai 2019"),
        ("fr", "Détenus le 15 MAI 2019.", "15 MAI 2019"),
        ("fr", "Détenus le 15.05.2019.", "15.05.2019"),
        ("ar", "احتجزوا في 15 أيار 2019.", "15 أيار 2019"),
        ("ar", "احتجزوا في 15 مايو 2019.", "15 مايو 2019"),
        ("ar", "احتجزوا في 15 أيار/مايو 2019.", "15 أيار/مايو 2019"),
        ("ar", "احتجزوا في 15/05/2019.", "15/05/2019"),
    ],
)
def test_full_dates_have_day_precision(language, text, expected):
    assert dates(text, language) == [(expected, day(2019, 5, 15), "day", "on")]


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("fr", "Depuis le 1er janvier 2020.", "depuis le 1er janvier 2020"),
        ("es", "Desde el 1º de enero de 2020.", "desde el 1º de enero de 2020"),
        ("en", "Since January 1st, 2020.", "since January 1st, 2020"),
    ],
)
def test_first_of_the_month_is_written_as_an_ordinal(language, text, expected):
    [(found, value, precision, relation)] = dates(text, language)
    assert found.lower() == expected.lower()
    assert (value, precision, relation) == (day(2020, 1, 1), "day", "since")


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("en", "The pilot began in April 2022.", "April 2022"),
        ("en", "The pilot began in Apr. 2022.", "Apr. 2022"),
        ("es", "El piloto empezó en abril de 2022.", "abril de 2022"),
        ("es", "El piloto empezó en ABRIL DEL 2022.", "ABRIL DEL 2022"),
        ("fr", "Le projet a commencé en avril 2022.", "avril 2022"),
        ("ar", "بدأ المشروع في أبريل 2022.", "أبريل 2022"),
        ("ar", "بدأ المشروع في نيسان 2022.", "نيسان 2022"),
        ("ar", "بدأ المشروع في أفريل 2022.", "أفريل 2022"),
    ],
)
def test_month_dates_have_month_precision(language, text, expected):
    assert dates(text, language) == [(expected, day(2022, 4, 1), "month", "on")]


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("en", "Decree signed in 2021.", "2021"),
        ("es", "Decreto firmado en 2021.", "2021"),
        ("fr", "Décret signé en 2021.", "2021"),
        ("ar", "صدر المرسوم في عام 2021.", "2021"),
    ],
)
def test_a_year_on_its_own_has_year_precision(language, text, expected):
    assert dates(text, language) == [(expected, day(2021, 1, 1), "year", "on")]


@pytest.mark.parametrize(
    "language, text, expected, relation",
    [
        ("en", "No child detained since 2020.", "since 2020", "since"),
        ("es", "Ningún niño detenido desde 2020.", "desde 2020", "since"),
        ("fr", "Aucun enfant détenu depuis 2020.", "depuis 2020", "since"),
        ("ar", "لم يحتجز أي طفل منذ 2020.", "منذ 2020", "since"),
        ("ar", "لم يحتجز أي طفل منذ عام 2020.", "منذ عام 2020", "since"),
        ("en", "To close at the end of 2023.", "the end of 2023", "end-of"),
        ("en", "Closed in late 2023.", "late 2023", "end-of"),
        ("es", "Se cerrará a finales de 2023.", "a finales de 2023", "end-of"),
        ("fr", "Fermeture fin 2023.", "fin 2023", "end-of"),
        ("fr", "Fermeture à la fin de 2023.", "à la fin de 2023", "end-of"),
        ("ar", "إغلاق نهاية 2023.", "نهاية 2023", "end-of"),
        ("ar", "إغلاق أواخر 2023.", "أواخر 2023", "end-of"),
        ("en", "To end child detention by the end of 2023.", "by the end of 2023", "by"),
        ("es", "Para cerrar a más tardar en 2023.", "a más tardar en 2023", "by"),
        ("fr", "Fermer d'ici la fin de 2023.", "d'ici la fin de 2023", "by"),
        ("ar", "الإغلاق بحلول نهاية عام 2023.", "بحلول نهاية عام 2023", "by"),
        ("en", "The pledge runs until 2023.", "until 2023", "until"),
        ("es", "El compromiso dura hasta 2023.", "hasta 2023", "until"),
        ("fr", "L'engagement court jusqu'en 2023.", "jusqu'en 2023", "until"),
        ("ar", "يستمر الالتزام حتى 2023.", "حتى 2023", "until"),
        ("en", "Not before 2023.", "before 2023", "before"),
        ("es", "No antes de 2023.", "antes de 2023", "before"),
        ("fr", "Pas avant 2023.", "avant 2023", "before"),
        ("ar", "ليس قبل 2023.", "قبل 2023", "before"),
        ("en", "Only after 2023.", "after 2023", "after"),
        ("es", "Solo después de 2023.", "después de 2023", "after"),
        ("fr", "Seulement après 2023.", "après 2023", "after"),
        ("ar", "فقط بعد 2023.", "بعد 2023", "after"),
    ],
)
def test_relation_words_are_part_of_the_date(language, text, expected, relation):
    year = int(expected[-4:])
    assert dates(text, language) == [(expected, day(year, 1, 1), "year", relation)]


def test_end_of_keeps_the_year_as_the_value():
    assert dates("By the end of 2023 and at the end of 2024.", "en") == [
        ("By the end of 2023", day(2023, 1, 1), "year", "by"),
        ("the end of 2024", day(2024, 1, 1), "year", "end-of"),
    ]


def test_a_relation_applies_to_day_and_month_dates_too():
    assert dates("Since 15 May 2019, and until March 2020.", "en") == [
        ("Since 15 May 2019", day(2019, 5, 15), "day", "since"),
        ("until March 2020", day(2020, 3, 1), "month", "until"),
    ]


def test_arabic_indic_digits_are_read():
    text = "منذ عام ٢٠٢٠ وفي ١٥ أيار ٢٠١٩ و۲۰۱۸"
    assert dates(text, "ar") == [
        ("منذ عام ٢٠٢٠", day(2020, 1, 1), "year", "since"),
        ("١٥ أيار ٢٠١٩", day(2019, 5, 15), "day", "on"),
        ("۲۰۱۸", day(2018, 1, 1), "year", "on"),
    ]


def test_a_range_of_years_gives_two_dates():
    expected = [("2018", day(2018, 1, 1), "year", "on"), ("2020", day(2020, 1, 1), "year", "on")]
    assert dates("The 2018–2020 pilot.", "en") == expected
    assert dates("From 2018 to 2020.", "en") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13/05/2019", day(2019, 5, 13)),  # day first: 13 is no month
        ("05/13/2019", day(2019, 5, 13)),  # month first: 13 is no month
        ("05/06/2019", None),  # May or June: left out
    ],
)
def test_english_numeric_dates_are_read_only_when_unambiguous(text, expected):
    assert [d.value for d in find_dates(f"Detained on {text}.", "en")] == (
        [expected] if expected else []
    )


def test_numeric_dates_are_day_first_outside_english():
    assert [d.value for d in find_dates("el 05/06/2019", "es")] == [day(2019, 6, 5)]


@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "At least 38 people were detained."),
        ("en", "Measures taken during COVID-19."),
        ("en", "Under Article 11 of the law."),
        ("en", "Released on 15 May."),  # no year: none is invented
        ("en", "Report A/HRC/2019/12."),
        ("en", "Detention rose in the 1990s."),
        ("en", "More than 2000 people were held."),
        ("en", "2000 migrants were held."),
        ("en", "On 31 February 2019."),
        ("en", "Call 020 7946 0958."),
        ("es", "La Ley 1955 de la república."),
        ("es", "Más de 1.000 niños."),
        ("fr", "Dans les années 1990."),
        ("fr", "La loi n° 2018-778."),
        ("ar", "المادة 11 من القانون."),
    ],
)
def test_what_is_not_a_date(language, text):
    assert find_dates(text, language) == []


# --- Numbers ------------------------------------------------------------------------------

N = Decimal

# Each number is read inside a sentence of its language.
FRAMES = {
    "en": "Officials said {} were held.",
    "es": "Según el informe, {} fueron detenidos.",
    "fr": "Selon le rapport, {} ont été retenus.",
    "ar": "وقال التقرير إن {} في الاحتجاز.",
}


@pytest.mark.parametrize(
    "language, text, value, qualifier, counts, unit",
    [
        ("en", "at least 38 people", 38, "at-least", "people", "people"),
        ("en", "no fewer than 38 people", 38, "at-least", "people", "people"),
        ("en", "more than 1,000 children", 1000, "more-than", "children", "children"),
        ("en", "over 200 families", 200, "more-than", "families", "families"),
        ("en", "about 45 cases", 45, "about", "cases", "cases"),
        ("en", "nearly 60 asylum seekers", 60, "about", "asylum seekers", "people"),
        ("en", "some 40 women", 40, "about", "women", "people"),
        ("en", "up to 300 detainees", 300, "up-to", "detainees", "people"),
        ("en", "1,000 unaccompanied migrant children", 1000, "exact",
         "unaccompanied migrant children", "children"),
        ("en", "45 per cent", 45, "exact", "per cent", "percent"),
        ("en", "45%", 45, "exact", "%", "percent"),
        ("en", "45 %", 45, "exact", "%", "percent"),
        ("en", "2.5 percent", N("2.5"), "exact", "percent", "percent"),
        ("en", "up to 1.5 million people", 1500000, "up-to", "people", "people"),
        ("en", "ten or more children", 10, "at-least", "children", "children"),
        ("en", "twenty-five households", 25, "exact", "households", "families"),
        ("en", "12 detention centres", 12, "exact", "detention centres", ""),
        ("es", "al menos 38 personas", 38, "at-least", "personas", "people"),
        ("es", "por lo menos 38 personas", 38, "at-least", "personas", "people"),
        ("es", "más de 1.000 niños", 1000, "more-than", "niños", "children"),
        ("es", "más de 1 000 niños", 1000, "more-than", "niños", "children"),
        ("es", "alrededor de 50 familias", 50, "about", "familias", "families"),
        ("es", "tres niños", 3, "exact", "niños", "children"),
        ("es", "el 2,5 por ciento", N("2.5"), "exact", "por ciento", "percent"),
        ("es", "treinta y dos migrantes", 32, "exact", "migrantes", "people"),
        ("es", "2 millones de personas", 2000000, "exact", "personas", "people"),
        ("fr", "plus de 1 000 enfants", 1000, "more-than", "enfants", "children"),
        ("fr", "plus de 1\u202f000 enfants", 1000, "more-than", "enfants", "children"),
        ("fr", "au moins 38 personnes", 38, "at-least", "personnes", "people"),
        ("fr", "environ 45 pour cent", 45, "about", "pour cent", "percent"),
        ("fr", "près de 300 mineurs", 300, "about", "mineurs", "children"),
        ("fr", "jusqu'à 90 demandeurs d'asile", 90, "up-to", "demandeurs d'asile", "people"),
        ("fr", "deux familles", 2, "exact", "familles", "families"),
        ("fr", "2,5 %", N("2.5"), "exact", "%", "percent"),
        ("ar", "أكثر من 100 طفل", 100, "more-than", "طفل", "children"),
        ("ar", "ما لا يقل عن 38 شخصا", 38, "at-least", "شخصا", "people"),
        ("ar", "38 شخصا على الأقل", 38, "at-least", "شخصا", "people"),
        ("ar", "حوالي 200 لاجئ", 200, "about", "لاجئ", "people"),
        ("ar", "ما يصل إلى 60 أسرة", 60, "up-to", "أسرة", "families"),
        ("ar", "ثلاثة أطفال", 3, "exact", "أطفال", "children"),
        ("ar", "ثلاثة عشر طفلا", 13, "exact", "طفلا", "children"),
        ("ar", "45 في المائة", 45, "exact", "في المائة", "percent"),
        ("ar", "45 بالمئة", 45, "exact", "بالمئة", "percent"),
        ("ar", "أكثر من ١٬٠٠٠ مهاجر", 1000, "more-than", "مهاجر", "people"),
    ],
)  # fmt: skip
def test_qualified_numbers(language, text, value, qualifier, counts, unit):
    sentence = FRAMES[language].format(text)
    expected = text.removeprefix("el ")
    assert numbers(sentence, language) == [(expected, N(value), qualifier, counts, unit)]


def test_several_counts_in_one_sentence():
    text = "Eleven adolescents – 7 girls and 4 boys – were held for 45 days."
    assert numbers(text, "en") == [
        ("Eleven adolescents", N(11), "exact", "adolescents", "children"),
        ("7 girls", N(7), "exact", "girls", "children"),
        ("4 boys", N(4), "exact", "boys", "children"),
        ("45 days", N(45), "exact", "days", ""),
    ]


def test_arabic_indic_digits_and_attached_and():
    text = "احتجز ٣٨ شخصاً و7 فتيات"
    assert numbers(text, "ar") == [
        ("٣٨ شخصاً", N(38), "exact", "شخصاً", "people"),
        ("7 فتيات", N(7), "exact", "فتيات", "children"),
    ]


def test_numbers_and_dates_do_not_overlap():
    text = "On 15 May 2019, at least 38 people were detained; since 2020, 12 families."
    assert [d.text for d in find_dates(text, "en")] == ["15 May 2019", "since 2020"]
    assert [n.text for n in find_numbers(text, "en")] == ["at least 38 people", "12 families"]


@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "Measures taken during COVID-19."),
        ("en", "Under Article 11 of the law."),
        ("en", "In line with Objective 13 of the Global Compact."),
        ("en", "See General Comment 5."),
        ("en", "Law No. 5 of the republic."),
        ("en", "Detention rose in 2019."),
        ("en", "Hundreds of migrants and thousands of children."),
        ("en", "Dozens of families."),
        ("en", "One of the children."),
        ("en", "Released on May 15 and 16 June."),
        ("en", "The 1st and 5th hearings."),
        ("en", "Call +44 20 7946 0958 or (020) 7946 0958."),
        ("en", "Version 2.1.3 of the form."),
        ("en", "Fewer than 10 children."),
        ("en", "Children under 18."),
        ("en", "Between 10 and 20 children."),
        ("en", "10 or fewer families."),
        ("en", "1 in 5 children."),
        ("en", "Held in Camp 5."),
        ("en", "Two hundred and fifty people."),
        ("en", "Some 2.500 people."),
        ("es", "Según la Ley 21.325 y el Artículo 11."),
        ("es", "El Objetivo 13 y el primer caso."),
        ("es", "Cientos de migrantes y miles de niños."),
        ("es", "Menos de 10 familias."),
        ("es", "Entre 10 y 20 niños."),
        ("es", "Dos mil doscientas personas."),
        ("es", "En los años 90."),
        ("fr", "Selon l'Article 11 et l'Objectif 13."),
        ("fr", "Des centaines de migrants."),
        ("fr", "Moins de 10 familles."),
        ("fr", "Soixante-douze enfants."),
        ("fr", "Le 1er mai."),
        ("ar", "وفقا للمادة 11 والهدف 13."),
        ("ar", "مئات المهاجرين وآلاف الأطفال."),
        ("ar", "أقل من 10 أطفال."),
        ("ar", "جائحة كوفيد-19."),
    ],
)
def test_what_is_not_a_number(language, text):
    assert find_numbers(text, language) == []


@pytest.mark.parametrize(
    "language, text, value",
    [
        ("en", "1,234.5 people", N("1234.5")),
        ("es", "1.234,5 personas", N("1234.5")),
        ("es", "1,500 personas", N(1500)),  # as written in Mexico
        ("fr", "1 234,5 personnes", N("1234.5")),
        ("fr", "1.500 personnes", N(1500)),
        ("ar", "١٫٥ مليون شخص", N(1500000)),
    ],
)
def test_separators_follow_the_language(language, text, value):
    assert [n.value for n in find_numbers(text, language)] == [value]


@pytest.mark.parametrize(
    "language, text",
    [("en", "2.500 people"), ("ar", "2.500 مهاجر"), ("fr", "1,000 personnes")],
)
def test_ambiguous_separators_are_left_out(language, text):
    assert find_numbers(text, language) == []


# --- Offsets and values -------------------------------------------------------------------

SENTENCES = [
    ("en", "Since 2020, at least 38 people – 7 girls and 4 boys – were held until late 2023."),
    ("es", "Desde el 15 de mayo de 2019, más de 1.000 niños y tres familias; hasta 2024."),
    ("fr", "Depuis le 1er janvier 2020, plus de 1\u00a0000 enfants et deux familles, fin 2023."),
    ("ar", "منذ عام ٢٠٢٠، أكثر من ١٠٠ طفلٍ و7 فتيات؛ بحلول نهاية عام 2023، 45 في المائة."),
    # Decomposed accents and Arabic marks change nothing but the offsets.
    ("fr", unicodedata.normalize("NFD", "Détenus depuis février 2020 : près de 300 réfugiés.")),
    ("ar", "احتجز \u200fأكثر من ١٠٠ طفلٍ\u200f في أيـار 2019"),
]


@pytest.mark.parametrize("language, text", SENTENCES)
def test_offsets_point_into_the_text_in_order_without_overlaps(language, text):
    mentions = sorted(
        find_dates(text, language) + find_numbers(text, language), key=lambda m: m.start
    )
    assert mentions
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
    for before, after in zip(mentions, mentions[1:], strict=False):
        assert before.end <= after.start


def test_decomposed_accents_stay_in_the_text():
    text = unicodedata.normalize("NFD", "près de 300 réfugiés en février 2020")
    [number] = find_numbers(text, "fr")
    [date] = find_dates(text, "fr")
    assert unicodedata.normalize("NFC", number.text) == "près de 300 réfugiés"
    assert unicodedata.normalize("NFC", number.counts) == "réfugiés"
    assert unicodedata.normalize("NFC", date.text) == "février 2020"
    assert number.unit == "people"


def test_values_are_those_of_the_models():
    mentions = find_dates(SENTENCES[0][1], "en") + find_dates(SENTENCES[1][1], "es")
    numbers_found = [n for language, text in SENTENCES for n in find_numbers(text, language)]
    assert {d.precision for d in mentions} <= set(DatePrecision.values)
    assert {n.qualifier for n in numbers_found} <= set(Figure.Qualifier.values)
    assert {n.unit for n in numbers_found} - {""} <= set(Figure.Unit.values)


def test_mentions_are_frozen_dataclasses():
    [date] = find_dates("since 2020", "en")
    [number] = find_numbers("38 people", "en")
    assert isinstance(date, DateMention) and isinstance(number, NumberMention)
    with pytest.raises(AttributeError):
        date.start = 1


def test_an_unsupported_language_is_refused():
    with pytest.raises(ValueError):
        find_dates("since 2020", "pt")


# Digits, separators, dashes, marks and words that the patterns look at.
PIECES = (
    list("0123456789٠١٢٣٤٥٦٧٨٩ ,.-–/%'") + ["\u0301", "\u064b", "\u200f", "\u0640", "\u00a0"]
    + ["since ", "May ", "mayo de ", "fin ", "منذ ", "أيار ", "at least ", "more than ", "de "]
    + ["people", "niños", "enfants", "طفل", "Article ", "Ley ", "the end of ", "hasta "]
)  # fmt: skip


@pytest.mark.parametrize("language", ["en", "es", "fr", "ar"])
def test_any_text_gives_consistent_mentions(language):
    generator = random.Random(language)
    for _ in range(300):
        text = "".join(generator.choices(PIECES, k=generator.randint(0, 40)))
        for mentions in (find_dates(text, language), find_numbers(text, language)):
            for mention in mentions:
                assert text[mention.start : mention.end] == mention.text
            for before, after in zip(mentions, mentions[1:], strict=False):
                assert before.end <= after.start
