"""Find the dates and the qualified numbers that one sentence states, in en, es, fr and ar.

The candidate finder pre-fills draft records from these, so they report only what the text
says: a date needs its year ("15 May" alone is no date), a number needs digits or an exact
number word ("hundreds of" is no number), and anything doubtful is left out.

How: the sentence is folded (lower case, no accents, Arabic letter variants and
Arabic-Indic digits made plain) into a copy that maps back to the original offsets, and
searched with regular expressions built from the small per-language word tables below.

Conventions worth knowing:

- d/m/yyyy is read day first in es, fr and ar. In en it is read only when it cannot be
  ambiguous: day first when the first number is over 12, month first when the second is;
  "05/06/2019" is left out.
- A date's text includes the words that give its relation ("since 2020", "the end of
  2023", "by the end of 2023"), not a plain preposition ("in 2021" gives "2021").
- Thousands separators: "," in en and ar; ".", " " and "," (as in Mexico) in es; " " and
  "." in fr. A separator followed by exactly three digits that is not a thousands
  separator in the language ("2.500" in English or Arabic) is ambiguous: left out.
- Numbers bounded from above ("fewer than 10", "under 18", "between 10 and 20", "10 or
  less") are left out: no qualifier in the data model says that.
- A number right after a code word ("Article 11", "Ley 21.325") or after a capitalised
  word that does not open the sentence ("Camp 5") names something: left out.
"""

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

LANGUAGES = ("en", "es", "fr", "ar")

# The values of practices.models.DatePrecision, Figure.Qualifier and Figure.Unit, as plain
# strings so that this module imports without Django.
DAY, MONTH, YEAR = "day", "month", "year"
EXACT, AT_LEAST, MORE_THAN, ABOUT, UP_TO = "exact", "at-least", "more-than", "about", "up-to"
PEOPLE, CHILDREN, FAMILIES, PERCENT, CASES = "people", "children", "families", "percent", "cases"
SKIP = "skip"  # in the qualifier tables: an upper bound, so no number is reported


@dataclass(frozen=True)
class DateMention:
    start: int  # offsets into the text given: text[start:end] == self.text
    end: int
    text: str  # "15 May 2019", "since 2020", "the end of 2023"
    value: datetime.date  # the 1st of the month, or 1 January, for coarser precisions
    precision: str  # "day", "month" or "year"
    relation: str  # "on", "since", "by", "end-of", "until", "before" or "after"


@dataclass(frozen=True)
class NumberMention:
    start: int  # offsets into the text given: text[start:end] == self.text
    end: int
    text: str  # "at least 38 people", "45 per cent"
    value: Decimal
    qualifier: str  # "exact", "at-least", "more-than", "about" or "up-to"
    counts: str  # the noun after the number, as written: "migrant children"; or ""
    unit: str  # "people", "children", "families", "percent", "cases" or ""


# --- Word tables, written as people write them (folded when the patterns are built) -------

# fmt: off
MONTHS = {
    "en": {
        1: ("january", "jan"), 2: ("february", "feb"), 3: ("march", "mar"),
        4: ("april", "apr"), 5: ("may",), 6: ("june", "jun"), 7: ("july", "jul"),
        8: ("august", "aug"), 9: ("september", "sept", "sep"), 10: ("october", "oct"),
        11: ("november", "nov"), 12: ("december", "dec"),
    },
    "es": {
        1: ("enero", "ene"), 2: ("febrero", "feb"), 3: ("marzo", "mar"), 4: ("abril", "abr"),
        5: ("mayo", "may"), 6: ("junio", "jun"), 7: ("julio", "jul"), 8: ("agosto", "ago"),
        9: ("septiembre", "setiembre", "sept", "sep"), 10: ("octubre", "oct"),
        11: ("noviembre", "nov"), 12: ("diciembre", "dic"),
    },
    "fr": {
        1: ("janvier", "janv"), 2: ("février", "févr", "fév"), 3: ("mars",),
        4: ("avril", "avr"), 5: ("mai",), 6: ("juin",), 7: ("juillet", "juil"),
        8: ("août",), 9: ("septembre", "sept"), 10: ("octobre", "oct"),
        11: ("novembre", "nov"), 12: ("décembre", "déc"),
    },
    # Levantine and Iraqi names, Egyptian ones, and those of the Maghreb.
    "ar": {
        1: ("كانون الثاني", "يناير", "جانفي"), 2: ("شباط", "فبراير", "فيفري"),
        3: ("آذار", "مارس"), 4: ("نيسان", "أبريل", "إبريل", "أفريل"),
        5: ("أيار", "مايو", "ماي"), 6: ("حزيران", "يونيو", "يونيه", "جوان"),
        7: ("تموز", "يوليو", "يوليه", "جويلية", "يوليوز"), 8: ("آب", "أغسطس", "أوت", "غشت"),
        9: ("أيلول", "سبتمبر", "شتنبر"), 10: ("تشرين الأول", "أكتوبر"),
        11: ("تشرين الثاني", "نوفمبر", "نونبر"), 12: ("كانون الأول", "ديسمبر", "دجنبر"),
    },
}

# Words before a date that give its relation; they are part of the date's text.
RELATIONS = {
    "en": {
        "since": ("since", "ever since"),
        "by": ("by", "no later than"),
        "until": ("until", "till", "up until"),
        "before": ("before", "prior to"),
        "after": ("after",),
    },
    "es": {
        "since": ("desde", "a partir de"),
        "by": ("a más tardar en", "a más tardar"),
        "until": ("hasta",),
        "before": ("antes de", "antes del"),
        "after": ("después de", "después del", "tras"),
    },
    "fr": {
        "since": ("depuis", "dès", "à partir de", "à partir d'"),
        "by": ("d'ici", "d'ici à", "au plus tard en", "au plus tard"),
        "until": ("jusqu'en", "jusqu'à", "jusqu'au", "jusque"),
        "before": ("avant",),
        "after": ("après",),
    },
    "ar": {
        "since": ("منذ", "اعتبارا من", "ابتداء من"),
        "by": ("بحلول",),
        "until": ("حتى", "لغاية", "إلى غاية", "إلى حين"),
        "before": ("قبل",),
        "after": ("بعد",),
    },
}

# "The end of": relation "end-of", unless a relation word comes first ("by the end of").
END_OF = {
    "en": ("the end of", "end of", "end-", "late", "the close of"),
    "es": ("a finales", "finales", "a fines", "fines", "al final", "final", "fin"),
    "fr": ("à la fin", "la fin", "fin"),
    "ar": ("نهاية", "بنهاية", "أواخر", "بأواخر"),
}

# Words that may stand between those and the date: "since early 2020", "desde el año 2020".
FILLERS = {
    "en": ("the", "year", "early", "mid", "mid-", "the beginning of", "the middle of"),
    "es": ("de", "del", "el", "la", "año", "principios", "mediados", "comienzos"),
    "fr": ("de", "d'", "du", "le", "la", "l'", "en", "an", "année", "début", "mi-", "courant"),
    "ar": ("عام", "العام", "لعام", "سنة", "السنة", "شهر", "من", "بداية", "مطلع", "منتصف"),
}

# A year right after one of these is a year even when a noun follows: "in 2019 children...".
DATE_PREPOSITIONS = {
    "en": ("in", "during"),
    "es": ("en", "durante"),
    "fr": ("en", "pendant", "dans"),
    "ar": ("في", "خلال", "عام", "العام", "لعام", "سنة"),
}

BETWEEN = {"en": "between", "es": "entre", "fr": "entre", "ar": "بين"}
AND = {"en": ("and",), "es": ("y", "e"), "fr": ("et",), "ar": ("و",)}
# "1 in 5 children": neither number counts anything.
RATIO = {
    "en": ("in", "out of", "of every"),
    "es": ("de cada", "sobre"),
    "fr": ("sur",),
    "ar": ("من كل", "من بين"),
}
# "los años 90", "les années 1990": a decade, neither a year nor a count.
DECADE = ("decade", "años", "década", "années", "décennie")

# "un", "una", "un", "une" are also "a", and never read as numbers.
NUMBER_WORDS = {
    "en": {
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
        "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
        "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
        "seventy": 70, "eighty": 80, "ninety": 90,
    },
    "es": {
        "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
        "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
        "catorce": 14, "quince": 15, "dieciséis": 16, "diecisiete": 17, "dieciocho": 18,
        "diecinueve": 19, "veinte": 20, "veintiuno": 21, "veintidós": 22, "veintitrés": 23,
        "veinticuatro": 24, "veinticinco": 25, "veintiséis": 26, "veintisiete": 27,
        "veintiocho": 28, "veintinueve": 29, "treinta": 30, "cuarenta": 40,
        "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
        "cien": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
        "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500,
        "quinientas": 500,
    },
    "fr": {
        "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
        "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
        "quinze": 15, "seize": 16, "dix-sept": 17, "dix-huit": 18, "dix-neuf": 19,
        "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
        "soixante-dix": 70, "quatre-vingts": 80, "quatre-vingt-dix": 90, "cent": 100,
    },
    # Masculine and feminine forms; 1 and 2 are mostly said with the noun alone.
    "ar": {
        "واحد": 1, "واحدة": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2,
        "ثلاثة": 3, "ثلاث": 3, "أربعة": 4, "أربع": 4, "خمسة": 5, "خمس": 5, "ستة": 6,
        "ست": 6, "سبعة": 7, "سبع": 7, "ثمانية": 8, "ثماني": 8, "ثمان": 8, "تسعة": 9,
        "تسع": 9, "عشرة": 10, "عشر": 10, "أحد عشر": 11, "إحدى عشرة": 11, "اثنا عشر": 12,
        "اثني عشر": 12, "اثنتا عشرة": 12, "اثنتي عشرة": 12, "عشرون": 20, "عشرين": 20,
        "ثلاثون": 30, "ثلاثين": 30, "أربعون": 40, "أربعين": 40, "خمسون": 50, "خمسين": 50,
        "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70, "ثمانون": 80, "ثمانين": 80,
        "تسعون": 90, "تسعين": 90,
    },
}

SCALES = {
    "en": {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9},
    "es": {"mil": 1000, "millón": 10**6, "millones": 10**6, "mil millones": 10**9},
    "fr": {
        "cent": 100, "cents": 100, "mille": 1000, "million": 10**6, "millions": 10**6,
        "milliard": 10**9, "milliards": 10**9,
    },
    "ar": {
        "مائة": 100, "مئة": 100, "ألف": 1000, "آلاف": 1000, "ألفا": 1000,
        "مليون": 10**6, "ملايين": 10**6, "مليار": 10**9, "مليارات": 10**9,
    },
}

PERCENT_WORDS = {
    "en": ("per cent", "percent"),
    "es": ("por ciento",),
    "fr": ("pour cent",),
    "ar": ("بالمئة", "بالمائة", "في المئة", "في المائة"),
}

# Words right before a number.
QUALIFIERS = {
    "en": {
        AT_LEAST: ("at least", "no fewer than", "no less than", "not less than", "a minimum of"),
        MORE_THAN: ("more than", "over", "in excess of", "upwards of"),
        ABOUT: (
            "about", "around", "approximately", "nearly", "almost", "roughly", "some",
            "an estimated", "close to",
        ),
        UP_TO: ("up to", "at most", "a maximum of", "no more than"),
        SKIP: ("less than", "fewer than", "under", "below", "between"),
    },
    "es": {
        AT_LEAST: ("al menos", "por lo menos", "como mínimo", "no menos de"),
        MORE_THAN: ("más de",),
        ABOUT: (
            "alrededor de", "aproximadamente", "cerca de", "casi", "unos", "unas",
            "en torno a",
        ),
        UP_TO: ("hasta", "como máximo", "un máximo de"),
        SKIP: ("menos de", "entre"),
    },
    "fr": {
        AT_LEAST: ("au moins", "au minimum", "pas moins de"),
        MORE_THAN: ("plus de",),
        ABOUT: ("environ", "près de", "presque", "quelque", "autour de", "approximativement"),
        UP_TO: ("jusqu'à", "au maximum", "au plus"),
        SKIP: ("moins de", "entre"),
    },
    "ar": {
        AT_LEAST: ("على الأقل", "ما لا يقل عن", "لا يقل عن"),
        MORE_THAN: ("أكثر من", "ما يزيد على", "ما يزيد عن", "أزيد من", "ما يفوق"),
        ABOUT: ("حوالي", "حوالى", "نحو", "قرابة", "زهاء", "ما يقارب", "ما يقرب من", "تقريبا"),
        UP_TO: ("ما يصل إلى", "يصل إلى"),
        SKIP: ("أقل من", "بين"),
    },
}

# Qualifiers that also stand before years ("around 2015", "hasta 2024"). Any other one
# before four digits makes them a count ("more than 2000").
YEAR_QUALIFIERS = {
    "en": ("over", "around", "about", "up to", "between"),
    "es": ("hasta", "alrededor de", "cerca de", "en torno a", "entre"),
    "fr": ("jusqu'à", "autour de", "environ", "entre"),
    "ar": ("حوالي", "حوالى", "نحو", "بين"),
}

# Words after the number and what it counts: "38 people or more", "38 شخصا على الأقل".
SUFFIX_QUALIFIERS = {
    "en": {AT_LEAST: ("or more",), SKIP: ("or less", "or fewer")},
    "es": {AT_LEAST: ("o más",), SKIP: ("o menos",)},
    "fr": {AT_LEAST: ("ou plus",), SKIP: ("ou moins",)},
    "ar": {AT_LEAST: ("على الأقل", "أو أكثر"), ABOUT: ("تقريبا",), SKIP: ("أو أقل",)},
}

# A number right after one of these names something: "Article 11", "Ley 21.325".
CODE_WORDS = {
    "en": (
        "article", "art.", "objective", "goal", "target", "comment", "general", "law",
        "decree", "resolution", "paragraph", "para.", "section", "chapter", "protocol",
        "rule", "principle", "recommendation", "annex", "page", "p.", "pp.", "no.", "nr.",
        "n°", "nº", "number", "sdg", "covid", "agenda", "vision", "phase", "level", "item",
    ),
    "es": (
        "artículo", "art.", "objetivo", "meta", "observación", "general", "ley", "decreto",
        "resolución", "párrafo", "sección", "capítulo", "protocolo", "regla", "principio",
        "recomendación", "anexo", "página", "no.", "n°", "nº", "n.º", "núm.", "número",
        "ods", "covid", "agenda", "fase", "nivel",
    ),
    "fr": (
        "article", "art.", "objectif", "observation", "générale", "général", "loi",
        "décret", "résolution", "paragraphe", "section", "chapitre", "protocole", "règle",
        "principe", "recommandation", "annexe", "page", "no", "n°", "nº", "numéro", "odd",
        "covid", "agenda", "phase", "niveau",
    ),
    "ar": (
        "المادة", "مادة", "رقم", "الهدف", "هدف", "القانون", "قانون", "المرسوم", "مرسوم",
        "الفقرة", "فقرة", "البند", "بند", "القرار", "قرار", "كوفيد", "الصفحة", "المبدأ",
        "التوصية", "المرحلة",
    ),
}

UNITS = {
    "en": {
        CHILDREN: (
            "child", "children", "minor", "minors", "boy", "boys", "girl", "girls",
            "adolescent", "adolescents", "kid", "kids", "teenager", "teenagers", "infant",
            "infants", "baby", "babies",
        ),
        PEOPLE: (
            "people", "person", "persons", "migrant", "migrants", "refugee", "refugees",
            "asylum seeker", "asylum seekers", "asylum-seeker", "asylum-seekers", "detainee",
            "detainees", "adult", "adults", "man", "men", "woman", "women", "individual",
            "individuals", "foreigner", "foreigners", "national", "nationals",
        ),
        FAMILIES: ("family", "families", "household", "households"),
        CASES: ("case", "cases"),
    },
    "es": {
        CHILDREN: (
            "niño", "niños", "niña", "niñas", "menor", "menores", "adolescente",
            "adolescentes", "chico", "chicos", "chica", "chicas", "bebé", "bebés",
        ),
        PEOPLE: (
            "persona", "personas", "migrante", "migrantes", "refugiado", "refugiados",
            "refugiada", "refugiadas", "solicitante de asilo", "solicitantes de asilo",
            "detenido", "detenidos", "detenida", "detenidas", "adulto", "adultos", "adulta",
            "adultas", "hombre", "hombres", "mujer", "mujeres", "extranjero", "extranjeros",
            "extranjera", "extranjeras", "individuo", "individuos",
        ),
        FAMILIES: ("familia", "familias", "hogar", "hogares", "núcleos familiares"),
        CASES: ("caso", "casos"),
    },
    "fr": {
        CHILDREN: (
            "enfant", "enfants", "mineur", "mineurs", "mineure", "mineures", "garçon",
            "garçons", "fille", "filles", "adolescent", "adolescents", "adolescente",
            "adolescentes", "bébé", "bébés",
        ),
        PEOPLE: (
            "personne", "personnes", "migrant", "migrants", "migrante", "migrantes",
            "réfugié", "réfugiés", "réfugiée", "réfugiées", "demandeur d'asile",
            "demandeurs d'asile", "demandeuse d'asile", "demandeuses d'asile", "détenu",
            "détenus", "détenue", "détenues", "adulte", "adultes", "homme", "hommes",
            "femme", "femmes", "étranger", "étrangers", "étrangère", "étrangères",
            "individus",
        ),
        FAMILIES: ("famille", "familles", "ménage", "ménages", "foyer", "foyers"),
        CASES: ("cas",),
    },
    "ar": {
        CHILDREN: (
            "طفل", "أطفال", "طفلا", "طفلة", "قاصر", "قاصرين", "قاصرا", "قاصرون", "قصر",
            "فتاة", "فتيات", "فتى", "فتيان", "صبي", "صبيان", "مراهق", "مراهقين", "مراهقا",
            "مراهقون", "مراهقة", "مراهقات", "رضيع", "رضع",
        ),
        PEOPLE: (
            "شخص", "أشخاص", "شخصا", "مهاجر", "مهاجرين", "مهاجرا", "مهاجرون", "مهاجرة",
            "مهاجرات", "لاجئ", "لاجئين", "لاجئا", "لاجئون", "لاجئة", "لاجئات", "طالب لجوء",
            "طالبي لجوء", "طالبو لجوء", "طالبة لجوء", "محتجز", "محتجزين", "محتجزا",
            "محتجزون", "بالغ", "بالغين", "بالغا", "رجل", "رجال", "رجلا", "امرأة", "نساء",
            "سيدة", "سيدات", "فرد", "أفراد",
        ),
        FAMILIES: ("أسرة", "أسر", "عائلة", "عائلات"),
        CASES: ("حالة", "حالات"),
    },
}

# Where the noun phrase after a number stops.
STOPWORDS = {
    "en": (
        "of", "the", "a", "an", "and", "or", "but", "in", "on", "at", "to", "from", "for",
        "with", "by", "as", "than", "into", "under", "since", "during", "while", "including",
        "this", "these", "those", "who", "which", "that", "whom", "whose", "were", "was",
        "are", "is", "be", "been", "being", "have", "has", "had", "will", "would", "could",
        "may", "might", "can", "should", "must", "do", "did", "remain", "remained",
        "remains", "per", "out", "ago", "each", "more", "less", "fewer",
    ),
    "es": (
        "de", "del", "la", "el", "los", "las", "y", "e", "o", "u", "en", "a", "al", "con",
        "por", "para", "que", "quien", "quienes", "fueron", "fue", "son", "es", "han", "ha",
        "habían", "había", "están", "estaban", "estuvieron", "siguen", "se", "su", "sus",
        "entre", "desde", "hasta", "sin", "más", "menos", "eran", "era", "serán", "tienen",
        "tenían", "permanecen", "permanecían", "siguen",
    ),
    "fr": (
        "de", "des", "du", "d'", "la", "le", "les", "l'", "et", "ou", "en", "à", "au", "aux",
        "avec", "par", "pour", "que", "qui", "ont", "sont", "était", "étaient", "a", "est",
        "sur", "dans", "se", "restent", "entre", "depuis", "sans", "plus", "moins", "seront",
        "avaient", "vivent",
    ),
    "ar": (
        "من", "في", "على", "إلى", "عن", "و", "أو", "الذي", "التي", "الذين", "كان", "كانوا",
        "تم", "قد", "مع", "أكثر", "أقل",
    ),
}
# fmt: on


TEN_AR = ("عشر", "عشرة")  # "ثلاثة عشر" is 13


def compound_number_words(language):
    """Number words made of two: "twenty-five", "treinta y dos", "ثلاثة عشر", "خمسة وعشرون"."""
    words = NUMBER_WORDS[language]
    units = {word: n for word, n in words.items() if 1 <= n <= 9}
    tens = {word: n for word, n in words.items() if n in (20, 30, 40, 50, 60, 70, 80, 90)}
    if language == "en":
        return {f"{t}-{u}": tens[t] + units[u] for t in tens for u in units}
    if language == "es":
        return {f"{t} y {u}": tens[t] + units[u] for t in tens if tens[t] > 20 for u in units}
    if language == "fr":
        # 21 to 69; from 70 on French counts in twenties ("soixante-douze"): left out.
        compounds = {f"{t}-et-un": tens[t] + 1 for t in tens if tens[t] < 70}
        compounds.update(
            {f"{t}-{u}": tens[t] + units[u] for t in tens if tens[t] < 70 for u in units}
        )
        return compounds
    teens = {f"{u} {ten}": units[u] + 10 for u in units if units[u] >= 3 for ten in TEN_AR}
    return teens | {f"{u} و{t}": units[u] + tens[t] for u in units for t in tens}


# --- Folding ------------------------------------------------------------------------------

TYPOGRAPHIC = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "−": "-",
        "ى": "ي",
        "ة": "ه",
        "٪": "%",
        "٫": ".",  # the Arabic decimal mark
        "٬": ",",  # the Arabic thousands separator
    }
)
TATWEEL = "\u0640"
HYPHENS = "-\u2010\u2011"


def is_dropped(character):
    """Marks, tatweel and invisible format characters, which the folded copy leaves out."""
    return character == TATWEEL or unicodedata.category(character) in ("Mn", "Me", "Cf")


def fold_character(character):
    """One character folded: "" or exactly one character."""
    if is_dropped(character):
        return ""
    if character.isspace():
        return " "
    digit = unicodedata.decimal(character, None)
    if digit is not None:
        return str(digit)  # "٣" and "۳" are 3
    if unicodedata.category(character) == "Pd":
        # Hyphens join words ("COVID-19"); dashes separate them or make ranges.
        return "-" if character in HYPHENS else "–"
    # NFD splits "é" into "e" and a mark, and "أ" into "ا" and a hamza.
    decomposed = unicodedata.normalize("NFD", character)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    base = base.lower().translate(TYPOGRAPHIC)
    return base if len(base) == 1 else character


def fold(text):
    return "".join(fold_character(character) for character in text)


class Folded:
    """A folded copy of a text that knows where each of its characters came from."""

    def __init__(self, text):
        self.original = text
        characters, self.positions = [], []
        for index, character in enumerate(text):
            folded = fold_character(character)
            if folded:
                characters.append(folded)
                self.positions.append(index)
        self.text = "".join(characters)

    def span(self, start, end):
        """Original offsets of text[start:end], with the marks on its last letter."""
        first, last = self.positions[start], self.positions[end - 1] + 1
        while last < len(self.original) and is_dropped(self.original[last]):
            if unicodedata.category(self.original[last]) == "Cf":
                break
            last += 1
        return first, last


def key(text):
    return " ".join(text.split())


def lookup(table):
    """The table keyed by folded phrases."""
    return {key(fold(phrase)): value for phrase, value in table.items()}


# --- Patterns -----------------------------------------------------------------------------


def phrase_regex(phrase):
    """A folded phrase as a regex that allows any spacing between its words."""
    return r"\s+".join(re.escape(word) for word in phrase.split())


def alternation(phrases):
    """Phrases as one group, longest first so that "más de" is tried before "más"."""
    folded = sorted({key(fold(phrase)) for phrase in phrases}, key=len, reverse=True)
    return "(?:" + "|".join(phrase_regex(phrase) for phrase in folded) + ")"


def spaced(phrases):
    """Phrases each with the space after it, or none after an elision: "d'", "mid-"."""
    folded = sorted({key(fold(phrase)) for phrase in phrases}, key=len, reverse=True)
    parts = [phrase_regex(p) + (r"\s*" if p[-1] in "'-" else r"\s+") for p in folded]
    return "(?:" + "|".join(parts) + ")"


def start_of_word(language):
    # Arabic writes "and" and "so" onto the next word: "ومنذ 2020" is "and since 2020".
    return r"(?<![^\W\u0648\u0641])" if language == "ar" else r"(?<!\w)"


# Arabic writes "and", "so", "in", "like", "for" and "the" onto a noun: "للمادة" is "to the
# article". Used before nouns; the tables give them with or without "ال".
ARABIC_PROCLITICS = "(?:[وف]?(?:[بك]?ال|لل|[بكل])?)"


def group_names(table):
    """Regex group names for table keys: "at-least" -> "at_least"."""
    return {name.replace("-", "_"): name for name in table}


class Grammar:
    """The compiled patterns of one language, all to be searched in folded text."""

    def __init__(self, language):
        self.language = language
        self.months = lookup({n: m for m, names in MONTHS[language].items() for n in names})
        self.number_words = lookup(NUMBER_WORDS[language] | compound_number_words(language))
        self.scales = lookup(SCALES[language])
        self.units = lookup({p: unit for unit, ps in UNITS[language].items() for p in ps})
        self.stopwords = {fold(word) for word in STOPWORDS[language]}
        self.year_qualifiers = {key(fold(phrase)) for phrase in YEAR_QUALIFIERS[language]}
        self.relations = group_names(RELATIONS[language])
        self.qualifiers = group_names(QUALIFIERS[language])
        self.suffixes = group_names(SUFFIX_QUALIFIERS[language])
        self._compile_dates(language)
        self._compile_numbers(language)

    def _compile_dates(self, language):
        word = start_of_word(language)
        year = r"(?P<y>(?:19|20)\d\d)" + ("م?" if language == "ar" else "")
        ordinal = {"en": "(?:st|nd|rd|th)?", "es": r"(?:\.?[º°o])?", "fr": "(?:er|re|e)?"}
        day = r"(?P<d>[12]\d|3[01]|0?[1-9])" + ordinal.get(language, "") + r"(?!\d)"
        month_names = alternation(self.months)
        month = rf"(?P<m>{month_names})\.?(?!\w)"
        comma = r"(?:\s*[,،]\s*|\s+)"
        if language == "ar":
            # UN Arabic gives both names: "أيار/مايو 2019".
            month += rf"(?:\s*/\s*(?P<m2>{month_names})(?!\w))?"
            of_year = r"(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?"
        else:
            of_year = {"en": r"(?:of\s+)?", "es": r"(?:del?\s+)?", "fr": ""}[language]
        day_first = {
            "en": rf"{day}(?:\s+of)?\s+{month}{comma}{year}",
            "es": rf"{day}\s+(?:de\s+)?{month}{comma}{of_year}{year}",
            "fr": rf"{day}\s+{month}{comma}{year}",
            "ar": rf"{day}\s+(?:من\s+)?{month}{comma}{of_year}{year}",
        }[language]
        patterns = {
            "day": day_first,
            "iso": rf"{year}(?P<s>[-/])(?P<m>\d\d?)(?P=s)(?P<d>\d\d?)(?!\d)",
            "numeric": rf"(?P<a>\d\d?)(?P<s>[-/.])(?P<b>\d\d?)(?P=s){year}",
            "month": rf"{month}{comma}{of_year}{year}",
            "year": year,
        }
        if language == "en":
            patterns["month-day"] = rf"{month}\s+{day}{comma}{year}"
        self.dates = {kind: re.compile(pattern) for kind, pattern in patterns.items()}

        relations = "|".join(
            rf"(?P<{name}>{spaced(RELATIONS[language][relation])})"
            for name, relation in self.relations.items()
        )
        # Searched so that it ends where the date starts; the longest match wins.
        self.date_prefix = re.compile(
            rf"(?:{word}(?:{relations}))?"
            rf"(?:{word}(?P<end_of>{spaced(END_OF[language])}))?"
            rf"(?:{word}{spaced(FILLERS[language])}){{0,3}}$"
        )
        self.date_preposition = re.compile(
            rf"{word}{alternation(DATE_PREPOSITIONS[language])}\s+$"
        )
        self.decade_before = re.compile(rf"{word}{alternation(DECADE)}\s+$")
        self.month_after = re.compile(rf"\s+(?:de\s+|of\s+|من\s+)?{month_names}(?!\w)")
        self.month_before = re.compile(rf"{word}{month_names}\.?\s+$")

    def _compile_numbers(self, language):
        word = start_of_word(language)
        number_word = alternation(self.number_words)
        scale = alternation(self.scales)
        and_word = alternation(AND[language])
        # A separating space only before exactly three digits: "1 000", not "2019 38".
        separator = r"[.,]|\s(?=\d{3}(?!\d))" if language in ("es", "fr") else r"[.,]"
        self.number = re.compile(
            rf"(?P<digits>\d+(?:(?:{separator})\d+)*)"
            rf"|{word}(?<!-)(?P<words>{number_word})(?!\w|-\w)"  # not "soixante-douze"
        )
        self.scale = re.compile(rf"\s+(?P<scale>{scale})(?!\w)")
        self.of_after_scale = re.compile(r"\s+(?:of|de)(?=\s)|\s+d'")
        # Numbers said in more words than these tables read: "two hundred and fifty".
        self.number_after = re.compile(rf"\s+(?:{and_word}\s*)?(?:\d|{number_word}(?!\w))")
        self.number_before = re.compile(rf"{word}(?:{number_word}|{scale})\s+(?:{and_word}\s*)?$")
        ratio = alternation(RATIO[language])
        self.ratio_after = re.compile(rf"\s+{ratio}\s+(?:\d|{number_word}(?!\w))")
        self.ratio_before = re.compile(rf"(?:\d|{word}{number_word})\s+{ratio}\s+$")
        percent = alternation(PERCENT_WORDS[language])
        self.percent = re.compile(rf"\s*(?P<sign>%)|\s+(?P<words>{percent})(?!\w)")

        qualifiers = QUALIFIERS[language]
        groups = "|".join(
            rf"(?P<{name}>{alternation(qualifiers[q])})" for name, q in self.qualifiers.items()
        )
        self.qualifier = re.compile(rf"{word}(?:{groups})\s*$")
        suffixes = SUFFIX_QUALIFIERS[language]
        groups = "|".join(
            rf"(?P<{name}>{alternation(suffixes[q])})" for name, q in self.suffixes.items()
        )
        self.suffix = re.compile(rf"\s+(?:{groups})(?!\w)")
        self.between = re.compile(
            rf"{word}{alternation([BETWEEN[language]])}\s+\S+\s+{and_word}\s*$"
        )
        proclitics = ARABIC_PROCLITICS if language == "ar" else ""
        code_words = alternation(CODE_WORDS[language])
        self.code_word = re.compile(rf"(?<!\w){proclitics}{code_words}\s*$")
        self.unit = re.compile(rf"(?P<unit>{alternation(self.units)})(?!\w)")
        self.next_word = re.compile(r"(?:\s+|(?<='))([^\W\d_]+(?:['-][^\W\d_]+)*'?)")


@functools.cache
def grammar(language):
    if language not in LANGUAGES:
        raise ValueError(f"Unsupported language {language!r}: use one of {LANGUAGES}.")
    return Grammar(language)


# --- Boundaries ---------------------------------------------------------------------------

YEAR_BEFORE_DASH = re.compile(r"(?<!\d)(?:19|20)\d\d[-–/]$")
YEAR_AFTER_DASH = re.compile(r"[-–/](?:19|20)\d\d(?!\d)")


def free_before(text, start, language, year=False):
    """Whether a number or date may start here: not glued to a word, code or number.

    A year may follow a letter and a hyphen ("mid-2020") or another year ("2018-2020").
    """
    if start == 0:
        return True
    previous = text[start - 1]
    if previous.isalnum() or previous == "_":
        # Arabic "and", "with", "for" and "so" written onto the number: "و7 فتيات".
        glued = start == 1 or not text[start - 2].isalnum()
        return language == "ar" and previous in "وبلف" and glued
    if previous in "+#№:$€£¥":
        return False
    if previous in ".," and start >= 2 and text[start - 2].isdigit():
        return False
    if previous in "-–/":
        if start >= 2 and text[start - 2].isalpha():
            return year and previous == "-"
        return year and bool(YEAR_BEFORE_DASH.search(text, 0, start))
    return True


def free_after(text, end, year=False):
    """Whether a number or date may end here: not followed by letters, codes or digits."""
    following = text[end : end + 2]
    if not following:
        return True
    if following[0].isalnum() or following[0] in "_°":
        return False  # "1st", "1990s", "19h30", "3°"
    if following[0] in ".,:/-–" and following[1:].isdigit():
        return year and bool(YEAR_AFTER_DASH.match(text, end))
    return not (following[0] == "." and following[1:] in ("º", "°"))


# --- Dates --------------------------------------------------------------------------------


def find_dates(text: str, language: str) -> list[DateMention]:
    """The dates that `text` states, in order and without overlaps."""
    folded = Folded(text)
    mentions = []
    for start, end, value, precision, relation in date_spans(folded.text, grammar(language)):
        first, last = folded.span(start, end)
        mentions.append(DateMention(first, last, text[first:last], value, precision, relation))
    return mentions


def date_spans(text, rules):
    """(start, end, value, precision, relation) of each date, in folded offsets."""
    candidates = []
    for kind, pattern in rules.dates.items():
        year = kind == "year"
        for match in pattern.finditer(text):
            start, end = match.span()
            if free_before(text, start, rules.language, year) and free_after(text, end, year):
                candidates.append((start, end, kind, *read_date(kind, match, rules)))

    # Where candidates overlap ("15 May 2019" and "2019"), the first and longest wins; one
    # that is no real date ("31 February 2019") wins too, so as to give nothing.
    spans, last_end = [], 0
    for start, end, kind, value, precision in sorted(candidates, key=lambda c: (c[0], -c[1])):
        if start < last_end:
            continue
        if value is None:
            last_end = end
            continue
        prefix = rules.date_prefix.search(text, last_end, start)
        relation = next((r for n, r in rules.relations.items() if prefix.group(n)), None)
        if relation is None and prefix.group("end_of"):
            relation = "end-of"
        if relation is None and kind == "year" and not is_year(text, start, end, rules):
            continue
        if relation:
            start = prefix.start()
        spans.append((start, end, value, precision, relation or "on"))
        last_end = end
    return spans


def read_date(kind, match, rules):
    """(value, precision) of a date match; value None when it is no real date."""
    groups = match.groupdict()
    year = int(groups["y"])
    if kind == "year":
        return datetime.date(year, 1, 1), YEAR
    if kind == "numeric":
        first, second = int(groups["a"]), int(groups["b"])
        if rules.language != "en" or (first > 12 and second <= 12):
            day, month = first, second
        elif second > 12 and first <= 12:
            day, month = second, first
        else:
            return None, DAY  # "05/06/2019" in English: May or June?
    else:
        month = groups["m"]
        if not month.isdigit():
            month = rules.months[key(month)]
            if groups.get("m2") and rules.months[key(groups["m2"])] != month:
                return None, MONTH
        month = int(month)
        if kind == "month":
            return datetime.date(year, month, 1), MONTH
        day = int(groups["d"])
    try:
        return datetime.date(year, month, day), DAY
    except ValueError:
        return None, DAY  # "31 June 2019"


def is_year(text, start, end, rules):
    """Whether four digits that no relation word introduces are a year."""
    if rules.code_word.search(text, 0, start) or rules.decade_before.search(text, 0, start):
        return False  # "Ley 1955", "Agenda 2030", "les années 1990"
    if re.match(r"\s*%", text[end:]):
        return False
    qualifier = rules.qualifier.search(text, 0, start)
    if qualifier and key(qualifier.group()) not in rules.year_qualifiers:
        return False  # "more than 2000"
    if rules.date_preposition.search(text, 0, start):
        return True
    noun = rules.next_word.match(text, end)
    return not (noun and rules.unit.match(text, noun.start(1)))  # not "2000 migrants"


# --- Numbers ------------------------------------------------------------------------------


def find_numbers(text: str, language: str) -> list[NumberMention]:
    """The numbers that `text` states, with their qualifier and what they count."""
    rules = grammar(language)
    folded = Folded(text)
    dates = [(start, end) for start, end, *_ in date_spans(folded.text, rules)]
    found, last_end = [], 0
    for match in rules.number.finditer(folded.text):
        start, end = match.span("digits" if match.group("digits") else "words")
        if start < last_end or any(s < end and start < e for s, e in dates):
            continue
        floor = max([last_end] + [e for s, e in dates if e <= start])
        ceiling = min([len(folded.text)] + [s for s, e in dates if s >= end])
        number = read_number(folded, rules, match, floor, ceiling)
        if number:
            found.append(number)
            last_end = number[1]
    return [number_mention(folded, *number) for number in found]


def number_mention(folded, start, end, value, qualifier, counts, unit):
    first, last = folded.span(start, end)
    if counts:
        counts_first, counts_last = folded.span(*counts)
        counts = folded.original[counts_first:counts_last]
    original = folded.original[first:last]
    return NumberMention(first, last, original, value, qualifier, counts or "", unit)


def read_number(folded, rules, match, floor, ceiling):
    """(start, end, value, qualifier, counts span, unit) of one number, or None."""
    text = folded.text
    digits = match.group("digits")
    start, end = match.span("digits" if digits else "words")
    if digits:
        value = parse_digits(digits, rules.language)
        if value is None or not free_before(text, start, rules.language):
            return None
        if not free_after(text, end) or looks_like_a_phone_number(digits, text, start, end):
            return None
    else:
        value = Decimal(rules.number_words[key(match.group("words"))])
        if rules.number_after.match(text, end):
            return None  # "treinta y dos" is read whole or not at all
    if names_something(folded, rules, start, end) or is_a_ratio(text, rules, start, end):
        return None

    scale = rules.scale.match(text, end, ceiling)
    if scale:
        if rules.number_after.match(text, scale.end()):
            return None  # "two hundred and fifty", "dos mil doscientos"
        value *= rules.scales[key(scale.group("scale"))]
        end = scale.end()

    suffix = rules.suffix.match(text, end, ceiling)  # "ten or more children"
    if suffix:
        end = suffix.end()
    percent = rules.percent.match(text, end, ceiling)
    if percent:
        counts, unit = percent.span("sign" if percent.group("sign") else "words"), PERCENT
        end = percent.end()
    else:
        of = rules.of_after_scale.match(text, end, ceiling) if scale else None
        counts, unit = counted_noun(text, rules, of.end() if of else end, ceiling)
        if counts:
            end = counts[1]
        elif not digits:
            return None  # a number word must count something: "one of them" is no number
    if not suffix:
        suffix = rules.suffix.match(text, end, ceiling)  # "38 people or more"
        if suffix:
            end = suffix.end()

    if rules.between.search(text, floor, start):
        return None
    prefix = rules.qualifier.search(text, floor, start)
    qualifiers = [named_group(prefix, rules.qualifiers)] if prefix else []
    qualifiers += [named_group(suffix, rules.suffixes)] if suffix else []
    if SKIP in qualifiers:
        return None
    if prefix:
        start = prefix.start()
    if not qualifiers and digits and re.fullmatch(r"(?:19|20)\d\d", digits) and not unit:
        return None  # a year that find_dates does not vouch for is no count either
    qualifier = qualifiers[0] if qualifiers else EXACT
    return start, end, whole(value), qualifier, counts, unit


def is_a_ratio(text, rules, start, end):
    """ "1 in 5 children", "1 de cada 5": neither number counts anything."""
    return bool(rules.ratio_after.match(text, end) or rules.ratio_before.search(text, 0, start))


def named_group(match, names):
    return next(value for name, value in names.items() if match.group(name))


SEPARATORS = {  # (thousands separators, decimal marks)
    "en": (",", "."),
    "ar": (",", "."),
    "es": (". ,", ",."),
    "fr": (". ", ",."),
}


def parse_digits(digits, language):
    """The value of "45", "1,000", "1.000", "1 000", "2,5", "1.234,5"..., or None."""
    parts = re.split(r"([., ])", digits)
    groups, separators = parts[::2], parts[1::2]
    if not separators:
        return Decimal(digits)
    thousands, decimal_marks = SEPARATORS[language]
    decimals = None
    uniform = len(set(separators)) == 1
    if uniform and len(groups[-1]) == 3:
        if separators[0] not in thousands:
            return None  # "2.500" in English: two and a half, or 2500?
    elif separators[-1] in decimal_marks and (len(separators) == 1 or not uniform):
        decimals = groups.pop()
        separators.pop()
    else:
        return None
    if separators and (
        len(set(separators)) > 1
        or separators[0] not in thousands
        or not 1 <= len(groups[0]) <= 3
        or any(len(group) != 3 for group in groups[1:])
    ):
        return None  # "1,00", "1.2.3", "2019 500"
    return Decimal("".join(groups) + (f".{decimals}" if decimals else ""))


def looks_like_a_phone_number(digits, text, start, end):
    """Leading zeros or digit groups side by side: "020 7946 0958"."""
    if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
        return True
    before = text[max(0, start - 4) : start]
    return bool(re.search(r"\d\)?[ ]{1,2}$", before) or re.match(r"[ ]{1,2}\(?\d", text[end:]))


def names_something(folded, rules, start, end):
    """Whether the number names a thing rather than counting: "Article 11", "May 15"."""
    text, window = folded.text, max(0, start - 30)
    return bool(
        rules.code_word.search(text, window, start)
        or rules.month_before.search(text, window, start)
        or rules.month_after.match(text, end)  # the day of a date with no year: "15 May"
        or rules.number_before.search(text, window, start)  # "mil doscientos"
        or rules.decade_before.search(text, window, start)  # "los años 90"
        or after_capitalised_word(folded.original, folded.span(start, end)[0])
    )


PREVIOUS_WORD = re.compile(r"(?<!\w)([^\W\d_][\w.'’°º-]*)[ \t\u00a0\u202f]+$")


def after_capitalised_word(original, start):
    """A number right after a capitalised word that does not open the sentence is part of
    a name: "Camp 5", "Resolution 2231", "Protocol 4"."""
    previous = PREVIOUS_WORD.search(original, max(0, start - 40), start)
    if not previous or not previous.group(1)[0].isupper():
        return False
    before = original[: previous.start()].rstrip(" \t\u00a0\"'“”‘’«»([")
    return bool(before) and before[-1] not in ".!?:;…"


def counted_noun(text, rules, position, ceiling):
    """The span of what a number counts ("people", "migrant children") and its unit.

    Spanish, French and Arabic put the noun first ("niños migrantes"): the first word is
    taken. English puts it last ("unaccompanied migrant children"): words are taken up to
    the first plural, or else up to the last unit word, or else the first word alone.
    """
    words = []  # (start, end, unit)
    for _ in range(3 if rules.language == "en" else 1):
        word = rules.next_word.match(text, position, ceiling)
        if not word or word.group(1) in rules.stopwords:
            break
        unit = rules.unit.match(text, word.start(1), ceiling)
        position = unit.end() if unit else word.end()
        words.append((word.start(1), position, rules.units[key(unit.group())] if unit else ""))
        if is_english_plural(text[word.start(1) : position]):
            break
    if not words:
        return None, ""
    if rules.language == "en" and not is_english_plural(text[words[-1][0] : words[-1][1]]):
        with_unit = [word for word in words if word[2]]
        words = words[: words.index(with_unit[-1]) + 1] if with_unit else words[:1]
    return (words[0][0], words[-1][1]), words[-1][2]


IRREGULAR_PLURALS = {"children", "people", "men", "women"}


def is_english_plural(words):
    """ "children", "asylum seekers", "centres"; not "crisis", "status", "process"."""
    last = words.split()[-1]
    return last in IRREGULAR_PLURALS or (last[-1] == "s" and not last.endswith(("ss", "us", "is")))


def whole(value):
    """1.5 million is 1500000, not 1500000.0."""
    return Decimal(int(value)) if value == value.to_integral_value() else value
